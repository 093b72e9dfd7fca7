package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/lineage"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// lineageRunner is a runner whose lineage goes to an httptest receiver
// and a file; it returns the events each got, in order.
func lineageRunner(t *testing.T, l lake.Lake, hook func(publish.Step, string) error, tables Tables) (*Runner, func() (posted, lines []lineage.Event)) {
	t.Helper()
	var mu sync.Mutex
	var posted [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posted = append(posted, b)
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "lineage.jsonl")
	em, err := lineage.New(lineage.Options{
		Builder: lineage.Builder{Namespace: "test", Producer: "https://github.com/tradepipe/tradepipe/tree/test", Lake: l.URL()},
		URL:     srv.URL + "/api/v1/lineage", File: file, Client: srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return fixedNow }, PublishHook: hook, Lineage: em, Tables: tables}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(what string, b []byte) lineage.Event {
		if err := lineage.Check(b); err != nil {
			t.Errorf("%s: %v\n%s", what, err, b)
		}
		// Numbers as written: snapshot ids are int64, beyond a float64's
		// exact integers.
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var ev lineage.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	return r, func() (p, ls []lineage.Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, b := range posted {
			p = append(p, decode("posted", b))
		}
		f, err := os.Open(file)
		if errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			ls = append(ls, decode("line", sc.Bytes()))
		}
		return p, ls
	}
}

// A committed release sends START, then COMPLETE naming its input (with
// its sha256 and URI) and the partitions its transaction committed, with
// their seqs, as the lake's transaction record lists them; an identical
// re-run sends no event; a release whose commit fails sends FAIL.
func TestLineageEvents(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	body := "[" + header + `,["120190","S","1","1","KG","5700","HS6","2020-04"],["120190","S","1","1","KG","5700","HS6","2020-03"]]`
	if err := os.WriteFile(filepath.Join(inbox, "two-months.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	l, _ := lake.NewDir(t.TempDir())
	r, events := lineageRunner(t, l, nil, nil)
	if s := r.RunOnce(ctx, censusJob(t, inbox)); s.Failed() || s.Count(StatusWritten) == 0 {
		t.Fatalf("run: %+v", s.Results)
	}
	posted, lines := events()
	if len(posted) != 2 || len(lines) != 2 {
		t.Fatalf("%d events posted, %d in the file; want START and COMPLETE in each", len(posted), len(lines))
	}
	for i, want := range []lineage.EventType{lineage.Start, lineage.Complete} {
		if posted[i].EventType != want || lines[i].EventType != want || posted[i].Run.RunID != lines[i].Run.RunID {
			t.Errorf("event %d: %s / %s, want %s in both", i, posted[i].EventType, lines[i].EventType, want)
		}
	}
	done := posted[1]
	txnID := done.Run.Facets["tradepipe_run"].(map[string]any)["txnId"].(string)
	if done.Run.RunID != lineage.RunID(txnID) || posted[0].Run.RunID != done.Run.RunID {
		t.Errorf("run ids %s, %s: want the txn's, %s", posted[0].Run.RunID, done.Run.RunID, lineage.RunID(txnID))
	}
	if done.Job.Namespace != "test" || done.Job.Name != "census-exports" {
		t.Errorf("job %+v", done.Job)
	}
	if len(done.Inputs) != 1 {
		t.Fatalf("inputs %+v", done.Inputs)
	}
	in := done.Inputs[0].Facets["tradepipe_input"].(map[string]any)
	if in["sha256"] != hex.EncodeToString(sum[:]) || !strings.HasSuffix(in["sourceUri"].(string), "/two-months.json") {
		t.Errorf("input facet %v", in)
	}
	// The outputs are what the transaction record says it committed.
	raw, err := lake.ReadAll(ctx, l, publish.TxnKey(txnID))
	if err != nil {
		t.Fatal(err)
	}
	var rec publish.TxnRecord
	if err := json.Unmarshal(raw, &rec); err != nil || rec.State != publish.TxnCommitted {
		t.Fatalf("txn record %s: %v", raw, err)
	}
	var want, got []string
	for _, p := range rec.Partitions {
		want = append(want, p.Partition+"@"+itoa(p.Seq))
	}
	var tables []string
	for _, o := range done.Outputs {
		tables = append(tables, o.Name)
		for _, p := range o.OutputFacets["tradepipe_commit"].(map[string]any)["partitions"].([]any) {
			pm := p.(map[string]any)
			got = append(got, pm["partition"].(string)+"@"+pm["seq"].(json.Number).String())
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) || len(want) < 2 {
		t.Errorf("outputs' partitions %v, the txn committed %v", got, want)
	}
	if !slices.ContainsFunc(tables, func(n string) bool { return strings.HasSuffix(n, "/trade_flows") }) {
		t.Errorf("output tables %v: no trade_flows", tables)
	}

	// Re-run: the input is unchanged, nothing begins, nothing is sent.
	if s := r.RunOnce(ctx, censusJob(t, inbox)); s.Failed() || s.Count(StatusUnchanged) == 0 {
		t.Fatalf("re-run: %+v", s.Results)
	}
	if p, _ := events(); len(p) != 2 {
		t.Errorf("re-run sent %d more events", len(p)-2)
	}

	// A release whose commit fails: START, then FAIL with the reason.
	l2, _ := lake.NewDir(t.TempDir())
	r2, events2 := lineageRunner(t, l2, func(s publish.Step, key string) error {
		if s == publish.StepTxn {
			return errors.New("disk on fire")
		}
		return nil
	}, nil)
	if s := r2.RunOnce(ctx, censusJob(t, inbox)); !s.Failed() {
		t.Fatalf("run with a failing commit: %+v", s.Results)
	}
	p2, _ := events2()
	if len(p2) != 2 || p2[0].EventType != lineage.Start || p2[1].EventType != lineage.Fail {
		t.Fatalf("events %+v, want START and FAIL", p2)
	}
	msg := p2[1].Run.Facets["errorMessage"].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "disk on fire") || len(p2[1].Outputs) != 0 {
		t.Errorf("FAIL: message %q, %d outputs; want the commit's error and no outputs", msg, len(p2[1].Outputs))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// An input that fails before its transaction (it does not parse) is a
// FAIL run of its own, naming the input and the reason.
func TestLineageFailBeforeTransaction(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	if err := os.WriteFile(filepath.Join(inbox, "bad.json"), []byte(badInput), 0o644); err != nil {
		t.Fatal(err)
	}
	l, _ := lake.NewDir(t.TempDir())
	r, events := lineageRunner(t, l, nil, nil)
	if s := r.RunOnce(ctx, censusJob(t, inbox)); !s.Failed() {
		t.Fatalf("run: %+v", s.Results)
	}
	posted, lines := events()
	if len(posted) != 1 || len(lines) != 1 || posted[0].EventType != lineage.Fail {
		t.Fatalf("events %+v, want one FAIL", posted)
	}
	ev := posted[0]
	sum := sha256.Sum256([]byte(badInput))
	if len(ev.Inputs) != 1 || ev.Inputs[0].Facets["tradepipe_input"].(map[string]any)["sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("inputs %+v", ev.Inputs)
	}
	if msg := ev.Run.Facets["errorMessage"].(map[string]any)["message"].(string); !strings.Contains(msg, "not a Census API response") {
		t.Errorf("FAIL message %q", msg)
	}
}

// With Iceberg tables, COMPLETE carries each table's snapshot: the one
// the table's metadata holds as current after the commit.
func TestLineageCarriesIcebergSnapshot(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	body := "[" + header + `,["120190","S","1","1","KG","5700","HS6","2020-04"]]`
	if err := os.WriteFile(filepath.Join(inbox, "one.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	l, _, w := icebergLake(t)
	r, events := lineageRunner(t, l, nil, w)
	if s := r.RunOnce(ctx, censusJob(t, inbox)); s.Failed() {
		t.Fatalf("run: %+v", s.Results)
	}
	posted, _ := events()
	if len(posted) != 2 || posted[1].EventType != lineage.Complete {
		t.Fatalf("events %+v", posted)
	}
	md, _, err := w.Current(ctx, "trade_flows")
	if err != nil || md == nil || md.CurrentSnapshot() == nil {
		t.Fatalf("trade_flows metadata: %v, %v", md, err)
	}
	found := false
	for _, o := range posted[1].Outputs {
		if !strings.HasSuffix(o.Name, "/trade_flows") {
			continue
		}
		found = true
		c := o.OutputFacets["tradepipe_commit"].(map[string]any)
		id, ok := c["snapshotId"].(json.Number)
		if !ok || id.String() != itoa(md.CurrentSnapshot().SnapshotID) || !strings.Contains(c["metadataLocation"].(string), "metadata") {
			t.Errorf("trade_flows commit facet %v, want snapshot %d", c, md.CurrentSnapshot().SnapshotID)
		}
	}
	if !found {
		t.Errorf("no trade_flows output in %+v", posted[1].Outputs)
	}
}

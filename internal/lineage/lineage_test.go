package lineage

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var at = time.Date(2026, 12, 1, 18, 0, 0, 123456000, time.UTC)

func testRelease() Release {
	return Release{
		Job: "census-exports", TxnID: "20261201T180000Z-0123456789abcdef", ReleaseID: "20200604T000000Z-abcdefabcdef",
		Inputs: []Input{{URI: "https://api.census.gov/data/timeseries/intltrade/exports/hs?get=ALL_VAL_MO&time=2020-04", SHA256: strings.Repeat("ab", 32), ReleaseID: "20200604T000000Z-abcdefabcdef"}},
		Outputs: Tables([]Partition{
			{Path: "trade_flows_history/source=census/flow=export/year=2020/month=04", Seq: 3},
			{Path: "trade_flows/source=census/flow=export/year=2020/month=04", Seq: 2},
			{Path: "trade_flows/source=census/flow=export/year=2020/month=03", Seq: 5},
		}),
	}
}

func builder() Builder {
	return Builder{Namespace: "tradepipe", Producer: "https://github.com/tradepipe/tradepipe/tree/v1.0.0", Lake: "s3://trade-lake/tradepipe"}
}

func TestBuild(t *testing.T) {
	rel := testRelease()
	rel.Outputs[0].SnapshotID = new(int64)
	*rel.Outputs[0].SnapshotID = 7421
	ev, err := builder().Build(Complete, at, rel)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Run.RunID != RunID(rel.TxnID) || ev.Run.RunID == RunID("other") {
		t.Errorf("runId %s: want the name-based UUID of the txn id", ev.Run.RunID)
	}
	if ev.EventTime != "2026-12-01T18:00:00.123456Z" || ev.Job.Name != "census-exports" || ev.Job.Namespace != "tradepipe" {
		t.Errorf("event %+v", ev)
	}
	if len(ev.Inputs) != 1 || ev.Inputs[0].Namespace != "https://api.census.gov" || ev.Inputs[0].Name != "/data/timeseries/intltrade/exports/hs" {
		t.Fatalf("inputs %+v", ev.Inputs)
	}
	in := ev.Inputs[0].Facets["tradepipe_input"].(map[string]any)
	if in["sha256"] != strings.Repeat("ab", 32) || !strings.Contains(in["sourceUri"].(string), "time=2020-04") {
		t.Errorf("input facet %v", in)
	}
	var names []string
	for _, o := range ev.Outputs {
		if o.Namespace != "s3://trade-lake" {
			t.Errorf("output namespace %s", o.Namespace)
		}
		names = append(names, o.Name)
	}
	if strings.Join(names, ",") != "tradepipe/trade_flows,tradepipe/trade_flows_history" {
		t.Fatalf("outputs %v", names)
	}
	commit := ev.Outputs[0].OutputFacets["tradepipe_commit"].(map[string]any)
	parts := commit["partitions"].([]Partition)
	if commit["txnId"] != rel.TxnID || len(parts) != 2 || parts[0].Seq != 5 || parts[1].Seq != 2 || commit["snapshotId"] != int64(7421) {
		t.Errorf("commit facet %v", commit)
	}
	if _, ok := ev.Outputs[1].OutputFacets["tradepipe_commit"].(map[string]any)["snapshotId"]; ok {
		t.Error("snapshotId on a table without one")
	}

	start, err := builder().Build(Start, at, rel)
	if err != nil || len(start.Outputs) != 0 || start.Run.RunID != ev.Run.RunID {
		t.Errorf("START: %+v, %v; want no outputs yet, the same run id", start, err)
	}
	rel.Err = errors.New("release not committed: partition failed")
	fail, err := builder().Build(Fail, at, rel)
	if err != nil {
		t.Fatal(err)
	}
	if m := fail.Run.Facets["errorMessage"].(map[string]any); m["message"] != rel.Err.Error() {
		t.Errorf("FAIL errorMessage facet %v", m)
	}
}

// Check refuses what the spec requires and an event lacks.
func TestCheck(t *testing.T) {
	ev, err := builder().Build(Complete, at, testRelease())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(ev)
	if err := Check(good); err != nil {
		t.Fatalf("a built event: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"no eventTime", func(m map[string]any) { delete(m, "eventTime") }, "eventTime"},
		{"eventTime not a date", func(m map[string]any) { m["eventTime"] = "yesterday" }, "eventTime"},
		{"no producer", func(m map[string]any) { delete(m, "producer") }, "producer"},
		{"no schemaURL", func(m map[string]any) { delete(m, "schemaURL") }, "schemaURL"},
		{"bad eventType", func(m map[string]any) { m["eventType"] = "DONE" }, "eventType"},
		{"no run", func(m map[string]any) { delete(m, "run") }, "no run"},
		{"runId not a uuid", func(m map[string]any) { m["run"].(map[string]any)["runId"] = "20261201T180000Z-01" }, "runId"},
		{"no job name", func(m map[string]any) { delete(m["job"].(map[string]any), "name") }, "job"},
		{"no job namespace", func(m map[string]any) { delete(m["job"].(map[string]any), "namespace") }, "job"},
		{"input without a name", func(m map[string]any) { delete(m["inputs"].([]any)[0].(map[string]any), "name") }, "inputs[0]"},
		{"facet without _producer", func(m map[string]any) {
			delete(m["outputs"].([]any)[0].(map[string]any)["outputFacets"].(map[string]any)["tradepipe_commit"].(map[string]any), "_producer")
		}, "tradepipe_commit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m)
			b, _ := json.Marshal(m)
			if err := Check(b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check: %v, want an error about %s", err, tc.want)
			}
		})
	}
}

func TestDatasetName(t *testing.T) {
	for _, tc := range []struct{ in, ns, name string }{
		{"s3://trade-inbox/panjiva/week1/export.xlsx", "s3://trade-inbox", "panjiva/week1/export.xlsx"},
		{"file:///var/lib/tradepipe/inbox/a.json", "file", "/var/lib/tradepipe/inbox/a.json"},
		{"https://api.census.gov/data/x?key=REDACTED&time=2020-04", "https://api.census.gov", "/data/x"},
		{"/tmp/local.json", "file", "/tmp/local.json"},
	} {
		if ns, name := DatasetName(tc.in); ns != tc.ns || name != tc.name {
			t.Errorf("DatasetName(%q) = %q, %q; want %q, %q", tc.in, ns, name, tc.ns, tc.name)
		}
	}
}

// An emitter with both sinks POSTs each event and appends it as a line;
// every event received passes Check.
func TestEmitHTTPAndFile(t *testing.T) {
	var mu sync.Mutex
	var got [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.URL.Path != "/api/v1/lineage" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, b)
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "lineage.jsonl")
	e, err := New(Options{Builder: builder(), URL: srv.URL + "/api/v1/lineage", File: file, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, typ := range []EventType{Start, Complete} {
		if err := e.Emit(ctx, typ, at, testRelease()); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if len(got) != 2 || len(lines) != 2 {
		t.Fatalf("%d posted, %d lines; want 2 and 2", len(got), len(lines))
	}
	for i, typ := range []string{"START", "COMPLETE"} {
		for what, b := range map[string][]byte{"posted": got[i], "line": lines[i]} {
			if err := Check(b); err != nil {
				t.Errorf("%s %d: %v", what, i, err)
			}
			var ev Event
			if err := json.Unmarshal(b, &ev); err != nil || string(ev.EventType) != typ {
				t.Errorf("%s %d: %s, %v; want %s", what, i, ev.EventType, err, typ)
			}
		}
	}
}

func TestEmitReportsAFailingEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such namespace", http.StatusUnprocessableEntity)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "lineage.jsonl")
	e, err := New(Options{Builder: builder(), URL: srv.URL, File: file, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	err = e.Emit(context.Background(), Complete, at, testRelease())
	if err == nil || !strings.Contains(err.Error(), "HTTP 422") || !strings.Contains(err.Error(), "no such namespace") {
		t.Fatalf("err %v, want the endpoint's 422", err)
	}
	if b, _ := os.ReadFile(file); len(b) == 0 {
		t.Error("the file sink got nothing because the HTTP sink failed")
	}
	if _, err := New(Options{Builder: builder()}); err == nil {
		t.Error("New without url or file: no error")
	}
	var nilEmitter *Emitter
	if err := nilEmitter.Emit(context.Background(), Complete, at, testRelease()); err != nil {
		t.Errorf("nil emitter: %v", err)
	}
}

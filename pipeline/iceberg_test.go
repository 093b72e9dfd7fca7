package pipeline

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/readertest"
	"github.com/tradepipe/tradepipe/sinks/iceberg"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// msNow is the clock of the Iceberg tests: icebird reads timestamps as
// JavaScript Dates, to the millisecond, so ingested_at is kept whole
// milliseconds for its sums to be exact.
var msNow = fixedNow.Truncate(time.Millisecond)

// icebergLake is a directory lake served over HTTP (icebird reads through
// fetch) with an Iceberg writer naming files by the server's URL.
func icebergLake(t *testing.T) (*lake.Dir, string, *iceberg.Writer) {
	t.Helper()
	root := t.TempDir()
	l, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	t.Cleanup(srv.Close)
	return l, root, &iceberg.Writer{Lake: l, Base: srv.URL, Now: func() time.Time { return msNow }}
}

func icebergRunner(t *testing.T, l lake.Lake, w *iceberg.Writer, hook func(publish.Step, string) error) *Runner {
	t.Helper()
	r, err := New(Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return msNow }, PublishHook: hook, Tables: w}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// viewFiles lists the Parquet files of a table's Hive view: what a glob
// reader reads, the reference for what was written.
func viewFiles(t *testing.T, root, location string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, location), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

// A first vintage, then a release revising three months: every table is
// read by icebird (an Iceberg reader sharing no code with the writer) at
// its current snapshot and, by time travel, at the first release's
// snapshot, and each read matches what DuckDB read from the Hive view at
// that point: rows, types, non-null counts and exact sums. The revision
// is one snapshot of trade_flows that removes the three months' files and
// adds their new ones.
func TestIcebergSnapshotPerReleaseReadByIcebird(t *testing.T) {
	ctx := context.Background()
	in := t.TempDir()
	v1 := censusInput(t, in, "v1.json", march, firstVintage...)
	v2 := censusInput(t, in, "v2.json", april, threeMonths...)
	l, root, w := icebergLake(t)
	db := duckdbtest.Open(t)
	duck := readertest.DuckDB(db)
	defs, err := iceberg.Defs()
	if err != nil {
		t.Fatal(err)
	}

	ingest := func(p string) map[string]publish.TableSnapshot {
		t.Helper()
		s := icebergRunner(t, l, w, nil).Ingest(ctx, censusJob(t, t.TempDir()), []string{p})
		if s.Failed() {
			t.Fatalf("ingest %s: %+v", p, s.Results)
		}
		out := map[string]publish.TableSnapshot{}
		for _, r := range s.Results {
			for _, sn := range r.Snapshots {
				out[sn.Table] = sn
			}
		}
		return out
	}
	// what DuckDB reads of each table's view now
	written := func() map[string]readertest.Summary {
		out := map[string]readertest.Summary{}
		for _, d := range defs {
			if files := viewFiles(t, root, d.Table.Location); len(files) > 0 {
				out[d.Table.Name] = duck.Read(t, files)
			}
		}
		return out
	}

	first := ingest(v1)
	before := written()
	second := ingest(v2)
	after := written()
	if len(first) == 0 || first["trade_flows"].SnapshotID == 0 {
		t.Fatalf("the first release made no trade_flows snapshot: %+v", first)
	}
	for name, want := range after {
		t.Run(name, func(t *testing.T) {
			url := w.TableLocation(name)
			readertest.Compare(t, "icebird", readertest.Icebird(t, url, 0), want)
			if old, ok := before[name]; ok {
				sn, ok := first[name]
				if !ok {
					t.Fatalf("no snapshot of %s for the first release", name)
				}
				readertest.Compare(t, "icebird@first", readertest.Icebird(t, url, sn.SnapshotID), old)
			}
		})
	}

	// The revision is one overwrite snapshot of trade_flows.
	md, _, err := w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Snapshots()); n != 2 {
		t.Errorf("trade_flows has %d snapshots after two releases, want 2", n)
	}
	cur := md.CurrentSnapshot()
	if cur == nil || cur.SnapshotID != second["trade_flows"].SnapshotID {
		t.Fatalf("current snapshot %+v, want the revision's %+v", cur, second["trade_flows"])
	}
	if cur.ParentSnapshotID == nil || *cur.ParentSnapshotID != first["trade_flows"].SnapshotID {
		t.Errorf("revision's parent %v, want the first release's %d", cur.ParentSnapshotID, first["trade_flows"].SnapshotID)
	}
	p := cur.Summary.Properties
	if cur.Summary.Operation != "overwrite" || p["deleted-data-files"] != "3" || p["added-data-files"] != "3" || p["total-data-files"] != "4" {
		t.Errorf("revision snapshot: %s %v, want an overwrite of 3 files of 4", cur.Summary.Operation, p)
	}
	if p[iceberg.PropTxn] != second["trade_flows"].Txn || p[iceberg.PropTxn] == "" {
		t.Errorf("revision snapshot names txn %q, want %q", p[iceberg.PropTxn], second["trade_flows"].Txn)
	}
}

// Killed right after the revision's outcome record (its views and its
// snapshots not yet written), the release is committed but trade_flows
// still shows the first release; the re-run's Recover writes the missing
// snapshot, keyed by the killed transaction, and icebird reads what a
// clean run's lake holds.
func TestIcebergSnapshotAfterCrashConverges(t *testing.T) {
	ctx := context.Background()
	in := t.TempDir()
	v1 := censusInput(t, in, "v1.json", march, firstVintage...)
	v2 := censusInput(t, in, "v2.json", april, threeMonths...)
	l, root, w := icebergLake(t)
	ingest := func(hook func(publish.Step, string) error, p string) *Summary {
		return icebergRunner(t, l, w, hook).Ingest(ctx, censusJob(t, t.TempDir()), []string{p})
	}
	if s := ingest(nil, v1); s.Failed() {
		t.Fatalf("first release: %+v", s.Results)
	}
	killed := false
	s := ingest(func(s publish.Step, _ string) error {
		if !killed && s == publish.StepView {
			killed = true
			return errors.New("killed")
		}
		return nil
	}, v2)
	if !killed || !s.Failed() {
		t.Fatalf("not killed (%v) or no failure: %+v", killed, s.Results)
	}
	md, _, err := w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Snapshots()); n != 1 {
		t.Fatalf("%d snapshots after the kill, want the first release's only", n)
	}
	if s := ingest(nil, v2); s.Failed() {
		t.Fatalf("re-run: %+v", s.Results)
	}
	md, _, err = w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Snapshots()); n != 2 {
		t.Fatalf("%d snapshots after the re-run, want 2 (the re-run of the same input changes nothing)", n)
	}
	cur := md.CurrentSnapshot()
	txn := cur.Summary.Properties[iceberg.PropTxn]
	if st, err := publish.TxnState(ctx, l, txn); err != nil || st != publish.TxnCommitted {
		t.Errorf("current snapshot names txn %q in state %q (%v), want the killed, committed one", txn, st, err)
	}
	if cur.Summary.Properties["deleted-data-files"] != "3" {
		t.Errorf("recovered snapshot: %v, want the revision's overwrite of 3 files", cur.Summary.Properties)
	}
	want := readertest.DuckDB(duckdbtest.Open(t)).Read(t, viewFiles(t, root, "trade_flows"))
	readertest.Compare(t, "icebird", readertest.Icebird(t, w.TableLocation("trade_flows"), 0), want)
}

// Two writers committing snapshots of one table at once (two releases of
// other months, committed without snapshots, after a first release that
// created the table), B winning the race for the next metadata version:
// A's PutIfAbsent fails, A derives again on top, and the table ends with
// both snapshots and the union of their files.
func TestIcebergConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	in := t.TempDir()
	first := censusInput(t, in, "a.json", march, figure{"2020-01", "120190", "100"}, figure{"2020-02", "120190", "200"})
	b := censusInput(t, in, "b.json", april, figure{"2020-03", "120190", "300"})
	c := censusInput(t, in, "c.json", april, figure{"2020-04", "120190", "400"})
	l, _, w := icebergLake(t)
	if s := icebergRunner(t, l, w, nil).Ingest(ctx, censusJob(t, t.TempDir()), []string{first}); s.Failed() {
		t.Fatalf("first release: %+v", s.Results)
	}
	var txns []string
	for _, p := range []string{b, c} {
		before := txnIDs(t, l)
		s := newRunner(t, l, nil).Ingest(ctx, censusJob(t, t.TempDir()), []string{p})
		if s.Failed() {
			t.Fatalf("ingest %s: %+v", p, s.Results)
		}
		for id := range txnIDs(t, l) {
			if !before[id] {
				txns = append(txns, id)
			}
		}
	}
	if len(txns) != 2 {
		t.Fatalf("transactions %v, want one per release", txns)
	}
	// Writer A is about to commit trade_flows' v2 when writer B commits
	// v2 first: A's PutIfAbsent must fail and A derive again as v3.
	raced := &raceLake{Conditional: l, key: iceberg.MetadataKey("trade_flows", 2), before: func() {
		if _, err := w.CommitTxn(ctx, txns[1]); err != nil {
			t.Errorf("writer B: %v", err)
		}
	}}
	wa := &iceberg.Writer{Lake: raced, Base: w.Base, Now: w.Now}
	snaps, err := wa.CommitTxn(ctx, txns[0])
	if err != nil {
		t.Fatal(err)
	}
	if raced.lost == 0 {
		t.Fatal("writer A never lost the race for v2")
	}
	if len(snaps) == 0 || snaps[0].Metadata != w.Base+"/"+iceberg.MetadataKey("trade_flows", 3) {
		t.Errorf("writer A's snapshots %+v, want trade_flows in v3", snaps)
	}
	md, v, err := w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Snapshots()); n != 3 || v != 3 {
		t.Fatalf("%d snapshots in version %d, want 3 in v3", n, v)
	}
	if got := md.CurrentSnapshot().Summary.Properties["total-data-files"]; got != "4" {
		t.Errorf("current snapshot holds %s files, want the 4 months of the three releases", got)
	}
}

// raceLake runs before once, just before the first PutIfAbsent of key,
// and counts the conditional writes of key that lost.
type raceLake struct {
	lake.Conditional
	key    string
	before func()
	done   bool
	lost   int
}

func (r *raceLake) PutIfAbsent(ctx context.Context, key string, body io.Reader) (string, error) {
	if key == r.key && !r.done {
		r.done = true
		r.before()
	}
	etag, err := r.Conditional.PutIfAbsent(ctx, key, body)
	if key == r.key && errors.Is(err, lake.ErrPrecondition) {
		r.lost++
	}
	return etag, err
}

// txnIDs lists the ids of the lake's transaction records.
func txnIDs(t *testing.T, l lake.Lake) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	prefix := publish.TablesRoot + "/_txn/"
	for o, err := range l.List(context.Background(), prefix) {
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), ".json")] = true
	}
	return out
}

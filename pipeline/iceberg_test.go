package pipeline

import (
	"context"
	"errors"
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

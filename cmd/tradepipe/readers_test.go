package main

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/examples"
	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/readertest"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// TestLakeReadByIndependentReaders runs the quick start's jobs (census,
// gacc, panjiva, compliance) and reads every table of the lake they wrote
// with DuckDB, Polars and arrow-rs: each sees the declared column types
// and the same rows, null counts and exact sums as DuckDB; and icebird
// reads each table's Iceberg snapshot, which must hold the same (with
// timestamps to the millisecond, as icebird reads them).
func TestLakeReadByIndependentReaders(t *testing.T) {
	dir := t.TempDir()
	census, gacc, panjiva := filepath.Join(dir, "census"), filepath.Join(dir, "gacc"), filepath.Join(dir, "panjiva")
	if err := os.MkdirAll(census, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := examples.CopyCensus(census, time.Time{}); err != nil {
		t.Fatal(err)
	}
	copyDir(t, "../../examples/gacc", gacc)
	copyDir(t, "../../examples/panjiva", panjiva)
	lakeDir := filepath.Join(dir, "lake")
	if err := os.MkdirAll(lakeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The lake over HTTP, for icebird (Node's fetch reads no file://):
	// the Iceberg metadata names files by this URL.
	srv := httptest.NewServer(http.FileServer(http.Dir(lakeDir)))
	defer srv.Close()
	cfg := filepath.Join(dir, "tradepipe.yaml")
	yaml := `lake: file://` + lakeDir + `
iceberg:
  location: ` + srv.URL + `
jobs:
  census-exports:
    source: census
    options: {flow: export, partner: "5700", level: HS6, inbox: "file://` + census + `"}
  gacc-imports:
    source: gacc
    options: {flow: import, inbox: "file://` + gacc + `"}
  panjiva:
    source: panjiva
    options: {inbox: "file://` + panjiva + `"}
  compliance:
    source: compliance
    after: [census-exports, gacc-imports]
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("run", "--once", "--config", cfg); code != exitOK {
		t.Fatalf("run --once: exit %d\n%s\n%s", code, out, errs)
	}
	db := duckdbtest.Open(t)
	readers := readertest.Readers(t, db)
	read := 0
	for _, tbl := range schema.Tables() {
		files := parquetFiles(t, filepath.Join(lakeDir, tbl.Location))
		if len(files) == 0 {
			t.Logf("%s: no files in the quick-start lake", tbl.Name)
			continue
		}
		read++
		t.Run(tbl.Name, func(t *testing.T) {
			want := readers[0].Read(t, files) // DuckDB
			cols, err := tbl.Columns()
			if err != nil {
				t.Fatal(err)
			}
			if len(cols) != len(want.Columns) {
				t.Errorf("DuckDB sees %d columns, the schema declares %d", len(want.Columns), len(cols))
			}
			for _, c := range cols {
				if got := want.Columns[c.Name].Type; got != c.Type {
					t.Errorf("duckdb: column %s has type %s, the schema declares %s", c.Name, got, c.Type)
				}
			}
			if want.Rows == 0 {
				t.Fatal("no rows")
			}
			for _, r := range readers[1:] {
				readertest.Compare(t, r.Name, r.Read(t, files), want)
			}
			// The table's Iceberg snapshot holds the same rows.
			if _, err := os.Stat(filepath.Join(lakeDir, "_iceberg", tbl.Name, "metadata", "version-hint.text")); err != nil {
				t.Fatalf("no Iceberg metadata for %s: %v", tbl.Name, err)
			}
			readertest.Compare(t, "icebird", readertest.Icebird(t, srv.URL+"/_iceberg/"+tbl.Name, 0), readertest.DuckDBMillis(db).Read(t, files))
		})
	}
	// trade_flows, trade_totals, shipments, quarantine_shipments, compliance
	if read < 5 {
		t.Errorf("only %d tables had files", read)
	}
}

func parquetFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return filepath.SkipDir
			}
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

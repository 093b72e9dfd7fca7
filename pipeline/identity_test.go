package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/panjivagen"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources/gacc"
	"github.com/tradepipe/tradepipe/sources/panjiva"
)

func panjivaJob(t *testing.T, inbox string) *Job {
	t.Helper()
	src, err := panjiva.New(panjiva.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := lake.NewDir(inbox)
	if err != nil {
		t.Fatal(err)
	}
	return &Job{Name: "panjiva", Source: panjiva.Name, Parser: src, Inbox: in, PerDelivery: true, InboxExts: []string{"xlsx"}}
}

func genWorkbook(t *testing.T, path string, o panjivagen.Options) panjivagen.Stats {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := panjivagen.WriteFile(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// shipmentsByMonth is what DuckDB's glob over shipments sees: rows per
// YYYY-MM.
func shipmentsByMonth(t *testing.T, db *sql.DB, root string) map[string]int {
	t.Helper()
	out := map[string]int{}
	if m, _ := filepath.Glob(filepath.Join(root, "shipments/*/*/*/*.parquet")); len(m) == 0 {
		return out
	}
	rows, err := db.Query(fmt.Sprintf(`SELECT strftime(period, '%%Y-%%m'), count(*) FROM read_parquet('%s/shipments/**/*.parquet', hive_partitioning = true) GROUP BY ALL`, root))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			t.Fatal(err)
		}
		out[m] = n
	}
	return out
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Vendors re-use file names: week1/export.xlsx and week2/export.xlsx are
// two deliveries and both land (the lake once kept only week 2's rows).
func TestSameNamedDeliveriesFromTwoFolders(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	st1 := genWorkbook(t, filepath.Join(inbox, "week1", "export.xlsx"), panjivagen.Options{Rows: 300, Seed: 1, Months: 2})
	st2 := genWorkbook(t, filepath.Join(inbox, "week2", "export.xlsx"), panjivagen.Options{Rows: 200, Seed: 2, Months: 2})
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	s := newRunner(t, l, nil).RunOnce(ctx, panjivaJob(t, inbox))
	if s.Failed() {
		t.Fatalf("run: %+v", s.Results)
	}
	want := map[string]int{}
	for m, n := range st1.ByMonth {
		want[m] += n
	}
	for m, n := range st2.ByMonth {
		want[m] += n
	}
	db := duckdbtest.Open(t)
	if got := shipmentsByMonth(t, db, root); !sameCounts(got, want) {
		t.Fatalf("DuckDB sees %v, want both deliveries %v", got, want)
	}
	// Once more: nothing changes, nothing is counted twice.
	s = newRunner(t, l, nil).RunOnce(ctx, panjivaJob(t, inbox))
	if s.Failed() || s.Count(StatusWritten) != 0 {
		t.Fatalf("second run: %+v", s.Results)
	}
	if got := shipmentsByMonth(t, db, root); !sameCounts(got, want) {
		t.Fatalf("after a re-run DuckDB sees %v, want %v", got, want)
	}
}

// A corrected file at the same location replaces exactly the rows of the
// version it corrects, in every month either covers: a month the
// correction no longer covers is emptied of the old rows (they were once
// left in place and counted twice), and another delivery's rows stay.
func TestCorrectedDeliveryDropsAMonth(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	key := filepath.Join(inbox, "acme", "export.xlsx")
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	genWorkbook(t, key, panjivagen.Options{Rows: 300, Seed: 1, Start: start, Months: 3})
	other := genWorkbook(t, filepath.Join(inbox, "other", "export.xlsx"), panjivagen.Options{Rows: 100, Seed: 9, Start: start, Months: 3})
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	if s := newRunner(t, l, nil).RunOnce(ctx, panjivaJob(t, inbox)); s.Failed() {
		t.Fatalf("first run: %+v", s.Results)
	}
	// The correction covers January and February only.
	v2 := genWorkbook(t, key, panjivagen.Options{Rows: 250, Seed: 2, Start: start, Months: 2})
	s := newRunner(t, l, nil).RunOnce(ctx, panjivaJob(t, inbox))
	if s.Failed() {
		t.Fatalf("corrected run: %+v", s.Results)
	}
	want := map[string]int{}
	for m, n := range v2.ByMonth {
		want[m] += n
	}
	for m, n := range other.ByMonth {
		want[m] += n
	}
	db := duckdbtest.Open(t)
	if got := shipmentsByMonth(t, db, root); !sameCounts(got, want) {
		t.Fatalf("DuckDB sees %v, want the correction and the other delivery only %v", got, want)
	}
	if _, ok := v2.ByMonth["2020-03"]; ok {
		t.Fatal("the correction was meant not to cover March")
	}
	// Withdrawing: a workbook with the header and no rows at that location
	// takes the delivery's rows out everywhere.
	genWorkbook(t, key, panjivagen.Options{Rows: 0, Seed: 3, Start: start, Months: 1})
	if s := newRunner(t, l, nil).RunOnce(ctx, panjivaJob(t, inbox)); s.Failed() {
		t.Fatalf("withdrawing run: %+v", s.Results)
	}
	if got := shipmentsByMonth(t, db, root); !sameCounts(got, other.ByMonth) {
		t.Fatalf("after the withdrawal DuckDB sees %v, want the other delivery only %v", got, other.ByMonth)
	}
}

// One rejected export row in a GACC file that also holds imports of the
// same month: both partitions publish, each with its own quarantine (the
// shared quarantine writer once failed the import partition with "file
// already closed", on every run).
func TestGACCBadRowInOneFlowOnly(t *testing.T) {
	ctx := context.Background()
	in := t.TempDir()
	csv := "Date,Flow,Commodity code,Commodity name,Trading partner code,Trading partner name,First quantity,First unit,Second quantity,Second unit,US dollar\n" +
		"202004,import,12019000,SOYBEANS,502,United States,100,KG,,,1000\n" +
		"202004,import,10079000,SORGHUM,502,United States,100,KG,,,2000\n" +
		"202004,export,85171300,PHONES,502,United States,10,PCS,,,3000\n" +
		"202004,export,94036000,FURNITURE,502,United States,10,PCS,,,not-a-number\n"
	p := filepath.Join(in, "cn-us-2020-04.csv")
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := gacc.New(gacc.Options{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	job := &Job{Name: "gacc", Source: gacc.Name, Parser: src}
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	for run := 1; run <= 2; run++ {
		s := newRunner(t, l, nil).Ingest(ctx, job, []string{p})
		for _, res := range s.Results {
			if res.Err != nil {
				t.Fatalf("run %d: %s: %v", run, res.Partition, res.Err)
			}
		}
		if run == 1 && s.Count(StatusWritten) != 2 {
			t.Fatalf("run 1: %+v", s.Results)
		}
		if run == 2 && s.Count(StatusUnchanged) != 2 {
			t.Fatalf("run 2: %+v", s.Results)
		}
	}
	db := duckdbtest.Open(t)
	got := values(t, db, fmt.Sprintf(`SELECT flow, count(*), sum(value_usd)::VARCHAR FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true) GROUP BY ALL`, root))
	if want := "export 1 3000.00|import 2 3000.00"; got != want {
		t.Errorf("trade_flows = %q, want %q", got, want)
	}
	got = values(t, db, fmt.Sprintf(`SELECT flow, reason_code, raw_cells[1] FROM read_parquet('%s/quarantine/trade_flows/**/*.parquet', hive_partitioning = true)`, root))
	if want := "export bad_value 202004"; got != want {
		t.Errorf("quarantine = %q, want %q", got, want)
	}
}

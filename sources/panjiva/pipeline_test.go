package panjiva_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/panjivagen"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
	"github.com/tradepipe/tradepipe/sources/panjiva"
)

var ingestedAt = time.Date(2026, 11, 27, 10, 30, 0, 123456789, time.UTC)

func newRunner(t *testing.T) (*pipeline.Runner, *pipeline.Job, string) {
	t.Helper()
	root := t.TempDir()
	l, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pipeline.New(pipeline.Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return ingestedAt }}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := panjiva.New(panjiva.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r, &pipeline.Job{Name: "panjiva", Source: panjiva.Name, Parser: src, PerDelivery: true, InboxExts: []string{"xlsx"}}, root
}

func gen(t *testing.T, dir, name string, o panjivagen.Options) (string, panjivagen.Stats) {
	t.Helper()
	p := filepath.Join(dir, name)
	st, err := panjivagen.WriteFile(p, o)
	if err != nil {
		t.Fatal(err)
	}
	return p, st
}

func queryInt(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n.Int64
}

func noFailures(t *testing.T, s *pipeline.Summary) {
	t.Helper()
	for _, r := range s.Results {
		if r.Status == pipeline.StatusFailed {
			t.Fatalf("%s %s: %v", r.Input, r.Partition, r.Err)
		}
	}
}

// A delivery lands in shipments/source=panjiva/year=/month=/<delivery>.parquet;
// DuckDB reads it with the schema's types, and re-runs replace rather
// than duplicate.
func TestIngestIntoLake(t *testing.T) {
	ctx := context.Background()
	r, job, root := newRunner(t)
	in := t.TempDir()
	path, st := gen(t, in, "acme-2020.xlsx", panjivagen.Options{Rows: 4000, Seed: 3, QuirkShare: 0.02, TitleRows: true})

	s := r.Ingest(ctx, job, []string{path})
	noFailures(t, s)
	rows, quarantined := s.Rows()
	var rejected int
	for _, n := range st.Rejected {
		rejected += n
	}
	if rows != int64(st.Published) || quarantined != int64(rejected) {
		t.Fatalf("rows %d, quarantined %d; generator %d, %d", rows, quarantined, st.Published, rejected)
	}
	files, _ := filepath.Glob(filepath.Join(root, "shipments/source=panjiva/year=2020/month=*/acme-2020-*.parquet"))
	if len(files) != 12 {
		t.Errorf("%d delivery files, want one per month (12): %v", len(files), files)
	}

	db := duckdbtest.Open(t)
	glob := fmt.Sprintf("read_parquet('%s/shipments/**/*.parquet', hive_partitioning=true)", root)
	types := duckdbtest.Types(t, db, "SELECT * FROM "+glob)
	for col, want := range map[string]string{
		"shipment_date": "DATE", "period": "DATE", "bill_of_lading": "VARCHAR", "shipper": "VARCHAR",
		"consignee": "VARCHAR", "origin_country": "VARCHAR", "destination_country": "VARCHAR",
		"port_of_lading": "VARCHAR", "port_of_unlading": "VARCHAR", "hs_code": "VARCHAR",
		"hs_codes": "VARCHAR[]", "goods_description": "VARCHAR", "value_usd": "DECIMAL(18,2)",
		"weight_kg": "DOUBLE", "teu": "DOUBLE", "source": "VARCHAR", "source_uri": "VARCHAR",
		"source_sha256": "VARCHAR", "sheet": "VARCHAR", "source_row": "BIGINT",
		"ingested_at": "TIMESTAMP WITH TIME ZONE", "year": "BIGINT",
		// DuckDB keeps month=01 as text: hive type inference reads the leading zero.
		"month": "VARCHAR",
	} {
		if types[col] != want {
			t.Errorf("DuckDB type of %s = %q, want %q", col, types[col], want)
		}
	}
	if n := queryInt(t, db, "SELECT count(*) FROM "+glob); n != int64(st.Published) {
		t.Errorf("DuckDB counts %d rows, want %d", n, st.Published)
	}
	var sum string
	if err := db.QueryRow("SELECT sum(value_usd)::VARCHAR FROM " + glob).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d.%02d", st.ValueCents/100, st.ValueCents%100); sum != want {
		t.Errorf("sum(value_usd) = %s, want %s", sum, want)
	}
	for month, n := range st.ByMonth {
		var y, m int
		fmt.Sscanf(month, "%d-%d", &y, &m)
		q := fmt.Sprintf("SELECT count(*) FROM %s WHERE year = %d AND month = '%02d' AND period = DATE '%s-01' AND date_trunc('month', shipment_date) = period", glob, y, m, month)
		if got := queryInt(t, db, q); got != int64(n) {
			t.Errorf("%s: %d rows, want %d", month, got, n)
		}
	}
	if n := queryInt(t, db, "SELECT count(*) FROM "+glob+" WHERE ingested_at <> TIMESTAMPTZ '2026-11-27 10:30:00.123456+00' OR source <> 'panjiva' OR sheet <> 'Shipments' OR source_row < 5 OR len(hs_code) NOT IN (2,4,6,8,10) OR hs_codes[1] <> hs_code"); n != 0 {
		t.Errorf("%d rows with wrong provenance, timestamps or codes", n)
	}
	// The HS number quirk (201.3) lands as 020130; the multi-code quirk keeps every code.
	if n := queryInt(t, db, "SELECT count(*) FROM "+glob+" WHERE len(hs_codes) = 2 AND hs_codes[2] = '847130'"); n == 0 {
		t.Error("no row kept several HS codes")
	}
	if n := queryInt(t, db, "SELECT count(*) FROM "+glob+" WHERE hs_code = '020130'"); n == 0 {
		t.Error("no 020130 rows")
	}

	qglob := fmt.Sprintf("read_parquet('%s/quarantine/shipments/**/*.parquet', hive_partitioning=true)", root)
	rows2, err := db.Query("SELECT reason_code, count(*) FROM " + qglob + " GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows2.Next() {
		var code string
		var n int
		if err := rows2.Scan(&code, &n); err != nil {
			t.Fatal(err)
		}
		got[code] = n
	}
	rows2.Close()
	for code, n := range st.Rejected {
		if got[code] != n {
			t.Errorf("quarantine has %d %s rows, want %d", got[code], code, n)
		}
	}
	if n := queryInt(t, db, "SELECT count(*) FROM "+qglob+" WHERE sheet IS NULL OR row_number < 5 OR len(raw_cells) < 20"); n != 0 {
		t.Errorf("%d quarantined rows without sheet, row or raw cells", n)
	}

	// Counters reach the manifests.
	l, _ := lake.NewDir(root)
	man, err := publish.Load(ctx, l, "shipments/source=panjiva/year=2020/month=03")
	if err != nil || man == nil {
		t.Fatalf("manifest: %v", err)
	}
	g := man.Group(pipeline.DeliveryName(&sources.Release{Name: "acme-2020.xlsx", URI: "file://" + path}))
	if g == nil || g.Counters[panjiva.CounterFROBDropped] != int64(st.FROB) || g.Counters[panjiva.CounterUnknownColumns] == 0 {
		t.Errorf("manifest group = %+v, want frob_dropped %d", g, st.FROB)
	}

	// The same file again, and the same bytes under another name: unchanged.
	again := r.Ingest(ctx, job, []string{path})
	noFailures(t, again)
	other := filepath.Join(in, "acme-copy.xlsx")
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(other, b, 0o644); err != nil {
		t.Fatal(err)
	}
	copySum := r.Ingest(ctx, job, []string{other})
	noFailures(t, copySum)
	for _, res := range append(again.Results, copySum.Results...) {
		if res.Status != pipeline.StatusUnchanged {
			t.Errorf("re-ingest: %s %s is %s, want unchanged", res.Input, res.Partition, res.Status)
		}
	}
	if n := queryInt(t, db, "SELECT count(*) FROM "+glob); n != int64(st.Published) {
		t.Errorf("after re-ingest DuckDB counts %d rows, want %d", n, st.Published)
	}

	// New content at the same location replaces the delivery's files (a
	// file of the same name elsewhere is another delivery).
	path2, st2 := gen(t, in, "acme-2020.xlsx", panjivagen.Options{Rows: 1500, Seed: 4, QuirkShare: 0.02})
	noFailures(t, r.Ingest(ctx, job, []string{path2}))
	if n := queryInt(t, db, "SELECT count(*) FROM "+glob); n != int64(st2.Published) {
		t.Errorf("after replacing the delivery DuckDB counts %d rows, want %d", n, st2.Published)
	}
}

// In an inbox, a file that is not a readable workbook moves to failed/
// with its reason beside it, and the other files still land.
func TestInboxBadFilesMoveAside(t *testing.T) {
	ctx := context.Background()
	r, job, root := newRunner(t)
	inbox := t.TempDir()
	_, st := gen(t, inbox, "good.xlsx", panjivagen.Options{Rows: 300, Seed: 5})
	if err := os.WriteFile(filepath.Join(inbox, "bad.xlsx"), []byte("this is, not a workbook\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "notes.txt"), []byte("ignored: not .xlsx"), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	if job.Inbox, err = lake.NewDir(inbox); err != nil {
		t.Fatal(err)
	}
	s := r.RunOnce(ctx, job)
	if s.Count(pipeline.StatusFailed) != 1 {
		t.Errorf("%d failed results, want 1 (bad.xlsx)", s.Count(pipeline.StatusFailed))
	}
	if rows, _ := s.Rows(); rows != int64(st.Published) {
		t.Errorf("good.xlsx: %d rows, want %d", rows, st.Published)
	}
	reason, err := os.ReadFile(filepath.Join(inbox, "failed/bad.xlsx.reason.txt"))
	if err != nil || !strings.Contains(string(reason), "not an .xlsx workbook") {
		t.Errorf("reason file: %q, %v", reason, err)
	}
	if _, err := os.Stat(filepath.Join(inbox, "failed/bad.xlsx")); err != nil {
		t.Errorf("bad.xlsx not in failed/: %v", err)
	}
	if _, err := os.Stat(filepath.Join(inbox, "bad.xlsx")); !os.IsNotExist(err) {
		t.Errorf("bad.xlsx still in the inbox: %v", err)
	}
	if _, err := os.Stat(filepath.Join(inbox, "notes.txt")); err != nil {
		t.Errorf("notes.txt touched: %v", err)
	}
	var m publish.Manifest
	b, err := os.ReadFile(filepath.Join(root, "shipments/source=panjiva/year=2020/month=01/_manifest.json"))
	if err != nil || json.Unmarshal(b, &m) != nil || len(m.Groups) != 1 || !strings.HasPrefix(m.Groups[0].Name, "good-") {
		t.Errorf("good.xlsx not published: %v", err)
	}
}

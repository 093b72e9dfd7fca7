package gacc_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources/gacc"
)

// The examples go through the real runner into a directory lake, and
// DuckDB, an independent reader, sees trade_flows and trade_totals with
// hive partitioning, the canonical types and the right values.
func TestPipelineIngestExamples(t *testing.T) {
	root := t.TempDir()
	l, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	r, err := pipeline.New(pipeline.Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return now }}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := gacc.New(gacc.Options{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	job := &pipeline.Job{Name: "gacc-imports", Source: gacc.Name, Parser: src}
	files, err := filepath.Glob("../../examples/gacc/*.*")
	if err != nil {
		t.Fatal(err)
	}
	var inputs []string
	for _, f := range files {
		if filepath.Ext(f) != ".md" {
			inputs = append(inputs, f)
		}
	}
	sum := r.Ingest(context.Background(), job, inputs)
	if sum.Failed() {
		for _, res := range sum.Results {
			if res.Err != nil {
				t.Errorf("%s %s: %v", res.Input, res.Partition, res.Err)
			}
		}
		t.FailNow()
	}
	if rows, q := sum.Rows(); q != 0 || rows == 0 {
		t.Errorf("rows %d, quarantined %d", rows, q)
	}

	db := duckdbtest.Open(t)
	flows := fmt.Sprintf("read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning=true)", root)
	totals := fmt.Sprintf("read_parquet('%s/trade_totals/**/*.parquet', hive_partitioning=true)", root)

	wantTypes := map[string]string{
		"period": "DATE", "reporter": "VARCHAR", "partner": "VARCHAR", "flow": "VARCHAR", "hs_code": "VARCHAR",
		"hs_level": "INTEGER", "value_usd": "DECIMAL(18,2)", "quantity": "DOUBLE", "valuation": "VARCHAR",
		"covers_months": "INTEGER", "source": "VARCHAR", "release_id": "VARCHAR", "ingested_at": "TIMESTAMP WITH TIME ZONE",
	}
	got := duckdbtest.Types(t, db, "SELECT * FROM "+flows)
	for k, v := range wantTypes {
		if got[k] != v {
			t.Errorf("trade_flows.%s is %q, want %q", k, got[k], v)
		}
	}
	gotT := duckdbtest.Types(t, db, "SELECT * FROM "+totals)
	for k, v := range map[string]string{"period": "DATE", "value_usd": "DECIMAL(18,2)", "ytd_value_usd": "DECIMAL(18,2)", "covers_months": "INTEGER", "partner": "VARCHAR", "flow": "VARCHAR"} {
		if gotT[k] != v {
			t.Errorf("trade_totals.%s is %q, want %q", k, gotT[k], v)
		}
	}

	var n, months, jan2020 int
	q := "SELECT count(*), count(DISTINCT period), count(*) FILTER (WHERE period = DATE '2020-01-01') FROM " + flows +
		" WHERE source = 'gacc' AND reporter = 'CN' AND partner = 'US' AND flow = 'import' AND valuation = 'CIF' AND hs_level = 8"
	if err := db.QueryRow(q).Scan(&n, &months, &jan2020); err != nil {
		t.Fatal(err)
	}
	if months != 17 || jan2020 != 0 || n != 17*48 {
		t.Errorf("trade_flows: %d rows over %d periods, %d in January 2020; want %d over 17, none", n, months, jan2020, 17*48)
	}
	var covers, distinctCovers int
	if err := db.QueryRow("SELECT min(covers_months), count(DISTINCT covers_months) FROM "+flows+" WHERE period = DATE '2020-02-01'").Scan(&covers, &distinctCovers); err != nil {
		t.Fatal(err)
	}
	if covers != 2 || distinctCovers != 1 {
		t.Errorf("February 2020 rows cover %d months (%d distinct), want all 2", covers, distinctCovers)
	}
	var porkCode, yearKey, monthKey string
	if err := db.QueryRow("SELECT hs_code, CAST(year AS VARCHAR), CAST(month AS VARCHAR) FROM "+flows+" WHERE hs_code LIKE '0203%' AND period = DATE '2017-03-01'").Scan(&porkCode, &yearKey, &monthKey); err != nil {
		t.Fatal(err)
	}
	if porkCode != "02032900" || yearKey != "2017" || monthKey != "3" && monthKey != "03" {
		t.Errorf("pork row: hs_code %q year %q month %q", porkCode, yearKey, monthKey)
	}

	// The December 2017 page's US imports, exactly: US$1,000 × 1000.
	var value, ytd, flowSum string
	var coversT int
	var releaseID string
	if err := db.QueryRow("SELECT CAST(value_usd AS VARCHAR), CAST(ytd_value_usd AS VARCHAR), covers_months, release_id FROM "+totals+
		" WHERE partner = 'US' AND flow = 'import' AND period = DATE '2017-12-01'").Scan(&value, &ytd, &coversT, &releaseID); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT CAST(sum(value_usd) AS VARCHAR) FROM " + flows + " WHERE period = DATE '2017-12-01'").Scan(&flowSum); err != nil {
		t.Fatal(err)
	}
	if value[len(value)-6:] != "000.00" || coversT != 1 || releaseID[:17] != "20180123T000000Z-" {
		t.Errorf("Dec 2017 US imports total = %s (ytd %s, covers %d, release %s)", value, ytd, coversT, releaseID)
	}
	var diff float64
	if err := db.QueryRow("SELECT abs(t.value_usd - f.s) FROM (SELECT value_usd FROM " + totals +
		" WHERE partner = 'US' AND flow = 'import' AND period = DATE '2017-12-01') t, (SELECT sum(value_usd) s FROM " + flows +
		" WHERE period = DATE '2017-12-01') f").Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff > 500 {
		t.Errorf("Dec 2017: release %s vs HS-8 sum %s differ by %.2f", value, flowSum, diff)
	}
	var jfCovers int
	var jfValue, jfYTD string
	if err := db.QueryRow("SELECT covers_months, CAST(value_usd AS VARCHAR), CAST(ytd_value_usd AS VARCHAR) FROM "+totals+
		" WHERE partner = 'US' AND flow = 'import' AND period = DATE '2020-02-01'").Scan(&jfCovers, &jfValue, &jfYTD); err != nil {
		t.Fatal(err)
	}
	if jfCovers != 2 || jfValue != jfYTD {
		t.Errorf("Jan–Feb 2020 total covers %d, value %s, ytd %s", jfCovers, jfValue, jfYTD)
	}
	var totalJan int
	if err := db.QueryRow("SELECT count(*) FROM " + totals + " WHERE period = DATE '2020-01-01'").Scan(&totalJan); err != nil || totalJan != 0 {
		t.Errorf("trade_totals has %d rows for January 2020 (%v), want none", totalJan, err)
	}
}

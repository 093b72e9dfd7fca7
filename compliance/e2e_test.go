package compliance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/censustest"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources/census"
)

// examplesLake ingests the bundled example Census responses (US exports to
// China at HS6, 2017 and 2020-01..06) into a lake in a temp dir, through the
// real census source and runner.
func examplesLake(t *testing.T) (*lake.Dir, string) {
	t.Helper()
	inboxDir := t.TempDir()
	if err := censustest.CopySynthetic(inboxDir, time.Time{}); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	return ingestCensus(t, root, inboxDir, "json", censustest.SyntheticMonths), root
}

// ingestCensus runs the census responses in inboxDir (files ending in ext)
// through the real census source and runner into a lake at root, and
// fails unless months partitions were written.
func ingestCensus(t testing.TB, root, inboxDir, ext string, months int) *lake.Dir {
	t.Helper()
	l, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := lake.NewDir(inboxDir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pipeline.New(pipeline.Options{Lake: l, SpoolDir: t.TempDir()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := census.New(census.Options{Flow: "export", Partner: "5700", Level: "HS6"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := r.RunOnce(context.Background(), &pipeline.Job{
		Name: "census-exports", Source: "census", Parser: src, Inbox: inbox, InboxExts: []string{ext},
	})
	if s.Failed() || s.Count(pipeline.StatusWritten) != months {
		var b strings.Builder
		s.Print(&b)
		t.Fatalf("ingest: %s", b.String())
	}
	return l
}

// The lake baseline from the examples: compute, publish, and check the
// compliance dataset with DuckDB against sums DuckDB makes itself from
// trade_flows.
func TestExamplesLakeBaselineEndToEnd(t *testing.T) {
	l, root := examplesLake(t)
	ctx := context.Background()
	j := NewJob("compliance", l, t.TempDir(), nil)
	rep, series, err := j.Compute(ctx, reference.Bases, Options{Baseline: BaselineLake, Proration: ProrationSeasonal})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Through != month("2020-06") || len(rep.Bases) != 1 || len(rep.Rows) != 6*6 {
		t.Fatalf("through %s bases %v rows %d", rep.Through, rep.Bases, len(rep.Rows))
	}
	parts := commitReport(t, l, j, rep, series)
	if len(parts) != 1 || parts[0].Partition != "compliance/basis=us_exports/year=2020" || parts[0].Status != pipeline.StatusWritten || parts[0].Rows != 36 {
		t.Fatalf("partitions %+v", parts)
	}

	db := duckdbtest.Open(t)
	flows := "read_parquet('" + root + "/trade_flows/**/*.parquet', hive_partitioning=true)"
	comp := "read_parquet('" + root + "/compliance/**/*.parquet', hive_partitioning=true)"
	types := duckdbtest.Types(t, db, "SELECT * FROM "+comp)
	want := map[string]string{
		"basis": "VARCHAR", "period": "DATE", "category": "VARCHAR", "value_usd": "DECIMAL(18,2)",
		"ytd_usd": "DECIMAL(18,2)", "baseline_2017_usd": "DECIMAL(18,2)", "target_usd": "DECIMAL(18,2)",
		"target_ytd_usd": "DECIMAL(18,2)", "pct_of_target_ytd": "DOUBLE", "shortfall_ytd_usd": "DECIMAL(18,2)",
		"ytd_2017_usd": "DECIMAL(18,2)", "proration": "VARCHAR", "baseline_source": "VARCHAR",
	}
	for c, ty := range want {
		if types[c] != ty {
			t.Errorf("column %s: DuckDB type %q, want %q", c, types[c], ty)
		}
	}
	var n, nullTargets int
	var minPeriod, maxPeriod string
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE target_usd IS NULL), min(period)::VARCHAR, max(period)::VARCHAR FROM `+comp).
		Scan(&n, &nullTargets, &minPeriod, &maxPeriod); err != nil {
		t.Fatal(err)
	}
	if n != 36 || nullTargets != 12 || minPeriod != "2020-01-01" || maxPeriod != "2020-06-01" {
		t.Errorf("rows %d, null targets %d (uncovered+ambiguous), periods %s..%s", n, nullTargets, minPeriod, maxPeriod)
	}

	// Independent sums: the example data's uncovered and ambiguous HS6
	// lines are known (examples/gencensus), so DuckDB can total the covered
	// ones without the classifier.
	notCovered := "('470321','470790','740400','760200','390120','880330','902780','382200','710812','870899','490199')"
	sum := func(where string) apd.Decimal {
		t.Helper()
		var s string
		if err := db.QueryRow(`SELECT sum(value_usd)::VARCHAR FROM ` + flows + ` WHERE ` + where).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return money.MustParse(s)
	}
	covered := `hs_code NOT IN ` + notCovered + ` AND hs_code <> '271012'`
	base := sum(`year(period) = 2017 AND ` + covered)
	through3 := sum(`year(period) = 2017 AND month(period) <= 3 AND ` + covered)
	ytd := sum(`year(period) = 2020 AND month(period) <= 3 AND ` + covered)
	uncovered := sum(`year(period) = 2020 AND month(period) <= 6 AND hs_code IN ` + notCovered)
	ambiguous := sum(`year(period) = 2017 AND hs_code = '271012'`)

	get := func(col, cat, period string) string {
		t.Helper()
		var s *string
		q := `SELECT ` + col + `::VARCHAR FROM ` + comp + ` WHERE category = ? AND period = ?::DATE`
		if err := db.QueryRow(q, cat, period).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s == nil {
			return "null"
		}
		return *s
	}
	if got := get("baseline_2017_usd", "all_covered", "2020-03-01"); got != base.Text('f') {
		t.Errorf("all covered baseline = %s, DuckDB sum %s", got, base.Text('f'))
	}
	if got := get("ytd_usd", "all_covered", "2020-03-01"); got != ytd.Text('f') {
		t.Errorf("all covered ytd Mar = %s, DuckDB sum %s", got, ytd.Text('f'))
	}
	if got := get("ytd_usd", "uncovered", "2020-06-01"); got != uncovered.Text('f') {
		t.Errorf("uncovered ytd Jun = %s, DuckDB sum %s", got, uncovered.Text('f'))
	}
	if got := get("baseline_2017_usd", "ambiguous", "2020-06-01"); got != ambiguous.Text('f') {
		t.Errorf("ambiguous baseline = %s, DuckDB sum %s", got, ambiguous.Text('f'))
	}
	// Seasonal target through March: (base + 63.9bn) × through3 / base.
	target := money.Add(base, bn("63.9"))
	var share, tytd apd.Decimal
	c := apd.BaseContext.WithPrecision(34)
	if _, err := c.Quo(&share, &through3, &base); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mul(&tytd, &target, &share); err != nil {
		t.Fatal(err)
	}
	wantT := money.RoundCents(tytd)
	if got := get("target_ytd_usd", "all_covered", "2020-03-01"); got != wantT.Text('f') {
		t.Errorf("seasonal target ytd Mar = %s, want %s", got, wantT.Text('f'))
	}
	if got := get("proration", "energy", "2020-01-01"); got != "seasonal" {
		t.Errorf("proration = %s", got)
	}

	// The same report again is unchanged; another one replaces the
	// partition, never duplicates rows.
	if parts = commitReport(t, l, j, rep, series); parts[0].Status != pipeline.StatusUnchanged {
		t.Fatalf("republish the same: %+v", parts)
	}
	rep2, series2, err := j.Compute(ctx, reference.Bases, Options{Baseline: BaselineLake, Proration: ProrationLinear})
	if err != nil {
		t.Fatal(err)
	}
	if parts = commitReport(t, l, j, rep2, series2); parts[0].Status != pipeline.StatusWritten {
		t.Fatalf("republish linear: %+v", parts)
	}
	var prorations string
	if err := db.QueryRow(`SELECT count(*), string_agg(DISTINCT proration) FROM `+comp).Scan(&n, &prorations); err != nil || n != 36 || prorations != "linear" {
		t.Errorf("after republish: %d rows, prorations %q, %v", n, prorations, err)
	}
}

// commitReport commits a computed report through the engine, as a run of
// the compliance job does, and returns the engine's results.
func commitReport(t *testing.T, l lake.Lake, j *Job, rep *Report, series []*Series) []pipeline.Result {
	t.Helper()
	r, err := pipeline.New(pipeline.Options{Lake: l, SpoolDir: t.TempDir()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := r.RunDerived(context.Background(), &pipeline.Job{Name: j.Name, Source: "compliance",
		Derive: pipeline.DeriverFunc(func(_ context.Context, spool string) ([]pipeline.Derived, error) { return j.Files(rep, series, spool) })})
	for _, res := range rs {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	return rs
}

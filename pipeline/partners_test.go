package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/censustest"
	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
	"github.com/tradepipe/tradepipe/sources/census"
)

// Partners in the lake: jobs for different partners keep their files side
// by side in one month (the partner set is the file's identity), an
// all-partner job lands every partner and no grouping, an HS10 import job
// keeps both values, and a lake written before partners were in the file
// identity converges without doubling a row.

// clock hands out a later second on every call, so each fetch has its own
// release id and a revision is always the newer vintage.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func partnerJob(t *testing.T, api *censustest.Server, c *clock, name string, o census.Options) *Job {
	t.Helper()
	o.BaseURL, o.MaxAttempts, o.Now = api.URL, 1, c.now
	if o.Level == "" {
		o.Level = "HS6"
	}
	src, err := census.New(o, api.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Job{Name: name, Source: "census", Parser: src, Fetcher: src, FileGroup: src.FileGroup()}
}

// partnerLake is the fake Census API, a directory lake in root and a
// runner over it, for the tests of partners in the lake.
func partnerLake(t *testing.T) (*censustest.Server, string, lake.Lake, *Runner) {
	t.Helper()
	api := censustest.New()
	t.Cleanup(api.Close)
	root := t.TempDir()
	l, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return api, root, l, newRunner(t, l, nil)
}

// byPartner is what DuckDB's glob over trade_flows holds for one flow and
// month: rows, value and consumption value per partner.
func byPartner(t *testing.T, db *sql.DB, root, flow string, m civil.Month) map[string]string {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf(`SELECT partner, count(*), sum(value_usd)::VARCHAR, coalesce(sum(consumption_value_usd)::VARCHAR, '-')
		FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true, union_by_name = true)
		WHERE flow = '%s' AND period = DATE '%s' GROUP BY partner ORDER BY partner`, root, flow, m.First()))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, sum, cons string
		var n int
		if err := rows.Scan(&p, &n, &sum, &cons); err != nil {
			t.Fatal(err)
		}
		out[p] = fmt.Sprintf("%d rows, %s, %s", n, sum, cons)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// expected computes byPartner from the fake API's own answer for one
// request per code in ctys ("" for all partners), leaving out groupings.
func expected(t *testing.T, flow, level string, m civil.Month, vintage int, ctys ...string) map[string]string {
	t.Helper()
	type agg struct {
		n         int
		sum, cons int64
	}
	sums := map[string]*agg{}
	for _, cty := range ctys {
		ans := censustest.Answer(flow, cty, level, m.String(), vintage)
		head := ans[0]
		ci, vi, ki := slices.Index(head, "CTY_CODE"), 2, slices.Index(head, "CON_VAL_MO")
		for _, rec := range ans[1:] {
			if census.GroupCode(rec[ci]) {
				continue
			}
			iso := map[string]string{"1220": "CA", "5700": "CN", "5820": "HK", "5830": "TW"}[rec[ci]]
			a := sums[iso]
			if a == nil {
				a = &agg{}
				sums[iso] = a
			}
			a.n++
			a.sum += cents(t, rec[vi])
			if ki >= 0 {
				a.cons += cents(t, rec[ki])
			}
		}
	}
	out := map[string]string{}
	for p, a := range sums {
		cons := "-"
		if flow == "import" {
			cons = fmt.Sprintf("%d.%02d", a.cons/100, a.cons%100)
		}
		out[p] = fmt.Sprintf("%d rows, %d.%02d, %s", a.n, a.sum/100, a.sum%100, cons)
	}
	return out
}

func cents(t *testing.T, s string) int64 {
	t.Helper()
	c, err := money.Cents(money.MustParse(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func partitionViewNames(t *testing.T, root, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(root, dir, "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

func wantStatus(t *testing.T, what string, rs []Result, want Status) {
	t.Helper()
	if len(rs) == 0 {
		t.Fatalf("%s: no results", what)
	}
	for _, r := range rs {
		if r.Status != want {
			t.Fatalf("%s: %s is %s (%v), want %s", what, r.Partition, r.Status, r.Err, want)
		}
	}
}

func sameMap(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestPartnerJobsShareAMonth(t *testing.T) {
	ctx := context.Background()
	api, root, l, r := partnerLake(t)
	c := &clock{t: fixedNow}
	cn := partnerJob(t, api, c, "census-china", census.Options{Flow: "export", Partner: "5700"})
	hk := partnerJob(t, api, c, "census-hk", census.Options{Flow: "export", Partners: []string{"5820"}})
	apr := civil.Month{Year: 2020, Month: time.April}
	dir := "trade_flows/source=census/flow=export/year=2020/month=04"

	wantStatus(t, "china", r.RunMonth(ctx, cn, apr), StatusWritten)
	wantStatus(t, "hong kong", r.RunMonth(ctx, hk, apr), StatusWritten)
	if got := partitionViewNames(t, root, dir); strings.Join(got, " ") != "partner-CN.parquet partner-HK.parquet" {
		t.Fatalf("view files %v", got)
	}
	db := duckdbtest.Open(t)
	v0 := expected(t, "export", "HS6", apr, 0, "5700", "5820")
	if len(v0) != 2 {
		t.Fatalf("expected partners %v", v0)
	}
	sameMap(t, "after both jobs", byPartner(t, db, root, "export", apr), v0)

	// A re-run of either changes nothing.
	wantStatus(t, "china again", r.RunMonth(ctx, cn, apr), StatusUnchanged)
	wantStatus(t, "hong kong again", r.RunMonth(ctx, hk, apr), StatusUnchanged)
	sameMap(t, "after re-runs", byPartner(t, db, root, "export", apr), v0)

	// A revision of Hong Kong replaces Hong Kong's file only.
	api.SetVintage(1)
	wantStatus(t, "hong kong revised", r.RunMonth(ctx, hk, apr), StatusWritten)
	v1 := expected(t, "export", "HS6", apr, 1, "5820")
	want := map[string]string{"CN": v0["CN"], "HK": v1["HK"]}
	if v1["HK"] == v0["HK"] {
		t.Fatal("the revision changes no value")
	}
	sameMap(t, "after the Hong Kong revision", byPartner(t, db, root, "export", apr), want)
	if got := partitionViewNames(t, root, dir); strings.Join(got, " ") != "partner-CN.parquet partner-HK.parquet" {
		t.Fatalf("view files after the revision %v", got)
	}
	// Followers of commits see the same: one group per job.
	m, err := publish.Load(ctx, l, dir)
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, g := range m.Groups {
		groups = append(groups, fmt.Sprintf("%s:%s:%d", g.Job, g.Name, g.Rows))
	}
	if strings.Join(groups, " ") != "census-china:partner-CN:2 census-hk:partner-HK:3" {
		t.Errorf("groups %v", groups)
	}
	// History keeps both Hong Kong vintages and China's one.
	var vintages string
	mustRow(t, db, fmt.Sprintf(`SELECT string_agg(partner || '=' || n, ' ' ORDER BY partner) FROM (
		SELECT partner, count(DISTINCT release_id) AS n FROM read_parquet('%s/trade_flows_history/**/*.parquet', hive_partitioning = true, union_by_name = true)
		GROUP BY partner)`, root), &vintages)
	if vintages != "CN=1 HK=2" {
		t.Errorf("history vintages %s", vintages)
	}
}

func TestAllPartnersJobLands(t *testing.T) {
	ctx := context.Background()
	api, root, l, r := partnerLake(t)
	job := partnerJob(t, api, &clock{t: fixedNow}, "census-all", census.Options{Flow: "export", AllPartners: true, Level: "HS10"})
	apr := civil.Month{Year: 2020, Month: time.April}
	wantStatus(t, "all partners", r.RunMonth(ctx, job, apr), StatusWritten)
	if urls := api.URLs(); len(urls) != 1 || strings.Contains(urls[0], "CTY_CODE=") || !strings.Contains(urls[0], ",CTY_CODE&") {
		t.Fatalf("requests %v: want one, asking for CTY_CODE with no predicate", urls)
	}
	db := duckdbtest.Open(t)
	want := expected(t, "export", "HS10", apr, 0, "")
	if len(want) != len(censustest.Partners) {
		t.Fatalf("expected %v", want)
	}
	sameMap(t, "all partners", byPartner(t, db, root, "export", apr), want)
	dir := "trade_flows/source=census/flow=export/year=2020/month=04"
	if got := partitionViewNames(t, root, dir); strings.Join(got, " ") != "partners-all.parquet" {
		t.Fatalf("view files %v", got)
	}
	m, err := publish.Load(ctx, l, dir)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Group("partners-all")
	groupRows := int64(0)
	for _, rec := range censustest.Answer("export", "", "HS10", apr.String(), 0)[1:] {
		if census.GroupCode(rec[len(rec)-3]) {
			groupRows++
		}
	}
	if g == nil || groupRows == 0 || g.Counters[census.CounterGroupRows] != groupRows || m.QuarantinedRows != 0 {
		t.Fatalf("group %+v: want %d grouping rows dropped and counted, none quarantined", g, groupRows)
	}
	var levels string
	mustRow(t, db, fmt.Sprintf(`SELECT string_agg(DISTINCT hs_level::VARCHAR, ',') FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true, union_by_name = true)`, root), &levels)
	if levels != "10" {
		t.Errorf("hs levels %s", levels)
	}
}

func TestHS10ImportsKeepBothValues(t *testing.T) {
	ctx := context.Background()
	api, root, _, r := partnerLake(t)
	job := partnerJob(t, api, &clock{t: fixedNow}, "census-imports", census.Options{Flow: "import", Partners: []string{"5820", "5700"}, Level: "HS10"})
	if job.FileGroup != "partners-CN-HK" {
		t.Fatalf("file group %q", job.FileGroup)
	}
	apr := civil.Month{Year: 2020, Month: time.April}
	wantStatus(t, "imports", r.RunMonth(ctx, job, apr), StatusWritten)
	urls := api.URLs()
	if len(urls) != 2 || !strings.Contains(urls[0], "CTY_CODE=5700") || !strings.Contains(urls[1], "CTY_CODE=5820") ||
		!strings.Contains(urls[0], "/imports/hs?get=I_COMMODITY,I_COMMODITY_LDESC,GEN_VAL_MO,GEN_QY1_MO,UNIT_QY1,CON_VAL_MO&") {
		t.Fatalf("requests %v: want one per partner, asking for both values", urls)
	}
	db := duckdbtest.Open(t)
	want := expected(t, "import", "HS10", apr, 0, "5700", "5820")
	sameMap(t, "imports", byPartner(t, db, root, "import", apr), want)
	var valuation string
	var differ int
	mustRow(t, db, fmt.Sprintf(`SELECT string_agg(DISTINCT valuation, ','), count(*) FILTER (WHERE consumption_value_usd < value_usd)
		FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true, union_by_name = true)`, root), &valuation, &differ)
	if valuation != "CUSTOMS" || differ == 0 {
		t.Errorf("valuation %s, %d rows where consumption < general", valuation, differ)
	}
	// The recorded source_uri names both partners and never the key.
	var uri string
	mustRow(t, db, fmt.Sprintf(`SELECT DISTINCT source_uri FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true)`, root), &uri)
	if !strings.Contains(uri, "CTY_CODE=5700,5820&") {
		t.Errorf("source_uri %s", uri)
	}
}

// A lake written before partners were in the file identity holds each
// census month as part-00000. The same input again stays unchanged; a
// revision lands as partner-CN and drops part-00000 in the same commit, so
// a reader of the glob never sees a row twice, and history keeps both
// vintages.
func TestLegacyPartFileConverges(t *testing.T) {
	ctx := context.Background()
	api, root, _, r := partnerLake(t)
	c := &clock{t: fixedNow}
	job := partnerJob(t, api, c, "census-exports", census.Options{Flow: "export", Partner: "5700"})
	job.FileGroup = "" // the former layout
	apr := civil.Month{Year: 2020, Month: time.April}
	dir := "trade_flows/source=census/flow=export/year=2020/month=04"
	wantStatus(t, "legacy", r.RunMonth(ctx, job, apr), StatusWritten)
	if got := partitionViewNames(t, root, dir); strings.Join(got, " ") != "part-00000.parquet" {
		t.Fatalf("legacy view %v", got)
	}
	db := duckdbtest.Open(t)
	v0 := expected(t, "export", "HS6", apr, 0, "5700")

	job = partnerJob(t, api, c, "census-exports", census.Options{Flow: "export", Partner: "5700"})
	wantStatus(t, "same input, new layout", r.RunMonth(ctx, job, apr), StatusUnchanged)
	sameMap(t, "unchanged", byPartner(t, db, root, "export", apr), v0)

	api.SetVintage(1)
	wantStatus(t, "revision", r.RunMonth(ctx, job, apr), StatusWritten)
	if got := partitionViewNames(t, root, dir); strings.Join(got, " ") != "partner-CN.parquet" {
		t.Fatalf("view after the revision %v", got)
	}
	sameMap(t, "revised", byPartner(t, db, root, "export", apr), expected(t, "export", "HS6", apr, 1, "5700"))
	var n int
	mustRow(t, db, fmt.Sprintf(`SELECT count(DISTINCT release_id) FROM read_parquet('%s/trade_flows_history/**/*.parquet', hive_partitioning = true, union_by_name = true)`, root), &n)
	if n != 2 {
		t.Errorf("history holds %d vintages, want 2", n)
	}
	// Nothing left over for the collector to miss: the old file is no
	// longer in the view directory.
	if _, err := os.Stat(filepath.Join(root, dir, "part-00000.parquet")); !os.IsNotExist(err) {
		t.Errorf("part-00000.parquet still in the view: %v", err)
	}
}

// hidePartners is a census parser as a version before partner sets were
// recorded saw it: its groups carry no Partners in the manifest.
type hidePartners struct{ sources.Parser }

// Jobs of different configs (so validate never saw them together) whose
// partners meet: the second to commit a month is refused under the
// partition's lease, names the file and job it would double, and leaves
// the lake as it was; a disjoint job still lands beside them. A group
// written without a recorded partner set is judged by its name.
func TestPartnerClashAcrossConfigs(t *testing.T) {
	ctx := context.Background()
	api, root, l, r := partnerLake(t)
	c := &clock{t: fixedNow}
	apr := civil.Month{Year: 2020, Month: time.April}
	dir := "trade_flows/source=census/flow=export/year=2020/month=04"
	db := duckdbtest.Open(t)

	cn := partnerJob(t, api, c, "census-china", census.Options{Flow: "export", Partner: "5700"})
	wantStatus(t, "china", r.RunMonth(ctx, cn, apr), StatusWritten)
	want := expected(t, "export", "HS6", apr, 0, "5700")

	for _, tc := range []struct {
		name string
		o    census.Options
		msg  string
	}{
		{"census-all", census.Options{Flow: "export", AllPartners: true}, "job census-all writes partner CN, which file partner-CN of job census-china holds"},
		{"census-cn-hk", census.Options{Flow: "export", Partners: []string{"5820", "5700"}}, "job census-cn-hk writes partner CN, which file partner-CN of job census-china holds"},
		{"census-china-2", census.Options{Flow: "export", Partner: "5700"}, ""}, // its file's name: it would replace it, not double it
	} {
		job := partnerJob(t, api, c, tc.name, tc.o)
		rs := r.RunMonth(ctx, job, apr)
		if tc.msg == "" {
			wantStatus(t, tc.name, rs, StatusUnchanged) // the same answer
			continue
		}
		if len(rs) != 1 || rs[0].Status != StatusFailed || rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), tc.msg) ||
			!strings.Contains(rs[0].Err.Error(), "partition "+dir) {
			t.Fatalf("%s: results %+v, want one failure saying %q", tc.name, rs, tc.msg)
		}
		if got := partitionViewNames(t, root, dir); strings.Join(got, " ") != "partner-CN.parquet" {
			t.Fatalf("%s: view files %v", tc.name, got)
		}
		sameMap(t, tc.name+" refused", byPartner(t, db, root, "export", apr), want)
	}

	hk := partnerJob(t, api, c, "census-hk", census.Options{Flow: "export", Partner: "5820"})
	wantStatus(t, "hong kong", r.RunMonth(ctx, hk, apr), StatusWritten)
	sameMap(t, "disjoint job beside", byPartner(t, db, root, "export", apr), expected(t, "export", "HS6", apr, 0, "5700", "5820"))
	m, err := publish.Load(ctx, l, dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Group("partner-HK").Partners; strings.Join(p, ",") != "HK" {
		t.Errorf("partner-HK records partners %v", p)
	}

	// A month written by a version that did not record partners: the
	// name partner-CN still says them.
	may := civil.Month{Year: 2020, Month: time.May}
	old := partnerJob(t, api, c, "census-china", census.Options{Flow: "export", Partner: "5700"})
	old.Parser = hidePartners{old.Parser}
	wantStatus(t, "china, unrecorded", r.RunMonth(ctx, old, may), StatusWritten)
	mayDir := "trade_flows/source=census/flow=export/year=2020/month=05"
	if m, err = publish.Load(ctx, l, mayDir); err != nil || m.Group("partner-CN") == nil || m.Group("partner-CN").Partners != nil {
		t.Fatalf("unrecorded group: %v, %v", m, err)
	}
	all := partnerJob(t, api, c, "census-all", census.Options{Flow: "export", AllPartners: true})
	if rs := r.RunMonth(ctx, all, may); len(rs) != 1 || rs[0].Status != StatusFailed || !strings.Contains(fmt.Sprint(rs[0].Err), "which file partner-CN of job census-china holds") {
		t.Fatalf("all partners over an unrecorded partner-CN: %+v", rs)
	}

	// Two all-partner jobs write the same file name: the second's
	// release replaces the first's file (as a renamed job's does), so
	// no row is read twice.
	jun := civil.Month{Year: 2020, Month: time.June}
	wantStatus(t, "all partners, June", r.RunMonth(ctx, all, jun), StatusWritten)
	junDir := "trade_flows/source=census/flow=export/year=2020/month=06"
	if m, err = publish.Load(ctx, l, junDir); err != nil || strings.Join(m.Group("partners-all").Partners, ",") != publish.EveryPartner {
		t.Fatalf("partners-all records %v (%v)", m, err)
	}
	every := partnerJob(t, api, c, "census-everything", census.Options{Flow: "export", AllPartners: true, Level: "HS10"})
	wantStatus(t, "a second all-partner job", r.RunMonth(ctx, every, jun), StatusWritten)
	if got := partitionViewNames(t, root, junDir); strings.Join(got, " ") != "partners-all.parquet" {
		t.Fatalf("June view files %v", got)
	}
	sameMap(t, "June", byPartner(t, db, root, "export", jun), expected(t, "export", "HS10", jun, 0, ""))
}

package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/sinks/lake/laketest"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// asOfQuery is the README's "what did we know on day D" query: per
// partition, the rows of the newest vintage released on or before D.
// {lake} is the lake root, {day} is YYYY-MM-DD.
const asOfQuery = `WITH h AS (
  SELECT * FROM read_parquet('{lake}/trade_flows_history/**/*.parquet', hive_partitioning = true)
), known AS (
  SELECT source, flow, year, month, max(release_id) AS release_id
  FROM h
  WHERE release_id < strftime(DATE '{day}' + INTERVAL 1 DAY, '%Y%m%d')
  GROUP BY ALL
)
SELECT h.* FROM h JOIN known USING (source, flow, year, month, release_id)`

// figure is one Census record: month, HS code, value in dollars.
type figure struct{ month, hs, value string }

// censusInput writes a Census-format response holding several months (as a
// saved multi-month query is) with modification time at, which becomes
// its release_id.
func censusInput(t *testing.T, dir, name string, at time.Time, figs ...figure) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[" + header)
	for _, f := range figs {
		fmt.Fprintf(&b, ",\n[%q,\"GOODS\",%q,\"1\",\"KG\",\"5700\",\"HS6\",%q]", f.hs, f.value, f.month)
	}
	b.WriteString("]")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, at, at); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	march = time.Date(2020, 3, 10, 0, 0, 0, 0, time.UTC) // first vintage
	april = time.Date(2020, 4, 10, 0, 0, 0, 0, time.UTC) // revision
)

// firstVintage is four months in one file; revision changes February and
// March and lists the other rows in another order.
var (
	firstVintage = []figure{
		{"2020-01", "120190", "100"}, {"2020-01", "870323", "10"},
		{"2020-02", "120190", "200"}, {"2020-02", "870323", "20"},
		{"2020-03", "120190", "300"}, {"2020-03", "870323", "30"},
		{"2020-04", "120190", "400"}, {"2020-04", "870323", "40"},
	}
	revision = []figure{
		{"2020-04", "870323", "40"}, {"2020-04", "120190", "400"},
		{"2020-03", "120190", "333"}, {"2020-03", "870323", "30"},
		{"2020-02", "120190", "200"}, {"2020-02", "870323", "22"},
		{"2020-01", "870323", "10"}, {"2020-01", "120190", "100"},
	}
)

func partitionOf(month string) string {
	return "trade_flows/source=census/flow=export/year=2020/month=" + month[5:]
}

// statuses maps partition → status of a summary's results.
func statuses(s *Summary) map[string]Status {
	out := map[string]Status{}
	for _, r := range s.Results {
		out[r.Partition] = r.Status
	}
	return out
}

// A revision that changes two months of a four-month input re-publishes
// those two partitions only; both vintages stay queryable through the
// history dataset, "as known on" either date.
func TestRevisionRepublishesOnlyChangedMonths(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	r := newRunner(t, l, nil)
	job := censusJob(t, t.TempDir())
	in := t.TempDir()

	s := r.Ingest(ctx, job, []string{censusInput(t, in, "v1.json", march, firstVintage...)})
	if s.Failed() || s.Count(StatusWritten) != 4 {
		t.Fatalf("first vintage: %+v", s.Results)
	}
	ingestRevision(t, r, l, job, censusInput(t, in, "v2.json", april, revision...))

	db := duckdbtest.Open(t)
	current := fmt.Sprintf("read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning=true)", root)
	if got := values(t, db, "SELECT period::VARCHAR, hs_code, value_usd::VARCHAR, left(release_id, 8) FROM "+current); got != ""+
		"2020-01-01 120190 100.00 20200310|2020-01-01 870323 10.00 20200310|"+
		"2020-02-01 120190 200.00 20200410|2020-02-01 870323 22.00 20200410|"+
		"2020-03-01 120190 333.00 20200410|2020-03-01 870323 30.00 20200410|"+
		"2020-04-01 120190 400.00 20200310|2020-04-01 870323 40.00 20200310" {
		t.Errorf("current = %s", got)
	}
	history := fmt.Sprintf("read_parquet('%s/trade_flows_history/**/*.parquet', hive_partitioning=true)", root)
	if got := values(t, db, "SELECT month, count(DISTINCT release_id) FROM "+history+" GROUP BY month"); got != "01 1|02 2|03 2|04 1" {
		t.Errorf("vintages per month = %s", got)
	}
	for _, tc := range []struct{ day, want string }{
		{"2020-03-31", "2020-02-01 120190 200.00|2020-02-01 870323 20.00|2020-03-01 120190 300.00|2020-03-01 870323 30.00"},
		{"2020-04-10", "2020-02-01 120190 200.00|2020-02-01 870323 22.00|2020-03-01 120190 333.00|2020-03-01 870323 30.00"},
	} {
		q := strings.ReplaceAll(strings.ReplaceAll(asOfQuery, "{lake}", root), "{day}", tc.day)
		got := values(t, db, "SELECT period::VARCHAR, hs_code, value_usd::VARCHAR FROM ("+q+") WHERE month IN (2, 3)")
		if got != tc.want {
			t.Errorf("known on %s: %s\nwant %s", tc.day, got, tc.want)
		}
	}
	// The history manifest lists both vintages with their inputs.
	m, err := publish.Load(ctx, l, HistoryPartition(schema.Partition{Dataset: schema.DatasetTradeFlows, Path: partitionOf("2020-02")}).Path)
	if err != nil || m == nil || len(m.Groups) != 2 || m.Groups[0].ReleaseID >= m.Groups[1].ReleaseID || len(m.Groups[1].Inputs) != 1 {
		t.Fatalf("history manifest = %+v, %v", m, err)
	}
}

// ingestRevision ingests the revision p, which changes February and
// March: it must write those two partitions and nothing under January or
// April, current or history.
func ingestRevision(t *testing.T, r *Runner, l lake.Lake, job *Job, p string) *Summary {
	t.Helper()
	before := laketest.Snapshot(t, l)
	s := r.Ingest(context.Background(), job, []string{p})
	want := map[string]Status{
		partitionOf("2020-01"): StatusUnchanged, partitionOf("2020-02"): StatusWritten,
		partitionOf("2020-03"): StatusWritten, partitionOf("2020-04"): StatusUnchanged,
	}
	if got := statuses(s); s.Failed() || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("revision: %v, want %v (%+v)", got, want, s.Results)
	}
	for _, k := range laketest.Changed(before, laketest.Snapshot(t, l)) {
		if strings.Contains(k, "month=01") || strings.Contains(k, "month=04") {
			t.Errorf("revision touched %s", k)
		}
	}
	return s
}

// An identical re-release writes nothing; the same figures in other bytes
// (reordered, another name) write no partition either.
func TestIdenticalReleaseWritesNothing(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	r := newRunner(t, l, nil)
	job := censusJob(t, t.TempDir())
	in := t.TempDir()
	if s := r.Ingest(ctx, job, []string{censusInput(t, in, "v1.json", march, firstVintage...)}); s.Failed() {
		t.Fatal(s.Results)
	}
	before := laketest.Snapshot(t, l)
	// The same bytes, dropped again a month later.
	s := r.Ingest(ctx, job, []string{censusInput(t, t.TempDir(), "again.json", april, firstVintage...)})
	if s.Failed() || s.Count(StatusUnchanged) != 4 {
		t.Fatalf("same bytes: %+v", s.Results)
	}
	if got := laketest.Changed(before, laketest.Snapshot(t, l)); len(got) != 0 {
		t.Fatalf("identical re-release wrote %v", got)
	}
	// The same figures in another order: a new input (archived, recorded),
	// but no partition changes.
	reordered := slices.Clone(firstVintage)
	slices.Reverse(reordered)
	p := censusInput(t, in, "reordered.json", april, reordered...)
	s = r.Ingest(ctx, job, []string{p})
	if s.Failed() || s.Count(StatusUnchanged) != 4 {
		t.Fatalf("reordered: %+v", s.Results)
	}
	for _, k := range laketest.Changed(before, laketest.Snapshot(t, l)) {
		if !strings.HasPrefix(k, "raw/") && !strings.HasPrefix(k, "_state/v1/inputs/") {
			t.Errorf("reordered re-release wrote %s", k)
		}
	}
	// Its next run is recognised from its record, without writing.
	before = laketest.Snapshot(t, l)
	if s := r.Ingest(ctx, job, []string{p}); s.Failed() || s.Count(StatusUnchanged) != 4 {
		t.Fatalf("reordered again: %+v", s.Results)
	}
	if got := laketest.Changed(before, laketest.Snapshot(t, l)); len(got) != 0 {
		t.Fatalf("second run of the reordered input wrote %v", got)
	}
}

// An older vintage arriving after a newer one is superseded: the current
// partitions keep the newer one and the history gains the older one.
func TestOlderVintageIsSuperseded(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	r := newRunner(t, l, nil)
	job := censusJob(t, t.TempDir())
	in := t.TempDir()
	if s := r.Ingest(ctx, job, []string{censusInput(t, in, "v2.json", april, revision...)}); s.Failed() || s.Count(StatusWritten) != 4 {
		t.Fatalf("newer vintage: %+v", s.Results)
	}
	before := laketest.Snapshot(t, l)
	old := censusInput(t, in, "v1.json", march, firstVintage...)
	s := r.Ingest(ctx, job, []string{old})
	if s.Failed() || s.Count(StatusSuperseded) != 4 {
		t.Fatalf("older vintage: %+v", s.Results)
	}
	var out strings.Builder
	s.Print(&out)
	if !strings.Contains(out.String(), "0 written, 0 unchanged, 0 failed, 0 empty, 4 superseded") {
		t.Errorf("summary line: %s", out.String())
	}
	for _, k := range laketest.Changed(before, laketest.Snapshot(t, l)) {
		if strings.HasPrefix(k, "trade_flows/") || strings.HasPrefix(k, "quarantine/") {
			t.Errorf("superseded vintage changed %s", k)
		}
	}
	db := duckdbtest.Open(t)
	history := fmt.Sprintf("read_parquet('%s/trade_flows_history/**/*.parquet', hive_partitioning=true)", root)
	if got := values(t, db, "SELECT left(release_id, 8), sum(value_usd)::VARCHAR FROM "+history+" GROUP BY 1"); got != "20200310 1100.00|20200410 1135.00" {
		t.Errorf("history vintages = %s", got)
	}
	// Again: recognised as superseded from the records, nothing written.
	before = laketest.Snapshot(t, l)
	if s := r.Ingest(ctx, job, []string{old}); s.Failed() || s.Count(StatusSuperseded) != 4 {
		t.Fatalf("older vintage again: %+v", s.Results)
	}
	if got := laketest.Changed(before, laketest.Snapshot(t, l)); len(got) != 0 {
		t.Fatalf("second run of the older vintage wrote %v", got)
	}
}

func TestOlderRelease(t *testing.T) {
	for _, tc := range []struct {
		in, pub string
		want    bool
	}{
		{"20200310T000000Z-aaaaaaaaaaaa", "20200410T000000Z-bbbbbbbbbbbb", true},
		{"20200410T000000Z-bbbbbbbbbbbb", "20200310T000000Z-aaaaaaaaaaaa", false},
		{"20200310T000000Z-ffffffffffff", "20200310T000000Z-000000000000", false}, // same second: not ordered
		{"20200310T000000Z-aaaaaaaaaaaa", "", false},
		{"odd", "20200310T000000Z-aaaaaaaaaaaa", false},
	} {
		if got := olderRelease(tc.in, tc.pub); got != tc.want {
			t.Errorf("olderRelease(%q, %q) = %v, want %v", tc.in, tc.pub, got, tc.want)
		}
	}
}

// values runs q and joins its rows with "|" and columns with " ", rows
// sorted.
func values(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var cells []string
		for _, v := range vals {
			cells = append(cells, v.String)
		}
		out = append(out, strings.Join(cells, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return strings.Join(out, "|")
}

// A partition published before history was kept (no history entry, no
// content fingerprint) keeps its vintage: the next revision copies it to
// history before replacing it.
func TestRevisionOfLegacyPartitionKeepsItsVintage(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	r := newRunner(t, l, nil)
	job := censusJob(t, t.TempDir())
	in := t.TempDir()
	if s := r.Ingest(ctx, job, []string{censusInput(t, in, "v1.json", march, firstVintage[2:4]...)}); s.Failed() {
		t.Fatal(s.Results)
	}
	// Make it legacy: no history, no fingerprint.
	if err := os.RemoveAll(filepath.Join(root, "trade_flows_history")); err != nil {
		t.Fatal(err)
	}
	feb := partitionOf("2020-02")
	b, _ := os.ReadFile(filepath.Join(root, feb, publish.ManifestName))
	legacy := strings.ReplaceAll(string(b), `"content_sha256"`, `"x_content"`)
	if err := os.WriteFile(filepath.Join(root, feb, publish.ManifestName), []byte(legacy), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := r.Ingest(ctx, job, []string{censusInput(t, in, "v2.json", april, revision[4:6]...)}); s.Failed() || s.Count(StatusWritten) != 1 {
		t.Fatalf("revision: %+v", s.Results)
	}
	db := duckdbtest.Open(t)
	history := fmt.Sprintf("read_parquet('%s/trade_flows_history/**/*.parquet', hive_partitioning=true)", root)
	if got := values(t, db, "SELECT left(release_id, 8), sum(value_usd)::VARCHAR FROM "+history+" GROUP BY 1"); got != "20200310 220.00|20200410 222.00" {
		t.Errorf("history = %s", got)
	}
}

// A lake written before fingerprint version 2 holds version-1 digests.
// A release with the same content is unchanged there (its version-1
// digest is computed from its rows), one with other content is written
// with a version-2 digest, and a partition with a rejected row counts it
// under both versions.
func TestV1DigestsNeedNoRepublish(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	r := newRunner(t, l, nil)
	job := censusJob(t, t.TempDir())
	in := t.TempDir()
	bad := figure{"2020-01", "870324", "12x"} // rejected, into January's content
	// April holds more rows than legacyContent reads back at once.
	var many []figure
	for i := range 2500 {
		many = append(many, figure{"2020-04", fmt.Sprintf("%06d", 100000+i), fmt.Sprint(i + 1)})
	}
	first := append(append(slices.Clone(firstVintage), bad), many...)
	if s := r.Ingest(ctx, job, []string{censusInput(t, in, "v1.json", march, first...)}); s.Failed() || s.Count(StatusWritten) != 4 {
		t.Fatalf("first vintage: %+v", s.Results)
	}
	// Make the lake one an older tradepipe wrote: each digest becomes the
	// version-1 reference digest of the partition's rows, in every record
	// (the partition's log and view, the input's record).
	toV1, v1Of := map[string]string{}, map[string]string{}
	for _, month := range []string{"2020-01", "2020-02", "2020-03", "2020-04"} {
		m, err := publish.Load(ctx, l, partitionOf(month))
		if err != nil || len(m.Groups) != 1 || !strings.HasPrefix(m.Groups[0].ContentSHA256, contentV2) {
			t.Fatalf("%s: manifest %+v, %v", month, m, err)
		}
		flows := readParquet[schema.TradeFlowRecord](t, filepath.Join(root, partitionOf(month), "*.parquet"))
		q := schema.QuarantineOf(schema.Partition{Dataset: schema.DatasetTradeFlows, Path: partitionOf(month)})
		rejects := readParquet[schema.QuarantineRecord](t, filepath.Join(root, q.Path, "*.parquet"))
		if want := 0; month == "2020-01" {
			if len(rejects) != 1 {
				t.Fatalf("January rejects = %+v", rejects)
			}
		} else if len(rejects) != want {
			t.Fatalf("%s rejects = %+v", month, rejects)
		}
		v1Of[month] = referenceV1(t, flows, rejects)
		toV1[m.Groups[0].ContentSHA256] = v1Of[month]
	}
	replaced := 0
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		for v2, v1 := range toV1 {
			s = strings.ReplaceAll(s, v2, v1)
		}
		if s == string(b) {
			return nil
		}
		replaced++
		return os.WriteFile(p, []byte(s), 0o644)
	})
	if err != nil || replaced < 3*4 { // log, view, history log, ... per month
		t.Fatalf("version-1 digests written into %d files: %v", replaced, err)
	}
	revised := censusInput(t, in, "v2.json", april, append(append(slices.Clone(revision), bad), many...)...)
	s := ingestRevision(t, r, l, job, revised)
	// The input's record keeps the version-1 digests the unchanged months
	// matched, so the same input again is answered without parsing.
	b, err := os.ReadFile(filepath.Join(root, inputKey(job, s.Results[0].InputSHA256)))
	if err != nil {
		t.Fatal(err)
	}
	var rec inputRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	for _, month := range []string{"2020-01", "2020-04"} {
		if got := rec.Content[partitionOf(month)]; got != v1Of[month] {
			t.Errorf("input record for %s: %q, want the version-1 digest %s", month, got, v1Of[month])
		}
	}
	m, err := publish.Load(ctx, l, partitionOf("2020-02"))
	if err != nil || !strings.HasPrefix(m.Groups[0].ContentSHA256, contentV2) {
		t.Fatalf("republished February: %+v, %v", m, err)
	}
	if entries, _ := os.ReadDir(r.opts.SpoolDir); len(entries) != 0 {
		t.Errorf("spool left %d files", len(entries))
	}
}

// readParquet reads every row of the Parquet files matching glob.
func readParquet[T any](t *testing.T, glob string) []T {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := parquet.Read[T](bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, rows...)
	}
	return out
}

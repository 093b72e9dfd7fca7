package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lake/laketest"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
)

// threeMonths revises January, February and March of firstVintage in one
// release; April is unchanged.
var threeMonths = []figure{
	{"2020-01", "120190", "111"}, {"2020-01", "870323", "10"},
	{"2020-02", "120190", "222"}, {"2020-02", "870323", "20"},
	{"2020-03", "120190", "333"}, {"2020-03", "870323", "30"},
	{"2020-04", "120190", "400"}, {"2020-04", "870323", "40"},
}

// A release that revises three months is one commit: killed while its
// partitions are staged, or after all are staged but before its
// transaction record, a reader that follows commits (Load, Partitions)
// and DuckDB's glob see none of it; killed right after the transaction
// record, the reader sees all three months and the re-run finishes the
// views. Either way the re-run converges on a clean run's lake.
func TestReleaseIsOneCommitDir(t *testing.T) {
	testReleaseIsOneCommit(t, dirLake)
}

// The same against MinIO (skips without TRADEPIPE_S3_*, fails under CI).
func TestReleaseIsOneCommitS3(t *testing.T) {
	testReleaseIsOneCommit(t, func(t *testing.T) lake.Conditional { return s3test.New(t, nil) })
}

func testReleaseIsOneCommit(t *testing.T, newLake func(t *testing.T) lake.Conditional) {
	ctx := context.Background()
	in := t.TempDir()
	v1 := censusInput(t, in, "v1.json", march, firstVintage...)
	v2 := censusInput(t, in, "v2.json", april, threeMonths...)
	db := duckdbtest.Open(t)
	months := []string{"2020-01", "2020-02", "2020-03", "2020-04"}
	ingest := func(l lake.Conditional, hook func(publish.Step, string) error, p string) *Summary {
		return newRunner(t, l, hook).Ingest(ctx, censusJob(t, t.TempDir()), []string{p})
	}
	prepare := func() lake.Conditional {
		l := newLake(t)
		if s := ingest(l, nil, v1); s.Failed() {
			t.Fatalf("setup: %+v", s.Results)
		}
		return l
	}
	before := prepare()
	old := committed(t, before, months)
	oldSums := globSums(t, db, before)
	clean := prepare()
	if s := ingest(clean, nil, v2); s.Failed() {
		t.Fatalf("clean run: %+v", s.Results)
	}
	want := laketest.Converged(t, clean)
	revised := committed(t, clean, months)
	newSums := globSums(t, db, clean)
	for _, m := range months[:3] {
		if revised[m] == old[m] || newSums[m] == oldSums[m] {
			t.Fatalf("%s: the revision changes nothing (%s)", m, newSums[m])
		}
	}

	for _, tc := range []struct {
		name    string
		kill    func(s publish.Step, key string) bool
		visible bool // the release is committed at the kill
	}{
		// The third month's first write: its history vintage's data file.
		{"BetweenPartitions2And3", func(s publish.Step, key string) bool { return strings.Contains(key, "month=03") }, false},
		{"BeforeTxnRecord", func(s publish.Step, _ string) bool { return s == publish.StepTxn }, false},
		{"AfterTxnRecord", func(s publish.Step, _ string) bool { return s == publish.StepView }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := prepare()
			killed := false
			s := ingest(l, func(s publish.Step, key string) error {
				if !killed && tc.kill(s, key) {
					killed = true
					return errors.New("killed")
				}
				return nil
			}, v2)
			if !killed || !s.Failed() {
				t.Fatalf("not killed (%v) or no failure reported: %+v", killed, s.Results)
			}
			got := committed(t, l, months)
			for _, m := range months {
				exp, what := old[m], "the previous commit"
				if tc.visible {
					exp, what = revised[m], "the release's commit"
				}
				if got[m] != exp {
					t.Errorf("%s: a commit-following reader sees %s, want %s (%s)", m, got[m], what, exp)
				}
			}
			dirs, err := publish.Partitions(ctx, l, "trade_flows/")
			if err != nil || len(dirs) != len(months) {
				t.Errorf("Partitions: %v, %v", dirs, err)
			}
			sums := globSums(t, db, l)
			for _, m := range months {
				if !tc.visible && sums[m] != oldSums[m] {
					t.Errorf("%s: the glob sees %s before the commit, want %s", m, sums[m], oldSums[m])
				}
				if tc.visible && sums[m] != oldSums[m] && sums[m] != newSums[m] {
					t.Errorf("%s: the glob sees %s, no commit's", m, sums[m])
				}
			}
			if s := ingest(l, nil, v2); s.Failed() {
				t.Fatalf("re-run: %+v", s.Results)
			}
			if changed := laketest.Changed(want, laketest.Converged(t, l)); len(changed) > 0 {
				t.Errorf("re-run did not converge:\n%s", strings.Join(changed, "\n"))
			}
			if sums := globSums(t, db, l); fmt.Sprint(sums) != fmt.Sprint(newSums) {
				t.Errorf("glob after the re-run: %v, want %v", sums, newSums)
			}
		})
	}
}

// committed returns, per month, what a reader that follows commits sees
// of the trade_flows partition and its history: release ids and content.
func committed(t *testing.T, l lake.Lake, months []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range months {
		var parts []string
		for _, dir := range []string{partitionOf(m), strings.Replace(partitionOf(m), "trade_flows/", "trade_flows_history/", 1)} {
			c, err := publish.Load(context.Background(), l, dir)
			if err != nil {
				t.Fatal(err)
			}
			if c == nil {
				parts = append(parts, "none")
				continue
			}
			for _, g := range c.Groups {
				parts = append(parts, g.ReleaseID+":"+g.ContentSHA256)
			}
		}
		out[m] = strings.Join(parts, ",")
	}
	return out
}

// globSums is the sum of value_usd per month that a plain Hive glob over
// the trade_flows view reads.
func globSums(t *testing.T, db *sql.DB, l lake.Lake) map[string]string {
	t.Helper()
	root := mirror(t, l, "trade_flows/")
	out := map[string]string{}
	if files, _ := filepath.Glob(filepath.Join(root, "trade_flows", "*", "*", "*", "*", "*.parquet")); len(files) == 0 {
		return out
	}
	rows, err := db.Query(fmt.Sprintf(`SELECT year::VARCHAR || '-' || lpad(month::VARCHAR, 2, '0'), sum(value_usd)::VARCHAR, count(*)
		FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`, root))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m, sum string
		var n int
		if err := rows.Scan(&m, &sum, &n); err != nil {
			t.Fatal(err)
		}
		out[m] = fmt.Sprintf("%s/%d", sum, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

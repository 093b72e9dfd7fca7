package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lake/laketest"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
)

// The kill tests: a run is stopped before every step of the commit
// protocol in turn (a first publish, and a republish of a revision that
// changes two of four months). At every step, during the run and after the
// kill, DuckDB's glob over the view sees in each month one vintage only,
// each HS code once, and only figures some commit holds; after the kill a
// re-run converges on the lake a clean run makes.
func TestKillAtEveryStepDir(t *testing.T) {
	testKillAtEveryStep(t, dirLake)
}

// The same against MinIO (skips without TRADEPIPE_S3_*, fails under CI).
func TestKillAtEveryStepS3(t *testing.T) {
	testKillAtEveryStep(t, func(t *testing.T) lake.Conditional { return s3test.New(t, nil) })
}

func testKillAtEveryStep(t *testing.T, newLake func(t *testing.T) lake.Conditional) {
	ctx := context.Background()
	in := t.TempDir()
	v1 := censusInput(t, in, "v1.json", march, firstVintage...)
	v2 := censusInput(t, in, "v2.json", april, revision...)
	// The figures each month may show: a commit's sum.
	allowed := map[string]map[string]bool{}
	for _, figs := range [][]figure{firstVintage, revision} {
		sums := map[string]int{}
		for _, f := range figs {
			var v int
			fmt.Sscan(f.value, &v)
			sums[f.month] += v
		}
		for m, s := range sums {
			if allowed[m] == nil {
				allowed[m] = map[string]bool{}
			}
			allowed[m][fmt.Sprintf("%d.00", s)] = true
		}
	}
	db := duckdbtest.Open(t)

	for _, tc := range []struct {
		name  string
		setup []string // ingested before the killed run
		run   string
		// group is the file group of the killed run's job; the setup's is
		// part-00000. Migrate is a revision landing in a lake of the
		// layout before partners were in the file identity: part-00000
		// is dropped in the release that writes partner-CN.
		group string
	}{
		{"FirstPublish", nil, v1, ""},
		{"Republish", []string{v1}, v2, ""},
		{"Migrate", []string{v1}, v2, "partner-CN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runJob := func() *Job {
				j := censusJob(t, t.TempDir())
				j.FileGroup = tc.group
				return j
			}
			prepare := func(l lake.Conditional) {
				for _, p := range tc.setup {
					if s := newRunner(t, l, nil).Ingest(ctx, censusJob(t, t.TempDir()), []string{p}); s.Failed() {
						t.Fatalf("setup: %+v", s.Results)
					}
				}
			}
			clean := newLake(t)
			prepare(clean)
			steps := 0
			if s := newRunner(t, clean, func(publish.Step, string) error { steps++; return nil }).Ingest(ctx, runJob(), []string{tc.run}); s.Failed() {
				t.Fatalf("clean run: %+v", s.Results)
			}
			want := laketest.Converged(t, clean)
			failures := 0
			for k := 1; k <= steps; k++ {
				l := newLake(t)
				prepare(l)
				crash := errors.New("killed")
				n := 0
				var at publish.Step
				bad := func(when string) {
					if msg := checkGlob(t, db, l, allowed); msg != "" {
						failures++
						t.Errorf("kill %d at %s, %s: %s", k, at, when, msg)
					}
				}
				s := newRunner(t, l, func(s publish.Step, _ string) error {
					n++
					if n == k {
						at = s
						return crash
					}
					bad(fmt.Sprintf("during step %d (%s)", n, s))
					return nil
				}).Ingest(ctx, runJob(), []string{tc.run})
				if !s.Failed() {
					t.Fatalf("kill %d: the run reported no failure", k)
				}
				bad("after the kill")
				if s := newRunner(t, l, nil).Ingest(ctx, runJob(), []string{tc.run}); s.Failed() {
					t.Fatalf("kill %d at %s: re-run: %+v", k, at, s.Results)
				}
				bad("after the re-run")
				if changed := laketest.Changed(want, laketest.Converged(t, l)); len(changed) > 0 {
					failures++
					t.Errorf("kill %d at %s: re-run did not converge:\n%s", k, at, strings.Join(changed, "\n"))
				}
			}
			t.Logf("%s: kill trials %d, failures %d", tc.name, steps, failures)
		})
	}
}

// checkGlob reads the lake's trade_flows view the way a user does (a
// plain Hive glob) and returns what is wrong, or "". A month must show one
// vintage, each HS code once, a sum some commit holds, and have a commit.
func checkGlob(t *testing.T, db *sql.DB, l lake.Conditional, allowed map[string]map[string]bool) string {
	t.Helper()
	ctx := context.Background()
	root := mirror(t, l, "trade_flows/")
	files, _ := filepath.Glob(filepath.Join(root, "trade_flows", "*", "*", "*", "*", "*.parquet"))
	if len(files) == 0 {
		return ""
	}
	q := fmt.Sprintf(`SELECT year, month, count(*), count(DISTINCT hs_code), count(DISTINCT release_id), sum(value_usd)::VARCHAR
		FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`, root)
	rows, err := db.Query(q)
	if err != nil {
		return fmt.Sprintf("glob read: %v", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var year, month string
		var n, codes, releases int
		var sum string
		if err := rows.Scan(&year, &month, &n, &codes, &releases, &sum); err != nil {
			t.Fatal(err)
		}
		m := year + "-" + fmt.Sprintf("%02s", month)
		switch {
		case n != codes:
			problems = append(problems, fmt.Sprintf("%s: %d rows for %d HS codes", m, n, codes))
		case releases != 1:
			problems = append(problems, fmt.Sprintf("%s: rows of %d vintages", m, releases))
		case !allowed[m][sum]:
			problems = append(problems, fmt.Sprintf("%s: sum %s is no commit's", m, sum))
		}
		if c, err := publish.Load(ctx, l, partitionOf(m)); err != nil || c == nil {
			problems = append(problems, fmt.Sprintf("%s: visible without a commit (%v)", m, err))
		}
	}
	if err := rows.Err(); err != nil {
		return err.Error()
	}
	return strings.Join(problems, "; ")
}

// mirror returns a local directory holding the view under prefix: the lake
// itself for a directory lake, a download for S3 (DuckDB here has no
// httpfs), so the same glob reads both.
func mirror(t *testing.T, l lake.Lake, prefix string) string {
	t.Helper()
	if d, ok := l.(*lake.Dir); ok {
		return d.Root()
	}
	root := t.TempDir()
	ctx := context.Background()
	for o, err := range l.List(ctx, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := lake.ReadAll(ctx, l, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// dirLake is a directory lake in a temp dir, for tests that run against
// both lake kinds.
func dirLake(t *testing.T) lake.Conditional {
	t.Helper()
	l, err := lake.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

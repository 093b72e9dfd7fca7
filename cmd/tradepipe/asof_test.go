package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
)

// The README's as-of query works on the quick-start lake: the Census
// responses carry the release date the job's config names, not their
// files' modification times.
func TestReadmeAsOfQuery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quick start")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)What did we know on day D.*?```sql\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no as-of query")
	}
	query := string(m[1])
	cfg, err := os.ReadFile("../../examples/tradepipe.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range []string{"census", "gacc"} {
		copyDir(t, filepath.Join("../../examples", d), filepath.Join(dir, "examples", d))
	}
	if err := os.WriteFile(filepath.Join(dir, "tradepipe.yaml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir) // the quick start's paths are relative to where it runs
	if code, out, errs := runCLI("run", "--once", "--config", "tradepipe.yaml", "--job", "census-exports", "--job", "gacc-imports"); code != exitOK {
		t.Fatalf("quick start: exit %d\n%s\n%s", code, out, errs)
	}
	db := duckdbtest.Open(t)
	count := func(q string) (census int, ids []string) {
		rows, err := db.Query("SELECT source, release_id, count(*) FROM (" + q + ") GROUP BY ALL ORDER BY ALL")
		if err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		defer rows.Close()
		for rows.Next() {
			var src, id string
			var n int
			if err := rows.Scan(&src, &id, &n); err != nil {
				t.Fatal(err)
			}
			if src == "census" {
				census += n
				ids = append(ids, id)
			}
		}
		return census, ids
	}
	n, ids := count(strings.TrimRight(strings.TrimSpace(query), ";"))
	if n == 0 {
		t.Fatalf("the README's as-of query returns no Census rows on the quick-start lake:\n%s", query)
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "20200604T000000Z-") {
			t.Errorf("census release id %s, want the day the config names (2020-06-04)", id)
		}
	}
	// The day before that release, the lake knew none of it.
	if n, _ := count(strings.ReplaceAll(strings.TrimRight(strings.TrimSpace(query), ";"), "2020-06-30", "2020-06-03")); n != 0 {
		t.Errorf("as of 2020-06-03, %d Census rows; the release is of 2020-06-04", n)
	}
}

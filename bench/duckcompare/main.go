// Command duckcompare compares a table of a tradepipe lake with DuckDB's
// own Parquet writer: it copies the same rows with
// COPY ... (FORMAT parquet, COMPRESSION zstd), prints both sizes, and times
// a typical aggregate over each (median of -runs). bench/duckcompare.sh
// drives it; docs/BENCHMARKS.md records its figures.
//
//	duckcompare -lake ./lake -table shipments -out /tmp/duck
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// queries are the typical aggregates per table: a group-by over the
// columns analysts filter on, with a filter the sort order and statistics
// can serve.
var queries = map[string]string{
	"shipments": `SELECT origin_country, count(*) AS n, sum(value_usd) AS v, sum(weight_kg) AS w
		FROM read_parquet('%s') WHERE hs_code LIKE '85%%' GROUP BY origin_country ORDER BY v DESC`,
	"trade_flows": `SELECT period, substr(hs_code, 1, 2) AS chapter, sum(value_usd) AS v
		FROM read_parquet('%s') WHERE partner = 'CN' OR partner = 'US' GROUP BY ALL ORDER BY ALL`,
}

func main() {
	lake := flag.String("lake", "lake", "lake directory")
	table := flag.String("table", "shipments", "table directory under the lake")
	out := flag.String("out", "", "directory for DuckDB's copy (default: a temp dir)")
	runs := flag.Int("runs", 7, "query repetitions; the median is printed")
	query := flag.String("query", "", "aggregate to time instead of the table's usual one; %s stands for the files")
	columns := flag.Bool("columns", false, "print compressed bytes and encodings per column")
	side := flag.String("side", "", "tradepipe or duckdb: only run that side's query -runs times over the copy already in -out (for instruction counts under valgrind)")
	flag.Parse()
	if *query != "" {
		queries[*table] = *query
	}
	if *side != "" {
		if err := runSide(*lake, *table, *out, *side, *runs); err != nil {
			fmt.Fprintln(os.Stderr, "duckcompare:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*lake, *table, *out, *runs, *columns); err != nil {
		fmt.Fprintln(os.Stderr, "duckcompare:", err)
		os.Exit(1)
	}
}

func run(lake, table, out string, runs int, columns bool) error {
	q, ok := queries[table]
	if !ok {
		return fmt.Errorf("no query for table %q", table)
	}
	if out == "" {
		d, err := os.MkdirTemp("", "duckcompare-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		out = d
	}
	glob := filepath.Join(lake, table, "**", "*.parquet")
	ours, files, err := sizeOf(filepath.Join(lake, table))
	if err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("SET threads = 1"); err != nil {
		return err
	}
	// One DuckDB file per tradepipe file at the same relative path, so
	// both sides have the same files, footers and directory walk: the
	// comparison is of the writers alone.
	root := filepath.Join(lake, table)
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			return err
		}
		dst := filepath.Join(out, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if _, err := db.Exec(fmt.Sprintf("COPY (SELECT * FROM read_parquet('%s')) TO '%s' (FORMAT parquet, COMPRESSION zstd)", f, dst)); err != nil {
			return fmt.Errorf("copy %s: %w", f, err)
		}
	}
	// The lake's other files (_SUCCESS, _manifest.json) are copied too:
	// the glob walks the same directories on both sides.
	if err := copyOthers(root, out); err != nil {
		return err
	}
	var rows int64
	if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM read_parquet('%s')", glob)).Scan(&rows); err != nil {
		return err
	}
	duck, _, err := sizeOf(out)
	if err != nil {
		return err
	}
	fmt.Printf("table %s: %d rows in %d files\n", table, rows, len(files))
	fmt.Printf("size  tradepipe %d bytes, duckdb %d bytes, ratio %.3f\n", ours, duck, float64(ours)/float64(duck))
	if columns {
		if err := compareColumns(db, glob, filepath.Join(out, "**", "*.parquet")); err != nil {
			return err
		}
	}
	if table == "shipments" {
		// What the query's filter lets a reader skip, from the row
		// groups' statistics: a count that load on the machine does not
		// change, unlike the times below.
		for _, side := range []struct{ name, glob string }{{"tradepipe", glob}, {"duckdb", filepath.Join(out, "**", "*.parquet")}} {
			var hit, all, hitRows, allRows int64
			if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FILTER (WHERE stats_max_value >= '85' AND stats_min_value < '86'), count(*),
				coalesce(sum(row_group_num_rows) FILTER (WHERE stats_max_value >= '85' AND stats_min_value < '86'), 0), sum(row_group_num_rows)
				FROM parquet_metadata('%s') WHERE path_in_schema = 'hs_code'`, side.glob)).Scan(&hit, &all, &hitRows, &allRows); err != nil {
				return err
			}
			fmt.Printf("row groups hs_code LIKE '85%%' may match (min/max): %s %d of %d (%d of %d rows)\n", side.name, hit, all, hitRows, allRows)
		}
	}
	t, d, err := timeQueries(db, fmt.Sprintf(q, glob), fmt.Sprintf(q, filepath.Join(out, "**", "*.parquet")), runs)
	if err != nil {
		return err
	}
	fmt.Printf("query wall tradepipe median %v min %v, duckdb median %v min %v (%d runs each, interleaved, 1 thread), ratio of medians %.3f, of minima %.3f\n",
		t.median, t.min, d.median, d.min, runs, float64(t.median)/float64(d.median), float64(t.min)/float64(d.min))
	fmt.Printf("query CPU  tradepipe median %v min %v, duckdb median %v min %v, ratio of medians %.3f, of minima %.3f\n",
		t.cpuMedian, t.cpuMin, d.cpuMedian, d.cpuMin, float64(t.cpuMedian)/float64(d.cpuMedian), float64(t.cpuMin)/float64(d.cpuMin))
	return nil
}

// runSide runs one side's query runs times (after one warm-up when runs
// > 0) and nothing else, so that the instructions of a run with -runs N
// less those of one with -runs 0 are N queries' alone.
func runSide(lake, table, out, side string, runs int) error {
	q, ok := queries[table]
	if !ok {
		return fmt.Errorf("no query for table %q", table)
	}
	glob := filepath.Join(lake, table, "**", "*.parquet")
	switch side {
	case "tradepipe":
	case "duckdb":
		if out == "" {
			return fmt.Errorf("-side duckdb needs -out, the directory of an earlier run's copy")
		}
		glob = filepath.Join(out, "**", "*.parquet")
	default:
		return fmt.Errorf("side %q is not tradepipe or duckdb", side)
	}
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("SET threads = 1"); err != nil {
		return err
	}
	for range runs {
		if _, _, err := timeQuery(db, fmt.Sprintf(q, glob)); err != nil {
			return err
		}
	}
	return nil
}

func copyOthers(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".parquet") {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}

func sizeOf(dir string) (int64, []string, error) {
	var n int64
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n += fi.Size()
		files = append(files, p)
		return nil
	})
	slices.Sort(files)
	return n, files, err
}

type timing struct{ median, min, cpuMedian, cpuMin time.Duration }

// timeQueries runs a and b alternately, so that load from elsewhere on
// the machine falls on both alike; the first round warms the OS cache.
func timeQueries(db *sql.DB, a, b string, runs int) (timing, timing, error) {
	var ta, tb, ca, cb []time.Duration
	for i := range runs + 1 {
		da, xa, err := timeQuery(db, a)
		if err != nil {
			return timing{}, timing{}, err
		}
		dbb, xb, err := timeQuery(db, b)
		if err != nil {
			return timing{}, timing{}, err
		}
		if i > 0 {
			ta, tb = append(ta, da), append(tb, dbb)
			ca, cb = append(ca, xa), append(cb, xb)
		}
	}
	return summarize(ta, ca), summarize(tb, cb), nil
}

func summarize(wall, cpu []time.Duration) timing {
	slices.Sort(wall)
	slices.Sort(cpu)
	return timing{median: wall[len(wall)/2], min: wall[0], cpuMedian: cpu[len(cpu)/2], cpuMin: cpu[0]}
}

// timeQuery runs q and returns its wall time and the process's CPU time
// (user + sys) over it: with one DuckDB thread that is the query's own
// work, which waiting for a busy machine's cores does not add to.
func timeQuery(db *sql.DB, q string) (wall, cpu time.Duration, err error) {
	start, cpu0 := time.Now(), cpuTime()
	rows, err := db.Query(q)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	return time.Since(start), cpuTime() - cpu0, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// compareColumns prints, per column, the compressed bytes each writer
// spent and the encodings it chose, from DuckDB's parquet_metadata.
func compareColumns(db *sql.DB, ours, duck string) error {
	q := `SELECT path_in_schema, sum(total_compressed_size), string_agg(DISTINCT encodings, ' ')
		FROM parquet_metadata('%s') GROUP BY ALL ORDER BY 1`
	read := func(glob string) (map[string][2]string, []string, error) {
		rows, err := db.Query(fmt.Sprintf(q, glob))
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		m := map[string][2]string{}
		var names []string
		for rows.Next() {
			var name, enc string
			var n int64
			if err := rows.Scan(&name, &n, &enc); err != nil {
				return nil, nil, err
			}
			m[name] = [2]string{fmt.Sprint(n), enc}
			names = append(names, name)
		}
		return m, names, rows.Err()
	}
	a, names, err := read(ours)
	if err != nil {
		return err
	}
	b, _, err := read(duck)
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Printf("  %-24s tradepipe %9s %-32s duckdb %9s %s\n", n, a[n][0], a[n][1], b[n][0], b[n][1])
	}
	return nil
}

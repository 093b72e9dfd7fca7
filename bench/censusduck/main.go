// Command censusduck is the DuckDB baseline of bench/census.sh: it converts
// saved Census API responses to Parquet with DuckDB's own reader and
// writer, read_json -> COPY ... (FORMAT parquet, COMPRESSION zstd), one
// Parquet file per response as tradepipe writes one partition per month.
// It reads the columns tradepipe keeps (commodity, description, value as
// DECIMAL(18,2), for imports also the consumption value, quantity, unit,
// partner, month) and drops the header row.
//
//	censusduck -out DIR FILE...
//
// It prints the rows written, the wall time and the output's size.
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	out := flag.String("out", "", "output directory (required)")
	threads := flag.Int("threads", 0, "DuckDB threads (0: DuckDB's default, all cores)")
	flag.Parse()
	if err := run(*out, *threads, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "censusduck:", err)
		os.Exit(1)
	}
}

func run(out string, threads int, files []string) error {
	if out == "" || len(files) == 0 {
		return fmt.Errorf("usage: censusduck -out DIR FILE...")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	if threads > 0 {
		if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
			return err
		}
	}
	var rows int64
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".gz"), ".json") + ".parquet"
		// Records are arrays: records=false gives each as one list column,
		// j. The header, record 1, says where the variables are.
		src := fmt.Sprintf(`read_json(%s, format = 'array', records = false, columns = {j: 'VARCHAR[]'})`, quote(f))
		var header string
		if err := db.QueryRow(`SELECT to_json(j)::VARCHAR FROM ` + src + ` LIMIT 1`).Scan(&header); err != nil {
			return fmt.Errorf("%s: header: %w", f, err)
		}
		var h []string
		if err := json.Unmarshal([]byte(header), &h); err != nil {
			return fmt.Errorf("%s: header: %w", f, err)
		}
		col := func(names ...string) string {
			for i, c := range h {
				if slices.Contains(names, c) {
					return fmt.Sprintf("j[%d]", i+1)
				}
			}
			return "NULL"
		}
		q := fmt.Sprintf(`COPY (
			SELECT %s AS hs_code, %s AS description, CAST(%s AS DECIMAL(18,2)) AS value_usd,
				CAST(%s AS DECIMAL(18,2)) AS consumption_value_usd,
				TRY_CAST(%s AS DOUBLE) AS quantity, nullif(%s, '-') AS quantity_unit, %s AS partner,
				CAST(%s || '-01' AS DATE) AS period
			FROM %s WHERE %s IS DISTINCT FROM %s
		) TO %s (FORMAT parquet, COMPRESSION zstd)`,
			col("E_COMMODITY", "I_COMMODITY"), col("E_COMMODITY_LDESC", "I_COMMODITY_LDESC"), col("ALL_VAL_MO", "GEN_VAL_MO"), col("CON_VAL_MO"),
			col("QTY_1_MO", "GEN_QY1_MO"), col("UNIT_QY1"), col("CTY_CODE"), col("time"), src,
			col("E_COMMODITY", "I_COMMODITY"), quote(h[0]), quote(filepath.Join(out, name)))
		var n int64
		if err := db.QueryRow(q).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		rows += n
	}
	wall := time.Since(start)
	size, err := dirSize(out)
	if err != nil {
		return err
	}
	fmt.Printf("duckdb: %d rows, %.2f s, %.0f rows/s, %d bytes\n", rows, wall.Seconds(), float64(rows)/wall.Seconds(), size)
	return nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

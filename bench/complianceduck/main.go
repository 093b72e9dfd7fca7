// Command complianceduck computes the Phase One compliance rows of
// `tradepipe compliance --format json` with ONE DuckDB query over the
// lake's Hive view (trade_flows/**/*.parquet) and the reference tables the
// compliance package embeds (internal/reference/*.tsv, read by DuckDB's
// read_csv), and prints them in the same JSON shape. bench/compliance.sh
// times it against tradepipe (process start-up included on both sides)
// and then checks, with -compare, that both give the same rows to the
// cent.
//
// The query covers what the benchmark lakes need: baseline "lake",
// proration "linear", definition original or revised, no excluded customs
// regimes and no services. It combines HS levels as
// reference.Classifier.Combine does (each code counts its finer rows and
// only its residual at its own level; a negative residual is left out),
// classifies by the longest Annex prefix, and counts a code with a
// differently classified Annex line under it as ambiguous. It does not
// refuse what the compliance package refuses (gaps, coarse months,
// missing 2017 months); it computes rows.
//
//	complianceduck -lake ./lake [-bases us_exports,cn_imports] [-definition original] > duck.json
//	complianceduck -lake ./lake -compare tradepipe.json    # exit 1 unless equal
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

// bases are where each basis's rows are in the lake (as compliance/read.go).
var bases = map[string]struct{ dir, reporter, partner string }{
	"us_exports": {"trade_flows/source=census/flow=export", "US", "CN"},
	"cn_imports": {"trade_flows/source=gacc/flow=import", "CN", "US"},
}

// query is the whole computation. Money stays exact: value_usd is
// DECIMAL(18,2); sums are taken as DECIMAL and handed out as integer
// cents; the prorated target is rounded half-even to the cent in integer
// arithmetic (target cents × month ÷ 12).
const query = `
WITH
tsv AS ( -- the reference tables' lines, split at tabs; '#' lines are comments
	SELECT parse_filename(filename) AS file, string_split(line, chr(9)) AS f
	FROM (SELECT filename, unnest(string_split(content, chr(10))) AS line
		FROM read_text(['{ref}/phase1_annex_6_1.tsv', '{ref}/phase1_national_lines.tsv', '{ref}/phase1_figures.tsv']))
	WHERE line <> '' AND NOT starts_with(line, '#')
),
lines AS ( -- the Annex for every basis; a national line replaces an Annex line of the same code
	SELECT basis, hs, category, sub FROM (
		SELECT b.basis, f[1] AS hs, f[2] AS category, f[3] AS sub, 0 AS national
		FROM tsv, (VALUES {basisvalues}) b(basis) WHERE file = 'phase1_annex_6_1.tsv'
		UNION ALL
		SELECT f[1], f[3], f[4], f[5], 1 FROM tsv
		WHERE file = 'phase1_national_lines.tsv' AND f[2] IN ('{definition}', 'all'))
	QUALIFY row_number() OVER (PARTITION BY basis, hs ORDER BY national DESC) = 1
),
increments AS (
	SELECT f[2] AS category, f[3]::INTEGER AS year, f[4]::DECIMAL(18, 1) AS bn FROM tsv
	WHERE file = 'phase1_figures.tsv' AND f[1] = 'increment'
),
inc AS (
	SELECT category, year, bn * 1000000000 AS usd FROM increments
	UNION ALL
	SELECT 'all_covered', year, sum(bn) * 1000000000 FROM increments
	WHERE category IN ('manufactured_goods', 'agriculture', 'energy') GROUP BY year
),
flows AS ({flows}),
codes AS (SELECT DISTINCT basis, hs FROM flows),
own AS ( -- the longest listed prefix of each code
	SELECT c.basis, c.hs, arg_max(l.category, length(l.hs)) AS category, arg_max(l.sub, length(l.hs)) AS sub
	FROM (SELECT basis, hs, unnest(range(1, length(hs) + 1)) AS n FROM codes) c
	JOIN lines l ON l.basis = c.basis AND l.hs = substr(c.hs, 1, c.n)
	GROUP BY ALL
),
below AS ( -- every proper prefix of a listed line, with the line's class
	SELECT basis, substr(hs, 1, n) AS pre, category, sub FROM (SELECT basis, hs, category, sub, unnest(range(1, length(hs))) AS n FROM lines)
),
class AS (
	SELECT c.basis, c.hs,
		CASE WHEN bool_or(b.pre IS NOT NULL AND (b.category <> coalesce(o.category, 'uncovered') OR b.sub <> coalesce(o.sub, '')))
			THEN 'ambiguous' ELSE coalesce(any_value(o.category), 'uncovered') END AS category
	FROM codes c LEFT JOIN own o USING (basis, hs) LEFT JOIN below b ON b.basis = c.basis AND b.pre = c.hs
	GROUP BY c.basis, c.hs
),
parent AS ( -- the nearest present ancestor of each code in its month
	SELECT x.basis, x.period, x.hs, arg_max(a.hs, x.n) AS parent
	FROM (SELECT basis, period, hs, unnest(range(1, length(hs))) AS n FROM flows) x
	JOIN flows a ON a.basis = x.basis AND a.period = x.period AND a.hs = substr(x.hs, 1, x.n)
	GROUP BY ALL
),
finer AS (
	SELECT p.basis, p.period, p.parent AS hs, sum(f.v) AS u FROM parent p JOIN flows f USING (basis, period, hs) GROUP BY ALL
),
msum AS (
	SELECT f.basis, f.period, c.category, sum(f.v - coalesce(u.u, 0)) FILTER (WHERE f.v - coalesce(u.u, 0) > 0) AS v
	FROM flows f LEFT JOIN finer u USING (basis, period, hs) JOIN class c USING (basis, hs)
	GROUP BY ALL
),
msum2 AS (
	SELECT * FROM msum
	UNION ALL
	SELECT basis, period, 'all_covered', sum(v) FROM msum WHERE category IN ('manufactured_goods', 'agriculture', 'energy') GROUP BY ALL
),
months AS (SELECT basis, period, max(covers) AS covers FROM flows GROUP BY ALL),
cats AS (SELECT * FROM (VALUES ('manufactured_goods', 0), ('agriculture', 1), ('energy', 2), ('all_covered', 3), ('uncovered', 4), ('ambiguous', 5)) c(category, ord)),
grid AS (
	SELECT m.basis, m.period, m.covers, c.category, c.ord, coalesce(s.v, 0) AS v
	FROM months m CROSS JOIN cats c LEFT JOIN msum2 s ON s.basis = m.basis AND s.period = m.period AND s.category = c.category
),
y2017 AS (
	SELECT basis, category, month(period) AS k, sum(v) OVER (PARTITION BY basis, category ORDER BY period) AS cum,
		sum(v) OVER (PARTITION BY basis, category) AS year_total
	FROM grid WHERE year(period) = 2017
),
base AS (SELECT DISTINCT basis, category, year_total FROM y2017),
through AS (SELECT least(max(period), DATE '2021-12-01') AS t FROM months),
rows AS (
	SELECT g.basis, g.period, g.category, g.ord, g.covers, g.v,
		sum(g.v) OVER (PARTITION BY g.basis, g.category, year(g.period) ORDER BY g.period) AS ytd,
		b.year_total AS baseline, b.year_total + i.usd AS target, y.cum AS ytd2017
	FROM grid g CROSS JOIN through
	LEFT JOIN base b USING (basis, category)
	LEFT JOIN inc i ON i.category = g.category AND i.year = year(g.period)
	LEFT JOIN y2017 y ON y.basis = g.basis AND y.category = g.category AND y.k = month(g.period)
	WHERE g.period BETWEEN DATE '2020-01-01' AND through.t
),
cents AS (
	SELECT *, (target * 100)::HUGEINT * month(period) AS num FROM rows
),
prorated AS (
	SELECT *, CASE WHEN num IS NULL THEN NULL
		ELSE num // 12 + CASE WHEN 2 * (num % 12) > 12 OR (2 * (num % 12) = 12 AND (num // 12) % 2 = 1) THEN 1 ELSE 0 END END AS tytd
	FROM cents
)
SELECT basis, strftime(period, '%Y-%m-%d'), category, (v * 100)::BIGINT, greatest(covers, 1), (ytd * 100)::BIGINT,
	(baseline * 100)::BIGINT, (target * 100)::BIGINT, tytd::BIGINT,
	CASE WHEN tytd <> 0 THEN 100 * (ytd * 100)::DOUBLE / tytd::DOUBLE END,
	(tytd - (ytd * 100)::HUGEINT)::BIGINT, (ytd2017 * 100)::BIGINT
FROM prorated
ORDER BY CASE basis WHEN 'us_exports' THEN 0 ELSE 1 END, period, ord
`

func main() {
	lake := flag.String("lake", "lake", "lake directory")
	ref := flag.String("reference", "internal/reference", "directory of the reference tables (phase1_*.tsv)")
	basisList := flag.String("bases", "us_exports,cn_imports", "bases, comma-separated")
	definition := flag.String("definition", "original", "original or revised")
	compare := flag.String("compare", "", "compare with this `tradepipe compliance --format json` output instead of printing")
	flag.Parse()
	if err := run(*lake, *ref, *basisList, *definition, *compare); err != nil {
		fmt.Fprintln(os.Stderr, "complianceduck:", err)
		os.Exit(1)
	}
}

func run(lake, ref, basisList, definition, compare string) error {
	if definition != "original" && definition != "revised" {
		return fmt.Errorf("definition %q is not original or revised", definition)
	}
	var flows, values []string
	for _, b := range strings.Split(basisList, ",") {
		spec, ok := bases[b]
		if !ok {
			return fmt.Errorf("basis %q is not us_exports or cn_imports", b)
		}
		glob := filepath.Join(lake, spec.dir, "**", "*.parquet")
		flows = append(flows, fmt.Sprintf(`SELECT '%s' AS basis, period, hs_code AS hs, max(covers_months) AS covers, sum(value_usd) AS v
			FROM read_parquet('%s', hive_partitioning = false) WHERE reporter = '%s' AND partner = '%s' GROUP BY ALL`,
			b, glob, spec.reporter, spec.partner))
		values = append(values, fmt.Sprintf("('%s')", b))
	}
	q := strings.NewReplacer("{ref}", ref, "{definition}", definition, "{basisvalues}", strings.Join(values, ", "),
		"{flows}", strings.Join(flows, "\n\t\tUNION ALL\n\t\t")).Replace(query)
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var basis, period, category string
		var value, ytd int64
		var covers int
		var baseline, target, tytd, short, ytd17 sql.NullInt64
		var pct sql.NullFloat64
		if err := rows.Scan(&basis, &period, &category, &value, &covers, &ytd, &baseline, &target, &tytd, &pct, &short, &ytd17); err != nil {
			return err
		}
		row := map[string]any{
			"basis": basis, "period": period, "category": category, "value_usd": usd(value), "covers_months": covers,
			"ytd_usd": usd(ytd), "baseline_2017_usd": nullUSD(baseline), "target_usd": nullUSD(target),
			"target_ytd_usd": nullUSD(tytd), "pct_of_target_ytd": nil, "shortfall_ytd_usd": nullUSD(short),
			"ytd_2017_usd": nullUSD(ytd17), "proration": "linear", "baseline_source": "lake",
		}
		if pct.Valid {
			row["pct_of_target_ytd"] = pct.Float64
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if compare != "" {
		return compareWith(compare, out)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// usd writes cents as tradepipe writes money: the exact decimal, two places.
func usd(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

func nullUSD(c sql.NullInt64) any {
	if !c.Valid {
		return nil
	}
	return usd(c.Int64)
}

// compareWith checks that tradepipe's rows (file) equal ours: every money
// field and text field exactly, the percentage (a float on both sides,
// computed in different ways) to 1e-9 relative.
func compareWith(file string, duck []map[string]any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var tp []map[string]any
	if err := json.Unmarshal(b, &tp); err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	// Round-trip ours through JSON so both sides hold the same Go types.
	b, err = json.Marshal(duck)
	if err != nil {
		return err
	}
	var ours []map[string]any
	if err := json.Unmarshal(b, &ours); err != nil {
		return err
	}
	if len(tp) != len(ours) {
		return fmt.Errorf("tradepipe has %d rows, DuckDB %d", len(tp), len(ours))
	}
	bad := 0
	for i := range tp {
		for k, want := range ours[i] {
			got, ok := tp[i][k]
			if !ok {
				return fmt.Errorf("row %d: tradepipe has no field %s", i, k)
			}
			if equal(k, got, want) {
				continue
			}
			bad++
			if bad <= 10 {
				fmt.Fprintf(os.Stderr, "row %d (%v %v %v) %s: tradepipe %v, DuckDB %v\n", i, tp[i]["basis"], tp[i]["period"], tp[i]["category"], k, got, want)
			}
		}
		if len(tp[i]) != len(ours[i]) {
			return fmt.Errorf("row %d: tradepipe has %d fields, DuckDB %d", i, len(tp[i]), len(ours[i]))
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d fields differ in %d rows", bad, len(tp))
	}
	fmt.Printf("equal: %d rows, every amount to the cent\n", len(tp))
	return nil
}

func equal(field string, a, b any) bool {
	if field == "pct_of_target_ytd" {
		x, okx := a.(float64)
		y, oky := b.(float64)
		if okx && oky {
			return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
		}
	}
	return a == b
}

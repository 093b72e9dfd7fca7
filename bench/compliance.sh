#!/usr/bin/env bash
# Benchmark of issue 15 (compliance): `tradepipe compliance --format json`
# against ONE DuckDB query that gives the same rows (bench/complianceduck:
# the Annex classification, HS-level combination, year-to-date, lake
# baseline and linear proration in SQL over the lake's Hive view), both
# timed end to end as processes (start-up, config, lake open, output), on
#   (a) real: the quick start (`run --once` of examples/tradepipe.yaml: 40
#       real Census months for China, HS6, and the GACC samples), both bases;
#   (b) gen: MONTHS generated all-partner HS10 export months from 2017-01
#       (bench/censusgen at SCALE, about 118,500 rows a month at 1), one
#       `partners: all` job, basis us_exports: the partner filter matters.
# The runs alternate tradepipe and DuckDB so load from elsewhere falls on
# both; each prints wall, user+sys CPU and peak RSS (/usr/bin/time), and
# the summary gives medians and the median of the per-run CPU and wall
# ratios. After the runs, complianceduck -compare checks that the rows are
# equal to the cent (exit 1 if not).
#
# usage: bench/compliance.sh [RUNS [MONTHS [SCALE]]]   (defaults 7 60 1)
# env:   WORK=dir (default a temp dir, removed at the end unless KEEP=1; a
#        kept WORK reuses its lakes), SETS="real gen", TRADEPIPE=binary to
#        time instead of this tree's
set -euo pipefail

RUNS=${1:-7}
MONTHS=${2:-60}
SCALE=${3:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/compliancebench.XXXXXX)}
mkdir -p "$WORK"
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

cd "$ROOT"
go build -o "$WORK/tradepipe-tree" ./cmd/tradepipe
go build -o "$WORK/complianceduck" ./bench/complianceduck
go build -o "$WORK/censusgen" ./bench/censusgen
TP=${TRADEPIPE:-$WORK/tradepipe-tree}

# The lakes are built once with this tree's binary.
if [ ! -s "$WORK/real/ok" ]; then
	rm -rf "$WORK/real" && mkdir -p "$WORK/real"
	cp -r examples "$WORK/real/examples"
	sed -e "s#file://./lake#file://$WORK/real/lake#" examples/tradepipe.yaml >"$WORK/real/t.yaml"
	(cd "$WORK/real" && "$WORK/tradepipe-tree" run --once --config t.yaml >run.txt 2>&1) || { cat "$WORK/real/run.txt" >&2; exit 1; }
	echo ok >"$WORK/real/ok"
fi
if [[ " ${SETS:-real gen} " == *" gen "* ]] && [ ! -s "$WORK/gen/ok" ]; then
	rm -rf "$WORK/gen" && mkdir -p "$WORK/gen"
	"$WORK/censusgen" -out "$WORK/gen/in" -from 2017-01 -months "$MONTHS" -scale "$SCALE" -gzip >/dev/null
	cat >"$WORK/gen/t.yaml" <<YAML
lake: file://$WORK/gen/lake
jobs:
  census-all:
    source: census
    release_date: "2022-03-04"
    options: {flow: export, partners: all, level: HS10, inbox: "file://$WORK/gen/in"}
  compliance:
    source: compliance
    after: [census-all]
    options: {baseline: lake, definition: original, proration: linear, bases: [us_exports]}
YAML
	(cd "$WORK/gen" && /usr/bin/time -f "gen lake built: %e s, %U s user" "$WORK/tradepipe-tree" run --once --config t.yaml >run.txt 2>&1) ||
		{ cat "$WORK/gen/run.txt" >&2; exit 1; }
	echo ok >"$WORK/gen/ok"
fi
declare -A BASES=([real]=us_exports,cn_imports [gen]=us_exports)

# timed NAME DIR CMD...: runs CMD in DIR under /usr/bin/time, output to
# DIR/NAME.json; prints "wall cpu rss_kb".
timed() {
	local name=$1 dir=$2
	shift 2
	(cd "$dir" && /usr/bin/time -f "%e %U %S %M" -o "$name.time" "$@" >"$name.json" 2>"$name.err") || { cat "$dir/$name.err" >&2; return 1; }
	awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$dir/$name.time"
}

median() { sort -g | awk '{a[NR] = $1} END {printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for set in ${SETS:-real gen}; do
	d="$WORK/$set"
	rows=$(find "$d/lake/trade_flows" -name '*.parquet' | wc -l)
	echo "== $set: $rows trade_flows files, $(du -sb "$d/lake/trade_flows" | cut -f1) bytes; bases ${BASES[$set]}"
	: >"$d/results"
	for i in $(seq 1 "$RUNS"); do
		# Alternate which side goes first, so neither always runs on a
		# warmer cache or a quieter machine.
		if ((i % 2)); then
			t=$(timed tp "$d" "$TP" compliance --config t.yaml --format json)
			k=$(timed duck "$d" "$WORK/complianceduck" -lake lake -bases "${BASES[$set]}" -reference "$ROOT/internal/reference")
		else
			k=$(timed duck "$d" "$WORK/complianceduck" -lake lake -bases "${BASES[$set]}" -reference "$ROOT/internal/reference")
			t=$(timed tp "$d" "$TP" compliance --config t.yaml --format json)
		fi
		echo "$t $k" >>"$d/results"
		echo "$t $k" | awk -v i="$i" '{printf "  run %d: tradepipe %5.2f s wall %5.2f s CPU %4.0f MB | duckdb %5.2f s wall %5.2f s CPU %4.0f MB | ratio CPU %.2f wall %.2f\n",
			i, $1, $2, $3 / 1024, $4, $5, $6 / 1024, $2 / $5, $1 / $4}'
	done
	echo "  medians of $RUNS: tradepipe wall $(awk '{print $1}' "$d/results" | median) s CPU $(awk '{print $2}' "$d/results" | median) s," \
		"duckdb wall $(awk '{print $4}' "$d/results" | median) s CPU $(awk '{print $5}' "$d/results" | median) s;" \
		"ratio CPU $(awk '{print $2 / $5}' "$d/results" | median), wall $(awk '{print $1 / $4}' "$d/results" | median)" \
		"(range CPU $(awk '{printf "%.2f\n", $2 / $5}' "$d/results" | sort -g | head -1)-$(awk '{printf "%.2f\n", $2 / $5}' "$d/results" | sort -g | tail -1))"
	(cd "$d" && "$WORK/complianceduck" -lake lake -bases "${BASES[$set]}" -reference "$ROOT/internal/reference" -compare tp.json | sed 's/^/  /')
done

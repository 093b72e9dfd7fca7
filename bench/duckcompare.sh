#!/usr/bin/env bash
# Benchmark of issue 14: tradepipe's Parquet against DuckDB's own writer on
# the same rows.
#   - builds a ROWS-row Panjiva-style workbook (bench/panjivagen) and
#     ingests it with `tradepipe ingest panjiva` into a fresh local lake,
#     with the quick start's jobs (`run --once`) before it;
#   - for shipments and trade_flows, bench/duckcompare copies every file
#     with DuckDB's COPY ... (FORMAT parquet, COMPRESSION zstd) to the same
#     relative path (the lake's _manifest.json/_SUCCESS copied alongside, so
#     the glob walks the same tree), prints both sizes, and times a typical
#     aggregate over each, interleaved, on one DuckDB thread: wall time
#     and the process's CPU time per query, medians and minima;
#   - with INSTR=N (valgrind installed), counts the instructions of the
#     query on each side under callgrind (N queries less none, divided by
#     N): a figure that load on the machine does not change;
#   - with GEN_MONTHS=M, also compares trade_flows of an all-partner lake
#     of M generated HS10 export months (bench/censusgen, about 118,500
#     rows a month, 4 row groups a file), where the partner filter can
#     skip row groups, with three queries: the usual one, partner = 'CN'
#     alone, and a scan of every row (sum by partner).
#
# usage: bench/duckcompare.sh [ROWS [RUNS]]   (defaults 1000000 31)
# env:   WORK=dir (default a temp dir, removed at the end unless KEEP=1),
#        INSTR=N, GEN_MONTHS=M
set -euo pipefail

ROWS=${1:-1000000}
RUNS=${2:-31}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/duckcompare.XXXXXX)}
mkdir -p "$WORK"
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

cd "$ROOT"
go build -o "$WORK/tradepipe" ./cmd/tradepipe
go build -o "$WORK/panjivagen" ./bench/panjivagen
go build -o "$WORK/duckcompare" ./bench/duckcompare

[ -s "$WORK/p.xlsx" ] || "$WORK/panjivagen" -rows "$ROWS" -out "$WORK/p.xlsx" >/dev/null
rm -rf "$WORK/run" && mkdir -p "$WORK/run"
cp -r examples "$WORK/run/examples"
sed -e "s#file://./lake#file://$WORK/run/lake#" examples/tradepipe.yaml >"$WORK/run/t.yaml"
(cd "$WORK/run" && "$WORK/tradepipe" run --once --config t.yaml >/dev/null 2>&1)
(cd "$WORK/run" && /usr/bin/time -f "ingest $ROWS rows: %e s, peak RSS %M KB" \
	"$WORK/tradepipe" ingest panjiva "$WORK/p.xlsx" --config t.yaml 2>&1 >/dev/null | tail -1)

# instr LAKE TABLE OUT SIDE [QUERY]: instructions of one query on SIDE.
instr() {
	local q=() z n
	[ -n "${5:-}" ] && q=(-query "$5")
	count() { GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/Collected/ {print $4}'; }
	z=$(count "$WORK/duckcompare" -lake "$1" -table "$2" -out "$3" -side "$4" -runs 0 "${q[@]}")
	n=$(count "$WORK/duckcompare" -lake "$1" -table "$2" -out "$3" -side "$4" -runs "$INSTR" "${q[@]}")
	echo $(((n - z) / INSTR))
}

# compare LAKE TABLE OUT [QUERY]
compare() {
	local q=()
	[ -n "${4:-}" ] && q=(-query "$4")
	rm -rf "$3"
	"$WORK/duckcompare" -lake "$1" -table "$2" -out "$3" -runs "$RUNS" "${q[@]}"
	if [ "${INSTR:-0}" -gt 0 ]; then
		local a b
		a=$(instr "$1" "$2" "$3" tradepipe "${4:-}")
		b=$(instr "$1" "$2" "$3" duckdb "${4:-}")
		echo "$a $b" | awk -v n="$INSTR" '{printf "query instructions (callgrind, %d queries) tradepipe %d, duckdb %d, ratio %.3f\n", n, $1, $2, $1 / $2}'
	fi
}

for table in shipments trade_flows; do
	echo "== $table"
	compare "$WORK/run/lake" "$table" "$WORK/duck-$table"
done

if [ "${GEN_MONTHS:-0}" -gt 0 ]; then
	go build -o "$WORK/censusgen" ./bench/censusgen
	rm -rf "$WORK/gen" && mkdir -p "$WORK/gen"
	"$WORK/censusgen" -out "$WORK/gen/in" -from 2017-01 -months "$GEN_MONTHS" -gzip >/dev/null
	cat >"$WORK/gen/t.yaml" <<YAML
lake: file://$WORK/gen/lake
jobs:
  census-all:
    source: census
    release_date: "2022-03-04"
    options: {flow: export, partners: all, level: HS10, inbox: "file://$WORK/gen/in"}
YAML
	(cd "$WORK/gen" && "$WORK/tradepipe" run --once --config t.yaml >run.txt 2>&1) || { cat "$WORK/gen/run.txt" >&2; exit 1; }
	for q in "" \
		"SELECT period, substr(hs_code, 1, 2) AS chapter, sum(value_usd) AS v FROM read_parquet('%s') WHERE partner = 'CN' GROUP BY ALL ORDER BY ALL" \
		"SELECT partner, sum(value_usd) AS v FROM read_parquet('%s') GROUP BY ALL ORDER BY ALL"; do
		echo "== trade_flows, all partners, $GEN_MONTHS months: ${q:-the usual query}"
		compare "$WORK/gen/lake" trade_flows "$WORK/duck-gen" "$q"
	done
fi

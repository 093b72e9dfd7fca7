#!/usr/bin/env bash
# Benchmark of issue 15 (Census): tradepipe's ingest of saved Census API
# responses against DuckDB's read_json -> COPY ... (FORMAT parquet,
# COMPRESSION zstd) of the same files (bench/censusduck, one Parquet file
# per response), on
#   (a) the 40 real monthly responses in examples/census (150,410 rows), and
#   (b) MONTHS generated all-partner HS10 export responses (bench/censusgen,
#       about 118,000 rows a month, gzipped as saved responses are).
# tradepipe runs `run --once` with the files as the job's inbox into a fresh
# local lake. Each run prints wall time, rows/s, peak RSS (/usr/bin/time)
# and output size for both; the runs are interleaved so every ratio is
# taken in one run, and the summary gives the median and range of RUNS.
#
# usage: bench/census.sh [MONTHS [RUNS]]   (defaults 12 3)
# env:   WORK=dir (default a temp dir, removed at the end unless KEEP=1)
set -euo pipefail

MONTHS=${1:-12}
RUNS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/censusbench.XXXXXX)}
mkdir -p "$WORK"
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

cd "$ROOT"
go build -o "$WORK/tradepipe" ./cmd/tradepipe
go build -o "$WORK/censusgen" ./bench/censusgen
go build -o "$WORK/censusduck" ./bench/censusduck

if [ ! -d "$WORK/gen" ]; then
	"$WORK/censusgen" -out "$WORK/gen" -months "$MONTHS" -gzip >/dev/null
fi
declare -A SETS=([real]="$ROOT/examples/census" [gen]="$WORK/gen")
declare -A LEVEL=([real]=HS6 [gen]=HS10)
# The real files answer for China; the generated ones for every partner.
declare -A PARTNERS=([real]='partner: "5700"' [gen]='partners: all')
echo "inputs: real $(ls "$ROOT"/examples/census/*.json.gz | wc -l) files $(cat "$ROOT"/examples/census/*.json.gz | wc -c) bytes;" \
	"gen $(ls "$WORK"/gen/*.json.gz | wc -l) files $(cat "$WORK"/gen/*.json.gz | wc -c) bytes"

# tradepipe SET: one ingest into a fresh lake; prints
# "wall rss_kb user sys rows bytes".
tradepipe() {
	local set=$1 d="$WORK/tp-$1"
	rm -rf "$d" && mkdir -p "$d"
	cat >"$d/t.yaml" <<YAML
lake: file://$d/lake
jobs:
  census-bench:
    source: census
    release_date: "2020-06-04"
    options: {flow: export, ${PARTNERS[$set]}, level: ${LEVEL[$set]}, inbox: "file://${SETS[$set]}"}
YAML
	(cd "$d" && /usr/bin/time -f "%e %M %U %S" -o time.txt "$WORK/tradepipe" run --once --config t.yaml >out.txt 2>&1) ||
		{ cat "$d/out.txt" >&2; return 1; }
	local rows bytes
	rows=$(grep -o 'rows: [0-9]* written' "$d/out.txt" | awk '{s+=$2} END {print s+0}')
	bytes=$(find "$d/lake/trade_flows" -name '*.parquet' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
	echo "$(cat "$d/time.txt") $rows $bytes"
}

# duckdb SET: the same files through DuckDB; prints as tradepipe does.
duckdb() {
	local set=$1 d="$WORK/duck-$1"
	rm -rf "$d" && mkdir -p "$d"
	/usr/bin/time -f "%e %M %U %S" -o "$d.time" "$WORK/censusduck" -out "$d" "${SETS[$set]}"/*.json.gz >"$d.out"
	local rows bytes
	rows=$(awk '{print $2}' "$d.out")
	bytes=$(find "$d" -name '*.parquet' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
	echo "$(cat "$d.time") $rows $bytes"
}

line() { # name wall rss user sys rows bytes
	awk -v n="$1" -v w="$2" -v m="$3" -v u="$4" -v s="$5" -v r="$6" -v b="$7" \
		'BEGIN {printf "  %-9s %8d rows %6.2f s %8.0f rows/s  CPU %5.2f s  peak RSS %4.0f MB  output %6.2f MB\n", n, r, w, r/w, u+s, m/1024, b/1e6}'
}

: >"$WORK/ratios"
for i in $(seq 1 "$RUNS"); do
	echo "== run $i"
	for set in real gen; do
		read -r tw tm tu ts tr tb < <(tradepipe "$set")
		read -r dw dm du ds dr db < <(duckdb "$set")
		echo " $set:"
		line tradepipe "$tw" "$tm" "$tu" "$ts" "$tr" "$tb"
		line duckdb "$dw" "$dm" "$du" "$ds" "$dr" "$db"
		ratio=$(awk -v a="$tw" -v b="$dw" 'BEGIN {printf "%.2f", a/b}')
		cpu=$(awk -v a="$tu" -v b="$ts" -v c="$du" -v d="$ds" 'BEGIN {printf "%.2f", (a+b)/(c+d)}')
		echo "  ratio (tradepipe / duckdb): wall ${ratio}x, CPU ${cpu}x"
		echo "$set $ratio $tw $dw $cpu" >>"$WORK/ratios"
	done
done

echo "== summary of $RUNS runs (median, range)"
for set in real gen; do
	sort -k2,2n <(grep "^$set " "$WORK/ratios") | awk -v s="$set" '
		{r[NR]=$2; t[NR]=$3; d[NR]=$4}
		END {m=int((NR+1)/2); printf "  %-4s ratio %sx (%s..%s)\n", s, r[m], r[1], r[NR]}'
	grep "^$set " "$WORK/ratios" | awk '{print $5}' | sort -n | awk -v s="$set" '
		{v[NR]=$1} END {m=int((NR+1)/2); printf "  %-4s CPU ratio %sx (%s..%s)\n", s, v[m], v[1], v[NR]}'
	for col in 3 4; do
		name=$([ $col = 3 ] && echo tradepipe || echo duckdb)
		grep "^$set " "$WORK/ratios" | awk -v c=$col '{print $c}' | sort -n | awk -v s="$set" -v n="$name" '
			{v[NR]=$1} END {m=int((NR+1)/2); printf "  %-4s %-9s wall %s s (%s..%s)\n", s, n, v[m], v[1], v[NR]}'
	done
done

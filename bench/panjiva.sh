#!/usr/bin/env bash
# Benchmark of the panjiva source (issue 3), in one run:
#   - builds a ROWS-row Panjiva-style workbook with the generator
#     (internal/panjivagen, excelize StreamWriter), and a 100k-row one;
#   - tradepipe: `tradepipe ingest panjiva FILE` into a fresh local lake
#     (xlsx → Parquet, including hashing, the raw/ copy and publishing):
#     wall time and peak RSS (/usr/bin/time -v), for ROWS and for 100k;
#   - floor: inflating the sheet XML with Go's archive/zip + io.Copy to
#     io.Discard (bench/floor);
#   - pandas: pandas.read_excel (openpyxl engine) on PANDAS_ROWS rows with
#     Debian's /usr/bin/python3, python3-pandas and python3-openpyxl, which
#     this script installs with apt-get when they are missing.
# It prints rows/s and the ratios to pandas and to the floor. When
# PANDAS_ROWS < ROWS the pandas time for ROWS is a linear extrapolation and
# is printed as such.
#
# With LARGE_ROWS (default 2000000, 0 to skip) it also ingests a workbook
# of that many rows (over two sheets: a sheet holds 1,048,576 rows) to show
# where peak RSS levels off.
#
# usage: bench/panjiva.sh [ROWS [PANDAS_ROWS]]   (defaults 1000000 1000000)
# env:   WORK=dir (default a temp dir, removed at the end unless KEEP=1)
#        LARGE_ROWS=n
set -euo pipefail

ROWS=${1:-1000000}
PANDAS_ROWS=${2:-$ROWS}
SMALL=100000
LARGE=${LARGE_ROWS:-2000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/panjiva-bench.XXXXXX)}
mkdir -p "$WORK"
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

if ! /usr/bin/python3 -c 'import pandas, openpyxl' 2>/dev/null; then
	echo "installing python3-pandas python3-openpyxl (apt)" >&2
	(apt-get install -y python3-pandas python3-openpyxl >/dev/null 2>&1 ||
		{ apt-get update >/dev/null && apt-get install -y python3-pandas python3-openpyxl >/dev/null; })
fi

cd "$ROOT"
go build -o "$WORK/tradepipe" ./cmd/tradepipe
go build -o "$WORK/panjivagen" ./bench/panjivagen
go build -o "$WORK/floor" ./bench/floor

gen() { # rows file
	if [ ! -s "$2" ]; then
		"$WORK/panjivagen" -rows "$1" -out "$2" >/dev/null
	fi
}
gen "$ROWS" "$WORK/big.xlsx"
gen "$SMALL" "$WORK/small.xlsx"
if [ "$PANDAS_ROWS" != "$ROWS" ] && [ "$PANDAS_ROWS" != "$SMALL" ]; then
	gen "$PANDAS_ROWS" "$WORK/pandas.xlsx"
fi
pandas_file=$WORK/big.xlsx
[ "$PANDAS_ROWS" = "$SMALL" ] && pandas_file=$WORK/small.xlsx
[ "$PANDAS_ROWS" != "$ROWS" ] && [ "$PANDAS_ROWS" != "$SMALL" ] && pandas_file=$WORK/pandas.xlsx

# timed CMD...: prints "seconds maxrss_kb"
timed() {
	/usr/bin/time -v "$@" >"$WORK/out.txt" 2>"$WORK/time.txt" || { cat "$WORK/out.txt" "$WORK/time.txt" >&2; exit 1; }
	awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; secs=s}
		/Maximum resident set size/ {rss=$2}
		END {printf "%.3f %d\n", secs, rss}' "$WORK/time.txt"
}

ingest() { # file → "seconds rss"
	rm -rf "$WORK/lake"
	printf 'lake: file://%s/lake\nspool_dir: %s/spool\njobs:\n  panjiva:\n    source: panjiva\n' "$WORK" "$WORK" >"$WORK/tradepipe.yaml"
	timed "$WORK/tradepipe" ingest --config "$WORK/tradepipe.yaml" panjiva "$1"
}

read -r floor_s _ < <("$WORK/floor" "$WORK/big.xlsx")
read -r tp_s tp_rss < <(ingest "$WORK/big.xlsx")
tp_summary=$(cat "$WORK/out.txt")
read -r small_s small_rss < <(ingest "$WORK/small.xlsx")
large_s=0 large_rss=0
if [ "$LARGE" -gt 0 ]; then
	gen "$LARGE" "$WORK/large.xlsx"
	read -r large_s large_rss < <(ingest "$WORK/large.xlsx")
	rm -f "$WORK/large.xlsx"
fi
cat >"$WORK/read.py" <<'PY'
import sys, pandas
df = pandas.read_excel(sys.argv[1], skiprows=3)
print(len(df))
PY
read -r pd_s pd_rss < <(timed /usr/bin/python3 "$WORK/read.py" "$pandas_file")
pd_rows=$(cat "$WORK/out.txt")

awk -v rows="$ROWS" -v small="$SMALL" -v prows="$PANDAS_ROWS" -v floor="$floor_s" \
	-v tp="$tp_s" -v tprss="$tp_rss" -v ss="$small_s" -v srss="$small_rss" \
	-v large="$LARGE" -v ls="$large_s" -v lrss="$large_rss" \
	-v pd="$pd_s" -v pdrss="$pd_rss" -v pdread="$pd_rows" -v summary="$tp_summary" -v xlsx="$(stat -c %s "$WORK/big.xlsx")" 'BEGIN {
	pd_full = pd * rows / prows
	printf "workbook: %d rows, %.1f MB xlsx\n", rows, xlsx/1e6
	printf "%s\n", summary
	printf "floor    (archive/zip inflate to io.Discard): %8.2f s  %10.0f rows/s\n", floor, rows/floor
	printf "tradepipe ingest (xlsx -> Parquet lake):      %8.2f s  %10.0f rows/s  peak RSS %6.1f MB\n", tp, rows/tp, tprss/1024
	printf "tradepipe ingest, %d rows:                %8.2f s  %10.0f rows/s  peak RSS %6.1f MB\n", small, ss, small/ss, srss/1024
	if (large > 0) printf "tradepipe ingest, %d rows:              %8.2f s  %10.0f rows/s  peak RSS %6.1f MB\n", large, ls, large/ls, lrss/1024
	printf "pandas.read_excel, %d rows (read %d):   %8.2f s  %10.0f rows/s  peak RSS %6.1f MB\n", prows, pdread, pd, prows/pd, pdrss/1024
	if (prows != rows) printf "pandas, %d rows: EXTRAPOLATED linearly from %d rows: %.1f s\n", rows, prows, pd_full
	printf "ratio pandas / tradepipe: %.1fx%s\n", pd_full / tp, (prows != rows ? " (pandas extrapolated)" : "")
	printf "ratio tradepipe / floor:  %.2fx\n", tp / floor
	printf "peak RSS %d rows / %d rows: %.2f\n", rows, small, tprss / srss
	if (large > 0) printf "peak RSS %d rows / %d rows: %.2f\n", large, rows, lrss / tprss
}'

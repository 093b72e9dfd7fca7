#!/usr/bin/env bash
# Benchmark of the panjiva source against its floor and other readers, in
# one run, on both workbook kinds:
#   inline  text cells as inline strings (excelize's StreamWriter, the
#           generator internal/panjivagen);
#   shared  the same rows with text in xl/sharedStrings.xml, as Excel,
#           LibreOffice and most exporters write (panjivagen -shared).
# For each kind, on a ROWS-row workbook:
#   floor       bench/floor: inflate every sheet and sharedStrings.xml with
#               klauspost/compress/flate (tradepipe's inflater) and find
#               every <v>/<t> value; the floor is that scan.
#   tradepipe   `tradepipe ingest panjiva FILE` into a fresh local lake:
#               the whole process (hashing, raw/ copy, parsing,
#               normalising, Parquet, publishing).
#   excelize    excelize's Rows() iterator over every row (bench/baselines).
#   xlsxreader  github.com/thedatashed/xlsxreader over every row
#               (bench/baselines, a module of its own).
#   pandas      pandas.read_excel (openpyxl) with Debian's /usr/bin/python3,
#               python3-pandas and python3-openpyxl (installed with apt-get
#               when missing), on PANDAS_ROWS rows; when PANDAS_ROWS < ROWS
#               its time is scaled linearly and printed as extrapolated.
# With LARGE_ROWS (default 2000000, 0 skips) tradepipe also ingests a
# shared-strings workbook of that many rows (two sheets), for peak RSS.
# With MEMORY_LIMIT (bytes; default 167772160 = 160 MiB, 0 skips) every
# tradepipe ingest runs a second time with memory_limit set in its config
# (a soft limit for Go's GC, runtime/debug.SetMemoryLimit).
# Every command runs under /usr/bin/time -v: wall, CPU (user+sys), peak RSS.
# Ratios are printed for wall and for CPU: on a shared machine CPU is the
# steadier of the two.
#
# usage: bench/panjiva.sh [ROWS [PANDAS_ROWS]]   (defaults 1000000 1000000)
# env:   WORK=dir (default a temp dir, removed at the end unless KEEP=1;
#        workbooks already in WORK are reused), LARGE_ROWS=n, MEMORY_LIMIT=bytes,
#        KINDS="inline shared", BASELINES="excelize xlsxreader pandas"
set -euo pipefail

ROWS=${1:-1000000}
PANDAS_ROWS=${2:-$ROWS}
LARGE=${LARGE_ROWS:-2000000}
MEMLIMIT=${MEMORY_LIMIT:-167772160}
KINDS=${KINDS:-inline shared}
BASELINES=${BASELINES:-excelize xlsxreader pandas}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/panjiva-bench.XXXXXX)}
mkdir -p "$WORK"
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

if [[ " $BASELINES " == *" pandas "* ]] && ! /usr/bin/python3 -c 'import pandas, openpyxl' 2>/dev/null; then
	echo "installing python3-pandas python3-openpyxl (apt)" >&2
	(apt-get install -y python3-pandas python3-openpyxl >/dev/null 2>&1 ||
		{ apt-get update >/dev/null && apt-get install -y python3-pandas python3-openpyxl >/dev/null; })
fi

cd "$ROOT"
go build -o "$WORK/tradepipe" ./cmd/tradepipe
go build -o "$WORK/panjivagen" ./bench/panjivagen
go build -o "$WORK/floor" ./bench/floor
(cd bench/baselines && go build -o "$WORK/baselines" .)
cat >"$WORK/read.py" <<'PY'
import sys, pandas
df = pandas.read_excel(sys.argv[1], skiprows=3)
print(len(df))
PY

gen() { # kind rows file
	if [ ! -s "$3" ]; then
		local flag=""
		[ "$1" = shared ] && flag=-shared
		"$WORK/panjivagen" -rows "$2" $flag -out "$3" >/dev/null 2>&1
	fi
}

# timed CMD...: prints "wall_s cpu_s maxrss_kb"
timed() {
	/usr/bin/time -v "$@" >"$WORK/out.txt" 2>"$WORK/time.txt" || { cat "$WORK/out.txt" "$WORK/time.txt" >&2; exit 1; }
	awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; secs=s}
		/User time/ {u=$2} /System time/ {sy=$2}
		/Maximum resident set size/ {rss=$2}
		END {printf "%.3f %.3f %d\n", secs, u+sy, rss}' "$WORK/time.txt"
}

ingest() { # file [memory_limit] → "wall cpu rss"
	rm -rf "$WORK/lake" "$WORK/spool"
	{
		if [ "${2:-0}" -gt 0 ]; then echo "memory_limit: $2"; fi
		printf 'lake: file://%s/lake\nspool_dir: %s/spool\njobs:\n  panjiva:\n    source: panjiva\n' "$WORK" "$WORK"
	} >"$WORK/tradepipe.yaml"
	timed "$WORK/tradepipe" ingest --config "$WORK/tradepipe.yaml" panjiva "$1"
}

# ingest_limited FILE ROWS: the ingest again with memory_limit, one line.
ingest_limited() {
	if [ "$MEMLIMIT" -gt 0 ]; then
		local w c r
		read -r w c r < <(ingest "$1" "$MEMLIMIT")
		line "tradepipe, memory_limit $((MEMLIMIT >> 20)) MiB" "$2" "$w" "$c" "$r"
	fi
}

# line NAME ROWS WALL CPU RSS_KB [TP_WALL TP_CPU]: one row of the table,
# with the ratios to tradepipe when given.
line() {
	awk -v n="$1" -v rows="$2" -v w="$3" -v c="$4" -v rss="$5" -v tw="${6:-0}" -v tc="${7:-0}" 'BEGIN {
		printf "  %-34s %8.2f s wall %8.2f s CPU %10.0f rows/s %8.1f MB", n, w, c, rows/w, rss/1024
		if (tw > 0) printf "   %6.2fx wall %6.2fx CPU", w/tw, c/tc
		printf "\n"
	}'
}

date -u +"run of %Y-%m-%d %H:%M UTC"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in $KINDS; do
	big=$WORK/$kind-$ROWS.xlsx
	gen "$kind" "$ROWS" "$big"
	echo
	echo "== $kind: $ROWS rows, $(awk -v s="$(stat -c %s "$big")" 'BEGIN {printf "%.1f MB", s/1e6}') xlsx"
	read -r fl < <("$WORK/floor" "$big")
	echo "  floor: $fl"
	eval "$(echo "$fl" | tr ' ' '\n' | sed 's/^/fl_/')"
	read -r tw tc trss < <(ingest "$big")
	echo "  tradepipe: $(tail -1 "$WORK/out.txt")"
	line "floor, inflate only" "$ROWS" "$fl_inflate_s" "$fl_inflate_cpu_s" 0
	line "floor, inflate + tokenise" "$ROWS" "$fl_scan_s" "$fl_scan_cpu_s" 0
	line "tradepipe ingest" "$ROWS" "$tw" "$tc" "$trss"
	ingest_limited "$big" "$ROWS"
	awk -v tw="$tw" -v tc="$tc" -v fw="$fl_scan_s" -v fc="$fl_scan_cpu_s" -v iw="$fl_inflate_s" -v ic="$fl_inflate_cpu_s" 'BEGIN {
		printf "  tradepipe / floor (inflate + tokenise): %.2fx wall, %.2fx CPU; / inflate only: %.2fx wall, %.2fx CPU\n", tw/fw, tc/fc, tw/iw, tc/ic
	}'
	echo "  baselines (ratio = baseline / tradepipe):"
	for b in $BASELINES; do
		case $b in
		excelize | xlsxreader)
			read -r w c r < <(timed "$WORK/baselines" "$b" "$big")
			line "$b ($(cat "$WORK/out.txt"))" "$ROWS" "$w" "$c" "$r" "$tw" "$tc"
			;;
		pandas)
			pf=$big
			if [ "$PANDAS_ROWS" != "$ROWS" ]; then
				pf=$WORK/$kind-$PANDAS_ROWS.xlsx
				gen "$kind" "$PANDAS_ROWS" "$pf"
			fi
			read -r w c r < <(timed /usr/bin/python3 "$WORK/read.py" "$pf")
			n=$(cat "$WORK/out.txt")
			if [ "$PANDAS_ROWS" != "$ROWS" ]; then
				line "pandas, $PANDAS_ROWS rows (read $n)" "$PANDAS_ROWS" "$w" "$c" "$r"
				sw=$(awk -v w="$w" -v a="$ROWS" -v b="$PANDAS_ROWS" 'BEGIN {print w*a/b}')
				sc=$(awk -v w="$c" -v a="$ROWS" -v b="$PANDAS_ROWS" 'BEGIN {print w*a/b}')
				line "pandas EXTRAPOLATED to $ROWS" "$ROWS" "$sw" "$sc" "$r" "$tw" "$tc"
			else
				line "pandas (read $n rows)" "$ROWS" "$w" "$c" "$r" "$tw" "$tc"
			fi
			;;
		esac
	done
	rm -f "$WORK"/pandas-*.xlsx
done

if [ "$LARGE" -gt 0 ]; then
	large=$WORK/shared-$LARGE.xlsx
	gen shared "$LARGE" "$large"
	echo
	echo "== shared: $LARGE rows, $(awk -v s="$(stat -c %s "$large")" 'BEGIN {printf "%.1f MB", s/1e6}') xlsx"
	read -r fl < <("$WORK/floor" "$large")
	echo "  floor: $fl"
	read -r w c r < <(ingest "$large")
	echo "  tradepipe: $(tail -1 "$WORK/out.txt")"
	line "tradepipe ingest" "$LARGE" "$w" "$c" "$r"
	ingest_limited "$large" "$LARGE"
fi
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

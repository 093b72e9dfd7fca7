#!/usr/bin/env bash
# Peak RSS, exit code and error of each hostile input of issue 12, through
# the whole binary: `tradepipe ingest JOB FILE` into a fresh local lake,
# measured with /usr/bin/time -v. Inputs come from bench/hostilegen.
#
# usage: bench/hostile.sh [BOMB_GIB]        (default 4: the issue's 4 GiB bomb)
# env:   BEFORE=<commit>  also run the binary built from that commit, for a
#                         before/after table
#        WORK=dir         (default a temp dir, removed unless KEEP=1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BOMB=${1:-4}
WORK=${WORK:-$(mktemp -d /tmp/hostile-bench.XXXXXX)}
mkdir -p "$WORK"
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

cd "$ROOT"
go build -o "$WORK/after" ./cmd/tradepipe
bins=(after)
if [ -n "${BEFORE:-}" ]; then
	mkdir -p "$WORK/src-before"
	git archive "$BEFORE" | tar -x -C "$WORK/src-before"
	(cd "$WORK/src-before" && go build -o "$WORK/before" ./cmd/tradepipe)
	bins=(before after)
fi
echo "== inputs (bench/hostilegen, bomb ${BOMB} GiB)"
go run ./bench/hostilegen "$WORK/in" examples/gacc/release-2017-12.html "$BOMB"

cases=(
	"panjiva col-overflow.xlsx"
	"panjiva si-no-end.xlsx"
	"panjiva bad-utf8.xlsx"
	"panjiva sst-bomb.xlsx"
	"panjiva big-cell.xlsx"
	"panjiva zip-bomb.xlsx"
	"gacc inexact.html"
	"gacc gacc-50mb.html"
)
printf '\n%-7s %-18s %4s %10s %7s  %s\n' binary input exit peak_MiB secs "last line of stderr"
for bin in "${bins[@]}"; do
	for c in "${cases[@]}"; do
		set -- $c
		job=$1 file=$2
		run="$WORK/run-$bin-$file"
		rm -rf "$run" && mkdir -p "$run/inbox"
		cat >"$run/tradepipe.yaml" <<-YAML
			lake: file://$run/lake
			spool_dir: $run/spool
			jobs:
			  panjiva:
			    source: panjiva
			  gacc:
			    source: gacc
			    options: {inbox: file://$run/inbox}
		YAML
		set +e
		/usr/bin/time -v -o "$run/time" "$WORK/$bin" ingest --config "$run/tradepipe.yaml" "$job" "$WORK/in/$file" >"$run/stdout" 2>"$run/stderr"
		code=$?
		set -e
		rss=$(awk -F: '/Maximum resident/ {printf "%.0f", $2/1024}' "$run/time")
		secs=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$run/time")
		# The line that says what happened: a panic's first line, else the
		# summary's first FAILED line, else its last line.
		last=$({ grep -m1 '^panic:' "$run/stderr" || grep -m1 '^FAILED ' "$run/stdout" || grep -v '^\s*$' "$run/stdout" | tail -n 1 || true; } |
			sed -e "s|$WORK/in/||g" -e "s|$run/||g" | cut -c1-220)
		printf '%-7s %-18s %4s %10s %7s  %s\n' "$bin" "$file" "$code" "$rss" "$secs" "$last"
	done
done

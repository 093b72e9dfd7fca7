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
#     aggregate over each, interleaved, on one DuckDB thread.
#
# usage: bench/duckcompare.sh [ROWS [RUNS]]   (defaults 1000000 31)
# env:   WORK=dir (default a temp dir, removed at the end unless KEEP=1)
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

for table in shipments trade_flows; do
	echo "== $table"
	rm -rf "$WORK/duck-$table"
	"$WORK/duckcompare" -lake "$WORK/run/lake" -table "$table" -out "$WORK/duck-$table" -runs "$RUNS"
done

#!/usr/bin/env bash
# Short fuzzing of every parser and normaliser, then the race detector on
# the packages that run goroutines. Each target runs FUZZTIME (default 5s;
# with compilation about 9.5s a target, 189s for 20 targets, on a 2-core
# machine running little else) with one worker, since CI
# machines are small; FUZZTIME=10m is the long run the issue asks before a
# release. A failing input is written under the package's
# testdata/fuzz/FuzzX/ and fails the script: commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-5s}"

# Every FuzzX target in the repository, found in the sources, so a new
# parser's target runs here without being listed.
mapfile -t targets < <(git grep -o -E '^func Fuzz[A-Za-z0-9_]+' -- '*_test.go' |
	sed -E 's#^(.*)/[^/]+:func (Fuzz.*)$#./\1:\2#' | sort -u)
echo "== ${#targets[@]} fuzz targets"

for t in "${targets[@]}"; do
	pkg="${t%%:*}" name="${t##*:}"
	echo "== fuzz $name ($pkg, $fuzztime)"
	# -fuzzminimizetime=1x: the parsers that use goroutines report
	# slightly different coverage run to run, and minimising every such
	# "new" input would eat the whole budget.
	if ! out=$(go test "$pkg" -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" -fuzzminimizetime=1x -parallel=1 2>&1); then
		# Go's fuzzer reports "context deadline exceeded" when the time is
		# up before its baseline run of the corpus ends (a loaded machine),
		# with no failing input: that is no finding, so run once more with
		# twice the time. A real finding writes testdata/fuzz/ and fails.
		if grep -q 'context deadline exceeded' <<<"$out" && [ -z "$(git status --porcelain -- "$pkg/testdata/fuzz")" ]; then
			echo "fuzz $name: time ran out before the corpus baseline finished; once more"
			out=$(go test "$pkg" -run='^$' -fuzz="^${name}\$" -fuzztime="$(( ${fuzztime%s} * 2 ))s" -fuzzminimizetime=1x -parallel=1 2>&1) || { echo "$out" | tail -n 30; exit 1; }
		else
			echo "$out" | tail -n 30
			exit 1
		fi
	fi
	grep -a -E 'execs: [0-9]+ \(|^(ok|FAIL|---|    )' <<<"$out" | tail -n 12
done

echo "== fuzz: ${#targets[@]} targets in ${SECONDS}s (the bound is 10s a target: $((${#targets[@]} * 10))s)"

echo "== go test -race (packages that run goroutines)"
# The race detector runs these packages 5-10x slower; on a loaded 2-core
# machine pipeline's kill-at-every-step tests against MinIO passed go
# test's default 10-minute bound. 30 minutes still ends a hang.
go test -race -timeout 30m -count=1 ./pipeline/... ./internal/server/ ./sinks/lease/ ./sinks/s3lake/... ./sources/panjiva/ ./compliance/ ./cmd/tradepipe/

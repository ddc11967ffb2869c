#!/bin/sh
# tests/bench/smoke.sh: the whole `make bench` chain in its quick form
# (tools/bench/bench.sh -q) against the three daemons, into a temporary
# directory: it must finish without a failed run and produce a document
# with every section and figures for every daemon, a PNG and the raw CSV.
# Never asserts a timing.
#
# usage: smoke.sh BUILD_DIR
set -u
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

if ! sh tools/bench/bench.sh -q -o "$dir/b.md" -p "$dir/b.png" \
    -c "$dir/b.csv" "$build" >"$dir/log" 2>&1; then
	fail "bench.sh -q failed"
	tail -n 60 "$dir/log" >&2
fi
[ -s "$dir/b.md" ] || { fail "no document"; exit 1; }
for s in "## Machine and daemons" "## The issue's targets" "## Noise" \
    "## 1. Single operations over the Unix socket" \
    "## 2. Single operations over rings" "## 3. Pipelining" \
    "## 4. Idle connections" "## 5. Tree size and memory" \
    "## 6. The ICFP 2009" "## 7. VM start/stop storm" \
    "## 8. Conflict matrix" "## 9. Watch fan-out" \
    "## 10. Instructions per request" "## 11. The library and persistence" \
    "## Failures" "## Timeouts"; do
	grep -qF "$s" "$dir/b.md" || fail "document lacks \"$s\""
done
grep -q "^None: every request" "$dir/b.md" ||
    fail "the document lists failures"
grep -q "(no figures)" "$dir/b.md" && fail "a table has no figures"
grep -q "^None: every workload finished" "$dir/b.md" ||
    fail "a workload timed out"
# A row with figures for the three daemons in a few tables.
for row in "| 16 clients · read |" "| 1 client · transaction |" \
    "| read-modify-write of one node · transaction |" \
    "| 5000 nodes · write |" "| read |" "| transaction |"; do
	grep -F "$row" "$dir/b.md" | grep -q '| [0-9][^|]* | [0-9][^|]* | [0-9]' ||
	    fail "no figures for all three daemons in a \"$row\" row"
done
for k in px c oc echo pxns; do
	grep -q "^1,$k,.*,rps," "$dir/b.csv" ||
	    grep -q "^1,$k,callgrind" "$dir/b.csv" ||
	    fail "raw CSV has nothing for $k"
done
head -c 8 "$dir/b.png" | od -An -c | grep -q "P   N   G" ||
    fail "the plot is not a PNG"
grep -qF "/work/" "$dir/b.md" && fail "the document names a local path"

if [ $fails -ne 0 ]; then
	echo "tests/bench/smoke.sh: $fails failure(s); log:" >&2
	tail -n 30 "$dir/log" >&2
	exit 1
fi
echo "tests/bench/smoke.sh: ok"

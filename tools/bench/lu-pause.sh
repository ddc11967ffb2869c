#!/bin/sh
# lu-pause.sh: the pause a client sees across a live update (issue:
# persistence, benchmark).  For each tree size, pxenstored serves socket
# clients reading in a closed loop (xs-bench, 4 clients) while the real
# `xenstore-control live-update` replaces it with the same binary; the
# readers' p99 and maximum latency across the update are set beside a
# run without one.  A request that fails fails the script.
#
#   tools/bench/lu-pause.sh [PXENSTORED] [SIZES]
#
# PXENSTORED defaults to build/release/bin/pxenstored, then
# build/bin/pxenstored; SIZES to "1000 100000 1000000".  Prints a
# markdown table.  Runs on sockets only (-D): a live update of guests'
# rings is tested by tests/security and tests/persist, not timed here.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-}
if [ -z "$bin" ]; then
	for b in "$top/build/release/bin/pxenstored" "$top/build/bin/pxenstored"
	do
		[ -x "$b" ] && { bin=$b; break; }
	done
fi
[ -n "$bin" ] && [ -x "$bin" ] || { echo "lu-pause: no pxenstored" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
bench=$(dirname "$bin")/xs-bench
[ -x "$bench" ] || bench=$top/build/bin/xs-bench
sizes=${2:-"1000 100000 1000000"}
ctl=
for c in /usr/lib/xen-*/bin/xenstore-control; do [ -x "$c" ] && ctl=$c; done
[ -n "$ctl" ] || ctl=xenstore-control
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lu-pause.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# field NAME LINE: the number after NAME in an xs-bench -q line
field() { printf '%s\n' "$2" | sed -n "s/.* $1 \([0-9.]*\).*/\1/p"; }

echo "| nodes | live update (s) | reads/s | p99 µs without / across | max µs without / across | errors |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
	s=$tmp/s
	rm -rf "$tmp/d"
	"$bin" -N -D --socket "$s" --state-dir "$tmp/d" 2>"$tmp/err" &
	pid=$!
	i=0
	while [ ! -S "$s" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	XENSTORED_PATH=$s "$bench" -c 4 -t write -n 1000 --tree "$n" \
	    --prefix /lu --no-cleanup -q >/dev/null
	base=$(XENSTORED_PATH=$s "$bench" -c 4 -t read -n 200000 -q)
	# long enough that the update happens inside the run
	XENSTORED_PATH=$s "$bench" -c 4 -t read -n 600000 -q \
	    >"$tmp/across" 2>&1 &
	bp=$!
	sleep 1
	t0=$(date +%s.%N)
	XENSTORED_PATH=$s timeout 120 "$ctl" live-update "$bin" >/dev/null
	t1=$(date +%s.%N)
	wait "$bp" || { cat "$tmp/across" "$tmp/err" >&2; exit 1; }
	across=$(cat "$tmp/across")
	grep -q "live update complete" "$tmp/err" ||
	    { echo "lu-pause: no live update at $n nodes" >&2; exit 1; }
	rps=$(printf '%s\n' "$across" | sed -n 's/^read: \([0-9.]*\) .*/\1/p')
	printf '| %s | %.2f | %s | %s / %s | %s / %s | %s |\n' "$n" \
	    "$(awk "BEGIN { print $t1 - $t0 }")" "$rps" \
	    "$(field p99 "$base")" "$(field p99 "$across")" \
	    "$(field max "$base")" "$(field max "$across")" \
	    "$(field errors "$across")"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
done

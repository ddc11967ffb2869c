#!/bin/sh
# tests/xensim/daemons.sh: run itest_daemons against Debian's C xenstored
# and oxenstored, each in a fresh mktemp directory and bounded by timeout.
# Then 1,000 guests against each (bare XS_INTRODUCE; with --bench N, N
# guests with libxl's nodes too, for timing).  A missing daemon is a
# failure, not a skip.  On failure the directory
# (with the daemon's log) is kept and named.
#
# usage: daemons.sh [--bench N] XENSIM_CLI ITEST_DAEMONS
set -u
bench=0
if [ "${1:-}" = --bench ]; then
	bench=$2
	shift 2
fi
[ $# -eq 2 ] || { echo "usage: $0 [--bench N] XENSIM ITEST" >&2; exit 2; }
cli=$1
itest=$2
bindir=${XENSIM_XEN_BINDIR:-/usr/lib/xen-4.17/bin}
status=0

run() {
	kind=$1
	daemon=$2
	shift 2
	d=$(mktemp -d "${TMPDIR:-/tmp}/xensim-itest.XXXXXX") || exit 1
	if timeout 300 "$itest" --cli "$cli" --dir "$d/sim" --kind "$kind" \
	    --daemon "$daemon" "$@"; then
		rm -rf "$d"
	else
		echo "FAIL: $kind daemon $daemon; its log:" >&2
		cat "$d/sim/daemon.log" >&2 2>/dev/null
		echo "(kept $d)" >&2
		status=1
	fi
}

if [ "$bench" -gt 0 ]; then
	# What a toolstack pays per guest (libxl's nodes + XS_INTRODUCE),
	# and the bare XS_INTRODUCE for comparison.
	for mode in libxl bare; do
		run c "$bindir/xenstored" --guests "$bench" --bench $mode
		run ocaml "$bindir/oxenstored" --guests "$bench" --bench $mode
	done
else
	run c "$bindir/xenstored"
	run ocaml "$bindir/oxenstored"
	# Scale: 1,000 guests introduced, each answered over its ring.
	run c "$bindir/xenstored" --guests 1000 --bench bare
	run ocaml "$bindir/oxenstored" --guests 1000 --bench bare
fi
exit $status

#!/bin/sh
# tools/bench/bench.sh: pxenstored side by side with Debian's C xenstored
# and oxenstored (Xen 4.17) and a Unix-socket ping-pong floor; writes the
# document (docs/benchmarks.md), its plot and the raw figures.
#
# usage: bench.sh [-q] [-r ROUNDS] [-o DOC] [-p PLOT] [-c CSV] BUILD_DIR
#   -q      quick: small sizes, one round (a smoke test of the whole chain)
#   -r N    rounds (default 3; -q: 1)
#   -o, -p, -c  where the document, the PNG plot and the raw CSV go
#           (default BUILD_DIR/bench/benchmarks.{md,png,csv})
# Environment: C_XENSTORED, OXENSTORED (default /usr/lib/xen-4.17/bin/...),
#   XS_STRESS (default BUILD_DIR/bin/xs-stress, if built), BENCH_SESSIONS
#   (default: all, in the order below), BENCH_BUDGET (seconds: no new
#   round starts when the rounds so far say it would end past it; round 1
#   always runs whole; default 4800, -q: none), XSB_LIMIT (seconds one
#   workload may take on one daemon before it is stopped and reported as
#   a timeout; default 300, -q: 120), BENCH_FIRST_ROUND (number of the
#   first round, default 1: more rounds for an earlier run's CSV, whose
#   round 1 had the sessions that run once), KEEP=1 keeps the work
#   directory.
#
# Rounds are interleaved: for each session, each daemon is started fresh
# and measured in turn (A B C A B C ...), so slow drifts of the machine's
# load hit every daemon alike; the document gives the median of the
# rounds and their range.  Timings never fail the run; exit status 1 if a
# run failed (a protocol error, a daemon that died or did not start), 2
# for bad usage or missing programs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
quick=
rounds=
doc=
plot=
csv=
while getopts qr:o:p:c: o; do
	case $o in
	q) quick=1 ;;
	r) rounds=$OPTARG ;;
	o) doc=$OPTARG ;;
	p) plot=$OPTARG ;;
	c) csv=$OPTARG ;;
	*) sed -n '6,10p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '6,10p' "$0" >&2; exit 2; }
build=$1
BIN=$build/bin
doc=${doc:-$build/bench/benchmarks.md}
plot=${plot:-$build/bench/benchmarks.png}
csv=${csv:-$build/bench/benchmarks.csv}
XS_BENCH=$BIN/xs-bench
XS_ECHO=$BIN/xs-echo
XS_STRESS=${XS_STRESS:-$BIN/xs-stress}
XENSIM=$BIN/xensim
PXENSTORED=$(cd "$BIN" && pwd)/pxenstored
C_XENSTORED=${C_XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
OXENSTORED=${OXENSTORED:-/usr/lib/xen-4.17/bin/oxenstored}
for f in "$XS_BENCH" "$XS_ECHO" "$XENSIM" "$PXENSTORED" "$C_XENSTORED" \
    "$OXENSTORED"; do
	[ -x "$f" ] || { echo "$0: $f: not executable" >&2; exit 2; }
done
for p in valgrind callgrind_control gnuplot xenstore-read; do
	command -v $p >/dev/null || { echo "$0: $p not found" >&2; exit 2; }
done

. "$here/lib.sh"
. "$here/workloads.sh"
. "$here/callgrind.sh"

# Sizes.  The quick run is a smoke test of the chain (tests/bench/smoke.sh
# in make check): 33 s at a load of 4 on 2 cores, 2-3 minutes at 10;
# mostly valgrind starting.  The full run's first round takes about 26
# minutes at a load of 8, later rounds about 20; the
# C daemon's node creation slows down as the store grows (see the
# document), so it stops at 10^5 nodes.
if [ -n "$quick" ]; then
	ROUNDS=${rounds:-1}
	CLIENTS="1 16" RING_CLIENTS="1 4"
	N_FAST=500 N_SLOW=200 N_HOT=100 N_WATCH=100 N_PIPE=2000
	IDLE=200 GUESTS=8 ICFP_TX=4 ICFP_SLEEP_TX=3 ICFP_SLEEP_MS=5
	FANOUT=20 N_FANOUT=10 DIR_CHILDREN=500
	TREE_SIZES="1000 5000" TREE_ONCE= TREE_SKIP_KINDS=
	STORM_GUESTS=8 CG_N=50
	XSB_LIMIT=${XSB_LIMIT:-120}
	BUDGET=${BENCH_BUDGET:-}
else
	ROUNDS=${rounds:-3}
	CLIENTS="1 16 160" RING_CLIENTS="1 16 160"
	N_FAST=20000 N_SLOW=5000 N_HOT=2000 N_WATCH=2000 N_PIPE=200000
	IDLE=10000 GUESTS=160 ICFP_TX=500 ICFP_SLEEP_TX=25 ICFP_SLEEP_MS=10
	FANOUT=1000 N_FANOUT=100 DIR_CHILDREN=10000
	TREE_SIZES="1000 10000 100000 1000000" TREE_ONCE=1000000
	TREE_SKIP_KINDS=c
	STORM_GUESTS=300 CG_N=2000
	XSB_LIMIT=${XSB_LIMIT:-300}
	BUDGET=${BENCH_BUDGET:-4800}
fi
CG_TESTS="read write directory get-perms transaction"
SESSIONS=${BENCH_SESSIONS:-"single_socket single_rings pipeline idle icfp \
conflicts watch_dir storm tree callgrind"}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pxbench.XXXXXX") || exit 2
RAW=$WORK/raw.csv
LOGS=$WORK/logs
mkdir -p "$LOGS" "$(dirname "$doc")" "$(dirname "$plot")" \
    "$(dirname "$csv")" || exit 2
: >"$WORK/failures"
: >"$WORK/timeouts"
sampler=
cleanup() {
	stop_daemon
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	if [ "${KEEP:-}" = 1 ]; then
		echo "work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The load average every 10 s, for the document.
(
	while :; do
		cut -d' ' -f1-3 /proc/loadavg >>"$WORK/loadavg"
		sleep 10
	done
) &
sampler=$!

echo "round,daemon,workload,metric,value" >"$RAW"
start=$(date +%s)
FIRST=${BENCH_FIRST_ROUND:-1}
ROUND=$FIRST
LAST=$((FIRST + ROUNDS - 1))
budget_stop=
while [ $ROUND -le $LAST ]; do
	now=$(($(date +%s) - start))
	done_=$((ROUND - FIRST))
	if [ $done_ -gt 0 ] && [ -n "$BUDGET" ] &&
	    [ $((now + now / done_)) -gt "$BUDGET" ]; then
		budget_stop="$done_ of $ROUNDS rounds: round $ROUND would have ended past the time budget of $BUDGET s"
		echo "$budget_stop" >&2
		break
	fi
	for s in $SESSIONS; do
		kinds=$(sess_kinds "$s")
		for KIND in $kinds; do
			echo "round $ROUND/$LAST, $s, $(kind_name "$KIND")" \
			    "($(($(date +%s) - start)) s, load $(load1))" >&2
			if sess_own_daemon "$s"; then
				"s_$s"
			elif start_daemon "$KIND"; then
				"s_$s"
				daemon_alive || note_failure "$s: the daemon" \
				    "died" "$WORK/run/daemon.log"
				stop_daemon
			fi
		done
	done
	ROUND=$((ROUND + 1))
done
ROUNDS_DONE=$((ROUND - FIRST))
elapsed=$(($(date +%s) - start))
kill "$sampler" 2>/dev/null
sampler=

cp "$RAW" "$csv"
QUICK=$quick ROUNDS=$ROUNDS_DONE BUDGET_STOP="$budget_stop" \
    XSB_LIMIT=$XSB_LIMIT XS_STRESS_FROM="${XS_STRESS_FROM:-}" \
    PERSIST_CSV=${PERSIST_CSV:-} LU_MD=${LU_MD:-} ELAPSED=$elapsed WORK=$WORK \
    CLIENTS="$CLIENTS" IDLE=$IDLE GUESTS=$GUESTS ICFP_TX=$ICFP_TX \
    ICFP_SLEEP_MS=$ICFP_SLEEP_MS ICFP_SLEEP_TX=$ICFP_SLEEP_TX \
    FANOUT=$FANOUT N_FANOUT=$N_FANOUT DIR_CHILDREN=$DIR_CHILDREN \
    TREE_SIZES="$TREE_SIZES" TREE_SKIP_KINDS="$TREE_SKIP_KINDS" \
    TREE_ONCE="$TREE_ONCE" STORM_GUESTS=$STORM_GUESTS CG_N=$CG_N \
    N_FAST=$N_FAST N_SLOW=$N_SLOW N_HOT=$N_HOT N_PIPE=$N_PIPE \
    N_WATCH=$N_WATCH C_XENSTORED=$C_XENSTORED OXENSTORED=$OXENSTORED \
    TRIE_CSV=${TRIE_CSV:-} \
    sh "$here/report.sh" "$RAW" "$doc" "$plot" || exit 1
echo "wrote $doc, $plot and $csv ($elapsed s)" >&2
if [ -s "$WORK/failures" ]; then
	echo "failures:" >&2
	cat "$WORK/failures" >&2
	[ -f "$LOGS/failures.log" ] && cat "$LOGS/failures.log" >&2
	exit 1
fi
exit 0

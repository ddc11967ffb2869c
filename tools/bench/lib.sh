# tools/bench/lib.sh: daemons and measurements for tools/bench/bench.sh
# (sourced; POSIX sh).
#
# Every daemon runs under the simulated Xen (`xensim run DIR -- CMD`), each
# start in a fresh simulation directory: Debian's C xenstored 4.17 needs
# its dom0 ring (it crashes with -D), and running all three the same way
# keeps the comparison fair.  The daemon is the process `xensim run` execs
# into, so $DPID is the daemon itself: it is the only process we kill.
#
# Kinds: px (pxenstored as shipped: journal in the simulation's state
# directory), pxns (pxenstored --no-state, CPU figures only), c (C
# xenstored -N), oc (oxenstored --no-fork, xensim's config: Debian's
# defaults with the paths in the simulation), echo (the ping-pong floor,
# tools/xs-bench/xs-echo.c, on a plain socket).
#
# Needs: BIN, WORK, RAW, LOGS, XS_BENCH, XENSIM, PXENSTORED, XS_ECHO,
# C_XENSTORED, OXENSTORED; ROUND (set by the driver).

DPID=
DSOCK=
DSIM=

kind_name() {
	case $1 in
	px) echo pxenstored ;;
	pxns) echo "pxenstored --no-state" ;;
	c) echo "C xenstored" ;;
	oc) echo oxenstored ;;
	echo) echo "ping-pong floor" ;;
	esac
}

# The daemon's command line for kind $1 in simulation $2 (for xs-stress
# too, which makes its own simulation: it adds oxenstored's options).
daemon_cmd() {
	case $1 in
	px) echo "$PXENSTORED -N" ;;
	pxns) echo "$PXENSTORED -N --no-state" ;;
	c) echo "$C_XENSTORED -N" ;;
	oc) echo "$OXENSTORED --no-fork --config-file $2/oxenstored.conf" ;;
	esac
}

# wait_ready SOCKET PID SECONDS: the daemon answers a READ of /.
wait_ready() {
	i=0
	while ! XENSTORED_PATH=$1 timeout 10 xenstore-read / >/dev/null 2>&1
	do
		i=$((i + 1))
		if [ $i -gt $(($3 * 10)) ] || ! kill -0 "$2" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# start_daemon KIND [WRAPPER...]: a fresh daemon (WRAPPER: e.g. valgrind
# and its options, run inside the simulation).  Sets DPID, DSOCK, DSIM.
start_daemon() {
	k=$1
	shift
	d=$WORK/run
	rm -rf "$d"
	mkdir -p "$d"
	DSIM=$d/sim
	if [ "$k" = echo ]; then
		DSOCK=$d/socket
		"$XS_ECHO" --socket "$DSOCK" >"$d/daemon.log" 2>&1 &
		DPID=$!
	else
		"$XENSIM" init "$DSIM" >/dev/null || return 1
		DSOCK=$DSIM/socket
		# shellcheck disable=SC2046
		env -u XENSTORED_PATH -u XENSTORED_RUNDIR \
		    -u XENSTORED_STATEDIR "$XENSIM" run "$DSIM" -- "$@" \
		    $(daemon_cmd "$k" "$DSIM") >"$d/daemon.log" 2>&1 &
		DPID=$!
	fi
	if ! wait_ready "$DSOCK" "$DPID" "${READY_SECS:-30}"; then
		note_failure "$(kind_name "$k") did not start" "$d/daemon.log"
		stop_daemon
		return 1
	fi
	return 0
}

# stop_daemon: SIGTERM, then SIGKILL after 60 s (valgrind writes its
# output at exit, which takes a while).
stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill "$DPID" 2>/dev/null
	i=0
	while kill -0 "$DPID" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}

daemon_alive() {
	[ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null
}

# rec WORKLOAD METRIC VALUE: one raw measurement of the current round and
# kind.
rec() {
	echo "$ROUND,$KIND,$1,$2,$3" >>"$RAW"
}

# note_failure TEXT [LOGFILE]: listed in the document, and the run ends
# with status 1.
note_failure() {
	echo "round $ROUND, $(kind_name "$KIND"): $1" >>"$WORK/failures"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then
		{
			echo "---- round $ROUND $KIND: $1"
			tail -n 40 "$2"
		} >>"$LOGS/failures.log"
	fi
}

load1() {
	cut -d' ' -f1 /proc/loadavg
}

# rss_kb PID: resident set of a process, in KiB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# xsb LABEL [XS-BENCH ARGS...]: run xs-bench against the current daemon
# and record every test it reports as workload "LABEL/<test>".  A run
# longer than XSB_LIMIT seconds is stopped and recorded as a timeout.
xsb() {
	label=$1
	shift
	daemon_alive || return 1
	rec "$label" load1 "$(load1)"
	timeout "$XSB_LIMIT" "$XS_BENCH" -s "$DSOCK" --pid "$DPID" \
	    --csv "$@" >"$WORK/xsb.out" 2>"$WORK/xsb.err"
	rc=$?
	tail -n +2 "$WORK/xsb.out" | while IFS=, read -r op cl pl idle n rps \
	    p50 p99 p999 max errs eagain giveups maxr cpu; do
		w="$label/$op"
		rec "$w" rps "$rps"
		rec "$w" p50_us "$p50"
		rec "$w" p99_us "$p99"
		rec "$w" p999_us "$p999"
		rec "$w" errors "$errs"
		rec "$w" eagain "$eagain"
		rec "$w" giveups "$giveups"
		rec "$w" max_retries "$maxr"
		case $cpu in -*) ;; *) rec "$w" cpu_us "$cpu" ;; esac
		: "$cl $pl $idle $n $max"
	done
	if [ $rc -eq 124 ]; then
		# Over the per-workload limit: reported as such, for every
		# test of the run (the document shows "timeout"), and not a
		# failure: it is a figure too.
		tests=
		prev=
		for a in "$@"; do
			[ "$prev" = -t ] && tests=$a
			prev=$a
		done
		for op in $(echo "$tests" | tr , ' '); do
			rec "$label/$op" timeout_s "$XSB_LIMIT"
		done
		echo "$(kind_name "$KIND"), round $ROUND: $label ($tests):" \
		    "no result within $XSB_LIMIT s" >>"$WORK/timeouts"
		return $rc
	fi
	if [ $rc -ne 0 ]; then
		{
			echo "xs-bench $* (exit $rc):"
			cat "$WORK/xsb.err"
		} >"$WORK/xsb.why"
		note_failure "$label: xs-bench exit $rc: $(head -c 300 \
		    "$WORK/xsb.err" | tr '\n' ' ')" "$WORK/xsb.why"
		if ! daemon_alive; then
			note_failure "$label: the daemon died" \
			    "$WORK/run/daemon.log"
		fi
	fi
	return $rc
}

# tools/bench/callgrind.sh: instructions per request (sourced by
# tools/bench/bench.sh).
#
# One daemon per kind runs under `valgrind --tool=callgrind` inside the
# simulation.  For each test, one client (-c 1, so every request is one
# wake-up of the daemon and the count does not depend on timing) runs
# CG_N operations, then 2 x CG_N; `callgrind_control --dump` after each
# run closes a part of the profile (counters restart at every dump).  The
# difference of the two parts is the cost of CG_N operations alone: the
# client's connection, its set-up and clean-up cancel out.  Instruction
# counts are deterministic: one round is enough, and the machine's load
# does not change them.  What still varies is work a daemon does per
# second of wall time (timers): a few thousand instructions per second,
# well below a request's count times CG_N.

# cg_total FILE: total instructions (Ir) of one callgrind output part.
cg_total() {
	awk '/^(summary|totals):/ { print $2; exit }' "$1" 2>/dev/null
}

# cg_part N TEST: run TEST N times and dump (part number CG_PART: the
# caller counts, this runs in a subshell); echoes the part's Ir.
cg_part() {
	if ! timeout 1800 "$XS_BENCH" -s "$DSOCK" -c 1 -n "$1" -t "$2" -q \
	    --timeout 600000 >"$WORK/cg.xsb" 2>&1; then
		note_failure "callgrind $2: xs-bench failed" "$WORK/cg.xsb"
		return 1
	fi
	callgrind_control --dump="$2-$1" "$DPID" >"$WORK/cg.ctl" 2>&1
	# The dump is written asynchronously, at the daemon's next
	# wake-up under valgrind: wait for the file.
	i=0
	while [ ! -s "$WORK/run.cg.out.$CG_PART" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t=$(cg_total "$WORK/run.cg.out.$CG_PART")
	if [ -z "$t" ]; then
		note_failure "callgrind $2: no dump" "$WORK/cg.ctl"
		return 1
	fi
	echo "$t"
}

s_callgrind() {
	[ "$ROUND" -eq 1 ] || return 0
	rm -f "$WORK"/run.cg.out*
	CG_PART=0
	READY_SECS=300 start_daemon "$KIND" valgrind --tool=callgrind \
	    --callgrind-out-file="$WORK/run.cg.out" || return 1
	# Start-up and the readiness probe: counted in no test.
	callgrind_control --zero "$DPID" >/dev/null 2>&1
	for t in $CG_TESTS; do
		CG_PART=$((CG_PART + 1))
		a=$(cg_part "$CG_N" "$t") || break
		CG_PART=$((CG_PART + 1))
		b=$(cg_part $((2 * CG_N)) "$t") || break
		rec "callgrind/c1/$t" instr_per_op $(((b - a) / CG_N))
	done
	daemon_alive || note_failure "callgrind: the daemon died" \
	    "$WORK/run/daemon.log"
	stop_daemon
}

# tools/bench/workloads.sh: the sessions of tools/bench/bench.sh (sourced).
#
# A session runs against one freshly started daemon (the driver starts
# and stops it) and records through xsb/rec (lib.sh).  Workload names are
# "<table>/<row>/<test>"; tools/bench/report.sh lays the tables out.
# Sizes come from the driver (QUICK shrinks them).  Every session lists
# the kinds it runs against in sess_kinds.

sess_kinds() {
	case $1 in
	single_socket | pipeline) echo "px c oc echo" ;;
	# (oxenstored under callgrind takes long to start: not in the
	# quick run.)
	callgrind) if [ -n "$quick" ]; then echo "px pxns c"; else echo "px pxns c oc"; fi ;;
	*) echo "px c oc" ;;
	esac
}

# Sessions that start their own daemons (the driver does not).
sess_own_daemon() {
	case $1 in
	tree | storm | callgrind) return 0 ;;
	*) return 1 ;;
	esac
}

# Single operations, 1, 16 and 160 clients, over the socket or rings
# ($1: socket or rings).  watch-event: one writer, that many watchers,
# every write to a different node (the C daemon merges an event identical
# to one still queued, which would lose events).
single_ops() {
	tr=$1
	shift
	cl=$CLIENTS
	[ "$tr" = rings ] && cl=$RING_CLIENTS
	for c in $cl; do
		xsb "$tr/c$c" "$@" -c "$c" -n "$N_FAST" \
		    -t read,write,directory,get-perms
		xsb "$tr/c$c" "$@" -c "$c" -n "$N_SLOW" -t mkdir-rm,transaction
		[ "$KIND" = echo ] && continue
		xsb "$tr/c$c" "$@" -c 1 --watchers "$c" --keys "$N_WATCH" \
		    -n "$N_WATCH" -t watch-event
	done
}

s_single_socket() {
	single_ops socket
}

s_single_rings() {
	single_ops rings --rings
}

# Pipelined requests and libxenstore clients (and the floor for both).
s_pipeline() {
	xsb "pipeline/P16 c16" -c 16 -P 16 --keys 16 -n "$N_PIPE" \
	    -t read,write
	xsb "pipeline/libxenstore c16" --libxenstore -c 16 -n "$N_FAST" \
	    -t read,write,transaction
}

# 16 active clients beside 0 and beside IDLE idle connections.
s_idle() {
	xsb "idle/idle 0" -c 16 -n "$N_FAST" -t read,write
	xsb "idle/idle $IDLE" -c 16 -n "$N_FAST" --idle "$IDLE" -t read,write
}

# The ICFP 2009 oxenstored paper's experiments: 128 clients x 500
# transactions reading one shared node and writing their own; 160 guests
# each looping on a transaction that sleeps between its two writes.
s_icfp() {
	xsb "icfp/128 x $ICFP_TX txn" -c 128 -n $((128 * ICFP_TX)) \
	    --retries 100000 -t txn-shared-read
	xsb "icfp/$GUESTS guests booting" --rings -c "$GUESTS" \
	    -n $((GUESTS * ICFP_SLEEP_TX)) --txn-sleep "$ICFP_SLEEP_MS" \
	    --retries 100000 -t txn-sleep
}

# Conflict matrix: 16 clients; only the hot node is a true conflict.
s_conflicts() {
	xsb "conflicts/disjoint writers" -c 16 -n "$N_SLOW" --retries 100000 \
	    -t transaction
	xsb "conflicts/creates under one parent" -c 16 -n "$N_SLOW" \
	    --retries 100000 -t txn-create
	xsb "conflicts/blind writes to one node" -c 16 -n "$N_SLOW" --shared \
	    --retries 100000 -t txn-blind
	xsb "conflicts/read-modify-write of one node" -c 16 -n "$N_HOT" \
	    --shared --retries 100000 -t transaction
}

# Watch fan-out and a directory of DIR_CHILDREN children (one client:
# its keys are the children; beside the same tests with 10 children).
s_watch_dir() {
	xsb "watch/$FANOUT watchers" -c 1 --watchers "$FANOUT" \
	    --keys "$N_FANOUT" -n "$N_FANOUT" -t watch-event
	xsb "dir/10 children" -c 1 --keys 10 -n "$N_SLOW" \
	    -t read,write,get-perms,mkdir-rm
	xsb "dir/$DIR_CHILDREN children" -c 1 --keys "$DIR_CHILDREN" \
	    -n "$N_SLOW" -t read,write,get-perms,mkdir-rm
}

# Tree size: one daemon grows its store step by step (TREE_SIZES, total
# nodes after each step), and after each step 16 clients read and write
# beside it; the daemon's RSS per node is recorded at each size.  Steps
# listed in TREE_ONCE run only in the first round, and not for kinds in
# TREE_SKIP_KINDS (too slow to populate: the document says why).
s_tree() {
	start_daemon "$KIND" || return 1
	rss0=$(rss_kb "$DPID")
	have=0
	for size in $TREE_SIZES; do
		case " $TREE_ONCE " in
		*" $size "*)
			[ "$ROUND" -eq 1 ] || break
			case " $TREE_SKIP_KINDS " in
			*" $KIND "*) break ;;
			esac
			;;
		esac
		t0=$(date +%s)
		xsb "populate/$size nodes" --prefix "/t$size" --no-cleanup \
		    --timeout 600000 --tree $((size - have)) -c 1 -n 1 \
		    -t read || break
		rec "populate/$size nodes" seconds $(($(date +%s) - t0))
		have=$size
		rss=$(rss_kb "$DPID")
		rec "memory/$size nodes" rss_kb "$rss"
		rec "memory/$size nodes" bytes_per_node \
		    $(((rss - rss0) * 1024 / size))
		xsb "tree/$size nodes" -c 16 -n "$N_FAST" -t read,write
	done
	stop_daemon
}

# VM start/stop storm with xs-stress (libxl-style transactions over
# simulated guests): boot-storm, then churn: two rounds that each destroy
# half the guests and create, introduce and boot new ones in their place.
#
# xs-stress is tools/xs-stress (docs/xs-stress.md); without it (XS_STRESS
# names another one) this session records nothing and the document says
# so.  XS_STRESS_FROM names where another one came from, for the
# document.
s_storm() {
	if [ ! -x "$XS_STRESS" ]; then
		[ "$KIND" = px ] && [ "$ROUND" -eq 1 ] &&
		    echo "xs-stress is not built" >"$WORK/storm.missing"
		return 0
	fi
	case $KIND in
	px) cmd="$PXENSTORED -N" ;;
	c) cmd="$C_XENSTORED -N" ;;
	oc) cmd=$OXENSTORED ;;
	esac
	rec "storm/load" load1 "$(load1)"
	TMPDIR=$WORK timeout "$XSB_LIMIT" "$XS_STRESS" --daemon "$cmd" \
	    --guests "$STORM_GUESTS" --scenario boot-storm,churn \
	    --churn-rounds 2 --churn-pct 50 --no-progress --csv \
	    --seed "$ROUND" --xensim "$XENSIM" >"$WORK/stress.csv" \
	    2>"$WORK/stress.err"
	rc=$?
	if [ $rc -eq 124 ]; then
		rec "storm/boot-storm" timeout_s "$XSB_LIMIT"
		rec "storm/churn" timeout_s "$XSB_LIMIT"
		echo "$(kind_name "$KIND"), round $ROUND: storm:" \
		    "no result within $XSB_LIMIT s" >>"$WORK/timeouts"
		return 0
	fi
	awk -F, -v r="$ROUND" -v k="$KIND" '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		w = "storm/" $col["scenario"]
		print r "," k "," w ",seconds," $col["seconds"]
		print r "," k "," w ",rps," $col["ops_per_s"]
		print r "," k "," w ",p50_us," $col["p50_us"]
		print r "," k "," w ",p99_us," $col["p99_us"]
		print r "," k "," w ",eagain," $col["eagain"]
		print r "," k "," w ",errors," $col["failures"]
		print r "," k "," w ",rss_kb," $col["rss_kb"]
		if ("daemon_cpu_s" in col)
			print r "," k "," w ",daemon_cpu_s," $col["daemon_cpu_s"]
	}' "$WORK/stress.csv" >>"$RAW"
	if [ $rc -ne 0 ]; then
		note_failure "storm: xs-stress exit $rc" "$WORK/stress.err"
	fi
}

#!/bin/sh
# tests/xs-bench/rings.sh: xs-bench --rings (clients are simulated guests
# over rings and event channels) against pxenstored, Debian's C xenstored
# and oxenstored, each under the simulated Xen in a fresh directory.
# Checks the output, zero errors, the exit status, that the guests'
# domains are gone afterwards and that the daemon still answers.  Never
# asserts a timing.  A missing daemon is a failure, not a skip.
#
# usage: rings.sh XS_BENCH PXENSTORED XENSIM
# Environment: XENSIM_XEN_BINDIR (default /usr/lib/xen-4.17/bin).
set -u
[ $# -eq 3 ] || { echo "usage: $0 XS_BENCH PXENSTORED XENSIM" >&2; exit 2; }
bench=$1
px=$2
xensim=$3
bindir=${XENSIM_XEN_BINDIR:-/usr/lib/xen-4.17/bin}
dir=$(mktemp -d "${TMPDIR:-/tmp}/xs-bench-rings.XXXXXX") || exit 1
pid=
fails=0

stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}
trap 'stop; rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# start KIND: a fresh simulation and daemon; sets pid and sim.
start() {
	sim=$dir/$1
	"$xensim" init "$sim" >/dev/null || return 1
	case $1 in
	px) set -- "$px" -N ;;
	c) set -- "$bindir/xenstored" -N ;;
	oc) set -- "$bindir/oxenstored" --no-fork --config-file \
	    "$sim/oxenstored.conf" ;;
	esac
	# An ASan daemon under the simulator's LD_PRELOAD: the ASan runtime
	# is not first in the library list, which is fine (tools/lib.sh).
	env -u XENSTORED_PATH -u XENSTORED_RUNDIR -u XENSTORED_STATEDIR \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$xensim" run "$sim" -- "$@" >"$sim/daemon.log" 2>&1 &
	pid=$!
	i=0
	until XENSTORED_PATH=$sim/socket xenstore-read / >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
			cat "$sim/daemon.log" >&2
			return 1
		fi
		sleep 0.05
	done
}

# run KIND NAME ARGS...: xs-bench --rings, output in $dir/KIND.NAME.out.
run() {
	k=$1
	name=$2
	shift 2
	if ! timeout 300 "$bench" -s "$sim/socket" --rings "$@" \
	    >"$dir/$k.$name.out" 2>"$dir/$k.$name.err"; then
		fail "$k $name: xs-bench failed ($*)"
		sed 's/^/  | /' "$dir/$k.$name.out" "$dir/$k.$name.err" >&2
		return 1
	fi
}

# check KIND NAME N OPS...: the CSV has exactly OPS, N operations each
# (watch-event: N times the watchers), no error.
check() {
	k=$1
	name=$2
	n=$3
	shift 3
	awk -F, -v want="$*" -v n="$n" '
	function bad(msg) { print "  " FILENAME ":" NR ": " msg; err = 1 }
	NR == 1 { next }
	{
		if (NF != 14) bad("want 14 fields: " $0)
		if ($11 != 0) bad("errors: " $0)
		expect = $1 == "watch-event" ? n * $2 : n
		if ($5 != expect) bad("requests " $5 ", want " expect)
		ops = ops (ops == "" ? "" : " ") $1
	}
	END {
		if (ops != want) bad("ops \"" ops "\", want \"" want "\"")
		exit err
	}' "$dir/$k.$name.out" >&2 || fail "$k $name: bad output"
}

for k in px c oc; do
	if ! start $k; then
		fail "$k: the daemon did not start"
		stop
		continue
	fi
	# Every test; as many keys as writes, so that no two watch events
	# are identical (the C daemon merges those while they are queued).
	N=400
	run $k all -t all -n $N -c 4 --watchers 3 --keys $N --csv &&
	    check $k all $N read write directory get-perms mkdir-rm \
		transaction watch-event
	# Pipelined over the ring, idle guests beside, transaction variants.
	run $k pipe -t read,write,transaction -n $N -c 2 -P 8 --keys 8 \
	    --idle 3 --csv && check $k pipe $N read write transaction
	run $k txns -t txn-blind,txn-create,txn-shared-read,txn-sleep \
	    -n 100 -c 3 --txn-sleep 1 --retries 100000 --csv &&
	    check $k txns 100 txn-blind txn-create txn-shared-read txn-sleep
	# Human output names the transport.
	run $k human -t read -n 50 -c 1 &&
	    { grep -q "raw protocol over guests' rings" "$dir/$k.human.out" ||
	    fail "$k human: no transport in the banner"; }
	# The guests' domains are destroyed, the nodes removed, the daemon
	# still answers.
	left=$("$xensim" list "$sim" | awk 'NR > 1 && $1 != 0' | wc -l)
	[ "$left" -eq 0 ] || fail "$k: $left guest domains left"
	XENSTORED_PATH=$sim/socket xenstore-exists /xs-bench 2>/dev/null &&
	    fail "$k: /xs-bench left behind"
	XENSTORED_PATH=$sim/socket xenstore-read / >/dev/null 2>&1 ||
	    fail "$k: the daemon does not answer any more"
	kill -0 "$pid" 2>/dev/null || fail "$k: the daemon died"
	stop
done

if [ $fails -ne 0 ]; then
	echo "tests/xs-bench/rings.sh: $fails failure(s)" >&2
	exit 1
fi
echo "tests/xs-bench/rings.sh: ok"

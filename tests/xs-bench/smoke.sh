#!/bin/sh
# tests/xs-bench/smoke.sh: run xs-bench briefly against a private
# pxenstored and check its output format, that it reports zero errors,
# its exit status and that it cleans up.  Never asserts a timing.
#
# usage: smoke.sh XS_BENCH PXENSTORED
set -u
[ $# -eq 2 ] || { echo "usage: $0 XS_BENCH PXENSTORED" >&2; exit 2; }
bench=$1
daemon=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/xs-bench-smoke.XXXXXX") || exit 1
sock=$dir/socket
pid=
fails=0

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

"$daemon" -N -D --socket "$sock" >"$dir/daemon.log" 2>&1 &
pid=$!
i=0
while [ ! -S "$sock" ]; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "FAIL: pxenstored did not start; its log:" >&2
		cat "$dir/daemon.log" >&2
		exit 1
	fi
	sleep 0.05
done

# run NAME EXPECTED_STATUS ARGS...: output in $dir/NAME.out
run() {
	name=$1
	want=$2
	shift 2
	timeout 120 "$bench" -s "$sock" "$@" >"$dir/$name.out" \
	    2>"$dir/$name.err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		fail "$name: exit status $rc, want $want ($*)"
		sed 's/^/  | /' "$dir/$name.out" "$dir/$name.err" >&2
		return 1
	fi
	return 0
}

# check_csv NAME OPS...: header, 14 numeric fields per line, zero errors,
# exactly the given ops in that order, and the request counts.
check_csv() {
	name=$1
	shift
	awk -F, -v want="$*" -v n="$N" -v w="$W" -v tree="$TREE" '
	function bad(msg) { print "  " FILENAME ":" NR ": " msg; err = 1 }
	NR == 1 {
		if ($0 != "op,clients,pipeline,idle,requests,rps,p50_us," \
		    "p99_us,p999_us,max_us,errors,eagain,giveups,max_retries")
			bad("bad header: " $0)
		next
	}
	{
		if (NF != 14) { bad("want 14 fields: " $0); next }
		for (i = 2; i <= 14; i++)
			if ($i !~ /^[0-9]+(\.[0-9]+)?$/)
				bad("field " i " not a number: " $0)
		if ($11 != 0)
			bad("errors reported: " $0)
		ops = ops (ops == "" ? "" : " ") $1
		op = $1
		sub(/^libxs-/, "", op)
		expect = n
		if (op == "watch-event") expect = n * w
		if (op == "populate") expect = tree
		if ($5 != expect)
			bad("requests " $5 ", want " expect ": " $0)
		if ($7 + 0 > $8 + 0 || $8 + 0 > $9 + 0 || $9 + 0 > $10 + 0)
			bad("percentiles out of order: " $0)
	}
	END {
		if (ops != want) bad("ops \"" ops "\", want \"" want "\"")
		exit err
	}' "$dir/$name.out" >&2 || fail "$name: bad CSV output"
}

# Every operation, pre-populated tree, idle connections, several keys.
N=2000 W=3 TREE=500
if run all 0 -t all -n $N -c 4 --watchers $W --keys 3 --idle 20 \
    --tree $TREE --csv; then
	check_csv all populate read write directory get-perms mkdir-rm \
	    transaction watch-event
	grep -q '^read,4,1,20,' "$dir/all.out" ||
	    fail "all: read line lacks clients 4, pipeline 1, idle 20"
fi

# Pipelining, shared keys (transactions conflict: EAGAIN is counted,
# not an error).
N=1000 W=2 TREE=0
if run pipe 0 -t read,write,mkdir-rm,transaction,watch-event -n $N \
    -c 3 -P 8 --watchers $W --shared --keys 2 --csv; then
	check_csv pipe read write mkdir-rm transaction watch-event
	grep -q '^read,3,8,0,' "$dir/pipe.out" ||
	    fail "pipe: read line lacks clients 3, pipeline 8"
fi

# The transaction variants (conflict behaviour): one shared node, and a
# pause between the writes.
N=300 W=1 TREE=0
if run txns 0 -t txn-blind,txn-create,txn-shared-read,txn-sleep -n $N \
    -c 3 --txn-sleep 1 --csv; then
	check_csv txns txn-blind txn-create txn-shared-read txn-sleep
fi
if run hot 0 -t transaction,txn-blind -n $N -c 4 --shared --retries 100000 \
    --csv; then
	check_csv hot transaction txn-blind
	awk -F, 'NR > 1 && $13 != 0 { exit 1 }' "$dir/hot.out" ||
	    fail "hot: give-ups with 100000 retries allowed"
fi

# Through libxenstore.
N=300
if run libxs 0 --libxenstore -t read,write,directory,get-perms,mkdir-rm,transaction \
    -n $N -c 2 --csv; then
	check_csv libxs libxs-read libxs-write libxs-directory \
	    libxs-get-perms libxs-mkdir-rm libxs-transaction
fi

# Human-readable and quiet output.
if run human 0 -t read,transaction -n 500 -c 2; then
	for pat in '^====== read ======$' '^====== transaction ======$' \
	    '^  500 requests in [0-9.]* s$' \
	    '^  throughput    [0-9.]* requests/s$' \
	    '^  latency (us)  p50 [0-9.]*  p99 [0-9.]*  p99.9 [0-9.]*  max [0-9.]*  (min [0-9.]*, mean [0-9.]*)$' \
	    '^  errors        none$' \
	    '^  eagain        [0-9]* retries, [0-9]* give-ups, at most [0-9]* retries for one transaction$'; do
		grep -q "$pat" "$dir/human.out" ||
		    fail "human: no line matching $pat"
	done
fi
if run quiet 0 -t read,write -n 500 -c 2 -q; then
	[ "$(wc -l <"$dir/quiet.out")" -eq 2 ] ||
	    fail "quiet: want 2 lines"
	grep -Eqv '^(read|write): [0-9.]+ requests/s, p50 [0-9.]+ us, p99 [0-9.]+ us, p99.9 [0-9.]+ us, max [0-9.]+ us, errors 0$' \
	    "$dir/quiet.out" && fail "quiet: unexpected line"
fi

# The benchmark's nodes are gone, the daemon is still serving.
if XENSTORED_PATH=$sock xenstore-exists /xs-bench 2>/dev/null; then
	fail "/xs-bench left behind"
fi
XENSTORED_PATH=$sock xenstore-read / >/dev/null 2>&1 ||
    fail "the daemon does not answer any more"

# Usage errors exit 2 without running anything.
run usage1 2 --libxenstore -P 2 -n 10
run usage2 2 -t bogus -n 10
run usage3 2 --rings --libxenstore -n 10
run usage5 2 --libxenstore -t txn-sleep -n 10
run usage6 2 --rings --sim "$dir/nosim" -n 10
run usage4 2 --prefix / -n 10

if [ $fails -ne 0 ]; then
	echo "tests/xs-bench/smoke.sh: $fails failure(s)" >&2
	exit 1
fi
echo "tests/xs-bench/smoke.sh: ok"

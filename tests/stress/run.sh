#!/bin/sh
# tests/stress/run.sh: bounded xs-stress runs against pxenstored, for
# make check (and make asan, with the ASan daemon):
#   - 160 guests: boot-storm then steady, no failure, CONTROL check OK;
#   - churn and hostile with fewer guests;
#   - the checks themselves: an injected lost event and an injected
#     lost update must each make xs-stress fail and say so.
# Each run has its own mktemp -d directory, removed on success and kept
# (and named) on failure.
#
# usage: run.sh XS_STRESS PXENSTORED
set -u
[ $# -eq 2 ] || { echo "usage: $0 XS_STRESS PXENSTORED" >&2; exit 2; }
xs=$1
px=$2
status=0

run() {
	name=$1
	shift
	dir=$(mktemp -d "${TMPDIR:-/tmp}/xs-stress-test.XXXXXX") || exit 1
	echo "== xs-stress: $name"
	if TMPDIR=$dir timeout 200 "$xs" --daemon "$px -N" --no-progress \
	    --timeout 150 "$@"; then
		rm -rf "$dir"
	else
		echo "FAIL: xs-stress $name (kept $dir)" >&2
		status=1
	fi
}

# A fault injected into xs-stress must be reported as a failure.
must_fail() {
	fault=$1
	want=$2
	dir=$(mktemp -d "${TMPDIR:-/tmp}/xs-stress-test.XXXXXX") || exit 1
	echo "== xs-stress: injected fault $fault must be caught"
	TMPDIR=$dir timeout 100 "$xs" --daemon "$px -N" --no-progress \
	    --guests 8 --scenario steady --duration 2 --request-timeout 3 \
	    --fault "$fault" >"$dir/out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q "FAIL ($want)" "$dir/out"; then
		grep -m 1 "FAIL ($want)" "$dir/out"
		rm -rf "$dir"
	else
		echo "FAIL: fault $fault: exit $rc, no \"FAIL ($want)\"" \
		    "(kept $dir)" >&2
		status=1
	fi
}

run "160 guests, boot-storm and steady" --guests 160 \
    --scenario boot-storm,steady --duration 4 --seed 1
run "churn" --guests 24 --scenario churn --churn-rounds 3 --seed 2
run "hostile" --guests 24 --scenario hostile --duration 3 --seed 3
must_fail mismatch mismatch
must_fail lose-event "lost event"
exit $status

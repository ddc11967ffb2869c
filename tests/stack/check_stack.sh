#!/bin/sh
# check_stack.sh RECURSE DAEMON: is the small-stack wrapper's limit real?
#   - RECURSE (tests/stack/recurse.c) through the wrapper: 128 KiB of
#     recursion returns, 1 MiB is killed by SIGSEGV (so deep recursion in
#     the daemon would crash it, not pass unnoticed);
#   - DAEMON through the wrapper: /proc/<pid>/limits shows a 256 KiB
#     stack for the running daemon.
set -u
here=$(dirname "$0")
recurse=$1
daemon=$2
fails=0
fail() {
	echo "check_stack: FAIL: $*"
	fails=$((fails + 1))
}

PXENSTORED_REAL=$recurse "$here/small-stack" 128 >/dev/null 2>&1 ||
    fail "128 KiB of recursion did not fit in the small stack"
PXENSTORED_REAL=$recurse "$here/small-stack" 1024 >/dev/null 2>&1
rc=$?
[ "$rc" -eq 139 ] ||
    fail "1 MiB of recursion was not killed by SIGSEGV (status $rc)"
# Without the wrapper the same recursion runs (the default 8 MiB stack).
if [ "$(ulimit -s)" = unlimited ] || [ "$(ulimit -s)" -ge 4096 ]; then
	"$recurse" 1024 >/dev/null 2>&1 ||
	    fail "1 MiB of recursion failed even with the normal stack"
fi

tmp=$(mktemp -d)
PXENSTORED_REAL=$daemon "$here/small-stack" -N -D --socket "$tmp/socket" \
    >/dev/null 2>"$tmp/log" &
pid=$!
for _ in $(seq 200); do
	[ -S "$tmp/socket" ] && break
	sleep 0.05
done
limit=$(awk '/^Max stack size/ { print $4 }' "/proc/$pid/limits" 2>/dev/null)
exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
[ "$limit" = 262144 ] ||
    fail "the daemon's stack limit is '$limit', not 262144"
case $exe in
*pxenstored*) ;;
*) fail "process $pid is '$exe', not the daemon" ;;
esac
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] || { fail "the daemon exited with status $rc"; cat "$tmp/log"; }
rm -rf "$tmp"
echo "check_stack: recursion limit and the daemon's 256 KiB stack:" \
    "$fails failures"
[ "$fails" -eq 0 ]

#!/bin/sh
# On a machine without Xen: -D serves socket clients; without -D the
# start fails (non-zero, a clear message on the launcher's stderr, also
# when daemonizing) and leaves neither socket nor pid file behind.
. "$(dirname "$0")/lib.sh"

if [ -e /proc/xen/capabilities ] || [ -e /dev/xen/privcmd ]; then
	skip "this machine runs Xen: nothing to test here"
	exit 0
fi

# --- -D: socket clients only --------------------------------------------------
start_fg "$T/d.sock" "$T/d.err"
xs "$T/d.sock" write /local/domain/0/name Domain-0 || fail "write"
check "-D without Xen: socket clients are served" \
    [ "$(xs "$T/d.sock" read /local/domain/0/name)" = Domain-0 ]
grep -q "no Xen" "$T/d.err" || fail "-D without Xen is not logged"
ok "-D without Xen says so in the log"
stop "$FG_PID"

# --- no -D: refused, in the foreground and daemonizing ----------------------
for mode in -N daemon; do
	[ "$mode" = -N ] && arg=-N || arg=
	timeout 20 "$PXENSTORED" $arg --socket "$T/x.sock" -F "$T/x.pid" \
	    >"$T/x.out" 2>"$T/x.err"
	rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] ||
	    fail "$mode without -D and without Xen: status $rc"
	ok "$mode without -D and without Xen: exits non-zero ($rc)"
	grep -q "no Xen.*-D" "$T/x.err" ||
	    fail "$mode: no clear message on stderr: $(cat "$T/x.err")"
	ok "$mode: the message on stderr names the problem and -D"
	check "$mode: no socket left behind" [ ! -e "$T/x.sock" ]
	check "$mode: no pid file left behind" [ ! -e "$T/x.pid" ]
done

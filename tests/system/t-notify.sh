#!/bin/sh
# systemd readiness: READY=1 arrives on $NOTIFY_SOCKET (a datagram socket
# of ours in $T), from the daemon's own pid (what NotifyAccess=main
# checks), only once the socket serves; and never from a start that fails.
. "$(dirname "$0")/lib.sh"
: "${NOTIFY_RECV:?NOTIFY_RECV must name the notify-recv helper}"

# --- foreground (-N), as the unit runs it ---------------------------------
"$NOTIFY_RECV" "$T/notify" 20 -- "$PXENSTORED" -N -D --socket "$T/fg.sock" \
    -F "$T/fg.pid" >"$T/fg.msgs" 2>"$T/fg.err"
rc=$?
child=$(sed -n 's/^child //p' "$T/fg.msgs")
[ -n "$child" ] && started "$child"
# Serving must already be true when READY=1 arrives: no retry.
serves "$T/fg.sock" || fail "READY=1 (status $rc) before the socket serves"
check "-N: a notification arrives" [ $rc -eq 0 ]
msg=$(sed -n 's/^from [0-9]* //p' "$T/fg.msgs")
check "-N: the message is READY=1" [ "$msg" = READY=1 ]
from=$(sed -n 's/^from \([0-9]*\) .*/\1/p' "$T/fg.msgs")
check "-N: sent by the main process itself (NotifyAccess=main)" \
    [ "$from" = "$child" ]
ok "-N: READY=1 is sent once the socket serves"
stop "$child"

# --- daemonizing: sent by the daemon, the launcher exits 0 after it -------
"$NOTIFY_RECV" -w "$T/notify" 20 -- "$PXENSTORED" -D --socket "$T/bg.sock" \
    -F "$T/bg.pid" >"$T/bg.msgs" 2>"$T/bg.err"
rc=$?
D=$(cat "$T/bg.pid" 2>/dev/null)
[ -n "$D" ] && started "$D"
check "daemonizing: a notification arrives" [ $rc -eq 0 ]
check "daemonizing: it is READY=1" grep -q '^from [0-9]* READY=1$' "$T/bg.msgs"
check "daemonizing: sent by the daemon (the pid file's pid)" \
    grep -q "^from $D " "$T/bg.msgs"
check "daemonizing: the launcher exits 0" grep -qx 'exit 0' "$T/bg.msgs"
stop "$D"

# --- a failed start never says READY ---------------------------------------
if [ -e /proc/xen/capabilities ] || [ -e /dev/xen/privcmd ]; then
	skip "a Xen host: cannot make the start fail by lacking Xen"
else
	"$NOTIFY_RECV" -w "$T/notify" 3 -- "$PXENSTORED" -N \
	    --socket "$T/fail.sock" >"$T/fail.msgs" 2>"$T/fail.err"
	rc=$?
	check "no READY=1 from a start that fails (no Xen, no -D)" [ $rc -eq 1 ]
	grep -q '^exit [1-9]' "$T/fail.msgs" ||
	    fail "the failing start did not exit non-zero: $(cat "$T/fail.msgs")"
	ok "the failing start exits non-zero"
fi

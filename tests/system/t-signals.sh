#!/bin/sh
# SIGTERM and SIGINT: exit status 0, socket and pid file removed, also
# with a client connected (holding a watch); SIGHUP and SIGPIPE do not
# stop the daemon.
. "$(dirname "$0")/lib.sh"

for sig in TERM INT; do
	S=$T/$sig.sock
	PF=$T/$sig.pid
	start_fg "$S" "$T/$sig.err" -F "$PF"
	P=$FG_PID
	check "SIG$sig: the pid file names the -N process" \
	    [ "$(cat "$PF")" = "$P" ]
	# A client holding a connection (and a watch) open across the signal.
	XENSTORED_PATH=$S timeout 20 xenstore-watch /w >/dev/null 2>&1 &
	W=$!
	wait_until 10 sh -c "ls -l /proc/$P/fd | grep -c socket: |
	    grep -qv '^[01]\$'" || fail "the watch client did not connect"
	kill -"$sig" "$P"
	wait "$P"
	rc=$?
	check "SIG$sig: exit status 0" [ $rc -eq 0 ]
	check "SIG$sig: socket removed" [ ! -e "$S" ]
	check "SIG$sig: pid file removed" [ ! -e "$PF" ]
	grep -q "exiting" "$T/$sig.err" || fail "SIG$sig: no exit message"
	ok "SIG$sig: logged"
	# (libxenstore's watch reader does not notice EOF: end it here)
	kill "$W" 2>/dev/null
	{ wait "$W"; } 2>/dev/null
done

# --- SIGHUP and SIGPIPE do not stop it --------------------------------------
start_fg "$T/hup.sock" "$T/hup.err"
kill -HUP "$FG_PID"
wait_until 10 grep -q SIGHUP "$T/hup.err" || fail "SIGHUP not handled"
check "SIGHUP: still serving" serves "$T/hup.sock"
# A client that sends a request and goes away before the reply: the
# daemon's write then fails with EPIPE, which must not kill it.
i=0
while [ $i -lt 20 ]; do
	XENSTORED_PATH=$T/hup.sock timeout -s KILL 0.02 \
	    xenstore-ls / >/dev/null 2>&1
	i=$((i + 1))
done
kill -PIPE "$FG_PID"
check "SIGPIPE and clients vanishing mid-request: still serving" \
    serves "$T/hup.sock"
stop "$FG_PID"

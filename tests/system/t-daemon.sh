#!/bin/sh
# Daemonizing (no -N): the command returns only once the daemon serves,
# with status 0 and no output; the pid file holds the daemon's pid; the
# daemon is detached (own session, stdio on /dev/null, cwd /); a second
# start with the same pid file exits 0 and leaves the first alone; -P
# prints the pid; relative file names still land where they were meant;
# SIGTERM removes the socket and the pid file.
. "$(dirname "$0")/lib.sh"

S=$T/d.sock
PF=$T/d.pid

# --- the start returns once the daemon serves ----------------------------
"$PXENSTORED" -D --socket "$S" -F "$PF" --log-file "$T/d.log" \
    >"$T/launch.out" 2>"$T/launch.err" &
L=$!
wait $L
rc=$?
# No retry here: serving must already be true when the command returns.
serves "$S" || fail "the start returned (status $rc) before the daemon serves"
check "the daemonizing start exits 0" [ $rc -eq 0 ]
ok "when it returns, the daemon already serves (READ / succeeds)"
[ ! -s "$T/launch.out" ] && [ ! -s "$T/launch.err" ] ||
    fail "a successful start printed: $(cat "$T/launch.out" "$T/launch.err")"
ok "a successful start prints nothing"

D=$(cat "$PF")
started "$D"
case $D in
''|*[!0-9]*) fail "pid file holds '$D', not a pid" ;;
esac
check "the pid file ends with a newline" \
    [ "$(tail -c1 "$PF" | od -An -c | tr -d ' ')" = '\n' ]
check "the pid file names a live process" alive "$D"
check "that process is the daemon, not the launcher" [ "$D" != "$L" ]
[ "$(readlink -f "/proc/$D/exe")" = "$(readlink -f "$PXENSTORED")" ] ||
    fail "pid $D is $(readlink "/proc/$D/exe"), not the daemon"
ok "the pid file's process runs the daemon binary"

# /proc/PID/stat: "pid (comm) state ppid pgrp session ..."
sid_of() {
	sed 's/^[0-9]* ([^)]*) //' "/proc/$1/stat" | cut -d' ' -f4
}
check "the daemon has its own session (setsid)" \
    [ "$(sid_of "$D")" != "$(sid_of $$)" ]
for fd in 0 1 2; do
	[ "$(readlink "/proc/$D/fd/$fd")" = /dev/null ] ||
	    fail "fd $fd is $(readlink "/proc/$D/fd/$fd"), not /dev/null"
done
ok "stdin, stdout and stderr are detached (/dev/null)"
check "its working directory is /" [ "$(readlink "/proc/$D/cwd")" = / ]
xs "$S" write /first/value kept || fail "write"

# --- a second start with the same pid file --------------------------------
timeout 20 "$PXENSTORED" -D --socket "$S" -F "$PF" >"$T/second.out" 2>&1
check "a second start with the same pid file exits 0" [ $? -eq 0 ]
check "the pid file still names the first daemon" [ "$(cat "$PF")" = "$D" ]
check "the first daemon is alive" alive "$D"
check "and still serves its store on the same socket" \
    [ "$(xs "$S" read /first/value)" = kept ]
timeout 10 "$PXENSTORED" -N -D --socket "$S" -F "$PF" >"$T/third.out" 2>&1
check "a second start in the foreground (-N) exits 0 at once too" [ $? -eq 0 ]
check "the first daemon still serves" [ "$(xs "$S" read /first/value)" = kept ]

# --- -P: the pid on stdout, before stdout is detached ---------------------
out=$(timeout 20 "$PXENSTORED" -D -P --socket "$T/p.sock" -F "$T/p.pid")
check "-P (daemonizing) exits 0" [ $? -eq 0 ]
started "$(cat "$T/p.pid")"
check "-P prints the daemon's pid (= pid file)" [ "$out" = "$(cat "$T/p.pid")" ]
"$PXENSTORED" -N -D -P --socket "$T/pn.sock" >"$T/pn.out" 2>"$T/pn.err" &
P=$!
started $P
wait_until 10 test -s "$T/pn.out" || fail "-N -P printed nothing"
check "-N -P prints its own pid" [ "$(cat "$T/pn.out")" = "$P" ]
serves "$T/pn.sock" || fail "-P printed before the daemon serves"
ok "-P prints only once the daemon serves"
stop $P
stop "$(cat "$T/p.pid")"

# --- relative file names: relative to where it was started ---------------
mkdir "$T/rel"
(cd "$T/rel" && timeout 20 "$PXENSTORED" -D --socket rel.sock -F rel.pid \
    -T rel.trace --log-file rel.log) || fail "start with relative names"
started "$(cat "$T/rel/rel.pid")"
for f in rel.sock rel.pid rel.trace rel.log; do
	[ -e "$T/rel/$f" ] ||
	    fail "relative $f not created in the start directory"
done
xs "$T/rel/rel.sock" write /rel 1 || fail "write over the relative socket"
wait_until 5 grep -q "WRITE" "$T/rel/rel.trace" ||
    fail "the relative trace file gets no lines"
ok "relative socket, pid, trace and log file names: in the start directory"
stop "$(cat "$T/rel/rel.pid")"
check "and removed there on exit" \
    test ! -e "$T/rel/rel.sock" -a ! -e "$T/rel/rel.pid"

# --- SIGTERM: clean exit ---------------------------------------------------
stop "$D"
check "SIGTERM: the socket is removed" [ ! -e "$S" ]
check "SIGTERM: the pid file is removed" [ ! -e "$PF" ]
grep -q "exiting" "$T/d.log" || fail "no exit message in the log"
ok "SIGTERM is logged"

# --- the lock died with the daemon: the same pid file starts a new one -----
start_bg "$S" "$PF"
check "after the first daemon exits, the same pid file starts a new one" \
    [ "$BG_PID" != "$D" ]
check "which serves a fresh store" \
    sh -c "! XENSTORED_PATH='$S' xenstore-read /first/value 2>/dev/null"
stop "$BG_PID"

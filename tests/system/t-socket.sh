#!/bin/sh
# Where the socket goes (--socket, XENSTORED_PATH, XENSTORED_RUNDIR: the
# same rules as libxenstore's clients), its mode (0600, whatever the
# umask, daemonized or not), and a stale socket left by a killed daemon
# being replaced.
. "$(dirname "$0")/lib.sh"

mode() {
	stat -c %a "$1"
}

# --- XENSTORED_RUNDIR: <rundir>/socket, the directory created -------------
R=$T/rundir
XENSTORED_RUNDIR=$R "$PXENSTORED" -N -D 2>"$T/rundir.err" &
P=$!
started $P
wait_until 10 test -S "$R/socket" ||
    fail "no socket at \$XENSTORED_RUNDIR/socket: $(cat "$T/rundir.err")"
ok "socket at \$XENSTORED_RUNDIR/socket"
check "the run directory is created with mode 755" [ "$(mode "$R")" = 755 ]
check "socket mode 0600" [ "$(mode "$R/socket")" = 600 ]
# A client given only XENSTORED_RUNDIR finds it the same way.
XENSTORED_RUNDIR=$R timeout 10 xenstore-write /probe rundir ||
    fail "a client with XENSTORED_RUNDIR cannot write"
check "a libxenstore client with the same XENSTORED_RUNDIR reaches it" \
    [ "$(xs "$R/socket" read /probe)" = rundir ]
stop $P
check "the socket is removed on exit" [ ! -e "$R/socket" ]

# --- XENSTORED_PATH wins over XENSTORED_RUNDIR ----------------------------
XENSTORED_RUNDIR=$T/unused XENSTORED_PATH=$T/p/xs.sock "$PXENSTORED" -N -D \
    2>"$T/path.err" &
P=$!
started $P
wait_until 10 serves "$T/p/xs.sock" ||
    fail "no socket at \$XENSTORED_PATH: $(cat "$T/path.err")"
ok "XENSTORED_PATH names the socket (its directory created)"
check "XENSTORED_RUNDIR is then unused" [ ! -e "$T/unused" ]
stop $P

# --- --socket wins over both ------------------------------------------------
XENSTORED_RUNDIR=$T/unused XENSTORED_PATH=$T/unused.sock "$PXENSTORED" \
    -N -D --socket "$T/opt.sock" 2>"$T/opt.err" &
P=$!
started $P
wait_until 10 serves "$T/opt.sock" || fail "--socket not used"
[ ! -e "$T/unused" ] && [ ! -e "$T/unused.sock" ] ||
    fail "--socket given, yet the environment's path was used"
ok "--socket wins over XENSTORED_PATH and XENSTORED_RUNDIR"

# --- a stale socket (daemon killed with SIGKILL) is replaced --------------
kill -KILL $P
wait_until 10 not_alive $P || fail "SIGKILL"
check "SIGKILL leaves the socket file behind" [ -S "$T/opt.sock" ]
serves "$T/opt.sock" && fail "a dead daemon's socket still answers"
chmod 666 "$T/opt.sock"
start_fg "$T/opt.sock" "$T/stale.err"
ok "a new daemon serves on the stale socket's path"
check "the stale 0666 socket was replaced by a 0600 one" \
    [ "$(mode "$T/opt.sock")" = 600 ]
stop "$FG_PID"

# A regular file in the way is replaced too (the C daemon unlinks first).
echo junk >"$T/file.sock"
start_fg "$T/file.sock" "$T/file.err"
check "a regular file at the socket path is replaced" [ -S "$T/file.sock" ]
stop "$FG_PID"

# --- mode 0600 whatever the umask ------------------------------------------
(umask 000 && exec "$PXENSTORED" -N -D --socket "$T/umask.sock" \
    2>"$T/umask.err") &
P=$!
started $P
wait_until 10 serves "$T/umask.sock" || fail "umask 000 start"
check "umask 000, foreground: socket mode 0600" \
    [ "$(mode "$T/umask.sock")" = 600 ]
stop $P
# Daemonized, the daemon itself runs with umask 0.
start_bg "$T/bg.sock" "$T/bg.pid"
check "daemonized: socket mode 0600" [ "$(mode "$T/bg.sock")" = 600 ]
check "daemonized: pid file mode 0600" [ "$(mode "$T/bg.pid")" = 600 ]
stop "$BG_PID"

# --- a path too long for sun_path: refused, clearly -------------------------
long=$T/$(printf '%0120d' 0)
timeout 10 "$PXENSTORED" -N -D --socket "$long" 2>"$T/long.err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "socket path too long: status $rc"
grep -q "cannot listen" "$T/long.err" ||
    fail "no message for a too long path: $(cat "$T/long.err")"
ok "a socket path longer than sun_path is refused with a message"

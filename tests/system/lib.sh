# tests/system/lib.sh: sourced by every tests/system/t-*.sh.
#
# Environment (set by mk/tests-system.mk):
#   PXENSTORED   the daemon under test (absolute path, same $(BUILD))
#   XENSIM       the simulated Xen's CLI of the same $(BUILD) (tools/demo)
#   NOTIFY_RECV  the sd_notify receiver helper (notify_recv.c)
#   TOP          the source tree
#   MAKE         the make that runs us (for the install test)
#
# Each test gets a fresh `mktemp -d` directory $T.  Every socket, pid file
# and log lives there: XENSTORED_RUNDIR points into it even for starts
# that name no socket, so no test can touch /var/run, and
# XENSTORED_STATEDIR=none keeps starts without -D off /var/lib.  Daemons a test
# starts are killed by pid when it ends.  Sanitizer reports go to files
# in $T (a daemonized process has no stderr) and any such file fails the
# test.  On failure $T is kept and named.

set -u
NAME=$(basename "$0" .sh)
: "${PXENSTORED:?PXENSTORED must name the daemon binary}"
: "${TOP:?TOP must name the source tree}"
T=$(mktemp -d "${TMPDIR:-/tmp}/pxsys.XXXXXX") || exit 2
STARTED=""
NCHECKS=0
FAILED=0

umask 022
unset XENSTORED_PATH NOTIFY_SOCKET
export XENSTORED_RUNDIR="$T/default-rundir"
# No state directory (the default without -D is /var/lib/xenstored).
export XENSTORED_STATEDIR=none
# Under xensim (tools/demo) its preload comes first, and ASan must not
# call setrlimit while the preload initializes (see tests/guests/gtest.c).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/sanitizer:verify_asan_link_order=0:disable_coredump=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/sanitizer"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}log_path=$T/sanitizer"

cleanup() {
	_status=$?
	# Only if it is still the process we started: after a wrap of pid
	# numbers, a pid may be someone else's by now.
	for _p in $STARTED; do
		[ "$(starttime "${_p%:*}")" = "${_p#*:}" ] &&
		    alive "${_p%:*}" && kill -KILL "${_p%:*}" 2>/dev/null
	done
	for _f in "$T"/sanitizer*; do
		[ -e "$_f" ] || continue
		echo "FAIL $NAME: sanitizer report $_f:" >&2
		cat "$_f" >&2
		_status=1
	done
	if [ "$_status" -eq 0 ]; then
		rm -rf "$T"
		echo "== $NAME: $NCHECKS checks passed"
	else
		echo "== $NAME: FAILED (files kept in $T)" >&2
	fi
	exit "$_status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL $NAME: $*" >&2
	exit 1
}

ok() {
	NCHECKS=$((NCHECKS + 1))
	echo "  ok $NCHECKS - $*"
}

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	_what=$1
	shift
	"$@" || fail "$_what"
	ok "$_what"
}

skip() {
	echo "  SKIP $NAME: $*"
}

# A process exists and is not a zombie (a daemon's parent may not reap).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# wait_until SECONDS COMMAND...: poll every 50 ms.
wait_until() {
	_n=$(($1 * 20))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}

# xs SOCKET CMD ARGS...: a xenstore-utils client on SOCKET.
xs() {
	_s=$1
	_c=$2
	shift 2
	XENSTORED_PATH=$_s timeout 10 "xenstore-$_c" "$@"
}

# What Debian's /etc/init.d/xen calls ready: READ of / succeeds.
serves() {
	xs "$1" read -s / >/dev/null 2>&1
}

# Start time of a process (field 22 of /proc/PID/stat), empty if none.
starttime() {
	sed 's/^[0-9]* ([^)]*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

# started PID: remember a daemon (and its start time) so that cleanup
# kills it if it still runs.
started() {
	[ -n "$1" ] && STARTED="$STARTED $1:$(starttime "$1")"
}

# start_fg SOCKET ERRFILE ARGS...: -N -D in the background; sets FG_PID
# once the socket serves.
start_fg() {
	_s=$1
	_e=$2
	shift 2
	"$PXENSTORED" -N -D --socket "$_s" "$@" 2>"$_e" &
	FG_PID=$!
	started "$FG_PID"
	wait_until 10 serves "$_s" ||
	    fail "daemon (-N) on $_s does not serve: $(cat "$_e")"
}

# start_bg SOCKET PIDFILE ARGS...: a daemonizing start; sets BG_PID.
start_bg() {
	_s=$1
	_pf=$2
	shift 2
	timeout 20 "$PXENSTORED" -D --socket "$_s" -F "$_pf" "$@" ||
	    fail "daemonizing start on $_s failed"
	BG_PID=$(cat "$_pf")
	started "$BG_PID"
}

# stop PID: SIGTERM and wait until it is gone.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait_until 10 not_alive "$1" || fail "pid $1 survived SIGTERM"
}

not_alive() {
	! alive "$1"
}

# Long options of the daemon, from the options[] table in config.c.
long_options() {
	sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",.*/\1/p' \
	    "$TOP/xenstored/config.c"
}

# Short option letters, from the getopt_long option string.
short_options() {
	sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' \
	    "$TOP/xenstored/config.c" | tr -d ':' | fold -w1
}

# xs_control SOCKET ARGS...: CONTROL requests.  Debian's
# /usr/bin/xenstore-control is a wrapper that wants a running hypervisor;
# call the versioned binary (xen-utils-4.17) directly.
xs_control() {
	_s=$1
	shift
	for _c in /usr/lib/xen-*/bin/xenstore-control; do
		[ -x "$_c" ] || _c=xenstore-control
		XENSTORED_PATH=$_s timeout 10 "$_c" "$@"
		return
	done
}

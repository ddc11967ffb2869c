#!/bin/bash
# xs_clients.sh: the real clients against the daemon.  Starts
# $PXENSTORED on a socket in a temporary directory and drives it with
# every tool of Debian's xenstore-utils (xenstore-read, -write, -ls
# with -p and -f, -list, -rm, -exists, -chmod, -watch), with
# xenstore-control (check, help, print, log, logfile, quota, quota-soft,
# persist, memreport, an unknown command) and with Xen's own test-xenstore.
# Every output and exit status is compared exactly.  Run by
# `make check` (mk/tests-integration.mk).
set -eu

: "${PXENSTORED:?set PXENSTORED to the daemon binary}"
CONTROL=/usr/lib/xen-4.17/bin/xenstore-control
TESTXS=/usr/lib/xen-4.17/bin/test-xenstore

tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

checks=0
failures=0
: >"$tmp/want.out"
: >"$tmp/want.err"

# Expected stdout / stderr of the next check: one argument per line.
out() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
	fi >"$tmp/want.out"
}
err() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
	fi >"$tmp/want.err"
}
# Expected stdout without a final newline.
out_raw() {
	printf '%s' "$1" >"$tmp/want.out"
}

fail() {
	failures=$((failures + 1))
	echo "FAIL: $*"
}

# compare NAME RC WANT_RC: the captured output against the expectation.
compare() {
	local name=$1 rc=$2 want_rc=$3
	checks=$((checks + 1))
	if [ "$rc" -eq "$want_rc" ] &&
	    cmp -s "$tmp/got.out" "$tmp/want.out" &&
	    cmp -s "$tmp/got.err" "$tmp/want.err"; then
		:
	else
		fail "$name: exit status $rc, expected $want_rc"
		diff -u "$tmp/want.out" "$tmp/got.out" || true
		diff -u "$tmp/want.err" "$tmp/got.err" || true
	fi
	: >"$tmp/want.out"
	: >"$tmp/want.err"
}

# After a client that may change the store, the invariant checker must
# find nothing (the daemon's log names what it finds).
after_step() {
	case ${1##*/} in
	xenstore-write | xenstore-rm | xenstore-chmod | test-xenstore)
		if ! timeout 20 "$CONTROL" check >/dev/null 2>&1; then
			fail "CONTROL check after: $*"
			tail -20 "$tmp/daemon.log"
		fi
		;;
	esac
}

# t RC CMD...: run CMD; its exit status must be RC and its stdout and
# stderr what out/err said (nothing if they were not called).
t() {
	local want_rc=$1 rc=0
	shift
	timeout 20 "$@" >"$tmp/got.out" 2>"$tmp/got.err" || rc=$?
	compare "$*" "$rc" "$want_rc"
	after_step "$@"
}

# --- start the daemon -------------------------------------------------

"$PXENSTORED" -N -D -P --socket "$tmp/socket" >"$tmp/pid" \
    2>"$tmp/daemon.log" &
pid=$!
for _ in $(seq 200); do
	if [ -s "$tmp/pid" ]; then
		break
	fi
	sleep 0.05
done
if [ "$(cat "$tmp/pid")" != "$pid" ]; then
	cat "$tmp/daemon.log"
	echo "xs_clients.sh: the daemon did not start"
	exit 1
fi
export XENSTORED_PATH="$tmp/socket"
unset XENSTORED_RUNDIR

# --- xenstore-write, xenstore-read ------------------------------------

t 0 xenstore-write /a/b 1 /a/c "hello world" /a/d ""
out 1 "hello world" ""
t 0 xenstore-read /a/b /a/c /a/d
out "/a/b: 1" "/a/d: "
t 0 xenstore-read -p /a/b /a/d
# Escapes: written expanded, read back escaped (or raw with -R).
t 0 xenstore-write /a/e 'tab\there' /a/f '\x41\x00z' /a/g 'a\nb'
out 'tab\there' 'A\000z' 'a\nb'
t 0 xenstore-read /a/e /a/f /a/g
out_raw "$(printf 'tab\there')"
t 0 xenstore-read -R /a/e
err "xenstore-read: couldn't read path /a/nope"
t 1 xenstore-read /a/nope
out 1
err "xenstore-read: couldn't read path /a/nope"
t 1 xenstore-read /a/b /a/nope /a/c
err "xenstore-write: Usage: xenstore-write [-h] [-s] [-R] key value [...]"
t 1 xenstore-write /a/odd
# Invalid paths are refused by the daemon.
err "xenstore-read: couldn't read path /a b"
t 1 xenstore-read '/a b'
err "xenstore-write: could not write path /a//b"
t 1 xenstore-write /a//b 1
err "xenstore-write: could not write path /a/"
t 1 xenstore-write /a/ 1
err "xenstore-write: could not write path @foo"
t 1 xenstore-write @foo 1
# Relative paths are dom0's.
t 0 xenstore-write rel/x v
out v
t 0 xenstore-read /local/domain/0/rel/x
out v
t 0 xenstore-read rel/x
# The largest value a request can carry, and one byte more.
big=$(head -c 4086 /dev/zero | tr '\0' x)
t 0 xenstore-write /big "$big"
out "$big"
t 0 xenstore-read /big
err "xenstore-write: could not write path /big"
t 1 xenstore-write /big "${big}xxxxxx"
out "$big"
t 0 xenstore-read /big
t 0 xenstore-rm /big

# --- xenstore-exists --------------------------------------------------

t 0 xenstore-exists /a/b
t 0 xenstore-exists /a
t 1 xenstore-exists /a/zz
t 1 xenstore-exists /a/b /a/zz

# --- xenstore-list ----------------------------------------------------

out b c d e f g
t 0 xenstore-list /a
out /a/b /a/c /a/d /a/e /a/f /a/g
t 0 xenstore-list -p /a
out xenstored b c d e f g
t 0 xenstore-list /tool /a
err "xenstore-list: could not list path /a/zz"
t 1 xenstore-list /a/zz
t 0 xenstore-list /a/b

# --- xenstore-ls ------------------------------------------------------

out 'b = "1"' 'c = "hello world"' 'd = ""' 'e = "tab\there"' \
    'f = "A\000z"' 'g = "a\nb"'
t 0 xenstore-ls /a
out '/a/b = "1"' '/a/c = "hello world"' '/a/d = ""' \
    '/a/e = "tab\there"' '/a/f = "A\000z"' '/a/g = "a\nb"'
t 0 xenstore-ls -f /a
t 0 xenstore-chmod /a/c n0 r5 b7
out 'b = "1"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)' \
    'c = "hello world"  . . . . . . . . . . . . . . . . . . . . .  (n0,r5,b7)' \
    'd = "" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)' \
    'e = "tab\there"  . . . . . . . . . . . . . . . . . . . . . .  (n0)' \
    'f = "A\000z" . . . . . . . . . . . . . . . . . . . . . . . .  (n0)' \
    'g = "a\nb" . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)'
t 0 xenstore-ls -p /a
out '/a/b = "1"   (n0)' '/a/c = "hello world"   (n0,r5,b7)' \
    '/a/d = ""   (n0)' '/a/e = "tab\there"   (n0)' \
    '/a/f = "A\000z"   (n0)' '/a/g = "a\nb"   (n0)'
t 0 xenstore-ls -f -p /a
# The whole tree, in creation order; the special paths are not in it.
out 'tool = ""' ' xenstored = ""' 'a = ""' ' b = "1"' ' c = "hello world"' \
    ' d = ""' ' e = "tab\there"' ' f = "A\000z"' ' g = "a\nb"' \
    'local = ""' ' domain = ""' '  0 = ""' '   rel = ""' '    x = "v"'
t 0 xenstore-ls
out '/local/domain = ""' '/local/domain/0 = ""' \
    '/local/domain/0/rel = ""' '/local/domain/0/rel/x = "v"'
t 0 xenstore-ls -f /local
err "xenstore-ls: xs_directory (/zz): No such file or directory"
t 1 xenstore-ls /zz
t 0 xenstore-ls /a/b

# --- xenstore-rm ------------------------------------------------------

t 0 xenstore-rm /a/g
t 1 xenstore-exists /a/g
# A missing node is fine when its parent exists, an error otherwise.
t 0 xenstore-rm /a/nothing
err "xenstore-rm: could not remove path /a/zz/yy"
t 1 xenstore-rm /a/zz/yy
err "xenstore-rm: could not remove path /"
t 1 xenstore-rm /
# -t also removes the parents left empty.
t 0 xenstore-write /t/x/y/z 1 /t/keep 2
t 0 xenstore-rm -t /t/x/y/z
out 'keep = "2"'
t 0 xenstore-ls /t
t 0 xenstore-write /sub/a/b 1 /sub/a/c 2
t 0 xenstore-rm /sub/a
t 0 xenstore-ls -f /sub
t 0 xenstore-exists /sub

# --- xenstore-chmod ---------------------------------------------------

out "n0,r5,b7"
t 0 bash -c "xenstore-ls -p /a | sed -n 's/^c = .*(\\(.*\\))\$/\\1/p'"
t 0 xenstore-write /m/a/b 1 /m/c 2
t 0 xenstore-chmod -r /m b3
out '/m/a = ""   (b3)' '/m/a/b = "1"   (b3)' '/m/c = "2"   (b3)' \
    '/m = ""   (b3)'
t 0 bash -c 'xenstore-ls -f -p /m; xenstore-ls -f -p / | grep "^/m "'
# -u: the parents too, up to the top-level component.
t 0 xenstore-write /u/v/w 1
t 0 xenstore-chmod -u /u/v/w r7
out '/u = ""   (r7)' '/u/v = ""   (r7)' '/u/v/w = "1"   (r7)'
t 0 bash -c 'xenstore-ls -f -p / | grep "^/u"'
chmod_err="xenstore-chmod: Error occurred setting permissions on"
err "$chmod_err '/a/zz': No such file or directory"
t 1 xenstore-chmod /a/zz n0
err "xenstore-chmod: Invalid permission specification: 'x'"
t 1 xenstore-chmod /a/b x0
err "$chmod_err '/a b': Invalid argument"
t 1 xenstore-chmod '/a b' n0
# The special paths have permissions too.
t 0 xenstore-chmod @releaseDomain n0 r9

# --- xenstore-watch ---------------------------------------------------

# Wait until the watch printed its first events (it is registered).
watch_ready() {
	local n=$1
	for _ in $(seq 400); do
		if [ "$(wc -l <"$tmp/watch.out")" -ge "$n" ]; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

timeout 20 xenstore-watch -n 5 /watched /other \
    >"$tmp/watch.out" 2>"$tmp/watch.err" &
wpid=$!
watch_ready 2 || fail "xenstore-watch: no first events"
t 0 xenstore-write /watched/a 1 /unrelated 1
t 0 xenstore-write /other 2
t 0 xenstore-rm /watched
wrc=0
wait "$wpid" || wrc=$?
cp "$tmp/watch.out" "$tmp/got.out"
cp "$tmp/watch.err" "$tmp/got.err"
out /watched /other /watched/a /other /watched
compare "xenstore-watch -n 5 /watched /other" "$wrc" 0
# A relative watch reports relative paths.
timeout 20 xenstore-watch -n 2 relw >"$tmp/watch.out" \
    2>"$tmp/watch.err" &
wpid=$!
watch_ready 1 || fail "xenstore-watch relw: no first event"
t 0 xenstore-write /local/domain/0/relw/deep/x 1
wrc=0
wait "$wpid" || wrc=$?
cp "$tmp/watch.out" "$tmp/got.out"
cp "$tmp/watch.err" "$tmp/got.err"
out relw relw/deep/x
compare "xenstore-watch -n 2 relw" "$wrc" 0
err "xenstore-watch: Usage: xenstore-watch [-h] [-n NR] key"
t 1 xenstore-watch

# --- xenstore-control -------------------------------------------------

help=(
    "check           "
    "log             [on|off|+io|-io]"
    "logfile         <file>"
    "memreport       [<file>]"
    "print           <string>"
    "quota           [set <name> <val>|<domid>]"
    "quota-soft      [set <name> <val>]"
    "persist         [status|snapshot]"
    "live-update     [-c <cmdline>] [-F] [-t <timeout>] <file>"
    "help            "
    ""
)
out OK
t 0 "$CONTROL" check
out "${help[@]}"
t 0 "$CONTROL" help
out OK
t 0 "$CONTROL" print "hello from xs_clients.sh"
out "Trace file: (none)" "io      : off" ""
t 0 "$CONTROL" log
# No trace file yet: log on and memreport are invalid, the tool lists
# the commands and fails.
err "Command not supported. Valid commands are:" "${help[@]}"
t 3 "$CONTROL" log on
err "Command not supported. Valid commands are:" "${help[@]}"
t 3 "$CONTROL" memreport
out OK
t 0 "$CONTROL" logfile "$tmp/trace"
t 0 test -s "$tmp/trace"
out OK
t 0 "$CONTROL" print marker-in-trace
t 0 grep -q "control: marker-in-trace" "$tmp/trace"
out "Trace file: $tmp/trace" "io      : on" ""
t 0 "$CONTROL" log
out OK
t 0 "$CONTROL" log off
out "Trace file: $tmp/trace" "io      : off" ""
t 0 "$CONTROL" log
out OK
t 0 "$CONTROL" log on
out OK
t 0 "$CONTROL" memreport
out OK
t 0 "$CONTROL" memreport "$tmp/memreport"
t 0 grep -q "memory report" "$tmp/memreport"
out "Hard quota settings:" \
    "nodes            :     1000 Nodes per domain" \
    "watches          :      128 Watches per domain" \
    "outstanding      :       20 Outstanding requests" \
    "memory           :  2621440 Memory per domain (bytes)" \
    "transactions     :       10 Transactions per domain" \
    "transaction-nodes:     1024 Nodes touched by one transaction" \
    "node-permissions :        5 Permission entries per node" \
    "path-max         :     2048 Path length (bytes)" \
    "node-size        :     2048 Node record size (bytes)" \
    ""
t 0 "$CONTROL" quota
out OK
t 0 "$CONTROL" quota set nodes 77
out "nodes            :       77 Nodes per domain"
t 0 bash -c "'$CONTROL' quota | grep '^nodes'"
out "Soft quota settings:" \
    "memory           :  2097152 Memory per domain (bytes)" ""
t 0 "$CONTROL" quota-soft
out OK
t 0 "$CONTROL" quota-soft set memory 999
out "memory           :      999 Memory per domain (bytes)"
t 0 bash -c "'$CONTROL' quota-soft | grep '^memory'"
err "Command not supported. Valid commands are:" "${help[@]}"
t 3 "$CONTROL" quota set no-such-quota 1
err "Error 2 when trying to execute command."
t 3 "$CONTROL" quota 4242
err "Command not supported. Valid commands are:" "${help[@]}"
t 3 "$CONTROL" no-such-command
err "Command not supported. Valid commands are:" "${help[@]}"
t 3 "$CONTROL" check now
err "Usage:" "$CONTROL <command> [<arg>...]"
t 2 "$CONTROL"

# --- Xen's own client test program ------------------------------------

rc=0
timeout 60 "$TESTXS" >"$tmp/got.out" 2>"$tmp/got.err" || rc=$?
: >"$tmp/got.out"	# timings
compare "$TESTXS" "$rc" 0
after_step "$TESTXS"

# --- the end ----------------------------------------------------------

out OK
t 0 "$CONTROL" check
# SIGTERM, then at most 10 s for it to go.
kill -TERM "$pid"
for _ in $(seq 200); do
	if ! kill -0 "$pid" 2>/dev/null; then
		break
	fi
	sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
	fail "the daemon did not exit on SIGTERM"
	kill -9 "$pid"
fi
drc=0
wait "$pid" || drc=$?
pid=
checks=$((checks + 1))
if [ "$drc" -ne 0 ]; then
	fail "the daemon exited with status $drc"
	cat "$tmp/daemon.log"
fi
echo "xs_clients.sh: Checks: $checks, Failures: $failures"
[ "$failures" -eq 0 ]

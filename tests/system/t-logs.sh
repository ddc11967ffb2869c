#!/bin/sh
# Logs: --log-file gets the diagnostics; -T (the access log) gets every
# request and every reply, errors and watch events included, numbered
# without gaps; SIGHUP reopens both (rename + HUP = rotation) and does
# not stop the daemon; CONTROL logfile / log off / log on switch the
# access log at run time.  -N without --log-file logs to stderr.
. "$(dirname "$0")/lib.sh"

S=$T/l.sock
LOG=$T/xenstored.log
TR=$T/access.log
start_bg "$S" "$T/l.pid" --log-file "$LOG" -T "$TR"
D=$BG_PID

grep -q "serving on $S" "$LOG" ||
    fail "no 'serving on' in --log-file: $(cat "$LOG")"
ok "--log-file gets the diagnostics"
check "the log file has mode 0600" [ "$(stat -c %a "$LOG")" = 600 ]
check "the access log has mode 0600" [ "$(stat -c %a "$TR")" = 600 ]

# --- every request and reply ------------------------------------------------
XENSTORED_PATH=$S timeout 10 xenstore-watch -n 2 /t/w >"$T/watch.out" &
W=$!
wait_until 10 grep -q "IN WATCH " "$TR" || fail "WATCH not logged"
# The watch fires once when set; wait for that before writing.
wait_until 10 grep -q "OUT WATCH_EVENT .*(/t/w " "$TR" ||
    fail "initial WATCH_EVENT not logged"
xs "$S" write /t/a hello || fail "write"
xs "$S" read /t/a >/dev/null || fail "read"
xs "$S" read /t/missing 2>/dev/null && fail "read of a missing node"
xs "$S" ls /t >/dev/null || fail "ls"
xs "$S" chmod /t/a n0 r1 || fail "chmod"
xs "$S" rm /t/a || fail "rm"
xs "$S" write /t/w fire || fail "write to the watched node"
wait $W || fail "xenstore-watch did not see its 2 events"

has() {
	grep -q -- "$1" "$TR" || fail "access log lacks '$1': $(cat "$TR")"
}
has " IN WRITE tx [0-9]* id [0-9]* (/t/a hello)"
has " OUT WRITE tx [0-9]* id [0-9]* (OK )"
has " IN READ tx [0-9]* id [0-9]* (/t/a )"
has " OUT READ tx [0-9]* id [0-9]* (hello)"
has " IN READ tx [0-9]* id [0-9]* (/t/missing )"
has " OUT ERROR tx [0-9]* id [0-9]* (ENOENT )"
has " IN DIRECTORY tx [0-9]* id [0-9]* (/t )"
has " IN SET_PERMS tx [0-9]* id [0-9]* (/t/a n0 r1 )"
has " OUT SET_PERMS "
has " IN RM tx [0-9]* id [0-9]* (/t/a )"
has " OUT RM "
has " IN WATCH tx [0-9]* id [0-9]* (/t/w "
has " OUT WATCH "
has " OUT WATCH_EVENT tx [0-9]* id [0-9]* (/t/w "
has " IN TRANSACTION_START "
has " OUT TRANSACTION_END tx [1-9][0-9]* id [0-9]* (OK )"
ok "requests, replies, errors and watch events are all in the access log"

# Every request has its reply on the same connection: per connection, as
# many IN lines as OUT lines that are not watch events.
awk '{ for (i = 1; i < NF; i++) if ($i == "conn") { c = $(i + 1); d = $(i + 2);
	t = $(i + 3); break } }
     d == "IN" { in_[c]++ } d == "OUT" && t != "WATCH_EVENT" { out[c]++ }
     END { for (c in in_) if (in_[c] != out[c]) {
	printf "conn %s: %d requests, %d replies\n", c, in_[c], out[c]; bad = 1 }
	exit bad }' "$TR" || fail "a request without its reply"
ok "every request has exactly one reply on its connection"
# Line numbers run 1, 2, 3, ... : nothing was lost.
awk '$3 != NR { print "line " NR " numbered " $3; exit 1 }' "$TR" ||
    fail "access log numbering has a gap"
ok "access log lines are numbered without gaps"
nin=$(grep -c " IN " "$TR")
check "at least the 9 requests made are logged ($nin)" [ "$nin" -ge 9 ]

# --- SIGHUP: rotation -------------------------------------------------------
mv "$LOG" "$LOG.1"
mv "$TR" "$TR.1"
kill -HUP "$D"
wait_until 10 grep -q "SIGHUP" "$LOG" || fail "no new log file after SIGHUP"
ok "SIGHUP: a fresh --log-file is opened and the reopen logged there"
check "SIGHUP: the daemon keeps running" alive "$D"
xs "$S" write /t/after rotate || fail "write after SIGHUP"
wait_until 10 grep -q "(/t/after rotate)" "$TR" ||
    fail "no fresh access log after SIGHUP"
ok "SIGHUP: new requests go to a fresh access log"
grep -q "/t/after" "$TR.1" && fail "the rotated access log still gets lines"
grep -q "(/t/a hello)" "$TR" && fail "old lines in the fresh access log"
ok "the rotated files keep the old lines, the fresh ones only the new"
grep -q "serving on" "$LOG.1" || fail "the rotated log lost its lines"
check "the fresh files have mode 0600" \
    test "$(stat -c %a "$LOG")$(stat -c %a "$TR")" = 600600

# A HUP without renaming appends; it does not truncate.
n=$(wc -l <"$TR")
kill -HUP "$D"
xs "$S" read /t/after >/dev/null || fail "read after the second SIGHUP"
wait_until 10 grep -q "OUT READ .*(rotate)" "$TR" || fail "read not logged"
[ "$(grep -c "(/t/after rotate)" "$TR")" -eq 1 ] &&
    [ "$(wc -l <"$TR")" -gt "$n" ] ||
    fail "a second SIGHUP lost or duplicated lines (n=$n): $(cat "$TR")"
ok "a second SIGHUP appends to the same files"

# --- CONTROL logfile, log off, log on ---------------------------------------
xs_control "$S" logfile "$T/switched.log" >/dev/null ||
    fail "CONTROL logfile"
xs "$S" write /t/switched 1 || fail "write"
wait_until 10 grep -q "(/t/switched 1)" "$T/switched.log" ||
    fail "CONTROL logfile did not switch the access log"
grep -q "/t/switched" "$TR" && fail "the old access log still gets lines"
ok "CONTROL logfile switches the access log"
xs_control "$S" log off >/dev/null || fail "CONTROL log off"
xs "$S" write /t/quiet 1 || fail "write"
xs_control "$S" log on >/dev/null || fail "CONTROL log on"
xs "$S" write /t/loud 1 || fail "write"
wait_until 10 grep -q "(/t/loud 1)" "$T/switched.log" || fail "log on"
grep -q "/t/quiet" "$T/switched.log" && fail "logged while off"
ok "CONTROL log off / log on stop and resume the access log"
mv "$T/switched.log" "$T/switched.log.1"
kill -HUP "$D"
xs "$S" write /t/rotated2 1 || fail "write"
wait_until 10 grep -q "(/t/rotated2 1)" "$T/switched.log" ||
    fail "SIGHUP did not reopen the file named by CONTROL logfile"
ok "SIGHUP reopens the access log named by CONTROL logfile"
stop "$D"

# --- -N without --log-file: diagnostics on stderr ---------------------------
start_fg "$T/fg.sock" "$T/fg.err"
grep -q "serving on $T/fg.sock" "$T/fg.err" ||
    fail "-N: no 'serving on' on stderr: $(cat "$T/fg.err")"
ok "-N without --log-file logs to stderr"
kill -HUP "$FG_PID"
wait_until 10 grep -q "SIGHUP" "$T/fg.err" || fail "-N: SIGHUP not logged"
check "-N: SIGHUP without log files is harmless" serves "$T/fg.sock"
stop "$FG_PID"

#!/bin/sh
# The state directory across restarts: a small --journal-max forces many
# snapshots (compaction must not recurse into itself), kill -9 and a
# restart restore every node, and state stamped with another boot id is
# discarded rather than resurrecting domains of an earlier boot (state
# without a stamp, from before stamps or from a tool, is kept).
. "$(dirname "$0")/lib.sh"

S=$T/sock
D=$T/state
start_fg "$S" "$T/1.err" --state-dir "$D" --journal-max 4096
P=$FG_PID
big=$(printf '%0200d' 0)
i=0
while [ $i -lt 60 ]; do
	xs "$S" write "/a/$i" "$big-$i" || fail "write /a/$i"
	i=$((i + 1))
done
ok "60 writes of 200 bytes with a 4 KiB journal limit"
check "the daemon survived the compactions" alive "$P"
wait_until 10 grep -q "snapshot [0-9]* written" "$T/1.err" ||
    fail "no snapshot was written"
ok "snapshots written"
# (not cmp -s: /proc files have size 0, and cmp -s compares sizes first)
boot=$(cat /proc/sys/kernel/random/boot_id)
check "state stamped with the boot id" [ "$(cat "$D/boot_id")" = "$boot" ]
kill -KILL "$P"
wait "$P" 2>/dev/null

start_fg "$S" "$T/2.err" --state-dir "$D" --journal-max 4096
P=$FG_PID
check "after kill -9: 60 nodes back" \
    [ "$(xs "$S" list /a | wc -l)" -eq 60 ]
check "after kill -9: the last value" \
    [ "$(xs "$S" read /a/59)" = "$big-59" ]
stop "$P"

# The host rebooted: the stamp differs, the state goes.
echo "00000000-0000-0000-0000-000000000000" >"$D/boot_id"
start_fg "$S" "$T/3.err" --state-dir "$D"
P=$FG_PID
absent() { ! xs "$S" read "$1" >/dev/null 2>&1; }
check "state of another boot: not restored" absent /a/0
grep -q "from another boot" "$T/3.err" || fail "the discard is not logged"
ok "the discard is logged"
check "the stamp is renewed" [ "$(cat "$D/boot_id")" = "$boot" ]
stop "$P"

# No stamp at all (state from before stamps, or written by a tool): kept.
start_fg "$S" "$T/4.err" --state-dir "$D"
P=$FG_PID
check "write before the stamp is removed" xs "$S" write /kept yes
stop "$P"
rm "$D/boot_id"
start_fg "$S" "$T/5.err" --state-dir "$D"
P=$FG_PID
check "state without a stamp: restored" [ "$(xs "$S" read /kept)" = yes ]
stop "$P"

# Journal writes that fail halfway (CONTROL persist fail-writes, a test
# hook).  The first failed batch is cut and a new generation's snapshot
# holds what it changed; a second failure right after (new generations
# are rate-limited) is only cut: that change is not durable, but the
# journal stays readable, so a crash afterwards loses nothing else.
rm -rf "$D"
start_fg "$S" "$T/6.err" --state-dir "$D" --test-hooks
P=$FG_PID
check "before the failures" xs "$S" write /w/before 1
xs_control "$S" persist fail-writes 2 >/dev/null ||
    fail "cannot arm failing writes"
ok "arm two failing writes"
check "a write whose batch fails is acknowledged" xs "$S" write /w/lost1 2
check "and a second one" xs "$S" write /w/lost2 3
check "after the failures" xs "$S" write /w/after 4
grep -q "journal write failed" "$T/6.err" || fail "the failure is not logged"
ok "the failure is logged"
settled() { ! xs_control "$S" persist | grep -q "being written"; }
wait_until 10 settled || fail "the new generation's snapshot did not finish"
kill -KILL "$P"
wait "$P" 2>/dev/null
start_fg "$S" "$T/7.err" --state-dir "$D"
P=$FG_PID
check "after the crash: the write before" [ "$(xs "$S" read /w/before)" = 1 ]
check "after the crash: the first failed batch (in the new snapshot)" \
    [ "$(xs "$S" read /w/lost1)" = 2 ]
check "after the crash: the second failed batch is gone" absent /w/lost2
check "after the crash: the write after" [ "$(xs "$S" read /w/after)" = 4 ]
stop "$P"

# CONTROL persist snapshot while a snapshot is still being written is
# queued, not refused: every call is OK and a later snapshot follows.
rm -rf "$D"
start_fg "$S" "$T/8.err" --state-dir "$D"
P=$FG_PID
snap() { xs_control "$S" persist snapshot >/dev/null; }
i=0
while [ $i -lt 3 ]; do
	check "persist snapshot $i, back to back" snap
	i=$((i + 1))
done
wait_until 10 settled || fail "the queued snapshot did not finish"
n=$(grep -c "snapshot [0-9]* written" "$T/8.err")
check "a snapshot after the start's ($n written)" [ "$n" -ge 2 ]
stop "$P"

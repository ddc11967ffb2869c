#!/bin/sh
# tools/demo (README's first command): it serves the example tree on its
# socket under the simulated Xen, with a guest talking over its ring,
# prints a line that, pasted, lists that tree with permissions and lines
# that talk as the guest, refuses a second demo, and stops cleanly
# (status 0, socket and pid file removed) on SIGTERM.  Its run directory
# is put in $T (DEMO_RUN).
. "$(dirname "$0")/lib.sh"

R=$T/run
DEMO_RUN=$R sh "$TOP/tools/demo" >"$T/out" 2>&1 &
D=$!
started "$D"
wait_until 20 grep -q "Ctrl-C stops the daemon" "$T/out" ||
    fail "the demo did not come up: $(cat "$T/out")"
ok "the demo starts and prints its banner"
started "$(cat "$R/pxenstored.pid")"
line=$(sed -n 's/^    \(XENSTORED_PATH=.* xenstore-ls -p\)$/\1/p' "$T/out")
check "it prints the line to paste" \
    [ "$line" = "XENSTORED_PATH=$R/socket xenstore-ls -p" ]
(cd / && timeout 10 sh -c "$line") >"$T/ls" 2>&1 ||
    fail "the pasted line fails: $(cat "$T/ls")"
for want in 'name = "Domain-0".*(n0)' 'name = "web1".*(n0,r1)' \
    'shutdown = "".*(n1)' 'tx-ring-ref = "8".*(n1,r0)' 'frontend = "/local/domain/1/device/vif/0"' \
    'backend = "/local/domain/0/backend/vif/1/0".*(n1,r0)' \
    'ip = "192.0.2.10".*(n1)' 'hotplug-status = "connected"'; do
	grep -q -- "$want" "$T/ls" ||
	    fail "the tree lacks $want: $(cat "$T/ls")"
done
ok "pasted from anywhere, it lists the example tree with its permissions"
as_guest=$(sed -n 's/^    \(.* request .* 1 read name\)$/\1/p' "$T/out")
[ -n "$as_guest" ] || fail "no line to talk as the guest: $(cat "$T/out")"
check "the guest's line reads its name over its ring" \
    [ "$(cd / && timeout 10 sh -c "$as_guest")" = web1 ]
check "the demo socket has mode 0600" [ "$(stat -c %a "$R/socket")" = 600 ]
grep -q "IN WRITE" "$R/access.log" || fail "no access log"
ok "the demo's access log has its requests"

DEMO_RUN=$R timeout 20 sh "$TOP/tools/demo" >"$T/second" 2>&1
check "a second demo on the same run directory is refused" [ $? -eq 1 ]
grep -q "already runs" "$T/second" || fail "no reason given: $(cat "$T/second")"
check "and the first still serves" serves "$R/socket"

kill -TERM "$D"
wait "$D"
check "SIGTERM: the demo exits 0" [ $? -eq 0 ]
check "it says the daemon stopped cleanly" grep -q "stopped (status 0)" "$T/out"
check "socket and pid file removed" \
    test ! -e "$R/socket" -a ! -e "$R/pxenstored.pid"

# README's first command ends in the demo, and shows the line it prints.
first=$(awk '/^```sh/{b=1;next} /^```/{if(b)exit} b&&/^[^#]/{print;exit}' \
    "$TOP/README.md")
case $first in
*tools/demo) ok "README's first command runs tools/demo" ;;
*) fail "README's first command is '$first'" ;;
esac
shown=$(sed -n 's/^    \(XENSTORED_PATH=.*\)$/\1/p' "$TOP/README.md" |
    sed "s|<checkout>/run|$R|")
check "README shows the line the demo prints" [ "$shown" = "$line" ]

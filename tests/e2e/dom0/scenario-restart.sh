# shellcheck shell=sh
# Scenario "restart": crash recovery. Runs only for a daemon that declares
# it (E2E_RESTART=1); otherwise it reports SKIP.
#   A guest answers a first ping through a watch; the daemon is killed with
#   SIGKILL and started again (daemon_restart in the profile); the guest's
#   nodes are still there, dom0's own ring (/dev/xen/xenbus) works, and the
#   guest's watch registered before the crash delivers dom0's second ping,
#   which the guest answers over its ring; it then sets a new watch. The
#   guest is destroyed and the store verified as in "basic".

if [ "$E2E_RESTART" != 1 ]; then
	summary "daemon $XENSTORED_NAME does not declare restart support (set E2E_RESTART=1 when it does)"
	exit 77
fi

t0=$(now)
dom0_initialised
store_paths "$E2E_RUN/tree.base" || fail "xenstore-ls -f / failed"

name=e2e-restart
domid=$(guest_create "$name" restart e2e_rounds=2) || exit 1
guest_ready "$name" "$domid"
guest_ping "$name" "$domid" "ping-1-$domid-$$"
say "guest $name (domain $domid) answered before the crash"

old=$(daemon_pid)
kill -9 "$old"
wait_until 30 pid_gone "$old" || fail "daemon survived kill -9"
tr=$(now)
daemon_restart || fail "daemon did not restart"
say "daemon restarted in $(elapsed "$tr") s"

xs_exists "/local/domain/$domid/name" || fail "guest's nodes lost across the restart"
node_is "/local/domain/$domid/data/e2e-ready" "$domid" || fail "guest's data lost across the restart"
got=$(XENSTORED_PATH=/dev/xen/xenbus timeout 30 xenstore-read /local/domain/0/name) ||
    fail "dom0's ring (/dev/xen/xenbus) dead after the restart"
[ "$got" = Domain-0 ] || fail "dom0's ring reads '$got'"
console_alive || console_start || fail "cannot restart xenconsoled"

guest_ping "$name" "$domid" "ping-2-$domid-$$"
guest_report "$name" "$domid"
say "guest's xenbus works after the restart"

watch_start release @releaseDomain || fail "cannot watch @releaseDomain"
timeout "$E2E_WAIT" xl destroy "$name" || fail "xl destroy $name"
guest_gone "$name" "$domid"
wait_until "$E2E_WAIT" has_lines "$E2E_RUN/release.watch" 2 ||
    fail "@releaseDomain did not fire"
watch_stop release
verify_store "$E2E_RUN/tree.base" "$domid"
summary "guest d$domid survived a daemon restart; scenario $(elapsed "$t0")s"

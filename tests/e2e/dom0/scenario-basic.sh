# shellcheck shell=sh
# Scenario "basic": one guest, the whole life cycle.
#   dom0's tree initialised (xenstored + xen-init-dom0), dom0's own ring works;
#   xl create a guest; inside it (guest/init): read its own nodes, be refused
#   on / and in dom0's home, watch data/e2e-ping and get dom0's write through
#   the watch, write a reply dom0 reads; the guest powers off, xl's monitor
#   destroys it; /local/domain/<id> is gone, @releaseDomain fired, the node
#   set is the baseline's, no permission names the dead domain, and the
#   daemon's consistency check (profile) finds nothing.

t0=$(now)
dom0_initialised
store_paths "$E2E_RUN/tree.base" || fail "xenstore-ls -f / failed"
say "dom0 tree initialised: $(wc -l < "$E2E_RUN/tree.base") nodes, daemon rss $(daemon_rss) KiB"

watch_start release @releaseDomain || fail "cannot watch @releaseDomain"

name=e2e-basic
tc=$(now)
domid=$(guest_create "$name" basic) || exit 1
say "xl create $name: domain $domid in $(elapsed "$tc") s"
xs_exists "/local/domain/$domid/name" || fail "no /local/domain/$domid/name"

guest_ready "$name" "$domid"
tr=$(elapsed "$tc")
guest_ping "$name" "$domid" "ping-$domid-$$"
guest_report "$name" "$domid"
grep "E2E-GUEST: $name" "$(guest_console "$name")"
say "guest $name ready $tr s after xl create, answered through its ring"

tg=$(now)
guest_gone "$name" "$domid"
wait_until "$E2E_WAIT" has_lines "$E2E_RUN/release.watch" 2 ||
    fail "@releaseDomain did not fire (watch output: $(cat "$E2E_RUN/release.watch"))"
watch_stop release
say "guest gone $(elapsed "$tg") s after its report, @releaseDomain fired"

verify_store "$E2E_RUN/tree.base" "$domid"
daemon_alive || fail "daemon died"
summary "guest d$domid ready in ${tr}s; scenario $(elapsed "$t0")s; daemon rss $(daemon_rss) KiB"

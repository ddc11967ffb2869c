# shellcheck shell=sh
# Scenario "scale": E2E_SCALE_GUESTS (default 8) guests at once.
#   All are created, all answer dom0 over their rings (watch + read + write)
#   and report PASS on their consoles while all are alive; then all are
#   destroyed with xl destroy; every /local/domain/<id> is gone,
#   @releaseDomain fired, the node set is the baseline's and the daemon's
#   memory (its anonymous RSS: VmRSS also counts its libraries' code, paged
#   in once by the first guests) is back within E2E_RSS_SLACK_KB of its
#   baseline.

t0=$(now)
n=$E2E_SCALE_GUESTS
dom0_initialised
store_paths "$E2E_RUN/tree.base" || fail "xenstore-ls -f / failed"
rss0=$(daemon_rss)
anon0=$(daemon_anon)
say "baseline: $(wc -l < "$E2E_RUN/tree.base") nodes, daemon rss $rss0 KiB (anonymous $anon0 KiB)"

watch_start release @releaseDomain || fail "cannot watch @releaseDomain"
heartbeat_start "${E2E_HEARTBEAT:-60}"

# Created paused (booting guests would slow the next xl create down), then
# unpaused together.
domids=
i=1
tc=$(now)
# shellcheck disable=SC2034 # read by guest_create (lib.sh)
XL_CREATE_FLAGS=-p
while [ "$i" -le "$n" ]; do
	# Unpaused ones wait for their ping while others boot.
	d=$(guest_create "e2e-scale-$i" scale "e2e_pingwait=$((E2E_WAIT * (n + 2)))") || exit 1
	domids="$domids $d"
	i=$((i + 1))
done
tcreate=$(elapsed "$tc")
i=1
while [ "$i" -le "$n" ]; do
	timeout 60 xl unpause "e2e-scale-$i" || fail "xl unpause e2e-scale-$i"
	i=$((i + 1))
done
say "created $n guests in $tcreate s (paused), unpaused: domains$domids"

# They boot at the same time, sharing two emulated CPUs: the first may need
# n/2 times as long as a lone guest. All are pinged, then all answers read.
i=1
for d in $domids; do
	guest_ready "e2e-scale-$i" "$d" $((E2E_WAIT * (n + 2) / 2))
	i=$((i + 1))
done
tready=$(elapsed "$tc")
for d in $domids; do
	xs_write "/local/domain/$d/data/e2e-ping" "ping-$d-$$" ||
	    fail "write /local/domain/$d/data/e2e-ping"
done
i=1
for d in $domids; do
	watch_wait "/local/domain/$d/data" "$E2E_WAIT" guest_answered "e2e-scale-$i" "$d" "ping-$d-$$" ||
	    guest_fail "e2e-scale-$i" "$d" "did not answer"
	guest_failed "e2e-scale-$i" "$d" && guest_fail "e2e-scale-$i" "$d" "failed"
	i=$((i + 1))
done
i=1
for d in $domids; do
	guest_report "e2e-scale-$i" "$d"
	i=$((i + 1))
done
tall=$(elapsed "$tc")
running=$(timeout 30 xl list | grep -c '^e2e-scale-')
[ "$running" -eq "$n" ] || fail "only $running of $n guests running"
store_paths "$E2E_RUN/tree.peak" || fail "xenstore-ls -f / failed"
rss1=$(daemon_rss)
say "all $n guests ready $tready s, answered over their rings $tall s after the first xl create; $(wc -l < "$E2E_RUN/tree.peak") nodes, daemon rss $rss1 KiB"

td=$(now)
i=1
for d in $domids; do
	timeout "$E2E_WAIT" xl destroy "e2e-scale-$i" || fail "xl destroy e2e-scale-$i"
	i=$((i + 1))
done
i=1
for d in $domids; do
	guest_gone "e2e-scale-$i" "$d"
	i=$((i + 1))
done
wait_until "$E2E_WAIT" has_lines "$E2E_RUN/release.watch" 2 ||
    fail "@releaseDomain did not fire"
watch_stop release
say "destroyed $n guests in $(elapsed "$td") s; @releaseDomain fired $(($(lines "$E2E_RUN/release.watch") - 1)) times"

# shellcheck disable=SC2086
verify_store "$E2E_RUN/tree.base" $domids
rss2=$(daemon_rss)
anon2=$(daemon_anon)
say "daemon rss: baseline $rss0 KiB, $n guests $rss1 KiB, after $rss2 KiB; anonymous: baseline $anon0 KiB, after $anon2 KiB (slack $E2E_RSS_SLACK_KB KiB)"
[ "$anon2" -le $((anon0 + E2E_RSS_SLACK_KB)) ] ||
    fail "daemon memory (anonymous rss) $anon2 KiB not back to baseline $anon0 KiB (+$E2E_RSS_SLACK_KB)"
daemon_alive || fail "daemon died"
summary "$n guests answered in ${tall}s (create ${tcreate}s); rss ${rss0}/${rss1}/${rss2} KiB; scenario $(elapsed "$t0")s"

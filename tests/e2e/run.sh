#!/bin/sh
# End-to-end test: boot Xen 4.17 with a PV dom0 under QEMU (TCG), the daemon
# under test as dom0's xenstored, and run scenarios with real PV guests.
#
# Usage: XENSTORED=<daemon> tests/e2e/run.sh [scenario...]
#   scenarios: basic scale restart (default: all three, each in its own boot)
#
# Environment (see also build.sh):
#   XENSTORED        the daemon under test (required)
#   XENSTORED_KIND   c | ocaml | px (default: from the file name)
#   E2E_CACHE        fetch cache (default tests/e2e/cache)
#   E2E_OUT          images and logs (default $BUILD/e2e/<daemon name>)
#   E2E_TIMEOUT      bound of one boot in seconds (default 600, scale
#                    600 + 150 per guest: 1800 for 8)
#   E2E_DOM0_MEM     dom0's memory in MiB (default 384)
#   E2E_QEMU         QEMU binary (default qemu-system-x86_64)
#   E2E_SMP          QEMU CPUs (default 2)
#   E2E_VERBOSE=1    copy the whole serial console to stdout
# Exit status: 0 if every scenario passed or was skipped, 1 otherwise.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

say() { echo "e2e: $*"; }
die() { echo "e2e: error: $*" >&2; exit 2; }

[ -n "${XENSTORED:-}" ] || die "set XENSTORED to the daemon under test"
[ -x "$XENSTORED" ] || die "XENSTORED=$XENSTORED is not an executable"
dname=$(basename "$XENSTORED")
E2E_OUT=${E2E_OUT:-${BUILD:-$top/build}/e2e/$dname}
export E2E_OUT
dom0_mem=${E2E_DOM0_MEM:-384}
guest_mem=${E2E_GUEST_MEM:-96}
scale_guests=${E2E_SCALE_GUESTS:-8}
qemu=${E2E_QEMU:-qemu-system-x86_64}
smp=${E2E_SMP:-2}
command -v "$qemu" > /dev/null || die "$qemu not found: install qemu-system-x86"

scenarios=${*:-basic scale restart}
for s in $scenarios; do
	[ -f "$here/dom0/scenario-$s.sh" ] || die "unknown scenario $s"
done

t_start=$(date +%s)
"$here/fetch.sh"
"$here/build.sh"
t_built=$(date +%s)
say "images ready in $((t_built - t_start)) s ($E2E_OUT)"

# boot SCENARIO: one QEMU run; the serial console goes to OUT/SCENARIO.log.
boot() {
	log=$E2E_OUT/$1.log
	guests=1
	timeout_s=${E2E_TIMEOUT:-600}
	if [ "$1" = scale ]; then
		guests=$scale_guests
		# 2 emulated CPUs boot the guests: under load, minutes each
		timeout_s=${E2E_TIMEOUT:-$((600 + 150 * guests))}
	fi
	mem=$((dom0_mem + guests * (guest_mem + 8) + 160))
	[ "$mem" -ge 1024 ] || mem=1024
	xen_cmd="console=com1 com1=115200,8n1 dom0_mem=${dom0_mem}M,max:${dom0_mem}M bootscrub=0 loglvl=warning guest_loglvl=warning"
	# rodata=off and the rest only save boot time under TCG. No commas: they
	# separate the modules of -initrd.
	dom0_cmd="console=hvc0 quiet loglevel=3 rodata=off cryptomgr.notests initcall_blacklist=init_kprobe_trace initcall_blacklist=load_system_certificate_list e2e_scenario=$1"
	set -- -machine q35,accel=tcg -cpu qemu64 -smp "$smp" -m "$mem" \
	    -nodefaults -no-reboot -display none -serial stdio \
	    -kernel "$E2E_OUT/xen.elf" -append "$xen_cmd" \
	    -initrd "$E2E_OUT/vmlinux $dom0_cmd,$E2E_OUT/dom0.cpio"
	echo "$qemu $*" > "$log.cmd"
	# In the background, so that a signal to this script (an outer
	# timeout, ^C) ends QEMU too: timeout runs it in a process group of
	# its own, which a signal to ours does not reach.
	timeout -k 10 "$timeout_s" "$qemu" "$@" < /dev/null > "$log" 2>&1 &
	qpid=$!
	if [ "${E2E_VERBOSE:-0}" = 1 ]; then
		tail -n +1 -f --pid="$qpid" "$log" &
	fi
	wait "$qpid" || true
	qpid=
	wait || true
}
qpid=
trap '[ -z "$qpid" ] || kill -TERM "$qpid" 2>/dev/null; exit 130' INT TERM

failed=0
summary=
for s in $scenarios; do
	say "scenario $s: booting ($XENSTORED)"
	t0=$(date +%s)
	boot "$s"
	t1=$(date +%s)
	log=$E2E_OUT/$s.log
	line=$(tr -d '\r' < "$log" | sed -n 's/.*\(E2E-RESULT: .*\)/\1/p' | tail -n 1)
	times=$(tr -d '\r' < "$log" | sed -n 's/.*E2E-TIME: \([^ ]*\) \([0-9.]*\).*/\1=\2/p' | tr '\n' ' ')
	if [ -z "$line" ]; then
		line="E2E-RESULT: $s FAIL no result line (timeout after $((t1 - t0))s or crash)"
	fi
	tr -d '\r' < "$log" | grep -E 'E2E(-GUEST)?: ' | sed 's/^/    /' || true
	case $line in
	*" $s PASS"*) status=PASS ;;
	*" $s SKIP"*) status=SKIP ;;
	*) status=FAIL; failed=1 ;;
	esac
	if [ "$status" = FAIL ]; then
		echo "---- $log (last 80 lines)"
		tr -d '\r' < "$log" | tail -n 80
		echo "----"
	fi
	say "$line"
	say "scenario $s: $status in $((t1 - t0)) s wall (in-VM marks, uptime s: $times)"
	summary="$summary
  $s: $status $((t1 - t0))s"
done

say "summary for $dname ($((t_built - t_start))s to prepare):$summary"
say "total $(($(date +%s) - t_start)) s"
exit "$failed"

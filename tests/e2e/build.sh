#!/bin/sh
# Build the two initramfs images of the end-to-end test:
#   OUT/guest.cpio.gz   init of the guests (busybox + xenstore-* tools)
#   OUT/dom0.cpio       dom0: busybox, the Xen userspace of this machine
#                       (xen-utils-4.17, xenstore-utils and the libraries
#                       ldd lists), the daemon under test, the Xen modules,
#                       the guest kernel and initramfs, the scenarios.
#
# Environment:
#   XENSTORED        daemon under test (required; any path on this machine)
#   XENSTORED_KIND   c | ocaml | px (default: guessed from the file name:
#                    oxenstored* -> ocaml, xenstored -> c, anything else -> px)
#   XENSTORED_ARGS   extra daemon arguments (words without spaces)
#   E2E_RESTART      1 if the daemon declares it survives kill -9 + restart
#   E2E_RESTART_ARGS extra arguments for the restarted daemon
#   E2E_SCALE_GUESTS guests of the scale scenario (default 8)
#   E2E_GUEST_MEM    MiB per guest (default 96)
#   E2E_WAIT         bound in seconds of every wait inside the VM (default 120)
#   E2E_LOG_LINES    lines of the daemon's log in the diagnostics (default 40)
#   E2E_RSS_SLACK_KB allowed daemon RSS growth over a scale round (default 1024)
#   E2E_GUEST_ARGS   extra guest kernel arguments (e2e_debug=1: set -x)
#   E2E_CACHE        fetch cache (default tests/e2e/cache)
#   E2E_OUT          output directory (default $BUILD/e2e/<daemon name>,
#                    BUILD defaulting to build)
#   XEN_BIN          Xen userspace (default /usr/lib/xen-4.17/bin)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${E2E_CACHE:-$here/cache}
assets=$cache/assets
xen_bin=${XEN_BIN:-/usr/lib/xen-4.17/bin}

say() { echo "e2e-build: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ -n "${XENSTORED:-}" ] || die "set XENSTORED to the daemon under test"
[ -x "$XENSTORED" ] || die "XENSTORED=$XENSTORED is not an executable"
daemon=$(cd "$(dirname "$XENSTORED")" && pwd)/$(basename "$XENSTORED")
dname=$(basename "$daemon")
kind=${XENSTORED_KIND:-}
if [ -z "$kind" ]; then
	case $dname in
	oxenstored*) kind=ocaml ;;
	xenstored) kind=c ;;
	*) kind=px ;;
	esac
fi
[ -f "$here/dom0/daemon-$kind.sh" ] || die "unknown XENSTORED_KIND $kind"
out=${E2E_OUT:-${BUILD:-$top/build}/e2e/$dname}

for f in xen.elf vmlinux busybox VERSIONS; do
	[ -s "$assets/$f" ] || die "$assets/$f missing: run tests/e2e/fetch.sh"
done
for f in xl xen-init-dom0 xenconsoled xenstore-control; do
	[ -x "$xen_bin/$f" ] || die "$xen_bin/$f missing: install xen-utils-4.17"
done
xs_tool=$(command -v xenstore-read || true)
[ -n "$xs_tool" ] || die "xenstore-read missing: install xenstore-utils"
xs_tool=$(readlink -f "$xs_tool")
xs_tools="read write rm exists list ls watch chmod"
libgcc_s=$(/sbin/ldconfig -p | awk '$1 == "libgcc_s.so.1" && /x86-64/ { print $NF; exit }')
[ -n "$libgcc_s" ] || die "libgcc_s.so.1 not found (ldconfig -p)"

mkdir -p "$out"
out=$(cd "$out" && pwd)

# copy_lib ROOT FILE: FILE and the shared libraries ldd lists, same paths.
copy_libs() {
	ldd "$2" 2>/dev/null | awk '
	    $2 == "=>" && $3 ~ /^\// { print $3 }
	    $1 ~ /^\// { print $1 }' | while read -r lib; do
		[ -e "$1$lib" ] && continue
		mkdir -p "$1$(dirname "$lib")"
		cp -L "$lib" "$1$lib"
	done
}

# install_bin ROOT SRC DEST: copy an executable and its libraries.
install_bin() {
	mkdir -p "$1$(dirname "$3")"
	cp -L "$2" "$1$3"
	chmod 755 "$1$3"
	copy_libs "$1" "$2"
}

# base_root ROOT: busybox and the xenstore-* tools.
base_root() {
	rm -rf "$1"
	mkdir -p "$1/bin" "$1/sbin" "$1/usr/bin" "$1/usr/sbin" "$1/dev" \
	    "$1/proc" "$1/sys" "$1/tmp" "$1/run" "$1/var" "$1/etc"
	cp "$assets/busybox" "$1/bin/busybox"
	ln -s busybox "$1/bin/sh"
	install_bin "$1" "$xs_tool" /usr/bin/xenstore
	for t in $xs_tools; do
		ln -s xenstore "$1/usr/bin/xenstore-$t"
	done
	# Loaded with dlopen, so ldd does not list it: glibc's pthread_cancel
	# needs it (libxenstore cancels its reader thread: xl, xenstore-watch).
	mkdir -p "$1$(dirname "$libgcc_s")"
	cp -L "$libgcc_s" "$1$libgcc_s"
}

# cpio_of ROOT: the newc archive of ROOT on stdout (files owned by root).
cpio_of() {
	(cd "$1" && find . | LC_ALL=C sort | "$assets/busybox" cpio -o -H newc -R 0:0 2>/dev/null)
}

# Guest image.
groot=$out/guest-root
base_root "$groot"
cp "$here/guest/init" "$groot/init"
chmod 755 "$groot/init"
cpio_of "$groot" | gzip -6 > "$out/guest.cpio.gz.new"
mv "$out/guest.cpio.gz.new" "$out/guest.cpio.gz"
rm -rf "$groot"

# Dom0 image.
droot=$out/dom0-root
base_root "$droot"
for f in xl xen-init-dom0 xenconsoled xenstore-control; do
	install_bin "$droot" "$xen_bin/$f" "/usr/lib/xen-4.17/bin/$f"
	ln -s "../lib/xen-4.17/bin/$f" "$droot/usr/sbin/$f"
done
install_bin "$droot" "$daemon" "/e2e/bin/$dname"
mkdir -p "$droot/etc/xen"
cat > "$droot/etc/xen/xl.conf" <<'XLCONF'
# xl.conf of the end-to-end test's dom0
autoballoon="off"
run_hotplug_scripts=1
lockfile="/var/lock/xl"
XLCONF
mkdir -p "$droot/e2e/modules"
cp "$assets"/modules/*.ko "$droot/e2e/modules/"
cp "$assets/vmlinux" "$droot/e2e/vmlinux"
cp "$out/guest.cpio.gz" "$droot/e2e/guest.cpio.gz"
cp "$here/dom0/init" "$droot/init"
chmod 755 "$droot/init"
cp "$here"/dom0/*.sh "$here/dom0/guest.cfg.in" "$droot/e2e/"
cp "$assets/VERSIONS" "$droot/e2e/VERSIONS"

# q: single-quote a value for a sh assignment.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
	echo "# generated by tests/e2e/build.sh"
	echo "XENSTORED=$(q "/e2e/bin/$dname")"
	echo "XENSTORED_NAME=$(q "$dname")"
	echo "XENSTORED_KIND=$(q "$kind")"
	echo "XENSTORED_ARGS=$(q "${XENSTORED_ARGS:-}")"
	echo "E2E_RESTART=$(q "${E2E_RESTART:-0}")"
	echo "E2E_RESTART_ARGS=$(q "${E2E_RESTART_ARGS:-}")"
	echo "E2E_SCALE_GUESTS=$(q "${E2E_SCALE_GUESTS:-8}")"
	echo "E2E_GUEST_MEM=$(q "${E2E_GUEST_MEM:-96}")"
	echo "E2E_WAIT=$(q "${E2E_WAIT:-120}")"
	echo "E2E_RSS_SLACK_KB=$(q "${E2E_RSS_SLACK_KB:-1024}")"
	echo "E2E_GUEST_ARGS=$(q "${E2E_GUEST_ARGS:-}")"
	echo "E2E_LOG_LINES=$(q "${E2E_LOG_LINES:-40}")"
} > "$droot/e2e/config"

cpio_of "$droot" > "$out/dom0.cpio.new"
mv "$out/dom0.cpio.new" "$out/dom0.cpio"
rm -rf "$droot"
ln -sf "$assets/xen.elf" "$out/xen.elf"
ln -sf "$assets/vmlinux" "$out/vmlinux"
say "$out: dom0.cpio ($((($(wc -c < "$out/dom0.cpio") + 1048575) / 1048576)) MiB), daemon $dname ($kind)"

#!/bin/sh
# Fetch what the end-to-end test boots from Debian's archive, into a cache
# folder (never installed, never committed):
#   xen.elf          the hypervisor (QEMU's multiboot loader wants the ELF)
#   vmlinux          the distribution kernel as an ELF (dom0 and guests)
#   modules/*.ko     the Xen modules dom0 loads
#   busybox          a static busybox (init, shell and tools of both images)
#   VERSIONS         the package versions the above come from
#
# Usage: tests/e2e/fetch.sh [CACHE]   (default $E2E_CACHE, else tests/e2e/cache)
# Idempotent: does nothing when CACHE/assets already holds the versions the
# archive currently offers (or, with no package lists, any have_assets fetch).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${E2E_CACHE:-$here/cache}}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
assets=$cache/assets

XEN_PKG=${E2E_XEN_PKG:-xen-hypervisor-4.17-amd64}
KERNEL_META=${E2E_KERNEL_META:-linux-image-amd64}
BUSYBOX_PKG=busybox-static
MODULES="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs"

say() { echo "e2e-fetch: $*" >&2; }
die() { say "error: $*"; exit 1; }

kernel_pkg() {
	apt-cache depends "$KERNEL_META" 2>/dev/null |
	    awk '/^ *Depends: linux-image-/ { print $2; exit }'
}

# Print "<package> <candidate version>" for the three packages.
resolve() {
	kpkg=$(kernel_pkg)
	[ -n "$kpkg" ] || return 1
	r=$(apt-cache policy "$XEN_PKG" "$kpkg" "$BUSYBOX_PKG" 2>/dev/null |
	    awk '/^[^ ]/ { sub(":$", "", $1); p = $1 }
	         /Candidate:/ && $2 != "(none)" { print p, $2 }')
	for p in "$XEN_PKG" "$kpkg" "$BUSYBOX_PKG"; do
		echo "$r" | grep -q "^$p " || return 1
	done
	for p in "$XEN_PKG" "$kpkg" "$BUSYBOX_PKG"; do
		echo "$r" | grep "^$p "
	done
}

have_assets() {
	[ -f "$assets/VERSIONS" ] && [ -s "$assets/xen.elf" ] &&
	    [ -s "$assets/vmlinux" ] && [ -x "$assets/busybox" ] &&
	    for m in $MODULES; do [ -s "$assets/modules/$m.ko" ] || return 1; done
}

# Fast path: the package lists have not changed since the last fetch.
lists=/var/lib/apt/lists
if have_assets && [ -d "$lists" ] &&
    [ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -newer "$assets/VERSIONS" | head -n 1)" ]; then
	exit 0
fi

if ! wanted=$(resolve); then
	if have_assets; then
		say "package lists unavailable; using the cached fetch"
		exit 0
	fi
	if [ "$(id -u)" -eq 0 ]; then
		say "package unknown to apt: running apt-get update"
		apt-get update -q >&2 || die "apt-get update failed"
		wanted=$(resolve) || die "cannot resolve $XEN_PKG, $KERNEL_META, $BUSYBOX_PKG"
	else
		die "cannot resolve $XEN_PKG, $KERNEL_META, $BUSYBOX_PKG (run apt-get update)"
	fi
fi

if have_assets && [ "$(cat "$assets/VERSIONS")" = "$wanted" ]; then
	touch "$assets/VERSIONS"
	exit 0
fi

say "fetching into $cache:"
echo "$wanted" | sed 's/^/e2e-fetch:   /' >&2

work=$cache/tmp.$$
rm -rf "$work"
mkdir -p "$work/debs" "$work/x" "$work/new/modules"
trap 'rm -rf "$work"' EXIT INT TERM

pkgs=$(echo "$wanted" | awk '{ printf "%s=%s ", $1, $2 }')
# shellcheck disable=SC2086
(cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root $pkgs >&2) ||
    die "apt-get download failed"
for deb in "$work"/debs/*.deb; do
	dpkg -x "$deb" "$work/x"
done

# Xen: gunzip to the ELF image.
xgz=$(find "$work/x/boot" -name 'xen-*.gz' | head -n 1)
[ -n "$xgz" ] || die "no xen-*.gz in $XEN_PKG"
gzip -dc "$xgz" > "$work/new/xen.elf"

# Kernel: the bzImage's payload is an xz stream followed by the 4-byte
# uncompressed size; boot-protocol header fields give offset and length.
bz=$(find "$work/x/boot" -name 'vmlinuz-*' | head -n 1)
[ -n "$bz" ] || die "no vmlinuz-* in the kernel package"
u8() { od -A n -t u1 -j "$2" -N 1 "$1" | tr -d ' '; }
u32() { od -A n -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
setup_sects=$(u8 "$bz" 497)         # 0x1f1
payload_off=$(u32 "$bz" 584)        # 0x248
payload_len=$(u32 "$bz" 588)        # 0x24c
start=$(( (setup_sects + 1) * 512 + payload_off ))
magic=$(od -A n -t x1 -j "$start" -N 6 "$bz" | tr -d ' ')
[ "$magic" = fd377a585a00 ] || die "kernel payload is not xz (magic $magic)"
tail -c +$((start + 1)) "$bz" | head -c $((payload_len - 4)) | xz -dc \
    > "$work/new/vmlinux" || die "cannot decompress the kernel payload"
[ "$(od -A n -t x1 -N 4 "$work/new/vmlinux" | tr -d ' ')" = 7f454c46 ] ||
    die "extracted kernel is not an ELF"

# Modules.
for m in $MODULES; do
	f=$(find "$work/x/lib/modules" -name "$m.ko*" | head -n 1)
	[ -n "$f" ] || die "module $m not found"
	case $f in
	*.ko) cp "$f" "$work/new/modules/$m.ko" ;;
	*.ko.xz) xz -dc "$f" > "$work/new/modules/$m.ko" ;;
	*.ko.zst) zstd -q -dc "$f" > "$work/new/modules/$m.ko" ;;
	*) die "unknown module format $f" ;;
	esac
done

cp "$work/x/bin/busybox" "$work/new/busybox"
chmod 755 "$work/new/busybox"
echo "$wanted" > "$work/new/VERSIONS"

rm -rf "$assets.old"
[ -d "$assets" ] && mv "$assets" "$assets.old"
mv "$work/new" "$assets"
rm -rf "$assets.old"
say "done"

#!/bin/sh
# make install: exactly the daemon, its man page and the unit, under
# DESTDIR and PREFIX, with the right modes and the unit's ExecStart
# pointing at the installed daemon; SYSTEMD_UNIT_DIR moves the unit; the
# installed unit passes `systemd-analyze verify`.
. "$(dirname "$0")/lib.sh"
: "${MAKE:=make}"

# The nested make inherits our make's variables (BUILD, SANFLAGS...) via
# MAKEFLAGS, so it installs the build under test; everything is built.
inst() {
	$MAKE -s --no-print-directory -C "$TOP" install "$@" \
	    >"$T/make.out" 2>&1 ||
	    fail "make install $*: $(cat "$T/make.out")"
}
listing() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%P %m\n' | sort)
}

# --- DESTDIR + PREFIX=/usr ----------------------------------------------------
inst DESTDIR="$T/root" PREFIX=/usr
listing "$T/root" >"$T/got"
cat >"$T/want" <<EOF
usr/lib/systemd/system/xenstored.service 644
usr/sbin/pxenstored 755
usr/share/man/man8/pxenstored.8 644
EOF
cmp -s "$T/want" "$T/got" ||
    fail "make install DESTDIR PREFIX=/usr installed (file mode):
$(cat "$T/got")
instead of:
$(cat "$T/want")"
ok "DESTDIR=<tmp> PREFIX=/usr installs exactly the 3 files, modes 755/644"
check "the installed daemon is the one built" \
    cmp -s "$PXENSTORED" "$T/root/usr/sbin/pxenstored"
check "the installed man page is docs/pxenstored.8" \
    cmp -s "$TOP/docs/pxenstored.8" "$T/root/usr/share/man/man8/pxenstored.8"
U=$T/root/usr/lib/systemd/system/xenstored.service
grep -q '^ExecStart=/usr/sbin/pxenstored -N ' "$U" ||
    fail "ExecStart: $(grep ExecStart= "$U")"
ok "the unit's ExecStart runs /usr/sbin/pxenstored -N"
"$T/root/usr/sbin/pxenstored" --help >/dev/null ||
    fail "the installed daemon does not run"
ok "the installed daemon runs (--help)"

# --- other PREFIX and SYSTEMD_UNIT_DIR ----------------------------------
inst DESTDIR="$T/root2" PREFIX=/usr/local SYSTEMD_UNIT_DIR=/etc/systemd/system
listing "$T/root2" | cut -d' ' -f1 >"$T/got2"
printf '%s\n' etc/systemd/system/xenstored.service usr/local/sbin/pxenstored \
    usr/local/share/man/man8/pxenstored.8 >"$T/want2"
cmp -s "$T/want2" "$T/got2" ||
    fail "PREFIX=/usr/local SYSTEMD_UNIT_DIR: $(cat "$T/got2")"
ok "PREFIX and SYSTEMD_UNIT_DIR place the files"
grep -q '^ExecStart=/usr/local/sbin/pxenstored -N ' \
    "$T/root2/etc/systemd/system/xenstored.service" ||
    fail "ExecStart does not follow PREFIX"
ok "ExecStart follows PREFIX"
# Apart from ExecStart's path, the installed unit is the source's.
sed 's|/usr/local/sbin/pxenstored|/usr/sbin/pxenstored|' \
    "$T/root2/etc/systemd/system/xenstored.service" |
    cmp -s - "$TOP/xenstored.service" || fail "the unit was changed otherwise"
ok "the installed unit is xenstored.service with only the path replaced"

# --- the unit, as systemd reads it --------------------------------------
U=$TOP/xenstored.service
for want in 'Type=notify' 'NotifyAccess=main' 'RuntimeDirectory=xenstored' \
    'RestrictAddressFamilies=AF_UNIX' 'NoNewPrivileges=yes' \
    'OOMScoreAdjust=-500' 'LimitNOFILE=1048576' 'RefuseManualStop=true'; do
	grep -qx "$want" "$U" || fail "xenstored.service lacks $want"
done
# Type=notify with NotifyAccess=main only works if the daemon stays the
# main process: ExecStart must say -N (t-notify.sh checks the sender).
grep -q '^ExecStart=[^ ]*pxenstored .*-N\b' "$U" || fail "ExecStart without -N"
grep -q '^ProcSubset=pid' "$U" && fail "ProcSubset=pid hides /proc/xen"
grep -q '^PrivateDevices=yes' "$U" && fail "PrivateDevices=yes hides /dev/xen"
ok "unit: Type=notify from the -N main process; /proc/xen, /dev/xen visible"
if command -v systemd-analyze >/dev/null; then
	# With PREFIX=$T the unit's ExecStart names an existing binary, and
	# MANPATH lets verify resolve Documentation=man:pxenstored(8).
	inst PREFIX="$T/prefix"
	MANPATH=$T/prefix/share/man systemd-analyze verify \
	    "$T/prefix/lib/systemd/system/xenstored.service" \
	    >"$T/verify" 2>&1 ||
	    fail "systemd-analyze verify: $(cat "$T/verify")"
	[ ! -s "$T/verify" ] ||
	    fail "systemd-analyze verify says: $(cat "$T/verify")"
	ok "systemd-analyze verify accepts the installed unit"
	systemd-analyze security --offline=true \
	    "$T/prefix/lib/systemd/system/xenstored.service" 2>/dev/null |
	    sed -n 's/^→ Overall exposure level for xenstored.service: /  systemd-analyze security: /p'
else
	skip "no systemd-analyze (install systemd): unit not verified"
fi

#!/bin/sh
# The command line: --help lists every option, every C-daemon option is
# accepted (and a quota actually set), unknown options are tolerated;
# missing arguments, bad numbers and stray arguments are refused before
# anything is created.
. "$(dirname "$0")/lib.sh"

# --- --help / -H -------------------------------------------------------
"$PXENSTORED" --help >"$T/help" 2>"$T/help.err"
check "--help exits 0" [ $? -eq 0 ]
[ -s "$T/help" ] && [ ! -s "$T/help.err" ] ||
    fail "--help must print to stdout only"
ok "--help prints to stdout, nothing to stderr"
"$PXENSTORED" -H >"$T/help2" 2>&1
check "-H exits 0 and prints the same text" cmp -s "$T/help" "$T/help2"

n=0
for o in $(long_options); do
	n=$((n + 1))
	grep -q -- "--$o\\b" "$T/help" || fail "--help does not list --$o"
done
# The table must have been parsed: the C daemon alone has 23 options.
check "--help lists all $n long options of config.c" [ "$n" -ge 24 ]
n=0
for o in $(short_options); do
	n=$((n + 1))
	grep -q -- "-$o\\b" "$T/help" || fail "--help does not list -$o"
done
check "--help lists all $n short options" [ "$n" -ge 20 ]
for o in no-fork pid-file no-domain-init trace-file entry-nb entry-size \
    watch-nb transaction perm-nb path-max quota quota-soft timeout \
    keep-orphans verbose output-pid internal-db no-recovery help socket \
    log-file master-domid priv-domid event live-update; do
	long_options | grep -qx -- "$o" || fail "no --$o option"
done
ok "every option of the C daemon (4.17) and --socket exists"

# --- everything a launcher may pass, at once ------------------------------
S=$T/all.sock
start_fg "$S" "$T/all.err" -E 1234 -S 4000 -W 99 -t 7 -A 6 -M 1000 \
    -Q transaction-nodes=500 -Q memory=3000000 -q memory=2000000 \
    -w watch-event=30 -R -I --internal-db=on -K -V \
    --trace-control=+io --master-domid 0 --priv-domid 0 --event 7 \
    --entry-nb=1235 --no-state --fsync batch --journal-max 1000000
ok "all C-daemon options (and ours) together: the daemon serves"
xs_control "$S" quota >"$T/quota" 2>&1 || fail "xenstore-control quota"
grep -q '^nodes *: *1235 ' "$T/quota" ||
    fail "--entry-nb=1235 (the last of -E/--entry-nb) not in effect:
$(cat "$T/quota")"
grep -q '^transactions *: *7 ' "$T/quota" || fail "-t 7 not in effect"
grep -q '^transaction-nodes *: *500 ' "$T/quota" ||
    fail "-Q transaction-nodes=500 not in effect"
ok "quota options reach the daemon (CONTROL quota shows them)"
stop "$FG_PID"

# --- unknown options: warned about, then ignored --------------------------
S=$T/unknown.sock
start_fg "$S" "$T/unknown.err" --frobnicate -Z --no-such=1
check "unknown options: the daemon still serves" serves "$S"
grep -q -- "--frobnicate" "$T/unknown.err" ||
    fail "no warning naming --frobnicate: $(cat "$T/unknown.err")"
grep -q -- "-Z" "$T/unknown.err" || fail "no warning naming -Z"
ok "unknown options are named on stderr"
stop "$FG_PID"

# --- refused: bad numbers, bad names, stray arguments ---------------------
# Without -N: refusals must come before daemonizing, and create nothing.
refuse() {
	S=$T/refused.sock
	timeout 10 "$PXENSTORED" -D --socket "$S" -F "$T/refused.pid" "$@" \
	    >"$T/refused.out" 2>"$T/refused.err"
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
	    fail "accepted (status $rc): $*"
	[ -s "$T/refused.err" ] || fail "refused without a message: $*"
	[ ! -e "$S" ] && [ ! -e "$T/refused.pid" ] ||
	    fail "refused but left a socket or pid file: $*"
}
for bad in "-E abc" "-E -1" "-E 99999999999" "-E 12x" "-S ''" "-W 1.5" \
    "-t abc" "-A 0x" "-M abc" "--path-max=-3" "-Q nodes=abc" "-Q bogus=1" \
    "-Q nodes" "-q memory=x" "-w watch-event=abc" "-w bogus=1" \
    "--event abc" "--event 70000" "--master-domid 65536" \
    "--priv-domid x" "--entry-nb=" "stray" "-- --no-fork" "-E" "-T" \
    "--log-file" "--fsync sometimes" "--journal-max lots"; do
	eval "refuse $bad"
	# The message names the option or quotes the value refused.
	case $bad in
	-*\ *|-*=*) opt=${bad%%[ =]*} val=${bad#*[ =]} ;;
	*) opt=$bad val=$bad ;;
	esac
	case $val in
	''|"''") val="''" ;;
	esac
	grep -q -F -e "${val#*=}" -e "$opt" "$T/refused.err" ||
	    fail "message for '$bad' names neither: $(cat "$T/refused.err")"
done
ok "bad numbers, unknown quota/timeout names and stray arguments refused"

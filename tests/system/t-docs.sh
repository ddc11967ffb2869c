#!/bin/sh
# Documentation against the code: the man page documents every option of
# config.c and renders without warnings; every daemon option named in the
# man page, docs/dom0.md and the unit file exists.
. "$(dirname "$0")/lib.sh"

MAN=$TOP/docs/pxenstored.8
[ -r "$MAN" ] || fail "no $MAN"

# --- the source: every option, in roff's escaped spelling -------------------
n=0
for o in $(long_options); do
	n=$((n + 1))
	esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
	grep -q -- "\\\\-\\\\-$esc\\b" "$MAN" || fail "man page lacks --$o"
done
check "the man page documents all $n long options" [ "$n" -ge 24 ]
n=0
for o in $(short_options); do
	n=$((n + 1))
	grep -q -- "^\\.BR* \\\\-$o\\b" "$MAN" ||
	    fail "man page has no entry for -$o"
done
check "the man page has an entry for all $n short options" [ "$n" -ge 20 ]

# --- rendering ---------------------------------------------------------
if command -v groff >/dev/null; then
	groff -man -t -ww -z "$MAN" >"$T/groff.err" 2>&1 ||
	    fail "groff failed: $(cat "$T/groff.err")"
	[ ! -s "$T/groff.err" ] || fail "groff warnings: $(cat "$T/groff.err")"
	ok "groff -ww: the man page renders without a warning"
else
	skip "no groff (install groff-base)"
fi
if command -v man >/dev/null; then
	# Not to a terminal, man-db drops the bold/underline overstrikes.
	env -u MAN_KEEP_FORMATTING MANWIDTH=80 man -E ascii -l "$MAN" \
	    >"$T/man.txt" 2>"$T/man.err"
	[ ! -s "$T/man.err" ] || fail "man -l: $(cat "$T/man.err")"
	grep -q '^PXENSTORED(8)' "$T/man.txt" || fail "man -l: no header"
	for o in $(long_options); do
		grep -q -- "--$o\\b" "$T/man.txt" ||
		    fail "man -l: --$o does not render as such"
	done
	ok "man -l renders it, every long option readable as --name"
else
	skip "no man (install man-db)"
fi

# --- the other direction: no documented option that does not exist ----
known() {
	case $1 in
	--*) long_options | grep -qx -- "${1#--}" ;;
	-?) short_options | grep -qx -- "${1#-}" ;;
	*) return 1 ;;
	esac
}
# In the man page, options are \-x or \-\-name at the start of a macro line.
for o in $(sed -n 's/^\.\(BR*\|OP\|BI\) \(\\-[^ ,"]*\).*/\2/p' "$MAN" |
    sed 's/\\-/-/g; s/=.*//' | sort -u); do
	known "$o" || fail "the man page documents $o, which the daemon lacks"
done
ok "every option the man page documents exists"
# In docs/dom0.md and the unit: pxenstored command lines.
for f in "$TOP/docs/dom0.md" "$TOP/xenstored.service"; do
	[ -r "$f" ] || fail "no $f"
	for o in $(grep -o 'pxenstored\( -[-a-zA-Z]*\( [^- ][^ ]*\)\?\)*' "$f" |
	    grep -o ' -[-a-zA-Z]*' | sort -u); do
		known "$o" ||
		    fail "$(basename "$f") uses $o, which the daemon lacks"
	done
done
ok "every option docs/dom0.md and xenstored.service pass to pxenstored exists"
# The start-up messages docs/dom0.md explains are the daemon's.
n=0
for m in $(sed -n '/^## When it does not start/,/^## /p' "$TOP/docs/dom0.md" |
    sed -n 's/^\* `\([^`]*\)`.*/\1/p' | sed 's|/.*||; s/ /@/g'); do
	n=$((n + 1))
	m=$(printf '%s' "$m" | sed 's/@/ /g')
	cat "$TOP"/xenstored/*.c | tr -d '\n\t' | sed 's/"[[:space:]]*"//g' |
	    grep -qF -- "$m" ||
	    fail "dom0.md quotes a message the daemon lacks: $m"
done
check "the $n start-up messages docs/dom0.md explains exist in the daemon" \
    [ "$n" -ge 3 ]

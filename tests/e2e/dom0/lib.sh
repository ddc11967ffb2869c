# shellcheck shell=sh disable=SC3045
# (runs under busybox ash, whose read has -t)
# Helpers of the end-to-end test, sourced by dom0's init and the scenarios.
# Expects /e2e/config to have been sourced (XENSTORED, E2E_WAIT, ...).

export XENSTORED_PATH=/run/xenstored/socket
DAEMON_LOG=/var/log/xen/xenstored.log
CONSOLE_DIR=/var/log/xen/console
E2E_RUN=/run/e2e

say() { echo "E2E: $*"; }

# clock: UPF = uptime in seconds with two decimals, UP = whole seconds.
# No fork (a fork costs milliseconds of emulated page-table work).
clock() {
	read -r UPF _ < /proc/uptime
	UP=${UPF%.*}
}

# now: print the uptime (two decimals).
now() {
	clock
	echo "$UPF"
}

# tmark LABEL: a timing line the host collects.
tmark() { echo "E2E-TIME: $1 $(now)"; }

# elapsed START: seconds since START (an earlier $(now)), one decimal.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

result() { echo "E2E-RESULT: $1 $2 $3"; }

# fail MESSAGE: end the scenario (a subshell) with a failure.
fail() {
	say "FAIL: $*"
	echo "$*" > "$E2E_RUN/failure"
	exit 1
}

# summary MESSAGE: append to the line printed with PASS/SKIP.
summary() {
	if [ -s "$E2E_RUN/summary" ]; then
		printf '%s; %s' "$(cat "$E2E_RUN/summary")" "$*" > "$E2E_RUN/summary.new"
		mv "$E2E_RUN/summary.new" "$E2E_RUN/summary"
	else
		printf '%s' "$*" > "$E2E_RUN/summary"
	fi
}

# wait_until SECONDS COMMAND...: run COMMAND every 0.25 s until it succeeds;
# fails once SECONDS have passed.
wait_until() {
	clock
	_deadline=$((UP + $1))
	shift
	until "$@"; do
		clock
		[ "$UP" -lt "$_deadline" ] || return 1
		usleep 250000
	done
}

# watch_wait PATH SECONDS COMMAND...: wait until COMMAND succeeds, checking
# it again on every watch event on PATH (the first comes at registration).
# The watcher writes into a fifo this shell reads, blocking (no polling:
# fork is dear under TCG), a second at a time so that signals cost nothing.
# The fifo is opened read-write, an open that cannot block.
_ww=0
watch_wait() {
	_ww=$((_ww + 1))
	_fifo=$E2E_RUN/fifo.$_ww
	_path=$1
	_secs=$2
	clock
	_deadline=$((UP + _secs))
	shift 2
	rm -f "$_fifo"
	mkfifo "$_fifo"
	exec 4<> "$_fifo"
	timeout $((_secs + 1)) xenstore-watch "$_path" >&4 2>/dev/null &
	_wpid=$!
	_rc=1
	while clock && [ "$UP" -lt "$_deadline" ]; do
		read -t 1 -r _ev <&4 || continue
		if "$@"; then
			_rc=0
			break
		fi
	done
	kill "$_wpid" 2>/dev/null
	wait "$_wpid" 2>/dev/null
	exec 4<&-
	rm -f "$_fifo"
	return "$_rc"
}

xs_read() { timeout 30 xenstore-read "$1" 2>/dev/null; }
xs_write() { timeout 30 xenstore-write "$1" "$2"; }
xs_exists() { timeout 30 xenstore-exists "$1" 2>/dev/null; }

# node_is PATH VALUE: PATH exists and holds VALUE.
node_is() { [ "$(xs_read "$1")" = "$2" ]; }
node_gone() { ! xs_exists "$1"; }

# lines FILE: number of lines of FILE, 0 if missing.
lines() {
	if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi
}
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }

# heartbeat_start SECONDS: until the scenario ends, a line every SECONDS
# with dom0's free memory, the daemon's RSS and the size of its state
# directory, so that a long wait that ends in QEMU's timeout still says
# where it was.
heartbeat_start() {
	(
		while sleep "$1"; do
			echo "E2E: heartbeat t=$(now) $(awk '/^MemAvailable:/ { print "mem-available=" $2 "K" }' /proc/meminfo) daemon-rss=$(daemon_rss 2>/dev/null)K state=$(du -sk /var/lib/xenstored 2>/dev/null | awk '{ print $1 }')K guests=$(find "$CONSOLE_DIR" -name 'guest-*.log' 2>/dev/null | wc -l) ready=$(cat "$CONSOLE_DIR"/*.log 2>/dev/null | grep -c 'watch set')"
		done
	) &
	echo $! > "$E2E_RUN/heartbeat.pid"
}

heartbeat_stop() { kill "$(cat "$E2E_RUN/heartbeat.pid" 2>/dev/null)" 2>/dev/null || true; }

# --- the daemon ------------------------------------------------------------

daemon_pid() { cat "$E2E_RUN/daemon.pid"; }
daemon_alive() { kill -0 "$(daemon_pid)" 2>/dev/null; }
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# daemon_rss: resident set of the daemon in KiB.
daemon_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$(daemon_pid)/status"; }
# daemon_anon: its anonymous resident memory (heap, stacks) in KiB: what
# it allocated, without the pages of its libraries' code, which the first
# guest's requests (grant mapping, event channels) bring in once.
daemon_anon() { awk '/^RssAnon:/ { print $2 }' "/proc/$(daemon_pid)/status"; }

socket_ready() {
	[ -S "$XENSTORED_PATH" ] && timeout 5 xenstore-exists / 2>/dev/null
}

# daemon_launch ARGS...: start the daemon in the background (it must not
# fork: its pid is our child's) and wait until its socket answers.
daemon_launch() {
	echo "--- $(now): $XENSTORED $* $XENSTORED_ARGS" >> "$DAEMON_LOG"
	# shellcheck disable=SC2086
	"$XENSTORED" "$@" $XENSTORED_ARGS >> "$DAEMON_LOG" 2>&1 &
	echo $! > "$E2E_RUN/daemon.pid"
	_t0=$(now)
	clock
	_deadline=$((UP + E2E_WAIT))
	until socket_ready; do
		daemon_alive || { say "daemon exited"; return 1; }
		clock
		[ "$UP" -lt "$_deadline" ] || { say "daemon socket not ready"; return 1; }
		usleep 250000
	done
	say "daemon $XENSTORED_NAME pid $(daemon_pid) ready in $(elapsed "$_t0") s"
}

# --- xenconsoled -----------------------------------------------------------

console_start() {
	xenconsoled -i --log=guest --log-dir="$CONSOLE_DIR" \
	    > /var/log/xen/xenconsoled.log 2>&1 &
	echo $! > "$E2E_RUN/xenconsoled.pid"
	usleep 200000
	kill -0 "$(cat "$E2E_RUN/xenconsoled.pid")" 2>/dev/null
}

console_alive() { kill -0 "$(cat "$E2E_RUN/xenconsoled.pid")" 2>/dev/null; }

# --- the store -------------------------------------------------------------

# store_paths FILE: every node path, sorted, into FILE. The empty parents
# /vm and /libxl are left out: libxl creates them with the first domain and
# never removes them.
store_paths() {
	timeout 60 xenstore-ls -f / > "$1.raw" || return 1
	sed 's/ = .*//' "$1.raw" | grep -v -x -e /vm -e /libxl | LC_ALL=C sort > "$1"
	rm -f "$1.raw"
}

# watch_start NAME PATH: a background xenstore-watch writing
# $E2E_RUN/NAME.watch; returns once the watch is registered (initial event).
watch_start() {
	timeout $((E2E_WAIT * 5)) xenstore-watch "$2" > "$E2E_RUN/$1.watch" 2>&1 &
	echo $! > "$E2E_RUN/$1.watchpid"
	wait_until "$E2E_WAIT" has_lines "$E2E_RUN/$1.watch" 1
}

watch_stop() { kill "$(cat "$E2E_RUN/$1.watchpid")" 2>/dev/null || true; }

# dom0_initialised: what xenstored and xen-init-dom0 must have created.
dom0_initialised() {
	for p in /local/domain/0 /local/domain/0/name /local/domain/0/domid \
	    /tool /local; do
		xs_exists "$p" || fail "dom0 tree: $p missing"
	done
	[ "$(xs_read /local/domain/0/name)" = Domain-0 ] ||
	    fail "dom0 tree: name is '$(xs_read /local/domain/0/name)'"
	[ "$(xs_read /local/domain/0/domid)" = 0 ] || fail "dom0 tree: domid"
	timeout 30 xl list > "$E2E_RUN/xl-list" 2>&1 || fail "xl list: $(cat "$E2E_RUN/xl-list")"
	grep -q '^Domain-0 ' "$E2E_RUN/xl-list" || fail "xl list shows no Domain-0"
}

# verify_store BASELINE DEAD_DOMID...: the store after guests are gone.
# BASELINE is a store_paths file taken before the guests existed.
verify_store() {
	_base=$1
	shift
	timeout 60 xenstore-ls -fp / > "$E2E_RUN/tree.perms" ||
	    fail "xenstore-ls -fp / failed"
	for _d in "$@"; do
		grep -q "^/local/domain/${_d}[/ ]" "$E2E_RUN/tree.perms" &&
		    fail "/local/domain/$_d still exists"
		if grep -E "[(,][nrwb]${_d}[,)]" "$E2E_RUN/tree.perms" > "$E2E_RUN/leftover"; then
			fail "permissions still name dead domain $_d: $(head -n 3 "$E2E_RUN/leftover")"
		fi
	done
	store_paths "$E2E_RUN/tree.after" || fail "xenstore-ls -f / failed"
	if ! diff "$_base" "$E2E_RUN/tree.after" > "$E2E_RUN/tree.diff"; then
		cat "$E2E_RUN/tree.diff"
		fail "node set differs from baseline ($(wc -l < "$_base") -> $(wc -l < "$E2E_RUN/tree.after") nodes)"
	fi
	daemon_check || fail "daemon check: $(cat "$E2E_RUN/check.out" 2>/dev/null)"
	say "store verified: $(wc -l < "$E2E_RUN/tree.after") nodes as at baseline, no trace of domains $*, check: $(cat "$E2E_RUN/check.out" 2>/dev/null)"
}

# --- guests ----------------------------------------------------------------

# guest_create NAME MODE [EXTRA]: xl create a guest; prints its domid.
# With XL_CREATE_FLAGS=-p the guest is left paused.
XL_CREATE_FLAGS=
guest_create() {
	sed -e "s|@NAME@|$1|g" -e "s|@MODE@|$2|g" -e "s|@EXTRA@|${3:-} $E2E_GUEST_ARGS|g" \
	    -e "s|@MEM@|$E2E_GUEST_MEM|g" -e "s|@WAIT@|$E2E_WAIT|g" \
	    /e2e/guest.cfg.in > "$E2E_RUN/$1.cfg"
	# shellcheck disable=SC2086
	timeout "$E2E_WAIT" xl create $XL_CREATE_FLAGS "$E2E_RUN/$1.cfg" \
	    > "/var/log/xen/xl-create-$1.log" 2>&1 ||
	    fail "xl create $1: $(tail -n 5 "/var/log/xen/xl-create-$1.log")"
	timeout 30 xl domid "$1" 2>/dev/null || fail "xl domid $1"
}

guest_console() { echo "$CONSOLE_DIR/guest-$1.log"; }

guest_said() { grep -q "E2E-GUEST: $1 $2" "$(guest_console "$1")" 2>/dev/null; }

guest_lines() { grep "E2E-GUEST: $1" "$(guest_console "$1")" 2>/dev/null | tail -n "${2:-3}" | tr '\n' ' '; }

# guest_failed NAME DOMID: the guest reported a failure.
guest_failed() {
	case $(xs_read "/local/domain/$2/data/e2e-result") in FAIL*) return 0 ;; esac
	guest_said "$1" FAIL
}

guest_fail() {
	fail "guest $1 (domain $2): $*; console: $(guest_lines "$1")"
}

# guest_ready NAME DOMID [SECONDS]: wait (default E2E_WAIT) until the guest
# has set its watch and written data/e2e-ready.
guest_ready_or_failed() {
	node_is "/local/domain/$2/data/e2e-ready" "$2" || guest_failed "$1" "$2"
}
guest_ready() {
	watch_wait "/local/domain/$2/data" "${3:-$E2E_WAIT}" guest_ready_or_failed "$1" "$2" ||
	    guest_fail "$1" "$2" "never became ready"
	guest_failed "$1" "$2" && guest_fail "$1" "$2" "failed"
	return 0
}

# guest_ping NAME DOMID TOKEN: write TOKEN to the guest's data/e2e-ping
# (the guest is watching it) and wait for TOKEN-ack in data/e2e-reply.
guest_answered() {
	node_is "/local/domain/$2/data/e2e-reply" "$3-ack" || guest_failed "$1" "$2"
}
guest_ping() {
	xs_write "/local/domain/$2/data/e2e-ping" "$3" ||
	    fail "write /local/domain/$2/data/e2e-ping"
	watch_wait "/local/domain/$2/data" "$E2E_WAIT" guest_answered "$1" "$2" "$3" ||
	    guest_fail "$1" "$2" "did not answer $3 (reply: '$(xs_read "/local/domain/$2/data/e2e-reply")')"
	guest_failed "$1" "$2" && guest_fail "$1" "$2" "failed"
	return 0
}

# guest_report NAME DOMID: wait for data/e2e-result, then for the guest's
# PASS line on its console (xenconsoled's log).
guest_has_result() {
	xs_exists "/local/domain/$2/data/e2e-result" || guest_said "$1" PASS ||
	    guest_said "$1" FAIL
}
guest_report() {
	watch_wait "/local/domain/$2/data" "$E2E_WAIT" guest_has_result "$1" "$2" ||
	    guest_fail "$1" "$2" "no data/e2e-result"
	guest_failed "$1" "$2" && guest_fail "$1" "$2" "failed"
	wait_until 30 guest_said "$1" PASS ||
	    guest_fail "$1" "$2" "wrote PASS but no PASS line on its console"
}

# guest_gone NAME DOMID: wait until the domain and its home are gone.
guest_gone() {
	watch_wait "/local/domain/$2" "$E2E_WAIT" node_gone "/local/domain/$2" ||
	    fail "/local/domain/$2 ($1) still exists"
	wait_until "$E2E_WAIT" domain_gone "$1" || fail "domain $1 still exists"
}

domain_gone() { ! timeout 30 xl domid "$1" > /dev/null 2>&1; }

# --- diagnostics -----------------------------------------------------------

dump_file() {
	[ -f "$1" ] || return 0
	echo "----- $1 (last ${2:-40} lines)"
	tail -n "${2:-40}" "$1"
}

dump_diagnostics() {
	echo "===== E2E diagnostics"
	if daemon_alive 2>/dev/null; then
		echo "daemon alive, rss $(daemon_rss) KiB"
	else
		echo "daemon NOT running"
	fi
	dump_file "$DAEMON_LOG" "${E2E_LOG_LINES:-40}"
	if command -v daemon_diag > /dev/null 2>&1; then
		daemon_diag 2>&1
	fi
	dump_file /var/log/xen/xen-init-dom0.log
	dump_file /var/log/xen/xenconsoled.log
	for f in /var/log/xen/xl-*.log "$CONSOLE_DIR"/*.log; do
		dump_file "$f" 30
	done
	echo "----- xl list"
	timeout 20 xl list 2>&1
	echo "----- xenstore-ls -fp / (first 150 lines)"
	timeout 20 xenstore-ls -fp / 2>&1 | head -n 150
	echo "----- dmesg (last 30 lines)"
	dmesg | tail -n 30
	echo "===== end of diagnostics"
}

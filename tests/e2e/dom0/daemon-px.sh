# shellcheck shell=sh
# Daemon profile: pxenstored, sourced by dom0's init. It takes the C
# daemon's command line:
#   -N   stay in the foreground (init keeps its pid)
#   -F   pid file, as launch-xenstore passes it

daemon_start() {
	daemon_launch -N -F /run/xen/xenstored.pid
}

# Restart after kill -9 (only run when E2E_RESTART=1): the same command line
# plus E2E_RESTART_ARGS; the daemon must pick up the store, the domains and
# their rings, watches included.
daemon_restart() {
	# shellcheck disable=SC2086
	daemon_launch -N -F /run/xen/xenstored.pid $E2E_RESTART_ARGS
}

# The consistency check: XS_CONTROL "check" must succeed and answer OK (or
# nothing); any other text is taken as a report of problems.
daemon_check() {
	timeout 60 xenstore-control check > "$E2E_RUN/check.out" 2>&1 || return 1
	grep -qx 'OK' "$E2E_RUN/check.out" || [ ! -s "$E2E_RUN/check.out" ]
}

# Diagnostics on failure: the daemon's own report (connections, queued
# output, buffered input) and the end of the access log when XENSTORED_ARGS
# asked for one with -T /var/log/xen/xenstored-trace.log.
daemon_diag() {
	echo "----- xenstore-control memreport"
	rm -f "$E2E_RUN/memreport"
	timeout 20 xenstore-control memreport "$E2E_RUN/memreport" > /dev/null 2>&1
	cat "$E2E_RUN/memreport" 2>/dev/null
	dump_file /var/log/xen/xenstored-trace.log "${E2E_LOG_LINES:-40}"
}

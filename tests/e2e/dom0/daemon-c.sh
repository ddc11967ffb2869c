# shellcheck shell=sh
# Daemon profile: Xen's C xenstored (4.17), sourced by dom0's init.
#   -N   stay in the foreground (init keeps its pid)
#   -F   pid file, as launch-xenstore passes it

daemon_start() {
	daemon_launch -N -F /run/xen/xenstored.pid
}

# Restart after kill -9: the same command line plus E2E_RESTART_ARGS.
daemon_restart() {
	# shellcheck disable=SC2086
	daemon_launch -N -F /run/xen/xenstored.pid $E2E_RESTART_ARGS
}

# The consistency check: XS_CONTROL "check" (the 4.17 daemon repairs what it
# finds and answers OK).
daemon_check() {
	timeout 60 xenstore-control check > "$E2E_RUN/check.out" 2>&1 || return 1
	grep -qx 'OK' "$E2E_RUN/check.out" || [ ! -s "$E2E_RUN/check.out" ]
}

# shellcheck shell=sh
# Daemon profile: Xen's oxenstored (4.17), sourced by dom0's init.
#   --no-fork       stay in the foreground (init keeps its pid)
#   --config-file   written below: Debian's defaults, logs under /var/log/xen
#   --pid-file      as launch-xenstore passes it

OXENSTORED_CONF=/etc/xen/oxenstored.conf

oxenstored_conf() {
	cat > "$OXENSTORED_CONF" <<CONF
pid-file = /run/xen/oxenstored.pid
merge-activate = true
perms-activate = true
perms-watch-activate = true
quota-activate = true
quota-maxentity = 1000
quota-maxsize = 2048
quota-maxwatch = 100
quota-transaction = 10
quota-maxrequests = 1024
quota-maxoutstanding = 1024
quota-maxwatchevents = 1024
persistent = false
xenstored-log-file = /var/log/xen/oxenstored.log
xenstored-log-level = warn
access-log-file = /var/log/xen/oxenstored-access.log
xenstored-kva = /proc/xen/xsd_kva
xenstored-port = /proc/xen/xsd_port
CONF
}

daemon_start() {
	oxenstored_conf
	daemon_launch --no-fork --config-file "$OXENSTORED_CONF" \
	    --pid-file /run/xen/xenstored.pid
}

daemon_restart() {
	# shellcheck disable=SC2086
	daemon_launch --no-fork --config-file "$OXENSTORED_CONF" \
	    --pid-file /run/xen/xenstored.pid $E2E_RESTART_ARGS
}

# oxenstored has no consistency check: its DEBUG (type 0) answers OK to any
# unknown command, so "check" proves nothing. The generic verification
# (tree walk, node set, permissions) is all there is.
daemon_check() {
	echo "none (oxenstored has no check command)" > "$E2E_RUN/check.out"
}

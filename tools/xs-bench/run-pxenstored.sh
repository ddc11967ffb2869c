#!/bin/sh
# run-pxenstored.sh: start a private pxenstored (socket only, foreground,
# in a fresh temporary directory), run xs-bench against it, stop it.
#
# usage: run-pxenstored.sh PXENSTORED XS_BENCH [XS_BENCH ARGS...]
# Exit status: xs-bench's, or 2 if the daemon did not come up.
set -u
[ $# -ge 2 ] || { echo "usage: $0 PXENSTORED XS_BENCH [ARGS...]" >&2; exit 2; }
daemon=$1
bench=$2
shift 2
dir=$(mktemp -d "${TMPDIR:-/tmp}/xs-bench.XXXXXX") || exit 2
"$daemon" -N -D --socket "$dir/socket" >"$dir/daemon.log" 2>&1 &
pid=$!
i=0
while [ ! -S "$dir/socket" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
		echo "$0: the daemon did not start; its log:" >&2
		cat "$dir/daemon.log" >&2
		kill $pid 2>/dev/null
		rm -rf "$dir"
		exit 2
	fi
	sleep 0.05
done
"$bench" -s "$dir/socket" "$@"
rc=$?
kill $pid 2>/dev/null
wait $pid 2>/dev/null
rm -rf "$dir"
exit $rc

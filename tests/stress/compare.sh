#!/bin/sh
# tests/stress/compare.sh: run xs-stress RUNS times per daemon and guest
# count and print the median of each measure (not part of make check).
#
# usage: compare.sh [-r RUNS] [-g "160 1000"] [-s SCENARIOS] [-t SECS]
#            [-T PHASE_TIMEOUT] XS_STRESS DAEMON_CMD...
# e.g.   compare.sh build/release/bin/xs-stress \
#            "build/release/bin/pxenstored -N" \
#            "/usr/lib/xen-4.17/bin/xenstored -N" \
#            /usr/lib/xen-4.17/bin/oxenstored
set -u
runs=3
guests="160 1000"
scen=boot-storm,steady
secs=10
limit=600
while getopts r:g:s:t:T: o; do
	case $o in
	r) runs=$OPTARG ;;
	g) guests=$OPTARG ;;
	s) scen=$OPTARG ;;
	t) secs=$OPTARG ;;
	T) limit=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "usage: $0 [-r N] [-g LIST] XS_STRESS CMD..." >&2; exit 2; }
xs=$1
shift
out=$(mktemp -d "${TMPDIR:-/tmp}/xs-compare.XXXXXX") || exit 1
# The conditions of the measurement: machine, load, date.
{
	date -u '+# %Y-%m-%d %H:%M:%S UTC'
	echo "# $(uname -srm), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/conditions" >&2
for cmd in "$@"; do
	for n in $guests; do
		i=1
		while [ $i -le "$runs" ]; do
			echo "# $cmd, $n guests, run $i" >&2
			TMPDIR=$out timeout 3600 "$xs" --daemon "$cmd" \
			    --guests "$n" --scenario "$scen" --duration "$secs" \
			    --no-progress --csv --seed "$i" --timeout "$limit" \
			    2>"$out/err" |
			    sed -n '2,$p' | sed "s|^|$cmd,|" >>"$out/all.csv"
			grep "^xs-stress: " "$out/err" >&2
			echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
			cat "$out/err" >>"$out/log"
			rm -rf "$out"/xs-stress.*
			i=$((i + 1))
		done
	done
done
# cmd,daemon,scenario,guests,seconds,ops,ops_per_s,p50_us,p99_us,eagain,
# failures,rss_kb,hwm_kb,guest_ops,dom0_ops,dom0_p50_us,dom0_p99_us,events,
# daemon_cpu_s,xs_stress_cpu_s: medians per (cmd, scenario, guests), the
# failures summed.
echo "daemon,scenario,guests,runs,seconds,ops_per_s,p50_us,p99_us,eagain,failures,rss_kb,hwm_kb,daemon_cpu_s"
cut -d, -f1,3,4 "$out/all.csv" | sort -u | while IFS=, read -r c s n; do
	awk -F, -v c="$c" -v s="$s" -v n="$n" '
	$1 == c && $3 == s && $4 == n {
		k++; t[k] = $5; r[k] = $7; p5[k] = $8; p9[k] = $9;
		e[k] = $10; m[k] = $12; h[k] = $13; u[k] = $19; fs += $11
	}
	function med(a, k,   i, j, x, b) {
		for (i = 1; i <= k; i++) b[i] = a[i] + 0
		for (i = 2; i <= k; i++) {
			x = b[i]; j = i - 1
			while (j > 0 && b[j] > x) { b[j + 1] = b[j]; j-- }
			b[j + 1] = x
		}
		return k % 2 ? b[(k + 1) / 2] : (b[k / 2] + b[k / 2 + 1]) / 2
	}
	END {
		if (k == 0) exit
		printf "%s,%s,%s,%d,%.2f,%.0f,%.1f,%.1f,%.0f,%d,%.0f,%.0f,%.2f\n",
		    c, s, n, k, med(t, k), med(r, k), med(p5, k), med(p9, k),
		    med(e, k), fs, med(m, k), med(h, k), med(u, k)
	}' "$out/all.csv"
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# raw results: $out/all.csv, log: $out/log" >&2

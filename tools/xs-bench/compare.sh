#!/bin/sh
# compare.sh: pxenstored against Debian's C xenstored with xs-bench, in
# interleaved rounds (A B A B ...), each daemon started fresh every round.
#
# usage: compare.sh [-r ROUNDS] [-o OUTDIR] [-t TESTS] [CONFIG...]
#        compare.sh -s RAW.CSV          (only the summary of a raw.csv)
#   CONFIG is CLIENTS:IDLE:REQUESTS (default: 1:0:50000 16:0:100000
#   1:10000:1000 16:10000:10000); each runs xs-bench -t TESTS (default
#   read,write).
# Environment: BUILD (default build/release), XS_BENCH, PXENSTORED,
#   XENSIM, C_XENSTORED (default /usr/lib/xen-4.17/bin/xenstored),
#   XS_BENCH_ARGS (extra xs-bench arguments, e.g. "-d 64").
#
# The C daemon of Xen 4.17 crashes on the first request when started with
# -D (no dom0 ring: its database is never set up), so it runs under the
# simulated Xen (tools/xensim) with its dom0 ring, as on a real host; the
# simulation only redirects file and socket paths, not the I/O path.
# pxenstored runs as documented: -N -D --socket.
#
# Output in OUTDIR (default a new directory under /tmp): raw.csv (every
# run: round,daemon,load1,<xs-bench CSV with daemon_cpu_us>), and
# summary.txt (medians over the rounds, and ratios).
set -u
rounds=3
out=
tests=read,write
summary_only=
while getopts r:o:t:s: o; do
	case $o in
	r) rounds=$OPTARG ;;
	o) out=$OPTARG ;;
	t) tests=$OPTARG ;;
	s) summary_only=$OPTARG ;;
	*) echo "usage: $0 [-r ROUNDS] [-o OUTDIR] [-t TESTS] [CONFIG...]" \
	    "| -s RAW.CSV" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
# Medians per daemon, op, clients and idle; then the ratios.
summarize() {
	awk -F, '
	function r(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.3g", x) }
	function median(key,   n, i, j, t, a) {
		n = split(vals[key], a, " ")
		for (i = 2; i <= n; i++)	# insertion sort, n is small
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NR == 1 { next }
	{
		cfg = $4 "," $5 "," $7
		if (!(cfg in seen)) { seen[cfg] = 1; order[++ncfg] = cfg }
		for (f = 9; f <= 18; f++)
			if (f == 9 || f == 10 || f == 11 || f == 18)
				vals[$2 "," cfg "," f] = vals[$2 "," cfg "," f] " " $f
		nrounds[$2 "," cfg]++
		loads = loads " " $3
	}
	END {
		printf "%-17s %7s %6s | %9s %8s %8s %7s | %9s %8s %8s %8s | %7s %7s %7s %7s\n",
		    "op", "clients", "idle", "px ops/s", "px p50", "px p99",
		    "px cpu", "C ops/s", "C p50", "C p99", "C cpu",
		    "ops", "p50", "p99", "cpu"
		for (i = 1; i <= ncfg; i++) {
			cfg = order[i]
			split(cfg, k, ",")
			for (d = 1; d <= 2; d++) {
				dn = d == 1 ? "px" : "c"
				rps[d] = median(dn "," cfg ",9")
				p50[d] = median(dn "," cfg ",10")
				p99[d] = median(dn "," cfg ",11")
				cpu[d] = median(dn "," cfg ",18")
			}
			printf "%-17s %7s %6s | %9.0f %8.1f %8.1f %7.2f | %9.0f %8.1f %8.1f %8.2f | %7s %7s %7s %7s\n",
			    k[1], k[2], k[3], rps[1], p50[1], p99[1], cpu[1],
			    rps[2], p50[2], p99[2], cpu[2],
			    r(rps[2] ? rps[1] / rps[2] : 0),
			    r(p50[1] ? p50[2] / p50[1] : 0),
			    r(p99[1] ? p99[2] / p99[1] : 0),
			    r(cpu[1] ? cpu[2] / cpu[1] : 0)
		}
		n = split(loads, l, " "); lo = 1e9; hi = 0
		for (i = 1; i <= n; i++) { if (l[i] + 0 < lo) lo = l[i] + 0; if (l[i] + 0 > hi) hi = l[i] + 0 }
		printf "\nmedians of %d rounds; latencies in us; cpu = daemon CPU us per request;\n", nrounds["px," order[1]]
		printf "ratios, pxenstored better above 1: ops = px/C throughput,\n"
		printf "p50, p99, cpu = C/px latency and CPU per request;\n"
		printf "1-minute load average at the runs: %.2f .. %.2f\n", lo, hi
	}' "$1"
}
if [ -n "$summary_only" ]; then
	summarize "$summary_only"
	exit
fi
configs=${*:-"1:0:50000 16:0:100000 1:10000:1000 16:10000:10000"}
build=${BUILD:-build/release}
bench=${XS_BENCH:-$build/bin/xs-bench}
px=${PXENSTORED:-$build/bin/pxenstored}
xensim=${XENSIM:-$build/bin/xensim}
cxs=${C_XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
for f in "$bench" "$px" "$xensim" "$cxs"; do
	[ -x "$f" ] || { echo "$0: $f: not executable" >&2; exit 2; }
done
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/xs-compare.XXXXXX")
mkdir -p "$out" || exit 2
raw=$out/raw.csv
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-compare-run.XXXXXX") || exit 2
pid=

stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

# start px|c: a fresh daemon; sets pid and sock.
start() {
	rm -rf "$work/d"
	mkdir -p "$work/d"
	case $1 in
	px)
		sock=$work/d/socket
		"$px" -N -D --socket "$sock" >"$work/d/log" 2>&1 &
		pid=$!
		;;
	c)
		sock=$work/d/sim/socket
		"$xensim" init "$work/d/sim" || exit 2
		env -u XENSTORED_PATH -u XENSTORED_RUNDIR "$xensim" run \
		    "$work/d/sim" -- "$cxs" -N >"$work/d/log" 2>&1 &
		pid=$!
		;;
	esac
	i=0
	until XENSTORED_PATH=$sock xenstore-read / >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "$0: daemon $1 did not start:" >&2
			cat "$work/d/log" >&2
			exit 2
		fi
		sleep 0.05
	done
}

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -r), $(nproc) CPUs," \
    "rounds $rounds, tests $tests, configs $configs," \
    "xs-bench args: ${XS_BENCH_ARGS:-none}" >"$out/header.txt"
echo "round,daemon,load1,op,clients,pipeline,idle,requests,rps,p50_us," \
    "p99_us,p999_us,max_us,errors,eagain,giveups,max_retries," \
    "daemon_cpu_us" | tr -d ' ' >"$raw"
status=0
r=1
while [ $r -le "$rounds" ]; do
	for d in px c; do
		start $d
		for cfg in $configs; do
			IFS=: read -r c idle n <<EOF
$cfg
EOF
			load=$(cut -d' ' -f1 /proc/loadavg)
			# shellcheck disable=SC2086
			if ! "$bench" -s "$sock" --pid "$pid" -t "$tests" \
			    -c "$c" -n "$n" --idle "$idle" --csv \
			    ${XS_BENCH_ARGS:-} >"$work/run.csv" \
			    2>"$work/run.err"; then
				echo "$0: round $r $d $cfg failed:" >&2
				cat "$work/run.err" >&2
				status=1
			fi
			sed -n "2,\$s/^/$r,$d,$load,/p" "$work/run.csv" >>"$raw"
			tail -n +2 "$work/run.csv" | sed "s/^/round $r $d load $load: /" >&2
		done
		stop
	done
	r=$((r + 1))
done

summarize "$raw" >"$out/summary.txt"
cat "$out/header.txt" "$out/summary.txt"
echo "raw numbers: $raw"
exit $status

#!/bin/sh
# tools/bench/report.sh: the document and the plot from bench.sh's raw
# figures.
#
# usage: report.sh RAW.CSV DOC.md PLOT.png
# The run's parameters come in the environment (bench.sh sets them); the
# machine is described from /proc and uname, the load average from the
# samples bench.sh took ($WORK/loadavg).  Layout and verdicts are in
# report.awk; the plot in plot.gp.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 3 ] || { echo "usage: $0 RAW DOC PLOT" >&2; exit 2; }
raw=$1
doc=$2
# (gnuplot runs in the temporary directory: an absolute path)
plot=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pxreport.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# Medians, ranges, counts: workload,metric,kind,n,median,min,max.
awk -F, '
NR == 1 { next }
{
	k = $3 "," $4 "," $2
	if (!(k in v)) order[++nk] = k
	v[k] = v[k] " " $5
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		n = split(v[k], a, " ")
		for (x = 2; x <= n; x++)
			for (y = x; y > 1 && a[y - 1] + 0 > a[y] + 0; y--) {
				t = a[y]; a[y] = a[y - 1]; a[y - 1] = t
			}
		m = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		print k "," n "," m "," a[1] "," a[n]
	}
}' "$raw" >"$tmp/stats.csv"

# The machine.
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
kernel="$(uname -sr) $(uname -m)"
loads=$(awk '{ print $1 }' "${WORK:-.}/loadavg" 2>/dev/null | sort -n |
    awk '{ a[NR] = $1 } END {
	if (NR) printf "%s / %s / %s (%d samples)", a[1], a[int((NR + 1) / 2)], a[NR], NR
    }')
xenver=$(dpkg-query -W -f='${Version}' xen-utils-4.17 2>/dev/null)
commit=${BENCH_COMMIT:-$(git -C "$here" rev-parse --short HEAD 2>/dev/null)}
dirty=$(git -C "$here" status --porcelain -- xenstored libtrie include \
    2>/dev/null | head -1)
[ -n "$dirty" ] && commit="$commit (with local changes)"
storm_missing=
[ -f "${WORK:-.}/storm.missing" ] && storm_missing=1

# Plot data, then the plot.  A plot that fails does not lose the run's
# document: it is written anyway, and the status is 1.
rc=0
awk -F, -v dir="$tmp" -f "$here/plotdata.awk" "$tmp/stats.csv"
if (cd "$tmp" && gnuplot -e "out='$plot.tmp'" "$here/plot.gp") \
    >"$tmp/gnuplot.log" 2>&1; then
	mv "$plot.tmp" "$plot"
else
	echo "$0: gnuplot failed:" >&2
	cat "$tmp/gnuplot.log" >&2
	rm -f "$plot.tmp"
	rc=1
fi

awk -F, -f "$here/report.awk" \
    -v quick="${QUICK:-}" -v rounds="${ROUNDS:-1}" \
    -v elapsed="${ELAPSED:-0}" -v date="$(date -u +%Y-%m-%d)" \
    -v cpu="$cpu" -v cores="$cores" -v mem="$mem" -v os="$os" \
    -v kernel="$kernel" -v loads="$loads" -v xenver="$xenver" \
    -v commit="$commit" -v plotname="$(basename "$plot")" \
    -v clients="${CLIENTS:-}" -v idle="${IDLE:-}" -v guests="${GUESTS:-}" \
    -v icfp_tx="${ICFP_TX:-}" -v icfp_sleep_ms="${ICFP_SLEEP_MS:-}" \
    -v icfp_sleep_tx="${ICFP_SLEEP_TX:-}" -v fanout="${FANOUT:-}" \
    -v n_fanout="${N_FANOUT:-}" -v dir_children="${DIR_CHILDREN:-}" \
    -v tree_sizes="${TREE_SIZES:-}" -v tree_skip="${TREE_SKIP_KINDS:-}" \
    -v tree_once="${TREE_ONCE:-}" -v storm_guests="${STORM_GUESTS:-}" \
    -v storm_missing="$storm_missing" -v cg_n="${CG_N:-}" \
    -v n_fast="${N_FAST:-}" -v n_slow="${N_SLOW:-}" -v n_hot="${N_HOT:-}" \
    -v n_pipe="${N_PIPE:-}" -v n_watch="${N_WATCH:-}" \
    -v failures="${WORK:-.}/failures" -v timeouts="${WORK:-.}/timeouts" \
    -v trie_csv="${TRIE_CSV:-}" -v persist_csv="${PERSIST_CSV:-}" \
    -v lu_md="${LU_MD:-}" \
    -v earlier="$here/earlier.txt" -v notes="$here/notes.md" \
    -v budget_stop="${BUDGET_STOP:-}" -v xsb_limit="${XSB_LIMIT:-}" \
    -v xs_stress_from="${XS_STRESS_FROM:-}" -v note="${BENCH_NOTE:-}" \
    "$tmp/stats.csv" >"$doc.tmp" || exit 1
mv "$doc.tmp" "$doc"
exit $rc

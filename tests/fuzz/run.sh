#!/bin/sh
# run.sh FUZZER CORPUS WORK ARTIFACTS SECONDS MAXLEN [DICT]
#
# One libFuzzer run (make fuzz, make fuzz-smoke): the committed corpus is
# copied into the working directory WORK (kept between runs, so it grows),
# the fuzzer runs for SECONDS on it, findings go to ARTIFACTS*.  Prints
# the run's totals; exits non-zero on a crash, leak, timeout or sanitizer
# report (the fuzzer's log is then shown whole).
set -u
fuzzer=$1 corpus=$2 work=$3 artifacts=$4 secs=$5 maxlen=$6 dict=${7:-}
name=$(basename "$fuzzer")
mkdir -p "$work" "$(dirname "$artifacts")"
cp "$corpus"/* "$work"/
log="$work.log"
set -- -max_total_time="$secs" -max_len="$maxlen" -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts"
[ -n "$dict" ] && [ -f "$dict" ] && set -- "$@" -dict="$dict"
echo "== $name: $secs s on $work"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$fuzzer" "$@" "$work" \
    > "$log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	cat "$log"
	echo "$name: FAILED (exit $rc); the input is in $(dirname "$artifacts")" >&2
	exit 1
fi
# the totals: executions, speed, coverage, corpus
grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" |
    tr '\n' ' '
grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1
exit 0

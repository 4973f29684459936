#!/bin/bash
# make bench: every benchmark in bench/, each printing its own table, then
# a summary of the headline figures (each benchmark appends
# "figure|value|target|verdict" rows to $BENCH_SUMMARY). Sizes come from
# environment variables named in each script's header.
set -u
cd "$top_builddir" || exit 1
if [ "$(id -u)" != 0 ]; then echo "make bench runs as root (it uses the test accounts and namespaces)"; exit 1; fi
# The test accounts exist only in tests/testenv.sh's private mount namespace.
[ -n "${PR_TESTENV:-}" ] || exec bash "$top_srcdir/tests/testenv.sh" bash "$0" "$@"
BENCH_SUMMARY=$(mktemp) || exit 1
export BENCH_SUMMARY
trap 'rm -f "$BENCH_SUMMARY"' EXIT
start=$(date +%s)
echo "PracticeRunner benchmarks, $(date -u +%Y-%m-%d), $(uname -m), $(nproc) CPUs," \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
for b in "$top_srcdir"/bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo; echo "== $(basename "$b" .sh)"
	bash "$b" || { rc=1; printf '%s|%s|%s|%s\n' "$(basename "$b" .sh)" "FAILED" "-" "FAILED" >> "$BENCH_SUMMARY"; }
done
echo; echo "== summary ($(( $(date +%s) - start )) s)"
awk -F'|' '{printf "%-56s %-44s %-9s %s\n", $1, $2, $3, $4}
	BEGIN {printf "%-56s %-44s %-9s %s\n", "figure", "measured (ratio first)", "target", "verdict"}' "$BENCH_SUMMARY"
grep -q "MISSED\|FAILED" "$BENCH_SUMMARY" && rc=1
exit $rc

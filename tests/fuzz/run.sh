#!/bin/sh
# Run one libFuzzer harness: run.sh NAME SECONDS (from the build directory;
# top_srcdir in the environment). The seed corpus tests/fuzz/corpus/NAME is
# copied into tests/fuzz/work/NAME, which takes the new inputs (the seeds
# stay as committed); a crash goes to tests/fuzz/artifacts/NAME-*, the log
# to tests/fuzz/NAME.log. Exit status: the harness's (0: nothing found).
set -u
name=$1
seconds=$2
src=${top_srcdir:?}
work=tests/fuzz/work/$name
rm -rf "$work"
mkdir -p "$work" tests/fuzz/artifacts
cp -R "$src/tests/fuzz/corpus/$name/." "$work/" && chmod -R u+w "$work" || exit 1
dict=
[ -f "$src/tests/fuzz/dict/$name.dict" ] && dict=-dict=$src/tests/fuzz/dict/$name.dict
echo "fuzz: $name for $seconds s"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-} \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-} \
	"./tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 $dict -artifact_prefix="tests/fuzz/artifacts/$name-" \
	"$work" > "tests/fuzz/$name.log" 2>&1
rc=$?
# The last status line: executions, coverage (cov), features, corpus, exec/s.
grep -E '^#[0-9]+' "tests/fuzz/$name.log" | tail -n 1 | sed "s/^/fuzz: $name: /"
grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "tests/fuzz/$name.log" | sed "s/^/fuzz: $name: /"
if [ "$rc" != 0 ]; then
	tail -n 60 "tests/fuzz/$name.log"
	echo "FAIL: fuzz_$name"
	exit 1
fi
echo "PASS: fuzz_$name"

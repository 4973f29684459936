#!/bin/bash
# Recovery-code verification time for a full set of 10 and the brute-force
# cost per guess (bench/bench_codes.c); BENCH_CODE_RUNS (5) of each.
set -u
: "${top_builddir:=$(pwd)}"
exec "$top_builddir/bench/bench_codes"

#!/bin/bash
# The login overhead against the number of enrolled users: populations of
# BENCH_SCALING_SIZES (10 1000 100000) users, BENCH_SCALING_LOGINS (500)
# logins of random pool users each, interleaved; the ratio of the medians
# of the largest to the smallest must stay <= 1.2 (no scan of all users).
set -u
: "${top_builddir:=$(pwd)}"
# shellcheck disable=SC2086  # the sizes are separate arguments
BENCH_LOGINS=${BENCH_SCALING_LOGINS:-500} exec "$top_builddir/bench/bench_signin" scaling \
	${BENCH_SCALING_SIZES:-10 1000 100000}

#!/bin/bash
# Module decision + verification overhead per login, in process, with a
# softkey answering at once (bench/bench_signin.c says how it is measured).
# BENCH_LOGINS (1000) logins; BENCH_USERS (10) enrolled; BENCH_POOL (8)
# accounts signing in; BENCH_DIR (/var/tmp) holds the scratch state.
set -u
: "${top_builddir:=$(pwd)}"
exec "$top_builddir/bench/bench_signin" overhead

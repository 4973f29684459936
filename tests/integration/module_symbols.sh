#!/bin/bash
# The release module exports only the PAM entry points and links no softkey code.
set -u
: "${top_builddir:=$(pwd)}"
MOD=$top_builddir/pam/.libs/pam_practicerunner.so
n=0; failed=0
t() { n=$((n + 1)); if "${@:2}"; then echo "ok $n - $1"; else failed=$((failed + 1)); echo "not ok $n - $1"; fi; }
exports=$(nm -D --defined-only "$MOD" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
t "release module exists" test -f "$MOD"
t "only pam_sm_* exported (got: $exports)" test "$exports" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred "
t "release module has no softkey code" bash -c '! grep -qa -e softkey -e SOFTKEY "$0"' "$MOD"
t "release admin has no softkey code" bash -c '! grep -qa -e PRACTICERUNNER_SOFTKEY "$0"' "$top_builddir/helpers/practicerunner-admin"
t "softkey module exports the same entry points" test "$(nm -D --defined-only "$top_builddir/tests/softkey-build/pam_practicerunner.so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')" = "$exports"
echo "1..$n"
[ $failed = 0 ]

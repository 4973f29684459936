#!/bin/bash
# The release module exports only the PAM entry points and links no softkey
# or hidshim code.
set -u
: "${top_builddir:=$(pwd)}"
MOD=$top_builddir/pam/.libs/pam_practicerunner.so
n=0; failed=0
t() { n=$((n + 1)); if "${@:2}"; then echo "ok $n - $1"; else failed=$((failed + 1)); echo "not ok $n - $1"; fi; }
exports=$(nm -D --defined-only "$MOD" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
t "release module exists" test -f "$MOD"
t "only pam_sm_* exported (got: $exports)" test "$exports" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred "
# Every linked object leaves its file symbol; none may be the softkey's.
no_softkey() { ! nm -a "$1" 2>/dev/null | grep -qi -e 'softkey_' -e 'transport_softkey' && ! grep -qa PRACTICERUNNER_SOFTKEY "$1"; }
t "release module has no softkey code" no_softkey "$MOD"
t "release admin has no softkey code" no_softkey "$top_builddir/helpers/practicerunner-admin"
nodelete() { readelf -d "$1" | grep -q 'FLAGS_1.*NODELETE'; }
t "release module stays loaded after pam_end (-z nodelete)" nodelete "$MOD"
t "softkey module too (the tests load what users load)" nodelete "$top_builddir/tests/softkey-build/pam_practicerunner.so"
has_softkey() { ! no_softkey "$1"; }
t "the softkey build does have it (the check can fail)" has_softkey "$top_builddir/tests/softkey-build/practicerunner-admin"
t "softkey module exports the same entry points" test "$(nm -D --defined-only "$top_builddir/tests/softkey-build/pam_practicerunner.so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')" = "$exports"
# The hidshim (tests/hidshim/) is preloaded by tests only: no release binary
# contains its code or names it in its dynamic section (NEEDED, RPATH, RUNPATH).
no_hidshim() {
	! nm -a "$1" 2>/dev/null | grep -qi -e 'hidshim' &&
		! readelf -d "$1" 2>/dev/null | grep -qi hidshim && ! grep -qa libhidshim "$1"
}
for b in "$MOD" "$top_builddir"/helpers/practicerunner-{admin,enroll,recover,verify,authorized-keys}; do
	t "no hidshim in $(basename "$b")" no_hidshim "$b"
done
has_hidshim() { ! no_hidshim "$1"; }
t "the shim itself does have it (the check can fail)" has_hidshim "$top_builddir/tests/hidshim/.libs/libhidshim.so"
echo "1..$n"
[ $failed = 0 ]

# Shared by the integration tests: TAP output, test users, a private PAM
# service directory, a policy file, and the softkey-linked builds.
# Each test sources this, calls its cases, then done_testing.
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
# As root, every test runs inside tests/testenv.sh (make check does that),
# which lends it the test accounts and leaves none on the machine: a script
# run on its own (make stress, make bench) goes there first.
if [ "$(id -u)" = 0 ] && [ -z "${PR_TESTENV:-}" ]; then
	exec bash "$top_srcdir/tests/testenv.sh" bash "$0" "$@"
fi
SK=$top_builddir/tests/softkey-build
CTL=$top_builddir/tests/softkey/softkey-ctl
PAMRUN=$top_builddir/tests/integration/pamrun
T=$(mktemp -d /tmp/pr-it.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
TAP_N=0
TAP_FAILED=0

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP integration tests need the test accounts and root-owned state: run as root"
	exit 0
fi

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() {
	TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
	[ -f "$T/out" ] && sed 's/^/# /' "$T/out"
}
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
fails() { ! "$@"; }
done_testing() {
	if [ "${TEST_STORE:-files}" = ldap ]; then
		check "TEST_STORE=ldap: the programs used the directory" test "$(slapd_searches)" -gt 0
	fi
	if [ -n "${VG:-}" ]; then
		check "valgrind: no errors, leaks or open descriptors in any run" test ! -s "$T/vg.findings"
		[ -s "$T/vg.findings" ] && sed 's/^/# /' "$T/vg.findings" | head -n 60
	fi
	echo "1..$TAP_N"; [ "$TAP_FAILED" = 0 ]; exit $?
}

# The test accounts (prowner, prowner2, pradmin, prstaff, prstaff2, prexempt;
# groups prowners, pradmins) exist only in tests/testenv.sh's namespace.

mkdir -p "$T/pam.d" "$T/state" "$T/anchors"
chmod 700 "$T/state"
# pam_wrapper wants the fallback service too; deny everything there.
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' > "$T/pam.d/other"
CONF=$T/pr.conf
AUDIT=$T/audit.log

# Tests fail one user's sign-in many times a minute and read each record;
# at the default rate (10 a minute, doc/ARCHITECTURE.md §8.6) most would be
# merged. TEST_AUDIT_RATE= (empty) leaves the audit section out: the defaults.
TEST_AUDIT_RATE=${TEST_AUDIT_RATE-6000}
test_audit_section() {
	[ -z "$TEST_AUDIT_RATE" ] || printf 'audit {\n  failure_records_per_minute = %s\n}\n' "$TEST_AUDIT_RATE"
}

# TEST_STORE=ldap (make check-ldap-store): the test policy keeps per-user
# state in a private slapd (slapd_lib.sh, started here) instead of
# state_dir, for the suites whose checks do not look into state_dir's files.
test_store_section() {
	[ "${TEST_STORE:-files}" = ldap ] || return 0
	printf 'store = ldap\nldap {\n  uri = {"%s"}\n  base = "%s"\n  bind_dn = "%s"\n  bind_password_file = "%s"\n}\n' \
		"$SLAPD_LDAPI" "$SLAPD_BASE" "$SLAPD_BIND_DN" "$SLAPD_PWFILE"
}

# write_policy KEY_REQ PHYS_REQ [UV] [TIMEOUT] [RP]
write_policy() {
	cat > "$CONF" <<EOC
rp_id = "${5:-pam://test-clinic}"
require_security_key = $1
require_physical_key = $2
user_verification = ${3:-discouraged}
touch_timeout = ${4:-5}
state_dir = "$T/state"
audit_log = "$AUDIT"
trust_anchors = "$T/anchors"
exempt = {"prexempt"}
roles {
  owners = {"prowner", "@prowners"}
  admins = {"@pradmins"}
}
$(test_audit_section)
$(test_store_section)
EOC
	chmod 644 "$CONF"
}

# service NAME "module options"  -> pam.d/NAME using the softkey module.
# The module's own code ends the stack (success=done, failures die); only
# PAM_IGNORE falls through, to pam_exec running /bin/false, whose
# PAM_SYSTEM_ERR (never returned by our module) marks "ignored".
service() {
	local m="$SK/pam_practicerunner.so config=$CONF ${2:-}"
	printf '%s\n' \
		"auth [success=done ignore=ignore default=die] $m" \
		"auth required pam_exec.so quiet /bin/false" \
		"account [success=done ignore=ignore default=die] $m" \
		"account required pam_exec.so quiet /bin/false" > "$T/pam.d/$1"
}

# sesman_stack: pam.d/xrdp-sesman as conf/pam.d/xrdp-sesman.example has it,
# the password first (requisite, as Debian's common-auth ends in requisite
# pam_deny) and the module with web_grant after it. pam_wrapper's
# pam_matrix stands in for pam_unix: every test account's password is
# "secret-password" (in $T/passdb only). PAM_MATRIX empty: not installed.
# Auth and account only: a test that checks the session adds its lines.
PAM_MATRIX=$(ls /usr/lib/*/pam_wrapper/pam_matrix.so 2>/dev/null | head -n 1)
sesman_stack() {
	local m="$SK/pam_practicerunner.so config=$CONF web_grant" u
	for u in prowner prowner2 pradmin prstaff prstaff2 prexempt; do
		printf '%s:secret-password:xrdp-sesman\n' "$u"
	done > "$T/passdb"
	printf '%s\n' "auth requisite $PAM_MATRIX passdb=$T/passdb" "auth requisite $m" \
		"account required $m" > "$T/pam.d/xrdp-sesman"
}

# The preload list: a sanitizer runtime first when the build has one.
PRELOAD="${PR_SANITIZER_PRELOAD:+$PR_SANITIZER_PRELOAD }libpam_wrapper.so"

# pwrap CMD...: CMD, which loads pam_wrapper, with a /tmp of its own that
# holds only $T (as root; otherwise CMD as it is). pam_wrapper 1.1 keeps
# its copy of libpam and the services in /tmp/pam.X, X one of 36 fixed
# names, taken by a look-then-create race: two runs starting at once (tests
# run two at a time, and some run sign-ins side by side) can take the same
# one, and the first to end deletes it under the other, whose PAM start or
# sign-in then fails (4 loops side by side failed 7 of 1200 runs). $T is
# bound from the working directory (mount -c: not made absolute, which
# would name the new, empty /tmp).
pwrap() {
	if [ "$(id -u)" != 0 ]; then "$@"; return; fi
	# pam_wrapper starts in every program that preloads it (and an exec'd
	# one never removes its directory): only CMD gets the preload.
	local preload=${LD_PRELOAD:-} wrapper=${PAM_WRAPPER:-}
	local LD_PRELOAD= PAM_WRAPPER=
	unshare -m --propagation private sh -c '
		cd "$0" && mount -t tmpfs -o mode=1777 pwrap /tmp && mkdir -p "$0" &&
		mount -c --bind . "$0" && cd "$1" || exit 125
		preload=$2 wrapper=$3; shift 3
		exec env ${preload:+LD_PRELOAD="$preload"} ${wrapper:+PAM_WRAPPER="$wrapper"} "$@"' \
		"$T" "$PWD" "$preload" "$wrapper" "$@"
}

# With PR_VALGRIND=1 (CI's valgrind stage), pamrun and the admin CLI run
# under memcheck: any error, definite or indirect leak, or a descriptor left
# open beyond what a run of a PAM stack without our module leaves, adds a
# "valgrind:" line to $T/out, which makes expect_pam and vg_ok fail.
VG=
if [ "${PR_VALGRIND:-0}" = 1 ]; then
	VG="valgrind --quiet --log-file=$T/vg.%p --leak-check=full --show-leak-kinds=definite,indirect
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=yes
		--suppressions=$top_srcdir/tests/valgrind.supp"
fi
vg_fds() { grep -c 'Open file descriptor' "$1"; }
# After a run under valgrind: its findings into $T/out; the logs removed.
vg_collect() {
	local log
	[ -n "$VG" ] || return 0
	for log in "$T"/vg.*; do
		[ -e "$log" ] || continue
		grep -q 'ERROR SUMMARY: [1-9]' "$log" && { echo "valgrind: errors"; sed 's/^/valgrind:   /' "$log"; } >> "$T/out"
		[ "$(vg_fds "$log")" -le "$VG_FDS" ] || { echo "valgrind: descriptors left open"; grep -A1 'Open file' "$log" | sed 's/^/valgrind:   /'; } >> "$T/out"
		rm -f "$log"
		# Also for the end of the test: a refusal expected by "fails" must not hide one.
		grep '^valgrind:' "$T/out" >> "$T/vg.findings"
	done
}
vg_ok() { ! grep -q '^valgrind:' "$T/out"; }
# The descriptors a run without our module leaves open (inherited ones, valgrind's log).
if [ -n "$VG" ]; then
	printf 'auth required pam_permit.so\n' > "$T/pam.d/vg-baseline"
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d LD_PRELOAD=$PRELOAD pwrap $VG "$PAMRUN" vg-baseline root auth >/dev/null 2>&1 </dev/null
	VG_FDS=$(vg_fds "$(ls "$T"/vg.* | head -n 1)")
	rm -f "$T"/vg.*
fi

# pam SERVICE USER auth|account DEVICE-STATES  -> prints pamrun output to $T/out
pam() {
	local rc
	PRACTICERUNNER_SOFTKEY=$4 PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d \
		LD_PRELOAD=$PRELOAD pwrap timeout 600 $VG "$PAMRUN" "$1" "$2" "$3" > "$T/out" 2>&1 </dev/null
	rc=$?
	vg_collect
	return $rc
}

# expect_pam CODE SERVICE USER auth|account DEVICE-STATES
expect_pam() {
	local want=$1
	[ "$want" = PAM_IGNORE ] && want=PAM_SYSTEM_ERR    # fell through, see service()
	pam "$2" "$3" "$4" "$5"
	grep -qx "result: $want" "$T/out" && vg_ok
}

# admin DEVICE-STATES ARGS...  (softkey-linked admin CLI with the test policy)
admin() {
	local dev=$1 rc; shift
	PRACTICERUNNER_SOFTKEY=$dev timeout 600 $VG "$SK/practicerunner-admin" --config "$CONF" "$@" \
		> "$T/out" 2>&1 </dev/null
	rc=$?
	vg_collect
	vg_ok && return $rc
	return 99
}

# new_key NAME PROFILE [--pin PIN]  -> state file path in $T
new_key() {
	local name=$1 profile=$2; shift 2
	"$CTL" add --state "$T/$name.key" --profile "$profile" "$@" >/dev/null
}

# last audit record's field value: audit_field FIELD
audit_field() { tail -n 1 "$AUDIT" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
out_has() { grep -q -- "$1" "$T/out"; }

if [ "${TEST_STORE:-files}" = ldap ]; then
	. "$top_srcdir/tests/integration/slapd_lib.sh"
	slapd_start store || { echo "Bail out! slapd did not start"; exit 1; }
fi

#!/bin/bash
# make demo: a clinic's policy enforced by the real module in a real PAM
# stack (pamtester under pam_wrapper), with software security keys.
set -u
: "${top_builddir:=$(pwd)}" "${top_srcdir:=$top_builddir}"
SK=$top_builddir/tests/softkey-build
CTL=$top_builddir/tests/softkey/softkey-ctl
if [ "$(id -u)" != 0 ]; then echo "make demo needs two demo accounts: run it as root"; exit 1; fi
# The demo accounts (drlee, nurse-kim) exist only in tests/testenv.sh's
# private mount namespace: none is left on the machine.
[ -n "${PR_TESTENV:-}" ] || exec bash "$top_srcdir/tests/testenv.sh" bash "$0" "$@"
T=$(mktemp -d /tmp/pr-demo.XXXXXX); chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
# DEMO_BUILD=release (make demo DEMO_BUILD=release): the same steps with the
# binaries users install, the keys shown to them as hidraw FIDO devices by
# tests/hidshim (doc/ARCHITECTURE.md §10.2.1). Release builds trust only the
# configured anchors: the softkey test CA goes there.
PRELOAD=libpam_wrapper.so SHIM=
if [ "${DEMO_BUILD:-softkey}" = release ]; then
	SK=$T/rel; mkdir -m 755 "$SK" "$T/anchors"
	cp "$top_builddir/pam/.libs/pam_practicerunner.so" "$top_builddir/helpers/practicerunner-admin" \
		"$top_builddir/tests/hidshim/.libs/libhidshim.so" "$SK/" || exit 1
	cp "$top_srcdir/tests/softkey/test-ca.pem" "$T/anchors/"
	SHIM=$SK/libhidshim.so PRELOAD="$PRELOAD $SK/libhidshim.so"
fi
# keys STATE-FILES CMD...: CMD with those keys attached, to either build.
keys() {
	if [ "${DEMO_BUILD:-softkey}" = release ]; then
		PR_HIDSHIM_DEVICES=$1 LD_PRELOAD=$SHIM "${@:2}"
	else
		PRACTICERUNNER_SOFTKEY=$1 "${@:2}"
	fi
}
mkdir -p "$T/pam.d" "$T/state"; chmod 700 "$T/state"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' > "$T/pam.d/other"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
policy() {
	cat > "$T/practicerunner.conf" <<EOC
rp_id                = "pam://riverside-clinic"
require_security_key = all-users
require_physical_key = $1
user_verification    = discouraged
touch_timeout        = 5
state_dir            = "$T/state"
audit_log            = "$T/audit.log"
trust_anchors        = "$T/anchors"
roles {
  owners = {"drlee"}
}
EOC
	chmod 644 "$T/practicerunner.conf"
}
admin() { keys "$1" "$SK/practicerunner-admin" --config "$T/practicerunner.conf" "${@:2}"; }
signin() {
	local user=$1 key=$2 rc
	echo "\$ pamtester login $user authenticate   (key: $(basename "$key" .key))"
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d keys "$key" \
		env LD_PRELOAD="$PRELOAD" pamtester login "$user" authenticate </dev/null
	rc=$?
	[ $rc = 0 ] && echo "   -> signed in" || echo "   -> refused"
	return $rc
}
printf 'auth required %s config=%s cue\nauth required pam_permit.so\naccount required %s config=%s\n' \
	"$SK/pam_practicerunner.so" "$T/practicerunner.conf" "$SK/pam_practicerunner.so" "$T/practicerunner.conf" > "$T/pam.d/login"
"$CTL" add --state "$T/drlee-yubikey.key" --profile yubikey5 >/dev/null
"$CTL" add --state "$T/drlee-phone.key" --profile synced >/dev/null
"$CTL" add --state "$T/kim-phone.key" --profile synced >/dev/null
FAIL=0

step "1. Policy loaded: everyone signs in with a security key or passkey"
policy none
admin "" policy check && admin "" policy show

step "2. The owner, drlee, enrolls a physical security key (YubiKey 5) and her phone's passkey"
admin "$T/drlee-yubikey.key" key enroll drlee --label "desk YubiKey" || FAIL=1
admin "$T/drlee-phone.key" key enroll drlee --label "iPhone passkey" || FAIL=1

step "3. Staff member nurse-kim enrolls a synced passkey"
admin "$T/kim-phone.key" key enroll nurse-kim --label "Android passkey" || FAIL=1
admin "" key list

step "4. Both sign in"
signin drlee "$T/drlee-phone.key" || FAIL=1
signin nurse-kim "$T/kim-phone.key" || FAIL=1

step "5. The practice tightens policy: owners must use physical keys (require_physical_key = owners)"
policy owners
admin "" policy show | grep -E 'require_|requirement'
signin drlee "$T/drlee-phone.key" && FAIL=1
echo "   (the owner's synced passkey no longer counts)"
signin drlee "$T/drlee-yubikey.key" || FAIL=1
signin nurse-kim "$T/kim-phone.key" || FAIL=1

step "6. The audit trail (hash-chained) and its check"
cat "$T/audit.log"
admin "" audit verify || FAIL=1
echo
[ $FAIL = 0 ] && echo "demo: every step behaved as the policy says" || echo "demo: a step did not behave as expected"
exit $FAIL

#!/bin/bash
# step_up (sudo and other privileged actions): a fresh touch with user
# verification whatever the user's requirement, recorded as event step-up;
# never PAM_IGNORE. Run as root (the direct path).
. "$top_srcdir/tests/integration/lib.sh"

write_policy none owners
service sudo "step_up cue"
service login cue
service both "step_up opportunistic"
new_key own yubikey5 --pin 4711
new_key stf synced --pin 1234
new_key nopin synced
# admin_pin PIN DEVICE ARGS...: the admin CLI with the key's PIN on stdin
admin_pin() {
	local pin=$1 dev=$2; shift 2
	echo "$pin" | PRACTICERUNNER_SOFTKEY=$dev "$SK/practicerunner-admin" --config "$CONF" "$@" > "$T/out" 2>&1
}
check "setup: owner's physical key" admin_pin 4711 "$T/own.key" key enroll prowner
check "setup: staff passkey with a PIN" admin_pin 1234 "$T/stf.key" key enroll prstaff --force
check "setup: staff2 passkey without a PIN" admin "$T/nopin.key" key enroll prstaff2

check "staff, no requirement, plain login: ignored" expect_pam PAM_IGNORE login prstaff auth "$T/stf.key"
PAMRUN_PIN=1234 check "staff under step_up: touch and PIN sign in" expect_pam PAM_SUCCESS sudo prstaff auth "$T/stf.key"
check "... the PIN was asked" out_has "prompt: PIN for your security key"
check "audit: event step-up" test "$(audit_field event)" = step-up
check "audit: reason step-up" test "$(audit_field reason)" = step-up
check "audit: UV in the signed flags" grep -q "UV" <<<"$(audit_field flags)"
check "staff under step_up, PIN not given: refused" expect_pam PAM_CONV_ERR sudo prstaff auth "$T/stf.key"
check "audit: step-up failure" test "$(audit_field event)/$(audit_field result)" = step-up/failure
PAMRUN_PIN=0000 check "staff under step_up, wrong PIN: refused" expect_pam PAM_AUTH_ERR sudo prstaff auth "$T/stf.key"
check "key without a PIN under step_up: refused" expect_pam PAM_AUTH_ERR sudo prstaff2 auth "$T/nopin.key"
check "... told the key needs a PIN" out_has "needs a PIN"
check "no key enrolled under step_up: refused, not ignored" expect_pam PAM_AUTH_ERR sudo pradmin auth ""
check "... the one sentence" out_has "Security key sign-in did not succeed"
check "no key attached under step_up: refused" expect_pam PAM_AUTH_ERR sudo prstaff auth ""
PAMRUN_PIN=4711 check "owner (physical required) under step_up: signs in" expect_pam PAM_SUCCESS sudo prowner auth "$T/own.key"
check "owner: the PIN was asked" out_has "prompt: PIN for your security key"
check "owner: event step-up" test "$(audit_field event)/$(audit_field class)" = step-up/physical
PAMRUN_PIN=4711 check "owner's passkey is still refused under step_up" expect_pam PAM_AUTH_ERR sudo prowner auth "$T/stf.key"
check "unknown user under step_up: refused as a known one" expect_pam PAM_AUTH_ERR sudo no-such-user auth ""
check "step_up with opportunistic: refused as a configuration error" expect_pam PAM_SERVICE_ERR both prstaff auth "$T/stf.key"
check "account phase under step_up for staff with a key: success" expect_pam PAM_SUCCESS sudo prstaff account ""
check "account phase under step_up for a user without a key: denied" expect_pam PAM_PERM_DENIED sudo pradmin account ""
check "audit verify passes" admin "" audit verify
done_testing

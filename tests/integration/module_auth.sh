#!/bin/bash
# The real module under pam_wrapper with softkey devices: who gets in with
# which key, and every way a sign-in is refused.
. "$top_srcdir/tests/integration/lib.sh"

write_policy all-users owners
service login cue
new_key yk yubikey5
new_key u2 u2f
new_key sy synced
new_key sa selfattested
new_key pinned yubikey5 --pin 4711

# --- enrollment of each profile, classified -------------------------------
check "owner enrolls a yubikey5 (physical)" admin "$T/yk.key" key enroll prowner --label desk
check "yubikey5 is classified physical" out_has "physical"
check "owner via @group enrolls a u2f key" admin "$T/u2.key" key enroll prowner2 --label old-u2f
check "u2f key is classified physical" out_has "physical"
check "staff enrolls a synced passkey" admin "$T/sy.key" key enroll prstaff --label phone
check "synced passkey is classified passkey" out_has "passkey"
check "staff2 enrolls a self-attested key" admin "$T/sa.key" key enroll prstaff2 --label cheap
check "self-attested key is classified passkey" out_has "passkey"

# --- success for each profile where allowed --------------------------------
check "owner signs in with yubikey5" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
check "cue shown" out_has "info: Touch your security key."
check "audit: success record" test "$(audit_field result)" = success
check "audit: method security-key" test "$(audit_field method)" = security-key
check "audit: class physical" test "$(audit_field class)" = physical
check "audit: role owner" test "$(audit_field role)" = owner
check "audit: service, tty and remote host" test "$(audit_field service)/$(audit_field tty)/$(audit_field rhost)" = "login/pts/7/192.0.2.10"
check "audit: flags carry UP" grep -q "UP" <<<"$(audit_field flags)"
check "owner via group signs in with u2f key" expect_pam PAM_SUCCESS login prowner2 auth "$T/u2.key"
check "staff signs in with synced passkey" expect_pam PAM_SUCCESS login prstaff auth "$T/sy.key"
check "staff signs in again (counter stays 0 on synced)" expect_pam PAM_SUCCESS login prstaff auth "$T/sy.key"
check "audit: method passkey" test "$(audit_field method)" = passkey
check "staff2 signs in with self-attested key" expect_pam PAM_SUCCESS login prstaff2 auth "$T/sa.key"
check "either of two attached devices works" expect_pam PAM_SUCCESS login prstaff auth "$T/yk.key:$T/sy.key"
new_key sy2 synced
check "staff enrolls a second passkey" admin "$T/sy2.key" key enroll prstaff --label tablet
check "two enrolled keys attached: the touched one signs" expect_pam PAM_SUCCESS login prstaff auth "$T/sy.key:$T/sy2.key"
check "two enrolled keys attached: touch cue before selection" test "$(grep -c 'info: Touch your security key.' "$T/out")" = 2
"$CTL" set --state "$T/sy.key" --touch no >/dev/null
check "two keys, only the second touched: it signs" expect_pam PAM_SUCCESS login prstaff auth "$T/sy.key:$T/sy2.key"
check "two keys: the untouched one is not the one recorded" test "$(audit_field cred_id)" != "$(sed -n 's/^id=\([^ ]*\) .*label=phone.*/\1/p' "$T/state/users/prstaff")"
"$CTL" set --state "$T/sy.key" --touch yes >/dev/null

# --- denials ----------------------------------------------------------------
check "no enrolled key: denied" expect_pam PAM_AUTH_ERR login pradmin auth "$T/yk.key"
check "no enrolled key: the one sentence, not who is enrolled" out_has "Security key sign-in did not succeed"
check "audit: reason not-enrolled" test "$(audit_field reason)" = not-enrolled
check "passkey refused for owner at enrollment" fails admin "$T/sy.key" key enroll prowner
check "refusal explains the policy" out_has "requires a physical"
check "forced passkey enrollment for owner" admin "$T/sy.key" key enroll prowner --label phone --force
check "physical required, passkey used: denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/sy.key"
check "physical required: message names the rule" out_has "requires a physical security key"
check "audit: reason class-not-allowed" test "$(audit_field reason)" = class-not-allowed
check "credential of another user: denied" expect_pam PAM_AUTH_ERR login prstaff auth "$T/yk.key"
check "audit: reason no-matching-key" test "$(audit_field reason)" = no-matching-key
check "no device attached: denied" expect_pam PAM_AUTH_ERR login prowner auth ""
check "audit: no credential named when none was presented" test -z "$(audit_field cred_id)"

# counter regression: a clone whose counter is behind the original's
"$CTL" set --state "$T/yk.key" --counter 1000 >/dev/null
check "counter well ahead: accepted" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
stored=$(sed -n 's/.* sign_count=\([0-9]*\) .*/\1/p' "$T/state/users/prowner" | sort -n | tail -n 1)
check "stored counter follows the key" test "$stored" -ge 1000
"$CTL" set --state "$T/yk.key" --counter 5 >/dev/null
check "counter regression: denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk.key"
check "audit: reason counter-regression" test "$(audit_field reason)" = counter-regression
check "counter regression: stored counter unchanged" grep -q "sign_count=$stored " "$T/state/users/prowner"
"$CTL" set --state "$T/yk.key" --counter 100000 >/dev/null
check "counter grows again: accepted" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"

# no touch: bounded wait
"$CTL" set --state "$T/yk.key" --touch no >/dev/null
write_policy all-users owners discouraged 2
start=$(date +%s)
check "no touch: timed out and denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk.key"
check "no touch: wait bounded by touch_timeout" test $(( $(date +%s) - start )) -lt 10
check "audit: reason timeout" test "$(audit_field reason)" = timeout
check "no touch: message says so" out_has "not touched in time"
"$CTL" set --state "$T/yk.key" --touch yes >/dev/null

# another relying party id: the key has no credential there
write_policy all-users owners discouraged 5 "pam://other-clinic"
check "credential of another rp id: denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk.key"
write_policy all-users owners

# --- user verification -----------------------------------------------------
check "staff3 key with PIN enrolled (PIN from stdin)" bash -c 'echo 4711 | PRACTICERUNNER_SOFTKEY="$0" "$1" --config "$2" key enroll prstaff2 --label pinned >/dev/null 2>&1' "$T/pinned.key" "$SK/practicerunner-admin" "$CONF"
write_policy all-users owners required
check "UV required, key without PIN: denied" expect_pam PAM_AUTH_ERR login prstaff auth "$T/sy.key"
check "audit: reason no-pin-set" test "$(audit_field reason)" = no-pin-set
check "UV required, PIN prompt cancelled: denied" expect_pam PAM_CONV_ERR login prstaff2 auth "$T/pinned.key"
check "audit: reason cancelled" test "$(audit_field reason)" = cancelled
PAMRUN_PIN=0000 check "UV required, wrong PIN: denied" expect_pam PAM_AUTH_ERR login prstaff2 auth "$T/pinned.key"
check "audit: reason pin-invalid" test "$(audit_field reason)" = pin-invalid
export PAMRUN_PIN=4711
check "UV required, right PIN: signed in" expect_pam PAM_SUCCESS login prstaff2 auth "$T/pinned.key"
check "audit: flags carry UV" grep -q "UV" <<<"$(audit_field flags)"
unset PAMRUN_PIN
write_policy all-users owners discouraged
service sudo "uv=required"
check "uv=required on a service is stricter than policy" expect_pam PAM_AUTH_ERR sudo prstaff auth "$T/sy.key"

# --- two sign-ins of one user at once -------------------------------------------
# Each stores its counter before the next asks the key (locks/USER+signin.lock),
# or the one stored second would be refused as a cloned key.
new_key conc yubikey5
check "staff2 enrolls a key for concurrent sign-ins" admin "$T/conc.key" key enroll prstaff2 --label conc
conc_counter() { "$CTL" show --state "$T/conc.key" | sed -n 's/^counter: //p'; }
c0=$(conc_counter)
n0=$(wc -l < "$AUDIT")
exec 8> "$T/state/locks/prstaff2+signin.lock"
flock -x 8
PRACTICERUNNER_SOFTKEY=$T/conc.key PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d \
	LD_PRELOAD=$PRELOAD pwrap timeout 2 "$PAMRUN" login prstaff2 auth > "$T/out" 2>&1 </dev/null
rc=$?
exec 8>&-
check "a sign-in waits while another of the same user is under way" test "$rc" = 124
check "... without asking the key meanwhile" test "$(conc_counter)" = "$c0"
check "... and without a record" test "$(wc -l < "$AUDIT")" = "$n0"
check "once the other is done, it signs in" expect_pam PAM_SUCCESS login prstaff2 auth "$T/conc.key"

check "audit chain verifies after all of this" admin "" audit verify
done_testing

#!/bin/bash
# The binaries users install (pam/.libs/pam_practicerunner.so, helpers/*:
# lib/transport_hid.c and libfido2's own hidraw code) signing in with
# softkey devices shown to them as hidraw FIDO keys by the hidshim
# (tests/hidshim/, LD_PRELOAD; for the setuid helpers /etc/ld.so.preload in
# a private mount namespace). Each ordinary case runs on both builds, the
# softkey build and the release build, which must say and record the same;
# then the cases only HID has: several keys, non-FIDO devices, a key that
# stalls, answers garbage or is pulled out mid-touch. TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/release_lib.sh"

write_policy all-users owners
rservice login cue
new_key yk yubikey5
new_key other yubikey5
new_key sy synced
new_key pinned yubikey5 --pin 4711

# --- the builds under test ----------------------------------------------------------
check "the release module names no softkey code" fails grep -q sk_io_open "$REL/pam_practicerunner.so"
check "the release admin names no softkey code" fails grep -q sk_io_open "$REL/practicerunner-admin"

# --- enrollment through the release admin CLI ---------------------------------------
check "release admin enrolls a yubikey5 over HID" hadmin "$T/yk.key" key enroll prowner --label desk
check "... classified physical (attestation from the configured anchors)" out_has "physical"
check "... the key was asked over CTAPHID (makeCredential)" logged "hidraw0 CBOR 0x01"
check "release admin enrolls a synced passkey, forced" hadmin "$T/sy.key" key enroll prowner --label phone --force
check "... classified passkey" out_has "passkey"
check "release admin enrolls a key with a PIN (PIN from stdin)" hadmin_pin 4711 "$T/pinned.key" key enroll prstaff2 --label pinned

# --- the module: the same outcomes on both builds -----------------------------------
: > "$HIDLOG"
check "owner signs in: success alike" both PAM_SUCCESS login prowner auth "$T/yk.key"
check "... the release build asked over CTAPHID (getAssertion)" logged "hidraw0 CBOR 0x02"
check "... after INIT on the broadcast channel" logged "hidraw0 INIT"
check "account phase: success alike" both PAM_SUCCESS login prowner account "$T/yk.key"
check "wrong key: denied alike" both PAM_AUTH_ERR login prowner auth "$T/other.key"
check "... reason no-matching-key" test "$(audit_field reason)" = no-matching-key
check "class rule (passkey for an owner): denied alike" both PAM_AUTH_ERR login prowner auth "$T/sy.key"
check "... reason class-not-allowed" test "$(audit_field reason)" = class-not-allowed
check "no key attached: denied alike" both PAM_AUTH_ERR login prowner auth ""
"$CTL" set --state "$T/yk.key" --counter 1000 >/dev/null
check "counter ahead: accepted by the release build" expect_hpam PAM_SUCCESS login prowner auth "$T/yk.key"
"$CTL" set --state "$T/yk.key" --counter 5 >/dev/null
check "counter regression: denied alike" both PAM_AUTH_ERR login prowner auth "$T/yk.key"
check "... reason counter-regression" test "$(audit_field reason)" = counter-regression
"$CTL" set --state "$T/yk.key" --counter 100000 >/dev/null
write_policy all-users owners required
PAMRUN_PIN=0000 check "UV required, wrong PIN: denied alike" both PAM_AUTH_ERR login prstaff2 auth "$T/pinned.key"
check "... reason pin-invalid" test "$(audit_field reason)" = pin-invalid
PAMRUN_PIN=4711 check "UV required, right PIN: success alike" both PAM_SUCCESS login prstaff2 auth "$T/pinned.key"
check "... flags carry UV" grep -q "UV" <<<"$(audit_field flags)"
check "... the PIN went over CTAPHID (clientPIN)" logged "hidraw0 CBOR 0x06"
write_policy all-users owners

# --- only HID has these -----------------------------------------------------------------
check "two keys attached, the enrolled one second: success" \
	expect_hpam PAM_SUCCESS login prowner auth "$T/other.key:$T/yk.key"
: > "$HIDLOG"
check "a non-FIDO hidraw device first: ignored, success" \
	expect_hpam PAM_SUCCESS login prowner auth "-,nonfido:$T/yk.key"
check "... nothing was ever written to it" fails grep -q '^hidraw0 ' "$HIDLOG"
check "... the key behind it was asked" logged "hidraw1 CBOR 0x02"
check "a key answering garbage first: skipped, success" \
	expect_hpam PAM_SUCCESS login prowner auth "$T/other.key,garbage:$T/yk.key"
start=$(date +%s)
check "a key that never answers first: skipped, success" \
	expect_hpam PAM_SUCCESS login prowner auth "$T/other.key,stall:$T/yk.key"
check "... in bounded time" test "$(secs_since "$start")" -lt 10
many=""
for i in $(seq 1 16); do many="$many-,nonfido:"; done
check "16 non-FIDO hidraw devices, then the key: success" \
	expect_hpam PAM_SUCCESS login prowner auth "$many$T/yk.key"
many=""
for i in $(seq 1 15); do many="$many$T/other.key:"; done
: > "$HIDLOG"
check "18 FIDO keys, the enrolled one 16th: success" \
	expect_hpam PAM_SUCCESS login prowner auth "$many$T/yk.key:$T/other.key:$T/other.key"
check "... keys past the 16th are not opened (PR_MAX_DEVICES)" fails grep -q '^hidraw1[6-7] ' "$HIDLOG"

write_policy all-users owners discouraged 2
"$CTL" set --state "$T/yk.key" --touch no >/dev/null
: > "$HIDLOG"
start=$(date +%s)
check "key not touched: timeout alike" both PAM_AUTH_ERR login prowner auth "$T/yk.key"
check "... bounded by touch_timeout" test "$(secs_since "$start")" -lt 12
check "... reason timeout" test "$(audit_field reason)" = timeout
check "... the key was told to stop waiting (CANCEL reached it)" logged "hidraw0 CANCEL"
: > "$HIDLOG"
start=$(date +%s)
# Requests of the sign-in: INIT, getInfo, the silent probe, then the one that waits for the touch.
# A device gone mid-request is a device failure (doc/ARCHITECTURE.md §10.2.1).
check "key pulled out mid-touch: denied" expect_hpam PAM_AUTHINFO_UNAVAIL login prowner auth "$T/yk.key,unplug=4"
check "... while it waited for the touch" logged "hidraw0 UNPLUGGED"
check "... a device failure, not a wait for touch_timeout" test "$(audit_field reason)" != timeout
check "... recorded as a failure" test "$(audit_field result)" = failure
check "... told to the user" out_has "Security key sign-in is unavailable right now"
: > "$HIDLOG"
new_key untouched yubikey5
"$CTL" set --state "$T/untouched.key" --touch no >/dev/null
check "enrollment, key not touched: refused" fails hadmin "$T/untouched.key" key enroll prstaff --label late
check "... the key was told to stop waiting (CANCEL reached it)" logged "hidraw0 CANCEL"
"$CTL" set --state "$T/yk.key" --touch yes >/dev/null
write_policy all-users owners
check "after all of this the key signs in again" expect_hpam PAM_SUCCESS login prowner auth "$T/yk.key"

check "audit chain verifies (release admin)" hadmin "" audit verify

# --- the setuid helpers: /etc/ld.so.preload in a private mount namespace ------------------
# A setuid program ignores LD_PRELOAD but obeys the preload list; the shim
# then reads its devices from /etc/practicerunner/hidshim-devices.
release_setuid_setup
user_key prowner yk yubikey5
user_key prowner other yubikey5
user_key prstaff sy synced
check "the preload list reaches a setuid program" ns prowner cat /etc/ld.so.preload
check "... naming the shim" out_has "libhidshim.so"
check "release admin invites prstaff" invite prstaff
hattach prstaff/sy
: > "$NSLOG"
check "setuid practicerunner-enroll enrolls prstaff's first key over HID" run_as_in prstaff "$TOKEN" enroll --label phone
check "... makeCredential reached the key" grep -qx "hidraw0 CBOR 0x01" "$NSLOG"
check "... audit: enroll success for prstaff" \
	test "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last user)" = enroll/success/prstaff
check "prstaff unlocks through the setuid verify helper" unlock_as prstaff auth
check "... success" out_has "result: PAM_SUCCESS"
check "... recorded on the helper path" test "$(audit_ns_last path)/$(audit_ns_last result)" = helper/success
check "release admin invites prowner" invite prowner
hattach prowner/yk
check "prowner enrolls a yubikey5 (setuid enroll)" run_as_in prowner "$TOKEN" enroll --label desk
check "... physical" test "$(audit_ns_last class)" = physical
hattach prowner/other prowner/yk
: > "$NSLOG"
check "verify helper, two keys, the enrolled one second: success" unlock_as prowner auth
check "... success" out_has "result: PAM_SUCCESS"
check "... the second key signed" grep -qx "hidraw1 CBOR 0x02" "$NSLOG"
hattach prowner/other
check "verify helper, wrong key: denied" fails unlock_as prowner auth
check "... PAM_AUTH_ERR" out_has "result: PAM_AUTH_ERR"
hattach -,nonfido prowner/yk
: > "$NSLOG"
check "verify helper, a non-FIDO device first: success" unlock_as prowner auth
check "... success" out_has "result: PAM_SUCCESS"
check "... the key was hidraw1, nothing written to hidraw0" \
	test "$(grep -c '^hidraw1 CBOR 0x02' "$NSLOG")/$(grep -c '^hidraw0 ' "$NSLOG")" = 2/0
key_set prowner yk --touch no
hattach prowner/yk
: > "$NSLOG"
check "verify helper, key not touched: denied" fails unlock_as prowner auth
check "... as a timeout" out_has "not touched in time"
check "... and CANCEL reached the key" grep -qx "hidraw0 CANCEL" "$NSLOG"
key_set prowner yk --touch yes
check "account phase through the helper: success" unlock_as prowner account
check "... success" out_has "result: PAM_SUCCESS"
done_testing

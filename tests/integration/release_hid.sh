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

REL=$T/rel
mkdir -m 755 "$REL"
for f in pam/.libs/pam_practicerunner.so tests/hidshim/.libs/libhidshim.so \
	helpers/practicerunner-admin helpers/practicerunner-enroll helpers/practicerunner-recover \
	helpers/practicerunner-verify helpers/practicerunner-authorized-keys; do
	cp "$top_builddir/$f" "$REL/" || { echo "Bail out! $f is not built"; exit 1; }
done
cp "$PAMRUN" "$REL/"
chmod 755 "$REL"/*
SHIM=$REL/libhidshim.so
HIDLOG=$T/hid.log
: > "$HIDLOG"; chmod 666 "$HIDLOG"
# Release builds trust only the configured anchors: the softkey's test CA goes there.
cp "$top_srcdir/tests/softkey/test-ca.pem" "$T/anchors/"
# The release module's services, in their own directory (the same names as the softkey build's).
mkdir -p "$T/rpam.d"
cp "$T/pam.d/other" "$T/rpam.d/"
rservice() {
	service "$@"
	sed "s|$SK/pam_practicerunner.so|$REL/pam_practicerunner.so|" "$T/pam.d/$1" > "$T/rpam.d/$1"
}

# hpam SERVICE USER PHASE DEVICES: the release module under pam_wrapper and the
# shim; DEVICES is PR_HIDSHIM_DEVICES (STATE[,MODE]:...). Output in $T/out.
hpam() {
	PR_HIDSHIM_DEVICES=$4 PR_HIDSHIM_LOG=$HIDLOG PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/rpam.d \
		LD_PRELOAD="$PRELOAD $SHIM" timeout 120 "$REL/pamrun" "$1" "$2" "$3" > "$T/out" 2>&1 </dev/null
}
expect_hpam() {
	local want=$1
	[ "$want" = PAM_IGNORE ] && want=PAM_SYSTEM_ERR
	hpam "$2" "$3" "$4" "$5"
	grep -qx "result: $want" "$T/out"
}
# A sanitizer build's runtime must come first in the preload list.
SHIM_PRELOAD="${PR_SANITIZER_PRELOAD:+$PR_SANITIZER_PRELOAD }$SHIM"
# hadmin DEVICES ARGS...: the release admin CLI with the shim.
hadmin() {
	local dev=$1; shift
	PR_HIDSHIM_DEVICES=$dev PR_HIDSHIM_LOG=$HIDLOG LD_PRELOAD=$SHIM_PRELOAD timeout 120 \
		"$REL/practicerunner-admin" --config "$CONF" "$@" > "$T/out" 2>&1 </dev/null
}
# The last record without what differs between two sign-ins by design.
core() { tail -n 1 "$AUDIT" | tr ' ' '\n' | grep -vE '^(seq|time|prev|hash|sign_count)='; }
# both WANT SERVICE USER PHASE KEYS: the softkey build, then the release build
# with the same keys as hidraw devices: the same result, words and record.
both() {
	local want=$1 out_s rec_s
	expect_pam "$want" "$2" "$3" "$4" "$5" || { echo "# softkey build: $(tail -n 1 "$T/out")"; return 1; }
	out_s=$(grep -v '^PWRAP' "$T/out"); rec_s=$(core)
	expect_hpam "$want" "$2" "$3" "$4" "$5" || { echo "# release build: $(tail -n 1 "$T/out")"; return 1; }
	[ "$out_s" = "$(grep -v '^PWRAP' "$T/out")" ] ||
		{ diff <(echo "$out_s") <(grep -v '^PWRAP' "$T/out") | sed 's/^/# /'; return 1; }
	[ "$rec_s" = "$(core)" ] || { diff <(echo "$rec_s") <(core) | sed 's/^/# /'; return 1; }
}
logged() { grep -qx "$1" "$HIDLOG"; }
secs_since() { echo $(( $(date +%s) - $1 )); }

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
check "release admin enrolls a key with a PIN (PIN from stdin)" bash -c \
	'echo 4711 | PR_HIDSHIM_DEVICES="$0" LD_PRELOAD="$1" "$2" --config "$3" key enroll prstaff2 --label pinned >/dev/null 2>&1' \
	"$T/pinned.key" "$SHIM_PRELOAD" "$REL/practicerunner-admin" "$CONF"

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
check "... at once, not at touch_timeout" test "$(secs_since "$start")" -lt 2
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
SK_SOFTKEY=$SK
SK=$REL    # setuid_lib.sh installs the release helpers setuid
. "$top_srcdir/tests/integration/setuid_lib.sh"
SK=$SK_SOFTKEY
echo "$SHIM_PRELOAD" > "$NS/ld.so.preload"
chmod 644 "$NS/ld.so.preload"
export NS_PRELOAD=$NS/ld.so.preload
NSLOG=$T/hid-ns.log
: > "$NSLOG"; chmod 666 "$NSLOG"
cp "$top_srcdir/tests/softkey/test-ca.pem" "$NS_ETC/trust-anchors.d/"
write_ns_policy all-users owners discouraged 2
check_setuid_possible
# hattach USER/NAME[,MODE]|-,nonfido ...: the devices plugged in, in the shim's fixed list.
hattach() {
	local k
	{
		echo "log=$NSLOG"
		for k in "$@"; do
			case $k in
			-,*) echo "$k" ;;
			*,*) echo "$NS_KEYS/${k%%,*}.key,${k#*,}" ;;
			*) echo "$NS_KEYS/$k.key" ;;
			esac
		done
	} > "$NS_ETC/hidshim-devices"
	chmod 644 "$NS_ETC/hidshim-devices"
}
# The screen locker's stack: the release module with no config= (the helper reads the built-in path).
printf '%s\n' "auth [success=done ignore=ignore default=die] $REL/pam_practicerunner.so cue" \
	"auth required pam_exec.so quiet /bin/false" \
	"account [success=done ignore=ignore default=die] $REL/pam_practicerunner.so" \
	"account required pam_exec.so quiet /bin/false" > "$T/rpam.d/unlock"
# unlock_as USER PHASE: the release module run by USER, so through the setuid verify helper.
unlock_as() {
	ns "$1" env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/rpam.d" LD_PRELOAD="$PRELOAD" \
		"$REL/pamrun" unlock "$1" "$2" </dev/null
}
TOKEN=
invite() {
	ns root "$REL/practicerunner-admin" invite "$@" </dev/null || return 1
	TOKEN=$(grep -oE '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' "$T/out" | tail -n 1)
	[ -n "$TOKEN" ]
}

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

#!/bin/bash
# The release builds (lib/transport_hid.c, libfido2's hidraw code) under the
# hidshim where sudo step-up and recovery touch a key, beside
# release_hid.sh's sign-in cases: the module's step_up (sudo's stack, under
# pam_wrapper) on both builds with the same result, words and record; the
# module's recovery offer enrolling the replacement key over HID; then, in
# private mount namespaces with the shim in /etc/ld.so.preload, the setuid
# practicerunner-recover doing the same, and Debian's real setuid sudo
# loading the release module. TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/release_lib.sh"

TICKET_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
nkeys() { local n; n=$(grep -c '^id=' "$1" 2>/dev/null); echo "${n:-0}"; }

# --- sudo step-up (module option step_up), the root path --------------------------------
write_policy none owners discouraged 2
rservice sudo "step_up cue"
new_key own yubikey5 --pin 4711
new_key stf synced --pin 1234
new_key nopin synced
check "setup: release admin enrolls the owner's key (PIN from stdin)" hadmin_pin 4711 "$T/own.key" key enroll prowner
check "setup: ... and a staff passkey with a PIN" hadmin_pin 1234 "$T/stf.key" key enroll prstaff --force
check "setup: ... and one without a PIN" hadmin "$T/nopin.key" key enroll prstaff2 --force
: > "$HIDLOG"
PAMRUN_PIN=1234 check "step_up, staff passkey + PIN: success alike" both PAM_SUCCESS sudo prstaff auth "$T/stf.key"
check "... the PIN was asked" out_has "prompt: PIN for your security key"
check "... event step-up, UV in the signed flags" test "$(audit_field event)/$(grep -c UV <<<"$(audit_field flags)")" = step-up/1
check "... the PIN went over CTAPHID (clientPIN)" logged "hidraw0 CBOR 0x06"
PAMRUN_PIN=4711 check "step_up, owner's physical key + PIN: success alike" both PAM_SUCCESS sudo prowner auth "$T/own.key"
check "... class physical" test "$(audit_field class)" = physical
PAMRUN_PIN=0000 check "step_up, wrong PIN: denied alike" both PAM_AUTH_ERR sudo prstaff auth "$T/stf.key"
check "... reason pin-invalid" test "$(audit_field reason)" = pin-invalid
check "step_up, PIN not given: refused alike" both PAM_CONV_ERR sudo prstaff auth "$T/stf.key"
check "step_up, a key without a PIN: refused alike" both PAM_AUTH_ERR sudo prstaff2 auth "$T/nopin.key"
check "... told the key needs a PIN" out_has "needs a PIN"
check "step_up, no key attached: refused alike (not ignored)" both PAM_AUTH_ERR sudo prstaff auth ""
"$CTL" set --state "$T/stf.key" --touch no >/dev/null
: > "$HIDLOG"
PAMRUN_PIN=1234 check "step_up, key not touched: timeout alike" both PAM_AUTH_ERR sudo prstaff auth "$T/stf.key"
check "... reason timeout" test "$(audit_field reason)" = timeout
check "... the key was told to stop waiting (CANCEL reached it)" logged "hidraw0 CANCEL"
"$CTL" set --state "$T/stf.key" --touch yes >/dev/null

# --- the module's recovery offer, enrolling the replacement key over HID --------------------
printf '#!/bin/sh\ncat >> "%s"\n' "$T/mail.out" > "$T/fakemail"
chmod 755 "$T/fakemail"
write_policy all-users owners
printf 'recovery {\n  services = {"login"}\n  mail_command = "%s -t -i"\n}\n' "$T/fakemail" >> "$CONF"
rservice login "cue show_status"
new_key spare yubikey5    # the owner lost own.key; this one replaces it
check "setup: release admin makes the owner's recovery codes" hadmin "" codes generate prowner
read -r -a CODES <<<"$(grep -oE "$CODE_RE" "$T/out" | tr '\n' ' ')"
check "setup: ... and a recovery ticket" hadmin "" recovery start prowner
TICKET=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
SECRETS=("$TICKET" "${CODES[0]}")
printf 'Recovery ticket: \t%s\nRecovery code: \t%s\n' "$TICKET" "${CODES[0]}" > "$T/answers"
: > "$HIDLOG"
PAMRUN_ANSWERS=$T/answers check "recovery offer, key lost: signed in by ticket and code" \
	expect_hpam PAM_SUCCESS login prowner auth "$T/spare.key"
check "... told to touch the new key" out_has "touch your new physical security key"
check "... makeCredential reached the new key over CTAPHID" logged "hidraw0 CBOR 0x01"
check "... the new key is stored" test "$(nkeys "$T/state/users/prowner")" = 2
check "... audit: key enrolled in recovery, class physical" \
	grep -q "event=enroll result=success .*class=physical.*detail=recovery" "$AUDIT"
check "the replacement key signs in as usual" expect_hpam PAM_SUCCESS login prowner auth "$T/spare.key"

# --- the setuid helpers and Debian's sudo, with the shim in the preload list ----------------
release_setuid_setup
nsadmin() { ns root "$REL/practicerunner-admin" "$@" </dev/null; }
printf 'recovery {\n  mail_command = "%s -t -i"\n}\n' "$T/fakemail" >> "$NS_ETC/practicerunner.conf"
user_key prowner old yubikey5
user_key prowner new yubikey5
check "setup: release admin invites the owner" invite prowner
hattach prowner/old
check "setup: the owner enrolls a first key (setuid enroll)" run_as_in prowner "$TOKEN" enroll --label old
check "setup: release admin makes codes" nsadmin codes generate prowner
read -r -a CODES <<<"$(grep -oE "$CODE_RE" "$T/out" | tr '\n' ' ')"
check "setup: ... and a ticket" nsadmin recovery start prowner
TICKET=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
hattach prowner/new
: > "$NSLOG"
recover() { printf '%s\n' "$@" | ns prowner "$RECOVER"; }
check "setuid practicerunner-recover: ticket, code, new key over HID" recover "$TICKET" "${CODES[0]}"
check "... makeCredential reached the new key from the helper" grep -qx "hidraw0 CBOR 0x01" "$NSLOG"
check "... the new key is stored" test "$(nkeys "$NS_STATE/users/prowner")" = 2
check "... audit: recovery completed" grep -q "event=recovery-ticket result=success .*detail=recovery%20completed" "$AUDIT_NS"
check "the replacement key unlocks through the setuid verify helper" unlock_as prowner auth
check "... success" out_has "result: PAM_SUCCESS"

SUDO=/usr/bin/sudo
if [ ! -u "$SUDO" ]; then
	ok "# SKIP Debian's sudo is not installed (apt-get install sudo)"
elif [ -n "${PR_SANITIZER_PRELOAD:-}" ]; then
	# A setuid program loads no sanitizer runtime, so no sanitizer build of the module.
	ok "# SKIP setuid sudo cannot load a sanitizer build of the module"
else
	# sudoers: no lecture, one try, always ask, nothing to the host's syslog.
	printf '%s\n' "Defaults !lecture, passwd_tries=1, timestamp_timeout=0, !syslog, !use_pty, env_reset" \
		"prowner ALL=(root) /usr/bin/id" > "$NS/sudoers"
	chmod 0440 "$NS/sudoers"
	printf '%s\n' "auth required $REL/pam_practicerunner.so cue uv=required step_up" \
		"account required pam_unix.so" "account required $REL/pam_practicerunner.so" \
		"session required pam_permit.so" > "$NS/pam.sudo"
	chmod 644 "$NS/pam.sudo"
	export NS_BINDS="$NS/pam.sudo:/etc/pam.d/sudo $NS/sudoers:/etc/sudoers"
	export NS_TMPFS="/run/sudo"
	# A key sudo's module opens as root: root's device file, like /dev/hidraw*.
	mkdir -m 700 "$NS_KEYS/dev"
	"$CTL" add --state "$NS_KEYS/dev/pin.key" --profile yubikey5 --pin Pin#4711 >/dev/null
	hattach dev/pin
	enroll_pin() { echo Pin#4711 | ns root "$REL/practicerunner-admin" key enroll prowner --label pin; }
	check "setup: release admin enrolls the owner's PIN key in the namespace" enroll_pin
	sudo_as() { printf '%s\n' "$2" | ns "$1" "$SUDO" -S -- /usr/bin/id; }
	: > "$NSLOG"
	check "real sudo, release module, right PIN: the command runs" sudo_as prowner Pin#4711
	check "... as root" out_has "uid=0(root)"
	check "... the PIN and the assertion went over CTAPHID" \
		test "$(grep -c '^hidraw0 CBOR 0x06' "$NSLOG")/$(grep -c '^hidraw0 CBOR 0x02' "$NSLOG")" != 0/0
	check "... audited: sudo, step-up success, physical" \
		test "$(audit_ns_last service)/$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last class)" = sudo/step-up/success/physical
	check "real sudo, release module, wrong PIN: refused" fails sudo_as prowner Pin#1111
	check "... the command did not run" fails out_has "uid=0(root)"
	check "... audited: pin-invalid" test "$(audit_ns_last service)/$(audit_ns_last reason)" = sudo/pin-invalid
	hattach
	check "real sudo, release module, no key attached: refused" fails sudo_as prowner Pin#4711
	check "... the command did not run" fails out_has "uid=0(root)"
	unset NS_BINDS NS_TMPFS
fi
SECRETS+=("$TICKET" "${CODES[0]}")
# ("#" is in no hash, id or base64: a match can only be a PIN)
check "no PIN, ticket or code in either audit log" \
	fails grep -qF -e Pin# -e "${SECRETS[0]}" -e "${SECRETS[1]}" -e "${SECRETS[2]}" -e "${SECRETS[3]}" "$AUDIT" "$AUDIT_NS"
check "audit chain verifies (release admin, namespace)" nsadmin audit verify
done_testing

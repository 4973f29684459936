#!/bin/bash
# Module option ssh (SSH gateway): the module reads SSH_AUTH_INFO_0 from
# the PAM environment, as sshd sets it, and accepts only an enrolled SSH
# security key of a class the user's policy allows. Real keys (ssh-keygen
# with the softkey provider, enrolled with their attestation) under a real
# PAM stack (pam_wrapper); sshd itself is in sshd_gateway.sh.
. "$top_srcdir/tests/integration/lib.sh"

PROVIDER=$SK/libsk-softkey.so
write_policy all-users owners
service gw "ssh"
service gwopp "ssh opportunistic"
service gwuv "ssh uv=required"
new_key yk yubikey5
new_key sy synced

sshkeygen() {
	local dev=$1; shift
	PRACTICERUNNER_SOFTKEY=$dev SSH_SK_PROVIDER=$PROVIDER \
		LD_PRELOAD=${PR_SANITIZER_PRELOAD:-} ASAN_OPTIONS=detect_leaks=0 \
		timeout 60 ssh-keygen -q -w "$PROVIDER" "$@" </dev/null >"$T/keygen.out" 2>&1
}
# attested_key NAME DEVICE USER: an ed25519-sk key made over USER's challenge
attested_key() {
	local ch=$T/$1.challenge
	admin "" key ssh-challenge "$3" --output "$ch" &&
		sshkeygen "$2" -t ed25519-sk -O challenge="$ch" -O write-attestation="$T/$1.att" \
			-N '' -C "$1" -f "$T/$1"
}
fp() { ssh-keygen -l -f "$T/$1.pub" | awk '{print $2}'; }
words() { awk '{print $1 " " $2}' "$T/$1.pub"; }
# info TEXT: SSH_AUTH_INFO_0 for the next runs (printf format, no variable expansion of %)
info() { printf "SSH_AUTH_INFO_0=$1" "${@:2}" > "$T/env"; }
# gw CODE SERVICE USER auth|account: a run with that SSH_AUTH_INFO_0
gw() { PAMRUN_PUTENV=$T/env expect_pam "$@" ""; }
noenv() { expect_pam "$@" ""; }
# audit_has FIELD VALUE: the last record has it
audit_is() { test "$(audit_field "$1")" = "$2"; }

check "setup: the owner's attested physical key" attested_key own "$T/yk.key" prowner
check "setup: enrolled" admin "" key enroll-ssh prowner "$T/own.pub" --attestation "$T/own.att"
check "setup: physical" out_has physical
check "setup: a synced key" attested_key syn "$T/sy.key" prowner
check "setup: forced onto the owner (a passkey)" admin "" key enroll-ssh prowner "$T/syn.pub" --attestation "$T/syn.att" --force
check "setup: staff's key (no attestation: passkey)" sshkeygen "$T/sy.key" -t ecdsa-sk -N '' -C stf -f "$T/stf"
check "setup: staff's key enrolled" admin "" key enroll-ssh prstaff "$T/stf.pub"
ssh-keygen -q -t ed25519 -N '' -C plain -f "$T/plain"

# --- the owner (physical key required) ----------------------------------------------
info "publickey %s signature count = 17\n" "$(words own)"
check "owner, physical key: PAM_SUCCESS" gw PAM_SUCCESS gw prowner auth
check "... no message" fails grep -q "^error:" "$T/out"
check "audit: auth success" test "$(audit_field event)/$(audit_field result)" = auth/success
check "audit: method ssh-sk" audit_is method ssh-sk
check "audit: class physical" audit_is class physical
check "audit: service gw" audit_is service gw
check "audit: remote host" audit_is rhost 192.0.2.10
check "audit: this signature's counter" audit_is sign_count 17
check "audit: the key's fingerprint" grep -q -- "$(fp own)" <(tail -n 1 "$AUDIT")
check "owner, physical key: account PAM_SUCCESS" gw PAM_SUCCESS gw prowner account

info "publickey %s signature count = 3\n" "$(words syn)"
check "owner, enrolled synced passkey: refused" gw PAM_AUTH_ERR gw prowner auth
check "... told a physical key is required" out_has "policy requires a physical security key"
check "audit: class-not-allowed" audit_is reason class-not-allowed
check "audit: the passkey's class" audit_is class passkey
check "audit: method ssh-sk" audit_is method ssh-sk
check "audit: its fingerprint" grep -q -- "$(fp syn)" <(tail -n 1 "$AUDIT")
check "... account: PAM_PERM_DENIED" gw PAM_PERM_DENIED gw prowner account

info "publickey %s\n" "$(words plain)"
check "owner, ordinary ed25519 key: refused" gw PAM_AUTH_ERR gw prowner auth
check "... told it is no security key" out_has "is not a security key"
check "audit: unsupported-algorithm" audit_is reason unsupported-algorithm
check "audit: method ssh-sk, key named" grep -q -- "$(fp plain)" <(tail -n 1 "$AUDIT")
check "... account: PAM_PERM_DENIED" gw PAM_PERM_DENIED gw prowner account

info "publickey %s signature count = 2\n" "$(words stf)"
check "owner, staff's key: refused" gw PAM_AUTH_ERR gw prowner auth
check "... told only that sign-in did not succeed" out_has "Security key sign-in did not succeed. Sign in with an enrolled SSH security key"
check "audit: no-matching-key" audit_is reason no-matching-key

info "keyboard-interactive/pam\n"
check "owner, no publickey step: refused" gw PAM_AUTH_ERR gw prowner auth
check "... the same sentence" out_has "Sign in with an enrolled SSH security key"
check "audit: no publickey step" grep -q "no%20publickey%20step\|no publickey step" <(tail -n 1 "$AUDIT")
info ""
check "owner, empty SSH_AUTH_INFO_0: refused" gw PAM_AUTH_ERR gw prowner auth
check "owner, SSH_AUTH_INFO_0 not set: refused" noenv PAM_AUTH_ERR gw prowner auth
check "... account refused too" noenv PAM_PERM_DENIED gw prowner account

info "publickey %s\npublickey %s signature count = 9\n" "$(words plain)" "$(words own)"
check "two publickey steps, one of them the physical key: PAM_SUCCESS" gw PAM_SUCCESS gw prowner auth
check "audit: the physical key's counter" audit_is sign_count 9
info "publickey %s extra words\n" "$(words own)"
check "malformed SSH_AUTH_INFO_0: refused" gw PAM_AUTHINFO_UNAVAIL gw prowner auth
check "audit: bad SSH_AUTH_INFO_0" grep -q "bad%20SSH_AUTH_INFO_0\|bad SSH_AUTH_INFO_0" <(tail -n 1 "$AUDIT")
info "publickey %s" "$(words own)"
check "a missing final newline: refused" gw PAM_AUTHINFO_UNAVAIL gw prowner auth

# --- staff (any key) ---------------------------------------------------------------------
info "publickey %s signature count = 5\nkeyboard-interactive/pam\n" "$(words stf)"
check "staff, enrolled passkey: PAM_SUCCESS" gw PAM_SUCCESS gw prstaff auth
check "audit: class passkey" audit_is class passkey
info "publickey %s signature count = 17\n" "$(words own)"
check "staff with the owner's key: refused" gw PAM_AUTH_ERR gw prstaff auth
check "user without SSH keys: refused" gw PAM_AUTH_ERR gw pradmin auth
check "... the one sentence, not whether they are enrolled" out_has "Security key sign-in did not succeed. Sign in with an enrolled SSH security key"
check "audit: not-enrolled" audit_is reason not-enrolled
check "unknown user: PAM_AUTH_ERR, as an account without its key" gw PAM_AUTH_ERR gw no-such-user-x auth
check "... the same sentence" out_has "Security key sign-in did not succeed. Sign in with an enrolled SSH security key"

# --- no requirement ------------------------------------------------------------------------
write_policy none none
check "no requirement: PAM_IGNORE" gw PAM_IGNORE gw prstaff auth
check "no requirement, account: PAM_IGNORE" gw PAM_IGNORE gw prstaff account
info "publickey %s signature count = 6\n" "$(words stf)"
check "opportunistic, enrolled key: PAM_SUCCESS" gw PAM_SUCCESS gwopp prstaff auth
check "audit: reason opportunistic" audit_is reason opportunistic
info "publickey %s\n" "$(words plain)"
check "opportunistic, ordinary key: PAM_IGNORE" gw PAM_IGNORE gwopp prstaff auth

# --- options -------------------------------------------------------------------------------------
write_policy all-users owners
check "ssh with uv=required: a configuration error" gw PAM_SERVICE_ERR gwuv prowner auth

done_testing

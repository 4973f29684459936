#!/bin/bash
# FIDO SSH keys end to end with real ssh-keygen and the softkey provider:
# key ssh-challenge, key enroll-ssh (attested physical and passkey keys,
# no attestation, every bad input), key list, the audit records, and what
# practicerunner-authorized-keys prints for each policy.
. "$top_srcdir/tests/integration/lib.sh"

PROVIDER=$SK/libsk-softkey.so
AK=$SK/practicerunner-authorized-keys
write_policy all-users owners
new_key yk yubikey5
new_key yk2 yubikey5
new_key sy synced
new_key pin yubikey5 --pin 123456
rc_is() { local want=$1; shift; "$@"; [ $? = "$want" ]; }

# sshkeygen DEVICE ARGS...: real ssh-keygen with our provider (sanitizer
# runtime preloaded in sanitizer builds; ssh-keygen's own leaks are not ours).
sshkeygen() {
	local dev=$1; shift
	PRACTICERUNNER_SOFTKEY=$dev SSH_SK_PROVIDER=$PROVIDER \
		LD_PRELOAD=${PR_SANITIZER_PRELOAD:-} ASAN_OPTIONS=detect_leaks=0 \
		timeout 60 ssh-keygen -q -w "$PROVIDER" "$@" </dev/null >"$T/keygen.out" 2>&1
}
# challenge USER -> path of a new challenge file (key ssh-challenge --output)
challenge() {
	local f
	f=$(mktemp -u "$T/challenge.XXXXXX")
	admin "" key ssh-challenge "$1" --output "$f" && echo "$f"
}
# make_key NAME DEVICE TYPE CHALLENGE_FILE [ssh-keygen -O options...]
make_key() {
	local name=$1 dev=$2 type=$3 ch=$4; shift 4
	rm -f "$T/$name" "$T/$name.pub" "$T/$name.att"
	sshkeygen "$dev" -t "$type" -O challenge="$ch" -O write-attestation="$T/$name.att" \
		-N '' -C "$name" -f "$T/$name" "$@"
}
ak() { timeout 30 "$AK" --config "$CONF" "$1" > "$T/ak.out" 2> "$T/ak.err"; }
fp() { ssh-keygen -l -f "$T/$1.pub" | awk '{print $2}'; }
blob() { awk '{print $2}' "$T/$1.pub"; }

# --- challenges ---------------------------------------------------------------------
admin "" key ssh-challenge prowner
ch=$(grep -m 1 '^/' "$T/out")
check "ssh-challenge prints the path of a new file" test -f "$ch"
check "the challenge file is 32 bytes" test "$(stat -c %s "$ch")" = 32
check "the challenge file is private" test "$(stat -c %a "$ch")" = 600
check "the challenge is stored for the user" test -f "$T/state/ssh-challenges/prowner"
check "ssh-challenge explains the next step" out_has "ssh-keygen -t ed25519-sk -O challenge="
rm -f "$ch"
check "ssh-challenge --output writes the named file" admin "" key ssh-challenge prstaff --output "$T/stch"
check "--output file holds 32 bytes" test "$(stat -c %s "$T/stch")" = 32
check "--output never overwrites" rc_is 1 admin "" key ssh-challenge prstaff --output "$T/stch"
ln -s /etc/passwd "$T/link"
check "--output never writes through a link" rc_is 1 admin "" key ssh-challenge prstaff --output "$T/link"
check "ssh-challenge for an unknown user is refused" rc_is 1 admin "" key ssh-challenge no-such-user-x
check "ssh-challenge without a user is a usage error" rc_is 2 admin "" key ssh-challenge

# --- an owner enrolls an attested physical ed25519-sk key -------------------------
ch=$(challenge prowner)
check "ssh-keygen makes an ed25519-sk key on the softkey" make_key own1 "$T/yk.key" ed25519-sk "$ch"
check "enroll-ssh with attestation" admin "" key enroll-ssh prowner "$T/own1.pub" --attestation "$T/own1.att" --label laptop
check "the key is physical" out_has "physical"
check "the report names the fingerprint" out_has "$(fp own1)"
check "audit: enroll success" test "$(audit_field event)/$(audit_field result)" = enroll/success
check "audit: method ssh-sk" test "$(audit_field method)" = ssh-sk
check "audit: class physical" test "$(audit_field class)" = physical
check "audit: the fingerprint" grep -q -- "$(fp own1)" <(tail -n 1 "$AUDIT")
check "the challenge was used up" test ! -e "$T/state/ssh-challenges/prowner"
check "store is version 2 with the application" grep -q "kind=ssh .* app=ssh:$" "$T/state/users/prowner"
check "key list shows the SSH key and its fingerprint" admin "" key list prowner
check "key list line: ssh, type and fingerprint" out_has "ssh sk-ssh-ed25519@openssh.com $(fp own1)"
check "enrolling the same key again is refused" rc_is 1 admin "" key enroll-ssh prowner "$T/own1.pub" --force
check "duplicate refusal says so" out_has "already enrolled"

# --- attestation checks -------------------------------------------------------------
ch=$(challenge prowner)
make_key own2 "$T/yk2.key" ecdsa-sk "$ch"
cp "$T/own2.att" "$T/own2.bad"; printf 'x' | dd of="$T/own2.bad" bs=1 seek=100 conv=notrunc 2>/dev/null
check "a damaged attestation is refused" rc_is 1 admin "" key enroll-ssh prowner "$T/own2.pub" --attestation "$T/own2.bad"
check "refusal audited as a failure" test "$(audit_field result)" = failure
check "the challenge is gone after one try" rc_is 1 admin "" key enroll-ssh prowner "$T/own2.pub" --attestation "$T/own2.att"
check "and the message says to issue one" out_has "issue one first"
ch=$(challenge prowner)
check "an attestation made over another challenge is refused" rc_is 1 admin "" key enroll-ssh prowner "$T/own2.pub" --attestation "$T/own2.att"
check "the reason names the attestation" out_has "attestation refused"
ch=$(challenge prowner)
check "another key's attestation is refused" rc_is 1 admin "" key enroll-ssh prowner "$T/own1.pub" --attestation "$T/own2.att"
ch=$(challenge prowner)
make_key own2 "$T/yk2.key" ecdsa-sk "$ch"
check "a fresh ecdsa-sk key with a fresh challenge enrolls" admin "" key enroll-ssh prowner "$T/own2.pub" --attestation "$T/own2.att"
check "ecdsa-sk key is physical" out_has "physical"
ch=$(challenge prowner)
make_key other "$T/yk2.key" ed25519-sk "$ch" -O application=ssh:other
check "a key for another ssh: application enrolls" admin "" key enroll-ssh prowner "$T/other.pub" --attestation "$T/other.att"
check "its application is kept" grep -q "app=ssh:other$" "$T/state/users/prowner"

# --- passkeys, no attestation, policy ---------------------------------------------------
ch=$(challenge prowner)
make_key syn "$T/sy.key" ed25519-sk "$ch"
check "a synced passkey is refused for an owner" rc_is 1 admin "" key enroll-ssh prowner "$T/syn.pub" --attestation "$T/syn.att"
check "refusal explains the physical requirement" out_has "policy requires a physical security key"
check "refusal audited: reason class" test "$(audit_field reason)" = class-not-allowed
check "staff may enroll a passkey without attestation" admin "" key enroll-ssh prstaff "$T/syn.pub"
check "no attestation: passkey" out_has "passkey"
check "no attestation needs no challenge" test -f "$T/stch"
check "no attestation: owner refused" rc_is 1 admin "" key enroll-ssh prowner "$T/syn.pub"
check "--force stores it for the owner anyway" admin "" key enroll-ssh prowner "$T/syn.pub" --force
check "forced enrollment audited with the fingerprint" grep -q -- "$(fp syn)" <(tail -n 1 "$AUDIT")
check "forced enrollment audited as forced" grep -q "forced" <(tail -n 1 "$AUDIT")

# --- bad inputs -------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C plain -f "$T/plain"
check "a plain ed25519 key is refused" rc_is 1 admin "" key enroll-ssh prstaff "$T/plain.pub"
check "the refusal names the accepted types" out_has "not a FIDO security key type"
printf 'garbage\n' > "$T/garbage.pub"
check "garbage is refused" rc_is 1 admin "" key enroll-ssh prstaff "$T/garbage.pub"
cat "$T/own1.pub" "$T/own2.pub" > "$T/two.pub"
check "two keys in one file are refused" rc_is 1 admin "" key enroll-ssh prstaff "$T/two.pub"
ln -s "$T/own1.pub" "$T/keylink.pub"
check "a key file that is a link is refused" rc_is 1 admin "" key enroll-ssh prstaff "$T/keylink.pub"
check "a missing key file is refused" rc_is 1 admin "" key enroll-ssh prstaff "$T/nope.pub"
head -c 20000 /dev/zero > "$T/big.pub"
check "an oversized key file is refused" rc_is 1 admin "" key enroll-ssh prstaff "$T/big.pub"
check "a directory is refused" rc_is 1 admin "" key enroll-ssh prstaff "$T"
check "an unknown user is refused" rc_is 1 admin "" key enroll-ssh no-such-user-x "$T/own1.pub"
check "missing arguments are a usage error" rc_is 2 admin "" key enroll-ssh prstaff
ch=$(challenge prstaff)
printf 'ssh-sk-attest-v01' > "$T/junk.att"
check "a junk attestation file is refused" rc_is 1 admin "" key enroll-ssh prstaff "$T/own1.pub" --attestation "$T/junk.att"

# --- PIN (UV) keys -------------------------------------------------------------------------
ch=$(challenge prstaff2)
printf '#!/bin/sh\necho 123456\n' > "$T/askpass"; chmod 755 "$T/askpass"
uv_key() {
	SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		make_key uv "$T/pin.key" ed25519-sk "$ch" -O verify-required
}
check "a verify-required key is made with its PIN" uv_key
check "and enrolls" admin "" key enroll-ssh prstaff2 "$T/uv.pub" --attestation "$T/uv.att"
check "UV shows in its flags" grep -q "kind=ssh .* flags=69 " "$T/state/users/prstaff2"

# --- authorized keys ---------------------------------------------------------------------------
check "authorized-keys for the owner: exit 0" ak prowner
check "the owner's physical keys are printed" grep -q -- "$(blob own1)" "$T/ak.out"
check "both physical keys" grep -q -- "$(blob own2)" "$T/ak.out"
check "the forced passkey is not printed for the owner" fails grep -q -- "$(blob syn)" "$T/ak.out"
check "three lines: own1, own2, other" test "$(wc -l < "$T/ak.out")" = 3
check "no verify-required when UV is not required" fails grep -q verify-required "$T/ak.out"
check "lines carry the key id comment" grep -q " practicerunner:[0-9a-f]\{12\}$" "$T/ak.out"
check "every line is a valid authorized_keys line" ssh-keygen -l -f "$T/ak.out"
check "nothing on stderr" test ! -s "$T/ak.err"
check "staff's passkey is printed" ak prstaff
check "staff: exactly the passkey" test "$(awk '{print $2}' "$T/ak.out")" = "$(blob syn)"
write_policy all-users owners required
check "UV required: exit 0" ak prowner
check "UV required: every line has verify-required" test "$(grep -c '^verify-required sk-' "$T/ak.out")" = 3
write_policy all-users all-users
check "physical for all: staff's passkey is no longer printed" ak prstaff
check "staff: nothing" test ! -s "$T/ak.out"
write_policy none none
check "no requirement: the owner's forced passkey is printed too" ak prowner
check "four keys" test "$(wc -l < "$T/ak.out")" = 4
check "unknown user: exit 0" ak no-such-user-x
check "unknown user: no output" test ! -s "$T/ak.out"
check "impossible user name: exit 0, no output" ak "../../etc"
check "impossible user name: nothing printed" test ! -s "$T/ak.out"
check "user without keys: exit 0, no output" ak pradmin
check "user without keys: nothing printed" test ! -s "$T/ak.out"
check "usage error without a user" rc_is 2 "$AK" --config "$CONF"
cp "$T/state/users/prowner" "$T/prowner.saved"
printf 'practicerunner-credentials 2\nbroken\n' > "$T/state/users/prowner"
check "a corrupt store: non-zero exit" rc_is 1 ak prowner
check "a corrupt store: nothing on stdout" test ! -s "$T/ak.out"
cp "$T/prowner.saved" "$T/state/users/prowner"
chmod 666 "$T/state/users/prowner"
check "an unsafe store file: non-zero exit" rc_is 1 ak prowner
check "an unsafe store file: nothing on stdout" test ! -s "$T/ak.out"
chmod 600 "$T/state/users/prowner"
echo 'require_physical_key = sometimes' >> "$CONF"
check "an invalid policy: non-zero exit" rc_is 1 ak prowner
check "an invalid policy: nothing on stdout" test ! -s "$T/ak.out"
write_policy none none
check "restored: keys again" ak prowner
check "restored: four keys" test "$(wc -l < "$T/ak.out")" = 4
# A softkey-signed login check without sshd: the printed line verifies a signature.
grep -- "$(blob own1)" "$T/ak.out" | sed 's/^/prowner /' > "$T/allowed"
echo msg > "$T/msg"
check "the enrolled key signs with the provider" sshkeygen "$T/yk.key" -Y sign -f "$T/own1" -n file "$T/msg"
check "its printed line verifies the signature" ssh-keygen -Y verify -f "$T/allowed" -I prowner -n file -s "$T/msg.sig" < "$T/msg"

# --- removal ---------------------------------------------------------------------------------
admin "" key list prowner
own1_id=$(grep -- "$(fp own1)" "$T/out" | awk '{print $2}')
check "key remove takes an SSH key by its key id" admin "" key remove prowner "$own1_id"
check "removal audited with method ssh-sk" test "$(audit_field event)/$(audit_field method)" = remove/ssh-sk
check "the removed key is no longer printed" ak prowner
check "... three keys left" test "$(wc -l < "$T/ak.out")" = 3
check "... and not the removed one" fails grep -q -- "$(blob own1)" "$T/ak.out"

done_testing

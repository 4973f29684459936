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

# --- the offered key (%t %k): the same output, a record when it is not printed ---------------
ktype() { awk '{print $1}' "$T/$1.pub"; }
# ak_offer USER KEY: the helper as sshd runs it, with KEY's type and base64
ak_offer() { timeout 30 "$AK" --config "$CONF" "$1" "$(ktype "$2")" "$(blob "$2")" > "$T/ako.out" 2> "$T/ako.err"; }
n_audit() { if [ -f "$AUDIT" ]; then wc -l < "$AUDIT"; else echo 0; fi; }
write_policy all-users owners
ak prowner
n=$(n_audit)
check "an offered printed key: exit 0" ak_offer prowner own2
check "... exactly the lines printed without it" cmp "$T/ak.out" "$T/ako.out"
check "... nothing on stderr" test ! -s "$T/ako.err"
check "... no record (the PAM step records the sign-in)" test "$(n_audit)" = "$n"
check "the owner's passkey offered: exit 0" ak_offer prowner syn
check "... the same lines" cmp "$T/ak.out" "$T/ako.out"
check "... one record" test "$(n_audit)" = $((n + 1))
check "... ssh-key-offer failure class-not-allowed" \
	test "$(audit_field event)/$(audit_field result)/$(audit_field reason)" = ssh-key-offer/failure/class-not-allowed
check "... user, service sshd, method ssh-sk, class passkey" \
	test "$(audit_field user)/$(audit_field service)/$(audit_field method)/$(audit_field class)" = prowner/sshd/ssh-sk/passkey
check "... the key's fingerprint" grep -q -- "$(fp syn)" <(tail -n 1 "$AUDIT")
check "... a parent with no TCP connection: no rhost" test -z "$(audit_field rhost)"
check "a plain key offered: the same lines" ak_offer prowner plain
check "... identical" cmp "$T/ak.out" "$T/ako.out"
check "... unsupported-algorithm" test "$(audit_field reason)" = unsupported-algorithm
check "staff's passkey offered for prstaff2: no-matching-key" ak_offer prstaff2 syn
check "... no-matching-key" test "$(audit_field user)/$(audit_field reason)" = prstaff2/no-matching-key
check "offered for a user without keys: not-enrolled" ak_offer pradmin own2
check "... not-enrolled, nothing printed" \
	test "$(audit_field user)/$(audit_field reason)/$(wc -c < "$T/ako.out")" = pradmin/not-enrolled/0
n=$(n_audit)
check "offered for an unknown user: exit 0" ak_offer no-such-user-x own2
check "... nothing printed" test ! -s "$T/ako.out"
check "... recorded as (unknown), not-found" \
	test "$(audit_field user)/$(audit_field reason)/$(audit_field role)" = "(unknown)/not-found/"
check "... the name is never recorded" fails grep -q no-such-user-x "$AUDIT"
check "... one record" test "$(n_audit)" = $((n + 1))

# The client's address: the helper as the child of a process holding a TCP
# connection, as sshd's monitor is; run_under_tcp SRC ARGS...: a Python
# parent connected to itself from SRC (both ends: peers SRC and 127.0.0.1).
run_under_tcp() {
	local src=$1; shift
	python3 - "$src" "$@" > "$T/ako.out" 2> "$T/ako.err" <<'PY'
import socket, subprocess, sys
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(1)
cli = socket.socket(); cli.bind((sys.argv[1], 0)); cli.connect(lst.getsockname())
acc, _ = lst.accept()
sys.exit(subprocess.run(sys.argv[2:]).returncode)
PY
}
check "under a TCP connection 127.0.0.1 <-> 127.0.0.1: exit 0" \
	run_under_tcp 127.0.0.1 "$AK" --config "$CONF" prowner "$(ktype syn)" "$(blob syn)"
check "... the same lines" cmp "$T/ak.out" "$T/ako.out"
check "... rhost 127.0.0.1" test "$(audit_field rhost)/$(audit_field reason)" = 127.0.0.1/class-not-allowed
check "two peers (127.0.0.9 and 127.0.0.1): exit 0" \
	run_under_tcp 127.0.0.9 "$AK" --config "$CONF" prowner "$(ktype syn)" "$(blob syn)"
check "... which is the client cannot be told: no rhost" test -z "$(audit_field rhost)"
check "... still recorded" test "$(audit_field event)/$(audit_field user)" = ssh-key-offer/prowner

# Strict arguments: anything sshd would not pass is a usage error, nothing printed or recorded.
n=$(n_audit)
b=$(blob own2)
long=$(head -c 6600 /dev/zero | base64 -w0)
bad_offer() { rc_is 2 timeout 30 "$AK" --config "$CONF" prowner "$@" > "$T/ako.out" 2> "$T/ako.err" && test ! -s "$T/ako.out"; }
check "only the type: usage error" bad_offer "$(ktype own2)"
check "four arguments: usage error" bad_offer "$(ktype own2)" "$b" extra
check "an empty type" bad_offer "" "$b"
check "a type with a blank" bad_offer "sk-ssh-ed25519@openssh.com x" "$b"
check "a type with a shell character" bad_offer 'ssh-ed25519;id' "$b"
check "a type of 65 characters" bad_offer "$(printf 'a%.0s' $(seq 65))" "$b"
check "a type the key does not have" bad_offer ssh-ed25519 "$b"
check "a type that is a prefix of the key's" bad_offer sk-ssh-ed25519 "$b"
check "empty base64" bad_offer "$(ktype own2)" ""
check "base64 with a bad character" bad_offer "$(ktype own2)" "${b%?}*"
check "(the sk key's base64 ends in padding)" test "${b%=}" != "$b"
check "non-canonical base64 (no padding)" bad_offer "$(ktype own2)" "${b%%=*}"
check "truncated base64" bad_offer "$(ktype own2)" "${b:0:40}"
check "base64 over 8192 characters" bad_offer "$(ktype own2)" "$long"
check "a blob that is no SSH key" bad_offer ssh-ed25519 "$(printf 'junkjunk' | base64)"
check "... none of them recorded" test "$(n_audit)" = "$n"
check "... and each one logged (syslog), not on stdout" test ! -s "$T/ako.out"
cp "$T/state/users/prowner" "$T/prowner.saved2"
printf 'practicerunner-credentials 2\nbroken\n' > "$T/state/users/prowner"
check "an offered key with a corrupt store: non-zero exit" rc_is 1 ak_offer prowner own2
check "... nothing on stdout" test ! -s "$T/ako.out"
check "... the offer recorded with the store's error" \
	test "$(audit_field event)/$(audit_field reason)/$(audit_field user)" = ssh-key-offer/corrupt-state/prowner
cp "$T/prowner.saved2" "$T/state/users/prowner"
check "the audit chain verifies" admin "" audit verify
write_policy none none
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

#!/bin/bash
# practicerunner-enroll ssh-challenge / enroll-ssh installed setuid root
# and run by unprivileged test users in private mount namespaces
# (setuid_lib.sh). The keys are made by real ssh-keygen, run as the user,
# with the softkey OpenSSH provider: attested physical keys, passkeys,
# challenges that are wrong, used or someone else's, files that are links,
# root's only, too large, malformed or not FIDO keys, a hostile
# environment; the invitation for a first key, a touch for a further one;
# list and remove; the audit records. Refusals change nothing. TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"

PROVIDER=$SK/libsk-softkey.so
command -v ssh-keygen >/dev/null || bail "ssh-keygen is needed"
host_dirs() { ls -d /etc/practicerunner /var/lib/practicerunner /var/log/practicerunner 2>/dev/null; }
HOST_BEFORE=$(host_dirs)
write_ns_policy all-users owners
check_setuid_possible

exit_is() { local want=$1; shift; "$@"; [ $? = "$want" ]; }
same() { [ "$1" = "$2" ]; }
nkeys() { local n; n=$(grep -c '^id=' "$NS_STATE/users/$1" 2>/dev/null); echo "${n:-0}"; }
TOKEN=
invite() {
	ns root "$SK/practicerunner-admin" invite "$@" </dev/null || return 1
	TOKEN=$(grep -oE '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' "$T/out" | tail -n 1)
	[ -n "$TOKEN" ]
}
kd() { echo "$NS_KEYS/$1"; }
# challenge USER FILE: a new challenge for USER, written to FILE (absolute) by the helper.
challenge() { rm -f "$2"; run_as "$1" ssh-challenge --output "$2"; }
# keygen USER DEVICE NAME TYPE [CHALLENGE_FILE [ssh-keygen args...]]: real ssh-keygen as USER
# with the softkey provider; files $NS_KEYS/USER/NAME{,.pub,.att} (.att only with a challenge).
keygen() {
	local u=$1 dev=$2 name=$3 type=$4 ch=${5:-} d
	shift 4; [ $# -gt 0 ] && shift
	d=$(kd "$u")
	local opts=()
	[ -n "$ch" ] && opts=(-O challenge="$ch" -O write-attestation="$d/$name.att")
	rm -f "$d/$name" "$d/$name.pub" "$d/$name.att"
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- env -i PATH=/usr/bin:/bin \
		PRACTICERUNNER_SOFTKEY="$(key_path "$u" "$dev")" SSH_SK_PROVIDER="$PROVIDER" \
		LD_PRELOAD="${PR_SANITIZER_PRELOAD:-}" ASAN_OPTIONS=detect_leaks=0 \
		timeout 60 ssh-keygen -q -w "$PROVIDER" -t "$type" "${opts[@]}" -N '' -C "$name" \
		-f "$d/$name" "$@" </dev/null > "$T/keygen.out" 2>&1
}
fp() { ssh-keygen -l -f "$1" | awk '{print $2}'; }
last_has() { tail -n 1 "$AUDIT_NS" | grep -q -- "$1"; }
ENROLLED=0

user_key prowner yk yubikey5
user_key prowner sy synced
user_key prowner2 yk yubikey5
user_key prowner2 yk2 yubikey5
user_key prowner2 sy synced
user_key prstaff sy synced
user_key prstaff yk yubikey5
KO=$(kd prowner) KO2=$(kd prowner2) KS=$(kd prstaff)

# --- the commands exist ----------------------------------------------------------------
check "--help names ssh-challenge and enroll-ssh" run_as prstaff --help
check "... (ssh-challenge)" out_has "ssh-challenge \[--output FILE\]"
check "... (enroll-ssh)" out_has "enroll-ssh PUBKEY_FILE"

# --- ssh-challenge ---------------------------------------------------------------------------
before=$(snapshot)
check "ssh-challenge --output with a relative path: usage error" exit_is 2 run_as prowner ssh-challenge --output ch
check "... saying to give a full path" out_has "full path"
check "ssh-challenge with an extra argument: usage error" exit_is 2 run_as prowner ssh-challenge x
check "... nothing written" same "$before" "$(snapshot)"
check "ssh-challenge --output FILE" challenge prowner "$KO/ch1"
check "... prints the file's name" out_has "^$KO/ch1\$"
check "... and how to make the key" out_has "ssh-keygen -t ed25519-sk -O challenge=$KO/ch1"
check "... 32 bytes" test "$(stat -c %s "$KO/ch1")" = 32
check "... made with the caller's rights: the caller's file, 0600" test "$(stat -c '%U %a' "$KO/ch1")" = "prowner 600"
check "... kept in the state directory, root's" test "$(stat -c '%U %a' "$NS_STATE/ssh-challenges/prowner")" = "root 600"
before=$(snapshot)
check "an existing output file is never overwritten" exit_is 1 run_as prowner ssh-challenge --output "$KO/ch1"
check "... saying so" out_has "exists already"
ln -s "$T/victim" "$KO/chlink"
check "an output name that is a link (dangling) is refused" exit_is 1 run_as prowner ssh-challenge --output "$KO/chlink"
check "... the link's target was not created" test ! -e "$T/victim"
mkdir -m 755 "$T/rootdir"
check "a directory only root may write to is refused (the file is made with the caller's rights)" \
	exit_is 1 run_as prowner ssh-challenge --output "$T/rootdir/ch"
check "... Permission denied" out_has "Permission denied"
check "... nothing created there" test -z "$(ls -A "$T/rootdir")"
check "refused outputs wrote nothing (store, challenges, audit)" same "$before" "$(snapshot)"
check "ssh-challenge without --output: a new file in /tmp" run_as prowner ssh-challenge
tmpch=$(grep -m 1 '^/tmp/practicerunner-ssh-challenge\.' "$T/out")
check "... whose name is printed" test -n "$tmpch"
check "... the caller's, 0600, 32 bytes" test "$(stat -c '%U %a %s' "$tmpch" 2>&1)" = "prowner 600 32"
check "... and it replaced the earlier challenge" fails cmp -s "$tmpch" "$KO/ch1"
rm -f "$tmpch"

# --- a first key needs the invitation -------------------------------------------------------------
check "ssh-challenge for prowner" challenge prowner "$KO/ch1"
check "ssh-keygen as prowner makes an attested ed25519-sk key" keygen prowner yk k1 ed25519-sk "$KO/ch1"
FP1=$(fp "$KO/k1.pub")
attach prowner/yk
check "first SSH key without an invitation: refused" exit_is 1 run_as prowner enroll-ssh "$KO/k1.pub" --attestation "$KO/k1.att"
check "... telling the user to ask for one" out_has "no enrollment invitation"
check "... nothing stored" test "$(nkeys prowner)" = 0
check "... the challenge is still there (no proof, nothing taken)" test -f "$NS_STATE/ssh-challenges/prowner"
check "audit: the failure, method ssh-sk, naming the key" \
	bash -c '[ "$1" = enroll/failure/ssh-sk ] && tail -n 1 "$0" | grep -q -- "$2"' "$AUDIT_NS" \
	"$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last method)" "$FP1"
check "admin invites prowner" invite prowner
check "a wrong token: refused" exit_is 1 run_as_in prowner "not-the-token" enroll-ssh "$KO/k1.pub" --attestation "$KO/k1.att"
check "... nothing stored" test "$(nkeys prowner)" = 0
check "... the challenge is still there" test -f "$NS_STATE/ssh-challenges/prowner"
check "with the token: the attested key is enrolled" run_as_in prowner "$TOKEN" enroll-ssh "$KO/k1.pub" --attestation "$KO/k1.att" --label laptop
ENROLLED=$((ENROLLED + 1))
check "... physical" out_has "physical"
check "... the report names its fingerprint" out_has "$FP1"
check "... and says an SSH key does not sign in at a workstation" out_has "over SSH only"
check "... stored as an SSH key, root's file" bash -c 'grep -q "kind=ssh .* app=ssh:$" "$0" && [ "$(stat -c "%U %a" "$0")" = "root 600" ]' "$NS_STATE/users/prowner"
check "... the challenge is used up" test ! -e "$NS_STATE/ssh-challenges/prowner"
check "... the invitation is used up" test -z "$(find "$NS_STATE/invites" -name prowner 2>/dev/null)"
check "audit: enroll success, method ssh-sk, class physical" \
	test "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last method)/$(audit_ns_last class)" = enroll/success/ssh-sk/physical
check "audit: user and actor the caller, role owner" test "$(audit_ns_last user)/$(audit_ns_last actor)/$(audit_ns_last role)" = prowner/prowner/owner
check "audit: the fingerprint and the proof" bash -c 'last=$(tail -n 1 "$0"); grep -q -- "$1" <<<"$last" && grep -q "invitation" <<<"$last"' "$AUDIT_NS" "$FP1"
check "the same key again: refused before any prompt" exit_is 1 run_as prowner enroll-ssh "$KO/k1.pub"
check "... already enrolled" out_has "already enrolled"
check "sshd would now accept it (practicerunner-authorized-keys)" ns root "$SK/practicerunner-authorized-keys" prowner
check "... the key's line" out_has "$(awk '{print $2}' "$KO/k1.pub")"

# --- passkeys: refused for an owner under the physical requirement, accepted for staff ---------------
before=$(snapshot)
check "prowner: a key without attestation: refused before any prompt" exit_is 1 run_as prowner enroll-ssh "$KO/k1.pub"
keygen prowner sy pk ed25519-sk
check "prowner: a synced key without attestation: refused" exit_is 1 run_as prowner enroll-ssh "$KO/pk.pub"
check "... explaining the physical requirement" out_has "requires a physical security key"
check "... no token or touch was asked for" fails out_has "token\|Touch"
check "... nothing stored" test "$(nkeys prowner)" = 1
check "audit: reason class-not-allowed, naming the key" \
	bash -c '[ "$1" = class-not-allowed ] && tail -n 1 "$0" | grep -q -- "$2"' "$AUDIT_NS" "$(audit_ns_last reason)" "$(fp "$KO/pk.pub")"
check "admin invites prstaff" invite prstaff
keygen prstaff sy spk ed25519-sk
check "staff: a synced key without attestation, with the invitation: enrolled" run_as_in prstaff "$TOKEN" enroll-ssh "$KS/spk.pub" --label phone
ENROLLED=$((ENROLLED + 1))
check "... as a passkey" out_has "passkey"
check "audit: success, class passkey" test "$(audit_ns_last result)/$(audit_ns_last class)" = success/passkey

# --- a further key: a touch of an enrolled FIDO key -----------------------------------------------------
check "admin invites prowner2" invite prowner2
attach prowner2/yk
check "prowner2 enrolls a FIDO key with the invitation" run_as_in prowner2 "$TOKEN" enroll --label desk
ENROLLED=$((ENROLLED + 1))
KF=$(keyids_of prowner2)
check "ssh-challenge for prowner2" challenge prowner2 "$KO2/ch"
check "ssh-keygen as prowner2 makes an attested ecdsa-sk key" keygen prowner2 yk2 e1 ecdsa-sk "$KO2/ch"
cp "$KO2/ch" "$KO2/ch-used"; chown prowner2: "$KO2/ch-used"
FPE=$(fp "$KO2/e1.pub")
attach
check "no enrolled key attached: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e1.pub" --attestation "$KO2/e1.att"
check "... no security key found" out_has "no security key found"
check "... nothing stored, the challenge kept" bash -c '[ "$(grep -c "^id=" "$0")" = 1 ] && [ -f "$1" ]' "$NS_STATE/users/prowner2" "$NS_STATE/ssh-challenges/prowner2"
attach prowner2/yk
key_set prowner2 yk --touch no
check "the enrolled key not touched: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e1.pub" --attestation "$KO2/e1.att"
check "... not touched in time" out_has "not touched in time"
check "audit: reason timeout, method ssh-sk, naming the new key" \
	bash -c '[ "$1" = timeout/ssh-sk ] && tail -n 1 "$0" | grep -q -- "$2"' "$AUDIT_NS" "$(audit_ns_last reason)/$(audit_ns_last method)" "$FPE"
key_set prowner2 yk --touch yes
check "after a touch of the enrolled key: the ecdsa-sk key is enrolled" run_as prowner2 enroll-ssh "$KO2/e1.pub" --attestation "$KO2/e1.att" --label laptop
ENROLLED=$((ENROLLED + 1))
check "... asked for the touch" out_has "Touch one of your enrolled keys"
check "... physical" out_has "physical"
check "... no workstation note (a FIDO key is enrolled)" fails out_has "over SSH only"
check "... two keys" test "$(nkeys prowner2)" = 2
check "audit: confirmed with the FIDO key, the fingerprint" \
	bash -c 'tail -n 1 "$0" | grep -q "confirmed%20with%20key%20$1" && tail -n 1 "$0" | grep -q -- "$2"' "$AUDIT_NS" "$KF" "$FPE"

# --- passkey with attestation, challenges wrong, used, someone else's ---------------------------------
check "prowner2: challenge" challenge prowner2 "$KO2/ch"
keygen prowner2 sy s1 ed25519-sk "$KO2/ch"
check "an attested synced key (passkey class): refused for the owner after the touch" \
	exit_is 1 run_as prowner2 enroll-ssh "$KO2/s1.pub" --attestation "$KO2/s1.att"
check "... explaining the policy" out_has "requires a physical security key"
check "... nothing stored" test "$(nkeys prowner2)" = 2
check "audit: class-not-allowed, class passkey" test "$(audit_ns_last reason)/$(audit_ns_last class)" = class-not-allowed/passkey

check "prowner2: challenge A" challenge prowner2 "$KO2/chA"
keygen prowner2 yk2 e2 ecdsa-sk "$KO2/chA"
check "prowner2: challenge B replaces A" challenge prowner2 "$KO2/chB"
check "a key made with a replaced challenge: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e2.pub" --attestation "$KO2/e2.att"
check "... attestation refused" out_has "attestation refused"
check "... nothing stored" test "$(nkeys prowner2)" = 2
check "audit: the failure, naming the key" bash -c 'tail -n 1 "$0" | grep -q "result=failure" && tail -n 1 "$0" | grep -q -- "$1"' "$AUDIT_NS" "$(fp "$KO2/e2.pub")"
check "the challenge was used up by that try" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e2.pub" --attestation "$KO2/e2.att"
check "... no challenge waiting" out_has "no SSH enrollment challenge is waiting"
check "... nothing stored" test "$(nkeys prowner2)" = 2
check "ssh-keygen with the used challenge" keygen prowner2 yk2 e5 ecdsa-sk "$KO2/ch-used"
check "prowner2: a new challenge" challenge prowner2 "$KO2/chC"
check "a key made with the challenge an enrollment used: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e5.pub" --attestation "$KO2/e5.att"
check "... attestation refused" out_has "attestation refused"
check "... nothing stored" test "$(nkeys prowner2)" = 2
check "prstaff: a challenge of their own" challenge prstaff "$KS/ch"
cp "$KS/ch" "$KO2/staffch"; chown prowner2: "$KO2/staffch"
staff_state=$(sha256sum < "$NS_STATE/ssh-challenges/prstaff")
keygen prowner2 yk2 e3 ecdsa-sk "$KO2/staffch"
check "prowner2: a challenge of their own" challenge prowner2 "$KO2/chD"
check "a key made with another user's challenge: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e3.pub" --attestation "$KO2/e3.att"
check "... attestation refused" out_has "attestation refused"
check "... nothing stored" test "$(nkeys prowner2)" = 2
check "... the other user's challenge is untouched" same "$staff_state" "$(sha256sum < "$NS_STATE/ssh-challenges/prstaff")"

# --- files: with the caller's rights only, no links, bounded, well-formed ------------------------------
check "prowner2: challenge" challenge prowner2 "$KO2/ch"
keygen prowner2 yk2 e4 ecdsa-sk "$KO2/ch"
ln -s "$KO2/e4.pub" "$KO2/link.pub"
ln -s "$KO2/e4.att" "$KO2/link.att"
cp "$KO2/e4.pub" "$T/rootonly.pub"; chmod 600 "$T/rootonly.pub"
cp "$KO2/e4.att" "$T/rootonly.att"; chmod 600 "$T/rootonly.att"
head -c 20000 /dev/zero | tr '\0' 'A' > "$KO2/big.pub"
{ cat "$KO2/e4.att"; head -c 70000 /dev/zero; } > "$KO2/big.att"
printf 'garbage\n' > "$KO2/garbage.pub"
cat "$KO2/e4.pub" "$KO/k1.pub" > "$KO2/two.pub"
{ printf '%s\0' "$(cat "$KO2/e4.pub")"; echo trailing; } > "$KO2/nul.pub"
setpriv --reuid=prowner2 --regid="$(id -g prowner2)" --init-groups -- ssh-keygen -q -t ed25519 -N '' -C plain -f "$KO2/plain" </dev/null >/dev/null
mkfifo "$KO2/fifo.pub"
chown prowner2: "$KO2"/*.pub "$KO2"/*.att
before=$(snapshot)
check "a public key file that is a link: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/link.pub" --attestation "$KO2/e4.att"
check "... saying so" out_has "symbolic link"
check "an attestation file that is a link: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e4.pub" --attestation "$KO2/link.att"
check "... saying so" out_has "symbolic link"
check "a public key file only root may read: refused (read with the caller's rights)" exit_is 1 run_as prowner2 enroll-ssh "$T/rootonly.pub" --attestation "$KO2/e4.att"
check "... Permission denied" out_has "Permission denied"
check "an attestation file only root may read: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e4.pub" --attestation "$T/rootonly.att"
check "... Permission denied" out_has "Permission denied"
check "/etc/shadow as the key: refused as unreadable, not as malformed" exit_is 1 run_as prowner2 enroll-ssh /etc/shadow
check "... Permission denied" out_has "Permission denied"
check "an oversized public key file: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/big.pub"
check "... saying it is too large" out_has "larger than"
check "an oversized attestation file: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e4.pub" --attestation "$KO2/big.att"
check "... saying it is too large" out_has "larger than"
check "a malformed key: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/garbage.pub"
check "two keys in one file: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/two.pub"
check "a NUL byte in the file: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/nul.pub"
check "... saying so" out_has "NUL byte"
check "a plain (non-FIDO) ed25519 key: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/plain.pub"
check "... naming what is accepted" out_has "not a FIDO security key type"
check "a FIFO: refused at once" exit_is 1 run_as prowner2 enroll-ssh "$KO2/fifo.pub"
check "... not a regular file" out_has "not a regular file"
check "a directory: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2"
check "a missing file: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/nope.pub"
check "a relative path: usage error" exit_is 2 run_as prowner2 enroll-ssh e4.pub
check "... saying to give a full path" out_has "full path"
check "a garbage attestation: refused" exit_is 1 run_as prowner2 enroll-ssh "$KO2/e4.pub" --attestation "$KO2/garbage.pub"
check "missing arguments: usage error" exit_is 2 run_as prowner2 enroll-ssh
check "a label with control characters: usage error" exit_is 2 run_as prowner2 enroll-ssh "$KO2/e4.pub" --label $'a\e[31mb'
check "none of these wrote anything (store, challenge, audit)" same "$before" "$(snapshot)"

# --- a hostile environment -----------------------------------------------------------------------------
mkdir -m 1777 "$T/mark"
cat > "$T/evil.c" <<'EOC'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/ran-euid-%d", MARK_DIR, (int)geteuid());
	close(open(p, O_WRONLY | O_CREAT, 0666));
}
EOC
${CC:-cc} -shared -fPIC -DMARK_DIR="\"$T/mark\"" -o "$T/evil.so" "$T/evil.c" || bail "cannot build evil.so"
chmod 755 "$T/evil.so"
printf 'openssl_conf = evil\n[evil]\nengines = e\n[e]\nx = y\n[y]\ndynamic_path = %s\ninit = 1\n' "$T/evil.so" > "$T/evil.cnf"
chmod 644 "$T/evil.cnf"
check "control: the evil library runs in an ordinary program" ns prowner2 env LD_PRELOAD="$T/evil.so" /bin/true
check "... leaving its marker" test -n "$(ls -A "$T/mark")"
rm -f "$T/mark"/*
attach prowner2/yk
check "LD_PRELOAD, LD_AUDIT, OPENSSL_CONF, SSH_SK_PROVIDER, TMPDIR, PRACTICERUNNER_SOFTKEY: the key still enrolls" \
	ns prowner2 env LD_PRELOAD="$T/evil.so" LD_AUDIT="$T/evil.so" OPENSSL_CONF="$T/evil.cnf" \
	SSH_SK_PROVIDER="$T/evil.so" TMPDIR="$T/mark" PRACTICERUNNER_SOFTKEY=/nonexistent IFS=/ \
	PATH="$T/mark" "$ENROLL" enroll-ssh "$KO2/e4.pub" --attestation "$KO2/e4.att" </dev/null
ENROLLED=$((ENROLLED + 1))
check "... none of it ran" test -z "$(ls -A "$T/mark")"
check "... three keys" test "$(nkeys prowner2)" = 3
check "TMPDIR is ignored for the challenge file" ns prowner2 env TMPDIR="$T/mark" "$ENROLL" ssh-challenge </dev/null
check "... it is in /tmp" bash -c 'f=$(grep -m 1 "^/tmp/practicerunner-ssh-challenge\." "$0") && rm -f "$f"' "$T/out"
check "... nothing in TMPDIR" test -z "$(ls -A "$T/mark")"
check "--config as a user: refused" exit_is 2 run_as prowner2 --config "$T/evil.cnf" enroll-ssh "$KO2/e4.pub"
check "--user as a user: refused" exit_is 2 run_as prowner2 --user prstaff enroll-ssh "$KO2/e4.pub"
check "--user as a user for ssh-challenge: refused" exit_is 2 run_as prowner2 --user prstaff ssh-challenge

# --- list and remove -------------------------------------------------------------------------------------
check "list" run_as prowner2 list
check "... the SSH keys with type and fingerprint" bash -c 'grep -q "ssh sk-ecdsa-sha2-nistp256@openssh.com $1" "$0" && grep -q -- "$2" "$0"' "$T/out" "$FPE" "$(fp "$KO2/e4.pub")"
check "... and the FIDO key" out_has "$KF"
KE=$(grep -- "$FPE" "$T/out" | awk '{print $1}' | tr -d '*')
check "... whose key id is 12 hex digits" test "${#KE}" = 12
check "staff's list: the passkey SSH key" run_as prstaff list
check "... with its fingerprint" out_has "$(fp "$KS/spk.pub")"
key_set prowner2 yk --touch no
check "remove an SSH key without a touch: refused" exit_is 1 run_as prowner2 remove "$KE"
check "... three keys" test "$(nkeys prowner2)" = 3
key_set prowner2 yk --touch yes
check "remove the SSH key with a touch of the FIDO key" run_as prowner2 remove "$KE"
check "... says it no longer works over SSH" out_has "no longer sign you in over SSH"
check "... two keys" test "$(nkeys prowner2)" = 2
check "audit: remove success, method ssh-sk, the fingerprint" \
	bash -c '[ "$1" = remove/success/ssh-sk ] && tail -n 1 "$0" | grep -q -- "$2"' "$AUDIT_NS" "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last method)" "$FPE"
check "the last FIDO key: refused (SSH keys do not sign in at the console)" exit_is 1 run_as prowner2 remove "$KF"
check "... your last physical security key" out_has "your last physical security key"
check "... two keys" test "$(nkeys prowner2)" = 2
check "prowner (only an SSH key, no FIDO key to confirm): remove refused" exit_is 1 run_as prowner remove "$(keyids_of prowner)"
check "... no key can confirm" out_has "none of your keys can confirm"

# --- the record ----------------------------------------------------------------------------------------
check "every enrollment is in the audit log" test "$(grep -c ' event=enroll result=success ' "$AUDIT_NS")" = "$ENROLLED"
check "every SSH enrollment record says method ssh-sk and names a key" \
	test "$(grep ' event=enroll result=success ' "$AUDIT_NS" | grep ' method=ssh-sk ' | grep -c 'ssh-key%20SHA256:')" = "$((ENROLLED - 1))"
check "audit chain verifies" ns root "$SK/practicerunner-admin" audit verify
check "the host's /etc, /var/lib and /var/log are as they were" same "$HOST_BEFORE" "$(host_dirs)"
done_testing

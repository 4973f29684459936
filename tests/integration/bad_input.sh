#!/bin/bash
# Bad input, end to end (the README's "Bad input" table): the real module
# under pam_wrapper and the admin CLI fed malformed, oversized, binary,
# unsafe or hostile input. For each: the exact PAM result or exit status,
# what the person reads (plain words, no paths or internals), the detail
# in the log for the administrator, and nothing lost: the state directory
# and the audit log hashed before and after, where the only change allowed
# is one appended failure record (and the chain still verifies).
. "$top_srcdir/tests/integration/lib.sh"

W=$T/work                      # this test's own files, outside every snapshot
mkdir -m 700 "$W"
UNAVAILABLE="Security key sign-in is unavailable right now. Contact your administrator."

# --- what is compared -------------------------------------------------------------------
# Every entry of the state dir (type, mode, owner, link target) and every
# file's hash; the names beside it in $T (so "../x" cannot create one).
state_snap() {
	(cd "$T" && find state -printf '%p %y %m %u %g %l\n' | LC_ALL=C sort &&
		find state -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum &&
		ls -A | grep -vE '^(out|work|audit\.log|audit\.log\.head|audit\.log\.rate)$|\.key')
}
audit_snap() { (cd "$T" && find . -maxdepth 1 -name 'audit.log*' -printf '%p %y %m %u %l\n' | LC_ALL=C sort &&
	sha256sum audit.log audit.log.head 2>/dev/null); }
snap() { state_snap; audit_snap; }
# mark: remember the state and the log as they are now
mark() {
	S0=$(state_snap); A0=$(snap)
	cp -p "$AUDIT" "$W/audit.before" 2>/dev/null || : > "$W/audit.before"
}
# nothing_written: not a byte changed, not an entry added or removed
nothing_written() {
	[ "$A0" = "$(snap)" ] && return 0
	diff <(echo "$A0") <(snap) | sed 's/^/# /'
	return 1
}
# refusal_only REASON: the state as it was; the log as it was plus exactly
# one record, a failure for REASON; the chain verifies
refusal_only() {
	local reason=$1 n0 n1
	[ "$S0" = "$(state_snap)" ] || { diff <(echo "$S0") <(state_snap) | sed 's/^/# /'; return 1; }
	n0=$(stat -c %s "$W/audit.before")
	cmp -s -n "$n0" "$W/audit.before" "$AUDIT" || { echo "# earlier records changed"; return 1; }
	tail -c +"$((n0 + 1))" "$AUDIT" > "$W/audit.new"
	[ "$(wc -l < "$W/audit.new")" = 1 ] || { sed 's/^/# new: /' "$W/audit.new"; return 1; }
	grep -q " result=failure reason=$reason " "$W/audit.new" || { sed 's/^/# new: /' "$W/audit.new"; return 1; }
	"$SK/practicerunner-admin" --config "$CONF" audit verify > "$W/verify.out" 2>&1 ||
		{ sed 's/^/# /' "$W/verify.out"; return 1; }
}

# --- what is read ----------------------------------------------------------------------
# says TEXT: the person was shown exactly this line
says() { grep -qxF -- "error: $1" "$T/out"; }
# plain_words: what the person read names no file, line, byte or internal state
plain_words() {
	! grep -E '^(error|info|prompt): ' "$T/out" |
		grep -qiE "$T|/|\.conf|:[0-9]|0x|nul|symbolic|permission|owned|corrupt|torn|malformed|libconfuse|errno"
}
# no_words: the person was told nothing at all (unknown accounts get no hint)
no_words() { ! grep -qE '^(error|info|prompt): ' "$T/out"; }
# no_words_but_refusal: the one refusal sentence every account reads before a key answers
no_words_but_refusal() {
	[ "$(grep -E '^(error|info|prompt): ' "$T/out" | grep -vxF 'prompt: Recovery ticket (press Enter to skip): ')" = \
	  "error: Security key sign-in did not succeed. Insert an enrolled security key and touch it when asked, or ask your administrator." ]
}
# logged TEXT: the module's log line (pam_wrapper hands pam_syslog to stderr) has TEXT
logged() { grep '^PWRAP' "$T/out" | grep -qF -- "$1"; }
# cli_says STATUS TEXT CMD...: the admin CLI exits STATUS and its output has TEXT
cli_says() {
	local want=$1 text=$2 rc; shift 2
	"$@"; rc=$?
	[ "$rc" = "$want" ] || { echo "# exit status $rc, wanted $want"; return 1; }
	grep -qF -- "$text" "$T/out"
}
restore() { rm -f "$2"; cp -p "$W/$1" "$2"; }
# junk N: N bytes of binary junk, the same every run: an ELF header (0x7f,
# then a NUL before any newline), then pseudo-random bytes
junk() {
	python3 -c 'import random, sys
n = int(sys.argv[1]); r = random.Random(8)
sys.stdout.buffer.write((b"\x7fELF\x02\x01\x01\x00" + bytes(r.getrandbits(8) for _ in range(n)))[:n])' "$1"
}

new_key yk yubikey5
new_key sy synced
new_key yk2 yubikey5
write_policy all-users owners
service login
check "setup: owner's physical key" admin "$T/yk.key" key enroll prowner --label desk
check "setup: staff passkey" admin "$T/sy.key" key enroll prstaff --label phone
check "setup: staff signs in" expect_pam PAM_SUCCESS login prstaff auth "$T/sy.key"
cp -p "$CONF" "$W/pr.conf"
cp -p "$T/state/users/prstaff" "$W/prstaff"
cp -p "$T/state/users/prowner" "$W/prowner"

# === policy file ===================================================================
# bad_policy NAME LOG-TEXT: with the policy file as it now is, sign-in and
# the account phase are a service error with a neutral message, the log
# names file, line and fault, nothing is written; "policy check" exits 3
# with the same words.
bad_policy() {
	local name=$1 text=$2
	mark
	check "$name: auth denied, PAM_SERVICE_ERR" expect_pam PAM_SERVICE_ERR login prstaff auth "$T/sy.key"
	check "$name: the user reads a plain refusal" says "$UNAVAILABLE"
	check "$name: ... with no internals" plain_words
	check "$name: the log names it" logged "policy not loaded, denying: $text"
	check "$name: account phase denied too" expect_pam PAM_SERVICE_ERR login prstaff account ""
	check "$name: nothing written" nothing_written
	check "$name: policy check exits 3 naming it" cli_says 3 "$text" admin "" policy check
	restore pr.conf "$CONF"
}

# malformed values
printf 'rp_id = "pam://x"\nrequire_security_key = sometimes\n' > "$CONF"
bad_policy "policy: value out of its set" "$CONF:2: invalid value 'sometimes' for require_security_key"
printf 'rp_id = "pam://x"\n\ntouch_timeout = 30s\n' > "$CONF"
bad_policy "policy: number with a unit" "$CONF:3: invalid value '30s' for touch_timeout"
printf 'rp_id = ""\n' > "$CONF"
bad_policy "policy: empty rp_id" "$CONF:1: invalid value '' for rp_id"
printf 'rp_id = "pam://x"\nstate_dir = "var/lib/x"\n' > "$CONF"
bad_policy "policy: relative state_dir" "$CONF:2: invalid value 'var/lib/x' for state_dir"
printf 'rp_id = "pam://x"\nexempt = {"prowner"}\nroles {\n  owners = {"prowner"}\n}\n' > "$CONF"
bad_policy "policy: owner exempt" "$CONF:2: exempt lists 'prowner', who is an owner"
printf 'rp_id = "pam://x"\nroles {\n  owners = {"prowner"}\n  owners = {}\n}\n' > "$CONF"
bad_policy "policy: a list given twice" "$CONF:4: owners is given twice"
printf 'rp_id = "pam://x"\nstate_dir = "${HOME}"\n' > "$CONF"
bad_policy "policy: environment expansion" "$CONF:2: '\${' is not allowed"
# unknown keys
printf 'rp_id = "pam://x"\nrequire_security_key = all-users\nrequire_yubikey = yes\n' > "$CONF"
bad_policy "policy: unknown key" "$CONF:3: no such option 'require_yubikey'"
printf 'rp_id = "pam://x"\nroles {\n  staff = {"prstaff"}\n}\n' > "$CONF"
bad_policy "policy: unknown key in a section" "$CONF:3: no such option 'staff'"
# huge
{ cat "$W/pr.conf"; head -c 262144 /dev/zero | tr '\0' '#'; } > "$CONF"
bad_policy "policy: one byte past 256 KiB" "$CONF: is larger than 262144 bytes"
rm -f "$CONF"; truncate -s 4G "$CONF"; chmod 644 "$CONF"
start=$(date +%s)
bad_policy "policy: 4 GiB (sparse)" "$CONF: is larger than 262144 bytes"
limit=10; [ -n "$VG" ] && limit=300   # memcheck starts slowly
check "policy: 4 GiB refused without reading it (2 runs and a check in under ${limit} s)" test $(( $(date +%s) - start )) -lt "$limit"
# binary junk, NUL bytes
junk 4096 > "$CONF"
bad_policy "policy: binary junk" "$CONF:1: contains control character 0x7f"
{ cat "$W/pr.conf"; printf 'exempt = {"a\0b"}\n'; } > "$CONF"
bad_policy "policy: NUL byte" "$CONF:$(( $(wc -l < "$W/pr.conf") + 1 )): contains a NUL byte"
# unsafe file
chmod 666 "$CONF"
bad_policy "policy: world-writable" "$CONF: is writable by group or others"
chmod 664 "$CONF"
bad_policy "policy: group-writable" "$CONF: is writable by group or others"
chown 65534 "$CONF"
bad_policy "policy: owned by another user" "$CONF: is not owned by root"
cp -p "$W/pr.conf" "$W/decoy.conf"; rm -f "$CONF"; ln -s "$W/decoy.conf" "$CONF"
bad_policy "policy: symbolic link" "$CONF: is a symbolic link"
rm -f "$CONF"; mkfifo -m 644 "$CONF"
bad_policy "policy: a FIFO (would block a reader)" "$CONF: is not a regular file"

# === credential store ===============================================================
# bad_store NAME REASON LOG-TEXT: prstaff's sign-in is PAM_AUTHINFO_UNAVAIL,
# the log names the file, only the refusal is recorded, the damage is left
# as found for the administrator.
bad_store() {
	local name=$1 reason=$2 text=$3
	mark
	check "$name: denied, PAM_AUTHINFO_UNAVAIL" expect_pam PAM_AUTHINFO_UNAVAIL login prstaff auth "$T/sy.key"
	check "$name: the user reads a plain refusal" says "$UNAVAILABLE"
	check "$name: ... with no internals" plain_words
	check "$name: the log names it" logged "credential store: $text"
	check "$name: only the refusal recorded ($reason), the file left as found" refusal_only "$reason"
}
U=$T/state/users/prstaff
junk 3000 > "$U"
bad_store "store: binary junk" corrupt-state "$U:1: NUL byte in file"
restore prstaff "$U"; printf 'id=x\0y\n' >> "$U"
bad_store "store: NUL byte" corrupt-state "$U:3: NUL byte in file"
restore prstaff "$U"; sed -i 's/ sign_count=0 / sign_count=-1 /' "$U"
bad_store "store: malformed value" corrupt-state "$U:2:"
restore prstaff "$U"; sed -i 's/ class=passkey / class=passkey colour=red /' "$U"
bad_store "store: unknown field" corrupt-state "$U:2:"
restore prstaff "$U"; head -c 2000000 /dev/zero | tr '\0' '#' >> "$U"
bad_store "store: huge" corrupt-state "$U"
restore prstaff "$U"; head -c -1 "$W/prstaff" > "$U"
bad_store "store: torn last line" corrupt-state "$U:2: last line has no newline"
restore prstaff "$U"; chmod 644 "$U"
bad_store "store: file readable by others" unsafe-file "$U: has unsafe permissions"
chmod 600 "$U"; chown 65534 "$U"
bad_store "store: file owned by another user" unsafe-file "$U: is not owned by root"
chown root "$U"; mv "$U" "$W/decoy"; ln -s "$W/decoy" "$U"
bad_store "store: file is a symbolic link" unsafe-file "$U: is a symbolic link"
check "store: the link's target untouched" cmp -s "$W/decoy" "$W/prstaff"
rm -f "$U"; restore prstaff "$U"
chmod 755 "$T/state/users"
bad_store "store: users/ open to others" unsafe-file "$T/state/users: has unsafe permissions"
chmod 700 "$T/state/users"; chown 65534 "$T/state/users"
bad_store "store: users/ owned by another user" unsafe-file "$T/state/users: is not owned by root"
chown root "$T/state/users"; chmod 777 "$T/state"
bad_store "store: state dir world-writable" unsafe-file "$T/state: has unsafe permissions"
chmod 700 "$T/state"; mv "$T/state" "$W/state"; ln -s "$W/state" "$T/state"
bad_store "store: state dir is a symbolic link" unsafe-file "$T/state: is a symbolic link"
rm -f "$T/state"; mv "$W/state" "$T/state"
check "store: sign-in works again once repaired" expect_pam PAM_SUCCESS login prstaff auth "$T/sy.key"

# === audit log ======================================================================
# A log that cannot be appended to: no sign-in succeeds unrecorded
# (PAM_AUTHINFO_UNAVAIL), and the log is left exactly as found. The key did
# sign, so its counter and last use are stored (a clone must not replay the
# values it skipped); nothing else in the state changes.
creds_but_use() { sed 's/ sign_count=[0-9]* / /; s/ last_used=[0-9]*$//' "$@"; }
bad_audit() {
	local name=$1 text=$2
	S0=$(creds_but_use "$T/state/users/prowner" "$T/state/users/prstaff"); A0=$(audit_snap)
	check "$name: a good key is refused, PAM_AUTHINFO_UNAVAIL" expect_pam PAM_AUTHINFO_UNAVAIL login prowner auth "$T/yk.key"
	check "$name: the user reads a plain refusal" says "$UNAVAILABLE"
	check "$name: ... with no internals" plain_words
	check "$name: the log names it" logged "audit record not written: $text"
	check "$name: the audit files left exactly as found" test "$A0" = "$(audit_snap)"
	check "$name: the credentials unchanged but for the key's counter and last use" \
		test "$S0" = "$(creds_but_use "$T/state/users/prowner" "$T/state/users/prstaff")"
}
cp -p "$AUDIT" "$W/audit.log"; cp -p "$AUDIT.head" "$W/audit.log.head"
junk 500 >> "$AUDIT"
bad_audit "audit log: binary junk at the end" "$AUDIT: last record is torn"
check "audit log: verify reports it, exit 1" cli_says 1 "audit.log:18: last record is torn" admin "" audit verify
restore audit.log "$AUDIT"; printf 'seq=99 time=x\0\n' >> "$AUDIT"
bad_audit "audit log: NUL byte in the last record" "$AUDIT:"
restore audit.log "$AUDIT"; chmod 666 "$AUDIT"
bad_audit "audit log: world-writable" "$AUDIT: has unsafe permissions"
chmod 600 "$AUDIT"; mv "$AUDIT" "$W/audit.decoy"; ln -s "$W/audit.decoy" "$AUDIT"
bad_audit "audit log: symbolic link" "$AUDIT: is a symbolic link"
check "audit log: the link's target untouched" cmp -s "$W/audit.decoy" "$W/audit.log"
rm -f "$AUDIT"; restore audit.log "$AUDIT"; chown 65534 "$AUDIT"
bad_audit "audit log: owned by another user" "$AUDIT: is not owned by root"
chown root "$AUDIT"; junk 200 > "$AUDIT.head"
bad_audit "audit head: binary junk" "$AUDIT.head: is too large"
restore audit.log.head "$AUDIT.head"
check "audit log: sign-in works again once repaired" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
check "audit log: the chain verifies" admin "" audit verify

# === invitation, recovery ticket and code files ======================================
printf 'recovery {\n  services = {"login"}\n}\n' >> "$CONF"
cp -p "$CONF" "$W/pr.conf"
check "setup: recovery codes for the owner" admin "" codes generate prowner
check "setup: an invitation for prstaff2" admin "" invite prstaff2
check "setup: a recovery ticket for the owner" admin "" recovery start prowner
for f in invites/prstaff2 tickets/prowner codes/prowner; do cp -p "$T/state/$f" "$W/${f//\//_}"; done

junk 2000 > "$T/state/invites/prstaff2"
mark
check "invitation junk: invite list exits 4 naming it" cli_says 4 "invites/prstaff2:1: NUL byte in file" admin "" invite list
check "invitation junk: invite will not overwrite it (exit 4)" cli_says 4 "revoke the invitation to remove it" admin "" invite prstaff2
check "invitation junk: only the refusal recorded" refusal_only corrupt-state
restore invites_prstaff2 "$T/state/invites/prstaff2"

junk 2000 > "$T/state/tickets/prowner"
mark
check "ticket junk: recovery start will not overwrite it (exit 4)" cli_says 4 "tickets/prowner:1: NUL byte in file (move that file aside to clear it, then start the recovery again)" admin "" recovery start prowner
check "ticket junk: only the refusal recorded" refusal_only corrupt-state
mark
check "ticket junk: the owner without a key is denied, no recovery offered" expect_pam PAM_AUTH_ERR login prowner auth ""
check "ticket junk: ... told only that no key was found" says "Security key sign-in did not succeed. Insert an enrolled security key and touch it when asked, or ask your administrator."
check "ticket junk: ... asked for a ticket as every account is, never for a code" \
	bash -c 'grep -q "^prompt: Recovery ticket" "$0" && ! grep -q "^prompt: Recovery code" "$0"' "$T/out"
check "ticket junk: only the refusal recorded" refusal_only no-device
printf 'Recovery ticket\tAAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA\n' > "$W/answers"
PAMRUN_ANSWERS=$W/answers check "ticket junk: a ticket typed is refused" expect_pam PAM_AUTH_ERR login prowner auth ""
check "ticket junk: ... in the words every account reads" says "That recovery ticket was not accepted; nothing was changed."
check "ticket junk: the log names the file" logged "tickets/prowner:1: NUL byte in file"
mv "$T/state/tickets/prowner" "$W/ticket.junk"
check "ticket junk: once moved aside as the message says, recovery start works" admin "" recovery start prowner
restore tickets_prowner "$T/state/tickets/prowner"
check "ticket intact: the same refusal offers recovery" expect_pam PAM_AUTH_ERR login prowner auth ""
check "ticket intact: ... (asked for the ticket), no such log line" \
	bash -c 'grep -q "^prompt: Recovery ticket" "$0" && ! grep -q "recovery not offered" "$0"' "$T/out"
rm -rf "$T/state/tickets"
check "no ticket at all: the same refusal" expect_pam PAM_AUTH_ERR login prowner auth ""
check "no ticket at all: no such log line" fails logged "recovery not offered"

junk 2000 > "$T/state/codes/prowner"
mark
check "codes junk: codes status exits 4 naming it" cli_says 4 "codes/prowner:1: NUL byte in file" admin "" codes status prowner
check "codes junk: nothing written" nothing_written
restore codes_prowner "$T/state/codes/prowner"
restore pr.conf "$CONF"

# === odd user names ===================================================================
# The module: PAM_AUTH_ERR and only the sentence every account without an
# answering key reads (doc/ARCHITECTURE.md §4.7), the name in no log
# line and no record (it may be a mistyped password), one record for
# "(unknown)", no file made anywhere. The admin CLI: exit 1, the name not
# echoed back unless it is a valid one, nothing written.
long=$(printf 'a%.0s' {1..300})
printf 'Recovery ticket\t\n' > "$W/skip"
names=("" "$long" "a b" "../x" "../../etc/passwd" $'a\nb' $'\e[31mx' $'a\x01b' "évé" "no-such-user-here")
labels=(empty 300-chars space ../x ../../etc/passwd newline escape control-char UTF-8 nonexistent)
for i in "${!names[@]}"; do
	u=${names[$i]} l=${labels[$i]}
	mark
	# (Enter at the ticket question every account is asked on this recovery service)
	PAMRUN_ANSWERS=$W/skip check "user name $l: auth is PAM_AUTH_ERR, as for an account without its key" expect_pam PAM_AUTH_ERR login "$u" auth "$T/sy.key"
	check "user name $l: only the one sentence every account gets" no_words_but_refusal
	check "user name $l: the name is in no log line" bash -c '[ -z "$0" ] || ! grep "^PWRAP" "$1" | grep -qF -- "$0"' "$u" "$T/out"
	check "user name $l: one record, for (unknown)" refusal_only not-found
	check "user name $l: ... not naming the user" grep -q " user=(unknown) " "$W/audit.new"
	mark
	check "user name $l: account phase is PAM_USER_UNKNOWN" expect_pam PAM_USER_UNKNOWN login "$u" account ""
	check "user name $l: ... one record" refusal_only not-found
	mark
	check "user name $l: key enroll refused (exit 1)" cli_says 1 "no such user" admin "$T/yk2.key" key enroll "$u"
	check "user name $l: key list refused (exit 1)" cli_says 1 "no such user" admin "" key list "$u"
	check "user name $l: invite refused (exit 1)" cli_says 1 "no such user" admin "" invite "$u"
	[ "$l" != nonexistent ] &&
		check "user name $l: the CLI does not echo it" out_has "no such user: (invalid name)"
	check "user name $l: nothing written by the CLI" nothing_written
done

# === attestation at enrollment ========================================================
# Not chaining to an anchor (the softkey's test CA switched off): a passkey,
# which policy refuses an owner. The expired and forged statements are unit
# tests (check_attest), the softkey signs only what it should.
mark
PRACTICERUNNER_SOFTKEY_NO_TEST_CA=1 check "attestation not chaining to an anchor: enrollment refused (exit 1)" \
	cli_says 1 "issuer is not a trust anchor" admin "$T/yk2.key" key enroll prowner2
check "... says what to do" out_has "Enroll a physical key"
check "... only the refusal recorded" refusal_only class-not-allowed
junk 3000 > "$T/anchors/junk.pem"
mark
check "binary junk in the trust anchors: enrollment refused (exit 3)" cli_says 3 "trust anchor $T/anchors/junk.pem contains no certificate" admin "$T/yk2.key" key enroll prowner2
check "... only the refusal recorded" refusal_only policy-error
check "... policy check names it too" cli_says 3 "junk.pem" admin "" policy check
rm -f "$T/anchors/junk.pem"
chmod 777 "$T/anchors"
mark
check "world-writable trust anchor directory: enrollment refused (exit 4)" cli_says 4 "trust anchor directory $T/anchors has unsafe permissions" admin "$T/yk2.key" key enroll prowner2
check "... only the refusal recorded" refusal_only unsafe-file
chmod 755 "$T/anchors"

# === what the authenticator answers ==================================================
# rp id: the policy names another relying party than the key's credential.
write_policy all-users owners discouraged 5 "pam://other-clinic"
mark
check "rp id mismatch: denied, PAM_AUTH_ERR" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk.key"
check "rp id mismatch: the user is told the key did not sign in" \
	says "Security key sign-in did not succeed. Insert an enrolled security key and touch it when asked, or ask your administrator."
check "rp id mismatch: only the refusal recorded" refusal_only no-matching-key
restore pr.conf "$CONF"

# Wrong signature: the device signs with its own key, the store holds
# another credential's public key for its id.
other=$(sed -n 's/.* pubkey=\([0-9a-f]*\) .*/\1/p' "$W/prowner")
sed -i "s/ pubkey=[0-9a-f]* / pubkey=$other /" "$T/state/users/prstaff"
mark
check "wrong signature: denied, PAM_AUTH_ERR" expect_pam PAM_AUTH_ERR login prstaff auth "$T/sy.key"
check "wrong signature: the user is told the answer was not valid" says "The security key's answer was not valid. Sign-in refused."
check "wrong signature: ... with no internals" plain_words
check "wrong signature: only the refusal recorded" refusal_only bad-signature
restore prstaff "$T/state/users/prstaff"

# Counter going backwards: a clone.
"$CTL" set --state "$T/yk.key" --counter 5000 >/dev/null
check "counter: a higher counter is accepted" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
"$CTL" set --state "$T/yk.key" --counter 10 >/dev/null
mark
check "counter backwards: denied, PAM_AUTH_ERR" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk.key"
check "counter backwards: the user is told the key may be a copy" \
	says "This security key was refused (it may be a copy). Contact your administrator."
check "counter backwards: only the refusal recorded (stored counter kept)" refusal_only counter-regression
check "counter backwards: the record carries the lower counter seen" \
	bash -c 'n=$(grep -o " sign_count=[0-9]*" "$0" | cut -d= -f2); [ -n "$n" ] && [ "$n" -lt 5000 ]' "$W/audit.new"

check "the audit chain verifies after all of this" admin "" audit verify
done_testing

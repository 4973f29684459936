#!/bin/bash
# Safe key lifecycle (key remove and its --force, the second-key advice),
# the coverage report (each status, the exit status, JSON), and pam_u2f
# import (central and per-user files, old and current line formats,
# malformed and unsafe files) ending with a sign-in through the module
# with an imported key.
. "$top_srcdir/tests/integration/lib.sh"

write_policy all-users owners
service login
for k in yk yk2; do new_key $k yubikey5; done
for k in sy sy2 sy3 sy4; do new_key $k synced; done
new_key u2 u2f

# keyid USER LABEL -> the key id shown by key list
keyid() { admin "" key list "$1" && awk -v l="$2" '$4 == l { print $2 }' "$T/out"; }
# status_of USER -> last column of the user's coverage row (table in $T/out)
status_of() { awk -v u="$1" '$1 == u { print $NF }' "$T/out"; }
row_has() { awk -v u="$1" '$1 == u' "$T/out" | grep -q -- "$2"; }
# rc_is WANT CMD...: the command's exit status is exactly WANT
rc_is() { local want=$1; shift; "$@"; [ $? = "$want" ]; }
fresh_state() { rm -rf "$T/state"; mkdir -m 700 "$T/state"; }
# age USER DAYS: pretend the user's keys were enrolled and last used DAYS ago
age() {
	local t=$(( $(date +%s) - $2 * 86400 ))
	sed -i -E "s/ created=[0-9]+ last_used=[0-9]+$/ created=$t last_used=$t/" "$T/state/users/$1"
}

# --- key remove: what the policy lets go ---------------------------------------
check "enroll the owner's first physical key" admin "$T/yk.key" key enroll prowner --label desk
check "first physical key: a second is strongly recommended" out_has "only physical key. A second physical key is strongly recommended"
check "forced passkey for the owner" admin "$T/sy.key" key enroll prowner --label phone --force
check "passkey added: still only one physical key, said again" out_has "still has only one physical key"
check "remove the owner's passkey: it never counted" admin "" key remove prowner "$(keyid prowner phone)"
desk=$(keyid prowner desk)
check "remove the last physical key: refused with status 1" rc_is 1 admin "" key remove prowner "$desk"
check "refusal explains why" out_has "this is prowner's last physical key, and prowner's policy requires one"
check "refusal says what to do" out_has "Enroll another key first, or use --force"
check "refusal audited: failure" test "$(audit_field result)" = failure
check "refusal audited: reason last-key" test "$(audit_field reason)" = last-key
check "refusal audited: event remove" test "$(audit_field event)" = remove
check "refused key still enrolled" grep -q "label=desk " "$T/state/users/prowner"
check "owner still signs in with it" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
check "enroll a second physical key" admin "$T/yk2.key" key enroll prowner --label spare
check "second physical key: no advice" fails out_has "strongly recommended"
check "remove while another physical key remains" admin "" key remove prowner "$desk"
check "removal reminds the credential stays on the key" out_has "stays on the security key itself until it is deleted there"
check "removal audited without force" test "$(audit_field detail)" = ""
spare=$(keyid prowner spare)
check "the new last key is refused in turn" rc_is 1 admin "" key remove prowner "$spare"
check "forced removal of the last physical key" admin "" key remove prowner "$spare" --force
check "forced removal warns of the consequence" out_has "cannot sign in where it applies until a new key is enrolled"
check "forced removal still reminds about the hardware key" out_has "stays on the security key itself"
check "forced removal audited: success" test "$(audit_field result)" = success
check "forced removal audited: detail forced" test "$(audit_field detail)" = forced
check "owner without keys is denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk2.key"
check "staff enrolls a passkey" admin "$T/sy2.key" key enroll prstaff --label phone
check "passkey for staff: no physical-key advice" fails out_has "strongly recommended"
check "staff's last key is refused too" rc_is 1 admin "" key remove prstaff "$(keyid prstaff phone)"
check "staff refusal names a security key" out_has "last security key"
check "staff enrolls a second passkey" admin "$T/sy3.key" key enroll prstaff --label tablet
check "--force before the arguments, not needed: removed" admin "" key remove --force prstaff "$(keyid prstaff phone)"
check "not needed: not recorded as forced" test "$(audit_field detail)" = ""
check "exempt user enrolls a key" admin "$T/sy4.key" key enroll prexempt --label svc
check "exempt user's last key may go" admin "" key remove prexempt "$(keyid prexempt svc)"
check "key remove: missing key id is a usage error" rc_is 2 admin "" key remove prstaff
check "key remove: unknown key id refused" rc_is 1 admin "" key remove prstaff 000000000000

# --- a key change whose record cannot be written is taken back -------------------
# The intent goes to <audit_log>.pending/, the record into the log: a log
# open to others refuses only the record, after the store has changed.
tablet=$(keyid prstaff tablet)
chmod 666 "$AUDIT"
check "unrecordable enrollment: status 4" rc_is 4 admin "$T/sy.key" key enroll prstaff --label unrec
check "... says it was undone" out_has "enrollment undone because it could not be recorded"
check "... the key is not stored" fails grep -q "label=unrec " "$T/state/users/prstaff"
check "unrecordable removal: status 4" rc_is 4 admin "" key remove prstaff "$tablet" --force
check "... says it was undone" out_has "removal undone because it could not be recorded"
check "... the key is enrolled again" grep -q "label=tablet " "$T/state/users/prstaff"
chmod 600 "$AUDIT"
check "... no intent left behind: nothing changed" test -z "$(ls -A "$AUDIT.pending" 2>/dev/null)"
check "... the log still verifies" admin "" audit verify

# --- coverage -------------------------------------------------------------------
fresh_state
check "coverage: nobody enrolled, out of policy (status 1)" rc_is 1 admin "" coverage
check "coverage: header" out_has "^USER  *ROLE  *REQUIREMENT  *PHYSICAL  *PASSKEY  *LAST-USED  *STATUS"
check "coverage: owner by name listed" test "$(status_of prowner)" = no-key
check "coverage: owner through @group listed" test "$(status_of prowner2)" = no-key
check "coverage: admin through @group listed" test "$(status_of pradmin)" = no-key
check "coverage: exemption listed" test "$(status_of prexempt)" = exempt
check "coverage: exempt has no requirement" row_has prexempt " none "
check "coverage: nologin staff without keys is in scope: a person, whatever the shell" test "$(status_of prstaff2)" = no-key
check "admin: enroll owner's key" admin "$T/yk.key" key enroll prowner --label desk
check "admin: forced passkey for the second owner" admin "$T/sy.key" key enroll prowner2 --label phone --force
check "admin: enroll admin's passkey" admin "$T/sy2.key" key enroll pradmin --label phone
check "admin: enroll staff's passkey" admin "$T/sy3.key" key enroll prstaff --label phone
check "admin: enroll staff2's passkey" admin "$T/sy4.key" key enroll prstaff2 --label old
age prstaff2 91
age pradmin 89
install -m 600 /dev/null "$T/state/users/prghost"
check "coverage: someone out of policy (status 1)" rc_is 1 admin "" coverage
check "coverage: one physical key" test "$(status_of prowner)" = single-physical-key
check "coverage: owner requirement" row_has prowner "owner  *physical-key  *1  *0 "
check "coverage: passkeys only under a physical need" test "$(status_of prowner2)" = needs-physical
check "coverage: used 89 days ago is ok" test "$(status_of pradmin)" = ok
check "coverage: admin requirement" row_has pradmin "admin  *security-key  *0  *1 "
check "coverage: fresh passkey" test "$(status_of prstaff)" = ok
check "coverage: staff2 with keys unused for 91 days" test "$(status_of prstaff2)" = unused-90d
check "coverage: never used shows never" row_has prowner " never "
check "coverage: exempt still listed" test "$(status_of prexempt)" = exempt
check "coverage: keys on file of no account: noted" out_has "note: prghost is named in the policy or has keys on file, but is not an account"
check "coverage: summary line" out_has "users in scope: [1-9][0-9]* out of policy, [2-9][0-9]* with warnings"
check "coverage --json" rc_is 1 admin "" coverage --json
grep -v '^note:' "$T/out" > "$T/cov.json"
check "coverage --json parses" python3 -m json.tool "$T/cov.json"
check "coverage --json: fields and values" python3 -c '
import json, sys
rows = {r["user"]: r for r in json.load(open(sys.argv[1]))}
assert set(rows["prowner"]) == {"user", "role", "requirement", "physical", "passkey", "last_used", "status"}
assert rows["prowner"]["status"] == "single-physical-key" and rows["prowner"]["physical"] == 1
assert rows["prowner"]["role"] == "owner" and rows["prowner"]["requirement"] == "physical-key"
assert rows["prowner"]["last_used"] is None
assert rows["prowner2"]["status"] == "needs-physical" and rows["prowner2"]["passkey"] == 1
assert rows["prstaff2"]["status"] == "unused-90d"
assert rows["prexempt"]["status"] == "exempt" and rows["prexempt"]["requirement"] == "none"
assert "prghost" not in rows
' "$T/cov.json"
check "coverage: bad usage" rc_is 2 admin "" coverage --yaml
check "owner signs in: last use recorded" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
check "coverage: last use shown" rc_is 1 admin "" coverage
check "coverage: last use is today" row_has prowner " $(date -u +%Y-%m-%d) "
write_policy none owners
check "admin: owner2 gets a physical key" admin "$T/u2.key" key enroll prowner2 --label u2f
check "admin: owner gets a second physical key" admin "$T/yk2.key" key enroll prowner --label spare
check "coverage: only warnings left (status 0)" rc_is 0 admin "" coverage
check "coverage: two physical keys are ok" test "$(status_of prowner)" = ok
check "coverage: single physical key is a warning" test "$(status_of prowner2)" = single-physical-key
check "coverage: staff without requirement is ok" row_has prstaff " none .* ok$"
check "coverage: warnings still listed" test "$(status_of prstaff2)" = unused-90d
check "coverage --json: status 0 too" rc_is 0 admin "" coverage --json
write_policy all-users owners
check "coverage as non-root refused" fails setpriv --reuid=65534 --regid=65534 --clear-groups "$SK/practicerunner-admin" --config "$CONF" coverage

# --- import-pam-u2f ---------------------------------------------------------------
fresh_state
# Credentials made by real enrollment into a scratch state directory, written
# back out as pam_u2f lines: what the import converts must sign in.
sed "s|$T/state|$T/scratch|; s|$AUDIT|$T/scratch-audit.log|" "$CONF" > "$T/scratch.conf"
mkdir -m 700 "$T/scratch"
new_key imp1 synced; new_key imp2 u2f; new_key imp3 yubikey5; new_key imp4 synced
scratch() { PRACTICERUNNER_SOFTKEY=$1 "$SK/practicerunner-admin" --config "$T/scratch.conf" key enroll "$2" >/dev/null 2>&1; }
check "scratch enrollment (current format source)" scratch "$T/imp1.key" prstaff
check "scratch enrollment (old format source, u2f)" scratch "$T/imp2.key" prstaff2
check "scratch enrollment (owner)" scratch "$T/imp3.key" prowner
check "scratch enrollment (per-user file)" scratch "$T/imp4.key" pradmin
# u2f_cred USER FORMAT [OPTIONS]: the USER's scratch credential as a pam_u2f
# credential: old (web-safe key handle, hex point), new (base64 x||y) or
# point (base64 04||x||y).
u2f_cred() {
	python3 - "$T/scratch/users/$1" "$2" "${3:-+presence}" <<'EOF'
import base64, sys
path, fmt, opts = sys.argv[1:4]
f = dict(kv.split("=", 1) for kv in open(path).read().splitlines()[1].split(" "))
cid = base64.urlsafe_b64decode(f["id"] + "=" * (-len(f["id"]) % 4))
pk = bytes.fromhex(f["pubkey"])
b64 = lambda b: base64.b64encode(b).decode()
if fmt == "old":
    print("%s,04%s" % (f["id"], f["pubkey"]))
elif fmt == "point":
    print("%s,%s,es256,%s" % (b64(cid), b64(b"\x04" + pk), opts))
else:
    print("%s,%s,es256,%s" % (b64(cid), b64(pk), opts))
EOF
}
{
	echo "# central mapping file, as pam_u2f's authfile= option reads it"
	echo "prstaff:$(u2f_cred prstaff new +presence+pin)"
	echo "prstaff2:$(u2f_cred prstaff2 old):*,$(u2f_cred prstaff new | cut -d, -f2),es256,+presence"
	echo "prowner:$(u2f_cred prowner new)"
} > "$T/u2f_mappings"
chmod 644 "$T/u2f_mappings"
cp "$T/u2f_mappings" "$T/u2f_bad"
echo "pradmin:$(u2f_cred pradmin new | sed 's/,es256,/,es384,/')" >> "$T/u2f_bad"
chmod 644 "$T/u2f_bad"

check "import: malformed line refused" rc_is 1 admin "" import-pam-u2f "$T/u2f_bad"
check "import: error names file and line" out_has "$T/u2f_bad:5: credential 1: unknown key type"
check "import: says nothing was imported" out_has "nothing imported"
check "import: malformed file imported nothing" test ! -e "$T/state/users/prstaff"
check "import: nothing audited" test ! -s "$AUDIT" -o "$(grep -c 'imported' "$AUDIT")" = 0
printf 'prstaff:%s\nno-such-user-primp:%s\n' "$(u2f_cred prstaff new)" "$(u2f_cred prowner new)" > "$T/u2f_nouser"
chmod 644 "$T/u2f_nouser"
check "import: unknown user refused" rc_is 1 admin "" import-pam-u2f "$T/u2f_nouser"
check "import: names the user and line" out_has "u2f_nouser:2: no-such-user-primp is not an account on this system; nothing imported"
check "import: nothing imported for the known user either" test ! -e "$T/state/users/prstaff"
ln -s "$T/u2f_mappings" "$T/u2f_link"
check "import: symbolic link refused" fails admin "" import-pam-u2f "$T/u2f_link"
check "import: says it is a link" out_has "is a symbolic link"
cp "$T/u2f_mappings" "$T/u2f_gw"; chmod 664 "$T/u2f_gw"
check "import: group-writable file refused" fails admin "" import-pam-u2f "$T/u2f_gw"
check "import: says why" out_has "writable by group or others"
check "import: a directory refused" fails admin "" import-pam-u2f "$T/scratch"
check "import: missing file refused" fails admin "" import-pam-u2f "$T/no-such-file"
check "import: usage" rc_is 2 admin "" import-pam-u2f

check "import: central file" admin "" import-pam-u2f "$T/u2f_mappings"
check "import: current format imported" out_has "prstaff: imported key"
check "import: old format imported" out_has "(es256, old format, line 3, credential 1)"
check "import: resident credential skipped, with the reason" out_has "prstaff2: skipped line 3, credential 2: a resident credential"
check "import: summary" out_has "Imported 3 of 4 credentials from $T/u2f_mappings (3 users)"
check "import: says imported keys are passkeys, and why" out_has "Imported keys are class passkey: a pam_u2f mapping file holds no attestation"
check "import: rp_id caveat" out_has "only if the policy's rp_id (\"pam://test-clinic\")"
check "import: owner needs a physical key: noted" out_has "note: prowner needs a physical key"
check "import: PIN option noted" out_has "asked for a PIN or user verification"
check "import: audited as enroll" grep -q "event=enroll .*user=prstaff2 .*detail=imported%20from%20pam_u2f" "$AUDIT"
check "import: stored as passkey with the import label" grep -q "class=passkey kind=fido aaguid=00000000-0000-0000-0000-000000000000 flags=0 sign_count=0 fmt=none label=imported%20from%20pam_u2f" "$T/state/users/prstaff"
check "import: key list shows it" admin "" key list prstaff
check "import: listed as passkey" out_has "prstaff .* passkey "

check "imported key (current format) signs in through the module" expect_pam PAM_SUCCESS login prstaff auth "$T/imp1.key"
check "imported key (old format, U2F device) signs in" expect_pam PAM_SUCCESS login prstaff2 auth "$T/imp2.key"
check "audit: sign-in with the imported credential" test "$(audit_field cred_id)" = "$(sed -n 2p "$T/scratch/users/prstaff2" | sed 's/^id=\([^ ]*\) .*/\1/')"
check "owner with only an imported passkey is denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/imp3.key"
check "another user's imported key does not sign in" expect_pam PAM_AUTH_ERR login prstaff auth "$T/imp2.key"

check "import again: already enrolled keys skipped" admin "" import-pam-u2f "$T/u2f_mappings"
check "import again: says so" out_has "already enrolled"
check "import again: nothing new" out_has "Imported 0 of 4 credentials"
check "import again: no duplicate entries" test "$(grep -c '^id=' "$T/state/users/prstaff")" = 1

# A per-user file (~/.config/Yubico/u2f_keys) belongs to its user, and is trusted for that user only.
echo "pradmin:$(u2f_cred pradmin point)" > "$T/u2f_keys"
chown pradmin "$T/u2f_keys"; chmod 600 "$T/u2f_keys"
check "per-user file without --user refused" rc_is 1 admin "" import-pam-u2f "$T/u2f_keys"
check "per-user file without --user: says to use --user" out_has "a per-user file needs --user"
check "per-user file for another user refused" rc_is 1 admin "" import-pam-u2f "$T/u2f_keys" --user prstaff
check "per-user file of someone else: says so" out_has "owned by neither root nor the user"
echo "prstaff:$(u2f_cred pradmin point)" > "$T/u2f_keys"
check "per-user file with a line for another user refused" rc_is 1 admin "" import-pam-u2f "$T/u2f_keys" --user pradmin
check "explains a per-user file holds its owner's keys only" out_has "may only hold the keys of its owner, pradmin (--user)"
check "nothing imported for the named user" test ! -e "$T/state/users/prstaff" -o "$(grep -c '^id=' "$T/state/users/prstaff")" = 1
echo "pradmin:$(u2f_cred pradmin point)" > "$T/u2f_keys"
check "per-user file with --user" admin "" import-pam-u2f --user pradmin "$T/u2f_keys"
check "per-user import summary" out_has "Imported 1 of 1 credentials"
check "per-user imported key (given as a 65-byte point) signs in" expect_pam PAM_SUCCESS login pradmin auth "$T/imp4.key"
check "coverage sees imported keys (owner still out of policy)" rc_is 1 admin "" coverage
check "coverage: imported passkey counts for staff" test "$(status_of prstaff)" = ok
check "coverage: imported passkey does not satisfy an owner" test "$(status_of prowner)" = needs-physical
check "audit chain intact after all of it" admin "" audit verify
done_testing

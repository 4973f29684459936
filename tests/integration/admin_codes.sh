#!/bin/bash
# practicerunner-admin codes generate USER, codes status USER.
. "$top_srcdir/tests/integration/lib.sh"

# Crockford base32 (no I, L, O, U), 4 groups of 4.
CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
codes_in() { grep -oE "$CODE_RE" "$1"; }
# status N CMD...: CMD exits with status N
status() { local want=$1; shift; "$@"; [ $? = "$want" ]; }
# no_code_in FILE CODES...: none of the codes, dashed or not, in either case
no_code_in() {
	local f=$1 c; shift
	for c in "$@"; do
		grep -qiF -- "$c" "$f" && return 1
		grep -qiF -- "${c//-/}" "$f" && return 1
	done
	return 0
}

# A fake mail command keeping every message: the user is told of each new set.
printf '#!/bin/sh\ncat >> "%s"\n' "$T/mails" > "$T/fakemail"
chmod 755 "$T/fakemail"
# policy_mail KEY PHYS [extra recovery lines]: the policy with the fake mail command.
policy_mail() {
	write_policy "$1" "$2"
	printf 'recovery {\n  mail_command = "%s -t"\n%b}\n' "$T/fakemail" "${3:-}" >> "$CONF"
}

policy_mail all-users owners   # owners need a physical key, staff any key
OWNER_CODES=

check "codes status: none yet (status 1)" status 1 admin "" codes status prowner
check "codes status: says there are none" out_has "prowner has no recovery codes"

check "codes generate: owner" admin "" codes generate prowner
OWNER_CODES=$(codes_in "$T/out")
check "codes generate: 10 codes in the right form" test "$(echo $OWNER_CODES | wc -w)" = 10
check "codes generate: all distinct" test "$(printf '%s\n' $OWNER_CODES | sort -u | wc -l)" = 10
check "codes generate: says to store them safely" out_has "store safely"
check "codes generate: says each works once" out_has "works once"
check "codes generate: file mode 0600" test "$(stat -c %a "$T/state/codes/prowner")" = 600
check "codes generate: directory mode 0700" test "$(stat -c %a "$T/state/codes")" = 700
check "codes generate: only hashes stored" no_code_in "$T/state/codes/prowner" $OWNER_CODES
check "audit: event codes-generated" test "$(audit_field event)" = codes-generated
check "audit: success" test "$(audit_field result)" = success
check "audit: user" test "$(audit_field user)" = prowner
check "audit: detail, how many were made" test "$(audit_field detail)" = 10-codes

check "codes status: owner" admin "" codes status prowner
check "codes status: 10 of 10" out_has "10 of 10 remaining"
check "codes status: when created" grep -qE "created [0-9]{4}-[0-9]{2}-[0-9]{2}" "$T/out"
check "codes status: never a code" no_code_in "$T/out" $OWNER_CODES

# An owner through @prowners counts as well.
check "codes generate: owner by group" admin "" codes generate prowner2
GROUP_CODES=$(codes_in "$T/out")
check "codes generate: group owner gets 10" test "$(echo $GROUP_CODES | wc -w)" = 10

# A new set replaces the old one.
check "codes generate again" admin "" codes generate prowner
NEW_CODES=$(codes_in "$T/out")
check "codes generate again: a different set" test "$NEW_CODES" != "$OWNER_CODES"
check "codes generate again: says earlier codes stop working" out_has "no longer work"

# The number of codes comes from the policy.
policy_mail all-users owners '  codes = 3\n'
check "codes generate: recovery.codes = 3" admin "" codes generate prowner2
check "codes generate: 3 codes" test "$(codes_in "$T/out" | wc -l)" = 3
GROUP_CODES="$GROUP_CODES $(codes_in "$T/out")"
check "codes status: 3 of 3" admin "" codes status prowner2
check "codes status: says 3 of 3" out_has "3 of 3 remaining"
check "notice: the user is told of the new set" grep -q "^New recovery codes were created at .* UTC\.$" "$T/mails"
check "notice: addressed to the user" grep -q "^To: prowner2$" "$T/mails"
policy_mail all-users owners

records=$(wc -l < "$AUDIT")
check "codes generate: staff refused (status 1)" status 1 admin "" codes generate prstaff
check "codes generate: staff told why and what to do" out_has \
	"recovery codes are not used for prstaff's account (no physical-key requirement); re-enroll through an administrator instead"
check "codes generate: nothing stored for staff" test ! -e "$T/state/codes/prstaff"
check "codes generate: exempt owner-less user refused" status 1 admin "" codes generate prexempt
check "codes generate: refusals print no code" fails codes_in "$T/out"
check "codes generate: refusals not recorded as sets" test "$(wc -l < "$AUDIT")" = "$records"

check "codes generate: unknown user (status 1)" status 1 admin "" codes generate no-such-user-here
check "codes generate: says no such user" out_has "no such user"
check "codes generate: invalid name refused" fails admin "" codes generate ../etc
check "codes generate: missing user (status 2)" status 2 admin "" codes generate
check "codes generate: two users (status 2)" status 2 admin "" codes generate prowner prowner2
check "codes status: missing user (status 2)" status 2 admin "" codes status
check "codes status: unknown user (status 1)" status 1 admin "" codes status no-such-user-here

# A damaged file is named with its line; generate replaces it.
printf 'practicerunner-codes 1\nsalt=zz\n' > "$T/state/codes/prowner"
check "codes status: corrupt file refused" fails admin "" codes status prowner
check "codes status: names file and line" out_has "$T/state/codes/prowner:2: salt is not"
check "codes generate: replaces a corrupt set" admin "" codes generate prowner
NEW_CODES="$NEW_CODES $(codes_in "$T/out")"
check "codes status: 10 of 10 again" admin "" codes status prowner
check "codes status: counts the new set" out_has "10 of 10 remaining"

check "audit: codes-generated for each set" test "$(grep -c ' event=codes-generated ' "$AUDIT")" = 5
ALL="$OWNER_CODES $GROUP_CODES $NEW_CODES"
check "audit: codes were collected" test "$(echo $ALL | wc -w)" = 43
check "audit: no code ever logged" no_code_in "$AUDIT" $ALL
check "audit verify: chain intact" admin "" audit verify
check "non-root cannot generate" fails setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SK/practicerunner-admin" --config "$CONF" codes generate prowner
check "non-root cannot read status" fails setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SK/practicerunner-admin" --config "$CONF" codes status prowner
done_testing

#!/bin/bash
# The offline cache of the clinic directory (issue 15 item 4): two "hosts",
# A and B, share one slapd (slapd_lib.sh) with store = ldap. A sign-in that
# reads the directory leaves the user's public credential data in
# <state_dir>/cache/<user>; with no directory answering, a cached user signs
# in from it (store=cache in the record), an uncached or stale one is
# refused alike, and enrollment, recovery, invitations, codes and unlock are
# refused with a sentence saying the directory cannot be reached. Back in
# contact, the counter seen offline is written to the directory, and a
# counter a copy of the key used elsewhere contradicts is recorded. A
# directory that answers and refuses (a wrong bind password) never gets the
# cache; a link planted in the cache is neither followed nor replaced.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd_lib.sh"

TICKET_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
SENTENCE='clinic directory cannot be reached'
slapd_start a || { echo "Bail out! slapd did not start"; exit 1; }

slapd_test_host a ldap 2; slapd_test_host b ldap 2
dir_counter() {
	ldapsearch -LLL -o ldif-wrap=no -x -H "$SLAPD_LDAPI" -D "$SLAPD_BIND_DN" -y "$SLAPD_PWFILE" \
		-b "uid=$1,$SLAPD_BASE" -s base prCredential 2>/dev/null |
		sed -n 's/^prCredential:: //p' | base64 -d | grep -o 'sign_count=[0-9]*' | head -n 1 | cut -d= -f2
}
values() { ldapsearch -LLL -x -H "$SLAPD_LDAPI" -D "$SLAPD_BIND_DN" -y "$SLAPD_PWFILE" \
	-b "uid=$1,$SLAPD_BASE" -s base "$2" 2>/dev/null | grep -c "^$2:"; }
# A alone loses the directory (B keeps it): a uri where nobody listens, and back.
a_offline() { sed -i "s|^  uri = .*|  uri = {\"ldapi://$(slapd_url_encode "$T/nobody")\"}|" "$T/a.conf"; }
a_online() { sed -i "s|^  uri = .*|  uri = {\"$SLAPD_LDAPI\"}|" "$T/a.conf"; }
signin_text() { grep -E '^(prompt|info|error):' "$T/out"; }

# --- a sign-in that reads the directory leaves the cache ---------------------------------------
new_key yk yubikey5
check "A: prowner's key enrolled" on a admin "$T/yk.key" key enroll prowner --label desk
check "A: prowner signs in (directory)" on a expect_pam PAM_SUCCESS login-a prowner auth "$T/yk.key"
check "... not from the cache" test -z "$(last_of a store)"
C=$T/a-state/cache
check "A: prowner's cache file is there" test -f "$C/prowner"
check "... root's, mode 0600" test "$(stat -c '%U %a' "$C/prowner")" = "root 600"
check "... in a root-only 0700 directory" test "$(stat -c '%U %a' "$C")" = "root 700"
check "... holding the credential line and when it was read" \
	bash -c 'head -n 1 "$0" | grep -qx "practicerunner-cache 1" && grep -q "^fetched=[0-9]*$" "$0" && test "$(grep -c "^id=" "$0")" = 1' "$C/prowner"
check "B: no cache for prowner (B has not read it)" test ! -e "$T/b-state/cache/prowner"

# One-time values made while the directory answers, to find again afterwards.
check "A: prowner's recovery codes" on a admin "" codes generate prowner
CODE=$(grep -oE "$CODE_RE" "$T/out" | head -n 1)
check "A: a recovery ticket for prowner" on a admin "" recovery start prowner
TICKET=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
check "A: an invitation for prstaff2" on a admin "" invite prstaff2
TOKEN=$(grep -oE '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' "$T/out" | tail -n 1)
check "the cache holds no code, ticket or invitation" \
	fails grep -qiE "$CODE|$TICKET|$TOKEN|scrypt|ticket|invit" "$C/prowner"
new_key s1 synced
check "A: prstaff's passkey enrolled" on a admin "$T/s1.key" key enroll prstaff --label phone
check "A: prstaff signs in (directory)" on a expect_pam PAM_SUCCESS login-a prstaff auth "$T/s1.key"
COUNT_BEFORE=$(dir_counter prowner)

# --- slapd stopped ---------------------------------------------------------------------------
slapd_stop a
check "slapd stopped: A: prowner signs in from the cache" on a expect_pam PAM_SUCCESS login-a prowner auth "$T/yk.key"
check "... recorded store=cache" test "$(last_of a store)/$(last_of a result)" = cache/success
OFFLINE_COUNT=$(last_of a sign_count)
check "... the counter seen offline is kept in the cache, marked for the directory" \
	grep -q '^offline=' "$C/prowner"
check "... and above the directory's ($OFFLINE_COUNT > $COUNT_BEFORE)" test "$OFFLINE_COUNT" -gt "$COUNT_BEFORE"
# a copy of prowner's key made before its first use, its counter behind
copy_old() { cp "$T/yk.key" "$T/copy.key"; "$CTL" set --state "$T/copy.key" --counter 0 > /dev/null; }
copy_old
check "A: a copy of the key, its counter behind the cached one, is refused offline" \
	on a expect_pam PAM_AUTH_ERR login-a prowner auth "$T/copy.key"
check "... counter-regression" test "$(last_of a reason)" = counter-regression

new_key s2 synced
check "A: prstaff2 (never cached) is refused" on a expect_pam PAM_AUTH_ERR login-a prstaff2 auth "$T/s2.key"
check "... recorded directory-unreachable" test "$(last_of a reason)" = directory-unreachable
signin_text > "$T/uncached.txt"
touch -d '8 days ago' "$C/prstaff"
check "A: prstaff's cache, 8 days old (cache_max_age 7 days), is refused" \
	on a expect_pam PAM_AUTH_ERR login-a prstaff auth "$T/s1.key"
check "... recorded directory-unreachable, as for a user never cached" test "$(last_of a reason)" = directory-unreachable
check "... and what the person reads is the same" diff <(signin_text) "$T/uncached.txt"
touch "$C/prstaff"
sed -i 's/^fetched=.*/fetched=1000000000/' "$C/prstaff"
check "A: a cache whose recorded read time is old is refused too (recent mtime)" \
	on a expect_pam PAM_AUTH_ERR login-a prstaff auth "$T/s1.key"

# Everything that changes state needs the directory: refused, with the sentence.
printf '%s\n' "$TOKEN" | PRACTICERUNNER_SOFTKEY=$T/s2.key timeout 120 \
	"$SK/practicerunner-enroll" --config "$T/a.conf" --user prstaff2 enroll --label inv > "$T/out" 2>&1
check "A offline: enrollment with an invitation is refused" test $? != 0
check "... saying the clinic directory cannot be reached and what to do" \
	bash -c 'grep -q "$0" "$1" && grep -q "Try again" "$1"' "$SENTENCE" "$T/out"
new_key r1 yubikey5
printf '%s\n%s\n' "$TICKET" "$CODE" | PRACTICERUNNER_SOFTKEY=$T/r1.key timeout 120 \
	"$SK/practicerunner-recover" --config "$T/a.conf" --user prowner --label r1 > "$T/out" 2>&1
check "A offline: recovery is refused" test $? != 0
check "... with the sentence" out_has "$SENTENCE"
check "A offline: codes generate is refused" fails on a admin "" codes generate prowner
check "... with the sentence" out_has "$SENTENCE"
check "A offline: an invitation is refused" fails on a admin "" invite prstaff
check "... with the sentence" out_has "$SENTENCE"
check "A offline: unlock is refused" fails on a admin "" unlock prowner
check "... with the sentence" out_has "$SENTENCE"
check "A offline: admin enrollment is refused" fails on a admin "$T/r1.key" key enroll prstaff2
check "... with the sentence" out_has "$SENTENCE"
check "A offline: store status says no directory answered" fails on a admin "" store status
check "... and counts the offline cache (2 users)" out_has "2 users"

# --- slapd back ------------------------------------------------------------------------------
slapd_restart a
check "slapd back: nothing was lost: the codes, ticket and invitation are there" \
	test "$(values prowner prRecoveryCode)/$(values prowner prTicket)/$(values prstaff2 prInvitation)" = 1/1/1
check "... the directory still has the counter from before ($COUNT_BEFORE)" test "$(dir_counter prowner)" = "$COUNT_BEFORE"
on a pam login-a prowner auth ""
check "A: prowner's next sign-in (no key at hand) reaches the directory" out_has "result: PAM_AUTH_ERR"
check "... which now has the counter seen offline ($OFFLINE_COUNT)" test "$(dir_counter prowner)" = "$OFFLINE_COUNT"
check "... the cache is fresh and unmarked" fails grep -q '^offline=' "$C/prowner"
check "... no conflict recorded" fails grep -q 'event=counter-conflict' "$T/a-audit.log"
copy_old
check "B: the copy is refused there too (the directory has the counter)" \
	on b expect_pam PAM_AUTH_ERR login-b prowner auth "$T/copy.key"
printf '%s\n' "$TOKEN" | PRACTICERUNNER_SOFTKEY=$T/s2.key timeout 120 \
	"$SK/practicerunner-enroll" --config "$T/a.conf" --user prstaff2 enroll --label inv > "$T/out" 2>&1
check "A: the invitation refused offline now enrolls prstaff2" test $? = 0

# --- a copy of the key used on B while A is offline: a conflict at the next contact ------------
check "A: prowner signs in (directory)" on a expect_pam PAM_SUCCESS login-a prowner auth "$T/yk.key"
cp "$T/yk.key" "$T/clone.key"
"$CTL" set --state "$T/clone.key" --counter 1000 > /dev/null
a_offline
check "B: the copy (counter 1000) signs in while A has no directory" \
	on b expect_pam PAM_SUCCESS login-b prowner auth "$T/clone.key"
sleep 1
check "A offline: the original signs in from the cache" on a expect_pam PAM_SUCCESS login-a prowner auth "$T/yk.key"
check "... store=cache" test "$(last_of a store)" = cache
a_online
on a pam login-a prowner auth ""
check "A back: the directory's higher counter from before A's offline use is recorded as a conflict" \
	grep -q 'event=counter-conflict result=failure reason=counter-regression user=prowner' "$T/a-audit.log"
check "... the directory keeps its higher counter" test "$(dir_counter prowner)" -ge 1000
check "... and the counter rule refuses the original below it" \
	on a expect_pam PAM_AUTH_ERR login-a prowner auth "$T/yk.key"
check "... counter-regression" test "$(last_of a reason)" = counter-regression
check "A's audit log verifies" on a admin "" audit verify
check "B's audit log verifies" on b admin "" audit verify

# --- a directory that answers and refuses is never the cache --------------------------------
check "A: prstaff signs in (directory; cache fresh again)" on a expect_pam PAM_SUCCESS login-a prstaff auth "$T/s1.key"
printf 'wrong-password' > "$T/badpw"; chmod 600 "$T/badpw"
sed -i "s|^  bind_password_file = .*|  bind_password_file = \"$T/badpw\"|" "$T/a.conf"
check "A, wrong bind password, slapd up: prstaff is refused" on a expect_pam PAM_AUTH_ERR login-a prstaff auth "$T/s1.key"
check "... for the bind, not from the cache" test "$(last_of a reason)/$(last_of a store)" = "directory-bind/"
sed -i "s|^  bind_password_file = .*|  bind_password_file = \"$SLAPD_PWFILE\"|" "$T/a.conf"

# --- a link planted in the cache is neither followed nor replaced ----------------------------
check "A: prstaff2 signs in (directory)" on a expect_pam PAM_SUCCESS login-a prstaff2 auth "$T/s2.key"
cp -p "$C/prstaff2" "$T/victim"; cp -p "$T/victim" "$T/victim.orig"
ln -sf "$T/victim" "$C/prstaff2"
a_offline
check "A offline: prstaff2's cache is a link: refused, not followed" \
	on a expect_pam PAM_AUTH_ERR login-a prstaff2 auth "$T/s2.key"
check "... recorded directory-unreachable" test "$(last_of a reason)" = directory-unreachable
a_online
check "A: prstaff2 signs in (directory)" on a expect_pam PAM_SUCCESS login-a prstaff2 auth "$T/s2.key"
check "... the link is still a link (not replaced)" test -L "$C/prstaff2"
check "... its target unchanged (not written through)" cmp -s "$T/victim" "$T/victim.orig"
check "A: store status counts the cache" on a admin "" store status
check "... users cached" out_has "offline cache: $C: 2 users"
done_testing

#!/bin/bash
# Recovery through the module (doc/ARCHITECTURE.md §4.5): offered only on the
# services in recovery.services, only to accounts under a physical-key
# requirement, only when no enrolled key answered and only while a ticket
# is active (or, with self_request, to mail one). Ordinary sign-ins never
# ask for a ticket or a code.
. "$top_srcdir/tests/integration/lib.sh"

TOKEN_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
export PAMRUN_ANSWERS=$T/answers

cat > "$T/fakemail" <<EOF2
#!/bin/sh
{ cat; echo "--- end of message"; } >> "$T/mail.out"
EOF2
chmod 755 "$T/fakemail"

# policy SELF_REQUEST
policy() {
	write_policy all-users owners
	printf 'recovery {\n  services = {"login", "gdm-password"}\n  mail_command = "%s -t -i"\n  self_request = %s\n}\n' \
		"$T/fakemail" "$1" >> "$CONF"
}
# answers TICKET CODE [YES]: what the user types at each prompt
answers() {
	printf 'Recovery ticket: \t%s\nRecovery code: \t%s\nNo security key answered. Mail yourself\t%s\n' \
		"$1" "$2" "${3:-no}" > "$T/answers"
}
no_prompt() { ! grep -q '^prompt:' "$T/out" && ! grep -v '^PWRAP' "$T/out" | grep -qi 'recovery'; }  # what the user sees
ticket_for() { admin "" recovery start "$1" && grep -oE "$TOKEN_RE" "$T/out" | head -n 1; }
codes_for() { admin "" codes generate "$1" && grep -oE "$CODE_RE" "$T/out"; }
has_record() { grep -q "event=$1 .*result=$2.*$3" "$AUDIT"; }
mails() { grep -c -- '--- end of message' "$T/mail.out" 2>/dev/null || echo 0; }

policy false
# The offer as it tells accounts apart (module option show_status); the offer
# that is the same for every account is prompt_uniform.sh's.
service login "cue show_status"
service sudo "cue show_status"
service gdm-password show_status
new_key yk yubikey5
new_key nk yubikey5
new_key nk2 yubikey5
new_key sy synced
check "setup: owner enrolls a key" admin "$T/yk.key" key enroll prowner --label desk
check "setup: staff enrolls a passkey" admin "$T/sy.key" key enroll prstaff --label phone
read -r -a CODES <<<"$(codes_for prowner | tr '\n' ' ')"
check "setup: ten codes" test "${#CODES[@]}" = 10
answers WRONG WRONG yes

# --- ordinary sign-ins never prompt for recovery ----------------------------------
check "no ticket: no key -> denied" expect_pam PAM_AUTH_ERR login prowner auth ""
check "no ticket: no prompt, no word of recovery" no_prompt
check "no ticket: the usual message" out_has "No security key found"
TICKET=$(ticket_for prowner)
check "setup: a ticket for the owner" test -n "$TICKET"
check "ticket active, key answers: signed in as usual" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
check "ticket active, key answers: no prompt" no_prompt
check "ticket active, service not listed (sudo): denied" expect_pam PAM_AUTH_ERR sudo prowner auth ""
check "ticket active, service not listed: no prompt" no_prompt
check "staff (no physical requirement), login: no prompt" expect_pam PAM_AUTH_ERR login prstaff auth ""
check "staff: no word of recovery" no_prompt
check "ticket active, wrong PIN path untouched: key answers" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"

# --- declining and wrong input ------------------------------------------------------
printf 'Recovery ticket: \t   \n' > "$T/answers"
check "offered on a listed service; empty ticket declines" expect_pam PAM_AUTH_ERR login prowner auth ""
check "offered: says a ticket is waiting" out_has "You have a recovery ticket"
check "declined: the usual message" out_has "No security key found"
check "declined: nothing counted" grep -q ' failures=0 ' "$T/state/tickets/prowner"
answers "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA" "${CODES[0]}"
[ "$TICKET" = "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA" ] && answers "BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB" "${CODES[0]}"
check "wrong ticket: denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/nk.key"
check "wrong ticket: says so" out_has "not your recovery ticket"
check "wrong ticket: no code asked" fails out_has "prompt: Recovery code"
check "wrong ticket: counted on the ticket" grep -q ' failures=1 ' "$T/state/tickets/prowner"
check "wrong ticket: counted on the account" grep -q '^failures=1 ' "$T/state/tally/prowner"
check "audit: recovery-ticket failure" has_record recovery-ticket failure "reason=invalid-ticket"
check "wrong ticket: no key enrolled" test "$(grep -c '^id=' "$T/state/users/prowner")" = 1
answers "$TICKET" "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
check "wrong code: denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/nk.key"
check "wrong code: says so" out_has "That recovery code is not valid"
check "wrong code: counted on the ticket" grep -q ' failures=2 ' "$T/state/tickets/prowner"
check "audit: recovery-code failure" test "$(audit_field event)/$(audit_field reason)" = auth/invalid-code
check "audit: the code step recorded" has_record recovery-code failure "reason=invalid-code"
check "no secret in the audit log" fails grep -qF -- "$TICKET" "$AUDIT"

# --- full recovery ------------------------------------------------------------------
rm -f "$T/mail.out"
answers "$TICKET" "${CODES[0]}"
check "full recovery: signed in" expect_pam PAM_SUCCESS login prowner auth "$T/nk.key"
check "full recovery: ticket and code asked" test "$(grep -c '^prompt: Recovery' "$T/out")" = 2
check "full recovery: touch to enroll" out_has "touch your new physical security key"
check "full recovery: says complete" out_has "Recovery complete"
check "full recovery: earlier keys still enrolled, hint to remove" out_has "earlier keys are still enrolled"
NEW_CODES=$(grep -oE "$CODE_RE" "$T/out")
check "full recovery: new codes shown" test "$(echo $NEW_CODES | wc -w)" = 10
check "full recovery: the new key is stored" test "$(grep -c '^id=' "$T/state/users/prowner")" = 2
check "full recovery: ticket used up" test ! -e "$T/state/tickets/prowner"
check "full recovery: failure tally reset" fails grep -q '^failures=[1-9]' "$T/state/tally/prowner"
check "audit: auth success by recovery code" test "$(audit_field event)/$(audit_field result)/$(audit_field method)/$(audit_field reason)" = auth/success/recovery-code/recovery
check "audit: ticket accepted" has_record recovery-ticket success "detail=accepted"
check "audit: code consumed" has_record recovery-code success "detail=consumed"
check "audit: key enrolled in recovery" has_record enroll success "detail=recovery"
check "audit: new codes" has_record codes-generated success "detail=10-codes"
check "audit: recovery completed" has_record recovery-ticket success "detail=recovery%20completed"
check "audit: service login recorded" grep -q "event=recovery-code .*service=login" "$AUDIT"
check "audit: no code in the log" fails grep -qF -- "${CODES[0]}" "$AUDIT"
check "audit verify passes" admin "" audit verify
check "notices: code used, recovery done, new codes" test "$(mails)" = 3
check "notices: code used" grep -q "A recovery code was used" "$T/mail.out"
check "notices: recovery completed" grep -q "A recovery of your sign-in was completed" "$T/mail.out"
check "notices: new codes" grep -q "New recovery codes were created" "$T/mail.out"
check "notices: no code, no host name" \
	fails grep -qiE -- "${CODES[0]}|$(hostname)|test-clinic|$(echo $NEW_CODES | cut -d' ' -f1)" "$T/mail.out"
check "the new key signs in as usual" expect_pam PAM_SUCCESS login prowner auth "$T/nk.key"
check "the new key: no prompt" no_prompt
check "account phase passes" expect_pam PAM_SUCCESS login prowner account ""

# --- reused code, code from an older set ---------------------------------------------
TICKET=$(ticket_for prowner)
answers "$TICKET" "${CODES[0]}"
check "reused code: denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/nk2.key"
check "reused code: says not valid" out_has "That recovery code is not valid"
answers "$TICKET" "${CODES[1]}"
check "code from the older set: denied" expect_pam PAM_AUTH_ERR login prowner auth "$T/nk2.key"
check "older set: nothing enrolled" test "$(grep -c '^id=' "$T/state/users/prowner")" = 2

# --- failed enrollment after the consumed code: the ticket still works, no code needed
read -r -a NEW <<<"$(echo $NEW_CODES)"
answers "$TICKET" "${NEW[0]}"
check "passkey as replacement: refused" expect_pam PAM_AUTH_ERR login prowner auth "$T/sy.key"
check "passkey refused: says physical needed" out_has "must restore a physical"
check "passkey refused: ticket stays usable" out_has "ticket stays usable until"
check "passkey refused: code marked used on the ticket" grep -q ' code_used=1$' "$T/state/tickets/prowner"
check "audit: enroll refused by policy" has_record enroll failure "refused%20by%20policy"
answers "$TICKET" "MUST-NOT-BE-ASKED"
check "retry with the same ticket: signed in" expect_pam PAM_SUCCESS login prowner auth "$T/nk2.key"
check "retry: no code asked" fails out_has "prompt: Recovery code"
check "retry: says no code needed" out_has "no code is needed now"
read -r -a NEW <<<"$(grep -oE "$CODE_RE" "$T/out" | tr '\n' ' ')"
check "retry: a new set shown" test "${#NEW[@]}" = 10

# --- brute force: the ticket void, then the account locked -----------------------------
TICKET=$(ticket_for prowner)
answers "$TICKET" "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
for i in 1 2 3 4 5; do pam login prowner auth ""; done
check "five wrong codes: the ticket is void" test ! -e "$T/state/tickets/prowner"
check "void ticket: no longer offered" expect_pam PAM_AUTH_ERR login prowner auth ""
check "void ticket: no prompt" no_prompt
printf 'practicerunner-tally 1\nfailures=99 last=1700000000\n' > "$T/state/tally/prowner"
chmod 600 "$T/state/tally/prowner"
TICKET=$(ticket_for prowner)
answers "$TICKET" "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
check "100th failure: denied" expect_pam PAM_AUTH_ERR login prowner auth ""
check "audit: lockout recorded" has_record lockout failure "recovery%20locked"
check "locked: no longer offered, even with a ticket" expect_pam PAM_AUTH_ERR login prowner auth ""
check "locked: no prompt" no_prompt
check "unlock" admin "" unlock prowner
check "unlocked: offered again" expect_pam PAM_AUTH_ERR login prowner auth ""
check "unlocked: prompt back" out_has "prompt: Recovery ticket"

# --- expired ticket ---------------------------------------------------------------------
TICKET=$(ticket_for prowner)
sed -i 's/ expires=[0-9]* / expires=1700000000 /' "$T/state/tickets/prowner"
check "expired ticket: not offered" expect_pam PAM_AUTH_ERR login prowner auth ""
check "expired ticket: no prompt" no_prompt

# --- self request ---------------------------------------------------------------------
rm -f "$T/state/tickets/prowner" "$T/mail.out"
check "self request off: no offer" expect_pam PAM_AUTH_ERR login prowner auth ""
check "self request off: no prompt" no_prompt
policy true
answers x x no
check "self request on: offered, declined" expect_pam PAM_AUTH_ERR login prowner auth ""
check "declined: asked whether to mail" out_has "prompt: No security key answered. Mail yourself a recovery ticket?"
check "declined: nothing mailed" test "$(mails)" = 0
check "declined: no ticket" test ! -e "$T/state/tickets/prowner"
check "staff: never offered a ticket" expect_pam PAM_AUTH_ERR login prstaff auth ""
check "staff: no prompt" no_prompt
check "service not listed: never offered" expect_pam PAM_AUTH_ERR sudo prowner auth ""
check "service not listed: no prompt" no_prompt
answers x x yes
check "self request: the sign-in still fails" expect_pam PAM_AUTH_ERR login prowner auth ""
check "self request: says it was mailed" out_has "A recovery ticket was mailed to you"
check "self request: one mail" test "$(mails)" = 1
MTICKET=$(grep -oE "$TOKEN_RE" "$T/mail.out" | head -n 1)
check "self request: the mail holds a ticket" test -n "$MTICKET"
check "self request: ticket not shown on screen" fails grep -qF -- "$MTICKET" "$T/out"
check "self request: mail to the user" grep -qx "To: prowner" "$T/mail.out"
check "self request: generic mail" \
	fails grep -qiE "test-clinic|pam://|$(hostname)|clinic|patient|appointment|health" <(grep -v "^Recovery ticket:" "$T/mail.out")
check "audit: requested, mailed" has_record recovery-ticket success "detail=requested,%20mailed"
check "audit: no ticket in the log" fails grep -qF -- "$MTICKET" "$AUDIT"
answers "$MTICKET" "${NEW[1]}" no
new_key nk3 yubikey5
check "self-requested ticket: now offered, and works" expect_pam PAM_SUCCESS login prowner auth "$T/nk3.key"
check "self-requested ticket: completed" out_has "Recovery complete"
answers x x yes
check "request again: mailed (the old ticket was used)" expect_pam PAM_AUTH_ERR login prowner auth ""
check "request again: second mail" test "$(mails)" -ge 2
n=$(mails)
check "ticket active: recovery offered instead of a request" expect_pam PAM_AUTH_ERR login prowner auth ""
check "ticket active: no request prompt" fails out_has "Mail yourself"
# A ticket no longer valid but issued less than a lifetime ago (the policy's
# lifetime grew, say): still one request per lifetime.
now=$(date +%s)
sed -i "s/ created=[0-9]* expires=[0-9]* / created=$((now - 100)) expires=$((now - 50)) /" "$T/state/tickets/prowner"
check "request a third time: refused as too soon" expect_pam PAM_AUTH_ERR login prowner auth ""
check "too soon: says one was mailed recently" out_has "mailed to you recently"
check "too soon: no new mail" test "$(mails)" = "$n"
check "audit: repeated request recorded" has_record recovery-ticket failure "detail=requested"

# A damaged ticket is not offered (fail closed), and the log says which file.
policy false
printf 'practicerunner-ticket 1\ngarbage\n' > "$T/state/tickets/prowner"
check "damaged ticket: refused" expect_pam PAM_AUTH_ERR login prowner auth ""
check "damaged ticket: no recovery offered" no_prompt
check "damaged ticket: the log names the file and line" out_has "recovery not offered: $T/state/tickets/prowner:2:"

done_testing

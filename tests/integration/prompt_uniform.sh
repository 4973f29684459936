#!/bin/bash
# What the person at the prompt sees before a key answers is the same for
# every account (doc/ARCHITECTURE.md §4.7): a name that does not exist, an
# account without a key, an enrolled account whose key is not attached, an
# exempt account, with or without a recovery ticket. Every message, prompt
# and the stack's result are compared byte for byte; the detail is in the
# audit log. Module option show_status brings the distinctions back.
. "$top_srcdir/tests/integration/lib.sh"

TOKEN_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
export PAMRUN_ANSWERS=$T/answers
: > "$T/answers"

write_policy all-users owners
printf 'recovery {\n  services = {"login", "login-status", "rec"}\n}\n' >> "$CONF"
m="$SK/pam_practicerunner.so config=$CONF cue"
# ours required, then pam_deny: an exempt account's PAM_IGNORE ends as the others' failure.
quiet_stack() {
	printf 'auth required %s %s\nauth required pam_deny.so\n' "$m" "${2:-}" > "$T/pam.d/$1"
}
quiet_stack login
quiet_stack sudo
quiet_stack login-status show_status
# The conf examples' stack: a password module that failed, then ours required.
printf 'auth required pam_deny.so\nauth required %s\n' "$m" > "$T/pam.d/after-password"
service raw cue
service rec cue

new_key sy synced
new_key yk yubikey5
new_key other yubikey5
check "setup: staff enrolls a passkey" admin "$T/sy.key" key enroll prstaff --label phone
check "setup: owner enrolls a physical key" admin "$T/yk.key" key enroll prowner --label desk

# screen SERVICE USER DEVICES -> what the person saw, in $T/screen.USER
screen() {
	pam "$1" "$2" auth "$3"
	grep -v '^PWRAP' "$T/out" > "$T/screen.$2"
}
# same_screen NAME SERVICE DEVICES USER...: every user's screen equals the first's
same_screen() {
	local name=$1 svc=$2 dev=$3 first=$4 u; shift 3
	for u in "$@"; do
		screen "$svc" "$u" "$dev"
		if [ "$u" != "$first" ] && ! cmp -s "$T/screen.$first" "$T/screen.$u"; then
			diff "$T/screen.$first" "$T/screen.$u" | sed 's/^/# /'
			not_ok "$name: $u sees what $first sees"
			continue
		fi
		[ "$u" != "$first" ] && ok "$name: $u sees what $first sees"
	done
	return 0
}
KINDS="prstaff no-such-user-q prstaff2 prexempt prowner"
RKINDS="prowner prstaff no-such-user-q prstaff2 prexempt"

# --- no key attached, a key of someone else attached ---------------------------------
same_screen "no device" login "" $KINDS
check "no device: the one failure sentence" grep -qx "error: Security key sign-in did not succeed. Insert an enrolled security key and touch it when asked, or ask your administrator." "$T/screen.prstaff"
check "no device: the stack's result is a failure" grep -qx "result: PAM_AUTH_ERR" "$T/screen.prstaff"
same_screen "another's key" login "$T/other.key" $KINDS
same_screen "another's key, not a recovery service" sudo "$T/other.key" $KINDS
check "not a recovery service: no prompt" fails grep -q '^prompt:' "$T/screen.prstaff"
same_screen "after a failed password" after-password "" $KINDS
check "after a failed password: the same sentence" grep -q "error: Security key sign-in did not succeed" "$T/screen.prstaff"

# --- the module's own code: PAM_AUTH_ERR, the exempt account's PAM_IGNORE ------------
for u in prstaff no-such-user-q prstaff2 prowner; do
	check "$u: the module answers PAM_AUTH_ERR" expect_pam PAM_AUTH_ERR raw "$u" auth ""
done
check "exempt: the module leaves it to the stack" expect_pam PAM_IGNORE raw prexempt auth ""
check "exempt: shown the same failure sentence" out_has "error: Security key sign-in did not succeed"
check "audit: exempt recorded as such" test "$(audit_field reason)" = no-requirement
check "unknown name: PAM_AUTH_ERR, not PAM_USER_UNKNOWN" expect_pam PAM_AUTH_ERR raw no-such-user-q auth ""
check "audit: unknown name recorded without the name" test "$(audit_field user)" = "(unknown)"
check "audit: unknown reason" test "$(audit_field reason)" = not-found
check "no key: audit keeps the reason" expect_pam PAM_AUTH_ERR raw prstaff2 auth ""
check "audit: not-enrolled" test "$(audit_field reason)" = not-enrolled
check "system account: left to the stack, silently" expect_pam PAM_IGNORE raw daemon auth ""
check "system account: no message" fails grep -q '^error:' "$T/out"

# --- recovery: the same offer for everyone, with or without a ticket -----------------
TICKET=$(admin "" recovery start prowner && grep -oE "$TOKEN_RE" "$T/out" | head -n 1)
check "setup: a ticket for the owner" test -n "$TICKET"
same_screen "ticket skipped" login "" $RKINDS
check "everyone is offered the ticket prompt" grep -qx "prompt: Recovery ticket (press Enter to skip): " "$T/screen.prowner"
check "skipping counts nothing" grep -q ' failures=0 ' "$T/state/tickets/prowner"
printf 'Recovery ticket (press Enter to skip): \tBBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB\n' > "$T/answers"
same_screen "wrong ticket" login "" $RKINDS
check "wrong ticket: the one sentence" grep -qx "error: That recovery ticket was not accepted; nothing was changed." "$T/screen.prowner"
check "wrong ticket: counted against the owner's ticket as before" grep -q ' failures=1 ' "$T/state/tickets/prowner"
check "wrong ticket: no code asked" fails grep -q "prompt: Recovery code" "$T/screen.prowner"
rm -f "$T/state/tickets/prowner"
same_screen "wrong ticket, no ticket on file" login "" $RKINDS
# --- a ticket that is right: from here on the words are the account's own ---------------
CODES=$(admin "" codes generate prowner && grep -oE '[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}' "$T/out" | head -n 1)
TICKET=$(admin "" recovery start prowner && grep -oE "$TOKEN_RE" "$T/out" | head -n 1)
new_key nk yubikey5
printf 'Recovery ticket (press Enter to skip): \t%s\nRecovery code: \t%s\n' "$TICKET" "$CODES" > "$T/answers"
check "right ticket and code: recovered, signed in" expect_pam PAM_SUCCESS rec prowner auth "$T/nk.key"
check "... the ticket was accepted" out_has "info: Recovery ticket accepted."
check "... the new key enrolled" test "$(grep -c '^id=' "$T/state/users/prowner")" = 2
check "... recorded as a recovery" test "$(audit_field method)" = recovery-code
: > "$T/answers"

# --- show_status: the distinctions, for sites that want them ------------------------
: > "$T/answers"
screen login-status no-such-user-q ""
check "show_status: unknown name is PAM_USER_UNKNOWN" grep -qx "result: PAM_USER_UNKNOWN" "$T/screen.no-such-user-q"
screen login-status prstaff2 ""
check "show_status: no key says so" grep -q "No enrolled security key for prstaff2" "$T/screen.prstaff2"
screen login-status prstaff ""
check "show_status: enrolled, no device says so" grep -q "No security key found" "$T/screen.prstaff"
screen login-status prexempt ""
check "show_status: exempt sees nothing" fails grep -q '^error:' "$T/screen.prexempt"
check "show_status: decisions unchanged (exempt still left to the stack)" grep -qx "result: PAM_AUTH_ERR" "$T/screen.prexempt"
screen login-status prowner ""
check "show_status: no ticket, no recovery prompt" fails grep -q '^prompt:' "$T/screen.prowner"
done_testing

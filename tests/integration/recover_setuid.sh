#!/bin/bash
# practicerunner-recover installed setuid root at its built-in path and run
# by unprivileged test users in a private mount namespace (setuid_lib.sh):
# full recovery, reused and outdated codes, expired/reused/wrong tickets,
# brute force until the ticket is void and until lockout, two concurrent
# redemptions of one code, a crash between consumption and enrollment, a
# staff account refused; notices captured by a fake mail command; no secret
# in the audit log. TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"


TICKET_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
SECRETS=
exit_is() { local want=$1; shift; "$@"; [ $? = "$want" ]; }
same() { [ "$1" = "$2" ]; }
nkeys() { local n; n=$(grep -c '^id=' "$NS_STATE/users/$1" 2>/dev/null); echo "${n:-0}"; }
ticket_field() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$NS_STATE/tickets/$1"; }
tally() { sed -n 's/^failures=\([0-9]*\).*/\1/p' "$NS_STATE/tally/$1" 2>/dev/null; }
# recover USER INPUT-LINES...: practicerunner-recover as USER, one line per argument on stdin.
recover() { local u=$1; shift; printf '%s\n' "$@" | ns "$u" "$RECOVER"; }
codes_status() { ns root "$SK/practicerunner-admin" codes status "$1"; sed -n 's/.*: \([0-9]*\) of \([0-9]*\) remaining.*/\1/p' "$T/out"; }
# new_codes USER: a code set from the admin CLI, into CODES (array).
new_codes() {
	ns root "$SK/practicerunner-admin" codes generate "$1" </dev/null || return 1
	mapfile -t CODES < <(grep -oE "$CODE_RE" "$T/out")
	SECRETS="$SECRETS ${CODES[*]}"
	[ "${#CODES[@]}" = 10 ]
}
# new_ticket USER: a recovery ticket from the admin CLI, into TICKET.
new_ticket() {
	ns root "$SK/practicerunner-admin" recovery start "$1" </dev/null || return 1
	TICKET=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
	SECRETS="$SECRETS $TICKET"
	[ -n "$TICKET" ]
}
# Codes printed by practicerunner-recover itself, into SHOWN.
shown_codes() { SHOWN=(none); mapfile -t SHOWN < <(grep -oE "$CODE_RE" "$T/out"); SECRETS="$SECRETS ${SHOWN[*]}"; [ "${#SHOWN[@]}" = 10 ]; }
invite() {
	ns root "$SK/practicerunner-admin" invite "$@" </dev/null || return 1
	TOKEN=$(grep -oE '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' "$T/out" | tail -n 1)
	[ -n "$TOKEN" ]
}
audit_count() { grep -c -- "$1" "$AUDIT_NS"; }

# Mail: one file per message, as root inside the namespace; a failing command too.
mkdir -m 755 "$T/mail"
cat > "$T/fakemail" <<EOF
#!/bin/sh
f=\$(mktemp "$T/mail/msg.XXXXXX")
cat > "\$f"
EOF
printf '#!/bin/sh\ncat >/dev/null\nexit 75\n' > "$T/badmail"
chmod 755 "$T/fakemail" "$T/badmail"
mails() { cat "$T"/mail/msg.* 2>/dev/null; }
nmails() { ls "$T"/mail/ | wc -l; }
policy() {
	write_ns_policy all-users owners discouraged "${2:-2}"
	printf 'recovery {\n  mail_command = "%s -t -i"\n}\n' "$1" >> "$NS_ETC/practicerunner.conf"
}
policy "$T/fakemail"
check_setuid_possible
check "the setuid copy of practicerunner-recover is in place" ns root stat -c '%U %a' "$RECOVER"
check "... root 4755" out_has "root 4755"

# --- the program itself ------------------------------------------------------------
check "--help works for anyone" ns prstaff "$RECOVER" --help
check "... and names the option" out_has "\-\-label"
check "an argument: usage error" exit_is 2 ns prowner "$RECOVER" extra
check "--config as a user: refused" exit_is 2 ns prowner "$RECOVER" --config /tmp/x.conf
check "--user as a user: refused" exit_is 2 ns prowner "$RECOVER" --user prowner2
check "... saying it is for root only" out_has "only for root"

# --- accounts: prowner has one enrolled key (then loses it) ------------------------------
user_key prowner old yubikey5
user_key prowner new yubikey5
user_key prowner2 old yubikey5
user_key prowner2 new yubikey5
user_key prowner2 new2 yubikey5
user_key prstaff sy synced
first_key() { attach "$1/old" && invite "$1" && printf '%s\n' "$TOKEN" | ns "$1" "$ENROLL" enroll --label old; }
check "setup: prowner enrolls a key with an invitation" first_key prowner
check "setup: prowner2 enrolls a key with an invitation" first_key prowner2
K_OLD=$(keyids_of prowner)

# --- refusals before any secret ------------------------------------------------------------
before=$(snapshot)
check "staff (no physical requirement): refused" exit_is 1 recover prstaff whatever whatever
check "... with the words of the design" out_has "recovery codes are not used for your account; ask your administrator"
check "... nothing written" same "$before" "$(snapshot)"
check "no ticket: refused" exit_is 1 recover prowner "ABCD" "EFGH"
check "... telling the user to ask for one" out_has "no recovery ticket for you"
check "... never asked for the ticket" fails out_has "Recovery ticket:"

# --- codes: an older set, then the current one; a ticket ------------------------------------
check "admin: a first code set for prowner" new_codes prowner
OLDSET=("${CODES[@]}")
check "admin: a second set replaces it" new_codes prowner
SET=("${CODES[@]}")
check "admin: a recovery ticket for prowner" new_ticket prowner
T1=$TICKET
rm -f "$T"/mail/*

attach prowner/new
# A wrong ticket: the first character changed (always to a different one).
wrong_ticket() { local t=$1; if [ "${t:0:1}" = 0 ]; then echo "1${t:1}"; else echo "0${t:1}"; fi; }
check "wrong ticket: refused" exit_is 1 recover prowner "$(wrong_ticket "$T1")" "${SET[0]}"
check "... saying so" out_has "not your recovery ticket"
check "... the code was not asked for" fails out_has "Recovery code:"
check "... counted on the ticket" test "$(ticket_field prowner failures)" = 1
check "... and on the account" test "$(tally prowner)" = 1
check "audit: recovery-ticket failure invalid-ticket" \
	test "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last reason)" = recovery-ticket/failure/invalid-ticket
check "... all ten codes remain" test "$(codes_status prowner)" = 10

check "a code from the older set: refused" exit_is 1 recover prowner "$T1" "${OLDSET[0]}"
check "... saying so" out_has "recovery code is not valid"
check "audit: recovery-code failure invalid-code" \
	test "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last reason)/$(audit_ns_last method)" = recovery-code/failure/invalid-code/recovery-code
check "... counted on the ticket and the account" test "$(ticket_field prowner failures)/$(tally prowner)" = 2/2
check "... no key enrolled" test "$(nkeys prowner)" = 1

# --- crash between consumption and enrollment --------------------------------------------------
key_set prowner new --touch no
check "code consumed, then the new key is not touched: fails" exit_is 1 recover prowner "$T1" "${SET[0]}"
check "... saying the ticket stays usable without a code" out_has "no code is needed"
check "... the code is used up" test "$(codes_status prowner)" = 9
check "... the ticket records it" test "$(ticket_field prowner code_used)" = 1
check "... no key enrolled" test "$(nkeys prowner)" = 1
check "audit: recovery-code success" test "$(grep -c 'event=recovery-code result=success' "$AUDIT_NS")" = 1
check "audit: enroll failure, detail recovery, reason timeout" \
	test "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last reason)/$(audit_ns_last detail)" = enroll/failure/timeout/recovery
check "notice: a recovery code was used" grep -q "^A recovery code was used at .* UTC\.$" <(mails)

# --- the second run: the same ticket, no code, the key touched: full recovery --------------------
key_set prowner new --touch yes
rm -f "$T"/mail/*
check "same ticket, no code: the new key is enrolled" recover prowner "$T1"
check "... no code was asked for" fails out_has "Recovery code:"
check "... said it is not needed" out_has "no code is needed now"
check "... recovery complete" out_has "Recovery complete"
check "... classified physical" out_has "physical"
check "... the earlier key stays (advice to remove it)" out_has "ask your administrator to remove it"
check "... ten new codes shown" shown_codes
check "store: two keys (old and new)" test "$(nkeys prowner)" = 2
check "the ticket is used up" test ! -e "$NS_STATE/tickets/prowner"
check "the tally is cleared" test "$(tally prowner)" = ""
check "codes: a fresh full set" test "$(codes_status prowner)" = 10
# rec_field FIELD: that field of the record on stdin.
rec_field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
last_enroll=$(grep ' event=enroll result=success ' "$AUDIT_NS" | tail -n 1)
check "audit: enroll success detail recovery, user and actor prowner, class physical" test \
	"$(rec_field detail <<<"$last_enroll")/$(rec_field user <<<"$last_enroll")/$(rec_field actor <<<"$last_enroll")/$(rec_field class <<<"$last_enroll")" = recovery/prowner/prowner/physical
check "audit: codes-generated" grep -q " event=codes-generated result=success .*user=prowner " "$AUDIT_NS"
check "notices: recovery completed and new codes, two messages" test "$(nmails)" = 2
check "notice: a recovery was completed" grep -q "^A recovery of your sign-in was completed at .* UTC\.$" <(mails)
check "notice: new recovery codes" grep -q "^New recovery codes were created at .* UTC\.$" <(mails)

# The new key signs in through the module (outside the namespace, same state).
K_NEW=$(keyids_of prowner | grep -v "$K_OLD")
cat > "$CONF" <<EOC
rp_id = "pam://test-clinic"
require_security_key = all-users
require_physical_key = owners
user_verification = discouraged
touch_timeout = 2
state_dir = "$NS_STATE"
audit_log = "$T/module-audit.log"
trust_anchors = "$NS_ETC/trust-anchors.d"
exempt = {"prexempt"}
roles {
  owners = {"prowner", "@prowners"}
  admins = {"@pradmins"}
}
EOC
chmod 644 "$CONF"
service login
# The module runs as root outside the namespace: the softkey wants a device file of root's.
cp "$(key_path prowner new)" "$T/new-root.key"
check "the new key signs in through the module" expect_pam PAM_SUCCESS login prowner auth "$T/new-root.key"
check "... as the new key" grep -q "cred_id=" "$T/module-audit.log"
check "... no recovery prompt in the ordinary login" fails grep -qi "recovery" "$T/out"

# --- reused ticket, reused code, code of the replaced set ---------------------------------------
check "the used ticket again: refused" exit_is 1 recover prowner "$T1" "${SHOWN[0]}"
check "... no ticket any more" out_has "no recovery ticket for you"
check "admin: a new ticket" new_ticket prowner
T2=$TICKET
check "a code already used: refused" exit_is 1 recover prowner "$T2" "${SET[0]}"
check "... invalid code" test "$(audit_ns_last reason)" = invalid-code
check "a code of the set the recovery replaced: refused" exit_is 1 recover prowner "$T2" "${SET[1]}"
check "... invalid code" test "$(audit_ns_last reason)" = invalid-code
check "... two failures on the ticket" test "$(ticket_field prowner failures)" = 2

# --- brute force until the ticket is void -------------------------------------------------------
recover prowner "$T2" "AAAA-AAAA-AAAA-AAAA"
recover prowner "$T2" "AAAA-AAAA-AAAA-AAAB"
check "the fifth failure voids the ticket" exit_is 1 recover prowner "$T2" "AAAA-AAAA-AAAA-AAAC"
check "... the ticket is gone" test ! -e "$NS_STATE/tickets/prowner"
check "the right ticket and a valid code after that: refused" exit_is 1 recover prowner "$T2" "${SHOWN[0]}"
check "... no ticket" out_has "no recovery ticket for you"
check "... the valid code was not used" test "$(codes_status prowner)" = 10
check "... tally counts the five" test "$(tally prowner)" = 5

# --- lockout: the tally near the limit -------------------------------------------------------------
printf 'practicerunner-tally 1\nfailures=98 last=1700000000\n' > "$NS_STATE/tally/prowner"
chmod 600 "$NS_STATE/tally/prowner"
check "admin: a new ticket" new_ticket prowner
T3=$TICKET
recover prowner "WRONG-TICKET-1"
check "the 100th failure locks recovery" exit_is 1 recover prowner "WRONG-TICKET-2"
check "... saying so, and what the administrator runs" out_has "practicerunner-admin unlock prowner"
check "... audited as lockout" grep -q " event=lockout result=failure .*user=prowner " "$AUDIT_NS"
check "... after the failed try that caused it, as the module records it" \
	test "$(audit_ns_last event)" = lockout
check "locked: even the right ticket and code are refused" exit_is 1 recover prowner "$T3" "${SHOWN[0]}"
check "... before any prompt" fails out_has "Recovery ticket:"
check "... saying to ask for unlock" out_has "practicerunner-admin unlock prowner"
check "... audit locked-out" test "$(audit_ns_last reason)" = locked-out
check "... the code was not used" test "$(codes_status prowner)" = 10
check "admin unlocks" ns root "$SK/practicerunner-admin" unlock prowner

# --- expired ticket ------------------------------------------------------------------------------
check "admin: a ticket for prowner2" new_ticket prowner2
sed -i 's/ created=[0-9]* expires=[0-9]*/ created=1699999000 expires=1700000000/' "$NS_STATE/tickets/prowner2"
check "expired ticket: refused" exit_is 1 recover prowner2 "$TICKET" whatever
check "... saying it expired" out_has "expired"

# --- one run, ticket and code: full recovery; mail failure is only a warning ----------------------
check "admin: codes for prowner2" new_codes prowner2
P2SET=("${CODES[@]}")
check "admin: a ticket for prowner2" new_ticket prowner2
user_key prowner2 sy synced
attach prowner2/sy
check "a passkey as the replacement: refused" exit_is 1 recover prowner2 "$TICKET" "${P2SET[0]}"
check "... recovery must restore a physical key" out_has "Recovery must restore a physical"
check "audit: enroll class-not-allowed" test "$(audit_ns_last reason)" = class-not-allowed
check "... the ticket stays usable (code used)" test "$(ticket_field prowner2 code_used)" = 1
attach prowner2/new
policy "$T/badmail"
rm -f "$T"/mail/*
check "with the mail command failing, recovery still completes" recover prowner2 "$TICKET"
check "... warning printed" out_has "notice to your mailbox was not sent"
check "... audited: notice not sent" test "$(grep -c 'detail=notice%20not%20sent' "$AUDIT_NS")" -ge 2
check "... the new codes' notice under codes-generated, as every program records it" \
	grep -q ' event=codes-generated result=failure .*detail=notice%20not%20sent' "$AUDIT_NS"
check "... new codes shown" shown_codes
policy "$T/fakemail"
check "prowner2: the old codes are replaced" test "$(codes_status prowner2)" = 10
check "admin: a ticket for prowner2" new_ticket prowner2
check "prowner2: a code of the replaced set is refused" exit_is 1 recover prowner2 "$TICKET" "${P2SET[1]}"
key_set prowner2 new2 --touch yes
attach prowner2/new2
rm -f "$T"/mail/*
check "prowner2: ticket and a fresh code in one run" recover prowner2 "$TICKET" "${SHOWN[0]}"
check "... recovery complete" out_has "Recovery complete"
check "... new codes shown" shown_codes
check "... three notices (code used, completed, new codes)" test "$(nmails)" = 3

# --- two concurrent redemptions of one code ----------------------------------------------------
check "admin: a ticket for prowner2" new_ticket prowner2
key_set prowner2 new2 --touch no
before_ok=$(grep -c 'event=recovery-code result=success' "$AUDIT_NS")
for i in 1 2; do
	printf '%s\n%s\n' "$TICKET" "${SHOWN[0]}" | timeout 60 unshare -m --propagation private -- \
		bash "$NS_ENTER" prowner2 "$RECOVER" > "$T/conc.$i" 2>&1 &
done
wait
sed 's/^/# run 1: /' "$T/conc.1"; sed 's/^/# run 2: /' "$T/conc.2"
check "concurrent: exactly one code use recorded" \
	test "$(( $(grep -c 'event=recovery-code result=success' "$AUDIT_NS") - before_ok ))" = 1
check "concurrent: exactly one code gone" test "$(codes_status prowner2)" = 9
check "concurrent: the other run did not use a code" \
	test "$(cat "$T/conc.1" "$T/conc.2" | grep -c -e 'recovery code is not valid' -e 'no code is needed now')" = 1

mails | sed -n '/^Subject/,/^If this/p' | head -n 8 | sed 's/^/# mail: /'
# --- the notices and the record -------------------------------------------------------------------
check "notices: generic subject" grep -qx "Subject: Security notice for your sign-in" <(mails)
check "notices: To is the user name" grep -qx "To: prowner2" <(mails)
check "notices: what to do" grep -qx "If this was not you, tell your administrator at once." <(mails)
check "notices: nothing about the practice" \
	fails grep -qiE "test-clinic|pam://|clinic|patient|appointment|health|medical|doctor" <(mails)
check "secrets were collected" test "$(echo $SECRETS | wc -w)" -ge 50
no_secret_in() {
	local s
	for s in $SECRETS; do
		grep -qiF -- "$s" "$@" && return 1
		grep -qiF -- "${s//-/}" "$@" && return 1
	done
	return 0
}
check "no code or ticket in any notice" no_secret_in "$T"/mail/* /dev/null
check "no code or ticket in the audit log" no_secret_in "$AUDIT_NS"
check "no code or ticket in the state files" no_secret_in $(find "$NS_STATE" -type f)
check "audit chain verifies" ns root "$SK/practicerunner-admin" audit verify

# --- --request (recovery.self_request): mailed to the user only ------------------------------------
rm -f "$NS_STATE/tickets/prowner2"
n=$(nmails)
check "--request, self requests off: refused" exit_is 1 ns prowner2 "$RECOVER" --request </dev/null
check "... says it is not enabled" out_has "not enabled here"
check "... nothing mailed" test "$(nmails)" = "$n"
check "... no ticket" test ! -e "$NS_STATE/tickets/prowner2"
policy "$T/fakemail"
sed -i 's/^recovery {$/recovery {\n  self_request = true/' "$NS_ETC/practicerunner.conf"
check "--request with --label: usage error" exit_is 2 ns prowner2 "$RECOVER" --request --label x </dev/null
check "--request: staff refused" exit_is 1 ns prstaff "$RECOVER" --request </dev/null
check "... told codes are not used for them" out_has "not used for your account"
check "--request: mailed" ns prowner2 "$RECOVER" --request </dev/null
check "... says so" out_has "A recovery ticket was mailed to you"
check "... one mail" test "$(nmails)" = "$((n + 1))"
MT=$(cat $(ls -t "$T"/mail/msg.* | head -n 1) | grep -oE "$TICKET_RE" | head -n 1)
check "... the mail holds the ticket" test -n "$MT"
check "... the ticket is not shown" fails grep -qF -- "$MT" "$T/out"
check "... a ticket file (hash only)" fails grep -qF -- "$MT" "$NS_STATE/tickets/prowner2"
check "... audit: requested, mailed" test "$(audit_ns_last detail)" = "requested,%20mailed"
check "... audit: no ticket" fails grep -qF -- "$MT" "$AUDIT_NS"
check "--request again: refused as too soon" exit_is 1 ns prowner2 "$RECOVER" --request </dev/null
check "... says one was mailed recently" out_has "mailed to you recently"
check "... no second mail" test "$(nmails)" = "$((n + 1))"
check "the mailed ticket is accepted" exit_is 1 recover prowner2 "$MT" ""
check "... (then no code given: nothing changed)" out_has "no code entered"
done_testing

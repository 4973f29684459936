#!/bin/bash
# A kill between a change and its audit record (root's kill -9, the OOM
# killer, power loss) leaves no change without a record: the program is
# made to SIGKILL itself right after the commit (test builds' point
# "commit-<event>", lib/transport.h); the store has the change, and the
# next append by anyone records it as interrupted, naming the user, the
# event and the key. A writer that still runs (stopped on that point) is
# left alone, and its own record is the only one. doc/ARCHITECTURE.md §8.3.
. "$top_srcdir/tests/integration/lib.sh"

CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
TICKET_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
PENDING=$AUDIT.pending

new_key yk1 yubikey5
new_key yk2 yubikey5
new_key yk3 yubikey5
write_policy all-users owners
printf 'recovery {\n  mail_command = "/bin/true"\n}\n' >> "$CONF"
service login

killed() { [ "$1" = 137 ]; }
keyid_of() { admin "" key list "$1" && awk -v l="$2" '$4 == l { print $2 }' "$T/out"; }
# interrupted EVENT USER: how many interrupted records of EVENT for USER the log holds.
interrupted() {
	grep -c " event=$1 result=failure reason=interrupted user=$2 " "$AUDIT"
}
# The interrupted record's field: interrupted_field EVENT USER FIELD
interrupted_field() {
	grep " event=$1 result=failure reason=interrupted user=$2 " "$AUDIT" | tail -n 1 |
		tr ' ' '\n' | sed -n "s/^$3=//p"
}
pending_count() { find "$PENDING" -name '*.intent' 2>/dev/null | wc -l; }
verify_ok() { admin "" audit verify && out_has "hash chain intact"; }
# Any append: an administrator's action that writes a record.
some_append() { admin "" unlock prstaff; }
sign_in() { expect_pam PAM_SUCCESS login prowner auth "$T/yk1.key"; }

# --- admin key enroll killed after the store write ----------------------------------------------
check "setup: a first key" admin "$T/yk1.key" key enroll prowner --label one
PRACTICERUNNER_TEST_POINT=commit-enroll:kill admin "$T/yk2.key" key enroll prowner --label two
check "key enroll killed right after the commit" killed $?
K2=$(keyid_of prowner two)
check "... the store has the key" test -n "$K2"
check "... and no record of it yet" test "$(interrupted enroll prowner)" = 0
check "audit verify (changes nothing) says it will be recorded at the next append" \
	eval 'verify_ok && out_has "1 change whose program ended before recording it: recorded as interrupted at the next append"'
check "... and did not record it" test "$(interrupted enroll prowner)" = 0
check "the next append (a sign-in) records it as interrupted" sign_in
check "... one interrupted enroll record for prowner" test "$(interrupted enroll prowner)" = 1
check "... naming the key" test -n "$(interrupted_field enroll prowner cred_id)"
check "... saying what happened" \
	test "$(interrupted_field enroll prowner detail | cut -c1-24)" = "the%20program%20ended%20"
check "... and it is not recorded again" sign_in
check "... still one" test "$(interrupted enroll prowner)" = 1
check "... nothing is left pending" test "$(pending_count)" = 0
check "audit verify passes" verify_ok

# --- admin key remove killed after the store write ------------------------------------------------
PRACTICERUNNER_TEST_POINT=commit-remove:kill admin "" key remove prowner "$K2"
check "key remove killed right after the commit" killed $?
admin "" key list prowner
check "... the key is gone from the store" fails out_has "$K2"
check "the next append (an admin action) records it" some_append
check "... one interrupted remove record for prowner" test "$(interrupted remove prowner)" = 1
check "... naming the key" test -n "$(interrupted_field remove prowner cred_id)"
check "audit verify passes after the remove" verify_ok

# --- a sign-in killed after its counter was stored ------------------------------------------------
before=$(grep -c ' event=auth result=success user=prowner ' "$AUDIT")
PRACTICERUNNER_TEST_POINT=commit-auth:kill pam login prowner auth "$T/yk1.key"
check "sign-in killed right after storing the counter" killed $?
check "... no success record for it" test "$(grep -c ' event=auth result=success user=prowner ' "$AUDIT")" = "$before"
check "the next append records it" some_append
check "... one interrupted auth record for prowner" test "$(interrupted auth prowner)" = 1
check "... with the key and the counter stored" \
	test -n "$(interrupted_field auth prowner cred_id)" -a -n "$(interrupted_field auth prowner sign_count)"
check "audit verify passes after the sign-in" verify_ok

# --- a recovery code consumed, then killed ---------------------------------------------------------
check "setup: prowner's recovery codes" admin "" codes generate prowner
CODE=$(grep -oE "$CODE_RE" "$T/out" | head -n 1)
check "setup: a recovery ticket" admin "" recovery start prowner
TICKET=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
printf '%s\n%s\n' "$TICKET" "$CODE" | PRACTICERUNNER_TEST_POINT=commit-recovery-code:kill \
	timeout 120 "$SK/practicerunner-recover" --config "$CONF" --user prowner > "$T/out" 2>&1
check "recovery killed right after the code was consumed" killed $?
admin "" codes status prowner
check "... the code is used" out_has "9 of 10"
check "the next append records it" some_append
check "... one interrupted recovery-code record for prowner" \
	test "$(interrupted recovery-code prowner)" = 1
check "audit verify passes after the recovery" verify_ok

# --- a writer that still runs is left alone -----------------------------------------------------------
PRACTICERUNNER_TEST_POINT=commit-enroll:stop PRACTICERUNNER_SOFTKEY=$T/yk3.key \
	"$SK/practicerunner-admin" --config "$CONF" key enroll prowner --label three \
	> "$T/bg.out" 2>&1 </dev/null &
BG=$!
stopped() { [ "$(awk '{ print $3 }' "/proc/$BG/stat" 2>/dev/null)" = T ]; }
for i in $(seq 200); do stopped && break; sleep 0.05; done
check "setup: an enrollment stopped after its commit" stopped
check "... its intent is on file" test "$(pending_count)" = 1
check "audit verify says a change is in progress" \
	eval 'verify_ok && out_has "1 change in progress"'
check "an append meanwhile (a sign-in) succeeds" sign_in
check "... and does not record the running writer's change" \
	test "$(interrupted enroll prowner)" = 1
check "... which stays pending" test "$(pending_count)" = 1
kill -CONT "$BG"
wait "$BG"
check "the writer, continued, finishes" test $? = 0
check "... with its own record" \
	test "$(grep -c ' event=enroll result=success user=prowner ' "$AUDIT")" = 2
check "... and nothing left pending" test "$(pending_count)" = 0
check "another append adds no interrupted record for it" sign_in
check "... still exactly one interrupted enroll (the killed one)" \
	test "$(interrupted enroll prowner)" = 1
check "audit verify passes at the end" verify_ok

done_testing

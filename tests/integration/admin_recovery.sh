#!/bin/bash
# practicerunner-admin recovery start USER [--mail], and unlock USER.
. "$top_srcdir/tests/integration/lib.sh"

TOKEN_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
TICKETS=
token_in() { grep -oE "$TOKEN_RE" "$1" | head -n 1; }
status() { local want=$1; shift; "$@"; [ $? = "$want" ]; }
no_secret_in() { ! grep -qiF -- "$2" "$1" && ! grep -qiF -- "${2//-/}" "$1"; }
lifetime_of() {
	echo $(( $(sed -n 's/.* created=\([0-9]*\) expires=\([0-9]*\) .*/\2 - \1/p' "$T/state/tickets/$1") ))
}

cat > "$T/fakemail" <<EOF2
#!/bin/sh
cat > "$T/mail.out"
EOF2
chmod 755 "$T/fakemail"
write_policy all-users owners
printf 'recovery {\n  mail_command = "%s -t -i"\n  ticket_lifetime = 1200\n}\n' "$T/fakemail" >> "$CONF"

check "recovery start: owner gets a ticket" admin "" recovery start prowner
tok=$(token_in "$T/out"); TICKETS="$TICKETS $tok"
check "recovery start: ticket printed" test -n "$tok"
check "recovery start: says until when" out_has "valid until"
check "recovery start: says what the user runs" out_has "practicerunner-recover"
check "recovery start: lifetime from the policy" test "$(lifetime_of prowner)" = 1200
check "recovery start: file mode 0600" test "$(stat -c %a "$T/state/tickets/prowner")" = 600
check "recovery start: only a hash stored" no_secret_in "$T/state/tickets/prowner" "$tok"
check "recovery start: file format" grep -qE '^hash=[0-9a-f]{64} created=[0-9]+ expires=[0-9]+ failures=0 code_used=0$' "$T/state/tickets/prowner"
check "audit: event recovery-ticket" test "$(audit_field event)" = recovery-ticket
check "audit: detail created" test "$(audit_field detail)" = created
check "audit: user" test "$(audit_field user)" = prowner
check "recovery start: owner through @group too" admin "" recovery start prowner2
TICKETS="$TICKETS $(token_in "$T/out")"

check "recovery start: staff refused (status 1)" status 1 admin "" recovery start prstaff
check "recovery start: staff told to re-enroll" \
	out_has "recovery is only for accounts under a physical-key requirement; re-enroll prstaff's key with key enroll instead"
check "recovery start: no ticket for staff" test ! -e "$T/state/tickets/prstaff"
check "recovery start: exempt refused" status 1 admin "" recovery start prexempt
check "recovery start: unknown user refused" status 1 admin "" recovery start no-such-user-here
check "recovery start: missing user (status 2)" status 2 admin "" recovery start
check "recovery start: unknown option (status 2)" status 2 admin "" recovery start prowner --bogus

rm -f "$T/mail.out"
check "recovery start --mail" admin "" recovery start prowner --mail
check "--mail: ticket not printed" fails grep -qE "$TOKEN_RE" "$T/out"
check "--mail: says it was mailed" out_has "mailed to prowner"
mtok=$(token_in "$T/mail.out"); TICKETS="$TICKETS $mtok"
check "mail: contains the ticket" test -n "$mtok"
check "mail: To is the user" grep -qx "To: prowner" "$T/mail.out"
check "mail: generic subject" grep -qx "Subject: Recovery of your sign-in" "$T/mail.out"
check "mail: says a recovery was started" grep -q "A recovery of your sign-in was started" "$T/mail.out"
check "mail: says until when" grep -q "^Valid until: .* UTC$" "$T/mail.out"
check "mail: says what to run" grep -q "practicerunner-recover" "$T/mail.out"
check "mail: if you did not ask" grep -q "If you did not ask for this, tell your administrator" "$T/mail.out"
check "mail: nothing about the practice" \
	fails grep -qiE "test-clinic|pam://|$(hostname)|clinic|patient|appointment|health|medical|doctor" \
	<(grep -v "^Recovery ticket:" "$T/mail.out")   # the random secret could spell a host name
check "audit: detail mailed" test "$(audit_field detail)" = mailed

# Lockout: the tally file in its documented format, by hand (no CLI fails yet).
mkdir -p -m 700 "$T/state/tally"
printf 'practicerunner-tally 1\nfailures=100 last=1700000000\n' > "$T/state/tally/prowner"
chmod 600 "$T/state/tally/prowner"
check "recovery start: refused while locked out (status 1)" status 1 admin "" recovery start prowner
check "locked: tells the admin to unlock first" out_has "practicerunner-admin unlock prowner"
check "audit: locked-out refusal recorded" test "$(audit_field result)" = failure
check "unlock" admin "" unlock prowner
check "unlock: says how many were cleared" out_has "100 failed attempts cleared"
check "unlock: tally gone" test ! -e "$T/state/tally/prowner"
check "audit: event lockout" test "$(audit_field event)" = lockout
check "audit: detail cleared" test "$(audit_field detail)" = cleared
check "recovery start: works after unlock" admin "" recovery start prowner
TICKETS="$TICKETS $(token_in "$T/out")"
check "unlock: nothing to clear is fine" admin "" unlock prowner
check "unlock: says nothing to clear" out_has "nothing to clear"
printf 'practicerunner-tally 1\ngarbage\n' > "$T/state/tally/prowner"; chmod 600 "$T/state/tally/prowner"
check "recovery start: corrupt tally refused" fails admin "" recovery start prowner
check "recovery start: names the tally file" out_has "tally/prowner:2:"
check "unlock: clears a corrupt tally" admin "" unlock prowner
check "unlock: corrupt tally gone" test ! -e "$T/state/tally/prowner"
check "unlock: bad usage (status 2)" status 2 admin "" unlock
check "unlock: invalid name (status 2)" status 2 admin "" unlock ../etc

check "audit: recovery-ticket records" test "$(grep -c 'event=recovery-ticket' "$AUDIT")" -ge 4
check "audit: tickets were collected" test "$(echo $TICKETS | wc -w)" -ge 4
check "audit: no ticket ever logged" bash -c '
	for t in $1; do grep -qiF -- "$t" "$2" && exit 1; grep -qiF -- "${t//-/}" "$2" && exit 1; done; exit 0' \
	_ "$TICKETS" "$AUDIT"
check "audit verify: chain intact" admin "" audit verify
check "non-root cannot start recovery" fails setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SK/practicerunner-admin" --config "$CONF" recovery start prowner
check "non-root cannot unlock" fails setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SK/practicerunner-admin" --config "$CONF" unlock prowner
# --- recovery revoke -------------------------------------------------------------
check "recovery start before a revoke" admin "" recovery start prowner2
check "recovery revoke" admin "" recovery revoke prowner2
check "recovery revoke: says so" out_has "Recovery ticket for prowner2 revoked."
check "recovery revoke: the ticket is gone" test ! -e "$T/state/tickets/prowner2"
check "audit: revoked" test "$(audit_field event)/$(audit_field detail)" = recovery-ticket/revoked
check "recovery revoke with none: status 1" status 1 admin "" recovery revoke prowner2
check "... says there is none" out_has "prowner2 has no recovery ticket"
check "recovery revoke, bad name: status 2" status 2 admin "" recovery revoke "../x"
check "recovery revoke, no user: status 2" status 2 admin "" recovery revoke
done_testing

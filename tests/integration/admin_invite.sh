#!/bin/bash
# practicerunner-admin invite USER [--expires D] [--mail], invite list, invite revoke.
. "$top_srcdir/tests/integration/lib.sh"

# Crockford base32 (no I, L, O, U), 7 groups of 4.
TOKEN_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
TOKENS=
token_in() { grep -oE "$TOKEN_RE" "$1" | head -n 1; }
# status N CMD...: CMD exits with status N
status() { local want=$1; shift; "$@"; [ $? = "$want" ]; }
lifetime_of() { # seconds between created and expires in USER's invitation file
	local f="$T/state/invites/$1"
	echo $(( $(sed -n 's/.* created=\([0-9]*\) expires=\([0-9]*\) .*/\2 - \1/p' "$f") ))
}
no_secret_in() { # no_secret_in FILE TOKEN: neither the token nor its undashed form
	! grep -qiF -- "$2" "$1" && ! grep -qiF -- "${2//-/}" "$1"
}

# A fake mail command that keeps its arguments and the message; one that fails.
cat > "$T/fakemail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" > "$T/mail.args"
cat > "$T/mail.out"
EOF
printf '#!/bin/sh\ncat >/dev/null\nexit 75\n' > "$T/badmail"
chmod 755 "$T/fakemail" "$T/badmail"

# The test policy plus a recovery section naming the mail command.
policy_with_mail() {
	write_policy all-users owners
	printf 'recovery {\n  mail_command = "%s -t -i"\n}\n' "$1" >> "$CONF"
}
policy_with_mail "$T/fakemail"

check "invite list: no invitations yet" admin "" invite list
check "invite list: only the header" test "$(wc -l < "$T/out")" = 1

check "invite: prints a token" admin "" invite prstaff
tok=$(token_in "$T/out"); TOKENS="$TOKENS $tok"
check "invite: token is 7 groups of 4" test -n "$tok"
check "invite: says until when" out_has "valid until"
check "invite: says what the user runs" out_has "practicerunner-enroll enroll"
check "invite: default lifetime 72h" test "$(lifetime_of prstaff)" = 259200
check "invite: file mode 0600" test "$(stat -c %a "$T/state/invites/prstaff")" = 600
check "invite: directory mode 0700" test "$(stat -c %a "$T/state/invites")" = 700
check "invite: only a hash is stored" no_secret_in "$T/state/invites/prstaff" "$tok"
check "audit: event invite" test "$(audit_field event)" = invite
check "audit: detail created" test "$(audit_field detail)" = created
check "audit: user" test "$(audit_field user)" = prstaff
check "audit: actor" test -n "$(audit_field actor)"

check "invite list: shows the invitation" admin "" invite list
check "invite list: user and status" grep -q "^prstaff .* 0 *active$" "$T/out"
check "invite list: never the token" no_secret_in "$T/out" "$tok"

check "invite again: replaces the earlier one" admin "" invite prstaff --expires 30m
check "invite again: says so" out_has "replaces the earlier invitation"
tok2=$(token_in "$T/out"); TOKENS="$TOKENS $tok2"
check "invite again: a new token" test -n "$tok2" -a "$tok2" != "$tok"
check "--expires 30m" test "$(lifetime_of prstaff)" = 1800
check "--expires 7d" admin "" invite prstaff2 --expires 7d
TOKENS="$TOKENS $(token_in "$T/out")"
check "--expires 7d: lifetime" test "$(lifetime_of prstaff2)" = 604800
check "--expires 30d: the maximum" admin "" invite prstaff2 --expires=30d
TOKENS="$TOKENS $(token_in "$T/out")"
check "--expires 30d: lifetime" test "$(lifetime_of prstaff2)" = 2592000
for bad in 31d 721h 0h 5x 72 h -1h "" 1.5h 9999999999999999999d; do
	check "--expires '$bad' refused (status 2)" status 2 admin "" invite prstaff2 --expires "$bad"
done
check "refused --expires left the invitation alone" test "$(lifetime_of prstaff2)" = 2592000
check "invite: unknown user refused (status 1)" status 1 admin "" invite no-such-user-here
check "invite: says no such user" out_has "no such user"
check "invite: invalid name refused" fails admin "" invite ../etc
check "invite: nothing outside invites/" test ! -e "$T/state/etc"
check "invite: missing user argument (status 2)" status 2 admin "" invite
check "invite: two users (status 2)" status 2 admin "" invite prstaff prstaff2

check "invite revoke" admin "" invite revoke prstaff
check "invite revoke: says so" out_has "revoked"
check "invite revoke: file gone" test ! -e "$T/state/invites/prstaff"
check "audit: detail revoked" test "$(audit_field detail)" = revoked
check "invite revoke: again fails (status 1)" status 1 admin "" invite revoke prstaff
check "invite revoke: says there is none" out_has "has no invitation"
check "invite revoke: bad usage (status 2)" status 2 admin "" invite revoke
check "invite list: revoked one gone" admin "" invite list
check "invite list: prstaff not listed" fails grep -q "^prstaff " "$T/out"
check "invite list: prstaff2 still listed" grep -q "^prstaff2 " "$T/out"

# A damaged invitation file: named with its line, listed around, cleared by revoke.
printf 'practicerunner-invite 1\ngarbage\n' > "$T/state/invites/prowner"; chmod 600 "$T/state/invites/prowner"
check "invite list: corrupt file is an error (status 4)" status 4 admin "" invite list
check "invite list: names file and line" out_has "invites/prowner:2:"
check "invite list: still lists the others" grep -q "^prstaff2 " "$T/out"
check "invite: will not overwrite a corrupt file" status 4 admin "" invite prowner
check "invite: tells how to clear it" out_has "revoke the invitation"
check "invite revoke: clears a corrupt file" admin "" invite revoke prowner

# --mail: the token goes only into the message.
rm -f "$T/mail.out"
check "invite --mail" admin "" invite prowner2 --mail --expires 48h
check "invite --mail: token not printed" fails grep -qE "$TOKEN_RE" "$T/out"
check "invite --mail: says it was mailed" out_has "mailed to prowner2"
check "invite --mail: message sent" test -s "$T/mail.out"
mtok=$(token_in "$T/mail.out"); TOKENS="$TOKENS $mtok"
check "mail: contains the token" test -n "$mtok"
check "mail: To is the user name" grep -qx "To: prowner2" "$T/mail.out"
check "mail: generic subject" grep -qx "Subject: Enrollment invitation for your sign-in" "$T/mail.out"
check "mail: plain text utf-8" grep -qx "Content-Type: text/plain; charset=utf-8" "$T/mail.out"
check "mail: says it is an enrollment invitation for the sign-in" \
	grep -q "enrollment invitation for your sign-in" "$T/mail.out"
check "mail: says what to run" grep -q "practicerunner-enroll enroll" "$T/mail.out"
check "mail: says until when" grep -q "^Valid until: .* UTC$" "$T/mail.out"
check "mail: nothing about the practice (rp id, host, specialty)" \
	fails grep -qiE "test-clinic|pam://|$(hostname)|clinic|patient|appointment|health|medical|doctor" \
	<(grep -v "^Invitation code:" "$T/mail.out")   # the random secret could spell a host name
check "mail: exactly the expected headers" \
	test "$(sed '/^$/q' "$T/mail.out" | cut -d: -f1 | tr '\n' ' ')" = \
	"To Subject MIME-Version Content-Type Content-Transfer-Encoding Auto-Submitted  "
check "mail: command got its arguments" test "$(cat "$T/mail.args")" = "$(printf -- '-t\n-i')"
check "mail: lifetime 48h" test "$(lifetime_of prowner2)" = 172800
check "audit: detail mailed" test "$(audit_field detail)" = mailed
check "audit: created recorded before mailed" \
	test "$(tail -n 2 "$AUDIT" | head -n 1 | tr ' ' '\n' | sed -n 's/^detail=//p')" = created

# A mail command that fails: nothing left behind that nobody received.
policy_with_mail "$T/badmail"
check "invite --mail: failing command is refused (status 1)" status 1 admin "" invite prstaff --mail
check "invite --mail: names the command and status" out_has "badmail failed (exit status 75)"
check "invite --mail: says the invitation was withdrawn" out_has "withdrawn"
check "invite --mail: no invitation left" test ! -e "$T/state/invites/prstaff"
check "audit: failure recorded" test "$(audit_field result)" = failure
check "audit: failure detail" test "$(audit_field detail)" = "mail%20failed,%20revoked"
policy_with_mail "$T/no-such-mailer"
check "invite --mail: missing command is refused (status 1)" status 1 admin "" invite prstaff --mail
check "invite --mail: says it cannot run it" out_has "cannot run mail command $T/no-such-mailer"
check "invite --mail: still nothing left" test ! -e "$T/state/invites/prstaff"

check "audit: no token ever logged" bash -c '
	for t in $1; do grep -qiF -- "$t" "$2" && exit 1; grep -qiF -- "${t//-/}" "$2" && exit 1; done; exit 0' \
	_ "$TOKENS" "$AUDIT"
check "audit: tokens were collected" test "$(echo $TOKENS | wc -w)" -ge 5
check "audit verify: chain intact" admin "" audit verify
check "non-root is refused" fails setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SK/practicerunner-admin" --config "$CONF" invite list
check "non-root cannot invite" fails setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SK/practicerunner-admin" --config "$CONF" invite prstaff
done_testing

#!/bin/bash
# practicerunner-admin store migrate --to ldap (issue 15 item 5): host A
# keeps its store in files and names the directory in its ldap { }
# section; host B uses the directory (store = ldap); both share one slapd
# (slapd_lib.sh). A dry run writes nothing; a run copies every user's
# credentials, codes, ticket and invitation; B signs in with a key enrolled
# on A and redeems a code from A exactly once; a second run changes
# nothing and says so; what the directory did since (a code spent, a
# counter grown) is never undone by a later run; a user the directory
# already holds with other data is reported, not overwritten; one audit
# record per user copied and a summary; A's files stay in place; coverage
# reads the same from A's files and from the directory, in a few searches
# for 600 users; import-pam-u2f writes into the directory.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd_lib.sh"

TICKET_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
slapd_start a || { echo "Bail out! slapd did not start"; exit 1; }

slapd_test_host a files; slapd_test_host b ldap
migrate() { on a admin "" store migrate --to ldap "$@"; }
# what slapd holds (as the service account)
dir_search() { ldapsearch -LLL -o ldif-wrap=no -E pr=500/noprompt -x -H "$SLAPD_LDAPI" -D "$SLAPD_BIND_DN" \
	-y "$SLAPD_PWFILE" -b "$SLAPD_BASE" "$@" 2>/dev/null; }
entries() { dir_search '(objectClass=practiceRunnerUser)' uid | grep -c '^uid:'; }
entry() { dir_search "(uid=$1)" "$2" | grep -c "^$2:"; }
value_of() { dir_search "(uid=$1)" "$2" | grep "^$2:"; }
records() { grep -c " event=store-migrate .*result=success .*user=$1 " "$T/a-audit.log"; }
recover() { # recover HOST USER KEY TICKET CODE
	new_key "$3" yubikey5
	printf '%s\n%s\n' "$4" "$5" | PRACTICERUNNER_SOFTKEY=$T/$3.key timeout 300 \
		"$SK/practicerunner-recover" --config "$T/$1.conf" --user "$2" --label "$3" > "$T/out" 2>&1
}

# --- host A on files: keys, codes, a ticket, an invitation -------------------------------
new_key yk yubikey5; new_key s1 synced
on a admin "$T/yk.key" key enroll prowner --label desk
on a admin "$T/s1.key" key enroll prstaff --label phone
on a admin "" codes generate prowner
CODE=$(grep -oE "$CODE_RE" "$T/out" | head -n 1)
on a admin "" recovery start prowner
TICKET=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
on a admin "" invite prstaff2
check "A (files) holds credentials, codes, a ticket and an invitation" \
	test -s "$T/a-state/users/prowner" -a -s "$T/a-state/codes/prowner" -a \
	-s "$T/a-state/tickets/prowner" -a -s "$T/a-state/invites/prstaff2"
check "... and a code and a ticket were shown" test -n "$CODE" -a -n "$TICKET"

# --- usage ------------------------------------------------------------------------------
on a admin "" store migrate
check "no --to: usage, exit 2" test $? = 2
on a admin "" store migrate --to files
check "--to files: usage, exit 2" test $? = 2
check "... and nothing was copied" test "$(entries)" = 0

# --- a dry run writes nothing ---------------------------------------------------------------
migrate --dry-run
check "dry run: exit 0" test $? = 0
check "... says what it would copy for prowner" out_has "^prowner: would copy credentials:1,codes:10,ticket:1$"
check "... and for prstaff2's invitation" out_has "^prstaff2: would copy invitation:1"
check "... says nothing was written" out_has "Dry run, nothing written"
check "... ldapsearch finds no user entry" test "$(entries)" = 0
check "... no record in A's audit log" fails grep -q "event=store-migrate" "$T/a-audit.log"
check "... no record of a migration on A" test ! -e "$T/a-state/migrated"

# --- the copy ---------------------------------------------------------------------------
migrate
check "migrate: exit 0" test $? = 0
check "... copied prowner's credentials, codes and ticket" out_has "^prowner: copied credentials:1,codes:10,ticket:1$"
check "... copied prstaff's credential" out_has "^prstaff: copied credentials:1$"
check "... copied prstaff2's invitation" out_has "^prstaff2: copied invitation:1$"
check "... the summary" out_has "^Copied 3 of 3 users; 0 already in the directory; 0 not copied"
check "three user entries in the directory" test "$(entries)" = 3
check "... prowner's credential, codes and ticket" \
	test "$(entry prowner prCredential)$(entry prowner prRecoveryCode)$(entry prowner prTicket)" = 111
check "... prstaff2's invitation" test "$(entry prstaff2 prInvitation)" = 1
check "one audit record per user copied, with the counts" \
	test "$(records prowner)$(records prstaff)$(records prstaff2)" = 111
check "... prowner's names what was copied" \
	grep -q "event=store-migrate .*user=prowner .*detail=credentials:1,codes:10,ticket:1" "$T/a-audit.log"
check "... and a summary record" grep -q "event=store-migrate .*detail=users:3,copied:3,current:0,differ:0" "$T/a-audit.log"
check "A's files are left in place" \
	test -s "$T/a-state/users/prowner" -a -s "$T/a-state/codes/prowner" -a -s "$T/a-state/tickets/prowner"
check "the audit chain of A verifies" on a admin "" audit verify

# --- coverage reads the same from A's files and from the directory ------------------------
on a admin "" coverage --json; cp "$T/out" "$T/coverage.a"
on b admin "" coverage --json; cp "$T/out" "$T/coverage.b"
check "coverage: A (files) and B (directory) report the same" cmp -s "$T/coverage.a" "$T/coverage.b"
check "... and it lists prowner" grep -q prowner "$T/coverage.a"

# --- coverage over many users: the same output, one search, not one per user ------------------
# 600 users (more than slapd's default size limit of 500 per answer), each
# with prstaff's credential text, in A's files and in the directory.
N_BULK=600
for i in $(seq -w 1 $N_BULK); do cp "$T/a-state/users/prstaff" "$T/a-state/users/prm$i"; done
b64=$(base64 -w0 < "$T/a-state/users/prstaff")
for i in $(seq -w 1 $N_BULK); do
	printf 'dn: uid=prm%s,%s\nobjectClass: practiceRunnerUser\nuid: prm%s\nprRevision: 1\nprCredential:: %s\n\n' \
		"$i" "$SLAPD_BASE" "$i" "$b64"
done | ldapadd -x -H "$SLAPD_LDAPI" -D "$SLAPD_MANAGER" -w manager-secret > /dev/null 2>&1
check "$N_BULK more user entries in the directory" test "$(entries)" = $((N_BULK + 3))
# They are accounts only in a private mount namespace, where a generated
# /etc/passwd (the real one plus them) is bound over the real one, untouched.
{ cat /etc/passwd; for i in $(seq -w 1 $N_BULK); do
	echo "prm$i:x:$((300000 + 10#$i)):300000::/nonexistent:/usr/sbin/nologin"; done; } > "$T/passwd"
chmod 644 "$T/passwd"
# coverage_as HOST OUT: HOST's coverage --json with the bulk accounts, into OUT
coverage_as() {
	OUT=$2 unshare -m --propagation private bash -c \
		'mount --bind "$0" /etc/passwd && "$1" --config "$2" coverage --json > "$OUT" 2>&1' \
		"$T/passwd" "$SK/practicerunner-admin" "$T/$1.conf"
}
coverage_as a "$T/coverage.a"
before=$(slapd_searches)
coverage_as b "$T/coverage.b"
searches=$(( $(slapd_searches) - before ))
check "coverage of $((N_BULK + 3)) enrolled users: A (files) and B (directory) the same" \
	cmp -s "$T/coverage.a" "$T/coverage.b"
check "... every one of them listed" test "$(grep -c '"user": *"prm' "$T/coverage.b")" = $N_BULK
check "... B read the directory in a few searches, not one per user ($searches)" test "$searches" -le 6
rm -f "$T"/a-state/users/prm*

# --- host B signs in with A's key; A's code works once across hosts -----------------------
check "B (directory) signs prowner in with the key enrolled on A" \
	on b expect_pam PAM_SUCCESS login-b prowner auth "$T/yk.key"
check "B: A's ticket and code recover prowner" recover b prowner r1 "$TICKET" "$CODE"
check "... recovery complete" grep -qi "recovery complete" "$T/out"
on b admin "" recovery start prowner
TICKET2=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
recover b prowner r2 "$TICKET2" "$CODE"
check "B: the same code a second time is refused" fails grep -qi "recovery complete" "$T/out"

# --- a second run changes nothing, and undoes nothing the directory did --------------------
before=$(dir_search '(objectClass=practiceRunnerUser)' '*' | sort | sha256sum)
migrate
check "second run: exit 0" test $? = 0
check "... says there is nothing to copy" out_has "^Nothing to copy: the directory already holds this host's data for all 3 users"
check "... the directory is unchanged (spent code, ticket and recovered key stand)" \
	test "$(dir_search '(objectClass=practiceRunnerUser)' '*' | sort | sha256sum)" = "$before"
check "... no per-user record written" test "$(records prowner)$(records prstaff)" = 11
recover b prowner r3 "$TICKET2" "$CODE"
check "... the spent code is still refused" fails grep -qi "recovery complete" "$T/out"

# --- counters: raised from A, never lowered ---------------------------------------------------
check "A (still on files) signs prstaff in" on a expect_pam PAM_SUCCESS login-a prstaff auth "$T/s1.key"
cred_before=$(value_of prstaff prCredential)
migrate
check "A's newer counter: exit 0" test $? = 0
check "... the directory's counter is raised" out_has "^prstaff: copied credentials:1(raised)$"
check "... the credential changed in the directory" test "$(value_of prstaff prCredential)" != "$cred_before"
for i in 1 2 3; do on b expect_pam PAM_SUCCESS login-b prstaff auth "$T/s1.key"; done
cred_before=$(value_of prstaff prCredential)
rm -f "$T/a-state/migrated/prstaff"   # A forgets it migrated prstaff: its file is compared again
migrate
check "the directory further along: exit 0" test $? = 0
check "... nothing copied for prstaff" fails out_has "^prstaff:"
check "... the directory's counter is not lowered" test "$(value_of prstaff prCredential)" = "$cred_before"
check "B still signs prstaff in" on b expect_pam PAM_SUCCESS login-b prstaff auth "$T/s1.key"

# --- a user the directory holds with other data: reported, not overwritten --------------------
new_key c1 yubikey5; new_key c2 yubikey5
on b admin "$T/c1.key" key enroll prowner2 --label directory
on a admin "$T/c2.key" key enroll prowner2 --label local
cred_before=$(value_of prowner2 prCredential)
migrate
check "a conflicting entry: exit 1" test $? = 1
check "... reported, naming the user and what differs" \
	out_has "^prowner2: not copied: the directory already holds other credentials: key [0-9a-f]* is on this host"
check "... says how to resolve it" out_has "Nothing of prowner2's was written.*run store migrate again"
check "... the directory's entry is unchanged" test "$(value_of prowner2 prCredential)" = "$cred_before"
check "... the local key does not sign in on B" on b expect_pam PAM_AUTH_ERR login-b prowner2 auth "$T/c2.key"
check "... the directory's key still does" on b expect_pam PAM_SUCCESS login-b prowner2 auth "$T/c1.key"
check "... the failure is in the summary record" \
	grep -q "event=store-migrate .*detail=users:4,copied:0,current:3,differ:1" "$T/a-audit.log"

# --- import-pam-u2f into the directory (issue 15 item 3) ------------------------------------
# A key enrolled on A written out as a pam_u2f mapping line, imported on B.
new_key imp synced
on a admin "$T/imp.key" key enroll pradmin
python3 -c '
import base64, sys
f = dict(kv.split("=", 1) for kv in open(sys.argv[1]).read().splitlines()[1].split(" "))
cid = base64.urlsafe_b64decode(f["id"] + "=" * (-len(f["id"]) % 4))
print("pradmin:%s,%s,es256,+presence" % (base64.b64encode(cid).decode(),
    base64.b64encode(bytes.fromhex(f["pubkey"])).decode()))' "$T/a-state/users/pradmin" > "$T/u2f_mappings"
chmod 644 "$T/u2f_mappings"
check "B: import-pam-u2f with store = ldap" on b admin "" import-pam-u2f "$T/u2f_mappings"
check "... imported" out_has "pradmin: imported key"
check "... onto pradmin's directory entry" test "$(entry pradmin prCredential)" = 1
check "... not into B's state directory" test ! -e "$T/b-state/users/pradmin"
check "... recorded in B's log" \
	grep -q "event=enroll .*user=pradmin .*detail=imported%20from%20pam_u2f" "$T/b-audit.log"
check "B: the imported key signs in" on b expect_pam PAM_SUCCESS login-b pradmin auth "$T/imp.key"
on b admin "" import-pam-u2f "$T/u2f_mappings"
check "B: importing again: already enrolled, nothing new" \
	bash -c 'grep -q "already enrolled" "$0" && grep -q "Imported 0 of 1 credentials" "$0"' "$T/out"

# --- the directory unreachable, an incomplete ldap section ------------------------------------
sed -i '/^  base = /d' "$T/a.conf"
migrate
check "an ldap section without base: exit 3" test $? = 3
check "... says which key is missing" out_has "base"
slapd_test_host a files
slapd_stop a
migrate
check "no directory answers: exit 4" test $? = 4
check "... says so and what to check" out_has "No directory server answered"
done_testing

#!/bin/bash
# The clinic directory through the real programs (issue 15): two "hosts",
# A and B, are two policy files with their own state directories and audit
# logs sharing one slapd (slapd_lib.sh) with store = ldap. The softkey
# module under pam_wrapper and the softkey admin CLI and recovery helper
# (run as root with --config and --user) act on either host. What one host
# does is seen by the other: enrollment, sign counters (a cloned key),
# key removal, the failure tally and unlock, coverage; one-time values
# redeemed concurrently on both hosts are spent exactly once; two admins
# removing a user's last two keys at once leave one; hostile names never
# reach slapd.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd_lib.sh"

TICKET_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
slapd_start a || { echo "Bail out! slapd did not start"; exit 1; }

slapd_test_host a ldap 3; slapd_test_host b ldap 3
# wait for the jobs started with bg only (slapd is a background job too)
BG=
wait_bg() { local p; for p in $BG; do wait "$p"; done; BG=; }
keyid_of() { awk -v l="$2" '$0 ~ l {print $2; exit}' "$T/$1"; }
entry() { ldapsearch -LLL -x -H "$SLAPD_LDAPI" -D "$SLAPD_BIND_DN" -y "$SLAPD_PWFILE" \
	-b "uid=$1,$SLAPD_BASE" -s base "$2" 2>/dev/null | grep -c "^$2:"; }

# --- a key enrolled on A signs in on B ------------------------------------------------
new_key yk yubikey5
check "A: the admin enrolls prowner's key" on a admin "$T/yk.key" key enroll prowner --label desk
check "B: prowner signs in with it" on b expect_pam PAM_SUCCESS login-b prowner auth "$T/yk.key"
check "B: the success is recorded in B's log" test "$(last_of b result)" = success
check "neither host keeps a credential file" test ! -e "$T/a-state/users/prowner" -a ! -e "$T/b-state/users/prowner"
check "the credential is on prowner's entry" test "$(entry prowner prCredential)" = 1
check "B: key list shows A's key" on b admin "" key list prowner
check "... with its label" out_has desk

# --- the counter is shared: a cloned key is caught on the other host -----------------
cp "$T/yk.key" "$T/clone.key"
check "A: the original signs in" on a expect_pam PAM_SUCCESS login-a prowner auth "$T/yk.key"
check "B: the clone (same counter) is refused" on b expect_pam PAM_AUTH_ERR login-b prowner auth "$T/clone.key"
check "B: recorded as counter-regression" test "$(last_of b reason)" = counter-regression
check "A: the original still signs in" on a expect_pam PAM_SUCCESS login-a prowner auth "$T/yk.key"

# --- coverage on B sees users enrolled on A --------------------------------------------
new_key s1 synced
check "A: prstaff enrolls a passkey" on a admin "$T/s1.key" key enroll prstaff --label phone
# (coverage exits non-zero: most test accounts have no key)
on b admin "" coverage --json
check "B: coverage counts prstaff's key enrolled on A" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d=d if isinstance(d,list) else d["users"]; u=[x for x in d if x["user"]=="prstaff"][0]; sys.exit(0 if u["physical"]+u["passkey"]>=1 else 1)' "$T/out"

# --- one ticket and one code redeemed 50 times across A and B: once --------------------
check "A: a recovery ticket for prowner" on a admin "" recovery start prowner
TICKET=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
check "B: prowner's codes generated" on b admin "" codes generate prowner
CODE=$(grep -oE "$CODE_RE" "$T/out" | head -n 1)
for i in $(seq 1 50); do
	h=a; [ $((i % 2)) = 0 ] && h=b
	new_key "r$i" yubikey5
	printf '%s\n%s\n' "$TICKET" "$CODE" | PRACTICERUNNER_SOFTKEY=$T/r$i.key timeout 300 \
		"$SK/practicerunner-recover" --config "$T/$h.conf" --user prowner --label "r$i" \
		> "$T/rec.$i" 2>&1 &
	BG="$BG $!"
done
wait_bg
won=0; for i in $(seq 1 50); do grep -qi "recovery complete" "$T/rec.$i" && won=$((won + 1)); done
check "50 concurrent recoveries on A and B with one ticket and one code: exactly one completed ($won)" test "$won" = 1
check "... one code consumed in both logs together" \
	test "$(cat "$T/a-audit.log" "$T/b-audit.log" | grep -c ' event=recovery-code result=success')" = 1
check "... the ticket is spent" test "$(entry prowner prTicket)" = 0
on a admin "" key list prowner
check "... prowner has the original and exactly one replacement" test "$(grep -c ' r[0-9]* *$\| r[0-9]* ' "$T/out")" = 1
[ "$(grep -c ' r[0-9]* *$\| r[0-9]* ' "$T/out")" = 1 ] || { sed 's/^/# /' "$T/out"; grep -h "enroll" "$T/a-audit.log" "$T/b-audit.log" | tail -n 8 | sed 's/^/# /'; }

# --- an invitation redeemed 50 times across A and B: once -------------------------------
check "A: an invitation for prstaff2" on a admin "" invite prstaff2
TOKEN=$(grep -oE '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' "$T/out" | tail -n 1)
for i in $(seq 1 50); do
	h=a; [ $((i % 2)) = 0 ] && h=b
	new_key "i$i" synced
	printf '%s\n' "$TOKEN" | PRACTICERUNNER_SOFTKEY=$T/i$i.key timeout 300 \
		"$SK/practicerunner-enroll" --config "$T/$h.conf" --user prstaff2 enroll --label "i$i" \
		> "$T/inv.$i" 2>&1 &
	BG="$BG $!"
done
wait_bg
on b admin "" key list prstaff2
check "50 concurrent enrollments with one invitation on A and B: exactly one key" \
	test "$(grep -c ' i[0-9]* ' "$T/out")" = 1
check "... the invitation is spent" test "$(entry prstaff2 prInvitation)" = 0

# --- the failure tally: counted on one host, cleared from the other ---------------------
check "B: a new recovery ticket" on b admin "" recovery start prowner
printf 'WRONG-TICKET\n' | PRACTICERUNNER_SOFTKEY=$T/yk.key timeout 60 \
	"$SK/practicerunner-recover" --config "$T/b.conf" --user prowner > "$T/out" 2>&1
check "... counted on prowner's entry (prFailureTally)" test "$(entry prowner prFailureTally)" = 1
check "A: unlock clears the tally B counted" on a admin "" unlock prowner
check "... and says it cleared failures" out_has "cleared"
check "... gone from the entry" test "$(entry prowner prFailureTally)" = 0
check "B: nothing left to clear" on b admin "" unlock prowner
check "... says so" out_has "nothing to clear"

# --- removal on A takes effect on B -----------------------------------------------------
on a admin "" key list prstaff
k=$(keyid_of out phone)
check "A: the admin removes prstaff's passkey" on a admin "" key remove prstaff "$k" --force
check "B: that key no longer signs in" on b expect_pam PAM_AUTH_ERR login-b prstaff auth "$T/s1.key"

# --- two admins removing a user's last two keys at once leave one -----------------------
new_key p1 yubikey5; new_key p2 yubikey5
on a admin "$T/p1.key" key enroll prowner2 --label first
on b admin "$T/p2.key" key enroll prowner2 --label second
on a admin "" key list prowner2
k1=$(keyid_of out first); k2=$(keyid_of out second)
"$SK/practicerunner-admin" --config "$T/a.conf" key remove prowner2 "$k1" > "$T/rm.a" 2>&1 &
BG="$BG $!"
"$SK/practicerunner-admin" --config "$T/b.conf" key remove prowner2 "$k2" > "$T/rm.b" 2>&1 &
BG="$BG $!"
wait_bg
on a admin "" key list prowner2
check "two admins on A and B removing prowner2's last two keys at once leave one" \
	test "$(grep -cE ' (first|second) ' "$T/out")" = 1

# --- one person's two keys on A and B at the same moment: every sign-in passes ----------
# Each sign-in writes its key's counter to the one prCredential value; a
# write that lost to the other host's is made again on the keys as they now
# are, never refused (a lost race used to fail the sign-in, and an undo).
new_key d1 yubikey5; new_key d2 yubikey5
check "A: drlee's first key" on a admin "$T/d1.key" key enroll drlee --label left
check "B: drlee's second key" on b admin "$T/d2.key" key enroll drlee --label right
for h in a b; do
	k=$T/d1.key; [ "$h" = b ] && k=$T/d2.key
	( for i in $(seq 1 25); do
		PRACTICERUNNER_SOFTKEY=$k PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d \
			LD_PRELOAD=$PRELOAD pwrap timeout 120 "$PAMRUN" "login-$h" drlee auth </dev/null 2>&1 |
			grep -q '^result: PAM_SUCCESS$' && echo ok || echo "failed: sign-in $i"
	done > "$T/both.$h" ) &
	BG="$BG $!"
done
wait_bg
check "25 sign-ins on A and 25 on B at once, each host with its own key: all pass" \
	test "$(cat "$T/both.a" "$T/both.b" | grep -cx ok)" = 50
check "... none recorded as a failure on either host" \
	fails grep -q " event=auth result=failure .*user=drlee " "$T/a-audit.log" "$T/b-audit.log"
grep -h " event=auth result=failure .*user=drlee " "$T/a-audit.log" "$T/b-audit.log" | head -n 3 | sed 's/^/# /'

# --- hostile names never reach slapd ----------------------------------------------------
before=$(slapd_searches)
for name in '*' 'a)(uid=*' 'prowner*' 'a,ou=x'; do
	on b admin "" key list "$name"
	check "B: key list '$name' refused" test $? != 0
done
check "no search for a hostile name reached slapd" test "$(( $(slapd_searches) - before ))" = 0
check "slapd's log has no filter from a hostile name" \
	fails grep -qE 'uid=(\*|prowner\*|a\)|a,)' "$SLAPD_LOG"

# --- no directory: refused, never ignored, and said ------------------------------------
# B's emergency code, made while the directory still answers (break glass is per machine).
printf 'breakglass {\n  services = {"login-b"}\n}\n' >> "$T/b.conf"
check "B: a break-glass code for prowner" on b admin "" breakglass create prowner
BG_CODE=$(grep -oE "$CODE_RE" "$T/out" | head -n 1)
# Without B's offline cache (ldap_offline.sh tests it), a directory gone refuses everyone.
sed -i 's/^  timeout = 3$/&\n  cache_max_age = 0/' "$T/b.conf"
slapd_stop a
pam login-b prowner auth "$T/yk.key"
check "slapd stopped: B's sign-in is refused, not ignored" \
	bash -c 'grep -q "^result: PAM_" "$0" && ! grep -qxE "result: PAM_(SUCCESS|IGNORE|SYSTEM_ERR)" "$0"' "$T/out"
check "... recorded as directory-unreachable" test "$(last_of b reason)" = directory-unreachable
on b admin "" key list prowner
check "slapd stopped: key list fails" test $? != 0
check "... and says the directory gave no answer in time" out_has "no answer within 3 s"
# Break glass is for the day the directory is gone: at B's console, no key answers.
printf 'Emergency (break-glass) code\t%s\n' "$BG_CODE" > "$T/bg-answers"
bg_signin() { local PAMRUN_ANSWERS=$T/bg-answers PAMRUN_RHOST=; export PAMRUN_ANSWERS PAMRUN_RHOST; pam login-b prowner auth ""; }
bg_signin
check "slapd stopped: B's console offers break glass" grep -q '^prompt: Emergency' "$T/out"
check "... and the code lets prowner in" grep -qx "result: PAM_SUCCESS" "$T/out"
check "... recorded on B as break-glass" \
	grep -q "event=break-glass .*result=success .*service=login-b .*detail=used" "$T/b-audit.log"
check "... and the sign-in names its method" \
	grep -q "event=auth .*result=success .*method=break-glass" "$T/b-audit.log"
bg_signin
check "... once: the second use is refused" grep -qx "result: PAM_AUTH_ERR" "$T/out"
done_testing

#!/bin/bash
# A user freezes their own setuid helper while it holds one of their locks
# (freeze_lib.sh): an administrator's forced key removal still completes,
# within its bound, with the key gone for good and the record written, even
# when the frozen holder later resumes and commits what it had read before;
# a sign-in waiting on a frozen holder gives up within its bound and logs
# which lock it waited for and how long. TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/freeze_lib.sh"

WAIT_BOUND=10     # seconds: every lock wait (doc/ARCHITECTURE.md §7)
LIMIT=40          # what the test allows a run before calling it hung

new_key yk1 yubikey5
new_key yk2 yubikey5
new_key yk3 yubikey5
write_policy all-users owners
service login
freeze_init prstaff

keyid_of() { admin "" key list "$1" && awk -v l="$2" '$4 == l { print $2 }' "$T/out"; }
elapsed_under() { [ "$1" -lt "$2" ]; }
STORE=$T/state/users/prowner
LOCKS=$T/state/locks

check "setup: prowner's first key" admin "$T/yk1.key" key enroll prowner --label one
check "setup: prowner's second key" admin "$T/yk2.key" key enroll prowner --label two
K1=$(keyid_of prowner one)
K2=$(keyid_of prowner two)
check "setup: two key ids" test -n "$K1" -a -n "$K2"

# --- the store lock held by a frozen process ------------------------------------------------
# The holder stands for a helper frozen inside its commit: it has read the
# store (the copy below, with both keys) and, once it runs again, renames
# what it read over the file, as a writer that does not look again would.
cp "$STORE" "$T/stale"
mkfifo "$T/go"
check "setup: a holder takes prowner's store lock" hold_lock "$LOCKS/prowner.lock" \
	sh -c 'read x < "$0"; cp "$1" "$2/.prowner.stale"; mv -f "$2/.prowner.stale" "$2/prowner"' \
	"$T/go" "$T/stale" "$T/state/users"
check "setup: the attacker freezes it" freeze_holder

start=$(date +%s)
timeout "$LIMIT" "$SK/practicerunner-admin" --config "$CONF" key remove prowner "$K1" --force \
	> "$T/out" 2>&1 </dev/null
rc=$?
took=$(( $(date +%s) - start ))
echo "# key remove --force against a frozen holder: exit $rc after $took s"
check "key remove --force completes although the lock holder is frozen" test "$rc" = 0
check "... within the bound (under $((WAIT_BOUND + 15)) s)" elapsed_under "$took" $((WAIT_BOUND + 15))
check "... says which lock it waited for, and how long" out_has "prowner.lock.* $WAIT_BOUND s"
check "... and that the key is removed all the same" out_has "Removed key $K1"
check "audit: remove success for prowner, detail: forced, store locked" \
	test "$(audit_field event)/$(audit_field result)/$(audit_field user)/$(audit_field detail)" = \
	"remove/success/prowner/forced,%20store%20locked"
admin "" key list prowner
check "key list: the key is gone" fails out_has "$K1"
check "the removed key no longer signs in" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk1.key"

# The holder resumes and commits the store as it read it, the removed key included.
thaw_holder
echo go > "$T/go"
wait "$HOLDER_PID"; HOLDER_PID=
check "setup: the resumed holder wrote its stale copy back" cmp -s "$T/stale" "$STORE"
admin "" key list prowner
check "after the stale commit: the key is still gone from the list" fails out_has "$K1"
check "... and still does not sign in" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk1.key"
check "the other key signs in (its counter is stored)" expect_pam PAM_SUCCESS login prowner auth "$T/yk2.key"
check "... and that write dropped the removed key from the file" \
	fails grep -q "^id=$(awk '/^id=/ { print substr($1, 4) }' "$T/stale" | head -n 1)" "$STORE"
check "the administrator may enroll that key again" admin "$T/yk1.key" key enroll prowner --label one-again
check "... and it signs in again" expect_pam PAM_SUCCESS login prowner auth "$T/yk1.key"

# --- without --force: refused after the bound, saying what to do --------------------------------
check "setup: a holder takes the store lock again" hold_lock "$LOCKS/prowner.lock"
check "setup: frozen" freeze_holder
K3=$(keyid_of prowner one-again)
start=$(date +%s)
timeout "$LIMIT" "$SK/practicerunner-admin" --config "$CONF" key remove prowner "$K3" \
	> "$T/out" 2>&1 </dev/null
rc=$?
took=$(( $(date +%s) - start ))
check "key remove without --force: refused (exit 4), not hung" test "$rc" = 4
check "... within the bound" elapsed_under "$took" $((WAIT_BOUND + 15))
check "... naming the lock and the wait, and --force" out_has "prowner.lock.* $WAIT_BOUND s.*--force"
end_holder

# --- the sign-in lock held by a frozen process -----------------------------------------------------
check "setup: a holder takes prowner's sign-in lock" hold_lock "$LOCKS/prowner+signin.lock"
check "setup: frozen" freeze_holder
start=$(date +%s)
PRACTICERUNNER_SOFTKEY=$T/yk2.key PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d \
	LD_PRELOAD=$PRELOAD pwrap timeout "$LIMIT" "$PAMRUN" login prowner auth > "$T/out" 2>&1 </dev/null
rc=$?
took=$(( $(date +%s) - start ))
echo "# sign-in against a frozen sign-in lock holder: exit $rc after $took s"
check "sign-in against a frozen holder returns" test "$rc" != 124
check "... within the bound" elapsed_under "$took" $((WAIT_BOUND + 15))
check "... not signed in" fails out_has "result: PAM_SUCCESS"
# pam_wrapper shows what the module sends to syslog on stderr.
check "... the log names the lock and the wait" out_has "SYSLOG.*prowner+signin.lock.* $WAIT_BOUND s"
check "... the person is told it is unavailable, not why" out_has "unavailable right now"
end_holder
check "with the holder gone, prowner signs in" expect_pam PAM_SUCCESS login prowner auth "$T/yk2.key"

# --- a removal listed while an enrollment settles the list stays listed ----------------------------
# An administrator's enrollment first writes the store without the keys
# listed as removed, then removes the list under the list's lock. A removal
# listed in between (another administrator past a stuck lock, another host)
# must stay: the list goes only as it was read. The test holds the list's
# lock until the enrollment waits for it, then lists "three" as
# pr_store_revoke would, and lets go.
new_key yk4 yubikey5
check "setup: prowner's third key" admin "$T/yk3.key" key enroll prowner --label three
id_of_label() { awk -v l="label=$1" '/^id=/ { for (i = 1; i <= NF; i++) if ($i == l) print substr($1, 4) }' "$STORE"; }
ID1=$(id_of_label one-again); ID3=$(id_of_label three)
REVOKED=$T/state/revoked/prowner
mkdir -p -m 700 "$T/state/revoked"
printf 'practicerunner-revoked 1\nid=%s\n' "$ID1" > "$REVOKED"; chmod 600 "$REVOKED"
check "setup: one-again listed as removed, and so refused" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk1.key"
exec 9> "$LOCKS/prowner+revoked.lock"
flock -x 9
PRACTICERUNNER_SOFTKEY=$T/yk4.key timeout "$LIMIT" "$SK/practicerunner-admin" --config "$CONF" \
	key enroll prowner --label four > "$T/out.four" 2>&1 </dev/null 9>&- &
ENROLLER=$!
waits_for_list() { ls -l /proc/$(pgrep -P "$ENROLLER" | head -n 1)/fd 2>/dev/null | grep -q 'prowner+revoked\.lock'; }
for _ in $(seq 200); do waits_for_list && break; sleep 0.05; done
check "setup: the enrollment waits for the list's lock" waits_for_list
printf 'practicerunner-revoked 1\nid=%s\nid=%s\n' "$ID1" "$ID3" > "$T/state/revoked/.prowner.new"
chmod 600 "$T/state/revoked/.prowner.new"; mv -f "$T/state/revoked/.prowner.new" "$REVOKED"
exec 9>&-
wait "$ENROLLER"
rc=$?
check "the enrollment completes" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/out.four"
check "the key listed meanwhile does not sign in" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk3.key"
check "... and is still listed as removed" grep -qx "id=$ID3" "$REVOKED"
check "the key listed before stays out too" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk1.key"
check "the new key signs in" expect_pam PAM_SUCCESS login prowner auth "$T/yk4.key"
check "audit chain verifies" admin "" audit verify
done_testing

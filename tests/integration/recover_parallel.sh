#!/bin/bash
# Parallel guesses against the recovery limits, with the real setuid
# practicerunner-recover run by the account's own (unprivileged) user in a
# private mount namespace (setuid_lib.sh): twelve runs at once with the one
# valid ticket and twelve wrong codes may evaluate no more codes than the
# ticket allows (PR_TICKET_MAX_FAILURES, 5), and, near the account's limit
# (PR_LOCKOUT_LIMIT, 100), no more than the account has left; a valid code
# among parallel wrong ones still works when tries are left. Evaluations are
# counted from the audit log (one recovery-code record per code checked).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"

TICKET_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
N=12
tally() { sed -n 's/^failures=\([0-9]*\).*/\1/p' "$NS_STATE/tally/$1" 2>/dev/null; }
codes_left() { ns root "$SK/practicerunner-admin" codes status "$1"; sed -n 's/.*: \([0-9]*\) of \([0-9]*\) remaining.*/\1/p' "$T/out"; }
evaluated() { grep -c ' event=recovery-code result=failure .*reason=invalid-code' "$AUDIT_NS"; }
new_ticket() {
	ns root "$SK/practicerunner-admin" recovery start "$1" </dev/null || return 1
	TICKET=$(grep -oE "$TICKET_RE" "$T/out" | head -n 1)
	[ -n "$TICKET" ]
}
new_codes() {
	ns root "$SK/practicerunner-admin" codes generate "$1" </dev/null || return 1
	mapfile -t CODES < <(grep -oE "$CODE_RE" "$T/out")
	[ "${#CODES[@]}" = 10 ]
}
# parallel USER TICKET CODE...: one practicerunner-recover per code, all at once.
parallel() {
	local u=$1 t=$2 i=0 c; shift 2
	for c in "$@"; do
		i=$((i + 1))
		printf '%s\n%s\n' "$t" "$c" | timeout 120 unshare -m --propagation private -- \
			bash "$NS_ENTER" "$u" "$RECOVER" > "$T/par.$i" 2>&1 &
	done
	wait
}
# Twelve well-formed codes that are not prowner's.
WRONG=()
for i in $(seq -w 1 $N); do WRONG+=("ZZZZ-ZZZZ-ZZZZ-ZZ$i"); done

write_ns_policy all-users owners discouraged 2
printf 'recovery {\n  mail_command = "/bin/true"\n}\n' >> "$NS_ETC/practicerunner.conf"
check_setuid_possible
user_key prowner old yubikey5
attach prowner/old
invite_first() {
	ns root "$SK/practicerunner-admin" invite prowner </dev/null || return 1
	TOKEN=$(grep -oE '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' "$T/out" | tail -n 1)
	printf '%s\n' "$TOKEN" | ns prowner "$ENROLL" enroll --label old
}
check "setup: prowner enrolls a key" invite_first
check "setup: prowner's codes" new_codes prowner
check "setup: a recovery ticket" new_ticket prowner

# --- the ticket's five ----------------------------------------------------------------------------
before=$(evaluated)
parallel prowner "$TICKET" "${WRONG[@]}"
n=$(( $(evaluated) - before ))
echo "# $N parallel runs, one valid ticket, wrong codes: $n codes evaluated"
check "$N parallel wrong codes: at most 5 evaluated (the ticket's limit)" test "$n" -le 5
check "... and 5 were (the limit is reached, not undercut)" test "$n" = 5
check "... the ticket is void" test ! -e "$NS_STATE/tickets/prowner"
check "... the account counts what was evaluated" test "$(tally prowner)" = "$n"
check "... the other runs were told" grep -lq "no recovery ticket\|ticket is void\|in progress\|try again" "$T"/par.*
check "... all ten codes remain" test "$(codes_left prowner)" = 10

# --- the account's hundred ------------------------------------------------------------------------
printf 'practicerunner-tally 1\nfailures=97 last=1700000000\n' > "$NS_STATE/tally/prowner"
chmod 600 "$NS_STATE/tally/prowner"
check "setup: a new ticket" new_ticket prowner
before=$(evaluated)
parallel prowner "$TICKET" "${WRONG[@]}"
n=$(( $(evaluated) - before ))
echo "# $N parallel runs with 3 tries left on the account: $n codes evaluated"
check "3 tries left on the account: at most 3 evaluated" test "$n" -le 3
check "... the account is locked at 100" test "$(tally prowner)" = 100
check "... a lockout recorded" grep -q ' event=lockout result=failure .*user=prowner ' "$AUDIT_NS"
check "admin unlocks" ns root "$SK/practicerunner-admin" unlock prowner

# --- a valid code among wrong ones: tries left, it works -------------------------------------------
check "setup: a new ticket" new_ticket prowner
key_set prowner old --touch no
before_ok=$(grep -c ' event=recovery-code result=success ' "$AUDIT_NS")
parallel prowner "$TICKET" "${WRONG[0]}" "${CODES[0]}" "${WRONG[1]}"
check "a valid code among two wrong ones in parallel is accepted" \
	test "$(( $(grep -c ' event=recovery-code result=success ' "$AUDIT_NS") - before_ok ))" = 1
check "... its try is not left counted on the account" test "$(tally prowner)" -le 2
check "audit chain verifies" ns root "$SK/practicerunner-admin" audit verify
done_testing

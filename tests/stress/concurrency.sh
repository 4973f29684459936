#!/bin/bash
# Concurrency stress (issue 8, item 3): STRESS_AUTHS sign-ins spread over
# STRESS_USERS users (prst01..), each user with its own softkey device and
# enrolled key, all released at once from a barrier, while a second key is
# enrolled and removed again for every fifth user. Afterwards: every process
# ended with a result, the audit log holds exactly one record per launched
# action (per user, event and outcome) with contiguous seq numbers and
# verifies, every store file parses and holds the key it should, and every
# user's stored sign counter equals its device's, which grew by exactly one
# login's worth per successful sign-in.
#
# The sign-ins run the real libpam (not pam_wrapper, whose /tmp/pam.X
# directories allow only some 60 processes machine-wide) inside a private
# mount namespace where the test's service directory is bound over
# /etc/pam.d. Nothing outside the namespace changes.
#
# Sizes: STRESS_USERS (default 50, at most 99), STRESS_AUTHS (default 200),
# STRESS_PARALLEL (processes at once; default STRESS_AUTHS, i.e. all).
. "$top_srcdir/tests/integration/lib.sh"

STRESS_USERS=${STRESS_USERS:-50}
STRESS_AUTHS=${STRESS_AUTHS:-200}
STRESS_PARALLEL=${STRESS_PARALLEL:-$STRESS_AUTHS}
case "$STRESS_USERS$STRESS_AUTHS$STRESS_PARALLEL" in
*[!0-9]*) echo "Bail out! STRESS_USERS, STRESS_AUTHS and STRESS_PARALLEL are numbers"; exit 1 ;;
esac
if [ "$STRESS_USERS" -lt 1 ] || [ "$STRESS_USERS" -gt 99 ] || [ "$STRESS_AUTHS" -lt 1 ] ||
	[ "$STRESS_PARALLEL" -lt 1 ]; then
	echo "Bail out! need 1 <= STRESS_USERS <= 99, STRESS_AUTHS >= 1, STRESS_PARALLEL >= 1"
	exit 1
fi
command -v unshare >/dev/null || { echo "Bail out! unshare is needed"; exit 1; }

user_name() { printf 'prst%02d' "$1"; }
# Users 1, 6, 11, ... get a second key enrolled and removed during the run.
spare_user() { [ $(( ($1 - 1) % 5 )) = 0 ]; }

# The stress accounts prst01..prst99 come from tests/testenv.sh, as lib.sh's do.

write_policy all-users none discouraged 30
service login
R=$T/run
mkdir -p "$R"

# --- setup: one device and one enrolled key per user ----------------------------
setup_ok=0
for i in $(seq 1 "$STRESS_USERS"); do
	u=$(user_name "$i")
	new_key "$u" yubikey5 && admin "$T/$u.key" key enroll "$u" --label main && setup_ok=$((setup_ok + 1))
	if spare_user "$i"; then new_key "$u-spare" yubikey5 || setup_ok=$((setup_ok - 1)); fi
done
check "setup: $STRESS_USERS users enrolled a key each" test "$setup_ok" = "$STRESS_USERS"

sk_counter() { "$CTL" show --state "$1" | sed -n 's/^counter: //p'; }
store_counts() { sed -n 's/.* sign_count=\([0-9]*\) .*/\1/p' "$T/state/users/$1"; }

# What one sign-in adds to a device's counter (the silent probe counts too).
u1=$(user_name 1)
c0=$(sk_counter "$T/$u1.key")
check "setup: a single sign-in works" expect_pam PAM_SUCCESS login "$u1" auth "$T/$u1.key"
PER_LOGIN=$(( $(sk_counter "$T/$u1.key") - c0 ))
check "setup: a sign-in moves the device counter ($PER_LOGIN)" test "$PER_LOGIN" -ge 1
for i in $(seq 1 "$STRESS_USERS"); do
	u=$(user_name "$i")
	sk_counter "$T/$u.key" > "$R/$u.before"
done
AUDIT_BEFORE=$(wc -l < "$AUDIT")

# --- the run ----------------------------------------------------------------------
# Worker w of STRESS_PARALLEL runs sign-ins w, w+P, w+2P, ... in turn; sign-in
# i is for user (i mod STRESS_USERS)+1, so each user's sign-ins overlap.
cat > "$R/worker.sh" <<'EOF'
# worker.sh W: wait at the barrier, then this worker's sign-ins.
w=$1
flock -s "$R/barrier" true
for ((i = w; i < STRESS_AUTHS; i += STRESS_PARALLEL)); do
	u=$(printf 'prst%02d' $((i % STRESS_USERS + 1)))
	PRACTICERUNNER_SOFTKEY=$T/$u.key LD_PRELOAD=${PR_SANITIZER_PRELOAD:-} \
		timeout 120 "$PAMRUN" login "$u" auth > "$R/auth.$i" 2>&1 </dev/null
	echo "exit: $? user: $u" >> "$R/auth.$i"
done
EOF
# spare.sh USER: enroll a second key, then remove it again, as an administrator would.
cat > "$R/spare.sh" <<'EOF'
u=$1
adm() { PRACTICERUNNER_SOFTKEY=$T/$u-spare.key timeout 120 "$SK/practicerunner-admin" --config "$CONF" "$@" </dev/null; }
flock -s "$R/barrier" true
adm key enroll "$u" --label spare > "$R/enroll.$u" 2>&1
echo "exit: $?" >> "$R/enroll.$u"
kid=$(sed -n 's/^Enrolled key \([0-9a-f]*\) for.*/\1/p' "$R/enroll.$u")
adm key remove "$u" "${kid:-none}" > "$R/remove.$u" 2>&1
echo "exit: $?" >> "$R/remove.$u"
EOF
# In the namespace: our service directory as /etc/pam.d, then release everyone at once.
cat > "$R/ns.sh" <<'EOF'
set -e
mount --bind "$T/pam.d" /etc/pam.d
set +e
exec 9> "$R/barrier"
flock -x 9
for ((w = 0; w < STRESS_PARALLEL && w < STRESS_AUTHS; w++)); do
	bash "$R/worker.sh" "$w" 9>&- &
done
for ((i = 1; i <= STRESS_USERS; i += 5)); do
	bash "$R/spare.sh" "$(printf 'prst%02d' "$i")" 9>&- &
done
date +%s.%N > "$R/start"
flock -u 9
exec 9>&-
wait
date +%s.%N > "$R/end"
EOF
export T R CONF SK PAMRUN STRESS_USERS STRESS_AUTHS STRESS_PARALLEL
export PR_SANITIZER_PRELOAD=${PR_SANITIZER_PRELOAD:-}
timeout 600 unshare -m --propagation private -- bash "$R/ns.sh" > "$T/out" 2>&1
check "the run finished (namespace, barrier, workers)" test -s "$R/end"
ELAPSED=$(awk -v s="$(cat "$R/start" 2>/dev/null || echo 0)" -v e="$(cat "$R/end" 2>/dev/null || echo 0)" \
	'BEGIN { printf "%.2f", e - s }')
echo "# $STRESS_AUTHS sign-ins ($STRESS_PARALLEL at once, $STRESS_USERS users) in ${ELAPSED}s:" \
	"$(awk -v n="$STRESS_AUTHS" -v t="$ELAPSED" 'BEGIN { printf "%.1f", (t > 0 ? n / t : 0) }') sign-ins/s"

# --- every process ended, with a result ------------------------------------------
results=$(cat "$R"/auth.* 2>/dev/null | grep -c '^result: ')
check "every sign-in printed a result ($results of $STRESS_AUTHS)" test "$results" = "$STRESS_AUTHS"
bad_exit=$(cat "$R"/auth.* "$R"/enroll.* "$R"/remove.* 2>/dev/null | grep '^exit: ' |
	awk '$2 != 0 && $2 != 1' | wc -l)
check "no process crashed or timed out" test "$bad_exit" = 0
successes=$(cat "$R"/auth.* 2>/dev/null | grep -c '^result: PAM_SUCCESS$')
check "every sign-in succeeded ($successes of $STRESS_AUTHS)" test "$successes" = "$STRESS_AUTHS"
n_spare=$(( (STRESS_USERS + 4) / 5 ))
check "every concurrent enrollment succeeded" \
	test "$(cat "$R"/enroll.* 2>/dev/null | grep -c '^exit: 0$')" = "$n_spare"
check "every concurrent removal succeeded" \
	test "$(cat "$R"/remove.* 2>/dev/null | grep -c '^exit: 0$')" = "$n_spare"
if [ "$successes" != "$STRESS_AUTHS" ] || [ "$bad_exit" != 0 ]; then
	grep -L '^result: PAM_SUCCESS$' "$R"/auth.* | head -n 3 | xargs -r sed 's/^/# /'
	grep -h 'reason=' "$AUDIT" | grep -o 'result=failure reason=[a-z-]*' | sort | uniq -c | sed 's/^/# /'
fi

# --- the audit log: one record per action, no more, no less ----------------------
# Expected "USER EVENT RESULT" lines of the run, from what each process reported.
for f in "$R"/auth.*; do
	[ -e "$f" ] || continue
	u=$(sed -n 's/^exit: [0-9]* user: //p' "$f")
	if grep -q '^result: PAM_SUCCESS$' "$f"; then echo "$u auth success"; else echo "$u auth failure"; fi
done > "$R/expected"
for f in "$R"/enroll.*; do
	[ -e "$f" ] || continue
	u=${f##*/enroll.}
	if grep -q '^exit: 0$' "$f"; then echo "$u enroll success"; else echo "$u enroll failure"; fi
	if grep -q '^exit: 0$' "$R/remove.$u"; then echo "$u remove success"; else echo "$u remove failure"; fi
done >> "$R/expected"
tail -n +"$((AUDIT_BEFORE + 1))" "$AUDIT" | awk '{
	u = ""; e = ""; r = ""
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^user=/) u = substr($i, 6)
		else if ($i ~ /^event=/) e = substr($i, 7)
		else if ($i ~ /^result=/) r = substr($i, 8)
	}
	print u, e, r }' > "$R/got"
n_expected=$(wc -l < "$R/expected")
check "audit: $n_expected records written during the run" test "$(wc -l < "$R/got")" = "$n_expected"
check "audit: per user, event and outcome, exactly what was launched" \
	cmp -s <(sort "$R/expected") <(sort "$R/got")
cmp -s <(sort "$R/expected") <(sort "$R/got") ||
	diff <(sort "$R/expected") <(sort "$R/got") | head -n 10 | sed 's/^/# /'
check "audit: seq numbers are 1..N with no gap or repeat" \
	test "$(sed -n 's/^seq=\([0-9]*\) .*/\1/p' "$AUDIT" | awk '$1 != NR { bad++ } END { print bad + 0 "/" NR }')" = \
	"0/$(wc -l < "$AUDIT")"
check "audit: no record appears twice" test -z "$(sort "$AUDIT" | uniq -d)"
admin "" audit verify
check "audit verify passes" out_has "$(wc -l < "$AUDIT") records, hash chain intact"

# --- stores and counters ------------------------------------------------------------
parsed=0 one_key=0 counters=0 temps=0
for i in $(seq 1 "$STRESS_USERS"); do
	u=$(user_name "$i")
	if admin "" key list "$u"; then
		parsed=$((parsed + 1))
		[ "$(awk 'NR > 1' "$T/out" | wc -l)" = 1 ] && grep -q ' main ' "$T/out" && one_key=$((one_key + 1))
	fi
	n_ok=$(grep -l "^exit: [0-9]* user: $u$" "$R"/auth.* 2>/dev/null | xargs -r grep -l '^result: PAM_SUCCESS$' | wc -l)
	dev=$(sk_counter "$T/$u.key")
	stored=$(store_counts "$u")
	want=$(( $(cat "$R/$u.before") + PER_LOGIN * n_ok ))
	if [ "$dev" = "$want" ] && [ "$stored" = "$dev" ]; then
		counters=$((counters + 1))
	else
		echo "# $u: $n_ok sign-ins, device counter $dev (want $want), stored $stored"
	fi
done
check "every store file parses ($parsed of $STRESS_USERS)" test "$parsed" = "$STRESS_USERS"
check "every user has exactly the main key left" test "$one_key" = "$STRESS_USERS"
check "every sign counter: device and store agree, one login's worth per success" \
	test "$counters" = "$STRESS_USERS"
temps=$(find "$T/state" -name '.*.tmp' | wc -l)
check "no temp files left in the state directory" test "$temps" = 0

done_testing

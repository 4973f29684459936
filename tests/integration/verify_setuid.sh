#!/bin/bash
# The unprivileged path (screen lockers): the real module run by PAM as an
# ordinary user, which runs practicerunner-verify installed setuid root at
# its built-in path, in a private mount namespace (setuid_lib.sh). Every
# outcome matches the direct path (the module as root): the same PAM
# result, the same words and the same audit record but for path=helper.
# Then the helper against hostile callers: another account, a hostile
# environment, oversized or malformed requests, closed descriptors.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"

exit_is() { local want=$1; shift; "$@"; [ $? = "$want" ]; }

# The module and pamrun where test users can reach them (the build tree may not be).
mkdir -m 755 "$T/bin"
cp "$SK/pam_practicerunner.so" "$PAMRUN" "$T/bin/"
chmod 755 "$T/bin"/*
PAMRUN=$T/bin/pamrun
# The screen locker's stack, with no config= (the helper reads the built-in path).
M="$T/bin/pam_practicerunner.so"
printf '%s\n' "auth [success=done ignore=ignore default=die] $M cue" \
	"auth required pam_exec.so quiet /bin/false" \
	"account [success=done ignore=ignore default=die] $M" \
	"account required pam_exec.so quiet /bin/false" > "$T/pam.d/unlock"
printf '%s\n' "auth [success=done ignore=ignore default=die] $M uv=required" \
	"auth required pam_exec.so quiet /bin/false" > "$T/pam.d/unlock-uv"
printf '%s\n' "auth [success=done ignore=ignore default=die] $M step_up" \
	"auth required pam_exec.so quiet /bin/false" > "$T/pam.d/unlock-stepup"

# pam_as WHO SERVICE USER PHASE [PIN]: pamrun under pam_wrapper as WHO in the namespace.
# Softkey devices open only for their owner (or root's for anyone): for a
# run as root, USER's devices are root's meanwhile.
pam_as() {
	local who=$1 svc=$2 user=$3 phase=$4 pin=${5:-} rc
	[ "$who" = root ] && [ -d "$NS_KEYS/$user" ] && chown -R root: "$NS_KEYS/$user"
	NS_PRIVATE_TMP=1 ns "$who" env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" LD_PRELOAD="$PRELOAD" \
		PRACTICERUNNER_SOFTKEY="$(cat "$NS_ETC/softkey-devices")" ${pin:+PAMRUN_PIN=$pin} \
		"$PAMRUN" "$svc" "$user" "$phase" </dev/null
	rc=$?
	[ "$who" = root ] && [ -d "$NS_KEYS/$user" ] && chown -R "$user:" "$NS_KEYS/$user"
	return $rc
}
# admin_enroll USER NAME [PIN] [ARGS...]: the admin CLI enrolls USER's device NAME.
admin_enroll() {
	local u=$1 name=$2 pin=$3 rc; shift 3
	chown -R root: "$NS_KEYS/$u"
	echo "$pin" | timeout 60 unshare -m --propagation private -- bash "$NS_ENTER" root \
		env PRACTICERUNNER_SOFTKEY="$(key_path "$u" "$name")" "$SK/practicerunner-admin" \
		key enroll "$u" "$@" > "$T/out" 2>&1
	rc=$?
	chown -R "$u:" "$NS_KEYS/$u"
	return $rc
}
# The record without what differs between two attempts by design.
core() {
	tail -n 1 "$AUDIT_NS" | tr ' ' '\n' |
		grep -vE '^(seq|time|prev|hash|path|sign_count)=' | tr '\n' ' '
}
# same_both SERVICE USER PHASE WANT [PIN]: as USER (helper), then as root for USER (direct);
# the same result and words, the same record but for its path.
same_both() {
	local svc=$1 user=$2 phase=$3 want=$4 pin=${5:-} out_h rec_h
	[ "$want" = PAM_IGNORE ] && want=PAM_SYSTEM_ERR
	pam_as "$user" "$svc" "$user" "$phase" "$pin"
	out_h=$(grep -v '^PWRAP' "$T/out"); cp "$T/out" "$T/out.helper"
	grep -qx "result: $want" "$T/out" || { echo "# helper path: $(tail -n 1 "$T/out")"; return 1; }
	# (the account phase records its refusals only)
	if [ "$phase" = auth ] || { [ "$want" != PAM_SUCCESS ] && [ "$want" != PAM_SYSTEM_ERR ]; }; then
		rec_h=$(core); path_h=$(audit_ns_last path)
	fi
	pam_as root "$svc" "$user" "$phase" "$pin"
	grep -qx "result: $want" "$T/out" || { echo "# direct path: $(tail -n 1 "$T/out")"; return 1; }
	[ "$out_h" = "$(grep -v '^PWRAP' "$T/out")" ] || { diff <(echo "$out_h") <(grep -v '^PWRAP' "$T/out") | sed 's/^/# /'; return 1; }
	if [ -n "${rec_h:-}" ]; then
		[ "$rec_h" = "$(core)" ] || { diff <(echo "$rec_h" | tr ' ' '\n') <(core | tr ' ' '\n') | sed 's/^/# /'; return 1; }
		[ "$path_h/$(audit_ns_last path)" = helper/direct ] || { echo "# paths $path_h/$(audit_ns_last path)"; return 1; }
	fi
	rec_h=
}

write_ns_policy all-users owners discouraged 2
check_setuid_possible
check "the setuid copy of practicerunner-verify is in place" ns root stat -c '%U %a' "$VERIFY"
check "... root 4755" out_has "root 4755"

user_key prowner yk yubikey5
user_key prowner sy synced
user_key prstaff sy synced --pin 2468
user_key prstaff2 sy synced
check "setup: owner's physical key" admin_enroll prowner yk ""
check "setup: owner's forced passkey" admin_enroll prowner sy "" --force
check "setup: staff passkey with a PIN" admin_enroll prstaff sy 2468

# --- each outcome, helper path = direct path -------------------------------------------------
attach prowner/yk
check "owner, physical key: success on both paths" same_both unlock prowner auth PAM_SUCCESS
check "... the cue shown on the helper path" grep -q "info: Touch your security key." "$T/out.helper"
check "... the counter went up on both (the store was written)" \
	test "$(grep -o 'sign_count=[0-9]*' "$AUDIT_NS" | tail -n 2 | sort -u | wc -l)" = 2
attach
check "no key attached: the same refusal" same_both unlock prowner auth PAM_AUTH_ERR
check "... the one sentence for every account" out_has "Security key sign-in did not succeed"
attach prowner/sy
check "owner with a passkey: refused alike" same_both unlock prowner auth PAM_AUTH_ERR
check "... names the rule" out_has "requires a physical security key"
attach prowner/yk
key_set prowner yk --touch no
check "key not touched: the same timeout" same_both unlock prowner auth PAM_AUTH_ERR
check "... says so" out_has "not touched in time"
key_set prowner yk --touch yes
attach prstaff2/sy
check "staff without an enrolled key: refused alike" same_both unlock prstaff2 auth PAM_AUTH_ERR
check "... the same sentence as an enrolled account without its key" out_has "Security key sign-in did not succeed"
check "exempt user: ignored alike" same_both unlock prexempt auth PAM_IGNORE
check "... shown what an account without its key is shown" out_has "Security key sign-in did not succeed"
attach prstaff/sy
check "staff passkey: success alike" same_both unlock prstaff auth PAM_SUCCESS
check "UV required, right PIN: success alike" same_both unlock-uv prstaff auth PAM_SUCCESS 2468
check "... the PIN asked on the helper path" grep -q "prompt: PIN for your security key" "$T/out.helper"
check "UV required, wrong PIN: refused alike" same_both unlock-uv prstaff auth PAM_AUTH_ERR 1111
check "UV required, PIN not given: cancelled alike" same_both unlock-uv prstaff auth PAM_CONV_ERR
attach prstaff2/sy
check "account phase, no key: denied alike" same_both unlock prstaff2 account PAM_PERM_DENIED
check "account phase, enrolled: success alike" same_both unlock prstaff account PAM_SUCCESS
# The account phase's exceptions and the account kinds, decided alike
# (lib/signin.c) on the helper path and the direct path.
cp "$T/pam.d/unlock" "$T/pam.d/cron"
records=$(wc -l < "$AUDIT_NS")
check "account phase, service cron, no key: ignored alike" same_both cron prstaff2 account PAM_IGNORE
check "... nothing recorded on either path" test "$(wc -l < "$AUDIT_NS")" = "$records"
echo "uid_min = $(( $(id -u prstaff2) + 1 ))" >> "$NS_ETC/practicerunner.conf"
check "a system account by uid_min: auth ignored alike" same_both unlock prstaff2 auth PAM_IGNORE
check "... recorded as system-account" test "$(audit_ns_last reason)" = system-account
check "... account ignored alike" same_both unlock prstaff2 account PAM_IGNORE
write_ns_policy all-users owners discouraged 2
attach prstaff/sy
check "step_up: success alike (event step-up)" same_both unlock-stepup prstaff auth PAM_SUCCESS 2468
check "... recorded as step-up" test "$(audit_ns_last event)" = step-up

# --- the session phase: the helper path signs in but, not reading the policy, claims no level ---
printf '%s\n' "auth [success=done ignore=ignore default=die] $M uv=required" \
	"auth required pam_exec.so quiet /bin/false" \
	"session required pam_permit.so" "session required $M" > "$T/pam.d/unlock-session"
pam_as prstaff unlock-session prstaff session 2468
check "helper path, passkey + PIN: signed in" grep -qx "result: PAM_SUCCESS" "$T/out"
check "... the session opens and gets no level" bash -c 'grep -qx "session: PAM_SUCCESS" "$0" && ! grep -q "^env: PRACTICERUNNER_" "$0"' "$T/out"
pam_as root unlock-session prstaff session 2468
check "direct path, passkey + PIN: the session gets aal2" grep -qx "env: PRACTICERUNNER_AAL=aal2" "$T/out"

# --- what is created is root:root, whatever the caller's group ------------------------------------
# The setuid helper, and su run by a user, keep that user's gid as the
# effective gid, which a new file would take (the audit log was once
# root:<caller's group>). Each run starts without the audit log, its head
# and the state the runs create, so that they create them.
# not_root_owned: what under the state and log directories is not
# root:root, or grants the group or others anything (0700 dirs, 0600 files).
not_root_owned() {
	find "$NS_STATE" "$NS_LOG" -mindepth 1 \( ! -user root -o ! -group root -o -perm /077 \) \
		-printf '# %u:%g %m %P\n'
}
root_owned() { local bad; bad=$(not_root_owned); [ -z "$bad" ] || { echo "$bad"; return 1; }; }
clear_created() {
	rm -f "$AUDIT_NS" "$AUDIT_NS.head"
	find "$NS_STATE" -mindepth 1 -maxdepth 1 ! -name users -exec rm -rf {} +
}
staff_gid=$(id -g prstaff)
check "setup: prstaff's group is not root's" test "$staff_gid" != 0
clear_created
attach prstaff/sy
pam_as prstaff unlock prstaff auth
check "helper path, success: signed in" grep -qx "result: PAM_SUCCESS" "$T/out"
check "... audit log and head created" test -f "$AUDIT_NS" -a -f "$AUDIT_NS.head"
check "... log, head, store and locks root:root, nothing for group or others" root_owned
clear_created
attach
pam_as prstaff unlock prstaff auth
check "helper path, failure: refused" grep -qx "result: PAM_AUTH_ERR" "$T/out"
check "... the failure tally and the log root:root" root_owned
clear_created
pam_as "0:$staff_gid" unlock prstaff auth
check "the module as root with the caller's group (su from a user): refused" \
	grep -qx "result: PAM_AUTH_ERR" "$T/out"
check "... audit log and head created" test -f "$AUDIT_NS" -a -f "$AUDIT_NS.head"
check "... the tally and the log root:root" root_owned

# --- another account --------------------------------------------------------------------------
attach prowner/yk
before=$(snapshot)
check "staff asking to sign in as the owner: unavailable" \
	exit_is 1 pam_as prstaff unlock prowner auth
check "... PAM_AUTHINFO_UNAVAIL" out_has "result: PAM_AUTHINFO_UNAVAIL"
check "... nothing written" test "$before" = "$(snapshot)"

# --- the helper run by hand, hostile ----------------------------------------------------------
request() {
	printf 'practicerunner-verify 1\nphase=auth\nuser=%s\nservice=x\ntty=\nrhost=\nuv=0\nstep_up=0\nopportunistic=0\ntimeout=0\n\n' "$1"
}
request prstaff > "$T/req.prstaff"; request prowner > "$T/req.prowner"
chmod 644 "$T"/req.*
# by_hand USER 'SHELL LINE' : as USER in the namespace, $V is the helper
by_hand() { ns "$1" bash -o pipefail -c "V=$VERIFY; $2"; }

attach
before=$(snapshot)
check "by hand, request for another account: refused" exit_is 1 by_hand prstaff "cat $T/req.prowner | \$V | cat"
check "... no answer" fails out_has "result"
check "... nothing written" test "$before" = "$(snapshot)"
check "hostile environment: LD_PRELOAD, PATH, IFS, PRACTICERUNNER_* ignored (a failure)" exit_is 1 \
	by_hand prstaff "cat $T/req.prstaff | LD_PRELOAD=/nonexistent/evil.so PATH=$T/evil IFS=/ PRACTICERUNNER_SOFTKEY=$(key_path prstaff sy) PRACTICERUNNER_CONFIG=$T/evil.conf \$V | cat"
check "... the caller's device list was not used (no device attached)" out_has "result no-device"
check "... the preload was not loaded" fails out_has "evil"
check "... recorded as the helper path" test "$(audit_ns_last path)/$(audit_ns_last user)" = helper/prstaff
before=$(snapshot)
check "oversized request (many lines): refused" exit_is 2 by_hand prstaff "yes user=prstaff | head -c 20000 | \$V | cat"
check "oversized request (one long line): refused" exit_is 2 by_hand prstaff "head -c 20000 /dev/urandom | base64 -w0 | \$V | cat"
check "... nothing written" test "$before" = "$(snapshot)"
for bad in "practicerunner-verify 2" "phase=auth" "user=prstaff\nuser=prstaff" "uv=2" "timeout=601" "bogus=1" "tty=a=b" "ruser=root"; do
	{ request prstaff | sed '/^$/d'; printf "$bad\n\n"; } > "$T/req.bad"
	chmod 644 "$T/req.bad"
	check "malformed request ($bad): refused" exit_is 2 by_hand prstaff "cat $T/req.bad | \$V | cat"
done
printf 'practicerunner-verify 1\nphase=auth\nuser=prst\0aff\n\n' > "$T/req.nul"; chmod 644 "$T/req.nul"
check "NUL byte in the request: refused" exit_is 2 by_hand prstaff "cat $T/req.nul | \$V | cat"
check "unfinished request: refused" exit_is 2 by_hand prstaff "head -n 3 $T/req.prstaff | \$V | cat"
check "closed stdin: refused" exit_is 2 by_hand prstaff "\$V <&- | cat"
check "closed stdout: refused" exit_is 2 by_hand prstaff "cat $T/req.prstaff | \$V >&-"
check "stdin a file, not a pipe: refused" exit_is 2 by_hand prstaff "\$V < $T/req.prstaff | cat"
check "... says who runs it" out_has "only pam_practicerunner runs this program"
check "an argument: refused" exit_is 2 by_hand prstaff "cat $T/req.prstaff | \$V --config $T/evil.conf | cat"
check "... nothing written by any of these" test "$before" = "$(snapshot)"
start=$(date +%s%N)
by_hand prstaff "cat $T/req.prstaff | \$V | cat"
check "a failure is answered no sooner than a second (rate limit)" \
	test $(( ($(date +%s%N) - start) / 1000000 )) -ge 1000
check "audit chain verifies" ns root "$SK/practicerunner-admin" audit verify
done_testing

#!/bin/bash
# An ordinary user tries to stop everyone's sign-ins through a root process
# they started (doc/ARCHITECTURE.md §7.5): with the real setuid helpers and
# Debian's su in a private mount namespace (setuid_lib.sh), the attacker
# owning a delegated cgroup v2 subtree (freeze_lib.sh), as user@UID.service
# is on a systemd machine.
#   (i)   practicerunner-verify, started in the attacker's cgroup, is frozen
#         while it holds the audit log's lock: the helper has left that
#         cgroup before any lock, so another user's sign-in completes;
#   (ii)  chrt -i 0 nice -n 19 ionice -c 3: the helper runs SCHED_OTHER,
#         nice 0, best-effort I/O;
#   (iii) oom_score_adj 1000 before exec: 0 in the helper;
#   (iv)  su run by the attacker: the module hands the check to the helper
#         (path=helper in the record), and stopping su while it waits for a
#         touch does not hold up the other user's sign-in.
# The moment the helper holds the audit lock is made certain with fanotify
# (fan_hold.py: the log is read under its lock). TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"
. "$top_srcdir/tests/integration/freeze_lib.sh"

FAN_HOLD="python3 $top_srcdir/tests/integration/fan_hold.py"
ATTACKER=prstaff

write_ns_policy all-users owners discouraged 2
check_setuid_possible
freeze_init "$ATTACKER"
if [ "$FREEZE_HOW" != cgroup ]; then
	echo "1..0 # SKIP no writable cgroup v2 hierarchy to delegate to the attacker"
	exit 0
fi
[ -e "$FREEZE_CG/held/cgroup.kill" ] && chown "$ATTACKER" "$FREEZE_CG/held/cgroup.kill"

mkdir -m 755 "$T/bin"
cp "$SK/pam_practicerunner.so" "$PAMRUN" "$T/bin/"
chmod 755 "$T/bin"/*
PAMRUN=$T/bin/pamrun
M="$T/bin/pam_practicerunner.so"
printf '%s\n' "auth [success=done ignore=ignore default=die] $M cue" \
	"auth required pam_exec.so quiet /bin/false" > "$T/pam.d/unlock"

# pam_root USER: USER signs in at the console (the module as root, the direct path).
pam_root() {
	chown -R root: "$NS_KEYS/$1"
	NS_PRIVATE_TMP=1 ns root env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" LD_PRELOAD="$PRELOAD" \
		PRACTICERUNNER_SOFTKEY="$(cat "$NS_ETC/softkey-devices")" "$PAMRUN" unlock "$1" auth \
		</dev/null
	chown -R "$1:" "$NS_KEYS/$1"
}
admin_enroll() {
	local u=$1 name=$2 rc
	chown -R root: "$NS_KEYS/$u"
	timeout 60 unshare -m --propagation private -- bash "$NS_ENTER" root \
		env PRACTICERUNNER_SOFTKEY="$(key_path "$u" "$name")" "$SK/practicerunner-admin" \
		key enroll "$u" --force </dev/null > "$T/out" 2>&1
	rc=$?
	chown -R "$u:" "$NS_KEYS/$u"
	return $rc
}
# timed CMD...: run CMD, TOOK is how long it took in whole seconds.
timed() { local s=$(date +%s) rc; "$@"; rc=$?; TOOK=$(( $(date +%s) - s )); return $rc; }
under() { [ "$TOOK" -lt "$1" ]; }
wait_for() { local i; for i in $(seq 300); do "$@" && return 0; sleep 0.05; done; return 1; }
as_attacker() {
	setpriv --reuid="$ATTACKER" --regid="$(id -g "$ATTACKER")" --clear-groups -- "$@"
}
# The pid fan_hold.py holds inside its read of the audit log.
held_pid() { cat "$T/held.pid" 2>/dev/null; }
fan_start() {
	rm -f "$T/held.pid" "$T/go"
	$FAN_HOLD "$AUDIT_NS" "$T/held.pid" "$T/go" 40 > "$T/fan.out" 2>&1 &
	FAN=$!
	wait_for grep -q ready "$T/fan.out"
}
fan_release() { touch "$T/go"; wait "$FAN" 2>/dev/null; }
stat_field() { sed 's/.*) //' "/proc/$1/stat" | awk -v f="$2" '{ print $(f - 2) }'; }

printf 'practicerunner-verify 1\nphase=auth\nuser=%s\nservice=x\ntty=\nrhost=\nuv=0\nstep_up=0\nopportunistic=0\ntimeout=0\n\n' \
	"$ATTACKER" > "$T/req"
chmod 644 "$T/req"

user_key prowner yk yubikey5
user_key prowner yk2 yubikey5
user_key "$ATTACKER" sy synced
check "setup: the owner's key" admin_enroll prowner yk
check "setup: the owner's second key" admin_enroll prowner yk2
check "setup: the attacker's passkey" admin_enroll "$ATTACKER" sy
attach prowner/yk
check "setup: the owner signs in" pam_root prowner
check "... PAM_SUCCESS" out_has "result: PAM_SUCCESS"

# --- (i) the helper frozen in the attacker's cgroup while it holds the audit lock ---------
check "setup: fanotify holds the first reader of the audit log" fan_start
attach   # the attacker's own attempt fails (no key), and is recorded
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$FREEZE_CG/held" \
	timeout 60 unshare -m --propagation private -- bash "$NS_ENTER" "$ATTACKER" \
	bash -c "cat $T/req | $VERIFY | cat" > "$T/attack.out" 2>&1 &
ATTACK=$!
check "the attacker's helper reaches the audit log" wait_for test -s "$T/held.pid"
HPID=$(held_pid)
echo "# helper $HPID: $(tr '\n' ' ' < "/proc/$HPID/cgroup" 2>/dev/null)"
check "... holding the log's lock while it reads" grep -q " WRITE *$HPID " /proc/locks
check "... and no longer in the attacker's cgroup (the root cgroup)" grep -qx '0::/' "/proc/$HPID/cgroup"
check "the attacker freezes their cgroup" as_attacker sh -c 'echo 1 > "$0/cgroup.freeze"' "$FREEZE_CG/held"
fan_release
attach prowner/yk
timed pam_root prowner
echo "# the owner's sign-in with the attacker's cgroup frozen: $TOOK s"
check "another user's sign-in completes with the attacker's cgroup frozen" out_has "result: PAM_SUCCESS"
# Not a clock: a frozen holder would still exist and hold the lock, and the
# sign-in would have failed at the lock's bound instead.
check "... because the helper ran on and let the lock go (not frozen with the attacker)" \
	fails grep -q " WRITE *$HPID " /proc/locks
# Its parent, in the frozen cgroup, cannot reap it: a zombie is finished.
finished() { [ ! -e "/proc/$1" ] || [ "$(stat_field "$1" 3)" = Z ]; }
check "... the attacker's helper finished all the same" wait_for finished "$HPID"
check "... and holds no lock" fails grep -q " $HPID " /proc/locks
echo 0 > "$FREEZE_CG/held/cgroup.freeze"
wait "$ATTACK"

# --- (ii), (iii) scheduling and OOM score handed down through exec ---------------------------------
check "setup: fanotify again" fan_start
attach
ns "$ATTACKER" bash -c "cat $T/req | chrt -i 0 nice -n 19 ionice -c 3 sh -c 'echo 1000 > /proc/self/oom_score_adj && exec $VERIFY' | cat" &
ATTACK=$!
check "the starved helper reaches the audit log" wait_for test -s "$T/held.pid"
HPID=$(held_pid)
echo "# helper $HPID: nice $(stat_field "$HPID" 19), policy $(stat_field "$HPID" 41), $(ionice -p "$HPID"), oom_score_adj $(cat "/proc/$HPID/oom_score_adj")"
check "(ii) it runs SCHED_OTHER (not SCHED_IDLE)" test "$(stat_field "$HPID" 41)" = 0
check "(ii) ... at nice 0 (not 19)" test "$(stat_field "$HPID" 19)" = 0
check "(ii) ... with best-effort I/O priority 4 (not idle)" test "$(ionice -p "$HPID")" = "best-effort: prio 4"
check "(iii) its oom_score_adj is 0 (not 1000)" test "$(cat "/proc/$HPID/oom_score_adj")" = 0
fan_release
wait "$ATTACK"

# --- (iv) su run by the attacker ------------------------------------------------------------------
if [ -n "${PR_SANITIZER_PRELOAD:-}" ]; then
	echo "# su part skipped: setuid su cannot load a sanitizer build of the module"
	done_testing
fi
printf '%s\n' "auth [success=done ignore=ignore default=die] $M cue" \
	"auth required pam_deny.so" \
	"account [success=done ignore=ignore default=die] $M" \
	"account required pam_deny.so" \
	"session required pam_permit.so" > "$NS/pam.su"
chmod 644 "$NS/pam.su"
export NS_BINDS="$NS/pam.su:/etc/pam.d/su"
records=$(wc -l < "$AUDIT_NS")
attach prowner/yk
chown -R root: "$NS_KEYS/prowner"   # a root process opens them (the softkey's rule)
ns "$ATTACKER" su prowner -c true </dev/null
echo "# su: $(tr '\n' ' ' < "$T/out")"
last_auth() { grep ' event=auth ' "$AUDIT_NS" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check "(iv) su by the attacker signs prowner in" fails out_has "Authentication failure"
check "(iv) ... recorded" test "$(wc -l < "$AUDIT_NS")" -gt "$records"
check "(iv) ... by the verify helper (path=helper), for prowner, a success" \
	test "$(last_auth path)/$(last_auth user)/$(last_auth result)" = helper/prowner/success

# su waits for a touch that does not come; the attacker stops su meanwhile.
key_set_root() { "$CTL" set --state "$NS_KEYS/prowner/$1.key" "${@:2}" >/dev/null; }
key_set_root yk2 --touch no
attach prowner/yk2
ns "$ATTACKER" su prowner -c true </dev/null &
SU_BG=$!
signin_locked() { ! flock -n "$NS_STATE/locks/prowner+signin.lock" true 2>/dev/null; }
check "(iv) su is waiting for the touch (prowner's sign-in lock taken)" wait_for signin_locked
SUPID=$(pgrep -n -x su -U "$ATTACKER")
check "(iv) the attacker stops su (its real uid is theirs)" as_attacker kill -STOP "$SUPID"
attach prowner/yk
timed pam_root prowner
echo "# the owner's console sign-in with su stopped: $TOOK s"
check "(iv) the owner's console sign-in completes with su stopped" out_has "result: PAM_SUCCESS"
# Not a clock: the stopped su's helper gave up at its touch timeout and
# recorded it, and only then did the owner's sign-in get the lock.
prev_auth() { grep ' event=auth ' "$AUDIT_NS" | tail -n 2 | head -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check "(iv) ... after su's helper gave up at its touch timeout (its record comes first)" \
	test "$(prev_auth path)/$(prev_auth result)/$(last_auth result)" = helper/failure/success
kill -CONT "$SUPID" 2>/dev/null
wait "$SU_BG"
chown -R prowner: "$NS_KEYS/prowner"
check "audit chain verifies" ns root "$SK/practicerunner-admin" audit verify
done_testing

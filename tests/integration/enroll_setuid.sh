#!/bin/bash
# practicerunner-enroll installed setuid root at its built-in path and run
# by unprivileged test users, each run in a private mount namespace
# (setuid_lib.sh): invitations, confirmation by touch, rename, safe
# removal, and abuse of environment, arguments, user names and file
# descriptors, which must change nothing. TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"

host_dirs() { ls -d /etc/practicerunner /var/lib/practicerunner /var/log/practicerunner 2>/dev/null; }
HOST_BEFORE=$(host_dirs)
write_ns_policy all-users owners
check_setuid_possible

# invite USER [--expires D]: a fresh invitation (admin CLI, as root); its token in $TOKEN.
TOKEN=
invite() {
	ns root "$SK/practicerunner-admin" invite "$@" </dev/null || return 1
	TOKEN=$(grep -oE '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' "$T/out" | tail -n 1)
	[ -n "$TOKEN" ]
}
# exit_is STATUS CMD...: CMD exits with exactly STATUS.
exit_is() { local want=$1; shift; "$@"; [ $? = "$want" ]; }
nkeys() { local n; n=$(grep -c '^id=' "$NS_STATE/users/$1" 2>/dev/null); echo "${n:-0}"; }
store_sum() { (cd "$NS" && find state -type f -print0 | sort -z | xargs -0 -r sha256sum); }
same() { [ "$1" = "$2" ]; }
# Audit values are %-encoded: spaces are %20.
enc() { printf '%s' "$1" | sed 's/%/%25/g; s/ /%20/g; s/=/%3D/g'; }
ENROLLED=0

# --- the program itself ------------------------------------------------------
check "a copy without the setuid bit is refused" exit_is 1 ns prowner "$ENROLL-not-setuid" list
check "... saying it must be installed setuid root" out_has "must be installed setuid root"
check "... and it wrote nothing" test -z "$(find "$NS_STATE" "$NS_LOG" -mindepth 1)"
check "--help works for anyone" run_as prstaff --help
check "... and names the commands" out_has "remove KEYID"
check "unknown command: usage error" exit_is 2 run_as prstaff frobnicate

# --- first key: an invitation -------------------------------------------------
user_key prowner yk1 yubikey5
user_key prowner yk2 yubikey5
attach prowner/yk1
check "no invitation: refused" exit_is 1 run_as prowner enroll
check "... telling the user to ask an administrator" out_has "no enrollment invitation"
check "audit: the failed attempt, for prowner" \
	test "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last user)/$(audit_ns_last actor)" = enroll/failure/prowner/prowner

check "admin invites prowner" invite prowner
check "wrong token: refused" exit_is 1 run_as_in prowner "not-the-right-token" enroll --label desk
check "... saying so" out_has "not your invitation token"
check "... nothing stored" test "$(nkeys prowner)" = 0
check "audit: reason invalid-token" test "$(audit_ns_last reason)" = invalid-token
check "empty token: cancelled, nothing stored" exit_is 1 run_as_in prowner "" enroll
check "overlong token: refused" exit_is 1 run_as_in prowner "$(printf 'A%.0s' {1..300})" enroll
check "... nothing stored" test "$(nkeys prowner)" = 0

check "admin invites prowner, valid for 1 second" invite prowner --expires 1s
sleep 2
check "expired token: refused" exit_is 1 run_as_in prowner "$TOKEN" enroll
check "... saying it expired" out_has "expired"
check "... nothing stored" test "$(nkeys prowner)" = 0

check "admin invites prowner again" invite prowner
check "valid token: first key enrolled" run_as_in prowner "$TOKEN" enroll --label desk
ENROLLED=$((ENROLLED + 1))
check "... classified physical" out_has "physical"
check "... one physical key under a physical requirement: a second is strongly recommended" \
	out_has "second physical key is strongly recommended"
check "store: one key, labelled" bash -c '[ "$(grep -c "^id=" "$0")" = 1 ] && grep -q " label=desk " "$0"' "$NS_STATE/users/prowner"
check "store: root's, 0600" test "$(stat -c '%U %a' "$NS_STATE/users/prowner")" = "root 600"
check "audit: enroll success" test "$(audit_ns_last event)/$(audit_ns_last result)" = enroll/success
check "audit: user and actor are the caller" test "$(audit_ns_last user)/$(audit_ns_last actor)" = prowner/prowner
check "audit: proof was the invitation" test "$(audit_ns_last detail)" = invitation
check "audit: class physical, role owner" test "$(audit_ns_last class)/$(audit_ns_last role)" = physical/owner
K1=$(keyids_of prowner)
check "the admin sees the key id" test "${#K1}" = 12

# --- reuse, and a token of another user ------------------------------------------------------
user_key prexempt sy synced
user_key prstaff sy synced
user_key prstaff sy2 synced
user_key prstaff2 sy synced
attach prexempt/sy
check "admin invites prexempt (no requirement)" invite prexempt
TX=$TOKEN
check "prexempt enrolls with the invitation" run_as_in prexempt "$TX" enroll
ENROLLED=$((ENROLLED + 1))
KX=$(keyids_of prexempt)
check "prexempt removes it again (no requirement: allowed; touch of the key itself)" run_as prexempt remove "$KX"
check "reused token: refused" exit_is 1 run_as_in prexempt "$TX" enroll
check "... the invitation is gone" out_has "no enrollment invitation"
check "... nothing stored" test "$(nkeys prexempt)" = 0

check "admin invites prstaff" invite prstaff
TS=$TOKEN
check "admin invites prstaff2" invite prstaff2
T2=$TOKEN
attach prstaff2/sy
check "prstaff's token for prstaff2: refused" exit_is 1 run_as_in prstaff2 "$TS" enroll
check "... as a wrong token" test "$(audit_ns_last reason)" = invalid-token
check "... nothing stored" test "$(nkeys prstaff2)" = 0
attach prstaff/sy
check "staff enrolls a passkey with their own token" run_as_in prstaff "$TS" enroll --label phone
ENROLLED=$((ENROLLED + 1))
check "... no second-physical-key advice for staff" fails out_has "strongly recommended"
KS=$(keyids_of prstaff)

# --- policy at enrollment ---------------------------------------------------------------------
user_key prowner2 sy synced
user_key prowner2 yk yubikey5
check "admin invites prowner2 (owner through @prowners)" invite prowner2
attach prowner2/sy
check "owner's passkey refused" exit_is 1 run_as_in prowner2 "$TOKEN" enroll
check "... the refusal explains the policy" out_has "requires a physical security key"
check "... nothing stored" test "$(nkeys prowner2)" = 0
check "audit: reason class-not-allowed" test "$(audit_ns_last reason)" = class-not-allowed
attach prowner2/yk
check "the invitation survives a refused key: physical key enrolled (token typed in lower case, spaced)" \
	run_as_in prowner2 "  $(tr 'A-Z-' 'a-z ' <<<"$TOKEN")  " enroll
ENROLLED=$((ENROLLED + 1))

# --- a second key: a touch of an enrolled one first --------------------------------------------
attach prowner/yk2
check "second key with no enrolled key attached: refused" exit_is 1 run_as prowner enroll
check "... saying to attach an enrolled key" out_has "none of the attached keys is one of your enrolled keys"
# The new key is listed first, so it wins the touch that picks the device to enroll on.
attach prowner/yk2 prowner/yk1
key_set prowner yk1 --touch no
check "second key, enrolled key not touched: refused" exit_is 1 run_as prowner enroll --label spare
check "... saying it was not touched" out_has "not touched in time"
check "... still one key" test "$(nkeys prowner)" = 1
check "audit: reason timeout" test "$(audit_ns_last reason)" = timeout
key_set prowner yk1 --touch yes
check "second key after a touch of the first: enrolled" run_as prowner enroll --label spare
ENROLLED=$((ENROLLED + 1))
check "... the user was asked to confirm with an enrolled key" out_has "Touch one of your enrolled keys to confirm it is you"
check "... no second-key advice any more" fails out_has "strongly recommended"
check "... two keys" test "$(nkeys prowner)" = 2
check "audit: confirmed with the first key" test "$(audit_ns_last detail)" = "$(enc "confirmed with key $K1")"
K2=$(keyids_of prowner | grep -v "$K1")
attach prowner/yk1
check "enrolling on an already enrolled key: refused" exit_is 1 run_as prowner enroll
check "... saying so" out_has "already enrolled"
check "... still two keys" test "$(nkeys prowner)" = 2

# --- list and rename ---------------------------------------------------------------------------
check "list" run_as prowner list
check "... shows both key ids" bash -c 'grep -q "$1" "$0" && grep -q "$2" "$0"' "$T/out" "$K1" "$K2"
check "... with labels and class" bash -c 'grep -q "desk" "$0" && grep -q "spare" "$0" && grep -q physical "$0"' "$T/out"
check "list of a user with no keys" run_as prstaff2 list
check "... says so" out_has "no enrolled security keys"
check "rename" run_as prowner rename "$K2" "drawer at home"
check "... label stored" grep -q " label=drawer%20at%20home " "$NS_STATE/users/prowner"
check "audit: rename recorded for prowner" test "$(audit_ns_last event)/$(audit_ns_last user)/$(audit_ns_last result)" = rename/prowner/success
before=$(snapshot)
check "rename: a key id in upper case is accepted" run_as prowner rename "${K2^^}" "drawer at home"
before=$(snapshot)
check "rename: a malformed key id is a usage error" exit_is 2 run_as prowner rename 1234 x
check "rename: a label longer than 64 is refused" exit_is 2 run_as prowner rename "$K2" "$(printf 'x%.0s' {1..65})"
check "rename: a label with control characters is refused" exit_is 2 run_as prowner rename "$K2" $'a\e[31mb'
check "rename: another user's key is not found" exit_is 1 run_as prowner rename "$KS" x
check "rename: missing label is a usage error" exit_is 2 run_as prowner rename "$K2"
check "refused renames changed nothing" same "$before" "$(snapshot)"

# --- remove ------------------------------------------------------------------------------------
attach prowner/yk1
key_set prowner yk1 --touch no
check "remove without a touch: refused" exit_is 1 run_as prowner remove "$K2"
check "... still two keys" test "$(nkeys prowner)" = 2
key_set prowner yk1 --touch yes
check "remove the spare with a touch of the remaining key" run_as prowner remove "$K2"
check "... reminds that the credential stays on the hardware key" out_has "stays on the security key itself"
check "... one key left" test "$(nkeys prowner)" = 1
check "audit: remove success, confirmed with the first key" \
	test "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last detail)" = "remove/success/$(enc "confirmed with key $K1")"
sum=$(store_sum)
check "remove the last physical key: refused" exit_is 1 run_as prowner remove "$K1"
check "... explaining the policy" out_has "your last physical security key"
check "... the key stays" same "$sum" "$(store_sum)"
check "audit: reason last-key" test "$(audit_ns_last event)/$(audit_ns_last reason)" = remove/last-key
check "remove a key that is not yours: not found" exit_is 1 run_as prowner remove "$KS"

attach prstaff/sy2 prstaff/sy
check "staff adds a second passkey" run_as prstaff enroll --label tablet
ENROLLED=$((ENROLLED + 1))
KS2=$(keyids_of prstaff | grep -v "$KS")
attach prstaff/sy2
check "staff removes it with a touch of that key itself" run_as prstaff remove "$KS2"
check "staff's last passkey: refused (policy requires a key)" exit_is 1 run_as prstaff remove "$KS"
check "... explaining it" out_has "your last security key"

# --- user verification: the PIN comes from standard input after the token ----------------------
write_ns_policy all-users owners required
user_key prstaff2 pin synced --pin 4711
user_key prstaff2 pin2 synced --pin 1234
attach prstaff2/pin
check "UV required: token, then the PIN, on standard input" run_as_in prstaff2 "$T2"$'\n'4711 enroll --label pinned
ENROLLED=$((ENROLLED + 1))
check "... enrolled with UV" bash -c 'grep -q "Enrolled key" "$0" && grep -q UV <<<"$1"' "$T/out" "$(audit_ns_last flags)"
attach prstaff2/pin2 prstaff2/pin
check "UV required: wrong PIN for the enrolled key: refused" exit_is 1 run_as_in prstaff2 0000 enroll
check "... reason pin-invalid" test "$(audit_ns_last reason)" = pin-invalid
check "... still one key" test "$(nkeys prstaff2)" = 1
check "UV required: the enrolled key's PIN, then the new key's" run_as_in prstaff2 $'4711\n1234' enroll
ENROLLED=$((ENROLLED + 1))
check "... two keys" test "$(nkeys prstaff2)" = 2
write_ns_policy all-users owners

# --- device I/O runs with the caller's rights --------------------------------------------------
attach prowner/yk1
chown root "$(key_path prowner yk1)"
check "a device file only root may read is not seen by the user's run" exit_is 1 run_as prowner enroll
check "... no security key found" out_has "no security key found"
chown prowner "$(key_path prowner yk1)"

# --- root (trusted caller): options and environment honoured ----------------------------------
check "root: --user acts on that user" ns root "$ENROLL" --user prowner list
check "... listing prowner's key" out_has "$K1"
printf 'rp_id = "pam://x"\nrequire_security_key = maybe\n' > "$NS_ETC/alt.conf"
chmod 644 "$NS_ETC/alt.conf"
check "root: --config honoured (this one is invalid: exit 3)" exit_is 3 ns root "$ENROLL" --config /etc/practicerunner/alt.conf list
check "root: --user for an unknown user refused" exit_is 1 ns root "$ENROLL" --user no-such-user-xyz list

# --- abuse: environment, arguments, user names, descriptors ------------------------------------
mkdir -m 1777 "$T/mark"
cat > "$T/evil.c" <<'EOC'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/ran-euid-%d", MARK_DIR, (int)geteuid());
	close(open(p, O_WRONLY | O_CREAT, 0666));
}
EOC
${CC:-cc} -shared -fPIC -DMARK_DIR="\"$T/mark\"" -o "$T/evil.so" "$T/evil.c" || bail "cannot build evil.so"
chmod 755 "$T/evil.so"
printf '#include <unistd.h>\nint main(int c, char **v) { char *a[] = { 0 }, *e[] = { 0 }; (void)c; execve(v[1], a, e); return 127; }\n' > "$T/noargv.c"
${CC:-cc} -o "$T/noargv" "$T/noargv.c" || bail "cannot build noargv"
chmod 755 "$T/noargv"

check "control: the evil library does run in an ordinary program" ns prowner env LD_PRELOAD="$T/evil.so" /bin/true
check "... and leaves its marker" test -n "$(ls -A "$T/mark")"
rm -f "$T/mark"/*
before=$(snapshot)
check "LD_PRELOAD: the helper works" ns prowner env LD_PRELOAD="$T/evil.so" "$ENROLL" list
check "LD_PRELOAD: the library never ran" test -z "$(ls -A "$T/mark")"
check "LD_AUDIT and LD_LIBRARY_PATH: the helper works" ns prowner env LD_AUDIT="$T/evil.so" LD_LIBRARY_PATH="$T" "$ENROLL" list
check "LD_AUDIT: the library never ran" test -z "$(ls -A "$T/mark")"
mkdir -p "$T/evilbin"
printf '#!/bin/sh\ntouch %s/evilbin-ran\n' "$T/mark" > "$T/evilbin/sendmail"
chmod 755 "$T/evilbin" "$T/evilbin/sendmail"
check "IFS, PATH, HOME, TZ, LANG from the caller: the helper works" \
	ns prowner env IFS=/ PATH="$T/evilbin" HOME=/root TZ=../../../etc/shadow LANG=xx_XX.evil "$ENROLL" list
check "... nothing of the caller's PATH ran" test -z "$(ls -A "$T/mark")"
check "--config as a user: refused" exit_is 2 run_as prowner --config "$T/evil.conf" list
check "... saying it is for root only" out_has "only for root"
check "--user as a user: refused" exit_is 2 run_as prowner --user prstaff list
check "--user=NAME as a user: refused" exit_is 2 run_as prowner --user=prstaff remove "$KS"
check "a command without its setuid bit: refused" exit_is 1 ns prowner "$ENROLL-not-setuid" enroll
check "empty argv: refused" exit_is 2 ns prowner "$T/noargv" "$ENROLL"
check "started with no_new_privs: refused" exit_is 1 ns prowner setpriv --no-new-privs "$ENROLL" list
check "... saying why" out_has "no_new_privs"
cp /etc/passwd "$T/passwd"
echo 'x..y:x:4242:4242::/nonexistent:/usr/sbin/nologin' >> "$T/passwd"
chmod 644 "$T/passwd"
odd_user() { NS_PASSWD=$T/passwd ns 4242:4242 "$ENROLL" list </dev/null; }
check "a user name pr_username_valid refuses: refused" exit_is 1 odd_user
check "... saying the name cannot be used" out_has "user name is not one"
check "a uid without an account: refused" exit_is 1 ns 4243:4243 "$ENROLL" list
check "none of the above wrote anything (store, invitations, audit)" same "$before" "$(snapshot)"

sum=$(store_sum)
attach
check "PRACTICERUNNER_SOFTKEY from a user is ignored (no device seen)" exit_is 1 \
	ns prowner env PRACTICERUNNER_SOFTKEY="$(key_path prowner yk1)" "$ENROLL" enroll
check "... no security key found" out_has "no security key found"
check "... nothing stored" same "$sum" "$(store_sum)"

check "closed stdin, stdout and stderr: rename still works" \
	ns prowner bash -c '"$0" rename "$1" closed-fds <&- >&- 2>&-; echo "rc=$?"' "$ENROLL" "$K1"
check "... exit status 0" out_has "rc=0"
check "... the store is intact and has the new label" run_as prowner list
check "... (label shown)" out_has "closed-fds"

check "admin invites prexempt again (for the signal test)" invite prexempt
check "the caller cannot signal the running helper" ns prexempt bash -c '
	f=$1/fifo.$$; mkfifo "$f"
	"$0" enroll < "$f" & p=$!
	exec 3>"$f"; sleep 1
	[ -d /proc/$p ] && echo alive
	kill -TERM "$p" 2>&1
	exec 3>&-; wait "$p"; rm -f "$f"' "$ENROLL" "$T/mark"
check "... kill says not permitted" out_has "Operation not permitted"
check "... while it was running" out_has "alive"

# ^C at the token prompt of a terminal: the terminal gets its echo back.
cat > "$T/pty.py" <<'EOC'
import os, select, subprocess, sys, termios, time
master, slave = os.openpty()
p = subprocess.Popen([sys.argv[1], "enroll"], stdin=slave, stdout=slave, stderr=slave,
                     start_new_session=True,
                     preexec_fn=lambda: __import__("fcntl").ioctl(0, termios.TIOCSCTTY, 0))
seen, deadline = b"", time.time() + 20
while b"token: " not in seen and time.time() < deadline:
    if select.select([master], [], [], 0.2)[0]:
        seen += os.read(master, 1024)
while termios.tcgetattr(slave)[3] & termios.ECHO and time.time() < deadline:
    time.sleep(0.05)
print("echo-off" if not termios.tcgetattr(slave)[3] & termios.ECHO else "echo-still-on")
os.write(master, b"\x03")
print("exit", p.wait(timeout=20))
print("echo-restored" if termios.tcgetattr(slave)[3] & termios.ECHO else "echo-lost")
EOC
chmod 644 "$T/pty.py"
sum=$(snapshot)
check "^C at the token prompt on a terminal" ns prexempt python3 "$T/pty.py" "$ENROLL"
check "... echo was off while the token was typed" out_has "echo-off"
check "... the program died of the ^C" out_has "exit -2"
check "... and the terminal has its echo back" out_has "echo-restored"
check "... nothing written" same "$sum" "$(snapshot)"

# --- recovery codes (owners under a physical requirement only) --------------------------------
write_ns_policy all-users owners
attach prowner/yk1
check "codes: an owner makes a set after a touch" run_as prowner codes
check "... ten codes in the XXXX-XXXX-XXXX-XXXX form" test "$(grep -cE '^ +[0-9]+\. [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$' "$T/out")" = 10
codes_seen=$(grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$T/out")
check "... audited as codes-generated" test "$(audit_ns_last event)" = codes-generated
check "... with how many and the key that confirmed it" bash -c 'grep " event=codes-generated result=success " "$0" |
	tail -n 1 | grep -qE " detail=10-codes,%20confirmed%20with%20key%20[0-9a-f]+( |$)"' "$AUDIT_NS"
check "... the codes are in no audit record" bash -c 'for c in $1; do grep -q -e "$c" -e "${c//-/}" "$0" && exit 1; done; exit 0' "$AUDIT_NS" "$codes_seen"
check "codes status: counts without showing codes" run_as prowner codes status
check "... ten of ten left" out_has "10 of 10 recovery codes left"
check "... no code printed" bash -c '! grep -qE "[0-9A-Z]{4}-[0-9A-Z]{4}-" "$0"' "$T/out"
key_set prowner yk1 --touch no
sum=$(sha256sum < "$NS_STATE/codes/prowner")
check "codes: no touch, no new set" fails run_as prowner codes
check "... the set is unchanged" same "$sum" "$(sha256sum < "$NS_STATE/codes/prowner")"
key_set prowner yk1 --touch yes
attach prstaff/sy
check "codes: staff (no physical requirement) refused" fails run_as prstaff codes
check "... told codes are not used for the account" out_has "recovery codes are not used for your account"

# --- the record ----------------------------------------------------------------------------------
check "every enrollment is in the audit log" test "$(grep -c ' event=enroll result=success ' "$AUDIT_NS")" = "$ENROLLED"
check "... each with user and actor the caller" bash -c '! grep " event=enroll result=success " "$0" |
	awk "{ u = a = \"\"; for (i = 1; i <= NF; i++) { if (\$i ~ /^user=/) u = substr(\$i, 6); if (\$i ~ /^actor=/) a = substr(\$i, 7) } if (u == \"\" || u != a) print }" | grep -q .' "$AUDIT_NS"
check "audit chain verifies" ns root "$SK/practicerunner-admin" audit verify
check "the host's /etc, /var/lib and /var/log are as they were" same "$HOST_BEFORE" "$(host_dirs)"
done_testing

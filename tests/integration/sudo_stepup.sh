#!/bin/bash
# Debian's real sudo, setuid root, run by unprivileged test users inside a
# private mount namespace (setuid_lib.sh) where a test /etc/pam.d/sudo and
# /etc/sudoers are bound over the real ones: the module (softkey build, by
# absolute path) asks for the PIN and a touch, and sudo runs the command or
# refuses it as it should; every attempt is in the audit log with
# service=sudo, and the command sees the level the session phase exported.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"

SUDO=/usr/bin/sudo
if [ ! -u "$SUDO" ]; then echo "1..0 # SKIP Debian's sudo is not installed (apt-get install sudo)"; exit 0; fi
# setuid sudo ignores LD_PRELOAD, so it cannot load a sanitizer build of the
# module; the plain build runs this test (the module itself runs under the
# sanitizers in every pam_wrapper test).
if [ -n "${PR_SANITIZER_PRELOAD:-}" ]; then
	echo "1..0 # SKIP setuid sudo cannot load a sanitizer build of the module"; exit 0
fi
MOD=$(cd "$SK" && pwd)/pam_practicerunner.so

write_ns_policy all-users owners discouraged 2
check_setuid_possible

# sudoers: no lecture, one try, always ask, nothing to the host's syslog.
cat > "$NS/sudoers" <<EOF
Defaults !lecture, passwd_tries=1, timestamp_timeout=0, !syslog, !use_pty, env_reset
prowner, prstaff, prstaff2 ALL=(root) /usr/bin/id, /usr/bin/env
EOF
chmod 0440 "$NS/sudoers"
# pam_stack "auth options": the sudo service, our module by absolute path.
pam_stack() {
	cat > "$NS/pam.sudo" <<EOF
auth     required  $MOD cue $1
account  required  pam_unix.so
account  required  $MOD
session  required  pam_permit.so
session  required  $MOD
EOF
	chmod 644 "$NS/pam.sudo"
}
pam_stack "uv=required step_up"
export NS_BINDS="$NS/pam.sudo:/etc/pam.d/sudo $NS/sudoers:/etc/sudoers"
export NS_TMPFS="/run/sudo"          # sudo's timestamp directory stays in the namespace
host_files() { cat /etc/pam.d/sudo /etc/sudoers 2>/dev/null | sha256sum; }
HOST_BEFORE=$(host_files)

# Keys sudo's module opens as root: root's device files, like /dev/hidraw*.
mkdir -m 700 "$NS_KEYS/dev"
dev_key() { local n=$1; shift; "$CTL" add --state "$NS_KEYS/dev/$n.key" --profile "$@" >/dev/null; }
dev_set() { local n=$1; shift; "$CTL" set --state "$NS_KEYS/dev/$n.key" "$@" >/dev/null; }
# enroll USER KEY PIN LABEL: with the admin CLI, as root in the namespace.
enroll() {
	printf '%s\n' "$3" | ns root env PRACTICERUNNER_SOFTKEY="$NS_KEYS/dev/$2.key" \
		"$SK/practicerunner-admin" key enroll "$1" --label "$4"
}
# sudo_as USER INPUT CMD...: sudo -S as USER, INPUT on stdin (the PIN).
sudo_as() { local u=$1 input=$2; shift 2; printf '%s\n' "$input" | ns "$u" "$SUDO" -S -- "$@"; }
ran_as_root() { out_has "uid=0(root)"; }
sudo_records() { grep -c ' service=sudo ' "$AUDIT_NS"; }
last() { audit_ns_last "$1"; }
attempts=0
# attempt: count an attempt that must leave one record
attempt() { attempts=$((attempts + 1)); "$@"; }

dev_key yk yubikey5 --pin Pin#4711
dev_key sy synced --pin Pin#2468
dev_key nopin synced
check "owner's physical key with a PIN enrolled" enroll prowner yk Pin#4711 desk
check "staff's synced passkey with a PIN enrolled" enroll prstaff sy Pin#2468 phone
check "staff2's passkey without a PIN enrolled" enroll prstaff2 nopin "" tablet

# --- step-up stack: uv=required step_up, owner with a physical key --------------------
attach dev/yk
check "owner, physical key, right PIN: sudo runs the command" attempt sudo_as prowner Pin#4711 /usr/bin/id
check "... as root" ran_as_root
check "... after asking for the PIN" out_has "PIN for your security key"
# (sudo 1.9.13 authenticates with PAM_SILENT: the PIN prompt shows, the
# module's "Touch your security key" cue and refusal messages do not)
check "... audited for sudo" test "$(last service)" = sudo
check "... as a step-up success" test "$(last event)/$(last result)" = step-up/success
check "... by the owner with the physical key" test "$(last user)/$(last class)" = prowner/physical
check "... with UV in the signed flags" grep -q UV <<<"$(last flags)"
check "owner, step-up: the command sees aal3 and its limits" attempt sudo_as prowner Pin#4711 /usr/bin/env
check "... PRACTICERUNNER_AAL=aal3" out_has "^PRACTICERUNNER_AAL=aal3$"
check "... PRACTICERUNNER_IDLE_LIMIT=900" out_has "^PRACTICERUNNER_IDLE_LIMIT=900$"
check "... PRACTICERUNNER_SESSION_LIMIT=43200" out_has "^PRACTICERUNNER_SESSION_LIMIT=43200$"
check "owner, wrong PIN: refused" fails attempt sudo_as prowner Pin#1111 /usr/bin/id
check "... the command did not run" fails ran_as_root
check "... audited for sudo as a failure" test "$(last service)/$(last result)" = sudo/failure
check "... reason pin-invalid" test "$(last reason)" = pin-invalid
attach
check "owner, no key attached: refused" fails attempt sudo_as prowner Pin#4711 /usr/bin/id
check "... the command did not run" fails ran_as_root
check "... audited for sudo as a failure" test "$(last service)/$(last result)" = sudo/failure
attach dev/yk
dev_set yk --touch no
start=$(date +%s)
check "owner, key not touched: refused" fails attempt sudo_as prowner Pin#4711 /usr/bin/id
check "... within the touch timeout (2 s, bounded at 15)" test $(( $(date +%s) - start )) -lt 15
check "... the command did not run" fails ran_as_root
check "... audited for sudo as a timeout" test "$(last service)/$(last reason)" = sudo/timeout
dev_set yk --touch yes
check "owner, touched again: sudo runs" attempt sudo_as prowner Pin#4711 /usr/bin/id
check "... as root" ran_as_root

# --- uv=required alone: a staff user with a synced passkey ----------------------------
pam_stack "uv=required"
attach dev/sy
check "staff, passkey + right PIN: sudo runs the command" attempt sudo_as prstaff Pin#2468 /usr/bin/id
check "... as root" ran_as_root
check "... asked for the PIN" out_has "PIN for your security key"
check "... audited for sudo as auth success" test "$(last service)/$(last event)/$(last result)" = sudo/auth/success
check "... with the passkey" test "$(last method)/$(last class)" = passkey/passkey
check "staff, passkey + PIN: the command sees aal2" attempt sudo_as prstaff Pin#2468 /usr/bin/env
check "... PRACTICERUNNER_AAL=aal2" out_has "^PRACTICERUNNER_AAL=aal2$"
check "staff, wrong PIN: refused" fails attempt sudo_as prstaff Pin#0000 /usr/bin/id
check "... the command did not run" fails ran_as_root
check "... audited for sudo as a failure" test "$(last service)/$(last result)" = sudo/failure
attach dev/nopin
check "staff2, passkey without a PIN under uv=required: refused" fails attempt sudo_as prstaff2 "" /usr/bin/id
check "... the command did not run" fails ran_as_root
check "... audited for sudo as a failure" test "$(last service)/$(last result)" = sudo/failure

# --- step_up-specific cases -----------------------------------------------------------
# Staff under no requirement at all: step_up still asks for the key with its
# PIN (never PAM_IGNORE), refuses a key without a PIN, records event step-up.
write_ns_policy none owners discouraged 2
pam_stack "uv=required step_up"
attach dev/sy
check "no requirement, step_up: staff passkey + right PIN runs the command" attempt sudo_as prstaff Pin#2468 /usr/bin/id
check "... as root" ran_as_root
check "... asked for the PIN" out_has "PIN for your security key"
check "... audited as a step-up success" test "$(last service)/$(last event)/$(last result)/$(last reason)" = sudo/step-up/success/step-up
check "no requirement, step_up: wrong PIN refused" fails attempt sudo_as prstaff Pin#0000 /usr/bin/id
check "... the command did not run" fails ran_as_root
check "... audited as a step-up failure" test "$(last event)/$(last reason)" = step-up/pin-invalid
attach dev/nopin
check "no requirement, step_up: a key without a PIN refused" fails attempt sudo_as prstaff2 "" /usr/bin/id
check "... the command did not run" fails ran_as_root
check "... audited as a step-up failure (no PIN set)" test "$(last event)/$(last reason)" = step-up/no-pin-set
attach
check "no requirement, step_up, no key attached: refused (not ignored)" fails attempt sudo_as prstaff Pin#2468 /usr/bin/id
check "... the command did not run" fails ran_as_root

check "every attempt left exactly one sudo record ($attempts)" test "$(sudo_records)" = "$attempts"
# ("#" is in no hash, id or base64: a match can only be a PIN)
check "no PIN in the audit log" fails grep -q -e Pin# -e "Pin%23" "$AUDIT_NS"
check "the host's /etc/pam.d/sudo and /etc/sudoers are unchanged" test "$(host_files)" = "$HOST_BEFORE"
check "the host has no sudo timestamp from these runs" fails test -e "/run/sudo/ts/prowner"

done_testing

#!/bin/bash
# Break glass through the module (doc/ARCHITECTURE.md §6.4): a sealed code
# made by practicerunner-admin works once at a listed console service when
# no enrolled key answers, with a short session, an audit record, a
# LOG_ALERT syslog line and a mail to the administrators; coverage and
# policy check fail until breakglass ack. The offer is the same for every
# name; the code itself is in no log.
. "$top_srcdir/tests/integration/lib.sh"

CODE_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
WRONG=ZZZZ-ZZZZ-ZZZZ-ZZZZ
export PAMRUN_ANSWERS=$T/answers
: > "$T/answers"

cat > "$T/fakemail" <<EOF2
#!/bin/sh
{ cat; echo "--- end of message"; } >> "$T/mail.out"
EOF2
chmod 755 "$T/fakemail"

write_policy all-users owners
printf 'recovery {\n  services = {"login"}\n  mail_command = "%s -t -i"\n}\n' "$T/fakemail" >> "$CONF"
printf 'breakglass {\n  session_limit = 1800\n  notify = "it@clinic.example"\n}\n' >> "$CONF"
service login cue
service sudo cue
service sshd cue
# login's stack with its session line (module_session.sh's shape)
service desk cue
printf 'session [success=done ignore=ignore default=die] %s\nsession required pam_exec.so quiet /bin/false\n' \
	"$SK/pam_practicerunner.so config=$CONF" >> "$T/pam.d/desk"
sed -i 's/^breakglass {$/breakglass {\n  services = {"login", "gdm-password", "desk"}/' "$CONF"

# The envelope is for someone at this machine: console sign-ins name no remote host.
export PAMRUN_RHOST=
answer() { printf 'Emergency (break-glass) code\t%s\n' "$1" > "$T/answers"; }
code_for() { admin "" breakglass create "$@" && grep -oE "$CODE_RE" "$T/out" | head -n 1; }
has_record() { grep -q "event=$1 .*result=$2.*$3" "$AUDIT"; }
asked() { grep -q '^prompt: Emergency' "$T/out"; }
env_of() { sed -n "s/^env: $1=//p" "$T/out"; }
# with_syslog SERVICE USER auth|session DEVICES: pam() with syslog captured in $T/syslog
with_syslog() {
	pwrap "$top_srcdir/tests/integration/syslog_capture.py" "$T/syslog" env PRACTICERUNNER_SOFTKEY="$4" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" LD_PRELOAD="$PRELOAD" \
		"$PAMRUN" "$1" "$2" "$3" > "$T/out" 2>&1 </dev/null
}

new_key yk yubikey5
check "setup: owner enrolls a key" admin "$T/yk.key" key enroll prowner --label desk
check "policy check: valid, nothing pending" admin "" policy check

# --- no code on the machine: no offer ------------------------------------------------
answer "$WRONG"
check "no code on file: denied" expect_pam PAM_AUTH_ERR login prowner auth ""
check "no code on file: not asked" fails asked
check "breakglass list: none" admin "" breakglass list
check "breakglass list: says none" out_has "No break-glass codes"

# --- create ---------------------------------------------------------------------------
check "create: a service outside breakglass.services is refused" \
	fails admin "" breakglass create prowner --services login,sshd
check "create: says to add it to the policy first" out_has "add it to the policy first"
check "create: an unknown account is refused" fails admin "" breakglass create no-such-user-q
CODE=$(code_for prowner)
check "create: a code is printed" test -n "$CODE"
check "create: the envelope instructions" out_has "seal it in"
check "create: recorded" has_record break-glass success "detail=created"
check "create: stored as a hash, 0600" test "$(stat -c %a "$T/state/breakglass/prowner")" = 600
check "create: not the code in the file" fails grep -qF "${CODE//-/}" "$T/state/breakglass/prowner"
CODE2=$(code_for prowner --services login,desk)
check "create again: replaces the unused code" out_has "no longer works: destroy its envelope"
check "create again: recorded as replacing" has_record break-glass success "replaces%20an%20unused%20code"
answer "$CODE"
check "the replaced code: refused" expect_pam PAM_AUTH_ERR login prowner auth ""
check "the replaced code: asked, said not accepted" out_has "That emergency code was not accepted."
check "audit: a failed attempt is recorded" has_record break-glass failure "wrong%20or%20used%20code"

# --- not offered when a key answers, or at a service not listed ---------------------------
answer "$CODE2"
check "enrolled key answers: signed in" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
check "enrolled key answers: not asked" fails asked
check "sudo (not listed): denied" expect_pam PAM_AUTH_ERR sudo prowner auth ""
check "sudo: not asked" fails asked
check "sshd (not listed): denied" expect_pam PAM_AUTH_ERR sshd prowner auth ""
check "sshd: not asked" fails asked
remote_login() { local PAMRUN_RHOST=192.0.2.10; export PAMRUN_RHOST; expect_pam PAM_AUTH_ERR login prowner auth ""; }
check "login from another host (PAM_RHOST, e.g. telnet): denied" remote_login
check "login from another host: not asked" fails asked
check "the code still unused" grep -qx 'used=-' "$T/state/breakglass/prowner"

# --- the same offer for every name ----------------------------------------------------------
answer "$WRONG"
for u in prowner prstaff no-such-user-q; do
	pam login "$u" auth ""
	grep -v '^PWRAP' "$T/out" > "$T/screen.$u"
done
check "uniform: asked of an account with a code" grep -q '^prompt: Emergency' "$T/screen.prowner"
check "uniform: an account without a code sees the same" cmp -s "$T/screen.prowner" "$T/screen.prstaff"
check "uniform: a name that is no account sees the same" cmp -s "$T/screen.prowner" "$T/screen.no-such-user-q"
check "uniform: no file made for a name that is no account" \
	fails bash -c "ls '$T/state'/*/ | grep -q no-such-user-q"
check "uniform: a try counted on an account with a code" grep -q '^failures=' "$T/state/tally/prowner"

# --- the use: session, audit, alert, mail ---------------------------------------------------
rm -f "$T/mail.out"
answer "$CODE2"
TALLY_BEFORE=$(grep '^failures=' "$T/state/tally/prowner" | cut -d' ' -f1)
with_syslog desk prowner session ""
check "use: signed in" grep -qx "result: PAM_SUCCESS" "$T/out"
check "use: said, with the limit" out_has "Emergency access granted.*limited to 30 minutes"
check "use: session exported" grep -qx "session: PAM_SUCCESS" "$T/out"
check "use: the break-glass session limit" test "$(env_of PRACTICERUNNER_SESSION_LIMIT)" = 1800
check "use: idle limit no longer than it" test "$(env_of PRACTICERUNNER_IDLE_LIMIT)" -le 1800
check "use: aal1" test "$(env_of PRACTICERUNNER_AAL)" = aal1
check "use: marked as break glass" test "$(env_of PRACTICERUNNER_BREAKGLASS)" = 1
check "audit: break-glass success with service and tty" \
	grep -q "event=break-glass .*result=success .*service=desk" "$AUDIT"
check "audit: the sign-in, method break-glass" \
	grep -q "event=auth .*result=success .*method=break-glass" "$AUDIT"
check "audit: the record names the account" grep -q "event=break-glass .*result=success .*user=prowner" "$AUDIT"
check "syslog: LOG_ALERT on authpriv" grep -q "^<81>.*break glass: prowner signed in with the emergency code" "$T/syslog"
check "mail: one to the administrators' address" grep -q "^To: it@clinic.example" "$T/mail.out"
check "mail: says which account and what to do" grep -q "breakglass ack prowner" "$T/mail.out"
check "state: used, unacknowledged" grep -q '^used=[0-9]* service=desk ' "$T/state/breakglass/prowner"
check "use: its try given back" test "$(grep '^failures=' "$T/state/tally/prowner" | cut -d' ' -f1)" = "$TALLY_BEFORE"

# --- one use ----------------------------------------------------------------------------------
check "reuse: refused" expect_pam PAM_AUTH_ERR login prowner auth ""
check "reuse: not accepted" out_has "That emergency code was not accepted."
check "reuse: recorded" test "$(grep -c 'event=break-glass .*result=failure' "$AUDIT")" -ge 3

# --- coverage and policy check until ack -------------------------------------------------------
admin "" coverage; rc=$?
check "coverage: exit 5 until ack" test "$rc" = 5
check "coverage: names the account" out_has "BREAK GLASS: prowner signed in with the emergency code"
admin "" policy check; rc=$?
check "policy check: exit 5 until ack" test "$rc" = 5
check "policy check: says what to do" out_has "breakglass ack prowner"
check "list: used, not acknowledged" admin "" breakglass list
check "list: says so" out_has "NOT ACKNOWLEDGED"
check "list: never the code" fails out_has "$CODE2"
check "revoke: refused before ack" fails admin "" breakglass revoke prowner
check "create: refused before ack" fails admin "" breakglass create prowner
check "ack: done" admin "" breakglass ack prowner
check "ack: recorded with the reviewer" grep -q "event=break-glass .*actor=root.*detail=acknowledged" "$AUDIT"
check "ack: the reviewer on file" grep -q '^acked=[0-9]* by=root$' "$T/state/breakglass/prowner"
admin "" coverage; rc=$?
check "coverage: no longer 5 after ack" test "$rc" != 5
check "policy check: 0 after ack" admin "" policy check
check "ack twice: nothing to acknowledge" fails admin "" breakglass ack prowner

# --- expiry, revoke ------------------------------------------------------------------------------
CODE3=$(code_for prstaff --expires 1s)
sleep 2
answer "$CODE3"
check "expired: refused" expect_pam PAM_AUTH_ERR login prstaff auth ""
check "expired: recorded" has_record break-glass failure "code%20expired"
check "list: says expired" bash -c "'$SK/practicerunner-admin' --config '$CONF' breakglass list | grep -q EXPIRED"
CODE4=$(code_for prstaff2)
check "revoke: done" admin "" breakglass revoke prstaff2
check "revoke: recorded" has_record break-glass success "detail=revoked"
answer "$CODE4"
check "revoked: refused" expect_pam PAM_AUTH_ERR login prstaff2 auth ""

# --- brute force is bounded by the recovery tally ------------------------------------------------
CODE5=$(code_for prowner2)
printf 'practicerunner-tally 1\nfailures=99 last=1700000000\n' > "$T/state/tally/prowner2"
chmod 600 "$T/state/tally/prowner2"
answer "$WRONG"
check "the 100th wrong code: refused" expect_pam PAM_AUTH_ERR login prowner2 auth ""
check "the 100th: locked, recorded" has_record lockout failure "break%20glass"
answer "$CODE5"
check "locked: even the right code is refused" expect_pam PAM_AUTH_ERR login prowner2 auth ""
check "locked: the code stays unused" grep -qx 'used=-' "$T/state/breakglass/prowner2"
check "unlock, then the right code works" admin "" unlock prowner2
check "after unlock: signed in" expect_pam PAM_SUCCESS login prowner2 auth ""

# --- no code anywhere in the logs ----------------------------------------------------------------
for c in "$CODE" "$CODE2" "$CODE3" "$CODE4" "$CODE5"; do
	check "code $c in no log, record or mail" \
		fails grep -rqF -e "$c" -e "${c//-/}" "$AUDIT" "$T/syslog" "$T/mail.out"
done
check "audit verify passes" admin "" audit verify
done_testing

#!/bin/bash
# Module option web_grant (doc/ARCHITECTURE.md §4.9) under pam_wrapper, in
# the stack xrdp-sesman uses (conf/pam.d/xrdp-sesman.example: the password,
# then the module; lib.sh's sesman_stack): the sign-in is made with a key
# at the web gate, which leaves a single-use grant; the RDP login consumes
# it, and only after a right password. Grants
# are written here in the format lib/grant.c keeps (the gate's approval
# page makes them; tests/unit/check_signin_grant.c tests lib/grant.c).
# xrdp 0.9.21 sets no PAM_RHOST, so most cases run without one.
. "$top_srcdir/tests/integration/lib.sh"
[ -n "$PAM_MATRIX" ] || { echo "1..0 # SKIP pam_wrapper's pam_matrix.so (the password in the stack) is not installed"; exit 0; }

ORIGIN=https://gate.riverside-clinic.example
export PAMRUN_ANSWERS=$T/answers
# What xrdp does: every hidden prompt gets the password typed at its login screen.
printf 'Password\tsecret-password\nEmergency\tsecret-password\nRecovery\tsecret-password\nPIN\tsecret-password\n' > "$T/answers"
export PAMRUN_RHOST=

write_policy all-users owners preferred 5 riverside-clinic.example
printf 'web {\n  origin = "%s"\n  cert_file = "%s/gate.pem"\n  key_file = "%s/gate.key"\n  grant_lifetime = 60\n}\n' \
	"$ORIGIN" "$T" "$T" >> "$CONF"
printf 'recovery {\n  services = {"xrdp-sesman"}\n}\n' >> "$CONF"
printf 'breakglass {\n  services = {"login", "xrdp-sesman"}\n}\n' >> "$CONF"
sesman_stack
printf 'session [success=done ignore=ignore default=die] %s\nsession required pam_exec.so quiet /bin/false\n' \
	"$SK/pam_practicerunner.so config=$CONF web_grant" >> "$T/pam.d/xrdp-sesman"
service xrdp-ssh "web_grant ssh"

new_key yk yubikey5
new_key synced synced
check "setup: owner enrolls a physical key" admin "$T/yk.key" key enroll prowner --label desk
check "setup: staff enrolls a passkey" admin "$T/synced.key" key enroll prstaff --label phone
keyid() { admin "" key list "$1" && awk -v l="$2" '$4 == l { print $2 }' "$T/out"; }
OWNER_KEY=$(keyid prowner desk)
STAFF_KEY=$(keyid prstaff phone)
check "setup: key ids known" test -n "$OWNER_KEY" -a -n "$STAFF_KEY"
check "setup: an emergency code on file (never to be asked here)" admin "" breakglass create prowner

# grant USER KEYID [SERVICE] [RHOST|-] [EXPIRES-IN] [FLAGS]: as the gate leaves one
grant() {
	local now; now=$(date +%s)
	mkdir -p -m 700 "$T/state/grants"
	printf 'practicerunner-grant 1\nid=%s service=%s rhost=%s created=%s expires=%s key=%s flags=%s\n' \
		"$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" "${3:-xrdp-sesman}" "${4:--}" \
		"$((now - 120))" "$((now + ${5:-60}))" "$2" "${6:-0x05}" > "$T/state/grants/$1"
	chmod 600 "$T/state/grants/$1"
}
# Anything asked but the password (which pam_matrix, as pam_unix, asks first).
asked() { grep '^prompt:' "$T/out" | grep -qv '^prompt: Password'; }
has_record() { tail -n 1 "$AUDIT" | grep -q -- "$1"; }

# --- before approval -----------------------------------------------------------------
check "no grant: refused" expect_pam PAM_AUTH_ERR xrdp-sesman prowner auth ""
check "... says where to approve" out_has "Approve this sign-in first: open $ORIGIN/approve in your browser"
check "... asks nothing (xrdp would answer with the password)" fails asked
check "... recorded" has_record "event=auth result=failure .*method=web-grant"
check "... with what was missing" has_record "no%20web%20grant"
check "unknown name: refused at the password, before the module" fails expect_pam PAM_SUCCESS xrdp-sesman nosuchuser auth ""
check "... which says nothing about approvals" fails out_has "Approve this sign-in first"

# --- approved ------------------------------------------------------------------------
grant prowner "$OWNER_KEY"
check "grant: signed in" expect_pam PAM_SUCCESS xrdp-sesman prowner session ""
check "... recorded with the web sign-in it came from" has_record "event=auth result=success .*method=web-grant"
check "... naming the grant" grep -q "reason=physical-key .*detail=web-grant%20[0-9a-f]\{16\}" "$AUDIT"
check "... the key's class" has_record "class=physical"
check "... the session gets the web sign-in's level (physical key, UV: aal3)" out_has "env: PRACTICERUNNER_AAL=aal3"
check "... the grant is spent" test ! -e "$T/state/grants/prowner"
check "second try: refused" expect_pam PAM_AUTH_ERR xrdp-sesman prowner auth ""

# A stranger without the password neither spends a grant nor learns one was made.
grant prowner "$OWNER_KEY"
printf 'Password\twrong-password\n' > "$T/answers.wrong"
PAMRUN_ANSWERS=$T/answers.wrong
check "wrong password: refused" expect_pam PAM_AUTH_ERR xrdp-sesman prowner auth ""
check "... before the module (no word of approvals)" fails out_has "Approve this sign-in first"
check "... the grant is left in place" test -e "$T/state/grants/prowner"
PAMRUN_ANSWERS=$T/answers
check "then the right password: signed in with that grant" expect_pam PAM_SUCCESS xrdp-sesman prowner auth ""
check "... the grant is spent" test ! -e "$T/state/grants/prowner"

grant prowner "$OWNER_KEY" xrdp-sesman - -5
check "expired grant: refused" expect_pam PAM_AUTH_ERR xrdp-sesman prowner auth ""
check "... recorded as expired" has_record "reason=expired"
check "... and removed" test ! -e "$T/state/grants/prowner"

grant prstaff "$STAFF_KEY"
check "another user's grant: refused" expect_pam PAM_AUTH_ERR xrdp-sesman prowner auth ""
check "... left for its owner" test -e "$T/state/grants/prstaff"
check "its owner: signed in (passkey, UV: aal2)" expect_pam PAM_SUCCESS xrdp-sesman prstaff session ""
check "... level" out_has "env: PRACTICERUNNER_AAL=aal2"

grant prowner "$STAFF_KEY"
check "a grant naming someone else's key: refused" expect_pam PAM_AUTH_ERR xrdp-sesman prowner auth ""

grant prowner "$OWNER_KEY" xrdp-sesman 192.0.2.7
PAMRUN_RHOST=192.0.2.8
check "bound grant, service gives another address: refused" expect_pam PAM_AUTH_ERR xrdp-sesman prowner auth ""
check "... recorded" has_record "web%20grant%20for%20another%20address"
check "... kept (a guess from elsewhere does not spend it)" test -e "$T/state/grants/prowner"
PAMRUN_RHOST=192.0.2.7
check "bound grant, same address: signed in" expect_pam PAM_SUCCESS xrdp-sesman prowner auth ""
PAMRUN_RHOST=

grant prowner "$OWNER_KEY" xrdp-sesman - 60 0x01
sed -i 's/^user_verification = .*/user_verification = required/' "$CONF"
check "policy made stricter since (UV now required, the web sign-in had none): refused" \
	expect_pam PAM_AUTH_ERR xrdp-sesman prowner auth ""
check "... recorded" has_record "reason=uv-missing"
sed -i 's/^user_verification = .*/user_verification = preferred/' "$CONF"

check "web_grant with ssh: refused as a configuration error" expect_pam PAM_SERVICE_ERR xrdp-ssh prowner auth ""
check "nothing asked in any of these runs" fails grep -rq "^prompt: Emergency" "$T/out"
check "emergency code untouched" admin "" breakglass list
check "... still unused" out_has "prowner"

done_testing

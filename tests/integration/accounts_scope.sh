#!/bin/bash
# Which accounts require_security_key = all-users covers, and what the
# account phase may deny (pam_practicerunner(8), "Which accounts are
# covered", "Account phase"): human accounts by uid_min whatever their
# shell, root at authentication unless exempt, system accounts never; the
# account phase leaves root's own jobs, root's su and sudo -u, and the
# unattended services (cron, atd, systemd-user) alone, and still denies a
# keyless user signing in. Then coverage and policy check agree.
. "$top_srcdir/tests/integration/lib.sh"

new_key sy synced
write_policy all-users none
service login
service sshd
service su
service sudo
service other-root
admin "$T/sy.key" key enroll prstaff

# A copy of the account lines Debian's /etc/pam.d/cron includes
# (common-account as pam-auth-update writes it with our profile enabled);
# a real stack: PAM_SUCCESS when our module ignores, denied when it denies.
common_account() {
	printf '%s\n' \
		"account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so" \
		"account requisite pam_deny.so" \
		"account required pam_permit.so" \
		"account required $SK/pam_practicerunner.so config=$CONF"
}
for s in cron crond atd systemd-user login-stack sshd-stack; do common_account > "$T/pam.d/$s"; done

# --- the account phase: what it leaves alone -------------------------------------
# prstaff2: a covered person (uid >= UID_MIN) with no key enrolled.
# pamrun runs as root (real uid 0); PAMRUN_RUSER is what su and sudo set.
export PAMRUN_RUSER=root
check "su by root to a keyless user: account phase is PAM_IGNORE" expect_pam PAM_IGNORE su prstaff2 account ""
check "sudo -u by root (PAM_USER=root, PAM_RUSER=root): PAM_IGNORE" expect_pam PAM_IGNORE sudo root account ""
export PAMRUN_RUSER=prstaff
check "su by a user (PAM_RUSER=prstaff) to a keyless user: still denied" expect_pam PAM_PERM_DENIED su prstaff2 account ""
unset PAMRUN_RUSER
check "root's own account phase (service other): PAM_IGNORE" expect_pam PAM_IGNORE other-root root account ""
for s in cron crond atd systemd-user; do
	check "service $s, keyless user: account not denied" expect_pam PAM_SUCCESS "$s" prstaff2 account ""
done
check "sshd, keyless user signing in: account still denied" expect_pam PAM_PERM_DENIED sshd prstaff2 account ""
check "login, keyless user signing in: account still denied" expect_pam PAM_PERM_DENIED login prstaff2 account ""
check "a real login stack, keyless user: denied" expect_pam PAM_PERM_DENIED login-stack prstaff2 account ""
check "a real sshd stack, keyless user: denied" expect_pam PAM_PERM_DENIED sshd-stack prstaff2 account ""
check "login, user with a key: account allowed" expect_pam PAM_SUCCESS login prstaff account ""
echo 'unattended_services = {}' >> "$CONF"
check "unattended_services = {}: cron checks the account again" expect_pam PAM_PERM_DENIED cron prstaff2 account ""
write_policy all-users none
echo 'unattended_services = {"backup-job"}' >> "$CONF"
common_account > "$T/pam.d/backup-job"
check "unattended_services = {\"backup-job\"}: that service is not denied" expect_pam PAM_SUCCESS backup-job prstaff2 account ""
check "... and cron, no longer listed, is" expect_pam PAM_PERM_DENIED cron prstaff2 account ""
write_policy all-users none

# --- root at authentication ---------------------------------------------------------
check "root signing in (login) with no key enrolled: refused" expect_pam PAM_AUTH_ERR login root auth "$T/sy.key"
check "... recorded with root's name" test "$(audit_field user)/$(audit_field result)" = root/failure
sed -i 's/^exempt = .*/exempt = {"prexempt", "root"}/' "$CONF"
check "root listed in exempt: authentication is PAM_IGNORE" expect_pam PAM_IGNORE login root auth ""
write_policy all-users none

# --- system accounts ----------------------------------------------------------------
for u in daemon nobody; do
	getent passwd "$u" >/dev/null || continue
	check "system account $u: auth is PAM_IGNORE" expect_pam PAM_IGNORE login "$u" auth ""
	check "... recorded as an ignore" test "$(audit_field user)/$(audit_field result)/$(audit_field reason)" = "$u/success/system-account"
	check "system account $u: account is PAM_IGNORE" expect_pam PAM_IGNORE login "$u" account ""
done
# A service account made for this test only: a private /etc/passwd bound
# over the real one inside a mount namespace around pamrun, never the host's.
SVC_UID=$(( $(awk '/^UID_MIN/ {print $2}' /etc/login.defs 2>/dev/null || echo 1000) - 7 ))
{ cat /etc/passwd; echo "prsvc:x:$SVC_UID:$SVC_UID:test service:/nonexistent:/usr/sbin/nologin"; } > "$T/passwd"
chmod 644 "$T/passwd"
cat > "$T/ns-pamrun" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount --bind "$T/passwd" /etc/passwd && exec "\$0" "\$@"' "$PAMRUN" "\$@"
EOF
chmod 755 "$T/ns-pamrun"
REAL_PAMRUN=$PAMRUN
PAMRUN=$T/ns-pamrun
check "a service account (uid $SVC_UID < UID_MIN), auth: PAM_IGNORE" expect_pam PAM_IGNORE login prsvc auth ""
check "... account: PAM_IGNORE" expect_pam PAM_IGNORE login prsvc account ""
PAMRUN=$REAL_PAMRUN
check "the host has no account prsvc" fails getent passwd prsvc
# uid_min in the policy moves the line: prstaff2 becomes a system account.
STAFF2_UID=$(id -u prstaff2)
echo "uid_min = $((STAFF2_UID + 1))" >> "$CONF"
check "uid_min above the account's uid: auth is PAM_IGNORE" expect_pam PAM_IGNORE login prstaff2 auth ""
check "... account is PAM_IGNORE" expect_pam PAM_IGNORE login prstaff2 account ""
OWNER_UID=$(id -u prowner)
write_policy all-users none
echo "uid_min = $((OWNER_UID + 1))" >> "$CONF"
check "an owner below uid_min is still covered: auth refused without a key" expect_pam PAM_AUTH_ERR login prowner auth "$T/sy.key"
check "... and the account phase denies the keyless owner" fails expect_pam PAM_SUCCESS login prowner account ""
write_policy all-users none
echo "uid_min = $STAFF2_UID" >> "$CONF"
check "uid_min equal to the account's uid: covered (auth refused without a key)" expect_pam PAM_AUTH_ERR login prstaff2 auth "$T/sy.key"
write_policy all-users none

# --- a nologin shell is still a person ---------------------------------------------
check "prstaff2 has a nologin shell" grep -q "^prstaff2:.*nologin$" /etc/passwd
check "nologin-shell account: auth refused without a key" expect_pam PAM_AUTH_ERR login prstaff2 auth "$T/sy.key"

# --- coverage and policy check agree --------------------------------------------------
admin "" coverage
check "coverage lists root" grep -q "^root " "$T/out"
check "coverage lists a nologin-shell account (prstaff2)" grep -q "^prstaff2 .*no-key" "$T/out"
check "coverage does not list system accounts (daemon)" fails grep -q "^daemon " "$T/out"
check "coverage does not list nobody" fails grep -q "^nobody " "$T/out"
check "policy check: valid, with a warning about root" admin "" policy check
check "... the warning says root could not sign in" out_has "warning: .*root.*could not sign in"
check "... and names the ways out" grep -q "key enroll root" "$T/out"
check "... exempt named too" out_has "exempt"
sed -i 's/^exempt = .*/exempt = {"prexempt", "root"}/' "$CONF"
admin "" policy check
check "root in exempt: no warning" fails out_has "warning"
admin "" coverage
check "root in exempt: coverage says exempt" grep -q "^root .*exempt" "$T/out"
write_policy none none
admin "" policy check
check "require_security_key = none: no warning about root" fails out_has "warning"
admin "" policy show
check "policy show: uid_min from login.defs" out_has "^uid_min  *= [0-9]*   # UID_MIN from /etc/login.defs"
check "policy show: the unattended services" out_has '^unattended_services  *= {"cron", "crond", "atd", "systemd-user"}'

done_testing

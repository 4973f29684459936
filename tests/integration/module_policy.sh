#!/bin/bash
# Policy decisions through the real module: who has a requirement under
# each setting, PAM_IGNORE where none applies, the account phase, and an
# invalid policy file failing closed with a log line naming the error.
. "$top_srcdir/tests/integration/lib.sh"

new_key yk yubikey5
new_key sy synced
write_policy all-users owners
service login
service opp opportunistic
admin "$T/yk.key" key enroll prowner
admin "$T/sy.key" key enroll prstaff

# --- no requirement: the rest of the stack decides -------------------------
write_policy none none
check "none/none: staff is PAM_IGNORE" expect_pam PAM_IGNORE login prstaff auth ""
check "none/none: owner is PAM_IGNORE" expect_pam PAM_IGNORE login prowner auth ""
check "audit: no-requirement recorded" test "$(audit_field reason)" = no-requirement
check "none/none: account is PAM_IGNORE" expect_pam PAM_IGNORE login pradmin account ""
check "opportunistic: enrolled key attached signs in" expect_pam PAM_SUCCESS opp prstaff auth "$T/sy.key"
check "opportunistic: no key attached falls back to PAM_IGNORE" expect_pam PAM_IGNORE opp prstaff auth ""
check "opportunistic: user without keys is PAM_IGNORE" expect_pam PAM_IGNORE opp pradmin auth "$T/sy.key"
"$CTL" set --state "$T/sy.key" --touch no >/dev/null
write_policy none none discouraged 2
check "opportunistic: key not touched is a failure" expect_pam PAM_AUTH_ERR opp prstaff auth "$T/sy.key"
"$CTL" set --state "$T/sy.key" --touch yes >/dev/null

# --- owners only -------------------------------------------------------------
write_policy none owners
check "none/owners: staff is PAM_IGNORE" expect_pam PAM_IGNORE login prstaff auth ""
check "none/owners: owner must use a physical key" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"
check "none/owners: owner without key attached is refused" expect_pam PAM_AUTH_ERR login prowner auth ""
check "none/owners: owner in @group without keys is refused" expect_pam PAM_AUTH_ERR login prowner2 auth "$T/yk.key"

# --- all users need a key; exemption ------------------------------------------
write_policy all-users none
check "all-users: staff passkey accepted" expect_pam PAM_SUCCESS login prstaff auth "$T/sy.key"
check "all-users: admin without key refused" expect_pam PAM_AUTH_ERR login pradmin auth "$T/sy.key"
check "all-users: exempt account is PAM_IGNORE" expect_pam PAM_IGNORE login prexempt auth ""
check "account phase: admin without key denied" expect_pam PAM_PERM_DENIED login pradmin account ""
check "account phase: staff with key allowed" expect_pam PAM_SUCCESS login prstaff account ""
check "unknown user: PAM_AUTH_ERR, as an account without its key" expect_pam PAM_AUTH_ERR login no-such-user-here auth ""
check "audit: unknown user's name not recorded" test "$(audit_field user)" = "(unknown)"

# --- physical for everyone -----------------------------------------------------
write_policy none all-users
check "physical all-users implies a key for staff: passkey refused" expect_pam PAM_AUTH_ERR login prstaff auth "$T/sy.key"
check "physical all-users: owner's physical key accepted" expect_pam PAM_SUCCESS login prowner auth "$T/yk.key"

# --- invalid policy file fails closed -----------------------------------------
printf 'rp_id = "pam://x"\nrequire_security_key = sometimes\n' > "$CONF"
check "invalid policy: denied" expect_pam PAM_SERVICE_ERR login prstaff auth "$T/sy.key"
# pam_wrapper hands pam_syslog() lines to stderr, which pam() keeps in $T/out.
check "invalid policy: log line names file, line and value" grep -q "$CONF:2:.*sometimes" "$T/out"
printf 'rp_id = "pam://x"\nrequire_security_key = all-users\n' > "$CONF"
chmod 666 "$CONF"
check "world-writable policy: denied" fails pam login prstaff auth "$T/sy.key"
rm -f "$CONF"; ln -s /etc/passwd "$CONF"
check "symlinked policy: denied" fails pam login prstaff auth "$T/sy.key"
rm -f "$CONF"
check "missing policy: denied" fails pam login prstaff auth "$T/sy.key"
check "missing policy: service error" grep -qx "result: PAM_SERVICE_ERR" "$T/out"
write_policy all-users none
service bad "uv=preferred"
check "an option that would weaken policy: denied" expect_pam PAM_SERVICE_ERR bad prstaff auth "$T/sy.key"
service bad "frobnicate"
check "unknown option: denied" expect_pam PAM_SERVICE_ERR bad prstaff auth "$T/sy.key"

# --- corrupt store fails closed ---------------------------------------------------
printf 'garbage\n' >> "$T/state/users/prstaff"
check "corrupt credential file: denied, not ignored" expect_pam PAM_AUTHINFO_UNAVAIL login prstaff auth "$T/sy.key"
check "audit: reason corrupt-state" test "$(audit_field reason)" = corrupt-state
done_testing

#!/bin/bash
# The session phase under pam_wrapper with softkey devices: the assurance
# level auth verified, and the policy's limits for it, reach the session's
# PAM environment; nothing reaches it when the module signed nobody in.
. "$top_srcdir/tests/integration/lib.sh"

# session_service NAME "module options": service()'s auth stack, then a
# pam_env line that forges our variables (a value from elsewhere must not
# pass for ours), then the module's session line. Its PAM_IGNORE falls
# through to pam_exec /bin/false, so "session: PAM_SYSTEM_ERR" marks it.
printf 'PRACTICERUNNER_AAL DEFAULT=aal3\nPRACTICERUNNER_IDLE_LIMIT DEFAULT=99999\n' > "$T/forged.env"
session_service() {
	local m="$SK/pam_practicerunner.so config=$CONF ${2:-}"
	service "$1" "${2:-}"
	printf '%s\n' \
		"session required pam_env.so readenv=1 user_readenv=0 envfile=/dev/null conffile=$T/forged.env" \
		"session [success=done ignore=ignore default=die] $m" \
		"session required pam_exec.so quiet /bin/false" >> "$T/pam.d/$1"
}

# session USER DEVICES: auth then open_session; output in $T/out.
session() { pam "$3" "$1" session "$2"; }
env_of() { sed -n "s/^env: $1=//p" "$T/out"; }
no_env() { ! grep -q "^env: $1=" "$T/out"; }
# exported LEVEL IDLE SESSION: exactly what a session at LEVEL gets
exported() {
	grep -qx "result: PAM_SUCCESS" "$T/out" && grep -qx "session: PAM_SUCCESS" "$T/out" &&
		[ "$(env_of PRACTICERUNNER_AAL)" = "$1" ] &&
		[ "$(env_of PRACTICERUNNER_IDLE_LIMIT)" = "$2" ] &&
		[ "$(env_of PRACTICERUNNER_SESSION_LIMIT)" = "$3" ]
}
# nothing_exported: the module ignored the session and removed the forged values
nothing_exported() {
	grep -qx "session: PAM_SYSTEM_ERR" "$T/out" && no_env PRACTICERUNNER_AAL &&
		no_env PRACTICERUNNER_IDLE_LIMIT && no_env PRACTICERUNNER_SESSION_LIMIT && no_env TMOUT
}

write_policy all-users owners discouraged
session_service login
session_service sudo "uv=required"
new_key yk yubikey5 --pin 4711
new_key sy synced --pin 2468
new_key plain synced
check "owner enrolls a physical key with a PIN" bash -c 'echo 4711 | PRACTICERUNNER_SOFTKEY="$0" "$1" --config "$2" key enroll prowner --label desk >/dev/null 2>&1' "$T/yk.key" "$SK/practicerunner-admin" "$CONF"
check "staff enrolls a synced passkey with a PIN" bash -c 'echo 2468 | PRACTICERUNNER_SOFTKEY="$0" "$1" --config "$2" key enroll prstaff --label phone >/dev/null 2>&1' "$T/sy.key" "$SK/practicerunner-admin" "$CONF"
check "staff2 enrolls a synced passkey without a PIN" admin "$T/plain.key" key enroll prstaff2 --label tablet

# --- each combination, default limits ----------------------------------------------
PAMRUN_PIN=4711 session prowner "$T/yk.key" sudo
check "physical key + PIN (uv=required): aal3, 15 min / 12 h" exported aal3 900 43200
check "... the PIN was asked for" out_has "prompt: "
check "... audit agrees: UV in the flags" grep -q "UV" <<<"$(audit_field flags)"
check "... no TMOUT unless the policy asks" no_env TMOUT
check "... the forged level did not survive" test "$(grep -c '^env: PRACTICERUNNER_AAL=' "$T/out")" = 1
session prowner "$T/yk.key" login
check "physical key without UV: one factor, aal1, 30 min / 24 h" exported aal1 1800 86400
check "... audit agrees: no UV in the flags" fails grep -q "UV" <<<"$(audit_field flags)"
PAMRUN_PIN=2468 session prstaff "$T/sy.key" sudo
check "synced passkey + PIN: aal2, 30 min / 24 h" exported aal2 1800 86400
session prstaff2 "$T/plain.key" login
check "synced passkey without UV: aal1" exported aal1 1800 86400

# --- nothing verified here, nothing exported ------------------------------------
session prstaff2 "$T/plain.key" sudo
check "failed auth (no PIN on the key, UV required): auth refused" grep -qx "result: PAM_AUTH_ERR" "$T/out"
check "failed auth: the session gets nothing, the forged values are removed" nothing_exported
session prowner "" login
check "no key attached: the session gets nothing" nothing_exported
write_policy none none discouraged
session prstaff "$T/sy.key" login
check "no requirement: auth ignored" grep -qx "result: PAM_SYSTEM_ERR" "$T/out"
check "no requirement: the session gets nothing" nothing_exported
session_service stepup "step_up"
PAMRUN_PIN=2468 session prstaff "$T/sy.key" stepup
check "no requirement, step_up: passkey + PIN gives aal2" exported aal2 1800 86400
PAMRUN_PIN=4711 session prowner "$T/yk.key" stepup
check "no requirement, step_up: physical key + PIN gives aal3" exported aal3 900 43200
session prstaff2 "$T/plain.key" stepup
check "step_up, key without a PIN: refused, nothing exported" nothing_exported
session_service opp opportunistic
session prstaff2 "$T/plain.key" opp
check "opportunistic sign-in with an enrolled key: aal1 exported" exported aal1 1800 86400
session prstaff2 "" opp
check "opportunistic, no key at hand: ignored, nothing exported" nothing_exported

# --- the policy's own limits and TMOUT -----------------------------------------------
write_policy all-users owners discouraged
cat >> "$CONF" <<EOC
session {
  aal3_idle_limit    = 600
  aal3_session_limit = 28800
  aal2_idle_limit    = 1200
  aal2_session_limit = 43200
  aal1_idle_limit    = 300
  aal1_session_limit = 7200
  set_tmout          = true
}
EOC
PAMRUN_PIN=4711 session prowner "$T/yk.key" sudo
check "custom limits at aal3" exported aal3 600 28800
check "set_tmout: TMOUT is the idle limit" test "$(env_of TMOUT)" = 600
PAMRUN_PIN=2468 session prstaff "$T/sy.key" sudo
check "custom limits at aal2" exported aal2 1200 43200
check "set_tmout at aal2" test "$(env_of TMOUT)" = 1200
session prstaff2 "$T/plain.key" login
check "custom limits at aal1" exported aal1 300 7200
check "set_tmout at aal1" test "$(env_of TMOUT)" = 300
session prowner "" login
check "set_tmout, failed auth: no TMOUT either" nothing_exported

# --- invalid session values fail closed, naming file and line -----------------------
write_policy all-users owners discouraged
at=$(( $(wc -l < "$CONF") + 2 ))   # the first line inside the section appended
printf 'session {\n  aal3_idle_limit = 3600\n}\n' >> "$CONF"
PAMRUN_PIN=4711 session prowner "$T/yk.key" sudo
check "AAL3 idle limit above SP 800-63B-4's: sign-in refused" grep -qx "result: PAM_SERVICE_ERR" "$T/out"
check "... the log line names file, line and the ceiling" grep -q "$CONF:$at: invalid value '3600' for aal3_idle_limit (expected 60 to 900 seconds; SP 800-63B-4 allows at most 15 minutes at AAL3)" "$T/out"
check "... and the session gets nothing" nothing_exported
write_policy all-users owners discouraged
printf 'session {\n  aal2_idle_limit = 3600\n  aal2_session_limit = 1800\n}\n' >> "$CONF"
session prstaff2 "$T/plain.key" login
check "idle longer than the session: sign-in refused" grep -qx "result: PAM_SERVICE_ERR" "$T/out"
check "... the log line says which level and where" grep -q "$CONF:$((at + 1)): aal2_idle_limit (3600 seconds) is longer than aal2_session_limit (1800 seconds)" "$T/out"
write_policy all-users owners discouraged
printf 'session {\n  set_tmout = 600\n}\n' >> "$CONF"
session prstaff2 "$T/plain.key" login
check "set_tmout with a number: sign-in refused" grep -qx "result: PAM_SERVICE_ERR" "$T/out"
check "... naming the line" grep -q "$CONF:$at: invalid boolean value for option 'set_tmout'" "$T/out"

done_testing

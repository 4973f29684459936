#!/bin/bash
# practicerunner-admin store status (issue 15): the files store (state
# directory, user count), and the clinic directory against a real slapd
# (slapd_lib.sh): reachable over ldapi:// and ldaps:// with the read and TLS
# times, servers in order with the fall-through past a dead one, each kind
# of refusal with its reason and exit 3, no answer with exit 4 in bounded
# time, and the offline cache's ages. Never a password or a user name in
# the output, only counts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/slapd_lib.sh"
ADMIN=$top_builddir/helpers/practicerunner-admin
[ -x "$ADMIN" ] || { echo "Bail out! $ADMIN is not built"; exit 1; }

# status CONF: store status into $T/out, its exit status in $RC.
status() { "$ADMIN" --config "$1" store status > "$T/out" 2>&1; RC=$?; }
rc_is() { test "$RC" = "$1"; }
# The line for the Nth server.
server_line() { grep -E "^  $1\\. " "$T/out"; }
line_has() { server_line "$1" | grep -q -- "$2"; }
line_is() { server_line "$1" | grep -qxF -- "$2"; }
# order_is URI...: the servers listed, in this order and no others.
order_is() {
	test "$(grep -E '^  [0-9]+\. ' "$T/out" | awk '{ sub(/:$/, "", $2); print $2 }' | tr '\n' ' ')" = "$* "
}

# --- files ----------------------------------------------------------------------------
write_policy none none
status "$CONF"
check "files: exit 0" rc_is 0
check "files: names the store" out_has "^store: files"
check "files: the state directory" grep -qxF "state directory: $T/state" "$T/out"
check "files: no users yet" grep -qx "users with credentials: 0" "$T/out"
new_key k1 synced; new_key k2 synced
admin "$T/k1.key" key enroll prstaff > /dev/null
admin "$T/k2.key" key enroll prstaff2 > /dev/null
status "$CONF"
check "files: two users with credentials" grep -qx "users with credentials: 2" "$T/out"
check "files: no user name in the output" fails grep -q prstaff "$T/out"
chmod 775 "$T/state"
status "$CONF"
check "files: a state directory the group may write: exit 4" rc_is 4
check "... says so, naming it" out_has "$T/state"
chmod 700 "$T/state"
"$ADMIN" --config "$CONF" store status extra > "$T/out" 2>&1
check "an extra argument: usage, exit 2" test $? = 2

# --- the directory ---------------------------------------------------------------------
slapd_start a || { echo "Bail out! slapd did not start"; exit 1; }
A_LDAPI=$SLAPD_LDAPI A_LDAPS=$SLAPD_LDAPS A_CA=$SLAPD_CA A_PW=$SLAPD_PWFILE A_BINDPW=$SLAPD_BIND_PW

# dir_policy NAME URI... : $T/NAME.conf with store = ldap and those servers in order.
dir_policy() {
	local name=$1 uris; shift
	uris=$(printf '"%s", ' "$@")
	slapd_host_policy "$name" "${uris%, }" "${PWFILE:-$A_PW}" "${CAFILE:-$A_CA}" "cache_max_age = 86400"
}
no_secret() { ! grep -qF "$A_BINDPW" "$T/out"; }

dir_policy ldapi "$A_LDAPI"
status "$T/ldapi.conf"
check "ldapi: exit 0" rc_is 0
check "ldapi: names the store" out_has "^store: ldap"
check "ldapi: the server is reachable and used" line_is 1 "  1. $A_LDAPI: reachable (sign-in uses this server)"
check "ldapi: no TLS line for a local socket" fails out_has "TLS set-up"
check "ldapi: the round trip of a base-scope read" grep -qE '^base-scope read \(round trip\): [0-9]+\.[0-9] ms$' "$T/out"
check "ldapi: the bind DN and the base" \
	bash -c "grep -qxF 'bind DN: $SLAPD_BIND_DN' '$T/out' && grep -qxF 'base: $SLAPD_BASE' '$T/out'"
check "ldapi: no user entries yet" grep -qx 'user entries (practiceRunnerUser): 0' "$T/out"
check "ldapi: the offline cache is empty" grep -qxF "offline cache: $T/ldapi-state/cache: empty" "$T/out"
check "ldapi: the bind password is not shown" no_secret

for u in alice bob carol; do
	printf 'dn: uid=%s,%s\nobjectClass: practiceRunnerUser\nuid: %s\nprRevision: 1\n\n' "$u" "$SLAPD_BASE" "$u"
done | ldapadd -x -H "$A_LDAPI" -D "$SLAPD_MANAGER" -w manager-secret > "$T/out" 2>&1
check "three user entries added to the directory" test $? = 0
status "$T/ldapi.conf"
check "ldapi: three user entries counted" grep -qx 'user entries (practiceRunnerUser): 3' "$T/out"
check "ldapi: no user name in the output" fails grep -qE 'alice|bob|carol' "$T/out"
# slapd's default size limit (500) ends the count: said, not taken for the total.
for i in $(seq 1 500); do
	printf 'dn: uid=u%s,%s\nobjectClass: practiceRunnerUser\nuid: u%s\nprRevision: 1\n\n' "$i" "$SLAPD_BASE" "$i"
done | ldapadd -x -H "$A_LDAPI" -D "$SLAPD_MANAGER" -w manager-secret > "$T/out" 2>&1
status "$T/ldapi.conf"
check "503 entries, server size limit 500: 'at least 500', exit 0" \
	bash -c "test $RC = 0 && grep -qx 'user entries (practiceRunnerUser): at least 500 (a size limit ended the count)' '$T/out'"
for i in $(seq 1 500); do echo "uid=u$i,$SLAPD_BASE"; done |
	ldapdelete -x -H "$A_LDAPI" -D "$SLAPD_MANAGER" -w manager-secret > /dev/null 2>&1

dir_policy ldaps "$A_LDAPS"
status "$T/ldaps.conf"
check "ldaps: exit 0" rc_is 0
check "ldaps: reachable and used" line_is 1 "  1. $A_LDAPS: reachable (sign-in uses this server)"
check "ldaps: the TLS set-up time on its own line" \
	grep -qE '^       TLS set-up \(connect and handshake\): [0-9]+\.[0-9] ms$' "$T/out"
check "ldaps: the round trip of a read" grep -qE '^base-scope read \(round trip\): [0-9.]+ ms$' "$T/out"

# --- order and fall-through ------------------------------------------------------------
dead=ldaps://127.0.0.1:$(slapd_free_port)
dir_policy two "$dead" "$A_LDAPI" "$A_LDAPS"
status "$T/two.conf"
check "first server dead, second alive: exit 0" rc_is 0
check "... the dead one first, with no answer within the timeout" \
	line_is 1 "  1. $dead: no answer within the timeout (2 s)"
check "... the second reachable and used" line_is 2 "  2. $A_LDAPI: reachable (sign-in uses this server)"
check "... the third reachable, not used" line_is 3 "  3. $A_LDAPS: reachable"
check "... every server, in the policy's order" order_is "$dead" "$A_LDAPI" "$A_LDAPS"

# --- refusals: exit 3, with the reason -------------------------------------------------
printf 'wrong-password' > "$T/wrongpw"; chmod 600 "$T/wrongpw"
PWFILE=$T/wrongpw dir_policy bad "$A_LDAPI"
status "$T/bad.conf"
check "wrong bind password: exit 3" rc_is 3
check "... refused: the bind" line_has 1 "refused: the directory refused the service's bind DN or password (sign-in stops here)"
check "... the sentence says what to check" out_has "refused bind_dn .* with the password in $T/wrongpw"
check "... neither password is shown" bash -c "! grep -qe wrong-password -e '$A_BINDPW' '$T/out'"
# A refusal is final: a good server after it is not used (as pr_dir_open).
PWFILE=$T/wrongpw dir_policy bad "$A_LDAPI" "$dead"
status "$T/bad.conf"
check "a refusing first server is not passed over" rc_is 3

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=another CA" -keyout "$T/other-ca.key" -out "$T/other-ca.pem" 2>/dev/null
CAFILE=$T/other-ca.pem dir_policy bad "$A_LDAPS"
status "$T/bad.conf"
check "wrong CA: exit 3" rc_is 3
check "... refused: TLS" line_has 1 "refused: TLS to the directory failed"
check "... names ca_file" out_has "does not verify against ca_file $T/other-ca.pem"

cp "$A_PW" "$T/pw644"; chmod 644 "$T/pw644"
PWFILE=$T/pw644 dir_policy bad "$A_LDAPI"
status "$T/bad.conf"
check "a world-readable password file: exit 3" rc_is 3
check "... says chmod 600" out_has "chmod 600"
check "... and no server was tried" fails out_has "^  1\\. "
check "... the password is not shown" no_secret

slapd_start noschema noschema || { echo "Bail out! the second slapd did not start"; exit 1; }
PWFILE=$SLAPD_PWFILE CAFILE=$SLAPD_CA dir_policy bad "$SLAPD_LDAPI"
status "$T/bad.conf"
check "schema missing: exit 3" rc_is 3
check "... refused: the schema" line_has 1 "refused: the directory lacks PracticeRunner's schema"
check "... says to load practicerunner.ldif" out_has "load practicerunner.ldif"
slapd_stop noschema

# --- the offline cache -------------------------------------------------------------------
mkdir -m 700 "$T/ldapi-state/cache"
: > "$T/ldapi-state/cache/alice"; : > "$T/ldapi-state/cache/bob"; : > "$T/ldapi-state/cache/carol"
touch -d '-5 minutes' "$T/ldapi-state/cache/alice"
touch -d '-3 days' "$T/ldapi-state/cache/bob"
touch -d '-2 hours' "$T/ldapi-state/cache/carol"
: > "$T/ldapi-state/cache/.carol.tmp"
ln -s /etc/passwd "$T/ldapi-state/cache/dave"
status "$T/ldapi.conf"
check "cache: exit 0" rc_is 0
check "cache: counts, newest and oldest age against cache_max_age" \
	grep -qxF "offline cache: $T/ldapi-state/cache: 3 users, newest 5 min old, oldest 3 d old; cache_max_age 24 h: 1 older than that" "$T/out"
check "cache: no user name shown" fails grep -qE 'alice|bob|carol|dave' "$T/out"
chmod 755 "$T/ldapi-state/cache"
status "$T/ldapi.conf"
check "cache: a cache directory others may read: exit 4" rc_is 4
chmod 700 "$T/ldapi-state/cache"

# --- slapd stopped: no answer, bounded --------------------------------------------------
slapd_stop a
for conf in ldapi ldaps; do
	timeout 60 "$ADMIN" --config "$T/$conf.conf" store status > "$T/out" 2>&1; RC=$?
	check "$conf, slapd stopped: returns, exit 4 (no answer)" rc_is 4
	check "$conf, slapd stopped: no answer within the timeout" \
		line_has 1 ': no answer within the timeout (2 s)$'
	check "$conf, slapd stopped: says what to check" out_has "No directory server answered within 2 s"
	check "$conf, slapd stopped: the cache is still reported" out_has "^offline cache: "
done
done_testing

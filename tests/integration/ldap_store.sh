#!/bin/bash
# The clinic directory's foundation (issue 15): the credential store with
# `store = ldap` (store.h over user_file.h's directory slots) and
# lib/directory/'s one-time consume against a real slapd (slapd_lib.sh) on
# ldapi:// and on ldaps://127.0.0.1, driven by tests/integration/dirtool. Two "hosts" are two policy files with their own
# state directories sharing one slapd. Races: 50 consumers of one value,
# two guarded removals of a user's last two keys, counters that must never
# go down. Refusals of every kind are told apart: hostile names (before any
# search reaches slapd), wrong bind password, wrong CA, schema not loaded,
# a readable password file, and no server at all ("unreachable", in time).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/slapd_lib.sh"
DT=$top_builddir/tests/integration/dirtool
[ -x "$DT" ] || { echo "Bail out! $DT is not built"; exit 1; }

slapd_start a || { echo "Bail out! slapd did not start"; exit 1; }
A_LDAPI=$SLAPD_LDAPI A_LDAPS=$SLAPD_LDAPS A_CA=$SLAPD_CA A_PW=$SLAPD_PWFILE A_LOG=$SLAPD_LOG

# host NAME URI [extra ldap lines]: the policy of one machine, $T/NAME.conf.
host() {
	local name=$1 uri=$2; shift 2
	slapd_host_policy "$name" "\"$uri\"" "${PWFILE:-$A_PW}" "${CAFILE:-$A_CA}" "$@"
}
dt() { local h=$1; shift; "$DT" "$T/$h.conf" "$@" > "$T/out" 2>&1; }
# bg OUT HOST ARGS...: dirtool in the background; wait_bg waits for those
# only (slapd is a background job too).
BG=
bg() { local out=$1 h=$2; shift 2; "$DT" "$T/$h.conf" "$@" > "$out" 2>&1 & BG="$BG $!"; }
wait_bg() { local p; for p in $BG; do wait "$p"; done; BG=; }
err_is() { grep -q "^error $1:" "$T/out"; }

for transport in ldapi ldaps; do
	if [ $transport = ldapi ]; then uri=$A_LDAPI; else uri=$A_LDAPS; fi
	host hostA "$uri"; host hostB "$uri"
	u=alice-$transport

	# --- enroll on A, load on B ---------------------------------------------------
	check "$transport: connects and binds as the service" dt hostA open
	check "$transport: the server that answered is the policy's" grep -qxF "$uri" "$T/out"
	dt hostA enroll "$u" key-one; k1=$(cat "$T/out")
	check "$transport: host A enrolls a key" test ${#k1} = 12
	check "$transport: host B sees the key host A enrolled" dt hostB load "$u"
	check "$transport: ... with its id and label" grep -q "^$k1 0 key-one$" "$T/out"
	dt hostB enroll "$u" key-one
	check "$transport: the same key again is refused on B (exists)" err_is exists
	dt hostB enroll "$u" key-two; k2=$(cat "$T/out")
	check "$transport: B renames A's key" dt hostB rename "$u" "$k1" front-desk
	dt hostA load "$u"
	check "$transport: A sees B's key and B's label" \
		bash -c "grep -q '^$k1 0 front-desk$' '$T/out' && grep -q '^$k2 0 key-two$' '$T/out'"

	# --- counters: never lowered ----------------------------------------------------
	check "$transport: a use with counter 5 is recorded" dt hostA use "$u" "$k1" 5
	dt hostB use "$u" "$k1" 5
	check "$transport: the same counter on B is a possible clone" err_is counter-regression
	dt hostB use "$u" "$k1" 3
	check "$transport: a lower counter on B is refused" err_is counter-regression
	# Racing uses with counters 6..25 from both hosts: each is recorded, refused
	# as not above the stored counter, or lost the race on the credential
	# itself (directory-conflict: the sign-in is refused and tried again); the stored counter
	# ends at the highest recorded, never lowered by a later, lower one.
	rm -f "$T"/use.*
	for c in $(seq 6 25); do
		h=hostA; [ $((c % 2)) = 0 ] && h=hostB
		bg "$T/use.$c" $h use "$u" "$k1" "$c"
	done
	wait_bg
	won=$(for c in $(seq 6 25); do [ -s "$T/use.$c" ] || echo "$c"; done | sort -n | tail -1)
	dt hostA load "$u"
	check "$transport: after 20 racing uses the counter is the highest recorded ($won)" \
		grep -q "^$k1 $won " "$T/out"
	check "$transport: every racing use counted, was refused as not above, or lost the race (directory-conflict)" \
		bash -c "! grep -L -e '^error counter-regression' -e '^error directory-conflict' $T/use.* | xargs -r grep -l . | grep -q ."

	# --- 50 consumers of one value: exactly one wins -------------------------------
	code="scrypt\$n=16384\$salt-$transport\$hash-of-one-code"
	ldapmodify -x -H "$A_LDAPI" -D "$SLAPD_BIND_DN" -y "$A_PW" > /dev/null <<-L
	dn: uid=$u,$SLAPD_BASE
	changetype: modify
	add: prRecoveryCode
	prRecoveryCode: $code
	prRecoveryCode: another-code
	L
	rm -f "$T"/consume.*
	for i in $(seq 1 50); do
		h=hostA; [ $((i % 2)) = 0 ] && h=hostB
		bg "$T/consume.$i" $h consume "$u" prRecoveryCode "$code"
	done
	wait_bg
	check "$transport: 50 concurrent consumers of one code: exactly one won" \
		test "$(cat "$T"/consume.* | grep -cx won)" = 1
	check "$transport: ... and the other 49 lost (none failed otherwise)" \
		test "$(cat "$T"/consume.* | grep -cx lost)" = 49
	check "$transport: the other code is still there" dt hostB consume "$u" prRecoveryCode another-code
	check "$transport: ... and only once" bash -c "$DT $T/hostA.conf consume $u prRecoveryCode another-code | grep -qx lost"

	# --- two guarded removals of the last two keys: one stays ----------------------
	bg "$T/rm.a" hostA remove "$u" "$k1" last
	bg "$T/rm.b" hostB remove "$u" "$k2" last
	wait_bg
	dt hostA load "$u"
	check "$transport: two hosts removing the last two keys at once leave one" test "$(wc -l < "$T/out")" = 1
	check "$transport: ... the other was refused: the last key, or lost the race (directory-conflict)" \
		test "$(grep -lE '^error (last-key|directory-conflict):' "$T/rm.a" "$T/rm.b" | wc -l)" = 1
	left=$(cut -d' ' -f1 "$T/out")
	dt hostB remove "$u" "$left" last
	check "$transport: the last key alone is refused by the guard" err_is last-key
	check "$transport: without the guard (an admin's force) it goes" dt hostB remove "$u" "$left"
	dt hostA load "$u"
	check "$transport: no keys left" test ! -s "$T/out"
done

# --- hostile names: refused before any search reaches slapd -----------------------
host hostA "$A_LDAPI"
before=$(slapd_searches)
for name in '*' 'a)(uid=*' 'alice*' '(uid=*)' 'alice,ou=x' 'a+uid=b'; do
	dt hostA load "$name"
	check "hostile name '$name' is refused as an invalid argument" err_is invalid-argument
done
# a NUL inside the name: "alice\0*" as bytes
dt hostA load-hex 616c69636500
check "a name with a NUL in it is refused" err_is invalid-argument
# refused before the store connects: not even a connection's base check
check "no search for a hostile name reached slapd (not even a connection)" \
	test "$(( $(slapd_searches) - before ))" = 0
check "slapd's log has no filter from a hostile name" \
	fails grep -qE 'uid=(\*|alice\*|a\)|\(|alice,|a\+)' "$A_LOG"

# --- distinct refusals ---------------------------------------------------------------
cp "$A_PW" "$T/wrongpw"; echo -n wrong-password > "$T/wrongpw"; chmod 600 "$T/wrongpw"
PWFILE=$T/wrongpw host bad "$A_LDAPS"
dt bad open
check "wrong bind password: directory-bind" err_is directory-bind
check "... the message says what to check" grep -q 'refused bind_dn .* with the password in' "$T/out"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=another CA" -keyout "$T/other-ca.key" -out "$T/other-ca.pem" 2>/dev/null
CAFILE=$T/other-ca.pem host bad "$A_LDAPS"
dt bad open
check "a CA that did not sign the server's certificate: directory-tls" err_is directory-tls
check "... and says to check ca_file" grep -q "does not verify against ca_file $T/other-ca.pem" "$T/out"
CAFILE=$T/other-ca.pem host bad "ldap://127.0.0.1:${A_LDAPS##*:}" "starttls = true"
dt bad open
check "StartTLS to a server that does not speak it there: directory-tls, not unreachable" err_is directory-tls
cp "$A_PW" "$T/pw644"; chmod 644 "$T/pw644"
PWFILE=$T/pw644 host bad "$A_LDAPI"
dt bad open
check "a password file readable by others: unsafe-file" err_is unsafe-file
check "... and it says chmod 600" grep -q 'chmod 600' "$T/out"
ln -s "$A_PW" "$T/pwlink"
PWFILE=$T/pwlink host bad "$A_LDAPI"
dt bad open
check "a password file that is a symbolic link: unsafe-file" err_is unsafe-file
"$top_builddir/helpers/practicerunner-admin" --config "$T/bad.conf" policy check > "$T/out" 2>&1
check "policy check exits 3 for the linked password file" test $? = 3
check "... naming bind_password_file" grep -q 'bind_password_file' "$T/out"
PWFILE=$T/pw644 host bad "$A_LDAPI"
"$top_builddir/helpers/practicerunner-admin" --config "$T/bad.conf" policy check > "$T/out" 2>&1
check "policy check exits 3 for the readable password file" test $? = 3
host good "$A_LDAPI"
"$top_builddir/helpers/practicerunner-admin" --config "$T/good.conf" policy check > "$T/out" 2>&1
check "policy check accepts a sound ldap section" test $? = 0
check "... without the old warning that credentials stay in state_dir" \
	fails grep -q "still keep credentials" "$T/out"

slapd_start noschema noschema || { echo "Bail out! the second slapd did not start"; exit 1; }
PWFILE=$SLAPD_PWFILE CAFILE=$SLAPD_CA host bad "$SLAPD_LDAPI"
dt bad open
check "a directory without PracticeRunner's schema: directory-schema" err_is directory-schema
slapd_stop noschema

# --- slapd stopped: unreachable, within the timeout ----------------------------------
host hostA "$A_LDAPS"
slapd_stop a
start=$(date +%s%N)
dt hostA load alice-ldaps
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "slapd stopped: directory-unreachable" err_is directory-unreachable
check "... within the timeout (2 s; took $ms ms)" test "$ms" -lt 2500
host hostA "$A_LDAPI"
dt hostA load alice-ldapi
check "slapd stopped, over ldapi://: directory-unreachable" err_is directory-unreachable
# A server that accepts the connection and never answers: unreachable at the timeout.
port=$(slapd_free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); c = []
t = time.time()
while time.time() - t < 20:
    s.settimeout(1)
    try: c.append(s.accept()[0])
    except socket.timeout: pass' "$port" &
silent=$!
for i in $(seq 1 50); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null && break
	sleep 0.1
done
host hostA "ldaps://127.0.0.1:$port"
start=$(date +%s%N)
dt hostA load alice-ldaps
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$silent" 2>/dev/null; wait "$silent" 2>/dev/null
check "a server that never answers: directory-unreachable" err_is directory-unreachable
check "... after the timeout, not before (2 s; took $ms ms)" test "$ms" -ge 1900 -a "$ms" -lt 5000
done_testing

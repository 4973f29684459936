#!/bin/bash
# practicerunner-webgate, the real daemon on 127.0.0.1:443 in a network
# namespace of its own (unshare -n: port 443 is free there, and the
# namespace goes with the test), with a certificate from a CA made here,
# its HTTP side as nobody; driven with curl and tests/webauthn_client (real
# WebAuthn responses from its own P-256 keys, enrolled through /api/create
# with an invitation typed on a pending sign-in's page, which the new key
# then signs in). doc/ARCHITECTURE.md §4.8.
if [ "$(id -u)" = 0 ] && [ -z "${PR_WG_NETNS:-}" ] && [ -n "${PR_TESTENV:-}" ]; then
	PR_WG_NETNS=1 exec unshare -n bash "$0" "$@"
fi
. "${top_srcdir:-.}/tests/integration/lib.sh"

CLIENT=$top_srcdir/tests/webauthn_client/webauthn_client.py
HOST=gate.clinic.test
# A port below 1024: the root parent binds it before the HTTP side drops to nobody.
PORT=443
ORIGIN=https://$HOST
SOCK=$T/ctl.sock
. "$top_srcdir/tests/integration/webgate_lib.sh"

command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
python3 -c 'import cryptography' 2>/dev/null ||
	{ echo "1..0 # SKIP python3-cryptography is not installed (the test client needs it)"; exit 0; }
id nobody >/dev/null 2>&1 || { echo "1..0 # SKIP no account nobody to run the HTTP side as"; exit 0; }
[ -n "${PR_WG_NETNS:-}" ] || { echo "1..0 # SKIP needs a network namespace of its own (run as root, through make check)"; exit 0; }
ip link set lo up || { echo "1..0 # SKIP cannot bring up lo in the test's network namespace"; exit 0; }

trap 'stop_gate; rm -rf "$T"' EXIT

# The test CA and the gate's certificate (the key root's, 0600).
gate_certs "webgate test CA"
# Keys attested by the softkey's test CA are physical.
cp "$top_srcdir/tests/softkey/test-ca.pem" "$T/anchors/"

# web_policy PHYS [BIND] [CONTROL_GROUP]: the test policy with a web section.
web_policy() {
	write_policy all-users "$1" discouraged 5 clinic.test
	printf 'web {\n  origin = "%s"\n  listen = "127.0.0.1:%s"\n  cert_file = "%s"\n  key_file = "%s"\n  control_socket = "%s"\n  bind_client_address = %s\n  control_group = "%s"\n}\n' \
		"$ORIGIN" "$PORT" "$T/gate.pem" "$T/gate.key" "$SOCK" "${2:-true}" "${3:-root}" >> "$CONF"
}

# pending USER [RHOST] [LIFETIME]: a new pending sign-in's id (the answer in $T/pending)
pending() {
	ctl op=create "user=$1" service=openvpn "rhost=${2:-127.0.0.1}" "lifetime=${3:-60}" > "$T/pending"
	awk '$1 == "pending" { print $2 }' "$T/pending"
}
# waiter ID: op=wait in the background, its answer into $T/verdict
waiter() { ctl op=wait "pending=$1" > "$T/verdict" & WAITER=$!; sleep 0.3; }
# api PATH FILE [curl options]: POST FILE, the answer into $T/out
api() {
	local path=$1 file=$2; shift 2
	curl -s --max-time 30 --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" -A "webgate-test/1.0" \
		-H 'Content-Type: application/json' --data-binary "@$file" "$@" "$ORIGIN$path" > "$T/out"
	local rc=$?
	echo >> "$T/out"
	return $rc
}
result_is() { python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])).get("result") != sys.argv[2])' "$T/out" "$1"; }
# sign_in ID STATE [client options]: options, then the response, as the page does
sign_in() {
	local id=$1 state=$2; shift 2
	printf '{"pending":"%s"}' "$id" > "$T/req"
	api /api/options "$T/req" || return 1
	cp "$T/out" "$T/options"
	python3 "$CLIENT" get --state "$state" --options "$T/options" --origin "$ORIGIN" --pending "$id" "$@" \
		> "$T/get" || return 1
	api /api/get "$T/get"
}
# invite USER: a new invitation's token
invite() { admin "" invite "$1" && grep -oE '[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){6}' "$T/out" | head -n 1; }
# enroll_options ID TOKEN [curl options]: the invitation typed on pending sign-in ID's page
enroll_options() {
	local id=$1 tok=$2; shift 2
	printf '{"pending":"%s","invitation":"%s"}' "$id" "$tok" > "$T/req"
	api /api/enroll-options "$T/req" "$@"
}
# enroll USER STATE FMT: the VPN side's pending sign-in for USER (its id in
# $EID), an invitation typed on its page, the key's creation; the sign-in by
# the new key is the caller's (sign_in "$EID" STATE)
enroll() {
	local user=$1 state=$2 fmt=$3 tok
	tok=$(invite "$user") || return 1
	EID=$(pending "$user")
	enroll_options "$EID" "$tok" || return 1
	cp "$T/out" "$T/coptions"
	python3 "$CLIENT" create --state "$state" --options "$T/coptions" --origin "$ORIGIN" --fmt "$fmt" \
		--ca-key "$top_srcdir/tests/softkey/test-ca.key" --ca-cert "$top_srcdir/tests/softkey/test-ca.pem" \
		> "$T/create" || return 1
	api /api/create "$T/create"
}
field() { audit_field "$1"; }
# await_expiry ID: until pending sign-in ID's expiry is recorded (15 s at most),
# so that it does not land among the records a later check reads
await_expiry() {
	local i
	for i in $(seq 150); do
		grep -q "reason=expired .*pending=${1:0:8}" "$AUDIT" && return 0
		sleep 0.1
	done
	echo "# pending sign-in ${1:0:8}: no expiry record after 15 s"
}

web_policy none
check "the gate starts as root and serves HTTPS" start_gate

# ---- enrollment with an invitation, inside a pending sign-in -------------------------------
# Free-standing enrollment is gone: an invitation needs the VPN side's pending sign-in.
tok=$(invite prstaff)
printf '{"user":"prstaff","invitation":"%s"}' "$tok" > "$T/req"
api /api/enroll-options "$T/req"
check "enroll: an invitation without a pending sign-in is refused" result_is bad-request
id=$(pending prstaff)
enroll_options 00112233445566778899aabbccddeeff "$tok"
check "enroll: an invitation on a pending sign-in nobody made is refused" result_is replay
# Another user's sign-in (a taken-over page sees the invitation: it cannot use it there).
other=$(pending prstaff2 127.0.0.1 3)
enroll_options "$other" "$tok"
check "enroll: an invitation on another user's pending sign-in is refused" result_is invalid-token
# That sign-in's expiry is recorded now, not among the records read below.
await_expiry "$other"
enroll_options "$id" "$tok" --interface 127.0.0.2
check "enroll: from another address than the VPN client's: refused" result_is address-mismatch
check "enroll: ... recorded with both addresses" test "$(field reason) $(field rhost) $(field vpn_rhost)" = "address-mismatch 127.0.0.2 127.0.0.1"
check "enroll: ... the invitation is still there, no try counted" grep -q " failures=0" "$T/state/invites/prstaff"
# Wrong invitations: counted per pending sign-in (3), never against the invitation.
id=$(pending prstaff)
waiter "$id"
for n in 1 2 3; do enroll_options "$id" "WRNG-WRNG-WRNG-WRNG-WRNG-WRNG-WRNG"; done
check "wrong invitations: refused" result_is invalid-token
check "wrong invitations: recorded" test "$(field event) $(field result) $(field reason) $(field user)" = "enroll failure invalid-token prstaff"
enroll_options "$id" "$tok"
check "wrong invitations: after 3 the pending sign-in is void" result_is replay
wait "$WAITER"
check "wrong invitations: op=wait reads the refusal" grep -qx "result invalid-token" "$T/verdict"
check "wrong invitations: the invitation is not voided, no try counted" grep -q " failures=0" "$T/state/invites/prstaff"
# The invitation's lock held for 2 s (an administrator's command, say): the
# right invitation could not be checked, which is no wrong try. The gate
# answers busy and the page's side asks again (every 250 ms, wg_api.c), so
# counting those as wrong would void the sign-in after 3.
# Ordering, not time: the lock is let go once the gate has answered busy
# (its record is written), while the page's side still asks again.
hold_flock "$T/state/locks/prstaff+invite.lock" "$T/release.invite"
id=$(pending prstaff)
busy_before=$(grep -c "event=enroll result=failure reason=busy .*user=prstaff" "$AUDIT")
enroll_options "$id" "$tok" &
ASKER=$!
for _ in $(seq 100); do
	[ "$(grep -c "event=enroll result=failure reason=busy .*user=prstaff" "$AUDIT")" -gt "$busy_before" ] && break
	sleep 0.1
done
touch "$T/release.invite"
wait "$ASKER" "$FLOCK_HOLDER"
check "invitation lock held: not a wrong try (creation options once it is free)" grep -q '"publicKey"' "$T/out"
check "invitation lock held: recorded as busy" grep -q "event=enroll result=failure reason=busy .*user=prstaff" "$AUDIT"
# Decided now (a creation from another origin), so no expiry lands among the records read below.
python3 "$CLIENT" create --state "$T/scratch.json" --options "$T/out" --origin "https://evil.clinic.test" \
	> "$T/create" && api /api/create "$T/create"
check "invitation lock held: ... the invitation is still there" test -e "$T/state/invites/prstaff"
# An invitation that cannot be checked for another reason than a held lock
# (here its file is a symbolic link, never followed; or the directory is
# down): answered as a wrong one, since a name that is no account gets that
# at once, and busy after 10 s of asking again would tell the two apart.
ln -s /dev/null "$T/state/invites/prowner"
oid=$(pending prowner 127.0.0.1 3)
enroll_options "$oid" "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345"
check "invitation unreadable: answered as a wrong invitation" result_is invalid-token
check "invitation unreadable: recorded with its own reason" test "$(field event) $(field result) $(field user)" = "enroll failure prowner"
check "invitation unreadable: ... not as a wrong invitation" test "$(field reason)" != invalid-token
rm "$T/state/invites/prowner"
# That sign-in's expiry is recorded now, not among the records read below.
await_expiry "$oid"

enroll prstaff "$T/staff.json" fido-u2f
check "enroll: a browser key with an invitation is enrolled" result_is ok
check "enroll: recorded: event enroll, method webauthn, path webgate" \
	test "$(field event) $(field result) $(field method) $(field path)" = "enroll success webauthn webgate"
check "enroll: recorded with origin, class physical and the VPN client's address" \
	test "$(field origin) $(field class) $(field vpn_rhost)" = "$ORIGIN physical 127.0.0.1"
check "enroll: the invitation is used up" test ! -e "$T/state/invites/prstaff"
# accepted KEY: a field of the record of the invitation accepted on pending sign-in $EID's page
accepted() { grep " reason=invitation-accepted .* pending=${EID:0:8} " "$AUDIT" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check "enroll: the accepted invitation was recorded, with both addresses and the pending id" \
	test "$(accepted event) $(accepted result) $(accepted user) $(accepted method) $(accepted path) $(accepted rhost) $(accepted vpn_rhost) $(accepted origin)" = \
	"enroll success prstaff webauthn webgate 127.0.0.1 127.0.0.1 $ORIGIN"
check "enroll: ... before the key's record" \
	test "$(grep -n "reason=invitation-accepted .* pending=${EID:0:8} " "$AUDIT" | cut -d: -f1)" -lt "$(wc -l < "$AUDIT")"
api /api/create "$T/create"
check "enroll: a replayed creation is refused" result_is replay
check "enroll: ... and recorded" test "$(field result) $(field reason) $(field pending)" = "failure replay ${EID:0:8}"
waiter "$EID"
check "enroll: the enrollment alone decides nothing (op=wait still waits)" kill -0 "$WAITER"
sign_in "$EID" "$T/staff.json"
check "enroll: the same pending sign-in goes on to the new key's assertion" result_is ok
wait "$WAITER"
check "enroll: op=wait reads the assertion's verdict" grep -qx "result ok user=prstaff aal=1 class=physical" "$T/verdict"
check "enroll: the gate's secret is root's, 0600" test "$(stat -c '%U %a %s' "$T/state/webgate.secret")" = "root 600 32"

# ---- a sign-in ------------------------------------------------------------------------
id=$(pending prstaff)
check "control: op=create answers an id and the page's URL" grep -qE "^pending [0-9a-f]{32} $ORIGIN/p/[0-9a-f]{32}$" "$T/pending"
check "control: no user name in the URL" fails grep -q prstaff "$T/pending"
curl -s -D "$T/headers" -o "$T/page" --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" "$ORIGIN/p/$id"
check "page: served with a strict CSP" grep -qi "^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" "$T/headers"
for h in "strict-transport-security: max-age" "x-content-type-options: nosniff" \
	"referrer-policy: no-referrer" "cache-control: no-store"; do
	check "page: header $h" grep -qi "^$h" "$T/headers"
done
check "page: the elements a browser test drives" grep -q 'id="signin"' "$T/page"
waiter "$id"
sign_in "$id" "$T/staff.json"
check "sign-in: ok" result_is ok
wait "$WAITER"
check "control: op=wait answers the verdict" grep -qx "result ok user=prstaff aal=1 class=physical" "$T/verdict"
check "sign-in: recorded with every field" test "$(field event) $(field result) $(field user) $(field method) $(field service) $(field rhost) $(field vpn_rhost) $(field path) $(field origin) $(field class) $(field sign_count) $(field pending)" = \
	"auth success prstaff webauthn openvpn 127.0.0.1 127.0.0.1 webgate $ORIGIN physical 2 ${id:0:8}"
check "sign-in: record has user agent, credential and flags" test -n "$(field user_agent)" -a -n "$(field cred_id)" -a "$(field flags)" = "0x01:UP"
check "sign-in: record has the rp id" test "$(field rp_id)" = clinic.test

# ---- refusals --------------------------------------------------------------------------
api /api/get "$T/get"
check "replay: the same response again is refused" result_is replay

id=$(pending prstaff)
waiter "$id"
sign_in "$id" "$T/staff.json" --challenge "$(python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode())')"
check "wrong challenge: refused, in the words every name gets before a key answered" result_is no-matching-key
check "wrong challenge: recorded" test "$(field result) $(field reason)" = "failure challenge-mismatch"
wait "$WAITER"
check "wrong challenge: op=wait reads the same" grep -qx "result no-matching-key" "$T/verdict"

id=$(pending prstaff)
printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/options"
python3 "$CLIENT" get --state "$T/staff.json" --options "$T/options" --origin "https://evil.clinic.test" \
	--pending "$id" > "$T/get"
api /api/get "$T/get"
check "wrong origin: refused, in the same words" result_is no-matching-key
check "wrong origin: recorded" test "$(field reason) $(field user)" = "origin-mismatch prstaff"

id=$(pending prstaff 127.0.0.1 2)
printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/options"
python3 "$CLIENT" get --state "$T/staff.json" --options "$T/options" --origin "$ORIGIN" --pending "$id" > "$T/get"
sleep 2.5
api /api/get "$T/get"
check "expired: refused" result_is expired
check "expired: recorded" test "$(field result) $(field reason) $(field user)" = "failure expired prstaff"
api /api/get "$T/get"
check "expired: then gone (replay)" result_is replay
check "replay: recorded" test "$(field result) $(field reason)" = "failure replay"
id=$(pending prstaff 127.0.0.1 1)
waiter "$id"
wait "$WAITER"
check "expired: op=wait says so" grep -qx "result expired" "$T/verdict"
check "expired unanswered: recorded" test "$(field result) $(field reason) $(field pending)" = "failure expired ${id:0:8}"
id=$(pending prstaff 127.0.0.1 1)
sleep 1.6
check "expired with nobody waiting: recorded" test "$(field result) $(field reason) $(field pending)" = "failure expired ${id:0:8}"

id=$(pending prstaff)
printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/options"
python3 "$CLIENT" get --state "$T/staff.json" --options "$T/options" --origin "$ORIGIN" --pending "$id" > "$T/get"
api /api/get "$T/get" --interface 127.0.0.2
check "another address: refused" result_is address-mismatch
check "another address: recorded with both addresses" test "$(field reason) $(field rhost) $(field vpn_rhost)" = "address-mismatch 127.0.0.2 127.0.0.1"

# ---- unenrolled users: the same options, refused at the browser step -----------------------
shape() { python3 -c '
import json, sys
def s(v):
    if isinstance(v, dict): return {k: s(x) for k, x in v.items()}
    if isinstance(v, list): return [s(x) for x in v]
    return type(v).__name__
print(json.dumps(s(json.load(open(sys.argv[1]))), sort_keys=True))' "$1"; }
# decide ID: the options in $T/out answered with prstaff's key (no sign-in left open to expire later)
decide() { python3 "$CLIENT" get --state "$T/staff.json" --options "$T/out" --origin "$ORIGIN" --pending "$1" > "$T/get"; api /api/get "$T/get"; }
id=$(pending prstaff); printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; shape "$T/out" > "$T/shape.enrolled"
decide "$id"
for who in prstaff2 nosuchuser; do
	id=$(pending $who); printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/options"
	shape "$T/out" > "$T/shape.$who"
	check "unenrolled ($who): options have the enrolled shape" cmp -s "$T/shape.enrolled" "$T/shape.$who"
	python3 "$CLIENT" get --state "$T/staff.json" --options "$T/options" --origin "$ORIGIN" --pending "$id" > "$T/get"
	api /api/get "$T/get"
	check "unenrolled ($who): refused as a key that does not match" result_is no-matching-key
done
check "unenrolled: a name that is no account is not recorded" test "$(field user)" = "(unknown)"
# ids FILE: the options' allowCredentials ids, one a line, in their order
ids() { python3 -c 'import json,sys; [print(c["id"]) for c in json.load(open(sys.argv[1]))["publicKey"]["allowCredentials"]]' "$1"; }
sorted_ids() { python3 -c '
import base64, json, sys
ids = [base64.urlsafe_b64decode(c["id"] + "==") for c in json.load(open(sys.argv[1]))["publicKey"]["allowCredentials"]]
sys.exit(ids != sorted(ids))' "$1"; }
for who in prstaff prstaff2 nosuchuser; do
	id=$(pending $who); printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/ids.$who"
	decide "$id"
	check "decoys ($who): 8 credential ids, whoever is enrolled" test "$(ids "$T/ids.$who" | sort -u | wc -l)" = 8
	check "decoys ($who): sorted, so no position tells the real ones" sorted_ids "$T/ids.$who"
done
check "decoys: the enrolled key is among them" grep -q "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/staff.json")" "$T/ids.prstaff"

# ---- a passkey under a physical-key policy ---------------------------------------------------
enroll prowner "$T/owner.json" none
check "passkey: enrolled while the policy allows it" result_is ok
check "passkey: classed passkey" test "$(field class)" = passkey
# An enrolled account signed for with another key reads the same (nothing tells who is enrolled).
id=$(pending prowner); printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/options"
python3 "$CLIENT" get --state "$T/staff.json" --options "$T/options" --origin "$ORIGIN" --pending "$id" > "$T/get"
api /api/get "$T/get"
check "enrolled, another key: the same answer as an unenrolled name" result_is no-matching-key

# ---- no one person's request holds the others (ARCHITECTURE §4.8) --------------------------
# prstaff's sign-in lock held by another process (a console sign-in waiting
# for a touch, or a frozen one): prstaff's response waits for it, prowner's
# sign-in meanwhile completes. Ordering, not time: prowner's answer arrives
# while prstaff's request has no answer yet, or only busy (the gate asks
# again for about 10 s; on a machine slower than that prstaff's page reads
# busy first). The parent used to wait for that lock itself, PR_LOCK_WAIT_MS
# = 10 s, with everyone queued behind it, and answer prstaff's refusal first.
hold_flock "$T/state/locks/prstaff+signin.lock" "$T/release.signin"
# A control client that connects and then neither writes nor reads, for as long as this lasts.
python3 -c 'import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(60)' "$SOCK" &
IDLE=$!
id=$(pending prstaff)
printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/options"
python3 "$CLIENT" get --state "$T/staff.json" --options "$T/options" --origin "$ORIGIN" --pending "$id" > "$T/get.staff"
curl -s --max-time 60 --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" -H 'Content-Type: application/json' \
	--data-binary "@$T/get.staff" "$ORIGIN/api/get" > "$T/out.staff" &
STAFF=$!
sleep 1         # prstaff's response reaches the parent first
id2=$(pending prowner)
sign_in "$id2" "$T/owner.json"
check "held lock: another user's sign-in completes" result_is ok
check "silent control client: op=create still answered while it is connected" test -n "$id2"
cp "$T/out.staff" "$T/out.staff.then"
staff_unanswered() { [ ! -s "$T/out.staff.then" ] || grep -q '"result":"busy"' "$T/out.staff.then"; }
check "held lock: ... before the held user's answer (none yet, or busy)" staff_unanswered
touch "$T/release.signin"
wait "$FLOCK_HOLDER"
wait "$STAFF"
cp "$T/out.staff" "$T/out"
# Past the gate's patience (about PR_LOCK_WAIT_MS) the page reads busy and the sign-in stays open.
result_is busy && api /api/get "$T/get.staff"
check "held lock: once released, the held user's sign-in completes" result_is ok
kill "$IDLE"; wait "$IDLE" 2>/dev/null

# ---- the audit log's lock held: busy, and nothing accepted that is not on record ---------------
# Another process holds the audit log's lock (a flock on the log itself,
# lib/audit_head.c) until this test has the gate's answers: so they came
# while it was held, and must be busy, the sign-in left open. The parent
# used to wait up to 10 s for it at every record, everyone queued behind,
# and then accept the sign-in without its record.
tok2=$(invite prstaff2)
aid=$(pending prowner)
eid=$(pending prstaff2)
printf '{"pending":"%s"}' "$aid" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/options"
python3 "$CLIENT" get --state "$T/owner.json" --options "$T/options" --origin "$ORIGIN" --pending "$aid" > "$T/get.held"
printf '{"pending":"%s","invitation":"%s"}' "$eid" "$tok2" > "$T/req.held"
check "audit lock held: by another process" hold_flock "$AUDIT" "$T/release.audit"
AHOLDER=$FLOCK_HOLDER
waiter "$aid"
# held_post PATH FILE OUT: POST FILE to the gate, the answer into OUT
held_post() {
	curl -s --max-time 60 --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" \
		-H 'Content-Type: application/json' --data-binary "@$2" "$ORIGIN$1" > "$3"
	echo >> "$3"
}
held_post /api/get "$T/get.held" "$T/out.get.held" &
GETTER=$!
held_post /api/enroll-options "$T/req.held" "$T/out.enroll.held"
wait "$GETTER"
check "audit lock held: still held when the answers came" fails test -e "$T/release.audit"
check "audit lock held: a sign-in's response is answered busy" grep -q '"result":"busy"' "$T/out.get.held"
check "audit lock held: ... op=wait has no verdict" kill -0 "$WAITER"
check "audit lock held: an invitation is answered busy, no creation options" grep -q '"result":"busy"' "$T/out.enroll.held"
touch "$T/release.audit"
wait "$AHOLDER"
api /api/get "$T/get.held"
check "audit lock free: the same response now signs in" result_is ok
wait "$WAITER"
check "audit lock free: ... op=wait reads it" grep -q "^result ok user=prowner " "$T/verdict"
check "audit lock free: ... recorded" test "$(field event) $(field result) $(field user) $(field pending)" = "auth success prowner ${aid:0:8}"
enroll_options "$eid" "$tok2"
check "audit lock free: the invitation now gets creation options" grep -q '"publicKey"' "$T/out"
check "audit lock free: ... and is recorded" test "$(field event) $(field result) $(field reason) $(field user) $(field pending)" = \
	"enroll success invitation-accepted prstaff2 ${eid:0:8}"
# The key's creation while the log's lock is held again: busy, and nothing
# judged, so the invitation is not spent (it used to be consumed before the
# record failed, and the key taken back: the person needed a new invitation).
cp "$T/out" "$T/coptions.held"
python3 "$CLIENT" create --state "$T/held2.json" --options "$T/coptions.held" --origin "$ORIGIN" \
	> "$T/create.held"
hold_flock "$AUDIT" "$T/release.audit2"
held_post /api/create "$T/create.held" "$T/out.create.held"
check "audit lock held: a key's creation is answered busy" grep -q '"result":"busy"' "$T/out.create.held"
check "audit lock held: ... the invitation is not spent" test -e "$T/state/invites/prstaff2"
touch "$T/release.audit2"
wait "$FLOCK_HOLDER"
api /api/create "$T/create.held"
check "audit lock free: the same creation now enrolls the key" result_is ok
check "audit lock free: ... recorded, the invitation spent" test "$(field event) $(field result) $(field user) $(field pending) $(test -e "$T/state/invites/prstaff2" && echo kept)" = \
	"enroll success prstaff2 ${eid:0:8} "
# Decided now (the new key signs the same sign-in in), so no expiry lands among the records read below.
sign_in "$eid" "$T/held2.json"
check "audit lock free: ... and the new key signs that sign-in in" result_is ok

# ---- connection limits and TLS ----------------------------------------------------------------
# 16 connections from 127.0.0.1 (PER_IP_LIMIT in wg_http.c, practicerunner-webgate(8)), silent.
python3 -c '
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", 443)) for _ in range(16)]
print("open", flush=True)
time.sleep(60)' > "$T/conns" &
CONNS=$!
for _ in $(seq 50); do grep -q open "$T/conns" && break; sleep 0.1; done
gate_get() {
	local from=$1; shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$T/ca.pem" --resolve "$HOST:$PORT:$from" "$@" "$ORIGIN/e/"
}
check "per address: the 17th connection from one address is refused" test "$(gate_get 127.0.0.1)" != 200
check "per address: another address is still served" test "$(gate_get 127.0.0.1 --interface 127.0.0.2)" = 200
kill "$CONNS"; wait "$CONNS" 2>/dev/null
check "per address: served again once those connections end" test "$(gate_get 127.0.0.1)" = 200
head -c 70000 /dev/zero | tr '\0' 'a' > "$T/big"
# The gate answers 413 from the headers and closes; a client still sending
# may see the close (a reset) before the answer: curl says 000 then, and is
# asked again (at most 3 times). Expect: 100-continue lets it wait instead.
big_post() {
	local code i
	for i in 1 2 3; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$T/ca.pem" \
			--resolve "$HOST:$PORT:127.0.0.1" -H 'Expect: 100-continue' --data-binary "@$T/big" "$ORIGIN/api/get")
		[ "$code" = 000 ] || break
	done
	echo "# a body over 64 KiB: $code"
	[ "$code" = 413 ]
}
check "a body over 64 KiB: 413" big_post
check "a chunked body growing over 64 KiB: the connection is closed, nothing served" \
	test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" \
	-H 'Transfer-Encoding: chunked' --data-binary "@$T/big" "$ORIGIN/api/get")" != 200
# The client allows everything (SECLEVEL=0): the refusals are the gate's.
tls() { openssl s_client -connect 127.0.0.1:443 -servername "$HOST" "$@" < /dev/null > "$T/tls" 2>&1; }
check "TLS 1.2 with an AEAD cipher: served" tls -tls1_2 -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256'
check "TLS 1.3: served" tls -tls1_3
check "TLS 1.1: refused" fails tls -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
check "TLS 1.0: refused" fails tls -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
check "TLS 1.2 with a CBC cipher: refused" fails tls -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'
stop_gate
check "the gate's log has no sanitizer report" fails grep -qE "Sanitizer|runtime error" "$T/gate.log.1"
web_policy owners true prowners
check "the gate starts again under require_physical_key = owners" start_gate
for who in prstaff nosuchuser; do
	id=$(pending $who); printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"
	check "decoys ($who): the same ids after a restart" test "$(ids "$T/out")" = "$(ids "$T/ids.$who")"
	decide "$id"
done
id=$(pending prowner)
sign_in "$id" "$T/owner.json"
check "passkey under a physical-key policy: refused" result_is class-not-allowed
check "passkey under a physical-key policy: recorded" test "$(field reason) $(field class)" = "class-not-allowed passkey"
enroll prowner "$T/owner2.json" none
check "passkey under a physical-key policy: not enrolled either" result_is class-not-allowed

# ---- a garbage signature on a real id reads as one on a decoy -----------------------------
# A stranger who claims each offered id with a hand-made response (right
# type, challenge and origin, 37 bytes of authenticator data, a garbage
# signature) must not learn which ids are real: nothing is said until a
# signature by one of the user's keys verified (the class included).
# probe USER STATE real|decoy: such a response for USER's pending sign-in
probe() {
	local id claim
	id=$(pending "$1"); printf '{"pending":"%s"}' "$id" > "$T/req"; api /api/options "$T/req"; cp "$T/out" "$T/options"
	claim=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$2")
	[ "$3" = decoy ] && claim=$(ids "$T/options" | grep -vxF "$claim" | head -n 1)
	python3 "$CLIENT" get --state "$2" --options "$T/options" --origin "$ORIGIN" --pending "$id" \
		--id "$claim" --bad-sig > "$T/get"
	api /api/get "$T/get"
}
probe prowner "$T/owner.json" decoy
check "garbage signature, decoy id: refused as no matching key" result_is no-matching-key
cp "$T/out" "$T/words.decoy"
probe prowner "$T/owner.json" real
check "garbage signature, a real id of a key policy refuses: the same answer" cmp -s "$T/words.decoy" "$T/out"
check "... recorded with the real reason" test "$(field reason) $(field user)" = "bad-signature prowner"
probe prstaff "$T/staff.json" real
check "garbage signature, a real id of an acceptable key: the same answer" cmp -s "$T/words.decoy" "$T/out"
check "... recorded with the real reason" test "$(field reason) $(field user)" = "bad-signature prstaff"

# prstaff's sign-in lock held (a console sign-in waiting for a touch): a
# garbage response is refused at once, before the lock, which it neither
# waits for nor holds (lib/signin.c judges a browser's statement first).
check "garbage signature: prstaff's sign-in lock held by another process" hold_flock "$T/state/locks/prstaff+signin.lock" "$T/release.garbage"
GHOLDER=$FLOCK_HOLDER
probe prstaff "$T/staff.json" real
check "garbage signature, the user's lock held: refused, not busy" cmp -s "$T/words.decoy" "$T/out"
check "... while the lock was still held" kill -0 "$GHOLDER"
check "... recorded with the real reason" test "$(field reason) $(field user)" = "bad-signature prstaff"
touch "$T/release.garbage"
wait "$GHOLDER"

# ---- privilege separation ------------------------------------------------------------------------
child=$(pgrep -P "$GATE_PID" | head -n 1)
check "HTTP side: a child of the root parent" test -n "$child"
check "HTTP side: runs as nobody (real, effective, saved)" \
	test "$(awk '/^Uid:/ { print $2, $3, $4 }' "/proc/$child/status")" = "65534 65534 65534"
check "HTTP side: no supplementary groups, no new privileges" \
	test "$(awk '/^Groups:/ { print NF - 1 }' "/proc/$child/status") $(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$child/status")" = "0 1"
check "HTTP side: cannot read the state directory" fails setpriv --reuid=65534 --regid=65534 --clear-groups ls "$T/state" 2>/dev/null
check "parent: still root" test "$(ps -o user= -p "$GATE_PID")" = root
check "control socket: 0660" test "$(stat -c %a "$SOCK")" = 660
chmod 666 "$SOCK"
check "control socket: an unprivileged peer is refused (SO_PEERCRED)" \
	test "$(setpriv --reuid=65534 --regid=65534 --clear-groups bash -c "$(declare -f ctl); SOCK=$SOCK; ctl op=create user=x service=s rhost=1.2.3.4 lifetime=5")" = "result not-permitted"
check "control: a malformed request is refused" test "$(ctl op=create user=x)" = "result corrupt-state"

# control_group = prowners: the connecting process's groups count, not its account's.
as_ctl() { setpriv "$@" bash -c "$(declare -f ctl); SOCK=$SOCK; ctl op=create user=prstaff service=s rhost=1.2.3.4 lifetime=5"; }
check "control group: a process that has the group (supplementary) is let in" \
	grep -qE '^pending [0-9a-f]{32} ' <(as_ctl --reuid=65534 --regid=65534 --groups="$(getent group prowners | cut -d: -f3)")
check "control group: an account in the group whose process dropped it is refused" \
	test "$(as_ctl --reuid=prowner2 --regid="$(id -g prowner2)" --clear-groups)" = "result not-permitted"

# ---- a full table: refused and recorded ------------------------------------------------------
python3 -c '
import socket, sys
last = ""
for i in range(1025):
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(10)
	s.connect(sys.argv[1])
	s.sendall(b"practicerunner-pending 1\nop=create\nuser=prstaff2\nservice=openvpn\nrhost=192.0.2.99\nlifetime=60\n\n")
	last = s.recv(1024).decode().strip()
	s.close()
print(last)' "$SOCK" > "$T/fill"
check "full table: the 1025th pending sign-in is refused (busy)" grep -qx "result busy" "$T/fill"
check "full table: recorded" sh -c "grep ' result=failure reason=busy ' '$AUDIT' | grep -q 'vpn_rhost=192.0.2.99'"

kill -9 "$child"
for _ in $(seq 50); do kill -0 "$GATE_PID" 2>/dev/null || break; sleep 0.1; done
check "child killed: the parent exits" fails kill -0 "$GATE_PID" 2>/dev/null
wait "$GATE_PID" 2>/dev/null
GATE_PID=
check "child killed: the control socket is removed" test ! -e "$SOCK"
check "child killed: no process left" fails pgrep -f "practicerunner-webgate --config $CONF"
# The HTTP account's own group as control_group would let the HTTP side use the socket.
web_policy owners true "$(id -gn nobody)"
timeout 5 "$GATE" --config "$CONF" --user nobody --page-dir "$top_srcdir/helpers/webgate/page" > "$T/gate.log" 2>&1
check "control_group = the HTTP account's own group: the gate refuses to start (exit 1)" test "$?" = 1
check "... and says why" grep -q "control_group.*own group" "$T/gate.log"
web_policy owners true prowners
# The gate's secret is never read through a symbolic link: the gate does not start.
mv "$T/state/webgate.secret" "$T/state/secret.moved"
ln -s "$T/state/secret.moved" "$T/state/webgate.secret"
timeout 20 "$GATE" --config "$CONF" --user nobody --page-dir "$top_srcdir/helpers/webgate/page" > "$T/gate.log" 2>&1
check "secret behind a symbolic link: the gate refuses to start (exit 1)" test "$?" = 1
check "... and says which file" grep -q "webgate.secret" "$T/gate.log"
check "audit log verifies" admin "" audit verify
done_testing

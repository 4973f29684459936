#!/bin/bash
# The web gate's approval page (doc/ARCHITECTURE.md §4.9): the real gate on
# a port of 127.0.0.1, driven with curl and tests/webauthn_client as
# webgate.sh drives it; an approval leaves a grant, which the real module
# under pam_wrapper, in the xrdp-sesman stack of web_grant.sh, then takes.
. "${top_srcdir:-.}/tests/integration/lib.sh"

CLIENT=$top_srcdir/tests/webauthn_client/webauthn_client.py
HOST=gate.clinic.test
PORT=$((20000 + ($$ + 7) % 20000))
ORIGIN=https://$HOST:$PORT
SOCK=$T/ctl.sock
. "$top_srcdir/tests/integration/webgate_lib.sh"

command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
python3 -c 'import cryptography' 2>/dev/null ||
	{ echo "1..0 # SKIP python3-cryptography is not installed (the test client needs it)"; exit 0; }
id nobody >/dev/null 2>&1 || { echo "1..0 # SKIP no account nobody to run the HTTP side as"; exit 0; }

trap 'stop_gate; rm -rf "$T"' EXIT

gate_certs "approve test CA"
cp "$top_srcdir/tests/softkey/test-ca.pem" "$T/anchors/"

# web_policy [EXTRA WEB LINES]: the test policy, its web section with the approval's settings.
web_policy() {
	write_policy all-users none discouraged 5 clinic.test
	printf 'web {\n  origin = "%s"\n  listen = "127.0.0.1:%s"\n  cert_file = "%s"\n  key_file = "%s"\n  control_socket = "%s"\n  grant_lifetime = 45\n%s}\n' \
		"$ORIGIN" "$PORT" "$T/gate.pem" "$T/gate.key" "$SOCK" "${1:-}" >> "$CONF"
}
# api PATH FILE [curl options]: POST FILE, the answer into $T/out
api() {
	local path=$1 file=$2; shift 2
	curl -s --max-time 30 --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" -A "approve-test/1.0" \
		-H 'Content-Type: application/json' --data-binary "@$file" "$@" "$ORIGIN$path" > "$T/out"
	local rc=$?
	echo >> "$T/out"
	return $rc
}
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$T/out" "$1"; }
result_is() { test "$(json result)" = "$1"; }
# enroll USER STATE: an invitation typed on the page of a VPN-made pending
# sign-in (issue 16's review), then the new key's creation; a gate that
# takes an invitation on its own (user and invitation, no pending id) is
# asked that way instead.
enroll() {
	local tok id
	admin "" invite "$1" || return 1
	tok=$(grep -oE '[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){6}' "$T/out" | head -n 1)
	id=$(ctl op=create "user=$1" service=openvpn rhost=127.0.0.1 lifetime=60 | awk '$1 == "pending" { print $2 }')
	printf '{"pending":"%s","invitation":"%s"}' "$id" "$tok" > "$T/req"
	api /api/enroll-options "$T/req" || return 1
	if result_is bad-request; then
		id=
		printf '{"user":"%s","invitation":"%s"}' "$1" "$tok" > "$T/req"
		api /api/enroll-options "$T/req" || return 1
	fi
	cp "$T/out" "$T/coptions"
	python3 "$CLIENT" create --state "$2" --options "$T/coptions" --origin "$ORIGIN" --fmt fido-u2f \
		--ca-key "$top_srcdir/tests/softkey/test-ca.key" --ca-cert "$top_srcdir/tests/softkey/test-ca.pem" \
		> "$T/create" || return 1
	api /api/create "$T/create"
}
# options USER [curl options]: POST /api/approve-options; the answer kept in $T/options
options() {
	local user=$1; shift
	printf '{"user":"%s"}' "$user" > "$T/req"
	api /api/approve-options "$T/req" "$@"
	cp "$T/out" "$T/options"
}
# approve USER STATE [client options]: the page's two steps, as gate.js makes them
approve() {
	local user=$1 state=$2; shift 2
	options "$user" || return 1
	python3 "$CLIENT" get --state "$state" --options "$T/options" --origin "$ORIGIN" \
		--pending "$(json pending)" "$@" > "$T/get" || return 1
	api /api/get "$T/get"
}
field() { audit_field "$1"; }
grant_field() { sed -n 2p "$T/state/grants/$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
shape() { python3 -c '
import json, sys
def s(v):
    if isinstance(v, dict): return {k: s(x) for k, x in v.items()}
    if isinstance(v, list): return [s(x) for x in v]
    return type(v).__name__
print(json.dumps(s(json.load(open(sys.argv[1]))), sort_keys=True))' "$1"; }

# The xrdp-sesman stack of web_grant.sh (lib.sh's sesman_stack: the password, then the
# module): xrdp answers every hidden prompt with the password.
[ -n "$PAM_MATRIX" ] || { echo "1..0 # SKIP pam_wrapper's pam_matrix.so (the password in the stack) is not installed"; exit 0; }
export PAMRUN_ANSWERS=$T/answers PAMRUN_RHOST=
printf 'Password\tsecret-password\nPIN\tsecret-password\n' > "$T/answers"
sesman_stack

web_policy
check "the gate starts with the approval page" start_gate /approve
curl -s -D "$T/headers" -o "$T/page" --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" "$ORIGIN/approve"
check "page: /approve is served with the strict CSP" grep -qi "^content-security-policy: default-src 'none'" "$T/headers"
for el in 'input id="user"' 'button id="approve"' 'div id="status"'; do
	check "page: has $el (a browser test drives it)" grep -q "<$el" "$T/page"
done
check "page: the module's refusal points here" grep -q 'APPROVE_PATH "/approve"' "$top_srcdir/pam/grant.c"

enroll prstaff "$T/staff.json"
check "setup: prstaff enrolls a key in the browser" result_is ok
enroll prowner "$T/owner.json"
check "setup: prowner enrolls another" result_is ok
admin "" key list prstaff
STAFF_KEY=$(awk '$4 == "browser" { print $2 }' "$T/out" | head -n 1)
check "setup: prstaff's key id known" test -n "$STAFF_KEY"

# ---- approved, then taken by the xrdp-sesman stack -----------------------------------
approve prstaff "$T/staff.json"
check "approve: ok" result_is ok
check "approve: says the real lifetime" test "$(json message)" = "Approved. Sign in to the remote desktop within 45 seconds."
check "approve: recorded as the VPN page's sign-ins are" \
	test "$(field event) $(field result) $(field user) $(field method) $(field service) $(field path) $(field origin) $(field rhost) $(field class)" = \
	"auth success prstaff webauthn xrdp-sesman webgate $ORIGIN 127.0.0.1 physical"
check "approve: record has user agent, pending id and flags" \
	test -n "$(field user_agent)" -a "$(field pending)" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pending"][:8])' "$T/options")" -a "$(field flags)" = "0x01:UP"
# An approval has no VPN side: the browser's address is its rhost, and nothing claims a VPN client's.
check "approve: no vpn_rhost (the browser's address is rhost)" test -z "$(field vpn_rhost)"
WEB_GRANT=$(field detail | sed -n 's/^web-grant%20\([0-9a-f]\{16\}\)$/\1/p')
check "approve: the record names the grant" test -n "$WEB_GRANT"
check "grant: on file for prstaff" test -f "$T/state/grants/prstaff"
check "grant: its id is the record's" test "$(grant_field prstaff id)" = "$WEB_GRANT"
check "grant: for xrdp-sesman, bound to no address (xrdp gives none)" \
	test "$(grant_field prstaff service) $(grant_field prstaff rhost)" = "xrdp-sesman -"
check "grant: lives web { grant_lifetime }" \
	test $(( $(grant_field prstaff expires) - $(grant_field prstaff created) )) = 45
check "grant: names the key that answered, with its flags" \
	test "$(grant_field prstaff key) $(grant_field prstaff flags)" = "$STAFF_KEY 0x01"
check "rdp: the xrdp-sesman stack signs prstaff in" expect_pam PAM_SUCCESS xrdp-sesman prstaff auth ""
check "rdp: recorded with the web sign-in's grant id" \
	test "$(field event) $(field result) $(field method) $(field detail)" = "auth success web-grant web-grant%20$WEB_GRANT"
check "rdp: the grant is spent" test ! -e "$T/state/grants/prstaff"
check "rdp: a second sign-in is refused" expect_pam PAM_AUTH_ERR xrdp-sesman prstaff auth ""
check "rdp: ... recorded" test "$(field result) $(field method)" = "failure web-grant"
check "rdp: ... with what was missing" grep -q "no%20web%20grant" <(tail -n 1 "$AUDIT")
api /api/get "$T/get"
check "the same response again: refused" result_is replay
check "... and leaves no grant" test ! -e "$T/state/grants/prstaff"

# ---- nothing before a key answered tells who exists or is enrolled ---------------------
options prstaff; shape "$T/out" > "$T/shape.enrolled"
for who in prstaff2 nosuchuser prowner; do
	approve "$who" "$T/staff.json"
	shape "$T/options" > "$T/shape.$who"
	check "$who: options have the enrolled shape" cmp -s "$T/shape.enrolled" "$T/shape.$who"
	check "$who: refused in the words every name gets" result_is no-matching-key
	cp "$T/out" "$T/words.$who"
	check "$who: no grant" test ! -e "$T/state/grants/$who"
done
check "unenrolled and unknown read the same" cmp -s "$T/words.prstaff2" "$T/words.nosuchuser"
check "enrolled, another key: reads the same" cmp -s "$T/words.prstaff2" "$T/words.prowner"
check "enrolled, another key: recorded for the account" test "$(field user) $(field result)" = "prowner failure"

# ---- misdirected responses -------------------------------------------------------------------
options prstaff
python3 "$CLIENT" get --state "$T/staff.json" --options "$T/options" --origin "https://evil.clinic.test:$PORT" \
	--pending "$(json pending)" > "$T/get"
api /api/get "$T/get"
check "wrong origin: refused" result_is no-matching-key
check "wrong origin: recorded" test "$(field user) $(field reason) $(field service)" = "prstaff origin-mismatch xrdp-sesman"
check "wrong origin: recorded with the browser's address as rhost, no vpn_rhost" \
	test "$(field rhost)/$(field vpn_rhost)" = "127.0.0.1/"
check "wrong origin: no grant" test ! -e "$T/state/grants/prstaff"
approve prstaff "$T/staff.json" --challenge "$(python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode())')"
check "wrong challenge: refused" result_is no-matching-key
check "wrong challenge: recorded" test "$(field result) $(field reason)" = "failure challenge-mismatch"
check "wrong challenge: no grant" test ! -e "$T/state/grants/prstaff"

# ---- the grant's lock held after the key answered: decided once, not sent again ---------------
# (a resend would be judged a second time: a false cloned key, or a second
# acceptance of a key without a counter)
hold_flock "$T/state/locks/prstaff+grant.lock" "$T/release.grant"
approve prstaff "$T/staff.json"
check "grant lock held: not approved" fails result_is ok
check "grant lock held: not answered busy (the page would send it again)" fails result_is busy
check "grant lock held: recorded as busy" test "$(field result) $(field reason) $(field user)" = "failure busy prstaff"
check "grant lock held: judged once (no resend read as a cloned key)" fails grep -q "reason=counter-regression" "$AUDIT"
api /api/get "$T/get"
check "grant lock held: the same response again is a replay" result_is replay
touch "$T/release.grant"
wait "$FLOCK_HOLDER"
approve prstaff "$T/staff.json"
check "grant lock free again: approved" result_is ok
rm -f "$T/state/grants/prstaff"

# ---- a stranger cannot fill the table -------------------------------------------------------
for i in 1 2 3 4; do options "nosuchuser$i" --interface 127.0.0.3; done
check "cap: four open approvals from one address are allowed" test -n "$(json pending)"
options prstaff --interface 127.0.0.3
check "cap: a fifth from that address is refused" result_is busy
check "cap: in plain words" test "$(json message)" = "Too many sign-ins are in progress for this account or from this address. Wait a minute, then try again."
check "cap: recorded" test "$(field result) $(field reason) $(field rhost)" = "failure busy 127.0.0.3"
options prstaff --interface 127.0.0.2
check "cap: another address is not held up" test -n "$(json pending)"

# ---- a service that gives PAM_RHOST: the grant is bound to the browser's address -----------
stop_gate
check "the gate's log has no sanitizer report" fails grep -qE "Sanitizer|runtime error" "$T/gate.log.1"
web_policy $'  grant_service = "rdp-gateway"\n'
check "the gate starts with grant_service = rdp-gateway" start_gate /approve
approve prstaff "$T/staff.json"
check "rdp-gateway: approved" result_is ok
check "rdp-gateway: the grant is bound to the browser's address" \
	test "$(grant_field prstaff service) $(grant_field prstaff rhost)" = "rdp-gateway 127.0.0.1"
check "rdp-gateway: and says so in the record" test "$(field service)" = rdp-gateway
stop_gate
web_policy $'  grant_service = "rdp gateway"\n'
check "policy: a grant_service that is no service name is refused" fails admin "" policy check
check "... naming the key" out_has "grant_service"
web_policy
check "audit log verifies" admin "" audit verify
done_testing

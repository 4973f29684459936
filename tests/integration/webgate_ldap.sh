#!/bin/bash
# The web gate with the clinic directory as its store (store = ldap, a
# private slapd from slapd_lib.sh through lib.sh's TEST_STORE=ldap). LDAP
# matches uid without regard to case, so uid=PRSTAFF finds prstaff's entry:
# a name typed in another case must get exactly what a name that is no
# account gets, never the account's real credential ids padded with decoys
# made from the typed name (comparing the ids offered for "prstaff" and
# "PRSTAFF" would then show which are real). The approval page's and a
# VPN sign-in's options both, and nothing written to the entry under that
# name.
export TEST_STORE=ldap
. "${top_srcdir:-.}/tests/integration/lib.sh"

HOST=gate.clinic.test
PORT=$(slapd_free_port)
ORIGIN=https://$HOST:$PORT
SOCK=$T/ctl.sock
DT=$top_builddir/tests/integration/dirtool
. "$top_srcdir/tests/integration/webgate_lib.sh"

command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
id nobody >/dev/null 2>&1 || { echo "1..0 # SKIP no account nobody to run the HTTP side as"; exit 0; }
[ -x "$DT" ] || { echo "Bail out! $DT is not built"; exit 1; }

# slapd_lib.sh's trap stops slapd and removes $T; the gate goes first.
trap 'stop_gate; slapd_stop_all' EXIT

gate_certs "webgate ldap test CA"
cp "$top_srcdir/tests/softkey/test-ca.pem" "$T/anchors/"
write_policy all-users none discouraged 5 clinic.test
printf 'web {\n  origin = "%s"\n  listen = "127.0.0.1:%s"\n  cert_file = "%s"\n  key_file = "%s"\n  control_socket = "%s"\n}\n' \
	"$ORIGIN" "$PORT" "$T/gate.pem" "$T/gate.key" "$SOCK" >> "$CONF"

# offered NAME PATH BODY: the credential ids the page would offer, sorted, one a line, into $T/ids.NAME
offered() {
	curl -s --max-time 30 --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" \
		-H 'Content-Type: application/json' --data-binary "$3" "$ORIGIN$2" |
	python3 -c 'import json, sys
for c in json.load(sys.stdin)["publicKey"]["allowCredentials"]:
	print(c["id"])' | sort > "$T/ids.$1"
}
approval_ids() { offered "$1" /api/approve-options "{\"user\":\"$1\"}"; }
vpn_ids() {
	local id
	id=$(ctl op=create "user=$1" service=openvpn rhost=127.0.0.1 lifetime=60 | awk '$1 == "pending" { print $2 }')
	offered "vpn-$1" /api/options "{\"pending\":\"$id\"}"
}
# The ids of prstaff's keys as the directory holds them (base64url, as the page has them).
stored_ids() {
	ldapsearch -x -H "$SLAPD_LDAPI" -D "$SLAPD_BIND_DN" -y "$SLAPD_PWFILE" -LLL -o ldif-wrap=no \
		-b "uid=prstaff,$SLAPD_BASE" -s base prCredential |
	python3 -c 'import base64, re, sys
for line in sys.stdin:
	m = re.match(r"prCredential(::?) (.*)", line.strip())
	if m:
		text = base64.b64decode(m.group(2)).decode() if m.group(1) == "::" else m.group(2)
		print("\n".join(re.findall(r"(?m)^id=(\S+)", text)))' | sort
}
shared() { comm -12 "$T/ids.$1" "$T/ids.$2"; }
lengths() { awk '{ print length($0) }' "$T/ids.$1" | sort | uniq -c; }

new_key staff yubikey5
check "setup: prstaff enrolls a key into the directory" admin "$T/staff.key" key enroll prstaff
stored_ids > "$T/real"
check "setup: the directory holds its id" test "$(wc -l < "$T/real")" = 1
check "the gate starts on the directory store" start_gate /approve

approval_ids prstaff; approval_ids PRSTAFF; approval_ids nosuchuser
check "approval, prstaff: 8 ids offered" test "$(wc -l < "$T/ids.prstaff")" = 8
check "approval, prstaff: its key is among them" test "$(comm -12 "$T/real" "$T/ids.prstaff")" = "$(cat "$T/real")"
check "approval, PRSTAFF: 8 ids offered" test "$(wc -l < "$T/ids.PRSTAFF")" = 8
check "approval, PRSTAFF: prstaff's key is not among them" test -z "$(comm -12 "$T/real" "$T/ids.PRSTAFF")"
check "approval, PRSTAFF: shares no id with prstaff" test -z "$(shared prstaff PRSTAFF)"
check "approval, PRSTAFF: ids as an unknown name's (all decoys, of their length)" \
	test "$(lengths PRSTAFF)" = "$(lengths nosuchuser)"
approval_ids PRSTAFF; cp "$T/ids.PRSTAFF" "$T/ids.again"
check "approval, PRSTAFF: the same ids each time, as an unknown name's" cmp -s "$T/ids.again" "$T/ids.PRSTAFF"

vpn_ids prstaff; vpn_ids PRSTAFF; vpn_ids pRsTaFf
check "VPN sign-in, prstaff: its key is offered" test "$(comm -12 "$T/real" "$T/ids.vpn-prstaff")" = "$(cat "$T/real")"
check "VPN sign-in, PRSTAFF: shares no id with prstaff" test -z "$(shared vpn-prstaff vpn-PRSTAFF)"
check "VPN sign-in, pRsTaFf: shares no id with prstaff" test -z "$(shared vpn-prstaff vpn-pRsTaFf)"
check "VPN sign-in, PRSTAFF: the approval page's ids for that name" cmp -s "$T/ids.vpn-PRSTAFF" "$T/ids.PRSTAFF"

# Nothing is ever written to prstaff's entry under another case of the name.
"$DT" "$CONF" enroll PRSTAFF other-case > "$T/out" 2>&1
check "directory: a key for PRSTAFF is refused as another name's entry" grep -q "^error invalid-argument: .*another uid" "$T/out"
check "directory: prstaff's entry still holds its one key" test "$(stored_ids)" = "$(cat "$T/real")"
"$DT" "$CONF" load PRSTAFF > "$T/out" 2>&1
check "directory: PRSTAFF loads no key" test ! -s "$T/out"

stop_gate
check "the gate's log has no sanitizer report" fails grep -qE "Sanitizer|runtime error" "$T/gate.log.1"
done_testing

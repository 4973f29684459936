#!/bin/bash
# The policy's web { } section (the web gate): policy check's refusals
# (rp id a browser would not use at the gate, the gate's key exposed),
# policy show, and coverage naming users whose keys the gate cannot use.
. "$top_srcdir/tests/integration/lib.sh"

mkdir -p "$T/web"
printf 'key\n' > "$T/web/key.pem"; chmod 600 "$T/web/key.pem"
printf 'cert\n' > "$T/web/cert.pem"; chmod 644 "$T/web/cert.pem"
# web_policy RP_ID [EXTRA-WEB-LINES [ORIGIN]]: the test policy plus a web section
web_policy() {
	write_policy none none discouraged 5 "$1"
	printf 'web {\n  origin = "%s"\n  cert_file = "%s"\n  key_file = "%s"\n%s}\n' \
		"${3:-https://gate.test-clinic.example:8443}" "$T/web/cert.pem" "$T/web/key.pem" \
		"${2:-}" >> "$CONF"
}
# exit_is CODE COMMAND...: the command's exit status is CODE
exit_is() { local want=$1; shift; "$@"; test $? = "$want"; }

new_key yk yubikey5
web_policy "pam://test-clinic"
check "web: enroll under a pam:// rp id" admin "$T/yk.key" key enroll prowner
check "policy check: pam:// rp id with a web gate is refused (exit 3)" \
	exit_is 3 admin "" policy check
check "policy check: says to set rp_id to a DNS domain" out_has "rp_id \"pam://test-clinic\" cannot be used by a browser"
check "coverage: names the user whose keys the gate cannot use" admin "" coverage
check "coverage: the note" out_has "web gate: prowner has only keys the web gate cannot use"
check "coverage --json: web_usable 0" admin "" coverage --json
check "coverage --json: the field" out_has '"user": "prowner".*"web_usable": 0'

web_policy "other-clinic.example"
check "policy check: an rp id the gate's host is not under is refused" \
	exit_is 3 admin "" policy check
web_policy "test-clinic.example"
check "policy check: gate under rp_id, key 0600: valid" admin "" policy check
check "policy check: says valid" out_has "policy is valid"
check "policy check: shows what xrdp-sesman grants are bound to" \
	out_has "warning: grants for xrdp-sesman are bound to user, service and time only: xrdp does not give the client address"
check "policy show: prints the web section" admin "" policy show
check "policy show: origin" out_has 'origin             = "https://gate.test-clinic.example:8443"'
check "policy show: defaults spelled out" out_has "pending_lifetime   = 120"
check "policy show: bind_client_address" out_has "bind_client_address = true"
check "policy show: grant_service" out_has 'grant_service      = "xrdp-sesman"'
web_policy "test-clinic.example" '  grant_service = "rdp-gateway"
'
check "policy check: grant_service of a service that gives PAM_RHOST: valid" admin "" policy check
check "policy check: its grants bound to the browser's address too" \
	out_has "grants for rdp-gateway are bound to user, service, time and the browser's address"
check "policy check: no weaker-binding warning then" fails out_has "warning: grants for"
web_policy "test-clinic.example"
rm -f "$T/state/users/prowner"
check "web: enroll under the DNS rp id" admin "$T/yk.key" key enroll prowner
check "coverage: a key the gate can use is not named" admin "" coverage
check "coverage: no note" bash -c '! grep -q "web gate:" "$0"' "$T/out"

chmod 640 "$T/web/key.pem"
check "policy check: a group-readable key is refused" exit_is 3 admin "" policy check
check "policy check: says how to fix it" out_has "chmod 600"
chmod 600 "$T/web/key.pem"
mv "$T/web/key.pem" "$T/web/real.pem"; ln -s real.pem "$T/web/key.pem"
check "policy check: a linked key is refused" exit_is 3 admin "" policy check
rm -f "$T/web/key.pem"; mv "$T/web/real.pem" "$T/web/key.pem"

web_policy "test-clinic.example" '  bind_client_address = false
'
check "policy check: bind_client_address = false is valid" admin "" policy check
check "policy check: but warned about" out_has "warning: web { bind_client_address = false }"
web_policy "test-clinic.example" "" "http://gate.test-clinic.example"
check "policy check: an http origin is refused" fails admin "" policy check
check "policy check: names the line" out_has "pr.conf:[0-9]*: .*origin"
done_testing

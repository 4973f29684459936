#!/bin/bash
# The web gate end to end (issue 16, "How it must be tested"): in a network
# namespace of its own (unshare -n: gone with the test, whatever happens),
# a real OpenVPN 2.6 server running practicerunner-openvpn and real clients
# (tun devices, IV_SSO=webauth, a management socket read for
# >INFOMSG:WEB_AUTH::), practicerunner-webgate on 127.0.0.1:8443 with a
# certificate from a test CA, and a headless Chromium with a WebAuthn
# virtual authenticator (tests/e2e/browser.py, one browser session for
# every case: CTAP2 with user verification, then U2F) trusting that
# certificate by its SPKI hash. A key enrolled in the browser is taken into
# a softkey (softkey-ctl import) and used at the console through the module.
if [ "$(id -u)" = 0 ] && [ -z "${PR_E2E_NETNS:-}" ] && [ -n "${PR_TESTENV:-}" ]; then
	PR_E2E_NETNS=1 exec unshare -n bash "$0" "$@"
fi
. "$top_srcdir/tests/integration/lib.sh"

PY=/usr/bin/python3
E2E=$top_srcdir/tests/e2e
for tool in openvpn chromium chromedriver openssl; do
	command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
done
command -v ip >/dev/null || { echo "1..0 # SKIP ip (iproute2) is not installed"; exit 0; }
"$PY" -c 'import selenium' 2>/dev/null || { echo "1..0 # SKIP python3-selenium is not installed"; exit 0; }
[ -c /dev/net/tun ] || { echo "1..0 # SKIP no /dev/net/tun for OpenVPN's tun devices"; exit 0; }
ip link set lo up

. "$E2E/gate_lib.sh"

# --- the gate's certificate, the VPN server's (gate_lib.sh's test CA) ---------------------
cert gate "DNS:gate.clinic.test,DNS:www.clinic.test" && cert vpn-server DNS:vpn-server
chmod 600 "$PKI"/*.key
SPKI=$(spki gate)

# --- the policy with its web { } section, and the gate --------------------------------------
ORIGIN=https://gate.clinic.test:8443
SOCK=$T/webgate.sock
web_policy() {   # web_policy PHYS_REQ [UV]
	write_policy all-users "$1" "${2:-required}" 5 clinic.test
	printf 'web {\n  origin = "%s"\n  listen = "127.0.0.1:8443"\n  cert_file = "%s"\n  key_file = "%s"\n  control_socket = "%s"\n  bind_client_address = true\n}\n' \
		"$ORIGIN" "$PKI/gate.crt" "$PKI/gate.key" "$SOCK" >> "$CONF"
}
web_policy none
check "the gate starts (as nobody, control socket and HTTPS up)" gate_start

# --- the browser: one session, commands on its standard input ---------------------------------
coproc BR { HOME=$T exec "$PY" "$E2E/browser.py" --spki "$SPKI" --map gate.clinic.test \
	--map www.clinic.test --profile "$T/profile" session 2> "$T/browser.err"; }
BROWSER_PID=$BR_PID BROWSER_IN=${BR[1]} BROWSER_OUT=${BR[0]}
browser() {   # browser COMMAND...  -> the page's answer in $T/out and $REPLY
	echo "$*" >&"$BROWSER_IN"
	REPLY=
	read -r -t 120 REPLY <&"$BROWSER_OUT"
	echo "$REPLY" > "$T/out"
}
last_record() { tail -n 1 "$AUDIT"; }
record_has() { last_record | grep -q -- "$1"; }

TOKEN_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
invite() { admin "" invite "$1" && grep -oE "$TOKEN_RE" "$T/out" | head -n 1; }

# --- OpenVPN: one server for every case -----------------------------------------------------
OVPN_DIR=$T/ovpn; mkdir -p "$OVPN_DIR"
printf '%s\n' "dev tun" "proto udp" "local 127.0.0.1" "port 1194" "server 10.77.0.0 255.255.255.0" \
	"topology subnet" "ca $PKI/ca.crt" "cert $PKI/vpn-server.crt" "key $PKI/vpn-server.key" "dh none" \
	"verify-client-cert none" "username-as-common-name" "script-security 2" \
	"auth-user-pass-verify \"$top_builddir/helpers/practicerunner-openvpn --config $CONF --lifetime 60\" via-file" \
	"hand-window 90" "auth-gen-token 43200" "tmp-dir $OVPN_DIR" "verb 4" > "$OVPN_DIR/server.conf"
openvpn --config "$OVPN_DIR/server.conf" --log "$OVPN_DIR/server.log" & PIDS="$PIDS $!"
# client NAME USER [IV_SSO] [LOCAL]  -> a client started, management at $OVPN_DIR/NAME.mgmt
client() {
	local d=$OVPN_DIR/$1
	printf '%s\n%s\n' "$2" "not-a-password" > "$d.up"
	printf '%s\n' "client" "dev tun" "proto udp" "remote 127.0.0.1 1194" "ca $PKI/ca.crt" \
		"verify-x509-name vpn-server name" "auth-user-pass $d.up" "auth-retry none" \
		"management $d.mgmt unix" "management-hold" "verb 3" ${3:+"setenv IV_SSO $3"} \
		${4:+"local $4"} ${4:+"lport 0"} > "$d.conf"
	openvpn --config "$d.conf" --log "$d.log" & PIDS="$PIDS $!"
	eval "CLIENT_$1=$!"
}
# web_auth_url NAME: the URL client NAME was sent; when none came, what the
# client and the server logged says why (on stderr, into the test's log)
web_auth_url() {
	"$PY" "$E2E/mgmt.py" "$OVPN_DIR/$1.mgmt" url 30 && return 0
	{ echo "# client $1 got no WEB_AUTH:: URL within 30 s"
	  tail -n 5 "$OVPN_DIR/$1.log" | sed "s/^/# $1: /"
	  grep -E 'MULTI: new connection by client|SIGTERM' "$OVPN_DIR/server.log" | tail -n 5 | sed 's/^/# server: /'; } >&2
	return 1
}
# OpenVPN (without duplicate-cn) closes every other session of a user name
# when one of them connects, pending ones too. A client whose sign-in was
# granted connects only when the server next looks at its auth control file,
# so the test waits for that before it starts another client of the same
# user: otherwise the late connection closes the new client's pending
# session, and its WEB_AUTH:: URL may never be sent.

# --- enrollment: the VPN client opens the page, the invitation, two touches -------------------
tok=$(invite prstaff)
client enroll prstaff webauth
url=$(web_auth_url enroll)
browser enroll "$url" "$tok"
check "browser enrollment with an invitation inside the VPN's sign-in: Signed in." sh -c 'case "$0" in *"Signed in.") ;; *) exit 1;; esac' "$REPLY"
check "... recorded: event=enroll success, path=webgate" sh -c "grep ' event=enroll result=success ' '$AUDIT' | grep -q 'path=webgate'"
check "... the VPN client reaches CONNECTED after the new key's assertion" "$PY" "$E2E/mgmt.py" "$OVPN_DIR/enroll.mgmt" state CONNECTED 30
client enroll2 prstaff webauth
url=$(web_auth_url enroll2)
browser enroll "$url" "$tok"
check "the invitation is used once" sh -c 'case "$0" in *"Signed in.") exit 1;; *"invitation is not valid"*) ;; *) exit 1;; esac' "$REPLY"

# --- the pass case ---------------------------------------------------------------------------
client ok prstaff webauth
url=$(web_auth_url ok)
check "the client is sent WEB_AUTH::$ORIGIN/p/<id>" sh -c 'echo "$0" | grep -qE "^https://gate\.clinic\.test:8443/p/[0-9a-f]{32}$"' "$url"
browser signin "$url"
check "the browser signs in: Signed in." sh -c 'case "$0" in *"Signed in.") ;; *) exit 1;; esac' "$REPLY"
check "... recorded: method=webauthn path=webgate, the browser's and the VPN's addresses" \
	sh -c "grep ' event=auth result=success ' '$AUDIT' | grep 'method=webauthn' | grep 'path=webgate' | grep -q 'vpn_rhost=127.0.0.1'"
check "the VPN client reaches CONNECTED" "$PY" "$E2E/mgmt.py" "$OVPN_DIR/ok.mgmt" state CONNECTED 30

# --- refused, and recorded ---------------------------------------------------------------------
refused() { case "$REPLY" in *"Signed in."|"") return 1;; esac; }
not_connected() { ! "$PY" "$E2E/mgmt.py" "$OVPN_DIR/$1.mgmt" state CONNECTED 2 >/dev/null; }
# failure_recorded REASON [GREP]: a failure record of a web sign-in with that reason
failure_recorded() {
	grep " result=failure reason=$1 " "$AUDIT" | grep 'path=webgate' | grep -q -- "${2:-.}"
}

# Wrong origin: the same page under another host name of the rp id's domain.
client origin prstaff webauth
url=$(web_auth_url origin)
browser signin "${url/gate.clinic.test/www.clinic.test}"
check "wrong origin (www.clinic.test): refused" refused
check "... recorded (origin-mismatch)" failure_recorded origin-mismatch
check "... the VPN client is not let in" not_connected origin

# A replayed response: the browser's own answer posted a second time.
client replay prstaff webauth
url=$(web_auth_url replay)
browser replay "$url"
check "replay: the first answer signs in, the second is refused" sh -c \
	'case "$0" in *"Signed in. | "*) case "$0" in *"| Signed in."|*"| ok") exit 1;; esac;; *) exit 1;; esac' "$REPLY"
check "... recorded" sh -c "grep ' result=failure ' '$AUDIT' | grep 'path=webgate' | grep -qE 'reason=(replay|challenge-mismatch|expired|not-found)'"
check "... the VPN client reaches CONNECTED (the first answer)" "$PY" "$E2E/mgmt.py" "$OVPN_DIR/replay.mgmt" state CONNECTED 30

# A URL opened from another address: the VPN client comes from 127.0.0.2,
# the browser from 127.0.0.1 (bind_client_address = true).
client addr prstaff webauth 127.0.0.2
url=$(web_auth_url addr)
browser signin "$url"
check "another address than the VPN client's: refused" refused
check "... recorded (address-mismatch, both addresses)" failure_recorded address-mismatch 'vpn_rhost=127.0.0.2'
check "... the VPN client is not let in" not_connected addr

# An expired id: a pending sign-in of 2 seconds, opened after 3.
run_ovpn() {   # run_ovpn USER LIFETIME: practicerunner-openvpn as OpenVPN runs it
	rm -f "$T"/direct.*
	env -i PATH=/usr/bin:/bin username="$1" untrusted_ip=127.0.0.1 IV_SSO=webauth \
		auth_pending_file="$T/direct.pending" auth_control_file="$T/direct.control" \
		"$top_builddir/helpers/practicerunner-openvpn" --config "$CONF" --lifetime "$2" "$T/direct.up" >/dev/null 2>&1
}
run_ovpn prstaff 2
url=$(sed -n 's/^WEB_AUTH:://p' "$T/direct.pending")
sleep 3
browser signin "$url"
check "an expired id: refused" refused
check "... recorded (expired)" sh -c "grep ' result=failure reason=expired ' '$AUDIT' | grep -q 'path=webgate'"
check "... OpenVPN is told 0" sh -c "for i in \$(seq 50); do [ -s '$T/direct.control' ] && break; sleep 0.1; done; test \"\$(cat '$T/direct.control')\" = 0"

# An unenrolled user. The page offers their (decoy) credential id, which no
# key holds, so a browser cannot even answer: nothing reaches the gate. The
# attempt that does reach it is an answer made with another user's key
# (prstaff's, in this authenticator).
client unenrolled prstaff2 webauth
url=$(web_auth_url unenrolled)
browser signin "$url"
check "an unenrolled user: the browser has no key to answer with" refused
browser signin-any "$url"
check "an unenrolled user, answered with another user's key: refused" refused
check "... recorded" sh -c "grep ' result=failure ' '$AUDIT' | grep 'path=webgate' | grep 'user=prstaff2' | grep -qE 'reason=(not-enrolled|no-matching-key|replay|expired)'"
check "... the VPN client is not let in" not_connected unenrolled

# A client without IV_SSO: refused by practicerunner-openvpn with the text.
client nosso prstaff
"$PY" "$E2E/mgmt.py" "$OVPN_DIR/nosso.mgmt" url 3 >/dev/null
for _ in $(seq 100); do grep -q AUTH_FAILED "$OVPN_DIR/nosso.log" && break; sleep 0.1; done
check "a client without IV_SSO: AUTH_FAILED with the clients to use" grep -q "AUTH_FAILED,.*OpenVPN Connect 3" "$OVPN_DIR/nosso.log"
check "... recorded (path=openvpn, not-permitted)" sh -c "grep ' result=failure reason=not-permitted ' '$AUDIT' | grep -q 'path=openvpn'"

# A passkey under a physical-key policy: prowner enrolls the virtual
# authenticator's key (no trusted attestation: a passkey) while owners need
# none; then the policy asks owners for a physical key.
tok=$(invite prowner)
client pkenroll prowner webauth
url=$(web_auth_url pkenroll)
browser enroll "$url" "$tok"
check "prowner enrolls a passkey while the policy allows one" sh -c 'case "$0" in *"Signed in.") ;; *) exit 1;; esac' "$REPLY"
check "... the VPN client reaches CONNECTED" "$PY" "$E2E/mgmt.py" "$OVPN_DIR/pkenroll.mgmt" state CONNECTED 30
web_policy owners
check "the gate restarts under require_physical_key = owners" gate_start
client passkey prowner webauth
url=$(web_auth_url passkey)
browser signin "$url"
check "a passkey under a physical-key policy: refused" refused
check "... recorded (class-not-allowed)" failure_recorded class-not-allowed 'user=prowner'
check "... the VPN client is not let in" not_connected passkey
check "the audit log verifies" admin "" audit verify

# A browser-enrolled key at the console. The virtual authenticator's
# credentials come out with their private keys (WebAuthn.getCredentials);
# prstaff's, taken into a softkey (softkey-ctl import: same id, same key,
# its counter continued), signs in at the console through the real module:
# a passkey, which prstaff's policy allows, with the softkey's PIN for
# user_verification = required.
browser export "$T/creds.json"
check "the virtual authenticator's keys can be exported" \
	sh -c "'$PY' -c 'import json,sys; c=json.load(sys.stdin); sys.exit(not (c and all(k.get(\"privateKey\") for k in c)))' < '$T/creds.json'"
# console_cred USER: the exported credential USER enrolled (found by its id in
# the store), its key into $T/console.pk8 (0600); prints
# "RP_ID ID_BASE64 ID_BASE64URL SIGN_COUNT"
console_cred() {
	(umask 077; "$PY" -c '
import base64, json, sys
ids = {f[3:] for f in (l.split(" ")[0] for l in open(sys.argv[2])) if f.startswith("id=")}
for c in json.load(open(sys.argv[1])):
    u = base64.urlsafe_b64encode(base64.b64decode(c["credentialId"])).decode().rstrip("=")
    if u in ids:
        open(sys.argv[3], "w").write(c["privateKey"] + "\n")
        print(c["rpId"], c["credentialId"], u, c["signCount"])
        sys.exit(0)
sys.exit(1)' "$T/creds.json" "$T/state/users/$1" "$T/console.pk8")
}
read -r c_rp c_id c_idurl c_count <<< "$(console_cred prstaff)"
check "prstaff's browser credential is among them (rp id ${c_rp:-?}, sign count ${c_count:-?})" \
	test -n "$c_count" -a "$c_rp" = clinic.test
new_key console yubikey5 --pin 4711
import_console() {
	"$CTL" import --state "$T/console.key" --rp-id "$c_rp" --id "$c_id" \
		--key-file "$T/console.pk8" --sign-count "${c_count:-0}" > "$T/out" 2>&1
}
check "softkey-ctl import takes it into a softkey" import_console
# stored_count USER ID_BASE64URL: the sign count the store holds for that credential
stored_count() { grep "^id=$2 " "$T/state/users/$1" | sed -n 's/.* sign_count=\([0-9]*\) .*/\1/p'; }
c_stored=$(stored_count prstaff "$c_idurl")
service login ""
PAMRUN_PIN=4711 check "the browser-enrolled key signs in at the console (login, module under pam_wrapper)" \
	expect_pam PAM_SUCCESS login prstaff auth "$T/console.key"
check "... recorded: that credential, service=login, not through the gate" sh -c \
	"tail -n 1 '$AUDIT' | grep ' event=auth result=success ' | grep ' user=prstaff ' | grep ' service=login ' | grep -v 'path=webgate' | grep -q ' cred_id=$c_idurl '"
# (The module's silent probe is an assertion too: the count may grow by more than one.)
c_now=$(audit_field sign_count)
check "... its counter continues from the browser's: ${c_now:-?} > ${c_count:-?} (the gate stored ${c_stored:-?})" \
	sh -c 'test "$0" -gt "$1" && test "$1" -ge "$2"' "$c_now" "$c_count" "$c_stored"
check "... and the store follows it" test "$(stored_count prstaff "$c_idurl")" = "$c_now"

# A U2F key (CTAP1: fido-u2f attestation, no user verification) in the
# browser, for prstaff2. Under user_verification = required the browser does
# not offer it at all, so the gate runs under preferred for this case; the
# browser's U2F attestation certificate chains to no trust anchor, so the
# key is a passkey.
web_policy none preferred
check "the gate restarts under user_verification = preferred" gate_start
browser authenticator u2f
check "the browser's authenticator is now a U2F key" test "$REPLY" = "authenticator u2f"
tok=$(invite prstaff2)
client u2fenroll prstaff2 webauth
url=$(web_auth_url u2fenroll)
browser enroll "$url" "$tok"
check "a U2F key enrolls in the browser with an invitation: Signed in." sh -c 'case "$0" in *"Signed in.") ;; *) exit 1;; esac' "$REPLY"
check "... stored with its fido-u2f attestation, as a passkey" \
	grep -q ' class=passkey kind=fido .* fmt=fido-u2f ' "$T/state/users/prstaff2"
check "... recorded: event=enroll success, path=webgate" \
	sh -c "grep ' event=enroll result=success ' '$AUDIT' | grep ' user=prstaff2 ' | grep -q 'path=webgate'"
check "... the VPN client reaches CONNECTED" "$PY" "$E2E/mgmt.py" "$OVPN_DIR/u2fenroll.mgmt" state CONNECTED 30
client u2f prstaff2 webauth
url=$(web_auth_url u2f)
browser signin "$url"
check "the U2F key signs in through the VPN's sign-in: Signed in." sh -c 'case "$0" in *"Signed in.") ;; *) exit 1;; esac' "$REPLY"
check "... recorded: method=webauthn path=webgate, UP without UV" sh -c \
	"grep ' event=auth result=success ' '$AUDIT' | grep ' user=prstaff2 ' | grep 'method=webauthn' | grep 'path=webgate' | grep -q ' flags=0x01:UP '"
check "... the VPN client reaches CONNECTED" "$PY" "$E2E/mgmt.py" "$OVPN_DIR/u2f.mgmt" state CONNECTED 30
check "the audit log still verifies" admin "" audit verify

[ "$TAP_FAILED" = 0 ] || sed "s/^/# browser: /" "$T/browser.err" | tail -n 20
done_testing

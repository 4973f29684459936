#!/bin/bash
# practicerunner-openvpn on its own, as OpenVPN runs it (the environment of
# auth-user-pass-verify via-file), against a stand-in for the web gate's
# control socket (ctl_stub.py): the refusal of a client without web
# authentication, with its text and record; the pending file; the verdict
# in the control file, "1" only for a success of the same user; a gate that
# is not there. The browser and OpenVPN itself: webvpn.sh.
. "$top_srcdir/tests/integration/lib.sh"

OVPN=$top_builddir/helpers/practicerunner-openvpn
PY=/usr/bin/python3
write_policy all-users none
SOCK=$T/gate.sock
"$PY" "$top_srcdir/tests/e2e/ctl_stub.py" "$SOCK" & STUB=$!
trap 'kill $STUB 2>/dev/null; wait $STUB 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

# run USER IV_SSO  -> exit status in $RC; OpenVPN's files in $T/ovpn.*
run() {
	rm -f "$T"/ovpn.*
	env -i PATH=/usr/bin:/bin username="$1" untrusted_ip=10.9.0.5 untrusted_port=40000 \
		${2:+IV_SSO=$2} auth_pending_file="$T/ovpn.pending" auth_control_file="$T/ovpn.control" \
		auth_failed_reason_file="$T/ovpn.reason" \
		"$OVPN" --config "$CONF" --socket "$SOCK" --service openvpn --lifetime 90 "$T/ovpn.nosuchfile" \
		> "$T/out" 2>&1
	RC=$?
}
# The control file within 10 s.
control() {
	local i
	for i in $(seq 100); do [ -s "$T/ovpn.control" ] && break; sleep 0.1; done
	cat "$T/ovpn.control" 2>/dev/null
}
requests() { { wc -l < "$SOCK.log"; } 2>/dev/null || echo 0; }

# --- a client that cannot open the page -----------------------------------------
for sso in "" "openurl,crtext" "webauthx,crtext"; do
	before=$(requests)
	run prstaff "$sso"
	check "IV_SSO='$sso': refused (exit 1)" test "$RC" = 1
	check "IV_SSO='$sso': the reason names clients that can" grep -q "OpenVPN Connect 3, openvpn-gui 2.6 or openvpn3-linux" "$T/ovpn.reason"
	check "IV_SSO='$sso': no pending file, the gate not asked" sh -c "test ! -e '$T/ovpn.pending' && test $(requests) = $before"
	check "IV_SSO='$sso': recorded" sh -c "tail -n 1 '$AUDIT' | grep -q 'event=auth result=failure reason=not-permitted user=prstaff' &&
		tail -n 1 '$AUDIT' | grep -q 'rhost=10.9.0.5' && tail -n 1 '$AUDIT' | grep -q 'path=openvpn' &&
		tail -n 1 '$AUDIT' | grep -q 'method=webauthn'"
done
run "../etc" webauth
check "a user name that is no name: refused, recorded as (unknown)" sh -c \
	"test $RC = 1 && tail -n 1 '$AUDIT' | grep -q 'user=(unknown)'"

# --- deferred: the pending file, then the verdict -----------------------------------
echo "result ok user=prstaff aal=2 class=passkey" > "$SOCK.verdict"
run prstaff "openurl,webauth,crtext"
check "IV_SSO with webauth: deferred (exit 2)" test "$RC" = 2
check "the gate was asked for this user, service, address and lifetime" \
	grep -qx "practicerunner-pending 1|op=create|user=prstaff|service=openvpn|rhost=10.9.0.5|lifetime=90||" "$SOCK.log"
check "auth_pending_file: timeout, webauth, WEB_AUTH::URL" \
	sh -c "'$PY' -c \"import re,sys; sys.exit(not re.fullmatch(r'90\\nwebauth\\nWEB_AUTH::https://gate\\.clinic\\.test/p/[0-9a-f]{32}\\n', sys.stdin.read()))\" < '$T/ovpn.pending'"
check "a success of the same user: control file 1" test "$(control)" = 1
id=$(sed -n 's|^WEB_AUTH::.*/p/||p' "$T/ovpn.pending")
check "the waiter asked for the verdict on that id" grep -qx "practicerunner-pending 1|op=wait|pending=$id||" "$SOCK.log"

for verdict in "result origin-mismatch" "result expired" "result replay" \
	"result ok user=prstaff2 aal=2 class=passkey" "result ok user=prstaff" "garbage"; do
	echo "$verdict" > "$SOCK.verdict"
	run prstaff webauth
	check "verdict '$verdict': deferred, then control file 0" sh -c "test $RC = 2 && test \"\$(cat '$T/ovpn.pending' | wc -l)\" = 3" 
	check "verdict '$verdict': control file 0" test "$(control)" = 0
done

# --- no gate ---------------------------------------------------------------------------
kill $STUB; wait $STUB 2>/dev/null; rm -f "$SOCK"
run prstaff webauth
check "no gate: refused (exit 1), nothing pending" sh -c "test $RC = 1 && test ! -e '$T/ovpn.pending'"
check "no gate: the reason says to try again and whom to tell" grep -q "not available. Try again" "$T/ovpn.reason"
check "no gate: recorded" sh -c "tail -n 1 '$AUDIT' | grep -q 'event=auth result=failure reason=io-error user=prstaff'"
check "the audit log verifies" admin "" audit verify
done_testing

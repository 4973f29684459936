#!/bin/bash
# Remote desktop through the web gate end to end (issue 17, "How it must be
# tested"): a real xrdp 0.9 and xrdp-sesman (Debian's xrdp) on 127.0.0.1,
# sesman's PAM stack from this test's pam.d through pam_wrapper (pam_unix
# checking a test password, then pam_practicerunner.so web_grant), a real
# RDP client (xfreerdp under Xvfb, /cert:ignore, the credentials sent for
# autologon so that xrdp hands them to sesman), and the approval made by a
# headless Chromium with a WebAuthn virtual authenticator on the gate's
# /approve page (tests/e2e/browser.py).
#
# Every case is decided from sesman's log (its authentication result) and
# the audit log, never from timing. After the first accepted sign-in the
# desktop session is checked too: sesman starts Xvnc (Debian's
# tigervnc-standalone-server; sesman needs no systemd for it) as the test
# account, with a home on a tmpfs, and xrdp connects to it. Without Xvnc
# that one check is skipped, saying so.
#
# Namespaces, so that nothing is left behind: a network namespace of its own
# (unshare -n: the ports 3389, 3350 and 8443 are free there, and gone with
# it), and a mount namespace in which a tmpfs lies over /tmp (Xvfb's lock
# and socket, xvfb-run's directory), /etc/xrdp is a temporary copy (xrdp
# reads its RSA keys, key maps and sesman's port from there whatever -c
# says), /run/xrdp is empty (pid files, sockets), /home holds the two
# accounts' homes (Xvnc's password file, .Xauthority) and /etc/shadow is a
# copy with their test password. And a PID namespace, of
# which this script is the first process: sesman forks a session process
# per sign-in that outlives its parent and waits for an X server; when the
# script ends, the kernel ends every process left in the namespace.
if [ "$(id -u)" = 0 ] && [ -z "${PR_E2E_NETNS:-}" ] && [ -n "${PR_TESTENV:-}" ]; then
	PR_E2E_NETNS=1 exec unshare -n -m -p -f --kill-child --mount-proc --propagation private bash "$0" "$@"
fi
if [ -n "${PR_E2E_NETNS:-}" ]; then
	mount -t tmpfs -o mode=1777 prxrdp /tmp || { echo "Bail out! cannot mount a tmpfs on /tmp"; exit 1; }
fi
. "$top_srcdir/tests/integration/lib.sh"

PY=/usr/bin/python3
E2E=$top_srcdir/tests/e2e
for tool in xrdp xrdp-sesman xrdp-keygen xfreerdp xvfb-run chromium chromedriver openssl; do
	command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
done
command -v ip >/dev/null || { echo "1..0 # SKIP ip (iproute2) is not installed"; exit 0; }
"$PY" -c 'import selenium' 2>/dev/null || { echo "1..0 # SKIP python3-selenium is not installed"; exit 0; }
[ -d /etc/xrdp ] || { echo "1..0 # SKIP /etc/xrdp is missing (xrdp not installed as a package)"; exit 0; }
[ -n "${PR_E2E_NETNS:-}" ] || { echo "1..0 # SKIP needs root and its own namespaces (run through make check)"; exit 0; }
ip link set lo up

. "$E2E/gate_lib.sh"

# --- the test accounts' password, seen by pam_unix in this namespace only ---------------
PASSWORD=rdp-Test-pw-17
HASH=$(openssl passwd -6 "$PASSWORD")
cp -p /etc/shadow "$T/shadow"
awk -F: -v OFS=: -v h="$HASH" '$1 == "prowner" || $1 == "prstaff" { $2 = h } { print }' /etc/shadow > "$T/shadow.new" &&
	cat "$T/shadow.new" > "$T/shadow" && rm -f "$T/shadow.new"
mount --bind "$T/shadow" /etc/shadow || { echo "Bail out! cannot bind the shadow copy"; exit 1; }

# --- xrdp's files: /etc/xrdp and /run/xrdp for this namespace ----------------------------
X=$T/xrdp; mkdir -p "$X/etc" "$X/log"
cp /etc/xrdp/km-*.ini /etc/xrdp/xrdp_keyboard.ini "$X/etc/" 2>/dev/null
xrdp-keygen xrdp "$X/etc/rsakeys.ini" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$X/etc/key.pem" \
	-out "$X/etc/cert.pem" -days 2 -subj /CN=xrdp-test 2>/dev/null
chmod 600 "$X/etc/key.pem" "$X/etc/rsakeys.ini"
printf '%s\n' "[Globals]" "ListenAddress=127.0.0.1" "ListenPort=3350" "EnableUserWindowManager=false" \
	"DefaultWindowManager=$X/etc/startwm.sh" "ReconnectScript=/bin/true" \
	"[Security]" "AllowRootLogin=false" "MaxLoginRetry=4" "AlwaysGroupCheck=false" \
	"[Sessions]" "X11DisplayOffset=10" "MaxSessions=10" "KillDisconnected=true" "Policy=Default" \
	"[Logging]" "LogFile=$X/log/sesman.log" "LogLevel=DEBUG" "EnableSyslog=false" \
	"[Xvnc]" "param=Xvnc" "param=-bs" "param=-nolisten" "param=tcp" "param=-localhost" \
	"[Chansrv]" "FuseMountName=thinclient_drives" "[ChansrvLogging]" "LogLevel=INFO" "EnableSyslog=false" \
	> "$X/etc/sesman.ini"
printf '%s\n' "[Globals]" "ini_version=1" "fork=true" "port=tcp://127.0.0.1:3389" "security_layer=negotiate" \
	"crypt_level=high" "certificate=$X/etc/cert.pem" "key_file=$X/etc/key.pem" "ssl_protocols=TLSv1.2, TLSv1.3" \
	"autorun=Xvnc" "max_bpp=24" "allow_channels=true" \
	"[Logging]" "LogFile=$X/log/xrdp.log" "LogLevel=DEBUG" "EnableSyslog=false" \
	"[Xvnc]" "name=Xvnc" "lib=libvnc.so" "username=ask" "password=ask" "ip=127.0.0.1" "port=-1" \
	> "$X/etc/xrdp.ini"
# The session's "window manager": it only keeps the session open.
printf '#!/bin/sh\nexec sleep 120\n' > "$X/etc/startwm.sh"; chmod 755 "$X/etc/startwm.sh"
mount --bind "$X/etc" /etc/xrdp || { echo "Bail out! cannot bind $X/etc over /etc/xrdp"; exit 1; }
if [ -d /run/xrdp ]; then
	mount -t tmpfs -o mode=0755 prxrdp /run/xrdp
else
	mount -t tmpfs -o mode=0755 prxrdp /run    # no /run/xrdp to lay one over
fi || { echo "Bail out! cannot mount a tmpfs for /run/xrdp"; exit 1; }
mkdir -p -m 1777 /run/xrdp/sockdir
mount -t tmpfs -o mode=0755 prxrdp /home || { echo "Bail out! cannot mount a tmpfs on /home"; exit 1; }
for u in prowner prstaff; do
	mkdir -m 700 "/home/$u" && chown "$u:" "/home/$u"
done

# --- sesman's PAM stack (conf/pam.d/xrdp-sesman.example, with pam_unix for common-*) -----
# The password first, requisite (as common-auth's pam_deny is): the grant is spent only after it.
M="$SK/pam_practicerunner.so config=$CONF web_grant"
printf '%s\n' "auth requisite pam_unix.so" "auth requisite $M" \
	"account required pam_unix.so" "account required $M" "session optional $M" \
	"session required pam_permit.so" "password required pam_deny.so" > "$T/pam.d/xrdp-sesman"

ORIGIN=https://gate.clinic.test:8443
SOCK=$T/webgate.sock
LIFETIME=60

# --- the gate: its certificate from gate_lib.sh's test CA, the policy with a web { } section ---
cert gate DNS:gate.clinic.test
chmod 600 "$PKI"/*.key
SPKI=$(spki gate)
web_policy() {   # web_policy GRANT_LIFETIME
	write_policy all-users none required 5 clinic.test
	printf 'web {\n  origin = "%s"\n  listen = "127.0.0.1:8443"\n  cert_file = "%s"\n  key_file = "%s"\n  control_socket = "%s"\n  grant_lifetime = %s\n}\n' \
		"$ORIGIN" "$PKI/gate.crt" "$PKI/gate.key" "$SOCK" "$1" >> "$CONF"
}
web_policy "$LIFETIME"
check "the gate starts (grant_lifetime = $LIFETIME)" gate_start

# --- xrdp-sesman under pam_wrapper, xrdp -------------------------------------------------
SESLOG=$X/log/sesman.log
# (sesman binds 127.0.0.1 as ::1 where IPv6 is up: ask the kernel, not a connect)
listening() { ss -Hltn "sport = :$1" | grep -q .; }
# In the sanitizer build the ASan runtime is first in sesman's preload list.
# Its crypt_r interceptor looks up the real crypt_r once, when the runtime
# starts; sesman does not link libcrypt (pam_unix brings it in later, by
# dlopen), so the interceptor had nothing to call: sesman died of a SEGV at
# address 0 inside pam_unix's password check (ASan's report in sesman.out)
# and no sign-in was ever answered. libcrypt is preloaded with the runtime,
# so that it is there when the runtime looks. Leaks are not looked for in
# sesman, a host program (as for ssh-keygen elsewhere); the module's are,
# in the tests that run it under pamrun.
SESMAN_PRELOAD=$PRELOAD
[ -n "${PR_SANITIZER_PRELOAD:-}" ] && SESMAN_PRELOAD="$PR_SANITIZER_PRELOAD libcrypt.so.1 libpam_wrapper.so"
SESMAN_PID=
xrdp_start() {
	local i
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d LD_PRELOAD=$SESMAN_PRELOAD \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		xrdp-sesman --nodaemon --config "$X/etc/sesman.ini" > "$X/log/sesman.out" 2>&1 & SESMAN_PID=$!
	PIDS="$PIDS $SESMAN_PID"
	xrdp --nodaemon --config "$X/etc/xrdp.ini" > "$X/log/xrdp.out" 2>&1 & PIDS="$PIDS $!"
	for i in $(seq 100); do
		listening 3350 && listening 3389 && return 0
		sleep 0.1
	done
	sed 's/^/# /' "$X"/log/*; return 1
}
check "xrdp-sesman (127.0.0.1:3350, PAM stack from the test's pam.d) and xrdp (127.0.0.1:3389) start" xrdp_start

# --- the RDP client ------------------------------------------------------------------------
# rdp_login USER: xfreerdp logs in as USER with the test password, sent for
# autologon, so that xrdp hands both to sesman without showing its login
# screen (the password on the command line is the test's own). The outcome
# is sesman's line for that sign-in, in $REPLY: "granted" (its "created
# session (access granted)"), "refused" (its AUTHFAIL), or "no answer"
# after 45 s (at once if sesman has ended), with sesman_state's account of
# where it stopped; then the client is stopped. The audit log has the module's
# side of the same sign-in. rdp_login USER session: after "granted", also
# wait (at most 30 s) for the desktop: sesman's "Session started
# successfully" and xrdp's "VNC connection complete" ($SESSION: yes or no).
XLOG=$X/log/xrdp.log
# sesman_state: after a wait for sesman ran out, what it and the processes
# it started were doing (its log and output, each process's state and
# kernel wait channel, and sesman's own stacks), so that a hang is a
# failure that says where it stopped.
sesman_state() {
	local p
	echo "# sesman's log, the end:"; tail -n 15 "$SESLOG" | sed 's/^/#   /'
	echo "# sesman's standard output and error, the end:"; tail -n 40 "$X/log/sesman.out" | sed 's/^/#   /'
	ps -e -o pid=,ppid=,stat=,wchan:28=,args= | sed 's/^/#   ps: /'
	for p in $(pgrep -x xrdp-sesman); do
		sed "s/^/#   $p kernel stack: /" "/proc/$p/stack" 2>/dev/null
		command -v gdb >/dev/null || continue
		timeout 60 gdb -batch -nx -p "$p" -ex "thread apply all bt" 2>/dev/null |
			grep -E '^(#|Thread)' | sed "s/^/#   $p: /"
	done
}
rdp_login() {
	local from xfrom pid i
	from=$(($(wc -l < "$SESLOG") + 1)) xfrom=$(($(wc -l < "$XLOG") + 1))
	timeout 60 xvfb-run -a -s "-nolisten tcp -screen 0 1024x768x24" xfreerdp /v:127.0.0.1:3389 \
		/u:"$1" /p:"$PASSWORD" /cert:ignore /sec:tls > "$T/rdp.out" 2>&1 & pid=$!
	REPLY="no answer"
	for i in $(seq 450); do
		tail -n "+$from" "$SESLOG" > "$T/out"
		if grep -q "AUTHFAIL: user=$1 " "$T/out"; then REPLY=refused; break; fi
		if grep -q "access granted): username $1," "$T/out"; then REPLY=granted; break; fi
		running "$SESMAN_PID" || { REPLY="no answer (sesman has ended)"; break; }
		sleep 0.1
	done
	SESSION=no
	if [ "$REPLY" = granted ] && [ "${2:-}" = session ]; then
		for i in $(seq 300); do
			if grep -q "Session started successfully for user $1 " "$SESLOG" &&
				tail -n "+$xfrom" "$XLOG" | grep -q "VNC connection complete, connected ok"; then
				SESSION=yes; break
			fi
			sleep 0.1
		done
		[ "$SESSION" = yes ] || sesman_state
	fi
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	echo "# xfreerdp as $1: sesman's answer: $REPLY"
	case "$REPLY" in "no answer"*) sesman_state;; esac
	grep -E "PAM:|AUTHFAIL|access granted" "$T/out" | sed 's/^/#   sesman: /'
	if [ "${2:-}" = session ]; then echo "# ... the desktop session started: $SESSION"; fi
}
granted() { [ "$REPLY" = granted ]; }
refused() { [ "$REPLY" = refused ]; }
# audit_has USER PATTERN: the last record about USER matches PATTERN
audit_has() { grep " user=$1 " "$AUDIT" | tail -n 1 | grep -q -- "$2"; }

# --- the browser: one session, commands on its standard input (webvpn.sh) ------------------
coproc BR { HOME=$T exec "$PY" "$E2E/browser.py" --spki "$SPKI" --map gate.clinic.test \
	--profile "$T/profile" session 2> "$T/browser.err"; }
BROWSER_PID=$BR_PID BROWSER_IN=${BR[1]} BROWSER_OUT=${BR[0]}
browser() {   # browser COMMAND...  -> the page's answer in $REPLY
	echo "$*" >&"$BROWSER_IN"
	REPLY=
	read -r -t 120 REPLY <&"$BROWSER_OUT"
	echo "# browser $1 $3: $REPLY"
}
TOKEN_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}'
# enroll USER: an invitation, typed on the page of a pending sign-in the VPN
# side opened for USER (practicerunner-openvpn as OpenVPN runs it: browser
# enrollment happens only inside one), then the new key signs that one in.
enroll() {
	local tok url
	admin "" invite "$1" && tok=$(grep -oE "$TOKEN_RE" "$T/out" | head -n 1)
	rm -f "$T"/ovpn.*
	env -i PATH=/usr/bin:/bin username="$1" untrusted_ip=127.0.0.1 IV_SSO=webauth \
		auth_pending_file="$T/ovpn.pending" auth_control_file="$T/ovpn.control" \
		"$top_builddir/helpers/practicerunner-openvpn" --config "$CONF" --lifetime 120 "$T/ovpn.up" >/dev/null 2>&1
	url=$(sed -n 's/^WEB_AUTH:://p' "$T/ovpn.pending" 2>/dev/null)
	[ -n "$url" ] || { echo "# no pending sign-in from practicerunner-openvpn"; return 1; }
	browser enroll "$url" "$tok"
	case "$REPLY" in *"Signed in.") ;; *) return 1;; esac
}
check "prowner enrolls a key in the browser (invitation)" enroll prowner
check "prstaff enrolls a key in the browser (invitation)" enroll prstaff

# approve USER: the gate's approval page, as the person uses it.
approve() { browser approve "$ORIGIN/approve" "$1"; }
approved() { case "$REPLY" in *"Approved.") return 0;; esac; return 1; }
GRANTS=$T/state/grants
# The approval page comes with issue 17 item 1 (practicerunner-webgate's
# /approve); without it the cases that need an approval are reported as
# skipped, each saying so, and the refusals without one still run.
browser has "$ORIGIN/approve" approve
APPROVE_PAGE=; [ "$REPLY" = yes ] && APPROVE_PAGE=yes
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
NO_PAGE="the gate has no approval page at $ORIGIN/approve yet (issue 17 item 1)"
# with_approval NAME CMD...: a check that needs an approval made
with_approval() { if [ -n "$APPROVE_PAGE" ]; then check "$@"; else skip "$1: $NO_PAGE"; fi; }

# --- refused before approval ------------------------------------------------------------------
rdp_login prowner
check "before approval: sesman refuses prowner" refused
check "... the refusal names the approval page" grep -q "PAM: Approve this sign-in first: open $ORIGIN/approve" "$T/out"
check "... recorded (web-grant, no web grant)" audit_has prowner "event=auth result=failure .*method=web-grant .*no%20web%20grant"

# --- approved in the browser, accepted within the grant's lifetime ----------------------------
[ -n "$APPROVE_PAGE" ] && approve prowner
with_approval "prowner approves at the gate with the key: Approved." approved
with_approval "... recorded by the gate (webauthn, path=webgate)" audit_has prowner "result=success .*path=webgate"
with_approval "... a grant for prowner is left" test -f "$GRANTS/prowner"
[ -n "$APPROVE_PAGE" ] && rdp_login prowner session
with_approval "within the grant's lifetime: sesman accepts prowner (access granted)" granted
with_approval "... recorded (web-grant, success, naming the grant)" \
	audit_has prowner "event=auth result=success .*method=web-grant .*detail=web-grant%20[0-9a-f]"
with_approval "... the grant is spent" test ! -e "$GRANTS/prowner"
if ! command -v Xvnc >/dev/null; then
	skip "... the desktop session starts: Xvnc (tigervnc-standalone-server) is not installed"
else
	with_approval "... the desktop session starts (sesman's Xvnc as prowner, xrdp connected to it)" test "$SESSION" = yes
fi

# --- a second try: the grant is used once -----------------------------------------------------
[ -n "$APPROVE_PAGE" ] && rdp_login prowner
with_approval "a second try: refused (the grant was consumed)" refused
with_approval "... recorded" audit_has prowner "event=auth result=failure .*method=web-grant .*no%20web%20grant"

# --- another user's grant ---------------------------------------------------------------------
[ -n "$APPROVE_PAGE" ] && approve prstaff
with_approval "prstaff approves at the gate" approved
[ -n "$APPROVE_PAGE" ] && rdp_login prowner
with_approval "prowner with only prstaff's grant on file: refused" refused
with_approval "... recorded for prowner" audit_has prowner "event=auth result=failure .*method=web-grant"
with_approval "... prstaff's grant is left for prstaff" test -f "$GRANTS/prstaff"
[ -n "$APPROVE_PAGE" ] && rdp_login prstaff
with_approval "prstaff with their own grant: accepted" granted
with_approval "... recorded" audit_has prstaff "event=auth result=success .*method=web-grant"

# --- after expiry: the shortest lifetime the policy allows (10 s), waited past -----------------
web_policy 10
check "the gate restarts with grant_lifetime = 10" gate_start
expires=
if [ -n "$APPROVE_PAGE" ]; then
	approve prowner
	expires=$(sed -n 's/.* expires=\([0-9]*\) .*/\1/p' "$GRANTS/prowner" 2>/dev/null)
	echo "# waiting past the grant's expiry ($expires), at most 15 s"
	for _ in $(seq 150); do [ "$(date +%s)" -gt "${expires:-0}" ] && break; sleep 0.1; done
	rdp_login prowner
fi
with_approval "prowner approves again (a 10 s grant)" test -n "$expires"
with_approval "after the grant's expiry: refused" refused
with_approval "... recorded as expired" audit_has prowner "event=auth result=failure reason=expired .*method=web-grant"

# --- what does not apply here ------------------------------------------------------------------
skip "a grant used from another address: xrdp-sesman 0.9 sets no PAM_RHOST, so grants bind user, service and time only (doc/ARCHITECTURE.md, pam_practicerunner(8))"
check "the audit log verifies" admin "" audit verify
# In the sanitizer build the module ran inside sesman with ASan and UBSan:
# what they find goes to sesman's standard error, read here.
no_sanitizer_report() { ! grep -E -A 30 "ERROR: AddressSanitizer|runtime error:" "$X/log/sesman.out" > "$T/out"; }
check "sesman's output holds no sanitizer report" no_sanitizer_report

[ "$TAP_FAILED" = 0 ] || { sed "s/^/# browser: /" "$T/browser.err" | tail -n 20; sed 's/^/# xrdp: /' "$X/log/xrdp.log" | grep -v DEBUG | tail -n 20; }
done_testing

# Shared by the scripts that drive the real practicerunner-webgate with
# curl or Python (tests/integration/webgate.sh, webgate_approve.sh,
# bench/webgate.sh), sourced after lib.sh: the test CA and the gate's
# certificate, the gate started and stopped, and one control request as
# the VPN side makes it. The caller sets HOST, PORT, ORIGIN, SOCK (web {
# control_socket }) and CONF (lib.sh), and its EXIT trap calls stop_gate.

GATE=$top_builddir/helpers/practicerunner-webgate
GATE_PID=

# gate_certs CA-NAME: $T/ca.pem (the test CA) and $T/gate.pem, $T/gate.key
# (the gate's P-256 certificate for $HOST, its key 0600 as the gate wants).
gate_certs() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$HOST" \
		-keyout "$T/gate.key" -out "$T/gate.csr" 2>/dev/null &&
	printf 'subjectAltName=DNS:%s\n' "$HOST" > "$T/ext" &&
	openssl x509 -req -in "$T/gate.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
		-extfile "$T/ext" -out "$T/gate.pem" 2>/dev/null &&
	chmod 600 "$T/gate.key"
}

# start_gate [PATH]: the gate under $CONF, its HTTP side as nobody; ready
# once the control socket is there and GET PATH (default /e/) answers.
start_gate() {
	"$GATE" --config "$CONF" --user nobody --page-dir "$top_srcdir/helpers/webgate/page" \
		> "$T/gate.log" 2>&1 &
	GATE_PID=$!
	for _ in $(seq 50); do
		[ -S "$SOCK" ] && curl -s -o /dev/null --cacert "$T/ca.pem" --resolve "$HOST:$PORT:127.0.0.1" \
			"$ORIGIN${1:-/e/}" && return 0
		sleep 0.1
	done
	sed 's/^/# gate: /' "$T/gate.log"
	return 1
}

# stop_gate: ends the gate (its log kept as $T/gate.log.1).
stop_gate() {
	[ -n "$GATE_PID" ] || return 0
	kill "$GATE_PID" 2>/dev/null
	wait "$GATE_PID" 2>/dev/null
	GATE_PID=
	cp "$T/gate.log" "$T/gate.log.1"
}

# ctl REQUEST-LINES...: one control request, its answer line on stdout.
ctl() {
	python3 - "$SOCK" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
try:
	s.sendall(("practicerunner-pending 1\n" + "".join(l + "\n" for l in sys.argv[2:]) + "\n").encode())
except (BrokenPipeError, ConnectionResetError):
	pass    # refused before the request was read: the answer is still there
data = b""
while not data.endswith(b"\n"):
	chunk = s.recv(1024)
	if not chunk:
		break
	data += chunk
print(data.decode().strip())
PY
}

# hold_flock FILE RELEASE: another process takes an exclusive flock on FILE
# (created 0600 if missing, never through a link) and keeps it until the
# file RELEASE exists (120 s at most, or until its directory is gone);
# its pid in FLOCK_HOLDER, once held.
hold_flock() {
	python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
for _ in range(1200):
	if os.path.exists(sys.argv[2]) or not os.path.isdir(os.path.dirname(sys.argv[2])):
		break
	time.sleep(0.1)' "$1" "$2" > "$2.held" &
	FLOCK_HOLDER=$!
	for _ in $(seq 50); do grep -q held "$2.held" && return 0; sleep 0.1; done
	return 1
}

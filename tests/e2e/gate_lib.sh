# Shared by the web gate's end-to-end tests (webvpn.sh, xrdp.sh), sourced
# after tests/integration/lib.sh: the test CA and the gate's certificate,
# the gate started under the test policy, and a cleanup that ends what they
# started (the browser coprocess first, so that it can quit Chromium).
# The caller sets CONF (lib.sh), SOCK (web { control_socket }) and, for
# its own processes, adds their ids to PIDS.

PIDS= BROWSER_PID= BROWSER_IN=
# running PID...: one of them has not ended yet (a zombie has)
running() {
	local p st
	for p; do
		st=; read -r st 2>/dev/null < "/proc/$p/stat"
		case ${st##*) } in ""|Z*) ;; *) return 0;; esac
	done
	return 1
}
cleanup() {
	local p
	# End of input: browser.py quits Chromium and chromedriver itself; a
	# TERM after 10 s does the same (its handler), a KILL would not.
	# (bash unsets BR and BR_PID when the coprocess ends: saved copies here)
	if [ -n "$BROWSER_PID" ]; then
		eval "exec $BROWSER_IN>&-" 2>/dev/null
		for p in $(seq 100); do kill -0 "$BROWSER_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	for p in $PIDS $BROWSER_PID; do kill "$p" 2>/dev/null; done
	# Bounded: one that has not ended 10 s after its TERM (stuck where its
	# handler never runs) is named and killed, so that a test never hangs.
	for _ in $(seq 100); do running $PIDS $BROWSER_PID || break; sleep 0.1; done
	for p in $PIDS $BROWSER_PID; do
		running "$p" || continue
		echo "# cleanup: $p ($(cat "/proc/$p/comm" 2>/dev/null)) did not end 10 s after TERM: killed"
		kill -KILL "$p" 2>/dev/null
	done
	for p in $PIDS $BROWSER_PID; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# --- the test CA -----------------------------------------------------------------------------
PKI=$T/pki; mkdir -p "$PKI"
cert() {   # cert NAME SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/$1.key" \
		-out "$PKI/$1.csr" -subj "/CN=$1" 2>/dev/null &&
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$2" > "$PKI/$1.ext" &&
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
		-out "$PKI/$1.crt" -days 2 -extfile "$PKI/$1.ext" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/ca.key" \
	-out "$PKI/ca.crt" -days 2 -subj /CN=practicerunner-test-ca 2>/dev/null
# spki NAME: the certificate's SPKI hash, which Chromium is told to trust
spki() {
	openssl x509 -in "$PKI/$1.crt" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64
}

# --- the gate ----------------------------------------------------------------------------------
GATE_PID=
gate_start() {
	[ -n "$GATE_PID" ] && { kill "$GATE_PID"; wait "$GATE_PID" 2>/dev/null; }
	rm -f "$SOCK"
	"$top_builddir/helpers/practicerunner-webgate" --config "$CONF" --user nobody \
		--page-dir "$top_srcdir/helpers/webgate/page" > "$T/gate.log" 2>&1 & GATE_PID=$!
	PIDS="$PIDS $GATE_PID"
	local i
	for i in $(seq 100); do
		[ -S "$SOCK" ] && (exec 3<>/dev/tcp/127.0.0.1/8443) 2>/dev/null && return 0
		sleep 0.1
	done
	sed 's/^/# gate: /' "$T/gate.log"; return 1
}

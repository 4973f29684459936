#!/bin/bash
# The SSH gateway end to end: a real sshd (Debian's openssh-server) on
# 127.0.0.1 and a random high port, configured by the shipped drop-in
# conf/sshd_config.d/practicerunner.conf, with the softkey builds of
# practicerunner-authorized-keys (AuthorizedKeysCommand) and of the module
# (option ssh) in its PAM stack; a real ssh client signing with FIDO SSH
# keys through the softkey provider.
#
# sshd runs inside a private mount namespace (setuid_lib.sh): the test's
# policy, state and log over /etc/practicerunner, /var/lib/practicerunner
# and /var/log/practicerunner, a test pam.d over /etc/pam.d (sshd reads
# /etc/pam.d/sshd), a test passwd giving the test users /bin/sh and homes
# here, and the helper copied root-owned into a private tmpfs under /run,
# since sshd runs an AuthorizedKeysCommand only from a path no one but root
# can write (the configured sbindir may be under /tmp, as in distcheck).
#
# Two configurations: the gateway as shipped, where sshd itself refuses
# every key the helper does not print, and the helper records each such
# offer (event ssh-key-offer, with the address of sshd's connection read
# from /proc); and a second line of defence, an
# sshd that also reads ~/.ssh/authorized_keys and any key type, where the
# module must refuse (and record) what sshd let through.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"

command -v /usr/sbin/sshd >/dev/null || { echo "1..0 # SKIP no /usr/sbin/sshd (openssh-server)"; exit 0; }
if [ -n "${PR_SANITIZER_PRELOAD:-}" ]; then
	echo "1..0 # SKIP sshd cannot load a sanitizer build of the module"; exit 0
fi

# PR_GATEWAY_BUILD=release (sshd_gateway_release.sh): the same cases with
# the release module and helper (release_lib.sh), and the keys shown as
# hidraw devices by the hidshim to Debian's ssh and ssh-keygen, which then
# reach them through their own provider ("internal": libfido2's HID code).
# sshd runs with the shim in its preload list and a key attached there.
if [ "${PR_GATEWAY_BUILD:-softkey}" = release ]; then
	. "$top_srcdir/tests/integration/release_lib.sh"
	GW=$REL
	PROVIDER=internal
	# OpenSSH's own provider verifies a self attestation and refuses the
	# "none" format of the synced profile, and makes a verify-required key
	# only on a device with credProtect, which the softkey lacks
	# (doc/ARCHITECTURE.md §10.2.1): a self-attested passkey, and no PIN key.
	PASSKEY=selfattested
	UV_KEYS=no
	# key_env DEVICE: the environment that attaches DEVICE to a client (KEYENV).
	key_env() { KEYENV=(PR_HIDSHIM_DEVICES="$1" PR_HIDSHIM_LOG="$HIDLOG" LD_PRELOAD="$SHIM"); }
	printf '%s\n' "$SHIM" > "$NS/ld.so.preload"
	# A key is attached on the gateway too: the module (option ssh) must never ask it.
	printf 'log=%s\n%s\n' "$T/hid-sshd.log" "$T/yk.key" > "$NS_ETC/hidshim-devices"
	chmod 644 "$NS/ld.so.preload" "$NS_ETC/hidshim-devices"
	export NS_PRELOAD=$NS/ld.so.preload
	cp "$top_srcdir/tests/softkey/test-ca.pem" "$NS_ETC/trust-anchors.d/"
else
	GW=$SK
	PROVIDER=$SK/libsk-softkey.so
	PASSKEY=synced
	UV_KEYS=yes
	key_env() { KEYENV=(PRACTICERUNNER_SOFTKEY="$1"); }
fi
AK_NS=$NS_SSHD_BIN/practicerunner-authorized-keys
SSHD_DIR=$T/sshd
SSHD_PID=
SSHD_LOG=
mkdir -p "$SSHD_DIR" "$T/ns-pam.d" "$T/home"
chmod 755 "$SSHD_DIR" "$T/home"

stop_sshd() {
	if [ -n "$SSHD_PID" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	fi
}
trap 'stop_sshd; rm -rf "$T"' EXIT

# --- users: /bin/sh and a home here (a test passwd, only inside the namespace) ---------
USERS="prowner prstaff prstaff2 pradmin"
cp /etc/passwd "$T/passwd"
for u in $USERS; do
	mkdir -p "$T/home/$u/.ssh"
	chown -R "$u:" "$T/home/$u"
	chmod 700 "$T/home/$u"
	awk -F: -v OFS=: -v u="$u" -v h="$T/home/$u" \
		'$1 == u { $6 = h; $7 = "/bin/sh" } { print }' "$T/passwd" > "$T/passwd.new"
	mv "$T/passwd.new" "$T/passwd"
done
chmod 644 "$T/passwd"

# --- PAM: the softkey module with option ssh, as conf/pam.d/sshd-gateway.example ---------
cat > "$T/ns-pam.d/sshd" <<EOF
auth     [success=done ignore=ignore default=die] $GW/pam_practicerunner.so ssh
auth     requisite pam_deny.so
account  required  $GW/pam_practicerunner.so ssh
account  required  pam_permit.so
session  required  pam_permit.so
password required  pam_deny.so
EOF
printf 'auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n' \
	> "$T/ns-pam.d/other"
chmod 755 "$T/ns-pam.d"; chmod 644 "$T/ns-pam.d"/*

# --- sshd ----------------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C gateway-host -f "$SSHD_DIR/host_ed25519"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")" > "$T/known_hosts"

# sshd_config MODE: the test's own lines, then the shipped drop-in (first value wins).
sshd_config() {
	{
		printf '%s\n' "Port $PORT" "ListenAddress 127.0.0.1" \
			"HostKey $SSHD_DIR/host_ed25519" "PidFile $SSHD_DIR/sshd.pid" \
			"AuthorizedKeysCommand $AK_NS %u %t %k" "UseDNS no" "PermitRootLogin no" \
			"LogLevel VERBOSE" "MaxAuthTries 10"
		if [ "$1" = second-line ]; then
			# What the module must catch: sshd trusting more than the enrollment.
			printf '%s\n' "AuthorizedKeysFile .ssh/authorized_keys" \
				"PubkeyAcceptedAlgorithms ssh-ed25519,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com"
		fi
		echo "Include $top_srcdir/conf/sshd_config.d/practicerunner.conf"
	} > "$SSHD_DIR/sshd_config"
}

# start_sshd MODE: sshd -D in its namespace, until stop_sshd; waits until it listens.
start_sshd() {
	stop_sshd
	sshd_config "$1"
	SSHD_LOG=$SSHD_DIR/sshd-$1.log
	: > "$SSHD_LOG"
	NS_PASSWD=$T/passwd NS_PAMD=$T/ns-pam.d NS_SSHD=1 \
		unshare -m --propagation private -- bash "$NS_ENTER" root bash -c \
		"install -o root -g root -m 0755 '$GW/practicerunner-authorized-keys' '$AK_NS' &&
		 exec /usr/sbin/sshd -D -e -f '$SSHD_DIR/sshd_config'" \
		>> "$SSHD_LOG" 2>&1 &
	SSHD_PID=$!
	for _ in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port $PORT" "$SSHD_LOG" && return 0
		kill -0 "$SSHD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$SSHD_LOG" > "$T/out"
	return 1
}

# login USER KEY DEVICE [ssh options]: the real client, running "id -un" on
# the gateway; its output in $T/out. The exit status is ssh's. Not
# BatchMode, which skips keyboard-interactive altogether: instead no
# terminal (setsid) and one kbd-interactive round, so a prompt fails at once.
login() {
	local user=$1 key=$2 dev=$3 KEYENV; shift 3
	key_env "$dev"
	env -u SSH_AUTH_SOCK -u DISPLAY "${KEYENV[@]}" \
		timeout 60 setsid -w ssh -F /dev/null -p "$PORT" -o NumberOfPasswordPrompts=1 \
		-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts" \
		-o IdentitiesOnly=yes -o IdentityFile="$T/$key" -o SecurityKeyProvider="$PROVIDER" \
		-o PreferredAuthentications=publickey,keyboard-interactive \
		-o ConnectTimeout=20 "$@" "$user@127.0.0.1" id -un > "$T/out" 2>&1 </dev/null
}
# logs_in USER KEY DEVICE [ssh options]: ssh succeeded and the command ran as USER.
logs_in() { login "$@" && grep -qx "$1" "$T/out"; }
refused() { ! login "$@" && ! grep -qx "$1" "$T/out" && grep -q "Permission denied" "$T/out"; }

# --- keys ---------------------------------------------------------------------------------------
sshkeygen() {
	local dev=$1 KEYENV; shift
	key_env "$dev"
	env "${KEYENV[@]}" SSH_SK_PROVIDER="$PROVIDER" \
		timeout 60 ssh-keygen -q -w "$PROVIDER" "$@" </dev/null >"$T/keygen.out" 2>&1
}
nsadmin() { ns root "$GW/practicerunner-admin" "$@" </dev/null; }
# attested_key NAME DEVICE USER [ssh-keygen options]: an ed25519-sk key over USER's challenge
attested_key() {
	local name=$1 dev=$2 user=$3 ch=$T/$1.challenge; shift 3
	nsadmin key ssh-challenge "$user" --output "$ch" &&
		sshkeygen "$dev" -t ed25519-sk -O challenge="$ch" -O write-attestation="$T/$name.att" \
			-N '' -C "$name" -f "$T/$name" "$@"
}
fp() { ssh-keygen -l -f "$T/$1.pub" | awk '{print $2}'; }
n_records() { if [ -f "$AUDIT_NS" ]; then wc -l < "$AUDIT_NS"; else echo 0; fi; }
# last_is FIELD VALUE: the last audit record has it.
last_is() { test "$(audit_ns_last "$1")" = "$2"; }
# new_offers BEFORE: the ssh-key-offer records after record BEFORE.
new_offers() { tail -n +$(($1 + 1)) "$AUDIT_NS" | grep -c ' event=ssh-key-offer '; }
# offered BEFORE USER REASON KEY: exactly one record since BEFORE, the
# refused offer of KEY by USER from 127.0.0.1, with KEY's fingerprint.
offered() {
	test "$(n_records)" = $(($1 + 1)) &&
	test "$(audit_ns_last event)/$(audit_ns_last result)/$(audit_ns_last reason)" = \
		"ssh-key-offer/failure/$3" &&
	test "$(audit_ns_last user)/$(audit_ns_last rhost)/$(audit_ns_last method)/$(audit_ns_last service)" = \
		"$2/127.0.0.1/ssh-sk/sshd" &&
	grep -q -- "$(fp "$4")" <(tail -n 1 "$AUDIT_NS")
}

write_ns_policy all-users owners
"$CTL" add --state "$T/yk.key" --profile yubikey5 >/dev/null
"$CTL" add --state "$T/yk2.key" --profile yubikey5 >/dev/null
"$CTL" add --state "$T/sy.key" --profile "$PASSKEY" >/dev/null
"$CTL" add --state "$T/pin.key" --profile yubikey5 --pin 123456 >/dev/null

check "setup: the owner's physical ed25519-sk key (yubikey5, attested)" attested_key own "$T/yk.key" prowner
check "setup: enrolled with its attestation" nsadmin key enroll-ssh prowner "$T/own.pub" --attestation "$T/own.att"
check "setup: class physical" out_has physical
check "setup: a synced key for the owner" attested_key syn "$T/sy.key" prowner
check "setup: forced onto the owner (class passkey)" nsadmin key enroll-ssh prowner "$T/syn.pub" --attestation "$T/syn.att" --force
check "setup: staff's key" attested_key stf "$T/yk2.key" prstaff
check "setup: enrolled for staff" nsadmin key enroll-ssh prstaff "$T/stf.pub" --attestation "$T/stf.att"
printf '#!/bin/sh\necho 123456\n' > "$T/askpass"; chmod 755 "$T/askpass"
with_pin() { SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none "$@"; }
# uv_case NAME CMD...: a check with staff2's verify-required PIN key, where there is one.
uv_case() { if [ "$UV_KEYS" = yes ]; then check "$@"; else ok "# SKIP $1: no verify-required key over OpenSSH's provider"; fi; }
uv_case "setup: a PIN key for staff2" with_pin attested_key uv "$T/pin.key" prstaff2 -O verify-required
uv_case "setup: enrolled for staff2" nsadmin key enroll-ssh prstaff2 "$T/uv.pub" --attestation "$T/uv.att"
ssh-keygen -q -t ed25519 -N '' -C plain -f "$T/plain"
printf 'HostKey %s\nInclude %s\n' "$SSHD_DIR/host_ed25519" \
	"$top_srcdir/conf/sshd_config.d/practicerunner.conf" > "$SSHD_DIR/shipped_config"
sshd_t() { NS_SSHD=1 ns root /usr/sbin/sshd -t -f "$SSHD_DIR/shipped_config"; }
check "setup: the shipped drop-in passes sshd -t" sshd_t

# --- the gateway as shipped ----------------------------------------------------------------------
check "sshd starts with the shipped drop-in" start_sshd gateway
before=$(n_records)
check "owner, enrolled physical key: logged in" logs_in prowner own "$T/yk.key"
check "... no prompt and no message from PAM" fails grep -qi "password\|security key\|keyboard" "$T/out"
check "audit: one new record" test "$(n_records)" = $((before + 1))
check "audit: auth success" test "$(audit_ns_last event)/$(audit_ns_last result)" = auth/success
check "audit: method ssh-sk" last_is method ssh-sk
check "audit: service sshd" last_is service sshd
check "audit: remote host 127.0.0.1" last_is rhost 127.0.0.1
check "audit: class physical" last_is class physical
check "audit: the key's fingerprint" grep -q -- "$(fp own)" <(tail -n 1 "$AUDIT_NS")
check "a printed key: no ssh-key-offer record (the PAM step records the sign-in)" \
	test "$(new_offers "$before")" = 0
check "staff, own enrolled key: logged in" logs_in prstaff stf "$T/yk2.key"
check "audit: staff, rhost 127.0.0.1, ssh-sk" \
	test "$(audit_ns_last user)/$(audit_ns_last rhost)/$(audit_ns_last method)" = prstaff/127.0.0.1/ssh-sk

# Withheld keys: sshd refuses them before PAM; the helper records each offer.
before=$(n_records)
check "owner, synced passkey: refused (not printed)" refused prowner syn "$T/sy.key"
check "... one ssh-key-offer record: prowner, class-not-allowed, 127.0.0.1, its fingerprint" \
	offered "$before" prowner class-not-allowed syn
check "... with the enrolled key's class" last_is class passkey
before=$(n_records)
check "owner, ordinary ed25519 key: refused" refused prowner plain ""
check "... one ssh-key-offer record: unsupported-algorithm" \
	offered "$before" prowner unsupported-algorithm plain
check "... the key type in its detail" grep -q "detail=key%20ssh-ed25519%20SHA256:" <(tail -n 1 "$AUDIT_NS")
before=$(n_records)
check "owner, staff's key: refused" refused prowner stf "$T/yk2.key"
check "... one ssh-key-offer record: no-matching-key" \
	offered "$before" prowner no-matching-key stf
before=$(n_records)
check "staff (no physical requirement), the owner's key: refused" refused prstaff own "$T/yk.key"
check "... one ssh-key-offer record: prstaff, no-matching-key" \
	offered "$before" prstaff no-matching-key own
before=$(n_records)
check "admin without SSH keys, the owner's key: refused" refused pradmin own "$T/yk.key"
check "... one ssh-key-offer record: pradmin, not-enrolled" \
	offered "$before" pradmin not-enrolled own
# One record per offer: a plain key, then the enrolled one, in one connection.
before=$(n_records)
check "a plain key then the enrolled key in one connection: logged in" \
	logs_in prowner plain "$T/yk.key" -o IdentityFile="$T/own"
check "... two records: the plain key's offer, then the sign-in" test "$(n_records)" = $((before + 2))
check "... the first: ssh-key-offer for the plain key, 127.0.0.1" \
	grep -q "event=ssh-key-offer result=failure reason=unsupported-algorithm user=prowner .*rhost=127.0.0.1 .*$(fp plain)" \
	<(tail -n 2 "$AUDIT_NS" | head -n 1)
check "... the last: auth success" test "$(audit_ns_last event)/$(audit_ns_last result)" = auth/success
# A printed key whose signature sshd refuses is sshd's to log (its own log): no record of ours.
before=$(n_records)
uv_case "staff2 (UV required by the key), no PIN: refused" refused prstaff2 uv "$T/pin.key"
uv_case "... printed, so no offer record; sshd (or the client) refused the signature" \
	test "$(n_records)" = "$before"

# --- UV: user_verification = required prints verify-required ---------------------------------------
write_ns_policy all-users owners required
before=$(n_records)
check "UV required: the owner's key without a PIN is refused" refused prowner own "$T/yk.key"
check "... sshd says why" grep -q "user verification requirement not met" "$SSHD_LOG"
check "... in its own log only: the key was printed, so no offer record" \
	test "$(new_offers "$before")" = 0
pin_login() { SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none logs_in "$@"; }
uv_case "UV required: staff2's PIN key with its PIN: logged in" pin_login prstaff2 uv "$T/pin.key"
uv_case "audit: staff2, success, rhost 127.0.0.1" \
	test "$(audit_ns_last user)/$(audit_ns_last result)/$(audit_ns_last rhost)" = prstaff2/success/127.0.0.1
uv_case "audit: method ssh-sk" last_is method ssh-sk
write_ns_policy all-users owners

# --- the second line: sshd trusts more, the module refuses -------------------------------------------
for u in prowner; do
	cat "$T/syn.pub" "$T/plain.pub" "$T/stf.pub" > "$T/home/$u/.ssh/authorized_keys"
	chown "$u:" "$T/home/$u/.ssh/authorized_keys"; chmod 600 "$T/home/$u/.ssh/authorized_keys"
done
check "sshd starts trusting ~/.ssh/authorized_keys and plain keys" start_sshd second-line
check "owner, enrolled physical key: still logged in" logs_in prowner own "$T/yk.key"
check "audit: success" last_is result success

before=$(n_records)
check "owner, synced passkey past sshd: refused by the module" refused prowner syn "$T/sy.key"
check "... the client is told why" out_has "policy requires a physical security key"
check "audit: class-not-allowed" last_is reason class-not-allowed
check "audit: rhost 127.0.0.1, method ssh-sk" test "$(audit_ns_last rhost)/$(audit_ns_last method)" = 127.0.0.1/ssh-sk
check "audit: the passkey's fingerprint" grep -q -- "$(fp syn)" <(tail -n 1 "$AUDIT_NS")
check "owner, ordinary ed25519 key past sshd: refused by the module" refused prowner plain ""
check "... the client is told why" out_has "is not a security key"
check "audit: unsupported-algorithm" last_is reason unsupported-algorithm
check "audit: rhost 127.0.0.1, method ssh-sk" test "$(audit_ns_last rhost)/$(audit_ns_last method)" = 127.0.0.1/ssh-sk
check "owner, staff's key past sshd: refused by the module" refused prowner stf "$T/yk2.key"
check "audit: no-matching-key" last_is reason no-matching-key
check "audit: rhost 127.0.0.1, method ssh-sk" test "$(audit_ns_last rhost)/$(audit_ns_last method)" = 127.0.0.1/ssh-sk
check "every refusal recorded (at least one record each)" test "$(n_records)" -ge $((before + 3))
check "every record since has rhost 127.0.0.1 and method ssh-sk" \
	test -z "$(tail -n +$((before + 1)) "$AUDIT_NS" | grep -v 'rhost=127.0.0.1 .*method=ssh-sk\|method=ssh-sk .*rhost=127.0.0.1')"

stop_sshd
if [ "${PR_GATEWAY_BUILD:-softkey}" = release ]; then
	check "ssh-keygen and ssh reached the keys over CTAPHID (makeCredential, getAssertion)" \
		sh -c "grep -q ' CBOR 0x01\$' '$HIDLOG' && grep -q ' CBOR 0x02\$' '$HIDLOG'"
	check "the gateway's own programs asked no key attached to it" test ! -s "$T/hid-sshd.log"
fi
check "the audit chain verifies" ns root "$GW/practicerunner-admin" audit verify
done_testing

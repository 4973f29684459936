#!/bin/bash
# Filling the audit log's file system to refuse everyone (issue 13 item 3),
# and why it no longer works (doc/ARCHITECTURE.md §8.6):
#  (a) an unprivileged user runs the real setuid practicerunner-verify 300
#      times with failing sign-ins and the longest service, tty and rhost
#      the protocol allows: the records written are bounded by the rate,
#      the fields by their bounds, and merged= accounts for every attempt;
#  (b) practicerunner-authorized-keys, as sshd runs it for anyone on the
#      network, offered one key after another from one address: the same;
#  (c) the log on a tiny file system (a 4 MB tmpfs over its directory,
#      inside the namespace) below min_free_mb: failures still fail and a
#      sign-in still succeeds, failure records are counted, not written,
#      the "audit space low" alert reaches syslog once, and policy check
#      and coverage warn and exit 4.
# TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"
TEST_AUDIT_RATE=   # the defaults: no audit { } section in write_policy's files

RUNS=300           # the attack as reported: 300 runs
PARALLEL=50        # at a time (each failure waits a second in its own process)
RATE=10            # the default failure_records_per_minute
RECORD_MAX=1200    # bytes a record with bounded fields stays under
AK=$SK/practicerunner-authorized-keys
CAPTURE=$top_srcdir/tests/integration/syslog_capture.py

# The default audit limits: no audit { } section.
ns_policy() {
	cat > "$NS_ETC/practicerunner.conf" <<EOC
rp_id = "pam://test-clinic"
require_security_key = all-users
require_physical_key = none
user_verification = discouraged
touch_timeout = 2
state_dir = "/var/lib/practicerunner"
audit_log = "/var/log/practicerunner/audit.log"
trust_anchors = "/etc/practicerunner/trust-anchors.d"
EOC
	chmod 644 "$NS_ETC/practicerunner.conf"
}

long() { head -c "$2" /dev/zero | tr '\0' "$1"; }
# request USER RHOST: a verify request, service and tty as long as the protocol allows.
request() {
	printf 'practicerunner-verify 1\nphase=auth\nuser=%s\nservice=%s\ntty=%s\nrhost=%s\nuv=0\nstep_up=0\nopportunistic=0\ntimeout=0\n\n' \
		"$1" "$(long S 255)" "$(long T 255)" "$2"
}
# records LOG EVENT USER: failure records of EVENT for USER in LOG
records() { grep -c " event=$2 result=failure .*user=$3 " "$1" || true; }
# merged_sum LOG: the merged= counts of LOG added up
merged_sum() { grep -o ' merged=[0-9]*' "$1" | awk -F= '{ s += $2 } END { print s + 0 }'; }
# pending RATEFILE: what the rate file still holds, counted and not yet carried
pending() {
	[ -f "$1" ] || { echo 0; return; }
	awk 'NR == 2 { split($2, o, "="); s = o[2] } NR > 2 { split($5, m, "="); s += m[2] }
	     END { print s + 0 }' "$1"
}
size_of() { if [ -f "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
le() { [ "$1" -le "$2" ] || { echo "# $1 > $2"; return 1; }; }

ns_policy
check_setuid_possible

# --- (a) practicerunner-verify, 300 failing runs -------------------------------------------------
# prstaff has no key: every run fails (not-enrolled), a second later.
for i in $(seq "$RUNS"); do
	request prstaff "h$i-$(long r 240)" > "$T/req.$i"
done
chmod 644 "$T"/req.*
bytes0=$(size_of "$AUDIT_NS")
start=$(date +%s%N)
ns prstaff bash -c 'for i in $(seq "$1"); do
	cat "$3/req.$i" | "$2" 2>&1 | cat > /dev/null &
	[ $((i % $4)) = 0 ] && wait
done; wait' _ "$RUNS" "$VERIFY" "$T" "$PARALLEL"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
written=$(records "$AUDIT_NS" auth prstaff)
bytes=$(( $(size_of "$AUDIT_NS") - bytes0 ))
echo "# verify: $RUNS runs in $ms ms wrote $written records, $bytes bytes"
check "verify flood: at most $((2 * RATE)) failure records written (rate $RATE a minute)" \
	le "$written" $((2 * RATE))
check "... at least one written" le 1 "$written"
check "... log growth bounded ($bytes bytes <= $((2 * RATE)) x $RECORD_MAX)" \
	le "$bytes" $((2 * RATE * RECORD_MAX))
echo "# written $written, merged= $(merged_sum "$AUDIT_NS"), pending $(pending "$AUDIT_NS.rate")"
check "... written + merged= + pending = $RUNS (every attempt accounted for)" \
	test $((written + $(merged_sum "$AUDIT_NS") + $(pending "$AUDIT_NS.rate"))) = "$RUNS"
check "... service and tty cut to 64 bytes, marked" \
	grep -q " service=$(long S 61)\.\.\. tty=$(long T 61)\.\.\. " "$AUDIT_NS"
check "... rhost cut to 255 bytes" fails grep -qE ' rhost=[^ ]{256}' "$AUDIT_NS"
check "... the rate file is root's, 0600" test "$(stat -c '%U %a' "$AUDIT_NS.rate" 2>&1)" = "root 600"
check "audit chain verifies" ns root "$SK/practicerunner-admin" audit verify

# --- (b) practicerunner-authorized-keys, offered keys from one address ------------------------------
write_policy all-users none
for k in 1 2 3 4 5; do ssh-keygen -q -t ed25519 -N "" -f "$T/offer$k" >/dev/null || bail "ssh-keygen"; done
# The helper as the child of a process holding a TCP connection from 127.0.0.1 (as
# sshd's monitor does), $RUNS offers for prstaff (no SSH keys) and unknown names.
offers() {
	python3 - "$AK" "$CONF" "$T" "$RUNS" <<'PY'
import socket, subprocess, sys
ak, conf, t, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(1)
cli = socket.socket(); cli.bind(("127.0.0.1", 0)); cli.connect(lst.getsockname())
acc, _ = lst.accept()
keys = [open("%s/offer%d.pub" % (t, k)).read().split()[:2] for k in range(1, 6)]
for i in range(runs):
    user = "prstaff" if i % 2 == 0 else "nosuchuser%d" % i
    ktype, blob = keys[i % 5]
    subprocess.run([ak, "--config", conf, user, ktype, blob],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
PY
}
bytes0=$(size_of "$AUDIT")
start=$(date +%s%N)
offers
ms=$(( ($(date +%s%N) - start) / 1000000 ))
written=$(grep -c ' event=ssh-key-offer ' "$AUDIT" || true)
bytes=$(( $(size_of "$AUDIT") - bytes0 ))
echo "# authorized-keys: $RUNS offers in $ms ms wrote $written records, $bytes bytes"
check "offer flood: at most $((2 * RATE)) ssh-key-offer records (rate $RATE a minute per address)" \
	le "$written" $((2 * RATE))
check "... at least one written, with the address" grep -q ' event=ssh-key-offer .* rhost=127.0.0.1 ' "$AUDIT"
check "... log growth bounded" le "$bytes" $((2 * RATE * RECORD_MAX))
check "... written + merged= + pending = $RUNS" \
	test $((written + $(merged_sum "$AUDIT") + $(pending "$AUDIT.rate"))) = "$RUNS"
check "... unknown names still never recorded" fails grep -q nosuchuser "$AUDIT"
check "audit chain verifies" "$SK/practicerunner-admin" --config "$CONF" audit verify

# --- (c) the log's file system below min_free_mb ------------------------------------------------------
user_key prstaff2 yk yubikey5
chown -R root: "$NS_KEYS/prstaff2"
check "setup: prstaff2's key enrolled" ns root env PRACTICERUNNER_SOFTKEY="$(key_path prstaff2 yk)" \
	"$SK/practicerunner-admin" key enroll prstaff2 <<< ""
chown -R prstaff2: "$NS_KEYS/prstaff2"
attach prstaff2/yk
request prstaff2 "" > "$T/req.ok"; chmod 644 "$T/req.ok"
# One namespace: a 4 MB tmpfs over the log's directory, then the attacker's
# failures, a sign-in that must succeed, and the administrator's checks.
cat > "$T/small.sh" <<'EOS'
set -u
t=$1 v=$2 admin=$3
mount -t tmpfs -o size=4m,mode=0700 tmpfs /var/log/practicerunner
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- env -i PATH=/usr/bin:/bin "$@"; }
# (the helper's standard input and output are pipes, as from the module)
for i in $(seq 40); do cat "$t/req.1" | as prstaff "$v" 2>&1 | cat > "$t/small.fail.$i" & done; wait
cat "$t/req.ok" | as prstaff2 "$v" 2>&1 | cat > "$t/small.ok"
"$admin" policy check > "$t/small.check" 2>&1; echo "$?" > "$t/small.check.rc"
"$admin" coverage > "$t/small.cov" 2>&1; echo "$?" > "$t/small.cov.rc"
cp /var/log/practicerunner/audit.log "$t/small.log"
cp /var/log/practicerunner/audit.log.rate "$t/small.rate" 2>/dev/null || true
EOS
chmod 644 "$T/small.sh"
timeout 120 python3 "$CAPTURE" "$T/syslog" unshare -m --propagation private -- \
	bash "$NS_ENTER" root bash "$T/small.sh" "$T" "$VERIFY" "$SK/practicerunner-admin" > "$T/out" 2>&1
check "small file system: the attacker's sign-ins still fail" \
	test "$(cat "$T"/small.fail.* | grep -c '^result not-enrolled')" = 40
check "... prstaff2's sign-in still succeeds" grep -q '^result ok' "$T/small.ok"
check "... its record is written" grep -q ' event=auth result=success .*user=prstaff2 ' "$T/small.log"
check "... no failure record written" test "$(records "$T/small.log" auth prstaff)" = 0
check "... all 40 counted in the rate file" test "$(pending "$T/small.rate")" = 40
check "... the alert reached syslog" grep -q 'practicerunner: audit space low: [0-9]* MB free on the audit log.s file system (minimum 64); failure records are being counted, not written' "$T/syslog"
check "... once, not once per record" test "$(grep -c 'audit space low' "$T/syslog")" = 1
check "... no failure record went to syslog either" fails grep -q 'event=auth result=failure' "$T/syslog"
check "policy check: warns about the space" grep -q 'warning: .*audit.log.* MB free.*min_free_mb' "$T/small.check"
check "... and exits 4" test "$(cat "$T/small.check.rc")" = 4
check "coverage: warns too" grep -q 'warning: .*audit.log.* MB free.*min_free_mb' "$T/small.cov"
check "... and exits 4" test "$(cat "$T/small.cov.rc")" = 4
done_testing

#!/bin/bash
# The audit log's rotation, its series and its export (doc/ARCHITECTURE.md
# §8.7, §8.8): three rotations with sign-ins between them verify as one
# chain; a removed, swapped, cut or edited file is named; a kill at each
# step of a rotation leaves the old log or the new one and verify says
# which; a sign-in waiting for the lock during a rotation lands in the new
# log; the shipped logrotate file, run by the real logrotate, rotates
# through practicerunner-admin without touching the log itself; the export
# carries every field, as JSON and as RFC 5424; and a real rsyslogd,
# reached through a private /dev/log, forwards the module's syslog copy of
# 100 sign-ins over TCP on 127.0.0.1, which parses back to the export.
. "$top_srcdir/tests/integration/lib.sh"

new_key yk1 yubikey5
write_policy all-users owners
service login
ADMIN_CMD="$SK/practicerunner-admin --config $CONF"

sign_in() { expect_pam PAM_SUCCESS login prowner auth "$T/yk1.key"; }
series_files() { ls "$T" | grep -E '^audit\.log\.[0-9]{8}T[0-9]{6}Z-[0-9]{12}$'; }
n_series() { series_files | wc -l; }
verify_all() { admin "" audit verify --all "${1:-$T}"; }
killed() { [ "$1" = 137 ]; }
# A copy of the series to damage: copy_series -> $T/copy
copy_series() { rm -rf "$T/copy"; mkdir -m 755 "$T/copy"; cp -a "$T"/audit.log "$T"/audit.log.head $(series_files | sed "s|^|$T/|") "$T/copy/"; }
nth_series() { ls "$T/copy" | grep -E '^audit\.log\.' | grep -v head | sed -n "${1}p"; }

# --- three rotations with sign-ins between them ------------------------------------------------
check "setup: a key" admin "$T/yk1.key" key enroll prowner --label one
check "a first sign-in" sign_in
for i in 1 2 3; do
	check "rotation $i" eval 'admin "" audit rotate && out_has "kept as audit.log."'
	check "... a sign-in after it" sign_in
	check "... and another" sign_in
done
check "three series files" test "$(n_series)" = 3
check "the live log starts with a rotate record" \
	eval 'head -n 1 "$AUDIT" > "$T/out"; out_has " event=rotate result=success actor=root detail=continues%20audit.log."'
check "audit verify (the live log) passes and says it was rotated" \
	eval 'admin "" audit verify && out_has "hash chain intact" && out_has "the log was rotated"'
check "audit verify --all passes over four files" \
	eval 'verify_all && out_has "4 files of audit.log" && out_has "hash chain intact across the series"'
check "... with DIR defaulting to the log's directory" eval 'admin "" audit verify --all && out_has "4 files"'

# --- each tampering is named ------------------------------------------------------------------
copy_series; rm "$T/copy/$(nth_series 2)"
check "a removed middle file is detected" fails verify_all "$T/copy"
check "... and named as missing" out_has "are missing between $(nth_series 1) and"
copy_series; A=$(nth_series 1); B=$(nth_series 2)
mv "$T/copy/$A" "$T/copy/x"; mv "$T/copy/$B" "$T/copy/$A"; mv "$T/copy/x" "$T/copy/$B"
check "two swapped files are detected" fails verify_all "$T/copy"
check "... and named as reordered" out_has "$A .* the files were reordered"
copy_series; A=$(nth_series 2); sed -i '$d' "$T/copy/$A"
check "a file cut short is detected" fails verify_all "$T/copy"
check "... and named" out_has "$A was cut short"
copy_series; A=$(nth_series 2); sed -i '2s/user=prowner/user=prowneR/' "$T/copy/$A"
check "one edited byte is detected" fails verify_all "$T/copy"
check "... and its file and line named" out_has "$A:2: record 2 was edited"
check "a damaged series exits 1 (as audit verify)" test "$(verify_all "$T/copy"; echo $?)" = 1
check "the real series is untouched" verify_all

# --- a kill at each step of a rotation -----------------------------------------------------------
before=$(n_series)
PRACTICERUNNER_TEST_POINT=rotate-written:kill admin "" audit rotate
check "rotation killed after writing the new log" killed $?
check "... verify says the log is as before" \
	eval 'admin "" audit verify && out_has "as it was before the rotation"'
check "... no new series file" test "$(n_series)" = "$before"
check "... sign-ins go on" sign_in
PRACTICERUNNER_TEST_POINT=rotate-linked:kill admin "" audit rotate
check "rotation killed after naming the old file" killed $?
check "... verify says the log is as before" \
	eval 'admin "" audit verify && out_has "a rotation was interrupted: audit.log.* is still this log"'
check "... verify --all passes and says so" eval 'verify_all && out_has "rotation was interrupted"'
check "... sign-ins go on" sign_in
check "the next rotation finishes cleanly" admin "" audit rotate
check "... one more series file, the stale name gone" test "$(n_series)" = $((before + 1))
check "... verify --all passes" eval 'verify_all && ! out_has interrupted'
PRACTICERUNNER_TEST_POINT=rotate-renamed:kill admin "" audit rotate
check "rotation killed after the new log took the name" killed $?
check "... the head is one record behind, which verify accepts: the new state" \
	eval 'admin "" audit verify && out_has "the log was rotated"'
check "... verify --all passes" verify_all
check "... sign-ins go on" sign_in
check "... and verify --all still passes" verify_all

# --- a sign-in waiting for the lock during a rotation ---------------------------------------------
PRACTICERUNNER_TEST_POINT=rotate-linked:stop $ADMIN_CMD audit rotate > "$T/rot.out" 2>&1 &
ROT=$!
for _ in $(seq 50); do [ "$(ps -o stat= -p $ROT | cut -c1)" = T ] && break; sleep 0.1; done
sign_in & SIGN=$!
sleep 1                     # the sign-in has opened the old file and waits for its lock
kill -CONT $ROT
wait $ROT; rot_rc=$?
wait $SIGN; sign_rc=$?
check "a rotation stopped holding the lock finishes" test "$rot_rc" = 0
check "... the sign-in that waited succeeds" test "$sign_rc" = 0
check "... its record is in the new log, after the rotate record" \
	eval 'sed -n 2p "$AUDIT" > "$T/out"; out_has " event=auth result=success .*user=prowner "'
check "... and verify --all passes" verify_all

# --- logrotate ----------------------------------------------------------------------------------------
if command -v logrotate >/dev/null; then
	sed -e "s|/var/log/practicerunner/audit.log|$AUDIT|" \
		-e "s|/usr/sbin/practicerunner-admin|$ADMIN_CMD|" \
		"$top_srcdir/conf/logrotate.d/practicerunner" > "$T/logrotate.conf"
	before=$(n_series); ino=$(stat -c %i "$AUDIT")
	check "logrotate -f runs the shipped stanza" logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf"
	check "... one more series file, made by audit rotate" test "$(n_series)" = $((before + 1))
	check "... the series file is the old log itself, not a copy" \
		test "$(stat -c %i "$T/$(series_files | tail -n 1)")" = "$ino"
	check "... logrotate left no file of its own" eval '! ls "$T" | grep -qE "^audit\.log(\.[0-9]+|-[0-9]{8})(\.gz)?$"'
	check "... verify --all passes" verify_all
	check "logrotate without -f: not due again, nothing rotated" \
		eval 'logrotate -s "$T/logrotate.state" "$T/logrotate.conf" && test "$(n_series)" = $((before + 1))'
else
	ok "# SKIP logrotate is not installed"
fi

# --- export ---------------------------------------------------------------------------------------------
total=$(cat $(series_files | sed "s|^|$T/|") "$AUDIT" | wc -l)
check "export --format json: one line per record of the whole series" \
	eval 'admin "" audit export --format json && test "$(wc -l < "$T/out")" = "$total"'
cp "$T/out" "$T/export.json"
# The log's own lines, parsed independently, equal the JSON objects (every field, in order).
cat > "$T/parse.py" <<'EOF'
import json, sys, urllib.parse
NUM = {"seq", "sign_count", "merged"}
def record(line):
    out = {}
    for f in line.rstrip("\n").split(" "):
        k, v = f.split("=", 1)
        v = urllib.parse.unquote(v, errors="strict")
        out[k] = int(v) if k in NUM else v
    return out
recs = [record(l[l.index("seq="):]) for l in open(sys.argv[1]) if "seq=" in l]
exp = [json.loads(l) for l in open(sys.argv[2])]
if len(sys.argv) > 3:
    exp = exp[-len(recs):]
sys.exit(0 if recs == exp and [list(r) for r in recs] == [list(e) for e in exp] else 1)
EOF
cat $(series_files | sed "s|^|$T/|") "$AUDIT" > "$T/all.log"
check "... every field of every record, as the log holds it" python3 "$T/parse.py" "$T/all.log" "$T/export.json"
check "--since a future day: nothing" eval 'admin "" audit export --since 2999-01-01 && test ! -s "$T/out"'
check "--since today: the records of today" \
	eval 'admin "" audit export --since "$(date -u +%Y-%m-%d)" && test "$(wc -l < "$T/out")" = "$total"'
check "--format rfc5424: one message per record" \
	eval 'admin "" audit export --format rfc5424 && test "$(wc -l < "$T/out")" = "$total"'
check "... each with the header and the structured data" \
	eval '! grep -vE "^<85>1 [0-9T:-]+Z [^ ]+ practicerunner - [a-z-]+ \[practicerunner@32473 seq=\"[0-9]+\" .* hash=\"[0-9a-f]{64}\"\]$" "$T/out"'
check "a bad --format is a usage error (2)" \
	eval 'admin "" audit export --format csv; test $? = 2'
check "a bad --since is a usage error (2)" \
	eval 'admin "" audit export --since yesterday; test $? = 2'
printf 'not a record\n' >> "$AUDIT"
check "a line that is not a record stops the export (exit 1), naming it" \
	eval 'admin "" audit export; test $? = 1 && out_has "audit.log:"'
sed -i '$d' "$AUDIT"

# --- the syslog copy through a real rsyslogd ---------------------------------------------------------
# syslog(3) writes to /dev/log; the test binds its own socket over /dev/log in
# a private mount namespace, so the machine's syslog is not touched.
if ! command -v rsyslogd >/dev/null; then
	ok "# SKIP rsyslog is not installed"
elif [ ! -e /dev/log ]; then
	ok "# SKIP no /dev/log to bind the test's socket over"
else
	mkdir "$T/rs"
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat > "$T/rsyslog.conf" <<EOF
global(workDirectory="$T/rs" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
module(load="imtcp")
input(type="imuxsock" Socket="$T/log.sock" RateLimit.Interval="0" ruleset="host")
input(type="imtcp" port="$PORT" address="127.0.0.1" ruleset="collector")
template(name="msgonly" type="string" string="%msg%\n")
ruleset(name="host") {
  action(type="omfwd" target="127.0.0.1" port="$PORT" protocol="tcp"
         template="RSYSLOG_SyslogProtocol23Format" TCP_Framing="octet-counted")
}
ruleset(name="collector") {
  action(type="omfile" file="$T/collected.log" template="msgonly")
}
EOF
	rsyslogd -f "$T/rsyslog.conf" -i "$T/rs/pid" -n > "$T/rs/out" 2>&1 &
	RSYSLOGD=$!
	trap 'kill $RSYSLOGD 2>/dev/null; rm -rf "$T"' EXIT
	for _ in $(seq 50); do [ -S "$T/log.sock" ] && break; sleep 0.1; done
	check "rsyslogd listens on the test's socket" test -S "$T/log.sock"
	admin "" audit rotate >/dev/null   # the collector's copy starts with the new log
	export PRACTICERUNNER_SOFTKEY=$T/yk1.key PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d
	pwrap unshare -m sh -c 'mount --bind "$0" /dev/log && i=0 && while [ $i -lt 100 ]; do
		LD_PRELOAD="$1" "$2" login prowner auth > "$3" 2>&1 || exit 1
		grep -qx "result: PAM_SUCCESS" "$3" || exit 1; i=$((i + 1)); done' \
		"$T/log.sock" "$PRELOAD" "$PAMRUN" "$T/signin.out" < /dev/null
	rc=$?
	check "100 sign-ins with the private /dev/log" test "$rc" = 0
	[ "$rc" = 0 ] || { sed 's/^/# /' "$T/signin.out"; tail -n 3 "$AUDIT" | sed 's/^/# /'; }
	unset PRACTICERUNNER_SOFTKEY PAM_WRAPPER PAM_WRAPPER_SERVICE_DIR
	for _ in $(seq 100); do [ "$(grep -c 'practicerunner: seq=' "$T/collected.log" 2>/dev/null)" -ge 100 ] && break; sleep 0.1; done
	check "the collector received the 100 records over TCP" \
		test "$(grep -c 'practicerunner: seq=' "$T/collected.log")" = 100
	admin "" audit export --format json > /dev/null; cp "$T/out" "$T/export.json"
	check "... which parse back to the last 100 of audit export --format json" \
		python3 "$T/parse.py" "$T/collected.log" "$T/export.json" last
	kill $RSYSLOGD; wait $RSYSLOGD 2>/dev/null
	trap 'rm -rf "$T"' EXIT
fi

done_testing

#!/bin/bash
# What an attacker adds to the audit log (doc/ARCHITECTURE.md §8.6): records
# and bytes a second, and per attempt,
#  - through practicerunner-verify: an unprivileged user runs the real
#    setuid helper FLOOD_RUNS (300) times, FLOOD_PARALLEL (50) at a time,
#    each a failing sign-in with the longest service, tty and rhost the
#    protocol allows (rhost different each time), in a private mount
#    namespace (tests/integration/setuid_lib.sh);
#  - through practicerunner-authorized-keys: FLOOD_RUNS offered keys from
#    one address (the helper as the child of a process holding a TCP
#    connection, as sshd's monitor), half for a user without SSH keys, half
#    for unknown names, one after another as sshd runs them.
# The policy has no audit { } section: the default rate (10 failure records
# a minute per user and per address). Target (a ratio, so machine speed
# moves both sides): records written / attempts <= 2 x rate / FLOOD_RUNS,
# i.e. at most two windows' worth, whatever the attempt rate.
# Run by `make bench` (root, after the test programs are built); run it
# with top_builddir pointing at an older build for the "before" figures.
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
RUNS=${FLOOD_RUNS:-300}
PARALLEL=${FLOOD_PARALLEL:-50}
RATE=10
[ "$(id -u)" != 0 ] || [ -n "${PR_TESTENV:-}" ] || exec bash "$top_srcdir/tests/testenv.sh" bash "$0" "$@"
. "$top_srcdir/tests/integration/lib.sh" >/dev/null
. "$top_srcdir/tests/integration/setuid_lib.sh"
TEST_AUDIT_RATE=    # the defaults
AK=$SK/practicerunner-authorized-keys

cat > "$NS_ETC/practicerunner.conf" <<EOC
rp_id = "pam://bench-clinic"
require_security_key = all-users
state_dir = "/var/lib/practicerunner"
audit_log = "/var/log/practicerunner/audit.log"
trust_anchors = "/etc/practicerunner/trust-anchors.d"
EOC
chmod 644 "$NS_ETC/practicerunner.conf"
long() { head -c "$2" /dev/zero | tr '\0' "$1"; }
for i in $(seq "$RUNS"); do
	printf 'practicerunner-verify 1\nphase=auth\nuser=prstaff\nservice=%s\ntty=%s\nrhost=%s\nuv=0\nstep_up=0\nopportunistic=0\ntimeout=0\n\n' \
		"$(long S 255)" "$(long T 255)" "h$i-$(long r 240)" > "$T/req.$i"
done
chmod 644 "$T"/req.*
size_of() { if [ -f "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
lines_of() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

# row NAME RECORDS BYTES MS: one line of the table, and the summary row
row() {
	local name=$1 rec=$2 bytes=$3 ms=$4 ratio
	ratio=$(awk -v r="$rec" -v n="$RUNS" 'BEGIN {printf "%.3f", r / n}')
	printf '%-44s %8s %10s %9s %11s %9s\n' "$name" "$rec" "$bytes" \
		"$(awk -v r="$rec" -v ms="$ms" 'BEGIN {printf "%.1f", r * 1000 / ms}')" \
		"$(awk -v b="$bytes" -v ms="$ms" 'BEGIN {printf "%.0f", b * 1000 / ms}')" "$ratio"
	[ -n "${BENCH_SUMMARY:-}" ] && printf '%s|%s|%s|%s\n' \
		"audit flood, $name: records written / attempts" \
		"$ratio ($rec of $RUNS in $ms ms, $bytes bytes)" "<= $(awk -v r="$RATE" -v n="$RUNS" 'BEGIN {printf "%.3f", 2 * r / n}')" \
		"$( [ "$rec" -le $((2 * RATE)) ] && echo met || echo MISSED)" >> "$BENCH_SUMMARY"
	return 0
}

printf '%-44s %8s %10s %9s %11s %9s\n' "attack ($RUNS attempts)" "records" "bytes" "records/s" "bytes/s" "per try"

rec0=$(lines_of "$AUDIT_NS"); bytes0=$(size_of "$AUDIT_NS")
start=$(date +%s%N)
ns prstaff bash -c 'for i in $(seq "$1"); do
	cat "$3/req.$i" | "$2" 2>&1 | cat > /dev/null &
	[ $((i % $4)) = 0 ] && wait
done; wait' _ "$RUNS" "$VERIFY" "$T" "$PARALLEL" || { cat "$T/out"; exit 1; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
row "practicerunner-verify, $PARALLEL at a time" $(( $(lines_of "$AUDIT_NS") - rec0 )) \
	$(( $(size_of "$AUDIT_NS") - bytes0 )) "$ms"

write_policy all-users none
ssh-keygen -q -t ed25519 -N "" -f "$T/offer" >/dev/null || exit 1
rec0=$(lines_of "$AUDIT"); bytes0=$(size_of "$AUDIT")
start=$(date +%s%N)
python3 - "$AK" "$CONF" "$T/offer.pub" "$RUNS" <<'PY' || exit 1
import socket, subprocess, sys
ak, conf, pub, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(1)
cli = socket.socket(); cli.bind(("127.0.0.1", 0)); cli.connect(lst.getsockname())
acc, _ = lst.accept()
ktype, blob = open(pub).read().split()[:2]
for i in range(runs):
    user = "prstaff" if i % 2 == 0 else "nosuchuser%d" % i
    subprocess.run([ak, "--config", conf, user, ktype, blob],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
PY
ms=$(( ($(date +%s%N) - start) / 1000000 ))
row "practicerunner-authorized-keys, one address" $(( $(lines_of "$AUDIT") - rec0 )) \
	$(( $(size_of "$AUDIT") - bytes0 )) "$ms"
echo "(default rate: $RATE failure records a minute per user and per address; one run, wall time)"

#!/bin/bash
# The web gate's cost (issue 16): the real practicerunner-webgate on
# 127.0.0.1:443 in a network namespace of its own, as
# tests/integration/webgate.sh runs it, driven by bench/webgate_load.py
# (which says how each figure is taken), against a console sign-in in the
# same run: the softkey module through pamrun under pam_wrapper, for an
# enrolled user with a yubikey5 softkey, and a stack of pam_permit alone
# (the floor: process start, PAM and pam_wrapper), in alternating rounds.
#
# 1. Verification: the gate's root parent's CPU per successful POST
#    /api/get (the client's own work is done before and not counted), as
#    a ratio to the console module's CPU above the floor (its policy,
#    decision, assertion, verification, counter update and record; the
#    softkey's signing included), medians. Target <= 0.5.
#    Also shown: the ratio to the whole console process, the HTTP side's
#    CPU per request, and the whole request's wall time.
# 2. USERS concurrent pending sign-ins (one user and one address each),
#    posted at once: the median and p90 completion as a ratio to one
#    sequential request's wall time (median), medians over the rounds.
#    Targets: median <= 60, p90 <= 100. Every response must be ok and the
#    audit log must record each of them.
#
# Sizes: BENCH_WG_USERS (100: prst01..prst99 and prstaff2),
# BENCH_WG_ROUNDS (10) of BENCH_WG_BATCH (20) sequential sign-ins of each
# kind, BENCH_WG_CONCURRENT_ROUNDS (3). Run by `make bench` (root, after the
# test programs are built).
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
USERS=${BENCH_WG_USERS:-100}
[ "$(id -u)" != 0 ] || [ -n "${PR_TESTENV:-}" ] || exec bash "$top_srcdir/tests/testenv.sh" bash "$0" "$@"
# Port 443 is free in a network namespace of its own, which goes with the bench.
if [ "$(id -u)" = 0 ] && [ -z "${PR_WG_NETNS:-}" ]; then
	PR_WG_NETNS=1 exec unshare -n bash "$0" "$@"
fi
. "$top_srcdir/tests/integration/lib.sh" >/dev/null
HOST=gate.clinic.test
PORT=443
ORIGIN=https://$HOST
SOCK=$T/ctl.sock
. "$top_srcdir/tests/integration/webgate_lib.sh"
trap 'stop_gate; rm -rf "$T"' EXIT
fail() { echo "webgate bench: $*"; [ -f "$T/out" ] && head -n 20 "$T/out"; exit 1; }

[ "$USERS" -ge 1 ] && [ "$USERS" -le 100 ] || fail "BENCH_WG_USERS must be 1 to 100 (the test accounts)"
python3 -c 'import cryptography' 2>/dev/null || fail "python3-cryptography is not installed (the client needs it)"
command -v curl >/dev/null || fail "curl is not installed"
id nobody >/dev/null 2>&1 || fail "no account nobody to run the gate's HTTP side as"
ip link set lo up || fail "cannot bring up lo in the bench's network namespace"

gate_certs "webgate bench CA" || fail "making the test certificates failed"
write_policy all-users none discouraged 5 clinic.test
printf 'web {\n  origin = "%s"\n  listen = "127.0.0.1:%s"\n  cert_file = "%s"\n  key_file = "%s"\n  control_socket = "%s"\n  bind_client_address = true\n  control_group = "root"\n}\n' \
	"$ORIGIN" "$PORT" "$T/gate.pem" "$T/gate.key" "$SOCK" >> "$CONF"

# The console side: prstaff with an enrolled yubikey5 softkey; the floor.
new_key console yubikey5
admin "$T/console.key" key enroll prstaff --label desk || fail "enrolling the console key failed"
service console
printf 'auth required pam_permit.so\n' > "$T/pam.d/floor"
expect_pam PAM_SUCCESS console prstaff auth "$T/console.key" || fail "a console sign-in failed"

start_gate || fail "the gate did not start"
CHILD=$(pgrep -P "$GATE_PID" | head -n 1)
[ -n "$CHILD" ] || fail "the gate's HTTP side is not running"

# One invitation per user, each user signing in from an address of its own.
i=0
for u in $(seq -f 'prst%02g' 1 99) prstaff2; do
	i=$((i + 1))
	[ "$i" -le "$USERS" ] || break
	admin "" invite "$u" || fail "an invitation for $u failed"
	tok=$(grep -oE '[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){6}' "$T/out" | head -n 1)
	echo "$u 127.0.1.$i $tok"
done > "$T/invites"

start=$(date +%s)
python3 "$top_srcdir/bench/webgate_load.py" --figures "$T/figures" --invites "$T/invites" \
	--sock "$SOCK" --ca "$T/ca.pem" --host "$HOST" --port "$PORT" --origin "$ORIGIN" --audit "$AUDIT" \
	--parent-pid "$GATE_PID" --child-pid "$CHILD" --pamrun "$PAMRUN" --pam-dir "$T/pam.d" \
	--preload "$PRELOAD" --softkey "$T/console.key" --console-user prstaff \
	--console-service console --floor-service floor --rounds "${BENCH_WG_ROUNDS:-10}" \
	--batch "${BENCH_WG_BATCH:-20}" --concurrent-rounds "${BENCH_WG_CONCURRENT_ROUNDS:-3}" \
	> "$T/out" 2>&1 || fail "the load driver failed"
kill -0 "$GATE_PID" 2>/dev/null || fail "the gate ended during the bench"
admin "" audit verify || fail "the audit log does not verify after the bench"

f() { awk -v k="$1" '$1 == k { print $2 }' "$T/figures"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN {print (r <= t ? "met" : "MISSED")}'; }
V=$(f parent_cpu_median)
# Without schedstat (a kernel without CONFIG_SCHED_INFO) the mean from /proc/PID/stat's ticks.
[ "$V" = -1 ] && V=$(f parent_cpu_mean_stat)
C=$(f console_cpu_median); FL=$(f floor_cpu_median)
M=$(awk -v c="$C" -v f="$FL" 'BEGIN {printf "%.3f", c - f}')
W=$(f gate_wall_median); CM=$(f concurrent_median); CP=$(f concurrent_p90)
RV=$(ratio "$V" "$M"); RM=$(ratio "$CM" "$W"); RP=$(ratio "$CP" "$W")

printf '%-60s %10s\n' "per sign-in, $(f requests) sequential of each kind" "ms"
printf '%-60s %10s\n' "gate: root parent's CPU per POST /api/get, median (p90)" "$V ($(f parent_cpu_p90))"
printf '%-60s %10s\n' "gate: root parent's CPU per request, mean of /proc/stat" "$(f parent_cpu_mean_stat)"
printf '%-60s %10s\n' "gate: HTTP side's CPU per request, mean of /proc/stat" "$(f child_cpu_mean_stat)"
printf '%-60s %10s\n' "gate: whole request's wall time, median (p90)" "$W ($(f gate_wall_p90))"
printf '%-60s %10s\n' "console: whole pamrun process's CPU, median" "$C"
printf '%-60s %10s\n' "console: pam_permit alone (the floor), CPU, median" "$FL"
printf '%-60s %10s\n' "console: the module above the floor (difference)" "$M"
printf '%-60s %10s\n' "console: whole pamrun process's wall time, median" "$(f console_wall_median)"
printf '%-60s %10s\n' "ratio gate parent / console module (target <= 0.5)" "$RV"
printf '%-60s %10s\n' "ratio gate parent / whole console process (no target)" "$(ratio "$V" "$C")"
for r in $(seq 0 $(( ${BENCH_WG_CONCURRENT_ROUNDS:-3} - 1 ))); do
	IFS=/ read -r m p ok rec <<<"$(f "concurrent_$r")"
	printf '%-60s %10s\n' "$USERS at once, round $((r + 1)): completion median / p90 (ok, recorded)" "$m / $p ($ok, $rec)"
done
printf '%-60s %10s\n' "$USERS at once: root parent's CPU per request, mean" "$(f concurrent_parent_cpu)"
printf '%-60s %10s\n' "ratio $USERS at once, median / one request (target <= 60)" "$RM"
printf '%-60s %10s\n' "ratio $USERS at once, p90 / one request (target <= 100)" "$RP"
echo "(bench driver: $(( $(date +%s) - start )) s, enrollment of $USERS users included)"
if [ -n "${BENCH_SUMMARY:-}" ]; then
	printf '%s|%s|%s|%s\n' "web gate: parent CPU per sign-in / console module (medians)" \
		"$RV ($V / $M ms)" "<= 0.5" "$(verdict "$RV" 0.5)" >> "$BENCH_SUMMARY"
	printf '%s|%s|%s|%s\n' "web gate: $USERS at once, median completion / one request" \
		"$RM ($CM / $W ms)" "<= 60" "$(verdict "$RM" 60)" >> "$BENCH_SUMMARY"
	printf '%s|%s|%s|%s\n' "web gate: $USERS at once, p90 completion / one request" \
		"$RP ($CP / $W ms)" "<= 100" "$(verdict "$RP" 100)" >> "$BENCH_SUMMARY"
fi

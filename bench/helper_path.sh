#!/bin/bash
# The extra cost of the unprivileged path (module as the user, running the
# setuid practicerunner-verify) over the direct path (module as root), for
# one whole sign-in with a softkey answering instantly: pamrun under
# pam_wrapper in a private mount namespace (tests/integration/setuid_lib.sh),
# alternating the two paths, RUNS times each. Prints the medians, p90, the
# difference of the medians and their ratio; target: helper / direct <= 1.15
# (a ratio measured in the same run, so a slower machine moves both).
# Run by `make bench` (root, after the test programs are built).
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
RUNS=${RUNS:-200}
# lib.sh would start this script again in tests/testenv.sh with its output
# going where lib.sh's goes (nowhere): go there first.
[ "$(id -u)" != 0 ] || [ -n "${PR_TESTENV:-}" ] || exec bash "$top_srcdir/tests/testenv.sh" bash "$0" "$@"
. "$top_srcdir/tests/integration/lib.sh" >/dev/null
. "$top_srcdir/tests/integration/setuid_lib.sh"

write_ns_policy all-users owners discouraged 2
user_key prstaff sy synced
attach prstaff/sy
chown -R root: "$NS_KEYS/prstaff"
ns root env PRACTICERUNNER_SOFTKEY="$(key_path prstaff sy)" "$SK/practicerunner-admin" key enroll prstaff ||
	{ cat "$T/out"; exit 1; }
chown -R prstaff: "$NS_KEYS/prstaff"
mkdir -m 755 "$T/bin"
cp "$SK/pam_practicerunner.so" "$PAMRUN" "$T/bin/"
chmod 755 "$T/bin"/*
printf '%s\n' "auth [success=done default=die] $T/bin/pam_practicerunner.so" > "$T/pam.d/bench"

# One namespace for all runs; inside it, each run's wall time in microseconds.
cat > "$T/loop.sh" <<EOF
run() { local s=\$(date +%s%N); "\$@" >/dev/null 2>&1 || echo FAIL; echo \$(( (\$(date +%s%N) - s) / 1000 )); }
export PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d LD_PRELOAD=$PRELOAD
for i in \$(seq $RUNS); do
	chown -R prstaff: $NS_KEYS/prstaff
	printf 'helper '; run setpriv --reuid=prstaff --regid=\$(id -g prstaff) --init-groups -- $T/bin/pamrun bench prstaff auth
	chown -R root: $NS_KEYS/prstaff
	printf 'direct '; run setpriv --reuid=0 --regid=0 --clear-groups -- env PRACTICERUNNER_SOFTKEY=$(key_path prstaff sy) $T/bin/pamrun bench prstaff auth
done
EOF
ns root bash "$T/loop.sh" || { cat "$T/out"; exit 1; }
if grep -q FAIL "$T/out"; then echo "a sign-in failed during the benchmark:"; head "$T/out"; exit 1; fi

stats() {   # stats PATH -> "median p90" in ms
	grep "^$1 " "$T/out" | awk '{print $2}' | sort -n |
		awk '{v[NR]=$1} END {printf "%.2f %.2f", v[int((NR+1)/2)]/1000, v[int(NR*0.9)]/1000}'
}
read -r dm dp <<<"$(stats direct)"
read -r hm hp <<<"$(stats helper)"
printf '%-40s %10s %10s\n' "sign-in, softkey answering instantly" "median ms" "p90 ms"
printf '%-40s %10s %10s\n' "direct path (module as root)" "$dm" "$dp"
printf '%-40s %10s %10s\n' "helper path (practicerunner-verify)" "$hm" "$hp"
printf '%-40s %10s\n' "helper path overhead (difference)" "$(awk -v a="$hm" -v b="$dm" 'BEGIN {printf "%.2f", a - b}')"
printf '%-40s %10s\n' "ratio helper / direct (target <= 1.15)" "$(awk -v a="$hm" -v b="$dm" 'BEGIN {printf "%.2f", a / b}')"
echo "($RUNS runs of each path, alternating; each is one whole pamrun process started through setpriv)"
if [ -n "${BENCH_SUMMARY:-}" ]; then
	ratio=$(awk -v a="$hm" -v b="$dm" 'BEGIN {printf "%.2f", a / b}')
	printf '%s|%s|%s|%s\n' "helper path: whole sign-in, helper / direct (medians)" \
		"$ratio ($hm / $dm ms)" "<= 1.15" \
		"$(awk -v r="$ratio" 'BEGIN {print (r <= 1.15 ? "met" : "MISSED")}')" >> "$BENCH_SUMMARY"
fi

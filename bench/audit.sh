#!/bin/bash
# Audit log: append throughput, fsync'd as at every login (bench_audit
# append: BENCH_AUDIT_APPENDS (200) records through pr_audit_append), and
# the time of `practicerunner-admin audit verify` (the release build) on a
# log of BENCH_AUDIT_RECORDS (1,000,000) records, median of
# BENCH_VERIFY_RUNS (5), against `openssl dgst -sha256` over the same file
# in the same rounds (the least any verify must do: read every byte and
# hash it once); target: verify CPU <= 1.5x dgst CPU. The big log is made
# by bench_audit gen with the appender's own formatting and chaining but
# without a lock, fsync and syslog per record, so it is a valid chain with
# a head file.
set -u
: "${top_builddir:=$(pwd)}"
N=${BENCH_AUDIT_RECORDS:-1000000}
K=${BENCH_AUDIT_APPENDS:-200}
R=${BENCH_VERIFY_RUNS:-5}
B=$top_builddir/bench/bench_audit
ADMIN=$top_builddir/helpers/practicerunner-admin
summary() { [ -n "${BENCH_SUMMARY:-}" ] && printf '%s|%s|%s|%s\n' "$@" >> "$BENCH_SUMMARY"; }

d=$(mktemp -d "${BENCH_DIR:-/var/tmp}/pr-bench-audit.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
mkdir -m 700 "$d/state" "$d/anchors"
cat > "$d/practicerunner.conf" <<EOC
rp_id = "pam://bench-clinic"
require_security_key = all-users
require_physical_key = owners
state_dir = "$d/state"
audit_log = "$d/audit.log"
trust_anchors = "$d/anchors"
EOC
chmod 600 "$d/practicerunner.conf"

read -r gen_s bytes < <("$B" gen "$d/audit.log" "$N") || exit 1
[ -n "${bytes:-}" ] || { echo "bench_audit gen failed"; exit 1; }
# Each run: "<wall> <user> <sys>" seconds from bash's time; verify and the
# reference alternate so that background load falls on both alike.
TIMEFORMAT='%R %U %S'
for _ in $(seq "$R"); do
	{ time "$ADMIN" --config "$d/practicerunner.conf" audit verify >"$d/out" 2>&1 ||
		{ cat "$d/out"; exit 1; }; } 2>>"$d/times"
	{ time openssl dgst -sha256 "$d/audit.log" >/dev/null ||
		{ echo "openssl dgst failed"; exit 1; }; } 2>>"$d/ref"
done
grep -q " $N records, hash chain intact" "$d/out" || { cat "$d/out"; exit 1; }
median() { sort -n | awk '{v[NR]=$1} END {printf "%.3f", v[int((NR+1)/2)]}'; }
vwall=$(awk '{print $1}' "$d/times" | median)
vcpu=$(awk '{print $2 + $3}' "$d/times" | median)
rwall=$(awk '{print $1}' "$d/ref" | median)
rcpu=$(awk '{print $2 + $3}' "$d/ref" | median)
ratio=$(awk -v a="$vcpu" -v b="$rcpu" 'BEGIN {printf "%.2f", a / b}')
wratio=$(awk -v a="$vwall" -v b="$rwall" 'BEGIN {printf "%.2f", a / b}')
read -r rate amed ap99 < <("$B" append "$d/append.log" "$K") || exit 1

printf '%-62s %s\n' "audit log" "figure"
printf '%-62s %s\n' "append, fsync'd (lock, tail, write, fsync, head replaced)" \
	"$rate records/s (median $amed ms, p99 $ap99 ms per record)"
printf '%-62s %s\n' "practicerunner-admin audit verify, $N records" \
	"$vwall s wall, $vcpu s CPU (median of $R)"
printf '%-62s %s\n' "openssl dgst -sha256 over the same file (reference)" \
	"$rwall s wall, $rcpu s CPU (median of $R)"
printf '%-62s %s\n' "ratio verify / dgst, CPU (target <= 1.5)" "$ratio (wall $wratio)"
printf '%-62s %s\n' "  log size" "$(awk -v b="$bytes" 'BEGIN {printf "%.0f MB, %.0f bytes per record", b/1e6, b/'"$N"'}')"
printf '%-62s %s\n' "  generating it (bench only: format + chain, no fsync)" "$gen_s s"
echo "($K appends to a fresh log in ${BENCH_DIR:-/var/tmp}; every record is a full auth record)"
summary "audit append, fsync'd" "$rate records/s ($amed ms each)" "-" "-"
summary "audit verify of $N records, CPU / openssl dgst" \
	"$ratio ($vcpu s / $rcpu s; wall $wratio)" "<= 1.5" \
	"$(awk -v r="$ratio" 'BEGIN {print (r <= 1.5 ? "met" : "MISSED")}')"

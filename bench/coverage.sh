#!/bin/bash
# practicerunner-admin coverage against the number of accounts in flat
# files: populations of BENCH_COVERAGE_SIZES (10000 100000) accounts, each
# in a private mount namespace where a generated /etc/passwd and /etc/group
# (the host's entries plus the generated ones) are bound over the real ones,
# which are never touched. Policy: a key for everyone, owners and admins by
# @group (the groups hold 1 % of the accounts), and every account enrolled:
# one passkey each (a real enrollment by the softkey build, its file shared
# by 100 accounts through hard links, as bench/scaling.sh does), so the
# report reads and checks a credential file per user. Per population,
# BENCH_COVERAGE_RUNS (5) runs of the release practicerunner-admin coverage
# and of the reference, `getent passwd | wc -l` over the same files,
# alternating; CPU time (user + system) of each, the median kept. Targets are ratios measured in this run: the largest
# population over the one 10 times smaller (<= 11: the report grows with
# the accounts, not their square), and coverage over the reference at the
# largest population (<= RATIO_REF_MAX).
# Run by `make bench` (root, after the programs are built).
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
SIZES=${BENCH_COVERAGE_SIZES:-10000 100000}
RUNS=${BENCH_COVERAGE_RUNS:-5}
ADMIN=$top_builddir/helpers/practicerunner-admin
SKADMIN=$top_builddir/tests/softkey-build/practicerunner-admin
CTL=$top_builddir/tests/softkey/softkey-ctl
# The issue's goal, 100,000 accounts in under 2 s, where getent lists them
# in 0.075 s, is 27x the reference; 25 leaves room for noise.
RATIO_REF_MAX=25
for p in "$ADMIN" "$SKADMIN" "$CTL"; do [ -x "$p" ] || { echo "build first (make check TESTS=): $p is missing"; exit 1; }; done
command -v unshare >/dev/null || { echo "unshare is needed"; exit 1; }
B=$(mktemp -d /var/tmp/pr-bench-coverage.XXXXXX) || exit 1
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$B"' EXIT
chmod 755 "$B"

# gen N: $B/N/{passwd,group,state,pr.conf}. Generated uids and gids start
# at 200000 (no clash with the host's); every 100th account is in cvowners
# or cvadmins (alternating), listed in the group's member list.
gen() {
	local n=$1 d=$B/$1
	mkdir -p "$d/state/users"
	chmod 700 "$d/state" "$d/state/users"
	{ cat /etc/passwd
	  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
		printf "cv%07d:x:%d:%d::/nonexistent:/usr/sbin/nologin\n", i, 200000 + i, 200000 }'
	} > "$d/passwd"
	{ cat /etc/group
	  echo "cvusers:x:200000:"
	  awk -v n="$n" 'BEGIN { o = ""; a = "";
		for (i = 0; i < n; i += 100) { m = sprintf("cv%07d", i);
			if ((i / 100) % 2 == 0) o = o (o == "" ? "" : ",") m; else a = a (a == "" ? "" : ",") m }
		printf "cvowners:x:200001:%s\ncvadmins:x:200002:%s\n", o, a }'
	} > "$d/group"
	chmod 644 "$d/passwd" "$d/group"
	cat > "$d/pr.conf" <<EOF
rp_id = "pam://bench"
require_security_key = all-users
require_physical_key = owners
state_dir = "$d/state"
audit_log = "$d/audit.log"
trust_anchors = "$d/anchors"
roles {
  owners = {"@cvowners"}
  admins = {"@cvadmins"}
}
EOF
	chmod 644 "$d/pr.conf"
}

# The runs of one population inside its namespace: "coverage|reference SECONDS LINES".
cat > "$B/runs.sh" <<'EOF'
set -u
d=$1 n=$2 admin=$3 skadmin=$4 ctl=$5 runs=$6
mount --bind "$d/passwd" /etc/passwd
mount --bind "$d/group" /etc/group
# One real enrollment (a staff account), copied for each 100 accounts and
# hard-linked to them.
"$ctl" add --state "$d/key" --profile synced >/dev/null || exit 1
PRACTICERUNNER_SOFTKEY=$d/key "$skadmin" --config "$d/pr.conf" key enroll cv0000001 > "$d/out" 2>&1 ||
	{ cat "$d/out"; exit 1; }
u=$d/state/users
mv "$u/cv0000001" "$d/cred"
python3 - "$d/cred" "$u" "$n" <<'PY' || exit 1
import os, shutil, sys
cred, users, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    name = os.path.join(users, "cv%07d" % i)
    if i % 100 == 0:
        src = name
        shutil.copy2(cred, src)
    else:
        os.link(src, name)
PY
TIMEFORMAT='%3U %3S'
cpu() { local t; t=$( { time "$@" > "$d/out" 2>/dev/null; } 2>&1 ); awk '{print $1 + $2}' <<<"$t"; }
for i in $(seq "$runs"); do
	echo "coverage $(cpu "$admin" --config "$d/pr.conf" coverage) $(wc -l < "$d/out")"
	echo "reference $(cpu sh -c 'getent passwd | wc -l') $(cat "$d/out")"
done
EOF

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
printf '%-12s %14s %14s %10s %12s\n' "accounts" "coverage CPU s" "reference s" "ratio" "report lines"
declare -A COV REF
for n in $SIZES; do
	gen "$n"
	unshare -m --propagation private bash "$B/runs.sh" "$B/$n" "$n" "$ADMIN" "$SKADMIN" "$CTL" "$RUNS" \
		> "$B/$n/times" 2>&1 ||
		{ echo "the runs for $n accounts failed:"; head "$B/$n/times" "$B/$n/out"; exit 1; }
	COV[$n]=$(awk '$1 == "coverage" {print $2}' "$B/$n/times" | median)
	REF[$n]=$(awk '$1 == "reference" {print $2}' "$B/$n/times" | median)
	lines=$(awk '$1 == "coverage" {print $3}' "$B/$n/times" | head -n 1)
	# every generated account is in the report, with its passkey
	[ "$lines" -gt "$n" ] || { echo "coverage listed $lines lines for $n accounts:"; head "$B/$n/out"; exit 1; }
	printf '%-12s %14s %14s %10s %12s\n' "$n" "${COV[$n]}" "${REF[$n]}" \
		"$(awk -v a="${COV[$n]}" -v b="${REF[$n]}" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}')" "$lines"
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "${B:?}/$n/state" "$B/$n/out"
done
echo "(median of $RUNS runs each, CPU time user + system; reference: getent passwd | wc -l, same files)"

# The ratios the targets are about: 10x the accounts, and coverage / reference at the largest.
set -- $SIZES
small=$1; large=${!#}
r_users=$(awk -v a="${COV[$large]}" -v b="${COV[$small]}" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 999)}')
r_ref=$(awk -v a="${COV[$large]}" -v b="${REF[$large]}" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 999)}')
scale=$(( large / small ))
RATIO_USERS_MAX=$(awk -v s="$scale" 'BEGIN {printf "%g", s * 1.1}')   # 11 for 10x
printf '%-56s %s\n' "coverage, ${scale}x the accounts ($small -> $large)" "${r_users}x (target <= $RATIO_USERS_MAX)"
printf '%-56s %s\n' "coverage / reference at $large accounts" "${r_ref}x (target <= $RATIO_REF_MAX)"
if [ -n "${BENCH_SUMMARY:-}" ]; then
	printf '%s|%s|%s|%s\n' "coverage, ${scale}x the accounts ($small -> $large)" \
		"${r_users}x (${COV[$small]} s -> ${COV[$large]} s CPU)" "<= $RATIO_USERS_MAX" \
		"$(awk -v r="$r_users" -v t="$RATIO_USERS_MAX" 'BEGIN {print (r <= t ? "met" : "MISSED")}')" >> "$BENCH_SUMMARY"
	printf '%s|%s|%s|%s\n' "coverage / getent passwd, $large accounts" \
		"${r_ref}x (${COV[$large]} s vs ${REF[$large]} s CPU)" "<= $RATIO_REF_MAX" \
		"$(awk -v r="$r_ref" -v t="$RATIO_REF_MAX" 'BEGIN {print (r <= t ? "met" : "MISSED")}')" >> "$BENCH_SUMMARY"
fi

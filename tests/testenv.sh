#!/bin/bash
# tests/testenv.sh CMD [ARGS...]: run one test with the test accounts, and
# leave no account behind on the machine.
#
# As root, CMD runs in a private mount namespace (unshare -m) in which
# copies of /etc/passwd, /etc/group, /etc/shadow and /etc/gshadow, with the
# test accounts below appended, are bind-mounted over the real files. The
# copies live on a tmpfs that exists only in the namespace: when CMD ends,
# the accounts are gone with it. Tests that make namespaces of their own
# (the setuid tests, unshare -m) inherit the binds; where such a test lays
# an overlay over /etc, it binds them again on top (setuid_lib.sh). Nothing
# calls useradd: it could not replace a bind-mounted file (rename: EBUSY).
#
# Without root, or when already inside (PR_TESTENV is set), CMD simply
# runs: tests that need accounts skip themselves without root, and the
# unit tests that need none run as any user (the package build).
#
# Used by make check (LOG_COMPILER, SH_LOG_COMPILER), by
# tests/integration/lib.sh for scripts run on their own (make stress,
# make bench), and by tests/demo.sh. PR_TESTENV_EXTRA_USERS="a b" adds more
# plain accounts (CI uses it for the contract smoke test's accounts).
#
# Ids: one block of consecutive ids, the same for every test of a run, that
# no account or group on this machine uses; it starts at 0x70000000, above
# login.defs' UID_MAX and the ranges systemd hands to dynamic users and
# containers, and below 2^31, so that no program reading an id into an int
# sees it negative.
set -u

if [ "$#" = 0 ]; then echo "usage: testenv.sh CMD [ARGS...]" >&2; exit 2; fi
if [ "$1" != --inside ] && { [ -n "${PR_TESTENV:-}" ] || [ "$(id -u)" != 0 ]; }; then exec "$@"; fi

# Automake reads exit status 99 as a hard error, TAP "Bail out!" likewise.
bail() { echo "Bail out! testenv: $*"; exit 99; }

# --- the accounts -----------------------------------------------------------
# One line each: "user GROUP [SUPPLEMENTARY,GROUPS]"; GROUP "=" is a group
# of the user's own name (useradd's default on Debian).
test_users() {
	local u i
	printf '%s\n' "prowner =" "prowner2 = prowners" "pradmin = pradmins" \
		"prstaff =" "prstaff2 =" "prexempt =" \
		"prckowner = prckowners" "prckadmin prckadmins" "prckstaff =" \
		"drlee =" "nurse-kim =" "prbench ="
	for i in $(seq -w 1 99); do echo "prst$i ="; done    # tests/stress/concurrency.sh
	for u in ${PR_TESTENV_EXTRA_USERS:-}; do echo "$u ="; done
}
# lib.sh's groups and check_roles.c's (prckadmin's primary group,
# prckowner's supplementary one).
TEST_GROUPS="prowners pradmins prckowners prckadmins"

# The first id of a block of N ids that no account and no group uses, at
# 0x70000000 or above, in steps of 4096.
free_base() {
	local n=$1 base=1879048192 used
	used=$( (getent passwd; getent group) | cut -d: -f3)
	while echo "$used" | awk -v lo="$base" -v hi="$((base + n))" \
		'$1 >= lo && $1 < hi { f = 1 } END { exit !f }'; do
		base=$((base + 4096))
		[ "$base" -lt 2147483647 ] || return 1
	done
	echo "$base"
}

# write_copies DIR: DIR/{passwd,group,shadow,gshadow}: the machine's files
# minus any entries under our names (left by an older build), plus ours,
# as `useradd -M -s /usr/sbin/nologin` would make them (no home, locked
# password): groups first, then users, ids counting up from the base.
write_copies() {
	local d=$1 f base spec names
	spec=$(test_users)
	names=$(printf '%s\n%s\n' "$spec" "$(printf '%s\n' $TEST_GROUPS)" | awk '{ print $1 }' | sort -u)
	base=$(free_base "$(( $(echo "$names" | wc -l) * 2 ))") ||
		bail "no free block of ids at 0x70000000 or above"
	for f in passwd group shadow gshadow; do
		[ -f "/etc/$f" ] || bail "/etc/$f is missing"
		cp -p "/etc/$f" "$d/$f"    # owner and mode (shadow: root:shadow 0640)
		echo "$names" | awk -F: 'NR == FNR { ours[$1] = 1; next } !($1 in ours)' - "/etc/$f" > "$d/$f"
	done
	echo "$spec" | awk -v base="$base" -v groups="$TEST_GROUPS" -v days="$(( $(date +%s) / 86400 ))" \
		-v pw="$d/passwd" -v gr="$d/group" -v sh="$d/shadow" -v gs="$d/gshadow" '
		{ user[NR] = $1; prim[NR] = ($2 == "=" ? $1 : $2); sup[NR] = $3; n = NR }
		END {
			ng = split(groups, g, " ")
			for (i = 1; i <= n; i++) if (prim[i] == user[i]) g[++ng] = user[i]
			id = base
			for (j = 1; j <= ng; j++) {
				gid[g[j]] = id++; mem = ""
				for (i = 1; i <= n; i++)
					if (index("," sup[i] ",", "," g[j] ",") > 0)
						mem = mem (mem == "" ? "" : ",") user[i]
				print g[j] ":x:" gid[g[j]] ":" mem >> gr
				print g[j] ":!::" mem >> gs
			}
			for (i = 1; i <= n; i++) {
				if (!(prim[i] in gid)) { print "testenv: no group " prim[i] > "/dev/stderr"; exit 1 }
				print user[i] ":x:" id++ ":" gid[prim[i]] "::/home/" user[i] ":/usr/sbin/nologin" >> pw
				print user[i] ":!:" days ":0:99999:7:::" >> sh
			}
		}' || bail "could not write the test accounts"
}

# --- outside: a mount point, the namespace, and the mount point removed -----
if [ "$1" != --inside ]; then
	command -v unshare >/dev/null || bail "unshare (util-linux) is needed to run the tests as root"
	dir=$(mktemp -d /tmp/pr-testenv.XXXXXX) || bail "mktemp failed"
	# Not exec: the (empty) mount point is removed after CMD ends.
	trap 'rmdir "$dir" 2>/dev/null' EXIT
	trap 'exit 143' TERM INT HUP
	PR_TESTENV=$dir unshare -m --propagation private -- bash "$0" --inside "$@"
	exit $?
fi
shift

# --- inside: a tmpfs for the copies, then the binds -------------------------
dir=$PR_TESTENV
mount -t tmpfs -o mode=0755,nosuid,nodev,noexec prtestenv "$dir" || bail "cannot mount a tmpfs on $dir"
write_copies "$dir"
for f in passwd group shadow gshadow; do
	mount --bind "$dir/$f" "/etc/$f" || bail "cannot bind $dir/$f over /etc/$f"
done
# A name service cache daemon answers from the real files: keep it out.
for d in /run/nscd /var/run/nscd; do
	[ -d "$d" ] && { mount -t tmpfs -o mode=0755 prtestenv "$d" || bail "cannot hide $d"; }
done
getent passwd prowner >/dev/null || bail "the test accounts are not visible (nsswitch.conf without files?)"
export PR_TESTENV
exec "$@"

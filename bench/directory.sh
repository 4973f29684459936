#!/bin/bash
# The clinic directory's cost for a whole login (issue 15 item 6): the
# softkey module through pamrun under pam_wrapper, a successful key sign-in
# of an enrolled user (prowner), with store = files, with store = ldap over
# ldapi:// and over ldaps://127.0.0.1 (TLS from a test CA) to a private
# slapd holding 10 users, and over ldapi:// to a second slapd holding
# USERS users (tests/integration/slapd_lib.sh; the big one filled with
# slapadd before it starts). The four are timed in the same rounds, the
# order reversed every other round, RUNS rounds; each figure is the median
# wall time of one whole pamrun process (slapd's work included, as a
# person waiting at the workstation sees it). Targets, ratios of the same
# run: ldapi / files <= 1.5 and USERS / 10 users <= 1.1. The TLS set-up
# is reported apart: ldaps minus ldapi, and the connection set-up that
# `practicerunner-admin store status` measures on its own.
# Both databases carry the equality indexes Debian's slapd package sets
# (objectClass, uid; BENCH_DIR_INDEX= for none); the sign-in reads the
# user's entry by its DN. Sizes: RUNS (100), BENCH_DIR_USERS (100000).
# Run by `make bench` (root, after the test programs are built).
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
RUNS=${RUNS:-100}
USERS=${BENCH_DIR_USERS:-100000}
[ "$(id -u)" != 0 ] || [ -n "${PR_TESTENV:-}" ] || exec bash "$top_srcdir/tests/testenv.sh" bash "$0" "$@"
. "$top_srcdir/tests/integration/lib.sh" >/dev/null
. "$top_srcdir/tests/integration/slapd_lib.sh"

SLAPD_MAXSIZE=1073741824
# BENCH_DIR_INDEX= (empty) leaves the indexes out, to see what they change.
SLAPD_DB_INDEX=${BENCH_DIR_INDEX-'olcDbIndex: objectClass eq
olcDbIndex: uid eq'}
fail() { echo "directory bench: $*"; [ -f "$T/out" ] && head -n 20 "$T/out"; exit 1; }
new_key k yubikey5

# An LDIF of users user<FIRST>..user<LAST>, each with one credential of the
# size a real enrollment writes (prowner's value, copied).
fillers() {
	awk -v first="$1" -v last="$2" -v base="$SLAPD_BASE" -v cred="$CRED" 'BEGIN {
		for (i = first; i <= last; i++)
			printf "dn: uid=user%d,%s\nobjectClass: practiceRunnerUser\nuid: user%d\nprRevision: 1\nprCredential:: %s\n\n",
				i, base, i, cred
	}'
}
credential_of() {   # the base64 of prowner's credential value in the directory at SLAPD_LDAPI
	ldapsearch -LLL -o ldif-wrap=no -x -H "$SLAPD_LDAPI" -D "$SLAPD_BIND_DN" -y "$SLAPD_PWFILE" \
		-b "uid=prowner,$SLAPD_BASE" -s base prCredential 2>/dev/null | sed -n 's/^prCredential:: //p'
}

# --- 10 users: files, ldapi, ldaps ----------------------------------------------------
slapd_start small || fail "slapd did not start"
SMALL_LOG=$SLAPD_LOG
slapd_test_host files files; slapd_test_host ldapi ldap; slapd_test_host ldaps ldap
sed -i "s|^  uri = .*|  uri = {\"$SLAPD_LDAPS\"}\n  ca_file = \"$SLAPD_CA\"|" "$T/ldaps.conf"
on files admin "$T/k.key" key enroll prowner --label desk || fail "enrolling on the files store failed"
on ldapi admin "$T/k.key" key enroll prowner --label desk || fail "enrolling in the directory failed"
CRED=$(credential_of)
[ -n "$CRED" ] || fail "prowner's credential is not in the directory"
fillers 2 10 | ldapadd -x -H "$SLAPD_LDAPI" -D "$SLAPD_MANAGER" -w manager-secret > "$T/out" 2>&1 ||
	fail "adding 9 more users failed"

# --- USERS users: a second slapd, filled offline -------------------------------------
slapd_start big || fail "the second slapd did not start"
slapd_stop big
fillers 2 "$USERS" > "$T/fill.ldif"
load_start=$(date +%s%N)
/usr/sbin/slapadd -q -n1 -F "$T/big/config" -l "$T/fill.ldif" > "$T/out" 2>&1 || fail "slapadd of $USERS users failed"
LOAD_S=$(( ($(date +%s%N) - load_start) / 1000000 ))
rm -f "$T/fill.ldif"
slapd_restart big || fail "the second slapd did not start again"
slapd_test_host big ldap
on big admin "$T/k.key" key enroll prowner --label desk || fail "enrolling in the big directory failed"
n=$(ldapsearch -LLL -x -H "$SLAPD_LDAPI" -D "$SLAPD_BIND_DN" -y "$SLAPD_PWFILE" -b "$SLAPD_BASE" \
	-s one -E pr=1000/noprompt '(objectClass=practiceRunnerUser)' 1.1 2>/dev/null | grep -c '^dn:')
[ "$n" = "$USERS" ] || fail "the big directory holds $n users, not $USERS"

# --- one login of each, then the operations one login sends to slapd ------------------
login() {   # login HOST: one whole sign-in, its result in $T/out
	PRACTICERUNNER_SOFTKEY=$T/k.key PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d \
		LD_PRELOAD=$PRELOAD "$PAMRUN" "login-$1" prowner auth > "$T/out" 2>&1 < /dev/null &&
		grep -qx 'result: PAM_SUCCESS' "$T/out"
}
for h in files ldapi ldaps big; do login "$h" || fail "a sign-in on $h failed"; done
# (stats lines: one "conn=C op=O VERB" line per operation, ACCEPT per connection;
# the UNBIND is left out, as slapd may log it after the login has ended)
before=$(wc -l < "$SMALL_LOG"); login ldapi
tail -n +"$((before + 1))" "$SMALL_LOG" > "$T/one-login.log"
OPS=$(grep -oE 'conn=[0-9]+ op=[0-9]+ (BIND|SRCH|CMP|MOD|ADD|DEL|EXT) ' "$T/one-login.log" | sort -u | wc -l)
CONNS=$(grep -c ' ACCEPT ' "$T/one-login.log")
OPLIST=$(grep -oE 'conn=[0-9]+ op=[0-9]+ (BIND|SRCH|CMP|MOD|ADD|DEL|EXT) ' "$T/one-login.log" |
	uniq | awk '{printf "%s%s", (NR > 1 ? " " : ""), $3}')

# --- the timed rounds ----------------------------------------------------------------
run() {   # run HOST: prints "HOST microseconds", or FAIL
	local s=$(date +%s%N)
	PRACTICERUNNER_SOFTKEY=$T/k.key PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d LD_PRELOAD=$PRELOAD \
		"$PAMRUN" "login-$1" prowner auth > "$T/run.out" 2>&1 < /dev/null
	grep -qx 'result: PAM_SUCCESS' "$T/run.out" || echo FAIL
	echo "$1 $(( ($(date +%s%N) - s) / 1000 ))"
}
for i in $(seq "$RUNS"); do
	if [ $((i % 2)) = 1 ]; then order="files ldapi ldaps big"; else order="big ldaps ldapi files"; fi
	for h in $order; do run "$h"; done
done > "$T/times"
grep -q FAIL "$T/times" && fail "a sign-in failed during the benchmark"
median() { grep "^$1 " "$T/times" | awk '{print $2}' | sort -n | awk '{v[NR]=$1} END {printf "%.2f", v[int((NR+1)/2)]/1000}'; }
p90() { grep "^$1 " "$T/times" | awk '{print $2}' | sort -n | awk '{v[NR]=$1} END {i = int(NR * 0.9); printf "%.2f", v[i < 1 ? 1 : i] / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN {print (r <= t ? "met" : "MISSED")}'; }
F=$(median files); I=$(median ldapi); S=$(median ldaps); B=$(median big)

# The TLS connection set-up on its own, as store status measures it (the
# connect and handshake of an ldaps:// server; ldapi:// has no figure).
tls_setup() {   # the median of 20 store status runs on the ldaps host, ms
	local i
	for i in $(seq 20); do
		on ldaps admin "" store status > /dev/null
		sed -n 's/.*TLS set-up (connect and handshake): \([0-9.]*\) ms.*/\1/p' "$T/out" | head -n 1
	done | sort -n | awk '{v[NR]=$1} END {if (NR) printf "%.1f", v[int((NR+1)/2)]; else print "?"}'
}
CS=$(tls_setup)

printf '%-52s %10s %10s\n' "whole login, softkey answering instantly" "median ms" "p90 ms"
printf '%-52s %10s %10s\n' "store = files" "$F" "$(p90 files)"
printf '%-52s %10s %10s\n' "store = ldap, ldapi://, 10 users" "$I" "$(p90 ldapi)"
printf '%-52s %10s %10s\n' "store = ldap, ldaps://127.0.0.1, 10 users" "$S" "$(p90 ldaps)"
printf '%-52s %10s %10s\n' "store = ldap, ldapi://, $USERS users" "$B" "$(p90 big)"
printf '%-52s %10s\n' "ratio ldapi / files (target <= 1.5)" "$(ratio "$I" "$F")"
printf '%-52s %10s\n' "ratio ldaps / files (no target)" "$(ratio "$S" "$F")"
printf '%-52s %10s\n' "TLS: ldaps minus ldapi, medians (ms)" "$(awk -v a="$S" -v b="$I" 'BEGIN {printf "%.2f", a - b}')"
printf '%-52s %10s\n' "ldaps:// connect and handshake, store status (ms)" "$CS"
printf '%-52s %10s\n' "ratio $USERS users / 10 users (target <= 1.1)" "$(ratio "$B" "$I")"
printf '%-52s %10s\n' "directory operations per login (connections)" "$OPS ($CONNS): $OPLIST"
printf '%-52s %10s\n' "slapadd of $USERS users (s)" "$(awk -v m="$LOAD_S" 'BEGIN {printf "%.1f", m / 1000}')"
echo "($RUNS rounds of the four, alternating order; each is one whole pamrun process)"
if [ -n "${BENCH_SUMMARY:-}" ]; then
	r=$(ratio "$I" "$F")
	printf '%s|%s|%s|%s\n' "directory: whole login, ldapi:// / files (medians)" \
		"$r ($I / $F ms)" "<= 1.5" "$(verdict "$r" 1.5)" >> "$BENCH_SUMMARY"
	r=$(ratio "$B" "$I")
	printf '%s|%s|%s|%s\n' "directory: whole login, $USERS users / 10 (medians)" \
		"$r ($B / $I ms)" "<= 1.1" "$(verdict "$r" 1.1)" >> "$BENCH_SUMMARY"
	printf '%s|%s|%s|%s\n' "directory: TLS set-up, ldaps:// minus ldapi:// (ms)" \
		"$(awk -v a="$S" -v b="$I" 'BEGIN {printf "%.2f", a - b}') ($S / $I ms)" "-" "-" >> "$BENCH_SUMMARY"
fi

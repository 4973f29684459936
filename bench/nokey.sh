#!/bin/bash
# A failed sign-in with no key attached, our release module beside pam_u2f
# (Debian's libpam-u2f, a bench-only dependency): the same pamrun under
# pam_wrapper, a private pam.d, one service per module and population,
# populations of BENCH_NOKEY_SIZES (10 1000 100000) users in each module's
# own format (our store; pam_u2f's mapping file, the user's line in the
# middle), BENCH_NOKEY_RUNS (200) runs of each, round-robin. Figure: the
# median CPU time (user + system) of the whole pamrun process; target: ours
# / pam_u2f <= 1.0 at every population. The release module is the build
# tree's pam/.libs/pam_practicerunner.so (lib/transport_hid.c), installed
# nowhere. BENCH_NOKEY_BEFORE may name another build of the module (e.g.
# before a change) to run alongside, in the same rounds. The floor is the
# same pamrun with only pam_deny: what every run costs before any module.
# Run by `make bench` as root; the account signing in, prbench, is lent by
# tests/testenv.sh for the run (it never exists on the machine).
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
SIZES=${BENCH_NOKEY_SIZES:-10 1000 100000}
RUNS=${BENCH_NOKEY_RUNS:-200}
B=$top_builddir/bench/bench_nokey
MOD=$top_builddir/pam/.libs/pam_practicerunner.so
BEFORE=${BENCH_NOKEY_BEFORE:-}
PAMRUN=$top_builddir/tests/integration/pamrun
U=prbench
summary() { [ -n "${BENCH_SUMMARY:-}" ] && printf '%s|%s|%s|%s\n' "$@" >> "$BENCH_SUMMARY"; }

U2F=
for dir in $(pkg-config --variable=securedir pam 2>/dev/null) /lib/*/security /usr/lib/*/security; do
	[ -f "$dir/pam_u2f.so" ] && { U2F=$dir/pam_u2f.so; break; }
done
if [ -z "$U2F" ]; then
	echo "pam_u2f is not installed: apt-get install libpam-u2f (needed by this benchmark only)"
	exit 1
fi
[ -f "$MOD" ] || { echo "$MOD: not built"; exit 1; }

d=$(mktemp -d "${BENCH_DIR:-/var/tmp}/pr-bench-nokey.XXXXXX") || exit 1
cleanup() { [ -n "${BENCH_KEEP:-}" ] || rm -rf "$d"; }
trap cleanup EXIT
# prbench is lent by tests/testenv.sh (bench/run.sh runs inside it).
id "$U" >/dev/null 2>&1 || { echo "nokey.sh: no account $U: run it through make bench" >&2; exit 1; }

mkdir -m 755 "$d/pam.d" "$d/out"
# service NAME LINE: a pam.d of its own (bench_nokey.c says why).
service() {
	mkdir -m 755 "$d/pam.d/$1"
	printf 'auth required pam_deny.so\n' > "$d/pam.d/$1/other"
	printf '%s\n' "$2" > "$d/pam.d/$1/$1"
}
service floor "auth required pam_deny.so"
services=("floor:PAM_AUTH_ERR")
for n in $SIZES; do
	mkdir -m 700 "$d/$n"
	"$B" populate "$d/$n" "$U" "$n" || exit 1
	cp "$top_srcdir/tests/softkey/test-ca.pem" "$d/$n/anchors/"
	service "ours-$n" "auth required $MOD config=$d/$n/practicerunner.conf"
	service "u2f-$n" "auth required $U2F authfile=$d/$n/u2f_keys origin=pam://bench-clinic appid=pam://bench-clinic"
	services+=("ours-$n:PAM_AUTH_ERR" "u2f-$n:PAM_AUTH_ERR")
	if [ -n "$BEFORE" ]; then
		service "before-$n" "auth required $BEFORE config=$d/$n/practicerunner.conf"
		services+=("before-$n:PAM_AUTH_ERR")
	fi
done

PAM_WRAPPER=1 LD_PRELOAD=libpam_wrapper.so BENCH_PAMD=$d/pam.d BENCH_OUT=$d/out \
	"$B" measure "$RUNS" "$U" "$PAMRUN" "${services[@]}" > "$d/res" || exit 1

ms() { awk -v v="$1" 'BEGIN {printf "%.3f", v / 1000}'; }
read -r _ fc _ _ _ < <(grep "^floor " "$d/res")
printf '%-8s %-22s %-22s %-14s %-16s %6s\n' "users" "ours CPU ms (p90)" "pam_u2f CPU ms (p90)" \
	"ours wall ms" "pam_u2f wall ms" "ratio"
for n in $SIZES; do
	read -r _ oc op ow _ < <(grep "^ours-$n " "$d/res")
	read -r _ uc up uw _ < <(grep "^u2f-$n " "$d/res")
	ratio=$(awk -v a="$oc" -v b="$uc" 'BEGIN {printf "%.2f", a / b}')
	printf '%-8s %-22s %-22s %-14s %-16s %6s\n' "$n" "$(ms "$oc") ($(ms "$op"))" \
		"$(ms "$uc") ($(ms "$up"))" "$(ms "$ow")" "$(ms "$uw")" "$ratio"
	verdict=$(awk -v r="$ratio" 'BEGIN {print (r <= 1.0 ? "met" : "MISSED")}')
	summary "no key attached, $n users: CPU ours / pam_u2f" \
		"$ratio ($(ms "$oc") / $(ms "$uc") ms)" "<= 1.0" "$verdict"
done
echo "floor (pamrun with pam_deny only): $(ms "$fc") ms CPU; above it, per population:"
for n in $SIZES; do
	read -r _ oc _ _ _ < <(grep "^ours-$n " "$d/res")
	read -r _ uc _ _ _ < <(grep "^u2f-$n " "$d/res")
	line="  $n users: ours $(ms $((oc - fc))) ms, pam_u2f $(ms $((uc - fc))) ms"
	if [ -n "$BEFORE" ]; then
		read -r _ bc _ _ _ < <(grep "^before-$n " "$d/res")
		line="$line, before (BENCH_NOKEY_BEFORE) $(ms $((bc - fc))) ms: whole process $(ms "$bc") ms, ratio $(awk -v a="$bc" -v b="$uc" 'BEGIN {printf "%.2f", a / b}')"
	fi
	echo "$line"
done
echo "(median of $RUNS runs each, round-robin; CPU = user + system time of the whole pamrun"
echo " process under pam_wrapper; every run fails with PAM_AUTH_ERR; ratio = ours / pam_u2f)"
exit 0

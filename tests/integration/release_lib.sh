# The release builds under the hidshim (doc/ARCHITECTURE.md §10.2.1), sourced
# after lib.sh: copies of the module, the programs, pamrun and the shim in
# $REL; a pam.d of the release module's services ($T/rpam.d, rservice);
# hpam/expect_hpam and hadmin run them with devices from PR_HIDSHIM_DEVICES;
# both runs a case on the softkey build and then on the release build and
# wants the same result, words and record. release_setuid_setup then gives
# the namespaces of setuid_lib.sh the release helpers, setuid, and the shim
# through /etc/ld.so.preload, with hattach choosing their devices.

REL=$T/rel
mkdir -m 755 "$REL"
for f in pam/.libs/pam_practicerunner.so tests/hidshim/.libs/libhidshim.so \
	helpers/practicerunner-admin helpers/practicerunner-enroll helpers/practicerunner-recover \
	helpers/practicerunner-verify helpers/practicerunner-authorized-keys; do
	cp "$top_builddir/$f" "$REL/" || { echo "Bail out! $f is not built"; exit 1; }
done
cp "$PAMRUN" "$REL/"
chmod 755 "$REL"/*
SHIM=$REL/libhidshim.so
HIDLOG=$T/hid.log
: > "$HIDLOG"; chmod 666 "$HIDLOG"
# Release builds trust only the configured anchors: the softkey's test CA goes there.
cp "$top_srcdir/tests/softkey/test-ca.pem" "$T/anchors/"
# The release module's services, in their own directory (the same names as the softkey build's).
mkdir -p "$T/rpam.d"
cp "$T/pam.d/other" "$T/rpam.d/"
rservice() {
	service "$@"
	sed "s|$SK/pam_practicerunner.so|$REL/pam_practicerunner.so|" "$T/pam.d/$1" > "$T/rpam.d/$1"
}

# hpam SERVICE USER PHASE DEVICES: the release module under pam_wrapper and the
# shim; DEVICES is PR_HIDSHIM_DEVICES (STATE[,MODE]:...). Output in $T/out.
hpam() {
	PR_HIDSHIM_DEVICES=$4 PR_HIDSHIM_LOG=$HIDLOG PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/rpam.d \
		LD_PRELOAD="$PRELOAD $SHIM" pwrap timeout 120 "$REL/pamrun" "$1" "$2" "$3" > "$T/out" 2>&1 </dev/null
}
expect_hpam() {
	local want=$1
	[ "$want" = PAM_IGNORE ] && want=PAM_SYSTEM_ERR
	hpam "$2" "$3" "$4" "$5"
	grep -qx "result: $want" "$T/out"
}
# A sanitizer build's runtime must come first in the preload list.
SHIM_PRELOAD="${PR_SANITIZER_PRELOAD:+$PR_SANITIZER_PRELOAD }$SHIM"
# hadmin DEVICES ARGS...: the release admin CLI with the shim.
hadmin() { hadmin_in /dev/null "$@"; }
# hadmin_pin PIN DEVICES ARGS...: the same with the key's PIN on stdin.
hadmin_pin() { local pin=$1; shift; hadmin_in <(echo "$pin") "$@"; }
hadmin_in() {
	local input=$1 dev=$2; shift 2
	PR_HIDSHIM_DEVICES=$dev PR_HIDSHIM_LOG=$HIDLOG LD_PRELOAD=$SHIM_PRELOAD timeout 120 \
		"$REL/practicerunner-admin" --config "$CONF" "$@" > "$T/out" 2>&1 < "$input"
}
# The last record without what differs between two sign-ins by design.
core() { tail -n 1 "$AUDIT" | tr ' ' '\n' | grep -vE '^(seq|time|prev|hash|sign_count)='; }
# both WANT SERVICE USER PHASE KEYS: the softkey build, then the release build
# with the same keys as hidraw devices: the same result, words and record.
both() {
	local want=$1 out_s rec_s
	expect_pam "$want" "$2" "$3" "$4" "$5" || { echo "# softkey build: $(tail -n 1 "$T/out")"; return 1; }
	out_s=$(grep -v '^PWRAP' "$T/out"); rec_s=$(core)
	expect_hpam "$want" "$2" "$3" "$4" "$5" || { echo "# release build: $(tail -n 1 "$T/out")"; return 1; }
	[ "$out_s" = "$(grep -v '^PWRAP' "$T/out")" ] ||
		{ diff <(echo "$out_s") <(grep -v '^PWRAP' "$T/out") | sed 's/^/# /'; return 1; }
	[ "$rec_s" = "$(core)" ] || { diff <(echo "$rec_s") <(core) | sed 's/^/# /'; return 1; }
}
logged() { grep -qx "$1" "$HIDLOG"; }
secs_since() { echo $(( $(date +%s) - $1 )); }

# release_setuid_setup: setuid_lib.sh with the release helpers installed
# setuid, and the shim in the preload list a setuid program obeys; it reads
# its devices from /etc/practicerunner/hidshim-devices (hattach).
release_setuid_setup() {
	SK_SOFTKEY=$SK
	SK=$REL    # setuid_lib.sh installs the release helpers setuid
	. "$top_srcdir/tests/integration/setuid_lib.sh"
	SK=$SK_SOFTKEY
	echo "$SHIM_PRELOAD" > "$NS/ld.so.preload"
	chmod 644 "$NS/ld.so.preload"
	export NS_PRELOAD=$NS/ld.so.preload
	NSLOG=$T/hid-ns.log
	: > "$NSLOG"; chmod 666 "$NSLOG"
	cp "$top_srcdir/tests/softkey/test-ca.pem" "$NS_ETC/trust-anchors.d/"
	write_ns_policy all-users owners discouraged 2
	check_setuid_possible
	# hattach USER/NAME[,MODE]|-,nonfido ...: the devices plugged in, in the shim's fixed list.
	hattach() {
		local k
		{
			echo "log=$NSLOG"
			for k in "$@"; do
				case $k in
				-,*) echo "$k" ;;
				*,*) echo "$NS_KEYS/${k%%,*}.key,${k#*,}" ;;
				*) echo "$NS_KEYS/$k.key" ;;
				esac
			done
		} > "$NS_ETC/hidshim-devices"
		chmod 644 "$NS_ETC/hidshim-devices"
	}
	# The screen locker's stack: the release module with no config= (the helper reads the built-in path).
	printf '%s\n' "auth [success=done ignore=ignore default=die] $REL/pam_practicerunner.so cue" \
		"auth required pam_exec.so quiet /bin/false" \
		"account [success=done ignore=ignore default=die] $REL/pam_practicerunner.so" \
		"account required pam_exec.so quiet /bin/false" > "$T/rpam.d/unlock"
	# unlock_as USER PHASE: the release module run by USER, so through the setuid verify helper.
	unlock_as() {
		NS_PRIVATE_TMP=1 ns "$1" env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/rpam.d" LD_PRELOAD="$PRELOAD" \
			"$REL/pamrun" unlock "$1" "$2" </dev/null
	}
	TOKEN=
	invite() {
		ns root "$REL/practicerunner-admin" invite "$@" </dev/null || return 1
		TOKEN=$(grep -oE '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' "$T/out" | tail -n 1)
		[ -n "$TOKEN" ]
	}
}

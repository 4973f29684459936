#!/bin/bash
# Installed smoke test: checks the INSTALLED Debian packages (practicerunner,
# libpam-practicerunner), then purges them and checks what is left.
#
#     CI=true tests/installed/smoke.sh [DEBDIR]
#     tests/installed/smoke.sh --yes-change-this-system [DEBDIR]
#
# Not part of `make check`: it changes the machine. It creates two test
# accounts and a PAM service file in /etc/pam.d, enables the pam-auth-update
# profile (common-auth, common-account), and finally runs
# `apt-get purge -y libpam-practicerunner practicerunner`. CI runs it on a
# throwaway machine after `apt-get install ./*.deb`. With DEBDIR (where the
# .debs are), it also reinstalls practicerunner under a dpkg-statoverride.
#
# It checks what works without a key: PAM_IGNORE for a user with no
# requirement, the refusal and its message for a user under a requirement
# who has no key, the account phase, policy check, audit verify, modes and
# owners, manual pages, the pam-auth-update profile (su and a common-auth
# service still work for users without keys under the shipped policy), and
# a clean purge. Then a key: release builds have no software authenticator,
# so tests/installed/hidshim-tools.sh puts the hidshim and softkey-ctl
# from this source tree (built here if need be) into the test's directory,
# and the installed admin tool enrolls a softkey shown as a hidraw key, the
# installed module signs in with it as root, and the installed setuid
# verify helper as the user (doc/ARCHITECTURE.md §10.2.1). Neither tool is
# ever installed; the packages are checked to contain neither.
# Output: TAP, then "N passed, N failed".
set -u
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive

ALLOW=no
[ "${CI:-}" = true ] && ALLOW=yes
if [ "${1:-}" = --yes-change-this-system ]; then ALLOW=yes; shift; fi
if [ "$ALLOW" != yes ]; then
	echo "smoke.sh changes this system (users, /etc/pam.d, apt-get purge)." >&2
	echo "Run it on a throwaway machine with CI=true or --yes-change-this-system." >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then echo "smoke.sh must run as root" >&2; exit 2; fi
DEBDIR=${1:-}

N=0; PASS=0; FAIL=0
T=$(mktemp -d /tmp/pr-smoke.XXXXXX)
chmod 755 "$T"
OUT=$T/out
ok() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $*"; }
not_ok() {
	N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $*"
	[ -s "$OUT" ] && sed 's/^/# /' "$OUT" | head -n 20
}
check() { local name=$1; shift; if "$@" > "$OUT" 2>&1; then ok "$name"; else not_ok "$name"; fi; : > "$OUT"; }
skip() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - # SKIP $*"; }
finish() {
	echo "1..$N"
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
	exit $?
}

PKGS="libpam-practicerunner practicerunner"
SVC=pr-smoke-$$
USTAFF=prsmokestaff
UOWNER=prsmokeowner
SBIN=/usr/sbin
BIN=/usr/bin
ADMIN=$SBIN/practicerunner-admin
SETUID_HELPERS="$BIN/practicerunner-enroll $BIN/practicerunner-recover $SBIN/practicerunner-verify"
PROFILE_ENABLED=no
# An audit log from before this test is real evidence: never delete it.
AUDIT_BEFORE=no
[ -e /var/log/practicerunner/audit.log ] && AUDIT_BEFORE=yes

# The test accounts: created below, removed (and the removal proved) before the purge.
remove_accounts() {
	for u in $USTAFF $UOWNER; do id "$u" >/dev/null 2>&1 && userdel "$u" >/dev/null 2>&1; done
	getent group prsmoke >/dev/null && groupdel prsmoke
}
cleanup() {
	rm -f "/etc/pam.d/$SVC" "/etc/pam.d/$SVC-common"
	if [ "$PROFILE_ENABLED" = yes ] && [ -f /usr/share/pam-configs/practicerunner ]; then
		pam-auth-update --package --remove practicerunner >/dev/null 2>&1
	fi
	remove_accounts
	rm -rf "$T"
}
trap cleanup EXIT

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
gone() { ! dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qv '^not-installed$'; }
mode_is() { [ "$(stat -c '%a %U %G' "$2" 2>&1)" = "$1" ] || { stat -c '%a %U %G %n' "$2"; false; }; }
contains() { grep -qF -- "$2" "$1" || { echo "no \"$2\" in:"; cat "$1"; false; }; }
lacks() { ! grep -qF -- "$2" "$1" || { echo "unexpected \"$2\" in:"; cat "$1"; false; }; }
# pt LOG ARGS...: run pamtester (no terminal: empty answers), keep output.
pt() { local log=$1; shift; pamtester -v "$@" < /dev/null > "$log" 2>&1; }
pt_ok() { pt "$@" || { cat "$1"; false; }; }
pt_fails() { ! pt "$@" || { cat "$1"; false; }; }

# --- the packages and their files --------------------------------------------
for p in $PKGS; do check "package $p is installed" installed "$p"; done
if ! installed libpam-practicerunner || ! installed practicerunner; then
	echo "Bail out! install the packages first (apt-get install ./*.deb)"
	finish
fi
MOD=$(dpkg -L libpam-practicerunner | grep '/security/pam_practicerunner\.so$' | head -n 1)
# The platform's PAM directory, as dpkg knows it (/lib/<triplet>/security on
# Debian 12): one directory shared with libpam-modules, not an alias of it
# that only this package owns (dpkg would then try to remove it at purge).
PAM_UNIX=$(dpkg -L libpam-modules | grep '/security/pam_unix\.so$' | head -n 1)
check "the module is beside pam_unix.so (${PAM_UNIX%/*})" test "${MOD%/*}" = "${PAM_UNIX%/*}"
# Every path the packages installed, for the purge checks at the end.
dpkg -L $PKGS | sort -u > "$T/pkgfiles"

for h in $SETUID_HELPERS; do check "$(basename "$h") is setuid root (4755 root root)" mode_is "4755 root root" "$h"; done
check "practicerunner-admin is 755 root, not setuid" mode_is "755 root root" "$ADMIN"
# Every other program the packages ship is 755 root, and nothing else is
# setuid or setgid (a new setuid helper must be added to SETUID_HELPERS).
for f in $(dpkg -L $PKGS | grep -E '^/usr/(s?bin|libexec)/.' | sort -u); do
	[ -f "$f" ] || continue
	case " $SETUID_HELPERS $ADMIN " in *" $f "*) continue ;; esac
	check "$(basename "$f") is 755 root, not setuid" mode_is "755 root root" "$f"
done
dpkg -L $PKGS | while read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && echo "$f"; done |
	xargs -r find 2>/dev/null -maxdepth 0 \( -perm -4000 -o -perm -2000 \) | sort > "$T/suid"
check "the setuid/setgid files are exactly SETUID_HELPERS" sh -c \
	"printf '%s\n' $SETUID_HELPERS | sort | cmp - '$T/suid' || cat '$T/suid'"
check "the module is 644 root" mode_is "644 root root" "$MOD"
check "/var/lib/practicerunner is 700 root" mode_is "700 root root" /var/lib/practicerunner
check "/var/log/practicerunner is 700 root" mode_is "700 root root" /var/log/practicerunner
check "the policy file is 644 root" mode_is "644 root root" /etc/practicerunner/practicerunner.conf
check "the policy file is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' practicerunner | grep -q ' /etc/practicerunner/practicerunner.conf '"
check "the pam-auth-update profile is installed" test -f /usr/share/pam-configs/practicerunner
check "no softkey code in the installed module and helpers" \
	sh -c "! grep -il softkey '$MOD' '$ADMIN' $SETUID_HELPERS"
# The hidshim (tests/hidshim/) is a test library: no package ships it (or
# the softkey), and no installed binary's dynamic section names it.
check "no package file is the hidshim or the softkey" sh -c "! dpkg -L $PKGS | grep -i -e hidshim -e softkey"
for f in "$MOD" $(dpkg -L $PKGS | grep -E '^/usr/(s?bin|libexec)/.' | sort -u); do
	[ -f "$f" ] || continue
	check "$(basename "$f"): its dynamic section names no hidshim (NEEDED, RPATH, RUNPATH)" \
		sh -c "readelf -d '$f' > '$T/dyn' && grep -q NEEDED '$T/dyn' && ! grep -qi hidshim '$T/dyn'"
done
# The pages named in the contract, and any other page the packages ship.
PAGES=$( (printf '%s\n' pam_practicerunner.8 practicerunner.conf.5 practicerunner-admin.8 \
	practicerunner-enroll.1 practicerunner-recover.1 practicerunner-verify.8 \
	practicerunner-authorized-keys.8
	dpkg -L $PKGS | sed -n 's|^/usr/share/man/man[1-8]/\(.*\)\.gz$|\1|p') | sort -u)
for page in $PAGES; do
	check "man -w ${page%.*}(${page##*.}) finds the installed page" \
		sh -c "man -w ${page##*.} ${page%.*} | grep -q '^/usr/share/man/'"
done
check "the shipped policy passes policy check" "$ADMIN" policy check

# --- a test policy and PAM service using the installed module ---------------
(getent passwd; getent group) > "$T/accounts.before"
getent group prsmoke >/dev/null || groupadd prsmoke
for u in $USTAFF $UOWNER; do id "$u" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$u"; done
mkdir -p "$T/state" "$T/anchors"
chmod 700 "$T/state"
CONF=$T/pr.conf
cat > "$CONF" <<EOF
rp_id = "pam://smoke-test"
require_security_key = none
require_physical_key = owners
user_verification = discouraged
touch_timeout = 5
state_dir = "$T/state"
audit_log = "$T/audit.log"
trust_anchors = "$T/anchors"
roles {
  owners = {"$UOWNER"}
  admins = {}
}
EOF
chmod 644 "$CONF"
check "policy check accepts the test policy" "$ADMIN" --config "$CONF" policy check
printf 'require_physical_key = sometimes\n' > "$T/bad.conf"; chmod 644 "$T/bad.conf"
check "policy check refuses a broken policy" sh -c "! '$ADMIN' --config '$T/bad.conf' policy check"

# The module ends the stack on its own success or failure; only PAM_IGNORE
# goes on, to pam_echo (prints the marker) and pam_permit.
M="$MOD config=$CONF"
cat > "/etc/pam.d/$SVC" <<EOF
auth    [success=done ignore=ignore default=die] $M cue
auth    requisite pam_echo.so pr-smoke: module ignored
auth    required  pam_permit.so
account [success=done ignore=ignore default=die] $M
account requisite pam_echo.so pr-smoke: module ignored
account required  pam_permit.so
EOF

L=$T/staff.log
check "no requirement: authenticate succeeds" pt_ok "$L" "$SVC" "$USTAFF" authenticate
check "no requirement: the module returned PAM_IGNORE (stack fell through)" contains "$L" "pr-smoke: module ignored"
check "no requirement: the user is not asked for a key" lacks "$L" "Touch your security key"
L=$T/staff-acct.log
check "no requirement: account phase succeeds" pt_ok "$L" "$SVC" "$USTAFF" acct_mgmt
check "no requirement: account phase returned PAM_IGNORE" contains "$L" "pr-smoke: module ignored"

L=$T/owner.log
check "owner without a key: authenticate is refused" pt_fails "$L" "$SVC" "$UOWNER" authenticate
check "owner without a key: told what is wrong and what to do" contains "$L" \
	"Security key sign-in did not succeed. Insert an enrolled security key and touch it when asked, or ask your administrator."
check "owner without a key: PAM says authentication failure" contains "$L" "Authentication failure"
check "owner without a key: the stack did not fall through" lacks "$L" "pr-smoke: module ignored"
L=$T/owner-acct.log
check "owner without a key: account phase denies (PAM_PERM_DENIED)" pt_fails "$L" "$SVC" "$UOWNER" acct_mgmt
check "owner without a key: account denial is 'Permission denied'" contains "$L" "Permission denied"

check "the attempts are in the test audit log" sh -c "[ \$(grep -c 'event=auth' '$T/audit.log') -ge 3 ]"
check "the refusal is recorded with its reason" sh -c "grep 'user=$UOWNER' '$T/audit.log' | grep -q 'reason=not-enrolled'"
check "audit verify accepts the test audit log" "$ADMIN" --config "$CONF" audit verify "$T/audit.log"

# --- a key over HID: the installed admin tool, module and verify helper -----
# Release programs reach keys only through hidraw. The hidshim
# (tests/hidshim/, built from this source tree and copied into $T, never
# installed) shows softkey devices to the unmodified installed programs as
# hidraw FIDO keys (doc/ARCHITECTURE.md §10.2.1): through LD_PRELOAD for the
# admin tool and for the module run by root; for the setuid verify helper,
# which ignores LD_PRELOAD, through /etc/ld.so.preload in a private mount
# namespace.
HID=$T/hid
mkdir -m 755 "$HID"
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
HID_TOOLS=no
check "the hidshim and softkey-ctl, from the source tree, in the test's directory" \
	bash "$SRCDIR/tests/installed/hidshim-tools.sh" "$HID"
[ -f "$HID/libhidshim.so" ] && [ -x "$HID/softkey-ctl" ] && HID_TOOLS=yes
if [ "$HID_TOOLS" = yes ]; then
	SHIM=$HID/libhidshim.so
	# The devices, root's (a softkey state file belongs to its user or root).
	KEYS=$HID/keys
	mkdir -m 700 "$KEYS"
	"$HID/softkey-ctl" add --state "$KEYS/desk.key" --profile yubikey5 >/dev/null
	"$HID/softkey-ctl" add --state "$KEYS/spare.key" --profile yubikey5 >/dev/null
	HIDLOG=$HID/hid.log
	: > "$HIDLOG"; chmod 666 "$HIDLOG"
	# Release builds trust only the configured anchors: the softkey's test CA goes there.
	cp "$SRCDIR/tests/softkey/test-ca.pem" "$T/anchors/"
	# hid DEVICES CMD...: CMD with the shim preloaded and DEVICES (STATE:...) plugged in.
	hid() {
		local dev=$1; shift
		PR_HIDSHIM_DEVICES=$dev PR_HIDSHIM_LOG=$HIDLOG LD_PRELOAD=$SHIM timeout 120 "$@" </dev/null
	}
	# hpt LOG DEVICES ARGS...: pamtester ARGS as root with the devices; hpt_fails the opposite.
	hpt() { local log=$1 dev=$2; shift 2; hid "$dev" pamtester -v "$@" > "$log" 2>&1 || { cat "$log"; false; }; }
	hpt_fails() { local log=$1 dev=$2; shift 2; ! hid "$dev" pamtester -v "$@" > "$log" 2>&1 || { cat "$log"; false; }; }
	hid_enroll() {
		hid "$1" "$ADMIN" --config "$CONF" key enroll "$UOWNER" --label desk > "$T/enroll.out" 2>&1 ||
			{ cat "$T/enroll.out"; false; }
	}
	# last_has FIELD=VALUE...: the owner's last audit record has each.
	last_has() {
		local rec f
		rec=$(grep " user=$UOWNER " "$T/audit.log" | tail -n 1)
		for f in "$@"; do grep -qE -- "(^| )$f( |\$)" <<<"$rec" || { echo "no $f in: $rec"; return 1; }; done
	}
	logged() { grep -qx "$2" "$1" || { echo "no \"$2\" in $1:"; cat "$1"; false; }; }

	check "the installed admin tool enrolls the owner's key over HID" hid_enroll "$KEYS/desk.key"
	check "... classified physical (attestation from the configured anchors)" contains "$T/enroll.out" physical
	check "... makeCredential reached the key over CTAPHID" logged "$HIDLOG" "hidraw0 CBOR 0x01"
	L=$T/hid-owner.log
	: > "$HIDLOG"
	check "owner, enrolled key: the installed module signs in (root)" hpt "$L" "$KEYS/desk.key" "$SVC" "$UOWNER" authenticate
	check "... after asking for a touch" contains "$L" "Touch your security key"
	check "... the module decided (the stack did not fall through)" lacks "$L" "pr-smoke: module ignored"
	check "... getAssertion reached the key over CTAPHID" logged "$HIDLOG" "hidraw0 CBOR 0x02"
	check "... audited: success with the physical key" last_has event=auth result=success class=physical
	check "owner, another key: refused" hpt_fails "$L" "$KEYS/spare.key" "$SVC" "$UOWNER" authenticate
	check "... audited: no-matching-key" last_has result=failure reason=no-matching-key
	check "two keys attached, the enrolled one second: signs in" \
		hpt "$L" "$KEYS/spare.key:$KEYS/desk.key" "$SVC" "$UOWNER" authenticate
	check "owner with an enrolled key: account phase succeeds" pt_ok "$T/hid-acct.log" "$SVC" "$UOWNER" acct_mgmt

	# The screen-locker case: the module run by the owner hands the key to
	# the setuid verify helper at its installed path. In a private mount
	# namespace an overlay over /etc adds the preload list naming the shim,
	# the device list the shim reads in a setuid program, and the policy at
	# its built-in path (the helper ignores config=): a copy of the test's,
	# so state and records stay in $T.
	OV=$HID/ov
	mkdir -p "$OV/up/practicerunner" "$OV/work" "$OV/keep"
	echo "$SHIM" > "$OV/up/ld.so.preload"
	cp "$CONF" "$OV/up/practicerunner/practicerunner.conf"
	chmod 644 "$OV/up/ld.so.preload" "$OV/up/practicerunner/practicerunner.conf"
	NSLOG=$HID/ns.log
	: > "$NSLOG"; chmod 666 "$NSLOG"
	# plug STATE...: the devices the shim shows inside the namespace.
	plug() {
		{ echo "log=$NSLOG"; printf '%s\n' "$@"; } > "$OV/up/practicerunner/hidshim-devices"
		chmod 644 "$OV/up/practicerunner/hidshim-devices"
	}
	# owner_ns LOG CMD...: CMD as the owner, without groups or environment,
	# in the namespace. What is mounted under /etc (a container's
	# /etc/hosts) is bound again on top: an overlay shows the directory below.
	owner_ns() {
		local log=$1; shift
		unshare -m --propagation private -- sh -c '
			set -e
			ov=$1 user=$2; shift 2
			keep=$(findmnt -rn -o TARGET | grep "^/etc/" || true)
			n=0
			for m in $keep; do
				n=$((n + 1))
				if [ -d "$m" ]; then mkdir -p "$ov/keep/$n"; else : > "$ov/keep/$n"; fi
				mount --bind "$m" "$ov/keep/$n"
			done
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$ov/up,workdir=$ov/work" /etc
			n=0
			for m in $keep; do n=$((n + 1)); mount --bind "$ov/keep/$n" "$m"; done
			exec setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups -- env -i PATH=/usr/bin:/bin "$@"
		' owner_ns "$OV" "$UOWNER" "$@" > "$log" 2>&1 </dev/null
	}
	ns_pt() { owner_ns "$1" pamtester -v "$SVC" "$UOWNER" "$2" || { cat "$1"; false; }; }
	ns_pt_fails() { ! owner_ns "$1" pamtester -v "$SVC" "$UOWNER" "$2" || { cat "$1"; false; }; }
	# The verify helper serves the devices with the owner's rights: the
	# owner's copies of the same keys (their counters as they are now).
	UKEYS=$HID/owner-keys
	mkdir -m 700 "$UKEYS"
	cp "$KEYS/desk.key" "$KEYS/spare.key" "$UKEYS/"
	chown -R "$UOWNER:" "$UKEYS"
	L=$T/hid-helper.log
	plug "$UKEYS/desk.key"
	preload_seen() { owner_ns "$L" cat /etc/ld.so.preload && grep -qxF "$SHIM" "$L" || { cat "$L"; false; }; }
	check "in the namespace a setuid program's preload list names the shim" preload_seen
	: > "$NSLOG"
	check "owner, unprivileged: the installed verify helper signs in with the key" ns_pt "$L" authenticate
	check "... the module decided (the stack did not fall through)" lacks "$L" "pr-smoke: module ignored"
	check "... getAssertion reached the key from the helper" logged "$NSLOG" "hidraw0 CBOR 0x02"
	check "... audited on the helper path: success with the physical key" \
		last_has event=auth result=success class=physical path=helper
	plug "$UKEYS/spare.key"
	check "owner, unprivileged, another key: the verify helper refuses" ns_pt_fails "$L" authenticate
	check "... audited on the helper path: no-matching-key" last_has result=failure reason=no-matching-key path=helper
	check "the host has no preload list from this test" sh -c "! grep -qsF '$SHIM' /etc/ld.so.preload"
	check "audit verify accepts the audit log with the HID sign-ins" "$ADMIN" --config "$CONF" audit verify "$T/audit.log"
fi

# --- the pam-auth-update profile, on this machine ----------------------------
cp /etc/pam.d/common-auth "$T/common-auth.before"
cp /etc/pam.d/common-account "$T/common-account.before"
check "installing did not enable the profile (Default: no)" lacks /etc/pam.d/common-auth pam_practicerunner
PROFILE_ENABLED=yes
check "pam-auth-update --enable practicerunner" pam-auth-update --enable practicerunner
check "common-auth has the module, required, after the password" sh -c \
	"grep -v '^#' /etc/pam.d/common-auth | grep -A99 pam_unix.so | grep -qE '^auth[[:space:]]+required[[:space:]]+pam_practicerunner.so'"
check "common-account has the module" sh -c \
	"grep -qE '^account[[:space:]]+required[[:space:]]+pam_practicerunner.so' /etc/pam.d/common-account"
# Under the shipped policy nobody has a requirement: users without keys sign
# in as before. A passwordless test account lets pam_unix (nullok) pass.
passwd -d "$USTAFF" >/dev/null
printf '@include common-auth\n@include common-account\n' > "/etc/pam.d/$SVC-common"
L=$T/common.log
check "common-auth + common-account: a user without keys still signs in" \
	pt_ok "$L" "$SVC-common" "$USTAFF" authenticate acct_mgmt
check "the module ran there (audited no-requirement)" sh -c \
	"grep 'service=$SVC-common' /var/log/practicerunner/audit.log | grep -q 'reason=no-requirement'"
check "su (root to a user without keys) still works" sh -c \
	"su -s /bin/sh -c 'id -un' $USTAFF | grep -qx $USTAFF"
if command -v sudo >/dev/null; then
	check "sudo -u (root, user without keys) still works" sh -c "sudo -n -u $USTAFF id -un | grep -qx $USTAFF"
else
	skip "sudo is not installed"
fi
check "an unprivileged caller (screen-locker case) is not blocked by the module" sh -c \
	"setpriv --reuid=$USTAFF --regid=$USTAFF --clear-groups pamtester '$SVC' '$USTAFF' authenticate </dev/null 2>&1 | grep -qF 'pr-smoke: module ignored'"

# --- dpkg-statoverride is respected -------------------------------------------
DEB=
[ -n "$DEBDIR" ] && DEB=$(ls "$DEBDIR"/practicerunner_*.deb 2>/dev/null | head -n 1)
if [ -n "$DEB" ]; then
	dpkg-statoverride --update --add root prsmoke 4750 "$BIN/practicerunner-recover"
	check "statoverride applied (4750 root prsmoke)" mode_is "4750 root prsmoke" "$BIN/practicerunner-recover"
	check "reinstalling the package" dpkg -i "$DEB"
	check "the statoverride survives a reinstall" mode_is "4750 root prsmoke" "$BIN/practicerunner-recover"
	dpkg-statoverride --remove "$BIN/practicerunner-recover"
	check "reinstalling without the override restores 4755 root" sh -c \
		"dpkg -i '$DEB' && [ \"\$(stat -c '%a %U %G' $BIN/practicerunner-recover)\" = '4755 root root' ]"
else
	skip "statoverride reinstall (no DEBDIR given)"
fi

remove_accounts
check "the test accounts are gone: getent passwd and group as before the test" sh -c \
	"(getent passwd; getent group) | diff '$T/accounts.before' -"

# --- purge ----------------------------------------------------------------------
check "apt-get purge -y $PKGS" sh -c "apt-get purge -y $PKGS > '$T/purge.log' 2>&1 || { cat '$T/purge.log'; false; }"
PROFILE_ENABLED=no
# dpkg warns of a directory of ours it could not remove. The audit log's is
# kept on purpose (README.Debian).
no_dir_kept() {
	! grep 'not empty so not removed' "$T/purge.log" | grep -vF "'/var/log/practicerunner'"
}
check "purge: dpkg kept no directory of ours but the audit log's" no_dir_kept
for p in $PKGS; do check "$p is purged" gone "$p"; done
check "the module is gone" test ! -e "$MOD"
check "the helpers and the admin tool are gone" sh -c "! ls $SETUID_HELPERS $ADMIN 2>/dev/null | grep -q ."
check "the profile is gone" test ! -e /usr/share/pam-configs/practicerunner
check "common-auth is as before the profile was enabled" cmp /etc/pam.d/common-auth "$T/common-auth.before"
check "common-account is as before the profile was enabled" cmp /etc/pam.d/common-account "$T/common-account.before"
check "no PAM file names the module" sh -c "! grep -rl pam_practicerunner /etc/pam.d --exclude='$SVC' --exclude='$SVC-common'"
check "/etc/practicerunner is gone" test ! -e /etc/practicerunner
check "/var/lib/practicerunner (state) is gone" test ! -e /var/lib/practicerunner
check "the audit log is kept (evidence)" test -s /var/log/practicerunner/audit.log
check "no statoverride left for our files" sh -c "! dpkg-statoverride --list | grep -q practicerunner"
# Of the paths the packages installed, only those other packages also own
# (/usr, /lib and its /usr-merge link, the PAM directory) and the kept audit
# log may remain. (Other files with our name, such as mk-build-deps'
# practicerunner-build-deps, are not ours.)
while read -r f; do
	[ "$f" = /. ] && continue                     # dpkg -L's first line: the root
	[ -e "$f" ] || [ -L "$f" ] || continue
	case $f in /var/log/practicerunner | /var/log/practicerunner/*) continue ;; esac
	dpkg-query -S "$f" >/dev/null 2>&1 && continue
	echo "$f"
done < "$T/pkgfiles" > "$T/left"
check "none of the packages' files is left but the audit log and shared directories" sh -c "! grep . '$T/left'"
[ -s "$T/left" ] && sed 's/^/# left: /' "$T/left"
# The kept audit log came from this test (unless one was there before).
[ "$AUDIT_BEFORE" = no ] && rm -rf /var/log/practicerunner
finish

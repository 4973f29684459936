#!/bin/bash
# Root under require_security_key = all-users, with the real programs, each
# run in a private mount namespace (setuid_lib.sh): common-auth and
# common-account as pam-auth-update writes them with our profile (the
# softkey module by absolute path) bound over the host's, then Debian's su
# and sudo run by root reach a keyless user (pam_practicerunner(8),
# "Account phase"). Then the documented way back in ("Locked out"): sulogin
# uses no PAM, and pam-auth-update --disable practicerunner restores
# common-auth, on copies of /etc/pam.d, /usr/share/pam-configs, /var/lib/pam
# and debconf's database, never the host's.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"

if [ -n "${PR_SANITIZER_PRELOAD:-}" ]; then
	echo "1..0 # SKIP setuid su and sudo cannot load a sanitizer build of the module"; exit 0
fi
MOD=$(cd "$SK" && pwd)/pam_practicerunner.so
write_ns_policy all-users none
check_setuid_possible

host_files() {
	cat /etc/pam.d/* /etc/sudoers /var/lib/pam/* /usr/share/pam-configs/* \
		/var/cache/debconf/config.dat 2>/dev/null | sha256sum
}
HOST_BEFORE=$(host_files)

# common-auth and common-account with the profile's lines (conf/pam-configs/practicerunner).
{ cat /etc/pam.d/common-auth; echo "auth required $MOD cue"; } > "$NS/common-auth"
{ cat /etc/pam.d/common-account; echo "account required $MOD"; } > "$NS/common-account"
printf '%s\n' 'Defaults !lecture, !syslog, !use_pty, env_reset' 'root ALL=(ALL:ALL) ALL' > "$NS/sudoers"
chmod 644 "$NS/common-auth" "$NS/common-account"
chmod 440 "$NS/sudoers"
export NS_BINDS="$NS/common-auth:/etc/pam.d/common-auth $NS/common-account:/etc/pam.d/common-account $NS/sudoers:/etc/sudoers"
export NS_TMPFS="/run/sudo"

# --- root reaches a keyless user with the real programs -------------------------
check "su - USER by root: runs as the keyless user" ns root su - prstaff2 -s /bin/sh -c id
check "... as prstaff2" out_has "(prstaff2)"
check "... no 'Permission denied'" fails out_has "Permission denied"
if [ -u /usr/bin/sudo ]; then
	check "sudo -u USER id by root: runs" ns root /usr/bin/sudo -u prstaff2 /usr/bin/id
	check "... as prstaff2" out_has "uid=$(id -u prstaff2)(prstaff2)"
	check "... no account management error" fails out_has "account management"
fi
check "the host's PAM files and sudoers are unchanged" test "$(host_files)" = "$HOST_BEFORE"

# --- the way back in -------------------------------------------------------------
SULOGIN=$(command -v sulogin || echo /usr/sbin/sulogin)
if [ -x "$SULOGIN" ]; then
	check "sulogin links no libpam (a rescue shell is not behind the module)" \
		fails sh -c "ldd '$SULOGIN' | grep -q libpam"
fi
if command -v pam-auth-update >/dev/null; then
	mkdir -p "$NS/cp"
	cp -a /etc/pam.d "$NS/cp/pam.d"
	cp -a /usr/share/pam-configs "$NS/cp/pam-configs"
	cp -a /var/lib/pam "$NS/cp/varlibpam"
	cp -a /var/cache/debconf "$NS/cp/debconf"
	cp "$top_srcdir/conf/pam-configs/practicerunner" "$NS/cp/pam-configs/practicerunner"
	cp "$NS/cp/pam.d/common-auth" "$NS/common-auth.orig"
	export NS_BINDS="$NS/cp/pam.d:/etc/pam.d $NS/cp/pam-configs:/usr/share/pam-configs $NS/cp/varlibpam:/var/lib/pam $NS/cp/debconf:/var/cache/debconf"
	unset NS_TMPFS
	check "pam-auth-update --enable practicerunner (in the namespace)" \
		ns root env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable practicerunner
	check "... common-auth has the module" grep -q pam_practicerunner "$NS/cp/pam.d/common-auth"
	check "pam-auth-update --disable practicerunner (the documented way out)" \
		ns root env DEBIAN_FRONTEND=noninteractive pam-auth-update --disable practicerunner
	check "... common-auth is back, byte for byte" cmp -s "$NS/common-auth.orig" "$NS/cp/pam.d/common-auth"
	check "... common-account has no module line" fails grep -q pam_practicerunner "$NS/cp/pam.d/common-account"
	check "the host's PAM files and debconf are unchanged" test "$(host_files)" = "$HOST_BEFORE"
fi

done_testing

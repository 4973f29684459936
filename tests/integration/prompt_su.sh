#!/bin/bash
# The enumeration attack of doc/ARCHITECTURE.md §4.7 as an ordinary user
# makes it: Debian's real su, setuid, in a private mount namespace
# (setuid_lib.sh), with the stack our examples give (a password module
# that fails, then ours required). The attacker types names and reads what
# su prints: for an account without a key, an enrolled account whose key
# is not attached and an exempt account, the
# screen must be the same byte for byte (the name itself aside), with and
# without a key attached that belongs to nobody of them. TAP output.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/setuid_lib.sh"

ATTACKER=prstaff2

if [ -n "${PR_SANITIZER_PRELOAD:-}" ]; then
	echo "1..0 # SKIP setuid su cannot load a sanitizer build of the module"
	exit 0
fi
write_ns_policy all-users owners discouraged 2
check_setuid_possible

mkdir -m 755 "$T/bin"
cp "$SK/pam_practicerunner.so" "$T/bin/"
chmod 755 "$T/bin"/*
M="$T/bin/pam_practicerunner.so"

# The owner has a physical key on file; nothing else of anyone's.
user_key prowner yk yubikey5
chown -R root: "$NS_KEYS/prowner"
timeout 60 unshare -m --propagation private -- bash "$NS_ENTER" root \
	env PRACTICERUNNER_SOFTKEY="$(key_path prowner yk)" "$SK/practicerunner-admin" \
	key enroll prowner --force </dev/null > "$T/out" 2>&1
check "setup: prowner enrolls a physical key" out_has "Enrolled key"

# su_screen STACK NAME: what the attacker sees from "su NAME", the name replaced by NAME.
su_screen() {
	printf '%s\n' "auth required pam_deny.so" "auth required $M cue $1" \
		"account required pam_permit.so" "session required pam_permit.so" > "$NS/pam.su"
	chmod 644 "$NS/pam.su"
	NS_BINDS="$NS/pam.su:/etc/pam.d/su" ns "$ATTACKER" su "$2" -c true </dev/null
	sed "s/$2/NAME/g" "$T/out" > "$T/screen.$2"
}
# same_screens LABEL STACK NAME...: every name's screen equals the first's.
same_screens() {
	local label=$1 stack=$2 first=$3 n
	shift 2
	for n in "$@"; do su_screen "$stack" "$n"; done
	echo "# $label: $(tr '\n' '|' < "$T/screen.$first")"
	for n in "${@:2}"; do
		check "$label: '$n' looks like '$first'" cmp -s "$T/screen.$first" "$T/screen.$n"
	done
}
# A name that does not exist is not among them: su itself says so before PAM
# runs, and local accounts are public in /etc/passwd anyway; that case (a
# directory's names at the console or over sshd) is prompt_uniform.sh's.
NAMES="prowner prstaff prexempt"

attach
same_screens "no key attached" "" $NAMES
check "no key attached: su says only that it failed" grep -q "Authentication failure" "$T/screen.prowner"
check "... and says nothing of enrollment" \
	fails grep -qi "no enrolled\|not enrolled\|no security key found\|key for NAME" "$T/screen.prowner"

# A key that is nobody's: the attacker's own, attached.
user_key "$ATTACKER" mine yubikey5
chown -R root: "$NS_KEYS/$ATTACKER"
attach "$ATTACKER/mine"
same_screens "a stranger's key attached" "" $NAMES

# The distinctions come back only where the site asks for them.
attach
su_screen show_status prowner
su_screen show_status prstaff
check "show_status: the screens differ" fails cmp -s "$T/screen.prowner" "$T/screen.prstaff"

done_testing

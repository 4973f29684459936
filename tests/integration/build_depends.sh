#!/bin/bash
# The programs `make check` runs against debian/control's Build-Depends.
#
# A clean build chroot (pbuilder, sbuild) has only the Essential packages,
# build-essential, their dependencies and Build-Depends. Every program the
# suite runs must come from one of those, or the test that needs it must skip
# itself cleanly ("1..0 # SKIP ..." or "ok N # SKIP") when it is missing;
# otherwise a clean build fails tests that pass on a developer's machine
# (ssh-keygen: 20+ failures without openssh-client).
#
# How: every word of the test scripts (comments stripped) and every command
# the unit tests hand to system() that names a program on this machine is
# looked up with dpkg -S, and its package must be in the base set, in
# Build-Depends with <!nocheck>, or listed in SKIPS below with the guard that
# makes its tests skip. Words that name a program but are not run as one
# ("free" in a C excerpt, "file" in prose) are listed in NOT_RUN. Needs a
# Debian system with apt-cache; a program that is not installed here is not
# seen (CI installs them all).
set -u
: "${top_srcdir:=$(pwd)}"
n=0; failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
for tool in dpkg-query dpkg apt-cache; do
	command -v "$tool" >/dev/null || { echo "1..0 # SKIP not a Debian system (no $tool)"; exit 0; }
done
W=$(mktemp -d /tmp/pr-bdeps.XXXXXX)
trap 'rm -rf "$W"' EXIT

# Packages whose programs the suite runs only where they are installed:
# PACKAGE FILE GUARD (a fixed string that FILE prints or tests when skipping).
SKIPS='openssh-server tests/integration/sshd_gateway.sh SKIP no /usr/sbin/sshd
sudo tests/integration/sudo_stepup.sh sudo is not installed
dconf-cli tests/integration/conf_examples.sh dconf not installed
systemd tests/integration/conf_examples.sh systemd-logind or strings not available
valgrind tests/integration/lib.sh PR_VALGRIND
git tests/integration/packaging.sh command -v git
logrotate tests/integration/audit_rotate.sh SKIP logrotate is not installed
rsyslog tests/integration/audit_rotate.sh SKIP rsyslog is not installed
curl tests/integration/webgate.sh SKIP curl is not installed
openvpn tests/e2e/webvpn.sh for tool in openvpn chromium chromedriver openssl
chromium tests/e2e/webvpn.sh for tool in openvpn chromium chromedriver openssl
chromium-driver tests/e2e/webvpn.sh for tool in openvpn chromium chromedriver openssl
iproute2 tests/e2e/webvpn.sh SKIP ip (iproute2) is not installed
xrdp tests/e2e/xrdp.sh for tool in xrdp xrdp-sesman xrdp-keygen xfreerdp xvfb-run chromium chromedriver openssl
freerdp2-x11 tests/e2e/xrdp.sh for tool in xrdp xrdp-sesman xrdp-keygen xfreerdp xvfb-run chromium chromedriver openssl
xvfb tests/e2e/xrdp.sh for tool in xrdp xrdp-sesman xrdp-keygen xfreerdp xvfb-run chromium chromedriver openssl
tigervnc-standalone-server tests/e2e/xrdp.sh Xvnc (tigervnc-standalone-server) is not installed
gdb tests/e2e/xrdp.sh command -v gdb >/dev/null || continue'
# Words in the scripts that name a program but are not run as one, and why.
NOT_RUN='file prose ("file mode", "explicit file argument")
dh an OpenVPN option ("dh none") in the test server configuration
clear part of setpriv --clear-groups
reset prose ("failure tally reset")
service a PAM file line ("service login")
reboot a string a test feeds to a shell as data
init part of setpriv --init-groups
which prose
write python code and ssh-keygen -O write-attestation
free C code in an excerpt
w one-letter word in a pattern
last prose
ex C variable in an excerpt
red prose
idle prose ("idle limit")
more prose
tc C variable
dir shell variable name
X shell variable name (tests/e2e/xrdp.sh: X=$T/xrdp); xorgxrdp, which xrdp recommends, brings the X server
rpm the directory of the spec (rpm/practicerunner.spec)
watch debian/watch, a file name
autopkgtest the name of the Debian test framework, in packaging.sh checks
top prose ("at the top")
openvpn a service name the web gate test sends as data (service=openvpn)
open prose ("open the page") and Python open(), not the xdg-utils program'

# Build-Depends, without versions, architecture qualifiers and profiles;
# NOCHECK: those limited to <!nocheck> builds.
bd=$(awk '/^Build-Depends:/ {on = 1; sub(/^Build-Depends:/, ""); print; next}
	on && /^[^[:space:]]/ {exit} on {print}' "$top_srcdir/debian/control" | tr ',' '\n' |
	sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep .)
echo "$bd" | sed 's/[[:space:](:].*//' | sort -u > "$W/bd"
echo "$bd" | grep -F '<!nocheck>' | sed 's/[[:space:](:].*//' | sort -u > "$W/bd-nocheck"
[ -s "$W/bd" ] || { echo "Bail out! no Build-Depends in debian/control"; exit 1; }

# The base set of a clean build chroot: Essential, build-essential, and
# everything they depend on (virtual packages included, as apt prints them).
mapfile -t essential < <(dpkg-query -W -f '${Package} ${Essential}\n' | awk '$2 == "yes" {print $1}')
apt-cache depends --recurse --important --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances build-essential "${essential[@]}" 2>/dev/null |
	grep -v '^ ' | sort -u > "$W/base"
[ -s "$W/base" ] || { echo "Bail out! apt-cache gave no dependencies for build-essential"; exit 1; }
# What a <!nocheck> Build-Depends brings with it (python3 -> python3-minimal).
mapfile -t bd_nocheck < "$W/bd-nocheck"
apt-cache depends --recurse --important --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances "${bd_nocheck[@]}" 2>/dev/null |
	grep -v '^ ' | sort -u > "$W/bd-nocheck-deps"

# The words: shell scripts the suite runs, and the unit tests' run("...").
{
	for f in "$top_srcdir"/tests/integration/*.sh "$top_srcdir"/tests/e2e/*.sh "$top_srcdir"/tests/softkey/softkey_ctl.sh; do
		[ "$(basename "$f")" = build_depends.sh ] && continue   # skips without dpkg
		# Comments and the names of test points are prose, not commands.
		sed -E 's/#.*//; s/(^|[[:space:];&|(])(check|t|ok|not_ok|skip|bail|echo|fails_with) "[^"]*"/\1\2/' "$f"
	done | grep -oE '[A-Za-z_][A-Za-z0-9_.+-]*'
	grep -ohE 'run\("[a-z][a-z0-9_-]*' "$top_srcdir"/tests/unit/*.c | sed 's/^run("//'
} | sort -u > "$W/words"

# package_of PATH: the package that ships PATH (dpkg knows a path from before
# or after the /usr merge, not both; "diversion by" lines are not owners).
package_of() {
	local f
	for f in "$1" "$(readlink -f "$1")" "/usr${1#/usr}" "${1#/usr}"; do
		dpkg -S "$f" 2>/dev/null | grep -v '^diversion by ' | sed -n '1s/:.*//p' | sed 's/,.*//' | grep . && return
	done
	return 1
}
: > "$W/used"
while read -r w; do
	grep -q "^$w " <<<"$NOT_RUN" && continue
	# The system's programs, as a build chroot has them (not ~/.pyenv etc.).
	p=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v -- "$w" 2>/dev/null) || continue
	case $p in /*) ;; *) continue ;; esac          # a builtin, function or keyword
	if pkg=$(package_of "$p"); then echo "$pkg $w" >> "$W/used"
	else not_ok "$w ($p): no package ships it"; fi
done < "$W/words"
sort -u -o "$W/used" "$W/used"

seen=
while read -r pkg w; do
	case " $seen " in *" $pkg "*) continue ;; esac
	seen="$seen $pkg"
	tools=$(awk -v p="$pkg" '$1 == p {printf "%s%s", s, $2; s = " "}' "$W/used")
	if grep -qx "$pkg" "$W/base"; then
		ok "$tools: $pkg is Essential or build-essential"
	elif grep -qx "$pkg" "$W/bd-nocheck"; then
		ok "$tools: $pkg is in Build-Depends with <!nocheck>"
	elif grep -qx "$pkg" "$W/bd-nocheck-deps"; then
		ok "$tools: $pkg comes with a Build-Depends <!nocheck>"
	elif grep -qx "$pkg" "$W/bd"; then
		not_ok "$tools: $pkg is in Build-Depends but not as <!nocheck> (only the tests need it)"
	elif guard=$(grep "^$pkg " <<<"$SKIPS"); then
		read -r _ file text <<<"$guard"
		if grep -qF -- "$text" "$top_srcdir/$file"; then
			ok "$tools: $pkg is optional: $file skips without it"
		else
			not_ok "$tools: $pkg is listed as optional, but $file has no guard \"$text\""
		fi
	else
		not_ok "$tools: $pkg is neither Essential, build-essential, in Build-Depends <!nocheck>, nor skipped without"
	fi
done < "$W/used"
echo "1..$n"
[ "$failed" = 0 ]

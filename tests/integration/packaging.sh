#!/bin/bash
# The packages' files against each other and against the documents that
# describe them: the setuid programs each document names, the examples the
# manual pages cite and both packages ship, the licence, and the metadata
# the Debian and RPM tools expect. Static: reads the source tree only.
set -u
: "${top_srcdir:=$(pwd)}"
S=$top_srcdir
SPEC=$S/rpm/practicerunner.spec
EX=/usr/share/doc/practicerunner/examples
n=0; failed=0
W=$(mktemp -d /tmp/pr-pkgcheck.XXXXXX)
trap 'rm -rf "$W"' EXIT
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; [ -s "$W/out" ] && sed 's/^/# /' "$W/out"; }
check() { local name=$1; shift; if "$@" > "$W/out" 2>&1; then ok "$name"; else not_ok "$name"; fi; : > "$W/out"; }
has() { grep -qE -- "$2" "$1" || { echo "$1: no match for: $2"; false; }; }
lacks() { ! grep -nE -- "$2" "$1" || { echo "(in $1)"; false; }; }

# --- the setuid programs, in every list of them --------------------------------
# helpers/local.mk's SETUID_INSTALLED is what make install sets 4755.
SETUID=$(sed -n '/^SETUID_INSTALLED *=/,/[^\\]$/p' "$S/helpers/local.mk" | grep -oE 'practicerunner-[a-z-]+' | sort -u)
[ "$(echo "$SETUID" | wc -w)" -ge 3 ] || { echo "Bail out! no SETUID_INSTALLED in helpers/local.mk"; exit 1; }
# The practicerunner package's description, README's package table row and
# README.Debian's "Setuid programs" section.
awk '/^Package: practicerunner$/ {on = 1; next} /^Package:/ {on = 0} on' "$S/debian/control" > "$W/control-desc"
grep '^| `practicerunner` |' "$S/README.md" > "$W/readme-row"
# (A section runs from its title to the next title, a line underlined ---.)
awk '{l[NR] = $0} END {for (i = 1; i <= NR; i++) if (l[i] == "Setuid programs") break;
	for (i += 2; i <= NR && l[i + 1] !~ /^---/; i++) print l[i]}' \
	"$S/debian/practicerunner.README.Debian" > "$W/readme-debian-setuid"
for p in $SETUID; do
	check "$p: in the practicerunner package's description" has "$W/control-desc" "$p"
	check "$p: in README's package table" has "$W/readme-row" "$p"
	check "$p: in README.Debian's setuid section" has "$W/readme-debian-setuid" "$p"
	check "$p: setuid in the spec" has "$SPEC" "^%attr\(4755,root,root\) .*/$p\$"
	check "$p: in debian/rules SETUID_HELPERS" has "$S/debian/rules" "^SETUID_HELPERS = .*/$p( |\$)"
done
for f in "$S/README.md" "$S"/debian/*README* "$S"/conf/authselect/README.authselect "$S"/man/*.[1-8] "$S/debian/control" "$SPEC"; do
	check "$(basename "$f"): says of no helper that it is missing" \
		lacks "$f" "(is not in this version|until practicerunner-verify is installed|not (yet )?(shipped|installed) in this)"
done

# --- the examples: what Debian installs, what RPM installs, what documents cite
# dh_installexamples copies a listed file into examples/ and a listed
# directory with its tree; list what that makes.
: > "$W/examples"
while read -r src; do
	[ -n "$src" ] || continue
	if [ -d "$S/$src" ]; then
		(cd "$S/$(dirname "$src")" && find "$(basename "$src")" -type f) >> "$W/examples"
	else
		for f in $S/$src; do [ -f "$f" ] && basename "$f" >> "$W/examples"; done
	fi
done < "$S/debian/practicerunner.examples"
sort -u -o "$W/examples" "$W/examples"
check "Debian ships examples" test -s "$W/examples"
# The spec stages the same sources into examples/ for %doc.
grep . "$S/debian/practicerunner.examples" | sort > "$W/deb-src"
grep -E '^cp -pr .* examples/$' "$SPEC" | grep -oE 'conf/[^ ]+' | sort > "$W/rpm-src"
check "the spec ships the same examples as debian/practicerunner.examples" diff "$W/deb-src" "$W/rpm-src"
check "the spec installs them as %doc examples" has "$SPEC" '^%doc .*[[:space:]]examples([[:space:]]|$)'
check "the examples include the session files (pam.d/session.example, session/)" \
	sh -c "grep -qx pam.d/session.example '$W/examples' && grep -q '^session/' '$W/examples'"
check "no example is named like the policy file (practicerunner.conf) at the top" \
	lacks "$W/examples" '^practicerunner\.conf$'
check "the sshd drop-in is examples/sshd_config.d/practicerunner.conf" \
	has "$W/examples" '^sshd_config\.d/practicerunner\.conf$'
# Every example an installed document cites exists in the examples: by its
# full path, or relative to the examples directory (pam.d/..., session/...,
# sshd_config.d/..., not preceded by /etc/).
DOCS="$S/man/*.[1-8] $S/conf/practicerunner.conf $S/debian/practicerunner.README.Debian $S/README.md $S/conf/authselect/README.authselect"
# shellcheck disable=SC2086
sed 's/\\-/-/g; s/\\&//g; s/\\%//g' $DOCS > "$W/docs"
{
	grep -oE "$EX/[A-Za-z0-9_./-]*" "$W/docs" | sed "s|^$EX/||"
	grep -oE '(^|[^/A-Za-z0-9._-])(pam\.d|session|sshd_config\.d)/[A-Za-z0-9_.-][A-Za-z0-9_./-]*' "$W/docs" |
		sed -E 's/^[^a-z]//'
} | sed 's/[.,:;]$//' | sort -u > "$W/cited"
check "the documents cite examples by their installed path" test -s "$W/cited"
while read -r c; do
	[ -n "$c" ] || continue
	check "cited example $EX/$c is shipped" sh -c "grep -qx -- '$c' '$W/examples' || grep -q -- '^${c%/}/' '$W/examples'"
done < "$W/cited"
# Installed documents name no file of the source tree (conf/...): the
# administrator has the package, not the source.
for f in "$S"/man/*.[1-8] "$S/conf/practicerunner.conf" "$S/debian/practicerunner.README.Debian"; do
	check "$(basename "$f"): cites no source path conf/..." lacks "$f" '(^|[[:space:](])conf/(pam\.d|session|sshd_config\.d|authselect|pam-configs)'
done

# --- licence and metadata --------------------------------------------------------
check "COPYING is the Apache License 2.0" sh -c \
	"grep -q 'Apache License' '$S/COPYING' && grep -q 'Version 2.0, January 2004' '$S/COPYING' && grep -q 'END OF TERMS AND CONDITIONS' '$S/COPYING'"
check "COPYING is in the tarball (EXTRA_DIST)" has "$S/Makefile.am" '^EXTRA_DIST = .*COPYING'
check "spec: License: Apache-2.0" has "$SPEC" '^License:[[:space:]]+Apache-2\.0$'
check "spec: both packages carry %license COPYING" test "$(grep -c '^%license COPYING$' "$SPEC")" = 2
check "spec: URL" has "$SPEC" '^URL:[[:space:]]+https://'
check "spec: Source0 is the versioned tarball" has "$SPEC" '^Source0:[[:space:]]+(.*/)?%\{name\}-%\{version\}\.tar\.gz$'
check "spec: Recommends of the arch package carries %{?_isa}" has "$SPEC" '^Recommends:[[:space:]]+pam_practicerunner%\{\?_isa\} = '
check "spec: no globbed manual page names in %files" lacks "$SPEC" '^%\{_mandir\}/man[1-8]/[^ ]*\*[^ ]*\.[1-8]'
for page in $(grep -oE 'man/[a-z_.-]+\.[1-8]' "$S/man/local.mk" | sed 's|^man/||' | sort -u); do
	sec=${page##*.}
	check "spec: $page listed in %files" has "$SPEC" "^%\\{_mandir\\}/man$sec/${page//./\\.}\\*?$"
done
check "debian/copyright is machine-readable (DEP-5)" has "$S/debian/copyright" '^Format: https://www\.debian\.org/doc/packaging-manuals/copyright-format/1\.0/$'
check "debian/copyright: Files: * is Apache-2.0" sh -c \
	"awk '/^Files: \\*\$/ {f = 1; next} f && /^License:/ {print \$2; exit}' '$S/debian/copyright' | grep -qx Apache-2.0"
check "debian/copyright: a Files: debian/* stanza" has "$S/debian/copyright" '^Files: debian/\*$'
check "debian/copyright: the Apache-2.0 licence paragraph" has "$S/debian/copyright" '^License: Apache-2\.0$'
check "debian/copyright: no placeholder licence left" lacks "$S/debian/copyright" 'unlicensed|[Pp]laceholder'
check "debian/control: Homepage" has "$S/debian/control" '^Homepage: https://'
check "debian/watch, or README.source says why not" sh -c \
	"test -f '$S/debian/watch' || grep -q 'debian/watch' '$S/debian/README.source'"
TC=$S/debian/tests/control
check "autopkgtest: runs tests/installed/smoke.sh" has "$TC" '^Test-Command: .*tests/installed/smoke\.sh'
for r in needs-root breaks-testbed allow-stderr; do
	check "autopkgtest: restriction $r" has "$TC" "^Restrictions:.*\\b$r\\b"
done
check "autopkgtest: depends on the packages (@) and pamtester" sh -c \
	"awk '/^Depends:/ {on = 1} on && /^[A-Z]/ && !/^Depends:/ {on = 0} on' '$TC' | grep -q '@' &&
	 awk '/^Depends:/ {on = 1} on && /^[A-Z]/ && !/^Depends:/ {on = 0} on' '$TC' | grep -qw pamtester"
check "autopkgtest: depends on the build dependencies (it builds the hidshim)" sh -c \
	"awk '/^Depends:/ {on = 1} on && /^[A-Z]/ && !/^Depends:/ {on = 0} on' '$TC' | grep -qF '@builddeps@'"
check "debian/control: Testsuite: autopkgtest" has "$S/debian/control" '^Testsuite: autopkgtest$'
check "the smoke test's tool builder travels in the tarball" has "$S/Makefile.am" '(^|[[:space:]])tests/installed/hidshim-tools\.sh([[:space:]]|$)'

# --- test code never in a package ------------------------------------------------
# The hidshim and the softkey are test builds (check_ targets, never
# installed); no file list names them. The installed packages themselves
# are checked by tests/installed/smoke.sh, the built binaries by module_symbols.sh.
for f in "$S"/debian/*.install "$S/debian/not-installed" "$S"/debian/*.links "$S"/debian/*.docs "$SPEC"; do
	[ -f "$f" ] || continue
	grep -v '^[[:space:]]*#' "$f" > "$W/list"
	check "$(basename "$f"): names no hidshim or softkey file" lacks "$W/list" '(hidshim|softkey)'
done
# installs_nothing MK: every primary (PROGRAMS, LTLIBRARIES...) MK adds to is check_'s.
installs_nothing() {
	! grep -nE '^[a-z_]+_(PROGRAMS|LTLIBRARIES|LIBRARIES|SCRIPTS|DATA|HEADERS)[[:space:]]*\+?=' "$1" |
		grep -vE '^[0-9]+:(dist_|nodist_)?check_'
}
for mk in "$S/tests/hidshim/local.mk" "$S/tests/softkey/local.mk"; do
	check "${mk#$S/}: builds check_ targets only (nothing make install installs)" installs_nothing "$mk"
	check "${mk#$S/}: has check_ targets (the check can fail)" has "$mk" '^check_(PROGRAMS|LTLIBRARIES)[[:space:]]*\+?='
done
# Every debian/ file git knows travels in the tarball (the .deb builds from it).
if [ -e "$S/.git" ] && command -v git >/dev/null; then
	for f in $(git -C "$S" ls-files debian); do
		check "$f is in EXTRA_DIST" has "$S/Makefile.am" "(^|[[:space:]])${f//./\\.}([[:space:]]|\$)"
	done
fi
echo "1..$n"
[ "$failed" = 0 ]

#!/bin/bash
# The session-locking examples in conf/session/ do what pam_practicerunner(8)
# says: the dconf database compiles and holds the AAL3 limit in the types
# GNOME's schemas declare, its locks name keys it sets, logind knows the
# keys of the drop-in, and the profile.d snippet makes TMOUT read-only in
# interactive shells only. Tools that are missing skip their cases.
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
S=$top_srcdir/conf/session
DB=$S/dconf/db/local.d/00-practicerunner-lock
LOCKS=$S/dconf/db/local.d/locks/00-practicerunner-lock
SNIP=$S/profile.d/practicerunner-tmout.sh
LOGIND=$S/logind.conf.d/practicerunner.conf
SCHEMAS=/usr/share/glib-2.0/schemas
T=$(mktemp -d /tmp/pr-conf.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0; failed=0
t() { n=$((n + 1)); if "${@:2}"; then echo "ok $n - $1"; else failed=$((failed + 1)); echo "not ok $n - $1"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

aal3_idle=$(sed -n 's/^#define PR_DEFAULT_AAL3_IDLE \([0-9]*\).*/\1/p' "$top_srcdir/lib/conf.h")
t "the policy's default AAL3 idle limit is known" test -n "$aal3_idle"

# --- dconf -----------------------------------------------------------------------
# "[org/gnome/desktop/session]" + "idle-delay=uint32 900" -> "/org/gnome/desktop/session/idle-delay"
db_keys() { awk '/^\[/ { gsub(/[][]/, ""); dir = $0; next } /^[a-z]/ { split($0, kv, "="); print "/" dir "/" kv[1] }' "$DB"; }
locks_ok() {
	local l
	while read -r l; do
		case $l in '#'* | '') continue ;; esac
		db_keys | grep -qx -- "$l" || { echo "# lock $l names no key the database sets"; return 1; }
	done < "$LOCKS"
}
t "every lock names a key the database sets" locks_ok
t "every key the database sets is locked" bash -c 'for k in $(cat); do grep -qx -- "$k" "$0" || exit 1; done' "$LOCKS" <<<"$(db_keys)"
if command -v dconf >/dev/null; then
	mkdir -p "$T/local.d/locks"
	cp "$DB" "$T/local.d/"; cp "$LOCKS" "$T/local.d/locks/"
	t "dconf compiles the database" dconf compile "$T/db" "$T/local.d"
	printf 'file-db:%s\n' "$T/db" > "$T/profile"
	rd() { DCONF_PROFILE=$T/profile dconf read "$1"; }
	t "idle-delay is the AAL3 limit ($aal3_idle s)" test "$(rd /org/gnome/desktop/session/idle-delay)" = "uint32 $aal3_idle"
	t "lock-enabled is true" test "$(rd /org/gnome/desktop/screensaver/lock-enabled)" = true
	t "lock-delay is 0 (idle means locked)" test "$(rd /org/gnome/desktop/screensaver/lock-delay)" = "uint32 0"
	t "disable-lock-screen is false" test "$(rd /org/gnome/desktop/lockdown/disable-lock-screen)" = false
else
	for c in compile idle-delay lock-enabled lock-delay disable-lock-screen; do skip "dconf not installed ($c)"; done
fi
t "the dconf profile reads the local system database" grep -qx "system-db:local" "$S/dconf/profile/user"
# schema type letters: uint32 -> u, true/false -> b
schema_ok() {
	local k dir key schema want
	for k in $(db_keys); do
		dir=${k%/*}; key=${k##*/}
		schema=$SCHEMAS/$(echo "${dir#/}" | tr / .).gschema.xml
		want=$(grep -E "^$key=" "$DB" | sed 's/^[^=]*=//' | awk '{ print ($1 == "uint32") ? "u" : ($1 ~ /^(true|false)$/) ? "b" : "?" }')
		grep -q "<key name=\"$key\" type=\"$want\"" "$schema" 2>/dev/null ||
			{ echo "# $k: no key of type $want in $schema"; return 1; }
	done
}
if [ -f "$SCHEMAS/org.gnome.desktop.session.gschema.xml" ]; then
	t "every key exists in GNOME's schemas with the type given" schema_ok
else
	skip "gsettings-desktop-schemas not installed"
fi

# --- logind -----------------------------------------------------------------------
t "logind drop-in: a [Login] section" grep -qx '\[Login\]' "$LOGIND"
t "logind drop-in: locks after the AAL3 limit" grep -qx "IdleActionSec=$((aal3_idle / 60))min" "$LOGIND"
LOGIND_BIN=$(ls /lib/systemd/systemd-logind /usr/lib/systemd/systemd-logind 2>/dev/null | head -n 1)
keys_known() {
	local k
	for k in $(sed -n 's/^#\{0,1\}\([A-Za-z]*\)=.*/\1/p' "$LOGIND"); do
		strings "$LOGIND_BIN" | grep -qx "Login\.$k" || { echo "# $k unknown to $LOGIND_BIN"; return 1; }
	done
}
if [ -n "$LOGIND_BIN" ] && command -v strings >/dev/null; then
	t "this systemd-logind knows every key of the drop-in (commented ones too)" keys_known
else
	skip "systemd-logind or strings not available"
fi

# --- profile.d ----------------------------------------------------------------------
# ish SHELL LIMIT CODE: an interactive shell (no rc files) with the limit
# exported, the snippet sourced; its stdout (stderr in $T/err, minus the
# shells' complaints about having no terminal).
ish() {
	local sh=$1
	[ "$sh" = bash ] && sh="bash --norc --noprofile"
	env -i PATH=/usr/bin:/bin PRACTICERUNNER_IDLE_LIMIT="$2" $sh -i -c ". '$SNIP'; $3" \
		2>"$T/err.all" </dev/null
	grep -v -e "job control" -e "terminal process group" -e "access tty" "$T/err.all" > "$T/err"
}
no_err() { [ ! -s "$T/err" ] || { sed 's/^/# /' "$T/err"; false; }; }
t "bash: TMOUT is the idle limit" test "$(ish bash 900 'echo $TMOUT')" = 900
# (an assignment to a read-only variable ends the command line: try it in a subshell)
t "bash: TMOUT is read-only" test "$(ish bash 900 '(TMOUT=0; echo changed); echo $TMOUT')" = 900
t "bash: ... and says so" grep -q readonly "$T/err"
t "bash: unset TMOUT refused" test "$(ish bash 900 'unset TMOUT; echo ${TMOUT:-gone}')" = 900
t "bash: read twice" test "$(ish bash 900 ". '$SNIP'; echo \$TMOUT")" = 900
t "bash: read twice, no error" no_err
t "bash: a limit that is not a number is ignored" test "$(ish bash '9; reboot' 'echo ${TMOUT:-unset}')" = unset
t "bash: no limit, no TMOUT" test "$(ish bash '' 'echo ${TMOUT:-unset}')" = unset
t "bash: not exported by the snippet (scripts' read keeps no timeout)" test "$(ish bash 900 'bash -c "echo \${TMOUT:-unset}"')" = unset
t "bash: a non-interactive shell is left alone" test "$(env -i PRACTICERUNNER_IDLE_LIMIT=900 bash -c ". '$SNIP'; echo \${TMOUT:-unset}")" = unset
if command -v dash >/dev/null; then
	t "dash: TMOUT set and read-only" test "$(ish dash 900 '(TMOUT=0; echo changed); echo $TMOUT')" = 900
else
	skip "dash not installed"
fi

echo "1..$n"
[ $failed = 0 ]

#!/bin/bash
# The include graph of lib/, pam/ and helpers/ from their #include "..."
# lines, as Markdown for doc/ARCHITECTURE.md §11: each file's layer, what
# it includes, and every include that points up a layer. Run from the top
# of the tree: bash doc/include-graph.sh
#
# Layers (doc/ARCHITECTURE.md §3), bottom up:
#   0 vocabulary and primitives   1 storage and records
#   2 decisions                   3 front ends (pam/, helpers/)
set -u
cd "${top_srcdir:-.}" || exit 1

layer_of() {
	case ${1#lib/} in
	err.[ch] | types.[ch] | cred.[ch] | util.[ch] | textfmt.[ch] | secure_file.[ch] | config_text.[ch] | \
	transport.h | transport_hid.c | select.[ch] | assertion.[ch] | attest.[ch] | \
	anchors.c | ssh/sshkey.[ch] | ssh/sshattest.[ch] | ssh/sshauthinfo.[ch] | verify_proto.[ch] | \
	pamu2f.[ch] | procpeer.[ch] | proc_control.[ch] | mail.[ch] | audit_pending.[ch] | \
	digest.[ch] | directory/dir_name.[ch] | directory/dir_cache.[ch] | webauthn/wa_bounds.h | \
	webauthn/wa_clientdata.[ch] | webauthn/wa_assert.[ch] | webauthn/wa_proto.[ch] | \
	webauthn/wa_control.[ch] | webauthn/wa_pending.[ch] | webauthn/wa_ctlclient.[ch] | webauthn/wa_addr.[ch])
		echo 0 ;;
	user_file.[ch] | state.[ch] | store.[ch] | store_users.c | store_revoked.[ch] | store_cache.[ch] | store_offline.[ch] | token.[ch] | invite.[ch] | audit_rate.[ch] | \
	ticket.[ch] | codes.[ch] | breakglass.[ch] | grant.[ch] | lockout.[ch] | ssh/sshchallenge.[ch] | audit.[ch] | \
	audit_format.c | audit_head.c | audit_verify.c | audit_internal.h | audit_intent.[ch] | audit_event.[ch] | \
	audit_rotate.c | audit_series.[ch] | audit_export.[ch] | \
	conf.h | config.c | config_ldap.[ch] | config_web.[ch] | modopts.[ch] | directory/directory.h | \
	directory/dir_internal.h | directory/dir_conn.c | directory/dir_secret.c | \
	directory/dir_entry.[ch] | directory/dir_slot.[ch] | directory/dir_status.[ch] | \
	directory/dir_scan.[ch] | store_merge.[ch] | store_migrate.[ch])
		echo 1 ;;
	policy.[ch] | aal.[ch] | roles.[ch] | accounts.[ch] | lifecycle.[ch] | coverage.[ch] | coverage_scope.c | \
	enroll.[ch] | keychange.[ch] | ssh/sshenroll.[ch] | recovery.[ch] | notify.[ch] | signin.[ch] | \
	recovery_flow.[ch] | codes_issue.[ch] | breakglass_flow.[ch] | flow.[ch] | \
	ssh/signin_ssh.c | signin_grant.c | webauthn/wa_register.[ch])
		echo 2 ;;
	pam/* | helpers/*)
		echo 3 ;;
	*)
		echo "?" ;;
	esac
}

# Where an included name lives: the including file's own directory first
# (helpers/ and pam/ headers), then lib/, then helpers/ for the helpers'
# subfolders, as -iquote searches.
resolve() {
	if [ -f "${1%/*}/$2" ]; then echo "${1%/*}/$2"
	elif [ -f "lib/$2" ]; then echo "lib/$2"
	elif [ "${1#helpers/}" != "$1" ] && [ -f "helpers/$2" ]; then echo "helpers/$2"
	else echo "?/$2"; fi
}

includes() {
	sed -n 's/^#include "\(.*\)"/\1/p' "$1" | grep -v -x 'config.h'
}

files=$(ls lib/*.h lib/*.c lib/ssh/*.h lib/ssh/*.c lib/directory/*.h lib/directory/*.c lib/webauthn/*.h lib/webauthn/*.c pam/*.h pam/*.c helpers/*.h helpers/*.c helpers/admin/*.h helpers/admin/*.c helpers/webgate/*.h helpers/webgate/*.c)
for f in $files; do
	[ "$(layer_of "$f")" = "?" ] && echo "include-graph.sh: $f has no layer: add it" >&2
done

table() {
	echo "| file | layer | includes |"
	echo "|---|---|---|"
	for f in "$@"; do
		echo "| \`$f\` | $(layer_of "$f") | $(includes "$f" | tr '\n' ' ' | sed 's/ $//') |"
	done
}

echo "Includes that point up a layer:"
echo
up=0
for f in $files; do
	lf=$(layer_of "$f")
	for inc in $(includes "$f"); do
		t=$(resolve "$f" "$inc")
		lt=$(layer_of "$t")
		if [ "$lt" = "?" ] || [ "$lt" -gt "$lf" ]; then
			echo "- \`$f\` (layer $lf) includes \`$t\` (layer $lt)"
			up=$((up + 1))
		fi
	done
done
[ "$up" = 0 ] && echo "- none"
# Two files that include each other.
for f in $files; do
	for inc in $(includes "$f"); do
		t=$(resolve "$f" "$inc")
		[ -f "$t" ] && includes "$t" | grep -q -x "${f##*/}" && [ "$f" \< "$t" ] &&
			echo "- \`$f\` and \`$t\` include each other"
	done
done
echo
echo "The headers of lib/:"
echo
table $(ls lib/*.h lib/ssh/*.h lib/directory/*.h lib/webauthn/*.h)
echo
echo "The other files (what each .c and each front-end header includes):"
echo
table $(ls lib/*.c lib/ssh/*.c lib/directory/*.c lib/webauthn/*.c pam/*.h pam/*.c helpers/*.h helpers/*.c helpers/admin/*.h helpers/admin/*.c helpers/webgate/*.h helpers/webgate/*.c)
exit 0

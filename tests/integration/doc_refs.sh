#!/bin/bash
# What the sources cite is in the tree (doc/ARCHITECTURE.md §10.8):
#   0. doc/ARCHITECTURE.md exists, its sections numbered in order;
#   1. every Markdown document a file names (by name, or by path) exists;
#   2. every "ARCHITECTURE.md §N" names a numbered section of
#      doc/ARCHITECTURE.md, and the document's own "§N" do too;
#   3. every .c or .h file a comment names is one of ours, or one of the
#      few files of other projects listed in FOREIGN below.
# Files scanned: those git tracks in a checkout, else (a release tarball)
# everything under the source directories. Binary files are skipped.
set -u
: "${top_srcdir:=$(pwd)}"
cd "$top_srcdir" || exit 1
DOC=doc/ARCHITECTURE.md
# Files of other projects that comments name, for the reader to look up there.
FOREIGN=" auth2.c auth2-pubkey.c support.c io.c tcp_ipv4.c tcp_ipv6.c hid_linux.c nfc_linux.c "
n=0; failed=0
T=$(mktemp -d /tmp/pr-docrefs.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

t() { # NAME FILE-OF-FINDINGS
	n=$((n + 1))
	if [ ! -s "$2" ]; then echo "ok $n - $1"
	else failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$2"; fi
}

# The file list, one path a line, relative to the top of the tree.
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
	git ls-files
else
	find lib pam helpers tests conf man debian rpm bench doc .ci \
		README.md Makefile.am configure.ac autogen.sh -type f 2>/dev/null
fi | grep -v -E '^tests/fuzz/(corpus|dict)/' | sort > "$T/files"
# Every basename we have (a bare name is fine when some file has it).
sed 's|.*/||' "$T/files" | sort -u > "$T/names"
# grep over the list: file:line:text, binary files skipped.
scan() { tr '\n' '\0' < "$T/files" | xargs -0 grep -H -n -I -E "$@" 2>/dev/null; }
# Every match of the ERE $1 in the text after the second ':' (file:line:text)
# as "file:line:match", one a line.
matches() {
	awk -v re="$1" '{
		i = index($0, ":"); j = index(substr($0, i + 1), ":") + i
		where = substr($0, 1, j - 1); text = substr($0, j + 1)
		while (match(text, re)) {
			print where ":" substr(text, RSTART, RLENGTH)
			text = substr(text, RSTART + RLENGTH)
		}
	}'
}
# Findings of "file:line:ref" lines whose ref is not here ($1: how to say it).
# A ref with a directory must be that path (an absolute or installed one only
# its name); a bare name must be some file's name; FOREIGN names are fine.
missing() {
	awk -v said="$1" -v foreign="$FOREIGN" -v files="$T/files" '
	BEGIN {
		while ((getline f < files) > 0) { path[f] = 1; sub(/.*\//, "", f); name[f] = 1 }
	}
	{
		i = index($0, ":"); j = index(substr($0, i + 1), ":") + i
		ref = substr($0, j + 1); base = ref; sub(/.*\//, "", base)
		if (index(foreign, " " base " ")) next
		if (ref ~ /^\// || ref ~ /\/share\/doc\//) ok = base in name
		else if (ref ~ /\//) { r = ref; sub(/^\.\//, "", r); ok = r in path }
		else ok = base in name
		if (!ok) print substr($0, 1, j - 1) ": " said " " ref ", which is not in the tree"
	}'
}

# 0. The document itself, its sections numbered once each, in order.
if [ -f "$DOC" ]; then
	sed -n -E 's/^#{2,4} ([0-9]+(\.[0-9]+)*)\.? .*/\1/p' "$DOC" > "$T/sections"
	sort -t. -k1,1n -k2,2n -k3,3n "$T/sections" | uniq > "$T/sorted"
	if [ ! -s "$T/sections" ]; then echo "$DOC: no numbered sections" > "$T/doc"
	elif ! cmp -s "$T/sections" "$T/sorted"; then
		echo "$DOC: section numbers repeat or are out of order:" > "$T/doc"
		diff "$T/sections" "$T/sorted" >> "$T/doc"
	else : > "$T/doc"; fi
else
	echo "$DOC is missing" > "$T/doc"
fi
t "$DOC is in the tree, its sections numbered in order" "$T/doc"

# 1. Markdown documents.
# A path built from a shell variable (a test's own data) is not a citation.
scan '\.md\b' | sed -E 's/[$][{]?[A-Za-z_][A-Za-z0-9_]*[}]?[/][A-Za-z0-9_./-]*[.]md//g' |
	matches '[A-Za-z0-9_./-]*[A-Za-z0-9_-]+\.md' | missing cites > "$T/md"
t "every Markdown document cited is in the tree" "$T/md"

# 2. Sections of doc/ARCHITECTURE.md: headings "## 4. Title", "### 4.2 Title".
# On a line that cites the document, every §N; in the document itself, all.
if [ -f "$DOC" ]; then
	{ scan 'ARCHITECTURE\.md' | grep -v "^$DOC:"; grep -H -n '§' "$DOC"; } |
		awk -v doc="$DOC" -v secs="$T/sections" '
		BEGIN { while ((getline s < secs) > 0) have[s] = 1 }
		{
			i = index($0, ":"); j = index(substr($0, i + 1), ":") + i
			where = substr($0, 1, j - 1); text = substr($0, j + 1)
			if (text ~ /ARCHITECTURE\.md,? section/)
				print where ": cite a section as §N, so that this test can check it"
			while (match(text, /§[0-9]+(\.[0-9]+)*/)) {
				s = substr(text, RSTART, RLENGTH); text = substr(text, RSTART + RLENGTH)
				sub(/^§/, "", s)
				if (!(s in have)) print where ": §" s " is not a section of " doc
			}
		}' > "$T/sec"
else
	scan 'ARCHITECTURE\.md' | sed "s|\$|: $DOC is missing|" > "$T/sec"
fi
t "every §N cited is a section of $DOC" "$T/sec"

# 3. .c and .h files named in comments: the comment part of C lines, and
# "#" lines of scripts and makefiles (not #include, not #!).
{
	grep -E '\.[ch]$' "$T/files" | tr '\n' '\0' |
		xargs -0 grep -H -n -I -E '^[[:space:]]*(/\*|\*|//)|/\*' 2>/dev/null |
		awk '{
			i = index($0, ":"); j = index(substr($0, i + 1), ":") + i
			text = substr($0, j + 1); k = index(text, "/*")
			if (text !~ /^[[:space:]]*(\*|\/\/)/ && k > 0) text = substr(text, k)
			print substr($0, 1, j) text
		}'
	grep -v -E '\.[ch]$' "$T/files" | tr '\n' '\0' |
		xargs -0 grep -H -n -I -E '^[[:space:]]*#([^!i]|$)' 2>/dev/null
} | matches '[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.[ch]([^A-Za-z0-9_]|$)' | sed -E 's/[^A-Za-z0-9_]$//' |
	missing names > "$T/src"
t "every .c and .h file named in a comment is in the tree" "$T/src"

echo "1..$n"
[ "$failed" = 0 ]

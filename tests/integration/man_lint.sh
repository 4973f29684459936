#!/bin/bash
# Every manual page lints clean with mandoc and renders without man warnings.
set -u
: "${top_srcdir:=$(pwd)}"
n=0; failed=0
if ! command -v mandoc >/dev/null; then echo "1..0 # SKIP mandoc is not installed"; exit 0; fi
for page in "$top_srcdir"/man/*.[1-8]; do
	n=$((n + 1))
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	if [ -z "$out" ]; then echo "ok $n - mandoc lint $(basename "$page")"
	else failed=$((failed + 1)); echo "not ok $n - mandoc lint $(basename "$page")"; echo "$out" | sed 's/^/# /'; fi
	if command -v man >/dev/null; then
		n=$((n + 1))
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
		if [ -z "$out" ]; then echo "ok $n - man --warnings $(basename "$page")"
		else failed=$((failed + 1)); echo "not ok $n - man --warnings $(basename "$page")"; echo "$out" | sed 's/^/# /'; fi
	fi
done
echo "1..$n"
[ $failed = 0 ]

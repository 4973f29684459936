#!/bin/bash
# make bench: every benchmark in bench/, each printing its own table.
set -u
cd "$top_builddir" || exit 1
if [ "$(id -u)" != 0 ]; then echo "make bench runs as root (it creates test users and namespaces)"; exit 1; fi
echo "PracticeRunner benchmarks, $(date -u +%Y-%m-%d), $(uname -m), $(nproc) CPUs"
rc=0
for b in "$top_srcdir"/bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo; echo "== $(basename "$b" .sh)"
	bash "$b" || rc=1
done
exit $rc

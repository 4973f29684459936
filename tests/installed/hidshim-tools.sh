#!/bin/bash
# The test tools tests/installed/smoke.sh needs to sign in with a key
# through the installed release programs: the hidshim (tests/hidshim/,
# an LD_PRELOAD library showing softkey devices as hidraw FIDO keys,
# doc/ARCHITECTURE.md §10.2.1) and softkey-ctl (makes the devices).
#
#     tests/installed/hidshim-tools.sh OUTDIR
#
# Copies OUTDIR/libhidshim.so and OUTDIR/softkey-ctl from a built source
# tree: PR_HIDSHIM_BUILD if set, else this source tree when `make check`
# has built them here (CI's packages stage), else it builds just those two
# from this source tree, in the tree when it is configured, or out of tree
# in OUTDIR/build (autopkgtest runs from an unbuilt source package). Never
# installs anything: the packages must not contain either (smoke.sh checks).
set -eu
OUT=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SHIM=tests/hidshim/libhidshim.la
CTL=tests/softkey/softkey-ctl

built() { [ -f "$1/tests/hidshim/.libs/libhidshim.so" ] && [ -x "$1/$CTL" ]; }

if [ -n "${PR_HIDSHIM_BUILD:-}" ]; then
	B=$PR_HIDSHIM_BUILD
elif built "$SRC"; then
	B=$SRC
elif [ -f "$SRC/config.status" ]; then
	make -C "$SRC" "$SHIM" "$CTL"
	B=$SRC
else
	# A source package has configure; a git checkout needs autogen.sh first.
	[ -x "$SRC/configure" ] || (cd "$SRC" && ./autogen.sh)
	B=$OUT/build
	mkdir -p "$B"
	(cd "$B" && "$SRC/configure" --quiet)
	make -C "$B" -j"$(nproc)" "$SHIM" "$CTL"
fi
built "$B" || { echo "hidshim-tools: no libhidshim.so and softkey-ctl in $B" >&2; exit 1; }
install -m 0755 "$B/tests/hidshim/.libs/libhidshim.so" "$OUT/libhidshim.so"
install -m 0755 "$B/$CTL" "$OUT/softkey-ctl"

#!/bin/sh
# Regenerate the SSH security-key fixtures of tests/unit/check_sshkey and
# check_sshattest with real ssh-keygen and the softkey provider. Run from a
# built tree: make-fixtures.sh TOP_BUILDDIR OUTDIR. Keys and attestations
# come from fresh softkey devices (the yubikey5 one chains to the test CA).
set -eu
top=$1
out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
provider=$top/tests/softkey-build/libsk-softkey.so
ctl=$top/tests/softkey/softkey-ctl
head -c 32 /dev/urandom > "$out/challenge"
for p in yubikey5 synced selfattested u2f; do
	"$ctl" add --state "$work/$p" --profile "$p" >/dev/null
	for t in ed25519-sk ecdsa-sk; do
		[ "$p" = u2f ] && [ "$t" = ed25519-sk ] && continue   # U2F is P-256 only
		PRACTICERUNNER_SOFTKEY=$work/$p ssh-keygen -q -t "$t" -w "$provider" \
			-O challenge="$out/challenge" -O write-attestation="$out/$p-$t.att" \
			-C "$p-$t" -f "$work/$p-$t" -N '' </dev/null
		cp "$work/$p-$t.pub" "$out/$p-$t.pub"
		ssh-keygen -l -f "$out/$p-$t.pub" | awk '{print $2}' > "$out/$p-$t.fp"
	done
done
# A key made under another application than ssh:
PRACTICERUNNER_SOFTKEY=$work/yubikey5 ssh-keygen -q -t ed25519-sk -w "$provider" \
	-O application=ssh:other -O challenge="$out/challenge" \
	-O write-attestation="$out/other-app.att" -C other-app -f "$work/other" -N '' </dev/null
cp "$work/other.pub" "$out/other-app.pub"
ssh-keygen -q -t ed25519 -C plain -f "$work/plain" -N ''
cp "$work/plain.pub" "$out/plain-ed25519.pub"

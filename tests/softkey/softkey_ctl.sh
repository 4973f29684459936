#!/bin/bash
# softkey-ctl: what it makes, what it shows (no secrets), and every bad use
# refused with exit status 1 and the state left as it was. TAP output.
set -u
: "${top_builddir:=$(pwd)}"
CTL=$top_builddir/tests/softkey/softkey-ctl
T=$(mktemp -d /tmp/softkey-ctl.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0; failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { local name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$T/out"; fi; }
# refused NAME ARGS...: exit status 1, a message on stderr, nothing on stdout
refused() {
	local name=$1 rc; shift
	"$CTL" "$@" >"$T/stdout" 2>"$T/stderr"; rc=$?
	if [ $rc = 1 ] && [ -s "$T/stderr" ] && [ ! -s "$T/stdout" ]; then ok "$name refused"
	else not_ok "$name refused (exit $rc)"; sed 's/^/# /' "$T/stdout" "$T/stderr"; fi
}
field() { "$CTL" show --state "$1" | sed -n "s/^$2: //p"; }
mode() { stat -c %a "$1"; }

K=$T/yk.key
check "add yubikey5" "$CTL" add --state "$K" --profile yubikey5
check "state file is 0600" test "$(mode "$K")" = 600
check "add synced with PIN" "$CTL" add --state "$T/sy.key" --profile synced --pin 123456
check "add u2f" "$CTL" add --state "$T/u2f.key" --profile u2f
check "add selfattested" "$CTL" add --state "$T/self.key" --profile selfattested
check "--help" "$CTL" --help
check "show profile" test "$(field "$K" profile)" = yubikey5
check "show aaguid" test "$(field "$K" aaguid)" = cb69481e-8ff7-4039-93ec-0a2729a154a8
check "show synced aaguid" test "$(field "$T/sy.key" aaguid)" = ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4
check "show counter" test "$(field "$K" counter)" = 0
check "show touch" test "$(field "$K" touch)" = yes
check "show pin not set" test "$(field "$K" pin)" = "not set"
check "show pin set" test "$(field "$T/sy.key" pin)" = set
check "show credentials" test "$(field "$K" credentials)" = 0
wrap=$(sed -n 's/^wrap-key //p' "$K")
pinhash=$(sed -n 's/^pin //p' "$T/sy.key")
check "show prints no wrap key" bash -c '! "$0" show --state "$1" | grep -q "$2"' "$CTL" "$K" "$wrap"
check "show prints no PIN hash" bash -c '! "$0" show --state "$1" | grep -q "$2"' "$CTL" "$T/sy.key" "$pinhash"
check "set touch and counter" "$CTL" set --state "$K" --touch no --counter 41
check "touch now no" test "$(field "$K" touch)" = no
check "counter now 41" test "$(field "$K" counter)" = 41
check "set pin" "$CTL" set --state "$K" --pin 4711
check "pin now set" test "$(field "$K" pin)" = set
check "set pin retries" "$CTL" set --state "$K" --pin-retries 0
check "retries now 0" test "$(field "$K" pin-retries)" = 0
check "largest counter" "$CTL" set --state "$K" --counter 4294967295

# import: a credential another authenticator made (as WebAuthn.getCredentials
# gives it: base64 id, base64 PKCS#8 key in a 0600 file, its sign count).
(umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkcs8 -topk8 -nocrypt -outform DER | base64 -w0 > "$T/cred.pk8"; echo >> "$T/cred.pk8")
check "import a browser's credential" "$CTL" import --state "$T/sy.key" --rp-id clinic.test \
	--id AAECAwQFBgcICQoLDA0ODw== --key-file "$T/cred.pk8"
check "show imported 1" test "$(field "$T/sy.key" imported)" = 1
I=$T/imp.key
check "add yubikey5 to import into" "$CTL" add --state "$I" --profile yubikey5
check "import with a sign count" "$CTL" import --state "$I" --rp-id clinic.test \
	--id AAECAwQFBgcICQoLDA0ODw== --key-file "$T/cred.pk8" --sign-count 41
check "counter raised to the sign count" test "$(field "$I" counter)" = 41
check "import a second credential with a lower count" "$CTL" import --state "$I" \
	--rp-id other.test --id AAECAwQFBgcICQoLDA0ODw== --key-file "$T/cred.pk8" --sign-count 7
check "counter not wound back" test "$(field "$I" counter)" = 41
check "show imported 2" test "$(field "$I" imported)" = 2
hex=$(tr -d '\n' < "$T/cred.pk8" | base64 -d | od -An -v -tx1 | tr -d ' \n')
check "the state file holds the key (hex), still 0600" bash -c 'grep -q "$0" "$1" && test "$(stat -c %a "$1")" = 600' "$hex" "$I"
check "show prints no imported key" bash -c '! "$0" show --state "$1" | grep -q "${2:40:40}"' "$CTL" "$I" "$hex"

sum=$(sha256sum "$I")
refused "import the same credential again" import --state "$I" --rp-id clinic.test \
	--id AAECAwQFBgcICQoLDA0ODw== --key-file "$T/cred.pk8"
refused "import without --rp-id" import --state "$I" --id AAAA --key-file "$T/cred.pk8"
refused "import without --id" import --state "$I" --rp-id x.test --key-file "$T/cred.pk8"
refused "import without --key-file" import --state "$I" --rp-id x.test --id AAAA
refused "import an id not base64" import --state "$I" --rp-id x.test --id 'AA-_' --key-file "$T/cred.pk8"
refused "import a bad sign count" import --state "$I" --rp-id x.test --id AAAA --key-file "$T/cred.pk8" --sign-count -1
printf 'bm90IGEga2V5\n' > "$T/junk.pk8"; chmod 600 "$T/junk.pk8"
refused "import a key file that holds no key" import --state "$I" --rp-id x.test --id AAAA --key-file "$T/junk.pk8"
cp "$T/cred.pk8" "$T/loose.pk8"; chmod 644 "$T/loose.pk8"
refused "import a key file others can read" import --state "$I" --rp-id x.test --id AAAA --key-file "$T/loose.pk8"
ln -s "$T/cred.pk8" "$T/link.pk8"
refused "import a key file through a link" import --state "$I" --rp-id x.test --id AAAA --key-file "$T/link.pk8"
refused "import a missing key file" import --state "$I" --rp-id x.test --id AAAA --key-file "$T/none.pk8"
refused "import with --profile" import --state "$I" --rp-id x.test --id AAAA --key-file "$T/cred.pk8" --profile u2f
refused "add with --rp-id" add --state "$T/new.key" --profile yubikey5 --rp-id x.test
refused "set with --id" set --state "$I" --touch yes --id AAAA
refused "show with --key-file" show --state "$I" --key-file "$T/cred.pk8"
check "refused imports left the state as it was" test "$(sha256sum "$I")" = "$sum"

sum=$(sha256sum "$K")
refused "no command"
refused "unknown command" frob --state "$K"
refused "add without state" add --profile yubikey5
refused "add without profile" add --state "$T/new.key"
refused "add unknown profile" add --state "$T/new.key" --profile yubikey9
refused "add U2F with PIN" add --state "$T/new.key" --profile u2f --pin 1234
refused "add short PIN" add --state "$T/new.key" --profile yubikey5 --pin 123
refused "add long PIN" add --state "$T/new.key" --profile yubikey5 --pin "$(printf '%064d' 0)"
refused "add with --touch" add --state "$T/new.key" --profile yubikey5 --touch no
refused "add extra argument" add --state "$T/new.key" --profile yubikey5 extra
refused "add unknown option" add --state "$T/new.key" --profile yubikey5 --colour red
refused "add missing option value" add --state "$T/new.key" --profile
refused "add over existing" add --state "$K" --profile synced
ln -s "$T/nowhere.key" "$T/dangling.key"
refused "add over dangling link" add --state "$T/dangling.key" --profile synced
check "nothing created through the link" test ! -e "$T/nowhere.key"
refused "add in missing directory" add --state "$T/no/such/dir.key" --profile synced
check "failed adds left nothing" test ! -e "$T/new.key"
refused "set nothing" set --state "$K"
refused "set touch maybe" set --state "$K" --touch maybe
refused "set negative counter" set --state "$K" --counter -1
refused "set counter too big" set --state "$K" --counter 4294967296
refused "set counter not a number" set --state "$K" --counter 12x
refused "set retries 9" set --state "$K" --pin-retries 9
refused "set short PIN" set --state "$K" --pin 12
refused "set profile" set --state "$K" --profile synced
refused "set PIN on U2F" set --state "$T/u2f.key" --pin 1234
refused "set missing file" set --state "$T/missing.key" --touch no
refused "show missing file" show --state "$T/missing.key"
refused "show with --pin" show --state "$K" --pin 1234
ln -s "$K" "$T/link.key"
refused "show through a link" show --state "$T/link.key"
refused "set through a link" set --state "$T/link.key" --touch yes
cp "$K" "$T/loose.key"; chmod 644 "$T/loose.key"
refused "show a readable-by-others state" show --state "$T/loose.key"
printf 'softkey-state 1\nprofile yubikey5\n' > "$T/bad.key"; chmod 600 "$T/bad.key"
refused "show a corrupt state" show --state "$T/bad.key"
check "refusals left the state as it was" test "$(sha256sum "$K")" = "$sum"

echo "1..$n"
[ $failed = 0 ]

#!/bin/bash
# practicerunner-admin: policy check/show, key enroll/list/remove, audit verify.
. "$top_srcdir/tests/integration/lib.sh"

new_key yk yubikey5
new_key yk2 yubikey5
write_policy all-users owners

check "policy check: valid" admin "" policy check
check "policy check: says valid" out_has "policy is valid"
check "policy show: effective settings" admin "" policy show
check "policy show: owner needs a physical key" out_has "owner=physical-key"
write_policy none all-users
check "policy show: implied require_security_key spelled out" admin "" policy show
check "policy show: implication noted" out_has "implied by require_physical_key = all-users"
write_policy all-users owners
printf 'rp_id = "pam://x"\nbogus_key = 1\n' > "$T/bad.conf"; chmod 644 "$T/bad.conf"
check "policy check: unknown key is an error" fails "$SK/practicerunner-admin" --config "$T/bad.conf" policy check
printf 'rp_id = "pam://x"\nexempt = {"drlee"}\nroles {\n owners = {"drlee"}\n}\n' > "$T/bad.conf"
check "policy check: exempt owner is an error" fails "$SK/practicerunner-admin" --config "$T/bad.conf" policy check
printf 'rp_id = "pam://x"\nroles {\n owners = {"@no-such-group-here"}\n}\n' > "$T/bad.conf"
check "policy check: owners group that does not exist is an error" fails "$SK/practicerunner-admin" --config "$T/bad.conf" policy check
printf 'not a pem\n' > "$T/anchors/broken.pem"
check "policy check: broken trust anchor is an error" fails admin "" policy check
check "policy check: names the anchor file" out_has "broken.pem"
rm -f "$T/anchors/broken.pem"

check "key enroll: yubikey5 for owner" admin "$T/yk.key" key enroll prowner --label "desk key"
check "key enroll: second key recommended" out_has "second physical key is strongly recommended"
check "key enroll: same device twice is refused" fails admin "$T/yk.key" key enroll prowner
check "key enroll: unknown user refused" fails admin "$T/yk2.key" key enroll no-such-user-here
check "key enroll: no device refused" fails admin "" key enroll prowner
check "key enroll: bad usage" fails admin "$T/yk2.key" key enroll
check "key enroll: second key" admin "$T/yk2.key" key enroll prowner --label spare
check "key list: both keys with class and label" admin "" key list prowner
check "key list: label shown" out_has "desk key"
check "key list: two physical keys" test "$(grep -c physical "$T/out")" = 2
check "key list: all users" admin "" key list
keyid=$(awk '/spare/ {print $2}' "$T/out")
check "key remove: by key id" admin "" key remove prowner "$keyid"
check "key remove: reminds the key still holds the credential" out_has "stays on the security key"
check "key remove: gone from the list" bash -c '! grep -q spare "$0"' "$T/state/users/prowner"
check "key remove: unknown id refused" fails admin "" key remove prowner 000000000000
service login
check "removed key no longer signs in" expect_pam PAM_AUTH_ERR login prowner auth "$T/yk2.key"
# Run at a terminal, the admin tool records it, as practicerunner-enroll does (one builder).
check "key enroll at a terminal" env PRACTICERUNNER_SOFTKEY="$T/yk2.key" script -qec \
	"'$SK/practicerunner-admin' --config '$CONF' key enroll prowner --label again" /dev/null
check "key enroll at a terminal: its record names the tty" \
	grep -q "event=enroll result=success .* tty=pts/[0-9]* .*actor=root" <(tail -n 1 "$AUDIT")
check "admin records made without a terminal: no tty" \
	bash -c '! head -n -1 "$0" | grep " service=practicerunner-admin " | grep -q " tty="' "$AUDIT"

check "audit record mirrored to syslog" "$top_srcdir/tests/integration/syslog_capture.py" \
	"$T/syslog" env PRACTICERUNNER_SOFTKEY="$T/yk2.key" "$SK/practicerunner-admin" \
	--config "$CONF" key enroll prowner2 --label mirrored
check "syslog: facility authpriv, the same record" grep -q "^<85>.*event=enroll .*user=prowner2" "$T/syslog"
check "audit verify: intact chain" admin "" audit verify
check "audit verify: counts records" out_has "records, hash chain intact"
cp "$AUDIT" "$T/audit.orig"
sed -i '2s/user=prowner/user=mallory/' "$AUDIT"
check "audit verify: edited record detected" fails admin "" audit verify
check "audit verify: names record 2" out_has "2"
cp "$T/audit.orig" "$AUDIT"; sed -i '2d' "$AUDIT"
check "audit verify: deleted record detected" fails admin "" audit verify
cp "$T/audit.orig" "$AUDIT"; { sed -n 1p "$T/audit.orig"; sed -n 3p "$T/audit.orig"; sed -n 2p "$T/audit.orig"; sed -n '4,$p' "$T/audit.orig"; } > "$AUDIT"
check "audit verify: reordered records detected" fails admin "" audit verify
cp "$T/audit.orig" "$AUDIT"; head -c -10 "$T/audit.orig" > "$AUDIT"
check "audit verify: torn last record detected" fails admin "" audit verify
check "audit verify: explicit file argument" admin "" audit verify "$T/audit.orig"
check "non-root is refused" fails setpriv --reuid=65534 --regid=65534 --clear-groups "$SK/practicerunner-admin" --config "$CONF" key list
done_testing

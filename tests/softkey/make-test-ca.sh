#!/bin/sh
# How tests/softkey/test-ca.pem and tests/softkey/test-ca.key were made.
#
# They were generated once and are committed as test data: the softkey's
# attestation certificates chain to this CA, and softkey test builds trust
# it (transport_softkey.c). It is a TEST CA: its private key is public, so
# nothing real may ever trust it. Release builds contain neither file.
#
# The validity is fixed (2025-01-01 to 2044-12-31, 20 years) rather than
# "from now", so the CA is valid on any test machine whatever its clock.
# "openssl ca -selfsign" is used because it can set the start date.
#
# Usage: tests/softkey/make-test-ca.sh [--force]
set -eu
cd "$(dirname "$0")"

if [ -e test-ca.key ] || [ -e test-ca.pem ]; then
	if [ "${1:-}" != "--force" ]; then
		echo "make-test-ca.sh: test-ca.key/test-ca.pem exist; pass --force to replace them" >&2
		exit 1
	fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 022

# P-256 key, PKCS#8 PEM. The name ends in .key (not .pem) so nothing that
# loads "*.pem" trust anchors ever picks up a private key.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out test-ca.key

: > "$work/index.txt"
cat > "$work/ca.cnf" <<EOC
[ ca ]
default_ca = softkey
[ softkey ]
dir = $work
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = anything
unique_subject = no
[ anything ]
organizationName = supplied
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
O = PracticeRunner Tests
CN = PracticeRunner Softkey Test CA
[ root ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOC
openssl rand -hex 16 | sed 's/^[89a-f]/7/' > "$work/serial"

openssl req -new -config "$work/ca.cnf" -key test-ca.key -out "$work/ca.csr"
openssl ca -batch -notext -config "$work/ca.cnf" -selfsign -keyfile test-ca.key \
	-extensions root -startdate 20250101000000Z -enddate 20441231235959Z \
	-in "$work/ca.csr" -out test-ca.pem
openssl x509 -in test-ca.pem -noout -subject -startdate -enddate

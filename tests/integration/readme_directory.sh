#!/bin/bash
# The README's "Clinic directory" walkthrough, replayed (issue 15): its
# shell blocks that start with "# server:" and "# workstation:" are taken
# from README.md as they are and run against a private slapd built here
# the way Debian's slapd package sets one up (cn=config that root may change
# over ldapi://, an mdb database for dc=clinic,dc=example with cn=admin and
# "everyone reads everything"), with every system path moved into a
# temporary directory: never the system's slapd, /etc/ldap or
# /etc/practicerunner. What the README does by hand and a test cannot
# (installing packages, editing /etc/default/slapd and restarting, scp) is
# done here the same way. Then two workstations' policies, made as the
# README says, must find the directory reachable over ldaps://, and a key
# enrolled with the "# ws1:" block must be listed by the "# ws2:" block
# and sign in on ws2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/slapd_lib.sh"
ADMIN=$top_builddir/helpers/practicerunner-admin
[ -x "$ADMIN" ] || { echo "Bail out! $ADMIN is not built"; exit 1; }
README=$top_srcdir/README.md
SUFFIX=dc=clinic,dc=example
SRV=$T/srv
ADMIN_PW=admin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
getent group openldap > /dev/null ||
	{ echo "1..0 # SKIP no openldap group (the README gives slapd's key to it; Debian package slapd)"; exit 0; }

# readme_blocks TAG: the README section's ```sh blocks whose first line is "# TAG:".
readme_blocks() {
	awk -v tag="# $1:" '
		/^## / { in_section = ($0 == "## Clinic directory") }
		in_section && /^```sh$/ { in_block = 1; first = 1; keep = 0; next }
		in_block && /^```$/ { in_block = 0; next }
		in_block && first { first = 0; keep = (index($0, tag) == 1) }
		in_block && keep { print }
	' "$README"
}
count_blocks() { readme_blocks "$1" | grep -c "^# $1:"; }

# No path of this machine's may be left in a script about to run as root.
touches_system() { grep -nE '(^|[^A-Za-z0-9_.])/(etc|root|usr/share|var)/|ldapi:///' "$1"; }

check "the README has the Clinic directory section" grep -qx '## Clinic directory' "$README"
check "... with its four server blocks" test "$(count_blocks server)" = 4
check "... and its workstation block" test "$(count_blocks workstation)" = 1

# --- what Debian's slapd package makes (step 1 of the README) -----------------------
debian_config_ldif() {
	cat <<-CONF
	dn: cn=config
	objectClass: olcGlobal
	cn: config
	olcPidFile: $SRV/slapd.pid

	dn: olcDatabase={-1}frontend,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcFrontendConfig
	olcDatabase: {-1}frontend
	olcSizeLimit: 500
	olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break
	olcAccess: {1}to dn.exact="" by * read
	olcAccess: {2}to dn.base="cn=Subschema" by * read

	dn: olcDatabase={0}config,cn=config
	objectClass: olcDatabaseConfig
	olcDatabase: {0}config
	olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break

	dn: cn=schema,cn=config
	objectClass: olcSchemaConfig
	cn: schema

	CONF
	for s in core cosine nis inetorgperson; do sed '/^#/d' "/etc/ldap/schema/$s.ldif"; echo; done
	cat <<-CONF
	dn: cn=module{0},cn=config
	objectClass: olcModuleList
	cn: module{0}
	olcModulePath: /usr/lib/ldap
	olcModuleLoad: back_mdb

	dn: olcDatabase={1}mdb,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcMdbConfig
	olcDatabase: {1}mdb
	olcDbMaxSize: 67108864
	olcSuffix: $SUFFIX
	olcDbDirectory: $SRV/db
	olcRootDN: cn=admin,$SUFFIX
	olcRootPW: $(/usr/sbin/slappasswd -s "$ADMIN_PW")
	olcDbIndex: objectClass eq
	olcDbIndex: cn,uid eq
	olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
	olcAccess: {1}to attrs=shadowLastChange by self write by * read
	olcAccess: {2}to * by * read
	CONF
}
debian_data_ldif() {
	printf 'dn: %s\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\no: Clinic\ndc: clinic\n' "$SUFFIX"
}

# srv_start LISTENERS: slapd on them, as slapd_lib.sh's instances (stopped on exit).
srv_start() {
	local i
	/usr/sbin/slapd -d 256 -F "$SRV/config" -h "$1" 2>> "$SRV/slapd.log" &
	echo $! > "$SRV/slapd.bgpid"
	for i in $(seq 1 100); do
		ldapsearch -x -H "$SRV_LDAPI" -b "" -s base -LLL > /dev/null 2>&1 && return 0
		kill -0 "$(cat "$SRV/slapd.bgpid")" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# /' "$SRV/slapd.log" | tail -n 20
	return 1
}

mkdir -p "$SRV/config" "$SRV/db" "$SRV/root" && chmod 700 "$SRV" "$SRV/root"
SLAPD_INSTANCES="$SLAPD_INSTANCES srv"
SRV_LDAPI="ldapi://$(slapd_url_encode "$SRV/ldapi")"
debian_config_ldif > "$SRV/config.ldif"
debian_data_ldif > "$SRV/data.ldif"
/usr/sbin/slapadd -n0 -F "$SRV/config" -l "$SRV/config.ldif" > "$SRV/slapadd.log" 2>&1 &&
	/usr/sbin/slapadd -n1 -F "$SRV/config" -l "$SRV/data.ldif" >> "$SRV/slapadd.log" 2>&1 ||
	{ sed 's/^/# /' "$SRV/slapadd.log"; echo "Bail out! slapadd failed"; exit 1; }
srv_start "$SRV_LDAPI" || { echo "Bail out! the Debian-like slapd did not start"; exit 1; }
printf '%s' "$ADMIN_PW" > "$SRV/adminpw"; chmod 600 "$SRV/adminpw"
# A server set up by other means than Debian's package may lack the
# objectClass index: take it away, so the README's block has to add it.
printf 'dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\ndelete: olcDbIndex\nolcDbIndex: objectClass eq\n' |
	ldapmodify -Y EXTERNAL -H "$SRV_LDAPI" > "$T/out" 2>&1 ||
	{ sed 's/^/# /' "$T/out"; echo "Bail out! the objectClass index could not be removed"; exit 1; }

# --- steps 2 to 4: the server blocks as the README has them --------------------------
# Moved into $SRV: the socket, the schema files (the source's), /etc/ldap/tls,
# /root; "-W" (asks for the admin password) reads it from a file; the
# server's name becomes 127.0.0.1, its certificate's DNS name an IP address.
readme_blocks server | sed \
	-e "s|ldapi:///|$SRV_LDAPI|g" \
	-e "s|/usr/share/practicerunner/ldap/|$top_srcdir/conf/ldap/|g" \
	-e "s|/etc/ldap/tls|$SRV/tls|g" \
	-e "s|/root/|$SRV/root/|g" \
	-e "s| -W | -y $SRV/adminpw |g" \
	-e "s|^LDAP_HOST=.*|LDAP_HOST=127.0.0.1|" \
	-e 's|DNS:\$LDAP_HOST|IP:$LDAP_HOST|g' > "$T/server.sh"
if touches_system "$T/server.sh" > "$T/out"; then
	echo "Bail out! the README's server blocks name a path this test does not move: see above"
	sed 's/^/# /' "$T/out"; exit 1
fi
(cd "$T" && bash -e -o pipefail "$T/server.sh") > "$T/out" 2>&1
check "the README's server blocks run without an error" test $? = 0
check "... the schema is in cn=config" bash -c "ldapsearch -Y EXTERNAL -H '$SRV_LDAPI' -b cn=schema,cn=config -LLL '(cn=*practicerunner)' dn 2>/dev/null | grep -q practicerunner"
check "... the objectClass index is back (the README's block added it)" bash -c "ldapsearch -Q -LLL -Y EXTERNAL -H '$SRV_LDAPI' -b 'olcDatabase={1}mdb,cn=config' -s base olcDbIndex 2>/dev/null | grep -qx 'olcDbIndex: objectClass eq'"
check "... slapd has the certificate made for it" bash -c "ldapsearch -Y EXTERNAL -H '$SRV_LDAPI' -b cn=config -s base -LLL olcTLSCertificateFile 2>/dev/null | grep -q '$SRV/tls/server.pem'"
check "... the service password file is root's, 0600" test "$(stat -c '%U %a' "$SRV/root/practicerunner-ldap.secret")" = "root 600"
ldapsearch -x -H "$SRV_LDAPI" -b "ou=practicerunner,$SUFFIX" -s base -LLL > "$T/out" 2>&1
check "... the ACL: anonymous cannot see the base (no such object)" test $? = 32
ldapsearch -x -H "$SRV_LDAPI" -D "cn=practicerunner,ou=services,$SUFFIX" -y "$SRV/root/practicerunner-ldap.secret" \
	-b "ou=practicerunner,$SUFFIX" -s base -LLL dn > "$T/out" 2>&1
check "... the service account binds and reads the base" grep -q "^dn: ou=practicerunner,$SUFFIX" "$T/out"

# The README's /etc/default/slapd edit and restart: ldapi:// and ldaps:// only.
port=$(slapd_free_port)
slapd_stop srv
srv_start "$SRV_LDAPI ldaps://127.0.0.1:$port" || { echo "Bail out! slapd did not restart with ldaps"; exit 1; }
LDAPTLS_CACERT=$SRV/tls/ca.pem ldapsearch -x -H "ldaps://127.0.0.1:$port" -b "" -s base -LLL > "$T/out" 2>&1
check "slapd answers ldaps:// with the README's certificate, checked against its CA" test $? = 0

# --- step 5: two workstations -----------------------------------------------------------
# workstation_script WS: the README's block with /etc/practicerunner moved to WS.
workstation_script() {
	readme_blocks workstation | sed \
		-e "s|/etc/practicerunner/|$1/|g" \
		-e "s|ldaps://ldap1.clinic.example|ldaps://127.0.0.1:$port|g" \
		-e "s|^practicerunner-admin |$ADMIN --config $1/practicerunner.conf |"
}
for ws in ws1 ws2; do
	WS=$T/$ws
	workstation_script "$WS" > "$T/$ws.sh"
	if touches_system "$T/$ws.sh" > "$T/out"; then
		echo "Bail out! the README's workstation block names a path this test does not move: see above"
		sed 's/^/# /' "$T/out"; exit 1
	fi
	mkdir -p "$WS/trust-anchors.d" "$WS/state" "$WS/log"; chmod 700 "$WS/state" "$WS/log"
	# The shipped policy, as the package installs it, with its paths moved.
	sed -e "s|/var/lib/practicerunner|$WS/state|" -e "s|/var/log/practicerunner|$WS/log|" \
		-e "s|/etc/practicerunner|$WS|" "$top_srcdir/conf/practicerunner.conf" > "$WS/practicerunner.conf"
	chmod 644 "$WS/practicerunner.conf"
	# The README's scp from the server.
	cp "$SRV/tls/ca.pem" "$WS/ldap-ca.pem"
	cp "$SRV/root/practicerunner-ldap.secret" "$WS/ldap.secret"; chmod 644 "$WS/ldap.secret"
	(cd "$T" && bash -e -o pipefail "$T/$ws.sh") > "$T/out" 2>&1
	check "$ws: the README's workstation block runs; policy check and store status exit 0" test $? = 0
	check "$ws: the password file is made 0600" test "$(stat -c '%a' "$WS/ldap.secret")" = 600
	check "$ws: the policy is valid" out_has "policy is valid"
	check "$ws: store status: the directory" out_has "^store: ldap"
	check "$ws: store status: the server reachable over ldaps and used" \
		grep -qxF "  1. ldaps://127.0.0.1:$port: reachable (sign-in uses this server)" "$T/out"
	check "$ws: store status: the TLS set-up measured" out_has "TLS set-up (connect and handshake): "
	check "$ws: store status: no user entries yet" grep -qx 'user entries (practiceRunnerUser): 0' "$T/out"
done

# --- the two workstations share the directory: enroll on ws1, found and used on ws2 ----
# The README's user drlee is prstaff here (a test account); the key a softkey.
new_key drlee yubikey5
for ws in ws1 ws2; do
	readme_blocks "$ws" | sed -e "s|^practicerunner-admin |$SK/practicerunner-admin --config $T/$ws/practicerunner.conf |" \
		-e 's/drlee/prstaff/g' > "$T/$ws-try.sh"
done
check "the README has the ws1 and ws2 blocks" test -s "$T/ws1-try.sh" -a -s "$T/ws2-try.sh"
(cd "$T" && PRACTICERUNNER_SOFTKEY=$T/drlee.key bash -e -o pipefail "$T/ws1-try.sh") > "$T/out" 2>&1
check "ws1: the README's enrollment runs" test $? = 0
(cd "$T" && bash -e -o pipefail "$T/ws2-try.sh") > "$T/out" 2>&1
check "ws2: key list runs" test $? = 0
check "ws2: ... and shows the key enrolled on ws1" out_has desk
# The shipped policy asks nobody for a key; the README's first section sets
# require_security_key = all-users, as a workstation in use has it.
sed -i 's/^require_security_key = none/require_security_key = all-users/' "$T/ws2/practicerunner.conf"
CONF=$T/ws2/practicerunner.conf service login-ws2
check "ws2: the user signs in with that key" expect_pam PAM_SUCCESS login-ws2 prstaff auth "$T/drlee.key"
done_testing

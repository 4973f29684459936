# A real, private slapd for the directory tests (issue 15), sourced after
# lib.sh. slapd_start NAME [noschema] builds a cn=config with slapadd -n0 in
# $T/NAME (core and cosine from /etc/ldap/schema, then PracticeRunner's
# conf/ldap/practicerunner.ldif unless "noschema"), one mdb database for
# $SLAPD_SUFFIX with the service's bind DN and password (its paged searches
# unlimited in total, as conf/ldap/acl-example.ldif sets), and starts it on
# ldapi:// (a socket in $T/NAME) and ldaps://127.0.0.1:<a free port> with a
# certificate from a test CA made here. It sets SLAPD_LDAPI, SLAPD_LDAPS,
# SLAPD_CA, SLAPD_PWFILE (root-owned 0600), SLAPD_LOG (stats log: one SRCH
# line per search) and SLAPD_DIR. slapd_stop NAME stops it; every instance
# is stopped and removed on EXIT, so nothing is left on the machine.
# SLAPD_MAXSIZE (bytes, default 64 MiB) sizes the mdb database and
# SLAPD_DB_INDEX (olcDbIndex lines, one a line) indexes it, for bench/directory.sh's
# 100,000 users; the tests leave both alone.
# Without slapd the test is skipped as a whole ("1..0 # SKIP").
for tool in /usr/sbin/slapd /usr/sbin/slapadd ldapadd ldapsearch openssl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP slapd is not installed ($tool missing: Debian packages slapd, ldap-utils, openssl)"
		exit 0
	fi
done
[ -r /etc/ldap/schema/core.ldif ] && [ -r /etc/ldap/schema/cosine.ldif ] ||
	{ echo "1..0 # SKIP slapd is not installed (no /etc/ldap/schema/core.ldif)"; exit 0; }

SLAPD_SUFFIX=dc=clinic,dc=test
SLAPD_BASE=ou=practicerunner,$SLAPD_SUFFIX
SLAPD_BIND_DN=cn=practicerunner,ou=services,$SLAPD_SUFFIX
SLAPD_MANAGER=cn=manager,$SLAPD_SUFFIX
SLAPD_INSTANCES=
slapd_stop_all() {
	local name
	for name in $SLAPD_INSTANCES; do slapd_stop "$name"; done
	rm -rf "$T"
}
trap 'slapd_stop_all' EXIT

# A TCP port nobody listens on now (the kernel's choice).
slapd_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A test CA and a certificate for 127.0.0.1 signed by it, in dir.
slapd_make_certs() {
	local d=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=PracticeRunner test directory CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
	printf 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' > "$d/ext" &&
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext" -out "$d/server.pem" 2>/dev/null
}

# The cn=config LDIF: global TLS, the schemas, the config and mdb databases.
slapd_config_ldif() {
	local d=$1 schema=$2
	cat <<-CONF
	dn: cn=config
	objectClass: olcGlobal
	cn: config
	olcPidFile: $d/slapd.pid
	olcTLSCACertificateFile: $d/ca.pem
	olcTLSCertificateFile: $d/server.pem
	olcTLSCertificateKeyFile: $d/server.key

	dn: cn=module{0},cn=config
	objectClass: olcModuleList
	cn: module{0}
	olcModulePath: /usr/lib/ldap
	olcModuleLoad: back_mdb

	dn: cn=schema,cn=config
	objectClass: olcSchemaConfig
	cn: schema

	CONF
	sed '/^#/d' /etc/ldap/schema/core.ldif; echo
	sed '/^#/d' /etc/ldap/schema/cosine.ldif; echo
	[ "$schema" = noschema ] || { sed '/^#/d' "$top_srcdir/conf/ldap/practicerunner.ldif"; echo; }
	cat <<-CONF
	dn: olcDatabase={-1}frontend,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcFrontendConfig
	olcDatabase: {-1}frontend

	dn: olcDatabase={0}config,cn=config
	objectClass: olcDatabaseConfig
	olcDatabase: {0}config
	olcAccess: {0}to * by * none

	dn: olcDatabase={1}mdb,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcMdbConfig
	olcDatabase: {1}mdb
	olcSuffix: $SLAPD_SUFFIX
	olcDbDirectory: $d/db
	olcDbMaxSize: ${SLAPD_MAXSIZE:-67108864}${SLAPD_DB_INDEX:+
$SLAPD_DB_INDEX}
	olcRootDN: $SLAPD_MANAGER
	olcRootPW: manager-secret
	olcLimits: {0}dn.exact="$SLAPD_BIND_DN" size.prtotal=unlimited
	olcAccess: {0}to dn.subtree="$SLAPD_BASE" by dn.exact="$SLAPD_BIND_DN" write by * none
	olcAccess: {1}to attrs=userPassword by anonymous auth by * none
	olcAccess: {2}to * by * none
	CONF
}

# The suffix, the service account, the base for user entries.
slapd_data_ldif() {
	cat <<-DATA
	dn: $SLAPD_SUFFIX
	objectClass: dcObject
	objectClass: organization
	dc: clinic
	o: Test clinic

	dn: ou=services,$SLAPD_SUFFIX
	objectClass: organizationalUnit
	ou: services

	dn: $SLAPD_BIND_DN
	objectClass: applicationProcess
	objectClass: simpleSecurityObject
	cn: practicerunner
	userPassword: $SLAPD_BIND_PW

	dn: $SLAPD_BASE
	objectClass: organizationalUnit
	ou: practicerunner
	DATA
}

slapd_url_encode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# slapd_start NAME [noschema]
slapd_start() {
	local name=$1 schema=${2:-schema} d=$T/$1 port
	mkdir -p "$d/config" "$d/db" && chmod 700 "$d" || return 1
	SLAPD_INSTANCES="$SLAPD_INSTANCES $name"
	SLAPD_BIND_PW=svc-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	slapd_make_certs "$d" || { echo "# slapd_start: openssl could not make the test CA"; return 1; }
	slapd_config_ldif "$d" "$schema" > "$d/config.ldif"
	/usr/sbin/slapadd -n0 -F "$d/config" -l "$d/config.ldif" > "$d/slapadd.log" 2>&1 ||
		{ sed 's/^/# /' "$d/slapadd.log"; return 1; }
	slapd_data_ldif > "$d/data.ldif"
	/usr/sbin/slapadd -n1 -F "$d/config" -l "$d/data.ldif" >> "$d/slapadd.log" 2>&1 ||
		{ sed 's/^/# /' "$d/slapadd.log"; return 1; }
	port=$(slapd_free_port)
	SLAPD_DIR=$d
	SLAPD_LDAPI="ldapi://$(slapd_url_encode "$d/ldapi")"
	SLAPD_LDAPS="ldaps://127.0.0.1:$port"
	SLAPD_CA=$d/ca.pem
	SLAPD_LOG=$d/slapd.log
	SLAPD_PWFILE=$d/bindpw
	: > "$SLAPD_LOG"
	printf '%s' "$SLAPD_BIND_PW" > "$SLAPD_PWFILE"; chmod 600 "$SLAPD_PWFILE"
	slapd_run "$d"
}

# slapd_run DIR: run the instance in DIR on $SLAPD_LDAPI and $SLAPD_LDAPS and
# wait until it answers on both.
slapd_run() {
	local d=$1 i
	# -d 256: in the foreground, logging each operation (stats) to stderr.
	/usr/sbin/slapd -d 256 -F "$d/config" -h "$SLAPD_LDAPI $SLAPD_LDAPS" 2>> "$SLAPD_LOG" &
	echo $! > "$d/slapd.bgpid"
	for i in $(seq 1 100); do
		LDAPTLS_CACERT=$SLAPD_CA ldapsearch -x -H "$SLAPD_LDAPS" -b "" -s base -LLL \
			namingContexts > /dev/null 2>&1 &&
			ldapsearch -x -H "$SLAPD_LDAPI" -b "" -s base -LLL > /dev/null 2>&1 && return 0
		kill -0 "$(cat "$d/slapd.bgpid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "# slapd_run: slapd in $d did not answer within 10 s"; sed 's/^/# /' "$SLAPD_LOG" | tail -n 20
	return 1
}

# slapd_restart NAME: the instance started last, stopped with slapd_stop,
# back on its database, socket and port.
slapd_restart() { slapd_run "$T/$1"; }

# slapd_stop NAME: stop it and wait until it has gone (its socket and port with it).
slapd_stop() {
	local d=$T/$1 pid i
	[ -f "$d/slapd.bgpid" ] || return 0
	pid=$(cat "$d/slapd.bgpid"); rm -f "$d/slapd.bgpid"
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# slapd_host_policy NAME URIS PWFILE CAFILE [extra ldap lines]: the policy of
# one machine using the directory, $T/NAME.conf, with its own state directory;
# URIS is the list's inside, e.g. "ldapi://...", "ldaps://...".
slapd_host_policy() {
	local name=$1 uris=$2 pwfile=$3 cafile=$4; shift 4
	mkdir -p "$T/$name-state"; chmod 700 "$T/$name-state"
	cat > "$T/$name.conf" <<-EOC
	rp_id = "pam://test-clinic"
	state_dir = "$T/$name-state"
	audit_log = "$T/$name-audit.log"
	trust_anchors = "$T/anchors"
	store = ldap
	ldap {
	  uri = {$uris}
	  base = "$SLAPD_BASE"
	  bind_dn = "$SLAPD_BIND_DN"
	  bind_password_file = "$pwfile"
	  ca_file = "$cafile"
	  timeout = 2
	$(printf '  %s\n' "$@")
	}
	EOC
	chmod 644 "$T/$name.conf"
}

# Searches slapd has run so far (stats lines "SRCH base=...").
slapd_searches() { grep -c ' SRCH base=' "$SLAPD_LOG"; }

# slapd_test_host NAME [STORE] [TIMEOUT]: one machine of the clinic for the
# tests that run the real programs (ldap_hosts.sh, ldap_offline.sh,
# store_migrate.sh): $T/NAME.conf (the test policy with `store = STORE`,
# ldap by default, and this slapd's ldap section over ldapi:// with that
# timeout, 3 s by default), $T/NAME-state, $T/NAME-audit.log, and the PAM
# service login-NAME using that policy.
slapd_test_host() {
	local name=$1 store=${2:-ldap} timeout=${3:-3}
	mkdir -p "$T/$name-state"; chmod 700 "$T/$name-state"
	CONF=$T/$name.conf AUDIT=$T/$name-audit.log write_policy all-users owners
	sed -i "s|^state_dir = .*|state_dir = \"$T/$name-state\"|" "$T/$name.conf"
	printf 'recovery {\n  mail_command = "/bin/true"\n}\nstore = %s\nldap {\n  uri = {"%s"}\n  base = "%s"\n  bind_dn = "%s"\n  bind_password_file = "%s"\n  timeout = %s\n}\n' \
		"$store" "$SLAPD_LDAPI" "$SLAPD_BASE" "$SLAPD_BIND_DN" "$SLAPD_PWFILE" "$timeout" >> "$T/$name.conf"
	CONF=$T/$name.conf service "login-$name" cue
}
# on HOST CMD...: what lib.sh's admin and expect_pam do, with HOST's policy and log
on() { local h=$1; shift; CONF=$T/$h.conf AUDIT=$T/$h-audit.log "$@"; }
# last_of HOST FIELD: that field of the last record in HOST's audit log
last_of() { tail -n 1 "$T/$1-audit.log" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

/*
 * The `store` key and the `ldap { }` section's rules (config_ldap.h). The
 * URL and DN syntax is the OpenLDAP library's own (ldap_url_parse,
 * ldap_str2dn): what is accepted here is exactly what the connection will
 * understand later.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "config_ldap.h"

static const char *const store_names[] = { "files", "ldap" };

const char *pr_store_kind_name(enum pr_store_kind k)
{
	return (unsigned int)k < 2 ? store_names[k] : "?";
}

bool pr_store_kind_parse(const char *s, enum pr_store_kind *out)
{
	for (unsigned int i = 0; s != NULL && i < 2; i++) {
		if (strcmp(s, store_names[i]) == 0) {
			*out = (enum pr_store_kind)i;
			return true;
		}
	}
	return false;
}

/* A server address only: anything after it would be ignored, so it is refused. */
static bool url_server_only(const LDAPURLDesc *u)
{
	return (u->lud_dn == NULL || u->lud_dn[0] == '\0') && u->lud_attrs == NULL &&
	    u->lud_filter == NULL && u->lud_exts == NULL;
}

bool pr_ldap_uri_valid(const char *uri)
{
	LDAPURLDesc *u = NULL;
	bool ok;

	if (uri == NULL || strlen(uri) > 1024 || strpbrk(uri, " \t\r\n") != NULL ||
	    ldap_url_parse(uri, &u) != LDAP_URL_SUCCESS)
		return false;
	ok = url_server_only(u) && u->lud_scheme != NULL &&
	    (strcmp(u->lud_scheme, "ldapi") == 0 ||
	    ((strcmp(u->lud_scheme, "ldap") == 0 || strcmp(u->lud_scheme, "ldaps") == 0) &&
	    u->lud_host != NULL && u->lud_host[0] != '\0'));
	ldap_free_urldesc(u);
	return ok;
}

/* 127.0.0.0/8 or ::1, written as an address: a name could resolve elsewhere. */
static bool loopback_literal(const char *host)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	return false;
}

bool pr_ldap_uri_local(const char *uri)
{
	LDAPURLDesc *u = NULL;
	bool local;

	if (uri == NULL || ldap_url_parse(uri, &u) != LDAP_URL_SUCCESS)
		return false;
	local = u->lud_scheme != NULL && (strcmp(u->lud_scheme, "ldapi") == 0 ||
	    (strcmp(u->lud_scheme, "ldap") == 0 && u->lud_host != NULL &&
	    loopback_literal(u->lud_host)));
	ldap_free_urldesc(u);
	return local;
}

bool pr_ldap_dn_valid(const char *dn)
{
	LDAPDN parsed = NULL;
	bool ok;

	if (dn == NULL || dn[0] == '\0' || strlen(dn) > 1024)
		return false;
	ok = ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && parsed != NULL;
	ldap_dnfree(parsed);
	return ok;
}

static bool uses_tls(const struct pr_ldap_conf *l)
{
	if (l->starttls)
		return true;
	for (size_t i = 0; i < l->uri.n; i++)
		if (strncmp(l->uri.v[i], "ldaps://", 8) == 0)
			return true;
	return false;
}

/* The first key that is missing, or NULL. */
static const char *missing_key(const struct pr_ldap_conf *l)
{
	if (l->uri.n == 0)
		return "uri";
	if (l->base == NULL)
		return "base";
	if (l->bind_dn == NULL)
		return "bind_dn";
	if (l->bind_password_file == NULL)
		return "bind_password_file";
	return NULL;
}

const char *pr_ldap_conf_check(enum pr_store_kind store, const struct pr_ldap_conf *l,
    char *why, size_t n)
{
	const char *key;

	if (store != PR_STORE_LDAP)
		return NULL;
	if ((key = missing_key(l)) != NULL) {
		snprintf(why, n, "store = ldap needs ldap { %s = ... }: set it in the ldap "
		    "section (see practicerunner.conf(5), \"Clinic directory\")", key);
		return key;
	}
	for (size_t i = 0; !l->starttls && i < l->uri.n; i++) {
		if (strncmp(l->uri.v[i], "ldap://", 7) != 0 || pr_ldap_uri_local(l->uri.v[i]))
			continue;
		snprintf(why, n, "uri '%s' would send the bind password and the credentials "
		    "unencrypted: use ldaps://, or set starttls = true, or ldapi:// on this "
		    "machine", l->uri.v[i]);
		return "uri";
	}
	if (uses_tls(l) && l->ca_file == NULL) {
		snprintf(why, n, "TLS to the directory needs ca_file, the CA certificate that "
		    "signed the server's certificate: set ldap { ca_file = \"/path\" }");
		return "ca_file";
	}
	return NULL;
}

void pr_ldap_conf_clear(struct pr_ldap_conf *l)
{
	if (l == NULL)
		return;
	pr_strlist_clear(&l->uri);
	free(l->base);
	free(l->bind_dn);
	free(l->bind_password_file);
	free(l->ca_file);
	memset(l, 0, sizeof(*l));
}

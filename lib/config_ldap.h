/*
 * The policy file's `store` key and `ldap { }` section (the clinic
 * directory, doc/ARCHITECTURE.md §7.6): the values, their
 * syntax rules, and the checks that need the whole section. config.c owns
 * the parse; this file owns what the values mean.
 */
#ifndef PR_CONFIG_LDAP_H
#define PR_CONFIG_LDAP_H

#include <stdbool.h>
#include <stddef.h>

#include "types.h"

#define PR_LDAP_DEFAULT_TIMEOUT 3               /* seconds */
#define PR_LDAP_DEFAULT_CACHE_MAX_AGE 604800    /* 7 days, in seconds */

/* Where credentials live: the local state directory, or the directory. */
enum pr_store_kind {
	PR_STORE_FILES = 0,
	PR_STORE_LDAP,
};

struct pr_ldap_conf {
	struct pr_strlist uri;     /* tried in order */
	char *base;                /* user entries are uid=<user>,<base> */
	char *bind_dn;             /* the service's bind DN */
	char *bind_password_file;  /* root-owned, 0600, no link */
	char *ca_file;             /* trust for ldaps:// and StartTLS */
	bool starttls;
	long timeout;              /* seconds per server, connect and each operation */
	long cache_max_age;        /* seconds; 0: no offline cache */
};

const char *pr_store_kind_name(enum pr_store_kind k);
bool pr_store_kind_parse(const char *s, enum pr_store_kind *out);

/* An ldap://, ldaps:// or ldapi:// URL naming a server only (no DN, filter, extensions). */
bool pr_ldap_uri_valid(const char *uri);
/* Whether uri needs no TLS to be safe: ldapi://, or ldap:// to a literal loopback address. */
bool pr_ldap_uri_local(const char *uri);
/* A distinguished name in RFC 4514 form, as the library parses it. */
bool pr_ldap_dn_valid(const char *dn);

/*
 * The checks that need the whole section, when store = ldap: uri, base,
 * bind_dn and bind_password_file are set; no plain ldap:// to another host
 * unless starttls; ca_file is set when TLS is used. On failure returns the
 * key to blame and puts a sentence into why.
 */
const char *pr_ldap_conf_check(enum pr_store_kind store, const struct pr_ldap_conf *l,
    char *why, size_t n);

void pr_ldap_conf_clear(struct pr_ldap_conf *l);

#endif

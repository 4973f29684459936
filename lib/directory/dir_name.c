/* User names into DNs and filters (dir_name.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "dir_name.h"
#include "err.h"
#include "util.h"

/* Longer than any name pr_username_valid accepts. */
#define NAME_CHECK_MAX 256

int pr_dir_name_check(const char *name, size_t len)
{
	char copy[NAME_CHECK_MAX + 1];

	/* A NUL inside would make the C string a different, shorter name. */
	if (name == NULL || len == 0 || len > NAME_CHECK_MAX || memchr(name, '\0', len) != NULL)
		return PR_ERR_INVALID_ARG;
	memcpy(copy, name, len);
	copy[len] = '\0';
	return pr_username_valid(copy) ? PR_OK : PR_ERR_INVALID_ARG;
}

/* The RDN uid=<user>, escaped by the library as RFC 4514 says. */
static int rdn_string(const char *user, char **out)
{
	LDAPAVA ava, *rdn[2] = { &ava, NULL };
	LDAPRDN dn_rdns[2] = { rdn, NULL };

	memset(&ava, 0, sizeof(ava));
	ava.la_attr.bv_val = "uid";
	ava.la_attr.bv_len = 3;
	ava.la_value.bv_val = (char *)user;
	ava.la_value.bv_len = strlen(user);
	ava.la_flags = LDAP_AVA_STRING;
	return ldap_dn2str(dn_rdns, out, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS ?
	    PR_OK : PR_ERR_INVALID_ARG;
}

int pr_dir_user_dn(const char *base, const char *user, char **out)
{
	char *rdn = NULL;
	int r;

	*out = NULL;
	if (base == NULL || user == NULL || pr_dir_name_check(user, strlen(user)) != PR_OK)
		return PR_ERR_INVALID_ARG;
	if ((r = rdn_string(user, &rdn)) != PR_OK)
		return r;
	r = asprintf(out, "%s,%s", rdn, base) < 0 ? PR_ERR_NOMEM : PR_OK;
	if (r != PR_OK)
		*out = NULL;
	ldap_memfree(rdn);
	return r;
}

int pr_dir_user_filter(const char *user, char **out)
{
	struct berval in, escaped = { 0, NULL };
	int r;

	*out = NULL;
	if (user == NULL || pr_dir_name_check(user, strlen(user)) != PR_OK)
		return PR_ERR_INVALID_ARG;
	in.bv_val = (char *)user;
	in.bv_len = strlen(user);
	if (ldap_bv2escaped_filter_value(&in, &escaped) != 0)
		return PR_ERR_NOMEM;
	r = asprintf(out, "(&(objectClass=practiceRunnerUser)(uid=%s))", escaped.bv_val) < 0 ?
	    PR_ERR_NOMEM : PR_OK;
	if (r != PR_OK)
		*out = NULL;
	ldap_memfree(escaped.bv_val);
	return r;
}

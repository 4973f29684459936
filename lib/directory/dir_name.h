/*
 * User names into the directory: the DN of a user's entry and the filter
 * that finds it, built only through the OpenLDAP library's escaping
 * (ldap_dn2str, ldap_bv2escaped_filter_value) and only after the name has
 * passed the same check as everywhere else (pr_username_valid): a name
 * such as "*", "a)(uid=*" or one with a NUL in it never reaches a query.
 */
#ifndef PR_DIR_NAME_H
#define PR_DIR_NAME_H

#include <stddef.h>

/* PR_OK, or PR_ERR_INVALID_ARG for len bytes that are not a valid user name. */
int pr_dir_name_check(const char *name, size_t len);

/* "uid=<user>,<base>"; free with free(). */
int pr_dir_user_dn(const char *base, const char *user, char **out);

/* "(&(objectClass=practiceRunnerUser)(uid=<user>))"; free with free(). */
int pr_dir_user_filter(const char *user, char **out);

#endif

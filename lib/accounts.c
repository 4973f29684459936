/*
 * The kinds of account (accounts.h), login.defs' UID_MIN, and the services
 * that run work without a sign-in. No user database lookups here: callers
 * pass the uid they already have (roles.c at sign-in, coverage.c from its
 * one pass over the database).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"

#define LOGIN_DEFS_LINE_MAX 1024

enum pr_account_kind pr_account_kind(uid_t uid, uid_t uid_min)
{
	if (uid == 0)
		return PR_ACCOUNT_ROOT;
	/* nobody sits above every UID_MIN but is nobody's sign-in. */
	if (uid < uid_min || uid == PR_UID_OVERFLOW)
		return PR_ACCOUNT_SYSTEM;
	return PR_ACCOUNT_PERSON;
}

const char *pr_account_kind_name(enum pr_account_kind k)
{
	switch (k) {
	case PR_ACCOUNT_PERSON:
		return "person";
	case PR_ACCOUNT_ROOT:
		return "root";
	case PR_ACCOUNT_SYSTEM:
		return "system";
	}
	return "unknown";
}

/* "UID_MIN <number>" (decimal, 0x hex or 0 octal, as login.defs allows); -1 if not. */
static long uid_min_line(const char *line)
{
	const char *p = line;
	char *end = NULL;
	unsigned long v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "UID_MIN", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
		return -1;
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoul(p, &end, 0);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (errno != 0 || *end != '\0' || v > (unsigned long)(uid_t)-2)
		return -1;
	return (long)v;
}

uid_t pr_login_defs_uid_min(const char *login_defs)
{
	char line[LOGIN_DEFS_LINE_MAX];
	uid_t uid_min = PR_UID_MIN_DEFAULT;
	FILE *f;
	long v;

	if ((f = fopen(login_defs != NULL ? login_defs : PR_LOGIN_DEFS, "re")) == NULL)
		return uid_min;
	/* The last valid setting wins, as in shadow's getdef. */
	while (fgets(line, sizeof(line), f) != NULL)
		if ((v = uid_min_line(line)) >= 0)
			uid_min = (uid_t)v;
	fclose(f);
	return uid_min;
}

uid_t pr_config_uid_min(const struct pr_config *cfg)
{
	if (cfg != NULL && cfg->uid_min > 0)
		return (uid_t)cfg->uid_min;
	return pr_login_defs_uid_min(NULL);
}

bool pr_unattended_service(const struct pr_config *cfg, const char *service)
{
	if (cfg == NULL || service == NULL)
		return false;
	for (size_t i = 0; i < cfg->unattended_services.n; i++)
		if (strcmp(cfg->unattended_services.v[i], service) == 0)
			return true;
	return false;
}

/*
 * The shared vocabulary every layer uses (doc/ARCHITECTURE.md §3.1): the
 * policy's settings, roles, credential classes and needs with their names,
 * and lists of strings. Words only: the decisions are policy.h's.
 */
#ifndef PR_TYPES_H
#define PR_TYPES_H

#include <stdbool.h>
#include <stddef.h>

enum pr_require_key { PR_REQ_KEY_NONE = 0, PR_REQ_KEY_ALL_USERS };
enum pr_require_physical { PR_REQ_PHYS_NONE = 0, PR_REQ_PHYS_OWNERS, PR_REQ_PHYS_ALL_USERS };
enum pr_uv { PR_UV_DISCOURAGED = 0, PR_UV_PREFERRED, PR_UV_REQUIRED };
enum pr_role { PR_ROLE_STAFF = 0, PR_ROLE_ADMIN, PR_ROLE_OWNER };
enum pr_class { PR_CLASS_PASSKEY = 0, PR_CLASS_PHYSICAL };

/*
 * Why a key got its class ("packed attestation", "chains to trust anchor
 * 'X'"): shown to people with the class when a key is enrolled or refused
 * by policy, so it is a result of classification, not error detail (that
 * goes to a struct pr_errbuf). Empty when there is no class.
 */
struct pr_class_reason {
	char text[256];
};

/* What a user must present. */
enum pr_need {
	PR_NEED_NONE = 0,     /* no requirement: the module does not block */
	PR_NEED_ANY_KEY,      /* a passkey or physical key */
	PR_NEED_PHYSICAL,     /* an enrolled physical key */
};

struct pr_policy {
	enum pr_require_key require_security_key;
	enum pr_require_physical require_physical_key;
	enum pr_uv user_verification;
};

/* A list of malloc'd strings (user names, "@group" entries, services). */
struct pr_strlist {
	char **v;
	size_t n;
};

/* Free every string and the list; leaves it empty. */
void pr_strlist_clear(struct pr_strlist *l);
/* Append a copy of s: PR_OK or PR_ERR_NOMEM. */
int pr_strlist_push(struct pr_strlist *l, const char *s);
/* Sort l (strcmp order) and drop repeats. */
void pr_strlist_sort_unique(struct pr_strlist *l);
/* Whether s (NULL: no) is one of l's strings. */
bool pr_strlist_has(const struct pr_strlist *l, const char *s);

const char *pr_role_name(enum pr_role r);
const char *pr_class_name(enum pr_class c);
const char *pr_need_name(enum pr_need n);
const char *pr_uv_name(enum pr_uv u);
const char *pr_require_key_name(enum pr_require_key k);
const char *pr_require_physical_name(enum pr_require_physical k);
/* Parse "physical"/"passkey"; returns 0 or -1. */
int pr_class_parse(const char *s, enum pr_class *out);

#endif

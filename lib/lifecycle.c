/*
 * Safe key lifecycle: which of a user's keys count towards their policy,
 * whether one may be removed, and when to recommend a second physical key.
 * Pure: no I/O, no allocation, so the admin tool and the self-service
 * helper decide the same way.
 *
 * A key counts when it is a FIDO sign-in credential (SSH keys do not sign
 * in through the module) whose class satisfies the need
 * (pr_policy_class_ok). Removing key i is refused only when i itself
 * counts and no other key does: removing a key that never counted (a
 * forced passkey under a physical need) changes nothing the user can do.
 */
#include "config.h"

#include <stddef.h>

#include "err.h"
#include "lifecycle.h"

static bool counts(const struct pr_cred *c, enum pr_need need)
{
	return c->kind == PR_KIND_FIDO && pr_policy_class_ok(need, c->cls);
}

/* An unknown need is refused rather than read as "nothing counts". */
static bool need_known(enum pr_need need)
{
	return need == PR_NEED_NONE || need == PR_NEED_ANY_KEY || need == PR_NEED_PHYSICAL;
}

size_t pr_lifecycle_usable(const struct pr_credlist *l, enum pr_need need, size_t skip)
{
	size_t n = 0;

	if (l == NULL)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (i != skip && counts(&l->v[i], need))
			n++;
	return n;
}

int pr_lifecycle_can_remove(const struct pr_credlist *l, enum pr_need need, size_t i)
{
	if (l == NULL || i >= l->n || !need_known(need))
		return PR_ERR_INVALID_ARG;
	/* No requirement: the module does not block, whatever is left. */
	if (need == PR_NEED_NONE)
		return PR_OK;
	if (!counts(&l->v[i], need))
		return PR_OK;
	return pr_lifecycle_usable(l, need, i) > 0 ? PR_OK : PR_ERR_LAST_KEY;
}

bool pr_lifecycle_single_physical(const struct pr_credlist *l, enum pr_need need)
{
	return need == PR_NEED_PHYSICAL && pr_lifecycle_usable(l, need, SIZE_MAX) == 1;
}

/*
 * Safe key lifecycle (pure, no I/O): what a user's set of keys must keep to
 * satisfy their policy, and what to tell them about it.
 */
#ifndef PR_LIFECYCLE_H
#define PR_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "store.h"

/* Keys in l acceptable for need (FIDO kind, class allowed), skipping index skip (or l->n). */
size_t pr_lifecycle_usable(const struct pr_credlist *l, enum pr_need need, size_t skip);

/*
 * Whether removing credential index i leaves the user able to satisfy need:
 * PR_OK, or PR_ERR_LAST_KEY when it is the last acceptable key (removal must
 * be refused unless an administrator forces it).
 */
int pr_lifecycle_can_remove(const struct pr_credlist *l, enum pr_need need, size_t i);

/* After an enrollment: true when the user now has exactly one physical key under a physical need. */
bool pr_lifecycle_single_physical(const struct pr_credlist *l, enum pr_need need);

#endif

/*
 * Credentials in the clinic directory: the same operations and semantics
 * as store.h's pr_store_load/add/remove_if/rename/record_use, on the user's
 * entry (dir_entry.h). Each credential is one prCredential value holding
 * the files store's own text for it (pr_store_format of that one
 * credential), so both stores read and write one format.
 *
 * Every change is one modify under the revision rule: a change that lost a
 * race is read again and retried (at most PR_DIR_TRIES times), so a guard
 * (the last-key rule) and a counter check always judge the entry as it is
 * when the change lands: two admins removing a user's last two keys at once
 * leave one, and a sign counter is never lowered.
 */
#ifndef PR_DIR_STORE_H
#define PR_DIR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "directory.h"
#include "store.h"

#define PR_DIR_TRIES 16

int pr_dir_store_load(struct pr_dir *d, const char *user, struct pr_credlist *out,
    struct pr_errbuf *eb);
int pr_dir_store_add(struct pr_dir *d, const char *user, const struct pr_cred *c,
    struct pr_errbuf *eb);
int pr_dir_store_remove_if(struct pr_dir *d, const char *user, const char *keyid,
    pr_store_guard guard, void *guard_arg, struct pr_errbuf *eb);
int pr_dir_store_rename(struct pr_dir *d, const char *user, const char *keyid,
    const char *label, struct pr_errbuf *eb);
int pr_dir_store_record_use(struct pr_dir *d, const char *user, const unsigned char *id,
    size_t id_len, uint32_t new_count, int64_t now, struct pr_errbuf *eb);

#endif

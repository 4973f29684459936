/* Copying, clearing and finding credentials (cred.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "err.h"

int pr_cred_copy(struct pr_cred *dst, const struct pr_cred *src)
{
	*dst = *src;
	dst->id = NULL;
	dst->pubkey = NULL;
	if (src->id_len > 0 && (dst->id = malloc(src->id_len)) == NULL)
		goto fail;
	if (src->pubkey_len > 0 && (dst->pubkey = malloc(src->pubkey_len)) == NULL)
		goto fail;
	if (src->id_len > 0)
		memcpy(dst->id, src->id, src->id_len);
	if (src->pubkey_len > 0)
		memcpy(dst->pubkey, src->pubkey, src->pubkey_len);
	return PR_OK;
fail:
	pr_cred_clear(dst);
	return PR_ERR_NOMEM;
}

void pr_cred_clear(struct pr_cred *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->pubkey);
	memset(c, 0, sizeof(*c));
}

void pr_credlist_clear(struct pr_credlist *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		pr_cred_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool pr_cred_counter_grows(uint32_t stored, uint32_t seen)
{
	return seen != 0 ? seen > stored : stored == 0;
}

const struct pr_cred *pr_credlist_find(const struct pr_credlist *l,
    const unsigned char *id, size_t id_len)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].id_len == id_len && memcmp(l->v[i].id, id, id_len) == 0)
			return &l->v[i];
	return NULL;
}

/*
 * dirtool: drives the credential store (store.h) with `store = ldap`, and
 * lib/directory/'s one-time consume, against a real slapd for
 * tests/integration/ldap_store.sh (issue 15). Not installed. Only "open"
 * and "consume" connect before the command: the others connect on the
 * store's first directory use, as the product does.
 *
 *   dirtool POLICY open
 *   dirtool POLICY enroll USER SEED          prints the new key's id
 *   dirtool POLICY load USER                 one line per key: KEYID COUNT LABEL
 *   dirtool POLICY remove USER KEYID [last]  "last": refuse the user's last key
 *   dirtool POLICY rename USER KEYID LABEL
 *   dirtool POLICY use USER KEYID COUNT      record a use with that sign counter
 *   dirtool POLICY consume USER ATTR VALUE   prints "won" or "lost"
 *   dirtool POLICY load-hex USER-AS-HEX      a name with any bytes (NUL included)
 *
 * On failure: "error <reason token>: <message>" on stderr and exit 1
 * (2: usage), so the test can tell the kinds of refusal apart.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>

#include "conf.h"
#include "cred.h"
#include "directory/dir_entry.h"
#include "directory/dir_name.h"
#include "directory/directory.h"
#include "err.h"
#include "state.h"
#include "store.h"
#include "util.h"

static int fail(int r, const struct pr_errbuf *eb)
{
	fprintf(stderr, "error %s: %s\n", pr_err_reason(r), eb->msg[0] ? eb->msg : pr_strerror(r));
	return 1;
}

/* A credential the store accepts, its bytes derived from seed. */
static void fake_cred(const char *seed, struct pr_cred *c, unsigned char id[32],
    unsigned char pk[64])
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < 64; i++)
		pk[i] = (unsigned char)(seed[i % strlen(seed)] + i);
	for (size_t i = 0; i < 32; i++)
		id[i] = (unsigned char)(seed[i % strlen(seed)] * 7 + i);
	c->id = id;
	c->id_len = 32;
	c->pubkey = pk;
	c->pubkey_len = 64;
	c->cose_alg = COSE_ES256;
	c->cls = PR_CLASS_PHYSICAL;
	c->kind = PR_KIND_FIDO;
	c->flags = 0x45;
	snprintf(c->fmt, sizeof(c->fmt), "packed");
	snprintf(c->label, sizeof(c->label), "%s", seed);
	c->created = 1700000000;
}

static int find(struct pr_state *d, const char *user, const char *keyid, struct pr_cred *out,
    struct pr_errbuf *eb)
{
	struct pr_credlist l = { NULL, 0 };
	char kid[PR_KEYID_LEN + 1];
	int r;

	if ((r = pr_store_load(d, user, &l, eb)) != PR_OK)
		return r;
	r = PR_ERR_NOT_FOUND;
	for (size_t i = 0; i < l.n && r != PR_OK; i++) {
		pr_keyid(l.v[i].id, l.v[i].id_len, kid);
		if (strcmp(kid, keyid) == 0)
			r = pr_cred_copy(out, &l.v[i]);
	}
	pr_credlist_clear(&l);
	return r;
}

static int last_key_guard(const struct pr_credlist *l, size_t index, void *arg)
{
	(void)index;
	(void)arg;
	return l->n <= 1 ? PR_ERR_LAST_KEY : PR_OK;
}

static int print_list(struct pr_state *d, const char *user, struct pr_errbuf *eb)
{
	struct pr_credlist l = { NULL, 0 };
	char kid[PR_KEYID_LEN + 1];
	int r = pr_store_load(d, user, &l, eb);

	for (size_t i = 0; r == PR_OK && i < l.n; i++) {
		pr_keyid(l.v[i].id, l.v[i].id_len, kid);
		printf("%s %" PRIu32 " %s\n", kid, l.v[i].sign_count, l.v[i].label);
	}
	pr_credlist_clear(&l);
	return r;
}

static int from_hex(const char *hex, char *out, size_t *len)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++)
		if (sscanf(hex + 2 * i, "%2hhx", (unsigned char *)&out[i]) != 1)
			return -1;
	out[n] = '\0';
	*len = n;
	return 0;
}

static int run(struct pr_state *st, int argc, char **argv, struct pr_errbuf *eb)
{
	struct pr_dir *d = NULL;
	const char *cmd = argv[0];
	struct pr_cred c;
	unsigned char id[32], pk[64];
	char kid[PR_KEYID_LEN + 1], name[256];
	size_t len = 0;
	int r;

	if (strcmp(cmd, "open") == 0 && argc == 1) {
		if ((r = pr_state_conn(st, &d, eb)) != PR_OK)
			return r;
		return printf("%s\n", pr_dir_uri(d)) > 0 ? PR_OK : PR_ERR_IO;
	}
	if (strcmp(cmd, "enroll") == 0 && argc == 3) {
		fake_cred(argv[2], &c, id, pk);
		pr_keyid(id, sizeof(id), kid);
		if ((r = pr_store_add(st, argv[1], &c, eb)) == PR_OK)
			printf("%s\n", kid);
		return r;
	}
	if (strcmp(cmd, "load") == 0 && argc == 2)
		return print_list(st, argv[1], eb);
	if (strcmp(cmd, "remove") == 0 && (argc == 3 || argc == 4))
		return pr_store_remove_if(st, argv[1], argv[2],
		    argc == 4 ? last_key_guard : NULL, NULL, eb);
	if (strcmp(cmd, "rename") == 0 && argc == 4)
		return pr_store_rename(st, argv[1], argv[2], argv[3], eb);
	if (strcmp(cmd, "use") == 0 && argc == 4) {
		memset(&c, 0, sizeof(c));
		if ((r = find(st, argv[1], argv[2], &c, eb)) == PR_OK)
			r = pr_store_record_use(st, argv[1], c.id, c.id_len,
			    (uint32_t)strtoul(argv[3], NULL, 10), 1700000100, eb);
		pr_cred_clear(&c);
		return r;
	}
	if (strcmp(cmd, "consume") == 0 && argc == 4) {
		if ((r = pr_state_conn(st, &d, eb)) != PR_OK)
			return r;
		r = pr_dir_consume(d, argv[1], argv[2], argv[3], strlen(argv[3]), eb);
		if (r == PR_OK || r == PR_ERR_NOT_FOUND)
			printf("%s\n", r == PR_OK ? "won" : "lost");
		return r == PR_ERR_NOT_FOUND ? PR_OK : r;
	}
	if (strcmp(cmd, "load-hex") == 0 && argc == 2 && strlen(argv[1]) < 2 * sizeof(name)) {
		if (from_hex(argv[1], name, &len) != 0)
			return PR_ERR_INVALID_ARG;
		/* The same check every entry point makes, on the bytes as given. */
		if (pr_dir_name_check(name, len) != PR_OK)
			return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid user name: refused "
			    "before any directory query");
		return print_list(st, name, eb);
	}
	return 2;
}

int main(int argc, char **argv)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = NULL;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: dirtool POLICY COMMAND ARGS...\n");
		return 2;
	}
	if ((r = pr_config_load(argv[1], &cfg, &eb)) != PR_OK)
		return fail(r, &eb);
	r = run(cfg->state, argc - 2, argv + 2, &eb);
	pr_config_free(&cfg);
	if (r == 2) {
		fprintf(stderr, "dirtool: unknown command or wrong arguments\n");
		return 2;
	}
	return r == PR_OK ? 0 : fail(r, &eb);
}

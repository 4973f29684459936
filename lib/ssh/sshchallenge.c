/*
 * SSH enrollment challenges (sshchallenge.h). File format:
 *
 *   practicerunner-ssh-challenge 1
 *   challenge=<64 hex> expires=<unix time>
 *
 * Strict: anything else is PR_ERR_CORRUPT and is never rewritten.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sshchallenge.h"
#include "user_file.h"
#include "util.h"

#define SUBDIR "ssh-challenges"
#define LOCK "+sshchallenge.lock"
#define HEADER "practicerunner-ssh-challenge 1\n"
#define FILE_MAX 512

static int parse(const char *buf, unsigned char out[PR_SSHCHALLENGE_LEN],
    int64_t *expires)
{
	char hex[2 * PR_SSHCHALLENGE_LEN + 1], tail;
	unsigned char *bin = NULL;
	size_t len = 0;
	int n = 0;

	if (strncmp(buf, HEADER, strlen(HEADER)) != 0)
		return PR_ERR_CORRUPT;
	if (sscanf(buf + strlen(HEADER), "challenge=%64[0-9a-f] expires=%" SCNd64 "%n%c",
	    hex, expires, &n, &tail) != 3 || tail != '\n' ||
	    buf[strlen(HEADER) + (size_t)n + 1] != '\0' || *expires <= 0)
		return PR_ERR_CORRUPT;
	if (pr_hex_decode(hex, &bin, &len) != PR_OK || len != PR_SSHCHALLENGE_LEN) {
		free(bin);
		return PR_ERR_CORRUPT;
	}
	memcpy(out, bin, len);
	OPENSSL_cleanse(bin, len);
	free(bin);
	return PR_OK;
}

int pr_sshchallenge_create(struct pr_state *state, const char *user, int64_t now,
    unsigned char out[PR_SSHCHALLENGE_LEN], struct pr_errbuf *eb)
{
	struct pr_user_file f;
	char hex[2 * PR_SSHCHALLENGE_LEN + 1], text[FILE_MAX];
	int n, r;

	pr_user_file_init(&f);
	if ((r = pr_random(out, PR_SSHCHALLENGE_LEN)) != PR_OK) {
		pr_fail(eb, r, "cannot make a challenge: %s", pr_strerror(r));
		goto out;
	}
	pr_hex_encode(out, PR_SSHCHALLENGE_LEN, hex);
	n = snprintf(text, sizeof(text), HEADER "challenge=%s expires=%" PRId64 "\n",
	    hex, now + PR_SSHCHALLENGE_LIFETIME);
	if ((r = pr_user_file_open(&f, state, SUBDIR, user, LOCK, true, eb)) != PR_OK ||
	    (r = pr_user_file_replace(&f, text, (size_t)n, eb)) != PR_OK)
		goto out;
	r = PR_OK;
out:
	if (r != PR_OK)
		OPENSSL_cleanse(out, PR_SSHCHALLENGE_LEN);
	pr_user_file_close(&f);
	return r;
}

int pr_sshchallenge_take(struct pr_state *state, const char *user, int64_t now,
    unsigned char out[PR_SSHCHALLENGE_LEN], struct pr_errbuf *eb)
{
	struct pr_user_file f;
	char *buf = NULL;
	size_t len = 0;
	int64_t expires = 0;
	int r;

	pr_user_file_init(&f);
	if ((r = pr_user_file_open(&f, state, SUBDIR, user, LOCK, false, eb)) != PR_OK ||
	    (r = pr_user_file_read(&f, FILE_MAX, &buf, &len, eb)) != PR_OK)
		goto out;
	if (buf == NULL) {
		r = pr_fail(eb, PR_ERR_NOT_FOUND, "no SSH enrollment challenge for %s "
		    "(issue one first)", user);
		goto out;
	}
	if (parse(buf, out, &expires) != PR_OK) {
		r = pr_fail(eb, PR_ERR_CORRUPT, "%s: damaged challenge file", f.path);
		goto out;
	}
	/* Gone before it is used: one challenge, one attestation. */
	if ((r = pr_user_file_unlink(&f, eb)) != PR_OK)
		goto out;
	if (now >= expires) {
		r = pr_fail(eb, PR_ERR_EXPIRED, "the SSH enrollment challenge for %s has "
		    "expired; issue a new one", user);
		goto out;
	}
	r = PR_OK;
out:
	if (r != PR_OK)
		OPENSSL_cleanse(out, PR_SSHCHALLENGE_LEN);
	free(buf);
	pr_user_file_close(&f);
	return r;
}

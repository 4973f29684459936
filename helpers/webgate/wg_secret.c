/* The web gate's own secret and what is derived from it (wg_secret.h). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "secure_file.h"
#include "util.h"
#include "wg_secret.h"

#define HMAC_BLOCK 64   /* SHA-256's block */

static int stored(int dfd, const char *state_dir, unsigned char secret[WG_SECRET_LEN],
    struct pr_errbuf *eb)
{
	int r;

	if ((r = pr_random(secret, WG_SECRET_LEN)) != PR_OK)
		return pr_fail(eb, r, "cannot make the gate's secret: %s", pr_strerror(r));
	if ((r = pr_atomic_replace(dfd, WG_SECRET_FILE, secret, WG_SECRET_LEN, 0600)) != PR_OK) {
		explicit_bzero(secret, WG_SECRET_LEN);
		return pr_fail(eb, r, "cannot write %s/%s: %s", state_dir, WG_SECRET_FILE,
		    pr_strerror(r));
	}
	return PR_OK;
}

int wg_secret_load(const char *state_dir, unsigned char secret[WG_SECRET_LEN],
    struct pr_errbuf *eb)
{
	enum pr_file_status st;
	char *buf = NULL;
	size_t len = 0;
	int dfd = -1, r;

	if ((st = pr_secure_opendir(AT_FDCWD, state_dir, 022, &dfd)) != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "state directory %s: %s", state_dir,
		    pr_file_status_text(st));
	st = pr_secure_read(dfd, WG_SECRET_FILE, 077, WG_SECRET_LEN, &buf, &len);
	if (st == PR_FILE_MISSING)
		r = stored(dfd, state_dir, secret, eb);
	else if (st == PR_FILE_OK && len == WG_SECRET_LEN) {
		memcpy(secret, buf, WG_SECRET_LEN);
		r = PR_OK;
	} else if (st == PR_FILE_OK)
		r = pr_fail(eb, PR_ERR_CORRUPT, "%s/%s is damaged (%zu bytes, not %d): remove it "
		    "and start the gate again", state_dir, WG_SECRET_FILE, len, WG_SECRET_LEN);
	else
		r = pr_fail(eb, pr_file_status_err(st), "%s/%s: %s: it must be a file of root's, "
		    "mode 0600; remove it and start the gate again", state_dir, WG_SECRET_FILE,
		    pr_file_status_text(st));
	pr_secret_free(&buf, len);
	close(dfd);
	return r;
}

int wg_secret_derive(const unsigned char secret[WG_SECRET_LEN], const char *label,
    const char *name, unsigned i, unsigned char out[PR_SHA256_LEN])
{
	unsigned char pad[HMAC_BLOCK], inner[PR_SHA256_LEN], n = (unsigned char)i;
	struct pr_sha256 h;
	int r;

	/* RFC 2104 with a key shorter than the block: the key zero-padded. */
	memset(pad, 0x36, sizeof(pad));
	for (size_t k = 0; k < WG_SECRET_LEN; k++)
		pad[k] ^= secret[k];
	if ((r = pr_sha256_init(&h)) == PR_OK &&
	    (r = pr_sha256_update(&h, pad, sizeof(pad))) == PR_OK &&
	    (r = pr_sha256_update(&h, label, strlen(label) + 1)) == PR_OK &&
	    (r = pr_sha256_update(&h, name, strlen(name) + 1)) == PR_OK &&
	    (r = pr_sha256_update(&h, &n, 1)) == PR_OK)
		r = pr_sha256_final(&h, inner);
	pr_sha256_clear(&h);
	for (size_t k = 0; k < sizeof(pad); k++)
		pad[k] ^= 0x36 ^ 0x5c;
	if (r == PR_OK && (r = pr_sha256_init(&h)) == PR_OK &&
	    (r = pr_sha256_update(&h, pad, sizeof(pad))) == PR_OK &&
	    (r = pr_sha256_update(&h, inner, sizeof(inner))) == PR_OK)
		r = pr_sha256_final(&h, out);
	pr_sha256_clear(&h);
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(inner, sizeof(inner));
	return r;
}

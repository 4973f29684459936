/*
 * Trust anchors: the PEM attestation roots in trust-anchors.d plus the
 * transport's built-in ones, in one X509_STORE. Any bad *.pem fails the
 * whole load, naming the file: a silently skipped anchor would turn
 * physical keys into passkeys (or worse, trust a planted one).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest.h"
#include "err.h"
#include "secure_file.h"
#include "transport.h"

#define ANCHOR_MAX_SIZE (1024 * 1024)
#define ANCHOR_FORBIDDEN_MODE 022
#define ANCHOR_SUFFIX ".pem"

static bool is_pem_name(const char *name)
{
	size_t len = strlen(name), sl = strlen(ANCHOR_SUFFIX);

	return len > sl && strcmp(name + len - sl, ANCHOR_SUFFIX) == 0;
}

/*
 * Add every certificate of a PEM buffer to store; *count says how many.
 * Reading stops at the end of input (no further start line) or at a broken
 * block, which is an error.
 */
static int pem_add(X509_STORE *store, const char *buf, size_t len, int *count)
{
	BIO *bio = NULL;
	X509 *cert = NULL;
	unsigned long e;
	int r = PR_ERR_CONFIG;

	*count = 0;
	if (len > INT_MAX)
		return PR_ERR_CONFIG;
	ERR_clear_error();
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return PR_ERR_NOMEM;
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(store, cert) != 1) {
			r = PR_ERR_NOMEM;
			goto out;
		}
		X509_free(cert);
		cert = NULL;
		(*count)++;
	}
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		goto out;
	r = PR_OK;
out:
	ERR_clear_error();
	X509_free(cert);
	BIO_free(bio);
	return r;
}

static int file_load(X509_STORE *store, const char *dir, int dfd,
    const char *name, struct pr_errbuf *eb)
{
	enum pr_file_status st;
	char *buf = NULL;
	size_t len = 0;
	int n = 0, r;

	st = pr_secure_read(dfd, name, ANCHOR_FORBIDDEN_MODE, ANCHOR_MAX_SIZE,
	    &buf, &len);
	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "trust anchor %s/%s %s",
		    dir, name, pr_file_status_text(st));
	r = pem_add(store, buf, len, &n);
	free(buf);
	if (r == PR_ERR_NOMEM)
		return pr_fail(eb, r, "trust anchor %s/%s: out of memory", dir, name);
	if (r != PR_OK)
		return pr_fail(eb, r, "trust anchor %s/%s is not a valid PEM "
		    "certificate file", dir, name);
	if (n == 0)
		return pr_fail(eb, PR_ERR_CONFIG, "trust anchor %s/%s contains "
		    "no certificate", dir, name);
	return PR_OK;
}

/* Every *.pem in the open directory dfd; other names are not ours. */
static int dir_load(X509_STORE *store, const char *dir, int dfd,
    struct pr_errbuf *eb)
{
	DIR *d = NULL;
	struct dirent *de;
	int fd, r;

	/* fdopendir owns (and closedir closes) its fd; dfd stays ours for openat. */
	if ((fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0)) < 0)
		return pr_fail(eb, PR_ERR_IO, "trust anchor directory %s: %s", dir,
		    strerror(errno));
	if ((d = fdopendir(fd)) == NULL) {
		r = pr_fail(eb, PR_ERR_IO, "trust anchor directory %s: %s", dir,
		    strerror(errno));
		close(fd);
		return r;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (is_pem_name(de->d_name) &&
		    (r = file_load(store, dir, dfd, de->d_name, eb)) != PR_OK)
			goto out;
	}
	if (errno != 0) {
		r = pr_fail(eb, PR_ERR_IO, "trust anchor directory %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	r = PR_OK;
out:
	closedir(d);
	return r;
}

int pr_anchors_load(const char *dir, int allow_missing, X509_STORE **out,
    struct pr_errbuf *eb)
{
	X509_STORE *store = NULL;
	enum pr_file_status st;
	int dfd = -1, r;

	if (out == NULL || dir == NULL || dir[0] == '\0')
		return pr_fail(eb, PR_ERR_INVALID_ARG, "trust anchors: no directory");
	*out = NULL;
	if ((store = X509_STORE_new()) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "trust anchors: out of memory");
		goto out;
	}
	st = pr_secure_opendir(AT_FDCWD, dir, ANCHOR_FORBIDDEN_MODE, &dfd);
	if (st != PR_FILE_OK && !(st == PR_FILE_MISSING && allow_missing)) {
		r = pr_fail(eb, pr_file_status_err(st), "trust anchor directory %s %s",
		    dir, pr_file_status_text(st));
		goto out;
	}
	if (st == PR_FILE_OK && (r = dir_load(store, dir, dfd, eb)) != PR_OK)
		goto out;
	if ((r = pr_transport_add_anchors(store)) != PR_OK) {
		pr_fail(eb, r, "built-in trust anchors: %s", pr_strerror(r));
		goto out;
	}
	*out = store;
	store = NULL;
	r = PR_OK;
out:
	if (dfd >= 0)
		close(dfd);
	X509_STORE_free(store);
	return r;
}

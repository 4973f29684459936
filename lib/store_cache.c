/* The offline cache's files: format, read, write (store_cache.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "directory/dir_cache.h"
#include "secure_file.h"
#include "store.h"
#include "store_cache.h"
#include "textfmt.h"
#include "util.h"

#define CACHE_HEADER "practicerunner-cache 1"
#define CACHE_MAGIC "practicerunner-cache "
#define CACHE_LOCK "+cache.lock"          /* locks/<user>+cache.lock */
#define CACHE_MAX_SIZE (1024 * 1024 + 64 * 1400)   /* the store's cap, and 64 offline lines */

void pr_store_cache_clear(struct pr_store_cache *c)
{
	pr_credlist_clear(&c->creds);
	free(c->offline);
	memset(c, 0, sizeof(*c));
}

int pr_store_cache_format(const struct pr_store_cache *c, char **out, size_t *len)
{
	char *creds = NULL, *id = NULL;
	size_t creds_len = 0;
	FILE *f = NULL;
	int r;

	*out = NULL;
	*len = 0;
	if (c->fetched < 0)
		return PR_ERR_INVALID_ARG;
	if ((r = pr_store_format(&c->creds, &creds, &creds_len)) != PR_OK)
		return r;
	if ((f = open_memstream(out, len)) == NULL) {
		free(creds);
		return PR_ERR_NOMEM;
	}
	fprintf(f, "%s\nfetched=%" PRId64 "\n", CACHE_HEADER, c->fetched);
	for (size_t i = 0; i < c->creds.n && r == PR_OK; i++) {
		if (c->offline == NULL || !c->offline[i])
			continue;
		if ((id = pr_b64url_encode(c->creds.v[i].id, c->creds.v[i].id_len)) == NULL)
			r = PR_ERR_NOMEM;
		else
			fprintf(f, "offline=%s\n", id);
		free(id);
	}
	fwrite(creds, 1, creds_len, f);
	if (ferror(f) && r == PR_OK)
		r = PR_ERR_NOMEM;
	if (fclose(f) != 0 && r == PR_OK)
		r = PR_ERR_NOMEM;
	free(creds);
	if (r != PR_OK) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return r;
}

/* "offline=<id>": mark that credential (it must be in the list, once). */
static int mark_offline(struct pr_store_cache *c, const char *v, struct pr_parse_err *pe)
{
	unsigned char *id = NULL;
	const struct pr_cred *cred;
	size_t id_len = 0;

	if (pr_b64url_decode(v, &id, &id_len) != PR_OK)
		return pr_parse_fail(pe, "offline= is not a base64url credential id");
	cred = pr_credlist_find(&c->creds, id, id_len);
	free(id);
	if (cred == NULL)
		return pr_parse_fail(pe, "offline= names a credential that is not in the list");
	if (c->offline[cred - c->creds.v])
		return pr_parse_fail(pe, "offline= names a credential twice");
	c->offline[cred - c->creds.v] = true;
	return PR_OK;
}

/* The header lines; *creds points at the credential list that follows them. */
static int parse_head(char *text, struct pr_store_cache *out, char **creds,
    struct pr_parse_err *pe)
{
	char *p = text, *line;
	int64_t t;
	int r;

	line = strsep(&p, "\n");
	if ((r = pr_parse_check_header(line, CACHE_HEADER, CACHE_MAGIC, pe)) != PR_OK)
		return r;
	pe->line++;
	line = strsep(&p, "\n");
	if (p == NULL || strncmp(line, "fetched=", 8) != 0 ||
	    !pr_parse_uint(line + 8, INT64_MAX, &t))
		return pr_parse_fail(pe, "missing fetched=<unix time>");
	out->fetched = t;
	*creds = p;
	return PR_OK;
}

/* The offline= lines between fetched= and the credential list, once it is parsed. */
static int parse_offline(char *lines, struct pr_store_cache *out, struct pr_parse_err *pe)
{
	char *p = lines, *line;
	int r;

	while (p != NULL && strncmp(p, "offline=", 8) == 0) {
		pe->line++;
		line = strsep(&p, "\n");
		if ((r = mark_offline(out, line + 8, pe)) != PR_OK)
			return r;
	}
	return PR_OK;
}

/* Where the credential list starts: after the offline= lines. */
static const char *skip_offline(const char *p, int *lines)
{
	while (strncmp(p, "offline=", 8) == 0 && strchr(p, '\n') != NULL) {
		p = strchr(p, '\n') + 1;
		(*lines)++;
	}
	return p;
}

int pr_store_cache_parse(const char *buf, size_t len, struct pr_store_cache *out,
    struct pr_errbuf *eb)
{
	struct pr_parse_err pe = { 0 };
	struct pr_errbuf list_eb = { .msg = "" };
	char *text = NULL, *rest = NULL;
	const char *list;
	int r, skipped = 0;

	memset(out, 0, sizeof(*out));
	if ((r = pr_parse_copy(buf, len, &pe, &text)) != PR_OK ||
	    (r = parse_head(text, out, &rest, &pe)) != PR_OK)
		goto out;
	list = skip_offline(rest, &skipped);
	if ((r = pr_store_parse(list, strlen(list), &out->creds, &list_eb)) != PR_OK) {
		/* The list's line numbers, counted from the top of the file. */
		pe.line = list_eb.line + 2 + skipped;
		snprintf(pe.reason, sizeof(pe.reason), "%.159s", list_eb.msg);
		goto out;
	}
	if (out->creds.n > 0 && (out->offline = calloc(out->creds.n, sizeof(bool))) == NULL) {
		r = PR_ERR_NOMEM;
		goto out;
	}
	r = parse_offline(rest, out, &pe);
out:
	if (r == PR_ERR_CORRUPT && pe.reason[0] != '\0')
		pr_fail_line(eb, pe.line, r, "line %d: %s", pe.line, pe.reason);
	if (r != PR_OK)
		pr_store_cache_clear(out);
	free(text);
	return r;
}

bool pr_store_cache_fresh(const struct pr_store_cache *c, int64_t max_age, int64_t now)
{
	return max_age > 0 && c->fetched <= now + PR_CACHE_FUTURE_SLACK &&
	    now - c->fetched <= max_age;
}

int pr_store_cache_open(struct pr_store_cache_file *cf, const struct pr_state *state,
    const char *user, struct pr_errbuf *eb)
{
	memset(&cf->files, 0, sizeof(cf->files));
	cf->files.dir = state->dir;
	cf->files.kind = PR_STORE_FILES;
	return pr_user_file_open(&cf->f, &cf->files, PR_DIR_CACHE_SUBDIR, user, CACHE_LOCK,
	    true, eb);
}

void pr_store_cache_close(struct pr_store_cache_file *cf)
{
	pr_user_file_close(&cf->f);
}

/* Open the user's file without following a link; its modification time in *mtime. */
static int open_file(struct pr_store_cache_file *cf, int *fd, int64_t *mtime,
    struct pr_errbuf *eb)
{
	enum pr_file_status st;
	struct stat sb;

	st = pr_secure_open(cf->f.dir_fd, cf->f.user, O_RDONLY, 077, fd);
	if (st == PR_FILE_MISSING)
		return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: no offline cache", cf->f.path);
	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s: not used", cf->f.path,
		    pr_file_status_text(st));
	if (fstat(*fd, &sb) != 0) {
		close(*fd);
		return pr_fail(eb, PR_ERR_IO, "%s: %s", cf->f.path, strerror(errno));
	}
	*mtime = (int64_t)sb.st_mtime;
	return PR_OK;
}

int pr_store_cache_read(struct pr_store_cache_file *cf, struct pr_store_cache *out,
    struct pr_errbuf *eb)
{
	struct pr_errbuf why = { .msg = "" };
	enum pr_file_status st;
	char *buf = NULL;
	size_t len = 0;
	int64_t mtime = 0;
	int fd = -1, r;

	memset(out, 0, sizeof(*out));
	if ((r = open_file(cf, &fd, &mtime, eb)) != PR_OK)
		return r;
	st = pr_read_all(fd, CACHE_MAX_SIZE, &buf, &len);
	close(fd);
	if (st != PR_FILE_OK)
		return pr_fail(eb, st == PR_FILE_TOO_BIG ? PR_ERR_CORRUPT : pr_file_status_err(st),
		    "%s: %s", cf->f.path, pr_file_status_text(st));
	if ((r = pr_store_cache_parse(buf, len, out, &why)) == PR_ERR_CORRUPT)
		pr_fail_line(eb, why.line, r, "%s: %s", cf->f.path, why.msg);
	/* Either clock may have been set back: the older one counts (fail closed). */
	if (r == PR_OK && mtime < out->fetched)
		out->fetched = mtime;
	free(buf);
	return r;
}

/* Anything but a regular file at the name (a planted link) is left alone and refused. */
static int check_target(struct pr_store_cache_file *cf, struct pr_errbuf *eb)
{
	struct stat sb;

	if (fstatat(cf->f.dir_fd, cf->f.user, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? PR_OK :
		    pr_fail(eb, PR_ERR_IO, "%s: %s", cf->f.path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return pr_fail(eb, PR_ERR_UNSAFE_FILE, "%s: %s: neither followed nor replaced; "
		    "remove it", cf->f.path, S_ISLNK(sb.st_mode) ? "is a symbolic link" :
		    "is not a regular file");
	return PR_OK;
}

/* The file's modification time is when the directory was read (store status). */
static int set_time(struct pr_store_cache_file *cf, int64_t fetched, struct pr_errbuf *eb)
{
	struct timespec ts[2] = { { (time_t)fetched, 0 }, { (time_t)fetched, 0 } };

	if (utimensat(cf->f.dir_fd, cf->f.user, ts, AT_SYMLINK_NOFOLLOW) != 0)
		return pr_fail(eb, PR_ERR_IO, "%s: cannot set its time: %s", cf->f.path,
		    strerror(errno));
	return PR_OK;
}

int pr_store_cache_write(struct pr_store_cache_file *cf, const struct pr_store_cache *c,
    struct pr_errbuf *eb)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = check_target(cf, eb)) != PR_OK)
		return r;
	if (c->creds.n == 0) {
		r = pr_user_file_unlink(&cf->f, eb);
		return r == PR_ERR_NOT_FOUND ? PR_OK : r;
	}
	if ((r = pr_store_cache_format(c, &text, &len)) != PR_OK)
		return pr_fail(eb, r, "%s: cannot serialise: %s", cf->f.path, pr_strerror(r));
	if ((r = pr_user_file_replace(&cf->f, text, len, eb)) == PR_OK)
		r = set_time(cf, c->fetched, eb);
	free(text);
	return r;
}

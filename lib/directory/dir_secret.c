/*
 * The service's bind password (directory.h): a secret every workstation of
 * the clinic shares, so it is trusted only in a file that only root can
 * read or replace, checked as the trust anchors are (secure_file.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "directory.h"
#include "secure_file.h"
#include "util.h"

#define PASSWORD_MAX 1024

int pr_dir_password_read(const char *path, char **out, struct pr_errbuf *eb)
{
	enum pr_file_status st;
	char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	/* 077: no permission at all for group or others. */
	st = pr_secure_read(AT_FDCWD, path, 077, PASSWORD_MAX, &buf, &len);
	if (st == PR_FILE_BAD_MODE)
		return pr_fail(eb, PR_ERR_UNSAFE_FILE, "%s: the bind password file may be read "
		    "by group or others: chmod 600 it (and change the password, which may "
		    "have been read)", path);
	if (st != PR_FILE_OK)
		return pr_fail(eb, st == PR_FILE_MISSING ? PR_ERR_CONFIG : pr_file_status_err(st),
		    "%s: bind password file %s; it must be a regular file owned by root "
		    "with mode 0600", path,
		    st == PR_FILE_IO ? strerror(errno) : pr_file_status_text(st));
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len == 0 || memchr(buf, '\n', len) != NULL || memchr(buf, '\0', len) != NULL) {
		pr_secret_strfree(&buf);
		return pr_fail(eb, PR_ERR_CONFIG, "%s: the bind password file must hold the "
		    "password on one line", path);
	}
	*out = buf;
	return PR_OK;
}

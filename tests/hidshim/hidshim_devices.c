/*
 * Which virtual devices exist: PR_HIDSHIM_DEVICES, entries separated by ':'
 * (or newlines), each "STATE[,MODE]" with MODE one of normal, stall,
 * garbage, unplug=N, nonfido (STATE is then ignored: write "-"); device i
 * is /dev/hidraw<i>. PR_HIDSHIM_LOG names an event log.
 *
 * Where the environment is not the test's (a setuid program: AT_SECURE),
 * or is empty (a helper run with a cleared environment), the list is read
 * from the fixed root-owned file HIDSHIM_FIXED_LIST instead, which tests
 * bind-mount into a private mount namespace; a line "log=PATH" there names
 * the log. Read once, when the library is loaded: programs that clear their
 * environment later still see their devices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hidshim.h"

#define HIDSHIM_FIXED_LIST "/etc/practicerunner/hidshim-devices"
#define LIST_MAX 16384

static struct hidshim_config config;

/* FIDO Alliance usage page 0xf1d0, usage CTAPHID, 64-byte input and output reports. */
static const unsigned char rdesc_fido[] = {
	0x06, 0xd0, 0xf1, 0x09, 0x01, 0xa1, 0x01,
	0x09, 0x20, 0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08, 0x95, 0x40, 0x81, 0x02,
	0x09, 0x21, 0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08, 0x95, 0x40, 0x91, 0x02,
	0xc0,
};
/* Generic desktop keyboard: a hidraw device libfido2 must pass over. */
static const unsigned char rdesc_keyboard[] = {
	0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7,
	0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0xc0,
};

const unsigned char *hidshim_rdesc(enum hidshim_mode mode, size_t *len)
{
	if (mode == HIDSHIM_NONFIDO) {
		*len = sizeof(rdesc_keyboard);
		return rdesc_keyboard;
	}
	*len = sizeof(rdesc_fido);
	return rdesc_fido;
}

const struct hidshim_config *hidshim_config(void)
{
	return &config;
}

int hidshim_index(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	char *end;
	long i;

	if (path == NULL || strncmp(path, prefix, n) != 0 || path[n] < '0' || path[n] > '9')
		return -1;
	errno = 0;
	i = strtol(path + n, &end, 10);
	if (errno != 0 || *end != '\0' || i < 0 || (size_t)i >= config.n)
		return -1;
	return (int)i;
}

void hidshim_log(size_t idx, const char *what)
{
	char line[128];
	int fd, n;

	if (config.log[0] == '\0')
		return;
	n = snprintf(line, sizeof(line), "hidraw%zu %s\n", idx, what);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	/* One write on an O_APPEND descriptor: lines of several processes never mix. */
	if ((fd = open(config.log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0)
		return;
	(void)fchmod(fd, 0666);  /* helpers log as whichever user they run as */
	if (write(fd, line, (size_t)n) != n)
		(void)0;  /* a lost log line shows as a failed assertion */
	close(fd);
}

static bool parse_mode(const char *s, struct hidshim_dev *d)
{
	char *end;

	if (s == NULL || strcmp(s, "normal") == 0)
		d->mode = HIDSHIM_NORMAL;
	else if (strcmp(s, "stall") == 0)
		d->mode = HIDSHIM_STALL;
	else if (strcmp(s, "garbage") == 0)
		d->mode = HIDSHIM_GARBAGE;
	else if (strcmp(s, "nonfido") == 0)
		d->mode = HIDSHIM_NONFIDO;
	else if (strncmp(s, "unplug=", 7) == 0) {
		d->mode = HIDSHIM_UNPLUG;
		d->unplug_after = (unsigned)strtoul(s + 7, &end, 10);
		return *end == '\0' && s[7] != '\0';
	} else
		return false;
	return true;
}

/* "STATE[,MODE]" or "log=PATH"; a bad entry is reported and skipped. */
static void parse_entry(char *e)
{
	struct hidshim_dev *d = &config.dev[config.n];
	char *comma = strchr(e, ',');

	if (strncmp(e, "log=", 4) == 0) {
		snprintf(config.log, sizeof(config.log), "%s", e + 4);
		return;
	}
	if (comma != NULL)
		*comma = '\0';
	if (config.n >= HIDSHIM_MAX_DEVICES || strlen(e) >= sizeof(d->state) ||
	    !parse_mode(comma != NULL ? comma + 1 : NULL, d)) {
		fprintf(stderr, "hidshim: device entry \"%s\" not understood: skipped\n", e);
		return;
	}
	memcpy(d->state, e, strlen(e) + 1);
	config.n++;
}

static void parse_list(char *list)
{
	char *save = NULL;

	for (char *e = strtok_r(list, ":\n", &save); e != NULL; e = strtok_r(NULL, ":\n", &save))
		parse_entry(e);
}

/* The fixed list: root's file, not a link, writable by root only. */
static void read_fixed_list(void)
{
	static char buf[LIST_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(HIDSHIM_FIXED_LIST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
	    (st.st_mode & 022) == 0 && (n = read(fd, buf, LIST_MAX)) > 0) {
		buf[n] = '\0';
		parse_list(buf);
	}
	close(fd);
}

__attribute__((constructor)) static void hidshim_load(void)
{
	const char *env = getauxval(AT_SECURE) ? NULL : getenv("PR_HIDSHIM_DEVICES");
	const char *log = getauxval(AT_SECURE) ? NULL : getenv("PR_HIDSHIM_LOG");
	char *copy;

	if (env == NULL || env[0] == '\0') {
		read_fixed_list();
		return;
	}
	if ((copy = strdup(env)) == NULL)
		return;
	parse_list(copy);
	free(copy);
	if (log != NULL)
		snprintf(config.log, sizeof(config.log), "%s", log);
}

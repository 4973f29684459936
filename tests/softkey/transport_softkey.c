/*
 * Test transport (lib/transport.h): software authenticators instead of HID
 * devices. Linked into test builds only (tests/softkey-build/), never into
 * a release build.
 *
 * Devices: PRACTICERUNNER_SOFTKEY names softkey state files, separated by
 * ':'. Unset or empty: no devices. A file that is missing, unsafe or does
 * not parse is an unplugged key (fido_dev_open fails, the device is
 * skipped). In a setuid/setgid process (AT_SECURE) the environment belongs
 * to the caller and is not trusted: the list is read instead from the fixed,
 * root-owned file SOFTKEY_SECURE_LIST (same syntax, ':' or newlines), which
 * tests bind-mount into a private mount namespace.
 *
 * Anchors: the softkey test CA (SOFTKEY_CA_PEM, set by the build), so that
 * test builds classify yubikey5 and u2f softkeys as physical keys, unless
 * PRACTICERUNNER_SOFTKEY_NO_TEST_CA=1.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "err.h"
#include "transport.h"
#include "softkey.h"

#ifndef SOFTKEY_CA_PEM
#error "SOFTKEY_CA_PEM must name the softkey test CA certificate (set by the build)"
#endif
#ifndef SOFTKEY_SECURE_LIST
#define SOFTKEY_SECURE_LIST "/etc/practicerunner/softkey-devices"
#endif

#define ENV_DEVICES "PRACTICERUNNER_SOFTKEY"
#define ENV_NO_TEST_CA "PRACTICERUNNER_SOFTKEY_NO_TEST_CA"
#define ENV_TEST_POINT "PRACTICERUNNER_TEST_POINT"
#define LIST_MAX 4096

static const fido_dev_io_t softkey_io = {
	sk_io_open, sk_io_close, sk_io_read, sk_io_write,
};

static void devices_reset(struct pr_devices *d)
{
	d->n = 0;
	for (size_t i = 0; i < PR_MAX_DEVICES; i++)
		d->dev[i] = NULL;
}

/* A state file that will not open is a key that is not plugged in. */
static void device_try_open(struct pr_devices *out, const char *path)
{
	fido_dev_t *dev = NULL;

	if ((dev = fido_dev_new()) == NULL)
		return;
	if (fido_dev_set_io_functions(dev, &softkey_io) != FIDO_OK ||
	    fido_dev_open(dev, path) != FIDO_OK) {
		fido_dev_free(&dev);
		return;
	}
	out->dev[out->n++] = dev;
}

/* The fixed list for untrusted environments: root's file, no links. */
static int read_secure_list(char **out)
{
	struct stat st;
	char *buf = NULL;
	int fd, r = PR_ERR_UNSAFE_FILE;

	*out = NULL;
	if ((fd = open(SOFTKEY_SECURE_LIST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK)) < 0)
		return PR_OK;  /* no list: no devices */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0)
		goto fail;
	r = PR_ERR_NOMEM;
	if ((buf = calloc(1, LIST_MAX + 1)) == NULL)
		goto fail;
	r = PR_ERR_IO;
	if (read(fd, buf, LIST_MAX) < 0)
		goto fail;
	*out = buf;
	buf = NULL;
	r = PR_OK;
fail:
	free(buf);
	close(fd);
	return r;
}

static int device_list(char **out)
{
	const char *env;

	*out = NULL;
	if (getauxval(AT_SECURE) != 0)
		return read_secure_list(out);
	/*
	 * practicerunner-verify run by the module from a root process its user
	 * controls (su run by a user) is root all through, with an empty
	 * environment: the fixed list is the one the module's host read.
	 */
	if ((env = getenv(ENV_DEVICES)) == NULL && getuid() == 0 && environ != NULL &&
	    environ[0] != NULL && strcmp(environ[0], "PATH=" "/usr/sbin:/usr/bin:/sbin:/bin") == 0 &&
	    environ[1] == NULL)
		return read_secure_list(out);
	if (env == NULL || env[0] == '\0')
		return PR_OK;
	return (*out = strdup(env)) != NULL ? PR_OK : PR_ERR_NOMEM;
}

int pr_devices_open(struct pr_devices *out)
{
	char *list = NULL, *save = NULL;
	int r;

	devices_reset(out);
	if ((r = device_list(&list)) != PR_OK || list == NULL)
		return r;
	for (char *p = strtok_r(list, ":\n", &save); p != NULL &&
	    out->n < PR_MAX_DEVICES; p = strtok_r(NULL, ":\n", &save))
		device_try_open(out, p);
	free(list);
	return PR_OK;
}

void pr_devices_close(struct pr_devices *d)
{
	for (size_t i = 0; i < d->n; i++) {
		fido_dev_close(d->dev[i]);
		fido_dev_free(&d->dev[i]);
	}
	d->n = 0;
}

static X509 *load_test_ca(void)
{
	X509 *cert = NULL;
	FILE *f = NULL;
	int fd;

	if ((fd = open(SOFTKEY_CA_PEM, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return cert;
}

/*
 * Turning the test CA off only makes a build trust less, so the variable is
 * honoured even where the environment is not trusted.
 */
int pr_transport_add_anchors(X509_STORE *store)
{
	const char *off = getenv(ENV_NO_TEST_CA);
	X509 *ca = NULL;
	int r = PR_OK;

	if (off != NULL && strcmp(off, "1") == 0)
		return PR_OK;
	if (store == NULL)
		return PR_ERR_INVALID_ARG;
	if ((ca = load_test_ca()) == NULL)
		return PR_ERR_NOT_FOUND;
	if (X509_STORE_add_cert(store, ca) != 1)
		r = PR_ERR_NOMEM;
	X509_free(ca);
	return r;
}

/*
 * PRACTICERUNNER_TEST_POINT="<point>:kill|stop" (transport.h); never from
 * a caller's environment in a setuid process (AT_SECURE).
 */
void pr_transport_test_point(const char *point)
{
	const char *env = getauxval(AT_SECURE) ? NULL : getenv(ENV_TEST_POINT), *colon;
	size_t n = strlen(point);

	if (env == NULL || (colon = strrchr(env, ':')) == NULL || (size_t)(colon - env) != n ||
	    strncmp(env, point, n) != 0)
		return;
	if (strcmp(colon + 1, "kill") == 0)
		raise(SIGKILL);
	else if (strcmp(colon + 1, "stop") == 0)
		raise(SIGSTOP);
}

const char *pr_transport_name(void)
{
	return "softkey";
}

/*
 * The `web { }` section's rules (config_web.h). Origins are compared by
 * the verifier byte for byte with what the browser puts in
 * clientDataJSON, so only the form a browser produces is accepted here:
 * a form that could never match is a configuration error, said at once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_web.h"
#include "secure_file.h"

#define HOST_MAX 253
#define LABEL_MAX 63

bool pr_web_enabled(const struct pr_web_conf *w)
{
	return w != NULL && w->origin != NULL;
}

/* One DNS label: lower-case letters, digits, inner hyphens. */
static bool label_valid(const char *s, size_t n)
{
	if (n == 0 || n > LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* A lower-case DNS name of n bytes; an all-numeric last label would be an IPv4 address. */
static bool dns_name_valid(const char *s, size_t n)
{
	size_t start = 0, last = 0;

	if (n == 0 || n > HOST_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!label_valid(s + start, i - start))
			return false;
		last = start;
		start = i + 1;
	}
	return strspn(s + last, "0123456789") != n - last;
}

/* Decimal 1..65535 without a leading zero, n bytes. */
static bool port_valid(const char *s, size_t n, long *port)
{
	long v = 0;

	if (n == 0 || n > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*port = v;
	return v >= 1 && v <= 65535;
}

bool pr_web_origin_valid(const char *origin)
{
	const char *host, *colon;
	size_t n;
	long port;

	if (origin == NULL || strncmp(origin, "https://", 8) != 0)
		return false;
	host = origin + 8;
	colon = strchr(host, ':');
	n = colon != NULL ? (size_t)(colon - host) : strlen(host);
	if (!dns_name_valid(host, n))
		return false;
	if (colon == NULL)
		return true;
	return port_valid(colon + 1, strlen(colon + 1), &port) && port != 443;
}

bool pr_web_origin_host(const char *origin, char *buf, size_t size)
{
	const char *host;
	size_t n;

	if (!pr_web_origin_valid(origin))
		return false;
	host = origin + 8;
	n = strcspn(host, ":");
	if (n >= size)
		return false;
	memcpy(buf, host, n);
	buf[n] = '\0';
	return true;
}

bool pr_web_listen_valid(const char *listen)
{
	char addr[64];
	unsigned char bin[16];
	const char *colon;
	size_t n;
	long port;

	if (listen == NULL || (colon = strrchr(listen, ':')) == NULL ||
	    !port_valid(colon + 1, strlen(colon + 1), &port))
		return false;
	n = (size_t)(colon - listen);
	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {
		if (n - 2 >= sizeof(addr))
			return false;
		memcpy(addr, listen + 1, n - 2);
		addr[n - 2] = '\0';
		return inet_pton(AF_INET6, addr, bin) == 1;
	}
	if (n >= sizeof(addr))
		return false;
	memcpy(addr, listen, n);
	addr[n] = '\0';
	return inet_pton(AF_INET, addr, bin) == 1;
}

bool pr_web_rp_id_fits(const char *rp_id, const char *host)
{
	size_t r, h;

	if (rp_id == NULL || host == NULL || !dns_name_valid(rp_id, strlen(rp_id)))
		return false;
	r = strlen(rp_id);
	h = strlen(host);
	if (h == r)
		return strcmp(host, rp_id) == 0;
	/* a parent domain: "gate.clinic.example" under "clinic.example", never "evilclinic.example" */
	return h > r && host[h - r - 1] == '.' && strcmp(host + h - r, rp_id) == 0;
}

const char *pr_web_conf_check(const struct pr_web_conf *w, bool given, struct pr_errbuf *eb)
{
	const char *key = NULL;

	if (!given && w->origin == NULL)
		return NULL;
	if (w->origin == NULL)
		key = "origin";
	else if (w->cert_file == NULL)
		key = "cert_file";
	else if (w->key_file == NULL)
		key = "key_file";
	if (key != NULL)
		pr_fail(eb, PR_ERR_CONFIG, "the web gate needs web { %s = ... }: set it, or remove "
		    "the web section (see practicerunner.conf(5), \"The web section\")", key);
	return key;
}

/* Open without following a link, check owner and forbidden mode bits, close. */
static int file_check(const char *what, const char *path, mode_t forbidden,
    const char *mode_words, struct pr_errbuf *eb)
{
	enum pr_file_status st;
	int fd = -1;

	st = pr_secure_open(AT_FDCWD, path, O_RDONLY, forbidden, &fd);
	if (fd >= 0)
		close(fd);
	if (st == PR_FILE_OK)
		return PR_OK;
	if (st == PR_FILE_BAD_MODE)
		return pr_fail(eb, PR_ERR_UNSAFE_FILE, "web { %s }: %s is %s: chmod %s %s", what,
		    path, mode_words, forbidden == 077 ? "600" : "644", path);
	return pr_fail(eb, pr_file_status_err(st), "web { %s }: %s %s (it must be a regular "
	    "file owned by root, not a link)", what, path, pr_file_status_text(st));
}

int pr_web_deploy_check(const struct pr_web_conf *w, const char *rp_id, struct pr_errbuf *eb)
{
	char host[HOST_MAX + 1];
	int r;

	if (!pr_web_enabled(w))
		return PR_OK;
	if (!pr_web_origin_host(w->origin, host, sizeof(host)))
		return pr_fail(eb, PR_ERR_CONFIG, "web { origin = \"%s\" } is not https://host[:port]",
		    w->origin);
	if (!pr_web_rp_id_fits(rp_id, host))
		return pr_fail(eb, PR_ERR_CONFIG, "rp_id \"%s\" cannot be used by a browser at %s: a "
		    "browser uses an rp id only when it is the page's host or a domain above it. "
		    "Set rp_id to a DNS domain the clinic controls (e.g. \"%s\") and enroll keys "
		    "again for the web gate (see \"The web section\" in practicerunner.conf(5))", rp_id,
		    w->origin, host);
	if ((r = file_check("key_file", w->key_file, 077, "readable or writable by group or others",
	    eb)) != PR_OK)
		return r;
	return file_check("cert_file", w->cert_file, 022, "writable by group or others", eb);
}

bool pr_web_group_name_valid(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	return n > 0 && n <= 32 && name[0] != '-' &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

void pr_web_conf_clear(struct pr_web_conf *w)
{
	if (w == NULL)
		return;
	free(w->origin);
	free(w->listen);
	free(w->cert_file);
	free(w->key_file);
	free(w->control_socket);
	free(w->control_group);
	free(w->grant_service);
	memset(w, 0, sizeof(*w));
}

/*
 * The remote address of a process's TCP connection, from /proc (see
 * procpeer.h). Everything is read through a descriptor of /proc/PID
 * opened once, so a process that ends meanwhile makes the reads fail
 * (ESRCH) instead of reaching a newer process with the same id; every
 * open refuses a symbolic link at its last component, and every read is
 * bounded. The kernel's formats (net/ipv4/tcp_ipv4.c get_tcp4_sock,
 * net/ipv6/tcp_ipv6.c get_tcp6_sock):
 *
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
 *   "%4d: %08X:%04X %08X:%04X %02X ..." and, for tcp6, 4 x %08X per address
 *
 * Each %08X is a 32-bit word of the address in network order printed as
 * a host-order integer, so copying the parsed word back into memory gives
 * the address's bytes on any host.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "procpeer.h"

#define MAX_FDS 4096              /* descriptor entries looked at */
#define MAX_SOCKETS 64            /* socket inodes kept; more: give up */
#define MAX_LINE 512              /* a tcp6 line is about 180 bytes */
#define MAX_LINES 1000000         /* lines read from one table */
#define MAX_TOKENS 12
#define TCP_LISTEN 0x0A
#define PORT_DIGITS 4

struct sockset {
	unsigned long v[MAX_SOCKETS];
	size_t n;
	bool overflow;
};

/* What the tables said about our sockets: one address, or a disagreement. */
struct peer {
	char addr[PR_PEER_ADDR_LEN];
	bool found;
	bool ambiguous;
};

/* Exactly n (1..8) hex digits of s. */
static bool hex_word(const char *s, size_t n, uint32_t *v)
{
	uint32_t w = 0;

	if (n == 0 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		w = w << 4 | (uint32_t)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
		    tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*v = w;
	return true;
}

/* 1..20 decimal digits and nothing else, without overflow. */
static bool decimal(const char *s, size_t n, unsigned long *v)
{
	unsigned long x = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) || x > (ULONG_MAX - 9) / 10)
			return false;
		x = x * 10 + (unsigned long)(s[i] - '0');
	}
	*v = x;
	return true;
}

int pr_proc_socket_inode(const char *link, unsigned long *inode)
{
	static const char prefix[] = "socket:[";
	size_t n;

	if (link == NULL || strncmp(link, prefix, sizeof(prefix) - 1) != 0)
		return PR_ERR_NOT_FOUND;
	link += sizeof(prefix) - 1;
	n = strlen(link);
	if (n < 2 || link[n - 1] != ']' || !decimal(link, n - 1, inode))
		return PR_ERR_NOT_FOUND;
	return PR_OK;
}

/* "ADDR:PORT" of a table line: the address as text, the port as a number. */
static bool endpoint(const char *tok, bool v6, char out[PR_PEER_ADDR_LEN], uint32_t *port)
{
	size_t words = v6 ? 4 : 1, alen = words * 8;
	unsigned char a[16];

	if (strlen(tok) != alen + 1 + PORT_DIGITS || tok[alen] != ':' ||
	    !hex_word(tok + alen + 1, PORT_DIGITS, port))
		return false;
	for (size_t i = 0; i < words; i++) {
		uint32_t w;

		if (!hex_word(tok + 8 * i, 8, &w))
			return false;
		memcpy(a + 4 * i, &w, 4);    /* host-order integer -> network bytes */
	}
	if (!v6)
		return inet_ntop(AF_INET, a, out, PR_PEER_ADDR_LEN) != NULL;
	/* sshd shows a v4 client of a v6 socket as the v4 address: so do we. */
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)a))
		return inet_ntop(AF_INET, a + 12, out, PR_PEER_ADDR_LEN) != NULL;
	return inet_ntop(AF_INET6, a, out, PR_PEER_ADDR_LEN) != NULL;
}

/* Split buf in place on blanks: the number of tokens, at most MAX_TOKENS. */
static size_t tokens(char *buf, char *tok[MAX_TOKENS])
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(buf, " \t\n", &save); t != NULL && n < MAX_TOKENS;
	    t = strtok_r(NULL, " \t\n", &save))
		tok[n++] = t;
	return n;
}

int pr_proc_tcp_line(const char *line, bool v6, unsigned long *inode,
    char out[PR_PEER_ADDR_LEN])
{
	char buf[MAX_LINE], *tok[MAX_TOKENS], local[PR_PEER_ADDR_LEN];
	uint32_t lport, rport, state;
	unsigned long sl;
	size_t n, len;

	if (line == NULL || (len = strlen(line)) >= sizeof(buf))
		return PR_ERR_CORRUPT;
	memcpy(buf, line, len + 1);
	n = tokens(buf, tok);
	if (n > 0 && strcmp(tok[0], "sl") == 0)
		return PR_ERR_NOT_FOUND;    /* the header */
	if (n < 10 || (len = strlen(tok[0])) < 2 || tok[0][len - 1] != ':' ||
	    !decimal(tok[0], len - 1, &sl) || !endpoint(tok[1], v6, local, &lport) ||
	    !endpoint(tok[2], v6, out, &rport) || strlen(tok[3]) != 2 ||
	    !hex_word(tok[3], 2, &state) || !decimal(tok[9], strlen(tok[9]), inode))
		return PR_ERR_CORRUPT;
	/* A listener, a socket never connected, a time-wait entry (inode 0). */
	if (state == TCP_LISTEN || rport == 0 || *inode == 0)
		return PR_ERR_NOT_FOUND;
	return PR_OK;
}

static bool in_set(const struct sockset *set, unsigned long inode)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i] == inode)
			return true;
	return false;
}

/* The socket inodes behind the descriptors of the process. */
static int socket_inodes(int piddir, struct sockset *set)
{
	int fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *e;
	size_t seen = 0;
	DIR *d;

	if (fd < 0)
		return PR_ERR_IO;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return PR_ERR_IO;
	}
	while ((e = readdir(d)) != NULL && seen++ < MAX_FDS) {
		char link[64];
		unsigned long inode;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		/* readlinkat reads the link itself: nothing is followed. */
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 0 || (size_t)n >= sizeof(link) - 1)
			continue;    /* gone meanwhile, or too long to be a socket */
		link[n] = '\0';
		if (pr_proc_socket_inode(link, &inode) != PR_OK)
			continue;
		if (set->n == MAX_SOCKETS)
			set->overflow = true;
		else
			set->v[set->n++] = inode;
	}
	closedir(d);
	return PR_OK;
}

/* Skip the rest of a line longer than the buffer. */
static void skip_line(FILE *f)
{
	int c;

	while ((c = getc(f)) != EOF && c != '\n')
		;
}

/* Read one table (net/tcp or net/tcp6) for the sockets in set. */
static int scan_table(int piddir, const char *name, bool v6, const struct sockset *set,
    struct peer *p)
{
	int fd = openat(piddir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char line[MAX_LINE], addr[PR_PEER_ADDR_LEN];
	unsigned long inode;
	FILE *f;

	if (fd < 0)
		return errno == ENOENT ? PR_OK : PR_ERR_IO;    /* no IPv6: no tcp6 */
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return PR_ERR_IO;
	}
	for (long i = 0; i < MAX_LINES && fgets(line, sizeof(line), f) != NULL; i++) {
		if (strchr(line, '\n') == NULL && !feof(f)) {
			skip_line(f);
			continue;    /* not a line the kernel writes: not ours */
		}
		if (pr_proc_tcp_line(line, v6, &inode, addr) != PR_OK || !in_set(set, inode))
			continue;
		if (!p->found)
			memcpy(p->addr, addr, sizeof(addr));
		else if (strcmp(p->addr, addr) != 0)
			p->ambiguous = true;
		p->found = true;
	}
	fclose(f);
	return PR_OK;
}

int pr_proc_peer_addr(pid_t pid, char out[PR_PEER_ADDR_LEN])
{
	struct sockset set = { .n = 0 };
	struct peer p = { .found = false };
	char path[32];
	int piddir, r;

	out[0] = '\0';
	if (pid <= 0)
		return PR_ERR_INVALID_ARG;
	snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	if ((piddir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return PR_ERR_IO;
	r = socket_inodes(piddir, &set);
	if (r == PR_OK && set.n > 0 && !set.overflow)
		r = scan_table(piddir, "net/tcp", false, &set, &p);
	if (r == PR_OK && set.n > 0 && !set.overflow)
		r = scan_table(piddir, "net/tcp6", true, &set, &p);
	close(piddir);
	if (r != PR_OK)
		return r;
	if (!p.found || p.ambiguous)
		return PR_ERR_NOT_FOUND;
	memcpy(out, p.addr, sizeof(p.addr));
	return PR_OK;
}

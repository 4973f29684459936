/*
 * Unit tests of lib/procpeer.c: the fd link and /proc/net/tcp{,6} line
 * parsers against crafted lines (every malformed form refused), then the
 * lookup against real sockets: a child process holding one connection to
 * 127.0.0.1 (as sshd's monitor holds the client's), this process holding
 * the other end, a v4 client of a dual-stack v6 listener, two peers
 * (ambiguous: no address), no socket at all, no such process.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "procpeer.h"
#include "testlib.h"

#define TAIL " 01 00000000:00000000 00:00000000 00000000     0        0 %s 1 0000000000000000 20 4 30 10 -1\n"

/* An IPv4 address as the kernel prints it: the network-order word as a host integer. */
static void v4_hex(const char *addr, char out[9])
{
	struct in_addr a;
	uint32_t w;

	ck_assert_int_eq(inet_pton(AF_INET, addr, &a), 1);
	memcpy(&w, &a, 4);
	snprintf(out, 9, "%08X", w);
}

static void v6_hex(const char *addr, char out[33])
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, addr, &a), 1);
	for (int i = 0; i < 4; i++) {
		uint32_t w;

		memcpy(&w, a.s6_addr + 4 * i, 4);
		snprintf(out + 8 * i, 9, "%08X", w);
	}
}

/* A tcp line: local 127.0.0.1:22, remote addr:port, state st, inode. */
static char *v4_line(const char *remote, const char *port, const char *st, const char *inode)
{
	char l[9], r[9], *s;

	v4_hex("127.0.0.1", l);
	v4_hex(remote, r);
	ck_assert_int_gt(asprintf(&s, "   0: %s:0016 %s:%s %s 00000000:00000000 00:00000000 "
	    "00000000     0        0 %s 1 0000000000000000 20 4 30 10 -1\n", l, r, port, st,
	    inode), 0);
	return s;
}

START_TEST(socket_links)
{
	static const char *bad[] = {
		"socket:[]", "socket:[12a]", "socket:[123", "pipe:[123]", "socket:[123]x",
		"socket:[-1]", "socket:[+1]", "socket:[ 1]", "socket:[123456789012345678901]",
		"anon_inode:[eventpoll]", "/dev/null", "", "socket:",
	};
	unsigned long ino = 0;

	ck_assert_int_eq(pr_proc_socket_inode("socket:[4026531840]", &ino), PR_OK);
	ck_assert_uint_eq(ino, 4026531840UL);
	for (int i = 0; i < NROWS(bad); i++)
		ck_assert_msg(pr_proc_socket_inode(bad[i], &ino) == PR_ERR_NOT_FOUND, "%s", bad[i]);
	ck_assert_int_eq(pr_proc_socket_inode(NULL, &ino), PR_ERR_NOT_FOUND);
}
END_TEST

START_TEST(tcp_lines)
{
	char addr[PR_PEER_ADDR_LEN], *s;
	unsigned long ino = 0;

	s = v4_line("192.0.2.7", "C350", "01", "12345");
	ck_assert_int_eq(pr_proc_tcp_line(s, false, &ino, addr), PR_OK);
	ck_assert_uint_eq(ino, 12345);
	ck_assert_str_eq(addr, "192.0.2.7");
	ck_assert_int_eq(pr_proc_tcp_line(s, true, &ino, addr), PR_ERR_CORRUPT);
	free(s);
	/* Closing, but still the connection: counted. */
	s = v4_line("192.0.2.7", "C350", "08", "12345");
	ck_assert_int_eq(pr_proc_tcp_line(s, false, &ino, addr), PR_OK);
	free(s);
	/* Not a connection: a listener, time-wait (inode 0), no remote port. */
	s = v4_line("0.0.0.0", "0000", "0A", "777");
	ck_assert_int_eq(pr_proc_tcp_line(s, false, &ino, addr), PR_ERR_NOT_FOUND);
	free(s);
	s = v4_line("192.0.2.7", "C350", "06", "0");
	ck_assert_int_eq(pr_proc_tcp_line(s, false, &ino, addr), PR_ERR_NOT_FOUND);
	free(s);
	s = v4_line("192.0.2.7", "0000", "07", "99");
	ck_assert_int_eq(pr_proc_tcp_line(s, false, &ino, addr), PR_ERR_NOT_FOUND);
	free(s);
	ck_assert_int_eq(pr_proc_tcp_line("  sl  local_address rem_address   st tx_queue "
	    "rx_queue tr tm->when retrnsmt   uid  timeout inode\n", false, &ino, addr),
	    PR_ERR_NOT_FOUND);
}
END_TEST

START_TEST(tcp6_lines)
{
	char addr[PR_PEER_ADDR_LEN], l[33], r[33], line[400];
	unsigned long ino = 0;

	v6_hex("::1", l);
	v6_hex("2001:db8::42", r);
	snprintf(line, sizeof(line), "   3: %s:0016 %s:D431" TAIL, l, r, "98765");
	ck_assert_int_eq(pr_proc_tcp_line(line, true, &ino, addr), PR_OK);
	ck_assert_uint_eq(ino, 98765);
	ck_assert_str_eq(addr, "2001:db8::42");
	ck_assert_int_eq(pr_proc_tcp_line(line, false, &ino, addr), PR_ERR_CORRUPT);
	/* A v4 client of a v6 socket: shown as sshd shows it. */
	v6_hex("::ffff:10.1.2.3", r);
	snprintf(line, sizeof(line), "   3: %s:0016 %s:D431" TAIL, l, r, "98765");
	ck_assert_int_eq(pr_proc_tcp_line(line, true, &ino, addr), PR_OK);
	ck_assert_str_eq(addr, "10.1.2.3");
}
END_TEST

/* Broken forms of a good v4 line: each one refused, none read as a connection. */
static const char *const bad_lines[] = {
	"",
	"\n",
	"garbage\n",
	"   0: 0100007F:0016 0700007F:C350 01\n",                               /* short */
	"   0 0100007F:0016 0700007F:C350" TAIL,                                /* no colon */
	"   x: 0100007F:0016 0700007F:C350" TAIL,
	"   0: 0100007F:0016 0700007G:C350" TAIL,                               /* bad hex */
	"   0: 0100007F:0016 0700007F0:C350" TAIL,                              /* long address */
	"   0: 0100007F:0016 0700007:C350" TAIL,                                /* short address */
	"   0: 0100007F:0016 0700007F:C3500" TAIL,                              /* long port */
	"   0: 0100007F:0016 0700007F;C350" TAIL,
	"   0: 0100007F:0016 0700007F:C350 1 00000000:00000000 00:00000000 00000000 0 0 5 1\n",
	"   0: 0100007F:0016 0700007F:C350 01 00000000:00000000 00:00000000 00000000 0 0 -5 1\n",
	"   0: 0100007F:0016 0700007F:C350 01 00000000:00000000 00:00000000 00000000 0 0 5x 1\n",
	"   0: 0100007F:0016 0700007F:C350 01 00000000:00000000 00:00000000 00000000 0 0 "
	    "123456789012345678901 1\n",
	"   0: 0100007F:0016 0700007F:C350 01 00000000:00000000 00:00000000 00000000 0 0 "
	    "99999999999999999999 1\n",                                           /* > ULONG_MAX */
};

START_TEST(bad_forms)
{
	char addr[PR_PEER_ADDR_LEN];
	unsigned long ino = 0;

	ck_assert_msg(pr_proc_tcp_line(bad_lines[_i], false, &ino, addr) == PR_ERR_CORRUPT,
	    "%s", bad_lines[_i]);
}
END_TEST

START_TEST(overlong_line)
{
	char addr[PR_PEER_ADDR_LEN], *s, *big;
	unsigned long ino = 0;

	s = v4_line("192.0.2.7", "C350", "01", "12345");
	ck_assert_ptr_nonnull(big = calloc(1, 1000));
	memset(big, ' ', 900);
	memcpy(big + 900 - strlen(s), s, strlen(s));
	ck_assert_int_eq(pr_proc_tcp_line(big, false, &ino, addr), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_proc_tcp_line(NULL, false, &ino, addr), PR_ERR_CORRUPT);
	free(big);
	free(s);
}
END_TEST

/* A TCP listener on addr (family af), its port in *port. */
static int listener(int af, const char *addr, int *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	if (af == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, &a->sin_addr), 1);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		int off = 0;

		ck_assert_int_eq(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)), 0);
		a->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &a->sin6_addr), 1);
		len = sizeof(*a);
	}
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* A v4 socket from src connected to 127.0.0.1:port. */
static int client_from(const char *src, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, d = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, src, &a.sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	d.sin_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &d.sin_addr), 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&d, sizeof(d)), 0);
	return fd;
}

/*
 * A child holding one connection from src to 127.0.0.1:port (none when
 * port is 0), until *stop is closed; *ready tells it is connected.
 */
static pid_t child_with(const char *src, int port, int listen_fd, int *stop)
{
	int go[2], halt[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(halt), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		close(listen_fd);
		close(go[0]);
		close(halt[1]);
		if (port != 0)
			client_from(src, port);
		if (write(go[1], "r", 1) != 1)
			_exit(1);
		while (read(halt[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(go[1]);
	close(halt[0]);
	ck_assert_int_eq(read(go[0], &c, 1), 1);
	close(go[0]);
	*stop = halt[1];
	return pid;
}

static void end_child(pid_t pid, int stop)
{
	int st;

	close(stop);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

START_TEST(live_connection)
{
	char addr[PR_PEER_ADDR_LEN];
	int port, lfd = listener(AF_INET, "127.0.0.1", &port), stop, afd;
	pid_t pid = child_with("127.0.0.5", port, lfd, &stop);

	ck_assert_int_ge(afd = accept(lfd, NULL, NULL), 0);
	/* The child, like sshd's monitor: the address it is connected to. */
	ck_assert_int_eq(pr_proc_peer_addr(pid, addr), PR_OK);
	ck_assert_str_eq(addr, "127.0.0.1");
	/* This process: the listener is ignored, the accepted end names the client. */
	ck_assert_int_eq(pr_proc_peer_addr(getpid(), addr), PR_OK);
	ck_assert_str_eq(addr, "127.0.0.5");
	end_child(pid, stop);
	close(afd);
	close(lfd);
}
END_TEST

START_TEST(live_mapped)
{
	char addr[PR_PEER_ADDR_LEN];
	int port, lfd, stop, afd;
	pid_t pid;

	if ((lfd = socket(AF_INET6, SOCK_STREAM, 0)) < 0)
		return;    /* no IPv6 here: nothing to test */
	close(lfd);
	lfd = listener(AF_INET6, "::", &port);
	pid = child_with("127.0.0.6", port, lfd, &stop);
	ck_assert_int_ge(afd = accept(lfd, NULL, NULL), 0);
	ck_assert_int_eq(pr_proc_peer_addr(getpid(), addr), PR_OK);
	ck_assert_str_eq(addr, "127.0.0.6");
	end_child(pid, stop);
	close(afd);
	close(lfd);
}
END_TEST

START_TEST(live_ambiguous)
{
	char addr[PR_PEER_ADDR_LEN];
	int port, lfd = listener(AF_INET, "127.0.0.1", &port), c1, c2, a1, a2;

	c1 = client_from("127.0.0.5", port);
	c2 = client_from("127.0.0.6", port);
	ck_assert_int_ge(a1 = accept(lfd, NULL, NULL), 0);
	ck_assert_int_ge(a2 = accept(lfd, NULL, NULL), 0);
	/* Two peers: which one is the client cannot be told, so no address. */
	ck_assert_int_eq(pr_proc_peer_addr(getpid(), addr), PR_ERR_NOT_FOUND);
	ck_assert_str_eq(addr, "");
	close(a2);
	close(c2);
	close(c1);
	/* Left: a1, whose client closed (CLOSE_WAIT): still that client's address. */
	ck_assert_int_eq(pr_proc_peer_addr(getpid(), addr), PR_OK);
	ck_assert_str_eq(addr, "127.0.0.5");
	close(a1);
	close(lfd);
}
END_TEST

START_TEST(no_socket)
{
	char addr[PR_PEER_ADDR_LEN];
	int stop;
	pid_t pid = child_with(NULL, 0, -1, &stop);

	ck_assert_int_eq(pr_proc_peer_addr(pid, addr), PR_ERR_NOT_FOUND);
	end_child(pid, stop);
	/* Reaped: no such process (until the id is reused, which a test cannot wait for). */
	ck_assert_int_eq(pr_proc_peer_addr(0, addr), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_proc_peer_addr(-5, addr), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_proc_peer_addr(0x3ffffff0, addr), PR_ERR_IO);
}
END_TEST

static Suite *procpeer_suite(void)
{
	Suite *s = suite_create("procpeer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, socket_links);
	tcase_add_test(tc, tcp_lines);
	tcase_add_test(tc, tcp6_lines);
	tcase_add_loop_test(tc, bad_forms, 0, NROWS(bad_lines));
	tcase_add_test(tc, overlong_line);
	tcase_add_test(tc, live_connection);
	tcase_add_test(tc, live_mapped);
	tcase_add_test(tc, live_ambiguous);
	tcase_add_test(tc, no_socket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(procpeer_suite());
}

/*
 * The web gate's socket pair messages (helpers/webgate/wg_chan.c): a
 * message longer than the buffer is refused, never read as its prefix.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testlib.h"
#include "webgate.h"

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

/* msg sent on one end, then read on the other into cap bytes. */
static ssize_t through(int sv[2], const char *msg, char *buf, size_t cap)
{
	ck_assert_int_eq(send(sv[0], msg, strlen(msg), 0), (ssize_t)strlen(msg));
	errno = 0;
	return wg_chan_recv(sv[1], buf, cap, 0);
}

START_TEST(whole_message_read)
{
	char buf[16];
	int sv[2];

	pair(sv);
	ck_assert_int_eq(through(sv, "op=get\n", buf, sizeof(buf)), 7);
	ck_assert_int_eq(memcmp(buf, "op=get\n", 7), 0);
	/* Exactly the buffer's size is still whole. */
	ck_assert_int_eq(through(sv, "0123456789abcdef", buf, sizeof(buf)), 16);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(long_message_refused)
{
	char buf[8];
	int sv[2];

	pair(sv);
	ck_assert_int_eq(through(sv, "op=get\nuser=alice\n", buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	/* The rest of that message is gone with it: the next one reads whole. */
	ck_assert_int_eq(through(sv, "next", buf, sizeof(buf)), 4);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(end_and_empty)
{
	char buf[8];
	int sv[2];

	pair(sv);
	ck_assert_int_eq(wg_chan_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(sv[0]);
	ck_assert_int_eq(wg_chan_recv(sv[1], buf, sizeof(buf), 0), 0);
	close(sv[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wg_chan");
	TCase *tc = tcase_create("chan");

	tcase_add_test(tc, whole_message_read);
	tcase_add_test(tc, long_message_refused);
	tcase_add_test(tc, end_and_empty);
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}

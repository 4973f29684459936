/*
 * Unit tests of lib/webauthn/wa_addr.c: which browser addresses the
 * approval page's caps count as one client (IPv4 per address, IPv6 per
 * /64, IPv4-mapped as IPv4), both ways round, and text that is no address.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>

#include "testlib.h"
#include "webauthn/wa_addr.h"

static const struct {
	const char *a, *b;
	bool same;
} cases[] = {
	{ "192.0.2.1", "192.0.2.1", true },
	{ "192.0.2.1", "192.0.2.2", false },          /* IPv4: per address, not per /24 */
	{ "10.0.0.1", "10.0.0.1x", false },
	{ "2001:db8:1:2::1", "2001:db8:1:2::1", true },
	{ "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true },  /* one /64 */
	{ "2001:db8:1:2::1", "2001:0db8:0001:0002:0:0:0:2", true },       /* spelt otherwise */
	{ "2001:db8:1:2::1", "2001:db8:1:3::1", false },                  /* the next /64 */
	{ "2001:db8:1:2::1", "2001:db9:1:2::1", false },
	{ "::1", "::2", true },
	{ "fe80::1", "fe80::abcd:1", true },
	{ "::ffff:192.0.2.1", "192.0.2.1", true },    /* IPv4-mapped: its IPv4 address */
	{ "::ffff:192.0.2.1", "::ffff:192.0.2.2", false },
	{ "::ffff:192.0.2.1", "::ffff:c000:201", true },
	{ "::ffff:192.0.2.1", "::1", false },
	{ "192.0.2.1", "::c000:201", false },         /* IPv4-compatible is IPv6 (::/64) */
	{ "0.0.0.0", "::", false },                   /* zero bytes, other families */
	{ "192.0.2.1", "", false },
	{ "", "", true },                             /* no address: only the same text */
	{ "gate.example", "gate.example", true },
	{ "gate.example", "GATE.example", false },
	{ "fe80::1%eth0", "fe80::1%eth1", false },    /* a zone is no inet_pton address */
	{ "192.0.2.1 ", "192.0.2.1", false },
};

START_TEST(same_client_table)
{
	const char *a = cases[_i].a, *b = cases[_i].b;

	ck_assert_msg(pr_wa_addr_same_client(a, b) == cases[_i].same, "'%s' and '%s'", a, b);
	ck_assert_msg(pr_wa_addr_same_client(b, a) == cases[_i].same, "'%s' and '%s'", b, a);
}
END_TEST

START_TEST(null_is_nobody)
{
	ck_assert(!pr_wa_addr_same_client(NULL, NULL));
	ck_assert(!pr_wa_addr_same_client(NULL, "192.0.2.1"));
	ck_assert(!pr_wa_addr_same_client("192.0.2.1", NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wa_addr");
	TCase *tc = tcase_create("same_client");

	tcase_add_loop_test(tc, same_client_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, null_is_nobody);
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}

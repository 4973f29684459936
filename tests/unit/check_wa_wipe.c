/*
 * The web gate's request copies are wiped before they are freed
 * (lib/webauthn/wa_proto.c): the parser's copy of a request and the
 * formatter's buffer on its failure path hold "invitation=", a secret.
 * Linked with -Wl,--wrap=free, so every free() in this binary's objects,
 * lib/webauthn/ included, first passes here: while a test watches, a block
 * that still holds the token is noted.
 */
#include "config.h"

#include <check.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "testlib.h"
#include "webauthn/wa_proto.h"

#define TOKEN "K7QX-M2PA-9RTD-W4HN-C8ZB-F3JY-V6EL"
#define ID "00112233445566778899aabbccddeeff"
#define ENROLL_REQ "practicerunner-webauthn 1\nop=enroll\npending=" ID "\ninvitation=" TOKEN \
	"\nrhost=192.0.2.7\nuser_agent=test/1.0\n\n"

void __real_free(void *p);
void __wrap_free(void *p);

static bool watching, freed_token;

void __wrap_free(void *p)
{
	/* malloc_usable_size: what the allocator (or ASan, or valgrind) says the block holds. */
	if (watching && p != NULL && memmem(p, malloc_usable_size(p), TOKEN, strlen(TOKEN)) != NULL)
		freed_token = true;
	__real_free(p);
}

static void watch(void)
{
	freed_token = false;
	watching = true;
}

static bool unwatch(void)
{
	watching = false;
	return freed_token;
}

START_TEST(parsed_copy_wiped)
{
	struct pr_wa_req q;

	watch();
	ck_assert_int_eq(pr_wa_req_parse(ENROLL_REQ, strlen(ENROLL_REQ), &q, NULL), PR_OK);
	ck_assert_str_eq(q.invitation, TOKEN);
	pr_wa_req_clear(&q);
	ck_assert_msg(!unwatch(), "a copy of the request was freed with the invitation in it");
}
END_TEST

START_TEST(refused_copy_wiped)
{
	static const char bad[] = "practicerunner-webauthn 1\nop=enroll\npending=" ID
	    "\ninvitation=" TOKEN "\nrhost=192.0.2.7\nnonsense=1\n\n";
	struct pr_wa_req q;

	watch();
	ck_assert_int_ne(pr_wa_req_parse(bad, strlen(bad), &q, NULL), PR_OK);
	ck_assert_msg(!unwatch(), "a refused request's copy was freed with the invitation in it");
}
END_TEST

START_TEST(format_failure_wiped)
{
	struct pr_wa_req q;
	char *text = NULL;
	size_t len = 0;

	ck_assert_int_eq(pr_wa_req_parse(ENROLL_REQ, strlen(ENROLL_REQ), &q, NULL), PR_OK);
	/* A field after the invitation that cannot be sent: the buffer already holds it. */
	snprintf(q.user_agent, sizeof(q.user_agent), "a=b");
	watch();
	ck_assert_int_eq(pr_wa_req_format(&q, &text, &len), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(text);
	ck_assert_msg(!unwatch(), "a request that could not be formatted was freed with the "
	    "invitation in it");
	pr_wa_req_clear(&q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wa_wipe");
	TCase *tc = tcase_create("wipe");

	tcase_add_test(tc, parsed_copy_wiped);
	tcase_add_test(tc, refused_copy_wiped);
	tcase_add_test(tc, format_failure_wiped);
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}

/*
 * Unit tests of lib/keychange.c: the enroll and remove commits against a
 * real store and audit log in a temporary directory, with a fake front end
 * whose records can be made to fail. What is checked after each path: the
 * store (changed, unchanged or put back), which steps were recorded, the
 * audit log, and that no intent is left unless the change stands
 * unrecorded. No root needed.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "audit_intent.h"
#include "audit_pending.h"
#include "keychange.h"
#include "store.h"
#include "util.h"
#include "testlib.h"

#define USER "alice"
#define MAX_STEPS 8

static char dir[64];
static char logp[128];
static char pendp[160];

/* The fake front end: a real intent and real records, failures on request. */
struct fake {
	struct pr_audit_intent *intent;
	int begin_err;               /* begin fails with this (PR_OK: it works) */
	int prepare_err;             /* prepare fails with this */
	int record_err;              /* the success record fails with this */
	bool sabotage_undo;          /* the failing success record also undoes the change itself */
	int n_begin, n_prepare, n_undone, n_steps;
	enum pr_kc_step steps[MAX_STEPS];
	int errs[MAX_STEPS];
	bool stored_at_record;       /* whether the key was in the store at the success record */
	bool intent_at_prepare;      /* whether the intent was on file when prepare ran */
};

static struct pr_cred key_a, key_b;

static void make_cred(struct pr_cred *c, unsigned char seed, enum pr_class cls)
{
	memset(c, 0, sizeof(*c));
	c->id_len = 32;
	ck_assert_ptr_nonnull(c->id = malloc(c->id_len));
	memset(c->id, seed, c->id_len);
	c->cose_alg = -7;
	c->pubkey_len = 64;
	ck_assert_ptr_nonnull(c->pubkey = malloc(c->pubkey_len));
	memset(c->pubkey, seed ^ 0x5a, c->pubkey_len);
	c->cls = cls;
	c->kind = PR_KIND_FIDO;
	strcpy(c->fmt, "packed");
	c->created = 1795492170;
}

static void setup(void)
{
	strcpy(dir, "/tmp/check_keychange.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/audit.log", dir);
	snprintf(pendp, sizeof(pendp), "%s" PR_PENDING_SUFFIX, logp);
	make_cred(&key_a, 0xa1, PR_CLASS_PHYSICAL);
	make_cred(&key_b, 0xb2, PR_CLASS_PHYSICAL);
}

static void teardown(void)
{
	pr_cred_clear(&key_a);
	pr_cred_clear(&key_b);
	ck_assert_msg(test_rm_tree(AT_FDCWD, dir), "could not remove %s", dir);
}

static int count_intents(void)
{
	return test_count_intents(pendp);
}

static int count_records(void)
{
	char *text = test_exists(logp) ? test_slurp(logp) : NULL;
	int n = 0;

	for (char *p = text; p != NULL && (p = strchr(p, '\n')) != NULL; p++)
		n++;
	free(text);
	return n;
}

static bool stored(const struct pr_cred *c)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	bool found;

	ck_assert_msg(pr_store_load(PR_STATE_FILES(dir), USER, &l, &eb) == PR_OK, "load: %s", eb.msg);
	found = pr_credlist_find(&l, c->id, c->id_len) != NULL;
	pr_credlist_clear(&l);
	return found;
}

static void add(const struct pr_cred *c)
{
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_store_add(PR_STATE_FILES(dir), USER, c, &eb) == PR_OK, "add: %s", eb.msg);
}

static struct pr_audit_event event_of(const char *event, int err)
{
	struct pr_audit_event ev = {
		.event = event, .success = err == PR_OK, .reason = err == PR_OK ? NULL :
		pr_err_reason(err), .user = USER, .role = "staff", .service = "check_keychange",
		.rp_id = "pam://test", .flags = -1, .sign_count = -1, .actor = "root",
	};
	return ev;
}

static int fake_begin(void *arg, const char *event, const struct pr_cred *cred)
{
	struct fake *f = arg;
	struct pr_audit_event ev = event_of(event, PR_OK);

	(void)cred;
	f->n_begin++;
	if (f->begin_err != PR_OK)
		return f->begin_err;
	return pr_audit_intent_begin(logp, &ev, &f->intent, NULL);
}

static void fake_undo_itself(const char *event, const struct pr_cred *cred)
{
	char keyid[PR_KEYID_LEN + 1];

	pr_keyid(cred->id, cred->id_len, keyid);
	if (strcmp(event, "enroll") == 0)
		ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(dir), USER, keyid, NULL), PR_OK);
	else
		add(cred);
}

/* As cli_audit: a failure or a written record ends the intent; an unwritten success keeps it. */
static int fake_record(void *arg, const struct pr_cred *cred, const struct pr_kc_outcome *o)
{
	struct fake *f = arg;
	struct pr_audit_event ev = event_of(o->event, o->err);
	int r = PR_OK;

	ck_assert_int_lt(f->n_steps, MAX_STEPS);
	f->steps[f->n_steps] = o->step;
	f->errs[f->n_steps++] = o->err;
	if (o->step == PR_KC_DONE) {
		f->stored_at_record = stored(cred);
		r = f->record_err;
		if (r != PR_OK && f->sabotage_undo)
			fake_undo_itself(o->event, cred);
	}
	if (r == PR_OK)
		r = pr_audit_append(logp, &ev, NULL);
	if (o->err != PR_OK || r == PR_OK)
		pr_audit_intent_end(&f->intent);
	return r;
}

static void fake_undone(void *arg)
{
	struct fake *f = arg;

	f->n_undone++;
	pr_audit_intent_end(&f->intent);
}

static int fake_prepare(void *arg, const struct pr_cred *cred, struct pr_errbuf *eb)
{
	struct fake *f = arg;

	(void)cred;
	f->n_prepare++;
	f->intent_at_prepare = count_intents() == 1;
	if (f->prepare_err != PR_OK)
		return pr_fail(eb, f->prepare_err, "the invitation was withdrawn");
	return PR_OK;
}

static struct pr_kc_record rec_of(struct fake *f)
{
	struct pr_kc_record rec = { fake_begin, fake_record, fake_undone, fake_prepare, f };

	return rec;
}

/* After the commit: release what the fake still holds (an intent kept on purpose stays on file). */
static void fake_done(struct fake *f)
{
	pr_audit_intent_keep(&f->intent);
}

static int enroll(struct fake *f, const struct pr_cred *c, bool *unrecorded)
{
	const struct pr_kc_enroll e = { PR_STATE_FILES(dir), USER, c, false };
	const struct pr_kc_record rec = rec_of(f);
	int r = pr_keychange_enroll(&e, &rec, unrecorded);

	fake_done(f);
	return r;
}

static int remove_key(struct fake *f, const struct pr_cred *c, const enum pr_need *need,
    bool *unrecorded)
{
	const struct pr_kc_remove m = { PR_STATE_FILES(dir), USER, c, need, false };
	const struct pr_kc_record rec = rec_of(f);
	int r = pr_keychange_remove(&m, &rec, unrecorded);

	fake_done(f);
	return r;
}

/* One outcome, recorded once in the log, nothing undone, no intent left. */
static void assert_settled(const struct fake *f, enum pr_kc_step step, int err)
{
	ck_assert_int_eq(f->n_steps, 1);
	ck_assert_int_eq(f->steps[0], step);
	ck_assert_int_eq(f->errs[0], err);
	ck_assert_int_eq(f->n_undone, 0);
	ck_assert_int_eq(count_records(), 1);
	ck_assert_int_eq(count_intents(), 0);
}

/* ---- enroll -------------------------------------------------------------------------- */

START_TEST(enroll_recorded)
{
	struct fake f = { 0 };
	bool unrecorded = true;

	ck_assert_int_eq(enroll(&f, &key_a, &unrecorded), PR_OK);
	ck_assert(!unrecorded);
	ck_assert(stored(&key_a));
	ck_assert(f.stored_at_record);        /* the record follows the change */
	ck_assert(f.intent_at_prepare);       /* the intent precedes everything else */
	ck_assert_int_eq(f.n_prepare, 1);
	assert_settled(&f, PR_KC_DONE, PR_OK);
}
END_TEST

START_TEST(enroll_unrecorded_is_undone)
{
	struct fake f = { .record_err = PR_ERR_AUDIT };
	bool unrecorded = false;

	ck_assert_int_eq(enroll(&f, &key_a, &unrecorded), PR_ERR_AUDIT);
	ck_assert(unrecorded);
	ck_assert(f.stored_at_record);
	ck_assert(!stored(&key_a));           /* taken back out */
	ck_assert_int_eq(f.n_undone, 1);
	ck_assert_int_eq(count_records(), 0);
	ck_assert_int_eq(count_intents(), 0); /* nothing left to record */
}
END_TEST

/* The undo itself fails: the intent stays, so the next append records the change. */
START_TEST(enroll_undo_failed_keeps_intent)
{
	struct fake f = { .record_err = PR_ERR_AUDIT, .sabotage_undo = true };
	bool unrecorded = false;

	ck_assert_int_eq(enroll(&f, &key_a, &unrecorded), PR_ERR_AUDIT);
	ck_assert(unrecorded);
	ck_assert_int_eq(f.n_undone, 0);
	ck_assert_int_eq(count_intents(), 1);
}
END_TEST

START_TEST(enroll_begin_fails)
{
	struct fake f = { .begin_err = PR_ERR_IO };

	ck_assert_int_eq(enroll(&f, &key_a, NULL), PR_ERR_IO);
	ck_assert(!stored(&key_a));
	ck_assert_int_eq(f.n_prepare, 0);
	assert_settled(&f, PR_KC_BEGIN, PR_ERR_IO);
}
END_TEST

START_TEST(enroll_prepare_fails)
{
	struct fake f = { .prepare_err = PR_ERR_INVITE_INVALID };

	ck_assert_int_eq(enroll(&f, &key_a, NULL), PR_ERR_INVITE_INVALID);
	ck_assert(!stored(&key_a));
	assert_settled(&f, PR_KC_PREPARE, PR_ERR_INVITE_INVALID);
}
END_TEST

START_TEST(enroll_store_refuses)
{
	struct fake f = { 0 };
	bool unrecorded = true;

	add(&key_a);
	ck_assert_int_eq(enroll(&f, &key_a, &unrecorded), PR_ERR_EXISTS);
	ck_assert(!unrecorded);
	ck_assert(stored(&key_a));            /* the enrolled copy is untouched */
	assert_settled(&f, PR_KC_STORE, PR_ERR_EXISTS);
}
END_TEST

/* ---- remove -------------------------------------------------------------------------- */

START_TEST(remove_recorded)
{
	const enum pr_need need = PR_NEED_PHYSICAL;
	struct fake f = { 0 };

	add(&key_a);
	add(&key_b);
	ck_assert_int_eq(remove_key(&f, &key_a, &need, NULL), PR_OK);
	ck_assert(!stored(&key_a) && stored(&key_b));
	ck_assert(!f.stored_at_record);
	ck_assert_int_eq(f.n_prepare, 0);     /* remove has no prepare step */
	assert_settled(&f, PR_KC_DONE, PR_OK);
}
END_TEST

START_TEST(remove_unrecorded_is_put_back)
{
	const enum pr_need need = PR_NEED_PHYSICAL;
	struct fake f = { .record_err = PR_ERR_AUDIT };
	bool unrecorded = false;

	add(&key_a);
	add(&key_b);
	ck_assert_int_eq(remove_key(&f, &key_a, &need, &unrecorded), PR_ERR_AUDIT);
	ck_assert(unrecorded);
	ck_assert(!f.stored_at_record);
	ck_assert(stored(&key_a) && stored(&key_b));
	ck_assert_int_eq(f.n_undone, 1);
	ck_assert_int_eq(count_records(), 0);
	ck_assert_int_eq(count_intents(), 0);
}
END_TEST

START_TEST(remove_undo_failed_keeps_intent)
{
	struct fake f = { .record_err = PR_ERR_AUDIT, .sabotage_undo = true };
	bool unrecorded = false;

	add(&key_a);
	ck_assert_int_eq(remove_key(&f, &key_a, NULL, &unrecorded), PR_ERR_AUDIT);
	ck_assert(unrecorded);
	ck_assert_int_eq(f.n_undone, 0);
	ck_assert_int_eq(count_intents(), 1);
}
END_TEST

/*
 * Removals that end at one step: the last key the policy needs is refused
 * under the lock (recorded, nothing changed), forced it goes, a failed
 * intent or an unknown key changes nothing.
 */
static const struct {
	bool guarded;                /* the requirement given: the last-key rule applies */
	int begin_err;
	bool enrolled;               /* the key to remove is in the store (else another is) */
	int want;
	enum pr_kc_step step;
} remove_rows[] = {
	{ true, PR_OK, true, PR_ERR_LAST_KEY, PR_KC_STORE },
	{ false, PR_OK, true, PR_OK, PR_KC_DONE },
	{ false, PR_ERR_IO, true, PR_ERR_IO, PR_KC_BEGIN },
	{ false, PR_OK, false, PR_ERR_NOT_FOUND, PR_KC_STORE },
};

START_TEST(remove_one_step)
{
	const enum pr_need need = PR_NEED_PHYSICAL;
	struct fake f = { .begin_err = remove_rows[_i].begin_err };
	const struct pr_cred *other = remove_rows[_i].enrolled ? &key_a : &key_b;
	bool unrecorded = true;

	add(other);
	ck_assert_int_eq(remove_key(&f, &key_a, remove_rows[_i].guarded ? &need : NULL,
	    &unrecorded), remove_rows[_i].want);
	ck_assert(!unrecorded);
	/* Only a removal that succeeded changed the store. */
	ck_assert(stored(&key_a) == (remove_rows[_i].enrolled && remove_rows[_i].want != PR_OK));
	ck_assert(other == &key_a || stored(other));
	assert_settled(&f, remove_rows[_i].step, remove_rows[_i].want);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("keychange");
	TCase *tc = tcase_create("keychange");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, enroll_recorded);
	tcase_add_test(tc, enroll_unrecorded_is_undone);
	tcase_add_test(tc, enroll_undo_failed_keeps_intent);
	tcase_add_test(tc, enroll_begin_fails);
	tcase_add_test(tc, enroll_prepare_fails);
	tcase_add_test(tc, enroll_store_refuses);
	tcase_add_test(tc, remove_recorded);
	tcase_add_test(tc, remove_unrecorded_is_put_back);
	tcase_add_test(tc, remove_undo_failed_keeps_intent);
	tcase_add_loop_test(tc, remove_one_step, 0, NROWS(remove_rows));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(suite());
}

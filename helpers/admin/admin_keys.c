/* practicerunner-admin key enroll | list | remove */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "attest.h"
#include "enroll.h"
#include "keychange.h"
#include "lifecycle.h"
#include "roles.h"
#include "ssh/sshkey.h"
#include "transport.h"
#include "util.h"

struct enroll_args {
	const char *user;
	const char *label;
	bool force;
};

static int parse_enroll(struct cli *c, int argc, char **argv, struct enroll_args *a)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "l:f", opts, NULL)) != -1) {
		if (ch == 'l')
			a->label = optarg;
		else if (ch == 'f')
			a->force = true;
		else
			return CLI_USAGE;
	}
	if (optind != argc - 1) {
		cli_err(c, "usage: key enroll USER [--label LABEL] [--force]");
		return CLI_USAGE;
	}
	a->user = argv[optind];
	if (a->label != NULL && strlen(a->label) > PR_LABEL_MAX) {
		cli_err(c, "label is longer than %d characters", PR_LABEL_MAX);
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* A user we may act on: a valid name that is a local or NSS account. */
static bool known_user(struct cli *c, const char *user)
{
	if (!pr_username_valid(user) || getpwnam(user) == NULL) {
		cli_err(c, "no such user: %s", pr_username_valid(user) ? user : "(invalid name)");
		return false;
	}
	return true;
}

/* Make the credential on the attached key and classify it. */
static int enroll_on_device(struct cli *c, const struct enroll_args *a,
    const struct pr_credlist *existing, struct pr_cred *cred, struct pr_class_reason *reason)
{
	struct pr_devices devs = { .n = 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_ui ui;
	struct pr_enroll_opts o;
	int r;

	cli_ui(&ui);
	if ((r = pr_enroll_opts_load(c->cfg, a->user, a->label, &o, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		goto out;
	}
	if ((r = pr_devices_open(&devs)) != PR_OK)
		goto out;
	r = pr_enroll_make(&devs, &o, existing, &ui, cred, reason, &eb);
	if (r != PR_OK)
		cli_err(c, "enrollment failed: %s", pr_strerror(r));
out:
	pr_devices_close(&devs);
	pr_enroll_opts_clear(&o);
	return r;
}

/* Whether, with cred added to before, the user has a single physical key under a physical need. */
static bool single_physical_after(const struct pr_credlist *before, const struct pr_cred *cred,
    enum pr_need need)
{
	struct pr_credlist after = { NULL, before->n + 1 };
	bool single;

	/* A shallow view: the entries are only read. */
	if ((after.v = calloc(after.n, sizeof(*after.v))) == NULL)
		return false;
	if (before->n > 0)
		memcpy(after.v, before->v, before->n * sizeof(*after.v));
	after.v[before->n] = *cred;
	single = pr_lifecycle_single_physical(&after, need);
	free(after.v);
	return single;
}

static void enroll_report(const struct enroll_args *a, const struct pr_cred *cred,
    const char *why, const struct pr_credlist *before, enum pr_need need)
{
	char keyid[PR_KEYID_LEN + 1];

	pr_keyid(cred->id, cred->id_len, keyid);
	printf("Enrolled key %s for %s: %s (%s)%s%s%s\n", keyid, a->user,
	    pr_class_name(cred->cls), why, cred->label[0] ? ", label \"" : "",
	    cred->label, cred->label[0] ? "\"" : "");
	if (!single_physical_after(before, cred, need))
		return;
	if (cred->cls == PR_CLASS_PHYSICAL)
		printf("This is %s's only physical key. A second physical key is strongly "
		    "recommended, kept somewhere safe, so a lost key does not lock them out.\n",
		    a->user);
	else
		printf("%s still has only one physical key. A second physical key is strongly "
		    "recommended, kept somewhere safe, so a lost key does not lock them out.\n",
		    a->user);
}

/* An administrator's key change, recorded by cli_audit in this tool's words (keychange.h). */
struct admin_kc {
	struct cli *c;
	const char *user;
	const char *detail;          /* on the intent and the success record */
	const char *exists;          /* enroll: words for a key already enrolled (NULL: the store's) */
};

static int kc_begin(void *arg, const char *event, const struct pr_cred *cred)
{
	const struct admin_kc *k = arg;

	return cli_audit_begin(k->c, event, k->user, cred, k->detail);
}

static int kc_enroll_record(void *arg, const struct pr_cred *cred, const struct pr_kc_outcome *o)
{
	const struct admin_kc *k = arg;

	if (o->step == PR_KC_DONE)
		return cli_audit(k->c, o->event, PR_OK, k->user, cred, k->detail);
	if (o->step != PR_KC_BEGIN)
		cli_err(k->c, "%s", o->err == PR_ERR_EXISTS && k->exists != NULL ? k->exists :
		    o->eb->msg[0] ? o->eb->msg : pr_strerror(o->err));
	return cli_audit(k->c, o->event, o->err, k->user, cred, NULL);
}

static void kc_undone(void *arg)
{
	(void)arg;
	cli_audit_undone();
}

int admin_enroll_commit(struct cli *c, const char *user, const struct pr_cred *cred,
    const char *detail, const char *exists)
{
	struct admin_kc k = { c, user, detail, exists };
	const struct pr_kc_record rec = { kc_begin, kc_enroll_record, kc_undone, NULL, &k };
	/* Keys removed while the store was locked go for good first, so this one may come back. */
	const struct pr_kc_enroll e = { c->cfg->state, user, cred, true };
	bool unrecorded;
	int r;

	if ((r = pr_keychange_enroll(&e, &rec, &unrecorded)) != PR_OK && unrecorded)
		cli_err(c, "enrollment undone because it could not be recorded");
	return r;
}

int admin_key_enroll(struct cli *c, int argc, char **argv)
{
	struct enroll_args a = { NULL, NULL, false };
	struct pr_credlist existing = { NULL, 0 };
	struct pr_cred cred = { 0 };
	struct pr_errbuf eb = { 0 };
	enum pr_role role;
	enum pr_need need;
	struct pr_class_reason reason = { "" };
	int r, rc;

	if ((rc = parse_enroll(c, argc, argv, &a)) != CLI_OK)
		return rc;
	if (!cli_require_root(c) || !known_user(c, a.user))
		return CLI_FAILED;
	if ((r = pr_user_need(c->cfg, a.user, &role, &need)) != PR_OK ||
	    (r = pr_store_load(c->cfg->state, a.user, &existing, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		return cli_exit_code(r);
	}
	if ((r = enroll_on_device(c, &a, &existing, &cred, &reason)) != PR_OK) {
		cli_audit(c, "enroll", r, a.user, NULL, NULL);
		goto out;
	}
	if (!pr_policy_class_ok(need, cred.cls) && !a.force) {
		r = PR_ERR_CLASS;
		cli_err(c, "refused: this key is a passkey (%s), but policy requires a physical "
		    "security key for %s. Enroll a physical key, or use --force to store it anyway "
		    "(it will not be accepted for sign-in).", reason.text, a.user);
		cli_audit(c, "enroll", r, a.user, &cred, "refused by policy");
		goto out;
	}
	if ((r = admin_enroll_commit(c, a.user, &cred, a.force ? "forced" : NULL, NULL)) != PR_OK)
		goto out;
	enroll_report(&a, &cred, reason.text, &existing, need);
out:
	pr_cred_clear(&cred);
	pr_credlist_clear(&existing);
	return cli_exit_code(r);
}

/* SSH keys end their line with "ssh TYPE SHA256:..." (their ssh-keygen -l fingerprint). */
static void print_ssh(const struct pr_cred *k)
{
	char fp[PR_SSH_FP_LEN + 1] = "";
	struct pr_sshkey key;

	if (k->kind != PR_KIND_SSH)
		return;
	if (pr_sshkey_from_parts(k->cose_alg, k->pubkey, k->pubkey_len, k->app,
	    &key) != PR_OK) {
		printf(" ssh (unreadable key)");
		return;
	}
	pr_sshkey_fingerprint(&key, fp);
	printf(" ssh %s %s", pr_sshkey_type_name(key.type), fp);
	pr_sshkey_clear(&key);
}

static int list_user(struct cli *c, const char *user)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	char keyid[PR_KEYID_LEN + 1], aaguid[37], d1[32], d2[32];
	int r;

	if ((r = pr_store_load(c->cfg->state, user, &l, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		return r;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct pr_cred *k = &l.v[i];

		pr_keyid(k->id, k->id_len, keyid);
		pr_aaguid_format(k->aaguid, aaguid);
		printf("%-16s %-12s %-8s %-20s %-36s %-10s %s", user, keyid,
		    pr_class_name(k->cls), k->label[0] ? k->label : "-", aaguid,
		    cli_date(k->created, d1), cli_date(k->last_used, d2));
		print_ssh(k);
		putchar('\n');
	}
	pr_credlist_clear(&l);
	return PR_OK;
}

int admin_key_list(struct cli *c, int argc, char **argv)
{
	struct pr_strlist users = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	int r = PR_OK;

	if (argc > 2) {
		cli_err(c, "usage: key list [USER]");
		return CLI_USAGE;
	}
	if (!cli_require_root(c))
		return CLI_FAILED;
	if (argc == 2 && !known_user(c, argv[1]))
		return CLI_FAILED;
	printf("%-16s %-12s %-8s %-20s %-36s %-10s %s\n", "USER", "KEYID", "CLASS",
	    "LABEL", "AAGUID", "CREATED", "LAST-USED");
	if (argc == 2)
		return cli_exit_code(list_user(c, argv[1]));
	if ((r = pr_store_users(c->cfg->state, &users, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		return cli_exit_code(r);
	}
	for (size_t i = 0; i < users.n && r == PR_OK; i++)
		r = list_user(c, users.v[i]);
	pr_strlist_clear(&users);
	return cli_exit_code(r);
}

struct remove_args {
	const char *user;
	const char *keyid;
	bool force;
};

static int parse_remove(struct cli *c, int argc, char **argv, struct remove_args *a)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (ch != 'f')
			break;
		a->force = true;
	}
	if (ch != -1 || optind != argc - 2) {
		cli_err(c, "usage: key remove USER KEYID [--force]");
		return CLI_USAGE;
	}
	a->user = argv[optind];
	a->keyid = argv[optind + 1];
	return CLI_OK;
}

/* Index of the key with this key id in l, or l->n. */
static size_t find_keyid(const struct pr_credlist *l, const char *keyid)
{
	char k[PR_KEYID_LEN + 1];

	for (size_t i = 0; i < l->n; i++) {
		pr_keyid(l->v[i].id, l->v[i].id_len, k);
		if (strcmp(k, keyid) == 0)
			return i;
	}
	return l->n;
}

/*
 * The key to remove (copied out for the audit record), and whether the
 * lifecycle rules allow it: PR_OK, PR_ERR_LAST_KEY, or an error printed here.
 */
static int removal_check(struct cli *c, const struct remove_args *a, struct pr_cred *out,
    enum pr_need *need)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	size_t i;
	int r;

	if ((r = pr_user_need(c->cfg, a->user, NULL, need)) != PR_OK) {
		cli_err(c, "cannot resolve %s's role (%s); run policy check", a->user,
		    pr_strerror(r));
		return r;
	}
	if ((r = pr_store_load(c->cfg->state, a->user, &l, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		return r;
	}
	if ((i = find_keyid(&l, a->keyid)) == l.n) {
		cli_err(c, "%s has no key %s (see: key list %s)", a->user, a->keyid, a->user);
		r = PR_ERR_NOT_FOUND;
	} else if ((r = pr_cred_copy(out, &l.v[i])) == PR_OK) {
		r = pr_lifecycle_can_remove(&l, *need, i);
	}
	pr_credlist_clear(&l);
	return r;
}

static void refuse_last_key(struct cli *c, const struct remove_args *a, enum pr_need need)
{
	const char *what = need == PR_NEED_PHYSICAL ? "physical key" : "security key";

	cli_err(c, "refused: this is %s's last %s, and %s's policy requires one. "
	    "Enroll another key first, or use --force to remove it anyway (%s will then "
	    "be unable to sign in until a new key is enrolled).", a->user, what, a->user, a->user);
}

static void removal_report(const struct remove_args *a, bool forced)
{
	printf("Removed key %s from %s. The credential stays on the security key itself "
	    "until it is deleted there.\n", a->keyid, a->user);
	if (forced)
		printf("%s now has no key that meets their policy and cannot sign in where "
		    "it applies until a new key is enrolled.\n", a->user);
}

/* The audit detail: forced, and whether the store lock was gone past (only ever with --force). */
static const char *removal_detail(bool forced, bool revoked)
{
	if (revoked)
		return "forced, store locked";
	return forced ? "forced" : NULL;
}

struct remove_kc {
	struct admin_kc k;           /* first: kc_begin and kc_undone take a remove_kc as one */
	const struct remove_args *a;
	enum pr_need need;
	bool forced;
};

/*
 * The store lock stayed held past its bound: a process of the user's that
 * does not finish (a helper they froze or stopped) must not keep an
 * administrator from removing a key (doc/ARCHITECTURE.md §7). With --force
 * the key is listed as removed where only administrators write, which every
 * reader of the store obeys and no store writer can undo; without it the
 * removal is refused, since the last-key rule can only be checked under the
 * lock, and the message says what was waited for and how to go on.
 */
static void explain_removal(const struct remove_kc *m, const struct pr_kc_outcome *o)
{
	struct cli *c = m->k.c;

	if (o->lock_eb != NULL)
		cli_err(c, "%s; removing key %s without that lock.", o->lock_eb->msg, m->a->keyid);
	if (o->err == PR_ERR_BUSY && o->lock_eb == NULL)
		cli_err(c, "%s. Nothing was changed. Try again later, or use --force to remove "
		    "the key without waiting for that lock.", o->eb->msg);
	else if (o->err == PR_ERR_LAST_KEY)
		refuse_last_key(c, m->a, m->need);
	else if (o->err != PR_OK)
		cli_err(c, "%s", o->eb->msg[0] ? o->eb->msg : pr_strerror(o->err));
}

static int kc_remove_record(void *arg, const struct pr_cred *cred, const struct pr_kc_outcome *o)
{
	const struct remove_kc *m = arg;

	if (o->step == PR_KC_BEGIN)
		return cli_audit(m->k.c, o->event, o->err, m->k.user, cred, NULL);
	explain_removal(m, o);
	return cli_audit(m->k.c, o->event, o->err, m->k.user, cred,
	    removal_detail(m->forced, o->revoked));
}

int admin_key_remove(struct cli *c, int argc, char **argv)
{
	struct remove_args a = { NULL, NULL, false };
	struct pr_cred cred = { 0 };
	struct remove_kc m = { { c, NULL, NULL, NULL }, &a, PR_NEED_NONE, false };
	const struct pr_kc_record rec = { kc_begin, kc_remove_record, kc_undone, NULL, &m };
	struct pr_kc_remove rm = { NULL, NULL, &cred, NULL, false };
	bool unrecorded;
	int r, rc;

	if ((rc = parse_remove(c, argc, argv, &a)) != CLI_OK)
		return rc;
	if (!cli_require_root(c) || !known_user(c, a.user))
		return CLI_FAILED;
	r = removal_check(c, &a, &cred, &m.need);
	if (r == PR_ERR_LAST_KEY && !a.force) {
		refuse_last_key(c, &a, m.need);
		cli_audit(c, "remove", r, a.user, &cred, NULL);
		goto out;
	}
	if (r == PR_ERR_LAST_KEY)
		m.forced = true;
	else if (r != PR_OK)
		goto out;
	rm.state = c->cfg->state;
	m.k.user = rm.user = a.user;
	m.k.detail = removal_detail(m.forced, false);
	rm.need = m.forced ? NULL : &m.need;     /* forced: no last-key rule */
	rm.revoke_if_busy = a.force;
	if ((r = pr_keychange_remove(&rm, &rec, &unrecorded)) != PR_OK && unrecorded) {
		cli_err(c, "removal undone because it could not be recorded");
		r = PR_ERR_AUDIT;
	}
	if (r == PR_OK)
		removal_report(&a, m.forced);
out:
	pr_cred_clear(&cred);
	return cli_exit_code(r);
}

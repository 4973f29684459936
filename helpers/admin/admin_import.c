/*
 * practicerunner-admin import-pam-u2f FILE [--user USER]: move pam_u2f
 * users over without enrolling their keys again.
 *
 * All or nothing as far as it can be known in advance: the whole file is
 * parsed, every user checked (an account here; for a per-user file, the
 * one --user names, since its owner wrote it) and every credential file
 * read before the first key is added. A per-user file is trusted for its
 * owner only: a line in alice's file naming bob is an error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fido.h>

#include "admin.h"
#include "keychange.h"
#include "pamu2f.h"
#include "roles.h"
#include "secure_file.h"
#include "util.h"

struct import_args {
	const char *file;
	const char *user;       /* --user: a per-user file */
};

enum action { ACT_IMPORT = 0, ACT_RESIDENT, ACT_ENROLLED };

/* The parsed file and what to do with each entry. */
struct plan {
	struct pr_pamu2f_list list;
	enum action *act;
	size_t n_import;
	size_t n_users;
	unsigned uv_options;    /* PR_PAMU2F_OPT_* seen on imported keys */
};

static int parse_import(struct cli *c, int argc, char **argv, struct import_args *a)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "u:", opts, NULL)) != -1) {
		if (ch != 'u')
			break;
		a->user = optarg;
	}
	if (ch != -1 || optind != argc - 1) {
		cli_err(c, "usage: import-pam-u2f FILE [--user USER]");
		return CLI_USAGE;
	}
	a->file = argv[optind];
	return CLI_OK;
}

/* ---- reading the file ---------------------------------------------------------- */

/* Regular file, owned by root (or by --user's account), not writable by group or others. */
static const char *unsafe_reason(const struct stat *st, const struct import_args *a)
{
	struct passwd *pw = a->user != NULL ? getpwnam(a->user) : NULL;

	if (!S_ISREG(st->st_mode))
		return "is not a regular file";
	if (st->st_uid != 0 && (pw == NULL || st->st_uid != pw->pw_uid))
		return a->user != NULL ? "is owned by neither root nor the user" :
		    "is not owned by root (a per-user file needs --user)";
	if ((st->st_mode & 022) != 0)
		return "is writable by group or others";
	return NULL;
}

/* The file's text, or CLI_FAILED with the reason printed. */
static int read_mapping(struct cli *c, const struct import_args *a, char **buf, size_t *len)
{
	const char *why = NULL;
	enum pr_file_status st;
	struct stat sb;
	int fd;

	fd = open(a->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		cli_err(c, "%s: %s; nothing imported", a->file,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return CLI_FAILED;
	}
	if (fstat(fd, &sb) != 0)
		why = strerror(errno);
	else
		why = unsafe_reason(&sb, a);
	if (why == NULL && (st = pr_read_all(fd, PR_PAMU2F_MAX_SIZE, buf, len)) != PR_FILE_OK)
		why = st == PR_FILE_TOO_BIG ? "is larger than 1 MiB" : pr_file_status_text(st);
	if (why != NULL)
		cli_err(c, "%s: %s; nothing imported", a->file, why);
	close(fd);
	return why == NULL ? CLI_OK : CLI_FAILED;
}

/* ---- planning: every check before the first change ------------------------------ */

/* A problem with the file's content: CLI_FAILED, with file and line. */
static int plan_fail(struct cli *c, const struct import_args *a, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int plan_fail(struct cli *c, const struct import_args *a, int line,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_err(c, "%s:%d: %s; nothing imported", a->file, line, msg);
	return CLI_FAILED;
}

/*
 * Mark user's entries (from index first on) against the keys they already
 * have. A CLI status: the file's problems are CLI_FAILED, the state's its own.
 */
static int plan_user(struct cli *c, const struct import_args *a, struct plan *p, size_t first)
{
	const char *user = p->list.v[first].user;
	int line = p->list.v[first].line;
	struct pr_credlist have = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	size_t adding = 0;
	int r, rc = CLI_OK;

	if (a->user != NULL && strcmp(user, a->user) != 0)
		return plan_fail(c, a, line, "the line is for %s, but a per-user "
		    "file may only hold the keys of its owner, %s (--user)", user, a->user);
	if (getpwnam(user) == NULL)
		return plan_fail(c, a, line, "%s is not an account on this "
		    "system", user);
	if ((r = pr_store_load(c->cfg->state, user, &have, &eb)) != PR_OK) {
		cli_err(c, "%s; nothing imported", eb.msg[0] ? eb.msg : pr_strerror(r));
		return cli_exit_code(r);
	}
	for (size_t j = first; j < p->list.n; j++) {
		const struct pr_pamu2f_entry *e = &p->list.v[j];

		if (strcmp(e->user, user) != 0)
			continue;
		if (e->resident)
			p->act[j] = ACT_RESIDENT;
		else if (pr_credlist_find(&have, e->cred.id, e->cred.id_len) != NULL)
			p->act[j] = ACT_ENROLLED;
		else
			adding++;
	}
	if (have.n + adding > PR_MAX_CREDS_PER_USER)
		rc = plan_fail(c, a, line, "%s would have %zu keys, more "
		    "than the %d one user may have", user, have.n + adding, PR_MAX_CREDS_PER_USER);
	pr_credlist_clear(&have);
	p->n_import += adding;
	p->n_users++;
	return rc;
}

static bool seen_before(const struct pr_pamu2f_list *l, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(l->v[j].user, l->v[i].user) == 0)
			return true;
	return false;
}

/* Parse and check everything; a CLI status. */
static int plan_make(struct cli *c, const struct import_args *a, const char *buf, size_t len,
    struct plan *p)
{
	struct pr_errbuf eb = { 0 };
	int r, rc = CLI_OK;

	if ((r = pr_pamu2f_parse(buf, len, pr_now(), &p->list, &eb)) != PR_OK) {
		if (r != PR_ERR_CORRUPT)
			return cli_exit_code(r);
		return plan_fail(c, a, eb.line, "%s", eb.msg);
	}
	if (p->list.n == 0) {
		cli_err(c, "%s: no pam_u2f credentials in this file; nothing imported", a->file);
		return CLI_FAILED;
	}
	if ((p->act = calloc(p->list.n, sizeof(*p->act))) == NULL)
		return cli_exit_code(PR_ERR_NOMEM);
	for (size_t i = 0; i < p->list.n && rc == CLI_OK; i++)
		if (!seen_before(&p->list, i))
			rc = plan_user(c, a, p, i);
	return rc;
}

/* ---- importing ------------------------------------------------------------------ */

/*
 * Like cli_audit, without evidence the file does not hold (flags, counter,
 * AAGUID). begin: put the record on file before the store changes instead
 * of appending it (cli_intent_begin); otherwise append it, which settles
 * that intent.
 */
static int import_audit(const struct cli *c, const char *user, const struct pr_cred *cred,
    bool begin)
{
	const struct pr_audit_what what = {
		.event = "enroll", .err = PR_OK, .user = user, .cred = cred,
		.evidence = PR_AUDIT_ID_ONLY, .detail = PR_PAMU2F_LABEL,
	};
	struct pr_audit_built b;
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = cli_audit_event(c, NULL, &what, &b)) != PR_OK)
		cli_err(c, "audit record not written: %s", pr_strerror(r));
	else if (begin)
		r = cli_intent_begin(c, &b.ev);
	else if ((r = pr_audit_append(c->cfg->audit_log, &b.ev, &eb)) != PR_OK)
		cli_err(c, "audit record not written: %s", eb.msg);
	if (!begin)
		cli_intent_settle("enroll", PR_OK, r);
	pr_audit_built_clear(&b);
	return r;
}

static const char *alg_name(int alg)
{
	return alg == COSE_ES256 ? "es256" : alg == COSE_EDDSA ? "eddsa" : "rs256";
}

/* The import's key change (keychange.h): only its success is recorded, as import_audit words it. */
struct import_kc {
	const struct cli *c;
	const char *user;
};

static int import_kc_begin(void *arg, const char *event, const struct pr_cred *cred)
{
	const struct import_kc *k = arg;

	(void)event;
	return import_audit(k->c, k->user, cred, true);
}

static int import_kc_record(void *arg, const struct pr_cred *cred, const struct pr_kc_outcome *o)
{
	const struct import_kc *k = arg;

	if (o->step == PR_KC_DONE) {
		cli_after_commit(o->event, PR_OK);
		return import_audit(k->c, k->user, cred, false);
	}
	if (o->step != PR_KC_BEGIN) {   /* begin said its own words */
		cli_audit_undone();     /* nothing stored */
		cli_err(k->c, "%s: %s", k->user, o->eb->msg[0] ? o->eb->msg : pr_strerror(o->err));
	}
	return o->err;
}

static void import_kc_undone(void *arg)
{
	(void)arg;
	cli_audit_undone();
}

static int import_one(struct cli *c, const struct pr_pamu2f_entry *e)
{
	struct import_kc k = { c, e->user };
	const struct pr_kc_record rec = { import_kc_begin, import_kc_record, import_kc_undone,
	    NULL, &k };
	const struct pr_kc_enroll ke = { c->cfg->state, e->user, &e->cred, true };
	char keyid[PR_KEYID_LEN + 1];
	bool unrecorded;
	int r;

	pr_keyid(e->cred.id, e->cred.id_len, keyid);
	if ((r = pr_keychange_enroll(&ke, &rec, &unrecorded)) != PR_OK) {
		if (unrecorded)
			cli_err(c, "%s: import of key %s undone because it could not be recorded",
			    e->user, keyid);
		return r;
	}
	printf("%s: imported key %s (%s%s, line %d, credential %d)\n", e->user, keyid,
	    alg_name(e->cred.cose_alg), e->old_format ? ", old format" : "", e->line, e->index);
	return PR_OK;
}

static void note_skipped(const struct plan *p, size_t i)
{
	const struct pr_pamu2f_entry *e = &p->list.v[i];
	char keyid[PR_KEYID_LEN + 1];

	if (p->act[i] == ACT_RESIDENT) {
		printf("%s: skipped line %d, credential %d: a resident credential (key handle "
		    "\"*\") cannot be imported, because pam_u2f kept no credential id; enroll "
		    "that key with \"key enroll %s\"\n", e->user, e->line, e->index, e->user);
		return;
	}
	pr_keyid(e->cred.id, e->cred.id_len, keyid);
	printf("%s: skipped key %s (line %d, credential %d): already enrolled\n", e->user,
	    keyid, e->line, e->index);
}

/* Add every planned key; stop at the first failure (what is done is reported). */
static int plan_run(struct cli *c, struct plan *p, size_t *done)
{
	int r = PR_OK;

	*done = 0;
	for (size_t i = 0; i < p->list.n && r == PR_OK; i++) {
		if (p->act[i] != ACT_IMPORT) {
			note_skipped(p, i);
			continue;
		}
		if ((r = import_one(c, &p->list.v[i])) == PR_OK) {
			(*done)++;
			p->uv_options |= p->list.v[i].options &
			    (PR_PAMU2F_OPT_VERIFICATION | PR_PAMU2F_OPT_PIN);
		}
	}
	return r;
}

/* ---- what to tell the administrator ------------------------------------------------- */

static void note_physical_needs(struct cli *c, const struct plan *p)
{
	enum pr_need need;

	for (size_t i = 0; i < p->list.n; i++) {
		const char *user = p->list.v[i].user;

		if (p->act[i] != ACT_IMPORT || seen_before(&p->list, i))
			continue;
		if (pr_user_need(c->cfg, user, NULL, &need) == PR_OK && need == PR_NEED_PHYSICAL)
			printf("note: %s needs a physical key: the imported passkeys will not be "
			    "accepted for %s's sign-in. Enroll a physical key with \"key enroll %s\".\n",
			    user, user, user);
	}
}

static void summary(struct cli *c, const struct import_args *a, const struct plan *p,
    size_t done)
{
	printf("Imported %zu of %zu credentials from %s (%zu users).\n", done, p->list.n,
	    a->file, p->n_users);
	if (done == 0)
		return;
	printf("Imported keys are class passkey: a pam_u2f mapping file holds no attestation, "
	    "so nothing shows that a key is a physical security key. To make one count as "
	    "physical, enroll it again with \"key enroll USER\", then remove the imported "
	    "entry (label \"%s\").\n", PR_PAMU2F_LABEL);
	printf("They sign in only if the policy's rp_id (\"%s\") is the origin they were "
	    "registered for with pam_u2f (its default is pam://HOSTNAME; old-format lines "
	    "used its appid).\n", c->cfg->rp_id);
	if (p->uv_options != 0 && !pr_policy_uv_required(&c->cfg->policy))
		printf("note: pam_u2f asked for a PIN or user verification with some of these "
		    "keys; PracticeRunner asks for it as the policy says (user_verification = %s).\n",
		    pr_uv_name(c->cfg->policy.user_verification));
	note_physical_needs(c, p);
}

int admin_import_pam_u2f(struct cli *c, int argc, char **argv)
{
	struct import_args a = { NULL, NULL };
	struct plan p = { { NULL, 0 }, NULL, 0, 0, 0 };
	char *buf = NULL;
	size_t len = 0, done = 0;
	int r, rc;

	if ((rc = parse_import(c, argc, argv, &a)) != CLI_OK)
		return rc;
	if (!cli_require_root(c))
		return CLI_FAILED;
	if (a.user != NULL && (!pr_username_valid(a.user) || getpwnam(a.user) == NULL)) {
		cli_err(c, "no such user: %s", pr_username_valid(a.user) ? a.user : "(invalid name)");
		return CLI_FAILED;
	}
	if ((rc = read_mapping(c, &a, &buf, &len)) != CLI_OK ||
	    (rc = plan_make(c, &a, buf, len, &p)) != CLI_OK)
		goto out;
	r = plan_run(c, &p, &done);
	if (r != PR_OK && done > 0)
		cli_err(c, "stopped after importing %zu of %zu keys; fix the error and run the "
		    "import again (keys already enrolled are skipped)", done, p.n_import);
	summary(c, &a, &p, done);
	rc = cli_exit_code(r);
out:
	free(buf);
	free(p.act);
	pr_pamu2f_list_clear(&p.list);
	return rc;
}

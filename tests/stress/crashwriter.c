/*
 * crashwriter: the writer that tests/stress/crash.sh SIGKILLs at random
 * points, and the checker it runs after every kill.
 *
 *   crashwriter init  STATE_DIR AUDIT_LOG USER    the main credential and a code set
 *   crashwriter codes STATE_DIR AUDIT_LOG USER    a fresh code set (codes are used up)
 *   crashwriter run   STATE_DIR AUDIT_LOG USER    write until killed
 *   crashwriter append STATE_DIR AUDIT_LOG USER   one audit record (detail "manual")
 *   crashwriter check STATE_DIR AUDIT_LOG USER ACKS
 *
 * "run" goes on from what is on disk: it first prints what it found there
 * ("found c", the stored counter, and "code i", the last used code), since
 * a killed writer's last call may have finished unacknowledged. Then
 * iteration k = c + 1, c + 2, ... does, printing one acknowledgement line
 * on stdout (one write(2)) after each call returned PR_OK:
 *   pr_store_record_use(main, counter k)      "use k"
 *   pr_audit_append(detail "opk")             "audit k"
 *   pr_store_add(credential X_k)              "add k"
 *   pr_store_remove(every X_j, j < k)         "remove j"
 *   pr_codes_consume(the next unused code)    "code i"   (while any is left)
 *
 * "check" reads the acknowledgements (ACKS: every run's stdout, one after
 * the other; a line "codes" where a fresh code set was made) and holds the
 * files to them: each parses, and each shows either the state after the
 * last acknowledged call or after the one call that was under way:
 *   - the stored counter is the last acknowledged k (or k + 1, unless the
 *     call under way was iteration k's audit record or credential add);
 *   - every acknowledged X_j is present unless its removal was
 *     acknowledged (or is the one under way), every removed one is absent;
 *   - the log holds the record of the last acknowledged audit call, and
 *     none of an iteration whose counter update was not acknowledged;
 *     pr_audit_verify accepts it, or reports its last
 *     line as torn (no newline), and then the log up to that line verifies;
 *   - the code set has the acknowledged codes used, and at most one more.
 * It prints "audit: ok", "audit: torn" or a "FAIL: ..." line per problem,
 * and exits 0 only without problems. "settle remove j" says the removal
 * under way was done: crash.sh adds "remove j" to the acknowledgements, as
 * the next writer will not remove it again.
 *
 * Codes here are derived with scrypt N=1024 (the least a code file may ask
 * for), so a consumption costs milliseconds, not the production ~90 ms: the
 * kills land in the writes, not in the key derivation.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "audit.h"
#include "codes.h"
#include "err.h"
#include "secure_file.h"
#include "store.h"
#include "util.h"

#define MAIN_LABEL "main"
#define N_CODES PR_CODES_MAX
#define MAX_K 1000000
#define CODE_N 1024

/* ---- credentials ------------------------------------------------------------- */

/* Credential "main" (tag 0) or X_k (tag k): an id that names it. */
static void make_cred(struct pr_cred *c, long tag, unsigned char id[16],
    unsigned char pk[64])
{
	memset(c, 0, sizeof(*c));
	memset(id, 0, 16);
	memcpy(id, "crash", 5);
	for (int i = 0; i < 8; i++)
		id[8 + i] = (unsigned char)(tag >> (8 * i));
	memset(pk, 0x42, 64);
	c->id = id;
	c->id_len = 16;
	c->pubkey = pk;
	c->pubkey_len = 64;
	c->cose_alg = -7;
	c->cls = PR_CLASS_PHYSICAL;
	c->kind = PR_KIND_FIDO;
	c->flags = 0x41;
	memcpy(c->fmt, "packed", 7);
	if (tag == 0)
		snprintf(c->label, sizeof(c->label), MAIN_LABEL);
	else
		snprintf(c->label, sizeof(c->label), "x%ld", tag);
	c->created = 1700000000;
}

/* The tag of a credential made by make_cred, -1 for anything else. */
static long cred_tag(const struct pr_cred *c)
{
	long tag = 0;

	if (c->id_len != 16 || memcmp(c->id, "crash", 5) != 0)
		return -1;
	for (int i = 7; i >= 0; i--)
		tag = tag << 8 | c->id[8 + i];
	return tag;
}

static const struct pr_cred *find_tag(const struct pr_credlist *l, long tag)
{
	for (size_t i = 0; i < l->n; i++)
		if (cred_tag(&l->v[i]) == tag)
			return &l->v[i];
	return NULL;
}

/* ---- a code set with known codes: code i is "0000000000000iii" ---------------------- */

static void code_text(int i, char out[PR_CODE_CHARS + 1])
{
	unsigned n = (unsigned)i % 1000u;    /* sets are far smaller; keeps the width exact */

	snprintf(out, PR_CODE_CHARS + 1, "0000000000000%03u", n);
}

static int scrypt_hash(const char *code, const unsigned char salt[16], unsigned char out[32])
{
	OSSL_PARAM params[6];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	uint64_t n = CODE_N;
	uint32_t r = 8, p = 1;
	int ok;

	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)code, PR_CODE_CHARS);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, 16);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	params[5] = OSSL_PARAM_construct_end();
	ok = ctx != NULL && EVP_KDF_derive(ctx, out, 32, params) > 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? PR_OK : PR_ERR_IO;
}

/* A fresh set in the format lib/codes.c reads, replaced atomically. */
static int write_code_set(const char *state_dir, const char *user)
{
	unsigned char salt[16], h[32];
	char hex[65], code[PR_CODE_CHARS + 1], path[4096], *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int r = PR_ERR_IO;

	if (pr_random(salt, sizeof(salt)) != PR_OK || (f = open_memstream(&text, &len)) == NULL)
		return PR_ERR_IO;
	pr_hex_encode(salt, sizeof(salt), hex);
	fprintf(f, "practicerunner-codes 1\nsalt=%s N=%d r=8 p=1 created=1700000000\n", hex, CODE_N);
	for (int i = 0; i < N_CODES; i++) {
		code_text(i, code);
		if (scrypt_hash(code, salt, h) != PR_OK)
			goto fail;
		pr_hex_encode(h, sizeof(h), hex);
		fprintf(f, "hash=%s used=-\n", hex);
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	snprintf(path, sizeof(path), "%s/codes", state_dir);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		goto fail;
	snprintf(path, sizeof(path), "%s/codes/%s", state_dir, user);
	r = pr_atomic_replace(AT_FDCWD, path, text, len, 0600);
fail:
	if (f != NULL)
		fclose(f);
	free(text);
	return r;
}

/* ---- writing ---------------------------------------------------------------------- */

static void ack(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void ack(const char *fmt, ...)
{
	char line[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(line) && write(STDOUT_FILENO, line, (size_t)n) != n)
		exit(3);
}

static int die(const char *what, const struct pr_errbuf *eb, int r)
{
	fprintf(stderr, "crashwriter: %s: %s (%s)\n", what, eb->msg, pr_strerror(r));
	return 2;
}

static int cmd_init(const char *state_dir, const char *user)
{
	struct pr_errbuf eb = { 0 };
	unsigned char id[16], pk[64];
	struct pr_cred c;
	int r;

	make_cred(&c, 0, id, pk);
	if ((r = pr_store_add(PR_STATE_FILES(state_dir), user, &c, &eb)) != PR_OK)
		return die("add main", &eb, r);
	if ((r = write_code_set(state_dir, user)) != PR_OK)
		return die("code set", &eb, r);
	return 0;
}

/* Iteration k's store work: add X_k, then remove every older X. */
static int churn(const char *state_dir, const char *user, long k)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	unsigned char id[16], pk[64];
	char kid[PR_KEYID_LEN + 1];
	struct pr_cred c;
	long tag;
	int r;

	make_cred(&c, k, id, pk);
	if ((r = pr_store_add(PR_STATE_FILES(state_dir), user, &c, &eb)) != PR_OK)
		return die("add", &eb, r);
	ack("add %ld\n", k);
	if ((r = pr_store_load(PR_STATE_FILES(state_dir), user, &l, &eb)) != PR_OK)
		return die("load", &eb, r);
	for (size_t i = 0; i < l.n && r == PR_OK; i++) {
		if ((tag = cred_tag(&l.v[i])) <= 0 || tag >= k)
			continue;
		pr_keyid(l.v[i].id, l.v[i].id_len, kid);
		if ((r = pr_store_remove(PR_STATE_FILES(state_dir), user, kid, &eb)) == PR_OK)
			ack("remove %ld\n", tag);
	}
	pr_credlist_clear(&l);
	return r == PR_OK ? 0 : die("remove", &eb, r);
}

static int consume_next(const char *state_dir, const char *user)
{
	struct pr_codes_status st;
	struct pr_errbuf eb = { 0 };
	char code[PR_CODE_CHARS + 1];
	int r, i;

	if ((r = pr_codes_status(PR_STATE_FILES(state_dir), user, &st, &eb)) != PR_OK)
		return die("codes status", &eb, r);
	if (st.remaining == 0)
		return 0;
	i = st.total - st.remaining;
	code_text(i, code);
	if ((r = pr_codes_consume(PR_STATE_FILES(state_dir), user, code, pr_now(), &eb)) != PR_OK)
		return die("consume", &eb, r);
	ack("code %d\n", i);
	return 0;
}

static int found_codes(const char *state_dir, const char *user)
{
	struct pr_codes_status st;
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = pr_codes_status(PR_STATE_FILES(state_dir), user, &st, &eb)) != PR_OK)
		return die("codes status", &eb, r);
	if (st.total > st.remaining)
		ack("code %d\n", st.total - st.remaining - 1);
	return 0;
}

static int cmd_run(const char *state_dir, const char *log, const char *user)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	const struct pr_cred *m;
	char detail[32];
	long k;
	int r;

	if ((r = pr_store_load(PR_STATE_FILES(state_dir), user, &l, &eb)) != PR_OK)
		return die("load", &eb, r);
	m = find_tag(&l, 0);
	k = m != NULL ? (long)m->sign_count + 1 : 0;
	pr_credlist_clear(&l);
	if (k == 0) {
		fprintf(stderr, "crashwriter: no main credential: run init first\n");
		return 2;
	}
	/* What a killed writer did without saying so is on disk: say it now. */
	ack("found %ld\n", k - 1);
	if ((r = found_codes(state_dir, user)) != 0)
		return r;
	for (; k < MAX_K; k++) {
		struct pr_audit_event ev = { .event = "auth", .success = true, .user = user,
			.flags = -1, .sign_count = k, .detail = detail };
		unsigned char id[16], pk[64];
		struct pr_cred c;

		make_cred(&c, 0, id, pk);
		if ((r = pr_store_record_use(PR_STATE_FILES(state_dir), user, c.id, c.id_len, (uint32_t)k,
		    pr_now(), &eb)) != PR_OK)
			return die("record use", &eb, r);
		ack("use %ld\n", k);
		snprintf(detail, sizeof(detail), "op%ld", k);
		if ((r = pr_audit_append(log, &ev, &eb)) != PR_OK)
			return die("audit", &eb, r);
		ack("audit %ld\n", k);
		if ((r = churn(state_dir, user, k)) != 0 ||
		    (r = consume_next(state_dir, user)) != 0)
			return r;
	}
	return 0;
}

static int cmd_append(const char *log, const char *user)
{
	struct pr_audit_event ev = { .event = "auth", .success = true, .user = user,
		.flags = -1, .sign_count = -1, .detail = "manual" };
	struct pr_errbuf eb = { 0 };
	int r;

	return (r = pr_audit_append(log, &ev, &eb)) == PR_OK ? 0 : die("audit", &eb, r);
}

/* ---- checking ------------------------------------------------------------------------ */

struct acks {
	long use, audit;              /* last acknowledged; 0: none */
	char last[16];                /* kind of the last acknowledgement */
	long last_arg;
	int code;                     /* last acknowledged code of the current set; -1: none */
	unsigned char *added;         /* per tag: 1 added, 2 removed */
	long max_tag;
};

static int problems;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	problems++;
}

static int read_acks(const char *path, struct acks *a)
{
	char line[128], kind[16];
	long arg;
	FILE *f = fopen(path, "r");

	memset(a, 0, sizeof(*a));
	a->code = -1;
	a->max_tag = MAX_K;
	if (f == NULL || (a->added = calloc((size_t)MAX_K + 1, 1)) == NULL) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strchr(line, '\n') == NULL)
			break;                       /* torn by the kill: not an acknowledgement */
		if (strcmp(line, "codes\n") == 0) {
			a->code = -1;
			continue;
		}
		if (sscanf(line, "%15s %ld", kind, &arg) != 2 || arg < 0 || arg > MAX_K)
			continue;                    /* a message, not an acknowledgement */
		if (strcmp(kind, "use") == 0 || strcmp(kind, "found") == 0)
			a->use = arg;
		else if (strcmp(kind, "audit") == 0)
			a->audit = arg;
		else if (strcmp(kind, "add") == 0)
			a->added[arg] = 1;
		else if (strcmp(kind, "remove") == 0)
			a->added[arg] = 2;
		else if (strcmp(kind, "code") == 0)
			a->code = (int)arg;
		else
			continue;
		snprintf(a->last, sizeof(a->last), "%s", kind);
		a->last_arg = arg;
	}
	fclose(f);
	return 0;
}

static void check_store(const char *state_dir, const char *user, const struct acks *a)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	const struct pr_cred *m;
	long under_way = -1;                /* the X a removal under way may have taken */
	int r;

	if ((r = pr_store_load(PR_STATE_FILES(state_dir), user, &l, &eb)) != PR_OK) {
		fail("store does not load: %s", eb.msg);
		return;
	}
	if ((m = find_tag(&l, 0)) == NULL) {
		fail("the main credential is gone");
	} else if (m->sign_count != (uint32_t)a->use &&
	    !(m->sign_count == (uint32_t)a->use + 1 &&
	      strcmp(a->last, "use") != 0 && strcmp(a->last, "audit") != 0)) {
		fail("stored counter %" PRIu32 ", last acknowledged %ld (last ack: %s %ld)",
		    m->sign_count, a->use, a->last, a->last_arg);
	}
	/* Removals go oldest first: only the oldest X still acknowledged may be under way. */
	if (strcmp(a->last, "add") == 0 || strcmp(a->last, "remove") == 0)
		for (long t = 1; t <= a->use && under_way < 0; t++)
			if (a->added[t] == 1 && t < a->use)
				under_way = t;
	for (long t = 1; t <= a->use + 1 && t <= MAX_K; t++) {
		bool there = find_tag(&l, t) != NULL;
		if (a->added[t] == 1 && !there && t != under_way)
			fail("acknowledged credential x%ld is missing", t);
		else if (a->added[t] == 1 && !there)
			printf("settle remove %ld\n", t);   /* the removal under way was done */
		if (a->added[t] == 2 && there)
			fail("removed credential x%ld is back", t);
	}
	pr_credlist_clear(&l);
}

static void check_codes(const char *state_dir, const char *user, const struct acks *a)
{
	struct pr_codes_status st;
	struct pr_errbuf eb = { 0 };
	int used, want = a->code + 1;

	if (pr_codes_status(PR_STATE_FILES(state_dir), user, &st, &eb) != PR_OK) {
		fail("code file does not load: %s", eb.msg);
		return;
	}
	used = st.total - st.remaining;
	printf("codes: %d left\n", st.remaining);
	if (st.total != N_CODES || !(used == want ||
	    (used == want + 1 && !(strcmp(a->last, "code") == 0 && a->last_arg == a->code))))
		fail("%d of %d codes used, %d acknowledged", used, st.total, want);
}

/* The log's text, for what pr_audit_verify cannot say: details and the torn tail. */
static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;

	return pr_secure_read(AT_FDCWD, path, 022, 64 * 1024 * 1024, &buf, len) == PR_FILE_OK ?
	    buf : NULL;
}

/* The highest k of the records with detail=op<k>; and whether one is op<after>. */
static long records_after(const char *text, size_t len, long after, bool *found)
{
	long n = 0;
	const char *p = text, *d;
	long k;

	*found = after == 0;
	while (p < text + len && (d = strstr(p, " detail=op")) != NULL) {
		k = strtol(d + 10, NULL, 10);
		if (k == after)
			*found = true;
		if (k > n)
			n = k;
		p = d + 10;
	}
	return n;
}

static void check_audit(const char *log, const struct acks *a)
{
	struct pr_errbuf eb = { 0 };
	long bad = 0, n = 0, lines = 0;
	size_t len = 0;
	char *text = slurp(log, &len);
	bool torn, found;
	long newest;
	int r;

	if (text == NULL) {
		if (a->audit > 0)
			fail("audit log unreadable");
		else
			printf("audit: ok\n");
		return;
	}
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	torn = len > 0 && text[len - 1] != '\n';
	r = pr_audit_verify(log, &bad, &n, &eb);
	if (r == PR_OK && torn)
		fail("audit verify accepted a torn last record");
	else if (r != PR_OK && !(torn && r == PR_ERR_CORRUPT && bad == lines + 1 &&
	    strstr(eb.msg, "torn") != NULL))
		fail("audit verify: %s (record %ld)", eb.msg, bad);
	/* Only whole lines count: a torn one was never acknowledged. */
	while (torn && len > 0 && text[len - 1] != '\n')
		len--;
	newest = records_after(text, len, a->audit, &found);
	if (!found)
		fail("acknowledged audit record op%ld is missing", a->audit);
	/* Record k is written only after "use k" was acknowledged. */
	if (newest > a->use)
		fail("audit record op%ld, but counter update %ld was the last acknowledged",
		    newest, a->use);
	if (problems == 0)
		printf("audit: %s\n", torn ? "torn" : "ok");
	free(text);
}

static int cmd_check(const char *state_dir, const char *log, const char *user,
    const char *acks_path)
{
	struct acks a;

	if (read_acks(acks_path, &a) != 0) {
		fail("cannot read %s", acks_path);
		return 1;
	}
	check_store(state_dir, user, &a);
	check_codes(state_dir, user, &a);
	check_audit(log, &a);
	free(a.added);
	return problems == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "init") == 0)
		return cmd_init(argv[2], argv[4]);
	if (argc == 5 && strcmp(argv[1], "codes") == 0)
		return write_code_set(argv[2], argv[4]) == PR_OK ? 0 : 2;
	if (argc == 5 && strcmp(argv[1], "run") == 0)
		return cmd_run(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "append") == 0)
		return cmd_append(argv[3], argv[4]);
	if (argc == 6 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: crashwriter init|codes|run|append STATE_DIR AUDIT_LOG USER\n"
	    "       crashwriter check STATE_DIR AUDIT_LOG USER ACKS\n");
	return 2;
}

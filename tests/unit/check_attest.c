/*
 * Attestation and classification: real authenticator output from
 * tests/data/vectors, synthetic statements for the branches real data
 * cannot reach (AAGUID certificate extension, BE on a vendor-attested key,
 * intermediates, expiry, authData extensions), and trust-anchor loading.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest.h"
#include "err.h"
#include "secure_file.h"
#include "store.h"
#include "vectors.h"
#include "testlib.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#define YUBICO_ROOT "yubico-u2f-root-ca-serial-457200631.pem"
#define APPLE_ROOT "apple-webauthn-root-ca.pem"
#define WHY_YUBICO "chains to trust anchor 'CN=Yubico U2F Root CA Serial 457200631'"
#define WHY_NOT_ANCHOR "issuer is not a trust anchor"
#define WHY_SYNCED "no attestation (none); backup eligible (synced passkey)"
#define WHY_BE "backup eligible (synced passkey)"
#define WHY_NOT_LISTED "AAGUID not in physical_aaguids"
#define WHY_U2F_LISTED "fido-u2f key has no AAGUID; AAGUID not in physical_aaguids"
#define SWAP_LEAF_VEC "hw-yubikey5ci-packed-es256.vec"
#define PACKED_VEC "hw-yubikey5nfc-packed-es256.vec"
#define U2F_VEC "hw-yubikey-neo-fido-u2f.vec"
#define BIO_VEC "hw-yubikey-bio-5.5.6-packed-eddsa.vec"
#define SELF_VEC "platform-windows-hello-packed-self-rs256.vec"
#define NONE_VEC "sync-apple-icloud-keychain-macos-none.vec"
#define APPLE_VEC "platform-apple-ios-2021-apple-attestation.vec"
/* Windows Hello tpm statements (attStmt alg RS1), an RSA and an ECC credential key */
#define TPM_RSA_VEC "platform-windows-hello-tpm-intel-surface-pro-4.vec"
#define TPM_ECC_VEC "platform-windows-hello-tpm-ecc-webauthn-io.vec"
#define WHY_TPM "tpm attestation (platform authenticator)"
#define RS256_PK_LEN 259        /* libfido2's raw RSA key: n (256) || e (3) */

/* ---- fixture: a scratch directory with two anchor sets ---- */

static char g_tmp[64];
static char g_yubico_dir[128];
static char g_empty_dir[128];
static X509_STORE *g_yubico;
static X509_STORE *g_empty;

static void read_whole(const char *path, unsigned char **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	long n;

	ck_assert_msg(fp != NULL, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(fp), 0);
	rewind(fp);
	ck_assert_ptr_nonnull(*out = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(*out, 1, (size_t)n, fp), (size_t)n);
	*len = (size_t)n;
	fclose(fp);
}

static void root_pem(const char *name, unsigned char **out, size_t *len)
{
	char dir[4096], path[4200];

	ck_assert_int_eq(vec_dir(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/roots/%s", dir, name);
	read_whole(path, out, len);
}

static void write_file(const char *dir, const char *name, const void *data,
    size_t len, mode_t mode)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert(write(fd, data, len) == (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

static void put_root(const char *dir, const char *root, const char *as)
{
	unsigned char *pem = NULL;
	size_t len;

	root_pem(root, &pem, &len);
	write_file(dir, as, pem, len, 0644);
	free(pem);
}

static void make_dir(char *out, size_t out_len, const char *name)
{
	snprintf(out, out_len, "%s/%s", g_tmp, name);
	ck_assert_int_eq(mkdir(out, 0755), 0);
	ck_assert_int_eq(chmod(out, 0755), 0);
}

static X509_STORE *load_ok(const char *dir)
{
	struct pr_errbuf eb = { 0 };
	X509_STORE *s = NULL;

	ck_assert_msg(pr_anchors_load(dir, 0, &s, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void setup(void)
{
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/check_attest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_tmp));
	ck_assert_int_eq(chmod(g_tmp, 0755), 0);
	make_dir(g_yubico_dir, sizeof(g_yubico_dir), "yubico");
	make_dir(g_empty_dir, sizeof(g_empty_dir), "empty");
	put_root(g_yubico_dir, YUBICO_ROOT, YUBICO_ROOT);
	g_yubico = load_ok(g_yubico_dir);
	g_empty = load_ok(g_empty_dir);
}

static void teardown(void)
{
	X509_STORE_free(g_yubico);
	X509_STORE_free(g_empty);
	g_yubico = g_empty = NULL;
	ck_assert_msg(test_rm_tree(AT_FDCWD, g_tmp), "could not remove %s", g_tmp);
}

/* ---- a little CBOR writer, for attStmt maps the tests build ---- */

struct buf {
	unsigned char *p;
	size_t len;
};

static void buf_put(struct buf *b, const void *d, size_t n)
{
	ck_assert_ptr_nonnull(b->p = realloc(b->p, b->len + n + 1));
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

static void cbor_head(struct buf *b, unsigned major, uint64_t v)
{
	unsigned char h[9];
	size_t n = 1;

	if (v < 24)
		h[0] = (unsigned char)(major << 5 | v);
	else if (v <= 0xff) {
		h[0] = (unsigned char)(major << 5 | 24);
		h[n++] = (unsigned char)v;
	} else {
		ck_assert_uint_le(v, 0xffff);
		h[0] = (unsigned char)(major << 5 | 25);
		h[n++] = (unsigned char)(v >> 8);
		h[n++] = (unsigned char)v;
	}
	buf_put(b, h, n);
}

static void cbor_text(struct buf *b, const char *s)
{
	cbor_head(b, 3, strlen(s));
	buf_put(b, s, strlen(s));
}

static void cbor_bytes(struct buf *b, const unsigned char *d, size_t n)
{
	cbor_head(b, 2, n);
	buf_put(b, d, n);
}

struct blob {
	const unsigned char *p;
	size_t len;
};

/* {"alg": alg (omitted when 0), "sig": sig, "x5c": [certs] (omitted when n_x5c < 0)} */
static void attstmt_build(struct buf *out, int alg, struct blob sig,
    const struct blob *x5c, int n_x5c)
{
	cbor_head(out, 5, (alg != 0) + 1 + (n_x5c >= 0));
	if (alg != 0) {
		cbor_text(out, "alg");
		cbor_head(out, 1, (uint64_t)(-1 - alg));
	}
	cbor_text(out, "sig");
	cbor_bytes(out, sig.p, sig.len);
	if (n_x5c < 0)
		return;
	cbor_text(out, "x5c");
	cbor_head(out, 4, (uint64_t)n_x5c);
	for (int i = 0; i < n_x5c; i++)
		cbor_bytes(out, x5c[i].p, x5c[i].len);
}

static const unsigned char *find_bytes(const unsigned char *hay, size_t hlen,
    const unsigned char *needle, size_t nlen)
{
	for (size_t i = 0; nlen > 0 && i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

/* ---- registration vectors ---- */

struct reg {
	struct vec v;
	unsigned char *authdata, *cdh, *sig, *leaf;
	size_t authdata_len, cdh_len, sig_len, leaf_len;
	struct buf stmt;
	struct pr_attest_input in;
};

static void reg_load(const char *name, struct reg *g)
{
	memset(g, 0, sizeof(*g));
	ck_assert_int_eq(vec_load(name, &g->v), 0);
	ck_assert_int_eq(vec_hex(&g->v, "auth_data_hex", &g->authdata,
	    &g->authdata_len), 0);
	ck_assert_int_eq(vec_hex(&g->v, "client_data_hash_hex", &g->cdh,
	    &g->cdh_len), 0);
	if (vec_get(&g->v, "signature_hex") != NULL)
		ck_assert_int_eq(vec_hex(&g->v, "signature_hex", &g->sig,
		    &g->sig_len), 0);
	if (vec_get(&g->v, "x5c_0_der_hex") != NULL)
		ck_assert_int_eq(vec_hex(&g->v, "x5c_0_der_hex", &g->leaf,
		    &g->leaf_len), 0);
	if (vec_get(&g->v, "att_stmt_cbor_hex") != NULL) {
		ck_assert_int_eq(vec_hex(&g->v, "att_stmt_cbor_hex", &g->stmt.p,
		    &g->stmt.len), 0);
	} else {
		/* libfido2's regress form has only sig and x5c (ES256 attestation). */
		struct blob leaf = { g->leaf, g->leaf_len };

		ck_assert_ptr_nonnull(g->sig);
		ck_assert_ptr_nonnull(g->leaf);
		attstmt_build(&g->stmt, COSE_ES256,
		    (struct blob){ g->sig, g->sig_len }, &leaf, 1);
	}
	ck_assert_ptr_nonnull(g->in.fmt = vec_get(&g->v, "attestation_fmt"));
	ck_assert_ptr_nonnull(g->in.rp_id = vec_get(&g->v, "rp_id"));
	g->in.authdata = g->authdata;
	g->in.authdata_len = g->authdata_len;
	g->in.attstmt = g->stmt.p;
	g->in.attstmt_len = g->stmt.len;
	g->in.cdh = g->cdh;
	g->in.cdh_len = g->cdh_len;
	g->in.cose_alg = 0;
}

static void reg_free(struct reg *g)
{
	free(g->authdata);
	free(g->cdh);
	free(g->sig);
	free(g->leaf);
	buf_free(&g->stmt);
	vec_free(&g->v);
}

struct reg_case {
	const char *file;
	int alg;
	enum pr_class cls;      /* with the Yubico root as the only anchor */
	const char *why;
};

static const struct reg_case reg_cases[] = {
	/* statement verifies, but the x5c is from Yubico's test CA */
	{ "aux-libfido2-regress-cred-packed-es256.vec", COSE_ES256, PR_CLASS_PASSKEY, WHY_NOT_ANCHOR },
	{ "hw-security-key-by-yubico-packed-es256.vec", COSE_ES256, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ "hw-yubico-security-key-firefox-fido-u2f.vec", COSE_ES256, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ "hw-yubico-security-key-firefox-packed-es256.vec", COSE_ES256, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ "hw-yubikey-bio-5.5.6-packed-eddsa.vec", COSE_EDDSA, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ "hw-yubikey-neo-fido-u2f.vec", COSE_ES256, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ "hw-yubikey5ci-packed-es256.vec", COSE_ES256, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ "hw-yubikey5nfc-fido-u2f.vec", COSE_ES256, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ "hw-yubikey5nfc-packed-es256.vec", COSE_ES256, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ APPLE_VEC, COSE_ES256, PR_CLASS_PASSKEY, "apple attestation not verified" },
	{ SELF_VEC, COSE_RS256, PR_CLASS_PASSKEY, "self attestation" },
	/*
	 * Real Windows Hello tpm statements: libfido2 1.12 verifies them (attStmt
	 * alg RS1, certInfo over SHA-1); they chain to Microsoft's TPM CAs, which
	 * are no anchor of ours, and a tpm statement is never physical anyway.
	 */
	{ TPM_ECC_VEC, COSE_ES256, PR_CLASS_PASSKEY, WHY_TPM },
	{ TPM_RSA_VEC, COSE_RS256, PR_CLASS_PASSKEY, WHY_TPM },
	{ "platform-windows-hello-tpm-nuvoton-dell-xps-13.vec", COSE_RS256, PR_CLASS_PASSKEY, WHY_TPM },
	{ "platform-windows-hello-tpm-stm-lenovo-x1-carbon.vec", COSE_RS256, PR_CLASS_PASSKEY, WHY_TPM },
	{ "sync-apple-icloud-keychain-iphone14-ios26-none.vec", COSE_ES256, PR_CLASS_PASSKEY, WHY_SYNCED },
	{ "sync-apple-icloud-keychain-iphone8-zero-aaguid-none.vec", COSE_ES256, PR_CLASS_PASSKEY, WHY_SYNCED },
	{ NONE_VEC, COSE_ES256, PR_CLASS_PASSKEY, WHY_SYNCED },
	{ "sync-google-password-manager-none.vec", COSE_ES256, PR_CLASS_PASSKEY, WHY_SYNCED },
};

static size_t pubkey_len_of(int alg)
{
	switch (alg) {
	case COSE_ES256: return 64;
	case COSE_EDDSA: return 32;
	case COSE_RS256: return RS256_PK_LEN;
	}
	return 0;
}

/* Every field of out agrees with what the vector says about itself. */
static void fields_check(const struct reg *g, const struct pr_cred *c, int alg)
{
	unsigned char *id = NULL, *cose = NULL, aaguid[16];
	size_t id_len, cose_len;

	ck_assert_int_eq(vec_b64url(&g->v, "credential_id_b64url", &id, &id_len), 0);
	ck_assert_uint_eq(c->id_len, id_len);
	ck_assert_mem_eq(c->id, id, id_len);
	ck_assert_int_eq(vec_aaguid(&g->v, aaguid), 0);
	ck_assert_mem_eq(c->aaguid, aaguid, 16);
	ck_assert_uint_eq(c->flags, strtoul(vec_get(&g->v, "flags_hex"), NULL, 16));
	ck_assert_uint_eq(c->sign_count, strtoul(vec_get(&g->v, "sign_count"), NULL, 10));
	ck_assert_str_eq(c->fmt, g->in.fmt);
	ck_assert_int_eq(c->cose_alg, alg);
	ck_assert_int_eq(c->kind, PR_KIND_FIDO);
	ck_assert_uint_eq(c->pubkey_len, pubkey_len_of(alg));
	/* the raw key's first coordinate (or modulus) is inside the COSE key */
	ck_assert_int_eq(vec_hex(&g->v, "public_key_cose_hex", &cose, &cose_len), 0);
	ck_assert_ptr_nonnull(find_bytes(cose, cose_len, c->pubkey, 32));
	free(id);
	free(cose);
}

static void expect_class(const struct reg *g, X509_STORE *anchors,
    const unsigned char (*list)[16], size_t n, enum pr_class cls,
    const char *why_want, int alg)
{
	struct pr_cred c;
	struct pr_class_reason reason;
	struct pr_errbuf eb = { 0 };
	int r;

	r = pr_attest_classify_raw(&g->in, anchors, list, n, &c, &reason, &eb);
	ck_assert_msg(r == PR_OK, "%s: %s (%s)", g->v.name, pr_strerror(r), eb.msg);
	ck_assert_msg(c.cls == cls, "%s: class %d (%s)", g->v.name, c.cls, reason.text);
	ck_assert_str_eq(reason.text, why_want);
	/* the reason for a class is not error detail */
	ck_assert_str_eq(eb.msg, "");
	fields_check(g, &c, alg);
	pr_cred_clear(&c);
}

START_TEST(reg_yubico_anchor)
{
	const struct reg_case *t = &reg_cases[_i];
	struct reg g;

	reg_load(t->file, &g);
	expect_class(&g, g_yubico, NULL, 0, t->cls, t->why, t->alg);
	reg_free(&g);
}
END_TEST

START_TEST(reg_no_anchor)
{
	const struct reg_case *t = &reg_cases[_i];
	int chains = t->cls == PR_CLASS_PHYSICAL || strcmp(t->why, WHY_NOT_ANCHOR) == 0;
	struct reg g;

	reg_load(t->file, &g);
	expect_class(&g, g_empty, NULL, 0, PR_CLASS_PASSKEY,
	    chains ? WHY_NOT_ANCHOR : t->why, t->alg);
	/* no store at all: the same classes */
	expect_class(&g, NULL, NULL, 0, PR_CLASS_PASSKEY,
	    chains ? "no trust anchors configured" : t->why, t->alg);
	reg_free(&g);
}
END_TEST

/* The caller's path: a fido_cred_t filled as after fido_dev_make_cred. */
START_TEST(reg_fido_cred)
{
	const struct reg_case *t = &reg_cases[_i];
	fido_cred_t *fc = NULL;
	struct pr_cred c;
	struct reg g;
	struct pr_class_reason reason;

	reg_load(t->file, &g);
	ck_assert_ptr_nonnull(fc = fido_cred_new());
	if (strcmp(g.in.fmt, "apple") == 0) {
		/* why pr_attest_classify_raw exists */
		ck_assert_int_ne(fido_cred_set_fmt(fc, g.in.fmt), FIDO_OK);
		goto out;
	}
	ck_assert_int_eq(fido_cred_set_type(fc, t->alg), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_clientdata_hash(fc, g.cdh, g.cdh_len), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_rp(fc, g.in.rp_id, NULL), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_authdata_raw(fc, g.authdata, g.authdata_len), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_fmt(fc, g.in.fmt), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_attstmt(fc, g.stmt.p, g.stmt.len), FIDO_OK);
	ck_assert_int_eq(pr_attest_classify(fc, g_yubico, NULL, 0, &c, &reason, NULL), PR_OK);
	ck_assert_int_eq(c.cls, t->cls);
	ck_assert_str_eq(reason.text, t->why);
	fields_check(&g, &c, t->alg);
	pr_cred_clear(&c);
out:
	fido_cred_free(&fc);
	reg_free(&g);
}
END_TEST

/* ---- AAGUID allow-list ---- */

enum list_kind { LIST_EXCLUDES, LIST_INCLUDES };

struct list_case {
	const char *file;
	enum list_kind list;
	enum pr_class cls;
	const char *why;
};

static const struct list_case list_cases[] = {
	{ PACKED_VEC, LIST_EXCLUDES, PR_CLASS_PASSKEY, WHY_NOT_LISTED },
	{ PACKED_VEC, LIST_INCLUDES, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ BIO_VEC, LIST_EXCLUDES, PR_CLASS_PASSKEY, WHY_NOT_LISTED },
	{ BIO_VEC, LIST_INCLUDES, PR_CLASS_PHYSICAL, WHY_YUBICO },
	{ "hw-yubikey5ci-packed-es256.vec", LIST_INCLUDES, PR_CLASS_PHYSICAL, WHY_YUBICO },
	/* fido-u2f has no AAGUID (all zero): any allow-list excludes it */
	{ U2F_VEC, LIST_EXCLUDES, PR_CLASS_PASSKEY, WHY_U2F_LISTED },
	{ U2F_VEC, LIST_INCLUDES, PR_CLASS_PASSKEY, WHY_U2F_LISTED },
	/* the list never promotes what is not otherwise physical */
	{ SELF_VEC, LIST_INCLUDES, PR_CLASS_PASSKEY, "self attestation" },
	{ TPM_RSA_VEC, LIST_INCLUDES, PR_CLASS_PASSKEY, WHY_TPM },
	{ NONE_VEC, LIST_INCLUDES, PR_CLASS_PASSKEY, WHY_SYNCED },
};

/* The credential algorithm reg_cases gives the vector file. */
static int reg_alg(const char *file)
{
	for (size_t i = 0; i < nitems(reg_cases); i++)
		if (strcmp(reg_cases[i].file, file) == 0)
			return reg_cases[i].alg;
	ck_abort_msg("%s is not in reg_cases", file);
	return 0;
}

START_TEST(aaguid_allow_list)
{
	const struct list_case *t = &list_cases[_i];
	unsigned char list[3][16];
	struct reg g;
	int alg;

	reg_load(t->file, &g);
	memset(list[0], 0xa5, 16);
	memset(list[1], 0x5a, 16);
	memset(list[2], 0x00, 16);
	ck_assert_int_eq(vec_aaguid(&g.v, list[1]), 0);
	if (t->list == LIST_EXCLUDES)
		list[1][15] ^= 0x01;
	alg = reg_alg(t->file);
	/* the vector's AAGUID (or a neighbour) sits in the middle of the list */
	expect_class(&g, g_yubico, (const unsigned char (*)[16])list,
	    t->list == LIST_EXCLUDES ? 2 : 3, t->cls, t->why, alg);
	reg_free(&g);
}
END_TEST

/* ---- statements that must not verify ---- */

enum tamper {
	T_SIG,              /* last byte of the attestation signature */
	T_RPIDHASH,         /* first byte of rpIdHash in authData */
	T_RPID,             /* a different rp id */
	T_CDH,              /* a different client data hash */
	T_LEAF_SWAP,        /* x5c[0] replaced by another Yubico certificate */
	T_UP_CLEAR,         /* authData without user presence */
	T_BE_SET,           /* BE set after signing */
	T_FMT_UNKNOWN,      /* a format we cannot verify */
	T_FMT_NONE,         /* a statement claimed as "none" */
	T_FMT_U2F,          /* packed statement claimed as fido-u2f */
	T_ALG_MISMATCH,     /* caller asked for EdDSA */
	T_AD_TRAILING,      /* a byte after the credential key */
	T_AD_SHORT,         /* authData cut inside the fixed part */
	T_AD_NO_AT,         /* attested-credential flag cleared */
	T_STMT_GARBAGE,     /* attStmt is not CBOR */
	T_STMT_TRAILING,    /* a byte after the attStmt map */
	T_STMT_NOT_MAP,     /* attStmt is a CBOR array */
	T_X5C_JUNK,         /* x5c holds something that is not a certificate */
	T_X5C_EMPTY,        /* x5c is an empty array */
	T_X5C_TWICE,        /* two x5c entries in one map */
	T_SELF_ALG,         /* self attestation alg differs from the key's */
	T_STMT_IN_NONE,     /* "none" with a non-empty statement */
	T_FMT_LONG,         /* a real format name longer than any we verify */
	T_FMT_CTRL,         /* a format name with control characters */
	T_KEY_RS1,          /* the RSA credential key claims RS1 (-65535) */
	T_STMT_ALG_RS256,   /* the tpm statement claims RS256 instead of RS1 */
};

struct tamper_case {
	const char *file;
	enum tamper t;
	int err;
};

static const struct tamper_case tamper_cases[] = {
	{ PACKED_VEC, T_SIG, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_RPIDHASH, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_RPID, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_CDH, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_LEAF_SWAP, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_UP_CLEAR, PR_ERR_UP_MISSING },
	{ PACKED_VEC, T_BE_SET, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_FMT_UNKNOWN, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_FMT_NONE, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_FMT_U2F, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_ALG_MISMATCH, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_AD_TRAILING, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_STMT_GARBAGE, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_STMT_TRAILING, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_STMT_NOT_MAP, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_X5C_JUNK, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_X5C_EMPTY, PR_ERR_ATTESTATION },
	{ PACKED_VEC, T_X5C_TWICE, PR_ERR_ATTESTATION },
	{ U2F_VEC, T_SIG, PR_ERR_ATTESTATION },
	{ U2F_VEC, T_RPID, PR_ERR_ATTESTATION },
	{ U2F_VEC, T_CDH, PR_ERR_ATTESTATION },
	{ U2F_VEC, T_LEAF_SWAP, PR_ERR_ATTESTATION },
	{ BIO_VEC, T_SIG, PR_ERR_ATTESTATION },
	{ BIO_VEC, T_RPID, PR_ERR_ATTESTATION },
	{ BIO_VEC, T_LEAF_SWAP, PR_ERR_ATTESTATION },
	{ SELF_VEC, T_SIG, PR_ERR_ATTESTATION },
	{ SELF_VEC, T_RPID, PR_ERR_ATTESTATION },
	{ SELF_VEC, T_CDH, PR_ERR_ATTESTATION },
	{ SELF_VEC, T_SELF_ALG, PR_ERR_ATTESTATION },
	{ NONE_VEC, T_RPIDHASH, PR_ERR_ATTESTATION },
	{ NONE_VEC, T_RPID, PR_ERR_ATTESTATION },
	{ NONE_VEC, T_UP_CLEAR, PR_ERR_UP_MISSING },
	{ NONE_VEC, T_STMT_IN_NONE, PR_ERR_ATTESTATION },
	{ NONE_VEC, T_AD_TRAILING, PR_ERR_ATTESTATION },
	{ NONE_VEC, T_AD_SHORT, PR_ERR_ATTESTATION },
	{ NONE_VEC, T_AD_NO_AT, PR_ERR_ATTESTATION },
	{ APPLE_VEC, T_RPID, PR_ERR_ATTESTATION },
	{ APPLE_VEC, T_UP_CLEAR, PR_ERR_UP_MISSING },
	{ TPM_RSA_VEC, T_SIG, PR_ERR_ATTESTATION },
	{ TPM_RSA_VEC, T_RPID, PR_ERR_ATTESTATION },
	{ TPM_RSA_VEC, T_CDH, PR_ERR_ATTESTATION },
	{ TPM_RSA_VEC, T_UP_CLEAR, PR_ERR_UP_MISSING },
	{ TPM_RSA_VEC, T_BE_SET, PR_ERR_ATTESTATION },
	{ TPM_ECC_VEC, T_SIG, PR_ERR_ATTESTATION },
	{ TPM_ECC_VEC, T_CDH, PR_ERR_ATTESTATION },
	{ TPM_ECC_VEC, T_AD_TRAILING, PR_ERR_ATTESTATION },
};

/* Rebuild g's statement with a different alg and/or x5c. */
static void stmt_rebuild(struct reg *g, int alg, const struct blob *x5c, int n)
{
	struct buf b = { NULL, 0 };

	attstmt_build(&b, alg, (struct blob){ g->sig, g->sig_len }, x5c, n);
	buf_free(&g->stmt);
	g->stmt = b;
	g->in.attstmt = b.p;
	g->in.attstmt_len = b.len;
}

static void tamper_leaf_swap(struct reg *g)
{
	struct vec other;
	unsigned char *leaf = NULL;
	size_t len;

	ck_assert_int_eq(vec_load(SWAP_LEAF_VEC, &other), 0);
	ck_assert_int_eq(vec_hex(&other, "x5c_0_der_hex", &leaf, &len), 0);
	ck_assert(len != g->leaf_len || memcmp(leaf, g->leaf, len) != 0);
	stmt_rebuild(g, strcmp(g->in.fmt, "packed") == 0 ? COSE_ES256 : 0,
	    &(struct blob){ leaf, len }, 1);
	free(leaf);
	vec_free(&other);
}

static void tamper_x5c_twice(struct reg *g)
{
	struct buf b = { NULL, 0 };

	cbor_head(&b, 5, 4);
	cbor_text(&b, "alg");
	cbor_head(&b, 1, (uint64_t)(-1 - COSE_ES256));
	cbor_text(&b, "sig");
	cbor_bytes(&b, g->sig, g->sig_len);
	for (int i = 0; i < 2; i++) {
		cbor_text(&b, "x5c");
		cbor_head(&b, 4, 1);
		cbor_bytes(&b, g->leaf, g->leaf_len);
	}
	buf_free(&g->stmt);
	g->stmt = b;
	g->in.attstmt = b.p;
	g->in.attstmt_len = b.len;
}

static void tamper_sig(struct reg *g)
{
	unsigned char *at;

	ck_assert_ptr_nonnull(g->sig);
	at = (unsigned char *)find_bytes(g->stmt.p, g->stmt.len, g->sig, g->sig_len);
	ck_assert_ptr_nonnull(at);
	at[g->sig_len - 1] ^= 0x01;
}

static void tamper_authdata(struct reg *g, enum tamper t)
{
	switch (t) {
	case T_RPIDHASH: g->authdata[0] ^= 0x01; break;
	case T_UP_CLEAR: g->authdata[32] &= (unsigned char)~0x01; break;
	case T_BE_SET: g->authdata[32] |= 0x08; break;
	case T_AD_NO_AT: g->authdata[32] &= (unsigned char)~0x40; break;
	case T_AD_SHORT: g->in.authdata_len = 36; break;
	case T_AD_TRAILING:
		ck_assert_ptr_nonnull(g->authdata = realloc(g->authdata,
		    g->authdata_len + 1));
		g->authdata[g->authdata_len] = 0x00;
		g->in.authdata = g->authdata;
		g->in.authdata_len = g->authdata_len + 1;
		break;
	default: ck_abort_msg("not an authData tamper");
	}
}

/* Overwrite the first occurrence of from in buf with to (same length). */
static void patch_bytes(unsigned char *buf, size_t len, const char *from_hex,
    const char *to_hex)
{
	unsigned char *from = NULL, *to = NULL, *at;
	size_t from_len, to_len;

	ck_assert_int_eq(vec_hex_decode(from_hex, &from, &from_len), 0);
	ck_assert_int_eq(vec_hex_decode(to_hex, &to, &to_len), 0);
	ck_assert_uint_eq(from_len, to_len);
	at = (unsigned char *)find_bytes(buf, len, from, from_len);
	ck_assert_msg(at != NULL, "%s not found", from_hex);
	memcpy(at, to, to_len);
	free(from);
	free(to);
}

static void tamper_stmt_bytes(struct reg *g, const unsigned char *b, size_t n)
{
	buf_free(&g->stmt);
	buf_put(&g->stmt, b, n);
	g->in.attstmt = g->stmt.p;
	g->in.attstmt_len = g->stmt.len;
}

static void tamper_apply(struct reg *g, enum tamper t)
{
	static const unsigned char garbage[] = { 0xff }, not_map[] = { 0x80 };
	static const unsigned char junk_der[] = { 0x30, 0x00 };
	unsigned char trailing[4096];

	switch (t) {
	case T_SIG: tamper_sig(g); break;
	case T_RPID: g->in.rp_id = "evil.example"; break;
	case T_CDH: g->cdh[0] ^= 0x01; break;
	case T_LEAF_SWAP: tamper_leaf_swap(g); break;
	case T_FMT_UNKNOWN: g->in.fmt = "android-key"; break;
	case T_FMT_LONG: g->in.fmt = "android-safetynet"; break;
	case T_FMT_CTRL: g->in.fmt = "pa\tcked\033[2J-and-then-some-more-text"; break;
	/* COSE_Key label 3 (alg): -257 becomes -65535, both three bytes */
	case T_KEY_RS1: patch_bytes(g->authdata, g->authdata_len, "03390100", "0339fffe"); break;
	/* attStmt "alg": -65535 becomes -257 */
	case T_STMT_ALG_RS256:
		patch_bytes(g->stmt.p, g->stmt.len, "63616c6739fffe", "63616c67390100");
		break;
	case T_FMT_NONE: g->in.fmt = "none"; break;
	case T_FMT_U2F: g->in.fmt = "fido-u2f"; break;
	case T_ALG_MISMATCH: g->in.cose_alg = COSE_EDDSA; break;
	case T_STMT_GARBAGE: tamper_stmt_bytes(g, garbage, sizeof(garbage)); break;
	case T_STMT_NOT_MAP: tamper_stmt_bytes(g, not_map, sizeof(not_map)); break;
	case T_STMT_TRAILING:
		ck_assert_uint_lt(g->stmt.len, sizeof(trailing));
		memcpy(trailing, g->stmt.p, g->stmt.len);
		trailing[g->stmt.len] = 0x00;
		tamper_stmt_bytes(g, trailing, g->stmt.len + 1);
		break;
	case T_X5C_JUNK:
		stmt_rebuild(g, COSE_ES256, &(struct blob){ junk_der, sizeof(junk_der) }, 1);
		break;
	case T_X5C_EMPTY: stmt_rebuild(g, COSE_ES256, NULL, 0); break;
	case T_X5C_TWICE: tamper_x5c_twice(g); break;
	case T_SELF_ALG: stmt_rebuild(g, COSE_ES256, NULL, -1); break;
	case T_STMT_IN_NONE:
		ck_assert_ptr_null(g->sig);
		g->sig = calloc(1, 8);
		g->sig_len = 8;
		stmt_rebuild(g, 0, NULL, -1);
		break;
	default: tamper_authdata(g, t); break;
	}
}

START_TEST(tampered_statement)
{
	const struct tamper_case *t = &tamper_cases[_i];
	struct pr_cred c;
	struct reg g;
	struct pr_class_reason reason;
	struct pr_errbuf eb = { 0 };
	int r;

	reg_load(t->file, &g);
	tamper_apply(&g, t->t);
	r = pr_attest_classify_raw(&g.in, g_yubico, NULL, 0, &c, &reason, &eb);
	ck_assert_msg(r == t->err, "%s/%d: got %d (%s)", t->file, t->t, r, eb.msg);
	ck_assert_ptr_null(c.id);
	ck_assert_ptr_null(c.pubkey);
	ck_assert_msg(eb.msg[0] != '\0', "no reason given");
	/* a refused key has no class, so no reason for one */
	ck_assert_str_eq(reason.text, "");
	reg_free(&g);
}
END_TEST

/* The reason given for a refusal, word for word. */
static const struct {
	const char *file;
	enum tamper t;
	int err;
	const char *why;
} reason_cases[] = {
	{ PACKED_VEC, T_FMT_UNKNOWN, PR_ERR_ATTESTATION,
	  "unsupported attestation format 'android-key'" },
	/* 16 characters or more: once refused with no reason at all */
	{ TPM_RSA_VEC, T_FMT_LONG, PR_ERR_ATTESTATION,
	  "unsupported attestation format 'android-safetynet'" },
	/* outside input: control characters shown as '?', cut at 32 */
	{ PACKED_VEC, T_FMT_CTRL, PR_ERR_ATTESTATION,
	  "unsupported attestation format 'pa?cked?[2J-and-then-some-more-t...'" },
	/* an RS1 credential key is well formed, just not a key type we sign in with */
	{ TPM_RSA_VEC, T_KEY_RS1, PR_ERR_ALGORITHM, "unsupported key algorithm -65535" },
	/*
	 * libfido2 1.12 verifies tpm statements signed with RS1 only (its
	 * certInfo's extraData is a SHA-1): an RS256 one cannot be verified, so
	 * it is refused, and the reason says why.
	 */
	{ TPM_RSA_VEC, T_STMT_ALG_RS256, PR_ERR_ATTESTATION,
	  "'tpm' statement signed with algorithm -257: only RS1 (-65535) tpm statements can be verified" },
	{ TPM_RSA_VEC, T_SIG, PR_ERR_ATTESTATION, "'tpm' attestation statement does not verify" },
	{ TPM_ECC_VEC, T_CDH, PR_ERR_ATTESTATION, "'tpm' attestation statement does not verify" },
	{ PACKED_VEC, T_STMT_GARBAGE, PR_ERR_ATTESTATION, "malformed 'packed' attestation statement" },
	{ PACKED_VEC, T_X5C_JUNK, PR_ERR_ATTESTATION, "malformed 'packed' attestation statement" },
	{ NONE_VEC, T_AD_NO_AT, PR_ERR_ATTESTATION, "malformed authenticator data" },
};

START_TEST(refusal_reason)
{
	struct pr_cred c;
	struct reg g;
	struct pr_errbuf eb = { 0 };
	int r;

	reg_load(reason_cases[_i].file, &g);
	tamper_apply(&g, reason_cases[_i].t);
	r = pr_attest_classify_raw(&g.in, g_yubico, NULL, 0, &c, NULL, &eb);
	ck_assert_msg(r == reason_cases[_i].err, "%s/%d: got %d (%s)",
	    reason_cases[_i].file, reason_cases[_i].t, r, eb.msg);
	ck_assert_str_eq(eb.msg, reason_cases[_i].why);
	ck_assert_ptr_null(c.id);
	reg_free(&g);
}
END_TEST

/* ---- bad arguments ---- */

enum badarg {
	A_NULL_IN, A_NULL_OUT, A_NULL_FMT, A_NULL_AUTHDATA, A_NULL_STMT,
	A_NULL_CDH, A_NULL_RP, A_EMPTY_RP, A_CDH_SHORT, A_AUTHDATA_EMPTY,
	A_STMT_EMPTY, A_LIST_NULL, A_FMT_LONG,
};

static const struct { enum badarg a; int err; } badarg_cases[] = {
	{ A_NULL_IN, PR_ERR_INVALID_ARG }, { A_NULL_OUT, PR_ERR_INVALID_ARG },
	{ A_NULL_FMT, PR_ERR_INVALID_ARG }, { A_NULL_AUTHDATA, PR_ERR_INVALID_ARG },
	{ A_NULL_STMT, PR_ERR_INVALID_ARG }, { A_NULL_CDH, PR_ERR_INVALID_ARG },
	{ A_NULL_RP, PR_ERR_INVALID_ARG }, { A_EMPTY_RP, PR_ERR_INVALID_ARG },
	{ A_CDH_SHORT, PR_ERR_INVALID_ARG }, { A_AUTHDATA_EMPTY, PR_ERR_INVALID_ARG },
	{ A_STMT_EMPTY, PR_ERR_INVALID_ARG }, { A_LIST_NULL, PR_ERR_INVALID_ARG },
	{ A_FMT_LONG, PR_ERR_ATTESTATION },
};

START_TEST(bad_arguments)
{
	enum badarg a = badarg_cases[_i].a;
	struct pr_attest_input in;
	struct pr_cred c;
	struct reg g;
	size_t n_list = 0;

	reg_load(PACKED_VEC, &g);
	in = g.in;
	switch (a) {
	case A_NULL_FMT: in.fmt = NULL; break;
	case A_NULL_AUTHDATA: in.authdata = NULL; break;
	case A_NULL_STMT: in.attstmt = NULL; break;
	case A_NULL_CDH: in.cdh = NULL; break;
	case A_NULL_RP: in.rp_id = NULL; break;
	case A_EMPTY_RP: in.rp_id = ""; break;
	case A_CDH_SHORT: in.cdh_len = 31; break;
	case A_AUTHDATA_EMPTY: in.authdata_len = 0; break;
	case A_STMT_EMPTY: in.attstmt_len = 0; break;
	case A_LIST_NULL: n_list = 1; break;
	case A_FMT_LONG: in.fmt = "packed-but-much-too-long"; break;
	default: break;
	}
	ck_assert_int_eq(pr_attest_classify_raw(a == A_NULL_IN ? NULL : &in,
	    g_yubico, NULL, n_list, a == A_NULL_OUT ? NULL : &c, NULL, NULL),
	    badarg_cases[_i].err);
	reg_free(&g);
}
END_TEST

START_TEST(bad_fido_cred)
{
	fido_cred_t *fc = NULL;
	struct pr_cred c;
	struct pr_class_reason reason;
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(pr_attest_classify(NULL, g_yubico, NULL, 0, &c, &reason, &eb),
	    PR_ERR_INVALID_ARG);
	/* a credential that carries nothing */
	ck_assert_ptr_nonnull(fc = fido_cred_new());
	ck_assert_int_eq(pr_attest_classify(fc, g_yubico, NULL, 0, &c, &reason, &eb),
	    PR_ERR_INVALID_ARG);
	fido_cred_free(&fc);
}
END_TEST

/* ---- synthetic packed statements from a test PKI ---- */

#define SYNTH_RP "pam://riverside-clinic"
#define SYNTH_ANCHOR "chains to trust anchor 'CN=PR Test Attestation Root'"
#define EXT_PROT2 "a16b6372656450726f7465637402"
#define EXT_ALL "a36b6372656450726f74656374036b686d61632d736563726574f56c6d696e50696e4c656e67746804"
/* the same map, keys not in CTAP2 canonical order (libfido2 refuses it) */
#define EXT_UNSORTED "a36b686d61632d736563726574f56b6372656450726f74656374036c6d696e50696e4c656e67746804"
#define EXT_HMAC_FALSE "a16b686d61632d736563726574f4"
#define EXT_UNKNOWN "a163666f6f01"
#define EXT_PROT_TEXT "a16b6372656450726f746563746178"
/* Values of the wrong CBOR type where a bool or a uint8 belongs (libcbor 0.8 asserts on some). */
#define EXT_HMAC_HALF "a16b686d61632d736563726574f93c00"
#define EXT_HMAC_SINGLE "a16b686d61632d736563726574fa3f800000"
#define EXT_HMAC_DOUBLE "a16b686d61632d736563726574fb3ff0000000000000"
#define EXT_HMAC_NULL "a16b686d61632d736563726574f6"
#define EXT_HMAC_SIMPLE "a16b686d61632d736563726574f820"
#define EXT_HMAC_ONE "a16b686d61632d73656372657401"
#define EXT_BLOB_HALF "a16863726564426c6f62f93c00"
#define EXT_PROT_HALF "a16b6372656450726f74656374f94000"
#define EXT_PROT_WIDE "a16b6372656450726f74656374190002"
#define EXT_PROT_NEG "a16b6372656450726f7465637421"
#define EXT_INDEFINITE "bf6b686d61632d736563726574f5ff"
#define EXT_NOT_MAP "826b686d61632d736563726574f5"

enum synth_aaguid { SA_NONE, SA_SAME, SA_OTHER, SA_CRITICAL, SA_SHORT };

struct synth_case {
	const char *name;
	uint8_t flags;
	const char *ext_hex;    /* authData extensions, or NULL */
	enum synth_aaguid aaguid;
	int via_intermediate;   /* leaf issued by an intermediate CA */
	int send_intermediate;  /* which is in x5c */
	int expired;            /* leaf validity ended a year ago */
	int anchored;           /* the root is a trust anchor */
	int err;
	enum pr_class cls;
	const char *why;
};

static const struct synth_case synth_cases[] = {
	{ "basic", 0x41, NULL, SA_SAME, 0, 0, 0, 1, PR_OK, PR_CLASS_PHYSICAL, SYNTH_ANCHOR },
	{ "no aaguid extension", 0x45, NULL, SA_NONE, 0, 0, 0, 1, PR_OK, PR_CLASS_PHYSICAL, SYNTH_ANCHOR },
	{ "other aaguid", 0x41, NULL, SA_OTHER, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "critical aaguid", 0x41, NULL, SA_CRITICAL, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "short aaguid", 0x41, NULL, SA_SHORT, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "backup eligible", 0x49, NULL, SA_SAME, 0, 0, 0, 1, PR_OK, PR_CLASS_PASSKEY, WHY_BE },
	{ "backed up", 0x59, NULL, SA_SAME, 0, 0, 0, 1, PR_OK, PR_CLASS_PASSKEY, WHY_BE },
	{ "intermediate in x5c", 0x41, NULL, SA_SAME, 1, 1, 0, 1, PR_OK, PR_CLASS_PHYSICAL, SYNTH_ANCHOR },
	{ "intermediate missing", 0x41, NULL, SA_SAME, 1, 0, 0, 1, PR_OK, PR_CLASS_PASSKEY, WHY_NOT_ANCHOR },
	{ "expired leaf", 0x41, NULL, SA_SAME, 0, 0, 1, 1, PR_OK, PR_CLASS_PHYSICAL, SYNTH_ANCHOR },
	{ "root not anchored", 0x41, NULL, SA_SAME, 0, 0, 0, 0, PR_OK, PR_CLASS_PASSKEY, WHY_NOT_ANCHOR },
	{ "credProtect", 0xc1, EXT_PROT2, SA_SAME, 0, 0, 0, 1, PR_OK, PR_CLASS_PHYSICAL, SYNTH_ANCHOR },
	{ "three extensions", 0xc5, EXT_ALL, SA_SAME, 0, 0, 0, 1, PR_OK, PR_CLASS_PHYSICAL, SYNTH_ANCHOR },
	{ "extensions not canonical", 0xc5, EXT_UNSORTED, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "hmac-secret false", 0xc1, EXT_HMAC_FALSE, SA_SAME, 0, 0, 0, 1, PR_OK, PR_CLASS_PHYSICAL, SYNTH_ANCHOR },
	{ "unknown extension", 0xc1, EXT_UNKNOWN, SA_SAME, 0, 0, 0, 1, PR_OK, PR_CLASS_PHYSICAL, SYNTH_ANCHOR },
	{ "credProtect not a number", 0xc1, EXT_PROT_TEXT, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "ED flag without extensions", 0xc1, NULL, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "extensions without ED flag", 0x41, EXT_PROT2, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "hmac-secret a half float", 0xc1, EXT_HMAC_HALF, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "hmac-secret a single float", 0xc1, EXT_HMAC_SINGLE, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "hmac-secret a double float", 0xc1, EXT_HMAC_DOUBLE, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "hmac-secret null", 0xc1, EXT_HMAC_NULL, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "hmac-secret simple value 32", 0xc1, EXT_HMAC_SIMPLE, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "hmac-secret an integer", 0xc1, EXT_HMAC_ONE, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "credBlob a half float", 0xc1, EXT_BLOB_HALF, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "credProtect a half float", 0xc1, EXT_PROT_HALF, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "credProtect a uint16", 0xc1, EXT_PROT_WIDE, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "credProtect negative", 0xc1, EXT_PROT_NEG, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "extensions an indefinite map", 0xc1, EXT_INDEFINITE, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
	{ "extensions an array", 0xc1, EXT_NOT_MAP, SA_SAME, 0, 0, 0, 1, PR_ERR_ATTESTATION, PR_CLASS_PASSKEY, NULL },
};

static const unsigned char synth_aaguid_bytes[16] = {
	0x70, 0x72, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x2d,
	0x61, 0x61, 0x67, 0x75, 0x69, 0x64, 0x00, 0x01,
};

struct cert_spec {
	const char *cn;
	EVP_PKEY *key;          /* subject key */
	X509 *issuer;           /* NULL: self-signed */
	EVP_PKEY *issuer_key;
	int ca;
	long from_days, to_days;
	enum synth_aaguid aaguid;
};

static void ext_add(X509 *x, X509_EXTENSION *e)
{
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

static void aaguid_ext_add(X509 *x, enum synth_aaguid mode)
{
	unsigned char id[16], *der = NULL;
	ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING *outer = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	int n;

	memcpy(id, synth_aaguid_bytes, sizeof(id));
	if (mode == SA_OTHER)
		id[0] ^= 0xff;
	ck_assert(inner != NULL && outer != NULL && oid != NULL);
	ck_assert_int_eq(ASN1_OCTET_STRING_set(inner, id, mode == SA_SHORT ? 15 : 16), 1);
	ck_assert_int_gt(n = i2d_ASN1_OCTET_STRING(inner, &der), 0);
	ck_assert_int_eq(ASN1_OCTET_STRING_set(outer, der, n), 1);
	ext_add(x, X509_EXTENSION_create_by_OBJ(NULL, oid, mode == SA_CRITICAL, outer));
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(inner);
	ASN1_OCTET_STRING_free(outer);
	ASN1_OBJECT_free(oid);
}

static X509 *cert_make(const struct cert_spec *s)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *nm;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), s->from_days * 86400));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), s->to_days * 86400));
	ck_assert_int_eq(X509_set_pubkey(x, s->key), 1);
	nm = X509_get_subject_name(x);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)s->cn, -1, -1, 0), 1);
	ck_assert_int_eq(X509_set_issuer_name(x, s->issuer != NULL ?
	    X509_get_subject_name(s->issuer) : nm), 1);
	ext_add(x, X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
	    s->ca ? "critical,CA:TRUE" : "CA:FALSE"));
	if (s->aaguid != SA_NONE)
		aaguid_ext_add(x, s->aaguid);
	ck_assert_int_gt(X509_sign(x, s->issuer_key, EVP_sha256()), 0);
	return x;
}

static EVP_PKEY *ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	ck_assert_ptr_nonnull(k);
	return k;
}

/* rpIdHash | flags | counter | AAGUID | id | COSE ES256 key | extensions */
static void synth_authdata(struct buf *b, uint8_t flags, EVP_PKEY *cred_key,
    const char *ext_hex)
{
	static const unsigned char counter[4] = { 0, 0, 0, 7 }, id_len[2] = { 0, 16 };
	static const unsigned char cose_head[] = { 0xa5, 0x01, 0x02, 0x03, 0x26,
	    0x20, 0x01, 0x21, 0x58, 0x20 }, y_head[] = { 0x22, 0x58, 0x20 };
	unsigned char h[32], id[16], pub[65], *ext = NULL;
	unsigned int hlen;
	size_t publen = 0, ext_len;

	ck_assert_int_eq(EVP_Digest(SYNTH_RP, strlen(SYNTH_RP), h, &hlen,
	    EVP_sha256(), NULL), 1);
	memset(id, 0x11, sizeof(id));
	ck_assert_int_eq(EVP_PKEY_get_octet_string_param(cred_key,
	    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &publen), 1);
	ck_assert(publen == 65 && pub[0] == 0x04);
	buf_put(b, h, 32);
	buf_put(b, &flags, 1);
	buf_put(b, counter, 4);
	buf_put(b, synth_aaguid_bytes, 16);
	buf_put(b, id_len, 2);
	buf_put(b, id, 16);
	buf_put(b, cose_head, sizeof(cose_head));
	buf_put(b, pub + 1, 32);
	buf_put(b, y_head, sizeof(y_head));
	buf_put(b, pub + 33, 32);
	if (ext_hex != NULL) {
		ck_assert_int_eq(vec_hex_decode(ext_hex, &ext, &ext_len), 0);
		buf_put(b, ext, ext_len);
		free(ext);
	}
}

static void es256_sign(EVP_PKEY *k, const struct buf *ad,
    const unsigned char *cdh, struct buf *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
	ck_assert_int_eq(EVP_DigestSignUpdate(ctx, ad->p, ad->len), 1);
	ck_assert_int_eq(EVP_DigestSignUpdate(ctx, cdh, 32), 1);
	ck_assert_int_eq(EVP_DigestSignFinal(ctx, NULL, &n), 1);
	ck_assert_ptr_nonnull(sig->p = malloc(n));
	ck_assert_int_eq(EVP_DigestSignFinal(ctx, sig->p, &n), 1);
	sig->len = n;
	EVP_MD_CTX_free(ctx);
}

struct synth_pki {
	EVP_PKEY *root_key, *int_key, *leaf_key, *cred_key;
	X509 *root, *inter, *leaf;
	unsigned char *der[2];
	struct blob x5c[2];
};

static void synth_pki_make(const struct synth_case *t, struct synth_pki *p)
{
	struct cert_spec root = { "PR Test Attestation Root", NULL, NULL, NULL,
	    1, -1, 3650, SA_NONE };
	struct cert_spec inter = { "PR Test Attestation CA 2", NULL, NULL, NULL,
	    1, -1, 3650, SA_NONE };
	struct cert_spec leaf = { "PR Test Authenticator", NULL, NULL, NULL,
	    0, -1, 3650, t->aaguid };
	int n;

	memset(p, 0, sizeof(*p));
	p->root_key = root.key = root.issuer_key = ec_key();
	p->root = cert_make(&root);
	p->int_key = inter.key = ec_key();
	inter.issuer = p->root;
	inter.issuer_key = p->root_key;
	p->inter = cert_make(&inter);
	p->leaf_key = leaf.key = ec_key();
	leaf.issuer = t->via_intermediate ? p->inter : p->root;
	leaf.issuer_key = t->via_intermediate ? p->int_key : p->root_key;
	if (t->expired) {
		leaf.from_days = -730;
		leaf.to_days = -365;
	}
	p->leaf = cert_make(&leaf);
	p->cred_key = ec_key();
	ck_assert_int_gt(n = i2d_X509(p->leaf, &p->der[0]), 0);
	p->x5c[0] = (struct blob){ p->der[0], (size_t)n };
	ck_assert_int_gt(n = i2d_X509(p->inter, &p->der[1]), 0);
	p->x5c[1] = (struct blob){ p->der[1], (size_t)n };
}

static void synth_pki_free(struct synth_pki *p)
{
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->int_key);
	EVP_PKEY_free(p->leaf_key);
	EVP_PKEY_free(p->cred_key);
	X509_free(p->root);
	X509_free(p->inter);
	X509_free(p->leaf);
	OPENSSL_free(p->der[0]);
	OPENSSL_free(p->der[1]);
}

START_TEST(synthetic_packed)
{
	const struct synth_case *t = &synth_cases[_i];
	struct buf ad = { NULL, 0 }, sig = { NULL, 0 }, stmt = { NULL, 0 };
	unsigned char cdh[32];
	struct pr_attest_input in;
	X509_STORE *anchors = NULL;
	struct synth_pki p;
	struct pr_cred c;
	struct pr_class_reason reason;
	struct pr_errbuf eb = { 0 };
	int r;

	synth_pki_make(t, &p);
	memset(cdh, 0x5a, sizeof(cdh));
	synth_authdata(&ad, t->flags, p.cred_key, t->ext_hex);
	es256_sign(p.leaf_key, &ad, cdh, &sig);
	attstmt_build(&stmt, COSE_ES256, (struct blob){ sig.p, sig.len }, p.x5c,
	    t->send_intermediate ? 2 : 1);
	ck_assert_ptr_nonnull(anchors = X509_STORE_new());
	if (t->anchored)
		ck_assert_int_eq(X509_STORE_add_cert(anchors, p.root), 1);
	in = (struct pr_attest_input){ "packed", ad.p, ad.len, stmt.p, stmt.len,
	    cdh, sizeof(cdh), SYNTH_RP, COSE_ES256 };
	r = pr_attest_classify_raw(&in, anchors, NULL, 0, &c, &reason, &eb);
	ck_assert_msg(r == t->err, "%s: got %d (%s)", t->name, r, eb.msg);
	if (r == PR_OK) {
		ck_assert_int_eq(c.cls, t->cls);
		ck_assert_str_eq(reason.text, t->why);
		ck_assert_uint_eq(c.flags, t->flags);
		ck_assert_uint_eq(c.sign_count, 7);
		ck_assert_mem_eq(c.aaguid, synth_aaguid_bytes, 16);
		pr_cred_clear(&c);
	}
	X509_STORE_free(anchors);
	buf_free(&ad);
	buf_free(&sig);
	buf_free(&stmt);
	synth_pki_free(&p);
}
END_TEST

/*
 * ---- inputs that made the parser abort ----
 * In the fuzz harness's layout: a selector byte, then authData and attStmt
 * as the two halves of the rest, fmt "packed", rp id "x", no anchors.
 */

static const struct {
	const char *name;
	const char *hex;
} crash_cases[] = {
	/* fz/crashes/crash-5ed983a0: "hmac-secret": f9 eaea (a half float) -> cbor_is_bool asserted */
	{ "fuzz crash-5ed983a0",
	  "6b296e646572415a794161236b216f6e0100000072456400bb00000000000000"
	  "ffffbfffff8affffffffffff2d00009f852800e06000000100a200000327a232"
	  "664c66666666666b686d61632d736563726574f9eaeaea151515151515151515"
	  "1515151515151515151515151515151515151515151515151515153115151515"
	  "1515151515151515151515153737373737373737373737373737373737373737"
	  "37373737373737373737373715fffffffd151515151515150000d4692f2f2d3d"
	  "e72b66d4d43b2c" },
	/* hand-made: rpIdHash, flags UP|AT|ED, counter, AAGUID, a 1-byte id, {3: -7}, then extensions */
	{ "hmac-secret a half float",
	  "03"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "c100000000000000000000000000000000000000000001aaa10326a16b686d61"
	  "632d736563726574f93c00"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
	  "a0a0a0a0a0a0a0a0a0a0a0" },
	{ "credBlob a double float",
	  "03"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "c100000000000000000000000000000000000000000001aaa10326a168637265"
	  "64426c6f62fb3ff0000000000000"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0" },
	/* fuzz_attest: libcbor 0.8 allocated the item table of a claimed count first. */
	{ "credential key an array claiming 2^31 items",
	  "03"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "4100000000000000000000000000000000000000000001aa9a80000000"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0" },
	{ "extensions a map claiming 2^30 entries",
	  "03"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "c100000000000000000000000000000000000000000001aaa10326ba40000000"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0" },
	{ "hmac-secret a half float after credProtect",
	  "03"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "c100000000000000000000000000000000000000000001aaa10326a26b637265"
	  "6450726f74656374026b686d61632d736563726574f97c00"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
	  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0" },
};

START_TEST(crash_inputs)
{
	static const unsigned char cdh[32];
	unsigned char *raw = NULL;
	struct pr_attest_input in;
	struct pr_cred c;
	size_t len = 0, half;
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(vec_hex_decode(crash_cases[_i].hex, &raw, &len), 0);
	ck_assert_uint_gt(len, 3);
	half = (len - 1) / 2;
	in = (struct pr_attest_input){ "packed", raw + 1, half, raw + 1 + half,
	    len - 1 - half, cdh, sizeof(cdh), "x", 0 };
	ck_assert_int_eq(pr_attest_classify_raw(&in, NULL, NULL, 0, &c, NULL, &eb),
	    PR_ERR_ATTESTATION);
	ck_assert_msg(strcmp(eb.msg, "malformed authenticator data") == 0, "%s: %s",
	    crash_cases[_i].name, eb.msg);
	free(raw);
}
END_TEST

/* pr_cbor_fits: what may go to cbor_load (hex; 1 = fits). */
static const struct { const char *hex; int fits; } cbor_fit_cases[] = {
	{ "00", 1 }, { "a10326", 1 }, { "f93c00", 1 }, { "fb3ff0000000000000", 1 },
	{ "80", 1 }, { "a0", 1 }, { "43010203", 1 }, { "d8184301020300", 1 },
	{ "8181818181818181818181818181818100", 1 },     /* 16 levels deep */
	{ "", 0 }, { "9a80000000", 0 }, { "ba40000000", 0 }, { "9b0000000100000000", 0 },
	{ "5b0000000100000000", 0 }, { "7a00010000", 0 }, { "8201", 0 }, { "a101", 0 },
	{ "9f00ff", 0 }, { "bfff", 0 }, { "5f40ff", 0 }, { "7f60ff", 0 }, { "ff", 0 },
	{ "1c", 0 }, { "18", 0 }, { "19ab", 0 }, { "d8", 0 }, { "c6", 0 },
	{ "818181818181818181818181818181818100", 0 },   /* 17 levels */
};

START_TEST(cbor_fits)
{
	unsigned char *raw = NULL;
	size_t len = 0;

	ck_assert_int_eq(vec_hex_decode(cbor_fit_cases[_i].hex, &raw, &len), 0);
	ck_assert_msg(pr_cbor_fits(raw, len) == (cbor_fit_cases[_i].fits != 0), "%s",
	    cbor_fit_cases[_i].hex);
	free(raw);
}
END_TEST

/* ---- assertions against the classified registrations ---- */

struct assert_case {
	const char *file;
	int valid;              /* signature verifies */
	int up_clear;           /* UP=0: must fail when UP is required */
};

static const struct assert_case assert_cases[] = {
	{ "aux-libfido2-regress-assert-es256.vec", 1, 1 },
	{ "hw-yubikey-bio-5.5.6-assertion.vec", 1, 0 },
	{ "hw-yubikey-neo-assertion.vec", 1, 0 },
	{ "hw-yubikey5nfc-assertion.vec", 1, 0 },
	{ "neg-yubikey5nfc-assertion-wrong-key.vec", 0, 0 },
	{ "platform-apple-ios-2021-assertion.vec", 1, 0 },
	{ "platform-windows-hello-assertion-rs256.vec", 1, 0 },
	{ "sync-apple-icloud-keychain-iphone14-ios26-assertion.vec", 1, 0 },
	{ "sync-google-password-manager-assertion.vec", 1, 0 },
};

static int assert_verify_pk(const fido_assert_t *a, int type,
    const unsigned char *pk, size_t pk_len)
{
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	rs256_pk_t *rs = NULL;
	int rc = FIDO_ERR_INVALID_ARGUMENT;

	if (type == COSE_ES256 && (es = es256_pk_new()) != NULL &&
	    es256_pk_from_ptr(es, pk, pk_len) == FIDO_OK)
		rc = fido_assert_verify(a, 0, type, es);
	else if (type == COSE_EDDSA && (ed = eddsa_pk_new()) != NULL &&
	    eddsa_pk_from_ptr(ed, pk, pk_len) == FIDO_OK)
		rc = fido_assert_verify(a, 0, type, ed);
	else if (type == COSE_RS256 && (rs = rs256_pk_new()) != NULL &&
	    rs256_pk_from_ptr(rs, pk, pk_len) == FIDO_OK)
		rc = fido_assert_verify(a, 0, type, rs);
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	rs256_pk_free(&rs);
	return rc;
}

static fido_assert_t *assert_from_vec(const struct vec *v)
{
	fido_assert_t *a = NULL;
	unsigned char *ad = NULL, *cdh = NULL, *sig = NULL;
	size_t ad_len, cdh_len, sig_len;

	ck_assert_int_eq(vec_hex(v, "auth_data_hex", &ad, &ad_len), 0);
	ck_assert_int_eq(vec_hex(v, "client_data_hash_hex", &cdh, &cdh_len), 0);
	ck_assert_int_eq(vec_hex(v, "signature_hex", &sig, &sig_len), 0);
	ck_assert_ptr_nonnull(a = fido_assert_new());
	ck_assert_int_eq(fido_assert_set_count(a, 1), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_authdata_raw(a, 0, ad, ad_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_clientdata_hash(a, cdh, cdh_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_rp(a, vec_get(v, "rp_id")), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_sig(a, 0, sig, sig_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_up(a, FIDO_OPT_TRUE), FIDO_OK);
	free(ad);
	free(cdh);
	free(sig);
	return a;
}

/* The credential an assertion is checked against: its classified registration. */
static void assert_key(const struct vec *av, struct pr_cred *c)
{
	const char *link = vec_get(av, "registration_vector");
	struct reg g;
	struct pr_errbuf eb = { 0 };

	memset(c, 0, sizeof(*c));
	if (link == NULL) {
		/* libfido2's regress assertion comes with a raw key only */
		ck_assert_int_eq(vec_hex(av, "public_key_raw_xy_hex", &c->pubkey,
		    &c->pubkey_len), 0);
		c->cose_alg = COSE_ES256;
		return;
	}
	reg_load(link, &g);
	ck_assert_msg(pr_attest_classify_raw(&g.in, g_yubico, NULL, 0, c, NULL, &eb) == PR_OK,
	    "%s", eb.msg);
	reg_free(&g);
}

START_TEST(assertion_verify)
{
	const struct assert_case *t = &assert_cases[_i];
	fido_assert_t *a = NULL;
	unsigned char *id = NULL;
	size_t id_len;
	struct pr_cred c;
	struct vec av;
	int rc;

	ck_assert_int_eq(vec_load(t->file, &av), 0);
	assert_key(&av, &c);
	if (t->valid && c.id != NULL) {
		ck_assert_int_eq(vec_b64url(&av, "credential_id_b64url", &id, &id_len), 0);
		ck_assert_uint_eq(id_len, c.id_len);
		ck_assert_mem_eq(id, c.id, id_len);
	}
	a = assert_from_vec(&av);
	rc = assert_verify_pk(a, c.cose_alg, c.pubkey, c.pubkey_len);
	if (t->valid && !t->up_clear)
		ck_assert_msg(rc == FIDO_OK, "%s: %s", t->file, fido_strerr(rc));
	else
		ck_assert_int_ne(rc, FIDO_OK);
	if (t->up_clear) {
		/* the signature itself is good: only the UP requirement refuses it */
		ck_assert_int_eq(fido_assert_set_up(a, FIDO_OPT_FALSE), FIDO_OK);
		ck_assert_int_eq(assert_verify_pk(a, c.cose_alg, c.pubkey,
		    c.pubkey_len), FIDO_OK);
	}
	fido_assert_free(&a);
	free(id);
	pr_cred_clear(&c);
	vec_free(&av);
}
END_TEST

/* Every vector on disk is covered by one of the tables above. */
START_TEST(vectors_all_covered)
{
	char **names = NULL;
	size_t n = 0, n_reg = 0, n_assert = 0;

	ck_assert_int_eq(vec_list(&names, &n), 0);
	for (size_t i = 0; i < n; i++) {
		struct vec v;
		const char *kind, *want;
		int found = 0;

		ck_assert_int_eq(vec_load(names[i], &v), 0);
		ck_assert_ptr_nonnull(kind = vec_get(&v, "kind"));
		ck_assert_ptr_nonnull(want = vec_get(&v, "expected_class"));
		if (strcmp(kind, "registration") == 0) {
			n_reg++;
			for (size_t j = 0; j < nitems(reg_cases); j++)
				if (strcmp(reg_cases[j].file, names[i]) == 0) {
					found = 1;
					/* security-key is physical, except the test-CA one */
					ck_assert_int_eq(reg_cases[j].cls ==
					    PR_CLASS_PHYSICAL, strcmp(want, "security-key") == 0 &&
					    strncmp(names[i], "aux-", 4) != 0);
				}
		} else {
			ck_assert_str_eq(kind, "assertion");
			n_assert++;
			for (size_t j = 0; j < nitems(assert_cases); j++)
				found |= strcmp(assert_cases[j].file, names[i]) == 0;
		}
		ck_assert_msg(found, "vector %s is not in a test table", names[i]);
		vec_free(&v);
	}
	ck_assert_uint_eq(n_reg, nitems(reg_cases));
	ck_assert_uint_eq(n_assert, nitems(assert_cases));
	vec_list_free(&names, n);
}
END_TEST

/* ---- trust-anchor directories ---- */

#define BAD_NAME "bad-anchor.pem"

enum bad_file {
	BF_NOT_PEM, BF_EMPTY, BF_DER, BF_KEY_ONLY, BF_BROKEN_BASE64,
	BF_BROKEN_SECOND, BF_SYMLINK, BF_WORLD_WRITABLE, BF_GROUP_WRITABLE,
	BF_DIRECTORY, BF_FIFO, BF_TOO_BIG,
};

struct bad_file_case {
	enum bad_file k;
	enum pr_file_status st;     /* PR_FILE_OK: the contents are wrong */
};

static const struct bad_file_case bad_file_cases[] = {
	{ BF_NOT_PEM, PR_FILE_OK },
	{ BF_EMPTY, PR_FILE_OK },
	{ BF_DER, PR_FILE_OK },
	{ BF_KEY_ONLY, PR_FILE_OK },
	{ BF_BROKEN_BASE64, PR_FILE_OK },
	{ BF_BROKEN_SECOND, PR_FILE_OK },
	{ BF_SYMLINK, PR_FILE_SYMLINK },
	{ BF_WORLD_WRITABLE, PR_FILE_BAD_MODE },
	{ BF_GROUP_WRITABLE, PR_FILE_BAD_MODE },
	{ BF_DIRECTORY, PR_FILE_WRONG_TYPE },
	{ BF_FIFO, PR_FILE_WRONG_TYPE },
	{ BF_TOO_BIG, PR_FILE_TOO_BIG },
};

static void bad_file_make(const char *dir, enum bad_file k)
{
	static const char key_only[] = "-----BEGIN PRIVATE KEY-----\nMAA=\n"
	    "-----END PRIVATE KEY-----\n";
	static const char broken[] = "-----BEGIN CERTIFICATE-----\nMII!!bad\n"
	    "-----END CERTIFICATE-----\n";
	static const char junk_cert[] = "-----BEGIN CERTIFICATE-----\nMAA=\n"
	    "-----END CERTIFICATE-----\n";
	char path[512], target[512];
	unsigned char *pem = NULL, *big = NULL;
	struct buf b = { NULL, 0 };
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, BAD_NAME);
	switch (k) {
	case BF_NOT_PEM: write_file(dir, BAD_NAME, "hello, world\n", 13, 0644); break;
	case BF_EMPTY: write_file(dir, BAD_NAME, "", 0, 0644); break;
	case BF_DER: write_file(dir, BAD_NAME, "\x30\x03\x02\x01\x01", 5, 0644); break;
	case BF_KEY_ONLY: write_file(dir, BAD_NAME, key_only, strlen(key_only), 0644); break;
	case BF_BROKEN_BASE64: write_file(dir, BAD_NAME, broken, strlen(broken), 0644); break;
	case BF_BROKEN_SECOND:
		root_pem(APPLE_ROOT, &pem, &len);
		buf_put(&b, pem, len);
		buf_put(&b, junk_cert, strlen(junk_cert));
		write_file(dir, BAD_NAME, b.p, b.len, 0644);
		break;
	case BF_SYMLINK:
		snprintf(target, sizeof(target), "%s/%s", dir, YUBICO_ROOT);
		ck_assert_int_eq(symlink(target, path), 0);
		break;
	case BF_WORLD_WRITABLE:
	case BF_GROUP_WRITABLE:
		root_pem(APPLE_ROOT, &pem, &len);
		write_file(dir, BAD_NAME, pem, len, k == BF_WORLD_WRITABLE ? 0646 : 0664);
		break;
	case BF_DIRECTORY: ck_assert_int_eq(mkdir(path, 0755), 0); break;
	case BF_FIFO: ck_assert_int_eq(mkfifo(path, 0644), 0); break;
	case BF_TOO_BIG:
		ck_assert_ptr_nonnull(big = calloc(1, 1024 * 1024 + 1));
		write_file(dir, BAD_NAME, big, 1024 * 1024 + 1, 0644);
		break;
	}
	free(pem);
	free(big);
	buf_free(&b);
}

START_TEST(anchor_bad_file)
{
	const struct bad_file_case *t = &bad_file_cases[_i];
	struct pr_errbuf eb = { 0 };
	X509_STORE *s = NULL;
	char dir[128];
	int want;

	make_dir(dir, sizeof(dir), "bad");
	put_root(dir, YUBICO_ROOT, YUBICO_ROOT);
	bad_file_make(dir, t->k);
	want = t->st == PR_FILE_OK ? PR_ERR_CONFIG : pr_file_status_err(t->st);
	ck_assert_int_lt(want, 0);
	ck_assert_int_eq(pr_anchors_load(dir, 0, &s, &eb), want);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(eb.msg, BAD_NAME) != NULL, "message: %s", eb.msg);
	/* allow_missing is about the directory only */
	ck_assert_int_eq(pr_anchors_load(dir, 1, &s, &eb), want);
	ck_assert_ptr_null(s);
}
END_TEST

/* Root only: files and directories owned by someone else are refused. */
START_TEST(anchor_bad_owner)
{
	struct pr_errbuf eb = { 0 };
	X509_STORE *s = NULL;
	char dir[128], path[256];

	make_dir(dir, sizeof(dir), "owner");
	put_root(dir, YUBICO_ROOT, BAD_NAME);
	snprintf(path, sizeof(path), "%s/%s", dir, BAD_NAME);
	ck_assert_int_eq(chown(path, 65534, 65534), 0);
	ck_assert_int_eq(pr_anchors_load(dir, 0, &s, &eb),
	    pr_file_status_err(PR_FILE_BAD_OWNER));
	ck_assert_ptr_nonnull(strstr(eb.msg, BAD_NAME));
	ck_assert_int_eq(chown(path, 0, 0), 0);
	ck_assert_int_eq(chown(dir, 65534, 65534), 0);
	ck_assert_int_eq(pr_anchors_load(dir, 0, &s, &eb),
	    pr_file_status_err(PR_FILE_BAD_OWNER));
	ck_assert_ptr_nonnull(strstr(eb.msg, dir));
	ck_assert_ptr_null(s);
}
END_TEST

enum dir_kind {
	DK_MISSING, DK_MISSING_ALLOWED, DK_WORLD_WRITABLE, DK_GROUP_WRITABLE,
	DK_SYMLINK, DK_NOT_DIR, DK_EMPTY, DK_OTHERS_IGNORED, DK_TWO_IN_ONE,
	DK_TWO_FILES, DK_DUPLICATE,
};

struct dir_case {
	enum dir_kind k;
	enum pr_file_status st;     /* PR_FILE_OK: loads */
	int n_certs;
};

static const struct dir_case dir_cases[] = {
	{ DK_MISSING, PR_FILE_MISSING, 0 },
	{ DK_MISSING_ALLOWED, PR_FILE_OK, 0 },
	{ DK_WORLD_WRITABLE, PR_FILE_BAD_MODE, 0 },
	{ DK_GROUP_WRITABLE, PR_FILE_BAD_MODE, 0 },
	{ DK_SYMLINK, PR_FILE_SYMLINK, 0 },
	{ DK_NOT_DIR, PR_FILE_WRONG_TYPE, 0 },
	{ DK_EMPTY, PR_FILE_OK, 0 },
	{ DK_OTHERS_IGNORED, PR_FILE_OK, 1 },
	{ DK_TWO_IN_ONE, PR_FILE_OK, 2 },
	{ DK_TWO_FILES, PR_FILE_OK, 2 },
	{ DK_DUPLICATE, PR_FILE_OK, 1 },
};

static void dir_make(char *dir, size_t dir_len, enum dir_kind k)
{
	static const char junk[] = "not a certificate\n";
	char real[128], sub[160];
	unsigned char *a = NULL, *y = NULL;
	struct buf b = { NULL, 0 };
	size_t alen, ylen;

	make_dir(real, sizeof(real), "anchors");
	snprintf(dir, dir_len, "%s", real);
	switch (k) {
	case DK_MISSING:
	case DK_MISSING_ALLOWED: snprintf(dir, dir_len, "%s/missing", g_tmp); break;
	case DK_WORLD_WRITABLE: ck_assert_int_eq(chmod(real, 0757), 0); break;
	case DK_GROUP_WRITABLE: ck_assert_int_eq(chmod(real, 0775), 0); break;
	case DK_SYMLINK:
		snprintf(dir, dir_len, "%s/link", g_tmp);
		ck_assert_int_eq(symlink(real, dir), 0);
		break;
	case DK_NOT_DIR: put_root(real, YUBICO_ROOT, "file");
		snprintf(dir, dir_len, "%s/file", real);
		break;
	case DK_EMPTY: break;
	case DK_OTHERS_IGNORED:
		put_root(real, YUBICO_ROOT, "yubico.pem");
		write_file(real, "README", junk, strlen(junk), 0644);
		write_file(real, "apple.crt", junk, strlen(junk), 0644);
		write_file(real, "yubico.pem.bak", junk, strlen(junk), 0666);
		write_file(real, ".pem", junk, strlen(junk), 0644);
		snprintf(sub, sizeof(sub), "%s/sub", real);
		ck_assert_int_eq(mkdir(sub, 0777), 0);
		break;
	case DK_TWO_IN_ONE:
		root_pem(YUBICO_ROOT, &y, &ylen);
		root_pem(APPLE_ROOT, &a, &alen);
		buf_put(&b, y, ylen);
		buf_put(&b, a, alen);
		write_file(real, "both.pem", b.p, b.len, 0444);
		break;
	case DK_TWO_FILES:
		put_root(real, YUBICO_ROOT, "yubico.pem");
		put_root(real, APPLE_ROOT, "apple.pem");
		break;
	case DK_DUPLICATE:
		put_root(real, YUBICO_ROOT, "yubico.pem");
		put_root(real, YUBICO_ROOT, "yubico-again.pem");
		break;
	}
	free(a);
	free(y);
	buf_free(&b);
}

START_TEST(anchor_dir)
{
	const struct dir_case *t = &dir_cases[_i];
	struct pr_errbuf eb = { 0 };
	X509_STORE *s = NULL;
	char dir[256];
	int r;

	dir_make(dir, sizeof(dir), t->k);
	r = pr_anchors_load(dir, t->k == DK_MISSING_ALLOWED, &s, &eb);
	if (t->st != PR_FILE_OK) {
		ck_assert_int_eq(r, pr_file_status_err(t->st));
		ck_assert_ptr_null(s);
		ck_assert_msg(strstr(eb.msg, dir) != NULL, "message: %s", eb.msg);
		return;
	}
	ck_assert_msg(r == PR_OK, "%s", eb.msg);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sk_X509_OBJECT_num(X509_STORE_get0_objects(s)), t->n_certs);
	X509_STORE_free(s);
}
END_TEST

START_TEST(anchor_bad_arguments)
{
	struct pr_errbuf eb = { 0 };
	X509_STORE *s = NULL;

	ck_assert_int_eq(pr_anchors_load(NULL, 0, &s, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_anchors_load("", 1, &s, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_anchors_load(g_yubico_dir, 0, NULL, &eb), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(s);
	/* eb is optional */
	ck_assert_int_eq(pr_anchors_load(g_yubico_dir, 0, &s, NULL), PR_OK);
	X509_STORE_free(s);
}
END_TEST

static TCase *tcase_fixture(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}

static Suite *attest_suite(void)
{
	Suite *s = suite_create("attest");
	TCase *tc;

	tc = tcase_fixture("vectors");
	tcase_add_loop_test(tc, reg_yubico_anchor, 0, nitems(reg_cases));
	tcase_add_loop_test(tc, reg_no_anchor, 0, nitems(reg_cases));
	tcase_add_loop_test(tc, reg_fido_cred, 0, nitems(reg_cases));
	tcase_add_loop_test(tc, aaguid_allow_list, 0, nitems(list_cases));
	tcase_add_loop_test(tc, assertion_verify, 0, nitems(assert_cases));
	tcase_add_test(tc, vectors_all_covered);
	suite_add_tcase(s, tc);

	tc = tcase_fixture("rejects");
	tcase_add_loop_test(tc, tampered_statement, 0, nitems(tamper_cases));
	tcase_add_loop_test(tc, refusal_reason, 0, nitems(reason_cases));
	tcase_add_loop_test(tc, bad_arguments, 0, nitems(badarg_cases));
	tcase_add_test(tc, bad_fido_cred);
	suite_add_tcase(s, tc);

	tc = tcase_fixture("synthetic");
	tcase_add_loop_test(tc, synthetic_packed, 0, nitems(synth_cases));
	tcase_add_loop_test(tc, crash_inputs, 0, nitems(crash_cases));
	tcase_add_loop_test(tc, cbor_fits, 0, nitems(cbor_fit_cases));
	suite_add_tcase(s, tc);

	tc = tcase_fixture("anchors");
	tcase_add_loop_test(tc, anchor_bad_file, 0, nitems(bad_file_cases));
	tcase_add_loop_test(tc, anchor_dir, 0, nitems(dir_cases));
	tcase_add_test(tc, anchor_bad_arguments);
	if (geteuid() == 0)
		tcase_add_test(tc, anchor_bad_owner);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	fido_init(0);   /* FIDO_DEBUG=1 in the environment turns on libfido2's log */
	return test_run_tap(attest_suite());
}

/*
 * The web gate's root-side verifier (lib/webauthn/): clientDataJSON checks
 * on crafted and real browser data, real browser assertions and
 * registrations from tests/data/vectors judged as the console judges
 * them, and the verifier's message format. No root, no network.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "assertion.h"
#include "attest.h"
#include "conf.h"
#include "digest.h"
#include "enroll.h"
#include "policy.h"
#include "store.h"
#include "testlib.h"
#include "util.h"
#include "vectors.h"
#include "webauthn/wa_assert.h"
#include "webauthn/wa_bounds.h"
#include "webauthn/wa_clientdata.h"
#include "webauthn/wa_proto.h"
#include "webauthn/wa_register.h"

/* ---- clientDataJSON, crafted ------------------------------------------------------ */

#define GATE "https://clinic.example"
#define CHAL "\"challenge\":\"AAECAw\""           /* bytes 00 01 02 03 */
#define GET_HEAD "{\"type\":\"webauthn.get\"," CHAL ","
static const unsigned char issued[] = { 0, 1, 2, 3 };

static const struct cdj_case {
	const char *json;
	enum pr_wa_type type;
	int expect;
} cdj_cases[] = {
	{ GET_HEAD "\"origin\":\"" GATE "\",\"crossOrigin\":false}", PR_WA_GET, PR_OK },
	{ GET_HEAD "\"origin\":\"" GATE "\"}", PR_WA_GET, PR_OK },
	/* other members are ignored, colons and escaped quotes in strings too */
	{ GET_HEAD "\"origin\":\"" GATE "\",\"x\":\"a:b\\\":c\",\"y\":[{\"z\":1}]}", PR_WA_GET, PR_OK },
	{ "{\"type\":\"webauthn.create\"," CHAL ",\"origin\":\"" GATE "\"}", PR_WA_CREATE, PR_OK },
	/* type */
	{ "{\"type\":\"webauthn.create\"," CHAL ",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\"}", PR_WA_CREATE, PR_ERR_CLIENT_DATA },
	{ "{" CHAL ",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ "{\"type\":1," CHAL ",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	/* challenge */
	{ "{\"type\":\"webauthn.get\",\"challenge\":\"AAECBA\",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CHALLENGE },
	{ "{\"type\":\"webauthn.get\",\"challenge\":\"AAEC\",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CHALLENGE },
	{ "{\"type\":\"webauthn.get\",\"challenge\":\"AAECAw==\",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ "{\"type\":\"webauthn.get\",\"challenge\":\"+/EC\",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ "{\"type\":\"webauthn.get\",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	/* origin: exact, no prefix, suffix, scheme, port, case or path folding */
	{ GET_HEAD "\"origin\":\"https://clinic.example.evil\"}", PR_WA_GET, PR_ERR_ORIGIN },
	{ GET_HEAD "\"origin\":\"https://evil.clinic.example\"}", PR_WA_GET, PR_ERR_ORIGIN },
	{ GET_HEAD "\"origin\":\"https://evilclinic.example\"}", PR_WA_GET, PR_ERR_ORIGIN },
	{ GET_HEAD "\"origin\":\"http://clinic.example\"}", PR_WA_GET, PR_ERR_ORIGIN },
	{ GET_HEAD "\"origin\":\"https://clinic.example:443\"}", PR_WA_GET, PR_ERR_ORIGIN },
	{ GET_HEAD "\"origin\":\"https://clinic.example:8443\"}", PR_WA_GET, PR_ERR_ORIGIN },
	{ GET_HEAD "\"origin\":\"https://clinic.example/\"}", PR_WA_GET, PR_ERR_ORIGIN },
	{ GET_HEAD "\"origin\":\"HTTPS://CLINIC.EXAMPLE\"}", PR_WA_GET, PR_ERR_ORIGIN },
	{ GET_HEAD "\"origin\":\"https://clinic.example\\u0000\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":null}", PR_WA_GET, PR_ERR_ORIGIN },
	/* framed by another site */
	{ GET_HEAD "\"origin\":\"" GATE "\",\"crossOrigin\":true}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\",\"crossOrigin\":\"false\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\",\"topOrigin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	/* a member twice: json-c would keep the last one silently */
	{ GET_HEAD "\"origin\":\"https://evil.example\",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ "{\"type\":\"webauthn.create\",\"type\":\"webauthn.get\"," CHAL ",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\",\"crossOrigin\":true,\"crossOrigin\":false}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\",\"t\":{\"s\":1,\"s\":2}}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	/* ... hidden from the count: a single-quoted name (json-c takes it) holding a quote */
	{ GET_HEAD "\"origin\":\"https://evil.example\",\"origin\":\"" GATE "\",'\"':0}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	/* ... or a name json-c cuts at an escaped NUL */
	{ GET_HEAD "\"origin\\u0000x\":\"https://evil.example\",\"origin\":\"" GATE "\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\",\"origin\\u0000\":\"https://evil.example\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	/* not one JSON object */
	{ GET_HEAD "\"origin\":\"" GATE "\"}x", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\"}{}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\"", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\",}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ "[" GET_HEAD "\"origin\":\"" GATE "\"}]", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ "{'type':'webauthn.get'}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\",\"x\":\"\xff\xfe\"}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ GET_HEAD "\"origin\":\"" GATE "\",\"x\":[[[[[[[[[[1]]]]]]]]]]}", PR_WA_GET, PR_ERR_CLIENT_DATA },
	{ "", PR_WA_GET, PR_ERR_CLIENT_DATA },
};

START_TEST(clientdata_crafted)
{
	const struct cdj_case *tc = &cdj_cases[_i];
	struct pr_wa_expect e = { tc->type, issued, sizeof(issued), GATE };
	struct pr_errbuf eb = { 0 };
	int r = pr_wa_clientdata_check((const unsigned char *)tc->json, strlen(tc->json), &e, &eb);

	ck_assert_msg(r == tc->expect, "case %d (%s): got %d (%s)", _i, tc->json, r, eb.msg);
}
END_TEST

/* Over PR_WA_CDJ_MAX is refused however valid; a NUL byte inside too. */
START_TEST(clientdata_bounds)
{
	struct pr_wa_expect e = { PR_WA_GET, issued, sizeof(issued), GATE };
	const char *head = GET_HEAD "\"origin\":\"" GATE "\",\"pad\":\"";
	size_t hl = strlen(head);
	char *big = malloc(PR_WA_CDJ_MAX + 2);
	char nul[] = GET_HEAD "\"origin\":\"" GATE "\"}";

	ck_assert_ptr_nonnull(big);
	/* exactly at the bound: accepted */
	memcpy(big, head, hl);
	memset(big + hl, 'a', PR_WA_CDJ_MAX - hl - 2);
	memcpy(big + PR_WA_CDJ_MAX - 2, "\"}", 2);
	ck_assert_int_eq(pr_wa_clientdata_check((unsigned char *)big, PR_WA_CDJ_MAX, &e, NULL), PR_OK);
	/* one byte more: refused */
	memset(big + hl, 'a', PR_WA_CDJ_MAX - hl - 1);
	memcpy(big + PR_WA_CDJ_MAX - 1, "\"}", 2);
	ck_assert_int_eq(pr_wa_clientdata_check((unsigned char *)big, PR_WA_CDJ_MAX + 1, &e, NULL),
	    PR_ERR_CLIENT_DATA);
	free(big);
	ck_assert_int_eq(pr_wa_clientdata_check((unsigned char *)nul, sizeof(nul), &e, NULL),
	    PR_ERR_CLIENT_DATA);
}
END_TEST

/* ---- real browser data ------------------------------------------------------------- */

/* The vector's clientDataJSON and the challenge inside it (what the server had issued). */
static void vec_cdj(const struct vec *v, unsigned char **cdj, size_t *cdj_len,
    unsigned char **chal, size_t *chal_len)
{
	struct json_object *o = NULL, *c = NULL;
	struct json_tokener *tok = NULL;

	/* Decoded bytes have no NUL: parse with the length. */
	ck_assert_int_eq(vec_b64url(v, "client_data_json_b64url", cdj, cdj_len), 0);
	ck_assert_ptr_nonnull(tok = json_tokener_new());
	ck_assert_ptr_nonnull(o = json_tokener_parse_ex(tok, (const char *)*cdj, (int)*cdj_len));
	json_tokener_free(tok);
	ck_assert(json_object_object_get_ex(o, "challenge", &c));
	ck_assert_int_eq(vec_b64url_decode(json_object_get_string(c), chal, chal_len), 0);
	json_object_put(o);
}

struct assertion_parts {
	unsigned char *id, *ad, *sig, *cdj, *chal;
	size_t id_len, ad_len, sig_len, cdj_len, chal_len;
	struct pr_wa_assertion in;
};

static void parts_load(const struct vec *v, struct assertion_parts *p)
{
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(vec_b64url(v, "credential_id_b64url", &p->id, &p->id_len), 0);
	ck_assert_int_eq(vec_hex(v, "auth_data_hex", &p->ad, &p->ad_len), 0);
	ck_assert_int_eq(vec_hex(v, "signature_hex", &p->sig, &p->sig_len), 0);
	vec_cdj(v, &p->cdj, &p->cdj_len, &p->chal, &p->chal_len);
	p->in = (struct pr_wa_assertion){ p->id, p->id_len, p->ad, p->ad_len, p->sig,
	    p->sig_len, p->cdj, p->cdj_len, NULL, 0 };
}

static void parts_free(struct assertion_parts *p)
{
	free(p->id);
	free(p->ad);
	free(p->sig);
	free(p->cdj);
	free(p->chal);
}

/* A user with one credential on file: the registration vector's, as enrollment keeps it. */
static void creds_one(const char *registration, struct pr_credlist *creds)
{
	ck_assert_ptr_nonnull(creds->v = calloc(1, sizeof(*creds->v)));
	creds->n = 1;
	ck_assert_int_eq(vec_registration_cred(registration, &creds->v[0]), 0);
}

static const struct web_case {
	const char *vector;
	const char *rp_id;        /* NULL: the vector's */
	const char *origin;       /* NULL: the vector's */
	enum pr_need need;        /* the class rule's input */
	int cls;                  /* -1: as enrolled without anchors (passkey), else forced */
	bool uv_required;
	uint32_t stored_count;
	int expect;
	bool claim_enrolled;      /* the response names the enrolled credential's id */
} web_cases[] = {
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, PR_NEED_ANY_KEY, -1, false, 0, PR_OK, false },
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, PR_NEED_PHYSICAL, PR_CLASS_PHYSICAL, false, 57, PR_OK, false },
	{ "sync-apple-icloud-keychain-iphone14-ios26-assertion.vec", NULL, NULL, PR_NEED_ANY_KEY, -1, false, 0, PR_OK, false },
	{ "sync-google-password-manager-assertion.vec", NULL, NULL, PR_NEED_NONE, -1, false, 0, PR_OK, false },
	{ "platform-windows-hello-assertion-rs256.vec", NULL, NULL, PR_NEED_ANY_KEY, -1, true, 0, PR_OK, false },
	{ "hw-yubikey-bio-5.5.6-assertion.vec", NULL, NULL, PR_NEED_ANY_KEY, -1, true, 0, PR_OK, false },
	/* a synced passkey under a physical-key policy */
	{ "sync-apple-icloud-keychain-iphone14-ios26-assertion.vec", NULL, NULL, PR_NEED_PHYSICAL, -1, false, 0, PR_ERR_CLASS, false },
	{ "sync-google-password-manager-assertion.vec", NULL, NULL, PR_NEED_PHYSICAL, -1, false, 0, PR_ERR_CLASS, false },
	/* the wrong key's signature */
	{ "neg-yubikey5nfc-assertion-wrong-key.vec", NULL, NULL, PR_NEED_ANY_KEY, -1, false, 0, PR_ERR_SIGNATURE, true },
	/* ... on a key the policy refuses: the signature first, or the class would tell a real id */
	{ "neg-yubikey5nfc-assertion-wrong-key.vec", NULL, NULL, PR_NEED_PHYSICAL, PR_CLASS_PASSKEY, false, 0, PR_ERR_SIGNATURE, true },
	/* counter regression: a cloned key */
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, PR_NEED_ANY_KEY, -1, false, 58, PR_ERR_COUNTER, false },
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, PR_NEED_ANY_KEY, -1, false, 100, PR_ERR_COUNTER, false },
	/* UV per policy */
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, PR_NEED_ANY_KEY, -1, true, 0, PR_ERR_UV_REQUIRED, false },
	/* another rp id than the one signed: rpIdHash */
	{ "hw-yubikey5nfc-assertion.vec", "yubico.com", NULL, PR_NEED_ANY_KEY, -1, false, 0, PR_ERR_SIGNATURE, false },
	/* the gate is elsewhere: the browser's origin is refused before any signature */
	{ "hw-yubikey5nfc-assertion.vec", NULL, "https://demo.yubico.com.evil", PR_NEED_ANY_KEY, -1, false, 0, PR_ERR_ORIGIN, false },
	{ "hw-yubikey5nfc-assertion.vec", NULL, "https://demo.yubico.com:443", PR_NEED_ANY_KEY, -1, false, 0, PR_ERR_ORIGIN, false },
	{ "sync-apple-icloud-keychain-iphone14-ios26-assertion.vec", NULL, "http://localhost:8082", PR_NEED_ANY_KEY, -1, false, 0, PR_ERR_ORIGIN, false },
	{ "sync-apple-icloud-keychain-iphone14-ios26-assertion.vec", NULL, "https://localhost", PR_NEED_ANY_KEY, -1, false, 0, PR_ERR_ORIGIN, false },
};

START_TEST(assertion_vectors)
{
	const struct web_case *tc = &web_cases[_i];
	struct pr_credlist creds = { 0 };
	struct pr_assert_outcome out;
	struct assertion_parts p;
	struct pr_errbuf eb = { 0 };
	struct vec v = { 0 };
	struct pr_wa_expect e;
	bool acceptable;
	int r;

	ck_assert_int_eq(vec_load(tc->vector, &v), 0);
	parts_load(&v, &p);
	creds_one(vec_get(&v, "registration_vector"), &creds);
	creds.v[0].sign_count = tc->stored_count;
	if (tc->cls >= 0)
		creds.v[0].cls = (enum pr_class)tc->cls;
	acceptable = pr_policy_class_ok(tc->need, creds.v[0].cls);
	if (tc->claim_enrolled) {
		p.in.cred_id = creds.v[0].id;
		p.in.cred_id_len = creds.v[0].id_len;
	}
	e = (struct pr_wa_expect){ PR_WA_GET, p.chal, p.chal_len,
	    tc->origin != NULL ? tc->origin : vec_get(&v, "origin") };
	r = pr_wa_assert_verify(&p.in, &e, tc->rp_id != NULL ? tc->rp_id : vec_get(&v, "rp_id"),
	    &creds, &acceptable, tc->uv_required, &out, &eb);
	ck_assert_msg(r == tc->expect, "case %d %s: got %d (%s)", _i, tc->vector, r, eb.msg);
	/* verified: the signature checked out, whatever class, UV or counter said then. */
	ck_assert_int_eq(out.verified, r == PR_OK || r == PR_ERR_CLASS || r == PR_ERR_COUNTER ||
	    r == PR_ERR_UV_REQUIRED);
	if (r == PR_OK) {
		ck_assert_uint_eq(out.index, 0);
		ck_assert_uint_eq(out.sign_count, strtoul(vec_get(&v, "sign_count"), NULL, 10));
		ck_assert_uint_eq(out.flags, strtoul(vec_get(&v, "flags_hex"), NULL, 16));
	}
	pr_credlist_clear(&creds);
	parts_free(&p);
	vec_free(&v);
}
END_TEST

/* The challenge this pending sign-in issued, and a registration's client data for a sign-in. */
START_TEST(assertion_client_data)
{
	struct pr_credlist creds = { 0 };
	struct pr_assert_outcome out;
	struct assertion_parts p;
	struct vec v = { 0 }, reg = { 0 };
	unsigned char other[32] = { 0 }, *rcdj = NULL, *rchal = NULL;
	size_t rcdj_len, rchal_len;
	struct pr_wa_expect e;

	ck_assert_int_eq(vec_load("hw-yubikey5nfc-assertion.vec", &v), 0);
	parts_load(&v, &p);
	creds_one("hw-yubikey5nfc-packed-es256.vec", &creds);
	e = (struct pr_wa_expect){ PR_WA_GET, other, sizeof(other), vec_get(&v, "origin") };
	ck_assert_int_eq(pr_wa_assert_verify(&p.in, &e, "demo.yubico.com", &creds, NULL, false,
	    &out, NULL), PR_ERR_CHALLENGE);
	/* the issued challenge with its last byte changed */
	memcpy(other, p.chal, p.chal_len);
	other[p.chal_len - 1] ^= 1;
	e.challenge_len = p.chal_len;
	ck_assert_int_eq(pr_wa_assert_verify(&p.in, &e, "demo.yubico.com", &creds, NULL, false,
	    &out, NULL), PR_ERR_CHALLENGE);
	/* the registration's own client data (webauthn.create) offered for a sign-in */
	ck_assert_int_eq(vec_load("hw-yubikey5nfc-packed-es256.vec", &reg), 0);
	vec_cdj(&reg, &rcdj, &rcdj_len, &rchal, &rchal_len);
	p.in.cdj = rcdj;
	p.in.cdj_len = rcdj_len;
	e = (struct pr_wa_expect){ PR_WA_GET, rchal, rchal_len, vec_get(&reg, "origin") };
	ck_assert_int_eq(pr_wa_assert_verify(&p.in, &e, "demo.yubico.com", &creds, NULL, false,
	    &out, NULL), PR_ERR_CLIENT_DATA);
	free(rcdj);
	free(rchal);
	vec_free(&reg);
	pr_credlist_clear(&creds);
	parts_free(&p);
	vec_free(&v);
}
END_TEST

/* A credential id not enrolled for this user, and one not given at all. */
START_TEST(assertion_unknown_credential)
{
	struct pr_credlist creds = { 0 };
	struct pr_assert_outcome out;
	struct assertion_parts p;
	struct vec v = { 0 };
	struct pr_wa_expect e;

	ck_assert_int_eq(vec_load("hw-yubikey5nfc-assertion.vec", &v), 0);
	parts_load(&v, &p);
	creds_one("hw-yubikey-neo-fido-u2f.vec", &creds);
	e = (struct pr_wa_expect){ PR_WA_GET, p.chal, p.chal_len, vec_get(&v, "origin") };
	ck_assert_int_eq(pr_wa_assert_verify(&p.in, &e, "demo.yubico.com", &creds, NULL, false,
	    &out, NULL), PR_ERR_NO_CREDENTIAL);
	ck_assert_uint_eq(out.index, creds.n);
	p.in.cred_id_len = 0;
	ck_assert_int_eq(pr_wa_assert_verify(&p.in, &e, "demo.yubico.com", &creds, NULL, false,
	    &out, NULL), PR_ERR_INVALID_ARG);
	pr_credlist_clear(&creds);
	parts_free(&p);
	vec_free(&v);
}
END_TEST

/*
 * Extensions (flag ED) after the fixed 37 bytes, which libfido2 hands to
 * libcbor: a map whose declared count does not fit in the bytes given is
 * refused before libcbor allocates its table from that count (fuzz_wa_assert
 * found 0xebaebaeb entries: a 63 GB allocation); one that fits still goes on.
 */
START_TEST(assertion_extensions_bounded)
{
	static const unsigned char huge[] = { 0xba, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02 };
	static const unsigned char empty[] = { 0xa0 };
	unsigned char ad[PR_WA_AUTHDATA_MIN + sizeof(huge)];
	struct assertion_parts p;
	struct pr_errbuf eb = { 0 };
	struct vec v = { 0 };
	struct pr_wa_expect e;
	fido_assert_t *a = NULL;

	ck_assert_int_eq(vec_load("hw-yubikey5nfc-assertion.vec", &v), 0);
	parts_load(&v, &p);
	e = (struct pr_wa_expect){ PR_WA_GET, p.chal, p.chal_len, vec_get(&v, "origin") };
	memcpy(ad, p.ad, PR_WA_AUTHDATA_MIN);
	ad[32] |= 0x80;
	memcpy(ad + PR_WA_AUTHDATA_MIN, huge, sizeof(huge));
	p.in.authdata = ad;
	p.in.authdata_len = sizeof(ad);
	ck_assert_int_eq(pr_wa_assert_statement(&p.in, &e, "demo.yubico.com", &a, &eb),
	    PR_ERR_SIGNATURE);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(eb.msg, "extensions") != NULL, "refused as: %s", eb.msg);
	memcpy(ad + PR_WA_AUTHDATA_MIN, empty, sizeof(empty));
	p.in.authdata_len = PR_WA_AUTHDATA_MIN + sizeof(empty);
	ck_assert_int_eq(pr_wa_assert_statement(&p.in, &e, "demo.yubico.com", &a, &eb), PR_OK);
	fido_assert_free(&a);
	parts_free(&p);
	vec_free(&v);
}
END_TEST

/*
 * UP=0 with a valid signature. The one such real vector (libfido2's own)
 * carries a client data hash without its JSON, so it goes through the
 * judgment both paths share (pr_assert_judge) directly; the web path
 * reaches it only after its client data checks, which cannot forge a hash.
 */
START_TEST(assertion_no_user_presence)
{
	struct pr_credlist creds = { 0 };
	struct pr_assert_outcome out;
	struct vec v = { 0 };
	unsigned char *ad = NULL, *sig = NULL, *cdh = NULL;
	size_t ad_len, sig_len, cdh_len;
	fido_assert_t *a = fido_assert_new();

	ck_assert_int_eq(vec_load("aux-libfido2-regress-assert-es256.vec", &v), 0);
	creds_one("aux-libfido2-regress-assert-es256.vec", &creds);
	if (creds.v[0].id == NULL) {
		/* libfido2's vector names no credential: give the key one */
		ck_assert_ptr_nonnull(creds.v[0].id = malloc(3));
		memcpy(creds.v[0].id, "\1\2\3", 3);
		creds.v[0].id_len = 3;
	}
	ck_assert_int_eq(vec_hex(&v, "auth_data_hex", &ad, &ad_len), 0);
	ck_assert_int_eq(vec_hex(&v, "signature_hex", &sig, &sig_len), 0);
	ck_assert_int_eq(vec_hex(&v, "client_data_hash_hex", &cdh, &cdh_len), 0);
	ck_assert_int_eq(fido_assert_set_count(a, 1), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_rp(a, "localhost"), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_clientdata_hash(a, cdh, cdh_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_authdata_raw(a, 0, ad, ad_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_sig(a, 0, sig, sig_len), FIDO_OK);
	ck_assert_int_eq(pr_assert_judge(a, creds.v[0].id, creds.v[0].id_len, &creds, NULL, false,
	    &out), PR_ERR_UP_MISSING);
	fido_assert_free(&a);
	free(ad);
	free(sig);
	free(cdh);
	pr_credlist_clear(&creds);
	vec_free(&v);
}
END_TEST

/* ---- registrations ------------------------------------------------------------------ */

static X509_STORE *yubico_anchor(void)
{
	char dir[4096], path[4200];
	X509_STORE *s = X509_STORE_new();
	X509 *x = NULL;
	FILE *fp;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(vec_dir(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/roots/yubico-u2f-root-ca-serial-457200631.pem", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	ck_assert_ptr_nonnull(x = PEM_read_X509(fp, NULL, NULL, NULL));
	fclose(fp);
	ck_assert_int_eq(X509_STORE_add_cert(s, x), 1);
	X509_free(x);
	return s;
}

static const struct reg_case {
	const char *vector;
	const char *rp_id;         /* NULL: the vector's */
	bool uv_required;
	int cls;                   /* with expect PR_OK */
	int expect;
} reg_cases[] = {
	{ "hw-yubico-security-key-firefox-packed-es256.vec", NULL, false, PR_CLASS_PHYSICAL, PR_OK },
	{ "hw-yubico-security-key-firefox-fido-u2f.vec", NULL, false, PR_CLASS_PHYSICAL, PR_OK },
	{ "hw-yubikey5nfc-packed-es256.vec", NULL, false, PR_CLASS_PHYSICAL, PR_OK },
	{ "sync-google-password-manager-none.vec", NULL, false, PR_CLASS_PASSKEY, PR_OK },
	{ "sync-apple-icloud-keychain-iphone14-ios26-none.vec", NULL, true, PR_CLASS_PASSKEY, PR_OK },
	{ "platform-windows-hello-packed-self-rs256.vec", NULL, true, PR_CLASS_PASSKEY, PR_OK },
	/* Windows Hello in a browser: tpm statements are passkeys */
	{ "platform-windows-hello-tpm-intel-surface-pro-4.vec", NULL, false, PR_CLASS_PASSKEY, PR_OK },
	{ "platform-windows-hello-tpm-ecc-webauthn-io.vec", NULL, false, PR_CLASS_PASSKEY, PR_OK },
	{ "platform-apple-ios-2021-apple-attestation.vec", NULL, false, PR_CLASS_PASSKEY, PR_OK },
	/* the policy's rp id is not the one the key was made for */
	{ "hw-yubico-security-key-firefox-packed-es256.vec", "clinic.example", false, 0, PR_ERR_ATTESTATION },
	{ "sync-google-password-manager-none.vec", "clinic.example", false, 0, PR_ERR_ATTESTATION },
	/* UV per policy: this key did not verify the user (flags 0x41) */
	{ "hw-yubikey5nfc-packed-es256.vec", NULL, true, 0, PR_ERR_UV_REQUIRED },
};

static void reg_load(const struct vec *v, unsigned char **ao, size_t *ao_len,
    unsigned char **cdj, size_t *cdj_len, unsigned char **chal, size_t *chal_len)
{
	ck_assert_int_eq(vec_b64url(v, "attestation_object_b64url", ao, ao_len), 0);
	vec_cdj(v, cdj, cdj_len, chal, chal_len);
}

START_TEST(registration_vectors)
{
	const struct reg_case *tc = &reg_cases[_i];
	struct pr_config cfg = { 0 };
	struct pr_enroll_opts o = { 0 };
	struct pr_cred web = { 0 };
	struct pr_errbuf eb = { 0 };
	struct vec v = { 0 };
	unsigned char *ao = NULL, *cdj = NULL, *chal = NULL;
	size_t ao_len, cdj_len, chal_len;
	struct pr_wa_registration in;
	struct pr_wa_expect e;
	int r;

	ck_assert_int_eq(vec_load(tc->vector, &v), 0);
	reg_load(&v, &ao, &ao_len, &cdj, &cdj_len, &chal, &chal_len);
	cfg.rp_id = (char *)(tc->rp_id != NULL ? tc->rp_id : vec_get(&v, "rp_id"));
	o = (struct pr_enroll_opts){ &cfg, "alice", "web key", tc->uv_required, yubico_anchor() };
	in = (struct pr_wa_registration){ ao, ao_len, cdj, cdj_len };
	e = (struct pr_wa_expect){ PR_WA_CREATE, chal, chal_len, vec_get(&v, "origin") };
	r = pr_wa_register(&in, &e, &o, &web, NULL, &eb);
	ck_assert_msg(r == tc->expect, "case %d %s: got %d (%s)", _i, tc->vector, r, eb.msg);
	if (r == PR_OK) {
		ck_assert_int_eq(web.cls, tc->cls);
		ck_assert_str_eq(web.label, "web key");
		ck_assert_int_eq(web.kind, PR_KIND_FIDO);
		ck_assert_int_gt(web.created, 0);
	}
	pr_cred_clear(&web);
	X509_STORE_free(o.anchors);
	free(ao);
	free(cdj);
	free(chal);
	vec_free(&v);
}
END_TEST

/* The stored line of a browser enrollment is the console's for the same statement. */
START_TEST(registration_same_line)
{
	static const char *const names[] = { "hw-yubikey5nfc-packed-es256.vec",
	    "platform-windows-hello-tpm-intel-surface-pro-4.vec", "sync-google-password-manager-none.vec" };
	struct pr_config cfg = { 0 };
	struct pr_enroll_opts o = { 0 };

	o = (struct pr_enroll_opts){ &cfg, "alice", "k", false, yubico_anchor() };
	for (size_t i = 0; i < 3; i++) {
		struct pr_cred web = { 0 }, console = { 0 };
		struct pr_credlist lw = { &web, 1 }, lc = { &console, 1 };
		unsigned char *ao = NULL, *cdj = NULL, *chal = NULL, *ad = NULL, *st = NULL, cdh[32];
		size_t ao_len, cdj_len, chal_len, ad_len, st_len, n1, n2;
		char *t1 = NULL, *t2 = NULL;
		struct vec v = { 0 };
		struct pr_attest_input ai = { 0 };

		ck_assert_int_eq(vec_load(names[i], &v), 0);
		cfg.rp_id = (char *)vec_get(&v, "rp_id");
		reg_load(&v, &ao, &ao_len, &cdj, &cdj_len, &chal, &chal_len);
		ck_assert_int_eq(pr_wa_register(&(struct pr_wa_registration){ ao, ao_len, cdj, cdj_len },
		    &(struct pr_wa_expect){ PR_WA_CREATE, chal, chal_len, vec_get(&v, "origin") },
		    &o, &web, NULL, NULL), PR_OK);
		/* the console's path: the statement's parts as libfido2 hands them over */
		ck_assert_int_eq(vec_hex(&v, "auth_data_hex", &ad, &ad_len), 0);
		ck_assert_int_eq(vec_hex(&v, "att_stmt_cbor_hex", &st, &st_len), 0);
		ck_assert_int_eq(pr_sha256(cdj, cdj_len, cdh), PR_OK);
		ai = (struct pr_attest_input){ vec_get(&v, "attestation_fmt"), ad, ad_len, st, st_len,
		    cdh, sizeof(cdh), cfg.rp_id, 0 };
		ck_assert_int_eq(pr_attest_classify_raw(&ai, o.anchors, NULL, 0, &console, NULL, NULL), PR_OK);
		pr_enroll_stamp(&console, "k");
		console.created = web.created;
		ck_assert_int_eq(pr_store_format(&lw, &t1, &n1), PR_OK);
		ck_assert_int_eq(pr_store_format(&lc, &t2, &n2), PR_OK);
		ck_assert_msg(n1 == n2 && memcmp(t1, t2, n1) == 0, "%s:\n%s\n%s", names[i], t1, t2);
		free(t1);
		free(t2);
		free(ad);
		free(st);
		free(ao);
		free(cdj);
		free(chal);
		pr_cred_clear(&web);
		pr_cred_clear(&console);
		vec_free(&v);
	}
	X509_STORE_free(o.anchors);
}
END_TEST

/* Client data and attestation objects that are not what a browser sends. */
START_TEST(registration_refusals)
{
	struct pr_config cfg = { 0 };
	struct pr_enroll_opts o = { 0 };
	struct pr_cred web = { 0 };
	struct vec v = { 0 };
	unsigned char *ao = NULL, *cdj = NULL, *chal = NULL, *longer = NULL;
	size_t ao_len, cdj_len, chal_len;
	struct pr_wa_expect e;

	ck_assert_int_eq(vec_load("sync-google-password-manager-none.vec", &v), 0);
	reg_load(&v, &ao, &ao_len, &cdj, &cdj_len, &chal, &chal_len);
	cfg.rp_id = (char *)"localhost";
	o = (struct pr_enroll_opts){ &cfg, "alice", NULL, false, NULL };
	e = (struct pr_wa_expect){ PR_WA_GET, chal, chal_len, vec_get(&v, "origin") };
	ck_assert_int_eq(pr_wa_register(&(struct pr_wa_registration){ ao, ao_len, cdj, cdj_len },
	    &e, &o, &web, NULL, NULL), PR_ERR_CLIENT_DATA);
	e.type = PR_WA_CREATE;
	e.origin = "https://localhost:8080";
	ck_assert_int_eq(pr_wa_register(&(struct pr_wa_registration){ ao, ao_len, cdj, cdj_len },
	    &e, &o, &web, NULL, NULL), PR_ERR_ORIGIN);
	e.origin = vec_get(&v, "origin");
	/* cut short, one byte more, and not CBOR at all */
	ck_assert_int_eq(pr_wa_register(&(struct pr_wa_registration){ ao, ao_len - 1, cdj, cdj_len },
	    &e, &o, &web, NULL, NULL), PR_ERR_CORRUPT);
	ck_assert_ptr_nonnull(longer = malloc(ao_len + 1));
	memcpy(longer, ao, ao_len);
	longer[ao_len] = 0;
	ck_assert_int_eq(pr_wa_register(&(struct pr_wa_registration){ longer, ao_len + 1, cdj, cdj_len },
	    &e, &o, &web, NULL, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_wa_register(&(struct pr_wa_registration){ longer, ao_len, cdj, cdj_len },
	    &e, &o, &web, NULL, NULL), PR_OK);
	pr_cred_clear(&web);
	free(longer);
	ck_assert_int_eq(pr_wa_register(&(struct pr_wa_registration){ cdj, cdj_len, cdj, cdj_len },
	    &e, &o, &web, NULL, NULL), PR_ERR_CORRUPT);
	free(ao);
	free(cdj);
	free(chal);
	vec_free(&v);
}
END_TEST

/* ---- the verifier's messages ------------------------------------------------------- */

#define REQ_HEAD "practicerunner-webauthn 1\n"
#define PENDING "pending=0123456789abcdef0123456789abcdef\n"
#define WHO "rhost=192.0.2.7\nuser_agent=Mozilla/5.0 (X11; Linux x86_64)\n"
#define GET_FIELDS "client_data=eyJ9\ncredential=AQID\nauthenticator_data=" \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nsignature=MEUC\n"

static const struct proto_case {
	const char *text;
	int expect;
} proto_cases[] = {
	{ REQ_HEAD "op=options\n" PENDING WHO "\n", PR_OK },
	{ REQ_HEAD "op=get\n" PENDING WHO GET_FIELDS "\n", PR_OK },
	{ REQ_HEAD "op=get\n" PENDING WHO GET_FIELDS "user_handle=\n\n", PR_OK },
	{ REQ_HEAD "op=create\n" PENDING WHO "client_data=eyJ9\nattestation=oWNmbXQ\n\n", PR_OK },
	{ REQ_HEAD WHO "op=options\n" PENDING "\n", PR_OK },
	{ REQ_HEAD "op=approve\nuser=alice\n" WHO "\n", PR_OK },
	/* an approval names a person only: no pending id, no response, no invitation */
	{ REQ_HEAD "op=approve\n" WHO "\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=approve\nuser=alice\n" PENDING WHO "\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=approve\nuser=alice\n" WHO "invitation=x\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=approve\nuser=alice\n" WHO "client_data=eyJ9\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=approve\nuser=al=ice\n" WHO "\n", PR_ERR_CORRUPT },
	/* missing, twice, not for this op, unknown */
	{ REQ_HEAD "op=options\n" WHO "\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=get\n" PENDING WHO "client_data=eyJ9\ncredential=AQID\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\nop=options\n" PENDING WHO "\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\n" PENDING PENDING WHO "\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\n" PENDING WHO "credential=AQID\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=create\n" PENDING WHO GET_FIELDS "attestation=oWNmbXQ\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\n" PENDING WHO "user=alice\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=delete\n" PENDING WHO "\n", PR_ERR_CORRUPT },
	/* values */
	{ REQ_HEAD "op=options\npending=0123456789ABCDEF0123456789ABCDEF\n" WHO "\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\npending=0123\n" WHO "\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=get\n" PENDING WHO GET_FIELDS "user_handle=AQ==\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=get\n" PENDING WHO GET_FIELDS "user_handle=A+/B\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=get\n" PENDING WHO GET_FIELDS "user_handle=A\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\n" PENDING "rhost=a\tb\nuser_agent=\n\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\n" PENDING "rhost=a=b\nuser_agent=\n\n", PR_ERR_CORRUPT },
	/* framing */
	{ "practicerunner-webauthn 2\nop=options\n" PENDING WHO "\n", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\n" PENDING WHO, PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\n" PENDING WHO "\nx", PR_ERR_CORRUPT },
	{ REQ_HEAD "op=options\n" PENDING WHO "junk\n\n", PR_ERR_CORRUPT },
};

START_TEST(proto_requests)
{
	const struct proto_case *tc = &proto_cases[_i];
	struct pr_wa_req q, q2;
	char *text = NULL;
	size_t len = 0;
	int r = pr_wa_req_parse(tc->text, strlen(tc->text), &q, NULL);

	ck_assert_msg(r == tc->expect, "case %d: got %d", _i, r);
	if (r == PR_OK) {
		/* what parses formats and parses again to the same request */
		ck_assert_int_eq(pr_wa_req_format(&q, &text, &len), PR_OK);
		ck_assert_int_eq(pr_wa_req_parse(text, len, &q2, NULL), PR_OK);
		ck_assert_int_eq(q.op, q2.op);
		ck_assert_str_eq(q.user, q2.user);
		ck_assert_str_eq(q.user_agent, q2.user_agent);
		ck_assert_uint_eq(q.attestation.len, q2.attestation.len);
		ck_assert_uint_eq(q.user_handle.given, q2.user_handle.given);
		free(text);
		pr_wa_req_clear(&q2);
	}
	pr_wa_req_clear(&q);
}
END_TEST

/* Values past their bound are refused on both sides. */
START_TEST(proto_bounds)
{
	struct pr_wa_req q = { .op = PR_WA_OP_GET };
	unsigned char big[PR_WA_SIG_MAX + 1] = { 0 };
	char *text = NULL;
	size_t len;

	memcpy(q.pending, "0123456789abcdef0123456789abcdef", 33);
	q.client_data = (struct pr_wa_blob){ big, 10, true };
	q.credential = (struct pr_wa_blob){ big, 16, true };
	q.authenticator_data = (struct pr_wa_blob){ big, 37, true };
	q.signature = (struct pr_wa_blob){ big, PR_WA_SIG_MAX, true };
	ck_assert_int_eq(pr_wa_req_format(&q, &text, &len), PR_OK);
	free(text);
	q.signature.len = PR_WA_SIG_MAX + 1;
	ck_assert_int_eq(pr_wa_req_format(&q, &text, &len), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(text);
	q.signature.len = 64;
	q.attestation = (struct pr_wa_blob){ big, 10, true };
	ck_assert_int_eq(pr_wa_req_format(&q, &text, &len), PR_ERR_INVALID_ARG);
}
END_TEST

START_TEST(proto_result)
{
	struct pr_wa_result r = { PR_ERR_CLASS, PR_CLASS_PASSKEY, 0x1d, 0 }, r2;
	char line[PR_WA_RESULT_MAX];

	ck_assert_int_eq(pr_wa_result_format(&r, line, sizeof(line)), PR_OK);
	ck_assert_str_eq(line, "result class-not-allowed class=passkey flags=0x1d sign_count=0\n");
	line[strlen(line) - 1] = '\0';
	ck_assert_int_eq(pr_wa_result_parse(line, &r2, NULL), PR_OK);
	ck_assert_int_eq(r2.err, PR_ERR_CLASS);
	ck_assert_int_eq(r2.cls, PR_CLASS_PASSKEY);
	ck_assert_uint_eq(r2.flags, 0x1d);
	ck_assert_int_eq(pr_wa_result_parse("result ok class=- flags=0x05 sign_count=4294967295",
	    &r2, NULL), PR_OK);
	ck_assert_uint_eq(r2.sign_count, 4294967295u);
	ck_assert_int_eq(r2.cls, -1);
	ck_assert_int_eq(pr_wa_result_parse("result ok class=- flags=0x05 sign_count=4294967296",
	    &r2, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_wa_result_parse("result ok class=gold flags=0x05 sign_count=1",
	    &r2, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_wa_result_parse("result ok class=- flags=0x05 sign_count=1 x",
	    &r2, NULL), PR_ERR_CORRUPT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("webauthn");
	TCase *tc = tcase_create("webauthn");

	tcase_add_loop_test(tc, clientdata_crafted, 0, sizeof(cdj_cases) / sizeof(cdj_cases[0]));
	tcase_add_test(tc, clientdata_bounds);
	tcase_add_loop_test(tc, assertion_vectors, 0, sizeof(web_cases) / sizeof(web_cases[0]));
	tcase_add_test(tc, assertion_client_data);
	tcase_add_test(tc, assertion_unknown_credential);
	tcase_add_test(tc, assertion_extensions_bounded);
	tcase_add_test(tc, assertion_no_user_presence);
	tcase_add_loop_test(tc, registration_vectors, 0, sizeof(reg_cases) / sizeof(reg_cases[0]));
	tcase_add_test(tc, registration_same_line);
	tcase_add_test(tc, registration_refusals);
	tcase_add_loop_test(tc, proto_requests, 0, sizeof(proto_cases) / sizeof(proto_cases[0]));
	tcase_add_test(tc, proto_bounds);
	tcase_add_test(tc, proto_result);
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}

/*
 * The web gate's assertion path: a browser's /api/get response as the
 * root parent receives it from the HTTP child (op=get of
 * lib/webauthn/wa_proto.h), judged by pr_wa_assert_verify
 * (lib/webauthn/wa_assert.c): clientDataJSON, then libfido2's parse of
 * authenticatorData and the signature check with the enrolled key, then
 * UP, UV, class and counter. A stranger reaches all of it before any key
 * of theirs answered. Input, either of:
 *
 *   - the request text the parent reads ("practicerunner-webauthn 1\n
 *     op=get\n..."), parsed by pr_wa_req_parse as the parent parses it;
 *   - the same four parts raw, because base64 hides the byte boundaries
 *     from the mutator: u16 big-endian n, credential id | u16 n,
 *     authenticatorData | u16 n, signature | clientDataJSON (the rest).
 *
 * The pending sign-ins are the real assertion vectors of tests/data/vectors
 * (loaded once): each one's challenge, origin and rp id, and as the user's
 * one key the credential of its registration vector, kept as enrollment
 * keeps it. Every input is judged against each of them, as the parent
 * judges a response against the one sign-in its pending id names. Seeds:
 * tests/fuzz/mkseeds.py (both forms of each vector's response).
 *
 * Beyond the sanitizers, a judgment must hold what the parent relies on:
 * an acceptance is of the enrolled credential, over the rp id's hash, with
 * UP, and reports the signed flags and counter; a signature that verified
 * then answers the policy's class rule, UV and the counter rule exactly.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cred.h"
#include "digest.h"
#include "err.h"
#include "fuzz.h"
#include "vectors.h"
#include "webauthn/wa_assert.h"
#include "webauthn/wa_proto.h"

#define MAX_PENDING 16
#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define REQ_MAGIC "practicerunner-webauthn 1\n"

/* What the parent holds for one pending sign-in, and the user's key. */
struct pending {
	unsigned char *challenge;
	size_t challenge_len;
	char *origin;
	char *rp_id;
	struct pr_credlist creds;   /* one credential */
};

static struct pending table[MAX_PENDING];
static size_t n_table;

/* The challenge the server had issued: the one inside the vector's clientDataJSON. */
static int vector_challenge(const struct vec *v, struct pending *p)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL, *c = NULL;
	unsigned char *cdj = NULL;
	size_t cdj_len;
	int r = -1;

	if (vec_b64url(v, "client_data_json_b64url", &cdj, &cdj_len) != 0 ||
	    (tok = json_tokener_new()) == NULL)
		goto out;
	o = json_tokener_parse_ex(tok, (const char *)cdj, (int)cdj_len);
	if (o != NULL && json_object_object_get_ex(o, "challenge", &c) &&
	    vec_b64url_decode(json_object_get_string(c), &p->challenge, &p->challenge_len) == 0)
		r = 0;
out:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	free(cdj);
	return r;
}

/* One pending sign-in from an assertion vector; 0, or -1 when it is not one. */
static int pending_load(const char *name, struct pending *p)
{
	struct vec v = { 0 };
	const char *reg, *origin, *rp;
	int r = -1;

	memset(p, 0, sizeof(*p));
	if (vec_load(name, &v) != 0)
		return -1;
	if ((reg = vec_get(&v, "registration_vector")) == NULL ||
	    (origin = vec_get(&v, "origin")) == NULL || (rp = vec_get(&v, "rp_id")) == NULL ||
	    vec_get(&v, "client_data_json_b64url") == NULL)
		goto out;
	if (vector_challenge(&v, p) != 0 || (p->origin = strdup(origin)) == NULL ||
	    (p->rp_id = strdup(rp)) == NULL ||
	    (p->creds.v = calloc(1, sizeof(*p->creds.v))) == NULL)
		abort();
	p->creds.n = 1;
	if (vec_registration_cred(reg, &p->creds.v[0]) != 0) {
		fprintf(stderr, "fuzz_wa_assert: %s: registration %s does not load\n", name, reg);
		abort();
	}
	/* No sign-in since enrollment: any counter the key signed passes. */
	p->creds.v[0].sign_count = 0;
	r = 0;
out:
	vec_free(&v);
	return r;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char **names = NULL;
	size_t n = 0;

	(void)argc;
	(void)argv;
	if (vec_list(&names, &n) != 0)
		abort();
	for (size_t i = 0; i < n && n_table < MAX_PENDING; i++)
		if (pending_load(names[i], &table[n_table]) == 0)
			n_table++;
	vec_list_free(&names, n);
	if (n_table == 0) {
		fprintf(stderr, "fuzz_wa_assert: no assertion vectors found\n");
		abort();
	}
	return 0;
}

/* The response's parts from the raw form; false when it is too short. */
static bool take(const uint8_t **p, size_t *left, const unsigned char **out, size_t *len)
{
	size_t n;

	if (*left < 2)
		return false;
	n = (size_t)(*p)[0] << 8 | (*p)[1];
	if (n > *left - 2)
		return false;
	*out = *p + 2;
	*len = n;
	*p += 2 + n;
	*left -= 2 + n;
	return true;
}

static bool parts_raw(const uint8_t *data, size_t size, struct pr_wa_assertion *in)
{
	const uint8_t *p = data;
	size_t left = size;

	memset(in, 0, sizeof(*in));
	if (!take(&p, &left, &in->cred_id, &in->cred_id_len) ||
	    !take(&p, &left, &in->authdata, &in->authdata_len) ||
	    !take(&p, &left, &in->sig, &in->sig_len))
		return false;
	in->cdj = p;
	in->cdj_len = left;
	return true;
}

static void parts_req(const struct pr_wa_req *q, struct pr_wa_assertion *in)
{
	*in = (struct pr_wa_assertion){
		q->credential.p, q->credential.len, q->authenticator_data.p,
		q->authenticator_data.len, q->signature.p, q->signature.len,
		q->client_data.p, q->client_data.len, q->user_handle.p, q->user_handle.len,
	};
}

static int judge(const struct pr_wa_assertion *in, const struct pending *p, bool acceptable,
    bool uv_required, struct pr_assert_outcome *out)
{
	struct pr_wa_expect e = { PR_WA_GET, p->challenge, p->challenge_len, p->origin };
	struct pr_errbuf eb = { 0 };

	return pr_wa_assert_verify(in, &e, p->rp_id, &p->creds, &acceptable, uv_required, out, &eb);
}

/* An acceptance: the enrolled credential, over the rp id, with UP, as signed. */
static void check_accepted(const struct pr_wa_assertion *in, const struct pending *p,
    const struct pr_assert_outcome *out)
{
	const struct pr_cred *c = &p->creds.v[0];
	unsigned char rp_hash[PR_SHA256_LEN];
	uint32_t count;

	if (!out->verified || out->index != 0 || in->cred_id_len != c->id_len ||
	    memcmp(in->cred_id, c->id, c->id_len) != 0 || in->authdata_len < 37)
		__builtin_trap();
	if (pr_sha256(p->rp_id, strlen(p->rp_id), rp_hash) != PR_OK ||
	    memcmp(in->authdata, rp_hash, sizeof(rp_hash)) != 0)
		__builtin_trap();
	count = (uint32_t)in->authdata[33] << 24 | (uint32_t)in->authdata[34] << 16 |
	    (uint32_t)in->authdata[35] << 8 | in->authdata[36];
	if (out->flags != in->authdata[32] || (out->flags & FLAG_UP) == 0 ||
	    out->sign_count != count)
		__builtin_trap();
}

/*
 * A signature that verified, judged again under other policies: a class
 * the policy refuses, UV required, a stored counter the one seen does not
 * pass. Each must refuse with its own reason (class first: the signature
 * verified, so the reason tells nothing of which ids are real).
 */
static void check_policies(const struct pr_wa_assertion *in, struct pending *p, int first,
    const struct pr_assert_outcome *seen)
{
	struct pr_assert_outcome out;
	uint32_t stored = p->creds.v[0].sign_count;
	int r;

	if (judge(in, p, false, false, &out) != PR_ERR_CLASS || !out.verified)
		__builtin_trap();
	r = judge(in, p, true, true, &out);
	if (!out.verified || r != (first == PR_OK && (seen->flags & FLAG_UV) == 0 ?
	    PR_ERR_UV_REQUIRED : first))
		__builtin_trap();
	if (first == PR_OK && seen->sign_count != 0) {
		p->creds.v[0].sign_count = seen->sign_count;
		if (judge(in, p, true, false, &out) != PR_ERR_COUNTER || !out.verified)
			__builtin_trap();
		p->creds.v[0].sign_count = stored;
	}
}

static void judge_all(const struct pr_wa_assertion *in)
{
	for (size_t i = 0; i < n_table; i++) {
		struct pr_assert_outcome out;
		int r = judge(in, &table[i], true, false, &out);

		if (r == PR_OK)
			check_accepted(in, &table[i], &out);
		else if (!out.verified)
			continue;
		/* Verified but refused: only for UP missing (class acceptable, no UV asked, counter 0). */
		if (r != PR_OK && r != PR_ERR_UP_MISSING)
			__builtin_trap();
		check_policies(in, &table[i], r, &out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_wa_assertion in;
	struct pr_wa_req q;

	if (size >= strlen(REQ_MAGIC) && memcmp(data, REQ_MAGIC, strlen(REQ_MAGIC)) == 0) {
		if (pr_wa_req_parse((const char *)data, size, &q, NULL) != PR_OK)
			return 0;
		if (q.op == PR_WA_OP_GET) {
			parts_req(&q, &in);
			judge_all(&in);
		}
		pr_wa_req_clear(&q);
	} else if (parts_raw(data, size, &in)) {
		judge_all(&in);
	}
	return 0;
}

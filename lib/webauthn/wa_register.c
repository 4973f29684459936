/*
 * Browser registration responses (wa_register.h). The attestation object
 * is a CBOR map {fmt, attStmt, authData}; libcbor reads it after
 * pr_cbor_fits has bounded every length, and attStmt goes to the
 * classifier re-encoded (its content, not its byte layout, is what is
 * verified).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "attest.h"
#include "digest.h"
#include "wa_bounds.h"
#include "wa_register.h"

#define FLAG_UV 0x04

struct attobj {
	char fmt[16];
	unsigned char *authdata;
	size_t authdata_len;
	unsigned char *attstmt;         /* re-encoded CBOR map */
	size_t attstmt_len;
};

static void attobj_clear(struct attobj *a)
{
	free(a->authdata);
	free(a->attstmt);
	memset(a, 0, sizeof(*a));
}

static bool key_is(const cbor_item_t *k, const char *name)
{
	size_t n = strlen(name);

	return cbor_isa_string(k) && cbor_string_is_definite(k) &&
	    cbor_string_length(k) == n && memcmp(cbor_string_handle(k), name, n) == 0;
}

static int take_fmt(const cbor_item_t *v, struct attobj *a)
{
	size_t n;

	if (!cbor_isa_string(v) || !cbor_string_is_definite(v) || a->fmt[0] != '\0' ||
	    (n = cbor_string_length(v)) == 0 || n >= sizeof(a->fmt))
		return PR_ERR_CORRUPT;
	memcpy(a->fmt, cbor_string_handle(v), n);
	a->fmt[n] = '\0';
	return strlen(a->fmt) == n ? PR_OK : PR_ERR_CORRUPT;
}

static int take_authdata(const cbor_item_t *v, struct attobj *a)
{
	size_t n;

	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v) || a->authdata != NULL ||
	    (n = cbor_bytestring_length(v)) < PR_WA_AUTHDATA_MIN || n > PR_WA_AUTHDATA_MAX ||
	    (a->authdata = malloc(n)) == NULL)
		return PR_ERR_CORRUPT;
	memcpy(a->authdata, cbor_bytestring_handle(v), n);
	a->authdata_len = n;
	return PR_OK;
}

static int take_attstmt(const cbor_item_t *v, struct attobj *a)
{
	if (!cbor_isa_map(v) || a->attstmt != NULL)
		return PR_ERR_CORRUPT;
	a->attstmt_len = cbor_serialize_alloc(v, &a->attstmt, &(size_t){ 0 });
	return a->attstmt_len > 0 ? PR_OK : PR_ERR_CORRUPT;
}

/* The three members, each once; others are refused (the format defines no more). */
static int attobj_members(const cbor_item_t *map, struct attobj *a)
{
	struct cbor_pair *p = cbor_map_handle(map);
	int r = PR_ERR_CORRUPT;

	for (size_t i = 0; i < cbor_map_size(map); i++) {
		if (key_is(p[i].key, "fmt"))
			r = take_fmt(p[i].value, a);
		else if (key_is(p[i].key, "authData"))
			r = take_authdata(p[i].value, a);
		else if (key_is(p[i].key, "attStmt"))
			r = take_attstmt(p[i].value, a);
		else
			r = PR_ERR_CORRUPT;
		if (r != PR_OK)
			return r;
	}
	return a->fmt[0] != '\0' && a->authdata != NULL && a->attstmt != NULL ?
	    PR_OK : PR_ERR_CORRUPT;
}

static int attobj_parse(const unsigned char *buf, size_t len, struct attobj *a,
    struct pr_errbuf *eb)
{
	struct cbor_load_result res;
	cbor_item_t *item = NULL;
	int r = PR_ERR_CORRUPT;

	memset(a, 0, sizeof(*a));
	if (buf != NULL && len > 0 && len <= PR_WA_ATTOBJ_MAX && pr_cbor_fits(buf, len) &&
	    (item = cbor_load(buf, len, &res)) != NULL && res.read == len &&
	    cbor_isa_map(item) && cbor_map_is_definite(item))
		r = attobj_members(item, a);
	if (item != NULL)
		cbor_decref(&item);
	if (r != PR_OK) {
		attobj_clear(a);
		return pr_fail(eb, r, "the attestation object is not a CBOR map of fmt, "
		    "attStmt and authData");
	}
	return PR_OK;
}

int pr_wa_register(const struct pr_wa_registration *in, const struct pr_wa_expect *e,
    const struct pr_enroll_opts *o, struct pr_cred *out, struct pr_class_reason *reason,
    struct pr_errbuf *eb)
{
	unsigned char cdh[PR_SHA256_LEN];
	struct pr_attest_input ai = { 0 };
	struct attobj a = { 0 };
	int r;

	memset(out, 0, sizeof(*out));
	if (in == NULL || o == NULL || o->cfg == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no registration or no policy");
	if ((r = pr_wa_clientdata_check(in->cdj, in->cdj_len, e, eb)) != PR_OK)
		return r;
	if ((r = pr_sha256(in->cdj, in->cdj_len, cdh)) != PR_OK)
		return pr_fail(eb, r, "cannot hash the client data");
	if ((r = attobj_parse(in->attobj, in->attobj_len, &a, eb)) != PR_OK)
		return r;
	ai.fmt = a.fmt;
	ai.authdata = a.authdata;
	ai.authdata_len = a.authdata_len;
	ai.attstmt = a.attstmt;
	ai.attstmt_len = a.attstmt_len;
	ai.cdh = cdh;
	ai.cdh_len = sizeof(cdh);
	ai.rp_id = o->cfg->rp_id;
	if ((r = pr_attest_classify_raw(&ai, o->anchors, o->cfg->physical_aaguids,
	    o->cfg->n_physical_aaguids, out, reason, eb)) != PR_OK)
		goto out;
	if (o->uv_required && (out->flags & FLAG_UV) == 0) {
		pr_cred_clear(out);
		r = pr_fail(eb, PR_ERR_UV_REQUIRED, "the key did not verify the user (PIN or "
		    "biometric), which the policy requires");
		goto out;
	}
	pr_enroll_stamp(out, o->label);
out:
	attobj_clear(&a);
	return r;
}

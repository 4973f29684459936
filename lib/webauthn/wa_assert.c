/* Browser assertion responses (wa_assert.h). */
#include "config.h"

#include "attest.h"
#include "digest.h"
#include "wa_assert.h"
#include "wa_bounds.h"

#define AUTHDATA_FLAGS 32       /* offset of the flags byte, after rpIdHash */
#define FLAG_ED 0x80            /* extensions follow the fixed part */

static bool parts_in_bounds(const struct pr_wa_assertion *in)
{
	return in->cred_id != NULL && in->cred_id_len > 0 && in->cred_id_len <= PR_CRED_ID_MAX &&
	    in->authdata != NULL && in->authdata_len >= PR_WA_AUTHDATA_MIN &&
	    in->authdata_len <= PR_WA_AUTHDATA_MAX && in->sig != NULL && in->sig_len > 0 &&
	    in->sig_len <= PR_WA_SIG_MAX && in->user_handle_len <= PR_WA_USER_HANDLE_MAX;
}

/*
 * Extensions, when flag ED is set, are the bytes after the fixed part:
 * libfido2 hands them to libcbor as one map (attested credential data is
 * not looked for in an assertion), and libcbor 0.8 allocates a map's table
 * from its declared count before reading an entry, so a stranger's five
 * bytes could ask the root side for gigabytes. Every count must fit in the
 * bytes given first, as wa_register.c bounds an attestation object.
 */
static bool extensions_fit(const struct pr_wa_assertion *in)
{
	if ((in->authdata[AUTHDATA_FLAGS] & FLAG_ED) == 0)
		return true;
	return pr_cbor_fits(in->authdata + PR_WA_AUTHDATA_MIN,
	    in->authdata_len - PR_WA_AUTHDATA_MIN);
}

int pr_wa_assert_statement(const struct pr_wa_assertion *in, const struct pr_wa_expect *e,
    const char *rp_id, fido_assert_t **out, struct pr_errbuf *eb)
{
	unsigned char cdh[PR_SHA256_LEN];
	fido_assert_t *a = NULL;
	int r;

	*out = NULL;
	if (in == NULL || rp_id == NULL || !parts_in_bounds(in))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "the response's parts are missing or too long");
	if ((r = pr_wa_clientdata_check(in->cdj, in->cdj_len, e, eb)) != PR_OK)
		return r;
	if ((r = pr_sha256(in->cdj, in->cdj_len, cdh)) != PR_OK)
		return pr_fail(eb, r, "cannot hash the client data");
	if ((a = fido_assert_new()) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	r = PR_ERR_INVALID_ARG;
	if (fido_assert_set_count(a, 1) != FIDO_OK || fido_assert_set_rp(a, rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)) != FIDO_OK)
		goto fail;
	r = PR_ERR_SIGNATURE;
	if (!extensions_fit(in)) {
		pr_fail(eb, r, "the authenticator data's extensions are malformed");
		goto fail;
	}
	if (fido_assert_set_authdata_raw(a, 0, in->authdata, in->authdata_len) != FIDO_OK ||
	    fido_assert_set_sig(a, 0, in->sig, in->sig_len) != FIDO_OK) {
		pr_fail(eb, r, "the authenticator data or signature is malformed");
		goto fail;
	}
	*out = a;
	return PR_OK;
fail:
	fido_assert_free(&a);
	return r;
}

int pr_wa_assert_verify(const struct pr_wa_assertion *in, const struct pr_wa_expect *e,
    const char *rp_id, const struct pr_credlist *creds, const bool *acceptable,
    bool uv_required, struct pr_assert_outcome *out, struct pr_errbuf *eb)
{
	fido_assert_t *a = NULL;
	int r;

	out->index = creds->n;
	out->flags = 0;
	out->sign_count = 0;
	out->verified = false;
	if ((r = pr_wa_assert_statement(in, e, rp_id, &a, eb)) != PR_OK)
		return r;
	r = pr_assert_judge(a, in->cred_id, in->cred_id_len, creds, acceptable, uv_required, out);
	fido_assert_free(&a);
	return r;
}

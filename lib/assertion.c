/*
 * FIDO2 assertion: probe the attached devices silently, pick the one that
 * holds an acceptable credential, ask it for a signature over a fresh
 * challenge, and verify the signed authenticator data ourselves.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>

#include "assertion.h"
#include "select.h"
#include "util.h"

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define PROBE_TIMEOUT_MS 3000

bool pr_counter_ok(uint32_t stored, uint32_t seen)
{
	if (stored == 0 && seen == 0)
		return true;        /* authenticator keeps no counter (synced passkeys) */
	return seen > stored;
}

/* Signature and rpIdHash over the statement, with the stored public key. */
static int verify_signature(fido_assert_t *a, size_t idx, const struct pr_cred *c)
{
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	rs256_pk_t *rs = NULL;
	const void *pk = NULL;
	int r = PR_ERR_ALGORITHM;

	if (c->cose_alg == COSE_ES256 && (es = es256_pk_new()) != NULL &&
	    es256_pk_from_ptr(es, c->pubkey, c->pubkey_len) == FIDO_OK)
		pk = es;
	else if (c->cose_alg == COSE_EDDSA && (ed = eddsa_pk_new()) != NULL &&
	    eddsa_pk_from_ptr(ed, c->pubkey, c->pubkey_len) == FIDO_OK)
		pk = ed;
	else if (c->cose_alg == COSE_RS256 && (rs = rs256_pk_new()) != NULL &&
	    rs256_pk_from_ptr(rs, c->pubkey, c->pubkey_len) == FIDO_OK)
		pk = rs;
	if (pk == NULL)
		goto out;
	/* libfido2 checks no flags here (UP "false" = do not check): we check
	 * them below from the same signed bytes, to name the reason. */
	if (fido_assert_set_up(a, FIDO_OPT_FALSE) != FIDO_OK ||
	    fido_assert_set_uv(a, FIDO_OPT_OMIT) != FIDO_OK) {
		r = PR_ERR_INVALID_ARG;
		goto out;
	}
	r = fido_assert_verify(a, idx, c->cose_alg, pk) == FIDO_OK ? PR_OK : PR_ERR_SIGNATURE;
out:
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	rs256_pk_free(&rs);
	return r;
}

/* What a verified statement must also show: UP, UV when required, a counter that grew. */
static int check_signed(fido_assert_t *a, size_t idx, const struct pr_cred *c,
    bool uv_required, uint8_t *flags, uint32_t *sign_count)
{
	uint8_t f;
	uint32_t n;

	f = fido_assert_flags(a, idx);
	n = fido_assert_sigcount(a, idx);
	if (flags != NULL)
		*flags = f;
	if (sign_count != NULL)
		*sign_count = n;
	if ((f & FLAG_UP) == 0)
		return PR_ERR_UP_MISSING;
	if (uv_required && (f & FLAG_UV) == 0)
		return PR_ERR_UV_REQUIRED;
	if (!pr_counter_ok(c->sign_count, n))
		return PR_ERR_COUNTER;
	return PR_OK;
}

int pr_assert_verify(fido_assert_t *a, size_t idx, const struct pr_cred *c,
    bool uv_required, uint8_t *flags, uint32_t *sign_count)
{
	int r;

	if (idx >= fido_assert_count(a))
		return PR_ERR_INVALID_ARG;
	if ((r = verify_signature(a, idx, c)) != PR_OK)
		return r;
	return check_signed(a, idx, c, uv_required, flags, sign_count);
}

/* Which credential of creds has this id; creds->n if none. */
static size_t cred_index(const unsigned char *id, size_t len, const struct pr_credlist *creds)
{
	for (size_t i = 0; id != NULL && i < creds->n; i++)
		if (creds->v[i].id_len == len && memcmp(creds->v[i].id, id, len) == 0)
			return i;
	return creds->n;
}

int pr_assert_judge(fido_assert_t *a, const unsigned char *id, size_t id_len,
    const struct pr_credlist *creds, const bool *acceptable, bool uv_required,
    struct pr_assert_outcome *out)
{
	size_t idx;
	int r;

	out->index = creds->n;
	out->flags = 0;
	out->sign_count = 0;
	out->verified = false;
	if (fido_assert_count(a) != 1)
		return PR_ERR_SIGNATURE;
	if (id == NULL) {
		id = fido_assert_id_ptr(a, 0);
		id_len = fido_assert_id_len(a, 0);
	}
	if ((idx = cred_index(id, id_len, creds)) == creds->n)
		return PR_ERR_NO_CREDENTIAL;
	out->index = idx;
	if ((r = verify_signature(a, 0, &creds->v[idx])) != PR_OK)
		return r;
	out->verified = true;
	if (acceptable != NULL && !acceptable[idx])
		return PR_ERR_CLASS;
	return check_signed(a, 0, &creds->v[idx], uv_required, &out->flags, &out->sign_count);
}

/* Map a libfido2 status from a device request to our codes. */
static int map_fido_err(int fr, int64_t started_ms, int timeout_ms)
{
	switch (fr) {
	case FIDO_OK:
		return PR_OK;
	case FIDO_ERR_NO_CREDENTIALS:
		return PR_ERR_NO_CREDENTIAL;
	case FIDO_ERR_PIN_INVALID:
		return PR_ERR_PIN_INVALID;
	case FIDO_ERR_PIN_BLOCKED:
	case FIDO_ERR_PIN_AUTH_BLOCKED:
		return PR_ERR_PIN_BLOCKED;
	case FIDO_ERR_PIN_REQUIRED:
	case FIDO_ERR_UNSUPPORTED_OPTION:
		return PR_ERR_UV_REQUIRED;
	case FIDO_ERR_ACTION_TIMEOUT:
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_KEEPALIVE_CANCEL:
		return PR_ERR_TIMEOUT;
	default:
		/* A read that ran to the deadline is the user not touching. */
		if (pr_monotonic_ms() - started_ms >= timeout_ms - 50)
			return PR_ERR_TIMEOUT;
		return PR_ERR_DEVICE;
	}
}

/* An assertion request over creds where mask allows, with a fresh challenge. */
static int assert_build(const struct pr_credlist *creds, const bool *mask,
    const char *rp_id, bool up, fido_assert_t **out)
{
	unsigned char challenge[32];
	fido_assert_t *a = NULL;
	int r = PR_ERR_NOMEM;

	if ((a = fido_assert_new()) == NULL)
		goto out;
	if ((r = pr_random(challenge, sizeof(challenge))) != PR_OK)
		goto out;
	r = PR_ERR_INVALID_ARG;
	if (fido_assert_set_rp(a, rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, challenge, sizeof(challenge)) != FIDO_OK ||
	    fido_assert_set_up(a, up ? FIDO_OPT_TRUE : FIDO_OPT_FALSE) != FIDO_OK)
		goto out;
	for (size_t i = 0; i < creds->n; i++)
		if ((mask == NULL || mask[i]) &&
		    fido_assert_allow_cred(a, creds->v[i].id, creds->v[i].id_len) != FIDO_OK)
			goto out;
	*out = a;
	a = NULL;
	r = PR_OK;
out:
	fido_assert_free(&a);
	return r;
}

/* Which credential statement idx of a names; creds->n if none. */
static size_t statement_cred(const fido_assert_t *a, size_t idx,
    const struct pr_credlist *creds, const bool *mask)
{
	const unsigned char *id = fido_assert_id_ptr(a, idx);
	size_t len = fido_assert_id_len(a, idx);

	for (size_t i = 0; i < creds->n; i++) {
		if (mask != NULL && !mask[i])
			continue;
		if (creds->v[i].id_len == len && id != NULL && memcmp(creds->v[i].id, id, len) == 0)
			return i;
	}
	return creds->n;
}

/* Silent probe of one device: the index of the credential it holds, or creds->n. */
static size_t probe_device(fido_dev_t *dev, const struct pr_credlist *creds,
    const char *rp_id)
{
	fido_assert_t *a = NULL;
	size_t found = creds->n;
	int fr;

	if (assert_build(creds, NULL, rp_id, false, &a) != PR_OK)
		return found;
	fido_dev_set_timeout(dev, PROBE_TIMEOUT_MS);
	fr = fido_dev_get_assert(dev, a, NULL);
	/* U2F keys answer a check-only request with "presence required". */
	if ((fr == FIDO_OK || fr == FIDO_ERR_USER_PRESENCE_REQUIRED) &&
	    fido_assert_count(a) > 0)
		found = statement_cred(a, 0, creds, NULL);
	fido_assert_free(&a);
	return found;
}

/*
 * Probe every device. cand gets the devices holding an acceptable
 * credential; *seen_other the index of an unacceptable one seen, if any.
 */
static void probe_all(const struct pr_devices *devs, const struct pr_credlist *creds,
    const struct pr_assert_opts *o, size_t *cand, size_t *n_cand, size_t *seen_other)
{
	size_t hit;

	*n_cand = 0;
	*seen_other = creds->n;
	for (size_t d = 0; d < devs->n; d++) {
		if ((hit = probe_device(devs->dev[d], creds, o->rp_id)) == creds->n)
			continue;
		if (o->acceptable == NULL || o->acceptable[hit])
			cand[(*n_cand)++] = d;
		else
			*seen_other = hit;
	}
}

/* The PIN for dev when UV is wanted and the key uses a PIN; *pin stays NULL otherwise. */
static int collect_pin(fido_dev_t *dev, const struct pr_assert_opts *o,
    const struct pr_ui *ui, char **pin, bool *builtin_uv)
{
	*builtin_uv = false;
	if (!o->uv_required && !o->uv_preferred)
		return PR_OK;
	if (fido_dev_has_uv(dev)) {
		*builtin_uv = true;
		return PR_OK;
	}
	if (!fido_dev_has_pin(dev))
		return o->uv_required ? PR_ERR_NO_PIN : PR_OK;
	if (ui == NULL || ui->pin == NULL)
		return PR_ERR_UV_REQUIRED;
	return ui->pin(ui->arg, pin);
}

/* Ask dev for a signature and verify the first statement. */
static int assert_on_device(fido_dev_t *dev, const struct pr_credlist *creds,
    const struct pr_assert_opts *o, const struct pr_ui *ui, struct pr_assert_outcome *out)
{
	fido_assert_t *a = NULL;
	char *pin = NULL;
	bool builtin_uv = false;
	int64_t started;
	int r;

	if ((r = collect_pin(dev, o, ui, &pin, &builtin_uv)) != PR_OK)
		goto out;
	if ((r = assert_build(creds, o->acceptable, o->rp_id, true, &a)) != PR_OK)
		goto out;
	if (builtin_uv && fido_assert_set_uv(a, FIDO_OPT_TRUE) != FIDO_OK) {
		r = PR_ERR_INVALID_ARG;
		goto out;
	}
	if (ui != NULL && ui->touch != NULL)
		ui->touch(ui->arg);
	fido_dev_set_timeout(dev, o->timeout_ms);
	started = pr_monotonic_ms();
	r = map_fido_err(fido_dev_get_assert(dev, a, pin), started, o->timeout_ms);
	/* A HID key is still waiting for the touch: tell it to stop. */
	if (r == PR_ERR_TIMEOUT)
		(void)fido_dev_cancel(dev);
	if (r != PR_OK)
		goto out;
	r = pr_assert_judge(a, NULL, 0, creds, o->acceptable, o->uv_required, out);
	/* Asked with the acceptable ones only: an answer naming another is no honest key's. */
	if (r == PR_ERR_NO_CREDENTIAL || r == PR_ERR_CLASS) {
		out->index = creds->n;
		r = PR_ERR_SIGNATURE;
	}
out:
	pr_secret_strfree(&pin);
	fido_assert_free(&a);
	return r;
}

int pr_assert_run(const struct pr_devices *devs, const struct pr_credlist *creds,
    const struct pr_assert_opts *o, const struct pr_ui *ui,
    struct pr_assert_outcome *out)
{
	size_t cand[PR_MAX_DEVICES];
	size_t n_cand = 0, seen_other, chosen;
	int r;

	memset(out, 0, sizeof(*out));
	out->index = creds->n;      /* no credential seen until a device names one */
	if (creds->n == 0)
		return PR_ERR_NO_CREDENTIAL;
	if (devs->n == 0)
		return PR_ERR_NO_DEVICE;
	probe_all(devs, creds, o, cand, &n_cand, &seen_other);
	if (n_cand == 0) {
		out->index = seen_other;
		return seen_other < creds->n ? PR_ERR_CLASS : PR_ERR_NO_CREDENTIAL;
	}
	chosen = cand[0];
	if (n_cand > 1) {
		if (ui != NULL && ui->touch != NULL)
			ui->touch(ui->arg);     /* first touch picks the key */
		if ((r = pr_select_by_touch(devs, cand, n_cand, o->timeout_ms, &chosen)) != PR_OK)
			return r;
	}
	return assert_on_device(devs->dev[chosen], creds, o, ui, out);
}

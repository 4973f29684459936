/* Enrollment: a new credential from the user's key, verified and classified. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "attest.h"
#include "enroll.h"
#include "policy.h"
#include "select.h"
#include "util.h"

#define PR_RP_NAME "PracticeRunner"

/* The device to enroll on: the only one, or the one the user touches. */
static int enroll_pick_device(const struct pr_devices *devs, int timeout_ms, size_t *chosen)
{
	size_t all[PR_MAX_DEVICES];

	if (devs->n == 0)
		return PR_ERR_NO_DEVICE;
	*chosen = 0;
	if (devs->n == 1)
		return PR_OK;
	for (size_t i = 0; i < devs->n; i++)
		all[i] = i;
	return pr_select_by_touch(devs, all, devs->n, timeout_ms, chosen);
}

/* A makeCredential request: fresh challenge, user handle derived from rp and user. */
static int cred_build(const struct pr_enroll_opts *o, const struct pr_credlist *existing,
    fido_cred_t **out)
{
	unsigned char challenge[32], handle[SHA256_DIGEST_LENGTH];
	fido_cred_t *c = NULL;
	int r = PR_ERR_NOMEM;

	if ((c = fido_cred_new()) == NULL)
		goto out;
	if ((r = pr_random(challenge, sizeof(challenge))) != PR_OK)
		goto out;
	/* The user handle need not be secret, only stable per rp and user. */
	SHA256((const unsigned char *)o->user, strlen(o->user), handle);
	r = PR_ERR_INVALID_ARG;
	if (fido_cred_set_type(c, COSE_ES256) != FIDO_OK ||
	    fido_cred_set_rp(c, o->cfg->rp_id, PR_RP_NAME) != FIDO_OK ||
	    fido_cred_set_user(c, handle, sizeof(handle), o->user, o->user, NULL) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(c, challenge, sizeof(challenge)) != FIDO_OK ||
	    fido_cred_set_rk(c, FIDO_OPT_OMIT) != FIDO_OK)
		goto out;
	for (size_t i = 0; existing != NULL && i < existing->n; i++)
		if (fido_cred_exclude(c, existing->v[i].id, existing->v[i].id_len) != FIDO_OK)
			goto out;
	*out = c;
	c = NULL;
	r = PR_OK;
out:
	fido_cred_free(&c);
	return r;
}

/* CTAP 2.0 keys with a PIN set need it to make a credential. */
static int enroll_uv(fido_dev_t *dev, fido_cred_t *c, const struct pr_enroll_opts *o,
    const struct pr_ui *ui, char **pin)
{
	if (fido_dev_has_pin(dev)) {
		if (ui == NULL || ui->pin == NULL)
			return PR_ERR_UV_REQUIRED;
		return ui->pin(ui->arg, pin);
	}
	if (!o->uv_required)
		return PR_OK;
	if (!fido_dev_has_uv(dev))
		return PR_ERR_NO_PIN;
	return fido_cred_set_uv(c, FIDO_OPT_TRUE) == FIDO_OK ? PR_OK : PR_ERR_INVALID_ARG;
}

static int map_make_err(int fr)
{
	switch (fr) {
	case FIDO_OK:
		return PR_OK;
	case FIDO_ERR_CREDENTIAL_EXCLUDED:
		return PR_ERR_EXISTS;
	case FIDO_ERR_PIN_INVALID:
		return PR_ERR_PIN_INVALID;
	case FIDO_ERR_PIN_BLOCKED:
	case FIDO_ERR_PIN_AUTH_BLOCKED:
		return PR_ERR_PIN_BLOCKED;
	case FIDO_ERR_PIN_REQUIRED:
		return PR_ERR_UV_REQUIRED;
	case FIDO_ERR_ACTION_TIMEOUT:
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_KEEPALIVE_CANCEL:
	case FIDO_ERR_RX:
		return PR_ERR_TIMEOUT;
	default:
		return PR_ERR_DEVICE;
	}
}

void pr_enroll_stamp(struct pr_cred *c, const char *label)
{
	snprintf(c->label, sizeof(c->label), "%s", label != NULL ? label : "");
	c->kind = PR_KIND_FIDO;
	c->created = pr_now();
	c->last_used = 0;
}

int pr_enroll_make(const struct pr_devices *devs, const struct pr_enroll_opts *o,
    const struct pr_credlist *existing, const struct pr_ui *ui,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	int timeout_ms = o->cfg->touch_timeout * 1000;
	fido_cred_t *c = NULL;
	fido_dev_t *dev;
	char *pin = NULL;
	size_t chosen;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = enroll_pick_device(devs, timeout_ms, &chosen)) != PR_OK)
		goto out;
	dev = devs->dev[chosen];
	if ((r = cred_build(o, existing, &c)) != PR_OK ||
	    (r = enroll_uv(dev, c, o, ui, &pin)) != PR_OK)
		goto out;
	if (ui != NULL && ui->touch != NULL)
		ui->touch(ui->arg);
	fido_dev_set_timeout(dev, timeout_ms);
	r = map_make_err(fido_dev_make_cred(dev, c, pin));
	/* A HID key is still waiting for the touch: tell it to stop. */
	if (r == PR_ERR_TIMEOUT)
		(void)fido_dev_cancel(dev);
	if (r != PR_OK)
		goto out;
	if ((r = pr_attest_classify(c, o->anchors, o->cfg->physical_aaguids,
	    o->cfg->n_physical_aaguids, out, reason, eb)) != PR_OK)
		goto out;
	pr_enroll_stamp(out, o->label);
out:
	pr_secret_strfree(&pin);
	fido_cred_free(&c);
	return r;
}

int pr_enroll_opts_load(const struct pr_config *cfg, const char *user, const char *label,
    struct pr_enroll_opts *o, struct pr_errbuf *eb)
{
	memset(o, 0, sizeof(*o));
	o->cfg = cfg;
	o->user = user;
	o->label = label;
	o->uv_required = pr_policy_uv_required(&cfg->policy);
	return pr_anchors_load(cfg->trust_anchors, 1, &o->anchors, eb);
}

void pr_enroll_opts_clear(struct pr_enroll_opts *o)
{
	X509_STORE_free(o->anchors);
	o->anchors = NULL;
}

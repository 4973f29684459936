/*
 * A new device: what a key has when it leaves the factory (fresh wrap key,
 * attestation key and certificate from the test CA) plus an optional PIN.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "softkey.h"

static int make_attestation(struct sk_state *st, const char *ca_cert_path,
    const char *ca_key_path)
{
	const struct sk_profile *p = st->profile;
	EVP_PKEY *key = NULL;
	int r;

	/* U2F attestation certificates carry no AAGUID: U2F has none. */
	r = sk_attcert_issue(ca_cert_path, ca_key_path, p->name,
	    p->att == SK_ATT_PACKED ? p->aaguid : NULL, &key, &st->att_cert,
	    &st->att_cert_len);
	if (r == SK_OK)
		r = sk_key_to_der(key, &st->att_key, &st->att_key_len);
	EVP_PKEY_free(key);
	return r;
}

int sk_provision(const char *path, const char *profile, const char *pin,
    const char *ca_cert_path, const char *ca_key_path)
{
	struct sk_state st;
	int r;

	memset(&st, 0, sizeof(st));
	if ((st.profile = sk_profile_find(profile)) == NULL)
		return SK_EINVAL;
	st.touch = true;
	st.pin_retries = SK_PIN_RETRIES;
	if (pin != NULL && (!st.profile->ctap2 ||
	    (r = sk_state_set_pin(&st, pin)) != SK_OK)) {
		r = SK_EINVAL;  /* U2F has no PIN; or the PIN breaks the length rule */
		goto fail;
	}
	if ((r = sk_random(st.wrap_key, sizeof(st.wrap_key))) != SK_OK)
		goto fail;
	if (sk_profile_has_att_cert(st.profile) &&
	    (r = make_attestation(&st, ca_cert_path, ca_key_path)) != SK_OK)
		goto fail;
	r = sk_store_create(path, &st);
fail:
	sk_state_clear(&st);
	return r;
}

/*
 * libsk-softkey.so: an OpenSSH SecurityKeyProvider (sk_api.h, OpenSSH 9.2)
 * over softkey devices, for tests only. Real ssh-keygen and ssh load it:
 *
 *   PRACTICERUNNER_SOFTKEY=/path/state ssh-keygen -t ed25519-sk \
 *       -w .../libsk-softkey.so -O challenge=FILE -O write-attestation=FILE
 *
 * ssh-keygen and ssh run the provider inside ssh-sk-helper, a child they
 * exec with their own environment, so PRACTICERUNNER_SOFTKEY reaches it as
 * long as it is exported. Devices are opened the way the test builds of our
 * programs open them (transport_softkey.c: the same variable, the same
 * rules), or the one state file named by "-O device=PATH".
 *
 * Enrollment uses the first device; signing asks each device in turn (a
 * softkey without the credential answers NO_CREDENTIALS at once). UV is a
 * PIN, given by OpenSSH in the pin argument. The softkey keeps no resident
 * keys, so "load resident keys" finds none. PRACTICERUNNER_SK_DEBUG=1
 * prints why a call failed on stderr.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>

#include "sk_api.h"
#include "softkey.h"
#include "transport.h"

#define USER_ID_LEN 32                /* as OpenSSH's own middleware */
#define TOUCH_TIMEOUT_MS 15000        /* a softkey with --touch no gives up */
#define ENV_DEBUG "PRACTICERUNNER_SK_DEBUG"

static void debug(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void debug(const char *func, const char *fmt, ...)
{
	const char *on = getenv(ENV_DEBUG);
	va_list ap;

	if (on == NULL || strcmp(on, "1") != 0)
		return;
	fprintf(stderr, "libsk-softkey: %s: ", func);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint32_t sk_api_version(void)
{
	return SSH_SK_VERSION_MAJOR;
}

/* ---- options ------------------------------------------------------------- */

struct sk_opts {
	const char *device;                  /* a softkey state file, or NULL */
	unsigned char user_id[USER_ID_LEN];  /* zero-padded "user" option */
};

/* "device" and "user" are understood; an unknown required option fails. */
static int parse_options(struct sk_option **options, struct sk_opts *o)
{
	size_t len;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; options != NULL && options[i] != NULL; i++) {
		const struct sk_option *op = options[i];

		if (strcmp(op->name, "device") == 0) {
			o->device = op->value;
		} else if (strcmp(op->name, "user") == 0) {
			if ((len = strlen(op->value)) > USER_ID_LEN)
				return SSH_SK_ERR_GENERAL;
			memcpy(o->user_id, op->value, len);
		} else if (op->required) {
			debug(__func__, "unsupported required option %s", op->name);
			return SSH_SK_ERR_UNSUPPORTED;
		}
	}
	return 0;
}

/* ---- devices -------------------------------------------------------------- */

static const fido_dev_io_t softkey_io = {
	sk_io_open, sk_io_close, sk_io_read, sk_io_write,
};

/* The named state file only, or every device of PRACTICERUNNER_SOFTKEY. */
static int devices_open(const struct sk_opts *o, struct pr_devices *d)
{
	fido_dev_t *dev;

	d->n = 0;
	if (o->device == NULL) {
		if (pr_devices_open(d) != 0)
			return SSH_SK_ERR_GENERAL;
	} else if ((dev = fido_dev_new()) != NULL) {
		if (fido_dev_set_io_functions(dev, &softkey_io) == FIDO_OK &&
		    fido_dev_open(dev, o->device) == FIDO_OK)
			d->dev[d->n++] = dev;
		else
			fido_dev_free(&dev);
	}
	for (size_t i = 0; i < d->n; i++)
		fido_dev_set_timeout(d->dev[i], TOUCH_TIMEOUT_MS);
	if (d->n == 0) {
		debug(__func__, "no softkey device (PRACTICERUNNER_SOFTKEY unset?)");
		return SSH_SK_ERR_DEVICE_NOT_FOUND;
	}
	return 0;
}

static int fido_to_sk(int r)
{
	switch (r) {
	case FIDO_ERR_UNSUPPORTED_OPTION:
	case FIDO_ERR_UNSUPPORTED_ALGORITHM:
		return SSH_SK_ERR_UNSUPPORTED;
	case FIDO_ERR_PIN_REQUIRED:
	case FIDO_ERR_PIN_INVALID:
	case FIDO_ERR_UV_BLOCKED:
		return SSH_SK_ERR_PIN_REQUIRED;
	case FIDO_ERR_CREDENTIAL_EXCLUDED:
		return SSH_SK_ERR_CREDENTIAL_EXISTS;
	case FIDO_ERR_NO_CREDENTIALS:
		return SSH_SK_ERR_DEVICE_NOT_FOUND;
	default:
		return SSH_SK_ERR_GENERAL;
	}
}

static int cose_alg(uint32_t alg)
{
	switch (alg) {
	case SSH_SK_ECDSA:
		return COSE_ES256;
	case SSH_SK_ED25519:
		return COSE_EDDSA;
	default:
		return 0;
	}
}

/* ---- enroll ---------------------------------------------------------------- */

static uint8_t *dup_mem(const void *p, size_t len)
{
	uint8_t *q;

	if (p == NULL || len == 0 || (q = malloc(len)) == NULL)
		return NULL;
	memcpy(q, p, len);
	return q;
}

static void enroll_response_free(struct sk_enroll_response *r)
{
	if (r == NULL)
		return;
	free(r->public_key);
	free(r->key_handle);
	free(r->signature);
	free(r->attestation_cert);
	free(r->authdata);
	free(r);
}

/* OpenSSH's public key forms: Ed25519 as is, P-256 as an uncompressed point. */
static int pack_public_key(const fido_cred_t *c, struct sk_enroll_response *r)
{
	size_t len = fido_cred_pubkey_len(c);
	const unsigned char *pk = fido_cred_pubkey_ptr(c);

	if (fido_cred_type(c) == COSE_EDDSA && len == SK_ED25519_LEN) {
		r->public_key = dup_mem(pk, len);
		r->public_key_len = len;
	} else if (fido_cred_type(c) == COSE_ES256 && len == 2 * SK_EC_COORD_LEN) {
		if ((r->public_key = malloc(SK_EC_POINT_LEN)) == NULL)
			return SSH_SK_ERR_GENERAL;
		r->public_key[0] = 0x04;
		memcpy(r->public_key + 1, pk, len);
		r->public_key_len = SK_EC_POINT_LEN;
	}
	return r->public_key != NULL ? 0 : SSH_SK_ERR_GENERAL;
}

/* What ssh-keygen writes into the attestation file, and the key itself. */
static int enroll_response(const fido_cred_t *c, uint8_t flags,
    struct sk_enroll_response **out)
{
	struct sk_enroll_response *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return SSH_SK_ERR_GENERAL;
	r->flags = flags;
	r->key_handle = dup_mem(fido_cred_id_ptr(c), fido_cred_id_len(c));
	r->key_handle_len = fido_cred_id_len(c);
	r->authdata = dup_mem(fido_cred_authdata_ptr(c), fido_cred_authdata_len(c));
	r->authdata_len = fido_cred_authdata_len(c);
	/* "none" attestation has neither; OpenSSH takes empty fields. */
	if ((r->signature_len = fido_cred_sig_len(c)) > 0)
		r->signature = dup_mem(fido_cred_sig_ptr(c), r->signature_len);
	if ((r->attestation_cert_len = fido_cred_x5c_len(c)) > 0)
		r->attestation_cert = dup_mem(fido_cred_x5c_ptr(c), r->attestation_cert_len);
	if (pack_public_key(c, r) != 0 || r->key_handle == NULL || r->authdata == NULL ||
	    (r->signature_len > 0 && r->signature == NULL) ||
	    (r->attestation_cert_len > 0 && r->attestation_cert == NULL)) {
		enroll_response_free(r);
		return SSH_SK_ERR_GENERAL;
	}
	*out = r;
	return 0;
}

/* The statement must verify as it came, or the file would carry garbage. */
static int cred_check(const fido_cred_t *c)
{
	if (fido_cred_x5c_ptr(c) != NULL)
		return fido_cred_verify(c);
	if (strcmp(fido_cred_fmt(c), "packed") == 0)
		return fido_cred_verify_self(c);
	return strcmp(fido_cred_fmt(c), "none") == 0 ? FIDO_OK : FIDO_ERR_INVALID_ARGUMENT;
}

static int cred_setup(fido_cred_t *c, int alg, const uint8_t *challenge,
    size_t challenge_len, const char *application, const struct sk_opts *o)
{
	int r;

	if ((r = fido_cred_set_type(c, alg)) != FIDO_OK ||
	    (r = fido_cred_set_clientdata(c, challenge, challenge_len)) != FIDO_OK ||
	    (r = fido_cred_set_rp(c, application, NULL)) != FIDO_OK ||
	    (r = fido_cred_set_user(c, o->user_id, sizeof(o->user_id), "openssh",
	    "openssh", NULL)) != FIDO_OK)
		return r;
	return FIDO_OK;
}

int sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
    const char *application, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_enroll_response **enroll_response_out)
{
	struct pr_devices d = { .n = 0 };
	fido_cred_t *c = NULL;
	struct sk_opts o;
	int r, ret;

	if (enroll_response_out == NULL || challenge == NULL || application == NULL)
		return SSH_SK_ERR_GENERAL;
	*enroll_response_out = NULL;
	if ((ret = parse_options(options, &o)) != 0)
		return ret;
	if (cose_alg(alg) == 0 || (flags & SSH_SK_RESIDENT_KEY) != 0) {
		debug(__func__, "unsupported algorithm %u or resident key", alg);
		return SSH_SK_ERR_UNSUPPORTED;   /* the softkey keeps no resident keys */
	}
	if ((ret = devices_open(&o, &d)) != 0)
		goto out;
	ret = SSH_SK_ERR_GENERAL;
	if ((c = fido_cred_new()) == NULL ||
	    (r = cred_setup(c, cose_alg(alg), challenge, challenge_len,
	    application, &o)) != FIDO_OK)
		goto out;
	if ((r = fido_dev_make_cred(d.dev[0], c, pin)) != FIDO_OK) {
		debug(__func__, "fido_dev_make_cred: %s", fido_strerr(r));
		ret = fido_to_sk(r);
		goto out;
	}
	if ((r = cred_check(c)) != FIDO_OK) {
		debug(__func__, "attestation does not verify: %s", fido_strerr(r));
		goto out;
	}
	ret = enroll_response(c, flags, enroll_response_out);
out:
	fido_cred_free(&c);
	pr_devices_close(&d);
	return ret;
}

/* ---- sign ------------------------------------------------------------------ */

static int assert_setup(fido_assert_t *a, const uint8_t *data, size_t data_len,
    const char *application, const uint8_t *key_handle, size_t key_handle_len,
    uint8_t flags)
{
	int r;

	if ((r = fido_assert_set_clientdata(a, data, data_len)) != FIDO_OK ||
	    (r = fido_assert_set_rp(a, application)) != FIDO_OK ||
	    (r = fido_assert_allow_cred(a, key_handle, key_handle_len)) != FIDO_OK ||
	    (r = fido_assert_set_up(a, (flags & SSH_SK_USER_PRESENCE_REQD) ?
	    FIDO_OPT_TRUE : FIDO_OPT_FALSE)) != FIDO_OK)
		return r;
	return FIDO_OK;
}

/* ECDSA: DER Ecdsa-Sig-Value to r and s; Ed25519: the 64 bytes in sig_r. */
static int pack_signature(uint32_t alg, const fido_assert_t *a,
    struct sk_sign_response *r)
{
	const unsigned char *p = fido_assert_sig_ptr(a, 0);
	size_t len = fido_assert_sig_len(a, 0);
	const BIGNUM *br, *bs;
	ECDSA_SIG *sig = NULL;
	int ret = SSH_SK_ERR_GENERAL;

	if (alg == SSH_SK_ED25519) {
		if (len != 64 || (r->sig_r = dup_mem(p, len)) == NULL)
			return SSH_SK_ERR_GENERAL;
		r->sig_r_len = len;
		return 0;
	}
	if (p == NULL || (sig = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		return SSH_SK_ERR_GENERAL;
	ECDSA_SIG_get0(sig, &br, &bs);
	r->sig_r_len = (size_t)BN_num_bytes(br);
	r->sig_s_len = (size_t)BN_num_bytes(bs);
	if ((r->sig_r = calloc(1, r->sig_r_len + 1)) == NULL ||
	    (r->sig_s = calloc(1, r->sig_s_len + 1)) == NULL)
		goto out;
	BN_bn2bin(br, r->sig_r);
	BN_bn2bin(bs, r->sig_s);
	ret = 0;
out:
	ECDSA_SIG_free(sig);
	return ret;
}

static void sign_response_free(struct sk_sign_response *r)
{
	if (r == NULL)
		return;
	free(r->sig_r);
	free(r->sig_s);
	free(r);
}

/* The first device that holds the credential signs. */
static int sign_on_devices(struct pr_devices *d, fido_assert_t *a, const char *pin)
{
	int r = FIDO_ERR_NO_CREDENTIALS;

	for (size_t i = 0; i < d->n; i++) {
		r = fido_dev_get_assert(d->dev[i], a, pin);
		debug(__func__, "device %zu: %s", i, fido_strerr(r));
		if (r != FIDO_ERR_NO_CREDENTIALS)
			break;
	}
	return r;
}

int sk_sign(uint32_t alg, const uint8_t *data, size_t data_len,
    const char *application, const uint8_t *key_handle, size_t key_handle_len,
    uint8_t flags, const char *pin, struct sk_option **options,
    struct sk_sign_response **sign_response)
{
	struct pr_devices d = { .n = 0 };
	struct sk_sign_response *resp = NULL;
	fido_assert_t *a = NULL;
	struct sk_opts o;
	int r, ret;

	if (sign_response == NULL || data == NULL || application == NULL ||
	    key_handle == NULL || cose_alg(alg) == 0)
		return SSH_SK_ERR_GENERAL;
	*sign_response = NULL;
	if ((ret = parse_options(options, &o)) != 0)
		return ret;
	/* UV is a PIN here: without one, ask OpenSSH to prompt for it. */
	if ((flags & SSH_SK_USER_VERIFICATION_REQD) && pin == NULL)
		return SSH_SK_ERR_PIN_REQUIRED;
	if ((ret = devices_open(&o, &d)) != 0)
		goto out;
	ret = SSH_SK_ERR_GENERAL;
	if ((a = fido_assert_new()) == NULL ||
	    assert_setup(a, data, data_len, application, key_handle,
	    key_handle_len, flags) != FIDO_OK)
		goto out;
	if ((r = sign_on_devices(&d, a, pin)) != FIDO_OK) {
		ret = fido_to_sk(r);
		goto out;
	}
	if ((resp = calloc(1, sizeof(*resp))) == NULL)
		goto out;
	resp->flags = fido_assert_flags(a, 0);
	resp->counter = fido_assert_sigcount(a, 0);
	debug(__func__, "signed: flags 0x%02x counter %u", resp->flags, resp->counter);
	if ((ret = pack_signature(alg, a, resp)) != 0)
		goto out;
	*sign_response = resp;
	resp = NULL;
out:
	sign_response_free(resp);
	fido_assert_free(&a);
	pr_devices_close(&d);
	return ret;
}

/* ---- resident keys ---------------------------------------------------------- */

/* The softkey makes only non-resident credentials: there are none to load. */
int sk_load_resident_keys(const char *pin, struct sk_option **options,
    struct sk_resident_key ***rks, size_t *nrks)
{
	struct pr_devices d = { .n = 0 };
	struct sk_opts o;
	int ret;

	(void)pin;
	if (rks == NULL || nrks == NULL)
		return SSH_SK_ERR_GENERAL;
	*rks = NULL;
	*nrks = 0;
	if ((ret = parse_options(options, &o)) != 0 ||
	    (ret = devices_open(&o, &d)) != 0)
		return ret;
	pr_devices_close(&d);
	return 0;
}

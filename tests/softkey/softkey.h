/*
 * The softkey: a software FIDO2 authenticator for tests only
 * (doc/ARCHITECTURE.md §10.2). It speaks CTAPHID (64-byte reports), CTAP2 and CTAP1/U2F to
 * libfido2 through fido_dev_set_io_functions(); its persistent state (sign
 * counter, PIN, keys, touch switch) lives in a state file that several
 * processes may share. Nothing here is ever linked into a release build.
 *
 * Layers, each in its own file, pointing down only:
 *   softkey_ctaphid.c   CTAPHID framing, channels, keepalive, cancel, fido I/O
 *   softkey_ctap2.c     CTAP2 command table, getInfo
 *   softkey_makecred.c  authenticatorMakeCredential
 *   softkey_getassert.c authenticatorGetAssertion
 *   softkey_pin.c       authenticatorClientPIN protocol 1, pinAuth checks
 *   softkey_u2f.c       CTAP1/U2F APDUs
 *   softkey_cred.c      credential ids (key wrapping), authenticator data
 *   softkey_attstmt.c   attestation statements (packed, self, none)
 *   softkey_cbor.c      CBOR request/response helpers
 *   softkey_session.c   a device's per power-up memory, replies
 *   softkey_state.c     state file text format
 *   softkey_store.c     state file I/O: lock, safe open, atomic replace
 *   softkey_provision.c a new device's state (softkey-ctl add)
 *   softkey_import.c    another authenticator's credential (softkey-ctl import)
 *   softkey_attcert.c   attestation certificates from the test CA
 *   softkey_crypto.c    OpenSSL 3 EVP primitives
 *   softkey_profile.c   the device profiles
 */
#ifndef SOFTKEY_H
#define SOFTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <openssl/evp.h>

/* Internal result codes: 0 is success, negative is failure. */
enum sk_result {
	SK_OK = 0,
	SK_ENOMEM = -1,     /* allocation failed */
	SK_EIO = -2,        /* read, write, fsync or rename failed */
	SK_ECORRUPT = -3,   /* the state file does not parse */
	SK_EUNSAFE = -4,    /* symlink, not a regular file, bad owner or mode */
	SK_EEXIST = -5,     /* refusing to overwrite an existing state file */
	SK_EINVAL = -6,     /* unusable argument */
	SK_ECRYPTO = -7,    /* an OpenSSL operation failed */
	SK_ENOENT = -8,     /* no such file */
	SK_ELOCK = -9,      /* the lock could not be taken */
	SK_ECA = -10,       /* the test CA (certificate and key) did not load */
};

/* Words for an sk_result; never NULL. */
const char *sk_strerror(int r);

/*
 * A handler's answer is not ready: the device waits for the user's touch.
 * Outside the range of CTAP status bytes, so the two never mix.
 */
#define SK_WAIT_TOUCH 0x100

#define SK_AAGUID_LEN 16
#define SK_HASH_LEN 32          /* SHA-256: rpIdHash, clientDataHash */
#define SK_WRAP_KEY_LEN 32      /* AES-256-GCM key wrapping credential keys */
#define SK_PIN_HASH_LEN 16      /* LEFT(SHA-256(PIN), 16), as CTAP 2.0 stores it */
#define SK_PIN_TOKEN_LEN 32
#define SK_PIN_RETRIES 8
#define SK_PIN_MIN_LEN 4        /* bytes, CTAP 2.0 */
#define SK_PIN_MAX_LEN 63
#define SK_EC_COORD_LEN 32      /* P-256 coordinate */
#define SK_EC_POINT_LEN 65      /* 0x04 || x || y */
#define SK_ED25519_LEN 32       /* Ed25519 public key */

/* COSE algorithms of credentials the softkey makes. */
#define SK_COSE_ES256 (-7)
#define SK_COSE_EDDSA (-8)

/* CTAP status codes the softkey returns (CTAP 2.0, section 6.3). */
enum sk_ctap_status {
	SK_CTAP2_OK = 0x00,
	SK_CTAP1_ERR_INVALID_COMMAND = 0x01,
	SK_CTAP1_ERR_INVALID_PARAMETER = 0x02,
	SK_CTAP1_ERR_INVALID_LENGTH = 0x03,
	SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE = 0x11,
	SK_CTAP2_ERR_INVALID_CBOR = 0x12,
	SK_CTAP2_ERR_MISSING_PARAMETER = 0x14,
	SK_CTAP2_ERR_LIMIT_EXCEEDED = 0x15,
	SK_CTAP2_ERR_CREDENTIAL_EXCLUDED = 0x19,
	SK_CTAP2_ERR_UNSUPPORTED_ALGORITHM = 0x26,
	SK_CTAP2_ERR_UNSUPPORTED_OPTION = 0x2b,
	SK_CTAP2_ERR_INVALID_OPTION = 0x2c,
	SK_CTAP2_ERR_KEEPALIVE_CANCEL = 0x2d,
	SK_CTAP2_ERR_NO_CREDENTIALS = 0x2e,
	SK_CTAP2_ERR_NOT_ALLOWED = 0x30,
	SK_CTAP2_ERR_PIN_INVALID = 0x31,
	SK_CTAP2_ERR_PIN_BLOCKED = 0x32,
	SK_CTAP2_ERR_PIN_AUTH_INVALID = 0x33,
	SK_CTAP2_ERR_PIN_AUTH_BLOCKED = 0x34,
	SK_CTAP2_ERR_PIN_NOT_SET = 0x35,
	SK_CTAP2_ERR_PIN_REQUIRED = 0x36,
	SK_CTAP2_ERR_PIN_POLICY_VIOLATION = 0x37,
	SK_CTAP2_ERR_REQUEST_TOO_LARGE = 0x39,
	SK_CTAP1_ERR_OTHER = 0x7f,
};

/* ---- profiles (softkey_profile.c) ---- */

enum sk_attestation {
	SK_ATT_PACKED,      /* packed, x5c = attestation cert from the test CA */
	SK_ATT_SELF,        /* packed self attestation, signed by the credential key */
	SK_ATT_NONE,        /* "none", empty attStmt */
	SK_ATT_U2F,         /* fido-u2f (CTAP1 REGISTER) */
};

struct sk_profile {
	const char *name;
	unsigned char aaguid[SK_AAGUID_LEN];
	bool ctap1;              /* U2F over CTAPHID_MSG */
	bool ctap2;              /* CTAP2 over CTAPHID_CBOR */
	enum sk_attestation att;
	bool backup;             /* BE=1 BS=1: a synced passkey */
	bool counts;             /* keeps a global sign counter; else always 0 */
};

const struct sk_profile *sk_profile_find(const char *name);
/* Profiles whose attestation carries a certificate from the test CA. */
bool sk_profile_has_att_cert(const struct sk_profile *p);
/* "yubikey5, synced, u2f, selfattested", for usage messages. */
const char *sk_profile_names(void);

/* authData flag bits */
#define SK_AD_UP 0x01
#define SK_AD_UV 0x04
#define SK_AD_BE 0x08
#define SK_AD_BS 0x10
#define SK_AD_AT 0x40

/* Flags a profile always sets: BE and BS for a synced passkey. */
uint8_t sk_profile_flags(const struct sk_profile *p);

/* ---- state (softkey_state.c) ---- */

#define SK_CRED_ID_MAX 255   /* U2F key handles have a one-byte length */
#define SK_IMPORTED_MAX 8

/*
 * A credential another authenticator made, taken in by softkey-ctl import
 * (softkey_import.c): kept whole in the state file, as the other device
 * made it, so that the same id and key answer here.
 */
struct sk_imported {
	unsigned char rp_hash[SK_HASH_LEN];
	unsigned char id[SK_CRED_ID_MAX];
	size_t id_len;
	unsigned char *key;                      /* DER private key (secret) */
	size_t key_len;
};

/* Everything the device keeps across power cycles. Secrets are wiped on free. */
struct sk_state {
	const struct sk_profile *profile;
	bool touch;                              /* the user touches when asked */
	uint32_t counter;                        /* global sign counter */
	uint64_t creds_made;                     /* credentials created so far */
	bool pin_set;
	unsigned char pin_hash[SK_PIN_HASH_LEN];
	unsigned pin_retries;
	unsigned char wrap_key[SK_WRAP_KEY_LEN]; /* secret */
	unsigned char *att_key;                  /* attestation private key, DER (secret) */
	size_t att_key_len;
	unsigned char *att_cert;                 /* attestation certificate, DER */
	size_t att_cert_len;
	struct sk_imported imported[SK_IMPORTED_MAX]; /* softkey-ctl import */
	size_t n_imported;
};

#define SK_STATE_MAX_SIZE (64 * 1024)

void sk_state_clear(struct sk_state *st);
/* Strict parse of the text format; SK_ECORRUPT on anything unexpected. */
int sk_state_parse(const char *text, size_t len, struct sk_state *st);
/* The text format; *out is NUL-terminated, wipe with sk_wipe_free(out, len). */
int sk_state_format(const struct sk_state *st, char **out, size_t *len);
/* Set the PIN (hash stored) and reset its retries. */
int sk_state_set_pin(struct sk_state *st, const char *pin);

/* ---- state file (softkey_store.c) ---- */

/* A locked, loaded state: begin, look or change, commit if changed, end. */
struct sk_txn {
	int lock_fd;
	const char *path;
	struct sk_state st;
};
#define SK_TXN_INIT { -1, NULL, { 0 } }

int sk_txn_begin(const char *path, struct sk_txn *t);
int sk_txn_commit(struct sk_txn *t);
void sk_txn_end(struct sk_txn *t);
/* Write a new state file; SK_EEXIST if the name exists (even as a link). */
int sk_store_create(const char *path, const struct sk_state *st);

/* ---- crypto (softkey_crypto.c) ---- */

struct sk_iov {
	const void *ptr;
	size_t len;
};

int sk_random(void *buf, size_t len);
int sk_sha256(const void *data, size_t len, unsigned char out[SK_HASH_LEN]);
int sk_hmac_sha256(const unsigned char *key, size_t key_len,
    const struct sk_iov *parts, size_t n, unsigned char out[SK_HASH_LEN]);
bool sk_ct_equal(const void *a, const void *b, size_t len);
void sk_wipe_free(void *pp, size_t len);

int sk_ec_generate(EVP_PKEY **out);
int sk_ed25519_generate(EVP_PKEY **out);
int sk_ed25519_public(EVP_PKEY *key, unsigned char out[SK_ED25519_LEN]);
/* SK_COSE_ES256 for a P-256 key, SK_COSE_EDDSA for Ed25519, 0 otherwise. */
int sk_key_alg(EVP_PKEY *key);
int sk_ec_public_point(EVP_PKEY *key, unsigned char out[SK_EC_POINT_LEN]);
int sk_ec_from_point(const unsigned char x[SK_EC_COORD_LEN],
    const unsigned char y[SK_EC_COORD_LEN], EVP_PKEY **out);
int sk_key_to_der(EVP_PKEY *key, unsigned char **der, size_t *len);
/* A P-256 or Ed25519 private key (nothing else); see sk_key_alg. */
int sk_key_from_der(const unsigned char *der, size_t len, EVP_PKEY **out);
/*
 * ECDSA-SHA256 (DER signature) or Ed25519 (64 bytes, PureEdDSA over the
 * whole message) over the concatenated parts; free with free().
 */
int sk_sign_parts(EVP_PKEY *key, const struct sk_iov *parts, size_t n,
    unsigned char **sig, size_t *sig_len);
/* PIN protocol 1: SHA-256 of the x coordinate of the ECDH shared point. */
int sk_ecdh_secret(EVP_PKEY *mine, EVP_PKEY *peer, unsigned char out[SK_HASH_LEN]);
/* AES-256-CBC, IV = 0, no padding (PIN protocol 1); len a multiple of 16. */
int sk_aes_cbc(bool encrypt, const unsigned char key[32], const unsigned char *in,
    size_t len, unsigned char *out);
int sk_aes_gcm_seal(const unsigned char key[32], const unsigned char iv[12],
    const unsigned char *aad, size_t aad_len, const unsigned char *in, size_t len,
    unsigned char *out, unsigned char tag[16]);
int sk_aes_gcm_open(const unsigned char key[32], const unsigned char iv[12],
    const unsigned char *aad, size_t aad_len, const unsigned char *in, size_t len,
    const unsigned char tag[16], unsigned char *out);

/* ---- attestation certificates (softkey_attcert.c) ---- */

/*
 * Make a new attestation key and a certificate for it, issued by the test CA
 * (PEM certificate ca_cert_path, PEM private key ca_key_path): subject OU
 * "Authenticator Attestation", CA:FALSE and, when aaguid is non-NULL, the
 * FIDO AAGUID extension (1.3.6.1.4.1.45724.1.1.4).
 */
int sk_attcert_issue(const char *ca_cert_path, const char *ca_key_path,
    const char *profile_name, const unsigned char *aaguid, EVP_PKEY **key,
    unsigned char **cert_der, size_t *cert_len);

/* ---- attestation statements (softkey_attstmt.c) ---- */

/*
 * The attestation statement of a new credential and its format name:
 * packed with x5c (device attestation key), packed self (the credential's
 * own key) or none. Signs authData || clientDataHash.
 */
int sk_attstmt_build(const struct sk_state *st, EVP_PKEY *cred_key,
    const unsigned char *authdata, size_t authdata_len,
    const unsigned char cdh[SK_HASH_LEN], const char **fmt, cbor_item_t **stmt);
/* The device's attestation private key. */
int sk_att_key(const struct sk_state *st, EVP_PKEY **key);

/* ---- credentials from elsewhere (softkey_import.c) ---- */

/*
 * Take in a credential made by another authenticator: its relying party
 * id, its id and its P-256 or Ed25519 private key (PKCS#8 DER), both in
 * standard base64 as Chromium's DevTools WebAuthn.getCredentials gives
 * them, and the sign count it reached. The device's counter is raised to
 * at least that count, so the next signature continues it. SK_EEXIST for
 * an id already held for that relying party, SK_EINVAL for anything
 * unusable or when SK_IMPORTED_MAX are held.
 */
int sk_import(struct sk_state *st, const char *rp_id, const char *id_b64,
    const char *key_b64, uint32_t sign_count);
/* The key of an imported credential with this id for rp_hash, if any. */
bool sk_imported_open(const struct sk_state *st, const unsigned char rp_hash[SK_HASH_LEN],
    const unsigned char *id, size_t id_len, EVP_PKEY **key);
/* Strict standard base64 (padded, no line breaks); *out malloc'd. */
int sk_base64_decode(const char *in, unsigned char **out, size_t *len);

/* ---- a new device (softkey_provision.c) ---- */

int sk_provision(const char *path, const char *profile, const char *pin,
    const char *ca_cert_path, const char *ca_key_path);

/* ---- credentials (softkey_cred.c) ---- */

/*
 * Non-resident credentials: the id is the credential's private key sealed
 * with AES-256-GCM under the device's wrap key, with the rpIdHash as
 * additional data, so an id only opens on the device and for the relying
 * party that made it.
 */
struct sk_newcred {
	unsigned char id[SK_CRED_ID_MAX];
	size_t id_len;
	int alg;                                 /* SK_COSE_ES256 or SK_COSE_EDDSA */
	unsigned char point[SK_EC_POINT_LEN];    /* ES256 */
	unsigned char ed_pub[SK_ED25519_LEN];    /* EdDSA */
	EVP_PKEY *key;
};

/* A new credential of COSE algorithm alg (SK_COSE_ES256 or SK_COSE_EDDSA). */
int sk_cred_create(const struct sk_state *st, const unsigned char rp_hash[SK_HASH_LEN],
    int alg, struct sk_newcred *out);
void sk_newcred_clear(struct sk_newcred *c);
/* The credential's key if id belongs to this device and relying party. */
bool sk_cred_open(const struct sk_state *st, const unsigned char rp_hash[SK_HASH_LEN],
    const unsigned char *id, size_t id_len, EVP_PKEY **key);
/*
 * The first descriptor in a CTAP2 allowList/excludeList that is a credential
 * of this device for rp_hash: its key (and id) or false. The list must have
 * passed sk_cbor_check_descriptors.
 */
bool sk_cred_find(const struct sk_state *st, const unsigned char rp_hash[SK_HASH_LEN],
    const cbor_item_t *list, const cbor_item_t **id, EVP_PKEY **key);
/* Advance the sign counter (profiles that count); false when exhausted. */
bool sk_counter_next(struct sk_state *st);
/* The signCount to report: the counter, or 0 for profiles that do not count. */
uint32_t sk_counter_value(const struct sk_state *st);

/*
 * rpIdHash || flags || signCount [|| aaguid || credIdLen || credId ||
 * COSE public key] (attested credential data when cred is non-NULL).
 */
int sk_authdata(const unsigned char rp_hash[SK_HASH_LEN], uint8_t flags,
    uint32_t counter, const unsigned char *aaguid, const struct sk_newcred *cred,
    unsigned char **out, size_t *out_len);

/* ---- CBOR helpers (softkey_cbor.c) ---- */

/* Add key/value to map, consuming both references (also on failure). */
bool sk_map_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *value);
/* The same with an unsigned integer or a text key. */
bool sk_map_put_uint(cbor_item_t *map, uint8_t key, cbor_item_t *value);
bool sk_map_put_str(cbor_item_t *map, const char *key, cbor_item_t *value);
/* COSE_Key for a P-256 point with the given alg (-7 ES256, -25 ECDH). */
cbor_item_t *sk_cose_p256(const unsigned char point[SK_EC_POINT_LEN], int alg);
/* COSE_Key for an Ed25519 public key (OKP, alg -8). */
cbor_item_t *sk_cose_ed25519(const unsigned char pub[SK_ED25519_LEN]);
/*
 * A definite map whose keys are integers (CTAP parameters, COSE labels),
 * each at most once: SK_CTAP2_OK or a CTAP status.
 */
int sk_cbor_check_params(const cbor_item_t *map);
/* The same for maps with text keys (rp, user, options, descriptors). */
int sk_cbor_check_fields(const cbor_item_t *map);
/* An array of PublicKeyCredentialDescriptors {"type": text, "id": bytes}. */
int sk_cbor_check_descriptors(const cbor_item_t *list);
/* The value under an unsigned key, or NULL. */
const cbor_item_t *sk_cbor_param(const cbor_item_t *map, uint8_t key);
/* The value under a text key, or NULL. */
const cbor_item_t *sk_cbor_field(const cbor_item_t *map, const char *key);
bool sk_cbor_is_bytes(const cbor_item_t *item);
bool sk_cbor_is_text(const cbor_item_t *item);
bool sk_cbor_is_bool(const cbor_item_t *item);
bool sk_cbor_text_eq(const cbor_item_t *item, const char *s);
/* A CTAP2 options map of booleans: SK_CTAP2_OK or a CTAP status. */
int sk_cbor_option(const cbor_item_t *options, const char *name, int *value);
/* Parse a COSE_Key P-256 public key (platform key agreement key). */
int sk_cose_p256_parse(const cbor_item_t *item, EVP_PKEY **out);
/* Serialize a status byte followed by item (NULL: status only). */
int sk_reply_cbor(uint8_t status, const cbor_item_t *item, unsigned char **out,
    size_t *out_len);

/* ---- per power-up state of one device, RAM only (softkey_session.c) ---- */

#define SK_MAX_MSG_SIZE 1200     /* CTAP2 maxMsgSize, as a YubiKey 5 */

struct sk_session {
	char *path;                                /* the state file */
	const struct sk_profile *profile;
	unsigned char pin_token[SK_PIN_TOKEN_LEN]; /* secret, per power-up */
	EVP_PKEY *key_agreement;                   /* PIN protocol 1 key, lazily made */
	unsigned pin_fail_streak;                  /* wrong PINs since power-up */
};

int sk_session_init(struct sk_session *s, const char *path);
void sk_session_clear(struct sk_session *s);

/* A reply: a malloc'd buffer. */
struct sk_reply {
	unsigned char *ptr;
	size_t len;
};

void sk_reply_free(struct sk_reply *r);
int sk_reply_status(struct sk_reply *r, uint8_t status);

/*
 * Command handlers return 0 with *out filled (a status byte, maybe CBOR,
 * or an APDU response), SK_WAIT_TOUCH with nothing filled (ask again later:
 * nothing has changed), or a negative sk_result for an internal failure.
 * The two dispatchers turn internal failures into a failure reply
 * (CTAP1_ERR_OTHER, SW 0x6F00); they return a negative value only when not
 * even that could be made.
 */
int sk_ctap2_dispatch(struct sk_session *s, const unsigned char *req, size_t len,
    struct sk_reply *out);
int sk_u2f_dispatch(struct sk_session *s, const unsigned char *apdu, size_t len,
    struct sk_reply *out);
/* U2F's answer while the touch has not come: SW_CONDITIONS_NOT_SATISFIED. */
int sk_u2f_reply_touch_needed(struct sk_reply *out);

/* CTAP2 command handlers (args: the parameter map, already checked). */
int sk_ctap2_make_credential(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out);
int sk_ctap2_get_assertion(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out);
int sk_ctap2_client_pin(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out);

/* pinAuth/pinProtocol of a makeCredential or getAssertion request. */
struct sk_pin_auth {
	const cbor_item_t *auth;      /* pinAuth, or NULL */
	const cbor_item_t *protocol;  /* pinProtocol, or NULL */
};

/*
 * CTAP 2.0 user verification for makeCredential/getAssertion: checks pinAuth
 * = LEFT(HMAC-SHA-256(pinToken, clientDataHash), 16) in constant time and
 * the "uv" option (no built-in UV). Returns SK_CTAP2_OK with *uv set, a CTAP
 * status, or SK_WAIT_TOUCH (an empty pinAuth asks for a touch first).
 */
int sk_pin_verify_auth(struct sk_session *s, const struct sk_state *st,
    const struct sk_pin_auth *pa, const unsigned char cdh[SK_HASH_LEN],
    int uv_option, bool *uv);

/* ---- the device as libfido2 sees it (softkey_ctaphid.c) ---- */

void *sk_io_open(const char *path);
void sk_io_close(void *handle);
int sk_io_read(void *handle, unsigned char *buf, size_t len, int ms);
int sk_io_write(void *handle, const unsigned char *buf, size_t len);

#endif

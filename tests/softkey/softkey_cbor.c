/*
 * CBOR helpers for CTAP2 requests and replies (libcbor). Requests are
 * checked strictly: definite lengths, expected types, no duplicate keys.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "softkey.h"

#define MAX_PARAMS 32
#define MAX_LIST 64

bool sk_map_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *value)
{
	bool ok = false;

	/* cbor_map_add takes its own references; ours are dropped either way. */
	if (map != NULL && key != NULL && value != NULL)
		ok = cbor_map_add(map, (struct cbor_pair){ .key = key, .value = value });
	if (key != NULL)
		cbor_decref(&key);
	if (value != NULL)
		cbor_decref(&value);
	return ok;
}

bool sk_map_put_uint(cbor_item_t *map, uint8_t key, cbor_item_t *value)
{
	return sk_map_put(map, cbor_build_uint8(key), value);
}

bool sk_map_put_str(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	return sk_map_put(map, cbor_build_string(key), value);
}

/* A negative integer -1 - n for n < 256 (COSE labels and algorithms). */
static cbor_item_t *build_neg(int v)
{
	return cbor_build_negint8((uint8_t)(-1 - v));
}

/* Canonical CTAP2 order: 1 (kty), 3 (alg), -1 (crv), -2 (x), -3 (y). */
cbor_item_t *sk_cose_p256(const unsigned char point[SK_EC_POINT_LEN], int alg)
{
	cbor_item_t *map = NULL;

	if (alg >= 0 || alg < -256 || (map = cbor_new_definite_map(5)) == NULL)
		return NULL;
	if (!sk_map_put(map, cbor_build_uint8(1), cbor_build_uint8(2)) ||
	    !sk_map_put(map, cbor_build_uint8(3), build_neg(alg)) ||
	    !sk_map_put(map, build_neg(-1), cbor_build_uint8(1)) ||
	    !sk_map_put(map, build_neg(-2),
	    cbor_build_bytestring(point + 1, SK_EC_COORD_LEN)) ||
	    !sk_map_put(map, build_neg(-3),
	    cbor_build_bytestring(point + 1 + SK_EC_COORD_LEN, SK_EC_COORD_LEN)))
		cbor_decref(&map);
	return map;
}

/* Canonical order: 1 (kty OKP), 3 (alg EdDSA), -1 (crv Ed25519), -2 (x). */
cbor_item_t *sk_cose_ed25519(const unsigned char pub[SK_ED25519_LEN])
{
	cbor_item_t *map = NULL;

	if ((map = cbor_new_definite_map(4)) == NULL)
		return NULL;
	if (!sk_map_put(map, cbor_build_uint8(1), cbor_build_uint8(1)) ||
	    !sk_map_put(map, cbor_build_uint8(3), build_neg(SK_COSE_EDDSA)) ||
	    !sk_map_put(map, build_neg(-1), cbor_build_uint8(6)) ||
	    !sk_map_put(map, build_neg(-2), cbor_build_bytestring(pub, SK_ED25519_LEN)))
		cbor_decref(&map);
	return map;
}

bool sk_cbor_is_bytes(const cbor_item_t *item)
{
	return item != NULL && cbor_isa_bytestring(item) &&
	    cbor_bytestring_is_definite(item);
}

bool sk_cbor_is_text(const cbor_item_t *item)
{
	return item != NULL && cbor_isa_string(item) && cbor_string_is_definite(item);
}

bool sk_cbor_is_bool(const cbor_item_t *item)
{
	return item != NULL && cbor_is_bool(item);
}

bool sk_cbor_text_eq(const cbor_item_t *item, const char *s)
{
	size_t n = strlen(s);

	return sk_cbor_is_text(item) && cbor_string_length(item) == n &&
	    memcmp(cbor_string_handle(item), s, n) == 0;
}

static bool is_definite_map(const cbor_item_t *item)
{
	return item != NULL && cbor_isa_map(item) && cbor_map_is_definite(item) &&
	    cbor_map_size(item) <= MAX_PARAMS;
}

/* Integer value of a CBOR integer key, if it is one. */
static bool int_key(const cbor_item_t *k, int64_t *v)
{
	if (cbor_isa_uint(k) && cbor_get_int(k) <= INT64_MAX) {
		*v = (int64_t)cbor_get_int(k);
		return true;
	}
	if (cbor_isa_negint(k) && cbor_get_int(k) < INT64_MAX) {
		*v = -1 - (int64_t)cbor_get_int(k);
		return true;
	}
	return false;
}

static bool same_key(const cbor_item_t *a, const cbor_item_t *b)
{
	int64_t x, y;

	if (int_key(a, &x) && int_key(b, &y))
		return x == y;
	if (sk_cbor_is_text(a) && sk_cbor_is_text(b))
		return cbor_string_length(a) == cbor_string_length(b) &&
		    memcmp(cbor_string_handle(a), cbor_string_handle(b),
		    cbor_string_length(a)) == 0;
	return false;
}

/* A definite map, keys of one kind (ints, or texts when text_keys), each once. */
static int check_map(const cbor_item_t *map, bool text_keys)
{
	struct cbor_pair *kv;
	size_t n;
	int64_t v;

	if (!is_definite_map(map))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	kv = cbor_map_handle(map);
	n = cbor_map_size(map);
	for (size_t i = 0; i < n; i++) {
		if (text_keys ? !sk_cbor_is_text(kv[i].key) : !int_key(kv[i].key, &v))
			return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
		for (size_t j = 0; j < i; j++)
			if (same_key(kv[i].key, kv[j].key))
				return SK_CTAP2_ERR_INVALID_CBOR;
	}
	return SK_CTAP2_OK;
}

int sk_cbor_check_params(const cbor_item_t *map)
{
	return check_map(map, false);
}

int sk_cbor_check_fields(const cbor_item_t *map)
{
	return check_map(map, true);
}

int sk_cbor_check_descriptors(const cbor_item_t *list)
{
	cbor_item_t **items;
	const cbor_item_t *type, *id;
	int st;

	if (list == NULL || !cbor_isa_array(list) || !cbor_array_is_definite(list))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (cbor_array_size(list) > MAX_LIST)
		return SK_CTAP2_ERR_LIMIT_EXCEEDED;
	items = cbor_array_handle(list);
	for (size_t i = 0; i < cbor_array_size(list); i++) {
		if ((st = sk_cbor_check_fields(items[i])) != SK_CTAP2_OK)
			return st;
		type = sk_cbor_field(items[i], "type");
		id = sk_cbor_field(items[i], "id");
		if (type == NULL || id == NULL)
			return SK_CTAP2_ERR_MISSING_PARAMETER;
		if (!sk_cbor_is_text(type) || !sk_cbor_is_bytes(id))
			return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	}
	return SK_CTAP2_OK;
}

static const cbor_item_t *find_int(const cbor_item_t *map, int64_t key)
{
	struct cbor_pair *kv;
	int64_t v;

	if (!is_definite_map(map))
		return NULL;
	kv = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (int_key(kv[i].key, &v) && v == key)
			return kv[i].value;
	return NULL;
}

const cbor_item_t *sk_cbor_param(const cbor_item_t *map, uint8_t key)
{
	return find_int(map, key);
}

const cbor_item_t *sk_cbor_field(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *kv;

	if (!is_definite_map(map))
		return NULL;
	kv = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (sk_cbor_text_eq(kv[i].key, key))
			return kv[i].value;
	return NULL;
}

int sk_cbor_option(const cbor_item_t *options, const char *name, int *value)
{
	const cbor_item_t *v;

	*value = -1;
	if (options == NULL || (v = sk_cbor_field(options, name)) == NULL)
		return SK_CTAP2_OK;
	if (!sk_cbor_is_bool(v))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	*value = cbor_get_bool(v) ? 1 : 0;
	return SK_CTAP2_OK;
}

static bool int_is(const cbor_item_t *item, int64_t want)
{
	int64_t v;

	return item != NULL && int_key(item, &v) && v == want;
}

int sk_cose_p256_parse(const cbor_item_t *item, EVP_PKEY **out)
{
	const cbor_item_t *x, *y;
	int st;

	*out = NULL;
	if ((st = sk_cbor_check_params(item)) != SK_CTAP2_OK)
		return st;
	x = find_int(item, -2);
	y = find_int(item, -3);
	if (find_int(item, 1) == NULL || find_int(item, -1) == NULL ||
	    x == NULL || y == NULL)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if (!int_is(find_int(item, 1), 2) || !int_is(find_int(item, -1), 1) ||
	    !sk_cbor_is_bytes(x) || !sk_cbor_is_bytes(y) ||
	    cbor_bytestring_length(x) != SK_EC_COORD_LEN ||
	    cbor_bytestring_length(y) != SK_EC_COORD_LEN)
		return SK_CTAP1_ERR_INVALID_PARAMETER;
	if (sk_ec_from_point(cbor_bytestring_handle(x), cbor_bytestring_handle(y),
	    out) != SK_OK)
		return SK_CTAP1_ERR_INVALID_PARAMETER;  /* not a point on P-256 */
	return SK_CTAP2_OK;
}

int sk_reply_cbor(uint8_t status, const cbor_item_t *item, unsigned char **out,
    size_t *out_len)
{
	unsigned char *body = NULL, *buf = NULL;
	size_t len = 0, cap = 0;

	*out = NULL;
	*out_len = 0;
	if (item != NULL && (len = cbor_serialize_alloc(item, &body, &cap)) == 0)
		return SK_ENOMEM;
	if ((buf = malloc(len + 1)) == NULL) {
		free(body);
		return SK_ENOMEM;
	}
	buf[0] = status;
	if (len > 0)
		memcpy(buf + 1, body, len);
	free(body);
	*out = buf;
	*out_len = len + 1;
	return SK_OK;
}

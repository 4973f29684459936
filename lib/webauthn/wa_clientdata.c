/*
 * clientDataJSON checks (wa_clientdata.h). json-c validates and parses;
 * the one thing it does not report is a member given twice: its tokener
 * keeps the last value silently (json_object_object_add replaces), so
 * {"origin":"https://evil","origin":"https://gate"} would read as the
 * gate's. dup_free() catches that by counting members twice: once in the
 * tree json-c built, once as the ':' separators of the text it accepted.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "util.h"
#include "wa_clientdata.h"

#define JSON_DEPTH_MAX 8

const char *pr_wa_type_name(enum pr_wa_type t)
{
	return t == PR_WA_CREATE ? "webauthn.create" : "webauthn.get";
}

/* Members in every object of the tree. */
static size_t tree_members(struct json_object *o)
{
	size_t n = 0;

	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			n += tree_members(json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val) {
			(void)key;
			n += 1 + tree_members(val);
		}
	}
	return n;
}

/* "\u0000" at s (after the backslash): json-c would cut a member name there. */
static bool escaped_nul(const char *s, size_t left)
{
	return left >= 5 && s[0] == 'u' && memcmp(s + 1, "0000", 4) == 0;
}

/*
 * Name separators in text json-c has accepted as JSON: every ':' outside a
 * string is one member. Only strings need tracking (a backslash escapes
 * the next character). SIZE_MAX, which no tree count equals, for what a
 * browser never writes but json-c accepts and would hide from this count:
 * a single-quoted name (json-c takes those even in strict mode) or an
 * escaped NUL (json-c ends a member name there).
 */
static size_t text_members(const char *s, size_t len)
{
	bool in_string = false;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\' && escaped_nul(s + i + 1, len - i - 1))
				return SIZE_MAX;
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = false;
		} else if (s[i] == '\'') {
			return SIZE_MAX;
		} else if (s[i] == '"') {
			in_string = true;
		} else if (s[i] == ':') {
			n++;
		}
	}
	return n;
}

static bool dup_free(struct json_object *root, const char *text, size_t len)
{
	return tree_members(root) == text_members(text, len);
}

/* The whole text as one JSON object, strictly; NULL on any error. */
static struct json_object *parse_object(const unsigned char *cdj, size_t len)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;

	if ((tok = json_tokener_new_ex(JSON_DEPTH_MAX)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, (const char *)cdj, (int)len);
	/* Trailing bytes after the object, or an object cut short: not clientDataJSON. */
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/*
 * A string member; NULL when absent, not a string, or holding a NUL
 * ("\u0000" decodes to one): as a C string it would compare equal to its
 * prefix, so "https://gate\u0000.evil" would pass for "https://gate".
 */
static const char *member_string(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

static bool base64url_chars(const char *s)
{
	return s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")]
	    == '\0';
}

static int check_challenge(struct json_object *o, const struct pr_wa_expect *e,
    struct pr_errbuf *eb)
{
	const char *c = member_string(o, "challenge");
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	bool same;

	if (c == NULL || !base64url_chars(c) || strlen(c) > (PR_WA_CHALLENGE_MAX * 4 + 2) / 3)
		return pr_fail(eb, PR_ERR_CLIENT_DATA, "the challenge is missing or not "
		    "unpadded base64url");
	if (pr_b64url_decode(c, &raw, &raw_len) != PR_OK)
		return pr_fail(eb, PR_ERR_CLIENT_DATA, "the challenge is not base64url");
	/* Lengths are not secret (the gate's are fixed); the bytes are compared in constant time. */
	same = raw_len == e->challenge_len && raw_len > 0 &&
	    pr_ct_equal(raw, e->challenge, raw_len);
	pr_secret_free(&raw, raw_len);
	return same ? PR_OK : pr_fail(eb, PR_ERR_CHALLENGE, "the response answers another "
	    "challenge than the one this request issued");
}

/* crossOrigin absent or false; topOrigin (only sent for cross-origin frames) absent. */
static int check_frame(struct json_object *o, struct pr_errbuf *eb)
{
	struct json_object *v = NULL;

	if (json_object_object_get_ex(o, "crossOrigin", &v) &&
	    (!json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v)))
		return pr_fail(eb, PR_ERR_CLIENT_DATA, "the page was framed by another site "
		    "(crossOrigin is not false)");
	if (json_object_object_get_ex(o, "topOrigin", NULL))
		return pr_fail(eb, PR_ERR_CLIENT_DATA, "the page was framed by another site "
		    "(topOrigin is set)");
	return PR_OK;
}

static int check_members(struct json_object *o, const struct pr_wa_expect *e,
    struct pr_errbuf *eb)
{
	const char *type = member_string(o, "type");
	const char *origin = member_string(o, "origin");
	int r;

	if (type == NULL || strcmp(type, pr_wa_type_name(e->type)) != 0)
		return pr_fail(eb, PR_ERR_CLIENT_DATA, "the client data is not of type %s",
		    pr_wa_type_name(e->type));
	if ((r = check_challenge(o, e, eb)) != PR_OK)
		return r;
	/* Exact equality: no prefix, suffix, case or default-port folding. */
	if (origin == NULL || e->origin == NULL || strcmp(origin, e->origin) != 0)
		return pr_fail(eb, PR_ERR_ORIGIN, "the browser was on another origin than %s",
		    e->origin != NULL ? e->origin : "the gate's");
	return check_frame(o, eb);
}

int pr_wa_clientdata_check(const unsigned char *cdj, size_t len,
    const struct pr_wa_expect *e, struct pr_errbuf *eb)
{
	struct json_object *o = NULL;
	int r;

	if (cdj == NULL || e == NULL || len == 0 || len > PR_WA_CDJ_MAX)
		return pr_fail(eb, PR_ERR_CLIENT_DATA, "the client data is empty or longer "
		    "than %d bytes", PR_WA_CDJ_MAX);
	/* A NUL inside would end the text early for the member count. */
	if (memchr(cdj, '\0', len) != NULL || (o = parse_object(cdj, len)) == NULL)
		return pr_fail(eb, PR_ERR_CLIENT_DATA, "the client data is not one JSON object");
	if (!dup_free(o, (const char *)cdj, len))
		r = pr_fail(eb, PR_ERR_CLIENT_DATA, "the client data gives a member twice");
	else
		r = check_members(o, e, eb);
	json_object_put(o);
	return r;
}

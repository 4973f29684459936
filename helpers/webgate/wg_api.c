/*
 * The page's JSON requests turned into the verifier's protocol
 * (wa_proto.h) and its answers into JSON, on the unprivileged side. json-c
 * parses; every value is a base64url string within wa_proto's bounds,
 * else the request is refused before the parent sees it.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "util.h"
#include "webgate.h"
#include "wg_http.h"

static pthread_mutex_t chan_lock = PTHREAD_MUTEX_INITIALIZER;

/* The sentence a person reads for a result. */
static const struct {
	const char *reason, *words;
} words[] = {
	{ "ok", "Done." },
	{ "replay", "This sign-in link was already used or has expired. Start the VPN connection again." },
	{ "expired", "This sign-in has expired. Start the VPN connection again." },
	{ "address-mismatch", "This page was opened from another network address than the VPN "
	    "connection. Open the link on the computer that is connecting." },
	{ "origin-mismatch", "The page's address is not the clinic's sign-in address. Close this "
	    "page and tell your IT provider." },
	{ "challenge-mismatch", "The key answered another sign-in. Start the VPN connection again." },
	{ "not-enrolled", "No security key acceptable for this account is enrolled. Ask your "
	    "administrator to enroll one." },
	{ "class-not-allowed", "This key is not allowed for your account: use your enrolled "
	    "physical security key." },
	/*
	 * One "busy" for every refusal where waiting is the remedy: a user's lock
	 * still held after the retries, an invitation that could not be checked,
	 * an address over its approval cap, a full table.
	 */
	{ "busy", "Too many sign-ins are in progress for this account or from this address. "
	    "Wait a minute, then try again." },
	{ "invalid-token", "The invitation is not valid for this account. Check it, or ask "
	    "your administrator for a new invitation; after 3 wrong tries, start the VPN "
	    "connection again." },
};

static const char *words_for(const char *reason)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].reason, reason) == 0)
			return words[i].words;
	return "The sign-in was refused. Start again, or ask your administrator.";
}

/* One request to the parent, one answer (malloc'd, NUL-terminated). */
static char *ask_parent(int chan, const struct pr_wa_req *q)
{
	char *text = NULL, *answer = NULL;
	size_t len = 0;
	ssize_t n = -1;

	if (pr_wa_req_format(q, &text, &len) != PR_OK)
		return NULL;
	if ((answer = malloc(PR_WA_ANSWER_MAX + 1)) == NULL) {
		free(text);
		return NULL;
	}
	pthread_mutex_lock(&chan_lock);
	if (send(chan, text, len, MSG_NOSIGNAL) == (ssize_t)len)
		n = wg_chan_recv(chan, answer, PR_WA_ANSWER_MAX, 0);
	pthread_mutex_unlock(&chan_lock);
	explicit_bzero(text, len);
	free(text);
	if (n <= 0) {
		free(answer);
		return NULL;
	}
	answer[n] = '\0';
	return answer;
}

/*
 * The parent waits only briefly for a user's lock and answers busy when it
 * is held elsewhere (wg_parent.c), so that one person's lock delays no one
 * else. This connection's thread asks again after a pause, between tries
 * leaving the channel to the others, for about as long as a console
 * sign-in would wait for that lock (PR_LOCK_WAIT_MS).
 */
#define BUSY_TRIES 20
#define BUSY_PAUSE_US 250000

static bool is_busy(const char *answer)
{
	static const char busy[] = "result busy";

	return strncmp(answer, busy, sizeof(busy) - 1) == 0 &&
	    (answer[sizeof(busy) - 1] == ' ' || answer[sizeof(busy) - 1] == '\n');
}

/*
 * The answers whose busy means a lock (a user's, an invitation's, the
 * audit log's) was held and nothing was done, so the same request may be
 * sent again: a sign-in response, an invitation, a key's creation. An
 * approval's busy is a cap, which waiting a few seconds does not lift.
 */
static bool waits_for_locks(enum pr_wa_op op)
{
	return op == PR_WA_OP_GET || op == PR_WA_OP_ENROLL || op == PR_WA_OP_CREATE;
}

static char *ask_parent_patiently(int chan, const struct pr_wa_req *q)
{
	char *answer;

	for (int i = 1; (answer = ask_parent(chan, q)) != NULL && i < BUSY_TRIES &&
	    is_busy(answer); i++) {
		free(answer);
		usleep(BUSY_PAUSE_US);
	}
	return answer;
}

/* The parent's answer as the page's JSON: options as they are, a result as {result, message}. */
static char *to_json(char *answer, int *status)
{
	struct pr_wa_result res;
	json_object *o;
	char *nl, *out = NULL;
	const char *reason;

	*status = 500;
	if (answer == NULL)
		return NULL;
	if ((nl = strchr(answer, '\n')) != NULL)
		*nl = '\0';
	if (strncmp(answer, PR_WA_OPTIONS_PREFIX, strlen(PR_WA_OPTIONS_PREFIX)) == 0) {
		*status = 200;
		out = strdup(answer + strlen(PR_WA_OPTIONS_PREFIX));
	} else if (pr_wa_result_parse(answer, &res, NULL) == PR_OK &&
	    (o = json_object_new_object()) != NULL) {
		reason = res.err == PR_OK ? "ok" : pr_err_reason(res.err);
		*status = res.err == PR_OK ? 200 : 403;
		json_object_object_add(o, "result", json_object_new_string(reason));
		json_object_object_add(o, "message", json_object_new_string(words_for(reason)));
		out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	free(answer);
	return out;
}

static const char *member_str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool set_text(char *dst, size_t size, const char *v)
{
	if (v == NULL || strlen(v) >= size)
		return false;
	memcpy(dst, v, strlen(v) + 1);
	return true;
}

/* A base64url member into a blob (optional: absent is not given). */
static bool set_blob(struct pr_wa_blob *b, json_object *o, const char *key, bool optional)
{
	const char *v = member_str(o, key);

	if (v == NULL)
		return optional;
	b->given = true;
	if (*v == '\0')
		return true;
	return strlen(v) <= PR_WA_REQ_MAX && pr_b64url_decode(v, &b->p, &b->len) == PR_OK;
}

static bool fill(const char *path, json_object *body, struct pr_wa_req *q)
{
	json_object *resp = NULL;

	if (strcmp(path, "/api/approve-options") == 0) {
		q->op = PR_WA_OP_APPROVE;
		return set_text(q->user, sizeof(q->user), member_str(body, "user"));
	}
	if (!set_text(q->pending, sizeof(q->pending), member_str(body, "pending")))
		return false;
	if (strcmp(path, "/api/enroll-options") == 0) {
		q->op = PR_WA_OP_ENROLL;
		return set_text(q->invitation, sizeof(q->invitation), member_str(body, "invitation"));
	}
	if (strcmp(path, "/api/options") == 0) {
		q->op = PR_WA_OP_OPTIONS;
		return true;
	}
	json_object_object_get_ex(body, "response", &resp);
	if (!set_blob(&q->client_data, resp, "clientDataJSON", false))
		return false;
	if (strcmp(path, "/api/get") == 0) {
		q->op = PR_WA_OP_GET;
		return set_blob(&q->credential, body, "rawId", false) &&
		    set_blob(&q->authenticator_data, resp, "authenticatorData", false) &&
		    set_blob(&q->signature, resp, "signature", false) &&
		    set_blob(&q->user_handle, resp, "userHandle", true);
	}
	q->op = PR_WA_OP_CREATE;
	return set_blob(&q->attestation, resp, "attestationObject", false);
}

/*
 * The invitation's bytes in the parsed body, wiped once it is copied (the
 * request itself is wiped by pr_wa_req_clear, the body by the caller).
 */
static void wipe_invitation(json_object *body)
{
	const char *v = member_str(body, "invitation");

	if (v != NULL)
		explicit_bzero((char *)v, strlen(v));
}

char *wg_api(int chan, const char *path, const char *body, size_t len,
    const char *rhost, const char *user_agent, int *status)
{
	struct pr_wa_req q = { 0 };
	json_object *o = NULL;
	char *out = NULL;

	*status = 400;
	if (len > 0 && (o = json_tokener_parse(body)) != NULL &&
	    json_object_is_type(o, json_type_object) && fill(path, o, &q)) {
		snprintf(q.rhost, sizeof(q.rhost), "%s", rhost);
		snprintf(q.user_agent, sizeof(q.user_agent), "%s", user_agent);
		out = to_json(waits_for_locks(q.op) ? ask_parent_patiently(chan, &q) :
		    ask_parent(chan, &q), status);
	}
	wipe_invitation(o);
	json_object_put(o);
	pr_wa_req_clear(&q);
	if (out == NULL && *status == 400)
		out = strdup("{\"result\":\"bad-request\",\"message\":\"The request was not "
		    "understood. Reload the page and try again.\"}");
	return out;
}

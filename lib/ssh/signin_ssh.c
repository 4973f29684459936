/*
 * The SSH gateway decision (doc/ARCHITECTURE.md §4.4, module option ssh). sshd
 * has verified a signature in a publickey step of this connection and says
 * with which key in SSH_AUTH_INFO_0; here that key must be one of the
 * user's enrolled SSH security keys (PR_KIND_SSH, matched by the SHA-256 of
 * its blob, which is the credential id) of a class the user's policy
 * accepts. User presence and verification are sshd's to check
 * (verify-required in what practicerunner-authorized-keys prints): the
 * variable does not carry the signature's flags. A signature counter, when
 * sshd gives one, is recorded as evidence, not enforced: sshd shows the
 * same line again when keyboard-interactive is retried within one
 * connection, and a privilege-separated sshd (as shipped) gives none.
 *
 * practicerunner-authorized-keys asks the same question of a key sshd is
 * offered (pr_signin_ssh_offer), before any signature, to record the
 * offers it does not print: one verdict for the module and the helper.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signin.h"
#include "sshauthinfo.h"
#include "sshkey.h"

#define SSH_ID_LEN 32

/*
 * What one publickey step's key is to this user: PR_OK (acceptable),
 * PR_ERR_CLASS (enrolled, refused by policy), PR_ERR_NO_CREDENTIAL (a
 * security key not enrolled for them), PR_ERR_ALGORITHM (no security key),
 * or an error. *idx: the enrolled credential, s->creds.n when none.
 */
static int step_verdict(const struct pr_signin *s, const struct pr_sshauth_step *st,
    size_t *idx)
{
	unsigned char h[SSH_ID_LEN];
	struct pr_sshkey k;
	int r;

	*idx = s->creds.n;
	if ((r = pr_sshkey_parse_blob(st->blob, st->blob_len, &k, NULL)) != PR_OK)
		return r == PR_ERR_CORRUPT ? PR_ERR_ALGORITHM : r;
	r = pr_sshkey_hash(&k, h);
	pr_sshkey_clear(&k);
	if (r != PR_OK)
		return r;
	for (size_t i = 0; i < s->creds.n; i++) {
		const struct pr_cred *c = &s->creds.v[i];

		if (c->kind == PR_KIND_SSH && c->id_len == SSH_ID_LEN &&
		    memcmp(c->id, h, SSH_ID_LEN) == 0) {
			*idx = i;
			return s->acceptable[i] ? PR_OK : PR_ERR_CLASS;
		}
	}
	return PR_ERR_NO_CREDENTIAL;
}

/* Which verdict tells the most: a success, then the nearest miss. */
static int verdict_rank(int r)
{
	switch (r) {
	case PR_OK:
		return 4;
	case PR_ERR_CLASS:
		return 3;
	case PR_ERR_NO_CREDENTIAL:
		return 2;
	default:
		return 1;    /* PR_ERR_ALGORITHM */
	}
}

/* Remember step st (verdict r, credential idx) as the one recorded. */
static void keep_step(struct pr_signin *s, const struct pr_sshauth_step *st, size_t idx)
{
	char fp[PR_SSH_FP_LEN + 1];

	if (pr_ssh_blob_fingerprint(st->blob, st->blob_len, fp) != PR_OK)
		snprintf(fp, sizeof(fp), "(none)");
	snprintf(s->ssh_detail, sizeof(s->ssh_detail), "key %s %s", st->key_type, fp);
	s->used = idx < s->creds.n ? &s->creds.v[idx] : NULL;
	s->counted = st->has_count;
	s->outcome.sign_count = st->sign_count;
}

/* The best publickey step of the connection: its verdict, and it kept for the record. */
static int match_steps(struct pr_signin *s, const struct pr_sshauth *a)
{
	int best = PR_ERR_NO_CREDENTIAL, r;
	bool any = false;
	size_t idx;

	for (size_t i = 0; i < a->n; i++) {
		if (!pr_sshauth_is_publickey(&a->v[i]))
			continue;
		r = step_verdict(s, &a->v[i], &idx);
		if (r != PR_OK && r != PR_ERR_CLASS && r != PR_ERR_NO_CREDENTIAL &&
		    r != PR_ERR_ALGORITHM)
			return r;    /* e.g. no memory: refuse */
		if (!any || verdict_rank(r) > verdict_rank(best)) {
			best = r;
			keep_step(s, &a->v[i], idx);
		}
		any = true;
	}
	if (!any)
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "no publickey step");
	return best;
}

/*
 * The verdict on the publickey steps of a for a user whose SSH keys
 * pr_signin_load_creds gave (loaded): the module's and the offer record's alike.
 */
static int verdict_for(struct pr_signin *s, int loaded, const struct pr_sshauth *a)
{
	int m;

	if (loaded != PR_OK && loaded != PR_ERR_NOT_ENROLLED)
		return loaded;
	m = match_steps(s, a);
	/* A key of a class policy refuses tells more than "none enrolled". */
	return loaded == PR_OK || m == PR_ERR_CLASS ? m : loaded;
}

/* Parse, load and match: the verdict for a user under any need. */
static int ssh_verdict(struct pr_signin *s, const char *info)
{
	struct pr_sshauth a = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	int r;

	if (info == NULL) {
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "no SSH_AUTH_INFO_0");
		return PR_ERR_NO_CREDENTIAL;
	}
	if ((r = pr_sshauth_parse(info, strlen(info), &a, &eb)) != PR_OK) {
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "bad SSH_AUTH_INFO_0");
		return pr_fail(&s->eb, r, "%s", eb.msg[0] != '\0' ? eb.msg : pr_strerror(r));
	}
	r = verdict_for(s, pr_signin_load_creds(s, PR_KIND_SSH), &a);
	pr_sshauth_clear(&a);
	return r;
}

int pr_signin_ssh(struct pr_signin *s, const char *info, bool *ignore, const char **note)
{
	int r;

	*ignore = false;
	*note = NULL;
	s->method = "ssh-sk";
	if (s->need == PR_NEED_NONE && !s->opportunistic) {
		*ignore = true;
		*note = "no-requirement";
		return PR_OK;
	}
	r = ssh_verdict(s, info);
	if (s->need != PR_NEED_NONE) {
		*note = pr_need_name(s->need);
		return r;
	}
	/* opportunistic: an enrolled key signs in; no such key lets the stack decide. */
	if (r == PR_ERR_NOT_ENROLLED || r == PR_ERR_NO_CREDENTIAL || r == PR_ERR_ALGORITHM ||
	    r == PR_ERR_CLASS) {
		*ignore = true;
		*note = "no-requirement";
		return PR_OK;
	}
	*note = "opportunistic";
	return r;
}

int pr_signin_ssh_keys(struct pr_signin *s)
{
	s->method = "ssh-sk";
	return pr_signin_load_creds(s, PR_KIND_SSH);
}

int pr_signin_ssh_offer(struct pr_signin *s, int loaded, const char *key_type,
    const unsigned char *blob, size_t len)
{
	struct pr_sshauth_step st = { .method = "publickey", .blob_len = len };
	struct pr_sshauth a = { &st, 1 };
	int r;

	s->method = "ssh-sk";
	if (key_type == NULL || blob == NULL || strlen(key_type) > PR_SSHAUTH_NAME_MAX)
		return PR_ERR_INVALID_ARG;
	snprintf(st.key_type, sizeof(st.key_type), "%s", key_type);
	/* A step's blob is its own (not const): a copy. */
	if ((st.blob = malloc(len > 0 ? len : 1)) == NULL)
		return PR_ERR_NOMEM;
	memcpy(st.blob, blob, len);
	/* The key goes into the record whatever the verdict, even with no credentials read. */
	keep_step(s, &st, s->creds.n);
	r = verdict_for(s, loaded, &a);
	free(st.blob);
	return r;
}

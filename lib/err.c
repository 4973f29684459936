/* Error codes, their messages and their audit reason tokens. */
#include "config.h"

#include <string.h>

#include <stdarg.h>
#include <stdio.h>

#include "err.h"

struct err_text {
	int code;
	const char *reason;
	const char *text;
};

static const struct err_text err_table[] = {
	{ PR_OK, "ok", "success" },
	{ PR_ERR_NOMEM, "internal-error", "out of memory" },
	{ PR_ERR_IO, "io-error", "input/output error" },
	{ PR_ERR_CONFIG, "policy-error", "invalid policy file" },
	{ PR_ERR_UNSAFE_FILE, "unsafe-file", "unsafe file (link, owner or permissions)" },
	{ PR_ERR_CORRUPT, "corrupt-state", "state file is corrupt" },
	{ PR_ERR_NOT_FOUND, "not-found", "not found" },
	{ PR_ERR_INVALID_ARG, "invalid-argument", "invalid argument" },
	{ PR_ERR_NO_DEVICE, "no-device", "no security key attached" },
	{ PR_ERR_NO_CREDENTIAL, "no-matching-key", "no attached security key holds an enrolled credential" },
	{ PR_ERR_TIMEOUT, "timeout", "security key was not touched in time" },
	{ PR_ERR_UV_REQUIRED, "uv-missing", "user verification (PIN or biometric) was required but not performed" },
	{ PR_ERR_PIN_INVALID, "pin-invalid", "wrong PIN" },
	{ PR_ERR_PIN_BLOCKED, "pin-blocked", "PIN blocked: too many wrong attempts" },
	{ PR_ERR_SIGNATURE, "bad-signature", "signature did not verify" },
	{ PR_ERR_COUNTER, "counter-regression", "signature counter did not increase (possible cloned key)" },
	{ PR_ERR_CLASS, "class-not-allowed", "this kind of key is not allowed by policy" },
	{ PR_ERR_ATTESTATION, "attestation-invalid", "attestation did not verify" },
	{ PR_ERR_UP_MISSING, "up-missing", "user presence flag missing" },
	{ PR_ERR_DEVICE, "device-error", "security key error" },
	{ PR_ERR_CANCELLED, "cancelled", "cancelled" },
	{ PR_ERR_EXISTS, "exists", "already exists" },
	{ PR_ERR_AUDIT, "audit-error", "audit record could not be written" },
	{ PR_ERR_LOCK, "lock-error", "could not take a lock" },
	{ PR_ERR_NO_PIN, "no-pin-set", "user verification requires a PIN but the security key has none set" },
	{ PR_ERR_ALGORITHM, "unsupported-algorithm", "unsupported key algorithm" },
	{ PR_ERR_NOT_ENROLLED, "not-enrolled", "no enrolled security key acceptable to policy" },
	{ PR_ERR_EXPIRED, "expired", "expired" },
	{ PR_ERR_INVITE_INVALID, "invalid-token", "the invitation token is not valid" },
	{ PR_ERR_LAST_KEY, "last-key", "this is the last key that satisfies the policy" },
	{ PR_ERR_PERM, "not-permitted", "not permitted" },
	{ PR_ERR_CODE_INVALID, "invalid-code", "the recovery code is not valid" },
	{ PR_ERR_TICKET_INVALID, "invalid-ticket", "the recovery ticket is not valid" },
	{ PR_ERR_LOCKED_OUT, "locked-out", "too many failed attempts; an administrator must unlock the account" },
	{ PR_ERR_BUSY, "busy", "another process held the lock for too long" },
	{ PR_ERR_DIR_UNREACHABLE, "directory-unreachable", "no directory server answered in time" },
	{ PR_ERR_DIR_BIND, "directory-bind", "the directory refused the service's bind DN or password" },
	{ PR_ERR_DIR_TLS, "directory-tls", "TLS to the directory failed (certificate or CA file)" },
	{ PR_ERR_DIR_SCHEMA, "directory-schema", "the directory lacks PracticeRunner's schema" },
	{ PR_ERR_DIRECTORY, "directory-error", "the directory refused the operation" },
	{ PR_ERR_DIR_CONFLICT, "directory-conflict", "the directory entry kept changing; nothing was written" },
	{ PR_ERR_CLIENT_DATA, "client-data-invalid", "the browser's client data is malformed or not a same-origin request of the expected type" },
	{ PR_ERR_ORIGIN, "origin-mismatch", "the browser's origin is not the web gate's" },
	{ PR_ERR_CHALLENGE, "challenge-mismatch", "the response does not answer the challenge this sign-in issued" },
	{ PR_ERR_REPLAY, "replay", "this sign-in link was already used or has expired" },
	{ PR_ERR_ADDRESS, "address-mismatch", "the browser is not at the VPN client's address" },
};

static const struct err_text *err_lookup(int err)
{
	for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].code == err)
			return &err_table[i];
	return NULL;
}

const char *pr_strerror(int err)
{
	const struct err_text *e = err_lookup(err);
	return e != NULL ? e->text : "unknown error";
}

const char *pr_err_reason(int err)
{
	const struct err_text *e = err_lookup(err);
	return e != NULL ? e->reason : "internal-error";
}

static void errbuf_set(struct pr_errbuf *eb, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void errbuf_set(struct pr_errbuf *eb, int line, const char *fmt, va_list ap)
{
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	eb->line = line;
}

int pr_fail(struct pr_errbuf *eb, int err, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return err;
	va_start(ap, fmt);
	errbuf_set(eb, 0, fmt, ap);
	va_end(ap);
	return err;
}

int pr_fail_line(struct pr_errbuf *eb, int line, int err, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return err;
	va_start(ap, fmt);
	errbuf_set(eb, line, fmt, ap);
	va_end(ap);
	return err;
}

int pr_err_from_reason(const char *reason)
{
	if (reason == NULL)
		return PR_ERR_IO;
	if (strcmp(reason, "ok") == 0)
		return PR_OK;
	for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (strcmp(err_table[i].reason, reason) == 0)
			return err_table[i].code;
	return PR_ERR_IO;   /* not something we can vouch for: could not check */
}

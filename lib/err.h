/* Project error codes: negative values, 0 is success. Mapped to PAM codes only in pam/. */
#ifndef PR_ERR_H
#define PR_ERR_H

#include <stddef.h>

enum pr_err {
	PR_OK = 0,
	PR_ERR_NOMEM = -1,          /* allocation failed */
	PR_ERR_IO = -2,             /* read/write/fsync/rename failed */
	PR_ERR_CONFIG = -3,         /* policy file invalid */
	PR_ERR_UNSAFE_FILE = -4,    /* symlink, wrong owner or mode, not a regular file */
	PR_ERR_CORRUPT = -5,        /* a state or log file does not parse */
	PR_ERR_NOT_FOUND = -6,      /* no such user, key, file entry */
	PR_ERR_INVALID_ARG = -7,    /* caller passed something unusable */
	PR_ERR_NO_DEVICE = -8,      /* no authenticator attached */
	PR_ERR_NO_CREDENTIAL = -9,  /* attached devices hold none of the allowed credentials */
	PR_ERR_TIMEOUT = -10,       /* no touch within the timeout */
	PR_ERR_UV_REQUIRED = -11,   /* user verification required but not performed */
	PR_ERR_PIN_INVALID = -12,   /* wrong PIN */
	PR_ERR_PIN_BLOCKED = -13,   /* PIN retries exhausted */
	PR_ERR_SIGNATURE = -14,     /* signature or rpIdHash/clientDataHash did not verify */
	PR_ERR_COUNTER = -15,       /* sign counter did not grow: possible cloned key */
	PR_ERR_CLASS = -16,         /* credential class not allowed by policy */
	PR_ERR_ATTESTATION = -17,   /* attestation statement did not verify */
	PR_ERR_UP_MISSING = -18,    /* authenticator data lacks user presence */
	PR_ERR_DEVICE = -19,        /* device or protocol error */
	PR_ERR_CANCELLED = -20,     /* the user cancelled (e.g. Esc at the PIN prompt) */
	PR_ERR_EXISTS = -21,        /* already enrolled / already present */
	PR_ERR_AUDIT = -22,         /* audit record could not be written */
	PR_ERR_LOCK = -23,          /* lock could not be taken */
	PR_ERR_NO_PIN = -24,        /* UV needs a PIN but the device has none set */
	PR_ERR_ALGORITHM = -25,     /* unsupported COSE algorithm */
	PR_ERR_NOT_ENROLLED = -26,  /* the user has no enrolled key acceptable to policy */
	PR_ERR_EXPIRED = -27,       /* invitation, ticket or token past its lifetime */
	PR_ERR_INVITE_INVALID = -28,/* wrong invitation token */
	PR_ERR_LAST_KEY = -29,      /* removal would leave the user unable to meet policy */
	PR_ERR_PERM = -30,          /* not allowed for this caller */
	PR_ERR_CODE_INVALID = -31,  /* wrong, used or outdated recovery code */
	PR_ERR_TICKET_INVALID = -32,/* wrong recovery ticket */
	PR_ERR_LOCKED_OUT = -33,    /* too many failures: an administrator must unlock */
	PR_ERR_BUSY = -34,          /* a lock stayed held past its bound (pr_lock) */
	/*
	 * The clinic directory (lib/directory/). UNREACHABLE: no server answered
	 * within the timeout (the offline cache may apply). BIND, TLS, SCHEMA and
	 * DIRECTORY: a server answered and refused: a configuration error, never
	 * the cache. CONFLICT: the entry kept changing under a read-modify-write.
	 */
	PR_ERR_DIR_UNREACHABLE = -35,
	PR_ERR_DIR_BIND = -36,
	PR_ERR_DIR_TLS = -37,
	PR_ERR_DIR_SCHEMA = -38,
	PR_ERR_DIRECTORY = -39,
	PR_ERR_DIR_CONFLICT = -40,
	/*
	 * The web gate (lib/webauthn/): the browser's clientDataJSON is not
	 * what the gate asked for. CLIENT_DATA: malformed, oversized, a key
	 * given twice, the wrong type, or a cross-origin call; ORIGIN: another
	 * page's origin (phishing or a misconfigured origin); CHALLENGE: not
	 * the challenge this pending sign-in issued (a replay).
	 */
	PR_ERR_CLIENT_DATA = -41,
	PR_ERR_ORIGIN = -42,
	PR_ERR_CHALLENGE = -43,
	/*
	 * A pending web sign-in (lib/webauthn/wa_pending.h). REPLAY: the id is
	 * not open (decided, expired or never made): each is used once;
	 * ADDRESS: the browser is not at the VPN client's address.
	 */
	PR_ERR_REPLAY = -44,
	PR_ERR_ADDRESS = -45,
};

/* Human-readable text for an error code; never NULL. */
const char *pr_strerror(int err);

/* Short stable token for audit records ("counter-regression", ...); never NULL. */
const char *pr_err_reason(int err);
/* The error whose reason token is reason (PR_OK for "ok"); PR_ERR_IO for a token we do not know. */
int pr_err_from_reason(const char *reason);

/*
 * The one way error detail travels (doc/ARCHITECTURE.md §3.3): a one-line
 * explanation that names file and line where there is one, and, for a
 * parser of text, the line of its input it is about. Functions write it
 * only when they fail, so a caller may use one buffer for several steps.
 */
struct pr_errbuf {
	char msg[512];
	int line;           /* 1-based line of the parsed input; 0: none */
};

/*
 * printf into eb (if non-NULL), line 0; returns err unchanged, for
 * "return pr_fail(eb, r, ...)".
 */
int pr_fail(struct pr_errbuf *eb, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* pr_fail about line of the caller's input. */
int pr_fail_line(struct pr_errbuf *eb, int line, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

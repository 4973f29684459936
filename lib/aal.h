/*
 * The authentication assurance level (NIST SP 800-63B-4) a sign-in reached,
 * and the session limits the policy sets for that level. Pure: no I/O.
 */
#ifndef PR_AAL_H
#define PR_AAL_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "policy.h"

/* The UV bit of the signed authenticator data's flags. */
#define PR_AUTHDATA_UV 0x04
/* The UP bit: the person was present (touched the key). */
#define PR_AUTHDATA_UP 0x01

enum pr_aal { PR_AAL_NONE = 0, PR_AAL1, PR_AAL2, PR_AAL3 };

/* What one successful sign-in verified. */
struct pr_aal_evidence {
	bool key;            /* an enrolled credential's assertion verified */
	enum pr_class cls;   /* its class, decided at enrollment */
	uint8_t flags;       /* the signed authenticator data flags */
	bool recovery;       /* a recovery ticket and a recovery code were redeemed */
};

/*
 * The level this sign-in alone reached (a password checked by another
 * module is not seen here): physical key with UV is AAL3; a passkey with
 * UV and a recovery are AAL2; any key without UV is one factor, AAL1.
 * PR_AAL_NONE when nothing was verified.
 */
enum pr_aal pr_aal_of(const struct pr_aal_evidence *e);

/* "aal1", "aal2", "aal3"; "none" for PR_AAL_NONE and unknown values. */
const char *pr_aal_name(enum pr_aal a);

/* The policy's limits for level a; NULL for PR_AAL_NONE and unknown values. */
const struct pr_session_limits *pr_aal_limits(const struct pr_session_conf *s, enum pr_aal a);

#endif

/*
 * Assurance levels, read against NIST SP 800-63B-4:
 *   AAL3: a hardware-bound, phishing-resistant key (class physical: attested,
 *         device-bound) used with its PIN or biometric: two factors in one
 *         multi-factor cryptographic authenticator.
 *   AAL2: two factors where the key is not known to be hardware-bound (a
 *         passkey with UV: SP 800-63B-4 admits syncable authenticators at
 *         AAL2 but not AAL3); also a recovery (a saved recovery code plus an
 *         issued ticket, neither hardware-bound nor phishing-resistant).
 *   AAL1: a key without user verification, physical or not: one factor
 *         (something you have). A password module earlier in the stack adds
 *         the second factor, but this module does not see it, so it does
 *         not claim it.
 * Reading the UV bit from the signed authenticator data (not from what was
 * asked for) means a key that skipped UV is never read as two factors.
 */
#include "config.h"

#include <stddef.h>

#include "aal.h"

enum pr_aal pr_aal_of(const struct pr_aal_evidence *e)
{
	bool uv;

	if (e == NULL)
		return PR_AAL_NONE;
	if (e->recovery)
		return PR_AAL2;
	if (!e->key)
		return PR_AAL_NONE;
	uv = (e->flags & PR_AUTHDATA_UV) != 0;
	if (!uv)
		return PR_AAL1;
	return e->cls == PR_CLASS_PHYSICAL ? PR_AAL3 : PR_AAL2;
}

const char *pr_aal_name(enum pr_aal a)
{
	switch (a) {
	case PR_AAL1:
		return "aal1";
	case PR_AAL2:
		return "aal2";
	case PR_AAL3:
		return "aal3";
	case PR_AAL_NONE:
		break;
	}
	return "none";
}

const struct pr_session_limits *pr_aal_limits(const struct pr_session_conf *s, enum pr_aal a)
{
	if (s == NULL)
		return NULL;
	switch (a) {
	case PR_AAL1:
		return &s->aal1;
	case PR_AAL2:
		return &s->aal2;
	case PR_AAL3:
		return &s->aal3;
	case PR_AAL_NONE:
		break;
	}
	return NULL;
}

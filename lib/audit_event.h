/*
 * The one builder of audit records (doc/ARCHITECTURE.md §8.1). The module,
 * practicerunner-verify, practicerunner-authorized-keys, the admin tool
 * and the self-service helpers all fill struct pr_audit_event here, so one
 * fact is written the same way whoever records it: a front end says only
 * who acts and from where, and what happened to whom with what.
 */
#ifndef PR_AUDIT_EVENT_H
#define PR_AUDIT_EVENT_H

#include <stdint.h>

#include "audit.h"
#include "conf.h"
#include "cred.h"

/* Who acts and from where; NULL where it is not known. */
struct pr_audit_who {
	const struct pr_config *cfg;  /* relying party id and audit limits; NULL: neither */
	const char *actor;      /* who acts on the account ("name", "name(login:X)"); NULL: its owner */
	const char *service;    /* the PAM service, or the program's name */
	const char *tty;        /* without "/dev/" */
	const char *rhost;
	const char *path;       /* direct / helper / webgate: how a sign-in reached the store */
	const char *store;      /* "cache": the credentials came from the offline cache; NULL else */
	/* The web gate only (NULL elsewhere): see struct pr_audit_event. */
	const char *origin;
	const char *user_agent;
	const char *vpn_rhost;
	const char *pending;
};

/* Which evidence of the credential a record carries. */
enum pr_audit_evidence {
	PR_AUDIT_ENROLLED = 0,  /* AAGUID, and the flags and counter enrollment stored */
	PR_AUDIT_THIS_USE,      /* AAGUID, and the flags and sign_count of struct pr_audit_what */
	PR_AUDIT_ID_ONLY,       /* id and class alone: nothing else is known (a pam_u2f import) */
};

/* What happened, to whom, with what; NULL where there is nothing to say. */
struct pr_audit_what {
	const char *event;
	int err;                /* PR_OK: success; else the reason is pr_err_reason(err) */
	const char *note;       /* a success's reason (e.g. "physical-key"); unused on failure */
	const char *user;       /* never a name that is not an account ("(unknown)" instead) */
	const char *role;
	const char *method;     /* NULL: the one the credential's kind and class imply */
	const struct pr_cred *cred;
	enum pr_audit_evidence evidence;
	int flags;              /* PR_AUDIT_THIS_USE: authenticator data flags, -1 absent */
	int64_t sign_count;     /* PR_AUDIT_THIS_USE: -1 absent */
	const char *ssh_key;    /* the key sshd named ("key TYPE FP"), after the detail; "" none */
	const char *detail;
};

/* A record built, with the text it owns (pr_audit_built_clear frees it). */
struct pr_audit_built {
	struct pr_audit_event ev;
	char *cred_id;
	char *detail;
	char aaguid[37];
};

/*
 * Fill b->ev from who and what. A credential adds its id, class, the
 * method its kind and class imply (unless what->method names one) and
 * the evidence asked for. An SSH key is named in the detail as people
 * see it: the key sshd named after the detail ("DETAIL; key TYPE FP"),
 * else a stored SSH credential before it ("ssh-key FP; DETAIL"). PR_OK,
 * or PR_ERR_NOMEM with nothing to clear: then write no record.
 */
int pr_audit_build(const struct pr_audit_who *who, const struct pr_audit_what *what,
    struct pr_audit_built *b);

void pr_audit_built_clear(struct pr_audit_built *b);

/*
 * The detail naming an SSH key by its ssh-keygen -l fingerprint:
 * "ssh-key FP[; detail]" (fp "" is written "(unknown)"), for a key that
 * is not yet a credential. malloc'd; NULL when out of memory.
 */
char *pr_audit_ssh_detail(const char *fp, const char *detail);

#endif

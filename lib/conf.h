/*
 * The policy file (libconfuse), loaded into struct pr_config by config.c.
 * Any error names the file and line and fails closed. The module's pam.d
 * options are modopts.h's.
 */
#ifndef PR_CONF_H
#define PR_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "config_ldap.h"
#include "config_web.h"
#include "err.h"
#include "state.h"
#include "types.h"

#define PR_DEFAULT_CONFIG "/etc/practicerunner/practicerunner.conf"
#define PR_DEFAULT_STATE_DIR "/var/lib/practicerunner"
#define PR_DEFAULT_AUDIT_LOG "/var/log/practicerunner/audit.log"
#define PR_DEFAULT_TRUST_ANCHORS "/etc/practicerunner/trust-anchors.d"
#define PR_DEFAULT_TOUCH_TIMEOUT 30
#define PR_MAX_CONFIG_SIZE (256 * 1024)

/*
 * Session limits per assurance level (seconds). The defaults follow the
 * clinic's guidance; the AAL2 and AAL3 ceilings the loader enforces are
 * SP 800-63B-4's (AAL3: 15 min idle, 12 h; AAL2: 1 h idle, 24 h).
 */
#define PR_DEFAULT_AAL3_IDLE 900
#define PR_DEFAULT_AAL3_SESSION 43200
#define PR_DEFAULT_AAL2_IDLE 1800
#define PR_DEFAULT_AAL2_SESSION 86400
#define PR_DEFAULT_AAL1_IDLE 1800      /* no laxer than AAL2 on a shared workstation */
#define PR_DEFAULT_AAL1_SESSION 86400

struct pr_recovery_conf {
	struct pr_strlist services;
	long ticket_lifetime;      /* seconds */
	int codes;                 /* codes per set */
	bool self_request;
	char *mail_command;
};

/* breakglass { }: the emergency code's offer (lib/breakglass.h). */
#define PR_DEFAULT_BREAKGLASS_SESSION 3600
struct pr_breakglass_conf {
	struct pr_strlist services;  /* where the code is asked for; a code lists some of them */
	long session_limit;          /* seconds, exported after a use */
	char *notify;                /* the administrators' mail recipient */
};

/* One assurance level's limits, in seconds; idle <= session. */
struct pr_session_limits {
	long idle;                 /* inactivity before the session must lock */
	long session;              /* overall, before the user must sign in again */
};

/* The policy file's session section. */
struct pr_session_conf {
	struct pr_session_limits aal1, aal2, aal3;
	bool set_tmout;            /* also export TMOUT (the idle limit) for shells */
};

struct pr_config {
	char *path;                /* the file this came from */
	char *rp_id;
	struct pr_policy policy;
	int touch_timeout;         /* seconds, 1..600 */
	char *state_dir;
	char *audit_log;
	char *trust_anchors;
	unsigned char (*physical_aaguids)[16];
	size_t n_physical_aaguids; /* 0: no allow-list */
	struct pr_strlist exempt;
	int exempt_line;           /* where exempt was given (0: not given), for roles.c's check */
	struct pr_strlist owners;  /* user names and "@group" entries */
	struct pr_strlist admins;
	long uid_min;              /* 0: UID_MIN from login.defs (accounts.h) */
	struct pr_strlist unattended_services;  /* account phase left to the stack */
	struct pr_recovery_conf recovery;
	struct pr_session_conf session;
	struct pr_audit_limits audit;  /* audit { }: the rate of failure records, free space */
	enum pr_store_kind store;  /* files (default) or ldap */
	struct pr_ldap_conf ldap;  /* ldap { }: the clinic directory (config_ldap.h) */
	struct pr_breakglass_conf breakglass;
	struct pr_web_conf web;    /* web { }: the web gate (config_web.h) */
	struct pr_state *state;    /* where per-user state lives (state.h); closed by pr_config_free */
};

/*
 * Load path: it must be a regular file, not a link, owned by a trusted owner
 * (root), not writable by group or others. Unknown keys, invalid values and
 * an owner or admin listed by name in exempt are errors; eb names file and
 * line. Front ends load with pr_roles_config_load (roles.h), which also
 * refuses an exempt user who is an owner or admin through an @group.
 */
int pr_config_load(const char *path, struct pr_config **out, struct pr_errbuf *eb);

/*
 * The same parse on text already in memory (len bytes, name in messages),
 * without the file checks: for the fuzz harness and tests only. Everything
 * that enforces a policy loads it with pr_config_load.
 */
int pr_config_parse(const char *name, const char *text, size_t len,
    struct pr_config **out, struct pr_errbuf *eb);
void pr_config_free(struct pr_config **cfg);

#endif

/*
 * The web gate's pending sign-ins and enrollments, held in the root
 * parent's memory only (doc/ARCHITECTURE.md §4.8). A pending sign-in is
 * made by the VPN side (control socket, op=create), bound to a user,
 * service and the VPN client's address; the browser's page fetches its
 * options (the challenge) and sends one response, which decides it; the
 * VPN side's op=wait takes the verdict and the entry is gone. An id is
 * 128 random bits (pr_random, as recovery codes), compared in constant
 * time; an entry is used once and lives at most its lifetime. A browser
 * enrollment happens only inside a pending sign-in: the invitation is
 * checked against the entry's user (wrong tries counted here, never
 * against the invitation), the new key's creation is answered with a
 * fresh challenge, and the entry then goes on to an ordinary sign-in, so
 * the VPN side's verdict is always an assertion's. The table
 * has a fixed capacity: when full, new entries are refused, never old
 * ones evicted early.
 */
#ifndef PR_WA_PENDING_H
#define PR_WA_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PR_WP_CAPACITY 1024
#define PR_WP_ID_LEN 16
#define PR_WP_HEX (2 * PR_WP_ID_LEN)
#define PR_WP_CHALLENGE_LEN 32
#define PR_WP_NAME_MAX 64
#define PR_WP_RHOST_MAX 63
/* Seconds a decided or expired entry waits for its op=wait before it is dropped. */
#define PR_WP_LINGER 30
/* Wrong invitations typed on one pending sign-in's page before it is void. */
#define PR_WP_INVITE_TRIES 3

enum pr_wp_kind {
	PR_WP_SIGNIN = 0,       /* made by the VPN side */
	PR_WP_APPROVE,          /* made by the approval page for a typed name (§4.9) */
};

enum pr_wp_state {
	PR_WP_FREE = 0,
	PR_WP_OPEN,             /* waiting for the browser's response */
	PR_WP_DECIDED,          /* the verdict is in err/aal/cls, for op=wait */
};

struct pr_wp_entry {
	enum pr_wp_state state;
	enum pr_wp_kind kind;
	unsigned char id[PR_WP_ID_LEN];
	char hex[PR_WP_HEX + 1];
	char user[PR_WP_NAME_MAX + 1];
	char service[PR_WP_NAME_MAX + 1];
	char rhost[PR_WP_RHOST_MAX + 1];       /* the VPN client's (approve: the browser's) */
	int64_t created, expires;
	unsigned char challenge[PR_WP_CHALLENGE_LEN];
	bool waited;            /* an op=wait holds it */
	bool lapse_recorded;    /* its expiry with nobody waiting is on record */
	char *secret;           /* an accepted invitation, until the key is on file (wiped) */
	bool enrolling;         /* the invitation was accepted: a creation is expected */
	unsigned invite_tries;  /* wrong invitations typed on this sign-in's page */
	/* The verdict. */
	int err;
	int aal;
	char cls[16];
};

struct pr_wp_table {
	struct pr_wp_entry *v;
	size_t cap;
};

/* An empty table of cap entries: PR_OK or PR_ERR_NOMEM. */
int pr_wp_init(struct pr_wp_table *t, size_t cap);

/* Wipe and free every entry. */
void pr_wp_free(struct pr_wp_table *t);

/*
 * A new open entry: fresh id and challenge, created now, expiring after
 * lifetime seconds (> 0). PR_OK with *out; PR_ERR_BUSY when the table is
 * full; PR_ERR_INVALID_ARG for a name or address that does not fit;
 * PR_ERR_IO when no random bytes could be had.
 */
int pr_wp_add(struct pr_wp_table *t, enum pr_wp_kind kind, const char *user,
    const char *service, const char *rhost, int64_t now, long lifetime,
    struct pr_wp_entry **out);

/*
 * The entry whose id is hex (32 lower-case hex digits), open or decided,
 * expired or not; NULL when there is none. Every entry's id is compared,
 * in constant time, whatever matches.
 */
struct pr_wp_entry *pr_wp_find(struct pr_wp_table *t, const char *hex);

/* Whether e is past its lifetime at now. */
bool pr_wp_expired(const struct pr_wp_entry *e, int64_t now);

/*
 * Take the browser's one response for hex: PR_OK with *out when it is
 * open and not expired; PR_ERR_REPLAY when there is no such entry or it
 * is already decided; PR_ERR_EXPIRED when it expired (then it is decided
 * as expired, for its op=wait). Callers then pr_wp_decide *out.
 */
int pr_wp_take(struct pr_wp_table *t, const char *hex, int64_t now, struct pr_wp_entry **out);

/* A fresh challenge for e's next step (creation, then the sign-in): PR_OK or PR_ERR_IO. */
int pr_wp_rechallenge(struct pr_wp_entry *e);

/* Record the verdict (cls may be NULL); the secret is wiped now. */
void pr_wp_decide(struct pr_wp_entry *e, int err, int aal, const char *cls);

/* Wipe the entry and free its slot. */
void pr_wp_drop(struct pr_wp_entry *e);

/*
 * Drop what nobody will ask for again: entries past their lifetime plus
 * PR_WP_LINGER that no op=wait holds, and approvals decided or past their
 * lifetime (nobody waits for those). Returns how many were dropped.
 */
size_t pr_wp_sweep(struct pr_wp_table *t, int64_t now);

/* How many entries are in use. */
size_t pr_wp_count(const struct pr_wp_table *t);

/*
 * How many entries of kind are open and not expired at now: all of them
 * with rhost NULL, else those made for that client (the same IPv4
 * address, or the same IPv6 /64: pr_wa_addr_same_client). The approval
 * page caps what one client, and all strangers together, may hold open.
 */
size_t pr_wp_count_open(const struct pr_wp_table *t, enum pr_wp_kind kind, const char *rhost,
    int64_t now);

#endif

/*
 * pam_u2f mapping files (pamu2fcfg's output), for migrating to
 * PracticeRunner without enrolling every key again.
 *
 * One line per user, central (/etc/u2f_mappings) and per-user
 * (~/.config/Yubico/u2f_keys) files alike:
 *
 *   USER:CREDENTIAL[:CREDENTIAL...]
 *
 * and each credential in one of two formats:
 *
 *   KEYHANDLE,PUBKEY                      old (U2F): key handle in base64
 *                                         (usually web-safe, unpadded), public
 *                                         key as 130 hex digits, the
 *                                         uncompressed P-256 point 04||x||y
 *   KEYHANDLE,PUBKEY,COSETYPE[,OPTIONS]   current: key handle and public key in
 *                                         base64; COSETYPE es256, eddsa or rs256
 *                                         (any case); OPTIONS a run of
 *                                         +presence, +verification, +pin (each
 *                                         at most once), possibly empty
 *
 * Public keys become libfido2's raw form, as lib/assertion.c expects: ES256
 * x||y (64 bytes; given as 64 bytes or as the 65-byte point 04||x||y),
 * EdDSA 32 bytes, RS256 n||e (256 + 3 bytes); each must be a valid key.
 * A key handle "*" is a resident credential: pam_u2f did not record its
 * id, so it cannot be imported (the entry is marked, not an error).
 *
 * Blank lines and lines starting with '#' are skipped. Anything else that
 * does not parse, a second line for the same user (pam_u2f would use only
 * the last one) and a credential listed twice are errors: the parser
 * returns nothing for the whole file, with the line and the reason.
 */
#ifndef PR_PAMU2F_H
#define PR_PAMU2F_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "err.h"

#define PR_PAMU2F_MAX_SIZE (1024 * 1024)
#define PR_PAMU2F_LABEL "imported from pam_u2f"

/* pam_u2f's per-credential options. */
#define PR_PAMU2F_OPT_PRESENCE 0x01
#define PR_PAMU2F_OPT_VERIFICATION 0x02
#define PR_PAMU2F_OPT_PIN 0x04

struct pr_pamu2f_entry {
	char *user;
	int line;                  /* 1-based line in the file */
	int index;                 /* 1-based position of the credential on its line */
	bool resident;             /* "*" key handle: cred is empty, cannot be imported */
	bool old_format;
	unsigned options;          /* PR_PAMU2F_OPT_* (old format: presence) */
	struct pr_cred cred;       /* FIDO, passkey, PR_PAMU2F_LABEL, zero AAGUID, fmt
	                              "none", sign_count 0, created = now */
};

struct pr_pamu2f_list {
	struct pr_pamu2f_entry *v;
	size_t n;
};

/*
 * Parse a whole file's text (len bytes, NUL bytes are an error). PR_OK with
 * every entry in file order; PR_ERR_CORRUPT with the reason and the line
 * to blame in eb (no file name: the caller adds it), and an empty list; or
 * PR_ERR_NOMEM.
 */
int pr_pamu2f_parse(const char *buf, size_t len, int64_t now,
    struct pr_pamu2f_list *out, struct pr_errbuf *eb);

void pr_pamu2f_list_clear(struct pr_pamu2f_list *l);

#endif

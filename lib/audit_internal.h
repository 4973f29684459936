/*
 * What the audit log's files share inside lib/ (no front end includes
 * this): the record's fields and bounds and its parser (audit_format.c),
 * and the chain's end, the head file and the log's lock (audit_head.c),
 * used by the appender (audit.c) and the verifier (audit_verify.c).
 * The record format is described in audit_format.c, the head file in
 * audit_head.c (doc/ARCHITECTURE.md §8).
 */
#ifndef PR_AUDIT_INTERNAL_H
#define PR_AUDIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit.h"
#include "digest.h"
#include "err.h"
#include "secure_file.h"

#define AUDIT_MAX_RECORD 8192          /* bytes, newline included */
#define HASH_HEX_LEN (PR_SHA256_LEN * 2)
#define HEAD_HINT "run 'practicerunner-admin audit verify'; move the log aside only " \
	"together with its .head file"

/* The fixed field order; required fields are marked. */
enum audit_key {
	K_SEQ, K_TIME, K_HOST, K_EVENT, K_RESULT, K_REASON, K_USER, K_ROLE, K_METHOD,
	K_SERVICE, K_TTY, K_RHOST, K_RP_ID, K_CRED_ID, K_AAGUID, K_FLAGS, K_SIGN_COUNT,
	K_CLASS, K_PATH, K_STORE, K_ORIGIN, K_USER_AGENT, K_VPN_RHOST, K_PENDING, K_ACTOR, K_DETAIL,
	K_MERGED, K_PREV, K_HASH, NKEYS
};
struct audit_key_def {
	const char *key;
	size_t len;
	bool required;
};
extern const struct audit_key_def audit_keys[NKEYS];

/* ---- one record (audit_format.c) ---------------------------------------------------- */

struct rec_info {
	long long seq;
	char prev[HASH_HEX_LEN + 1];
	char hash[HASH_HEX_LEN + 1];
	size_t hashed_len;  /* length of the text the hash covers */
};

/* Everything from time= to merged= (seq, prev and hash are added by the chain). */
int format_record(const struct pr_audit_event *ev, int64_t merged, int64_t when,
    const char *host, char **out);
/* A byte a value holds as itself, unescaped. */
bool audit_value_char_plain(unsigned char c);
bool audit_upper_hex(char c);
/* 64 lower-case hex digits. */
bool audit_hash_hex_ok(const char *v, size_t n);
/* A seq= number: 1 to 18 digits, no leading zero. */
bool audit_seq_ok(const char *v, size_t n, long long *out);
/* Syntax of one line (without its newline); PR_ERR_CORRUPT with eb saying why. */
int audit_parse_record(const char *line, size_t len, struct rec_info *ri,
    struct pr_errbuf *eb);
void audit_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);
/* The record's own hash matches its text. */
bool audit_record_hash_ok(const char *line, const struct rec_info *ri);

/* ---- the chain's end, the head file, the lock (audit_head.c) ------------------------- */

/* The last record: seq (0: none), SHA-256 of its line (the next prev=), its prev=. */
struct chain_end {
	long long seq;
	char hash[HASH_HEX_LEN + 1];
	char prev[HASH_HEX_LEN + 1];
};

enum audit_head_fit { HEAD_FITS, HEAD_SHORT, HEAD_OTHER, HEAD_STALE };

void audit_chain_start(struct chain_end *end);
/* After a parsed, intact record: it is the end now. */
void audit_chain_advance(struct chain_end *end, const char *line, size_t len,
    const struct rec_info *ri);
/* "<log_path>.head", malloc'd; NULL: no memory. */
char *audit_head_path(const char *log_path);
/* *present is false (PR_OK) when there is no head; unsafe or malformed is an error. */
int audit_head_read(const char *hpath, bool *present, struct chain_end *head,
    struct pr_errbuf *eb);
/* Where the log ends against the head. */
enum audit_head_fit audit_head_fit(const struct chain_end *log, const struct chain_end *head);
/* The head says the log ends at record seq, whose line hashes to hash. */
int audit_head_store(const char *hpath, long long seq, const char *hash,
    struct pr_errbuf *eb);
/* The head follows the record just written (line with its newline). */
int audit_head_write(const char *hpath, long long seq, const char *line, size_t len,
    struct pr_errbuf *eb);
/* flock(fd, op), waiting a bounded time; EWOULDBLOCK after the deadline. */
int audit_lock_wait(int fd, int op);
/*
 * fd is still the file path names: no rotation replaced it while we waited
 * for its lock (a lock on the old file guards nothing any more).
 */
bool audit_fd_is_path(int fd, const char *path);
#define AUDIT_REOPEN_TRIES 8
/*
 * Open path (flags) and wait for its lock (op) on the file the name holds
 * then. PR_OK; or *st not PR_FILE_OK (errno kept) for the caller to word;
 * or PR_ERR_LOCK, said in eb.
 */
int audit_open_current(const char *path, int flags, int op, int *fd,
    enum pr_file_status *st, struct pr_errbuf *eb);

/* ---- the live log (audit.c), for the rotation (audit_rotate.c) ---------------------- */

/* The event of the record that starts a file after a rotation (audit_rotate.c). */
#define AUDIT_EVENT_ROTATE "rotate"

/* Open log_path (created 0600) and hold its exclusive lock, on the file the name holds. */
int audit_lock_log(const char *path, int *fd, struct pr_errbuf *eb);
/*
 * Where the locked log's chain ends, checked against its head file, a torn
 * tail a crash left cut off; *behind: the head is one record behind.
 */
int audit_open_tail(int fd, const char *log_path, const char *hpath, struct chain_end *end,
    off_t *size, bool *behind, struct pr_errbuf *eb);
/* Hostname for records ("unknown" when there is none). */
void audit_local_host(char *out, size_t cap);

/* ---- one file of the log checked whole (audit_verify.c) ----------------------------- */

struct audit_file_sum {
	long n;                            /* records */
	long long first_seq;               /* of its first record; 0: no records */
	char first_prev[HASH_HEX_LEN + 1]; /* its first record's prev= */
	bool continued;                    /* that record continues an earlier file (a rotate) */
	struct chain_end end;              /* its last record */
};

/*
 * Verify the chain of the open file fd from where it is read on (the
 * first record may continue an earlier file, see AUDIT_EVENT_ROTATE);
 * no lock, no head file. PR_OK with *sum, or PR_ERR_CORRUPT with
 * *bad_record and eb saying "<path>:<line>: why".
 */
int audit_verify_fd(int fd, const char *path, long *bad_record,
    struct audit_file_sum *sum, struct pr_errbuf *eb);
/* Open the log for reading under its shared lock, on the file the name holds. */
int audit_open_shared(const char *path, int *fd, struct pr_errbuf *eb);
/* pr_audit_verify, with the file's summary. */
int audit_verify_live(const char *log_path, long *bad_record, struct audit_file_sum *sum,
    struct pr_errbuf *eb);

#endif

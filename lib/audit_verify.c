/*
 * Verifying the audit log (pr_audit_verify): every record of the chain,
 * under a shared lock, and that the chain ends where its head file says
 * (audit_head.c). The record format is in audit_format.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "audit.h"
#include "audit_internal.h"
#include "digest.h"
#include "err.h"
#include "secure_file.h"
#include "util.h"

/*
 * A verify reads the whole log, so its cost is set against reading and
 * hashing the file once (bench/audit.sh): the log is read in blocks and
 * each line is checked where it lies, and a record is parsed by
 * scan_record below, which finds the bytes that matter (space, '=', '%'
 * and anything not allowed in a value) a group of 16 at a time. A line is
 * taken only when scan_record accepts it and its hashes and seq= follow
 * the chain; any other goes to verify_line_slow, the record-by-record
 * check with audit_parse_record, which words the refusal, so messages do not
 * depend on which path saw the record. 128 KiB blocks stay in the cache
 * between the read, the scan and the hashing, with 4,000 reads a GB.
 */
#define VERIFY_BLOCK (128 * 1024)   /* bytes per read(); a record is at most 8 KiB */
#define SCAN_GROUP 16               /* scan_record reads whole groups past a line's end */

#if defined(__SSE2__)
#include <emmintrin.h>

/* Bit i set when p[i] is not a plain value byte (see audit_value_char_plain). */
static uint32_t scan_group(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* signed compares: bytes >= 0x80 are negative, so not > 0x20 */
	__m128i printable = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x20)),
	    _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f)));
	__m128i sep = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('=')),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('%')));

	return ~(uint32_t)_mm_movemask_epi8(_mm_andnot_si128(sep, printable)) & 0xffffu;
}
#else
static uint32_t scan_group(const char *p)
{
	uint32_t m = 0;

	for (unsigned i = 0; i < SCAN_GROUP; i++)
		if (!audit_value_char_plain((unsigned char)p[i]))
			m |= 1u << i;
	return m;
}
#endif

/* The first n (< 8) bytes of a 64-bit word loaded from memory, or all 8 for n >= 8. */
static uint64_t byte_mask(size_t n)
{
	uint64_t m = n >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * n)) - 1;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	m = __builtin_bswap64(m);
#endif
	return m;
}

/*
 * A record as scan_record found it. prev= and hash= are 64 bytes long but
 * their digits are not checked: a record is only taken when both equal
 * hashes verify_line made (lower-case hex), and otherwise audit_parse_record
 * judges it.
 */
struct scan_info {
	long long seq;
	size_t hashed_len;
	const char *prev;
	const char *hash;
};

/* The keys again, NUL-padded to 16 bytes, for comparing 8 bytes at a time. */
static const char scan_keys[NKEYS][16] = {
	[K_SEQ] = "seq", [K_TIME] = "time", [K_HOST] = "host", [K_EVENT] = "event",
	[K_RESULT] = "result", [K_REASON] = "reason", [K_USER] = "user",
	[K_ROLE] = "role", [K_METHOD] = "method", [K_SERVICE] = "service",
	[K_TTY] = "tty", [K_RHOST] = "rhost", [K_RP_ID] = "rp_id",
	[K_CRED_ID] = "cred_id", [K_AAGUID] = "aaguid", [K_FLAGS] = "flags",
	[K_SIGN_COUNT] = "sign_count", [K_CLASS] = "class", [K_PATH] = "path",
	[K_STORE] = "store",
	[K_ORIGIN] = "origin", [K_USER_AGENT] = "user_agent", [K_VPN_RHOST] = "vpn_rhost",
	[K_PENDING] = "pending",
	[K_ACTOR] = "actor", [K_DETAIL] = "detail", [K_MERGED] = "merged", [K_PREV] = "prev",
	[K_HASH] = "hash",
};

/* k[0..n) is key i; k[0..16) is readable. */
static bool scan_key_is(const char *k, size_t n, int i)
{
	uint64_t a, b, a2, b2;

	if (audit_keys[i].len != n)
		return false;
	memcpy(&a, k, 8);
	memcpy(&b, scan_keys[i], 8);
	memcpy(&a2, k + 8, 8);
	memcpy(&b2, scan_keys[i] + 8, 8);
	/* keys are at most 15 bytes; compare n bytes in memory order */
	if (n >= 8)
		return a == b && ((a2 ^ b2) & byte_mask(n - 8)) == 0;
	return ((a ^ b) & byte_mask(n)) == 0;
}

/* The next key after last: k[0..n) if no required field is skipped, else -1. */
static int scan_key(const char *k, size_t n, int last)
{
	for (int i = last + 1; i < (int)NKEYS; i++) {
		if (scan_key_is(k, n, i))
			return i;
		if (audit_keys[i].required)
			return -1;
	}
	return -1;
}

/* check_value's rules for the keys it checks; escapes were checked by the scan. */
static bool scan_value(struct scan_info *si, int idx, const char *v, size_t n)
{
	long long merged;

	switch (idx) {
	case K_SEQ:
		return audit_seq_ok(v, n, &si->seq);
	case K_RESULT:
		return n == 7 && (memcmp(v, "success", 7) == 0 || memcmp(v, "failure", 7) == 0);
	case K_TIME:
		return n == 20;
	case K_MERGED:
		return audit_seq_ok(v, n, &merged);
	case K_PREV:
		si->prev = v;
		return n == HASH_HEX_LEN;
	case K_HASH:
		si->hash = v;
		return n == HASH_HEX_LEN;
	default:
		return true;
	}
}

/*
 * audit_parse_record's rules, fast, but for the digits of prev= and hash= (see
 * struct scan_info): false for every line audit_parse_record refuses for another
 * reason. line[len .. len + SCAN_GROUP) must be readable (its bits are
 * dropped).
 */
static bool scan_record(const char *line, size_t len, struct scan_info *si)
{
	size_t start = 0, vstart = 0;  /* of the current field, of its value */
	bool in_value = false;
	int last = -1;

	if (len == 0 || len + 1 > AUDIT_MAX_RECORD)
		return false;
	for (size_t base = 0; base < len; base += SCAN_GROUP) {
		uint32_t m = scan_group(line + base);

		if (len - base < SCAN_GROUP)
			m &= (1u << (len - base)) - 1;
		for (; m != 0; m &= m - 1) {
			size_t p = base + (size_t)__builtin_ctz(m);
			char c = line[p];

			if (!in_value) {
				/* a key is plain bytes up to its '=' */
				if (c != '=' || (last = scan_key(line + start, p - start, last)) < 0)
					return false;
				vstart = p + 1;
				in_value = true;
			} else if (c == '%') {
				/* %XX: the digits are plain bytes, so no bits of theirs to skip */
				if (p + 2 >= len || !audit_upper_hex(line[p + 1]) || !audit_upper_hex(line[p + 2]))
					return false;
			} else if (c == ' ' && p + 1 < len) {
				if (!scan_value(si, last, line + vstart, p - vstart))
					return false;
				start = p + 1;
				in_value = false;
			} else {
				return false;  /* '=' or a byte not allowed in a value, or a trailing space */
			}
		}
	}
	if (!in_value || last != K_HASH)
		return false;
	si->hashed_len = start - 1;
	return scan_value(si, K_HASH, line + vstart, len - vstart);
}

/*
 * Both hashes of a line in one pass: the record's own (the text before
 * " hash=") and the whole line's (the next record's prev=). The shared
 * prefix is hashed once and its state copied for the record's own hash.
 */
static int hasher_line(const char *line, size_t hashed_len, size_t len,
    unsigned char rec[PR_SHA256_LEN], unsigned char whole[PR_SHA256_LEN])
{
	struct pr_sha256 h, prefix;

	if (pr_sha256_init(&h) != PR_OK)
		return PR_ERR_NOMEM;
	if (pr_sha256_update(&h, line, hashed_len) != PR_OK ||
	    pr_sha256_copy(&prefix, &h) != PR_OK) {
		pr_sha256_clear(&h);
		return PR_ERR_NOMEM;
	}
	if (pr_sha256_final(&prefix, rec) != PR_OK) {
		pr_sha256_clear(&h);
		return PR_ERR_NOMEM;
	}
	if (pr_sha256_update(&h, line + hashed_len, len - hashed_len) != PR_OK) {
		pr_sha256_clear(&h);
		return PR_ERR_NOMEM;
	}
	return pr_sha256_final(&h, whole) == PR_OK ? PR_OK : PR_ERR_NOMEM;
}

#if defined(__SSE2__)
/* 16 bytes as 32 lower-case hex digits. */
static void hex16(const unsigned char *in, char *out)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)in);
	__m128i nib = _mm_set1_epi8(0x0f);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), nib), lo = _mm_and_si128(x, nib);
	__m128i d0, d1;

	/* n + '0', and 'a' - '0' - 10 more for n > 9 */
	hi = _mm_add_epi8(_mm_add_epi8(hi, _mm_set1_epi8('0')), _mm_and_si128(
	    _mm_cmpgt_epi8(hi, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10)));
	lo = _mm_add_epi8(_mm_add_epi8(lo, _mm_set1_epi8('0')), _mm_and_si128(
	    _mm_cmpgt_epi8(lo, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10)));
	d0 = _mm_unpacklo_epi8(hi, lo);
	d1 = _mm_unpackhi_epi8(hi, lo);
	_mm_storeu_si128((__m128i *)(void *)out, d0);
	_mm_storeu_si128((__m128i *)(void *)(out + 16), d1);
}

/* A SHA-256 as 64 lower-case hex digits and a NUL, as pr_hex_encode writes it. */
static void hash_hex(const unsigned char md[PR_SHA256_LEN], char out[HASH_HEX_LEN + 1])
{
	hex16(md, out);
	hex16(md + 16, out + 32);
	out[HASH_HEX_LEN] = '\0';
}
#else
static void hash_hex(const unsigned char md[PR_SHA256_LEN], char out[HASH_HEX_LEN + 1])
{
	pr_hex_encode(md, PR_SHA256_LEN, out);
}
#endif

struct verify_state {
	long line;                       /* 1-based line number */
	struct chain_end end;            /* the last good record */
	struct audit_file_sum *sum;      /* where the file's first record is noted */
};

/*
 * The first record of a file that a rotation started (audit_rotate.c)
 * continues the previous file's chain: its seq= and prev= follow that
 * file's last record, which only verify --all can see. Alone, the file is
 * taken from there. Fields come in a fixed order and a value escapes
 * spaces and '=', so " event=rotate " can only be the event field.
 */
static bool continues_series(const struct verify_state *vs, const char *line, size_t len,
    size_t hashed_len)
{
	static const char ev[] = " event=" AUDIT_EVENT_ROTATE " ";

	return vs->line == 1 && vs->end.seq == 0 && memmem(line, hashed_len < len ? hashed_len : len,
	    ev, sizeof(ev) - 1) != NULL;
}

/* The file's first record, for the series checks (audit_series.c). */
static void note_first(struct verify_state *vs, long long seq, const char *prev, bool continued)
{
	if (vs->line != 1 || vs->sum == NULL)
		return;
	vs->sum->first_seq = seq;
	memcpy(vs->sum->first_prev, prev, HASH_HEX_LEN);
	vs->sum->first_prev[HASH_HEX_LEN] = '\0';
	vs->sum->continued = continued;
}

/*
 * The record-by-record check, which words every refusal: syntax, the
 * record's own hash, then the chain. verify_line's fast checks hand it
 * every line they do not take.
 */
static int verify_line_slow(struct verify_state *vs, const char *line, size_t len,
    struct pr_errbuf *eb)
{
	unsigned char md_rec[PR_SHA256_LEN], md_whole[PR_SHA256_LEN];
	char rec[HASH_HEX_LEN + 1], whole[HASH_HEX_LEN + 1];
	struct rec_info ri;
	struct pr_errbuf sub = { 0 };
	int r;

	if ((r = audit_parse_record(line, len, &ri, &sub)) != PR_OK)
		return pr_fail(eb, PR_ERR_CORRUPT, "record %ld is malformed (%s)", vs->line,
		    sub.msg);
	if ((r = hasher_line(line, ri.hashed_len, len, md_rec, md_whole)) != PR_OK)
		return pr_fail(eb, r, "record %ld: cannot hash it", vs->line);
	hash_hex(md_rec, rec);
	hash_hex(md_whole, whole);
	if (memcmp(rec, ri.hash, HASH_HEX_LEN) != 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "record %ld was edited", vs->line);
	if ((ri.seq != vs->end.seq + 1 || strcmp(ri.prev, vs->end.hash) != 0) &&
	    !continues_series(vs, line, len, ri.hashed_len)) {
		if (vs->end.seq == 0)
			return pr_fail(eb, PR_ERR_CORRUPT, "record %lld does not follow the "
			    "start of the log (deleted or reordered)", ri.seq);
		return pr_fail(eb, PR_ERR_CORRUPT, "record %lld does not follow record %lld "
		    "(deleted or reordered)", ri.seq, vs->end.seq);
	}
	note_first(vs, ri.seq, ri.prev, ri.seq != vs->end.seq + 1 || strcmp(ri.prev, vs->end.hash) != 0);
	vs->end.seq = ri.seq;
	memcpy(vs->end.hash, whole, sizeof(vs->end.hash));
	memcpy(vs->end.prev, ri.prev, sizeof(vs->end.prev));
	return PR_OK;
}

/*
 * Check one complete line (newline stripped) against the chain so far:
 * a line that scans well, whose hash= is its own hash and whose seq= and
 * prev= follow the last record is good; verify_line_slow judges any
 * other. Hashes are public (the log is readable to its auditors), so they
 * are compared with memcmp.
 */
static int verify_line(struct verify_state *vs, const char *line, size_t len,
    struct pr_errbuf *eb)
{
	unsigned char md_rec[PR_SHA256_LEN], md_whole[PR_SHA256_LEN];
	char rec[HASH_HEX_LEN + 1];
	struct scan_info si = { .seq = 0 };

	if (!scan_record(line, len, &si) ||
	    si.seq != vs->end.seq + 1 || memcmp(si.prev, vs->end.hash, HASH_HEX_LEN) != 0 ||
	    hasher_line(line, si.hashed_len, len, md_rec, md_whole) != PR_OK)
		return verify_line_slow(vs, line, len, eb);
	hash_hex(md_rec, rec);
	if (memcmp(rec, si.hash, HASH_HEX_LEN) != 0)
		return verify_line_slow(vs, line, len, eb);
	/* prev= equals the last hash, lower-case hex: it is the new end's prev */
	note_first(vs, si.seq, vs->end.hash, false);
	vs->end.seq = si.seq;
	memcpy(vs->end.prev, vs->end.hash, sizeof(vs->end.prev));
	hash_hex(md_whole, vs->end.hash);
	return PR_OK;
}

/* read() until len bytes, end of file or an error (-1); EINTR is retried. */
static ssize_t read_some(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * A line already longer than a record may be, without its newline yet:
 * read on to its newline (malformed) or the end of the file (torn), as a
 * line-at-a-time reader would have judged it.
 */
static int verify_long_line(int fd, char *buf, const struct verify_state *vs,
    struct pr_errbuf *eb)
{
	ssize_t n;

	while ((n = read_some(fd, buf, VERIFY_BLOCK)) > 0)
		if (memchr(buf, '\n', (size_t)n) != NULL)
			return pr_fail(eb, PR_ERR_CORRUPT, "record %ld is malformed (longer "
			    "than %d bytes)", vs->line, AUDIT_MAX_RECORD);
	if (n < 0)
		return PR_ERR_IO;
	return pr_fail(eb, PR_ERR_CORRUPT, "last record is torn (no newline)");
}

/* Every whole line of buf[*pos .. have); *pos ends at the first partial one. */
static int verify_lines(struct verify_state *vs, const char *buf, size_t *pos, size_t have,
    long *n_records, struct pr_errbuf *eb)
{
	const char *nl;
	int r;

	while ((nl = memchr(buf + *pos, '\n', have - *pos)) != NULL) {
		vs->line++;
		if ((r = verify_line(vs, buf + *pos, (size_t)(nl - buf) - *pos, eb)) != PR_OK)
			return r;
		(*n_records)++;
		*pos = (size_t)(nl - buf) + 1;
	}
	return PR_OK;
}

int audit_verify_fd(int fd, const char *path, long *bad_record,
    struct audit_file_sum *sum, struct pr_errbuf *eb)
{
	struct verify_state vs = { .line = 0, .sum = sum };
	long *n_records = &sum->n;
	struct pr_errbuf why = { 0 };
	size_t have = 0, pos = 0;
	ssize_t n;
	char *buf;
	int r = PR_OK;

	memset(sum, 0, sizeof(*sum));

	/* zeroed: scan_record reads (and ignores) up to SCAN_GROUP bytes past a line */
	if ((buf = calloc(1, VERIFY_BLOCK + SCAN_GROUP)) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "%s: out of memory", path);
	audit_chain_start(&vs.end);
	for (;;) {
		if ((r = verify_lines(&vs, buf, &pos, have, n_records, &why)) != PR_OK)
			break;
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		pos = 0;
		if (have + 1 > AUDIT_MAX_RECORD) {
			vs.line++;
			r = verify_long_line(fd, buf, &vs, &why);
			break;
		}
		if ((n = read_some(fd, buf + have, VERIFY_BLOCK - have)) <= 0) {
			r = n < 0 ? PR_ERR_IO : PR_OK;
			if (n == 0 && have > 0) {
				vs.line++;
				r = pr_fail(&why, PR_ERR_CORRUPT, "last record is torn (no newline)");
			}
			break;
		}
		have += (size_t)n;
	}
	free(buf);
	if (r == PR_ERR_IO)
		return pr_fail(eb, r, "%s: read error", path);
	if (r != PR_OK) {
		if (r == PR_ERR_CORRUPT)
			*bad_record = vs.line;
		return pr_fail(eb, r, "%s:%ld: %s", path, vs.line, why.msg);
	}
	sum->end = vs.end;
	return PR_OK;
}

/* A verified chain (lines are seq numbers) ends where its head says. */
static int verify_head(const char *path, const char *hpath, const struct chain_end *end,
    long *bad_record, bool *present, struct pr_errbuf *eb)
{
	struct chain_end head;
	int r;

	if ((r = audit_head_read(hpath, present, &head, eb)) != PR_OK || !*present)
		return r;
	switch (audit_head_fit(end, &head)) {
	case HEAD_FITS:
		return PR_OK;
	case HEAD_SHORT:
		*bad_record = (long)end->seq + 1;
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: records after %lld were removed "
		    "(head file says %lld)", path, end->seq, head.seq);
	case HEAD_OTHER:
		*bad_record = (long)head.seq;
		return pr_fail(eb, PR_ERR_CORRUPT, "%s:%lld: record %lld does not match the "
		    "head file (%s): records were replaced", path, head.seq, head.seq, hpath);
	case HEAD_STALE:
		break;
	}
	*bad_record = (long)end->seq;
	return pr_fail(eb, PR_ERR_CORRUPT, "%s:%lld: the log goes on past record %lld "
	    "recorded in the head file (%s): the head file is stale", path, end->seq,
	    head.seq, hpath);
}

/* A missing log is only "not found" when no head says it held records. */
static int verify_missing(const char *path, const char *hpath, long *bad_record,
    struct pr_errbuf *eb)
{
	struct chain_end none;
	bool present = false;
	int r;

	audit_chain_start(&none);
	if ((r = verify_head(path, hpath, &none, bad_record, &present, eb)) != PR_OK ||
	    present)
		return r;
	return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: %s", path,
	    pr_file_status_text(PR_FILE_MISSING));
}

/*
 * The log and its head under a shared lock: appends wait, so the two
 * agree; on the file the name holds (audit_open_current).
 */
int audit_open_shared(const char *path, int *fd, struct pr_errbuf *eb)
{
	enum pr_file_status st = PR_FILE_OK;
	int r = audit_open_current(path, O_RDONLY, LOCK_SH, fd, &st, eb);

	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", path, pr_file_status_text(st));
	return r;
}

int audit_verify_live(const char *log_path, long *bad_record, struct audit_file_sum *sum,
    struct pr_errbuf *eb)
{
	char *hpath = NULL;
	long bad = 0;
	bool present = false;
	int fd = -1, r;

	memset(sum, 0, sizeof(*sum));
	if (log_path == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no audit log configured");
	if ((hpath = audit_head_path(log_path)) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "%s: out of memory", log_path);
		goto out;
	}
	if ((r = audit_open_shared(log_path, &fd, eb)) == PR_ERR_NOT_FOUND) {
		r = verify_missing(log_path, hpath, &bad, eb);
		goto out;
	}
	if (r != PR_OK)
		goto out;
	if ((r = audit_verify_fd(fd, log_path, &bad, sum, eb)) == PR_OK)
		r = verify_head(log_path, hpath, &sum->end, &bad, &present, eb);
out:
	if (fd >= 0)
		close(fd);  /* drops the lock */
	free(hpath);
	if (bad_record != NULL)
		*bad_record = bad;
	return r;
}

int pr_audit_verify(const char *log_path, long *bad_record, long *n_records,
    struct pr_errbuf *eb)
{
	struct audit_file_sum sum;
	int r = audit_verify_live(log_path, bad_record, &sum, eb);

	if (n_records != NULL)
		*n_records = sum.n;
	return r;
}

/*
 * A pass over the policy file's text with libconfuse's own lexical rules,
 * before libconfuse sees it (see config_text.h for why).
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "config_text.h"
#include "err.h"

/* Printable ASCII, whatever the locale of the program we are loaded into. */
bool pr_ascii_print(char c)
{
	return c >= ' ' && c <= '~';
}

bool pr_ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A value as shown in a message: printable, bounded, so logs stay one line. */
const char *pr_shown(const char *in, char out[PR_SHOWN_MAX])
{
	size_t o = 0;

	for (size_t i = 0; in != NULL && in[i] != '\0'; i++) {
		if (o + 4 >= PR_SHOWN_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		out[o++] = pr_ascii_print(in[i]) ? in[i] : '?';
	}
	out[o] = '\0';
	return out;
}


/* NUL bytes would end the buffer early; control characters mean binary data. */
static int check_binary(const char *path, const char *buf, size_t len,
    struct pr_errbuf *eb)
{
	int line = 1;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n')
			line++;
		else if (c == '\0')
			return pr_fail(eb, PR_ERR_CONFIG, "%s:%d: contains a NUL byte "
			    "(binary data, not a policy file)", path, line);
		else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return pr_fail(eb, PR_ERR_CONFIG, "%s:%d: contains control "
			    "character 0x%02x (binary data, not a policy file)", path, line, c);
	}
	return PR_OK;
}

/*
 * A pass over the text with libconfuse's own lexical rules, before
 * libconfuse sees it:
 * - comments are blanked (newlines kept): libconfuse 3.3 counts each
 *   comment as an extra line, so every later message would name the wrong
 *   line, and it refuses comments inside lists;
 * - ${VAR} is refused: libconfuse substitutes it from the environment, the
 *   caller's in a screen locker;
 * - \NNN and \xNN escapes are refused: a \0 silently truncates a value.
 */
enum lex_state { LX_GAP, LX_TOKEN, LX_DQ, LX_SQ, LX_LINE_COMMENT, LX_BLOCK_COMMENT };
enum lex_error { LX_OK, LX_ERR_ENV, LX_ERR_ESCAPE, LX_ERR_STRAY };

#define LX_DEPTH_LINES 8

struct lexer {
	char *p, *end;
	int line;
	int comment_line;       /* where the open block comment began */
	enum lex_state st;
	int depth;              /* open braces */
	int open_line[LX_DEPTH_LINES];
	enum lex_error err;     /* set where lx->p stops */
};

/* Characters of an unquoted word, as in libconfuse's lexer.l. */
static bool word_char(char c)
{
	return c != '\0' && strchr(" #\"'\t\n\r={}()+,*", c) == NULL;
}

static char lx_next(const struct lexer *lx)
{
	return lx->p + 1 < lx->end ? lx->p[1] : '\0';
}

static void lx_advance(struct lexer *lx, bool blank)
{
	if (*lx->p == '\n')
		lx->line++;
	else if (blank)
		*lx->p = ' ';
	lx->p++;
}

/*
 * At a '/' between words: slash-star opens a block comment; two or more
 * slashes not followed by a word character open a line comment (flex's
 * longest match); anything else is a word.
 */
static enum lex_state slash_state(const struct lexer *lx)
{
	const char *q = lx->p;

	while (q < lx->end && *q == '/')
		q++;
	if (q - lx->p == 1)
		return q < lx->end && *q == '*' ? LX_BLOCK_COMMENT : LX_TOKEN;
	return q < lx->end && word_char(*q) ? LX_TOKEN : LX_LINE_COMMENT;
}

/*
 * libconfuse takes end of file as the end of an open section, so a
 * truncated file would load: count braces to refuse that. A stray closing
 * brace is left to libconfuse, which reports it.
 */
static void lex_brace(struct lexer *lx, char c)
{
	if (c == '{') {
		if (lx->depth < LX_DEPTH_LINES)
			lx->open_line[lx->depth] = lx->line;
		lx->depth++;
	} else if (c == '}' && lx->depth > 0) {
		lx->depth--;
	}
}

/*
 * Between words or inside an unquoted one. libconfuse silently drops a
 * '+' not followed by '=' and a '*' outside comments; we refuse them.
 */
static bool lex_code(struct lexer *lx)
{
	char c = *lx->p;

	if (c == '$' && lx_next(lx) == '{')
		lx->err = LX_ERR_ENV;
	else if (!word_char(c) && ((c == '+' && lx_next(lx) != '=') || c == '*'))
		lx->err = LX_ERR_STRAY;
	if (lx->err != LX_OK)
		return false;
	if (lx->st == LX_TOKEN && word_char(c)) {
		lx_advance(lx, false);
		return true;
	}
	lx->st = LX_GAP;
	if (c == '#') {
		lx->st = LX_LINE_COMMENT;
	} else if (c == '/') {
		lx->st = slash_state(lx);
		if (lx->st == LX_BLOCK_COMMENT) {
			/* blank both opener characters: its star never closes it */
			lx->comment_line = lx->line;
			lx_advance(lx, true);
			lx_advance(lx, true);
		} else if (lx->st == LX_TOKEN) {
			lx_advance(lx, false);
		}
	} else {
		lx->st = c == '"' ? LX_DQ : c == '\'' ? LX_SQ :
		    word_char(c) ? LX_TOKEN : LX_GAP;
		lex_brace(lx, c);
		lx_advance(lx, false);
	}
	return true;
}

/* Inside quotes; "${" and numeric escapes matter in double quotes only. */
static bool lex_string(struct lexer *lx)
{
	char c = *lx->p, next = lx_next(lx);

	if (lx->st == LX_DQ && c == '$' && next == '{')
		lx->err = LX_ERR_ENV;
	else if (lx->st == LX_DQ && c == '\\' && ((next >= '0' && next <= '9') || next == 'x'))
		lx->err = LX_ERR_ESCAPE;
	if (lx->err != LX_OK)
		return false;
	if (c == '\\' && (lx->st == LX_DQ || next == '\\' || next == '\'')) {
		lx_advance(lx, false);
		if (lx->p < lx->end)
			lx_advance(lx, false);
		return true;
	}
	if ((lx->st == LX_DQ && c == '"') || (lx->st == LX_SQ && c == '\''))
		lx->st = LX_GAP;
	lx_advance(lx, false);
	return true;
}

static void lex_comment(struct lexer *lx)
{
	if (lx->st == LX_LINE_COMMENT && *lx->p == '\n') {
		lx->st = LX_GAP;  /* the newline itself is kept */
		return;
	}
	if (lx->st == LX_BLOCK_COMMENT && *lx->p == '*' && lx_next(lx) == '/') {
		lx_advance(lx, true);
		lx->st = LX_GAP;
	}
	lx_advance(lx, true);
}

static int prepare_text(const char *path, char *buf, size_t len, struct pr_errbuf *eb)
{
	struct lexer lx = { .p = buf, .end = buf + len, .line = 1, .st = LX_GAP };
	bool ok = true;

	while (ok && lx.p < lx.end) {
		if (lx.st == LX_GAP || lx.st == LX_TOKEN)
			ok = lex_code(&lx);
		else if (lx.st == LX_DQ || lx.st == LX_SQ)
			ok = lex_string(&lx);
		else
			lex_comment(&lx);
	}
	if (lx.err == LX_ERR_ENV)
		return pr_fail(eb, PR_ERR_CONFIG, "%s:%d: '${' is not allowed: the "
		    "policy must not depend on the environment", path, lx.line);
	if (lx.err == LX_ERR_ESCAPE)
		return pr_fail(eb, PR_ERR_CONFIG, "%s:%d: numeric escapes (\\NNN, "
		    "\\xNN) are not allowed in strings", path, lx.line);
	if (lx.err == LX_ERR_STRAY)
		return pr_fail(eb, PR_ERR_CONFIG, "%s:%d: unexpected '%c'", path,
		    lx.line, *lx.p);
	if (lx.st == LX_BLOCK_COMMENT)
		return pr_fail(eb, PR_ERR_CONFIG, "%s:%d: comment opened with /* "
		    "is never closed", path, lx.comment_line);
	if (lx.depth > 0)
		return pr_fail(eb, PR_ERR_CONFIG, "%s:%d: '{' is never closed", path,
		    lx.open_line[lx.depth <= LX_DEPTH_LINES ? lx.depth - 1 : LX_DEPTH_LINES - 1]);
	return PR_OK;
}

int pr_config_text_check(const char *path, char *buf, size_t len, struct pr_errbuf *eb)
{
	int r;

	if ((r = check_binary(path, buf, len, eb)) != PR_OK)
		return r;
	return prepare_text(path, buf, len, eb);
}

bool pr_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

bool pr_abs_path_valid(const char *s)
{
	return s[0] == '/' && strlen(s) < PATH_MAX && !pr_has_control(s);
}


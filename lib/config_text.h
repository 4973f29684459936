/*
 * The policy file as text, before libconfuse reads it: binary data,
 * comments, environment references and escapes (config_text.c); and the
 * bounded, printable form in which values appear in messages.
 */
#ifndef PR_CONFIG_TEXT_H
#define PR_CONFIG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define PR_SHOWN_MAX 72

/* Printable ASCII / alphanumeric, whatever the locale we are loaded into. */
bool pr_ascii_print(char c);
bool pr_ascii_alnum(char c);

/* Control characters anywhere / an absolute path without them. */
bool pr_has_control(const char *s);
bool pr_abs_path_valid(const char *s);

/* A value as shown in a message: printable, bounded, so logs stay one line. */
const char *pr_shown(const char *in, char out[PR_SHOWN_MAX]);

/*
 * Refuse binary data, ${VAR}, numeric escapes, stray characters, unclosed
 * comments and sections; blank comments in place (newlines kept) so that
 * libconfuse's line numbers are right. eb names file and line.
 */
int pr_config_text_check(const char *path, char *buf, size_t len, struct pr_errbuf *eb);

#endif

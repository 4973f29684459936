/*
 * Exporting the audit log to a log collector (doc/ARCHITECTURE.md §8.8):
 * one line per record, as a JSON object with every field (json-c) or as an
 * RFC 5424 syslog message whose structured data holds every field.
 * Linked only into practicerunner-admin (lib/libpr_export.la), so the PAM
 * module does not depend on json-c.
 */
#ifndef PR_AUDIT_EXPORT_H
#define PR_AUDIT_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum pr_export_format { PR_EXPORT_JSON, PR_EXPORT_RFC5424 };

/*
 * The SD-ID of the structured data: a name of the form name@<private
 * enterprise number>, as RFC 5424 section 7.2.2 asks. 32473 is the number IANA
 * reserves for documentation and examples (RFC 5612): a clinic that has its
 * own number and wants it there says so to its collector.
 */
#define PR_EXPORT_SD_ID "practicerunner@32473"

/* "json" or "rfc5424" into *fmt; PR_ERR_INVALID_ARG for anything else. */
int pr_export_format_parse(const char *name, enum pr_export_format *fmt);

/*
 * A --since TIME, "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC), as the
 * 20-character form records carry, into out; PR_ERR_INVALID_ARG otherwise.
 */
int pr_export_since_parse(const char *text, char out[21]);

/*
 * One record line (no newline) as one output line with its newline
 * (malloc'd). Values are the record's, unescaped; a value that is not
 * valid UTF-8 once unescaped is given as the log holds it (percent-encoded).
 * seq, sign_count and merged are JSON numbers. PR_ERR_CORRUPT when the line
 * is not a record (eb says why).
 */
int pr_export_line(const char *line, size_t len, enum pr_export_format fmt, char **out,
    struct pr_errbuf *eb);

/*
 * Every record of the series of log_path (audit_series.h), oldest first,
 * whose time is at or after since (NULL: all), to out. Files are read as
 * they are (run audit verify --all for the chain); the live log under its
 * shared lock. *n gets the records written. PR_ERR_CORRUPT names the file
 * and line of a record that does not parse.
 */
int pr_audit_export(const char *log_path, const char *since, enum pr_export_format fmt,
    FILE *out, long *n, struct pr_errbuf *eb);

#endif

/*
 * The policy file (libconfuse), loaded into struct pr_config (the module's
 * pam.d options are modopts.c's). Every error names the file and line and
 * fails closed: there is no "use the defaults and carry on".
 *
 * libconfuse keeps its lexer state in globals and its error callback has no
 * user pointer, so parsing runs under one process-wide lock and the callback
 * finds the current parse through a pointer that lock guards.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf.h"
#include "config_ldap.h"
#include "config_web.h"
#include "config_text.h"
#include "err.h"
#include "grant.h"
#include "mail.h"
#include "secure_file.h"
#include "types.h"
#include "util.h"

#define RP_ID_MAX 255
#define COMMAND_MAX 1024
#define SERVICE_MAX 64
#define SEEN_MAX 48
#define DEFAULT_MAIL_COMMAND "/usr/sbin/sendmail -t"
/* Services that start work for an account with nobody signing in. */
#define DEFAULT_UNATTENDED "{\"cron\", \"crond\", \"atd\", \"systemd-user\"}"
/* Where a person sits at the machine (lib/breakglass.h): never sshd or a VPN unless listed. */
#define DEFAULT_BREAKGLASS_SERVICES "{\"login\", \"gdm-password\", \"lightdm\", \"sddm\"}"

/* One parse in progress: where messages go, what was set where. */
struct parse_ctx {
	const char *path;
	struct pr_errbuf *eb;
	bool failed;            /* the first message is kept, later ones dropped */
	int exempt_line;        /* where exempt was given, for the cross-check */
	size_t n_seen;
	struct {
		char key[64];
		int line;
	} seen[SEEN_MAX];
};

static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;
static struct parse_ctx *current_parse;  /* guarded by parse_lock */

/* ---- messages -------------------------------------------------------------- */

/* libconfuse's error callback: keep the first message, prefixed file:line. */
__attribute__((format(printf, 2, 0)))
static void capture_error(cfg_t *cf, const char *fmt, va_list ap)
{
	struct parse_ctx *ctx = current_parse;
	char msg[400], safe[400];
	size_t i;

	if (ctx == NULL || ctx->failed)
		return;
	ctx->failed = true;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0; msg[i] != '\0'; i++)
		safe[i] = pr_ascii_print(msg[i]) ? msg[i] : '?';
	safe[i] = '\0';
	if (cf != NULL && cf->line > 0)
		pr_fail(ctx->eb, PR_ERR_CONFIG, "%s:%d: %s", ctx->path, cf->line, safe);
	else
		pr_fail(ctx->eb, PR_ERR_CONFIG, "%s: %s", ctx->path, safe);
}

/* For validation callbacks: report through libconfuse (which adds the line). */
__attribute__((format(printf, 2, 3)))
static int reject(cfg_t *cf, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_error(cf, "%s", msg);
	return -1;
}

/* ---- value rules ------------------------------------------------------------- */

static bool rp_id_valid(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (s[n] == ' ' || !pr_ascii_print(s[n]))
			return false;
	return n > 0 && n <= RP_ID_MAX;
}

/* The program is named by absolute path, so no search path plays a part. */
static bool command_valid(const char *s)
{
	return s[0] == '/' && s[1] != '\0' && s[1] != ' ' &&
	    strlen(s) <= COMMAND_MAX && !pr_has_control(s);
}

/* A user name or "@group"; groups follow the same rules after the '@'. */
static bool principal_valid(const char *s)
{
	return pr_username_valid(s[0] == '@' ? s + 1 : s);
}

/* PAM service names as they appear in /etc/pam.d. */
static bool service_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		bool alnum = pr_ascii_alnum(s[n]) || s[n] == '_';
		if (!alnum && (n == 0 || (s[n] != '-' && s[n] != '.')))
			return false;
	}
	return n > 0 && n <= SERVICE_MAX;
}

/* ---- enumerations, from types.c's names --------------------------------------- */

static const struct enum_key {
	const char *key;
	int count;
	const char *expected;
} enum_keys[] = {
	{ "require_security_key", 2, "none or all-users" },
	{ "require_physical_key", 3, "none, owners or all-users" },
	{ "user_verification", 3, "required, preferred or discouraged" },
};

static const char *enum_name(const struct enum_key *ek, int v)
{
	if (ek == &enum_keys[0])
		return pr_require_key_name((enum pr_require_key)v);
	if (ek == &enum_keys[1])
		return pr_require_physical_name((enum pr_require_physical)v);
	return pr_uv_name((enum pr_uv)v);
}

static const struct enum_key *enum_key_find(const char *key)
{
	for (size_t i = 0; i < sizeof(enum_keys) / sizeof(enum_keys[0]); i++)
		if (strcmp(enum_keys[i].key, key) == 0)
			return &enum_keys[i];
	return NULL;
}

static bool enum_parse(const struct enum_key *ek, const char *s, int *out)
{
	for (int v = 0; ek != NULL && s != NULL && v < ek->count; v++) {
		if (strcmp(enum_name(ek, v), s) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* ---- integer ranges -------------------------------------------------------------- */

static const struct range_key {
	const char *key;
	long min, max;
	const char *unit;
} range_keys[] = {
	{ "touch_timeout", 1, 600, " seconds" },
	{ "ticket_lifetime", 60, 86400, " seconds" },
	{ "codes", 1, 100, "" },
	/* Root is uid 0 whatever uid_min says; 2^31 - 1 is the largest a long holds everywhere. */
	{ "uid_min", 1, 2147483647, "" },
	/* A level's name is a promise: its limits may not exceed SP 800-63B-4's. */
	{ "aal3_idle_limit", 60, 900, " seconds; SP 800-63B-4 allows at most 15 minutes at AAL3" },
	{ "aal3_session_limit", 60, 43200, " seconds; SP 800-63B-4 allows at most 12 hours at AAL3" },
	{ "aal2_idle_limit", 60, 3600, " seconds; SP 800-63B-4 allows at most 1 hour at AAL2" },
	{ "aal2_session_limit", 60, 86400, " seconds; SP 800-63B-4 allows at most 24 hours at AAL2" },
	{ "aal1_idle_limit", 60, 86400, " seconds" },
	{ "aal1_session_limit", 60, 2592000, " seconds; SP 800-63B-4 allows at most 30 days at AAL1" },
	{ "failure_records_per_minute", 1, 6000, " records a minute" },
	/* 1 MB at least: 0 would let failure records fill the file system (lib/audit_rate.c) */
	{ "min_free_mb", 1, 1048576, " MB" },
	/* ldap { }: per server; longer than a minute is a hung login, not a slow directory */
	{ "timeout", 1, 60, " seconds" },
	{ "cache_max_age", 0, 7776000, " seconds: at most 90 days, 0 for no offline cache" },
	/* breakglass { }: an emergency session is short; a day at most */
	{ "session_limit", 60, 86400, " seconds" },
	/* web { }: a pending sign-in must fit in the VPN's hand-window (conf/openvpn/) */
	{ "pending_lifetime", 30, 600, " seconds" },
	{ "grant_lifetime", 10, 600, " seconds" },
};

static const struct range_key *range_key_find(const char *key)
{
	for (size_t i = 0; i < sizeof(range_keys) / sizeof(range_keys[0]); i++)
		if (strcmp(range_keys[i].key, key) == 0)
			return &range_keys[i];
	return NULL;
}

/* The value of n decimal digits, when it fits in a long on every platform (2^31 - 1). */
static bool decimal_fits(const char *digits, size_t n, long *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (*v > (2147483647L - (digits[i] - '0')) / 10)
			return false;
		*v = *v * 10 + (digits[i] - '0');
	}
	return true;
}

/*
 * Integers are decimal only: libconfuse's own parser (strtol base 0) would
 * read "010" as 8 and "0x1e" as 30, surprises in a security policy.
 */
static int parse_decimal(cfg_t *cf, cfg_opt_t *opt, const char *value, void *result)
{
	const struct range_key *rk = range_key_find(opt->name);
	const char *digits = value[0] == '-' ? value + 1 : value;
	size_t n = strspn(digits, "0123456789"), zeros = strspn(digits, "0");
	char s[PR_SHOWN_MAX];
	long v = 0;

	if (n == 0 || digits[n] != '\0')
		return reject(cf, "invalid value '%s' for %s (expected a whole number "
		    "in decimal)", pr_shown(value, s), opt->name);
	/* ten significant digits exceed every range; each step is checked against a 32-bit long */
	if (rk == NULL || n - zeros > 10 || !decimal_fits(digits, n, &v))
		return reject(cf, "invalid value '%s' for %s (expected %ld to %ld%s)",
		    pr_shown(value, s), opt->name, rk != NULL ? rk->min : 0,
		    rk != NULL ? rk->max : 0, rk != NULL ? rk->unit : "");
	*(long *)result = digits == value ? v : -v;
	return 0;
}

/* ---- validation callbacks (libconfuse calls them as values are read) ---------- */

static int seen_line(const struct parse_ctx *ctx, const char *key);

/*
 * A key or section given twice is an error: last-one-wins hides edits.
 * (Lists: lists_once, below.)
 */
static int note_once(cfg_t *cf, cfg_opt_t *opt)
{
	struct parse_ctx *ctx = current_parse;
	char key[64];

	snprintf(key, sizeof(key), "%s|%s", cf->name, opt->name);
	for (size_t i = 0; i < ctx->n_seen; i++) {
		if (strcmp(ctx->seen[i].key, key) != 0)
			continue;
		if (opt->type == CFGT_SEC)
			return reject(cf, "section '%s' is given more than once", opt->name);
		return reject(cf, "%s is set more than once (first on line %d)",
		    opt->name, ctx->seen[i].line);
	}
	if (ctx->n_seen < SEEN_MAX) {
		snprintf(ctx->seen[ctx->n_seen].key, sizeof(ctx->seen[0].key), "%s", key);
		ctx->seen[ctx->n_seen++].line = cf->line;
	}
	return 0;
}

static int check_rp_id(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (v == NULL || !rp_id_valid(v))
		return reject(cf, "invalid value '%s' for rp_id (expected 1 to %d "
		    "printable ASCII characters without spaces)", pr_shown(v, s), RP_ID_MAX);
	return 0;
}

static int check_enum(cfg_t *cf, cfg_opt_t *opt)
{
	const struct enum_key *ek = enum_key_find(opt->name);
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];
	int ignored;

	if (note_once(cf, opt) != 0)
		return -1;
	if (!enum_parse(ek, v, &ignored))
		return reject(cf, "invalid value '%s' for %s (expected %s)", pr_shown(v, s),
		    opt->name, ek != NULL ? ek->expected : "?");
	return 0;
}

static int check_range(cfg_t *cf, cfg_opt_t *opt)
{
	const struct range_key *rk = range_key_find(opt->name);
	long v = cfg_opt_getnint(opt, 0);

	if (note_once(cf, opt) != 0)
		return -1;
	if (rk == NULL || v < rk->min || v > rk->max)
		return reject(cf, "invalid value '%ld' for %s (expected %ld to %ld%s)", v,
		    opt->name, rk != NULL ? rk->min : 0, rk != NULL ? rk->max : 0,
		    rk != NULL ? rk->unit : "");
	return 0;
}

static int check_path(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (v == NULL || !pr_abs_path_valid(v))
		return reject(cf, "invalid value '%s' for %s (expected an absolute path)",
		    pr_shown(v, s), opt->name);
	return 0;
}

static int check_command(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (v == NULL || !command_valid(v))
		return reject(cf, "invalid value '%s' for %s (expected a command "
		    "starting with an absolute path)", pr_shown(v, s), opt->name);
	return 0;
}

static int check_mail_to(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (!pr_mail_recipient_valid(v))
		return reject(cf, "invalid value '%s' for %s (expected a user name or an "
		    "address such as \"it@clinic.example\")", pr_shown(v, s), opt->name);
	return 0;
}

/* Lists are re-checked whole on every call; the first bad entry is reported. */
static int check_list(cfg_t *cf, cfg_opt_t *opt, bool (*valid)(const char *),
    const char *expected)
{
	char s[PR_SHOWN_MAX];

	for (unsigned int i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		if (v == NULL || !valid(v))
			return reject(cf, "invalid entry '%s' in %s (expected %s)",
			    pr_shown(v, s), opt->name, expected);
	}
	return 0;
}

static bool aaguid_valid(const char *s)
{
	unsigned char aaguid[16];

	return pr_aaguid_parse(s, aaguid) == PR_OK;
}

static int check_aaguids(cfg_t *cf, cfg_opt_t *opt)
{
	return check_list(cf, opt, aaguid_valid, "an AAGUID as 8-4-4-4-12 hex digits");
}

static int check_principals(cfg_t *cf, cfg_opt_t *opt)
{
	return check_list(cf, opt, principal_valid, "a user name or @group");
}

static int check_exempt(cfg_t *cf, cfg_opt_t *opt)
{
	current_parse->exempt_line = cf->line;
	return check_principals(cf, opt);
}

static int check_services(cfg_t *cf, cfg_opt_t *opt)
{
	return check_list(cf, opt, service_valid, "a PAM service name");
}

static int check_store(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	enum pr_store_kind ignored;
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (!pr_store_kind_parse(v, &ignored))
		return reject(cf, "invalid value '%s' for store (expected files or ldap)",
		    pr_shown(v, s));
	return 0;
}

static int check_ldap_uris(cfg_t *cf, cfg_opt_t *opt)
{
	struct parse_ctx *ctx = current_parse;

	/* Called once per value: keep the first line for messages about the list. */
	if (seen_line(ctx, "ldap|uri") == 0 && ctx->n_seen < SEEN_MAX) {
		snprintf(ctx->seen[ctx->n_seen].key, sizeof(ctx->seen[0].key), "ldap|uri");
		ctx->seen[ctx->n_seen++].line = cf->line;
	}
	return check_list(cf, opt, pr_ldap_uri_valid, "an ldap://, ldaps:// or ldapi:// "
	    "URL naming a server, e.g. \"ldaps://ldap.clinic.example\"");
}

static int check_dn(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (!pr_ldap_dn_valid(v))
		return reject(cf, "invalid value '%s' for %s (expected a distinguished "
		    "name such as \"dc=clinic,dc=example\")", pr_shown(v, s), opt->name);
	return 0;
}

static int check_origin(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (!pr_web_origin_valid(v))
		return reject(cf, "invalid value '%s' for origin (expected the gate's address as "
		    "a browser writes it: https://host or https://host:port, lower case, no path, "
		    "no :443)", pr_shown(v, s));
	return 0;
}

static int check_listen(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (!pr_web_listen_valid(v))
		return reject(cf, "invalid value '%s' for listen (expected ADDRESS:PORT, e.g. "
		    "\"0.0.0.0:443\" or \"[::]:443\")", pr_shown(v, s));
	return 0;
}

/* The PAM service a grant made at the gate is for: the word a grant file keeps (grant.h). */
static int check_grant_service(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (!pr_grant_field_valid(v))
		return reject(cf, "invalid value '%s' for grant_service (expected the PAM service "
		    "name of the stack that takes the grant, e.g. \"xrdp-sesman\")", pr_shown(v, s));
	return 0;
}

static int check_group(cfg_t *cf, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char s[PR_SHOWN_MAX];

	if (note_once(cf, opt) != 0)
		return -1;
	if (!pr_web_group_name_valid(v))
		return reject(cf, "invalid value '%s' for control_group (expected a group name)",
		    pr_shown(v, s));
	return 0;
}

static const struct {
	const char *path;
	cfg_validate_callback_t check;
} key_checks[] = {
	{ "rp_id", check_rp_id },
	{ "require_security_key", check_enum },
	{ "require_physical_key", check_enum },
	{ "user_verification", check_enum },
	{ "touch_timeout", check_range },
	{ "state_dir", check_path },
	{ "audit_log", check_path },
	{ "trust_anchors", check_path },
	{ "physical_aaguids", check_aaguids },
	{ "exempt", check_exempt },
	{ "uid_min", check_range },
	{ "unattended_services", check_services },
	{ "roles", note_once },
	{ "roles|owners", check_principals },
	{ "roles|admins", check_principals },
	{ "recovery", note_once },
	{ "recovery|services", check_services },
	{ "recovery|ticket_lifetime", check_range },
	{ "recovery|codes", check_range },
	{ "recovery|self_request", note_once },
	{ "recovery|mail_command", check_command },
	{ "session", note_once },
	{ "session|aal3_idle_limit", check_range },
	{ "session|aal3_session_limit", check_range },
	{ "session|aal2_idle_limit", check_range },
	{ "session|aal2_session_limit", check_range },
	{ "session|aal1_idle_limit", check_range },
	{ "session|aal1_session_limit", check_range },
	{ "session|set_tmout", note_once },
	{ "audit", note_once },
	{ "audit|failure_records_per_minute", check_range },
	{ "audit|min_free_mb", check_range },
	{ "store", check_store },
	{ "ldap", note_once },
	{ "ldap|uri", check_ldap_uris },
	{ "ldap|base", check_dn },
	{ "ldap|bind_dn", check_dn },
	{ "ldap|bind_password_file", check_path },
	{ "ldap|ca_file", check_path },
	{ "ldap|starttls", note_once },
	{ "ldap|timeout", check_range },
	{ "ldap|cache_max_age", check_range },
	{ "breakglass", note_once },
	{ "breakglass|services", check_services },
	{ "breakglass|session_limit", check_range },
	{ "breakglass|notify", check_mail_to },
	{ "web", note_once },
	{ "web|origin", check_origin },
	{ "web|listen", check_listen },
	{ "web|cert_file", check_path },
	{ "web|key_file", check_path },
	{ "web|pending_lifetime", check_range },
	{ "web|grant_lifetime", check_range },
	{ "web|grant_service", check_grant_service },
	{ "web|bind_client_address", note_once },
	{ "web|control_socket", check_path },
	{ "web|control_group", check_group },
};

/* ---- the parser ------------------------------------------------------------------ */

/* Option tables live only until cfg_init has copied them. */
/*
 * The policy file's grammar, one table per section. cfg_init copies the
 * tables, so one set serves every parser.
 */
static cfg_opt_t roles_opts[] = {
	CFG_STR_LIST("owners", "{}", CFGF_NONE),
	CFG_STR_LIST("admins", "{}", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t recovery_opts[] = {
	CFG_STR_LIST("services", "{login}", CFGF_NONE),
	CFG_INT_CB("ticket_lifetime", 1800, CFGF_NONE, parse_decimal),
	CFG_INT_CB("codes", 10, CFGF_NONE, parse_decimal),
	CFG_BOOL("self_request", cfg_false, CFGF_NONE),
	CFG_STR("mail_command", DEFAULT_MAIL_COMMAND, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t session_opts[] = {
	CFG_INT_CB("aal3_idle_limit", PR_DEFAULT_AAL3_IDLE, CFGF_NONE, parse_decimal),
	CFG_INT_CB("aal3_session_limit", PR_DEFAULT_AAL3_SESSION, CFGF_NONE, parse_decimal),
	CFG_INT_CB("aal2_idle_limit", PR_DEFAULT_AAL2_IDLE, CFGF_NONE, parse_decimal),
	CFG_INT_CB("aal2_session_limit", PR_DEFAULT_AAL2_SESSION, CFGF_NONE, parse_decimal),
	CFG_INT_CB("aal1_idle_limit", PR_DEFAULT_AAL1_IDLE, CFGF_NONE, parse_decimal),
	CFG_INT_CB("aal1_session_limit", PR_DEFAULT_AAL1_SESSION, CFGF_NONE, parse_decimal),
	CFG_BOOL("set_tmout", cfg_false, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t audit_opts[] = {
	CFG_INT_CB("failure_records_per_minute", PR_AUDIT_DEFAULT_PER_MINUTE, CFGF_NONE,
	    parse_decimal),
	CFG_INT_CB("min_free_mb", PR_AUDIT_DEFAULT_MIN_FREE_MB, CFGF_NONE, parse_decimal),
	CFG_END()
};

static cfg_opt_t ldap_opts[] = {
	CFG_STR_LIST("uri", "{}", CFGF_NONE),
	CFG_STR("base", NULL, CFGF_NODEFAULT),
	CFG_STR("bind_dn", NULL, CFGF_NODEFAULT),
	CFG_STR("bind_password_file", NULL, CFGF_NODEFAULT),
	CFG_STR("ca_file", NULL, CFGF_NODEFAULT),
	CFG_BOOL("starttls", cfg_false, CFGF_NONE),
	CFG_INT_CB("timeout", PR_LDAP_DEFAULT_TIMEOUT, CFGF_NONE, parse_decimal),
	CFG_INT_CB("cache_max_age", PR_LDAP_DEFAULT_CACHE_MAX_AGE, CFGF_NONE, parse_decimal),
	CFG_END()
};

static cfg_opt_t breakglass_opts[] = {
	CFG_STR_LIST("services", DEFAULT_BREAKGLASS_SERVICES, CFGF_NONE),
	CFG_INT_CB("session_limit", PR_DEFAULT_BREAKGLASS_SESSION, CFGF_NONE, parse_decimal),
	CFG_STR("notify", "root", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t web_opts[] = {
	CFG_STR("origin", NULL, CFGF_NODEFAULT),
	CFG_STR("listen", PR_WEB_DEFAULT_LISTEN, CFGF_NONE),
	CFG_STR("cert_file", NULL, CFGF_NODEFAULT),
	CFG_STR("key_file", NULL, CFGF_NODEFAULT),
	CFG_INT_CB("pending_lifetime", PR_WEB_DEFAULT_PENDING_LIFETIME, CFGF_NONE, parse_decimal),
	CFG_INT_CB("grant_lifetime", PR_WEB_DEFAULT_GRANT_LIFETIME, CFGF_NONE, parse_decimal),
	CFG_STR("grant_service", PR_WEB_DEFAULT_GRANT_SERVICE, CFGF_NONE),
	CFG_BOOL("bind_client_address", cfg_true, CFGF_NONE),
	CFG_STR("control_socket", PR_WEB_DEFAULT_CONTROL_SOCKET, CFGF_NONE),
	CFG_STR("control_group", PR_WEB_DEFAULT_CONTROL_GROUP, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t policy_opts[] = {
	CFG_STR("rp_id", NULL, CFGF_NODEFAULT),
	CFG_STR("require_security_key", "none", CFGF_NONE),
	CFG_STR("require_physical_key", "none", CFGF_NONE),
	CFG_STR("user_verification", "preferred", CFGF_NONE),
	CFG_INT_CB("touch_timeout", PR_DEFAULT_TOUCH_TIMEOUT, CFGF_NONE, parse_decimal),
	CFG_STR("state_dir", PR_DEFAULT_STATE_DIR, CFGF_NONE),
	CFG_STR("audit_log", PR_DEFAULT_AUDIT_LOG, CFGF_NONE),
	CFG_STR("trust_anchors", PR_DEFAULT_TRUST_ANCHORS, CFGF_NONE),
	CFG_STR_LIST("physical_aaguids", "{}", CFGF_NONE),
	CFG_STR_LIST("exempt", "{}", CFGF_NONE),
	/* 0: not set, UID_MIN from login.defs; never validated as a value. */
	CFG_INT_CB("uid_min", 0, CFGF_NONE, parse_decimal),
	CFG_STR_LIST("unattended_services", DEFAULT_UNATTENDED, CFGF_NONE),
	CFG_SEC("roles", roles_opts, CFGF_NONE),
	CFG_SEC("recovery", recovery_opts, CFGF_NONE),
	CFG_SEC("session", session_opts, CFGF_NONE),
	CFG_SEC("audit", audit_opts, CFGF_NONE),
	CFG_STR("store", "files", CFGF_NONE),
	CFG_SEC("ldap", ldap_opts, CFGF_NONE),
	CFG_SEC("breakglass", breakglass_opts, CFGF_NONE),
	CFG_SEC("web", web_opts, CFGF_NONE),
	CFG_END()
};

static cfg_t *parser_new(void)
{
	cfg_t *cf = NULL;

	/* CFGF_NONE: unknown keys are errors, names are case-sensitive. */
	if ((cf = cfg_init(policy_opts, CFGF_NONE)) == NULL)
		return NULL;
	cfg_set_error_function(cf, capture_error);
	for (size_t i = 0; i < sizeof(key_checks) / sizeof(key_checks[0]); i++)
		cfg_set_validate_func(cf, key_checks[i].path, key_checks[i].check);
	return cf;
}

/* Parse buf; on failure eb already holds "file:line: what" (or a fallback). */
static int parse_text(struct parse_ctx *ctx, const char *buf, cfg_t **out)
{
	cfg_t *cf = NULL;
	int rc;

	*out = NULL;
	if ((cf = parser_new()) == NULL)
		return pr_fail(ctx->eb, PR_ERR_NOMEM, "%s: out of memory", ctx->path);
	rc = cfg_parse_buf(cf, buf);
	if (rc != CFG_SUCCESS || ctx->failed) {
		if (!ctx->failed)
			pr_fail(ctx->eb, PR_ERR_CONFIG, "%s: cannot be parsed", ctx->path);
		cfg_free(cf);
		return PR_ERR_CONFIG;
	}
	*out = cf;
	return PR_OK;
}

/* ---- lists given twice -------------------------------------------------------------- */

/*
 * A list given twice, "+=" included, is an error: libconfuse keeps the
 * last silently, so one stray "owners = {}" would drop every owner. Its
 * callbacks cannot tell: they run per value and never for an empty list.
 * So the text that parsed is scanned (comments are blanked by then): a
 * list's name, bare or quoted, followed by "=" or "+=" gives that list.
 */
static const char *const list_keys[] = {
	"physical_aaguids", "exempt", "owners", "admins", "services",
	"unattended_services", "uri",
};
#define N_LIST_KEYS (sizeof(list_keys) / sizeof(list_keys[0]))

/* Characters of an unquoted word, as libconfuse's lexer reads them. */
static bool word_char(char c)
{
	return c != '\0' && strchr(" #\"'\t\n\r={}()+,*", c) == NULL;
}

static int list_key_index(const char *w, size_t n)
{
	for (size_t i = 0; i < N_LIST_KEYS; i++)
		if (strlen(list_keys[i]) == n && memcmp(list_keys[i], w, n) == 0)
			return (int)i;
	return -1;
}

/* Past a quoted string (a backslash takes the next character), counting lines. */
static const char *skip_quoted(const char *s, int *line)
{
	char q = *s++;

	for (; *s != '\0' && *s != q; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		*line += *s == '\n';
	}
	return *s == q ? s + 1 : s;
}

static const char *skip_space(const char *s, int *line)
{
	for (; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
		*line += *s == '\n';
	return s;
}

/*
 * Two sections hold a list of the same name (recovery and breakglass:
 * services): the text parsed, so a name followed by '{' opened a section,
 * and the one a list sits in is the last one opened.
 */
static bool opens_breakglass(const char *w, size_t n, const char *after)
{
	return *after == '{' && n == strlen("breakglass") && memcmp(w, "breakglass", n) == 0;
}

static int lists_once(const struct parse_ctx *ctx, const char *s)
{
	int first[2][N_LIST_KEYS] = { { 0 } };
	int line = 1, at, k, sec = 0;
	size_t n;

	while (*s != '\0') {
		const char *w = s;

		at = line;
		if (*s == '"' || *s == '\'') {
			/* a name may be quoted too: "owners" = {} */
			s = skip_quoted(s, &line);
			n = s - w >= 2 && s[-1] == *w ? (size_t)(s - w) - 2 : 0;
			w++;
		} else if (word_char(*s)) {
			for (n = 0; word_char(s[n]); n++)
				;
			s += n;
		} else {
			line += *s++ == '\n';
			continue;
		}
		k = list_key_index(w, n);
		s = skip_space(s, &line);
		if (*s == '{')
			sec = opens_breakglass(w, n, s);
		if (k < 0 || (*s != '=' && !(*s == '+' && s[1] == '=')))
			continue;
		if (first[sec][k] != 0)
			return pr_fail(ctx->eb, PR_ERR_CONFIG, "%s:%d: %s is given twice "
			    "(line %d and line %d); give it once", ctx->path, at, list_keys[k],
			    first[sec][k], at);
		first[sec][k] = at;
	}
	return PR_OK;
}

/* ---- from the parse tree into struct pr_config ---------------------------------- */

static void strlist_free(struct pr_strlist *l)
{
	for (size_t i = 0; l->v != NULL && i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A NULL-terminated copy; l->n counts what is there so far, for cleanup. */
static int strlist_copy(cfg_t *sec, const char *name, struct pr_strlist *l)
{
	unsigned int n = cfg_size(sec, name);

	if ((l->v = calloc((size_t)n + 1, sizeof(char *))) == NULL)
		return PR_ERR_NOMEM;
	for (l->n = 0; l->n < n; l->n++)
		if ((l->v[l->n] = strdup(cfg_getnstr(sec, name, (unsigned int)l->n))) == NULL)
			return PR_ERR_NOMEM;
	return PR_OK;
}

static bool strlist_has(const struct pr_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static int str_copy(cfg_t *sec, const char *name, char **out)
{
	const char *v = cfg_getstr(sec, name);

	if (v == NULL)
		return PR_ERR_CONFIG;
	return (*out = strdup(v)) != NULL ? PR_OK : PR_ERR_NOMEM;
}

static int aaguids_copy(cfg_t *cf, struct pr_config *c)
{
	unsigned int n = cfg_size(cf, "physical_aaguids");

	if (n == 0)
		return PR_OK;
	if ((c->physical_aaguids = calloc(n, sizeof(*c->physical_aaguids))) == NULL)
		return PR_ERR_NOMEM;
	for (c->n_physical_aaguids = 0; c->n_physical_aaguids < n; c->n_physical_aaguids++)
		if (pr_aaguid_parse(cfg_getnstr(cf, "physical_aaguids",
		    (unsigned int)c->n_physical_aaguids),
		    c->physical_aaguids[c->n_physical_aaguids]) != PR_OK)
			return PR_ERR_CONFIG;
	return PR_OK;
}

static int policy_copy(cfg_t *cf, struct pr_policy *p)
{
	int key, phys, uv;

	if (!enum_parse(&enum_keys[0], cfg_getstr(cf, enum_keys[0].key), &key) ||
	    !enum_parse(&enum_keys[1], cfg_getstr(cf, enum_keys[1].key), &phys) ||
	    !enum_parse(&enum_keys[2], cfg_getstr(cf, enum_keys[2].key), &uv))
		return PR_ERR_CONFIG;
	p->require_security_key = (enum pr_require_key)key;
	p->require_physical_key = (enum pr_require_physical)phys;
	p->user_verification = (enum pr_uv)uv;
	return PR_OK;
}

static int recovery_copy(cfg_t *rec, struct pr_recovery_conf *r)
{
	int rc;

	if (rec == NULL)
		return PR_ERR_CONFIG;
	if ((rc = strlist_copy(rec, "services", &r->services)) != PR_OK ||
	    (rc = str_copy(rec, "mail_command", &r->mail_command)) != PR_OK)
		return rc;
	r->ticket_lifetime = cfg_getint(rec, "ticket_lifetime");
	r->codes = (int)cfg_getint(rec, "codes");
	r->self_request = cfg_getbool(rec, "self_request") == cfg_true;
	return PR_OK;
}

static int session_copy(cfg_t *sec, struct pr_session_conf *s)
{
	if (sec == NULL)
		return PR_ERR_CONFIG;
	s->aal3.idle = cfg_getint(sec, "aal3_idle_limit");
	s->aal3.session = cfg_getint(sec, "aal3_session_limit");
	s->aal2.idle = cfg_getint(sec, "aal2_idle_limit");
	s->aal2.session = cfg_getint(sec, "aal2_session_limit");
	s->aal1.idle = cfg_getint(sec, "aal1_idle_limit");
	s->aal1.session = cfg_getint(sec, "aal1_session_limit");
	s->set_tmout = cfg_getbool(sec, "set_tmout") == cfg_true;
	return PR_OK;
}

static int breakglass_copy(cfg_t *sec, struct pr_breakglass_conf *b)
{
	int r;

	if (sec == NULL)
		return PR_ERR_CONFIG;
	if ((r = strlist_copy(sec, "services", &b->services)) != PR_OK ||
	    (r = str_copy(sec, "notify", &b->notify)) != PR_OK)
		return r;
	b->session_limit = cfg_getint(sec, "session_limit");
	return PR_OK;
}

static int audit_copy(cfg_t *sec, struct pr_audit_limits *a)
{
	if (sec == NULL)
		return PR_ERR_CONFIG;
	a->per_minute = cfg_getint(sec, "failure_records_per_minute");
	a->min_free_mb = cfg_getint(sec, "min_free_mb");
	return PR_OK;
}

/* A key without a default: NULL when not set. */
static int opt_str_copy(cfg_t *sec, const char *name, char **out)
{
	const char *v = cfg_size(sec, name) > 0 ? cfg_getstr(sec, name) : NULL;

	*out = NULL;
	if (v == NULL)
		return PR_OK;
	return (*out = strdup(v)) != NULL ? PR_OK : PR_ERR_NOMEM;
}

static int ldap_copy(cfg_t *cf, struct pr_config *c)
{
	cfg_t *sec = cfg_getsec(cf, "ldap");
	struct pr_ldap_conf *l = &c->ldap;
	int r;

	if (sec == NULL || !pr_store_kind_parse(cfg_getstr(cf, "store"), &c->store))
		return PR_ERR_CONFIG;
	if ((r = strlist_copy(sec, "uri", &l->uri)) != PR_OK ||
	    (r = opt_str_copy(sec, "base", &l->base)) != PR_OK ||
	    (r = opt_str_copy(sec, "bind_dn", &l->bind_dn)) != PR_OK ||
	    (r = opt_str_copy(sec, "bind_password_file", &l->bind_password_file)) != PR_OK ||
	    (r = opt_str_copy(sec, "ca_file", &l->ca_file)) != PR_OK)
		return r;
	l->starttls = cfg_getbool(sec, "starttls") == cfg_true;
	l->timeout = cfg_getint(sec, "timeout");
	l->cache_max_age = cfg_getint(sec, "cache_max_age");
	return PR_OK;
}

static int web_copy(cfg_t *sec, struct pr_web_conf *w)
{
	int r;

	if (sec == NULL)
		return PR_ERR_CONFIG;
	if ((r = opt_str_copy(sec, "origin", &w->origin)) != PR_OK ||
	    (r = str_copy(sec, "listen", &w->listen)) != PR_OK ||
	    (r = opt_str_copy(sec, "cert_file", &w->cert_file)) != PR_OK ||
	    (r = opt_str_copy(sec, "key_file", &w->key_file)) != PR_OK ||
	    (r = str_copy(sec, "control_socket", &w->control_socket)) != PR_OK ||
	    (r = str_copy(sec, "control_group", &w->control_group)) != PR_OK ||
	    (r = str_copy(sec, "grant_service", &w->grant_service)) != PR_OK)
		return r;
	w->pending_lifetime = cfg_getint(sec, "pending_lifetime");
	w->grant_lifetime = cfg_getint(sec, "grant_lifetime");
	w->bind_client_address = cfg_getbool(sec, "bind_client_address") == cfg_true;
	return PR_OK;
}

/* Everything except rp_id's presence and the cross-checks. */
static int values_copy(cfg_t *cf, struct pr_config *c)
{
	cfg_t *roles = cfg_getsec(cf, "roles");
	int r;

	if (roles == NULL)
		return PR_ERR_CONFIG;
	if ((r = str_copy(cf, "rp_id", &c->rp_id)) != PR_OK ||
	    (r = policy_copy(cf, &c->policy)) != PR_OK ||
	    (r = str_copy(cf, "state_dir", &c->state_dir)) != PR_OK ||
	    (r = str_copy(cf, "audit_log", &c->audit_log)) != PR_OK ||
	    (r = str_copy(cf, "trust_anchors", &c->trust_anchors)) != PR_OK ||
	    (r = aaguids_copy(cf, c)) != PR_OK ||
	    (r = strlist_copy(cf, "exempt", &c->exempt)) != PR_OK ||
	    (r = strlist_copy(roles, "owners", &c->owners)) != PR_OK ||
	    (r = strlist_copy(roles, "admins", &c->admins)) != PR_OK ||
	    (r = strlist_copy(cf, "unattended_services", &c->unattended_services)) != PR_OK ||
	    (r = recovery_copy(cfg_getsec(cf, "recovery"), &c->recovery)) != PR_OK ||
	    (r = session_copy(cfg_getsec(cf, "session"), &c->session)) != PR_OK ||
	    (r = audit_copy(cfg_getsec(cf, "audit"), &c->audit)) != PR_OK ||
	    (r = ldap_copy(cf, c)) != PR_OK ||
	    (r = breakglass_copy(cfg_getsec(cf, "breakglass"), &c->breakglass)) != PR_OK ||
	    (r = web_copy(cfg_getsec(cf, "web"), &c->web)) != PR_OK)
		return r;
	c->touch_timeout = (int)cfg_getint(cf, "touch_timeout");
	c->uid_min = cfg_getint(cf, "uid_min");
	return PR_OK;
}

/*
 * Literal comparison of names and @groups. Exempt users who are owners or
 * admins through an @group are a question for the group database, asked
 * by pr_roles_config_load (roles.c, a layer above) once the file is loaded.
 */
static int exempt_check(const struct parse_ctx *ctx, const struct pr_config *c)
{
	char s[PR_SHOWN_MAX];

	for (size_t i = 0; i < c->exempt.n; i++) {
		const char *e = c->exempt.v[i];
		if (!strlist_has(&c->owners, e) && !strlist_has(&c->admins, e))
			continue;
		return pr_fail(ctx->eb, PR_ERR_CONFIG, "%s:%d: exempt lists '%s', who is "
		    "an %s: owners and admins cannot be exempt", ctx->path,
		    ctx->exempt_line, pr_shown(e, s),
		    strlist_has(&c->owners, e) ? "owner" : "admin");
	}
	return PR_OK;
}

/* The line a key was set on (note_once recorded it); 0 when left at its default. */
static int seen_line(const struct parse_ctx *ctx, const char *key)
{
	for (size_t i = 0; i < ctx->n_seen; i++)
		if (strcmp(ctx->seen[i].key, key) == 0)
			return ctx->seen[i].line;
	return 0;
}

/*
 * An inactivity limit longer than the whole session can never apply: the
 * edit that made it so was a mistake, so say which level and where.
 */
static int session_check(const struct parse_ctx *ctx, const struct pr_session_conf *s)
{
	static const char *const levels[] = { "aal1", "aal2", "aal3" };
	const struct pr_session_limits *lim[] = { &s->aal1, &s->aal2, &s->aal3 };
	char idle_key[48], session_key[48];
	int line, l2;

	for (size_t i = 0; i < 3; i++) {
		if (lim[i]->idle <= lim[i]->session)
			continue;
		snprintf(idle_key, sizeof(idle_key), "session|%s_idle_limit", levels[i]);
		snprintf(session_key, sizeof(session_key), "session|%s_session_limit", levels[i]);
		line = seen_line(ctx, idle_key);
		if ((l2 = seen_line(ctx, session_key)) > line)
			line = l2;
		return pr_fail(ctx->eb, PR_ERR_CONFIG, "%s:%d: %s_idle_limit (%ld seconds) is "
		    "longer than %s_session_limit (%ld seconds); the inactivity limit must "
		    "fit in the session", ctx->path, line, levels[i], lim[i]->idle, levels[i],
		    lim[i]->session);
	}
	return PR_OK;
}

/*
 * store = ldap with an incomplete or unsafe ldap section: blamed on the key's
 * line, else the section's, else store's.
 */
static int ldap_check(const struct parse_ctx *ctx, const struct pr_config *c)
{
	struct pr_errbuf why = { 0 };
	char key[64];
	const char *bad = pr_ldap_conf_check(c->store, &c->ldap, &why);
	int line;

	if (bad == NULL)
		return PR_OK;
	snprintf(key, sizeof(key), "ldap|%s", bad);
	if ((line = seen_line(ctx, key)) == 0 && (line = seen_line(ctx, "root|ldap")) == 0)
		line = seen_line(ctx, "root|store");
	return pr_fail(ctx->eb, PR_ERR_CONFIG, "%s:%d: %s", ctx->path, line, why.msg);
}

/* A web section given without the keys the gate needs: blamed on the section's line. */
static int web_check(const struct parse_ctx *ctx, const struct pr_config *c)
{
	struct pr_errbuf why = { 0 };
	int line = seen_line(ctx, "root|web");

	if (pr_web_conf_check(&c->web, line != 0, &why) == NULL)
		return PR_OK;
	return pr_fail(ctx->eb, PR_ERR_CONFIG, "%s:%d: %s", ctx->path, line, why.msg);
}

static int config_build(const struct parse_ctx *ctx, cfg_t *cf, struct pr_config **out)
{
	struct pr_config *c = NULL;
	int r;

	*out = NULL;
	if (cfg_size(cf, "rp_id") == 0 || cfg_getstr(cf, "rp_id") == NULL)
		return pr_fail(ctx->eb, PR_ERR_CONFIG, "%s: rp_id is not set (the "
		    "relying party id for the whole fleet, e.g. rp_id = \"pam://clinic\")",
		    ctx->path);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = pr_fail(ctx->eb, PR_ERR_NOMEM, "%s: out of memory", ctx->path);
		goto out;
	}
	if ((c->path = strdup(ctx->path)) == NULL)
		r = PR_ERR_NOMEM;
	else
		r = values_copy(cf, c);
	if (r != PR_OK) {
		pr_fail(ctx->eb, r, "%s: %s", ctx->path, pr_strerror(r));
		goto out;
	}
	c->exempt_line = ctx->exempt_line;
	if ((r = exempt_check(ctx, c)) != PR_OK ||
	    (r = session_check(ctx, &c->session)) != PR_OK ||
	    (r = ldap_check(ctx, c)) != PR_OK ||
	    (r = web_check(ctx, c)) != PR_OK)
		goto out;
	/* Where per-user state lives; nothing is opened until first use. */
	if ((c->state = pr_state_new(c)) == NULL) {
		r = pr_fail(ctx->eb, PR_ERR_NOMEM, "%s: out of memory", ctx->path);
		goto out;
	}
	*out = c;
	c = NULL;
	r = PR_OK;
out:
	pr_config_free(&c);
	return r;
}

/* ---- loading ------------------------------------------------------------------------ */

static int file_error(const char *path, enum pr_file_status st, int saved_errno,
    struct pr_errbuf *eb)
{
	switch (st) {
	case PR_FILE_OK:
		return PR_OK;
	case PR_FILE_MISSING:
		return pr_fail(eb, PR_ERR_CONFIG, "%s: does not exist", path);
	case PR_FILE_SYMLINK:
		return pr_fail(eb, PR_ERR_UNSAFE_FILE, "%s: is a symbolic link", path);
	case PR_FILE_WRONG_TYPE:
		return pr_fail(eb, PR_ERR_UNSAFE_FILE, "%s: is not a regular file", path);
	case PR_FILE_BAD_OWNER:
		return pr_fail(eb, PR_ERR_UNSAFE_FILE, "%s: is not owned by root", path);
	case PR_FILE_BAD_MODE:
		return pr_fail(eb, PR_ERR_UNSAFE_FILE, "%s: is writable by group or others", path);
	case PR_FILE_TOO_BIG:
		return pr_fail(eb, PR_ERR_CONFIG, "%s: is larger than %d bytes", path,
		    PR_MAX_CONFIG_SIZE);
	case PR_FILE_IO:
		break;
	}
	return pr_fail(eb, PR_ERR_CONFIG, "%s: cannot be read: %s", path, strerror(saved_errno));
}

/* Parse and build under the lock: libconfuse's lexer state is global. */
static int load_locked(const char *path, const char *buf, struct pr_config **out,
    struct pr_errbuf *eb)
{
	struct parse_ctx ctx = { .path = path, .eb = eb };
	cfg_t *cf = NULL;
	int r;

	if (pthread_mutex_lock(&parse_lock) != 0)
		return pr_fail(eb, PR_ERR_LOCK, "%s: cannot take the parser lock", path);
	current_parse = &ctx;
	if ((r = parse_text(&ctx, buf, &cf)) == PR_OK &&
	    (r = lists_once(&ctx, buf)) == PR_OK)
		r = config_build(&ctx, cf, out);
	if (cf != NULL)
		cfg_free(cf);
	current_parse = NULL;
	pthread_mutex_unlock(&parse_lock);
	return r;
}

/* Text check, parse and build on buf (NUL-terminated; blanked in place). */
static int parse_owned(const char *path, char *buf, size_t len, struct pr_config **out,
    struct pr_errbuf *eb)
{
	int r;

	if ((r = pr_config_text_check(path, buf, len, eb)) != PR_OK)
		return r;
	return load_locked(path, buf, out, eb);
}

int pr_config_load(const char *path, struct pr_config **out, struct pr_errbuf *eb)
{
	enum pr_file_status st;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (out == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place to load the policy into");
	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return pr_fail(eb, PR_ERR_CONFIG, "no policy file given");
	st = pr_secure_read(AT_FDCWD, path, 022, PR_MAX_CONFIG_SIZE, &buf, &len);
	if (st != PR_FILE_OK) {
		r = file_error(path, st, errno, eb);
		goto out;
	}
	r = parse_owned(path, buf, len, out, eb);
out:
	free(buf);
	return r;
}

int pr_config_parse(const char *name, const char *text, size_t len,
    struct pr_config **out, struct pr_errbuf *eb)
{
	char *buf = NULL;
	int r;

	if (out == NULL || name == NULL || (text == NULL && len > 0))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no policy text or no place to load it into");
	*out = NULL;
	if (len > PR_MAX_CONFIG_SIZE)
		return pr_fail(eb, PR_ERR_CONFIG, "%s: is larger than %d bytes", name,
		    PR_MAX_CONFIG_SIZE);
	/* A private copy: the text check blanks comments in place. */
	if ((buf = malloc(len + 1)) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "%s: out of memory", name);
	if (len > 0)
		memcpy(buf, text, len);
	buf[len] = '\0';
	r = parse_owned(name, buf, len, out, eb);
	free(buf);
	return r;
}

void pr_config_free(struct pr_config **cfg)
{
	struct pr_config *c;

	if (cfg == NULL || (c = *cfg) == NULL)
		return;
	free(c->path);
	free(c->rp_id);
	free(c->state_dir);
	free(c->audit_log);
	free(c->trust_anchors);
	free(c->physical_aaguids);
	strlist_free(&c->exempt);
	strlist_free(&c->owners);
	strlist_free(&c->admins);
	strlist_free(&c->unattended_services);
	strlist_free(&c->recovery.services);
	free(c->recovery.mail_command);
	pr_state_free(&c->state);
	pr_ldap_conf_clear(&c->ldap);
	strlist_free(&c->breakglass.services);
	free(c->breakglass.notify);
	pr_web_conf_clear(&c->web);
	free(c);
	*cfg = NULL;
}

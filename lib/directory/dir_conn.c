/*
 * The connection to the clinic directory (directory.h). Every option the
 * safety depends on is set on the handle itself: protocol version 3, no
 * referral chasing (a referral would send the bind elsewhere), timeouts,
 * the CA file with certificates demanded, and a new TLS context so that
 * nothing from ldap.conf or an earlier handle's context applies.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir_internal.h"
#include "util.h"

/* PracticeRunner's object class (conf/ldap/practicerunner.schema). */
#define PR_DIR_CLASS_OID "2.25.210222151159366872083059115072262294406.2.1"

bool pr_dir_unreachable(int err)
{
	return err == PR_ERR_DIR_UNREACHABLE;
}

const char *pr_dir_uri(const struct pr_dir *d)
{
	return d->uri;
}

/* No answer, or no answer in time: nothing was refused. */
static bool rc_unreachable(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR ||
	    rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_TIMELIMIT_EXCEEDED;
}

static int rc_err(int rc)
{
	switch (rc) {
	case LDAP_INVALID_CREDENTIALS:
	case LDAP_INAPPROPRIATE_AUTH:
	case LDAP_INSUFFICIENT_ACCESS:
	case LDAP_STRONG_AUTH_REQUIRED:
	case LDAP_CONFIDENTIALITY_REQUIRED:
		return PR_ERR_DIR_BIND;
	case LDAP_UNDEFINED_TYPE:
	case LDAP_OBJECT_CLASS_VIOLATION:
	case LDAP_INAPPROPRIATE_MATCHING:
		return PR_ERR_DIR_SCHEMA;
	case LDAP_NO_MEMORY:
		return PR_ERR_NOMEM;
	default:
		return rc_unreachable(rc) ? PR_ERR_DIR_UNREACHABLE : PR_ERR_DIRECTORY;
	}
}

int pr_dir_fail(const struct pr_dir *d, int ldap_rc, const char *what, struct pr_errbuf *eb)
{
	int err = rc_err(ldap_rc);

	if (err == PR_ERR_DIR_UNREACHABLE)
		return pr_fail(eb, err, "the clinic directory cannot be reached (%s: %s: no "
		    "answer within %ld s: %s). Try again in a few minutes; if it goes on, ask "
		    "your administrator to check the directory server and the network",
		    d->uri, what, (long)d->timeout.tv_sec, ldap_err2string(ldap_rc));
	return pr_fail(eb, err, "%s: %s: the directory refused it (%s): check the ldap "
	    "section of the policy and the directory's configuration", d->uri, what,
	    ldap_err2string(ldap_rc));
}

static bool uri_is_ldaps(const char *uri)
{
	return strncmp(uri, "ldaps://", 8) == 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Options on the handle; any failure is ours to report (nothing was sent
 * yet). CONNECT_ASYNC: libldap 2.5 bounds the ldaps:// TLS handshake by
 * LDAP_OPT_NETWORK_TIMEOUT only on an asynchronous connect; otherwise a
 * server that accepts and stays silent holds the login (spinning) for as
 * long as it likes. ldap_connect then waits for the connection itself.
 */
static int set_options(struct pr_dir *d, const struct pr_ldap_conf *conf, const char *uri)
{
	struct timeval tv = { conf->timeout, 0 };
	int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, newctx = 0;
	LDAP *ld = d->ld;

	if (ldap_set_option(ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS)
		return -1;
	if (!uri_is_ldaps(uri) && !conf->starttls)
		return 0;
	if (conf->ca_file == NULL ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, conf->ca_file) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &newctx) != LDAP_OPT_SUCCESS)
		return -1;
	return 0;
}

/*
 * Whether the server at uri answers a TLS handshake when its certificate is
 * not checked: a probe made only after a verified handshake failed, to
 * tell "our CA does not vouch for it" (a configuration error) from "nobody
 * there" (unreachable). Nothing is sent over it; libldap reports both
 * failures as LDAP_SERVER_DOWN and keeps the reason in its debug log.
 */
static bool answers_unverified(const char *uri, const struct timeval *tv)
{
	int version = LDAP_VERSION3, never = LDAP_OPT_X_TLS_NEVER, newctx = 0;
	LDAP *ld = NULL;
	bool answered;

	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS)
		return false;
	answered = ldap_set_option(ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON) == LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) == LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, tv) == LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, tv) == LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &never) == LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &newctx) == LDAP_OPT_SUCCESS &&
	    ldap_connect(ld) == LDAP_SUCCESS;
	ldap_unbind_ext_s(ld, NULL, NULL);
	return answered;
}

static int tls_failed(const struct pr_dir *d, const struct pr_ldap_conf *conf,
    struct pr_errbuf *eb)
{
	return pr_fail(eb, PR_ERR_DIR_TLS, "%s: the server's TLS certificate does not "
	    "verify against ca_file %s (or does not name this host): give the CA that "
	    "signed it, or correct the uri", d->uri, conf->ca_file);
}

/*
 * Reach the server: connect and, for ldaps://, the verified handshake;
 * then StartTLS when asked. A server that does not answer is unreachable;
 * one that answers but fails TLS is a configuration error.
 */
static int reach(struct pr_dir *d, const struct pr_ldap_conf *conf, struct pr_errbuf *eb)
{
	double start = now_seconds();
	int rc = ldap_connect(d->ld);

	d->connect_s = now_seconds() - start;
	if (rc != LDAP_SUCCESS) {
		/* A failure that took the whole timeout was silence: no probe (and no second wait). */
		if (uri_is_ldaps(d->uri) && rc == LDAP_SERVER_DOWN &&
		    now_seconds() - start < (double)d->timeout.tv_sec &&
		    answers_unverified(d->uri, &d->timeout))
			return tls_failed(d, conf, eb);
		return pr_dir_fail(d, rc, "connect", eb);
	}
	if (!conf->starttls || uri_is_ldaps(d->uri))
		return PR_OK;
	/* The server answered the connection: a StartTLS that fails now is TLS's fault. */
	start = now_seconds();
	rc = ldap_start_tls_s(d->ld, NULL, NULL);
	d->starttls_s = now_seconds() - start;
	if (rc == LDAP_SUCCESS)
		return PR_OK;
	if (rc == LDAP_TIMEOUT)
		return pr_dir_fail(d, rc, "StartTLS", eb);
	return tls_failed(d, conf, eb);
}

static int bind_service(struct pr_dir *d, const struct pr_ldap_conf *conf,
    const char *password, struct pr_errbuf *eb)
{
	struct berval cred = { strlen(password), (char *)password };
	int rc;

	rc = ldap_sasl_bind_s(d->ld, conf->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc == LDAP_SUCCESS)
		return PR_OK;
	if (rc == LDAP_INVALID_CREDENTIALS)
		return pr_fail(eb, PR_ERR_DIR_BIND, "%s: the directory refused bind_dn %s with "
		    "the password in %s: check both (and the account's state on the server)",
		    d->uri, conf->bind_dn, conf->bind_password_file);
	return pr_dir_fail(d, rc, "bind", eb);
}

/*
 * PracticeRunner's object class must be in the server's schema; a compare
 * against the subschema entry costs one round trip and no schema download.
 */
static int check_schema(struct pr_dir *d, struct pr_errbuf *eb)
{
	static char oid[] = PR_DIR_CLASS_OID;
	char *attrs[] = { "subschemaSubentry", NULL };
	struct berval val = { sizeof(oid) - 1, oid }, **sub = NULL;
	LDAPMessage *res = NULL, *e;
	char *subdn = NULL;
	int rc;

	rc = ldap_search_ext_s(d->ld, d->base, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0,
	    NULL, NULL, &d->timeout, 1, &res);
	if (rc == LDAP_NO_SUCH_OBJECT) {
		ldap_msgfree(res);
		return pr_fail(eb, PR_ERR_DIRECTORY, "%s: base %s does not exist (or the "
		    "service's bind DN may not read it): create it, or correct ldap { base }",
		    d->uri, d->base);
	}
	if (rc == LDAP_SUCCESS && (e = ldap_first_entry(d->ld, res)) != NULL &&
	    (sub = ldap_get_values_len(d->ld, e, "subschemaSubentry")) != NULL && sub[0] != NULL)
		subdn = strndup(sub[0]->bv_val, sub[0]->bv_len);
	ldap_value_free_len(sub);
	ldap_msgfree(res);
	if (rc != LDAP_SUCCESS)
		return pr_dir_fail(d, rc, "reading the base entry", eb);
	rc = ldap_compare_ext_s(d->ld, subdn != NULL ? subdn : "cn=Subschema", "objectClasses",
	    &val, NULL, NULL);
	free(subdn);
	if (rc == LDAP_COMPARE_TRUE)
		return PR_OK;
	if (rc == LDAP_COMPARE_FALSE || rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_UNDEFINED_TYPE)
		return pr_fail(eb, PR_ERR_DIR_SCHEMA, "%s: the directory lacks PracticeRunner's "
		    "schema (object class practiceRunnerUser): load practicerunner.ldif from "
		    "/usr/share/practicerunner/ldap/ into it", d->uri);
	return pr_dir_fail(d, rc, "checking the schema", eb);
}

/* One server: a bound, checked handle in d, or an error. */
static int open_one(struct pr_dir *d, const struct pr_ldap_conf *conf, const char *uri,
    const char *password, struct pr_errbuf *eb)
{
	int rc;

	if ((d->uri = strdup(uri)) == NULL)
		return PR_ERR_NOMEM;
	if ((rc = ldap_initialize(&d->ld, uri)) != LDAP_SUCCESS)
		return pr_fail(eb, PR_ERR_CONFIG, "%s: the LDAP library cannot use this uri (%s)",
		    uri, ldap_err2string(rc));
	if (set_options(d, conf, uri) != 0)
		return pr_fail(eb, PR_ERR_DIR_TLS, "%s: the LDAP library refused the connection "
		    "options (CA file %s)", uri, conf->ca_file != NULL ? conf->ca_file : "none");
	if ((rc = reach(d, conf, eb)) != PR_OK || (rc = bind_service(d, conf, password, eb)) != PR_OK)
		return rc;
	return check_schema(d, eb);
}

static void conn_reset(struct pr_dir *d)
{
	if (d->ld != NULL)
		ldap_unbind_ext_s(d->ld, NULL, NULL);
	d->ld = NULL;
	free(d->uri);
	d->uri = NULL;
}

int pr_dir_open(const struct pr_ldap_conf *conf, struct pr_dir **out, struct pr_errbuf *eb)
{
	struct pr_dir *d = NULL;
	char *password = NULL;
	int r = PR_ERR_DIR_UNREACHABLE;

	*out = NULL;
	if (conf == NULL || conf->uri.n == 0 || conf->base == NULL || conf->bind_dn == NULL ||
	    conf->bind_password_file == NULL)
		return pr_fail(eb, PR_ERR_CONFIG, "the policy's ldap section is incomplete");
	if ((r = pr_dir_password_read(conf->bind_password_file, &password, eb)) != PR_OK)
		return r;
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->base = strdup(conf->base)) == NULL) {
		r = PR_ERR_NOMEM;
		goto out;
	}
	d->timeout.tv_sec = conf->timeout;
	/* The next server only when this one did not answer: a refusal is final. */
	for (size_t i = 0; i < conf->uri.n; i++) {
		if ((r = open_one(d, conf, conf->uri.v[i], password, eb)) != PR_ERR_DIR_UNREACHABLE)
			break;
		conn_reset(d);
	}
	if (r != PR_OK)
		goto out;
	*out = d;
	d = NULL;
out:
	pr_secret_strfree(&password);
	pr_dir_close(&d);
	return r;
}

void pr_dir_close(struct pr_dir **dp)
{
	struct pr_dir *d;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	conn_reset(d);
	free(d->base);
	free(d);
	*dp = NULL;
}

/*
 * softkey-ctl: make and adjust softkey devices for tests.
 *
 *   softkey-ctl add  --state FILE --profile P [--pin PIN]
 *   softkey-ctl set  --state FILE [--touch yes|no] [--counter N] [--pin PIN]
 *                    [--pin-retries N]
 *   softkey-ctl show --state FILE
 *
 * A test tool: the PIN comes on the command line because tests script it.
 * "show" prints no secrets. Exit status 0 on success, 1 on any error.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softkey.h"

#ifndef SOFTKEY_CA_PEM
#error "SOFTKEY_CA_PEM must name the softkey test CA certificate (set by the build)"
#endif
#ifndef SOFTKEY_CA_KEY
#error "SOFTKEY_CA_KEY must name the softkey test CA private key (set by the build)"
#endif

#define PROG "softkey-ctl"

struct args {
	const char *state, *profile, *pin, *touch, *counter, *retries;
};

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " add  --state FILE --profile PROFILE [--pin PIN]\n"
	    "       " PROG " set  --state FILE [--touch yes|no] [--counter N] [--pin PIN]\n"
	    "                         [--pin-retries N]\n"
	    "       " PROG " show --state FILE\n"
	    "profiles: %s\n", sk_profile_names());
}

static int fail(const char *what, const char *state, int r)
{
	fprintf(stderr, PROG ": %s %s: %s\n", what, state, sk_strerror(r));
	return 1;
}

static int bad_usage(const char *msg)
{
	fprintf(stderr, PROG ": %s\n", msg);
	usage(stderr);
	return 1;
}

/* Decimal, no sign, at most max. */
static bool parse_number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end = NULL;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

static int cmd_add(const struct args *a)
{
	int r;

	if (a->profile == NULL)
		return bad_usage("add needs --profile");
	if (a->touch != NULL || a->counter != NULL || a->retries != NULL)
		return bad_usage("add takes only --state, --profile and --pin");
	if (sk_profile_find(a->profile) == NULL)
		return bad_usage("unknown profile");
	if (a->pin != NULL && (strlen(a->pin) < SK_PIN_MIN_LEN ||
	    strlen(a->pin) > SK_PIN_MAX_LEN))
		return bad_usage("a PIN has 4 to 63 bytes");
	if (a->pin != NULL && !sk_profile_find(a->profile)->ctap2)
		return bad_usage("a U2F-only key has no PIN");
	r = sk_provision(a->state, a->profile, a->pin, SOFTKEY_CA_PEM, SOFTKEY_CA_KEY);
	if (r != SK_OK)
		return fail("cannot create", a->state, r);
	printf("%s: new %s softkey\n", a->state, a->profile);
	return 0;
}

/* Apply the requested changes to a loaded state; a usage message or NULL. */
static const char *apply_set(const struct args *a, struct sk_state *st)
{
	unsigned long long n;

	if (a->touch != NULL) {
		if (strcmp(a->touch, "yes") != 0 && strcmp(a->touch, "no") != 0)
			return "--touch takes yes or no";
		st->touch = strcmp(a->touch, "yes") == 0;
	}
	if (a->counter != NULL) {
		if (!parse_number(a->counter, UINT32_MAX, &n))
			return "--counter takes a number from 0 to 4294967295";
		st->counter = (uint32_t)n;
	}
	if (a->pin != NULL) {
		if (!st->profile->ctap2)
			return "a U2F-only key has no PIN";
		if (sk_state_set_pin(st, a->pin) != SK_OK)
			return "a PIN has 4 to 63 bytes";
	}
	if (a->retries != NULL) {
		if (!parse_number(a->retries, SK_PIN_RETRIES, &n))
			return "--pin-retries takes a number from 0 to 8";
		st->pin_retries = (unsigned)n;
	}
	return NULL;
}

static int cmd_set(const struct args *a)
{
	struct sk_txn t = SK_TXN_INIT;
	const char *msg;
	int r;

	if (a->profile != NULL)
		return bad_usage("the profile of a device cannot change");
	if (a->touch == NULL && a->counter == NULL && a->pin == NULL && a->retries == NULL)
		return bad_usage("set needs --touch, --counter, --pin or --pin-retries");
	if ((r = sk_txn_begin(a->state, &t)) != SK_OK)
		return fail("cannot read", a->state, r);
	if ((msg = apply_set(a, &t.st)) != NULL) {
		sk_txn_end(&t);
		return bad_usage(msg);
	}
	r = sk_txn_commit(&t);
	sk_txn_end(&t);
	return r == SK_OK ? 0 : fail("cannot write", a->state, r);
}

static void print_state(const char *path, const struct sk_state *st)
{
	const struct sk_profile *p = st->profile;
	static const char *const att[] = {
		[SK_ATT_PACKED] = "packed (test CA)", [SK_ATT_SELF] = "packed (self)",
		[SK_ATT_NONE] = "none", [SK_ATT_U2F] = "fido-u2f (test CA)",
	};

	printf("state: %s\nprofile: %s\naaguid: ", path, p->name);
	for (size_t i = 0; i < SK_AAGUID_LEN; i++)
		printf("%02x%s", p->aaguid[i], i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
	printf("\nprotocols: %s%s%s\n", p->ctap2 ? "CTAP2" : "",
	    p->ctap1 && p->ctap2 ? " " : "", p->ctap1 ? "U2F" : "");
	printf("attestation: %s\nbackup: %s\n", att[p->att], p->backup ? "yes" : "no");
	printf("touch: %s\ncounter: %u\ncredentials: %llu\n", st->touch ? "yes" : "no",
	    (unsigned)st->counter, (unsigned long long)st->creds_made);
	printf("pin: %s\npin-retries: %u\n", st->pin_set ? "set" : "not set",
	    st->pin_retries);
}

static int cmd_show(const struct args *a)
{
	struct sk_txn t = SK_TXN_INIT;
	int r;

	if (a->profile != NULL || a->pin != NULL || a->touch != NULL ||
	    a->counter != NULL || a->retries != NULL)
		return bad_usage("show takes only --state");
	if ((r = sk_txn_begin(a->state, &t)) != SK_OK)
		return fail("cannot read", a->state, r);
	print_state(a->state, &t.st);
	sk_txn_end(&t);
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },
		{ "pin", required_argument, NULL, 'P' },
		{ "touch", required_argument, NULL, 't' },
		{ "counter", required_argument, NULL, 'c' },
		{ "pin-retries", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->state = optarg; break;
		case 'p': a->profile = optarg; break;
		case 'P': a->pin = optarg; break;
		case 't': a->touch = optarg; break;
		case 'c': a->counter = optarg; break;
		case 'r': a->retries = optarg; break;
		default: return -1;
		}
	}
	return optind == argc && a->state != NULL && a->state[0] != '\0' ? 0 : -1;
}

static const struct command {
	const char *name;
	int (*run)(const struct args *);
} commands[] = {
	{ "add", cmd_add },
	{ "set", cmd_set },
	{ "show", cmd_show },
};

int main(int argc, char **argv)
{
	struct args a;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 2)
		return bad_usage("no command given");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (parse_args(argc - 1, argv + 1, &a) != 0)
			return bad_usage("bad or missing options (every command needs --state FILE)");
		return commands[i].run(&a);
	}
	return bad_usage("unknown command");
}

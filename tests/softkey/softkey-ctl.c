/*
 * softkey-ctl: make and adjust softkey devices for tests.
 *
 *   softkey-ctl add  --state FILE --profile P [--pin PIN]
 *   softkey-ctl set  --state FILE [--touch yes|no] [--counter N] [--pin PIN]
 *                    [--pin-retries N]
 *   softkey-ctl show --state FILE
 *   softkey-ctl import --state FILE --rp-id RP --id B64 --key-file FILE
 *                      [--sign-count N]
 *
 * A test tool: the PIN comes on the command line because tests script it.
 * "import" takes in a credential another authenticator made (a browser's
 * virtual authenticator): its private key comes from a file, never argv.
 * "show" prints no secrets. Exit status 0 on success, 1 on any error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

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
	const char *rp_id, *id, *key_file, *sign_count;   /* import */
};

/* Any of import's own options given. */
static bool import_opts(const struct args *a)
{
	return a->rp_id != NULL || a->id != NULL || a->key_file != NULL ||
	    a->sign_count != NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " add  --state FILE --profile PROFILE [--pin PIN]\n"
	    "       " PROG " set  --state FILE [--touch yes|no] [--counter N] [--pin PIN]\n"
	    "                         [--pin-retries N]\n"
	    "       " PROG " show --state FILE\n"
	    "       " PROG " import --state FILE --rp-id RP --id BASE64 --key-file FILE\n"
	    "                         [--sign-count N]\n"
	    "import: a credential from WebAuthn.getCredentials (credentialId, rpId,\n"
	    "signCount; the key file holds its privateKey, base64 PKCS#8)\n"
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
	if (a->touch != NULL || a->counter != NULL || a->retries != NULL || import_opts(a))
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
	if (import_opts(a))
		return bad_usage("--rp-id, --id, --key-file and --sign-count are for import");
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
	printf("imported: %zu\n", st->n_imported);
}

static int cmd_show(const struct args *a)
{
	struct sk_txn t = SK_TXN_INIT;
	int r;

	if (a->profile != NULL || a->pin != NULL || a->touch != NULL ||
	    a->counter != NULL || a->retries != NULL || import_opts(a))
		return bad_usage("show takes only --state");
	if ((r = sk_txn_begin(a->state, &t)) != SK_OK)
		return fail("cannot read", a->state, r);
	print_state(a->state, &t.st);
	sk_txn_end(&t);
	return 0;
}

/*
 * The key file's text (base64, one line, a final newline allowed) into buf:
 * a regular file of ours (or root's) that no one else may read, not
 * reached through a link, as the state file. The caller wipes buf.
 */
static int read_key_file(const char *path, char *buf, size_t cap)
{
	struct stat st;
	ssize_t n = 0;
	int fd, r = SK_OK;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
		return errno == ELOOP ? SK_EUNSAFE : errno == ENOENT ? SK_ENOENT : SK_EIO;
	if (fstat(fd, &st) != 0)
		r = SK_EIO;
	else if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
	    (st.st_uid != geteuid() && st.st_uid != 0))
		r = SK_EUNSAFE;
	else if (st.st_size <= 0 || (size_t)st.st_size >= cap)
		r = SK_EINVAL;
	else if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size)
		r = SK_EIO;
	close(fd);
	if (r != SK_OK)
		return r;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return SK_OK;
}

static int cmd_import(const struct args *a)
{
	struct sk_txn t = SK_TXN_INIT;
	unsigned long long count = 0;
	char key[8192 + 2];
	int r;

	if (a->profile != NULL || a->pin != NULL || a->touch != NULL ||
	    a->counter != NULL || a->retries != NULL)
		return bad_usage("import takes only --state, --rp-id, --id, --key-file "
		    "and --sign-count");
	if (a->rp_id == NULL || a->rp_id[0] == '\0' || a->id == NULL || a->key_file == NULL)
		return bad_usage("import needs --rp-id, --id and --key-file");
	if (a->sign_count != NULL && !parse_number(a->sign_count, UINT32_MAX, &count))
		return bad_usage("--sign-count takes a number from 0 to 4294967295");
	if ((r = read_key_file(a->key_file, key, sizeof(key))) != SK_OK)
		return fail("cannot read the key file", a->key_file, r);
	if ((r = sk_txn_begin(a->state, &t)) != SK_OK) {
		OPENSSL_cleanse(key, sizeof(key));
		return fail("cannot read", a->state, r);
	}
	r = sk_import(&t.st, a->rp_id, a->id, key, (uint32_t)count);
	OPENSSL_cleanse(key, sizeof(key));
	if (r == SK_OK)
		r = sk_txn_commit(&t);
	sk_txn_end(&t);
	if (r == SK_EEXIST)
		return bad_usage("the device already holds that credential");
	if (r == SK_EINVAL)
		return bad_usage("the id or key is not usable (standard base64; a P-256 or "
		    "Ed25519 PKCS#8 key), or the device holds 8 imported credentials");
	if (r != SK_OK)
		return fail("cannot write", a->state, r);
	printf("%s: credential for %s imported\n", a->state, a->rp_id);
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
		{ "rp-id", required_argument, NULL, 'R' },
		{ "id", required_argument, NULL, 'i' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "sign-count", required_argument, NULL, 'n' },
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
		case 'R': a->rp_id = optarg; break;
		case 'i': a->id = optarg; break;
		case 'k': a->key_file = optarg; break;
		case 'n': a->sign_count = optarg; break;
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
	{ "import", cmd_import },
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

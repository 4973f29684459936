/*
 * OpenSSH FIDO public keys (lib/ssh/sshkey.c): the input as a key line and as
 * a decoded blob. A key that parses must print (authorized_keys form), read
 * back to the same blob, and rebuild from what the store keeps of it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "ssh/sshkey.h"

static void same_key(const struct pr_sshkey *k)
{
	struct pr_sshkey k2 = { 0 }, k3 = { 0 };
	char fp[PR_SSH_FP_LEN + 1];
	struct pr_errbuf eb = { 0 };
	char *line = NULL;

	if (pr_sshkey_fingerprint(k, fp) != PR_OK ||
	    pr_sshkey_format(k, NULL, "c", &line) != PR_OK ||
	    pr_sshkey_parse_line(line, &k2, &eb) != PR_OK ||
	    k2.blob_len != k->blob_len || memcmp(k2.blob, k->blob, k->blob_len) != 0 ||
	    pr_sshkey_from_parts(k->cose_alg, k->pubkey, k->pubkey_len, k->application,
	    &k3) != PR_OK ||
	    k3.blob_len != k->blob_len || memcmp(k3.blob, k->blob, k->blob_len) != 0)
		__builtin_trap();
	free(line);
	pr_sshkey_clear(&k2);
	pr_sshkey_clear(&k3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_sshkey k = { 0 };
	struct pr_errbuf eb = { 0 };
	char *line;

	if ((line = malloc(size + 1)) == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (pr_sshkey_parse_line(line, &k, &eb) == PR_OK)
		same_key(&k);
	pr_sshkey_clear(&k);
	if (pr_sshkey_parse_blob(data, size, &k, &eb) == PR_OK)
		same_key(&k);
	pr_sshkey_clear(&k);
	free(line);
	return 0;
}

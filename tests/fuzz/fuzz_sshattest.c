/*
 * SSH attestation files, ssh-sk-attest-v01 (lib/ssh/sshattest.c): the parse,
 * and for a parsed file the whole check against a key (the certificate
 * chain to the vectors' roots, the statement, the authData, the key match)
 * with the fixtures' challenge. Input: the key's public key line, "\n",
 * then the attestation file; without a key line that parses, the whole
 * input is the attestation file and only the parse runs.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "fuzz_anchors.h"
#include "ssh/sshattest.h"
#include "ssh/sshkey.h"

/* tests/data/ssh/challenge: what the fixtures were made with. */
static const unsigned char challenge[32] = {
	0xf4, 0x84, 0xe4, 0x56, 0xe6, 0x3e, 0x70, 0x74, 0xfb, 0x08, 0x7b, 0x9c,
	0xca, 0x03, 0x7d, 0x20, 0xa0, 0x45, 0xaa, 0xae, 0x98, 0x4c, 0xc0, 0x82,
	0x61, 0xdb, 0x9b, 0x20, 0xa1, 0xdb, 0x02, 0xf1,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct pr_sshkey key = { 0 };
	struct pr_sshattest att = { 0 };
	struct pr_cred c;
	char *line = NULL;
	struct pr_errbuf eb = { 0 };
	bool have_key = false;
	size_t off = 0;

	if (nl != NULL && (line = strndup((const char *)data, (size_t)(nl - data))) != NULL &&
	    pr_sshkey_parse_line(line, &key, &eb) == PR_OK) {
		have_key = true;
		off = (size_t)(nl - data) + 1;
	}
	if (pr_sshattest_parse(data + off, size - off, &att, &eb) == PR_OK &&
	    have_key) {
		if (pr_sshattest_classify(&att, &key, challenge, sizeof(challenge),
		    fuzz_anchors(), NULL, 0, &c, NULL, &eb) == PR_OK)
			pr_cred_clear(&c);
	}
	pr_sshattest_clear(&att);
	pr_sshkey_clear(&key);
	free(line);
	return 0;
}

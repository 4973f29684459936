/*
 * Trust anchors for the attestation harnesses: the roots of the test
 * vectors (tests/data/vectors/roots), loaded through pr_anchors_load as the
 * module loads trust_anchors, so packed-x5c and fido-u2f chains verify to
 * the end. A source tree not owned by root cannot be a trust anchor
 * directory: then there are none, and chains stop at "not an anchor".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "attest.h"
#include "err.h"
#include "fuzz.h"
#include "fuzz_anchors.h"

static X509_STORE *anchors;

static void anchors_free(void)
{
	X509_STORE_free(anchors);
	anchors = NULL;
}

X509_STORE *fuzz_anchors(void)
{
	static int tried;
	struct pr_errbuf eb = { 0 };
	char dir[4096];

	if (tried)
		return anchors;
	tried = 1;
	snprintf(dir, sizeof(dir), "%s/tests/data/vectors/roots", fuzz_srcdir());
	if (pr_anchors_load(dir, 0, &anchors, &eb) != PR_OK) {
		fprintf(stderr, "fuzz: no trust anchors: %s\n", eb.msg);
		anchors = NULL;
	}
	atexit(anchors_free);
	return anchors;
}

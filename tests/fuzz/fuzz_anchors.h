/* The attestation harnesses' trust anchors (anchors.c). */
#ifndef PR_FUZZ_ANCHORS_H
#define PR_FUZZ_ANCHORS_H

#include <openssl/x509.h>

/* Loaded once; NULL when none could be loaded (see anchors.c). */
X509_STORE *fuzz_anchors(void);

#endif

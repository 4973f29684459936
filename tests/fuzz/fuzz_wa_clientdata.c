/*
 * The web gate's clientDataJSON checks (lib/webauthn/wa_clientdata.c):
 * any bytes, against a fixed challenge and origin, as a sign-in and as an
 * enrollment. What passes must hold the expected origin and type.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "webauthn/wa_clientdata.h"

/* The challenge of the seeds (tests/fuzz/corpus/wa_clientdata): "AAECAw". */
static const unsigned char challenge[] = { 0, 1, 2, 3 };
#define ORIGIN "https://gate.clinic.example"

static bool contains(const uint8_t *data, size_t size, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= size; i++)
		if (memcmp(data + i, s, n) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int t = PR_WA_GET; t <= PR_WA_CREATE; t++) {
		struct pr_wa_expect e = { (enum pr_wa_type)t, challenge, sizeof(challenge), ORIGIN };
		struct pr_errbuf eb = { 0 };

		if (pr_wa_clientdata_check(data, size, &e, &eb) != PR_OK)
			continue;
		if (size > PR_WA_CDJ_MAX)
			__builtin_trap();
		/*
		 * JSON may spell the same string with escapes ("https:\/\/...",
		 * "\u0068"), which json-c decodes to the exact origin and type:
		 * the literal must appear only in text without any.
		 */
		if (memchr(data, '\\', size) == NULL && (!contains(data, size, ORIGIN) ||
		    !contains(data, size, pr_wa_type_name((enum pr_wa_type)t))))
			__builtin_trap();
	}
	return 0;
}

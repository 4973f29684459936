/*
 * Shared by the libFuzzer harnesses (tests/fuzz/README in the top README's
 * "Fuzzing" paragraph): libFuzzer's entry points, declared for
 * -Wmissing-prototypes, and a scratch directory for the parsers that only
 * read files. Harness code only.
 */
#ifndef PR_FUZZ_H
#define PR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * A private directory (mkdtemp under $TMPDIR or /tmp, 0700, owned by us:
 * a safe state_dir) made on first use and removed with its contents at
 * exit. Aborts if it cannot be made.
 */
const char *fuzz_dir(void);

/* Write data to fuzz_dir()/rel (mode, replacing any file there); aborts on failure. */
void fuzz_write(const char *rel, const uint8_t *data, size_t size, unsigned mode);

/* Remove fuzz_dir()/rel if it is there (a file or an empty directory). */
void fuzz_remove(const char *rel);

/* The directory the harness was built from: TOP_SRCDIR, or $top_srcdir. */
const char *fuzz_srcdir(void);

#endif

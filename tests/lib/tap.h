/* tap.h: a small TAP producer for the C unit tests.
 *
 * Each check prints "ok N - name" or "not ok N - name" with a diagnostic;
 * tap_done() prints the plan and returns the process exit status (0 when
 * every check passed). Tests are table-driven where they can be.
 */
#ifndef POSTERN_TAP_H
#define POSTERN_TAP_H

#include <stddef.h>

/* tap_ok: record one check; returns cond so callers can chain diagnostics. */
int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* tap_is_str: equal strings (NULL equals only NULL). */
int tap_is_str(const char *got, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* tap_is_int: equal integers. */
int tap_is_int(long long got, long long want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* tap_diag: a "# " comment line. */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* tap_done: print the plan; the exit status for main(). */
int tap_done(void);
/* tap_write_file: write a test fixture file (fatal on error). */
void tap_write_file(const char *path, const char *content);
/* tap_tmpdir: a fresh private directory for this test under $TMPDIR,
 * created on first use and removed by tap_done() (kept when the environment
 * has POSTERN_TEST_KEEP); the string is static. */
const char *tap_tmpdir(void);

#endif

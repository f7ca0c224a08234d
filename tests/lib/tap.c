/* tap.c: TAP output for the C unit tests (see tap.h). */
#include "tap.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;
static char tap_dir[4096];

static void tap_vresult(int cond, const char *fmt, va_list ap)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vresult(cond, fmt, ap);
	va_end(ap);
	return cond;
}

int tap_is_str(const char *got, const char *want, const char *fmt, ...)
{
	int cond = (got == NULL || want == NULL) ? got == want : strcmp(got, want) == 0;
	va_list ap;
	va_start(ap, fmt);
	tap_vresult(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   got:  %s%s%s\n#   want: %s%s%s\n", got ? "\"" : "", got ? got : "NULL",
		       got ? "\"" : "", want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
	return cond;
}

int tap_is_int(long long got, long long want, const char *fmt, ...)
{
	int cond = got == want;
	va_list ap;
	va_start(ap, fmt);
	tap_vresult(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return cond;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static int tap_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

int tap_done(void)
{
	/* The private directory goes, unless POSTERN_TEST_KEEP asks to look. */
	if (tap_dir[0] != '\0' && getenv("POSTERN_TEST_KEEP") == NULL)
		nftw(tap_dir, tap_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	printf("1..%d\n", tap_count);
	return tap_failed == 0 && tap_count > 0 ? 0 : 1;
}

void tap_write_file(const char *path, const char *content)
{
	FILE *fp = fopen(path, "w");
	if (fp == NULL || fputs(content, fp) == EOF || fclose(fp) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

const char *tap_tmpdir(void)
{
	if (tap_dir[0] == '\0') {
		const char *base = getenv("TMPDIR");
		snprintf(tap_dir, sizeof(tap_dir), "%s/postern-test.XXXXXX", base ? base : "/tmp");
		if (mkdtemp(tap_dir) == NULL) {
			printf("Bail out! mkdtemp failed\n");
			exit(1);
		}
	}
	return tap_dir;
}

/* mem.h: allocation helpers that never return NULL.
 *
 * Every x* function aborts the process with a log line when memory is
 * exhausted: callers never check for NULL. The caller owns every result and
 * releases it with free().
 */
#ifndef POSTERN_MEM_H
#define POSTERN_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* xreallocarray: realloc for nmemb * size with overflow check (fatal). */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
/* xgrowarray: an array of *cap_r elements of size bytes at ptr, with room
 * for element n (at most *cap_r): when n == *cap_r, *cap_r doubles (8 at
 * first) and the array moves. Returns the array. */
void *xgrowarray(void *ptr, size_t *cap_r, size_t n, size_t size);
char *xstrdup(const char *s);
/* xstrndup: copy at most n bytes of s and NUL-terminate. */
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* FREE_AND_NULL: free(p) and clear the pointer, so a second call is safe. */
#define FREE_AND_NULL(p) \
	do {                 \
		free(p);         \
		(p) = NULL;      \
	} while (0)

#endif

/* cfg_lines.c: logical lines of main.cf and master.cf, fed in chunks (see
 * cfg_lines.h). A small state machine over bytes: it never needs to see a
 * whole physical line to classify it, only its first non-white byte. */
#include "cfg_lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

enum {
	CFG_LINES_BOL,     /* at the start of a physical line, or in its leading white space */
	CFG_LINES_TEXT,    /* in text that belongs to the logical line */
	CFG_LINES_COMMENT, /* in a line to ignore, up to its newline */
};

static int cfg_lines_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

void cfg_lines_init(struct cfg_lines *l, const char *file, size_t max_line,
		    struct cfg_diags *diags, cfg_line_fn *fn, void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->file = file;
	l->diags = diags;
	l->fn = fn;
	l->ctx = ctx;
	if (max_line == 0)
		max_line = CFG_LINES_MAX_DEFAULT;
	buf_init(&l->logical, max_line);
	buf_init(&l->pending, max_line);
	l->lineno = 1;
	l->state = CFG_LINES_BOL;
}

void cfg_lines_deinit(struct cfg_lines *l)
{
	FREE_AND_NULL(l->breaks);
	buf_deinit(&l->logical);
	buf_deinit(&l->pending);
}

/* cfg_lines_too_long: skip the open logical line, which outgrew the bound. */
static void cfg_lines_too_long(struct cfg_lines *l)
{
	cfg_diag_add(l->diags, CFG_ERROR, l->file, l->start,
		     "logical line longer than %zu bytes; ignored", l->logical.max);
	l->bad = 1;
	buf_reset(&l->logical);
}

/* cfg_lines_flush: hand over the open logical line, if any. */
static void cfg_lines_flush(struct cfg_lines *l)
{
	if (!l->have_logical)
		return;
	if (!l->bad)
		l->fn(l->ctx, buf_cstr(&l->logical), buf_len(&l->logical), l->start);
	buf_reset(&l->logical);
	l->have_logical = 0;
	l->bad = 0;
	l->n_breaks = 0;
}

unsigned cfg_lines_lineno_at(const struct cfg_lines *l, size_t offset)
{
	unsigned line = l->start;
	for (size_t i = 0; i < l->n_breaks && l->breaks[i].offset <= offset; i++)
		line = l->breaks[i].line;
	return line;
}

/* cfg_lines_start: the first non-white byte of a physical line that is not
 * a comment: a new logical line, or a continuation of the open one. */
static void cfg_lines_start(struct cfg_lines *l)
{
	if (buf_len(&l->pending) == 0 || !l->have_logical) {
		cfg_lines_flush(l);
		l->have_logical = 1;
		l->start = l->lineno;
		if (buf_len(&l->pending) > 0) {
			cfg_diag_add(l->diags, CFG_WARNING, l->file, l->lineno,
				     "logical line must not start with white space; line ignored");
			l->bad = 1;
		}
	} else if (!l->bad) {
		l->breaks = xgrowarray(l->breaks, &l->cap_breaks, l->n_breaks, sizeof(*l->breaks));
		l->breaks[l->n_breaks++] =
		    (struct cfg_lines_break){buf_len(&l->logical), l->lineno};
	}
	if (!l->bad && buf_append(&l->logical, buf_cstr(&l->pending), buf_len(&l->pending)) < 0)
		cfg_lines_too_long(l);
	buf_reset(&l->pending);
}

static void cfg_lines_append(struct cfg_lines *l, const char *p, size_t n)
{
	if (l->bad)
		return;
	if (memchr(p, '\0', n) != NULL) {
		cfg_diag_add(l->diags, CFG_ERROR, l->file, l->lineno,
			     "NUL byte in line; logical line ignored");
		l->bad = 1;
		return;
	}
	if (buf_append(&l->logical, p, n) < 0)
		cfg_lines_too_long(l);
}

void cfg_lines_feed(struct cfg_lines *l, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	while (p < end) {
		if (l->state == CFG_LINES_BOL) {
			if (*p == '\n') { /* empty or white-space-only line */
				buf_reset(&l->pending);
				l->lineno++;
				p++;
			} else if (cfg_lines_is_space(*p)) {
				if (buf_append_char(&l->pending, *p) < 0) {
					/* Remember only that there was white space. */
					buf_reset(&l->pending);
					buf_append_char(&l->pending, ' ');
					if (l->have_logical && !l->bad)
						cfg_lines_too_long(l);
				}
				p++;
			} else if (*p == '#') {
				buf_reset(&l->pending);
				l->state = CFG_LINES_COMMENT;
			} else {
				cfg_lines_start(l);
				l->state = CFG_LINES_TEXT;
			}
			continue;
		}
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		if (l->state == CFG_LINES_TEXT)
			cfg_lines_append(l, p, (size_t)(stop - p));
		p = stop;
		if (nl != NULL) {
			l->state = CFG_LINES_BOL;
			l->lineno++;
			p++;
		}
	}
}

void cfg_lines_finish(struct cfg_lines *l)
{
	cfg_lines_flush(l);
	buf_reset(&l->pending);
	l->state = CFG_LINES_BOL;
}

int cfg_read_file(const char *path, cfg_feed_fn *feed, void *ctx, char **error_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = xasprintf("open %s: %s", path, strerror(errno));
		return -1;
	}
	char chunk[8192];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*error_r = xasprintf("read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		feed(ctx, chunk, (size_t)n);
	}
	close(fd);
	return 1;
}

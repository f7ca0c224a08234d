/* smtp_line.c: incremental, bounded SMTP command-line reader with the wire
 * safety rules for bare LF, bare CR and NUL (see smtp_line.h). */
#include "smtp_line.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct smtp_line_reader {
	enum smtp_bare_mode mode;
	size_t max_len;
	char *line; /* max_len + 1 bytes */
	size_t len;
	int pending;	/* bytes of an unfinished line were consumed */
	int pending_cr; /* the last byte consumed was a CR */
	int too_long;
	int nul;
	int bare_cr;
};

struct smtp_line_reader *smtp_line_new(size_t max_len, enum smtp_bare_mode mode)
{
	struct smtp_line_reader *r = xcalloc(1, sizeof(*r));
	r->mode = mode;
	r->max_len = max_len;
	r->line = xmalloc(max_len + 1);
	return r;
}

void smtp_line_free(struct smtp_line_reader **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	free((*rp)->line);
	FREE_AND_NULL(*rp);
}

int smtp_line_pending(const struct smtp_line_reader *r)
{
	return r->pending;
}

/* line_done: finish the current line ended by a bare LF (bare_lf) or CRLF. */
static void line_done(struct smtp_line_reader *r, int bare_lf, const char **line_r,
		      enum smtp_line_status *status_r)
{
	if (r->too_long) {
		*status_r = SMTP_LINE_TOO_LONG;
		r->len = 0;
	} else if (r->nul) {
		*status_r = SMTP_LINE_NUL;
	} else if (r->bare_cr) {
		*status_r = SMTP_LINE_BARE_CR;
	} else if (bare_lf && r->mode == SMTP_BARE_REJECT) {
		*status_r = SMTP_LINE_BARE_LF;
	} else {
		*status_r = SMTP_LINE_OK;
	}
	r->line[r->len] = '\0';
	*line_r = r->line;
	r->len = 0;
	r->pending = r->pending_cr = r->too_long = r->nul = r->bare_cr = 0;
}

static void line_add(struct smtp_line_reader *r, const char *s, size_t n)
{
	if (r->too_long)
		return;
	if (n > r->max_len - r->len) {
		r->too_long = 1;
		return;
	}
	memcpy(r->line + r->len, s, n);
	r->len += n;
}

int smtp_line_read(struct smtp_line_reader *r, const char *data, size_t len, size_t *consumed_r,
		   const char **line_r, enum smtp_line_status *status_r)
{
	size_t i = 0;

	while (i < len) {
		r->pending = 1;
		if (r->pending_cr) {
			r->pending_cr = 0;
			if (data[i] == '\n') {
				line_done(r, 0, line_r, status_r);
				*consumed_r = i + 1;
				return 1;
			}
			r->bare_cr = 1;
		}
		/* A run of ordinary bytes. */
		size_t j = i;
		while (j < len && data[j] != '\r' && data[j] != '\n' && data[j] != '\0')
			j++;
		line_add(r, data + i, j - i);
		i = j;
		if (i == len)
			break;
		char c = data[i++];
		if (c == '\r') {
			r->pending_cr = 1;
		} else if (c == '\0') {
			r->nul = 1;
		} else {
			line_done(r, 1, line_r, status_r);
			*consumed_r = i;
			return 1;
		}
	}
	*consumed_r = len;
	return 0;
}

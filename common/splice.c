/* splice.c: stream a text while replacing byte ranges of it (splice.h). */
#include "splice.h"

void splice_init(struct splice *s, splice_next_fn *next, splice_text_fn *text, void *context)
{
	*s = (struct splice){.next = next, .text = text, .context = context};
}

/* current: the range at or after the position fed so far, or NULL. */
static const struct splice_range *current(struct splice *s)
{
	if (!s->have_cur && !s->done) {
		s->have_cur = s->next(s->context, &s->cur);
		s->done = !s->have_cur;
	}
	return s->have_cur ? &s->cur : NULL;
}

void splice_write(struct splice *s, const char *data, size_t len, struct buf *out)
{
	while (len > 0) {
		const struct splice_range *r = current(s);
		size_t n;

		if (r == NULL || r->offset >= s->at + len) {
			buf_append(out, data, len);
			s->at += len;
			return;
		}
		if (r->offset > s->at) {
			/* Unchanged bytes before the range. */
			n = r->offset - s->at;
			buf_append(out, data, n);
		} else {
			/* Inside the range (it may span chunks). */
			if (!s->started)
				s->text(s->context, r, out);
			s->started = 1;
			size_t end = r->offset + r->len;
			n = end - s->at < len ? end - s->at : len;
			if (r->keep)
				buf_append(out, data, n);
			if (s->at + n == end) {
				s->have_cur = 0;
				s->started = 0;
			}
		}
		data += n;
		len -= n;
		s->at += n;
	}
}

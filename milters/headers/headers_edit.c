/* headers_edit.c: the changes a scan records (headers_engine.h): keeping
 * them, releasing them, and writing the body they change. */
#include <stdlib.h>
#include <string.h>

#include "headers_private.h"
#include "mem.h"

void headers_edit_add(struct headers_result *r, const struct headers_edit *edit)
{
	r->edits = xreallocarray(r->edits, r->n_edits + 1, sizeof(*r->edits));
	r->edits[r->n_edits++] = *edit;
	if (!edit->primary)
		r->body_edited = 1;
}

void headers_result_deinit(struct headers_result *r)
{
	for (size_t i = 0; i < r->n_edits; i++) {
		free(r->edits[i].name);
		free(r->edits[i].text);
	}
	free(r->edits);
	for (size_t i = 0; i < r->n_bcc; i++)
		free(r->bcc[i]);
	free(r->bcc);
	free(r->text);
	free(r->hold_text);
	free(r->redirect);
	memset(r, 0, sizeof(*r));
}

void headers_body_writer_init(struct headers_body_writer *w, const struct headers_result *result)
{
	*w = (struct headers_body_writer){.result = result};
}

/* write_text: an edit's text with CRLF line breaks. */
static void write_text(const struct headers_edit *e, struct buf *out)
{
	for (const char *p = e->text; *p != '\0'; p++) {
		if (*p == '\n')
			buf_append_char(out, '\r');
		buf_append_char(out, *p);
	}
	if (e->kind == HEADERS_EDIT_PREPEND || e->line_end)
		buf_append_str(out, "\r\n");
}

/* next_body_edit: the next edit of the body at or after w->next, or NULL. */
static const struct headers_edit *next_body_edit(struct headers_body_writer *w)
{
	const struct headers_result *r = w->result;

	while (w->next < r->n_edits && r->edits[w->next].primary)
		w->next++;
	return w->next < r->n_edits ? &r->edits[w->next] : NULL;
}

void headers_body_write(struct headers_body_writer *w, const char *data, size_t len,
			struct buf *out)
{
	while (len > 0) {
		const struct headers_edit *e = next_body_edit(w);
		size_t n;
		if (e == NULL || e->offset >= w->at + len) {
			buf_append(out, data, len);
			w->at += len;
			return;
		}
		if (e->offset > w->at) {
			/* Unchanged bytes before the edit. */
			n = e->offset - w->at;
			buf_append(out, data, n);
		} else {
			/* Inside the edit's range (it may span chunks). */
			if (!w->started && e->kind != HEADERS_EDIT_DELETE)
				write_text(e, out);
			w->started = 1;
			size_t end = e->offset + e->len;
			n = end - w->at < len ? end - w->at : len;
			if (e->kind == HEADERS_EDIT_PREPEND)
				buf_append(out, data, n);
			if (w->at + n == end) {
				w->next++;
				w->started = 0;
			}
		}
		data += n;
		len -= n;
		w->at += n;
	}
}

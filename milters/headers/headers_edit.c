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

/* write_text: an edit's text with CRLF line breaks (none for a deletion). */
static void write_text(void *context, const struct splice_range *range, struct buf *out)
{
	const struct headers_edit *e = range->item;

	(void)context;
	if (e->kind == HEADERS_EDIT_DELETE)
		return;
	for (const char *p = e->text; *p != '\0'; p++) {
		if (*p == '\n')
			buf_append_char(out, '\r');
		buf_append_char(out, *p);
	}
	if (e->kind == HEADERS_EDIT_PREPEND || e->line_end)
		buf_append_str(out, "\r\n");
}

/* next_body_edit: the range of the next edit of the body. */
static int next_body_edit(void *context, struct splice_range *range_r)
{
	struct headers_body_writer *w = context;
	const struct headers_result *r = w->result;

	while (w->next < r->n_edits && r->edits[w->next].primary)
		w->next++;
	if (w->next >= r->n_edits)
		return 0;
	const struct headers_edit *e = &r->edits[w->next++];
	*range_r = (struct splice_range){.offset = e->offset,
					 .len = e->len,
					 .keep = e->kind == HEADERS_EDIT_PREPEND,
					 .item = e};
	return 1;
}

void headers_body_writer_init(struct headers_body_writer *w, const struct headers_result *result)
{
	*w = (struct headers_body_writer){.result = result};
	splice_init(&w->splice, next_body_edit, write_text, w);
}

void headers_body_write(struct headers_body_writer *w, const char *data, size_t len,
			struct buf *out)
{
	splice_write(&w->splice, data, len, out);
}

/* attach_strip.c: the body with banned parts cut out (attach_engine.h):
 * each cut part becomes a short text/plain part that says what was
 * removed and why. */
#include <stdlib.h>
#include <string.h>

#include "attach_private.h"
#include "mem.h"

/* by_offset: qsort_r order of finding indexes: by offset, longer first. */
static int by_offset(const void *a, const void *b, void *context)
{
	const struct attach_result *r = context;
	const struct attach_finding *fa = &r->findings[*(const size_t *)a];
	const struct attach_finding *fb = &r->findings[*(const size_t *)b];

	if (fa->offset != fb->offset)
		return fa->offset < fb->offset ? -1 : 1;
	return fa->len > fb->len ? -1 : fa->len < fb->len;
}

static void notice_part(void *context, const struct splice_range *range, struct buf *out);
static int next_cut(void *context, struct splice_range *range_r);

size_t attach_strip_init(struct attach_strip_writer *w, const struct attach_result *result,
			 enum attach_class min, const char *notice)
{
	*w = (struct attach_strip_writer){.result = result, .min = min, .notice = notice};
	w->order = xcalloc(result->n_findings + 1, sizeof(*w->order));
	for (size_t i = 0; i < result->n_findings; i++)
		if (result->findings[i].strip && result->findings[i].cls >= min)
			w->order[w->n_order++] = i;
	qsort_r(w->order, w->n_order, sizeof(*w->order), by_offset, (void *)result);
	/* Drop ranges inside an earlier one (a part within a cut part). */
	size_t kept = 0;
	for (size_t i = 0; i < w->n_order; i++) {
		const struct attach_finding *f = &result->findings[w->order[i]];
		if (kept > 0) {
			const struct attach_finding *p = &result->findings[w->order[kept - 1]];
			if (f->offset < p->offset + p->len)
				continue;
		}
		w->order[kept++] = w->order[i];
	}
	w->n_order = kept;
	splice_init(&w->splice, next_cut, notice_part, w);
	return kept;
}

void attach_strip_deinit(struct attach_strip_writer *w)
{
	FREE_AND_NULL(w->order);
}

/* has_8bit: text holds bytes outside ASCII. */
static int has_8bit(const char *text)
{
	for (; *text != '\0'; text++)
		if ((unsigned char)*text >= 0x80)
			return 1;
	return 0;
}

/* notice_part: the part put in place of a cut finding. */
static void notice_part(void *context, const struct splice_range *range, struct buf *out)
{
	const struct attach_strip_writer *w = context;
	const struct attach_finding *f = range->item;
	int eight = has_8bit(f->name) || has_8bit(w->notice);

	buf_printf(out,
		   "Content-Type: text/plain; charset=%s\r\n"
		   "Content-Disposition: inline\r\n"
		   "Content-Transfer-Encoding: %s\r\n"
		   "\r\n"
		   "%s\r\n"
		   "File: %s\r\n"
		   "Reason: %s\r\n",
		   eight ? "utf-8" : "us-ascii", eight ? "8bit" : "7bit", w->notice,
		   *f->name != '\0' ? f->name : "(no name)", f->reason);
}

/* next_cut: the range of the next finding to cut. */
static int next_cut(void *context, struct splice_range *range_r)
{
	struct attach_strip_writer *w = context;

	if (w->next >= w->n_order)
		return 0;
	const struct attach_finding *f = &w->result->findings[w->order[w->next++]];
	*range_r = (struct splice_range){.offset = f->offset, .len = f->len, .item = f};
	return 1;
}

void attach_strip_write(struct attach_strip_writer *w, const char *data, size_t len,
			struct buf *out)
{
	splice_write(&w->splice, data, len, out);
}

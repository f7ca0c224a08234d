/* smtp_data.c: DATA and BDAT content decoder: line assembly, dot-stuffing,
 * the <CRLF>.<CRLF> end marker and nothing else, bare LF/CR handling, size,
 * header and 8-bit accounting (see smtp_data.h). */
#include "smtp_data.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

enum line_class {
	LINE_UNKNOWN, /* nothing of the line passed on yet */
	LINE_HEADER,
	LINE_BODY,
};

struct smtp_data {
	enum smtp_bare_mode mode;
	struct smtp_data_limits limits;
	smtp_data_line_fn fn;
	void *ctx;
	char *line; /* the current piece, limits.line_length bytes */
	size_t len;
	/* The current piece when it lies whole in the bytes being fed (len
	 * bytes there, passed on without a copy); NULL: it is in line. */
	const char *ref;

	int at_line_start;   /* no byte of the current line consumed yet */
	int dot_stripped;    /* the current line's leading dot was removed */
	int partial_emitted; /* a piece of the current line was passed on */
	int pending_cr;	     /* the last byte consumed was a CR */
	int prev_real;	     /* the previous line ended in a real CRLF */
	enum line_class line_class;
	int in_header; /* still in the header section */
	int saw_field; /* a header field was seen (continuations may follow) */

	int bdat; /* BDAT mode: no dot-stuffing, no end marker */
	uint64_t chunk_left;
	int chunk_last;

	int done;
	enum smtp_data_error error;
	struct smtp_data_stats stats;
};

struct smtp_data *smtp_data_new(enum smtp_bare_mode mode, const struct smtp_data_limits *limits,
				smtp_data_line_fn fn, void *ctx)
{
	if (limits->line_length == 0)
		log_panic("smtp_data_new: line_length must be positive");
	struct smtp_data *d = xcalloc(1, sizeof(*d));
	d->mode = mode;
	d->limits = *limits;
	d->fn = fn;
	d->ctx = ctx;
	d->line = xmalloc(limits->line_length);
	smtp_data_reset(d);
	return d;
}

void smtp_data_free(struct smtp_data **dp)
{
	if (dp == NULL || *dp == NULL)
		return;
	free((*dp)->line);
	FREE_AND_NULL(*dp);
}

static void line_state_reset(struct smtp_data *d)
{
	d->len = 0;
	d->ref = NULL;
	d->at_line_start = 1;
	d->dot_stripped = 0;
	d->partial_emitted = 0;
	d->line_class = LINE_UNKNOWN;
}

void smtp_data_reset(struct smtp_data *d)
{
	line_state_reset(d);
	d->pending_cr = 0;
	d->prev_real = 1;
	d->in_header = 1;
	d->saw_field = 0;
	d->bdat = 0;
	d->chunk_left = 0;
	d->chunk_last = 0;
	d->done = 0;
	d->error = SMTP_DATA_OK;
	memset(&d->stats, 0, sizeof(d->stats));
}

void smtp_data_bdat(struct smtp_data *d, uint64_t size, int last)
{
	d->bdat = 1;
	d->chunk_left = size;
	d->chunk_last = last;
}

int smtp_data_done(const struct smtp_data *d)
{
	return d->done;
}

enum smtp_data_error smtp_data_error(const struct smtp_data *d)
{
	return d->error;
}

const struct smtp_data_stats *smtp_data_stats(const struct smtp_data *d)
{
	return &d->stats;
}

enum smtp_reply_id smtp_data_error_reply(enum smtp_data_error error)
{
	switch (error) {
	case SMTP_DATA_BARE_LF:
		return SMTP_R_BARE_LF;
	case SMTP_DATA_BARE_CR:
		return SMTP_R_BARE_CR;
	case SMTP_DATA_TOO_BIG:
		return SMTP_R_SIZE_EXCEEDED;
	case SMTP_DATA_HEADER_TOO_BIG:
		return SMTP_R_HEADER_EXCEEDED;
	case SMTP_DATA_CONSUMER:
		return SMTP_R_QUEUE_WRITE;
	case SMTP_DATA_OK:
		break;
	}
	log_panic("smtp_data_error_reply: no reply for error %d", (int)error);
}

static void fail(struct smtp_data *d, enum smtp_data_error error)
{
	if (d->error == SMTP_DATA_OK)
		d->error = error;
}

static void add_size(struct smtp_data *d, uint64_t n)
{
	d->stats.size += n;
	if (d->limits.message_size != 0 && d->stats.size > d->limits.message_size)
		fail(d, SMTP_DATA_TOO_BIG);
}

/* header_field: the piece starts with a header field name and its colon. */
static int header_field(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] >= '!' && s[i] <= '~' && s[i] != ':')
		i++;
	if (i == 0)
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n && s[i] == ':';
}

static enum line_class classify(struct smtp_data *d, const char *s, size_t n, int whole)
{
	if (d->in_header) {
		if (n > 0 && (s[0] == ' ' || s[0] == '\t') && d->saw_field)
			return LINE_HEADER;
		if (!(whole && n == 0) && header_field(s, n)) {
			d->saw_field = 1;
			return LINE_HEADER;
		}
		d->in_header = 0;
	}
	return LINE_BODY;
}

/* has_8bit: a byte >= 0x80 in s[0..n), eight bytes at a time. */
static int has_8bit(const char *s, size_t n)
{
	uint64_t any = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		any |= w;
	}
	for (; i < n; i++)
		any |= (unsigned char)s[i];
	return (any & 0x8080808080808080ull) != 0;
}

/* emit: pass on one piece of the current line (partial: more follows). */
static void emit(struct smtp_data *d, const char *s, size_t n, int partial)
{
	if (d->line_class == LINE_UNKNOWN)
		d->line_class = classify(d, s, n, !partial && !d->partial_emitted);
	int header = d->line_class == LINE_HEADER;
	int *seen_8bit = header ? &d->stats.header_8bit : &d->stats.body_8bit;
	if (!*seen_8bit && has_8bit(s, n))
		*seen_8bit = 1;
	if (header) {
		d->stats.header_size += n + (partial ? 0 : 2);
		if (d->limits.header_size != 0 && d->stats.header_size > d->limits.header_size)
			fail(d, SMTP_DATA_HEADER_TOO_BIG);
	}
	if (partial)
		d->partial_emitted = 1;
	if (d->error != SMTP_DATA_OK)
		return;
	unsigned flags = (partial ? SMTP_DATA_PARTIAL : 0) | (header ? SMTP_DATA_HEADER : 0);
	if (d->fn(d->ctx, s, n, flags) < 0)
		fail(d, SMTP_DATA_CONSUMER);
}

/* own_piece: copy a piece that lies in the bytes being fed into line,
 * before they go away. */
static void own_piece(struct smtp_data *d)
{
	if (d->ref == NULL)
		return;
	memcpy(d->line, d->ref, d->len);
	d->ref = NULL;
}

/* add_bytes: n content bytes (no CR, no LF) of the current line, which
 * stay valid until smtp_data_feed returns. */
static void add_bytes(struct smtp_data *d, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (d->at_line_start) {
		d->at_line_start = 0;
		if (!d->bdat && p[0] == '.') {
			d->dot_stripped = 1;
			p++;
			n--;
		}
	}
	if (d->len == 0 && n > 0 && n <= d->limits.line_length) {
		/* The usual case, a line within one input chunk: no copy. */
		add_size(d, n);
		d->ref = p;
		d->len = n;
		return;
	}
	own_piece(d);
	while (n > 0) {
		if (d->len == d->limits.line_length) {
			emit(d, d->line, d->len, 1);
			d->len = 0;
		}
		size_t k = d->limits.line_length - d->len;
		if (k > n)
			k = n;
		/* Counted piece by piece so that the size limit trips at the same
		 * point of the output however the input is chunked. */
		add_size(d, k);
		memcpy(d->line + d->len, p, k);
		d->len += k;
		p += k;
		n -= k;
	}
}

/* end_line: the current line ends, with a real CRLF or a bare LF/CR.
 * Returns 1 when it was the DATA end marker. */
static int end_line(struct smtp_data *d, int real)
{
	if (!d->bdat && real && d->prev_real && d->dot_stripped && d->len == 0 &&
	    !d->partial_emitted) {
		d->done = 1;
		return 1;
	}
	add_size(d, 2);
	emit(d, d->ref != NULL ? d->ref : d->line, d->len, 0);
	if (d->partial_emitted)
		d->stats.split_lines++;
	line_state_reset(d);
	d->prev_real = real;
	return 0;
}

static void bare(struct smtp_data *d, enum smtp_data_error error)
{
	if (d->mode == SMTP_BARE_REJECT)
		fail(d, error);
	end_line(d, 0);
}

/* finish_bdat: after the LAST chunk: a pending CR is bare, and a final line
 * without a line end is passed on as a line. */
static void finish_bdat(struct smtp_data *d)
{
	if (d->pending_cr) {
		d->pending_cr = 0;
		bare(d, SMTP_DATA_BARE_CR);
	}
	if (!d->at_line_start)
		end_line(d, 1);
	d->done = 1;
}

/* next_line_end: the offset of the first CR or LF in data[i..avail), or
 * avail. *lf_at caches where the next LF is (avail: none; SIZE_MAX: not
 * looked for yet), so that a run of CRs without an LF is scanned once, not
 * once per CR. */
static size_t next_line_end(const char *data, size_t i, size_t avail, size_t *lf_at)
{
	if (*lf_at == SIZE_MAX || *lf_at < i) {
		const char *lf = memchr(data + i, '\n', avail - i);
		*lf_at = lf != NULL ? (size_t)(lf - data) : avail;
	}
	const char *cr = memchr(data + i, '\r', *lf_at - i);
	return cr != NULL ? (size_t)(cr - data) : *lf_at;
}

int smtp_data_feed(struct smtp_data *d, const char *data, size_t len, size_t *consumed_r)
{
	size_t avail = len, i = 0;
	size_t lf_at = SIZE_MAX;

	*consumed_r = 0;
	if (d->done)
		return 1;
	if (d->bdat && d->chunk_left < avail)
		avail = (size_t)d->chunk_left;
	while (i < avail) {
		if (d->pending_cr) {
			d->pending_cr = 0;
			if (data[i] == '\n') {
				i++;
				if (end_line(d, 1)) {
					*consumed_r = i;
					return 1;
				}
				continue;
			}
			bare(d, SMTP_DATA_BARE_CR);
		}
		size_t j = next_line_end(data, i, avail, &lf_at);
		add_bytes(d, data + i, j - i);
		i = j;
		if (i == avail)
			break;
		if (data[i++] == '\r')
			d->pending_cr = 1;
		else
			bare(d, SMTP_DATA_BARE_LF);
	}
	own_piece(d);
	*consumed_r = i;
	if (!d->bdat)
		return 0;
	d->chunk_left -= i;
	if (d->chunk_left > 0)
		return 0;
	if (d->chunk_last)
		finish_bdat(d);
	return 1;
}

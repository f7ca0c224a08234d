/* dsn_engine.c: one message through postern-dsn (see dsn_engine.h). The
 * MIME parser's events are copied to a new body, part by part: each
 * part's headers are held until they are complete, so that its role in
 * the report is known (human-readable text, delivery status, returned
 * message) and its headers can be adjusted; then its content is copied,
 * filtered line by line, rewritten field by field, cut or dropped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn_private.h"
#include "header.h"
#include "mem.h"

enum dsn_role {
	ROLE_PRIMARY,	  /* the message itself */
	ROLE_PENDING,	  /* headers not complete yet */
	ROLE_HUMAN,	  /* human-readable text, or a container of it */
	ROLE_STATUS,	  /* message/delivery-status */
	ROLE_RETURNED,	  /* the part with the returned message or its headers */
	ROLE_RETURNED_IN, /* inside an attached returned message */
	ROLE_OTHER,	  /* copied as it is */
	ROLE_DROPPED,	  /* the returned part, left out with its boundary */
};

/* A header held until its part's headers are complete. */
struct held {
	size_t at, len; /* its raw bytes in dsn_scan.head */
	char *name;
	int drop; /* an internal Received header of the returned message */
};

struct dsn_ent {
	enum dsn_role role;
	enum mime_part_kind kind;
	int parent_role;
	int rfc822_headers; /* a text/rfc822-headers leaf */
};

struct dsn_scan {
	const struct dsn_rules *rules;
	struct mime_parser *parser;
	struct dsn_result result;
	int stopped; /* not a DSN, or a lookup failed */
	struct buf out;
	struct dsn_ent *stack;
	size_t depth, size;
	/* Headers of the part being read. */
	struct buf head;
	struct held *held;
	size_t n_held;
	/* Primary header names, for the index of each edit. */
	char **names;
	size_t n_names;
	size_t boundary_at; /* out's length before the last boundary line */
	int status_seen;    /* a delivery-status part came: later text is no report text */
	int cut;	    /* in the returned part after its headers, cut away */
	struct buf line;    /* a decoded line not complete yet */
	struct buf status;  /* the decoded delivery-status part */
	struct buf hraw;    /* a returned header (text/rfc822-headers) being read */
	struct buf htext;
	/* The report's boundary, replaced when the filter finds it says too
	 * much (Postfix puts its host name in it). */
	char **ctypes; /* the Content-Type header values, unfolded */
	size_t n_ctypes;
	size_t *ctype_nth;
	char *old_boundary;
	char *new_boundary;
};

static struct dsn_ent *top(const struct dsn_scan *s)
{
	return &s->stack[s->depth - 1];
}

static void stop(struct dsn_scan *s)
{
	s->stopped = 1;
}

/* --- the DSN's own headers ------------------------------------------------ */

static int structural(const char *name, size_t len)
{
	return (len == 12 && strncasecmp(name, "MIME-Version", 12) == 0) ||
	       (len > 8 && strncasecmp(name, "Content-", 8) == 0);
}

/* refold: new, a rewrite of the unfolded value old, with the folds that
 * folded (old with "\n" where its lines were joined) had outside the
 * rewritten part: before the first and after the last character that
 * differ. A fold is kept only where the next character is a blank, as
 * RFC 5322 section 2.2.3 wants. Returns a new string. */
static char *refold(const char *folded, const char *old, const char *new)
{
	size_t old_len = strlen(old), new_len = strlen(new), prefix = 0, suffix = 0;
	while (prefix < old_len && prefix < new_len && old[prefix] == new[prefix])
		prefix++;
	while (suffix < old_len - prefix && suffix < new_len - prefix &&
	       old[old_len - 1 - suffix] == new[new_len - 1 - suffix])
		suffix++;
	struct buf out;
	buf_init(&out, new_len + 8);
	size_t done = 0, at = 0; /* new's bytes copied; old's index of the next fold */
	for (const char *p = folded; *p != '\0'; p++) {
		if (*p != '\n') {
			at++;
			continue;
		}
		size_t to;
		if (at <= prefix)
			to = at;
		else if (at >= old_len - suffix)
			to = at - old_len + new_len;
		else
			continue;
		if (to < done || (new[to] != ' ' && new[to] != '\t'))
			continue;
		buf_append(&out, new + done, to - done);
		buf_append_char(&out, '\n');
		done = to;
	}
	buf_append(&out, new + done, new_len - done);
	char *folded_new = buf_detach(&out);
	buf_deinit(&out); /* detaching leaves an empty buffer */
	return folded_new;
}

static void add_edit(struct dsn_scan *s, const char *name, size_t nth, char *value)
{
	struct dsn_result *r = &s->result;

	r->edits = xreallocarray(r->edits, r->n_edits + 1, sizeof(*r->edits));
	r->edits[r->n_edits++] =
		(struct dsn_header_edit){.name = xstrdup(name), .name_index = nth, .value = value};
}

static void primary_header(struct dsn_scan *s, const struct mime_header *h)
{
	size_t nth = 1;
	for (size_t i = 0; i < s->n_names; i++)
		if (strlen(s->names[i]) == h->name_len &&
		    strncasecmp(s->names[i], h->text, h->name_len) == 0)
			nth++;
	s->names = xreallocarray(s->names, s->n_names + 1, sizeof(*s->names));
	s->names[s->n_names++] = xstrndup(h->text, h->name_len);
	/* The value, unfolded (header.h keeps "\n" where lines were joined). */
	struct buf value;
	buf_init(&value, 0);
	const char *v = h->text + h->name_len + 1;
	v += strspn(v, " \t");
	header_unfold(v, strlen(v), &value);
	if (h->name_len == 12 && strncasecmp(h->text, "Content-Type", 12) == 0) {
		s->ctypes = xreallocarray(s->ctypes, s->n_ctypes + 1, sizeof(*s->ctypes));
		s->ctype_nth = xreallocarray(s->ctype_nth, s->n_ctypes + 1, sizeof(*s->ctype_nth));
		s->ctype_nth[s->n_ctypes] = nth;
		s->ctypes[s->n_ctypes++] = xstrdup(buf_cstr(&value));
	}
	if (structural(h->text, h->name_len)) {
		buf_deinit(&value);
		return;
	}
	char *status = NULL, *text = NULL;
	if (dsn_apply(s->rules, &s->result, DSN_NO_STATUS, buf_cstr(&value), &status, &text) > 0) {
		char *name = xstrndup(h->text, h->name_len);
		add_edit(s, name, nth, refold(v, buf_cstr(&value), text));
		free(name);
	}
	free(status);
	free(text);
	buf_deinit(&value);
	if (s->result.tempfail)
		stop(s);
}

static void edits_reset(struct dsn_result *r)
{
	for (size_t i = 0; i < r->n_edits; i++) {
		free(r->edits[i].name);
		free(r->edits[i].value);
	}
	FREE_AND_NULL(r->edits);
	r->n_edits = 0;
	r->texts_changed = 0;
}

/* new_boundary: when the filter changes the report's boundary, a new one
 * (the hash of the old, so the same DSN always gets the same) in
 * Content-Type and on every boundary line of the report. */
static void new_boundary(struct dsn_scan *s, const struct mime_part *part)
{
	const struct rfc2231_param *b = rfc2231_params_find(&part->type_params, "boundary");
	char *status = NULL, *text = NULL;

	if (b == NULL || *b->value == '\0' ||
	    dsn_apply(s->rules, &s->result, DSN_NO_STATUS, b->value, &status, &text) <= 0)
		return;
	free(status);
	free(text);
	for (size_t i = 0; i < s->n_ctypes; i++) {
		char *at = strstr(s->ctypes[i], b->value);
		if (at == NULL)
			continue;
		uint64_t hash = 14695981039346656037ULL; /* FNV-1a */
		for (const char *p = b->value; *p != '\0'; p++)
			hash = (hash ^ (unsigned char)*p) * 1099511628211ULL;
		s->old_boundary = xstrdup(b->value);
		s->new_boundary = xasprintf("=_postern-dsn_%016llx", (unsigned long long)hash);
		add_edit(s, "Content-Type", s->ctype_nth[i],
			 xasprintf("%.*s%s%s", (int)(at - s->ctypes[i]), s->ctypes[i],
				   s->new_boundary, at + strlen(b->value)));
		return;
	}
}

/* boundary_line: a boundary line as it goes out. */
static void boundary_line(struct dsn_scan *s, const struct mime_event *ev)
{
	const struct mime_line *ln = ev->line;
	size_t old = s->old_boundary != NULL ? strlen(s->old_boundary) : 0;

	if (!ln->continued)
		s->boundary_at = buf_len(&s->out);
	if (old > 0 && ev->part->id == 0 && !ln->continued && ln->raw_len >= old + 2 &&
	    memcmp(ln->raw, "--", 2) == 0 && memcmp(ln->raw + 2, s->old_boundary, old) == 0) {
		buf_printf(&s->out, "--%s", s->new_boundary);
		buf_append(&s->out, ln->raw + 2 + old, ln->raw_len - 2 - old);
		return;
	}
	buf_append(&s->out, ln->raw, ln->raw_len);
}

/* is_dsn: the message's headers are complete: is it a DSN? */
static int is_dsn(const struct mime_part *part)
{
	const struct rfc2231_param *p = rfc2231_params_find(&part->type_params, "report-type");

	return strcmp(part->type, "multipart") == 0 && strcmp(part->subtype, "report") == 0 &&
	       p != NULL &&
	       (strcasecmp(p->value, "delivery-status") == 0 ||
		strcasecmp(p->value, "global-delivery-status") == 0);
}

/* --- returned headers ---------------------------------------------------- */

/* returned_header_done: a complete header of the returned message read as
 * text (text/rfc822-headers): kept or, when an internal Received, left out. */
static void returned_header_done(struct dsn_scan *s)
{
	if (buf_len(&s->hraw) == 0)
		return;
	const char *text = buf_cstr(&s->htext);
	int internal = strncasecmp(text, "Received:", 9) == 0 &&
		       dsn_received_internal(s->rules, &s->result, text);
	if (internal)
		s->result.received_removed++;
	else
		buf_append(&s->out, buf_cstr(&s->hraw), buf_len(&s->hraw));
	buf_reset(&s->hraw);
	buf_reset(&s->htext);
}

/* returned_header_line: one line of a text/rfc822-headers part. */
static void returned_header_line(struct dsn_scan *s, const char *line, size_t len, int eol)
{
	int cont = len > 0 && (line[0] == ' ' || line[0] == '\t');

	if (cont && buf_len(&s->hraw) > 0) {
		buf_append_char(&s->htext, '\n');
	} else {
		returned_header_done(s);
		if (header_name_len(line, len) == 0) {
			buf_append(&s->out, line, len);
			if (eol)
				buf_append_str(&s->out, "\r\n");
			return;
		}
	}
	buf_append(&s->htext, line, len);
	buf_append(&s->hraw, line, len);
	if (eol)
		buf_append_str(&s->hraw, "\r\n");
}

/* --- decoded text, line by line ------------------------------------------ */

static void text_line(struct dsn_scan *s, const char *line, size_t len, int eol)
{
	const struct dsn_ent *e = top(s);

	if (e->rfc822_headers) {
		returned_header_line(s, line, len, eol);
		return;
	}
	char *copy = xstrndup(line, len), *status = NULL, *text = NULL;
	if (len > 0 && dsn_apply(s->rules, &s->result, DSN_NO_STATUS, copy, &status, &text) > 0)
		buf_append_str(&s->out, text);
	else
		buf_append(&s->out, line, len);
	if (eol)
		buf_append_str(&s->out, "\r\n");
	free(copy);
	free(status);
	free(text);
}

static void text_content(struct dsn_scan *s, const unsigned char *data, size_t len)
{
	const char *p = (const char *)data;

	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		if (nl == NULL) {
			buf_append(&s->line, p, len);
			return;
		}
		buf_append(&s->line, p, (size_t)(nl - p));
		size_t n = buf_len(&s->line);
		if (n > 0 && buf_cstr(&s->line)[n - 1] == '\r')
			n--;
		text_line(s, buf_cstr(&s->line), n, 1);
		buf_reset(&s->line);
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

/* text_end: the rest of the decoded text, then the line break that goes
 * with the boundary. */
static void text_end(struct dsn_scan *s)
{
	text_line(s, buf_cstr(&s->line), buf_len(&s->line), 0);
	buf_reset(&s->line);
	if (top(s)->rfc822_headers)
		returned_header_done(s);
	buf_append_str(&s->out, "\r\n");
}

/* --- parts ---------------------------------------------------------------- */

static enum dsn_role child_role(enum dsn_role parent)
{
	switch (parent) {
	case ROLE_PRIMARY:
	case ROLE_HUMAN:
		return ROLE_PENDING;
	case ROLE_RETURNED:
	case ROLE_RETURNED_IN:
		return ROLE_RETURNED_IN;
	case ROLE_DROPPED:
		return ROLE_DROPPED;
	default:
		return ROLE_OTHER;
	}
}

static void part_start(struct dsn_scan *s, const struct mime_part *part)
{
	enum dsn_role parent = s->depth > 0 ? top(s)->role : ROLE_PRIMARY;

	s->stack = xgrowarray(s->stack, &s->size, s->depth, sizeof(*s->stack));
	s->stack[s->depth++] = (struct dsn_ent){
		.role = part->kind == MIME_PART_MESSAGE ? ROLE_PRIMARY : child_role(parent),
		.kind = part->kind,
		.parent_role = (int)parent,
	};
	buf_reset(&s->head);
}

static void held_reset(struct dsn_scan *s)
{
	for (size_t i = 0; i < s->n_held; i++)
		free(s->held[i].name);
	s->n_held = 0;
	buf_reset(&s->head);
}

static void part_header(struct dsn_scan *s, const struct mime_header *h)
{
	struct dsn_ent *e = top(s);

	if (e->role == ROLE_PRIMARY) {
		primary_header(s, h);
		return;
	}
	int drop = 0;
	if (e->role == ROLE_RETURNED_IN && h->block == HEADER_BLOCK_NESTED && h->name_len == 8 &&
	    strncasecmp(h->text, "Received", 8) == 0) {
		drop = dsn_received_internal(s->rules, &s->result, h->text);
		if (drop < 0)
			stop(s);
		if (drop > 0)
			s->result.received_removed++;
	}
	s->held = xreallocarray(s->held, s->n_held + 1, sizeof(*s->held));
	s->held[s->n_held++] = (struct held){.at = buf_len(&s->head),
					     .len = h->raw_len,
					     .name = xstrndup(h->text, h->name_len),
					     .drop = drop > 0};
	buf_append(&s->head, h->raw, h->raw_len);
}

/* decide: the role of a part whose headers are complete. */
static enum dsn_role decide(struct dsn_scan *s, const struct dsn_ent *e,
			    const struct mime_part *part)
{
	const char *t = part->type, *st = part->subtype;
	int text = strcmp(t, "text") == 0;

	if (e->role != ROLE_PENDING)
		return e->role;
	if (e->parent_role == ROLE_HUMAN)
		return text || part->multipart ? ROLE_HUMAN : ROLE_OTHER;
	if (strcmp(t, "message") == 0 &&
	    (strcmp(st, "delivery-status") == 0 || strcmp(st, "global-delivery-status") == 0)) {
		s->status_seen = 1;
		return ROLE_STATUS;
	}
	if ((strcmp(t, "message") == 0 && (strcmp(st, "rfc822") == 0 || strcmp(st, "global") == 0 ||
					   strcmp(st, "global-headers") == 0)) ||
	    (text && strcmp(st, "rfc822-headers") == 0))
		return s->rules->return_content == DSN_RETURN_NONE ? ROLE_DROPPED : ROLE_RETURNED;
	if (!s->status_seen && (text || part->multipart))
		return ROLE_HUMAN;
	return ROLE_OTHER;
}

/* emit_head: the held headers, adjusted to what the part becomes. */
static void emit_head(struct dsn_scan *s, const struct dsn_ent *e, const struct mime_part *part)
{
	int decoded = (e->role == ROLE_HUMAN || e->role == ROLE_STATUS) && !part->multipart &&
		      (part->encoding == MIME_ENC_QP || part->encoding == MIME_ENC_BASE64);
	int cut = e->role == ROLE_RETURNED && s->rules->return_content == DSN_RETURN_HEADERS &&
		  part->attached_message;

	for (size_t i = 0; i < s->n_held; i++) {
		const struct held *h = &s->held[i];
		if (h->drop)
			continue;
		if (decoded && strcasecmp(h->name, "Content-Transfer-Encoding") == 0)
			continue;
		if (cut && strcasecmp(h->name, "Content-Type") == 0) {
			buf_append_str(&s->out, "Content-Type: text/rfc822-headers\r\n");
			continue;
		}
		buf_append(&s->out, buf_cstr(&s->head) + h->at, h->len);
	}
	if (decoded)
		buf_append_str(&s->out, "Content-Transfer-Encoding: 8bit\r\n");
	if (cut)
		s->result.returned_cut = 1;
}

static void headers_end(struct dsn_scan *s, const struct mime_part *part,
			const struct mime_line *blank)
{
	struct dsn_ent *e = top(s);

	if (e->role == ROLE_PRIMARY) {
		if (!is_dsn(part)) {
			edits_reset(&s->result);
			stop(s);
			return;
		}
		s->result.is_dsn = 1;
		new_boundary(s, part);
		return;
	}
	e->role = decide(s, e, part);
	e->rfc822_headers = e->role == ROLE_RETURNED && strcmp(part->type, "text") == 0;
	if (e->role == ROLE_DROPPED) {
		if (e->parent_role != ROLE_DROPPED) {
			buf_truncate(&s->out, s->boundary_at);
			s->result.returned_dropped = 1;
		}
	} else if (!s->cut) {
		emit_head(s, e, part);
		if (blank != NULL)
			buf_append(&s->out, blank->raw, blank->raw_len);
		else if (e->kind == MIME_PART_ATTACHED && e->role == ROLE_RETURNED_IN)
			buf_append_str(&s->out, "\r\n");
	}
	/* The returned message cut to its headers: nothing more of it. */
	if (e->kind == MIME_PART_ATTACHED && e->role == ROLE_RETURNED_IN &&
	    s->rules->return_content == DSN_RETURN_HEADERS)
		s->cut = 1;
	held_reset(s);
}

static int silent(const struct dsn_scan *s)
{
	return s->cut || top(s)->role == ROLE_DROPPED;
}

static void body_line(struct dsn_scan *s, const struct mime_line *ln)
{
	struct dsn_ent *e = top(s);

	if (silent(s))
		return;
	if (ln->kind != MIME_BODY_CONTENT) {
		buf_append(&s->out, ln->raw, ln->raw_len);
		return;
	}
	switch (e->role) {
	case ROLE_HUMAN:
		text_content(s, ln->decoded, ln->decoded_len);
		break;
	case ROLE_RETURNED:
		if (e->rfc822_headers)
			text_content(s, ln->decoded, ln->decoded_len);
		else
			buf_append(&s->out, ln->raw, ln->raw_len);
		break;
	case ROLE_STATUS:
		buf_append(&s->status, ln->decoded, ln->decoded_len);
		break;
	default:
		buf_append(&s->out, ln->raw, ln->raw_len);
		break;
	}
}

static void part_end(struct dsn_scan *s, const struct mime_part *part)
{
	struct dsn_ent *e = top(s);
	int leaf = !part->multipart && !part->attached_message;

	if (leaf && !silent(s)) {
		if (e->role == ROLE_HUMAN || (e->role == ROLE_RETURNED && e->rfc822_headers)) {
			text_end(s);
		} else if (e->role == ROLE_STATUS) {
			if (dsn_fields_rewrite(s->rules, &s->result, buf_cstr(&s->status),
					       buf_len(&s->status), &s->out) < 0)
				stop(s);
			buf_append_str(&s->out, "\r\n");
		}
	}
	buf_reset(&s->status);
	if (e->role == ROLE_RETURNED)
		s->cut = 0;
	s->depth--;
}

static int scan_event(const struct mime_event *ev, void *context)
{
	struct dsn_scan *s = context;

	switch (ev->type) {
	case MIME_EV_PART_START:
		part_start(s, ev->part);
		break;
	case MIME_EV_HEADER:
		part_header(s, ev->header);
		break;
	case MIME_EV_HEADERS_END:
		headers_end(s, ev->part, ev->line);
		break;
	case MIME_EV_BODY:
		body_line(s, ev->line);
		break;
	case MIME_EV_BOUNDARY:
		if (!silent(s))
			boundary_line(s, ev);
		break;
	case MIME_EV_PART_END:
		part_end(s, ev->part);
		break;
	case MIME_EV_ERROR:
		s->result.mime_errors |= ev->error;
		break;
	case MIME_EV_END:
		break;
	}
	return s->stopped || s->result.tempfail ? -1 : 0;
}

struct dsn_scan *dsn_scan_new(const struct dsn_rules *rules, int null_sender)
{
	struct dsn_scan *s = xcalloc(1, sizeof(*s));

	s->rules = rules;
	s->stopped = !null_sender;
	buf_init(&s->out, 0);
	buf_init(&s->head, 0);
	buf_init(&s->line, 0);
	buf_init(&s->status, 0);
	buf_init(&s->hraw, 0);
	buf_init(&s->htext, 0);
	s->parser = mime_parser_new(&rules->mime, scan_event, s);
	return s;
}

void dsn_scan_free(struct dsn_scan **scan_r)
{
	struct dsn_scan *s;

	if (scan_r == NULL || (s = *scan_r) == NULL)
		return;
	mime_parser_free(&s->parser);
	held_reset(s);
	free(s->held);
	for (size_t i = 0; i < s->n_names; i++)
		free(s->names[i]);
	free(s->names);
	edits_reset(&s->result);
	for (size_t i = 0; i < s->n_ctypes; i++)
		free(s->ctypes[i]);
	free(s->ctypes);
	free(s->ctype_nth);
	free(s->old_boundary);
	free(s->new_boundary);
	free(s->result.error);
	free(s->result.warning);
	free(s->stack);
	buf_deinit(&s->out);
	buf_deinit(&s->head);
	buf_deinit(&s->line);
	buf_deinit(&s->status);
	buf_deinit(&s->hraw);
	buf_deinit(&s->htext);
	FREE_AND_NULL(*scan_r);
}

int dsn_scan_feed(struct dsn_scan *s, const void *data, size_t len)
{
	if (!s->stopped)
		mime_parser_feed(s->parser, data, len);
	return !s->stopped;
}

void dsn_scan_finish(struct dsn_scan *s)
{
	if (!s->stopped)
		mime_parser_finish(s->parser);
	if (s->stopped && !s->result.tempfail)
		s->result.is_dsn = 0;
}

const struct dsn_result *dsn_scan_result(const struct dsn_scan *s)
{
	return &s->result;
}

const struct buf *dsn_scan_body(const struct dsn_scan *s)
{
	return &s->out;
}

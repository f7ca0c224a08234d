/* rfc2231.c: MIME parameter lists with RFC 2231 sections, charsets and
 * percent-encoding (see rfc2231.h). */
#include "rfc2231.h"
#include "hex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mime_charset.h"

/* One name=value item as it appears in the list, before sections are
 * joined. */
struct rfc2231_item {
	char *name;	     /* lower case, RFC 2231 suffixes removed */
	unsigned long index; /* section number (0 when unsectioned) */
	int extended;	     /* name* or name*N */
	int encoded;	     /* trailing "*": percent-encoded */
	struct buf value;
	char *raw;    /* junk after the value: the whole text, else NULL */
	size_t order; /* position in the list */
	int used;
};

void rfc2231_params_init(struct rfc2231_params *p)
{
	p->v = NULL;
	p->count = 0;
	p->bytes = 0;
	p->defects = 0;
}

void rfc2231_params_deinit(struct rfc2231_params *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
		free(p->v[i].raw);
		free(p->v[i].charset);
		free(p->v[i].language);
	}
	FREE_AND_NULL(p->v);
	p->count = 0;
	p->bytes = 0;
}

static size_t str_bytes(const char *s)
{
	return s == NULL ? 0 : strlen(s) + 1;
}

static void params_add(struct rfc2231_params *p, char *name, struct buf *value, char *raw,
		       char *charset, char *language, unsigned flags)
{
	p->v = xreallocarray(p->v, p->count + 1, sizeof(*p->v));
	struct rfc2231_param *pp = &p->v[p->count++];
	pp->name = name;
	pp->value_len = buf_len(value);
	pp->value = buf_detach(value);
	pp->raw = raw;
	pp->charset = charset;
	pp->language = language;
	pp->flags = flags;
	p->bytes += sizeof(*pp) + str_bytes(name) + pp->value_len + 1 + str_bytes(raw) +
		    str_bytes(charset) + str_bytes(language);
}

/* item_set_name: split "name", "name*", "name*N" or "name*N*". */
static void item_set_name(struct rfc2231_item *it, const char *atom, unsigned *defects)
{
	const char *star = strchr(atom, '*');
	size_t base = star == NULL ? strlen(atom) : (size_t)(star - atom);

	it->index = 0;
	it->extended = 0;
	it->encoded = 0;
	if (star != NULL && base > 0) {
		const char *s = star + 1;
		size_t digits = strspn(s, "0123456789");
		if (*s == '\0') {
			it->extended = it->encoded = 1;
		} else if (digits > 0 && digits <= 9 &&
			   (s[digits] == '\0' || strcmp(s + digits, "*") == 0)) {
			it->extended = 1;
			it->encoded = s[digits] == '*';
			it->index = strtoul(s, NULL, 10);
		} else {
			*defects |= RFC2231_SYNTAX;
			base = strlen(atom);
		}
	}
	it->name = xstrndup(atom, base);
	for (char *c = it->name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
}

/* A segment: the tokens between two ";". Only the first three tokens matter
 * (name, "=", value), as in Postfix. */
struct segment {
	enum header_token_type type[3];
	struct buf tok[3];
	size_t start[3];
	size_t ntok; /* tokens seen, possibly more than 3 */
	size_t end;  /* offset of the ";" or of the end of input */
	int last;    /* input ended */
};

static void segment_read(struct segment *sg, struct header_lexer *lx)
{
	struct buf extra;
	buf_init(&extra, 0);
	sg->ntok = 0;
	sg->last = 0;
	for (;;) {
		size_t start;
		struct buf *b = sg->ntok < 3 ? &sg->tok[sg->ntok] : &extra;
		enum header_token_type t = header_token_next(lx, b, &start);
		if (t == HEADER_TOKEN_END) {
			sg->end = lx->len;
			sg->last = 1;
			break;
		}
		if (t == HEADER_TOKEN_SPECIAL && buf_cstr(b)[0] == ';') {
			sg->end = start;
			break;
		}
		if (sg->ntok < 3) {
			sg->type[sg->ntok] = t;
			sg->start[sg->ntok] = start;
		}
		sg->ntok++;
	}
	buf_deinit(&extra);
}

static int is_lwsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* segment_item: turn a name=value segment into an item; 0 if it is not one. */
static int segment_item(struct segment *sg, const struct header_lexer *lx, struct rfc2231_item *it,
			unsigned *defects)
{
	if (sg->ntok < 3 || sg->type[0] != HEADER_TOKEN_ATOM ||
	    sg->type[1] != HEADER_TOKEN_SPECIAL || buf_cstr(&sg->tok[1])[0] != '=') {
		*defects |= RFC2231_SYNTAX;
		return 0;
	}
	item_set_name(it, buf_cstr(&sg->tok[0]), defects);
	buf_init(&it->value, 0);
	buf_append(&it->value, buf_cstr(&sg->tok[2]), buf_len(&sg->tok[2]));
	it->raw = NULL;
	if (sg->ntok > 3) {
		size_t from = sg->start[2], to = sg->end;
		while (to > from && is_lwsp(lx->s[to - 1]))
			to--;
		it->raw = xstrndup(lx->s + from, to - from);
		*defects |= RFC2231_SYNTAX;
	}
	it->used = 0;
	return 1;
}

static void percent_decode(const char *s, size_t len, struct buf *out, unsigned *defects)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hex_digit_value(s[i + 1]) >= 0 && hex_digit_value(s[i + 2]) >= 0) {
			buf_append_char(out, (char)(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2])));
			i += 2;
			continue;
		}
		if (s[i] == '%')
			*defects |= RFC2231_PERCENT;
		buf_append_char(out, s[i]);
	}
}

static int item_cmp(const void *a, const void *b)
{
	const struct rfc2231_item *x = *(const struct rfc2231_item *const *)a;
	const struct rfc2231_item *y = *(const struct rfc2231_item *const *)b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* join_sections: the RFC 2231 parameter made of the sections in group
 * (sorted), appended to p. */
static void join_sections(struct rfc2231_params *p, struct rfc2231_item **group, size_t n)
{
	struct buf bytes, utf8;
	char *charset = NULL, *language = NULL;
	unsigned long expect = 0;

	buf_init(&bytes, 0);
	for (size_t i = 0; i < n; i++) {
		struct rfc2231_item *it = group[i];
		const char *data = buf_cstr(&it->value);
		size_t len = buf_len(&it->value);
		if (i > 0 && it->index == group[i - 1]->index) {
			p->defects |= RFC2231_SECTIONS;
			continue;
		}
		if (it->index != expect)
			p->defects |= RFC2231_SECTIONS;
		expect = it->index + 1;
		if (it->encoded && it->index == 0) {
			const char *q1 = memchr(data, '\'', len);
			const char *q2 =
			    q1 == NULL ? NULL : memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - data));
			if (q2 != NULL) {
				charset = xstrndup(data, (size_t)(q1 - data));
				language = xstrndup(q1 + 1, (size_t)(q2 - q1 - 1));
				len -= (size_t)(q2 + 1 - data);
				data = q2 + 1;
			} else {
				p->defects |= RFC2231_SYNTAX;
			}
		}
		if (it->encoded)
			percent_decode(data, len, &bytes, &p->defects);
		else
			buf_append(&bytes, data, len);
	}
	if (charset != NULL && *charset != '\0') {
		buf_init(&utf8, 0);
		if (mime_charset_to_utf8(charset, buf_cstr(&bytes), buf_len(&bytes), &utf8) != 1)
			p->defects |= RFC2231_CHARSET;
		buf_deinit(&bytes);
		bytes = utf8;
	}
	params_add(p, xstrdup(group[0]->name), &bytes, NULL, charset, language, RFC2231_EXTENDED);
	buf_deinit(&bytes);
}

/* build_params: plain items become parameters as they are; the sections of
 * each RFC 2231 parameter are collected, sorted and joined. */
static void build_params(struct rfc2231_params *p, struct rfc2231_item *items, size_t n)
{
	struct rfc2231_item **group = xreallocarray(NULL, n > 0 ? n : 1, sizeof(*group));

	for (size_t i = 0; i < n; i++) {
		struct rfc2231_item *it = &items[i];
		if (it->used)
			continue;
		it->used = 1;
		if (!it->extended) {
			unsigned flags = it->raw != NULL ? RFC2231_JUNK : 0;
			char *raw = it->raw;
			it->raw = NULL;
			params_add(p, xstrdup(it->name), &it->value, raw, NULL, NULL, flags);
			continue;
		}
		size_t ng = 0;
		group[ng++] = it;
		for (size_t j = i + 1; j < n; j++) {
			if (!items[j].used && items[j].extended &&
			    strcmp(items[j].name, it->name) == 0) {
				items[j].used = 1;
				group[ng++] = &items[j];
			}
		}
		qsort(group, ng, sizeof(*group), item_cmp);
		join_sections(p, group, ng);
	}
	free(group);
}

void rfc2231_params_parse(struct rfc2231_params *p, struct header_lexer *lx)
{
	struct segment sg;
	struct rfc2231_item *items = NULL;
	size_t n = 0;

	for (int i = 0; i < 3; i++)
		buf_init(&sg.tok[i], 0);
	/* What the caller left of its own value, up to the first ";". */
	segment_read(&sg, lx);
	if (sg.ntok > 0)
		p->defects |= RFC2231_SYNTAX;
	while (!sg.last) {
		segment_read(&sg, lx);
		if (sg.ntok == 0)
			continue;
		if (n == RFC2231_MAX_SECTIONS) {
			p->defects |= RFC2231_TOO_MANY;
			continue;
		}
		items = xreallocarray(items, n + 1, sizeof(*items));
		if (segment_item(&sg, lx, &items[n], &p->defects)) {
			items[n].order = n;
			n++;
		}
	}
	if (lx->defects & HEADER_TOKEN_UNCLOSED)
		p->defects |= RFC2231_UNCLOSED;
	build_params(p, items, n);
	for (size_t i = 0; i < n; i++) {
		free(items[i].name);
		buf_deinit(&items[i].value);
		free(items[i].raw);
	}
	free(items);
	for (int i = 0; i < 3; i++)
		buf_deinit(&sg.tok[i]);
}

const struct rfc2231_param *rfc2231_params_find(const struct rfc2231_params *p, const char *name)
{
	const struct rfc2231_param *plain = NULL;

	for (size_t i = 0; i < p->count; i++) {
		if (strcmp(p->v[i].name, name) != 0)
			continue;
		if (p->v[i].flags & RFC2231_EXTENDED)
			return &p->v[i];
		if (plain == NULL)
			plain = &p->v[i];
	}
	return plain;
}

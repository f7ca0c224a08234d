/* mime_golden_test.c: for each tests/data/mime/NAME.eml, the parser's
 * event stream equals the reviewed NAME.ref; the same stream comes out
 * whatever the chunking (split at every position, byte by byte, and at
 * random points), also with lines cut into small pieces; and the raw bytes
 * of the events, put back together, are the input.
 *
 * MIME_REGEN=1 rewrites the .ref files from the parser's output: review the
 * difference before committing it. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mime.h"
#include "tap.h"

struct capture {
	struct buf desc; /* event descriptions */
	struct buf raw;	 /* raw bytes of the events */
};

static void add_raw(struct buf *out, const struct mime_event *ev)
{
	if (ev->type == MIME_EV_HEADER)
		buf_append(out, ev->header->raw, ev->header->raw_len);
	else if ((ev->type == MIME_EV_HEADERS_END || ev->type == MIME_EV_BODY ||
		  ev->type == MIME_EV_BOUNDARY) &&
		 ev->line != NULL)
		buf_append(out, ev->line->raw, ev->line->raw_len);
}

static int capture_event(const struct mime_event *ev, void *context)
{
	struct capture *c = context;

	add_raw(&c->raw, ev);
	return mime_describe_event(ev, &c->desc);
}

/* parse: feed data cut at the ascending offsets in cuts. */
static void parse(const struct mime_config *cfg, const char *data, size_t len, const size_t *cuts,
		  size_t ncuts, struct capture *c)
{
	struct mime_parser *p = mime_parser_new(cfg, capture_event, c);
	size_t at = 0;

	buf_init(&c->desc, 0);
	buf_init(&c->raw, 0);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		mime_parser_feed(p, data + at, end - at);
		at = end;
	}
	mime_parser_finish(p);
	mime_parser_free(&p);
}

static void capture_free(struct capture *c)
{
	buf_deinit(&c->desc);
	buf_deinit(&c->raw);
}

static char *read_file(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (fp == NULL)
		return NULL;
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	*len_r = buf_len(&b);
	char *data = buf_detach(&b);
	buf_deinit(&b);
	return data;
}

/* rng: a fixed xorshift sequence, so failures reproduce. */
static unsigned long rng_state = 88172645463325252UL;
static unsigned long rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* check_chunking: every way of cutting gives the reference stream. */
static void check_chunking(const char *name, const struct mime_config *cfg, const char *what,
			   const char *data, size_t len, const char *want)
{
	struct capture c;
	int ok = 1;
	size_t bad_at = 0;

	for (size_t split = 1; split < len && ok; split++) {
		parse(cfg, data, len, &split, 1, &c);
		if (strcmp(buf_cstr(&c.desc), want) != 0) {
			ok = 0;
			bad_at = split;
		}
		capture_free(&c);
	}
	tap_ok(ok, "%s%s: same events when split at any point", name, what);
	if (!ok)
		tap_diag("first difference when split at %zu", bad_at);

	size_t *cuts = xreallocarray(NULL, len + 1, sizeof(*cuts));
	for (size_t i = 0; i < len; i++)
		cuts[i] = i;
	parse(cfg, data, len, cuts, len, &c);
	tap_is_str(buf_cstr(&c.desc), want, "%s%s: same events byte by byte", name, what);
	capture_free(&c);

	ok = 1;
	for (int round = 0; round < 50 && ok; round++) {
		size_t n = len == 0 ? 0 : rng() % (len < 40 ? len : 40);
		for (size_t i = 0; i < n; i++)
			cuts[i] = rng() % (len + 1);
		qsort(cuts, n, sizeof(*cuts), cmp_size);
		parse(cfg, data, len, cuts, n, &c);
		ok = strcmp(buf_cstr(&c.desc), want) == 0;
		capture_free(&c);
	}
	tap_ok(ok, "%s%s: same events at random split points", name, what);
	free(cuts);
}

static void check_message(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s.eml", dir, name);
	char *ref_path = xasprintf("%s/%s.ref", dir, name);
	size_t len, ref_len;
	char *data = read_file(path, &len);
	struct mime_config cfg;
	struct capture c;

	mime_config_init(&cfg);
	parse(&cfg, data, len, NULL, 0, &c);
	if (getenv("MIME_REGEN") != NULL)
		tap_write_file(ref_path, buf_cstr(&c.desc));
	char *ref = read_file(ref_path, &ref_len);
	tap_is_str(buf_cstr(&c.desc), ref, "%s: events as in %s.ref", name, name);
	int truncated = strstr(buf_cstr(&c.desc), " truncated ") != NULL;
	tap_ok(truncated || (buf_len(&c.raw) == len && memcmp(buf_cstr(&c.raw), data, len) == 0),
	       "%s: the raw bytes of the events are the input", name);
	check_chunking(name, &cfg, "", data, len, buf_cstr(&c.desc));
	capture_free(&c);

	/* Lines in pieces of 7 bytes: a different stream, as stable. */
	cfg.line_length_limit = 7;
	parse(&cfg, data, len, NULL, 0, &c);
	tap_ok(buf_len(&c.raw) == len && memcmp(buf_cstr(&c.raw), data, len) == 0,
	       "%s, 7-byte pieces: the raw bytes of the events are the input", name);
	check_chunking(name, &cfg, ", 7-byte pieces", data, len, buf_cstr(&c.desc));
	capture_free(&c);

	free(ref);
	free(data);
	free(path);
	free(ref_path);
}

static int is_eml(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 4 && strcmp(d->d_name + n - 4, ".eml") == 0;
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char *dir = xasprintf("%s/tests/data/mime", top != NULL ? top : "..");
	struct dirent **names;
	int n = scandir(dir, &names, is_eml, alphasort);

	tap_ok(n > 10, "test messages found in %s", dir);
	for (int i = 0; i < n; i++) {
		names[i]->d_name[strlen(names[i]->d_name) - 4] = '\0';
		check_message(dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	free(dir);
	return tap_done();
}

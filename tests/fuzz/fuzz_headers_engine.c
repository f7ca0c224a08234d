/* fuzz_headers_engine.c: libFuzzer target for postern-headers' engine
 * (milters/headers/headers_engine.h) with a rule set that uses every
 * action, small MIME limits and a small body_checks_size_limit.
 * fuzz-extra-sources: milters/headers/headers_[aer]*.c
 *
 * Each input is scanned whole and in chunks of varying size; the target
 * aborts when the two results differ (verdict, reply, hold, recipients,
 * every edit), when an edit lies outside the input, or when the body
 * writer gives different bodies for different chunkings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "headers_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tables[HEADERS_N_CLASSES] = {
	"pcre:{ {/^Subject:.*reject/ REJECT no}, {/^Subject:.*later/ REJECT 4.7.1 later}, "
	"{/^X-I:/ IGNORE}, {/^X-S:/ STRIP}, {/^X-R: (.*)/ REPLACE X-R2: $1}, "
	"{/^X-P:/ PREPEND X-Added: 1}, {/^X-D:/ DISCARD}, {/^X-H:/ HOLD}, {/^X-B:/ BCC b@x.test}, "
	"{/^X-T:/ REDIRECT t@x.test}, {/^X-Pass:/ PASS}, {/^X-F:/ FILTER smtp:x}, "
	"{/^X-Bad:/ FROB} }",
	"pcre:{ {/name=\"?(.*)/ WARN $1}, {/^Content-Description: (.*)/ REPLACE "
	"Content-Description: [$1]}, {/^X-I:/ IGNORE} }",
	"pcre:{ {/^Subject: (.*)/ PREPEND X-Nested: $1}, {/^X-I:/ IGNORE} }",
	"pcre:{ {/^r(.*)/ REPLACE x$1}, {/^i/ IGNORE}, {/^p/ PREPEND y}, {/^bad/ REJECT} }",
};

static const struct headers_rules *rules(void)
{
	static struct headers_rules *r;
	if (r == NULL) {
		struct headers_rules_spec spec = {.body_checks_size_limit = 500};
		char *error = NULL;
		for (int i = 0; i < HEADERS_N_CLASSES; i++)
			spec.tables[i] = tables[i];
		mime_config_init(&spec.mime);
		spec.mime.nesting_limit = 5;
		spec.mime.header_size_limit = 300;
		spec.mime.line_length_limit = 64;
		if (headers_rules_new(&spec, &r, &error) < 0) {
			fprintf(stderr, "fuzz_headers_engine: %s\n", error);
			abort();
		}
	}
	return r;
}

/* summary: everything the result says, as text. */
static void summary(const struct headers_result *r, struct buf *out)
{
	buf_printf(out, "%d %d %s %s hold=%d:%s redirect=%s", (int)r->verdict, r->code, r->dsn,
		   r->text != NULL ? r->text : "-", r->hold,
		   r->hold_text != NULL ? r->hold_text : "-",
		   r->redirect != NULL ? r->redirect : "-");
	for (size_t i = 0; i < r->n_bcc; i++)
		buf_printf(out, " bcc=%s", r->bcc[i]);
	for (size_t i = 0; i < r->n_edits; i++) {
		const struct headers_edit *e = &r->edits[i];
		buf_printf(out, "\n%d %d %zu %zu %s %zu %zu %d %s", (int)e->kind, e->primary,
			   e->index, e->name_index, e->name != NULL ? e->name : "-", e->offset,
			   e->len, e->line_end, e->text != NULL ? e->text : "-");
	}
}

/* run: scan in chunks up to chunk bytes (0: whole); the summary and the
 * body written through the writer go to out. */
static void run(const uint8_t *data, size_t size, size_t chunk, struct buf *out)
{
	struct headers_scan *s = headers_scan_new(rules(), NULL, NULL);
	struct fuzz_pieces pieces = fuzz_pieces_init(size, chunk);
	size_t at, n;

	while (fuzz_pieces_next(&pieces, &at, &n)) {
		headers_scan_feed(s, data + at, n);
	}
	headers_scan_finish(s);
	const struct headers_result *r = headers_scan_result(s);
	for (size_t i = 0; i < r->n_edits; i++)
		if (!r->edits[i].primary && r->edits[i].offset + r->edits[i].len > size)
			fuzz_fail("an edit beyond the input");
	summary(r, out);
	struct headers_body_writer w;
	headers_body_writer_init(&w, r);
	buf_append_str(out, "\nbody:");
	for (at = 0; at < size; at += chunk != 0 ? chunk : size)
		headers_body_write(&w, (const char *)data + at,
				   chunk != 0 && size - at > chunk ? chunk : size - at, out);
	headers_scan_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_check_chunking(data, size, run);
	return 0;
}

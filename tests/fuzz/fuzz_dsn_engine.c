/* fuzz_dsn_engine.c: libFuzzer target for postern-dsn's engine
 * (milters/dsn/dsn_engine.h), the sender taken as null, with a filter that
 * rewrites and a table of internal Received headers; the way returned
 * content is treated comes from the first byte of the input.
 * fuzz-extra-sources: milters/dsn/dsn_[efr]*.c
 *
 * Each input is scanned whole and in chunks of varying size; the target
 * aborts when the results or the rewritten bodies differ. A rewritten DSN
 * is scanned once more, which must find it a DSN again when the first
 * pass met no MIME error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn_engine.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct dsn_rules *rules(enum dsn_return ret)
{
	static struct dsn_rules *r[3];
	if (r[ret] == NULL) {
		struct dsn_rules_spec spec = {
			.status_filter = "pcre:{ {/^(\\S+) (.*?)int(ernal)?(.*)$/ $1 ${2}x$4}, "
					 "{/^(\\S+) (.*)bad/ no status} }",
			.received = "pcre:{ {/by int/ internal} }",
			.return_content = ret,
		};
		char *error = NULL;
		mime_config_init(&spec.mime);
		spec.mime.nesting_limit = 5;
		spec.mime.header_size_limit = 300;
		spec.mime.line_length_limit = 64;
		if (dsn_rules_new(&spec, &r[ret], &error) < 0) {
			fprintf(stderr, "fuzz_dsn_engine: %s\n", error);
			abort();
		}
	}
	return r[ret];
}

static struct dsn_scan *run(const struct dsn_rules *rr, const uint8_t *data, size_t size,
			    size_t chunk, struct buf *out)
{
	struct dsn_scan *s = dsn_scan_new(rr, 1);
	struct fuzz_pieces pieces = fuzz_pieces_init(size, chunk);
	size_t at, n;

	while (fuzz_pieces_next(&pieces, &at, &n)) {
		if (!dsn_scan_feed(s, data + at, n))
			break;
	}
	dsn_scan_finish(s);
	const struct dsn_result *r = dsn_scan_result(s);
	buf_printf(out, "%d %d %zu %zu %d %d %x", r->is_dsn, r->tempfail, r->texts_changed,
		   r->received_removed, r->returned_cut, r->returned_dropped, r->mime_errors);
	for (size_t i = 0; i < r->n_edits; i++)
		buf_printf(out, "\n%s %zu %s", r->edits[i].name, r->edits[i].name_index,
			   r->edits[i].value);
	buf_append_str(out, "\nbody:");
	buf_append(out, buf_cstr(dsn_scan_body(s)), buf_len(dsn_scan_body(s)));
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dsn_rules *rr =
		rules(size > 0 ? (enum dsn_return)(data[0] % 3) : DSN_RETURN_FULL);
	struct buf whole, cut;

	buf_init(&whole, 0);
	buf_init(&cut, 0);
	struct dsn_scan *s = run(rr, data, size, 0, &whole);
	dsn_scan_free(&s);
	s = run(rr, data, size, size < 64 ? 1 : 13, &cut);
	fuzz_expect_same(&whole, &cut);
	const struct dsn_result *r = dsn_scan_result(s);
	if (r->is_dsn && r->mime_errors == 0 && !r->tempfail) {
		/* The headers unchanged (the edits only change values), the new
		 * body: still a DSN. */
		const char *end = memmem(data, size, "\r\n\r\n", 4);
		if (end != NULL) {
			struct buf again;
			buf_init(&again, 0);
			buf_append(&again, data, (size_t)(end - (const char *)data) + 4);
			buf_append(&again, buf_cstr(dsn_scan_body(s)), buf_len(dsn_scan_body(s)));
			struct dsn_scan *s2 = dsn_scan_new(rr, 1);
			dsn_scan_feed(s2, buf_cstr(&again), buf_len(&again));
			dsn_scan_finish(s2);
			if (!dsn_scan_result(s2)->is_dsn)
				fuzz_fail("a rewritten DSN is no DSN any more");
			dsn_scan_free(&s2);
			buf_deinit(&again);
		}
	}
	dsn_scan_free(&s);
	buf_deinit(&whole);
	buf_deinit(&cut);
	return 0;
}

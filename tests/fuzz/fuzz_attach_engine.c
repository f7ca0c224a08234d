/* fuzz_attach_engine.c: libFuzzer target for postern-attach's engine
 * (milters/attach/attach_engine.h), archives included (libarchive), with
 * small limits.
 * fuzz-extra-sources: milters/attach/attach_[aers]*.c
 *
 * Each input is scanned whole and in chunks of varying size; the target
 * aborts when the findings differ, when a finding's range lies outside
 * the input, when the worst class is not the worst finding, or when the
 * strip writer gives different output for different chunkings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_engine.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *extensions[] = {"exe", "scr", "js", NULL};
static char *types[] = {"application/x-msdownload", "text/*", NULL};

static const struct attach_rules *rules(void)
{
	static struct attach_rules *r;
	if (r == NULL) {
		struct attach_rules_spec spec = {
			.banned_extensions = extensions,
			.banned_names = "pcre:{ {/^evil/ evil}, {/^good\\.exe$/ OK} }",
			.banned_types = types,
			.inspect_archives = 1,
			.archive_depth_limit = 2,
			.archive_size_limit = 65536,
			.archive_member_limit = 50,
		};
		char *error = NULL;
		mime_config_init(&spec.mime);
		spec.mime.nesting_limit = 5;
		spec.mime.header_size_limit = 300;
		spec.mime.line_length_limit = 64;
		spec.mime.part_count_limit = 50;
		if (attach_rules_new(&spec, &r, &error) < 0) {
			fprintf(stderr, "fuzz_attach_engine: %s\n", error);
			abort();
		}
	}
	return r;
}

static void run(const uint8_t *data, size_t size, size_t chunk, struct buf *out)
{
	struct attach_scan *s = attach_scan_new(rules());
	struct fuzz_pieces pieces = fuzz_pieces_init(size, chunk);
	size_t at, n;

	while (fuzz_pieces_next(&pieces, &at, &n)) {
		attach_scan_feed(s, data + at, n);
	}
	attach_scan_finish(s);
	const struct attach_result *r = attach_scan_result(s);
	enum attach_class worst = ATTACH_CLEAN;
	buf_printf(out, "%d", (int)r->worst);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct attach_finding *f = &r->findings[i];
		if (f->strip && f->offset + f->len > size)
			fuzz_fail("a finding beyond the input");
		if (f->cls > worst)
			worst = f->cls;
		buf_printf(out, "\n%d %s %s %d %zu %zu", (int)f->cls, f->name, f->reason, f->strip,
			   f->offset, f->len);
	}
	if (worst != r->worst)
		fuzz_fail("the worst class is not that of the worst finding");
	struct attach_strip_writer w;
	attach_strip_init(&w, r, ATTACH_UNSCANNED, "removed");
	buf_append_str(out, "\nbody:");
	for (at = 0; at < size; at += chunk != 0 ? chunk : size)
		attach_strip_write(&w, (const char *)data + at,
				   chunk != 0 && size - at > chunk ? chunk : size - at, out);
	attach_strip_deinit(&w);
	attach_scan_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_check_chunking(data, size, run);
	return 0;
}

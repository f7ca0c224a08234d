/* fuzz_mime.c: libFuzzer target for the MIME parser (common/mime.h).
 *
 * Each input is parsed twice with the same configuration (chosen from a
 * hash of the input, so small limits, tiny line pieces and no_decoding get
 * exercised):
 * once in one piece and once cut into chunks (byte by byte for small
 * inputs). The target aborts when the two event streams differ (the
 * chunking property), when the raw bytes of the events do not rebuild the
 * input (unless a header was truncated), when a part is started and not
 * ended, or when the parser holds more memory than its configured bound. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mime.h"

struct capture {
	struct buf desc;
	struct buf raw;
	long open_parts;
};

static int capture_event(const struct mime_event *ev, void *context)
{
	struct capture *c = context;

	switch (ev->type) {
	case MIME_EV_HEADER:
		buf_append(&c->raw, ev->header->raw, ev->header->raw_len);
		break;
	case MIME_EV_HEADERS_END:
	case MIME_EV_BODY:
	case MIME_EV_BOUNDARY:
		if (ev->line != NULL)
			buf_append(&c->raw, ev->line->raw, ev->line->raw_len);
		break;
	case MIME_EV_PART_START:
		c->open_parts++;
		break;
	case MIME_EV_PART_END:
		c->open_parts--;
		break;
	default:
		break;
	}
	return mime_describe_event(ev, &c->desc);
}

/* parse: chunk 0 feeds everything at once; otherwise chunks of varying
 * size up to chunk bytes. */
static void parse(const struct mime_config *cfg, const uint8_t *data, size_t size, size_t chunk,
		  struct capture *c)
{
	struct mime_parser *p = mime_parser_new(cfg, capture_event, c);
	struct fuzz_pieces pieces = fuzz_pieces_init(size, chunk);
	size_t at, n;

	buf_init(&c->desc, 0);
	buf_init(&c->raw, 0);
	c->open_parts = 0;
	while (fuzz_pieces_next(&pieces, &at, &n)) {
		mime_parser_feed(p, data + at, n);
	}
	mime_parser_finish(p);
	if (mime_parser_memory_peak(p) > mime_config_memory_bound(cfg))
		fuzz_fail("memory above the configured bound");
	mime_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_config cfg;
	struct capture whole, chunked;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	mime_config_init(&cfg);
	if (h & 1) {
		cfg.line_length_limit = 1 + (h >> 1) % 80;
		cfg.header_size_limit = 1 + (h >> 8) % 300;
		cfg.nesting_limit = (h >> 16) % 4;
		cfg.boundary_length_limit = 1 + (h >> 20) % 40;
		cfg.header_count_limit = 1 + (h >> 24) % 20;
		cfg.part_count_limit = 1 + (h >> 27) % 20;
		cfg.part_info_limit = 64 + (h >> 3) % 512;
		cfg.disable_mime = (h >> 30) == 3;
	}
	cfg.no_decoding = (h >> 29 & 3) == 1;
	parse(&cfg, data, size, 0, &whole);
	parse(&cfg, data, size, size < 4096 ? 1 : 1 + h % 97, &chunked);
	if (strcmp(buf_cstr(&whole.desc), buf_cstr(&chunked.desc)) != 0)
		fuzz_fail("the event stream depends on the chunking");
	if (strstr(buf_cstr(&whole.desc), " truncated ") == NULL &&
	    (buf_len(&whole.raw) != size || memcmp(buf_cstr(&whole.raw), data, size) != 0))
		fuzz_fail("the raw bytes of the events are not the input");
	if (whole.open_parts != 0)
		fuzz_fail("a part was started and not ended");
	buf_deinit(&whole.desc);
	buf_deinit(&whole.raw);
	buf_deinit(&chunked.desc);
	buf_deinit(&chunked.raw);
	return 0;
}

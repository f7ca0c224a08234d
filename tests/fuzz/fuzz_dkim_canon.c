/* fuzz_dkim_canon.c: libFuzzer target for postern-dkim's canonicalization
 * (milters/dkim/dkim_canon.c, compiled in here: the fuzz runner builds
 * common/ only). The input is a body: canonicalized whole and in pieces
 * cut where the input's first two bytes say, in both modes, it must give
 * the same bytes and length; the output never ends in an empty line and,
 * relaxed, never has white space before a line end. The input is also
 * canonicalized as a header value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../milters/dkim/dkim_canon.c"
#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_collect(void *ctx, const void *data, size_t len)
{
	buf_append(ctx, data, len);
}

static unsigned long long fuzz_body(enum dkim_canon_mode mode, const uint8_t *data, size_t size,
				    size_t step, struct buf *out)
{
	struct dkim_body_canon b;
	dkim_body_init(&b, mode, fuzz_collect, out);
	for (size_t off = 0; off < size; off += step)
		dkim_body_update(&b, data + off, size - off < step ? size - off : step);
	return dkim_body_final(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t step = 1 + (size_t)(data[0] | data[1] << 8) % 97;
	data += 2;
	size -= 2;
	for (int mode = 0; mode < 2; mode++) {
		struct buf whole, cut;
		buf_init(&whole, 0);
		buf_init(&cut, 0);
		unsigned long long lw = fuzz_body((enum dkim_canon_mode)mode, data, size,
						  size > 0 ? size : 1, &whole);
		unsigned long long lc =
			fuzz_body((enum dkim_canon_mode)mode, data, size, step, &cut);
		if (lw != lc || lw != whole.len || whole.len != cut.len ||
		    memcmp(whole.data, cut.data, whole.len) != 0)
			abort();
		if (whole.len >= 4 && memcmp(whole.data + whole.len - 4, "\r\n\r\n", 4) == 0)
			abort();
		if (mode == DKIM_CANON_MODE_RELAXED)
			for (size_t i = 0; i + 2 < whole.len; i++)
				if ((whole.data[i] == ' ' || whole.data[i] == '\t') &&
				    memcmp(whole.data + i + 1, "\r\n", 2) == 0)
					abort();
		buf_deinit(&whole);
		buf_deinit(&cut);
	}
	char *value = malloc(size + 1);
	memcpy(value, data, size);
	value[size] = '\0';
	struct buf h;
	buf_init(&h, 0);
	dkim_canon_header(DKIM_CANON_MODE_RELAXED, "Subject ", value, 1, &h);
	dkim_canon_header(DKIM_CANON_MODE_SIMPLE, "Subject", value, 0, &h);
	buf_deinit(&h);
	free(value);
	return 0;
}

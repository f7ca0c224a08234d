/* fuzz_rfc2047.c: libFuzzer target for the header value decoders:
 * RFC 2047 encoded words (common/rfc2047.h) and RFC 2231 parameter lists
 * (common/rfc2231.h). Besides memory errors it checks that text without an
 * encoded word comes out unchanged, that ASCII input (encoded words in any
 * charset) decodes to well-formed UTF-8, and that the parameter list
 * accounts for the memory it holds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mime_charset.h"
#include "rfc2047.h"
#include "rfc2231.h"

static int all_ascii(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (data[i] >= 0x80)
			return 0;
	return 1;
}

static void fuzz_words(const uint8_t *data, size_t size)
{
	struct buf out;
	unsigned flags;
	const char *s = (const char *)data;

	buf_init(&out, 0);
	int rc = rfc2047_decode(s, size, &out, &flags);
	if (memmem(s, size, "=?", 2) == NULL &&
	    (buf_len(&out) != size || memcmp(buf_cstr(&out), s, size) != 0 || flags != 0))
		fuzz_fail("text without encoded words changed");
	/* Every charset converts to well-formed UTF-8, invalid bytes included. */
	if (all_ascii(data, size) && !mime_utf8_valid(buf_cstr(&out), buf_len(&out)))
		fuzz_fail("ASCII input decoded to ill-formed UTF-8");
	if (rc != 1 && rc != -1)
		fuzz_fail("result neither 1 nor -1");
	buf_deinit(&out);
}

static void fuzz_params(const uint8_t *data, size_t size)
{
	struct rfc2231_params p;
	struct header_lexer lx;
	size_t bytes = 0;

	rfc2231_params_init(&p);
	header_lexer_init(&lx, (const char *)data, size, HEADER_TSPECIALS);
	rfc2231_params_parse(&p, &lx);
	if (p.count > RFC2231_MAX_SECTIONS)
		fuzz_fail("more parameters than the limit");
	for (size_t i = 0; i < p.count; i++) {
		if (p.v[i].value[p.v[i].value_len] != '\0')
			fuzz_fail("a parameter value is not NUL-terminated");
		bytes += p.v[i].value_len;
	}
	if (bytes > p.bytes)
		fuzz_fail("the parameter list holds more than it counts");
	(void)rfc2231_params_find(&p, "filename");
	rfc2231_params_deinit(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_words(data, size);
	fuzz_params(data, size);
	return 0;
}

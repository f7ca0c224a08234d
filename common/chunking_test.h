/* chunking_test.h: the chunking property, shared by the unit tests of
 * stream parsers (header-only, so that only the tests compile it): the
 * stream cut in two at every point, and fed byte by byte, gives the same
 * transcript as the stream fed whole; and the size of the next piece of a
 * stream fed in pieces. */
#ifndef POSTERN_CHUNKING_TEST_H
#define POSTERN_CHUNKING_TEST_H

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* chunking_piece: the length of the piece of a len-byte stream that
 * starts at pos when it is fed in pieces of at most step bytes (0: no
 * bound) and cut once at split (0: not cut). */
static inline size_t chunking_piece(size_t pos, size_t len, size_t split, size_t step)
{
	size_t n = len - pos;
	if (step > 0 && n > step)
		n = step;
	if (split > 0 && pos < split && n > split - pos)
		n = split - pos;
	return n;
}

/* chunking_transcript_fn: the parser's output for data fed in pieces cut
 * at the n_cuts offsets of cuts (ascending), as text (caller frees). */
typedef char *chunking_transcript_fn(const char *data, size_t len, const size_t *cuts,
				     size_t n_cuts, void *context);

/* chunking_check: two checks named what, saying the parser "verb"s
 * ("decodes", "parses") every split like the whole. */
static inline void chunking_check(chunking_transcript_fn *transcript, void *context,
				  const char *data, size_t len, const char *what, const char *verb)
{
	char *whole = transcript(data, len, NULL, 0, context);
	int same = 1;

	for (size_t cut = 0; cut <= len && same; cut++) {
		char *split = transcript(data, len, &cut, 1, context);
		same = strcmp(split, whole) == 0;
		if (!same)
			tap_diag("split at %zu:\n%s", cut, split);
		free(split);
	}
	tap_ok(same, "%s: every split in two %s like the whole", what, verb);

	size_t *cuts = malloc((len + 1) * sizeof(*cuts));
	for (size_t i = 0; i < len; i++)
		cuts[i] = i + 1;
	char *bytes = transcript(data, len, cuts, len, context);
	tap_is_str(bytes, whole, "%s: byte by byte %s like the whole", what, verb);
	free(bytes);
	free(cuts);
	free(whole);
}

#endif

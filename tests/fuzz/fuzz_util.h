/* fuzz_util.h: what the streaming fuzz targets share: aborting with a
 * message when an invariant breaks, cutting an input into pieces of
 * varying size, and checking that an input fed whole and fed in pieces
 * gives the same result (the chunking property of every streaming
 * parser and engine). */
#ifndef POSTERN_FUZZ_UTIL_H
#define POSTERN_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* fuzz_fail: say which invariant broke, naming the target's source file,
 * and abort, so that libFuzzer keeps the input. */
#define fuzz_fail(what) fuzz_fail_in(__FILE__, (what))

static inline void fuzz_fail_in(const char *file, const char *what)
{
	fprintf(stderr, "%s: %s\n", file, what);
	abort();
}

/* The pieces of an input of `size` bytes: with chunk 0 the whole input as
 * one piece; otherwise pieces of 1, 2, ..., chunk bytes, over again. */
struct fuzz_pieces {
	size_t size, chunk, at, step;
};

static inline struct fuzz_pieces fuzz_pieces_init(size_t size, size_t chunk)
{
	struct fuzz_pieces p = {.size = size, .chunk = chunk, .at = 0, .step = 1};
	return p;
}

/* fuzz_pieces_next: the next piece's offset and length; 1, or 0 when the
 * input is used up. */
static inline int fuzz_pieces_next(struct fuzz_pieces *p, size_t *at_r, size_t *len_r)
{
	if (p->at >= p->size)
		return 0;
	size_t n = p->chunk == 0 ? p->size - p->at : p->step;
	if (n > p->size - p->at)
		n = p->size - p->at;
	*at_r = p->at;
	*len_r = n;
	p->at += n;
	if (p->chunk != 0)
		p->step = p->step % p->chunk + 1;
	return 1;
}

/* fuzz_expect_same: abort when the results of the whole and the cut
 * input differ. */
static inline void fuzz_expect_same(const struct buf *whole, const struct buf *cut)
{
	if (buf_len(whole) != buf_len(cut) || memcmp(buf_cstr(whole), buf_cstr(cut), buf_len(cut)))
		fuzz_fail("whole and chunked input give different results");
}

/* A framing decoder's feed: use bytes of data[0..len) and set *used_r;
 * 1: a frame is complete (the callee records it), 0: all of data is used
 * and more is wanted, -1: an error (the callee records it) ends the
 * stream. */
typedef int fuzz_frame_fn(void *context, const uint8_t *data, size_t len, size_t *used_r);

/* fuzz_frame_stream: feed s to feed in pieces of step bytes (0: at once),
 * or split once at cut; abort when feed uses more than it was given or
 * asks for more while input is left. 1 when the whole stream was fed, 0
 * when feed ended it with an error. */
static inline int fuzz_frame_stream(const uint8_t *s, size_t len, size_t step, size_t cut,
				    fuzz_frame_fn *feed, void *context)
{
	size_t off = 0;

	while (off < len) {
		size_t end = step ? off + step : (off < cut ? cut : len);
		if (end > len)
			end = len;
		while (off < end) {
			size_t used = 0;
			int rc = feed(context, s + off, end - off, &used);
			if (used > end - off)
				fuzz_fail("the decoder used more than it was given");
			off += used;
			if (rc < 0)
				return 0;
			if (rc == 0) {
				if (off != end)
					fuzz_fail("the decoder wants more but left input unused");
				break;
			}
		}
	}
	return 1;
}

/* A target's run: feed data in pieces of up to chunk bytes (0: whole) and
 * describe everything the result says in out. */
typedef void fuzz_run_fn(const uint8_t *data, size_t size, size_t chunk, struct buf *out);

/* fuzz_check_chunking: run the input whole and cut (byte by byte when
 * short, in pieces of up to 13 bytes otherwise); abort when the results
 * differ. */
static inline void fuzz_check_chunking(const uint8_t *data, size_t size, fuzz_run_fn *run)
{
	struct buf whole, cut;

	buf_init(&whole, 0);
	buf_init(&cut, 0);
	run(data, size, 0, &whole);
	run(data, size, size < 64 ? 1 : 13, &cut);
	fuzz_expect_same(&whole, &cut);
	buf_deinit(&whole);
	buf_deinit(&cut);
}

#endif

/* fuzz_queue_file.c: fuzz target for the queue file reader.
 *
 * LLVMFuzzerTestOneInput() parses the input as a queue file and, when it
 * is accepted, walks everything the reader hands out.
 * fuzz-extra-sources: relay/queue_*.c
 * tests/fuzz/run.sh builds it with
 * -DPOSTERN_LIBFUZZER for libFuzzer, e.g. from a build directory:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DPOSTERN_LIBFUZZER \
 *     -D_GNU_SOURCE -I../common -I../relay ../tests/fuzz/fuzz_queue_file.c \
 *     $(ls ../relay/queue_*.c | grep -v test) ../common/{crc32c,mem,buf,log}.c \
 *     -lpthread -o fuzz_queue_file
 *   ./fuzz_queue_file -max_total_time=60 CORPUS_DIR
 *
 * Without that
 * macro it is a self-check for make check: it writes real queue files,
 * then feeds the target every truncation and thousands of seeded random
 * mutations of them (bytes changed, inserted, deleted, lengths patched),
 * and any files named on the command line. Crashes and sanitizer reports
 * are the failures; the TAP lines count what ran.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_msg *msg = NULL;
	char *error = NULL;
	if (queue_msg_parse(data, size, "fuzz", &msg, &error) == 1) {
		const struct queue_envelope *env = queue_msg_envelope(msg);
		size_t sum = strlen(queue_msg_id(msg)) + strlen(env->sender);
		for (size_t i = 0; i < env->n_extra; i++)
			sum += strlen(env->extra[i].name) + strlen(env->extra[i].value);
		for (size_t i = 0; i < queue_msg_rcpt_count(msg); i++) {
			const struct queue_rcpt *r = queue_msg_rcpt(msg, i);
			sum += strlen(r->address) + (r->orcpt != NULL ? strlen(r->orcpt) : 0);
		}
		size_t iter = 0, n, content = 0;
		const void *p;
		while (queue_msg_content_next(msg, &iter, &p, &n))
			content += n;
		if (content != queue_msg_content_size(msg) || sum == 0)
			abort();
	} else if (error == NULL) {
		abort(); /* a refusal always says why */
	}
	queue_msg_free(&msg);
	free(error);
	return 0;
}

#ifndef POSTERN_LIBFUZZER
#include <unistd.h>

#include "tap.h"

/* sample: a queue file written by the real writer, read back as bytes. */
static void sample(struct queue_dir *qd, size_t n_rcpts, size_t content_len, struct buf *out)
{
	struct queue_writer *w = NULL;
	char *error = NULL, id[QUEUE_ID_SIZE];
	struct queue_envelope env = {.sender = "s@example.com",
				     .envid = "E1",
				     .ret = QUEUE_RET_FULL,
				     .body = QUEUE_BODY_BINARYMIME,
				     .helo_name = "h"};
	queue_writer_new(qd, &w, &error);
	snprintf(id, sizeof(id), "%s", queue_writer_id(w));
	queue_writer_envelope(w, &env, &error);
	for (size_t i = 0; i < n_rcpts; i++)
		queue_writer_rcpt(w, "r@example.org", i % 2 ? "rfc822;r@example.org" : NULL,
				  QUEUE_NOTIFY_FAILURE, &error);
	char *content = malloc(content_len + 1);
	for (size_t i = 0; i < content_len; i++)
		content[i] = (char)('a' + i % 26);
	queue_writer_content(w, content, content_len, &error);
	queue_writer_attr(w, "x-late", "1", &error);
	free(content);
	if (queue_writer_commit_sync(&w, QUEUE_INCOMING, &error) < 0) {
		printf("Bail out! %s\n", error);
		exit(1);
	}
	char *path = malloc(strlen(queue_dir_path(qd)) + 64);
	sprintf(path, "%s/incoming/%s", queue_dir_path(qd), id);
	FILE *fp = fopen(path, "rb");
	char block[4096];
	size_t n;
	buf_reset(out);
	while (fp != NULL && (n = fread(block, 1, sizeof(block), fp)) > 0)
		buf_append(out, block, n);
	if (fp != NULL)
		fclose(fp);
	free(path);
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* mutate: one random change of the kinds that break parsers. */
static void mutate(struct buf *b)
{
	size_t at = b->len ? rnd() % b->len : 0;
	switch (rnd() % 5) {
	case 0: /* change a byte */
		if (b->len)
			b->data[at] = (char)rnd();
		break;
	case 1: { /* insert bytes */
		char ins[8];
		size_t n = 1 + rnd() % sizeof(ins);
		for (size_t i = 0; i < n; i++)
			ins[i] = (char)rnd();
		buf_append(b, ins, n);
		memmove(b->data + at + n, b->data + at, b->len - n - at);
		memcpy(b->data + at, ins, n);
		break;
	}
	case 2: { /* delete bytes */
		size_t n = 1 + rnd() % 8;
		if (at + n <= b->len) {
			memmove(b->data + at, b->data + at + n, b->len - at - n);
			buf_truncate(b, b->len - n);
		}
		break;
	}
	case 3: /* patch a 32-bit length with an extreme value */
		if (at + 4 <= b->len) {
			static const uint32_t v[] = {0,		1,	   0xffffffffu,
						     0x100000u, 0x100001u, 0x7fffffffu};
			uint32_t x = v[rnd() % 6];
			memcpy(b->data + at, &x, 4);
		}
		break;
	default: /* flip a bit */
		if (b->len)
			b->data[at] ^= (char)(1u << (rnd() % 8));
		break;
	}
}

int main(int argc, char **argv)
{
	char *path = NULL, *error = NULL;
	struct queue_dir *qd = NULL;
	if (asprintf(&path, "%s/q", tap_tmpdir()) < 0 ||
	    queue_dir_setup(path, geteuid(), getegid(), &error) < 0 ||
	    queue_dir_open(path, &qd, &error) < 0) {
		printf("Bail out! %s\n", error ? error : "setup");
		return 1;
	}
	free(path);
	struct buf seed, work;
	buf_init(&seed, 0);
	buf_init(&work, 0);
	static const size_t shapes[][2] = {{1, 0}, {3, 100}, {2, 70000}};
	size_t runs = 0;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		sample(qd, shapes[s][0], shapes[s][1], &seed);
		for (size_t len = 0; len <= seed.len; len += seed.len > 4096 ? 97 : 1, runs++)
			LLVMFuzzerTestOneInput((const uint8_t *)seed.data, len);
		for (int i = 0; i < 3000; i++, runs++) {
			buf_reset(&work);
			buf_append(&work, seed.data, seed.len);
			for (uint32_t k = 1 + rnd() % 4; k > 0; k--)
				mutate(&work);
			LLVMFuzzerTestOneInput((const uint8_t *)work.data, work.len);
		}
	}
	tap_ok(runs > 9000, "%zu truncated and mutated queue files parsed without a fault", runs);
	for (int i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		char block[4096];
		size_t n;
		buf_reset(&work);
		while (fp != NULL && (n = fread(block, 1, sizeof(block), fp)) > 0)
			buf_append(&work, block, n);
		tap_ok(fp != NULL, "%s read", argv[i]);
		if (fp != NULL)
			fclose(fp);
		LLVMFuzzerTestOneInput((const uint8_t *)work.data, work.len);
	}
	buf_deinit(&seed);
	buf_deinit(&work);
	queue_dir_free(&qd);
	return tap_done();
}
#endif

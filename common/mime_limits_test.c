/* mime_limits_test.c: hostile input. Deep nesting (10,000 levels, in a
 * thread with a small stack, so per-level recursion would crash), a 1 MB
 * header line and body line, floods of headers, parts, boundaries and file
 * names: every limit is reported, the parser goes on safely, and the memory
 * it holds stays below mime_config_memory_bound() and well below the input
 * size. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mime.h"
#include "tap.h"

/* What a run saw. */
struct run {
	unsigned errors;
	unsigned max_depth;    /* deepest entity */
	unsigned parts;	       /* PART_START events */
	unsigned part_ends;    /* PART_END events */
	size_t headers;	       /* HEADER events */
	size_t longest_header; /* longest logical header */
	int truncated;	       /* a header said so */
	size_t opaque_lines;   /* MIME_BODY_OPAQUE lines */
	size_t longest_line;   /* longest body piece */
	size_t names;	       /* file names of the last part */
	int ended;	       /* MIME_EV_END seen */
	size_t input;	       /* bytes the events span (header input_len) */
	size_t peak;	       /* mime_parser_memory_peak() */
	size_t bound;	       /* mime_config_memory_bound() */
};

static int run_event(const struct mime_event *ev, void *context)
{
	struct run *r = context;

	switch (ev->type) {
	case MIME_EV_PART_START:
		r->parts++;
		if (ev->part->depth > r->max_depth)
			r->max_depth = ev->part->depth;
		break;
	case MIME_EV_PART_END:
		r->part_ends++;
		break;
	case MIME_EV_HEADER:
		r->headers++;
		if (ev->header->len > r->longest_header)
			r->longest_header = ev->header->len;
		r->truncated |= ev->header->truncated;
		r->input += ev->header->input_len;
		break;
	case MIME_EV_HEADERS_END:
		r->names = ev->part->names_count;
		r->input += ev->line != NULL ? ev->line->raw_len : 0;
		break;
	case MIME_EV_BOUNDARY:
		r->input += ev->line->raw_len;
		break;
	case MIME_EV_BODY:
		r->input += ev->line->raw_len;
		if (ev->line->kind == MIME_BODY_OPAQUE)
			r->opaque_lines++;
		if (ev->line->raw_len > r->longest_line)
			r->longest_line = ev->line->raw_len;
		break;
	case MIME_EV_END:
		r->ended = 1;
		r->errors = ev->error;
		break;
	default:
		break;
	}
	return 0;
}

/* run: parse data in 4 KB chunks. */
static void run(const struct mime_config *cfg, const struct buf *data, struct run *r)
{
	memset(r, 0, sizeof(*r));
	struct mime_parser *p = mime_parser_new(cfg, run_event, r);
	for (size_t at = 0; at < buf_len(data); at += 4096) {
		size_t n = buf_len(data) - at < 4096 ? buf_len(data) - at : 4096;
		mime_parser_feed(p, buf_cstr(data) + at, n);
	}
	mime_parser_finish(p);
	r->peak = mime_parser_memory_peak(p);
	r->bound = mime_config_memory_bound(cfg);
	mime_parser_free(&p);
}

static void check_memory(const struct run *r, const struct buf *data, const char *name)
{
	tap_ok(r->ended, "%s: the parser reached the end", name);
	tap_ok(r->peak <= r->bound, "%s: memory %zu within the bound %zu", name, r->peak, r->bound);
	tap_ok(r->parts == r->part_ends, "%s: every part started is ended", name);
	tap_is_int((long long)r->input, (long long)buf_len(data),
		   "%s: the events (headers counted by input_len) span the whole input", name);
}

struct nest_job {
	struct buf data;
	struct run r;
};

static void *nest_thread(void *arg)
{
	struct nest_job *job = arg;
	run(NULL, &job->data, &job->r);
	return NULL;
}

/* run_small_stack: parse in a thread with a 256 KiB stack. */
static int run_small_stack(struct nest_job *job)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int rc = pthread_create(&t, &attr, nest_thread, job);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return 0;
	pthread_join(t, NULL);
	return 1;
}

static void test_deep_multipart(void)
{
	struct nest_job job;
	const int levels = 10000;

	buf_init(&job.data, 0);
	buf_append_str(&job.data, "Content-Type: multipart/mixed; boundary=b0\n\n");
	for (int i = 1; i <= levels; i++)
		buf_printf(&job.data, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n",
			   i - 1, i);
	buf_append_str(&job.data, "--b10000\n\ndeepest\n");
	for (int i = levels; i >= 0; i--)
		buf_printf(&job.data, "--b%d--\n", i);
	tap_ok(run_small_stack(&job), "10,000 nested multiparts: parsed on a 256 KiB stack");
	struct run *r = &job.r;
	tap_ok(r->errors & MIME_ERR_NESTING, "10,000 nested multiparts: nesting limit reported");
	tap_ok(r->max_depth <= 102 + 1, "10,000 nested multiparts: depth stops at the limit (%u)",
	       r->max_depth);
	check_memory(r, &job.data, "10,000 nested multiparts");
	tap_ok(r->peak < 2 * 1024 * 1024 && r->peak < buf_len(&job.data),
	       "10,000 nested multiparts: memory %zu is not proportional to the input %zu", r->peak,
	       buf_len(&job.data));
	buf_deinit(&job.data);
}

static void test_deep_messages(void)
{
	struct nest_job job;

	buf_init(&job.data, 0);
	for (int i = 0; i < 10000; i++)
		buf_printf(&job.data, "Subject: level %d\nContent-Type: message/rfc822\n\n", i);
	buf_append_str(&job.data, "Subject: deepest\n\nbody\n");
	tap_ok(run_small_stack(&job), "10,000 nested messages: parsed on a 256 KiB stack");
	tap_ok(job.r.errors & MIME_ERR_NESTING, "10,000 nested messages: nesting limit reported");
	tap_ok(job.r.max_depth <= 102 + 1, "10,000 nested messages: depth stops at the limit (%u)",
	       job.r.max_depth);
	check_memory(&job.r, &job.data, "10,000 nested messages");
	buf_deinit(&job.data);
}

static void test_long_header(void)
{
	struct buf data;
	struct run r;
	struct mime_config cfg;

	mime_config_init(&cfg);
	buf_init(&data, 0);
	buf_append_str(&data, "Subject: ");
	for (int i = 0; i < 1024 * 1024 / 16; i++)
		buf_append_str(&data, "0123456789abcdef");
	buf_append_str(&data, "\r\nX-After: still a header\r\n\r\nbody\r\n");
	run(&cfg, &data, &r);
	tap_ok(r.errors & MIME_ERR_TRUNC_HEADER, "1 MB header line: truncation reported");
	tap_ok(r.truncated, "1 MB header line: the header says it was truncated");
	tap_ok(r.longest_header <= cfg.header_size_limit + cfg.line_length_limit + 2,
	       "1 MB header line: cut within a line piece of header_size_limit (%zu)",
	       r.longest_header);
	tap_ok(r.longest_header >= cfg.header_size_limit, "1 MB header line: cut no earlier");
	tap_is_int((long long)r.headers, 2, "1 MB header line: the next header is still a header");
	check_memory(&r, &data, "1 MB header line");
	tap_ok(r.peak < buf_len(&data) / 2, "1 MB header line: memory %zu, not the line's size",
	       r.peak);

	/* Folded: many continuation lines. */
	buf_reset(&data);
	buf_append_str(&data, "Subject: start\n");
	for (int i = 0; i < 100000; i++)
		buf_append_str(&data, " 0123456789\n");
	buf_append_str(&data, "\nbody\n");
	run(&cfg, &data, &r);
	tap_ok(r.errors & MIME_ERR_TRUNC_HEADER, "1 MB folded header: truncation reported");
	check_memory(&r, &data, "1 MB folded header");
	buf_deinit(&data);
}

static void test_long_body_line(void)
{
	struct buf data;
	struct run r;

	buf_init(&data, 0);
	buf_append_str(&data, "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n");
	for (int i = 0; i < 1024 * 1024 / 4; i++)
		buf_append_str(&data, "QUJD");
	buf_append_str(&data, "\n");
	run(NULL, &data, &r);
	tap_ok(r.longest_line <= 2048 + 2, "1 MB body line: delivered in pieces (%zu)",
	       r.longest_line);
	tap_is_int(r.errors, 0, "1 MB body line: no error");
	check_memory(&r, &data, "1 MB body line");
	buf_deinit(&data);
}

static void test_many_headers(void)
{
	struct buf data;
	struct run r;
	struct mime_config cfg;

	mime_config_init(&cfg);
	cfg.header_count_limit = 100;
	buf_init(&data, 0);
	for (int i = 0; i < 1000; i++)
		buf_printf(&data, "X-H%d: v\n", i);
	buf_append_str(&data, "\nbody\n");
	run(&cfg, &data, &r);
	tap_ok(r.errors & MIME_ERR_HEADER_COUNT, "too many headers: reported");
	tap_is_int((long long)r.headers, 100,
		   "too many headers: no more than the limit are headers");
	tap_is_int((long long)r.opaque_lines, 902, "too many headers: the rest is opaque body");
	check_memory(&r, &data, "too many headers");
	buf_deinit(&data);
}

static void test_many_parts(void)
{
	struct buf data;
	struct run r;
	struct mime_config cfg;

	mime_config_init(&cfg);
	cfg.part_count_limit = 50;
	buf_init(&data, 0);
	buf_append_str(&data, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (int i = 0; i < 500; i++)
		buf_printf(&data, "--p\nContent-Type: text/plain\n\npart %d\n", i);
	buf_append_str(&data, "--p--\n");
	run(&cfg, &data, &r);
	tap_ok(r.errors & MIME_ERR_PART_COUNT, "too many parts: reported");
	tap_is_int(r.parts, 50, "too many parts: no more than the limit are parts");
	tap_ok(r.opaque_lines > 0, "too many parts: the rest is opaque body");
	check_memory(&r, &data, "too many parts");
	buf_deinit(&data);
}

static void test_many_boundaries(void)
{
	struct buf data;
	struct run r;

	buf_init(&data, 0);
	buf_append_str(&data, "Content-Type: multipart/mixed");
	for (int i = 0; i < 200; i++)
		buf_printf(&data, "; boundary=%04d", i);
	buf_append_str(&data, "\n\n--0000\n\nx\n--0000--\n");
	run(NULL, &data, &r);
	tap_ok(r.errors & MIME_ERR_MULTIPLE_BOUNDARIES, "200 boundaries: reported");
	tap_ok(r.errors & MIME_ERR_NESTING,
	       "200 boundaries: each is a nesting level, as in Postfix");
	check_memory(&r, &data, "200 boundaries");
	buf_deinit(&data);
}

static void test_long_boundary(void)
{
	static const struct {
		int repeat;
		unsigned errors;
		unsigned parts;
		const char *name;
	} cases[] = {
	    {125, MIME_ERR_BOUNDARY, 2, "1000-byte boundary"},
	    {500, MIME_ERR_BOUNDARY | MIME_ERR_BOUNDARY_LENGTH | MIME_ERR_UNCLOSED, 1,
	     "4000-byte boundary"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf data, b;
		struct run r;
		buf_init(&data, 0);
		buf_init(&b, 0);
		for (int j = 0; j < cases[i].repeat; j++)
			buf_append_str(&b, "boundary");
		buf_printf(&data,
			   "Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\n\nx\n--%s--\n",
			   buf_cstr(&b), buf_cstr(&b), buf_cstr(&b));
		run(NULL, &data, &r);
		tap_is_int(r.errors, cases[i].errors, "%s: errors", cases[i].name);
		/* Past the line length, Postfix does not see the boundary either. */
		tap_is_int(r.parts, cases[i].parts, "%s: parts", cases[i].name);
		check_memory(&r, &data, cases[i].name);
		buf_deinit(&data);
		buf_deinit(&b);
	}
}

static void test_many_names(void)
{
	struct buf data;
	struct run r;
	struct mime_config cfg;

	mime_config_init(&cfg);
	cfg.part_info_limit = 4096;
	buf_init(&data, 0);
	for (int i = 0; i < 100; i++)
		buf_printf(&data, "Content-Disposition: attachment; filename=file%d.txt\n", i);
	buf_append_str(&data, "Content-Type: text/plain; name=\"");
	for (int i = 0; i < 1000; i++)
		buf_append_str(&data, "long");
	buf_append_str(&data, ".exe\"\n\nbody\n");
	run(&cfg, &data, &r);
	tap_ok(r.errors & MIME_ERR_PART_INFO, "floods of file names: reported");
	tap_ok(r.errors & MIME_ERR_DUPLICATE, "repeated Content-Disposition: reported");
	tap_ok(r.names > 0 && r.names <= 16, "floods of file names: a bounded list (%zu)", r.names);
	check_memory(&r, &data, "floods of file names");
	buf_deinit(&data);
}

int main(void)
{
	test_deep_multipart();
	test_deep_messages();
	test_long_header();
	test_long_body_line();
	test_many_headers();
	test_many_parts();
	test_many_boundaries();
	test_long_boundary();
	test_many_names();
	return tap_done();
}

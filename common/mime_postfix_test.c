/* mime_postfix_test.c: Postern's MIME parser finds the structure Postfix
 * finds. Postfix's own MIME processor is run through "postmap -hm" (every
 * logical header, of every header block, as header_checks see them) and
 * "postmap -bm" (every body line as body_checks see them), with a main.cf
 * setting small header_size_limit, mime_nesting_limit and
 * mime_boundary_length_limit; the parser, configured alike, must produce
 * the same two streams for the test messages and for generated ones that
 * cross those limits. postmap reads whole lines, so the parser gets a line
 * length limit larger than any line here. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "mime.h"
#include "tap.h"

#define HEADER_LIMIT 1000
#define NESTING_LIMIT 3
#define BOUNDARY_LIMIT 12
#define KEY_END "\t@@END@@\n"

static const char *postmap_path(void)
{
	static const char *const paths[] = {"/usr/sbin/postmap", "/usr/bin/postmap", NULL};
	for (int i = 0; paths[i] != NULL; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

struct keys {
	struct buf headers;
	struct buf body;
	int pending_blank; /* primary headers ended by a non-header line */
};

static void add_key(struct buf *out, const char *text, size_t len)
{
	buf_append(out, text, len);
	buf_append_str(out, KEY_END);
}

/* keys_event: the lookup keys Postfix would generate for this event. */
static int keys_event(const struct mime_event *ev, void *context)
{
	struct keys *k = context;

	switch (ev->type) {
	case MIME_EV_HEADER:
		add_key(&k->headers, ev->header->text, ev->header->len);
		break;
	case MIME_EV_HEADERS_END:
		/* Postfix's body_checks see the blank line; when a non-header
		 * line ends the primary headers, it inserts one. */
		if (ev->line != NULL)
			add_key(&k->body, "", 0);
		else if (ev->part->kind == MIME_PART_MESSAGE)
			k->pending_blank = 1;
		break;
	case MIME_EV_BODY:
	case MIME_EV_BOUNDARY:
		if (k->pending_blank)
			add_key(&k->body, "", 0);
		k->pending_blank = 0;
		add_key(&k->body, ev->line->raw, ev->line->len);
		break;
	default:
		break;
	}
	return 0;
}

static void ours(const char *data, size_t len, struct keys *k)
{
	struct mime_config cfg;

	mime_config_init(&cfg);
	cfg.header_size_limit = HEADER_LIMIT;
	cfg.nesting_limit = NESTING_LIMIT;
	cfg.boundary_length_limit = BOUNDARY_LIMIT;
	cfg.line_length_limit = 1 << 20;
	buf_init(&k->headers, 0);
	buf_init(&k->body, 0);
	k->pending_blank = 0;
	struct mime_parser *p = mime_parser_new(&cfg, keys_event, k);
	mime_parser_feed(p, data, len);
	mime_parser_finish(p);
	mime_parser_free(&p);
}

/* postmap: run Postfix's parser over the message file; mode is "-hm" or
 * "-bm". */
static void postmap(const char *dir, const char *mode, const char *msg, struct buf *out)
{
	char *cmd = xasprintf("%s -c %s %s -q - regexp:%s/all.regexp < %s 2>&1", postmap_path(),
			      dir, mode, dir, msg);
	FILE *fp = popen(cmd, "r");
	char chunk[4096];
	size_t n;

	buf_init(out, 0);
	while (fp != NULL && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(out, chunk, n);
	if (fp == NULL || pclose(fp) == -1)
		buf_append_str(out, "(postmap could not run)");
	free(cmd);
}

/* lf_only: CR LF to LF, as Postfix stores lines. */
static void lf_only(const char *data, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++)
		if (!(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))
			buf_append_char(out, data[i]);
}

static void compare(const char *dir, const char *name, const char *data, size_t len)
{
	char *msg = xasprintf("%s/message", dir);
	struct buf text, pf_headers, pf_body;
	struct keys k;

	buf_init(&text, 0);
	lf_only(data, len, &text);
	FILE *fp = fopen(msg, "wb");
	if (fp == NULL || fwrite(buf_cstr(&text), 1, buf_len(&text), fp) != buf_len(&text) ||
	    fclose(fp) != 0) {
		printf("Bail out! cannot write %s\n", msg);
		exit(1);
	}
	ours(buf_cstr(&text), buf_len(&text), &k);
	postmap(dir, "-hm", msg, &pf_headers);
	postmap(dir, "-bm", msg, &pf_body);
	tap_is_str(buf_cstr(&k.headers), buf_cstr(&pf_headers), "%s: headers as Postfix sees them",
		   name);
	tap_is_str(buf_cstr(&k.body), buf_cstr(&pf_body), "%s: body lines as Postfix sees them",
		   name);
	buf_deinit(&text);
	buf_deinit(&pf_headers);
	buf_deinit(&pf_body);
	buf_deinit(&k.headers);
	buf_deinit(&k.body);
	unlink(msg);
	free(msg);
}

static char *read_file(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	buf_init(&b, 0);
	while (fp != NULL && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	if (fp != NULL)
		fclose(fp);
	*len_r = buf_len(&b);
	char *data = buf_detach(&b);
	buf_deinit(&b);
	return data;
}

static int is_eml(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 4 && strcmp(d->d_name + n - 4, ".eml") == 0;
}

static void test_data_files(const char *dir)
{
	const char *top = getenv("top_srcdir");
	char *data_dir = xasprintf("%s/tests/data/mime", top != NULL ? top : "..");
	struct dirent **names;
	int n = scandir(data_dir, &names, is_eml, alphasort);

	tap_ok(n > 10, "test messages found in %s", data_dir);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", data_dir, names[i]->d_name);
		size_t len;
		char *data = read_file(path, &len);
		compare(dir, names[i]->d_name, data, len);
		free(data);
		free(path);
		free(names[i]);
	}
	free(names);
	free(data_dir);
}

/* Messages that cross the limits set in main.cf. */
static void test_generated(const char *dir)
{
	struct buf m;

	/* Multiparts nested deeper than mime_nesting_limit. */
	buf_init(&m, 0);
	buf_append_str(&m, "Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n");
	for (int i = 1; i <= NESTING_LIMIT + 3; i++)
		buf_printf(&m,
			   "--b%d\nContent-Type: multipart/mixed; boundary=b%d\nX-Level: %d\n\n",
			   i - 1, i, i);
	buf_append_str(&m, "--b6\nContent-Type: text/plain\n\ndeepest\n");
	for (int i = NESTING_LIMIT + 3; i >= 0; i--)
		buf_printf(&m, "--b%d--\nepilogue %d\n", i, i);
	compare(dir, "nesting beyond the limit", buf_cstr(&m), buf_len(&m));

	/* A header of continuation lines longer than header_size_limit, and a
	 * single-line one (Postfix keeps a header's first line whole). */
	buf_reset(&m);
	buf_append_str(&m, "Subject: long\nX-Folded: start");
	for (int i = 0; i < 40; i++)
		buf_printf(&m, "\n continuation line %02d of a header that keeps going and going",
			   i);
	buf_append_str(&m, "\nX-One-Line: ");
	for (int i = 0; i < 300; i++)
		buf_append_str(&m, "abcdefghij");
	buf_append_str(&m, "\nX-After: seen\n\nbody\n");
	compare(dir, "headers beyond header_size_limit", buf_cstr(&m), buf_len(&m));

	/* Boundaries longer than mime_boundary_length_limit match on their
	 * first bytes only. */
	buf_reset(&m);
	buf_append_str(&m,
		       "Content-Type: multipart/mixed; boundary=\"0123456789abcdefXYZ\"\n\n"
		       "--0123456789abcdefXYZ\nX-Part: one\n\none\n"
		       "--0123456789abDIFFERENT\nX-Part: two, by the truncated boundary\n\ntwo\n"
		       "--0123456789abcdefXYZ--\n");
	compare(dir, "boundaries beyond mime_boundary_length_limit", buf_cstr(&m), buf_len(&m));

	/* Broken structure. */
	buf_reset(&m);
	buf_append_str(&m, "Content-Type: multipart/mixed; boundary==_odd; boundary=second\n\n"
			   "--=_odd\nContent-Type: message/rfc822\n\nnot a header\n"
			   "--second\nContent-Type: message/rfc822\n\nFrom: x\n body\n\ttab\n"
			   "Content-Type: multipart/alternative; boundary=\"\"\n\n--x\nY: z\n\n"
			   "--=_odd--\ntrailing\n");
	compare(dir, "odd boundaries and nested messages", buf_cstr(&m), buf_len(&m));

	buf_reset(&m);
	buf_append_str(&m, "From: x\n(garbage)\nContent-Type: multipart/mixed; boundary=late\n\n"
			   "--late\nContent-Type: text/plain\n\nnot parsed\n--late--\n");
	compare(dir, "garbage before Content-Type", buf_cstr(&m), buf_len(&m));
	buf_deinit(&m);
}

int main(void)
{
	const char *dir = tap_tmpdir();
	char *main_cf = xasprintf("%s/main.cf", dir);
	char *all = xasprintf("%s/all.regexp", dir);
	char *conf = xasprintf("header_size_limit = %d\nmime_nesting_limit = %d\n"
			       "mime_boundary_length_limit = %d\nsmtputf8_enable = no\n",
			       HEADER_LIMIT, NESTING_LIMIT, BOUNDARY_LIMIT);

	if (postmap_path() == NULL) {
		printf("Bail out! postmap not found: install the Debian package postfix\n");
		return 1;
	}
	tap_write_file(main_cf, conf);
	tap_write_file(all, "/^/ @@END@@\n");
	test_data_files(dir);
	test_generated(dir);
	unlink(main_cf);
	unlink(all);
	rmdir(dir);
	free(main_cf);
	free(all);
	free(conf);
	return tap_done();
}

/* attach_engine_test.c: postern-attach's engine. The evasion corpus of
 * tests/data/attach/corpus (each evasion blocked, each benign twin
 * passed, fed whole and in small chunks), file name reading, the archive
 * limits, MIME limits, and the body with banned parts cut out (which
 * scans clean again and keeps the rest of the message as it was). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_engine.h"
#include "mem.h"
#include "tap.h"

static char *extensions[] = {"exe", "scr", "bat", "cmd", "js", "vbs", ".com", NULL};
static char *types[] = {"application/x-msdownload", "application/x-dosexec", NULL};

static struct attach_rules *rules_new(size_t depth, size_t size, const char *names)
{
	struct attach_rules_spec spec = {
		.banned_extensions = extensions,
		.banned_names = names,
		.banned_types = types,
		.inspect_archives = 1,
		.archive_depth_limit = depth,
		.archive_size_limit = size,
		.archive_member_limit = 1000,
	};
	struct attach_rules *rules;
	char *error = NULL;

	mime_config_init(&spec.mime);
	if (attach_rules_new(&spec, &rules, &error) < 0) {
		tap_diag("rules: %s", error);
		abort();
	}
	return rules;
}

/* scan: the scan of text fed in chunk-byte pieces (0: whole). */
static struct attach_scan *scan(const struct attach_rules *rules, const char *text, size_t len,
				size_t chunk)
{
	struct attach_scan *s = attach_scan_new(rules);

	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	for (size_t at = 0; at < len; at += chunk)
		attach_scan_feed(s, text + at, len - at < chunk ? len - at : chunk);
	attach_scan_finish(s);
	return s;
}

static char *read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len_r = buf_len(&b);
	char *text = buf_detach(&b);
	buf_deinit(&b); /* detaching leaves an empty buffer */
	return text;
}

static enum attach_class expected(const char *file)
{
	if (strncmp(file, "blocked-", 8) == 0)
		return ATTACH_BANNED;
	if (strncmp(file, "encrypted-", 10) == 0)
		return ATTACH_ENCRYPTED;
	if (strncmp(file, "unscanned-", 10) == 0)
		return ATTACH_UNSCANNED;
	return ATTACH_CLEAN;
}

/* strip_check: cut the banned parts of text out; the result scans clean
 * and holds the notice. */
static void strip_check(const struct attach_rules *rules, const char *file, const char *text,
			size_t len, const struct attach_result *r)
{
	const char *body = strstr(text, "\r\n\r\n") + 4;
	size_t hlen = (size_t)(body - text);
	struct attach_strip_writer w;
	struct buf out;

	buf_init(&out, 0);
	buf_append(&out, text, hlen);
	size_t cut = attach_strip_init(&w, r, ATTACH_ENCRYPTED, "Removed by the test.");
	for (size_t at = hlen; at < len; at += 5)
		attach_strip_write(&w, text + at, len - at < 5 ? len - at : 5, &out);
	attach_strip_deinit(&w);
	struct attach_scan *again = scan(rules, buf_cstr(&out), buf_len(&out), 0);
	/* Everything before the first part cut is as it was. */
	size_t first = len;
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].strip && hlen + r->findings[i].offset < first)
			first = hlen + r->findings[i].offset;
	tap_ok(cut >= 1 && attach_scan_result(again)->worst == ATTACH_CLEAN &&
		       strstr(buf_cstr(&out), "Removed by the test.\r\nFile: ") != NULL &&
		       buf_len(&out) > first && memcmp(buf_cstr(&out), text, first) == 0,
	       "%s: with %zu part cut out it scans clean, notice in place", file, cut);
	attach_scan_free(&again);
	buf_deinit(&out);
}

static void test_corpus(void)
{
	const char *top = getenv("top_srcdir");
	char *dir = xasprintf("%s/tests/data/attach/corpus", top != NULL ? top : "..");
	struct attach_rules *rules = rules_new(3, 1 << 20, "");
	DIR *d = opendir(dir);
	struct dirent *de;
	int count = 0;

	if (d == NULL) {
		tap_ok(0, "open %s", dir);
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".eml") == NULL)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		size_t len;
		char *text = read_file(path, &len);
		enum attach_class want = expected(de->d_name);
		struct attach_scan *s = scan(rules, text, len, 0);
		const struct attach_result *r = attach_scan_result(s);
		if (!tap_is_str(attach_class_name(r->worst), attach_class_name(want), "%s",
				de->d_name))
			for (size_t i = 0; i < r->n_findings; i++)
				tap_diag("finding: %s %s: %s",
					 attach_class_name(r->findings[i].cls), r->findings[i].name,
					 r->findings[i].reason);
		struct attach_scan *c = scan(rules, text, len, 7);
		tap_is_int(attach_scan_result(c)->worst, r->worst, "%s: the same in 7-byte chunks",
			   de->d_name);
		attach_scan_free(&c);
		if (want == ATTACH_BANNED || want == ATTACH_ENCRYPTED)
			strip_check(rules, de->d_name, text, len, r);
		attach_scan_free(&s);
		free(text);
		free(path);
		count++;
	}
	closedir(d);
	tap_ok(count >= 30, "the corpus has %d messages", count);
	attach_rules_free(&rules);
	free(dir);
}

static void test_names(void)
{
	static const struct {
		const char *name;
		int banned;
	} cases[] = {
		{"a.exe", 1},	      {"A.EXE", 1},	  {"a.exe.", 1},    {"a.exe . .", 1},
		{"a.exe\t", 1},	      {"a.pdf.exe", 1},	  {"a.exe.pdf", 0}, {"dir/a.bat", 1},
		{"C:\\x\\a.cmd", 1},  {"a.com", 1},	  {"exe", 0},	    {"a.", 0},
		{".exe", 1},	      {"a.exe.zip", 0},	  {"a.exes", 0},    {"", 0},
		{"forbidden.txt", 1}, {"allowed.exe", 0},
	};
	struct attach_rules *rules =
		rules_new(3, 1 << 20,
			  "pcre:{ {/^forbidden\\./ no forbidden files}, {/^allowed\\.exe$/ OK} }");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *reason = NULL;
		enum attach_class cls = attach_name_check(rules, cases[i].name, &reason);
		tap_is_int(cls == ATTACH_BANNED, cases[i].banned, "name \"%s\": %s", cases[i].name,
			   reason != NULL ? reason : "allowed");
		free(reason);
	}
	attach_rules_free(&rules);
}

/* A message with one base64 attachment read from the corpus' zip-in-zip. */
static void test_limits(void)
{
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/tests/data/attach/corpus/blocked-14-zip-in-zip.eml",
			       top != NULL ? top : "..");
	size_t len;
	char *text = read_file(path, &len);
	struct attach_rules *rules;
	struct attach_scan *s;

	rules = rules_new(1, 1 << 20, "");
	s = scan(rules, text, len, 0);
	tap_is_str(attach_class_name(attach_scan_result(s)->worst), "unscanned",
		   "zip in zip with archive_depth_limit 1: unscanned, not clean");
	attach_scan_free(&s);
	attach_rules_free(&rules);

	rules = rules_new(3, 64, "");
	s = scan(rules, text, len, 0);
	tap_is_str(attach_class_name(attach_scan_result(s)->worst), "unscanned",
		   "an archive over archive_size_limit: unscanned");
	attach_scan_free(&s);
	attach_rules_free(&rules);
	free(text);
	free(path);

	/* Past the MIME part limit the rest is not inspected. */
	struct buf msg;
	buf_init(&msg, 0);
	buf_append_str(&msg, "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	for (int i = 0; i < 10010; i++)
		buf_append_str(&msg, "--b\r\n\r\nx\r\n");
	buf_append_str(&msg, "--b--\r\n");
	rules = rules_new(3, 1 << 20, "");
	s = scan(rules, buf_cstr(&msg), buf_len(&msg), 0);
	tap_is_str(attach_class_name(attach_scan_result(s)->worst), "unscanned",
		   "more parts than the MIME part limit: unscanned");
	attach_scan_free(&s);
	attach_rules_free(&rules);
	buf_deinit(&msg);
}

int main(void)
{
	test_names();
	test_corpus();
	test_limits();
	return tap_done();
}

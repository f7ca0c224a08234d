/* av_engine_test.c: the libclamav engine on messages built here, with a
 * signature database written at run time (EICAR as a body signature, the
 * MD5 of a generated attachment as a hash signature): detections through
 * MIME and base64, and the cases where libclamav alone would say "clean"
 * (limits hit) reported as unscanned.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "av_engine.h"
#include "av_testlib.h"
#include "buf.h"
#include "mem.h"
#include "tap.h"

/* msg_nested: depth message/rfc822 parts inside each other around a base64
 * attachment holding inner. */
static struct buf *msg_nested(int depth, const char *inner)
{
	struct buf *m = av_test_msg_attachments(1, inner);
	for (int i = 0; i < depth; i++) {
		struct buf *outer = buf_new(0);
		buf_printf(outer,
			   "From: a@example.test\r\nSubject: level %d\r\nMIME-Version: 1.0\r\n"
			   "Content-Type: multipart/mixed; boundary=\"L%d\"\r\n\r\n"
			   "--L%d\r\nContent-Type: message/rfc822\r\n\r\n",
			   i, i, i);
		buf_append(outer, m->data, m->len);
		buf_printf(outer, "--L%d--\r\n", i);
		buf_free(&m);
		m = outer;
	}
	return m;
}

static struct av_engine_opts opts_for(const char *db)
{
	struct av_engine_opts o = {.database_directory = db};
	return o;
}

static struct av_engine *load(const struct av_engine_opts *o)
{
	struct av_engine *e = NULL;
	char *error = NULL;
	if (av_engine_load(o, &e, &error) < 0) {
		tap_diag("load: %s", error);
		free(error);
		return NULL;
	}
	return e;
}

static void check_scan(struct av_engine *e, struct buf *m, enum av_scan_kind kind,
		       const char *name_prefix, const char *what)
{
	struct av_scan s;
	av_engine_scan_memory(e, m->data, m->len, &s);
	tap_is_int(s.kind, kind, "%s: kind", what);
	if (name_prefix != NULL && !tap_ok(strncmp(s.name, name_prefix, strlen(name_prefix)) == 0,
					   "%s: name starts with %s", what, name_prefix))
		tap_diag("name: %s", s.name);
}

static void test_load_errors(void)
{
	char *error = NULL;
	struct av_engine *e = NULL;
	char *empty = xasprintf("%s/empty", tap_tmpdir());
	mkdir(empty, 0700);
	struct av_engine_opts o = opts_for(empty);
	tap_is_int(av_engine_load(&o, &e, &error), -1, "an empty database directory is an error");
	tap_ok(error != NULL && strstr(error, empty) != NULL, "the error names the directory: %s",
	       error != NULL ? error : "(none)");
	free(error);
	error = NULL;
	char *missing = xasprintf("%s/missing", tap_tmpdir());
	o = opts_for(missing);
	tap_is_int(av_engine_load(&o, &e, &error), -1, "a missing directory is an error");
	tap_ok(e == NULL, "no engine on error");
	free(error);
	free(missing);
	free(empty);
}

static void test_detections(const char *db)
{
	struct av_engine_opts o = opts_for(db);
	struct av_engine *e = load(&o);
	char *ei = av_test_eicar();
	if (!tap_ok(e != NULL, "the test database loads"))
		return;
	tap_is_int(av_engine_signatures(e), 2, "two signatures loaded");
	tap_is_int(av_engine_db_version(e), 0, "a private database has no official version");

	struct buf *m = av_test_msg_plain("hello, nothing to see");
	check_scan(e, m, AV_SCAN_CLEAN, "", "a plain text message");
	buf_free(&m);

	char *body = xasprintf("look:\r\n%s\r\nbye", ei);
	m = av_test_msg_plain(body);
	check_scan(e, m, AV_SCAN_VIRUS, "Postern.Test.EICAR", "EICAR in a text body");
	buf_free(&m);
	free(body);

	m = av_test_msg_attachments(1, ei);
	check_scan(e, m, AV_SCAN_VIRUS, "Postern.Test.EICAR", "EICAR as a base64 attachment");
	buf_free(&m);

	m = av_test_msg_attachments(3, av_test_payload);
	check_scan(e, m, AV_SCAN_VIRUS, "Postern.Test.Payload",
		   "a hash signature on a decoded attachment");
	buf_free(&m);

	/* A single-part base64 message whose first field is not one of those
	 * libclamav recognises mail by: still decoded. */
	m = buf_new(0);
	buf_append_str(m, "Zzz: first\r\nContent-Type: application/octet-stream\r\n"
			  "Content-Transfer-Encoding: base64\r\n\r\n");
	av_test_base64(m, av_test_payload);
	check_scan(e, m, AV_SCAN_VIRUS, "Postern.Test.Payload",
		   "a message with an unusual first header field is parsed as mail");
	buf_free(&m);

	m = msg_nested(5, ei);
	check_scan(e, m, AV_SCAN_VIRUS, "Postern.Test.EICAR", "EICAR in messages nested 5 deep");
	buf_free(&m);
	av_engine_unref(&e);
	tap_ok(e == NULL, "unref clears the pointer");
	av_engine_unref(&e);
	free(ei);
}

static void test_limits(const char *db)
{
	char *ei = av_test_eicar();
	struct av_engine_opts o = opts_for(db);
	o.max_recursion = 8;
	o.max_files = 5;
	o.max_file_size = 4096;
	struct av_engine *e = load(&o);
	if (!tap_ok(e != NULL, "the database loads with limits"))
		return;

	struct buf *m = av_test_msg_attachments(12, NULL);
	check_scan(e, m, AV_SCAN_UNSCANNED, "Heuristics.Limits.Exceeded.MaxFiles",
		   "12 attachments, past max_files");
	buf_free(&m);

	m = av_test_msg_attachments(12, ei);
	check_scan(e, m, AV_SCAN_VIRUS, "Postern.Test.EICAR",
		   "a virus before the file limit wins over the limit");
	buf_free(&m);

	struct buf *big = buf_new(0);
	for (int i = 0; i < 200; i++)
		buf_printf(big, "line %d of a large attachment, more than the file limit\n", i);
	m = av_test_msg_attachments(1, buf_cstr(big));
	check_scan(e, m, AV_SCAN_UNSCANNED, "Heuristics.Limits.Exceeded.MaxFileSize",
		   "an attachment over max_file_size");
	buf_free(&m);
	buf_free(&big);
	av_engine_unref(&e);

	/* Nesting alone, with libclamav's default file limit. */
	o.max_files = 0;
	o.max_file_size = 0;
	e = load(&o);
	m = msg_nested(20, ei);
	check_scan(e, m, AV_SCAN_UNSCANNED, "Heuristics.Limits.Exceeded.MaxRecursion",
		   "EICAR nested 20 deep, past max_recursion");
	buf_free(&m);
	m = msg_nested(5, NULL);
	check_scan(e, m, AV_SCAN_CLEAN, "", "a clean message nested within the limit is clean");
	buf_free(&m);
	av_engine_unref(&e);
	free(ei);
}

static void test_fd(const char *db)
{
	struct av_engine_opts o = opts_for(db);
	struct av_engine *e = load(&o);
	char *ei = av_test_eicar();
	char *path = xasprintf("%s/spool", tap_tmpdir());
	if (e == NULL)
		return;
	struct buf *m = av_test_msg_attachments(40, NULL);
	av_test_attach(m, "last.bin", ei);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, m->data, m->len) != (ssize_t)m->len)
		abort();
	struct av_scan s;
	av_engine_scan_fd(e, fd, &s);
	tap_is_int(s.kind, AV_SCAN_VIRUS, "a message in a file: EICAR in the last attachment");
	tap_ok(strncmp(s.name, "Postern.Test.EICAR", 18) == 0, "its name: %s", s.name);
	tap_ok(lseek(fd, 0, SEEK_CUR) == (off_t)m->len, "the file offset is left alone");
	close(fd);

	fd = open(path, O_RDWR | O_TRUNC);
	av_engine_scan_fd(e, fd, &s);
	tap_is_int(s.kind, AV_SCAN_CLEAN, "an empty file is clean");
	close(fd);
	av_engine_scan_fd(e, fd, &s);
	tap_is_int(s.kind, AV_SCAN_ERROR, "a closed descriptor is a scan error");
	tap_ok(s.name[0] != '\0', "with a message: %s", s.name);
	buf_free(&m);
	free(path);
	free(ei);
	av_engine_unref(&e);
}

/* msg_with: a message with one attachment of len bytes. */
static struct buf *msg_with(const char *name, const void *data, size_t len)
{
	struct buf *m = av_test_msg_attachments(0, NULL);
	buf_truncate(m, m->len - strlen("--B--\r\n"));
	av_test_attach_bytes(m, name, data, len);
	buf_append_str(m, "--B--\r\n");
	return m;
}

static void test_unpack(const char *db)
{
	struct av_engine_opts o = opts_for(db);
	struct av_engine *e = load(&o);
	char *ei = av_test_eicar();
	struct buf *zip = buf_new(0);
	if (e == NULL)
		return;

	av_test_zip(zip, "eicar.txt", ei, 0);
	struct buf *m = msg_with("stored.zip", zip->data, zip->len);
	check_scan(e, m, AV_SCAN_VIRUS, "Postern.Test.EICAR", "EICAR in a stored zip");
	buf_free(&m);

	buf_reset(zip);
	av_test_zip(zip, "hello.txt", "hello, world\n", 0);
	m = msg_with("clean.zip", zip->data, zip->len);
	check_scan(e, m, AV_SCAN_CLEAN, "", "a clean zip is clean");
	buf_free(&m);
	check_scan(e, zip, AV_SCAN_CLEAN, "", "... also when its member comes from the cache");

	/* Compression method 14 (LZMA), which libclamav cannot unpack: the
	 * EICAR bytes are not visible as they are (each byte is changed). */
	char *hidden = xstrdup(ei);
	for (char *p = hidden; *p != '\0'; p++)
		*p = (char)(*p ^ 0x20);
	buf_reset(zip);
	av_test_zip(zip, "eicar.txt", hidden, 14);
	m = msg_with("lzma.zip", zip->data, zip->len);
	check_scan(e, m, AV_SCAN_UNSCANNED, "Postern.NotUnpacked.ZIP",
		   "a zip member libclamav cannot unpack: unscanned, not clean");
	buf_free(&m);

	static const char rar[] = "Rar!\x1a\x07\x00\xcf\x90\x73\x00\x00\x0d\x00\x00\x00\x00\x00"
				  "\x00\x00 the rest of an archive libclamav cannot open";
	m = msg_with("x.rar", rar, sizeof(rar) - 1);
	check_scan(e, m, AV_SCAN_UNSCANNED, "Postern.NotUnpacked.RAR",
		   "a RAR archive (Debian's libclamav has no unrar): unscanned");
	buf_free(&m);
	buf_free(&zip);
	free(hidden);
	free(ei);
	av_engine_unref(&e);
}

static void test_temp_dir(const char *db)
{
	struct av_engine_opts o = opts_for(db);
	o.temp_directory = "/nonexistent/postern-av-tmp";
	struct av_engine *e = load(&o);
	if (!tap_ok(e != NULL, "an engine with a temporary directory that does not exist"))
		return;
	char *ei = av_test_eicar();
	struct buf *m = av_test_msg_plain("nothing here");
	check_scan(e, m, AV_SCAN_ERROR, "Can't create temporary directory",
		   "libclamav cannot work: a scan error, although it says clean");
	buf_free(&m);
	m = av_test_msg_plain(ei);
	check_scan(e, m, AV_SCAN_ERROR, "Can't create temporary directory",
		   "... for every message");
	buf_free(&m);
	free(ei);
	av_engine_unref(&e);
}

int main(void)
{
	char *db = xasprintf("%s/db", tap_tmpdir());
	char *error = NULL;
	av_test_make_db(db);
	if (!tap_ok(av_engine_global_init(&error) > 0, "libclamav initialises"))
		tap_diag("%s", error);
	tap_ok(av_engine_version()[0] != '\0', "libclamav %s", av_engine_version());
	test_load_errors();
	test_detections(db);
	test_limits(db);
	test_fd(db);
	test_temp_dir(db);
	test_unpack(db);
	free(db);
	av_test_rm_tree(tap_tmpdir());
	return tap_done();
}

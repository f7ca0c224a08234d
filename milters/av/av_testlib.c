/* av_testlib.c: shared fixtures of the av unit tests (see av_testlib.h). */
#define _XOPEN_SOURCE 700
#include "av_testlib.h"

#include <errno.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "tap.h"

const char av_test_payload[] = "postern-av hash signature test payload\n";

char *av_test_eicar(void)
{
	return xasprintf("%s%s", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
			 "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
}

static void hex(struct buf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%02x", p[i]);
}

void av_test_make_db(const char *dir)
{
	char *e = av_test_eicar();
	struct buf *b = buf_new(0);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		abort();
	buf_append_str(b, "Postern.Test.EICAR:0:*:");
	hex(b, (const unsigned char *)e, strlen(e));
	buf_append_str(b, "\n");
	char *path = xasprintf("%s/test.ndb", dir);
	tap_write_file(path, buf_cstr(b));
	free(path);

	if (EVP_Digest(av_test_payload, strlen(av_test_payload), md, &mdlen, EVP_md5(), NULL) != 1)
		abort();
	buf_reset(b);
	hex(b, md, mdlen);
	buf_printf(b, ":%zu:Postern.Test.Payload\n", strlen(av_test_payload));
	path = xasprintf("%s/test.hdb", dir);
	tap_write_file(path, buf_cstr(b));
	free(path);
	buf_free(&b);
	free(e);
}

static void base64_bytes(struct buf *out, const unsigned char *data, size_t n)
{
	for (size_t i = 0; i < n; i += 57) {
		unsigned char line[80];
		int len = EVP_EncodeBlock(line, data + i, (int)(n - i < 57 ? n - i : 57));
		buf_printf(out, "%.*s\r\n", len, (const char *)line);
	}
}

void av_test_base64(struct buf *out, const char *data)
{
	base64_bytes(out, (const unsigned char *)data, strlen(data));
}

/* The CRC-32 of zip (polynomial 0xEDB88320). */
static unsigned long zip_crc(const unsigned char *p, size_t n)
{
	unsigned long crc = 0xffffffffUL;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320UL & (0UL - (crc & 1)));
	}
	return crc ^ 0xffffffffUL;
}

static void le(struct buf *out, unsigned long v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		buf_append_char(out, (char)((v >> (8 * i)) & 0xff));
}

void av_test_zip(struct buf *out, const char *name, const char *data, unsigned method)
{
	size_t nlen = strlen(name), dlen = strlen(data), start = out->len;
	unsigned long crc = zip_crc((const unsigned char *)data, dlen);
	/* local file header, data */
	le(out, 0x04034b50, 4);
	le(out, 20, 2);
	le(out, 0, 2);
	le(out, method, 2);
	le(out, 0, 4); /* time, date */
	le(out, crc, 4);
	le(out, dlen, 4);
	le(out, dlen, 4);
	le(out, nlen, 2);
	le(out, 0, 2);
	buf_append(out, name, nlen);
	buf_append(out, data, dlen);
	size_t central = out->len;
	/* central directory header */
	le(out, 0x02014b50, 4);
	le(out, 20, 2);
	le(out, 20, 2);
	le(out, 0, 2);
	le(out, method, 2);
	le(out, 0, 4);
	le(out, crc, 4);
	le(out, dlen, 4);
	le(out, dlen, 4);
	le(out, nlen, 2);
	le(out, 0, 2); /* extra */
	le(out, 0, 2); /* comment */
	le(out, 0, 2); /* disk */
	le(out, 0, 2); /* internal attributes */
	le(out, 0, 4); /* external attributes */
	le(out, 0, 4); /* offset of the local header */
	buf_append(out, name, nlen);
	size_t end = out->len;
	/* end of central directory */
	le(out, 0x06054b50, 4);
	le(out, 0, 4);
	le(out, 1, 2);
	le(out, 1, 2);
	le(out, end - central, 4);
	le(out, central - start, 4);
	le(out, 0, 2);
}

void av_test_attach_bytes(struct buf *m, const char *name, const void *data, size_t len)
{
	buf_printf(m,
		   "--B\r\nContent-Type: application/octet-stream; name=\"%s\"\r\n"
		   "Content-Transfer-Encoding: base64\r\n"
		   "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
		   name, name);
	base64_bytes(m, data, len);
}

static const char head[] = "Received: from client.example.test by mail.example.test\r\n"
			   "From: a@example.test\r\nTo: b@example.test\r\nSubject: test\r\n"
			   "MIME-Version: 1.0\r\n";

struct buf *av_test_msg_plain(const char *body)
{
	struct buf *m = buf_new(0);
	buf_printf(m, "%sContent-Type: text/plain\r\n\r\n%s\r\n", head, body);
	return m;
}

void av_test_attach(struct buf *m, const char *name, const char *data)
{
	buf_printf(m,
		   "--B\r\nContent-Type: application/octet-stream; name=\"%s\"\r\n"
		   "Content-Transfer-Encoding: base64\r\n"
		   "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
		   name, name);
	av_test_base64(m, data);
}

struct buf *av_test_msg_attachments(int n, const char *first)
{
	struct buf *m = buf_new(0);
	buf_printf(m, "%sContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n", head);
	buf_append_str(m, "--B\r\nContent-Type: text/plain\r\n\r\nsee the attachments\r\n");
	for (int i = 0; i < n; i++) {
		char name[32], text[64];
		snprintf(name, sizeof(name), "f%d.bin", i);
		snprintf(text, sizeof(text), "attachment number %d, nothing in it\n", i);
		av_test_attach(m, name, i == 0 && first != NULL ? first : text);
	}
	buf_append_str(m, "--B--\r\n");
	return m;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		abort();
	return 0;
}

void av_test_rm_tree(const char *path)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		abort();
}

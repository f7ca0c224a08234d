/* av_testlib.h: fixtures the av unit tests share: the EICAR string, a
 * signature database written at run time, test messages, and removal of
 * a test's directory tree. Fatal (abort) on any file system error.
 */
#ifndef POSTERN_AV_TESTLIB_H
#define POSTERN_AV_TESTLIB_H

#include "buf.h"

/* The hash signature of make_db() matches this attachment content. */
extern const char av_test_payload[];

/* av_test_eicar: the EICAR test string (malloc'd; caller frees), built
 * from two halves so no source file is itself a test virus. */
char *av_test_eicar(void);

/* av_test_make_db: write dir/test.ndb (EICAR anywhere, "Postern.Test.EICAR")
 * and dir/test.hdb (MD5 of av_test_payload, "Postern.Test.Payload");
 * dir is created if missing. */
void av_test_make_db(const char *dir);

/* av_test_msg_plain: a text/plain message with body (caller frees). */
struct buf *av_test_msg_plain(const char *body);

/* av_test_msg_attachments: a multipart/mixed message with n base64
 * attachments; the first holds first when it is not NULL, the others a
 * line of text. */
struct buf *av_test_msg_attachments(int n, const char *first);

/* av_test_attach: append one base64 attachment part (boundary "B"). */
void av_test_attach(struct buf *m, const char *name, const char *data);

/* av_test_base64: append data as base64 lines of 76 characters. */
void av_test_base64(struct buf *out, const char *data);

/* av_test_zip: a zip archive with one member name holding data, stored
 * under compression method (0: stored, as is; any other number: data is
 * written as is but labelled with that method, e.g. 14 for LZMA). The
 * archive is appended to out. */
void av_test_zip(struct buf *out, const char *name, const char *data, unsigned method);

/* av_test_attach_bytes: av_test_attach() for len bytes that may hold NULs. */
void av_test_attach_bytes(struct buf *m, const char *name, const void *data, size_t len);

/* av_test_rm_tree: remove path and everything under it; a missing path is
 * fine. */
void av_test_rm_tree(const char *path);

#endif

/* sasl_passwd_file.h: a Dovecot passwd-file, read and checked.
 *
 * Lines are "user:password[:uid:gid:gecos:home:shell:extra]"; blank
 * lines and lines starting with "#" are skipped. The password is
 * "{SCHEME}data" or, without a scheme, CRYPT (Dovecot's default for
 * passwd-file). Schemes: SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, MD5-CRYPT,
 * CRYPT (checked with crypt(3)), PLAIN, CLEAR and CLEARTEXT; another
 * scheme is an error naming the file and line. Not thread-safe: one
 * thread uses a file at a time.
 */
#ifndef POSTERN_SASL_PASSWD_FILE_H
#define POSTERN_SASL_PASSWD_FILE_H

struct sasl_passwd_file;

/* sasl_passwd_file_open: read path. 1 with *file_r (free with
 * sasl_passwd_file_free); -1 with *error_r ("path:line: ..." for a bad
 * line, "path: ..." when it cannot be read). */
int sasl_passwd_file_open(const char *path, struct sasl_passwd_file **file_r, char **error_r);
/* sasl_passwd_file_free: release *filep and set it NULL; accepts NULL. */
void sasl_passwd_file_free(struct sasl_passwd_file **filep);

/* sasl_passwd_file_check: does password match user's entry? Reads the file
 * again first when it changed on disk (keeping the old contents, with a
 * warning logged, when the new ones are bad). 1 match; 0 no match or no
 * such user (the time taken is about the same either way); -1 when the
 * file has become unreadable. Slow by design: call it off the loop. */
int sasl_passwd_file_check(struct sasl_passwd_file *file, const char *user, const char *password);

#endif

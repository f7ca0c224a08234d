/* log.h: one logging API for every Postern program.
 *
 * Lines go to syslog (facility mail, tag "postern/NAME", with the pid), or,
 * in the foreground, to stderr in the same form syslog would write to a file
 * ("Nov 23 19:50:01 host postern/NAME[pid]: text") so log tools such as
 * pflogsumm can read a foreground log unchanged. Severity prefixes follow
 * Postfix: "warning: ", "error: ", "fatal: ", "panic: ". Whether a debug line
 * is written is decided here, never at the call site. Thread-safe: each line
 * is formatted in a stack buffer and written with one call.
 *
 * The tag is per thread where a thread names itself: posternd's delivery
 * threads log as "postern/smtp", its scheduler as "postern/qmgr", as
 * Postfix's separate daemons would, so that pflogsumm counts right. In
 * syslog mode the lines are sent to /dev/log directly (log_syslog.c),
 * since syslog(3) has one ident per process.
 */
#ifndef POSTERN_LOG_H
#define POSTERN_LOG_H

#include <stdarg.h>

enum log_dest {
	LOG_DEST_SYSLOG,
	LOG_DEST_STDERR,
};

/* log_init: name is the program part of the tag, e.g. "smtpd" gives
 * "postern/smtpd". May be called again to change name or destination. */
void log_init(const char *name, enum log_dest dest);
/* log_set_verbose: each -v raises the level; log_debug lines need >= 1. */
void log_set_verbose(int level);
int log_get_verbose(void);
/* log_name: the calling thread's tag, e.g. "postern/smtpd". */
const char *log_name(void);
/* log_set_thread_name: the calling thread logs as "postern/name" from
 * now on; NULL goes back to the process-wide name of log_init. */
void log_set_thread_name(const char *name);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_info_as: one info line tagged "postern/name" whatever the thread's
 * tag, for an event Postfix logs from another daemon (cleanup's
 * message-id=, qmgr's from=). */
void log_info_as(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_debug: written only when the verbose level is at least level. */
void log_debug(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_fatal: a startup or configuration failure; logs and exits with 1. */
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* log_panic: a bug; logs and aborts. */
void log_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void log_vwrite(int priority, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* log_vwrite_as: log_vwrite with tag "postern/name" (NULL: the thread's). */
void log_vwrite_as(const char *name, int priority, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

#endif

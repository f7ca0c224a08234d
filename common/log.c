/* log.c: syslog or stderr logging in Postfix's line format, with a tag
 * per thread (see log.h). */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log_syslog.h"
#include "self_pid.h"

#define LOG_TAG_SIZE 64

static char log_tag[LOG_TAG_SIZE] = "postern";
static __thread char log_thread_tag[LOG_TAG_SIZE]; /* "" until the thread names itself */
static enum log_dest log_dest = LOG_DEST_STDERR;
static int log_verbose;
static char log_host[64] = "localhost";
/* log_tag_format: "postern" or "postern/name" into tag. */
static void log_tag_format(char *tag, size_t size, const char *name)
{
	if (name == NULL || *name == '\0' || strcmp(name, "postern") == 0)
		snprintf(tag, size, "postern");
	else
		snprintf(tag, size, "postern/%s", name);
}

void log_init(const char *name, enum log_dest dest)
{
	log_tag_format(log_tag, sizeof(log_tag), name);
	log_dest = dest;
	if (gethostname(log_host, sizeof(log_host)) != 0)
		snprintf(log_host, sizeof(log_host), "localhost");
	log_host[sizeof(log_host) - 1] = '\0';
	char *dot = strchr(log_host, '.');
	if (dot != NULL)
		*dot = '\0';
	if (dest == LOG_DEST_SYSLOG)
		log_syslog_open();
}

void log_set_thread_name(const char *name)
{
	if (name == NULL)
		log_thread_tag[0] = '\0';
	else
		log_tag_format(log_thread_tag, sizeof(log_thread_tag), name);
}

void log_set_verbose(int level)
{
	log_verbose = level;
}

int log_get_verbose(void)
{
	return log_verbose;
}

const char *log_name(void)
{
	return log_thread_tag[0] != '\0' ? log_thread_tag : log_tag;
}

/* log_room: clamp a snprintf result to what fits, keeping one byte spare
 * for the newline. */
static size_t log_room(size_t off, int n, size_t cap)
{
	if (n < 0)
		return off;
	return off + (size_t)n < cap ? off + (size_t)n : cap - 1;
}

void log_vwrite(int priority, const char *prefix, const char *fmt, va_list ap)
{
	log_vwrite_as(NULL, priority, prefix, fmt, ap);
}

void log_vwrite_as(const char *name, int priority, const char *prefix, const char *fmt, va_list ap)
{
	char line[4096];
	char named[LOG_TAG_SIZE];
	const char *tag = log_name();
	const size_t cap = sizeof(line) - 1; /* room for '\n' */
	size_t off = 0;

	if (name != NULL) {
		log_tag_format(named, sizeof(named), name);
		tag = named;
	}
	if (log_dest == LOG_DEST_STDERR) {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		off = strftime(line, cap, "%b %e %H:%M:%S ", &tm);
		off = log_room(off,
			       snprintf(line + off, cap - off, "%s %s[%ld]: ", log_host, tag,
					(long)self_pid()),
			       cap);
	}
	size_t body = off;
	off = log_room(off, snprintf(line + off, cap - off, "%s", prefix), cap);
	off = log_room(off, vsnprintf(line + off, cap - off, fmt, ap), cap);
	/* One event, one line: control characters would let input forge lines. */
	for (size_t i = body; i < off; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (log_dest == LOG_DEST_SYSLOG) {
		line[off] = '\0';
		log_syslog_send(priority, tag, line);
		return;
	}
	line[off++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, off);
	(void)w;
}

#define LOG_WRAPPER(fn, prio, prefix)            \
	void fn(const char *fmt, ...)                \
	{                                            \
		va_list ap;                              \
		va_start(ap, fmt);                       \
		log_vwrite(prio, prefix, fmt, ap);       \
		va_end(ap);                              \
	}

LOG_WRAPPER(log_info, LOG_INFO, "")
LOG_WRAPPER(log_warn, LOG_WARNING, "warning: ")
LOG_WRAPPER(log_error, LOG_ERR, "error: ")

void log_info_as(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vwrite_as(name, LOG_INFO, "", fmt, ap);
	va_end(ap);
}

void log_debug(int level, const char *fmt, ...)
{
	if (log_verbose < level)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, "", fmt, ap);
	va_end(ap);
}

void log_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}

void log_panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, "panic: ", fmt, ap);
	va_end(ap);
	abort();
}

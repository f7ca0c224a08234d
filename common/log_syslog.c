/* log_syslog.c: one datagram per log line to /dev/log, tagged per call
 * (see log_syslog.h). */
#include "log_syslog.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "self_pid.h"

#define LOG_SYSLOG_PATH "/dev/log"

static pthread_mutex_t log_syslog_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_syslog_fd = -1;

/* log_syslog_connect: (re)connect; the lock is held. */
static void log_syslog_connect(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (log_syslog_fd >= 0)
		close(log_syslog_fd);
	log_syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (log_syslog_fd < 0)
		return;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", LOG_SYSLOG_PATH);
	if (connect(log_syslog_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(log_syslog_fd);
		log_syslog_fd = -1;
	}
}

void log_syslog_open(void)
{
	pthread_mutex_lock(&log_syslog_lock);
	log_syslog_connect();
	pthread_mutex_unlock(&log_syslog_lock);
}

void log_syslog_send(int priority, const char *tag, const char *text)
{
	char dgram[4300];
	time_t now = time(NULL);
	struct tm tm;
	size_t off;
	int n;

	localtime_r(&now, &tm);
	off = (size_t)snprintf(dgram, sizeof(dgram), "<%d>", LOG_MAIL | priority);
	off += strftime(dgram + off, sizeof(dgram) - off, "%b %e %H:%M:%S ", &tm);
	n = snprintf(dgram + off, sizeof(dgram) - off, "%s[%ld]: %s", tag, (long)self_pid(), text);
	if (n < 0)
		return;
	off = off + (size_t)n < sizeof(dgram) ? off + (size_t)n : sizeof(dgram) - 1;
	pthread_mutex_lock(&log_syslog_lock);
	if (log_syslog_fd < 0 || send(log_syslog_fd, dgram, off, MSG_NOSIGNAL) < 0) {
		log_syslog_connect();
		if (log_syslog_fd >= 0 && send(log_syslog_fd, dgram, off, MSG_NOSIGNAL) < 0) {
			close(log_syslog_fd);
			log_syslog_fd = -1;
		}
	}
	pthread_mutex_unlock(&log_syslog_lock);
}

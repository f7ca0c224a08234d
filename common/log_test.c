/* log_test.c: log lines have Postfix's form, severity prefixes, no control
 * characters, a tag per thread, and debug lines appear only at the verbose
 * level asked for. */
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

/* capture: run fn with stderr redirected to a file; return what it wrote. */
static char *capture(void (*fn)(void))
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/stderr.txt", tap_tmpdir());
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	close(fd);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	static char text[8192];
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(text, 1, sizeof(text) - 1, fp) : 0;
	text[n] = '\0';
	if (fp)
		fclose(fp);
	return text;
}

static int matches(const char *text, const char *pattern)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE) != 0)
		return 0;
	int ok = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static void emit_info(void)
{
	log_init("smtpd", LOG_DEST_STDERR);
	log_info("4ABC: client=host[192.0.2.1]");
}

static void emit_severities(void)
{
	log_warn("w %d", 1);
	log_error("e");
}

static void emit_forged(void)
{
	log_info("from=<a>\nNov 1 00:00:00 host postern/smtpd[1]: forged");
}

static void emit_debug(void)
{
	log_set_verbose(0);
	log_debug(1, "hidden");
	log_set_verbose(2);
	log_debug(2, "shown");
	log_debug(3, "hidden too");
	log_set_verbose(0);
}

static void *delivery_thread(void *arg)
{
	(void)arg;
	log_set_thread_name("smtp");
	log_info("4ABC: to=<a@example.test>, status=sent (250 ok)");
	return NULL;
}

/* emit_threads: a thread that names itself, then the main thread, which
 * kept its own tag, and a line logged as another daemon. */
static void emit_threads(void)
{
	pthread_t tid;
	pthread_create(&tid, NULL, delivery_thread, NULL);
	pthread_join(tid, NULL);
	log_info("4ABC: after");
	log_info_as("qmgr", "4ABC: removed");
}

static void emit_long(void)
{
	char big[10000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
}

int main(void)
{
	const char *t = capture(emit_info);
	tap_ok(matches(t, "^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [^ ]+ "
			  "postern/smtpd\\[[0-9]+\\]: 4ABC: client=host\\[192\\.0\\.2\\.1\\]$"),
	       "a line has syslog's file form with the postern/NAME[pid] tag");
	tap_is_str(log_name(), "postern/smtpd", "log_name gives the tag");

	t = capture(emit_severities);
	tap_ok(matches(t, "\\]: warning: w 1$"), "warnings carry Postfix's prefix");
	tap_ok(matches(t, "\\]: error: e$"), "errors carry Postfix's prefix");

	t = capture(emit_forged);
	tap_ok(strchr(t, '\n') == t + strlen(t) - 1, "a newline in the text cannot start a new line");
	tap_ok(strstr(t, "<a>?Nov") != NULL, "control characters become '?'");

	t = capture(emit_debug);
	tap_ok(strstr(t, "shown") != NULL, "debug lines at the verbose level appear");
	tap_ok(strstr(t, "hidden") == NULL, "debug lines above the level do not");

	t = capture(emit_threads);
	tap_ok(matches(t, "^.* postern/smtp\\[[0-9]+\\]: 4ABC: to=<a@example.test>, status=sent "
			  "\\(250 ok\\)\n"
			  ".* postern/smtpd\\[[0-9]+\\]: 4ABC: after\n"
			  ".* postern/qmgr\\[[0-9]+\\]: 4ABC: removed$"),
	       "a thread logs under its own name; others keep theirs; log_info_as names one line");
	tap_is_str(log_name(), "postern/smtpd", "the main thread's tag is unchanged");

	t = capture(emit_long);
	tap_ok(t[strlen(t) - 1] == '\n' && strchr(t, '\n') == t + strlen(t) - 1,
	       "an over-long line is cut and still ends with one newline");

	/* the pid is remembered, and forgotten by a fork */
	char want[64];
	snprintf(want, sizeof(want), "[%ld]: 4ABC", (long)getpid());
	t = capture(emit_info);
	tap_ok(strstr(t, want) != NULL, "the line carries the process's pid");
	int pfd[2];
	if (pipe(pfd) != 0)
		return 1;
	pid_t child = fork();
	if (child == 0) {
		dup2(pfd[1], STDERR_FILENO);
		log_info("4ABC: child");
		_exit(0);
	}
	close(pfd[1]);
	char line[512] = "";
	ssize_t got = read(pfd[0], line, sizeof(line) - 1);
	line[got > 0 ? got : 0] = '\0';
	close(pfd[0]);
	waitpid(child, NULL, 0);
	snprintf(want, sizeof(want), "[%ld]: 4ABC: child", (long)child);
	tap_ok(strstr(line, want) != NULL, "a forked child logs its own pid");

	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDERR_FILENO);
		log_fatal("bad %s", "config");
	}
	int status;
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "log_fatal exits with status 1");
	return tap_done();
}

/* sasl_passwd.c: the built-in "passwd-file" SASL back-end: PLAIN and
 * LOGIN checked against a Dovecot passwd-file.
 *
 * The conversation runs on the worker's loop; the password check (crypt(3)
 * is slow on purpose) runs on the back-end's helper thread, which also
 * reads the file again when it changed. Results come back through a pipe
 * watched by the loop. Usernames are treated as Dovecot treats them by
 * default: smtpd_sasl_local_domain is appended to a name without "@" (like
 * auth_default_realm), the name is lower-cased (auth_username_format =
 * %Lu), and only Dovecot's default auth_username_chars are allowed.
 */
#include "sasl_private.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "sasl_passwd_file.h"

struct sasl_passwd_job {
	struct sasl_server *owner; /* NULL once the session gave up (under the lock) */
	char *user;
	char *password;
	int result; /* 1 match, 0 no match, -1 the file cannot be read */
	struct sasl_passwd_job *next;
};

struct sasl_passwd {
	struct sasl_backend be;	       /* first: the back-end is a sasl_passwd */
	struct sasl_passwd_file *file; /* used by the helper thread only */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct sasl_passwd_job *waiting, *done; /* under lock */
	int stop;			     /* under lock */
	int pipe[2];
	struct event *done_ev;
};

/* One session's conversation. */
struct sasl_passwd_conv {
	int login_step;		     /* LOGIN: 0 username next, 1 password next */
	char *user;		     /* LOGIN: the username given */
	struct sasl_passwd_job *job; /* the check in progress */
};

#define SASL_LOGIN_USERNAME "VXNlcm5hbWU6" /* "Username:" */
#define SASL_LOGIN_PASSWORD "UGFzc3dvcmQ6" /* "Password:" */

static void sasl_passwd_job_free(struct sasl_passwd_job *job)
{
	free(job->user);
	if (job->password != NULL)
		explicit_bzero(job->password, strlen(job->password));
	free(job->password);
	free(job);
}

static void *sasl_passwd_thread(void *arg)
{
	struct sasl_passwd *pw = arg;
	pthread_mutex_lock(&pw->lock);
	for (;;) {
		while (pw->waiting == NULL && !pw->stop)
			pthread_cond_wait(&pw->wake, &pw->lock);
		if (pw->stop)
			break;
		struct sasl_passwd_job *job = pw->waiting;
		pw->waiting = job->next;
		pthread_mutex_unlock(&pw->lock);
		job->result = sasl_passwd_file_check(pw->file, job->user, job->password);
		pthread_mutex_lock(&pw->lock);
		job->next = pw->done;
		pw->done = job;
		char c = 0;
		if (write(pw->pipe[1], &c, 1) < 0 && errno != EAGAIN)
			log_warn("passwd-file: cannot wake the worker: %m");
	}
	pthread_mutex_unlock(&pw->lock);
	return NULL;
}

/* sasl_passwd_done_cb: deliver the finished checks on the loop. */
static void sasl_passwd_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sasl_passwd *pw = arg;
	char drain[64];
	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&pw->lock);
	struct sasl_passwd_job *done = pw->done;
	pw->done = NULL;
	pthread_mutex_unlock(&pw->lock);
	while (done != NULL) {
		struct sasl_passwd_job *job = done;
		done = job->next;
		struct sasl_server *s = job->owner;
		if (s != NULL) {
			struct sasl_passwd_conv *conv = s->impl;
			conv->job = NULL;
			if (job->result == 1)
				sasl_server_result(s, SASL_OK, NULL, job->user, NULL, 0);
			else if (job->result == 0)
				sasl_server_result(s, SASL_FAIL, NULL, job->user, NULL, 0);
			else
				sasl_server_result(s, SASL_FAIL, NULL, job->user,
						   "authentication back-end unavailable", 1);
		}
		sasl_passwd_job_free(job);
	}
}

/* sasl_passwd_username: the name to look up, as Dovecot would: qualified
 * with the local domain and lower-cased; NULL when it has a character
 * Dovecot does not allow by default. */
static char *sasl_passwd_username(const struct sasl_server_conf *conf, const char *given)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "01234567890.-_@";
	if (*given == '\0' || given[strspn(given, allowed)] != '\0')
		return NULL;
	char *name = strchr(given, '@') == NULL && *conf->local_domain
			     ? xasprintf("%s@%s", given, conf->local_domain)
			     : xstrdup(given);
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return name;
}

/* sasl_passwd_check: queue the check of user/password for s. */
static void sasl_passwd_check(struct sasl_server *s, const char *user, const char *password)
{
	struct sasl_passwd *pw = (struct sasl_passwd *)s->be;
	struct sasl_passwd_conv *conv = s->impl;
	free(s->attempt_user);
	s->attempt_user = xstrdup(user);
	char *name = sasl_passwd_username(s->conf, user);
	if (name == NULL) {
		sasl_server_result(s, SASL_FAIL, NULL, user, "Invalid username", 0);
		return;
	}
	struct sasl_passwd_job *job = xcalloc(1, sizeof(*job));
	job->owner = s;
	job->user = name;
	job->password = xstrdup(password);
	conv->job = job;
	pthread_mutex_lock(&pw->lock);
	struct sasl_passwd_job **tail = &pw->waiting;
	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = job;
	pthread_cond_signal(&pw->wake);
	pthread_mutex_unlock(&pw->lock);
}

/* sasl_passwd_decode: a response as text: base64 without NUL inside
 * (PLAIN's separators are checked by the caller). */
static int sasl_passwd_decode(const char *response, int nul_ok, char **data_r, size_t *len_r)
{
	if (sasl_base64_decode(response, data_r, len_r) < 0)
		return -1;
	if (!nul_ok && strlen(*data_r) != *len_r) {
		explicit_bzero(*data_r, *len_r);
		free(*data_r);
		return -1;
	}
	return 1;
}

/* sasl_passwd_plain: RFC 4616 "authzid NUL authcid NUL passwd". */
static void sasl_passwd_plain(struct sasl_server *s, const char *response)
{
	char *data;
	size_t len;
	if (sasl_passwd_decode(response, 1, &data, &len) < 0) {
		sasl_server_result(s, SASL_FAIL, NULL, NULL, "Invalid base64 data in response", 0);
		return;
	}
	const char *end = data + len;
	char *nul1 = memchr(data, '\0', len);
	char *nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1)) : NULL;
	if (nul2 == NULL || memchr(nul2 + 1, '\0', (size_t)(end - nul2 - 1)) != NULL) {
		sasl_server_result(s, SASL_FAIL, NULL, NULL, "Invalid PLAIN response", 0);
	} else if (*data != '\0' && strcmp(data, nul1 + 1) != 0) {
		sasl_server_result(s, SASL_FAIL, NULL, nul1 + 1,
				   "Authorization identity not allowed", 0);
	} else {
		sasl_passwd_check(s, nul1 + 1, nul2 + 1);
	}
	explicit_bzero(data, len);
	free(data);
}

/* sasl_passwd_login: one LOGIN step (username, then password). */
static void sasl_passwd_login(struct sasl_server *s, const char *response)
{
	struct sasl_passwd_conv *conv = s->impl;
	char *data;
	size_t len;
	if (sasl_passwd_decode(response, 0, &data, &len) < 0) {
		sasl_server_result(s, SASL_FAIL, NULL, conv->user,
				   "Invalid base64 data in response", 0);
		return;
	}
	if (conv->login_step == 0) {
		conv->user = data;
		conv->login_step = 1;
		free(s->attempt_user);
		s->attempt_user = xstrdup(data);
		sasl_server_result(s, SASL_CONTINUE, SASL_LOGIN_PASSWORD, NULL, NULL, 0);
		return;
	}
	sasl_passwd_check(s, conv->user, data);
	explicit_bzero(data, len);
	free(data);
}

static void sasl_passwd_conv_free(struct sasl_server *s)
{
	struct sasl_passwd_conv *conv = s->impl;
	if (conv == NULL)
		return;
	free(conv->user);
	free(conv);
	s->impl = NULL;
}

static void sasl_passwd_start(struct sasl_server *s, const char *mech, const char *initial)
{
	sasl_passwd_conv_free(s);
	s->impl = xcalloc(1, sizeof(struct sasl_passwd_conv));
	if (strcmp(mech, "PLAIN") == 0) {
		if (initial == NULL)
			sasl_server_result(s, SASL_CONTINUE, "", NULL, NULL, 0);
		else
			sasl_passwd_plain(s, initial);
	} else if (initial == NULL) {
		sasl_server_result(s, SASL_CONTINUE, SASL_LOGIN_USERNAME, NULL, NULL, 0);
	} else {
		sasl_passwd_login(s, initial);
	}
}

static void sasl_passwd_step(struct sasl_server *s, const char *response)
{
	if (strcmp(s->mech, "PLAIN") == 0)
		sasl_passwd_plain(s, response);
	else
		sasl_passwd_login(s, response);
}

static void sasl_passwd_cancel(struct sasl_server *s)
{
	struct sasl_passwd *pw = (struct sasl_passwd *)s->be;
	struct sasl_passwd_conv *conv = s->impl;
	if (conv != NULL && conv->job != NULL) {
		pthread_mutex_lock(&pw->lock);
		conv->job->owner = NULL;
		pthread_mutex_unlock(&pw->lock);
	}
	sasl_passwd_conv_free(s);
}

static void sasl_passwd_ensure(struct sasl_backend *be)
{
	sasl_backend_ready(be);
}

static void sasl_passwd_free(struct sasl_backend *be)
{
	struct sasl_passwd *pw = (struct sasl_passwd *)be;
	pthread_mutex_lock(&pw->lock);
	pw->stop = 1;
	pthread_cond_signal(&pw->wake);
	pthread_mutex_unlock(&pw->lock);
	pthread_join(pw->thread, NULL);
	for (struct sasl_passwd_job **list = &pw->waiting; list != NULL;
	     list = list == &pw->waiting ? &pw->done : NULL)
		while (*list != NULL) {
			struct sasl_passwd_job *job = *list;
			*list = job->next;
			sasl_passwd_job_free(job);
		}
	event_free(pw->done_ev);
	close(pw->pipe[0]);
	close(pw->pipe[1]);
	pthread_cond_destroy(&pw->wake);
	pthread_mutex_destroy(&pw->lock);
	sasl_passwd_file_free(&pw->file);
	free(pw);
}

static const struct sasl_backend_ops sasl_passwd_ops = {
	.ensure = sasl_passwd_ensure,
	.start = sasl_passwd_start,
	.step = sasl_passwd_step,
	.cancel = sasl_passwd_cancel,
	.free = sasl_passwd_free,
};

int sasl_passwd_new(const struct sasl_server_conf *conf, struct event_base *base,
		    struct sasl_backend **be_r, char **error_r)
{
	struct sasl_passwd_file *file;
	if (sasl_passwd_file_open(conf->path, &file, error_r) < 0)
		return -1;
	struct sasl_passwd *pw = xcalloc(1, sizeof(*pw));
	sasl_backend_init(&pw->be, conf, base, &sasl_passwd_ops);
	pw->file = file;
	static const char *const names[] = {"PLAIN", "LOGIN"};
	pw->be.mechs = xcalloc(2, sizeof(*pw->be.mechs));
	for (size_t i = 0; i < 2; i++) {
		pw->be.mechs[i].name = xstrdup(names[i]);
		pw->be.mechs[i].flags = SASL_MECH_PLAINTEXT;
	}
	pw->be.n_mechs = 2;
	pw->be.ready = 1;
	if (pipe2(pw->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		log_fatal("passwd-file: pipe: %m");
	pthread_mutex_init(&pw->lock, NULL);
	pthread_cond_init(&pw->wake, NULL);
	pw->done_ev = event_new(base, pw->pipe[0], EV_READ | EV_PERSIST, sasl_passwd_done_cb, pw);
	event_add(pw->done_ev, NULL);
	int err = pthread_create(&pw->thread, NULL, sasl_passwd_thread, pw);
	if (err != 0)
		log_fatal("passwd-file: cannot start the helper thread: %s", strerror(err));
	*be_r = &pw->be;
	return 1;
}

/* sasl_dovecot.c: a client of Dovecot's authentication protocol (the
 * "auth-client" socket), non-blocking on a worker's event_base.
 *
 * One connection per back-end carries the requests of all its sessions,
 * told apart by request id:
 *   -> VERSION 1 2, CPID n           (our handshake)
 *   <- VERSION, MECH name flags..., SPID, CUID, COOKIE, DONE
 *   -> AUTH id MECH service=smtp nologin lip= rip= [secured] [resp=b64]
 *   <- CONT id b64 | OK id user=name | FAIL id [user=] [reason=] [temp]
 *   -> CONT id b64
 * A lost connection fails the requests in flight as temporary failures
 * and AUTH is not offered until the connection is back; the next session
 * or EHLO connects again (at most once a second after a failure, so a
 * dead server does not get hammered).
 */
#include "sasl_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "mem.h"

/* Longest line accepted from the server. */
#define SASL_DOVECOT_LINE_MAX 65536
/* Seconds a connection may take to connect and finish the handshake:
 * sessions wait for it before their greeting. */
#define SASL_DOVECOT_HANDSHAKE_TIMEOUT 10

enum sasl_dovecot_state {
	DV_DOWN,
	DV_CONNECTING, /* connecting or in the handshake */
	DV_UP,
};

struct sasl_dovecot_req {
	unsigned id;
	struct sasl_server *s;
	char *line; /* the AUTH line, while waiting for the connection */
	struct sasl_dovecot_req *next;
};

struct sasl_dovecot {
	struct sasl_backend be; /* first: the back-end is a sasl_dovecot */
	struct bufferevent *bev;
	enum sasl_dovecot_state state;
	unsigned next_id;
	time_t failed_at;	     /* the last failure to connect */
	struct sasl_mech *new_mechs; /* collected during the handshake */
	size_t n_new_mechs;
	struct sasl_dovecot_req *reqs;
};

static unsigned sasl_dovecot_cpid_counter;

static void sasl_dovecot_mechs_clear(struct sasl_mech **mechs, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*mechs)[i].name);
	free(*mechs);
	*mechs = NULL;
	*n = 0;
}

static struct sasl_dovecot_req *sasl_dovecot_find(struct sasl_dovecot *dv, unsigned id)
{
	for (struct sasl_dovecot_req *r = dv->reqs; r != NULL; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

static void sasl_dovecot_unlink(struct sasl_dovecot *dv, struct sasl_dovecot_req *req)
{
	for (struct sasl_dovecot_req **p = &dv->reqs; *p != NULL; p = &(*p)->next)
		if (*p == req) {
			*p = req->next;
			break;
		}
	req->s->impl = NULL;
	free(req->line);
	free(req);
}

/* sasl_dovecot_down: drop the connection (a failed attempt to connect
 * when connect_failed); fail what was in flight. */
static void sasl_dovecot_down(struct sasl_dovecot *dv, const char *why, int connect_failed)
{
	if (dv->bev != NULL)
		bufferevent_free(dv->bev);
	dv->bev = NULL;
	dv->state = DV_DOWN;
	dv->be.ready = 0; /* AUTH is offered again once connected */
	sasl_dovecot_mechs_clear(&dv->new_mechs, &dv->n_new_mechs);
	if (connect_failed)
		dv->failed_at = time(NULL);
	while (dv->reqs != NULL) {
		struct sasl_dovecot_req *req = dv->reqs;
		struct sasl_server *s = req->s;
		sasl_dovecot_unlink(dv, req);
		sasl_server_result(s, SASL_FAIL, NULL, s->attempt_user, why, 1);
	}
	/* Sessions waiting for the mechanism list are told there is none. */
	sasl_backend_ready(&dv->be);
}

static void sasl_dovecot_send_queued(struct sasl_dovecot *dv)
{
	for (struct sasl_dovecot_req *r = dv->reqs; r != NULL; r = r->next)
		if (r->line != NULL) {
			bufferevent_write(dv->bev, r->line, strlen(r->line));
			FREE_AND_NULL(r->line);
		}
}

/* sasl_dovecot_mech_line: "MECH\tNAME\tflag\tflag..." during the handshake. */
static void sasl_dovecot_mech_line(struct sasl_dovecot *dv, char *args)
{
	static const struct {
		const char *name;
		unsigned flag;
	} flags[] = {
		{"plaintext", SASL_MECH_PLAINTEXT},
		{"dictionary", SASL_MECH_DICTIONARY},
		{"active", SASL_MECH_ACTIVE},
		{"anonymous", SASL_MECH_ANONYMOUS},
		{"mutual-auth", SASL_MECH_MUTUAL_AUTH},
		{"forward-secrecy", SASL_MECH_FORWARD_SECRECY},
		{"private", SASL_MECH_PRIVATE},
	};
	char *save, *word = strtok_r(args, "\t", &save);
	if (word == NULL)
		return;
	dv->new_mechs = xreallocarray(dv->new_mechs, dv->n_new_mechs + 1, sizeof(*dv->new_mechs));
	struct sasl_mech *m = &dv->new_mechs[dv->n_new_mechs++];
	m->name = xstrdup(word);
	for (char *p = m->name; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	m->flags = 0;
	while ((word = strtok_r(NULL, "\t", &save)) != NULL)
		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (strcmp(word, flags[i].name) == 0)
				m->flags |= flags[i].flag;
}

static void sasl_dovecot_handshake_line(struct sasl_dovecot *dv, char *cmd, char *args)
{
	if (strcmp(cmd, "VERSION") == 0) {
		if (args == NULL || strncmp(args, "1\t", 2) != 0) {
			log_warn("SASL: %s: unsupported Dovecot auth protocol version %s",
				 dv->be.path, args ? args : "(none)");
			sasl_dovecot_down(dv, "Connection lost to authentication server", 1);
		}
	} else if (strcmp(cmd, "MECH") == 0 && args != NULL) {
		sasl_dovecot_mech_line(dv, args);
	} else if (strcmp(cmd, "DONE") == 0) {
		sasl_dovecot_mechs_clear(&dv->be.mechs, &dv->be.n_mechs);
		dv->be.mechs = dv->new_mechs;
		dv->be.n_mechs = dv->n_new_mechs;
		dv->new_mechs = NULL;
		dv->n_new_mechs = 0;
		dv->be.ready = 1;
		dv->state = DV_UP;
		bufferevent_set_timeouts(dv->bev, NULL, NULL);
		sasl_dovecot_send_queued(dv);
		sasl_backend_ready(&dv->be);
	}
}

/* sasl_dovecot_reply: OK, CONT or FAIL for one request. */
static void sasl_dovecot_reply(struct sasl_dovecot *dv, const char *cmd, char *args)
{
	char *save, *id_text = args ? strtok_r(args, "\t", &save) : NULL;
	if (id_text == NULL)
		return;
	struct sasl_dovecot_req *req = sasl_dovecot_find(dv, (unsigned)strtoul(id_text, NULL, 10));
	if (req == NULL)
		return; /* a request its session gave up */
	struct sasl_server *s = req->s;
	if (strcmp(cmd, "CONT") == 0) {
		char *challenge = strtok_r(NULL, "\t", &save);
		sasl_server_result(s, SASL_CONTINUE, challenge ? challenge : "", NULL, NULL, 0);
		return;
	}
	const char *user = NULL, *reason = NULL;
	int temp = 0;
	for (char *w = strtok_r(NULL, "\t", &save); w != NULL; w = strtok_r(NULL, "\t", &save)) {
		if (strncmp(w, "user=", 5) == 0)
			user = w + 5;
		else if (strncmp(w, "reason=", 7) == 0)
			reason = w + 7;
		else if (strcmp(w, "temp") == 0)
			temp = 1;
	}
	sasl_dovecot_unlink(dv, req);
	if (strcmp(cmd, "OK") == 0 && user != NULL)
		sasl_server_result(s, SASL_OK, NULL, user, NULL, 0);
	else if (strcmp(cmd, "OK") == 0)
		sasl_server_result(s, SASL_FAIL, NULL, NULL, "no user name from the server", 1);
	else
		sasl_server_result(s, SASL_FAIL, NULL, user ? user : s->attempt_user, reason, temp);
}

static void sasl_dovecot_read_cb(struct bufferevent *bev, void *arg)
{
	struct sasl_dovecot *dv = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	while (dv->bev == bev && (line = evbuffer_readln(in, NULL, EVBUFFER_EOL_LF)) != NULL) {
		char *tab = strchr(line, '\t');
		if (tab != NULL)
			*tab++ = '\0';
		if (dv->state == DV_CONNECTING)
			sasl_dovecot_handshake_line(dv, line, tab);
		else if (strcmp(line, "OK") == 0 || strcmp(line, "CONT") == 0 ||
			 strcmp(line, "FAIL") == 0)
			sasl_dovecot_reply(dv, line, tab);
		free(line);
	}
	if (dv->bev == bev && evbuffer_get_length(in) > SASL_DOVECOT_LINE_MAX) {
		log_warn("SASL: %s: line too long from the authentication server", dv->be.path);
		sasl_dovecot_down(dv, "Connection lost to authentication server", 0);
	}
}

static void sasl_dovecot_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct sasl_dovecot *dv = arg;
	(void)bev;
	if (events & BEV_EVENT_CONNECTED) {
		char hello[64];
		unsigned cpid = ((unsigned)getpid() << 8) | (sasl_dovecot_cpid_counter++ & 0xff);
		int n = snprintf(hello, sizeof(hello), "VERSION\t1\t2\nCPID\t%u\n", cpid);
		bufferevent_write(dv->bev, hello, (size_t)n);
		return;
	}
	int err = EVUTIL_SOCKET_ERROR();
	int connecting = dv->state == DV_CONNECTING;
	if (connecting)
		log_warn("SASL: Connect to %s failed: %s", dv->be.path,
			 (events & BEV_EVENT_TIMEOUT)	     ? "timed out"
			 : (events & BEV_EVENT_ERROR) && err ? strerror(err)
							     : "connection closed");
	sasl_dovecot_down(dv, "Connection lost to authentication server", connecting);
}

/* sasl_dovecot_connect: start connecting (DV_DOWN only). */
static void sasl_dovecot_connect(struct sasl_dovecot *dv)
{
	if (time(NULL) - dv->failed_at < 1) {
		sasl_dovecot_down(dv, "Can't connect to authentication server", 0);
		return;
	}
	dv->state = DV_CONNECTING;
	dv->bev = bufferevent_socket_new(dv->be.base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(dv->bev, sasl_dovecot_read_cb, NULL, sasl_dovecot_event_cb, dv);
	bufferevent_enable(dv->bev, EV_READ | EV_WRITE);
	struct timeval limit = {SASL_DOVECOT_HANDSHAKE_TIMEOUT, 0};
	bufferevent_set_timeouts(dv->bev, &limit, &limit);
	const struct sockspec_addr *addr = &dv->be.addrs[0];
	if (bufferevent_socket_connect(dv->bev, (const struct sockaddr *)&addr->ss,
				       (int)addr->len) < 0) {
		log_warn("SASL: Connect to %s failed: %s", dv->be.path, strerror(errno));
		sasl_dovecot_down(dv, "Can't connect to authentication server", 1);
	}
}

static void sasl_dovecot_ensure(struct sasl_backend *be)
{
	struct sasl_dovecot *dv = (struct sasl_dovecot *)be;
	if (dv->state == DV_DOWN)
		sasl_dovecot_connect(dv);
	else if (dv->state == DV_UP)
		sasl_backend_ready(be);
}

static void sasl_dovecot_send(struct sasl_server *s, char *line)
{
	struct sasl_dovecot *dv = (struct sasl_dovecot *)s->be;
	struct sasl_dovecot_req *req = s->impl;
	if (dv->state == DV_UP) {
		bufferevent_write(dv->bev, line, strlen(line));
		free(line);
	} else {
		free(req->line);
		req->line = line;
		if (dv->state == DV_DOWN)
			sasl_dovecot_connect(dv);
	}
}

static void sasl_dovecot_start(struct sasl_server *s, const char *mech, const char *initial)
{
	struct sasl_dovecot *dv = (struct sasl_dovecot *)s->be;
	struct sasl_dovecot_req *req = xcalloc(1, sizeof(*req));
	req->id = ++dv->next_id;
	req->s = s;
	req->next = dv->reqs;
	dv->reqs = req;
	s->impl = req;
	struct buf line;
	buf_init(&line, 0);
	buf_printf(&line, "AUTH\t%u\t%s\tservice=%s\tnologin\tlip=%s\trip=%s\tlport=%u\trport=%u",
		   req->id, mech, s->conf->service, s->server_addr, s->client_addr, s->server_port,
		   s->client_port);
	if (s->tls)
		buf_append_str(&line, "\tsecured");
	if (initial != NULL)
		buf_printf(&line, "\tresp=%s", initial);
	buf_append_char(&line, '\n');
	char *text = buf_detach(&line);
	buf_deinit(&line);
	sasl_dovecot_send(s, text);
}

static void sasl_dovecot_step(struct sasl_server *s, const char *response)
{
	struct sasl_dovecot_req *req = s->impl;
	sasl_dovecot_send(s, xasprintf("CONT\t%u\t%s\n", req->id, response));
}

static void sasl_dovecot_cancel(struct sasl_server *s)
{
	struct sasl_dovecot *dv = (struct sasl_dovecot *)s->be;
	if (s->impl != NULL)
		sasl_dovecot_unlink(dv, s->impl);
}

static void sasl_dovecot_free(struct sasl_backend *be)
{
	struct sasl_dovecot *dv = (struct sasl_dovecot *)be;
	if (dv->bev != NULL)
		bufferevent_free(dv->bev);
	while (dv->reqs != NULL)
		sasl_dovecot_unlink(dv, dv->reqs);
	sasl_dovecot_mechs_clear(&dv->new_mechs, &dv->n_new_mechs);
	free(dv);
}

static const struct sasl_backend_ops sasl_dovecot_ops = {
	.ensure = sasl_dovecot_ensure,
	.start = sasl_dovecot_start,
	.step = sasl_dovecot_step,
	.cancel = sasl_dovecot_cancel,
	.free = sasl_dovecot_free,
};

int sasl_dovecot_new(const struct sasl_server_conf *conf, struct event_base *base,
		     struct sasl_backend **be_r, char **error_r)
{
	if (conf->n_auth_addrs == 0) {
		*error_r = xasprintf("smtpd_sasl_path: %s: no address", conf->path);
		return -1;
	}
	struct sasl_dovecot *dv = xcalloc(1, sizeof(*dv));
	sasl_backend_init(&dv->be, conf, base, &sasl_dovecot_ops);
	sasl_dovecot_connect(dv);
	*be_r = &dv->be;
	return 1;
}

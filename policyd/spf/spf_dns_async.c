/* spf_dns_async.c: non-blocking DNS queries on the event loop (see
 * spf_dns_async.h). Queries are made by res_nmkquery() as the blocking
 * layer makes them (same flags, no EDNS), with an ID of our own that no
 * other pending query has; answers are read in a batch each time the
 * socket becomes readable. */
#include "config.h"

#include "spf_dns_async.h"

#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mem.h"

struct pending {
	struct pending *prev, *next;
	struct spf_dns_async *a;
	struct event *timer;
	char *domain;
	int type;
	uint16_t id;
	unsigned char question[NS_MAXCDNAME + 2 * NS_INT16SZ]; /* as sent */
	size_t question_len;
	spf_dns_async_fn *fn;
	void *arg;
};

struct spf_dns_async {
	struct __res_state res;
	struct event_base *base;
	struct event *read_ev;
	int fd;
	struct timeval timeout;
	struct pending *pending;
	unsigned char buf[NS_MAXMSG];
};

static void pending_free(struct pending *p)
{
	struct spf_dns_async *a = p->a;
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		a->pending = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	event_free(p->timer);
	free(p->domain);
	free(p);
}

/* finish: take p off the list, then tell its caller. */
static void finish(struct pending *p, const unsigned char *answer, int len)
{
	spf_dns_async_fn *fn = p->fn;
	void *arg = p->arg;
	char *domain = p->domain;
	int type = p->type;
	p->domain = NULL;
	pending_free(p);
	fn(arg, domain, type, answer, len);
	free(domain);
}

static struct pending *find(struct spf_dns_async *a, uint16_t id)
{
	for (struct pending *p = a->pending; p != NULL; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* answers: is the message in buf (at least a header long) a response
 * with p's question? The name is compared without regard to case (label
 * lengths are below 64, so folding leaves them alone), type and class
 * exactly. */
static int answers(const struct pending *p, const unsigned char *buf, size_t len)
{
	if (!(buf[2] & 0x80) || ns_get16(buf + 4) != 1 || len < NS_HFIXEDSZ + p->question_len)
		return 0;
	const unsigned char *q = buf + NS_HFIXEDSZ;
	size_t name_len = p->question_len - 2 * NS_INT16SZ;
	for (size_t i = 0; i < name_len; i++)
		if (fold(q[i]) != fold(p->question[i]))
			return 0;
	return memcmp(q + name_len, p->question + name_len, 2 * NS_INT16SZ) == 0;
}

/* usable: an answer the blocking resolver would have taken as it is. */
static int usable(const unsigned char *buf, int len)
{
	ns_msg msg;
	if (ns_initparse(buf, len, &msg) < 0 || ns_msg_getflag(msg, ns_f_tc))
		return 0;
	int rcode = ns_msg_getflag(msg, ns_f_rcode);
	return rcode == ns_r_noerror || rcode == ns_r_nxdomain;
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spf_dns_async *a = arg;
	for (;;) {
		ssize_t n = recv(fd, a->buf, sizeof(a->buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (n < NS_HFIXEDSZ)
			continue;
		struct pending *p = find(a, ns_get16(a->buf));
		if (p == NULL || !answers(p, a->buf, (size_t)n))
			continue;
		if (usable(a->buf, (int)n))
			finish(p, a->buf, (int)n);
		else
			finish(p, NULL, SPF_DNS_ASYNC_NONE);
	}
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	finish(arg, NULL, SPF_DNS_ASYNC_NONE);
}

struct spf_dns_async *spf_dns_async_new(struct event_base *base)
{
	struct spf_dns_async *a = xcalloc(1, sizeof(*a));
	a->fd = -1;
	if (res_ninit(&a->res) != 0)
		goto fail;
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (a->res.nscount < 1 || (a->res.options & RES_USEVC))
		goto fail;
	if (a->res.nsaddr_list[0].sin_family == AF_INET) {
		len = sizeof(struct sockaddr_in);
		memcpy(&ss, &a->res.nsaddr_list[0], len);
	} else if (a->res._u._ext.nsaddrs[0] != NULL) {
		len = sizeof(struct sockaddr_in6);
		memcpy(&ss, a->res._u._ext.nsaddrs[0], len);
	} else {
		goto fail;
	}
	a->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0 || connect(a->fd, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	a->timeout.tv_sec = a->res.retrans > 0 ? a->res.retrans : 1;
	a->base = base;
	a->read_ev = event_new(base, a->fd, EV_READ | EV_PERSIST, read_cb, a);
	event_add(a->read_ev, NULL);
	return a;
fail:
	if (a->fd >= 0)
		close(a->fd);
	res_nclose(&a->res);
	free(a);
	return NULL;
}

int spf_dns_async_query(struct spf_dns_async *a, const char *domain, int type,
			spf_dns_async_fn *fn, void *arg)
{
	unsigned char q[NS_PACKETSZ];
	int qlen = res_nmkquery(&a->res, ns_o_query, domain, ns_c_in, type, NULL, 0, NULL, q,
				sizeof(q));
	if (qlen < 0)
		return -1;
	uint16_t id;
	do
		id = (uint16_t)arc4random_uniform(65536);
	while (find(a, id) != NULL);
	ns_put16(id, q);
	if (send(a->fd, q, (size_t)qlen, 0) != qlen)
		return -1;
	struct pending *p = xcalloc(1, sizeof(*p));
	p->question_len = (size_t)qlen - NS_HFIXEDSZ;
	memcpy(p->question, q + NS_HFIXEDSZ, p->question_len);
	p->a = a;
	p->id = id;
	p->type = type;
	p->domain = xstrdup(domain);
	p->fn = fn;
	p->arg = arg;
	p->timer = evtimer_new(a->base, timeout_cb, p);
	evtimer_add(p->timer, &a->timeout);
	p->next = a->pending;
	if (a->pending != NULL)
		a->pending->prev = p;
	a->pending = p;
	return 1;
}

void spf_dns_async_free(struct spf_dns_async **ap)
{
	struct spf_dns_async *a = *ap;
	if (a == NULL)
		return;
	while (a->pending != NULL)
		finish(a->pending, NULL, SPF_DNS_ASYNC_CANCELLED);
	event_free(a->read_ev);
	close(a->fd);
	res_nclose(&a->res);
	FREE_AND_NULL(*ap);
}

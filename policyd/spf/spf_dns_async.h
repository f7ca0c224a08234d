/* spf_dns_async.h: DNS queries sent from the event loop without blocking
 * it, so that the loop can evaluate a request itself once the answers its
 * evaluation needs have arrived (see spf_server.c), instead of handing it
 * to a worker that waits for each answer.
 *
 * One UDP socket, connected to the first name server of resolv.conf, and
 * one try per query: an answer counts only when its ID and question are
 * the query's, it is not truncated, and its code is NOERROR or NXDOMAIN.
 * Anything else (a timeout after resolv.conf's timeout, SERVFAIL, a
 * truncated answer that needs TCP, a send that fails) is reported as no
 * answer, and the caller asks the blocking resolver (res_nsend, with every
 * server, retry and TCP of resolv.conf) instead: what an evaluation sees
 * is then what it would have seen without this module.
 */
#ifndef POSTERN_SPF_DNS_ASYNC_H
#define POSTERN_SPF_DNS_ASYNC_H

#include <event2/event.h>

struct spf_dns_async;

/* The answer to the query for domain and type: len bytes of DNS message,
 * or len is SPF_DNS_ASYNC_NONE (ask the blocking resolver) or
 * SPF_DNS_ASYNC_CANCELLED (spf_dns_async_free: the caller only releases
 * arg). domain and answer are valid during the call only. */
typedef void spf_dns_async_fn(void *arg, const char *domain, int type,
			      const unsigned char *answer, int len);
#define SPF_DNS_ASYNC_NONE (-1)
#define SPF_DNS_ASYNC_CANCELLED (-2)

/* spf_dns_async_new: a client on base, or NULL when resolv.conf's first
 * server cannot be asked this way (none, TCP only, socket error). */
struct spf_dns_async *spf_dns_async_new(struct event_base *base);

/* spf_dns_async_query: send the query for domain and type; fn(arg, ...)
 * is called from the loop once. Returns 1, or -1 when nothing was sent
 * (fn is then not called). */
int spf_dns_async_query(struct spf_dns_async *a, const char *domain, int type,
			spf_dns_async_fn *fn, void *arg);

/* spf_dns_async_free: cancel what is pending (each fn called with
 * SPF_DNS_ASYNC_CANCELLED), close the socket, set *ap to NULL; accepts
 * NULL. */
void spf_dns_async_free(struct spf_dns_async **ap);

#endif

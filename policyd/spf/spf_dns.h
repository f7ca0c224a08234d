/* spf_dns.h: the bottom DNS layer under libspf2: lookups with the system
 * resolver (resolv.conf, as libspf2's own "resolv" layer), answers kept in
 * a cache shared by every engine for as long as DNS says they may be:
 *   - records: the smallest TTL of the answer's records;
 *   - NXDOMAIN and "no records of that type" (NODATA): RFC 2308 section 5,
 *     the smaller of the SOA record's TTL and its MINIMUM field, from the
 *     authority section; a negative answer without a SOA is not kept;
 *   - temporary failures (SERVFAIL, timeouts, malformed answers) and
 *     refusals are never kept: the next check asks again.
 * The cache's own TTL caps every entry (dns_cache_max_ttl).
 *
 * A layer is used by one thread at a time (it holds a resolver state and
 * an answer buffer); the cache may be shared between threads.
 *
 * A request may also carry answers of its own (spf_dns_set_answers): every
 * answer the layer obtains for it is added there whatever its TTL, and is
 * looked up there first, so that an evaluation run again for the same
 * request sees the same answers, temporary failures included. Offline, the
 * layer asks no server: a lookup that neither store answers is a temporary
 * failure, and the first such name is noted (spf_dns_missing) for the
 * caller to fetch (spf_dns_async.h) before it runs the evaluation again.
 */
#ifndef POSTERN_SPF_DNS_H
#define POSTERN_SPF_DNS_H

/* libspf2's headers need these first */
#include <stddef.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

struct spf_cache;

/* spf_dns_new: a layer that keeps answers in cache (NULL: no caching; not
 * owned). Returns the layer (libspf2's destroy hook frees it), or NULL
 * with *error_r when the resolver cannot be set up. */
SPF_dns_server_t *spf_dns_new(struct spf_cache *cache, char **error_r);

/* spf_dns_answers_new: an empty store for one request's answers (free
 * with spf_cache_free). */
struct spf_cache *spf_dns_answers_new(void);

/* spf_dns_set_answers: the store of the request evaluated next (NULL:
 * none; not owned) and whether the layer is offline. Forgets the missing
 * name of the evaluation before. */
void spf_dns_set_answers(SPF_dns_server_t *layer, struct spf_cache *answers, int offline);

/* spf_dns_missing: offline, the first name a lookup found in neither
 * store, with its type in *type_r; NULL when nothing was missing. */
const char *spf_dns_missing(SPF_dns_server_t *layer, int *type_r);

/* spf_dns_known: 1 when the request's answers or the cache hold the
 * answer for domain and type (a lookup would ask no server), else 0. */
int spf_dns_known(SPF_dns_server_t *layer, const char *domain, int type);

/* spf_dns_add_answer: a DNS message (len bytes; len < 0: no answer, a
 * temporary failure) answering the query for domain and type, obtained
 * elsewhere: kept as the layer keeps its own answers. */
void spf_dns_add_answer(SPF_dns_server_t *layer, const char *domain, int type,
			const unsigned char *answer, int len);

#endif

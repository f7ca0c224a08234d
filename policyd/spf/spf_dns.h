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

#endif

/* deliver_route.h: the addresses a delivery tries for a next hop, in
 * order: MX hosts by preference (equal preferences in the order the DNS
 * gave), or the host itself; each host's IPv4 then IPv6 addresses.
 *
 * Lookups go through the asynchronous resolver of common/dns.h, run to
 * completion on a private event loop of the calling delivery thread. As
 * in Postfix, a domain without MX records is tried at its own A/AAAA
 * records; a name that does not exist is a permanent failure (bounce),
 * a failed lookup a temporary one (defer).
 */
#ifndef POSTERN_DELIVER_ROUTE_H
#define POSTERN_DELIVER_ROUTE_H

#include <stddef.h>

#include "sockspec.h"

/* Address families to use (inet_protocols). */
#define DELIVER_ROUTE_IPV4 0x1u
#define DELIVER_ROUTE_IPV6 0x2u

struct deliver_target {
	char *host; /* the host name ("mx1.example.test"), the literal, or the unix path */
	struct sockspec_addr addr;
};

struct deliver_route {
	struct deliver_target *targets;
	size_t n;
};

/* deliver_route_find: the targets of nexthop (forms in deliver_smtp.h;
 * lmtp selects the LMTP forms and port 24), with addresses of the
 * families in families only (host names are looked up for those). 1 with *route_r filled
 * (release with deliver_route_deinit); 0 permanent failure and -1
 * temporary failure, both with dsn_r (16 bytes) and *error_r, the text
 * Postfix logs ("Host or domain name not found. Name service error for
 * name=... type=MX: Host not found"). */
int deliver_route_find(const char *nexthop, int lmtp, unsigned families,
		       struct deliver_route *route_r, char dsn_r[16], char **error_r);
/* deliver_route_destination: the name Postfix matches against
 * smtp_connection_cache_destinations for nexthop: the host without [] or
 * port ("[mx.example]:2525" gives "mx.example"), the path of an LMTP unix
 * socket without "unix:"; nexthop itself when it cannot be parsed.
 * Malloc'd. */
char *deliver_route_destination(const char *nexthop, int lmtp);
/* deliver_route_deinit: free the targets; accepts a zeroed route. */
void deliver_route_deinit(struct deliver_route *route);

/* deliver_target_name: "host[addr]:port" (or "host[path]" for a unix
 * socket) into buf of size bytes (SOCKSPEC_ADDRSTRLEN + a host name is
 * enough at 512); returns buf. */
const char *deliver_target_name(const struct deliver_target *t, char *buf, size_t size);

#endif

/* dns_private.h: the parts of the dns module shared by its files. */
#ifndef POSTERN_DNS_PRIVATE_H
#define POSTERN_DNS_PRIVATE_H

#include <stddef.h>

#include "dns.h"

/* dns_packet_decode: fill *result (status, nxdomain, why, records) from
 * libunbound's rcode and answer packet for a lookup of type. The records
 * are malloc'd: release them with dns_result_deinit(). A packet that
 * cannot be decoded is a DNS_TEMPFAIL ("malformed answer"). */
void dns_packet_decode(int rcode, const void *packet, size_t len, enum dns_type type,
		       struct dns_result *result);

/* dns_result_deinit: release the records of a result filled by
 * dns_packet_decode(); accepts a zeroed result. */
void dns_result_deinit(struct dns_result *result);

/* dns_name_valid: 1 when name can be asked of the DNS (1 to 253 octets
 * without its trailing dot, labels of 1 to 63 octets, no white space or
 * control characters), 0 otherwise. */
int dns_name_valid(const char *name);

#endif

/* fuzz_dns_packet.c: libFuzzer target for common/dns_packet.c, the decoder
 * of DNS answers: any bytes, as the answer to each record type, give a
 * result whose status and records are consistent (records only when
 * found, each with text; a failure has a reason), and everything is
 * freed. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dns_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_type types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_PTR,
					       DNS_T_TXT };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct dns_result r = { 0 };
		dns_packet_decode(0, data, size, types[i], &r);
		if ((r.status == DNS_FOUND) != (r.n > 0))
			abort();
		if (r.status == DNS_TEMPFAIL && r.why == NULL)
			abort();
		for (size_t k = 0; k < r.n; k++)
			if (r.rr[k].text == NULL)
				abort();
		dns_result_deinit(&r);
	}
	return 0;
}

/* fuzz_spf_record.c: libFuzzer target for postern-spf's record path.
 *
 * Input: one byte choosing record or explanation, then the text. The
 * guard (spf_guard.c) decides; whatever it accepts is compiled by libspf2
 * 1.2.10 exactly as the daemon would let it, so a record the guard lets
 * through that overflows libspf2's buffers (CVE-2023-42118 and its kind)
 * is caught by AddressSanitizer here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <spf2/spf.h>

#include "../../policyd/spf/spf_guard.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static SPF_server_t *server(void)
{
	static SPF_server_t *s;
	if (s == NULL)
		s = SPF_server_new(SPF_DNS_RESOLV, 0);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	char *reason = NULL;
	SPF_response_t *resp = SPF_response_new(NULL);
	if (data[0] & 1) {
		if (spf_guard_explanation(text, &reason) == 1)
			SPF_server_set_explanation(server(), text, &resp);
	} else if (spf_guard_record(text, &reason) == 1) {
		SPF_record_t *record = NULL;
		SPF_record_compile(server(), resp, &record, text);
		if (record != NULL)
			SPF_record_free(record);
	} else if (reason == NULL || *reason == '\0') {
		abort(); /* a refusal always says why */
	}
	if (resp != NULL)
		SPF_response_free(resp);
	free(reason);
	free(text);
	return 0;
}

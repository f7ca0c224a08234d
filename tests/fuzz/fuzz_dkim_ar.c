/* fuzz_dkim_ar.c: libFuzzer target for the Authentication-Results code of
 * postern-dkim (milters/dkim/dkim_ar.c, compiled in here). The input is
 * read as an incoming field value: its authserv-id is parsed. It is also
 * cut into an authserv-id and signature properties for the field we write:
 * the id read back from our own field must be the id we wrote. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../milters/dkim/dkim_ar.c"
#include "../../milters/dkim/dkim_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const char *dkim_result_name(enum dkim_result r)
{
	return r == DKIM_RESULT_PASS ? "pass" : "fail";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *id = NULL;
	memcpy(text, data, size);
	text[size] = '\0';
	if (dkim_ar_authserv_id(text, &id) > 0 && *id == '\0')
		abort();
	free(id);

	/* "ID|domain|selector|b": the id must be a token to be written. */
	char *parts[4] = {text, "", "", ""};
	char *p = text;
	for (int i = 1; i < 4 && (p = strchr(p, '|')) != NULL; i++) {
		*p++ = '\0';
		parts[i] = p;
	}
	int token = *parts[0] != '\0';
	for (const char *c = parts[0]; *c != '\0'; c++)
		token &= ar_token_char((unsigned char)*c);
	if (token) {
		struct dkim_sig_result r = {DKIM_RESULT_PASS, NULL, parts[1],
					    parts[2],	      NULL, parts[3],
					    "rsa-sha256",     2048};
		char *field = dkim_ar_value(parts[0], &r, 1);
		char *back = NULL;
		if (dkim_ar_authserv_id(field, &back) <= 0 || strcmp(back, parts[0]) != 0)
			abort();
		free(back);
		free(field);
	}
	free(text);
	return 0;
}

/* fuzz_table_texthash.c: libFuzzer target for texthash: tables: postmap(1) "key value" text
 * parsed from memory, then looked up (see fuzz_table.h). */
#include "fuzz_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"example.com", "", "key", NULL};
	return fuzz_table_run("texthash", data, size, keys);
}

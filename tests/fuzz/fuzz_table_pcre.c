/* fuzz_table_pcre.c: libFuzzer target for pcre: tables: pcre_table(5) text
 * parsed from memory, then looked up (see fuzz_table.h). */
#include "fuzz_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
	    "user@example.com", "", "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "multi\nline", NULL};
	return fuzz_table_run("pcre", data, size, keys);
}

/* fuzz_table_regexp.c: libFuzzer target for regexp: tables: regexp_table(5)
 * text (POSIX syntax translated to PCRE2) parsed from memory, then looked
 * up (see fuzz_table.h). */
#include "fuzz_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
	    "user@example.com", "", "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "multi\nline", NULL};
	return fuzz_table_run("regexp", data, size, keys);
}

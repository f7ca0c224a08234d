/* fuzz_table_cidr.c: libFuzzer target for cidr: tables: cidr_table(5) text
 * parsed from memory, then looked up (see fuzz_table.h). */
#include "fuzz_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"192.0.2.1",	     "10.1.2.3", "2001:db8::1",
					   "::ffff:1.2.3.4", "::",	 "0.0.0.0",
					   "not an address", NULL};
	return fuzz_table_run("cidr", data, size, keys);
}

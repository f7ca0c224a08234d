/* crc32c.h: CRC-32C (Castagnoli), the checksum of iSCSI, ext4 and btrfs.
 *
 * Used where a file must prove that it is complete and undamaged (queue
 * files). The SSE4.2 crc32 instruction is used when the CPU has it, a table
 * otherwise; both give the same result. Thread-safe, no allocation.
 */
#ifndef POSTERN_CRC32C_H
#define POSTERN_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc32c: the CRC-32C of data, continuing from crc (0 to start). Chaining
 * is exact: crc32c(crc32c(0, a, n), b, m) is the CRC of a followed by b. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);
/* crc32c_portable: the same function computed with the table only, never
 * with the CPU instruction (for tests and for CPUs without SSE4.2). */
uint32_t crc32c_portable(uint32_t crc, const void *data, size_t len);

#endif

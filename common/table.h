/* table.h: lookup tables in Postfix's "type:name" notation.
 *
 * A table is opened once from a spec such as "hash:/etc/postfix/access",
 * "cidr:/etc/postfix/client.cidr", "pcre:{ {/^x/ REJECT} }",
 * "static:OK" or "inline:{ a=1, { b = text } }", then looked up from any
 * number of threads. The supported types (see postern-tables(5)):
 *
 *   texthash, and hash btree dbm sdbm lmdb cdb: "key value" text, read from
 *       the postmap(1) source file itself (no .db needed)
 *   cidr            cidr_table(5)
 *   pcre            pcre_table(5), PCRE2 with JIT
 *   regexp          regexp_table(5), POSIX syntax translated to PCRE2
 *   static, inline  as in postconf(5)
 *   proxy:TYPE:NAME the same as TYPE:NAME (Postern reads tables itself)
 *
 * Keys of fixed-string tables (all but cidr, pcre, regexp) are folded to
 * lower case when the table is read and before each lookup, as Postfix
 * does, unless TABLE_NO_FOLD is given. Pattern tables see the key as is.
 *
 * Tables read from a file reload themselves: a lookup checks the file with
 * stat() at most once per second and, when it changed, parses it again and
 * swaps the new contents in atomically. A file that fails to parse leaves
 * the previous contents in place; the failure is logged once per version of
 * the file (log_warn). table_reload() does the same check on demand.
 *
 * Every function that can fail returns -1 and sets *error_r to a malloc'd
 * message the caller frees; problems inside a table file read
 * "FILE:LINE: message".
 */
#ifndef POSTERN_TABLE_H
#define POSTERN_TABLE_H

#include <stddef.h>

struct table;

enum table_flags {
	TABLE_FLAGS_NONE = 0,
	/* Keep the case of keys in fixed-string tables (postmap -f). */
	TABLE_NO_FOLD = 1 << 0,
};

/* table_open: open the table named by spec ("type:name"); flags is a set
 * of enum table_flags. Returns 1 and sets *table_r (free with table_free()),
 * or -1 with *error_r: unknown type, unreadable file, or the first error in
 * the table's contents ("FILE:LINE: ..."). */
int table_open(const char *spec, int flags, struct table **table_r, char **error_r);

/* table_open_buffer: parse len bytes of text in the format of a file-based
 * table type (texthash and its aliases, cidr, pcre, regexp); origin names
 * the text in error messages. The table never reloads. Returns 1 with
 * *table_r, or -1 with *error_r. */
int table_open_buffer(const char *type, const char *origin, const char *text, size_t len, int flags,
		      struct table **table_r, char **error_r);

/* table_lookup: look key up. Returns 1 and sets *value_r (a malloc'd copy
 * the caller frees) when found, 0 when not found (*value_r untouched), or
 * -1 with *error_r when the lookup could not be done (try again later; a
 * caller answers "defer", never "no match"). Thread-safe. */
int table_lookup(struct table *table, const char *key, char **value_r, char **error_r);

/* table_reload: re-read the table's file now if it changed since it was
 * last read, regardless of the once-per-second limit (for SIGHUP). Returns
 * 1 reloaded, 0 unchanged or not file-based, -1 with *error_r when the new
 * version cannot be read or parsed (the old contents stay in use). */
int table_reload(struct table *table, char **error_r);

/* table_spec: the spec the table was opened with; owned by the table. */
const char *table_spec(const struct table *table);

/* table_is_pattern: 1 for tables that match patterns against the whole
 * search string (cidr, pcre, regexp), which Postfix never asks for partial
 * keys such as parent domains or "user@"; 0 otherwise. */
int table_is_pattern(const struct table *table);

/* table_free: close the table and set *table_r to NULL; accepts NULL. No
 * lookup may be running on the table. */
void table_free(struct table **table_r);

#endif

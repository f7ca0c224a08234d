/* cfg_parse.h: read Postfix main.cf syntax into a cfg layer.
 *
 * Syntax (postconf(5)): each logical line is "name = value"; white space
 * around "=" and at the end of the value is dropped; "#" starts a comment
 * only as the first non-white character of a line (elsewhere it is part of
 * the value); continuation and comment rules as in cfg_lines.h. When a name
 * is defined twice the last definition wins and a warning "overriding
 * earlier entry" is recorded, as postconf does. Values are stored
 * unexpanded.
 *
 * Problems go to the caller's cfg_diags with file and line (a line that is
 * not "name = value" is an error and is skipped); parsing always continues
 * to the end so every problem is found. The parser is incremental (input in
 * chunks of any size) and bounded (CFG_LINES_MAX_DEFAULT per logical line).
 */
#ifndef POSTERN_CFG_PARSE_H
#define POSTERN_CFG_PARSE_H

#include <stddef.h>

#include "cfg.h"
#include "cfg_diag.h"

struct cfg_parser;

/* cfg_parser_new: parse into c; file names the input in entries and
 * findings (copied). diags must outlive the parser. */
struct cfg_parser *cfg_parser_new(struct cfg *c, const char *file, struct cfg_diags *diags);
/* cfg_parser_feed: the next len bytes of input. */
void cfg_parser_feed(struct cfg_parser *p, const char *data, size_t len);
/* cfg_parser_finish: end of input. 1 when this input had no error; -1 when
 * it had, with *error_r the first one, "file:line: message" (caller frees).
 * Entries from good lines are in the layer either way. */
int cfg_parser_finish(struct cfg_parser *p, char **error_r);
/* cfg_parser_free: release *pp and set it to NULL; accepts NULL. */
void cfg_parser_free(struct cfg_parser **pp);

/* cfg_parse_buf: parse a whole buffer (new + feed + finish + free). */
int cfg_parse_buf(struct cfg *c, const char *file, const char *data, size_t len,
		  struct cfg_diags *diags, char **error_r);

/* cfg_load_file: parse the file at path. 1 ok; 0 when the file does not
 * exist (c unchanged, no finding); -1 on a read error or a syntax error,
 * with *error_r as for cfg_parser_finish. */
int cfg_load_file(struct cfg *c, const char *path, struct cfg_diags *diags, char **error_r);

/* cfg_split_nameval: split "name = value" (or "name=value") the way a
 * main.cf line is split. On success 1 with *name_r and *value_r malloc'd
 * (the value without the white space around it); -1 with a message in
 * *error_r. Used for main.cf lines and -o overrides alike. */
int cfg_split_nameval(const char *text, char **name_r, char **value_r, char **error_r);

#endif

/* relay_conf_value.h: typed parameter values read from a configuration
 * view, for the relay's own modules.
 *
 * Each function reads one parameter of the postern.cf table
 * (relay_params.h) as seen from a view (defaults <- main.cf <- -o
 * overrides), expands $name references (except for "raw" parameters, used
 * as written, as Postfix does), checks the value against the table row's
 * type and bounds, and converts it. A name without a table row is a bug
 * (panic). Errors are "file:line: name: message" when the value comes from
 * a file, "name: message" otherwise; the caller frees them.
 */
#ifndef POSTERN_RELAY_CONF_VALUE_H
#define POSTERN_RELAY_CONF_VALUE_H

#include "cfg.h"

/* relay_conf_str: the value as a string, malloc'd in *value_r. 1 ok, -1
 * error with *error_r. */
int relay_conf_str(const struct cfg *view, const char *name, char **value_r, char **error_r);
/* relay_conf_bool: *r 1 for yes, 0 for no. 1 ok, -1 error. */
int relay_conf_bool(const struct cfg *view, const char *name, int *r, char **error_r);
/* relay_conf_int: an INT row's value within its bounds. 1 ok, -1 error. */
int relay_conf_int(const struct cfg *view, const char *name, long long *r, char **error_r);
/* relay_conf_time: a TIME row's value in seconds. 1 ok, -1 error. */
int relay_conf_time(const struct cfg *view, const char *name, long long *r, char **error_r);
/* relay_conf_size: a SIZE row's value in bytes. 1 ok, -1 error. */
int relay_conf_size(const struct cfg *view, const char *name, long long *r, char **error_r);
/* relay_conf_list: a LIST row's items, a NULL-terminated malloc'd array
 * (free with cfg_list_free) in *items_r and their number in *n_r (may be
 * NULL). 1 ok, -1 error. */
int relay_conf_list(const struct cfg *view, const char *name, char ***items_r, size_t *n_r,
		    char **error_r);

struct table;
/* relay_conf_tables: a LIST row's items opened as lookup tables: a
 * NULL-terminated malloc'd array in *tables_r (NULL when the list is
 * empty) and its length in *n_r; release each with table_free, then the
 * array. 1 ok, -1 with *error_r ("name: why") and nothing left open. */
int relay_conf_tables(const struct cfg *view, const char *name, struct table ***tables_r,
		      size_t *n_r, char **error_r);

/* relay_conf_error: prefix message with where name is set in view
 * ("file:line: name: message" or "name: message"), malloc'd. */
char *relay_conf_error(const struct cfg *view, const char *name, const char *message);

#endif

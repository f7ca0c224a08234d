/* cfg_value.h: typed parameter values, read the way Postfix reads them.
 *
 *   bool   "yes" or "no", in any case
 *   int    a decimal integer (a leading "-" only where min < 0)
 *   size   a decimal number of bytes, no unit (Postfix accepts no "10M")
 *   time   a decimal number with an optional one-letter unit: s, m, h, d,
 *          w (lower case, as Postfix); without a unit the parameter's
 *          default unit applies
 * Each function takes the value after $name expansion and returns 1 with
 * the result, or -1 with a message in *error_r (caller frees) that quotes
 * the value but not the parameter name (the caller adds it).
 */
#ifndef POSTERN_CFG_VALUE_H
#define POSTERN_CFG_VALUE_H

/* cfg_value_bool: *r 1 for yes, 0 for no. */
int cfg_value_bool(const char *value, int *r, char **error_r);
/* cfg_value_int: an integer within [min, max]. */
int cfg_value_int(const char *value, long long min, long long max, long long *r,
		  char **error_r);
/* cfg_value_size: a byte count >= 0. */
int cfg_value_size(const char *value, long long *r, char **error_r);
/* cfg_value_time: *seconds_r; default_unit is one of s m h d w. */
int cfg_value_time(const char *value, char default_unit, long long *seconds_r,
		   char **error_r);

#endif

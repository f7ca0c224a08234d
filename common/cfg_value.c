/* cfg_value.c: bool, integer, size and time values (see cfg_value.h). */
#include "cfg_value.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

int cfg_value_bool(const char *value, int *r, char **error_r)
{
	if (strcasecmp(value, "yes") == 0) {
		*r = 1;
		return 1;
	}
	if (strcasecmp(value, "no") == 0) {
		*r = 0;
		return 1;
	}
	*error_r = xasprintf("bad boolean value \"%s\" (expected yes or no)", value);
	return -1;
}

/* cfg_decimal: digits (with an optional "-") at value; *end_r after them. */
static int cfg_decimal(const char *value, long long *r, const char **end_r)
{
	const char *p = value;
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	char *end;
	errno = 0;
	*r = strtoll(value, &end, 10);
	if (errno == ERANGE)
		return -1;
	*end_r = end;
	return 0;
}

int cfg_value_int(const char *value, long long min, long long max, long long *r,
		  char **error_r)
{
	const char *end;
	if (cfg_decimal(value, r, &end) < 0 || *end != '\0') {
		*error_r = xasprintf("bad numerical value \"%s\"", value);
		return -1;
	}
	if (*r < min || *r > max) {
		*error_r = xasprintf("value \"%s\" out of range (%lld..%lld)", value, min, max);
		return -1;
	}
	return 1;
}

int cfg_value_size(const char *value, long long *r, char **error_r)
{
	const char *end;
	if (cfg_decimal(value, r, &end) < 0 || *end != '\0' || *r < 0) {
		*error_r = xasprintf("bad size value \"%s\" (expected a number of bytes)", value);
		return -1;
	}
	return 1;
}

int cfg_value_time(const char *value, char default_unit, long long *seconds_r,
		   char **error_r)
{
	static const struct {
		char unit;
		long long seconds;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	long long n;
	const char *end;
	if (cfg_decimal(value, &n, &end) < 0 || n < 0 || (end[0] != '\0' && end[1] != '\0'))
		goto bad;
	char unit = end[0] != '\0' ? end[0] : default_unit;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != unit)
			continue;
		if (n > LLONG_MAX / units[i].seconds)
			goto bad;
		*seconds_r = n * units[i].seconds;
		return 1;
	}
bad:
	*error_r = xasprintf("bad time value \"%s\" (expected a number with an optional unit "
			     "s, m, h, d or w)",
			     value);
	return -1;
}

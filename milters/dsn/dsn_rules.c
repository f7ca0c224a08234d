/* dsn_rules.c: postern-dsn's tables: the status filter in the form of
 * Postfix's *_delivery_status_filter, repeated until a text stops
 * changing, and the table of internal Received headers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn_private.h"
#include "mem.h"
#include "smtp_reply.h"

static int open_table(const char *param, const char *spec, struct table **table_r, char **error_r)
{
	if (spec == NULL || *spec == '\0')
		return 1;
	if (table_open(spec, TABLE_FLAGS_NONE, table_r, error_r) < 0) {
		char *e = xasprintf("%s: %s", param, *error_r);
		free(*error_r);
		*error_r = e;
		return -1;
	}
	return 1;
}

int dsn_rules_new(const struct dsn_rules_spec *spec, struct dsn_rules **rules_r, char **error_r)
{
	struct dsn_rules *r = xcalloc(1, sizeof(*r));

	if (open_table("delivery_status_filter", spec->status_filter, &r->filter, error_r) < 0 ||
	    open_table("internal_received_checks", spec->received, &r->received, error_r) < 0) {
		dsn_rules_free(&r);
		return -1;
	}
	r->return_content = spec->return_content;
	r->mime = spec->mime;
	*rules_r = r;
	return 1;
}

void dsn_rules_free(struct dsn_rules **rules_r)
{
	struct dsn_rules *r;

	if (rules_r == NULL || (r = *rules_r) == NULL)
		return;
	table_free(&r->filter);
	table_free(&r->received);
	FREE_AND_NULL(*rules_r);
}

int dsn_filter_text(const struct dsn_rules *rules, const char *status, const char *text,
		    char **status_r, char **text_r, char **warning_r, char **error_r)
{
	char *st = xstrdup(status), *tx = xstrdup(text);
	int changed = 0;

	*warning_r = NULL;
	for (int round = 0; rules->filter != NULL && round < DSN_FILTER_ROUNDS; round++) {
		char *key = xasprintf("%s %s", st, tx), *value = NULL;
		int rc = table_lookup(rules->filter, key, &value, error_r);
		free(key);
		if (rc < 0) {
			free(st);
			free(tx);
			return -1;
		}
		if (rc == 0)
			break;
		size_t n = smtp_dsn_valid(value);
		if (n == 0 || n >= 16) {
			free(*warning_r);
			*warning_r = xasprintf("delivery_status_filter result \"%s\" does not "
					       "start with a status code and a space: ignored",
					       value);
			free(value);
			break;
		}
		/* The text after the one space that follows the code: unlike
		 * Postfix, which trims the reply text, keep the indentation of
		 * report lines. */
		const char *rest = value + n + (value[n] == ' ' || value[n] == '\t');
		int same = strncmp(st, value, n) == 0 && st[n] == '\0' && strcmp(tx, rest) == 0;
		if (!same) {
			free(st);
			free(tx);
			st = xstrndup(value, n);
			tx = xstrdup(rest);
			changed = 1;
		}
		free(value);
		if (same)
			break;
	}
	if (!changed) {
		free(st);
		free(tx);
		return 0;
	}
	*status_r = st;
	*text_r = tx;
	return 1;
}

int dsn_apply(const struct dsn_rules *rules, struct dsn_result *result, const char *status,
	      const char *text, char **status_r, char **text_r)
{
	char *warning = NULL, *error = NULL;
	int rc = dsn_filter_text(rules, status, text, status_r, text_r, &warning, &error);

	if (warning != NULL) {
		free(result->warning);
		result->warning = warning;
	}
	if (rc < 0) {
		result->tempfail = 1;
		free(result->error);
		result->error = error;
		return -1;
	}
	if (rc > 0)
		result->texts_changed++;
	return rc;
}

int dsn_received_internal(const struct dsn_rules *rules, struct dsn_result *result,
			  const char *text)
{
	char *value = NULL, *error = NULL;

	if (rules->received == NULL)
		return 1;
	int rc = table_lookup(rules->received, text, &value, &error);
	if (rc < 0) {
		result->tempfail = 1;
		free(result->error);
		result->error = error;
		return -1;
	}
	if (rc == 0)
		return 0;
	int keep = strcasecmp(value, "DUNNO") == 0 || strcasecmp(value, "OK") == 0;
	free(value);
	return !keep;
}

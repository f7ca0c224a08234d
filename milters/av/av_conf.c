/* av_conf.c: the settings table of postern-av (see av_conf.h). The
 * defaults of the scan limits are clamd's, so a site moving from
 * clamav-milter keeps its limits. */
#include "av_conf.h"

#include <string.h>

#include "mem.h"
#include "table.h"

#define OFF(m) offsetof(struct av_settings, m)
#define GIB4 4294967295LL

/* check_table: a skip list is empty or a table that opens. */
static int check_table(const char *value, char **error_r)
{
	struct table *t = NULL;
	if (*value == '\0')
		return 1;
	if (table_open(value, TABLE_FLAGS_NONE, &t, error_r) < 0)
		return -1;
	table_free(&t);
	return 1;
}

/* check_header: a header name is empty (none) or a valid field name. */
static int check_header(const char *value, char **error_r)
{
	for (const char *p = value; *p != '\0'; p++)
		if (*p <= ' ' || *p == ':' || *p > '~') {
			*error_r = xasprintf("\"%s\" is not a header field name", value);
			return -1;
		}
	return 1;
}

const struct milter_skel_param av_params[AV_N_PARAMS] = {
	MILTER_PARAM_STR("database_directory", "/var/lib/clamav", OFF(database_directory)),
	MILTER_PARAM_SECS("database_reload_delay", "2s", OFF(database_reload_delay), 's'),
	MILTER_PARAM_BYTES("max_file_size", "104857600", OFF(max_file_size), 1, GIB4),
	MILTER_PARAM_BYTES("max_scan_size", "419430400", OFF(max_scan_size), 1, GIB4),
	MILTER_PARAM_NUM("max_recursion", "17", OFF(max_recursion), 1, 1000),
	MILTER_PARAM_NUM("max_files", "10000", OFF(max_files), 1, 10000000),
	MILTER_PARAM_SECS("max_scan_time", "120s", OFF(max_scan_time), 's'),
	MILTER_PARAM_BOOLEAN("detect_pua", "no", OFF(detect_pua)),
	MILTER_PARAM_STR("scan_temp_directory", "/var/tmp", OFF(scan_temp_directory)),
	{"skip_clients", MILTER_PARAM_STRING, "", OFF(skip_clients), 0, 0, NULL, 0, 0, check_table},
	{"skip_senders", MILTER_PARAM_STRING, "", OFF(skip_senders), 0, 0, NULL, 0, 0, check_table},
	{"scanned_header", MILTER_PARAM_STRING, "X-Virus-Scanned", OFF(scanned_header), 0, 0, NULL,
	 0, 0, check_header},
	{"status_header", MILTER_PARAM_STRING, "X-Virus-Status", OFF(status_header), 0, 0, NULL, 0,
	 0, check_header},
};

void av_conf_engine_opts(const struct av_settings *s, struct av_engine_opts *opts_r)
{
	memset(opts_r, 0, sizeof(*opts_r));
	opts_r->database_directory = s->database_directory;
	opts_r->max_file_size = s->max_file_size;
	opts_r->max_scan_size = s->max_scan_size;
	opts_r->max_recursion = s->max_recursion;
	opts_r->max_files = s->max_files;
	opts_r->max_scan_time = s->max_scan_time;
	opts_r->detect_pua = s->detect_pua;
	opts_r->temp_directory = s->scan_temp_directory;
}

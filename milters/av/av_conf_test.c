/* av_conf_test.c: the settings table of postern-av loaded through the
 * skeleton's loader: defaults, values, the checks of skip lists and
 * header names at file:line, and the engine options they give. */
#include <stdlib.h>
#include <string.h>

#include "av_conf.h"
#include "av_testlib.h"
#include "cfg_diag.h"
#include "mem.h"
#include "tap.h"

static int load(const char *text, struct av_settings *s, char **error_r)
{
	char *path = xasprintf("%s/av.conf", tap_tmpdir());
	struct milter_skel_section sec = {av_params, AV_N_PARAMS, s};
	struct cfg_diags diags;
	tap_write_file(path, text);
	cfg_diags_init(&diags);
	*error_r = NULL;
	int rc = milter_skel_conf_load(path, NULL, 0, &sec, 1, &diags, error_r);
	cfg_diags_deinit(&diags);
	free(path);
	return rc;
}

static void release(struct av_settings *s)
{
	struct milter_skel_section sec = {av_params, AV_N_PARAMS, s};
	milter_skel_conf_release(&sec, 1);
}

static void test_table(void)
{
	int named = 1, unique = 1;
	for (size_t i = 0; i < AV_N_PARAMS; i++) {
		named &= av_params[i].name != NULL && av_params[i].def != NULL;
		for (size_t j = 0; j < i && named; j++)
			unique &= strcmp(av_params[i].name, av_params[j].name) != 0;
	}
	tap_ok(named, "all %d rows of the table have a name and a default", AV_N_PARAMS);
	tap_ok(unique, "no name appears twice");
}

static void test_defaults(void)
{
	struct av_settings s = {0};
	struct av_engine_opts o;
	char *error;
	tap_is_int(load("# defaults\n", &s, &error), 1, "an empty file loads");
	tap_is_str(s.database_directory, "/var/lib/clamav", "database_directory");
	tap_is_int(s.max_recursion, 17, "max_recursion as clamd's MaxRecursion");
	tap_is_int(s.max_files, 10000, "max_files as clamd's MaxFiles");
	tap_is_int(s.max_file_size, 100 * 1024 * 1024, "max_file_size as clamd's MaxFileSize");
	tap_is_int(s.max_scan_size, 400 * 1024 * 1024, "max_scan_size as clamd's MaxScanSize");
	tap_is_int(s.max_scan_time, 120, "max_scan_time as clamd's MaxScanTime");
	tap_is_str(s.scanned_header, "X-Virus-Scanned", "scanned_header");
	tap_is_str(s.status_header, "X-Virus-Status", "status_header");
	av_conf_engine_opts(&s, &o);
	tap_ok(o.database_directory == s.database_directory && o.max_files == 10000 &&
		       o.max_scan_time == 120 && !o.detect_pua,
	       "the engine options follow the settings");
	release(&s);
}

static void test_values(void)
{
	struct av_settings s = {0};
	char *error;
	char *cidr = xasprintf("%s/skip.cidr", tap_tmpdir());
	tap_write_file(cidr, "192.0.2.0/24 OK\n");
	char *text = xasprintf("database_directory = /srv/clamav\nmax_recursion = 8\n"
			       "max_scan_time = 2m\ndetect_pua = yes\nskip_clients = cidr:%s\n"
			       "status_header =\n",
			       cidr);
	tap_is_int(load(text, &s, &error), 1, "a file with values loads");
	tap_is_str(s.database_directory, "/srv/clamav", "database_directory set");
	tap_is_int(s.max_recursion, 8, "max_recursion set");
	tap_is_int(s.max_scan_time, 120, "max_scan_time in minutes");
	tap_is_int(s.detect_pua, 1, "detect_pua set");
	tap_is_str(s.status_header, "", "status_header may be emptied");
	release(&s);
	free(text);

	static const struct {
		const char *text;
		const char *error;
	} bad[] = {
		{"max_recursion = 0\n", "av.conf:1: "},
		{"max_files = lots\n", "av.conf:1: "},
		{"\n\nskip_clients = cidr:/nonexistent/skip.cidr\n", "av.conf:3: "},
		{"skip_senders = nosuchtype:x\n", "av.conf:1: "},
		{"scanned_header = X Virus\n", "av.conf:1: "},
		{"status_header = X-Status:\n", "av.conf:1: "},
		{"clamd_socket = /run/clamd.ctl\n", "av.conf:1: "},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&s, 0, sizeof(s));
		int rc = load(bad[i].text, &s, &error);
		tap_is_int(rc, -1, "refused: %.*s",
			   (int)strcspn(bad[i].text + strspn(bad[i].text, "\n"), "\n"),
			   bad[i].text + strspn(bad[i].text, "\n"));
		tap_ok(error != NULL && strstr(error, bad[i].error) != NULL, "at %s (%s)",
		       bad[i].error, error != NULL ? error : "no error");
		free(error);
		release(&s);
	}
	free(cidr);
}

int main(void)
{
	test_table();
	test_defaults();
	test_values();
	av_test_rm_tree(tap_tmpdir());
	return tap_done();
}

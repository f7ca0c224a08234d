/* spf.c: main() of postern-spf, the SPF policy daemon: options, then one
 * mode (see spf_main.h). */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "spf_main.h"

static int on_extra(int letter, const char *arg, void *ctx)
{
	enum spf_mode *mode = ctx;
	*mode = letter == 's'   ? SPF_MODE_SPAWN
		: letter == 'q' ? SPF_MODE_QUERY
		: letter == 'd' ? SPF_MODE_DEFAULTS
				: SPF_MODE_PRINT;
	return 0;
}

int main(int argc, char **argv)
{
	enum spf_mode mode = SPF_MODE_DAEMON;
	struct cli_spec spec = {
		.usage = "usage: postern-spf [-c FILE] [-f] [-o name=value] [-v] [-V] [-s | -q | -d | -p]",
		.default_config = POSTERN_SYSCONFDIR "/postern-spf.conf",
		.extra = "sqdp",
		.on_extra = on_extra,
		.ctx = &mode,
	};
	struct cli_opts opts = {0};
	int optind_r = 1;
	cli_parse(argc, argv, &optind_r, &spec, &opts);
	if (optind_r < argc) {
		/* no verbs, unlike the milters: -d and -p print the settings */
		fprintf(stderr, "postern-spf: unexpected argument \"%s\"\n%s\n", argv[optind_r],
			spec.usage);
		cli_opts_deinit(&opts);
		return 2;
	}
	int status = spf_main_run(mode, &opts);
	cli_opts_deinit(&opts);
	return status;
}

/* cli.c: parse the options every Postern program shares (see cli.h). */
#include "config.h"

#include "cli.h"

#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "log.h"
#include "mem.h"

static void cli_usage(const struct cli_spec *spec)
{
	fprintf(stderr, "%s\n", spec->usage);
	exit(2);
}

static void cli_add_override(struct cli_opts *opts, const char *arg, const struct cli_spec *spec)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg) {
		fprintf(stderr, "-o %s: expected name=value\n", arg);
		cli_usage(spec);
	}
	opts->overrides = xreallocarray(opts->overrides, opts->n_overrides + 1,
					sizeof(*opts->overrides));
	struct cli_override *o = &opts->overrides[opts->n_overrides++];
	o->name = xstrndup(arg, (size_t)(eq - arg));
	/* Like Postfix, white space around the name and value does not count. */
	size_t nlen = strlen(o->name);
	while (nlen > 0 && (o->name[nlen - 1] == ' ' || o->name[nlen - 1] == '\t'))
		o->name[--nlen] = '\0';
	const char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	o->value = xstrdup(v);
}

void cli_print_common_versions(void)
{
	char pcre_version[64];
	printf("postern %s\n", PACKAGE_VERSION);
	if (pcre2_config(PCRE2_CONFIG_VERSION, pcre_version) > 0)
		printf("  PCRE2 %s\n", pcre_version);
	printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
}

void cli_parse(int argc, char **argv, int *optind_r, const struct cli_spec *spec,
	       struct cli_opts *opts)
{
	char optstring[64];
	/* "+": stop at the first operand, so "postern -v queue -j" works. */
	snprintf(optstring, sizeof(optstring), "%sc:fo:vV%s", spec->stop_at_verb ? "+" : "",
		 spec->extra ? spec->extra : "");

	if (opts->config == NULL)
		opts->config = spec->default_config;
	/* optind 0 makes glibc's getopt start afresh (a verb parses its own
	 * options from a shifted argv after the program's options). */
	optind = *optind_r <= 1 ? 0 : *optind_r;
	opterr = 1;
	int c;
	while ((c = getopt(argc, argv, optstring)) != -1) {
		switch (c) {
		case 'c':
			opts->config = optarg;
			break;
		case 'f':
			opts->foreground = 1;
			break;
		case 'o':
			cli_add_override(opts, optarg, spec);
			break;
		case 'v':
			opts->verbose++;
			log_set_verbose(opts->verbose);
			break;
		case 'V':
			cli_print_common_versions();
			if (spec->versions)
				spec->versions();
			exit(0);
		default:
			if (c == '?' || spec->on_extra == NULL ||
			    spec->on_extra(c, optarg, spec->ctx) < 0)
				cli_usage(spec);
		}
	}
	*optind_r = optind;
}

void cli_opts_deinit(struct cli_opts *opts)
{
	for (size_t i = 0; i < opts->n_overrides; i++) {
		free(opts->overrides[i].name);
		free(opts->overrides[i].value);
	}
	FREE_AND_NULL(opts->overrides);
	opts->n_overrides = 0;
}

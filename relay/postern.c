/* postern.c: the postern command-line tool: dispatch to one verb. */
#include "config.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "postern.h"

struct postern_verb {
	const char *name;
	postern_verb_fn *fn;
	const char *summary;
};

static const struct postern_verb postern_verbs[] = {
	{ "check", postern_check, "validate the configuration, list what is not supported" },
	{ "config", postern_config, "print parameters like postconf [-n] [-d] [-x] [name...]" },
	{ "map", postern_map, "query lookup tables, like postmap -q" },
	{ "explain", postern_explain, "show how the restrictions decide on a made-up session" },
	{ "queue", postern_queue, "list the queue like postqueue -p (--json: postqueue -j)" },
	{ "mailq", postern_queue, "the same as queue" },
	{ "flush", postern_super, "deliver deferred mail now (ID...|ALL|-, default ALL)" },
	{ "hold", postern_super, "put mail on hold (ID...|ALL|-)" },
	{ "release", postern_super, "release mail from hold (ID...|ALL|-)" },
	{ "requeue", postern_super, "deferred and held mail back to incoming (ID...|ALL|-)" },
	{ "delete", postern_super, "delete mail from the queue (ID...|ALL|-)" },
	{ "sendmail", postern_sendmail, "inject a message, like sendmail(1)" },
	{ NULL, NULL, NULL },
};

#define POSTERN_USAGE "usage: postern [-c DIR] [-o name=value] [-v] VERB [ARGS...]"

static void postern_usage(void)
{
	fprintf(stderr, "%s\nverbs:\n", POSTERN_USAGE);
	for (const struct postern_verb *v = postern_verbs; v->name; v++)
		fprintf(stderr, "  %-9s %s\n", v->name, v->summary);
}

int main(int argc, char **argv)
{
	struct cli_opts opts = { 0 };
	const struct cli_spec spec = {
		.usage = POSTERN_USAGE,
		.default_config = POSTERN_SYSCONFDIR,
		.stop_at_verb = 1,
	};
	int next = 1;

	log_init("postern", LOG_DEST_STDERR);
	/* Installed as mailq or sendmail, behave as that command: their
	 * options are their own, the configuration directory comes from
	 * MAIL_CONFIG as with Postfix. */
	const char *self = basename(argv[0]);
	if (strcmp(self, "mailq") == 0 || strcmp(self, "sendmail") == 0) {
		opts.config = getenv("MAIL_CONFIG") != NULL ? getenv("MAIL_CONFIG")
							    : POSTERN_SYSCONFDIR;
		return self[0] == 'm' ? postern_queue(argc, argv, &opts)
				      : postern_sendmail(argc, argv, &opts);
	}
	cli_parse(argc, argv, &next, &spec, &opts);
	if (next >= argc) {
		postern_usage();
		return 2;
	}
	for (const struct postern_verb *v = postern_verbs; v->name; v++) {
		if (strcmp(v->name, argv[next]) == 0) {
			int rc = v->fn(argc - next, argv + next, &opts);
			cli_opts_deinit(&opts);
			return rc;
		}
	}
	fprintf(stderr, "postern: unknown verb \"%s\"\n", argv[next]);
	postern_usage();
	cli_opts_deinit(&opts);
	return 2;
}

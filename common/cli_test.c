/* cli_test.c: the shared options -c, -f, -o, -v parse the same way for every
 * program, before a verb and again in the verb's own argv. */
#include <string.h>

#include "cli.h"
#include "log.h"
#include "tap.h"

static int seen_n;

static int on_extra(int letter, const char *arg, void *ctx)
{
	(void)arg;
	(void)ctx;
	if (letter == 'n')
		seen_n++;
	return 0;
}

int main(void)
{
	struct cli_opts opts = { 0 };
	const struct cli_spec tool = { .usage = "usage", .default_config = "/etc/postern",
				       .stop_at_verb = 1 };
	char *argv1[] = { "postern", "-c", "conf", "-o", "myhostname = mx.example.test",
			  "-v", "-o", "a=b=c", "config", "-n", "myhostname", NULL };
	int next = 1;
	cli_parse(11, argv1, &next, &tool, &opts);
	tap_is_str(opts.config, "conf", "-c sets the configuration path");
	tap_is_int(opts.verbose, 1, "-v counts");
	tap_is_int(log_get_verbose(), 1, "-v raises the log level");
	tap_is_int((long long)opts.n_overrides, 2, "-o is repeatable");
	tap_is_str(opts.overrides[0].name, "myhostname", "-o name drops white space");
	tap_is_str(opts.overrides[0].value, "mx.example.test", "-o value drops white space");
	tap_is_str(opts.overrides[1].value, "b=c", "-o value keeps later '=' signs");
	tap_is_int(next, 8, "parsing stops at the verb");

	const struct cli_spec verb = { .usage = "usage", .extra = "n", .on_extra = on_extra };
	int vnext = 1;
	cli_parse(11 - next, argv1 + next, &vnext, &verb, &opts);
	tap_is_int(seen_n, 1, "the verb's own letters reach its handler");
	tap_is_int(vnext, 2, "the verb's operands follow its options");
	tap_is_str(argv1[next + vnext], "myhostname", "the operand is the parameter name");
	tap_is_str(opts.config, "conf", "the verb keeps options given before it");

	char *argv2[] = { "postern-dkim", "-f", NULL };
	struct cli_opts d = { 0 };
	const struct cli_spec daemon = { .usage = "usage",
					 .default_config = "/etc/postern/postern-dkim.conf" };
	next = 1;
	cli_parse(2, argv2, &next, &daemon, &d);
	tap_ok(d.foreground, "-f asks for the foreground");
	tap_is_str(d.config, "/etc/postern/postern-dkim.conf", "without -c the default applies");

	cli_opts_deinit(&opts);
	cli_opts_deinit(&d);
	tap_ok(opts.overrides == NULL && opts.n_overrides == 0, "deinit clears the overrides");
	log_set_verbose(0);
	return tap_done();
}

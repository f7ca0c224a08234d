/* spf_oneshot.c: postern-spf -q (see spf_oneshot.h). */
#include "config.h"

#include "spf_oneshot.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "spf_engine.h"

/* put_field: s with tabs and line ends made spaces, so one answer is one
 * line of three fields whatever a record holds. */
static void put_field(FILE *out, const char *s, char after)
{
	for (; *s != '\0'; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, out);
	fputc(after, out);
}

int spf_oneshot_run(const struct spf_conf *conf, FILE *in, FILE *out)
{
	struct spf_engine *engine = NULL;
	char *err = NULL;
	if (spf_engine_new(conf->receiver, NULL, &engine, &err) < 0) {
		fprintf(stderr, "postern-spf: %s\n", err);
		free(err);
		return 2;
	}
	int status = 0;
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	while ((n = getline(&line, &size, in)) >= 0) {
		line[strcspn(line, "\r\n")] = '\0';
		char *helo = strchr(line, '\t');
		char *from = helo != NULL ? strchr(helo + 1, '\t') : NULL;
		if (from == NULL) {
			fprintf(out, "permerror\t\tmalformed input line\n");
			fflush(out);
			status = 1;
			continue;
		}
		*helo++ = '\0';
		*from++ = '\0';
		struct spf_query q = {.client_ip = line, .helo = helo, .sender = from,
				      .identity = SPF_ID_MAILFROM};
		struct spf_outcome o;
		spf_engine_check(engine, &q, &o);
		put_field(out, spf_result_name(o.result), '\t');
		put_field(out, o.explanation ? o.explanation : "", '\t');
		put_field(out, o.comment, '\n');
		fflush(out);
		spf_outcome_deinit(&o);
	}
	free(line);
	spf_engine_free(&engine);
	return status;
}

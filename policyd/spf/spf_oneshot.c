/* spf_oneshot.c: postern-spf -q (see spf_oneshot.h). */
#include "config.h"

#include "spf_oneshot.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "spf_engine.h"

int spf_oneshot_run(const struct spf_conf *conf, FILE *in, FILE *out)
{
	struct spf_engine *engine = NULL;
	char *err = NULL;
	if (spf_engine_new(conf->receiver, &engine, &err) < 0) {
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
		fprintf(out, "%s\t%s\t%s\n", spf_result_name(o.result),
			o.explanation ? o.explanation : "", o.comment);
		fflush(out);
		spf_outcome_deinit(&o);
	}
	free(line);
	spf_engine_free(&engine);
	return status;
}

/* fuzz_master_cf.c: libFuzzer target for the master.cf parser. The input
 * is parsed whole and cut in two at a point it chooses, which must give
 * the same services; then each service's overrides are layered and its
 * inet address split. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_diag.h"
#include "master_cf.h"

static struct master_cf *fuzz_parse(const char *data, size_t size, size_t cut)
{
	struct master_cf *m = master_cf_new();
	struct cfg_diags d;
	cfg_diags_init(&d);
	struct master_cf_parser *p = master_cf_parser_new(m, "master.cf", &d);
	master_cf_parser_feed(p, data, cut);
	master_cf_parser_feed(p, data + cut, size - cut);
	char *error = NULL;
	master_cf_parser_finish(p, &error);
	free(error);
	master_cf_parser_free(&p);
	cfg_diags_deinit(&d);
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct master_cf *whole = fuzz_parse(text, size, size);
	struct master_cf *cut = fuzz_parse(text, size, size > 0 ? data[0] % (size + 1) : 0);
	if (whole->n != cut->n)
		abort();
	struct cfg *main_cf = cfg_new(NULL);
	for (size_t i = 0; i < whole->n; i++) {
		const struct master_service *s = &whole->services[i], *t = &cut->services[i];
		if (strcmp(s->name, t->name) != 0 || s->argc != t->argc ||
		    s->n_overrides != t->n_overrides || s->line != t->line)
			abort();
		for (size_t a = 0; a < s->argc; a++)
			if (strcmp(s->argv[a], t->argv[a]) != 0 ||
			    s->arg_lines[a] != t->arg_lines[a])
				abort();
		struct cfg *layer = master_service_cfg(s, main_cf);
		cfg_free(&layer);
		char *host = NULL, *port = NULL;
		master_service_inet_addr(s, &host, &port);
		free(host);
		free(port);
	}
	cfg_free(&main_cf);
	master_cf_free(&cut);
	master_cf_free(&whole);
	return 0;
}

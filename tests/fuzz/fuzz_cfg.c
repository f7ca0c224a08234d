/* fuzz_cfg.c: libFuzzer target for the main.cf parser and $name expansion.
 * The input is parsed twice, whole and cut in two at a point the input
 * chooses, and must give the same entries; then every value is expanded,
 * scanned and split as a list. Nothing may crash, leak or hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "cfg_diag.h"
#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_parse.h"
#include "mem.h"

static void fuzz_ref(void *ctx, const char *name)
{
	(void)name;
	(*(size_t *)ctx)++;
}

static struct cfg *fuzz_parse(const char *data, size_t size, size_t cut)
{
	struct cfg *c = cfg_new(NULL);
	struct cfg_diags d;
	cfg_diags_init(&d);
	struct cfg_parser *p = cfg_parser_new(c, "fuzz.cf", &d);
	cfg_parser_feed(p, data, cut);
	cfg_parser_feed(p, data + cut, size - cut);
	char *error = NULL;
	cfg_parser_finish(p, &error);
	free(error);
	cfg_parser_free(&p);
	cfg_diags_sort(&d);
	cfg_diags_deinit(&d);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct cfg *whole = fuzz_parse(text, size, size);
	struct cfg *cut = fuzz_parse(text, size, size > 0 ? data[0] % (size + 1) : 0);
	if (cfg_count(whole) != cfg_count(cut))
		abort();
	for (size_t i = 0; i < cfg_count(whole); i++) {
		const struct cfg_entry *a = cfg_entry_at(whole, i), *b = cfg_entry_at(cut, i);
		if (strcmp(a->name, b->name) != 0 || strcmp(a->value, b->value) != 0 ||
		    a->line != b->line)
			abort();
	}

	/* A layer above, as a master.cf service would add. */
	struct cfg *service = cfg_new(whole);
	if (cfg_count(whole) > 0)
		cfg_set(service, cfg_entry_at(whole, 0)->name, "$$x ${a?{$b}:{c}}", NULL, 0);
	for (size_t i = 0; i < cfg_count(whole); i++) {
		const struct cfg_entry *e = cfg_entry_at(whole, i);
		char *value = NULL, *error = NULL;
		if (cfg_expand_param(service, e->name, &value, &error) > 0) {
			char **items = NULL;
			if (cfg_list_split(value, &items, NULL, &error) > 0) {
				for (char **item = items; *item != NULL; item++) {
					char *inner = NULL;
					if (cfg_unbrace(*item, &inner, &error) < 0)
						FREE_AND_NULL(error);
					free(inner);
				}
				cfg_list_free(&items);
			}
		}
		free(value);
		free(error);
		size_t refs = 0;
		error = NULL;
		if (cfg_expand_scan(e->value, fuzz_ref, &refs, &error) < 0)
			free(error);
	}
	cfg_free(&service);
	cfg_free(&cut);
	cfg_free(&whole);
	return 0;
}

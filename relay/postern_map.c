/* postern_map.c: "postern map", postmap(1)'s query mode:
 *
 *   postern map [-f] -q KEY TYPE:NAME...   print KEY's value from the first
 *                                          table that has it
 *   postern map [-f] -q - TYPE:NAME...     one key a line from stdin; print
 *                                          "key<TAB>value" for each found
 *
 * -f keeps the case of keys (postmap -f). A table named without a type is
 * hash:, as with postmap. Exit status: 0 found (any key with -q -), 1 not
 * found, 2 a usage error, a table that cannot be opened, or a failed lookup.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "postern.h"
#include "table.h"

#define POSTERN_MAP_USAGE "usage: postern map [-f] -q KEY|- TYPE:NAME..."

struct postern_map_tables {
	struct table **tables;
	int n;
};

/* postern_map_find: key's value from the first table that has it; 1, 0,
 * or -1 (logged). */
static int postern_map_find(const struct postern_map_tables *t, const char *key, char **value_r)
{
	for (int i = 0; i < t->n; i++) {
		char *error;
		int rc = table_lookup(t->tables[i], key, value_r, &error);
		if (rc < 0) {
			log_error("%s: lookup of \"%s\" failed: %s", table_spec(t->tables[i]), key,
				  error);
			free(error);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* postern_map_stdin: the -q - loop; the exit status. */
static int postern_map_stdin(const struct postern_map_tables *t)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	int found = 0, failed = 0;
	while ((len = getline(&line, &size, stdin)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		char *value;
		int rc = postern_map_find(t, line, &value);
		if (rc > 0) {
			printf("%s\t%s\n", line, value);
			free(value);
			found = 1;
		} else if (rc < 0) {
			failed = 1;
		}
	}
	free(line);
	return failed ? 2 : found ? 0 : 1;
}

int postern_map(int argc, char **argv, struct cli_opts *global)
{
	const char *query = NULL;
	int flags = TABLE_FLAGS_NONE, c;

	optind = 0;
	while ((c = getopt(argc, argv, "fq:")) != -1) {
		switch (c) {
		case 'f':
			flags |= TABLE_NO_FOLD;
			break;
		case 'q':
			query = optarg;
			break;
		default:
			fprintf(stderr, "%s\n", POSTERN_MAP_USAGE);
			return 2;
		}
	}
	if (query == NULL || optind >= argc) {
		fprintf(stderr, "%s\n", POSTERN_MAP_USAGE);
		return 2;
	}
	struct postern_map_tables t = {xcalloc((size_t)(argc - optind), sizeof(*t.tables)), 0};
	int status = 2;
	for (int i = optind; i < argc; i++) {
		char *spec =
		    strchr(argv[i], ':') != NULL ? xstrdup(argv[i]) : xasprintf("hash:%s", argv[i]);
		char *error;
		int rc = table_open(spec, flags, &t.tables[t.n], &error);
		free(spec);
		if (rc < 0) {
			log_error("%s", error);
			free(error);
			goto out;
		}
		t.n++;
	}
	if (strcmp(query, "-") == 0) {
		status = postern_map_stdin(&t);
	} else {
		char *value;
		int rc = postern_map_find(&t, query, &value);
		if (rc > 0) {
			printf("%s\n", value);
			free(value);
		}
		status = rc > 0 ? 0 : rc == 0 ? 1 : 2;
	}
out:
	while (t.n > 0)
		table_free(&t.tables[--t.n]);
	free(t.tables);
	return status;
}

/* postern_queue_open.c: open posternd's queue for the postern tool's queue
 * verbs, and read the queue ids a command names (see postern_queue.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "mem.h"
#include "postern_queue.h"
#include "relay_conf_value.h"
#include "relay_params_conf.h"

int postern_queue_open(const struct cli_opts *global, struct postern_queue *pq, char **error_r)
{
	struct relay_params_conf *c = NULL;
	memset(pq, 0, sizeof(*pq));
	relay_params_conf_load(&c, global->config, global->overrides, global->n_overrides, 0);
	int rc = -1;
	if (cfg_diags_count(&c->diags, CFG_ERROR) > 0)
		*error_r = xasprintf("%s: the configuration has errors (see postern check)",
				     c->main_path);
	else if (relay_conf_str(c->view, "queue_directory", &pq->queue_directory, error_r) >= 0 &&
		 relay_conf_str(c->view, "mail_owner", &pq->mail_owner, error_r) >= 0 &&
		 relay_conf_str(c->view, "myhostname", &pq->myhostname, error_r) >= 0 &&
		 relay_conf_str(c->view, "myorigin", &pq->myorigin, error_r) >= 0)
		rc = 1;
	relay_params_conf_free(&c);
	if (rc < 0) {
		postern_queue_close(pq);
		return -1;
	}
	if ((getuid() == 0 || geteuid() == 0) &&
	    daemon_drop_privileges(pq->mail_owner, error_r) < 0) {
		postern_queue_close(pq);
		return -1;
	}
	if (queue_dir_open(pq->queue_directory, &pq->qd, error_r) < 0) {
		postern_queue_close(pq);
		return -1;
	}
	return 1;
}

void postern_queue_close(struct postern_queue *pq)
{
	queue_dir_free(&pq->qd);
	free(pq->queue_directory);
	free(pq->mail_owner);
	free(pq->myhostname);
	free(pq->myorigin);
	memset(pq, 0, sizeof(*pq));
}

int postern_queue_daemon_running(const struct postern_queue *pq)
{
	char *path = xasprintf("%s/posternd.pid", pq->queue_directory);
	char *error = NULL;
	int rc = daemon_pidfile_check(path, NULL, &error);
	free(path);
	free(error);
	return rc > 0;
}

/* postern_queue_ids_add: append a copy of id to the growing array. */
static void postern_queue_ids_add(char ***ids, size_t *n, const char *id)
{
	*ids = xreallocarray(*ids, *n + 2, sizeof(char *));
	(*ids)[(*n)++] = xstrdup(id);
	(*ids)[*n] = NULL;
}

char **postern_queue_ids(int argc, char **argv, int *all_r)
{
	char **ids = xcalloc(1, sizeof(char *));
	size_t n = 0;
	*all_r = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "ALL") == 0) {
			*all_r = 1;
		} else if (strcmp(argv[i], "-") == 0) {
			char *line = NULL;
			size_t size = 0;
			ssize_t len;
			while ((len = getline(&line, &size, stdin)) >= 0) {
				line[strcspn(line, " \t\r\n")] = '\0';
				if (line[0] == '\0')
					continue;
				if (strcmp(line, "ALL") == 0)
					*all_r = 1;
				else
					postern_queue_ids_add(&ids, &n, line);
			}
			free(line);
		} else {
			postern_queue_ids_add(&ids, &n, argv[i]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!queue_id_valid(ids[i])) {
			fprintf(stderr, "postern: invalid queue id: %s\n", ids[i]);
			postern_queue_ids_free(&ids);
			return NULL;
		}
	}
	return ids;
}

void postern_queue_ids_free(char ***idsp)
{
	if (*idsp == NULL)
		return;
	for (char **p = *idsp; *p != NULL; p++)
		free(*p);
	FREE_AND_NULL(*idsp);
}

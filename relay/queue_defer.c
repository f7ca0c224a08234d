/* queue_defer.c: the defer logs (see queue_defer.h). */
#include "queue_defer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "queue_id.h"

int queue_defer_note(const struct queue_dir *qd, const char *id, const char *address,
		     const char *reason, char **error_r)
{
	struct buf line;
	buf_init(&line, 0);
	buf_printf(&line, "%s\t", address);
	for (const unsigned char *p = (const unsigned char *)reason; *p != '\0'; p++)
		buf_append_char(&line, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
	buf_append_char(&line, '\n');
	int fd = openat(queue_dir_fd(qd, QUEUE_DEFER), id,
			O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	int rc = 1;
	if (fd < 0 || write(fd, buf_cstr(&line), buf_len(&line)) != (ssize_t)buf_len(&line)) {
		*error_r = xasprintf("defer/%s: %s", id, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	buf_deinit(&line);
	return rc;
}

void queue_defer_read(const struct queue_dir *qd, const char *id, struct queue_defer_reasons *r)
{
	memset(r, 0, sizeof(*r));
	if (!queue_id_valid(id))
		return;
	int fd = openat(queue_dir_fd(qd, QUEUE_DEFER), id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	while ((len = getline(&line, &size, f)) > 0) {
		if (line[len - 1] != '\n')
			break; /* a line still being written */
		line[len - 1] = '\0';
		char *tab = strchr(line, '\t');
		if (tab == NULL)
			continue;
		*tab = '\0';
		size_t i;
		for (i = 0; i < r->n && strcmp(r->addresses[i], line) != 0; i++)
			;
		if (i == r->n) {
			r->addresses = xreallocarray(r->addresses, r->n + 1, sizeof(char *));
			r->reasons = xreallocarray(r->reasons, r->n + 1, sizeof(char *));
			r->addresses[i] = xstrdup(line);
			r->reasons[i] = NULL;
			r->n++;
		}
		free(r->reasons[i]);
		r->reasons[i] = xstrdup(tab + 1);
	}
	free(line);
	fclose(f);
}

const char *queue_defer_reason(const struct queue_defer_reasons *r, const char *address)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->addresses[i], address) == 0)
			return r->reasons[i];
	return NULL;
}

void queue_defer_reasons_deinit(struct queue_defer_reasons *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->addresses[i]);
		free(r->reasons[i]);
	}
	free(r->addresses);
	free(r->reasons);
	memset(r, 0, sizeof(*r));
}

void queue_defer_remove(const struct queue_dir *qd, const char *id)
{
	if (queue_id_valid(id))
		unlinkat(queue_dir_fd(qd, QUEUE_DEFER), id, 0);
}

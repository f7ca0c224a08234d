/* postern_queue.c: "postern queue" and "postern mailq": list the queue
 * the way Postfix's postqueue -p (mailq) and postqueue -j do.
 *
 *   postern queue           postqueue -p's layout: a heading, then per
 *                           message "ID[*!] SIZE ARRIVAL SENDER" and its
 *                           recipients not yet delivered, a blank line
 *                           between messages, "-- N Kbytes in M
 *                           Requests." at the end, or "Mail queue is
 *                           empty". Mail a filter quarantined shows
 *                           "(held by FILTER: REASON)" as its reason. "*" marks active/, "!" hold/.
 * Queue ids are long (15 characters), so the layout is Postfix's long-queue-id one. postern queue
 * --json    one JSON object per message and line with postqueue -j's fields, and hold_reason and
 *                           hold_filter for quarantined mail.
 *   mailq, postern mailq    the same as "postern queue".
 *
 * Queues are listed in Postfix's order: maildrop (mail from postern
 * sendmail not yet picked up), incoming, active, deferred, hold (each by
 * arrival). Exit status: 0, or 69 (EX_UNAVAILABLE) when the queue
 * cannot be read, 64 for a usage error, as postqueue.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "postern.h"
#include "postern_queue.h"

#define POSTERN_QUEUE_USAGE "usage: postern queue [--json]"

static const enum queue_name postern_queue_order[] = {QUEUE_MAILDROP, QUEUE_INCOMING, QUEUE_ACTIVE,
						      QUEUE_DEFERRED, QUEUE_HOLD};

/* postern_queue_pending: is recipient r still to be delivered? */
static int postern_queue_pending(const struct queue_rcpt *r)
{
	return r->state == QUEUE_RCPT_PENDING || r->state == QUEUE_RCPT_DEFERRED;
}

/* postern_queue_json_str: s as a JSON string. */
static void postern_queue_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* postern_queue_json: one message as postqueue -j prints it. */
static void postern_queue_json(FILE *out, enum queue_name q, const struct queue_msg *msg,
			       const struct queue_defer_reasons *why)
{
	const struct queue_envelope *env = queue_msg_envelope(msg);
	fprintf(out, "{\"queue_name\": ");
	postern_queue_json_str(out, queue_name_str(q));
	fprintf(out, ", \"queue_id\": ");
	postern_queue_json_str(out, queue_msg_id(msg));
	fprintf(out, ", \"arrival_time\": %lld, \"message_size\": %llu, \"forced_expire\": false",
		(long long)(env->arrival_us / 1000000),
		(unsigned long long)queue_msg_content_size(msg));
	fprintf(out, ", \"sender\": ");
	postern_queue_json_str(out, env->sender);
	if (q == QUEUE_HOLD && env->hold_reason != NULL) {
		fprintf(out, ", \"hold_reason\": ");
		postern_queue_json_str(out, env->hold_reason);
	}
	if (q == QUEUE_HOLD && env->hold_filter != NULL) {
		fprintf(out, ", \"hold_filter\": ");
		postern_queue_json_str(out, env->hold_filter);
	}
	fprintf(out, ", \"recipients\": [");
	int first = 1;
	for (size_t i = 0; i < queue_msg_rcpt_count(msg); i++) {
		const struct queue_rcpt *r = queue_msg_rcpt(msg, i);
		if (!postern_queue_pending(r))
			continue;
		fprintf(out, "%s{\"address\": ", first ? "" : ", ");
		postern_queue_json_str(out, r->address);
		const char *reason = queue_defer_reason(why, r->address);
		if (reason != NULL) {
			fprintf(out, ", \"delay_reason\": ");
			postern_queue_json_str(out, reason);
		}
		fputc('}', out);
		first = 0;
	}
	fprintf(out, "]}\n");
}

/* postern_queue_text: one message in postqueue -p's long-id layout. */
static void postern_queue_text(FILE *out, enum queue_name q, const struct queue_msg *msg,
			       const struct queue_defer_reasons *why)
{
	const struct queue_envelope *env = queue_msg_envelope(msg);
	char id[QUEUE_ID_SIZE + 2], when[32];
	time_t t = (time_t)(env->arrival_us / 1000000);
	struct tm tm;
	snprintf(id, sizeof(id), "%s%s", queue_msg_id(msg),
		 q == QUEUE_ACTIVE ? "*"
		 : q == QUEUE_HOLD ? "!"
				   : "");
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S", &tm);
	fprintf(out, "%-17s %8llu %19.19s %s\n", id,
		(unsigned long long)queue_msg_content_size(msg), when,
		env->sender[0] != '\0' ? env->sender : "MAILER-DAEMON");
	/* A "(reason)" line, right-aligned at column 78, before each
	 * recipient whose reason differs from the one before it. Held mail
	 * that a filter quarantined shows why, and which filter. */
	char *held = NULL;
	if (q == QUEUE_HOLD && env->hold_reason != NULL)
		held = env->hold_filter != NULL
			       ? xasprintf("held by %s: %s", env->hold_filter, env->hold_reason)
			       : xasprintf("held: %s", env->hold_reason);
	const char *shown = "";
	for (size_t i = 0; i < queue_msg_rcpt_count(msg); i++) {
		const struct queue_rcpt *r = queue_msg_rcpt(msg, i);
		if (!postern_queue_pending(r))
			continue;
		const char *reason = queue_defer_reason(why, r->address);
		if (reason == NULL)
			reason = held != NULL ? held : "";
		if (strcmp(reason, shown) != 0) {
			const char *text = reason[0] != '\0' ? reason : "reason unavailable";
			int pad = 76 - (int)strlen(text);
			fprintf(out, "%*s(%s)\n", pad > 0 ? pad : 0, "", text);
			shown = reason;
		}
		fprintf(out, "%-17s %8s %-19s %s\n", "", "", "", r->address);
	}
	free(held);
}

/* postern_queue_list: walk the queues; the exit status. */
static int postern_queue_list(struct postern_queue *pq, int json)
{
	unsigned long count = 0;
	unsigned long long bytes = 0;
	for (size_t k = 0; k < sizeof(postern_queue_order) / sizeof(postern_queue_order[0]); k++) {
		enum queue_name q = postern_queue_order[k];
		struct queue_list l;
		char *error = NULL;
		if (queue_dir_list(pq->qd, q, &l, &error) < 0) {
			fprintf(stderr, "postern: fatal: %s\n", error);
			free(error);
			return POSTERN_EX_UNAVAILABLE;
		}
		for (size_t i = 0; i < l.n; i++) {
			struct queue_msg *msg = NULL;
			if (queue_msg_open(pq->qd, q, l.ids[i], QUEUE_MSG_READ, &msg, NULL,
					   &error) <= 0) {
				/* Gone meanwhile (delivered or moved), or damaged: the
				 * scheduler deals with it; postqueue skips such files. */
				FREE_AND_NULL(error);
				continue;
			}
			struct queue_defer_reasons why;
			queue_defer_read(pq->qd, l.ids[i], &why);
			if (json) {
				postern_queue_json(stdout, q, msg, &why);
			} else {
				if (count == 0)
					printf("%-17s %8s %-19s %s\n", "----Queue ID-----",
					       "--Size--", "---Arrival Time----",
					       "--Sender/Recipient------");
				else
					printf("\n");
				postern_queue_text(stdout, q, msg, &why);
			}
			queue_defer_reasons_deinit(&why);
			count++;
			bytes += queue_msg_content_size(msg);
			queue_msg_free(&msg);
		}
		queue_list_deinit(&l);
	}
	if (!json && count == 0)
		printf("Mail queue is empty\n");
	else if (!json)
		printf("\n-- %llu Kbytes in %lu Request%s.\n", bytes / 1024, count,
		       count == 1 ? "" : "s");
	return fflush(stdout) == 0 ? POSTERN_EX_OK : POSTERN_EX_IOERR;
}

int postern_queue(int argc, char **argv, struct cli_opts *global)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "-p") != 0) {
			fprintf(stderr, "%s\n", POSTERN_QUEUE_USAGE);
			return POSTERN_EX_USAGE;
		}
	}
	struct postern_queue pq;
	char *error = NULL;
	if (postern_queue_open(global, &pq, &error) < 0) {
		fprintf(stderr, "postern: fatal: Queue report unavailable: %s\n", error);
		free(error);
		return POSTERN_EX_UNAVAILABLE;
	}
	int rc = postern_queue_list(&pq, json);
	postern_queue_close(&pq);
	return rc;
}

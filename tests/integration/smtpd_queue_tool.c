/* smtpd_queue_tool.c: read posternd's queue for integration tests.
 *
 *   smtpd_queue_tool DIR list             one line per message in incoming/:
 *                                         "ID<TAB>sender<TAB>rcpt,rcpt<TAB>size"
 *   smtpd_queue_tool DIR count            the number of valid messages in incoming/
 *   smtpd_queue_tool DIR content ID...    the message's content, as stored
 *                                         (content and envelope look in hold/
 *                                         when the id is not in incoming/);
 *                                         with several ids, each after a line
 *                                         "==> ID <=="
 *   smtpd_queue_tool DIR envelope ID      "name=value" lines: the envelope
 *                                         attributes, then "rcpt=ADDR ORCPT NOTIFY"
 * Every file is validated (queue_msg_open); a file that fails is reported
 * on stderr and makes the exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "queue.h"

static int usage(void)
{
	fprintf(stderr, "usage: smtpd_queue_tool DIR list|count|content ID...|envelope ID\n");
	return 2;
}

static struct queue_msg *open_msg(struct queue_dir *qd, const char *id)
{
	struct queue_msg *msg = NULL;
	char *error = NULL;
	int rc = queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_READ, &msg, NULL, &error);
	if (rc <= 0) {
		FREE_AND_NULL(error);
		rc = queue_msg_open(qd, QUEUE_HOLD, id, QUEUE_MSG_READ, &msg, NULL, &error);
	}
	if (rc <= 0) {
		fprintf(stderr, "%s: %s\n", id, error != NULL ? error : "no such message");
		free(error);
		return NULL;
	}
	return msg;
}

static int list(struct queue_dir *qd, int print)
{
	struct queue_list l;
	char *error = NULL;
	int rc = 0;
	size_t valid = 0;
	if (queue_dir_list(qd, QUEUE_INCOMING, &l, &error) < 0) {
		fprintf(stderr, "%s\n", error);
		free(error);
		return 1;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct queue_msg *msg = open_msg(qd, l.ids[i]);
		if (msg == NULL) {
			rc = 1;
			continue;
		}
		valid++;
		if (print) {
			printf("%s\t%s\t", l.ids[i], queue_msg_envelope(msg)->sender);
			for (size_t r = 0; r < queue_msg_rcpt_count(msg); r++)
				printf("%s%s", r ? "," : "", queue_msg_rcpt(msg, r)->address);
			printf("\t%llu\n", (unsigned long long)queue_msg_content_size(msg));
		}
		queue_msg_free(&msg);
	}
	if (!print)
		printf("%zu\n", valid);
	queue_list_deinit(&l);
	return rc;
}

static int content(struct queue_dir *qd, const char *id)
{
	struct queue_msg *msg = open_msg(qd, id);
	if (msg == NULL)
		return 1;
	size_t iter = 0;
	const void *data;
	size_t len;
	while (queue_msg_content_next(msg, &iter, &data, &len) == 1)
		fwrite(data, 1, len, stdout);
	queue_msg_free(&msg);
	return 0;
}

static void attr(const char *name, const char *value)
{
	if (value != NULL)
		printf("%s=%s\n", name, value);
}

static int envelope(struct queue_dir *qd, const char *id)
{
	struct queue_msg *msg = open_msg(qd, id);
	if (msg == NULL)
		return 1;
	const struct queue_envelope *e = queue_msg_envelope(msg);
	static const char *const ret[] = {NULL, "FULL", "HDRS"};
	static const char *const body[] = {NULL, "7BIT", "8BITMIME", "BINARYMIME"};
	attr("sender", e->sender);
	attr("envid", e->envid);
	attr("ret", ret[e->ret]);
	attr("body", body[e->body]);
	attr("smtputf8", e->smtputf8 ? "yes" : NULL);
	attr("client_address", e->client_address);
	attr("client_name", e->client_name);
	attr("helo_name", e->helo_name);
	attr("protocol", e->protocol);
	attr("sasl_method", e->sasl_method);
	attr("sasl_username", e->sasl_username);
	attr("hold_reason", e->hold_reason);
	attr("hold_filter", e->hold_filter);
	for (size_t i = 0; i < e->n_extra; i++)
		attr(e->extra[i].name, e->extra[i].value);
	for (size_t r = 0; r < queue_msg_rcpt_count(msg); r++) {
		const struct queue_rcpt *rc = queue_msg_rcpt(msg, r);
		printf("rcpt=%s %s %u\n", rc->address, rc->orcpt ? rc->orcpt : "-", rc->notify);
	}
	queue_msg_free(&msg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	struct queue_dir *qd = NULL;
	char *error = NULL;
	/* Tests run as root; the queue belongs to mail_owner, and opening it
	 * needs its owner's effective ids. */
	struct stat st;
	if (stat(argv[1], &st) == 0 && geteuid() == 0 && st.st_uid != 0 &&
	    (setresgid(st.st_gid, st.st_gid, st.st_gid) < 0 ||
	     setresuid(st.st_uid, st.st_uid, st.st_uid) < 0)) {
		perror("setresuid");
		return 1;
	}
	/* Let the sanitizer build's leak check ptrace us after the change. */
	prctl(PR_SET_DUMPABLE, 1);
	if (queue_dir_open(argv[1], &qd, &error) < 0) {
		fprintf(stderr, "%s\n", error);
		free(error);
		return 1;
	}
	int rc = 0;
	if (strcmp(argv[2], "list") == 0 && argc == 3)
		rc = list(qd, 1);
	else if (strcmp(argv[2], "count") == 0 && argc == 3)
		rc = list(qd, 0);
	else if (strcmp(argv[2], "content") == 0 && argc == 4)
		rc = content(qd, argv[3]);
	else if (strcmp(argv[2], "content") == 0 && argc > 4)
		for (int i = 3; i < argc; i++) {
			printf("==> %s <==\n", argv[i]);
			rc |= content(qd, argv[i]);
		}
	else if (strcmp(argv[2], "envelope") == 0 && argc == 4)
		rc = envelope(qd, argv[3]);
	else
		rc = usage();
	queue_dir_free(&qd);
	return rc;
}

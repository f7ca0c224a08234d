/* deliver_smtp_cmd.c: EHLO keywords, MAIL/RCPT commands, dot-stuffing and
 * reply statuses for the SMTP/LMTP client (see deliver_smtp_cmd.h). */
#include "deliver_smtp_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "xtext.h"

unsigned deliver_smtp_ext(const struct smtp_reply *ehlo, unsigned long long *size_r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} keys[] = {
		{"PIPELINING", DELIVER_EXT_PIPELINING}, {"SIZE", DELIVER_EXT_SIZE},
		{"8BITMIME", DELIVER_EXT_8BITMIME},	{"DSN", DELIVER_EXT_DSN},
		{"SMTPUTF8", DELIVER_EXT_SMTPUTF8},	{"STARTTLS", DELIVER_EXT_STARTTLS},
	};
	unsigned ext = 0;
	*size_r = 0;
	const char *line = strchr(buf_cstr(&ehlo->text), '\n');
	while (line != NULL) {
		line++;
		size_t n = strcspn(line, " \n");
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (n != strlen(keys[k].name) || strncasecmp(line, keys[k].name, n) != 0)
				continue;
			ext |= keys[k].bit;
			if (keys[k].bit == DELIVER_EXT_SIZE && line[n] == ' ')
				*size_r = strtoull(line + n + 1, NULL, 10);
		}
		line = strchr(line, '\n');
	}
	return ext;
}

void deliver_smtp_mail(const struct queue_msg *msg, unsigned ext, struct buf *out)
{
	const struct queue_envelope *env = queue_msg_envelope(msg);
	buf_printf(out, "MAIL FROM:<%s>", env->sender);
	if (ext & DELIVER_EXT_SIZE)
		buf_printf(out, " SIZE=%llu", (unsigned long long)queue_msg_content_size(msg));
	if ((ext & DELIVER_EXT_8BITMIME) &&
	    (env->body == QUEUE_BODY_8BITMIME || env->body == QUEUE_BODY_BINARYMIME))
		buf_append_str(out, " BODY=8BITMIME");
	if ((ext & DELIVER_EXT_SMTPUTF8) && env->smtputf8)
		buf_append_str(out, " SMTPUTF8");
	if (ext & DELIVER_EXT_DSN) {
		if (env->ret != QUEUE_RET_UNSET)
			buf_append_str(out, env->ret == QUEUE_RET_FULL ? " RET=FULL" : " RET=HDRS");
		if (env->envid != NULL) {
			buf_append_str(out, " ENVID=");
			xtext_encode(env->envid, strlen(env->envid), out);
		}
	}
	buf_append_str(out, "\r\n");
}

void deliver_smtp_rcpt(const struct queue_rcpt *r, unsigned ext, struct buf *out)
{
	static const struct {
		unsigned bit;
		const char *name;
	} notify[] = {
		{QUEUE_NOTIFY_NEVER, "NEVER"},
		{QUEUE_NOTIFY_SUCCESS, "SUCCESS"},
		{QUEUE_NOTIFY_FAILURE, "FAILURE"},
		{QUEUE_NOTIFY_DELAY, "DELAY"},
	};
	buf_printf(out, "RCPT TO:<%s>", r->address);
	if ((ext & DELIVER_EXT_DSN) && r->notify != 0) {
		const char *sep = " NOTIFY=";
		for (size_t k = 0; k < sizeof(notify) / sizeof(notify[0]); k++) {
			if (!(r->notify & notify[k].bit))
				continue;
			buf_printf(out, "%s%s", sep, notify[k].name);
			sep = ",";
		}
	}
	if ((ext & DELIVER_EXT_DSN) && r->orcpt != NULL)
		buf_printf(out, " ORCPT=%s", r->orcpt);
	buf_append_str(out, "\r\n");
}

void deliver_smtp_stuff_chunk(struct deliver_smtp_stuff *s, const char *data, size_t len,
			      struct buf *out)
{
	size_t from = 0, i = 0;
	if (len == 0)
		return;
	if (s->line_start && data[0] == '.')
		buf_append_char(out, '.');
	/* memchr from line end to line end: the bulk is copied in one piece. */
	for (const char *nl; (nl = memchr(data + i, '\n', len - i)) != NULL;) {
		i = (size_t)(nl - data) + 1;
		if (i < len && data[i] == '.') {
			buf_append(out, data + from, i - from);
			buf_append_char(out, '.');
			from = i;
		}
	}
	buf_append(out, data + from, len - from);
	s->line_start = data[len - 1] == '\n';
	s->last_cr = data[len - 1] == '\r';
}

void deliver_smtp_stuff_end(struct deliver_smtp_stuff *s, struct buf *out)
{
	if (!s->line_start)
		buf_append_str(out, s->last_cr ? "\n" : "\r\n");
	buf_append_str(out, ".\r\n");
	s->line_start = 1;
	s->last_cr = 0;
}

void deliver_smtp_reply_status(const struct smtp_reply *r, const char *where, const char *cmd,
			       struct deliver_status *st)
{
	char dsn[16];
	if (r->dsn[0] != '\0')
		snprintf(dsn, sizeof(dsn), "%s", r->dsn);
	else
		snprintf(dsn, sizeof(dsn), "%d.0.0", r->code / 100);
	char *line = smtp_reply_to_string(r);
	if (r->code < 400)
		deliver_status_set(st, QUEUE_RCPT_DELIVERED, dsn, where, "%s", line);
	else
		deliver_status_set(st, r->code < 500 ? QUEUE_RCPT_DEFERRED : QUEUE_RCPT_BOUNCED, dsn,
				   where, "host %s said: %s (in reply to %s command)", where, line,
				   cmd);
	st->diag = xasprintf("smtp; %s", line);
	free(line);
}

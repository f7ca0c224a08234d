/* pickup_cleanup.c: cleanup for mail from the maildrop (see pickup.h):
 * the Received header of a local submission and the Message-Id, Date and
 * From headers the message lacks, as Postfix's cleanup adds them; none of
 * that for posternd's own notifications, which are complete. */
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "deliver_dsn.h"
#include "header.h"
#include "mem.h"
#include "pickup_private.h"

const char *pickup_extra(const struct queue_envelope *env, const char *name)
{
	for (size_t i = 0; i < env->n_extra; i++)
		if (strcmp(env->extra[i].name, name) == 0)
			return env->extra[i].value;
	return NULL;
}

/* pickup_missing: the headers the message lacks, in the order Postfix's
 * cleanup adds them. */
static void pickup_missing(struct pickup_msg *m, struct buf *out, unsigned seen,
			   const struct queue_envelope *env, const char *myhostname)
{
	if (!(seen & (1u << CLEANUP_HDR_MESSAGE_ID)))
		cleanup_message_id(out, m->arrival, m->queue_id, myhostname, &m->message_id);
	if (!(seen & (1u << CLEANUP_HDR_DATE))) {
		buf_append_str(out, "Date: ");
		cleanup_date(out, m->arrival);
		buf_append_str(out, "\r\n");
	}
	if (!(seen & (1u << CLEANUP_HDR_FROM)) && env->sender[0] != '\0') {
		const char *name = pickup_extra(env, "full_name");
		if (name != NULL && name[0] != '\0')
			buf_printf(out, "From: %s <%s>\r\n", name, env->sender);
		else
			buf_printf(out, "From: %s\r\n", env->sender);
	}
}

void pickup_cleanup(struct pickup_msg *m, const struct queue_msg *msg, const char *myhostname,
		    const char *mail_name)
{
	const struct queue_envelope *env = queue_msg_envelope(msg);
	const char *uid = pickup_extra(env, "origin_uid");
	int internal = pickup_extra(env, DELIVER_DSN_CLASS_ATTR) != NULL;
	struct buf in;
	buf_init(&in, 0);
	size_t iter = 0, len;
	const void *data;
	while (queue_msg_content_next(msg, &iter, &data, &len) > 0)
		buf_append(internal ? &m->content : &in, data, len);
	if (internal) {
		buf_deinit(&in);
		return;
	}

	buf_printf(&m->content, "Received: by %s (%s, from userid %s)\r\n\tid %s; ", myhostname,
		   mail_name, uid != NULL ? uid : "0", m->queue_id);
	cleanup_date(&m->content, m->arrival);
	buf_append_str(&m->content, "\r\n");

	/* The header section: header lines and their continuations, up to
	 * the first line that is neither. */
	const char *p = buf_cstr(&in), *end = p + buf_len(&in);
	unsigned seen = 0;
	int in_header = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol != NULL ? (size_t)(eol + 1 - p) : (size_t)(end - p);
		if (in_header && (p[0] == ' ' || p[0] == '\t')) {
			buf_append(&m->content, p, n);
			p += n;
			continue;
		}
		if (header_name_len(p, n) == 0)
			break;
		in_header = 1;
		seen |= 1u << cleanup_header_kind(p, n);
		if (cleanup_header_kind(p, n) == CLEANUP_HDR_MESSAGE_ID && m->message_id == NULL)
			m->message_id = cleanup_message_id_value(p, n);
		buf_append(&m->content, p, n);
		p += n;
	}
	pickup_missing(m, &m->content, seen, env, myhostname);
	/* A body that does not start with the empty line gets one. */
	if (p < end && !(end - p >= 2 && p[0] == '\r' && p[1] == '\n'))
		buf_append_str(&m->content, "\r\n");
	buf_append(&m->content, p, (size_t)(end - p));
	buf_deinit(&in);
}

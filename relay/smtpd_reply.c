/* smtpd_reply.c: send SMTP replies from a session, with soft_bounce (5xx
 * becomes 4xx, as Postfix's smtpd does) and Postfix's tarpit: every 4xx or 5xx reply (but the
 * closing 421) counts as an error, and once the client has made smtpd_soft_error_limit errors
 * without delivering mail, each further reply is held back by smtpd_error_sleep_time (on a timer:
 * the worker never sleeps).
 */
#include <event2/bufferevent.h>
#include <stdarg.h>

#include "log.h"
#include "mem.h"
#include "smtpd_private.h"

static int smtpd_reply_send_now(struct smtpd_session *s, const struct smtp_reply *r);

int smtpd_reply_send(struct smtpd_session *s, const struct smtp_reply *r)
{
	if (s->bev == NULL)
		return r->code;
	if (s->lconf->soft_bounce && r->code >= 500) {
		/* soft_bounce: every permanent reply becomes temporary. */
		struct smtp_reply *soft =
			smtp_reply_custom(r->code - 100, r->dsn, buf_cstr(&r->text));
		int code = smtpd_reply_send_now(s, soft);
		smtp_reply_free(&soft);
		return code;
	}
	return smtpd_reply_send_now(s, r);
}

/* smtpd_reply_send_now: format, count and send (or hold back) r. */
static int smtpd_reply_send_now(struct smtpd_session *s, const struct smtp_reply *r)
{
	int delay = s->lconf->soft_error_limit > 0 &&
		    s->error_count >= (unsigned)s->lconf->soft_error_limit &&
		    s->lconf->error_sleep_time > 0;
	if (r->code >= 400 && r->code != 421)
		s->error_count++;
	if (s->cur_verb >= 0 && (r->code < 300 || r->code >= 400)) {
		if (r->code < 400) {
			s->counts[s->cur_verb].ok++;
			s->total.ok++;
		}
		s->cur_verb = -1;
	}
	struct buf out;
	buf_init(&out, 0);
	if (smtp_reply_format(r, s->enhanced ? SMTP_REPLY_ENHANCED : 0, &out) < 0)
		log_panic("smtpd_reply_send: cannot format reply %d", r->code);
	if (delay || s->n_delayed > 0) {
		/* Each held reply gets its own sleep, as Postfix sleeps before
		 * each of them. */
		buf_append(&s->delayed, out.data, out.len);
		s->delayed_lens =
			xreallocarray(s->delayed_lens, s->n_delayed + 1, sizeof(*s->delayed_lens));
		s->delayed_lens[s->n_delayed++] = out.len;
	} else {
		bufferevent_write(s->bev, out.data, out.len);
	}
	buf_deinit(&out);
	return r->code;
}

int smtpd_reply(struct smtpd_session *s, enum smtp_reply_id id, ...)
{
	const char *a[4] = {NULL, NULL, NULL, NULL};
	va_list ap;
	va_start(ap, id);
	int n = 0;
	for (const char *arg; (arg = va_arg(ap, const char *)) != NULL;) {
		if (n == 4)
			log_panic("smtpd_reply: too many arguments for reply %d", (int)id);
		a[n++] = arg;
	}
	va_end(ap);
	struct smtp_reply *r = NULL;
	switch (n) {
	case 0:
		r = smtp_reply_new(id, NULL);
		break;
	case 1:
		r = smtp_reply_new(id, a[0], NULL);
		break;
	case 2:
		r = smtp_reply_new(id, a[0], a[1], NULL);
		break;
	case 3:
		r = smtp_reply_new(id, a[0], a[1], a[2], NULL);
		break;
	default:
		r = smtp_reply_new(id, a[0], a[1], a[2], a[3], NULL);
		break;
	}
	int code = smtpd_reply_send(s, r);
	smtp_reply_free(&r);
	return code;
}

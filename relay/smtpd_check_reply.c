/* smtpd_check_reply.c: how a restriction refuses, as Postfix's
 * smtpd_check_reject() and defer_if() do: the reply is checked and cut to
 * 510 octets, warn_if_reject turns it into a "reject_warning" log line, a
 * pending DEFER_IF_REJECT turns a 5xx into that deferral, soft_bounce
 * turns 5xx into 4xx, and the enhanced status code's class follows the
 * reply code. Also the log lines and trace of a pass. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "smtpd_check_private.h"

#define CHK_REPLY_MAX 510 /* "NNN D.D.D text" without CRLF */

void chk_defer_reset(struct chk_defer *d)
{
	d->active = 0;
	d->code = 0;
	d->dsn[0] = '\0';
	FREE_AND_NULL(d->reason);
}

void chk_defer_copy(struct chk_defer *dst, const struct chk_defer *src)
{
	chk_defer_reset(dst);
	dst->active = src->active;
	dst->code = src->code;
	memcpy(dst->dsn, src->dsn, sizeof(dst->dsn));
	dst->reason = src->reason ? xstrdup(src->reason) : NULL;
}

static void defer_vset(struct chk_defer *d, int code, const char *dsn, const char *fmt,
		       va_list ap) __attribute__((format(printf, 4, 0)));
static void defer_vset(struct chk_defer *d, int code, const char *dsn, const char *fmt,
		       va_list ap)
{
	/* Keep the first reason, to minimize confusion (as Postfix). */
	if (d->active)
		return;
	d->active = 1;
	d->code = code;
	snprintf(d->dsn, sizeof(d->dsn), "%s", dsn);
	free(d->reason);
	d->reason = xvasprintf(fmt, ap);
}

void chk_defer_if(struct chk_defer *d, int code, const char *dsn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	defer_vset(d, code, dsn, fmt, ap);
	va_end(ap);
}

void chk_trace(struct chk_pass *p, const char *fmt, ...)
{
	va_list ap;
	if (p->chk->trace_fn == NULL)
		return;
	buf_printf(&p->trace, "%d\t", p->depth);
	va_start(ap, fmt);
	buf_vprintf(&p->trace, fmt, ap);
	va_end(ap);
	buf_append_char(&p->trace, '\n');
}

void chk_log_whatsup(struct chk_pass *p, const char *what, const char *text)
{
	const struct smtpd_facts *f = p->f;
	buf_printf(&p->logs, "I%s: %s: %s from %s: %s;", f->queue_id ? f->queue_id : "NOQUEUE",
		   what, p->where, p->namaddr, text);
	if (p->sender)
		buf_printf(&p->logs, " from=<%s>", p->sender);
	if (p->recipient)
		buf_printf(&p->logs, " to=<%s>", p->recipient);
	if (p->protocol)
		buf_printf(&p->logs, " proto=%s", p->protocol);
	if (p->helo)
		buf_printf(&p->logs, " helo=<%s>", p->helo);
	buf_append_char(&p->logs, '\n');
	chk_trace(p, "log: %s: %s", what, text);
}

void chk_log_warn(struct chk_pass *p, const char *fmt, ...)
{
	va_list ap;
	size_t start = p->logs.len;
	buf_append_char(&p->logs, 'W');
	va_start(ap, fmt);
	buf_vprintf(&p->logs, fmt, ap);
	va_end(ap);
	buf_append_char(&p->logs, '\n');
	chk_trace(p, "warning: %.*s", (int)(p->logs.len - start - 2), p->logs.data + start + 1);
}

int chk_permit(struct chk_pass *p, const char *action, const char *reply_class,
	       const char *reply_name, const char *detail)
{
	char *error = NULL;
	if (!p->st.defer_if_permit.active &&
	    chk_match_host(p->chk->conf->log_permit, action, NULL, &error) > 0) {
		/* Postfix writes a space before an empty detail, too. */
		char *text = xasprintf("action=%s for %s=%s %s", action, reply_class, reply_name,
				       detail ? detail : "");
		chk_log_whatsup(p, "permit", text);
		free(text);
	}
	free(error);
	return CHK_OK;
}

/* printable: replace control characters, so a client-supplied name cannot
 * forge log lines or reply lines (Postfix's printable(text, ' ')). */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* reject_text: refuse with "code dsn text"; config: a server error that
 * warn_if_reject cannot soften. */
static int reject_text(struct chk_pass *p, int config, int code, const char *dsn, char *text)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	int warn = p->warn_if_reject && !config;
	char fixed_dsn[SMTP_DSN_SIZE];

	if (code < 400 || code > 599 || smtp_dsn_valid(dsn) == 0 ||
	    strlen(dsn) >= sizeof(fixed_dsn)) {
		chk_log_warn(p, "SMTP reply code configuration error: %d %s %s", code, dsn, text);
		code = 450;
		dsn = "4.7.1";
		free(text);
		text = xstrdup("Service unavailable");
	}
	/* RFC compliance: "NNN D.D.D " plus text within 510 octets. */
	size_t room = CHK_REPLY_MAX - 5 - strlen(dsn);
	if (strlen(text) > room)
		text[room] = '\0';
	printable(text);

	/* A temporary failure may have kept us from accepting: report that. */
	if (!warn && p->defer_if_reject.active && code / 100 == 5) {
		struct chk_defer d = { 0 };
		chk_defer_copy(&d, &p->defer_if_reject);
		p->warn_if_reject = 0;
		chk_defer_reset(&p->defer_if_reject);
		free(text);
		int rc = reject_text(p, 0, d.code, d.dsn, xstrdup(d.reason));
		chk_defer_reset(&d);
		return rc;
	}
	if (conf->soft_bounce && code / 100 == 5)
		code -= 100;
	snprintf(fixed_dsn, sizeof(fixed_dsn), "%s", dsn);
	fixed_dsn[0] = (char)('0' + code / 100);

	char *line = xasprintf("%d %s %s", code, fixed_dsn, text);
	chk_log_whatsup(p, warn ? "reject_warning" : "reject", line);
	free(line);
	if (!warn) {
		smtp_reply_free(&p->reply);
		p->reply = smtp_reply_custom(code, fixed_dsn, text);
	}
	free(text);
	return warn ? CHK_DUNNO : CHK_REJECT;
}

int chk_reject(struct chk_pass *p, int code, const char *dsn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	return reject_text(p, 0, code, dsn, text);
}

int chk_reject_config(struct chk_pass *p, const char *why)
{
	chk_log_warn(p, "%s", why);
	return reject_text(p, 1, 451, "4.3.5", xstrdup("Server configuration error"));
}

int chk_defer_if_permit(struct chk_pass *p, int defer_if_permit_action, int code, const char *dsn,
			const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (p->warn_if_reject == 0 && defer_if_permit_action) {
		defer_vset(&p->st.defer_if_permit, code, dsn, fmt, ap);
		va_end(ap);
		return CHK_DUNNO;
	}
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	return reject_text(p, 0, code, dsn, text);
}

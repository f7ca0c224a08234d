/* attach_cb.c: postern-attach's hooks. Mail from an exempt sender, or to
 * exempt recipients only, is let through uninspected; every other message
 * is fed to the engine (attach_engine.h) as the MTA sends it, and at its
 * end the worst finding decides, or, with strip_banned_parts, the banned
 * and encrypted parts are cut out of the body. */
#include <stdlib.h>
#include <string.h>

#include "attach_engine.h"
#include "attach_milter.h"
#include "log.h"
#include "mem.h"

struct attach_msg {
	struct attach_scan *scan;
	int checked_rcpts; /* the exemption by recipient was looked at */
};

static const struct attach_settings *settings_of(struct milter_skel_msg *m)
{
	return milter_skel_settings(milter_skel_msg_conn(m));
}

static void msg_free(void *data)
{
	struct attach_msg *am = data;

	attach_scan_free(&am->scan);
	free(am);
}

static int msg_new(struct milter_skel_msg *m, void **data_r)
{
	const struct attach_settings *s = settings_of(m);
	struct attach_msg *am;

	if (attach_domain_listed(s->exempt_sender_domains, milter_skel_sender(m))) {
		milter_skel_detail(m, "sender=<%s>", milter_skel_sender(m));
		return ATTACH_O_EXEMPT;
	}
	am = xcalloc(1, sizeof(*am));
	am->scan = attach_scan_new(milter_skel_state(milter_skel_msg_conn(m)));
	*data_r = am;
	return MILTER_SKEL_CONTINUE;
}

/* all_rcpts_exempt: every recipient is in exempt_recipient_domains. */
static int all_rcpts_exempt(struct milter_skel_msg *m)
{
	const struct attach_settings *s = settings_of(m);
	size_t n;
	const char *const *rcpts = milter_skel_rcpts(m, &n);

	for (size_t i = 0; i < n; i++)
		if (!attach_domain_listed(s->exempt_recipient_domains, rcpts[i]))
			return 0;
	return n > 0;
}

/* on_header: the recipients are complete by the first header field: are
 * they all exempt? */
static int on_header(struct milter_skel_msg *m, const char *name, const char *value)
{
	struct attach_msg *am = milter_skel_msg_data(m);

	(void)name;
	(void)value;
	if (!am->checked_rcpts) {
		am->checked_rcpts = 1;
		if (all_rcpts_exempt(m)) {
			milter_skel_detail(m, "recipients exempt");
			return ATTACH_O_EXEMPT;
		}
	}
	return MILTER_SKEL_CONTINUE;
}

static int on_message(struct milter_skel_msg *m, const void *data, size_t len)
{
	struct attach_msg *am = milter_skel_msg_data(m);

	attach_scan_feed(am->scan, data, len);
	return MILTER_SKEL_CONTINUE;
}

/* ascii: text for an SMTP reply: bytes outside printable ASCII as '?'.
 * Caller frees. */
static char *ascii(const char *text)
{
	char *s = xstrdup(text);

	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return s;
}

/* report: log every finding; the worst one (of at least min) goes into
 * the verdict line and the reply. */
static void report(struct milter_skel_msg *m, const struct attach_result *r, enum attach_class min)
{
	const struct attach_finding *worst = NULL;

	for (size_t i = 0; i < r->n_findings; i++) {
		const struct attach_finding *f = &r->findings[i];
		log_info("%s: %s: \"%s\": %s", milter_skel_queue_id(m), attach_class_name(f->cls),
			 f->name, f->reason);
		if (f->cls >= min && (worst == NULL || f->cls > worst->cls))
			worst = f;
	}
	if (worst == NULL)
		return;
	milter_skel_detail(m, "file=\"%s\" reason=\"%s\"", worst->name, worst->reason);
	char *name = ascii(worst->name);
	char *detail = *name != '\0' ? xasprintf("\"%s\": %s", name, worst->reason)
				     : xstrdup(worst->reason);
	milter_skel_reply_detail(m, detail);
	free(detail);
	free(name);
}

static void strip_piece(const void *data, size_t len, struct buf *out, void *context)
{
	attach_strip_write(context, data, len, out);
}

/* strip: cut the banned and encrypted parts out. 1 done, -1 on error. */
static int strip(struct milter_skel_msg *m, const struct attach_result *r)
{
	struct attach_strip_writer w;

	size_t n = attach_strip_init(&w, r, ATTACH_ENCRYPTED, settings_of(m)->strip_notice);
	int rc = milter_skel_rewrite_body(m, milter_skel_body_offset(m), strip_piece, &w);
	if (rc > 0) {
		char *value = xasprintf("removed %zu attachment%s", n, n == 1 ? "" : "s");
		rc = milter_skel_addheader(m, "X-Postern-Attach", value);
		free(value);
		milter_skel_detail(m, "stripped=%zu", n);
	}
	attach_strip_deinit(&w);
	return rc;
}

/* strippable: every banned or encrypted finding can be cut out. */
static int strippable(const struct attach_result *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].cls >= ATTACH_ENCRYPTED && !r->findings[i].strip)
			return 0;
	return 1;
}

static int on_eom(struct milter_skel_msg *m)
{
	struct attach_msg *am = milter_skel_msg_data(m);
	const struct attach_result *r;

	attach_scan_finish(am->scan);
	r = attach_scan_result(am->scan);
	if (settings_of(m)->strip_banned_parts && r->worst >= ATTACH_ENCRYPTED && strippable(r)) {
		report(m, r, ATTACH_UNSCANNED);
		if (strip(m, r) < 0)
			return MILTER_SKEL_INTERNAL;
		/* What was not cut out may still be unscanned. */
		for (size_t i = 0; i < r->n_findings; i++)
			if (r->findings[i].cls == ATTACH_UNSCANNED)
				return ATTACH_O_UNSCANNED;
		return ATTACH_O_STRIPPED;
	}
	report(m, r, r->worst);
	switch (r->worst) {
	case ATTACH_BANNED:
		return ATTACH_O_BANNED;
	case ATTACH_ENCRYPTED:
		return ATTACH_O_ENCRYPTED;
	case ATTACH_UNSCANNED:
		return ATTACH_O_UNSCANNED;
	case ATTACH_CLEAN:
		break;
	}
	return ATTACH_O_CLEAN;
}

const struct milter_skel_hooks attach_hooks = {
	.mail = msg_new,
	.msg_free = msg_free,
	.header = on_header,
	.message = on_message,
	.eom = on_eom,
};

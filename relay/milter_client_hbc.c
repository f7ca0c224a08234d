/* milter_client_hbc.c: milter_header_checks, the header_checks(5) tables
 * Postfix's cleanup applies to each header field a milter adds, inserts or
 * changes, with the actions of its header checks library and of cleanup's
 * milter extension: REJECT, DISCARD, HOLD, REDIRECT, BCC, WARN, INFO,
 * REPLACE, STRIP, IGNORE, DUNNO and OK; PREPEND is logged and has no
 * other effect (a warning says so), as in Postfix 3.7. FILTER is refused
 * with a warning (posternd has no content filter transport); PASS and
 * unknown results are "unsupported", as Postfix says.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "headers_act.h"
#include "log.h"
#include "mem.h"
#include "milter_client_private.h"
#include "table.h"

#define MILTER_HBC_CLASS "milter_header_checks"

/* milter_hbc_lookup: the first table that knows line answers: 1 with
 * *value_r, 0 none, -1 with *error_r. */
static int milter_hbc_lookup(struct table **tables, const char *line, char **value_r,
			     char **error_r)
{
	for (size_t i = 0; tables[i] != NULL; i++) {
		int rc = table_lookup(tables[i], line, value_r, error_r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* milter_hbc_log: Postfix's line for an action: "ID: milter-header-ACTION:
 * header LINE from NAME[ADDR]; from=<S> to=<R> proto=P helo=<H>: TEXT". */
static void milter_hbc_log(const struct milter_chain *c, const char *action, const char *line,
			   const char *text)
{
	const struct smtpd_facts *f = c->facts;
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s: milter-header-%s: header %.60s from %s[%s];",
		   f->queue_id != NULL ? f->queue_id : "NOQUEUE", action, line, f->client_name,
		   f->client_addr);
	if (f->sender != NULL)
		buf_printf(&b, " from=<%s>", f->sender);
	if (f->recipient != NULL)
		buf_printf(&b, " to=<%s>", f->recipient);
	if (f->protocol != NULL)
		buf_printf(&b, " proto=%s", f->protocol);
	if (f->helo != NULL)
		buf_printf(&b, " helo=<%s>", f->helo);
	if (text != NULL)
		buf_printf(&b, ": %s", text);
	log_info_as("cleanup", "%s", buf_cstr(&b));
	buf_deinit(&b);
}

/* milter_hbc_replace: REPLACE's "name: value" into the field. */
static void milter_hbc_replace(const char *text, char **name_io, char **value_io)
{
	size_t n = strcspn(text, ":");
	free(*name_io);
	free(*value_io);
	*name_io = xstrndup(text, n);
	*value_io = xstrdup(text[n] == ':' ? text + n + 1 : "");
}

/* milter_hbc_act: carry out result value for the field line. */
static int milter_hbc_act(struct milter_chain *c, const char *line, const char *value,
			  char **name_io, char **value_io)
{
	struct headers_act act;
	char *warning = NULL;
	const char *qid = c->facts->queue_id != NULL ? c->facts->queue_id : "NOQUEUE";
	int keep = 1;

	headers_act_parse(value, 1, MILTER_HBC_CLASS, &act, &warning);
	if (act.kind == HEADERS_ACT_PASS ||
	    (act.kind == HEADERS_ACT_BAD && !headers_act_known(value))) {
		log_warn("unsupported command in " MILTER_HBC_CLASS " map: %s", value);
		free(warning);
		return 1;
	}
	if (warning != NULL)
		log_warn("%s", warning);
	switch (act.kind) {
	case HEADERS_ACT_REJECT: {
		char *reason = xasprintf("%s %s", act.dsn, act.text);
		milter_hbc_log(c, "reject", line, reason);
		free(reason);
		smtp_reply_free(&c->hbc_reply);
		c->hbc_reply = smtp_reply_custom(act.code, act.dsn, act.text);
		c->hbc_off = 1;
		break;
	}
	case HEADERS_ACT_DISCARD:
		milter_hbc_log(c, "discard", line, act.text);
		c->hbc_discard = 1;
		c->hbc_off = 1;
		break;
	case HEADERS_ACT_HOLD:
		if (c->result.hold_reason == NULL && !c->hbc_discard) {
			milter_hbc_log(c, "hold", line, act.text);
			c->result.hold_reason = xstrdup(*act.text != '\0' ? act.text
								  : MILTER_HBC_CLASS " HOLD");
			c->result.hold_filter = xstrdup(MILTER_HBC_CLASS);
		}
		break;
	case HEADERS_ACT_REDIRECT:
		milter_hbc_log(c, "redirect", line, act.text);
		free(c->result.redirect);
		c->result.redirect = xstrdup(act.text);
		c->hbc_off = 1;
		break;
	case HEADERS_ACT_BCC: {
		struct milter_result *res = &c->result;
		milter_hbc_log(c, "bcc", line, act.text);
		res->add_rcpts = xreallocarray(res->add_rcpts, res->n_add_rcpts + 1,
					       sizeof(*res->add_rcpts));
		res->add_rcpts[res->n_add_rcpts].addr = xstrdup(act.text);
		res->add_rcpts[res->n_add_rcpts].args = NULL;
		res->n_add_rcpts++;
		break;
	}
	case HEADERS_ACT_FILTER:
		log_warn("%s: " MILTER_HBC_CLASS ": FILTER %s is not supported (no content filter "
			 "transport); ignored",
			 qid, act.text);
		break;
	case HEADERS_ACT_WARN:
	case HEADERS_ACT_INFO:
		milter_hbc_log(c, act.kind == HEADERS_ACT_WARN ? "warning" : "info", line, act.text);
		break;
	case HEADERS_ACT_REPLACE:
		milter_hbc_log(c, "replace", line, act.text);
		milter_hbc_replace(act.text, name_io, value_io);
		break;
	case HEADERS_ACT_PREPEND:
		milter_hbc_log(c, "prepend", line, act.text);
		log_warn("milter_header_checks: PREPEND is ignored (the field is not added)");
		break;
	case HEADERS_ACT_STRIP:
		milter_hbc_log(c, "strip", line, act.text);
		keep = 0;
		break;
	case HEADERS_ACT_IGNORE:
		keep = 0;
		break;
	default: /* DUNNO, OK, and results Postfix warns about */
		break;
	}
	free(warning);
	return keep;
}

int milter_hbc_field(struct milter_chain *c, char **name_io, char **value_io)
{
	if (c->conf->hbc == NULL || c->hbc_off)
		return 1;
	char *line = xasprintf("%s:%s", *name_io, *value_io), *value = NULL, *error = NULL;
	int keep = 1;
	int rc = milter_hbc_lookup(c->conf->hbc, line, &value, &error);
	if (rc > 0) {
		keep = milter_hbc_act(c, line, value, name_io, value_io);
	} else if (rc < 0) {
		log_warn("%s: " MILTER_HBC_CLASS " lookup error -- deferring delivery: %s",
			 c->facts->queue_id != NULL ? c->facts->queue_id : "NOQUEUE", error);
		smtp_reply_free(&c->hbc_reply);
		c->hbc_reply = smtp_reply_custom(451, "4.3.0", "Error: queue file write error");
		c->hbc_off = 1;
		keep = 0;
	}
	free(value);
	free(error);
	free(line);
	return keep;
}

/* smtpd_check_access.c: access(5) tables in restrictions: the search
 * orders of check_client_access (client name and parent domains, then
 * the address and its parent networks), check_helo_access (the name and
 * parent domains), check_sender_access and check_recipient_access
 * (user+ext@domain, user@domain, domain and parents, user+ext@, user@),
 * and what a result does (Postfix's check_table_result): OK, REJECT,
 * DEFER, DEFER_IF_PERMIT, DEFER_IF_REJECT, 4NN/5NN text, DUNNO, HOLD,
 * DISCARD, REDIRECT, BCC, FILTER, PREPEND, WARN, INFO, or a restriction
 * list to evaluate in turn. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access_action.h"
#include "mem.h"
#include "smtpd_check_private.h"
#include "table_find.h"

#define RECURSION_MAX 100

static enum access_class class_of(const char *reply_class)
{
	if (strcmp(reply_class, CLS_SENDER) == 0)
		return ACCESS_CLASS_SENDER;
	if (strcmp(reply_class, CLS_RECIPIENT) == 0)
		return ACCESS_CLASS_RECIPIENT;
	return ACCESS_CLASS_OTHER;
}

/* can_delegate: HOLD, FILTER, ... belong to a message; with
 * smtpd_delay_reject = no there is none yet in client or HELO
 * restrictions (Postfix skips the action with a warning). */
static int can_delegate(struct chk_pass *p, const char *table, const char *action)
{
	if (p->sender != NULL)
		return 1;
	chk_log_warn(p,
		     "access table %s: with smtpd_delay_reject=no, action %s is always "
		     "skipped in %s or %s restrictions",
		     table, action, CLS_CLIENT, CLS_HELO);
	return 0;
}

static char *strdup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

/* bad_value: a value access_action_parse() refused; Postfix warns and
 * skips it, except for a lookup table or a bad reply code. */
static int bad_value(struct chk_pass *p, const char *table, const char *value, char *error)
{
	size_t word = strcspn(value, " \t");
	int rc = CHK_DUNNO;

	if (*value == '\0') {
		chk_log_warn(p, "access table %s entry has empty value", table);
		rc = CHK_OK;
	} else if (strchr(value, ':') && (strncasecmp(value, "FILTER", word) != 0 || word != 6) &&
		   (strncasecmp(value, "PREPEND", word) != 0 || word != 7)) {
		chk_log_warn(p, "access table %s has entry with lookup table: %s", table, value);
		rc = chk_reject_config(p, "do not specify lookup tables inside SMTPD access maps");
	} else if (strstr(error, "reply code") != NULL) {
		chk_log_warn(p, "SMTP reply code configuration error: %s", value);
		rc = chk_reject(p, 450, "4.7.1", "Service unavailable");
	} else {
		chk_log_warn(p, "access table %s entry \"%s\": %s", table, value, error);
	}
	free(error);
	return rc;
}

static int run_restrictions(struct chk_pass *p, const char *table, const char *value,
			    const char *reply_name, const char *reply_class,
			    enum chk_def_acl def_acl)
{
	struct chk_list *list;
	char *error = NULL;

	if (p->recursion > RECURSION_MAX) {
		chk_log_warn(p, "access table %s entry %s causes unreasonable recursion", table,
			     value);
		return chk_reject_config(p, "restriction recursion limit reached");
	}
	if (chk_parse_list(p->chk->conf, table, value, NULL, 0, def_acl, 0, &list, &error) < 0) {
		chk_log_warn(p, "access table %s: %s", table, error);
		free(error);
		return chk_reject_config(p, "bad restriction list in an access table");
	}
	int rc = chk_eval_list(p, list, reply_name, reply_class, def_acl);
	chk_list_free(&list);
	return rc;
}

int chk_table_result(struct chk_pass *p, const char *table, const char *value,
		     const char *reply_name, const char *reply_class, enum chk_def_acl def_acl)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	const struct access_codes codes = { conf->codes.access_reject, conf->codes.access_defer };
	struct access_action a;
	char *error = NULL, *text;
	size_t word = strcspn(value, " \t");
	char action[32];

	snprintf(action, sizeof(action), "%.*s", (int)(word < 31 ? word : 31), value);
	if (access_action_parse(value, &codes, class_of(reply_class), &a, &error) < 0)
		return bad_value(p, table, value, error);
	switch (a.kind) {
	case ACCESS_OK: {
		char *from = xasprintf("from %s", table);
		int rc = chk_permit(p, action, reply_class, reply_name, from);
		free(from);
		return rc;
	}
	case ACCESS_DUNNO:
		return CHK_DUNNO;
	case ACCESS_REJECT:
	case ACCESS_DEFER:
		return chk_reject(p, a.code, a.dsn, "<%s>: %s rejected: %s", reply_name, reply_class,
				  a.text);
	case ACCESS_DEFER_IF_PERMIT:
		return chk_defer_if_permit(p, 1, a.code, a.dsn, "<%s>: %s rejected: %s", reply_name,
					   reply_class, a.text);
	case ACCESS_DEFER_IF_REJECT:
		chk_defer_if(&p->defer_if_reject, a.code, a.dsn, "<%s>: %s rejected: %s", reply_name,
			     reply_class, a.text);
		return CHK_DUNNO;
	case ACCESS_WARN:
		chk_log_whatsup(p, "warn", a.text);
		return CHK_DUNNO;
	case ACCESS_INFO:
		chk_log_whatsup(p, "info", a.text);
		return CHK_DUNNO;
	case ACCESS_HOLD:
		if (!can_delegate(p, table, "HOLD") || p->st.hold)
			return CHK_DUNNO;
		text = xasprintf("<%s>: %s %s", reply_name, reply_class,
				 *a.text ? a.text : "triggers HOLD action");
		chk_log_whatsup(p, "hold", text);
		free(text);
		p->st.hold = strdup_or_empty(a.text);
		return CHK_DUNNO;
	case ACCESS_DISCARD: {
		if (!can_delegate(p, table, "DISCARD"))
			return CHK_DUNNO;
		text = xasprintf("<%s>: %s %s", reply_name, reply_class,
				 *a.text ? a.text : "triggers DISCARD action");
		chk_log_whatsup(p, "discard", text);
		free(text);
		free(p->st.discard);
		p->st.discard = strdup_or_empty(a.text);
		p->st.discarded = 1;
		char *from = xasprintf("from %s", table);
		int rc = chk_permit(p, action, reply_class, reply_name, from);
		free(from);
		return rc;
	}
	case ACCESS_REDIRECT:
	case ACCESS_BCC:
	case ACCESS_FILTER: {
		const char *name = access_kind_name(a.kind);
		if (!can_delegate(p, table, name))
			return CHK_DUNNO;
		text = xasprintf("<%s>: %s triggers %s %s", reply_name, reply_class, name, a.text);
		chk_log_whatsup(p,
				a.kind == ACCESS_REDIRECT ? "redirect" :
				a.kind == ACCESS_BCC	  ? "bcc" :
							    "filter",
				text);
		free(text);
		if (a.kind == ACCESS_BCC) {
			p->st.bcc = xreallocarray(p->st.bcc, p->st.n_bcc + 1, sizeof(char *));
			p->st.bcc[p->st.n_bcc++] = xstrdup(a.text);
		} else {
			char **slot = a.kind == ACCESS_REDIRECT ? &p->st.redirect : &p->st.filter;
			free(*slot);
			*slot = xstrdup(a.text);
		}
		return CHK_DUNNO;
	}
	case ACCESS_PREPEND:
		if (!can_delegate(p, table, "PREPEND"))
			return CHK_DUNNO;
		if (p->stage == SMTPD_CHECK_END_OF_DATA) {
			chk_log_warn(p,
				     "access table %s: action PREPEND must be used before "
				     "smtpd_end_of_data_restrictions",
				     table);
			return CHK_DUNNO;
		}
		buf_printf(&p->st.prepend, "%s\n", a.text);
		return CHK_DUNNO;
	case ACCESS_RESTRICTIONS:
		return run_restrictions(p, table, value, reply_name, reply_class, def_acl);
	}
	return CHK_DUNNO;
}

/* found: trace a match and act on it. */
static int found(struct chk_pass *p, struct table *t, struct table_match *m,
		 const char *reply_name, const char *reply_class, enum chk_def_acl def_acl)
{
	chk_trace(p, "%s: key \"%s\" -> %s", table_spec(t), m->key, m->value);
	p->depth++;
	int rc = chk_table_result(p, table_spec(t), m->value, reply_name, reply_class, def_acl);
	p->depth--;
	table_match_deinit(m);
	return rc;
}

/* failed: a table could not answer: Postfix's "table lookup problem". */
static int failed(struct chk_pass *p, struct table *t, char *error, const char *reply_name,
		  const char *reply_class, enum chk_def_acl def_acl)
{
	chk_log_warn(p, "%s: table lookup problem: %s", table_spec(t), error);
	free(error);
	return chk_table_result(p, table_spec(t), "451 4.3.5 Server configuration error",
				reply_name, reply_class, def_acl);
}

int chk_access_client(struct chk_pass *p, struct table *t, const char *name, const char *addr,
		      const char *reply_name, const char *reply_class, enum chk_def_acl def_acl,
		      int *found_r)
{
	struct table_find_opts opts = { .parent_matches_subdomains = p->chk->conf->parent_access };
	struct table_match m = { 0 };
	char *error = NULL;
	int rc = table_find_domain(&t, 1, name, &opts, &m, &error);

	if (rc == 0 && addr != NULL)
		rc = table_find_hostaddr(&t, 1, addr, &m, &error);
	*found_r = rc != 0;
	if (rc < 0)
		return failed(p, t, error, reply_name, reply_class, def_acl);
	if (rc == 0) {
		chk_trace(p, "%s: no match for %s%s%s", table_spec(t), name, addr ? " or " : "",
			  addr ? addr : "");
		return CHK_DUNNO;
	}
	return found(p, t, &m, reply_name, reply_class, def_acl);
}

int chk_access_domain(struct chk_pass *p, struct table *t, const char *domain,
		      const char *reply_name, const char *reply_class, enum chk_def_acl def_acl)
{
	int unused;
	return chk_access_client(p, t, domain, NULL, reply_name, reply_class, def_acl, &unused);
}

int chk_access_key(struct chk_pass *p, struct table *t, const char *key, const char *reply_name,
		   const char *reply_class, enum chk_def_acl def_acl)
{
	struct table_match m = { 0 };
	char *error = NULL;
	int rc = table_lookup(t, key, &m.value, &error);

	if (rc < 0)
		return failed(p, t, error, reply_name, reply_class, def_acl);
	if (rc == 0) {
		chk_trace(p, "%s: no match for %s", table_spec(t), key);
		return CHK_DUNNO;
	}
	m.key = xstrdup(key);
	return found(p, t, &m, reply_name, reply_class, def_acl);
}

int chk_access_mail(struct chk_pass *p, struct table *t, const char *addr, const char *reply_name,
		    const char *reply_class, enum chk_def_acl def_acl)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	struct table_find_opts opts = { .delimiters = conf->recipient_delimiter,
					.parent_matches_subdomains = conf->parent_access };
	struct chk_resolved r = { 0 };
	struct table_match m = { 0 };
	char *error = NULL;

	if (chk_resolve(conf, addr, &r, &error) < 0) {
		chk_log_warn(p, "%s", error);
		free(error);
		return chk_reject(p, 451, "4.3.0", "<%s>: Temporary lookup failure", addr);
	}
	int rc = table_find_access(&t, 1, r.address, &opts, &m, &error);
	if (rc < 0) {
		chk_resolved_deinit(&r);
		return failed(p, t, error, reply_name, reply_class, def_acl);
	}
	if (rc == 0) {
		chk_trace(p, "%s: no match for %s", table_spec(t), r.address);
		chk_resolved_deinit(&r);
		return CHK_DUNNO;
	}
	int status = found(p, t, &m, reply_name, reply_class, def_acl);
	/* Source-routed recipients are too suspicious for OK. */
	if (status == CHK_OK && !conf->allow_untrusted_routing && r.routed &&
	    strcmp(reply_class, CLS_RECIPIENT) == 0)
		status = CHK_DUNNO;
	chk_resolved_deinit(&r);
	return status;
}

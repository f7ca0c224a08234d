/* deliver_dsn_conf.c: the settings of delivery notifications (who gets
 * double bounces, from whom, whether milters see them; see deliver_dsn.h),
 * read once for the scheduler and once for the pickup of locally
 * submitted mail. */
#include "deliver_dsn.h"

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_list.h"
#include "mem.h"
#include "relay_conf_value.h"

/* qualify: name, or name@host when it has no domain. */
static char *qualify(const char *name, const char *host)
{
	return strchr(name, '@') != NULL ? xstrdup(name) : xasprintf("%s@%s", name, host);
}

/* filter_bounces: internal_mail_filter_classes has bounce and there are
 * non_smtpd_milters to give the notifications to. Postfix's classes are
 * bounce and notify; posternd sends no postmaster notices of the notify
 * kind, so that one changes nothing. 1, 0, or -1 with *error_r. */
static int filter_bounces(const struct cfg *view, char **error_r)
{
	char **classes = NULL, *milters = NULL;
	int rc = 0;

	if (relay_conf_list(view, "internal_mail_filter_classes", &classes, NULL, error_r) < 0)
		return -1;
	for (size_t i = 0; classes[i] != NULL && rc >= 0; i++) {
		if (strcmp(classes[i], "bounce") == 0)
			rc = 1;
		else if (strcmp(classes[i], "notify") != 0) {
			*error_r = xasprintf("internal_mail_filter_classes: unknown class \"%s\" "
					     "(bounce or notify)",
					     classes[i]);
			rc = -1;
		}
	}
	cfg_list_free(&classes);
	if (rc > 0) {
		if (relay_conf_str(view, "non_smtpd_milters", &milters, error_r) < 0)
			return -1;
		rc = milters[strspn(milters, " \t,")] != '\0';
		free(milters);
	}
	return rc;
}

int deliver_dsn_conf_init(struct deliver_dsn_conf *c, const struct cfg *view, char **error_r)
{
	char **classes = NULL, *rcpt = NULL, *sender = NULL;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (relay_conf_str(view, "myhostname", &c->myhostname, error_r) < 0 ||
	    relay_conf_list(view, "notify_classes", &classes, NULL, error_r) < 0 ||
	    relay_conf_str(view, "2bounce_notice_recipient", &rcpt, error_r) < 0 ||
	    relay_conf_str(view, "double_bounce_sender", &sender, error_r) < 0 ||
	    (c->filter = filter_bounces(view, error_r)) < 0)
		goto out;
	for (size_t i = 0; classes[i] != NULL; i++)
		c->send_2bounce |= strcmp(classes[i], "2bounce") == 0;
	c->postmaster = qualify(rcpt, c->myhostname);
	c->double_bounce = qualify(sender, c->myhostname);
	rc = 1;
out:
	cfg_list_free(&classes);
	free(rcpt);
	free(sender);
	return rc;
}

void deliver_dsn_conf_deinit(struct deliver_dsn_conf *c)
{
	FREE_AND_NULL(c->myhostname);
	FREE_AND_NULL(c->postmaster);
	FREE_AND_NULL(c->double_bounce);
}

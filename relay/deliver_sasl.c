/* deliver_sasl.c: the SMTP client's SASL login with the built-in PLAIN
 * and LOGIN mechanisms, its settings and the password lookup (see
 * deliver_sasl.h). */
#include "deliver_sasl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "buf.h"
#include "cfg_list.h"
#include "mem.h"
#include "relay_conf_value.h"
#include "table.h"

struct deliver_sasl_conf {
	struct table **maps; /* smtp_sasl_password_maps */
	size_t n_maps;
	int plain_ok;	  /* smtp_sasl_security_options allow PLAIN and LOGIN */
	int tls_plain_ok; /* smtp_sasl_tls_security_options do */
	char **filter;	  /* smtp_sasl_mechanism_filter; empty: all */
	int by_sender;	  /* smtp_sender_dependent_authentication */
};

/* deliver_sasl_options: whether the security options of name allow a
 * mechanism that sends the password as it is (PLAIN, LOGIN). */
static int deliver_sasl_options(const struct cfg *v, const char *name, int *ok_r, char **error_r)
{
	static const char *const known[] = {"noplaintext", "noactive",	  "nodictionary",
					    "noanonymous", "mutual_auth", NULL};
	char **items = NULL;
	if (relay_conf_list(v, name, &items, NULL, error_r) < 0)
		return -1;
	*ok_r = 1;
	int rc = 1;
	for (size_t i = 0; items[i] != NULL && rc > 0; i++) {
		size_t k = 0;
		while (known[k] != NULL && strcasecmp(items[i], known[k]) != 0)
			k++;
		if (known[k] == NULL) {
			char *why = xasprintf("unknown security option \"%s\"", items[i]);
			*error_r = relay_conf_error(v, name, why);
			free(why);
			rc = -1;
		} else if (k == 0 || k == 4) {
			*ok_r = 0;
		}
	}
	cfg_list_free(&items);
	return rc;
}

int deliver_sasl_conf_new(const struct cfg *view, struct deliver_sasl_conf **c_r, char **error_r)
{
	int enable = 0;
	*c_r = NULL;
	if (relay_conf_bool(view, "smtp_sasl_auth_enable", &enable, error_r) < 0)
		return -1;
	if (!enable)
		return 1;
	struct deliver_sasl_conf *c = xcalloc(1, sizeof(*c));
	char *filter = NULL;
	int ok = deliver_sasl_options(view, "smtp_sasl_security_options", &c->plain_ok, error_r) >
			 0 &&
		 deliver_sasl_options(view, "smtp_sasl_tls_security_options", &c->tls_plain_ok,
				      error_r) > 0 &&
		 relay_conf_str(view, "smtp_sasl_mechanism_filter", &filter, error_r) > 0 &&
		 relay_conf_bool(view, "smtp_sender_dependent_authentication", &c->by_sender,
				 error_r) > 0 &&
		 cfg_list_split(filter, &c->filter, NULL, error_r) > 0 &&
		 relay_conf_tables(view, "smtp_sasl_password_maps", &c->maps, &c->n_maps, error_r) > 0;
	free(filter);
	if (!ok) {
		deliver_sasl_conf_free(&c);
		return -1;
	}
	*c_r = c;
	return 1;
}

int deliver_sasl_by_sender(const struct deliver_sasl_conf *c)
{
	return c != NULL && c->by_sender;
}

void deliver_sasl_conf_free(struct deliver_sasl_conf **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct deliver_sasl_conf *c = *cp;
	for (size_t i = 0; i < c->n_maps; i++)
		table_free(&c->maps[i]);
	free(c->maps);
	cfg_list_free(&c->filter);
	FREE_AND_NULL(*cp);
}

char *deliver_sasl_mechanisms(const struct smtp_reply *ehlo)
{
	struct buf out;
	buf_init(&out, 0);
	const char *line = strchr(buf_cstr(&ehlo->text), '\n');
	while (line != NULL) {
		line++;
		if (strncasecmp(line, "AUTH", 4) == 0 && (line[4] == ' ' || line[4] == '=')) {
			size_t n = strcspn(line, "\n");
			for (const char *p = line + 5; p < line + n; p++)
				if (out.len == 0 || *p != ' ' || out.data[out.len - 1] != ' ')
					buf_printf(&out, "%c",
						   *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
			buf_append_str(&out, " ");
		}
		line = strchr(line, '\n');
	}
	char *s = buf_detach(&out);
	buf_deinit(&out);
	return s;
}

/* deliver_sasl_offered: mech is a word of mechs. */
static int deliver_sasl_offered(const char *mechs, const char *mech)
{
	size_t n = strlen(mech);
	for (const char *p = mechs; (p = strstr(p, mech)) != NULL; p += n)
		if ((p == mechs || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

const char *deliver_sasl_choose(const struct deliver_sasl_conf *c, const char *server_mechs,
				int tls)
{
	static const char *const builtin[] = {"PLAIN", "LOGIN"};
	if (!(tls ? c->tls_plain_ok : c->plain_ok))
		return NULL;
	for (size_t i = 0; i < 2; i++) {
		int allowed = c->filter[0] == NULL;
		for (size_t k = 0; c->filter[k] != NULL && !allowed; k++)
			allowed = strcasecmp(c->filter[k], builtin[i]) == 0;
		if (allowed && deliver_sasl_offered(server_mechs, builtin[i]))
			return builtin[i];
	}
	return NULL;
}

/* deliver_sasl_password: "user:password" for the sender and its
 * "@domain" (when sender-dependent), then for nexthop, then host. */
static int deliver_sasl_password(const struct deliver_sasl_conf *c, const char *sender,
				 const char *nexthop, const char *host, char **value_r,
				 char **error_r)
{
	const char *at = strrchr(sender, '@');
	int by_sender = c->by_sender && *sender != '\0';
	const char *keys[] = {by_sender ? sender : NULL, by_sender ? at : NULL, nexthop, host};
	for (size_t k = 0; k < 4; k++)
		if (keys[k] != NULL)
			for (size_t i = 0; i < c->n_maps; i++) {
				int rc = table_lookup(c->maps[i], keys[k], value_r, error_r);
				if (rc != 0)
					return rc;
			}
	return 0;
}

/* deliver_sasl_b64: append the base64 of data[0..len) to out. */
static void deliver_sasl_b64(const char *data, size_t len, struct buf *out)
{
	char *enc = xcalloc(4 * ((len + 2) / 3) + 1, 1);
	EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)data, (int)len);
	buf_append_str(out, enc);
	free(enc);
}

/* The exchange with the server. */
struct deliver_sasl_step {
	struct deliver_conn *conn;
	const char *where;
	long long timeout;
	char **why_r;
	char *dsn_r;
};

/* deliver_sasl_say: send line, read the reply. DELIVER_SASL_DONE with
 * *r_r, or a failure. */
static enum deliver_sasl_rc deliver_sasl_say(struct deliver_sasl_step *st, const struct buf *line,
					     struct smtp_reply **r_r)
{
	enum deliver_conn_fail fail;
	char *error = NULL;
	if (deliver_conn_write(st->conn, line->data, line->len, st->timeout, &fail, &error) > 0 &&
	    deliver_conn_reply(st->conn, st->timeout, r_r, &fail, &error) > 0)
		return DELIVER_SASL_DONE;
	if (fail == DELIVER_CONN_STOPPED) {
		free(error);
		return DELIVER_SASL_STOPPED;
	}
	*st->why_r =
		fail == DELIVER_CONN_TIMEOUT
			? xasprintf("conversation with %s timed out while sending AUTH", st->where)
			: xasprintf("lost connection with %s while sending AUTH (%s)", st->where,
				    error);
	snprintf(st->dsn_r, 16, "4.4.2");
	free(error);
	return DELIVER_SASL_FAIL;
}

/* deliver_sasl_refused: the server's reply r ended the login. */
static enum deliver_sasl_rc deliver_sasl_refused(struct deliver_sasl_step *st,
						 const struct smtp_reply *r)
{
	char *line = smtp_reply_to_string(r);
	*st->why_r = xasprintf("SASL authentication failed; server %s said: %s", st->where, line);
	free(line);
	/* smtp_sasl_auth_soft_bounce: a failed login defers. */
	if (r->dsn[0] != '\0')
		snprintf(st->dsn_r, 16, "4%s", r->dsn + 1);
	else
		snprintf(st->dsn_r, 16, "4.7.0");
	return DELIVER_SASL_FAIL;
}

/* deliver_sasl_exchange: AUTH with mech for user and password. */
static enum deliver_sasl_rc deliver_sasl_exchange(struct deliver_sasl_step *st, const char *mech,
						  const char *user, const char *password)
{
	struct buf line;
	struct smtp_reply *r = NULL;
	enum deliver_sasl_rc rc;
	buf_init(&line, 0);
	if (strcmp(mech, "PLAIN") == 0) {
		struct buf cred;
		buf_init(&cred, 0);
		buf_append(&cred, "", 1);
		buf_append_str(&cred, user);
		buf_append(&cred, "", 1);
		buf_append_str(&cred, password);
		buf_append_str(&line, "AUTH PLAIN ");
		deliver_sasl_b64(cred.data, cred.len, &line);
		buf_append_str(&line, "\r\n");
		buf_deinit(&cred);
		rc = deliver_sasl_say(st, &line, &r);
	} else {
		const char *answers[] = {user, password};
		buf_append_str(&line, "AUTH LOGIN\r\n");
		rc = deliver_sasl_say(st, &line, &r);
		for (size_t i = 0; i < 2 && rc == DELIVER_SASL_DONE && r->code == 334; i++) {
			smtp_reply_free(&r);
			buf_reset(&line);
			deliver_sasl_b64(answers[i], strlen(answers[i]), &line);
			buf_append_str(&line, "\r\n");
			rc = deliver_sasl_say(st, &line, &r);
		}
	}
	buf_deinit(&line);
	if (rc == DELIVER_SASL_DONE && r->code != 235)
		rc = deliver_sasl_refused(st, r);
	smtp_reply_free(&r);
	return rc;
}

enum deliver_sasl_rc deliver_sasl_login(const struct deliver_sasl_conf *c,
					struct deliver_conn *conn, const struct smtp_reply *ehlo,
					int tls, const char *sender, const char *nexthop,
					const char *host, const char *where, long long timeout,
					char **why_r, char dsn_r[16])
{
	if (c == NULL)
		return DELIVER_SASL_DONE;
	char *mechs = deliver_sasl_mechanisms(ehlo);
	char *value = NULL, *error = NULL;
	enum deliver_sasl_rc rc = DELIVER_SASL_DONE;
	size_t vlen = 0;
	int found = *mechs != '\0' ? deliver_sasl_password(c, sender, nexthop, host, &value, &error)
				   : 0;
	if (found < 0) {
		*why_r = xasprintf("SASL authentication failed; cannot authenticate to server %s: "
				   "password lookup failed: %s",
				   where, error);
		snprintf(dsn_r, 16, "4.3.0");
		rc = DELIVER_SASL_FAIL;
	} else if (found > 0) {
		vlen = strlen(value);
		const char *mech = deliver_sasl_choose(c, mechs, tls);
		char *colon = strchr(value, ':');
		if (colon != NULL)
			*colon = '\0';
		if (mech == NULL) {
			*why_r = xasprintf("SASL authentication failed; cannot authenticate to "
					   "server %s: no mechanism available",
					   where);
			snprintf(dsn_r, 16, "4.7.0");
			rc = DELIVER_SASL_FAIL;
		} else {
			struct deliver_sasl_step st = {conn, where, timeout, why_r, dsn_r};
			rc = deliver_sasl_exchange(&st, mech, value,
						   colon != NULL ? colon + 1 : "");
		}
	}
	if (value != NULL)
		explicit_bzero(value, vlen);
	free(value);
	free(error);
	free(mechs);
	return rc;
}

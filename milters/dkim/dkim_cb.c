/* dkim_cb.c: postern-dkim's hooks: decide per connection and message
 * whether mail originates here (internal host, SASL login, or the MTA's
 * daemon name) and so is signed, or is verified; hand header fields and
 * body to the signers or the verifier; at the end insert the signatures,
 * or remove forged Authentication-Results and insert ours, and map what
 * happened to an outcome. Header order (DESIGN.md): our
 * Authentication-Results and our signatures go to the very top; every
 * other field passes through untouched.
 */
#include "dkim_cb.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim_ar.h"
#include "dkim_conf.h"
#include "log.h"
#include "mem.h"

#define AR_NAME "Authentication-Results"
#define TAG_NAME "X-Postern-DKIM"

struct dkim_conn {
	int internal;	   /* the client is in internal_hosts */
	int ignored;	   /* the client is in external_ignore_list */
	int daemon_origin; /* {daemon_name} is an originating daemon */
};

enum dkim_task {
	DKIM_TASK_NONE,
	DKIM_TASK_SIGN,
	DKIM_TASK_VERIFY,
};

struct dkim_msg {
	int originating;
	struct dkim_header *headers; /* owned copies, in message order */
	size_t n_headers;
	unsigned from_fields;
	char *from_user;
	char *from_domain;
	enum dkim_task task;
	struct dkim_key_match *matches;
	struct dkim_signer **signers; /* one per match */
	size_t n_signers;
	struct dkim_verifier *verifier;
	char *why_skipped;
};

static void dkim_msg_reset(void *data)
{
	struct dkim_msg *dm = data;
	for (size_t i = 0; i < dm->n_headers; i++) {
		free((char *)dm->headers[i].name);
		free((char *)dm->headers[i].value);
	}
	free(dm->headers);
	for (size_t i = 0; i < dm->n_signers; i++)
		dkim_signer_free(&dm->signers[i]);
	free(dm->signers);
	dkim_key_matches_free(&dm->matches, dm->n_signers);
	dkim_verifier_free(&dm->verifier);
	free(dm->from_user);
	free(dm->from_domain);
	free(dm->why_skipped);
	free(dm);
}

static int dkim_in_list(char *const *list, const char *word)
{
	for (size_t i = 0; word != NULL && list[i] != NULL; i++)
		if (strcasecmp(list[i], word) == 0)
			return 1;
	return 0;
}

static int dkim_connect(struct milter_skel_conn *c, void **data_r)
{
	const struct dkim_state *st = milter_skel_state(c);
	const char *addr = milter_skel_conn_addr(c);
	struct dkim_conn *dc = xcalloc(1, sizeof(*dc));
	char *error = NULL;

	*data_r = dc;
	dc->internal = dkim_hosts_match(st->internal, addr, &error);
	if (dc->internal >= 0)
		dc->ignored = dkim_hosts_match(st->ignore, addr, &error);
	if (dc->internal < 0 || dc->ignored < 0) {
		log_warn("client %s: %s", addr != NULL ? addr : "unknown", error);
		free(error);
		return MILTER_SKEL_INTERNAL;
	}
	dc->daemon_origin = dkim_in_list(st->settings->originating_daemon_names,
					 milter_skel_macro(c, "{daemon_name}"));
	return MILTER_SKEL_CONTINUE;
}

static int dkim_mail(struct milter_skel_msg *m, void **data_r)
{
	struct milter_skel_conn *c = milter_skel_msg_conn(m);
	const struct dkim_state *st = milter_skel_state(c);
	const struct dkim_conn *dc = milter_skel_conn_data(c);
	const char *auth = milter_skel_macro(c, "{auth_authen}");
	struct dkim_msg *dm = xcalloc(1, sizeof(*dm));

	*data_r = dm;
	dm->originating = dc->internal || dc->daemon_origin ||
			  (st->settings->sign_authenticated && auth != NULL && *auth != '\0');
	return MILTER_SKEL_CONTINUE;
}

static int dkim_header(struct milter_skel_msg *m, const char *name, const char *value)
{
	struct dkim_msg *dm = milter_skel_msg_data(m);
	dm->headers = xreallocarray(dm->headers, dm->n_headers + 1, sizeof(*dm->headers));
	dm->headers[dm->n_headers++] = (struct dkim_header){xstrdup(name), xstrdup(value)};
	if (strcasecmp(name, "From") == 0 && dm->from_fields++ == 0 &&
	    !dkim_address_parse(value, &dm->from_user, &dm->from_domain))
		dm->from_user = dm->from_domain = NULL;
	return MILTER_SKEL_CONTINUE;
}

/* dkim_start_signing: a signer per key for the From domain. */
static void dkim_start_signing(struct dkim_msg *dm, const struct dkim_state *st)
{
	if (st->keys == NULL) {
		dm->why_skipped = xstrdup("no signing keys configured");
		return;
	}
	if (dm->from_domain == NULL) {
		dm->why_skipped = xstrdup("no From address");
		return;
	}
	size_t n = dkim_keys_find(st->keys, dm->from_user, dm->from_domain, &dm->matches);
	if (n == 0) {
		dm->why_skipped = xasprintf("no key for %s", dm->from_domain);
		return;
	}
	dm->signers = xcalloc(n, sizeof(*dm->signers));
	for (size_t i = 0; i < n; i++)
		dm->signers[i] = dkim_signer_new(dm->matches[i].key, dm->matches[i].domain,
						 dm->matches[i].identity, &st->sign_opts);
	dm->n_signers = n;
	dm->task = DKIM_TASK_SIGN;
}

/* dkim_start_verifying: a verifier fed the header so far. */
static int dkim_start_verifying(struct milter_skel_msg *m, struct dkim_msg *dm,
				const struct dkim_state *st, const struct dkim_conn *dc)
{
	char *error = NULL;
	struct dkim_key_match *mine = NULL;

	if (st->keys != NULL && !dc->ignored && dm->from_domain != NULL) {
		size_t n = dkim_keys_find(st->keys, dm->from_user, dm->from_domain, &mine);
		if (n > 0)
			milter_skel_detail(m, "note=external-client-uses-signing-domain");
		dkim_key_matches_free(&mine, n);
	}
	dm->verifier = dkim_verifier_new(st->lib, milter_skel_queue_id(m), &error);
	for (size_t i = 0; dm->verifier != NULL && i < dm->n_headers; i++)
		if (dkim_verifier_header(dm->verifier, dm->headers[i].name, dm->headers[i].value,
					 &error) < 0)
			break;
	if (error == NULL && dkim_verifier_eoh(dm->verifier, &error) >= 0) {
		dm->task = DKIM_TASK_VERIFY;
		return MILTER_SKEL_CONTINUE;
	}
	log_error("%s: %s", milter_skel_queue_id(m), error);
	free(error);
	return MILTER_SKEL_INTERNAL;
}

static int dkim_eoh(struct milter_skel_msg *m)
{
	struct milter_skel_conn *c = milter_skel_msg_conn(m);
	const struct dkim_state *st = milter_skel_state(c);
	const struct dkim_conn *dc = milter_skel_conn_data(c);
	struct dkim_msg *dm = milter_skel_msg_data(m);

	if (dm->originating && st->sign)
		dkim_start_signing(dm, st);
	else if (!dm->originating && st->verify)
		return dkim_start_verifying(m, dm, st, dc);
	else
		dm->why_skipped = xstrdup(dm->originating ? "originating, mode has no signing"
							  : "inbound, mode has no verifying");
	return MILTER_SKEL_CONTINUE;
}

static int dkim_body(struct milter_skel_msg *m, const unsigned char *data, size_t len)
{
	struct dkim_msg *dm = milter_skel_msg_data(m);
	char *error = NULL;
	for (size_t i = 0; i < dm->n_signers; i++)
		dkim_signer_body(dm->signers[i], data, len);
	if (dm->verifier != NULL && dkim_verifier_body(dm->verifier, data, len, &error) < 0) {
		log_error("%s: %s", milter_skel_queue_id(m), error);
		free(error);
		return MILTER_SKEL_INTERNAL;
	}
	return MILTER_SKEL_CONTINUE;
}

static int dkim_eom_sign(struct milter_skel_msg *m, struct dkim_msg *dm)
{
	/* The last signature first: each goes to the top, so the first key's
	 * ends up on top. */
	for (size_t i = dm->n_signers; i-- > 0;) {
		char *value = NULL, *error = NULL;
		if (dkim_signer_finish(dm->signers[i], dm->headers, dm->n_headers, &value, &error) <
		    0) {
			log_error("%s: %s", milter_skel_queue_id(m), error);
			free(error);
			return MILTER_SKEL_INTERNAL;
		}
		int rc = milter_skel_insheader(m, 0, "DKIM-Signature", value);
		free(value);
		if (rc < 0)
			return MILTER_SKEL_INTERNAL;
	}
	for (size_t i = 0; i < dm->n_signers; i++)
		milter_skel_detail(m, "d=%s s=%s a=%s", dm->matches[i].domain,
				   dm->matches[i].key->selector,
				   dm->matches[i].key->alg == DKIM_KEY_ED25519 ? "ed25519-sha256"
									       : "rsa-sha256");
	return DKIM_OUT_SIGNED;
}

/* dkim_remove_forged: delete the Authentication-Results fields that claim
 * our authserv-id, from the bottom up so the indexes stay right. */
static int dkim_remove_forged(struct milter_skel_msg *m, struct dkim_msg *dm,
			      const char *authserv_id)
{
	int index = 0, n = 0;
	int *forged = xcalloc(dm->n_headers + 1, sizeof(*forged));
	for (size_t i = 0; i < dm->n_headers; i++) {
		char *id = NULL;
		if (strcasecmp(dm->headers[i].name, AR_NAME) != 0)
			continue;
		index++;
		if (dkim_ar_authserv_id(dm->headers[i].value, &id) &&
		    strcasecmp(id, authserv_id) == 0)
			forged[n++] = index;
		free(id);
	}
	int rc = 1;
	while (n-- > 0 && rc > 0)
		rc = milter_skel_delheader(m, AR_NAME, forged[n]);
	free(forged);
	return rc;
}

/* dkim_policy_outcome: for a From domain that must be signed, whether a
 * passing signature of that domain (or a parent) is there. */
static int dkim_policy_outcome(const struct dkim_state *st, const struct dkim_msg *dm,
			       const struct dkim_sig_result *r, size_t n)
{
	const char *from = dm->from_domain;
	if (from == NULL || !dkim_in_list(st->settings->require_signature_domains, from))
		return DKIM_OUT_VERIFIED;
	int temp = 0;
	size_t flen = strlen(from);
	for (size_t i = 0; i < n; i++) {
		size_t dlen = r[i].domain != NULL ? strlen(r[i].domain) : 0;
		int aligned = dlen > 0 && dlen <= flen &&
			      strcasecmp(from + flen - dlen, r[i].domain) == 0 &&
			      (dlen == flen || from[flen - dlen - 1] == '.');
		if (aligned && r[i].result == DKIM_RESULT_PASS)
			return DKIM_OUT_VERIFIED;
		temp |= r[i].result == DKIM_RESULT_TEMPERROR;
	}
	return temp ? DKIM_OUT_TEMPERROR : n == 0 ? DKIM_OUT_MISSING : DKIM_OUT_BAD;
}

static int dkim_eom_verify(struct milter_skel_msg *m, struct dkim_msg *dm,
			   const struct dkim_state *st)
{
	struct dkim_sig_result *r = NULL;
	size_t n = 0;
	char *error = NULL;

	if (dkim_verifier_finish(dm->verifier, &st->policy, dm->from_fields, &r, &n, &error) < 0) {
		log_error("%s: %s", milter_skel_queue_id(m), error);
		free(error);
		return MILTER_SKEL_INTERNAL;
	}
	char *ar = dkim_ar_value(st->authserv_id, r, n);
	int rc = dkim_remove_forged(m, dm, st->authserv_id) > 0 &&
		 milter_skel_insheader(m, 0, AR_NAME, ar) > 0;
	free(ar);
	if (n == 0)
		milter_skel_detail(m, "dkim=none");
	for (size_t i = 0; i < n; i++)
		milter_skel_detail(m, "dkim=%s d=%s s=%s%s%s%s", dkim_result_name(r[i].result),
				   r[i].domain != NULL ? r[i].domain : "-",
				   r[i].selector != NULL ? r[i].selector : "-",
				   r[i].reason != NULL ? " (" : "",
				   r[i].reason != NULL ? r[i].reason : "",
				   r[i].reason != NULL ? ")" : "");
	int outcome = rc ? dkim_policy_outcome(st, dm, r, n) : MILTER_SKEL_INTERNAL;
	dkim_sig_results_free(&r, n);
	return outcome;
}

static int dkim_eom(struct milter_skel_msg *m)
{
	const struct dkim_state *st = milter_skel_state(milter_skel_msg_conn(m));
	struct dkim_msg *dm = milter_skel_msg_data(m);
	switch (dm->task) {
	case DKIM_TASK_SIGN:
		return dkim_eom_sign(m, dm);
	case DKIM_TASK_VERIFY:
		return dkim_eom_verify(m, dm, st);
	case DKIM_TASK_NONE:
		break;
	}
	milter_skel_detail(m, "(%s)", dm->why_skipped != NULL ? dm->why_skipped : "no task");
	return DKIM_OUT_SKIPPED;
}

static void dkim_tag(struct milter_skel_msg *m, int outcome)
{
	struct dkim_msg *dm = milter_skel_msg_data(m);
	char *value = xasprintf("%s for %s", dkim_outcomes[outcome].name,
				dm->from_domain != NULL ? dm->from_domain : "unknown domain");
	/* Just below our Authentication-Results. */
	milter_skel_insheader(m, 1, TAG_NAME, value);
	free(value);
}

const struct milter_skel_hooks dkim_hooks = {
	.connect = dkim_connect,
	.conn_free = free,
	.mail = dkim_mail,
	.msg_free = dkim_msg_reset,
	.header = dkim_header,
	.eoh = dkim_eoh,
	.body = dkim_body,
	.eom = dkim_eom,
	.tag = dkim_tag,
};

/* spf_engine.h: one SPF evaluation (RFC 7208 check_host) with libspf2,
 * behind postern-spf's own DNS layer that runs every record through
 * spf_guard.h first and enforces the lookup limits.
 *
 * An engine holds one libspf2 server and is used by one thread at a time
 * (libspf2 resolves with blocking calls: the daemon gives each worker
 * thread its own engine). No socket or policy-protocol code here.
 */
#ifndef POSTERN_SPF_ENGINE_H
#define POSTERN_SPF_ENGINE_H

enum spf_result {
	SPF_R_NONE,
	SPF_R_NEUTRAL,
	SPF_R_PASS,
	SPF_R_FAIL,
	SPF_R_SOFTFAIL,
	SPF_R_TEMPERROR,
	SPF_R_PERMERROR,
};
#define SPF_R_COUNT 7

enum spf_identity {
	SPF_ID_HELO,	 /* check the HELO name (postmaster@HELO) */
	SPF_ID_MAILFROM, /* check the MAIL FROM address */
};

struct spf_query {
	const char *client_ip; /* IPv4 or IPv6 text */
	const char *helo;      /* may be "" */
	const char *sender;    /* MAIL FROM address, "" for the null sender */
	enum spf_identity identity;
};

struct spf_outcome {
	enum spf_result result;
	char *explanation; /* fail: the explanation (exp= or the default); else NULL */
	char *comment;	   /* why, for logs and the header comment; never NULL */
};

struct spf_engine;

struct spf_cache;

/* spf_engine_new: an engine; receiver names this host in explanations
 * (%{r}); DNS answers are kept in dns_cache (see spf_dns.h; NULL: none
 * kept), which engines may share. Returns 1 with *engine_r, or -1 with *error_r when libspf2
 * cannot be set up. */
int spf_engine_new(const char *receiver, struct spf_cache *dns_cache, struct spf_engine **engine_r,
		   char **error_r);
/* spf_engine_free: release *ep and set it to NULL; accepts NULL. */
void spf_engine_free(struct spf_engine **ep);

/* spf_engine_check: evaluate q. Fills *out (release with
 * spf_outcome_deinit); always returns a result: a malformed client
 * address or identity is a permerror or none as RFC 7208 says (an empty
 * or non-domain identity is none). */
void spf_engine_check(struct spf_engine *engine, const struct spf_query *q,
		      struct spf_outcome *out);

void spf_outcome_deinit(struct spf_outcome *out);

/* spf_engine_set_answers, spf_engine_missing: the request's own DNS
 * answers and offline evaluation, as spf_dns_set_answers() and
 * spf_dns_missing() describe them; they hold for every check until set
 * again. After an offline check, a missing name means its outcome must
 * not be used. */
void spf_engine_set_answers(struct spf_engine *engine, struct spf_cache *answers, int offline);
const char *spf_engine_missing(struct spf_engine *engine, int *type_r);
/* spf_engine_known, spf_engine_add_answer: spf_dns_known() and
 * spf_dns_add_answer() for the engine's layer. */
int spf_engine_known(struct spf_engine *engine, const char *domain, int type);
void spf_engine_add_answer(struct spf_engine *engine, const char *domain, int type,
			   const unsigned char *answer, int len);

/* spf_result_name: "pass", "fail", ... (static strings). */
const char *spf_result_name(enum spf_result r);
/* spf_result_parse: the inverse, case-insensitive; -1 when unknown. */
int spf_result_parse(const char *name);

/* spf_engine_library_init: route libspf2's own messages to our log; call
 * once before the first engine. */
void spf_engine_library_init(void);

#endif

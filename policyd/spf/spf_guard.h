/* spf_guard.h: what postern-spf checks itself before and while libspf2
 * evaluates a record, so that neither a hostile record nor a bug in
 * libspf2 1.2.10 decides the outcome.
 *
 * Record checks (spf_guard_record, spf_guard_explanation) run on the text
 * of every record and explanation that DNS returns, before libspf2 sees
 * it. They refuse, as a permanent error:
 *   - macro syntax that RFC 7208 section 7.1 does not allow ("%" followed
 *     by anything but "{", "%", "_", "-"; unknown macro letters; c, r, t
 *     outside an explanation; a transformer of 0 or over 128 parts;
 *     delimiters outside ".-+,/_="; unterminated "%{");
 *   - a macro string whose compiled form would come near the end of
 *     libspf2's fixed 511-byte buffers (the condition the upstream fix for
 *     CVE-2023-42118 refuses, checked here with a safety margin);
 *   - records longer than SPF_GUARD_MAX_RECORD bytes or with more than
 *     SPF_GUARD_MAX_TERMS terms (libspf2 counts terms in an unsigned char).
 *
 * Evaluation limits (struct spf_guard_eval) follow the DNS queries of one
 * check_host() evaluation, as the DNS layer sees them, and enforce RFC 7208
 * section 4.6.4: at most 10 terms that cause DNS lookups (include, a, mx,
 * ptr, exists, redirect), at most 2 void lookups, at most 10 MX names.
 * The A/AAAA lookups of the names an mx or ptr term returned are part of
 * that term and are not counted again. No locking: one evaluation belongs
 * to one thread.
 */
#ifndef POSTERN_SPF_GUARD_H
#define POSTERN_SPF_GUARD_H

#include <stddef.h>

#define SPF_GUARD_MAX_RECORD 4096 /* bytes of one record */
#define SPF_GUARD_MAX_TERMS 200	  /* terms in one record */
#define SPF_GUARD_MAX_DNS_TERMS 10
#define SPF_GUARD_MAX_VOID 2
#define SPF_GUARD_MAX_MX 10
/* Largest compiled size of one macro string we let libspf2 compile: its
 * buffers hold 511 bytes; the margin covers the term's own header. */
#define SPF_GUARD_MAX_COMPILED 400

/* spf_guard_record: check the text of an SPF record ("v=spf1 ...").
 * Returns 1 when libspf2 may compile it, 0 when it must be a permerror,
 * with *reason_r a malloc'd explanation the caller frees. */
int spf_guard_record(const char *record, char **reason_r);

/* spf_guard_explanation: check an explanation string (the TXT record an
 * exp= modifier names). 1 usable, 0 refused (RFC 7208 6.2: then no
 * explanation is given) with *reason_r malloc'd. */
int spf_guard_explanation(const char *text, char **reason_r);

/* Kinds of DNS queries the evaluation makes. */
enum spf_guard_query {
	SPF_GUARD_Q_RECORD, /* the SPF record of a domain (check_host, include, redirect) */
	SPF_GUARD_Q_A,	    /* A or AAAA */
	SPF_GUARD_Q_MX,
	SPF_GUARD_Q_PTR,
	SPF_GUARD_Q_EXP,    /* the TXT record of exp=: never counted */
};

/* The name multiset of the last mx or ptr answer, resolved as part of it. */
#define SPF_GUARD_MAX_FOLLOW 16
#define SPF_GUARD_NAME_MAX 256

struct spf_guard_eval {
	unsigned records;      /* SPF_GUARD_Q_RECORD queries so far */
	unsigned dns_terms;    /* terms that caused DNS lookups */
	unsigned void_lookups; /* lookups with an empty answer or NXDOMAIN */
	size_t n_follow;
	char follow[SPF_GUARD_MAX_FOLLOW][SPF_GUARD_NAME_MAX];
	int last_counted; /* the query in progress is a counted term's own */
	/* Why the evaluation is a permerror regardless of libspf2's result;
	 * "" while none. */
	char verdict[160];
};

/* spf_guard_eval_reset: start a new evaluation. */
void spf_guard_eval_reset(struct spf_guard_eval *e);

/* spf_guard_eval_query: a query is about to be made for name. Returns 1
 * when it may go ahead; 0 when it breaks a limit: e->verdict is then set
 * and the caller answers it as "not found" without asking DNS. */
int spf_guard_eval_query(struct spf_guard_eval *e, enum spf_guard_query q, const char *name);

/* spf_guard_eval_answer: the answer to a query of kind q: void is 1 for
 * NXDOMAIN or no data; names are the n names of an MX or PTR answer (NULL
 * otherwise). Returns 1, or 0 when the answer breaks a limit (e->verdict
 * set): more than 10 MX names, or a third void lookup. */
int spf_guard_eval_answer(struct spf_guard_eval *e, enum spf_guard_query q, int void_answer,
			  const char *const *names, size_t n);

/* spf_guard_eval_failed: 1 when a limit was broken (e->verdict says which). */
int spf_guard_eval_failed(const struct spf_guard_eval *e);

#endif

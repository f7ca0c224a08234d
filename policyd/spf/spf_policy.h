/* spf_policy.h: from a policy delegation request to the action postern-spf
 * answers: the skips (client lists, authenticated clients, whitelisted
 * sender domains and HELO names), the HELO and MAIL FROM checks, and the
 * table from result to action:
 *
 *   fail (per helo_reject / mail_from_reject)  550 5.7.23 with the explanation
 *   temperror, temperror_defer = yes         DEFER_IF_PERMIT 4.4.3 ...
 *   permerror, permerror_reject = yes        550 5.5.2 ...
 *   anything else                            PREPEND Received-SPF: ... (or
 *                                            Authentication-Results, or DUNNO)
 *
 * Thread-safe: the configuration is read-only, each call has its own
 * engine. Every returned string is malloc'd for the caller.
 */
#ifndef POSTERN_SPF_POLICY_H
#define POSTERN_SPF_POLICY_H

#include "policy_proto.h"
#include "spf_conf.h"
#include "spf_engine.h"

/* spf_policy_skip: the checks that need no DNS. Returns 1 with *action_r
 * ("DUNNO", or the request's own answer) and *why_r (for the log) when
 * the request needs no SPF check, 0 when it does, -1 with *why_r when a
 * lookup table failed (the caller answers temperror's action). */
int spf_policy_skip(const struct spf_conf *conf, const struct policy_attrs *req, char **action_r,
		    char **why_r);

/* spf_policy_cache_key: the part of the request the answer depends on
 * ("client\nhelo\nsender"), for the result cache. */
char *spf_policy_cache_key(const struct policy_attrs *req);

/* spf_policy_evaluate: run the HELO and MAIL FROM checks with engine and
 * return the action; *log_r says what was found ("helo=pass
 * mailfrom=fail ..."). Never fails: errors become temperror/permerror. */
char *spf_policy_evaluate(const struct spf_conf *conf, struct spf_engine *engine,
			  const struct policy_attrs *req, char **log_r);

/* spf_policy_action: the action for one outcome of identity (exposed for
 * tests). sender_null: the MAIL FROM was empty. */
char *spf_policy_action(const struct spf_conf *conf, const struct spf_query *q,
			const struct spf_outcome *o, int sender_null);

#endif

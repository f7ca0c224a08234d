/* spf_oneshot.h: postern-spf -q, the engine without the policy protocol:
 * one check per input line, for tests and for administrators who want to
 * see what a record gives.
 *
 *   input:  CLIENT_IP <TAB> HELO <TAB> MAIL_FROM   (MAIL_FROM may be empty:
 *           then the HELO identity is checked, as RFC 7208 2.4 says)
 *   output: RESULT <TAB> EXPLANATION <TAB> COMMENT
 *           (EXPLANATION is empty unless the result is fail)
 */
#ifndef POSTERN_SPF_ONESHOT_H
#define POSTERN_SPF_ONESHOT_H

#include <stdio.h>

#include "spf_conf.h"

/* spf_oneshot_run: read in until its end, write answers to out (flushed
 * after each line). Returns 0 when every line was well-formed, 1 if some
 * were not (they get "permerror\t\tmalformed input line"), 2 when the
 * engine cannot be set up (message on stderr). */
int spf_oneshot_run(const struct spf_conf *conf, FILE *in, FILE *out);

#endif

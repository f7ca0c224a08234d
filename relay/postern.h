/* postern.h: the verbs of the postern command-line tool.
 *
 * Each verb is a function taking the verb's own argv (argv[0] is the verb
 * name) and the options given before the verb; it returns the process exit
 * status.
 */
#ifndef POSTERN_POSTERN_H
#define POSTERN_POSTERN_H

#include "cli.h"

typedef int postern_verb_fn(int argc, char **argv, struct cli_opts *global);

/* The verbs (one file each: postern_NAME.c). */
postern_verb_fn postern_check;  /* validate a configuration directory */
postern_verb_fn postern_config; /* print parameters, like postconf */
postern_verb_fn postern_map;    /* query lookup tables, like postmap -q */
postern_verb_fn postern_explain; /* trace the restrictions on a made-up session */
postern_verb_fn postern_queue;	 /* list the queue, like postqueue -p / -j */
postern_verb_fn postern_super;	 /* hold, release, requeue, delete, flush (verb in argv[0]) */
postern_verb_fn postern_sendmail; /* inject mail, like sendmail(1) */

#endif

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

/* postern_map: "postern map -q KEY|- TYPE:NAME...", postmap(1)'s query mode
 * (relay/postern_map.c). */
postern_verb_fn postern_map;

#endif

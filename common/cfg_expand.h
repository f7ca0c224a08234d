/* cfg_expand.h: $name expansion in Postfix main.cf values.
 *
 * The forms of postconf(5):
 *   $name ${name} $(name)   the value of name, itself expanded; empty when
 *                           name is undefined
 *   $$                      a literal "$"
 *   ${name?text}            text when name is defined and non-empty
 *   ${name:text}            text when name is undefined or empty
 *   ${name?{text}}  ${name:{text}}  ${name?{text1}:{text2}}  ${name?{text1}:text2}
 *                           Postfix 3 forms; white space around {text} is ignored
 *   ${{text1} OP {text2} ? {text3} : {text4}}
 *                           relational expression; OP is == != < <= >= >
 *                           (numerical when both sides are all digits), or the
 *                           compatibility-level forms ==level !=level <level
 *                           <=level >=level >level ("3.6" > "3.10" is false)
 * Whether name is empty is decided on its value as written (unexpanded), as
 * Postfix does. Every text is expanded recursively.
 *
 * Guards: a parameter whose expansion refers back to itself is an error
 * naming the chain ("$a -> $b -> $a"), as is nesting deeper than
 * CFG_EXPAND_MAX_DEPTH, a result longer than CFG_EXPAND_MAX_OUTPUT bytes,
 * or more than CFG_EXPAND_MAX_STEPS lookups. All functions are reentrant.
 */
#ifndef POSTERN_CFG_EXPAND_H
#define POSTERN_CFG_EXPAND_H

#include "buf.h"
#include "cfg.h"

#define CFG_EXPAND_MAX_DEPTH 100
#define CFG_EXPAND_MAX_OUTPUT (1024 * 1024)
#define CFG_EXPAND_MAX_STEPS 100000

/* cfg_expand: expand text with the values visible from c (c, then its
 * parents) and append the result to out. 1 ok; -1 on a syntax error or a
 * guard, with a message in *error_r (caller frees); out then holds a
 * partial result. */
int cfg_expand(const struct cfg *c, const char *text, struct buf *out, char **error_r);

/* cfg_expand_param: the expanded value of name as seen from c, malloc'd in
 * *value_r. 1 ok; 0 when no layer defines name (*value_r untouched); -1 on
 * error, with a message naming the parameter in *error_r. */
int cfg_expand_param(const struct cfg *c, const char *name, char **value_r, char **error_r);

/* cfg_ref_fn: called with each parameter name a text refers to. */
typedef void cfg_ref_fn(void *ctx, const char *name);

/* cfg_expand_scan: call fn for every $name in text, in every branch of
 * every conditional, without looking values up (the way postconf finds
 * which user-defined parameters are used). 1 ok; -1 on a syntax error,
 * with *error_r. */
int cfg_expand_scan(const char *text, cfg_ref_fn *fn, void *ctx, char **error_r);

/* cfg_compat_level_cmp: compare two Postfix compatibility levels
 * ("major[.minor[.patch]]", missing parts are 0) into *cmp_r (<0, 0, >0).
 * 1 ok; -1 when either is malformed, with *error_r. */
int cfg_compat_level_cmp(const char *a, const char *b, int *cmp_r, char **error_r);

#endif

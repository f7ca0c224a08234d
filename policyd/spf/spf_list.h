/* spf_list.h: building the address and domain lists of spf_conf.h (their
 * matching functions are declared there). */
#ifndef POSTERN_SPF_LIST_H
#define POSTERN_SPF_LIST_H

#include "spf_conf.h"

enum spf_list_kind {
	SPF_LIST_ADDR,	 /* CIDR items: "192.0.2.0/24", "[2001:db8::]/32", "192.0.2.1" */
	SPF_LIST_DOMAIN, /* domains: "example.com", ".example.com" */
};

/* spf_list_new: parse value (a Postfix list: items separated by commas
 * and/or white space; "type:name" items are lookup tables). Returns 1 with
 * *list_r, or -1 with *error_r naming the bad item. */
int spf_list_new(enum spf_list_kind kind, const char *value, struct spf_list **list_r,
		 char **error_r);
/* spf_list_free: release *lp and set it to NULL; accepts NULL. */
void spf_list_free(struct spf_list **lp);

#endif

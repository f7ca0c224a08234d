/* policy_proto_attrs.c: the ordered name=value lists of the policy
 * delegation protocol (see policy_proto.h). Lists are small (Postfix sends
 * about thirty attributes), so lookups are linear. */
#include "policy_proto.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct policy_attrs *policy_attrs_new(void)
{
	return xcalloc(1, sizeof(struct policy_attrs));
}

void policy_attrs_free(struct policy_attrs **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	for (size_t i = 0; i < (*ap)->count; i++) {
		free((*ap)->v[i].name);
		free((*ap)->v[i].value);
	}
	free((*ap)->v);
	FREE_AND_NULL(*ap);
}

const char *policy_attrs_get(const struct policy_attrs *a, const char *name)
{
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return a->v[i].value;
	return NULL;
}

int policy_attrs_add(struct policy_attrs *a, const char *name, const char *value, char **error_r)
{
	if (*name == '\0') {
		*error_r = xstrdup("empty attribute name");
		return -1;
	}
	if (strpbrk(name, "=\r\n") != NULL) {
		*error_r = xasprintf("attribute name \"%.100s\" holds '=', CR or LF", name);
		return -1;
	}
	if (strpbrk(value, "\r\n") != NULL) {
		*error_r = xasprintf("value of attribute \"%.100s\" holds CR or LF", name);
		return -1;
	}
	if (policy_attrs_get(a, name) != NULL) {
		*error_r = xasprintf("duplicate attribute \"%.100s\"", name);
		return -1;
	}
	if (a->count == a->size_) {
		a->size_ = a->size_ ? a->size_ * 2 : 16;
		a->v = xreallocarray(a->v, a->size_, sizeof(*a->v));
	}
	a->v[a->count].name = xstrdup(name);
	a->v[a->count].value = xstrdup(value);
	a->count++;
	return 1;
}

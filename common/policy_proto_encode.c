/* policy_proto_encode.c: write policy delegation requests (client side) and
 * replies (server side) in Postfix's format (see policy_proto.h). */
#include "policy_proto.h"

#include <string.h>

#include "buf.h"
#include "mem.h"

int policy_request_encode(struct buf *out, const struct policy_attrs *attrs, char **error_r)
{
	const char *type = policy_attrs_get(attrs, "request");
	size_t start = buf_len(out);
	int rc = 0;

	if (type == NULL || strcmp(type, "smtpd_access_policy") != 0) {
		*error_r = xstrdup("policy request without request=smtpd_access_policy");
		return -1;
	}
	for (size_t i = 0; i < attrs->count && rc == 0; i++)
		rc = buf_printf(out, "%s=%s\n", attrs->v[i].name, attrs->v[i].value);
	if (rc < 0 || buf_append_char(out, '\n') < 0) {
		buf_truncate(out, start);
		*error_r = xstrdup("policy request: output buffer full");
		return -1;
	}
	return 1;
}

int policy_reply_encode(struct buf *out, const char *action, char **error_r)
{
	if (*action == '\0' || strpbrk(action, "\r\n") != NULL) {
		*error_r = xasprintf("policy reply action \"%.100s\" is empty or holds CR or LF",
				     action);
		return -1;
	}
	size_t start = buf_len(out);
	if (buf_printf(out, "action=%s\n\n", action) < 0) {
		buf_truncate(out, start);
		*error_r = xstrdup("policy reply: output buffer full");
		return -1;
	}
	return 1;
}

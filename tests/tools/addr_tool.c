/* addr_tool.c: run addr_parse_path() over paths read from stdin, one per
 * line, for the integration test that compares us with Postfix's SMTP
 * server. Prints "ok INTERNAL" for an accepted path with nothing after it,
 * "refused REASON" otherwise (text after the path counts as refused: the
 * SMTP server would reject it as an unknown ESMTP parameter).
 *
 *   addr_tool [-s] [-n] [-u] [-8] [-l]
 *     -s strict_rfc821_envelopes   -n allow <>   -u SMTPUTF8
 *     -8 UTF-8 local part without SMTPUTF8      -l enforce RFC 5321 limits
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"

int main(int argc, char **argv)
{
	unsigned int flags = 0;
	char line[4096];
	int c;

	while ((c = getopt(argc, argv, "snu8l")) != -1) {
		switch (c) {
		case 's':
			flags |= ADDR_STRICT_RFC821;
			break;
		case 'n':
			flags |= ADDR_ALLOW_NULL;
			break;
		case 'u':
			flags |= ADDR_SMTPUTF8;
			break;
		case '8':
			flags |= ADDR_8BIT_LOCAL;
			break;
		case 'l':
			flags |= ADDR_ENFORCE_LIMITS;
			break;
		default:
			fprintf(stderr, "usage: addr_tool [-s] [-n] [-u] [-8] [-l] <paths\n");
			return 2;
		}
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct addr *a = NULL;
		const char *rest = NULL;
		char *error = NULL;
		line[strcspn(line, "\n")] = '\0';
		if (addr_parse_path(line, flags, &a, &rest, NULL, &error) != 1)
			printf("refused %s\n", error);
		else if (rest[strspn(rest, " \t")] != '\0')
			printf("refused text after the path: %s\n", rest);
		else
			printf("ok %s\n", a->internal);
		addr_free(&a);
		free(error);
	}
	return 0;
}

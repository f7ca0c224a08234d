/* resolve.c: look names up through the system resolver, for the tests.
 *
 *   resolve mx NAME     "PREF HOST." per MX record (res_nquery)
 *   resolve txt NAME    each TXT record as quoted strings, as dig prints it
 *   resolve addr NAME   each address getaddrinfo returns (AI_ADDRCONFIG,
 *                       as a mail daemon would call it)
 *
 * Records are printed in answer order, one per line. The exit status tells
 * the outcome apart, so a test can check failures too: 0 found, 1 no such
 * name or no such record (NXDOMAIN, NODATA), 2 temporary failure (SERVFAIL,
 * no answer), 3 any other error or a usage error; a word naming the outcome
 * goes to stderr.
 */
#include "config.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"

enum resolve_status {
	RESOLVE_FOUND = 0,
	RESOLVE_NOTFOUND = 1,
	RESOLVE_TEMPFAIL = 2,
	RESOLVE_ERROR = 3,
};

static enum resolve_status resolve_fail(const char *name, const char *what,
					enum resolve_status status)
{
	fprintf(stderr, "resolve: %s: %s\n", name, what);
	return status;
}

/* resolve_txt_string: append one TXT character-string, quoted and escaped
 * as in zone files (\" \\ and \DDD for bytes outside printable ASCII). */
static void resolve_txt_string(struct buf *out, const unsigned char *p, size_t len)
{
	buf_append_char(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			buf_printf(out, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] > 0x7e)
			buf_printf(out, "\\%03u", p[i]);
		else
			buf_append_char(out, (char)p[i]);
	}
	buf_append_char(out, '"');
}

/* resolve_format: the text of one answer record; 0 on success, -1 if the
 * record data is malformed. */
static int resolve_format(const ns_msg *msg, const ns_rr *rr, struct buf *out)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr);
	char host[NS_MAXDNAME];

	if (ns_rr_type(*rr) == ns_t_mx) {
		if (rdlen < 3 ||
		    dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), rd + 2, host, sizeof(host)) < 0)
			return -1;
		buf_printf(out, "%u %s.", ns_get16(rd), strcmp(host, ".") == 0 ? "" : host);
		return 0;
	}
	for (size_t pos = 0; pos < rdlen; pos += 1 + rd[pos]) {
		if (pos + 1 + rd[pos] > rdlen)
			return -1;
		if (pos > 0)
			buf_append_char(out, ' ');
		resolve_txt_string(out, rd + pos + 1, rd[pos]);
	}
	return 0;
}

/* resolve_query: print every answer record of the given type. */
static enum resolve_status resolve_query(const char *name, ns_type type)
{
	struct __res_state res;
	unsigned char answer[NS_MAXMSG];
	enum resolve_status status = RESOLVE_NOTFOUND;
	struct buf line;
	ns_msg msg;
	ns_rr rr;
	int len;

	memset(&res, 0, sizeof(res));
	if (res_ninit(&res) != 0)
		return resolve_fail(name, "res_ninit failed", RESOLVE_ERROR);
	len = res_nquery(&res, name, ns_c_in, type, answer, sizeof(answer));
	if (len < 0) {
		int herr = res.res_h_errno;
		res_nclose(&res);
		switch (herr) {
		case HOST_NOT_FOUND:
			return resolve_fail(name, "NXDOMAIN", RESOLVE_NOTFOUND);
		case NO_DATA:
			return resolve_fail(name, "NODATA", RESOLVE_NOTFOUND);
		case TRY_AGAIN:
			return resolve_fail(name, "TRYAGAIN", RESOLVE_TEMPFAIL);
		default:
			return resolve_fail(name, hstrerror(herr), RESOLVE_ERROR);
		}
	}
	res_nclose(&res);
	if (ns_initparse(answer, len, &msg) < 0)
		return resolve_fail(name, "malformed answer", RESOLVE_ERROR);
	buf_init(&line, 0);
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
			status = resolve_fail(name, "malformed record", RESOLVE_ERROR);
			break;
		}
		if (ns_rr_type(rr) != type)
			continue; /* a CNAME on the way */
		buf_reset(&line);
		if (resolve_format(&msg, &rr, &line) < 0) {
			status = resolve_fail(name, "malformed record data", RESOLVE_ERROR);
			break;
		}
		printf("%s\n", buf_cstr(&line));
		status = RESOLVE_FOUND;
	}
	buf_deinit(&line);
	if (status == RESOLVE_NOTFOUND)
		return resolve_fail(name, "NODATA", RESOLVE_NOTFOUND);
	return status;
}

static enum resolve_status resolve_addr(const char *name)
{
	struct addrinfo hints, *res, *ai;
	char host[NI_MAXHOST];
	int err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	err = getaddrinfo(name, NULL, &hints, &res);
	switch (err) {
	case 0:
		break;
	case EAI_NONAME:
	case EAI_NODATA:
		return resolve_fail(name, "NXDOMAIN or NODATA", RESOLVE_NOTFOUND);
	case EAI_AGAIN:
		return resolve_fail(name, "TRYAGAIN", RESOLVE_TEMPFAIL);
	default:
		return resolve_fail(name, gai_strerror(err), RESOLVE_ERROR);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		err = getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0,
				  NI_NUMERICHOST);
		if (err != 0) {
			freeaddrinfo(res);
			return resolve_fail(name, gai_strerror(err), RESOLVE_ERROR);
		}
		printf("%s\n", host);
	}
	freeaddrinfo(res);
	return RESOLVE_FOUND;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "mx") == 0)
		return resolve_query(argv[2], ns_t_mx);
	if (argc == 3 && strcmp(argv[1], "txt") == 0)
		return resolve_query(argv[2], ns_t_txt);
	if (argc == 3 && strcmp(argv[1], "addr") == 0)
		return resolve_addr(argv[2]);
	fprintf(stderr, "usage: resolve mx|txt|addr NAME\n");
	return RESOLVE_ERROR;
}

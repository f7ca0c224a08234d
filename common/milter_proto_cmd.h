/* milter_proto_cmd.h: typed milter commands, MTA -> milter.
 *
 * milter_cmd_decode() turns a packet into a struct milter_cmd, checking
 * every field (NUL termination, counts, lengths, address syntax) and never
 * reading past the packet; milter_cmd_encode() is its inverse and refuses
 * what a libmilter peer would refuse. The MTA side (relay) encodes and the
 * milter side (test driver, fuzzers) decodes; both use the same struct.
 *
 * Wire formats (strings are NUL-terminated):
 *   OPTNEG   version, actions, protocol: three 32-bit integers
 *   MACRO    command code byte, then name, value, name, value, ...
 *   CONNECT  host name, family byte; unless the family is 'U': 16-bit
 *            port, address
 *   HELO     HELO/EHLO argument
 *   MAIL     sender address, then ESMTP arguments, one string each
 *   RCPT     recipient address, then ESMTP arguments
 *   HEADER   name, value (Postfix and Sendmail drop the one space after
 *            the colon unless MILTER_PROTO_HDR_LEADSPC was negotiated)
 *   BODY     raw bytes (at least one)
 *   BODYEOB  raw bytes (optional last chunk)
 *   UNKNOWN  the SMTP command line
 *   DATA, EOH, ABORT, QUIT, QUIT_NC: no data
 */
#ifndef POSTERN_MILTER_PROTO_CMD_H
#define POSTERN_MILTER_PROTO_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "milter_proto.h"

struct buf;

/* A list of strings: v[0..count) and v[count] == NULL. */
struct milter_strv {
	size_t count;
	const char **v;
};

struct milter_cmd {
	int code; /* enum milter_cmd_code */
	union {
		struct milter_optneg optneg; /* OPTNEG (symlists unused) */
		struct {
			int cmd;		  /* the command these macros go with */
			struct milter_strv pairs; /* name, value, name, value, ... */
		} macro;			  /* MACRO */
		struct {
			const char *host; /* client host name, "[addr]" if unknown */
			int family;	  /* enum milter_family */
			uint16_t port;	  /* host order; unused for 'U' */
			const char *addr; /* unused for 'U' */
		} connect;		  /* CONNECT */
		const char *helo;	  /* HELO */
		const char *unknown;	  /* UNKNOWN */
		struct milter_strv args;  /* MAIL, RCPT: address then ESMTP args */
		struct {
			const char *name;
			const char *value;
		} header; /* HEADER */
		struct {
			const unsigned char *data;
			size_t len;
		} body; /* BODY, BODYEOB */
	} u;
	void *owned_; /* decoder allocation, freed by milter_cmd_deinit() */
};

/* milter_cmd_decode: decode a packet holding a command. Returns 1, or -1
 * with a malloc'd *error_r naming the command and the problem. Strings in
 * *cmd_r point into the packet (valid as long as it is); call
 * milter_cmd_deinit() when done, also after an error. */
int milter_cmd_decode(const struct milter_packet *pkt, struct milter_cmd *cmd_r, char **error_r);
/* milter_cmd_deinit: free what milter_cmd_decode() allocated; harmless on a
 * struct filled by hand (owned_ NULL). */
void milter_cmd_deinit(struct milter_cmd *cmd);

/* milter_cmd_encode: append the packet for cmd to out. The caller's strings
 * are only read. Returns 1, or -1 with a malloc'd *error_r for a field the
 * peer would refuse or data longer than max_data (0: the default limit);
 * out is then unchanged. */
int milter_cmd_encode(struct buf *out, const struct milter_cmd *cmd, size_t max_data,
		      char **error_r);

/* milter_macro_find: the value of macro name in a MACRO pair list, or NULL.
 * Like libmilter's smfi_getsymval(), "i" also finds "{i}" and "{i}" finds
 * "i". The result points into pairs. */
const char *milter_macro_find(const struct milter_strv *pairs, const char *name);

#endif

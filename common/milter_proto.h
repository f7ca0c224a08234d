/* milter_proto.h: the Sendmail milter wire protocol, versions 2 to 6, as
 * libmilter and Postfix speak it: constants and packet framing.
 *
 * A packet is a 4-byte big-endian length, a one-byte command (or reply)
 * code and length - 1 bytes of data. This module and its companions are
 * pure codecs: they never read or write sockets, they accept input in any
 * chunk size and they bound what they buffer, so the relay's milter client,
 * the milter test driver and the fuzzers all use the same code.
 *
 *   milter_proto.h        constants, packet decoder and encoder (this file)
 *   milter_proto_cmd.h    typed MTA -> milter commands
 *   milter_proto_reply.h  typed milter -> MTA replies
 *   milter_proto_neg.h    option negotiation and what each side may send
 *
 * Names follow libmilter's mfdef.h and mfapi.h with the prefix changed:
 * SMFIC_x -> MILTER_CMD_x, SMFIR_x -> MILTER_REPLY_x, SMFIF_x ->
 * MILTER_ACTION_x, SMFIP_x -> MILTER_PROTO_x, SMFIM_x -> MILTER_STAGE_x,
 * SMFIA_x -> MILTER_FAMILY_x. The unit test checks every value against the
 * installed libmilter headers.
 */
#ifndef POSTERN_MILTER_PROTO_H
#define POSTERN_MILTER_PROTO_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Protocol versions: we speak 6 (Sendmail 8.14+, Postfix 2.6+) and accept
 * peers down to 2, as libmilter does. */
#define MILTER_VERSION 6
#define MILTER_VERSION_MIN 2

/* Packet data limits (the length field minus the command byte). The default
 * is libmilter's MILTER_MAX_DATA_SIZE; the larger ones are negotiated with
 * MILTER_PROTO_MDS_256K and MILTER_PROTO_MDS_1M. Body chunks never exceed
 * MILTER_BODY_CHUNK, whatever was negotiated. */
#define MILTER_DATA_MAX_DEFAULT 65535
#define MILTER_DATA_MAX_256K (256 * 1024 - 1)
#define MILTER_DATA_MAX_1M (1024 * 1024 - 1)
#define MILTER_BODY_CHUNK 65535

/* Commands from the MTA to the milter (SMFIC_*). */
enum milter_cmd_code {
	MILTER_CMD_ABORT = 'A',	  /* abort the current message */
	MILTER_CMD_BODY = 'B',	  /* body chunk */
	MILTER_CMD_CONNECT = 'C', /* connection information */
	MILTER_CMD_MACRO = 'D',	  /* macros for the command that follows */
	MILTER_CMD_BODYEOB = 'E', /* end of body, with an optional last chunk */
	MILTER_CMD_HELO = 'H',	  /* HELO/EHLO argument */
	MILTER_CMD_QUIT_NC = 'K', /* quit, a new connection follows */
	MILTER_CMD_HEADER = 'L',  /* one header field */
	MILTER_CMD_MAIL = 'M',	  /* MAIL FROM with ESMTP arguments */
	MILTER_CMD_EOH = 'N',	  /* end of headers */
	MILTER_CMD_OPTNEG = 'O',  /* option negotiation */
	MILTER_CMD_QUIT = 'Q',	  /* close the connection */
	MILTER_CMD_RCPT = 'R',	  /* RCPT TO with ESMTP arguments */
	MILTER_CMD_DATA = 'T',	  /* DATA command */
	MILTER_CMD_UNKNOWN = 'U', /* an SMTP command the MTA does not know */
};

/* Replies from the milter to the MTA (SMFIR_*). OPTNEG answers OPTNEG. */
enum milter_reply_code {
	MILTER_REPLY_ADDRCPT = '+',	/* add a recipient */
	MILTER_REPLY_DELRCPT = '-',	/* delete a recipient */
	MILTER_REPLY_ADDRCPT_PAR = '2', /* add a recipient with ESMTP arguments */
	MILTER_REPLY_SHUTDOWN = '4',	/* 421: close the SMTP connection */
	MILTER_REPLY_ACCEPT = 'a',	/* accept the message/connection */
	MILTER_REPLY_REPLBODY = 'b',	/* replace the body (one chunk) */
	MILTER_REPLY_CONTINUE = 'c',	/* go on */
	MILTER_REPLY_DISCARD = 'd',	/* accept and silently discard */
	MILTER_REPLY_CHGFROM = 'e',	/* change the envelope sender */
	MILTER_REPLY_CONN_FAIL = 'f',	/* cause a connection failure */
	MILTER_REPLY_ADDHEADER = 'h',	/* append a header field */
	MILTER_REPLY_INSHEADER = 'i',	/* insert a header field at an index */
	MILTER_REPLY_SETSYMLIST = 'l',	/* macro list (only inside OPTNEG) */
	MILTER_REPLY_CHGHEADER = 'm',	/* change or delete a header field */
	MILTER_REPLY_OPTNEG = 'O',	/* option negotiation answer */
	MILTER_REPLY_PROGRESS = 'p',	/* still working, reset the timeout */
	MILTER_REPLY_QUARANTINE = 'q',	/* put the message on hold */
	MILTER_REPLY_REJECT = 'r',	/* reject (5xx) */
	MILTER_REPLY_SKIP = 's',	/* skip further body chunks */
	MILTER_REPLY_TEMPFAIL = 't',	/* temporary failure (4xx) */
	MILTER_REPLY_REPLYCODE = 'y',	/* reject or tempfail with this SMTP reply */
};

/* Address families in CONNECT (SMFIA_*). */
enum milter_family {
	MILTER_FAMILY_UNKNOWN = 'U', /* no port or address follow */
	MILTER_FAMILY_UNIX = 'L',
	MILTER_FAMILY_INET = '4',
	MILTER_FAMILY_INET6 = '6',
};

/* Actions the milter may request at end of message (SMFIF_*). */
#define MILTER_ACTION_ADDHDRS 0x001u	 /* add and insert header fields */
#define MILTER_ACTION_CHGBODY 0x002u	 /* replace the body */
#define MILTER_ACTION_ADDRCPT 0x004u	 /* add recipients */
#define MILTER_ACTION_DELRCPT 0x008u	 /* delete recipients */
#define MILTER_ACTION_CHGHDRS 0x010u	 /* change and delete header fields */
#define MILTER_ACTION_QUARANTINE 0x020u	 /* quarantine the message */
#define MILTER_ACTION_CHGFROM 0x040u	 /* change the envelope sender */
#define MILTER_ACTION_ADDRCPT_PAR 0x080u /* add recipients with ESMTP args */
#define MILTER_ACTION_SETSYMLIST 0x100u	 /* send macro lists in OPTNEG */
#define MILTER_ACTIONS_V1 0x00fu	 /* what a zero offer means */
#define MILTER_ACTIONS_ALL 0x1ffu	 /* every action version 6 defines */

/* Protocol flags (SMFIP_*): steps the MTA does not send (NO*), steps the
 * milter does not answer (NR_*), and capabilities. */
#define MILTER_PROTO_NOCONNECT 0x00000001u   /* no CONNECT */
#define MILTER_PROTO_NOHELO 0x00000002u	     /* no HELO */
#define MILTER_PROTO_NOMAIL 0x00000004u	     /* no MAIL */
#define MILTER_PROTO_NORCPT 0x00000008u	     /* no RCPT */
#define MILTER_PROTO_NOBODY 0x00000010u	     /* no BODY chunks */
#define MILTER_PROTO_NOHDRS 0x00000020u	     /* no HEADER */
#define MILTER_PROTO_NOEOH 0x00000040u	     /* no EOH */
#define MILTER_PROTO_NR_HDR 0x00000080u	     /* no reply to HEADER (SMFIP_NOHREPL) */
#define MILTER_PROTO_NOUNKNOWN 0x00000100u   /* no UNKNOWN */
#define MILTER_PROTO_NODATA 0x00000200u	     /* no DATA */
#define MILTER_PROTO_SKIP 0x00000400u	     /* the MTA understands SKIP */
#define MILTER_PROTO_RCPT_REJ 0x00000800u    /* send rejected recipients too */
#define MILTER_PROTO_NR_CONN 0x00001000u     /* no reply to CONNECT */
#define MILTER_PROTO_NR_HELO 0x00002000u     /* no reply to HELO */
#define MILTER_PROTO_NR_MAIL 0x00004000u     /* no reply to MAIL */
#define MILTER_PROTO_NR_RCPT 0x00008000u     /* no reply to RCPT */
#define MILTER_PROTO_NR_DATA 0x00010000u     /* no reply to DATA */
#define MILTER_PROTO_NR_UNKN 0x00020000u     /* no reply to UNKNOWN */
#define MILTER_PROTO_NR_EOH 0x00040000u	     /* no reply to EOH */
#define MILTER_PROTO_NR_BODY 0x00080000u     /* no reply to BODY */
#define MILTER_PROTO_HDR_LEADSPC 0x00100000u /* header values keep their leading space */
#define MILTER_PROTO_MDS_256K 0x10000000u    /* packet data limit 256K - 1 */
#define MILTER_PROTO_MDS_1M 0x20000000u	     /* packet data limit 1M - 1 */
#define MILTER_PROTO_V1 0x0000003fu	     /* what a zero offer means */

/* Groups of protocol flags. */
#define MILTER_PROTO_NOSEND_MASK                                                                   \
	(MILTER_PROTO_NOCONNECT | MILTER_PROTO_NOHELO | MILTER_PROTO_NOMAIL |                      \
	 MILTER_PROTO_NORCPT | MILTER_PROTO_NOBODY | MILTER_PROTO_NOHDRS | MILTER_PROTO_NOEOH |    \
	 MILTER_PROTO_NOUNKNOWN | MILTER_PROTO_NODATA)
#define MILTER_PROTO_NOREPLY_MASK                                                                  \
	(MILTER_PROTO_NR_CONN | MILTER_PROTO_NR_HELO | MILTER_PROTO_NR_MAIL |                      \
	 MILTER_PROTO_NR_RCPT | MILTER_PROTO_NR_DATA | MILTER_PROTO_NR_UNKN |                      \
	 MILTER_PROTO_NR_HDR | MILTER_PROTO_NR_EOH | MILTER_PROTO_NR_BODY)
#define MILTER_PROTO_CAPS_MASK                                                                     \
	(MILTER_PROTO_SKIP | MILTER_PROTO_RCPT_REJ | MILTER_PROTO_HDR_LEADSPC |                    \
	 MILTER_PROTO_MDS_256K | MILTER_PROTO_MDS_1M)
/* Everything an MTA speaking version 6 can offer, as Postfix does (the data
 * size extensions are offered separately). */
#define MILTER_PROTO_ALL                                                                           \
	(MILTER_PROTO_NOSEND_MASK | MILTER_PROTO_NOREPLY_MASK | MILTER_PROTO_SKIP |                \
	 MILTER_PROTO_RCPT_REJ | MILTER_PROTO_HDR_LEADSPC)

/* Macro stages (SMFIM_*): the index of a macro list in OPTNEG. */
enum milter_stage {
	MILTER_STAGE_CONNECT = 0,
	MILTER_STAGE_HELO = 1,
	MILTER_STAGE_ENVFROM = 2,
	MILTER_STAGE_ENVRCPT = 3,
	MILTER_STAGE_DATA = 4,
	MILTER_STAGE_EOM = 5,
	MILTER_STAGE_EOH = 6,
};
#define MILTER_STAGE_COUNT 7

/* Option negotiation fields, shared by the MTA's OPTNEG command and the
 * milter's OPTNEG reply. Only a reply carries macro lists. */
struct milter_optneg {
	uint32_t version;
	uint32_t actions;  /* MILTER_ACTION_* */
	uint32_t protocol; /* MILTER_PROTO_* */
	/* Macro names per stage, separated by spaces, e.g. "j {daemon_name}";
	 * NULL: the MTA's configured list. Decoded pointers point into the
	 * packet. */
	const char *symlists[MILTER_STAGE_COUNT];
	/* Decoded replies only: macro lists for stage numbers we do not know,
	 * skipped as Postfix skips them (the caller may log a warning). */
	unsigned unknown_stages;
};

/* One decoded packet. data points into the decoder (valid until the next
 * milter_decoder_feed() or milter_decoder_free()) and is followed by a NUL
 * that len does not count. */
struct milter_packet {
	int code; /* enum milter_cmd_code or enum milter_reply_code */
	const unsigned char *data;
	size_t len;
};

struct milter_decoder;

/* milter_decoder_new: an incremental packet decoder accepting data lengths
 * up to max_data bytes (0: MILTER_DATA_MAX_DEFAULT). Longer packets are an
 * error, as libmilter refuses them. Free with milter_decoder_free(). */
struct milter_decoder *milter_decoder_new(size_t max_data);
/* milter_decoder_free: release *dp and set it to NULL; accepts NULL. */
void milter_decoder_free(struct milter_decoder **dp);
/* milter_decoder_set_max: change the limit, e.g. after MDS negotiation. */
void milter_decoder_set_max(struct milter_decoder *d, size_t max_data);
/* milter_decoder_feed: take bytes from data[0..len) until one packet is
 * complete. *consumed_r is set to the bytes taken. Returns 1 with *pkt_r set
 * when a packet is complete (the rest of data is still to be fed), 0 when
 * all of data was taken and no packet is complete yet, -1 on a malformed
 * length with a malloc'd *error_r; after an error every call fails. */
int milter_decoder_feed(struct milter_decoder *d, const void *data, size_t len, size_t *consumed_r,
			struct milter_packet *pkt_r, char **error_r);
/* milter_decoder_pending: 1 if part of a packet is buffered (so end of
 * input now means a truncated packet), else 0. */
int milter_decoder_pending(const struct milter_decoder *d);

/* milter_packet_encode: append one packet with code and len bytes of data
 * to out. Returns 1, or -1 with a malloc'd *error_r when len exceeds
 * max_data (0: MILTER_DATA_MAX_DEFAULT) or out's bound. */
int milter_packet_encode(struct buf *out, int code, const void *data, size_t len, size_t max_data,
			 char **error_r);

/* milter_cmd_name: "SMFIC_CONNECT" etc., or NULL for an unknown code.
 * milter_reply_name: "SMFIR_ACCEPT" etc. ("SMFIC_OPTNEG" for the OPTNEG
 * reply, as libmilter names it), or NULL. Static strings. */
const char *milter_cmd_name(int code);
const char *milter_reply_name(int code);

/* milter_stage_of_cmd: the macro stage of a command (CONNECT -> CONNECT,
 * MAIL -> ENVFROM, BODYEOB -> EOM, ...), or -1 for commands without one.
 * milter_cmd_of_stage: the reverse, or -1 for an invalid stage. */
int milter_stage_of_cmd(int code);
int milter_cmd_of_stage(int stage);

#endif

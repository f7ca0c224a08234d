/* smtpd_listen.h: the listening sockets of posternd's SMTP listeners.
 *
 * A master.cf service "HOST:PORT inet ... smtpd" listens on HOST; a
 * service without a host ("smtp", "2525") listens on each address of
 * inet_interfaces ("all": the wildcard addresses; "loopback-only":
 * 127.0.0.1 and ::1; else the listed addresses), for the address
 * families of inet_protocols (all, ipv4, ipv6), as Postfix does. Ports may
 * be /etc/services names ("smtp", "submission").
 */
#ifndef POSTERN_SMTPD_LISTEN_H
#define POSTERN_SMTPD_LISTEN_H

#include <stddef.h>

#include "relay_conf.h"

#define SMTPD_LISTEN_BACKLOG 4096

struct smtpd_socket {
	int fd;	       /* listening, non-blocking, close-on-exec */
	char *service; /* the master.cf service name (finds the listener's
			  settings in a snapshot) */
	char *where;   /* "127.0.0.1:2525", for logs */
	size_t group;  /* index of the first socket of the same service: the
			  sockets of one listener share its session count */
};

/* smtpd_listen_open: a socket for each address of each listener of conf.
 * 1 with *socks_r (free with smtpd_listen_close) holding *n_r >= 1
 * sockets, -1 with *error_r (nothing left open). */
int smtpd_listen_open(const struct relay_conf *conf, struct smtpd_socket **socks_r, size_t *n_r,
		      char **error_r);
/* smtpd_listen_close: close and free n sockets; clears *socksp; accepts
 * NULL. */
void smtpd_listen_close(struct smtpd_socket **socksp, size_t n);

#endif

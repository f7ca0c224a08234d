/* sockspec.h: socket addresses written as text, in both conventions that
 * mail administrators meet, and the sockets they name.
 *
 * Accepted forms (PORT is a number 0-65535, or a service name such as
 * "smtp" with SOCKSPEC_SERVICE_NAMES):
 *   unix:/path  local:/path      a UNIX-domain socket (Postfix and Sendmail)
 *   /path                        the same, with SOCKSPEC_BARE_PATH
 *                                (Postfix master.cf service names)
 *   inet:HOST:PORT               Postfix milter/policy convention
 *   inet:PORT@HOST               Sendmail/libmilter convention
 *   inet6:PORT@HOST              libmilter IPv6 (HOST without brackets)
 *   inet:[IPV6]:PORT  inet6:[IPV6]:PORT  [IPV6]:PORT
 *   HOST:PORT  [HOST]:PORT       Postfix master.cf and *_interfaces style
 *   inet:PORT  :PORT  PORT       no host: the wildcard address; only with
 *                                SOCKSPEC_LISTEN
 * HOST is a name or an IPv4 or IPv6 address; brackets around it are
 * removed. A unix path is taken as written (a relative path is relative to
 * the working directory) and must fit in sun_path (at most 107 octets).
 * "inet6:" restricts the socket to IPv6, "inet:" with an IPv4 address or a
 * name lets the resolver decide.
 *
 * Sockets are created non-blocking and close-on-exec. Thread-safe except
 * where a function says otherwise.
 */
#ifndef POSTERN_SOCKSPEC_H
#define POSTERN_SOCKSPEC_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"

enum sockspec_flags {
	SOCKSPEC_LISTEN = 1 << 0,	 /* a listening spec: the host may be left out */
	SOCKSPEC_BARE_PATH = 1 << 1,	 /* "/path" means unix:/path */
	SOCKSPEC_SERVICE_NAMES = 1 << 2, /* ports may be /etc/services names */
	SOCKSPEC_RESOLVE = 1 << 3,	 /* sockspec_resolve() may use DNS / hosts */
};

enum sockspec_kind {
	SOCKSPEC_UNIX,
	SOCKSPEC_INET,
};

struct sockspec {
	enum sockspec_kind kind;
	int family;	   /* AF_UNIX; for inet AF_UNSPEC, or AF_INET6 for inet6: */
	char *path;	   /* SOCKSPEC_UNIX: the socket path */
	char *host;	   /* SOCKSPEC_INET: name or address, no brackets; NULL = wildcard */
	unsigned int port; /* SOCKSPEC_INET: the port number */
};

/* One resolved socket address. */
struct sockspec_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Longest string sockspec_format_sockaddr() writes, with the NUL. */
#define SOCKSPEC_ADDRSTRLEN 128

/* sockspec_parse: parse text under flags. Returns 1 with *spec_r a new spec
 * (free with sockspec_free()), or -1 with *error_r a message to free
 * ("inet:foo: missing port"). Does no DNS lookup; a service name is looked
 * up in /etc/services (getservbyname_r). */
int sockspec_parse(const char *text, unsigned int flags, struct sockspec **spec_r, char **error_r);

/* sockspec_free: release *specp and set it to NULL; accepts NULL. */
void sockspec_free(struct sockspec **specp);

/* sockspec_format: append the canonical text of spec to out and return
 * out's string: "unix:/path", "inet:192.0.2.1:25", "inet:[::1]:25",
 * "inet6:[::1]:25", "inet:*:25" for the wildcard. Parsing the result gives
 * the same spec back (with SOCKSPEC_LISTEN for the wildcard). */
const char *sockspec_format(struct buf *out, const struct sockspec *spec);

/* sockspec_resolve: the socket addresses of spec. Host names are looked up
 * only with SOCKSPEC_RESOLVE (else a name is an error); the wildcard gives
 * the IPv6 and IPv4 any-addresses this host supports. Returns 1 with
 * *addrs_r (caller frees with free()) holding *n_r >= 1 addresses; 0 when
 * the name has no address (error_r says so); -1 on other errors, including
 * temporary resolver failures, with *error_r a message to free. */
int sockspec_resolve(const struct sockspec *spec, unsigned int flags,
		     struct sockspec_addr **addrs_r, size_t *n_r, char **error_r);

/* sockspec_listen_addr: a listening socket on addr with the given backlog.
 * INET: SO_REUSEADDR, and IPV6_V6ONLY for IPv6 so the IPv4 wildcard can be
 * bound beside it. UNIX: a stale socket at the path (nobody accepts on it)
 * is replaced, a live one is an error ("in use"), and anything that is not
 * a socket is never removed; the new socket gets mode (e.g. 0666) before it
 * appears at the path, so no client ever sees it with other permissions.
 * Returns the descriptor, or -1 with *error_r a message to free. */
int sockspec_listen_addr(const struct sockspec_addr *addr, int backlog, mode_t mode,
			 char **error_r);

/* sockspec_listen: resolve spec and listen on every address. Returns 1 with
 * *fds_r (free with free(), close each) holding *n_r descriptors, or -1
 * with *error_r (nothing left open). */
int sockspec_listen(const struct sockspec *spec, unsigned int flags, int backlog, mode_t mode,
		    int **fds_r, size_t *n_r, char **error_r);

/* sockspec_connect_addr: start a non-blocking connection to addr. Returns 1
 * when it is already established, 0 while it is in progress (wait until
 * *fd_r is writable, then call sockspec_connect_finish()), -1 on error with
 * *error_r a message to free (no descriptor left open). */
int sockspec_connect_addr(const struct sockspec_addr *addr, int *fd_r, char **error_r);

/* sockspec_connect_finish: the outcome of an in-progress connect on fd
 * once it is writable: 1 connected, -1 failed with *error_r (fd stays open;
 * the caller closes it). */
int sockspec_connect_finish(int fd, char **error_r);

/* sockspec_format_sockaddr: write "192.0.2.1:25", "[2001:db8::1]:25" or the
 * unix path into buf (size >= SOCKSPEC_ADDRSTRLEN is always enough) and
 * return buf. */
const char *sockspec_format_sockaddr(const struct sockaddr *sa, socklen_t len, char *buf,
				     size_t size);

/* sockspec_format_peer: the log form "name[addr]:port" (Postfix's
 * host[addr]), with name "unknown" when NULL; for unix sockets
 * "name[path]". Returns buf. */
const char *sockspec_format_peer(const char *name, const struct sockaddr *sa, socklen_t len,
				 char *buf, size_t size);

#endif

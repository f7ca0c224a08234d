/* smtpd_tls_test.c: a listener's TLS settings, and TLS handshakes on a
 * libevent loop (wrapper mode, STARTTLS with pipelined input, client
 * certificates, failures and the handshake time limit) against an OpenSSL
 * client on a thread. */
#include "smtpd_tls.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <openssl/err.h>

#include "log.h"
#include "mem.h"
#include "tap.h"
#include "tls_ctx_testcert.h"

static const char *dir;
static struct tls_testcert ca, server_cert, client_cert;

static char *path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* view: Postfix's defaults for what smtpd_tls reads, the test
 * certificate, and settings (name, value, ..., NULL). */
static struct cfg *view(const char *const *settings)
{
	/* clang-format off */
	static const char *const defaults[] = {
		"smtpd_tls_security_level", "",
		"smtpd_use_tls", "no",
		"smtpd_enforce_tls", "no",
		"smtpd_tls_wrappermode", "no",
		"smtpd_tls_auth_only", "no",
		"smtpd_tls_received_header", "no",
		"smtpd_starttls_timeout", "300s",
		"smtpd_tls_protocols", ">=TLSv1",
		"smtpd_tls_mandatory_protocols", ">=TLSv1",
		"smtpd_tls_ciphers", "medium",
		"smtpd_tls_mandatory_ciphers", "medium",
		"tls_medium_cipherlist", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
		"smtpd_tls_loglevel", "1",
		"smtpd_tls_ask_ccert", "no",
		"smtpd_tls_ccert_verifydepth", "9",
		"smtpd_tls_session_cache_timeout", "3600s",
		"smtpd_tls_fingerprint_digest", "sha256",
		NULL,
	};
	/* clang-format on */
	struct cfg *c = cfg_new(NULL);
	for (size_t i = 0; defaults[i] != NULL; i += 2)
		cfg_set(c, defaults[i], defaults[i + 1], NULL, 0);
	char *chain = path("server.pem"), *cafile = path("ca.pem");
	cfg_set(c, "smtpd_tls_chain_files", chain, NULL, 0);
	cfg_set(c, "smtpd_tls_CAfile", cafile, NULL, 0);
	free(chain);
	free(cafile);
	for (size_t i = 0; settings[i] != NULL; i += 2)
		cfg_set(c, settings[i], settings[i + 1], NULL, 0);
	return c;
}

static void test_server_settings(void)
{
	static const struct {
		const char *settings[7];
		int ok;
		enum smtpd_tls_level level;
		int has_ctx, offers;
		const char *what;
	} cases[] = {
		{{NULL}, 1, SMTPD_TLS_NONE, 0, 0, "defaults: no TLS"},
		{{"smtpd_use_tls", "yes"}, 1, SMTPD_TLS_MAY, 1, 1, "legacy smtpd_use_tls = yes"},
		{{"smtpd_enforce_tls", "yes"},
		 1,
		 SMTPD_TLS_ENCRYPT,
		 1,
		 1,
		 "legacy smtpd_enforce_tls = yes"},
		{{"smtpd_tls_security_level", "none", "smtpd_use_tls", "yes"},
		 1,
		 SMTPD_TLS_NONE,
		 0,
		 0,
		 "the level wins over the legacy parameters"},
		{{"smtpd_tls_security_level", "may"}, 1, SMTPD_TLS_MAY, 1, 1, "level may"},
		{{"smtpd_tls_security_level", "encrypt"},
		 1,
		 SMTPD_TLS_ENCRYPT,
		 1,
		 1,
		 "level encrypt"},
		{{"smtpd_tls_wrappermode", "yes"},
		 1,
		 SMTPD_TLS_NONE,
		 1,
		 0,
		 "wrapper mode: a context, no STARTTLS"},
		{{"smtpd_tls_security_level", "may", "smtpd_tls_chain_files", ""},
		 1,
		 SMTPD_TLS_NONE,
		 0,
		 0,
		 "level may without a certificate: TLS off"},
		{{"smtpd_tls_security_level", "encrypt", "smtpd_tls_chain_files", ""},
		 -1,
		 0,
		 0,
		 0,
		 "level encrypt without a certificate is refused"},
		{{"smtpd_tls_wrappermode", "yes", "smtpd_tls_chain_files", ""},
		 -1,
		 0,
		 0,
		 0,
		 "wrapper mode without a certificate is refused"},
		{{"smtpd_tls_security_level", "dane"}, -1, 0, 0, 0, "level dane is refused"},
		{{"smtpd_tls_security_level", "may", "smtpd_tls_protocols", "TLSv1.9"},
		 -1,
		 0,
		 0,
		 0,
		 "a bad protocol list is refused"},
		{{"smtpd_tls_security_level", "may", "smtpd_starttls_timeout", "0"},
		 -1,
		 0,
		 0,
		 0,
		 "a zero handshake timeout is refused"},
		{{"smtpd_tls_auth_only", "maybe"}, -1, 0, 0, 0, "a bad boolean is refused"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg *c = view(cases[i].settings);
		struct smtpd_tls_server *srv = NULL;
		char *error = NULL;
		int ret = smtpd_tls_server_new(c, &srv, &error);
		tap_is_int(ret, cases[i].ok, "%s%s%s", cases[i].what, error ? ": " : "",
			   error ? error : "");
		if (ret == 1) {
			tap_ok(srv->level == cases[i].level &&
				       (srv->ctx != NULL) == cases[i].has_ctx &&
				       smtpd_tls_offer_starttls(srv, 0) == cases[i].offers &&
				       !smtpd_tls_offer_starttls(srv, 1),
			       "%s: level %d, context %d, STARTTLS offered %d", cases[i].what,
			       srv->level, srv->ctx != NULL, smtpd_tls_offer_starttls(srv, 0));
		}
		free(error);
		smtpd_tls_server_free(&srv);
		cfg_free(&c);
	}
}

/* The client side: a blocking OpenSSL client on a thread. */
struct client {
	int fd;
	int starttls;	 /* speak plaintext STARTTLS first, pipelining a NOOP */
	int max_version; /* 0: any */
	int with_cert;	 /* present client_cert */
	int silent;	 /* connect and never say anything */
	int ok;		 /* the handshake succeeded */
	char reply[256]; /* the server's line after the handshake */
	char protocol[32];
	char cipher[64];
};

static int read_line(int fd, char *line, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		char c;
		if (read(fd, &c, 1) != 1)
			return -1;
		line[n++] = c;
		if (c == '\n')
			break;
	}
	line[n] = '\0';
	return 1;
}

static void *client_run(void *arg)
{
	struct client *cl = arg;
	if (cl->silent) {
		char c;
		while (read(cl->fd, &c, 1) > 0)
			;
		return NULL;
	}
	if (cl->starttls) {
		const char cmds[] = "STARTTLS\r\nNOOP\r\n";
		char line[128];
		if (write(cl->fd, cmds, sizeof(cmds) - 1) != (ssize_t)sizeof(cmds) - 1 ||
		    read_line(cl->fd, line, sizeof(line)) < 0 || strncmp(line, "220 ", 4) != 0)
			return NULL;
	}
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (cl->max_version)
		SSL_CTX_set_max_proto_version(ctx, cl->max_version);
	if (cl->with_cert) {
		SSL_CTX_use_certificate(ctx, client_cert.cert);
		SSL_CTX_use_PrivateKey(ctx, client_cert.key);
	}
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, cl->fd);
	if (SSL_connect(ssl) == 1) {
		cl->ok = 1;
		snprintf(cl->protocol, sizeof(cl->protocol), "%s", SSL_get_version(ssl));
		snprintf(cl->cipher, sizeof(cl->cipher), "%s", SSL_get_cipher_name(ssl));
		SSL_write(ssl, "AFTER\r\n", 7);
		int n = SSL_read(ssl, cl->reply, sizeof(cl->reply) - 1);
		cl->reply[n > 0 ? n : 0] = '\0';
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	shutdown(cl->fd, SHUT_RDWR);
	return NULL;
}

/* The server side, on the loop. */
struct server {
	const struct smtpd_tls_server *srv;
	struct event_base *base;
	struct bufferevent *bev;
	struct smtpd_tls *tls;
	int done;	/* done_cb was called */
	int ok;		/* ... with success */
	char line[128]; /* the first line read after the handshake */
	struct buf received;
};

static void server_read_cb(struct bufferevent *bev, void *arg)
{
	struct server *sv = arg;
	char *line = evbuffer_readln(bufferevent_get_input(bev), NULL, EVBUFFER_EOL_CRLF);
	if (line == NULL)
		return;
	snprintf(sv->line, sizeof(sv->line), "%s", line);
	free(line);
	bufferevent_write(bev, "250 got it\r\n", 12);
}

static void server_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct server *sv = arg;
	(void)bev;
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		event_base_loopexit(sv->base, NULL);
}

static void server_done(void *arg, struct smtpd_tls *tls, struct bufferevent *bev)
{
	struct server *sv = arg;
	sv->done = 1;
	sv->bev = bev;
	if (tls == NULL) {
		event_base_loopexit(sv->base, NULL);
		return;
	}
	sv->ok = 1;
	sv->tls = tls;
	smtpd_tls_received_clause(tls, &sv->received);
	bufferevent_setcb(bev, server_read_cb, NULL, server_event_cb, sv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	/* Data may have come with the handshake. */
	server_read_cb(bev, sv);
}

/* The plaintext phase of STARTTLS: read the command, say 220, and start
 * TLS once the reply is flushed. */
static void plain_write_cb(struct bufferevent *bev, void *arg)
{
	struct server *sv = arg;
	struct bufferevent *tls =
		smtpd_tls_starttls(sv->srv, bev, "client[127.0.0.1]", server_done, sv);
	if (tls == NULL)
		event_base_loopexit(sv->base, NULL);
	sv->bev = tls;
}

static void plain_read_cb(struct bufferevent *bev, void *arg)
{
	struct server *sv = arg;
	char *line = evbuffer_readln(bufferevent_get_input(bev), NULL, EVBUFFER_EOL_CRLF);
	if (line == NULL)
		return;
	int starttls = strcmp(line, "STARTTLS") == 0;
	free(line);
	if (!starttls) {
		event_base_loopexit(sv->base, NULL);
		return;
	}
	bufferevent_setcb(bev, NULL, plain_write_cb, NULL, sv);
	bufferevent_write(bev, "220 2.0.0 Ready to start TLS\r\n", 30);
}

/* run: one connection; the client described by cl, the server by srv. */
static void run(const struct smtpd_tls_server *srv, struct client *cl, struct server *sv)
{
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		log_fatal("socketpair: %m");
	memset(sv, 0, sizeof(*sv));
	buf_init(&sv->received, 0);
	sv->srv = srv;
	sv->base = event_base_new();
	evutil_make_socket_nonblocking(fds[0]);
	cl->fd = fds[1];
	if (cl->starttls) {
		sv->bev = bufferevent_socket_new(sv->base, fds[0], BEV_OPT_CLOSE_ON_FREE);
		bufferevent_setcb(sv->bev, plain_read_cb, NULL, NULL, sv);
		bufferevent_enable(sv->bev, EV_READ | EV_WRITE);
	} else {
		struct bufferevent *plain =
			bufferevent_socket_new(sv->base, fds[0], BEV_OPT_CLOSE_ON_FREE);
		sv->bev = smtpd_tls_wrap(srv, plain, "client[127.0.0.1]", server_done, sv);
	}
	pthread_t thread;
	pthread_create(&thread, NULL, client_run, cl);
	struct timeval limit = {10, 0};
	event_base_loopexit(sv->base, &limit);
	event_base_dispatch(sv->base);
	if (sv->bev != NULL)
		bufferevent_free(sv->bev);
	else
		close(fds[0]);
	/* Freeing the base finishes the bufferevent, closing the socket, which
	 * ends a client still waiting. */
	event_base_free(sv->base);
	pthread_join(thread, NULL);
	close(fds[1]);
	smtpd_tls_free(&sv->tls);
}

static struct smtpd_tls_server *server(const char *const *settings)
{
	struct cfg *c = view(settings);
	struct smtpd_tls_server *srv = NULL;
	char *error = NULL;
	if (smtpd_tls_server_new(c, &srv, &error) < 0)
		log_fatal("server settings: %s", error);
	cfg_free(&c);
	return srv;
}

static void test_wrapper(void)
{
	const char *settings[] = {"smtpd_tls_wrappermode", "yes", NULL};
	struct smtpd_tls_server *srv = server(settings);
	struct client cl = {0};
	struct server sv;
	run(srv, &cl, &sv);
	tap_ok(sv.done && sv.ok && cl.ok, "wrapper mode: handshake on the loop");
	tap_is_str(sv.line, "AFTER", "wrapper mode: the first line after the handshake is read");
	tap_is_str(cl.reply, "250 got it\r\n", "wrapper mode: the reply goes back encrypted");
	char *want = xasprintf("\t(using %s with cipher %s (256/256 bits)\n"
			       "\t key-exchange X25519 server-signature ECDSA (P-256) "
			       "server-digest SHA256)\n"
			       "\t(No client certificate requested)\n",
			       cl.protocol, cl.cipher);
	tap_is_str(sv.received.data, want, "the Received clause, as Postfix writes it");
	free(want);
	buf_deinit(&sv.received);
	smtpd_tls_server_free(&srv);
}

static void test_starttls(void)
{
	const char *settings[] = {"smtpd_tls_security_level", "may", NULL};
	struct smtpd_tls_server *srv = server(settings);
	struct client cl = {.starttls = 1};
	struct server sv;
	run(srv, &cl, &sv);
	tap_ok(sv.done && sv.ok && cl.ok,
	       "STARTTLS: the handshake succeeds although a NOOP was pipelined after STARTTLS");
	tap_is_str(sv.line, "AFTER",
		   "STARTTLS: the pipelined plaintext NOOP was discarded, not read after TLS");
	buf_deinit(&sv.received);
	smtpd_tls_server_free(&srv);
}

static void test_client_cert(void)
{
	const char *settings[] = {"smtpd_tls_wrappermode", "yes", "smtpd_tls_ask_ccert", "yes",
				  NULL};
	struct smtpd_tls_server *srv = server(settings);
	struct client cl = {.with_cert = 1};
	struct server sv;
	run(srv, &cl, &sv);
	tap_ok(sv.ok && cl.ok, "ask_ccert: handshake with a client certificate");
	if (sv.tls != NULL) {
		const struct tls_info *info = smtpd_tls_info(sv.tls);
		tap_ok(info->peer_cert && info->peer_verified, "the certificate verified");
		tap_is_str(info->peer_cn, "client.example.test", "the client's CN");
		tap_is_str(info->issuer_cn, "Test CA", "the issuer's CN");
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned len = 0;
		X509_digest(client_cert.cert, EVP_sha256(), md, &len);
		char hex[EVP_MAX_MD_SIZE * 3 + 1] = "";
		for (unsigned i = 0; i < len; i++)
			snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02X%s", md[i],
				 i + 1 < len ? ":" : "");
		tap_is_str(info->peer_fingerprint, hex, "the sha256 fingerprint");
	}
	tap_ok(strstr(sv.received.data, "\t(Client CN \"client.example.test\", Issuer \"Test CA\" "
					"(verified OK))\n") != NULL,
	       "the Received clause names the client certificate");
	tap_ok(strstr(sv.received.data,
		      "server-digest SHA256\n\t client-signature ECDSA (P-256)") != NULL,
	       "... and its signature, on a line of its own");
	buf_deinit(&sv.received);

	struct client anon = {0};
	run(srv, &anon, &sv);
	tap_ok(sv.ok && anon.ok, "ask_ccert: a client without a certificate gets in");
	tap_ok(strstr(sv.received.data, "\t(Client did not present a certificate)\n") != NULL,
	       "the Received clause says it did not present one");
	buf_deinit(&sv.received);
	smtpd_tls_server_free(&srv);
}

static void test_failures(void)
{
	const char *settings[] = {"smtpd_tls_wrappermode", "yes", "smtpd_tls_mandatory_protocols",
				  ">=TLSv1.3", NULL};
	struct smtpd_tls_server *srv = server(settings);
	struct client cl = {.max_version = TLS1_2_VERSION};
	struct server sv;
	run(srv, &cl, &sv);
	tap_ok(sv.done && !sv.ok && !cl.ok,
	       "wrapper mode uses the mandatory protocols: a TLSv1.2 client fails");
	buf_deinit(&sv.received);
	smtpd_tls_server_free(&srv);

	const char *quick[] = {"smtpd_tls_wrappermode", "yes", "smtpd_starttls_timeout", "1s",
			       NULL};
	srv = server(quick);
	struct client silent = {.silent = 1};
	struct timeval t0, t1;
	gettimeofday(&t0, NULL);
	run(srv, &silent, &sv);
	gettimeofday(&t1, NULL);
	double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	tap_ok(sv.done && !sv.ok && took >= 0.9 && took < 5,
	       "a silent client fails after smtpd_starttls_timeout (%.1f s)", took);
	buf_deinit(&sv.received);
	smtpd_tls_server_free(&srv);
}

int main(void)
{
	log_init("smtpd_tls_test", LOG_DEST_STDERR);
	/* As in posternd: a client that hangs up must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	dir = tap_tmpdir();
	tls_testcert_make(&ca, "Test CA", NULL, 0);
	tls_testcert_make(&server_cert, "mail.example.test", &ca, 0);
	tls_testcert_make(&client_cert, "client.example.test", &ca, 0);
	char *p = path("server.pem");
	tls_testcert_write(p, "kci", &server_cert, &ca);
	free(p);
	p = path("ca.pem");
	tls_testcert_write(p, "c", &ca, NULL);
	free(p);

	test_server_settings();
	test_wrapper();
	test_starttls();
	test_client_cert();
	test_failures();

	tls_testcert_free(&ca);
	tls_testcert_free(&server_cert);
	tls_testcert_free(&client_cert);
	return tap_done();
}

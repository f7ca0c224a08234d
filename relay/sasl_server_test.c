/* sasl_server_test.c: SASL settings, the passwd-file format (with hashes
 * made by Dovecot's own "doveadm pw"), and AUTH conversations on an event
 * loop against the passwd-file back-end and a scripted Dovecot auth
 * server: mechanisms offered, PLAIN and LOGIN, failures, aborts, the
 * checks before AUTH, a session that goes away mid-check, and a worker's
 * registry of back-ends. */
#include "sasl_server.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "log.h"
#include "mem.h"
#include "sasl_passwd_file.h"
#include "tap.h"

static const char *dir;

static char *path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* doveadm_pw: a hash of password in scheme, made by Dovecot. */
static char *doveadm_pw(const char *scheme, const char *password)
{
	char *cmd = xasprintf("doveadm pw -s %s -p '%s' 2>/dev/null", scheme, password);
	FILE *p = popen(cmd, "r");
	free(cmd);
	char line[512] = "";
	if (p == NULL || fgets(line, sizeof(line), p) == NULL)
		log_fatal("doveadm pw -s %s failed: install the Debian package dovecot-core",
			  scheme);
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

static struct cfg *view(const char *const *settings)
{
	/* clang-format off */
	static const char *const defaults[] = {
		"smtpd_sasl_auth_enable", "yes",
		"smtpd_sasl_type", "passwd-file",
		"smtpd_sasl_service", "smtp",
		"smtpd_sasl_security_options", "noanonymous",
		"smtpd_sasl_tls_security_options", "$smtpd_sasl_security_options",
		"smtpd_tls_auth_only", "no",
		"smtpd_sasl_local_domain", "",
		"smtpd_sasl_authenticated_header", "no",
		"smtpd_sasl_response_limit", "12288",
		"queue_directory", "/var/spool/postern",
		"config_directory", "/etc/postern",
		NULL,
	};
	/* clang-format on */
	struct cfg *c = cfg_new(NULL);
	for (size_t i = 0; defaults[i] != NULL; i += 2)
		cfg_set(c, defaults[i], defaults[i + 1], NULL, 0);
	char *users = path("users");
	cfg_set(c, "smtpd_sasl_path", users, NULL, 0);
	free(users);
	for (size_t i = 0; settings[i] != NULL; i += 2)
		cfg_set(c, settings[i], settings[i + 1], NULL, 0);
	return c;
}

static void test_conf(void)
{
	unsigned opts;
	char *error = NULL;
	tap_is_int(sasl_sec_opts_parse("noplaintext, noanonymous NOACTIVE", &opts, &error), 1,
		   "security options");
	tap_ok(opts == (SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS | SASL_SEC_NOACTIVE),
	       "their bits");
	tap_is_int(sasl_sec_opts_parse("noplaintext, nosuch", &opts, &error), -1,
		   "an unknown security option is refused");
	tap_ok(error && strstr(error, "\"nosuch\""), "quoted: %s", error);
	FREE_AND_NULL(error);

	static const struct {
		const char *settings[5];
		int ok;
		const char *want; /* the path, or the start of the error */
	} cases[] = {
		{{"smtpd_sasl_type", "cyrus"}, 1, "/tmp"},
		{{"smtpd_sasl_type", "kerberos"}, -1, "smtpd_sasl_type:"},
		{{"smtpd_sasl_type", "cyrus", "smtpd_sasl_auth_enable", "no"}, 1, NULL},
		{{"smtpd_sasl_path", "passwd"}, 1, "/etc/postern/passwd"},
		{{"smtpd_sasl_type", "dovecot", "smtpd_sasl_path", "private/auth"},
		 1,
		 "/var/spool/postern/private/auth"},
		{{"smtpd_sasl_type", "dovecot", "smtpd_sasl_path", "inet:127.0.0.1:12345"},
		 1,
		 "inet:127.0.0.1:12345"},
		{{"smtpd_sasl_type", "dovecot", "smtpd_sasl_path", "inet:127.0.0.1"},
		 -1,
		 "smtpd_sasl_path:"},
		{{"smtpd_sasl_security_options", "noplaintext, bogus"},
		 -1,
		 "smtpd_sasl_security_options:"},
		{{"smtpd_sasl_tls_security_options", "bogus"},
		 -1,
		 "smtpd_sasl_tls_security_options:"},
		{{"smtpd_sasl_auth_enable", "perhaps"}, -1, "smtpd_sasl_auth_enable:"},
		{{"smtpd_sasl_response_limit", "0"}, -1, "smtpd_sasl_response_limit:"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg *c = view(cases[i].settings);
		struct sasl_server_conf *conf = NULL;
		int ret = sasl_server_conf_new(c, &conf, &error);
		tap_is_int(ret, cases[i].ok, "%s = %s: %s", cases[i].settings[0],
			   cases[i].settings[1], ret < 0 ? error : "accepted");
		if (ret == 1 && strcmp(cases[i].settings[1], "cyrus") == 0)
			tap_is_int(conf->enable, 0, "cyrus: AUTH stays off (with a warning)");
		else if (ret == 1 && cases[i].want != NULL)
			tap_is_str(conf->path, cases[i].want, "smtpd_sasl_path made absolute");
		if (ret < 0)
			tap_ok(strncmp(error, cases[i].want, strlen(cases[i].want)) == 0,
			       "the error names %s", cases[i].want);
		FREE_AND_NULL(error);
		sasl_server_conf_free(&conf);
		cfg_free(&c);
	}
}

static void write_users(const char *content)
{
	char *p = path("users");
	char *tmp = path("users.tmp");
	tap_write_file(tmp, content);
	rename(tmp, p);
	free(p);
	free(tmp);
}

static void test_passwd_file(void)
{
	static const char *const schemes[] = {"SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT",
					      "MD5-CRYPT",    "PLAIN",	      "CRYPT"};
	struct buf users;
	buf_init(&users, 0);
	buf_append_str(&users, "# users made with doveadm pw\n\n");
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		char *hash = doveadm_pw(schemes[i], "s3cret");
		buf_printf(&users, "u%zu:%s:1000:1000::/home/u%zu::\n", i, hash, i);
		free(hash);
	}
	/* No scheme means CRYPT; the first of two entries counts. */
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd = {0};
	crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt));
	buf_printf(&users, "bare:%s\n", crypt_r("bare-pw", salt, &cd));
	buf_append_str(&users, "dup:{PLAIN}first\ndup:{PLAIN}second\n");
	write_users(users.data);

	char *p = path("users"), *error = NULL;
	struct sasl_passwd_file *file = NULL;
	tap_is_int(sasl_passwd_file_open(p, &file, &error), 1, "a passwd-file from doveadm pw: %s",
		   error ? error : "read");
	for (size_t i = 0; file != NULL && i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		char user[8];
		snprintf(user, sizeof(user), "u%zu", i);
		tap_is_int(sasl_passwd_file_check(file, user, "s3cret"), 1,
			   "{%s}: the right password", schemes[i]);
		tap_is_int(sasl_passwd_file_check(file, user, "s3cret "), 0,
			   "{%s}: a wrong password", schemes[i]);
	}
	if (file != NULL) {
		tap_is_int(sasl_passwd_file_check(file, "bare", "bare-pw"), 1,
			   "no scheme means CRYPT");
		tap_is_int(sasl_passwd_file_check(file, "nobody", "s3cret"), 0, "no such user");
		tap_is_int(sasl_passwd_file_check(file, "dup", "first"), 1,
			   "a user listed twice: the first entry counts");
		tap_is_int(sasl_passwd_file_check(file, "dup", "second"), 0, "... not the second");
		tap_is_int(sasl_passwd_file_check(file, "U0", "s3cret"), 0,
			   "user names are compared as written");

		/* A change on disk is picked up at the next check. */
		write_users("u0:{PLAIN}changed\n");
		tap_is_int(sasl_passwd_file_check(file, "u0", "changed"), 1,
			   "the file is read again when it changes");
		write_users("u0:{NOSUCH}x\n");
		tap_is_int(sasl_passwd_file_check(file, "u0", "changed"), 1,
			   "a bad new version is ignored, the old contents stay");
		unlink(p);
		tap_is_int(sasl_passwd_file_check(file, "u0", "changed"), -1,
			   "a file that disappeared: a temporary failure");
	}
	sasl_passwd_file_free(&file);

	static const struct {
		const char *content, *error;
	} bad[] = {
		{"ok:{PLAIN}x\nbroken line\n", ":2: expected user:password"},
		{"a:{SSHA}abc\n", ":1: user a: unsupported password scheme {SSHA}"},
		{"a:{SHA512-CRYPT}$1$abc\n", ":1: user a: a {SHA512-CRYPT} password must start"},
		{"a:{PLAIN\n", ":1: user a: unterminated {SCHEME}"},
		{":{PLAIN}x\n", ":1: expected user:password"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_users(bad[i].content);
		tap_is_int(sasl_passwd_file_open(p, &file, &error), -1, "refused: %s",
			   bad[i].error);
		tap_ok(error && strstr(error, bad[i].error) && strncmp(error, p, strlen(p)) == 0,
		       "the error names file and line: %s", error ? error : "(none)");
		FREE_AND_NULL(error);
	}
	unlink(p);
	tap_is_int(sasl_passwd_file_open(p, &file, &error), -1, "a missing file is refused");
	FREE_AND_NULL(error);
	free(p);
	buf_deinit(&users);
}

/* The session side of a conversation. */
struct conv {
	struct event_base *base;
	int called;
	char *mechs;
	enum sasl_status status;
	char *text; /* the challenge, the username, or the reply */
};

static void mechs_cb(void *arg, const char *mechs)
{
	struct conv *c = arg;
	c->called++;
	free(c->mechs);
	c->mechs = mechs ? xstrdup(mechs) : NULL;
	event_base_loopbreak(c->base);
}

static void step_cb(void *arg, const struct sasl_result *res)
{
	struct conv *c = arg;
	c->called++;
	c->status = res->status;
	free(c->text);
	if (res->status == SASL_CONTINUE)
		c->text = xstrdup(res->challenge);
	else if (res->status == SASL_OK)
		c->text = xasprintf("%s %s", res->mechanism, res->username);
	else
		c->text = smtp_reply_to_string(res->reply);
	event_base_loopbreak(c->base);
}

/* wait: run the loop until a callback came (at most 10 s). */
static void wait_for(struct conv *c)
{
	struct timeval limit = {10, 0};
	if (c->called)
		return;
	event_base_loopexit(c->base, &limit);
	event_base_dispatch(c->base);
}

static const char *offered(struct sasl_server *s, struct conv *c)
{
	c->called = 0;
	sasl_server_mechs(s, mechs_cb, c);
	wait_for(c);
	return c->mechs ? c->mechs : "(none)";
}

static const char *start(struct sasl_server *s, struct conv *c, const char *mech,
			 const char *initial)
{
	c->called = 0;
	sasl_server_start(s, mech, initial, step_cb, c);
	wait_for(c);
	return c->text ? c->text : "(no answer)";
}

static const char *step(struct sasl_server *s, struct conv *c, const char *response)
{
	c->called = 0;
	sasl_server_step(s, response, step_cb, c);
	wait_for(c);
	return c->text ? c->text : "(no answer)";
}

static const struct sasl_peer peer = {"client.example.test[127.0.0.30]", "127.0.0.30", 40000,
				      "127.0.0.25", 25};

/* with_backend: a conf and back-end from settings on a new loop. */
struct fixture {
	struct cfg *cfg;
	struct sasl_server_conf *conf;
	struct sasl_backend *be;
	struct conv c;
};

static void fixture_base(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->c.base = event_base_new();
}

static int fixture_backend(struct fixture *f, const char *const *settings)
{
	f->cfg = view(settings);
	char *error = NULL;
	if (sasl_server_conf_new(f->cfg, &f->conf, &error) < 0 ||
	    sasl_backend_new(f->conf, f->c.base, &f->be, &error) < 0) {
		tap_diag("fixture: %s", error);
		free(error);
		return -1;
	}
	return 1;
}

static int fixture_init(struct fixture *f, const char *const *settings)
{
	fixture_base(f);
	return fixture_backend(f, settings);
}

static void fixture_deinit(struct fixture *f)
{
	sasl_backend_free(&f->be);
	sasl_server_conf_free(&f->conf);
	cfg_free(&f->cfg);
	event_base_free(f->c.base);
	free(f->c.mechs);
	free(f->c.text);
}

static char *b64(const char *data, size_t len)
{
	char *out = xmalloc((len + 2) / 3 * 4 + 1);
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)data[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)data[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)data[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < len ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? abc[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

static char *plain(const char *authz, const char *user, const char *password)
{
	char raw[256];
	int n = snprintf(raw, sizeof(raw), "%s%c%s%c%s", authz, 0, user, 0, password);
	return b64(raw, (size_t)n);
}

static void test_passwd_conversations(void)
{
	char *hash = doveadm_pw("SHA512-CRYPT", "alice-pw");
	char *users = xasprintf("alice:%s\nbob@example.test:{PLAIN}bob-pw\n", hash);
	write_users(users);
	free(users);
	free(hash);

	struct fixture f;
	const char *none[] = {NULL};
	if (fixture_init(&f, none) < 0)
		return;
	struct sasl_server *s = sasl_server_new(f.be, f.conf, &peer);
	tap_is_str(offered(s, &f.c), "PLAIN LOGIN", "passwd-file offers PLAIN and LOGIN");
	tap_is_int(sasl_server_auth_allowed(s, 0, 2), SMTP_R__COUNT, "AUTH PLAIN may go on");
	tap_is_int(sasl_server_auth_allowed(s, 0, 1), SMTP_R_SYNTAX_AUTH, "AUTH alone: syntax");
	tap_is_int(sasl_server_auth_allowed(s, 0, 4), SMTP_R_SYNTAX_AUTH, "AUTH a b c: syntax");
	tap_is_int(sasl_server_auth_allowed(s, 1, 2), SMTP_R_AUTH_IN_MAIL,
		   "AUTH in a MAIL transaction");
	tap_is_int(sasl_server_auth_allowed(NULL, 1, 2), SMTP_R_AUTH_NOT_ENABLED,
		   "AUTH with SASL off: not enabled, before anything else");

	char *resp = plain("", "alice", "wrong");
	tap_is_str(start(s, &f.c, "plain", resp),
		   "535 5.7.8 Error: authentication failed: (reason unavailable)",
		   "PLAIN, wrong password: Postfix's reply when Dovecot gives no reason");
	free(resp);
	resp = plain("", "alice", "alice-pw");
	tap_is_str(start(s, &f.c, "PLAIN", resp), "PLAIN alice", "PLAIN, right password");
	free(resp);
	tap_is_int(sasl_server_auth_allowed(s, 0, 2), SMTP_R_AUTH_ALREADY,
		   "a second AUTH: already authenticated");
	tap_is_int(sasl_server_auth_allowed(s, 1, 2), SMTP_R_AUTH_IN_MAIL,
		   "in a transaction that comes first");
	sasl_server_free(&s);

	s = sasl_server_new(f.be, f.conf, &peer);
	tap_is_str(start(s, &f.c, "PLAIN", NULL), "", "PLAIN without initial response: 334 \"\"");
	resp = plain("", "ALICE", "alice-pw");
	tap_is_str(step(s, &f.c, resp), "PLAIN alice",
		   "the response after 334 authenticates; the name is lower-cased as Dovecot does");
	free(resp);
	sasl_server_free(&s);

	s = sasl_server_new(f.be, f.conf, &peer);
	tap_is_str(start(s, &f.c, "LOGIN", NULL), "VXNlcm5hbWU6", "LOGIN asks Username:");
	resp = b64("bob@example.test", 16);
	tap_is_str(step(s, &f.c, resp), "UGFzc3dvcmQ6", "then Password:");
	free(resp);
	resp = b64("bob-pw", 6);
	tap_is_str(step(s, &f.c, resp), "LOGIN bob@example.test", "LOGIN authenticates");
	free(resp);
	sasl_server_free(&s);

	s = sasl_server_new(f.be, f.conf, &peer);
	tap_is_str(start(s, &f.c, "LOGIN", NULL), "VXNlcm5hbWU6", "LOGIN again");
	tap_is_str(step(s, &f.c, "*"), "501 5.7.0 Authentication aborted", "\"*\" aborts");
	tap_is_str(start(s, &f.c, "CRAM-MD5", NULL),
		   "535 5.7.8 Error: authentication failed: Invalid authentication mechanism",
		   "an unknown mechanism, in Postfix's words");
	tap_is_str(
		start(s, &f.c, "PLAIN", "not base64!"),
		"535 5.7.8 Error: authentication failed: Invalid base64 data in initial response",
		"bad base64 in the initial response");
	tap_is_str(start(s, &f.c, "PLAIN", NULL), "", "PLAIN again");
	tap_is_str(step(s, &f.c, "%%%"),
		   "535 5.7.8 Error: authentication failed: Invalid base64 data in continued "
		   "response",
		   "bad base64 in a continued response");
	resp = plain("bob@example.test", "alice", "alice-pw");
	tap_is_str(start(s, &f.c, "PLAIN", resp),
		   "535 5.7.8 Error: authentication failed: Authorization identity not allowed",
		   "PLAIN with another authorization identity is refused");
	free(resp);
	tap_is_str(start(s, &f.c, "PLAIN", "="),
		   "535 5.7.8 Error: authentication failed: Invalid PLAIN response",
		   "an empty initial response (=) is not a PLAIN response");
	resp = plain("", "al(ice", "x");
	tap_is_str(start(s, &f.c, "PLAIN", resp),
		   "535 5.7.8 Error: authentication failed: Invalid username",
		   "a name with a character Dovecot does not allow");
	free(resp);

	/* The session goes away while the helper thread checks. */
	resp = plain("", "alice", "alice-pw");
	f.c.called = 0;
	sasl_server_start(s, "PLAIN", resp, step_cb, &f.c);
	free(resp);
	sasl_server_free(&s);
	struct timeval half = {0, 300000};
	event_base_loopexit(f.c.base, &half);
	event_base_dispatch(f.c.base);
	tap_is_int(f.c.called, 0, "no callback for a session freed during the check");
	fixture_deinit(&f);

	/* Local domain, as Dovecot's auth_default_realm. */
	const char *realm[] = {"smtpd_sasl_local_domain", "example.test", NULL};
	if (fixture_init(&f, realm) < 0)
		return;
	s = sasl_server_new(f.be, f.conf, &peer);
	resp = plain("", "bob", "bob-pw");
	tap_is_str(start(s, &f.c, "PLAIN", resp), "PLAIN bob@example.test",
		   "smtpd_sasl_local_domain qualifies a bare name");
	free(resp);
	sasl_server_free(&s);
	fixture_deinit(&f);
}

static void test_offers(void)
{
	write_users("alice:{PLAIN}x\n");
	/* With no mechanism left Postfix gives up the session ("fatal: no
	 * SASL authentication mechanisms"); Postern just does not offer AUTH
	 * and refuses the mechanism if a client tries. */
	static const struct {
		const char *settings[7];
		int tls;
		const char *want;
		int not_enabled; /* AUTH answers "not enabled" */
	} cases[] = {
		{{NULL}, 0, "PLAIN LOGIN", 0},
		{{"smtpd_tls_auth_only", "yes"}, 0, "(none)", 1},
		{{"smtpd_tls_auth_only", "yes"}, 1, "PLAIN LOGIN", 0},
		{{"smtpd_sasl_security_options", "noanonymous, noplaintext"}, 0, "(none)", 0},
		{{"smtpd_sasl_security_options", "noanonymous, noplaintext"}, 1, "(none)", 0},
		{{"smtpd_sasl_security_options", "noanonymous, noplaintext",
		  "smtpd_sasl_tls_security_options", "noanonymous"},
		 1,
		 "PLAIN LOGIN",
		 0},
		{{"smtpd_sasl_security_options", "mutual_auth"}, 0, "(none)", 0},
		{{"smtpd_sasl_security_options", "nodictionary, noactive"}, 0, "PLAIN LOGIN", 0},
		{{"smtpd_sasl_auth_enable", "no"}, 0, "(none)", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		if (fixture_init(&f, cases[i].settings) < 0)
			continue;
		struct sasl_server *s = sasl_server_new(f.be, f.conf, &peer);
		sasl_server_set_tls(s, cases[i].tls);
		tap_is_str(offered(s, &f.c), cases[i].want, "%s = %s, %s, %s: %s",
			   cases[i].settings[0] ? cases[i].settings[0] : "defaults",
			   cases[i].settings[1] ? cases[i].settings[1] : "",
			   cases[i].settings[2] ? cases[i].settings[3] : "",
			   cases[i].tls ? "in TLS" : "plaintext", cases[i].want);
		tap_is_int(sasl_server_auth_allowed(s, 0, 2),
			   cases[i].not_enabled ? SMTP_R_AUTH_NOT_ENABLED : SMTP_R__COUNT,
			   "... and AUTH is %s",
			   cases[i].not_enabled ? "\"not enabled\"" : "allowed");
		sasl_server_free(&s);
		fixture_deinit(&f);
	}
}

/* A scripted Dovecot auth server on the test's loop: it answers the
 * handshake with its mechanisms, then each AUTH/CONT line by the script. */
struct fake_dovecot {
	struct evconnlistener *listener;
	struct bufferevent *bev;
	char *mech_lines;
	int hangup_after_auth; /* close the connection at the first AUTH */
	int mute;	       /* never answer the handshake */
	struct buf seen;       /* every line received */
};

static void fake_read_cb(struct bufferevent *bev, void *arg)
{
	struct fake_dovecot *fd = arg;
	char *line;
	while ((line = evbuffer_readln(bufferevent_get_input(bev), NULL, EVBUFFER_EOL_LF))) {
		buf_printf(&fd->seen, "%s\n", line);
		unsigned id = 0;
		char resp[256] = "";
		if (fd->mute) {
			/* say nothing */
		} else if (strncmp(line, "CPID\t", 5) == 0) {
			evbuffer_add_printf(bufferevent_get_output(bev),
					    "VERSION\t1\t2\n%sSPID\t1\nCUID\t1\nCOOKIE\tab\nDONE\n",
					    fd->mech_lines);
		} else if (sscanf(line, "AUTH\t%u\t", &id) == 1) {
			if (fd->hangup_after_auth) {
				free(line);
				bufferevent_free(bev);
				fd->bev = NULL;
				return;
			}
			const char *r = strstr(line, "\tresp=");
			if (r == NULL)
				evbuffer_add_printf(bufferevent_get_output(bev),
						    "CONT\t%u\tVXNlcm5hbWU6\n", id);
			else if (strcmp(r + 6, "AGFsaWNlAGFsaWNlLXB3") == 0) /* \0alice\0alice-pw */
				evbuffer_add_printf(bufferevent_get_output(bev),
						    "OK\t%u\tuser=alice\n", id);
			else if (strcmp(r + 6, "AHRlbXAAeA==") == 0) /* \0temp\0x */
				evbuffer_add_printf(
					bufferevent_get_output(bev),
					"FAIL\t%u\tuser=temp\ttemp\treason=passdb down\n", id);
			else
				evbuffer_add_printf(bufferevent_get_output(bev),
						    "FAIL\t%u\tuser=alice\n", id);
		} else if (sscanf(line, "CONT\t%u\t%255s", &id, resp) == 2) {
			evbuffer_add_printf(bufferevent_get_output(bev),
					    "FAIL\t%u\treason=Invalid base64 data in continued "
					    "response\n",
					    id);
		}
		free(line);
	}
}

static void fake_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct fake_dovecot *fd = arg;
	(void)events;
	bufferevent_free(bev);
	fd->bev = NULL;
}

static void fake_accept_cb(struct evconnlistener *l, evutil_socket_t sock, struct sockaddr *sa,
			   int len, void *arg)
{
	struct fake_dovecot *fd = arg;
	(void)sa;
	(void)len;
	fd->bev = bufferevent_socket_new(evconnlistener_get_base(l), sock, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(fd->bev, fake_read_cb, NULL, fake_event_cb, fd);
	bufferevent_enable(fd->bev, EV_READ | EV_WRITE);
}

static void fake_start(struct fake_dovecot *fd, struct event_base *base, const char *sock_path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	unlink(sock_path);
	fd->listener = evconnlistener_new_bind(base, fake_accept_cb, fd, LEV_OPT_CLOSE_ON_FREE, 16,
					       (struct sockaddr *)&sun, sizeof(sun));
	if (fd->listener == NULL)
		log_fatal("cannot listen on %s", sock_path);
}

static void fake_stop(struct fake_dovecot *fd)
{
	if (fd->bev != NULL)
		bufferevent_free(fd->bev);
	evconnlistener_free(fd->listener);
	buf_deinit(&fd->seen);
}

static void test_dovecot(void)
{
	char *sock = path("auth-client");
	const char *settings[] = {"smtpd_sasl_type", "dovecot", "smtpd_sasl_path", sock, NULL};
	struct fixture f;
	struct fake_dovecot fd = {.mech_lines =
					  "MECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\n"
					  "MECH\tANONYMOUS\tanonymous\nMECH\tSECRET\tprivate\n"
					  "MECH\tSCRAM-SHA-256\tmutual-auth\tdictionary\n"};
	buf_init(&fd.seen, 0);

	fixture_base(&f);
	fake_start(&fd, f.c.base, sock);
	if (fixture_backend(&f, settings) < 0) {
		free(sock);
		return;
	}
	struct sasl_server *s = sasl_server_new(f.be, f.conf, &peer);
	tap_is_str(offered(s, &f.c), "PLAIN LOGIN SCRAM-SHA-256",
		   "Dovecot's mechanisms less anonymous (noanonymous) and private ones");
	sasl_server_set_tls(s, 1);
	tap_is_str(start(s, &f.c, "plain", "AGFsaWNlAGFsaWNlLXB3"), "PLAIN alice",
		   "PLAIN through Dovecot");
	tap_ok(strstr(fd.seen.data,
		      "AUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.25\trip=127.0.0.30\t"
		      "lport=25\trport=40000\tsecured\tresp=AGFsaWNlAGFsaWNlLXB3\n") != NULL,
	       "the AUTH line carries service, addresses, secured and the response");
	tap_ok(strncmp(fd.seen.data, "VERSION\t1\t2\nCPID\t", 17) == 0, "the handshake");
	sasl_server_free(&s);

	/* Two sessions multiplexed on the one connection. */
	struct sasl_server *s1 = sasl_server_new(f.be, f.conf, &peer),
			   *s2 = sasl_server_new(f.be, f.conf, &peer);
	struct conv c2 = {.base = f.c.base};
	tap_is_str(start(s1, &f.c, "LOGIN", NULL), "VXNlcm5hbWU6", "session 1: LOGIN asks");
	tap_is_str(start(s2, &c2, "PLAIN", "AGFsaWNlAHdyb25n"),
		   "535 5.7.8 Error: authentication failed: (reason unavailable)",
		   "session 2: wrong password, no reason from Dovecot");
	tap_is_str(step(s1, &f.c, "YWxpY2U="),
		   "535 5.7.8 Error: authentication failed: Invalid base64 data in continued "
		   "response",
		   "session 1: Dovecot's reason is passed on");
	tap_is_str(start(s2, &c2, "PLAIN", "AHRlbXAAeA=="),
		   "454 4.7.0 Temporary authentication failure: passdb down",
		   "a temporary failure from Dovecot gives 454 4.7.0");
	free(c2.text);
	sasl_server_free(&s1);
	sasl_server_free(&s2);

	/* The server goes away mid-request. */
	fd.hangup_after_auth = 1;
	s = sasl_server_new(f.be, f.conf, &peer);
	tap_is_str(start(s, &f.c, "PLAIN", "AGFsaWNlAGFsaWNlLXB3"),
		   "454 4.7.0 Temporary authentication failure: Connection lost to "
		   "authentication server",
		   "a lost connection fails the request as temporary");
	fd.hangup_after_auth = 0;
	tap_is_str(offered(s, &f.c), "PLAIN LOGIN SCRAM-SHA-256",
		   "asking for the mechanisms reconnects");
	tap_is_str(start(s, &f.c, "PLAIN", "AGFsaWNlAGFsaWNlLXB3"), "PLAIN alice",
		   "the next request reconnects");
	sasl_server_free(&s);
	fake_stop(&fd);
	fixture_deinit(&f);

	/* A server that never finishes the handshake: sessions are not held
	 * up for longer than the handshake's time limit (10 s). */
	fixture_base(&f);
	buf_init(&fd.seen, 0);
	fake_start(&fd, f.c.base, sock);
	fd.mute = 1;
	if (fixture_backend(&f, settings) < 0) {
		free(sock);
		return;
	}
	s = sasl_server_new(f.be, f.conf, &peer);
	time_t t0 = time(NULL);
	tap_is_str(offered(s, &f.c), "(none)", "a mute Dovecot: no AUTH offered");
	tap_ok(time(NULL) - t0 >= 9 && time(NULL) - t0 <= 60,
	       "... once the handshake time limit ran out (%lld s)", (long long)(time(NULL) - t0));
	sasl_server_free(&s);
	fake_stop(&fd);
	fixture_deinit(&f);

	/* No server at all. */
	if (fixture_init(&f, settings) < 0) {
		free(sock);
		return;
	}
	unlink(sock);
	s = sasl_server_new(f.be, f.conf, &peer);
	tap_is_str(offered(s, &f.c), "(none)", "no Dovecot: AUTH is not offered");
	tap_is_str(start(s, &f.c, "PLAIN", "AGFsaWNlAGFsaWNlLXB3"),
		   "454 4.7.0 Temporary authentication failure: Can't connect to authentication "
		   "server",
		   "AUTH anyway: a temporary failure");
	sasl_server_free(&s);
	fixture_deinit(&f);
	free(sock);
}

static void test_registry(void)
{
	write_users("alice:{PLAIN}x\n");
	struct event_base *base = event_base_new();
	const char *a[] = {NULL};
	const char *b[] = {"smtpd_tls_auth_only", "yes", NULL};
	struct cfg *ca = view(a), *cb = view(b);
	struct sasl_server_conf *conf_a = NULL, *conf_b = NULL;
	char *error = NULL;
	sasl_server_conf_new(ca, &conf_a, &error);
	sasl_server_conf_new(cb, &conf_b, &error);
	struct sasl_registry *reg = sasl_registry_new(base);
	struct sasl_backend *be1 = NULL, *be2 = NULL;
	tap_ok(sasl_registry_get(reg, conf_a, &be1, &error) == 1 &&
		       sasl_registry_get(reg, conf_b, &be2, &error) == 1 && be1 == be2,
	       "two listeners with the same back-end share it on a worker");
	char *users = path("users");
	char *other = xasprintf("%s2", users);
	rename(users, other);
	cfg_set(cb, "smtpd_sasl_path", other, NULL, 0);
	sasl_server_conf_free(&conf_b);
	sasl_server_conf_new(cb, &conf_b, &error);
	tap_ok(sasl_registry_get(reg, conf_b, &be2, &error) == 1 && be1 != be2,
	       "another smtpd_sasl_path: another back-end");
	tap_is_int(sasl_registry_get(reg, conf_a, &be1, &error), 1,
		   "the first back-end is kept although its file is gone");
	sasl_registry_free(&reg);
	sasl_server_conf_free(&conf_a);
	sasl_server_conf_free(&conf_b);
	cfg_free(&ca);
	cfg_free(&cb);
	event_base_free(base);
	unlink(other);
	free(users);
	free(other);
}

int main(void)
{
	log_init("sasl_server_test", LOG_DEST_STDERR);
	dir = tap_tmpdir();
	test_conf();
	test_passwd_file();
	test_passwd_conversations();
	test_offers();
	test_dovecot();
	test_registry();
	return tap_done();
}

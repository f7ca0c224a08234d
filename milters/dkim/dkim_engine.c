/* dkim_engine.c: verification with libopendkim and the policy on top of
 * it (see dkim_engine.h). */
#include "dkim_engine.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dkim.h>

#include "buf.h"
#include "mem.h"

struct dkim_verify_lib {
	DKIM_LIB *lib;
	int dns_timeout; /* seconds */
};

/* The outcome of one DNS query, kept until libopendkim asks for it. */
struct engine_dns_query {
	int status; /* DKIM_DNS_SUCCESS or DKIM_DNS_ERROR */
	size_t len;
};

struct dkim_verifier {
	DKIM *dkim;
	struct buf field; /* scratch: "name:value" */
	int nosig;	  /* no signature: nothing more to do */
};

const char *dkim_result_name(enum dkim_result r)
{
	static const char *const names[] = {"none",    "pass",	    "fail",	"policy",
					    "neutral", "temperror", "permerror"};
	return names[r];
}

enum dkim_result dkim_engine_decide(const struct dkim_sig_facts *f, const struct dkim_policy *p,
				    const char **reason_r)
{
	static const struct {
		enum dkim_result result;
		const char *reason;
	} failures[] = {
		[DKIM_FAILURE_NONE] = {DKIM_RESULT_FAIL, "signature did not verify"},
		[DKIM_FAILURE_BADSIG] = {DKIM_RESULT_FAIL, "signature did not verify"},
		[DKIM_FAILURE_BODYHASH] = {DKIM_RESULT_FAIL, "body hash did not verify"},
		[DKIM_FAILURE_NOKEY] = {DKIM_RESULT_PERMERROR, "no key for signature"},
		[DKIM_FAILURE_DNS] = {DKIM_RESULT_TEMPERROR, "key lookup failed"},
		[DKIM_FAILURE_KEY] = {DKIM_RESULT_PERMERROR, "unusable key record"},
		[DKIM_FAILURE_EXPIRED] = {DKIM_RESULT_PERMERROR,
					  "signature expired or in the future"},
		[DKIM_FAILURE_SYNTAX] = {DKIM_RESULT_PERMERROR, "signature syntax error"},
		[DKIM_FAILURE_OTHER] = {DKIM_RESULT_PERMERROR, "signature not usable"},
	};
	if (!f->lib_pass) {
		*reason_r = failures[f->failure].reason;
		return failures[f->failure].result;
	}
	*reason_r = NULL;
	if (f->alg == DKIM_ALG_RSA_SHA1)
		*reason_r = "rsa-sha1 is not accepted";
	else if (f->alg == DKIM_ALG_RSA_SHA256 && f->key_bits < p->min_key_bits)
		*reason_r = "key too short";
	else if (f->length_tag >= 0 && f->body_length > f->length_tag && !p->allow_unsigned_body)
		*reason_r = "l= leaves body content unsigned";
	else if (f->from_signed < f->from_fields)
		*reason_r = "more From fields than signed";
	return *reason_r != NULL ? DKIM_RESULT_POLICY : DKIM_RESULT_PASS;
}

void dkim_sig_results_free(struct dkim_sig_result **rp, size_t n)
{
	struct dkim_sig_result *r = *rp;
	if (r == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(r[i].domain);
		free(r[i].selector);
		free(r[i].identity);
		free(r[i].b_prefix);
	}
	free(r);
	*rp = NULL;
}

/* Key lookups. libopendkim as Debian builds it takes res_nquery()'s -1 for
 * NXDOMAIN as a failed lookup (temperror), where RFC 6376 6.1.2 says a key
 * that does not exist is a permanent failure. These replace its resolver:
 * an answer with NOERROR or NXDOMAIN goes to libopendkim, which finds "no
 * key" in an NXDOMAIN or an empty answer; SERVFAIL, REFUSED and no answer
 * at all are failed lookups. The resolver is synchronous (as libopendkim's
 * own), with its own state per query so lookups of different threads do
 * not meet. */
static int engine_dns_start(void *srv, int type, unsigned char *query, unsigned char *buf,
			    size_t buflen, void **qh)
{
	const struct dkim_verify_lib *l = srv;
	struct engine_dns_query *q = xcalloc(1, sizeof(*q));
	struct __res_state st;
	unsigned char packet[NS_PACKETSZ];

	q->status = DKIM_DNS_ERROR;
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) == 0) {
		st.retrans = l->dns_timeout;
		st.retry = 1;
		int n = res_nmkquery(&st, ns_o_query, (const char *)query, ns_c_in, type, NULL, 0,
				     NULL, packet, sizeof(packet));
		int len = n > 0 ? res_nsend(&st, packet, n, buf, (int)buflen) : -1;
		if (len >= NS_HFIXEDSZ) {
			int rcode = buf[3] & 0x0f;
			if (rcode == ns_r_noerror || rcode == ns_r_nxdomain) {
				q->status = DKIM_DNS_SUCCESS;
				q->len = (size_t)len;
			}
		}
		res_nclose(&st);
	}
	*qh = q;
	return DKIM_DNS_SUCCESS;
}

static int engine_dns_wait(void *srv, void *qh, struct timeval *to, size_t *bytes, int *error,
			   int *dnssec)
{
	const struct engine_dns_query *q = qh;
	if (bytes != NULL)
		*bytes = q->len;
	if (error != NULL)
		*error = 0;
	if (dnssec != NULL)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	return q->status;
}

static int engine_dns_cancel(void *srv, void *qh)
{
	free(qh);
	return 0;
}

/* The service handle is our dkim_verify_lib: nothing to set up or close. */
static int engine_dns_init(void **srv)
{
	return 0;
}

static void engine_dns_close(void *srv)
{
}

int dkim_verify_lib_new(const struct dkim_verify_opts *o, struct dkim_verify_lib **lib_r,
			char **error_r)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	if (lib == NULL) {
		*error_r = xstrdup("libopendkim: dkim_init failed");
		return -1;
	}
	unsigned flags = DKIM_LIBFLAGS_BADSIGHANDLES;
	if (dkim_libfeature(lib, DKIM_FEATURE_QUERY_CACHE))
		flags |= DKIM_LIBFLAGS_CACHE;
	/* Our own floor applies (dkim_engine_decide): libopendkim's must not
	 * hide a short key behind a failure. */
	unsigned min_bits = 1;
	unsigned timeout = (unsigned)o->dns_timeout;
	int ok = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags)) ==
			 DKIM_STAT_OK &&
		 dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &min_bits,
			      sizeof(min_bits)) == DKIM_STAT_OK &&
		 dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT, &timeout, sizeof(timeout)) ==
			 DKIM_STAT_OK;
	if (ok && o->key_file != NULL) {
		dkim_query_t method = DKIM_QUERY_FILE;
		ok = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &method,
				  sizeof(method)) == DKIM_STAT_OK &&
		     dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, (void *)o->key_file,
				  strlen(o->key_file)) == DKIM_STAT_OK;
	}
	if (!ok) {
		dkim_close(lib);
		*error_r = xstrdup("libopendkim: cannot set its options");
		return -1;
	}
	struct dkim_verify_lib *l = xcalloc(1, sizeof(*l));
	l->lib = lib;
	l->dns_timeout = o->dns_timeout > 0 ? (int)o->dns_timeout : 1;
	/* Close libopendkim's own resolver before ours takes its place. */
	dkim_dns_close(lib);
	dkim_dns_set_init(lib, engine_dns_init);
	dkim_dns_set_close(lib, engine_dns_close);
	dkim_dns_set_query_service(lib, l);
	dkim_dns_set_query_start(lib, engine_dns_start);
	dkim_dns_set_query_waitreply(lib, engine_dns_wait);
	dkim_dns_set_query_cancel(lib, engine_dns_cancel);
	*lib_r = l;
	return 1;
}

void dkim_verify_lib_free(struct dkim_verify_lib **lp)
{
	struct dkim_verify_lib *l = *lp;
	if (l == NULL)
		return;
	dkim_close(l->lib);
	free(l);
	*lp = NULL;
}

struct dkim_verifier *dkim_verifier_new(struct dkim_verify_lib *lib, const char *id, char **error_r)
{
	DKIM_STAT st;
	DKIM *dkim = dkim_verify(lib->lib, (const unsigned char *)id, NULL, &st);
	if (dkim == NULL) {
		*error_r = xasprintf("libopendkim: %s", dkim_getresultstr(st));
		return NULL;
	}
	struct dkim_verifier *v = xcalloc(1, sizeof(*v));
	v->dkim = dkim;
	buf_init(&v->field, 0);
	return v;
}

void dkim_verifier_free(struct dkim_verifier **vp)
{
	struct dkim_verifier *v = *vp;
	if (v == NULL)
		return;
	dkim_free(v->dkim);
	buf_deinit(&v->field);
	free(v);
	*vp = NULL;
}

static int engine_error(struct dkim_verifier *v, const char *step, DKIM_STAT st, char **error_r)
{
	const char *detail = dkim_geterror(v->dkim);
	*error_r = xasprintf("libopendkim %s: %s%s%s", step, dkim_getresultstr(st),
			     detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return -1;
}

int dkim_verifier_header(struct dkim_verifier *v, const char *name, const char *value,
			 char **error_r)
{
	buf_reset(&v->field);
	buf_printf(&v->field, "%s:%s", name, value);
	DKIM_STAT st = dkim_header(v->dkim, (u_char *)v->field.data, v->field.len);
	/* A field libopendkim finds malformed is judged with the signatures. */
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX)
		return engine_error(v, "header", st, error_r);
	return 1;
}

int dkim_verifier_eoh(struct dkim_verifier *v, char **error_r)
{
	DKIM_STAT st = dkim_eoh(v->dkim);
	if (st == DKIM_STAT_NOSIG) {
		v->nosig = 1;
		return 0;
	}
	/* Signatures that do not parse still come back from dkim_eom. */
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX && st != DKIM_STAT_CANTVRFY)
		return engine_error(v, "end of header", st, error_r);
	return 1;
}

int dkim_verifier_body(struct dkim_verifier *v, const void *data, size_t len, char **error_r)
{
	if (v->nosig)
		return 1;
	DKIM_STAT st = dkim_body(v->dkim, (u_char *)data, len);
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX && st != DKIM_STAT_CANTVRFY)
		return engine_error(v, "body", st, error_r);
	return 1;
}

static enum dkim_sig_failure engine_failure(DKIM_SIGINFO *sig)
{
	if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH)
		return DKIM_FAILURE_BODYHASH;
	switch (dkim_sig_geterror(sig)) {
	case DKIM_SIGERROR_OK:
		return DKIM_FAILURE_NONE;
	case DKIM_SIGERROR_BADSIG:
		return DKIM_FAILURE_BADSIG;
	case DKIM_SIGERROR_NOKEY:
		return DKIM_FAILURE_NOKEY;
	case DKIM_SIGERROR_KEYFAIL:
		return DKIM_FAILURE_DNS;
	case DKIM_SIGERROR_DNSSYNTAX:
	case DKIM_SIGERROR_MULTIREPLY:
	case DKIM_SIGERROR_KEYVERSION:
	case DKIM_SIGERROR_KEYUNKNOWNHASH:
	case DKIM_SIGERROR_KEYHASHMISMATCH:
	case DKIM_SIGERROR_NOTEMAILKEY:
	case DKIM_SIGERROR_KEYTYPEMISSING:
	case DKIM_SIGERROR_KEYTYPEUNKNOWN:
	case DKIM_SIGERROR_KEYREVOKED:
	case DKIM_SIGERROR_KEYDECODE:
	case DKIM_SIGERROR_KEYTOOSMALL:
		return DKIM_FAILURE_KEY;
	case DKIM_SIGERROR_EXPIRED:
	case DKIM_SIGERROR_FUTURE:
	case DKIM_SIGERROR_TIMESTAMPS:
		return DKIM_FAILURE_EXPIRED;
	case DKIM_SIGERROR_UNKNOWN:
	case DKIM_SIGERROR_MBSFAILED:
	case DKIM_SIGERROR_CONDITIONAL:
	case DKIM_SIGERROR_CONDLOOP:
		return DKIM_FAILURE_OTHER;
	default:
		return DKIM_FAILURE_SYNTAX;
	}
}

static enum dkim_sig_alg engine_alg(DKIM_SIGINFO *sig, const char **name_r)
{
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
	dkim_sig_getsignalg(sig, &alg);
	switch (alg) {
	case DKIM_SIGN_RSASHA1:
		*name_r = "rsa-sha1";
		return DKIM_ALG_RSA_SHA1;
	case DKIM_SIGN_RSASHA256:
		*name_r = "rsa-sha256";
		return DKIM_ALG_RSA_SHA256;
	case DKIM_SIGN_ED25519SHA256:
		*name_r = "ed25519-sha256";
		return DKIM_ALG_ED25519_SHA256;
	default:
		*name_r = "unknown";
		return DKIM_ALG_UNKNOWN;
	}
}

/* engine_count_from: how often the h= list names From. */
static unsigned engine_count_from(DKIM_SIGINFO *sig)
{
	const u_char *h = dkim_sig_gettagvalue(sig, false, (u_char *)"h");
	unsigned n = 0;
	if (h == NULL)
		return 0;
	for (const char *p = (const char *)h; *p != '\0';) {
		p += strspn(p, " \t\r\n:");
		size_t len = strcspn(p, " \t\r\n:");
		if (len == 4 && strncasecmp(p, "from", 4) == 0)
			n++;
		p += len;
	}
	return n;
}

/* engine_tag: a tag's value without folding white space (malloc'd), or
 * NULL when absent; at most max characters (0: all). */
static char *engine_tag(DKIM_SIGINFO *sig, const char *tag, size_t max)
{
	const u_char *v = dkim_sig_gettagvalue(sig, false, (u_char *)tag);
	if (v == NULL)
		return NULL;
	struct buf out;
	buf_init(&out, 0);
	for (const char *p = (const char *)v; *p != '\0' && (max == 0 || out.len < max); p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			buf_append_char(&out, *p);
	char *s = buf_detach(&out);
	buf_deinit(&out);
	return s;
}

int dkim_verifier_finish(struct dkim_verifier *v, const struct dkim_policy *p, unsigned from_fields,
			 struct dkim_sig_result **r_r, size_t *n_r, char **error_r)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;
	*r_r = NULL;
	*n_r = 0;
	if (v->nosig)
		return 1;
	DKIM_STAT st = dkim_eom(v->dkim, NULL);
	if (st == DKIM_STAT_NOSIG)
		return 1;
	if (st == DKIM_STAT_INTERNAL || st == DKIM_STAT_NORESOURCE || st == DKIM_STAT_INVALID)
		return engine_error(v, "end of message", st, error_r);
	if (dkim_getsiglist(v->dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs <= 0)
		return 1;
	struct dkim_sig_result *r = xcalloc((size_t)nsigs, sizeof(*r));
	size_t n = 0;
	for (int i = 0; i < nsigs; i++) {
		DKIM_SIGINFO *sig = sigs[i];
		unsigned flags = dkim_sig_getflags(sig);
		if ((flags & DKIM_SIGFLAG_IGNORE) != 0)
			continue;
		struct dkim_sig_facts f = {0};
		ssize_t msglen = 0, canonlen = 0, signlen = -1;
		f.lib_pass = (flags & DKIM_SIGFLAG_PASSED) != 0 &&
			     dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH;
		f.failure = engine_failure(sig);
		f.alg = engine_alg(sig, &r[n].alg);
		if (dkim_sig_getkeysize(sig, &f.key_bits) != DKIM_STAT_OK)
			f.key_bits = 0;
		dkim_sig_getcanonlen(v->dkim, sig, &msglen, &canonlen, &signlen);
		f.length_tag =
			dkim_sig_gettagvalue(sig, false, (u_char *)"l") != NULL ? signlen : -1;
		f.body_length = msglen;
		f.from_fields = from_fields;
		f.from_signed = engine_count_from(sig);
		r[n].result = dkim_engine_decide(&f, p, &r[n].reason);
		r[n].key_bits = f.key_bits;
		r[n].domain = engine_tag(sig, "d", 0);
		r[n].selector = engine_tag(sig, "s", 0);
		r[n].identity = engine_tag(sig, "i", 0);
		r[n].b_prefix = engine_tag(sig, "b", 8);
		n++;
	}
	*r_r = r;
	*n_r = n;
	if (n == 0)
		dkim_sig_results_free(r_r, 0);
	return 1;
}

int dkim_address_parse(const char *value, char **user_r, char **domain_r)
{
	/* dkim_mail_parse works in place, on one line. */
	char *copy = xstrdup(value);
	for (char *p = copy; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	u_char *user = NULL, *domain = NULL;
	int ok = dkim_mail_parse((u_char *)copy, &user, &domain) == 0 && user != NULL &&
		 domain != NULL && *domain != '\0';
	if (ok) {
		*user_r = xstrdup((char *)user);
		*domain_r = xstrdup((char *)domain);
	}
	free(copy);
	return ok ? 1 : 0;
}

void dkim_engine_version(char *buf, size_t size)
{
	uint32_t v = dkim_libversion();
	snprintf(buf, size, "%u.%u.%u", (unsigned)(v >> 24), (unsigned)((v >> 16) & 0xff),
		 (unsigned)((v >> 8) & 0xff));
}

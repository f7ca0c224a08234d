/* spf_dns.c: the caching resolver layer under libspf2 (see spf_dns.h).
 * Queries go out with res_nsend() (UDP, TCP when truncated, the servers
 * and timeouts of resolv.conf) so that the whole answer is at hand: the
 * records' TTLs and, for a negative answer, the SOA of the authority
 * section. An entry in the cache is the answer as libspf2 wants it,
 * flattened: h_errno, the record count, then each record's bytes with
 * their length. A request's own answers (spf_dns_set_answers) are kept the
 * same way, in a store of their own. */
#include "config.h"

#include "spf_dns.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spf2/spf_dns_rr.h>

#include "buf.h"
#include "mem.h"
#include "spf_cache.h"

/* A request's own answers are kept for as long as the request lives: the
 * store's TTL only has to outlast it. */
#define REQUEST_ANSWER_TTL (7 * 24 * 3600)
#define REQUEST_ANSWERS_MAX 64

struct dns_layer {
	struct __res_state res;
	struct spf_cache *cache;   /* shared by the engines */
	struct spf_cache *answers; /* the request's own; NULL: none */
	int offline;		   /* never ask the servers: note what is missing */
	char *missing;		   /* offline: the first answer that was missing */
	ns_type missing_type;
	unsigned char answer[65536];
};

/* record_len: the bytes of record i of rr as libspf2 holds them. */
static size_t record_len(const SPF_dns_rr_t *rr, int i)
{
	switch (rr->rr_type) {
	case ns_t_a:
		return sizeof(struct in_addr);
	case ns_t_aaaa:
		return sizeof(struct in6_addr);
	default:
		return strlen(rr->rr[i]->txt) + 1;
	}
}

static void cache_store(struct spf_cache *cache, const char *key, const SPF_dns_rr_t *rr,
			uint32_t ttl)
{
	struct buf b;
	int32_t head[2] = {rr->herrno, rr->num_rr};
	buf_init(&b, 0);
	buf_append(&b, head, sizeof(head));
	for (int i = 0; i < rr->num_rr; i++) {
		uint32_t len = (uint32_t)record_len(rr, i);
		buf_append(&b, &len, sizeof(len));
		buf_append(&b, rr->rr[i], len);
	}
	spf_cache_put_data(cache, key, buf_cstr(&b), buf_len(&b), time(NULL), (time_t)ttl);
	buf_deinit(&b);
}

/* cache_load: the answer cached for key, or NULL. */
static SPF_dns_rr_t *cache_load(SPF_dns_server_t *layer, struct spf_cache *cache, const char *key,
				const char *domain, ns_type type)
{
	char *data;
	size_t len;
	int32_t head[2];
	if (!spf_cache_get_data(cache, key, time(NULL), &data, &len))
		return NULL;
	memcpy(head, data, sizeof(head));
	SPF_dns_rr_t *rr = SPF_dns_rr_new_init(layer, domain, type, 0, head[0]);
	size_t off = sizeof(head);
	for (int i = 0; i < head[1]; i++) {
		uint32_t n;
		memcpy(&n, data + off, sizeof(n));
		off += sizeof(n);
		if (SPF_dns_rr_buf_realloc(rr, i, n) != SPF_E_SUCCESS)
			break;
		memcpy(rr->rr[i], data + off, n);
		off += n;
		rr->num_rr = i + 1;
	}
	free(data);
	return rr;
}

/* add_record: rdata of an answer record of the type asked for, in
 * libspf2's form (TXT: the character strings joined; MX, PTR: the name). */
static int add_record(SPF_dns_rr_t *rr, const ns_msg *msg, const ns_rr *r)
{
	const unsigned char *rdata = ns_rr_rdata(*r);
	size_t rdlen = ns_rr_rdlen(*r);
	char name[NS_MAXDNAME];
	int i = rr->num_rr;
	switch (rr->rr_type) {
	case ns_t_a:
	case ns_t_aaaa: {
		size_t size = rr->rr_type == ns_t_a ? sizeof(struct in_addr)
						    : sizeof(struct in6_addr);
		if (rdlen != size || SPF_dns_rr_buf_realloc(rr, i, size) != SPF_E_SUCCESS)
			return 0;
		memcpy(rr->rr[i], rdata, size);
		break;
	}
	case ns_t_mx:
	case ns_t_ptr: {
		const unsigned char *at = rr->rr_type == ns_t_mx ? rdata + NS_INT16SZ : rdata;
		if ((rr->rr_type == ns_t_mx && rdlen < NS_INT16SZ) ||
		    ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), at, name,
				       sizeof(name)) < 0 ||
		    SPF_dns_rr_buf_realloc(rr, i, strlen(name) + 1) != SPF_E_SUCCESS)
			return 0;
		strcpy(rr->rr[i]->txt, name);
		break;
	}
	case ns_t_txt: {
		if (SPF_dns_rr_buf_realloc(rr, i, rdlen + 1) != SPF_E_SUCCESS)
			return 0;
		char *out = rr->rr[i]->txt;
		size_t off = 0;
		while (off < rdlen) {
			size_t n = rdata[off++];
			if (n > rdlen - off)
				n = rdlen - off;
			memcpy(out, rdata + off, n);
			out += n;
			off += n;
		}
		*out = '\0';
		break;
	}
	default:
		return 0;
	}
	rr->num_rr = i + 1;
	return 1;
}

/* negative_ttl: RFC 2308 section 5: min(SOA TTL, SOA MINIMUM) of the
 * authority section; 0 (do not keep) without a SOA. */
static uint32_t negative_ttl(ns_msg *msg)
{
	ns_rr r;
	for (int i = 0; i < ns_msg_count(*msg, ns_s_ns); i++) {
		if (ns_parserr(msg, ns_s_ns, i, &r) < 0)
			return 0;
		if (ns_rr_type(r) != ns_t_soa || ns_rr_rdlen(r) < 5 * NS_INT32SZ)
			continue;
		const unsigned char *minimum = ns_rr_rdata(r) + ns_rr_rdlen(r) - NS_INT32SZ;
		uint32_t min = ns_get32(minimum);
		return min < ns_rr_ttl(r) ? min : ns_rr_ttl(r);
	}
	return 0;
}

/* parse_answer: the DNS message answer (len bytes) to a question for
 * domain and type, in libspf2's form, with *ttl_r how long it may be kept
 * (0: not at all). */
static SPF_dns_rr_t *parse_answer(SPF_dns_server_t *layer, const char *domain, ns_type type,
				  const unsigned char *answer, int len, uint32_t *ttl_r)
{
	ns_msg msg;
	ns_rr r;
	*ttl_r = 0;
	if (len < 0 || ns_initparse(answer, len, &msg) < 0)
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	switch (ns_msg_getflag(msg, ns_f_rcode)) {
	case ns_r_noerror:
		break;
	case ns_r_nxdomain:
		*ttl_r = negative_ttl(&msg);
		return SPF_dns_rr_new_init(layer, domain, type, 0, HOST_NOT_FOUND);
	case ns_r_servfail:
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	default:
		return SPF_dns_rr_new_init(layer, domain, type, 0, NO_RECOVERY);
	}
	SPF_dns_rr_t *rr = SPF_dns_rr_new_init(layer, domain, type, 0, NETDB_SUCCESS);
	uint32_t ttl = UINT32_MAX;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &r) < 0) {
			rr->herrno = TRY_AGAIN;
			rr->num_rr = 0;
			return rr;
		}
		/* the CNAMEs of a chain come with the records at its end */
		if (ns_rr_type(r) != type || ns_rr_class(r) != ns_c_in)
			continue;
		if (add_record(rr, &msg, &r) && ns_rr_ttl(r) < ttl)
			ttl = ns_rr_ttl(r);
	}
	if (rr->num_rr == 0) {
		rr->herrno = NO_DATA;
		ttl = negative_ttl(&msg);
	}
	*ttl_r = ttl;
	return rr;
}

/* query: ask the servers; the answer, with *ttl_r how long it may be kept. */
static SPF_dns_rr_t *query(SPF_dns_server_t *layer, struct dns_layer *d, const char *domain,
			   ns_type type, uint32_t *ttl_r)
{
	unsigned char q[NS_PACKETSZ];
	*ttl_r = 0;
	int qlen = res_nmkquery(&d->res, ns_o_query, domain, ns_c_in, type, NULL, 0, NULL, q,
				sizeof(q));
	if (qlen < 0)
		return SPF_dns_rr_new_init(layer, domain, type, 0, NO_RECOVERY);
	int n = res_nsend(&d->res, q, qlen, d->answer, sizeof(d->answer));
	return parse_answer(layer, domain, type, d->answer, n, ttl_r);
}

/* cache_key: "TYPE domain", lower case, without a final dot (malloc'd). */
static char *cache_key(const char *domain, ns_type type)
{
	char *key = xasprintf("%d %s", (int)type, domain);
	for (char *p = key; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	size_t len = strlen(key);
	if (len > 0 && key[len - 1] == '.')
		key[len - 1] = '\0';
	return key;
}

/* keep: an answer just obtained goes to the shared cache (for its TTL) and
 * to the request's own answers (whatever it is). */
static void keep(struct dns_layer *d, const char *key, const SPF_dns_rr_t *rr, uint32_t ttl)
{
	if (d->cache != NULL && ttl > 0)
		cache_store(d->cache, key, rr, ttl);
	if (d->answers != NULL)
		cache_store(d->answers, key, rr, REQUEST_ANSWER_TTL);
}

static SPF_dns_rr_t *layer_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
				  int should_cache)
{
	struct dns_layer *d = layer->hook;
	char *key = cache_key(domain, type);
	SPF_dns_rr_t *rr = NULL;
	if (d->answers != NULL)
		rr = cache_load(layer, d->answers, key, domain, type);
	if (rr == NULL && d->cache != NULL)
		rr = cache_load(layer, d->cache, key, domain, type);
	if (rr != NULL) {
		free(key);
		return rr;
	}
	if (d->offline) {
		/* the first answer missing is the one to fetch; the evaluation
		 * goes on to its end but its result is not used */
		if (d->missing == NULL) {
			d->missing = xstrdup(domain);
			d->missing_type = type;
		}
		free(key);
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	}
	uint32_t ttl;
	rr = query(layer, d, domain, type, &ttl);
	keep(d, key, rr, ttl);
	free(key);
	return rr;
}

void spf_dns_set_answers(SPF_dns_server_t *layer, struct spf_cache *answers, int offline)
{
	struct dns_layer *d = layer->hook;
	d->answers = answers;
	d->offline = offline;
	FREE_AND_NULL(d->missing);
}

const char *spf_dns_missing(SPF_dns_server_t *layer, int *type_r)
{
	struct dns_layer *d = layer->hook;
	*type_r = (int)d->missing_type;
	return d->missing;
}

int spf_dns_known(SPF_dns_server_t *layer, const char *domain, int type)
{
	struct dns_layer *d = layer->hook;
	char *key = cache_key(domain, (ns_type)type);
	time_t now = time(NULL);
	int known = (d->answers != NULL && spf_cache_contains(d->answers, key, now)) ||
		    (d->cache != NULL && spf_cache_contains(d->cache, key, now));
	free(key);
	return known;
}

void spf_dns_add_answer(SPF_dns_server_t *layer, const char *domain, int type,
			const unsigned char *answer, int len)
{
	struct dns_layer *d = layer->hook;
	uint32_t ttl;
	char *key = cache_key(domain, (ns_type)type);
	SPF_dns_rr_t *rr = parse_answer(layer, domain, (ns_type)type, answer, len, &ttl);
	keep(d, key, rr, ttl);
	SPF_dns_rr_free(rr);
	free(key);
}

struct spf_cache *spf_dns_answers_new(void)
{
	return spf_cache_new(REQUEST_ANSWERS_MAX, REQUEST_ANSWER_TTL);
}

static void layer_destroy(SPF_dns_server_t *layer)
{
	struct dns_layer *d = layer->hook;
	res_nclose(&d->res);
	free(d->missing);
	free(d);
	free(layer);
}

SPF_dns_server_t *spf_dns_new(struct spf_cache *cache, char **error_r)
{
	struct dns_layer *d = xcalloc(1, sizeof(*d));
	if (res_ninit(&d->res) != 0) {
		free(d);
		*error_r = xstrdup("cannot set up the resolver (resolv.conf)");
		return NULL;
	}
	/* one UDP socket per layer for all its queries, not one per query
	 * (socket, connect, close: three system calls less each time) */
	d->res.options |= RES_STAYOPEN;
	d->cache = cache;
	SPF_dns_server_t *layer = xcalloc(1, sizeof(*layer));
	layer->destroy = layer_destroy;
	layer->lookup = layer_lookup;
	layer->name = "postern-dns";
	layer->hook = d;
	return layer;
}

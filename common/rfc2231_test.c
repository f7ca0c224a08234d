/* rfc2231_test.c: MIME parameter lists: quoting, comments, RFC 2231
 * sections in any order, charsets and percent-encoding, Postfix's reading
 * of a value, and every kind of broken list. */
#include <stdio.h>
#include <string.h>

#include "rfc2231.h"
#include "tap.h"

/* render: "name=value" per parameter, "*" after extended names, the
 * charset and language in parentheses, the junk text in brackets. */
static void render(const struct rfc2231_params *p, struct buf *out)
{
	for (size_t i = 0; i < p->count; i++) {
		const struct rfc2231_param *pp = &p->v[i];
		buf_printf(out, "%s%s%s=%s", i ? "|" : "", pp->name,
			   pp->flags & RFC2231_EXTENDED ? "*" : "", pp->value);
		if (pp->charset != NULL)
			buf_printf(out, "(%s'%s)", pp->charset, pp->language);
		if (pp->flags & RFC2231_JUNK)
			buf_printf(out, "[%s]", pp->raw);
	}
}

static const struct {
	const char *in;
	const char *want;
	unsigned defects;
	const char *name;
} cases[] = {
    {"; charset=us-ascii", "charset=us-ascii", 0, "a token"},
    {"; Name=\"a \\\"b\\\".txt\"", "name=a \"b\".txt", 0, "quoted with quoted pairs"},
    {" ; a = b ; c=d;", "a=b|c=d", 0, "white space and a trailing ;"},
    {"; a=(comment)b", "a=b", 0, "comment skipped"},
    {"; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
     "title*=This is ***fun***(us-ascii'en-us)", 0, "RFC 2231 section 4 example"},
    {"; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
     "url*=ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar", 0,
     "RFC 2231 section 3 continuations"},
    {"; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20;"
     " title*2=\"isn't it!\"",
     "title*=This is even more ***fun*** isn't it!(us-ascii'en)", 0,
     "RFC 2231 section 4.1 mixed sections"},
    {"; filename*1=\"b.exe\"; filename*0=\"a\"", "filename*=ab.exe", 0, "sections out of order"},
    {"; f*2=c; x=1; f*0=a; f*1=b", "f*=abc|x=1", 0, "sections interleaved with others"},
    {"; filename*=UTF-8''%C3%A9t%C3%A9.pdf", "filename*=\xc3\xa9t\xc3\xa9.pdf(UTF-8')", 0,
     "UTF-8 percent-encoded"},
    {"; filename*=iso-8859-1'fr'%E9t%E9.pdf", "filename*=\xc3\xa9t\xc3\xa9.pdf(iso-8859-1'fr)", 0,
     "Latin-1 converted to UTF-8"},
    {"; filename*0*=utf-8''%C3; filename*1*=%A9.exe", "filename*=\xc3\xa9.exe(utf-8')", 0,
     "a character split across sections"},
    {"; filename=\"plain.txt\"; filename*=utf-8''ext.exe",
     "filename=plain.txt|filename*=ext.exe(utf-8')", 0, "both forms kept"},
    {"; a*0=x; a*2=z", "a*=xz", RFC2231_SECTIONS, "missing section"},
    {"; a*1=y; a*2=z", "a*=yz", RFC2231_SECTIONS, "no section 0"},
    {"; a*0=x; a*0=y", "a*=x", RFC2231_SECTIONS, "duplicate section: first wins"},
    {"; a*=utf-8''%ZZ%4", "a*=%ZZ%4(utf-8')", RFC2231_PERCENT, "bad percent-encoding kept"},
    {"; a*=x-unknown''%41bc", "a*=Abc(x-unknown')", RFC2231_CHARSET, "unknown charset"},
    {"; a*=utf-8''%FF", "a*=\xef\xbf\xbd(utf-8')", RFC2231_CHARSET, "invalid UTF-8"},
    {"; a*=abc", "a*=abc", RFC2231_SYNTAX, "encoded without charset'lang'"},
    {"; filename=my file.exe", "filename=my[my file.exe]", RFC2231_SYNTAX,
     "unquoted space: the token and the whole text"},
    {"; boundary==_abc", "boundary==[=_abc]", RFC2231_SYNTAX,
     "a special character as the value, as Postfix reads it"},
    {"; =x; b; c=", "", RFC2231_SYNTAX, "items that are not name=value"},
    {"junk here; a=b", "a=b", RFC2231_SYNTAX, "junk before the first ;"},
    {"; a=\"abc", "a=abc", RFC2231_UNCLOSED, "unclosed quoted string"},
    {"; a=b (comment", "a=b", RFC2231_UNCLOSED, "unclosed comment"},
    {"; a*1234567890=x", "a*1234567890=x", RFC2231_SYNTAX, "section number too long"},
    {"; a*x=y", "a*x=y", RFC2231_SYNTAX, "not a section number"},
    {"", "", 0, "no parameters"},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rfc2231_params p;
		struct header_lexer lx;
		struct buf out;
		rfc2231_params_init(&p);
		buf_init(&out, 0);
		header_lexer_init(&lx, cases[i].in, strlen(cases[i].in), HEADER_TSPECIALS);
		rfc2231_params_parse(&p, &lx);
		render(&p, &out);
		tap_is_str(buf_cstr(&out), cases[i].want, "%s", cases[i].name);
		tap_is_int(p.defects, cases[i].defects, "%s: defects", cases[i].name);
		rfc2231_params_deinit(&p);
		buf_deinit(&out);
	}
}

static void test_find(void)
{
	const char *in = "; filename=\"plain.txt\"; filename*=utf-8''ext.exe; size=3";
	struct rfc2231_params p;
	struct header_lexer lx;

	rfc2231_params_init(&p);
	header_lexer_init(&lx, in, strlen(in), HEADER_TSPECIALS);
	rfc2231_params_parse(&p, &lx);
	const struct rfc2231_param *pp = rfc2231_params_find(&p, "filename");
	tap_is_str(pp != NULL ? pp->value : NULL, "ext.exe", "find prefers the RFC 2231 form");
	pp = rfc2231_params_find(&p, "size");
	tap_is_str(pp != NULL ? pp->value : NULL, "3", "find a plain parameter");
	tap_ok(rfc2231_params_find(&p, "none") == NULL, "find: absent is NULL");
	tap_ok(p.bytes > 0, "the list counts its memory");
	rfc2231_params_deinit(&p);
	tap_is_int((long long)p.count, 0, "deinit empties the list");
}

static void test_too_many(void)
{
	struct buf in;
	struct rfc2231_params p;
	struct header_lexer lx;

	buf_init(&in, 0);
	for (int i = 0; i < RFC2231_MAX_SECTIONS + 50; i++)
		buf_printf(&in, "; p%d=v", i);
	rfc2231_params_init(&p);
	header_lexer_init(&lx, buf_cstr(&in), buf_len(&in), HEADER_TSPECIALS);
	rfc2231_params_parse(&p, &lx);
	tap_is_int((long long)p.count, RFC2231_MAX_SECTIONS, "items beyond the limit are dropped");
	tap_ok(p.defects & RFC2231_TOO_MANY, "and that is recorded");
	rfc2231_params_deinit(&p);
	buf_deinit(&in);
}

int main(void)
{
	test_table();
	test_find();
	test_too_many();
	return tap_done();
}

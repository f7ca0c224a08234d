/* cleanup_virtual_test.c: virtual_alias_maps expansion: plain, lists,
 * recursion, an address in its own expansion, a loop, extensions, the
 * @domain wild card, bare local parts of local domains, duplicates, the
 * two limits, a table that cannot be opened. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "cfg_list.h"
#include "cleanup_virtual.h"
#include "mem.h"
#include "relay_params.h"
#include "tap.h"

static const char *const maps =
	"inline:{ alias@example.com=target@example.net,"
	" { list@example.com = a@example.com, b@example.org },"
	" a@example.com=a1@example.org,"
	" { keep@example.com = keep@example.com, copy@example.net },"
	" x@example.com=y@example.com, y@example.com=x@example.com,"
	" plus@example.com=plus-target@example.net,"
	" @wild.example=catch@example.net,"
	" bare=bare-target@example.net,"
	" { dup@example.com = d@example.org, d@example.org },"
	" deep1@example.com=deep2@example.com, deep2@example.com=deep3@example.com,"
	" deep3@example.com=deep4@example.com }";

/* expand: the expansion of addr as "a b c", or "error: ..." */
static char *expand(const char *addr, const char *extra_name, const char *extra_value)
{
	struct cfg *defaults = relay_params_defaults_new();
	struct cfg *c = cfg_new(defaults);
	cfg_set(c, "myhostname", "mx.example.com", NULL, 0);
	cfg_set(c, "mydestination", "example.com", NULL, 0);
	cfg_set(c, "virtual_alias_maps", maps, NULL, 0);
	cfg_set(c, "recipient_delimiter", "+", NULL, 0);
	if (extra_name != NULL)
		cfg_set(c, extra_name, extra_value, NULL, 0);
	struct cleanup_virtual *cv = NULL;
	char *error = NULL, *out;
	if (cleanup_virtual_new(c, &cv, &error) < 0) {
		out = xasprintf("config: %s", error);
	} else {
		char **list = NULL;
		size_t n = 0;
		if (cleanup_virtual_expand(cv, addr, &list, &n, &error) <= 0) {
			out = xasprintf("error: %s", error);
		} else {
			struct buf b;
			buf_init(&b, 0);
			for (size_t i = 0; i < n; i++)
				buf_printf(&b, "%s%s", i ? " " : "", list[i]);
			out = buf_detach(&b);
			buf_deinit(&b);
		}
		if (list != NULL)
			cfg_list_free(&list);
	}
	free(error);
	cleanup_virtual_free(&cv);
	cfg_free(&c);
	cfg_free(&defaults);
	return out;
}

static void is(const char *addr, const char *want, const char *name)
{
	char *got = expand(addr, NULL, NULL);
	tap_is_str(got, want, "%s", name);
	free(got);
}

int main(void)
{
	struct cfg *defaults = relay_params_defaults_new();
	struct cleanup_virtual *cv = (struct cleanup_virtual *)1;
	char *error = NULL;
	tap_is_int(cleanup_virtual_new(defaults, &cv, &error), 1, "no virtual_alias_maps: ok");
	tap_ok(cv == NULL, "... and nothing to do");
	cfg_free(&defaults);

	is("nobody@example.org", "nobody@example.org", "no alias: the address itself");
	is("alias@example.com", "target@example.net", "an alias");
	is("ALIAS@Example.COM", "target@example.net", "keys are looked up without regard to case");
	is("list@example.com", "a1@example.org b@example.org", "a list, each expanded in turn");
	is("keep@example.com", "keep@example.com copy@example.net",
	   "an address in its own expansion is kept and ends the recursion");
	char *loop = expand("x@example.com", NULL, NULL);
	tap_ok(strstr(loop, "error: unreasonable virtual_alias_maps map nesting") == loop,
	       "a loop runs into the recursion limit: %s", loop);
	free(loop);
	is("plus+tag@example.com", "plus-target+tag@example.net",
	   "recipient_delimiter: the extension moves to the result");
	is("someone@wild.example", "catch@example.net", "the @domain wild card");
	is("bare@example.com", "bare-target@example.net", "a bare local part, for a local domain");
	is("bare@example.org", "bare@example.org", "... and not for another domain");
	is("dup@example.com", "d@example.org", "duplicates are dropped");

	char *got = expand("deep1@example.com", "virtual_alias_recursion_limit", "2");
	tap_ok(strstr(got, "error: unreasonable virtual_alias_maps map nesting") == got,
	       "virtual_alias_recursion_limit: %s", got);
	free(got);
	got = expand("deep1@example.com", "virtual_alias_recursion_limit", "4");
	tap_is_str(got, "deep4@example.com",
		   "... a chain within the limit (the address itself is level 0, its last "
		   "lookup level 3)");
	free(got);
	got = expand("list@example.com", "virtual_alias_expansion_limit", "1");
	tap_ok(strstr(got, "error: unreasonable virtual_alias_maps map expansion size") == got,
	       "virtual_alias_expansion_limit: %s", got);
	free(got);
	got = expand("a@example.com", "virtual_alias_maps", "texthash:/nonexistent/file");
	tap_ok(strncmp(got, "config: ", 8) == 0, "a table that cannot be opened: %s", got);
	free(got);
	return tap_done();
}

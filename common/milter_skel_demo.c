/* milter_skel_demo.c: a small milter built on the skeleton, for the
 * skeleton's tests (tests/integration/milter_skel.sh). It decides by the
 * message's own header fields:
 *   X-Demo: refuse | later | tag | internal   that outcome ("ok" otherwise)
 *   X-Demo-Sleep: N                           wait N tenths of a second at
 *                                             the end of the message
 *   X-Demo-Early: anything                    refuse at once, from the
 *                                             header hook
 * and at the end of every message it lets through inserts at the top
 *   X-Demo-Seen: greeting=GREETING spool=memory|file size=N queue=ID
 * where GREETING is the demo_greeting parameter of the snapshot the
 * connection started with and size is what the spool holds; the tag
 * action appends "X-Demo-Tag: OUTCOME".
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mem.h"
#include "milter_proto.h"
#include "milter_skel.h"

struct demo_settings {
	char *demo_greeting;
};

enum demo_outcome {
	DEMO_OK,
	DEMO_REFUSED,
	DEMO_LATER,
	DEMO_TAGGED,
	DEMO_TOO_BIG,
};

struct demo_msg {
	int outcome; /* from X-Demo, or MILTER_SKEL_INTERNAL */
	int sleep_tenths;
};

static const struct milter_skel_param demo_params[] = {
	MILTER_PARAM_STR("demo_greeting", "hello", offsetof(struct demo_settings, demo_greeting)),
};

#define DEMO_ALL 0x3fu
static const struct milter_skel_outcome demo_outcomes[] = {
	[DEMO_OK] = {"ok", NULL, "accept", DEMO_ALL, "0.0", "OK"},
	[DEMO_REFUSED] = {"refused", "on_refused", "reject", DEMO_ALL, "7.1",
			  "Refused by the demo"},
	[DEMO_LATER] = {"later", "on_later", "tempfail", DEMO_ALL, "7.1", "Try later"},
	[DEMO_TAGGED] = {"tagged", "on_tagged", "tag", DEMO_ALL, "7.1", "Tagged"},
	[DEMO_TOO_BIG] = {"too_big", "on_too_big", "accept", DEMO_ALL, "3.4", "Too big"},
};

static int demo_mail(struct milter_skel_msg *m, void **data_r)
{
	struct demo_msg *dm = xcalloc(1, sizeof(*dm));
	dm->outcome = DEMO_OK;
	*data_r = dm;
	return MILTER_SKEL_CONTINUE;
}

static int demo_header(struct milter_skel_msg *m, const char *name, const char *value)
{
	struct demo_msg *dm = milter_skel_msg_data(m);
	static const struct {
		const char *word;
		int outcome;
	} words[] = {
		{"refuse", DEMO_REFUSED},
		{"later", DEMO_LATER},
		{"tag", DEMO_TAGGED},
		{"internal", MILTER_SKEL_INTERNAL},
	};
	value += strspn(value, " \t");
	if (strcasecmp(name, "X-Demo-Sleep") == 0)
		dm->sleep_tenths = atoi(value);
	if (strcasecmp(name, "X-Demo-Early") == 0)
		return DEMO_REFUSED;
	if (strcasecmp(name, "X-Demo") != 0)
		return MILTER_SKEL_CONTINUE;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(value, words[i].word) == 0)
			dm->outcome = words[i].outcome;
	return MILTER_SKEL_CONTINUE;
}

static int demo_eom(struct milter_skel_msg *m)
{
	struct demo_msg *dm = milter_skel_msg_data(m);
	const struct demo_settings *s = milter_skel_settings(milter_skel_msg_conn(m));
	struct milter_spool *spool = milter_skel_spool(m);
	const struct timespec tenth = {0, 100 * 1000 * 1000};

	for (int i = 0; i < dm->sleep_tenths; i++)
		nanosleep(&tenth, NULL);
	milter_skel_detail(m, "greeting=%s", s->demo_greeting);
	if (dm->outcome == DEMO_REFUSED)
		milter_skel_reply_detail(m, "as asked");
	if (dm->outcome != DEMO_OK)
		return dm->outcome;
	char *seen = xasprintf("greeting=%s spool=%s size=%zu queue=%s", s->demo_greeting,
			       milter_spool_fd(spool) >= 0 ? "file" : "memory",
			       milter_spool_size(spool), milter_skel_queue_id(m));
	int rc = milter_skel_insheader(m, 0, "X-Demo-Seen", seen);
	free(seen);
	return rc > 0 ? DEMO_OK : MILTER_SKEL_INTERNAL;
}

static void demo_tag(struct milter_skel_msg *m, int outcome)
{
	milter_skel_addheader(m, "X-Demo-Tag", demo_outcomes[outcome].name);
}

static const struct milter_skel_hooks demo_hooks = {
	.mail = demo_mail,
	.msg_free = free,
	.header = demo_header,
	.eom = demo_eom,
	.tag = demo_tag,
};

static const struct milter_skel_def demo_def = {
	.name = "demo",
	.default_socket = "inet:127.0.0.1:9901",
	.params = demo_params,
	.n_params = sizeof(demo_params) / sizeof(demo_params[0]),
	.settings_size = sizeof(struct demo_settings),
	.outcomes = demo_outcomes,
	.n_outcomes = sizeof(demo_outcomes) / sizeof(demo_outcomes[0]),
	.too_big = DEMO_TOO_BIG,
	.actions = MILTER_ACTION_ADDHDRS | MILTER_ACTION_QUARANTINE,
	.spool = 1,
	.hooks = &demo_hooks,
};

int main(int argc, char **argv)
{
	return milter_skel_main(argc, argv, &demo_def);
}

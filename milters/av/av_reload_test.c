/* av_reload_test.c: engines replaced when the database directory changes:
 * a new signature is picked up, a broken database leaves the old engine
 * in use, scans running on other threads never fail during the swaps, the
 * watch follows a new directory, and the shared reloader counts users.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "av_reload.h"
#include "av_testlib.h"
#include "mem.h"
#include "tap.h"

#define DELAY_MS 100

static const char marker[] = "POSTERN-RELOAD-MARKER-STRING";

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* wait_generation: poll until the reloader reaches generation g (5 s). */
static int wait_generation(struct av_reload *r, unsigned g)
{
	for (int i = 0; i < 500; i++) {
		if (av_reload_generation(r) >= g)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

static void write_in(const char *dir, const char *name, const char *content)
{
	char *path = xasprintf("%s/%s", dir, name);
	tap_write_file(path, content);
	free(path);
}

static void remove_in(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	unlink(path);
	free(path);
}

static char *marker_sig(const char *name)
{
	struct buf *b = buf_new(0);
	buf_printf(b, "%s:0:*:", name);
	for (const char *p = marker; *p != '\0'; p++)
		buf_printf(b, "%02x", (unsigned char)*p);
	buf_append_str(b, "\n");
	char *s = buf_detach(b);
	buf_free(&b);
	return s;
}

static enum av_scan_kind scan_text(struct av_engine *e, const char *body, char *name, size_t size)
{
	struct buf *m = av_test_msg_plain(body);
	struct av_scan s;
	av_engine_scan_memory(e, m->data, m->len, &s);
	buf_free(&m);
	if (name != NULL)
		snprintf(name, size, "%s", s.name);
	return s.kind;
}

static void test_watch(const char *db)
{
	struct av_engine_opts o = {.database_directory = db};
	struct av_reload *r = NULL;
	char *error = NULL, name[AV_SCAN_NAME_MAX];

	if (!tap_ok(av_reload_new(&o, DELAY_MS, &r, &error) > 0, "a reloader starts")) {
		tap_diag("%s", error);
		return;
	}
	tap_is_int(av_reload_generation(r), 1, "with its first engine");
	tap_is_int(av_reload_signatures(r), 2, "holding the two test signatures");
	struct av_engine *old = av_reload_engine(r);
	tap_is_int(scan_text(old, marker, NULL, 0), AV_SCAN_CLEAN,
		   "the marker is clean before its signature exists");

	char *sig = marker_sig("Postern.Test.Marker");
	write_in(db, "marker.ndb", sig);
	free(sig);
	tap_ok(wait_generation(r, 2), "a new database file is picked up");
	tap_is_int(av_reload_signatures(r), 3, "the new engine has three signatures");
	struct av_engine *cur = av_reload_engine(r);
	tap_is_int(scan_text(cur, marker, name, sizeof(name)), AV_SCAN_VIRUS,
		   "the new engine knows the new signature");
	tap_ok(strncmp(name, "Postern.Test.Marker", 19) == 0, "named %s", name);
	tap_is_int(scan_text(old, marker, NULL, 0), AV_SCAN_CLEAN,
		   "a scan holding the old engine still works with it");
	av_engine_unref(&old);
	av_engine_unref(&cur);

	write_in(db, ".hidden.tmp", "not a database\n");
	sleep_ms(DELAY_MS * 4);
	tap_is_int(av_reload_generation(r), 2, "hidden files are ignored");

	write_in(db, "broken.ndb", "this is not a signature\n");
	sleep_ms(DELAY_MS * 6);
	tap_is_int(av_reload_generation(r), 2, "a broken database is not swapped in");
	cur = av_reload_engine(r);
	tap_is_int(scan_text(cur, marker, NULL, 0), AV_SCAN_VIRUS,
		   "the previous engine stays in use");
	av_engine_unref(&cur);
	remove_in(db, "broken.ndb");
	tap_ok(wait_generation(r, 3), "removing the broken file reloads");
	remove_in(db, "marker.ndb");
	tap_ok(wait_generation(r, 4), "removing a signature file reloads");
	cur = av_reload_engine(r);
	tap_is_int(scan_text(cur, marker, NULL, 0), AV_SCAN_CLEAN, "the signature is gone");
	av_engine_unref(&cur);

	/* A new directory through av_reload_now(). */
	char *db2 = xasprintf("%s/db2", tap_tmpdir());
	av_test_make_db(db2);
	struct av_engine_opts o2 = {.database_directory = db2, .max_files = 3};
	tap_is_int(av_reload_now(r, &o2, DELAY_MS, &error), 1, "reload now with a new directory");
	tap_is_int(av_reload_generation(r), 5, "swapped in at once");
	cur = av_reload_engine(r);
	struct buf *m = av_test_msg_attachments(8, NULL);
	struct av_scan s;
	av_engine_scan_memory(cur, m->data, m->len, &s);
	tap_is_int(s.kind, AV_SCAN_UNSCANNED, "the new limits apply");
	buf_free(&m);
	av_engine_unref(&cur);
	write_in(db, "other.ndb", "Postern.Test.Other:0:*:414243444546474849\n");
	sleep_ms(DELAY_MS * 4);
	tap_is_int(av_reload_generation(r), 5, "the old directory is no longer watched");
	write_in(db2, "other.ndb", "Postern.Test.Other:0:*:414243444546474849\n");
	tap_ok(wait_generation(r, 6), "the new one is");

	struct av_engine_opts bad = {.database_directory = "/nonexistent/postern-av"};
	error = NULL;
	tap_is_int(av_reload_now(r, &bad, DELAY_MS, &error), -1,
		   "reload now with a missing directory fails");
	tap_ok(error != NULL, "with a message: %s", error != NULL ? error : "");
	free(error);
	tap_is_int(av_reload_generation(r), 6, "and keeps the engine");
	av_reload_free(&r);
	tap_ok(r == NULL, "free clears the pointer");
	av_reload_free(&r);
	free(db2);
}

struct scanner {
	struct av_reload *r;
	atomic_int *stop;
	int scans, wrong;
};

static void *scanner_thread(void *arg)
{
	struct scanner *sc = arg;
	char *e = av_test_eicar();
	struct buf *m = av_test_msg_attachments(2, e);
	while (!atomic_load(sc->stop)) {
		struct av_engine *engine = av_reload_engine(sc->r);
		struct av_scan s;
		av_engine_scan_memory(engine, m->data, m->len, &s);
		av_engine_unref(&engine);
		sc->scans++;
		sc->wrong += s.kind != AV_SCAN_VIRUS;
	}
	buf_free(&m);
	free(e);
	return NULL;
}

static void test_concurrent(const char *db)
{
	struct av_engine_opts o = {.database_directory = db};
	struct av_reload *r = NULL;
	char *error = NULL;
	atomic_int stop = 0;
	struct scanner sc[4];
	pthread_t th[4];

	if (av_reload_new(&o, 0, &r, &error) < 0) {
		tap_diag("%s", error);
		free(error);
		return;
	}
	for (int i = 0; i < 4; i++) {
		sc[i] = (struct scanner){r, &stop, 0, 0};
		pthread_create(&th[i], NULL, scanner_thread, &sc[i]);
	}
	unsigned g = av_reload_generation(r);
	for (int i = 0; i < 8; i++) {
		char content[128];
		snprintf(content, sizeof(content),
			 "Postern.Test.Round%d:0:*:%02x%02x%02x%02x%02x%02x\n", i, 'R', 'O', 'U',
			 'N', 'D', '0' + i);
		write_in(db, "round.ndb", content);
		if (!wait_generation(r, g + 1))
			break;
		g = av_reload_generation(r);
	}
	atomic_store(&stop, 1);
	int scans = 0, wrong = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		scans += sc[i].scans;
		wrong += sc[i].wrong;
	}
	tap_ok(av_reload_generation(r) >= 9, "eight reloads while 4 threads scan (generation %u)",
	       av_reload_generation(r));
	tap_ok(scans > 0, "%d scans ran", scans);
	tap_is_int(wrong, 0, "every scan found the virus, before, during and after the swaps");
	remove_in(db, "round.ndb");
	av_reload_free(&r);
}

static void test_shared(const char *db)
{
	struct av_engine_opts o = {.database_directory = db};
	struct av_reload *a = NULL, *b = NULL;
	char *error = NULL;
	tap_is_int(av_reload_shared_acquire(&o, DELAY_MS, &a, &error), 1, "first user");
	tap_is_int(av_reload_shared_acquire(&o, DELAY_MS, &b, &error), 1, "second user");
	tap_ok(a == b, "both share one reloader");
	tap_is_int(av_reload_generation(b), 2, "the second acquire reloaded");
	struct av_engine_opts bad = {.database_directory = "/nonexistent/postern-av"};
	struct av_reload *c = NULL;
	tap_is_int(av_reload_shared_acquire(&bad, DELAY_MS, &c, &error), -1,
		   "a failing acquire is refused");
	tap_ok(c == NULL, "and gives nothing");
	free(error);
	av_reload_shared_release(&a);
	tap_ok(a == NULL, "release clears the pointer");
	tap_is_int(av_reload_generation(b), 2, "the other user keeps it");
	av_reload_shared_release(&b);
	av_reload_shared_release(&b);
}

int main(void)
{
	char *db = xasprintf("%s/db", tap_tmpdir());
	char *error = NULL;
	av_test_make_db(db);
	struct av_engine_opts o = {.database_directory = "/nonexistent/postern-av"};
	struct av_reload *r = NULL;
	tap_is_int(av_reload_new(&o, DELAY_MS, &r, &error), -1, "a missing directory is an error");
	tap_ok(error != NULL && strstr(error, "/nonexistent/postern-av") != NULL, "named: %s",
	       error != NULL ? error : "");
	free(error);
	test_watch(db);
	test_concurrent(db);
	test_shared(db);
	free(db);
	av_test_rm_tree(tap_tmpdir());
	return tap_done();
}

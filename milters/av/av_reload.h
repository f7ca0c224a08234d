/* av_reload.h: the engine in use, replaced when the signatures change.
 *
 * A reloader holds the current engine (av_engine.h) and watches its
 * database directory with inotify. When files in it change (a new
 * daily.cld from freshclam, a changed .ndb), and then nothing more changes
 * for the configured delay, a thread of the reloader builds a new engine
 * beside the old one and swaps it in. A scan takes a reference to the
 * engine current when it starts, so scans in progress finish with the old
 * engine, later ones use the new one, and no message waits for a load or
 * is refused during one. A database that fails to load is logged
 * (log_error) and the old engine stays in use; the next change tries
 * again. av_reload_now() does the same on demand (SIGHUP), possibly with
 * new settings.
 *
 * The watching thread starts with the first av_reload_engine() call, not
 * at creation: a daemon creates the reloader before it forks into the
 * background, and threads do not survive a fork. All functions are
 * thread-safe.
 *
 * One reloader serves the whole process (every configuration snapshot of
 * the milter shares it): av_reload_shared_acquire() and
 * av_reload_shared_release() count its users.
 */
#ifndef POSTERN_AV_RELOAD_H
#define POSTERN_AV_RELOAD_H

#include "av_engine.h"

struct av_reload;

/* av_reload_new: load the first engine from opts (copied) and start
 * watching opts->database_directory; a change is acted on delay_ms after
 * the last event. Returns 1 with *reload_r, or -1 with *error_r (the
 * database does not load, inotify fails). */
int av_reload_new(const struct av_engine_opts *opts, unsigned delay_ms, struct av_reload **reload_r,
		  char **error_r);

/* av_reload_free: stop the watching thread, drop the reloader's engine
 * reference (scans still holding one keep it alive) and free *reload_r,
 * clearing it. Accepts NULL. */
void av_reload_free(struct av_reload **reload_r);

/* av_reload_engine: a new reference to the current engine; release it
 * with av_engine_unref(). Never NULL. Starts the watching thread the
 * first time. */
struct av_engine *av_reload_engine(struct av_reload *reload);

/* av_reload_now: build an engine from opts (copied; they replace the old
 * ones, and the watch moves if the directory changed) in the calling
 * thread and swap it in. Returns 1, or -1 with *error_r, leaving the
 * engine, the settings and the watch as they were. */
int av_reload_now(struct av_reload *reload, const struct av_engine_opts *opts, unsigned delay_ms,
		  char **error_r);

/* av_reload_signatures: how many signatures the current engine holds.
 * Unlike av_reload_engine(), starts no thread (safe before a fork). */
unsigned av_reload_signatures(struct av_reload *reload);

/* av_reload_generation: how many engines have been swapped in (1 after
 * av_reload_new()); for logging and tests. */
unsigned av_reload_generation(struct av_reload *reload);

/* av_reload_shared_acquire: the process's reloader: created by the first
 * call, reloaded by av_reload_now() on later ones (a configuration
 * reload). Returns 1 with *reload_r (one more user), or -1 with *error_r
 * and nothing changed. */
int av_reload_shared_acquire(const struct av_engine_opts *opts, unsigned delay_ms,
			     struct av_reload **reload_r, char **error_r);

/* av_reload_shared_release: one user fewer; the last frees the reloader.
 * Clears *reload_r; accepts NULL. */
void av_reload_shared_release(struct av_reload **reload_r);

#endif

/* zero-test-proc.h: run a program under test, read its JSON lines, wait for its events.
 *
 * A ZeroTestProc spawns a program (zero-signaling, zero-cli, the browser driver...) with
 * stdout piped and read line by line on the thread-default main context; every line that is
 * a JSON object is kept as an event (`{"event": NAME, ...}` for zero-cli). stderr is copied
 * to the test's stderr with a "[label] " prefix, so logs of several processes stay readable.
 * Waiting iterates the main context until the condition holds or the deadline passes
 * (deadlines are multiplied by $ZERO_TEST_WAIT_SCALE, for sanitizer or valgrind runs).
 * Children get SIGKILL if the test process dies, and zero_test_proc_free() kills and reaps
 * whatever still runs: no process outlives its test.
 *
 *   g_autoptr (ZeroTestProc) sig = zero_test_proc_spawn_signaling (&url, NULL, &error);
 *   g_autoptr (ZeroTestProc) a = zero_test_proc_spawn ("a", argv, &error);
 *   JsonObject *joined = zero_test_proc_wait_event (a, "joined", NULL, NULL, 10000);
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _ZeroTestProc ZeroTestProc;

/* For GTest programs that run media in-process: keeps GStreamer 1.22.0's known harmless
 * GLib critical (rtpsession iterating its source table while RTCP inserts into it,
 * "g_hash_table_foreach: assertion 'version == hash_table->version'", fixed upstream in
 * 1.22.4) from aborting the test; every other warning and critical stays fatal. Call after
 * g_test_init(). */
void          zero_test_tolerate_known_gst_bugs (void);

/* $ZERO_TEST_WAIT_SCALE (default 1; 3 in AddressSanitizer builds). */
guint         zero_test_wait_scale          (void);

/* The path of a program of the build: $ZERO_BUILD_DIR/tools/@name, unless the environment
 * names another (ZERO_CLI_BIN for zero-cli, ZERO_SIGNALING_BIN for zero-signaling). */
char         *zero_test_find_program        (const char *name);

/* Spawns @argv (NULL-terminated; argv[0] a path). @label prefixes its stderr lines. */
ZeroTestProc *zero_test_proc_spawn          (const char         *label,
                                             const char * const *argv,
                                             GError            **error);
/* zero-signaling --port 0 [extra args], waiting (10 s) for its "listening on URL" line;
 * *@url receives the ws:// URL. */
ZeroTestProc *zero_test_proc_spawn_signaling (char              **url,
                                              const char * const *extra_args,
                                              GError            **error);

const char   *zero_test_proc_get_label      (ZeroTestProc *self);
int           zero_test_proc_get_pid        (ZeroTestProc *self);
gboolean      zero_test_proc_is_running     (ZeroTestProc *self);

/* Every stdout line so far (char *), and how many of them were not JSON objects. */
GPtrArray    *zero_test_proc_get_lines      (ZeroTestProc *self);
guint         zero_test_proc_get_n_bad_lines (ZeroTestProc *self);
/* The JSON objects among them, in order (JsonObject *). */
GPtrArray    *zero_test_proc_get_events     (ZeroTestProc *self);

/* Events named @name (the "event" member), optionally with string member @key == @value
 * (@key NULL: any). Find returns the first, last the last, or NULL; count counts. */
JsonObject   *zero_test_proc_find_event     (ZeroTestProc *self,
                                             const char   *name,
                                             const char   *key,
                                             const char   *value);
JsonObject   *zero_test_proc_last_event     (ZeroTestProc *self,
                                             const char   *name,
                                             const char   *key,
                                             const char   *value);
guint         zero_test_proc_count_events   (ZeroTestProc *self,
                                             const char   *name,
                                             const char   *key,
                                             const char   *value);
/* Waits until such an event exists (it may have come already); NULL on timeout. */
JsonObject   *zero_test_proc_wait_event     (ZeroTestProc *self,
                                             const char   *name,
                                             const char   *key,
                                             const char   *value,
                                             guint         timeout_ms);
/* Waits for a new such event, after the first @after events of the process. */
JsonObject   *zero_test_proc_wait_event_after (ZeroTestProc *self,
                                               guint         after,
                                               const char   *name,
                                               const char   *key,
                                               const char   *value,
                                               guint         timeout_ms);
/* Waits for a stdout line starting with @prefix; returns it (owned by @self) or NULL. */
const char   *zero_test_proc_wait_line      (ZeroTestProc *self,
                                             const char   *prefix,
                                             guint         timeout_ms);

/* Sends @signum. */
void          zero_test_proc_kill           (ZeroTestProc *self,
                                             int           signum);
/* Waits for the process to exit and its stdout to be read to the end. FALSE on timeout. */
gboolean      zero_test_proc_wait_exit      (ZeroTestProc *self,
                                             guint         timeout_ms);
/* After exit: the exit code, or 128 + the signal that ended it. */
int           zero_test_proc_get_exit_code  (ZeroTestProc *self);

/* Open file descriptors and resident memory (KiB) of the running process, -1 if gone. */
int           zero_test_proc_count_fds      (ZeroTestProc *self);
gint64        zero_test_proc_rss_kb         (ZeroTestProc *self);

/* Kills (SIGKILL) and reaps the process if it still runs, then frees. */
void          zero_test_proc_free           (ZeroTestProc *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroTestProc, zero_test_proc_free)

/* Member helpers for the JSON events. */
gint64        zero_test_json_int            (JsonObject *object,
                                             const char *path); /* "a.b.c"; -1 if absent */
const char   *zero_test_json_string         (JsonObject *object,
                                             const char *path); /* NULL if absent */
JsonObject   *zero_test_json_object         (JsonObject *object,
                                             const char *path); /* NULL if absent */

G_END_DECLS

/* test-cli.c: zero-cli's contract (CLI.md) from the outside: exit codes, the `error` and
 * `summary` lines, SIGINT, --seconds, --expect-peers and the --echo test call.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <signal.h>
#include <string.h>

#include "zero-test-proc.h"

typedef struct {
  char *url;
  ZeroTestProc *signaling;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  f->signaling = zero_test_proc_spawn_signaling (&f->url, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  zero_test_proc_free (f->signaling);
  g_free (f->url);
}

/* zero-cli with @args (NULL-terminated), plus --json and small test media. */
static ZeroTestProc *
cli (const char         *label,
     const char * const *args)
{
  g_autofree char *program = zero_test_find_program ("zero-cli");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *media[] = { "--json", "--audio-output", "none", "--resolution", "160x120",
                          "--fps", "15" };
  ZeroTestProc *proc;

  g_ptr_array_add (argv, program);
  for (guint i = 0; i < G_N_ELEMENTS (media); i++)
    g_ptr_array_add (argv, (gpointer) media[i]);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = zero_test_proc_spawn (label, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

/* Runs to the end; checks the exit code, the error code (NULL: no error line), that every
 * line is an event and the summary is last. Returns the summary. */
static JsonObject *
expect_exit (ZeroTestProc *proc,
             int           exit_code,
             const char   *error_code)
{
  GPtrArray *events;
  JsonObject *last;

  g_assert_true (zero_test_proc_wait_exit (proc, 30000));
  g_assert_cmpint (zero_test_proc_get_exit_code (proc), ==, exit_code);
  g_assert_cmpuint (zero_test_proc_get_n_bad_lines (proc), ==, 0);
  events = zero_test_proc_get_events (proc);
  g_assert_cmpuint (events->len, >, 0);
  last = g_ptr_array_index (events, events->len - 1);
  g_assert_cmpstr (zero_test_json_string (last, "event"), ==, "summary");
  g_assert_true (json_object_has_member (last, "peers"));
  g_assert_true (json_object_has_member (last, "cpu_s"));
  g_assert_true (json_object_has_member (last, "max_rss_kb"));
  if (error_code)
    {
      JsonObject *error = zero_test_proc_find_event (proc, "error", NULL, NULL);

      g_assert_nonnull (error);
      g_assert_cmpstr (zero_test_json_string (error, "code"), ==, error_code);
      g_assert_nonnull (zero_test_json_string (error, "message"));
    }
  else
    g_assert_null (zero_test_proc_find_event (proc, "error", NULL, NULL));
  return last;
}

static void
test_usage (void)
{
  static const struct {
    const char *args[6];
    const char *code;
    const char *message_part;
  } cases[] = {
    { { NULL }, "usage", "--create" },
    { { "--create", "--join", "123e4567-e89b-42d3-a456-426614174000", NULL }, "usage",
      "--create" },
    { { "--join", "123e4567-e89b-42d3-a456-426614174000", "--session",
        "123e4567-e89b-42d3-a456-426614174000", NULL }, "usage", "--session" },
    { { "--create", "--fps", "many", NULL }, "usage", "--fps" },
    { { "--create", "--resolution", "641x480", NULL }, "usage", "--resolution" },
    { { "--create", "--video-source", "webcam", NULL }, "usage", "--video-source" },
    { { "--create", "--role", "boss", NULL }, "usage", "--role" },
    { { "--create", "--bogus", NULL }, "usage", "--bogus" },
    { { "--join", "not-a-session", NULL }, "invalid-session", "not-a-session" },
    { { "--create", "--name", "", NULL }, "invalid-name", "name" },
    { { "--create", "--config", "/nonexistent/zero.yaml", NULL }, "config",
      "/nonexistent/zero.yaml" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ZeroTestProc) proc = cli ("usage", cases[i].args);
      JsonObject *error;

      expect_exit (proc, 2, cases[i].code);
      error = zero_test_proc_find_event (proc, "error", NULL, NULL);
      if (strstr (zero_test_json_string (error, "message"), cases[i].message_part) == NULL)
        g_error ("case %u: \"%s\" lacks \"%s\"", i, zero_test_json_string (error, "message"),
                 cases[i].message_part);
    }
}

static void
test_unreachable (void)
{
  const char *args[] = { "--server", "127.0.0.1:9", "--create", "--video-source", "none",
                         "--audio-source", "none", NULL };
  g_autoptr (ZeroTestProc) proc = cli ("unreachable", args);

  expect_exit (proc, 3, "unreachable");
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *missing = g_uuid_string_random ();
  g_autofree char *session = g_uuid_string_random ();
  const char *no_session[] = { "--server", f->url, "--join", missing, "--video-source", "none",
                               "--audio-source", "none", NULL };
  const char *owner[] = { "--server", f->url, "--create", "--session", session, "--password",
                          "right", "--video-source", "none", "--audio-source", "none", NULL };
  const char *intruder[] = { "--server", f->url, "--join", session, "--password", "wrong",
                             "--video-source", "none", "--audio-source", "none", NULL };
  g_autoptr (ZeroTestProc) a = cli ("no-session", no_session);
  g_autoptr (ZeroTestProc) b = NULL;
  g_autoptr (ZeroTestProc) c = NULL;

  expect_exit (a, 3, "no-such-session");

  b = cli ("owner", owner);
  g_assert_nonnull (zero_test_proc_wait_event (b, "joined", NULL, NULL, 20000));
  c = cli ("intruder", intruder);
  expect_exit (c, 3, "auth-failed");
  /* The owner saw no one come. */
  zero_test_proc_kill (b, SIGINT);
  expect_exit (b, 0, NULL);
  g_assert_null (zero_test_proc_find_event (b, "peer-joined", NULL, NULL));
}

static void
test_expect_peers_unmet (Fixture       *f,
                         gconstpointer  data)
{
  const char *args[] = { "--server", f->url, "--create", "--seconds", "1", "--expect-peers", "1",
                         "--video-source", "none", "--audio-source", "none", NULL };
  g_autoptr (ZeroTestProc) proc = cli ("alone", args);
  JsonObject *summary;

  g_assert_nonnull (zero_test_proc_wait_event (proc, "joined", NULL, NULL, 20000));
  summary = expect_exit (proc, 1, "expectations");
  g_assert_cmpuint (json_object_get_size (zero_test_json_object (summary, "peers")), ==, 0);
}

/* SIGINT leaves cleanly: the others see `leave`, and the summary is still printed. */
static void
test_sigint (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *session = g_uuid_string_random ();
  const char *a_args[] = { "--server", f->url, "--create", "--session", session,
                           "--video-source", "test", "--audio-source", "test", NULL };
  const char *b_args[] = { "--server", f->url, "--join", session, "--video-source", "test",
                           "--audio-source", "test", "--expect-peers", "1", NULL };
  g_autoptr (ZeroTestProc) a = cli ("a", a_args);
  g_autoptr (ZeroTestProc) b = NULL;
  JsonObject *joined, *left, *summary;

  joined = zero_test_proc_wait_event (a, "joined", NULL, NULL, 20000);
  g_assert_nonnull (joined);
  b = cli ("b", b_args);
  joined = zero_test_proc_wait_event (b, "joined", NULL, NULL, 20000);
  g_assert_nonnull (joined);
  g_assert_nonnull (zero_test_proc_wait_event (b, "first-frame", "kind", "video", 30000));
  g_assert_nonnull (zero_test_proc_wait_event (b, "first-frame", "kind", "audio", 30000));

  zero_test_proc_kill (b, SIGINT);
  summary = expect_exit (b, 0, NULL); /* --expect-peers 1 met */
  g_assert_cmpint (zero_test_json_int (summary, "peers_met"), ==, 1);
  left = zero_test_proc_wait_event (a, "peer-left", NULL, NULL, 10000);
  g_assert_nonnull (left);
  g_assert_cmpstr (zero_test_json_string (left, "peer_id"), ==,
                   zero_test_json_string (joined, "peer_id"));
  g_assert_cmpstr (zero_test_json_string (left, "reason"), ==, "leave");
  zero_test_proc_kill (a, SIGTERM);
  expect_exit (a, 0, NULL);
}

/* The test call: an --echo peer sends back what it receives; it has no media of its own. */
static void
test_echo (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *session = g_uuid_string_random ();
  const char *echo_args[] = { "--server", f->url, "--create", "--session", session, "--echo",
                              "--name", "echo", "--video-source", "none", "--audio-source",
                              "none", NULL };
  const char *caller_args[] = { "--server", f->url, "--join", session, "--video-source", "test",
                                "--audio-source", "test", "--seconds", "30", "--stats-interval",
                                "300", NULL };
  g_autoptr (ZeroTestProc) echo = cli ("echo", echo_args);
  g_autoptr (ZeroTestProc) caller = NULL;
  JsonObject *joined, *summary, *peer;
  const char *echo_id;
  gint64 deadline;

  joined = zero_test_proc_wait_event (echo, "joined", NULL, NULL, 20000);
  g_assert_nonnull (joined);
  echo_id = zero_test_json_string (joined, "peer_id");
  caller = cli ("caller", caller_args);
  /* Our own media comes back, decoded. */
  g_assert_nonnull (zero_test_proc_wait_event (caller, "first-frame", "kind", "video", 30000));
  g_assert_nonnull (zero_test_proc_wait_event (caller, "first-frame", "kind", "audio", 30000));
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND * zero_test_wait_scale ();
  while (g_get_monotonic_time () < deadline)
    {
      JsonObject *stats = zero_test_proc_last_event (caller, "stats", "peer_id", echo_id);

      if (stats && zero_test_json_int (stats, "video_frames") >= 30)
        break;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  zero_test_proc_kill (caller, SIGTERM);
  summary = expect_exit (caller, 0, NULL);
  peer = zero_test_json_object (zero_test_json_object (summary, "peers"), echo_id);
  g_assert_nonnull (peer);
  g_assert_cmpint (zero_test_json_int (peer, "video_frames"), >=, 30);
  g_assert_cmpint (zero_test_json_int (peer, "audio_frames"), >=, 30);
  g_assert_cmpint (zero_test_json_int (peer, "nonblack_frames"), >=, 5);
  {
    JsonArray *caps = json_object_get_array_member (zero_test_json_object (peer, "info"),
                                                    "capabilities");
    gboolean echoes = FALSE;

    for (guint i = 0; i < json_array_get_length (caps); i++)
      echoes = echoes || g_strcmp0 (json_array_get_string_element (caps, i), "echo") == 0;
    g_assert_true (echoes);
  }
  zero_test_proc_kill (echo, SIGTERM);
  expect_exit (echo, 0, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/integration/cli/usage", test_usage);
  g_test_add_func ("/integration/cli/unreachable", test_unreachable);
#define ADD(path, func) \
  g_test_add ("/integration/cli/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("refused", test_refused);
  ADD ("expect-peers-unmet", test_expect_peers_unmet);
  ADD ("sigint", test_sigint);
  ADD ("echo", test_echo);
#undef ADD
  return g_test_run ();
}

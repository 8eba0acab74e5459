/* test-daemon.c: the zero-signaling binary, as CLI.md describes it. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "signaling-test-util.h"
#include "zero-test-util.h"

static const char *
daemon_path (void)
{
  const char *bin = g_getenv ("ZERO_SIGNALING_BIN");
  g_assert_nonnull (bin);
  return bin;
}

/* Runs the daemon to completion; returns its exit status. */
static int
run_to_exit (const char *const *args, char **out, char **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) daemon_path ());
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

typedef struct
{
  GSubprocess *proc;
  GDataInputStream *out;
  char *line;
  guint port;
  gboolean exited;
} Daemon;

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *d = user_data;
  g_autoptr (GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &error);
  g_assert_no_error (error);
  d->line = line ? line : g_strdup ("<eof>");
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *d = user_data;
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  d->exited = TRUE;
}

/* Starts the daemon and reads its "listening on" line. */
static Daemon *
daemon_start (const char *const *args, const char *scheme)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GRegex) re = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *port = NULL;
  Daemon *d = g_new0 (Daemon, 1);

  g_ptr_array_add (argv, (gpointer) daemon_path ());
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  d->proc = g_subprocess_newv ((const char *const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (d->proc, NULL, on_exited, d);
  d->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (d->proc));
  g_data_input_stream_read_line_async (d->out, G_PRIORITY_DEFAULT, NULL, on_line, d);
  ZERO_ASSERT_WAIT (d->line != NULL, TEST_WAIT_MS);

  pattern = g_strdup_printf ("^listening on %s://127\\.0\\.0\\.1:([0-9]+)/ws$", scheme);
  re = g_regex_new (pattern, 0, 0, NULL);
  if (!g_regex_match (re, d->line, 0, &match))
    g_error ("unexpected first line: \"%s\"", d->line);
  port = g_match_info_fetch (match, 1);
  d->port = (guint) g_ascii_strtoull (port, NULL, 10);
  g_assert_cmpuint (d->port, >, 0);
  return d;
}

/* Sends @sig, waits for the exit and checks nothing more went to stdout. */
static int
daemon_stop (Daemon *d, int sig)
{
  int status;

  g_subprocess_send_signal (d->proc, sig);
  ZERO_ASSERT_WAIT (d->exited, TEST_WAIT_MS);
  g_clear_pointer (&d->line, g_free);
  g_data_input_stream_read_line_async (d->out, G_PRIORITY_DEFAULT, NULL, on_line, d);
  ZERO_ASSERT_WAIT (d->line != NULL, TEST_WAIT_MS);
  g_assert_cmpstr (d->line, ==, "<eof>"); /* exactly one line on stdout */
  g_assert_true (g_subprocess_get_if_exited (d->proc));
  status = g_subprocess_get_exit_status (d->proc);
  g_object_unref (d->out);
  g_object_unref (d->proc);
  g_free (d->line);
  g_free (d);
  return status;
}

static void
test_listen_sigterm (void)
{
  const char *args[] = { "--port", "0", NULL };
  Daemon *d = daemon_start (args, "ws");
  RawWs *a = raw_ws_connect (d->port);
  RawWs *b = raw_ws_connect (d->port);
  g_autofree char *session = raw_ws_create (a, "A", NULL);
  g_autofree char *idb = raw_ws_join (b, session, "B");

  json_object_unref (raw_ws_expect (a, "peer-joined"));
  g_assert_cmpint (daemon_stop (d, SIGTERM), ==, 0);
  g_assert_cmpint (raw_ws_wait_closed (a, TEST_WAIT_MS), ==, 1001);
  g_assert_cmpint (raw_ws_wait_closed (b, TEST_WAIT_MS), ==, 1001);
  raw_ws_free (a);
  raw_ws_free (b);
}

static void
test_sigint (void)
{
  const char *args[] = { "--port", "0", "--host", "127.0.0.1", NULL };
  Daemon *d = daemon_start (args, "ws");
  RawWs *a = raw_ws_connect (d->port);

  raw_ws_send_text (a, "{\"type\":\"ping\"}");
  json_object_unref (raw_ws_expect (a, "pong"));
  g_assert_cmpint (daemon_stop (d, SIGINT), ==, 0);
  g_assert_cmpint (raw_ws_wait_closed (a, TEST_WAIT_MS), ==, 1001);
  raw_ws_free (a);
}

static void
test_bad_options (void)
{
  static const char *const cases[][4] = {
    { "--port", "70000", NULL },
    { "--port", "http", NULL },
    { "--bogus", NULL },
    { "--tls-cert", "/tmp/x.pem", NULL },
    { "--max-peers", "0", NULL },
    { "--max-frame", "64k", NULL },
    { "--timeout", "-1", NULL },
    { "stray-argument", NULL },
    { "--config", "/nonexistent/zero/config.yaml", NULL },
    { "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      const char *args[6] = { 0 };

      for (guint j = 0; j < 4 && cases[i][j]; j++)
        args[j] = cases[i][j];
      g_assert_cmpint (run_to_exit (args, &out, &err), ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_nonnull (strstr (err, "zero-signaling: "));
    }
}

static void
test_port_in_use (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *port = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "--port", NULL, NULL };
  guint16 p;

  p = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  port = g_strdup_printf ("%u", p);
  args[1] = port;
  g_assert_cmpint (run_to_exit (args, &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, port));
  g_assert_nonnull (strstr (err, "in use"));
  g_socket_listener_close (listener);
}

static void
test_config_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zero-signaling-XXXXXX", NULL);
  g_autofree char *good = g_build_filename (dir, "good.yaml", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.yaml", NULL);
  const char *good_args[] = { "--config", good, NULL };
  const char *bad_args[] = { "--config", bad, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Daemon *d;
  RawWs *a, *b, *c;
  g_autofree char *session = NULL;
  g_autofree char *idb = NULL;

  g_assert_true (g_file_set_contents (good,
                                      "# a test config\n"
                                      "server:\n"
                                      "  port: 0\n"
                                      "  max_peers: 2\n"
                                      "webrtc:\n"
                                      "  ice_servers:\n"
                                      "    - urls: [\"stun:stun.example.org:3478\"]\n",
                                      -1, NULL));
  g_assert_true (g_file_set_contents (bad, "server:\n  max_peers: lots\n", -1, NULL));

  g_assert_cmpint (run_to_exit (bad_args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "max_peers"));

  d = daemon_start (good_args, "ws");
  a = raw_ws_connect (d->port);
  b = raw_ws_connect (d->port);
  c = raw_ws_connect (d->port);
  raw_ws_send_text (a, "{\"type\":\"join\",\"session\":\"0b5c2a7e-3f1d-4c2b-9a8e-6d5f4e3c2b1a\","
                       "\"name\":\"A\",\"create\":true}");
  {
    g_autoptr (JsonObject) welcome = raw_ws_expect (a, "welcome");
    JsonArray *ice = json_object_get_array_member (welcome, "ice_servers");
    g_assert_cmpuint (json_array_get_length (ice), ==, 1);
  }
  idb = raw_ws_join (b, "0b5c2a7e-3f1d-4c2b-9a8e-6d5f4e3c2b1a", "B");
  raw_ws_send_text (c, "{\"type\":\"join\",\"session\":\"0b5c2a7e-3f1d-4c2b-9a8e-6d5f4e3c2b1a\","
                       "\"name\":\"C\"}");
  raw_ws_expect_error (c, "session-full", "join");
  g_assert_cmpint (daemon_stop (d, SIGTERM), ==, 0);
  raw_ws_free (a);
  raw_ws_free (b);
  raw_ws_free (c);

  g_unlink (good);
  g_unlink (bad);
  g_rmdir (dir);
}

static void
test_tls (void)
{
  g_autofree char *cert = test_data_path ("data/cert.pem");
  g_autofree char *key = test_data_path ("data/key.pem");
  const char *args[] = { "--port", "0", "--tls-cert", cert, "--tls-key", key, NULL };
  Daemon *d = daemon_start (args, "wss");

  g_assert_cmpint (daemon_stop (d, SIGTERM), ==, 0);
}

static void
test_version (void)
{
  const char *args[] = { "--version", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_to_exit (args, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, "zero-signaling "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signaling/daemon/listen-sigterm", test_listen_sigterm);
  g_test_add_func ("/signaling/daemon/sigint", test_sigint);
  g_test_add_func ("/signaling/daemon/bad-options", test_bad_options);
  g_test_add_func ("/signaling/daemon/port-in-use", test_port_in_use);
  g_test_add_func ("/signaling/daemon/config-file", test_config_file);
  g_test_add_func ("/signaling/daemon/tls", test_tls);
  g_test_add_func ("/signaling/daemon/version", test_version);

  return g_test_run ();
}

/* sfu-test-util.c: see sfu-test-util.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sfu-test-util.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <fcntl.h>
#include <glib/gstdio.h>

#include "zero-build-config.h"

static const char *
source_dir (void)
{
  return g_getenv ("ZERO_SOURCE_DIR") ? g_getenv ("ZERO_SOURCE_DIR") : ZERO_SOURCE_DIR;
}

void
sfu_test_enter_netns (ZeroTestNetns *netns)
{
  g_autoptr (GError) error = NULL;

  /* No proxy lookups in a private namespace (libproxy's C++ unwinding upsets valgrind). */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  if (!zero_test_netns_enter (netns, &error))
    {
      /* Fail, never skip: CI runs as root, and a silent skip would hide the suite. */
      g_printerr ("Bail out! %s\n", error->message);
      printf ("Bail out! %s\n", error->message);
      exit (1);
    }
}

typedef struct
{
  GDataInputStream *in;
  char *line;
  gboolean done;
} LineRead;

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LineRead *r = user_data;

  r->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL,
                                                  NULL);
  r->done = TRUE;
}

/* A test that dies (g_error) must not leave Janus running: the script gets SIGTERM then,
 * and stops Janus (SIGKILL would orphan it). */
static void
on_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

TestJanus *
test_janus_start (const char *address, guint ws_port, const char *admin_key,
                  guint session_timeout_s)
{
  return test_janus_start_full (address, ws_port, admin_key, session_timeout_s, "40000-40999");
}

TestJanus *
test_janus_start_full (const char *address, guint ws_port, const char *admin_key,
                       guint session_timeout_s, const char *rtp_ports)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *script = g_build_filename (source_dir (), "tools", "zero-janus", NULL);
  g_autofree char *ws = g_strdup_printf ("%u", ws_port);
  g_autofree char *http = g_strdup_printf ("%u", ws_port + 1);
  g_autofree char *timeout = g_strdup_printf ("%u", session_timeout_s);
  TestJanus *janus = g_new0 (TestJanus, 1);
  LineRead r = { 0 };
  gint64 deadline;
  int fd;

  janus->log_path = g_strdup_printf ("%s/zero-janus-%d-%u.log", g_get_tmp_dir (), getpid (),
                                     ws_port);
  fd = open (janus->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_subprocess_launcher_take_stderr_fd (launcher, fd);
  g_subprocess_launcher_set_child_setup (launcher, on_child_setup, NULL, NULL);
  /* Without an admin key anyone may create rooms (zero-janus warns). */
  janus->proc = g_subprocess_launcher_spawn (launcher, &error, script, "--address", address,
                                             "--ws-port", ws, "--http-port", http,
                                             "--rtp-ports", rtp_ports, "--session-timeout",
                                             timeout, "--debug-level", "4",
                                             admin_key ? "--admin-key" : NULL, admin_key, NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (janus->proc));
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, on_line, &r);
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (!r.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (r.line == NULL || !g_str_has_prefix (r.line, "janus ws://"))
    {
      g_autofree char *log = NULL;

      g_file_get_contents (janus->log_path, &log, NULL, NULL);
      g_error ("zero-janus did not start (got \"%s\"); its log:\n%s", r.line ? r.line : "",
               log ? log : "");
    }
  janus->url = g_strdup (r.line + strlen ("janus "));
  janus->address = g_strdup (address);
  janus->ws_port = ws_port;
  janus->admin_key = g_strdup (admin_key);
  g_free (r.line);
  return janus;
}

void
test_janus_stop (TestJanus *janus, gboolean crash)
{
  if (janus->proc == NULL)
    return;
  if (crash)
    {
      /* Kill janus itself hard (the script's child), as a crash would. */
      g_autofree char *cmd = g_strdup_printf ("pkill -KILL -P %s -x janus",
                                              g_subprocess_get_identifier (janus->proc));
      int status;

      g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL);
    }
  g_subprocess_send_signal (janus->proc, SIGTERM);
  g_subprocess_wait (janus->proc, NULL, NULL);
  g_clear_object (&janus->proc);
}

void
test_janus_free (TestJanus *janus)
{
  if (janus == NULL)
    return;
  test_janus_stop (janus, FALSE);
  if (g_getenv ("ZERO_KEEP_JANUS_LOG") == NULL)
    g_unlink (janus->log_path);
  else
    g_printerr ("# Janus log: %s\n", janus->log_path);
  g_free (janus->log_path);
  g_free (janus->url);
  g_free (janus->address);
  g_free (janus->admin_key);
  g_free (janus);
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
} Wait;

static void
on_room (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->ok = zero_janus_admin_ensure_room_finish (ZERO_JANUS_ADMIN (source), result, &w->error);
  w->done = TRUE;
}

gboolean
test_janus_create_room (TestJanus *janus, guint64 room, const char *secret, const char *pin,
                        GError **error)
{
  g_autoptr (ZeroJanusAdmin) admin = zero_janus_admin_new (janus->url, janus->admin_key, NULL);
  ZeroJanusRoomSpec spec = { room, secret, pin, 16, "test room" };
  Wait w = { 0 };

  zero_janus_admin_ensure_room_async (admin, &spec, NULL, on_room, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  if (!w.ok)
    g_propagate_error (error, w.error);
  return w.ok;
}

typedef struct
{
  int step;
  guint64 handle;
  JsonObject *reply;
  GError *error;
  gboolean done;
} Request;

static void
on_request_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *r = user_data;

  r->reply = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source), result, NULL,
                                                &r->error);
  r->done = TRUE;
}

static void
on_request_attached (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *r = user_data;

  r->handle = zero_janus_session_attach_finish (ZERO_JANUS_SESSION (source), result, &r->error);
  r->done = TRUE;
}

static void
on_request_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *r = user_data;

  zero_janus_session_connect_finish (ZERO_JANUS_SESSION (source), result, &r->error);
  r->done = TRUE;
}

JsonObject *
test_janus_request (const char *url, JsonObject *body, GError **error)
{
  g_autoptr (ZeroJanusSession) janus = zero_janus_session_new (url, error);
  Request r = { 0 };

  if (janus == NULL)
    return NULL;
  zero_janus_session_connect_async (janus, NULL, on_request_connected, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  if (r.error == NULL)
    {
      r.done = FALSE;
      zero_janus_session_attach_async (janus, "janus.plugin.videoroom", NULL,
                                       on_request_attached, &r);
      while (!r.done)
        g_main_context_iteration (NULL, TRUE);
    }
  if (r.error == NULL)
    {
      r.done = FALSE;
      zero_janus_session_message_async (janus, r.handle, body, NULL, NULL, on_request_reply, &r);
      while (!r.done)
        g_main_context_iteration (NULL, TRUE);
    }
  zero_janus_session_close (janus);
  if (r.error)
    {
      g_propagate_error (error, r.error);
      return NULL;
    }
  return r.reply;
}

ZeroMediaSource *
test_media_new (gboolean video, gboolean audio)
{
  g_auto (ZeroMediaOptions) opts = { 0 };
  g_autoptr (GError) error = NULL;
  ZeroMediaSource *media;

  zero_media_options_init (&opts);
  opts.video_source = video ? ZERO_VIDEO_SOURCE_TEST : ZERO_VIDEO_SOURCE_NONE;
  opts.audio_source = audio ? ZERO_AUDIO_SOURCE_TEST : ZERO_AUDIO_SOURCE_NONE;
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts.width = 320;
  opts.height = 240;
  opts.fps = 15;
  opts.start_bitrate_kbps = 300;
  opts.echo_cancel = FALSE;
  opts.noise_suppression = FALSE;
  media = zero_media_source_new (&opts, &error);
  g_assert_no_error (error);
  zero_media_source_start (media, &error);
  g_assert_no_error (error);
  return media;
}

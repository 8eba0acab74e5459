/* app-call-util.h: the app in a real call, for the call-page and e2e tests.
 *
 * A real ZeroSignalingServer in this process, the app's window configured to
 * use it with test media, zero-cli peers as other processes, and an
 * in-process "observer" ZeroSessionManager that sends nothing and shows what
 * another participant sees of the app (its ZeroParticipant's state). */
#pragma once

#include "app-test-util.h"

#include <stdlib.h>

#include "sessionmanager/zero-session-manager.h"
#include "signaling/zero-signaling-server.h"
#include "signaling/zero-uuid.h"
#include "zero-call-page.h"
#include "zero-test-proc.h"
#include "zero-window.h"

G_BEGIN_DECLS

#define T(ms) ((ms) * zero_test_wait_scale ())

typedef struct
{
  ZeroSignalingServer *server;
  char *address;        /* 127.0.0.1:PORT */
  char *url;            /* ws://127.0.0.1:PORT/ws */
  char *config_path;
  ZeroApplication *app;
  ZeroWindow *window;
} CallFixture;

/* Criticals fatal, but for GStreamer 1.22.0's rtpsession one (tests/support). */
static inline void
app_call_tolerate_known_gst_bugs (void)
{
  zero_test_tolerate_known_gst_bugs ();
}

static char *app_call_config_path;

/* Removes the config directory of the tests: call at the end of main(). */
static inline void
app_call_cleanup (void)
{
  if (app_call_config_path != NULL)
    app_test_remove_config_home (app_call_config_path);
  g_clear_pointer (&app_call_config_path, g_free);
}

/* The app's media: test sources at @width x @height, no sound card. */
static inline void
call_fixture_start (CallFixture *f,
                    const char  *name,
                    int          width,
                    int          height,
                    int          fps)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;

  f->server = zero_signaling_server_new ();
  g_assert_true (zero_signaling_server_listen (f->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->address = g_strdup_printf ("127.0.0.1:%u", zero_signaling_server_get_port (f->server));
  f->url = g_strdup (zero_signaling_server_get_url (f->server));
  yaml = g_strdup_printf ("signaling:\n"
                          "  server_address: \"%s\"\n"
                          "user:\n"
                          "  name: \"%s\"\n"
                          "webrtc:\n"
                          "  loopback_candidates: true\n"
                          "media:\n"
                          "  video:\n"
                          "    source: test\n"
                          "    resolution: %dx%d\n"
                          "    fps: %d\n"
                          "  audio:\n"
                          "    source: test\n"
                          "    output: none\n",
                          f->address, name, width, height, fps);
  /* GLib reads XDG_CONFIG_HOME once per process: one directory for all the tests. */
  if (app_call_config_path == NULL)
    app_call_config_path = app_test_make_config_home (yaml);
  else
    {
      g_file_set_contents (app_call_config_path, yaml, -1, &error);
      g_assert_no_error (error);
    }
  f->config_path = g_strdup (app_call_config_path);
  f->app = app_test_start ();
  f->window = zero_application_get_main_window (f->app);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 680);
}

static inline void
call_fixture_stop (CallFixture *f)
{
  app_test_close_windows ();
  g_clear_object (&f->app);
  zero_signaling_server_shutdown (f->server);
  g_clear_object (&f->server);
  /* Let the server's closing handshakes finish. */
  for (int i = 0; i < 20; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->address, g_free);
  g_clear_pointer (&f->url, g_free);
}

/* zero-cli in the session, with test media; extra options after @session's. */
static inline ZeroTestProc *
call_spawn_cli (CallFixture        *f,
                const char         *label,
                const char *const  *extra)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cli = zero_test_find_program ("zero-cli");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  ZeroTestProc *proc;

  g_ptr_array_add (argv, cli);
  g_ptr_array_add (argv, "--server");
  g_ptr_array_add (argv, f->url);
  g_ptr_array_add (argv, "--json");
  g_ptr_array_add (argv, "--loopback-candidates");
  g_ptr_array_add (argv, "true");
  g_ptr_array_add (argv, "--audio-output");
  g_ptr_array_add (argv, "none");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);
  proc = zero_test_proc_spawn (label, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

static inline void
app_call_observer_joined (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  zero_session_manager_join_finish (ZERO_SESSION_MANAGER (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* A participant who sends nothing and decodes nothing: what others see of the app. */
static inline ZeroSessionManager *
call_observer_join (CallFixture *f,
                    const char  *session)
{
  g_autoptr(ZeroConfig) config = zero_config_new ();
  g_autoptr(GError) error = NULL;
  ZeroSessionManager *sm;
  ZeroJoinOptions opts;
  gboolean done = FALSE;

  g_assert_true (zero_config_set_string (config, "media.video.source", "none", &error));
  g_assert_true (zero_config_set_string (config, "media.audio.source", "none", &error));
  g_assert_true (zero_config_set_string (config, "media.audio.output", "none", &error));
  g_assert_true (zero_config_set_string (config, "webrtc.loopback_candidates", "true", &error));
  g_assert_no_error (error);
  sm = g_object_new (ZERO_TYPE_SESSION_MANAGER, "config", config, "decode-video", FALSE, NULL);
  zero_join_options_init (&opts);
  opts.session = session;
  opts.name = "Observer";
  opts.server = f->url;
  zero_session_manager_join_async (sm, &opts, NULL, app_call_observer_joined, &done);
  ZERO_ASSERT_WAIT (done, T (10000));
  g_assert_cmpint (zero_session_manager_get_state (sm), ==, ZERO_SESSION_STATE_JOINED);
  return sm;
}

/* The participant named @name in @sm's roster, or NULL. */
static inline ZeroParticipant *
call_find_participant (ZeroSessionManager *sm,
                       const char         *name)
{
  GListModel *model = zero_session_manager_get_participants (sm);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ZeroParticipant) p = g_list_model_get_item (model, i);

      if (g_strcmp0 (zero_participant_get_name (p), name) == 0)
        return p; /* the model keeps its reference */
    }
  return NULL;
}

G_END_DECLS

/* test-embedded-server.c: joining through a server on this machine that is
 * not running makes the app run it in-process; one that runs is left alone. */

#include "app-test-util.h"

#include <libsoup/soup.h>

#include "signaling/zero-uuid.h"
#include "zero-window.h"

#define UUID_FOR_TEST "7c9e6679-7425-40de-944b-e07fc1f90ae7"

static char *config_path;

static guint
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

static ZeroApplication *
start_app_with_server (const char *server_address)
{
  g_autofree char *yaml = g_strdup_printf ("signaling:\n  server_address: \"%s\"\n"
                                           "user:\n  name: Host\n", server_address);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (config_path, yaml, -1, &error);
  g_assert_no_error (error);
  return app_test_start ();
}

static void
on_ws_connected (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SoupWebsocketConnection **ws = user_data;
  g_autoptr(GError) error = NULL;

  *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               int                      type,
               GBytes                  *message,
               char                   **out)
{
  g_free (*out);
  *out = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
}

static void
test_runs_missing_server (void)
{
  guint port = free_port ();
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/ws", port);
  g_autofree char *session = zero_uuid_generate ();
  g_autofree char *join = NULL;
  g_autofree char *reply = NULL;
  g_autoptr(ZeroApplication) app = start_app_with_server (address);
  /* No proxy lookup for loopback (and no libproxy, whose C++ unwinding valgrind dislikes). */
  g_autoptr(SoupSession) soup = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  ZeroSignalingServer *server;

  /* Nothing yet: a window alone starts no server. */
  g_assert_null (zero_application_get_local_server (app));

  /* Creating a session through 127.0.0.1:PORT, where nothing listens. */
  zero_window_join (zero_application_get_main_window (app), session, NULL, TRUE);
  server = zero_application_get_local_server (app);
  g_assert_nonnull (server);
  g_assert_cmpuint (zero_signaling_server_get_port (server), ==, port);
  ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (zero_application_get_main_window (app)),
                                         "Zero runs one itself"), 5000);
  /* The window joined its own server. */
  ZERO_ASSERT_WAIT (zero_window_get_in_call (zero_application_get_main_window (app)), 10000);
  g_assert_cmpuint (zero_signaling_server_get_n_peers (server), ==, 1);

  /* Another client (another machine, another window) reaches it and joins. */
  msg = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (soup, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_ws_connected, &ws);
  ZERO_ASSERT_WAIT (ws != NULL, 10000);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), &reply);
  join = g_strdup_printf ("{\"type\":\"join\",\"session\":\"%s\",\"name\":\"Guest\","
                          "\"create\":true}", session);
  soup_websocket_connection_send_text (ws, join);
  ZERO_ASSERT_WAIT (reply != NULL, 10000);
  g_test_message ("server said: %s", reply);
  g_assert_nonnull (strstr (reply, "\"type\":\"welcome\""));
  g_assert_nonnull (strstr (reply, session));
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_peers (server) == 2, 5000);

  /* Joining again reuses it. */
  g_assert_true (zero_application_ensure_local_server (app, address));

  soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  ZERO_ASSERT_WAIT (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_CLOSED,
                    5000);
  app_test_close_windows ();
}

static void
test_leaves_running_server_alone (void)
{
  g_autoptr(ZeroSignalingServer) external = zero_signaling_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autoptr(ZeroApplication) app = NULL;

  /* A zero-signaling already runs there. */
  g_assert_true (zero_signaling_server_listen (external, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  address = g_strdup_printf ("127.0.0.1:%u", zero_signaling_server_get_port (external));
  app = start_app_with_server (address);

  zero_window_join (zero_application_get_main_window (app), UUID_FOR_TEST, NULL, FALSE);
  g_assert_null (zero_application_get_local_server (app));

  /* Remote servers and wss:// are never started here. */
  g_assert_false (zero_application_ensure_local_server (app, "meet.example.org:8080"));
  g_assert_false (zero_application_ensure_local_server (app, "wss://localhost:8443/ws"));
  g_assert_null (zero_application_get_local_server (app));

  zero_signaling_server_shutdown (external);
  app_test_close_windows ();
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  config_path = app_test_make_config_home (NULL);
  app_test_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);

  g_test_add_func ("/app/embedded-server/runs-missing-server", test_runs_missing_server);
  g_test_add_func ("/app/embedded-server/leaves-running-server-alone",
                   test_leaves_running_server_alone);

  ret = g_test_run ();
  app_test_remove_config_home (config_path);
  g_free (config_path);
  return ret;
}

/* test-call.c: the call page driven through its real widgets, in real calls.
 *
 * A real signaling server in this process, the app's window with test media,
 * zero-cli peers in other processes, and an in-process observer that shows
 * what another participant sees of the app. Every step clicks or types into
 * the widgets a user would and checks the widgets' state and the peers'. */

#include "app-call-util.h"

/* A widget of the call page's template. */
#define CALL_CHILD(f, name) \
  app_test_child (zero_window_get_call_page ((f)->window), ZERO_TYPE_CALL_PAGE, name)
#define WELCOME_CHILD(f, name) \
  app_test_child (zero_window_get_welcome_page ((f)->window), ZERO_TYPE_WELCOME_PAGE, name)

static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static ZeroVideoTile *
self_tile (CallFixture *f)
{
  ZeroSessionManager *sm = zero_window_get_manager (f->window);

  return zero_call_page_get_tile (zero_window_get_call_page (f->window),
                                  zero_session_manager_get_self (sm));
}

static guint
n_tiles (CallFixture *f)
{
  return zero_call_grid_get_n_tiles (zero_call_page_get_grid (zero_window_get_call_page (f->window)));
}

static guint
n_rows (GtkWidget *list)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), n) != NULL)
    n++;
  return n;
}

static gboolean
chat_event_with_text (ZeroTestProc *proc,
                      const char   *text)
{
  GPtrArray *events = zero_test_proc_get_events (proc);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *e = g_ptr_array_index (events, i);

      if (g_strcmp0 (zero_test_json_string (e, "event"), "chat") == 0 &&
          g_strcmp0 (zero_test_json_string (e, "text"), text) == 0)
        return TRUE;
    }
  return FALSE;
}

/* New session → in the call; a zero-cli peer joins by UUID; mic, camera, chat both ways,
 * participants, screen share without a portal, leave. */
static void
test_call_create_and_chat (void)
{
  CallFixture f = { 0 };
  g_autoptr(ZeroTestProc) cli = NULL;
  g_autoptr(ZeroSessionManager) observer = NULL;
  ZeroSessionManager *sm;
  ZeroCallPage *page;
  ZeroParticipant *remote, *app_seen;
  ZeroVideoTile *remote_tile;
  g_autofree char *session = NULL;
  const char *app_peer_id;

  call_fixture_start (&f, "Alice", 160, 120, 15);
  page = zero_window_get_call_page (f.window);

  /* The engine feeds the welcome page's preview. */
  ZERO_ASSERT_WAIT (zero_window_get_manager (f.window) != NULL, T (5000));
  sm = zero_window_get_manager (f.window);
  ZERO_ASSERT_WAIT (zero_video_paintable_has_frame (zero_window_get_self_paintable (f.window)),
                    T (10000));
  g_assert_true (zero_video_tile_get_paintable (zero_welcome_page_get_preview (
                   zero_window_get_welcome_page (f.window))) ==
                 GDK_PAINTABLE (zero_window_get_self_paintable (f.window)));

  /* New session, then Start. */
  click (WELCOME_CHILD (&f, "new_button"));
  session = g_strdup (zero_welcome_page_get_new_session (zero_window_get_welcome_page (f.window)));
  g_assert_true (zero_uuid_is_valid (session));
  click (WELCOME_CHILD (&f, "start_button"));
  ZERO_ASSERT_WAIT (zero_window_get_in_call (f.window), T (10000));
  g_assert_cmpstr (zero_window_get_page (f.window), ==, "call");
  g_assert_cmpstr (zero_session_manager_get_session_id (sm), ==, session);
  g_assert_cmpuint (n_tiles (&f), ==, 1);
  g_assert_nonnull (self_tile (&f));
  g_assert_cmpstr (zero_video_tile_get_name (self_tile (&f)), ==, "Alice (You)");
  app_peer_id = zero_session_manager_get_peer_id (sm);

  /* A zero-cli peer joins by UUID (muted), says hello. */
  {
    const char *extra[] = { "--join", session, "--name", "Bob", "--video-source", "test",
                            "--audio-source", "test", "--resolution", "160x120", "--fps", "15",
                            "--mute", "--chat", "hello from cli", NULL };

    cli = call_spawn_cli (&f, "bob", extra);
  }
  g_assert_nonnull (zero_test_proc_wait_event (cli, "joined", NULL, NULL, T (10000)));
  ZERO_ASSERT_WAIT (n_tiles (&f) == 2, T (10000));
  ZERO_ASSERT_WAIT ((remote = call_find_participant (sm, "Bob")) != NULL, T (5000));
  remote_tile = zero_call_page_get_tile (page, remote);
  g_assert_nonnull (remote_tile);
  g_assert_cmpstr (zero_video_tile_get_name (remote_tile), ==, "Bob");
  ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (f.window), "Bob joined"), T (5000));
  /* Its decoded video reaches its tile; its mute shows there. */
  ZERO_ASSERT_WAIT (zero_video_paintable_has_frame (zero_call_page_get_paintable (page, remote)),
                    T (15000));
  ZERO_ASSERT_WAIT (zero_video_tile_get_audio_muted (remote_tile), T (10000));
  g_assert_false (zero_video_tile_get_video_off (remote_tile));
  ZERO_ASSERT_WAIT (zero_video_tile_get_quality (remote_tile) != ZERO_CONNECTION_QUALITY_UNKNOWN,
                    T (10000));
  /* Its chat lands in the (closed) chat panel, and a toast offers to open it. */
  ZERO_ASSERT_WAIT (zero_call_page_get_n_chats (page) == 1, T (15000));
  g_assert_true (app_test_find_label (CALL_CHILD (&f, "chat_list"), "hello from cli"));
  g_assert_true (app_test_find_label (CALL_CHILD (&f, "chat_list"), "Bob · "));
  /* We make a tone, Bob is muted: we are the active speaker. */
  ZERO_ASSERT_WAIT (zero_video_tile_get_active_speaker (self_tile (&f)), T (10000));
  g_assert_false (zero_video_tile_get_active_speaker (remote_tile));

  /* What the others see of us. */
  observer = call_observer_join (&f, session);
  ZERO_ASSERT_WAIT (n_tiles (&f) == 3, T (10000));
  ZERO_ASSERT_WAIT ((app_seen = call_find_participant (observer, "Alice")) != NULL &&
                    zero_participant_has_state (app_seen), T (15000));
  g_assert_true (zero_participant_get_audio (app_seen));
  g_assert_true (zero_participant_get_video (app_seen));

  /* Mic off (Ctrl+D's action, through the bar's button). */
  click (CALL_CHILD (&f, "mic_button"));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (CALL_CHILD (&f, "mic_button"))));
  g_assert_true (zero_video_tile_get_audio_muted (self_tile (&f)));
  ZERO_ASSERT_WAIT (!zero_participant_get_audio (app_seen), T (10000));
  g_assert_true (zero_participant_get_video (app_seen));
  /* Muted, we are nobody's active speaker. */
  ZERO_ASSERT_WAIT (!zero_video_tile_get_active_speaker (self_tile (&f)), T (5000));
  click (CALL_CHILD (&f, "mic_button"));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (CALL_CHILD (&f, "mic_button"))));
  g_assert_false (zero_video_tile_get_audio_muted (self_tile (&f)));
  ZERO_ASSERT_WAIT (zero_participant_get_audio (app_seen), T (10000));

  /* Camera off and on. */
  click (CALL_CHILD (&f, "camera_button"));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (CALL_CHILD (&f,
                                                                               "camera_button"))));
  g_assert_true (zero_video_tile_get_video_off (self_tile (&f)));
  ZERO_ASSERT_WAIT (!zero_participant_get_video (app_seen), T (10000));
  g_assert_true (zero_participant_get_audio (app_seen));
  click (CALL_CHILD (&f, "camera_button"));
  g_assert_false (zero_video_tile_get_video_off (self_tile (&f)));
  ZERO_ASSERT_WAIT (zero_participant_get_video (app_seen), T (10000));

  /* Chat: open the panel, type, Enter. */
  click (CALL_CHILD (&f, "chat_button"));
  g_assert_cmpstr (zero_call_page_get_sidebar (page), ==, "chat");
  g_assert_false (gtk_widget_is_sensitive (CALL_CHILD (&f, "chat_send_button")));
  app_test_type (GTK_EDITABLE (CALL_CHILD (&f, "chat_entry")), "hello from the app", NULL, NULL);
  g_assert_true (gtk_widget_is_sensitive (CALL_CHILD (&f, "chat_send_button")));
  g_signal_emit_by_name (CALL_CHILD (&f, "chat_entry"), "activate");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (CALL_CHILD (&f, "chat_entry"))), ==, "");
  g_assert_cmpuint (zero_call_page_get_n_chats (page), ==, 2);
  g_assert_true (app_test_find_label (CALL_CHILD (&f, "chat_list"), "You · "));
  g_assert_true (app_test_find_label (CALL_CHILD (&f, "chat_list"), "hello from the app"));
  ZERO_ASSERT_WAIT (chat_event_with_text (cli, "hello from the app"), T (10000));
  {
    JsonObject *e = zero_test_proc_find_event (cli, "chat", "text", "hello from the app");

    g_assert_cmpstr (zero_test_json_string (e, "from"), ==, app_peer_id);
  }

  /* Participants: the panel switches, and lists all three. */
  click (CALL_CHILD (&f, "participants_button"));
  g_assert_cmpstr (zero_call_page_get_sidebar (page), ==, "participants");
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (CALL_CHILD (&f,
                                                                               "chat_button"))));
  g_assert_cmpuint (n_rows (CALL_CHILD (&f, "participants_list")), ==, 3);
  g_assert_true (app_test_find_label (CALL_CHILD (&f, "participants_list"), "Observer"));
  click (CALL_CHILD (&f, "participants_button"));
  g_assert_null (zero_call_page_get_sidebar (page));

  /* Screen share without a desktop portal (as under Xvfb): a clear toast, nothing shared. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  click (CALL_CHILD (&f, "screen_button"));
  ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (f.window), "desktop portal"), T (10000));
  ZERO_ASSERT_WAIT (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (CALL_CHILD (&f,
                                                                                  "screen_button"))),
                    T (5000));
  g_assert_false (zero_participant_get_screen (app_seen));

  /* Leave: back to the welcome page, nothing of the call left. */
  click (CALL_CHILD (&f, "leave_button"));
  g_assert_false (zero_window_get_in_call (f.window));
  g_assert_cmpstr (zero_window_get_page (f.window), ==, "welcome");
  g_assert_cmpuint (n_tiles (&f), ==, 0);
  g_assert_cmpuint (zero_call_page_get_n_chats (page), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (zero_session_manager_get_participants (sm)), ==, 0);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f.window), "leave"));
  g_assert_nonnull (zero_test_proc_wait_event (cli, "peer-left", "peer_id", app_peer_id,
                                               T (10000)));
  ZERO_ASSERT_WAIT (call_find_participant (observer, "Alice") == NULL, T (10000));
  ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (f.window), "You left the call"), T (5000));

  zero_session_manager_leave (observer);
  g_clear_object (&observer);
  zero_test_proc_kill (cli, SIGTERM);
  g_assert_true (zero_test_proc_wait_exit (cli, T (10000)));
  call_fixture_stop (&f);
}

static ZeroVideoTile *
find_tile_named (CallFixture *f,
                 const char  *name)
{
  GtkWidget *grid = GTK_WIDGET (zero_call_page_get_grid (zero_window_get_call_page (f->window)));

  for (GtkWidget *c = gtk_widget_get_first_child (grid); c; c = gtk_widget_get_next_sibling (c))
    if (ZERO_IS_VIDEO_TILE (c) &&
        g_strcmp0 (zero_video_tile_get_name (ZERO_VIDEO_TILE (c)), name) == 0)
      return ZERO_VIDEO_TILE (c);
  return NULL;
}

/* A peer that shares its screen gets a second tile, with the shared video, while it does. */
static void
test_call_remote_screen_share (void)
{
  CallFixture f = { 0 };
  g_autoptr(ZeroTestProc) cli = NULL;
  g_autofree char *session = zero_uuid_generate ();
  ZeroVideoTile *screen;

  call_fixture_start (&f, "Frank", 160, 120, 15);
  zero_window_join (f.window, session, NULL, TRUE);
  ZERO_ASSERT_WAIT (zero_window_get_in_call (f.window), T (10000));
  {
    const char *extra[] = { "--join", session, "--name", "Eve", "--video-source", "test",
                            "--audio-source", "none", "--resolution", "160x120", "--fps", "15",
                            "--screen", "test", NULL };

    cli = call_spawn_cli (&f, "eve", extra);
  }
  ZERO_ASSERT_WAIT ((screen = find_tile_named (&f, "Eve’s screen")) != NULL, T (20000));
  g_assert_cmpuint (n_tiles (&f), ==, 3);
  /* Right after its owner's tile. */
  g_assert_true (ZERO_IS_VIDEO_TILE (gtk_widget_get_prev_sibling (GTK_WIDGET (screen))));
  g_assert_cmpstr (zero_video_tile_get_name (ZERO_VIDEO_TILE (gtk_widget_get_prev_sibling (
                     GTK_WIDGET (screen)))), ==, "Eve");
  ZERO_ASSERT_WAIT (ZERO_IS_VIDEO_PAINTABLE (zero_video_tile_get_paintable (screen)) &&
                    zero_video_paintable_has_frame (
                      ZERO_VIDEO_PAINTABLE (zero_video_tile_get_paintable (screen))), T (20000));

  /* She leaves: both her tiles go. */
  zero_test_proc_kill (cli, SIGTERM);
  g_assert_true (zero_test_proc_wait_exit (cli, T (10000)));
  ZERO_ASSERT_WAIT (n_tiles (&f) == 1, T (10000));
  g_assert_null (find_tile_named (&f, "Eve’s screen"));

  zero_window_leave (f.window);
  call_fixture_stop (&f);
}

static AdwMessageDialog *
visible_dialog (const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_mapped (GTK_WIDGET (w)) &&
          g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (w)), heading) == 0)
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static void
respond (AdwMessageDialog *dialog,
         const char       *response)
{
  GtkWidget *button = app_test_find_button (GTK_WIDGET (dialog),
                                            adw_message_dialog_get_response_label (dialog,
                                                                                   response));

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

/* zero-cli made a session with a password; the app joins by typing its UUID, is asked for
 * the password, gets it wrong, is asked again, gets in. */
static void
test_call_join_by_uuid_with_password (void)
{
  CallFixture f = { 0 };
  g_autoptr(ZeroTestProc) cli = NULL;
  g_autofree char *session = zero_uuid_generate ();
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  call_fixture_start (&f, "Carol", 160, 120, 15);
  {
    const char *extra[] = { "--create", "--session", session, "--password", "s3cret",
                            "--name", "Dave", "--video-source", "test", "--audio-source", "test",
                            "--resolution", "160x120", "--fps", "15", NULL };

    cli = call_spawn_cli (&f, "dave", extra);
  }
  g_assert_nonnull (zero_test_proc_wait_event (cli, "joined", NULL, NULL, T (10000)));

  /* Type the UUID as a user would: Join becomes clickable once it is whole. */
  app_test_type (GTK_EDITABLE (WELCOME_CHILD (&f, "join_row")), session, NULL, NULL);
  click (WELCOME_CHILD (&f, "join_button"));
  ZERO_ASSERT_WAIT ((dialog = visible_dialog ("Password Required")) != NULL, T (10000));
  g_assert_false (zero_window_get_in_call (f.window));
  entry = adw_message_dialog_get_extra_child (dialog);
  g_assert_true (GTK_IS_ENTRY (entry));
  g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (entry)));
  gtk_editable_set_text (GTK_EDITABLE (entry), "wrong");
  respond (dialog, "password");

  /* Wrong: asked again, saying so. */
  ZERO_ASSERT_WAIT ((dialog = visible_dialog ("Password Required")) != NULL &&
                    strstr (adw_message_dialog_get_body (dialog), "not accepted") != NULL,
                    T (10000));
  entry = adw_message_dialog_get_extra_child (dialog);
  gtk_editable_set_text (GTK_EDITABLE (entry), "s3cret");
  respond (dialog, "password");
  ZERO_ASSERT_WAIT (zero_window_get_in_call (f.window), T (10000));
  g_assert_cmpstr (zero_session_manager_get_session_id (zero_window_get_manager (f.window)), ==,
                   session);
  ZERO_ASSERT_WAIT (n_tiles (&f) == 2, T (10000));
  g_assert_nonnull (zero_test_proc_wait_event (cli, "peer-joined", "name", "Carol", T (10000)));

  /* Ctrl+W's action leaves. */
  g_action_group_activate_action (G_ACTION_GROUP (f.window), "leave", NULL);
  g_assert_cmpstr (zero_window_get_page (f.window), ==, "welcome");
  g_assert_cmpuint (n_tiles (&f), ==, 0);

  zero_test_proc_kill (cli, SIGTERM);
  g_assert_true (zero_test_proc_wait_exit (cli, T (10000)));
  call_fixture_stop (&f);
}

static void
on_silent_client (GSocketService     *service,
                  GSocketConnection  *connection,
                  GObject            *source,
                  gpointer            user_data)
{
  /* Accepts and closes: not a signaling server. */
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

/* The configured server does not answer: the dialog offers to retry or to run the
 * built-in server; the built-in server gets the call going. */
static void
test_call_unreachable_uses_builtin_server (void)
{
  CallFixture f = { 0 };
  g_autoptr(GSocketService) bogus = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *server = NULL;
  AdwMessageDialog *dialog;
  ZeroApplication *app;

  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (bogus), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  g_assert_no_error (error);
  g_signal_connect (bogus, "incoming", G_CALLBACK (on_silent_client), NULL);
  server = g_strdup_printf ("127.0.0.1:%u",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  call_fixture_start (&f, "Erin", 160, 120, 15);
  app = f.app;
  {
    g_autofree char *session = zero_uuid_generate ();

    zero_window_join (f.window, session, server, FALSE);
  }
  ZERO_ASSERT_WAIT ((dialog = visible_dialog ("Cannot Reach the Server")) != NULL, T (15000));
  g_assert_true (adw_message_dialog_has_response (dialog, "retry"));
  g_assert_true (adw_message_dialog_has_response (dialog, "embedded"));
  g_assert_false (zero_window_get_in_call (f.window));

  /* Retry fails the same way and asks again. */
  respond (dialog, "retry");
  ZERO_ASSERT_WAIT ((dialog = visible_dialog ("Cannot Reach the Server")) != NULL, T (15000));
  respond (dialog, "embedded");
  ZERO_ASSERT_WAIT (zero_window_get_in_call (f.window), T (10000));
  g_assert_nonnull (zero_application_get_local_server (app));
  g_assert_cmpuint (zero_signaling_server_get_n_peers (zero_application_get_local_server (app)),
                    ==, 1);
  g_assert_cmpuint (n_tiles (&f), ==, 1);

  zero_window_leave (f.window);
  g_socket_service_stop (bogus);
  g_socket_listener_close (G_SOCKET_LISTENER (bogus));
  call_fixture_stop (&f);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  app_test_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  app_call_tolerate_known_gst_bugs ();
  gst_init (NULL, NULL);

  g_test_add_func ("/app/call/create-and-chat", test_call_create_and_chat);
  g_test_add_func ("/app/call/join-by-uuid-with-password", test_call_join_by_uuid_with_password);
  g_test_add_func ("/app/call/remote-screen-share", test_call_remote_screen_share);
  g_test_add_func ("/app/call/unreachable-uses-builtin-server",
                   test_call_unreachable_uses_builtin_server);
  ret = g_test_run ();
  app_call_cleanup ();
  return ret;
}

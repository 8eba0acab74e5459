/* test-welcome-page.c: the real welcome page, window, actions and shortcuts. */

#include "app-test-util.h"

#include "signaling/zero-uuid.h"
#include "zero-video-tile.h"
#include "zero-welcome-page.h"
#include "zero-window.h"

#define UUID "0b5e5a3c-7c1f-4a8e-9a51-2f0d3c4b5a69"
#define SERVER "meet.example.org:9000"

static ZeroApplication *app;
static char *config_path;

typedef struct
{
  ZeroWindow *window;
  ZeroWelcomePage *page;
  GtkWidget *join_row;
  GtkWidget *join_button;
  GtkWidget *join_hint;
  GtkWidget *name_row;

  /* The last join-requested emission */
  guint joins;
  char *session;
  char *server;
  char *name;
  gboolean audio;
  gboolean video;
  gboolean create;
} Fixture;

static void
on_join_requested (ZeroWindow *window,
                   const char *session,
                   const char *server,
                   const char *name,
                   gboolean    audio,
                   gboolean    video,
                   gboolean    create,
                   Fixture    *f)
{
  f->joins++;
  g_free (f->session);
  g_free (f->server);
  g_free (f->name);
  f->session = g_strdup (session);
  f->server = g_strdup (server);
  f->name = g_strdup (name);
  f->audio = audio;
  f->video = video;
  f->create = create;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  /* A fresh window each time, from the application as the user gets it. */
  g_application_activate (G_APPLICATION (app));
  f->window = zero_application_get_main_window (app);
  g_assert_nonnull (f->window);
  f->page = zero_window_get_welcome_page (f->window);
  f->join_row = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "join_row");
  f->join_button = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "join_button");
  f->join_hint = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "join_hint");
  f->name_row = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "name_row");
  g_signal_connect (f->window, "join-requested", G_CALLBACK (on_join_requested), f);
  ZERO_ASSERT_WAIT (gtk_widget_get_mapped (GTK_WIDGET (f->window)), 5000);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  app_test_close_windows ();
  g_free (f->session);
  g_free (f->server);
  g_free (f->name);
}

static gboolean
has_error_style (GtkWidget *widget)
{
  return gtk_widget_has_css_class (widget, "error");
}

static void
check_while_typing (const char *typed,
                    gpointer    data)
{
  Fixture *f = data;
  gboolean complete = strlen (typed) == 36;

  /* A correct beginning is never flagged; only the whole ID enables Join. */
  g_assert_false (has_error_style (f->join_row));
  g_assert_cmpint (gtk_widget_get_sensitive (f->join_button), ==, complete);
}

static void
test_validate_as_you_type (Fixture       *f,
                           gconstpointer  data)
{
  GtkEditable *entry = GTK_EDITABLE (f->join_row);
  const char *hint;

  g_assert_false (gtk_widget_get_sensitive (f->join_button));
  g_assert_false (has_error_style (f->join_row));

  /* Invalid: error style, a hint naming the problem, Join insensitive. */
  app_test_type (entry, "not-a-session", NULL, NULL);
  g_assert_true (has_error_style (f->join_row));
  g_assert_true (has_error_style (f->join_hint));
  g_assert_false (gtk_widget_get_sensitive (f->join_button));
  hint = gtk_label_get_text (GTK_LABEL (f->join_hint));
  g_assert_nonnull (strstr (hint, "“not-a-session” is not a session ID"));

  /* Valid, typed key by key: never flagged on the way, Join only at the end. */
  gtk_editable_set_text (entry, "");
  g_assert_false (has_error_style (f->join_row));
  app_test_type (entry, UUID, check_while_typing, f);
  g_assert_true (gtk_widget_get_sensitive (f->join_button));
  g_assert_false (has_error_style (f->join_hint));
  hint = gtk_label_get_text (GTK_LABEL (f->join_hint));
  g_assert_nonnull (strstr (hint, UUID));
  g_assert_nonnull (strstr (hint, SERVER));

  /* One character too many: invalid again. */
  app_test_type (entry, "0", NULL, NULL);
  g_assert_true (has_error_style (f->join_row));
  g_assert_false (gtk_widget_get_sensitive (f->join_button));

  /* A link to another server. */
  gtk_editable_set_text (entry, "zero://10.1.2.3:8443/" UUID);
  g_assert_false (has_error_style (f->join_row));
  g_assert_true (gtk_widget_get_sensitive (f->join_button));
  hint = gtk_label_get_text (GTK_LABEL (f->join_hint));
  g_assert_nonnull (strstr (hint, "10.1.2.3:8443"));

  /* A link with a bad port. */
  gtk_editable_set_text (entry, "zero://10.1.2.3:0/" UUID);
  g_assert_true (has_error_style (f->join_row));
  g_assert_false (gtk_widget_get_sensitive (f->join_button));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (f->join_hint)), "port"));
}

static void
test_name_required (Fixture       *f,
                    gconstpointer  data)
{
  /* The name comes from config.yaml's user.name. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->name_row)), ==, "Ada Lovelace");
  g_assert_cmpstr (zero_video_tile_get_name (zero_welcome_page_get_preview (f->page)), ==,
                   "Ada Lovelace");

  gtk_editable_set_text (GTK_EDITABLE (f->join_row), UUID);
  g_assert_true (gtk_widget_get_sensitive (f->join_button));

  gtk_editable_set_text (GTK_EDITABLE (f->name_row), "   ");
  g_assert_true (has_error_style (f->name_row));
  g_assert_false (gtk_widget_get_sensitive (f->join_button));
  g_assert_false (gtk_widget_get_sensitive (app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE,
                                                            "start_button")));

  gtk_editable_set_text (GTK_EDITABLE (f->name_row), "Grace");
  g_assert_false (has_error_style (f->name_row));
  g_assert_true (gtk_widget_get_sensitive (f->join_button));
  g_assert_cmpstr (zero_video_tile_get_name (zero_welcome_page_get_preview (f->page)), ==,
                   "Grace");
}

static void
test_new_session (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *new_button = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "new_button");
  GtkWidget *revealer = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "new_revealer");
  GtkWidget *session_row = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "session_row");
  GtkWidget *link_row = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "link_row");
  g_autofree char *first = NULL;
  g_autofree char *expected_link = NULL;
  const char *session;

  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  g_signal_emit_by_name (new_button, "clicked");
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));

  session = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (session_row));
  g_assert_true (zero_uuid_is_valid (session));
  g_assert_cmpstr (session, ==, zero_welcome_page_get_new_session (f->page));
  expected_link = g_strconcat ("zero://" SERVER "/", session, NULL);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (link_row)), ==,
                   expected_link);

  /* Another click, another session. */
  first = g_strdup (session);
  g_signal_emit_by_name (new_button, "clicked");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (session_row)), !=, first);
  g_assert_true (zero_uuid_is_valid (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (session_row))));
}

static void
test_copy (Fixture       *f,
           gconstpointer  data)
{
  GtkWidget *copy_session = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE,
                                            "copy_session_button");
  GtkWidget *copy_link = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "copy_link_button");
  g_autofree char *link = NULL;
  g_autofree char *clip1 = NULL;
  g_autofree char *clip2 = NULL;
  const char *session;

  session = zero_welcome_page_new_session (f->page);
  link = zero_welcome_page_dup_new_link (f->page);

  g_signal_emit_by_name (copy_session, "clicked");
  clip1 = app_test_read_clipboard (GTK_WIDGET (f->window));
  g_assert_cmpstr (clip1, ==, session);
  ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (f->window), "Session ID copied"), 2000);

  g_signal_emit_by_name (copy_link, "clicked");
  clip2 = app_test_read_clipboard (GTK_WIDGET (f->window));
  g_assert_cmpstr (clip2, ==, link);
  g_assert_true (g_str_has_prefix (clip2, "zero://" SERVER "/"));
}

static void
test_paste (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *paste = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "paste_button");

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (f->window)),
                          "  zero://peer.example.org:7000/" UUID "\n");
  g_signal_emit_by_name (paste, "clicked");
  ZERO_ASSERT_WAIT (strlen (gtk_editable_get_text (GTK_EDITABLE (f->join_row))) > 0, 5000);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->join_row)), ==,
                   "zero://peer.example.org:7000/" UUID);
  g_assert_true (gtk_widget_get_sensitive (f->join_button));
}

static void
test_join (Fixture       *f,
           gconstpointer  data)
{
  GtkWidget *mic = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "mic_button");
  GtkWidget *camera = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "camera_button");
  ZeroVideoTile *preview = zero_welcome_page_get_preview (f->page);
  GtkWidget *start = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "start_button");
  const char *created;

  /* Join by ID, mic and camera on. */
  gtk_editable_set_text (GTK_EDITABLE (f->join_row), UUID);
  g_signal_emit_by_name (f->join_button, "clicked");
  g_assert_cmpuint (f->joins, ==, 1);
  g_assert_cmpstr (f->session, ==, UUID);
  g_assert_cmpstr (f->server, ==, SERVER);
  g_assert_cmpstr (f->name, ==, "Ada Lovelace");
  g_assert_true (f->audio);
  g_assert_true (f->video);
  g_assert_false (f->create);

  /* Ctrl+D's action turns the mic off: the toggle, its icon and the preview follow. */
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (mic)));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "toggle-mic", NULL);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (mic)));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (mic)), ==, "microphone-disabled-symbolic");
  g_assert_true (gtk_widget_has_css_class (mic, "media-off"));
  g_assert_true (zero_video_tile_get_audio_muted (preview));

  /* Clicking the camera toggle turns the camera off, and the action's state follows. */
  g_signal_emit_by_name (camera, "clicked");
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (camera)));
  {
    g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (f->window),
                                                                 "toggle-camera");
    g_assert_false (g_variant_get_boolean (state));
  }
  g_assert_true (zero_video_tile_get_video_off (preview));

  /* Enter in the row joins too, now with mic and camera off, on the link's server. */
  gtk_editable_set_text (GTK_EDITABLE (f->join_row), "zero://10.0.0.9:8443/" UUID);
  g_signal_emit_by_name (f->join_row, "entry-activated");
  g_assert_cmpuint (f->joins, ==, 2);
  g_assert_cmpstr (f->server, ==, "10.0.0.9:8443");
  g_assert_false (f->audio);
  g_assert_false (f->video);

  /* A new session is joined with create = TRUE. */
  created = zero_welcome_page_new_session (f->page);
  g_signal_emit_by_name (start, "clicked");
  g_assert_cmpuint (f->joins, ==, 3);
  g_assert_cmpstr (f->session, ==, created);
  g_assert_true (f->create);
  g_assert_cmpstr (f->server, ==, SERVER);

  /* win.join checks its parameters itself (it is reachable over D-Bus). */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "join",
                                  g_variant_new ("(sssbbb)", "bogus", SERVER, "x",
                                                 TRUE, TRUE, FALSE));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "join",
                                  g_variant_new ("(sssbbb)", UUID, SERVER, "",
                                                 TRUE, TRUE, FALSE));
  g_assert_cmpuint (f->joins, ==, 3);
  ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (f->window), "“bogus” is not a session ID"),
                    2000);
}

static void
test_window_join (Fixture       *f,
                  gconstpointer  data)
{
  /* What --join and zero:// links do: fill the page and join at once. */
  zero_window_join (f->window, UUID, "peer.example.org:7000", FALSE);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->join_row)), ==,
                   "zero://peer.example.org:7000/" UUID);
  g_assert_cmpuint (f->joins, ==, 1);
  g_assert_cmpstr (f->server, ==, "peer.example.org:7000");
  g_assert_cmpstr (f->name, ==, "Ada Lovelace");

  zero_window_join (f->window, UUID, NULL, FALSE);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->join_row)), ==, UUID);
  g_assert_cmpuint (f->joins, ==, 2);
  g_assert_cmpstr (f->server, ==, SERVER);

  /* GApplication's open (D-Bus activation, `gapplication launch`): zero:// links. */
  {
    GFile *files[2];

    files[0] = g_file_new_for_uri ("zero://10.9.8.7:8123/" UUID);
    files[1] = g_file_new_for_uri ("zero://10.9.8.7:8123/not-a-session");
    g_application_open (G_APPLICATION (app), files, 2, "");
    g_assert_cmpuint (f->joins, ==, 3);
    g_assert_cmpstr (f->server, ==, "10.9.8.7:8123");
    ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (f->window),
                                           "session ID “not-a-session” is not valid"), 3000);
    g_object_unref (files[0]);
    g_object_unref (files[1]);
  }
}

static void
test_shortcuts (Fixture       *f,
                gconstpointer  data)
{
  static const struct
  {
    const char *action;
    const char *accel;
    gboolean before_call;
  } shortcuts[] = {
    { "win.toggle-mic", "<Control>d", TRUE },
    { "win.toggle-camera", "<Control>e", TRUE },
    { "win.share-screen", "<Shift><Control>s", FALSE },
    { "win.toggle-chat", "<Shift><Control>c", FALSE },
    { "win.leave", "<Control>w", FALSE },
    { "app.quit", "<Control>q", TRUE },
    { "win.show-help-overlay", "F1", TRUE },
    { "win.show-help-overlay", "<Control>question", TRUE },
  };
  GtkShortcutsWindow *overlay;

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                    shortcuts[i].action);
      g_autofree char *want = NULL;
      guint key;
      GdkModifierType mods;
      gboolean found = FALSE;
      const char *name = strchr (shortcuts[i].action, '.') + 1;
      GActionGroup *group = g_str_has_prefix (shortcuts[i].action, "app.")
                              ? G_ACTION_GROUP (app) : G_ACTION_GROUP (f->window);

      g_assert_true (gtk_accelerator_parse (shortcuts[i].accel, &key, &mods));
      want = gtk_accelerator_name (key, mods);
      for (guint j = 0; accels[j] != NULL; j++)
        found |= g_strcmp0 (accels[j], want) == 0;
      if (!found)
        g_error ("%s has no accelerator %s", shortcuts[i].action, want);

      g_assert_true (g_action_group_has_action (group, name));
      g_assert_cmpint (g_action_group_get_action_enabled (group, name), ==,
                       shortcuts[i].before_call);
    }

  /* In a call, the call actions come alive; leaving disables them again. */
  zero_window_set_in_call (f->window, TRUE);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), "share-screen"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), "toggle-chat"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), "leave"));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "leave", NULL);
  g_assert_false (zero_window_get_in_call (f->window));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), "leave"));

  /* The shortcuts window lists every call shortcut. */
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (f->window));
  g_assert_nonnull (overlay);
  g_assert_true (app_test_find_label (GTK_WIDGET (overlay), "Turn microphone on or off"));
  g_assert_true (app_test_find_label (GTK_WIDGET (overlay), "Turn camera on or off"));
  g_assert_true (app_test_find_label (GTK_WIDGET (overlay), "Share screen"));
  g_assert_true (app_test_find_label (GTK_WIDGET (overlay), "Show or hide chat"));
  g_assert_true (app_test_find_label (GTK_WIDGET (overlay), "Leave the call"));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "show-help-overlay", NULL);
  ZERO_ASSERT_WAIT (gtk_widget_get_mapped (GTK_WIDGET (overlay)), 5000);
}

static void
get_allocation_y (GtkWidget *widget,
                  GtkWidget *relative_to,
                  double    *y)
{
  double x;

  g_assert_true (gtk_widget_translate_coordinates (widget, relative_to, 0, 0, &x, y));
}

static void
test_adaptive (Fixture       *f,
               gconstpointer  data)
{
  GtkWidget *preview = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "preview_column");
  GtkWidget *form = app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "form_column");
  GtkWidget *tile = GTK_WIDGET (zero_welcome_page_get_preview (f->page));
  double py, fy;

  /* Wide: side by side, the preview 16:9. */
  ZERO_ASSERT_WAIT (gtk_widget_get_width (GTK_WIDGET (f->page)) >= 720, 5000);
  g_assert_cmpint (gtk_widget_get_width (preview), <, gtk_widget_get_width (GTK_WIDGET (f->page)));
  g_assert_cmpint (abs (gtk_widget_get_width (tile) * 9 - gtk_widget_get_height (tile) * 16), <=,
                   16 * 2);

  /* Narrow: stacked, preview above the form. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 400, 700);
  ZERO_ASSERT_WAIT (gtk_widget_get_width (GTK_WIDGET (f->page)) < 720, 5000);
  ZERO_WAIT_UNTIL (FALSE, 200);
  get_allocation_y (preview, GTK_WIDGET (f->page), &py);
  get_allocation_y (form, GTK_WIDGET (f->page), &fy);
  g_assert_cmpfloat (fy, >=, py + gtk_widget_get_height (preview));
  g_assert_cmpint (gtk_widget_get_width (preview), ==, gtk_widget_get_width (GTK_WIDGET (f->page)));
}

/* Renders the window to PNG: the metainfo screenshot (data/screenshots). */
static void
test_screenshot (Fixture       *f,
                 gconstpointer  data)
{
  const char *dir = g_getenv ("ZERO_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkTexture) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *pixels = NULL;
  GskRenderer *renderer;
  int width, height, distinct = 0;

  if (dir == NULL)
    dir = g_getenv ("ZERO_TEST_ARTIFACTS");
  if (dir == NULL)
    dir = g_get_tmp_dir ();
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, "welcome.png", NULL);

  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 640);
  zero_welcome_page_new_session (f->page);
  ZERO_ASSERT_WAIT (gtk_widget_get_width (GTK_WIDGET (f->window)) >= 900 &&
                    gtk_revealer_get_child_revealed (GTK_REVEALER (
                      app_test_child (f->page, ZERO_TYPE_WELCOME_PAGE, "new_revealer"))),
                    30000);
  ZERO_WAIT_UNTIL (FALSE, 300); /* one more frame for the last paint */

  width = gtk_widget_get_width (GTK_WIDGET (f->window));
  height = gtk_widget_get_height (GTK_WIDGET (f->window));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (f->window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s (%dx%d)", path, width, height);

  /* It is a real picture of the page, not a blank. */
  loaded = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (loaded), ==, width);
  pixels = g_new (guint32, (gsize) width * height);
  gdk_texture_download (loaded, (guchar *) pixels, (gsize) width * 4);
  for (int i = 1; i < width * height; i += 97)
    distinct += pixels[i] != pixels[0];
  g_assert_cmpint (distinct, >, 100);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  config_path = app_test_make_config_home ("# Settings for the welcome page test\n"
                                           "user:\n"
                                           "  name: Ada Lovelace   # shown on the page\n"
                                           "signaling:\n"
                                           "  server_address: \"" SERVER "\"\n");
  app_test_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  app = app_test_start ();
  app_test_close_windows ();

#define ADD(path, func) \
  g_test_add ("/app/welcome-page/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("validate-as-you-type", test_validate_as_you_type);
  ADD ("name-required", test_name_required);
  ADD ("new-session", test_new_session);
  ADD ("copy", test_copy);
  ADD ("paste", test_paste);
  ADD ("join", test_join);
  ADD ("window-join", test_window_join);
  ADD ("shortcuts", test_shortcuts);
  ADD ("adaptive", test_adaptive);
  ADD ("screenshot", test_screenshot);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);
  app_test_remove_config_home (config_path);
  g_free (config_path);
  return ret;
}

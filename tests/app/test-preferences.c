/* test-preferences.c: the preferences window writes config.yaml, losing nothing. */

#include "app-test-util.h"

#include "zero-ice-server-row.h"
#include "zero-preferences-window.h"
#include "zero-welcome-page.h"
#include "zero-window.h"

static const char config_yaml[] =
  "# Zero settings (hand-edited)\n"
  "signaling:\n"
  "  server_address: \"localhost:8080\"   # the office server\n"
  "user:\n"
  "  name: \"Ada\"   # who I am\n"
  "media:\n"
  "  video:\n"
  "    resolution: HD   # 720p is plenty\n"
  "    device: \"missing-cam-42\"   # the USB camera at home\n"
  "webrtc:\n"
  "  ice_servers:\n"
  "    - urls: [\"stun:stun.example.org:3478\"]\n";

typedef struct
{
  char *path;
  ZeroApplication *app;
  ZeroPreferencesWindow *prefs;
} Fixture;

static GtkWidget *
child (Fixture    *f,
       const char *name)
{
  return app_test_child (f->prefs, ZERO_TYPE_PREFERENCES_WINDOW, name);
}

static char *
read_file (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (f->path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* What a fresh load of the saved file says (the round trip). */
static ZeroConfig *
reload (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ZeroConfig *config = zero_config_load (f->path, &error);

  g_assert_no_error (error);
  return config;
}

static void
assert_comments_kept (Fixture *f)
{
  g_autofree char *text = read_file (f);

  g_assert_nonnull (strstr (text, "# Zero settings (hand-edited)\n"));
  g_assert_nonnull (strstr (text, "# the office server"));
  g_assert_nonnull (strstr (text, "# 720p is plenty"));
  g_assert_nonnull (strstr (text, "# the USB camera at home"));
}

static void
apply_entry (GtkWidget  *row,
             const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

/* GLib reads XDG_CONFIG_HOME once: one directory for the whole program. */
static char *config_path;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->path = g_strdup (config_path);
  g_file_set_contents (f->path, config_yaml, -1, &error);
  g_assert_no_error (error);
  f->app = app_test_start ();
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  f->prefs = ZERO_PREFERENCES_WINDOW (app_test_find_window (ZERO_TYPE_PREFERENCES_WINDOW, NULL));
  g_assert_nonnull (f->prefs);
  ZERO_ASSERT_WAIT (gtk_widget_get_mapped (GTK_WIDGET (f->prefs)), 5000);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  app_test_close_windows ();
  g_object_unref (f->app);
  g_free (f->path);
}

static void
test_loads_values (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *ice_list = child (f, "ice_list");
  GtkWidget *row = gtk_widget_get_first_child (ice_list);
  g_autofree char *text = NULL;

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (f, "name_row"))), ==, "Ada");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (f, "server_row"))), ==,
                   "localhost:8080");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (child (f, "resolution_row"))), ==,
                    0);
  g_assert_false (gtk_widget_get_visible (child (f, "custom_resolution_row")));

  g_assert_true (ZERO_IS_ICE_SERVER_ROW (row));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   "stun:stun.example.org:3478");
  g_assert_null (gtk_widget_get_next_sibling (row));

  /* Opening the window changes nothing on disk. */
  text = read_file (f);
  g_assert_cmpstr (text, ==, config_yaml);
}

static void
test_name (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(ZeroConfig) saved = NULL;
  ZeroWindow *window = zero_application_get_main_window (f->app);
  GtkWidget *welcome_name = app_test_child (zero_window_get_welcome_page (window),
                                            ZERO_TYPE_WELCOME_PAGE, "name_row");

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (welcome_name)), ==, "Ada");
  apply_entry (child (f, "name_row"), "Grace Hopper");

  saved = reload (f);
  g_assert_cmpstr (zero_config_get_string (saved, "user.name"), ==, "Grace Hopper");
  g_assert_cmpstr (zero_config_get_string (saved, "media.video.device"), ==, "missing-cam-42");
  assert_comments_kept (f);
  /* The welcome page follows the setting. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (welcome_name)), ==, "Grace Hopper");
}

static void
test_server (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *row = child (f, "server_row");
  g_autoptr(ZeroConfig) saved = NULL;
  g_autofree char *text = NULL;

  /* Refused: marked, told, and the file is left alone. */
  apply_entry (row, "ftp://nowhere");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (f->prefs), "Not changed"), 3000);
  text = read_file (f);
  g_assert_cmpstr (text, ==, config_yaml);

  apply_entry (row, "wss://meet.example.org/ws");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  saved = reload (f);
  g_assert_cmpstr (zero_config_get_string (saved, "signaling.server_address"), ==,
                   "wss://meet.example.org/ws");
  assert_comments_kept (f);
}

static void
test_resolution (Fixture       *f,
                 gconstpointer  data)
{
  AdwComboRow *combo = ADW_COMBO_ROW (child (f, "resolution_row"));
  GtkWidget *custom = child (f, "custom_resolution_row");
  g_autoptr(ZeroConfig) a = NULL;
  g_autoptr(ZeroConfig) b = NULL;
  g_autoptr(ZeroConfig) c = NULL;
  int width, height;

  adw_combo_row_set_selected (combo, 1);
  a = reload (f);
  g_assert_cmpstr (zero_config_get_string (a, "media.video.resolution"), ==, "FullHD");

  adw_combo_row_set_selected (combo, 2);
  g_assert_true (gtk_widget_get_visible (custom));
  apply_entry (custom, "800×600");
  b = reload (f);
  g_assert_cmpstr (zero_config_get_string (b, "media.video.resolution"), ==, "800x600");
  zero_config_get_resolution (b, &width, &height);
  g_assert_cmpint (width, ==, 800);
  g_assert_cmpint (height, ==, 600);

  /* Odd sizes cannot be encoded: refused, and the file keeps 800x600. */
  apply_entry (custom, "801x600");
  g_assert_true (gtk_widget_has_css_class (custom, "error"));
  c = reload (f);
  g_assert_cmpstr (zero_config_get_string (c, "media.video.resolution"), ==, "800x600");
  assert_comments_kept (f);

  /* A new window shows the custom size. */
  gtk_window_destroy (GTK_WINDOW (f->prefs));
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  f->prefs = ZERO_PREFERENCES_WINDOW (app_test_find_window (ZERO_TYPE_PREFERENCES_WINDOW, NULL));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (child (f, "resolution_row"))), ==,
                    2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (f, "custom_resolution_row"))), ==,
                   "800x600");
}

static void
test_ice_servers (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *ice_list = child (f, "ice_list");
  GtkWidget *add = child (f, "add_ice_button");
  GtkWidget *first, *added;
  g_autoptr(ZeroConfig) saved = NULL;
  g_autoptr(ZeroConfig) after_remove = NULL;
  g_autoptr(GPtrArray) servers = NULL;
  ZeroIceServer *turn;

  first = gtk_widget_get_first_child (ice_list);
  g_signal_emit_by_name (add, "clicked");
  added = gtk_widget_get_next_sibling (first);
  g_assert_true (ZERO_IS_ICE_SERVER_ROW (added));
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (added)));

  /* A TURN server without credentials is refused. */
  apply_entry (app_test_child (added, ZERO_TYPE_ICE_SERVER_ROW, "urls_row"),
               "turn:turn.example.org:3478?transport=tcp");
  ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (f->prefs), "needs a user name"), 3000);
  g_assert_true (gtk_widget_has_css_class (app_test_child (added, ZERO_TYPE_ICE_SERVER_ROW,
                                                           "username_row"), "error"));
  saved = reload (f);
  servers = zero_config_get_ice_servers (saved);
  g_assert_cmpuint (servers->len, ==, 1);
  g_clear_pointer (&servers, g_ptr_array_unref);
  g_clear_object (&saved);

  /* With them it is saved, after the first one. */
  apply_entry (app_test_child (added, ZERO_TYPE_ICE_SERVER_ROW, "username_row"), "alice");
  apply_entry (app_test_child (added, ZERO_TYPE_ICE_SERVER_ROW, "credential_row"), "s3cret");
  saved = reload (f);
  servers = zero_config_get_ice_servers (saved);
  g_assert_cmpuint (servers->len, ==, 2);
  g_assert_cmpstr (((ZeroIceServer *) servers->pdata[0])->urls[0], ==,
                   "stun:stun.example.org:3478");
  turn = servers->pdata[1];
  g_assert_cmpstr (turn->urls[0], ==, "turn:turn.example.org:3478?transport=tcp");
  g_assert_cmpstr (turn->username, ==, "alice");
  g_assert_cmpstr (turn->credential, ==, "s3cret");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (added)), ==,
                   "turn:turn.example.org:3478?transport=tcp");

  /* An invalid address is refused and named. */
  apply_entry (app_test_child (first, ZERO_TYPE_ICE_SERVER_ROW, "urls_row"), "http://stun");
  g_assert_true (gtk_widget_has_css_class (app_test_child (first, ZERO_TYPE_ICE_SERVER_ROW,
                                                           "urls_row"), "error"));
  apply_entry (app_test_child (first, ZERO_TYPE_ICE_SERVER_ROW, "urls_row"),
               "stun:stun.example.org:3478");

  /* Removing the STUN server leaves the TURN one. */
  g_signal_emit_by_name (app_test_child (first, ZERO_TYPE_ICE_SERVER_ROW, "remove_button"),
                         "clicked");
  after_remove = reload (f);
  g_clear_pointer (&servers, g_ptr_array_unref);
  servers = zero_config_get_ice_servers (after_remove);
  g_assert_cmpuint (servers->len, ==, 1);
  g_assert_cmpstr (((ZeroIceServer *) servers->pdata[0])->username, ==, "alice");
  assert_comments_kept (f);
}

static void
test_devices_kept (Fixture       *f,
                   gconstpointer  data)
{
  AdwComboRow *camera = ADW_COMBO_ROW (child (f, "camera_row"));
  GListModel *model = adw_combo_row_get_model (camera);
  g_autoptr(GtkStringObject) selected = NULL;
  g_autoptr(ZeroConfig) saved = NULL;
  guint n = g_list_model_get_n_items (model);
  guint test_pattern = G_MAXUINT;

  /* The configured camera is not plugged in: still listed, still selected. */
  selected = g_list_model_get_item (model, adw_combo_row_get_selected (camera));
  g_assert_cmpstr (gtk_string_object_get_string (selected), ==, "missing-cam-42 (not connected)");

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_str_equal (gtk_string_object_get_string (item), "Test Pattern"))
        test_pattern = i;
    }
  g_assert_cmpuint (test_pattern, <, n);
  adw_combo_row_set_selected (camera, test_pattern);
  saved = reload (f);
  g_assert_cmpstr (zero_config_get_string (saved, "media.video.source"), ==, "test");
  g_assert_cmpstr (zero_config_get_string (saved, "media.video.device"), ==, "");
  assert_comments_kept (f);
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

#define ADD(path, func) \
  g_test_add ("/app/preferences/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("loads-values", test_loads_values);
  ADD ("name", test_name);
  ADD ("server", test_server);
  ADD ("resolution", test_resolution);
  ADD ("ice-servers", test_ice_servers);
  ADD ("devices-kept", test_devices_kept);
#undef ADD

  ret = g_test_run ();
  app_test_remove_config_home (config_path);
  g_free (config_path);
  return ret;
}

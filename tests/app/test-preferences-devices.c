/* test-preferences-devices.c: device lists in the preferences follow hot-plug.
 *
 * Runs inside tests/support/pipewire/run-with-pipewire.sh: a private PipeWire
 * with a virtual camera ($ZERO_PW_CAMERA) and microphone ($ZERO_PW_MIC). The
 * test plugs a second camera in and out itself. */

#include "app-test-util.h"

#include "zero-preferences-window.h"

#define HOTPLUG_NAME "zero-hotplug-camera"
#define HOTPLUG_LABEL "Zero Hotplug Camera"

static char *
selected_label (AdwComboRow *row)
{
  g_autoptr(GtkStringObject) item =
    g_list_model_get_item (adw_combo_row_get_model (row), adw_combo_row_get_selected (row));

  return g_strdup (gtk_string_object_get_string (item));
}

static guint
find_label (AdwComboRow *row,
            const char  *label)
{
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_str_equal (gtk_string_object_get_string (item), label))
        return i;
    }
  return G_MAXUINT;
}

static void
test_hotplug (void)
{
  g_autofree char *path = app_test_make_config_home ("# devices test\nmedia:\n  video:\n"
                                                     "    source: auto\n");
  g_autoptr(ZeroApplication) app = NULL;
  g_autoptr(ZeroMediaDevice) camera = NULL;
  g_autoptr(ZeroMediaDevice) mic = NULL;
  g_autoptr(ZeroConfig) saved = NULL;
  g_autoptr(GstElement) hotplug = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  ZeroPreferencesWindow *prefs;
  ZeroDeviceList *devices;
  AdwComboRow *camera_row, *mic_row;
  guint index;

  g_assert_nonnull (g_getenv ("ZERO_PW_CAMERA"));
  app = app_test_start ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  prefs = ZERO_PREFERENCES_WINDOW (app_test_find_window (ZERO_TYPE_PREFERENCES_WINDOW, NULL));
  devices = zero_preferences_window_get_device_list (prefs);
  camera_row = ADW_COMBO_ROW (app_test_child (prefs, ZERO_TYPE_PREFERENCES_WINDOW, "camera_row"));
  mic_row = ADW_COMBO_ROW (app_test_child (prefs, ZERO_TYPE_PREFERENCES_WINDOW,
                                           "microphone_row"));

  /* The harness's camera and microphone are listed by name. */
  ZERO_ASSERT_WAIT ((camera = zero_device_list_find (devices, ZERO_DEVICE_VIDEO_SOURCE, NULL,
                                                     g_getenv ("ZERO_PW_CAMERA"))) != NULL,
                    10000);
  ZERO_ASSERT_WAIT (find_label (camera_row, camera->name) != G_MAXUINT, 5000);
  ZERO_ASSERT_WAIT ((mic = zero_device_list_find (devices, ZERO_DEVICE_AUDIO_SOURCE, NULL,
                                                  g_getenv ("ZERO_PW_MIC"))) != NULL, 10000);
  ZERO_ASSERT_WAIT (find_label (mic_row, mic->name) != G_MAXUINT, 5000);
  label = selected_label (camera_row);
  g_assert_cmpstr (label, ==, "Automatic");
  g_clear_pointer (&label, g_free);

  /* Choosing it saves the node name (stable across sessions), source pipewire. */
  adw_combo_row_set_selected (camera_row, find_label (camera_row, camera->name));
  saved = zero_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (zero_config_get_string (saved, "media.video.source"), ==, "pipewire");
  g_assert_cmpstr (zero_config_get_string (saved, "media.video.device"), ==,
                   g_getenv ("ZERO_PW_CAMERA"));

  /* Plug a second camera in: it shows up, the choice stays. */
  hotplug = gst_parse_launch ("videotestsrc is-live=true ! "
                              "video/x-raw,format=I420,width=320,height=240,framerate=15/1 ! "
                              "pipewiresink mode=provide stream-properties=\"props,"
                              "media.class=Video/Source,node.name=" HOTPLUG_NAME ","
                              "node.description=(string)\\\"" HOTPLUG_LABEL "\\\"\"", &error);
  g_assert_no_error (error);
  gst_element_set_state (hotplug, GST_STATE_PLAYING);
  ZERO_ASSERT_WAIT (find_label (camera_row, HOTPLUG_LABEL) != G_MAXUINT, 10000);
  label = selected_label (camera_row);
  g_assert_cmpstr (label, ==, camera->name);
  g_clear_pointer (&label, g_free);

  /* Unplug it: gone again, and still nothing written by the list change. */
  gst_element_set_state (hotplug, GST_STATE_NULL);
  ZERO_ASSERT_WAIT (find_label (camera_row, HOTPLUG_LABEL) == G_MAXUINT, 10000);
  label = selected_label (camera_row);
  g_assert_cmpstr (label, ==, camera->name);

  index = find_label (camera_row, "Automatic");
  g_assert_cmpuint (index, ==, 0);

  app_test_close_windows ();
  app_test_remove_config_home (path);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);

  g_test_add_func ("/app/preferences-devices/hotplug", test_hotplug);

  return g_test_run ();
}

/* zero-preferences-window.c: the settings a user may change, saved to config.yaml.
 *
 * Every change goes through a zero_config_set_*() (which validates it like
 * the loader does) and is saved at once with zero_config_save(), which
 * patches the file and keeps the user's comments and other keys. A refusal
 * or a failed save is shown as a toast and the field is marked; nothing is
 * lost silently. Device lists follow hot-plug through ZeroDeviceList; a
 * configured device that is not plugged in stays listed, so that opening
 * the preferences never changes a setting by itself. */

#include "zero-preferences-window.h"

#include <glib/gi18n.h>
#include <string.h>

#include "zero-application.h"
#include "zero-ice-server-row.h"
#include "camera/zero-media-source.h"
#include "sessionmanager/zero-session-manager.h"

typedef struct
{
  char *label;
  char *source; /* value for the source key */
  char *device; /* value for the device key ("" = any) */
} Choice;

typedef struct
{
  AdwComboRow *row;
  ZeroDeviceClass device_class;
  const char *source_key;
  const char *device_key;
  GPtrArray *choices; /* of Choice, same order as the row's model */
} DeviceCombo;

enum
{
  COMBO_CAMERA,
  COMBO_MICROPHONE,
  COMBO_SPEAKER,
  N_COMBOS
};

enum
{
  RESOLUTION_HD,
  RESOLUTION_FULL_HD,
  RESOLUTION_CUSTOM,
};

struct _ZeroPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  ZeroApplication *application;
  ZeroConfig *config;
  ZeroDeviceList *devices;
  DeviceCombo combos[N_COMBOS];
  guint updating; /* > 0 while the window itself sets widgets */

  /* Template children */
  AdwEntryRow *name_row;
  AdwEntryRow *server_row;
  AdwComboRow *camera_row;
  AdwComboRow *microphone_row;
  AdwComboRow *speaker_row;
  AdwComboRow *resolution_row;
  AdwEntryRow *custom_resolution_row;
  GtkListBox *ice_list;
  GtkWidget *add_ice_button;
};

G_DEFINE_FINAL_TYPE (ZeroPreferencesWindow, zero_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
choice_free (gpointer data)
{
  Choice *choice = data;

  g_free (choice->label);
  g_free (choice->source);
  g_free (choice->device);
  g_free (choice);
}

static void
add_choice (DeviceCombo *combo,
            const char  *label,
            const char  *source,
            const char  *device)
{
  Choice *choice = g_new0 (Choice, 1);

  choice->label = g_strdup (label);
  choice->source = g_strdup (source);
  choice->device = g_strdup (device ? device : "");
  g_ptr_array_add (combo->choices, choice);
}

static void
show_toast (ZeroPreferencesWindow *self,
            const char            *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static void
show_error (ZeroPreferencesWindow *self,
            const char            *context,
            const GError          *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", context, error->message);
  AdwToast *toast = adw_toast_new (text);

  /* Ahead of queued toasts: it answers what the user just did. */
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static gboolean
save (ZeroPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!zero_application_save_config (self->application, &error))
    {
      show_error (self, _("Settings not saved"), error);
      return FALSE;
    }
  return TRUE;
}

static void
mark_error (AdwEntryRow *row,
            gboolean     is_error)
{
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

/* Sets one string key and saves; on refusal shows why and marks @row. */
static gboolean
apply_string (ZeroPreferencesWindow *self,
              AdwEntryRow           *row,
              const char            *key,
              const char            *value)
{
  g_autoptr(GError) error = NULL;

  if (!zero_config_set_string (self->config, key, value, &error))
    {
      if (row != NULL)
        mark_error (row, TRUE);
      show_error (self, _("Not changed"), error);
      return FALSE;
    }
  if (row != NULL)
    mark_error (row, FALSE);
  return save (self);
}

/* Devices */

static gboolean
api_allowed (const DeviceCombo *combo,
             const char        *api)
{
  /* What the capture and playback code can open (camera/zero-media-source.c). */
  if (combo->device_class == ZERO_DEVICE_VIDEO_SOURCE)
    return g_strcmp0 (api, "pipewire") == 0 || g_strcmp0 (api, "v4l2") == 0;
  return g_strcmp0 (api, "pipewire") == 0;
}

static void
rebuild_combo (ZeroPreferencesWindow *self,
               DeviceCombo           *combo)
{
  g_autoptr(GPtrArray) devices = zero_device_list_get (self->devices, combo->device_class);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  const char *source = zero_config_get_string (self->config, combo->source_key);
  const char *device = zero_config_get_string (self->config, combo->device_key);
  guint selected = G_MAXUINT;

  g_ptr_array_set_size (combo->choices, 0);
  add_choice (combo, _("Automatic"), "auto", "");

  for (guint i = 0; i < devices->len; i++)
    {
      ZeroMediaDevice *d = g_ptr_array_index (devices, i);

      if (!api_allowed (combo, d->api) || d->id == NULL)
        continue;
      /* A PipeWire node name outlives the node's serial (a new one at every
       * plug-in or login): it is what a saved setting should name. */
      add_choice (combo, d->name ? d->name : d->id, d->api,
                  d->node_name != NULL ? d->node_name : d->id);
      if (selected == G_MAXUINT && device != NULL && *device != '\0' &&
          zero_media_device_matches (d, device))
        selected = combo->choices->len - 1;
    }

  switch (combo->device_class)
    {
    case ZERO_DEVICE_VIDEO_SOURCE:
      add_choice (combo, _("Test Pattern"), "test", "");
      add_choice (combo, _("No Camera"), "none", "");
      break;
    case ZERO_DEVICE_AUDIO_SOURCE:
      add_choice (combo, _("Test Tone"), "test", "");
      add_choice (combo, _("No Microphone"), "none", "");
      break;
    case ZERO_DEVICE_AUDIO_SINK:
    default:
      add_choice (combo, _("No Sound"), "none", "");
      break;
    }

  if (selected == G_MAXUINT)
    {
      for (guint i = 0; i < combo->choices->len; i++)
        {
          Choice *c = g_ptr_array_index (combo->choices, i);

          if (*c->device == '\0' && (device == NULL || *device == '\0') &&
              g_strcmp0 (c->source, source) == 0)
            {
              selected = i;
              break;
            }
        }
    }

  if (selected == G_MAXUINT)
    {
      /* The configured device is not plugged in (or the source has no entry
       * of its own): keep it listed and selected rather than lose it. */
      g_autofree char *label = NULL;

      if (device != NULL && *device != '\0')
        /* Translators: %s is a device ID from the settings */
        label = g_strdup_printf (_("%s (not connected)"), device);
      else
        /* Translators: %s is a capture system such as pipewire or v4l2 */
        label = g_strdup_printf (_("First %s device"), source);
      add_choice (combo, label, source, device);
      selected = combo->choices->len - 1;
    }

  for (guint i = 0; i < combo->choices->len; i++)
    gtk_string_list_append (labels, ((Choice *) g_ptr_array_index (combo->choices, i))->label);

  self->updating++;
  adw_combo_row_set_model (combo->row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (combo->row, selected);
  self->updating--;
}

static void
rebuild_devices (ZeroPreferencesWindow *self)
{
  for (guint i = 0; i < N_COMBOS; i++)
    rebuild_combo (self, &self->combos[i]);
}

static void
on_device_selected (ZeroPreferencesWindow *self,
                    GParamSpec            *pspec,
                    AdwComboRow           *row)
{
  g_autoptr(GError) error = NULL;
  DeviceCombo *combo = NULL;
  Choice *choice;
  guint selected;

  if (self->updating)
    return;

  for (guint i = 0; i < N_COMBOS; i++)
    if (self->combos[i].row == row)
      combo = &self->combos[i];
  g_assert (combo != NULL);

  selected = adw_combo_row_get_selected (row);
  if (selected >= combo->choices->len)
    return;
  choice = g_ptr_array_index (combo->choices, selected);

  if (!zero_config_set_string (self->config, combo->source_key, choice->source, &error) ||
      !zero_config_set_string (self->config, combo->device_key, choice->device, &error))
    {
      show_error (self, _("Not changed"), error);
      rebuild_combo (self, combo);
      return;
    }
  save (self);
}

/* Resolution */

static void
load_resolution (ZeroPreferencesWindow *self)
{
  const char *value = zero_config_get_string (self->config, "media.video.resolution");
  guint selected = RESOLUTION_CUSTOM;

  if (g_ascii_strcasecmp (value, "HD") == 0)
    selected = RESOLUTION_HD;
  else if (g_ascii_strcasecmp (value, "FullHD") == 0)
    selected = RESOLUTION_FULL_HD;

  self->updating++;
  adw_combo_row_set_selected (self->resolution_row, selected);
  gtk_widget_set_visible (GTK_WIDGET (self->custom_resolution_row), selected == RESOLUTION_CUSTOM);
  if (selected == RESOLUTION_CUSTOM)
    gtk_editable_set_text (GTK_EDITABLE (self->custom_resolution_row), value);
  self->updating--;
}

static void
on_resolution_selected (ZeroPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->resolution_row);

  if (self->updating)
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->custom_resolution_row),
                          selected == RESOLUTION_CUSTOM);
  switch (selected)
    {
    case RESOLUTION_HD:
      apply_string (self, NULL, "media.video.resolution", "HD");
      break;
    case RESOLUTION_FULL_HD:
      apply_string (self, NULL, "media.video.resolution", "FullHD");
      break;
    default:
      /* Saved once a size is entered and applied. */
      if (*gtk_editable_get_text (GTK_EDITABLE (self->custom_resolution_row)) == '\0')
        gtk_editable_set_text (GTK_EDITABLE (self->custom_resolution_row), "640x480");
      gtk_widget_grab_focus (GTK_WIDGET (self->custom_resolution_row));
      break;
    }
}

static void
on_custom_resolution_apply (ZeroPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->custom_resolution_row));
  g_autoptr(GString) value = g_string_new (text);
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  int width, height;

  /* People type the multiplication sign they see in the labels. */
  g_string_replace (value, "×", "x", 0);
  g_strstrip (value->str);
  value->len = strlen (value->str);

  if (!zero_config_parse_resolution (value->str, &width, &height, &error))
    {
      mark_error (self->custom_resolution_row, TRUE);
      show_error (self, _("Not changed"), error);
      return;
    }
  normalized = g_strdup_printf ("%dx%d", width, height);
  apply_string (self, self->custom_resolution_row, "media.video.resolution", normalized);
}

/* Name and server */

static void
on_name_apply (ZeroPreferencesWindow *self)
{
  g_autofree char *name =
    g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));

  apply_string (self, self->name_row, "user.name", name);
}

static void
on_server_apply (ZeroPreferencesWindow *self)
{
  g_autofree char *server =
    g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));

  if (*server == '\0')
    {
      mark_error (self->server_row, TRUE);
      show_toast (self, _("Not changed: enter a server address such as localhost:8080"));
      return;
    }
  apply_string (self, self->server_row, "signaling.server_address", server);
}

/* STUN/TURN servers */

static void
save_ice_servers (ZeroPreferencesWindow *self)
{
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func ((GDestroyNotify) zero_ice_server_free);
  g_autoptr(GError) error = NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->ice_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      ZeroIceServer *server;

      if (!ZERO_IS_ICE_SERVER_ROW (child) || zero_ice_server_row_is_blank (ZERO_ICE_SERVER_ROW (child)))
        continue;
      server = zero_ice_server_row_dup_server (ZERO_ICE_SERVER_ROW (child), &error);
      if (server == NULL)
        {
          adw_expander_row_set_expanded (ADW_EXPANDER_ROW (child), TRUE);
          show_error (self, _("Servers not saved"), error);
          return;
        }
      g_ptr_array_add (servers, server);
    }

  if (!zero_config_set_ice_servers (self->config, servers, &error))
    {
      show_error (self, _("Servers not saved"), error);
      return;
    }
  save (self);
}

static void
on_ice_server_remove (ZeroPreferencesWindow *self,
                      ZeroIceServerRow      *row)
{
  gboolean blank = zero_ice_server_row_is_blank (row);

  gtk_list_box_remove (self->ice_list, GTK_WIDGET (row));
  if (!blank)
    save_ice_servers (self);
}

static GtkWidget *
add_ice_row (ZeroPreferencesWindow *self,
             const ZeroIceServer   *server)
{
  GtkWidget *row = zero_ice_server_row_new (server);

  g_signal_connect_object (row, "changed", G_CALLBACK (save_ice_servers), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "remove", G_CALLBACK (on_ice_server_remove), self,
                           G_CONNECT_SWAPPED);
  gtk_list_box_append (self->ice_list, row);
  return row;
}

static void
on_add_ice_server (ZeroPreferencesWindow *self)
{
  GtkWidget *row = add_ice_row (self, NULL);

  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  gtk_widget_grab_focus (row);
}

static void
load_ice_servers (ZeroPreferencesWindow *self)
{
  g_autoptr(GPtrArray) servers = zero_config_get_ice_servers (self->config);

  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self->ice_list)));)
    gtk_list_box_remove (self->ice_list, child);
  for (guint i = 0; i < servers->len; i++)
    add_ice_row (self, g_ptr_array_index (servers, i));
}

/* Loading */

static void
load (ZeroPreferencesWindow *self)
{
  self->updating++;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         zero_config_get_string (self->config, "user.name"));
  gtk_editable_set_text (GTK_EDITABLE (self->server_row),
                         zero_config_get_string (self->config, "signaling.server_address"));
  self->updating--;
  load_resolution (self);
  load_ice_servers (self);
  rebuild_devices (self);
}

/* GObject */

static void
zero_preferences_window_dispose (GObject *object)
{
  ZeroPreferencesWindow *self = ZERO_PREFERENCES_WINDOW (object);

  if (self->devices != NULL)
    g_signal_handlers_disconnect_by_data (self->devices, self);
  g_clear_object (&self->devices);
  g_clear_object (&self->config);
  g_clear_object (&self->application);
  for (guint i = 0; i < N_COMBOS; i++)
    g_clear_pointer (&self->combos[i].choices, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZERO_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (zero_preferences_window_parent_class)->dispose (object);
}

static void
zero_preferences_window_class_init (ZeroPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zero_preferences_window_dispose;

  g_type_ensure (ZERO_TYPE_ICE_SERVER_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/zerortc/Zero/ui/zero-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, camera_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, microphone_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, speaker_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, resolution_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, custom_resolution_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, ice_list);
  gtk_widget_class_bind_template_child (widget_class, ZeroPreferencesWindow, add_ice_button);
  gtk_widget_class_bind_template_callback (widget_class, on_name_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_server_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_resolution_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_custom_resolution_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_add_ice_server);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close",
                                       NULL);
}

static void
zero_preferences_window_init (ZeroPreferencesWindow *self)
{
  static const struct
  {
    ZeroDeviceClass device_class;
    const char *source_key;
    const char *device_key;
  } combos[N_COMBOS] = {
    [COMBO_CAMERA] = { ZERO_DEVICE_VIDEO_SOURCE, "media.video.source", "media.video.device" },
    [COMBO_MICROPHONE] = { ZERO_DEVICE_AUDIO_SOURCE, "media.audio.source", "media.audio.device" },
    [COMBO_SPEAKER] = { ZERO_DEVICE_AUDIO_SINK, "media.audio.output", "media.audio.output_device" },
  };

  gtk_widget_init_template (GTK_WIDGET (self));

  self->combos[COMBO_CAMERA].row = self->camera_row;
  self->combos[COMBO_MICROPHONE].row = self->microphone_row;
  self->combos[COMBO_SPEAKER].row = self->speaker_row;
  for (guint i = 0; i < N_COMBOS; i++)
    {
      self->combos[i].device_class = combos[i].device_class;
      self->combos[i].source_key = combos[i].source_key;
      self->combos[i].device_key = combos[i].device_key;
      self->combos[i].choices = g_ptr_array_new_with_free_func (choice_free);
      g_signal_connect_object (self->combos[i].row, "notify::selected",
                               G_CALLBACK (on_device_selected), self, G_CONNECT_SWAPPED);
    }
}

/* The engine's device list: inside Flatpak its cameras come from the Camera portal's
 * PipeWire remote, which the process-wide list does not see. Without an engine yet, the
 * process-wide list (camera/zero-device-list.h). */
static ZeroDeviceList *
engine_devices (ZeroApplication *application)
{
  ZeroWindow *window = zero_application_get_main_window (application);
  ZeroSessionManager *manager = window ? zero_window_get_manager (window) : NULL;
  ZeroMediaSource *media = manager ? zero_session_manager_get_media_source (manager) : NULL;

  return media ? zero_media_source_get_devices (media) : zero_device_list_get_default ();
}

/* Public API */

/**
 * zero_preferences_window_new:
 * @application: the application whose settings to edit (its config must be loaded)
 */
GtkWidget *
zero_preferences_window_new (ZeroApplication *application)
{
  ZeroPreferencesWindow *self;

  g_return_val_if_fail (ZERO_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (zero_application_get_config (application) != NULL, NULL);

  self = g_object_new (ZERO_TYPE_PREFERENCES_WINDOW, NULL);
  self->application = g_object_ref (application);
  self->config = g_object_ref (zero_application_get_config (application));
  self->devices = g_object_ref (engine_devices (application));
  g_signal_connect_object (self->devices, "devices-changed", G_CALLBACK (rebuild_devices), self,
                           G_CONNECT_SWAPPED);
  load (self);

  if (!zero_application_get_config_writable (application))
    show_toast (self, _("Changes apply until Zero quits: the settings file has errors and "
                        "is not overwritten"));
  return GTK_WIDGET (self);
}

/* Returns: (transfer none): the device monitor behind the device lists. */
ZeroDeviceList *
zero_preferences_window_get_device_list (ZeroPreferencesWindow *self)
{
  g_return_val_if_fail (ZERO_IS_PREFERENCES_WINDOW (self), NULL);

  return self->devices;
}

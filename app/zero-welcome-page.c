/* zero-welcome-page.c: where a user creates or joins a session.
 *
 * The page checks what is typed as it is typed and only lets the user join
 * something that can work; joining itself is the window's `win.join` action
 * with (session, server, name, audio, video, create). Two columns (preview,
 * form) side by side when there is room, stacked otherwise. */

#include "zero-welcome-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "signaling/zero-uuid.h"
#include "sessionmanager/zero-session-link.h"

#define DEFAULT_SERVER "localhost:8080"
#define MAX_NAME_CHARS 64   /* PROTOCOL.md §3, join.name */
#define COLUMN_SPACING 36
#define WIDE_MIN_WIDTH 720  /* below this the columns stack */

struct _ZeroWelcomePage
{
  GtkWidget parent_instance;

  ZeroConfig *config;
  char *new_session;       /* the session made by "New Session", or NULL */
  char *name_from_config;  /* what the name row was filled with */

  /* Template children */
  GtkWidget *preview_column;
  GtkWidget *form_column;
  ZeroVideoTile *preview;
  GtkLabel *media_status;
  GtkToggleButton *mic_button;
  GtkToggleButton *camera_button;
  AdwEntryRow *name_row;
  AdwEntryRow *join_row;
  GtkLabel *join_hint;
  GtkButton *join_button;
  GtkRevealer *new_revealer;
  AdwActionRow *session_row;
  AdwActionRow *link_row;
  GtkButton *start_button;
  GtkWidget *new_button;
  GtkWidget *paste_button;
  GtkWidget *copy_session_button;
  GtkWidget *copy_link_button;
};

G_DEFINE_FINAL_TYPE (ZeroWelcomePage, zero_welcome_page, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_CONFIG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_toast (ZeroWelcomePage *self,
            const char      *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

static char *
dup_name (ZeroWelcomePage *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
}

static gboolean
name_is_valid (const char *name)
{
  glong len = g_utf8_strlen (name, -1);

  return len >= 1 && len <= MAX_NAME_CHARS;
}

static void
set_hint (ZeroWelcomePage *self,
          const char      *text,
          gboolean         is_error)
{
  GtkWidget *hint = GTK_WIDGET (self->join_hint);

  gtk_label_set_text (self->join_hint, text);
  if (is_error)
    {
      gtk_widget_add_css_class (hint, "error");
      gtk_widget_remove_css_class (hint, "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->join_row), "error");
    }
  else
    {
      gtk_widget_remove_css_class (hint, "error");
      gtk_widget_add_css_class (hint, "dim-label");
      gtk_widget_remove_css_class (GTK_WIDGET (self->join_row), "error");
    }
}

/* Re-checks the name and the session text; runs on every keystroke. */
static void
update_state (ZeroWelcomePage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->join_row));
  g_autoptr(ZeroSessionLink) link = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = dup_name (self);
  gboolean name_ok = name_is_valid (name);

  if (name_ok)
    gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), name_ok);

  link = zero_session_link_parse (text, &error);
  if (link != NULL)
    {
      g_autofree char *configured = zero_welcome_page_dup_server (self);
      g_autofree char *server = zero_session_link_dup_server (link, configured);
      g_autofree char *hint = NULL;

      if (name_ok)
        /* Translators: the first %s is a session ID, the second a server address */
        hint = g_strdup_printf (_("Joins session %s on %s"), link->session, server);
      else if (*name == '\0')
        hint = g_strdup (_("Enter your display name to join"));
      else
        hint = g_strdup_printf (_("Your display name may have at most %d characters"),
                                MAX_NAME_CHARS);
      set_hint (self, hint, !name_ok);
      gtk_widget_remove_css_class (GTK_WIDGET (self->join_row), "error");
      gtk_widget_set_sensitive (GTK_WIDGET (self->join_button), name_ok);
      return;
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->join_button), FALSE);
  if (zero_session_link_is_partial (text))
    set_hint (self, _("Paste the session ID or the zero:// link you were given"), FALSE);
  else
    set_hint (self, error->message, TRUE);
}

static void
update_media_buttons (ZeroWelcomePage *self)
{
  gboolean mic_on = gtk_toggle_button_get_active (self->mic_button);
  gboolean camera_on = gtk_toggle_button_get_active (self->camera_button);
  GtkWidget *mic = GTK_WIDGET (self->mic_button);
  GtkWidget *camera = GTK_WIDGET (self->camera_button);

  gtk_button_set_icon_name (GTK_BUTTON (mic), mic_on ? "audio-input-microphone-symbolic"
                                                     : "microphone-disabled-symbolic");
  gtk_widget_set_tooltip_text (mic, mic_on ? _("Turn microphone off") : _("Turn microphone on"));
  if (mic_on)
    gtk_widget_remove_css_class (mic, "media-off");
  else
    gtk_widget_add_css_class (mic, "media-off");

  gtk_button_set_icon_name (GTK_BUTTON (camera), camera_on ? "camera-video-symbolic"
                                                           : "camera-disabled-symbolic");
  gtk_widget_set_tooltip_text (camera, camera_on ? _("Turn camera off") : _("Turn camera on"));
  if (camera_on)
    gtk_widget_remove_css_class (camera, "media-off");
  else
    gtk_widget_add_css_class (camera, "media-off");

  zero_video_tile_set_audio_muted (self->preview, !mic_on);
  zero_video_tile_set_video_off (self->preview, !camera_on);
}

static void
update_new_session_rows (ZeroWelcomePage *self)
{
  g_autofree char *server = NULL;
  g_autofree char *link = NULL;
  g_autoptr(GError) error = NULL;

  if (self->new_session == NULL)
    return;

  server = zero_welcome_page_dup_server (self);
  link = zero_session_link_build (server, self->new_session, &error);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->session_row), self->new_session);
  if (link != NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->link_row), link);
      adw_action_row_set_subtitle (self->link_row, _("Link"));
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->link_row), "");
      adw_action_row_set_subtitle (self->link_row, error->message);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->link_row), link != NULL);
}

static char *
name_from_config (ZeroConfig *config)
{
  const char *name = config ? zero_config_get_string (config, "user.name") : NULL;

  if (name != NULL && *name != '\0')
    return g_strdup (name);
  name = g_get_real_name ();
  if (name == NULL || *name == '\0' || g_str_equal (name, "Unknown"))
    name = g_get_user_name ();
  return g_strdup (name);
}

static void
load_name (ZeroWelcomePage *self)
{
  g_autofree char *name = name_from_config (self->config);
  const char *current = gtk_editable_get_text (GTK_EDITABLE (self->name_row));

  /* Keep what the user typed here; follow the settings otherwise. */
  if (*current != '\0' && g_strcmp0 (current, self->name_from_config) != 0)
    return;

  g_free (self->name_from_config);
  self->name_from_config = g_strdup (name);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
}

static void
on_config_changed (ZeroWelcomePage *self)
{
  load_name (self);
  update_new_session_rows (self);
  update_state (self);
}

static void
activate_join (ZeroWelcomePage *self,
               const char      *session,
               const char      *server,
               gboolean         create)
{
  g_autofree char *name = dup_name (self);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.join", "(sssbbb)",
                              session, server, name,
                              gtk_toggle_button_get_active (self->mic_button),
                              gtk_toggle_button_get_active (self->camera_button),
                              create);
}

static void
on_join_activated (ZeroWelcomePage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->join_row));
  g_autoptr(ZeroSessionLink) link = NULL;
  g_autofree char *configured = NULL;
  g_autofree char *server = NULL;

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->join_button)))
    return;
  if ((link = zero_session_link_parse (text, NULL)) == NULL)
    return;

  configured = zero_welcome_page_dup_server (self);
  server = zero_session_link_dup_server (link, configured);
  activate_join (self, link->session, server, FALSE);
}

static void
on_start_clicked (ZeroWelcomePage *self)
{
  g_autofree char *server = NULL;

  if (self->new_session == NULL)
    return;
  server = zero_welcome_page_dup_server (self);
  activate_join (self, self->new_session, server, TRUE);
}

static void
on_join_text_changed (ZeroWelcomePage *self)
{
  update_state (self);
}

static void
on_name_changed (ZeroWelcomePage *self)
{
  g_autofree char *name = dup_name (self);

  zero_video_tile_set_name (self->preview, name);
  update_state (self);
}

static void
copy_text (ZeroWelcomePage *self,
           const char      *text,
           const char      *done_message)
{
  if (text == NULL || *text == '\0')
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  show_toast (self, done_message);
}

static void
on_copy_session_clicked (ZeroWelcomePage *self)
{
  copy_text (self, self->new_session, _("Session ID copied"));
}

static void
on_copy_link_clicked (ZeroWelcomePage *self)
{
  copy_text (self, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->link_row)),
             _("Link copied"));
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ZeroWelcomePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (text == NULL)
    {
      show_toast (self, _("The clipboard holds no text"));
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->join_row), g_strstrip (text));
  gtk_widget_grab_focus (GTK_WIDGET (self->join_row));
}

static void
on_paste_clicked (ZeroWelcomePage *self)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (self)), NULL,
                                 on_clipboard_text, g_object_ref (self));
}

static void
on_media_toggled (ZeroWelcomePage *self)
{
  update_media_buttons (self);
}

/* Layout: two columns when wide enough, else stacked. */

static gboolean
is_wide (int width)
{
  return width >= WIDE_MIN_WIDTH;
}

static int
column_width (int width)
{
  return (width - COLUMN_SPACING) / 2;
}

static GtkSizeRequestMode
zero_welcome_page_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
zero_welcome_page_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  ZeroWelcomePage *self = ZERO_WELCOME_PAGE (widget);
  int p_min, p_nat, f_min, f_nat;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      gtk_widget_measure (self->preview_column, orientation, -1, &p_min, &p_nat, NULL, NULL);
      gtk_widget_measure (self->form_column, orientation, -1, &f_min, &f_nat, NULL, NULL);
      *minimum = MAX (p_min, f_min);
      *natural = MAX (MAX (p_nat, f_nat) * 2 + COLUMN_SPACING, WIDE_MIN_WIDTH);
      return;
    }

  if (for_size >= 0 && is_wide (for_size))
    {
      int w = column_width (for_size);

      gtk_widget_measure (self->preview_column, orientation, w, &p_min, &p_nat, NULL, NULL);
      gtk_widget_measure (self->form_column, orientation, w, &f_min, &f_nat, NULL, NULL);
      *minimum = MAX (p_min, f_min);
      *natural = MAX (p_nat, f_nat);
    }
  else
    {
      gtk_widget_measure (self->preview_column, orientation, for_size, &p_min, &p_nat, NULL, NULL);
      gtk_widget_measure (self->form_column, orientation, for_size, &f_min, &f_nat, NULL, NULL);
      *minimum = p_min + COLUMN_SPACING + f_min;
      *natural = p_nat + COLUMN_SPACING + f_nat;
    }
}

static void
zero_welcome_page_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  ZeroWelcomePage *self = ZERO_WELCOME_PAGE (widget);
  int p_min, p_nat;

  if (is_wide (width))
    {
      int w = column_width (width);

      gtk_widget_size_allocate (self->preview_column,
                                &(GtkAllocation) { 0, 0, w, height }, -1);
      gtk_widget_size_allocate (self->form_column,
                                &(GtkAllocation) { width - w, 0, w, height }, -1);
      return;
    }

  gtk_widget_measure (self->preview_column, GTK_ORIENTATION_VERTICAL, width,
                      &p_min, &p_nat, NULL, NULL);
  gtk_widget_size_allocate (self->preview_column, &(GtkAllocation) { 0, 0, width, p_nat }, -1);
  gtk_widget_size_allocate (self->form_column,
                            &(GtkAllocation) { 0, p_nat + COLUMN_SPACING, width,
                                               MAX (height - p_nat - COLUMN_SPACING, 0) },
                            -1);
}

/* GObject */

static void
zero_welcome_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ZeroWelcomePage *self = ZERO_WELCOME_PAGE (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_welcome_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ZeroWelcomePage *self = ZERO_WELCOME_PAGE (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      zero_welcome_page_set_config (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_welcome_page_dispose (GObject *object)
{
  ZeroWelcomePage *self = ZERO_WELCOME_PAGE (object);

  g_clear_object (&self->config);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZERO_TYPE_WELCOME_PAGE);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (zero_welcome_page_parent_class)->dispose (object);
}

static void
zero_welcome_page_finalize (GObject *object)
{
  ZeroWelcomePage *self = ZERO_WELCOME_PAGE (object);

  g_free (self->new_session);
  g_free (self->name_from_config);

  G_OBJECT_CLASS (zero_welcome_page_parent_class)->finalize (object);
}

static void
zero_welcome_page_class_init (ZeroWelcomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = zero_welcome_page_get_property;
  object_class->set_property = zero_welcome_page_set_property;
  object_class->dispose = zero_welcome_page_dispose;
  object_class->finalize = zero_welcome_page_finalize;

  widget_class->get_request_mode = zero_welcome_page_get_request_mode;
  widget_class->measure = zero_welcome_page_measure;
  widget_class->size_allocate = zero_welcome_page_size_allocate;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, ZERO_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (ZERO_TYPE_VIDEO_TILE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/zerortc/Zero/ui/zero-welcome-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, preview_column);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, form_column);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, preview);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, media_status);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, mic_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, camera_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, name_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, join_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, join_hint);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, join_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, new_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, session_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, link_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, start_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, new_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, paste_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, copy_session_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroWelcomePage, copy_link_button);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_join_text_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_join_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_paste_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_session_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_link_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_start_clicked);

  gtk_widget_class_set_css_name (widget_class, "welcomepage");
}

static void
zero_welcome_page_init (ZeroWelcomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (self->mic_button, "notify::active",
                           G_CALLBACK (on_media_toggled), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->camera_button, "notify::active",
                           G_CALLBACK (on_media_toggled), self, G_CONNECT_SWAPPED);

  load_name (self);
  update_media_buttons (self);
  update_state (self);
}

/* Public API */

GtkWidget *
zero_welcome_page_new (void)
{
  return g_object_new (ZERO_TYPE_WELCOME_PAGE, NULL);
}

ZeroConfig *
zero_welcome_page_get_config (ZeroWelcomePage *self)
{
  g_return_val_if_fail (ZERO_IS_WELCOME_PAGE (self), NULL);

  return self->config;
}

/**
 * zero_welcome_page_set_config:
 * @config: (nullable): where the display name and the server come from
 */
void
zero_welcome_page_set_config (ZeroWelcomePage *self,
                              ZeroConfig      *config)
{
  g_return_if_fail (ZERO_IS_WELCOME_PAGE (self));
  g_return_if_fail (config == NULL || ZERO_IS_CONFIG (config));

  if (self->config == config)
    return;

  if (self->config != NULL)
    g_signal_handlers_disconnect_by_func (self->config, on_config_changed, self);
  g_set_object (&self->config, config);
  if (config != NULL)
    g_signal_connect_object (config, "changed", G_CALLBACK (on_config_changed), self,
                             G_CONNECT_SWAPPED);

  on_config_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG]);
}

/**
 * zero_welcome_page_get_preview:
 *
 * Returns: (transfer none): the self-view tile; the engine feeds it frames.
 */
ZeroVideoTile *
zero_welcome_page_get_preview (ZeroWelcomePage *self)
{
  g_return_val_if_fail (ZERO_IS_WELCOME_PAGE (self), NULL);

  return self->preview;
}

const char *
zero_welcome_page_get_display_name (ZeroWelcomePage *self)
{
  g_return_val_if_fail (ZERO_IS_WELCOME_PAGE (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->name_row));
}

/* The configured signaling server (`signaling.server_address`). */
char *
zero_welcome_page_dup_server (ZeroWelcomePage *self)
{
  const char *server = NULL;

  g_return_val_if_fail (ZERO_IS_WELCOME_PAGE (self), NULL);

  if (self->config != NULL)
    server = zero_config_get_string (self->config, "signaling.server_address");
  return g_strdup (server != NULL && *server != '\0' ? server : DEFAULT_SERVER);
}

/* Fills the "Session ID or Link" row, which validates it at once. */
void
zero_welcome_page_set_join_text (ZeroWelcomePage *self,
                                 const char      *text)
{
  g_return_if_fail (ZERO_IS_WELCOME_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->join_row), text ? text : "");
}

/**
 * zero_welcome_page_new_session:
 *
 * Makes a new session ID and shows it with its link, ready to copy.
 *
 * Returns: (transfer none): the new session ID
 */
const char *
zero_welcome_page_new_session (ZeroWelcomePage *self)
{
  g_return_val_if_fail (ZERO_IS_WELCOME_PAGE (self), NULL);

  g_free (self->new_session);
  self->new_session = zero_uuid_generate ();
  update_new_session_rows (self);
  gtk_revealer_set_reveal_child (self->new_revealer, TRUE);
  return self->new_session;
}

/* Returns: (nullable): the session made by "New Session", if any. */
const char *
zero_welcome_page_get_new_session (ZeroWelcomePage *self)
{
  g_return_val_if_fail (ZERO_IS_WELCOME_PAGE (self), NULL);

  return self->new_session;
}

/* Returns: (nullable): the zero:// link of the new session. */
char *
zero_welcome_page_dup_new_link (ZeroWelcomePage *self)
{
  g_autofree char *server = NULL;

  g_return_val_if_fail (ZERO_IS_WELCOME_PAGE (self), NULL);

  if (self->new_session == NULL)
    return NULL;
  server = zero_welcome_page_dup_server (self);
  return zero_session_link_build (server, self->new_session, NULL);
}

/**
 * zero_welcome_page_add_media_status:
 * @text: (nullable): what the engine says about the camera or microphone
 *   (e.g. that there is none), or %NULL to clear what was said
 *
 * Shown under the preview: these are facts about this machine, not events,
 * so they are not toasts (which would hide the page's own).
 */
void
zero_welcome_page_add_media_status (ZeroWelcomePage *self,
                                    const char      *text)
{
  const char *old;
  g_autofree char *joined = NULL;

  g_return_if_fail (ZERO_IS_WELCOME_PAGE (self));

  old = gtk_label_get_text (self->media_status);
  if (text == NULL)
    joined = g_strdup ("");
  else if (*old == '\0')
    joined = g_strdup (text);
  else if (strstr (old, text) != NULL)
    return;
  else
    joined = g_strconcat (old, "\n", text, NULL);
  gtk_label_set_text (self->media_status, joined);
  gtk_widget_set_visible (GTK_WIDGET (self->media_status), *joined != '\0');
}

const char *
zero_welcome_page_get_media_status (ZeroWelcomePage *self)
{
  g_return_val_if_fail (ZERO_IS_WELCOME_PAGE (self), NULL);

  return gtk_label_get_text (self->media_status);
}

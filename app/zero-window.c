/* zero-window.c: the main window.
 *
 * A GtkStack of pages (the welcome page now, the call page next) under one
 * header bar, inside an AdwToastOverlay for errors and peer events. */

#include "zero-window-private.h"

#include <glib/gi18n.h>

#include "sessionmanager/zero-session-link.h"

G_DEFINE_FINAL_TYPE (ZeroWindow, zero_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_CONFIG,
  PROP_IN_CALL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
guint _zero_window_signals[ZERO_WINDOW_N_SIGNALS];

/* Until the call page exists, a join request is acknowledged, not run. */
static void
zero_window_real_join_requested (ZeroWindow *self,
                                 const char *session,
                                 const char *server,
                                 const char *name,
                                 gboolean    audio,
                                 gboolean    video,
                                 gboolean    create)
{
  g_autofree char *text = NULL;

  /* Translators: the first %s is a session ID, the second a server address */
  text = g_strdup_printf (_("Joining session %s on %s…"), session, server);
  zero_window_show_toast (self, text);
}

static void
zero_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ZeroWindow *self = ZERO_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_IN_CALL:
      g_value_set_boolean (value, self->in_call);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ZeroWindow *self = ZERO_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      zero_window_set_config (self, g_value_get_object (value));
      break;
    case PROP_IN_CALL:
      zero_window_set_in_call (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_window_dispose (GObject *object)
{
  ZeroWindow *self = ZERO_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ZERO_TYPE_WINDOW);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (zero_window_parent_class)->dispose (object);
}

static void
zero_window_class_init (ZeroWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = zero_window_get_property;
  object_class->set_property = zero_window_set_property;
  object_class->dispose = zero_window_dispose;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, ZERO_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IN_CALL] =
    g_param_spec_boolean ("in-call", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ZeroWindow::join-requested:
   * @session: a valid session ID
   * @server: the signaling server (`host:port` or a ws:// URL)
   * @name: the display name, 1 to 64 characters
   * @audio: whether to start with the microphone on
   * @video: whether to start with the camera on
   * @create: whether to create the session (PROTOCOL.md `join.create`)
   *
   * Emitted by the `win.join` action once its parameters are checked.
   */
  _zero_window_signals[ZERO_WINDOW_SIGNAL_JOIN_REQUESTED] =
    g_signal_new_class_handler ("join-requested",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST,
                                G_CALLBACK (zero_window_real_join_requested),
                                NULL, NULL, NULL,
                                G_TYPE_NONE, 6,
                                G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                G_TYPE_BOOLEAN, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);

  g_type_ensure (ZERO_TYPE_WELCOME_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/zerortc/Zero/ui/zero-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ZeroWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ZeroWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ZeroWindow, welcome_page);
}

static void
zero_window_init (ZeroWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  _zero_window_actions_init (self);
}

/* Public API */

ZeroWindow *
zero_window_new (GtkApplication *application,
                 ZeroConfig     *config)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (config == NULL || ZERO_IS_CONFIG (config), NULL);

  return g_object_new (ZERO_TYPE_WINDOW,
                       "application", application,
                       "config", config,
                       NULL);
}

ZeroConfig *
zero_window_get_config (ZeroWindow *self)
{
  g_return_val_if_fail (ZERO_IS_WINDOW (self), NULL);

  return self->config;
}

void
zero_window_set_config (ZeroWindow *self,
                        ZeroConfig *config)
{
  g_return_if_fail (ZERO_IS_WINDOW (self));
  g_return_if_fail (config == NULL || ZERO_IS_CONFIG (config));

  if (!g_set_object (&self->config, config))
    return;
  zero_welcome_page_set_config (self->welcome_page, config);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG]);
}

ZeroWelcomePage *
zero_window_get_welcome_page (ZeroWindow *self)
{
  g_return_val_if_fail (ZERO_IS_WINDOW (self), NULL);

  return self->welcome_page;
}

/**
 * zero_window_add_toast:
 * @toast: (transfer full): the toast
 */
void
zero_window_add_toast (ZeroWindow *self,
                       AdwToast   *toast)
{
  g_return_if_fail (ZERO_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
zero_window_show_toast (ZeroWindow *self,
                        const char *message)
{
  g_return_if_fail (ZERO_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* Like zero_window_show_toast(), but shown at once, ahead of queued toasts. */
void
zero_window_show_error (ZeroWindow *self,
                        const char *message)
{
  AdwToast *toast;

  g_return_if_fail (ZERO_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  toast = adw_toast_new (message);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

gboolean
zero_window_get_in_call (ZeroWindow *self)
{
  g_return_val_if_fail (ZERO_IS_WINDOW (self), FALSE);

  return self->in_call;
}

/* Enables the actions that only make sense in a call (share, chat, leave). */
void
zero_window_set_in_call (ZeroWindow *self,
                         gboolean    in_call)
{
  g_return_if_fail (ZERO_IS_WINDOW (self));

  in_call = !!in_call;
  if (self->in_call == in_call)
    return;

  self->in_call = in_call;
  _zero_window_actions_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IN_CALL]);
}

/**
 * zero_window_join:
 * @session: a session ID
 * @server: (nullable): the signaling server, or %NULL for the configured one
 * @create: whether to create the session
 *
 * Joins as the command line asks (`--join`, `zero://` links, `--new`): with
 * the display name and the mic/camera choices of the welcome page, which
 * shows what is being joined.
 */
void
zero_window_join (ZeroWindow *self,
                  const char *session,
                  const char *server,
                  gboolean    create)
{
  g_autofree char *configured = NULL;
  g_autoptr(GVariant) mic = NULL;
  g_autoptr(GVariant) camera = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (ZERO_IS_WINDOW (self));
  g_return_if_fail (session != NULL);

  gtk_stack_set_visible_child_name (self->stack, "welcome");
  configured = zero_welcome_page_dup_server (self->welcome_page);
  if (server == NULL)
    server = configured;

  if (!create)
    {
      ZeroSessionLink link = { .session = (char *) session };
      g_autofree char *text = NULL;
      g_autofree char *host = NULL;
      guint16 port = 0;

      /* Show a link only when the server is not the configured one. */
      if (g_strcmp0 (server, configured) != 0 &&
          zero_server_address_split (server, &host, &port, NULL))
        {
          link.host = host;
          link.port = port;
        }
      text = zero_session_link_to_string (&link);
      zero_welcome_page_set_join_text (self->welcome_page, text);
    }

  mic = g_action_group_get_action_state (G_ACTION_GROUP (self), "toggle-mic");
  camera = g_action_group_get_action_state (G_ACTION_GROUP (self), "toggle-camera");
  name = g_strstrip (g_strdup (zero_welcome_page_get_display_name (self->welcome_page)));
  g_action_group_activate_action (G_ACTION_GROUP (self), "join",
                                  g_variant_new ("(sssbbb)", session, server, name,
                                                 g_variant_get_boolean (mic),
                                                 g_variant_get_boolean (camera), create));
}

/* zero-window.c: the main window.
 *
 * A GtkStack of pages (welcome, call) under one header bar, inside an
 * AdwToastOverlay for errors and peer events. Each window has its own
 * ZeroSessionManager (the engine): its media run from the moment the window
 * is shown, so that the welcome page's preview and toggles are the real
 * camera and microphone, and `win.join` joins through it. A failed join
 * either shows a toast or, where the user has a choice, a dialog: a server
 * that cannot be reached (retry, or run the built-in server here), a wrong
 * password (ask again). */

#include "zero-window-private.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "sessionmanager/zero-session-link.h"
#include "signaling/zero-signaling-server.h"
#include "zero-application.h"

G_DEFINE_FINAL_TYPE (ZeroWindow, zero_window, ADW_TYPE_APPLICATION_WINDOW)

/* What the preview and the self tile get: scaled and converted once, in the engine. */
#define PREVIEW_CAPS "video/x-raw,format=BGRA,width=640,height=360"
/* Remote video as the paintable takes it without conversion. */
#define REMOTE_VIDEO_CAPS "video/x-raw,format=BGRA"

enum
{
  PROP_0,
  PROP_CONFIG,
  PROP_IN_CALL,
  PROP_JOINING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
guint _zero_window_signals[ZERO_WINDOW_N_SIGNALS];

static void join_pending (ZeroWindow *self);

static void
pending_join_free (ZeroPendingJoin *join)
{
  if (join == NULL)
    return;
  g_free (join->session);
  g_free (join->server);
  g_free (join->name);
  g_free (join->password);
  g_free (join);
}

/* Engine events */

static void
on_call_toast_dismissed (AdwToast   *toast,
                         ZeroWindow *self)
{
  g_ptr_array_remove (self->call_toasts, toast);
}

/* A toast about the call: gone when the call ends, shown or still queued. */
static void
add_call_toast (ZeroWindow *self,
                AdwToast   *toast)
{
  g_ptr_array_add (self->call_toasts, g_object_ref (toast));
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_call_toast_dismissed), self, 0);
  zero_window_add_toast (self, toast);
}

static void
dismiss_call_toasts (ZeroWindow *self)
{
  g_autoptr(GPtrArray) toasts = g_steal_pointer (&self->call_toasts);

  self->call_toasts = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < toasts->len; i++)
    {
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (toasts, i), self);
      adw_toast_dismiss (g_ptr_array_index (toasts, i));
    }
}

/* Comings and goings: brief, they pile up in a busy call. */
static void
show_short_toast (ZeroWindow *self,
                  const char *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 3);
  add_call_toast (self, toast);
}

static void
on_self_video_sample (ZeroParticipant *p,
                      int              kind,
                      GstSample       *sample,
                      ZeroWindow      *self)
{
  g_autoptr(GError) error = NULL;

  if (kind == ZERO_MEDIA_KIND_VIDEO &&
      !zero_video_paintable_push_sample (self->self_paintable, sample, &error))
    g_debug ("preview frame not shown: %s", error->message);
}

static void
on_participant_added (ZeroSessionManager *manager,
                      ZeroParticipant    *p,
                      ZeroWindow         *self)
{
  g_autofree char *text = NULL;

  if (!self->in_call || zero_participant_is_self (p))
    return;
  /* Translators: %s is a participant's name */
  text = g_strdup_printf (_("%s joined"), zero_participant_get_name (p));
  show_short_toast (self, text);
}

static void
on_participant_removed (ZeroSessionManager *manager,
                        ZeroParticipant    *p,
                        const char         *reason,
                        ZeroWindow         *self)
{
  g_autofree char *text = NULL;

  if (!self->in_call || zero_participant_is_self (p) || g_strcmp0 (reason, "reconnect") == 0)
    return;
  if (g_strcmp0 (reason, "leave") == 0)
    /* Translators: %s is a participant's name */
    text = g_strdup_printf (_("%s left"), zero_participant_get_name (p));
  else
    /* Translators: %s is a participant's name */
    text = g_strdup_printf (_("Lost the connection to %s"), zero_participant_get_name (p));
  show_short_toast (self, text);
}

static void end_call (ZeroWindow *self);

static void
on_state_changed (ZeroSessionManager *manager,
                  ZeroSessionState    state,
                  ZeroWindow         *self)
{
  if (!self->in_call)
    return;
  switch (state)
    {
    case ZERO_SESSION_STATE_RECONNECTING:
      zero_window_show_error (self, _("Lost the connection to the server, reconnecting…"));
      break;
    case ZERO_SESSION_STATE_LEFT:
    case ZERO_SESSION_STATE_IDLE:
      if (!self->leaving)
        {
          end_call (self);
          zero_window_show_error (self, _("You were disconnected from the session"));
        }
      break;
    default:
      break;
    }
}

static void
on_chat_received (ZeroSessionManager *manager,
                  ZeroParticipant    *p,
                  const char         *text,
                  gint64              ts_ms,
                  const char         *id,
                  ZeroWindow         *self)
{
  zero_call_page_add_chat (self->call_page, zero_participant_get_name (p), text, ts_ms, FALSE);

  if (g_strcmp0 (zero_call_page_get_sidebar (self->call_page), "chat") != 0)
    {
      g_autofree char *title = NULL;
      AdwToast *toast;

      /* Translators: a chat message in a notification: sender, then the text */
      title = g_strdup_printf (_("%s: %s"), zero_participant_get_name (p), text);
      toast = adw_toast_new (title);
      adw_toast_set_button_label (toast, _("_Open Chat"));
      adw_toast_set_action_name (toast, "win.toggle-chat");
      add_call_toast (self, toast);
    }
}

static void
on_manager_message (ZeroSessionManager *manager,
                    const char         *text,
                    gboolean            is_error,
                    ZeroWindow         *self)
{
  if (!self->in_call && !is_error)
    zero_welcome_page_add_media_status (self->welcome_page, text);
  else if (is_error)
    zero_window_show_error (self, text);
  else
    zero_window_show_toast (self, text);
}

static void
on_sidebar_changed (ZeroWindow *self)
{
  const char *page = zero_call_page_get_sidebar (self->call_page);

  _zero_window_set_action_state (self, "toggle-chat", g_strcmp0 (page, "chat") == 0);
  _zero_window_set_action_state (self, "toggle-participants",
                                 g_strcmp0 (page, "participants") == 0);
}

/* The engine */

static void
drop_manager (ZeroWindow *self)
{
  if (self->manager == NULL)
    return;
  g_cancellable_cancel (self->join_cancellable);
  g_clear_object (&self->join_cancellable);
  zero_call_page_set_manager (self->call_page, NULL);
  g_signal_handlers_disconnect_by_data (zero_session_manager_get_self (self->manager), self);
  g_signal_handlers_disconnect_by_data (self->manager, self);
  zero_session_manager_leave (self->manager);
  g_clear_object (&self->manager);
  zero_video_paintable_clear (self->self_paintable);
  zero_welcome_page_add_media_status (self->welcome_page, NULL);
}

static void
ensure_manager (ZeroWindow *self)
{
  if (self->manager != NULL || self->config == NULL)
    return;

  self->manager = g_object_new (ZERO_TYPE_SESSION_MANAGER,
                                "config", self->config,
                                "video-caps", REMOTE_VIDEO_CAPS,
                                NULL);
  g_signal_connect_object (self->manager, "participant-added",
                           G_CALLBACK (on_participant_added), self, 0);
  g_signal_connect_object (self->manager, "participant-removed",
                           G_CALLBACK (on_participant_removed), self, 0);
  g_signal_connect_object (self->manager, "state-changed", G_CALLBACK (on_state_changed), self, 0);
  g_signal_connect_object (self->manager, "chat-received", G_CALLBACK (on_chat_received), self, 0);
  g_signal_connect_object (self->manager, "message", G_CALLBACK (on_manager_message), self, 0);
  g_signal_connect_object (zero_session_manager_get_self (self->manager), "video-sample",
                           G_CALLBACK (on_self_video_sample), self, 0);
  _zero_window_apply_media (self);
}

/* Starts the camera and microphone (for the preview); a failure is shown, and the
 * join will try again. */
static void
start_media (ZeroWindow *self)
{
  g_autoptr(GError) error = NULL;
  ZeroMediaSource *media;

  ensure_manager (self);
  if (self->manager == NULL)
    return;
  if (!zero_session_manager_start_media (self->manager, &error))
    {
      zero_window_show_error (self, error->message);
      return;
    }
  media = zero_session_manager_get_media_source (self->manager);
  if (media != NULL && zero_media_source_has_kind (media, ZERO_MEDIA_KIND_VIDEO) &&
      !zero_media_source_get_preview (media))
    zero_media_source_set_preview (media, TRUE, PREVIEW_CAPS);
}

static void
on_camera_portal_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ZeroWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  int fd = -1;

  if (!zero_camera_portal_access_finish (result, &fd, &error))
    {
      g_dbus_error_strip_remote_error (error);
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("No access to the camera: %s"), error->message);

      zero_welcome_page_add_media_status (self->welcome_page, text);
    }
  else
    {
      /* Granted: the cameras (list, preview, call) come from the portal's PipeWire remote,
       * which the sandbox reaches where the default one is not. */
      ensure_manager (self);
      if (self->manager == NULL)
        close (fd);
      else if (!zero_session_manager_set_camera_remote (self->manager, fd, &error))
        {
          /* Translators: %s says why */
          g_autofree char *text = g_strdup_printf (_("No access to the camera: %s"),
                                                   error->message);

          zero_welcome_page_add_media_status (self->welcome_page, text);
        }
    }
  self->camera_portal_done = TRUE;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_media (self);
}

static void
on_map (ZeroWindow *self)
{
  /* In Flatpak, ask the Camera portal first (once per window). */
  if (zero_running_in_flatpak () && !self->camera_portal_done)
    {
      if (!self->camera_portal_asked)
        {
          self->camera_portal_asked = TRUE;
          zero_camera_portal_access_async (GTK_WINDOW (self), NULL, on_camera_portal_done,
                                           g_object_ref (self));
        }
      return;
    }
  start_media (self);
}

/* Joining */

static void
set_joining (ZeroWindow *self,
             GCancellable *cancellable)
{
  gboolean was = self->join_cancellable != NULL;

  g_clear_object (&self->join_cancellable);
  self->join_cancellable = cancellable;
  if (was != (cancellable != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOINING]);
}

static void
enter_call (ZeroWindow *self)
{
  g_autofree char *link = NULL;
  const char *session = zero_session_manager_get_session_id (self->manager);

  self->leaving = FALSE;
  zero_call_page_set_manager (self->call_page, self->manager);
  gtk_stack_set_visible_child_name (self->stack, "call");
  link = zero_session_link_build (zero_session_manager_get_server (self->manager), session, NULL);
  adw_window_title_set_subtitle (self->window_title, link ? link : session);
  zero_window_set_in_call (self, TRUE);
}

/* Back to the welcome page: peers closed, screen share stopped, call page emptied. */
static void
end_call (ZeroWindow *self)
{
  self->leaving = TRUE;
  _zero_window_stop_screen_share (self);
  if (self->manager != NULL)
    zero_session_manager_leave (self->manager);
  zero_call_page_clear (self->call_page);
  dismiss_call_toasts (self);
  gtk_stack_set_visible_child_name (self->stack, "welcome");
  adw_window_title_set_subtitle (self->window_title, NULL);
  zero_window_set_in_call (self, FALSE);
  on_sidebar_changed (self);
}

static void
on_join_dialog_response (ZeroWindow       *self,
                         const char       *response,
                         AdwMessageDialog *dialog)
{
  GtkWidget *extra = adw_message_dialog_get_extra_child (dialog);

  self->join_dialog = NULL;
  if (self->pending == NULL)
    return;

  if (g_str_equal (response, "retry"))
    join_pending (self);
  else if (g_str_equal (response, "password") && GTK_IS_EDITABLE (extra))
    {
      g_free (self->pending->password);
      self->pending->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (extra)));
      join_pending (self);
    }
  else if (g_str_equal (response, "embedded"))
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
      ZeroSignalingServer *server = NULL;
      g_autofree char *address = NULL;

      if (ZERO_IS_APPLICATION (app))
        {
          g_autofree char *wanted = g_strdup_printf ("localhost:%d", ZERO_DEFAULT_SIGNALING_PORT);

          zero_application_ensure_local_server (ZERO_APPLICATION (app), wanted);
          /* The default port is taken by something that does not answer: any port. */
          if (zero_application_get_local_server (ZERO_APPLICATION (app)) == NULL)
            zero_application_ensure_local_server (ZERO_APPLICATION (app), "localhost:0");
          server = zero_application_get_local_server (ZERO_APPLICATION (app));
        }
      if (server == NULL)
        {
          zero_window_show_error (self, _("Could not start the built-in server"));
          return;
        }
      address = g_strdup_printf ("localhost:%u", zero_signaling_server_get_port (server));
      g_free (self->pending->server);
      self->pending->server = g_steal_pointer (&address);
      /* The session lives on this machine now: make it if it is not there. */
      self->pending->create = TRUE;
      join_pending (self);
    }
}

static AdwMessageDialog *
join_dialog_new (ZeroWindow *self,
                 const char *heading,
                 const char *body)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                         heading, body));

  adw_message_dialog_add_response (dialog, "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_join_dialog_response), self,
                           G_CONNECT_SWAPPED);
  self->join_dialog = dialog;
  return dialog;
}

static void
ask_unreachable (ZeroWindow   *self,
                 const GError *error)
{
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;

  /* Translators: %s says why the server could not be reached */
  body = g_strdup_printf (_("%s\n\nTry again, or run a server in Zero itself: others then "
                            "join through this computer’s address."), error->message);
  dialog = join_dialog_new (self, _("Cannot Reach the Server"), body);
  adw_message_dialog_add_responses (dialog,
                                    "embedded", _("Use _Built-in Server"),
                                    "retry", _("_Retry"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "retry", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "retry");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ask_password (ZeroWindow   *self,
              const GError *error)
{
  AdwMessageDialog *dialog;
  /* A plain GtkEntry: GTK 4.8's GtkPasswordEntry warns (an invalid cast) when it is
   * destroyed with its dialog. */
  GtkWidget *entry = gtk_entry_new ();
  const char *body = self->pending->password && *self->pending->password
                       ? _("The password was not accepted. Enter it again.")
                       : _("This session is protected by a password.");

  dialog = join_dialog_new (self, _("Password Required"), body);
  adw_message_dialog_add_response (dialog, "password", _("_Join"));
  adw_message_dialog_set_response_appearance (dialog, "password", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "password");
  gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Password"), -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
on_join_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ZeroWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = zero_session_manager_join_finish (ZERO_SESSION_MANAGER (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (ZERO_SESSION_MANAGER (source) != self->manager)
    return; /* the window moved on to another engine meanwhile */
  set_joining (self, NULL);

  if (ok)
    {
      enter_call (self);
      return;
    }

  g_debug ("join failed: %s", error->message);
  if (g_error_matches (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_UNREACHABLE))
    ask_unreachable (self, error);
  else if (g_error_matches (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_AUTH) &&
           self->pending != NULL)
    ask_password (self, error);
  else
    zero_window_show_error (self, error->message);
}

static void
join_pending (ZeroWindow *self)
{
  ZeroJoinOptions opts;
  GCancellable *cancellable;

  g_return_if_fail (self->pending != NULL);

  if (self->join_cancellable != NULL)
    {
      g_cancellable_cancel (self->join_cancellable);
      set_joining (self, NULL);
      if (self->manager != NULL)
        zero_session_manager_leave (self->manager);
    }
  if (self->in_call)
    end_call (self);
  start_media (self);
  if (self->manager == NULL)
    return;

  zero_join_options_init (&opts);
  opts.session = self->pending->session;
  opts.create = self->pending->create;
  opts.name = self->pending->name;
  opts.server = self->pending->server;
  opts.password = self->pending->password;
  cancellable = g_cancellable_new ();
  set_joining (self, cancellable);
  zero_session_manager_join_async (self->manager, &opts, cancellable, on_join_done,
                                   g_object_ref (self));
}

static void
zero_window_real_join_requested (ZeroWindow *self,
                                 const char *session,
                                 const char *server,
                                 const char *name,
                                 gboolean    audio,
                                 gboolean    video,
                                 gboolean    create)
{
  ZeroPendingJoin *join = g_new0 (ZeroPendingJoin, 1);

  join->session = g_strdup (session);
  join->server = g_strdup (server);
  join->name = g_strdup (name);
  join->create = create;
  pending_join_free (self->pending);
  self->pending = join;

  if (self->join_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->join_dialog));
  _zero_window_set_action_state (self, "toggle-mic", audio);
  _zero_window_set_action_state (self, "toggle-camera", video);
  join_pending (self);
}

/* GObject */

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
    case PROP_JOINING:
      g_value_set_boolean (value, self->join_cancellable != NULL);
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

  self->leaving = TRUE;
  if (self->screen_cancellable != NULL)
    g_cancellable_cancel (self->screen_cancellable);
  g_clear_object (&self->screen_cancellable);
  g_clear_object (&self->screen_cast);
  drop_manager (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZERO_TYPE_WINDOW);
  g_clear_object (&self->config);
  g_clear_object (&self->self_paintable);
  g_clear_pointer (&self->pending, pending_join_free);
  if (self->call_toasts != NULL)
    for (guint i = 0; i < self->call_toasts->len; i++)
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->call_toasts, i), self);
  g_clear_pointer (&self->call_toasts, g_ptr_array_unref);

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
  properties[PROP_JOINING] =
    g_param_spec_boolean ("joining", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
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
   * Emitted by the `win.join` action once its parameters are checked; the
   * default handler joins through the window's session manager.
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
  g_type_ensure (ZERO_TYPE_CALL_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/zerortc/Zero/ui/zero-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ZeroWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ZeroWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ZeroWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, ZeroWindow, call_page);
  gtk_widget_class_bind_template_child (widget_class, ZeroWindow, window_title);
}

static void
zero_window_init (ZeroWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->call_toasts = g_ptr_array_new_with_free_func (g_object_unref);
  self->self_paintable = zero_video_paintable_new ();
  zero_video_tile_set_paintable (zero_welcome_page_get_preview (self->welcome_page),
                                 GDK_PAINTABLE (self->self_paintable));
  zero_call_page_set_self_paintable (self->call_page, GDK_PAINTABLE (self->self_paintable));
  g_signal_connect_object (self->call_page, "notify::sidebar", G_CALLBACK (on_sidebar_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
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

/* A new config takes effect at once outside a call (a new engine), else after it. */
void
zero_window_set_config (ZeroWindow *self,
                        ZeroConfig *config)
{
  g_return_if_fail (ZERO_IS_WINDOW (self));
  g_return_if_fail (config == NULL || ZERO_IS_CONFIG (config));

  if (!g_set_object (&self->config, config))
    return;
  zero_welcome_page_set_config (self->welcome_page, config);
  if (!self->in_call && self->join_cancellable == NULL)
    {
      drop_manager (self);
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        start_media (self);
    }
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
  g_autofree char *name = NULL;

  g_return_if_fail (ZERO_IS_WINDOW (self));
  g_return_if_fail (session != NULL);

  if (self->in_call)
    end_call (self);
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

  name = g_strstrip (g_strdup (zero_welcome_page_get_display_name (self->welcome_page)));
  g_action_group_activate_action (G_ACTION_GROUP (self), "join",
                                  g_variant_new ("(sssbbb)", session, server, name,
                                                 _zero_window_get_action_state (self, "toggle-mic"),
                                                 _zero_window_get_action_state (self,
                                                                                "toggle-camera"),
                                                 create));
}

/* Returns: (nullable) (transfer none): the window's engine (made when the window is shown) */
ZeroSessionManager *
zero_window_get_manager (ZeroWindow *self)
{
  g_return_val_if_fail (ZERO_IS_WINDOW (self), NULL);

  return self->manager;
}

ZeroCallPage *
zero_window_get_call_page (ZeroWindow *self)
{
  g_return_val_if_fail (ZERO_IS_WINDOW (self), NULL);

  return self->call_page;
}

ZeroVideoPaintable *
zero_window_get_self_paintable (ZeroWindow *self)
{
  g_return_val_if_fail (ZERO_IS_WINDOW (self), NULL);

  return self->self_paintable;
}

const char *
zero_window_get_page (ZeroWindow *self)
{
  g_return_val_if_fail (ZERO_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
zero_window_get_joining (ZeroWindow *self)
{
  g_return_val_if_fail (ZERO_IS_WINDOW (self), FALSE);

  return self->join_cancellable != NULL;
}

/* Leaves the call (or stops a join under way) and shows the welcome page. */
void
zero_window_leave (ZeroWindow *self)
{
  g_return_if_fail (ZERO_IS_WINDOW (self));

  if (self->join_cancellable != NULL)
    {
      g_cancellable_cancel (self->join_cancellable);
      set_joining (self, NULL);
      zero_session_manager_leave (self->manager);
    }
  if (!self->in_call)
    return;
  /* Shown at once (as errors are): whatever the call still had queued is stale now. */
  end_call (self);
  zero_window_show_error (self, _("You left the call"));
}

/* zero-window-actions.c: the window's actions (`win.*`).
 *
 * Shortcuts (set in ZeroApplication, listed in help-overlay.ui): Ctrl+D mic,
 * Ctrl+E camera, Ctrl+Shift+S screen share, Ctrl+Shift+C chat, Ctrl+Shift+P
 * participants, Ctrl+W leave. Mic and camera work before a call too (the
 * welcome page's toggles are these actions, and they drive the engine's
 * preview); screen share, chat, participants and leave are enabled only in
 * a call. */

#include "zero-window-private.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "signaling/zero-uuid.h"
#include "zero-application.h"

#define MAX_NAME_CHARS 64 /* PROTOCOL.md §3, join.name */

static void
on_join (GSimpleAction *action,
         GVariant      *param,
         gpointer       user_data)
{
  ZeroWindow *self = user_data;
  const char *session, *server, *name;
  gboolean audio, video, create;
  GtkApplication *app;
  glong name_len;

  g_assert (ZERO_IS_WINDOW (self));

  /* Also reachable over D-Bus (exported window actions): check everything. */
  g_variant_get (param, "(&s&s&sbbb)", &session, &server, &name, &audio, &video, &create);
  name_len = g_utf8_strlen (name, -1);
  if (!zero_uuid_is_valid (session))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot join: “%s” is not a session ID"),
                                               session);
      zero_window_show_error (self, text);
      return;
    }
  if (*server == '\0')
    {
      zero_window_show_error (self, _("Cannot join: no signaling server is set"));
      return;
    }
  if (name_len < 1 || name_len > MAX_NAME_CHARS)
    {
      zero_window_show_error (self, _("Cannot join: enter a display name of 1 to 64 characters"));
      return;
    }

  /* A server on this machine that is not running yet: run it here. */
  app = gtk_window_get_application (GTK_WINDOW (self));
  if (ZERO_IS_APPLICATION (app))
    zero_application_ensure_local_server (ZERO_APPLICATION (app), server);

  g_debug ("join: session %s on %s as “%s” (audio %d, video %d, create %d)",
           session, server, name, audio, video, create);
  g_signal_emit (self, _zero_window_signals[ZERO_WINDOW_SIGNAL_JOIN_REQUESTED], 0,
                 session, server, name, audio, video, create);
}

static void
on_new_session (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  ZeroWindow *self = user_data;

  g_assert (ZERO_IS_WINDOW (self));

  if (self->in_call)
    return;
  gtk_stack_set_visible_child_name (self->stack, "welcome");
  zero_welcome_page_new_session (self->welcome_page);
}

static void
on_toggle_media (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

  g_simple_action_set_state (action, g_variant_new_boolean (!g_variant_get_boolean (state)));
  _zero_window_apply_media (ZERO_WINDOW (user_data));
}

static void
on_toggle_sidebar (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  ZeroWindow *self = user_data;
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));
  const char *page = g_str_equal (g_action_get_name (G_ACTION (action)), "toggle-chat")
                       ? "chat" : "participants";

  /* The page's notify::sidebar sets both actions' states. */
  zero_call_page_set_sidebar (self->call_page, g_variant_get_boolean (state) ? NULL : page);
}

static void
on_share_screen (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  ZeroWindow *self = user_data;
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

  if (g_variant_get_boolean (state) || self->screen_cancellable != NULL)
    _zero_window_stop_screen_share (self);
  else
    _zero_window_start_screen_share (self);
}

static void
on_leave (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  zero_window_leave (ZERO_WINDOW (user_data));
}

void
_zero_window_actions_init (ZeroWindow *self)
{
  static const GActionEntry entries[] = {
    { .name = "join", .activate = on_join, .parameter_type = "(sssbbb)" },
    { .name = "new-session", .activate = on_new_session },
    { .name = "toggle-mic", .activate = on_toggle_media, .state = "true" },
    { .name = "toggle-camera", .activate = on_toggle_media, .state = "true" },
    { .name = "share-screen", .activate = on_share_screen, .state = "false" },
    { .name = "toggle-chat", .activate = on_toggle_sidebar, .state = "false" },
    { .name = "toggle-participants", .activate = on_toggle_sidebar, .state = "false" },
    { .name = "leave", .activate = on_leave },
  };

  g_assert (ZERO_IS_WINDOW (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  _zero_window_actions_update (self);
}

void
_zero_window_actions_update (ZeroWindow *self)
{
  static const char *const call_actions[] = {
    "share-screen", "toggle-chat", "toggle-participants", "leave"
  };

  g_assert (ZERO_IS_WINDOW (self));

  for (guint i = 0; i < G_N_ELEMENTS (call_actions); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), call_actions[i]);

      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->in_call);
    }
}

void
_zero_window_set_action_state (ZeroWindow *self,
                               const char *name,
                               gboolean    state)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (state));
  if (g_str_equal (name, "toggle-mic") || g_str_equal (name, "toggle-camera"))
    _zero_window_apply_media (self);
}

gboolean
_zero_window_get_action_state (ZeroWindow *self,
                               const char *name)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self), name);

  return state != NULL && g_variant_get_boolean (state);
}

void
_zero_window_apply_media (ZeroWindow *self)
{
  if (self->manager == NULL)
    return;
  zero_session_manager_set_audio_muted (self->manager,
                                        !_zero_window_get_action_state (self, "toggle-mic"));
  zero_session_manager_set_video_enabled (self->manager,
                                          _zero_window_get_action_state (self, "toggle-camera"));
}

/* Screen share: the ScreenCast portal, then the engine's extra video track. */

static void
on_screen_cast_started (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(ZeroWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  guint32 node_id = 0;
  int fd = -1;

  if (!zero_screen_cast_start_finish (ZERO_SCREEN_CAST (source), result, &fd, &node_id, &token,
                                      &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = NULL;

          g_dbus_error_strip_remote_error (error);
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
            text = g_strdup (error->message);
          else
            /* Translators: %s says why */
            text = g_strdup_printf (_("Could not share the screen: %s"), error->message);
          zero_window_show_error (self, text);
        }
      if (self->screen_cancellable != NULL && !g_cancellable_is_cancelled (self->screen_cancellable))
        g_clear_object (&self->screen_cancellable);
      return;
    }
  g_clear_object (&self->screen_cancellable);

  /* Remembered so that the next share skips the portal's dialog. */
  if (token != NULL && self->config != NULL &&
      g_strcmp0 (token, zero_config_get_string (self->config, "screen.restore_token")) != 0)
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
      g_autoptr(GError) save_error = NULL;

      if (zero_config_set_string (self->config, "screen.restore_token", token, NULL) &&
          ZERO_IS_APPLICATION (app) &&
          zero_application_get_config (ZERO_APPLICATION (app)) == self->config &&
          !zero_application_save_config (ZERO_APPLICATION (app), &save_error))
        g_debug ("restore token not saved: %s", save_error->message);
    }

  if (!self->in_call || self->manager == NULL)
    {
      close (fd);
      zero_screen_cast_stop (self->screen_cast);
      return;
    }
  if (!zero_session_manager_start_screen_share (self->manager, fd, node_id, &error))
    {
      zero_screen_cast_stop (self->screen_cast);
      zero_window_show_error (self, error->message);
      return;
    }
  _zero_window_set_action_state (self, "share-screen", TRUE);
  zero_window_show_toast (self, _("You are sharing your screen"));
}

void
_zero_window_start_screen_share (ZeroWindow *self)
{
  const char *token;

  if (!self->in_call || self->screen_cancellable != NULL)
    return;
  if (self->screen_cast == NULL)
    self->screen_cast = zero_screen_cast_new ();
  token = self->config ? zero_config_get_string (self->config, "screen.restore_token") : NULL;
  self->screen_cancellable = g_cancellable_new ();
  zero_screen_cast_start_async (self->screen_cast, GTK_WINDOW (self), token,
                                self->screen_cancellable, on_screen_cast_started,
                                g_object_ref (self));
}

void
_zero_window_stop_screen_share (ZeroWindow *self)
{
  gboolean was_sharing = _zero_window_get_action_state (self, "share-screen");

  if (self->screen_cancellable != NULL)
    {
      g_cancellable_cancel (self->screen_cancellable);
      g_clear_object (&self->screen_cancellable);
    }
  if (was_sharing && self->manager != NULL)
    zero_session_manager_stop_screen_share (self->manager);
  if (self->screen_cast != NULL)
    zero_screen_cast_stop (self->screen_cast);
  _zero_window_set_action_state (self, "share-screen", FALSE);
}

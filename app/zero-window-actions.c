/* zero-window-actions.c: the window's actions (`win.*`).
 *
 * Shortcuts (set in ZeroApplication, listed in help-overlay.ui): Ctrl+D mic,
 * Ctrl+E camera, Ctrl+Shift+S screen share, Ctrl+Shift+C chat, Ctrl+W leave.
 * Mic and camera work before a call too (the welcome page's toggles are
 * these actions); screen share, chat and leave are enabled only in a call. */

#include "zero-window-private.h"

#include <glib/gi18n.h>

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

  gtk_stack_set_visible_child_name (self->stack, "welcome");
  zero_welcome_page_new_session (self->welcome_page);
}

/* Boolean actions just flip their state; whoever runs the call watches it. */
static void
on_toggle (GSimpleAction *action,
           GVariant      *param,
           gpointer       user_data)
{
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

  g_simple_action_set_state (action, g_variant_new_boolean (!g_variant_get_boolean (state)));
}

static void
on_leave (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  ZeroWindow *self = user_data;

  g_assert (ZERO_IS_WINDOW (self));

  zero_window_set_in_call (self, FALSE);
}

void
_zero_window_actions_init (ZeroWindow *self)
{
  static const GActionEntry entries[] = {
    { .name = "join", .activate = on_join, .parameter_type = "(sssbbb)" },
    { .name = "new-session", .activate = on_new_session },
    { .name = "toggle-mic", .activate = on_toggle, .state = "true" },
    { .name = "toggle-camera", .activate = on_toggle, .state = "true" },
    { .name = "share-screen", .activate = on_toggle, .state = "false" },
    { .name = "toggle-chat", .activate = on_toggle, .state = "false" },
    { .name = "leave", .activate = on_leave },
  };

  g_assert (ZERO_IS_WINDOW (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  _zero_window_actions_update (self);
}

void
_zero_window_actions_update (ZeroWindow *self)
{
  static const char *const call_actions[] = { "share-screen", "toggle-chat", "leave" };

  g_assert (ZERO_IS_WINDOW (self));

  for (guint i = 0; i < G_N_ELEMENTS (call_actions); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), call_actions[i]);

      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->in_call);
    }
}

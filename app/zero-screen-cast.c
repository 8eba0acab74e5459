/* zero-screen-cast.c: a screen (or window) to share, from the ScreenCast portal.
 *
 * libportal 0.6 has no way to tell that there is no portal (it assumes a session bus
 * and a running xdg-desktop-portal), so we first ask the portal's ScreenCast interface
 * for its version over D-Bus, which also starts the portal when it is activatable: no
 * bus, no portal or no ScreenCast backend all end in G_IO_ERROR_NOT_SUPPORTED with a
 * message the user can act on. Then: create a session in persist mode with the restore
 * token from the last share (so the portal skips its dialog when it can), start it,
 * take the first stream's node id and open the PipeWire remote. */

#include "zero-screen-cast.h"

#include <glib/gi18n.h>
#include <libportal-gtk4/portal-gtk4.h>
#include <libportal/portal.h>
#include <unistd.h>

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PROBE_TIMEOUT_MS 5000

struct _ZeroScreenCast
{
  GObject parent_instance;

  XdpPortal *portal;
  XdpSession *session;
};

G_DEFINE_FINAL_TYPE (ZeroScreenCast, zero_screen_cast, G_TYPE_OBJECT)

typedef struct
{
  GtkWindow *parent;
  char *restore_token;
  XdpParent *xdp_parent;
} StartData;

static void
start_data_free (gpointer data)
{
  StartData *d = data;

  g_clear_object (&d->parent);
  g_free (d->restore_token);
  g_clear_pointer (&d->xdp_parent, xdp_parent_free);
  g_free (d);
}

static void
return_no_portal (GTask      *task,
                  const char *why)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           /* Translators: %s says what is missing */
                           _("Screen sharing needs the desktop portal "
                             "(xdg-desktop-portal with a ScreenCast backend): %s"), why);
}

static void
on_session_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZeroScreenCast *self = g_task_get_source_object (task);
  XdpSession *session = XDP_SESSION (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) streams = NULL;
  GVariantIter iter;
  guint32 node_id = 0;
  gboolean found = FALSE;
  GVariant *props = NULL;
  int fd;

  if (!xdp_session_start_finish (session, result, &error))
    {
      g_clear_object (&self->session);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  streams = xdp_session_get_streams (session);
  if (streams != NULL)
    {
      g_variant_iter_init (&iter, streams);
      found = g_variant_iter_next (&iter, "(u@a{sv})", &node_id, &props);
      g_clear_pointer (&props, g_variant_unref);
    }
  if (!found)
    {
      zero_screen_cast_stop (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The portal shared no screen or window"));
      return;
    }

  fd = xdp_session_open_pipewire_remote (session);
  if (fd < 0)
    {
      zero_screen_cast_stop (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Could not open the shared screen’s PipeWire stream"));
      return;
    }

  g_task_set_task_data (task, NULL, NULL);
  g_object_set_data (G_OBJECT (task), "node-id", GUINT_TO_POINTER (node_id));
  g_object_set_data_full (G_OBJECT (task), "restore-token",
                          xdp_session_get_restore_token (session), g_free);
  g_task_return_int (task, fd);
}

static void
on_session_created (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZeroScreenCast *self = g_task_get_source_object (task);
  StartData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  self->session = xdp_portal_create_screencast_session_finish (XDP_PORTAL (source), result,
                                                               &error);
  if (self->session == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (d->parent != NULL)
    d->xdp_parent = xdp_parent_new_gtk (d->parent);
  xdp_session_start (self->session, d->xdp_parent, g_task_get_cancellable (task),
                     on_session_started, g_object_ref (task));
}

static void
on_portal_probed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZeroScreenCast *self = g_task_get_source_object (task);
  StartData *d = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *token;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        {
          g_dbus_error_strip_remote_error (error);
          return_no_portal (task, error->message);
        }
      return;
    }

  if (self->portal == NULL)
    self->portal = xdp_portal_new ();
  token = d->restore_token && *d->restore_token ? d->restore_token : NULL;
  xdp_portal_create_screencast_session (self->portal,
                                        XDP_OUTPUT_MONITOR | XDP_OUTPUT_WINDOW,
                                        XDP_SCREENCAST_FLAG_NONE,
                                        XDP_CURSOR_MODE_EMBEDDED,
                                        XDP_PERSIST_MODE_PERSISTENT,
                                        token,
                                        g_task_get_cancellable (task),
                                        on_session_created, g_object_ref (task));
}

static void
zero_screen_cast_dispose (GObject *object)
{
  ZeroScreenCast *self = ZERO_SCREEN_CAST (object);

  zero_screen_cast_stop (self);
  g_clear_object (&self->portal);

  G_OBJECT_CLASS (zero_screen_cast_parent_class)->dispose (object);
}

static void
zero_screen_cast_class_init (ZeroScreenCastClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zero_screen_cast_dispose;
}

static void
zero_screen_cast_init (ZeroScreenCast *self)
{
}

/* Public API */

ZeroScreenCast *
zero_screen_cast_new (void)
{
  return g_object_new (ZERO_TYPE_SCREEN_CAST, NULL);
}

void
zero_screen_cast_start_async (ZeroScreenCast      *self,
                              GtkWindow           *parent,
                              const char          *restore_token,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  StartData *d;

  g_return_if_fail (ZERO_IS_SCREEN_CAST (self));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_screen_cast_start_async);
  d = g_new0 (StartData, 1);
  d->parent = parent ? g_object_ref (parent) : NULL;
  d->restore_token = g_strdup (restore_token);
  g_task_set_task_data (task, d, start_data_free);

  zero_screen_cast_stop (self);
  /* No D-Bus autolaunch (it would start a bus of its own, on X11): an address or the
   * systemd user bus, else there is no session bus. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_autofree char *path = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          return_no_portal (task, _("there is no session bus"));
          return;
        }
    }
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &error);
  if (bus == NULL)
    {
      return_no_portal (task, _("there is no session bus"));
      return;
    }
  g_dbus_connection_call (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", "org.freedesktop.portal.ScreenCast", "version"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, PROBE_TIMEOUT_MS,
                          cancellable, on_portal_probed, g_steal_pointer (&task));
}

gboolean
zero_screen_cast_start_finish (ZeroScreenCast  *self,
                               GAsyncResult    *result,
                               int             *fd,
                               guint32         *node_id,
                               char           **restore_token,
                               GError         **error)
{
  int out;

  g_return_val_if_fail (ZERO_IS_SCREEN_CAST (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  out = g_task_propagate_int (G_TASK (result), error);
  if (out < 0 || (error != NULL && *error != NULL))
    return FALSE;
  if (fd != NULL)
    *fd = out;
  else
    close (out);
  if (node_id != NULL)
    *node_id = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), "node-id"));
  if (restore_token != NULL)
    *restore_token = g_strdup (g_object_get_data (G_OBJECT (result), "restore-token"));
  return TRUE;
}

gboolean
zero_screen_cast_is_active (ZeroScreenCast *self)
{
  g_return_val_if_fail (ZERO_IS_SCREEN_CAST (self), FALSE);

  return self->session != NULL;
}

void
zero_screen_cast_stop (ZeroScreenCast *self)
{
  g_return_if_fail (ZERO_IS_SCREEN_CAST (self));

  if (self->session == NULL)
    return;
  xdp_session_close (self->session);
  g_clear_object (&self->session);
}

gboolean
zero_running_in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

/* The Camera portal (Flatpak). */

static void
on_camera_access (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  int fd;

  if (!xdp_portal_access_camera_finish (XDP_PORTAL (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  fd = xdp_portal_open_pipewire_remote_for_camera (XDP_PORTAL (source));
  if (fd < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Could not open the cameras’ PipeWire stream"));
      return;
    }
  g_task_return_int (task, fd);
}

void
zero_camera_portal_access_async (GtkWindow           *parent,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(XdpPortal) portal = NULL;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  XdpParent *xdp_parent = parent ? xdp_parent_new_gtk (parent) : NULL;

  g_task_set_source_tag (task, zero_camera_portal_access_async);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("there is no session bus"));
      g_clear_pointer (&xdp_parent, xdp_parent_free);
      return;
    }
  portal = xdp_portal_new ();
  /* The task keeps the portal alive until the answer. */
  g_task_set_task_data (task, g_object_ref (portal), g_object_unref);
  xdp_portal_access_camera (portal, xdp_parent, XDP_CAMERA_FLAG_NONE, cancellable,
                            on_camera_access, g_steal_pointer (&task));
  g_clear_pointer (&xdp_parent, xdp_parent_free);
}

gboolean
zero_camera_portal_access_finish (GAsyncResult  *result,
                                  int           *fd,
                                  GError       **error)
{
  g_autoptr(GError) local = NULL;
  int out;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  out = g_task_propagate_int (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (fd != NULL)
    *fd = out;
  else
    close (out);
  return TRUE;
}

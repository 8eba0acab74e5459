/* zero-camera-remote.c: a PipeWire remote fd: checked, then its cameras listed by
 * GStreamer's PipeWire device provider (so that they share one connection with the
 * pipewiresrc elements capturing them: see the header).
 *
 * The provider's start waits for the remote's first answer without a timeout (0.3.65), so a
 * silent fd would hang it: a round trip of our own, bounded, comes first. It runs on a dup()
 * and ends (that core disconnected) before the provider's core says hello on the same
 * connection: one client at a time, and the server resets a client's objects on hello.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-camera-remote.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <pipewire/pipewire.h>

#include "camera/zero-media-options.h"

GST_DEBUG_CATEGORY_STATIC (zero_camera_remote_debug);
#define GST_CAT_DEFAULT zero_camera_remote_debug

struct _ZeroCameraRemote {
  GObject parent_instance;

  int fd;                      /* owned */
  GstDeviceProvider *provider; /* started on fd */
  guint bus_watch_id;
  guint hup_watch_id;
  gboolean connected;
};

G_DEFINE_FINAL_TYPE (ZeroCameraRemote, zero_camera_remote, G_TYPE_OBJECT)

enum {
  SIGNAL_DEVICE_ADDED,
  SIGNAL_DEVICE_REMOVED,
  SIGNAL_LOST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The bounded first round trip. */

typedef struct {
  int seq;
  gboolean done;
  int res;
  char *message;
} Handshake;

static void
on_handshake_done (void     *data,
                   uint32_t  id,
                   int       seq)
{
  Handshake *h = data;

  if (id == PW_ID_CORE && seq == h->seq)
    h->done = TRUE;
}

static void
on_handshake_error (void       *data,
                    uint32_t    id,
                    int         seq,
                    int         res,
                    const char *message)
{
  Handshake *h = data;

  if (id != PW_ID_CORE || h->res < 0)
    return;
  h->res = res < 0 ? res : -EIO;
  h->message = g_strdup (message ? message : g_strerror (-h->res));
}

static const struct pw_core_events handshake_events = {
  PW_VERSION_CORE_EVENTS,
  .done = on_handshake_done,
  .error = on_handshake_error,
};

static gboolean
handshake (int      fd,
           guint    timeout_ms,
           GError **error)
{
  Handshake h = { 0 };
  struct spa_hook listener;
  struct pw_loop *loop;
  struct pw_context *context = NULL;
  struct pw_core *core = NULL;
  int copy = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  gint64 deadline;
  gboolean ok;

  if (copy < 0)
    {
      int saved = errno;
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                   "The PipeWire remote (fd %d) cannot be duplicated: %s", fd,
                   g_strerror (saved));
      return FALSE;
    }
  loop = pw_loop_new (NULL);
  if (loop != NULL)
    context = pw_context_new (loop, NULL, 0);
  if (context != NULL)
    /* Takes copy, also on failure past its first step (pw_core_disconnect closes it). */
    core = pw_context_connect_fd (context, copy,
                                  pw_properties_new (PW_KEY_APP_NAME, "Zero",
                                                     PW_KEY_CLIENT_NAME, "Zero camera check",
                                                     NULL),
                                  0);
  if (core == NULL)
    {
      int saved = errno;

      if (fcntl (copy, F_GETFD) >= 0)
        close (copy);
      g_clear_pointer (&context, pw_context_destroy);
      g_clear_pointer (&loop, pw_loop_destroy);
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                   "Could not talk to the PipeWire remote (fd %d): %s", fd,
                   g_strerror (saved));
      return FALSE;
    }

  pw_core_add_listener (core, &listener, &handshake_events, &h);
  h.seq = pw_core_sync (core, PW_ID_CORE, 0);
  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  pw_loop_enter (loop);
  while (!h.done && h.res == 0)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (left <= 0)
        break;
      pw_loop_iterate (loop, (int) MAX (1, left / 1000));
    }
  pw_loop_leave (loop);
  spa_hook_remove (&listener);
  pw_core_disconnect (core);
  pw_context_destroy (context);
  pw_loop_destroy (loop);

  ok = h.done && h.res == 0;
  if (h.res < 0)
    g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                 "The PipeWire remote (fd %d) is not usable: %s (%s)", fd, h.message,
                 g_strerror (-h.res));
  else if (!ok)
    g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                 "The PipeWire remote (fd %d) did not answer within %u ms (is it a PipeWire "
                 "connection?)", fd, timeout_ms);
  g_free (h.message);
  return ok;
}

/* The provider. */

static ZeroMediaDevice *
camera_from_gst (GstDevice *gst_device)
{
  ZeroMediaDevice *device = zero_media_device_new_from_gst (gst_device);

  if (device != NULL && device->device_class != ZERO_DEVICE_VIDEO_SOURCE)
    g_clear_pointer (&device, zero_media_device_free);
  return device;
}

static gboolean
on_provider_message (GstBus     *bus,
                     GstMessage *message,
                     gpointer    user_data)
{
  ZeroCameraRemote *self = ZERO_CAMERA_REMOTE (user_data);
  gboolean added = FALSE;
  g_autoptr(ZeroMediaDevice) device = zero_media_device_new_from_message (message, &added);
  guint signal_id = signals[added ? SIGNAL_DEVICE_ADDED : SIGNAL_DEVICE_REMOVED];

  if (!self->connected || device == NULL || device->device_class != ZERO_DEVICE_VIDEO_SOURCE)
    return G_SOURCE_CONTINUE;

  GST_INFO ("remote fd %d: camera %s: %s (%s)", self->fd, added ? "added" : "removed",
            device->name, device->id);
  g_object_ref (self);
  g_signal_emit (self, signal_id, 0, device);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

/* The remote hung up (the daemon or the portal closed it): the provider says nothing. */
static gboolean
on_hangup (int          fd,
           GIOCondition condition,
           gpointer     user_data)
{
  ZeroCameraRemote *self = ZERO_CAMERA_REMOTE (user_data);
  g_autoptr(GPtrArray) cameras = zero_camera_remote_get_devices (self);
  g_autofree char *reason = g_strdup_printf ("the PipeWire remote (fd %d) hung up", fd);

  GST_INFO ("%s", reason);
  self->hup_watch_id = 0;
  g_object_ref (self);
  self->connected = FALSE;
  for (guint i = 0; i < cameras->len; i++)
    g_signal_emit (self, signals[SIGNAL_DEVICE_REMOVED], 0, g_ptr_array_index (cameras, i));
  g_signal_emit (self, signals[SIGNAL_LOST], 0, reason);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/* How many open fds of this process are the socket @st (ours, and the PipeWire core's dup).
 */
static guint
count_socket_fds (const struct stat *st)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint count = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      struct stat other;

      if (stat (path, &other) == 0 && other.st_ino == st->st_ino && other.st_dev == st->st_dev)
        count++;
    }
  return count;
}

/* Whether the provider still lists one of our capture streams' nodes. */
static gboolean
has_capture_node (ZeroCameraRemote *self)
{
  g_autofree char *prefix = zero_camera_remote_dup_node_prefix ();
  GList *devices = gst_device_provider_get_devices (self->provider);
  gboolean found = FALSE;

  for (GList *l = devices; l != NULL && !found; l = l->next)
    {
      g_autoptr(GstStructure) props = gst_device_get_properties (l->data);
      const char *name = props ? gst_structure_get_string (props, "node.name") : NULL;

      found = name != NULL && g_str_has_prefix (name, prefix);
    }
  g_list_free_full (devices, gst_object_unref);
  return found;
}

/* Before the provider may be stopped. Its stop (gstreamer1.0-pipewire 0.3.65, fixed
 * upstream later) destroys its registry proxy without the PipeWire thread's lock, and the
 * server's prompt answer has that thread free the proxy too: a double free (a third of
 * the stops here, nearly all under ASan). It also leaves its core listener behind, so an
 * error arriving once its core pointer is cleared crashes. So the connection is shut first
 * (we let go of it anyway), and the stop waits until the PipeWire thread has seen the
 * hang-up: it then closes its dup of the socket, tells the listeners, and nothing more
 * comes from the server. */
static void
hang_up (ZeroCameraRemote *self)
{
  struct stat st;
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;

  if (fstat (self->fd, &st) < 0)
    return;
  /* Our capture streams' destruction must have reached the server first: a consumer that
   * just vanishes can leave the camera's producer stuck (its buffers never come back). The
   * provider sees their nodes go once the server has removed them. */
  while (self->connected && has_capture_node (self) && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  shutdown (self->fd, SHUT_RDWR);
  while (count_socket_fds (&st) > 1 && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  /* The listeners are told right after the dup is closed. */
  g_usleep (20000);
}

static void
zero_camera_remote_dispose (GObject *object)
{
  ZeroCameraRemote *self = ZERO_CAMERA_REMOTE (object);

  g_clear_handle_id (&self->bus_watch_id, g_source_remove);
  g_clear_handle_id (&self->hup_watch_id, g_source_remove);
  if (self->provider != NULL)
    {
      /* Releases the shared core: its last user (no capture element is left on it). */
      if (gst_device_provider_is_started (self->provider))
        {
          hang_up (self);
          gst_device_provider_stop (self->provider);
        }
      gst_clear_object (&self->provider);
    }
  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }

  G_OBJECT_CLASS (zero_camera_remote_parent_class)->dispose (object);
}

static void
zero_camera_remote_class_init (ZeroCameraRemoteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zero_camera_remote_dispose;

  signals[SIGNAL_DEVICE_ADDED] =
    g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1,
                  ZERO_TYPE_MEDIA_DEVICE | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_DEVICE_REMOVED] =
    g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1,
                  ZERO_TYPE_MEDIA_DEVICE | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_LOST] =
    g_signal_new ("lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  pw_init (NULL, NULL);
  GST_DEBUG_CATEGORY_INIT (zero_camera_remote_debug, "zero-camera-remote", 0,
                           "Zero camera remote");
}

static void
zero_camera_remote_init (ZeroCameraRemote *self)
{
  self->fd = -1;
}

static const char *
file_kind (mode_t mode)
{
  if (S_ISREG (mode))
    return "a regular file";
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISFIFO (mode))
    return "a pipe";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  return "something else";
}

gboolean
zero_camera_remote_check_fd (int      fd,
                             GError **error)
{
  struct sockaddr_storage peer;
  socklen_t len = sizeof peer;
  struct stat st;
  int type = 0;
  socklen_t type_len = sizeof type;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (fd < 0 || fcntl (fd, F_GETFD) < 0)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                   "The PipeWire remote (fd %d) is not an open file descriptor", fd);
      return FALSE;
    }
  if (fstat (fd, &st) < 0)
    {
      int saved = errno;
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                   "The PipeWire remote (fd %d) cannot be examined: %s", fd,
                   g_strerror (saved));
      return FALSE;
    }
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                   "The PipeWire remote (fd %d) is not a socket: it is %s", fd,
                   file_kind (st.st_mode));
      return FALSE;
    }
  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &type_len) == 0 && type != SOCK_STREAM)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                   "The PipeWire remote (fd %d) is not a stream socket", fd);
      return FALSE;
    }
  if (getpeername (fd, (struct sockaddr *) &peer, &len) < 0)
    {
      int saved = errno;
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                   "The PipeWire remote (fd %d) is a socket connected to nothing: %s", fd,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

ZeroCameraRemote *
zero_camera_remote_new (int      fd,
                        guint    timeout_ms,
                        GError **error)
{
  g_autoptr(ZeroCameraRemote) self = NULL;
  g_autoptr(GstBus) bus = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (ZERO_TYPE_CAMERA_REMOTE, NULL);
  if (!zero_camera_remote_check_fd (fd, error))
    {
      /* Taken: closed unless it was not open at all. */
      if (fd >= 0 && fcntl (fd, F_GETFD) >= 0)
        close (fd);
      return NULL;
    }
  self->fd = fd;
  if (!handshake (fd, timeout_ms, error))
    return NULL;

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  /* An instance of our own: the factory hands out one shared provider (the default device
   * monitor's, on the default remote). */
  {
    g_autoptr(GstDeviceProviderFactory) factory =
        gst_device_provider_factory_find ("pipewiredeviceprovider");
    g_autoptr(GstPluginFeature) loaded =
        factory ? gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory)) : NULL;
    GType type = loaded ? gst_device_provider_factory_get_device_provider_type (
                              GST_DEVICE_PROVIDER_FACTORY (loaded))
                        : G_TYPE_INVALID;

    if (type != G_TYPE_INVALID)
      self->provider = gst_object_ref_sink (g_object_new (type, NULL));
  }
  if (self->provider == NULL)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_MISSING_ELEMENT,
                   "GStreamer's PipeWire device provider is missing (install "
                   "gstreamer1.0-pipewire)");
      return NULL;
    }
  g_object_set (self->provider, "fd", fd, NULL);
  if (!gst_device_provider_start (self->provider))
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE,
                   "The PipeWire remote (fd %d) answered, then refused to list its cameras",
                   fd);
      return NULL;
    }
  /* What is there now is in the provider's list; only later changes are signalled. */
  bus = gst_device_provider_get_bus (self->provider);
  gst_bus_set_flushing (bus, TRUE);
  gst_bus_set_flushing (bus, FALSE);
  self->bus_watch_id = gst_bus_add_watch (bus, on_provider_message, self);
  self->hup_watch_id = g_unix_fd_add (fd, G_IO_HUP | G_IO_ERR, on_hangup, self);
  self->connected = TRUE;
  return g_steal_pointer (&self);
}

char *
zero_camera_remote_dup_node_prefix (void)
{
  return g_strdup_printf ("zero-camera-capture-%d-", (int) getpid ());
}

int
zero_camera_remote_get_fd (ZeroCameraRemote *self)
{
  g_return_val_if_fail (ZERO_IS_CAMERA_REMOTE (self), -1);
  return self->fd;
}

GPtrArray *
zero_camera_remote_get_devices (ZeroCameraRemote *self)
{
  GPtrArray *result;
  GList *devices;

  g_return_val_if_fail (ZERO_IS_CAMERA_REMOTE (self), NULL);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) zero_media_device_free);
  if (!self->connected)
    return result;
  devices = gst_device_provider_get_devices (self->provider);
  for (GList *l = devices; l != NULL; l = l->next)
    {
      ZeroMediaDevice *device = camera_from_gst (l->data);

      if (device != NULL)
        g_ptr_array_add (result, device);
    }
  g_list_free_full (devices, gst_object_unref);
  return result;
}

gboolean
zero_camera_remote_is_connected (ZeroCameraRemote *self)
{
  g_return_val_if_fail (ZERO_IS_CAMERA_REMOTE (self), FALSE);
  return self->connected;
}

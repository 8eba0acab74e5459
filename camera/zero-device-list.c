/* zero-device-list.c: GstDeviceMonitor wrapper.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-device-list.h"

#include <string.h>

#include "camera/zero-camera-remote.h"

GST_DEBUG_CATEGORY_STATIC (zero_device_list_debug);
#define GST_CAT_DEFAULT zero_device_list_debug

struct _ZeroDeviceList {
  GObject parent_instance;

  GstDeviceMonitor *monitor;
  guint bus_watch_id;
  gboolean started;

  /* A list made for a camera remote: its cameras, and the base list's other devices. */
  ZeroCameraRemote *cameras;
  ZeroDeviceList *base;
};

G_DEFINE_FINAL_TYPE (ZeroDeviceList, zero_device_list, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (ZeroMediaDevice, zero_media_device, zero_media_device_copy,
                     zero_media_device_free)

enum {
  SIGNAL_DEVICES_CHANGED,
  SIGNAL_DEVICE_ADDED,
  SIGNAL_DEVICE_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *const class_filters[] = {
  [ZERO_DEVICE_VIDEO_SOURCE] = "Video/Source",
  [ZERO_DEVICE_AUDIO_SOURCE] = "Audio/Source",
  [ZERO_DEVICE_AUDIO_SINK] = "Audio/Sink",
};

ZeroMediaDevice *
zero_media_device_copy (const ZeroMediaDevice *device)
{
  ZeroMediaDevice *copy;

  g_return_val_if_fail (device != NULL, NULL);

  copy = g_new0 (ZeroMediaDevice, 1);
  copy->device_class = device->device_class;
  copy->id = g_strdup (device->id);
  copy->node_name = g_strdup (device->node_name);
  copy->name = g_strdup (device->name);
  copy->api = g_strdup (device->api);
  return copy;
}

void
zero_media_device_free (ZeroMediaDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->id);
  g_free (device->node_name);
  g_free (device->name);
  g_free (device->api);
  g_free (device);
}

gboolean
zero_media_device_matches (const ZeroMediaDevice *device,
                           const char            *spec)
{
  g_return_val_if_fail (device != NULL, FALSE);

  if (spec == NULL)
    return FALSE;
  return g_strcmp0 (device->id, spec) == 0 || g_strcmp0 (device->node_name, spec) == 0;
}

static char *
structure_dup_string (const GstStructure *s,
                      const char         *field)
{
  const GValue *v;

  if (s == NULL || (v = gst_structure_get_value (s, field)) == NULL)
    return NULL;
  if (G_VALUE_HOLDS_STRING (v))
    return g_value_dup_string (v);
  /* Some providers store numbers; keep their text form. */
  return gst_value_serialize (v);
}

ZeroMediaDevice *
zero_media_device_new_from_gst (GstDevice *gst_device)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (gst_device);
  g_autoptr(ZeroMediaDevice) device = g_new0 (ZeroMediaDevice, 1);
  const char *type_name = G_OBJECT_TYPE_NAME (gst_device);
  g_autofree char *serial = NULL;

  if (gst_device_has_classes (gst_device, "Video/Source"))
    device->device_class = ZERO_DEVICE_VIDEO_SOURCE;
  else if (gst_device_has_classes (gst_device, "Audio/Source"))
    device->device_class = ZERO_DEVICE_AUDIO_SOURCE;
  else if (gst_device_has_classes (gst_device, "Audio/Sink"))
    device->device_class = ZERO_DEVICE_AUDIO_SINK;
  else
    return NULL;

  device->name = gst_device_get_display_name (gst_device);
  serial = structure_dup_string (props, "object.serial");

  if (serial != NULL || strstr (type_name, "PipeWire") != NULL)
    {
      device->api = g_strdup ("pipewire");
      device->node_name = structure_dup_string (props, "node.name");
      device->id = serial ? g_steal_pointer (&serial) : g_strdup (device->node_name);
    }
  else if (strstr (type_name, "V4l2") != NULL)
    {
      device->api = g_strdup ("v4l2");
      device->id = structure_dup_string (props, "device.path");
      if (device->id == NULL)
        device->id = structure_dup_string (props, "api.v4l2.path");
    }
  else
    {
      device->api = structure_dup_string (props, "device.api");
      if (device->api == NULL)
        device->api = g_ascii_strdown (type_name, -1);
      device->id = structure_dup_string (props, "device.name");
    }
  if (device->id == NULL)
    device->id = g_strdup (device->name);
  return g_steal_pointer (&device);
}

/**
 * zero_media_device_new_from_message:
 * @added: (out): whether the message says the device was added (or removed)
 *
 * Returns: (nullable): the device of a device-added or device-removed bus message; NULL
 *   for other messages and for devices Zero cannot use.
 */
ZeroMediaDevice *
zero_media_device_new_from_message (GstMessage *message,
                                    gboolean   *added)
{
  g_autoptr(GstDevice) gst_device = NULL;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_DEVICE_ADDED:
      gst_message_parse_device_added (message, &gst_device);
      *added = TRUE;
      break;
    case GST_MESSAGE_DEVICE_REMOVED:
      gst_message_parse_device_removed (message, &gst_device);
      *added = FALSE;
      break;
    default:
      return NULL;
    }
  return zero_media_device_new_from_gst (gst_device);
}

static gboolean
on_monitor_message (GstBus     *bus,
                    GstMessage *message,
                    gpointer    user_data)
{
  ZeroDeviceList *self = ZERO_DEVICE_LIST (user_data);
  gboolean added = FALSE;
  g_autoptr(ZeroMediaDevice) device = zero_media_device_new_from_message (message, &added);
  guint signal_id;

  if (device == NULL)
    return G_SOURCE_CONTINUE;
  signal_id = signals[added ? SIGNAL_DEVICE_ADDED : SIGNAL_DEVICE_REMOVED];

  GST_INFO ("device %s: %s (%s %s)", added ? "added" : "removed", device->name, device->api,
            device->id);
  g_object_ref (self);
  g_signal_emit (self, signal_id, 0, device);
  g_signal_emit (self, signals[SIGNAL_DEVICES_CHANGED], 0);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static void
zero_device_list_dispose (GObject *object)
{
  ZeroDeviceList *self = ZERO_DEVICE_LIST (object);

  if (self->cameras != NULL)
    g_signal_handlers_disconnect_by_data (self->cameras, self);
  g_clear_object (&self->cameras);
  if (self->base != NULL)
    g_signal_handlers_disconnect_by_data (self->base, self);
  g_clear_object (&self->base);
  g_clear_handle_id (&self->bus_watch_id, g_source_remove);
  if (self->monitor != NULL && self->started)
    gst_device_monitor_stop (self->monitor);
  self->started = FALSE;
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (zero_device_list_parent_class)->dispose (object);
}

static void
zero_device_list_class_init (ZeroDeviceListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zero_device_list_dispose;

  signals[SIGNAL_DEVICES_CHANGED] =
    g_signal_new ("devices-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_DEVICE_ADDED] =
    g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1,
                  ZERO_TYPE_MEDIA_DEVICE | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_DEVICE_REMOVED] =
    g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1,
                  ZERO_TYPE_MEDIA_DEVICE | G_SIGNAL_TYPE_STATIC_SCOPE);

  GST_DEBUG_CATEGORY_INIT (zero_device_list_debug, "zero-devices", 0, "Zero device list");
}

static void
zero_device_list_init (ZeroDeviceList *self)
{
}

static void
start_monitor (ZeroDeviceList *self)
{
  g_autoptr(GstBus) bus = NULL;

  self->monitor = gst_device_monitor_new ();
  for (guint i = 0; i < G_N_ELEMENTS (class_filters); i++)
    gst_device_monitor_add_filter (self->monitor, class_filters[i], NULL);

  bus = gst_device_monitor_get_bus (self->monitor);
  self->bus_watch_id = gst_bus_add_watch (bus, on_monitor_message, self);

  /* Fails only when no provider at all could start: then the list is simply empty. */
  self->started = gst_device_monitor_start (self->monitor);
  if (!self->started)
    GST_WARNING ("no device provider could start; no devices will be listed");
}

ZeroDeviceList *
zero_device_list_get_default (void)
{
  static ZeroDeviceList *list;

  /* Main context only, like everything the application sees. */
  if (list == NULL)
    {
      list = g_object_new (ZERO_TYPE_DEVICE_LIST, NULL);
      start_monitor (list);
    }
  return list;
}

static void
emit_change (ZeroDeviceList  *self,
             guint            signal_id,
             ZeroMediaDevice *device)
{
  g_object_ref (self);
  g_signal_emit (self, signal_id, 0, device);
  g_signal_emit (self, signals[SIGNAL_DEVICES_CHANGED], 0);
  g_object_unref (self);
}

static void
on_camera_added (ZeroCameraRemote *remote,
                 ZeroMediaDevice  *device,
                 ZeroDeviceList   *self)
{
  emit_change (self, signals[SIGNAL_DEVICE_ADDED], device);
}

static void
on_camera_removed (ZeroCameraRemote *remote,
                   ZeroMediaDevice  *device,
                   ZeroDeviceList   *self)
{
  emit_change (self, signals[SIGNAL_DEVICE_REMOVED], device);
}

/* The base list's cameras are not ours: only its microphones and speakers pass. */
static void
on_base_added (ZeroDeviceList  *base,
               ZeroMediaDevice *device,
               ZeroDeviceList  *self)
{
  if (device->device_class != ZERO_DEVICE_VIDEO_SOURCE)
    emit_change (self, signals[SIGNAL_DEVICE_ADDED], device);
}

static void
on_base_removed (ZeroDeviceList  *base,
                 ZeroMediaDevice *device,
                 ZeroDeviceList  *self)
{
  if (device->device_class != ZERO_DEVICE_VIDEO_SOURCE)
    emit_change (self, signals[SIGNAL_DEVICE_REMOVED], device);
}

ZeroDeviceList *
zero_device_list_new_for_camera_remote (ZeroCameraRemote *remote)
{
  ZeroDeviceList *self;

  g_return_val_if_fail (ZERO_IS_CAMERA_REMOTE (remote), NULL);

  self = g_object_new (ZERO_TYPE_DEVICE_LIST, NULL);
  self->cameras = g_object_ref (remote);
  self->base = g_object_ref (zero_device_list_get_default ());
  g_signal_connect (remote, "device-added", G_CALLBACK (on_camera_added), self);
  g_signal_connect (remote, "device-removed", G_CALLBACK (on_camera_removed), self);
  g_signal_connect (self->base, "device-added", G_CALLBACK (on_base_added), self);
  g_signal_connect (self->base, "device-removed", G_CALLBACK (on_base_removed), self);
  return self;
}

GPtrArray *
zero_device_list_get (ZeroDeviceList *self,
                      ZeroDeviceClass device_class)
{
  GPtrArray *result;
  GList *devices;

  g_return_val_if_fail (ZERO_IS_DEVICE_LIST (self), NULL);

  if (self->cameras != NULL)
    return device_class == ZERO_DEVICE_VIDEO_SOURCE
               ? zero_camera_remote_get_devices (self->cameras)
               : zero_device_list_get (self->base, device_class);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) zero_media_device_free);
  if (!self->started)
    return result;

  devices = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    {
      ZeroMediaDevice *device = zero_media_device_new_from_gst (l->data);

      if (device != NULL && device->device_class == device_class)
        g_ptr_array_add (result, device);
      else
        zero_media_device_free (device);
    }
  g_list_free_full (devices, gst_object_unref);
  return result;
}

ZeroMediaDevice *
zero_device_list_find (ZeroDeviceList *self,
                       ZeroDeviceClass device_class,
                       const char     *api,
                       const char     *spec)
{
  g_autoptr(GPtrArray) devices = NULL;

  g_return_val_if_fail (ZERO_IS_DEVICE_LIST (self), NULL);

  devices = zero_device_list_get (self, device_class);
  for (guint i = 0; i < devices->len; i++)
    {
      ZeroMediaDevice *device = g_ptr_array_index (devices, i);

      if (api != NULL && g_strcmp0 (device->api, api) != 0)
        continue;
      if (spec != NULL && !zero_media_device_matches (device, spec))
        continue;
      return zero_media_device_copy (device);
    }
  return NULL;
}

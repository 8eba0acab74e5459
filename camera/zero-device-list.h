/* zero-device-list.h: cameras, microphones and speakers found by GstDeviceMonitor (or,
 * for cameras, on a given PipeWire remote), with hot-plug signals on the main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  ZERO_DEVICE_VIDEO_SOURCE,
  ZERO_DEVICE_AUDIO_SOURCE,
  ZERO_DEVICE_AUDIO_SINK,
} ZeroDeviceClass;

typedef struct {
  ZeroDeviceClass device_class;
  char *id;         /* what the capture element takes: PipeWire object.serial, V4L2 path */
  char *node_name;  /* PipeWire node.name, or NULL */
  char *name;       /* human-readable name */
  char *api;        /* "pipewire", "v4l2", "pulse", "alsa", or the provider's name */
} ZeroMediaDevice;

#define ZERO_TYPE_MEDIA_DEVICE (zero_media_device_get_type ())
GType            zero_media_device_get_type (void) G_GNUC_CONST;
ZeroMediaDevice *zero_media_device_copy     (const ZeroMediaDevice *device);
void             zero_media_device_free     (ZeroMediaDevice *device);
/* From a GstDevice; NULL when it is no camera, microphone or speaker. */
ZeroMediaDevice *zero_media_device_new_from_gst (GstDevice *gst_device);
ZeroMediaDevice *zero_media_device_new_from_message (GstMessage *message,
                                                     gboolean   *added);
/* TRUE when @spec (an id or a PipeWire node name) names @device. */
gboolean         zero_media_device_matches  (const ZeroMediaDevice *device,
                                             const char            *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroMediaDevice, zero_media_device_free)

#define ZERO_TYPE_DEVICE_LIST (zero_device_list_get_type ())
G_DECLARE_FINAL_TYPE (ZeroDeviceList, zero_device_list, ZERO, DEVICE_LIST, GObject)

/* The process-wide list (transfer none), started on first use; the signals
 * (devices-changed, device-added(ZeroMediaDevice), device-removed(ZeroMediaDevice)) are
 * emitted on the thread-default main context of that first caller. Never fails: a provider
 * that cannot start (no PipeWire daemon) just lists nothing.
 *
 * One list, never stopped: stopping GStreamer's PipeWire device provider (PipeWire 0.3.65,
 * Debian 12) double-frees a proxy that its own thread already freed. */
ZeroDeviceList *zero_device_list_get_default (void);
/* A new list whose cameras are those of @remote (a PipeWire remote fd, e.g. the Camera
 * portal's), with the default list's microphones and speakers; same signals. */
typedef struct _ZeroCameraRemote ZeroCameraRemote;
ZeroDeviceList *zero_device_list_new_for_camera_remote (ZeroCameraRemote *remote);
/* A new array of ZeroMediaDevice of @device_class, in the monitor's order. */
GPtrArray      *zero_device_list_get   (ZeroDeviceList *self,
                                        ZeroDeviceClass device_class);
/* The first device of @device_class from @api (NULL: any) matching @spec (NULL: any). */
ZeroMediaDevice *zero_device_list_find (ZeroDeviceList *self,
                                        ZeroDeviceClass device_class,
                                        const char     *api,
                                        const char     *spec);

G_END_DECLS

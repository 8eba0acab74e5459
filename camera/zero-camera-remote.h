/* zero-camera-remote.h: one PipeWire connection given as a file descriptor (e.g. the
 * remote the Camera portal opens for a sandboxed app), and the cameras on it.
 *
 * A remote fd is ONE connection: every client on it must share one PipeWire core, or
 * their hellos reset each other's objects on the server (a second core on a dup() of the
 * fd gets no frames, and kills the first one's). GStreamer's PipeWire elements share a core
 * per fd number, so the cameras are listed by its device provider and captured by
 * pipewiresrc elements all given the very same fd number (zero_camera_remote_get_fd()),
 * never a dup.
 *
 * Signals (on the creator's thread-default main context):
 *   device-added (ZeroMediaDevice *device)    a camera appeared on the remote
 *   device-removed (ZeroMediaDevice *device)  a camera went away
 *   lost (const char *reason)                 the remote hung up; every camera was removed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "camera/zero-device-list.h"

G_BEGIN_DECLS

#define ZERO_TYPE_CAMERA_REMOTE (zero_camera_remote_get_type ())
G_DECLARE_FINAL_TYPE (ZeroCameraRemote, zero_camera_remote, ZERO, CAMERA_REMOTE, GObject)

/* Checks that @fd is an open, connected stream socket (without taking it); a
 * ZERO_MEDIA_ERROR_REMOTE naming the problem otherwise. */
gboolean          zero_camera_remote_check_fd (int      fd,
                                               GError **error);
/* Takes @fd (closed on finalize, or at once on failure), checks it, makes a first round trip
 * with the remote bounded by @timeout_ms, then lists its cameras. A ZERO_MEDIA_ERROR_REMOTE
 * naming the fd and the problem when it is not an open connected socket, or the remote is
 * gone or does not answer in time: never a hang. */
ZeroCameraRemote *zero_camera_remote_new      (int      fd,
                                               guint    timeout_ms,
                                               GError **error);
/* The fd to give pipewiresrc's "fd" (transfer none: valid as long as @self; every element
 * must be gone, set to NULL, before @self is finalized). */
int               zero_camera_remote_get_fd      (ZeroCameraRemote *self);
/* The node.name prefix our camera capture streams on a remote carry (they must be gone from
 * the server before the remote is let go). */
char             *zero_camera_remote_dup_node_prefix (void);
/* A new array of ZeroMediaDevice: the remote's Video/Source nodes, api "pipewire". */
GPtrArray        *zero_camera_remote_get_devices (ZeroCameraRemote *self);
/* FALSE once the remote hung up. */
gboolean          zero_camera_remote_is_connected (ZeroCameraRemote *self);

G_END_DECLS

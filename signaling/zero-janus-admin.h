/* zero-janus-admin.h: the signaling server's side of Janus: VideoRoom rooms for sessions.
 *
 * Keeps one Janus session with one VideoRoom handle, made on first use and made again after
 * the connection is lost, and creates and destroys rooms on it. Rooms are private
 * (`is_private`: not listed), not permanent, protected by a `secret` (to edit or destroy
 * them) and a `pin` (to join them, as publisher or subscriber), and created with the
 * VideoRoom `admin_key` when one is configured (zero-janus sets it, so only holders of the
 * key may create rooms).
 *
 * Threading: the GMainContext that was thread-default when it was made.
 *
 * Signals:
 *   connection-lost (GError *error)   the Janus session it held went away (Janus restarted
 *                                     or is unreachable): rooms made before may be gone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "signaling/zero-janus-session.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 room;              /* 1 .. 2^53-1 */
  const char *secret;        /* to edit/destroy the room */
  const char *pin;           /* to join it */
  guint publishers;          /* most publishers at once */
  const char *description;   /* nullable */
} ZeroJanusRoomSpec;

#define ZERO_TYPE_JANUS_ADMIN (zero_janus_admin_get_type ())
G_DECLARE_FINAL_TYPE (ZeroJanusAdmin, zero_janus_admin, ZERO, JANUS_ADMIN, GObject)

/* @admin_key may be NULL (Janus without one). Fails only for a URL that is not ws(s)://. */
ZeroJanusAdmin *zero_janus_admin_new                (const char  *url,
                                                     const char  *admin_key,
                                                     GError     **error);
const char     *zero_janus_admin_get_url            (ZeroJanusAdmin *self);
/* Applied to the Janus sessions made from now on (ms; default 10000). */
void            zero_janus_admin_set_timeout        (ZeroJanusAdmin *self,
                                                     guint           transaction_timeout_ms);

/* Creates the room; when it exists already (427, e.g. after a restart of ours), sets its
 * pin with `edit` using @spec's secret, so the room is ours and has our pin, or fails. */
void            zero_janus_admin_ensure_room_async  (ZeroJanusAdmin          *self,
                                                     const ZeroJanusRoomSpec *spec,
                                                     GCancellable            *cancellable,
                                                     GAsyncReadyCallback      callback,
                                                     gpointer                 user_data);
gboolean        zero_janus_admin_ensure_room_finish (ZeroJanusAdmin *self,
                                                     GAsyncResult   *result,
                                                     GError        **error);

/* Destroys the room (fire and forget; failures are logged). */
void            zero_janus_admin_destroy_room       (ZeroJanusAdmin *self,
                                                     guint64         room,
                                                     const char     *secret);

/* Drops the Janus session (a new one is made on next use). */
void            zero_janus_admin_close              (ZeroJanusAdmin *self);

G_END_DECLS

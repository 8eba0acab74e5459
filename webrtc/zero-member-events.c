/* zero-member-events.c: the signals the mesh and the SFU side share (see the header).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-member-events.h"

#include <gst/gst.h>
#include <json-glib/json-glib.h>

static guint signals[ZERO_MEMBER_N_EVENTS];

G_DEFINE_INTERFACE (ZeroMemberEvents, zero_member_events, G_TYPE_OBJECT)

static void
zero_member_events_default_init (ZeroMemberEventsInterface *iface)
{
  GType type = G_TYPE_FROM_INTERFACE (iface);

  signals[ZERO_MEMBER_PEER_STATE] =
    g_signal_new ("peer-state", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_INT);
  signals[ZERO_MEMBER_DATA_OPEN] =
    g_signal_new ("data-open", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
  signals[ZERO_MEMBER_CHAT] =
    g_signal_new ("chat", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  signals[ZERO_MEMBER_REMOTE_STATE] =
    g_signal_new ("remote-state", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_POINTER);
  signals[ZERO_MEMBER_INFO] =
    g_signal_new ("info", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, JSON_TYPE_NODE);
  signals[ZERO_MEMBER_VIDEO_SAMPLE] =
    g_signal_new ("video-sample", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_INT, GST_TYPE_SAMPLE | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[ZERO_MEMBER_FIRST_FRAME] =
    g_signal_new ("first-frame", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT64);
  signals[ZERO_MEMBER_AUDIO_LEVEL] =
    g_signal_new ("audio-level", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_DOUBLE);
}

guint
zero_member_events_signal_id (ZeroMemberEvent event)
{
  g_return_val_if_fail (event < ZERO_MEMBER_N_EVENTS, 0);
  g_return_val_if_fail (signals[event] != 0, 0);

  return signals[event];
}

/* zero-member-events.h: what a call's connections tell of each member, in either mode.
 *
 * ZeroPeerManager (the mesh) and ZeroSessionSfu (through the SFU) both implement this
 * interface: one set of signals, declared once, so that the session manager serves either
 * source with the same handlers. The first argument is always the member's peer id:
 *   peer-state (const char *peer_id, int ZeroPeerState)
 *   data-open (const char *peer_id)
 *   chat (const char *peer_id, const char *id, const char *text, gint64 ts)
 *   remote-state (const char *peer_id, gpointer ZeroDataState *)
 *   info (const char *peer_id, JsonNode *body)       its GET /info answer
 *   video-sample (const char *peer_id, int ZeroMediaKind, GstSample *)  decoded frames
 *                                                     (static scope: ref what you keep)
 *   first-frame (const char *peer_id, int ZeroMediaKind, gint64 us)
 *   audio-level (const char *peer_id, double rms_db)  its decoded audio (the mesh only)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ZERO_TYPE_MEMBER_EVENTS (zero_member_events_get_type ())
G_DECLARE_INTERFACE (ZeroMemberEvents, zero_member_events, ZERO, MEMBER_EVENTS, GObject)

struct _ZeroMemberEventsInterface {
  GTypeInterface parent_iface;
};

typedef enum {
  ZERO_MEMBER_PEER_STATE,
  ZERO_MEMBER_DATA_OPEN,
  ZERO_MEMBER_CHAT,
  ZERO_MEMBER_REMOTE_STATE,
  ZERO_MEMBER_INFO,
  ZERO_MEMBER_VIDEO_SAMPLE,
  ZERO_MEMBER_FIRST_FRAME,
  ZERO_MEMBER_AUDIO_LEVEL,
  ZERO_MEMBER_N_EVENTS
} ZeroMemberEvent;

/* The id of @event's signal (once a type implementing the interface exists). */
guint zero_member_events_signal_id (ZeroMemberEvent event);
/* For g_signal_emit (self, ZERO_MEMBER_SIGNAL (CHAT), 0, ...). */
#define ZERO_MEMBER_SIGNAL(event) zero_member_events_signal_id (ZERO_MEMBER_##event)

G_END_DECLS

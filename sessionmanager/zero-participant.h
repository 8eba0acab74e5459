/* zero-participant.h: one member of the session, as the UI shows it.
 *
 * The session manager keeps one ZeroParticipant per member (self first) and updates it from
 * the roster, the peer connection, the peer's data-channel `state` messages and the
 * connection statistics. Every property notifies, so widgets can bind to them. Statistics and
 * counters are refreshed about once a second ("stats-updated" then), not per frame.
 *
 * Properties (read-only for the application):
 *   peer-id, name, role ("participant" | "viewer"), is-self
 *   connection-state (ZeroParticipantState), data-open
 *   audio, video, screen, hand          the member's media state (its `state` messages)
 *   audio-level (double 0..1)           linear RMS of its audio, ~10 times a second
 *   speaking (bool)                     audio-level above the speech threshold, with a hold
 *   quality (int 0..3)                  0 not connected, 1 poor, 2 fair, 3 good (RTT/loss/fps)
 *   rtt-ms, kbps-in, kbps-out, loss (0..1), fps-in (double; -1 unknown), codecs (GStrv)
 *   video-frames, audio-frames, chats   decoded video frames, audio buffers, chat lines
 *                                       received (guint64)
 *   info (JsonNode, object)             its answer to GET /info, or NULL
 *
 * Signals:
 *   video-sample (int ZeroMediaKind, GstSample *)  a decoded frame for its tile (for the self
 *                                   participant: the local preview, while enabled)
 *   first-frame (int ZeroMediaKind, gint64 ms)     the first decoded frame of a kind; @ms
 *                                   since the pair could start (our join, or its arrival)
 *   stats-updated ()                the statistics and counters were refreshed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  ZERO_PARTICIPANT_STATE_NEW,
  ZERO_PARTICIPANT_STATE_CONNECTING,
  ZERO_PARTICIPANT_STATE_CONNECTED,
  ZERO_PARTICIPANT_STATE_FAILED,
  ZERO_PARTICIPANT_STATE_CLOSED,
} ZeroParticipantState;

GType zero_participant_state_get_type (void) G_GNUC_CONST;
#define ZERO_TYPE_PARTICIPANT_STATE (zero_participant_state_get_type ())
/* "new", "connecting", "connected", "failed", "closed" (CLI.md's peer-state names). */
const char *zero_participant_state_to_string (ZeroParticipantState state);

#define ZERO_TYPE_PARTICIPANT (zero_participant_get_type ())
G_DECLARE_FINAL_TYPE (ZeroParticipant, zero_participant, ZERO, PARTICIPANT, GObject)

const char          *zero_participant_get_peer_id   (ZeroParticipant *self);
const char          *zero_participant_get_name      (ZeroParticipant *self);
const char          *zero_participant_get_role      (ZeroParticipant *self);
gboolean             zero_participant_is_self       (ZeroParticipant *self);
ZeroParticipantState zero_participant_get_connection_state (ZeroParticipant *self);
/* TRUE once the connection has been CONNECTED at least once. */
gboolean             zero_participant_was_connected (ZeroParticipant *self);
gboolean             zero_participant_is_data_open  (ZeroParticipant *self);
gboolean             zero_participant_get_audio     (ZeroParticipant *self);
gboolean             zero_participant_get_video     (ZeroParticipant *self);
gboolean             zero_participant_get_screen    (ZeroParticipant *self);
gboolean             zero_participant_get_hand      (ZeroParticipant *self);
/* TRUE once a `state` message came (the remote's media state is known). */
gboolean             zero_participant_has_state     (ZeroParticipant *self);
double               zero_participant_get_audio_level (ZeroParticipant *self);
gboolean             zero_participant_get_speaking  (ZeroParticipant *self);
int                  zero_participant_get_quality   (ZeroParticipant *self);
double               zero_participant_get_rtt_ms    (ZeroParticipant *self);
double               zero_participant_get_kbps_in   (ZeroParticipant *self);
double               zero_participant_get_kbps_out  (ZeroParticipant *self);
double               zero_participant_get_loss      (ZeroParticipant *self);
double               zero_participant_get_fps_in    (ZeroParticipant *self);
const char * const  *zero_participant_get_codecs    (ZeroParticipant *self);
guint64              zero_participant_get_video_frames (ZeroParticipant *self);
guint64              zero_participant_get_audio_frames (ZeroParticipant *self);
guint64              zero_participant_get_chats     (ZeroParticipant *self);
/* The GET /info answer (an object), or NULL. */
JsonNode            *zero_participant_get_info      (ZeroParticipant *self);

G_END_DECLS

/* zero-participant-private.h: what the session manager updates on a ZeroParticipant.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sessionmanager/zero-participant.h"
#include "webrtc/zero-peer-stats.h"

G_BEGIN_DECLS

ZeroParticipant *_zero_participant_new                  (const char           *peer_id,
                                                         const char           *name,
                                                         const char           *role,
                                                         gboolean              is_self);
/* Our own participant learns its peer id at each welcome. */
void             _zero_participant_set_identity         (ZeroParticipant      *self,
                                                         const char           *peer_id,
                                                         const char           *name,
                                                         const char           *role);
void             _zero_participant_set_connection_state (ZeroParticipant      *self,
                                                         ZeroParticipantState  state);
void             _zero_participant_set_data_open        (ZeroParticipant      *self,
                                                         gboolean              open);
void             _zero_participant_set_media_state      (ZeroParticipant      *self,
                                                         gboolean              audio,
                                                         gboolean              video,
                                                         gboolean              screen,
                                                         gboolean              hand);
/* @rms_db: dBFS (-inf for silence). */
void             _zero_participant_set_audio_level      (ZeroParticipant      *self,
                                                         double                rms_db);
/* @stats may be NULL (counters only). Emits "stats-updated". */
void             _zero_participant_update_stats         (ZeroParticipant      *self,
                                                         const ZeroPeerStats  *stats,
                                                         guint64               video_frames,
                                                         guint64               audio_frames);
void             _zero_participant_add_chat             (ZeroParticipant      *self);
void             _zero_participant_set_info             (ZeroParticipant      *self,
                                                         JsonNode             *info);
void             _zero_participant_emit_sample          (ZeroParticipant      *self,
                                                         int                   kind,
                                                         GstSample            *sample);
void             _zero_participant_emit_first_frame     (ZeroParticipant      *self,
                                                         int                   kind,
                                                         gint64                ms);
/* When the pair could start: first-frame times count from here (monotonic µs). */
void             _zero_participant_set_start_time       (ZeroParticipant      *self,
                                                         gint64                monotonic_us);
gint64           _zero_participant_get_start_time       (ZeroParticipant      *self);

G_END_DECLS

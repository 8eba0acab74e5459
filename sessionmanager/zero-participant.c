/* zero-participant.c: one member of the session, as the UI shows it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sessionmanager/zero-participant-private.h"

#include <math.h>

/* Speech: RMS above -45 dBFS, held for 600 ms after it drops (no flicker between words). */
#define SPEAKING_LEVEL 0.0056
#define SPEAKING_HOLD_US (600 * G_TIME_SPAN_MILLISECOND)

enum {
  PROP_0,
  PROP_PEER_ID,
  PROP_NAME,
  PROP_ROLE,
  PROP_IS_SELF,
  PROP_CONNECTION_STATE,
  PROP_DATA_OPEN,
  PROP_AUDIO,
  PROP_VIDEO,
  PROP_SCREEN,
  PROP_HAND,
  PROP_AUDIO_LEVEL,
  PROP_SPEAKING,
  PROP_QUALITY,
  PROP_RTT_MS,
  PROP_KBPS_IN,
  PROP_KBPS_OUT,
  PROP_LOSS,
  PROP_FPS_IN,
  PROP_CODECS,
  PROP_VIDEO_FRAMES,
  PROP_AUDIO_FRAMES,
  PROP_CHATS,
  PROP_INFO,
  N_PROPS
};

enum {
  SIGNAL_VIDEO_SAMPLE,
  SIGNAL_FIRST_FRAME,
  SIGNAL_STATS_UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

struct _ZeroParticipant {
  GObject parent_instance;

  char *peer_id;
  char *name;
  char *role;
  gboolean is_self;
  ZeroParticipantState connection_state;
  gboolean was_connected;
  gboolean data_open;
  gboolean audio, video, screen, hand;
  gboolean has_state;
  double audio_level;
  gboolean speaking;
  gint64 last_loud_us;
  int quality;
  double rtt_ms, kbps_in, kbps_out, loss, fps_in;
  char **codecs;
  guint64 video_frames, audio_frames, chats;
  JsonNode *info;
  gint64 start_us;
  /* Inbound loss over the last interval. */
  gint64 last_lost;
  gint64 last_received;
};

G_DEFINE_FINAL_TYPE (ZeroParticipant, zero_participant, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ZeroParticipantState, zero_participant_state,
                    G_DEFINE_ENUM_VALUE (ZERO_PARTICIPANT_STATE_NEW, "new"),
                    G_DEFINE_ENUM_VALUE (ZERO_PARTICIPANT_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (ZERO_PARTICIPANT_STATE_CONNECTED, "connected"),
                    G_DEFINE_ENUM_VALUE (ZERO_PARTICIPANT_STATE_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (ZERO_PARTICIPANT_STATE_CLOSED, "closed"))

const char *
zero_participant_state_to_string (ZeroParticipantState state)
{
  switch (state)
    {
    case ZERO_PARTICIPANT_STATE_NEW:
      return "new";
    case ZERO_PARTICIPANT_STATE_CONNECTING:
      return "connecting";
    case ZERO_PARTICIPANT_STATE_CONNECTED:
      return "connected";
    case ZERO_PARTICIPANT_STATE_FAILED:
      return "failed";
    case ZERO_PARTICIPANT_STATE_CLOSED:
      return "closed";
    default:
      return "unknown";
    }
}

static void
zero_participant_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ZeroParticipant *self = ZERO_PARTICIPANT (object);

  switch (prop_id)
    {
    case PROP_PEER_ID: g_value_set_string (value, self->peer_id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_ROLE: g_value_set_string (value, self->role); break;
    case PROP_IS_SELF: g_value_set_boolean (value, self->is_self); break;
    case PROP_CONNECTION_STATE: g_value_set_enum (value, self->connection_state); break;
    case PROP_DATA_OPEN: g_value_set_boolean (value, self->data_open); break;
    case PROP_AUDIO: g_value_set_boolean (value, self->audio); break;
    case PROP_VIDEO: g_value_set_boolean (value, self->video); break;
    case PROP_SCREEN: g_value_set_boolean (value, self->screen); break;
    case PROP_HAND: g_value_set_boolean (value, self->hand); break;
    case PROP_AUDIO_LEVEL: g_value_set_double (value, self->audio_level); break;
    case PROP_SPEAKING: g_value_set_boolean (value, self->speaking); break;
    case PROP_QUALITY: g_value_set_int (value, self->quality); break;
    case PROP_RTT_MS: g_value_set_double (value, self->rtt_ms); break;
    case PROP_KBPS_IN: g_value_set_double (value, self->kbps_in); break;
    case PROP_KBPS_OUT: g_value_set_double (value, self->kbps_out); break;
    case PROP_LOSS: g_value_set_double (value, self->loss); break;
    case PROP_FPS_IN: g_value_set_double (value, self->fps_in); break;
    case PROP_CODECS: g_value_set_boxed (value, self->codecs); break;
    case PROP_VIDEO_FRAMES: g_value_set_uint64 (value, self->video_frames); break;
    case PROP_AUDIO_FRAMES: g_value_set_uint64 (value, self->audio_frames); break;
    case PROP_CHATS: g_value_set_uint64 (value, self->chats); break;
    case PROP_INFO: g_value_set_boxed (value, self->info); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_participant_finalize (GObject *object)
{
  ZeroParticipant *self = ZERO_PARTICIPANT (object);

  g_free (self->peer_id);
  g_free (self->name);
  g_free (self->role);
  g_strfreev (self->codecs);
  g_clear_pointer (&self->info, json_node_unref);

  G_OBJECT_CLASS (zero_participant_parent_class)->finalize (object);
}

static void
zero_participant_class_init (ZeroParticipantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = zero_participant_get_property;
  object_class->finalize = zero_participant_finalize;

  properties[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, NULL, NULL, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_ROLE] = g_param_spec_string ("role", NULL, NULL, "participant", ro);
  properties[PROP_IS_SELF] = g_param_spec_boolean ("is-self", NULL, NULL, FALSE, ro);
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_enum ("connection-state", NULL, NULL, ZERO_TYPE_PARTICIPANT_STATE,
                       ZERO_PARTICIPANT_STATE_NEW, ro);
  properties[PROP_DATA_OPEN] = g_param_spec_boolean ("data-open", NULL, NULL, FALSE, ro);
  properties[PROP_AUDIO] = g_param_spec_boolean ("audio", NULL, NULL, FALSE, ro);
  properties[PROP_VIDEO] = g_param_spec_boolean ("video", NULL, NULL, FALSE, ro);
  properties[PROP_SCREEN] = g_param_spec_boolean ("screen", NULL, NULL, FALSE, ro);
  properties[PROP_HAND] = g_param_spec_boolean ("hand", NULL, NULL, FALSE, ro);
  properties[PROP_AUDIO_LEVEL] = g_param_spec_double ("audio-level", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_SPEAKING] = g_param_spec_boolean ("speaking", NULL, NULL, FALSE, ro);
  properties[PROP_QUALITY] = g_param_spec_int ("quality", NULL, NULL, 0, 3, 0, ro);
  properties[PROP_RTT_MS] = g_param_spec_double ("rtt-ms", NULL, NULL, -1, G_MAXDOUBLE, -1, ro);
  properties[PROP_KBPS_IN] =
    g_param_spec_double ("kbps-in", NULL, NULL, -1, G_MAXDOUBLE, -1, ro);
  properties[PROP_KBPS_OUT] =
    g_param_spec_double ("kbps-out", NULL, NULL, -1, G_MAXDOUBLE, -1, ro);
  properties[PROP_LOSS] = g_param_spec_double ("loss", NULL, NULL, -1, 1, -1, ro);
  properties[PROP_FPS_IN] = g_param_spec_double ("fps-in", NULL, NULL, -1, G_MAXDOUBLE, -1, ro);
  properties[PROP_CODECS] = g_param_spec_boxed ("codecs", NULL, NULL, G_TYPE_STRV, ro);
  properties[PROP_VIDEO_FRAMES] =
    g_param_spec_uint64 ("video-frames", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_AUDIO_FRAMES] =
    g_param_spec_uint64 ("audio-frames", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_CHATS] = g_param_spec_uint64 ("chats", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_INFO] = g_param_spec_boxed ("info", NULL, NULL, JSON_TYPE_NODE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_VIDEO_SAMPLE] =
    g_signal_new ("video-sample", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT,
                  GST_TYPE_SAMPLE | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_FIRST_FRAME] =
    g_signal_new ("first-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT64);
  signals[SIGNAL_STATS_UPDATED] =
    g_signal_new ("stats-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
zero_participant_init (ZeroParticipant *self)
{
  self->role = g_strdup ("participant");
  self->rtt_ms = self->kbps_in = self->kbps_out = self->loss = self->fps_in = -1;
  self->last_lost = self->last_received = -1;
}

/* --- private (session manager) ------------------------------------------ */

ZeroParticipant *
_zero_participant_new (const char *peer_id,
                       const char *name,
                       const char *role,
                       gboolean    is_self)
{
  ZeroParticipant *self = g_object_new (ZERO_TYPE_PARTICIPANT, NULL);

  self->peer_id = g_strdup (peer_id);
  self->name = g_strdup (name);
  if (role)
    {
      g_free (self->role);
      self->role = g_strdup (role);
    }
  self->is_self = is_self;
  self->start_us = g_get_monotonic_time ();
  return self;
}

void
_zero_participant_set_identity (ZeroParticipant *self,
                                const char      *peer_id,
                                const char      *name,
                                const char      *role)
{
  g_return_if_fail (ZERO_IS_PARTICIPANT (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->peer_id, peer_id) != 0)
    {
      g_free (self->peer_id);
      self->peer_id = g_strdup (peer_id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_ID]);
    }
  if (name && g_strcmp0 (self->name, name) != 0)
    {
      g_free (self->name);
      self->name = g_strdup (name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
    }
  if (role && g_strcmp0 (self->role, role) != 0)
    {
      g_free (self->role);
      self->role = g_strdup (role);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

#define SET(field, value, prop)                                              \
  G_STMT_START {                                                             \
    if (self->field != (value))                                              \
      {                                                                      \
        self->field = (value);                                               \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);        \
      }                                                                      \
  } G_STMT_END

void
_zero_participant_set_connection_state (ZeroParticipant     *self,
                                        ZeroParticipantState state)
{
  g_return_if_fail (ZERO_IS_PARTICIPANT (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (state == ZERO_PARTICIPANT_STATE_CONNECTED)
    self->was_connected = TRUE;
  SET (connection_state, state, PROP_CONNECTION_STATE);
  if (state != ZERO_PARTICIPANT_STATE_CONNECTED)
    {
      SET (quality, 0, PROP_QUALITY);
      if (state != ZERO_PARTICIPANT_STATE_CONNECTING)
        SET (data_open, FALSE, PROP_DATA_OPEN);
    }
  else if (self->quality == 0)
    SET (quality, 3, PROP_QUALITY);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_zero_participant_set_data_open (ZeroParticipant *self,
                                 gboolean         open)
{
  g_return_if_fail (ZERO_IS_PARTICIPANT (self));
  SET (data_open, !!open, PROP_DATA_OPEN);
}

void
_zero_participant_set_media_state (ZeroParticipant *self,
                                   gboolean         audio,
                                   gboolean         video,
                                   gboolean         screen,
                                   gboolean         hand)
{
  g_return_if_fail (ZERO_IS_PARTICIPANT (self));

  g_object_freeze_notify (G_OBJECT (self));
  self->has_state = TRUE;
  SET (audio, !!audio, PROP_AUDIO);
  SET (video, !!video, PROP_VIDEO);
  SET (screen, !!screen, PROP_SCREEN);
  SET (hand, !!hand, PROP_HAND);
  if (!audio)
    {
      SET (audio_level, 0.0, PROP_AUDIO_LEVEL);
      SET (speaking, FALSE, PROP_SPEAKING);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
_zero_participant_set_audio_level (ZeroParticipant *self,
                                   double           rms_db)
{
  double level = isfinite (rms_db) ? CLAMP (pow (10, rms_db / 20), 0, 1) : 0;
  gint64 now = g_get_monotonic_time ();
  gboolean speaking;

  g_return_if_fail (ZERO_IS_PARTICIPANT (self));

  if (self->has_state && !self->audio)
    level = 0; /* muted: whatever still trickles in is not speech */
  if (level >= SPEAKING_LEVEL)
    self->last_loud_us = now;
  speaking = self->last_loud_us != 0 && now - self->last_loud_us < SPEAKING_HOLD_US;
  g_object_freeze_notify (G_OBJECT (self));
  /* Levels change constantly: notify only visible changes. */
  if (fabs (self->audio_level - level) >= 0.005 || (level == 0) != (self->audio_level == 0))
    {
      self->audio_level = level;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUDIO_LEVEL]);
    }
  SET (speaking, speaking, PROP_SPEAKING);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_double (ZeroParticipant *self,
            double          *field,
            double           value,
            int              prop)
{
  if (*field != value)
    {
      *field = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
    }
}

/* 3 good, 2 fair, 1 poor, from what the user would notice: delay, loss, a stuttering
 * picture. */
static int
compute_quality (ZeroParticipant     *self,
                 const ZeroPeerStats *stats)
{
  double loss = MAX (self->loss, stats->fraction_lost);
  int quality = 3;

  if (self->connection_state != ZERO_PARTICIPANT_STATE_CONNECTED)
    return 0;
  if ((stats->rtt_ms >= 0 && stats->rtt_ms > 400) || loss > 0.10)
    quality = 1;
  else if ((stats->rtt_ms >= 0 && stats->rtt_ms > 200) || loss > 0.03)
    quality = 2;
  /* A camera that is on but whose frames barely arrive. */
  if (self->has_state && self->video && stats->fps_in >= 0 && stats->fps_in < 5)
    quality = MIN (quality, 1);
  else if (self->has_state && self->video && stats->fps_in >= 0 && stats->fps_in < 12)
    quality = MIN (quality, 2);
  return quality;
}

void
_zero_participant_update_stats (ZeroParticipant     *self,
                                const ZeroPeerStats *stats,
                                guint64              video_frames,
                                guint64              audio_frames)
{
  g_return_if_fail (ZERO_IS_PARTICIPANT (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (stats)
    {
      double loss = -1;

      if (stats->packets_lost >= 0 && stats->packets_received >= 0)
        {
          if (self->last_lost >= 0)
            {
              gint64 lost = MAX (stats->packets_lost - self->last_lost, 0);
              gint64 got = MAX (stats->packets_received - self->last_received, 0);

              loss = lost + got > 0 ? (double) lost / (double) (lost + got) : 0;
            }
          self->last_lost = stats->packets_lost;
          self->last_received = stats->packets_received;
        }
      set_double (self, &self->rtt_ms, stats->rtt_ms, PROP_RTT_MS);
      set_double (self, &self->kbps_in, stats->recv_kbps, PROP_KBPS_IN);
      set_double (self, &self->kbps_out, stats->send_kbps, PROP_KBPS_OUT);
      set_double (self, &self->loss, loss, PROP_LOSS);
      set_double (self, &self->fps_in, stats->fps_in, PROP_FPS_IN);
      if (!g_strv_equal ((const char *const *) (self->codecs ? self->codecs
                                                              : (char *[]){ NULL }),
                         (const char *const *) (stats->codecs ? stats->codecs
                                                               : (char *[]){ NULL })))
        {
          g_strfreev (self->codecs);
          self->codecs = g_strdupv (stats->codecs);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODECS]);
        }
      SET (quality, compute_quality (self, stats), PROP_QUALITY);
    }
  SET (video_frames, video_frames, PROP_VIDEO_FRAMES);
  SET (audio_frames, audio_frames, PROP_AUDIO_FRAMES);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[SIGNAL_STATS_UPDATED], 0);
}

void
_zero_participant_add_chat (ZeroParticipant *self)
{
  g_return_if_fail (ZERO_IS_PARTICIPANT (self));
  self->chats++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHATS]);
}

void
_zero_participant_set_info (ZeroParticipant *self,
                            JsonNode        *info)
{
  g_return_if_fail (ZERO_IS_PARTICIPANT (self));

  g_clear_pointer (&self->info, json_node_unref);
  self->info = info ? json_node_copy (info) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INFO]);
}

void
_zero_participant_emit_sample (ZeroParticipant *self,
                               int              kind,
                               GstSample       *sample)
{
  g_signal_emit (self, signals[SIGNAL_VIDEO_SAMPLE], 0, kind, sample);
}

void
_zero_participant_emit_first_frame (ZeroParticipant *self,
                                    int              kind,
                                    gint64           ms)
{
  g_signal_emit (self, signals[SIGNAL_FIRST_FRAME], 0, kind, ms);
}

void
_zero_participant_set_start_time (ZeroParticipant *self,
                                  gint64           monotonic_us)
{
  g_return_if_fail (ZERO_IS_PARTICIPANT (self));
  self->start_us = monotonic_us;
}

gint64
_zero_participant_get_start_time (ZeroParticipant *self)
{
  g_return_val_if_fail (ZERO_IS_PARTICIPANT (self), 0);
  return self->start_us;
}

#undef SET

/* --- public getters ------------------------------------------------------ */

#define GETTER(type, name, expr)                                             \
  type zero_participant_##name (ZeroParticipant *self)                        \
  {                                                                          \
    g_return_val_if_fail (ZERO_IS_PARTICIPANT (self), (type) 0);             \
    return (expr);                                                           \
  }

GETTER (const char *, get_peer_id, self->peer_id)
GETTER (const char *, get_name, self->name)
GETTER (const char *, get_role, self->role)
GETTER (gboolean, is_self, self->is_self)
GETTER (ZeroParticipantState, get_connection_state, self->connection_state)
GETTER (gboolean, was_connected, self->was_connected)
GETTER (gboolean, is_data_open, self->data_open)
GETTER (gboolean, get_audio, self->audio)
GETTER (gboolean, get_video, self->video)
GETTER (gboolean, get_screen, self->screen)
GETTER (gboolean, get_hand, self->hand)
GETTER (gboolean, has_state, self->has_state)
GETTER (double, get_audio_level, self->audio_level)
GETTER (gboolean, get_speaking, self->speaking)
GETTER (int, get_quality, self->quality)
GETTER (double, get_rtt_ms, self->rtt_ms)
GETTER (double, get_kbps_in, self->kbps_in)
GETTER (double, get_kbps_out, self->kbps_out)
GETTER (double, get_loss, self->loss)
GETTER (double, get_fps_in, self->fps_in)
GETTER (const char *const *, get_codecs, (const char *const *) self->codecs)
GETTER (guint64, get_video_frames, self->video_frames)
GETTER (guint64, get_audio_frames, self->audio_frames)
GETTER (guint64, get_chats, self->chats)
GETTER (JsonNode *, get_info, self->info)

#undef GETTER

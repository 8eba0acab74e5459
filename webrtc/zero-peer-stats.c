/* zero-peer-stats.c: ZeroPeerStats, and the peer's once-a-second statistics from
 * webrtcbin's get-stats (plus REMB from the RTP session, which get-stats lacks).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-peer-private.h"

#include <gst/rtp/rtp.h>
#include <math.h>

G_DEFINE_BOXED_TYPE (ZeroPeerStats, zero_peer_stats, zero_peer_stats_copy, zero_peer_stats_free)

ZeroPeerStats *
zero_peer_stats_new (void)
{
  ZeroPeerStats *stats = g_new0 (ZeroPeerStats, 1);

  stats->rtt_ms = -1;
  stats->send_kbps = -1;
  stats->recv_kbps = -1;
  stats->packets_lost = -1;
  stats->fraction_lost = -1;
  stats->fps_in = -1;
  stats->frames_decoded = 0;
  stats->audio_buffers_decoded = 0;
  stats->packets_sent = -1;
  stats->packets_received = -1;
  stats->nack_count = -1;
  stats->pli_count = -1;
  stats->remb_kbps = -1;
  stats->available_kbps = -1;
  stats->timestamp_us = g_get_monotonic_time ();
  return stats;
}

ZeroPeerStats *
zero_peer_stats_copy (const ZeroPeerStats *stats)
{
  ZeroPeerStats *copy;

  g_return_val_if_fail (stats != NULL, NULL);

  copy = g_memdup2 (stats, sizeof *stats);
  copy->codecs = g_strdupv (stats->codecs);
  return copy;
}

void
zero_peer_stats_free (ZeroPeerStats *stats)
{
  if (stats == NULL)
    return;
  g_strfreev (stats->codecs);
  g_free (stats);
}

static void
add_number (GString    *out,
            const char *name,
            double      value,
            gboolean    integer)
{
  g_string_append_printf (out, "%s\"%s\":", out->len > 1 ? "," : "", name);
  if (value < 0 || isnan (value))
    g_string_append (out, "null");
  else if (integer)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
  else
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      /* One decimal, locale-independent: "148.8", not 148.80000000000001. */
      g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.1f", value));
    }
}

char *
zero_peer_stats_to_json (const ZeroPeerStats *stats)
{
  GString *out;

  g_return_val_if_fail (stats != NULL, NULL);

  out = g_string_new ("{");
  add_number (out, "rtt_ms", stats->rtt_ms, FALSE);
  add_number (out, "send_kbps", stats->send_kbps, FALSE);
  add_number (out, "recv_kbps", stats->recv_kbps, FALSE);
  add_number (out, "packets_lost", (double) stats->packets_lost, TRUE);
  add_number (out, "fps_in", stats->fps_in, FALSE);
  g_string_append (out, ",\"codecs\":[");
  for (guint i = 0; stats->codecs && stats->codecs[i]; i++)
    {
      g_autofree char *escaped = g_strescape (stats->codecs[i], NULL);

      g_string_append_printf (out, "%s\"%s\"", i ? "," : "", escaped);
    }
  g_string_append (out, "]");
  add_number (out, "fraction_lost", stats->fraction_lost, FALSE);
  add_number (out, "frames_decoded", (double) stats->frames_decoded, TRUE);
  add_number (out, "audio_buffers_decoded", (double) stats->audio_buffers_decoded, TRUE);
  add_number (out, "remb_kbps", stats->remb_kbps, FALSE);
  add_number (out, "video_streams_out", stats->video_streams_out, TRUE);
  add_number (out, "audio_streams_out", stats->audio_streams_out, TRUE);
  g_string_append (out, "}");
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------------- */

/* REMB (draft-alvestrand-rmcat-remb): PSFB, FMT 15, FCI "REMB", #SSRC, exp(6) mantissa(18). */
static void
on_feedback_rtcp (GObject   *session,
                  guint      type,
                  guint      fbtype,
                  guint      sender_ssrc,
                  guint      media_ssrc,
                  GstBuffer *fci,
                  ZeroPeer  *self)
{
  GstMapInfo map;

  if (type != GST_RTCP_TYPE_PSFB || fbtype != GST_RTCP_PSFB_TYPE_AFB || fci == NULL)
    return;
  if (!gst_buffer_map (fci, &map, GST_MAP_READ))
    return;
  if (map.size >= 8 && memcmp (map.data, "REMB", 4) == 0)
    {
      guint exp = map.data[5] >> 2;
      guint64 mantissa = ((guint64) (map.data[5] & 0x3) << 16) | (map.data[6] << 8) | map.data[7];

      g_mutex_lock (&self->lock);
      self->remb_bps = (double) (mantissa << exp);
      g_mutex_unlock (&self->lock);
    }
  gst_buffer_unmap (fci, &map);
}

void
_zero_peer_attach_rtp_session (ZeroPeer *self)
{
  g_autoptr (GstElement) rtpbin = NULL;
  GObject *session = NULL;

  if (self->rtp_session != NULL || self->webrtc == NULL)
    return;
  rtpbin = gst_bin_get_by_name (GST_BIN (self->webrtc), "rtpbin");
  if (rtpbin == NULL)
    return;
  /* max-bundle: one RTP session, 0. It exists once webrtcbin has asked for its pads. */
  g_signal_emit_by_name (rtpbin, "get-internal-session", 0, &session);
  if (session == NULL)
    return;
  self->rtp_session = session;
  g_signal_connect (session, "on-feedback-rtcp", G_CALLBACK (on_feedback_rtcp), self);
}

typedef struct {
  gint64 bytes_sent, bytes_recv, packets_sent, packets_recv, lost, nacks, plis;
  int video_out, audio_out;
  double rtt_s, fraction_lost;
  GPtrArray *codecs;
} Totals;

static gboolean
collect_stat (GQuark        field,
              const GValue *value,
              gpointer      user_data)
{
  Totals *t = user_data;
  const GstStructure *s;
  GstWebRTCStatsType type;
  guint64 u64;
  gint64 i64;
  guint u;
  double d;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (!gst_structure_get_enum (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, (gint *) &type))
    return TRUE;

  switch (type)
    {
    case GST_WEBRTC_STATS_OUTBOUND_RTP:
      if (gst_structure_get_uint64 (s, "bytes-sent", &u64))
        t->bytes_sent += u64;
      if (gst_structure_get_uint64 (s, "packets-sent", &u64))
        {
          const GstStructure *rtp = NULL;
          int clock_rate = 0;

          t->packets_sent += u64;
          /* 1.22.0 labels every outbound stream with the kind and codec of the last pad;
           * the RTP source's clock rate tells them apart (video is always 90 kHz). */
          if (gst_structure_get (s, "gst-rtpsource-stats", GST_TYPE_STRUCTURE, &rtp, NULL))
            {
              gst_structure_get_int (rtp, "clock-rate", &clock_rate);
              gst_structure_free ((GstStructure *) rtp);
            }
          if (u64 > 0 && clock_rate == 90000)
            t->video_out++;
          else if (u64 > 0 && clock_rate > 0)
            t->audio_out++;
        }
      break;
    case GST_WEBRTC_STATS_INBOUND_RTP:
      if (gst_structure_get_uint64 (s, "bytes-received", &u64))
        t->bytes_recv += u64;
      if (gst_structure_get_uint64 (s, "packets-received", &u64))
        t->packets_recv += u64;
      if (gst_structure_get_int64 (s, "packets-lost", &i64))
        t->lost += MAX (i64, 0);
      if (gst_structure_get_uint (s, "nack-count", &u))
        t->nacks += u;
      if (gst_structure_get_uint (s, "pli-count", &u))
        t->plis += u;
      break;
    case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
      if (gst_structure_get_double (s, "round-trip-time", &d) && d > 0)
        t->rtt_s = MAX (t->rtt_s, d);
      if (gst_structure_get_double (s, "fraction-lost", &d) && d >= 0)
        t->fraction_lost = MAX (t->fraction_lost, d);
      break;
    case GST_WEBRTC_STATS_CODEC:
      {
        const char *mime = gst_structure_get_string (s, "mime-type");

        if (mime && !g_ptr_array_find_with_equal_func (t->codecs, mime, g_str_equal, NULL))
          g_ptr_array_add (t->codecs, g_strdup (mime));
      }
      break;
    default:
      break;
    }
  return TRUE;
}

static gboolean
on_stats_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  GstStructure *reply = post->data;
  Totals t = { 0 };
  ZeroPeerStats *stats = zero_peer_stats_new ();
  gint64 now = g_get_monotonic_time ();
  gint64 frames = zero_atomic_get64 (&self->video_frames);
  double dt = self->prev_stats_us ? (now - self->prev_stats_us) / 1e6 : 0;

  self->stats_pending = FALSE;
  t.rtt_s = -1;
  t.fraction_lost = -1;
  t.codecs = g_ptr_array_new_with_free_func (g_free);
  gst_structure_foreach (reply, collect_stat, &t);

  stats->timestamp_us = now;
  stats->packets_sent = t.packets_sent;
  stats->packets_received = t.packets_recv;
  stats->video_streams_out = t.video_out;
  stats->audio_streams_out = t.audio_out;
  stats->packets_lost = t.lost;
  stats->nack_count = t.nacks;
  stats->pli_count = t.plis;
  stats->rtt_ms = t.rtt_s >= 0 ? t.rtt_s * 1000 : -1;
  stats->fraction_lost = t.fraction_lost;
  stats->frames_decoded = frames;
  stats->audio_buffers_decoded = zero_atomic_get64 (&self->audio_buffers);
  if (dt > 0.2)
    {
      stats->send_kbps = MAX (0, t.bytes_sent - self->prev_bytes_sent) * 8 / dt / 1000;
      stats->recv_kbps = MAX (0, t.bytes_recv - self->prev_bytes_recv) * 8 / dt / 1000;
      stats->fps_in = MAX (0, frames - self->prev_frames) / dt;
    }
  g_mutex_lock (&self->lock);
  if (self->remb_bps > 0)
    stats->remb_kbps = stats->available_kbps = self->remb_bps / 1000;
  g_mutex_unlock (&self->lock);
  g_ptr_array_add (t.codecs, NULL);
  stats->codecs = (char **) g_ptr_array_free (t.codecs, FALSE);

  self->prev_stats_us = now;
  self->prev_bytes_sent = t.bytes_sent;
  self->prev_bytes_recv = t.bytes_recv;
  self->prev_frames = frames;
  g_clear_pointer (&self->stats, zero_peer_stats_free);
  self->stats = stats;

  g_signal_emit_by_name (self, "stats", stats);
  if (self->state == ZERO_PEER_STATE_CONNECTED)
    g_signal_emit_by_name (self, "feedback", stats->fraction_lost, stats->rtt_ms,
                           stats->remb_kbps);
  return G_SOURCE_REMOVE;
}

static void
on_stats_reply (GstPromise *promise,
                gpointer    user_data)
{
  ZeroPeer *self = user_data;
  const GstStructure *reply = NULL;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED)
    reply = gst_promise_get_reply (promise);
  _zero_peer_post (self, on_stats_main,
                   reply ? gst_structure_copy (reply) : gst_structure_new_empty ("stats"),
                   (GDestroyNotify) gst_structure_free);
}

static gboolean
on_stats_tick (gpointer user_data)
{
  ZeroPeer *self = user_data;
  GstPromise *promise;

  _zero_peer_check_liveness (self);
  if (self->closed || self->webrtc == NULL || self->state != ZERO_PEER_STATE_CONNECTED ||
      self->stats_pending)
    return G_SOURCE_CONTINUE;
  _zero_peer_attach_rtp_session (self);
  self->stats_pending = TRUE;
  promise = gst_promise_new_with_change_func (on_stats_reply, g_object_ref (self),
                                              g_object_unref);
  /* webrtcbin takes its own ref; ours is kept until replied: close() waits for it
   * (see _zero_peer_stats_stop). */
  g_signal_emit_by_name (self->webrtc, "get-stats", NULL, promise);
  g_clear_pointer (&self->stats_promise, gst_promise_unref);
  self->stats_promise = promise;
  return G_SOURCE_CONTINUE;
}

void
_zero_peer_stats_start (ZeroPeer *self)
{
  if (self->stats_timeout_id == 0)
    self->stats_timeout_id = _zero_peer_timeout_add (self, 1000, on_stats_tick);
}

/* A connection has just come up: sample now instead of at the next tick, so that rates
 * (which take two samples) are known a second after connecting rather than up to three. */
void
_zero_peer_stats_sample_now (ZeroPeer *self)
{
  if (self->stats_timeout_id == 0)
    return;
  _zero_peer_timeout_clear (self, &self->stats_timeout_id);
  on_stats_tick (self);
  self->stats_timeout_id = _zero_peer_timeout_add (self, 1000, on_stats_tick);
}

void
_zero_peer_stats_stop (ZeroPeer *self)
{
  /* GStreamer 1.22.0's rtpsession may iterate its sources for get-stats while a state
   * change resets them (GLib criticals, fixed in 1.22.4): let the last request finish
   * before the peer's elements stop. The reply comes from webrtcbin's own thread. */
  if (self->stats_promise)
    {
      gst_promise_wait (self->stats_promise);
      g_clear_pointer (&self->stats_promise, gst_promise_unref);
    }
  _zero_peer_timeout_clear (self, &self->stats_timeout_id);
}

ZeroPeerStats *
zero_peer_get_stats (ZeroPeer *self)
{
  ZeroPeerStats *stats;

  g_return_val_if_fail (ZERO_IS_PEER (self), NULL);

  stats = self->stats ? zero_peer_stats_copy (self->stats) : zero_peer_stats_new ();
  stats->frames_decoded = zero_atomic_get64 (&self->video_frames);
  stats->audio_buffers_decoded = zero_atomic_get64 (&self->audio_buffers);
  return stats;
}

/* zero-peer-stats.h: one peer connection's statistics, as a boxed value.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define ZERO_TYPE_PEER_STATS (zero_peer_stats_get_type ())

/* Numbers are -1 (or NULL) while unknown. Rates are averaged over the last interval
 * (about a second). */
typedef struct {
  double rtt_ms;              /* ICE/RTCP round-trip time */
  double send_kbps;           /* RTP payload + headers sent, all streams */
  double recv_kbps;           /* RTP received, all streams */
  gint64 packets_lost;        /* cumulative, inbound streams (as we count them) */
  double fraction_lost;       /* 0..1: loss the remote reports on what we send */
  double fps_in;              /* decoded camera frames per second */
  gint64 frames_decoded;      /* cumulative decoded video frames (all video streams) */
  gint64 audio_buffers_decoded; /* cumulative decoded audio buffers */
  gint64 packets_sent;
  gint64 packets_received;
  gint64 nack_count;          /* NACKs we sent */
  gint64 pli_count;           /* PLIs we sent */
  double remb_kbps;           /* the remote's REMB estimate of our send rate */
  double available_kbps;      /* best estimate of what we may send: REMB, else -1 */
  char **codecs;              /* "video/VP8", "audio/OPUS", ... in use (NULL-terminated) */
  gint64 timestamp_us;        /* g_get_monotonic_time() of the sample */
  int video_streams_out;      /* outbound video RTP streams that have sent packets */
  int audio_streams_out;      /* outbound audio RTP streams that have sent packets */
} ZeroPeerStats;

GType          zero_peer_stats_get_type (void) G_GNUC_CONST;
ZeroPeerStats *zero_peer_stats_new      (void);
ZeroPeerStats *zero_peer_stats_copy     (const ZeroPeerStats *stats);
void           zero_peer_stats_free     (ZeroPeerStats *stats);

/* The stats as PROTOCOL.md section 7's GET /stats body ({rtt_ms, send_kbps, recv_kbps,
 * packets_lost, fps_in, codecs}; null while unknown), plus the other fields. */
char          *zero_peer_stats_to_json  (const ZeroPeerStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroPeerStats, zero_peer_stats_free)

G_END_DECLS

/* zero-bitrate-controller.h: pure logic that turns per-peer receiver feedback into one
 * encoder target bitrate (the worst peer's estimate, within bounds).
 *
 * Per peer, a loss-based estimate in the style of GCC's sender side: above 10 % loss it
 * drops by (1 - loss / 2) at most once per (300 ms + RTT); below 2 % it grows by 8 % per
 * second of elapsed time; in between it holds. A REMB value caps the estimate. The encoder
 * target is the minimum over peers, clamped to [min, max]; with no peer it is the start
 * bitrate. No clock of its own: callers pass the time, so tests are deterministic.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ZERO_TYPE_BITRATE_CONTROLLER (zero_bitrate_controller_get_type ())
G_DECLARE_FINAL_TYPE (ZeroBitrateController, zero_bitrate_controller, ZERO, BITRATE_CONTROLLER,
                      GObject)

#define ZERO_BITRATE_LOSS_HIGH 0.10
#define ZERO_BITRATE_LOSS_LOW 0.02

ZeroBitrateController *zero_bitrate_controller_new        (guint min_kbps,
                                                           guint max_kbps,
                                                           guint start_kbps);

/* Feeds one receiver report of @peer_id. @fraction_lost is 0..1, @rtt_ms and @remb_kbps
 * are ignored when <= 0 (unknown). @now_us is a monotonic time in µs. Returns TRUE when
 * the target changed (notify::target-kbps is emitted too). Out-of-range or NaN values
 * are refused with a warning-free FALSE. */
gboolean  zero_bitrate_controller_report            (ZeroBitrateController *self,
                                                     const char            *peer_id,
                                                     double                 fraction_lost,
                                                     double                 rtt_ms,
                                                     double                 remb_kbps,
                                                     gint64                 now_us);
/* Drops @peer_id; returns TRUE when the target changed. */
gboolean  zero_bitrate_controller_forget            (ZeroBitrateController *self,
                                                     const char            *peer_id);
guint     zero_bitrate_controller_get_target_kbps   (ZeroBitrateController *self);
/* The estimate for @peer_id in kbps, or 0 if the peer is unknown. */
guint     zero_bitrate_controller_get_peer_estimate (ZeroBitrateController *self,
                                                     const char            *peer_id);
guint     zero_bitrate_controller_get_n_peers       (ZeroBitrateController *self);
guint     zero_bitrate_controller_get_min_kbps      (ZeroBitrateController *self);
guint     zero_bitrate_controller_get_max_kbps      (ZeroBitrateController *self);

G_END_DECLS

/* zero-frame-pump.h: a live video source that sends W x H I420 frames at a constant rate,
 * each the latest frame a camera pushed into its "sink" pad, or black.
 *
 * It replaces a compositor in front of the shared encoder. The encoder sees one stream that
 * never changes: same caps, one segment, timestamps on a fixed grid of 1/fps that only go
 * forward, whatever the camera does (starts late, runs at another rate, stalls, fails, is
 * switched, or is closed while video is paused). A camera frame goes out as a new buffer
 * sharing its memory, unless that memory belongs to the device (PipeWire, V4L2; marked with
 * zero_frame_pump_mark_device_memory()): such a frame is copied once, since the memory goes away when the camera is closed while the
 * encoder may still hold the frame. Black is one buffer made at start.
 *
 *   camera capture bin ──► [sink] ZeroFramePump [src] ──► queue ──► encoder
 *
 * - A frame older than #ZeroFramePump:stale-ms (the camera stalled) is replaced by black.
 * - zero_frame_pump_set_blank() sends black whatever arrives (video paused).
 * - zero_frame_pump_clear() forgets the last frame (camera detached): black at once.
 * - When the pump is late (a starved CPU) it skips the missed grid slots instead of sending
 *   a burst of late frames.
 * - Each slot takes the newest frame when its time comes, and the grid slowly follows the
 *   camera's phase (at most 1/32 of a frame per frame) so that a camera at the same rate
 *   waits a few milliseconds for its slot, not up to a whole frame.
 *
 * The sink pad takes I420 at exactly W x H (any rate) and swallows EOS, segments and
 * flushes: they belong to the camera, not to the stream the encoder sees.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define ZERO_TYPE_FRAME_PUMP (zero_frame_pump_get_type ())
G_DECLARE_FINAL_TYPE (ZeroFramePump, zero_frame_pump, ZERO, FRAME_PUMP, GstPushSrc)

typedef struct {
  guint64 frames_in;        /* camera frames pushed into the sink pad */
  guint64 frames_out;       /* frames sent */
  guint64 camera_frames;    /* ...of which carried a camera frame */
  guint64 repeated_frames;  /* ...of which repeated the previous camera frame */
  guint64 black_frames;     /* ...of which were black */
  guint64 skipped_slots;    /* grid slots skipped because the pump ran late */
  double camera_wait_us;    /* how long recent camera frames waited for their slot, mean */
} ZeroFramePumpStats;

GstElement *zero_frame_pump_new        (const char *name,
                                        int         width,
                                        int         height,
                                        int         fps);
void        zero_frame_pump_set_blank  (ZeroFramePump *self,
                                        gboolean       blank);
void        zero_frame_pump_clear      (ZeroFramePump *self);
void        zero_frame_pump_get_stats  (ZeroFramePump      *self,
                                        ZeroFramePumpStats *stats);
/* Marks the memory of a buffer straight from a capture device (call it on the device
 * source's src pad): the pump copies such memory if it reaches it unconverted. */
void        zero_frame_pump_mark_device_memory (GstBuffer *buffer);

G_END_DECLS

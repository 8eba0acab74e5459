/* zero-frame-stamp.h: a timestamp drawn into a video frame as large black/white luma blocks,
 * so it survives lossy encoding, and read back from the decoded frame.
 *
 * Layout: an 8x8 grid of square blocks in the frame's top-left corner, one bit each
 * (white = 1), row-major, most significant bit first: 48 bits of value, then a 16-bit
 * CRC (CRC-16/CCITT-FALSE over the six value bytes). A frame without a stamp, or whose stamp
 * was damaged, reads as ZERO_FRAME_STAMP_NONE. The block size depends only on the frame's
 * size (see zero_frame_stamp_block_size()), so sender and receiver agree as long as the
 * frame is not rescaled in between.
 *
 * Values are 48-bit: the writer stores value & ZERO_FRAME_STAMP_MASK. Use
 * zero_frame_stamp_now() (g_get_monotonic_time() in µs, masked) on both ends when they run
 * on one machine, and zero_frame_stamp_elapsed() to subtract with wrap-around.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/video/video.h>

G_BEGIN_DECLS

#define ZERO_FRAME_STAMP_NONE ((gint64) -1)
#define ZERO_FRAME_STAMP_MASK ((gint64) G_GUINT64_CONSTANT (0xFFFFFFFFFFFF))
#define ZERO_FRAME_STAMP_GRID 8

/* Side of one block in pixels for a frame of @width x @height; 0 if the frame is too
 * small to carry a stamp. */
int      zero_frame_stamp_block_size (int width,
                                      int height);

gint64   zero_frame_stamp_now        (void);
gint64   zero_frame_stamp_elapsed    (gint64 stamp,
                                      gint64 now);

/* Writes @value into a mapped, writable frame. 8-bit YUV (planar, semi-planar or packed:
 * I420, YV12, NV12, NV21, Y42B, Y444, YUY2, UYVY) and 32-bit RGB (RGBA, BGRA, RGBx, BGRx,
 * ARGB, ABGR, xRGB, xBGR) are supported; returns FALSE for any other format or a frame too
 * small. */
gboolean zero_frame_stamp_write      (GstVideoFrame *frame,
                                      gint64         value);

/* Reads a mapped frame of the formats above. */
gint64   zero_frame_stamp_read       (const GstVideoFrame *frame);

/* Raw readers: an 8-bit luma plane (I420/NV12 Y), or packed 32-bit RGB of any channel
 * order whose alpha/padding byte comes first (@alpha_offset 0: ARGB, xBGR, ...) or last
 * (@alpha_offset 3: RGBA, BGRx, ...). */
gint64   zero_frame_stamp_read_luma  (const guint8 *y,
                                      gsize         stride,
                                      int           width,
                                      int           height);
gint64   zero_frame_stamp_read_rgb32 (const guint8 *data,
                                      gsize         stride,
                                      int           width,
                                      int           height,
                                      int           alpha_offset);

G_END_DECLS

/* zero-frame-stamp.c: write/read a 48-bit value + CRC-16 as an 8x8 grid of luma blocks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-frame-stamp.h"

#define N_BITS (ZERO_FRAME_STAMP_GRID * ZERO_FRAME_STAMP_GRID)
#define VALUE_BITS 48

/* Limited-range YUV black and white; the reader's threshold sits between both ranges. */
#define Y_BLACK 16
#define Y_WHITE 235
#define THRESHOLD 126

int
zero_frame_stamp_block_size (int width,
                             int height)
{
  int side = MIN (width, height);
  /* About a third of the short side for the whole grid; multiples of 4 keep block edges on
   * the chroma grid, and >= 4 px blocks still read after VP8/H.264 at low bitrates. */
  int block = (side / 30) & ~3;

  block = CLAMP (block, 4, 32);
  if (block * ZERO_FRAME_STAMP_GRID > width || block * ZERO_FRAME_STAMP_GRID > height)
    return 0;
  return block;
}

gint64
zero_frame_stamp_now (void)
{
  return g_get_monotonic_time () & ZERO_FRAME_STAMP_MASK;
}

gint64
zero_frame_stamp_elapsed (gint64 stamp,
                          gint64 now)
{
  return (now - stamp) & ZERO_FRAME_STAMP_MASK;
}

static guint16
crc16 (const guint8 *data,
       gsize         len)
{
  guint16 crc = 0xFFFF;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint16) data[i] << 8;
      for (int b = 0; b < 8; b++)
        crc = (crc & 0x8000) ? (guint16) ((crc << 1) ^ 0x1021) : (guint16) (crc << 1);
    }
  return crc;
}

static guint64
encode_bits (gint64 value)
{
  guint8 bytes[6];
  guint64 v = (guint64) value & (guint64) ZERO_FRAME_STAMP_MASK;

  for (int i = 0; i < 6; i++)
    bytes[i] = (guint8) (v >> (8 * (5 - i)));
  return (v << 16) | crc16 (bytes, sizeof bytes);
}

static gint64
decode_bits (guint64 bits)
{
  guint64 v = bits >> 16;
  guint8 bytes[6];

  for (int i = 0; i < 6; i++)
    bytes[i] = (guint8) (v >> (8 * (5 - i)));
  if (crc16 (bytes, sizeof bytes) != (guint16) (bits & 0xFFFF))
    return ZERO_FRAME_STAMP_NONE;
  return (gint64) v;
}

static gboolean
bit_at (guint64 bits,
        int     index)
{
  return (bits >> (N_BITS - 1 - index)) & 1;
}

/* A view of up to three 8-bit components whose weighted mean is the brightness. */
typedef struct {
  const guint8 *data[3];
  gsize stride[3];
  int pstride[3];
  int weight[3];
  int n;
} Planes;

static gint64
read_planes (const Planes *p,
             int           width,
             int           height)
{
  int block = zero_frame_stamp_block_size (width, height);
  int weight_sum = 0;
  guint64 bits = 0;

  if (block == 0)
    return ZERO_FRAME_STAMP_NONE;
  for (int c = 0; c < p->n; c++)
    weight_sum += p->weight[c];

  for (int i = 0; i < N_BITS; i++)
    {
      int bx = (i % ZERO_FRAME_STAMP_GRID) * block;
      int by = (i / ZERO_FRAME_STAMP_GRID) * block;
      guint64 sum = 0, count = 0;
      guint64 mean;

      /* The inner half of the block: edges blur under compression. */
      for (int y = by + block / 4; y < by + block - block / 4; y++)
        for (int x = bx + block / 4; x < bx + block - block / 4; x++)
          {
            guint v = 0;
            for (int c = 0; c < p->n; c++)
              v += p->weight[c] * p->data[c][y * p->stride[c] + x * p->pstride[c]];
            sum += v;
            count += weight_sum;
          }
      mean = sum / count;
      /* A clearly mid-grey block is no stamp at all. */
      if (mean > 96 && mean < 160)
        return ZERO_FRAME_STAMP_NONE;
      bits = (bits << 1) | (mean >= THRESHOLD);
    }
  return decode_bits (bits);
}

gint64
zero_frame_stamp_read_luma (const guint8 *y,
                            gsize         stride,
                            int           width,
                            int           height)
{
  Planes p = { .n = 1 };

  g_return_val_if_fail (y != NULL, ZERO_FRAME_STAMP_NONE);
  p.data[0] = y;
  p.stride[0] = stride;
  p.pstride[0] = 1;
  p.weight[0] = 1;
  return read_planes (&p, width, height);
}

gint64
zero_frame_stamp_read_rgb32 (const guint8 *data,
                             gsize         stride,
                             int           width,
                             int           height,
                             int           alpha_offset)
{
  Planes p = { .n = 3 };
  int first = alpha_offset == 0 ? 1 : 0;

  g_return_val_if_fail (data != NULL, ZERO_FRAME_STAMP_NONE);
  g_return_val_if_fail (alpha_offset == 0 || alpha_offset == 3, ZERO_FRAME_STAMP_NONE);
  /* Green is always the middle colour byte, so (c0 + 2 c1 + c2) / 4 is the same for
   * RGB and BGR orders. */
  for (int c = 0; c < 3; c++)
    {
      p.data[c] = data + first + c;
      p.stride[c] = stride;
      p.pstride[c] = 4;
      p.weight[c] = c == 1 ? 2 : 1;
    }
  return read_planes (&p, width, height);
}

static gboolean
format_supported (const GstVideoFormatInfo *finfo)
{
  if (GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo) < 3 ||
      GST_VIDEO_FORMAT_INFO_IS_TILED (finfo) ||
      GST_VIDEO_FORMAT_INFO_HAS_PALETTE (finfo))
    return FALSE;
  for (int c = 0; c < 3; c++)
    if (GST_VIDEO_FORMAT_INFO_DEPTH (finfo, c) != 8 || GST_VIDEO_FORMAT_INFO_SHIFT (finfo, c) != 0)
      return FALSE;
  return GST_VIDEO_FORMAT_INFO_IS_YUV (finfo) || GST_VIDEO_FORMAT_INFO_IS_RGB (finfo);
}

gint64
zero_frame_stamp_read (const GstVideoFrame *frame)
{
  const GstVideoFormatInfo *finfo;
  Planes p = { 0 };

  g_return_val_if_fail (frame != NULL, ZERO_FRAME_STAMP_NONE);
  finfo = frame->info.finfo;
  if (!format_supported (finfo))
    return ZERO_FRAME_STAMP_NONE;

  if (GST_VIDEO_FORMAT_INFO_IS_YUV (finfo))
    {
      p.n = 1;
      p.data[0] = GST_VIDEO_FRAME_COMP_DATA (frame, 0);
      p.stride[0] = GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
      p.pstride[0] = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);
      p.weight[0] = 1;
    }
  else
    {
      p.n = 3;
      for (int c = 0; c < 3; c++)
        {
          p.data[c] = GST_VIDEO_FRAME_COMP_DATA (frame, c);
          p.stride[c] = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
          p.pstride[c] = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
          p.weight[c] = c == 1 ? 2 : 1;
        }
    }
  return read_planes (&p, GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame));
}

gboolean
zero_frame_stamp_write (GstVideoFrame *frame,
                        gint64         value)
{
  const GstVideoFormatInfo *finfo;
  int width, height, block;
  gboolean yuv;
  guint64 bits;

  g_return_val_if_fail (frame != NULL, FALSE);
  finfo = frame->info.finfo;
  width = GST_VIDEO_FRAME_WIDTH (frame);
  height = GST_VIDEO_FRAME_HEIGHT (frame);
  block = zero_frame_stamp_block_size (width, height);
  if (!format_supported (finfo) || block == 0)
    return FALSE;

  yuv = GST_VIDEO_FORMAT_INFO_IS_YUV (finfo);
  bits = encode_bits (value);

  for (int c = 0; c < 3; c++)
    {
      guint8 *data = GST_VIDEO_FRAME_COMP_DATA (frame, c);
      gsize stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
      int pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
      int cw = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, c, block * ZERO_FRAME_STAMP_GRID);
      int ch = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, c, block * ZERO_FRAME_STAMP_GRID);
      int sx = cw / ZERO_FRAME_STAMP_GRID ? block * ZERO_FRAME_STAMP_GRID / cw : 1;
      int sy = ch / ZERO_FRAME_STAMP_GRID ? block * ZERO_FRAME_STAMP_GRID / ch : 1;

      for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++)
          {
            int i = ((y * sy) / block) * ZERO_FRAME_STAMP_GRID + (x * sx) / block;
            guint8 v;

            if (yuv && c > 0)
              v = 128; /* neutral chroma: the blocks are pure grey levels */
            else if (yuv)
              v = bit_at (bits, i) ? Y_WHITE : Y_BLACK;
            else
              v = bit_at (bits, i) ? 255 : 0;
            data[y * stride + x * pstride] = v;
          }
    }
  return TRUE;
}

/* test-frame-stamp.c: the frame stamp survives raw round trips in every supported format
 * and VP8/H.264 encode -> decode; damaged or absent stamps read as NONE. */
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "camera/zero-frame-stamp.h"

#define STAMP_BASE G_GINT64_CONSTANT (0x123456789A)

static void
fill_frame_noise (GstVideoFrame *frame,
                  guint32        seed)
{
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (frame); p++)
    {
      guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
      gsize size = (gsize) GST_VIDEO_FRAME_PLANE_STRIDE (frame, p) *
                   GST_VIDEO_FRAME_COMP_HEIGHT (frame, p);
      for (gsize i = 0; i < size; i++)
        {
          seed = seed * 1103515245u + 12345u;
          data[i] = (guint8) (seed >> 16);
        }
    }
}

static void
fill_frame_value (GstVideoFrame *frame,
                  guint8         value)
{
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (frame); p++)
    memset (GST_VIDEO_FRAME_PLANE_DATA (frame, p), value,
            (gsize) GST_VIDEO_FRAME_PLANE_STRIDE (frame, p) *
              GST_VIDEO_FRAME_COMP_HEIGHT (frame, p));
}

static void
test_raw_round_trip (void)
{
  const GstVideoFormat formats[] = {
    GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_YV12,
    GST_VIDEO_FORMAT_Y444, GST_VIDEO_FORMAT_YUY2, GST_VIDEO_FORMAT_RGBA,
    GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_ARGB,
    GST_VIDEO_FORMAT_xBGR,
  };
  const int sizes[][2] = { { 160, 120 }, { 320, 240 }, { 640, 480 }, { 1280, 720 },
                           { 1920, 1080 }, { 34, 34 } };
  const gint64 values[] = { 0, 1, STAMP_BASE, ZERO_FRAME_STAMP_MASK,
                            g_get_monotonic_time () };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      for (guint v = 0; v < G_N_ELEMENTS (values); v++)
        {
          GstVideoInfo info;
          GstVideoFrame frame;
          g_autoptr(GstBuffer) buffer = NULL;
          gint64 read;

          gst_video_info_set_format (&info, formats[f], sizes[s][0], sizes[s][1]);
          buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
          g_assert_true (gst_video_frame_map (&frame, &info, buffer, GST_MAP_READWRITE));
          fill_frame_noise (&frame, f * 100 + s * 10 + v);
          g_assert_true (zero_frame_stamp_write (&frame, values[v]));
          read = zero_frame_stamp_read (&frame);
          g_assert_cmpint (read, ==, values[v] & ZERO_FRAME_STAMP_MASK);

          /* The raw readers agree with the frame reader. */
          if (formats[f] == GST_VIDEO_FORMAT_I420 || formats[f] == GST_VIDEO_FORMAT_NV12)
            g_assert_cmpint (zero_frame_stamp_read_luma (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                                                         GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
                                                         sizes[s][0], sizes[s][1]),
                             ==, read);
          if (formats[f] == GST_VIDEO_FORMAT_RGBA || formats[f] == GST_VIDEO_FORMAT_BGRx)
            g_assert_cmpint (zero_frame_stamp_read_rgb32 (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                                                          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
                                                          sizes[s][0], sizes[s][1], 3),
                             ==, read);
          if (formats[f] == GST_VIDEO_FORMAT_ARGB || formats[f] == GST_VIDEO_FORMAT_xBGR)
            g_assert_cmpint (zero_frame_stamp_read_rgb32 (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                                                          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
                                                          sizes[s][0], sizes[s][1], 0),
                             ==, read);
          gst_video_frame_unmap (&frame);
        }
}

static void
test_absent_and_damaged (void)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  g_autoptr(GstBuffer) buffer = NULL;
  int block;
  guint8 *y;
  int stride;
  int damaged = 0;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 320, 240);
  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  g_assert_true (gst_video_frame_map (&frame, &info, buffer, GST_MAP_READWRITE));
  y = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  block = zero_frame_stamp_block_size (320, 240);
  g_assert_cmpint (block, ==, 8);

  /* All black, all white, noise: no stamp. */
  fill_frame_value (&frame, 16);
  g_assert_cmpint (zero_frame_stamp_read (&frame), ==, ZERO_FRAME_STAMP_NONE);
  fill_frame_value (&frame, 235);
  g_assert_cmpint (zero_frame_stamp_read (&frame), ==, ZERO_FRAME_STAMP_NONE);
  fill_frame_noise (&frame, 7);
  g_assert_cmpint (zero_frame_stamp_read (&frame), ==, ZERO_FRAME_STAMP_NONE);

  /* Flipping any single block of a valid stamp is caught by the CRC. */
  for (int bit = 0; bit < ZERO_FRAME_STAMP_GRID * ZERO_FRAME_STAMP_GRID; bit++)
    {
      int bx = (bit % ZERO_FRAME_STAMP_GRID) * block, by = (bit / ZERO_FRAME_STAMP_GRID) * block;

      g_assert_true (zero_frame_stamp_write (&frame, STAMP_BASE + bit));
      g_assert_cmpint (zero_frame_stamp_read (&frame), ==, STAMP_BASE + bit);
      for (int row = by; row < by + block; row++)
        for (int col = bx; col < bx + block; col++)
          y[row * stride + col] = y[row * stride + col] > 128 ? 16 : 235;
      if (zero_frame_stamp_read (&frame) == ZERO_FRAME_STAMP_NONE)
        damaged++;
    }
  g_assert_cmpint (damaged, ==, ZERO_FRAME_STAMP_GRID * ZERO_FRAME_STAMP_GRID);

  /* A grey block (half-erased stamp) is refused too. */
  g_assert_true (zero_frame_stamp_write (&frame, STAMP_BASE));
  for (int row = 0; row < block; row++)
    memset (y + row * stride, 128, block);
  g_assert_cmpint (zero_frame_stamp_read (&frame), ==, ZERO_FRAME_STAMP_NONE);
  gst_video_frame_unmap (&frame);

  /* Too small to carry one. */
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 30, 30);
  {
    g_autoptr(GstBuffer) small = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info),
                                                          NULL);
    g_assert_true (gst_video_frame_map (&frame, &info, small, GST_MAP_READWRITE));
    g_assert_false (zero_frame_stamp_write (&frame, 1));
    g_assert_cmpint (zero_frame_stamp_read (&frame), ==, ZERO_FRAME_STAMP_NONE);
    gst_video_frame_unmap (&frame);
  }
  g_assert_cmpint (zero_frame_stamp_elapsed (ZERO_FRAME_STAMP_MASK, 5), ==, 6);
}

/* Writes STAMP_BASE + 7919 x frame number into each raw frame before the encoder (PTS is
 * no key: x264enc shifts timestamps by 1000 hours). */
static GstPadProbeReturn
on_raw_frame (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  GstVideoInfo *vinfo = user_data;
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstVideoFrame frame;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  g_assert_true (gst_video_frame_map (&frame, vinfo, buffer, GST_MAP_READWRITE));
  g_assert_true (zero_frame_stamp_write (&frame,
                                         STAMP_BASE + 7919 * (gint64) GST_BUFFER_OFFSET (buffer)));
  gst_video_frame_unmap (&frame);
  return GST_PAD_PROBE_OK;
}

typedef struct {
  const char *encoder;
  const char *decoder;
  const char *out_format;
  int width, height, kbps;
} CodecCase;

static void
test_codec_round_trip (gconstpointer data)
{
  const CodecCase *cc = data;
  g_autofree char *desc = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) stamp = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstPad) pad = NULL;
  g_autoptr(GError) error = NULL;
  GstVideoInfo vinfo;
  guint frames = 0, matched = 0;

  /* A busy moving background so the encoder has real work around the blocks. */
  desc = g_strdup_printf (
      "videotestsrc num-buffers=60 pattern=smpte horizontal-speed=5 ! "
      "video/x-raw,format=I420,width=%d,height=%d,framerate=30/1 ! identity name=stamp ! "
      "%s ! %s ! videoconvert ! video/x-raw,format=%s ! appsink name=sink sync=false",
      cc->width, cc->height, cc->encoder, cc->decoder, cc->out_format);
  pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  (void) cc->kbps;

  gst_video_info_set_format (&vinfo, GST_VIDEO_FORMAT_I420, cc->width, cc->height);
  stamp = gst_bin_get_by_name (GST_BIN (pipeline), "stamp");
  pad = gst_element_get_static_pad (stamp, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_raw_frame, &vinfo, NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  for (;;)
    {
      g_autoptr(GstSample) sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
                                                                  10 * GST_SECOND);
      GstVideoInfo out;
      GstVideoFrame frame;
      GstBuffer *buffer;

      if (sample == NULL)
        break;
      buffer = gst_sample_get_buffer (sample);
      g_assert_true (gst_video_info_from_caps (&out, gst_sample_get_caps (sample)));
      g_assert_true (gst_video_frame_map (&frame, &out, buffer, GST_MAP_READ));
      if (zero_frame_stamp_read (&frame) == STAMP_BASE + 7919 * (gint64) frames)
        matched++;
      frames++;
      gst_video_frame_unmap (&frame);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_test_message ("%s -> %s %dx%d: %u of %u decoded frames carry the right stamp",
                  cc->encoder, cc->out_format, cc->width, cc->height, matched, frames);
  g_assert_cmpuint (frames, ==, 60);
  g_assert_cmpuint (matched, ==, frames);
}

static const CodecCase vp8_low = {
  "vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate=250000 lag-in-frames=0",
  "vp8dec", "I420", 320, 240, 250 };
static const CodecCase vp8_rgba = {
  "vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate=600000 lag-in-frames=0",
  "vp8dec", "RGBA", 640, 480, 600 };
static const CodecCase h264_low = {
  "x264enc tune=zerolatency speed-preset=ultrafast bitrate=250",
  "avdec_h264", "I420", 320, 240, 250 };
static const CodecCase h264_bgra = {
  "x264enc tune=zerolatency speed-preset=ultrafast bitrate=1000",
  "avdec_h264", "BGRA", 1280, 720, 1000 };

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/camera/frame-stamp/raw-round-trip", test_raw_round_trip);
  g_test_add_func ("/camera/frame-stamp/absent-and-damaged", test_absent_and_damaged);
  g_test_add_data_func ("/camera/frame-stamp/vp8-250k-i420", &vp8_low, test_codec_round_trip);
  g_test_add_data_func ("/camera/frame-stamp/vp8-600k-rgba", &vp8_rgba, test_codec_round_trip);
  g_test_add_data_func ("/camera/frame-stamp/h264-250k-i420", &h264_low, test_codec_round_trip);
  g_test_add_data_func ("/camera/frame-stamp/h264-1m-720p-bgra", &h264_bgra,
                        test_codec_round_trip);
  return g_test_run ();
}

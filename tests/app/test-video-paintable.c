/* test-video-paintable.c: GstSample → GdkPaintable (app/zero-video-paintable.c).
 *
 * Needs a display (run under Xvfb): the last cases draw real, decoded video
 * in a GtkPicture. */

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "app-test-util.h"
#include "zero-app-error.h"
#include "zero-renderer.h"
#include "zero-video-paintable.h"
#include "zero-video-tile.h"

/* A frame of @format filled with one colour per frame index, with rows
 * padded to @stride bytes (0: tight) through a GstVideoMeta. */
static GstSample *
make_sample (GstVideoFormat format,
             int            width,
             int            height,
             int            stride,
             guint8         r,
             guint8         g,
             guint8         b)
{
  g_autoptr(GstCaps) caps = NULL;
  GstVideoInfo info;
  GstBuffer *buffer;
  GstMapInfo map;
  GstSample *sample;
  int bpp;

  gst_video_info_set_format (&info, format, width, height);
  bpp = GST_VIDEO_INFO_COMP_PSTRIDE (&info, 0);
  if (stride == 0)
    stride = GST_VIDEO_INFO_PLANE_STRIDE (&info, 0);

  buffer = gst_buffer_new_allocate (NULL, (gsize) stride * height, NULL);
  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  memset (map.data, 0x55, map.size);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = map.data + (gsize) y * stride + (gsize) x * bpp;

        switch (format)
          {
          case GST_VIDEO_FORMAT_BGRA:
            p[0] = b, p[1] = g, p[2] = r, p[3] = 0xff;
            break;
          case GST_VIDEO_FORMAT_RGBA:
            p[0] = r, p[1] = g, p[2] = b, p[3] = 0xff;
            break;
          case GST_VIDEO_FORMAT_RGB:
            p[0] = r, p[1] = g, p[2] = b;
            break;
          default:
            g_assert_not_reached ();
          }
      }
  gst_buffer_unmap (buffer, &map);

  if (stride != GST_VIDEO_INFO_PLANE_STRIDE (&info, 0))
    {
      gsize offsets[GST_VIDEO_MAX_PLANES] = { 0 };
      int strides[GST_VIDEO_MAX_PLANES] = { stride };

      gst_buffer_add_video_meta_full (buffer, GST_VIDEO_FRAME_FLAG_NONE, format, width, height,
                                      1, offsets, strides);
    }

  caps = gst_video_info_to_caps (&info);
  sample = gst_sample_new (buffer, caps, NULL, NULL);
  gst_buffer_unref (buffer);
  return sample;
}

/* Counts pixels brighter (or darker) than a threshold on the red channel. */
static void
texture_count_levels (GdkTexture *texture,
                      guint      *bright,
                      guint      *dark)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *data = g_new (guint32, (gsize) width * height);

  gdk_texture_download (texture, (guchar *) data, (gsize) width * 4);
  *bright = *dark = 0;
  for (int i = 0; i < width * height; i++)
    {
      guint red = (data[i] >> 16) & 0xff;

      *bright += red > 200;
      *dark += red < 40;
    }
}

/* Reads the pixel (x, y) of @texture as 0xAARRGGBB. */
static guint32
texture_pixel (GdkTexture *texture,
               int         x,
               int         y)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *data = g_new (guint32, (gsize) width * height);

  /* gdk_texture_download gives cairo's native ARGB32: 0xAARRGGBB words. */
  gdk_texture_download (texture, (guchar *) data, (gsize) width * 4);
  return data[y * width + x];
}

static void
count_signal (gpointer  instance,
              guint    *counter)
{
  (*counter)++;
}

static void
test_size_and_aspect (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  GdkPaintable *p = GDK_PAINTABLE (paintable);
  g_autoptr(GstSample) a = make_sample (GST_VIDEO_FORMAT_BGRA, 320, 240, 0, 1, 2, 3);
  g_autoptr(GstSample) b = make_sample (GST_VIDEO_FORMAT_BGRA, 640, 360, 0, 1, 2, 3);
  g_autoptr(GstSample) c = make_sample (GST_VIDEO_FORMAT_BGRA, 640, 360, 0, 4, 5, 6);
  g_autoptr(GError) error = NULL;
  guint size_changes = 0, content_changes = 0;

  g_signal_connect (p, "invalidate-size", G_CALLBACK (count_signal), &size_changes);
  g_signal_connect (p, "invalidate-contents", G_CALLBACK (count_signal), &content_changes);

  g_assert_cmpint (gdk_paintable_get_intrinsic_width (p), ==, 0);
  g_assert_cmpfloat (gdk_paintable_get_intrinsic_aspect_ratio (p), ==, 0.0);
  g_assert_false (zero_video_paintable_has_frame (paintable));

  g_assert_true (zero_video_paintable_push_sample (paintable, a, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (p), ==, 320);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (p), ==, 240);
  g_assert_cmpfloat_with_epsilon (gdk_paintable_get_intrinsic_aspect_ratio (p), 4.0 / 3.0, 1e-9);
  g_assert_cmpuint (size_changes, ==, 1);
  g_assert_cmpuint (content_changes, ==, 1);
  g_assert_true (zero_video_paintable_has_frame (paintable));

  g_assert_true (zero_video_paintable_push_sample (paintable, b, &error));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (p), ==, 640);
  g_assert_cmpfloat_with_epsilon (gdk_paintable_get_intrinsic_aspect_ratio (p), 16.0 / 9.0, 1e-9);
  g_assert_cmpuint (size_changes, ==, 2);

  /* Same size again: contents change, size does not. */
  g_assert_true (zero_video_paintable_push_sample (paintable, c, &error));
  g_assert_cmpuint (size_changes, ==, 2);
  g_assert_cmpuint (content_changes, ==, 3);
}

static void
test_pixel_aspect_ratio (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GstSample) base = make_sample (GST_VIDEO_FORMAT_RGBA, 360, 240, 0, 9, 9, 9);
  g_autoptr(GstCaps) caps = gst_caps_copy (gst_sample_get_caps (base));
  g_autoptr(GstSample) sample = NULL;
  g_autoptr(GError) error = NULL;

  gst_caps_set_simple (caps, "pixel-aspect-ratio", GST_TYPE_FRACTION, 4, 3, NULL);
  sample = gst_sample_new (gst_sample_get_buffer (base), caps, NULL, NULL);
  g_assert_true (zero_video_paintable_push_sample (paintable, sample, &error));
  g_assert_no_error (error);
  /* 360 pixels 4/3 wide each show as 480. */
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 480);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (paintable)), ==, 240);
}

static void
check_pixels (GstVideoFormat format,
              int            stride)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GstSample) sample = make_sample (format, 33, 17, stride, 0xd0, 0x40, 0x10);
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;

  g_assert_true (zero_video_paintable_push_sample (paintable, sample, &error));
  g_assert_no_error (error);
  texture = zero_video_paintable_get_texture (paintable);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 33);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 17);
  /* Last pixel of the last row too: strides and channel order are right. */
  g_assert_cmphex (texture_pixel (texture, 0, 0), ==, 0xffd04010);
  g_assert_cmphex (texture_pixel (texture, 32, 16), ==, 0xffd04010);
  g_assert_cmphex (texture_pixel (texture, 5, 9), ==, 0xffd04010);
}

static void
test_pixels (void)
{
  check_pixels (GST_VIDEO_FORMAT_BGRA, 0);
  check_pixels (GST_VIDEO_FORMAT_RGBA, 0);
  check_pixels (GST_VIDEO_FORMAT_RGB, 0);
  /* Padded rows, as decoders and converters produce. */
  check_pixels (GST_VIDEO_FORMAT_BGRA, 33 * 4 + 60);
  check_pixels (GST_VIDEO_FORMAT_RGB, 33 * 3 + 5);
}

/* With GTK's cairo renderer the frame is drawn as a cairo image (see
 * zero_video_paintable_set_cairo_drawing): same pixels, scaled, and still no copy. */
static void
test_cairo_drawing (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GstSample) red = make_sample (GST_VIDEO_FORMAT_BGRA, 33, 17, 33 * 4 + 60,
                                          0xd0, 0x40, 0x10);
  g_autoptr(GstSample) green = make_sample (GST_VIDEO_FORMAT_BGRA, 33, 17, 0, 0x10, 0xc0, 0x20);
  GstBuffer *buffer = gst_sample_get_buffer (red);
  int before = GST_MINI_OBJECT_REFCOUNT_VALUE (buffer);
  g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr(GError) error = NULL;
  struct { GstSample *sample; guint32 pixel; } frames[] = {
    { red, 0xffd04010 }, { green, 0xff10c020 },
  };

  g_assert_true (gsk_renderer_realize (renderer, NULL, &error));
  g_assert_no_error (error);
  zero_video_paintable_set_cairo_drawing (paintable, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) drawn = NULL;

      g_assert_true (zero_video_paintable_push_sample (paintable, frames[i].sample, NULL));
      gdk_paintable_snapshot (GDK_PAINTABLE (paintable), GDK_SNAPSHOT (snapshot), 66, 34);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      g_assert_nonnull (node);
      g_assert_cmpint (gsk_render_node_get_node_type (node), ==, GSK_CAIRO_NODE);
      g_assert_cmpuint (zero_video_paintable_get_frames_shown (paintable), ==, i + 1);
      if (i == 0)
        /* The image reads the mapped buffer: one more reference, no copy. */
        g_assert_cmpint (GST_MINI_OBJECT_REFCOUNT_VALUE (buffer), ==, before + 1);

      drawn = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, 66, 34));
      g_assert_cmpint (gdk_texture_get_width (drawn), ==, 66);
      /* Corners and middle, twice the frame's size: every pixel is the frame's colour
       * (the edges are padded, not faded into transparency). */
      g_assert_cmphex (texture_pixel (drawn, 0, 0), ==, frames[i].pixel);
      g_assert_cmphex (texture_pixel (drawn, 65, 33), ==, frames[i].pixel);
      g_assert_cmphex (texture_pixel (drawn, 0, 33), ==, frames[i].pixel);
      g_assert_cmphex (texture_pixel (drawn, 33, 17), ==, frames[i].pixel);
    }
  /* The red frame is no longer drawn anywhere: its buffer is unmapped. */
  g_assert_cmpint (GST_MINI_OBJECT_REFCOUNT_VALUE (buffer), ==, before);

  /* A texture is still there for whoever asks (screenshots, the current image). */
  g_assert_nonnull (zero_video_paintable_get_texture (paintable));
  gsk_renderer_unrealize (renderer);
}

/* A GPU is a render node in /dev/dri; a card node alone (KMS, no GL) is not one. */
static void
test_renderer_gpu_detection (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zero-dri-XXXXXX", NULL);
  g_autofree char *card = g_build_filename (dir, "card0", NULL);
  g_autofree char *render = g_build_filename (dir, "renderD128", NULL);
  g_autofree char *missing = g_build_filename (dir, "nothing-here", NULL);

  g_assert_nonnull (dir);
  g_assert_false (zero_renderer_have_gpu (dir));
  g_assert_false (zero_renderer_have_gpu (missing));
  g_assert_true (g_file_set_contents (card, "", 0, NULL));
  g_assert_false (zero_renderer_have_gpu (dir));
  g_assert_true (g_file_set_contents (render, "", 0, NULL));
  g_assert_true (zero_renderer_have_gpu (dir));
  g_unlink (render);
  g_unlink (card);
  g_rmdir (dir);
}

/* The user's GSK_RENDERER wins; without a GPU, cairo with GL kept unloaded, and the
 * user's other GDK_DEBUG flags kept. */
static void
test_renderer_choice (void)
{
  if (g_test_subprocess ())
    {
      gboolean gpu = zero_renderer_have_gpu ("/dev/dri");

      g_setenv ("GSK_RENDERER", "gl", TRUE);
      g_assert_false (zero_renderer_choose ());
      g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");

      g_unsetenv ("GSK_RENDERER");
      g_setenv ("GDK_DEBUG", "misc", TRUE);
      g_assert_cmpint (zero_renderer_choose (), ==, !gpu);
      g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, gpu ? NULL : "cairo");
      g_assert_cmpstr (g_getenv ("GDK_DEBUG"), ==, gpu ? "misc" : "misc,gl-disable");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_zero_copy (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GstSample) sample = make_sample (GST_VIDEO_FORMAT_BGRA, 64, 48, 0, 1, 2, 3);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  int before = GST_MINI_OBJECT_REFCOUNT_VALUE (buffer);
  g_autoptr(GdkTexture) texture = NULL;

  g_assert_true (zero_video_paintable_push_sample (paintable, sample, NULL));
  texture = g_object_ref (zero_video_paintable_get_texture (paintable));

  /* The texture reads the buffer itself: it holds a reference on it (a copy
   * would have let go of the buffer at once). */
  g_assert_cmpint (GST_MINI_OBJECT_REFCOUNT_VALUE (buffer), ==, before + 1);

  zero_video_paintable_clear (paintable);
  g_assert_cmpint (GST_MINI_OBJECT_REFCOUNT_VALUE (buffer), ==, before + 1);
  g_clear_object (&texture);
  g_assert_cmpint (GST_MINI_OBJECT_REFCOUNT_VALUE (buffer), ==, before);
}

static void
test_drops_late_frames (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GdkTexture *texture;

  /* Five frames before anything draws: only the newest is kept. */
  for (guint i = 1; i <= 5; i++)
    {
      g_autoptr(GstSample) sample = make_sample (GST_VIDEO_FORMAT_BGRA, 16, 16, 0, i * 10, 0, 0);

      g_assert_true (zero_video_paintable_push_sample (paintable, sample, NULL));
    }
  g_assert_cmpuint (zero_video_paintable_get_frames_received (paintable), ==, 5);
  g_assert_cmpuint (zero_video_paintable_get_frames_dropped (paintable), ==, 4);
  g_assert_cmpuint (zero_video_paintable_get_frames_shown (paintable), ==, 0);

  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (GDK_PAINTABLE (paintable), GDK_SNAPSHOT (snapshot), 16, 16);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  g_assert_cmpint (gsk_render_node_get_node_type (node), ==, GSK_TEXTURE_NODE);
  g_assert_cmpuint (zero_video_paintable_get_frames_shown (paintable), ==, 1);

  texture = gsk_texture_node_get_texture (node);
  g_assert_cmphex (texture_pixel (texture, 3, 3), ==, 0xff320000); /* frame 5: red 50 */

  /* Drawing again without a new frame shows the same frame, not a new one. */
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (GDK_PAINTABLE (paintable), GDK_SNAPSHOT (snapshot), 16, 16);
  g_clear_pointer (&node, gsk_render_node_unref);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_cmpuint (zero_video_paintable_get_frames_shown (paintable), ==, 1);
  g_assert_true (gsk_texture_node_get_texture (node) == texture);
}

static void
test_refusals (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GstCaps) i420 = gst_caps_from_string ("video/x-raw,format=I420,width=16,height=16,"
                                                  "framerate=30/1");
  g_autoptr(GstCaps) audio = gst_caps_from_string ("audio/x-raw,format=S16LE,rate=48000,"
                                                   "channels=1,layout=interleaved");
  g_autoptr(GstCaps) bgra = gst_caps_from_string ("video/x-raw,format=BGRA,width=16,height=16");
  g_autoptr(GstBuffer) buffer = gst_buffer_new_allocate (NULL, 16 * 16 * 4, NULL);
  g_autoptr(GstBuffer) small = gst_buffer_new_allocate (NULL, 100, NULL);
  g_autoptr(GstSample) s1 = gst_sample_new (buffer, i420, NULL, NULL);
  g_autoptr(GstSample) s2 = gst_sample_new (buffer, audio, NULL, NULL);
  g_autoptr(GstSample) s3 = gst_sample_new (NULL, bgra, NULL, NULL);
  g_autoptr(GstSample) s4 = gst_sample_new (small, bgra, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (zero_video_paintable_push_sample (paintable, s1, &error));
  g_assert_error (error, ZERO_APP_ERROR, ZERO_APP_ERROR_UNSUPPORTED_FORMAT);
  g_assert_nonnull (strstr (error->message, "I420"));
  g_clear_error (&error);

  g_assert_false (zero_video_paintable_push_sample (paintable, s2, &error));
  g_assert_error (error, ZERO_APP_ERROR, ZERO_APP_ERROR_UNSUPPORTED_FORMAT);
  g_clear_error (&error);

  g_assert_false (zero_video_paintable_push_sample (paintable, s3, &error));
  g_assert_error (error, ZERO_APP_ERROR, ZERO_APP_ERROR_UNSUPPORTED_FORMAT);
  g_clear_error (&error);

  g_assert_false (zero_video_paintable_push_sample (paintable, s4, &error));
  g_assert_error (error, ZERO_APP_ERROR, ZERO_APP_ERROR_UNSUPPORTED_FORMAT);
  g_assert_nonnull (strstr (error->message, "100 bytes"));

  /* Nothing refused was counted or kept. */
  g_assert_cmpuint (zero_video_paintable_get_frames_received (paintable), ==, 0);
  g_assert_false (zero_video_paintable_has_frame (paintable));
}

static void
test_clear (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GstSample) sample = make_sample (GST_VIDEO_FORMAT_BGRA, 20, 10, 0, 1, 1, 1);
  g_autoptr(GdkPaintable) image = NULL;

  g_assert_true (zero_video_paintable_push_sample (paintable, sample, NULL));
  g_assert_nonnull (zero_video_paintable_get_texture (paintable));
  zero_video_paintable_clear (paintable);
  g_assert_false (zero_video_paintable_has_frame (paintable));
  g_assert_null (zero_video_paintable_get_texture (paintable));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 0);
  image = gdk_paintable_get_current_image (GDK_PAINTABLE (paintable));
  g_assert_nonnull (image);
}

static gboolean
pipeline_wait_eos (GstElement *pipeline)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr(GstMessage) msg = NULL;

  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  return msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
}

/* The appsink path while the main thread is busy: 60 frames arrive, one
 * reaches the main thread, 59 are counted as dropped on the way. */
static void
test_appsink_busy_main_thread (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) conv = NULL;
  GstElement *sink;
  GdkTexture *texture;

  pipeline = gst_parse_launch ("videotestsrc num-buffers=60 pattern=smpte ! "
                               "video/x-raw,width=160,height=120,framerate=30/1 ! "
                               "videoconvert name=conv", &error);
  g_assert_no_error (error);
  sink = zero_video_paintable_create_sink (paintable, "sink");
  g_assert_nonnull (sink);
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add (GST_BIN (pipeline), sink);
  conv = gst_bin_get_by_name (GST_BIN (pipeline), "conv");
  g_assert_true (gst_element_link (conv, sink));

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* The main context is not iterated until every frame went through. */
  g_assert_true (pipeline_wait_eos (pipeline));
  g_assert_cmpuint (zero_video_paintable_get_frames_received (paintable), ==, 0);

  ZERO_ASSERT_WAIT (zero_video_paintable_get_frames_received (paintable) == 60, 5000);
  g_assert_cmpuint (zero_video_paintable_get_frames_dropped (paintable), ==, 59);
  texture = zero_video_paintable_get_texture (paintable);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 160);
  g_assert_cmpuint (zero_video_paintable_get_frames_shown (paintable), ==, 1);

  gst_element_set_state (pipeline, GST_STATE_NULL);
}

/* The paintable may go away while its appsink still runs. */
static void
test_appsink_outlives_paintable (void)
{
  ZeroVideoPaintable *paintable = zero_video_paintable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) sink = NULL;

  pipeline = gst_parse_launch ("videotestsrc num-buffers=30 ! video/x-raw,format=BGRA,"
                               "width=64,height=48 ! appsink name=sink sync=false", &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  zero_video_paintable_connect_appsink (paintable, sink);
  g_object_unref (paintable);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_assert_true (pipeline_wait_eos (pipeline));
  /* The queued hand-over finds no paintable and lets the frame go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static void
on_tick_frame (GdkFrameClock *clock,
               guint         *frames)
{
  (*frames)++;
}

/* Real decoded video (VP8 round trip) drawn by a GtkPicture on screen. */
static void
test_picture_shows_decoded_video (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) conv = NULL;
  GstElement *sink;
  GtkWidget *window, *picture;
  GdkFrameClock *clock;
  guint clock_frames = 0;
  guint64 shown;
  GdkTexture *texture;
  guint bright, dark;
  gulong handler;
  gint64 start;

  pipeline = gst_parse_launch ("videotestsrc is-live=true pattern=ball ! "
                               "video/x-raw,width=320,height=240,framerate=30/1 ! "
                               "vp8enc deadline=1 cpu-used=8 lag-in-frames=0 ! vp8dec ! "
                               "videoconvert name=conv", &error);
  g_assert_no_error (error);
  sink = zero_video_paintable_create_sink (paintable, "sink");
  gst_bin_add (GST_BIN (pipeline), sink);
  conv = gst_bin_get_by_name (GST_BIN (pipeline), "conv");
  g_assert_true (gst_element_link (conv, sink));

  window = gtk_window_new ();
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (paintable));
  gtk_window_set_child (GTK_WINDOW (window), picture);
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 240);
  gtk_window_present (GTK_WINDOW (window));

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  ZERO_ASSERT_WAIT (zero_video_paintable_get_frames_shown (paintable) >= 1, 60000);
  /* The picture takes the video's size. */
  ZERO_ASSERT_WAIT (gtk_widget_get_width (picture) == 320, 30000);

  /* Frame after frame reaches the screen (a rate is a benchmark's business:
   * bench/ui; here only that it keeps going, even under valgrind). */
  clock = gtk_widget_get_frame_clock (picture);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_tick_frame), &clock_frames);
  shown = zero_video_paintable_get_frames_shown (paintable);
  start = g_get_monotonic_time ();
  ZERO_ASSERT_WAIT (zero_video_paintable_get_frames_shown (paintable) - shown >= 15 &&
                    clock_frames >= 15, 30000);
  g_signal_handler_disconnect (clock, handler);
  g_test_message ("%" G_GUINT64_FORMAT " frames shown in %.2f s (%" G_GUINT64_FORMAT
                  " dropped, %u paints)",
                  zero_video_paintable_get_frames_shown (paintable) - shown,
                  (g_get_monotonic_time () - start) / 1e6,
                  zero_video_paintable_get_frames_dropped (paintable), clock_frames);

  /* Decoded pixels: the "ball" pattern is a white ball on black. */
  texture = zero_video_paintable_get_texture (paintable);
  texture_count_levels (texture, &bright, &dark);
  g_test_message ("last frame: %u bright, %u dark pixels", bright, dark);
  g_assert_cmpuint (bright, >, 200);
  g_assert_cmpuint (dark, >, 320 * 240 / 2);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gtk_window_destroy (GTK_WINDOW (window));
}


static GtkWidget *
tile_child (GtkWidget  *tile,
            const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (tile, ZERO_TYPE_VIDEO_TILE, name));
}

/* The tile shows the video once a frame is there, the avatar otherwise, and
 * its badges follow the participant's state. */
static void
test_tile (void)
{
  g_autoptr(ZeroVideoPaintable) paintable = zero_video_paintable_new ();
  g_autoptr(GstSample) sample = make_sample (GST_VIDEO_FORMAT_BGRA, 64, 36, 0, 200, 10, 10);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *tile = zero_video_tile_new ();
  ZeroVideoTile *t = ZERO_VIDEO_TILE (tile);
  GtkWidget *picture = tile_child (tile, "picture");
  GtkWidget *avatar = tile_child (tile, "avatar");
  GtkWidget *mic_off = tile_child (tile, "mic_off_icon");
  GtkWidget *camera_off = tile_child (tile, "camera_off_icon");
  GtkWidget *quality = tile_child (tile, "quality_icon");
  GtkWidget *name = tile_child (tile, "name_label");

  gtk_window_set_child (GTK_WINDOW (window), tile);
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 180);
  gtk_window_present (GTK_WINDOW (window));

  zero_video_tile_set_name (t, "Grace Hopper");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (name)), ==, "Grace Hopper");
  g_assert_cmpstr (adw_avatar_get_text (ADW_AVATAR (avatar)), ==, "Grace Hopper");

  /* A paintable without a frame yet: still the avatar. */
  zero_video_tile_set_paintable (t, GDK_PAINTABLE (paintable));
  g_assert_true (gtk_widget_get_visible (avatar));
  g_assert_false (gtk_widget_get_visible (picture));
  g_assert_true (zero_video_paintable_push_sample (paintable, sample, NULL));
  g_assert_false (gtk_widget_get_visible (avatar));
  g_assert_true (gtk_widget_get_visible (picture));
  ZERO_ASSERT_WAIT (zero_video_paintable_get_frames_shown (paintable) == 1, 10000);

  /* Camera off: avatar and badge, whatever the frames. */
  zero_video_tile_set_video_off (t, TRUE);
  g_assert_true (gtk_widget_get_visible (avatar));
  g_assert_false (gtk_widget_get_visible (picture));
  g_assert_true (gtk_widget_get_visible (camera_off));
  zero_video_tile_set_video_off (t, FALSE);
  g_assert_false (gtk_widget_get_visible (camera_off));
  g_assert_true (gtk_widget_get_visible (picture));

  g_assert_false (gtk_widget_get_visible (mic_off));
  g_object_set (t, "audio-muted", TRUE, NULL);
  g_assert_true (gtk_widget_get_visible (mic_off));

  /* Connection quality: a badge with an icon, a colour class and words. */
  g_assert_false (gtk_widget_get_visible (quality));
  zero_video_tile_set_quality (t, ZERO_CONNECTION_QUALITY_BAD);
  g_assert_true (gtk_widget_get_visible (quality));
  g_assert_true (gtk_widget_has_css_class (quality, "quality-bad"));
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (quality)), ==,
                   "network-cellular-signal-weak-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (quality), ==, "Connection: bad");
  zero_video_tile_set_quality (t, ZERO_CONNECTION_QUALITY_EXCELLENT);
  g_assert_false (gtk_widget_has_css_class (quality, "quality-bad"));
  g_assert_true (gtk_widget_has_css_class (quality, "quality-excellent"));
  zero_video_tile_set_quality (t, ZERO_CONNECTION_QUALITY_UNKNOWN);
  g_assert_false (gtk_widget_get_visible (quality));

  /* The active speaker is a CSS class (style.css draws the ring). */
  g_assert_false (gtk_widget_has_css_class (tile, "active-speaker"));
  zero_video_tile_set_active_speaker (t, TRUE);
  g_assert_true (gtk_widget_has_css_class (tile, "active-speaker"));
  zero_video_tile_set_active_speaker (t, FALSE);
  g_assert_false (gtk_widget_has_css_class (tile, "active-speaker"));

  /* With an aspect ratio the tile asks for the height its width calls for. */
  zero_video_tile_set_aspect_ratio (t, 16.0 / 9.0);
  {
    int min, nat;

    gtk_widget_measure (tile, GTK_ORIENTATION_VERTICAL, 640, &min, &nat, NULL, NULL);
    g_assert_cmpint (nat, ==, 360);
  }

  /* The paintable going away leaves the avatar. */
  zero_video_paintable_clear (paintable);
  g_assert_true (gtk_widget_get_visible (avatar));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  app_test_avoid_mesa_if_instrumented ();
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  gtk_init ();

  g_test_add_func ("/app/video-paintable/size-and-aspect", test_size_and_aspect);
  g_test_add_func ("/app/video-paintable/pixel-aspect-ratio", test_pixel_aspect_ratio);
  g_test_add_func ("/app/video-paintable/pixels", test_pixels);
  g_test_add_func ("/app/video-paintable/zero-copy", test_zero_copy);
  g_test_add_func ("/app/video-paintable/cairo-drawing", test_cairo_drawing);
  g_test_add_func ("/app/renderer/gpu-detection", test_renderer_gpu_detection);
  g_test_add_func ("/app/renderer/choice", test_renderer_choice);
  g_test_add_func ("/app/video-paintable/drops-late-frames", test_drops_late_frames);
  g_test_add_func ("/app/video-paintable/refusals", test_refusals);
  g_test_add_func ("/app/video-paintable/clear", test_clear);
  g_test_add_func ("/app/video-paintable/appsink-busy-main-thread", test_appsink_busy_main_thread);
  g_test_add_func ("/app/video-paintable/appsink-outlives-paintable",
                   test_appsink_outlives_paintable);
  g_test_add_func ("/app/video-paintable/picture-shows-decoded-video",
                   test_picture_shows_decoded_video);
  g_test_add_func ("/app/video-tile/state", test_tile);

  return g_test_run ();
}

/* camera-test-util.h: consumers for ZeroMediaSource's encoded pads, decoding in the same
 * pipeline into an appsink whose callback measures what arrives (frames, size, luma,
 * checksums, frame stamps, audio level and tones). All counters are under a lock: the
 * callback runs in a streaming thread, the test reads them on the main thread. */
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "camera/zero-frame-stamp.h"
#include "camera/zero-media-source.h"
#include "zero-test-util.h"

typedef enum {
  CONSUMER_ENCODED,  /* no decoder: looks at the encoded buffers */
  CONSUMER_VIDEO,    /* decoded to I420 */
  CONSUMER_AUDIO,    /* decoded to S16LE mono 48 kHz */
} ConsumerType;

typedef struct {
  ConsumerType type;
  GstPipeline *pipeline;
  GstPad *src_pad;           /* the media source's encoded pad (owned) */
  GPtrArray *elements;       /* what this consumer added to the pipeline */
  GstElement *appsink;

  GMutex lock;
  guint64 buffers;
  guint64 bytes;
  guint64 keyframes;
  int width, height;
  GstClockTime first_pts, last_pts;
  GstClockTime min_pts_delta;   /* smallest gap between consecutive buffers: 1/fps */
  GstClockTime max_pts_delta;   /* largest gap: a stall or skipped frames */
  guint64 pts_backwards;        /* buffers whose time is not after the previous one's */
  double mean_luma, max_luma;   /* of the last video frame */
  double peak_luma;             /* brightest pixel seen in any frame */
  guint32 last_checksum;
  guint64 changed_frames;       /* frames whose content differs from the previous one */
  guint64 stamped_frames;
  gint64 last_latency_us;
  GArray *checksums;            /* guint32 per buffer, when record_checksums */
  gboolean record_checksums;
  double rms;                   /* of the last audio buffer, 0..1 */
  guint64 samples;
  GArray *audio;                /* gint16 samples, when record_audio */
  gboolean record_audio;
} Consumer;

static G_GNUC_UNUSED guint32
checksum_bytes (const guint8 *data,
                gsize         size)
{
  guint32 h = 2166136261u;
  for (gsize i = 0; i < size; i++)
    h = (h ^ data[i]) * 16777619u;
  return h;
}

static GstFlowReturn
consumer_on_sample (GstAppSink *sink,
                    gpointer    user_data)
{
  Consumer *c = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;

  g_mutex_lock (&c->lock);
  c->buffers++;
  c->bytes += map.size;
  if (!GST_CLOCK_TIME_IS_VALID (c->first_pts))
    c->first_pts = GST_BUFFER_PTS (buffer);
  else if (GST_BUFFER_PTS (buffer) > c->last_pts)
    {
      c->min_pts_delta = MIN (c->min_pts_delta, GST_BUFFER_PTS (buffer) - c->last_pts);
      c->max_pts_delta = MAX (c->max_pts_delta, GST_BUFFER_PTS (buffer) - c->last_pts);
    }
  else
    c->pts_backwards++;
  c->last_pts = GST_BUFFER_PTS (buffer);
  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    c->keyframes++;
  if (c->record_checksums)
    {
      guint32 sum = checksum_bytes (map.data, map.size);
      g_array_append_val (c->checksums, sum);
    }

  if (c->type == CONSUMER_VIDEO)
    {
      GstVideoInfo info;
      GstVideoFrame frame;

      if (gst_video_info_from_caps (&info, caps) &&
          gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
        {
          const guint8 *y = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
          int stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
          int w = GST_VIDEO_FRAME_WIDTH (&frame), h = GST_VIDEO_FRAME_HEIGHT (&frame);
          guint64 sum = 0, n = 0;
          int max = 0;
          guint32 check;
          gint64 stamp;

          for (int row = 0; row < h; row += 2)
            for (int col = 0; col < w; col += 2)
              {
                int v = y[row * stride + col];
                sum += v;
                n++;
                max = MAX (max, v);
              }
          check = checksum_bytes (y, (gsize) stride * h);
          c->width = w;
          c->height = h;
          c->mean_luma = (double) sum / n;
          c->max_luma = max;
          c->peak_luma = MAX (c->peak_luma, max);
          if (c->buffers > 1 && check != c->last_checksum)
            c->changed_frames++;
          c->last_checksum = check;
          stamp = zero_frame_stamp_read (&frame);
          if (stamp != ZERO_FRAME_STAMP_NONE)
            {
              c->stamped_frames++;
              c->last_latency_us = zero_frame_stamp_elapsed (stamp, zero_frame_stamp_now ());
            }
          gst_video_frame_unmap (&frame);
        }
    }
  else if (c->type == CONSUMER_AUDIO)
    {
      const gint16 *s = (const gint16 *) map.data;
      gsize n = map.size / 2;
      double acc = 0;

      for (gsize i = 0; i < n; i++)
        acc += (double) s[i] * s[i];
      c->rms = n ? sqrt (acc / n) / 32768.0 : 0;
      c->samples += n;
      if (c->record_audio)
        g_array_append_vals (c->audio, s, n);
    }
  g_mutex_unlock (&c->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

static G_GNUC_UNUSED Consumer *
consumer_new (GstPipeline *pipeline,
              GstPad      *src_pad,
              ConsumerType type)
{
  Consumer *c = g_new0 (Consumer, 1);
  GstAppSinkCallbacks callbacks = { .new_sample = consumer_on_sample };
  g_autoptr(GstCaps) encoded = gst_pad_query_caps (src_pad, NULL);
  const char *name = gst_structure_get_name (gst_caps_get_structure (encoded, 0));
  const char *chain;
  g_autoptr(GError) error = NULL;
  GstElement *bin;
  g_autoptr(GstPad) sink = NULL;

  g_mutex_init (&c->lock);
  c->type = type;
  c->pipeline = pipeline;
  c->src_pad = src_pad;
  c->first_pts = GST_CLOCK_TIME_NONE;
  c->min_pts_delta = GST_CLOCK_TIME_NONE;
  c->checksums = g_array_new (FALSE, FALSE, sizeof (guint32));
  c->audio = g_array_new (FALSE, FALSE, sizeof (gint16));
  c->elements = g_ptr_array_new ();

  if (type == CONSUMER_ENCODED)
    chain = "appsink name=sink";
  else if (type == CONSUMER_AUDIO)
    chain = "opusdec ! audioconvert ! audioresample ! "
            "audio/x-raw,format=S16LE,rate=48000,channels=1 ! appsink name=sink";
  else if (g_str_equal (name, "video/x-h264"))
    chain = "h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=I420 ! "
            "appsink name=sink";
  else
    chain = "vp8dec ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink";

  bin = gst_parse_bin_from_description (chain, TRUE, &error);
  g_assert_no_error (error);
  c->appsink = gst_bin_get_by_name (GST_BIN (bin), "sink");
  g_object_set (c->appsink, "sync", FALSE, "async", FALSE, "max-buffers", 5, "drop", FALSE,
                NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (c->appsink), &callbacks, c, NULL);
  gst_bin_add (GST_BIN (pipeline), bin);
  g_ptr_array_add (c->elements, bin);
  sink = gst_element_get_static_pad (bin, "sink");
  g_assert_cmpint (gst_pad_link (src_pad, sink), ==, GST_PAD_LINK_OK);
  g_assert_true (gst_element_sync_state_with_parent (bin));
  return c;
}

/* Takes the consumer out of the pipeline; the encoded pad is handed back to the caller
 * (to be released by the media source). */
static G_GNUC_UNUSED GstPad *
consumer_free (Consumer *c)
{
  GstPad *pad = c->src_pad;

  for (guint i = 0; i < c->elements->len; i++)
    {
      GstElement *e = g_ptr_array_index (c->elements, i);
      g_autoptr(GstPad) sink = gst_element_get_static_pad (e, "sink");
      g_autoptr(GstPad) peer = sink ? gst_pad_get_peer (sink) : NULL;

      if (peer != NULL)
        gst_pad_unlink (peer, sink);
      gst_element_set_locked_state (e, TRUE);
      gst_element_set_state (e, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (c->pipeline), e);
    }
  g_ptr_array_unref (c->elements);
  gst_object_unref (c->appsink);
  g_array_unref (c->checksums);
  g_array_unref (c->audio);
  g_mutex_clear (&c->lock);
  g_free (c);
  return pad;
}

#define CONSUMER_GET(c, field)                \
  ({                                          \
    __typeof__ ((c)->field) _v;               \
    g_mutex_lock (&(c)->lock);                \
    _v = (c)->field;                          \
    g_mutex_unlock (&(c)->lock);              \
    _v;                                       \
  })

/* Runs the main loop for @ms milliseconds. */
static G_GNUC_UNUSED void
run_for_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static G_GNUC_UNUSED int
compare_doubles (const double *a,
                 const double *b)
{
  return *a < *b ? -1 : *a > *b;
}

/* Relative power of @freq in @n samples at @rate (Goertzel), 0..1 of the total. */
static G_GNUC_UNUSED double
tone_power (const gint16 *s,
            gsize         n,
            double        freq,
            int           rate)
{
  double k = 2.0 * cos (2.0 * G_PI * freq / rate);
  double s1 = 0, s2 = 0, total = 0, power;

  for (gsize i = 0; i < n; i++)
    {
      double x = s[i] / 32768.0;
      double s0 = x + k * s1 - s2;
      s2 = s1;
      s1 = s0;
      total += x * x;
    }
  if (n == 0 || total <= 0)
    return 0;
  power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return power / (total * n / 2.0);
}

/* tone_power() over consecutive blocks of @block samples: the median share, and the
 * shares themselves in @shares (if not NULL; one per block). A tone interrupted by a glitch
 * (a lost or repeated packet shifts its phase) keeps a high share in most blocks, where
 * one Goertzel over the whole recording would add the parts up out of phase. */
static G_GNUC_UNUSED double
tone_power_median (const gint16 *s,
                   gsize         n,
                   double        freq,
                   int           rate,
                   gsize         block,
                   GArray       *shares)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (double));
  double median;

  for (gsize off = 0; off + block <= n; off += block)
    {
      double p = tone_power (s + off, block, freq, rate);
      g_array_append_val (all, p);
      if (shares != NULL)
        g_array_append_val (shares, p);
    }
  if (all->len == 0)
    return 0;
  g_array_sort (all, (GCompareFunc) compare_doubles);
  median = g_array_index (all, double, all->len / 2);
  return median;
}

static G_GNUC_UNUSED int
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  int n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

static G_GNUC_UNUSED long
rss_kb (void)
{
  long pages = 0, rss = 0;
  FILE *f = fopen ("/proc/self/statm", "r");

  if (f != NULL)
    {
      if (fscanf (f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
      fclose (f);
    }
  return rss * (sysconf (_SC_PAGESIZE) / 1024);
}

/* Number of elements made by @factory in @bin (recursively). */
static G_GNUC_UNUSED guint
count_factory (GstBin     *bin,
               const char *factory)
{
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&item);
      GstElementFactory *f = gst_element_get_factory (e);
      if (f != NULL && g_str_equal (GST_OBJECT_NAME (f), factory))
        n++;
      g_value_reset (&item);
    }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

static G_GNUC_UNUSED void
test_options (ZeroMediaOptions *opts)
{
  zero_media_options_init (opts);
  opts->video_source = ZERO_VIDEO_SOURCE_TEST;
  opts->audio_source = ZERO_AUDIO_SOURCE_TEST;
  opts->audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts->width = 320;
  opts->height = 240;
  opts->fps = 30;
}

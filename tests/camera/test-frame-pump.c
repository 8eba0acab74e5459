/* test-frame-pump.c: ZeroFramePump in a small live pipeline, fed by an appsrc "camera"
 * at another rate, read by an appsink: rate, timeline, content, black, stalls. */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "camera/zero-frame-pump.h"
#include "zero-test-util.h"

#define W 160
#define H 120
#define FPS 30

typedef struct {
  GstPipeline *pipeline;
  GstElement *cam;        /* appsrc */
  GstElement *pump;
  GstElement *sink;
  guint cam_timer;
  guint8 cam_luma;
  guint64 cam_pushed;

  GMutex lock;
  guint64 frames;
  GstClockTime first_pts, last_pts;
  GstClockTime min_delta, max_delta;
  guint64 backwards;
  guint64 off_grid;        /* deltas that are not a whole number of frames (± 1/32) */
  double luma;             /* mean Y of the last frame */
  guint64 black;           /* frames with mean Y 16 */
  GPtrArray *errors;
} Fixture;

static GstFlowReturn
on_sample (GstAppSink *sink,
           gpointer    user_data)
{
  Fixture *f = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstMapInfo map;
  guint64 sum = 0;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  for (int i = 0; i < W * H; i++)
    sum += map.data[i];
  gst_buffer_unmap (buffer, &map);

  g_mutex_lock (&f->lock);
  if (f->frames > 0)
    {
      if (pts <= f->last_pts)
        f->backwards++;
      else
        {
          GstClockTime delta = pts - f->last_pts;
          guint64 slots = gst_util_uint64_scale_round (delta, FPS, GST_SECOND);
          GstClockTime expected = gst_util_uint64_scale_int (slots, GST_SECOND, FPS);

          f->min_delta = MIN (f->min_delta, delta);
          f->max_delta = MAX (f->max_delta, delta);
          /* A whole number of frames, give or take the phase lock's 1/32 of a frame. */
          if (slots == 0 || delta > expected + GST_SECOND / FPS / 32 + 1 ||
              delta + GST_SECOND / FPS / 32 + 1 < expected)
            f->off_grid++;
        }
    }
  else
    f->first_pts = pts;
  f->last_pts = pts;
  f->frames++;
  f->luma = (double) sum / (W * H);
  if (f->luma == 16.0)
    f->black++;
  g_mutex_unlock (&f->lock);
  return GST_FLOW_OK;
}

#define GET(f, field)                   \
  ({                                    \
    __typeof__ ((f)->field) _v;         \
    g_mutex_lock (&(f)->lock);          \
    _v = (f)->field;                    \
    g_mutex_unlock (&(f)->lock);        \
    _v;                                 \
  })

static gboolean
on_bus (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  Fixture *f = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;
      gst_message_parse_error (message, &error, NULL);
      g_test_message ("error from %s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
                      error->message);
      g_ptr_array_add (f->errors, g_strdup (GST_OBJECT_NAME (GST_MESSAGE_SRC (message))));
    }
  return G_SOURCE_CONTINUE;
}

static void
run_for_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  const char *cam_caps = data ? data : "video/x-raw,format=I420,width=160,height=120,"
                                       "framerate=15/1";
  g_autoptr(GstCaps) caps = gst_caps_from_string (cam_caps);
  g_autoptr(GstBus) bus = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = on_sample };

  g_mutex_init (&f->lock);
  f->min_delta = GST_CLOCK_TIME_NONE;
  f->errors = g_ptr_array_new_with_free_func (g_free);
  f->pipeline = GST_PIPELINE (gst_object_ref_sink (gst_pipeline_new (NULL)));
  f->cam = gst_element_factory_make ("appsrc", "cam");
  g_object_set (f->cam, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME,
                "do-timestamp", TRUE, NULL);
  f->pump = zero_frame_pump_new ("pump", W, H, FPS);
  f->sink = gst_element_factory_make ("appsink", "sink");
  g_object_set (f->sink, "sync", FALSE, "async", FALSE, "max-buffers", 0, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (f->sink), &callbacks, f, NULL);
  gst_bin_add_many (GST_BIN (f->pipeline), f->cam, f->pump, f->sink, NULL);
  g_assert_true (gst_element_link (f->cam, f->pump));
  g_assert_true (gst_element_link (f->pump, f->sink));
  bus = gst_pipeline_get_bus (f->pipeline);
  gst_bus_add_watch (bus, on_bus, f);
  f->cam_luma = 200;
  g_assert_cmpint (gst_element_set_state (GST_ELEMENT (f->pipeline), GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GstBus) bus = gst_pipeline_get_bus (f->pipeline);

  g_clear_handle_id (&f->cam_timer, g_source_remove);
  gst_element_set_state (GST_ELEMENT (f->pipeline), GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (f->pipeline);
  g_ptr_array_unref (f->errors);
  g_mutex_clear (&f->lock);
}

static gboolean
on_cam_tick (gpointer user_data)
{
  Fixture *f = user_data;
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, W * H * 3 / 2, NULL);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  memset (map.data, f->cam_luma, W * H);
  memset (map.data + W * H, 128, W * H / 2);
  gst_buffer_unmap (buffer, &map);
  gst_app_src_push_buffer (GST_APP_SRC (f->cam), buffer);
  f->cam_pushed++;
  return G_SOURCE_CONTINUE;
}

static void
start_camera (Fixture *f,
              guint    interval_ms)
{
  f->cam_timer = g_timeout_add (interval_ms, on_cam_tick, f);
}

static void
stop_camera (Fixture *f)
{
  g_clear_handle_id (&f->cam_timer, g_source_remove);
}

/* Black from the start, then the camera at 15 fps comes out at 30 fps, every frame 1/30 s
 * after the previous one (within the phase lock's 1/32), each camera frame sent twice
 * (sent, then repeated). */
static void
test_constant_rate (Fixture      *f,
                    gconstpointer data)
{
  ZeroFramePumpStats s0, s1;
  guint64 frames0;
  GstClockTime pts0;
  double rate;

  ZERO_ASSERT_WAIT (GET (f, frames) >= 5, 5000);
  g_assert_cmpfloat (GET (f, luma), ==, 16.0);

  start_camera (f, 1000 / 15);
  ZERO_ASSERT_WAIT (GET (f, luma) == 200.0, 2000);
  zero_frame_pump_get_stats (ZERO_FRAME_PUMP (f->pump), &s0);
  frames0 = GET (f, frames);
  pts0 = GET (f, last_pts);
  run_for_ms (2000);
  zero_frame_pump_get_stats (ZERO_FRAME_PUMP (f->pump), &s1);
  rate = (GET (f, frames) - frames0) / ((double) (GET (f, last_pts) - pts0) / GST_SECOND);
  g_test_message ("%.1f fps out; camera %" G_GUINT64_FORMAT " in, %" G_GUINT64_FORMAT
                  " sent, %" G_GUINT64_FORMAT " repeated, %" G_GUINT64_FORMAT " black, %"
                  G_GUINT64_FORMAT " slots skipped; gaps %.2f..%.2f ms",
                  rate, s1.frames_in - s0.frames_in, s1.camera_frames - s0.camera_frames,
                  s1.repeated_frames - s0.repeated_frames, s1.black_frames - s0.black_frames,
                  s1.skipped_slots, GET (f, min_delta) / 1e6, GET (f, max_delta) / 1e6);
  /* The stream rate is the grid's, whatever the machine load. */
  g_assert_cmpfloat (fabs (rate - FPS), <, 0.5);
  g_assert_cmpuint (GET (f, backwards), ==, 0);
  g_assert_cmpuint (GET (f, off_grid), ==, 0);
  /* Every frame is the camera's: ~30 frames in, each sent once and repeated about once. */
  g_assert_cmpuint (s1.black_frames - s0.black_frames, ==, 0);
  g_assert_cmpuint (s1.camera_frames - s0.camera_frames, >=, 20);
  g_assert_cmpuint (s1.repeated_frames - s0.repeated_frames, >=, 20);
  g_assert_cmpuint (s1.frames_out - s0.frames_out, ==,
                    (s1.camera_frames - s0.camera_frames) +
                    (s1.repeated_frames - s0.repeated_frames));
  g_assert_cmpuint (f->errors->len, ==, 0);
}

/* A camera that stops delivering: its last frame for stale-ms, then black. */
static void
test_stale_goes_black (Fixture      *f,
                       gconstpointer data)
{
  gint64 t0;

  g_object_set (f->pump, "stale-ms", 300, NULL);
  start_camera (f, 1000 / 30);
  ZERO_ASSERT_WAIT (GET (f, luma) == 200.0, 2000);
  stop_camera (f);
  t0 = g_get_monotonic_time ();
  run_for_ms (150);
  g_assert_cmpfloat (GET (f, luma), ==, 200.0); /* not yet stale */
  ZERO_ASSERT_WAIT (GET (f, luma) == 16.0, 2000);
  g_test_message ("black %.0f ms after the last camera frame",
                  (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 250 * 1000);
  /* And back as soon as frames come again. */
  start_camera (f, 1000 / 30);
  ZERO_ASSERT_WAIT (GET (f, luma) == 200.0, 1000);
}

/* blank (video paused) and clear (camera detached) give black on the next frame. */
static void
test_blank_and_clear (Fixture      *f,
                      gconstpointer data)
{
  guint64 n;

  start_camera (f, 1000 / 30);
  ZERO_ASSERT_WAIT (GET (f, luma) == 200.0, 2000);
  zero_frame_pump_set_blank (ZERO_FRAME_PUMP (f->pump), TRUE);
  n = GET (f, frames);
  ZERO_ASSERT_WAIT (GET (f, frames) >= n + 2, 1000);
  g_assert_cmpfloat (GET (f, luma), ==, 16.0);
  run_for_ms (300);
  g_assert_cmpfloat (GET (f, luma), ==, 16.0); /* the camera still pushes: ignored */
  zero_frame_pump_set_blank (ZERO_FRAME_PUMP (f->pump), FALSE);
  ZERO_ASSERT_WAIT (GET (f, luma) == 200.0, 1000);

  stop_camera (f);
  zero_frame_pump_clear (ZERO_FRAME_PUMP (f->pump));
  n = GET (f, frames);
  ZERO_ASSERT_WAIT (GET (f, frames) >= n + 2, 1000);
  g_assert_cmpfloat (GET (f, luma), ==, 16.0);
}

/* A camera of the wrong size is refused (its source fails, as a broken camera would) while
 * the stream goes on, black. */
static void
test_refuses_wrong_size (Fixture      *f,
                         gconstpointer data)
{
  guint64 n;

  start_camera (f, 1000 / 30); /* pushes 160x120 bytes, announced as 320x240 */
  ZERO_ASSERT_WAIT (f->errors->len >= 1, 3000);
  g_assert_cmpstr (g_ptr_array_index (f->errors, 0), ==, "cam");
  n = GET (f, frames);
  run_for_ms (500);
  g_assert_cmpuint (GET (f, frames), >=, n + 10);
  g_assert_cmpfloat (GET (f, luma), ==, 16.0);
}

static GstPadProbeReturn
on_stall_once (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         user_data)
{
  gint *done = user_data;

  if (!g_atomic_int_get (done))
    {
      g_usleep (300 * 1000);
      g_atomic_int_set (done, 1);
    }
  return GST_PAD_PROBE_OK;
}

/* Held up for 300 ms (a starved CPU), the pump skips the slots it missed: no burst of
 * late frames, the grid is kept. */
static void
test_skips_when_late (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(GstPad) src = gst_element_get_static_pad (f->pump, "src");
  ZeroFramePumpStats stats;
  gint done = 0;
  guint64 n;

  ZERO_ASSERT_WAIT (GET (f, frames) >= 10, 5000);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_stall_once, &done, NULL);
  ZERO_ASSERT_WAIT (g_atomic_int_get (&done), 2000);
  n = GET (f, frames);
  run_for_ms (300);
  zero_frame_pump_get_stats (ZERO_FRAME_PUMP (f->pump), &stats);
  g_test_message ("after the stall: %" G_GUINT64_FORMAT " frames in 300 ms, %"
                  G_GUINT64_FORMAT " slots skipped, largest gap %.0f ms",
                  GET (f, frames) - n, stats.skipped_slots, GET (f, max_delta) / 1e6);
  g_assert_cmpuint (stats.skipped_slots, >=, 6);
  g_assert_cmpuint (GET (f, frames) - n, <=, 13); /* ~9 in 300 ms, no catch-up burst */
  g_assert_cmpuint (GET (f, max_delta), >=, 250 * GST_MSECOND);
  g_assert_cmpuint (GET (f, off_grid), ==, 0);
  g_assert_cmpuint (GET (f, backwards), ==, 0);
}

/* A camera at the pump's own rate but an arbitrary phase: the grid moves to it, so its
 * frames wait a few ms for their slot instead of up to a frame (16.7 ms on average). */
static void
test_follows_camera_phase (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  GstElement *pump;
  ZeroFramePumpStats stats;
  double waits[3];

  for (int run = 0; run < 3; run++)
    {
      /* A different phase each run: the camera starts 0, 11 or 22 ms after the pump. */
      g_autofree char *desc = g_strdup_printf (
          "videotestsrc is-live=true timestamp-offset=%d ! "
          "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! queue name=q "
          "appsink name=sink sync=false", run * 11 * 1000000, W, H, FPS);

      pipeline = gst_parse_launch (desc, &error);
      g_assert_no_error (error);
      pump = zero_frame_pump_new ("pump", W, H, FPS);
      gst_bin_add (GST_BIN (pipeline), pump);
      {
        g_autoptr(GstElement) q = gst_bin_get_by_name (GST_BIN (pipeline), "q");
        g_autoptr(GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
        g_assert_true (gst_element_link (q, pump));
        g_assert_true (gst_element_link (pump, sink));
      }
      g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                       GST_STATE_CHANGE_FAILURE);
      run_for_ms (2500);
      zero_frame_pump_get_stats (ZERO_FRAME_PUMP (pump), &stats);
      waits[run] = stats.camera_wait_us / 1000;
      g_test_message ("run %d: %" G_GUINT64_FORMAT " camera frames, %" G_GUINT64_FORMAT
                      " repeated, mean wait for a slot %.1f ms", run, stats.camera_frames,
                      stats.repeated_frames, waits[run]);
      gst_element_set_state (pipeline, GST_STATE_NULL);
      g_clear_object (&pipeline);
      g_assert_cmpuint (stats.camera_frames, >=, 60);
    }
  for (int run = 0; run < 3; run++)
    g_assert_cmpfloat (waits[run], <, 9.0);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/camera/frame-pump/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("constant-rate", test_constant_rate, NULL);
  ADD ("stale-goes-black", test_stale_goes_black, NULL);
  ADD ("blank-and-clear", test_blank_and_clear, NULL);
  ADD ("refuses-wrong-size", test_refuses_wrong_size,
       "video/x-raw,format=I420,width=320,height=240,framerate=30/1");
  ADD ("skips-when-late", test_skips_when_late, NULL);
#undef ADD
  g_test_add_func ("/camera/frame-pump/follows-camera-phase", test_follows_camera_phase);
  return g_test_run ();
}

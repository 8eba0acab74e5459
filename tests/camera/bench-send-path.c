/* bench-send-path.c: CPU cost of ZeroMediaSource's video send path, stage by stage.
 *
 *   bench-send-path [--seconds N] [--runs N] [--kbps N] [--codec vp8|h264|all]
 *                   [--size WxH[,WxH...]] [--fps N]
 *
 * For each codec and size it runs the real send path (test camera -> frame pump or mixer
 * -> encoder -> tee -> one branch into a counting sink; no audio) and reports CPU seconds
 * per media second, as % of one core. CPU time comes from getrusage() and from each
 * thread's /proc/self/task/TID/stat, so it stays meaningful when the machine is busy
 * (unlike wall time); media time is the span of stream time that reached the sink. Each
 * figure is the median of --runs runs.
 *
 * Stages are told apart by thread: GStreamer names each streaming thread after its pad
 * ("videotestsrc0:src", "zero-video-pump:src", ...; Linux keeps 15 characters) and
 * encoder worker threads inherit the name of the thread that made them.
 *   capture  the test camera (pattern drawing) and its capsfilter
 *   pump     what keeps the rate constant and substitutes black (compositor before)
 *   encode   the encoder's input queue thread and the encoder's worker threads
 *   other    fan-out branch + sink, main loop, the (silent) playback mixer, the rest
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <sys/resource.h>

#include "camera-test-util.h"

typedef enum { STAGE_CAPTURE, STAGE_PUMP, STAGE_ENCODE, STAGE_OTHER, N_STAGES } Stage;

typedef struct {
  GMutex lock;
  guint64 frames;
  guint64 bytes;
  GstClockTime first_pts, last_pts;
} Counter;

static double
process_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static gboolean
on_wait_done (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Sleeps in the main loop: run_for_ms() polls every millisecond, which would add a few
 * per cent of CPU of its own to the figures. */
static void
wait_ms (guint ms)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, on_wait_done, loop);
  g_main_loop_run (loop);
}

static Stage
stage_of (const char *comm)
{
  if (g_str_has_prefix (comm, "videotestsrc") || g_str_has_prefix (comm, "zero-video-capt"))
    return STAGE_CAPTURE;
  if (g_str_has_prefix (comm, "zero-video-mixe") || g_str_has_prefix (comm, "zero-video-pump"))
    return STAGE_PUMP;
  if (g_str_has_prefix (comm, "zero-video-enco"))
    return STAGE_ENCODE;
  return STAGE_OTHER;
}

/* CPU seconds per thread id, from /proc. */
static GHashTable *
thread_times (void)
{
  GHashTable *times = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  long ticks = sysconf (_SC_CLK_TCK);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", name);
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", name);
      g_autofree char *stat = NULL;
      g_autofree char *comm = NULL;
      char *close_paren;
      unsigned long utime = 0, stime = 0;
      double *entry;

      if (!g_file_get_contents (stat_path, &stat, NULL, NULL) ||
          !g_file_get_contents (comm_path, &comm, NULL, NULL))
        continue;
      /* Fields after "(comm)": state is field 3, utime 14, stime 15. */
      close_paren = strrchr (stat, ')');
      if (close_paren == NULL ||
          sscanf (close_paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                  &utime, &stime) != 2)
        continue;
      g_strchomp (comm);
      entry = g_new (double, 2);
      entry[0] = (double) (utime + stime) / ticks;
      entry[1] = stage_of (comm);
      g_hash_table_insert (times, GINT_TO_POINTER (atoi (name)), entry);
    }
  return times;
}

static GstPadProbeReturn
on_sink_buffer (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  Counter *c = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&c->lock);
  if (!GST_CLOCK_TIME_IS_VALID (c->first_pts))
    c->first_pts = GST_BUFFER_PTS (buffer);
  c->last_pts = GST_BUFFER_PTS (buffer);
  c->frames++;
  c->bytes += gst_buffer_get_size (buffer);
  g_mutex_unlock (&c->lock);
  return GST_PAD_PROBE_OK;
}

typedef struct {
  double stage[N_STAGES];
  double total;
  double fps;
  double kbps;
} Result;

static void
run_once (ZeroVideoCodec codec,
          int            width,
          int            height,
          int            fps,
          int            kbps,
          int            seconds,
          Result        *result)
{
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) t0 = NULL;
  g_autoptr(GHashTable) t1 = NULL;
  g_autoptr(GstPad) pad = NULL;
  g_autoptr(GstPad) sink_pad = NULL;
  GstElement *sink;
  GstPipeline *pipeline;
  Counter counter = { 0 };
  guint64 frames0, bytes0;
  GstClockTime pts0, pts1;
  double cpu0, cpu1, media_s;
  GHashTableIter iter;
  gpointer key, value;

  zero_media_options_init (&opts);
  opts.video_source = ZERO_VIDEO_SOURCE_TEST;
  opts.audio_source = ZERO_AUDIO_SOURCE_NONE;
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts.video_codec = codec;
  opts.width = width;
  opts.height = height;
  opts.fps = fps;
  opts.max_bitrate_kbps = MAX (kbps, opts.max_bitrate_kbps);
  opts.start_bitrate_kbps = kbps;
  source = zero_media_source_new (&opts, &error);
  if (source == NULL || !zero_media_source_start (source, &error))
    g_error ("%s", error->message);
  pipeline = zero_media_source_get_pipeline (source);

  /* A peer's branch, ending in a sink that counts what it gets. */
  g_mutex_init (&counter.lock);
  counter.first_pts = GST_CLOCK_TIME_NONE;
  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (pipeline), sink);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer, &counter, NULL);
  gst_pad_link (pad, sink_pad);
  gst_element_sync_state_with_parent (sink);

  /* Warm-up: encoder start, rate control settling. */
  wait_ms (1500);
  g_mutex_lock (&counter.lock);
  frames0 = counter.frames;
  bytes0 = counter.bytes;
  pts0 = counter.last_pts;
  g_mutex_unlock (&counter.lock);
  t0 = thread_times ();
  cpu0 = process_cpu_s ();
  wait_ms (seconds * 1000);
  cpu1 = process_cpu_s ();
  t1 = thread_times ();
  g_mutex_lock (&counter.lock);
  pts1 = counter.last_pts;
  media_s = (double) (pts1 - pts0) / GST_SECOND;
  result->fps = (counter.frames - frames0) / media_s;
  result->kbps = (counter.bytes - bytes0) * 8.0 / 1000.0 / media_s;
  g_mutex_unlock (&counter.lock);

  memset (result->stage, 0, sizeof result->stage);
  g_hash_table_iter_init (&iter, t1);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      double *now = value;
      double *before = g_hash_table_lookup (t0, key);
      result->stage[(int) now[1]] += now[0] - (before ? before[0] : 0);
    }
  for (int s = 0; s < N_STAGES; s++)
    result->stage[s] = 100.0 * result->stage[s] / media_s;
  result->total = 100.0 * (cpu1 - cpu0) / media_s;
  /* Threads that ended during the window are in the total only: put them in "other". */
  {
    double sum = 0;
    for (int s = 0; s < STAGE_OTHER; s++)
      sum += result->stage[s];
    result->stage[STAGE_OTHER] = MAX (0, result->total - sum);
  }

  gst_pad_unlink (pad, sink_pad);
  gst_element_set_locked_state (sink, TRUE);
  gst_element_set_state (sink, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pipeline), sink);
  zero_media_source_release_encoded_pad (source, pad);
  zero_media_source_stop (source);
  g_mutex_clear (&counter.lock);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *values,
        int     n)
{
  qsort (values, n, sizeof (double), (GCompareFunc) compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int argc, char **argv)
{
  int seconds = 5, runs = 3, kbps = 2000, fps = 30;
  g_autofree char *codec_arg = NULL;
  g_autofree char *sizes_arg = NULL;
  g_auto (GStrv) sizes = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Measured seconds per run (5)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs per figure; the median is shown (3)", "N" },
    { "kbps", 0, 0, G_OPTION_ARG_INT, &kbps, "Encoder target bitrate (2000)", "KBPS" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frame rate (30)", "N" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &codec_arg, "vp8, h264 or all (all)", "CODEC" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &sizes_arg, "Sizes (640x480,1280x720)", "WxH,..." },
    { NULL }
  };

  context = g_option_context_new ("- CPU cost of the video send path, per stage");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (seconds < 1 || runs < 1 || kbps < 50 || fps < 1)
    {
      g_printerr ("--seconds, --runs, --fps must be >= 1 and --kbps >= 50\n");
      return 2;
    }
  sizes = g_strsplit (sizes_arg ? sizes_arg : "640x480,1280x720", ",", -1);

  g_print ("# %d s x %d runs (median), %d kbps target, CPU %% of one core per media second\n",
           seconds, runs, kbps);
  g_print ("%-5s %-9s %4s %8s %8s %8s %8s %8s %7s %7s\n", "codec", "size", "fps", "capture",
           "pump", "encode", "other", "total", "out fps", "kbps");
  for (int c = 0; c < 2; c++)
    {
      ZeroVideoCodec codec = c == 0 ? ZERO_VIDEO_CODEC_VP8 : ZERO_VIDEO_CODEC_H264;
      const char *codec_name = c == 0 ? "vp8" : "h264";

      if (codec_arg != NULL && !g_str_equal (codec_arg, "all") &&
          !g_str_equal (codec_arg, codec_name))
        continue;
      for (int s = 0; sizes[s] != NULL; s++)
        {
          double values[N_STAGES + 3][runs];
          int width, height;

          if (!zero_media_parse_resolution (sizes[s], &width, &height, &error))
            {
              g_printerr ("%s\n", error->message);
              return 2;
            }
          for (int r = 0; r < runs; r++)
            {
              Result result;

              run_once (codec, width, height, fps, kbps, seconds, &result);
              for (int i = 0; i < N_STAGES; i++)
                values[i][r] = result.stage[i];
              values[N_STAGES][r] = result.total;
              values[N_STAGES + 1][r] = result.fps;
              values[N_STAGES + 2][r] = result.kbps;
            }
          g_print ("%-5s %-9s %4d", codec_name, sizes[s], fps);
          for (int i = 0; i <= N_STAGES; i++)
            g_print (" %7.1f%%", median (values[i], runs));
          g_print (" %7.1f %7.0f\n", median (values[N_STAGES + 1], runs),
                   median (values[N_STAGES + 2], runs));
        }
    }
  return 0;
}

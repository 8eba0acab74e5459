/* bench-media-source.c: CPU cost of capture + encode-once at a given size, with 1..N
 * peers' branches, and capture-to-decode latency from the frame stamp. Not a test: prints
 * a table. Usage: bench-media-source [WxH] [fps] [seconds] [max-branches]
 * (test source, VP8 at the default start bitrate; the decode consumer is included). */
#include <sys/resource.h>

#include "camera-test-util.h"

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main (int argc, char **argv)
{
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) extra = g_ptr_array_new ();
  const char *size = argc > 1 ? argv[1] : "1280x720";
  int fps = argc > 2 ? atoi (argv[2]) : 30;
  int seconds = argc > 3 ? atoi (argv[3]) : 5;
  int max_branches = argc > 4 ? atoi (argv[4]) : 3;
  Consumer *decoder;

  gst_init (&argc, &argv);
  zero_media_options_init (&opts);
  opts.video_source = ZERO_VIDEO_SOURCE_TEST;
  opts.audio_source = ZERO_AUDIO_SOURCE_TEST;
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts.frame_stamp = TRUE;
  opts.fps = fps;
  if (!zero_media_parse_resolution (size, &opts.width, &opts.height, &error))
    g_error ("%s", error->message);
  source = zero_media_source_new (&opts, &error);
  if (source == NULL || !zero_media_source_start (source, &error))
    g_error ("%s", error->message);

  /* One decoding peer to measure the stamp latency; more branches are plain sinks. */
  decoder = consumer_new (zero_media_source_get_pipeline (source),
                          zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO),
                          CONSUMER_VIDEO);
  run_for_ms (1500);
  g_print ("%-9s %4s %8s %10s %10s %12s %10s\n", "size", "fps", "branches", "cpu%", "enc fps",
           "video kbps", "stamp ms");
  for (int n = 1; n <= max_branches; n++)
    {
      ZeroMediaStats s0, s1;
      double c0, c1;
      gint64 t0, t1;

      while ((int) extra->len + 1 < n)
        {
          Consumer *c = consumer_new (zero_media_source_get_pipeline (source),
                                      zero_media_source_request_encoded_pad (
                                          source, ZERO_MEDIA_KIND_VIDEO),
                                      CONSUMER_ENCODED);
          g_ptr_array_add (extra, c);
        }
      run_for_ms (500);
      zero_media_source_get_stats (source, &s0);
      c0 = cpu_seconds ();
      t0 = g_get_monotonic_time ();
      run_for_ms (seconds * 1000);
      c1 = cpu_seconds ();
      t1 = g_get_monotonic_time ();
      zero_media_source_get_stats (source, &s1);
      g_print ("%-9s %4d %8d %9.1f%% %10.1f %12u %10.1f\n", size, fps, n,
               100.0 * (c1 - c0) / ((t1 - t0) / 1e6),
               (s1.encoded_video_frames - s0.encoded_video_frames) / ((t1 - t0) / 1e6),
               s1.video_bitrate_kbps, CONSUMER_GET (decoder, last_latency_us) / 1000.0);
    }
  zero_media_source_stop (source);
  return 0;
}

/* test-media-options-config.c: media options read from config.yaml. */
#include <string.h>

#include "camera/zero-media-options.h"
#include "config/zero-config.h"

static const char good_yaml[] =
  "media:\n"
  "  video:\n"
  "    source: pipewire\n"
  "    device: my-camera\n"
  "    resolution: 640x480\n"
  "    fps: 24\n"
  "    codec: h264\n"
  "    min_bitrate_kbps: 200\n"
  "    max_bitrate_kbps: 1800\n"
  "    start_bitrate_kbps: 900\n"
  "  audio:\n"
  "    source: test\n"
  "    output: none\n"
  "    sample_rate: 24000\n"
  "    echo_cancel: false\n"
  "    bitrate_kbps: 48\n";

static void
test_from_config (void)
{
  g_autoptr(ZeroConfig) config = zero_config_new ();
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(GError) error = NULL;

  zero_media_options_init (&opts);
  g_assert_true (zero_config_load_data (config, good_yaml, -1, "test.yaml", &error));
  g_assert_no_error (error);
  g_assert_true (zero_media_options_from_config (&opts, config, &error));
  g_assert_no_error (error);
  g_assert_cmpint (opts.video_source, ==, ZERO_VIDEO_SOURCE_PIPEWIRE);
  g_assert_cmpstr (opts.video_device, ==, "my-camera");
  g_assert_cmpint (opts.width, ==, 640);
  g_assert_cmpint (opts.height, ==, 480);
  g_assert_cmpint (opts.fps, ==, 24);
  g_assert_cmpint (opts.video_codec, ==, ZERO_VIDEO_CODEC_H264);
  g_assert_cmpint (opts.min_bitrate_kbps, ==, 200);
  g_assert_cmpint (opts.max_bitrate_kbps, ==, 1800);
  g_assert_cmpint (opts.start_bitrate_kbps, ==, 900);
  g_assert_cmpint (opts.audio_source, ==, ZERO_AUDIO_SOURCE_TEST);
  g_assert_null (opts.audio_device);
  g_assert_cmpint (opts.audio_output, ==, ZERO_AUDIO_OUTPUT_NONE);
  g_assert_cmpint (opts.sample_rate, ==, 24000);
  /* 24 kHz Opus: the echo canceller runs at 48 kHz in front of a resampler. */
  g_assert_cmpint (zero_media_options_dsp_rate (&opts), ==, 48000);
  g_assert_false (opts.echo_cancel);
  g_assert_cmpint (opts.audio_bitrate_kbps, ==, 48);
}

static void
test_defaults_and_clamp (void)
{
  g_autoptr(ZeroConfig) config = zero_config_new ();
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(GError) error = NULL;

  zero_media_options_init (&opts);
  g_assert_true (zero_media_options_from_config (&opts, config, &error));
  g_assert_no_error (error);
  g_assert_cmpint (opts.video_source, ==, ZERO_VIDEO_SOURCE_AUTO);
  g_assert_cmpint (opts.width, ==, 1280);
  g_assert_cmpint (opts.height, ==, 720);
  g_assert_null (opts.video_device);

  /* A start rate above max is clamped, as the config's own warning says. */
  g_assert_true (zero_config_load_data (config,
                                        "media:\n  video:\n    max_bitrate_kbps: 500\n"
                                        "    start_bitrate_kbps: 900\n",
                                        -1, "clamp.yaml", &error));
  g_assert_no_error (error);
  g_assert_true (zero_media_options_from_config (&opts, config, &error));
  g_assert_no_error (error);
  g_assert_cmpint (opts.start_bitrate_kbps, ==, 500);

}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/camera/options/from-config", test_from_config);
  g_test_add_func ("/camera/options/defaults-and-clamp",
                   test_defaults_and_clamp);
  return g_test_run ();
}

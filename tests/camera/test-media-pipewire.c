/* test-media-pipewire.c: real PipeWire capture. Runs inside
 * tests/support/pipewire/run-with-pipewire.sh, which provides a private pipewire +
 * wireplumber with a virtual camera ($ZERO_PW_CAMERA, a moving ball) and a virtual
 * microphone ($ZERO_PW_MIC, a 440 Hz tone). Outside it, every test fails: never a skip. */
#include "camera-test-util.h"

#include <json-glib/json-glib.h>

static const char *
harness_env (const char *name)
{
  const char *value = g_getenv (name);

  if (g_getenv ("ZERO_PW_HARNESS") == NULL || value == NULL)
    g_error ("%s is not set: run this test through tests/support/pipewire/run-with-pipewire.sh "
             "(meson test does); PipeWire capture cannot be tested without it", name);
  return value;
}

static void
on_message (ZeroMediaSource *source,
            const char      *text,
            GPtrArray       *messages)
{
  g_test_message ("message: %s", text);
  g_ptr_array_add (messages, g_strdup (text));
}

static void
on_changed (gpointer  instance,
            guint    *count)
{
  (*count)++;
}

static gboolean
list_has (ZeroDeviceList  *list,
          ZeroDeviceClass  device_class,
          const char      *node_name)
{
  g_autoptr(GPtrArray) devices = zero_device_list_get (list, device_class);

  for (guint i = 0; i < devices->len; i++)
    {
      ZeroMediaDevice *d = g_ptr_array_index (devices, i);
      if (zero_media_device_matches (d, node_name))
        return TRUE;
    }
  return FALSE;
}

static void
test_device_list (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  const char *mic = harness_env ("ZERO_PW_MIC");
  ZeroDeviceList *list = zero_device_list_get_default ();
  g_autoptr(GPtrArray) cameras = zero_device_list_get (list, ZERO_DEVICE_VIDEO_SOURCE);
  g_autoptr(ZeroMediaDevice) found = NULL;

  for (guint i = 0; i < cameras->len; i++)
    {
      ZeroMediaDevice *d = g_ptr_array_index (cameras, i);
      g_test_message ("camera: '%s' api=%s id=%s node=%s", d->name, d->api, d->id,
                      d->node_name);
    }
  g_assert_true (list_has (list, ZERO_DEVICE_VIDEO_SOURCE, camera));
  g_assert_true (list_has (list, ZERO_DEVICE_AUDIO_SOURCE, mic));
  g_assert_false (list_has (list, ZERO_DEVICE_VIDEO_SOURCE, mic));

  found = zero_device_list_find (list, ZERO_DEVICE_VIDEO_SOURCE, "pipewire", camera);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->api, ==, "pipewire");
  g_assert_cmpstr (found->node_name, ==, camera);
  /* The serial is an id too (what GstDeviceMonitor offers as target-object). */
  g_assert_true (g_ascii_isdigit (found->id[0]));
}

static ZeroMediaSource *
start (ZeroMediaOptions *opts)
{
  g_autoptr(GError) error = NULL;
  ZeroMediaSource *source = zero_media_source_new (opts, &error);

  g_assert_no_error (error);
  g_assert_true (zero_media_source_start (source, &error));
  g_assert_no_error (error);
  return source;
}

typedef struct {
  const char *device_env;   /* NULL: auto */
  int width, height;
} VideoCase;

static void
test_capture_video (gconstpointer data)
{
  const VideoCase *vc = data;
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autofree char *what = NULL;
  g_autofree char *expected = NULL;
  ZeroMediaStats stats;
  GstPad *pad;
  Consumer *c;

  zero_media_options_init (&opts);
  opts.video_source = vc->device_env ? ZERO_VIDEO_SOURCE_PIPEWIRE : ZERO_VIDEO_SOURCE_AUTO;
  opts.video_device = vc->device_env ? g_strdup (harness_env (vc->device_env)) : NULL;
  opts.audio_source = ZERO_AUDIO_SOURCE_NONE;
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts.width = vc->width;
  opts.height = vc->height;
  source = start (&opts);
  what = zero_media_source_dup_video_capture (source);
  expected = g_strdup_printf ("pipewire:%s", camera);
  g_assert_cmpstr (what, ==, expected);

  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
  c = consumer_new (zero_media_source_get_pipeline (source), pad, CONSUMER_VIDEO);
  /* Frames flow at once (black until the camera delivers); wait for the camera itself. */
  ZERO_ASSERT_WAIT ((zero_media_source_get_stats (source, &stats), stats.video_frames >= 5),
                    15000);
  run_for_ms (1500);
  zero_media_source_get_stats (source, &stats);
  g_test_message ("%s -> %dx%d: %" G_GUINT64_FORMAT " decoded frames, %" G_GUINT64_FORMAT
                  " changed, captured %" G_GUINT64_FORMAT " at %.1f fps, peak luma %.0f",
                  camera, CONSUMER_GET (c, width), CONSUMER_GET (c, height),
                  CONSUMER_GET (c, buffers), CONSUMER_GET (c, changed_frames),
                  stats.video_frames, stats.video_fps, CONSUMER_GET (c, peak_luma));
  g_assert_cmpint (CONSUMER_GET (c, width), ==, vc->width);
  g_assert_cmpint (CONSUMER_GET (c, height), ==, vc->height);
  /* Real camera frames: the ball moves, so frames differ; and they are not black. */
  g_assert_cmpuint (CONSUMER_GET (c, buffers), >=, 15);
  g_assert_cmpuint (CONSUMER_GET (c, changed_frames), >=, CONSUMER_GET (c, buffers) / 3);
  g_assert_cmpfloat (CONSUMER_GET (c, peak_luma), >, 150);
  g_assert_cmpuint (stats.video_frames, >=, 15);

  pad = consumer_free (c);
  zero_media_source_release_encoded_pad (source, pad);
  gst_object_unref (pad);
}

static const VideoCase by_name = { "ZERO_PW_CAMERA", 320, 240 };
static const VideoCase auto_scaled = { NULL, 640, 360 };

static void
test_capture_audio (void)
{
  g_autoptr(GArray) shares = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GString) blocks = g_string_new (NULL);
  double median, rms = 0;
  const char *mic = harness_env ("ZERO_PW_MIC");
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autofree char *what = NULL;
  GstPad *pad;
  Consumer *c;
  double power;

  zero_media_options_init (&opts);
  opts.video_source = ZERO_VIDEO_SOURCE_NONE;
  opts.audio_source = ZERO_AUDIO_SOURCE_PIPEWIRE;
  opts.audio_device = g_strdup (mic);
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  source = start (&opts);
  what = zero_media_source_dup_audio_capture (source);
  g_assert_true (g_str_has_prefix (what, "pipewire:"));

  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_AUDIO);
  c = consumer_new (zero_media_source_get_pipeline (source), pad, CONSUMER_AUDIO);
  ZERO_ASSERT_WAIT (CONSUMER_GET (c, samples) >= 48000, 10000);
  g_mutex_lock (&c->lock);
  c->record_audio = TRUE;
  g_mutex_unlock (&c->lock);
  ZERO_ASSERT_WAIT (CONSUMER_GET (c, samples) >= 48000 * 2, 10000);
  g_mutex_lock (&c->lock);
  power = tone_power ((gint16 *) c->audio->data, c->audio->len, 440, 48000);
  /* Over the whole second, not the last 20 ms buffer (c->rms). */
  for (guint i = 0; i < c->audio->len; i++)
    rms += (double) g_array_index (c->audio, gint16, i) * g_array_index (c->audio, gint16, i);
  rms = c->audio->len ? sqrt (rms / c->audio->len) / 32768.0 : 0;
  median = tone_power_median ((gint16 *) c->audio->data, c->audio->len, 440, 48000, 4800,
                              shares);
  for (guint i = 0; i < shares->len; i++)
    g_string_append_printf (blocks, " %.2f", g_array_index (shares, double, i));
  g_test_message ("%s: %u samples, rms %.3f, 440 Hz share %.2f; per 100 ms:%s", mic,
                  c->audio->len, rms, power, blocks->str);
  g_mutex_unlock (&c->lock);
  /* The virtual microphone's tone came through PipeWire, the DSP and Opus: a pure tone in
   * most 100 ms blocks. Not one Goertzel over the whole second: a single scheduling glitch
   * of the headless PipeWire (its timer driver on a busy machine) shifts the tone's phase
   * and halves that figure while every block around it is still pure. */
  g_assert_cmpfloat (rms, >, 0.01);
  {
    guint pure = 0;
    for (guint i = 0; i < shares->len; i++)
      pure += g_array_index (shares, double, i) > 0.5;
    g_assert_cmpuint (shares->len, >=, 9);
    g_assert_cmpuint (pure, >=, shares->len * 6 / 10);
  }
  g_assert_cmpfloat (median, >, 0.5);

  pad = consumer_free (c);
  zero_media_source_release_encoded_pad (source, pad);
  gst_object_unref (pad);
}

/* A second virtual camera that comes and goes while the call runs. */
static GstElement *
start_hotplug_camera (const char *node_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc is-live=true pattern=smpte horizontal-speed=3 ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
      "pipewiresink mode=provide stream-properties=\"props,media.class=Video/Source,"
      "node.name=%s,node.description=Hotplug\"", node_name);
  GstElement *pipeline = gst_parse_launch (desc, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return pipeline;
}

static void
test_hotplug (void)
{
  const char *node = "zero-hotplug-camera";
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  ZeroDeviceList *list;
  GstElement *camera;
  guint changed = 0;
  guint64 frames;
  GstPad *pad;
  Consumer *c;

  harness_env ("ZERO_PW_CAMERA");
  zero_media_options_init (&opts);
  opts.video_source = ZERO_VIDEO_SOURCE_PIPEWIRE;
  opts.video_device = g_strdup (harness_env ("ZERO_PW_CAMERA"));
  opts.audio_source = ZERO_AUDIO_SOURCE_NONE;
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts.width = 320;
  opts.height = 240;
  source = start (&opts);
  g_signal_connect (source, "message", G_CALLBACK (on_message), messages);
  g_signal_connect (source, "devices-changed", G_CALLBACK (on_changed), &changed);
  list = zero_media_source_get_devices (source);
  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
  c = consumer_new (zero_media_source_get_pipeline (source), pad, CONSUMER_VIDEO);
  ZERO_ASSERT_WAIT (CONSUMER_GET (c, buffers) >= 10, 10000);
  g_assert_false (list_has (list, ZERO_DEVICE_VIDEO_SOURCE, node));

  /* Plugged in: listed, signalled, and switched to without renegotiation. */
  camera = start_hotplug_camera (node);
  ZERO_ASSERT_WAIT (list_has (list, ZERO_DEVICE_VIDEO_SOURCE, node), 5000);
  ZERO_ASSERT_WAIT (changed >= 1, 5000);
  g_assert_true (zero_media_source_set_video_device (source, ZERO_VIDEO_SOURCE_PIPEWIRE, node,
                                                     &error));
  g_assert_no_error (error);
  run_for_ms (1500);
  g_test_message ("on the hot-plugged camera: mean luma %.0f", CONSUMER_GET (c, mean_luma));
  /* Colour bars, where the harness camera was a ball on black. */
  g_assert_cmpfloat (CONSUMER_GET (c, mean_luma), >, 60);

  /* Unplugged while capturing: a message, black frames, the call goes on. */
  changed = 0;
  gst_element_set_state (camera, GST_STATE_NULL);
  gst_object_unref (camera);
  ZERO_ASSERT_WAIT (messages->len >= 1, 5000);
  ZERO_ASSERT_WAIT (changed >= 1, 5000);
  g_assert_false (list_has (list, ZERO_DEVICE_VIDEO_SOURCE, node));
  what = zero_media_source_dup_video_capture (source);
  g_assert_cmpstr (what, ==, "none");
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 0), "black"));
  run_for_ms (500);
  frames = CONSUMER_GET (c, buffers);
  run_for_ms (1000);
  g_assert_cmpuint (CONSUMER_GET (c, buffers) - frames, >=, 5);
  g_assert_cmpfloat (CONSUMER_GET (c, max_luma), <, 40);

  pad = consumer_free (c);
  zero_media_source_release_encoded_pad (source, pad);
  gst_object_unref (pad);
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* Links from the PipeWire node @camera to consumers other than the harness's keep-alive
 * (see run-with-pipewire.sh), from pw-dump; -1 if the node is not there. */
static int
camera_links (const char *camera)
{
  const char *keepalive = harness_env ("ZERO_PW_CAMERA_KEEPALIVE");
  const char *argv[] = { "pw-dump", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) names = g_hash_table_new (NULL, NULL);
  g_autofree char *out = NULL;
  JsonArray *objects;
  gint64 camera_id = -1;
  int status = 0, links = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  objects = json_node_get_array (json_parser_get_root (parser));

  for (guint i = 0; i < json_array_get_length (objects); i++)
    {
      JsonObject *o = json_array_get_object_element (objects, i);
      JsonObject *info = object_member (o, "info");
      JsonObject *props = info ? object_member (info, "props") : NULL;
      const char *name;

      if (!g_str_has_suffix (json_object_get_string_member_with_default (o, "type", ""),
                             ":Node") || props == NULL)
        continue;
      name = json_object_get_string_member_with_default (props, "node.name", "");
      g_hash_table_insert (names, GINT_TO_POINTER (json_object_get_int_member (o, "id")),
                           (gpointer) name);
      if (g_str_equal (name, camera))
        camera_id = json_object_get_int_member (o, "id");
    }
  if (camera_id < 0)
    return -1;
  for (guint i = 0; i < json_array_get_length (objects); i++)
    {
      JsonObject *o = json_array_get_object_element (objects, i);
      JsonObject *info = object_member (o, "info");
      const char *to;

      if (!g_str_has_suffix (json_object_get_string_member_with_default (o, "type", ""),
                             ":Link") || info == NULL ||
          json_object_get_int_member (info, "output-node-id") != camera_id)
        continue;
      to = g_hash_table_lookup (names, GINT_TO_POINTER (json_object_get_int_member (
                                           info, "input-node-id")));
      if (to == NULL || !g_str_equal (to, keepalive))
        links++;
    }
  return links;
}

static guint64
captured_frames (ZeroMediaSource *source)
{
  ZeroMediaStats stats;

  zero_media_source_get_stats (source, &stats);
  return stats.video_frames;
}

/* Camera light: pausing video releases the camera (our link to its node goes away);
 * resuming opens it again and its frames come back, whatever the pause lasted. */
static void
test_pause_releases_camera (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  const guint holds_ms[] = { 300, 1500, 3000 };
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(ZeroMediaSource) source = NULL;
  GstBin *pipeline;
  GstPad *pad;
  Consumer *c;

  zero_media_options_init (&opts);
  opts.video_source = ZERO_VIDEO_SOURCE_PIPEWIRE;
  opts.video_device = g_strdup (camera);
  opts.audio_source = ZERO_AUDIO_SOURCE_NONE;
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts.width = 320;
  opts.height = 240;
  source = start (&opts);
  pipeline = GST_BIN (zero_media_source_get_pipeline (source));
  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
  c = consumer_new (GST_PIPELINE (pipeline), pad, CONSUMER_VIDEO);
  ZERO_ASSERT_WAIT (captured_frames (source) >= 5, 15000);
  ZERO_ASSERT_WAIT (camera_links (camera) >= 1, 5000);

  for (guint i = 0; i < G_N_ELEMENTS (holds_ms); i++)
    {
      guint64 frames, decoded;
      gint64 t0;

      zero_media_source_set_video_paused (source, TRUE);
      t0 = g_get_monotonic_time ();
      g_assert_cmpuint (count_factory (pipeline, "pipewiresrc"), ==, 0);
      ZERO_ASSERT_WAIT (camera_links (camera) == 0, 5000);
      g_test_message ("paused: camera unlinked after %.0f ms",
                      (g_get_monotonic_time () - t0) / 1000.0);
      run_for_ms (holds_ms[i]);
      /* Nothing captured, black sent at the full rate. */
      frames = captured_frames (source);
      decoded = CONSUMER_GET (c, buffers);
      run_for_ms (500);
      g_assert_cmpuint (captured_frames (source), ==, frames);
      g_assert_cmpuint (CONSUMER_GET (c, buffers), >=, decoded + 8);
      g_assert_cmpfloat (CONSUMER_GET (c, max_luma), <, 40);
      g_assert_cmpint (camera_links (camera), ==, 0);

      zero_media_source_set_video_paused (source, FALSE);
      t0 = g_get_monotonic_time ();
      ZERO_ASSERT_WAIT (captured_frames (source) >= frames + 10, 5000);
      g_test_message ("resumed after %u ms: camera frames again after %.0f ms", holds_ms[i],
                      (g_get_monotonic_time () - t0) / 1000.0);
      g_assert_cmpint (camera_links (camera), >=, 1);
      /* The moving ball, not black. */
      ZERO_ASSERT_WAIT (CONSUMER_GET (c, max_luma) > 150, 3000);
    }
  g_assert_cmpuint (CONSUMER_GET (c, pts_backwards), ==, 0);

  pad = consumer_free (c);
  zero_media_source_release_encoded_pad (source, pad);
  gst_object_unref (pad);
}

/* The same camera opened again by a new source 2 s after the previous one closed it (what
 * a test after another does): frames come. See the harness's keep-alive consumer. */
static void
test_reopen_after_close (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");

  for (int i = 0; i < 2; i++)
    {
      g_auto (ZeroMediaOptions) opts;
      g_autoptr(ZeroMediaSource) source = NULL;
      gint64 t0 = g_get_monotonic_time ();

      zero_media_options_init (&opts);
      opts.video_source = ZERO_VIDEO_SOURCE_PIPEWIRE;
      opts.video_device = g_strdup (camera);
      opts.audio_source = ZERO_AUDIO_SOURCE_NONE;
      opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
      opts.width = 320;
      opts.height = 240;
      source = start (&opts);
      ZERO_ASSERT_WAIT (captured_frames (source) >= 10, 5000);
      g_test_message ("open %d: frames after %.0f ms", i,
                      (g_get_monotonic_time () - t0) / 1000.0);
      g_clear_object (&source);
      ZERO_ASSERT_WAIT (camera_links (camera) == 0, 5000);
      run_for_ms (2000);
    }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/camera/pipewire/device-list", test_device_list);
  g_test_add_data_func ("/camera/pipewire/capture-video-by-name", &by_name,
                        test_capture_video);
  g_test_add_data_func ("/camera/pipewire/capture-video-auto-scaled", &auto_scaled,
                        test_capture_video);
  g_test_add_func ("/camera/pipewire/capture-audio", test_capture_audio);
  g_test_add_func ("/camera/pipewire/hotplug", test_hotplug);
  g_test_add_func ("/camera/pipewire/pause-releases-camera", test_pause_releases_camera);
  g_test_add_func ("/camera/pipewire/reopen-after-close", test_reopen_after_close);
  return g_test_run ();
}

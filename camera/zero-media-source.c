/* zero-media-source.c: the object, its pipeline and bus, and the public API glue.
 * Capture, encoding, playback and screen share live in their own files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-source-private.h"

#include "camera/zero-frame-pump.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

/* How long a camera remote may take to answer its first round trip (a local PipeWire
 * answers within milliseconds; a remote that never does is refused, not waited for). */
#define CAMERA_REMOTE_TIMEOUT_MS 3000

GST_DEBUG_CATEGORY (zero_media_debug);
#define GST_CAT_DEFAULT zero_media_debug

G_DEFINE_FINAL_TYPE (ZeroMediaSource, zero_media_source, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PIPELINE,
  PROP_VIDEO_PAUSED,
  PROP_AUDIO_MUTED,
  PROP_SCREEN_ACTIVE,
  PROP_VIDEO_BITRATE,
  N_PROPS
};

enum {
  SIGNAL_MESSAGE,
  SIGNAL_ERROR,
  SIGNAL_LEVEL,
  SIGNAL_DEVICES_CHANGED,
  SIGNAL_PIPELINE_MESSAGE,
  SIGNAL_PREVIEW_SAMPLE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
static GQuark ours_quark;

/* Debian package that ships each element we use, for the "missing element" error. */
static const struct {
  const char *factory;
  const char *package;
} element_packages[] = {
  { "pipewiresrc", "gstreamer1.0-pipewire" },
  { "pipewiresink", "gstreamer1.0-pipewire" },
  { "v4l2src", "gstreamer1.0-plugins-good" },
  { "vp8enc", "gstreamer1.0-plugins-good" },
  { "level", "gstreamer1.0-plugins-good" },
  { "autoaudiosrc", "gstreamer1.0-plugins-good" },
  { "autoaudiosink", "gstreamer1.0-plugins-good" },
  { "webrtcdsp", "gstreamer1.0-plugins-bad" },
  { "webrtcechoprobe", "gstreamer1.0-plugins-bad" },
  { "appsrc", "gstreamer1.0-plugins-base" },
  { "appsink", "gstreamer1.0-plugins-base" },
  { "x264enc", "gstreamer1.0-plugins-ugly" },
  { "openh264enc", "gstreamer1.0-plugins-bad" },
};

GstElement *
_zero_make_element (const char *factory,
                    const char *name,
                    GError    **error)
{
  GstElement *element = gst_element_factory_make (factory, name);
  const char *package = "gstreamer1.0-plugins-base";

  if (element != NULL)
    return element;
  for (guint i = 0; i < G_N_ELEMENTS (element_packages); i++)
    if (g_str_equal (element_packages[i].factory, factory))
      package = element_packages[i].package;
  g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_MISSING_ELEMENT,
               "The GStreamer element '%s' is missing (install %s)", factory, package);
  return NULL;
}

GstElement *
_zero_make_live_aggregator (const char *factory,
                            const char *name,
                            GError    **error)
{
  /* force-live is construct-only: the aggregator then produces output on its own clock
   * with no live input at all (black frames, silence). */
  GstElement *element = gst_element_factory_make_full (factory, "name", name, "force-live",
                                                       TRUE, NULL);

  if (element == NULL)
    return _zero_make_element (factory, name, error);
  return element;
}

void
_zero_mark_ours (GstElement *element)
{
  g_object_set_qdata (G_OBJECT (element), ours_quark, GINT_TO_POINTER (1));
}

static gboolean
is_ours (GstObject *object)
{
  for (GstObject *o = object; o != NULL; o = GST_OBJECT_PARENT (o))
    if (g_object_get_qdata (G_OBJECT (o), ours_quark) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
is_inside (GstObject  *object,
           GstElement *ancestor)
{
  return ancestor != NULL &&
         (object == GST_OBJECT (ancestor) ||
          gst_object_has_as_ancestor (object, GST_OBJECT (ancestor)));
}

void
_zero_media_source_notice (ZeroMediaSource *self,
                           const char      *format,
                           ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_message ("%s", text);
  if (!self->started)
    {
      /* Nobody could have connected yet: start() emits it. */
      g_ptr_array_add (self->pending_notices, g_steal_pointer (&text));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

static void
dump_graph (ZeroMediaSource *self,
            const char      *what)
{
  g_autofree char *name = g_strdup_printf ("zero-media-%s", what);

  /* Written only when GST_DEBUG_DUMP_DOT_DIR is set. */
  GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS (GST_BIN (self->pipeline), GST_DEBUG_GRAPH_SHOW_ALL, name);
}

/* "Internal data stream error." -> "Internal data stream error", to end a sentence. */
static char *
strip_period (const char *text)
{
  char *copy = g_strstrip (g_strdup (text));
  gsize len = strlen (copy);

  while (len > 0 && copy[len - 1] == '.')
    copy[--len] = '\0';
  return copy;
}

static void
on_video_device_lost (ZeroMediaSource *self,
                      const char      *reason)
{
  g_autofree char *what = g_strdup (self->video_capture.description);
  g_autofree char *why = strip_period (reason);

  _zero_video_detach (self);
  _zero_media_source_notice (self, "The camera (%s) stopped: %s. Sending black video "
                             "until another camera is chosen.", what, why);
}

static void
on_audio_device_lost (ZeroMediaSource *self,
                      const char      *reason)
{
  g_autofree char *what = g_strdup (self->audio_capture.description);
  g_autofree char *why = strip_period (reason);

  _zero_audio_detach (self);
  _zero_media_source_notice (self, "The microphone (%s) stopped: %s. Sending silence "
                             "until another microphone is chosen.", what, why);
}

static void
handle_error (ZeroMediaSource *self,
              GstMessage      *message)
{
  g_autoptr(GError) gst_error = NULL;
  g_autofree char *debug = NULL;
  GstObject *src = GST_MESSAGE_SRC (message);

  gst_message_parse_error (message, &gst_error, &debug);
  GST_WARNING_OBJECT (src, "error: %s (%s)", gst_error->message, debug ? debug : "");

  if (is_inside (src, self->video_capture.bin))
    {
      on_video_device_lost (self, gst_error->message);
      return;
    }
  if (is_inside (src, self->audio_capture.bin))
    {
      on_audio_device_lost (self, gst_error->message);
      return;
    }
  if (is_inside (src, self->preview_bin))
    {
      /* Only the picture on our own screen is lost: the call goes on. */
      _zero_media_source_notice (self, "The local preview stopped: %s", gst_error->message);
      _zero_preview_disable (self);
      return;
    }
  if (self->screen_elements != NULL &&
      is_inside (src, g_ptr_array_index (self->screen_elements, 0)))
    {
      _zero_media_source_notice (self, "Screen sharing stopped: %s", gst_error->message);
      zero_media_source_remove_screen (self);
      return;
    }

  dump_graph (self, "error");
  if (is_ours (src))
    {
      g_autoptr(GError) error = g_error_new (ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                                             "Media pipeline error in %s: %s",
                                             GST_OBJECT_NAME (src), gst_error->message);
      /* Reported to the application by the signal; a warning here would be fatal in
       * tests and noise in the CLI. */
      g_debug ("%s", error->message);
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
    }
}

static void
handle_level (ZeroMediaSource    *self,
              const GstStructure *s)
{
  const GValue *rms_value = gst_structure_get_value (s, "rms");
  const GValue *peak_value = gst_structure_get_value (s, "peak");
  double rms = -G_MAXDOUBLE, peak = -G_MAXDOUBLE;

  if (rms_value == NULL || peak_value == NULL)
    return;
  /* level still posts GValueArray (deprecated in GLib, no replacement in GStreamer 1.22). */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    GValueArray *rms_array = g_value_get_boxed (rms_value);
    GValueArray *peak_array = g_value_get_boxed (peak_value);

    for (guint i = 0; rms_array && i < rms_array->n_values; i++)
      rms = MAX (rms, g_value_get_double (&rms_array->values[i]));
    for (guint i = 0; peak_array && i < peak_array->n_values; i++)
      peak = MAX (peak, g_value_get_double (&peak_array->values[i]));
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (rms == -G_MAXDOUBLE)
    return;
  g_signal_emit (self, signals[SIGNAL_LEVEL], 0, rms, peak);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  ZeroMediaSource *self = ZERO_MEDIA_SOURCE (user_data);

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_PIPELINE_MESSAGE], 0, message);

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      handle_error (self, message);
      break;
    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) warning = NULL;
        gst_message_parse_warning (message, &warning, NULL);
        GST_INFO_OBJECT (GST_MESSAGE_SRC (message), "warning: %s", warning->message);
        break;
      }
    case GST_MESSAGE_ELEMENT:
      if (self->audio_level != NULL &&
          GST_MESSAGE_SRC (message) == GST_OBJECT (self->audio_level) &&
          gst_structure_has_name (gst_message_get_structure (message), "level"))
        handle_level (self, gst_message_get_structure (message));
      break;
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
      break;
    case GST_MESSAGE_CLOCK_LOST:
      /* The pipeline uses the system clock, so this is only a safety net. */
      if (self->started)
        {
          gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_PAUSED);
          gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_PLAYING);
        }
      break;
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->pipeline))
        {
          GstState old_state, new_state;
          gst_message_parse_state_changed (message, &old_state, &new_state, NULL);
          GST_DEBUG ("pipeline %s -> %s", gst_element_state_get_name (old_state),
                     gst_element_state_get_name (new_state));
          if (new_state == GST_STATE_PLAYING)
            dump_graph (self, "playing");
        }
      break;
    default:
      break;
    }
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static void
on_device_removed (ZeroDeviceList  *list,
                   ZeroMediaDevice *device,
                   gpointer         user_data)
{
  ZeroMediaSource *self = ZERO_MEDIA_SOURCE (user_data);

  /* The camera chosen: capturing, or closed while video is paused. */
  if (device->device_class == ZERO_DEVICE_VIDEO_SOURCE &&
      self->video_capture.device_spec != NULL &&
      zero_media_device_matches (device, self->video_capture.device_spec))
    on_video_device_lost (self, "it was disconnected");
  else if (device->device_class == ZERO_DEVICE_AUDIO_SOURCE &&
           self->audio_capture.bin != NULL &&
           zero_media_device_matches (device, self->audio_capture.device_spec))
    on_audio_device_lost (self, "it was disconnected");
}

static void
on_devices_changed (ZeroDeviceList *list,
                    gpointer        user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_DEVICES_CHANGED], 0);
}

static void
drop_devices (ZeroMediaSource *self)
{
  if (self->devices == NULL)
    return;
  g_clear_signal_handler (&self->device_removed_id, self->devices);
  g_clear_signal_handler (&self->devices_changed_id, self->devices);
  g_clear_object (&self->devices);
}

ZeroDeviceList *
_zero_media_source_ensure_devices (ZeroMediaSource *self)
{
  if (self->devices == NULL)
    {
      self->devices = self->camera_remote != NULL
                          ? zero_device_list_new_for_camera_remote (self->camera_remote)
                          : g_object_ref (zero_device_list_get_default ());
      self->device_removed_id = g_signal_connect (self->devices, "device-removed",
                                                  G_CALLBACK (on_device_removed), self);
      self->devices_changed_id = g_signal_connect (self->devices, "devices-changed",
                                                   G_CALLBACK (on_devices_changed), self);
    }
  return self->devices;
}

static gboolean
on_fps_tick (gpointer user_data)
{
  ZeroMediaSource *self = user_data;
  gint64 now = g_get_monotonic_time ();
  guint64 frames;

  g_mutex_lock (&self->stats_lock);
  frames = self->video_frames;
  g_mutex_unlock (&self->stats_lock);
  if (now > self->fps_time_mark_us)
    self->video_fps = (double) (frames - self->fps_frames_mark) * G_USEC_PER_SEC /
                      (double) (now - self->fps_time_mark_us);
  self->fps_frames_mark = frames;
  self->fps_time_mark_us = now;
  return G_SOURCE_CONTINUE;
}

static void
on_target_bitrate (ZeroBitrateController *controller,
                   GParamSpec            *pspec,
                   gpointer               user_data)
{
  ZeroMediaSource *self = user_data;

  if (self->video == NULL)
    return;
  _zero_encode_chain_set_bitrate (self->video,
                                  zero_bitrate_controller_get_target_kbps (controller));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO_BITRATE]);
}

static void
zero_media_source_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ZeroMediaSource *self = ZERO_MEDIA_SOURCE (object);

  switch (prop_id)
    {
    case PROP_PIPELINE:
      g_value_set_object (value, self->pipeline);
      break;
    case PROP_VIDEO_PAUSED:
      g_value_set_boolean (value, self->video_paused);
      break;
    case PROP_AUDIO_MUTED:
      g_value_set_boolean (value, self->audio_muted);
      break;
    case PROP_SCREEN_ACTIVE:
      g_value_set_boolean (value, self->screen != NULL);
      break;
    case PROP_VIDEO_BITRATE:
      g_value_set_uint (value, zero_media_source_get_video_bitrate (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_media_source_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ZeroMediaSource *self = ZERO_MEDIA_SOURCE (object);

  switch (prop_id)
    {
    case PROP_VIDEO_PAUSED:
      zero_media_source_set_video_paused (self, g_value_get_boolean (value));
      break;
    case PROP_AUDIO_MUTED:
      zero_media_source_set_audio_muted (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_media_source_dispose (GObject *object)
{
  ZeroMediaSource *self = ZERO_MEDIA_SOURCE (object);

  g_clear_handle_id (&self->fps_timer_id, g_source_remove);
  g_clear_handle_id (&self->bus_watch_id, g_source_remove);
  if (self->pipeline != NULL)
    {
      _zero_preview_disable (self);
      gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
      self->started = FALSE;
      _zero_screen_teardown (self);
      g_clear_pointer (&self->video, _zero_encode_chain_free);
      g_clear_pointer (&self->audio, _zero_encode_chain_free);
      g_clear_object (&self->video_capture.mixer_pad);
      g_clear_object (&self->audio_capture.mixer_pad);
      self->video_capture.bin = NULL;
      self->audio_capture.bin = NULL;
      self->video_pump = NULL;
      gst_clear_object (&self->pipeline);
    }
  drop_devices (self);
  g_clear_object (&self->camera_remote);
  if (self->bitrate != NULL)
    g_signal_handlers_disconnect_by_data (self->bitrate, self);
  g_clear_object (&self->bitrate);

  G_OBJECT_CLASS (zero_media_source_parent_class)->dispose (object);
}

static void
zero_media_source_finalize (GObject *object)
{
  ZeroMediaSource *self = ZERO_MEDIA_SOURCE (object);

  _zero_capture_clear (&self->video_capture);
  _zero_capture_clear (&self->audio_capture);
  if (self->screen_fd >= 0)
    close (self->screen_fd);
  g_clear_pointer (&self->playback_pads, g_hash_table_unref);
  g_clear_pointer (&self->pending_notices, g_ptr_array_unref);
  g_clear_pointer (&self->echo_probe_name, g_free);
  zero_media_options_clear (&self->opts);
  g_mutex_clear (&self->stats_lock);
  g_mutex_clear (&self->preview_lock);
  g_main_context_unref (self->main_context);

  G_OBJECT_CLASS (zero_media_source_parent_class)->finalize (object);
}

static void
zero_media_source_class_init (ZeroMediaSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = zero_media_source_get_property;
  object_class->set_property = zero_media_source_set_property;
  object_class->dispose = zero_media_source_dispose;
  object_class->finalize = zero_media_source_finalize;

  properties[PROP_PIPELINE] =
    g_param_spec_object ("pipeline", NULL, NULL, GST_TYPE_PIPELINE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIDEO_PAUSED] =
    g_param_spec_boolean ("video-paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUDIO_MUTED] =
    g_param_spec_boolean ("audio-muted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCREEN_ACTIVE] =
    g_param_spec_boolean ("screen-active", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIDEO_BITRATE] =
    g_param_spec_uint ("video-bitrate", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_LEVEL] =
    g_signal_new ("level", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_DEVICES_CHANGED] =
    g_signal_new ("devices-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_PIPELINE_MESSAGE] =
    g_signal_new ("pipeline-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, GST_TYPE_MESSAGE);
  /**
   * ZeroMediaSource::preview-sample:
   * @sample: (transfer none): the newest local frame, in the caps given to
   *   zero_media_source_set_preview()
   *
   * Emitted on the main context while the preview is on, at most once per frame sent;
   * frames the application was too busy for are skipped.
   */
  signals[SIGNAL_PREVIEW_SAMPLE] =
    g_signal_new ("preview-sample", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, GST_TYPE_SAMPLE | G_SIGNAL_TYPE_STATIC_SCOPE);

  ours_quark = g_quark_from_static_string ("zero-media-source-element");
  GST_DEBUG_CATEGORY_INIT (zero_media_debug, "zero-media", 0, "Zero media source");
}

static void
zero_media_source_init (ZeroMediaSource *self)
{
  static guint probe_counter;

  g_mutex_init (&self->stats_lock);
  g_mutex_init (&self->preview_lock);
  self->main_context = g_main_context_ref_thread_default ();
  self->pending_notices = g_ptr_array_new_with_free_func (g_free);
  self->playback_pads = g_hash_table_new_full (NULL, NULL, gst_object_unref, NULL);
  /* webrtcdsp finds its probe by name in a process-wide list: keep names unique. */
  self->echo_probe_name = g_strdup_printf ("zero-echo-probe-%u",
                                           g_atomic_int_add (&probe_counter, 1));
  self->screen_fd = -1;
  self->video_capture.type = ZERO_VIDEO_SOURCE_NONE;
  self->video_capture.description = g_strdup ("none");
  self->audio_capture.type = ZERO_AUDIO_SOURCE_NONE;
  self->audio_capture.description = g_strdup ("none");
}

static gboolean
build (ZeroMediaSource *self,
       GError         **error)
{
  ZeroVideoSourceType video_type = self->opts.video_source;
  ZeroAudioSourceType audio_type = self->opts.audio_source;
  g_autofree char *video_device = g_strdup (self->opts.video_device);
  g_autofree char *audio_device = g_strdup (self->opts.audio_device);
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstClock) clock = NULL;

  if (!_zero_video_resolve (self, &video_type, &video_device, error) ||
      !_zero_audio_resolve (self, &audio_type, &audio_device, error))
    return FALSE;
  if (self->opts.video_source == ZERO_VIDEO_SOURCE_AUTO && video_type == ZERO_VIDEO_SOURCE_NONE)
    _zero_media_source_notice (self, "No camera found (neither PipeWire nor V4L2); sending "
                               "no video.");
  if (self->opts.audio_source == ZERO_AUDIO_SOURCE_AUTO && audio_type == ZERO_AUDIO_SOURCE_NONE)
    _zero_media_source_notice (self, "No microphone found; sending no audio.");

  self->pipeline = GST_PIPELINE (gst_object_ref_sink (gst_pipeline_new ("zero-media")));
  /* The monotonic system clock: devices may come and go (no clock loss), and frame stamps
   * and buffer times share one time base. */
  clock = gst_system_clock_obtain ();
  gst_pipeline_use_clock (self->pipeline, clock);
  bus = gst_pipeline_get_bus (self->pipeline);
  self->bus_watch_id = gst_bus_add_watch (bus, on_bus_message, self);

  /* Playback first: the DSP looks its echo probe up by name. */
  if (!_zero_playback_build (self, error))
    return FALSE;

  self->has_video = video_type != ZERO_VIDEO_SOURCE_NONE;
  if (self->has_video &&
      (!_zero_video_build (self, error) ||
       !_zero_video_attach (self, video_type, video_device, error)))
    return FALSE;

  self->has_audio = audio_type != ZERO_AUDIO_SOURCE_NONE;
  if (self->has_audio &&
      (!_zero_audio_build (self, error) ||
       !_zero_audio_attach (self, audio_type, audio_device, error)))
    return FALSE;

  self->bitrate = zero_bitrate_controller_new (self->opts.min_bitrate_kbps,
                                               self->opts.max_bitrate_kbps,
                                               self->opts.start_bitrate_kbps);
  g_signal_connect (self->bitrate, "notify::target-kbps", G_CALLBACK (on_target_bitrate),
                    self);
  GST_INFO ("media source: video %s (%dx%d@%d %s), audio %s, output %d",
            self->video_capture.description, self->opts.width, self->opts.height,
            self->opts.fps, self->opts.video_codec == ZERO_VIDEO_CODEC_VP8 ? "vp8" : "h264",
            self->audio_capture.description, self->opts.audio_output);
  return TRUE;
}

ZeroMediaSource *
zero_media_source_new (const ZeroMediaOptions *opts,
                       GError                **error)
{
  return zero_media_source_new_with_camera_remote (opts, -1, error);
}

ZeroMediaSource *
zero_media_source_new_with_camera_remote (const ZeroMediaOptions *opts,
                                          int                     camera_fd,
                                          GError                **error)
{
  g_autoptr(ZeroMediaSource) self = NULL;
  ZeroMediaOptions defaults;

  g_return_val_if_fail (camera_fd >= -1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  self = g_object_new (ZERO_TYPE_MEDIA_SOURCE, NULL);
  /* Before anything is resolved: the cameras to choose from are the remote's. */
  if (camera_fd >= 0 && !zero_media_source_set_camera_remote (self, camera_fd, error))
    return NULL;
  if (opts == NULL)
    {
      zero_media_options_init (&defaults);
      opts = &defaults;
    }
  if (!zero_media_options_validate (opts, error))
    return NULL;
  zero_media_options_copy (opts, &self->opts);

  if (!build (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

GstPipeline *
zero_media_source_get_pipeline (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  return self->pipeline;
}

const ZeroMediaOptions *
zero_media_source_get_options (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  return &self->opts;
}

/* Pops the errors a failed state change left on the bus. If a capture device caused it,
 * that capture is dropped (black/silence) and TRUE says "try again". */
static gboolean
recover_from_start_failure (ZeroMediaSource *self,
                            GError         **error)
{
  g_autoptr(GstBus) bus = gst_pipeline_get_bus (self->pipeline);
  gboolean retry = FALSE;
  GstMessage *message;

  while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)) != NULL)
    {
      g_autoptr(GError) gst_error = NULL;
      GstObject *src = GST_MESSAGE_SRC (message);

      gst_message_parse_error (message, &gst_error, NULL);
      if (is_inside (src, self->video_capture.bin))
        {
          gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
          on_video_device_lost (self, gst_error->message);
          retry = TRUE;
        }
      else if (is_inside (src, self->audio_capture.bin))
        {
          gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
          on_audio_device_lost (self, gst_error->message);
          retry = TRUE;
        }
      else if (error != NULL && *error == NULL)
        g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                     "Could not start media: %s: %s", GST_OBJECT_NAME (src),
                     gst_error->message);
      gst_message_unref (message);
    }
  return retry && (error == NULL || *error == NULL);
}

gboolean
zero_media_source_start (ZeroMediaSource *self,
                         GError         **error)
{
  GstStateChangeReturn ret = GST_STATE_CHANGE_FAILURE;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->started)
    return TRUE;

  /* Notices found while building go out now that the caller has connected. */
  self->started = TRUE;
  for (guint i = 0; i < self->pending_notices->len; i++)
    g_signal_emit (self, signals[SIGNAL_MESSAGE], 0,
                   g_ptr_array_index (self->pending_notices, i));
  g_ptr_array_set_size (self->pending_notices, 0);

  /* At most two devices can fail at start; each retry runs without the one that did. */
  for (int attempt = 0; attempt < 3; attempt++)
    {
      ret = gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_PLAYING);
      if (ret != GST_STATE_CHANGE_FAILURE)
        break;
      if (!recover_from_start_failure (self, error))
        break;
    }
  if (ret == GST_STATE_CHANGE_FAILURE)
    {
      dump_graph (self, "start-failed");
      gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
      self->started = FALSE;
      if (error != NULL && *error == NULL)
        g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                     "Could not start the media pipeline");
      return FALSE;
    }

  self->start_time_us = g_get_monotonic_time ();
  self->fps_time_mark_us = self->start_time_us;
  self->fps_frames_mark = 0;
  g_mutex_lock (&self->stats_lock);
  self->video_frames = 0;
  g_mutex_unlock (&self->stats_lock);
  self->fps_timer_id = g_timeout_add (1000, on_fps_tick, self);
  return TRUE;
}

void
zero_media_source_stop (ZeroMediaSource *self)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));

  if (!self->started)
    return;
  g_clear_handle_id (&self->fps_timer_id, g_source_remove);
  gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
  self->started = FALSE;
}

static ZeroEncodeChain *
chain_for_kind (ZeroMediaSource *self,
                ZeroMediaKind    kind)
{
  switch (kind)
    {
    case ZERO_MEDIA_KIND_AUDIO:
      return self->audio;
    case ZERO_MEDIA_KIND_VIDEO:
      return self->video;
    case ZERO_MEDIA_KIND_SCREEN:
      return self->screen;
    default:
      return NULL;
    }
}

gboolean
zero_media_source_has_kind (ZeroMediaSource *self,
                            ZeroMediaKind    kind)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  return chain_for_kind (self, kind) != NULL;
}

GstCaps *
zero_media_source_get_encoded_caps (ZeroMediaSource *self,
                                    ZeroMediaKind    kind)
{
  ZeroEncodeChain *chain;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  chain = chain_for_kind (self, kind);
  return chain ? gst_caps_ref (chain->caps) : NULL;
}

GstElement *
zero_media_source_get_encoder (ZeroMediaSource *self,
                               ZeroMediaKind    kind)
{
  ZeroEncodeChain *chain;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  chain = chain_for_kind (self, kind);
  return chain ? chain->encoder : NULL;
}

GstPad *
zero_media_source_request_encoded_pad (ZeroMediaSource *self,
                                       ZeroMediaKind    kind)
{
  ZeroEncodeChain *chain;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  chain = chain_for_kind (self, kind);
  return chain ? _zero_encode_chain_request_pad (chain) : NULL;
}

void
zero_media_source_release_encoded_pad (ZeroMediaSource *self,
                                       GstPad          *pad)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));
  g_return_if_fail (GST_IS_PAD (pad));

  for (int kind = 0; kind < ZERO_MEDIA_N_KINDS; kind++)
    {
      ZeroEncodeChain *chain = chain_for_kind (self, kind);
      if (chain != NULL && _zero_encode_chain_release_pad (chain, pad))
        return;
    }
  g_critical ("%s: pad %s:%s is not an encoded pad of this media source", G_STRFUNC,
              GST_DEBUG_PAD_NAME (pad));
}

GstPad *
zero_media_source_request_playback_pad (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  return _zero_playback_request_pad (self);
}

void
zero_media_source_release_playback_pad (ZeroMediaSource *self,
                                        GstPad          *pad)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));
  g_return_if_fail (GST_IS_PAD (pad));

  if (!_zero_playback_release_pad (self, pad))
    g_critical ("%s: pad %s:%s is not a playback pad of this media source", G_STRFUNC,
                GST_DEBUG_PAD_NAME (pad));
}

void
zero_media_source_request_keyframe (ZeroMediaSource *self,
                                    ZeroMediaKind    kind)
{
  ZeroEncodeChain *chain;

  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));
  chain = chain_for_kind (self, kind);
  if (chain != NULL)
    _zero_encode_chain_request_keyframe (chain);
}

void
zero_media_source_report_feedback (ZeroMediaSource *self,
                                   const char      *peer_id,
                                   double           fraction_lost,
                                   double           rtt_ms,
                                   double           remb_kbps)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));
  g_return_if_fail (peer_id != NULL);

  zero_bitrate_controller_report (self->bitrate, peer_id, fraction_lost, rtt_ms, remb_kbps,
                                  g_get_monotonic_time ());
}

void
zero_media_source_forget_peer (ZeroMediaSource *self,
                               const char      *peer_id)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));
  g_return_if_fail (peer_id != NULL);

  zero_bitrate_controller_forget (self->bitrate, peer_id);
}

guint
zero_media_source_get_video_bitrate (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), 0);
  return self->video ? self->video->bitrate_kbps : 0;
}

void
zero_media_source_set_video_paused (ZeroMediaSource *self,
                                    gboolean         paused)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));

  paused = !!paused;
  if (self->video_paused == paused)
    return;
  self->video_paused = paused;
  _zero_video_apply_paused (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO_PAUSED]);
}

gboolean
zero_media_source_get_video_paused (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  return self->video_paused;
}

void
zero_media_source_set_audio_muted (ZeroMediaSource *self,
                                   gboolean         muted)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));

  muted = !!muted;
  if (self->audio_muted == muted)
    return;
  self->audio_muted = muted;
  /* Silence keeps flowing (cheap for Opus); the level meter still shows the mic. */
  if (self->audio_volume != NULL)
    g_object_set (self->audio_volume, "mute", muted, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUDIO_MUTED]);
}

gboolean
zero_media_source_get_audio_muted (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  return self->audio_muted;
}

ZeroDeviceList *
zero_media_source_get_devices (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  return _zero_media_source_ensure_devices (self);
}

gboolean
zero_media_source_set_video_device (ZeroMediaSource     *self,
                                    ZeroVideoSourceType  type,
                                    const char          *device,
                                    GError             **error)
{
  g_autofree char *resolved = g_strdup (device);

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!self->has_video)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_STATE,
                   "This call sends no video; a camera cannot be switched in without "
                   "renegotiation");
      return FALSE;
    }
  if (type == ZERO_VIDEO_SOURCE_AUTO)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "Choose a concrete video source (pipewire, v4l2, test or none)");
      return FALSE;
    }
  if (!_zero_video_resolve (self, &type, &resolved, error))
    return FALSE;
  _zero_video_detach (self);
  if (!_zero_video_attach (self, type, resolved, error))
    {
      _zero_media_source_notice (self, "Could not switch the camera; sending black video.");
      return FALSE;
    }
  return TRUE;
}

gboolean
zero_media_source_set_audio_device (ZeroMediaSource     *self,
                                    ZeroAudioSourceType  type,
                                    const char          *device,
                                    GError             **error)
{
  g_autofree char *resolved = g_strdup (device);

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!self->has_audio)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_STATE,
                   "This call sends no audio; a microphone cannot be switched in without "
                   "renegotiation");
      return FALSE;
    }
  if (!_zero_audio_resolve (self, &type, &resolved, error))
    return FALSE;
  _zero_audio_detach (self);
  if (!_zero_audio_attach (self, type, resolved, error))
    {
      _zero_media_source_notice (self, "Could not switch the microphone; sending silence.");
      return FALSE;
    }
  return TRUE;
}

char *
zero_media_source_dup_video_capture (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  return g_strdup (self->video_capture.description);
}

char *
zero_media_source_dup_audio_capture (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), NULL);
  return g_strdup (self->audio_capture.description);
}

void
zero_media_source_get_stats (ZeroMediaSource *self,
                             ZeroMediaStats  *stats)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));
  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);
  if (self->started)
    stats->duration_s = (double) (g_get_monotonic_time () - self->start_time_us) /
                        G_USEC_PER_SEC;
  g_mutex_lock (&self->stats_lock);
  stats->video_frames = self->video_frames;
  g_mutex_unlock (&self->stats_lock);
  if (self->video_pump != NULL)
    {
      ZeroFramePumpStats pump;

      zero_frame_pump_get_stats (ZERO_FRAME_PUMP (self->video_pump), &pump);
      stats->sent_video_frames = pump.frames_out;
      stats->black_video_frames = pump.black_frames;
    }
  stats->video_fps = self->video_fps;
  stats->width = self->opts.width;
  stats->height = self->opts.height;
  stats->fps = self->opts.fps;
  if (self->video != NULL)
    {
      g_mutex_lock (&self->video->lock);
      stats->encoded_video_frames = self->video->encoded_frames;
      stats->keyframes = self->video->keyframes;
      stats->keyframe_requests = self->video->requests_forwarded;
      stats->keyframe_requests_dropped = self->video->requests_dropped;
      g_mutex_unlock (&self->video->lock);
      stats->video_bitrate_kbps = self->video->bitrate_kbps;
      stats->video_branches = g_hash_table_size (self->video->branches);
    }
  if (self->audio != NULL)
    {
      g_mutex_lock (&self->audio->lock);
      stats->audio_buffers = self->audio->encoded_frames;
      g_mutex_unlock (&self->audio->lock);
      stats->audio_bitrate_kbps = self->audio->bitrate_kbps;
      stats->audio_branches = g_hash_table_size (self->audio->branches);
    }
  stats->playback_inputs = g_hash_table_size (self->playback_pads);
}

void
_zero_preview_emit_sample (ZeroMediaSource *self,
                           GstSample       *sample)
{
  g_signal_emit (self, signals[SIGNAL_PREVIEW_SAMPLE], 0, sample);
}

gboolean
zero_media_source_set_preview (ZeroMediaSource *self,
                               gboolean         enabled,
                               const char      *caps)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstCaps) parsed = NULL;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);

  _zero_preview_disable (self);
  if (!enabled)
    return TRUE;

  /* The caps come from the application's code, so a bad string is a bug there: say
   * exactly what is wrong with it. */
  parsed = caps != NULL ? gst_caps_from_string (caps) : NULL;
  if (parsed == NULL || gst_caps_get_size (parsed) != 1 || gst_caps_is_any (parsed) ||
      !gst_structure_has_name (gst_caps_get_structure (parsed, 0), "video/x-raw"))
    {
      g_critical ("%s: preview caps '%s' are not one raw video structure (for example "
                  "\"video/x-raw,format=BGRA,width=640,height=360\")", G_STRFUNC,
                  caps ? caps : "(null)");
      return FALSE;
    }
  if (!_zero_preview_enable (self, parsed, &error))
    {
      g_critical ("%s: %s", G_STRFUNC, error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
zero_media_source_get_preview (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  return self->preview_bin != NULL;
}

/* Camera remote */

GstElement *
_zero_media_source_make_camera_src (ZeroMediaSource *self,
                                    GError         **error)
{
  GstElement *src;

  if (!(src = _zero_make_element ("pipewiresrc", NULL, error)))
    return NULL;
  /* The very fd the remote's device provider uses, not a dup: pipewiresrc shares its
   * PipeWire core by fd number, and a second core on the same connection would reset the
   * first one's objects. (pipewiresrc 0.3.65 connects on a dup of its own and never closes
   * the fd it is given.) */
  if (self->camera_remote != NULL)
    {
      static guint counter;
      g_autofree char *prefix = zero_camera_remote_dup_node_prefix ();
      g_autofree char *name = g_strdup_printf ("%s%u", prefix, g_atomic_int_add (&counter, 1));
      g_autoptr(GstStructure) props = gst_structure_new ("props", "node.name", G_TYPE_STRING,
                                                         name, NULL);

      g_object_set (src, "fd", zero_camera_remote_get_fd (self->camera_remote),
                    "stream-properties", props, NULL);
    }
  return src;
}

/* After a remote change: the camera chosen if the new remote has it, else its first, else
 * none (with a message). */
static void
reopen_camera (ZeroMediaSource *self,
               const char      *spec)
{
  g_autoptr(GError) error = NULL;
  ZeroVideoSourceType type = ZERO_VIDEO_SOURCE_PIPEWIRE;
  g_autofree char *device = g_strdup (spec);

  if (!_zero_video_resolve (self, &type, &device, NULL))
    {
      type = ZERO_VIDEO_SOURCE_PIPEWIRE;
      g_clear_pointer (&device, g_free);
      if (!_zero_video_resolve (self, &type, &device, &error))
        {
          _zero_media_source_notice (self, "%s. Sending black video until another camera "
                                     "is chosen.", error->message);
          return;
        }
    }
  if (!_zero_video_attach (self, type, device, &error))
    _zero_media_source_notice (self, "The camera (%s) could not be opened: %s. Sending "
                               "black video until another camera is chosen.", device,
                               error->message);
}

gboolean
zero_media_source_set_camera_remote (ZeroMediaSource *self,
                                     int              fd,
                                     GError         **error)
{
  g_autoptr(ZeroCameraRemote) remote = NULL;
  g_autofree char *reopen_spec = NULL;
  gboolean reopen;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  g_return_val_if_fail (fd >= -1, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (fd >= 0)
    {
      remote = zero_camera_remote_new (fd, CAMERA_REMOTE_TIMEOUT_MS, error);
      if (remote == NULL)
        return FALSE;
    }
  else if (self->camera_remote == NULL)
    return TRUE;

  /* A PipeWire camera captured (or chosen while paused) lives on the old remote: its
   * element must be gone before that remote's connection closes. */
  reopen = self->has_video && self->video_capture.type == ZERO_VIDEO_SOURCE_PIPEWIRE;
  if (reopen)
    {
      reopen_spec = g_strdup (self->video_capture.device_spec);
      _zero_video_detach (self);
    }

  drop_devices (self);
  g_clear_object (&self->camera_remote);
  self->camera_remote = g_steal_pointer (&remote);
  GST_INFO ("cameras now come from %s", fd >= 0 ? "a given PipeWire remote"
                                                 : "the default PipeWire remote");
  /* Reconnects the device signals, on the new list. */
  if (self->pipeline != NULL)
    _zero_media_source_ensure_devices (self);

  if (reopen)
    reopen_camera (self, reopen_spec);
  if (self->pipeline != NULL)
    g_signal_emit (self, signals[SIGNAL_DEVICES_CHANGED], 0);
  return TRUE;
}

int
zero_media_source_get_camera_remote (ZeroMediaSource *self)
{
  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), -1);
  return self->camera_remote ? zero_camera_remote_get_fd (self->camera_remote) : -1;
}

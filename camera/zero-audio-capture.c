/* zero-audio-capture.c: microphone selection and capture bins, and the send chain
 * audiomixer (silence when no mic) -> webrtcdsp -> level -> volume (mute) -> encoder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-source-private.h"

#define GST_CAT_DEFAULT zero_media_debug

static GstCaps *
raw_caps (ZeroMediaSource *self)
{
  /* Mono S16 at a rate webrtcdsp takes. */
  return gst_caps_new_simple ("audio/x-raw",
                              "format", G_TYPE_STRING, "S16LE",
                              "layout", G_TYPE_STRING, "interleaved",
                              "rate", G_TYPE_INT, zero_media_options_dsp_rate (&self->opts),
                              "channels", G_TYPE_INT, 1,
                              NULL);
}

gboolean
_zero_audio_resolve (ZeroMediaSource     *self,
                     ZeroAudioSourceType *type,
                     char               **device,
                     GError             **error)
{
  g_autoptr(ZeroMediaDevice) found = NULL;
  ZeroDeviceList *list;

  switch (*type)
    {
    case ZERO_AUDIO_SOURCE_TEST:
    case ZERO_AUDIO_SOURCE_NONE:
      g_clear_pointer (device, g_free);
      return TRUE;

    case ZERO_AUDIO_SOURCE_PIPEWIRE:
      list = _zero_media_source_ensure_devices (self);
      found = zero_device_list_find (list, ZERO_DEVICE_AUDIO_SOURCE, "pipewire", *device);
      if (found == NULL)
        {
          if (*device != NULL)
            g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_NO_DEVICE,
                         "PipeWire microphone '%s' not found", *device);
          else
            g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_NO_DEVICE,
                         "No PipeWire microphone found (is PipeWire running?)");
          return FALSE;
        }
      g_free (*device);
      *device = g_strdup (found->node_name ? found->node_name : found->id);
      return TRUE;

    case ZERO_AUDIO_SOURCE_AUTO:
      list = _zero_media_source_ensure_devices (self);
      if ((found = zero_device_list_find (list, ZERO_DEVICE_AUDIO_SOURCE, "pipewire",
                                          *device)))
        {
          *type = ZERO_AUDIO_SOURCE_PIPEWIRE;
          g_free (*device);
          *device = g_strdup (found->node_name ? found->node_name : found->id);
          return TRUE;
        }
      /* Any other microphone the system knows: let autoaudiosrc pick it. AUTO stays. */
      if ((found = zero_device_list_find (list, ZERO_DEVICE_AUDIO_SOURCE, NULL, NULL)))
        {
          g_clear_pointer (device, g_free);
          return TRUE;
        }
      *type = ZERO_AUDIO_SOURCE_NONE;
      g_clear_pointer (device, g_free);
      return TRUE;
    }
  g_return_val_if_reached (FALSE);
}

/* The audiomixer cannot place a buffer without a time: drop it rather than fail. */
static GstPadProbeReturn
on_capture_buffer (GstPad          *pad,
                   GstPadProbeInfo *info,
                   gpointer         user_data)
{
  if (!GST_BUFFER_PTS_IS_VALID (GST_PAD_PROBE_INFO_BUFFER (info)))
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_capture_bin (ZeroMediaSource     *self,
                  ZeroAudioSourceType  type,
                  const char          *device,
                  GError             **error)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("zero-audio-capture-%u",
                                           g_atomic_int_add (&counter, 1));
  g_autoptr(GstElement) bin = gst_object_ref_sink (gst_bin_new (name));
  g_autoptr(GstCaps) caps = raw_caps (self);
  g_autoptr(GstPad) target = NULL;
  GstElement *src, *convert, *resample, *capsfilter;

  switch (type)
    {
    case ZERO_AUDIO_SOURCE_TEST:
      if (!(src = _zero_make_element ("audiotestsrc", NULL, error)))
        return NULL;
      /* 10 ms buffers: the DSP's frame size, and no extra latency. */
      g_object_set (src, "is-live", TRUE, "freq", 440.0, "volume", 0.3,
                    "samplesperbuffer", zero_media_options_dsp_rate (&self->opts) / 100,
                    NULL);
      break;
    case ZERO_AUDIO_SOURCE_PIPEWIRE:
      if (!(src = _zero_make_element ("pipewiresrc", NULL, error)))
        return NULL;
      g_object_set (src, "client-name", "Zero", "do-timestamp", TRUE, NULL);
      if (device != NULL)
        g_object_set (src, "target-object", device, NULL);
      break;
    case ZERO_AUDIO_SOURCE_AUTO:
      if (!(src = _zero_make_element ("autoaudiosrc", NULL, error)))
        return NULL;
      break;
    case ZERO_AUDIO_SOURCE_NONE:
    default:
      g_return_val_if_reached (NULL);
    }

  convert = _zero_make_element ("audioconvert", NULL, error);
  resample = _zero_make_element ("audioresample", NULL, error);
  capsfilter = _zero_make_element ("capsfilter", NULL, error);
  if (!convert || !resample || !capsfilter)
    {
      gst_object_unref (gst_object_ref_sink (src));
      return NULL;
    }
  g_object_set (capsfilter, "caps", caps, NULL);
  gst_bin_add_many (GST_BIN (bin), src, convert, resample, capsfilter, NULL);
  if (type == ZERO_AUDIO_SOURCE_PIPEWIRE)
    {
      /* pipewiresrc needs caps right after it. */
      GstElement *raw = _zero_make_element ("capsfilter", NULL, NULL);
      g_autoptr(GstCaps) any_raw = gst_caps_from_string ("audio/x-raw");

      g_object_set (raw, "caps", any_raw, NULL);
      gst_bin_add (GST_BIN (bin), raw);
      gst_element_link (src, raw);
      src = raw;
    }
  if (!gst_element_link_many (src, convert, resample, capsfilter, NULL))
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not link the microphone capture elements");
      return NULL;
    }
  target = gst_element_get_static_pad (capsfilter, "src");
  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_BUFFER, on_capture_buffer, NULL, NULL);
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", target));
  return g_steal_pointer (&bin);
}

gboolean
_zero_audio_build (ZeroMediaSource *self,
                   GError         **error)
{
  g_autoptr(GstCaps) caps = raw_caps (self);
  g_autoptr(GstPad) volume_src = NULL;
  g_autoptr(GstPad) enc_sink = NULL;
  GstElement *mixer, *capsfilter, *dsp, *level, *volume;

  mixer = _zero_make_live_aggregator ("audiomixer", "zero-audio-mixer", error);
  capsfilter = _zero_make_element ("capsfilter", "zero-audio-raw-caps", error);
  dsp = _zero_make_element ("webrtcdsp", "zero-audio-dsp", error);
  level = _zero_make_element ("level", "zero-audio-level", error);
  volume = _zero_make_element ("volume", "zero-audio-volume", error);
  if (!mixer || !capsfilter || !dsp || !level || !volume)
    {
      GstElement *all[] = { mixer, capsfilter, dsp, level, volume };
      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        if (all[i] != NULL)
          gst_object_unref (gst_object_ref_sink (all[i]));
      return FALSE;
    }

  /* force-live: silence flows at the set rate with no microphone at all. */
  g_object_set (mixer, "ignore-inactive-pads", TRUE,
                "output-buffer-duration", (guint64) (10 * GST_MSECOND), NULL);
  g_object_set (capsfilter, "caps", caps, NULL);
  /* The echo reference is the playback mixer's webrtcechoprobe, found by name. */
  g_object_set (dsp,
                "probe", self->echo_probe_name,
                "echo-cancel", self->opts.echo_cancel,
                "noise-suppression", self->opts.noise_suppression,
                "delay-agnostic", TRUE,
                "extended-filter", TRUE,
                NULL);
  g_object_set (level, "post-messages", TRUE, "interval", (guint64) (100 * GST_MSECOND),
                NULL);

  gst_bin_add_many (GST_BIN (self->pipeline), mixer, capsfilter, dsp, level, volume, NULL);
  _zero_mark_ours (mixer);
  _zero_mark_ours (capsfilter);
  _zero_mark_ours (dsp);
  _zero_mark_ours (level);
  _zero_mark_ours (volume);
  if (!gst_element_link_many (mixer, capsfilter, dsp, level, volume, NULL))
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not link the microphone processing (webrtcdsp, level)");
      return FALSE;
    }
  _zero_capture_guard_timeline (capsfilter);
  self->audio_mixer = mixer;
  self->audio_dsp = dsp;
  self->audio_level = level;
  self->audio_volume = volume;

  self->audio = _zero_encode_chain_new (GST_BIN (self->pipeline), ZERO_MEDIA_KIND_AUDIO,
                                        &self->opts, error);
  if (self->audio == NULL)
    return FALSE;
  if (zero_media_options_dsp_rate (&self->opts) != self->opts.sample_rate)
    {
      /* Opus at a rate the DSP does not take (12 or 24 kHz). */
      GstElement *resample = _zero_make_element ("audioresample", "zero-audio-opus-resample",
                                                 error);
      GstElement *rate = _zero_make_element ("capsfilter", "zero-audio-opus-rate", error);
      g_autoptr(GstCaps) rate_caps = gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT,
                                                          self->opts.sample_rate, NULL);

      g_object_set (rate, "caps", rate_caps, NULL);
      gst_bin_add_many (GST_BIN (self->pipeline), resample, rate, NULL);
      _zero_mark_ours (resample);
      _zero_mark_ours (rate);
      gst_element_link_many (volume, resample, rate, NULL);
      volume = rate;
    }
  volume_src = gst_element_get_static_pad (volume, "src");
  enc_sink = _zero_encode_chain_get_sink (self->audio);
  if (gst_pad_link (volume_src, enc_sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not link the microphone to the Opus encoder");
      return FALSE;
    }
  g_object_set (self->audio_volume, "mute", self->audio_muted, NULL);
  return TRUE;
}

gboolean
_zero_audio_attach (ZeroMediaSource     *self,
                    ZeroAudioSourceType  type,
                    const char          *device,
                    GError             **error)
{
  GstElement *bin;
  gboolean ok;

  g_return_val_if_fail (self->audio_capture.bin == NULL, FALSE);

  _zero_capture_clear (&self->audio_capture);
  if (type == ZERO_AUDIO_SOURCE_NONE)
    {
      self->audio_capture.description = g_strdup ("none");
      return TRUE;
    }
  bin = make_capture_bin (self, type, device, error);
  if (bin == NULL)
    return FALSE;
  self->audio_capture.device_spec = g_strdup (device);
  switch (type)
    {
    case ZERO_AUDIO_SOURCE_TEST:
      self->audio_capture.description = g_strdup ("test");
      break;
    case ZERO_AUDIO_SOURCE_AUTO:
      self->audio_capture.description = g_strdup ("autoaudiosrc");
      break;
    default:
      self->audio_capture.description = g_strdup_printf ("pipewire:%s",
                                                         device ? device : "default");
    }

  ok = _zero_capture_attach (self, &self->audio_capture, bin, self->audio_mixer, error);
  gst_object_unref (bin);
  if (!ok)
    {
      _zero_capture_clear (&self->audio_capture);
      self->audio_capture.description = g_strdup ("none");
    }
  return ok;
}

void
_zero_audio_detach (ZeroMediaSource *self)
{
  _zero_capture_detach (self, &self->audio_capture, self->audio_mixer);
  _zero_capture_clear (&self->audio_capture);
  self->audio_capture.description = g_strdup ("none");
}

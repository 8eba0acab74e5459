/* zero-playback.c: all remote audio mixed through one
 * audiomixer -> webrtcechoprobe -> sink, in the same pipeline as the microphone's
 * webrtcdsp, so the DSP hears exactly what the speakers play.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-source-private.h"

#define GST_CAT_DEFAULT zero_media_debug

static GstCaps *
mix_caps (ZeroMediaSource *self)
{
  return gst_caps_new_simple ("audio/x-raw",
                              "format", G_TYPE_STRING, "S16LE",
                              "layout", G_TYPE_STRING, "interleaved",
                              "rate", G_TYPE_INT, zero_media_options_dsp_rate (&self->opts),
                              "channels", G_TYPE_INT, 1,
                              NULL);
}

static GstElement *
make_sink (ZeroMediaSource *self,
           GError         **error)
{
  GstElement *sink;

  switch (self->opts.audio_output)
    {
    case ZERO_AUDIO_OUTPUT_PIPEWIRE:
      sink = _zero_make_element ("pipewiresink", "zero-playback-sink", error);
      if (sink != NULL)
        {
          g_object_set (sink, "client-name", "Zero", NULL);
          if (self->opts.audio_output_device != NULL)
            g_object_set (sink, "target-object", self->opts.audio_output_device, NULL);
        }
      return sink;
    case ZERO_AUDIO_OUTPUT_NONE:
      sink = _zero_make_element ("fakesink", "zero-playback-sink", error);
      /* sync: the mixer then runs in real time, as it would into a sound card. */
      if (sink != NULL)
        g_object_set (sink, "sync", TRUE, "async", FALSE, "silent", TRUE, NULL);
      return sink;
    case ZERO_AUDIO_OUTPUT_AUTO:
    default:
      sink = _zero_make_element ("autoaudiosink", "zero-playback-sink", error);
      if (sink != NULL)
        g_object_set (sink, "async-handling", TRUE, NULL);
      return sink;
    }
}

gboolean
_zero_playback_build (ZeroMediaSource *self,
                      GError         **error)
{
  g_autoptr(GstCaps) caps = mix_caps (self);
  GstElement *mixer, *capsfilter, *probe, *convert, *resample, *sink;

  mixer = _zero_make_live_aggregator ("audiomixer", "zero-playback-mixer", error);
  capsfilter = _zero_make_element ("capsfilter", "zero-playback-caps", error);
  probe = _zero_make_element ("webrtcechoprobe", self->echo_probe_name, error);
  convert = _zero_make_element ("audioconvert", "zero-playback-convert", error);
  resample = _zero_make_element ("audioresample", "zero-playback-resample", error);
  sink = make_sink (self, error);
  if (!mixer || !capsfilter || !probe || !convert || !resample || !sink)
    {
      GstElement *all[] = { mixer, capsfilter, probe, convert, resample, sink };
      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        if (all[i] != NULL)
          gst_object_unref (gst_object_ref_sink (all[i]));
      return FALSE;
    }

  /* force-live: the echo probe gets (silent) far-end audio even before any peer plays. */
  /* 30 ms of slack: peers' decoders run in their own threads and may be a little late;
   * without it the mixer drops their audio as late instead of playing it. */
  g_object_set (mixer, "ignore-inactive-pads", TRUE,
                "output-buffer-duration", (guint64) (10 * GST_MSECOND),
                "latency", (guint64) (30 * GST_MSECOND), NULL);
  g_object_set (capsfilter, "caps", caps, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), mixer, capsfilter, probe, convert, resample,
                    sink, NULL);
  _zero_mark_ours (mixer);
  _zero_mark_ours (capsfilter);
  _zero_mark_ours (probe);
  _zero_mark_ours (convert);
  _zero_mark_ours (resample);
  _zero_mark_ours (sink);
  if (!gst_element_link_many (mixer, capsfilter, probe, convert, resample, sink, NULL))
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not link the playback mixer, echo probe and sink");
      return FALSE;
    }
  self->play_mixer = mixer;
  self->echo_probe = probe;
  return TRUE;
}

GstPad *
_zero_playback_request_pad (ZeroMediaSource *self)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("zero-playback-input-%u",
                                           g_atomic_int_add (&counter, 1));
  g_autoptr(GstCaps) caps = mix_caps (self);
  g_autoptr(GstPad) convert_sink = NULL;
  g_autoptr(GstPad) caps_src = NULL;
  g_autoptr(GstPad) bin_src = NULL;
  GstElement *bin, *convert, *resample, *capsfilter;
  GstPad *mixer_pad, *sink;

  bin = gst_bin_new (name);
  convert = _zero_make_element ("audioconvert", NULL, NULL);
  resample = _zero_make_element ("audioresample", NULL, NULL);
  capsfilter = _zero_make_element ("capsfilter", NULL, NULL);
  g_object_set (capsfilter, "caps", caps, NULL);
  gst_bin_add_many (GST_BIN (bin), convert, resample, capsfilter, NULL);
  gst_element_link_many (convert, resample, capsfilter, NULL);

  convert_sink = gst_element_get_static_pad (convert, "sink");
  caps_src = gst_element_get_static_pad (capsfilter, "src");
  sink = gst_ghost_pad_new ("sink", convert_sink);
  gst_element_add_pad (bin, sink);
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", caps_src));

  gst_bin_add (GST_BIN (self->pipeline), bin);
  _zero_mark_ours (bin);
  mixer_pad = gst_element_request_pad_simple (self->play_mixer, "sink_%u");
  bin_src = gst_element_get_static_pad (bin, "src");
  if (gst_pad_link (bin_src, mixer_pad) != GST_PAD_LINK_OK)
    {
      g_critical ("cannot link a playback input to the mixer");
      gst_element_release_request_pad (self->play_mixer, mixer_pad);
      gst_object_unref (mixer_pad);
      gst_bin_remove (GST_BIN (self->pipeline), bin);
      return NULL;
    }
  gst_object_unref (mixer_pad); /* the link keeps it; release finds it as the peer */
  gst_element_sync_state_with_parent (bin);

  g_hash_table_insert (self->playback_pads, gst_object_ref (sink), bin);
  GST_DEBUG ("new playback input %s (%u)", name, g_hash_table_size (self->playback_pads));
  return gst_object_ref (sink);
}

gboolean
_zero_playback_release_pad (ZeroMediaSource *self,
                            GstPad          *pad)
{
  GstElement *bin = g_hash_table_lookup (self->playback_pads, pad);
  g_autoptr(GstPad) upstream = NULL;
  g_autoptr(GstPad) bin_src = NULL;
  g_autoptr(GstPad) mixer_pad = NULL;

  if (bin == NULL)
    return FALSE;

  upstream = gst_pad_get_peer (pad);
  if (upstream != NULL)
    gst_pad_unlink (upstream, pad);
  gst_element_set_locked_state (bin, TRUE);
  gst_element_set_state (bin, GST_STATE_NULL);
  bin_src = gst_element_get_static_pad (bin, "src");
  mixer_pad = gst_pad_get_peer (bin_src);
  if (mixer_pad != NULL)
    {
      gst_pad_unlink (bin_src, mixer_pad);
      gst_element_release_request_pad (self->play_mixer, mixer_pad);
    }
  gst_bin_remove (GST_BIN (self->pipeline), bin);
  g_hash_table_remove (self->playback_pads, pad);
  return TRUE;
}

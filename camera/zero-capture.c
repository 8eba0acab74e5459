/* zero-capture.c: plugging a capture bin into (and out of) what it feeds while running.
 *
 * A microphone's bin feeds one request pad of an audiomixer in force-live mode; a camera's
 * bin feeds the sink pad of the frame pump (zero-frame-pump.h). Both keep producing silence
 * or black frames at the configured rate whatever happens upstream, so the encoder and its
 * caps never change when a device is switched, fails or vanishes: no renegotiation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-source-private.h"

#define GST_CAT_DEFAULT zero_media_debug

/* A capture device's EOS (a PipeWire node going away) must not end the aggregator. */
static GstPadProbeReturn
on_capture_event (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    {
      GST_INFO_OBJECT (pad, "capture ended (EOS); the mixer keeps running without it");
      return GST_PAD_PROBE_DROP;
    }
  return GST_PAD_PROBE_OK;
}

/* On the mixer's output: an aggregator whose last input goes away restarts its timeline
 * (PTS back to 0, then a jump). An encoder fed such frames drops the outputs of the
 * "earlier" ones, so the decoders miss a reference frame and show garbage. Anything not
 * strictly after the last frame is dropped instead; the mixer catches up within a frame. */
static GstPadProbeReturn
on_mixer_output (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         user_data)
{
  GstClockTime *last = user_data;
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));

  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (*last) && pts <= *last)
    {
      GST_DEBUG_OBJECT (pad, "dropping a frame from the past (%" GST_TIME_FORMAT " <= %"
                        GST_TIME_FORMAT ")", GST_TIME_ARGS (pts), GST_TIME_ARGS (*last));
      return GST_PAD_PROBE_DROP;
    }
  *last = pts;
  return GST_PAD_PROBE_OK;
}

void
_zero_capture_guard_timeline (GstElement *element)
{
  g_autoptr(GstPad) src = gst_element_get_static_pad (element, "src");
  GstClockTime *last = g_new (GstClockTime, 1);

  /* Touched only by the mixer's streaming thread. */
  *last = GST_CLOCK_TIME_NONE;
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_mixer_output, last, g_free);
}

static void
release_mixer_pad (GstElement *mixer,
                   GstPad     *pad)
{
  GstPadTemplate *templ = GST_PAD_PAD_TEMPLATE (pad);

  if (templ != NULL && GST_PAD_TEMPLATE_PRESENCE (templ) == GST_PAD_REQUEST)
    gst_element_release_request_pad (mixer, pad);
}

gboolean
_zero_capture_attach (ZeroMediaSource *self,
                      ZeroCapture     *capture,
                      GstElement      *bin,
                      GstElement      *mixer,
                      GError         **error)
{
  g_autoptr(GstPad) src = gst_element_get_static_pad (bin, "src");
  GstPad *mixer_pad;
  GstState state = GST_STATE_NULL;

  g_assert (capture->bin == NULL);
  g_return_val_if_fail (src != NULL, FALSE);

  gst_bin_add (GST_BIN (self->pipeline), bin);
  _zero_mark_ours (bin);
  /* The pump has one always "sink" pad; an aggregator gives one request pad per input. */
  mixer_pad = gst_element_get_static_pad (mixer, "sink");
  if (mixer_pad == NULL)
    mixer_pad = gst_element_request_pad_simple (mixer, "sink_%u");
  if (gst_pad_link (src, mixer_pad) != GST_PAD_LINK_OK)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not link the capture of %s", capture->description);
      release_mixer_pad (mixer, mixer_pad);
      gst_object_unref (mixer_pad);
      gst_bin_remove (GST_BIN (self->pipeline), bin);
      return FALSE;
    }
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_capture_event, NULL, NULL);
  capture->bin = bin;
  capture->mixer_pad = mixer_pad;

  gst_element_get_state (GST_ELEMENT (self->pipeline), &state, NULL, 0);
  if (state > GST_STATE_NULL || self->started)
    {
      if (!gst_element_sync_state_with_parent (bin))
        {
          g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_DEVICE_FAILED,
                       "Could not start capturing from %s", capture->description);
          _zero_capture_detach (self, capture, mixer);
          return FALSE;
        }
      /* A new source may have a larger latency than the one the mixer started with. */
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
    }
  GST_INFO ("capturing from %s", capture->description);
  return TRUE;
}

void
_zero_capture_detach (ZeroMediaSource *self,
                      ZeroCapture     *capture,
                      GstElement      *mixer)
{
  GstElement *bin = capture->bin;

  if (bin == NULL)
    return;
  GST_INFO ("stopping capture from %s", capture->description);

  /* Stop the source's thread first, then take the bin out. */
  gst_element_set_locked_state (bin, TRUE);
  gst_element_set_state (bin, GST_STATE_NULL);
  if (capture->mixer_pad != NULL)
    {
      g_autoptr(GstPad) src = gst_element_get_static_pad (bin, "src");

      gst_pad_unlink (src, capture->mixer_pad);
      release_mixer_pad (mixer, capture->mixer_pad);
      g_clear_object (&capture->mixer_pad);
    }
  gst_bin_remove (GST_BIN (self->pipeline), bin);
  capture->bin = NULL;
}

void
_zero_capture_clear (ZeroCapture *capture)
{
  g_clear_pointer (&capture->description, g_free);
  g_clear_pointer (&capture->device_spec, g_free);
}

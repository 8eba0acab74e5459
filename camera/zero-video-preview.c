/* zero-video-preview.c: the local preview, exactly what is sent (black when paused).
 *
 * Enabled, a buffer probe on the frame pump's src pad hands each frame (a reference, no
 * copy) to a separate branch that runs in its own thread:
 *
 *   pump src ─probe─► appsrc (live, leaky, 2 frames) ─► [videorate] ─► videoconvertscale
 *                     ─► capsfilter (the caller's caps) ─► appsink (1 buffer, drop, no sync)
 *
 * so a slow conversion never holds up the encoder. Each sample goes to the main context,
 * coalesced: if the application has not caught up, only the newest is emitted. Disabled,
 * the probe and the branch are gone and cost nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-source-private.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#define GST_CAT_DEFAULT zero_media_debug

static GstPadProbeReturn
on_pump_buffer (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  GstAppSrc *appsrc = user_data;

  /* Leaky: when the preview thread is behind, the oldest frame waiting is dropped. */
  gst_app_src_push_buffer (appsrc, gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

static gboolean
on_preview_idle (gpointer user_data)
{
  ZeroMediaSource *self = user_data;
  g_autoptr(GstSample) sample = NULL;

  g_mutex_lock (&self->preview_lock);
  sample = g_steal_pointer (&self->preview_sample);
  g_clear_pointer (&self->preview_source, g_source_unref);
  g_mutex_unlock (&self->preview_lock);

  if (sample != NULL)
    _zero_preview_emit_sample (self, sample);
  return G_SOURCE_REMOVE;
}

/* The preview branch's streaming thread. */
static GstFlowReturn
on_preview_sample (GstAppSink *sink,
                   gpointer    user_data)
{
  ZeroMediaSource *self = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_FLUSHING;
  g_mutex_lock (&self->preview_lock);
  if (self->preview_sample != NULL)
    gst_sample_unref (self->preview_sample);
  self->preview_sample = sample;
  if (self->preview_source == NULL)
    {
      self->preview_source = g_idle_source_new ();
      g_source_set_priority (self->preview_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->preview_source, on_preview_idle, self, NULL);
      g_source_set_static_name (self->preview_source, "[zero] preview sample");
      g_source_attach (self->preview_source, self->main_context);
    }
  g_mutex_unlock (&self->preview_lock);
  return GST_FLOW_OK;
}

static GstElement *
make_convert_scale (GError **error)
{
  GstElement *element = gst_element_factory_make ("videoconvertscale", NULL);

  if (element != NULL)
    return element;
  /* Before 1.22 the two were separate; keep working there. */
  {
    g_autoptr(GError) local = NULL;
    element = gst_parse_bin_from_description ("videoconvert ! videoscale", TRUE, &local);
    if (element == NULL)
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_MISSING_ELEMENT,
                   "The GStreamer elements videoconvert and videoscale are missing "
                   "(install gstreamer1.0-plugins-base)");
    return element;
  }
}

gboolean
_zero_preview_enable (ZeroMediaSource *self,
                      GstCaps         *caps,
                      GError         **error)
{
  GstAppSinkCallbacks callbacks = { .new_sample = on_preview_sample };
  g_autoptr(GstCaps) in_caps = NULL;
  g_autoptr(GstPad) pump_src = NULL;
  GstElement *bin, *appsrc, *rate = NULL, *convert, *filter, *appsink;
  const GstStructure *s = gst_caps_get_structure (caps, 0);

  g_assert (self->preview_bin == NULL);
  if (self->video_pump == NULL)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_STATE,
                   "This call sends no video, so there is no preview to show");
      return FALSE;
    }

  appsrc = _zero_make_element ("appsrc", "zero-preview-src", error);
  convert = make_convert_scale (error);
  filter = _zero_make_element ("capsfilter", "zero-preview-caps", error);
  appsink = _zero_make_element ("appsink", "zero-preview-sink", error);
  if (gst_structure_has_field (s, "framerate"))
    rate = _zero_make_element ("videorate", "zero-preview-rate", error);
  if (appsrc == NULL || convert == NULL || filter == NULL || appsink == NULL ||
      (gst_structure_has_field (s, "framerate") && rate == NULL))
    {
      GstElement *all[] = { appsrc, convert, filter, appsink, rate };
      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        if (all[i] != NULL)
          gst_object_unref (gst_object_ref_sink (all[i]));
      return FALSE;
    }

  pump_src = gst_element_get_static_pad (self->video_pump, "src");
  in_caps = gst_pad_query_caps (pump_src, NULL);
  g_object_set (appsrc,
                "caps", in_caps,
                "format", GST_FORMAT_TIME,
                "is-live", TRUE,
                "do-timestamp", FALSE,
                "block", FALSE,
                "max-buffers", (guint64) 2,
                "max-bytes", (guint64) 0,
                "max-time", (guint64) 0,
                "leaky-type", GST_APP_LEAKY_TYPE_DOWNSTREAM,
                NULL);
  if (rate != NULL)
    g_object_set (rate, "drop-only", TRUE, "skip-to-first", TRUE, NULL);
  g_object_set (filter, "caps", caps, NULL);
  g_object_set (appsink, "sync", FALSE, "async", FALSE, "max-buffers", 1, "drop", TRUE,
                "enable-last-sample", FALSE, "qos", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, self, NULL);

  bin = gst_bin_new ("zero-preview");
  gst_bin_add_many (GST_BIN (bin), appsrc, convert, filter, appsink, NULL);
  if (rate != NULL)
    gst_bin_add (GST_BIN (bin), rate);
  if (!(rate != NULL ? gst_element_link_many (appsrc, rate, convert, filter, appsink, NULL)
                     : gst_element_link_many (appsrc, convert, filter, appsink, NULL)))
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "The preview cannot be converted to %" GST_PTR_FORMAT, caps);
      gst_object_unref (gst_object_ref_sink (bin));
      return FALSE;
    }
  gst_bin_add (GST_BIN (self->pipeline), bin);
  _zero_mark_ours (bin);
  if (!gst_element_sync_state_with_parent (bin))
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not start the preview");
      gst_element_set_state (bin, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (self->pipeline), bin);
      return FALSE;
    }
  self->preview_bin = bin;
  self->preview_appsrc = appsrc;
  /* The probe owns a reference: a callback still running while the preview is being
   * disabled pushes into a stopped (flushing) appsrc, never a freed one. */
  self->preview_probe_id = gst_pad_add_probe (pump_src, GST_PAD_PROBE_TYPE_BUFFER,
                                              on_pump_buffer, gst_object_ref (appsrc),
                                              gst_object_unref);
  GST_INFO ("preview on: %" GST_PTR_FORMAT, caps);
  return TRUE;
}

void
_zero_preview_disable (ZeroMediaSource *self)
{
  if (self->preview_bin == NULL)
    return;

  /* The probe first, so no new frame reaches the appsrc; then the branch's thread. */
  if (self->preview_probe_id != 0 && self->video_pump != NULL)
    {
      g_autoptr(GstPad) pump_src = gst_element_get_static_pad (self->video_pump, "src");
      gst_pad_remove_probe (pump_src, self->preview_probe_id);
    }
  self->preview_probe_id = 0;
  gst_element_set_locked_state (self->preview_bin, TRUE);
  gst_element_set_state (self->preview_bin, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self->pipeline), self->preview_bin);
  self->preview_bin = NULL;
  self->preview_appsrc = NULL;

  /* No streaming thread can post any more: drop what is pending. */
  g_mutex_lock (&self->preview_lock);
  if (self->preview_source != NULL)
    {
      g_source_destroy (self->preview_source);
      g_clear_pointer (&self->preview_source, g_source_unref);
    }
  g_clear_pointer (&self->preview_sample, gst_sample_unref);
  g_mutex_unlock (&self->preview_lock);
  GST_INFO ("preview off");
}

/* zero-screen-share.c: a screen (PipeWire ScreenCast stream) as a third kind, with its
 * own encoder and tee, added and removed while the call runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-source-private.h"

#include <unistd.h>

#define GST_CAT_DEFAULT zero_media_debug

#define SCREEN_MAX_WIDTH 1920
#define SCREEN_MAX_HEIGHT 1088

void
_zero_screen_teardown (ZeroMediaSource *self)
{
  if (self->screen_elements != NULL)
    {
      for (guint i = 0; i < self->screen_elements->len; i++)
        {
          GstElement *element = g_ptr_array_index (self->screen_elements, i);

          gst_element_set_locked_state (element, TRUE);
          gst_element_set_state (element, GST_STATE_NULL);
          gst_bin_remove (GST_BIN (self->pipeline), element);
        }
      g_clear_pointer (&self->screen_elements, g_ptr_array_unref);
    }
  g_clear_pointer (&self->screen, _zero_encode_chain_free);
  /* pipewiresrc connects on a dup() of its fd and never closes the one it was given
   * (gstreamer1.0-pipewire 0.3.65): it is ours to close, once the source is gone. */
  if (self->screen_fd >= 0)
    {
      close (self->screen_fd);
      self->screen_fd = -1;
    }
}

/* Takes ownership of @src (floating). */
static gboolean
add_screen_with_source (ZeroMediaSource *self,
                        GstElement      *src,
                        GError         **error)
{
  g_autoptr(GstCaps) raw = gst_caps_from_string ("video/x-raw");
  g_autoptr(GstCaps) out = NULL;
  g_autoptr(GstPad) last_src = NULL;
  g_autoptr(GstPad) enc_sink = NULL;
  GstElement *raw_caps, *convert, *scale, *rate, *caps;
  GstState state = GST_STATE_NULL;

  if (self->screen != NULL)
    {
      gst_object_unref (gst_object_ref_sink (src));
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_STATE,
                   "A screen is already being shared");
      return FALSE;
    }

  raw_caps = _zero_make_element ("capsfilter", "zero-screen-any-raw", error);
  convert = _zero_make_element ("videoconvert", "zero-screen-convert", error);
  scale = _zero_make_element ("videoscale", "zero-screen-scale", error);
  rate = _zero_make_element ("videorate", "zero-screen-rate", error);
  caps = _zero_make_element ("capsfilter", "zero-screen-caps", error);
  if (!raw_caps || !convert || !scale || !rate || !caps)
    {
      GstElement *all[] = { src, raw_caps, convert, scale, rate, caps };
      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        if (all[i] != NULL)
          gst_object_unref (gst_object_ref_sink (all[i]));
      return FALSE;
    }
  /* Native size up to Full HD, at a screen-share rate. */
  out = gst_caps_new_simple ("video/x-raw",
                             "format", G_TYPE_STRING, "I420",
                             "width", GST_TYPE_INT_RANGE, 16, SCREEN_MAX_WIDTH,
                             "height", GST_TYPE_INT_RANGE, 16, SCREEN_MAX_HEIGHT,
                             "framerate", GST_TYPE_FRACTION, self->opts.screen_fps, 1,
                             "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
                             NULL);
  g_object_set (raw_caps, "caps", raw, NULL);
  g_object_set (caps, "caps", out, NULL);
  g_object_set (rate, "drop-only", TRUE, "skip-to-first", TRUE, NULL);

  self->screen_elements = g_ptr_array_new ();
  {
    GstElement *all[] = { src, raw_caps, convert, scale, rate, caps };
    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      {
        gst_bin_add (GST_BIN (self->pipeline), all[i]);
        _zero_mark_ours (all[i]);
        g_ptr_array_add (self->screen_elements, all[i]);
      }
  }

  self->screen = _zero_encode_chain_new (GST_BIN (self->pipeline), ZERO_MEDIA_KIND_SCREEN,
                                         &self->opts, error);
  if (self->screen == NULL)
    {
      _zero_screen_teardown (self);
      return FALSE;
    }
  last_src = gst_element_get_static_pad (caps, "src");
  enc_sink = _zero_encode_chain_get_sink (self->screen);
  if (!gst_element_link_many (src, raw_caps, convert, scale, rate, caps, NULL) ||
      gst_pad_link (last_src, enc_sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not link the screen capture to its encoder");
      _zero_screen_teardown (self);
      return FALSE;
    }

  gst_element_get_state (GST_ELEMENT (self->pipeline), &state, NULL, 0);
  if (state > GST_STATE_NULL)
    {
      /* Downstream first, so nothing pushes into an element that is not running yet. */
      GstElement *order[] = { self->screen->tee, self->screen->capsfilter,
                              self->screen->encoder, self->screen->queue,
                              caps, rate, scale, convert, raw_caps, src };
      for (guint i = 0; i < G_N_ELEMENTS (order); i++)
        if (!gst_element_sync_state_with_parent (order[i]))
          {
            g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_DEVICE_FAILED,
                         "Could not start the screen capture (%s)",
                         GST_OBJECT_NAME (order[i]));
            _zero_screen_teardown (self);
            return FALSE;
          }
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
    }
  g_object_notify (G_OBJECT (self), "screen-active");
  return TRUE;
}

gboolean
zero_media_source_add_screen (ZeroMediaSource *self,
                              int              pw_fd,
                              guint32          node_id,
                              GError         **error)
{
  g_autofree char *path = NULL;
  GstElement *src;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pw_fd < 0)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "Screen share needs the PipeWire fd from the ScreenCast portal");
      return FALSE;
    }
  if (!(src = _zero_make_element ("pipewiresrc", "zero-screen-source", error)))
    {
      close (pw_fd);
      return FALSE;
    }
  if (self->screen != NULL)
    {
      /* Refused below; the fd is still ours to close. */
      close (pw_fd);
      return add_screen_with_source (self, src, error);
    }
  path = g_strdup_printf ("%u", node_id);
  g_object_set (src, "fd", pw_fd, "path", path, "client-name", "Zero screen share",
                "do-timestamp", TRUE, NULL);
  /* Kept open while the source lives; the teardown closes it. */
  self->screen_fd = pw_fd;
  if (!add_screen_with_source (self, src, error))
    {
      if (self->screen_fd >= 0)
        close (self->screen_fd);
      self->screen_fd = -1;
      return FALSE;
    }
  return TRUE;
}

gboolean
zero_media_source_add_screen_target (ZeroMediaSource *self,
                                     const char      *target,
                                     GError         **error)
{
  GstElement *src;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (target == NULL)
    {
      if (!(src = _zero_make_element ("videotestsrc", "zero-screen-source", error)))
        return FALSE;
      g_object_set (src, "is-live", TRUE, "horizontal-speed", 2, NULL);
      gst_util_set_object_arg (G_OBJECT (src), "pattern", "smpte");
    }
  else
    {
      if (!(src = _zero_make_element ("pipewiresrc", "zero-screen-source", error)))
        return FALSE;
      g_object_set (src, "target-object", target, "client-name", "Zero screen share",
                    "do-timestamp", TRUE, NULL);
    }
  return add_screen_with_source (self, src, error);
}

void
zero_media_source_remove_screen (ZeroMediaSource *self)
{
  g_return_if_fail (ZERO_IS_MEDIA_SOURCE (self));

  if (self->screen == NULL)
    return;
  _zero_screen_teardown (self);
  g_object_notify (G_OBJECT (self), "screen-active");
}

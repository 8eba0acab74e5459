/* zero-video-capture.c: camera selection and capture bins, the frame pump that keeps the
 * encoder fed at W x H @ fps whatever the camera does, pause (camera closed), and the frame
 * stamp.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-source-private.h"

#include <gst/video/video.h>

#include "camera/zero-frame-pump.h"
#include "camera/zero-frame-stamp.h"

#define GST_CAT_DEFAULT zero_media_debug

static char *
describe_devices (GPtrArray *devices)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < devices->len; i++)
    {
      ZeroMediaDevice *d = g_ptr_array_index (devices, i);
      g_string_append_printf (text, "%s'%s' (%s %s)", i ? ", " : "", d->name, d->api, d->id);
    }
  if (text->len == 0)
    g_string_append (text, "none");
  return g_string_free (text, FALSE);
}

/* Checks an explicit choice, or turns AUTO into a concrete one. On return *device holds
 * what the capture element takes (or NULL). */
gboolean
_zero_video_resolve (ZeroMediaSource     *self,
                     ZeroVideoSourceType *type,
                     char               **device,
                     GError             **error)
{
  g_autoptr(ZeroMediaDevice) found = NULL;

  switch (*type)
    {
    case ZERO_VIDEO_SOURCE_TEST:
    case ZERO_VIDEO_SOURCE_NONE:
      g_clear_pointer (device, g_free);
      return TRUE;

    case ZERO_VIDEO_SOURCE_V4L2:
      if (*device == NULL)
        {
          found = zero_device_list_find (_zero_media_source_ensure_devices (self),
                                         ZERO_DEVICE_VIDEO_SOURCE, "v4l2", NULL);
          if (found == NULL && g_file_test ("/dev/video0", G_FILE_TEST_EXISTS))
            *device = g_strdup ("/dev/video0");
          else if (found != NULL)
            *device = g_strdup (found->id);
          else
            {
              g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_NO_DEVICE,
                           "No V4L2 camera found (no /dev/video* device)");
              return FALSE;
            }
        }
      if (!g_file_test (*device, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_NO_DEVICE,
                       "Video device '%s' does not exist", *device);
          return FALSE;
        }
      return TRUE;

    case ZERO_VIDEO_SOURCE_PIPEWIRE:
      {
        ZeroDeviceList *list = _zero_media_source_ensure_devices (self);

        found = zero_device_list_find (list, ZERO_DEVICE_VIDEO_SOURCE, "pipewire", *device);
        if (found == NULL)
          {
            g_autoptr(GPtrArray) all = zero_device_list_get (list, ZERO_DEVICE_VIDEO_SOURCE);
            g_autofree char *names = describe_devices (all);

            if (*device != NULL)
              g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_NO_DEVICE,
                           "PipeWire camera '%s' not found; cameras available: %s",
                           *device, names);
            else if (self->camera_remote != NULL)
              g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_NO_DEVICE,
                           "No camera on the PipeWire remote (fd %d)",
                           zero_camera_remote_get_fd (self->camera_remote));
            else
              g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_NO_DEVICE,
                           "No PipeWire camera found (is PipeWire running?); cameras "
                           "available: %s", names);
            return FALSE;
          }
        /* The node name is stable across restarts of the node, the serial is not. */
        g_free (*device);
        *device = g_strdup (found->node_name ? found->node_name : found->id);
        return TRUE;
      }

    case ZERO_VIDEO_SOURCE_AUTO:
      {
        ZeroDeviceList *list = _zero_media_source_ensure_devices (self);

        if ((found = zero_device_list_find (list, ZERO_DEVICE_VIDEO_SOURCE, "pipewire",
                                            *device)))
          {
            *type = ZERO_VIDEO_SOURCE_PIPEWIRE;
            g_free (*device);
            *device = g_strdup (found->node_name ? found->node_name : found->id);
            return TRUE;
          }
        if ((found = zero_device_list_find (list, ZERO_DEVICE_VIDEO_SOURCE, "v4l2", *device)))
          {
            *type = ZERO_VIDEO_SOURCE_V4L2;
            g_free (*device);
            *device = g_strdup (found->id);
            return TRUE;
          }
        if (*device != NULL)
          {
            g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_NO_DEVICE,
                         "Camera '%s' not found", *device);
            return FALSE;
          }
        *type = ZERO_VIDEO_SOURCE_NONE;
        return TRUE;
      }
    }
  g_return_val_if_reached (FALSE);
}

static GstCaps *
raw_caps (ZeroMediaSource *self)
{
  return gst_caps_new_simple ("video/x-raw",
                              "format", G_TYPE_STRING, "I420",
                              "width", G_TYPE_INT, self->opts.width,
                              "height", G_TYPE_INT, self->opts.height,
                              "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
                              NULL);
}

/* Counts captured frames and writes the frame stamp (capture time, µs). */
static GstPadProbeReturn
on_capture_buffer (GstPad          *pad,
                   GstPadProbeInfo *info,
                   gpointer         user_data)
{
  ZeroMediaSource *self = user_data;

  g_mutex_lock (&self->stats_lock);
  self->video_frames++;
  g_mutex_unlock (&self->stats_lock);

  if (self->opts.frame_stamp)
    {
      GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
      GstVideoInfo vinfo;
      GstVideoFrame frame;

      GST_PAD_PROBE_INFO_DATA (info) = buffer;
      gst_video_info_set_format (&vinfo, GST_VIDEO_FORMAT_I420, self->opts.width,
                                 self->opts.height);
      if (gst_video_frame_map (&frame, &vinfo, buffer, GST_MAP_READWRITE))
        {
          zero_frame_stamp_write (&frame, zero_frame_stamp_now ());
          gst_video_frame_unmap (&frame);
        }
    }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_device_buffer (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  zero_frame_pump_mark_device_memory (GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_capture_bin (ZeroMediaSource     *self,
                  ZeroVideoSourceType  type,
                  const char          *device,
                  GError             **error)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("zero-video-capture-%u",
                                           g_atomic_int_add (&counter, 1));
  g_autoptr(GstElement) bin = gst_object_ref_sink (gst_bin_new (name));
  g_autoptr(GstCaps) out_caps = raw_caps (self);
  g_autoptr(GstPad) src_pad = NULL;
  GstElement *src, *last;

  if (type == ZERO_VIDEO_SOURCE_TEST)
    {
      GstElement *caps;

      if (!(src = _zero_make_element ("videotestsrc", NULL, error)))
        return NULL;
      /* Moving colour bars: bright, and every frame differs, like a real camera. */
      g_object_set (src, "is-live", TRUE, "horizontal-speed", 4, NULL);
      gst_util_set_object_arg (G_OBJECT (src), "pattern", "smpte");
      caps = _zero_make_element ("capsfilter", NULL, error);
      gst_caps_set_simple (out_caps, "framerate", GST_TYPE_FRACTION, self->opts.fps, 1, NULL);
      g_object_set (caps, "caps", out_caps, NULL);
      gst_bin_add_many (GST_BIN (bin), src, caps, NULL);
      gst_element_link (src, caps);
      last = caps;
    }
  else
    {
      GstElement *prefs, *convert, *scale, *caps;
      g_autoptr(GstCaps) pref_caps = NULL;

      if (type == ZERO_VIDEO_SOURCE_PIPEWIRE)
        {
          if (!(src = _zero_media_source_make_camera_src (self, error)))
            return NULL;
          /* Some PipeWire producers send no timestamps: stamp capture time here. */
          g_object_set (src, "client-name", "Zero", "do-timestamp", TRUE, NULL);
          if (device != NULL)
            g_object_set (src, "target-object", device, NULL);
        }
      else
        {
          if (!(src = _zero_make_element ("v4l2src", NULL, error)))
            return NULL;
          g_object_set (src, "device", device, NULL);
        }
      /* Its buffers may be the device's own memory: see the pump's copy rule. */
      {
        g_autoptr(GstPad) device_src = gst_element_get_static_pad (src, "src");
        gst_pad_add_probe (device_src, GST_PAD_PROBE_TYPE_BUFFER, on_device_buffer, NULL,
                           NULL);
      }
      /* pipewiresrc hangs without caps after it; ask for the wanted size and rate first. */
      pref_caps = gst_caps_from_string ("video/x-raw");
      {
        g_autoptr(GstCaps) exact = gst_caps_new_simple (
            "video/x-raw", "width", G_TYPE_INT, self->opts.width, "height", G_TYPE_INT,
            self->opts.height, "framerate", GST_TYPE_FRACTION, self->opts.fps, 1, NULL);
        pref_caps = gst_caps_merge (g_steal_pointer (&exact), g_steal_pointer (&pref_caps));
      }
      prefs = _zero_make_element ("capsfilter", NULL, error);
      convert = _zero_make_element ("videoconvert", NULL, error);
      scale = _zero_make_element ("videoscale", NULL, error);
      caps = _zero_make_element ("capsfilter", NULL, error);
      if (!prefs || !convert || !scale || !caps)
        {
          gst_object_unref (gst_object_ref_sink (src));
          return NULL;
        }
      g_object_set (prefs, "caps", pref_caps, NULL);
      g_object_set (caps, "caps", out_caps, NULL);
      gst_bin_add_many (GST_BIN (bin), src, prefs, convert, scale, caps, NULL);
      if (!gst_element_link_many (src, prefs, convert, scale, caps, NULL))
        {
          g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                       "Could not link the camera capture elements");
          return NULL;
        }
      last = caps;
    }

  {
    g_autoptr(GstPad) target = gst_element_get_static_pad (last, "src");
    src_pad = gst_ghost_pad_new ("src", target);
    gst_pad_add_probe (src_pad, GST_PAD_PROBE_TYPE_BUFFER, on_capture_buffer, self, NULL);
    gst_element_add_pad (bin, g_steal_pointer (&src_pad));
  }
  return g_steal_pointer (&bin);
}

gboolean
_zero_video_build (ZeroMediaSource *self,
                   GError         **error)
{
  g_autoptr(GstPad) pump_src = NULL;
  g_autoptr(GstPad) enc_sink = NULL;
  GstElement *pump;

  /* The pump sends W x H @ fps from the start, black until a camera delivers, and keeps
   * its timeline whatever the camera does: see zero-frame-pump.h. */
  pump = zero_frame_pump_new ("zero-video-pump", self->opts.width, self->opts.height,
                              self->opts.fps);
  gst_bin_add (GST_BIN (self->pipeline), pump);
  _zero_mark_ours (pump);
  self->video_pump = pump;
  zero_frame_pump_set_blank (ZERO_FRAME_PUMP (pump), self->video_paused);

  self->video = _zero_encode_chain_new (GST_BIN (self->pipeline), ZERO_MEDIA_KIND_VIDEO,
                                        &self->opts, error);
  if (self->video == NULL)
    return FALSE;
  pump_src = gst_element_get_static_pad (pump, "src");
  enc_sink = _zero_encode_chain_get_sink (self->video);
  if (gst_pad_link (pump_src, enc_sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not link the video frame pump to the encoder");
      return FALSE;
    }
  return TRUE;
}

/* Builds and plugs in the capture bin of the camera chosen in self->video_capture. */
static gboolean
open_capture (ZeroMediaSource *self,
              GError         **error)
{
  ZeroCapture *capture = &self->video_capture;
  GstElement *bin;
  gboolean ok;

  g_assert (capture->bin == NULL);
  bin = make_capture_bin (self, capture->type, capture->device_spec, error);
  if (bin == NULL)
    return FALSE;
  /* The pipeline holds the bin from here on. */
  ok = _zero_capture_attach (self, capture, bin, self->video_pump, error);
  gst_object_unref (bin);
  return ok;
}

/* Stops the camera and takes its bin out; the pump sends black from the next frame. */
static void
close_capture (ZeroMediaSource *self)
{
  _zero_capture_detach (self, &self->video_capture, self->video_pump);
  if (self->video_pump != NULL)
    zero_frame_pump_clear (ZERO_FRAME_PUMP (self->video_pump));
}

static void
set_no_camera (ZeroMediaSource *self)
{
  _zero_capture_clear (&self->video_capture);
  self->video_capture.type = ZERO_VIDEO_SOURCE_NONE;
  self->video_capture.description = g_strdup ("none");
}

gboolean
_zero_video_attach (ZeroMediaSource     *self,
                    ZeroVideoSourceType  type,
                    const char          *device,
                    GError             **error)
{
  ZeroCapture *capture = &self->video_capture;

  g_return_val_if_fail (capture->bin == NULL, FALSE);

  set_no_camera (self);
  if (type == ZERO_VIDEO_SOURCE_NONE)
    return TRUE;

  g_clear_pointer (&capture->description, g_free);
  capture->type = type;
  capture->device_spec = g_strdup (device);
  if (type == ZERO_VIDEO_SOURCE_TEST)
    capture->description = g_strdup ("test");
  else
    capture->description = g_strdup_printf (
        "%s:%s", zero_video_source_type_to_string (type), device ? device : "default");

  /* While video is paused the camera stays closed (its light off) until resumed. */
  if (self->video_paused)
    {
      GST_INFO ("video paused: %s chosen, opened on resume", capture->description);
      return TRUE;
    }
  if (!open_capture (self, error))
    {
      set_no_camera (self);
      return FALSE;
    }
  return TRUE;
}

void
_zero_video_detach (ZeroMediaSource *self)
{
  close_capture (self);
  set_no_camera (self);
}

void
_zero_video_apply_paused (ZeroMediaSource *self)
{
  g_autoptr(GError) error = NULL;
  ZeroCapture *capture = &self->video_capture;

  if (self->video_pump == NULL)
    return;
  /* Black at once, from the pump's next frame: the stream, its caps and the encoder are
   * untouched, and black frames cost the encoder almost nothing. */
  zero_frame_pump_set_blank (ZERO_FRAME_PUMP (self->video_pump), self->video_paused);

  if (self->video_paused)
    {
      /* Release the camera (its light goes off); the choice is kept for the resume. */
      if (capture->bin != NULL)
        {
          GST_INFO ("video paused: closing %s", capture->description);
          close_capture (self);
        }
      return;
    }
  if (capture->bin != NULL || capture->type == ZERO_VIDEO_SOURCE_NONE)
    return;
  GST_INFO ("video resumed: opening %s", capture->description);
  if (!open_capture (self, &error))
    {
      g_autofree char *what = g_strdup (capture->description);

      set_no_camera (self);
      _zero_media_source_notice (self, "The camera (%s) could not be opened again: %s. "
                                 "Sending black video until another camera is chosen.",
                                 what, error->message);
    }
}

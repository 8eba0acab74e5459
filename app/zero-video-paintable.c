/* zero-video-paintable.c: GstSample → GdkMemoryTexture, newest frame only.
 *
 * Threading: the paintable lives on the main thread, and
 * zero_video_paintable_push_sample() must be called there.
 * zero_video_paintable_connect_appsink() follows the project's threading
 * rule: the appsink callback (a streaming thread) only puts its sample into
 * a one-slot mailbox with an atomic exchange and, when the slot was empty,
 * posts to the main context; a sample that replaces one still in the slot
 * counts as dropped. No lock, no queue that can grow, and the main thread
 * never sees more than one stale frame. */

#include "zero-video-paintable.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <glib/gi18n.h>

#include "zero-app-error.h"

typedef struct
{
  gatomicrefcount ref_count;
  GWeakRef paintable;
  GMainContext *context;
  GstSample *slot;     /* atomic: newest sample not yet taken by the main thread */
  int replaced;        /* atomic: samples replaced in the slot since the last take */
} SinkMailbox;

struct _ZeroVideoPaintable
{
  GObject parent_instance;

  GstSample *pending;  /* newest frame, not yet shown */
  GstCaps *caps;       /* caps of @pending; @info and @format describe them */
  GstVideoInfo info;
  GdkMemoryFormat format;
  GstSample *current;  /* the frame being shown, with the @info it was pushed with */
  GstVideoInfo current_info;
  GdkMemoryFormat current_format;
  GdkTexture *texture; /* @current as a texture, made when first needed */
  cairo_surface_t *surface; /* @current as a cairo image, made when first needed */
  gboolean cairo_drawing;   /* drawn by GTK's cairo renderer: see snapshot() */

  int width;           /* intrinsic (display) size, 0 until the first frame */
  int height;

  guint64 received;
  guint64 shown;
  guint64 dropped;
  gboolean warned;
};

static void zero_video_paintable_paintable_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ZeroVideoPaintable, zero_video_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      zero_video_paintable_paintable_init))

/* Mailbox between an appsink's streaming thread and the main thread. */

static SinkMailbox *
sink_mailbox_ref (SinkMailbox *box)
{
  g_atomic_ref_count_inc (&box->ref_count);
  return box;
}

static void
sink_mailbox_unref (gpointer data)
{
  SinkMailbox *box = data;
  GstSample *sample;

  if (!g_atomic_ref_count_dec (&box->ref_count))
    return;

  sample = g_atomic_pointer_exchange (&box->slot, NULL);
  g_clear_pointer (&sample, gst_sample_unref);
  g_weak_ref_clear (&box->paintable);
  g_main_context_unref (box->context);
  g_free (box);
}

static gboolean
on_mailbox_ready (gpointer data)
{
  SinkMailbox *box = data;
  g_autoptr(ZeroVideoPaintable) self = g_weak_ref_get (&box->paintable);
  g_autoptr(GstSample) sample = g_atomic_pointer_exchange (&box->slot, NULL);
  int replaced = g_atomic_int_exchange (&box->replaced, 0);
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  self->received += replaced;
  self->dropped += replaced;

  if (sample != NULL && !zero_video_paintable_push_sample (self, sample, &error) && !self->warned)
    {
      /* Once per paintable: a wrong caps filter would otherwise flood the log. */
      g_warning ("Cannot show video: %s", error->message);
      self->warned = TRUE;
    }

  return G_SOURCE_REMOVE;
}

static void
mailbox_post (SinkMailbox *box,
              GstSample   *sample)
{
  GstSample *old = g_atomic_pointer_exchange (&box->slot, sample);

  if (old != NULL)
    {
      /* The main thread has not taken the previous frame yet: it is late. */
      gst_sample_unref (old);
      g_atomic_int_inc (&box->replaced);
      return;
    }

  /* Always a source, never g_main_context_invoke(): that would run the
   * callback right here, in the streaming thread, whenever the main thread
   * is not iterating its context at that moment. */
  {
    GSource *source = g_idle_source_new ();

    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, on_mailbox_ready, sink_mailbox_ref (box), sink_mailbox_unref);
    g_source_set_static_name (source, "[zero] video frame hand-over");
    g_source_attach (source, box->context);
    g_source_unref (source);
  }
}

static GstFlowReturn
on_new_sample (GstAppSink *appsink,
               gpointer    user_data)
{
  GstSample *sample = gst_app_sink_pull_sample (appsink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  mailbox_post (user_data, sample);
  return GST_FLOW_OK;
}

/* Frames → textures. */

typedef struct
{
  GstVideoFrame frame; /* holds a reference on the buffer while mapped */
} MappedFrame;

static void
mapped_frame_free (gpointer data)
{
  MappedFrame *mapped = data;

  gst_video_frame_unmap (&mapped->frame);
  g_free (mapped);
}

static gboolean
gdk_format_for_video (GstVideoFormat   format,
                      GdkMemoryFormat *out)
{
  /* Camera and decoder output is opaque, where premultiplied and straight
   * alpha are the same bytes; declaring it premultiplied lets GTK upload the
   * texture as it is instead of converting it first. */
  switch (format)
    {
    case GST_VIDEO_FORMAT_BGRA:
      *out = GDK_MEMORY_B8G8R8A8_PREMULTIPLIED;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBA:
      *out = GDK_MEMORY_R8G8B8A8_PREMULTIPLIED;
      return TRUE;
    case GST_VIDEO_FORMAT_ARGB:
      *out = GDK_MEMORY_A8R8G8B8_PREMULTIPLIED;
      return TRUE;
    case GST_VIDEO_FORMAT_ABGR:
      *out = GDK_MEMORY_A8B8G8R8;
      return TRUE;
    case GST_VIDEO_FORMAT_RGB:
      *out = GDK_MEMORY_R8G8B8;
      return TRUE;
    case GST_VIDEO_FORMAT_BGR:
      *out = GDK_MEMORY_B8G8R8;
      return TRUE;
    default:
      return FALSE;
    }
}

static MappedFrame *
map_sample (GstSample          *sample,
            const GstVideoInfo *info)
{
  MappedFrame *mapped = g_new0 (MappedFrame, 1);

  if (!gst_video_frame_map (&mapped->frame, info, gst_sample_get_buffer (sample), GST_MAP_READ))
    {
      g_free (mapped);
      return NULL;
    }
  return mapped;
}

static GdkTexture *
texture_from_sample (GstSample          *sample,
                     const GstVideoInfo *info,
                     GdkMemoryFormat     format)
{
  g_autoptr(GBytes) bytes = NULL;
  MappedFrame *mapped = map_sample (sample, info);
  int width = GST_VIDEO_INFO_WIDTH (info);
  int height = GST_VIDEO_INFO_HEIGHT (info);
  gsize stride;
  gsize size;

  if (mapped == NULL)
    return NULL;

  /* No copy: the texture reads the mapped buffer, which stays mapped (and
   * referenced) until the texture lets go of the bytes. */
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0);
  size = stride * (height - 1) + (gsize) width * GST_VIDEO_FRAME_COMP_PSTRIDE (&mapped->frame, 0);
  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (&mapped->frame, 0), size,
                                      mapped_frame_free, mapped);
  return gdk_memory_texture_new (width, height, format, bytes, stride);
}

/* Cairo's 32-bit image format is premultiplied native-endian ARGB: BGRA bytes on a
 * little-endian machine. The frames are opaque, so RGB24 (alpha ignored) lets pixman copy
 * instead of blend. */
static gboolean
cairo_format_for (GdkMemoryFormat format)
{
  return format == GDK_MEMORY_DEFAULT && G_BYTE_ORDER == G_LITTLE_ENDIAN;
}

static cairo_surface_t *
surface_from_sample (GstSample          *sample,
                     const GstVideoInfo *info)
{
  static const cairo_user_data_key_t frame_key;
  MappedFrame *mapped = map_sample (sample, info);
  cairo_surface_t *surface;

  if (mapped == NULL)
    return NULL;
  /* No copy: the surface reads the mapped buffer until cairo lets go of it. */
  surface = cairo_image_surface_create_for_data (GST_VIDEO_FRAME_PLANE_DATA (&mapped->frame, 0),
                                                 CAIRO_FORMAT_RGB24,
                                                 GST_VIDEO_INFO_WIDTH (info),
                                                 GST_VIDEO_INFO_HEIGHT (info),
                                                 GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0));
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS ||
      cairo_surface_set_user_data (surface, &frame_key, mapped, mapped_frame_free) !=
          CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      mapped_frame_free (mapped);
      return NULL;
    }
  return surface;
}

/* A frame that cannot be mapped is dropped, with one warning per paintable. */
static void
drop_current (ZeroVideoPaintable *self)
{
  if (!self->warned)
    g_warning ("Cannot map a %dx%d video frame", GST_VIDEO_INFO_WIDTH (&self->current_info),
               GST_VIDEO_INFO_HEIGHT (&self->current_info));
  self->warned = TRUE;
  self->dropped++;
  g_clear_pointer (&self->current, gst_sample_unref);
}

/* Makes the pending sample, if any, the frame on screen. */
static void
realize_pending (ZeroVideoPaintable *self)
{
  if (self->pending == NULL)
    return;

  g_clear_pointer (&self->current, gst_sample_unref);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  self->current = g_steal_pointer (&self->pending);
  self->current_info = self->info;
  self->current_format = self->format;
  self->shown++;
}

static GdkTexture *
ensure_texture (ZeroVideoPaintable *self)
{
  realize_pending (self);
  if (self->texture == NULL && self->current != NULL)
    {
      self->texture = texture_from_sample (self->current, &self->current_info,
                                           self->current_format);
      if (self->texture == NULL)
        drop_current (self);
    }
  return self->texture;
}

static cairo_surface_t *
ensure_surface (ZeroVideoPaintable *self)
{
  realize_pending (self);
  if (self->surface == NULL && self->current != NULL)
    {
      self->surface = surface_from_sample (self->current, &self->current_info);
      if (self->surface == NULL)
        drop_current (self);
    }
  return self->surface;
}

/* GdkPaintable */

/* GTK 4.8's cairo renderer draws a texture by converting every pixel through floats
 * into a new image and scaling it with cairo's slow "good" filter, on every frame:
 * 60 % of a core for three 640x480 tiles. Drawing the frame as a cairo image ourselves
 * costs one bilinear scale. The GL renderer takes the texture as it is. */
static void
snapshot_with_cairo (ZeroVideoPaintable *self,
                     GdkSnapshot        *snapshot,
                     double              width,
                     double              height)
{
  cairo_surface_t *surface = ensure_surface (self);
  int frame_width, frame_height;
  double sx, sy;
  cairo_t *cr;

  if (surface == NULL)
    return;
  frame_width = cairo_image_surface_get_width (surface);
  frame_height = cairo_image_surface_get_height (surface);
  sx = width / frame_width;
  sy = height / frame_height;
  cr = gtk_snapshot_append_cairo (GTK_SNAPSHOT (snapshot),
                                  &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_scale (cr, sx, sy);
  cairo_set_source_surface (cr, surface, 0, 0);
  /* Bilinear is sharp enough down to half size; below, average more pixels. */
  cairo_pattern_set_filter (cairo_get_source (cr),
                            MIN (sx, sy) >= 0.5 ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, frame_width, frame_height);
  cairo_fill (cr);
  cairo_destroy (cr);
}

static void
zero_video_paintable_snapshot (GdkPaintable *paintable,
                               GdkSnapshot  *snapshot,
                               double        width,
                               double        height)
{
  ZeroVideoPaintable *self = ZERO_VIDEO_PAINTABLE (paintable);
  GdkTexture *texture;

  realize_pending (self);
  if (self->current == NULL || width <= 0 || height <= 0)
    return;
  if (self->cairo_drawing && cairo_format_for (self->current_format))
    snapshot_with_cairo (self, snapshot, width, height);
  else if ((texture = ensure_texture (self)) != NULL)
    gdk_paintable_snapshot (GDK_PAINTABLE (texture), snapshot, width, height);
}

static GdkPaintable *
zero_video_paintable_get_current_image (GdkPaintable *paintable)
{
  ZeroVideoPaintable *self = ZERO_VIDEO_PAINTABLE (paintable);
  GdkTexture *texture = ensure_texture (self);

  if (texture != NULL)
    return g_object_ref (GDK_PAINTABLE (texture));
  return gdk_paintable_new_empty (self->width, self->height);
}

static int
zero_video_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  return ZERO_VIDEO_PAINTABLE (paintable)->width;
}

static int
zero_video_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  return ZERO_VIDEO_PAINTABLE (paintable)->height;
}

static double
zero_video_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  ZeroVideoPaintable *self = ZERO_VIDEO_PAINTABLE (paintable);

  if (self->width <= 0 || self->height <= 0)
    return 0.0;
  return (double) self->width / (double) self->height;
}

static void
zero_video_paintable_paintable_init (GdkPaintableInterface *iface)
{
  iface->snapshot = zero_video_paintable_snapshot;
  iface->get_current_image = zero_video_paintable_get_current_image;
  iface->get_intrinsic_width = zero_video_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = zero_video_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = zero_video_paintable_get_intrinsic_aspect_ratio;
}

/* GObject */

static void
zero_video_paintable_dispose (GObject *object)
{
  ZeroVideoPaintable *self = ZERO_VIDEO_PAINTABLE (object);

  g_clear_pointer (&self->pending, gst_sample_unref);
  g_clear_pointer (&self->current, gst_sample_unref);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->surface, cairo_surface_destroy);

  G_OBJECT_CLASS (zero_video_paintable_parent_class)->dispose (object);
}

static void
zero_video_paintable_finalize (GObject *object)
{
  ZeroVideoPaintable *self = ZERO_VIDEO_PAINTABLE (object);

  gst_clear_caps (&self->caps);

  G_OBJECT_CLASS (zero_video_paintable_parent_class)->finalize (object);
}

static void
zero_video_paintable_class_init (ZeroVideoPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zero_video_paintable_dispose;
  object_class->finalize = zero_video_paintable_finalize;
}

static void
zero_video_paintable_init (ZeroVideoPaintable *self)
{
  gst_video_info_init (&self->info);
  gst_video_info_init (&self->current_info);
}

/* Public API */

ZeroVideoPaintable *
zero_video_paintable_new (void)
{
  return g_object_new (ZERO_TYPE_VIDEO_PAINTABLE, NULL);
}

/**
 * zero_video_paintable_push_sample:
 * @sample: a frame of raw video in one of %ZERO_VIDEO_PAINTABLE_CAPS
 *
 * Makes @sample the next frame to draw. Call it on the main thread. If the
 * previous frame has not been drawn yet it is dropped, never queued.
 *
 * Returns: %FALSE with @error when @sample cannot be shown (no buffer, not
 *   raw video, an unsupported format, a buffer smaller than its caps).
 */
gboolean
zero_video_paintable_push_sample (ZeroVideoPaintable *self,
                                  GstSample          *sample,
                                  GError            **error)
{
  GstBuffer *buffer;
  GstCaps *caps;
  gboolean size_changed = FALSE;

  g_return_val_if_fail (ZERO_IS_VIDEO_PAINTABLE (self), FALSE);
  g_return_val_if_fail (GST_IS_SAMPLE (sample), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  buffer = gst_sample_get_buffer (sample);
  caps = gst_sample_get_caps (sample);
  if (buffer == NULL || caps == NULL)
    {
      g_set_error_literal (error, ZERO_APP_ERROR, ZERO_APP_ERROR_UNSUPPORTED_FORMAT,
                           _("The video frame has no data or no format"));
      return FALSE;
    }

  /* Caps rarely change: compare pointers first, then contents. */
  if (caps != self->caps && (self->caps == NULL || !gst_caps_is_equal (caps, self->caps)))
    {
      GstVideoInfo info;
      GdkMemoryFormat format;
      int width, height;

      if (!gst_video_info_from_caps (&info, caps) ||
          !gdk_format_for_video (GST_VIDEO_INFO_FORMAT (&info), &format))
        {
          g_autofree char *text = gst_caps_to_string (caps);

          g_set_error (error, ZERO_APP_ERROR, ZERO_APP_ERROR_UNSUPPORTED_FORMAT,
                       _("Cannot show video of type “%s”: expected packed RGB such as BGRA"),
                       text);
          return FALSE;
        }

      /* The intrinsic size is the display size: apply the pixel aspect ratio. */
      height = GST_VIDEO_INFO_HEIGHT (&info);
      width = (int) gst_util_uint64_scale_int_round (GST_VIDEO_INFO_WIDTH (&info),
                                                     GST_VIDEO_INFO_PAR_N (&info),
                                                     MAX (GST_VIDEO_INFO_PAR_D (&info), 1));
      size_changed = width != self->width || height != self->height;
      self->width = width;
      self->height = height;
      self->info = info;
      self->format = format;
    }
  gst_caps_replace (&self->caps, caps);

  if (gst_buffer_get_video_meta (buffer) == NULL &&
      gst_buffer_get_size (buffer) < GST_VIDEO_INFO_SIZE (&self->info))
    {
      g_set_error (error, ZERO_APP_ERROR, ZERO_APP_ERROR_UNSUPPORTED_FORMAT,
                   _("The video frame holds %lu bytes, less than the %lu its format needs"),
                   (unsigned long) gst_buffer_get_size (buffer),
                   (unsigned long) GST_VIDEO_INFO_SIZE (&self->info));
      return FALSE;
    }

  self->received++;
  if (self->pending != NULL)
    self->dropped++;
  g_clear_pointer (&self->pending, gst_sample_unref);
  self->pending = gst_sample_ref (sample);

  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  return TRUE;
}

/**
 * zero_video_paintable_clear:
 *
 * Forgets the frames (camera turned off, peer gone): the paintable draws
 * nothing and has no intrinsic size until the next frame.
 */
void
zero_video_paintable_clear (ZeroVideoPaintable *self)
{
  g_return_if_fail (ZERO_IS_VIDEO_PAINTABLE (self));

  if (self->pending != NULL)
    self->dropped++;
  g_clear_pointer (&self->pending, gst_sample_unref);
  g_clear_pointer (&self->current, gst_sample_unref);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  gst_clear_caps (&self->caps);
  self->width = self->height = 0;
  gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

/**
 * zero_video_paintable_connect_appsink:
 * @appsink: an appsink whose caps are a subset of %ZERO_VIDEO_PAINTABLE_CAPS
 *
 * Shows the frames of @appsink (replacing its callbacks). Frames reach the
 * paintable on the default main context; late ones are dropped on the way.
 * The appsink may outlive the paintable.
 */
void
zero_video_paintable_connect_appsink (ZeroVideoPaintable *self,
                                      GstElement         *appsink)
{
  GstAppSinkCallbacks callbacks = {
    .new_sample = on_new_sample,
  };
  SinkMailbox *box;

  g_return_if_fail (ZERO_IS_VIDEO_PAINTABLE (self));
  g_return_if_fail (GST_IS_APP_SINK (appsink));

  box = g_new0 (SinkMailbox, 1);
  g_atomic_ref_count_init (&box->ref_count);
  g_weak_ref_init (&box->paintable, self);
  box->context = g_main_context_ref (g_main_context_default ());
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, box, sink_mailbox_unref);
}

/**
 * zero_video_paintable_create_sink:
 * @name: (nullable): the element name
 *
 * Returns: (transfer floating): an appsink feeding this paintable, set up for
 *   live video (BGRA/RGBA caps, at most two queued buffers, late ones dropped).
 */
GstElement *
zero_video_paintable_create_sink (ZeroVideoPaintable *self,
                                  const char         *name)
{
  g_autoptr(GstCaps) caps = NULL;
  GstElement *sink;

  g_return_val_if_fail (ZERO_IS_VIDEO_PAINTABLE (self), NULL);

  sink = gst_element_factory_make ("appsink", name);
  if (sink == NULL)
    return NULL;

  caps = gst_caps_from_string (ZERO_VIDEO_PAINTABLE_CAPS);
  g_object_set (sink,
                "caps", caps,
                "max-buffers", 2,
                "drop", TRUE,
                "enable-last-sample", FALSE,
                "qos", TRUE,
                NULL);
  zero_video_paintable_connect_appsink (self, sink);
  return sink;
}

/**
 * zero_video_paintable_get_texture:
 *
 * Returns: (transfer none) (nullable): the newest frame as a texture.
 */
GdkTexture *
zero_video_paintable_get_texture (ZeroVideoPaintable *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_PAINTABLE (self), NULL);

  return ensure_texture (self);
}

gboolean
zero_video_paintable_has_frame (ZeroVideoPaintable *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_PAINTABLE (self), FALSE);

  return self->pending != NULL || self->current != NULL;
}

/**
 * zero_video_paintable_set_cairo_drawing:
 * @cairo_drawing: whether the widgets showing the paintable are drawn by GTK's cairo
 *   renderer (GskCairoRenderer)
 *
 * With the cairo renderer, frames are drawn as cairo images rather than textures, which
 * that renderer would convert pixel by pixel on every frame. ZeroVideoTile sets it from
 * its window's renderer.
 */
void
zero_video_paintable_set_cairo_drawing (ZeroVideoPaintable *self,
                                        gboolean            cairo_drawing)
{
  g_return_if_fail (ZERO_IS_VIDEO_PAINTABLE (self));

  cairo_drawing = !!cairo_drawing;
  if (self->cairo_drawing == cairo_drawing)
    return;
  self->cairo_drawing = cairo_drawing;
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

/* Frames handed to the paintable, including those dropped on the way from an appsink. */
guint64
zero_video_paintable_get_frames_received (ZeroVideoPaintable *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_PAINTABLE (self), 0);

  return self->received;
}

/* Frames turned into a texture and drawn (or fetched as the current image). */
guint64
zero_video_paintable_get_frames_shown (ZeroVideoPaintable *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_PAINTABLE (self), 0);

  return self->shown;
}

/* Frames replaced by a newer one before they could be drawn. */
guint64
zero_video_paintable_get_frames_dropped (ZeroVideoPaintable *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_PAINTABLE (self), 0);

  return self->dropped;
}

/* zero-video-paintable.h: a GdkPaintable showing the newest frame of a video.
 *
 * Fed with GstSamples of packed RGB video (appsink output). Debian 12 has no
 * GTK4 video sink, so this is the whole path from GStreamer to a GtkPicture:
 * the sample's buffer is wrapped, not copied, into a GdkMemoryTexture, which
 * the renderer uploads. Only the newest frame is kept: a frame that arrives
 * while an earlier one is still waiting to be drawn replaces it (and counts
 * as dropped), so a busy main loop shows fewer frames but never lags. */
#pragma once

#include <gtk/gtk.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define ZERO_TYPE_VIDEO_PAINTABLE (zero_video_paintable_get_type ())

G_DECLARE_FINAL_TYPE (ZeroVideoPaintable, zero_video_paintable, ZERO, VIDEO_PAINTABLE, GObject)

/* Raw video formats the paintable shows without conversion. BGRA first: it is
 * what both the cairo and the GL renderers take as is. */
#define ZERO_VIDEO_PAINTABLE_CAPS "video/x-raw, format = (string) { BGRA, RGBA, ARGB, ABGR, RGB, BGR }"

ZeroVideoPaintable *zero_video_paintable_new                 (void);
gboolean            zero_video_paintable_push_sample         (ZeroVideoPaintable *self,
                                                              GstSample          *sample,
                                                              GError            **error);
void                zero_video_paintable_clear               (ZeroVideoPaintable *self);
GstElement         *zero_video_paintable_create_sink         (ZeroVideoPaintable *self,
                                                              const char         *name);
void                zero_video_paintable_connect_appsink     (ZeroVideoPaintable *self,
                                                              GstElement         *appsink);
GdkTexture         *zero_video_paintable_get_texture         (ZeroVideoPaintable *self);
gboolean            zero_video_paintable_has_frame           (ZeroVideoPaintable *self);
void                zero_video_paintable_set_cairo_drawing   (ZeroVideoPaintable *self,
                                                              gboolean            cairo_drawing);
guint64             zero_video_paintable_get_frames_received (ZeroVideoPaintable *self);
guint64             zero_video_paintable_get_frames_shown    (ZeroVideoPaintable *self);
guint64             zero_video_paintable_get_frames_dropped  (ZeroVideoPaintable *self);

G_END_DECLS

/* zero-video-tile.h: one participant's video with name and status badges. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ZERO_TYPE_CONNECTION_QUALITY (zero_connection_quality_get_type ())

typedef enum
{
  ZERO_CONNECTION_QUALITY_UNKNOWN,   /* no stats yet, or the self-view: no badge */
  ZERO_CONNECTION_QUALITY_BAD,
  ZERO_CONNECTION_QUALITY_POOR,
  ZERO_CONNECTION_QUALITY_GOOD,
  ZERO_CONNECTION_QUALITY_EXCELLENT,
} ZeroConnectionQuality;

GType zero_connection_quality_get_type (void) G_GNUC_CONST;

#define ZERO_TYPE_VIDEO_TILE (zero_video_tile_get_type ())

G_DECLARE_FINAL_TYPE (ZeroVideoTile, zero_video_tile, ZERO, VIDEO_TILE, GtkWidget)

GtkWidget             *zero_video_tile_new                (void);
GdkPaintable          *zero_video_tile_get_paintable      (ZeroVideoTile         *self);
void                   zero_video_tile_set_paintable      (ZeroVideoTile         *self,
                                                           GdkPaintable          *paintable);
const char            *zero_video_tile_get_name           (ZeroVideoTile         *self);
void                   zero_video_tile_set_name           (ZeroVideoTile         *self,
                                                           const char            *name);
gboolean               zero_video_tile_get_audio_muted    (ZeroVideoTile         *self);
void                   zero_video_tile_set_audio_muted    (ZeroVideoTile         *self,
                                                           gboolean               muted);
gboolean               zero_video_tile_get_video_off      (ZeroVideoTile         *self);
void                   zero_video_tile_set_video_off      (ZeroVideoTile         *self,
                                                           gboolean               video_off);
ZeroConnectionQuality  zero_video_tile_get_quality        (ZeroVideoTile         *self);
void                   zero_video_tile_set_quality        (ZeroVideoTile         *self,
                                                           ZeroConnectionQuality  quality);
gboolean               zero_video_tile_get_active_speaker (ZeroVideoTile         *self);
void                   zero_video_tile_set_active_speaker (ZeroVideoTile         *self,
                                                           gboolean               active);
GtkContentFit          zero_video_tile_get_content_fit    (ZeroVideoTile         *self);
void                   zero_video_tile_set_content_fit    (ZeroVideoTile         *self,
                                                           GtkContentFit          fit);
double                 zero_video_tile_get_aspect_ratio   (ZeroVideoTile         *self);
void                   zero_video_tile_set_aspect_ratio   (ZeroVideoTile         *self,
                                                           double                 ratio);

G_END_DECLS

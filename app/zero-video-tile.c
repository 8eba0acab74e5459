/* zero-video-tile.c: one participant's video with name and status badges.
 *
 * The video is a GtkPicture over any GdkPaintable (a ZeroVideoPaintable in a
 * call). When there is no picture to show (camera off, no frame yet) an
 * avatar with the participant's initials takes its place. */

#include "zero-video-tile.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "zero-video-paintable.h"

struct _ZeroVideoTile
{
  GtkWidget parent_instance;

  GdkPaintable *paintable;
  char *name;
  gboolean audio_muted;
  gboolean video_off;
  gboolean active_speaker;
  ZeroConnectionQuality quality;
  double aspect_ratio; /* width / height asked for, 0 to follow the child */

  /* Template children */
  GtkPicture *picture;
  AdwAvatar *avatar;
  GtkLabel *name_label;
  GtkImage *mic_off_icon;
  GtkImage *camera_off_icon;
  GtkImage *quality_icon;
};

G_DEFINE_ENUM_TYPE (ZeroConnectionQuality, zero_connection_quality,
                    G_DEFINE_ENUM_VALUE (ZERO_CONNECTION_QUALITY_UNKNOWN, "unknown"),
                    G_DEFINE_ENUM_VALUE (ZERO_CONNECTION_QUALITY_BAD, "bad"),
                    G_DEFINE_ENUM_VALUE (ZERO_CONNECTION_QUALITY_POOR, "poor"),
                    G_DEFINE_ENUM_VALUE (ZERO_CONNECTION_QUALITY_GOOD, "good"),
                    G_DEFINE_ENUM_VALUE (ZERO_CONNECTION_QUALITY_EXCELLENT, "excellent"))

G_DEFINE_FINAL_TYPE (ZeroVideoTile, zero_video_tile, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_PAINTABLE,
  PROP_NAME,
  PROP_AUDIO_MUTED,
  PROP_VIDEO_OFF,
  PROP_QUALITY,
  PROP_ACTIVE_SPEAKER,
  PROP_CONTENT_FIT,
  PROP_ASPECT_RATIO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
paintable_has_picture (GdkPaintable *paintable)
{
  if (paintable == NULL)
    return FALSE;
  if (ZERO_IS_VIDEO_PAINTABLE (paintable))
    return zero_video_paintable_has_frame (ZERO_VIDEO_PAINTABLE (paintable));
  return TRUE;
}

static void
update_video_visibility (ZeroVideoTile *self)
{
  gboolean show_video = !self->video_off && paintable_has_picture (self->paintable);

  gtk_widget_set_visible (GTK_WIDGET (self->picture), show_video);
  gtk_widget_set_visible (GTK_WIDGET (self->avatar), !show_video);
}

static void
update_accessible_label (ZeroVideoTile *self)
{
  g_autoptr(GString) label = g_string_new (self->name ? self->name : "");

  if (self->audio_muted)
    g_string_append_printf (label, ", %s", _("microphone off"));
  if (self->video_off)
    g_string_append_printf (label, ", %s", _("camera off"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label->str, -1);
}

static void
on_paintable_invalidate (ZeroVideoTile *self)
{
  /* Cheap per frame: only flips visibility when a first frame arrives. */
  if (gtk_widget_get_visible (GTK_WIDGET (self->picture)) !=
      (!self->video_off && paintable_has_picture (self->paintable)))
    update_video_visibility (self);
}

/* Layout: one child (the overlay), optionally kept at a fixed aspect ratio
 * so that a lone tile (the preview) is as tall as its width calls for. */

static GtkSizeRequestMode
zero_video_tile_get_request_mode (GtkWidget *widget)
{
  ZeroVideoTile *self = ZERO_VIDEO_TILE (widget);

  return self->aspect_ratio > 0 ? GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH
                                : GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
zero_video_tile_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  ZeroVideoTile *self = ZERO_VIDEO_TILE (widget);
  GtkWidget *child = gtk_widget_get_first_child (widget);

  *minimum = *natural = 0;
  if (child != NULL)
    gtk_widget_measure (child, orientation, -1, minimum, natural, NULL, NULL);

  if (self->aspect_ratio > 0 && orientation == GTK_ORIENTATION_VERTICAL && for_size > 0)
    {
      int height = (int) (for_size / self->aspect_ratio + 0.5);

      *minimum = MAX (*minimum, height);
      *natural = MAX (*natural, height);
    }
}

static void
zero_video_tile_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);

  if (child != NULL)
    gtk_widget_allocate (child, width, height, baseline, NULL);
}

static void
zero_video_tile_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ZeroVideoTile *self = ZERO_VIDEO_TILE (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      g_value_set_object (value, self->paintable);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_AUDIO_MUTED:
      g_value_set_boolean (value, self->audio_muted);
      break;
    case PROP_VIDEO_OFF:
      g_value_set_boolean (value, self->video_off);
      break;
    case PROP_QUALITY:
      g_value_set_enum (value, self->quality);
      break;
    case PROP_ACTIVE_SPEAKER:
      g_value_set_boolean (value, self->active_speaker);
      break;
    case PROP_CONTENT_FIT:
      g_value_set_enum (value, zero_video_tile_get_content_fit (self));
      break;
    case PROP_ASPECT_RATIO:
      g_value_set_double (value, self->aspect_ratio);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_video_tile_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ZeroVideoTile *self = ZERO_VIDEO_TILE (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      zero_video_tile_set_paintable (self, g_value_get_object (value));
      break;
    case PROP_NAME:
      zero_video_tile_set_name (self, g_value_get_string (value));
      break;
    case PROP_AUDIO_MUTED:
      zero_video_tile_set_audio_muted (self, g_value_get_boolean (value));
      break;
    case PROP_VIDEO_OFF:
      zero_video_tile_set_video_off (self, g_value_get_boolean (value));
      break;
    case PROP_QUALITY:
      zero_video_tile_set_quality (self, g_value_get_enum (value));
      break;
    case PROP_ACTIVE_SPEAKER:
      zero_video_tile_set_active_speaker (self, g_value_get_boolean (value));
      break;
    case PROP_CONTENT_FIT:
      zero_video_tile_set_content_fit (self, g_value_get_enum (value));
      break;
    case PROP_ASPECT_RATIO:
      zero_video_tile_set_aspect_ratio (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Tells a ZeroVideoPaintable how this window draws: see zero_video_paintable_set_cairo_drawing(). */
static void
sync_paintable_renderer (ZeroVideoTile *self)
{
  GtkNative *native;
  GskRenderer *renderer;

  if (!ZERO_IS_VIDEO_PAINTABLE (self->paintable) || !gtk_widget_get_realized (GTK_WIDGET (self)) ||
      (native = gtk_widget_get_native (GTK_WIDGET (self))) == NULL ||
      (renderer = gtk_native_get_renderer (native)) == NULL)
    return;
  zero_video_paintable_set_cairo_drawing (ZERO_VIDEO_PAINTABLE (self->paintable),
                                          GSK_IS_CAIRO_RENDERER (renderer));
}

static void
zero_video_tile_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (zero_video_tile_parent_class)->realize (widget);
  sync_paintable_renderer (ZERO_VIDEO_TILE (widget));
}

static void
zero_video_tile_dispose (GObject *object)
{
  ZeroVideoTile *self = ZERO_VIDEO_TILE (object);

  zero_video_tile_set_paintable (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZERO_TYPE_VIDEO_TILE);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (zero_video_tile_parent_class)->dispose (object);
}

static void
zero_video_tile_finalize (GObject *object)
{
  ZeroVideoTile *self = ZERO_VIDEO_TILE (object);

  g_free (self->name);

  G_OBJECT_CLASS (zero_video_tile_parent_class)->finalize (object);
}

static void
zero_video_tile_class_init (ZeroVideoTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = zero_video_tile_get_property;
  object_class->set_property = zero_video_tile_set_property;
  object_class->dispose = zero_video_tile_dispose;
  object_class->finalize = zero_video_tile_finalize;

  properties[PROP_PAINTABLE] =
    g_param_spec_object ("paintable", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUDIO_MUTED] =
    g_param_spec_boolean ("audio-muted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIDEO_OFF] =
    g_param_spec_boolean ("video-off", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUALITY] =
    g_param_spec_enum ("quality", NULL, NULL, ZERO_TYPE_CONNECTION_QUALITY,
                       ZERO_CONNECTION_QUALITY_UNKNOWN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACTIVE_SPEAKER] =
    g_param_spec_boolean ("active-speaker", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ASPECT_RATIO] =
    g_param_spec_double ("aspect-ratio", NULL, NULL, 0.0, 100.0, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTENT_FIT] =
    g_param_spec_enum ("content-fit", NULL, NULL, GTK_TYPE_CONTENT_FIT, GTK_CONTENT_FIT_CONTAIN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/zerortc/Zero/ui/zero-video-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, ZeroVideoTile, picture);
  gtk_widget_class_bind_template_child (widget_class, ZeroVideoTile, avatar);
  gtk_widget_class_bind_template_child (widget_class, ZeroVideoTile, name_label);
  gtk_widget_class_bind_template_child (widget_class, ZeroVideoTile, mic_off_icon);
  gtk_widget_class_bind_template_child (widget_class, ZeroVideoTile, camera_off_icon);
  gtk_widget_class_bind_template_child (widget_class, ZeroVideoTile, quality_icon);

  widget_class->realize = zero_video_tile_realize;
  widget_class->get_request_mode = zero_video_tile_get_request_mode;
  widget_class->measure = zero_video_tile_measure;
  widget_class->size_allocate = zero_video_tile_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "videotile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
zero_video_tile_init (ZeroVideoTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_video_visibility (self);
  zero_video_tile_set_quality (self, ZERO_CONNECTION_QUALITY_UNKNOWN);
}

/* Public API */

GtkWidget *
zero_video_tile_new (void)
{
  return g_object_new (ZERO_TYPE_VIDEO_TILE, NULL);
}

GdkPaintable *
zero_video_tile_get_paintable (ZeroVideoTile *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_TILE (self), NULL);

  return self->paintable;
}

/**
 * zero_video_tile_set_paintable:
 * @paintable: (nullable): the video, usually a #ZeroVideoPaintable
 */
void
zero_video_tile_set_paintable (ZeroVideoTile *self,
                               GdkPaintable  *paintable)
{
  g_return_if_fail (ZERO_IS_VIDEO_TILE (self));
  g_return_if_fail (paintable == NULL || GDK_IS_PAINTABLE (paintable));

  if (self->paintable == paintable)
    return;

  if (self->paintable != NULL)
    g_signal_handlers_disconnect_by_func (self->paintable, on_paintable_invalidate, self);
  g_set_object (&self->paintable, paintable);
  if (paintable != NULL)
    {
      g_signal_connect_swapped (paintable, "invalidate-contents",
                                G_CALLBACK (on_paintable_invalidate), self);
      g_signal_connect_swapped (paintable, "invalidate-size",
                                G_CALLBACK (on_paintable_invalidate), self);
      sync_paintable_renderer (self);
    }

  if (self->picture != NULL)
    {
      gtk_picture_set_paintable (self->picture, paintable);
      update_video_visibility (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAINTABLE]);
}

const char *
zero_video_tile_get_name (ZeroVideoTile *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_TILE (self), NULL);

  return self->name;
}

void
zero_video_tile_set_name (ZeroVideoTile *self,
                          const char    *name)
{
  g_return_if_fail (ZERO_IS_VIDEO_TILE (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);

  gtk_label_set_text (self->name_label, name ? name : "");
  gtk_widget_set_visible (GTK_WIDGET (self->name_label), name != NULL && *name != '\0');
  adw_avatar_set_text (self->avatar, name);
  update_accessible_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

gboolean
zero_video_tile_get_audio_muted (ZeroVideoTile *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_TILE (self), FALSE);

  return self->audio_muted;
}

void
zero_video_tile_set_audio_muted (ZeroVideoTile *self,
                                 gboolean       muted)
{
  g_return_if_fail (ZERO_IS_VIDEO_TILE (self));

  muted = !!muted;
  if (self->audio_muted == muted)
    return;

  self->audio_muted = muted;
  gtk_widget_set_visible (GTK_WIDGET (self->mic_off_icon), muted);
  update_accessible_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUDIO_MUTED]);
}

gboolean
zero_video_tile_get_video_off (ZeroVideoTile *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_TILE (self), FALSE);

  return self->video_off;
}

void
zero_video_tile_set_video_off (ZeroVideoTile *self,
                               gboolean       video_off)
{
  g_return_if_fail (ZERO_IS_VIDEO_TILE (self));

  video_off = !!video_off;
  if (self->video_off == video_off)
    return;

  self->video_off = video_off;
  gtk_widget_set_visible (GTK_WIDGET (self->camera_off_icon), video_off);
  update_video_visibility (self);
  update_accessible_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO_OFF]);
}

ZeroConnectionQuality
zero_video_tile_get_quality (ZeroVideoTile *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_TILE (self), ZERO_CONNECTION_QUALITY_UNKNOWN);

  return self->quality;
}

void
zero_video_tile_set_quality (ZeroVideoTile         *self,
                             ZeroConnectionQuality  quality)
{
  static const struct
  {
    const char *icon;
    const char *css_class;
  } looks[] = {
    [ZERO_CONNECTION_QUALITY_UNKNOWN] = { NULL, NULL },
    [ZERO_CONNECTION_QUALITY_BAD] = { "network-cellular-signal-weak-symbolic", "quality-bad" },
    [ZERO_CONNECTION_QUALITY_POOR] = { "network-cellular-signal-ok-symbolic", "quality-poor" },
    [ZERO_CONNECTION_QUALITY_GOOD] = { "network-cellular-signal-good-symbolic", "quality-good" },
    [ZERO_CONNECTION_QUALITY_EXCELLENT] = { "network-cellular-signal-excellent-symbolic",
                                            "quality-excellent" },
  };
  const char *tooltips[] = {
    [ZERO_CONNECTION_QUALITY_UNKNOWN] = NULL,
    [ZERO_CONNECTION_QUALITY_BAD] = _("Connection: bad"),
    [ZERO_CONNECTION_QUALITY_POOR] = _("Connection: poor"),
    [ZERO_CONNECTION_QUALITY_GOOD] = _("Connection: good"),
    [ZERO_CONNECTION_QUALITY_EXCELLENT] = _("Connection: excellent"),
  };
  GtkWidget *icon;

  g_return_if_fail (ZERO_IS_VIDEO_TILE (self));
  g_return_if_fail (quality <= ZERO_CONNECTION_QUALITY_EXCELLENT);

  icon = GTK_WIDGET (self->quality_icon);
  for (guint i = 0; i < G_N_ELEMENTS (looks); i++)
    if (looks[i].css_class != NULL)
      gtk_widget_remove_css_class (icon, looks[i].css_class);

  if (looks[quality].icon != NULL)
    {
      gtk_image_set_from_icon_name (self->quality_icon, looks[quality].icon);
      gtk_widget_add_css_class (icon, looks[quality].css_class);
    }
  gtk_widget_set_tooltip_text (icon, tooltips[quality]);
  gtk_widget_set_visible (icon, looks[quality].icon != NULL);

  if (self->quality == quality)
    return;
  self->quality = quality;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUALITY]);
}

gboolean
zero_video_tile_get_active_speaker (ZeroVideoTile *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_TILE (self), FALSE);

  return self->active_speaker;
}

/* The "active-speaker" CSS class draws the highlight (style.css). */
void
zero_video_tile_set_active_speaker (ZeroVideoTile *self,
                                    gboolean       active)
{
  g_return_if_fail (ZERO_IS_VIDEO_TILE (self));

  active = !!active;
  if (self->active_speaker == active)
    return;

  self->active_speaker = active;
  if (active)
    gtk_widget_add_css_class (GTK_WIDGET (self), "active-speaker");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "active-speaker");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_SPEAKER]);
}

GtkContentFit
zero_video_tile_get_content_fit (ZeroVideoTile *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_TILE (self), GTK_CONTENT_FIT_CONTAIN);

  return gtk_picture_get_content_fit (self->picture);
}

void
zero_video_tile_set_content_fit (ZeroVideoTile *self,
                                 GtkContentFit  fit)
{
  g_return_if_fail (ZERO_IS_VIDEO_TILE (self));

  if (gtk_picture_get_content_fit (self->picture) == fit)
    return;
  gtk_picture_set_content_fit (self->picture, fit);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT_FIT]);
}

double
zero_video_tile_get_aspect_ratio (ZeroVideoTile *self)
{
  g_return_val_if_fail (ZERO_IS_VIDEO_TILE (self), 0.0);

  return self->aspect_ratio;
}

/**
 * zero_video_tile_set_aspect_ratio:
 * @ratio: width / height to ask for (16/9 for a preview), or 0 to follow the video
 */
void
zero_video_tile_set_aspect_ratio (ZeroVideoTile *self,
                                  double         ratio)
{
  g_return_if_fail (ZERO_IS_VIDEO_TILE (self));
  g_return_if_fail (ratio >= 0.0);

  if (self->aspect_ratio == ratio)
    return;
  self->aspect_ratio = ratio;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ASPECT_RATIO]);
}

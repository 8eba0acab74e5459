/* zero-media-options.c: defaults, validation and string forms of ZeroMediaOptions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-options.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (zero-media-error-quark, zero_media_error)

void
zero_media_options_init (ZeroMediaOptions *opts)
{
  g_return_if_fail (opts != NULL);

  memset (opts, 0, sizeof *opts);
  opts->video_source = ZERO_VIDEO_SOURCE_AUTO;
  opts->width = 1280;
  opts->height = 720;
  opts->fps = 30;
  opts->video_codec = ZERO_VIDEO_CODEC_VP8;
  opts->min_bitrate_kbps = 150;
  opts->max_bitrate_kbps = 2500;
  opts->start_bitrate_kbps = 1200;
  opts->keyframe_max_interval_ms = 3000;
  opts->keyframe_min_interval_ms = 400;
  opts->screen_fps = 15;
  opts->screen_bitrate_kbps = 1500;
  opts->audio_source = ZERO_AUDIO_SOURCE_AUTO;
  opts->audio_output = ZERO_AUDIO_OUTPUT_AUTO;
  opts->sample_rate = 48000;
  opts->echo_cancel = TRUE;
  opts->noise_suppression = TRUE;
  opts->audio_bitrate_kbps = 32;
  opts->opus_frame_ms = 20;
}

void
zero_media_options_clear (ZeroMediaOptions *opts)
{
  if (opts == NULL)
    return;
  g_clear_pointer (&opts->video_device, g_free);
  g_clear_pointer (&opts->audio_device, g_free);
  g_clear_pointer (&opts->audio_output_device, g_free);
}

void
zero_media_options_copy (const ZeroMediaOptions *src,
                         ZeroMediaOptions       *dest)
{
  g_return_if_fail (src != NULL && dest != NULL && src != dest);

  *dest = *src;
  dest->video_device = g_strdup (src->video_device);
  dest->audio_device = g_strdup (src->audio_device);
  dest->audio_output_device = g_strdup (src->audio_output_device);
}

#define CHECK_RANGE(field, lo, hi)                                                   \
  G_STMT_START {                                                                     \
    if (opts->field < (lo) || opts->field > (hi))                                    \
      {                                                                              \
        g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,       \
                     "Media option %s is %d; it must be between %d and %d",          \
                     #field, opts->field, (int) (lo), (int) (hi));                   \
        return FALSE;                                                                \
      }                                                                              \
  } G_STMT_END

gboolean
zero_media_options_validate (const ZeroMediaOptions *opts,
                             GError                **error)
{
  g_return_val_if_fail (opts != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((guint) opts->video_source > ZERO_VIDEO_SOURCE_NONE ||
      (guint) opts->audio_source > ZERO_AUDIO_SOURCE_NONE ||
      (guint) opts->audio_output > ZERO_AUDIO_OUTPUT_NONE ||
      (guint) opts->video_codec > ZERO_VIDEO_CODEC_H264)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "Media options hold an unknown source, output or codec value");
      return FALSE;
    }

  /* I420 needs even dimensions. */
  CHECK_RANGE (width, 16, 7680);
  CHECK_RANGE (height, 16, 4320);
  if (opts->width % 2 != 0 || opts->height % 2 != 0)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "Video resolution %dx%d must have even width and height",
                   opts->width, opts->height);
      return FALSE;
    }
  CHECK_RANGE (fps, 1, 120);
  CHECK_RANGE (min_bitrate_kbps, 16, 100000);
  CHECK_RANGE (max_bitrate_kbps, opts->min_bitrate_kbps, 100000);
  CHECK_RANGE (start_bitrate_kbps, opts->min_bitrate_kbps, opts->max_bitrate_kbps);
  CHECK_RANGE (keyframe_max_interval_ms, 100, 600000);
  CHECK_RANGE (keyframe_min_interval_ms, 0, 10000);
  CHECK_RANGE (screen_fps, 1, 60);
  CHECK_RANGE (screen_bitrate_kbps, 50, 100000);
  CHECK_RANGE (audio_bitrate_kbps, 6, 510);

  /* Rates opusenc takes. */
  if (opts->sample_rate != 8000 && opts->sample_rate != 12000 && opts->sample_rate != 16000 &&
      opts->sample_rate != 24000 && opts->sample_rate != 48000)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "Audio sample rate %d is not supported; use 8000, 12000, 16000, 24000 "
                   "or 48000", opts->sample_rate);
      return FALSE;
    }
  if (opts->opus_frame_ms != 10 && opts->opus_frame_ms != 20)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "Opus frame size %d ms is not supported; use 10 or 20",
                   opts->opus_frame_ms);
      return FALSE;
    }
  return TRUE;
}

int
zero_media_options_dsp_rate (const ZeroMediaOptions *opts)
{
  g_return_val_if_fail (opts != NULL, 48000);

  switch (opts->sample_rate)
    {
    case 8000:
    case 16000:
    case 48000:
      return opts->sample_rate;
    default:
      return 48000;
    }
}

gboolean
zero_media_parse_resolution (const char *text,
                             int        *width,
                             int        *height,
                             GError    **error)
{
  const char *p;
  char *end = NULL;
  gint64 w, h;

  g_return_val_if_fail (width != NULL && height != NULL, FALSE);

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "Empty video resolution; use HD, FullHD or WIDTHxHEIGHT");
      return FALSE;
    }
  if (g_ascii_strcasecmp (text, "HD") == 0 || g_ascii_strcasecmp (text, "720p") == 0)
    {
      *width = 1280;
      *height = 720;
      return TRUE;
    }
  if (g_ascii_strcasecmp (text, "FullHD") == 0 || g_ascii_strcasecmp (text, "1080p") == 0)
    {
      *width = 1920;
      *height = 1080;
      return TRUE;
    }

  p = text;
  if (!g_ascii_isdigit (*p))
    goto bad;
  w = g_ascii_strtoll (p, &end, 10);
  if (end == p || (*end != 'x' && *end != 'X'))
    goto bad;
  p = end + 1;
  if (!g_ascii_isdigit (*p))
    goto bad;
  h = g_ascii_strtoll (p, &end, 10);
  if (end == p || *end != '\0')
    goto bad;
  if (w < 16 || h < 16 || w > 7680 || h > 4320 || w % 2 != 0 || h % 2 != 0)
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
                   "Video resolution '%s' is out of range: width 16-7680 and height 16-4320, "
                   "both even", text);
      return FALSE;
    }
  *width = (int) w;
  *height = (int) h;
  return TRUE;

bad:
  g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
               "Video resolution '%s' is not understood; use HD, FullHD or WIDTHxHEIGHT "
               "(e.g. 640x480)", text);
  return FALSE;
}

typedef struct {
  const char *name;
  int value;
} NameValue;

static gboolean
lookup (const NameValue *table,
        const char      *what,
        const char      *text,
        int             *out,
        GError         **error)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (const NameValue *e = table; e->name != NULL; e++)
    {
      if (text != NULL && g_ascii_strcasecmp (text, e->name) == 0)
        {
          *out = e->value;
          return TRUE;
        }
      g_string_append_printf (names, "%s%s", names->len ? ", " : "", e->name);
    }
  g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_INVALID_OPTION,
               "Unknown %s '%s'; expected one of: %s", what, text ? text : "", names->str);
  return FALSE;
}

static const NameValue video_sources[] = {
  { "auto", ZERO_VIDEO_SOURCE_AUTO }, { "pipewire", ZERO_VIDEO_SOURCE_PIPEWIRE },
  { "v4l2", ZERO_VIDEO_SOURCE_V4L2 }, { "test", ZERO_VIDEO_SOURCE_TEST },
  { "none", ZERO_VIDEO_SOURCE_NONE }, { NULL, 0 }
};

static const NameValue audio_sources[] = {
  { "auto", ZERO_AUDIO_SOURCE_AUTO }, { "pipewire", ZERO_AUDIO_SOURCE_PIPEWIRE },
  { "test", ZERO_AUDIO_SOURCE_TEST }, { "none", ZERO_AUDIO_SOURCE_NONE }, { NULL, 0 }
};

static const NameValue audio_outputs[] = {
  { "auto", ZERO_AUDIO_OUTPUT_AUTO }, { "pipewire", ZERO_AUDIO_OUTPUT_PIPEWIRE },
  { "none", ZERO_AUDIO_OUTPUT_NONE }, { NULL, 0 }
};

static const NameValue video_codecs[] = {
  { "vp8", ZERO_VIDEO_CODEC_VP8 }, { "h264", ZERO_VIDEO_CODEC_H264 }, { NULL, 0 }
};

gboolean
zero_video_source_type_from_string (const char          *text,
                                    ZeroVideoSourceType *out,
                                    GError             **error)
{
  int v;

  g_return_val_if_fail (out != NULL, FALSE);
  if (!lookup (video_sources, "video source", text, &v, error))
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
zero_audio_source_type_from_string (const char          *text,
                                    ZeroAudioSourceType *out,
                                    GError             **error)
{
  int v;

  g_return_val_if_fail (out != NULL, FALSE);
  if (!lookup (audio_sources, "audio source", text, &v, error))
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
zero_audio_output_from_string (const char      *text,
                               ZeroAudioOutput *out,
                               GError         **error)
{
  int v;

  g_return_val_if_fail (out != NULL, FALSE);
  if (!lookup (audio_outputs, "audio output", text, &v, error))
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
zero_video_codec_from_string (const char     *text,
                              ZeroVideoCodec *out,
                              GError        **error)
{
  int v;

  g_return_val_if_fail (out != NULL, FALSE);
  if (!lookup (video_codecs, "video codec", text, &v, error))
    return FALSE;
  *out = v;
  return TRUE;
}

const char *
zero_video_source_type_to_string (ZeroVideoSourceType type)
{
  for (const NameValue *e = video_sources; e->name != NULL; e++)
    if (e->value == (int) type)
      return e->name;
  return "unknown";
}

const char *
zero_audio_source_type_to_string (ZeroAudioSourceType type)
{
  for (const NameValue *e = audio_sources; e->name != NULL; e++)
    if (e->value == (int) type)
      return e->name;
  return "unknown";
}

const char *
zero_media_kind_to_string (ZeroMediaKind kind)
{
  switch (kind)
    {
    case ZERO_MEDIA_KIND_AUDIO:
      return "audio";
    case ZERO_MEDIA_KIND_VIDEO:
      return "video";
    case ZERO_MEDIA_KIND_SCREEN:
      return "screen";
    default:
      return "unknown";
    }
}

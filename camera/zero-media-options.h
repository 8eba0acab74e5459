/* zero-media-options.h: the plain options ZeroMediaSource is built from, the media kinds,
 * and the module's GError domain.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZERO_MEDIA_ERROR (zero_media_error_quark ())
GQuark zero_media_error_quark (void);

typedef enum {
  ZERO_MEDIA_ERROR_INVALID_OPTION,   /* an option value is out of range or unknown */
  ZERO_MEDIA_ERROR_MISSING_ELEMENT,  /* a GStreamer plugin is not installed */
  ZERO_MEDIA_ERROR_NO_DEVICE,        /* the requested device does not exist */
  ZERO_MEDIA_ERROR_PIPELINE,         /* the pipeline failed to build or to change state */
  ZERO_MEDIA_ERROR_DEVICE_FAILED,    /* a capture device stopped working */
  ZERO_MEDIA_ERROR_STATE,            /* the call is not valid in the current state */
  ZERO_MEDIA_ERROR_REMOTE,           /* a PipeWire remote fd is unusable (closed, not a
                                      * socket, gone, silent) */
} ZeroMediaError;

typedef enum {
  ZERO_MEDIA_KIND_AUDIO,
  ZERO_MEDIA_KIND_VIDEO,
  ZERO_MEDIA_KIND_SCREEN,
} ZeroMediaKind;

#define ZERO_MEDIA_N_KINDS 3

typedef enum {
  ZERO_VIDEO_SOURCE_AUTO,      /* PipeWire camera, else V4L2, else none (with a message) */
  ZERO_VIDEO_SOURCE_PIPEWIRE,
  ZERO_VIDEO_SOURCE_V4L2,
  ZERO_VIDEO_SOURCE_TEST,      /* a live moving pattern; only ever chosen explicitly */
  ZERO_VIDEO_SOURCE_NONE,
} ZeroVideoSourceType;

typedef enum {
  ZERO_AUDIO_SOURCE_AUTO,      /* PipeWire microphone, else autoaudiosrc, else none */
  ZERO_AUDIO_SOURCE_PIPEWIRE,
  ZERO_AUDIO_SOURCE_TEST,      /* a live tone; only ever chosen explicitly */
  ZERO_AUDIO_SOURCE_NONE,
} ZeroAudioSourceType;

typedef enum {
  ZERO_AUDIO_OUTPUT_AUTO,      /* autoaudiosink */
  ZERO_AUDIO_OUTPUT_PIPEWIRE,  /* pipewiresink (target-object = output_device) */
  ZERO_AUDIO_OUTPUT_NONE,      /* a clock-synced fakesink: the mixer still runs in real time */
} ZeroAudioOutput;

typedef enum {
  ZERO_VIDEO_CODEC_VP8,
  ZERO_VIDEO_CODEC_H264,
} ZeroVideoCodec;

typedef struct {
  /* Video. */
  ZeroVideoSourceType video_source;
  char *video_device;            /* PipeWire serial or node name, V4L2 path; NULL: first found */
  int width;                     /* default 1280x720 (HD) */
  int height;
  int fps;                       /* default 30 */
  ZeroVideoCodec video_codec;    /* default VP8 */
  int min_bitrate_kbps;          /* default 150 */
  int max_bitrate_kbps;          /* default 2500 */
  int start_bitrate_kbps;        /* default 1200 */
  int keyframe_max_interval_ms;  /* longest gap between keyframes, default 3000 */
  int keyframe_min_interval_ms;  /* rate limit for peers' keyframe requests, default 400 */
  gboolean frame_stamp;          /* write zero-frame-stamp blocks into each frame */

  /* Screen share (added later with zero_media_source_add_screen()). */
  int screen_fps;                /* default 15 */
  int screen_bitrate_kbps;       /* default 1500 */

  /* Audio. */
  ZeroAudioSourceType audio_source;
  char *audio_device;            /* PipeWire serial or node name; NULL: first found */
  ZeroAudioOutput audio_output;
  char *audio_output_device;     /* PipeWire serial or node name for pipewire output */
  int sample_rate;               /* Opus input: 8000, 12000, 16000, 24000 or 48000 (default) */
  gboolean echo_cancel;          /* default TRUE */
  gboolean noise_suppression;    /* default TRUE */
  int audio_bitrate_kbps;        /* default 32 */
  int opus_frame_ms;             /* 10 or 20, default 20 */
} ZeroMediaOptions;

void     zero_media_options_init  (ZeroMediaOptions *opts);
void     zero_media_options_clear (ZeroMediaOptions *opts);
void     zero_media_options_copy  (const ZeroMediaOptions *src,
                                   ZeroMediaOptions       *dest);
gboolean zero_media_options_validate (const ZeroMediaOptions *opts,
                                      GError                **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ZeroMediaOptions, zero_media_options_clear)

/* Fills @opts from the media.* keys of config.yaml (camera/zero-media-options-config.c;
 * links the config module). On error @opts is left untouched and the message names the
 * file and the problem. */
typedef struct _ZeroConfig ZeroConfig;
gboolean zero_media_options_from_config (ZeroMediaOptions *opts,
                                         ZeroConfig       *config,
                                         GError          **error);

/* The rate the echo canceller and mixers run at: sample_rate when webrtcdsp takes it
 * (8, 16, 48 kHz), else 48 kHz with a resampler in front of the Opus encoder. */
int      zero_media_options_dsp_rate (const ZeroMediaOptions *opts);

/* String forms, as used by config.yaml and the command line. */
gboolean zero_media_parse_resolution     (const char *text,
                                          int        *width,
                                          int        *height,
                                          GError    **error);
gboolean zero_video_source_type_from_string (const char          *text,
                                             ZeroVideoSourceType *out,
                                             GError             **error);
gboolean zero_audio_source_type_from_string (const char          *text,
                                             ZeroAudioSourceType *out,
                                             GError             **error);
gboolean zero_audio_output_from_string   (const char      *text,
                                          ZeroAudioOutput *out,
                                          GError         **error);
gboolean zero_video_codec_from_string    (const char     *text,
                                          ZeroVideoCodec *out,
                                          GError        **error);
const char *zero_video_source_type_to_string (ZeroVideoSourceType type);
const char *zero_audio_source_type_to_string (ZeroAudioSourceType type);
const char *zero_media_kind_to_string        (ZeroMediaKind kind);

G_END_DECLS

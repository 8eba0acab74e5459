/* zero-media-source-private.h: state shared by the files that make up ZeroMediaSource.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "camera/zero-bitrate-controller.h"
#include "camera/zero-camera-remote.h"
#include "camera/zero-device-list.h"
#include "camera/zero-media-source.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (zero_media_debug);

/* One encoder and its tee for one kind; see zero-encoder.c. */
typedef struct {
  ZeroMediaKind kind;
  GstBin *bin;             /* the pipeline (not owned) */
  GstElement *queue;       /* raw input: link into its sink pad */
  GstElement *encoder;
  GstElement *capsfilter;  /* fixes the encoded caps */
  GstElement *tee;
  GstCaps *caps;           /* the caps peers get */
  GHashTable *branches;    /* GstPad* (branch bin ghost src, owned) -> GstElement* bin */
  guint bitrate_kbps;

  /* Keyframe requests: merged to at most one per min_interval_us; the lock guards the
   * fields below, touched from the main context and the streaming threads. */
  GMutex lock;
  gint64 min_interval_us;
  gint64 last_forced_us;
  gint64 pending_at_us;    /* when a merged request falls due; G_MAXINT64: none */
  guint64 requests_forwarded;
  guint64 requests_dropped;
  guint64 encoded_frames;
  guint64 keyframes;
} ZeroEncodeChain;

typedef struct {
  int type;                /* ZeroVideoSourceType / ZeroAudioSourceType chosen */
  char *description;       /* "pipewire:NAME", "v4l2:/dev/video0", "test", "none" */
  char *device_spec;       /* what identifies the device in the device list, or NULL */
  GstElement *bin;         /* the capture bin in the pipeline, or NULL (none, or paused) */
  GstPad *mixer_pad;       /* the pad it feeds: audiomixer request pad, frame pump sink */
} ZeroCapture;

struct _ZeroMediaSource {
  GObject parent_instance;

  ZeroMediaOptions opts;
  GstPipeline *pipeline;
  guint bus_watch_id;
  gboolean started;
  gint64 start_time_us;
  GPtrArray *pending_notices; /* char*: messages found before start(), emitted by it */
  ZeroDeviceList *devices;   /* the default list, or one for camera_remote */
  gulong device_removed_id;
  gulong devices_changed_id;
  ZeroBitrateController *bitrate;

  /* Cameras on a given PipeWire remote (Camera portal) instead of the default one: it owns
   * the fd, which every camera pipewiresrc shares (see zero-camera-remote.h). */
  ZeroCameraRemote *camera_remote;

  /* Video. */
  gboolean has_video;
  GstElement *video_pump;    /* ZeroFramePump: constant rate, black when no/paused camera */
  ZeroCapture video_capture; /* while paused: the camera chosen, closed (bin NULL) */
  ZeroEncodeChain *video;
  gboolean video_paused;
  guint64 video_frames;      /* atomic-free: only under stats_lock */
  guint64 fps_frames_mark;
  gint64 fps_time_mark_us;
  double video_fps;
  guint fps_timer_id;
  GMutex stats_lock;

  /* Audio. */
  gboolean has_audio;
  GstElement *audio_mixer;
  GstElement *audio_dsp;
  GstElement *audio_level;
  GstElement *audio_volume;
  ZeroCapture audio_capture;
  ZeroEncodeChain *audio;
  gboolean audio_muted;

  /* Local preview (zero-video-preview.c): a probe on the pump feeds an appsrc branch. */
  GMainContext *main_context; /* where preview-sample is emitted */
  GstElement *preview_bin;
  GstElement *preview_appsrc;
  gulong preview_probe_id;
  GMutex preview_lock;        /* guards the two fields below */
  GstSample *preview_sample;  /* newest sample not yet emitted */
  GSource *preview_source;    /* the pending emission on main_context */

  /* Screen share. */
  ZeroEncodeChain *screen;
  GPtrArray *screen_elements; /* capture elements in front of the screen encoder */
  int screen_fd;              /* the ScreenCast portal's remote, owned; -1: none */

  /* Playback. */
  GstElement *play_mixer;
  GstElement *echo_probe;
  char *echo_probe_name;
  GHashTable *playback_pads; /* GstPad* (bin ghost sink, owned) -> GstElement* bin */
};

/* zero-media-source.c */
void     _zero_media_source_notice (ZeroMediaSource *self,
                                    const char      *format,
                                    ...) G_GNUC_PRINTF (2, 3);
GstElement *_zero_make_element (const char *factory,
                                const char *name,
                                GError    **error);
GstElement *_zero_make_live_aggregator (const char *factory,
                                        const char *name,
                                        GError    **error);
void     _zero_mark_ours (GstElement *element);
ZeroDeviceList *_zero_media_source_ensure_devices (ZeroMediaSource *self);
/* A pipewiresrc on the camera remote when one is set, else on the default remote. */
GstElement *_zero_media_source_make_camera_src (ZeroMediaSource *self,
                                                GError         **error);

/* zero-encoder.c */
ZeroEncodeChain *_zero_encode_chain_new (GstBin                 *bin,
                                         ZeroMediaKind           kind,
                                         const ZeroMediaOptions *opts,
                                         GError                **error);
void     _zero_encode_chain_free (ZeroEncodeChain *chain);
GstPad  *_zero_encode_chain_request_pad (ZeroEncodeChain *chain);
gboolean _zero_encode_chain_release_pad (ZeroEncodeChain *chain,
                                         GstPad          *pad);
void     _zero_encode_chain_request_keyframe (ZeroEncodeChain *chain);
void     _zero_encode_chain_set_bitrate (ZeroEncodeChain *chain,
                                         guint            kbps);
GstPad  *_zero_encode_chain_get_sink (ZeroEncodeChain *chain);

/* zero-video-capture.c */
gboolean _zero_video_resolve (ZeroMediaSource     *self,
                              ZeroVideoSourceType *type,
                              char               **device,
                              GError             **error);
gboolean _zero_video_build (ZeroMediaSource *self,
                            GError         **error);
gboolean _zero_video_attach (ZeroMediaSource     *self,
                             ZeroVideoSourceType  type,
                             const char          *device,
                             GError             **error);
void     _zero_video_detach (ZeroMediaSource *self);
void     _zero_video_apply_paused (ZeroMediaSource *self);

/* zero-audio-capture.c */
gboolean _zero_audio_resolve (ZeroMediaSource     *self,
                              ZeroAudioSourceType *type,
                              char               **device,
                              GError             **error);
gboolean _zero_audio_build (ZeroMediaSource *self,
                            GError         **error);
gboolean _zero_audio_attach (ZeroMediaSource     *self,
                             ZeroAudioSourceType  type,
                             const char          *device,
                             GError             **error);
void     _zero_audio_detach (ZeroMediaSource *self);

/* zero-capture.c: helpers shared by both capture kinds */
gboolean _zero_capture_attach (ZeroMediaSource *self,
                               ZeroCapture     *capture,
                               GstElement      *bin,
                               GstElement      *mixer,
                               GError         **error);
void     _zero_capture_detach (ZeroMediaSource *self,
                               ZeroCapture     *capture,
                               GstElement      *mixer);
void     _zero_capture_clear (ZeroCapture *capture);
void     _zero_capture_guard_timeline (GstElement *mixer_caps);

/* zero-video-preview.c */
gboolean _zero_preview_enable (ZeroMediaSource *self,
                               GstCaps         *caps,
                               GError         **error);
void     _zero_preview_disable (ZeroMediaSource *self);
void     _zero_preview_emit_sample (ZeroMediaSource *self,
                                    GstSample       *sample);

/* zero-playback.c */
gboolean _zero_playback_build (ZeroMediaSource *self,
                               GError         **error);
GstPad  *_zero_playback_request_pad (ZeroMediaSource *self);
gboolean _zero_playback_release_pad (ZeroMediaSource *self,
                                     GstPad          *pad);

/* zero-screen-share.c */
void     _zero_screen_teardown (ZeroMediaSource *self);

G_END_DECLS

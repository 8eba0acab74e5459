/* zero-media-source.h: capture, encode once, fan out to every peer, and play back.
 *
 * One ZeroMediaSource owns one GstPipeline for the whole call; the peers' webrtcbins live
 * in it too. Per kind there is one encoder followed by a tee; every peer asks for its own
 * branch (a leaky queue) with zero_media_source_request_encoded_pad(). All remote audio
 * goes through one audiomixer -> webrtcechoprobe -> sink, which the microphone's webrtcdsp
 * uses as its echo reference.
 *
 *   video:  capture bin [stamp] -> frame pump (constant rate; black when no camera, paused
 *           or stalled) -> queue (leaky) -> vp8enc | x264enc -> tee -> queue (leaky) per peer
 *           While video is paused the capture bin is gone: the camera is released.
 *   audio:  capture bin -> audiomixer (silence when no/muted mic) -> webrtcdsp -> level
 *           -> volume -> opusenc -> tee -> queue (leaky) per peer
 *   play:   [audioconvert ! audioresample] per peer -> audiomixer -> webrtcechoprobe -> sink
 *
 * Everything here must be called from the main context; signals are emitted there.
 *
 * Signals:
 *   message (const char *text)          a human-readable notice (device gone, fallback)
 *   error (GError *error)               a pipeline failure of ours (dot graph dumped)
 *   level (double rms_db, double peak_db) microphone level, ~10 times a second
 *   devices-changed ()                  a camera/microphone/speaker appeared or vanished
 *   pipeline-message (GstMessage *msg)  every bus message, for the peers' own elements
 *   preview-sample (GstSample *sample)  the local video as sent, while the preview is on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "camera/zero-device-list.h"
#include "camera/zero-media-options.h"

G_BEGIN_DECLS

#define ZERO_TYPE_MEDIA_SOURCE (zero_media_source_get_type ())
G_DECLARE_FINAL_TYPE (ZeroMediaSource, zero_media_source, ZERO, MEDIA_SOURCE, GObject)

typedef struct {
  double duration_s;            /* since zero_media_source_start() */
  guint64 video_frames;         /* frames captured from the camera */
  double video_fps;             /* capture rate over the last second */
  guint64 encoded_video_frames; /* frames out of the video encoder */
  guint64 keyframes;            /* video keyframes encoded */
  guint64 keyframe_requests;    /* requests reaching the encoder (after rate limiting) */
  guint64 keyframe_requests_dropped; /* requests merged by the rate limiter */
  guint64 audio_buffers;        /* buffers out of the audio encoder */
  guint video_bitrate_kbps;     /* encoder target now */
  guint audio_bitrate_kbps;
  int width;
  int height;
  int fps;
  guint video_branches;         /* peers' encoded video pads now */
  guint audio_branches;
  guint playback_inputs;
  guint64 sent_video_frames;    /* frames sent toward the encoder (constant rate, from start) */
  guint64 black_video_frames;   /* ...of which black: no camera, paused or camera stalled */
} ZeroMediaStats;

ZeroMediaSource *zero_media_source_new (const ZeroMediaOptions *opts,
                                        GError                **error);
/* Same, with the cameras of the PipeWire remote @camera_fd (see
 * zero_media_source_set_camera_remote(); ownership passes, also on failure). */
ZeroMediaSource *zero_media_source_new_with_camera_remote (const ZeroMediaOptions *opts,
                                                           int                     camera_fd,
                                                           GError                **error);
GstPipeline *zero_media_source_get_pipeline (ZeroMediaSource *self);
const ZeroMediaOptions *zero_media_source_get_options (ZeroMediaSource *self);
gboolean     zero_media_source_start (ZeroMediaSource *self,
                                      GError         **error); /* PLAYING */
void         zero_media_source_stop (ZeroMediaSource *self);
gboolean     zero_media_source_has_kind (ZeroMediaSource *self,
                                         ZeroMediaKind    kind);
/* video/x-vp8 | video/x-h264 (byte-stream, au, constrained-baseline) | audio/x-opus. */
GstCaps     *zero_media_source_get_encoded_caps (ZeroMediaSource *self,
                                                 ZeroMediaKind    kind);

/* A src pad (in the pipeline) carrying the encoded stream of @kind; NULL if that kind is
 * absent. Link it to a payloader; upstream GstForceKeyUnit events from it reach the shared
 * encoder (rate-limited). Returns a new reference. */
GstPad      *zero_media_source_request_encoded_pad (ZeroMediaSource *self,
                                                    ZeroMediaKind    kind);
/* Safe while PLAYING; unlinks the pad if still linked, and frees the branch. */
void         zero_media_source_release_encoded_pad (ZeroMediaSource *self,
                                                    GstPad          *pad);
/* A sink pad that accepts any raw audio, mixed into the one playback output. */
GstPad      *zero_media_source_request_playback_pad (ZeroMediaSource *self);
void         zero_media_source_release_playback_pad (ZeroMediaSource *self,
                                                     GstPad          *pad);

/* An explicit request (e.g. for a newly connected peer): honoured on the next frame unless
 * one was forced in the last 100 ms, then right after. */
void         zero_media_source_request_keyframe (ZeroMediaSource *self,
                                                 ZeroMediaKind    kind);
void         zero_media_source_report_feedback (ZeroMediaSource *self,
                                                const char      *peer_id,
                                                double           fraction_lost,
                                                double           rtt_ms,
                                                double           remb_kbps);
void         zero_media_source_forget_peer (ZeroMediaSource *self,
                                            const char      *peer_id);
/* The video encoder's target right now (what the bitrate controller last applied). */
guint        zero_media_source_get_video_bitrate (ZeroMediaSource *self);

/* Paused, black frames go on at the full rate (no renegotiation) and the camera is closed,
 * so its light goes off; resuming opens it again (a camera chosen meanwhile is opened
 * then). If it cannot be opened, a `message` says so and black goes on. */
void         zero_media_source_set_video_paused (ZeroMediaSource *self,
                                                 gboolean         paused);
gboolean     zero_media_source_get_video_paused (ZeroMediaSource *self);
void         zero_media_source_set_audio_muted (ZeroMediaSource *self,
                                                gboolean         muted);
gboolean     zero_media_source_get_audio_muted (ZeroMediaSource *self);

/* Local preview: while enabled, ::preview-sample delivers each frame sent (before
 * encoding; black while paused) converted to @caps, e.g.
 * "video/x-raw,format=BGRA,width=640,height=360" (a framerate field lowers the rate). The
 * conversion runs in its own thread and frames the application has not taken are dropped.
 * Disabled, nothing of it is left in the pipeline. Returns FALSE (with a critical naming
 * the problem) for caps that are not raw video, or when this call sends no video. */
gboolean     zero_media_source_set_preview (ZeroMediaSource *self,
                                            gboolean         enabled,
                                            const char      *caps);
gboolean     zero_media_source_get_preview (ZeroMediaSource *self);

/* Devices. The list is created on first use (or at start when a device is captured). */
ZeroDeviceList *zero_media_source_get_devices (ZeroMediaSource *self);
/* Switches the camera while running, without renegotiation (the encoded caps do not
 * change). @type is PIPEWIRE, V4L2, TEST or NONE (black); @device as in the options. */
gboolean     zero_media_source_set_video_device (ZeroMediaSource     *self,
                                                 ZeroVideoSourceType  type,
                                                 const char          *device,
                                                 GError             **error);
gboolean     zero_media_source_set_audio_device (ZeroMediaSource     *self,
                                                 ZeroAudioSourceType  type,
                                                 const char          *device,
                                                 GError             **error);
/* Cameras from the PipeWire remote @fd (e.g. the Camera portal's, inside Flatpak) instead
 * of the default one: the device list's cameras are the remote's (with their hot-plug
 * signals), and camera capture runs on that connection (pipewiresrc fd=, the same fd for
 * every element: one connection, one PipeWire core). Ownership of @fd passes to the source
 * (closed on finalize, on replacement, or at once on failure); -1 goes back to the default
 * remote. A PipeWire camera being captured is reopened on the new remote (the same node if
 * it is there, else its first camera; else black with a ::message). A
 * ZERO_MEDIA_ERROR_REMOTE naming the fd and the problem when it is closed, not a connected
 * socket, or its remote is gone or silent (a round trip bounded to 3 s: no hang); the
 * cameras in use then stay as they were. Safe while running. */
gboolean     zero_media_source_set_camera_remote (ZeroMediaSource *self,
                                                  int              fd,
                                                  GError         **error);
/* The camera remote's fd (owned by the source), or -1. */
int          zero_media_source_get_camera_remote (ZeroMediaSource *self);
/* What is being captured now: e.g. "pipewire:zero-test-camera", "test", "none". */
char        *zero_media_source_dup_video_capture (ZeroMediaSource *self);
char        *zero_media_source_dup_audio_capture (ZeroMediaSource *self);

/* Screen share: a third kind with its own encoder and tee. @pw_fd is the PipeWire remote fd
 * from the ScreenCast portal (ownership passes to the source), @node_id the stream node. */
gboolean     zero_media_source_add_screen (ZeroMediaSource *self,
                                           int              pw_fd,
                                           guint32          node_id,
                                           GError         **error);
/* Same, capturing the PipeWire node @target (serial or node name) on the default remote;
 * or, when @target is NULL, a live test pattern. */
gboolean     zero_media_source_add_screen_target (ZeroMediaSource *self,
                                                  const char      *target,
                                                  GError         **error);
/* Stops the screen share; branches still requested are unlinked and freed. */
void         zero_media_source_remove_screen (ZeroMediaSource *self);

void         zero_media_source_get_stats (ZeroMediaSource *self,
                                          ZeroMediaStats  *stats);

/* The encoder element of @kind (for tests and diagnostics), or NULL. */
GstElement  *zero_media_source_get_encoder (ZeroMediaSource *self,
                                            ZeroMediaKind    kind);

G_END_DECLS

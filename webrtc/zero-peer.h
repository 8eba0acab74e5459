/* zero-peer.h: one WebRTC connection (one webrtcbin) to one remote peer.
 *
 * A ZeroPeer lives inside a GstBin the caller owns (the call's pipeline, possibly already
 * PLAYING). It sends encoded media it is handed as src pads (video/x-vp8,
 * video/x-h264 byte-stream/au, audio/x-opus), decodes what the remote sends, carries the
 * `zero` data channel, and speaks PROTOCOL.md's offer/answer/ice/request-offer through
 * the "signal-out" signal and zero_peer_handle_signal().
 *
 * Threading: every public function must be called, and every signal is emitted, on the
 * GMainContext that was thread-default when the peer was created.
 *
 * Signals:
 *   signal-out (JsonObject *msg)       an offer/answer/ice/request-offer to relay (add "to")
 *   state-changed (int ZeroPeerState)  NEW -> CONNECTING -> CONNECTED (DTLS certificate
 *                                      verified) [-> CONNECTING on ICE restart]; FAILED
 *                                      (see zero_peer_get_error) is followed by CLOSED
 *   negotiated ()                      an offer/answer exchange completed
 *   data-open ()                       the `zero` channel is open (never before CONNECTED)
 *   data-message (const char *text)    a text message on it (binary ones are ignored)
 *   video-sample::video|screen (GstSample *)  a decoded frame in video_caps; its info
 *                                      structure is "zero/frame" {kind (int), mid}
 *   first-frame (int ZeroMediaKind, gint64 us)  first decoded frame of a kind, in µs since
 *                                      zero_peer_new()
 *   stats (ZeroPeerStats *)            about once a second while connected
 *   feedback (double fraction_lost, double rtt_ms, double remb_kbps)  what the remote
 *                                      reports about our sending (-1 unknown): for the
 *                                      shared encoder's bitrate
 *   send-pad-released (int ZeroMediaKind, GstPad *pad)  on close: a pad given to
 *                                      zero_peer_add_send_stream(), now unlinked; release it
 *
 * PROTOCOL.md extensions (receivers ignore unknown fields): `request-offer` may carry
 * "screen": true (the answerer wants an m-line to send a screen share on) and
 * "ice_restart": true (the answerer lost the connection).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "camera/zero-media-options.h" /* ZeroMediaKind */
#include "config/zero-ice-server.h"    /* ZeroIceServer */
#include "webrtc/zero-peer-stats.h"
#include "webrtc/zero-webrtc-error.h"

G_BEGIN_DECLS

typedef enum {
  ZERO_PEER_STATE_NEW,
  ZERO_PEER_STATE_CONNECTING,
  ZERO_PEER_STATE_CONNECTED,
  ZERO_PEER_STATE_FAILED,
  ZERO_PEER_STATE_CLOSED,
} ZeroPeerState;

const char *zero_peer_state_to_string (ZeroPeerState state);

typedef enum {
  ZERO_PEER_LOOPBACK_AUTO, /* 127.0.0.1 only when no non-loopback interface is up */
  ZERO_PEER_LOOPBACK_YES,
  ZERO_PEER_LOOPBACK_NO,
} ZeroPeerLoopback;

typedef struct {
  GPtrArray *ice_servers;        /* of ZeroIceServer*; nullable; the peer takes a ref */
  ZeroPeerLoopback loopback_candidates; /* default AUTO */
  gboolean ice_tcp;              /* default FALSE: UDP host candidates only (see data/config.yaml) */
  guint jitter_buffer_ms;        /* default 150 (in-order packets leave at once; the latency
                                  * only waits for retransmissions of lost ones) */
  guint ice_restart_attempts;    /* default 3 */
  guint connect_timeout_s;       /* default 15: give up when not (re)connected by then */
  guint media_timeout_s;         /* default 8: restart ICE after this long without receiving
                                  * anything while ICE still says connected (a short outage
                                  * recovers faster on the old pair than through a restart) */
  gboolean echo;                 /* send back what we receive (zero-cli --echo) */
  gboolean send_audio;           /* default TRUE; FALSE for a viewer */
  gboolean send_video;           /* default TRUE; FALSE for a viewer */
  const char *video_caps;        /* decoded video handed out; default "video/x-raw" */
  gboolean decode_video;         /* default TRUE; FALSE: count RTP frames only */
  gboolean relay_only;           /* default FALSE; TRUE: only TURN relays (hides addresses) */
  gboolean no_data_channel;      /* default FALSE; TRUE: the offerer creates no `zero` data
                                  * channel (an SFU publisher connection) */
} ZeroPeerOptions;

void zero_peer_options_init (ZeroPeerOptions *opts);

/* Call once at startup (e.g. when the session manager is made): makes the process's
 * DTLS certificate and pays GStreamer's one-time DTLS setup (an RSA key it generates
 * whatever certificate it is given, 0.1-0.7 s of CPU) on a background thread, so that
 * the first call does not wait for it. zero_peer_new() calls it too, but then the first
 * offer waits for it. */
void zero_peer_prewarm (void);
/* Waits for what zero_peer_prewarm() started on other threads. Call it before the process
 * exits: OpenSSL's exit handlers crash under a thread still making a key. */
void zero_peer_prewarm_wait (void);

#define ZERO_TYPE_PEER (zero_peer_get_type ())
G_DECLARE_FINAL_TYPE (ZeroPeer, zero_peer, ZERO, PEER, GObject)

/* Returns (transfer full) a pad to link decoded audio into (e.g. an audiomixer request
 * pad), or NULL to discard that stream. Called on a streaming thread. */
typedef GstPad *(*ZeroPeerPlaybackRequest) (ZeroMediaKind kind,
                                            gpointer      user_data);
/* Gives back a pad ZeroPeerPlaybackRequest returned, once unlinked. Any thread. */
typedef void    (*ZeroPeerPlaybackRelease) (GstPad  *pad,
                                            gpointer user_data);

ZeroPeer     *zero_peer_new         (GstBin                *bin,
                                     const char            *remote_id,
                                     gboolean               offerer,
                                     const ZeroPeerOptions *opts,
                                     GError               **error);

const char   *zero_peer_get_remote_id (ZeroPeer *self);
gboolean      zero_peer_is_offerer  (ZeroPeer *self);
ZeroPeerState zero_peer_get_state   (ZeroPeer *self);
/* Why the peer FAILED, or NULL. */
const GError *zero_peer_get_error   (ZeroPeer *self);

/* Sends @encoded_src (video/x-vp8, video/x-h264 or audio/x-opus) to the remote. The pad
 * is linked now and unlinked on close, when "send-pad-released" hands it back. Before
 * zero_peer_start() (offerer) or the remote offer (answerer), it becomes part of the
 * first negotiation; later, the offerer renegotiates and the answerer sends
 * request-offer. */
gboolean      zero_peer_add_send_stream (ZeroPeer     *self,
                                         ZeroMediaKind kind,
                                         GstPad       *encoded_src,
                                         GError      **error);

void          zero_peer_set_playback_func (ZeroPeer               *self,
                                           ZeroPeerPlaybackRequest request,
                                           ZeroPeerPlaybackRelease release,
                                           gpointer                user_data,
                                           GDestroyNotify          destroy);

/* Offerer: creates the data channel, then the first offer. Answerer: only marks the
 * connection as started (it answers the offer when it comes). */
void          zero_peer_start       (ZeroPeer *self);

/* Handles a PROTOCOL.md `offer`, `answer`, `ice` or `request-offer` from the remote.
 * Returns FALSE with an error naming the problem when @msg is malformed or out of turn;
 * a remote SDP that must be refused (no fingerprint) also fails the connection. */
gboolean      zero_peer_handle_signal (ZeroPeer   *self,
                                       JsonObject *msg,
                                       GError    **error);

/* Offerer: sends a new offer. Answerer: asks the offerer with `request-offer`. */
void          zero_peer_request_renegotiation (ZeroPeer *self);

gboolean      zero_peer_send_data   (ZeroPeer   *self,
                                     const char *text,
                                     GError    **error);
gboolean      zero_peer_is_data_open (ZeroPeer *self);

/* Asks the remote for a video keyframe (RTCP PLI) on every incoming video stream. */
void          zero_peer_request_keyframe (ZeroPeer *self);

/* (transfer full) The latest statistics; -1/NULL where unknown. */
ZeroPeerStats *zero_peer_get_stats  (ZeroPeer *self);

/* Frames decoded (video: all video streams; audio: decoded buffers) so far. */
guint64       zero_peer_get_frames_decoded (ZeroPeer     *self,
                                            ZeroMediaKind kind);

/* Releases everything: send pads are unlinked and handed back ("send-pad-released"),
 * playback pads released, all elements set to NULL and removed from the bin, the data
 * channel closed. The state becomes CLOSED. Safe to call more than once. */
void          zero_peer_close       (ZeroPeer *self);

G_END_DECLS

/* zero-peer-private.h: ZeroPeer's state, shared by zero-peer*.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "webrtc/zero-peer.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (zero_peer_debug);

typedef enum {
  ZERO_CODEC_NONE,
  ZERO_CODEC_OPUS,
  ZERO_CODEC_VP8,
  ZERO_CODEC_H264,
} ZeroCodec;

/* One stream we send: encoded pad (or, echoing, an appsrc fed with what we receive) ->
 * queue -> payloader
 * -> capsfilter -> [capssetter] -> webrtcbin sink pad. The elements are made when the
 * stream is attached to a transceiver (the answerer only knows the payload type then). */
typedef struct {
  ZeroPeer *peer;             /* unowned */
  ZeroMediaKind kind;
  ZeroCodec codec;
  int pt;
  guint ssrc;
  gboolean echo;              /* fed by the matching receive stream */
  GstPad *encoded_src;        /* the caller's pad (ref), NULL for echo */
  GstPad *ghost_sink;         /* our bin's ghost pad the caller's pad is linked to */
  GstElement *queue;          /* appsrc when echoing */
  GstElement *pay;
  GstElement *capsfilter;
  GstElement *setter;         /* capssetter (H.264: the negotiated profile-level-id) */
  GstPad *webrtc_sink;        /* webrtcbin request pad (ref) */
  GstWebRTCRTPTransceiver *transceiver; /* ref */
  gboolean linked;            /* attached to webrtcbin */
} ZeroSendStream;

/* 64-bit counters shared with streaming threads. */
static inline gint64
zero_atomic_get64 (const gint64 *p)
{
  return __atomic_load_n (p, __ATOMIC_RELAXED);
}

static inline void
zero_atomic_set64 (gint64 *p,
                   gint64  v)
{
  __atomic_store_n (p, v, __ATOMIC_RELAXED);
}

static inline gint64
zero_atomic_add64 (gint64 *p,
                   gint64  v)
{
  return __atomic_add_fetch (p, v, __ATOMIC_RELAXED);
}

/* One stream we receive: webrtcbin src pad -> depay -> [tee for echo] -> decoder ->
 * (videoconvert) -> appsink, or -> opusdec -> playback pad / fakesink. */
typedef struct {
  ZeroPeer *peer;             /* unowned */
  ZeroMediaKind kind;
  ZeroCodec codec;
  char *mid;
  GstPad *webrtc_src;         /* ref */
  GPtrArray *elements;        /* of GstElement* (refs), in link order */
  GstElement *depay;
  GstElement *echo_tee;       /* depayloaded -> decoder, and -> echo_sink */
  GstElement *echo_sink;      /* appsink whose samples go to echo_appsrc */
  GstElement *echo_appsrc;    /* the echo send stream's appsrc (ref) */
  GstPad *playback_pad;       /* from the playback request func (ref), ghosted out */
  GstPad *playback_ghost;
  GstElement *sink;           /* appsink / fakesink */
  gint pending_samples;       /* atomic: video samples posted, not yet emitted */
  gint64 frames;              /* atomic */
  gint first_seen;            /* atomic flag: first decoded frame reported */
  gint64 first_frame_us;      /* atomic: when, since the peer was created */
} ZeroRecvStream;

/* A call posted to the peer's main context (see _zero_peer_post). */
typedef struct {
  ZeroPeer *self;
  GSourceFunc func;
  gpointer data;
  GDestroyNotify destroy;
} ZeroPeerPost;

struct _ZeroPeer {
  GObject parent_instance;

  GMainContext *context;
  GstBin *parent_bin;
  GstBin *bin;                /* our ZeroPeerBin inside parent_bin */
  GstElement *webrtc;
  gpointer nice_agent;        /* NiceAgent (ref) */
  char *remote_id;
  gboolean offerer;
  ZeroPeerOptions opts;       /* deep copy: ice_servers ref'd, video_caps dup'd */
  GstCaps *video_caps;

  ZeroPeerState state;
  GError *error;
  gboolean started;
  gboolean closed;
  gboolean closing;
  gint64 created_us;

  /* Phase timestamps (µs since created_us; 0 = not yet). */
  gint64 t_offer, t_answer, t_ice_connected, t_dtls_connected, t_connected, t_data_open;
  gint64 t_first_rtp;         /* atomic */

  /* Media. */
  ZeroSendStream *send[ZERO_MEDIA_N_KINDS];
  GMutex lock;                /* guards recv, send[], remote_fingerprints, building */
  GCond build_cond;
  guint building;             /* receive branches being built (streaming threads) */
  gboolean media_closing;     /* no more receive branches */
  GPtrArray *recv;            /* of ZeroRecvStream* */
  GArray *remote_kinds;       /* int ZeroMediaKind per m-line of the remote SDP (-1: none) */
  GHashTable *local_pt_kinds; /* payload type -> ZeroMediaKind in our last SDP */
  ZeroPeerPlaybackRequest playback_request;
  ZeroPeerPlaybackRelease playback_release;
  gpointer playback_data;
  GDestroyNotify playback_destroy;
  gint first_frame_sent[ZERO_MEDIA_N_KINDS]; /* atomic flags */
  gint64 audio_buffers;       /* atomic */
  gint64 video_frames;        /* atomic: camera + screen */

  /* Data channel. */
  GstWebRTCDataChannel *channel;
  GstWebRTCDataChannel *hooked_channel; /* ref; signals connected (guarded by lock) */
  gboolean data_open;
  GPtrArray *early_messages;  /* received before data-open was emitted */

  /* Negotiation. */
  gboolean negotiating;       /* an offer/answer exchange is in flight */
  gboolean awaiting_answer;   /* offerer: our offer went out, its answer has not come */
  gboolean renegotiate_again; /* re-offer once the current exchange completes */
  gboolean want_remote_screen; /* offerer: the answerer asked for a screen m-line */
  gboolean have_remote_description;
  GPtrArray *pending_candidates; /* of JsonObject* (refs) waiting for the remote SDP */
  GPtrArray *local_candidates;   /* of JsonObject* (refs) sent, for ICE restarts */
  char *remote_ufrag;
  int offer_mline[ZERO_MEDIA_N_KINDS]; /* offerer: m-line of each kind, -1 if none */

  /* Connection management. */
  gboolean ice_restarting;
  guint restart_attempts;
  gint64 last_restart_us;
  guint connect_timeout_id;
  guint restart_timeout_id;
  guint stats_timeout_id;
  guint rtcp_tune_id;         /* pending tune_rtcp() */
  gboolean rtcp_tuned;
  gint64 last_rx_us;          /* atomic: last packet from the remote (nicesrc probe) */

  /* Security: the remote SDP's fingerprints ("sha-256 AB:CD..."), and the verdict. */
  GStrv remote_fingerprints;
  gint verified;              /* atomic: 1 once the DTLS certificate matched */
  gint fingerprint_failed;    /* atomic */
  GstElement *dtls_dec;       /* dtlssrtpdec of the transport (ref) */

  /* Stats. */
  ZeroPeerStats *stats;
  gboolean stats_pending;
  GstPromise *stats_promise;  /* the get-stats request in flight (ref) */
  gint64 prev_bytes_sent, prev_bytes_recv, prev_frames;
  gint64 prev_stats_us;
  double remb_bps;            /* guarded by lock */
  GObject *rtp_session;       /* internal RTPSession (ref) for REMB */
};

/* zero-peer.c */
void      _zero_peer_post          (ZeroPeer     *self,
                                    GSourceFunc   func,
                                    gpointer      data,
                                    GDestroyNotify destroy);
void      _zero_peer_fail          (ZeroPeer     *self,
                                    GError       *error);
gint64    _zero_peer_now           (ZeroPeer     *self);
/* Timeouts on the peer's main context (not necessarily the global default one). */
guint     _zero_peer_timeout_add   (ZeroPeer     *self,
                                    guint         ms,
                                    GSourceFunc   func);
void      _zero_peer_timeout_clear (ZeroPeer     *self,
                                    guint        *id);
void      _zero_peer_check_liveness (ZeroPeer    *self);

/* zero-peer-media.c */
ZeroSendStream *_zero_send_stream_new   (ZeroPeer      *self,
                                         ZeroMediaKind  kind,
                                         ZeroCodec      codec,
                                         GstPad        *encoded_src);
/* Builds the elements with @pt/@fmtp and links them to a webrtcbin sink pad: a new
 * sendrecv transceiver when @mline < 0, else the existing one of that m-line. */
gboolean  _zero_send_stream_attach     (ZeroSendStream *stream,
                                        int             pt,
                                        const GstStructure *fmtp,
                                        int             mline,
                                        GError        **error);
gboolean  _zero_peer_prepare_answer    (ZeroPeer      *self,
                                        GstSDPMessage *offer,
                                        GError       **error);
int       _zero_default_pt             (ZeroMediaKind kind,
                                        ZeroCodec     codec);
void      _zero_send_stream_free       (ZeroSendStream *stream);
GstCaps  *_zero_codec_rtp_caps         (ZeroMediaKind kind,
                                        ZeroCodec     codec,
                                        int           pt,
                                        const GstStructure *fmtp);
GstCaps  *_zero_recv_codec_caps        (ZeroMediaKind kind,
                                        const GstSDPMedia *offer);
ZeroCodec _zero_codec_from_caps        (const GstCaps *caps);
ZeroCodec _zero_codec_from_encoding_name (const char *name);
const char *_zero_codec_to_string      (ZeroCodec codec);
void      _zero_peer_on_pad_added      (GstElement *webrtc,
                                        GstPad     *pad,
                                        ZeroPeer   *self);
void      _zero_peer_media_teardown    (ZeroPeer   *self);
void      _zero_peer_send_keyframe     (ZeroPeer   *self);
void      _zero_recv_stream_free       (ZeroRecvStream *stream);

/* zero-peer-stats.c */
void      _zero_peer_stats_start       (ZeroPeer *self);
void      _zero_peer_stats_stop        (ZeroPeer *self);
void      _zero_peer_stats_sample_now  (ZeroPeer *self);
void      _zero_peer_attach_rtp_session (ZeroPeer *self);

G_END_DECLS

/* zero-sfu-client.h: a Zero call through a Janus VideoRoom (SFU mode, PROTOCOL.md §9).
 *
 * One ZeroSfuClient is one member's presence in the room a session moved to:
 *   - one Janus session (signaling/zero-janus-session.h) with keep-alives;
 *   - one publisher handle: `join` as publisher (room, pin, display = our signaling peer
 *     id, so that others map feeds to roster entries), then one ZeroPeer where we offer
 *     (no data channel) carrying one audio and one video stream from the shared encoders
 *     of the ZeroMediaSource (encode once; the mesh uses the same pads), sent with
 *     `publish` + JSEP offer, our candidates trickled;
 *   - one subscriber handle and one ZeroPeer per other publisher (Janus offers, we answer
 *     recvonly). One connection per publisher rather than one multistream subscription:
 *     ZeroPeer already turns one connection into one remote's decoded video, audio, stats
 *     and first-frame times, exactly what the mesh gives the session layer, so both modes
 *     look the same above; a publisher coming or going touches only its own connection
 *     (no renegotiation of everyone else's streams). The cost is one ICE/DTLS handshake
 *     per publisher.
 * Janus events drive the rest: `publishers` (subscribe), `unpublished`/`leaving`
 * (unsubscribe), `hangup` and failed connections (subscribe again, or reconnect). When the
 * Janus connection or session is lost (or our publisher connection fails), everything is
 * torn down and made again after a backoff (250 ms doubling to 10 s, with jitter): new
 * session, join, publish, subscribe. "No such room" is retried too (the signaling server
 * re-creates rooms after a Janus restart); unauthorized (wrong pin) and room full are
 * final (state FAILED).
 *
 * Data-channel features (chat, state, requests such as GET /info) do not go through Janus
 * in SFU mode: zero_sfu_client_send_data() relays a data-channel message through the
 * signaling server (`data`, PROTOCOL.md §9), and "data-message" delivers the ones that
 * arrive, with the sender's signaling peer id.
 *
 * Threading: everything runs on the GMainContext that was thread-default when the client
 * was made; signals are emitted there. Audio playback pads are asked for on streaming
 * threads (ZeroPeer); that path takes a lock of the client's own, so nothing else may use
 * the media source's playback pads at the same time (the session layer closes the mesh
 * before it starts the SFU client).
 *
 * Signals (peer ids are the publishers' displays, i.e. signaling peer ids):
 *   state-changed (int ZeroSfuClientState)
 *   publisher-added (const char *peer_id)       subscribed to a new publisher
 *   publisher-removed (const char *peer_id, const char *reason)  "unpublished", "left",
 *                                               "failed", "reconnecting", "stopped"
 *   peer-state (const char *peer_id, int ZeroPeerState)  a subscriber connection's state
 *   video-sample (const char *peer_id, int ZeroMediaKind, GstSample *)  decoded frames
 *   first-frame (const char *peer_id, int ZeroMediaKind, gint64 us)  µs since that
 *                                               publisher was added
 *   stats (const char *peer_id, ZeroPeerStats *) once a second per subscriber connection;
 *                                               peer_id NULL: our publisher connection
 *   message (const char *text)                  human-readable (translated) notice
 *   data-message (const char *from, const char *text)  a data-channel message relayed by
 *                                               the signaling server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "camera/zero-media-source.h"
#include "sfu/zero-sfu-error.h"
#include "signaling/zero-signaling-client.h"
#include "webrtc/zero-peer.h"

G_BEGIN_DECLS

typedef enum
{
  ZERO_SFU_CLIENT_STOPPED,      /* not started, or stopped */
  ZERO_SFU_CLIENT_CONNECTING,   /* Janus session, attach, join */
  ZERO_SFU_CLIENT_JOINED,       /* in the room; our publisher connection is being set up */
  ZERO_SFU_CLIENT_CONNECTED,    /* publishing (a viewer: in the room) */
  ZERO_SFU_CLIENT_RECONNECTING, /* lost; trying again after a backoff */
  ZERO_SFU_CLIENT_FAILED,       /* refused for good: zero_sfu_client_get_error() */
} ZeroSfuClientState;

const char *zero_sfu_client_state_to_string (ZeroSfuClientState state);

typedef struct
{
  const char *url;              /* Janus WebSocket URL (ws:// or wss://) */
  guint64 room;                 /* VideoRoom id */
  const char *pin;              /* room pin, nullable */
  const char *display;          /* our signaling peer id (1..128 bytes) */
  gboolean publish;             /* default TRUE; FALSE: subscribe only (a viewer) */
  ZeroPeerOptions peer;         /* for every connection; zero_sfu_client_options_init()
                                 * initialises it; send_audio/send_video pick what we publish */
  const char *api_secret;       /* Janus api_secret, nullable */
  gboolean create_room;         /* default FALSE; TRUE: `create` the room (with this pin)
                                 * before joining, when no server does (config-forced SFU
                                 * mode); an existing room is fine */
  const char *admin_key;        /* VideoRoom admin_key for create_room, nullable */
  guint keepalive_ms;           /* default 25000 (Janus drops sessions silent for 60 s) */
  guint transaction_timeout_ms; /* default 10000 */
  guint reconnect_min_ms;       /* default 250 */
  guint reconnect_max_ms;       /* default 10000 */
} ZeroSfuClientOptions;

void zero_sfu_client_options_init (ZeroSfuClientOptions *opts);

/* The room of @session when the client's config forces SFU mode and no server announced one
 * (sfu.enabled + sfu.url): id and pin derived from the session UUID alone, which every
 * member knows (knowing it is what lets one join the session anyway). */
void zero_sfu_forced_room (const char *session,
                           guint64    *room,
                           char      **pin);

#define ZERO_TYPE_SFU_CLIENT (zero_sfu_client_get_type ())
G_DECLARE_FINAL_TYPE (ZeroSfuClient, zero_sfu_client, ZERO, SFU_CLIENT, GObject)

/* Options are copied. The peers live in @media's pipeline. */
ZeroSfuClient      *zero_sfu_client_new          (ZeroMediaSource            *media,
                                                  const ZeroSfuClientOptions *opts,
                                                  GError                    **error);

/* Where data-channel messages go and come from (PROTOCOL.md §9 `data`). */
void                zero_sfu_client_set_signaling (ZeroSfuClient       *self,
                                                   ZeroSignalingClient *signaling);

/* Connects, joins and publishes; keeps doing so (reconnecting) until stopped. */
void                zero_sfu_client_start        (ZeroSfuClient *self);
/* Leaves the room, detaches, destroys the Janus session, closes every connection (all
 * webrtcbins released, encoded pads given back), emitting publisher-removed ("stopped").
 * Safe to call more than once; start() may follow. */
void                zero_sfu_client_stop         (ZeroSfuClient *self);

ZeroSfuClientState  zero_sfu_client_get_state    (ZeroSfuClient *self);
/* Why the client FAILED (or the last error that made it reconnect), or NULL. */
const GError       *zero_sfu_client_get_error    (ZeroSfuClient *self);
guint64             zero_sfu_client_get_room     (ZeroSfuClient *self);
/* Our publisher's feed id in the room, 0 when not joined. */
guint64             zero_sfu_client_get_feed_id  (ZeroSfuClient *self);
/* Times the client made everything again after a loss. */
guint               zero_sfu_client_get_n_reconnects (ZeroSfuClient *self);

/* (transfer container) Peer ids of the publishers we are subscribed to, oldest first. */
GPtrArray          *zero_sfu_client_list_publishers (ZeroSfuClient *self);
gboolean            zero_sfu_client_has_publisher (ZeroSfuClient *self,
                                                   const char    *peer_id);
/* Our publisher connection, or NULL. */
ZeroPeer           *zero_sfu_client_get_publisher_peer  (ZeroSfuClient *self);
/* The subscriber connection receiving @peer_id, or NULL. */
ZeroPeer           *zero_sfu_client_get_subscriber_peer (ZeroSfuClient *self,
                                                         const char    *peer_id);
/* (transfer full) Our publisher connection's latest stats (-1 where unknown). */
ZeroPeerStats      *zero_sfu_client_get_publisher_stats (ZeroSfuClient *self);

/* Relays @text (one data-channel message: a JSON object, PROTOCOL.md §7) through the
 * signaling server to @to, or to every other member when @to is NULL. Fails when @text is
 * not a JSON object or there is no joined signaling client. */
gboolean            zero_sfu_client_send_data    (ZeroSfuClient *self,
                                                  const char    *to,
                                                  const char    *text,
                                                  GError       **error);

G_END_DECLS

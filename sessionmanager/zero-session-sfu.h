/* zero-session-sfu.h: the SFU side of a call, as ZeroSessionManager sees it.
 *
 * A ZeroSessionSfu wraps the ZeroSfuClient of a session that moved to a Janus room
 * (PROTOCOL.md section 9.1) and gives the session manager what ZeroPeerManager gives it in
 * the mesh, with the same signals (both implement ZeroMemberEvents, zero-member-events.h),
 * so that both modes feed the same roster code:
 * media per remote peer (keyed by signaling peer ids: Janus displays), and the
 * data-channel protocol of section 7 carried by the signaling server's `data` relay
 * instead of data channels: our `state` (to everyone on change, to each member when it is
 * added), chat lines, and requests (`GET /info` is asked of every member when it is added;
 * requests to us are answered: /info, /health, /stats; 404 otherwise).
 *
 * Threading: the GMainContext that was thread-default at creation (the manager's).
 *
 * Signals (first argument: the remote peer id):
 *   peer-state (const char *peer_id, int ZeroPeerState)  its subscription's state (a
 *                                            member that publishes nothing, a viewer, is
 *                                            CONNECTED once we are in the room)
 *   data-open (const char *peer_id)          the relay to it can be used (at once)
 *   chat (const char *peer_id, const char *id, const char *text, gint64 ts)
 *   remote-state (const char *peer_id, gpointer ZeroDataState *)
 *   info (const char *peer_id, JsonNode *body)
 *   video-sample (const char *peer_id, int ZeroMediaKind, GstSample *)
 *   first-frame (const char *peer_id, int ZeroMediaKind, gint64 us)
 *   message (const char *text, gboolean is_error)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sessionmanager/zero-session-manager.h"
#include "sfu/zero-sfu-client.h"
#include "webrtc/zero-data-message.h"

G_BEGIN_DECLS

#define ZERO_TYPE_SESSION_SFU (zero_session_sfu_get_type ())
G_DECLARE_FINAL_TYPE (ZeroSessionSfu, zero_session_sfu, ZERO, SESSION_SFU, GObject)

/* @opts is copied; @signaling must have joined (it carries the `data` relay). */
ZeroSessionSfu *zero_session_sfu_new        (ZeroMediaSource            *media,
                                             ZeroSignalingClient        *signaling,
                                             const ZeroSfuClientOptions *opts,
                                             const char                 *local_name,
                                             GError                    **error);
void            zero_session_sfu_start      (ZeroSessionSfu *self);
/* Leaves the room; every connection closed; pending requests fail. */
void            zero_session_sfu_stop       (ZeroSessionSfu *self);

ZeroSfuClient  *zero_session_sfu_get_client (ZeroSessionSfu *self);
guint64         zero_session_sfu_get_room   (ZeroSessionSfu *self);

/* A member of the roster: data-open now, our state and a GET /info to it. @publishes:
 * FALSE for a viewer (no subscription will come). */
void            zero_session_sfu_add_peer    (ZeroSessionSfu *self,
                                              const char     *peer_id,
                                              gboolean        publishes);
void            zero_session_sfu_remove_peer (ZeroSessionSfu *self,
                                              const char     *peer_id);
/* The connection receiving @peer_id's media, or NULL. */
ZeroPeer       *zero_session_sfu_get_peer    (ZeroSessionSfu *self,
                                              const char     *peer_id);

/* Sent to everyone now if it changed. */
void            zero_session_sfu_set_local_state (ZeroSessionSfu      *self,
                                                  const ZeroDataState *state);

/* A chat line to @to, or to every other member when NULL. */
gboolean        zero_session_sfu_send_chat  (ZeroSessionSfu *self,
                                             const char     *to,
                                             const char     *text,
                                             GError        **error);

void            zero_session_sfu_request_async  (ZeroSessionSfu     *self,
                                                 const char         *peer_id,
                                                 const char         *method,
                                                 const char         *path,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
JsonNode       *zero_session_sfu_request_finish (ZeroSessionSfu *self,
                                                 GAsyncResult   *result,
                                                 int            *status,
                                                 GError        **error);

/* What a member sends, summed over its connections (latest stats, about a second old). */
typedef struct {
  const char *mode;       /* "mesh" or "sfu"; NULL when not in a session */
  guint64 room;           /* the Janus room in SFU mode, else 0 */
  guint connections;      /* peer connections (mesh) or publisher + subscriptions (SFU) */
  double kbps_out;        /* RTP sent, all connections */
  int video_streams_out;  /* outbound video RTP streams that have sent packets (webrtcbin
                           * lists a retransmission (RTX) SSRC as one more, once it is used) */
  int audio_streams_out;
  int video_connections_out; /* connections sending video: one per copy of our camera that
                              * leaves this machine (mesh: N-1; SFU: 1) */
} ZeroSessionUpload;

/* Our side of the current session (either mode); FALSE when not in a session. Lives in
 * zero-session-manager.c. */
gboolean        zero_session_manager_get_upload (ZeroSessionManager *self,
                                                 ZeroSessionUpload  *out);
/* Our SFU side, or NULL in the mesh. */
ZeroSessionSfu *_zero_session_manager_get_sfu   (ZeroSessionManager *self);

/* Adds a connection's latest stats to @out (mode and room untouched). */
void            zero_session_upload_add (ZeroSessionUpload   *out,
                                         const ZeroPeerStats *stats);
/* Our publisher connection and subscriptions, added to @out. */
void            zero_session_sfu_add_upload (ZeroSessionSfu    *self,
                                             ZeroSessionUpload *out);

G_END_DECLS

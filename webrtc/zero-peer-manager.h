/* zero-peer-manager.h: the mesh, one ZeroPeer per remote peer of the session.
 *
 * The manager creates a ZeroPeer per remote peer as the roster changes (the caller says who
 * offers: PROTOCOL.md section 5, the earlier member), routes incoming offer / answer / ice /
 * request-offer to it by `from`, and hands each peer's outgoing messages back with `to` set.
 * Every peer gets a branch of the shared encoders of the ZeroMediaSource (encode once) and
 * plays its audio into the source's one playback mixer; when a peer connects the shared
 * encoder is asked for a keyframe, and each peer's receiver feedback drives the shared
 * encoder's bitrate (the worst peer wins). Removing a peer releases all of it.
 *
 * It also owns the data-channel protocol (PROTOCOL.md section 7, zero-data-channel.h): the
 * local `state` goes to every peer on open and on every change; chats; `GET /info` is asked of
 * every peer once its channel opens; requests to us are answered (`GET /info`, `/health`,
 * `/stats`; 404 otherwise; 405 for another method on a known path).
 *
 * Threading: everything here runs on the GMainContext that was thread-default when the
 * manager was made, and every signal is emitted there. The exception is the playback pads:
 * ZeroPeer asks for them on streaming threads, so that path takes `playback_lock` (the
 * media source's playback table has no lock of its own; only this manager uses it).
 *
 * Signals (the first argument is always the remote peer id); from peer-state to first-frame,
 * and audio-level, they are ZeroMemberEvents' (zero-member-events.h), which the SFU side
 * emits too:
 *   signal-out (const char *peer_id, JsonObject *msg)     a message to send, `to` already set
 *   peer-added (const char *peer_id)
 *   peer-removed (const char *peer_id, const char *reason)  "removed" (by the caller),
 *                                                    "failed" (gave up), "closed"
 *   peer-state (const char *peer_id, int ZeroPeerState)
 *   data-open (const char *peer_id)
 *   chat (const char *peer_id, const char *id, const char *text, gint64 ts)
 *   remote-state (const char *peer_id, gpointer ZeroDataState *)
 *   info (const char *peer_id, JsonNode *body)            the peer's GET /info answer
 *   video-sample (const char *peer_id, int ZeroMediaKind, GstSample *)  decoded frames
 *   first-frame (const char *peer_id, int ZeroMediaKind, gint64 us)  µs since the peer was
 *                                                    added
 *   stats (const char *peer_id, ZeroPeerStats *)     about once a second while connected
 *   audio-level (const char *peer_id, double rms_db) the peer's decoded audio, ~10/s
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "camera/zero-media-source.h"
#include "webrtc/zero-data-channel.h"
#include "webrtc/zero-peer.h"

G_BEGIN_DECLS

#define ZERO_TYPE_PEER_MANAGER (zero_peer_manager_get_type ())
G_DECLARE_FINAL_TYPE (ZeroPeerManager, zero_peer_manager, ZERO, PEER_MANAGER, GObject)

/* @peer_opts is copied (ice servers referenced): options for every ZeroPeer. With
 * `echo`, peers send back what they receive instead of the shared media; with
 * send_audio/send_video off (a viewer) they send nothing. */
ZeroPeerManager *zero_peer_manager_new        (ZeroMediaSource       *media,
                                               const ZeroPeerOptions *peer_opts);
ZeroMediaSource *zero_peer_manager_get_media_source (ZeroPeerManager *self);

/* The name GET /info answers with. */
void             zero_peer_manager_set_local_name  (ZeroPeerManager *self,
                                                    const char      *name);
/* Sent to every peer now (if it changed) and to every peer whose channel opens later. */
void             zero_peer_manager_set_local_state (ZeroPeerManager     *self,
                                                    const ZeroDataState *state);
const ZeroDataState *zero_peer_manager_get_local_state (ZeroPeerManager *self);

/* Creates the connection to @peer_id and starts it (an offerer sends its offer now). */
gboolean         zero_peer_manager_add_peer    (ZeroPeerManager *self,
                                                const char      *peer_id,
                                                gboolean         offerer,
                                                GError         **error);
/* Closes and forgets the connection; "peer-removed" (reason "removed") if it existed. */
void             zero_peer_manager_remove_peer (ZeroPeerManager *self,
                                                const char      *peer_id);
/* Removes every peer. */
void             zero_peer_manager_clear       (ZeroPeerManager *self);

gboolean         zero_peer_manager_has_peer    (ZeroPeerManager *self,
                                                const char      *peer_id);
ZeroPeer        *zero_peer_manager_get_peer    (ZeroPeerManager *self,
                                                const char      *peer_id);
ZeroDataChannel *zero_peer_manager_get_channel (ZeroPeerManager *self,
                                                const char      *peer_id);
/* (transfer container) The ids of the peers, in the order they were added. */
GPtrArray       *zero_peer_manager_list_peers  (ZeroPeerManager *self);

/* Routes a relayed offer / answer / ice / request-offer to the peer named by its `from`.
 * FALSE with an error naming the problem when there is no such peer or the peer refuses it. */
gboolean         zero_peer_manager_handle_signal (ZeroPeerManager *self,
                                                  JsonObject      *msg,
                                                  GError         **error);

/* Sends a chat line to every peer whose channel is open; returns how many got it. Fails
 * (returning 0) only when @text is not a valid chat text. @out_id/@out_ts: see
 * zero_data_channel_send_chat(). */
guint            zero_peer_manager_send_chat   (ZeroPeerManager *self,
                                                const char      *text,
                                                char           **out_id,
                                                gint64          *out_ts,
                                                GError         **error);
gboolean         zero_peer_manager_send_chat_to (ZeroPeerManager *self,
                                                 const char      *peer_id,
                                                 const char      *text,
                                                 GError         **error);

/* A request to one peer (see zero_data_channel_request_async()). */
void             zero_peer_manager_request_async  (ZeroPeerManager    *self,
                                                   const char         *peer_id,
                                                   const char         *method,
                                                   const char         *path,
                                                   JsonNode           *body,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
JsonNode        *zero_peer_manager_request_finish (ZeroPeerManager *self,
                                                   GAsyncResult    *result,
                                                   int             *status,
                                                   GError         **error);

/* The media source's screen share started: every peer gets it as an extra track
 * (renegotiation). Peers added later get it in their first negotiation. */
void             zero_peer_manager_add_screen    (ZeroPeerManager *self);
/* The screen share stopped (zero_media_source_remove_screen() freed its branches). */
void             zero_peer_manager_remove_screen (ZeroPeerManager *self);

G_END_DECLS

/* zero-janus-session.h: one session on a Janus server, over its WebSocket API.
 *
 * Speaks the Janus API (https://janus.conf.meetecho.com/docs/rest.html) over WebSocket with
 * the subprotocol `janus-protocol`: `create` on connect, `attach` to plugins, plugin
 * `message`s with an optional JSEP, `trickle`, `detach`, `destroy`. Every request carries
 * a fresh transaction and completes, or fails, exactly once: on Janus's `success`, `error`,
 * `ack` (trickle, keepalive) or, for asynchronous plugin requests, the plugin's `event`
 * with the same transaction; after `transaction-timeout` it fails with
 * ZERO_JANUS_ERROR_TIMEOUT. A `keepalive` goes out every `keepalive-interval` (Janus drops
 * sessions silent for 60 s by default). Events that answer no request (new publishers,
 * webrtcup, hangup, media, trickle, ...) are emitted as "handle-event".
 *
 * Used by the signaling server (zero-janus-admin.c: it creates rooms) and by the client's
 * SFU mode (sfu/). It knows nothing of media.
 *
 * Threading: everything runs on the GMainContext that was thread-default when the session
 * was made; signals are emitted there.
 *
 * Signals:
 *   handle-event (guint64 handle_id, JsonObject *message)  an event not answering a request
 *                            (the whole Janus message: "janus" is event, webrtcup, media,
 *                            slowlink, hangup, detached or trickle)
 *   closed (GError *error)   the connection is gone (lost, closed by Janus, or the session
 *                            timed out or was destroyed there); pending requests fail with
 *                            ZERO_JANUS_ERROR_CLOSED. Not emitted by zero_janus_session_close().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define ZERO_JANUS_ERROR (zero_janus_error_quark ())
GQuark zero_janus_error_quark (void);

/* Our own codes are below 100; every other code is Janus's own number: its core API errors
 * (403, 458 session not found, 459 handle not found, 465 invalid SDP, ...: apierror.h) or
 * the plugin's (VideoRoom: 426 no such room, 427 room exists, 432 publishers full, 433
 * unauthorized, ...). The message holds Janus's reason and the code. */
typedef enum
{
  ZERO_JANUS_ERROR_CONNECT = 1,   /* Janus cannot be reached, or refused the WebSocket */
  ZERO_JANUS_ERROR_CLOSED = 2,    /* not connected, or the connection or session went away */
  ZERO_JANUS_ERROR_TIMEOUT = 3,   /* no answer within transaction-timeout */
  ZERO_JANUS_ERROR_PROTOCOL = 4,  /* an answer that does not follow the Janus API */
  ZERO_JANUS_ERROR_INVALID = 5,   /* a bad argument (URL, ...) */
} ZeroJanusErrorCode;

/* Janus's own codes used by name in Zero. */
#define ZERO_JANUS_CODE_UNAUTHORIZED 403
#define ZERO_JANUS_CODE_SESSION_NOT_FOUND 458
#define ZERO_JANUS_CODE_HANDLE_NOT_FOUND 459
#define ZERO_JANUS_CODE_VIDEOROOM_NO_SUCH_ROOM 426
#define ZERO_JANUS_CODE_VIDEOROOM_ROOM_EXISTS 427
#define ZERO_JANUS_CODE_VIDEOROOM_NO_SUCH_FEED 428
#define ZERO_JANUS_CODE_VIDEOROOM_PUBLISHERS_FULL 432
#define ZERO_JANUS_CODE_VIDEOROOM_UNAUTHORIZED 433
#define ZERO_JANUS_CODE_VIDEOROOM_ALREADY_PUBLISHED 434
#define ZERO_JANUS_CODE_VIDEOROOM_ID_EXISTS 436

#define ZERO_TYPE_JANUS_SESSION (zero_janus_session_get_type ())
G_DECLARE_FINAL_TYPE (ZeroJanusSession, zero_janus_session, ZERO, JANUS_SESSION, GObject)

/* Properties: url (construct-only; ws:// or wss://), api-secret (string, NULL),
 * transaction-timeout (ms, 10000), keepalive-interval (ms, 25000; 0: none),
 * connect-timeout (s, 10), tls-database (GTlsDatabase, NULL = system CAs). */
ZeroJanusSession *zero_janus_session_new            (const char  *url,
                                                     GError     **error);
const char       *zero_janus_session_get_url        (ZeroJanusSession *self);

/* Opens the WebSocket and creates the Janus session. */
void              zero_janus_session_connect_async  (ZeroJanusSession   *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
gboolean          zero_janus_session_connect_finish (ZeroJanusSession *self,
                                                     GAsyncResult     *result,
                                                     GError          **error);
gboolean          zero_janus_session_is_connected   (ZeroJanusSession *self);
/* The Janus session id, 0 before connect completes. */
guint64           zero_janus_session_get_id         (ZeroJanusSession *self);

/* Attaches a plugin handle ("janus.plugin.videoroom"); completes with its id. */
void              zero_janus_session_attach_async   (ZeroJanusSession   *self,
                                                     const char         *plugin,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
guint64           zero_janus_session_attach_finish  (ZeroJanusSession *self,
                                                     GAsyncResult     *result,
                                                     GError          **error);

/* Sends a plugin request @body (with @jsep, e.g. {type, sdp}, when not NULL) on @handle.
 * Completes with the plugin's answer (plugindata.data: the synchronous `success` or the
 * asynchronous `event` of this transaction). A plugin answer with an `error_code` fails
 * with that code. */
void              zero_janus_session_message_async  (ZeroJanusSession   *self,
                                                     guint64             handle,
                                                     JsonObject         *body,
                                                     JsonObject         *jsep,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
/* Returns the plugin data (transfer full); @out_jsep (optional) receives the JSEP that came
 * with it, or NULL. */
JsonObject       *zero_janus_session_message_finish (ZeroJanusSession *self,
                                                     GAsyncResult     *result,
                                                     JsonObject      **out_jsep,
                                                     GError          **error);

/* Trickles one local candidate ({candidate, sdpMid, sdpMLineIndex}), or end-of-candidates
 * when @candidate is NULL. Fire and forget: a refusal is only logged. */
void              zero_janus_session_trickle        (ZeroJanusSession *self,
                                                     guint64           handle,
                                                     JsonObject       *candidate);
/* Detaches @handle. Fire and forget. */
void              zero_janus_session_detach         (ZeroJanusSession *self,
                                                     guint64           handle);

/* Destroys the Janus session (best effort: the request is sent, not awaited), fails every
 * pending request with ZERO_JANUS_ERROR_CLOSED and closes the WebSocket. No "closed"
 * signal. Safe to call more than once. */
void              zero_janus_session_close          (ZeroJanusSession *self);

/* Maps Janus's numeric code of a failed request (as in @error, which must be in
 * ZERO_JANUS_ERROR) to a short English name ("no such room"), or NULL. */
const char       *zero_janus_error_code_name        (int code);

G_END_DECLS

/* zero-data-channel.h: PROTOCOL.md section 7 spoken on one peer's `zero` data channel.
 *
 * A ZeroDataChannel sits on one ZeroPeer. It validates every incoming message
 * (zero-data-message.h), sends the local `state` as soon as the channel opens and on every
 * change, sends chats, answers `request`s through a handler (404 without one, 400 for a
 * malformed request that has a usable id), and matches `response`s to the requests it sent,
 * which time out (zero-dc-requests.h: the same code serves the SFU side's relay). Malformed
 * messages are counted and otherwise ignored, as are unknown types (extensions).
 *
 * Threading: like ZeroPeer, everything runs on the GMainContext that was thread-default when
 * the channel was made.
 *
 * Signals:
 *   open ()                                the channel opened (the local state is sent first)
 *   chat (const char *id, const char *text, gint64 ts)  a valid chat line
 *   remote-state (gpointer ZeroDataState*) the remote's media state (on every `state`)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "webrtc/zero-data-message.h"
#include "webrtc/zero-peer.h"

G_BEGIN_DECLS

/* How long a request waits for its response by default. */
#define ZERO_DATA_REQUEST_TIMEOUT_MS 5000

#define ZERO_TYPE_DATA_CHANNEL (zero_data_channel_get_type ())
G_DECLARE_FINAL_TYPE (ZeroDataChannel, zero_data_channel, ZERO, DATA_CHANNEL, GObject)

/* Answers one request: returns the body (transfer full; NULL means JSON null) and sets
 * *@status. */
typedef JsonNode *(*ZeroDataRequestHandler) (ZeroDataChannel *channel,
                                             const char      *method,
                                             const char      *path,
                                             JsonNode        *body,
                                             int             *status,
                                             gpointer         user_data);

ZeroDataChannel *zero_data_channel_new          (ZeroPeer *peer);
ZeroPeer        *zero_data_channel_get_peer     (ZeroDataChannel *self);
gboolean         zero_data_channel_is_open      (ZeroDataChannel *self);

void             zero_data_channel_set_handler  (ZeroDataChannel       *self,
                                                 ZeroDataRequestHandler handler,
                                                 gpointer               user_data,
                                                 GDestroyNotify         destroy);

/* Remembers @state and sends it when the channel is open and it changed. */
void             zero_data_channel_set_local_state (ZeroDataChannel     *self,
                                                    const ZeroDataState *state);
/* The remote's last `state`, or NULL before the first one. */
const ZeroDataState *zero_data_channel_get_remote_state (ZeroDataChannel *self);

/* Sends a chat line with a fresh UUID and the current time; @out_id and @out_ts (optional)
 * receive them. Fails when the text is not 1..4096 characters or the channel is closed. */
gboolean         zero_data_channel_send_chat    (ZeroDataChannel *self,
                                                 const char      *text,
                                                 char           **out_id,
                                                 gint64          *out_ts,
                                                 GError         **error);

/* Sends a request; completes with the response, or G_IO_ERROR_TIMED_OUT after @timeout_ms
 * (0: ZERO_DATA_REQUEST_TIMEOUT_MS), G_IO_ERROR_CLOSED when the connection goes first, or
 * G_IO_ERROR_CANCELLED. */
void             zero_data_channel_request_async  (ZeroDataChannel    *self,
                                                   const char         *method,
                                                   const char         *path,
                                                   JsonNode           *body,
                                                   guint               timeout_ms,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
/* Returns the response body (transfer full; JSON null when it had none) and its status. */
JsonNode        *zero_data_channel_request_finish (ZeroDataChannel *self,
                                                   GAsyncResult    *result,
                                                   int             *status,
                                                   GError         **error);

/* Fails the requests in flight (G_IO_ERROR_CLOSED) and stops listening to the peer. */
void             zero_data_channel_close        (ZeroDataChannel *self);

/* Messages refused as malformed, and messages of unknown types ignored, so far. */
guint            zero_data_channel_get_n_refused (ZeroDataChannel *self);
guint            zero_data_channel_get_n_ignored (ZeroDataChannel *self);

G_END_DECLS

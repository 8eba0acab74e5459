/* zero-signaling-client.h: a client of the Zero signaling server.
 *
 * Connects over WebSocket (libsoup), joins one session, sends signaling
 * messages and emits one signal per incoming message type, each carrying
 * the validated message as a JsonObject (unknown fields included).
 *
 * When the connection is lost it reconnects with exponential backoff and full
 * jitter (reconnect-min-delay doubling up to reconnect-max-delay) and joins
 * the same session again: the server gives a fresh peer id and `welcome` is
 * emitted again, so callers rebuild their state from it. The re-join asks to
 * create the session (with the same password), since a restarted server has
 * forgotten it. A refused join (auth-failed, session-full, no-such-session,
 * ...) is never retried. The client also sends an application `ping` every
 * ping-interval and treats a server silent for `timeout` as dead. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "signaling/zero-message.h"
#include "signaling/zero-signaling-error.h"

G_BEGIN_DECLS

typedef enum
{
  ZERO_SIGNALING_CLIENT_DISCONNECTED,
  ZERO_SIGNALING_CLIENT_CONNECTING,
  ZERO_SIGNALING_CLIENT_CONNECTED,
  ZERO_SIGNALING_CLIENT_JOINED,
  ZERO_SIGNALING_CLIENT_RECONNECTING,
} ZeroSignalingClientState;

GType zero_signaling_client_state_get_type (void);
#define ZERO_TYPE_SIGNALING_CLIENT_STATE (zero_signaling_client_state_get_type ())

#define ZERO_TYPE_SIGNALING_CLIENT (zero_signaling_client_get_type ())
G_DECLARE_FINAL_TYPE (ZeroSignalingClient, zero_signaling_client, ZERO, SIGNALING_CLIENT, GObject)

/* "host:port", "ws://host[:port][/path]" or "wss://…" → a ws(s):// URL
 * whose path is /ws when none was given. */
char                    *zero_signaling_client_normalize_url (const char  *address,
                                                              GError     **error);

/* Properties: url (construct-only), state, session, peer-id (read-only),
 * reconnect-min-delay (ms, 250), reconnect-max-delay (ms, 10000),
 * ping-interval (ms, 15000), timeout (ms, 45000), tls-database (GTlsDatabase,
 * NULL = system CAs).
 * Signals: welcome, peer-joined, peer-left, offer, answer, ice, request-offer,
 * broadcast, error, pong, data, sfu (each: JsonObject *message; data and sfu are
 * PROTOCOL.md section 9), and
 * state-changed (ZeroSignalingClientState state). */
ZeroSignalingClient     *zero_signaling_client_new           (const char  *address,
                                                              GError     **error);

void                     zero_signaling_client_connect_async (ZeroSignalingClient *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean                 zero_signaling_client_connect_finish (ZeroSignalingClient *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);
/* Closes with status 1000 and stops reconnecting. */
void                     zero_signaling_client_disconnect    (ZeroSignalingClient *self);

/* Sends `join`; the answer is the `welcome` or `error` signal. The request is
 * remembered for re-joins until leave(), disconnect() or a refusal. */
gboolean                 zero_signaling_client_join          (ZeroSignalingClient *self,
                                                              const char          *session,
                                                              const char          *name,
                                                              ZeroRole             role,
                                                              gboolean             create,
                                                              const char          *password,
                                                              const char          *token,
                                                              GError             **error);
gboolean                 zero_signaling_client_leave         (ZeroSignalingClient *self,
                                                              GError             **error);

/* Sends any client-to-server message except join/leave, after checking it
 * against the protocol's field tables. */
gboolean                 zero_signaling_client_send          (ZeroSignalingClient *self,
                                                              JsonObject          *message,
                                                              GError             **error);
gboolean                 zero_signaling_client_send_offer    (ZeroSignalingClient *self,
                                                              const char          *to,
                                                              const char          *sdp,
                                                              GError             **error);
gboolean                 zero_signaling_client_send_answer   (ZeroSignalingClient *self,
                                                              const char          *to,
                                                              const char          *sdp,
                                                              GError             **error);
/* @sdp_mline_index < 0 / @sdp_mid NULL: leave that field out (not both). */
gboolean                 zero_signaling_client_send_ice      (ZeroSignalingClient *self,
                                                              const char          *to,
                                                              const char          *candidate,
                                                              int                  sdp_mline_index,
                                                              const char          *sdp_mid,
                                                              GError             **error);
gboolean                 zero_signaling_client_request_offer (ZeroSignalingClient *self,
                                                              const char          *to,
                                                              GError             **error);
gboolean                 zero_signaling_client_broadcast     (ZeroSignalingClient *self,
                                                              JsonNode            *data,
                                                              GError             **error);
/* PROTOCOL.md section 9: a data-channel message @data relayed by the server to @to, or to
 * every other member when @to is NULL. */
gboolean                 zero_signaling_client_send_data     (ZeroSignalingClient *self,
                                                              const char          *to,
                                                              JsonObject          *data,
                                                              GError             **error);

ZeroSignalingClientState zero_signaling_client_get_state     (ZeroSignalingClient *self);
const char              *zero_signaling_client_get_url       (ZeroSignalingClient *self);
/* Valid while joined. */
const char              *zero_signaling_client_get_peer_id   (ZeroSignalingClient *self);
const char              *zero_signaling_client_get_session   (ZeroSignalingClient *self);

G_END_DECLS

/* zero-signaling-server.h: the Zero signaling server (PROTOCOL.md §1–4, 6, 8).
 *
 * SoupServer answers HTTP (/healthz, /metrics), TLS and the WebSocket
 * handshake on /ws; the upgraded connections are then served by this object
 * directly (see zero-signaling-server-ws.c for why). Everything runs on the
 * GMainContext that is thread-default when zero_signaling_server_listen() is
 * called, so the server can be embedded in the GTK app as well as run by the
 * zero-signaling daemon. Tunables are GObject properties, so tests and
 * embedders need no config file. */
#pragma once

#include <gio/gio.h>

#include "signaling/zero-signaling-error.h"

G_BEGIN_DECLS

#define ZERO_TYPE_SIGNALING_SERVER (zero_signaling_server_get_type ())
G_DECLARE_FINAL_TYPE (ZeroSignalingServer, zero_signaling_server, ZERO, SIGNALING_SERVER, GObject)

/* Properties (all readable and writable before listen()):
 *   max-peers (guint, 16)          peers per session
 *   max-sessions (guint, 10000)    0 = no limit
 *   max-frame (guint, 65536)       largest accepted message, bytes
 *   rate-limit (guint, 100)        messages per second per connection, 0 = off
 *   rate-burst (guint, 0)          bucket size; 0 = twice rate-limit
 *   ping-interval (guint, 15000)   ms of silence before the server pings
 *   timeout (guint, 45000)         ms of silence (no message, no pong) before a drop
 *   secret (string, NULL)          HS256 key; when set every join needs a token
 *   tls-certificate (GTlsCertificate, NULL)  serve wss:// / https://
 *   password-iterations (guint, 10000)       PBKDF2 rounds for session passwords
 *   max-queued-bytes (guint, 4 MiB) unsent output per connection before it is dropped
 *   http-timeout (guint, 30000)    ms a connection may stay plain HTTP (or mid-handshake)
 *   sfu-url (string, NULL)         Janus WebSocket URL; NULL: sessions stay peer-to-peer
 *   sfu-client-url (string, NULL)  the Janus URL members are sent (NULL: sfu-url)
 *   sfu-secret (string, NULL)      key for room ids, pins and secrets (NULL: random per run)
 *   sfu-admin-key (string, NULL)   Janus VideoRoom admin_key for creating rooms
 *   mesh-limit (guint, 4)          members beyond which a session moves to the SFU
 *   sfu-timeout (guint, 10000)     ms Janus has to answer a request
 *   (SFU mode, the `data` message and `welcome.sfu`: zero-sfu-policy.h, PROTOCOL.md §9)
 *
 * Policies PROTOCOL.md leaves open:
 * - Rate limit: a token bucket per connection (rate-limit per second,
 *   rate-burst deep) counts every text or binary message, valid or not. A
 *   message over the limit is dropped and answered with `rate-limited`; a
 *   sustained flood (2 × rate-burst drops in a row, at least 10) closes the
 *   connection with 1008 and its peer leaves with reason "disconnect".
 * - max-sessions reached: creating one more is refused with `session-full`.
 * - A password given when joining an existing session without one is
 *   ignored; `create: true` never overrides an existing session's password.
 * - With a secret, the token's `sub` becomes the peer's name.
 * - Invalid UTF-8 in a text frame: `bad-message`, then close 1007 (RFC 6455);
 *   protocol violations (unmasked frame, reserved bits, ...) close with 1002;
 *   a message over max-frame gets `too-large`, then close 1009.
 * - A peer that does not read its output (max-queued-bytes unsent) is dropped.
 * - WebSocket extensions and subprotocols are never negotiated.
 */
ZeroSignalingServer *zero_signaling_server_new           (void);

/* Loads a PEM certificate chain and key and sets tls-certificate. */
gboolean             zero_signaling_server_set_tls_files (ZeroSignalingServer *self,
                                                          const char          *cert_file,
                                                          const char          *key_file,
                                                          GError             **error);

/* Adds one entry to the `ice_servers` every `welcome` carries. */
void                 zero_signaling_server_add_ice_server (ZeroSignalingServer *self,
                                                           const char * const  *urls,
                                                           const char          *username,
                                                           const char          *credential);
void                 zero_signaling_server_clear_ice_servers (ZeroSignalingServer *self);

/* Listens on @host (an IP address or "localhost"; NULL = 127.0.0.1) and
 * @port (0 = pick a free one). */
gboolean             zero_signaling_server_listen        (ZeroSignalingServer *self,
                                                          const char          *host,
                                                          guint                port,
                                                          GError             **error);
guint                zero_signaling_server_get_port      (ZeroSignalingServer *self);
/* "ws://HOST:PORT/ws" (or wss://), or NULL before listen(). */
const char          *zero_signaling_server_get_url       (ZeroSignalingServer *self);

/* Stops listening and closes every WebSocket with status 1001. Peers still
 * connected are reported as left (reason "disconnect") to no one, since every
 * session goes. Sockets finish closing as their peers answer (or after 2 s);
 * n_connections reaches 0 then. */
void                 zero_signaling_server_shutdown      (ZeroSignalingServer *self);

guint                zero_signaling_server_get_n_sessions    (ZeroSignalingServer *self);
guint                zero_signaling_server_get_n_peers       (ZeroSignalingServer *self);
guint                zero_signaling_server_get_n_connections (ZeroSignalingServer *self);

/* The /metrics and /healthz bodies, as served. */
char                *zero_signaling_server_dup_metrics   (ZeroSignalingServer *self);
char                *zero_signaling_server_dup_health    (ZeroSignalingServer *self);

G_END_DECLS

/* zero-signaling-server-private.h: state shared by zero-signaling-server.c
 * (sessions, protocol, HTTP, API) and zero-signaling-server-ws.c (WebSocket
 * framing and socket I/O). */
#pragma once

#include <libsoup/soup.h>

#include "signaling/zero-auth.h"
#include "signaling/zero-json.h"
#include "signaling/zero-message.h"
#include "signaling/zero-signaling-server.h"

G_BEGIN_DECLS

typedef struct _ZeroConn ZeroConn;
typedef struct _ZeroSession ZeroSession;
typedef struct _ZeroJanusAdmin ZeroJanusAdmin;

/* Where a session's media goes (zero-sfu-policy.h). */
typedef enum
{
  ZERO_SESSION_MESH,
  ZERO_SESSION_MOVING, /* the room is being created */
  ZERO_SESSION_SFU,    /* announced: `sfu` sent, and in every welcome */
} ZeroSessionSfuState;

struct _ZeroSession
{
  char id[37];
  guint n_members;
  ZeroConn *members; /* intrusive list through ZeroConn.s_next/s_prev, oldest first */
  ZeroConn *last_member;
  ZeroPasswordHash *password;
  /* SFU (zero-sfu-policy.c) */
  guint8 sfu_state;         /* ZeroSessionSfuState */
  guint64 sfu_room;
  char *sfu_pin;
  char *sfu_room_secret;
  gint64 sfu_failed_us;     /* last failed room creation */
};

typedef enum
{
  CONN_OPEN,    /* WebSocket open */
  CONN_CLOSING, /* our close frame is queued or sent; waiting for the peer's */
  CONN_DEAD,    /* socket closed; freed at the end of the current dispatch */
} ConnState;

/* One WebSocket connection. Kept small: 10,000 idle ones must fit in 16 KiB
 * each, so buffers exist only while they hold data. */
struct _ZeroConn
{
  ZeroSignalingServer *server;
  int fd;
  guint8 state;             /* ConnState */
  guint8 frag_opcode;       /* opcode of the fragmented message being assembled */
  guint8 role;              /* ZeroRole */
  guint epoll_out : 1;      /* waiting for EPOLLOUT */
  guint dirty : 1;          /* on the server's flush list */
  guint destroy_after_flush : 1;
  guint16 strikes;          /* messages dropped in a row by the rate limit */

  GIOStream *tls_stream;    /* TLS only: the GTlsConnection's stream */

  ZeroConn *prev, *next;    /* every connection */
  ZeroConn *dirty_next;     /* flush list */
  ZeroConn *dead_next;      /* free list */
  ZeroConn *s_prev, *s_next; /* session members */

  ZeroSession *session;     /* NULL until joined */
  char *peer_id;
  char *name;

  guint8 *rbuf;             /* bytes of an incomplete frame */
  guint32 rlen;
  GByteArray *frag;         /* fragments of a message */
  GByteArray *wbuf;         /* unsent output */
  gsize woff;

  gint64 last_rx_us;        /* last time anything arrived */
  gint64 last_ping_us;
  gint64 closing_since_us;
  double tokens;            /* rate-limit bucket */
  gint64 tokens_us;
};

typedef struct
{
  guint64 connections_total;
  guint64 sessions_total;
  guint64 joins_total;
  guint64 messages_received;
  guint64 messages_relayed;
  guint64 bytes_received;
  guint64 bytes_sent;
  guint64 timeouts;
  guint64 sfu_moves;
  guint64 sfu_failures;
  guint64 errors[ZERO_PROTOCOL_ERROR_N_CODES];
} ZeroServerMetrics;

struct _ZeroSignalingServer
{
  GObject parent_instance;

  /* properties */
  guint max_peers;
  guint max_sessions;
  guint max_frame;
  guint rate_limit;
  guint rate_burst;
  guint ping_interval_ms;
  guint timeout_ms;
  guint password_iterations;
  guint max_queued;
  guint http_timeout_ms;
  char *secret;
  GTlsCertificate *tls_certificate;
  GString *ice_servers_json;
  char *sfu_url;            /* Janus WebSocket URL, NULL: no SFU */
  char *sfu_client_url;     /* the URL members are given, NULL: sfu_url */
  char *sfu_secret;         /* key for room ids, pins and secrets */
  char *sfu_admin_key;      /* Janus VideoRoom admin_key */
  guint mesh_limit;
  guint sfu_timeout_ms;
  ZeroJanusAdmin *janus_admin;
  GSource *sfu_recreate_source; /* re-making rooms after Janus came back */
  guint sfu_recreate_delay_ms;

  SoupServer *soup;
  GMainContext *context;
  char *url;
  guint port;
  gboolean listening;
  gboolean shut_down;

  int epfd;
  GSocket *listener;
  gboolean accept_paused;
  GHashTable *pending;       /* GSocketConnection -> deadline (ms): not yet upgraded */
  GCancellable *cancellable; /* TLS handshakes under way */
  GSource *io_source;
  GSource *sweep_source;
  guint dispatch_depth;

  ZeroConn *conns;
  guint n_connections;
  ZeroConn *dirty;
  ZeroConn *dead;

  GHashTable *sessions; /* id -> ZeroSession */
  GHashTable *peers;    /* peer id -> ZeroConn */
  guint n_peers;
  guint64 peer_serial;
  char instance_tag[9];

  /* Scratch space reused by every message: nothing here is per connection. */
  ZeroJsonDoc doc;
  GString *out;
  GString *ref;
  GString *tmp;
  guint8 *rx;
  gsize rx_size;

  ZeroServerMetrics metrics;
};

/* zero-signaling-server-ws.c */
/* Binds and listens on @address (port 0 picks one, stored in self->port). */
gboolean  _zero_server_io_start        (ZeroSignalingServer *self,
                                        GSocketAddress      *address,
                                        GError             **error);
void      _zero_server_stop_listening  (ZeroSignalingServer *self);
void      _zero_server_io_stop         (ZeroSignalingServer *self);
void      _zero_server_adopt           (ZeroSignalingServer *self,
                                        GIOStream           *stream);
/* Brackets work done outside the I/O dispatch (timers, API calls): output is
 * flushed and closed connections freed when the outermost leave() runs. */
void      _zero_server_enter           (ZeroSignalingServer *self);
void      _zero_server_leave           (ZeroSignalingServer *self);
/* Queues one text frame holding @len bytes of @data. */
void      _zero_conn_send_text         (ZeroConn            *conn,
                                        const char          *data,
                                        gsize                len);
/* Frames out->str (which must start with ZERO_FRAME_HEADROOM spare bytes, see
 * _zero_frame_begin) in place; returns the frame and its length. */
#define ZERO_FRAME_HEADROOM 10
void      _zero_frame_begin            (GString             *out);
const guint8 *_zero_frame_finish       (GString             *out,
                                        gsize               *len);
void      _zero_conn_send_frame        (ZeroConn            *conn,
                                        const guint8        *frame,
                                        gsize                len);
/* Starts a close handshake with @code, or frees at once when @code is 0. */
void      _zero_conn_close             (ZeroConn            *conn,
                                        guint16              code,
                                        const char          *reason);
void      _zero_server_sweep           (ZeroSignalingServer *self,
                                        gint64               now);

/* zero-signaling-server.c */
void      _zero_server_handle_text     (ZeroSignalingServer *self,
                                        ZeroConn            *conn,
                                        const char          *data,
                                        gsize                len);
void      _zero_server_send_error      (ZeroSignalingServer *self,
                                        ZeroConn            *conn,
                                        ZeroProtocolError    code,
                                        const char          *message,
                                        const char          *ref);
/* Removes @conn from its session, telling the others why. */
void      _zero_server_leave_session   (ZeroSignalingServer *self,
                                        ZeroConn            *conn,
                                        ZeroLeaveReason      reason);

/* zero-sfu-policy.c */
gboolean  _zero_server_sfu_enabled     (ZeroSignalingServer *self);
const char *_zero_server_sfu_key       (ZeroSignalingServer *self);
/* A member joined: past the mesh limit, create the room and announce it. */
void      _zero_server_sfu_after_join  (ZeroSignalingServer *self,
                                        ZeroSession         *session);
/* The last member left: destroy the room. */
void      _zero_server_sfu_session_gone (ZeroSignalingServer *self,
                                         ZeroSession         *session);
/* FALSE unless the session is on the SFU; @out points into the session and server. */
gboolean  _zero_session_get_sfu        (ZeroSignalingServer *self,
                                        ZeroSession         *session,
                                        ZeroMessageSfu      *out);
void      _zero_session_sfu_clear      (ZeroSession         *session);
void      _zero_server_sfu_dispose     (ZeroSignalingServer *self);

G_END_DECLS

/* zero-signaling-client.c: WebSocket client of the signaling server. */
#include "signaling/zero-signaling-client.h"

#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "signaling/zero-uuid.h"

#define DEFAULT_PORT 8080
#define STABLE_CONNECTION_US (5 * G_USEC_PER_SEC)

G_DEFINE_ENUM_TYPE (ZeroSignalingClientState, zero_signaling_client_state,
                    G_DEFINE_ENUM_VALUE (ZERO_SIGNALING_CLIENT_DISCONNECTED, "disconnected"),
                    G_DEFINE_ENUM_VALUE (ZERO_SIGNALING_CLIENT_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (ZERO_SIGNALING_CLIENT_CONNECTED, "connected"),
                    G_DEFINE_ENUM_VALUE (ZERO_SIGNALING_CLIENT_JOINED, "joined"),
                    G_DEFINE_ENUM_VALUE (ZERO_SIGNALING_CLIENT_RECONNECTING, "reconnecting"))

typedef struct
{
  char *session;
  char *name;
  ZeroRole role;
  gboolean create;
  char *password;
  char *token;
} JoinRequest;

struct _ZeroSignalingClient
{
  GObject parent_instance;

  char *url;
  guint reconnect_min_ms;
  guint reconnect_max_ms;
  guint ping_interval_ms;
  guint timeout_ms;
  GTlsDatabase *tls_database;

  GMainContext *context;
  SoupSession *soup;
  SoupWebsocketConnection *ws;
  GCancellable *attempt_cancellable;
  GTask *connect_task;       /* the caller's connect_async, until it completes */
  GSource *reconnect_source;
  GSource *ping_source;
  guint attempt;             /* reconnect attempts since the last stable connection */
  gint64 connected_at_us;
  gint64 last_rx_us;
  gint64 ping_id;
  gboolean user_disconnected;

  ZeroSignalingClientState state;
  JoinRequest *join;         /* what to (re)join, NULL when not joining */
  char *peer_id;
  char *session;
};

enum
{
  PROP_0,
  PROP_URL,
  PROP_STATE,
  PROP_SESSION,
  PROP_PEER_ID,
  PROP_RECONNECT_MIN_DELAY,
  PROP_RECONNECT_MAX_DELAY,
  PROP_PING_INTERVAL,
  PROP_TIMEOUT,
  PROP_TLS_DATABASE,
  N_PROPS
};

enum
{
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
/* One signal per server-to-client message type, indexed by ZeroMessageType. */
static guint message_signals[ZERO_MESSAGE_N_TYPES];

G_DEFINE_FINAL_TYPE (ZeroSignalingClient, zero_signaling_client, G_TYPE_OBJECT)

static void start_attempt (ZeroSignalingClient *self);

static void
join_request_free (JoinRequest *join)
{
  if (join == NULL)
    return;
  g_free (join->session);
  g_free (join->name);
  g_free (join->password);
  g_free (join->token);
  g_free (join);
}

static void
set_state (ZeroSignalingClient *self, ZeroSignalingClientState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, state);
}

static void
clear_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
forget_membership (ZeroSignalingClient *self)
{
  g_clear_pointer (&self->peer_id, g_free);
  g_clear_pointer (&self->session, g_free);
}

/* Drops the current WebSocket without waiting for a close handshake. */
static void
drop_ws (ZeroSignalingClient *self, gushort code)
{
  SoupWebsocketConnection *ws = g_steal_pointer (&self->ws);

  clear_source (&self->ping_source);
  if (ws == NULL)
    return;
  g_signal_handlers_disconnect_by_data (ws, self);
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws, code, NULL);
  g_object_unref (ws);
}

static void
zero_signaling_client_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  ZeroSignalingClient *self = ZERO_SIGNALING_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URL: g_value_set_string (value, self->url); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_SESSION: g_value_set_string (value, self->session); break;
    case PROP_PEER_ID: g_value_set_string (value, self->peer_id); break;
    case PROP_RECONNECT_MIN_DELAY: g_value_set_uint (value, self->reconnect_min_ms); break;
    case PROP_RECONNECT_MAX_DELAY: g_value_set_uint (value, self->reconnect_max_ms); break;
    case PROP_PING_INTERVAL: g_value_set_uint (value, self->ping_interval_ms); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->timeout_ms); break;
    case PROP_TLS_DATABASE: g_value_set_object (value, self->tls_database); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_signaling_client_set_property (GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  ZeroSignalingClient *self = ZERO_SIGNALING_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URL: self->url = g_value_dup_string (value); break;
    case PROP_RECONNECT_MIN_DELAY: self->reconnect_min_ms = g_value_get_uint (value); break;
    case PROP_RECONNECT_MAX_DELAY: self->reconnect_max_ms = g_value_get_uint (value); break;
    case PROP_PING_INTERVAL: self->ping_interval_ms = g_value_get_uint (value); break;
    case PROP_TIMEOUT: self->timeout_ms = g_value_get_uint (value); break;
    case PROP_TLS_DATABASE:
      g_set_object (&self->tls_database, g_value_get_object (value));
      if (self->soup)
        soup_session_set_tls_database (self->soup, self->tls_database);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_signaling_client_dispose (GObject *object)
{
  ZeroSignalingClient *self = ZERO_SIGNALING_CLIENT (object);

  self->user_disconnected = TRUE;
  clear_source (&self->reconnect_source);
  if (self->attempt_cancellable)
    g_cancellable_cancel (self->attempt_cancellable);
  g_clear_object (&self->attempt_cancellable);
  drop_ws (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  if (self->soup)
    soup_session_abort (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->tls_database);

  G_OBJECT_CLASS (zero_signaling_client_parent_class)->dispose (object);
}

static void
zero_signaling_client_finalize (GObject *object)
{
  ZeroSignalingClient *self = ZERO_SIGNALING_CLIENT (object);

  g_assert (self->connect_task == NULL);
  join_request_free (self->join);
  g_free (self->url);
  g_free (self->peer_id);
  g_free (self->session);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (zero_signaling_client_parent_class)->finalize (object);
}

static void
zero_signaling_client_class_init (ZeroSignalingClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  static const ZeroMessageType incoming[] = {
    ZERO_MESSAGE_WELCOME, ZERO_MESSAGE_PEER_JOINED, ZERO_MESSAGE_PEER_LEFT, ZERO_MESSAGE_OFFER,
    ZERO_MESSAGE_ANSWER, ZERO_MESSAGE_ICE, ZERO_MESSAGE_REQUEST_OFFER, ZERO_MESSAGE_BROADCAST,
    ZERO_MESSAGE_ERROR, ZERO_MESSAGE_PONG, ZERO_MESSAGE_DATA, ZERO_MESSAGE_SFU,
  };

  object_class->get_property = zero_signaling_client_get_property;
  object_class->set_property = zero_signaling_client_set_property;
  object_class->dispose = zero_signaling_client_dispose;
  object_class->finalize = zero_signaling_client_finalize;

  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, "Server URL (ws:// or wss://)", NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, "Connection state", ZERO_TYPE_SIGNALING_CLIENT_STATE,
                       ZERO_SIGNALING_CLIENT_DISCONNECTED, ro);
  properties[PROP_SESSION] = g_param_spec_string ("session", NULL, "Joined session", NULL, ro);
  properties[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, "Our peer id", NULL, ro);
  properties[PROP_RECONNECT_MIN_DELAY] =
    g_param_spec_uint ("reconnect-min-delay", NULL, "First reconnect backoff (ms)", 1, G_MAXUINT,
                       250, rw);
  properties[PROP_RECONNECT_MAX_DELAY] =
    g_param_spec_uint ("reconnect-max-delay", NULL, "Backoff cap (ms)", 1, G_MAXUINT, 10000, rw);
  properties[PROP_PING_INTERVAL] =
    g_param_spec_uint ("ping-interval", NULL, "Application ping interval (ms, 0: off)", 0,
                       G_MAXUINT, 15000, rw);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, "Server silence (ms) that means it is dead (0: never)",
                       0, G_MAXUINT, 45000, rw);
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, "CA database for wss:// (NULL: system)",
                         G_TYPE_TLS_DATABASE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, ZERO_TYPE_SIGNALING_CLIENT_STATE);

  for (guint i = 0; i < G_N_ELEMENTS (incoming); i++)
    message_signals[incoming[i]] =
      g_signal_new (zero_message_type_to_string (incoming[i]), G_TYPE_FROM_CLASS (klass),
                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
}

static void
zero_signaling_client_init (ZeroSignalingClient *self)
{
  self->reconnect_min_ms = 250;
  self->reconnect_max_ms = 10000;
  self->ping_interval_ms = 15000;
  self->timeout_ms = 45000;
  self->context = g_main_context_ref_thread_default ();
  self->soup = soup_session_new_with_options ("timeout", 15, "idle-timeout", 0, NULL);
}

/* --- URL ----------------------------------------------------------------- */

char *
zero_signaling_client_normalize_url (const char *address, GError **error)
{
  g_autofree char *trimmed = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *scheme;
  const char *path;
  const char *host;
  int port;
  gboolean v6;

  g_return_val_if_fail (address != NULL, NULL);

  trimmed = g_strstrip (g_strdup (address));
  if (*trimmed == '\0')
    {
      g_set_error_literal (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID_URL,
                           "empty server address");
      return NULL;
    }

  if (strstr (trimmed, "://") == NULL)
    {
      /* host, host:port or [v6]:port */
      g_autofree char *as_url = g_strconcat ("ws://", trimmed, NULL);
      uri = g_uri_parse (as_url, G_URI_FLAGS_NONE, &local_error);
      if (uri && (g_strcmp0 (g_uri_get_path (uri), "") != 0 || g_uri_get_query (uri) ||
                  g_uri_get_userinfo (uri)))
        g_clear_pointer (&uri, g_uri_unref);
    }
  else
    uri = g_uri_parse (trimmed, G_URI_FLAGS_NONE, &local_error);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID_URL,
                   "\"%s\" is not a server address (expected host:port or a ws:// or wss:// URL)",
                   address);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "http") == 0)
    scheme = "ws";
  else if (g_ascii_strcasecmp (scheme, "wss") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    scheme = "wss";
  else
    {
      g_set_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID_URL,
                   "\"%s\": unsupported scheme \"%s\" (use ws:// or wss://)", address, scheme);
      return NULL;
    }

  port = g_uri_get_port (uri);
  if (port <= 0)
    port = strstr (trimmed, "://") ? (g_str_equal (scheme, "wss") ? 443 : 80) : DEFAULT_PORT;
  path = g_uri_get_path (uri);
  if (path == NULL || *path == '\0' || g_str_equal (path, "/"))
    path = "/ws";
  host = g_uri_get_host (uri);
  v6 = strchr (host, ':') != NULL;

  return g_strdup_printf ("%s://%s%s%s:%d%s%s%s", scheme, v6 ? "[" : "", host, v6 ? "]" : "",
                          port, path, g_uri_get_query (uri) ? "?" : "",
                          g_uri_get_query (uri) ? g_uri_get_query (uri) : "");
}

ZeroSignalingClient *
zero_signaling_client_new (const char *address, GError **error)
{
  g_autofree char *url = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  url = zero_signaling_client_normalize_url (address, error);
  if (url == NULL)
    return NULL;
  return g_object_new (ZERO_TYPE_SIGNALING_CLIENT, "url", url, NULL);
}

/* --- sending ------------------------------------------------------------- */

static gboolean
send_text (ZeroSignalingClient *self, const char *text, GError **error)
{
  if (self->ws == NULL || soup_websocket_connection_get_state (self->ws) !=
                            SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_CLOSED,
                           "not connected to the signaling server");
      return FALSE;
    }
  soup_websocket_connection_send_text (self->ws, text);
  return TRUE;
}

/* Sends text built by us or a caller, after the same checks the server
 * makes, so this client never sends what the protocol refuses. */
static gboolean
send_checked (ZeroSignalingClient *self, const char *text, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonObject) checked = NULL;

  checked = zero_message_parse (text, -1, ZERO_MESSAGE_TO_SERVER, NULL, NULL, &local_error);
  if (checked == NULL)
    {
      g_set_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID,
                   "refusing to send an invalid message: %s", local_error->message);
      return FALSE;
    }
  return send_text (self, text, error);
}

static void
send_join (ZeroSignalingClient *self, gboolean rejoin)
{
  JoinRequest *j = self->join;
  g_autofree char *text = NULL;

  text = zero_message_build_join (j->session, j->name, j->role, rejoin ? TRUE : j->create,
                                  j->password, j->token);
  send_text (self, text, NULL);
}

/* --- receiving ----------------------------------------------------------- */

static void
handle_error_message (ZeroSignalingClient *self, JsonObject *message)
{
  const char *ref = json_object_get_string_member_with_default (message, "ref", NULL);

  /* A refused join is final: forget it, so it is not retried. */
  if (g_strcmp0 (ref, "join") == 0 && self->state != ZERO_SIGNALING_CLIENT_JOINED)
    g_clear_pointer (&self->join, join_request_free);
}

static void
on_ws_message (SoupWebsocketConnection *ws, int type, GBytes *bytes, gpointer user_data)
{
  ZeroSignalingClient *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) message = NULL;
  ZeroMessageType mtype;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  self->last_rx_us = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_message ("ignoring a binary frame from the signaling server");
      return;
    }
  message = zero_message_parse (data, (gssize) len, ZERO_MESSAGE_TO_CLIENT, &mtype, NULL, &error);
  if (message == NULL)
    {
      g_message ("ignoring an invalid message from the signaling server: %s", error->message);
      return;
    }

  g_object_ref (self);
  switch (mtype)
    {
    case ZERO_MESSAGE_WELCOME:
      g_free (self->peer_id);
      self->peer_id = g_strdup (json_object_get_string_member (message, "peer_id"));
      g_free (self->session);
      self->session = g_strdup (json_object_get_string_member (message, "session"));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_ID]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
      self->attempt = 0;
      set_state (self, ZERO_SIGNALING_CLIENT_JOINED);
      break;
    case ZERO_MESSAGE_ERROR:
      handle_error_message (self, message);
      break;
    default:
      break;
    }
  if (message_signals[mtype])
    g_signal_emit (self, message_signals[mtype], 0, message);
  g_object_unref (self);
}

/* --- connection life ----------------------------------------------------- */

static gboolean
on_reconnect_timeout (gpointer user_data)
{
  ZeroSignalingClient *self = user_data;

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (ZeroSignalingClient *self)
{
  guint64 cap;
  guint delay;

  if (self->user_disconnected || self->reconnect_source)
    return;

  /* Full jitter: uniform in [0, min(max, min * 2^attempt)]. */
  cap = (guint64) self->reconnect_min_ms << MIN (self->attempt, 30);
  cap = MIN (cap, self->reconnect_max_ms);
  delay = (guint) g_random_int_range (0, (gint32) MIN (cap, G_MAXINT32 - 1) + 1);
  self->attempt++;
  g_debug ("reconnecting to %s in %u ms (attempt %u)", self->url, delay, self->attempt);

  set_state (self, ZERO_SIGNALING_CLIENT_RECONNECTING);
  self->reconnect_source = g_timeout_source_new (delay);
  g_source_set_callback (self->reconnect_source, on_reconnect_timeout, self, NULL);
  g_source_attach (self->reconnect_source, self->context);
}

static void
connection_lost (ZeroSignalingClient *self, const char *why)
{
  g_debug ("signaling connection lost: %s", why);
  if (g_get_monotonic_time () - self->connected_at_us >= STABLE_CONNECTION_US)
    self->attempt = 0;
  drop_ws (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  forget_membership (self);
  if (self->user_disconnected)
    set_state (self, ZERO_SIGNALING_CLIENT_DISCONNECTED);
  else
    schedule_reconnect (self);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  ZeroSignalingClient *self = user_data;

  connection_lost (self, "closed");
}

static gboolean
on_ping_timeout (gpointer user_data)
{
  ZeroSignalingClient *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *ping = NULL;

  if (self->timeout_ms && now - self->last_rx_us >= (gint64) self->timeout_ms * 1000)
    {
      /* The server (or the path to it) is dead: don't wait for TCP to notice. */
      connection_lost (self, "server silent");
      return G_SOURCE_REMOVE; /* connection_lost() destroyed this source */
    }
  ping = zero_message_build_ping (++self->ping_id);
  send_text (self, ping, NULL);
  return G_SOURCE_CONTINUE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ZeroSignalingClient *self = user_data;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;
  GTask *task;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->user_disconnected)
    {
      /* disconnect() or dispose(): the task (if any) is answered there */
      g_object_unref (self);
      return;
    }
  g_clear_object (&self->attempt_cancellable);
  task = g_steal_pointer (&self->connect_task);

  if (ws && self->user_disconnected)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (ws);
      g_object_unref (self);
      return;
    }
  if (ws == NULL)
    {
      if (task)
        {
          set_state (self, ZERO_SIGNALING_CLIENT_DISCONNECTED);
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_task_return_error (task, g_steal_pointer (&error));
          else
            g_task_return_new_error (task, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_CONNECT,
                                     "cannot connect to %s: %s", self->url, error->message);
          g_object_unref (task);
        }
      else
        schedule_reconnect (self);
      g_object_unref (self);
      return;
    }

  self->ws = ws;
  /* Relayed messages can be a little larger than the server's frame limit. */
  soup_websocket_connection_set_max_incoming_payload_size (ws, 16 * 1024 * 1024);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);
  self->connected_at_us = self->last_rx_us = g_get_monotonic_time ();
  if (self->ping_interval_ms)
    {
      self->ping_source = g_timeout_source_new (self->ping_interval_ms);
      g_source_set_callback (self->ping_source, on_ping_timeout, self, NULL);
      g_source_attach (self->ping_source, self->context);
    }
  set_state (self, ZERO_SIGNALING_CLIENT_CONNECTED);

  if (self->join)
    send_join (self, TRUE);

  if (task)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  g_object_unref (self);
}

/* Signaling messages are small and come in bursts (an answer, then its candidates): without
 * TCP_NODELAY, Nagle holds each one after the first until the previous is acknowledged. */
static void
on_network_event (SoupMessage       *msg,
                  GSocketClientEvent event,
                  GIOStream         *connection,
                  gpointer           user_data)
{
  GSocket *socket;

  if (event != G_SOCKET_CLIENT_CONNECTED || !G_IS_SOCKET_CONNECTION (connection))
    return;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection));
  if (g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV4 ||
      g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

static void
start_attempt (ZeroSignalingClient *self)
{
  g_autoptr (SoupMessage) msg = NULL;

  msg = soup_message_new (SOUP_METHOD_GET, self->url);
  if (msg == NULL)
    {
      /* normalize_url() made it, so this only happens for odd hosts */
      GTask *task = g_steal_pointer (&self->connect_task);
      set_state (self, ZERO_SIGNALING_CLIENT_DISCONNECTED);
      if (task)
        {
          g_task_return_new_error (task, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID_URL,
                                   "cannot use URL %s", self->url);
          g_object_unref (task);
        }
      return;
    }
  if (self->tls_database)
    soup_session_set_tls_database (self->soup, self->tls_database);
  g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event), NULL);

  self->attempt_cancellable = g_cancellable_new ();
  soup_session_websocket_connect_async (self->soup, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->attempt_cancellable, on_connected,
                                        g_object_ref (self));
}

void
zero_signaling_client_connect_async (ZeroSignalingClient *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (ZERO_IS_SIGNALING_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_signaling_client_connect_async);
  if (self->state != ZERO_SIGNALING_CLIENT_DISCONNECTED)
    {
      g_task_return_new_error (task, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_FAILED,
                               "already connected or connecting");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  self->user_disconnected = FALSE;
  self->attempt = 0;
  self->connect_task = g_steal_pointer (&task);
  set_state (self, ZERO_SIGNALING_CLIENT_CONNECTING);
  start_attempt (self);
  /* The caller's cancellable cancels the attempt under way. */
  if (cancellable && self->attempt_cancellable)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                             self->attempt_cancellable, G_CONNECT_SWAPPED);
}

gboolean
zero_signaling_client_connect_finish (ZeroSignalingClient *self, GAsyncResult *result,
                                      GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
zero_signaling_client_disconnect (ZeroSignalingClient *self)
{
  GTask *task;

  g_return_if_fail (ZERO_IS_SIGNALING_CLIENT (self));

  self->user_disconnected = TRUE;
  g_clear_pointer (&self->join, join_request_free);
  clear_source (&self->reconnect_source);
  if (self->attempt_cancellable)
    {
      g_cancellable_cancel (self->attempt_cancellable);
      g_clear_object (&self->attempt_cancellable);
    }
  task = g_steal_pointer (&self->connect_task);
  if (task)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "disconnected");
      g_object_unref (task);
    }
  drop_ws (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  forget_membership (self);
  set_state (self, ZERO_SIGNALING_CLIENT_DISCONNECTED);
}

/* --- public sending API -------------------------------------------------- */

gboolean
zero_signaling_client_join (ZeroSignalingClient *self, const char *session, const char *name,
                            ZeroRole role, gboolean create, const char *password,
                            const char *token, GError **error)
{
  g_autofree char *text = NULL;
  JoinRequest *join;

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (session != NULL && name != NULL, FALSE);

  if (self->state == ZERO_SIGNALING_CLIENT_JOINED)
    {
      g_set_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID,
                   "already joined session %s", self->session);
      return FALSE;
    }
  text = zero_message_build_join (session, name, role, create, password, token);
  if (!send_checked (self, text, error))
    return FALSE;

  join = g_new0 (JoinRequest, 1);
  join->session = g_strdup (session);
  join->name = g_strdup (name);
  join->role = role;
  join->create = create;
  join->password = g_strdup (password);
  join->token = g_strdup (token);
  join_request_free (self->join);
  self->join = join;
  return TRUE;
}

gboolean
zero_signaling_client_leave (ZeroSignalingClient *self, GError **error)
{
  g_autofree char *text = zero_message_build_leave ();

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);

  g_clear_pointer (&self->join, join_request_free);
  if (!send_text (self, text, error))
    return FALSE;
  forget_membership (self);
  set_state (self, ZERO_SIGNALING_CLIENT_CONNECTED);
  return TRUE;
}

gboolean
zero_signaling_client_send (ZeroSignalingClient *self, JsonObject *message, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) gen = NULL;
  g_autofree char *text = NULL;
  const char *type;

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  type = json_object_get_string_member_with_default (message, "type", NULL);
  if (g_strcmp0 (type, "join") == 0 || g_strcmp0 (type, "leave") == 0)
    {
      g_set_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID,
                   "use zero_signaling_client_%s() to send %s", type, type);
      return FALSE;
    }
  root = json_node_init_object (json_node_alloc (), message);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  return send_checked (self, text, error);
}

gboolean
zero_signaling_client_send_offer (ZeroSignalingClient *self, const char *to, const char *sdp,
                                  GError **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (to != NULL && sdp != NULL, FALSE);

  text = zero_message_build_offer (to, sdp);
  return send_checked (self, text, error);
}

gboolean
zero_signaling_client_send_answer (ZeroSignalingClient *self, const char *to, const char *sdp,
                                   GError **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (to != NULL && sdp != NULL, FALSE);

  text = zero_message_build_answer (to, sdp);
  return send_checked (self, text, error);
}

gboolean
zero_signaling_client_send_ice (ZeroSignalingClient *self, const char *to, const char *candidate,
                                int sdp_mline_index, const char *sdp_mid, GError **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (to != NULL && candidate != NULL, FALSE);

  if ((sdp_mid == NULL || *sdp_mid == '\0') && sdp_mline_index < 0)
    {
      g_set_error_literal (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID,
                           "an ICE candidate needs sdpMid or sdpMLineIndex");
      return FALSE;
    }
  if (sdp_mid && *sdp_mid == '\0')
    sdp_mid = NULL; /* PROTOCOL.md: never "" */
  text = zero_message_build_ice (to, candidate, sdp_mline_index, sdp_mid);
  return send_checked (self, text, error);
}

gboolean
zero_signaling_client_request_offer (ZeroSignalingClient *self, const char *to, GError **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (to != NULL, FALSE);

  text = zero_message_build_request_offer (to);
  return send_checked (self, text, error);
}

gboolean
zero_signaling_client_broadcast (ZeroSignalingClient *self, JsonNode *data, GError **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);

  text = zero_message_build_broadcast (data);
  return send_checked (self, text, error);
}

gboolean
zero_signaling_client_send_data (ZeroSignalingClient *self, const char *to, JsonObject *data,
                                 GError **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  text = zero_message_build_data (to, data);
  return send_checked (self, text, error);
}

ZeroSignalingClientState
zero_signaling_client_get_state (ZeroSignalingClient *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), ZERO_SIGNALING_CLIENT_DISCONNECTED);
  return self->state;
}

const char *
zero_signaling_client_get_url (ZeroSignalingClient *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), NULL);
  return self->url;
}

const char *
zero_signaling_client_get_peer_id (ZeroSignalingClient *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), NULL);
  return self->peer_id;
}

const char *
zero_signaling_client_get_session (ZeroSignalingClient *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (self), NULL);
  return self->session;
}

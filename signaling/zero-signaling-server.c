/* zero-signaling-server.c: sessions, the protocol, HTTP endpoints and the API
 * of ZeroSignalingServer. Socket I/O and framing: zero-signaling-server-ws.c. */
#include "signaling/zero-signaling-server-private.h"

#include <string.h>

#include "signaling/zero-janus-admin.h"
#include "signaling/zero-uuid.h"
#include "zero-build-config.h"

enum
{
  PROP_0,
  PROP_MAX_PEERS,
  PROP_MAX_SESSIONS,
  PROP_MAX_FRAME,
  PROP_RATE_LIMIT,
  PROP_RATE_BURST,
  PROP_PING_INTERVAL,
  PROP_TIMEOUT,
  PROP_SECRET,
  PROP_TLS_CERTIFICATE,
  PROP_PASSWORD_ITERATIONS,
  PROP_MAX_QUEUED_BYTES,
  PROP_HTTP_TIMEOUT,
  PROP_SFU_URL,
  PROP_SFU_CLIENT_URL,
  PROP_SFU_SECRET,
  PROP_SFU_ADMIN_KEY,
  PROP_MESH_LIMIT,
  PROP_SFU_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ZeroSignalingServer, zero_signaling_server, G_TYPE_OBJECT)

static void
session_free (gpointer data)
{
  ZeroSession *session = data;

  g_clear_pointer (&session->password, zero_password_hash_free);
  _zero_session_sfu_clear (session);
  g_free (session);
}

static void
zero_signaling_server_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  ZeroSignalingServer *self = ZERO_SIGNALING_SERVER (object);

  switch (prop_id)
    {
    case PROP_MAX_PEERS: g_value_set_uint (value, self->max_peers); break;
    case PROP_MAX_SESSIONS: g_value_set_uint (value, self->max_sessions); break;
    case PROP_MAX_FRAME: g_value_set_uint (value, self->max_frame); break;
    case PROP_RATE_LIMIT: g_value_set_uint (value, self->rate_limit); break;
    case PROP_RATE_BURST: g_value_set_uint (value, self->rate_burst); break;
    case PROP_PING_INTERVAL: g_value_set_uint (value, self->ping_interval_ms); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->timeout_ms); break;
    case PROP_SECRET: g_value_set_string (value, self->secret); break;
    case PROP_TLS_CERTIFICATE: g_value_set_object (value, self->tls_certificate); break;
    case PROP_PASSWORD_ITERATIONS: g_value_set_uint (value, self->password_iterations); break;
    case PROP_MAX_QUEUED_BYTES: g_value_set_uint (value, self->max_queued); break;
    case PROP_HTTP_TIMEOUT: g_value_set_uint (value, self->http_timeout_ms); break;
    case PROP_SFU_URL: g_value_set_string (value, self->sfu_url); break;
    case PROP_SFU_CLIENT_URL: g_value_set_string (value, self->sfu_client_url); break;
    case PROP_SFU_SECRET: g_value_set_string (value, self->sfu_secret); break;
    case PROP_SFU_ADMIN_KEY: g_value_set_string (value, self->sfu_admin_key); break;
    case PROP_MESH_LIMIT: g_value_set_uint (value, self->mesh_limit); break;
    case PROP_SFU_TIMEOUT: g_value_set_uint (value, self->sfu_timeout_ms); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Empty strings mean unset. */
static void
set_optional_string (char **field, const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
  if (*field && **field == '\0')
    g_clear_pointer (field, g_free);
}

static void
zero_signaling_server_set_property (GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  ZeroSignalingServer *self = ZERO_SIGNALING_SERVER (object);

  switch (prop_id)
    {
    case PROP_MAX_PEERS: self->max_peers = g_value_get_uint (value); break;
    case PROP_MAX_SESSIONS: self->max_sessions = g_value_get_uint (value); break;
    case PROP_MAX_FRAME:
      /* The read buffer is sized from it when listening starts. */
      if (self->listening)
        g_warning ("max-frame cannot change while listening");
      else
        self->max_frame = g_value_get_uint (value);
      break;
    case PROP_RATE_LIMIT: self->rate_limit = g_value_get_uint (value); break;
    case PROP_RATE_BURST: self->rate_burst = g_value_get_uint (value); break;
    case PROP_PING_INTERVAL: self->ping_interval_ms = g_value_get_uint (value); break;
    case PROP_TIMEOUT: self->timeout_ms = g_value_get_uint (value); break;
    case PROP_SECRET:
      g_free (self->secret);
      self->secret = g_value_dup_string (value);
      if (self->secret && *self->secret == '\0')
        g_clear_pointer (&self->secret, g_free);
      break;
    case PROP_TLS_CERTIFICATE:
      if (self->listening)
        g_warning ("tls-certificate cannot change while listening");
      else
        g_set_object (&self->tls_certificate, g_value_get_object (value));
      break;
    case PROP_PASSWORD_ITERATIONS: self->password_iterations = g_value_get_uint (value); break;
    case PROP_MAX_QUEUED_BYTES: self->max_queued = g_value_get_uint (value); break;
    case PROP_HTTP_TIMEOUT: self->http_timeout_ms = g_value_get_uint (value); break;
    case PROP_SFU_URL:
      set_optional_string (&self->sfu_url, value);
      g_clear_object (&self->janus_admin); /* made again for the new URL */
      break;
    case PROP_SFU_CLIENT_URL: set_optional_string (&self->sfu_client_url, value); break;
    case PROP_SFU_SECRET: set_optional_string (&self->sfu_secret, value); break;
    case PROP_SFU_ADMIN_KEY:
      set_optional_string (&self->sfu_admin_key, value);
      g_clear_object (&self->janus_admin);
      break;
    case PROP_MESH_LIMIT: self->mesh_limit = g_value_get_uint (value); break;
    case PROP_SFU_TIMEOUT: self->sfu_timeout_ms = g_value_get_uint (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_signaling_server_dispose (GObject *object)
{
  ZeroSignalingServer *self = ZERO_SIGNALING_SERVER (object);

  if (self->listening)
    zero_signaling_server_shutdown (self);
  _zero_server_io_stop (self);
  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->tls_certificate);
  _zero_server_sfu_dispose (self);

  G_OBJECT_CLASS (zero_signaling_server_parent_class)->dispose (object);
}

static void
zero_signaling_server_finalize (GObject *object)
{
  ZeroSignalingServer *self = ZERO_SIGNALING_SERVER (object);

  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->peers);
  g_hash_table_unref (self->sessions);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->url);
  g_free (self->secret);
  g_free (self->sfu_url);
  g_free (self->sfu_client_url);
  g_free (self->sfu_secret);
  g_free (self->sfu_admin_key);
  g_string_free (self->ice_servers_json, TRUE);
  g_string_free (self->out, TRUE);
  g_string_free (self->ref, TRUE);
  g_string_free (self->tmp, TRUE);
  zero_json_doc_clear (&self->doc);

  G_OBJECT_CLASS (zero_signaling_server_parent_class)->finalize (object);
}

static void
zero_signaling_server_class_init (ZeroSignalingServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = zero_signaling_server_get_property;
  object_class->set_property = zero_signaling_server_set_property;
  object_class->dispose = zero_signaling_server_dispose;
  object_class->finalize = zero_signaling_server_finalize;

  properties[PROP_MAX_PEERS] =
    g_param_spec_uint ("max-peers", NULL, "Peers per session", 1, G_MAXUINT16, 16, rw);
  properties[PROP_MAX_SESSIONS] =
    g_param_spec_uint ("max-sessions", NULL, "Sessions at once (0: no limit)", 0, G_MAXUINT,
                       10000, rw);
  properties[PROP_MAX_FRAME] =
    g_param_spec_uint ("max-frame", NULL, "Largest message in bytes", 128, 64 * 1024 * 1024,
                       65536, rw);
  properties[PROP_RATE_LIMIT] =
    g_param_spec_uint ("rate-limit", NULL, "Messages per second per connection (0: off)", 0,
                       G_MAXUINT, 100, rw);
  properties[PROP_RATE_BURST] =
    g_param_spec_uint ("rate-burst", NULL, "Rate-limit bucket size (0: twice rate-limit)", 0,
                       G_MAXUINT, 0, rw);
  properties[PROP_PING_INTERVAL] =
    g_param_spec_uint ("ping-interval", NULL, "Silence (ms) before a WebSocket ping (0: never)",
                       0, G_MAXUINT, 15000, rw);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, "Silence (ms) before a connection is dropped (0: never)",
                       0, G_MAXUINT, 45000, rw);
  properties[PROP_SECRET] =
    g_param_spec_string ("secret", NULL, "HS256 key for join tokens (NULL: no tokens)", NULL, rw);
  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, "Certificate for wss://",
                         G_TYPE_TLS_CERTIFICATE, rw);
  properties[PROP_PASSWORD_ITERATIONS] =
    g_param_spec_uint ("password-iterations", NULL, "PBKDF2 rounds for session passwords", 1,
                       G_MAXUINT, ZERO_PASSWORD_DEFAULT_ITERATIONS, rw);
  properties[PROP_MAX_QUEUED_BYTES] =
    g_param_spec_uint ("max-queued-bytes", NULL, "Unsent output per connection before a drop",
                       1024, G_MAXUINT, 4 * 1024 * 1024, rw);
  properties[PROP_HTTP_TIMEOUT] =
    g_param_spec_uint ("http-timeout", NULL,
                       "Time (ms) a connection may take to become a WebSocket (or finish HTTP)",
                       1, G_MAXUINT, 30000, rw);
  properties[PROP_SFU_URL] =
    g_param_spec_string ("sfu-url", NULL, "Janus WebSocket URL (NULL: mesh only)", NULL, rw);
  properties[PROP_SFU_CLIENT_URL] =
    g_param_spec_string ("sfu-client-url", NULL,
                         "Janus URL given to members (NULL: the same as sfu-url)", NULL, rw);
  properties[PROP_SFU_SECRET] =
    g_param_spec_string ("sfu-secret", NULL, "Key deriving room ids, pins and secrets", NULL, rw);
  properties[PROP_SFU_ADMIN_KEY] =
    g_param_spec_string ("sfu-admin-key", NULL, "Janus VideoRoom admin_key (NULL: none)", NULL,
                         rw);
  properties[PROP_MESH_LIMIT] =
    g_param_spec_uint ("mesh-limit", NULL,
                       "Members beyond which a session moves to the SFU (0: from the first)", 0,
                       G_MAXUINT16, 3, rw);
  properties[PROP_SFU_TIMEOUT] =
    g_param_spec_uint ("sfu-timeout", NULL, "Time (ms) Janus has to answer a request", 1,
                       G_MAXUINT, 10000, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zero_signaling_server_init (ZeroSignalingServer *self)
{
  guint32 tag;

  self->max_peers = 16;
  self->max_sessions = 10000;
  self->max_frame = 65536;
  self->rate_limit = 100;
  self->ping_interval_ms = 15000;
  self->timeout_ms = 45000;
  self->password_iterations = ZERO_PASSWORD_DEFAULT_ITERATIONS;
  self->max_queued = 4 * 1024 * 1024;
  self->http_timeout_ms = 30000;
  self->mesh_limit = 3; /* bench/sfu: a mesh client uploads 3 copies at N = 4 */
  self->sfu_timeout_ms = 10000;
  self->pending = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->epfd = -1;
  self->ice_servers_json = g_string_new ("[]");
  self->out = g_string_sized_new (1024);
  self->ref = g_string_new (NULL);
  self->tmp = g_string_new (NULL);
  zero_json_doc_init (&self->doc);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, session_free);
  self->peers = g_hash_table_new (g_str_hash, g_str_equal);

  /* Peer ids stay unique across restarts too, so a client that reconnects
   * after a restart never meets its old id in someone's stale state. */
  zero_random_bytes (&tag, sizeof tag);
  g_snprintf (self->instance_tag, sizeof self->instance_tag, "%08x", tag);

  self->soup = g_object_new (SOUP_TYPE_SERVER, "server-header", "zero-signaling/" ZERO_VERSION " ",
                             NULL);
}

/* --- protocol ------------------------------------------------------------ */

void
_zero_server_send_error (ZeroSignalingServer *self, ZeroConn *conn, ZeroProtocolError code,
                         const char *message, const char *ref)
{
  g_autoptr (GString) out = g_string_sized_new (160);

  self->metrics.errors[code]++;
  zero_message_append_error (out, code, message, ref);
  _zero_conn_send_text (conn, out->str, out->len);
}

static void
send_to_members (ZeroSignalingServer *self, ZeroSession *session, ZeroConn *except,
                 const guint8 *frame, gsize len)
{
  for (ZeroConn *m = session->members; m; m = m->s_next)
    if (m != except)
      _zero_conn_send_frame (m, frame, len);
}

void
_zero_server_leave_session (ZeroSignalingServer *self, ZeroConn *conn, ZeroLeaveReason reason)
{
  ZeroSession *session = conn->session;

  if (session == NULL)
    return;

  if (conn->s_prev)
    conn->s_prev->s_next = conn->s_next;
  else
    session->members = conn->s_next;
  if (conn->s_next)
    conn->s_next->s_prev = conn->s_prev;
  else
    session->last_member = conn->s_prev;
  conn->s_prev = conn->s_next = NULL;
  conn->session = NULL;
  session->n_members--;
  g_hash_table_remove (self->peers, conn->peer_id);
  self->n_peers--;

  if (session->n_members > 0)
    {
      g_autoptr (GString) out = g_string_sized_new (96);
      const guint8 *frame;
      gsize len;

      _zero_frame_begin (out);
      zero_message_append_peer_left (out, conn->peer_id, reason);
      frame = _zero_frame_finish (out, &len);
      send_to_members (self, session, NULL, frame, len);
    }
  else
    {
      _zero_server_sfu_session_gone (self, session);
      g_hash_table_remove (self->sessions, session->id); /* the last one out */
    }

  g_clear_pointer (&conn->peer_id, g_free);
  g_clear_pointer (&conn->name, g_free);
}

static gboolean
valid_name (const char *name)
{
  glong n = g_utf8_strlen (name, -1);
  return n >= 1 && n <= ZERO_MESSAGE_MAX_NAME_CHARS;
}

static char *
dup_optional_string (const ZeroJsonDoc *doc, const ZeroJsonNode *root, const char *key)
{
  const ZeroJsonNode *node = zero_json_object_get (doc, root, key);

  if (node == NULL || node->kind != ZERO_JSON_STRING || node->end - node->start == 2)
    return NULL; /* absent, null or "" */
  return zero_json_string_dup (doc, node);
}

static void
handle_join (ZeroSignalingServer *self, ZeroConn *conn, const char *ref)
{
  const ZeroJsonDoc *doc = &self->doc;
  const ZeroJsonNode *root = zero_json_root (doc);
  const ZeroJsonNode *node;
  g_autofree char *session_id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *password = NULL;
  g_autofree char *token = NULL;
  ZeroRole role = ZERO_ROLE_PARTICIPANT;
  gboolean create;
  ZeroSession *session;
  g_autoptr (GString) out = NULL;
  const guint8 *frame;
  gsize len;

  if (conn->session)
    {
      g_autofree char *msg = g_strdup_printf ("already joined session %s; send leave first",
                                              conn->session->id);
      _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_ALREADY_JOINED, msg, ref);
      return;
    }

  session_id = zero_json_string_dup (doc, zero_json_object_get (doc, root, "session"));
  name = zero_json_string_dup (doc, zero_json_object_get (doc, root, "name"));
  node = zero_json_object_get (doc, root, "role");
  if (node && node->kind == ZERO_JSON_STRING)
    {
      g_autofree char *r = zero_json_string_dup (doc, node);
      zero_role_from_string (r, &role);
    }
  node = zero_json_object_get (doc, root, "create");
  create = node && node->kind == ZERO_JSON_TRUE;
  password = dup_optional_string (doc, root, "password");
  token = dup_optional_string (doc, root, "token");

  if (self->secret)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *sub = NULL;
      g_autofree char *token_session = NULL;
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      if (!zero_jwt_verify (token, self->secret, now, &sub, &token_session, &error))
        {
          _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_AUTH_FAILED, error->message,
                                   ref);
          return;
        }
      if (strcmp (token_session, "*") != 0 && strcmp (token_session, session_id) != 0)
        {
          _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_AUTH_FAILED,
                                   "token refused: it is for another session", ref);
          return;
        }
      if (!valid_name (sub))
        {
          _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_AUTH_FAILED,
                                   "token refused: claim 'sub' is not a valid name", ref);
          return;
        }
      /* The token vouches for the name: it wins over the one in the join. */
      g_free (name);
      name = g_steal_pointer (&sub);
    }

  session = g_hash_table_lookup (self->sessions, session_id);
  if (session == NULL)
    {
      if (!create)
        {
          g_autofree char *msg = g_strdup_printf ("session %s does not exist (join with "
                                                  "\"create\": true to create it)", session_id);
          _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_NO_SUCH_SESSION, msg, ref);
          return;
        }
      if (self->max_sessions && g_hash_table_size (self->sessions) >= self->max_sessions)
        {
          g_autofree char *msg = g_strdup_printf ("the server holds its maximum of %u sessions",
                                                  self->max_sessions);
          _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_SESSION_FULL, msg, ref);
          return;
        }
      session = g_new0 (ZeroSession, 1);
      memcpy (session->id, session_id, 36);
      if (password)
        session->password = zero_password_hash_new (password, self->password_iterations);
      g_hash_table_insert (self->sessions, session->id, session);
      self->metrics.sessions_total++;
    }
  else
    {
      if (session->password && !zero_password_hash_verify (session->password, password))
        {
          _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_AUTH_FAILED,
                                   password ? "wrong session password"
                                            : "this session needs a password",
                                   ref);
          return;
        }
      if (session->n_members >= self->max_peers)
        {
          g_autofree char *msg = g_strdup_printf ("session is full (%u peers)", self->max_peers);
          _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_SESSION_FULL, msg, ref);
          return;
        }
    }

  conn->peer_id = g_strdup_printf ("%s-%" G_GUINT64_FORMAT, self->instance_tag,
                                   ++self->peer_serial);
  conn->name = g_steal_pointer (&name);
  conn->role = role;

  /* welcome first, so it precedes anything relayed to the newcomer */
  out = g_string_sized_new (256);
  {
    g_autofree ZeroMessagePeer *peers = g_new (ZeroMessagePeer, session->n_members + 1);
    ZeroMessageSfu sfu;
    guint i = 0;

    for (ZeroConn *m = session->members; m; m = m->s_next, i++)
      {
        peers[i].peer_id = m->peer_id;
        peers[i].name = m->name;
        peers[i].role = m->role;
      }
    _zero_frame_begin (out);
    zero_message_append_welcome_sfu (out, session->id, conn->peer_id, peers, i,
                                     self->ice_servers_json->str,
                                     _zero_session_get_sfu (self, session, &sfu) ? &sfu : NULL);
    frame = _zero_frame_finish (out, &len);
    _zero_conn_send_frame (conn, frame, len);
  }

  if (session->n_members > 0)
    {
      _zero_frame_begin (out);
      zero_message_append_peer_joined (out, conn->peer_id, conn->name, conn->role);
      frame = _zero_frame_finish (out, &len);
      send_to_members (self, session, NULL, frame, len);
    }

  conn->session = session;
  conn->s_prev = session->last_member;
  conn->s_next = NULL;
  if (session->last_member)
    session->last_member->s_next = conn;
  else
    session->members = conn;
  session->last_member = conn;
  session->n_members++;
  g_hash_table_insert (self->peers, conn->peer_id, conn);
  self->n_peers++;
  self->metrics.joins_total++;
  _zero_server_sfu_after_join (self, session);
}

static void
relay_targeted (ZeroSignalingServer *self, ZeroConn *conn, const char *ref)
{
  const ZeroJsonDoc *doc = &self->doc;
  ZeroConn *target;
  const guint8 *frame;
  gsize len;

  if (conn->session == NULL)
    {
      _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_NOT_JOINED,
                               "join a session before signaling", ref);
      return;
    }

  g_string_truncate (self->tmp, 0);
  zero_json_string_append (doc, zero_json_object_get (doc, zero_json_root (doc), "to"), self->tmp);
  target = g_hash_table_lookup (self->peers, self->tmp->str);
  if (target == NULL || target == conn || target->session != conn->session)
    {
      g_autofree char *msg = NULL;

      if (target == conn)
        msg = g_strdup ("you cannot send to yourself");
      else
        msg = g_strdup_printf ("no peer \"%.*s\" in your session", 128, self->tmp->str);
      _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_NO_SUCH_PEER, msg, ref);
      return;
    }

  _zero_frame_begin (self->out);
  zero_message_append_relay (self->out, doc, conn->peer_id);
  frame = _zero_frame_finish (self->out, &len);
  _zero_conn_send_frame (target, frame, len);
  self->metrics.messages_relayed++;
}

static void
relay_broadcast (ZeroSignalingServer *self, ZeroConn *conn, const char *ref)
{
  const guint8 *frame;
  gsize len;

  if (conn->session == NULL)
    {
      _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_NOT_JOINED,
                               "join a session before broadcasting", ref);
      return;
    }

  _zero_frame_begin (self->out);
  zero_message_append_relay (self->out, &self->doc, conn->peer_id);
  frame = _zero_frame_finish (self->out, &len);
  send_to_members (self, conn->session, conn, frame, len);
  self->metrics.messages_relayed += conn->session->n_members - 1;
}

static void
handle_ping (ZeroSignalingServer *self, ZeroConn *conn)
{
  const ZeroJsonDoc *doc = &self->doc;
  const ZeroJsonNode *id = zero_json_object_get (doc, zero_json_root (doc), "id");

  g_string_truncate (self->tmp, 0);
  if (id)
    zero_message_append_pong (self->tmp, doc->text + id->start, id->end - id->start);
  else
    zero_message_append_pong (self->tmp, NULL, 0);
  _zero_conn_send_text (conn, self->tmp->str, self->tmp->len);
}

/* Token bucket: rate-limit tokens per second, rate-burst deep. */
static gboolean
take_token (ZeroSignalingServer *self, ZeroConn *conn)
{
  gint64 now;
  double burst;

  if (self->rate_limit == 0)
    return TRUE;
  now = g_get_monotonic_time ();
  burst = self->rate_burst ? self->rate_burst : 2.0 * self->rate_limit;
  conn->tokens = MIN (burst, conn->tokens + (double) (now - conn->tokens_us) *
                                              self->rate_limit / G_USEC_PER_SEC);
  conn->tokens_us = now;
  if (conn->tokens < 1.0)
    return FALSE;
  conn->tokens -= 1.0;
  return TRUE;
}

void
_zero_server_handle_text (ZeroSignalingServer *self, ZeroConn *conn, const char *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  ZeroMessageType type = ZERO_MESSAGE_INVALID;
  const ZeroJsonNode *type_node = NULL;
  const char *ref = NULL;
  gboolean parsed;

  self->metrics.messages_received++;

  parsed = zero_json_parse (&self->doc, data, len, &error);
  if (parsed)
    {
      type = zero_message_validate (&self->doc, ZERO_MESSAGE_TO_SERVER, self->ref, &error);
      type_node = zero_json_object_get (&self->doc, zero_json_root (&self->doc), "type");
      if (type_node && type_node->kind == ZERO_JSON_STRING)
        ref = self->ref->str;
    }

  /* Rate limit first, so a flood of bad messages is limited too. A message
   * over the limit is dropped with a rate-limited error; a connection that
   * keeps flooding (2 × burst drops in a row) is closed with 1008. */
  if (!take_token (self, conn))
    {
      guint burst = self->rate_burst ? self->rate_burst : 2 * self->rate_limit;

      conn->strikes = (guint16) MIN (conn->strikes + 1, G_MAXUINT16);
      _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_RATE_LIMITED,
                               "too many messages: this one was dropped", ref);
      if (conn->strikes >= MAX (2 * burst, 10))
        {
          g_debug ("connection %p keeps flooding: closing it", conn);
          if (conn->session)
            _zero_server_leave_session (self, conn, ZERO_LEAVE_REASON_DISCONNECT);
          _zero_conn_close (conn, 1008, "rate limit exceeded");
        }
      return;
    }
  conn->strikes = 0;

  if (!parsed)
    {
      _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_BAD_MESSAGE, error->message, NULL);
      return;
    }
  if (type == ZERO_MESSAGE_INVALID)
    {
      _zero_server_send_error (self, conn, (ZeroProtocolError) error->code, error->message, ref);
      return;
    }

  switch (type)
    {
    case ZERO_MESSAGE_JOIN:
      handle_join (self, conn, ref);
      break;
    case ZERO_MESSAGE_LEAVE:
      if (conn->session == NULL)
        _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_NOT_JOINED,
                                 "not in a session", ref);
      else
        _zero_server_leave_session (self, conn, ZERO_LEAVE_REASON_LEAVE);
      break;
    case ZERO_MESSAGE_PING:
      handle_ping (self, conn);
      break;
    case ZERO_MESSAGE_OFFER:
    case ZERO_MESSAGE_ANSWER:
    case ZERO_MESSAGE_ICE:
    case ZERO_MESSAGE_REQUEST_OFFER:
      relay_targeted (self, conn, ref);
      break;
    case ZERO_MESSAGE_BROADCAST:
      relay_broadcast (self, conn, ref);
      break;
    case ZERO_MESSAGE_DATA:
      /* PROTOCOL.md section 9: to one member with "to", else to every other one. */
      if (zero_json_object_get (&self->doc, zero_json_root (&self->doc), "to"))
        relay_targeted (self, conn, ref);
      else
        relay_broadcast (self, conn, ref);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* --- HTTP ---------------------------------------------------------------- */

static void
on_ws_upgraded (SoupServerMessage *msg, gpointer user_data)
{
  ZeroSignalingServer *self = user_data;
  GIOStream *stream;

  g_object_ref (msg);
  stream = soup_server_message_steal_connection (msg);
  if (stream)
    {
      _zero_server_adopt (self, stream);
      g_object_unref (stream);
    }
  g_object_unref (msg);
}

static void
respond (SoupServerMessage *msg, guint status, const char *content_type, char *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
on_http_request (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                 gpointer user_data)
{
  ZeroSignalingServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean get = method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;

  if (strcmp (path, "/ws") == 0)
    {
      /* No extensions: permessage-deflate would cost ~300 KiB per socket. */
      if (self->shut_down)
        respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "text/plain", g_strdup ("shutting down\n"));
      else if (soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
        g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (on_ws_upgraded), self,
                                 0);
      return;
    }
  if (strcmp (path, "/healthz") == 0 || strcmp (path, "/metrics") == 0)
    {
      if (!get)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                        "GET, HEAD");
          respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain",
                   g_strdup ("method not allowed\n"));
        }
      else if (path[1] == 'h')
        respond (msg, SOUP_STATUS_OK, "application/json", zero_signaling_server_dup_health (self));
      else
        respond (msg, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8",
                 zero_signaling_server_dup_metrics (self));
      return;
    }
  respond (msg, SOUP_STATUS_NOT_FOUND, "text/plain", g_strdup ("not found\n"));
}

/* --- public API ---------------------------------------------------------- */

ZeroSignalingServer *
zero_signaling_server_new (void)
{
  return g_object_new (ZERO_TYPE_SIGNALING_SERVER, NULL);
}

gboolean
zero_signaling_server_set_tls_files (ZeroSignalingServer *self, const char *cert_file,
                                     const char *key_file, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;

  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), FALSE);
  g_return_val_if_fail (cert_file != NULL && key_file != NULL, FALSE);

  cert = g_tls_certificate_new_from_files (cert_file, key_file, &local_error);
  if (cert == NULL)
    {
      g_set_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_TLS,
                   "cannot use TLS certificate %s with key %s: %s", cert_file, key_file,
                   local_error->message);
      return FALSE;
    }
  g_object_set (self, "tls-certificate", cert, NULL);
  return TRUE;
}

void
zero_signaling_server_add_ice_server (ZeroSignalingServer *self, const char *const *urls,
                                      const char *username, const char *credential)
{
  GString *json;

  g_return_if_fail (ZERO_IS_SIGNALING_SERVER (self));
  g_return_if_fail (urls != NULL && urls[0] != NULL);

  json = self->ice_servers_json;
  g_string_truncate (json, json->len - 1); /* drop ']' */
  if (json->len > 1)
    g_string_append_c (json, ',');
  g_string_append (json, "{\"urls\":[");
  for (guint i = 0; urls[i]; i++)
    {
      if (i)
        g_string_append_c (json, ',');
      zero_json_append_string (json, urls[i], -1);
    }
  g_string_append_c (json, ']');
  if (username)
    {
      g_string_append (json, ",\"username\":");
      zero_json_append_string (json, username, -1);
    }
  if (credential)
    {
      g_string_append (json, ",\"credential\":");
      zero_json_append_string (json, credential, -1);
    }
  g_string_append (json, "}]");
}

void
zero_signaling_server_clear_ice_servers (ZeroSignalingServer *self)
{
  g_return_if_fail (ZERO_IS_SIGNALING_SERVER (self));
  g_string_assign (self->ice_servers_json, "[]");
}

gboolean
zero_signaling_server_listen (ZeroSignalingServer *self, const char *host, guint port,
                              GError **error)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean v6;

  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), FALSE);
  g_return_val_if_fail (!self->listening && !self->shut_down, FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);

  if (host == NULL || *host == '\0')
    host = "127.0.0.1";
  address = g_inet_address_new_from_string (host);
  if (address == NULL && g_ascii_strcasecmp (host, "localhost") == 0)
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  if (address == NULL)
    {
      g_autoptr (GResolver) resolver = g_resolver_get_default ();
      GList *found = g_resolver_lookup_by_name (resolver, host, NULL, &local_error);
      if (found == NULL)
        {
          g_set_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_LISTEN,
                       "cannot listen on host \"%s\": %s", host, local_error->message);
          return FALSE;
        }
      address = g_object_ref (found->data);
      g_resolver_free_addresses (found);
    }

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  socket_address = g_inet_socket_address_new (address, (guint16) port);
  if (!_zero_server_io_start (self, socket_address, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "cannot listen on %s:%u: ",
                                  host, port);
      return FALSE;
    }
  soup_server_add_handler (self->soup, NULL, on_http_request, self, NULL);

  v6 = strchr (host, ':') != NULL;
  self->url = g_strdup_printf ("%s://%s%s%s:%u/ws", self->tls_certificate ? "wss" : "ws",
                               v6 ? "[" : "", host, v6 ? "]" : "", self->port);
  self->listening = TRUE;
  g_debug ("listening on %s", self->url);
  return TRUE;
}

guint
zero_signaling_server_get_port (ZeroSignalingServer *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), 0);
  return self->port;
}

const char *
zero_signaling_server_get_url (ZeroSignalingServer *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), NULL);
  return self->url;
}

void
zero_signaling_server_shutdown (ZeroSignalingServer *self)
{
  g_return_if_fail (ZERO_IS_SIGNALING_SERVER (self));

  if (self->shut_down)
    return;
  self->shut_down = TRUE;
  self->listening = FALSE;
  _zero_server_stop_listening (self);
  soup_server_disconnect (self->soup);

  _zero_server_enter (self);
  /* Close frames first: the peer-left messages that leaving causes are then
   * dropped, since every session goes anyway. */
  for (ZeroConn *conn = self->conns; conn; conn = conn->next)
    _zero_conn_close (conn, 1001, "server shutting down");
  for (ZeroConn *conn = self->conns; conn; conn = conn->next)
    if (conn->session)
      _zero_server_leave_session (self, conn, ZERO_LEAVE_REASON_DISCONNECT);
  _zero_server_leave (self);
}

guint
zero_signaling_server_get_n_sessions (ZeroSignalingServer *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), 0);
  return g_hash_table_size (self->sessions);
}

guint
zero_signaling_server_get_n_peers (ZeroSignalingServer *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), 0);
  return self->n_peers;
}

guint
zero_signaling_server_get_n_connections (ZeroSignalingServer *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), 0);
  return self->n_connections;
}

char *
zero_signaling_server_dup_health (ZeroSignalingServer *self)
{
  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), NULL);
  return g_strdup_printf ("{\"status\":\"ok\",\"version\":\"%s\",\"sessions\":%u,\"peers\":%u}\n",
                          ZERO_VERSION, g_hash_table_size (self->sessions), self->n_peers);
}

static void
metric (GString *out, const char *name, const char *type, const char *help, guint64 value)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n", name,
                          help, name, type, name, value);
}

char *
zero_signaling_server_dup_metrics (ZeroSignalingServer *self)
{
  GString *out;
  const ZeroServerMetrics *m;

  g_return_val_if_fail (ZERO_IS_SIGNALING_SERVER (self), NULL);

  m = &self->metrics;
  out = g_string_sized_new (2048);
  metric (out, "zero_signaling_connections", "gauge", "Open WebSocket connections.",
          self->n_connections);
  metric (out, "zero_signaling_sessions", "gauge", "Sessions with at least one peer.",
          g_hash_table_size (self->sessions));
  metric (out, "zero_signaling_peers", "gauge", "Peers joined to a session.", self->n_peers);
  metric (out, "zero_signaling_connections_total", "counter", "WebSocket connections accepted.",
          m->connections_total);
  metric (out, "zero_signaling_sessions_created_total", "counter", "Sessions created.",
          m->sessions_total);
  metric (out, "zero_signaling_joins_total", "counter", "Successful joins.", m->joins_total);
  metric (out, "zero_signaling_messages_received_total", "counter",
          "Messages received from clients.", m->messages_received);
  metric (out, "zero_signaling_messages_relayed_total", "counter",
          "Messages relayed to peers (a broadcast counts once per recipient).",
          m->messages_relayed);
  metric (out, "zero_signaling_timeouts_total", "counter",
          "Connections dropped for silence (no message, no pong).", m->timeouts);
  metric (out, "zero_signaling_sfu_moves_total", "counter",
          "Sessions moved to the SFU (room created and announced).", m->sfu_moves);
  metric (out, "zero_signaling_sfu_failures_total", "counter",
          "Sessions that could not move to the SFU (Janus refused or did not answer).",
          m->sfu_failures);
  metric (out, "zero_signaling_bytes_received_total", "counter",
          "WebSocket bytes received (after the handshake).", m->bytes_received);
  metric (out, "zero_signaling_bytes_sent_total", "counter",
          "WebSocket bytes sent (after the handshake).", m->bytes_sent);
  g_string_append (out, "# HELP zero_signaling_errors_total Error messages sent, by code.\n"
                        "# TYPE zero_signaling_errors_total counter\n");
  for (guint i = 0; i < ZERO_PROTOCOL_ERROR_N_CODES; i++)
    g_string_append_printf (out, "zero_signaling_errors_total{code=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            zero_protocol_error_to_string (i), m->errors[i]);
  return g_string_free (out, FALSE);
}

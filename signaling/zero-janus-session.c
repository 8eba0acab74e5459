/* zero-janus-session.c: the Janus WebSocket API (see zero-janus-session.h). */
#include "signaling/zero-janus-session.h"

#include <libsoup/soup.h>
#include <string.h>

#include "signaling/zero-uuid.h"

G_DEFINE_QUARK (zero-janus-error-quark, zero_janus_error)

/* What completes a request. */
typedef enum
{
  EXPECT_SUCCESS, /* create, attach, detach, destroy: "success" */
  EXPECT_ACK,     /* keepalive, trickle: "ack" */
  EXPECT_PLUGIN,  /* message: "success" (synchronous) or "ack" then the "event" */
} Expect;

typedef struct
{
  ZeroJanusSession *self;   /* unowned: the session outlives its pending requests */
  char *transaction;
  char *what;               /* for messages: "create", "message join", ... */
  Expect expect;
  GTask *task;              /* NULL: fire and forget */
  GSource *timeout;
  GCancellable *cancellable;
  gulong cancel_id;
} Pending;

struct _ZeroJanusSession
{
  GObject parent_instance;

  char *url;
  char *api_secret;
  guint transaction_timeout_ms;
  guint keepalive_ms;
  guint connect_timeout_s;
  GTlsDatabase *tls_database;

  GMainContext *context;
  SoupSession *soup;
  SoupWebsocketConnection *ws;
  GCancellable *connect_cancellable;
  GCancellable *user_cancellable;  /* the caller's, while connecting */
  gulong user_cancel_id;
  GTask *connect_task;
  guint64 session_id;
  GSource *keepalive_source;
  GHashTable *pending;      /* transaction -> Pending */
  gboolean closed;          /* close() was called, or the connection died */
};

enum
{
  PROP_0,
  PROP_URL,
  PROP_API_SECRET,
  PROP_TRANSACTION_TIMEOUT,
  PROP_KEEPALIVE_INTERVAL,
  PROP_CONNECT_TIMEOUT,
  PROP_TLS_DATABASE,
  N_PROPS
};

enum
{
  SIGNAL_HANDLE_EVENT,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ZeroJanusSession, zero_janus_session, G_TYPE_OBJECT)

static void fail_all_pending (ZeroJanusSession *self, const GError *error);

/* Hands back the connect task, and stops following the caller's cancellable. */
static GTask *
take_connect_task (ZeroJanusSession *self)
{
  if (self->user_cancellable)
    {
      g_cancellable_disconnect (self->user_cancellable, self->user_cancel_id);
      g_clear_object (&self->user_cancellable);
      self->user_cancel_id = 0;
    }
  return g_steal_pointer (&self->connect_task);
}
static void drop_connection (ZeroJanusSession *self, GError *error, gboolean emit);

const char *
zero_janus_error_code_name (int code)
{
  switch (code)
    {
    case ZERO_JANUS_ERROR_CONNECT: return "cannot connect";
    case ZERO_JANUS_ERROR_CLOSED: return "connection closed";
    case ZERO_JANUS_ERROR_TIMEOUT: return "no answer in time";
    case ZERO_JANUS_ERROR_PROTOCOL: return "unreadable answer";
    case ZERO_JANUS_ERROR_INVALID: return "invalid argument";
    case 403: return "unauthorized";
    case 405: return "plugin not authorized";
    case 450: return "transport error";
    case 452: return "missing request";
    case 453: return "unknown request";
    case 454: return "invalid JSON";
    case 455: return "invalid JSON object";
    case 456: return "missing mandatory element";
    case 457: return "invalid request path";
    case 458: return "session not found";
    case 459: return "handle not found";
    case 460: return "plugin not found";
    case 461: return "plugin attach error";
    case 462: return "plugin message error";
    case 463: return "plugin detach error";
    case 464: return "unknown JSEP type";
    case 465: return "invalid SDP";
    case 466: return "invalid trickle stream";
    case 467: return "invalid element type";
    case 468: return "session conflict";
    case 469: return "unexpected answer";
    case 470: return "token not found";
    case 471: return "wrong WebRTC state";
    case 472: return "not accepting sessions";
    case 490: return "unknown error";
    /* VideoRoom */
    case 421: return "no message";
    case 422: return "invalid JSON";
    case 423: return "invalid request";
    case 424: return "join first";
    case 425: return "already joined";
    case 426: return "no such room";
    case 427: return "room exists";
    case 428: return "no such feed";
    case 429: return "missing element";
    case 430: return "invalid element";
    case 431: return "invalid SDP type";
    case 432: return "publishers full";
    case 433: return "unauthorized";
    case 434: return "already published";
    case 435: return "not published";
    case 436: return "id exists";
    case 437: return "invalid SDP";
    case 499: return "unknown plugin error";
    default: return NULL;
    }
}

/* --- pending requests ------------------------------------------------------ */

static void
pending_free (gpointer data)
{
  Pending *p = data;

  if (p->timeout)
    {
      g_source_destroy (p->timeout);
      g_source_unref (p->timeout);
    }
  if (p->cancellable)
    {
      g_cancellable_disconnect (p->cancellable, p->cancel_id);
      g_object_unref (p->cancellable);
    }
  g_clear_object (&p->task);
  g_free (p->transaction);
  g_free (p->what);
  g_free (p);
}

/* Removes @p from the table and hands its task back (or NULL). */
static GTask *
pending_take (ZeroJanusSession *self, Pending *p)
{
  GTask *task = g_steal_pointer (&p->task);

  g_hash_table_remove (self->pending, p->transaction);
  return task;
}

static void
pending_fail (ZeroJanusSession *self, Pending *p, GError *error)
{
  g_autoptr (GTask) task = pending_take (self, p);

  if (task)
    g_task_return_error (task, error);
  else
    {
      g_debug ("janus: %s failed: %s", "fire-and-forget request", error->message);
      g_error_free (error);
    }
}

typedef struct
{
  ZeroJanusSession *self;
  char *transaction;
} TransactionRef;

static void
transaction_ref_free (gpointer data)
{
  TransactionRef *ref = data;

  g_object_unref (ref->self);
  g_free (ref->transaction);
  g_free (ref);
}

static gboolean
on_pending_timeout (gpointer user_data)
{
  TransactionRef *ref = user_data;
  ZeroJanusSession *self = ref->self;
  Pending *p = g_hash_table_lookup (self->pending, ref->transaction);
  gboolean keepalive;

  if (p == NULL)
    return G_SOURCE_REMOVE;
  keepalive = g_strcmp0 (p->what, "keepalive") == 0;
  g_source_unref (p->timeout);
  p->timeout = NULL;
  pending_fail (self, p,
                g_error_new (ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_TIMEOUT,
                             "Janus at %s did not answer \"%s\" within %u ms", self->url, p->what,
                             self->transaction_timeout_ms));
  /* A server that does not even acknowledge keep-alives is gone. */
  if (keepalive && !self->closed)
    drop_connection (self,
                     g_error_new (ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED,
                                  "Janus at %s stopped answering", self->url),
                     TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled_idle (gpointer user_data)
{
  TransactionRef *ref = user_data;
  Pending *p = g_hash_table_lookup (ref->self->pending, ref->transaction);

  if (p)
    pending_fail (ref->self, p,
                  g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

/* May run in any thread: complete on our own context. */
static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  TransactionRef *orig = user_data;
  TransactionRef *ref = g_new0 (TransactionRef, 1);
  GSource *source = g_idle_source_new ();

  ref->self = g_object_ref (orig->self);
  ref->transaction = g_strdup (orig->transaction);
  g_source_set_callback (source, on_cancelled_idle, ref, transaction_ref_free);
  g_source_attach (source, ref->self->context);
  g_source_unref (source);
}

static char *
new_transaction (void)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  guint8 bytes[12];
  char *t = g_malloc (sizeof bytes + 1);

  zero_random_bytes (bytes, sizeof bytes);
  for (gsize i = 0; i < sizeof bytes; i++)
    t[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
  t[sizeof bytes] = '\0';
  return t;
}

/* Sends @request (which gets "transaction", and session/apisecret when known). With a
 * @task, it completes through the pending table; without, the answer is only logged. */
static void
send_request (ZeroJanusSession *self, JsonObject *request, const char *what, Expect expect,
              GTask *task)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;
  Pending *p;
  TransactionRef *ref;

  if (self->closed || self->ws == NULL ||
      soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      if (task)
        g_task_return_new_error (task, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED,
                                 "not connected to Janus at %s", self->url);
      return;
    }

  p = g_new0 (Pending, 1);
  p->self = self;
  p->transaction = new_transaction ();
  p->what = g_strdup (what);
  p->expect = expect;
  p->task = task ? g_object_ref (task) : NULL;

  json_object_set_string_member (request, "transaction", p->transaction);
  if (self->session_id && !json_object_has_member (request, "session_id"))
    json_object_set_int_member (request, "session_id", (gint64) self->session_id);
  if (self->api_secret)
    json_object_set_string_member (request, "apisecret", self->api_secret);

  ref = g_new0 (TransactionRef, 1);
  ref->self = g_object_ref (self);
  ref->transaction = g_strdup (p->transaction);
  p->timeout = g_timeout_source_new (self->transaction_timeout_ms);
  g_source_set_callback (p->timeout, on_pending_timeout, ref, transaction_ref_free);
  g_source_attach (p->timeout, self->context);

  if (task && g_task_get_cancellable (task))
    {
      TransactionRef *cref = g_new0 (TransactionRef, 1);

      cref->self = g_object_ref (self);
      cref->transaction = g_strdup (p->transaction);
      p->cancellable = g_object_ref (g_task_get_cancellable (task));
      p->cancel_id = g_cancellable_connect (p->cancellable, G_CALLBACK (on_cancelled), cref,
                                            transaction_ref_free);
    }
  g_hash_table_insert (self->pending, p->transaction, p);

  json_node_set_object (root, request);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  g_debug ("janus >> %s", text);
  soup_websocket_connection_send_text (self->ws, text);
}

static JsonObject *
new_request (const char *janus)
{
  JsonObject *request = json_object_new ();

  json_object_set_string_member (request, "janus", janus);
  return request;
}

/* --- incoming -------------------------------------------------------------- */

static gint64
get_id (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  return 0;
}

static JsonObject *
get_object (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static GError *
janus_error_from (JsonObject *error_obj, const char *what)
{
  gint64 code = get_id (error_obj, "code");
  const char *reason = error_obj ? json_object_get_string_member_with_default (error_obj,
                                                                               "reason", NULL)
                                 : NULL;

  if (code < 100)
    code = 490;
  return g_error_new (ZERO_JANUS_ERROR, (int) code, "Janus refused \"%s\": %s (%" G_GINT64_FORMAT
                      ")", what, reason ? reason : zero_janus_error_code_name ((int) code), code);
}

/* Completes a plugin request with its plugindata.data, or fails with its error_code. */
static void
complete_plugin (ZeroJanusSession *self, Pending *p, JsonObject *msg)
{
  g_autoptr (GTask) task = NULL;
  JsonObject *plugindata = get_object (msg, "plugindata");
  JsonObject *data = get_object (plugindata, "data");
  JsonObject *jsep = get_object (msg, "jsep");
  g_autofree char *what = g_strdup (p->what);

  task = pending_take (self, p);
  if (task == NULL)
    return;
  if (data == NULL)
    {
      g_task_return_new_error (task, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_PROTOCOL,
                               "Janus answered \"%s\" without plugin data", what);
      return;
    }
  if (json_object_has_member (data, "error_code"))
    {
      gint64 code = get_id (data, "error_code");
      const char *reason = json_object_get_string_member_with_default (data, "error", NULL);

      if (code < 100)
        code = 499;
      g_task_return_new_error (task, ZERO_JANUS_ERROR, (int) code,
                               "Janus refused \"%s\": %s (%" G_GINT64_FORMAT ")", what,
                               reason ? reason : zero_janus_error_code_name ((int) code), code);
      return;
    }
  /* The task's data is the JSEP, if any; the pointer result the plugin data. */
  if (jsep)
    g_task_set_task_data (task, json_object_ref (jsep), (GDestroyNotify) json_object_unref);
  g_task_return_pointer (task, json_object_ref (data), (GDestroyNotify) json_object_unref);
}

static void
handle_message (ZeroJanusSession *self, JsonObject *msg)
{
  const char *janus = json_object_get_string_member_with_default (msg, "janus", NULL);
  const char *transaction = json_object_get_string_member_with_default (msg, "transaction",
                                                                        NULL);
  Pending *p = transaction ? g_hash_table_lookup (self->pending, transaction) : NULL;

  if (janus == NULL)
    {
      g_debug ("janus: ignoring a message without \"janus\"");
      return;
    }

  if (g_str_equal (janus, "ack"))
    {
      if (p && p->expect == EXPECT_ACK)
        {
          g_autoptr (GTask) task = pending_take (self, p);
          if (task)
            g_task_return_boolean (task, TRUE);
        }
      return; /* EXPECT_PLUGIN: the event follows */
    }
  if (g_str_equal (janus, "success"))
    {
      if (p == NULL)
        return;
      if (p->expect == EXPECT_PLUGIN)
        complete_plugin (self, p, msg);
      else
        {
          g_autoptr (GTask) task = pending_take (self, p);
          JsonObject *data = get_object (msg, "data");

          if (task)
            g_task_return_pointer (task, data ? json_object_ref (data) : json_object_new (),
                                   (GDestroyNotify) json_object_unref);
        }
      return;
    }
  if (g_str_equal (janus, "error"))
    {
      if (p)
        pending_fail (self, p, janus_error_from (get_object (msg, "error"), p->what));
      else
        g_debug ("janus: an error for no request of ours");
      return;
    }
  if (g_str_equal (janus, "event") && p && p->expect == EXPECT_PLUGIN)
    {
      complete_plugin (self, p, msg);
      return;
    }
  if (g_str_equal (janus, "timeout"))
    {
      if ((guint64) get_id (msg, "session_id") == self->session_id)
        drop_connection (self,
                         g_error_new (ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED,
                                      "the Janus session timed out"),
                         TRUE);
      return;
    }
  if (g_str_equal (janus, "event") || g_str_equal (janus, "webrtcup") ||
      g_str_equal (janus, "media") || g_str_equal (janus, "slowlink") ||
      g_str_equal (janus, "hangup") || g_str_equal (janus, "detached") ||
      g_str_equal (janus, "trickle"))
    {
      guint64 handle = (guint64) get_id (msg, "sender");

      g_signal_emit (self, signals[SIGNAL_HANDLE_EVENT], 0, handle, msg);
      return;
    }
  g_debug ("janus: ignoring \"%s\"", janus);
}

static void
on_ws_message (SoupWebsocketConnection *ws, int type, GBytes *bytes, gpointer user_data)
{
  ZeroJanusSession *self = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonNode *root;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  if (!json_parser_load_from_data (parser, data, (gssize) len, &error))
    {
      g_message ("janus: ignoring a message that is not JSON: %s", error->message);
      return;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_message ("janus: ignoring a message that is not a JSON object");
      return;
    }
  g_debug ("janus << %.*s", (int) MIN (len, 2000), data);
  g_object_ref (self);
  handle_message (self, json_node_get_object (root));
  g_object_unref (self);
}

static void
fail_all_pending (ZeroJanusSession *self, const GError *error)
{
  GHashTableIter iter;
  gpointer value;
  g_autoptr (GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Pending *p = value;
      if (p->task)
        g_ptr_array_add (tasks, g_steal_pointer (&p->task));
    }
  g_hash_table_remove_all (self->pending);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_error (tasks->pdata[i], g_error_copy (error));
}

/* The connection is over: fail everything, and tell (takes @error). */
static void
drop_connection (ZeroJanusSession *self, GError *error, gboolean emit)
{
  SoupWebsocketConnection *ws = g_steal_pointer (&self->ws);
  g_autoptr (GTask) connect_task = take_connect_task (self);

  g_object_ref (self);
  self->closed = TRUE;
  if (self->keepalive_source)
    {
      g_source_destroy (self->keepalive_source);
      g_clear_pointer (&self->keepalive_source, g_source_unref);
    }
  if (ws)
    {
      g_signal_handlers_disconnect_by_data (ws, self);
      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (ws);
    }
  fail_all_pending (self, error);
  if (connect_task)
    g_task_return_error (connect_task, g_error_copy (error));
  else if (emit)
    g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
  g_error_free (error);
  g_object_unref (self);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  ZeroJanusSession *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);

  drop_connection (self,
                   g_error_new (ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED,
                                "the connection to Janus at %s closed (code %u)", self->url,
                                code),
                   TRUE);
}

static void
on_keepalive_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("janus keepalive: %s", error->message);
}

static gboolean
on_keepalive (gpointer user_data)
{
  ZeroJanusSession *self = user_data;
  g_autoptr (JsonObject) request = new_request ("keepalive");
  g_autoptr (GTask) task = g_task_new (self, NULL, on_keepalive_done, NULL);

  send_request (self, request, "keepalive", EXPECT_ACK, task);
  return G_SOURCE_CONTINUE;
}

/* --- GObject --------------------------------------------------------------- */

static void
zero_janus_session_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  ZeroJanusSession *self = ZERO_JANUS_SESSION (object);

  switch (prop_id)
    {
    case PROP_URL: g_value_set_string (value, self->url); break;
    case PROP_API_SECRET: g_value_set_string (value, self->api_secret); break;
    case PROP_TRANSACTION_TIMEOUT: g_value_set_uint (value, self->transaction_timeout_ms); break;
    case PROP_KEEPALIVE_INTERVAL: g_value_set_uint (value, self->keepalive_ms); break;
    case PROP_CONNECT_TIMEOUT: g_value_set_uint (value, self->connect_timeout_s); break;
    case PROP_TLS_DATABASE: g_value_set_object (value, self->tls_database); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_janus_session_set_property (GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
  ZeroJanusSession *self = ZERO_JANUS_SESSION (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_free (self->url);
      self->url = g_value_dup_string (value);
      break;
    case PROP_API_SECRET:
      g_free (self->api_secret);
      self->api_secret = g_value_dup_string (value);
      if (self->api_secret && *self->api_secret == '\0')
        g_clear_pointer (&self->api_secret, g_free);
      break;
    case PROP_TRANSACTION_TIMEOUT: self->transaction_timeout_ms = g_value_get_uint (value); break;
    case PROP_KEEPALIVE_INTERVAL: self->keepalive_ms = g_value_get_uint (value); break;
    case PROP_CONNECT_TIMEOUT: self->connect_timeout_s = g_value_get_uint (value); break;
    case PROP_TLS_DATABASE: g_set_object (&self->tls_database, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_janus_session_dispose (GObject *object)
{
  ZeroJanusSession *self = ZERO_JANUS_SESSION (object);

  zero_janus_session_close (self);
  g_clear_object (&self->soup);
  g_clear_object (&self->tls_database);

  G_OBJECT_CLASS (zero_janus_session_parent_class)->dispose (object);
}

static void
zero_janus_session_finalize (GObject *object)
{
  ZeroJanusSession *self = ZERO_JANUS_SESSION (object);

  g_hash_table_unref (self->pending);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->url);
  g_free (self->api_secret);

  G_OBJECT_CLASS (zero_janus_session_parent_class)->finalize (object);
}

static void
zero_janus_session_class_init (ZeroJanusSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = zero_janus_session_get_property;
  object_class->set_property = zero_janus_session_set_property;
  object_class->dispose = zero_janus_session_dispose;
  object_class->finalize = zero_janus_session_finalize;

  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, "Janus WebSocket URL (ws:// or wss://)", NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_SECRET] =
    g_param_spec_string ("api-secret", NULL, "Janus api_secret (NULL: none)", NULL, rw);
  properties[PROP_TRANSACTION_TIMEOUT] =
    g_param_spec_uint ("transaction-timeout", NULL, "Time (ms) a request waits for its answer",
                       1, G_MAXUINT, 10000, rw);
  properties[PROP_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", NULL, "Keep-alive period (ms, 0: none)", 0,
                       G_MAXUINT, 25000, rw);
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, "WebSocket connect timeout (s)", 1, 600, 10, rw);
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, "CA database for wss:// (NULL: system)",
                         G_TYPE_TLS_DATABASE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_HANDLE_EVENT] =
    g_signal_new ("handle-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, JSON_TYPE_OBJECT);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
zero_janus_session_init (ZeroJanusSession *self)
{
  self->transaction_timeout_ms = 10000;
  self->keepalive_ms = 25000;
  self->connect_timeout_s = 10;
  self->context = g_main_context_ref_thread_default ();
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, pending_free);
}

/* --- public API ------------------------------------------------------------ */

ZeroJanusSession *
zero_janus_session_new (const char *url, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "ws") != 0 && g_strcmp0 (scheme, "wss") != 0))
    {
      g_set_error (error, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_INVALID,
                   "\"%s\" is not a Janus WebSocket URL (ws://HOST:PORT or wss://...)", url);
      return NULL;
    }
  return g_object_new (ZERO_TYPE_JANUS_SESSION, "url", url, NULL);
}

const char *
zero_janus_session_get_url (ZeroJanusSession *self)
{
  g_return_val_if_fail (ZERO_IS_JANUS_SESSION (self), NULL);
  return self->url;
}

static void
on_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ZeroJanusSession *self = ZERO_JANUS_SESSION (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) data = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr (GTask) task = NULL;

  if (self->connect_task == NULL)
    return; /* dropped meanwhile: already answered */
  task = take_connect_task (self);
  if (data == NULL || get_id (data, "id") <= 0)
    {
      if (error == NULL)
        error = g_error_new (ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_PROTOCOL,
                             "Janus created a session without an id");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->session_id = (guint64) get_id (data, "id");
  g_debug ("janus: session %" G_GUINT64_FORMAT " on %s", self->session_id, self->url);
  if (self->keepalive_ms)
    {
      self->keepalive_source = g_timeout_source_new (self->keepalive_ms);
      g_source_set_callback (self->keepalive_source, on_keepalive, self, NULL);
      g_source_attach (self->keepalive_source, self->context);
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ZeroJanusSession *self = user_data;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;
  g_autoptr (JsonObject) request = NULL;
  g_autoptr (GTask) create = NULL;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_clear_object (&self->connect_cancellable);
  if (self->connect_task == NULL || self->closed)
    {
      /* close() came first and answered the caller. */
      if (ws)
        {
          soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
          g_object_unref (ws);
        }
      g_object_unref (self);
      return;
    }
  if (ws == NULL)
    {
      g_autoptr (GTask) task = take_connect_task (self);

      self->closed = TRUE;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CONNECT,
                                 "cannot connect to Janus at %s: %s", self->url, error->message);
      g_object_unref (self);
      return;
    }

  self->ws = ws;
  soup_websocket_connection_set_max_incoming_payload_size (ws, 4 * 1024 * 1024);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);

  request = new_request ("create");
  create = g_task_new (self, NULL, on_created, NULL);
  send_request (self, request, "create", EXPECT_SUCCESS, create);
  g_object_unref (self);
}

static void
on_connect_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GCancellable *mine = user_data;

  g_cancellable_cancel (mine);
}

void
zero_janus_session_connect_async (ZeroJanusSession *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  const char *protocols[] = { "janus-protocol", NULL };

  g_return_if_fail (ZERO_IS_JANUS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_janus_session_connect_async);
  if (self->ws || self->connect_task || self->closed)
    {
      g_task_return_new_error (task, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_INVALID,
                               "a Janus session connects once (make a new one to reconnect)");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  msg = soup_message_new (SOUP_METHOD_GET, self->url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_INVALID,
                               "cannot use URL %s", self->url);
      return;
    }
  self->soup = soup_session_new_with_options ("timeout", self->connect_timeout_s,
                                              "idle-timeout", 0, NULL);
  if (self->tls_database)
    soup_session_set_tls_database (self->soup, self->tls_database);
  self->connect_task = g_steal_pointer (&task);
  self->connect_cancellable = g_cancellable_new ();
  if (cancellable)
    {
      self->user_cancellable = g_object_ref (cancellable);
      self->user_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_connect_cancelled),
                                                    g_object_ref (self->connect_cancellable),
                                                    g_object_unref);
    }
  soup_session_websocket_connect_async (self->soup, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, self->connect_cancellable,
                                        on_ws_connected, g_object_ref (self));
}

gboolean
zero_janus_session_connect_finish (ZeroJanusSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
zero_janus_session_is_connected (ZeroJanusSession *self)
{
  g_return_val_if_fail (ZERO_IS_JANUS_SESSION (self), FALSE);
  return !self->closed && self->ws != NULL && self->session_id != 0 &&
         self->connect_task == NULL;
}

guint64
zero_janus_session_get_id (ZeroJanusSession *self)
{
  g_return_val_if_fail (ZERO_IS_JANUS_SESSION (self), 0);
  return self->session_id;
}

void
zero_janus_session_attach_async (ZeroJanusSession *self, const char *plugin,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonObject) request = NULL;

  g_return_if_fail (ZERO_IS_JANUS_SESSION (self));
  g_return_if_fail (plugin != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_janus_session_attach_async);
  request = new_request ("attach");
  json_object_set_string_member (request, "plugin", plugin);
  send_request (self, request, "attach", EXPECT_SUCCESS, task);
}

guint64
zero_janus_session_attach_finish (ZeroJanusSession *self, GAsyncResult *result, GError **error)
{
  g_autoptr (JsonObject) data = NULL;
  gint64 id;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  data = g_task_propagate_pointer (G_TASK (result), error);
  if (data == NULL)
    return 0;
  id = get_id (data, "id");
  if (id <= 0)
    {
      g_set_error (error, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_PROTOCOL,
                   "Janus attached a handle without an id");
      return 0;
    }
  return (guint64) id;
}

void
zero_janus_session_message_async (ZeroJanusSession *self, guint64 handle, JsonObject *body,
                                  JsonObject *jsep, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonObject) request = NULL;
  g_autofree char *what = NULL;

  g_return_if_fail (ZERO_IS_JANUS_SESSION (self));
  g_return_if_fail (body != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_janus_session_message_async);
  what = g_strdup_printf ("%s", json_object_get_string_member_with_default (body, "request",
                                                                            "message"));
  request = new_request ("message");
  json_object_set_int_member (request, "handle_id", (gint64) handle);
  json_object_set_object_member (request, "body", json_object_ref (body));
  if (jsep)
    json_object_set_object_member (request, "jsep", json_object_ref (jsep));
  send_request (self, request, what, EXPECT_PLUGIN, task);
}

JsonObject *
zero_janus_session_message_finish (ZeroJanusSession *self, GAsyncResult *result,
                                   JsonObject **out_jsep, GError **error)
{
  JsonObject *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (out_jsep)
    *out_jsep = NULL;
  data = g_task_propagate_pointer (G_TASK (result), error);
  if (data && out_jsep && g_task_get_task_data (G_TASK (result)))
    *out_jsep = json_object_ref (g_task_get_task_data (G_TASK (result)));
  return data;
}

static void
on_trickle_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED))
    g_debug ("janus trickle: %s", error->message);
}

static void
on_detach_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) data = g_task_propagate_pointer (G_TASK (result), &error);

  if (data == NULL && !g_error_matches (error, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED))
    g_debug ("janus detach: %s", error->message);
}

void
zero_janus_session_trickle (ZeroJanusSession *self, guint64 handle, JsonObject *candidate)
{
  g_autoptr (JsonObject) request = NULL;
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (ZERO_IS_JANUS_SESSION (self));

  if (self->closed || self->ws == NULL)
    return;
  request = new_request ("trickle");
  json_object_set_int_member (request, "handle_id", (gint64) handle);
  if (candidate)
    json_object_set_object_member (request, "candidate", json_object_ref (candidate));
  else
    {
      JsonObject *done = json_object_new ();

      json_object_set_boolean_member (done, "completed", TRUE);
      json_object_set_object_member (request, "candidate", done);
    }
  task = g_task_new (self, NULL, on_trickle_done, NULL);
  send_request (self, request, "trickle", EXPECT_ACK, task);
}

void
zero_janus_session_detach (ZeroJanusSession *self, guint64 handle)
{
  g_autoptr (JsonObject) request = NULL;
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (ZERO_IS_JANUS_SESSION (self));

  if (self->closed || self->ws == NULL || handle == 0)
    return;
  request = new_request ("detach");
  json_object_set_int_member (request, "handle_id", (gint64) handle);
  task = g_task_new (self, NULL, on_detach_done, NULL);
  send_request (self, request, "detach", EXPECT_SUCCESS, task);
}

void
zero_janus_session_close (ZeroJanusSession *self)
{
  g_return_if_fail (ZERO_IS_JANUS_SESSION (self));

  if (self->connect_cancellable)
    g_cancellable_cancel (self->connect_cancellable);
  if (self->closed && self->ws == NULL && self->connect_task == NULL)
    return;
  if (self->ws && self->session_id &&
      soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_autoptr (JsonObject) request = new_request ("destroy");
      g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autofree char *transaction = new_transaction ();
      g_autofree char *text = NULL;

      /* Not awaited: the WebSocket closes right behind it, and Janus destroys a session
       * whose transport went away anyway (reclaim_session_timeout is 0 by default). */
      json_object_set_string_member (request, "transaction", transaction);
      json_object_set_int_member (request, "session_id", (gint64) self->session_id);
      if (self->api_secret)
        json_object_set_string_member (request, "apisecret", self->api_secret);
      json_node_set_object (root, request);
      json_generator_set_root (gen, root);
      text = json_generator_to_data (gen, NULL);
      soup_websocket_connection_send_text (self->ws, text);
    }
  drop_connection (self,
                   g_error_new (ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED,
                                "the Janus session was closed"),
                   FALSE);
}

/* zero-data-channel.c: PROTOCOL.md section 7 on one peer's `zero` data channel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-data-channel.h"

#include <string.h>

#include "signaling/zero-uuid.h"

enum {
  SIGNAL_OPEN,
  SIGNAL_CHAT,
  SIGNAL_REMOTE_STATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  ZeroDataChannel *self; /* not a reference: pending requests die with the channel */
  gint64 id;
  GTask *task;
  GSource *timeout;
  GCancellable *cancellable;
  gulong cancel_id;
} Pending;

struct _ZeroDataChannel {
  GObject parent_instance;

  ZeroPeer *peer;
  GMainContext *context;
  gulong peer_ids[3];
  gboolean open;
  gboolean closed;

  ZeroDataState local_state;
  gboolean have_local_state;
  gboolean local_state_sent;
  ZeroDataState sent_state;
  ZeroDataState remote_state;
  gboolean have_remote_state;

  ZeroDataRequestHandler handler;
  gpointer handler_data;
  GDestroyNotify handler_destroy;

  gint64 next_request_id;
  GHashTable *pending; /* gint64 * -> Pending * */

  guint n_refused;
  guint n_ignored;
};

G_DEFINE_FINAL_TYPE (ZeroDataChannel, zero_data_channel, G_TYPE_OBJECT)

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
  g_free (p);
}

/* Completes request @id with @error (taken), if it is still in flight. */
static void
fail_pending (ZeroDataChannel *self,
              gint64           id,
              GError          *error)
{
  Pending *p = g_hash_table_lookup (self->pending, &id);
  g_autoptr (GTask) task = NULL;

  if (p == NULL)
    {
      g_error_free (error);
      return;
    }
  task = g_steal_pointer (&p->task);
  g_hash_table_remove (self->pending, &id);
  g_task_return_error (task, error);
}

static void
fail_all_pending (ZeroDataChannel *self,
                  const char      *why)
{
  g_autoptr (GList) ids = NULL;
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));

  ids = g_hash_table_get_keys (self->pending);
  for (GList *l = ids; l; l = l->next)
    g_array_append_val (values, *(gint64 *) l->data);
  for (guint i = 0; i < values->len; i++)
    fail_pending (self, g_array_index (values, gint64, i),
                  g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "%s", why));
}

static gboolean
send_text (ZeroDataChannel *self,
           const char      *text,
           GError         **error)
{
  if (self->closed || !self->open)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   "The data channel to %s is not open", zero_peer_get_remote_id (self->peer));
      return FALSE;
    }
  return zero_peer_send_data (self->peer, text, error);
}

static void
send_local_state (ZeroDataChannel *self)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  if (!self->open || !self->have_local_state)
    return;
  if (self->local_state_sent && memcmp (&self->sent_state, &self->local_state,
                                        sizeof self->sent_state) == 0)
    return;
  text = zero_data_message_build_state (&self->local_state);
  if (!send_text (self, text, &error))
    {
      g_debug ("cannot send state to %s: %s", zero_peer_get_remote_id (self->peer),
               error->message);
      return;
    }
  self->sent_state = self->local_state;
  self->local_state_sent = TRUE;
}

/* --- incoming ------------------------------------------------------------ */

static void
send_response (ZeroDataChannel *self,
               gint64           id,
               int              status,
               JsonNode        *body)
{
  g_autofree char *text = zero_data_message_build_response (id, status, body);
  g_autoptr (GError) error = NULL;

  if (!send_text (self, text, &error))
    g_debug ("cannot answer request %" G_GINT64_FORMAT " of %s: %s", id,
             zero_peer_get_remote_id (self->peer), error->message);
}

static JsonNode *
error_body (const char *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
handle_request (ZeroDataChannel *self,
                ZeroDataMessage *msg)
{
  g_autoptr (JsonNode) body = NULL;
  int status = 404;

  if (self->handler)
    body = self->handler (self, msg->method, msg->path, msg->body, &status, self->handler_data);
  else
    {
      g_autofree char *why = g_strdup_printf ("no such path: %s", msg->path);

      body = error_body (why);
    }
  send_response (self, msg->request_id, status, body);
}

static void
handle_response (ZeroDataChannel *self,
                 ZeroDataMessage *msg)
{
  Pending *p = g_hash_table_lookup (self->pending, &msg->request_id);
  g_autoptr (GTask) task = NULL;

  if (p == NULL)
    {
      g_debug ("response from %s to unknown (or timed out) request %" G_GINT64_FORMAT,
               zero_peer_get_remote_id (self->peer), msg->request_id);
      return;
    }
  task = g_steal_pointer (&p->task);
  g_hash_table_remove (self->pending, &msg->request_id);
  g_task_set_task_data (task, GINT_TO_POINTER (msg->status), NULL);
  g_task_return_pointer (task, json_node_ref (msg->body), (GDestroyNotify) json_node_unref);
}

static void
on_data_message (ZeroPeer        *peer,
                 const char      *text,
                 ZeroDataChannel *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroDataMessage) msg = NULL;
  gint64 request_id = -1;

  if (self->closed)
    return;
  msg = zero_data_message_parse (text, -1, &request_id, &error);
  if (msg == NULL)
    {
      if (g_error_matches (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE))
        {
          self->n_ignored++;
          g_debug ("ignoring a message from %s: %s", zero_peer_get_remote_id (peer),
                   error->message);
          return;
        }
      self->n_refused++;
      g_debug ("refusing a message from %s: %s", zero_peer_get_remote_id (peer), error->message);
      if (request_id != -1)
        {
          g_autoptr (JsonNode) body = error_body (error->message);

          send_response (self, request_id, 400, body);
        }
      return;
    }

  g_object_ref (self);
  switch (msg->type)
    {
    case ZERO_DATA_MESSAGE_CHAT:
      g_signal_emit (self, signals[SIGNAL_CHAT], 0, msg->chat_id, msg->text, msg->ts);
      break;
    case ZERO_DATA_MESSAGE_STATE:
      self->remote_state = msg->state;
      self->have_remote_state = TRUE;
      g_signal_emit (self, signals[SIGNAL_REMOTE_STATE], 0, &self->remote_state);
      break;
    case ZERO_DATA_MESSAGE_REQUEST:
      handle_request (self, msg);
      break;
    case ZERO_DATA_MESSAGE_RESPONSE:
      handle_response (self, msg);
      break;
    case ZERO_DATA_MESSAGE_INVALID:
    default:
      g_assert_not_reached ();
    }
  g_object_unref (self);
}

static void
on_data_open (ZeroPeer        *peer,
              ZeroDataChannel *self)
{
  if (self->closed)
    return;
  self->open = TRUE;
  self->local_state_sent = FALSE;
  send_local_state (self);
  g_signal_emit (self, signals[SIGNAL_OPEN], 0);
}

static void
on_peer_state (ZeroPeer        *peer,
               int              state,
               ZeroDataChannel *self)
{
  if (state == ZERO_PEER_STATE_FAILED || state == ZERO_PEER_STATE_CLOSED)
    {
      self->open = FALSE;
      fail_all_pending (self, "The connection closed before the answer came");
    }
}

/* --- GObject ------------------------------------------------------------- */

static void
zero_data_channel_dispose (GObject *object)
{
  ZeroDataChannel *self = ZERO_DATA_CHANNEL (object);

  zero_data_channel_close (self);
  if (self->handler_destroy && self->handler_data)
    self->handler_destroy (self->handler_data);
  self->handler = NULL;
  self->handler_data = NULL;
  self->handler_destroy = NULL;
  g_clear_object (&self->peer);

  G_OBJECT_CLASS (zero_data_channel_parent_class)->dispose (object);
}

static void
zero_data_channel_finalize (GObject *object)
{
  ZeroDataChannel *self = ZERO_DATA_CHANNEL (object);

  g_hash_table_unref (self->pending);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (zero_data_channel_parent_class)->finalize (object);
}

static void
zero_data_channel_class_init (ZeroDataChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zero_data_channel_dispose;
  object_class->finalize = zero_data_channel_finalize;

  signals[SIGNAL_OPEN] = g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CHAT] = g_signal_new ("chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
                                       G_TYPE_STRING, G_TYPE_INT64);
  signals[SIGNAL_REMOTE_STATE] =
    g_signal_new ("remote-state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
zero_data_channel_init (ZeroDataChannel *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, pending_free);
  self->next_request_id = 1;
}

/* --- public API ---------------------------------------------------------- */

ZeroDataChannel *
zero_data_channel_new (ZeroPeer *peer)
{
  ZeroDataChannel *self;

  g_return_val_if_fail (ZERO_IS_PEER (peer), NULL);

  self = g_object_new (ZERO_TYPE_DATA_CHANNEL, NULL);
  self->peer = g_object_ref (peer);
  self->peer_ids[0] = g_signal_connect (peer, "data-open", G_CALLBACK (on_data_open), self);
  self->peer_ids[1] = g_signal_connect (peer, "data-message", G_CALLBACK (on_data_message),
                                        self);
  self->peer_ids[2] = g_signal_connect (peer, "state-changed", G_CALLBACK (on_peer_state), self);
  self->open = zero_peer_is_data_open (peer);
  return self;
}

ZeroPeer *
zero_data_channel_get_peer (ZeroDataChannel *self)
{
  g_return_val_if_fail (ZERO_IS_DATA_CHANNEL (self), NULL);
  return self->peer;
}

gboolean
zero_data_channel_is_open (ZeroDataChannel *self)
{
  g_return_val_if_fail (ZERO_IS_DATA_CHANNEL (self), FALSE);
  return self->open && !self->closed;
}

void
zero_data_channel_set_handler (ZeroDataChannel       *self,
                               ZeroDataRequestHandler handler,
                               gpointer               user_data,
                               GDestroyNotify         destroy)
{
  g_return_if_fail (ZERO_IS_DATA_CHANNEL (self));

  if (self->handler_destroy && self->handler_data)
    self->handler_destroy (self->handler_data);
  self->handler = handler;
  self->handler_data = user_data;
  self->handler_destroy = destroy;
}

void
zero_data_channel_set_local_state (ZeroDataChannel     *self,
                                   const ZeroDataState *state)
{
  g_return_if_fail (ZERO_IS_DATA_CHANNEL (self));
  g_return_if_fail (state != NULL);

  self->local_state = *state;
  self->local_state.has_hand = TRUE;
  self->have_local_state = TRUE;
  send_local_state (self);
}

const ZeroDataState *
zero_data_channel_get_remote_state (ZeroDataChannel *self)
{
  g_return_val_if_fail (ZERO_IS_DATA_CHANNEL (self), NULL);
  return self->have_remote_state ? &self->remote_state : NULL;
}

gboolean
zero_data_channel_send_chat (ZeroDataChannel *self,
                             const char      *text,
                             char           **out_id,
                             gint64          *out_ts,
                             GError         **error)
{
  g_autofree char *id = NULL;
  g_autofree char *json = NULL;
  gint64 ts;

  g_return_val_if_fail (ZERO_IS_DATA_CHANNEL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!zero_data_check_chat_text (text, error))
    return FALSE;
  id = zero_uuid_generate ();
  ts = g_get_real_time () / 1000;
  json = zero_data_message_build_chat (id, text, ts);
  if (!send_text (self, json, error))
    return FALSE;
  if (out_id)
    *out_id = g_steal_pointer (&id);
  if (out_ts)
    *out_ts = ts;
  return TRUE;
}

static gboolean
on_request_timeout (gpointer user_data)
{
  Pending *p = user_data;
  ZeroDataChannel *self = p->self;
  gint64 id = p->id;

  g_clear_pointer (&p->timeout, g_source_unref);
  fail_pending (self, id, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                       "%s did not answer request %" G_GINT64_FORMAT " in time",
                                       zero_peer_get_remote_id (self->peer), id));
  return G_SOURCE_REMOVE;
}

typedef struct {
  ZeroDataChannel *self;
  gint64 id;
} CancelData;

static gboolean
on_request_cancelled_main (gpointer user_data)
{
  CancelData *c = user_data;

  fail_pending (c->self, c->id,
                g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Request cancelled"));
  return G_SOURCE_REMOVE;
}

static void
cancel_data_free (gpointer data)
{
  CancelData *c = data;

  g_object_unref (c->self);
  g_free (c);
}

/* Any thread: finishes the request on the channel's context. */
static void
on_request_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  Pending *p = user_data;
  CancelData *c = g_new0 (CancelData, 1);

  GSource *source = g_idle_source_new ();

  /* Always deferred: finishing here would disconnect this handler from inside itself. */
  c->self = g_object_ref (p->self);
  c->id = p->id;
  g_source_set_callback (source, on_request_cancelled_main, c, cancel_data_free);
  g_source_set_static_name (source, "zero-data-request-cancel");
  g_source_attach (source, p->self->context);
  g_source_unref (source);
}

void
zero_data_channel_request_async (ZeroDataChannel    *self,
                                 const char         *method,
                                 const char         *path,
                                 JsonNode           *body,
                                 guint               timeout_ms,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  Pending *p;
  gint64 id;

  g_return_if_fail (ZERO_IS_DATA_CHANNEL (self));
  g_return_if_fail (method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_data_channel_request_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  id = self->next_request_id++;
  text = zero_data_message_build_request (id, method, path, body);
  if (!send_text (self, text, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  p = g_new0 (Pending, 1);
  p->self = self;
  p->id = id;
  p->task = g_steal_pointer (&task);
  p->timeout = g_timeout_source_new (timeout_ms ? timeout_ms : ZERO_DATA_REQUEST_TIMEOUT_MS);
  g_source_set_callback (p->timeout, on_request_timeout, p, NULL);
  g_source_set_static_name (p->timeout, "zero-data-request-timeout");
  g_source_attach (p->timeout, self->context);
  g_hash_table_insert (self->pending, &p->id, p);
  if (cancellable)
    {
      p->cancellable = g_object_ref (cancellable);
      p->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_request_cancelled), p,
                                            NULL);
    }
}

JsonNode *
zero_data_channel_request_finish (ZeroDataChannel *self,
                                  GAsyncResult    *result,
                                  int             *status,
                                  GError         **error)
{
  JsonNode *body;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  body = g_task_propagate_pointer (G_TASK (result), error);
  if (status)
    *status = body ? GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result))) : 0;
  return body;
}

void
zero_data_channel_close (ZeroDataChannel *self)
{
  g_return_if_fail (ZERO_IS_DATA_CHANNEL (self));

  if (self->closed)
    return;
  self->closed = TRUE;
  self->open = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (self->peer_ids); i++)
    g_clear_signal_handler (&self->peer_ids[i], self->peer);
  g_object_ref (self);
  fail_all_pending (self, "The connection was closed");
  g_object_unref (self);
}

guint
zero_data_channel_get_n_refused (ZeroDataChannel *self)
{
  g_return_val_if_fail (ZERO_IS_DATA_CHANNEL (self), 0);
  return self->n_refused;
}

guint
zero_data_channel_get_n_ignored (ZeroDataChannel *self)
{
  g_return_val_if_fail (ZERO_IS_DATA_CHANNEL (self), 0);
  return self->n_ignored;
}

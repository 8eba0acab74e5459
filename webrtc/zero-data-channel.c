/* zero-data-channel.c: PROTOCOL.md section 7 on one peer's `zero` data channel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-data-channel.h"

#include <string.h>

#include "signaling/zero-uuid.h"
#include "webrtc/zero-dc-requests.h"

enum {
  SIGNAL_OPEN,
  SIGNAL_CHAT,
  SIGNAL_REMOTE_STATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _ZeroDataChannel {
  GObject parent_instance;

  ZeroPeer *peer;
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

  ZeroDcRequests *requests; /* ours to the remote */

  guint n_refused;
  guint n_ignored;
};

G_DEFINE_FINAL_TYPE (ZeroDataChannel, zero_data_channel, G_TYPE_OBJECT)

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

/* The requests' way out: there is only the one remote. */
static gboolean
send_to_remote (const char *peer_id,
                const char *text,
                gpointer    user_data,
                GError    **error)
{
  return send_text (user_data, text, error);
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

static void
handle_request (ZeroDataChannel *self,
                ZeroDataMessage *msg)
{
  g_autoptr (JsonNode) body = NULL;
  int status = 404;

  if (self->handler)
    body = self->handler (self, msg->method, msg->path, msg->body, &status, self->handler_data);
  else
    body = zero_dc_error_body ("no such path: %s", msg->path);
  send_response (self, msg->request_id, status, body);
}

static void
on_data_message (ZeroPeer        *peer,
                 const char      *text,
                 ZeroDataChannel *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroDataMessage) msg = NULL;
  g_autofree char *reply = NULL;

  if (self->closed)
    return;
  msg = zero_dc_parse (text, &reply, &error);
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
      if (reply)
        send_text (self, reply, NULL);
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
      zero_dc_requests_complete (self->requests, zero_peer_get_remote_id (peer), msg, NULL);
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
      g_autoptr (GError) error = g_error_new_literal (
        G_IO_ERROR, G_IO_ERROR_CLOSED, "The connection closed before the answer came");

      self->open = FALSE;
      zero_dc_requests_fail (self->requests, NULL, error);
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

  zero_dc_requests_free (self->requests);

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
  self->requests = zero_dc_requests_new (ZERO_DATA_REQUEST_TIMEOUT_MS, send_to_remote, self);
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
  GTask *task;

  g_return_if_fail (ZERO_IS_DATA_CHANNEL (self));
  g_return_if_fail (method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_data_channel_request_async);
  zero_dc_requests_send (self->requests, zero_peer_get_remote_id (self->peer), method, path,
                         body, timeout_ms, task, NULL);
}

JsonNode *
zero_data_channel_request_finish (ZeroDataChannel *self,
                                  GAsyncResult    *result,
                                  int             *status,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return zero_dc_task_propagate_response (G_TASK (result), status, error);
}

void
zero_data_channel_close (ZeroDataChannel *self)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (ZERO_IS_DATA_CHANNEL (self));

  if (self->closed)
    return;
  self->closed = TRUE;
  self->open = FALSE;
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "The connection was closed");
  for (guint i = 0; i < G_N_ELEMENTS (self->peer_ids); i++)
    g_clear_signal_handler (&self->peer_ids[i], self->peer);
  zero_dc_requests_fail (self->requests, NULL, error);
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

/* zero-dc-requests.c: the requests of PROTOCOL.md section 7, whatever carries them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-dc-requests.h"

#include <string.h>

#include "zero-build-config.h"

/* --- answering ----------------------------------------------------------- */

JsonNode *
zero_dc_error_body (const char *format,
                    ...)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
info_body (const ZeroDcResponder *responder)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, responder->name ? responder->name : "");
  json_builder_set_member_name (b, "app");
  json_builder_add_string_value (b, "zero");
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, ZERO_VERSION);
  json_builder_set_member_name (b, "protocol");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "capabilities");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "chat");
  json_builder_add_string_value (b, "state");
  json_builder_add_string_value (b, "request");
  for (guint i = 0; responder->capabilities && responder->capabilities[i]; i++)
    json_builder_add_string_value (b, responder->capabilities[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
stats_body (const ZeroDcResponder *responder,
            int                   *status)
{
  g_autoptr (ZeroPeerStats) stats = NULL;
  g_autofree char *json = NULL;
  JsonNode *node = NULL;

  if (responder->get_stats)
    stats = responder->get_stats (responder->user_data);
  if (stats)
    {
      json = zero_peer_stats_to_json (stats);
      node = json_from_string (json, NULL);
    }
  if (node == NULL)
    {
      *status = 500;
      return zero_dc_error_body ("statistics unavailable");
    }
  return node;
}

JsonNode *
zero_dc_respond (const ZeroDcResponder *responder,
                 const char            *method,
                 const char            *path,
                 int                   *status)
{
  static const char *const known[] = { "/info", "/health", "/stats" };
  gboolean found = FALSE;

  g_return_val_if_fail (responder != NULL, NULL);
  g_return_val_if_fail (method != NULL && path != NULL && status != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    found = found || strcmp (path, known[i]) == 0;
  if (!found)
    {
      *status = 404;
      return zero_dc_error_body ("no such path: %s", path);
    }
  if (strcmp (method, "GET") != 0)
    {
      *status = 405;
      return zero_dc_error_body ("%s only answers GET", path);
    }

  *status = 200;
  if (strcmp (path, "/info") == 0)
    return info_body (responder);
  if (strcmp (path, "/health") == 0)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, "ok");
      json_builder_end_object (b);
      return json_builder_get_root (b);
    }
  return stats_body (responder, status);
}

ZeroDataMessage *
zero_dc_parse (const char *text,
               char      **out_reply,
               GError    **error)
{
  g_autoptr (GError) local = NULL;
  ZeroDataMessage *msg;
  gint64 request_id = -1;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_reply)
    *out_reply = NULL;
  msg = zero_data_message_parse (text, -1, &request_id, &local);
  if (msg)
    return msg;
  if (out_reply && request_id != -1)
    {
      g_autoptr (JsonNode) body = zero_dc_error_body ("%s", local->message);

      *out_reply = zero_data_message_build_response (request_id, 400, body);
    }
  g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

/* --- results ------------------------------------------------------------- */

void
zero_dc_task_return_response (GTask    *task,
                              JsonNode *body,
                              int       status,
                              GError   *error)
{
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail ((body == NULL) != (error == NULL));

  if (body == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, GINT_TO_POINTER (status), NULL);
  g_task_return_pointer (task, body, (GDestroyNotify) json_node_unref);
}

JsonNode *
zero_dc_task_propagate_response (GTask   *task,
                                 int     *status,
                                 GError **error)
{
  JsonNode *body;

  g_return_val_if_fail (G_IS_TASK (task), NULL);

  body = g_task_propagate_pointer (task, error);
  if (status)
    *status = body ? GPOINTER_TO_INT (g_task_get_task_data (task)) : 0;
  return body;
}

void
zero_dc_task_pass_on (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  JsonNode *body;
  int status = 0;

  body = zero_dc_task_propagate_response (G_TASK (result), &status, &error);
  zero_dc_task_return_response (task, body, status, error);
}

/* --- asking -------------------------------------------------------------- */

typedef struct {
  ZeroDcRequests *table; /* not a reference: requests in flight die with the table */
  gint64 id;
  char *peer_id;
  gpointer data;
  GTask *task;           /* NULL when nobody waits */
  GSource *timeout;
  GSource *cancel;       /* dispatches on the table's context when the task is cancelled */
} Pending;

struct _ZeroDcRequests {
  GMainContext *context;
  guint timeout_ms;
  ZeroDcSendFunc send;
  gpointer send_data;
  gint64 next_id;
  GHashTable *pending; /* gint64 * (the Pending's id) -> Pending * */
};

/* Out of the table (or never in it): its sources go at once, so nothing fires later. */
static void
pending_free (gpointer data)
{
  Pending *p = data;
  GSource **sources[] = { &p->timeout, &p->cancel };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    if (*sources[i])
      {
        g_source_destroy (*sources[i]);
        g_clear_pointer (sources[i], g_source_unref);
      }
  g_clear_object (&p->task);
  g_free (p->peer_id);
  g_free (p);
}

/* Completes @p (out of the table) with @error (taken). Touches no table: the task's callback
 * may send again, or end the table's owner. */
static void
finish_pending (Pending *p,
                GError  *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&p->task);

  pending_free (p);
  if (task)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

static gboolean
on_request_timeout (gpointer user_data)
{
  Pending *p = user_data;

  g_hash_table_steal (p->table->pending, &p->id);
  finish_pending (p, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                  "%s did not answer request %" G_GINT64_FORMAT " in time",
                                  p->peer_id, p->id));
  return G_SOURCE_REMOVE;
}

static gboolean
on_request_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  Pending *p = user_data;

  g_hash_table_steal (p->table->pending, &p->id);
  finish_pending (p, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                          "Request cancelled"));
  return G_SOURCE_REMOVE;
}

ZeroDcRequests *
zero_dc_requests_new (guint          timeout_ms,
                      ZeroDcSendFunc send,
                      gpointer       user_data)
{
  ZeroDcRequests *self;

  g_return_val_if_fail (timeout_ms > 0, NULL);
  g_return_val_if_fail (send != NULL, NULL);

  self = g_new0 (ZeroDcRequests, 1);
  self->context = g_main_context_ref_thread_default ();
  self->timeout_ms = timeout_ms;
  self->send = send;
  self->send_data = user_data;
  self->next_id = 1;
  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, pending_free);
  return self;
}

void
zero_dc_requests_free (ZeroDcRequests *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->pending);
  g_main_context_unref (self->context);
  g_free (self);
}

void
zero_dc_requests_send (ZeroDcRequests *self,
                       const char     *peer_id,
                       const char     *method,
                       const char     *path,
                       JsonNode       *body,
                       guint           timeout_ms,
                       GTask          *task,
                       gpointer        data)
{
  g_autoptr (GTask) owned = task;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  GCancellable *cancellable = task ? g_task_get_cancellable (task) : NULL;
  Pending *p;
  gint64 id;

  g_return_if_fail (self != NULL);
  g_return_if_fail (peer_id != NULL && method != NULL && path != NULL);

  if (owned && g_task_return_error_if_cancelled (owned))
    return;
  /* Ids are JSON integers a JavaScript peer holds exactly. */
  if (self->next_id > ZERO_DATA_MAX_REQUEST_ID)
    self->next_id = 1;
  id = self->next_id++;
  text = zero_data_message_build_request (id, method, path, body);
  if (!self->send (peer_id, text, self->send_data, &error))
    {
      if (owned)
        g_task_return_error (owned, g_steal_pointer (&error));
      return;
    }

  p = g_new0 (Pending, 1);
  p->table = self;
  p->id = id;
  p->peer_id = g_strdup (peer_id);
  p->data = data;
  p->task = g_steal_pointer (&owned);
  p->timeout = g_timeout_source_new (timeout_ms ? timeout_ms : self->timeout_ms);
  g_source_set_callback (p->timeout, on_request_timeout, p, NULL);
  g_source_set_static_name (p->timeout, "zero-dc-request-timeout");
  g_source_attach (p->timeout, self->context);
  if (cancellable)
    {
      p->cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (p->cancel, G_SOURCE_FUNC (on_request_cancelled), p, NULL);
      g_source_set_static_name (p->cancel, "zero-dc-request-cancel");
      g_source_attach (p->cancel, self->context);
    }
  g_hash_table_insert (self->pending, &p->id, p);
}

gboolean
zero_dc_requests_complete (ZeroDcRequests        *self,
                           const char            *from,
                           const ZeroDataMessage *msg,
                           gpointer              *out_data)
{
  Pending *p;
  g_autoptr (GTask) task = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (from != NULL, FALSE);
  g_return_val_if_fail (msg != NULL && msg->type == ZERO_DATA_MESSAGE_RESPONSE, FALSE);

  p = g_hash_table_lookup (self->pending, &msg->request_id);
  if (p == NULL || strcmp (p->peer_id, from) != 0)
    {
      g_debug ("response %" G_GINT64_FORMAT " from %s answers nothing we asked (or timed out)",
               msg->request_id, from);
      return FALSE;
    }
  /* Out of the table before anyone hears of it: the callback may send again. */
  g_hash_table_steal (self->pending, &msg->request_id);
  task = g_steal_pointer (&p->task);
  if (out_data)
    *out_data = p->data;
  pending_free (p);
  if (task)
    zero_dc_task_return_response (task, json_node_ref (msg->body), msg->status, NULL);
  return TRUE;
}

void
zero_dc_requests_fail (ZeroDcRequests *self,
                       const char     *peer_id,
                       const GError   *error)
{
  g_autoptr (GPtrArray) failed = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;

  g_return_if_fail (self != NULL);
  g_return_if_fail (error != NULL);

  /* All out of the table first: their callbacks may add requests, or end the table. */
  g_hash_table_iter_init (&it, self->pending);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (peer_id == NULL || strcmp (((Pending *) value)->peer_id, peer_id) == 0)
      {
        g_ptr_array_add (failed, value);
        g_hash_table_iter_steal (&it);
      }
  for (guint i = 0; i < failed->len; i++)
    finish_pending (g_ptr_array_index (failed, i), g_error_copy (error));
}

/* zero-session-sfu.c: the SFU side of a call (see the header).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sessionmanager/zero-session-sfu.h"

#include <glib/gi18n.h>
#include <string.h>

#include "signaling/zero-uuid.h"
#include "webrtc/zero-peer-stats.h"
#include "zero-build-config.h"

/* A request the relay does not answer within this fails (the mesh's channel does the same). */
#define REQUEST_TIMEOUT_MS 10000

enum {
  SIGNAL_PEER_STATE,
  SIGNAL_DATA_OPEN,
  SIGNAL_CHAT,
  SIGNAL_REMOTE_STATE,
  SIGNAL_INFO,
  SIGNAL_VIDEO_SAMPLE,
  SIGNAL_FIRST_FRAME,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  ZeroSessionSfu *self;  /* unowned: pending requests are failed before it goes */
  gint64 id;
  char *peer_id;
  gboolean want_info;    /* our automatic GET /info: its answer becomes "info" */
  GTask *task;           /* NULL for the automatic ones */
  GSource *timeout;
} Pending;

struct _ZeroSessionSfu {
  GObject parent_instance;

  GMainContext *context;
  ZeroSfuClient *client;
  ZeroMediaSource *media;
  char *local_name;
  gboolean publishes;        /* we publish media (not a viewer) */
  gboolean has_state;
  ZeroDataState state;
  GHashTable *peers;         /* peer id -> GINT_TO_POINTER (publishes) */
  GHashTable *pending;       /* gint64 * request id -> Pending * */
  gint64 next_request_id;
};

G_DEFINE_FINAL_TYPE (ZeroSessionSfu, zero_session_sfu, G_TYPE_OBJECT)

/* --- sending ------------------------------------------------------------- */

static gboolean
send_text (ZeroSessionSfu *self,
           const char     *to,
           const char     *text,
           GError        **error)
{
  g_autoptr (GError) local = NULL;

  if (zero_sfu_client_send_data (self->client, to, text, &local))
    return TRUE;
  g_debug ("cannot relay data to %s: %s", to ? to : "everyone", local->message);
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

static void
send_state (ZeroSessionSfu *self,
            const char     *to)
{
  g_autofree char *text = NULL;

  if (!self->has_state)
    return;
  text = zero_data_message_build_state (&self->state);
  send_text (self, to, text, NULL);
}

static void
pending_free (gpointer data)
{
  Pending *p = data;

  if (p->timeout)
    {
      g_source_destroy (p->timeout);
      g_source_unref (p->timeout);
    }
  if (p->task)
    {
      g_task_return_new_error (p->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "the call left the SFU before %s answered", p->peer_id);
      g_object_unref (p->task);
    }
  g_free (p->peer_id);
  g_free (p);
}

static gboolean
on_request_timeout (gpointer data)
{
  Pending *p = data;
  ZeroSessionSfu *self = p->self;
  gint64 id = p->id;

  if (p->task)
    {
      g_task_return_new_error (p->task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "%s did not answer within %d s", p->peer_id,
                               REQUEST_TIMEOUT_MS / 1000);
      g_clear_object (&p->task);
    }
  g_clear_pointer (&p->timeout, g_source_unref);
  g_hash_table_remove (self->pending, &id);
  return G_SOURCE_REMOVE;
}

static Pending *
send_request (ZeroSessionSfu *self,
              const char     *peer_id,
              const char     *method,
              const char     *path,
              GError        **error)
{
  g_autofree char *text = NULL;
  Pending *p;

  if (self->next_request_id >= ZERO_DATA_MAX_REQUEST_ID)
    self->next_request_id = 0;
  text = zero_data_message_build_request (++self->next_request_id, method, path, NULL);
  if (!send_text (self, peer_id, text, error))
    return NULL;
  p = g_new0 (Pending, 1);
  p->self = self;
  p->id = self->next_request_id;
  p->peer_id = g_strdup (peer_id);
  p->timeout = g_timeout_source_new (REQUEST_TIMEOUT_MS);
  g_source_set_callback (p->timeout, on_request_timeout, p, NULL);
  g_source_set_static_name (p->timeout, "zero-session-sfu-request");
  g_source_attach (p->timeout, self->context);
  g_hash_table_insert (self->pending, g_memdup2 (&p->id, sizeof p->id), p);
  return p;
}

/* --- requests to us ------------------------------------------------------ */

static JsonNode *
object_body (const char *key,
             const char *value)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* The same answer as the mesh's (zero-peer-manager.c). */
static JsonNode *
info_body (ZeroSessionSfu *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->local_name ? self->local_name : "");
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
  json_builder_add_string_value (b, "sfu");
  if (self->publishes && zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_AUDIO))
    json_builder_add_string_value (b, "audio");
  if (self->publishes && zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_VIDEO))
    json_builder_add_string_value (b, "video");
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
answer_request (ZeroSessionSfu        *self,
                const char            *from,
                const ZeroDataMessage *msg)
{
  static const char *const known[] = { "/info", "/health", "/stats" };
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *text = NULL;
  gboolean found = FALSE;
  int status = 200;

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    found = found || strcmp (msg->path, known[i]) == 0;
  if (!found)
    {
      g_autofree char *what = g_strdup_printf ("no such path: %s", msg->path);

      status = 404;
      body = object_body ("error", what);
    }
  else if (strcmp (msg->method, "GET") != 0)
    {
      g_autofree char *what = g_strdup_printf ("%s only answers GET", msg->path);

      status = 405;
      body = object_body ("error", what);
    }
  else if (strcmp (msg->path, "/info") == 0)
    body = info_body (self);
  else if (strcmp (msg->path, "/health") == 0)
    body = object_body ("status", "ok");
  else
    {
      /* /stats: what we receive of the asker (its subscription), what we send (our
       * publisher connection: the only one it gets our media from). */
      ZeroPeer *sub = zero_sfu_client_get_subscriber_peer (self->client, from);
      g_autoptr (ZeroPeerStats) stats = sub ? zero_peer_get_stats (sub) : zero_peer_stats_new ();
      g_autoptr (ZeroPeerStats) pub = zero_sfu_client_get_publisher_stats (self->client);
      g_autofree char *json = NULL;

      stats->send_kbps = pub->send_kbps;
      json = zero_peer_stats_to_json (stats);
      body = json_from_string (json, NULL);
      if (body == NULL)
        {
          status = 500;
          body = object_body ("error", "statistics unavailable");
        }
    }
  text = zero_data_message_build_response (msg->request_id, status, body);
  send_text (self, from, text, NULL);
}

/* --- incoming ------------------------------------------------------------ */

static void
handle_response (ZeroSessionSfu        *self,
                 const char            *from,
                 const ZeroDataMessage *msg)
{
  gint64 id = msg->request_id;
  Pending *p = g_hash_table_lookup (self->pending, &id);
  g_autoptr (GTask) task = NULL;
  gboolean want_info;

  if (p == NULL || g_strcmp0 (p->peer_id, from) != 0)
    {
      g_debug ("response %" G_GINT64_FORMAT " from %s answers nothing we asked", id, from);
      return;
    }
  /* Done with the table before anyone hears of it (handlers may change the roster). */
  task = g_steal_pointer (&p->task);
  want_info = p->want_info;
  g_hash_table_remove (self->pending, &id);
  if (want_info && msg->status == 200 && msg->body && JSON_NODE_HOLDS_OBJECT (msg->body))
    g_signal_emit (self, signals[SIGNAL_INFO], 0, from, msg->body);
  if (task)
    {
      g_task_set_task_data (task, GINT_TO_POINTER (msg->status), NULL);
      g_task_return_pointer (task, json_node_copy (msg->body), (GDestroyNotify) json_node_unref);
    }
}

static void
on_data_message (ZeroSfuClient  *client,
                 const char     *from,
                 const char     *text,
                 ZeroSessionSfu *self)
{
  g_autoptr (ZeroDataMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  gint64 bad_request_id = -1;

  if (!g_hash_table_contains (self->peers, from))
    {
      g_debug ("data from %s, not in the roster: ignored", from);
      return;
    }
  msg = zero_data_message_parse (text, -1, &bad_request_id, &error);
  if (msg == NULL)
    {
      g_debug ("data from %s refused: %s", from, error->message);
      if (bad_request_id >= 0)
        {
          g_autoptr (JsonNode) body = object_body ("error", error->message);
          g_autofree char *reply = zero_data_message_build_response (bad_request_id, 400, body);

          send_text (self, from, reply, NULL);
        }
      return;
    }
  switch (msg->type)
    {
    case ZERO_DATA_MESSAGE_CHAT:
      g_signal_emit (self, signals[SIGNAL_CHAT], 0, from, msg->chat_id, msg->text, msg->ts);
      break;
    case ZERO_DATA_MESSAGE_STATE:
      g_signal_emit (self, signals[SIGNAL_REMOTE_STATE], 0, from, &msg->state);
      break;
    case ZERO_DATA_MESSAGE_REQUEST:
      answer_request (self, from, msg);
      break;
    case ZERO_DATA_MESSAGE_RESPONSE:
      handle_response (self, from, msg);
      break;
    case ZERO_DATA_MESSAGE_INVALID:
    default:
      break;
    }
}

/* --- the SFU client's events --------------------------------------------- */

static void
on_client_peer_state (ZeroSfuClient  *client,
                      const char     *peer_id,
                      int             state,
                      ZeroSessionSfu *self)
{
  if (g_hash_table_contains (self->peers, peer_id))
    g_signal_emit (self, signals[SIGNAL_PEER_STATE], 0, peer_id, state);
}

static void
on_client_publisher_removed (ZeroSfuClient  *client,
                             const char     *peer_id,
                             const char     *reason,
                             ZeroSessionSfu *self)
{
  /* The roster is the signaling server's: a member whose subscription went is still there
   * (it left: peer-left follows; failed or reconnecting: it comes back). */
  if (g_hash_table_contains (self->peers, peer_id) && g_strcmp0 (reason, "stopped") != 0)
    g_signal_emit (self, signals[SIGNAL_PEER_STATE], 0, peer_id, ZERO_PEER_STATE_CONNECTING);
}

static void
on_client_video_sample (ZeroSfuClient  *client,
                        const char     *peer_id,
                        int             kind,
                        GstSample      *sample,
                        ZeroSessionSfu *self)
{
  g_signal_emit (self, signals[SIGNAL_VIDEO_SAMPLE], 0, peer_id, kind, sample);
}

static void
on_client_first_frame (ZeroSfuClient  *client,
                       const char     *peer_id,
                       int             kind,
                       gint64          us,
                       ZeroSessionSfu *self)
{
  g_signal_emit (self, signals[SIGNAL_FIRST_FRAME], 0, peer_id, kind, us);
}

static void
on_client_message (ZeroSfuClient  *client,
                   const char     *text,
                   ZeroSessionSfu *self)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text, FALSE);
}

static void
on_client_state (ZeroSfuClient  *client,
                 int             state,
                 ZeroSessionSfu *self)
{
  g_debug ("SFU client: %s", zero_sfu_client_state_to_string (state));
  if (state == ZERO_SFU_CLIENT_CONNECTED)
    {
      /* Viewers publish nothing: no subscription tells us they are there, the room does. */
      GHashTableIter it;
      gpointer key, value;

      g_hash_table_iter_init (&it, self->peers);
      while (g_hash_table_iter_next (&it, &key, &value))
        if (!GPOINTER_TO_INT (value))
          g_signal_emit (self, signals[SIGNAL_PEER_STATE], 0, key, ZERO_PEER_STATE_CONNECTED);
    }
  else if (state == ZERO_SFU_CLIENT_FAILED)
    {
      const GError *error = zero_sfu_client_get_error (client);
      g_autofree char *text =
        g_strdup_printf (_("Could not join the conference server: %s"),
                         error ? error->message : _("unknown error"));

      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text, TRUE);
    }
}

/* --- GObject ------------------------------------------------------------- */

static void
zero_session_sfu_dispose (GObject *object)
{
  ZeroSessionSfu *self = ZERO_SESSION_SFU (object);

  if (self->client)
    {
      zero_session_sfu_stop (self);
      g_signal_handlers_disconnect_by_data (self->client, self);
      zero_sfu_client_set_signaling (self->client, NULL);
      g_clear_object (&self->client);
    }
  g_clear_object (&self->media);

  G_OBJECT_CLASS (zero_session_sfu_parent_class)->dispose (object);
}

static void
zero_session_sfu_finalize (GObject *object)
{
  ZeroSessionSfu *self = ZERO_SESSION_SFU (object);

  g_hash_table_unref (self->peers);
  g_hash_table_unref (self->pending);
  g_main_context_unref (self->context);
  g_free (self->local_name);

  G_OBJECT_CLASS (zero_session_sfu_parent_class)->finalize (object);
}

static void
zero_session_sfu_class_init (ZeroSessionSfuClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = zero_session_sfu_dispose;
  object_class->finalize = zero_session_sfu_finalize;

  signals[SIGNAL_PEER_STATE] =
    g_signal_new ("peer-state", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_INT);
  signals[SIGNAL_DATA_OPEN] =
    g_signal_new ("data-open", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
  signals[SIGNAL_CHAT] =
    g_signal_new ("chat", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  signals[SIGNAL_REMOTE_STATE] =
    g_signal_new ("remote-state", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_POINTER);
  signals[SIGNAL_INFO] =
    g_signal_new ("info", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, JSON_TYPE_NODE);
  signals[SIGNAL_VIDEO_SAMPLE] =
    g_signal_new ("video-sample", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_INT, GST_TYPE_SAMPLE);
  signals[SIGNAL_FIRST_FRAME] =
    g_signal_new ("first-frame", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT64);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
zero_session_sfu_init (ZeroSessionSfu *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, pending_free);
}

/* --- public API ---------------------------------------------------------- */

ZeroSessionSfu *
zero_session_sfu_new (ZeroMediaSource            *media,
                      ZeroSignalingClient        *signaling,
                      const ZeroSfuClientOptions *opts,
                      const char                 *local_name,
                      GError                    **error)
{
  g_autoptr (ZeroSessionSfu) self = NULL;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (media), NULL);
  g_return_val_if_fail (ZERO_IS_SIGNALING_CLIENT (signaling), NULL);
  g_return_val_if_fail (opts != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (ZERO_TYPE_SESSION_SFU, NULL);
  self->client = zero_sfu_client_new (media, opts, error);
  if (self->client == NULL)
    return NULL;
  self->media = g_object_ref (media);
  self->local_name = g_strdup (local_name);
  self->publishes = opts->publish && (opts->peer.send_audio || opts->peer.send_video);
  zero_sfu_client_set_signaling (self->client, signaling);
  g_signal_connect (self->client, "data-message", G_CALLBACK (on_data_message), self);
  g_signal_connect (self->client, "peer-state", G_CALLBACK (on_client_peer_state), self);
  g_signal_connect (self->client, "publisher-removed",
                    G_CALLBACK (on_client_publisher_removed), self);
  g_signal_connect (self->client, "video-sample", G_CALLBACK (on_client_video_sample), self);
  g_signal_connect (self->client, "first-frame", G_CALLBACK (on_client_first_frame), self);
  g_signal_connect (self->client, "message", G_CALLBACK (on_client_message), self);
  g_signal_connect (self->client, "state-changed", G_CALLBACK (on_client_state), self);
  return g_steal_pointer (&self);
}

void
zero_session_sfu_start (ZeroSessionSfu *self)
{
  g_return_if_fail (ZERO_IS_SESSION_SFU (self));
  zero_sfu_client_start (self->client);
}

void
zero_session_sfu_stop (ZeroSessionSfu *self)
{
  g_return_if_fail (ZERO_IS_SESSION_SFU (self));

  g_hash_table_remove_all (self->pending);
  g_hash_table_remove_all (self->peers);
  if (self->client)
    zero_sfu_client_stop (self->client);
}

ZeroSfuClient *
zero_session_sfu_get_client (ZeroSessionSfu *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_SFU (self), NULL);
  return self->client;
}

guint64
zero_session_sfu_get_room (ZeroSessionSfu *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_SFU (self), 0);
  return zero_sfu_client_get_room (self->client);
}

void
zero_session_sfu_add_peer (ZeroSessionSfu *self,
                           const char     *peer_id,
                           gboolean        publishes)
{
  Pending *p;

  g_return_if_fail (ZERO_IS_SESSION_SFU (self));
  g_return_if_fail (peer_id != NULL);

  g_hash_table_insert (self->peers, g_strdup (peer_id), GINT_TO_POINTER (!!publishes));
  g_signal_emit (self, signals[SIGNAL_DATA_OPEN], 0, peer_id);
  if (!publishes && zero_sfu_client_get_state (self->client) == ZERO_SFU_CLIENT_CONNECTED)
    g_signal_emit (self, signals[SIGNAL_PEER_STATE], 0, peer_id, ZERO_PEER_STATE_CONNECTED);
  /* Handlers may have removed it (a roster change). */
  if (!g_hash_table_contains (self->peers, peer_id))
    return;
  send_state (self, peer_id);
  p = send_request (self, peer_id, "GET", "/info", NULL);
  if (p)
    p->want_info = TRUE;
}

void
zero_session_sfu_remove_peer (ZeroSessionSfu *self,
                              const char     *peer_id)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer key, value;

  g_return_if_fail (ZERO_IS_SESSION_SFU (self));

  if (!g_hash_table_remove (self->peers, peer_id))
    return;
  g_hash_table_iter_init (&it, self->pending);
  while (g_hash_table_iter_next (&it, &key, &value))
    if (g_strcmp0 (((Pending *) value)->peer_id, peer_id) == 0)
      g_ptr_array_add (ids, g_memdup2 (key, sizeof (gint64)));
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_remove (self->pending, g_ptr_array_index (ids, i));
}

ZeroPeer *
zero_session_sfu_get_peer (ZeroSessionSfu *self,
                           const char     *peer_id)
{
  g_return_val_if_fail (ZERO_IS_SESSION_SFU (self), NULL);
  return zero_sfu_client_get_subscriber_peer (self->client, peer_id);
}

void
zero_session_sfu_set_local_state (ZeroSessionSfu      *self,
                                  const ZeroDataState *state)
{
  g_return_if_fail (ZERO_IS_SESSION_SFU (self));
  g_return_if_fail (state != NULL);

  if (self->has_state && memcmp (&self->state, state, sizeof *state) == 0)
    return;
  self->state = *state;
  self->has_state = TRUE;
  if (g_hash_table_size (self->peers) > 0)
    send_state (self, NULL);
}

gboolean
zero_session_sfu_send_chat (ZeroSessionSfu *self,
                            const char     *to,
                            const char     *text,
                            GError        **error)
{
  g_autofree char *id = NULL;
  g_autofree char *msg = NULL;

  g_return_val_if_fail (ZERO_IS_SESSION_SFU (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!zero_data_check_chat_text (text, error))
    return FALSE;
  id = zero_uuid_generate ();
  msg = zero_data_message_build_chat (id, text, g_get_real_time () / 1000);
  return send_text (self, to, msg, error);
}

void
zero_session_sfu_request_async (ZeroSessionSfu     *self,
                                const char         *peer_id,
                                const char         *method,
                                const char         *path,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  Pending *p;

  g_return_if_fail (ZERO_IS_SESSION_SFU (self));
  g_return_if_fail (peer_id != NULL && method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_session_sfu_request_async);
  if (!g_hash_table_contains (self->peers, peer_id))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "%s is not in the session", peer_id);
      return;
    }
  p = send_request (self, peer_id, method, path, &error);
  if (p == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  p->task = g_steal_pointer (&task);
}

JsonNode *
zero_session_sfu_request_finish (ZeroSessionSfu *self,
                                 GAsyncResult   *result,
                                 int            *status,
                                 GError        **error)
{
  JsonNode *body;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  body = g_task_propagate_pointer (G_TASK (result), error);
  if (status)
    *status = body ? GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result))) : 0;
  return body;
}

void
zero_session_upload_add (ZeroSessionUpload   *out,
                         const ZeroPeerStats *stats)
{
  g_return_if_fail (out != NULL);

  out->connections++;
  if (stats == NULL)
    return;
  if (stats->send_kbps > 0)
    out->kbps_out += stats->send_kbps;
  out->video_streams_out += MAX (stats->video_streams_out, 0);
  if (stats->video_streams_out > 0)
    out->video_connections_out++;
  out->audio_streams_out += MAX (stats->audio_streams_out, 0);
}

void
zero_session_sfu_add_upload (ZeroSessionSfu    *self,
                             ZeroSessionUpload *out)
{
  ZeroPeer *pub;
  g_autoptr (GPtrArray) ids = NULL;

  g_return_if_fail (ZERO_IS_SESSION_SFU (self));
  g_return_if_fail (out != NULL);

  pub = zero_sfu_client_get_publisher_peer (self->client);
  if (pub)
    {
      g_autoptr (ZeroPeerStats) stats = zero_peer_get_stats (pub);

      zero_session_upload_add (out, stats);
    }
  ids = zero_sfu_client_list_publishers (self->client);
  for (guint i = 0; i < ids->len; i++)
    {
      ZeroPeer *sub = zero_sfu_client_get_subscriber_peer (self->client,
                                                           g_ptr_array_index (ids, i));
      g_autoptr (ZeroPeerStats) stats = sub ? zero_peer_get_stats (sub) : NULL;

      if (sub)
        zero_session_upload_add (out, stats);
    }
}

/* zero-session-sfu.c: the SFU side of a call (see the header).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sessionmanager/zero-session-sfu.h"

#include <glib/gi18n.h>
#include <string.h>

#include "signaling/zero-uuid.h"
#include "webrtc/zero-dc-requests.h"
#include "webrtc/zero-member-events.h"
#include "webrtc/zero-peer-stats.h"

/* A request the relay does not answer within this fails (the mesh's channel does the same). */
#define REQUEST_TIMEOUT_MS 10000
/* The data of our automatic GET /info: its answer becomes "info". */
#define WANT_INFO GINT_TO_POINTER (1)

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _ZeroSessionSfu {
  GObject parent_instance;

  ZeroSfuClient *client;
  ZeroMediaSource *media;
  char *local_name;
  gboolean publishes;        /* we publish media (not a viewer) */
  gboolean has_state;
  ZeroDataState state;
  GHashTable *peers;         /* peer id -> GINT_TO_POINTER (publishes) */
  ZeroDcRequests *requests;  /* ours to the members */
};

G_DEFINE_FINAL_TYPE_WITH_CODE (ZeroSessionSfu, zero_session_sfu, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (ZERO_TYPE_MEMBER_EVENTS, NULL))

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

/* The requests' way out: the relay. */
static gboolean
send_to_member (const char *peer_id,
                const char *text,
                gpointer    user_data,
                GError    **error)
{
  return send_text (user_data, peer_id, text, error);
}

/* The requests in flight to @peer_id (NULL: everyone) fail: the member or the call left. */
static void
fail_requests (ZeroSessionSfu *self,
               const char     *peer_id)
{
  g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  "The call left the SFU before the answer "
                                                  "came");

  zero_dc_requests_fail (self->requests, peer_id, error);
}

/* --- requests to us ------------------------------------------------------ */

typedef struct {
  ZeroSessionSfu *self;
  const char *from;
} Asker;

/* GET /stats: what we receive of the asker (its subscription), what we send (our publisher
 * connection: the only one it gets our media from). */
static ZeroPeerStats *
get_asker_stats (gpointer user_data)
{
  Asker *asker = user_data;
  ZeroPeer *sub = zero_sfu_client_get_subscriber_peer (asker->self->client, asker->from);
  ZeroPeerStats *stats = sub ? zero_peer_get_stats (sub) : zero_peer_stats_new ();
  g_autoptr (ZeroPeerStats) pub = zero_sfu_client_get_publisher_stats (asker->self->client);

  stats->send_kbps = pub->send_kbps;
  return stats;
}

static void
answer_request (ZeroSessionSfu        *self,
                const char            *from,
                const ZeroDataMessage *msg)
{
  Asker asker = { self, from };
  const char *capabilities[4] = { "sfu", NULL };
  guint n = 1;
  ZeroDcResponder responder = { self->local_name, capabilities, get_asker_stats, &asker };
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *text = NULL;
  int status = 0;

  if (self->publishes && zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_AUDIO))
    capabilities[n++] = "audio";
  if (self->publishes && zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_VIDEO))
    capabilities[n++] = "video";
  body = zero_dc_respond (&responder, msg->method, msg->path, &status);
  text = zero_data_message_build_response (msg->request_id, status, body);
  send_text (self, from, text, NULL);
}

/* --- incoming ------------------------------------------------------------ */

static void
handle_response (ZeroSessionSfu        *self,
                 const char            *from,
                 const ZeroDataMessage *msg)
{
  gpointer data = NULL;

  if (zero_dc_requests_complete (self->requests, from, msg, &data) && data == WANT_INFO &&
      msg->status == 200 && msg->body && JSON_NODE_HOLDS_OBJECT (msg->body))
    g_signal_emit (self, ZERO_MEMBER_SIGNAL (INFO), 0, from, msg->body);
}

static void
on_data_message (ZeroSfuClient  *client,
                 const char     *from,
                 const char     *text,
                 ZeroSessionSfu *self)
{
  g_autoptr (ZeroDataMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *reply = NULL;

  if (!g_hash_table_contains (self->peers, from))
    {
      g_debug ("data from %s, not in the roster: ignored", from);
      return;
    }
  msg = zero_dc_parse (text, &reply, &error);
  if (msg == NULL)
    {
      g_debug ("data from %s refused: %s", from, error->message);
      if (reply)
        send_text (self, from, reply, NULL);
      return;
    }
  switch (msg->type)
    {
    case ZERO_DATA_MESSAGE_CHAT:
      g_signal_emit (self, ZERO_MEMBER_SIGNAL (CHAT), 0, from, msg->chat_id, msg->text, msg->ts);
      break;
    case ZERO_DATA_MESSAGE_STATE:
      g_signal_emit (self, ZERO_MEMBER_SIGNAL (REMOTE_STATE), 0, from, &msg->state);
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
    g_signal_emit (self, ZERO_MEMBER_SIGNAL (PEER_STATE), 0, peer_id, state);
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
    g_signal_emit (self, ZERO_MEMBER_SIGNAL (PEER_STATE), 0, peer_id, ZERO_PEER_STATE_CONNECTING);
}

static void
on_client_video_sample (ZeroSfuClient  *client,
                        const char     *peer_id,
                        int             kind,
                        GstSample      *sample,
                        ZeroSessionSfu *self)
{
  g_signal_emit (self, ZERO_MEMBER_SIGNAL (VIDEO_SAMPLE), 0, peer_id, kind, sample);
}

static void
on_client_first_frame (ZeroSfuClient  *client,
                       const char     *peer_id,
                       int             kind,
                       gint64          us,
                       ZeroSessionSfu *self)
{
  g_signal_emit (self, ZERO_MEMBER_SIGNAL (FIRST_FRAME), 0, peer_id, kind, us);
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
          g_signal_emit (self, ZERO_MEMBER_SIGNAL (PEER_STATE), 0, key, ZERO_PEER_STATE_CONNECTED);
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
  zero_dc_requests_free (self->requests);
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

  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
zero_session_sfu_init (ZeroSessionSfu *self)
{
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->requests = zero_dc_requests_new (REQUEST_TIMEOUT_MS, send_to_member, self);
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

  fail_requests (self, NULL);
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
  g_return_if_fail (ZERO_IS_SESSION_SFU (self));
  g_return_if_fail (peer_id != NULL);

  g_hash_table_insert (self->peers, g_strdup (peer_id), GINT_TO_POINTER (!!publishes));
  g_signal_emit (self, ZERO_MEMBER_SIGNAL (DATA_OPEN), 0, peer_id);
  if (!publishes && zero_sfu_client_get_state (self->client) == ZERO_SFU_CLIENT_CONNECTED)
    g_signal_emit (self, ZERO_MEMBER_SIGNAL (PEER_STATE), 0, peer_id, ZERO_PEER_STATE_CONNECTED);
  /* Handlers may have removed it (a roster change). */
  if (!g_hash_table_contains (self->peers, peer_id))
    return;
  send_state (self, peer_id);
  zero_dc_requests_send (self->requests, peer_id, "GET", "/info", NULL, 0, NULL, WANT_INFO);
}

void
zero_session_sfu_remove_peer (ZeroSessionSfu *self,
                              const char     *peer_id)
{
  g_return_if_fail (ZERO_IS_SESSION_SFU (self));

  if (!g_hash_table_remove (self->peers, peer_id))
    return;
  fail_requests (self, peer_id);
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
  zero_dc_requests_send (self->requests, peer_id, method, path, NULL, 0,
                         g_steal_pointer (&task), NULL);
}

JsonNode *
zero_session_sfu_request_finish (ZeroSessionSfu *self,
                                 GAsyncResult   *result,
                                 int            *status,
                                 GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return zero_dc_task_propagate_response (G_TASK (result), status, error);
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

/* zero-sfu-subscriber.c: one VideoRoom subscription (handle + answering ZeroPeer) per
 * remote publisher. See zero-sfu-client.h for why one connection per publisher.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sfu/zero-sfu-client-private.h"

#include <string.h>

#define MAX_RETRIES 5
#define RETRY_STEP_MS 1000

/* Extra fields kept next to the public struct. */
typedef struct
{
  ZeroSfuSubscriber sub;
  gint64 added_us;            /* publisher-added */
  gint64 peer_offset_us;      /* ZeroPeer creation, since added_us */
} Subscription;

static void subscribe (ZeroSfuSubscriber *sub);
static void close_peer (ZeroSfuSubscriber *sub);

static gint64
member_int (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

ZeroSfuSubscriber *
_zero_sfu_subscriber_by_handle (ZeroSfuClient *self, guint64 handle)
{
  if (handle == 0)
    return NULL;
  for (guint i = 0; i < self->order->len; i++)
    {
      ZeroSfuSubscriber *sub = self->order->pdata[i];

      if (sub->handle == handle)
        return sub;
    }
  return NULL;
}

ZeroSfuSubscriber *
_zero_sfu_subscriber_by_peer (ZeroSfuClient *self, const char *peer_id)
{
  for (guint i = 0; i < self->order->len; i++)
    {
      ZeroSfuSubscriber *sub = self->order->pdata[i];

      if (g_strcmp0 (sub->peer_id, peer_id) == 0)
        return sub;
    }
  return NULL;
}

/* The subscriber a callback was made for, if it is still there (and the epoch current). */
static ZeroSfuSubscriber *
current_sub (ZeroSfuCallData *data)
{
  ZeroSfuSubscriber *sub;

  if (!_zero_sfu_call_data_current (data))
    return NULL;
  sub = g_hash_table_lookup (data->self->subscribers, &data->feed);
  return sub && sub->serial == data->serial ? sub : NULL;
}


/* --- retries ---------------------------------------------------------------------- */

static gboolean
on_retry (gpointer user_data)
{
  ZeroSfuCallData *data = user_data;
  ZeroSfuSubscriber *sub = current_sub (data);

  if (sub == NULL)
    return G_SOURCE_REMOVE;
  g_clear_pointer (&sub->retry_source, g_source_unref);
  subscribe (sub);
  return G_SOURCE_REMOVE;
}

/* The subscription broke (Janus hung up, our connection failed, a request failed): make
 * it again a little later, a few times; the publisher may be leaving, and then its
 * `unpublished` removes us first. */
static void
retry_later (ZeroSfuSubscriber *sub, const char *why)
{
  ZeroSfuClient *self = sub->client;

  if (sub->retry_source)
    return;
  if (sub->retries >= MAX_RETRIES)
    {
      g_message ("sfu %s: giving up on %s after %u attempts: %s", self->display, sub->peer_id,
                 sub->retries, why);
      _zero_sfu_subscriber_remove (self, sub->feed, "failed");
      return;
    }
  sub->retries++;
  g_debug ("sfu %s: subscription to %s broke (%s); again in %u ms", self->display, sub->peer_id,
           why, sub->retries * RETRY_STEP_MS);
  close_peer (sub);
  if (self->janus && sub->handle)
    zero_janus_session_detach (self->janus, sub->handle);
  sub->handle = 0;
  sub->retry_source = g_timeout_source_new (sub->retries * RETRY_STEP_MS);
  g_source_set_callback (sub->retry_source, on_retry, _zero_sfu_call_data_new (self, sub),
                         (GDestroyNotify) _zero_sfu_call_data_free);
  g_source_attach (sub->retry_source, self->context);
}

static gboolean
on_deferred_retry (gpointer user_data)
{
  ZeroSfuCallData *data = user_data;
  ZeroSfuSubscriber *sub = current_sub (data);

  if (sub)
    retry_later (sub, "the connection failed");
  return G_SOURCE_REMOVE;
}

/* --- the answering connection ---------------------------------------------------- */

static void
on_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = NULL;
  ZeroSfuSubscriber *sub;

  reply = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source), result, NULL, &error);
  sub = current_sub (data);
  if (sub == NULL || reply != NULL)
    return;
  if (g_error_matches (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_NO_SUCH_FEED))
    _zero_sfu_subscriber_remove (data->self, sub->feed, "unpublished");
  else
    retry_later (sub, error->message);
}

static void
on_restart_offer (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_peer_signal_out (ZeroPeer *peer, JsonObject *msg, ZeroSfuSubscriber *sub)
{
  ZeroSfuClient *self = sub->client;
  const char *type = json_object_get_string_member_with_default (msg, "type", "");

  if (self->janus == NULL || sub->handle == 0)
    return;
  if (g_str_equal (type, "ice"))
    zero_janus_session_trickle (self->janus, sub->handle,
                                json_object_get_object_member (msg, "candidate"));
  else if (g_str_equal (type, "answer"))
    {
      g_autoptr (JsonObject) body = json_object_new ();
      g_autoptr (JsonObject) jsep = json_object_new ();

      json_object_set_string_member (body, "request", "start");
      json_object_set_string_member (jsep, "type", "answer");
      json_object_set_string_member (jsep, "sdp", json_object_get_string_member (msg, "sdp"));
      sub->started = TRUE;
      zero_janus_session_message_async (self->janus, sub->handle, body, jsep, self->cancellable,
                                        on_started, _zero_sfu_call_data_new (self, sub));
    }
  else if (g_str_equal (type, "request-offer") && !sub->restarting)
    {
      g_autoptr (JsonObject) body = json_object_new ();

      /* Our side lost the connection: Janus re-offers with fresh ICE credentials. */
      sub->restarting = TRUE;
      json_object_set_string_member (body, "request", "configure");
      json_object_set_boolean_member (body, "restart", TRUE);
      zero_janus_session_message_async (self->janus, sub->handle, body, NULL, self->cancellable,
                                        on_restart_offer, _zero_sfu_call_data_new (self, sub));
    }
}

static void
on_peer_state (ZeroPeer *peer, int state, ZeroSfuSubscriber *sub)
{
  ZeroSfuClient *self = sub->client;

  if (peer != sub->peer)
    return;
  if (state == ZERO_PEER_STATE_CONNECTED)
    sub->retries = 0;
  g_signal_emit (self, _zero_sfu_signals[ZERO_SFU_SIGNAL_PEER_STATE], 0, sub->peer_id, state);
  if (state == ZERO_PEER_STATE_FAILED)
    {
      GSource *source = g_idle_source_new ();

      /* Not from inside the peer's own signal. */
      g_source_set_callback (source, on_deferred_retry, _zero_sfu_call_data_new (self, sub),
                             (GDestroyNotify) _zero_sfu_call_data_free);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

static void
on_peer_video_sample (ZeroPeer *peer, GstSample *sample, ZeroSfuSubscriber *sub)
{
  const GstStructure *info = gst_sample_get_info (sample);
  int kind = ZERO_MEDIA_KIND_VIDEO;

  if (info)
    gst_structure_get_int (info, "kind", &kind);
  g_signal_emit (sub->client, _zero_sfu_signals[ZERO_SFU_SIGNAL_VIDEO_SAMPLE], 0, sub->peer_id,
                 kind, sample);
}

static void
on_peer_first_frame (ZeroPeer *peer, int kind, gint64 us, ZeroSfuSubscriber *sub)
{
  Subscription *s = (Subscription *) sub;

  g_signal_emit (sub->client, _zero_sfu_signals[ZERO_SFU_SIGNAL_FIRST_FRAME], 0, sub->peer_id,
                 kind, us + s->peer_offset_us);
}

static void
on_peer_stats (ZeroPeer *peer, ZeroPeerStats *stats, ZeroSfuSubscriber *sub)
{
  g_signal_emit (sub->client, _zero_sfu_signals[ZERO_SFU_SIGNAL_STATS], 0, sub->peer_id, stats);
}

static void
close_peer (ZeroSfuSubscriber *sub)
{
  g_autoptr (ZeroPeer) peer = g_steal_pointer (&sub->peer);

  if (peer == NULL)
    return;
  g_signal_handlers_disconnect_by_data (peer, sub);
  zero_peer_close (peer);
  sub->started = FALSE;
  sub->restarting = FALSE;
}

/* Janus's offer (first one, a renegotiation, or an ICE restart): answer it. */
static void
handle_offer (ZeroSfuSubscriber *sub, JsonObject *jsep)
{
  ZeroSfuClient *self = sub->client;
  Subscription *s = (Subscription *) sub;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) offer = json_object_new ();
  const char *sdp = json_object_get_string_member_with_default (jsep, "sdp", NULL);

  if (g_strcmp0 (json_object_get_string_member_with_default (jsep, "type", NULL), "offer") != 0 ||
      sdp == NULL)
    {
      retry_later (sub, "Janus sent a subscription without an SDP offer");
      return;
    }
  if (sub->peer == NULL)
    {
      ZeroPeerOptions opts = self->peer_opts;
      GstPipeline *pipeline = zero_media_source_get_pipeline (self->media);

      opts.send_audio = FALSE;
      opts.send_video = FALSE;
      opts.echo = FALSE;
      s->peer_offset_us = g_get_monotonic_time () - s->added_us;
      sub->peer = zero_peer_new (GST_BIN (pipeline), sub->peer_id, FALSE, &opts, &error);
      if (sub->peer == NULL)
        {
          retry_later (sub, error->message);
          return;
        }
      zero_peer_set_playback_func (sub->peer, _zero_sfu_playback_request,
                                   _zero_sfu_playback_release, self, NULL);
      g_signal_connect (sub->peer, "signal-out", G_CALLBACK (on_peer_signal_out), sub);
      g_signal_connect (sub->peer, "state-changed", G_CALLBACK (on_peer_state), sub);
      g_signal_connect (sub->peer, "video-sample", G_CALLBACK (on_peer_video_sample), sub);
      g_signal_connect (sub->peer, "first-frame", G_CALLBACK (on_peer_first_frame), sub);
      g_signal_connect (sub->peer, "stats", G_CALLBACK (on_peer_stats), sub);
      zero_peer_start (sub->peer);
    }
  sub->restarting = FALSE;
  json_object_set_string_member (offer, "type", "offer");
  json_object_set_string_member (offer, "sdp", sdp);
  if (!zero_peer_handle_signal (sub->peer, offer, &error))
    retry_later (sub, error->message);
}

static void
on_restart_offer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) jsep = NULL;
  g_autoptr (JsonObject) reply = NULL;
  ZeroSfuSubscriber *sub;

  reply = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source), result, &jsep, &error);
  sub = current_sub (data);
  if (sub == NULL)
    return;
  if (reply == NULL || jsep == NULL)
    {
      retry_later (sub, error ? error->message : "Janus did not re-offer");
      return;
    }
  handle_offer (sub, jsep);
}

/* --- the subscription ------------------------------------------------------------- */

static void
on_sub_joined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) jsep = NULL;
  g_autoptr (JsonObject) reply = NULL;
  ZeroSfuSubscriber *sub;

  reply = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source), result, &jsep, &error);
  sub = current_sub (data);
  if (sub == NULL)
    return;
  if (reply == NULL)
    {
      if (g_error_matches (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_NO_SUCH_FEED))
        _zero_sfu_subscriber_remove (data->self, sub->feed, "unpublished");
      else if (zero_sfu_error_is_final (error))
        _zero_sfu_client_lost (data->self, g_steal_pointer (&error));
      else
        retry_later (sub, error->message);
      return;
    }
  if (jsep == NULL)
    {
      retry_later (sub, "Janus attached the subscription without an offer");
      return;
    }
  handle_offer (sub, jsep);
}

static void
on_sub_attached (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  ZeroSfuClient *self = data->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (JsonObject) stream = NULL;
  JsonArray *streams;
  ZeroSfuSubscriber *sub;
  guint64 handle;

  handle = zero_janus_session_attach_finish (ZERO_JANUS_SESSION (source), result, &error);
  sub = current_sub (data);
  if (sub == NULL)
    {
      if (handle && _zero_sfu_call_data_current (data))
        zero_janus_session_detach (self->janus, handle);
      return;
    }
  if (handle == 0)
    {
      retry_later (sub, error->message);
      return;
    }
  sub->handle = handle;
  body = json_object_new ();
  json_object_set_string_member (body, "request", "join");
  json_object_set_string_member (body, "ptype", "subscriber");
  json_object_set_int_member (body, "room", (gint64) self->room);
  if (self->pin)
    json_object_set_string_member (body, "pin", self->pin);
  if (self->private_id)
    json_object_set_int_member (body, "private_id", (gint64) self->private_id);
  streams = json_array_new ();
  stream = json_object_new ();
  json_object_set_int_member (stream, "feed", (gint64) sub->feed);
  json_array_add_object_element (streams, g_steal_pointer (&stream));
  json_object_set_array_member (body, "streams", streams);
  zero_janus_session_message_async (self->janus, handle, body, NULL, self->cancellable,
                                    on_sub_joined, _zero_sfu_call_data_new (self, sub));
}

static void
subscribe (ZeroSfuSubscriber *sub)
{
  ZeroSfuClient *self = sub->client;

  zero_janus_session_attach_async (self->janus, ZERO_VIDEOROOM_PLUGIN, self->cancellable,
                                   on_sub_attached, _zero_sfu_call_data_new (self, sub));
}

void
_zero_sfu_subscriber_event (ZeroSfuSubscriber *sub, JsonObject *msg)
{
  const char *kind = json_object_get_string_member_with_default (msg, "janus", "");

  if (g_str_equal (kind, "event"))
    {
      JsonNode *jsep = json_object_get_member (msg, "jsep");

      if (jsep && JSON_NODE_HOLDS_OBJECT (jsep))
        handle_offer (sub, json_node_get_object (jsep));
    }
  else if (g_str_equal (kind, "hangup") || g_str_equal (kind, "detached"))
    {
      g_autofree char *why = g_strdup_printf ("Janus %s (%s)",
                                              g_str_equal (kind, "hangup") ? "hung up"
                                                                           : "detached",
                                              json_object_get_string_member_with_default (
                                                msg, "reason", "no reason given"));

      if (g_str_equal (kind, "detached"))
        sub->handle = 0;
      retry_later (sub, why);
    }
  else if (g_str_equal (kind, "trickle") && sub->peer)
    {
      JsonNode *cand = json_object_get_member (msg, "candidate");

      if (cand && JSON_NODE_HOLDS_OBJECT (cand) &&
          json_object_has_member (json_node_get_object (cand), "candidate"))
        {
          g_autoptr (JsonObject) ice = json_object_new ();

          json_object_set_string_member (ice, "type", "ice");
          json_object_set_object_member (ice, "candidate",
                                         json_object_ref (json_node_get_object (cand)));
          zero_peer_handle_signal (sub->peer, ice, NULL);
        }
    }
}

void
_zero_sfu_subscribe_publishers (ZeroSfuClient *self, JsonArray *publishers)
{
  for (guint i = 0; i < json_array_get_length (publishers); i++)
    {
      JsonNode *node = json_array_get_element (publishers, i);
      JsonObject *pub;
      const char *display;
      gint64 feed;
      ZeroSfuSubscriber *old;
      Subscription *s;
      ZeroSfuSubscriber *sub;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      pub = json_node_get_object (node);
      feed = member_int (pub, "id");
      display = json_object_get_string_member_with_default (pub, "display", NULL);
      if (feed <= 0 || display == NULL || *display == '\0' ||
          json_object_get_boolean_member_with_default (pub, "dummy", FALSE))
        continue;
      /* Ourselves, possibly a feed left over from before a reconnect. */
      if ((guint64) feed == self->feed_id || g_strcmp0 (display, self->display) == 0)
        continue;
      if (g_hash_table_contains (self->subscribers, &feed))
        continue;
      /* The same member publishing anew (it reconnected): the newer feed wins. */
      old = _zero_sfu_subscriber_by_peer (self, display);
      if (old)
        _zero_sfu_subscriber_remove (self, old->feed, "unpublished");

      s = g_new0 (Subscription, 1);
      s->added_us = g_get_monotonic_time ();
      sub = &s->sub;
      sub->client = self;
      sub->serial = ++self->next_serial;
      sub->feed = (guint64) feed;
      sub->peer_id = g_strdup (display);
      g_hash_table_insert (self->subscribers, &sub->feed, sub);
      g_ptr_array_add (self->order, sub);
      g_debug ("sfu %s: publisher %s (feed %" G_GINT64_FORMAT ")", self->display, display, feed);
      g_signal_emit (self, _zero_sfu_signals[ZERO_SFU_SIGNAL_PUBLISHER_ADDED], 0, display);
      /* A handler may have stopped us. */
      if (self->janus == NULL || g_hash_table_lookup (self->subscribers, &feed) != sub)
        return;
      subscribe (sub);
    }
}

void
_zero_sfu_subscriber_remove (ZeroSfuClient *self, guint64 feed, const char *reason)
{
  ZeroSfuSubscriber *sub = g_hash_table_lookup (self->subscribers, &feed);
  g_autofree char *peer_id = NULL;

  if (sub == NULL)
    return;
  g_hash_table_remove (self->subscribers, &feed);
  g_ptr_array_remove (self->order, sub);
  if (sub->retry_source)
    {
      g_source_destroy (sub->retry_source);
      g_clear_pointer (&sub->retry_source, g_source_unref);
    }
  close_peer (sub);
  if (self->janus && sub->handle)
    zero_janus_session_detach (self->janus, sub->handle);
  peer_id = g_steal_pointer (&sub->peer_id);
  g_free (sub);
  g_debug ("sfu %s: publisher %s removed (%s)", self->display, peer_id, reason);
  g_signal_emit (self, _zero_sfu_signals[ZERO_SFU_SIGNAL_PUBLISHER_REMOVED], 0, peer_id, reason);
}

void
_zero_sfu_subscriber_remove_all (ZeroSfuClient *self, const char *reason)
{
  while (self->order->len > 0)
    {
      ZeroSfuSubscriber *sub = self->order->pdata[self->order->len - 1];

      _zero_sfu_subscriber_remove (self, sub->feed, reason);
    }
}

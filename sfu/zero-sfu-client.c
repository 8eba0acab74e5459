/* zero-sfu-client.c: ZeroSfuClient's Janus session, publisher, reconnects and data relay.
 * Subscriptions: zero-sfu-subscriber.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sfu/zero-sfu-client-private.h"

#include <string.h>

#include "signaling/zero-message.h"
#include "signaling/zero-sfu-policy.h"

guint _zero_sfu_signals[ZERO_SFU_N_SIGNALS];

G_DEFINE_FINAL_TYPE (ZeroSfuClient, zero_sfu_client, G_TYPE_OBJECT)

static void connect_janus (ZeroSfuClient *self);
static void teardown (ZeroSfuClient *self, const char *reason, gboolean leave);

const char *
zero_sfu_client_state_to_string (ZeroSfuClientState state)
{
  switch (state)
    {
    case ZERO_SFU_CLIENT_STOPPED: return "stopped";
    case ZERO_SFU_CLIENT_CONNECTING: return "connecting";
    case ZERO_SFU_CLIENT_JOINED: return "joined";
    case ZERO_SFU_CLIENT_CONNECTED: return "connected";
    case ZERO_SFU_CLIENT_RECONNECTING: return "reconnecting";
    case ZERO_SFU_CLIENT_FAILED: return "failed";
    default: return "unknown";
    }
}

void
zero_sfu_forced_room (const char *session, guint64 *room, char **pin)
{
  g_return_if_fail (session != NULL);

  if (room)
    *room = zero_sfu_room_id (session, session);
  if (pin)
    *pin = zero_sfu_room_pin (session, session);
}

void
zero_sfu_client_options_init (ZeroSfuClientOptions *opts)
{
  g_return_if_fail (opts != NULL);

  memset (opts, 0, sizeof *opts);
  opts->publish = TRUE;
  zero_peer_options_init (&opts->peer);
  opts->keepalive_ms = 25000;
  opts->transaction_timeout_ms = 10000;
  opts->reconnect_min_ms = 250;
  opts->reconnect_max_ms = 10000;
}

static void
set_state (ZeroSfuClient *self, ZeroSfuClientState state)
{
  if (self->state == state)
    return;
  g_debug ("sfu %s: %s -> %s", self->display, zero_sfu_client_state_to_string (self->state),
           zero_sfu_client_state_to_string (state));
  self->state = state;
  g_signal_emit (self, _zero_sfu_signals[ZERO_SFU_SIGNAL_STATE_CHANGED], 0, (int) state);
}

static void
emit_message (ZeroSfuClient *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
emit_message (ZeroSfuClient *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_signal_emit (self, _zero_sfu_signals[ZERO_SFU_SIGNAL_MESSAGE], 0, text);
}

/* --- callback data ----------------------------------------------------------- */

ZeroSfuCallData *
_zero_sfu_call_data_new (ZeroSfuClient *self, ZeroSfuSubscriber *sub)
{
  ZeroSfuCallData *data = g_new0 (ZeroSfuCallData, 1);

  data->self = g_object_ref (self);
  data->epoch = self->epoch;
  if (sub)
    {
      data->serial = sub->serial;
      data->feed = sub->feed;
    }
  return data;
}

void
_zero_sfu_call_data_free (ZeroSfuCallData *data)
{
  g_object_unref (data->self);
  g_free (data);
}

gboolean
_zero_sfu_call_data_current (ZeroSfuCallData *data)
{
  ZeroSfuClient *self = data->self;

  return data->epoch == self->epoch && self->janus != NULL &&
         (self->state == ZERO_SFU_CLIENT_CONNECTING || self->state == ZERO_SFU_CLIENT_JOINED ||
          self->state == ZERO_SFU_CLIENT_CONNECTED);
}


/* --- playback (streaming threads) ------------------------------------------- */

GstPad *
_zero_sfu_playback_request (ZeroMediaKind kind, gpointer user_data)
{
  ZeroSfuClient *self = user_data;
  GstPad *pad;

  if (kind != ZERO_MEDIA_KIND_AUDIO)
    return NULL;
  g_mutex_lock (&self->playback_lock);
  pad = zero_media_source_request_playback_pad (self->media);
  g_mutex_unlock (&self->playback_lock);
  return pad;
}

void
_zero_sfu_playback_release (GstPad *pad, gpointer user_data)
{
  ZeroSfuClient *self = user_data;

  /* The peer keeps (and drops) its own reference. */
  g_mutex_lock (&self->playback_lock);
  zero_media_source_release_playback_pad (self->media, pad);
  g_mutex_unlock (&self->playback_lock);
}

/* --- reconnecting ------------------------------------------------------------ */

static guint
backoff_ms (ZeroSfuClient *self)
{
  guint64 cap = self->reconnect_min_ms;

  for (guint i = 0; i < self->attempt && cap < self->reconnect_max_ms; i++)
    cap *= 2;
  cap = MIN (cap, self->reconnect_max_ms);
  /* Full jitter: members cut off together do not all come back at once. */
  return (guint) g_random_int_range ((gint32) (cap / 2), (gint32) cap + 1);
}

static gboolean
on_reconnect (gpointer user_data)
{
  ZeroSfuClient *self = user_data;

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  if (self->state != ZERO_SFU_CLIENT_RECONNECTING)
    return G_SOURCE_REMOVE;
  self->n_reconnects++;
  connect_janus (self);
  return G_SOURCE_REMOVE;
}

/* Anything that ends this epoch: a final refusal FAILs, anything else reconnects. Takes
 * @error. */
void
_zero_sfu_client_lost (ZeroSfuClient *self, GError *error)
{
  GError *mapped = zero_sfu_error_from_janus (error);
  gboolean final = zero_sfu_error_is_final (error);
  guint delay;

  g_error_free (error);
  if (self->state == ZERO_SFU_CLIENT_STOPPED || self->state == ZERO_SFU_CLIENT_FAILED)
    {
      g_error_free (mapped);
      return;
    }
  g_clear_error (&self->error);
  self->error = mapped;

  g_object_ref (self);
  teardown (self, final ? "failed" : "reconnecting", FALSE);
  if (final)
    {
      g_message ("sfu %s: %s", self->display, self->error->message);
      emit_message (self, "The video server refused this call: %s", self->error->message);
      set_state (self, ZERO_SFU_CLIENT_FAILED);
      g_object_unref (self);
      return;
    }
  delay = backoff_ms (self);
  self->attempt++;
  g_message ("sfu %s: %s; reconnecting in %u ms", self->display, self->error->message, delay);
  if (self->attempt == 1)
    emit_message (self, "Lost the video server; reconnecting");
  set_state (self, ZERO_SFU_CLIENT_RECONNECTING);
  self->reconnect_source = g_timeout_source_new (delay);
  g_source_set_callback (self->reconnect_source, on_reconnect, self, NULL);
  g_source_attach (self->reconnect_source, self->context);
  g_object_unref (self);
}

/* --- publisher --------------------------------------------------------------- */

static void
on_publisher_send_pad_released (ZeroPeer *peer, int kind, GstPad *pad, ZeroSfuClient *self)
{
  if (g_ptr_array_remove (self->send_pads, pad))
    {
      zero_media_source_release_encoded_pad (self->media, pad);
      gst_object_unref (pad);
    }
}

static void
on_published (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  ZeroSfuClient *self = data->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) jsep = NULL;
  g_autoptr (JsonObject) reply = NULL;
  g_autoptr (JsonObject) answer = NULL;
  const char *type;

  reply = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source), result, &jsep, &error);
  if (!_zero_sfu_call_data_current (data) || self->publisher == NULL)
    return;
  if (reply == NULL)
    {
      _zero_sfu_client_lost (self, g_steal_pointer (&error));
      return;
    }
  type = jsep ? json_object_get_string_member_with_default (jsep, "type", NULL) : NULL;
  if (g_strcmp0 (type, "answer") != 0 || !json_object_has_member (jsep, "sdp"))
    {
      _zero_sfu_client_lost (self, g_error_new (ZERO_SFU_ERROR, ZERO_SFU_ERROR_PROTOCOL,
                                                "Janus answered our offer without an SDP "
                                                "answer"));
      return;
    }
  self->published = TRUE;
  answer = json_object_new ();
  json_object_set_string_member (answer, "type", "answer");
  json_object_set_string_member (answer, "sdp", json_object_get_string_member (jsep, "sdp"));
  if (!zero_peer_handle_signal (self->publisher, answer, &error))
    _zero_sfu_client_lost (self, g_error_new (ZERO_SFU_ERROR, ZERO_SFU_ERROR_NEGOTIATION,
                                              "Janus's answer was refused: %s",
                                              error->message));
}

static void
on_publisher_signal_out (ZeroPeer *peer, JsonObject *msg, ZeroSfuClient *self)
{
  const char *type = json_object_get_string_member_with_default (msg, "type", "");

  if (self->janus == NULL || self->pub_handle == 0)
    return;
  if (g_str_equal (type, "ice"))
    {
      JsonObject *cand = json_object_get_object_member (msg, "candidate");

      zero_janus_session_trickle (self->janus, self->pub_handle, cand);
    }
  else if (g_str_equal (type, "offer"))
    {
      g_autoptr (JsonObject) body = json_object_new ();
      g_autoptr (JsonObject) jsep = json_object_new ();

      /* The first offer publishes; later ones (ICE restarts) reconfigure. */
      json_object_set_string_member (body, "request", self->published ? "configure" : "publish");
      json_object_set_boolean_member (body, "audio", self->peer_opts.send_audio);
      json_object_set_boolean_member (body, "video", self->peer_opts.send_video);
      json_object_set_string_member (jsep, "type", "offer");
      json_object_set_string_member (jsep, "sdp", json_object_get_string_member (msg, "sdp"));
      zero_janus_session_message_async (self->janus, self->pub_handle, body, jsep,
                                        self->cancellable, on_published,
                                        _zero_sfu_call_data_new (self, NULL));
    }
  /* Janus answers: we never send answers or request-offer on the publisher. */
}

static gboolean
on_publisher_failed (gpointer user_data)
{
  ZeroSfuCallData *data = user_data;
  ZeroSfuClient *self = data->self;
  const GError *why;

  if (!_zero_sfu_call_data_current (data) || self->publisher == NULL)
    return G_SOURCE_REMOVE;
  why = zero_peer_get_error (self->publisher);
  _zero_sfu_client_lost (self, g_error_new (ZERO_SFU_ERROR, ZERO_SFU_ERROR_MEDIA,
                                            "our connection to the SFU failed: %s",
                                            why ? why->message : "unknown reason"));
  return G_SOURCE_REMOVE;
}

static void
on_publisher_state (ZeroPeer *peer, int state, ZeroSfuClient *self)
{
  if (peer != self->publisher)
    return;
  if (state == ZERO_PEER_STATE_CONNECTED)
    {
      self->attempt = 0;
      zero_media_source_request_keyframe (self->media, ZERO_MEDIA_KIND_VIDEO);
      if (self->state == ZERO_SFU_CLIENT_JOINED)
        set_state (self, ZERO_SFU_CLIENT_CONNECTED);
    }
  else if (state == ZERO_PEER_STATE_FAILED)
    {
      GSource *source = g_idle_source_new ();

      /* Not from inside the peer's own signal. */
      g_source_set_callback (source, on_publisher_failed, _zero_sfu_call_data_new (self, NULL),
                             (GDestroyNotify) _zero_sfu_call_data_free);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

static void
on_publisher_stats (ZeroPeer *peer, ZeroPeerStats *stats, ZeroSfuClient *self)
{
  g_signal_emit (self, _zero_sfu_signals[ZERO_SFU_SIGNAL_STATS], 0, NULL, stats);
}

static void
on_publisher_feedback (ZeroPeer *peer, double fraction_lost, double rtt_ms, double remb_kbps,
                       ZeroSfuClient *self)
{
  /* Janus relays subscribers' REMB/loss only as its own estimate of our link; that drives
   * the shared encoder, as the worst peer does in the mesh. */
  zero_media_source_report_feedback (self->media, "sfu", fraction_lost, rtt_ms, remb_kbps);
}

static void
attach_send_kind (ZeroSfuClient *self, ZeroMediaKind kind)
{
  g_autoptr (GError) error = NULL;
  GstPad *pad;

  if (!zero_media_source_has_kind (self->media, kind))
    return;
  pad = zero_media_source_request_encoded_pad (self->media, kind);
  if (pad == NULL)
    return;
  g_ptr_array_add (self->send_pads, pad);
  if (!zero_peer_add_send_stream (self->publisher, kind, pad, &error))
    {
      g_debug ("sfu: not publishing %s: %s", zero_media_kind_to_string (kind), error->message);
      g_ptr_array_remove (self->send_pads, pad);
      zero_media_source_release_encoded_pad (self->media, pad);
      gst_object_unref (pad);
    }
}

static void
start_publishing (ZeroSfuClient *self)
{
  g_autoptr (GError) error = NULL;
  ZeroPeerOptions opts = self->peer_opts;
  GstPipeline *pipeline = zero_media_source_get_pipeline (self->media);

  opts.no_data_channel = TRUE;
  opts.echo = FALSE;
  self->published = FALSE;
  self->publisher = zero_peer_new (GST_BIN (pipeline), "sfu-publisher", TRUE, &opts, &error);
  if (self->publisher == NULL)
    {
      _zero_sfu_client_lost (self, g_error_new (ZERO_SFU_ERROR, ZERO_SFU_ERROR_MEDIA,
                                                "cannot make the publisher connection: %s",
                                                error->message));
      return;
    }
  g_signal_connect (self->publisher, "signal-out", G_CALLBACK (on_publisher_signal_out), self);
  g_signal_connect (self->publisher, "state-changed", G_CALLBACK (on_publisher_state), self);
  g_signal_connect (self->publisher, "stats", G_CALLBACK (on_publisher_stats), self);
  g_signal_connect (self->publisher, "feedback", G_CALLBACK (on_publisher_feedback), self);
  g_signal_connect (self->publisher, "send-pad-released",
                    G_CALLBACK (on_publisher_send_pad_released), self);
  /* Exactly one audio and one video stream: the same encoded pads as the mesh. */
  if (self->peer_opts.send_audio)
    attach_send_kind (self, ZERO_MEDIA_KIND_AUDIO);
  if (self->peer_opts.send_video)
    attach_send_kind (self, ZERO_MEDIA_KIND_VIDEO);
  zero_peer_start (self->publisher);
}

/* --- the room (publisher handle) ---------------------------------------------- */

static gint64
member_id (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

static void
on_room_event (ZeroSfuClient *self, JsonObject *msg)
{
  JsonObject *plugindata = json_object_get_object_member (msg, "plugindata");
  JsonObject *data = plugindata && json_object_has_member (plugindata, "data")
                       ? json_object_get_object_member (plugindata, "data")
                       : NULL;
  const char *videoroom;
  gint64 feed;

  if (data == NULL)
    return;
  videoroom = json_object_get_string_member_with_default (data, "videoroom", "");
  if (g_str_equal (videoroom, "destroyed"))
    {
      _zero_sfu_client_lost (self, g_error_new (ZERO_JANUS_ERROR,
                                                ZERO_JANUS_CODE_VIDEOROOM_NO_SUCH_ROOM,
                                                "the SFU room was destroyed"));
      return;
    }
  if (!g_str_equal (videoroom, "event"))
    return;
  if (json_object_has_member (data, "publishers") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (data, "publishers")))
    _zero_sfu_subscribe_publishers (self, json_object_get_array_member (data, "publishers"));
  if ((feed = member_id (data, "unpublished")) > 0)
    _zero_sfu_subscriber_remove (self, (guint64) feed, "unpublished");
  if ((feed = member_id (data, "leaving")) > 0)
    _zero_sfu_subscriber_remove (self, (guint64) feed, "left");
  if ((feed = member_id (data, "kicked")) > 0)
    _zero_sfu_subscriber_remove (self, (guint64) feed, "left");
  if (json_object_has_member (data, "error_code"))
    g_message ("sfu %s: room event error %" G_GINT64_FORMAT ": %s", self->display,
               member_id (data, "error_code"),
               json_object_get_string_member_with_default (data, "error", "?"));
}

static void
on_handle_event (ZeroJanusSession *janus, guint64 handle, JsonObject *msg, ZeroSfuClient *self)
{
  const char *kind = json_object_get_string_member_with_default (msg, "janus", "");
  ZeroSfuSubscriber *sub;

  if (janus != self->janus)
    return;
  if (handle == self->pub_handle && handle != 0)
    {
      if (g_str_equal (kind, "event"))
        on_room_event (self, msg);
      else if (g_str_equal (kind, "hangup") && self->published)
        _zero_sfu_client_lost (self, g_error_new (ZERO_SFU_ERROR, ZERO_SFU_ERROR_MEDIA,
                                                  "Janus hung up our publisher connection (%s)",
                                                  json_object_get_string_member_with_default (
                                                    msg, "reason", "no reason given")));
      else if (g_str_equal (kind, "detached"))
        _zero_sfu_client_lost (self, g_error_new (ZERO_SFU_ERROR, ZERO_SFU_ERROR_SESSION_LOST,
                                                  "Janus detached our publisher handle"));
      else if (g_str_equal (kind, "trickle") && self->publisher)
        {
          JsonObject *cand = json_object_get_object_member (msg, "candidate");

          if (cand && json_object_has_member (cand, "candidate"))
            {
              g_autoptr (JsonObject) ice = json_object_new ();

              json_object_set_string_member (ice, "type", "ice");
              json_object_set_object_member (ice, "candidate", json_object_ref (cand));
              zero_peer_handle_signal (self->publisher, ice, NULL);
            }
        }
      return;
    }
  sub = _zero_sfu_subscriber_by_handle (self, handle);
  if (sub)
    _zero_sfu_subscriber_event (sub, msg);
}

static void
on_janus_closed (ZeroJanusSession *janus, GError *error, ZeroSfuClient *self)
{
  if (janus != self->janus)
    return;
  _zero_sfu_client_lost (self, g_error_copy (error));
}

static void
on_joined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  ZeroSfuClient *self = data->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = NULL;

  reply = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source), result, NULL, &error);
  if (!_zero_sfu_call_data_current (data))
    return;
  if (reply == NULL)
    {
      _zero_sfu_client_lost (self, g_steal_pointer (&error));
      return;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (reply, "videoroom", ""),
                 "joined") != 0 || member_id (reply, "id") <= 0)
    {
      _zero_sfu_client_lost (self, g_error_new (ZERO_SFU_ERROR, ZERO_SFU_ERROR_PROTOCOL,
                                                "Janus answered the join without a feed id"));
      return;
    }
  self->feed_id = (guint64) member_id (reply, "id");
  self->private_id = (guint64) member_id (reply, "private_id");
  g_debug ("sfu %s: joined room %" G_GUINT64_FORMAT " as feed %" G_GUINT64_FORMAT, self->display,
           self->room, self->feed_id);
  set_state (self, self->publish ? ZERO_SFU_CLIENT_JOINED : ZERO_SFU_CLIENT_CONNECTED);
  if (!self->publish)
    self->attempt = 0;
  if (json_object_has_member (reply, "publishers") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (reply, "publishers")))
    _zero_sfu_subscribe_publishers (self, json_object_get_array_member (reply, "publishers"));
  if (self->publish && _zero_sfu_call_data_current (data))
    start_publishing (self);
}

static void
send_join (ZeroSfuClient *self)
{
  g_autoptr (JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "request", "join");
  json_object_set_string_member (body, "ptype", "publisher");
  json_object_set_int_member (body, "room", (gint64) self->room);
  if (self->pin)
    json_object_set_string_member (body, "pin", self->pin);
  json_object_set_string_member (body, "display", self->display);
  zero_janus_session_message_async (self->janus, self->pub_handle, body, NULL, self->cancellable,
                                    on_joined, _zero_sfu_call_data_new (self, NULL));
}

static void
on_room_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = NULL;

  reply = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source), result, NULL, &error);
  if (!_zero_sfu_call_data_current (data))
    return;
  /* Another member made it first: fine, its pin is ours too. */
  if (reply == NULL &&
      !g_error_matches (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_ROOM_EXISTS))
    {
      _zero_sfu_client_lost (data->self, g_steal_pointer (&error));
      return;
    }
  send_join (data->self);
}

static void
on_attached (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  ZeroSfuClient *self = data->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = NULL;
  guint64 handle;

  handle = zero_janus_session_attach_finish (ZERO_JANUS_SESSION (source), result, &error);
  if (!_zero_sfu_call_data_current (data))
    return;
  if (handle == 0)
    {
      _zero_sfu_client_lost (self, g_steal_pointer (&error));
      return;
    }
  self->pub_handle = handle;
  if (!self->create_room)
    {
      send_join (self);
      return;
    }
  body = json_object_new ();
  json_object_set_string_member (body, "request", "create");
  json_object_set_int_member (body, "room", (gint64) self->room);
  if (self->pin)
    json_object_set_string_member (body, "pin", self->pin);
  if (self->admin_key)
    json_object_set_string_member (body, "admin_key", self->admin_key);
  json_object_set_boolean_member (body, "is_private", TRUE);
  json_object_set_boolean_member (body, "permanent", FALSE);
  json_object_set_int_member (body, "publishers", 64);
  json_object_set_string_member (body, "audiocodec", "opus");
  json_object_set_string_member (body, "videocodec", "vp8,h264");
  json_object_set_int_member (body, "fir_freq", 10);
  zero_janus_session_message_async (self->janus, handle, body, NULL, self->cancellable,
                                    on_room_created, _zero_sfu_call_data_new (self, NULL));
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ZeroSfuCallData) data = user_data;
  ZeroSfuClient *self = data->self;
  g_autoptr (GError) error = NULL;

  if (!zero_janus_session_connect_finish (ZERO_JANUS_SESSION (source), result, &error))
    {
      if (_zero_sfu_call_data_current (data))
        _zero_sfu_client_lost (self, g_steal_pointer (&error));
      return;
    }
  if (!_zero_sfu_call_data_current (data))
    return;
  zero_janus_session_attach_async (self->janus, ZERO_VIDEOROOM_PLUGIN, self->cancellable,
                                   on_attached, _zero_sfu_call_data_new (self, NULL));
}

static void
connect_janus (ZeroSfuClient *self)
{
  g_autoptr (GError) error = NULL;

  self->epoch++;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->janus = zero_janus_session_new (self->url, &error);
  if (self->janus == NULL)
    {
      g_clear_error (&self->error);
      self->error = zero_sfu_error_from_janus (error);
      set_state (self, ZERO_SFU_CLIENT_FAILED);
      return;
    }
  g_object_set (self->janus, "api-secret", self->api_secret, "keepalive-interval",
                self->keepalive_ms, "transaction-timeout", self->transaction_timeout_ms, NULL);
  g_signal_connect (self->janus, "handle-event", G_CALLBACK (on_handle_event), self);
  g_signal_connect (self->janus, "closed", G_CALLBACK (on_janus_closed), self);
  set_state (self, ZERO_SFU_CLIENT_CONNECTING);
  zero_janus_session_connect_async (self->janus, self->cancellable, on_connected,
                                    _zero_sfu_call_data_new (self, NULL));
}

/* Ends the epoch: every connection closed, handles detached (with `leave` first when
 * @leave), the Janus session destroyed. */
static void
teardown (ZeroSfuClient *self, const char *reason, gboolean leave)
{
  g_autoptr (ZeroJanusSession) janus = g_steal_pointer (&self->janus);

  self->epoch++;
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->reconnect_source)
    {
      g_source_destroy (self->reconnect_source);
      g_clear_pointer (&self->reconnect_source, g_source_unref);
    }
  _zero_sfu_subscriber_remove_all (self, reason);
  if (self->publisher)
    {
      g_autoptr (ZeroPeer) publisher = g_steal_pointer (&self->publisher);

      g_signal_handlers_disconnect_by_func (publisher, on_publisher_signal_out, self);
      g_signal_handlers_disconnect_by_func (publisher, on_publisher_state, self);
      g_signal_handlers_disconnect_by_func (publisher, on_publisher_stats, self);
      g_signal_handlers_disconnect_by_func (publisher, on_publisher_feedback, self);
      /* send-pad-released stays connected: closing hands the pads back. */
      zero_peer_close (publisher);
      g_signal_handlers_disconnect_by_func (publisher, on_publisher_send_pad_released, self);
      zero_media_source_forget_peer (self->media, "sfu");
    }
  /* Pads the publisher never took (it failed early). */
  while (self->send_pads->len > 0)
    {
      GstPad *pad = g_ptr_array_steal_index (self->send_pads, self->send_pads->len - 1);

      zero_media_source_release_encoded_pad (self->media, pad);
      gst_object_unref (pad);
    }
  if (janus)
    {
      g_signal_handlers_disconnect_by_data (janus, self);
      if (leave && self->pub_handle && zero_janus_session_is_connected (janus))
        {
          g_autoptr (JsonObject) body = json_object_new ();

          /* Not awaited: `destroy` follows, and Janus processes requests in order. */
          json_object_set_string_member (body, "request", "leave");
          zero_janus_session_message_async (janus, self->pub_handle, body, NULL, NULL, NULL,
                                            NULL);
          zero_janus_session_detach (janus, self->pub_handle);
        }
      zero_janus_session_close (janus);
    }
  self->pub_handle = 0;
  self->feed_id = 0;
  self->private_id = 0;
  self->published = FALSE;
}

/* --- data relay (PROTOCOL.md section 9) --------------------------------------- */

static void
on_signaling_data (ZeroSignalingClient *signaling, JsonObject *msg, ZeroSfuClient *self)
{
  const char *from = json_object_get_string_member_with_default (msg, "from", NULL);
  JsonNode *data = json_object_get_member (msg, "data");
  g_autoptr (JsonGenerator) gen = NULL;
  g_autofree char *text = NULL;

  if (from == NULL || data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    return;
  gen = json_generator_new ();
  json_generator_set_root (gen, data);
  text = json_generator_to_data (gen, NULL);
  g_signal_emit (self, _zero_sfu_signals[ZERO_SFU_SIGNAL_DATA_MESSAGE], 0, from, text);
}

/* --- GObject ------------------------------------------------------------------ */

static void
zero_sfu_client_dispose (GObject *object)
{
  ZeroSfuClient *self = ZERO_SFU_CLIENT (object);

  if (self->state != ZERO_SFU_CLIENT_STOPPED)
    zero_sfu_client_stop (self);
  zero_sfu_client_set_signaling (self, NULL);
  g_clear_object (&self->media);

  G_OBJECT_CLASS (zero_sfu_client_parent_class)->dispose (object);
}

static void
zero_sfu_client_finalize (GObject *object)
{
  ZeroSfuClient *self = ZERO_SFU_CLIENT (object);

  g_hash_table_unref (self->subscribers);
  g_ptr_array_unref (self->order);
  g_ptr_array_unref (self->send_pads);
  g_clear_error (&self->error);
  g_clear_pointer (&self->peer_opts.ice_servers, g_ptr_array_unref);
  g_free ((char *) self->peer_opts.video_caps);
  g_free (self->url);
  g_free (self->pin);
  g_free (self->display);
  g_free (self->api_secret);
  g_free (self->admin_key);
  g_mutex_clear (&self->playback_lock);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (zero_sfu_client_parent_class)->finalize (object);
}

static void
zero_sfu_client_class_init (ZeroSfuClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = zero_sfu_client_dispose;
  object_class->finalize = zero_sfu_client_finalize;

  _zero_sfu_signals[ZERO_SFU_SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                  1, G_TYPE_INT);
  _zero_sfu_signals[ZERO_SFU_SIGNAL_PUBLISHER_ADDED] =
    g_signal_new ("publisher-added", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  _zero_sfu_signals[ZERO_SFU_SIGNAL_PUBLISHER_REMOVED] =
    g_signal_new ("publisher-removed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  _zero_sfu_signals[ZERO_SFU_SIGNAL_PEER_STATE] =
    g_signal_new ("peer-state", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_INT);
  _zero_sfu_signals[ZERO_SFU_SIGNAL_VIDEO_SAMPLE] =
    g_signal_new ("video-sample", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                  3, G_TYPE_STRING, G_TYPE_INT, GST_TYPE_SAMPLE);
  _zero_sfu_signals[ZERO_SFU_SIGNAL_FIRST_FRAME] =
    g_signal_new ("first-frame", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT64);
  _zero_sfu_signals[ZERO_SFU_SIGNAL_STATS] =
    g_signal_new ("stats", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, ZERO_TYPE_PEER_STATS);
  _zero_sfu_signals[ZERO_SFU_SIGNAL_MESSAGE] =
    g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
  _zero_sfu_signals[ZERO_SFU_SIGNAL_DATA_MESSAGE] =
    g_signal_new ("data-message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                  2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
zero_sfu_client_init (ZeroSfuClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->subscribers = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->order = g_ptr_array_new ();
  self->send_pads = g_ptr_array_new ();
  g_mutex_init (&self->playback_lock);
}

/* --- public API ---------------------------------------------------------------- */

ZeroSfuClient *
zero_sfu_client_new (ZeroMediaSource *media, const ZeroSfuClientOptions *opts, GError **error)
{
  g_autoptr (ZeroJanusSession) probe = NULL;
  g_autoptr (GError) local = NULL;
  ZeroSfuClient *self;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (media), NULL);
  g_return_val_if_fail (opts != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (opts->url == NULL || (probe = zero_janus_session_new (opts->url, &local)) == NULL)
    {
      g_set_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_INVALID_ARGUMENT,
                   "\"%s\" is not a Janus WebSocket URL (ws:// or wss://)",
                   opts->url ? opts->url : "(none)");
      return NULL;
    }
  if (opts->room == 0 || opts->room > (guint64) ZERO_MESSAGE_MAX_ROOM)
    {
      g_set_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_INVALID_ARGUMENT,
                   "room %" G_GUINT64_FORMAT " is not a room id (1 to 2^53-1)", opts->room);
      return NULL;
    }
  if (opts->display == NULL || *opts->display == '\0' ||
      strlen (opts->display) > ZERO_MESSAGE_MAX_PEER_ID ||
      !g_utf8_validate (opts->display, -1, NULL))
    {
      g_set_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_INVALID_ARGUMENT,
                   "the display (our peer id) must be 1 to %d bytes of UTF-8",
                   ZERO_MESSAGE_MAX_PEER_ID);
      return NULL;
    }

  self = g_object_new (ZERO_TYPE_SFU_CLIENT, NULL);
  self->media = g_object_ref (media);
  self->url = g_strdup (opts->url);
  self->room = opts->room;
  self->pin = opts->pin && *opts->pin ? g_strdup (opts->pin) : NULL;
  self->display = g_strdup (opts->display);
  self->publish = opts->publish && (opts->peer.send_audio || opts->peer.send_video);
  self->peer_opts = opts->peer;
  self->peer_opts.ice_servers = opts->peer.ice_servers ? g_ptr_array_ref (opts->peer.ice_servers)
                                                       : NULL;
  self->peer_opts.video_caps = g_strdup (opts->peer.video_caps);
  self->api_secret = g_strdup (opts->api_secret);
  self->create_room = opts->create_room;
  self->admin_key = g_strdup (opts->admin_key);
  self->keepalive_ms = opts->keepalive_ms;
  self->transaction_timeout_ms = opts->transaction_timeout_ms ? opts->transaction_timeout_ms
                                                              : 10000;
  self->reconnect_min_ms = MAX (opts->reconnect_min_ms, 10);
  self->reconnect_max_ms = MAX (opts->reconnect_max_ms, self->reconnect_min_ms);
  return self;
}

void
zero_sfu_client_set_signaling (ZeroSfuClient *self, ZeroSignalingClient *signaling)
{
  g_return_if_fail (ZERO_IS_SFU_CLIENT (self));
  g_return_if_fail (signaling == NULL || ZERO_IS_SIGNALING_CLIENT (signaling));

  if (self->signaling == signaling)
    return;
  if (self->signaling)
    {
      g_clear_signal_handler (&self->data_handler, self->signaling);
      g_clear_object (&self->signaling);
    }
  if (signaling)
    {
      self->signaling = g_object_ref (signaling);
      self->data_handler = g_signal_connect (signaling, "data", G_CALLBACK (on_signaling_data),
                                             self);
    }
}

void
zero_sfu_client_start (ZeroSfuClient *self)
{
  g_return_if_fail (ZERO_IS_SFU_CLIENT (self));

  if (self->state != ZERO_SFU_CLIENT_STOPPED && self->state != ZERO_SFU_CLIENT_FAILED)
    return;
  g_clear_error (&self->error);
  self->attempt = 0;
  connect_janus (self);
}

void
zero_sfu_client_stop (ZeroSfuClient *self)
{
  g_return_if_fail (ZERO_IS_SFU_CLIENT (self));

  if (self->state == ZERO_SFU_CLIENT_STOPPED)
    return;
  g_object_ref (self);
  teardown (self, "stopped", TRUE);
  set_state (self, ZERO_SFU_CLIENT_STOPPED);
  g_object_unref (self);
}

ZeroSfuClientState
zero_sfu_client_get_state (ZeroSfuClient *self)
{
  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), ZERO_SFU_CLIENT_STOPPED);
  return self->state;
}

const GError *
zero_sfu_client_get_error (ZeroSfuClient *self)
{
  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), NULL);
  return self->error;
}

guint64
zero_sfu_client_get_room (ZeroSfuClient *self)
{
  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), 0);
  return self->room;
}

guint64
zero_sfu_client_get_feed_id (ZeroSfuClient *self)
{
  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), 0);
  return self->feed_id;
}

guint
zero_sfu_client_get_n_reconnects (ZeroSfuClient *self)
{
  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), 0);
  return self->n_reconnects;
}

GPtrArray *
zero_sfu_client_list_publishers (ZeroSfuClient *self)
{
  GPtrArray *ids;

  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), NULL);

  ids = g_ptr_array_new ();
  for (guint i = 0; i < self->order->len; i++)
    g_ptr_array_add (ids, ((ZeroSfuSubscriber *) self->order->pdata[i])->peer_id);
  return ids;
}

gboolean
zero_sfu_client_has_publisher (ZeroSfuClient *self, const char *peer_id)
{
  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), FALSE);
  return peer_id && _zero_sfu_subscriber_by_peer (self, peer_id) != NULL;
}

ZeroPeer *
zero_sfu_client_get_publisher_peer (ZeroSfuClient *self)
{
  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), NULL);
  return self->publisher;
}

ZeroPeer *
zero_sfu_client_get_subscriber_peer (ZeroSfuClient *self, const char *peer_id)
{
  ZeroSfuSubscriber *sub;

  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), NULL);
  sub = peer_id ? _zero_sfu_subscriber_by_peer (self, peer_id) : NULL;
  return sub ? sub->peer : NULL;
}

ZeroPeerStats *
zero_sfu_client_get_publisher_stats (ZeroSfuClient *self)
{
  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), NULL);
  return self->publisher ? zero_peer_get_stats (self->publisher) : zero_peer_stats_new ();
}

gboolean
zero_sfu_client_send_data (ZeroSfuClient *self, const char *to, const char *text, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local = NULL;
  JsonNode *root;

  g_return_val_if_fail (ZERO_IS_SFU_CLIENT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->signaling == NULL ||
      zero_signaling_client_get_state (self->signaling) != ZERO_SIGNALING_CLIENT_JOINED)
    {
      g_set_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_NOT_CONNECTED,
                   "data needs a signaling connection that has joined the session");
      return FALSE;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, -1, &local) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_INVALID_ARGUMENT,
                   "a data-channel message must be a JSON object%s%s", local ? ": " : "",
                   local ? local->message : "");
      return FALSE;
    }
  if (!zero_signaling_client_send_data (self->signaling, to, json_node_get_object (root),
                                        &local))
    {
      g_set_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_NOT_CONNECTED, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

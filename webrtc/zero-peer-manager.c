/* zero-peer-manager.c: the mesh (one ZeroPeer per remote peer) and its data channels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-peer-manager.h"

#include <math.h>
#include <string.h>

#include "webrtc/zero-dc-requests.h"
#include "webrtc/zero-member-events.h"

enum {
  SIGNAL_SIGNAL_OUT,
  SIGNAL_PEER_ADDED,
  SIGNAL_PEER_REMOVED,
  SIGNAL_STATS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One remote peer. */
typedef struct {
  ZeroPeerManager *manager; /* not a reference: a Remote never outlives its manager */
  char *id;
  ZeroPeer *peer;
  ZeroDataChannel *channel;
  GPtrArray *send_pads; /* GstPad *: branches of the shared encoders we gave the peer */
  GCancellable *cancellable;
  gboolean removing;
} Remote;

/* A playback input made for a peer: level -> the media source's playback pad. */
typedef struct {
  GstElement *level;
  GstPad *media_pad;
} PlaybackInput;

struct _ZeroPeerManager {
  GObject parent_instance;

  ZeroMediaSource *media;
  GMainContext *context;
  ZeroPeerOptions opts;
  char *video_caps;
  char *local_name;
  ZeroDataState local_state;
  gulong pipeline_message_id;

  GHashTable *remotes;  /* id -> Remote * */
  GPtrArray *order;     /* ids (owned by the Remotes) in the order they came */

  /* Streaming threads ask for playback pads: this lock guards the media source's playback
   * table (only we use it) and our own. */
  GMutex playback_lock;
  GHashTable *playback_inputs; /* level sink pad -> PlaybackInput * */
};

G_DEFINE_FINAL_TYPE_WITH_CODE (ZeroPeerManager, zero_peer_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (ZERO_TYPE_MEMBER_EVENTS, NULL))

static void remove_remote (ZeroPeerManager *self,
                           const char      *peer_id,
                           const char      *reason);

/* --- playback ------------------------------------------------------------ */

typedef struct {
  ZeroPeerManager *manager; /* a weak pointer: see manager_ref_for_playback */
  char *peer_id;
} PlaybackData;

static void
playback_data_free (gpointer data)
{
  PlaybackData *d = data;

  g_free (d->peer_id);
  g_free (d);
}

/* Streaming thread: a level element (so that we know how loud each peer is) in front of a
 * fresh input of the media source's playback mixer. */
static GstPad *
on_playback_request (ZeroMediaKind kind,
                     gpointer      user_data)
{
  PlaybackData *d = user_data;
  ZeroPeerManager *self = d->manager;
  GstPipeline *pipeline = zero_media_source_get_pipeline (self->media);
  PlaybackInput *input;
  GstElement *level;
  g_autoptr (GstPad) level_src = NULL;
  GstPad *level_sink;
  GstPad *media_pad;

  if (kind != ZERO_MEDIA_KIND_AUDIO)
    return NULL;
  level = gst_element_factory_make ("level", NULL);
  if (level == NULL)
    {
      g_warning ("the GStreamer element 'level' is missing (gstreamer1.0-plugins-good)");
      return NULL;
    }
  g_object_set (level, "interval", (guint64) 100 * GST_MSECOND, "post-messages", TRUE, NULL);
  g_object_set_data_full (G_OBJECT (level), "zero-peer-id", g_strdup (d->peer_id), g_free);

  g_mutex_lock (&self->playback_lock);
  media_pad = zero_media_source_request_playback_pad (self->media);
  if (media_pad == NULL)
    {
      g_mutex_unlock (&self->playback_lock);
      gst_object_unref (gst_object_ref_sink (level));
      return NULL;
    }
  gst_bin_add (GST_BIN (pipeline), level);
  level_src = gst_element_get_static_pad (level, "src");
  if (gst_pad_link (level_src, media_pad) != GST_PAD_LINK_OK)
    {
      g_warning ("cannot link the playback level of %s", d->peer_id);
      zero_media_source_release_playback_pad (self->media, media_pad);
      gst_object_unref (media_pad);
      gst_bin_remove (GST_BIN (pipeline), level);
      g_mutex_unlock (&self->playback_lock);
      return NULL;
    }
  gst_element_sync_state_with_parent (level);
  level_sink = gst_element_get_static_pad (level, "sink");
  input = g_new0 (PlaybackInput, 1);
  input->level = gst_object_ref (level);
  input->media_pad = media_pad;
  g_hash_table_insert (self->playback_inputs, gst_object_ref (level_sink), input);
  g_mutex_unlock (&self->playback_lock);
  return level_sink;
}

static void
playback_input_free (gpointer data)
{
  PlaybackInput *input = data;

  gst_object_unref (input->level);
  gst_object_unref (input->media_pad);
  g_free (input);
}

/* Any thread: the peer unlinked @pad (the level's sink pad). */
static void
on_playback_release (GstPad  *pad,
                     gpointer user_data)
{
  PlaybackData *d = user_data;
  ZeroPeerManager *self = d->manager;
  GstPipeline *pipeline = zero_media_source_get_pipeline (self->media);
  PlaybackInput *input;
  g_autoptr (GstPad) level_src = NULL;

  g_mutex_lock (&self->playback_lock);
  input = g_hash_table_lookup (self->playback_inputs, pad);
  if (input == NULL)
    {
      g_mutex_unlock (&self->playback_lock);
      g_critical ("%s: %s:%s is not a playback input", G_STRFUNC, GST_DEBUG_PAD_NAME (pad));
      return;
    }
  level_src = gst_element_get_static_pad (input->level, "src");
  gst_pad_unlink (level_src, input->media_pad);
  gst_element_set_locked_state (input->level, TRUE);
  gst_element_set_state (input->level, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pipeline), input->level);
  zero_media_source_release_playback_pad (self->media, input->media_pad);
  g_hash_table_remove (self->playback_inputs, pad);
  g_mutex_unlock (&self->playback_lock);
}

static void
on_pipeline_message (ZeroMediaSource *media,
                     GstMessage      *message,
                     ZeroPeerManager *self)
{
  const GstStructure *s;
  const char *peer_id;
  const GValue *rms;
  double sum = 0;
  guint n;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT)
    return;
  s = gst_message_get_structure (message);
  if (s == NULL || !gst_structure_has_name (s, "level") || GST_MESSAGE_SRC (message) == NULL)
    return;
  peer_id = g_object_get_data (G_OBJECT (GST_MESSAGE_SRC (message)), "zero-peer-id");
  if (peer_id == NULL || !g_hash_table_contains (self->remotes, peer_id))
    return;
  /* GStreamer 1.22's level posts the per-channel values as a GValueArray. */
  rms = gst_structure_get_value (s, "rms");
  if (rms == NULL || !G_VALUE_HOLDS_BOXED (rms) ||
      g_strcmp0 (G_VALUE_TYPE_NAME (rms), "GValueArray") != 0)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    GValueArray *array = g_value_get_boxed (rms);

    n = array ? array->n_values : 0;
    for (guint i = 0; i < n; i++)
      sum += pow (10, g_value_get_double (g_value_array_get_nth (array, i)) / 20);
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (n == 0)
    return;
  g_signal_emit (self, ZERO_MEMBER_SIGNAL (AUDIO_LEVEL), 0, peer_id,
                 sum > 0 ? 20 * log10 (sum / n) : -INFINITY);
}

/* --- requests to us ------------------------------------------------------ */

static ZeroPeerStats *
get_remote_stats (gpointer user_data)
{
  Remote *r = user_data;

  return zero_peer_get_stats (r->peer);
}

static JsonNode *
on_request (ZeroDataChannel *channel,
            const char      *method,
            const char      *path,
            JsonNode        *body,
            int             *status,
            gpointer         user_data)
{
  Remote *r = user_data;
  ZeroPeerManager *self = r->manager;
  const char *capabilities[4] = { NULL };
  guint n = 0;
  ZeroDcResponder responder = { self->local_name, capabilities, get_remote_stats, r };

  if (self->opts.echo)
    capabilities[n++] = "echo";
  else
    {
      if (self->opts.send_audio && zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_AUDIO))
        capabilities[n++] = "audio";
      if (self->opts.send_video && zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_VIDEO))
        capabilities[n++] = "video";
      if (self->opts.send_video)
        capabilities[n++] = "screen";
    }
  return zero_dc_respond (&responder, method, path, status);
}

/* --- per-peer events ----------------------------------------------------- */

static void
on_signal_out (ZeroPeer   *peer,
               JsonObject *msg,
               Remote     *r)
{
  g_autoptr (JsonObject) copy = json_object_new ();
  GList *members = json_object_get_members (msg);

  /* The peer's object is its own; the relayed one gets `to`. */
  for (GList *l = members; l; l = l->next)
    json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (msg, l->data)));
  g_list_free (members);
  json_object_set_string_member (copy, "to", r->id);
  g_signal_emit (r->manager, signals[SIGNAL_SIGNAL_OUT], 0, r->id, copy);
}

typedef struct {
  GWeakRef manager;
  char *peer_id;
  ZeroPeer *peer;
  char *reason;
} Deferred;

static void
deferred_free (gpointer data)
{
  Deferred *d = data;

  g_weak_ref_clear (&d->manager);
  g_free (d->peer_id);
  g_object_unref (d->peer);
  g_free (d->reason);
  g_free (d);
}

static gboolean
on_deferred_remove (gpointer data)
{
  Deferred *d = data;
  g_autoptr (ZeroPeerManager) self = g_weak_ref_get (&d->manager);
  Remote *r;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  r = g_hash_table_lookup (self->remotes, d->peer_id);
  /* Only the very connection that ended: a new one may have the same id. */
  if (r != NULL && r->peer == d->peer)
    remove_remote (self, d->peer_id, d->reason);
  return G_SOURCE_REMOVE;
}

static void
on_peer_state (ZeroPeer *peer,
               int       state,
               Remote   *r)
{
  ZeroPeerManager *self = r->manager;

  if (state == ZERO_PEER_STATE_CONNECTED)
    {
      /* The new receiver needs a keyframe to start decoding. */
      zero_media_source_request_keyframe (self->media, ZERO_MEDIA_KIND_VIDEO);
      if (zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_SCREEN))
        zero_media_source_request_keyframe (self->media, ZERO_MEDIA_KIND_SCREEN);
    }
  g_signal_emit (self, ZERO_MEMBER_SIGNAL (PEER_STATE), 0, r->id, state);

  /* A connection that gave up (or closed by itself) goes; not from inside its own signal. */
  if ((state == ZERO_PEER_STATE_CLOSED || state == ZERO_PEER_STATE_FAILED) && !r->removing)
    {
      Deferred *d = g_new0 (Deferred, 1);
      GSource *source = g_idle_source_new ();

      g_weak_ref_init (&d->manager, self);
      d->peer_id = g_strdup (r->id);
      d->peer = g_object_ref (peer);
      d->reason = g_strdup (state == ZERO_PEER_STATE_FAILED ? "failed" : "closed");
      g_source_set_callback (source, on_deferred_remove, d, deferred_free);
      g_source_set_static_name (source, "zero-peer-manager-remove");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

static void
on_info_answered (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autofree char *peer_id = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  ZeroDataChannel *channel = ZERO_DATA_CHANNEL (source);
  ZeroPeerManager *self;
  int status = 0;

  body = zero_data_channel_request_finish (channel, result, &status, &error);
  if (body == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("GET /info to %s: %s", peer_id, error->message);
      return;
    }
  self = g_object_get_data (G_OBJECT (channel), "zero-peer-manager");
  if (self == NULL)
    return;
  if (status != 200 || !JSON_NODE_HOLDS_OBJECT (body))
    {
      g_debug ("GET /info to %s answered %d", peer_id, status);
      return;
    }
  g_signal_emit (self, ZERO_MEMBER_SIGNAL (INFO), 0, peer_id, body);
}

static void
on_channel_open (ZeroDataChannel *channel,
                 Remote          *r)
{
  g_signal_emit (r->manager, ZERO_MEMBER_SIGNAL (DATA_OPEN), 0, r->id);
  if (!zero_data_channel_is_open (channel))
    return; /* a handler closed it */
  zero_data_channel_request_async (channel, "GET", "/info", NULL, 0, r->cancellable,
                                   on_info_answered, g_strdup (r->id));
}

static void
on_channel_chat (ZeroDataChannel *channel,
                 const char      *id,
                 const char      *text,
                 gint64           ts,
                 Remote          *r)
{
  g_signal_emit (r->manager, ZERO_MEMBER_SIGNAL (CHAT), 0, r->id, id, text, ts);
}

static void
on_channel_remote_state (ZeroDataChannel *channel,
                         gpointer         state,
                         Remote          *r)
{
  g_signal_emit (r->manager, ZERO_MEMBER_SIGNAL (REMOTE_STATE), 0, r->id, state);
}

static void
on_video_sample (ZeroPeer  *peer,
                 GstSample *sample,
                 Remote    *r)
{
  const GstStructure *info = gst_sample_get_info (sample);
  int kind = ZERO_MEDIA_KIND_VIDEO;

  if (info)
    gst_structure_get_int (info, "kind", &kind);
  g_signal_emit (r->manager, ZERO_MEMBER_SIGNAL (VIDEO_SAMPLE), 0, r->id, kind, sample);
}

static void
on_first_frame (ZeroPeer *peer,
                int       kind,
                gint64    us,
                Remote   *r)
{
  g_signal_emit (r->manager, ZERO_MEMBER_SIGNAL (FIRST_FRAME), 0, r->id, kind, us);
}

static void
on_stats (ZeroPeer      *peer,
          ZeroPeerStats *stats,
          Remote        *r)
{
  g_signal_emit (r->manager, signals[SIGNAL_STATS], 0, r->id, stats);
}

static void
on_feedback (ZeroPeer *peer,
             double    fraction_lost,
             double    rtt_ms,
             double    remb_kbps,
             Remote   *r)
{
  zero_media_source_report_feedback (r->manager->media, r->id, fraction_lost, rtt_ms, remb_kbps);
}

static void
on_send_pad_released (ZeroPeer *peer,
                      int       kind,
                      GstPad   *pad,
                      Remote   *r)
{
  /* Screen branches the media source already freed are no longer in the list. */
  if (g_ptr_array_remove (r->send_pads, pad))
    {
      zero_media_source_release_encoded_pad (r->manager->media, pad);
      gst_object_unref (pad);
    }
}

static void
attach_kind (ZeroPeerManager *self,
             Remote          *r,
             ZeroMediaKind    kind)
{
  g_autoptr (GError) error = NULL;
  GstPad *pad;

  if (!zero_media_source_has_kind (self->media, kind))
    return;
  pad = zero_media_source_request_encoded_pad (self->media, kind);
  if (pad == NULL)
    return;
  g_object_set_data (G_OBJECT (pad), "zero-kind", GINT_TO_POINTER (kind + 1));
  g_ptr_array_add (r->send_pads, pad);
  if (!zero_peer_add_send_stream (r->peer, kind, pad, &error))
    {
      g_debug ("not sending %s to %s: %s", zero_media_kind_to_string (kind), r->id,
               error->message);
      g_ptr_array_remove (r->send_pads, pad);
      zero_media_source_release_encoded_pad (self->media, pad);
      gst_object_unref (pad);
    }
}

static void
remote_free (gpointer data)
{
  Remote *r = data;

  g_cancellable_cancel (r->cancellable);
  g_clear_object (&r->cancellable);
  if (r->channel)
    {
      zero_data_channel_close (r->channel);
      g_object_set_data (G_OBJECT (r->channel), "zero-peer-manager", NULL);
      g_signal_handlers_disconnect_by_data (r->channel, r);
      g_clear_object (&r->channel);
    }
  if (r->peer)
    {
      /* Close first: it hands the send pads back through send-pad-released. */
      r->removing = TRUE;
      zero_peer_close (r->peer);
      g_signal_handlers_disconnect_by_data (r->peer, r);
      g_clear_object (&r->peer);
    }
  /* Whatever the peer did not hand back (it never linked it). */
  for (guint i = 0; i < r->send_pads->len; i++)
    {
      GstPad *pad = g_ptr_array_index (r->send_pads, i);

      zero_media_source_release_encoded_pad (r->manager->media, pad);
      gst_object_unref (pad);
    }
  g_ptr_array_unref (r->send_pads);
  zero_media_source_forget_peer (r->manager->media, r->id);
  g_free (r->id);
  g_free (r);
}

static void
remove_remote (ZeroPeerManager *self,
               const char      *peer_id,
               const char      *reason)
{
  Remote *r = g_hash_table_lookup (self->remotes, peer_id);
  g_autofree char *id = NULL;

  if (r == NULL)
    return;
  id = g_strdup (peer_id);
  g_ptr_array_remove (self->order, r->id);
  g_hash_table_steal (self->remotes, id);
  remote_free (r);
  g_signal_emit (self, signals[SIGNAL_PEER_REMOVED], 0, id, reason);
}

/* --- GObject ------------------------------------------------------------- */

static void
zero_peer_manager_dispose (GObject *object)
{
  ZeroPeerManager *self = ZERO_PEER_MANAGER (object);

  if (self->remotes)
    {
      /* No signals from a manager going away. */
      g_ptr_array_set_size (self->order, 0);
      g_hash_table_remove_all (self->remotes);
    }
  if (self->media)
    g_clear_signal_handler (&self->pipeline_message_id, self->media);
  g_clear_object (&self->media);

  G_OBJECT_CLASS (zero_peer_manager_parent_class)->dispose (object);
}

static void
zero_peer_manager_finalize (GObject *object)
{
  ZeroPeerManager *self = ZERO_PEER_MANAGER (object);

  g_clear_pointer (&self->remotes, g_hash_table_unref);
  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_clear_pointer (&self->playback_inputs, g_hash_table_unref);
  g_mutex_clear (&self->playback_lock);
  g_clear_pointer (&self->opts.ice_servers, g_ptr_array_unref);
  g_free (self->video_caps);
  g_free (self->local_name);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (zero_peer_manager_parent_class)->finalize (object);
}

static void
zero_peer_manager_class_init (ZeroPeerManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = zero_peer_manager_dispose;
  object_class->finalize = zero_peer_manager_finalize;

  signals[SIGNAL_SIGNAL_OUT] =
    g_signal_new ("signal-out", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, JSON_TYPE_OBJECT);
  signals[SIGNAL_PEER_ADDED] =
    g_signal_new ("peer-added", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
  signals[SIGNAL_PEER_REMOVED] =
    g_signal_new ("peer-removed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_STATS] =
    g_signal_new ("stats", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, ZERO_TYPE_PEER_STATS | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
zero_peer_manager_init (ZeroPeerManager *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->remotes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, remote_free);
  self->order = g_ptr_array_new ();
  g_mutex_init (&self->playback_lock);
  self->playback_inputs = g_hash_table_new_full (NULL, NULL, gst_object_unref,
                                                 playback_input_free);
  self->local_state.audio = TRUE;
  self->local_state.video = TRUE;
  self->local_state.has_hand = TRUE;
}

/* --- public API ---------------------------------------------------------- */

ZeroPeerManager *
zero_peer_manager_new (ZeroMediaSource       *media,
                       const ZeroPeerOptions *peer_opts)
{
  ZeroPeerManager *self;

  g_return_val_if_fail (ZERO_IS_MEDIA_SOURCE (media), NULL);

  self = g_object_new (ZERO_TYPE_PEER_MANAGER, NULL);
  self->media = g_object_ref (media);
  if (peer_opts)
    self->opts = *peer_opts;
  else
    zero_peer_options_init (&self->opts);
  if (self->opts.ice_servers)
    g_ptr_array_ref (self->opts.ice_servers);
  self->video_caps = g_strdup (self->opts.video_caps ? self->opts.video_caps : "video/x-raw");
  self->opts.video_caps = self->video_caps;
  self->local_state.audio = self->opts.send_audio && !self->opts.echo &&
                            zero_media_source_has_kind (media, ZERO_MEDIA_KIND_AUDIO);
  self->local_state.video = self->opts.send_video && !self->opts.echo &&
                            zero_media_source_has_kind (media, ZERO_MEDIA_KIND_VIDEO);
  self->pipeline_message_id = g_signal_connect (media, "pipeline-message",
                                                G_CALLBACK (on_pipeline_message), self);
  return self;
}

ZeroMediaSource *
zero_peer_manager_get_media_source (ZeroPeerManager *self)
{
  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), NULL);
  return self->media;
}

void
zero_peer_manager_set_local_name (ZeroPeerManager *self,
                                  const char      *name)
{
  g_return_if_fail (ZERO_IS_PEER_MANAGER (self));

  g_free (self->local_name);
  self->local_name = g_strdup (name);
}

void
zero_peer_manager_set_local_state (ZeroPeerManager     *self,
                                   const ZeroDataState *state)
{
  GHashTableIter it;
  gpointer value;

  g_return_if_fail (ZERO_IS_PEER_MANAGER (self));
  g_return_if_fail (state != NULL);

  self->local_state = *state;
  self->local_state.has_hand = TRUE;
  g_hash_table_iter_init (&it, self->remotes);
  while (g_hash_table_iter_next (&it, NULL, &value))
    zero_data_channel_set_local_state (((Remote *) value)->channel, &self->local_state);
}

const ZeroDataState *
zero_peer_manager_get_local_state (ZeroPeerManager *self)
{
  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), NULL);
  return &self->local_state;
}

gboolean
zero_peer_manager_add_peer (ZeroPeerManager *self,
                            const char      *peer_id,
                            gboolean         offerer,
                            GError         **error)
{
  GstPipeline *pipeline;
  PlaybackData *pd;
  Remote *r;

  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_hash_table_contains (self->remotes, peer_id))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "There is already a connection to %s", peer_id);
      return FALSE;
    }
  pipeline = zero_media_source_get_pipeline (self->media);

  r = g_new0 (Remote, 1);
  r->manager = self;
  r->id = g_strdup (peer_id);
  r->send_pads = g_ptr_array_new ();
  r->cancellable = g_cancellable_new ();
  r->peer = zero_peer_new (GST_BIN (pipeline), peer_id, offerer, &self->opts, error);
  if (r->peer == NULL)
    {
      g_ptr_array_unref (r->send_pads);
      g_object_unref (r->cancellable);
      g_free (r->id);
      g_free (r);
      return FALSE;
    }
  r->channel = zero_data_channel_new (r->peer);
  g_object_set_data (G_OBJECT (r->channel), "zero-peer-manager", self);
  zero_data_channel_set_handler (r->channel, on_request, r, NULL);
  zero_data_channel_set_local_state (r->channel, &self->local_state);

  g_signal_connect (r->peer, "signal-out", G_CALLBACK (on_signal_out), r);
  g_signal_connect (r->peer, "state-changed", G_CALLBACK (on_peer_state), r);
  g_signal_connect (r->peer, "video-sample", G_CALLBACK (on_video_sample), r);
  g_signal_connect (r->peer, "first-frame", G_CALLBACK (on_first_frame), r);
  g_signal_connect (r->peer, "stats", G_CALLBACK (on_stats), r);
  g_signal_connect (r->peer, "feedback", G_CALLBACK (on_feedback), r);
  g_signal_connect (r->peer, "send-pad-released", G_CALLBACK (on_send_pad_released), r);
  g_signal_connect (r->channel, "open", G_CALLBACK (on_channel_open), r);
  g_signal_connect (r->channel, "chat", G_CALLBACK (on_channel_chat), r);
  g_signal_connect (r->channel, "remote-state", G_CALLBACK (on_channel_remote_state), r);

  pd = g_new0 (PlaybackData, 1);
  pd->manager = self;
  pd->peer_id = g_strdup (peer_id);
  zero_peer_set_playback_func (r->peer, on_playback_request, on_playback_release, pd,
                               playback_data_free);

  g_hash_table_insert (self->remotes, r->id, r);
  g_ptr_array_add (self->order, r->id);

  if (!self->opts.echo)
    {
      if (self->opts.send_audio)
        attach_kind (self, r, ZERO_MEDIA_KIND_AUDIO);
      if (self->opts.send_video)
        {
          attach_kind (self, r, ZERO_MEDIA_KIND_VIDEO);
          attach_kind (self, r, ZERO_MEDIA_KIND_SCREEN);
        }
    }
  g_signal_emit (self, signals[SIGNAL_PEER_ADDED], 0, peer_id);
  /* A handler may have removed it. */
  r = g_hash_table_lookup (self->remotes, peer_id);
  if (r != NULL)
    zero_peer_start (r->peer);
  return TRUE;
}

void
zero_peer_manager_remove_peer (ZeroPeerManager *self,
                               const char      *peer_id)
{
  g_return_if_fail (ZERO_IS_PEER_MANAGER (self));
  g_return_if_fail (peer_id != NULL);

  remove_remote (self, peer_id, "removed");
}

void
zero_peer_manager_clear (ZeroPeerManager *self)
{
  g_autoptr (GPtrArray) ids = NULL;

  g_return_if_fail (ZERO_IS_PEER_MANAGER (self));

  ids = zero_peer_manager_list_peers (self);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *id = g_strdup (g_ptr_array_index (ids, i));

      remove_remote (self, id, "removed");
    }
}

gboolean
zero_peer_manager_has_peer (ZeroPeerManager *self,
                            const char      *peer_id)
{
  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), FALSE);
  return peer_id != NULL && g_hash_table_contains (self->remotes, peer_id);
}

ZeroPeer *
zero_peer_manager_get_peer (ZeroPeerManager *self,
                            const char      *peer_id)
{
  Remote *r;

  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), NULL);
  r = peer_id ? g_hash_table_lookup (self->remotes, peer_id) : NULL;
  return r ? r->peer : NULL;
}

ZeroDataChannel *
zero_peer_manager_get_channel (ZeroPeerManager *self,
                               const char      *peer_id)
{
  Remote *r;

  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), NULL);
  r = peer_id ? g_hash_table_lookup (self->remotes, peer_id) : NULL;
  return r ? r->channel : NULL;
}

GPtrArray *
zero_peer_manager_list_peers (ZeroPeerManager *self)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), ids);
  for (guint i = 0; i < self->order->len; i++)
    g_ptr_array_add (ids, g_strdup (g_ptr_array_index (self->order, i)));
  return ids;
}

gboolean
zero_peer_manager_handle_signal (ZeroPeerManager *self,
                                 JsonObject      *msg,
                                 GError         **error)
{
  const char *from;
  Remote *r;

  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);

  from = json_object_get_string_member_with_default (msg, "from", NULL);
  if (from == NULL)
    {
      g_set_error_literal (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                           "A relayed message without 'from'");
      return FALSE;
    }
  r = g_hash_table_lookup (self->remotes, from);
  if (r == NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "A message from %s, to whom there is no connection", from);
      return FALSE;
    }
  return zero_peer_handle_signal (r->peer, msg, error);
}

guint
zero_peer_manager_send_chat (ZeroPeerManager *self,
                             const char      *text,
                             char           **out_id,
                             gint64          *out_ts,
                             GError         **error)
{
  g_autofree char *id = NULL;
  gint64 ts = 0;
  guint sent = 0;

  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!zero_data_check_chat_text (text, error))
    return 0;
  for (guint i = 0; i < self->order->len; i++)
    {
      Remote *r = g_hash_table_lookup (self->remotes, g_ptr_array_index (self->order, i));
      g_autoptr (GError) local = NULL;
      g_autofree char *one_id = NULL;

      if (!zero_data_channel_is_open (r->channel))
        continue;
      if (zero_data_channel_send_chat (r->channel, text, &one_id, &ts, &local))
        {
          sent++;
          if (id == NULL)
            id = g_steal_pointer (&one_id);
        }
      else
        g_debug ("chat to %s: %s", r->id, local->message);
    }
  if (out_id)
    *out_id = g_steal_pointer (&id);
  if (out_ts)
    *out_ts = ts ? ts : g_get_real_time () / 1000;
  return sent;
}

gboolean
zero_peer_manager_send_chat_to (ZeroPeerManager *self,
                                const char      *peer_id,
                                const char      *text,
                                GError         **error)
{
  Remote *r;

  g_return_val_if_fail (ZERO_IS_PEER_MANAGER (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);

  r = g_hash_table_lookup (self->remotes, peer_id);
  if (r == NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "There is no connection to %s", peer_id);
      return FALSE;
    }
  return zero_data_channel_send_chat (r->channel, text, NULL, NULL, error);
}

void
zero_peer_manager_request_async (ZeroPeerManager    *self,
                                 const char         *peer_id,
                                 const char         *method,
                                 const char         *path,
                                 JsonNode           *body,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  Remote *r;

  g_return_if_fail (ZERO_IS_PEER_MANAGER (self));
  g_return_if_fail (peer_id != NULL && method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_peer_manager_request_async);
  r = g_hash_table_lookup (self->remotes, peer_id);
  if (r == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "There is no connection to %s", peer_id);
      return;
    }
  zero_data_channel_request_async (r->channel, method, path, body, 0, cancellable,
                                   zero_dc_task_pass_on, g_steal_pointer (&task));
}

JsonNode *
zero_peer_manager_request_finish (ZeroPeerManager *self,
                                  GAsyncResult    *result,
                                  int             *status,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return zero_dc_task_propagate_response (G_TASK (result), status, error);
}

void
zero_peer_manager_add_screen (ZeroPeerManager *self)
{
  g_return_if_fail (ZERO_IS_PEER_MANAGER (self));

  if (self->opts.echo || !self->opts.send_video)
    return;
  for (guint i = 0; i < self->order->len; i++)
    {
      Remote *r = g_hash_table_lookup (self->remotes, g_ptr_array_index (self->order, i));

      attach_kind (self, r, ZERO_MEDIA_KIND_SCREEN);
    }
}

void
zero_peer_manager_remove_screen (ZeroPeerManager *self)
{
  GHashTableIter it;
  gpointer value;

  g_return_if_fail (ZERO_IS_PEER_MANAGER (self));

  /* The media source frees every screen branch: forget ours first, so that the peers
   * handing them back later (on close) do not release them twice. */
  g_hash_table_iter_init (&it, self->remotes);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      Remote *r = value;

      for (guint i = r->send_pads->len; i > 0; i--)
        {
          GstPad *pad = g_ptr_array_index (r->send_pads, i - 1);

          if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad), "zero-kind")) ==
              ZERO_MEDIA_KIND_SCREEN + 1)
            {
              g_ptr_array_remove_index (r->send_pads, i - 1);
              gst_object_unref (pad);
            }
        }
    }
  zero_media_source_remove_screen (self->media);
}

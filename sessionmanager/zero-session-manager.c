/* zero-session-manager.c: the conductor of a call (see the header for the threading rule).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sessionmanager/zero-session-manager-private.h"

#include <fcntl.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "camera/zero-camera-remote.h"

#include "sessionmanager/zero-participant-private.h"
#include "sessionmanager/zero-session-link.h"
#include "sessionmanager/zero-session-sfu.h"
#include "signaling/zero-signaling-client.h"
#include "signaling/zero-uuid.h"
#include "webrtc/zero-dc-requests.h"
#include "webrtc/zero-member-events.h"
#include "webrtc/zero-peer-manager.h"

/* A join the server does not answer (welcome or error) within this fails as unreachable. */
#define JOIN_TIMEOUT_S 20

G_DEFINE_QUARK (zero-session-error-quark, zero_session_error)

G_DEFINE_ENUM_TYPE (ZeroSessionState, zero_session_state,
                    G_DEFINE_ENUM_VALUE (ZERO_SESSION_STATE_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (ZERO_SESSION_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (ZERO_SESSION_STATE_JOINED, "joined"),
                    G_DEFINE_ENUM_VALUE (ZERO_SESSION_STATE_RECONNECTING, "reconnecting"),
                    G_DEFINE_ENUM_VALUE (ZERO_SESSION_STATE_LEFT, "left"))

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_STATE,
  PROP_SESSION_ID,
  PROP_SELF,
  PROP_ECHO,
  PROP_VIDEO_CAPS,
  PROP_DECODE_VIDEO,
  PROP_FRAME_STAMP,
  PROP_STATS_INTERVAL,
  N_PROPS
};

enum {
  SIGNAL_PARTICIPANT_ADDED,
  SIGNAL_PARTICIPANT_REMOVED,
  SIGNAL_STATE_CHANGED,
  SIGNAL_CHAT_RECEIVED,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

struct _ZeroSessionManager {
  GObject parent_instance;

  ZeroConfig *config;
  GMainContext *context;
  ZeroSessionState state;

  /* Read when media starts / a session is joined. */
  gboolean echo;
  char *video_caps;
  gboolean decode_video;
  gboolean frame_stamp;
  guint stats_interval_ms;

  ZeroMediaSource *media;
  int camera_fd;             /* Camera portal remote for the media not started yet, or -1 */
  ZeroPeerManager *peers;
  ZeroSessionSfu *sfu;       /* instead of the mesh once the session is on the SFU */
  GPtrArray *ice_servers;    /* of the last welcome, for the SFU's connections */
  ZeroSignalingClient *client;

  /* The join under way. */
  GTask *join_task;
  GCancellable *join_cancellable; /* the caller's */
  gulong join_cancel_id;
  guint join_timeout_id;

  /* The membership. */
  char *session_id;
  char *server;
  char *url;
  char *name;
  ZeroRole role;
  char *password;
  char *token;
  gboolean create;
  gint64 join_time_us;
  gboolean welcomed;     /* a welcome came for this join (a later one is a re-join) */

  GListStore *participants;
  ZeroParticipant *self_participant;
  GHashTable *remotes;   /* peer id -> ZeroParticipant * (not self) */

  gboolean audio_muted;
  gboolean video_enabled;
  gboolean hand_raised;
  gboolean screen_on;
  guint stats_timer_id;
};

G_DEFINE_FINAL_TYPE (ZeroSessionManager, zero_session_manager, G_TYPE_OBJECT)

static void teardown_membership (ZeroSessionManager *self);
static void update_local_state (ZeroSessionManager *self);

/* --- helpers ------------------------------------------------------------- */

/* Timers go to the manager's context (the threading rule), not necessarily the global one. */
static guint
add_timeout (ZeroSessionManager *self,
             guint               ms,
             GSourceFunc         func,
             gpointer            data,
             GDestroyNotify      destroy)
{
  GSource *source = ms == 0 ? g_idle_source_new () : g_timeout_source_new (ms);
  guint id;

  g_source_set_callback (source, func, data, destroy);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "zero-session-manager");
  id = g_source_attach (source, self->context);
  g_source_unref (source);
  return id;
}

static void
clear_timeout (ZeroSessionManager *self,
               guint              *id)
{
  if (*id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, *id);

      if (source)
        g_source_destroy (source);
      *id = 0;
    }
}

static void
set_state (ZeroSessionManager *self,
           ZeroSessionState    state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, state);
}

static void
emit_message (ZeroSessionManager *self,
              gboolean            is_error,
              const char         *format,
              ...) G_GNUC_PRINTF (3, 4);

static void
emit_message (ZeroSessionManager *self,
              gboolean            is_error,
              const char         *format,
              ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("message: %s", text);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text, is_error);
}

static char *
default_name (ZeroSessionManager *self)
{
  const char *configured = zero_config_get_string (self->config, "user.name");
  const char *real = g_get_real_name ();

  if (configured && *configured)
    return g_strdup (configured);
  if (real && *real && g_strcmp0 (real, "Unknown") != 0)
    return g_strdup (real);
  return g_strdup (g_get_user_name ());
}

static gboolean
check_name (const char *name,
            GError    **error)
{
  glong chars;

  if (name == NULL || !g_utf8_validate (name, -1, NULL) || *name == '\0')
    {
      g_set_error_literal (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_NAME,
                           _("Enter your name"));
      return FALSE;
    }
  chars = g_utf8_strlen (name, -1);
  if (chars > ZERO_MESSAGE_MAX_NAME_CHARS)
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_NAME,
                   _("Names are limited to %d characters"), ZERO_MESSAGE_MAX_NAME_CHARS);
      return FALSE;
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error_literal (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_NAME,
                             _("Names may not contain control characters"));
        return FALSE;
      }
  return TRUE;
}

static ZeroParticipant *
find_participant (ZeroSessionManager *self,
                  const char         *peer_id)
{
  return peer_id ? g_hash_table_lookup (self->remotes, peer_id) : NULL;
}

static void
add_participant (ZeroSessionManager *self,
                 ZeroParticipant    *p)
{
  g_hash_table_insert (self->remotes, g_strdup (zero_participant_get_peer_id (p)),
                       g_object_ref (p));
  g_list_store_append (self->participants, p);
  g_signal_emit (self, signals[SIGNAL_PARTICIPANT_ADDED], 0, p);
}

static void
remove_participant (ZeroSessionManager *self,
                    ZeroParticipant    *p,
                    const char         *reason)
{
  g_autoptr (ZeroParticipant) keep = g_object_ref (p);
  guint position;

  if (!g_hash_table_remove (self->remotes, zero_participant_get_peer_id (p)))
    return;
  if (g_list_store_find (self->participants, p, &position))
    g_list_store_remove (self->participants, position);
  if (zero_participant_get_connection_state (p) != ZERO_PARTICIPANT_STATE_FAILED)
    _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_CLOSED);
  g_signal_emit (self, signals[SIGNAL_PARTICIPANT_REMOVED], 0, p, reason);
}


/* --- media --------------------------------------------------------------- */

/* The DTLS setup (an RSA key GStreamer makes once per process) runs on a thread of its
 * own from the moment media starts, so that the first offer does not wait for it. */
static void
start_prewarm (void)
{
  zero_peer_prewarm ();
}

static void
on_media_level (ZeroMediaSource    *media,
                double              rms_db,
                double              peak_db,
                ZeroSessionManager *self)
{
  _zero_participant_set_audio_level (self->self_participant,
                                     self->audio_muted ? -INFINITY : rms_db);
}

static void
on_media_message (ZeroMediaSource    *media,
                  const char         *text,
                  ZeroSessionManager *self)
{
  emit_message (self, FALSE, "%s", text);
}

static void
on_media_error (ZeroMediaSource    *media,
                GError             *error,
                ZeroSessionManager *self)
{
  emit_message (self, TRUE, "%s", error->message);
}

static void
on_preview_sample (ZeroMediaSource    *media,
                   GstSample          *sample,
                   ZeroSessionManager *self)
{
  _zero_participant_emit_sample (self->self_participant, ZERO_MEDIA_KIND_VIDEO, sample);
}

gboolean
zero_session_manager_start_media (ZeroSessionManager *self,
                                  GError            **error)
{
  g_auto (ZeroMediaOptions) opts = { 0 };
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->media != NULL)
    return TRUE;

  start_prewarm ();
  zero_media_options_init (&opts);
  if (!zero_media_options_from_config (&opts, self->config, &local))
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_MEDIA,
                   _("Could not start the camera or microphone: %s"), local->message);
      return FALSE;
    }
  opts.frame_stamp = self->frame_stamp;
  self->media = zero_media_source_new_with_camera_remote (&opts, self->camera_fd, &local);
  self->camera_fd = -1;
  if (self->media == NULL && g_error_matches (local, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE))
    {
      /* The microphone still works without the cameras' remote. */
      emit_message (self, TRUE, _("No access to the camera: %s"), local->message);
      g_clear_error (&local);
      self->media = zero_media_source_new (&opts, &local);
    }
  if (self->media == NULL)
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_MEDIA,
                   _("Could not start the camera or microphone: %s"), local->message);
      return FALSE;
    }
  g_signal_connect (self->media, "level", G_CALLBACK (on_media_level), self);
  g_signal_connect (self->media, "message", G_CALLBACK (on_media_message), self);
  g_signal_connect (self->media, "error", G_CALLBACK (on_media_error), self);
  g_signal_connect (self->media, "preview-sample", G_CALLBACK (on_preview_sample), self);
  if (!zero_media_source_start (self->media, &local))
    {
      g_signal_handlers_disconnect_by_data (self->media, self);
      g_clear_object (&self->media);
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_MEDIA,
                   _("Could not start the camera or microphone: %s"), local->message);
      return FALSE;
    }
  zero_media_source_set_audio_muted (self->media, self->audio_muted);
  zero_media_source_set_video_paused (self->media, !self->video_enabled);
  update_local_state (self);
  return TRUE;
}

ZeroMediaSource *
zero_session_manager_get_media_source (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);
  return self->media;
}

gboolean
zero_session_manager_set_camera_remote (ZeroSessionManager *self,
                                        int                 fd,
                                        GError            **error)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (fd >= -1, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->media != NULL)
    return zero_media_source_set_camera_remote (self->media, fd, error);
  if (fd >= 0 && !zero_camera_remote_check_fd (fd, error))
    {
      if (fcntl (fd, F_GETFD) >= 0)
        close (fd);
      return FALSE;
    }
  if (self->camera_fd >= 0)
    close (self->camera_fd);
  self->camera_fd = fd;
  return TRUE;
}

/* What we tell peers (and show on our own tile). */
static void
update_local_state (ZeroSessionManager *self)
{
  ZeroDataState state = { 0 };
  gboolean sends = self->role != ZERO_ROLE_VIEWER && !self->echo;

  if (self->media)
    {
      state.audio = sends && !self->audio_muted &&
                    zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_AUDIO);
      state.video = sends && self->video_enabled &&
                    zero_media_source_has_kind (self->media, ZERO_MEDIA_KIND_VIDEO);
    }
  state.screen = sends && self->screen_on;
  state.hand = self->hand_raised;
  state.has_hand = TRUE;
  _zero_participant_set_media_state (self->self_participant, state.audio, state.video,
                                     state.screen, state.hand);
  if (self->peers)
    zero_peer_manager_set_local_state (self->peers, &state);
  if (self->sfu)
    zero_session_sfu_set_local_state (self->sfu, &state);
}

/* --- the mesh ------------------------------------------------------------ */

static void
on_peers_signal_out (ZeroPeerManager    *peers,
                     const char         *peer_id,
                     JsonObject         *msg,
                     ZeroSessionManager *self)
{
  g_autoptr (GError) error = NULL;

  if (self->client == NULL ||
      zero_signaling_client_get_state (self->client) != ZERO_SIGNALING_CLIENT_JOINED)
    return; /* the re-join rebuilds the mesh */
  if (!zero_signaling_client_send (self->client, msg, &error))
    g_debug ("cannot send %s to %s: %s",
             json_object_get_string_member_with_default (msg, "type", "?"), peer_id,
             error->message);
}

static void
on_peers_peer_removed (ZeroPeerManager    *peers,
                       const char         *peer_id,
                       const char         *reason,
                       ZeroSessionManager *self)
{
  ZeroParticipant *p;

  if (g_strcmp0 (reason, "removed") == 0)
    return; /* we removed it */
  p = find_participant (self, peer_id);
  if (p == NULL)
    return;
  /* The connection gave up after its ICE restarts: the member is unreachable. */
  _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_FAILED);
  emit_message (self, TRUE, _("Lost the connection to %s"), zero_participant_get_name (p));
  remove_participant (self, p, "failed");
}

/* --- a member's connection, in the mesh or through the SFU --------------- */

static void
set_connection_state (ZeroParticipant *p,
                      int              state)
{
  switch (state)
    {
    case ZERO_PEER_STATE_NEW:
      _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_NEW);
      break;
    case ZERO_PEER_STATE_CONNECTING:
      _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_CONNECTING);
      break;
    case ZERO_PEER_STATE_CONNECTED:
      _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_CONNECTED);
      break;
    case ZERO_PEER_STATE_FAILED:
      _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_FAILED);
      break;
    case ZERO_PEER_STATE_CLOSED:
    default:
      break; /* peer-removed follows */
    }
}

/* The one handler of every ZeroMemberEvents signal, of the mesh or of the SFU (a marshaller):
 * @values are the signal's (the source, the peer id, then the event's own), @event the
 * ZeroMemberEvent. */
static void
on_member_event (GClosure     *closure,
                 GValue       *return_value,
                 guint         n_values,
                 const GValue *values,
                 gpointer      hint,
                 gpointer      event)
{
  ZeroSessionManager *self = closure->data;
  ZeroParticipant *p = find_participant (self, g_value_get_string (&values[1]));

  if (p == NULL)
    return;
  switch ((ZeroMemberEvent) GPOINTER_TO_INT (event))
    {
    case ZERO_MEMBER_PEER_STATE:
      set_connection_state (p, g_value_get_int (&values[2]));
      break;
    case ZERO_MEMBER_DATA_OPEN:
      _zero_participant_set_data_open (p, TRUE);
      break;
    case ZERO_MEMBER_CHAT: /* id, text, ts */
      _zero_participant_add_chat (p);
      g_signal_emit (self, signals[SIGNAL_CHAT_RECEIVED], 0, p, g_value_get_string (&values[3]),
                     g_value_get_int64 (&values[4]), g_value_get_string (&values[2]));
      break;
    case ZERO_MEMBER_REMOTE_STATE:
      {
        const ZeroDataState *state = g_value_get_pointer (&values[2]);

        _zero_participant_set_media_state (p, state->audio, state->video, state->screen,
                                           state->has_hand && state->hand);
      }
      break;
    case ZERO_MEMBER_INFO:
      _zero_participant_set_info (p, g_value_get_boxed (&values[2]));
      break;
    case ZERO_MEMBER_VIDEO_SAMPLE: /* kind, sample */
      _zero_participant_emit_sample (p, g_value_get_int (&values[2]),
                                     g_value_get_boxed (&values[3]));
      break;
    case ZERO_MEMBER_FIRST_FRAME: /* kind; the time is ours: since the member came */
      _zero_participant_emit_first_frame (
        p, g_value_get_int (&values[2]),
        (g_get_monotonic_time () - _zero_participant_get_start_time (p)) / 1000);
      break;
    case ZERO_MEMBER_AUDIO_LEVEL:
      _zero_participant_set_audio_level (p, g_value_get_double (&values[2]));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Every member event of @source (a ZeroPeerManager or a ZeroSessionSfu) to us. */
static void
connect_member_events (ZeroSessionManager *self,
                       ZeroMemberEvents   *source)
{
  for (guint i = 0; i < ZERO_MEMBER_N_EVENTS; i++)
    {
      GClosure *closure = g_closure_new_simple (sizeof (GClosure), self);

      g_closure_set_meta_marshal (closure, GINT_TO_POINTER (i), on_member_event);
      g_signal_connect_closure_by_id (source, zero_member_events_signal_id (i), 0, closure,
                                      FALSE);
    }
}

/* Frames the mesh decoded of a member before the call moved to the SFU (guint64[2]). */
static GQuark
sfu_frames_base_quark (void)
{
  return g_quark_from_static_string ("zero-sfu-frames-base");
}

/* Statistics and counters of @p's connection; with @counters_only, no new statistics (the
 * connection is about to go, its counters are final). */
static void
refresh_participant (ZeroSessionManager *self,
                     ZeroParticipant    *p,
                     gboolean            counters_only)
{
  ZeroPeer *peer = NULL;
  g_autoptr (ZeroPeerStats) stats = NULL;
  const guint64 *base = g_object_get_qdata (G_OBJECT (p), sfu_frames_base_quark ());
  const char *id = zero_participant_get_peer_id (p);

  if (self->sfu)
    peer = zero_session_sfu_get_peer (self->sfu, id);
  else if (self->peers)
    peer = zero_peer_manager_get_peer (self->peers, id);
  if (peer == NULL)
    return;
  if (!counters_only && zero_peer_get_state (peer) == ZERO_PEER_STATE_CONNECTED)
    stats = zero_peer_get_stats (peer);
  /* In SFU mode the counts go on from what the mesh decoded of this member. */
  _zero_participant_update_stats (
    p, stats, zero_peer_get_frames_decoded (peer, ZERO_MEDIA_KIND_VIDEO) + (base ? base[0] : 0),
    zero_peer_get_frames_decoded (peer, ZERO_MEDIA_KIND_AUDIO) + (base ? base[1] : 0));
}

static void
refresh_all (ZeroSessionManager *self,
             gboolean            counters_only)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter it;
  gpointer value;

  /* Handlers of stats-updated may change the roster: walk a copy. */
  g_hash_table_iter_init (&it, self->remotes);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < all->len; i++)
    refresh_participant (self, g_ptr_array_index (all, i), counters_only);
}

static gboolean
on_stats_tick (gpointer user_data)
{
  refresh_all (user_data, FALSE);
  return G_SOURCE_CONTINUE;
}

static ZeroPeerLoopback
loopback_from_config (ZeroSessionManager *self)
{
  const char *value = zero_config_get_string (self->config, "webrtc.loopback_candidates");

  if (g_strcmp0 (value, "true") == 0)
    return ZERO_PEER_LOOPBACK_YES;
  if (g_strcmp0 (value, "false") == 0)
    return ZERO_PEER_LOOPBACK_NO;
  return ZERO_PEER_LOOPBACK_AUTO;
}

/* Config's ICE servers, then those the signaling server hands out (duplicates once). */
static GPtrArray *
collect_ice_servers (ZeroSessionManager *self,
                     JsonObject         *welcome)
{
  GPtrArray *servers = zero_config_get_ice_servers (self->config);
  JsonArray *from_server = json_object_get_array_member (welcome, "ice_servers");

  for (guint i = 0; from_server && i < json_array_get_length (from_server); i++)
    {
      JsonObject *o = json_array_get_object_element (from_server, i);
      JsonArray *urls = o ? json_object_get_array_member (o, "urls") : NULL;
      g_autoptr (GPtrArray) list = g_ptr_array_new ();
      g_autoptr (ZeroIceServer) server = NULL;
      gboolean dup = FALSE;

      for (guint j = 0; urls && j < json_array_get_length (urls); j++)
        {
          const char *url = json_array_get_string_element (urls, j);

          if (url && zero_ice_server_validate_url (url, NULL))
            g_ptr_array_add (list, (gpointer) url);
        }
      if (list->len == 0)
        continue;
      g_ptr_array_add (list, NULL);
      server = zero_ice_server_new ((const char *const *) list->pdata,
                                    json_object_get_string_member_with_default (o, "username",
                                                                                NULL),
                                    json_object_get_string_member_with_default (o, "credential",
                                                                                NULL));
      for (guint j = 0; j < servers->len && !dup; j++)
        dup = zero_ice_server_equal (g_ptr_array_index (servers, j), server);
      if (!dup)
        g_ptr_array_add (servers, g_steal_pointer (&server));
    }
  return servers;
}

/* The options of every connection, in the mesh and to the SFU. */
static void
fill_peer_options (ZeroSessionManager *self,
                   ZeroPeerOptions    *opts_out)
{
  ZeroPeerOptions opts;

  zero_peer_options_init (&opts);
  opts.ice_servers = self->ice_servers;
  opts.loopback_candidates = loopback_from_config (self);
  opts.ice_tcp = zero_config_get_bool (self->config, "webrtc.ice_tcp");
  opts.jitter_buffer_ms = (guint) zero_config_get_int (self->config, "webrtc.jitter_buffer_ms");
  opts.ice_restart_attempts =
    (guint) zero_config_get_int (self->config, "webrtc.ice_restart_attempts");
  opts.connect_timeout_s = (guint) zero_config_get_int (self->config, "webrtc.connect_timeout_s");
  opts.echo = self->echo;
  opts.send_audio = opts.send_video = self->role != ZERO_ROLE_VIEWER;
  opts.video_caps = self->video_caps;
  opts.decode_video = self->decode_video;
  *opts_out = opts;
}

static void
make_peer_manager (ZeroSessionManager *self,
                   JsonObject         *welcome)
{
  ZeroPeerOptions opts;

  g_clear_pointer (&self->ice_servers, g_ptr_array_unref);
  self->ice_servers = collect_ice_servers (self, welcome);
  fill_peer_options (self, &opts);
  self->peers = zero_peer_manager_new (self->media, &opts);
  zero_peer_manager_set_local_name (self->peers, self->name);
  g_signal_connect (self->peers, "signal-out", G_CALLBACK (on_peers_signal_out), self);
  g_signal_connect (self->peers, "peer-removed", G_CALLBACK (on_peers_peer_removed), self);
  connect_member_events (self, ZERO_MEMBER_EVENTS (self->peers));
  update_local_state (self);
}

static void
drop_peer_manager (ZeroSessionManager *self)
{
  if (self->peers == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->peers, self);
  zero_peer_manager_clear (self->peers);
  g_clear_object (&self->peers);
}

static void
connect_peer (ZeroSessionManager *self,
              ZeroParticipant    *p,
              gboolean            offerer)
{
  g_autoptr (GError) error = NULL;

  if (!zero_peer_manager_add_peer (self->peers, zero_participant_get_peer_id (p), offerer,
                                   &error))
    {
      g_warning ("cannot connect to %s: %s", zero_participant_get_peer_id (p), error->message);
      _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_FAILED);
    }
}

/* --- SFU mode (PROTOCOL.md section 9.1; zero-session-sfu.h) ------------------- */

static void
on_sfu_message (ZeroSessionSfu     *sfu,
                const char         *text,
                gboolean            is_error,
                ZeroSessionManager *self)
{
  emit_message (self, is_error, "%s", text);
}

static void
drop_sfu (ZeroSessionManager *self)
{
  if (self->sfu == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->sfu, self);
  zero_session_sfu_stop (self->sfu);
  g_clear_object (&self->sfu);
}

/* Whether config forces SFU mode (sfu.enabled + sfu.url) when no server announced a room. */
static gboolean
sfu_forced (ZeroSessionManager *self)
{
  const char *url = zero_config_get_string (self->config, "sfu.url");

  return zero_config_get_bool (self->config, "sfu.enabled") && url && *url;
}

/* Moves the call to the room @announce names (a `sfu` message or welcome.sfu), or to the
 * one config forces (@announce NULL): the mesh goes, the roster stays; every member gets a
 * subscription, the relay for data, and its counts go on. */
static void
enter_sfu (ZeroSessionManager *self,
           JsonObject         *announce)
{
  ZeroSfuClientOptions opts;
  ZeroSessionSfu *sfu;
  g_autofree char *forced_pin = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter it;
  gpointer value;
  gint64 now = g_get_monotonic_time ();

  zero_sfu_client_options_init (&opts);
  if (announce)
    {
      opts.url = json_object_get_string_member_with_default (announce, "url", NULL);
      opts.room = (guint64) json_object_get_int_member_with_default (announce, "room", 0);
      opts.pin = json_object_get_string_member_with_default (announce, "pin", NULL);
    }
  else
    {
      opts.url = zero_config_get_string (self->config, "sfu.url");
      zero_sfu_forced_room (self->session_id, &opts.room, &forced_pin);
      opts.pin = forced_pin;
      opts.create_room = TRUE;
    }
  if (self->sfu && zero_session_sfu_get_room (self->sfu) == opts.room)
    return; /* already there */
  opts.display = zero_participant_get_peer_id (self->self_participant);
  fill_peer_options (self, &opts.peer);
  /* An echo client has nothing of its own to publish: it watches. */
  opts.peer.echo = FALSE;
  opts.publish = self->role != ZERO_ROLE_VIEWER && !self->echo;
  opts.peer.send_audio = opts.peer.send_video = opts.publish;

  g_debug ("moving to SFU room %" G_GUINT64_FORMAT " at %s", opts.room, opts.url);
  /* Made (not started) first: when the announcement is unusable, the mesh stays. */
  sfu = zero_session_sfu_new (self->media, self->client, &opts, self->name, &error);
  if (sfu == NULL)
    {
      emit_message (self, TRUE, _("Could not move the call to the conference server: %s"),
                    error->message);
      return;
    }
  refresh_all (self, TRUE);
  drop_peer_manager (self);
  drop_sfu (self);
  self->sfu = sfu;
  /* The screen is not published through the SFU (yet). */
  if (self->screen_on)
    {
      zero_media_source_remove_screen (self->media);
      self->screen_on = FALSE;
      emit_message (self, TRUE, _("Screen sharing stopped: the conference server does not "
                                  "carry it"));
    }
  connect_member_events (self, ZERO_MEMBER_EVENTS (self->sfu));
  g_signal_connect (self->sfu, "message", G_CALLBACK (on_sfu_message), self);
  update_local_state (self);

  g_hash_table_iter_init (&it, self->remotes);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < all->len; i++)
    {
      ZeroParticipant *p = g_ptr_array_index (all, i);
      guint64 *base = g_new (guint64, 2);

      base[0] = zero_participant_get_video_frames (p);
      base[1] = zero_participant_get_audio_frames (p);
      g_object_set_qdata_full (G_OBJECT (p), sfu_frames_base_quark (), base, g_free);
      _zero_participant_set_start_time (p, now);
      _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_CONNECTING);
      if (self->sfu && find_participant (self, zero_participant_get_peer_id (p)) == p)
        zero_session_sfu_add_peer (self->sfu, zero_participant_get_peer_id (p),
                                   g_strcmp0 (zero_participant_get_role (p), "viewer") != 0);
    }
  if (self->sfu)
    zero_session_sfu_start (self->sfu);
  emit_message (self, FALSE, _("The call moved to the conference server"));
}

static void
on_sfu_announced (ZeroSignalingClient *client,
                  JsonObject          *msg,
                  ZeroSessionManager  *self)
{
  if (self->state != ZERO_SESSION_STATE_JOINED)
    return; /* the welcome of the re-join carries it */
  enter_sfu (self, msg);
}

/* --- signaling ----------------------------------------------------------- */

static void
finish_join (ZeroSessionManager *self,
             GError             *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->join_task);

  clear_timeout (self, &self->join_timeout_id);
  if (self->join_cancellable)
    {
      g_cancellable_disconnect (self->join_cancellable, self->join_cancel_id);
      self->join_cancel_id = 0;
      g_clear_object (&self->join_cancellable);
    }
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error)
    {
      teardown_membership (self);
      set_state (self, ZERO_SESSION_STATE_IDLE);
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_welcome (ZeroSignalingClient *client,
            JsonObject          *msg,
            ZeroSessionManager  *self)
{
  JsonArray *peers = json_object_get_array_member (msg, "peers");
  const char *peer_id = json_object_get_string_member (msg, "peer_id");
  gboolean rejoin = self->welcomed;
  g_autoptr (GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) stale = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start = rejoin ? g_get_monotonic_time () : self->join_time_us;
  JsonNode *sfu;
  GHashTableIter it;
  gpointer value;

  g_debug ("welcome to %s as %s with %u peers%s", self->session_id, peer_id,
           peers ? json_array_get_length (peers) : 0, rejoin ? " (re-join)" : "");
  if (self->join_task && self->join_cancellable &&
      g_cancellable_is_cancelled (self->join_cancellable))
    {
      finish_join (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              "The join was cancelled"));
      return;
    }
  self->welcomed = TRUE;

  /* A re-join (new peer id): every old connection goes, the mesh is made anew. */
  drop_sfu (self);
  drop_peer_manager (self);
  make_peer_manager (self, msg);

  _zero_participant_set_identity (self->self_participant, peer_id, self->name,
                                  zero_role_to_string (self->role));
  _zero_participant_set_connection_state (self->self_participant,
                                          ZERO_PARTICIPANT_STATE_CONNECTED);
  if (!rejoin)
    {
      g_list_store_remove_all (self->participants);
      g_list_store_append (self->participants, self->self_participant);
    }

  for (guint i = 0; peers && i < json_array_get_length (peers); i++)
    g_hash_table_add (present, (gpointer) json_object_get_string_member (
                                 json_array_get_object_element (peers, i), "peer_id"));
  /* Members that are gone (a restarted server gave everyone new ids). */
  g_hash_table_iter_init (&it, self->remotes);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (!g_hash_table_contains (present, zero_participant_get_peer_id (value)))
      g_ptr_array_add (stale, g_object_ref (value));
  for (guint i = 0; i < stale->len; i++)
    remove_participant (self, g_ptr_array_index (stale, i), "reconnect");

  /* The roster first, then JOINED (listeners see the whole roster), then the connections:
   * they were here first, so they offer (PROTOCOL.md section 5). */
  for (guint i = 0; peers && i < json_array_get_length (peers); i++)
    {
      JsonObject *o = json_array_get_object_element (peers, i);
      const char *id = json_object_get_string_member (o, "peer_id");
      ZeroParticipant *p = find_participant (self, id);

      if (p == NULL)
        {
          g_autoptr (ZeroParticipant) np =
            _zero_participant_new (id, json_object_get_string_member (o, "name"),
                                   json_object_get_string_member (o, "role"), FALSE);

          _zero_participant_set_start_time (np, start);
          add_participant (self, np);
        }
      else
        {
          _zero_participant_set_start_time (p, start);
          _zero_participant_set_connection_state (p, ZERO_PARTICIPANT_STATE_NEW);
        }
    }
  set_state (self, ZERO_SESSION_STATE_JOINED);
  sfu = json_object_get_member (msg, "sfu");
  if ((sfu && JSON_NODE_HOLDS_OBJECT (sfu)) || sfu_forced (self))
    enter_sfu (self, sfu && JSON_NODE_HOLDS_OBJECT (sfu) ? json_node_get_object (sfu) : NULL);
  for (guint i = 0; self->sfu == NULL && peers && i < json_array_get_length (peers); i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (peers, i),
                                                      "peer_id");
      ZeroParticipant *p = find_participant (self, id);

      if (p && self->peers && !zero_peer_manager_has_peer (self->peers, id))
        connect_peer (self, p, FALSE);
    }

  if (self->stats_timer_id == 0 && self->stats_interval_ms > 0)
    self->stats_timer_id = add_timeout (self, self->stats_interval_ms, on_stats_tick, self, NULL);
  if (rejoin)
    emit_message (self, FALSE, _("Reconnected to the session"));
  finish_join (self, NULL);
}

static void
on_peer_joined (ZeroSignalingClient *client,
                JsonObject          *msg,
                ZeroSessionManager  *self)
{
  const char *id = json_object_get_string_member (msg, "peer_id");
  g_autoptr (ZeroParticipant) p = NULL;
  ZeroParticipant *old;

  if (self->peers == NULL && self->sfu == NULL)
    return;
  old = find_participant (self, id);
  if (old)
    {
      if (self->peers)
        zero_peer_manager_remove_peer (self->peers, id);
      if (self->sfu)
        zero_session_sfu_remove_peer (self->sfu, id);
      remove_participant (self, old, "reconnect");
    }
  p = _zero_participant_new (id, json_object_get_string_member (msg, "name"),
                             json_object_get_string_member (msg, "role"), FALSE);
  add_participant (self, p);
  /* We were here first: we offer (in SFU mode its subscription comes when it publishes). */
  if (find_participant (self, id) == p && self->peers)
    connect_peer (self, p, TRUE);
  else if (find_participant (self, id) == p && self->sfu)
    zero_session_sfu_add_peer (self->sfu, id, g_strcmp0 (zero_participant_get_role (p),
                                                         "viewer") != 0);
}

static void
on_peer_left (ZeroSignalingClient *client,
              JsonObject          *msg,
              ZeroSessionManager  *self)
{
  const char *id = json_object_get_string_member (msg, "peer_id");
  ZeroParticipant *p = find_participant (self, id);

  if (p)
    refresh_participant (self, p, TRUE);
  if (self->peers)
    zero_peer_manager_remove_peer (self->peers, id);
  if (self->sfu)
    zero_session_sfu_remove_peer (self->sfu, id);
  if (p)
    remove_participant (self, p, json_object_get_string_member (msg, "reason"));
}

static void
on_relayed (ZeroSignalingClient *client,
            JsonObject          *msg,
            ZeroSessionManager  *self)
{
  const char *from = json_object_get_string_member_with_default (msg, "from", NULL);
  const char *type = json_object_get_string_member_with_default (msg, "type", "");
  g_autoptr (GError) error = NULL;

  if (self->peers == NULL || from == NULL)
    return;
  /* An offer from a member whose connection we dropped (it failed here, not there). */
  if (!zero_peer_manager_has_peer (self->peers, from) && g_str_equal (type, "offer"))
    {
      ZeroParticipant *p = find_participant (self, from);

      if (p)
        connect_peer (self, p, FALSE);
    }
  if (!zero_peer_manager_handle_signal (self->peers, msg, &error))
    g_debug ("%s from %s: %s", type, from, error->message);
}

static GError *
join_refusal (ZeroSessionManager *self,
              JsonObject         *msg)
{
  const char *code = json_object_get_string_member_with_default (msg, "code", "");
  const char *text = json_object_get_string_member_with_default (msg, "message", "");
  ZeroProtocolError pe = ZERO_PROTOCOL_ERROR_BAD_MESSAGE;

  if (!zero_protocol_error_from_string (code, &pe))
    return g_error_new (ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_REFUSED,
                        _("The server refused to let you join: %s"), text);
  switch (pe)
    {
    case ZERO_PROTOCOL_ERROR_NO_SUCH_SESSION:
      return g_error_new (ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_NO_SUCH_SESSION,
                          _("There is no session %s on this server"), self->session_id);
    case ZERO_PROTOCOL_ERROR_SESSION_FULL:
      return g_error_new (ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_SESSION_FULL,
                          _("The session is full: %s"), text);
    case ZERO_PROTOCOL_ERROR_AUTH_FAILED:
      return g_error_new (ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_AUTH,
                          _("The server refused the password or token: %s"), text);
    case ZERO_PROTOCOL_ERROR_BAD_MESSAGE:
    case ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE:
    case ZERO_PROTOCOL_ERROR_NOT_JOINED:
    case ZERO_PROTOCOL_ERROR_ALREADY_JOINED:
    case ZERO_PROTOCOL_ERROR_NO_SUCH_PEER:
    case ZERO_PROTOCOL_ERROR_RATE_LIMITED:
    case ZERO_PROTOCOL_ERROR_TOO_LARGE:
    default:
      return g_error_new (ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_REFUSED,
                          _("The server refused to let you join: %s"), text);
    }
}

static void
on_server_error (ZeroSignalingClient *client,
                 JsonObject          *msg,
                 ZeroSessionManager  *self)
{
  const char *ref = json_object_get_string_member_with_default (msg, "ref", NULL);
  const char *code = json_object_get_string_member_with_default (msg, "code", "");

  g_debug ("server error %s (ref %s): %s", code, ref ? ref : "-",
           json_object_get_string_member_with_default (msg, "message", ""));
  if (g_strcmp0 (ref, "join") != 0)
    return;
  if (self->join_task)
    {
      finish_join (self, join_refusal (self, msg));
      return;
    }
  if (self->state == ZERO_SESSION_STATE_RECONNECTING || self->state == ZERO_SESSION_STATE_JOINED)
    {
      /* The re-join was refused: the session is over for us. */
      g_autoptr (GError) error = join_refusal (self, msg);

      emit_message (self, TRUE, "%s", error->message);
      teardown_membership (self);
      set_state (self, ZERO_SESSION_STATE_LEFT);
    }
}

static void
on_client_state (ZeroSignalingClient     *client,
                 ZeroSignalingClientState state,
                 ZeroSessionManager      *self)
{
  if (state == ZERO_SIGNALING_CLIENT_RECONNECTING && self->state == ZERO_SESSION_STATE_JOINED)
    {
      set_state (self, ZERO_SESSION_STATE_RECONNECTING);
      emit_message (self, TRUE,
                    _("Lost the connection to the signaling server; reconnecting…"));
    }
}

static void
on_client_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (ZeroSessionManager) self = user_data;
  g_autoptr (GError) error = NULL;
  ZeroSignalingClient *client = ZERO_SIGNALING_CLIENT (source);

  if (!zero_signaling_client_connect_finish (client, result, &error))
    {
      if (self->client != client || self->join_task == NULL)
        return; /* left or cancelled meanwhile */
      finish_join (self, g_error_new (ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_UNREACHABLE,
                                      _("Could not reach the signaling server at %s: %s"),
                                      self->server, error->message));
      return;
    }
  if (self->client != client || self->join_task == NULL)
    return;
  if (!zero_signaling_client_join (client, self->session_id, self->name, self->role,
                                   self->create, self->password, self->token, &error))
    finish_join (self, g_error_new (ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_REFUSED,
                                    _("The server refused to let you join: %s"),
                                    error->message));
}

static gboolean
on_join_timeout (gpointer user_data)
{
  ZeroSessionManager *self = user_data;

  self->join_timeout_id = 0;
  finish_join (self, g_error_new (ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_UNREACHABLE,
                                  _("The signaling server at %s did not answer"), self->server));
  return G_SOURCE_REMOVE;
}

static gboolean
on_join_cancelled_idle (gpointer user_data)
{
  ZeroSessionManager *self = user_data;

  if (self->join_task && self->join_cancellable &&
      g_cancellable_is_cancelled (self->join_cancellable))
    finish_join (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                            "The join was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
on_join_cancelled (GCancellable       *cancellable,
                   ZeroSessionManager *self)
{
  /* Deferred: finishing here would disconnect this handler from inside itself. */
  add_timeout (self, 0, on_join_cancelled_idle, g_object_ref (self), g_object_unref);
}

static void
drop_client (ZeroSessionManager *self,
             gboolean            say_leave)
{
  if (self->client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->client, self);
  if (say_leave && zero_signaling_client_get_state (self->client) == ZERO_SIGNALING_CLIENT_JOINED)
    zero_signaling_client_leave (self->client, NULL);
  zero_signaling_client_disconnect (self->client);
  g_clear_object (&self->client);
}

/* Ends the membership: mesh, signaling and roster (participant-removed for each). */
static void
teardown_membership (ZeroSessionManager *self)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter it;
  gpointer value;

  clear_timeout (self, &self->stats_timer_id);
  refresh_all (self, TRUE);
  drop_sfu (self);
  drop_peer_manager (self);
  drop_client (self, TRUE);
  g_hash_table_iter_init (&it, self->remotes);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < all->len; i++)
    remove_participant (self, g_ptr_array_index (all, i), "leave");
  g_list_store_remove_all (self->participants);
  _zero_participant_set_connection_state (self->self_participant, ZERO_PARTICIPANT_STATE_CLOSED);
  self->welcomed = FALSE;
}

void
zero_join_options_init (ZeroJoinOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
  opts->role = ZERO_ROLE_PARTICIPANT;
}

void
zero_session_manager_join_async (ZeroSessionManager    *self,
                                 const ZeroJoinOptions *opts,
                                 GCancellable          *cancellable,
                                 GAsyncReadyCallback    callback,
                                 gpointer               user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *link_server = NULL;
  g_autofree char *name = NULL;
  g_autofree char *url = NULL;
  const char *server;
  const char *token;

  g_return_if_fail (ZERO_IS_SESSION_MANAGER (self));
  g_return_if_fail (opts != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_session_manager_join_async);

  if (self->state == ZERO_SESSION_STATE_CONNECTING || self->state == ZERO_SESSION_STATE_JOINED ||
      self->state == ZERO_SESSION_STATE_RECONNECTING)
    {
      g_task_return_new_error (task, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE,
                               _("Already in a session"));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  if (opts->session != NULL)
    {
      if (!zero_session_parse_reference (opts->session, &uuid, &link_server, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  else if (opts->create)
    uuid = zero_session_new_id ();
  else
    {
      g_task_return_new_error (task, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                               _("Enter a session ID or a zero:// link"));
      return;
    }

  name = opts->name ? g_strdup (opts->name) : default_name (self);
  if (!check_name (name, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  server = opts->server ? opts->server
           : link_server ? link_server
                         : zero_config_get_string (self->config, "signaling.server_address");
  url = zero_signaling_client_normalize_url (server, &error);
  if (url == NULL)
    {
      g_task_return_new_error (task, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_SERVER,
                               _("“%s” is not a signaling server address: %s"), server,
                               error->message);
      return;
    }
  token = opts->token;
  if (token == NULL)
    {
      token = zero_config_get_string (self->config, "signaling.token");
      if (token && *token == '\0')
        token = NULL;
    }

  if (!zero_session_manager_start_media (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->client = zero_signaling_client_new (url, &error);
  if (self->client == NULL)
    {
      g_task_return_new_error (task, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_SERVER,
                               _("“%s” is not a signaling server address: %s"), server,
                               error->message);
      return;
    }

  g_free (self->session_id);
  self->session_id = g_steal_pointer (&uuid);
  g_free (self->server);
  self->server = g_strdup (server);
  g_free (self->url);
  self->url = g_steal_pointer (&url);
  g_free (self->name);
  self->name = g_steal_pointer (&name);
  self->role = opts->role;
  g_free (self->password);
  self->password = g_strdup (opts->password);
  g_free (self->token);
  self->token = g_strdup (token);
  self->create = opts->create;
  self->welcomed = FALSE;
  self->join_time_us = g_get_monotonic_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_ID]);
  _zero_participant_set_identity (self->self_participant, NULL, self->name,
                                  zero_role_to_string (self->role));
  _zero_participant_set_connection_state (self->self_participant,
                                          ZERO_PARTICIPANT_STATE_CONNECTING);
  update_local_state (self);

  g_signal_connect (self->client, "welcome", G_CALLBACK (on_welcome), self);
  g_signal_connect (self->client, "peer-joined", G_CALLBACK (on_peer_joined), self);
  g_signal_connect (self->client, "peer-left", G_CALLBACK (on_peer_left), self);
  g_signal_connect (self->client, "error", G_CALLBACK (on_server_error), self);
  g_signal_connect (self->client, "state-changed", G_CALLBACK (on_client_state), self);
  g_signal_connect (self->client, "sfu", G_CALLBACK (on_sfu_announced), self);
  for (const char *const *t = (const char *const[]) { "offer", "answer", "ice", "request-offer",
                                                       NULL };
       *t; t++)
    g_signal_connect (self->client, *t, G_CALLBACK (on_relayed), self);

  self->join_task = g_steal_pointer (&task);
  if (cancellable)
    {
      self->join_cancellable = g_object_ref (cancellable);
      self->join_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_join_cancelled),
                                                    self, NULL);
    }
  self->join_timeout_id = add_timeout (self, JOIN_TIMEOUT_S * 1000, on_join_timeout, self, NULL);
  set_state (self, ZERO_SESSION_STATE_CONNECTING);
  zero_signaling_client_connect_async (self->client, NULL, on_client_connected,
                                       g_object_ref (self));
}

gboolean
zero_session_manager_join_finish (ZeroSessionManager *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
zero_session_manager_leave (ZeroSessionManager *self)
{
  g_return_if_fail (ZERO_IS_SESSION_MANAGER (self));

  if (self->join_task)
    {
      finish_join (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              "Left before the join completed"));
      set_state (self, ZERO_SESSION_STATE_LEFT);
      return;
    }
  if (self->state != ZERO_SESSION_STATE_JOINED && self->state != ZERO_SESSION_STATE_RECONNECTING)
    return;
  teardown_membership (self);
  if (self->screen_on && self->media)
    {
      zero_media_source_remove_screen (self->media);
      self->screen_on = FALSE;
      update_local_state (self);
    }
  set_state (self, ZERO_SESSION_STATE_LEFT);
}

/* --- GObject ------------------------------------------------------------- */

static void
zero_session_manager_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ZeroSessionManager *self = ZERO_SESSION_MANAGER (object);

  switch (prop_id)
    {
    case PROP_CONFIG: g_value_set_object (value, self->config); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_SESSION_ID: g_value_set_string (value, self->session_id); break;
    case PROP_SELF: g_value_set_object (value, self->self_participant); break;
    case PROP_ECHO: g_value_set_boolean (value, self->echo); break;
    case PROP_VIDEO_CAPS: g_value_set_string (value, self->video_caps); break;
    case PROP_DECODE_VIDEO: g_value_set_boolean (value, self->decode_video); break;
    case PROP_FRAME_STAMP: g_value_set_boolean (value, self->frame_stamp); break;
    case PROP_STATS_INTERVAL: g_value_set_uint (value, self->stats_interval_ms); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_session_manager_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ZeroSessionManager *self = ZERO_SESSION_MANAGER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_ECHO:
      self->echo = g_value_get_boolean (value);
      break;
    case PROP_VIDEO_CAPS:
      g_free (self->video_caps);
      self->video_caps = g_value_dup_string (value);
      if (self->video_caps == NULL)
        self->video_caps = g_strdup ("video/x-raw");
      break;
    case PROP_DECODE_VIDEO:
      self->decode_video = g_value_get_boolean (value);
      break;
    case PROP_FRAME_STAMP:
      self->frame_stamp = g_value_get_boolean (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_session_manager_constructed (GObject *object)
{
  ZeroSessionManager *self = ZERO_SESSION_MANAGER (object);
  g_autofree char *name = NULL;

  G_OBJECT_CLASS (zero_session_manager_parent_class)->constructed (object);

  if (self->config == NULL)
    self->config = zero_config_new ();
  name = default_name (self);
  self->self_participant = _zero_participant_new (NULL, name, "participant", TRUE);
}


static void
zero_session_manager_dispose (GObject *object)
{
  ZeroSessionManager *self = ZERO_SESSION_MANAGER (object);

  if (self->join_task)
    finish_join (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                            "The session manager went away"));
  clear_timeout (self, &self->stats_timer_id);
  drop_sfu (self);
  drop_peer_manager (self);
  drop_client (self, TRUE);
  g_clear_pointer (&self->ice_servers, g_ptr_array_unref);
  if (self->remotes)
    g_hash_table_remove_all (self->remotes);
  if (self->participants)
    g_list_store_remove_all (self->participants);
  if (self->media)
    {
      g_signal_handlers_disconnect_by_data (self->media, self);
      zero_media_source_stop (self->media);
      g_clear_object (&self->media);
    }
  g_clear_object (&self->self_participant);
  g_clear_object (&self->config);
  /* A process that exits while that thread still runs crashes in OpenSSL's exit handlers. */
  zero_peer_prewarm_wait ();

  G_OBJECT_CLASS (zero_session_manager_parent_class)->dispose (object);
}

static void
zero_session_manager_finalize (GObject *object)
{
  ZeroSessionManager *self = ZERO_SESSION_MANAGER (object);

  g_clear_object (&self->participants);
  g_clear_pointer (&self->remotes, g_hash_table_unref);
  g_main_context_unref (self->context);
  if (self->camera_fd >= 0)
    close (self->camera_fd);
  g_free (self->video_caps);
  g_free (self->session_id);
  g_free (self->server);
  g_free (self->url);
  g_free (self->name);
  g_free (self->password);
  g_free (self->token);

  G_OBJECT_CLASS (zero_session_manager_parent_class)->finalize (object);
}

static void
zero_session_manager_class_init (ZeroSessionManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = zero_session_manager_get_property;
  object_class->set_property = zero_session_manager_set_property;
  object_class->constructed = zero_session_manager_constructed;
  object_class->dispose = zero_session_manager_dispose;
  object_class->finalize = zero_session_manager_finalize;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, ZERO_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, ZERO_TYPE_SESSION_STATE,
                                              ZERO_SESSION_STATE_IDLE, ro);
  properties[PROP_SESSION_ID] = g_param_spec_string ("session-id", NULL, NULL, NULL, ro);
  properties[PROP_SELF] = g_param_spec_object ("self", NULL, NULL, ZERO_TYPE_PARTICIPANT, ro);
  properties[PROP_ECHO] = g_param_spec_boolean ("echo", NULL, NULL, FALSE, rw);
  properties[PROP_VIDEO_CAPS] =
    g_param_spec_string ("video-caps", NULL, NULL, "video/x-raw", rw | G_PARAM_CONSTRUCT);
  properties[PROP_DECODE_VIDEO] =
    g_param_spec_boolean ("decode-video", NULL, NULL, TRUE, rw | G_PARAM_CONSTRUCT);
  properties[PROP_FRAME_STAMP] = g_param_spec_boolean ("frame-stamp", NULL, NULL, FALSE, rw);
  properties[PROP_STATS_INTERVAL] =
    g_param_spec_uint ("stats-interval", NULL, NULL, 0, 60000, 1000, rw | G_PARAM_CONSTRUCT);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PARTICIPANT_ADDED] =
    g_signal_new ("participant-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, ZERO_TYPE_PARTICIPANT);
  signals[SIGNAL_PARTICIPANT_REMOVED] =
    g_signal_new ("participant-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, ZERO_TYPE_PARTICIPANT, G_TYPE_STRING);
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, ZERO_TYPE_SESSION_STATE);
  signals[SIGNAL_CHAT_RECEIVED] =
    g_signal_new ("chat-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, ZERO_TYPE_PARTICIPANT, G_TYPE_STRING, G_TYPE_INT64,
                  G_TYPE_STRING);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
zero_session_manager_init (ZeroSessionManager *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->participants = g_list_store_new (ZERO_TYPE_PARTICIPANT);
  self->remotes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->video_enabled = TRUE;
  self->role = ZERO_ROLE_PARTICIPANT;
  self->camera_fd = -1;
}

/* --- public API ---------------------------------------------------------- */

gboolean
zero_session_parse_reference (const char *text,
                              char      **uuid,
                              char      **server,
                              GError    **error)
{
  g_autoptr (ZeroSessionLink) link = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  link = zero_session_link_parse (text, error);
  if (link == NULL)
    return FALSE;
  if (uuid)
    *uuid = g_strdup (link->session);
  if (server)
    *server = link->host ? zero_session_link_dup_server (link, NULL) : NULL;
  return TRUE;
}

char *
zero_session_make_link (const char *server_address,
                        const char *uuid)
{
  g_return_val_if_fail (server_address != NULL && uuid != NULL, NULL);
  return zero_session_link_build (server_address, uuid, NULL);
}

char *
zero_session_new_id (void)
{
  return zero_uuid_generate ();
}

ZeroSessionManager *
zero_session_manager_new (ZeroConfig *config)
{
  g_return_val_if_fail (config == NULL || ZERO_IS_CONFIG (config), NULL);
  return g_object_new (ZERO_TYPE_SESSION_MANAGER, "config", config, NULL);
}

const char *
zero_session_manager_get_session_id (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);
  return self->session_id;
}

const char *
zero_session_manager_get_peer_id (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);
  return zero_participant_get_peer_id (self->self_participant);
}

const char *
zero_session_manager_get_server (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);
  return self->server;
}

ZeroSessionState
zero_session_manager_get_state (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), ZERO_SESSION_STATE_IDLE);
  return self->state;
}

GListModel *
zero_session_manager_get_participants (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);
  return G_LIST_MODEL (self->participants);
}

ZeroParticipant *
zero_session_manager_get_self (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);
  return self->self_participant;
}

ZeroParticipant *
zero_session_manager_get_participant (ZeroSessionManager *self,
                                      const char         *peer_id)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);

  if (peer_id && g_strcmp0 (peer_id, zero_participant_get_peer_id (self->self_participant)) == 0)
    return self->self_participant;
  return find_participant (self, peer_id);
}

gint64
zero_session_manager_get_join_time (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), 0);
  return self->join_time_us;
}

void
zero_session_manager_set_audio_muted (ZeroSessionManager *self,
                                      gboolean            muted)
{
  g_return_if_fail (ZERO_IS_SESSION_MANAGER (self));

  self->audio_muted = !!muted;
  if (self->media)
    zero_media_source_set_audio_muted (self->media, self->audio_muted);
  update_local_state (self);
}

void
zero_session_manager_set_video_enabled (ZeroSessionManager *self,
                                        gboolean            enabled)
{
  g_return_if_fail (ZERO_IS_SESSION_MANAGER (self));

  self->video_enabled = !!enabled;
  if (self->media)
    zero_media_source_set_video_paused (self->media, !self->video_enabled);
  update_local_state (self);
}

void
zero_session_manager_set_hand_raised (ZeroSessionManager *self,
                                      gboolean            raised)
{
  g_return_if_fail (ZERO_IS_SESSION_MANAGER (self));

  self->hand_raised = !!raised;
  update_local_state (self);
}

static gboolean
screen_share_started (ZeroSessionManager *self,
                      gboolean            ok,
                      GError             *local,
                      GError            **error)
{
  if (!ok)
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_MEDIA,
                   _("Could not share the screen: %s"), local ? local->message : "?");
      return FALSE;
    }
  self->screen_on = TRUE;
  if (self->peers)
    zero_peer_manager_add_screen (self->peers);
  update_local_state (self);
  return TRUE;
}

static gboolean
check_can_share (ZeroSessionManager *self,
                 GError            **error)
{
  if (!zero_session_manager_start_media (self, error))
    return FALSE;
  if (self->screen_on)
    {
      g_set_error_literal (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE,
                           _("The screen is already shared"));
      return FALSE;
    }
  if (self->role == ZERO_ROLE_VIEWER || self->echo)
    {
      g_set_error_literal (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE,
                           _("A viewer cannot share the screen"));
      return FALSE;
    }
  if (self->sfu)
    {
      g_set_error_literal (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE,
                           _("Screen sharing is not available on the conference server"));
      return FALSE;
    }
  return TRUE;
}

gboolean
zero_session_manager_start_screen_share (ZeroSessionManager *self,
                                         int                 pw_fd,
                                         guint32             node_id,
                                         GError            **error)
{
  g_autoptr (GError) local = NULL;
  gboolean ok;

  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_can_share (self, error))
    {
      if (pw_fd >= 0)
        close (pw_fd);
      return FALSE;
    }
  ok = zero_media_source_add_screen (self->media, pw_fd, node_id, &local);
  return screen_share_started (self, ok, local, error);
}

gboolean
zero_session_manager_start_screen_share_target (ZeroSessionManager *self,
                                                const char         *target,
                                                GError            **error)
{
  g_autoptr (GError) local = NULL;
  gboolean ok;

  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_can_share (self, error))
    return FALSE;
  ok = zero_media_source_add_screen_target (self->media, target, &local);
  return screen_share_started (self, ok, local, error);
}

void
zero_session_manager_stop_screen_share (ZeroSessionManager *self)
{
  g_return_if_fail (ZERO_IS_SESSION_MANAGER (self));

  if (!self->screen_on)
    return;
  self->screen_on = FALSE;
  if (self->peers)
    zero_peer_manager_remove_screen (self->peers);
  else if (self->media)
    zero_media_source_remove_screen (self->media);
  update_local_state (self);
}

static gboolean
check_chat (ZeroSessionManager *self,
            const char         *text,
            GError            **error)
{
  if (!zero_data_check_chat_text (text, NULL))
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ARGUMENT,
                   _("Chat messages must be 1 to %d characters long"),
                   ZERO_DATA_CHAT_MAX_CHARS);
      return FALSE;
    }
  if ((self->peers == NULL && self->sfu == NULL) || self->state != ZERO_SESSION_STATE_JOINED)
    {
      g_set_error_literal (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE,
                           _("Not in a session"));
      return FALSE;
    }
  return TRUE;
}

gboolean
zero_session_manager_send_chat (ZeroSessionManager *self,
                                const char         *text,
                                GError            **error)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_chat (self, text, error))
    return FALSE;
  if (self->sfu)
    return zero_session_sfu_send_chat (self->sfu, NULL, text, error);
  zero_peer_manager_send_chat (self->peers, text, NULL, NULL, NULL);
  return TRUE;
}

gboolean
zero_session_manager_send_chat_to (ZeroSessionManager *self,
                                   ZeroParticipant    *participant,
                                   const char         *text,
                                   GError            **error)
{
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (ZERO_IS_PARTICIPANT (participant), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_chat (self, text, error))
    return FALSE;
  if (self->sfu ? !zero_session_sfu_send_chat (self->sfu,
                                               zero_participant_get_peer_id (participant), text,
                                               &local)
                : !zero_peer_manager_send_chat_to (self->peers,
                                                   zero_participant_get_peer_id (participant),
                                                   text, &local))
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE,
                   _("Could not send the message to %s: %s"),
                   zero_participant_get_name (participant), local->message);
      return FALSE;
    }
  return TRUE;
}

void
zero_session_manager_request_async (ZeroSessionManager *self,
                                    ZeroParticipant    *participant,
                                    const char         *method,
                                    const char         *path,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (ZERO_IS_SESSION_MANAGER (self));
  g_return_if_fail (ZERO_IS_PARTICIPANT (participant));
  g_return_if_fail (method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_session_manager_request_async);
  if (self->sfu)
    {
      zero_session_sfu_request_async (self->sfu, zero_participant_get_peer_id (participant),
                                      method, path, cancellable, zero_dc_task_pass_on,
                                      g_steal_pointer (&task));
      return;
    }
  if (self->peers == NULL)
    {
      g_task_return_new_error (task, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE,
                               _("Not in a session"));
      return;
    }
  zero_peer_manager_request_async (self->peers, zero_participant_get_peer_id (participant),
                                   method, path, NULL, cancellable, zero_dc_task_pass_on,
                                   g_steal_pointer (&task));
}

JsonNode *
zero_session_manager_request_finish (ZeroSessionManager *self,
                                     GAsyncResult       *result,
                                     int                *status,
                                     GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return zero_dc_task_propagate_response (G_TASK (result), status, error);
}

ZeroPeerManager *
_zero_session_manager_get_peer_manager (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);
  return self->peers;
}

ZeroSessionSfu *
_zero_session_manager_get_sfu (ZeroSessionManager *self)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), NULL);
  return self->sfu;
}

gboolean
zero_session_manager_get_upload (ZeroSessionManager *self,
                                 ZeroSessionUpload  *out)
{
  g_return_val_if_fail (ZERO_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (self->sfu)
    {
      out->mode = "sfu";
      out->room = zero_session_sfu_get_room (self->sfu);
      zero_session_sfu_add_upload (self->sfu, out);
      return TRUE;
    }
  if (self->peers == NULL)
    return FALSE;
  out->mode = "mesh";
  {
    g_autoptr (GPtrArray) ids = zero_peer_manager_list_peers (self->peers);

    for (guint i = 0; i < ids->len; i++)
      {
        ZeroPeer *peer = zero_peer_manager_get_peer (self->peers, g_ptr_array_index (ids, i));
        g_autoptr (ZeroPeerStats) stats = peer ? zero_peer_get_stats (peer) : NULL;

        if (peer)
          zero_session_upload_add (out, stats);
      }
  }
  return TRUE;
}

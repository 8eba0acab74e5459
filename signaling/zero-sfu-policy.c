/* zero-sfu-policy.c: moving sessions to the SFU (see zero-sfu-policy.h). */
#include "signaling/zero-sfu-policy.h"

#include <string.h>

#include "signaling/zero-janus-admin.h"
#include "signaling/zero-signaling-server-private.h"
#include "signaling/zero-uuid.h"

/* A failed room creation is retried at the next join, but not sooner than this. */
#define RETRY_AFTER_US (5 * G_USEC_PER_SEC)

static void
derive (const char *sfu_secret, const char *purpose, const char *session, guint8 out[32])
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) sfu_secret,
                                       strlen (sfu_secret));
  gsize len = 32;

  g_hmac_update (hmac, (const guchar *) purpose, -1);
  g_hmac_update (hmac, (const guchar *) ":", 1);
  g_hmac_update (hmac, (const guchar *) session, -1);
  g_hmac_get_digest (hmac, out, &len);
}

static char *
derive_token (const char *sfu_secret, const char *purpose, const char *session)
{
  guint8 digest[32];
  g_autofree char *b64 = NULL;

  derive (sfu_secret, purpose, session, digest);
  b64 = g_base64_encode (digest, 18); /* 24 characters, no padding */
  for (char *c = b64; *c; c++)
    if (*c == '+')
      *c = '-';
    else if (*c == '/')
      *c = '_';
  return g_steal_pointer (&b64);
}

guint64
zero_sfu_room_id (const char *sfu_secret, const char *session)
{
  guint8 digest[32];
  guint64 id = 0;

  g_return_val_if_fail (sfu_secret != NULL && session != NULL, 0);

  derive (sfu_secret, "zero-room", session, digest);
  for (int i = 0; i < 8; i++)
    id = (id << 8) | digest[i];
  id &= (G_GUINT64_CONSTANT (1) << 53) - 1;
  return id ? id : 1;
}

char *
zero_sfu_room_pin (const char *sfu_secret, const char *session)
{
  g_return_val_if_fail (sfu_secret != NULL && session != NULL, NULL);
  return derive_token (sfu_secret, "zero-pin", session);
}

char *
zero_sfu_room_secret (const char *sfu_secret, const char *session)
{
  g_return_val_if_fail (sfu_secret != NULL && session != NULL, NULL);
  return derive_token (sfu_secret, "zero-secret", session);
}

/* --- the server's side (zero-signaling-server-private.h) ------------------- */

gboolean
_zero_server_sfu_enabled (ZeroSignalingServer *self)
{
  return self->sfu_url != NULL;
}

const char *
_zero_server_sfu_key (ZeroSignalingServer *self)
{
  if (self->sfu_secret == NULL)
    {
      guint8 key[32];

      /* No sfu-secret: rooms are only stable for this run of the server. */
      zero_random_bytes (key, sizeof key);
      self->sfu_secret = g_base64_encode (key, sizeof key);
      g_message ("no sfu-secret configured: using a random one (room pins change when the "
                 "server restarts)");
    }
  return self->sfu_secret;
}

static void on_admin_lost (ZeroJanusAdmin *admin, GError *error, ZeroSignalingServer *self);

static ZeroJanusAdmin *
get_admin (ZeroSignalingServer *self, GError **error)
{
  if (self->janus_admin == NULL)
    {
      self->janus_admin = zero_janus_admin_new (self->sfu_url, self->sfu_admin_key, error);
      if (self->janus_admin)
        {
          zero_janus_admin_set_timeout (self->janus_admin, self->sfu_timeout_ms);
          g_signal_connect_object (self->janus_admin, "connection-lost",
                                   G_CALLBACK (on_admin_lost), self, 0);
        }
    }
  return self->janus_admin;
}

/* --- rooms again after Janus restarts --------------------------------------- */

/* Janus keeps rooms in memory only: when it restarts, the rooms of sessions on the SFU are
 * gone, and their members' clients retry "no such room" until the room is back. The server
 * makes them again, retrying with a backoff (1 s doubling to 30 s) while Janus is away. */

typedef struct
{
  GWeakRef server;
  guint pending;
  gboolean failed;
} Recreate;

static void schedule_recreate (ZeroSignalingServer *self, guint delay_ms);

static void
on_room_recreated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Recreate *r = user_data;
  g_autoptr (GError) error = NULL;

  if (!zero_janus_admin_ensure_room_finish (ZERO_JANUS_ADMIN (source), result, &error))
    {
      g_debug ("re-making an SFU room: %s", error->message);
      r->failed = TRUE;
    }
  if (--r->pending == 0)
    {
      g_autoptr (ZeroSignalingServer) self = g_weak_ref_get (&r->server);

      if (self && r->failed)
        schedule_recreate (self, MIN (MAX (self->sfu_recreate_delay_ms * 2, 1000), 30000));
      else if (self)
        self->sfu_recreate_delay_ms = 0;
      g_weak_ref_clear (&r->server);
      g_free (r);
    }
}

static gboolean
on_recreate (gpointer user_data)
{
  ZeroSignalingServer *self = user_data;
  g_autoptr (GError) error = NULL;
  ZeroJanusAdmin *admin;
  GHashTableIter iter;
  gpointer value;
  Recreate *r;

  g_clear_pointer (&self->sfu_recreate_source, g_source_unref);
  admin = _zero_server_sfu_enabled (self) ? get_admin (self, &error) : NULL;
  if (admin == NULL)
    return G_SOURCE_REMOVE;
  r = g_new0 (Recreate, 1);
  g_weak_ref_init (&r->server, self);
  r->pending = 1; /* held while submitting */
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ZeroSession *session = value;
      g_autofree char *description = NULL;
      ZeroJanusRoomSpec spec = { 0 };

      if (session->sfu_state != ZERO_SESSION_SFU)
        continue;
      description = g_strdup_printf ("Zero session %.8s", session->id);
      spec.room = session->sfu_room;
      spec.secret = session->sfu_room_secret;
      spec.pin = session->sfu_pin;
      spec.publishers = self->max_peers;
      spec.description = description;
      r->pending++;
      zero_janus_admin_ensure_room_async (admin, &spec, NULL, on_room_recreated, r);
    }
  if (--r->pending == 0)
    {
      self->sfu_recreate_delay_ms = 0;
      g_weak_ref_clear (&r->server);
      g_free (r);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_recreate (ZeroSignalingServer *self, guint delay_ms)
{
  if (self->sfu_recreate_source || self->shut_down)
    return;
  self->sfu_recreate_delay_ms = delay_ms;
  self->sfu_recreate_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->sfu_recreate_source, on_recreate, self, NULL);
  g_source_attach (self->sfu_recreate_source, self->context);
}

static void
on_admin_lost (ZeroJanusAdmin *admin, GError *error, ZeroSignalingServer *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((ZeroSession *) value)->sfu_state == ZERO_SESSION_SFU)
      {
        g_message ("lost Janus (%s): making the SFU rooms again once it is back",
                   error->message);
        schedule_recreate (self, 1000);
        return;
      }
}

void
_zero_server_sfu_dispose (ZeroSignalingServer *self)
{
  if (self->sfu_recreate_source)
    {
      g_source_destroy (self->sfu_recreate_source);
      g_clear_pointer (&self->sfu_recreate_source, g_source_unref);
    }
  if (self->janus_admin)
    {
      g_signal_handlers_disconnect_by_data (self->janus_admin, self);
      zero_janus_admin_close (self->janus_admin);
      g_clear_object (&self->janus_admin);
    }
}

gboolean
_zero_session_get_sfu (ZeroSignalingServer *self, ZeroSession *session, ZeroMessageSfu *out)
{
  if (session->sfu_state != ZERO_SESSION_SFU)
    return FALSE;
  out->url = self->sfu_client_url ? self->sfu_client_url : self->sfu_url;
  out->room = session->sfu_room;
  out->pin = session->sfu_pin;
  return TRUE;
}

void
_zero_session_sfu_clear (ZeroSession *session)
{
  g_clear_pointer (&session->sfu_pin, g_free);
  g_clear_pointer (&session->sfu_room_secret, g_free);
  session->sfu_state = ZERO_SESSION_MESH;
}

typedef struct
{
  GWeakRef server;
  char session[37];
  guint64 room;
  char *room_secret;
} MoveData;

static void
move_data_free (MoveData *data)
{
  g_weak_ref_clear (&data->server);
  g_free (data->room_secret);
  g_free (data);
}

static void
announce (ZeroSignalingServer *self, ZeroSession *session)
{
  g_autoptr (GString) out = g_string_sized_new (192);
  ZeroMessageSfu sfu;
  const guint8 *frame;
  gsize len;

  _zero_session_get_sfu (self, session, &sfu);
  _zero_frame_begin (out);
  zero_message_append_sfu (out, &sfu);
  frame = _zero_frame_finish (out, &len);
  _zero_server_enter (self);
  for (ZeroConn *m = session->members; m; m = m->s_next)
    _zero_conn_send_frame (m, frame, len);
  self->metrics.messages_relayed += session->n_members;
  _zero_server_leave (self);
}

static void
on_room_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MoveData *data = user_data;
  g_autoptr (ZeroSignalingServer) self = g_weak_ref_get (&data->server);
  g_autoptr (GError) error = NULL;
  gboolean ok = zero_janus_admin_ensure_room_finish (ZERO_JANUS_ADMIN (source), result, &error);
  ZeroSession *session;

  if (self == NULL)
    {
      move_data_free (data);
      return;
    }
  session = g_hash_table_lookup (self->sessions, data->session);
  if (session == NULL || session->sfu_state != ZERO_SESSION_MOVING ||
      session->sfu_room != data->room)
    {
      /* The session ended (or was made anew) meanwhile: the room is nobody's. */
      if (ok)
        zero_janus_admin_destroy_room (ZERO_JANUS_ADMIN (source), data->room,
                                       data->room_secret);
      move_data_free (data);
      return;
    }
  if (!ok)
    {
      g_warning ("session %s stays peer-to-peer: %s", data->session, error->message);
      self->metrics.sfu_failures++;
      session->sfu_state = ZERO_SESSION_MESH;
      session->sfu_failed_us = g_get_monotonic_time ();
      move_data_free (data);
      return;
    }
  g_message ("session %s (%u members) moves to the SFU, room %" G_GUINT64_FORMAT, data->session,
             session->n_members, data->room);
  session->sfu_state = ZERO_SESSION_SFU;
  self->metrics.sfu_moves++;
  announce (self, session);
  move_data_free (data);
}

void
_zero_server_sfu_after_join (ZeroSignalingServer *self, ZeroSession *session)
{
  g_autoptr (GError) error = NULL;
  ZeroJanusAdmin *admin;
  ZeroJanusRoomSpec spec = { 0 };
  MoveData *data;
  const char *key;
  g_autofree char *description = NULL;

  if (!_zero_server_sfu_enabled (self) || session->sfu_state != ZERO_SESSION_MESH ||
      session->n_members <= self->mesh_limit)
    return;
  if (session->sfu_failed_us &&
      g_get_monotonic_time () - session->sfu_failed_us < RETRY_AFTER_US)
    return;
  admin = get_admin (self, &error);
  if (admin == NULL)
    {
      g_warning ("cannot use the SFU: %s", error->message);
      return;
    }

  key = _zero_server_sfu_key (self);
  g_free (session->sfu_pin);
  g_free (session->sfu_room_secret);
  session->sfu_room = zero_sfu_room_id (key, session->id);
  session->sfu_pin = zero_sfu_room_pin (key, session->id);
  session->sfu_room_secret = zero_sfu_room_secret (key, session->id);
  session->sfu_state = ZERO_SESSION_MOVING;

  data = g_new0 (MoveData, 1);
  g_weak_ref_init (&data->server, self);
  memcpy (data->session, session->id, sizeof data->session);
  data->room = session->sfu_room;
  data->room_secret = g_strdup (session->sfu_room_secret);

  description = g_strdup_printf ("Zero session %.8s", session->id);
  spec.room = session->sfu_room;
  spec.secret = session->sfu_room_secret;
  spec.pin = session->sfu_pin;
  spec.publishers = self->max_peers;
  spec.description = description;
  g_debug ("session %s has %u members (mesh limit %u): creating room %" G_GUINT64_FORMAT,
           session->id, session->n_members, self->mesh_limit, spec.room);
  zero_janus_admin_ensure_room_async (admin, &spec, NULL, on_room_ready, data);
}

void
_zero_server_sfu_session_gone (ZeroSignalingServer *self, ZeroSession *session)
{
  /* MOVING: on_room_ready destroys the room when it comes. */
  if (session->sfu_state == ZERO_SESSION_SFU && self->janus_admin)
    zero_janus_admin_destroy_room (self->janus_admin, session->sfu_room,
                                   session->sfu_room_secret);
  _zero_session_sfu_clear (session);
}

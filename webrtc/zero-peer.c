/* zero-peer.c: one WebRTC connection (one webrtcbin) to one remote peer: lifecycle,
 * signaling (PROTOCOL.md sections 3 and 5), connection state, ICE restarts, DTLS
 * fingerprint verification and the `zero` data channel. Media is in zero-peer-media.c,
 * statistics in zero-peer-stats.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-peer-private.h"

#include <nice/agent.h>
/* RSA_METHOD is deprecated in OpenSSL 3 but still the only hook into the legacy
 * RSA_generate_key_ex() that GStreamer's DTLS plugin calls (zero_peer_prewarm()). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rsa.h>
#include <string.h>

#include "webrtc/zero-dtls-cert.h"
#include "webrtc/zero-ice-config.h"
#include "webrtc/zero-peer-bin.h"
#include "webrtc/zero-peer-sdp.h"

GST_DEBUG_CATEGORY (zero_peer_debug);
#define GST_CAT_DEFAULT zero_peer_debug

G_DEFINE_QUARK (zero-webrtc-error-quark, zero_webrtc_error)

enum {
  SIGNAL_SIGNAL_OUT,
  SIGNAL_STATE_CHANGED,
  SIGNAL_DATA_OPEN,
  SIGNAL_DATA_MESSAGE,
  SIGNAL_VIDEO_SAMPLE,
  SIGNAL_FIRST_FRAME,
  SIGNAL_STATS,
  SIGNAL_FEEDBACK,
  SIGNAL_SEND_PAD_RELEASED,
  SIGNAL_NEGOTIATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ZeroPeer, zero_peer, G_TYPE_OBJECT)

static void set_state (ZeroPeer *self, ZeroPeerState state);
static void create_offer (ZeroPeer *self);
static void open_data_channel (ZeroPeer *self);
static void schedule_restart_check (ZeroPeer *self,
                                    gboolean  broken);

const char *
zero_peer_state_to_string (ZeroPeerState state)
{
  switch (state)
    {
    case ZERO_PEER_STATE_NEW:
      return "new";
    case ZERO_PEER_STATE_CONNECTING:
      return "connecting";
    case ZERO_PEER_STATE_CONNECTED:
      return "connected";
    case ZERO_PEER_STATE_FAILED:
      return "failed";
    case ZERO_PEER_STATE_CLOSED:
      return "closed";
    default:
      return "unknown";
    }
}

void
zero_peer_options_init (ZeroPeerOptions *opts)
{
  g_return_if_fail (opts != NULL);

  memset (opts, 0, sizeof *opts);
  opts->loopback_candidates = ZERO_PEER_LOOPBACK_AUTO;
  opts->jitter_buffer_ms = 150;
  opts->ice_restart_attempts = 3;
  opts->connect_timeout_s = 15;
  opts->media_timeout_s = 8;
  opts->send_audio = TRUE;
  opts->send_video = TRUE;
  opts->video_caps = "video/x-raw";
  opts->decode_video = TRUE;
}

/* The first dtlsdec of a process makes the DTLS plugin's fallback certificate, RSA-2048, which
 * Zero never uses (each of our dtlsdecs gets our EC certificate through `pem`), yet a joiner's
 * first answer waits for it: 0.1-0.7 s of prime search on the join's critical path. While that
 * one key is made, the process's default RSA method makes it with 3 primes (RFC 8017; same
 * modulus size, so OpenSSL's security level takes it), which takes about a quarter of the time. */
static const RSA_METHOD *builtin_rsa_method;

static int
on_fallback_rsa_keygen (RSA    *rsa,
                        int     bits,
                        BIGNUM *e,
                        BN_GENCB *cb)
{
  RSA_set_method (rsa, builtin_rsa_method);
  return RSA_generate_multi_prime_key (rsa, bits, 3, e, cb);
}

static gpointer
make_dtls_fallback_thread (gpointer data)
{
  gint64 start = g_get_monotonic_time ();
  GstElement *dec = gst_element_factory_make ("dtlsdec", NULL);

  if (dec != NULL)
    gst_object_unref (gst_object_ref_sink (dec));
  RSA_set_default_method (builtin_rsa_method);
  g_debug ("DTLS fallback key made in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  return NULL;
}

static GMutex fallback_lock;
static GThread *fallback_thread;  /* until joined */

void
zero_peer_prewarm (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      static RSA_METHOD *fallback_method;

      if (!gst_is_initialized ())
        gst_init (NULL, NULL);
      builtin_rsa_method = RSA_get_default_method ();
      fallback_method = RSA_meth_dup (builtin_rsa_method);
      if (fallback_method != NULL &&
          RSA_meth_set_keygen (fallback_method, on_fallback_rsa_keygen) == 1)
        {
          RSA_set_default_method (fallback_method);
          g_mutex_lock (&fallback_lock);
          fallback_thread = g_thread_new ("zero-dtls-fallback", make_dtls_fallback_thread, NULL);
          g_mutex_unlock (&fallback_lock);
        }
      g_once_init_leave (&once, 1);
    }
  zero_dtls_cert_prewarm ();
}

void
zero_peer_prewarm_wait (void)
{
  g_mutex_lock (&fallback_lock);
  if (fallback_thread)
    g_thread_join (g_steal_pointer (&fallback_thread));
  g_mutex_unlock (&fallback_lock);
  zero_dtls_cert_prewarm_wait ();
}

/* ---------------------------------------------------------------------------------- */
/* Main-context plumbing                                                               */

static gboolean
post_dispatch (gpointer user_data)
{
  ZeroPeerPost *post = user_data;

  if (!post->self->closed)
    post->func (post);
  return G_SOURCE_REMOVE;
}

static void
post_free (gpointer user_data)
{
  ZeroPeerPost *post = user_data;

  if (post->destroy && post->data)
    post->destroy (post->data);
  g_object_unref (post->self);
  g_free (post);
}

/* Runs @func (receiving the ZeroPeerPost, whose ->data is @data) on the peer's main context,
 * always deferred, never after close. Any thread. */
void
_zero_peer_post (ZeroPeer      *self,
                 GSourceFunc    func,
                 gpointer       data,
                 GDestroyNotify destroy)
{
  ZeroPeerPost *post = g_new0 (ZeroPeerPost, 1);
  GSource *source = g_idle_source_new ();

  post->self = g_object_ref (self);
  post->func = func;
  post->data = data;
  post->destroy = destroy;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, post_dispatch, post, post_free);
  g_source_set_static_name (source, "zero-peer-post");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

guint
_zero_peer_timeout_add (ZeroPeer   *self,
                        guint       ms,
                        GSourceFunc func)
{
  GSource *source = ms % 1000 == 0 ? g_timeout_source_new_seconds (ms / 1000)
                                   : g_timeout_source_new (ms);
  guint id;

  g_source_set_callback (source, func, self, NULL);
  g_source_set_static_name (source, "zero-peer-timeout");
  id = g_source_attach (source, self->context);
  g_source_unref (source);
  return id;
}

void
_zero_peer_timeout_clear (ZeroPeer *self,
                          guint    *id)
{
  if (*id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, *id);

      if (source)
        g_source_destroy (source);
      *id = 0;
    }
}

gint64
_zero_peer_now (ZeroPeer *self)
{
  return g_get_monotonic_time () - self->created_us;
}

static void
log_phase (ZeroPeer   *self,
           const char *phase,
           gint64     *slot)
{
  gint64 now = _zero_peer_now (self);

  if (slot != NULL)
    {
      if (*slot != 0)
        return;
      *slot = now;
    }
  g_debug ("peer %s: %-22s at %7.1f ms", self->remote_id, phase, now / 1000.0);
}

static void
send_signal (ZeroPeer   *self,
             JsonObject *msg)
{
  g_signal_emit (self, signals[SIGNAL_SIGNAL_OUT], 0, msg);
}

/* ---------------------------------------------------------------------------------- */
/* Failure and state                                                                   */

static gboolean
on_close_idle (gpointer user_data)
{
  ZeroPeerPost *post = user_data;

  zero_peer_close (post->self);
  return G_SOURCE_REMOVE;
}

/* Takes @error. The peer becomes FAILED, then CLOSED on the next iteration. */
void
_zero_peer_fail (ZeroPeer *self,
                 GError   *error)
{
  if (self->closed || self->state == ZERO_PEER_STATE_FAILED)
    {
      g_error_free (error);
      return;
    }
  g_debug ("peer %s: failed: %s", self->remote_id, error->message);
  g_clear_error (&self->error);
  self->error = error;
  /* Stop anything from reaching the application or the remote from now on. */
  g_atomic_int_set (&self->verified, 0);
  set_state (self, ZERO_PEER_STATE_FAILED);
  _zero_peer_post (self, on_close_idle, NULL, NULL);
}

static void
set_state (ZeroPeer     *self,
           ZeroPeerState state)
{
  if (self->state == state)
    return;
  g_debug ("peer %s: state %s -> %s at %.1f ms", self->remote_id,
           zero_peer_state_to_string (self->state), zero_peer_state_to_string (state),
           _zero_peer_now (self) / 1000.0);
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (int) state);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  ZeroPeer *self = user_data;

  self->connect_timeout_id = 0;
  _zero_peer_fail (self, g_error_new (ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_CONNECTION,
                                      "Could not connect to %s within %u s",
                                      self->remote_id, self->opts.connect_timeout_s));
  return G_SOURCE_REMOVE;
}

static void
arm_connect_timeout (ZeroPeer *self)
{
  if (self->connect_timeout_id == 0 && self->opts.connect_timeout_s > 0)
    self->connect_timeout_id =
      _zero_peer_timeout_add (self, self->opts.connect_timeout_s * 1000, on_connect_timeout);
}

/* ---------------------------------------------------------------------------------- */
/* DTLS certificate and fingerprint verification                                       */

/* Checks @pem against the remote SDP's fingerprints. Any thread. Returns TRUE when every
 * fingerprint with a hash we support matches (and at least one is supported). */
static gboolean
verify_remote_pem (ZeroPeer   *self,
                   const char *pem,
                   GError    **error)
{
  g_auto (GStrv) fingerprints = NULL;
  guint checked = 0;

  g_mutex_lock (&self->lock);
  fingerprints = g_strdupv (self->remote_fingerprints);
  g_mutex_unlock (&self->lock);

  if (fingerprints == NULL || fingerprints[0] == NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH,
                   "DTLS fingerprint mismatch: no remote fingerprint to check against");
      return FALSE;
    }
  for (guint i = 0; fingerprints[i]; i++)
    {
      g_auto (GStrv) parts = g_strsplit (fingerprints[i], " ", 2);
      g_autoptr (GError) local = NULL;
      g_autofree char *actual = zero_dtls_fingerprint_from_pem (pem, parts[0], &local);

      if (actual == NULL)
        {
          if (g_error_matches (local, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP))
            continue; /* a hash we do not know: another line may do */
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH,
                       "DTLS fingerprint mismatch: %s", local->message);
          return FALSE;
        }
      if (!zero_dtls_fingerprint_equal (actual, parts[1]))
        {
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH,
                       "DTLS fingerprint mismatch: the remote certificate's %s is %s, "
                       "the SDP says %s", parts[0], actual, parts[1]);
          return FALSE;
        }
      checked++;
    }
  if (checked == 0)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH,
                   "DTLS fingerprint mismatch: no supported hash function in the SDP");
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_verification_failed (gpointer user_data)
{
  ZeroPeerPost *post = user_data;

  _zero_peer_fail (post->self, g_steal_pointer ((GError **) &post->data));
  return G_SOURCE_REMOVE;
}

static gboolean
on_verified_main (gpointer user_data);

/* The DTLS decoder learnt the remote certificate: this runs on its streaming thread in
 * the middle of the handshake, before any SRTP key or SCTP byte exists, so nothing can
 * get through before the verdict. */
static void
on_peer_pem (GObject    *dec,
             GParamSpec *pspec,
             ZeroPeer   *self)
{
  g_autofree char *pem = NULL;
  GError *error = NULL;

  g_object_get (dec, "peer-pem", &pem, NULL);
  /* Notified more than once per handshake; one verdict is enough. */
  if (pem == NULL || g_atomic_int_get (&self->verified) ||
      g_atomic_int_get (&self->fingerprint_failed))
    return;
  if (verify_remote_pem (self, pem, &error))
    {
      g_atomic_int_set (&self->verified, 1);
      /* The handshake ends in a round trip: ask our encoders for a keyframe now, so the
       * first frame is encoded as the SRTP keys arrive (not a GOP later). */
      _zero_peer_send_keyframe (self);
      _zero_peer_post (self, on_verified_main, NULL, NULL);
    }
  else
    {
      g_atomic_int_set (&self->verified, 0);
      g_atomic_int_set (&self->fingerprint_failed, 1);
      _zero_peer_post (self, on_verification_failed, error, (GDestroyNotify) g_error_free);
    }
}

static GstPadProbeReturn
on_nicesrc_buffer (GstPad          *pad,
                   GstPadProbeInfo *info,
                   gpointer         user_data)
{
  ZeroPeer *self = user_data;

  zero_atomic_set64 (&self->last_rx_us, g_get_monotonic_time ());
  return GST_PAD_PROBE_OK;
}

static void
hook_transport_elements (ZeroPeer *self,
                         GstBin   *transport_bin)
{
  GstIterator *it = gst_bin_iterate_recurse (transport_bin);
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);
      const char *name = factory ? GST_OBJECT_NAME (factory) : "";

      if (g_strcmp0 (name, "dtlssrtpdec") == 0)
        {
          const char *pem = zero_dtls_cert_get_pem (NULL);

          /* Our P-256 certificate, before webrtcbin reads it for a=fingerprint. */
          if (pem)
            g_object_set (element, "pem", pem, NULL);

          g_signal_connect (element, "notify::peer-pem", G_CALLBACK (on_peer_pem), self);
          g_mutex_lock (&self->lock);
          if (self->dtls_dec == NULL)
            self->dtls_dec = gst_object_ref (element);
          g_mutex_unlock (&self->lock);
        }
      else if (g_strcmp0 (name, "nicesrc") == 0)
        {
          g_autoptr (GstPad) src = gst_element_get_static_pad (element, "src");

          if (src)
            gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                               on_nicesrc_buffer, self, NULL);
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  gst_iterator_free (it);
}

/* webrtcbin adds a transport's send and receive bins when it creates the transport,
 * in the middle of create-offer or set-remote-description (its own thread). */
static void
on_webrtc_element_added (GstBin     *webrtc,
                         GstElement *element,
                         ZeroPeer   *self)
{
  if (GST_IS_BIN (element) &&
      g_str_has_prefix (G_OBJECT_TYPE_NAME (element), "TransportReceiveBin"))
    hook_transport_elements (self, GST_BIN (element));
}

/* ---------------------------------------------------------------------------------- */
/* Connection state                                                                    */

static void
become_connected (ZeroPeer *self)
{
  if (self->state == ZERO_PEER_STATE_CONNECTED || self->state >= ZERO_PEER_STATE_FAILED)
    return;
  if (!g_atomic_int_get (&self->verified))
    return;
  log_phase (self, "connected (verified)", &self->t_connected);
  _zero_peer_timeout_clear (self, &self->connect_timeout_id);
  _zero_peer_timeout_clear (self, &self->restart_timeout_id);
  self->restart_attempts = 0;
  self->ice_restarting = FALSE;
  zero_atomic_set64 (&self->last_rx_us, g_get_monotonic_time ());
  set_state (self, ZERO_PEER_STATE_CONNECTED);
  _zero_peer_stats_sample_now (self);
  /* The encoder's last keyframe went out before there was anyone to receive it. */
  _zero_peer_send_keyframe (self);
  zero_peer_request_keyframe (self);
  if (self->channel && self->data_open == FALSE)
    {
      GstWebRTCDataChannelState ds;

      g_object_get (self->channel, "ready-state", &ds, NULL);
      if (ds == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN)
        open_data_channel (self);
    }
}

static gboolean
on_verified_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  GstWebRTCPeerConnectionState pcs;

  log_phase (self, "DTLS fingerprint ok", NULL);
  g_object_get (self->webrtc, "connection-state", &pcs, NULL);
  if (pcs == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
    become_connected (self);
  return G_SOURCE_REMOVE;
}

/* Connected without having seen the certificate go by (should not happen): check the
 * transport's remote certificate now. */
static void
verify_now (ZeroPeer *self)
{
  g_autofree char *pem = NULL;
  GError *error = NULL;
  GstElement *dec;

  if (g_atomic_int_get (&self->verified) || g_atomic_int_get (&self->fingerprint_failed))
    return;
  g_mutex_lock (&self->lock);
  dec = self->dtls_dec ? gst_object_ref (self->dtls_dec) : NULL;
  g_mutex_unlock (&self->lock);
  if (dec)
    {
      g_object_get (dec, "peer-pem", &pem, NULL);
      gst_object_unref (dec);
    }
  if (verify_remote_pem (self, pem, &error))
    g_atomic_int_set (&self->verified, 1);
  else
    {
      g_atomic_int_set (&self->fingerprint_failed, 1);
      _zero_peer_fail (self, error);
    }
}

/* A state of webrtcbin's that changed, posted to the main context. */
typedef struct {
  gboolean ice; /* ice-connection-state (GstWebRTCICEConnectionState), else connection-state
                 * (GstWebRTCPeerConnectionState) */
  int state;
} StateChange;

static gboolean
on_state_change_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  const StateChange *change = post->data;
  int s = change->state;
  gboolean connected, broken;

  g_debug ("peer %s: %s state %d at %.1f ms", self->remote_id,
           change->ice ? "ICE connection" : "peer-connection", s, _zero_peer_now (self) / 1000.0);
  if (change->ice)
    {
      connected = s == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
                  s == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED;
      broken = s == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED ||
               s == GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED;
    }
  else
    {
      connected = s == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
      broken = s == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED ||
               s == GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED;
    }

  if (connected && change->ice)
    log_phase (self, "ICE connected", &self->t_ice_connected);
  else if (connected)
    {
      log_phase (self, "DTLS connected", &self->t_dtls_connected);
      verify_now (self);
      become_connected (self);
    }
  else if (broken)
    schedule_restart_check (self, TRUE); /* either view of a broken path restarts ICE */
  return G_SOURCE_REMOVE;
}

/* Streaming thread: notify::connection-state and notify::ice-connection-state. */
static void
on_notify_state (GstElement *webrtc,
                 GParamSpec *pspec,
                 ZeroPeer   *self)
{
  StateChange *change = g_new0 (StateChange, 1);

  change->ice = g_strcmp0 (pspec->name, "ice-connection-state") == 0;
  g_object_get (webrtc, pspec->name, &change->state, NULL);
  _zero_peer_post (self, on_state_change_main, change, g_free);
}

/* ---------------------------------------------------------------------------------- */
/* ICE restarts                                                                        */

static void
start_ice_restart (ZeroPeer *self)
{
  if (self->closed || self->state >= ZERO_PEER_STATE_FAILED)
    return;
  if (self->restart_attempts >= self->opts.ice_restart_attempts)
    {
      _zero_peer_fail (self,
                       g_error_new (ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_CONNECTION,
                                    "Connection to %s lost; gave up after %u ICE restarts",
                                    self->remote_id, self->restart_attempts));
      return;
    }
  self->restart_attempts++;
  self->last_restart_us = g_get_monotonic_time ();
  g_debug ("peer %s: ICE restart %u/%u", self->remote_id, self->restart_attempts,
           self->opts.ice_restart_attempts);
  if (self->state == ZERO_PEER_STATE_CONNECTED)
    set_state (self, ZERO_PEER_STATE_CONNECTING);
  arm_connect_timeout (self);
  if (self->offerer)
    {
      self->ice_restarting = TRUE;
      create_offer (self);
    }
  else
    {
      g_autoptr (JsonObject) msg = json_object_new ();

      json_object_set_string_member (msg, "type", "request-offer");
      json_object_set_boolean_member (msg, "ice_restart", TRUE);
      send_signal (self, msg);
    }
}

/* Seconds one connection attempt gets before the next ICE restart. */
static guint
attempt_timeout_s (ZeroPeer *self)
{
  guint t = self->opts.connect_timeout_s / (self->opts.ice_restart_attempts + 1);

  return CLAMP (t, 2, 10);
}

static gboolean
on_restart_timeout (gpointer user_data)
{
  ZeroPeer *self = user_data;

  self->restart_timeout_id = 0;
  if (self->state != ZERO_PEER_STATE_CONNECTED)
    start_ice_restart (self);
  if (self->state == ZERO_PEER_STATE_CONNECTING && self->restart_timeout_id == 0)
    self->restart_timeout_id =
      _zero_peer_timeout_add (self, attempt_timeout_s (self) * 1000, on_restart_timeout);
  return G_SOURCE_REMOVE;
}

/* Nothing (media or RTCP) received for media_timeout_s. Shorter outages are left to the
 * current pair: it carries media again as soon as the path is back (plus a NACK/PLI round
 * trip), where a restart would first tear it down and re-check, re-handshake for seconds. */
static gboolean
media_timed_out (ZeroPeer *self)
{
  gint64 last = zero_atomic_get64 (&self->last_rx_us);

  return last != 0 &&
         g_get_monotonic_time () - last > (gint64) MAX (self->opts.media_timeout_s, 1) *
                                          G_USEC_PER_SEC;
}

/* The connection is (or looks) broken: restart ICE right away when we were connected,
 * and keep retrying every attempt period until connected or out of attempts. Also armed
 * once both descriptions are applied, for a first attempt that never connects. */
static void
schedule_restart_check (ZeroPeer *self,
                        gboolean  broken)
{
  if (self->closed || self->state >= ZERO_PEER_STATE_FAILED || !self->have_remote_description)
    return;
  if (self->state == ZERO_PEER_STATE_CONNECTED)
    {
      GstWebRTCPeerConnectionState pcs;

      g_object_get (self->webrtc, "connection-state", &pcs, NULL);
      if (broken || pcs != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED || media_timed_out (self))
        start_ice_restart (self);
      else
        return;
    }
  if (self->restart_timeout_id == 0)
    self->restart_timeout_id =
      _zero_peer_timeout_add (self, attempt_timeout_s (self) * 1000, on_restart_timeout);
}

/* Called about once a second by the stats timer: media that stops arriving for
 * media_timeout_s means the path is gone even when ICE has not noticed yet (libnice takes
 * 50 s without consent freshness, which webrtcbin 1.22 does not enable). */
void
_zero_peer_check_liveness (ZeroPeer *self)
{
  if (self->state != ZERO_PEER_STATE_CONNECTED || !media_timed_out (self))
    return;
  g_debug ("peer %s: nothing received for %.1f s", self->remote_id,
           (g_get_monotonic_time () - zero_atomic_get64 (&self->last_rx_us)) / 1e6);
  schedule_restart_check (self, TRUE);
}

/* ---------------------------------------------------------------------------------- */
/* Data channel                                                                        */

/* Emits data-open, then what arrived on the channel while it was held back. */
static void
open_data_channel (ZeroPeer *self)
{
  g_autoptr (GPtrArray) early = g_steal_pointer (&self->early_messages);

  self->data_open = TRUE;
  log_phase (self, "data channel open", &self->t_data_open);
  g_signal_emit (self, signals[SIGNAL_DATA_OPEN], 0);
  for (guint i = 0; early && i < early->len && self->data_open && !self->closed; i++)
    g_signal_emit (self, signals[SIGNAL_DATA_MESSAGE], 0, (const char *) early->pdata[i]);
}

static gboolean
on_data_open_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;

  /* Held back until the DTLS certificate is verified (become_connected opens it). */
  if (self->data_open || self->channel == NULL || !g_atomic_int_get (&self->verified) ||
      self->state != ZERO_PEER_STATE_CONNECTED)
    return G_SOURCE_REMOVE;
  open_data_channel (self);
  return G_SOURCE_REMOVE;
}

static void
on_channel_open (GstWebRTCDataChannel *channel,
                 ZeroPeer             *self)
{
  _zero_peer_post (self, on_data_open_main, NULL, NULL);
}

static gboolean
on_data_message_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;

  if (!g_atomic_int_get (&self->verified))
    return G_SOURCE_REMOVE;
  if (!self->data_open)
    {
      /* A remote that talks as soon as its side opens (a browser asking GET /info) can
       * be ahead of our data-open: keep its first messages for then. */
      if (self->early_messages == NULL)
        self->early_messages = g_ptr_array_new_with_free_func (g_free);
      if (self->early_messages->len < 256)
        g_ptr_array_add (self->early_messages, g_steal_pointer (&post->data));
      return G_SOURCE_REMOVE;
    }
  g_signal_emit (self, signals[SIGNAL_DATA_MESSAGE], 0, (const char *) post->data);
  return G_SOURCE_REMOVE;
}

static void
on_channel_message_string (GstWebRTCDataChannel *channel,
                           const char           *text,
                           ZeroPeer             *self)
{
  /* Nothing from an unverified peer reaches the application. */
  if (text == NULL || !g_atomic_int_get (&self->verified))
    return;
  _zero_peer_post (self, on_data_message_main, g_strdup (text), g_free);
}

static gboolean
on_data_closed_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;

  post->self->data_open = FALSE;
  return G_SOURCE_REMOVE;
}

static void
on_channel_close (GstWebRTCDataChannel *channel,
                  ZeroPeer             *self)
{
  _zero_peer_post (self, on_data_closed_main, NULL, NULL);
}

/* Any thread: connected as soon as the channel exists, so that no message that arrives
 * before the main context hears of the channel is lost. */
static void
hook_channel (ZeroPeer             *self,
              GstWebRTCDataChannel *channel)
{
  g_mutex_lock (&self->lock);
  g_assert (self->hooked_channel == NULL);
  self->hooked_channel = g_object_ref (channel);
  g_mutex_unlock (&self->lock);
  g_signal_connect (channel, "on-open", G_CALLBACK (on_channel_open), self);
  g_signal_connect (channel, "on-close", G_CALLBACK (on_channel_close), self);
  g_signal_connect (channel, "on-message-string", G_CALLBACK (on_channel_message_string),
                    self);
}

static gboolean
on_data_channel_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  GstWebRTCDataChannel *channel = post->data;
  GstWebRTCDataChannelState ds;

  if (self->channel != NULL)
    return G_SOURCE_REMOVE;
  self->channel = g_object_ref (channel);
  g_object_get (channel, "ready-state", &ds, NULL);
  if (ds == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN)
    on_data_open_main (post);
  return G_SOURCE_REMOVE;
}

/* The answerer's side of the offerer's channel; webrtcbin's SCTP thread. */
static void
on_data_channel (GstElement           *webrtc,
                 GstWebRTCDataChannel *channel,
                 ZeroPeer             *self)
{
  g_autofree char *label = NULL;
  gboolean first;

  g_object_get (channel, "label", &label, NULL);
  g_mutex_lock (&self->lock);
  first = self->hooked_channel == NULL;
  g_mutex_unlock (&self->lock);
  if (g_strcmp0 (label, "zero") != 0 || !first)
    {
      g_debug ("peer %s: ignoring data channel \"%s\"", self->remote_id, label);
      return;
    }
  hook_channel (self, channel);
  _zero_peer_post (self, on_data_channel_main, g_object_ref (channel), g_object_unref);
}

/* ---------------------------------------------------------------------------------- */
/* ICE candidates                                                                      */

typedef struct {
  guint mline;
  char *candidate;
} LocalCandidate;

static void
local_candidate_free (gpointer data)
{
  LocalCandidate *c = data;

  g_free (c->candidate);
  g_free (c);
}

static JsonObject *
make_ice_message (ZeroPeer   *self,
                  guint       mline,
                  const char *candidate)
{
  JsonObject *msg = json_object_new ();
  JsonObject *cand = json_object_new ();
  g_autoptr (GstWebRTCSessionDescription) local = NULL;
  const char *mid = NULL;

  g_object_get (self->webrtc, "local-description", &local, NULL);
  if (local)
    mid = zero_sdp_get_mid (local->sdp, mline);
  json_object_set_string_member (cand, "candidate", candidate);
  json_object_set_int_member (cand, "sdpMLineIndex", mline);
  /* PROTOCOL.md: a real mid, or absent, never "". */
  if (mid && *mid)
    json_object_set_string_member (cand, "sdpMid", mid);
  json_object_set_string_member (msg, "type", "ice");
  json_object_set_object_member (msg, "candidate", cand);
  return msg;
}

static gboolean
on_local_candidate_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  LocalCandidate *c = post->data;
  g_autoptr (JsonObject) msg = make_ice_message (self, c->mline, c->candidate);

  if (self->local_candidates->len == 0)
    log_phase (self, "first local candidate", NULL);
  g_ptr_array_add (self->local_candidates, g_steal_pointer (&post->data));
  send_signal (self, msg);
  return G_SOURCE_REMOVE;
}

static void
on_ice_candidate (GstElement *webrtc,
                  guint       mline,
                  const char *candidate,
                  ZeroPeer   *self)
{
  LocalCandidate *c;

  if (candidate == NULL || *candidate == '\0')
    return;
  c = g_new0 (LocalCandidate, 1);
  c->mline = mline;
  c->candidate = g_strdup (candidate);
  _zero_peer_post (self, on_local_candidate_main, c, local_candidate_free);
}

static void
resend_local_candidates (ZeroPeer *self)
{
  for (guint i = 0; i < self->local_candidates->len; i++)
    {
      LocalCandidate *c = g_ptr_array_index (self->local_candidates, i);
      g_autoptr (JsonObject) msg = make_ice_message (self, c->mline, c->candidate);

      send_signal (self, msg);
    }
}

/* Adds a validated remote candidate; the remote description is set. */
static void
apply_remote_candidate (ZeroPeer   *self,
                        JsonObject *cand)
{
  g_autoptr (GstWebRTCSessionDescription) remote = NULL;
  const char *text = json_object_get_string_member (cand, "candidate");
  const char *mid = json_object_get_string_member_with_default (cand, "sdpMid", NULL);
  int mline = -1;
  int transport;

  g_object_get (self->webrtc, "remote-description", &remote, NULL);
  if (remote == NULL)
    return;
  if (mid != NULL)
    mline = zero_sdp_find_mid (remote->sdp, mid);
  if (mline < 0 && json_object_has_member (cand, "sdpMLineIndex"))
    mline = (int) json_object_get_int_member (cand, "sdpMLineIndex");
  if (mline < 0 || (guint) mline >= gst_sdp_message_medias_len (remote->sdp))
    {
      g_debug ("peer %s: dropping candidate for unknown m-line (mid %s)", self->remote_id,
               mid ? mid : "-");
      return;
    }
  /* webrtcbin keys ICE streams by the bundle transport's m-line. */
  transport = zero_sdp_transport_mline (remote->sdp);
  if (transport >= 0 && gst_sdp_message_get_attribute_val (remote->sdp, "group") != NULL)
    mline = transport;
  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", (guint) mline, text);
}

static void
flush_pending_candidates (ZeroPeer *self)
{
  g_autoptr (GPtrArray) pending = g_steal_pointer (&self->pending_candidates);

  self->pending_candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  for (guint i = 0; i < pending->len; i++)
    apply_remote_candidate (self, g_ptr_array_index (pending, i));
}

static gboolean
handle_ice (ZeroPeer   *self,
            JsonObject *msg,
            GError    **error)
{
  JsonNode *node = json_object_get_member (msg, "candidate");
  JsonObject *cand;
  JsonNode *field;
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                   "ice: \"candidate\" must be an object");
      return FALSE;
    }
  cand = json_node_get_object (node);
  field = json_object_get_member (cand, "candidate");
  if (field == NULL || json_node_get_value_type (field) != G_TYPE_STRING)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                   "ice: candidate.candidate must be a string");
      return FALSE;
    }
  text = json_node_get_string (field);
  if (*text == '\0')
    return TRUE; /* end of candidates */
  if (!g_str_has_prefix (text, "candidate:") && !g_str_has_prefix (text, "a=candidate:"))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                   "ice: candidate.candidate must start with \"candidate:\"");
      return FALSE;
    }
  field = json_object_get_member (cand, "sdpMid");
  if (field && !JSON_NODE_HOLDS_NULL (field) &&
      (json_node_get_value_type (field) != G_TYPE_STRING || *json_node_get_string (field) == '\0'))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                   "ice: candidate.sdpMid must be a non-empty string");
      return FALSE;
    }
  if (field && JSON_NODE_HOLDS_NULL (field))
    json_object_remove_member (cand, "sdpMid");
  field = json_object_get_member (cand, "sdpMLineIndex");
  if (field && !JSON_NODE_HOLDS_NULL (field) &&
      (json_node_get_value_type (field) != G_TYPE_INT64 || json_node_get_int (field) < 0 ||
       json_node_get_int (field) > 1024))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                   "ice: candidate.sdpMLineIndex must be a small non-negative integer");
      return FALSE;
    }
  if (field && JSON_NODE_HOLDS_NULL (field))
    json_object_remove_member (cand, "sdpMLineIndex");
  if (!json_object_has_member (cand, "sdpMid") && !json_object_has_member (cand, "sdpMLineIndex"))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                   "ice: the candidate has neither sdpMid nor sdpMLineIndex");
      return FALSE;
    }
  if (!self->have_remote_description)
    g_ptr_array_add (self->pending_candidates, json_object_ref (cand));
  else
    apply_remote_candidate (self, cand);
  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* Offer / answer                                                                      */

static GstWebRTCSessionDescription *
promise_take_description (GstPromise *promise,
                          const char *field,
                          GError    **error)
{
  const GstStructure *reply;
  GstWebRTCSessionDescription *desc = NULL;
  GError *promise_error = NULL;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED ||
      (reply = gst_promise_get_reply (promise)) == NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NEGOTIATION,
                   "webrtcbin gave no %s", field);
      return NULL;
    }
  if (gst_structure_get (reply, "error", G_TYPE_ERROR, &promise_error, NULL))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NEGOTIATION,
                   "webrtcbin could not create the %s: %s", field, promise_error->message);
      g_error_free (promise_error);
      return NULL;
    }
  gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  if (desc == NULL)
    g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NEGOTIATION,
                 "webrtcbin gave no %s", field);
  return desc;
}

typedef struct {
  GstWebRTCSessionDescription *desc;
  GError *error;
  int kind; /* 0 offer, 1 answer, 2 remote set */
} Negotiation;

static void
negotiation_free (gpointer data)
{
  Negotiation *n = data;

  g_clear_pointer (&n->desc, gst_webrtc_session_description_free);
  g_clear_error (&n->error);
  g_free (n);
}

/* Streaming thread: the description @promise (taken) brought, or its error, to @main_func on
 * the main context. */
static void
post_description (ZeroPeer    *self,
                  GstPromise  *promise,
                  const char  *field,
                  GSourceFunc  main_func)
{
  Negotiation *n = g_new0 (Negotiation, 1);

  n->desc = promise_take_description (promise, field, &n->error);
  gst_promise_unref (promise);
  _zero_peer_post (self, main_func, n, negotiation_free);
}

/* webrtcbin 1.22 cannot restart ICE: a restarting description gets fresh credentials. */
static void
renew_ice_credentials (GstWebRTCSessionDescription *desc)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;

  zero_sdp_make_ice_credentials (&ufrag, &pwd);
  zero_sdp_set_ice_credentials (desc->sdp, ufrag, pwd);
}

static void
on_local_description_set (GstPromise *promise,
                          gpointer    user_data)
{
  ZeroPeer *self = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GError *error = NULL;

  if (reply && gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL))
    {
      GError *e = g_error_new (ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NEGOTIATION,
                               "webrtcbin refused our own description: %s", error->message);
      g_error_free (error);
      _zero_peer_post (self, on_verification_failed, e, (GDestroyNotify) g_error_free);
    }
  gst_promise_unref (promise);
}

static void
set_local_description (ZeroPeer                    *self,
                       GstWebRTCSessionDescription *desc)
{
  g_autofree char *fingerprint = g_strdup_printf ("sha-256 %s",
                                                  zero_dtls_cert_get_fingerprint ());

  GstPromise *promise = gst_promise_new_with_change_func (on_local_description_set,
                                                          g_object_ref (self), g_object_unref);

  /* webrtcbin 1.22 hashes every base64 line of the `certificate` PEM, our private key
   * included: state the certificate's real fingerprint. */
  zero_sdp_set_fingerprint (desc->sdp, fingerprint);

  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->local_pt_kinds);
  for (guint i = 0; i < gst_sdp_message_medias_len (desc->sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (desc->sdp, i);
      ZeroMediaKind kind;

      if (!zero_sdp_media_kind (desc->sdp, i, &kind))
        continue;
      for (guint f = 0; f < gst_sdp_media_formats_len (media); f++)
        {
          int pt = (int) g_ascii_strtoll (gst_sdp_media_get_format (media, f), NULL, 10);

          if (!g_hash_table_contains (self->local_pt_kinds, GINT_TO_POINTER (pt)))
            g_hash_table_insert (self->local_pt_kinds, GINT_TO_POINTER (pt),
                                 GINT_TO_POINTER (kind));
        }
    }
  g_mutex_unlock (&self->lock);
  /* The change func unrefs the promise itself; keep one ref for webrtcbin. */
  g_signal_emit_by_name (self->webrtc, "set-local-description", desc, gst_promise_ref (promise));
  gst_promise_unref (promise);
}

static void
send_description (ZeroPeer                    *self,
                  GstWebRTCSessionDescription *desc)
{
  g_autoptr (JsonObject) msg = json_object_new ();
  g_autofree char *text = gst_sdp_message_as_text (desc->sdp);

  json_object_set_string_member (msg, "type",
                                 desc->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer");
  json_object_set_string_member (msg, "sdp", text);
  GST_DEBUG ("peer %s: sending %s:\n%s", self->remote_id,
             desc->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer", text);
  send_signal (self, msg);
}

static void
finish_negotiation (ZeroPeer *self)
{
  self->negotiating = FALSE;
  /* A renegotiation may have started new streams: their first keyframe went nowhere. */
  if (self->state == ZERO_PEER_STATE_CONNECTED)
    _zero_peer_send_keyframe (self);
  g_signal_emit (self, signals[SIGNAL_NEGOTIATED], 0);
  if (self->renegotiate_again && self->offerer && !self->closed)
    {
      self->renegotiate_again = FALSE;
      create_offer (self);
    }
}

static gboolean
on_offer_created_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  Negotiation *n = post->data;

  if (n->error)
    {
      self->negotiating = FALSE;
      _zero_peer_fail (self, g_steal_pointer (&n->error));
      return G_SOURCE_REMOVE;
    }
  if (self->ice_restarting)
    {
      /* New credentials, and the agent's checks and remote candidates reset by us. */
      renew_ice_credentials (n->desc);
      if (self->nice_agent)
        nice_agent_restart (self->nice_agent);
      self->have_remote_description = FALSE;
    }
  log_phase (self, "offer created", &self->t_offer);
  set_local_description (self, n->desc);
  self->awaiting_answer = TRUE;
  send_description (self, n->desc);
  if (self->ice_restarting)
    resend_local_candidates (self);
  return G_SOURCE_REMOVE;
}

/* Streaming thread: webrtcbin made the offer (or failed to); on to the main context. */
static void
on_offer_created (GstPromise *promise,
                  gpointer    user_data)
{
  post_description (user_data, promise, "offer", on_offer_created_main);
}

static void
ensure_offer_transceivers (ZeroPeer *self);

static void
create_offer (ZeroPeer *self)
{
  GstPromise *promise;

  if (self->closed)
    return;
  if (self->negotiating)
    {
      self->renegotiate_again = TRUE;
      return;
    }
  ensure_offer_transceivers (self);
  self->negotiating = TRUE;
  promise = gst_promise_new_with_change_func (on_offer_created, g_object_ref (self),
                                              g_object_unref);
  g_signal_emit_by_name (self->webrtc, "create-offer", NULL, gst_promise_ref (promise));
  gst_promise_unref (promise);
}

static gboolean
on_answer_created_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  Negotiation *n = post->data;
  gboolean restart = self->ice_restarting;

  if (n->error)
    {
      self->negotiating = FALSE;
      _zero_peer_fail (self, g_steal_pointer (&n->error));
      return G_SOURCE_REMOVE;
    }
  if (restart)
    renew_ice_credentials (n->desc);
  log_phase (self, "answer created", &self->t_answer);
  set_local_description (self, n->desc);
  send_description (self, n->desc);
  self->have_remote_description = TRUE;
  flush_pending_candidates (self);
  if (restart)
    resend_local_candidates (self);
  schedule_restart_check (self, FALSE);
  finish_negotiation (self);
  return G_SOURCE_REMOVE;
}

static void
on_answer_created (GstPromise *promise,
                   gpointer    user_data)
{
  post_description (user_data, promise, "answer", on_answer_created_main);
}

static gboolean
on_remote_set_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  Negotiation *n = post->data;

  if (n->error)
    {
      self->negotiating = FALSE;
      _zero_peer_fail (self, g_steal_pointer (&n->error));
      return G_SOURCE_REMOVE;
    }
  if (!self->offerer)
    {
      GstPromise *promise = gst_promise_new_with_change_func (on_answer_created,
                                                              g_object_ref (self),
                                                              g_object_unref);

      g_signal_emit_by_name (self->webrtc, "create-answer", NULL, gst_promise_ref (promise));
      gst_promise_unref (promise);
      return G_SOURCE_REMOVE;
    }
  log_phase (self, "answer applied", NULL);
  self->have_remote_description = TRUE;
  flush_pending_candidates (self);
  /* Not connected within an attempt period: restart ICE (candidates may be lost). */
  schedule_restart_check (self, FALSE);
  finish_negotiation (self);
  return G_SOURCE_REMOVE;
}

static void
on_remote_set (GstPromise *promise,
               gpointer    user_data)
{
  ZeroPeer *self = user_data;
  Negotiation *n = g_new0 (Negotiation, 1);
  const GstStructure *reply = gst_promise_get_reply (promise);
  GError *error = NULL;

  if (reply && gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL))
    {
      n->error = g_error_new (ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NEGOTIATION,
                              "webrtcbin refused the remote description: %s", error->message);
      g_error_free (error);
    }
  gst_promise_unref (promise);
  _zero_peer_post (self, on_remote_set_main, n, negotiation_free);
}

/* Checks and stores the remote SDP's fingerprints. A renegotiation must keep the
 * certificate the DTLS session was verified with. */
static gboolean
accept_remote_fingerprints (ZeroPeer      *self,
                            GstSDPMessage *sdp,
                            GError       **error)
{
  g_auto (GStrv) fps = zero_sdp_get_fingerprints (sdp, error);

  if (fps == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  if (self->remote_fingerprints && g_atomic_int_get (&self->verified) &&
      !g_strv_equal ((const char *const *) self->remote_fingerprints,
                     (const char *const *) fps))
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH,
                   "DTLS fingerprint mismatch: the remote changed its fingerprint during "
                   "renegotiation");
      return FALSE;
    }
  g_strfreev (self->remote_fingerprints);
  self->remote_fingerprints = g_steal_pointer (&fps);
  /* What each m-line carries, for naming the streams that arrive. */
  g_array_set_size (self->remote_kinds, 0);
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      ZeroMediaKind kind;
      int k = zero_sdp_media_kind (sdp, i, &kind) ? (int) kind : -1;

      g_array_append_val (self->remote_kinds, k);
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
set_remote_description (ZeroPeer         *self,
                        GstWebRTCSDPType  type,
                        GstSDPMessage    *sdp)
{
  GstSDPMessage *copy = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise = gst_promise_new_with_change_func (on_remote_set, g_object_ref (self),
                                                          g_object_unref);

  gst_sdp_message_copy (sdp, &copy);
  desc = gst_webrtc_session_description_new (type, copy); /* takes copy */
  g_signal_emit_by_name (self->webrtc, "set-remote-description", desc,
                         gst_promise_ref (promise));
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
}

gboolean _zero_peer_prepare_answer (ZeroPeer      *self,
                                    GstSDPMessage *offer,
                                    GError       **error);

static gboolean
handle_offer (ZeroPeer      *self,
              GstSDPMessage *sdp,
              GError       **error)
{
  GError *local = NULL;
  const char *ufrag;

  if (self->offerer)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "offer: we are the offerer for this pair (PROTOCOL.md section 5)");
      gst_sdp_message_free (sdp);
      return FALSE;
    }
  if (self->negotiating)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "offer: still answering the previous offer");
      gst_sdp_message_free (sdp);
      return FALSE;
    }
  if (!accept_remote_fingerprints (self, sdp, &local))
    {
      /* Never set-remote-description an unauthenticated SDP. */
      g_propagate_error (error, g_error_copy (local));
      _zero_peer_fail (self, local);
      gst_sdp_message_free (sdp);
      return FALSE;
    }
  if (!self->started)
    self->started = TRUE;
  if (self->state == ZERO_PEER_STATE_NEW)
    set_state (self, ZERO_PEER_STATE_CONNECTING);
  arm_connect_timeout (self);
  log_phase (self, "offer received", NULL);

  ufrag = zero_sdp_get_ice_ufrag (sdp);
  self->ice_restarting = self->remote_ufrag != NULL && g_strcmp0 (ufrag, self->remote_ufrag) != 0;
  g_free (self->remote_ufrag);
  self->remote_ufrag = g_strdup (ufrag);
  if (self->ice_restarting)
    {
      g_debug ("peer %s: the offer restarts ICE", self->remote_id);
      if (self->nice_agent)
        nice_agent_restart (self->nice_agent);
      if (self->state == ZERO_PEER_STATE_CONNECTED)
        set_state (self, ZERO_PEER_STATE_CONNECTING);
    }

  if (!_zero_peer_prepare_answer (self, sdp, &local))
    {
      g_propagate_error (error, g_error_copy (local));
      _zero_peer_fail (self, local);
      gst_sdp_message_free (sdp);
      return FALSE;
    }
  self->negotiating = TRUE;
  self->have_remote_description = FALSE;
  set_remote_description (self, GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  gst_sdp_message_free (sdp);
  return TRUE;
}

static gboolean
handle_answer (ZeroPeer      *self,
               GstSDPMessage *sdp,
               GError       **error)
{
  GError *local = NULL;

  if (!self->offerer || !self->awaiting_answer)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "answer: no offer of ours is waiting for one");
      gst_sdp_message_free (sdp);
      return FALSE;
    }
  self->awaiting_answer = FALSE;
  if (!accept_remote_fingerprints (self, sdp, &local))
    {
      g_propagate_error (error, g_error_copy (local));
      _zero_peer_fail (self, local);
      gst_sdp_message_free (sdp);
      return FALSE;
    }
  g_free (self->remote_ufrag);
  self->remote_ufrag = g_strdup (zero_sdp_get_ice_ufrag (sdp));
  log_phase (self, "answer received", NULL);
  set_remote_description (self, GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  gst_sdp_message_free (sdp);
  return TRUE;
}

static gboolean
handle_request_offer (ZeroPeer   *self,
                      JsonObject *msg,
                      GError    **error)
{
  if (!self->offerer)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "request-offer: we are the answerer for this pair; only the offerer "
                   "re-offers (PROTOCOL.md section 5)");
      return FALSE;
    }
  if (!self->started)
    return TRUE; /* the first offer is coming anyway */
  /* Extensions: the answerer wants an m-line for its screen share, or an ICE restart. */
  if (json_object_get_boolean_member_with_default (msg, "screen", FALSE))
    self->want_remote_screen = TRUE;
  if (json_object_get_boolean_member_with_default (msg, "ice_restart", FALSE))
    {
      /* Both ends notice a failure; one restart per attempt period is enough. */
      if (self->state != ZERO_PEER_STATE_CONNECTED && !self->negotiating &&
          g_get_monotonic_time () - self->last_restart_us > G_USEC_PER_SEC)
        start_ice_restart (self);
      return TRUE;
    }
  create_offer (self);
  return TRUE;
}

gboolean
zero_peer_handle_signal (ZeroPeer   *self,
                         JsonObject *msg,
                         GError    **error)
{
  const char *type;
  JsonNode *node;

  g_return_val_if_fail (ZERO_IS_PEER (self), FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->closed || self->state >= ZERO_PEER_STATE_FAILED)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "The connection to %s is closed", self->remote_id);
      return FALSE;
    }
  node = json_object_get_member (msg, "type");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                   "The message has no string \"type\"");
      return FALSE;
    }
  type = json_node_get_string (node);

  if (g_str_equal (type, "offer") || g_str_equal (type, "answer"))
    {
      GstSDPMessage *sdp;

      node = json_object_get_member (msg, "sdp");
      if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
                       "%s: \"sdp\" must be a string", type);
          return FALSE;
        }
      sdp = zero_sdp_parse (json_node_get_string (node), error);
      if (sdp == NULL)
        return FALSE;
      return g_str_equal (type, "offer") ? handle_offer (self, sdp, error)
                                         : handle_answer (self, sdp, error);
    }
  if (g_str_equal (type, "ice"))
    return handle_ice (self, msg, error);
  if (g_str_equal (type, "request-offer"))
    return handle_request_offer (self, msg, error);

  g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_MESSAGE,
               "\"%s\" is not a peer connection message", type);
  return FALSE;
}

/* ---------------------------------------------------------------------------------- */
/* Transceivers for our offers                                                         */

static void
add_recv_transceiver (ZeroPeer     *self,
                      ZeroMediaKind kind)
{
  g_autoptr (GstCaps) caps = _zero_recv_codec_caps (kind, NULL);
  GstWebRTCRTPTransceiver *trans = NULL;

  g_signal_emit_by_name (self->webrtc, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  if (trans)
    {
      if (kind != ZERO_MEDIA_KIND_AUDIO)
        g_object_set (trans, "do-nack", TRUE, NULL);
      gst_object_unref (trans);
    }
}

/* PROTOCOL.md section 5: one audio, one video, then extras (screen), each sendrecv when
 * we have that media, else recvonly. Transceivers are only ever added, in this order;
 * a send stream added later starts sending on its kind's existing m-line. */
static void
ensure_offer_transceivers (ZeroPeer *self)
{
  static const ZeroMediaKind order[] = { ZERO_MEDIA_KIND_AUDIO, ZERO_MEDIA_KIND_VIDEO,
                                         ZERO_MEDIA_KIND_SCREEN };
  int next_mline = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    if (self->offer_mline[order[i]] >= 0)
      next_mline = MAX (next_mline, self->offer_mline[order[i]] + 1);

  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    {
      ZeroMediaKind kind = order[i];
      ZeroSendStream *send;

      if (kind == ZERO_MEDIA_KIND_SCREEN && self->send[kind] == NULL &&
          !self->want_remote_screen)
        break;
      if (self->opts.echo && self->send[kind] == NULL)
        {
          ZeroSendStream *echo = _zero_send_stream_new (self, kind,
                                                        kind == ZERO_MEDIA_KIND_AUDIO
                                                          ? ZERO_CODEC_OPUS
                                                          : ZERO_CODEC_VP8,
                                                        NULL);

          g_mutex_lock (&self->lock);
          self->send[kind] = echo;
          g_mutex_unlock (&self->lock);
        }
      send = self->send[kind];

      if (send && !send->linked)
        {
          g_autoptr (GError) error = NULL;

          if (!_zero_send_stream_attach (send, _zero_default_pt (kind, send->codec), NULL,
                                         self->offer_mline[kind], &error))
            g_warning ("peer %s: %s", self->remote_id, error->message);
          else if (self->offer_mline[kind] < 0)
            self->offer_mline[kind] = next_mline++;
        }
      else if (send == NULL && self->offer_mline[kind] < 0)
        {
          add_recv_transceiver (self, kind);
          self->offer_mline[kind] = next_mline++;
        }
    }
}

static void
on_new_transceiver (GstElement              *webrtc,
                    GstWebRTCRTPTransceiver *trans,
                    ZeroPeer                *self)
{
  GstWebRTCKind kind;

  g_object_get (trans, "kind", &kind, NULL);
  if (kind != GST_WEBRTC_KIND_AUDIO)
    g_object_set (trans, "do-nack", TRUE, NULL);
}

/* ---------------------------------------------------------------------------------- */
/* Element errors                                                                      */

static gboolean
on_bin_error_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;
  GstMessage *message = post->data;
  g_autoptr (GError) gerror = NULL;
  g_autofree char *debug = NULL;

  gst_message_parse_error (message, &gerror, &debug);
  g_debug ("peer %s: element %s failed: %s (%s)", self->remote_id,
           GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), gerror->message, debug ? debug : "");
  GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS (self->bin, GST_DEBUG_GRAPH_SHOW_ALL, "zero-peer-error");
  _zero_peer_fail (self, g_error_new (ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_PIPELINE,
                                      "Element %s failed: %s",
                                      GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
                                      gerror->message));
  return G_SOURCE_REMOVE;
}

static void
on_bin_error (GstMessage *message,
              gpointer    user_data)
{
  ZeroPeer *self = user_data;

  _zero_peer_post (self, on_bin_error_main, gst_message_ref (message),
                   (GDestroyNotify) gst_message_unref);
}

/* RTCP budget of a peer connection's RTP session, in bits/s: regular RTCP about every
 * 35 ms, so a NACK or keyframe request waits at most that long. Measured ~65 kbit/s each
 * way for audio + video, i.e. RFC 3550's 5 % of a ~1.2 Mbit/s call; half the budget
 * (~70 ms) let NACKs expire unsent under 10 % loss and froze video 300-400 ms at a time. */
#define RTCP_BANDWIDTH_BPS 128000.0
/* Applied this long after the first remote stream: see tune_rtcp(). */
#define RTCP_TUNE_DELAY_MS 2000

/* AVPF (RFC 4585) allows one early RTCP (NACK, PLI/FIR) per regular interval T_rr, and
 * rtpsession makes T_rr at least rtcp-min-interval (default 5 s), else the bandwidth-based
 * interval, which with its default 64 kbit/s session estimate is ~1 s. Either way most
 * NACKs missed the jitter buffer's deadline and keyframe requests waited up to a second,
 * so a 10 % loss froze video. No minimum and a fixed RTCP budget keep T_rr near 35 ms.
 * Not from the start: GStreamer 1.22.0's rtpsession drops its lock inside each RTCP
 * round, and a source added meanwhile (they all appear in the first second) breaks its
 * hash-table walk (GLib-CRITICAL "version == hash_table->version", fixed in 1.22.3);
 * frequent RTCP while the call sets up made that common. */
static gboolean
tune_rtcp (gpointer user_data)
{
  ZeroPeer *self = user_data;
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (self->webrtc), "rtpbin");

  self->rtcp_tune_id = 0;
  self->rtcp_tuned = TRUE;
  /* One session per transport: just 0 with max-bundle. */
  for (guint id = 0; rtpbin && id < 8; id++)
    {
      g_autoptr (GstElement) rtpsession = NULL;

      g_signal_emit_by_name (rtpbin, "get-session", id, &rtpsession);
      if (rtpsession &&
          g_object_class_find_property (G_OBJECT_GET_CLASS (rtpsession), "rtcp-min-interval"))
        g_object_set (rtpsession, "rtcp-min-interval", (guint64) 0, "rtcp-fraction",
                      RTCP_BANDWIDTH_BPS, NULL);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_first_jitterbuffer_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroPeer *self = post->self;

  if (!self->rtcp_tuned && self->rtcp_tune_id == 0 && !self->closing)
    self->rtcp_tune_id = _zero_peer_timeout_add (self, RTCP_TUNE_DELAY_MS, tune_rtcp);
  return G_SOURCE_REMOVE;
}

/* rtpbin's thread. Start output on the first packets instead of a latency later: the
 * jitter buffer's latency then only absorbs jitter and retransmissions. */
static void
on_new_jitterbuffer (GstElement *rtpbin,
                     GstElement *jitterbuffer,
                     guint       session,
                     guint       ssrc,
                     ZeroPeer   *self)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (jitterbuffer), "faststart-min-packets"))
    g_object_set (jitterbuffer, "faststart-min-packets", 1, NULL);
  _zero_peer_post (self, on_first_jitterbuffer_main, NULL, NULL);
}

/* ---------------------------------------------------------------------------------- */
/* GObject                                                                             */

static void
zero_peer_dispose (GObject *object)
{
  ZeroPeer *self = ZERO_PEER (object);

  zero_peer_close (self);
  if (self->playback_destroy && self->playback_data)
    self->playback_destroy (self->playback_data);
  self->playback_destroy = NULL;
  self->playback_data = NULL;
  G_OBJECT_CLASS (zero_peer_parent_class)->dispose (object);
}

static void
zero_peer_finalize (GObject *object)
{
  ZeroPeer *self = ZERO_PEER (object);

  g_clear_pointer (&self->opts.ice_servers, g_ptr_array_unref);
  g_free ((char *) self->opts.video_caps);
  gst_clear_caps (&self->video_caps);
  g_clear_pointer (&self->remote_fingerprints, g_strfreev);
  g_clear_pointer (&self->pending_candidates, g_ptr_array_unref);
  g_clear_pointer (&self->local_candidates, g_ptr_array_unref);
  g_clear_pointer (&self->recv, g_ptr_array_unref);
  g_clear_pointer (&self->remote_kinds, g_array_unref);
  g_clear_pointer (&self->local_pt_kinds, g_hash_table_unref);
  g_clear_pointer (&self->stats, zero_peer_stats_free);
  g_clear_error (&self->error);
  g_free (self->remote_ufrag);
  g_free (self->remote_id);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->build_cond);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (zero_peer_parent_class)->finalize (object);
}

static void
zero_peer_class_init (ZeroPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zero_peer_dispose;
  object_class->finalize = zero_peer_finalize;

  /* (JsonObject *msg): an offer/answer/ice/request-offer to relay, without "to". */
  signals[SIGNAL_SIGNAL_OUT] =
    g_signal_new ("signal-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* (ZeroPeerState state) */
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_DATA_OPEN] =
    g_signal_new ("data-open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* (const char *text) */
  signals[SIGNAL_DATA_MESSAGE] =
    g_signal_new ("data-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* (GstSample *sample): a decoded frame; detail "video" or "screen". The sample's info
   * structure is "zero/frame" with "kind" (int, ZeroMediaKind) and "mid". */
  signals[SIGNAL_VIDEO_SAMPLE] =
    g_signal_new ("video-sample", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  GST_TYPE_SAMPLE);
  /* (ZeroMediaKind kind, gint64 us_since_peer_created) */
  signals[SIGNAL_FIRST_FRAME] =
    g_signal_new ("first-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT64);
  /* (ZeroPeerStats *stats), about once a second once connected */
  signals[SIGNAL_STATS] =
    g_signal_new ("stats", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, ZERO_TYPE_PEER_STATS);
  /* (double fraction_lost, double rtt_ms, double remb_kbps), -1 when unknown: what the
   * remote reports about our sending, for the shared encoder's bitrate. */
  signals[SIGNAL_FEEDBACK] =
    g_signal_new ("feedback", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  /* (ZeroMediaKind kind, GstPad *encoded_src): the pad given to add_send_stream, unlinked
   * on close; the caller releases it (e.g. back to its tee). */
  signals[SIGNAL_SEND_PAD_RELEASED] =
    g_signal_new ("send-pad-released", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, GST_TYPE_PAD);
  /* An offer/answer exchange completed (both descriptions applied). */
  signals[SIGNAL_NEGOTIATED] =
    g_signal_new ("negotiated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  GST_DEBUG_CATEGORY_INIT (zero_peer_debug, "zero-peer", 0, "Zero WebRTC peer");
}

static void
zero_peer_init (ZeroPeer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->build_cond);
  self->recv = g_ptr_array_new_with_free_func ((GDestroyNotify) _zero_recv_stream_free);
  self->remote_kinds = g_array_new (FALSE, FALSE, sizeof (int));
  self->local_pt_kinds = g_hash_table_new (NULL, NULL);
  for (guint k = 0; k < ZERO_MEDIA_N_KINDS; k++)
    self->offer_mline[k] = -1;
  self->pending_candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->local_candidates = g_ptr_array_new_with_free_func (local_candidate_free);
  self->state = ZERO_PEER_STATE_NEW;
}

/* ---------------------------------------------------------------------------------- */
/* Public API                                                                          */

static gboolean
check_elements (GError **error)
{
  static const char *const needed[] = {
    "webrtcbin", "nicesrc", "nicesink", "dtlssrtpenc", "dtlssrtpdec", "srtpenc", "srtpdec",
    "sctpenc", "sctpdec", "rtpbin", "rtpopuspay", "rtpopusdepay", "opusdec", "rtpvp8pay",
    "rtpvp8depay", "vp8dec", "rtph264pay", "rtph264depay", "h264parse", "capssetter",
    "appsink", "queue", "tee", "videoconvert", "audioconvert", "fakesink",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (needed); i++)
    {
      g_autoptr (GstElementFactory) f = gst_element_factory_find (needed[i]);

      if (f == NULL)
        {
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_MISSING_ELEMENT,
                       "The GStreamer element \"%s\" is not installed", needed[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
element_name_for (const char *remote_id)
{
  static gint counter;
  GString *s = g_string_new ("zero-peer-");

  for (const char *p = remote_id; *p && s->len < 48; p++)
    g_string_append_c (s, g_ascii_isalnum (*p) || *p == '-' ? *p : '_');
  g_string_append_printf (s, "-%d", g_atomic_int_add (&counter, 1));
  return g_string_free (s, FALSE);
}

ZeroPeer *
zero_peer_new (GstBin                *bin,
               const char            *remote_id,
               gboolean               offerer,
               const ZeroPeerOptions *opts,
               GError               **error)
{
  g_autoptr (ZeroPeer) self = NULL;
  ZeroPeerOptions defaults;
  g_autofree char *name = NULL;
  g_autoptr (GstElement) rtpbin = NULL;
  gboolean loopback;

  g_return_val_if_fail (GST_IS_BIN (bin), NULL);
  g_return_val_if_fail (remote_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (opts == NULL)
    {
      zero_peer_options_init (&defaults);
      opts = &defaults;
    }
  if (*remote_id == '\0')
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_INVALID_ARGUMENT,
                   "The remote peer id is empty");
      return NULL;
    }
  if (!check_elements (error))
    return NULL;

  self = g_object_new (ZERO_TYPE_PEER, NULL);
  self->created_us = g_get_monotonic_time ();
  self->context = g_main_context_ref_thread_default ();
  self->remote_id = g_strdup (remote_id);
  self->offerer = offerer;
  self->opts = *opts;
  self->opts.ice_servers = opts->ice_servers ? g_ptr_array_ref (opts->ice_servers) : NULL;
  self->opts.video_caps = g_strdup (opts->video_caps ? opts->video_caps : "video/x-raw");
  self->video_caps = gst_caps_from_string (self->opts.video_caps);
  if (self->video_caps == NULL || gst_caps_get_size (self->video_caps) == 0 ||
      !gst_structure_has_name (gst_caps_get_structure (self->video_caps, 0), "video/x-raw"))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_INVALID_ARGUMENT,
                   "video_caps \"%s\" are not video/x-raw caps", self->opts.video_caps);
      return NULL;
    }
  if (self->opts.echo)
    self->opts.send_audio = self->opts.send_video = FALSE;

  if (zero_dtls_cert_get_pem (error) == NULL)
    return NULL;
  zero_peer_prewarm ();

  name = element_name_for (remote_id);
  self->bin = GST_BIN (gst_object_ref_sink (zero_peer_bin_new (name, on_bin_error, self)));
  self->webrtc = gst_element_factory_make ("webrtcbin", "webrtc");
  if (self->webrtc == NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_MISSING_ELEMENT,
                   "Could not create webrtcbin");
      return NULL;
    }
  gst_object_ref_sink (self->webrtc);
  g_object_set (self->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                self->opts.jitter_buffer_ms, NULL);
  g_signal_connect (self->webrtc, "element-added", G_CALLBACK (on_webrtc_element_added), self);

  if (self->opts.relay_only)
    g_object_set (self->webrtc, "ice-transport-policy", GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY,
                  NULL);
  loopback = zero_ice_use_loopback (self->opts.loopback_candidates);
  self->nice_agent = zero_ice_configure (self->webrtc, self->opts.ice_servers, loopback,
                                         self->opts.ice_tcp, error);
  g_debug ("peer %s: %s, loopback candidates %s", remote_id, offerer ? "offerer" : "answerer",
           loopback ? "on" : "off");

  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_notify_state),
                    self);
  g_signal_connect (self->webrtc, "notify::ice-connection-state", G_CALLBACK (on_notify_state),
                    self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (_zero_peer_on_pad_added), self);
  g_signal_connect (self->webrtc, "on-data-channel", G_CALLBACK (on_data_channel), self);
  g_signal_connect (self->webrtc, "on-new-transceiver", G_CALLBACK (on_new_transceiver), self);

  gst_bin_add (self->bin, self->webrtc);
  rtpbin = gst_bin_get_by_name (GST_BIN (self->webrtc), "rtpbin");
  if (rtpbin)
    g_signal_connect (rtpbin, "new-jitterbuffer", G_CALLBACK (on_new_jitterbuffer), self);

  self->parent_bin = gst_object_ref (bin);
  if (!gst_bin_add (bin, GST_ELEMENT (self->bin)))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_PIPELINE,
                   "Could not add the peer's bin to %s", GST_OBJECT_NAME (bin));
      gst_clear_object (&self->parent_bin);
      return NULL;
    }
  /* READY starts webrtcbin's thread; the data channel must exist before the first offer,
   * and the first offer is made in zero_peer_start(). The answerer runs right away so
   * that it can answer as soon as the offer comes. */
  gst_element_set_state (GST_ELEMENT (self->bin), GST_STATE_READY);
  if (!offerer)
    gst_element_sync_state_with_parent (GST_ELEMENT (self->bin));

  _zero_peer_stats_start (self);
  return g_steal_pointer (&self);
}

const char *
zero_peer_get_remote_id (ZeroPeer *self)
{
  g_return_val_if_fail (ZERO_IS_PEER (self), NULL);
  return self->remote_id;
}

gboolean
zero_peer_is_offerer (ZeroPeer *self)
{
  g_return_val_if_fail (ZERO_IS_PEER (self), FALSE);
  return self->offerer;
}

ZeroPeerState
zero_peer_get_state (ZeroPeer *self)
{
  g_return_val_if_fail (ZERO_IS_PEER (self), ZERO_PEER_STATE_CLOSED);
  return self->state;
}

const GError *
zero_peer_get_error (ZeroPeer *self)
{
  g_return_val_if_fail (ZERO_IS_PEER (self), NULL);
  return self->error;
}

gboolean
zero_peer_add_send_stream (ZeroPeer     *self,
                           ZeroMediaKind kind,
                           GstPad       *encoded_src,
                           GError      **error)
{
  g_autoptr (GstCaps) caps = NULL;
  ZeroCodec codec;

  g_return_val_if_fail (ZERO_IS_PEER (self), FALSE);
  g_return_val_if_fail (GST_IS_PAD (encoded_src), FALSE);
  g_return_val_if_fail (GST_PAD_IS_SRC (encoded_src), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->closed)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "The connection to %s is closed", self->remote_id);
      return FALSE;
    }
  if ((guint) kind >= ZERO_MEDIA_N_KINDS)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_INVALID_ARGUMENT,
                   "Unknown media kind %d", kind);
      return FALSE;
    }
  if (self->opts.echo)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "An echo peer sends back what it receives, not its own media");
      return FALSE;
    }
  if (self->send[kind] != NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "The peer already sends %s", zero_media_kind_to_string (kind));
      return FALSE;
    }
  if ((kind == ZERO_MEDIA_KIND_AUDIO && !self->opts.send_audio) ||
      (kind != ZERO_MEDIA_KIND_AUDIO && !self->opts.send_video))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "This peer does not send %s (send_%s is off)",
                   zero_media_kind_to_string (kind),
                   kind == ZERO_MEDIA_KIND_AUDIO ? "audio" : "video");
      return FALSE;
    }
  if (GST_PAD_IS_LINKED (encoded_src))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_INVALID_ARGUMENT,
                   "The encoded pad %s:%s is already linked", GST_DEBUG_PAD_NAME (encoded_src));
      return FALSE;
    }
  caps = gst_pad_get_current_caps (encoded_src);
  if (caps == NULL)
    caps = gst_pad_query_caps (encoded_src, NULL);
  codec = _zero_codec_from_caps (caps);
  if (codec == ZERO_CODEC_NONE ||
      (kind == ZERO_MEDIA_KIND_AUDIO) != (codec == ZERO_CODEC_OPUS))
    {
      g_autofree char *s = caps ? gst_caps_to_string (caps) : g_strdup ("(none)");

      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_INVALID_ARGUMENT,
                   "Cannot send %s with caps %s (expected audio/x-opus, video/x-vp8 or "
                   "video/x-h264)", zero_media_kind_to_string (kind), s);
      return FALSE;
    }

  /* Linked when attached to a transceiver: the answerer learns the payload type from
   * the offer. */
  {
    ZeroSendStream *stream = _zero_send_stream_new (self, kind, codec, encoded_src);

    /* Streaming threads look at send[] (keyframe requests, echo) under the lock. */
    g_mutex_lock (&self->lock);
    self->send[kind] = stream;
    g_mutex_unlock (&self->lock);
  }

  /* Added after the first negotiation: the offerer re-offers; the answerer asks. */
  if (self->started && self->state < ZERO_PEER_STATE_FAILED)
    {
      if (self->offerer)
        create_offer (self);
      else
        {
          g_autoptr (JsonObject) msg = json_object_new ();

          json_object_set_string_member (msg, "type", "request-offer");
          if (kind == ZERO_MEDIA_KIND_SCREEN)
            json_object_set_boolean_member (msg, "screen", TRUE);
          send_signal (self, msg);
        }
    }
  return TRUE;
}

void
zero_peer_set_playback_func (ZeroPeer               *self,
                             ZeroPeerPlaybackRequest request,
                             ZeroPeerPlaybackRelease release,
                             gpointer                user_data,
                             GDestroyNotify          destroy)
{
  g_return_if_fail (ZERO_IS_PEER (self));

  if (self->playback_destroy && self->playback_data)
    self->playback_destroy (self->playback_data);
  g_mutex_lock (&self->lock);
  self->playback_request = request;
  self->playback_release = release;
  self->playback_data = user_data;
  self->playback_destroy = destroy;
  g_mutex_unlock (&self->lock);
}

void
zero_peer_start (ZeroPeer *self)
{
  GstState parent_state = GST_STATE_NULL;

  g_return_if_fail (ZERO_IS_PEER (self));

  if (self->started || self->closed)
    return;
  self->started = TRUE;
  set_state (self, ZERO_PEER_STATE_CONNECTING);
  arm_connect_timeout (self);
  if (!self->offerer)
    return;

  log_phase (self, "start", NULL);
  if (self->channel == NULL && !self->opts.no_data_channel)
    {
      GstWebRTCDataChannel *channel = NULL;

      /* Reliable and ordered: the defaults. Created before the first offer so that the
       * offer carries m=application. */
      g_signal_emit_by_name (self->webrtc, "create-data-channel", "zero", NULL, &channel);
      if (channel == NULL)
        {
          _zero_peer_fail (self, g_error_new (ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_PIPELINE,
                                              "webrtcbin could not create the data channel"));
          return;
        }
      hook_channel (self, channel);
      self->channel = channel;
    }
  /* Run before linking anything to the caller's tees: a branch that is not active
   * answers a push with FLUSHING, and a tee passes that up and stops the shared
   * encoder. */
  gst_element_get_state (GST_ELEMENT (self->parent_bin), &parent_state, NULL, 0);
  if (parent_state >= GST_STATE_READY)
    gst_element_sync_state_with_parent (GST_ELEMENT (self->bin));
  ensure_offer_transceivers (self);
  create_offer (self);
}

void
zero_peer_request_renegotiation (ZeroPeer *self)
{
  g_return_if_fail (ZERO_IS_PEER (self));

  if (self->closed || !self->started || self->state >= ZERO_PEER_STATE_FAILED)
    return;
  if (self->offerer)
    create_offer (self);
  else
    {
      g_autoptr (JsonObject) msg = json_object_new ();

      json_object_set_string_member (msg, "type", "request-offer");
      send_signal (self, msg);
    }
}

gboolean
zero_peer_send_data (ZeroPeer   *self,
                     const char *text,
                     GError    **error)
{
  g_return_val_if_fail (ZERO_IS_PEER (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!self->data_open || self->channel == NULL || self->closed)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_STATE,
                   "The data channel to %s is not open", self->remote_id);
      return FALSE;
    }
  return gst_webrtc_data_channel_send_string_full (self->channel, text, error);
}

gboolean
zero_peer_is_data_open (ZeroPeer *self)
{
  g_return_val_if_fail (ZERO_IS_PEER (self), FALSE);
  return self->data_open;
}

guint64
zero_peer_get_frames_decoded (ZeroPeer     *self,
                              ZeroMediaKind kind)
{
  g_return_val_if_fail (ZERO_IS_PEER (self), 0);

  if (kind == ZERO_MEDIA_KIND_AUDIO)
    return (guint64) zero_atomic_get64 (&self->audio_buffers);
  return (guint64) zero_atomic_get64 (&self->video_frames);
}

static void
on_agent_closed (GObject      *agent,
                 GAsyncResult *result,
                 gpointer      data)
{
  *(gboolean *) data = TRUE;
}

/* Deallocates TURN relays before the agent goes (webrtcbin 1.22 leaves them to expire,
 * and libnice warns). The agent's timers run on webrtcbin's ICE thread, still alive
 * here; the completion comes to a private context of ours, so that neither the caller's
 * main loop runs re-entrantly nor we block it for nothing. At most 500 ms (only a TURN
 * server that does not answer takes that long). */
static void
close_nice_agent (gpointer agent)
{
  GMainContext *ctx = g_main_context_new ();
  gint64 deadline = g_get_monotonic_time () + 500 * G_TIME_SPAN_MILLISECOND;
  gboolean done = FALSE;

  g_main_context_push_thread_default (ctx);
  nice_agent_close_async (agent, on_agent_closed, &done);
  while (!done && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (ctx, FALSE))
      g_usleep (1000);
  g_main_context_pop_thread_default (ctx);
  if (!done)
    g_debug ("TURN relays not released within 500 ms");
  /* A late completion only needs the context to exist (it holds the agent). */
  g_main_context_unref (ctx);
}

void
zero_peer_close (ZeroPeer *self)
{
  g_return_if_fail (ZERO_IS_PEER (self));

  if (self->closed || self->closing)
    return;
  self->closing = TRUE;
  g_debug ("peer %s: closing at %.1f ms", self->remote_id, _zero_peer_now (self) / 1000.0);
  g_atomic_int_set (&self->verified, 0);
  _zero_peer_timeout_clear (self, &self->connect_timeout_id);
  _zero_peer_timeout_clear (self, &self->restart_timeout_id);
  _zero_peer_timeout_clear (self, &self->rtcp_tune_id);
  _zero_peer_stats_stop (self);

  if (self->bin)
    zero_peer_bin_disconnect (ZERO_PEER_BIN (self->bin));

  /* 1.22.0: close the data channel before the state change (teardown deadlocks). */
  g_mutex_lock (&self->lock);
  if (self->hooked_channel)
    g_signal_handlers_disconnect_by_data (self->hooked_channel, self);
  g_clear_object (&self->hooked_channel);
  g_mutex_unlock (&self->lock);
  if (self->channel && self->data_open)
    gst_webrtc_data_channel_close (self->channel);
  self->data_open = FALSE;
  g_clear_pointer (&self->early_messages, g_ptr_array_unref);

  if (self->webrtc)
    g_signal_handlers_disconnect_by_data (self->webrtc, self);
  g_mutex_lock (&self->lock);
  if (self->dtls_dec)
    g_signal_handlers_disconnect_by_data (self->dtls_dec, self);
  g_mutex_unlock (&self->lock);
  if (self->rtp_session)
    g_signal_handlers_disconnect_by_data (self->rtp_session, self);

  _zero_peer_media_teardown (self);

  g_clear_object (&self->channel);
  g_clear_object (&self->rtp_session);
  g_mutex_lock (&self->lock);
  gst_clear_object (&self->dtls_dec);
  g_mutex_unlock (&self->lock);
  /* Release TURN allocations while nicesrc still reads the servers' answers. */
  if (self->nice_agent)
    close_nice_agent (self->nice_agent);
  g_clear_object (&self->nice_agent);
  if (self->bin)
    {
      gst_element_set_state (GST_ELEMENT (self->bin), GST_STATE_NULL);
      if (self->parent_bin && GST_OBJECT_PARENT (self->bin) == GST_OBJECT (self->parent_bin))
        gst_bin_remove (self->parent_bin, GST_ELEMENT (self->bin));
    }
  gst_clear_object (&self->webrtc);
  gst_clear_object (&self->bin);
  gst_clear_object (&self->parent_bin);

  self->closed = TRUE;
  self->closing = FALSE;
  set_state (self, ZERO_PEER_STATE_CLOSED);
}

/* zero-peer-media.c: ZeroPeer's media: send branches (payloaders into webrtcbin), the
 * answerer's choice of transceivers for an offer, and the receive branches (depayload,
 * decode, hand out).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-peer-private.h"

#include <gst/app/app.h>
#include <gst/video/video.h>

#include "webrtc/zero-peer-sdp.h"

#define GST_CAT_DEFAULT zero_peer_debug

/* ---------------------------------------------------------------------------------- */
/* Codecs                                                                              */

const char *
_zero_codec_to_string (ZeroCodec codec)
{
  switch (codec)
    {
    case ZERO_CODEC_OPUS:
      return "OPUS";
    case ZERO_CODEC_VP8:
      return "VP8";
    case ZERO_CODEC_H264:
      return "H264";
    case ZERO_CODEC_NONE:
    default:
      return NULL;
    }
}

ZeroCodec
_zero_codec_from_encoding_name (const char *name)
{
  if (name == NULL)
    return ZERO_CODEC_NONE;
  if (g_ascii_strcasecmp (name, "OPUS") == 0)
    return ZERO_CODEC_OPUS;
  if (g_ascii_strcasecmp (name, "VP8") == 0)
    return ZERO_CODEC_VP8;
  if (g_ascii_strcasecmp (name, "H264") == 0)
    return ZERO_CODEC_H264;
  return ZERO_CODEC_NONE;
}

/* The codec of encoded (not RTP) caps. */
ZeroCodec
_zero_codec_from_caps (const GstCaps *caps)
{
  const GstStructure *s;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return ZERO_CODEC_NONE;
  s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_name (s, "audio/x-opus"))
    return ZERO_CODEC_OPUS;
  if (gst_structure_has_name (s, "video/x-vp8"))
    return ZERO_CODEC_VP8;
  if (gst_structure_has_name (s, "video/x-h264"))
    return ZERO_CODEC_H264;
  return ZERO_CODEC_NONE;
}

/* The payload types our offers use: distinct per m-line, so that the receiving side can
 * tell bundled streams apart by payload type alone. */
int
_zero_default_pt (ZeroMediaKind kind,
                  ZeroCodec     codec)
{
  switch (codec)
    {
    case ZERO_CODEC_OPUS:
      return 111;
    case ZERO_CODEC_VP8:
      return kind == ZERO_MEDIA_KIND_SCREEN ? 108 : 96;
    case ZERO_CODEC_H264:
      return kind == ZERO_MEDIA_KIND_SCREEN ? 110 : 102;
    case ZERO_CODEC_NONE:
    default:
      return -1;
    }
}

/* RTP caps for sending @codec with payload type @pt; @fmtp carries the H.264 parameters
 * of the offer we answer (profile-level-id is set by a capssetter, see below). */
GstCaps *
_zero_codec_rtp_caps (ZeroMediaKind       kind,
                      ZeroCodec           codec,
                      int                 pt,
                      const GstStructure *fmtp)
{
  GstCaps *caps;
  GstStructure *s;

  caps = gst_caps_new_simple ("application/x-rtp",
                              "media", G_TYPE_STRING,
                              codec == ZERO_CODEC_OPUS ? "audio" : "video",
                              "encoding-name", G_TYPE_STRING, _zero_codec_to_string (codec),
                              "payload", G_TYPE_INT, pt,
                              "clock-rate", G_TYPE_INT,
                              codec == ZERO_CODEC_OPUS ? 48000 : 90000,
                              NULL);
  s = gst_caps_get_structure (caps, 0);
  switch (codec)
    {
    case ZERO_CODEC_OPUS:
      /* opus/48000/2 (RFC 7587), with in-band FEC which opusdec uses on loss. */
      gst_structure_set (s, "encoding-params", G_TYPE_STRING, "2", "useinbandfec",
                         G_TYPE_STRING, "1", "minptime", G_TYPE_STRING, "10", NULL);
      break;
    case ZERO_CODEC_H264:
      gst_structure_set (s, "packetization-mode", G_TYPE_STRING, "1", NULL);
      if (fmtp && gst_structure_get_string (fmtp, "level-asymmetry-allowed"))
        gst_structure_set (s, "level-asymmetry-allowed", G_TYPE_STRING,
                           gst_structure_get_string (fmtp, "level-asymmetry-allowed"), NULL);
      /* fall through */
    case ZERO_CODEC_VP8:
      /* Browsers send REMB for goog-remb: our send-rate estimate. */
      gst_structure_set (s, "rtcp-fb-goog-remb", G_TYPE_BOOLEAN, TRUE, NULL);
      break;
    case ZERO_CODEC_NONE:
    default:
      break;
    }
  return caps;
}

static GstStructure *
offer_structure (const GstSDPMedia *media,
                 int                pt)
{
  GstCaps *caps = gst_sdp_media_get_caps_from_media (media, pt);
  GstStructure *s;

  if (caps == NULL)
    return NULL;
  s = gst_structure_copy (gst_caps_get_structure (caps, 0));
  gst_caps_unref (caps);
  /* webrtcbin expects upper-case encoding names in caps it compares. */
  if (gst_structure_get_string (s, "encoding-name"))
    {
      g_autofree char *up = g_ascii_strup (gst_structure_get_string (s, "encoding-name"), -1);

      gst_structure_set (s, "encoding-name", G_TYPE_STRING, up, NULL);
    }
  return s;
}

/* What we can receive and decode for @kind, as codec preferences: the offer's own
 * formats when answering @offer (so that caps intersect exactly), else our defaults. */
GstCaps *
_zero_recv_codec_caps (ZeroMediaKind      kind,
                       const GstSDPMedia *offer)
{
  static const char *const video[] = { "VP8", "H264" };
  GstCaps *caps = gst_caps_new_empty ();

  if (kind == ZERO_MEDIA_KIND_AUDIO)
    {
      if (offer)
        {
          int pt = zero_sdp_pick_payload (offer, "OPUS", NULL);
          GstStructure *s = pt >= 0 ? offer_structure (offer, pt) : NULL;

          if (s)
            gst_caps_append_structure (caps, s);
        }
      else
        gst_caps_append (caps, _zero_codec_rtp_caps (kind, ZERO_CODEC_OPUS, 111, NULL));
      return caps;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (video); i++)
    {
      ZeroCodec codec = _zero_codec_from_encoding_name (video[i]);

      if (offer)
        {
          /* Every usable format of that codec: the remote picks the profile. */
          for (guint f = 0; f < gst_sdp_media_formats_len (offer); f++)
            {
              int pt = (int) g_ascii_strtoll (gst_sdp_media_get_format (offer, f), NULL, 10);
              GstStructure *s = offer_structure (offer, pt);

              if (s == NULL)
                continue;
              if (_zero_codec_from_encoding_name (gst_structure_get_string (s, "encoding-name"))
                    != codec ||
                  (codec == ZERO_CODEC_H264 &&
                   g_strcmp0 (gst_structure_get_string (s, "packetization-mode"), "1") != 0))
                {
                  gst_structure_free (s);
                  continue;
                }
              gst_caps_append_structure (caps, s);
            }
        }
      else
        {
          GstCaps *c = _zero_codec_rtp_caps (kind, codec, _zero_default_pt (kind, codec), NULL);

          if (codec == ZERO_CODEC_H264)
            gst_caps_set_simple (c, "profile-level-id", G_TYPE_STRING, "42e01f",
                                 "level-asymmetry-allowed", G_TYPE_STRING, "1", NULL);
          gst_caps_append (caps, c);
        }
    }
  return caps;
}

/* ---------------------------------------------------------------------------------- */
/* Helpers                                                                             */

static GstElement *
make (const char *factory,
      const char *name)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL)
    g_warning ("GStreamer element %s is missing", factory);
  return e;
}

typedef struct {
  gatomicrefcount ref;
  GMutex lock;
  GCond cond;
  gboolean done;
  GstPad *peer;
} IdleUnlink;

static void
idle_unlink_unref (gpointer data)
{
  IdleUnlink *u = data;

  if (!g_atomic_ref_count_dec (&u->ref))
    return;
  gst_clear_object (&u->peer);
  g_mutex_clear (&u->lock);
  g_cond_clear (&u->cond);
  g_free (u);
}

static GstPadProbeReturn
on_idle_unlink (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  IdleUnlink *u = user_data;

  g_mutex_lock (&u->lock);
  if (!u->done)
    {
      gst_pad_unlink (pad, u->peer);
      u->done = TRUE;
      g_cond_signal (&u->cond);
    }
  g_mutex_unlock (&u->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* Unlinks @src from its peer between two buffers, so that the upstream thread (a shared
 * tee, say) never pushes into our elements while they shut down. Falls back to a plain
 * unlink after 500 ms (a stalled upstream). */
static void
unlink_when_idle (GstPad *src)
{
  IdleUnlink *u;
  gint64 deadline = g_get_monotonic_time () + 500 * G_TIME_SPAN_MILLISECOND;
  GstPad *peer = gst_pad_get_peer (src);
  gulong id;

  if (peer == NULL)
    return;
  u = g_new0 (IdleUnlink, 1);
  g_atomic_ref_count_init (&u->ref);
  g_atomic_ref_count_inc (&u->ref); /* one for the probe */
  g_mutex_init (&u->lock);
  g_cond_init (&u->cond);
  u->peer = peer;
  id = gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_IDLE, on_idle_unlink, u, idle_unlink_unref);
  g_mutex_lock (&u->lock);
  while (!u->done)
    if (!g_cond_wait_until (&u->cond, &u->lock, deadline))
      break;
  if (!u->done)
    {
      /* Still installed: the callback cannot have returned while we hold the lock. */
      if (id != 0)
        gst_pad_remove_probe (src, id);
      gst_pad_unlink (src, u->peer);
      u->done = TRUE;
    }
  g_mutex_unlock (&u->lock);
  idle_unlink_unref (u);
}

/* ---------------------------------------------------------------------------------- */
/* Sending                                                                             */

ZeroSendStream *
_zero_send_stream_new (ZeroPeer     *self,
                       ZeroMediaKind kind,
                       ZeroCodec     codec,
                       GstPad       *encoded_src)
{
  ZeroSendStream *stream = g_new0 (ZeroSendStream, 1);

  stream->peer = self;
  stream->kind = kind;
  stream->codec = codec;
  stream->pt = -1;
  stream->echo = encoded_src == NULL;
  stream->encoded_src = encoded_src ? gst_object_ref (encoded_src) : NULL;
  return stream;
}

void
_zero_send_stream_free (ZeroSendStream *stream)
{
  if (stream == NULL)
    return;
  gst_clear_object (&stream->encoded_src);
  gst_clear_object (&stream->ghost_sink);
  gst_clear_object (&stream->webrtc_sink);
  gst_clear_object (&stream->transceiver);
  gst_clear_object (&stream->queue);
  gst_clear_object (&stream->pay);
  gst_clear_object (&stream->capsfilter);
  gst_clear_object (&stream->setter);
  g_free (stream);
}

/* Nothing of ours goes out before the remote's certificate is verified. */
static GstPadProbeReturn
on_send_gate (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  ZeroPeer *self = user_data; /* outlives the elements: they stop before it goes */

  return g_atomic_int_get (&self->verified) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

static void request_keyframe_for (ZeroPeer     *self,
                                  ZeroMediaKind kind);

/* The remote asks our echo for a keyframe: only the original sender (the remote, on
 * the matching incoming stream) can make one. */
typedef struct {
  ZeroPeer *peer; /* outlives the elements */
  ZeroMediaKind kind;
} EchoProbe;

static GstPadProbeReturn
on_echo_upstream_event (GstPad          *pad,
                        GstPadProbeInfo *info,
                        gpointer         user_data)
{
  EchoProbe *ep = user_data;

  if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
    request_keyframe_for (ep->peer, ep->kind);
  return GST_PAD_PROBE_OK;
}

gboolean
_zero_send_stream_attach (ZeroSendStream     *stream,
                          int                 pt,
                          const GstStructure *fmtp,
                          int                 mline,
                          GError            **error)
{
  ZeroPeer *self = stream->peer;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) prefs = NULL;
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstPad) queue_sink = NULL;
  g_autofree char *pad_name = NULL;
  GstPadTemplate *templ;
  GstElement *last;
  const char *pay_factory;
  const char *kind_name = zero_media_kind_to_string (stream->kind);

  g_return_val_if_fail (!stream->linked, FALSE);

  stream->pt = pt;
  /* A fixed SSRC, stated in the caps: webrtcbin 1.22 writes a=ssrc from the caps it has
   * when it makes the SDP, and the remote demuxes our bundled streams by those lines
   * (without them it files every unknown SSRC under the first m-line). */
  if (stream->ssrc == 0)
    stream->ssrc = g_random_int_range (1, G_MAXINT32);
  caps = _zero_codec_rtp_caps (stream->kind, stream->codec, pt, fmtp);
  gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, stream->ssrc, NULL);
  prefs = gst_caps_copy (caps);

  pay_factory = stream->codec == ZERO_CODEC_OPUS ? "rtpopuspay"
                : stream->codec == ZERO_CODEC_VP8 ? "rtpvp8pay" : "rtph264pay";
  /* Echo is fed from an appsink on the receive side: a direct link would close a loop
   * through webrtcbin, which GstBin refuses to sort for state changes. */
  stream->queue = make (stream->echo ? "appsrc" : "queue", NULL);
  stream->pay = make (pay_factory, NULL);
  stream->capsfilter = make ("capsfilter", NULL);
  if (!stream->queue || !stream->pay || !stream->capsfilter)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_MISSING_ELEMENT,
                   "Missing elements to send %s", kind_name);
      return FALSE;
    }
  gst_object_ref_sink (stream->queue);
  gst_object_ref_sink (stream->pay);
  gst_object_ref_sink (stream->capsfilter);

  /* Leaky: a slow or not yet connected peer must never stall the shared encoder's tee.
   * Small: what waits here is latency. */
  if (stream->echo)
    {
      g_autoptr (GstPad) appsrc_src = gst_element_get_static_pad (stream->queue, "src");
      EchoProbe *ep = g_new0 (EchoProbe, 1);

      g_object_set (stream->queue, "format", GST_FORMAT_TIME, "is-live", TRUE,
                    "do-timestamp", FALSE, "max-buffers", (guint64) 8, "block", FALSE, NULL);
      gst_util_set_object_arg (G_OBJECT (stream->queue), "leaky-type", "downstream");
      ep->peer = self;
      ep->kind = stream->kind;
      gst_pad_add_probe (appsrc_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_echo_upstream_event,
                         ep, g_free);
    }
  else
    g_object_set (stream->queue, "leaky", 2, "max-size-buffers", 0, "max-size-bytes", 0,
                  "max-size-time", (guint64) 200 * GST_MSECOND, "silent", TRUE, NULL);
  g_object_set (stream->pay, "pt", (guint) pt, "ssrc", stream->ssrc, "mtu", (guint) 1200, NULL);
  if (stream->codec == ZERO_CODEC_VP8)
    gst_util_set_object_arg (G_OBJECT (stream->pay), "picture-id-mode", "15-bit");
  else if (stream->codec == ZERO_CODEC_H264)
    {
      /* SPS/PPS with every IDR (late joiners, loss), and no aggregation delay. */
      g_object_set (stream->pay, "config-interval", -1, NULL);
      gst_util_set_object_arg (G_OBJECT (stream->pay), "aggregate-mode", "zero-latency");
    }
  g_object_set (stream->capsfilter, "caps", caps, NULL);

  gst_bin_add_many (self->bin, stream->queue, stream->pay, stream->capsfilter, NULL);
  if (!gst_element_link_many (stream->queue, stream->pay, stream->capsfilter, NULL))
    goto link_failed;
  last = stream->capsfilter;

  if (stream->codec == ZERO_CODEC_H264)
    {
      const char *plid = fmtp ? gst_structure_get_string (fmtp, "profile-level-id") : NULL;
      const char *profile = fmtp ? gst_structure_get_string (fmtp, "profile") : NULL;
      g_autoptr (GstCaps) set = NULL;

      /* rtph264pay writes the SPS's profile-level-id (x264 baseline: 42c0xx); state the
       * one negotiated (or constrained baseline when we offer), which is what we send:
       * webrtcbin matches our caps against the offer's, profile included. */
      stream->setter = gst_object_ref_sink (make ("capssetter", NULL));
      set = gst_caps_new_simple ("application/x-rtp", "profile-level-id", G_TYPE_STRING,
                                 plid ? plid : "42e01f", "profile", G_TYPE_STRING,
                                 profile ? profile : "constrained-baseline", NULL);
      g_object_set (stream->setter, "caps", set, "join", TRUE, "replace", FALSE, NULL);
      gst_bin_add (self->bin, stream->setter);
      if (!gst_element_link (last, stream->setter))
        goto link_failed;
      last = stream->setter;
      gst_caps_set_simple (prefs, "profile-level-id", G_TYPE_STRING, plid ? plid : "42e01f",
                           "profile", G_TYPE_STRING, profile ? profile : "constrained-baseline",
                           NULL);
    }

  src = gst_element_get_static_pad (last, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_send_gate, self, NULL);

  if (mline >= 0)
    {
      GstWebRTCRTPTransceiver *trans = NULL;

      /* An existing recvonly m-line starts sending: the pad request needs it sendrecv. */
      g_signal_emit_by_name (self->webrtc, "get-transceiver", mline, &trans);
      if (trans)
        {
          g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
                        NULL);
          gst_object_unref (trans);
        }
      pad_name = g_strdup_printf ("sink_%d", mline);
    }
  templ = gst_element_get_pad_template (self->webrtc, "sink_%u");
  stream->webrtc_sink = gst_element_request_pad (self->webrtc, templ, pad_name, prefs);
  if (stream->webrtc_sink == NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_PIPELINE,
                   "webrtcbin gave no sink pad for %s", kind_name);
      return FALSE;
    }
  if (gst_pad_link (src, stream->webrtc_sink) != GST_PAD_LINK_OK)
    goto link_failed;
  g_object_get (stream->webrtc_sink, "transceiver", &stream->transceiver, NULL);
  if (stream->transceiver)
    {
      /* Fixes our payload type in the SDP even before caps flow (webrtcbin picks RTX
       * payload types around the ones it knows of). */
      g_object_set (stream->transceiver, "codec-preferences", prefs, NULL);
      if (stream->kind != ZERO_MEDIA_KIND_AUDIO)
        g_object_set (stream->transceiver, "do-nack", TRUE, NULL);
    }

  gst_element_sync_state_with_parent (stream->capsfilter);
  if (stream->setter)
    gst_element_sync_state_with_parent (stream->setter);
  gst_element_sync_state_with_parent (stream->pay);
  gst_element_sync_state_with_parent (stream->queue);

  if (stream->encoded_src)
    {
      queue_sink = gst_element_get_static_pad (stream->queue, "sink");
      if (!gst_pad_link_maybe_ghosting (stream->encoded_src, queue_sink))
        {
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_PIPELINE,
                       "Could not link %s:%s to the peer",
                       GST_DEBUG_PAD_NAME (stream->encoded_src));
          return FALSE;
        }
      stream->ghost_sink = gst_pad_get_peer (stream->encoded_src);
    }
  /* Published last, under the lock streaming threads read it with. */
  g_mutex_lock (&self->lock);
  stream->linked = TRUE;
  g_mutex_unlock (&self->lock);
  g_debug ("peer %s: sending %s as %s/%d%s", self->remote_id, kind_name,
           _zero_codec_to_string (stream->codec), pt, stream->echo ? " (echo)" : "");
  return TRUE;

link_failed:
  g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_PIPELINE,
               "Could not link the %s send branch", kind_name);
  return FALSE;
}

/* Sends our encoders a keyframe request (the shared encoder rate-limits them). Any
 * thread. */
void
_zero_peer_send_keyframe (ZeroPeer *self)
{
  g_autoptr (GPtrArray) pads = g_ptr_array_new_with_free_func (gst_object_unref);

  g_mutex_lock (&self->lock);
  for (guint k = 0; k < ZERO_MEDIA_N_KINDS; k++)
    {
      ZeroSendStream *stream = self->send[k];

      if (stream && stream->linked && stream->codec != ZERO_CODEC_OPUS)
        g_ptr_array_add (pads, gst_element_get_static_pad (stream->pay, "src"));
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < pads->len; i++)
    gst_pad_send_event (pads->pdata[i],
                        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
                                                                     0));
}

/* Sends an upstream keyframe request into the depayloaders of @kind's incoming streams
 * (every video kind for -1); rtpsession turns it into an RTCP PLI. Any thread. */
static void
request_keyframe_for (ZeroPeer     *self,
                      ZeroMediaKind kind)
{
  g_autoptr (GPtrArray) depays = g_ptr_array_new_with_free_func (gst_object_unref);

  g_mutex_lock (&self->lock);
  for (guint i = 0; self->recv && i < self->recv->len; i++)
    {
      ZeroRecvStream *r = g_ptr_array_index (self->recv, i);

      if (r->kind != ZERO_MEDIA_KIND_AUDIO && r->depay &&
          ((int) kind < 0 || r->kind == kind))
        g_ptr_array_add (depays, gst_object_ref (r->depay));
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < depays->len; i++)
    {
      g_autoptr (GstPad) pad = gst_element_get_static_pad (depays->pdata[i], "src");

      gst_pad_send_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                                            TRUE, 0));
    }
}

void
zero_peer_request_keyframe (ZeroPeer *self)
{
  g_return_if_fail (ZERO_IS_PEER (self));

  request_keyframe_for (self, (ZeroMediaKind) -1);
}

/* ---------------------------------------------------------------------------------- */
/* Answering                                                                           */

static GstWebRTCRTPTransceiver *
find_transceiver_for_mid (ZeroPeer   *self,
                          const char *mid)
{
  g_autoptr (GArray) all = NULL;
  GstWebRTCRTPTransceiver *found = NULL;

  g_signal_emit_by_name (self->webrtc, "get-transceivers", &all);
  for (guint i = 0; all && i < all->len && !found; i++)
    {
      GstWebRTCRTPTransceiver *t = g_array_index (all, GstWebRTCRTPTransceiver *, i);
      g_autofree char *tmid = NULL;

      g_object_get (t, "mid", &tmid, NULL);
      if (tmid && g_strcmp0 (tmid, mid) == 0)
        found = gst_object_ref (t);
    }
  return found;
}

static ZeroCodec
echo_codec_for (const GstSDPMedia *media,
                ZeroMediaKind      kind)
{
  if (kind == ZERO_MEDIA_KIND_AUDIO)
    return ZERO_CODEC_OPUS;
  if (zero_sdp_pick_payload (media, "VP8", NULL) >= 0)
    return ZERO_CODEC_VP8;
  return ZERO_CODEC_H264;
}

/* Before set-remote-description(offer): give every m-line of the offer a transceiver
 * that sends what we have (with the offer's payload type, so that webrtcbin's caps
 * intersection matches it to that m-line and answers sendrecv) or receives only what we
 * can decode. Transceivers are made in m-line order, which is the order webrtcbin 1.22
 * matches them in. */
gboolean
_zero_peer_prepare_answer (ZeroPeer      *self,
                           GstSDPMessage *offer,
                           GError       **error)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
      const char *mid = gst_sdp_media_get_attribute_val (media, "mid");
      g_autoptr (GstWebRTCRTPTransceiver) existing = NULL;
      GstWebRTCRTPTransceiverDirection dir;
      ZeroMediaKind kind;
      ZeroSendStream *send;
      g_autoptr (GstStructure) fmtp = NULL;
      int pt = -1;

      if (!zero_sdp_media_kind (offer, i, &kind) || zero_sdp_media_is_rejected (media))
        continue;
      if (mid == NULL)
        {
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP,
                       "m-line %u of the offer has no a=mid", i);
          return FALSE;
        }
      dir = zero_sdp_media_direction (media);
      existing = find_transceiver_for_mid (self, mid);

      /* Echo: what comes in on this m-line goes back out on it. */
      if (self->opts.echo && self->send[kind] == NULL)
        {
          ZeroSendStream *echo = _zero_send_stream_new (self, kind, echo_codec_for (media, kind),
                                                        NULL);

          g_mutex_lock (&self->lock);
          self->send[kind] = echo;
          g_mutex_unlock (&self->lock);
        }
      send = self->send[kind];

      if (send && !send->linked &&
          (dir == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV ||
           dir == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY))
        pt = zero_sdp_pick_payload (media, _zero_codec_to_string (send->codec), &fmtp);

      if (pt >= 0)
        {
          g_autoptr (GError) local = NULL;
          int mline = -1;

          if (existing)
            g_object_get (existing, "mlineindex", &mline, NULL);
          if (!_zero_send_stream_attach (send, pt, fmtp, existing ? mline : -1, &local))
            {
              g_debug ("peer %s: cannot send %s on m-line %u: %s", self->remote_id,
                       zero_media_kind_to_string (kind), i, local->message);
            }
          continue;
        }
      if (send && !send->linked)
        g_debug ("peer %s: the offer's m-line %u takes no %s we can send", self->remote_id,
                 i, _zero_codec_to_string (send->codec));
      if (existing == NULL)
        {
          g_autoptr (GstCaps) caps = _zero_recv_codec_caps (kind, media);
          GstWebRTCRTPTransceiver *trans = NULL;

          if (gst_caps_is_empty (caps))
            {
              g_debug ("peer %s: no codec of m-line %u can be decoded", self->remote_id, i);
              continue;
            }
          g_signal_emit_by_name (self->webrtc, "add-transceiver",
                                 GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
          if (trans)
            {
              if (kind != ZERO_MEDIA_KIND_AUDIO)
                g_object_set (trans, "do-nack", TRUE, NULL);
              gst_object_unref (trans);
            }
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* Receiving                                                                           */

void
_zero_recv_stream_free (ZeroRecvStream *r)
{
  if (r == NULL)
    return;
  g_free (r->mid);
  gst_clear_object (&r->webrtc_src);
  g_clear_pointer (&r->elements, g_ptr_array_unref);
  gst_clear_object (&r->depay);
  gst_clear_object (&r->echo_tee);
  gst_clear_object (&r->echo_sink);
  gst_clear_object (&r->echo_appsrc);
  gst_clear_object (&r->playback_pad);
  gst_clear_object (&r->playback_ghost);
  gst_clear_object (&r->sink);
  g_free (r);
}

static gboolean
on_first_frame_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  ZeroRecvStream *r = post->data;
  ZeroPeer *self = post->self;
  gint64 at = zero_atomic_get64 (&r->first_frame_us);

  g_debug ("peer %s: %-22s at %7.1f ms (%s)", self->remote_id, "first decoded frame",
           at / 1000.0, zero_media_kind_to_string (r->kind));
  g_signal_emit_by_name (self, "first-frame", (int) r->kind, at);
  return G_SOURCE_REMOVE;
}

/* Counts a decoded frame; FALSE when it must not reach the application. */
static gboolean
count_frame (ZeroRecvStream *r)
{
  ZeroPeer *self = r->peer;

  if (!g_atomic_int_get (&self->verified))
    return FALSE;
  zero_atomic_add64 (&r->frames, 1);
  zero_atomic_add64 (r->kind == ZERO_MEDIA_KIND_AUDIO ? &self->audio_buffers
                                                      : &self->video_frames, 1);
  if (g_atomic_int_compare_and_exchange (&r->first_seen, 0, 1))
    {
      zero_atomic_set64 (&r->first_frame_us, _zero_peer_now (self));
      /* One first-frame per kind and peer, however many streams carry it. */
      if (g_atomic_int_compare_and_exchange (&self->first_frame_sent[r->kind], 0, 1))
        _zero_peer_post (self, on_first_frame_main, r, NULL);
    }
  return TRUE;
}

typedef struct {
  ZeroRecvStream *stream;
  GstSample *sample;
} SamplePost;

static void
sample_post_free (gpointer data)
{
  SamplePost *sp = data;

  g_atomic_int_dec_and_test (&sp->stream->pending_samples);
  gst_sample_unref (sp->sample);
  g_free (sp);
}

static gboolean
on_sample_main (gpointer user_data)
{
  ZeroPeerPost *post = user_data;
  SamplePost *sp = post->data;

  if (g_atomic_int_get (&post->self->verified))
    g_signal_emit_by_name (post->self,
                           sp->stream->kind == ZERO_MEDIA_KIND_SCREEN ? "video-sample::screen"
                                                                       : "video-sample::video",
                           sp->sample);
  return G_SOURCE_REMOVE;
}

static GstFlowReturn
on_new_sample (GstAppSink *sink,
               gpointer    user_data)
{
  ZeroRecvStream *r = user_data;
  ZeroPeer *self = r->peer;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  SamplePost *sp;

  if (sample == NULL || !count_frame (r))
    return GST_FLOW_OK;
  {
    guint id = g_signal_lookup ("video-sample", ZERO_TYPE_PEER);
    GQuark detail = g_quark_from_static_string (r->kind == ZERO_MEDIA_KIND_SCREEN ? "screen"
                                                                                 : "video");

    /* Nobody watching: do not wake the main loop 30 times a second. (A handler without
     * detail only matches detail 0.) */
    if (!g_signal_has_handler_pending (self, id, detail, FALSE) &&
        !g_signal_has_handler_pending (self, id, 0, FALSE))
      return GST_FLOW_OK;
  }
  /* A main loop that falls behind gets the newest frames, not a growing backlog. */
  if (g_atomic_int_add (&r->pending_samples, 1) >= 2)
    {
      g_atomic_int_dec_and_test (&r->pending_samples);
      return GST_FLOW_OK;
    }
  sp = g_new0 (SamplePost, 1);
  sp->stream = r;
  {
    GstStructure *info = gst_structure_new ("zero/frame", "kind", G_TYPE_INT, (int) r->kind,
                                            "mid", G_TYPE_STRING, r->mid ? r->mid : "", NULL);

    sp->sample = gst_sample_new (gst_sample_get_buffer (sample), gst_sample_get_caps (sample),
                                 gst_sample_get_segment (sample), info);
  }
  _zero_peer_post (self, on_sample_main, sp, sample_post_free);
  return GST_FLOW_OK;
}

static GstPadProbeReturn
on_counted_buffer (GstPad          *pad,
                   GstPadProbeInfo *info,
                   gpointer         user_data)
{
  ZeroRecvStream *r = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

      for (guint i = 0; i < gst_buffer_list_length (list); i++)
        if (!count_frame (r))
          return GST_PAD_PROBE_DROP;
      return GST_PAD_PROBE_OK;
    }
  return count_frame (r) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

static GstPadProbeReturn
on_first_rtp (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  ZeroPeer *self = user_data;

  if (zero_atomic_get64 (&self->t_first_rtp) == 0)
    {
      zero_atomic_set64 (&self->t_first_rtp, _zero_peer_now (self));
      g_debug ("peer %s: %-22s at %7.1f ms", self->remote_id, "first RTP",
               zero_atomic_get64 (&self->t_first_rtp) / 1000.0);
    }
  return GST_PAD_PROBE_REMOVE;
}

static GstElement *
add_element (ZeroRecvStream *r,
             const char     *factory)
{
  GstElement *e = make (factory, NULL);

  if (e == NULL)
    return NULL;
  g_ptr_array_add (r->elements, gst_object_ref (e));
  gst_bin_add (r->peer->bin, e);
  return e;
}

static gboolean
link_chain (ZeroRecvStream *r,
            guint           from)
{
  for (guint i = from; i + 1 < r->elements->len; i++)
    if (!gst_element_link (r->elements->pdata[i], r->elements->pdata[i + 1]))
      {
        g_debug ("could not link %s to %s", GST_OBJECT_NAME (r->elements->pdata[i]),
                 GST_OBJECT_NAME (r->elements->pdata[i + 1]));
        return FALSE;
      }
  return TRUE;
}

static gboolean
caps_need_conversion (GstElement *decoder,
                      GstCaps    *wanted)
{
  GstPadTemplate *templ = gst_element_get_pad_template (decoder, "src");
  g_autoptr (GstCaps) dec = templ ? gst_pad_template_get_caps (templ) : NULL;

  /* Decoders output I420 (8-bit) for what we receive; only a different request (BGRA
   * for the GTK app, say) needs a converter. */
  if (dec == NULL)
    return TRUE;
  if (!gst_caps_can_intersect (dec, wanted))
    return TRUE;
  {
    g_autoptr (GstCaps) i420 = gst_caps_from_string ("video/x-raw,format=I420");

    return !gst_caps_can_intersect (i420, wanted);
  }
}

static GstFlowReturn
on_echo_sample (GstAppSink *sink,
                gpointer    user_data)
{
  ZeroRecvStream *r = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  /* Only a verified peer gets anything back; a flushing appsrc (closing) is fine. */
  if (sample && g_atomic_int_get (&r->peer->verified))
    gst_app_src_push_sample (GST_APP_SRC (r->echo_appsrc), sample);
  return GST_FLOW_OK;
}

/* Builds depay -> decode -> sink for one incoming stream. Runs on a streaming thread. */
static gboolean
build_recv_chain (ZeroRecvStream *r,
                  GstCaps        *rtp_caps,
                  GError        **error)
{
  ZeroPeer *self = r->peer;
  GstElement *e;

  switch (r->codec)
    {
    case ZERO_CODEC_OPUS:
      r->depay = gst_object_ref (add_element (r, "rtpopusdepay"));
      break;
    case ZERO_CODEC_VP8:
      r->depay = gst_object_ref (add_element (r, "rtpvp8depay"));
      break;
    case ZERO_CODEC_H264:
      r->depay = gst_object_ref (add_element (r, "rtph264depay"));
      break;
    case ZERO_CODEC_NONE:
    default:
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NEGOTIATION,
                   "Cannot depayload that codec");
      return FALSE;
    }
  if (r->codec != ZERO_CODEC_OPUS)
    {
      /* Ask for a keyframe (PLI) on loss and never decode from a broken reference. */
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (r->depay), "request-keyframe"))
        g_object_set (r->depay, "request-keyframe", TRUE, NULL);
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (r->depay), "wait-for-keyframe"))
        g_object_set (r->depay, "wait-for-keyframe", TRUE, NULL);
    }

  g_mutex_lock (&self->lock);
  if (self->send[r->kind] && self->send[r->kind]->echo && self->send[r->kind]->linked)
    r->echo_appsrc = gst_object_ref (self->send[r->kind]->queue);
  g_mutex_unlock (&self->lock);
  if (r->echo_appsrc)
    {
      r->echo_tee = gst_object_ref (add_element (r, "tee"));
      g_object_set (r->echo_tee, "allow-not-linked", TRUE, NULL);
    }

  if (r->codec == ZERO_CODEC_OPUS)
    {
      GstPad *playback = NULL;

      e = add_element (r, "opusdec");
      /* Conceal loss: in-band FEC first, else packet loss concealment. */
      g_object_set (e, "use-inband-fec", TRUE, "plc", TRUE, NULL);
      {
        g_autoptr (GstPad) src = gst_element_get_static_pad (e, "src");

        gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_counted_buffer, r, NULL);
      }
      add_element (r, "audioconvert");
      add_element (r, "audioresample");
      g_mutex_lock (&self->lock);
      if (self->playback_request)
        playback = self->playback_request (r->kind, self->playback_data);
      g_mutex_unlock (&self->lock);
      if (playback)
        r->playback_pad = playback;
      else
        {
          r->sink = gst_object_ref (add_element (r, "fakesink"));
          g_object_set (r->sink, "sync", FALSE, "async", FALSE, NULL);
        }
    }
  else if (!self->opts.decode_video)
    {
      /* Count depayloaded frames only (echo services, load tests). */
      r->sink = gst_object_ref (add_element (r, "fakesink"));
      g_object_set (r->sink, "sync", FALSE, "async", FALSE, NULL);
      {
        g_autoptr (GstPad) sink = gst_element_get_static_pad (r->sink, "sink");

        gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, on_counted_buffer, r, NULL);
      }
    }
  else
    {
      GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };

      if (r->codec == ZERO_CODEC_H264)
        {
          add_element (r, "h264parse");
          e = add_element (r, "avdec_h264");
          /* Slice threads: frame threading would hold frames back (latency). */
          if (e)
            gst_util_set_object_arg (G_OBJECT (e), "thread-type", "slice");
        }
      else
        {
          e = add_element (r, "vp8dec");
          if (e)
            g_object_set (e, "threads", 2, NULL);
        }
      if (e == NULL)
        {
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_MISSING_ELEMENT,
                       "No decoder for %s", _zero_codec_to_string (r->codec));
          return FALSE;
        }
      if (caps_need_conversion (e, self->video_caps))
        add_element (r, "videoconvert");
      r->sink = gst_object_ref (add_element (r, "appsink"));
      g_object_set (r->sink, "caps", self->video_caps, "sync", FALSE, "async", FALSE,
                    "max-buffers", 2, "drop", TRUE, "enable-last-sample", FALSE, NULL);
      gst_app_sink_set_callbacks (GST_APP_SINK (r->sink), &callbacks, r, NULL);
    }

  if (!link_chain (r, 0))
    goto link_failed;

  if (r->playback_pad)
    {
      GstElement *last = g_ptr_array_index (r->elements, r->elements->len - 1);
      g_autoptr (GstPad) src = gst_element_get_static_pad (last, "src");

      if (!gst_pad_link_maybe_ghosting (src, r->playback_pad))
        goto link_failed;
      r->playback_ghost = gst_pad_get_peer (r->playback_pad);
    }

  /* Echo: the depayloaded stream goes back out through our send branch for this kind. */
  if (r->echo_tee)
    {
      GstAppSinkCallbacks echo_callbacks = { .new_sample = on_echo_sample };
      GstElement *queue = make ("queue", NULL);
      g_autoptr (GstPad) tee_src = NULL;
      g_autoptr (GstPad) queue_sink = NULL;

      r->echo_sink = gst_object_ref (make ("appsink", NULL));
      g_object_set (queue, "leaky", 2, "max-size-buffers", 8, "max-size-bytes", 0,
                    "max-size-time", (guint64) 0, "silent", TRUE, NULL);
      g_object_set (r->echo_sink, "sync", FALSE, "async", FALSE, "max-buffers", 8, "drop", TRUE,
                    "enable-last-sample", FALSE, NULL);
      gst_app_sink_set_callbacks (GST_APP_SINK (r->echo_sink), &echo_callbacks, r, NULL);
      gst_bin_add_many (self->bin, queue, r->echo_sink, NULL);
      g_ptr_array_add (r->elements, gst_object_ref (queue));
      g_ptr_array_add (r->elements, gst_object_ref (r->echo_sink));
      if (!gst_element_link (queue, r->echo_sink))
        goto link_failed;
      tee_src = gst_element_request_pad_simple (r->echo_tee, "src_%u");
      queue_sink = gst_element_get_static_pad (queue, "sink");
      if (gst_pad_link (tee_src, queue_sink) != GST_PAD_LINK_OK)
        goto link_failed;
    }

  for (guint i = r->elements->len; i > 0; i--)
    gst_element_sync_state_with_parent (r->elements->pdata[i - 1]);
  return TRUE;

link_failed:
  g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_PIPELINE,
               "Could not link the %s receive branch", zero_media_kind_to_string (r->kind));
  return FALSE;
}

static void build_and_link (ZeroPeer *self,
                            GstPad   *pad);

void
_zero_peer_on_pad_added (GstElement *webrtc,
                         GstPad     *pad,
                         ZeroPeer   *self)
{

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  /* Building links pads into our bin and the caller's pipeline: never while close()
   * changes states (deadlock on pad locks); close() waits for builds in flight. */
  g_mutex_lock (&self->lock);
  if (self->media_closing)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->building++;
  g_mutex_unlock (&self->lock);
  {
    gint64 t0 = g_get_monotonic_time ();

    build_and_link (self, pad);
    g_debug ("peer %s: receive branch built in %.1f ms", self->remote_id,
             (g_get_monotonic_time () - t0) / 1000.0);
  }
  g_mutex_lock (&self->lock);
  self->building--;
  g_cond_broadcast (&self->build_cond);
  g_mutex_unlock (&self->lock);
}

static void
build_and_link (ZeroPeer *self,
                GstPad   *pad)
{
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) depay_sink = NULL;
  ZeroRecvStream *r;
  const GstStructure *s;
  int mline = -1;

  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  s = gst_caps_get_structure (caps, 0);

  r = g_new0 (ZeroRecvStream, 1);
  r->peer = self;
  r->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  r->webrtc_src = gst_object_ref (pad);
  r->codec = _zero_codec_from_encoding_name (gst_structure_get_string (s, "encoding-name"));
  g_object_get (pad, "transceiver", &trans, NULL);
  if (trans)
    g_object_get (trans, "mid", &r->mid, "mlineindex", &mline, NULL);

  g_mutex_lock (&self->lock);
  if (r->codec == ZERO_CODEC_OPUS)
    r->kind = ZERO_MEDIA_KIND_AUDIO;
  else if (mline >= 0 && mline < (int) self->remote_kinds->len &&
           g_array_index (self->remote_kinds, int, mline) > ZERO_MEDIA_KIND_AUDIO)
    r->kind = g_array_index (self->remote_kinds, int, mline);
  else
    {
      int pt = -1;
      gpointer kind;

      /* A video stream filed under an audio m-line: after a renegotiation the remote can
       * send before our side has its answer (and so its a=ssrc), and webrtcbin then files
       * the unknown SSRC under the first m-line. Our own SDP's payload types tell the
       * streams apart (our offers use one per m-line). */
      gst_structure_get_int (s, "payload", &pt);
      if (pt >= 0 && g_hash_table_lookup_extended (self->local_pt_kinds, GINT_TO_POINTER (pt),
                                                   NULL, &kind) &&
          GPOINTER_TO_INT (kind) != ZERO_MEDIA_KIND_AUDIO)
        r->kind = GPOINTER_TO_INT (kind);
      else
        r->kind = ZERO_MEDIA_KIND_VIDEO;
    }
  g_ptr_array_add (self->recv, r);
  g_mutex_unlock (&self->lock);

  g_debug ("peer %s: receiving %s (%s, mid %s)", self->remote_id,
           zero_media_kind_to_string (r->kind),
           gst_structure_get_string (s, "encoding-name"), r->mid ? r->mid : "?");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_first_rtp, self, NULL);

  if (!build_recv_chain (r, caps, &error))
    {
      g_debug ("peer %s: %s", self->remote_id, error->message);
      /* Whatever cannot be decoded is dropped, not left unlinked (not-linked errors). */
      r->sink = gst_object_ref (add_element (r, "fakesink"));
      g_object_set (r->sink, "sync", FALSE, "async", FALSE, NULL);
      gst_element_sync_state_with_parent (r->sink);
      depay_sink = gst_element_get_static_pad (r->sink, "sink");
    }
  else
    depay_sink = gst_element_get_static_pad (r->elements->pdata[0], "sink");
  if (gst_pad_link (pad, depay_sink) != GST_PAD_LINK_OK)
    g_debug ("peer %s: could not link webrtcbin's %s", self->remote_id, GST_PAD_NAME (pad));
  else if (r->kind != ZERO_MEDIA_KIND_AUDIO && r->depay)
    {
      g_autoptr (GstPad) depay_src = gst_element_get_static_pad (r->depay, "src");

      /* A new video stream: ask for its keyframe now (RTCP PLI) rather than wait for the
       * sender's next one, which may be seconds away. */
      gst_pad_send_event (depay_src,
                          gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                                       TRUE, 0));
    }
}

/* Unlinks what connects us to the caller's pipeline and gives it back. Main thread. */
void
_zero_peer_media_teardown (ZeroPeer *self)
{
  g_autoptr (GPtrArray) released = g_ptr_array_new_with_free_func (gst_object_unref);

  g_mutex_lock (&self->lock);
  self->media_closing = TRUE;
  while (self->building > 0)
    g_cond_wait (&self->build_cond, &self->lock);
  g_mutex_unlock (&self->lock);

  for (guint k = 0; k < ZERO_MEDIA_N_KINDS; k++)
    {
      ZeroSendStream *stream = self->send[k];

      if (stream == NULL)
        continue;
      if (stream->encoded_src && stream->ghost_sink)
        unlink_when_idle (stream->encoded_src);
      if (stream->encoded_src)
        g_signal_emit_by_name (self, "send-pad-released", (int) k, stream->encoded_src);
      g_mutex_lock (&self->lock);
      self->send[k] = NULL;
      g_mutex_unlock (&self->lock);
      _zero_send_stream_free (stream);
    }

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->recv->len; i++)
    {
      ZeroRecvStream *r = g_ptr_array_index (self->recv, i);

      if (r->playback_pad)
        g_ptr_array_add (released, gst_object_ref (r->playback_pad));
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < released->len; i++)
    {
      GstPad *pad = released->pdata[i];
      g_autoptr (GstPad) ghost = gst_pad_get_peer (pad);

      if (ghost)
        unlink_when_idle (ghost);
      if (self->playback_release)
        self->playback_release (pad, self->playback_data);
    }
}

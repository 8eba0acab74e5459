/* zero-peer-sdp.c: SDP facts for ZeroPeer (fingerprints, ICE credentials, roles, codecs).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-peer-sdp.h"

#include <string.h>

#include "webrtc/zero-webrtc-error.h"

GstSDPMessage *
zero_sdp_parse (const char *text,
                GError    **error)
{
  GstSDPMessage *sdp = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL || !g_str_has_prefix (text, "v=0"))
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP,
                   "The SDP does not start with \"v=0\"");
      return NULL;
    }
  if (gst_sdp_message_new (&sdp) != GST_SDP_OK ||
      gst_sdp_message_parse_buffer ((const guint8 *) text, strlen (text), sdp) != GST_SDP_OK)
    {
      g_clear_pointer (&sdp, gst_sdp_message_free);
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP,
                   "The SDP does not parse");
      return NULL;
    }
  if (gst_sdp_message_medias_len (sdp) == 0)
    {
      gst_sdp_message_free (sdp);
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP,
                   "The SDP has no m= line");
      return NULL;
    }
  return sdp;
}

gboolean
zero_sdp_media_is_rejected (const GstSDPMedia *media)
{
  return gst_sdp_media_get_port (media) == 0 &&
         gst_sdp_media_get_attribute_val (media, "bundle-only") == NULL;
}

const char *
zero_sdp_get_mid (const GstSDPMessage *sdp,
                  guint                mline)
{
  if (mline >= gst_sdp_message_medias_len (sdp))
    return NULL;
  return gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, mline), "mid");
}

int
zero_sdp_find_mid (const GstSDPMessage *sdp,
                   const char          *mid)
{
  if (mid == NULL)
    return -1;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    if (g_strcmp0 (zero_sdp_get_mid (sdp, i), mid) == 0)
      return i;
  return -1;
}

int
zero_sdp_transport_mline (const GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_attributes_len (sdp); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_message_get_attribute (sdp, i);
      g_auto (GStrv) parts = NULL;

      if (g_strcmp0 (attr->key, "group") != 0 || attr->value == NULL)
        continue;
      parts = g_strsplit_set (attr->value, " \t", -1);
      if (g_strcmp0 (parts[0], "BUNDLE") != 0)
        continue;
      for (guint j = 1; parts[j] != NULL; j++)
        {
          int idx = zero_sdp_find_mid (sdp, parts[j]);

          if (idx >= 0)
            return idx;
        }
    }
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    if (!zero_sdp_media_is_rejected (gst_sdp_message_get_media (sdp, i)))
      return i;
  return -1;
}

static gboolean
fingerprint_is_valid (const char *value)
{
  g_auto (GStrv) parts = NULL;
  const char *hex;
  gsize len;

  if (value == NULL)
    return FALSE;
  parts = g_strsplit (value, " ", 2);
  if (parts[0] == NULL || parts[1] == NULL || *parts[0] == '\0')
    return FALSE;
  hex = g_strstrip (parts[1]);
  len = strlen (hex);
  /* 2HEXDIG *(":" 2HEXDIG), at least 16 bytes (no hash we accept is shorter). */
  if (len < 47 || (len + 1) % 3 != 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (i % 3 == 2 ? hex[i] != ':' : !g_ascii_isxdigit (hex[i]))
        return FALSE;
    }
  return TRUE;
}

static void
collect_fingerprints (GPtrArray *out,
                      guint      n_attrs,
                      const GstSDPAttribute *(*get) (gconstpointer, guint),
                      gconstpointer owner)
{
  for (guint i = 0; i < n_attrs; i++)
    {
      const GstSDPAttribute *attr = get (owner, i);

      if (g_strcmp0 (attr->key, "fingerprint") == 0)
        g_ptr_array_add (out, g_strdup (attr->value ? attr->value : ""));
    }
}

static const GstSDPAttribute *
get_session_attr (gconstpointer sdp,
                  guint         i)
{
  return gst_sdp_message_get_attribute (sdp, i);
}

static const GstSDPAttribute *
get_media_attr (gconstpointer media,
                guint         i)
{
  return gst_sdp_media_get_attribute (media, i);
}

GStrv
zero_sdp_get_fingerprints (const GstSDPMessage *sdp,
                           GError             **error)
{
  g_autoptr (GPtrArray) session = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) chosen = NULL;
  int transport;

  g_return_val_if_fail (sdp != NULL, NULL);

  collect_fingerprints (session, gst_sdp_message_attributes_len (sdp), get_session_attr, sdp);

  /* Every m-line that is not rejected needs a fingerprint, at one level or the other. */
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

      if (zero_sdp_media_is_rejected (media))
        continue;
      if (session->len == 0 && gst_sdp_media_get_attribute_val (media, "fingerprint") == NULL)
        {
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NO_FINGERPRINT,
                       "The remote SDP has no a=fingerprint for m-line %u: refusing an "
                       "unauthenticated DTLS connection", i);
          return NULL;
        }
    }

  transport = zero_sdp_transport_mline (sdp);
  if (transport < 0)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP,
                   "Every m-line of the remote SDP is rejected");
      return NULL;
    }
  chosen = g_ptr_array_new_with_free_func (g_free);
  collect_fingerprints (chosen,
                        gst_sdp_media_attributes_len (gst_sdp_message_get_media (sdp, transport)),
                        get_media_attr, gst_sdp_message_get_media (sdp, transport));
  if (chosen->len == 0)
    g_ptr_array_extend_and_steal (chosen, g_steal_pointer (&session));

  if (chosen->len == 0)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NO_FINGERPRINT,
                   "The remote SDP has no a=fingerprint: refusing an unauthenticated DTLS "
                   "connection");
      return NULL;
    }
  for (guint i = 0; i < chosen->len; i++)
    {
      if (!fingerprint_is_valid (chosen->pdata[i]))
        {
          g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP,
                       "Malformed a=fingerprint \"%s\"", (char *) chosen->pdata[i]);
          return NULL;
        }
    }
  g_ptr_array_add (chosen, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&chosen), FALSE);
}

void
zero_sdp_set_fingerprint (GstSDPMessage *sdp,
                          const char    *value)
{
  for (guint i = 0; i < gst_sdp_message_attributes_len (sdp); i++)
    {
      GstSDPAttribute repl = { 0 };

      if (g_strcmp0 (gst_sdp_message_get_attribute (sdp, i)->key, "fingerprint") != 0)
        continue;
      gst_sdp_attribute_set (&repl, "fingerprint", value);
      gst_sdp_message_replace_attribute (sdp, i, &repl);
    }
  for (guint m = 0; m < gst_sdp_message_medias_len (sdp); m++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, m);

      for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
        {
          GstSDPAttribute repl = { 0 };

          if (g_strcmp0 (gst_sdp_media_get_attribute (media, i)->key, "fingerprint") != 0)
            continue;
          gst_sdp_attribute_set (&repl, "fingerprint", value);
          gst_sdp_media_replace_attribute (media, i, &repl);
        }
    }
}

const char *
zero_sdp_get_ice_ufrag (const GstSDPMessage *sdp)
{
  int transport = zero_sdp_transport_mline (sdp);
  const char *ufrag = NULL;

  if (transport >= 0)
    ufrag = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, transport),
                                             "ice-ufrag");
  if (ufrag == NULL)
    ufrag = gst_sdp_message_get_attribute_val (sdp, "ice-ufrag");
  return ufrag;
}

void
zero_sdp_set_ice_credentials (GstSDPMessage *sdp,
                              const char    *ufrag,
                              const char    *pwd)
{
  for (guint i = 0; i < gst_sdp_message_attributes_len (sdp); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_message_get_attribute (sdp, i);
      GstSDPAttribute repl = { 0 };

      if (g_strcmp0 (attr->key, "ice-ufrag") == 0)
        gst_sdp_attribute_set (&repl, "ice-ufrag", ufrag);
      else if (g_strcmp0 (attr->key, "ice-pwd") == 0)
        gst_sdp_attribute_set (&repl, "ice-pwd", pwd);
      else
        continue;
      gst_sdp_message_replace_attribute (sdp, i, &repl);
    }
  for (guint m = 0; m < gst_sdp_message_medias_len (sdp); m++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, m);

      for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
        {
          const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
          GstSDPAttribute repl = { 0 };

          if (g_strcmp0 (attr->key, "ice-ufrag") == 0)
            gst_sdp_attribute_set (&repl, "ice-ufrag", ufrag);
          else if (g_strcmp0 (attr->key, "ice-pwd") == 0)
            gst_sdp_attribute_set (&repl, "ice-pwd", pwd);
          else
            continue;
          gst_sdp_media_replace_attribute (media, i, &repl);
        }
    }
}

static char *
random_ice_chars (guint n)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *out = g_malloc (n + 1);

  for (guint i = 0; i < n; i++)
    out[i] = alphabet[g_random_int_range (0, 64)];
  out[n] = '\0';
  return out;
}

void
zero_sdp_make_ice_credentials (char **ufrag,
                               char **pwd)
{
  /* Not secrets worth a CSPRNG: they only tell ICE generations apart (RFC 8445 5.3). */
  *ufrag = random_ice_chars (8);
  *pwd = random_ice_chars (24);
}

gboolean
zero_sdp_media_kind (const GstSDPMessage *sdp,
                     guint                mline,
                     ZeroMediaKind       *kind)
{
  const GstSDPMedia *media;
  const char *type;
  guint videos_before = 0;

  if (mline >= gst_sdp_message_medias_len (sdp))
    return FALSE;
  media = gst_sdp_message_get_media (sdp, mline);
  type = gst_sdp_media_get_media (media);
  if (g_strcmp0 (type, "audio") == 0)
    {
      *kind = ZERO_MEDIA_KIND_AUDIO;
      return TRUE;
    }
  if (g_strcmp0 (type, "video") != 0)
    return FALSE;
  for (guint i = 0; i < mline; i++)
    if (g_strcmp0 (gst_sdp_media_get_media (gst_sdp_message_get_media (sdp, i)), "video") == 0)
      videos_before++;
  *kind = videos_before == 0 ? ZERO_MEDIA_KIND_VIDEO : ZERO_MEDIA_KIND_SCREEN;
  return TRUE;
}

GstWebRTCRTPTransceiverDirection
zero_sdp_media_direction (const GstSDPMedia *media)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    {
      const char *key = gst_sdp_media_get_attribute (media, i)->key;

      if (g_strcmp0 (key, "sendrecv") == 0)
        return GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV;
      if (g_strcmp0 (key, "sendonly") == 0)
        return GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY;
      if (g_strcmp0 (key, "recvonly") == 0)
        return GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY;
      if (g_strcmp0 (key, "inactive") == 0)
        return GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE;
    }
  return GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV;
}

/* The raw value of @key in @pt's a=fmtp line (caps from GStreamer rewrite H.264's
 * profile-level-id into "profile"). */
static char *
fmtp_param (const GstSDPMedia *media,
            int                pt,
            const char        *key)
{
  g_autofree char *prefix = g_strdup_printf ("%d ", pt);

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
      g_auto (GStrv) params = NULL;

      if (g_strcmp0 (attr->key, "fmtp") != 0 || attr->value == NULL ||
          !g_str_has_prefix (attr->value, prefix))
        continue;
      params = g_strsplit (attr->value + strlen (prefix), ";", -1);
      for (guint j = 0; params[j]; j++)
        {
          char *eq = strchr (params[j], '=');

          if (eq == NULL)
            continue;
          *eq = '\0';
          if (g_ascii_strcasecmp (g_strstrip (params[j]), key) == 0)
            return g_strdup (g_strstrip (eq + 1));
        }
    }
  return NULL;
}

/* Lower is better; G_MAXINT means unusable. */
static int
h264_rank (const GstSDPMedia  *media,
           int                 pt,
           const GstStructure *s)
{
  const char *mode = gst_structure_get_string (s, "packetization-mode");
  g_autofree char *plid = fmtp_param (media, pt, "profile-level-id");

  if (g_strcmp0 (mode, "1") != 0)
    return G_MAXINT;
  if (plid == NULL || strlen (plid) != 6)
    return 3;
  if (g_ascii_strncasecmp (plid, "42e0", 4) == 0)
    return 0;
  if (g_ascii_strncasecmp (plid, "42c0", 4) == 0 || g_ascii_strncasecmp (plid, "4200", 4) == 0)
    return 1;
  return 2;
}

int
zero_sdp_pick_payload (const GstSDPMedia *media,
                       const char        *encoding_name,
                       GstStructure     **fmtp)
{
  int best_pt = -1;
  int best_rank = G_MAXINT;
  GstCaps *best_caps = NULL;

  if (fmtp)
    *fmtp = NULL;

  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
    {
      const char *fmt = gst_sdp_media_get_format (media, i);
      char *end = NULL;
      gint64 pt = g_ascii_strtoll (fmt, &end, 10);
      GstCaps *caps;
      const GstStructure *s;
      int rank = 0;

      if (end == fmt || *end != '\0' || pt < 0 || pt > 127)
        continue;
      caps = gst_sdp_media_get_caps_from_media (media, (int) pt);
      if (caps == NULL)
        continue;
      s = gst_caps_get_structure (caps, 0);
      if (g_ascii_strcasecmp (gst_structure_get_string (s, "encoding-name") ?: "",
                              encoding_name) != 0)
        {
          gst_caps_unref (caps);
          continue;
        }
      if (g_ascii_strcasecmp (encoding_name, "H264") == 0)
        rank = h264_rank (media, (int) pt, s);
      if (rank < best_rank)
        {
          best_rank = rank;
          best_pt = (int) pt;
          gst_clear_caps (&best_caps);
          best_caps = caps;
          if (rank == 0)
            break;
        }
      else
        gst_caps_unref (caps);
    }

  if (best_caps && fmtp && g_ascii_strcasecmp (encoding_name, "H264") == 0)
    {
      const GstStructure *s = gst_caps_get_structure (best_caps, 0);
      GstStructure *out = gst_structure_new_empty ("fmtp");
      static const char *const raw[] = {
        "profile-level-id", "packetization-mode", "level-asymmetry-allowed"
      };

      for (gsize i = 0; i < G_N_ELEMENTS (raw); i++)
        {
          g_autofree char *v = fmtp_param (media, best_pt, raw[i]);

          if (v)
            gst_structure_set (out, raw[i], G_TYPE_STRING, v, NULL);
        }
      /* What GStreamer's caps call it (webrtcbin intersects caps, not fmtp lines). */
      if (gst_structure_get_string (s, "profile"))
        gst_structure_set (out, "profile", G_TYPE_STRING, gst_structure_get_string (s, "profile"),
                           NULL);
      *fmtp = out;
    }
  gst_clear_caps (&best_caps);
  return best_rank == G_MAXINT ? -1 : best_pt;
}

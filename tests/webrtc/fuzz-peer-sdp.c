/* fuzz-peer-sdp.c: libFuzzer target for the SDP handling ZeroPeer applies to remote
 * descriptions before webrtcbin sees them (parse, fingerprints, roles, payload types,
 * credential and fingerprint rewriting).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gst/gst.h>

#include "webrtc/zero-peer-sdp.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const char *const codecs[] = { "OPUS", "VP8", "H264" };
  g_autofree char *text = g_strndup ((const char *) data, size);
  GstSDPMessage *sdp;
  GStrv fps;

  sdp = zero_sdp_parse (text, NULL);
  if (sdp == NULL)
    return 0;
  fps = zero_sdp_get_fingerprints (sdp, NULL);
  g_strfreev (fps);
  (void) zero_sdp_transport_mline (sdp);
  (void) zero_sdp_get_ice_ufrag (sdp);
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp) + 1; i++)
    {
      ZeroMediaKind kind;

      (void) zero_sdp_media_kind (sdp, i, &kind);
      (void) zero_sdp_find_mid (sdp, zero_sdp_get_mid (sdp, i));
      if (i < gst_sdp_message_medias_len (sdp))
        {
          const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

          (void) zero_sdp_media_direction (media);
          (void) zero_sdp_media_is_rejected (media);
          for (gsize c = 0; c < G_N_ELEMENTS (codecs); c++)
            {
              GstStructure *fmtp = NULL;

              (void) zero_sdp_pick_payload (media, codecs[c], &fmtp);
              g_clear_pointer (&fmtp, gst_structure_free);
            }
        }
    }
  zero_sdp_set_ice_credentials (sdp, "ufrag", "passwordpasswordpassword");
  zero_sdp_set_fingerprint (sdp, "sha-256 00:11");
  gst_sdp_message_free (sdp);
  return 0;
}

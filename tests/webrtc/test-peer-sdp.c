/* test-peer-sdp.c: the SDP facts ZeroPeer relies on (fingerprints, m-line roles,
 * payload types, ICE credentials) and the DTLS certificate, without media.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gst/gst.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

#include "webrtc/zero-dtls-cert.h"
#include "webrtc/zero-peer-sdp.h"
#include "webrtc/zero-webrtc-error.h"

#define FP256 "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:" \
              "AB:CD:EF:01:23:45:67:89"
#define FP1 "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"

/* A Chromium-style offer: video first, many codecs, mids 0/1/2, session-level nothing. */
static const char browser_offer[] =
  "v=0\r\n"
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=group:BUNDLE 0 1 2\r\n"
  "a=msid-semantic: WMS\r\n"
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 102 104 106 108\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=ice-ufrag:abcd\r\n"
  "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
  "a=fingerprint:sha-256 " FP256 "\r\n"
  "a=setup:actpass\r\n"
  "a=mid:0\r\n"
  "a=sendrecv\r\n"
  "a=rtcp-mux\r\n"
  "a=rtpmap:96 VP8/90000\r\n"
  "a=rtcp-fb:96 nack\r\n"
  "a=rtpmap:97 rtx/90000\r\n"
  "a=fmtp:97 apt=96\r\n"
  "a=rtpmap:98 VP9/90000\r\n"
  "a=rtpmap:102 H264/90000\r\n"
  "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
  "a=rtpmap:104 H264/90000\r\n"
  "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
  "a=rtpmap:106 H264/90000\r\n"
  "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
  "a=rtpmap:108 H264/90000\r\n"
  "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 0\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=ice-ufrag:abcd\r\n"
  "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
  "a=fingerprint:sha-256 " FP256 "\r\n"
  "a=setup:actpass\r\n"
  "a=mid:1\r\n"
  "a=recvonly\r\n"
  "a=rtpmap:111 opus/48000/2\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
  "a=rtpmap:63 red/48000/2\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=fingerprint:sha-256 " FP256 "\r\n"
  "a=mid:2\r\n"
  "a=sendonly\r\n"
  "a=rtpmap:96 VP8/90000\r\n"
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=fingerprint:sha-256 " FP256 "\r\n"
  "a=mid:3\r\n"
  "a=sctp-port:5000\r\n";

static GstSDPMessage *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = zero_sdp_parse (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sdp);
  return sdp;
}

static char *
replace (const char *text,
         const char *from,
         const char *to)
{
  g_auto (GStrv) parts = g_strsplit (text, from, -1);

  return g_strjoinv (to, parts);
}

static void
test_parse (void)
{
  static const char *const bad[] = { "", "hello", "v=0\r\n", "v=0\r\ns=-\r\n" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (zero_sdp_parse (bad[i], &error));
      g_assert_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP);
    }
  gst_sdp_message_free (parse_ok (browser_offer));
}

static void
test_fingerprints (void)
{
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp;
  GStrv fps;

  /* Media level. */
  sdp = parse_ok (browser_offer);
  fps = zero_sdp_get_fingerprints (sdp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (fps), ==, 1);
  g_assert_cmpstr (fps[0], ==, "sha-256 " FP256);
  g_strfreev (fps);
  gst_sdp_message_free (sdp);

  /* Session level only. */
  {
    g_autofree char *a = replace (browser_offer, "a=fingerprint:sha-256 " FP256 "\r\n", "");
    g_autofree char *b = replace (a, "a=msid-semantic: WMS\r\n",
                                  "a=fingerprint:sha-1 " FP1 "\r\n"
                                  "a=fingerprint:sha-256 " FP256 "\r\n");

    sdp = parse_ok (b);
    fps = zero_sdp_get_fingerprints (sdp, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (fps), ==, 2);
    g_assert_cmpstr (fps[0], ==, "sha-1 " FP1);
    g_strfreev (fps);
    gst_sdp_message_free (sdp);

    /* None at all: refused. */
    sdp = parse_ok (a);
    g_assert_null (zero_sdp_get_fingerprints (sdp, &error));
    g_assert_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NO_FINGERPRINT);
    g_clear_error (&error);
    gst_sdp_message_free (sdp);
  }

  /* One m-line without (and no session level): refused, even if the transport has one. */
  {
    const char *third = strstr (browser_offer, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n");
    g_autofree char *head = g_strndup (browser_offer, third - browser_offer);
    g_autofree char *tail = replace (third, "a=fingerprint:sha-256 " FP256 "\r\na=mid:2", "a=mid:2");
    g_autofree char *text = g_strconcat (head, tail, NULL);

    sdp = parse_ok (text);
    g_assert_null (zero_sdp_get_fingerprints (sdp, &error));
    g_assert_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_NO_FINGERPRINT);
    g_clear_error (&error);
    gst_sdp_message_free (sdp);

    /* ... unless that m-line is rejected (port 0, not bundle-only). */
    {
      g_autofree char *rejected = replace (text, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
                                           "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n");

      sdp = parse_ok (rejected);
      fps = zero_sdp_get_fingerprints (sdp, &error);
      g_assert_no_error (error);
      g_strfreev (fps);
      gst_sdp_message_free (sdp);
    }
  }

  /* Malformed. */
  {
    g_autofree char *text = replace (browser_offer, FP256, "AB:CD:nothex");

    sdp = parse_ok (text);
    g_assert_null (zero_sdp_get_fingerprints (sdp, &error));
    g_assert_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP);
    g_clear_error (&error);
    gst_sdp_message_free (sdp);
  }
}

static void
test_transport_and_mids (void)
{
  GstSDPMessage *sdp = parse_ok (browser_offer);
  ZeroMediaKind kind;

  g_assert_cmpint (zero_sdp_transport_mline (sdp), ==, 0);
  g_assert_cmpint (zero_sdp_find_mid (sdp, "2"), ==, 2);
  g_assert_cmpint (zero_sdp_find_mid (sdp, "9"), ==, -1);
  g_assert_cmpstr (zero_sdp_get_mid (sdp, 1), ==, "1");
  g_assert_null (zero_sdp_get_mid (sdp, 17));
  g_assert_cmpstr (zero_sdp_get_ice_ufrag (sdp), ==, "abcd");

  /* Video first, then audio, then a second video: camera, audio, screen. */
  g_assert_true (zero_sdp_media_kind (sdp, 0, &kind));
  g_assert_cmpint (kind, ==, ZERO_MEDIA_KIND_VIDEO);
  g_assert_true (zero_sdp_media_kind (sdp, 1, &kind));
  g_assert_cmpint (kind, ==, ZERO_MEDIA_KIND_AUDIO);
  g_assert_true (zero_sdp_media_kind (sdp, 2, &kind));
  g_assert_cmpint (kind, ==, ZERO_MEDIA_KIND_SCREEN);
  g_assert_false (zero_sdp_media_kind (sdp, 3, &kind));
  g_assert_false (zero_sdp_media_kind (sdp, 4, &kind));

  g_assert_cmpint (zero_sdp_media_direction (gst_sdp_message_get_media (sdp, 0)), ==,
                   GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV);
  g_assert_cmpint (zero_sdp_media_direction (gst_sdp_message_get_media (sdp, 1)), ==,
                   GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY);
  g_assert_cmpint (zero_sdp_media_direction (gst_sdp_message_get_media (sdp, 2)), ==,
                   GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY);
  gst_sdp_message_free (sdp);

  /* The BUNDLE group names the transport, whatever the m-line order. */
  {
    g_autofree char *text = replace (browser_offer, "a=group:BUNDLE 0 1 2",
                                     "a=group:BUNDLE 1 0 2");

    sdp = parse_ok (text);
    g_assert_cmpint (zero_sdp_transport_mline (sdp), ==, 1);
    gst_sdp_message_free (sdp);
  }
}

static void
test_pick_payload (void)
{
  GstSDPMessage *sdp = parse_ok (browser_offer);
  const GstSDPMedia *video = gst_sdp_message_get_media (sdp, 0);
  const GstSDPMedia *audio = gst_sdp_message_get_media (sdp, 1);
  g_autoptr (GstStructure) fmtp = NULL;

  g_assert_cmpint (zero_sdp_pick_payload (video, "VP8", NULL), ==, 96);
  /* packetization-mode=1 and constrained baseline (42e0) preferred over 42001f. */
  g_assert_cmpint (zero_sdp_pick_payload (video, "H264", &fmtp), ==, 106);
  g_assert_cmpstr (gst_structure_get_string (fmtp, "profile-level-id"), ==, "42e01f");
  g_assert_cmpstr (gst_structure_get_string (fmtp, "packetization-mode"), ==, "1");
  g_assert_cmpint (zero_sdp_pick_payload (video, "AV1", NULL), ==, -1);
  g_assert_cmpint (zero_sdp_pick_payload (audio, "OPUS", NULL), ==, 111);
  g_assert_cmpint (zero_sdp_pick_payload (audio, "VP8", NULL), ==, -1);
  gst_sdp_message_free (sdp);

  /* Only packetization-mode 0: nothing we can send. */
  {
    g_autofree char *a = replace (browser_offer, "packetization-mode=1", "packetization-mode=0");

    sdp = parse_ok (a);
    g_assert_cmpint (zero_sdp_pick_payload (gst_sdp_message_get_media (sdp, 0), "H264", NULL),
                     ==, -1);
    gst_sdp_message_free (sdp);
  }
}

static void
test_ice_credentials (void)
{
  GstSDPMessage *sdp = parse_ok (browser_offer);
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  g_autofree char *text = NULL;

  zero_sdp_make_ice_credentials (&ufrag, &pwd);
  g_assert_cmpuint (strlen (ufrag), >=, 4);
  g_assert_cmpuint (strlen (pwd), >=, 22);
  zero_sdp_set_ice_credentials (sdp, ufrag, pwd);
  g_assert_cmpstr (zero_sdp_get_ice_ufrag (sdp), ==, ufrag);
  text = gst_sdp_message_as_text (sdp);
  g_assert_null (strstr (text, "abcd"));
  g_assert_nonnull (strstr (text, pwd));
  gst_sdp_message_free (sdp);
}

static void
test_set_fingerprint (void)
{
  GstSDPMessage *sdp = parse_ok (browser_offer);
  g_auto (GStrv) fps = NULL;

  zero_sdp_set_fingerprint (sdp, "sha-1 " FP1);
  fps = zero_sdp_get_fingerprints (sdp, NULL);
  g_assert_cmpstr (fps[0], ==, "sha-1 " FP1);
  gst_sdp_message_free (sdp);
}

/* DER of the first certificate in @pem, decoded independently of OpenSSL. */
static GBytes *
pem_cert_der (const char *pem)
{
  const char *begin = strstr (pem, "-----BEGIN CERTIFICATE-----");
  const char *end = strstr (pem, "-----END CERTIFICATE-----");
  g_autofree char *body = NULL;
  gsize len;
  guchar *der;

  g_assert_nonnull (begin);
  g_assert_nonnull (end);
  begin += strlen ("-----BEGIN CERTIFICATE-----");
  body = g_strndup (begin, end - begin);
  der = g_base64_decode (body, &len);
  return g_bytes_new_take (der, len);
}

static void
test_certificate (void)
{
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  const char *pem = zero_dtls_cert_get_pem (&error);
  g_autoptr (GBytes) der = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *expected = g_string_new (NULL);
  g_autofree char *fp = NULL;
  BIO *bio;
  EVP_PKEY *key;
  char curve[64] = "";

  g_assert_no_error (error);
  g_assert_nonnull (pem);
  g_test_message ("certificate in %.1f ms (first call makes it)",
                  (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_true (pem == zero_dtls_cert_get_pem (NULL)); /* once per process */

  /* The key is EC P-256 (not RSA): cheap to make and to handshake with. */
  bio = BIO_new_mem_buf (pem, -1);
  key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (key);
  g_assert_cmpint (EVP_PKEY_get_base_id (key), ==, EVP_PKEY_EC);
  g_assert_true (EVP_PKEY_get_utf8_string_param (key, "group", curve, sizeof curve, NULL));
  g_assert_cmpstr (curve, ==, "prime256v1");
  EVP_PKEY_free (key);

  /* Our fingerprint is SHA-256 over the certificate's DER, as RFC 8122 says. */
  der = pem_cert_der (pem);
  g_checksum_update (sum, g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  g_checksum_get_digest (sum, digest, &digest_len);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (expected, i ? ":%02X" : "%02X", digest[i]);
  fp = zero_dtls_fingerprint_from_pem (pem, "SHA-256", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fp, ==, expected->str);
  g_assert_cmpstr (zero_dtls_cert_get_fingerprint (), ==, expected->str);
  g_string_free (expected, TRUE);
}

static void
test_fingerprint_hashes (void)
{
  const char *pem = zero_dtls_cert_get_pem (NULL);
  static const struct {
    const char *name;
    gsize bytes;
  } hashes[] = { { "sha-1", 20 }, { "sha-224", 28 }, { "sha-256", 32 }, { "sha-384", 48 },
                 { "sha-512", 64 } };
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (hashes); i++)
    {
      g_autofree char *fp = zero_dtls_fingerprint_from_pem (pem, hashes[i].name, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (fp), ==, hashes[i].bytes * 3 - 1);
    }
  g_assert_null (zero_dtls_fingerprint_from_pem (pem, "md5", &error));
  g_assert_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP);
  g_clear_error (&error);
  g_assert_null (zero_dtls_fingerprint_from_pem ("-----BEGIN CERTIFICATE-----\nxx\n"
                                                 "-----END CERTIFICATE-----\n", "sha-256",
                                                 &error));
  g_assert_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH);
  g_clear_error (&error);
  g_assert_null (zero_dtls_fingerprint_from_pem (NULL, "sha-256", &error));
  g_assert_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH);

  g_assert_true (zero_dtls_fingerprint_equal ("ab:cd", " AB:CD "));
  g_assert_false (zero_dtls_fingerprint_equal ("ab:cd", "ab:ce"));
  g_assert_false (zero_dtls_fingerprint_equal ("ab:cd", "ab:cd:ef"));
  g_assert_false (zero_dtls_fingerprint_equal ("", ""));
  g_assert_false (zero_dtls_fingerprint_equal (NULL, "ab"));
}

int
main (int   argc,
      char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/webrtc/sdp/parse", test_parse);
  g_test_add_func ("/webrtc/sdp/fingerprints", test_fingerprints);
  g_test_add_func ("/webrtc/sdp/transport-and-mids", test_transport_and_mids);
  g_test_add_func ("/webrtc/sdp/pick-payload", test_pick_payload);
  g_test_add_func ("/webrtc/sdp/ice-credentials", test_ice_credentials);
  g_test_add_func ("/webrtc/sdp/set-fingerprint", test_set_fingerprint);
  g_test_add_func ("/webrtc/dtls/certificate", test_certificate);
  g_test_add_func ("/webrtc/dtls/fingerprint-hashes", test_fingerprint_hashes);
  return g_test_run ();
}

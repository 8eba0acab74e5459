/* zero-dtls-cert.c: the process-wide EC P-256 DTLS certificate and SDP fingerprints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-dtls-cert.h"

#include <gst/gst.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>

#include "webrtc/zero-webrtc-error.h"

static char *
bio_to_string (BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);

  return g_strndup (data, len);
}

static char *
make_certificate (GError **error)
{
  g_autofree char *pem = NULL;
  EVP_PKEY *key = NULL;
  X509 *x509 = NULL;
  X509_NAME *name = NULL;
  BIO *bio = NULL;
  guint8 serial[8];
  char cn[24];
  BIGNUM *bn = NULL;
  gint64 start = g_get_monotonic_time ();

  key = EVP_EC_gen ("P-256");
  if (key == NULL)
    goto fail;

  x509 = X509_new ();
  if (x509 == NULL || !X509_set_version (x509, 2))
    goto fail;

  /* A random 63-bit serial and name, as browsers do for their WebRTC certificates. */
  if (RAND_bytes (serial, sizeof serial) != 1)
    goto fail;
  serial[0] &= 0x7f;
  bn = BN_bin2bn (serial, sizeof serial, NULL);
  if (bn == NULL || BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (x509)) == NULL)
    goto fail;
  g_snprintf (cn, sizeof cn, "zero-%02x%02x%02x%02x", serial[4], serial[5], serial[6],
              serial[7]);

  name = X509_NAME_new ();
  if (name == NULL ||
      !X509_NAME_add_entry_by_NID (name, NID_commonName, MBSTRING_ASC,
                                   (const unsigned char *) cn, -1, -1, 0) ||
      !X509_set_subject_name (x509, name) || !X509_set_issuer_name (x509, name))
    goto fail;

  /* Valid from yesterday (clock skew) for 30 days: it lives as long as the process. */
  if (!X509_gmtime_adj (X509_getm_notBefore (x509), -86400) ||
      !X509_gmtime_adj (X509_getm_notAfter (x509), 30L * 86400) ||
      !X509_set_pubkey (x509, key) || !X509_sign (x509, key, EVP_sha256 ()))
    goto fail;

  bio = BIO_new (BIO_s_mem ());
  if (bio == NULL || !PEM_write_bio_X509 (bio, x509) ||
      !PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL))
    goto fail;
  pem = bio_to_string (bio);

  {
    g_autofree char *fp = zero_dtls_fingerprint_from_pem (pem, "sha-256", NULL);

    g_debug ("made EC P-256 DTLS certificate %s in %.1f ms, sha-256 %s", cn,
             (g_get_monotonic_time () - start) / 1000.0, fp);
  }

  BIO_free (bio);
  BN_free (bn);
  X509_NAME_free (name);
  X509_free (x509);
  EVP_PKEY_free (key);
  return g_steal_pointer (&pem);

fail:
  g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_CERTIFICATE,
               "Could not make the DTLS certificate (OpenSSL error)");
  BIO_free (bio);
  BN_free (bn);
  X509_NAME_free (name);
  X509_free (x509);
  EVP_PKEY_free (key);
  return NULL;
}

const char *
zero_dtls_cert_get_pem (GError **error)
{
  static char *pem;
  static GMutex lock;
  const char *result;

  g_mutex_lock (&lock);
  if (pem == NULL)
    pem = make_certificate (error);
  result = pem;
  g_mutex_unlock (&lock);
  return result;
}

static gpointer
prewarm_thread (gpointer data)
{
  GstElement *dec;
  gint64 start = g_get_monotonic_time ();

  /* The DTLS decoder's instance init makes the plugin's default RSA certificate once
   * per process; do it here, off the call's critical path. */
  dec = gst_element_factory_make ("dtlsdec", NULL);
  if (dec != NULL)
    gst_object_unref (gst_object_ref_sink (dec));
  g_debug ("DTLS plugin pre-warmed in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  return NULL;
}

const char *
zero_dtls_cert_get_fingerprint (void)
{
  static char *fingerprint;
  static GMutex lock;
  const char *result;

  g_mutex_lock (&lock);
  if (fingerprint == NULL)
    {
      const char *pem = zero_dtls_cert_get_pem (NULL);

      if (pem)
        fingerprint = zero_dtls_fingerprint_from_pem (pem, "sha-256", NULL);
    }
  result = fingerprint;
  g_mutex_unlock (&lock);
  return result;
}

static GMutex prewarm_lock;
static GThread *prewarm;  /* until joined */

void
zero_dtls_cert_prewarm (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      g_autoptr (GError) error = NULL;

      if (!gst_is_initialized ())
        gst_init (NULL, NULL);
      if (zero_dtls_cert_get_pem (&error) == NULL)
        g_warning ("%s", error->message);
      g_mutex_lock (&prewarm_lock);
      prewarm = g_thread_new ("zero-dtls-prewarm", prewarm_thread, NULL);
      g_mutex_unlock (&prewarm_lock);
      g_once_init_leave (&once, 1);
    }
}

void
zero_dtls_cert_prewarm_wait (void)
{
  g_mutex_lock (&prewarm_lock);
  if (prewarm)
    g_thread_join (g_steal_pointer (&prewarm));
  g_mutex_unlock (&prewarm_lock);
}

static const EVP_MD *
digest_for_hash_name (const char *hash_name)
{
  static const struct {
    const char *sdp;
    const char *openssl;
  } names[] = {
    { "sha-1", "SHA1" },
    { "sha-224", "SHA224" },
    { "sha-256", "SHA256" },
    { "sha-384", "SHA384" },
    { "sha-512", "SHA512" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (hash_name, names[i].sdp) == 0)
      return EVP_get_digestbyname (names[i].openssl);
  return NULL;
}

char *
zero_dtls_fingerprint_from_pem (const char *pem,
                                const char *hash_name,
                                GError    **error)
{
  const EVP_MD *md;
  BIO *bio;
  X509 *x509;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  GString *out;

  g_return_val_if_fail (hash_name != NULL, NULL);

  if (pem == NULL || *pem == '\0')
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH,
                   "The remote peer presented no DTLS certificate");
      return NULL;
    }
  md = digest_for_hash_name (hash_name);
  if (md == NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_BAD_SDP,
                   "Unsupported fingerprint hash function \"%s\"", hash_name);
      return NULL;
    }

  bio = BIO_new_mem_buf (pem, -1);
  x509 = bio ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
  BIO_free (bio);
  if (x509 == NULL)
    {
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH,
                   "The remote DTLS certificate does not parse");
      return NULL;
    }
  /* X509_digest hashes the DER encoding, which is what RFC 8122 fingerprints. */
  if (!X509_digest (x509, md, digest, &digest_len))
    {
      X509_free (x509);
      g_set_error (error, ZERO_WEBRTC_ERROR, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH,
                   "Could not hash the remote DTLS certificate");
      return NULL;
    }
  X509_free (x509);

  out = g_string_sized_new (digest_len * 3);
  for (unsigned int i = 0; i < digest_len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}

gboolean
zero_dtls_fingerprint_equal (const char *a,
                             const char *b)
{
  gsize la, lb;

  if (a == NULL || b == NULL)
    return FALSE;
  while (g_ascii_isspace (*a))
    a++;
  while (g_ascii_isspace (*b))
    b++;
  la = strlen (a);
  lb = strlen (b);
  while (la > 0 && g_ascii_isspace (a[la - 1]))
    la--;
  while (lb > 0 && g_ascii_isspace (b[lb - 1]))
    lb--;
  return la > 0 && la == lb && g_ascii_strncasecmp (a, b, la) == 0;
}

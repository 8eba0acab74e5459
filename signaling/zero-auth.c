/* zero-auth.c: salted password hashes and HS256 JWT verification. */
#include "signaling/zero-auth.h"

#include <math.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "signaling/zero-json.h"
#include "signaling/zero-message.h"
#include "signaling/zero-uuid.h"

#define SALT_LEN 16
#define HASH_LEN 32

struct _ZeroPasswordHash
{
  guint iterations;
  guint8 salt[SALT_LEN];
  guint8 hash[HASH_LEN];
};

static void
pbkdf2 (const char *password, const guint8 *salt, guint iterations, guint8 *out)
{
  if (!PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, SALT_LEN, (int) iterations,
                          EVP_sha256 (), HASH_LEN, out))
    g_error ("PKCS5_PBKDF2_HMAC failed");
}

ZeroPasswordHash *
zero_password_hash_new (const char *password, guint iterations)
{
  ZeroPasswordHash *h;

  g_return_val_if_fail (password != NULL, NULL);

  h = g_new0 (ZeroPasswordHash, 1);
  h->iterations = iterations ? iterations : ZERO_PASSWORD_DEFAULT_ITERATIONS;
  zero_random_bytes (h->salt, SALT_LEN);
  pbkdf2 (password, h->salt, h->iterations, h->hash);
  return h;
}

gboolean
zero_password_hash_verify (const ZeroPasswordHash *hash, const char *password)
{
  guint8 candidate[HASH_LEN];
  gboolean ok;

  g_return_val_if_fail (hash != NULL, FALSE);

  if (password == NULL)
    return FALSE;
  pbkdf2 (password, hash->salt, hash->iterations, candidate);
  ok = CRYPTO_memcmp (candidate, hash->hash, HASH_LEN) == 0;
  OPENSSL_cleanse (candidate, sizeof candidate);
  return ok;
}

void
zero_password_hash_free (ZeroPasswordHash *hash)
{
  if (hash == NULL)
    return;
  OPENSSL_cleanse (hash, sizeof *hash);
  g_free (hash);
}

/* --- base64url (RFC 4648 §5), unpadded as JWS requires ------------------- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
base64url_append (GString *out, const guint8 *data, gsize len)
{
  gsize i;

  for (i = 0; i + 2 < len; i += 3)
    {
      guint32 v = (guint32) data[i] << 16 | (guint32) data[i + 1] << 8 | data[i + 2];
      g_string_append_c (out, b64url[(v >> 18) & 63]);
      g_string_append_c (out, b64url[(v >> 12) & 63]);
      g_string_append_c (out, b64url[(v >> 6) & 63]);
      g_string_append_c (out, b64url[v & 63]);
    }
  if (len - i == 1)
    {
      guint32 v = (guint32) data[i] << 16;
      g_string_append_c (out, b64url[(v >> 18) & 63]);
      g_string_append_c (out, b64url[(v >> 12) & 63]);
    }
  else if (len - i == 2)
    {
      guint32 v = (guint32) data[i] << 16 | (guint32) data[i + 1] << 8;
      g_string_append_c (out, b64url[(v >> 18) & 63]);
      g_string_append_c (out, b64url[(v >> 12) & 63]);
      g_string_append_c (out, b64url[(v >> 6) & 63]);
    }
}

static int
b64url_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

/* Strict: only the URL alphabet, no padding, no whitespace. */
static GBytes *
base64url_decode (const char *s, gsize len)
{
  GByteArray *out;
  guint32 acc = 0;
  int bits = 0;

  if (len % 4 == 1)
    return NULL;
  out = g_byte_array_sized_new (len * 3 / 4 + 1);
  for (gsize i = 0; i < len; i++)
    {
      int v = b64url_value (s[i]);
      if (v < 0)
        {
          g_byte_array_unref (out);
          return NULL;
        }
      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          guint8 byte;
          bits -= 8;
          byte = (guint8) ((acc >> bits) & 0xFF);
          g_byte_array_append (out, &byte, 1);
        }
    }
  return g_byte_array_free_to_bytes (out);
}

static void
hmac_sha256 (const char *secret, const char *data, gsize len, guint8 *digest)
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  gsize digest_len = 32;

  g_hmac_update (hmac, (const guchar *) data, (gssize) len);
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_assert (digest_len == 32);
}

char *
zero_jwt_sign_with_header (const char *header_json, const char *claims_json, const char *secret)
{
  GString *out = g_string_new (NULL);
  guint8 digest[32];

  g_return_val_if_fail (header_json && claims_json && secret, NULL);

  base64url_append (out, (const guint8 *) header_json, strlen (header_json));
  g_string_append_c (out, '.');
  base64url_append (out, (const guint8 *) claims_json, strlen (claims_json));
  hmac_sha256 (secret, out->str, out->len, digest);
  g_string_append_c (out, '.');
  base64url_append (out, digest, sizeof digest);
  return g_string_free (out, FALSE);
}

char *
zero_jwt_sign (const char *claims_json, const char *secret)
{
  return zero_jwt_sign_with_header ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims_json, secret);
}

static gboolean
auth_fail (GError **error, const char *why)
{
  g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_AUTH_FAILED, "token refused: %s",
               why);
  return FALSE;
}

/* Decodes one base64url JSON segment into @doc (text kept in @bytes). */
static gboolean
decode_segment (const char *s, gsize len, GBytes **bytes, ZeroJsonDoc *doc)
{
  gsize n;
  const char *data;

  *bytes = base64url_decode (s, len);
  if (*bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (*bytes, &n);
  return n > 0 && zero_json_parse (doc, data, n, NULL) &&
         zero_json_root (doc)->kind == ZERO_JSON_OBJECT;
}

static gboolean
get_number (const ZeroJsonDoc *doc, const ZeroJsonNode *node, double *out)
{
  char buf[64];
  gsize n;

  if (node == NULL || node->kind != ZERO_JSON_NUMBER)
    return FALSE;
  n = node->end - node->start;
  if (n >= sizeof buf)
    return FALSE;
  memcpy (buf, doc->text + node->start, n);
  buf[n] = '\0';
  *out = g_ascii_strtod (buf, NULL);
  return isfinite (*out);
}

gboolean
zero_jwt_verify (const char *token, const char *secret, gint64 now, char **out_sub,
                 char **out_session, GError **error)
{
  const char *dot1, *dot2;
  g_autoptr (GBytes) header = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GBytes) signature = NULL;
  ZeroJsonDoc hdoc, pdoc;
  const ZeroJsonNode *alg, *sub, *session, *nbf_node;
  guint8 expected[32];
  double exp_value, nbf;
  gboolean ok = FALSE;

  g_return_val_if_fail (secret != NULL, FALSE);

  if (out_sub)
    *out_sub = NULL;
  if (out_session)
    *out_session = NULL;
  if (token == NULL || *token == '\0')
    return auth_fail (error, "a token is required");

  dot1 = strchr (token, '.');
  dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
  if (!dot1 || !dot2 || strchr (dot2 + 1, '.'))
    return auth_fail (error, "not a JWT (expected three dot-separated parts)");

  zero_json_doc_init (&hdoc);
  zero_json_doc_init (&pdoc);
  hdoc.max_depth = pdoc.max_depth = 8;

  if (!decode_segment (token, dot1 - token, &header, &hdoc))
    {
      auth_fail (error, "the header is not base64url-encoded JSON");
      goto out;
    }
  alg = zero_json_object_get (&hdoc, zero_json_root (&hdoc), "alg");
  if (!zero_json_string_equal (&hdoc, alg, "HS256"))
    {
      auth_fail (error, "the algorithm must be HS256");
      goto out;
    }
  if (zero_json_object_get (&hdoc, zero_json_root (&hdoc), "crit"))
    {
      auth_fail (error, "critical header parameters are not supported");
      goto out;
    }

  /* Check the signature before looking at the claims. */
  signature = base64url_decode (dot2 + 1, strlen (dot2 + 1));
  hmac_sha256 (secret, token, dot2 - token, expected);
  if (signature == NULL || g_bytes_get_size (signature) != sizeof expected ||
      CRYPTO_memcmp (g_bytes_get_data (signature, NULL), expected, sizeof expected) != 0)
    {
      auth_fail (error, "bad signature");
      goto out;
    }

  if (!decode_segment (dot1 + 1, dot2 - dot1 - 1, &payload, &pdoc))
    {
      auth_fail (error, "the claims are not base64url-encoded JSON");
      goto out;
    }
  if (!get_number (&pdoc, zero_json_object_get (&pdoc, zero_json_root (&pdoc), "exp"),
                   &exp_value))
    {
      auth_fail (error, "claim 'exp' must be a number");
      goto out;
    }
  if ((double) now >= exp_value)
    {
      auth_fail (error, "expired");
      goto out;
    }
  nbf_node = zero_json_object_get (&pdoc, zero_json_root (&pdoc), "nbf");
  if (nbf_node && (!get_number (&pdoc, nbf_node, &nbf) || (double) now < nbf))
    {
      auth_fail (error, "not valid yet (nbf)");
      goto out;
    }
  sub = zero_json_object_get (&pdoc, zero_json_root (&pdoc), "sub");
  session = zero_json_object_get (&pdoc, zero_json_root (&pdoc), "session");
  if (!sub || sub->kind != ZERO_JSON_STRING || !session || session->kind != ZERO_JSON_STRING)
    {
      auth_fail (error, "claims 'sub' and 'session' must be strings");
      goto out;
    }
  if (out_sub)
    *out_sub = zero_json_string_dup (&pdoc, sub);
  if (out_session)
    *out_session = zero_json_string_dup (&pdoc, session);
  ok = TRUE;

out:
  zero_json_doc_clear (&hdoc);
  zero_json_doc_clear (&pdoc);
  return ok;
}

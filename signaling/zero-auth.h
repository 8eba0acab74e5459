/* zero-auth.h: session passwords and join tokens (PROTOCOL.md §6).
 *
 * Passwords are kept only as PBKDF2-HMAC-SHA256 hashes with a random salt and
 * compared in constant time. Tokens are JWTs signed with HS256 (GHmac); the
 * header must name HS256 exactly, so "none" and every other algorithm are
 * refused, and the signature is compared in constant time. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZERO_PASSWORD_DEFAULT_ITERATIONS 10000

typedef struct _ZeroPasswordHash ZeroPasswordHash;

ZeroPasswordHash *zero_password_hash_new    (const char             *password,
                                             guint                   iterations);
gboolean          zero_password_hash_verify (const ZeroPasswordHash *hash,
                                             const char             *password);
void              zero_password_hash_free   (ZeroPasswordHash       *hash);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroPasswordHash, zero_password_hash_free)

/* Verifies an HS256 JWT against @secret at time @now (seconds since the
 * epoch): alg must be HS256, the signature must match, `exp` (required) must
 * be later than @now, `nbf` (if any) not later than @now, `sub` and `session`
 * must be strings. Returns the claims through the out arguments. On failure
 * sets @error (ZERO_PROTOCOL_ERROR_AUTH_FAILED) saying why. */
gboolean zero_jwt_verify (const char  *token,
                          const char  *secret,
                          gint64       now,
                          char       **out_sub,
                          char       **out_session,
                          GError     **error);

/* Signs @claims_json (a JSON object) with HS256; for tests and tools. */
char    *zero_jwt_sign   (const char  *claims_json,
                          const char  *secret);

/* A variant with a caller-chosen header, to test refusals (e.g. alg "none"). */
char    *zero_jwt_sign_with_header (const char *header_json,
                                    const char *claims_json,
                                    const char *secret);

G_END_DECLS

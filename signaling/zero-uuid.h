/* zero-uuid.h: session identifiers (PROTOCOL.md §2).
 *
 * Knowing a session's UUID is enough to join it, so new ones come from the
 * kernel's cryptographic random source (getrandom(2)), never from
 * g_uuid_string_random(), whose GRand is not meant to be unpredictable. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Fills @buf with @len bytes from getrandom(2). Aborts if the kernel cannot
 * give them: running on without randomness would be worse. */
void      zero_random_bytes   (void  *buf,
                               gsize  len);

/* A new random (version 4) UUID in canonical lower-case form. */
char     *zero_uuid_generate  (void);

/* TRUE when @str is a canonical lower-case UUID of 36 characters
 * ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", hex digits a-f only). */
gboolean  zero_uuid_is_valid  (const char *str);

G_END_DECLS

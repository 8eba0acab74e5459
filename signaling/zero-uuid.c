/* zero-uuid.c: cryptographically random UUIDs. */
#include "signaling/zero-uuid.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

void
zero_random_bytes (void *buf, gsize len)
{
  guint8 *p = buf;

  while (len > 0)
    {
      ssize_t n = getrandom (p, len, 0);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_error ("getrandom() failed: %s", g_strerror (errno));
        }
      p += n;
      len -= (gsize) n;
    }
}

char *
zero_uuid_generate (void)
{
  guint8 b[16];

  zero_random_bytes (b, sizeof b);
  b[6] = (b[6] & 0x0F) | 0x40; /* version 4 */
  b[8] = (b[8] & 0x3F) | 0x80; /* RFC 4122 variant */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

gboolean
zero_uuid_is_valid (const char *str)
{
  if (str == NULL)
    return FALSE;
  for (int i = 0; i < 36; i++)
    {
      char c = str[i];
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (c != '-')
            return FALSE;
        }
      else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
        return FALSE;
    }
  return str[36] == '\0';
}

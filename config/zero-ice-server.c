/* zero-ice-server.c: one STUN/TURN server of webrtc.ice_servers.
 *
 * URLs follow RFC 7064/7065 ("stun:host:port", "turns:host?transport=tcp");
 * "stun://host" (webrtcbin's own spelling) is accepted too. */
#include "config/zero-ice-server.h"

#include <string.h>

#include "config/zero-config-error.h"
#include "config/zero-config-private.h"

G_DEFINE_BOXED_TYPE (ZeroIceServer, zero_ice_server, zero_ice_server_copy, zero_ice_server_free)

/**
 * zero_ice_server_new:
 * @urls: (array zero-terminated=1): the server's URLs; not validated here
 *   (see zero_ice_server_validate_url())
 * @username: (nullable):
 * @credential: (nullable):
 */
ZeroIceServer *
zero_ice_server_new (const char *const *urls,
                     const char        *username,
                     const char        *credential)
{
  ZeroIceServer *self = g_new0 (ZeroIceServer, 1);

  self->urls = urls ? g_strdupv ((char **) urls) : g_new0 (char *, 1);
  self->username = g_strdup (username);
  self->credential = g_strdup (credential);
  return self;
}

ZeroIceServer *
zero_ice_server_copy (const ZeroIceServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return zero_ice_server_new ((const char *const *) self->urls, self->username, self->credential);
}

void
zero_ice_server_free (ZeroIceServer *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->urls);
  g_free (self->username);
  g_free (self->credential);
  g_free (self);
}

gboolean
zero_ice_server_equal (const ZeroIceServer *a,
                       const ZeroIceServer *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  /* An empty username is the same as none: both mean "no credentials". */
  return g_strv_equal ((const char *const *) a->urls, (const char *const *) b->urls)
         && g_strcmp0 (a->username ? a->username : "", b->username ? b->username : "") == 0
         && g_strcmp0 (a->credential ? a->credential : "", b->credential ? b->credential : "") == 0;
}

typedef struct
{
  char *scheme; /* lower case */
  char *host;   /* without brackets */
  guint port;   /* default filled in */
  char *transport;
} IceUrl;

static void
ice_url_clear (IceUrl *u)
{
  g_free (u->scheme);
  g_free (u->host);
  g_free (u->transport);
}

static gboolean
parse_ice_url (const char *url,
               IceUrl     *out,
               GError    **error)
{
  const char *colon = strchr (url, ':');
  const char *rest;
  g_autofree char *hostport = NULL;
  g_autofree char *why = NULL;
  const char *query;
  gboolean turn;

  memset (out, 0, sizeof *out);
  if (colon == NULL)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                   "\"%s\" is not an ICE server URL (expected stun:, stuns:, turn: or turns:)",
                   url);
      return FALSE;
    }
  out->scheme = g_ascii_strdown (url, colon - url);
  if (strcmp (out->scheme, "stun") != 0 && strcmp (out->scheme, "stuns") != 0
      && strcmp (out->scheme, "turn") != 0 && strcmp (out->scheme, "turns") != 0)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                   "unsupported ICE server scheme \"%s\" in \"%s\" (expected stun:, stuns:, "
                   "turn: or turns:)", out->scheme, url);
      return FALSE;
    }
  turn = out->scheme[0] == 't';

  rest = colon + 1;
  if (g_str_has_prefix (rest, "//"))
    rest += 2;
  if (strchr (rest, '@') != NULL)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                   "\"%s\": put credentials in username and credential, not in the URL", url);
      return FALSE;
    }

  query = strchr (rest, '?');
  hostport = query ? g_strndup (rest, query - rest) : g_strdup (rest);
  if (query != NULL)
    {
      if (!turn)
        {
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                       "\"%s\": STUN URLs take no query", url);
          return FALSE;
        }
      if (g_ascii_strcasecmp (query + 1, "transport=udp") != 0
          && g_ascii_strcasecmp (query + 1, "transport=tcp") != 0)
        {
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                       "\"%s\": the only query allowed is ?transport=udp or ?transport=tcp", url);
          return FALSE;
        }
      out->transport = g_ascii_strdown (query + strlen ("?transport="), -1);
    }

  if (!_zero_config_split_host_port (hostport, &out->host, &out->port, &why))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE, "\"%s\": %s", url, why);
      return FALSE;
    }
  if (out->port == 0)
    out->port = g_str_has_suffix (out->scheme, "s") ? 5349 : 3478;
  return TRUE;
}

/**
 * zero_ice_server_validate_url:
 * @url: "stun:host[:port]", "stuns:…", "turn:host[:port][?transport=udp|tcp]", "turns:…"
 *
 * Returns: TRUE when @url is a STUN or TURN URL Zero can use; otherwise a
 *   %ZERO_CONFIG_ERROR_RANGE error naming the problem.
 */
gboolean
zero_ice_server_validate_url (const char *url,
                              GError    **error)
{
  IceUrl u;
  gboolean ok;

  g_return_val_if_fail (url != NULL, FALSE);

  ok = parse_ice_url (url, &u, error);
  ice_url_clear (&u);
  return ok;
}

/**
 * zero_ice_server_dup_gst_uri:
 * @index: which of @self's URLs
 *
 * Returns: (transfer full) (nullable): the URL in webrtcbin's spelling, for
 *   its `stun-server` property or `add-turn-server` signal:
 *   "stun://host:port" or "turn://user:pass@host:port?transport=tcp", with
 *   the default port filled in; NULL when the URL is invalid.
 */
char *
zero_ice_server_dup_gst_uri (const ZeroIceServer *self,
                             guint                index)
{
  IceUrl u;
  g_autofree char *user = NULL;
  g_autofree char *pass = NULL;
  g_autofree char *host = NULL;
  char *result;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < g_strv_length (self->urls), NULL);

  if (!parse_ice_url (self->urls[index], &u, NULL))
    {
      ice_url_clear (&u);
      return NULL;
    }
  host = strchr (u.host, ':') ? g_strdup_printf ("[%s]", u.host) : g_strdup (u.host);
  if (u.scheme[0] == 't')
    {
      user = g_uri_escape_string (self->username ? self->username : "", NULL, FALSE);
      pass = g_uri_escape_string (self->credential ? self->credential : "", NULL, FALSE);
      result = g_strdup_printf ("%s://%s:%s@%s:%u%s%s", u.scheme, user, pass, host, u.port,
                                u.transport ? "?transport=" : "", u.transport ? u.transport : "");
    }
  else
    result = g_strdup_printf ("%s://%s:%u", u.scheme, host, u.port);
  ice_url_clear (&u);
  return result;
}

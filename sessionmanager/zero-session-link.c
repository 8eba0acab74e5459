/* zero-session-link.c: parse and build session IDs and zero:// links. */

#include "sessionmanager/zero-session-link.h"

#include <glib/gi18n.h>
#include <string.h>

#include "signaling/zero-uuid.h"

#define ZERO_LINK_SCHEME "zero://"
#define UUID_LENGTH 36

G_DEFINE_BOXED_TYPE (ZeroSessionLink, zero_session_link, zero_session_link_copy,
                     zero_session_link_free)

static gboolean
is_dash_position (gsize i)
{
  return i == 8 || i == 13 || i == 18 || i == 23;
}

/* TRUE when @text (already lower-cased) could still grow into a UUID. */
static gboolean
is_uuid_prefix (const char *text)
{
  gsize len = strlen (text);

  if (len >= UUID_LENGTH)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (is_dash_position (i) ? text[i] != '-' : !g_ascii_isxdigit (text[i]))
        return FALSE;
    }
  return TRUE;
}

static char *
normalize (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  return g_ascii_strdown (stripped, -1);
}

static gboolean
has_link_scheme (const char *text)
{
  return g_ascii_strncasecmp (text, ZERO_LINK_SCHEME, strlen (ZERO_LINK_SCHEME)) == 0;
}

/* Puts IPv6 literals back in brackets for host:port text. */
static char *
format_host_port (const char *host,
                  guint16     port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

static ZeroSessionLink *
parse_link (const char *text,
            GError    **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *session = NULL;
  g_autoptr(ZeroSessionLink) link = NULL;
  const char *path;
  int port;

  uri = g_uri_parse (text, G_URI_FLAGS_NON_DNS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                   _("“%s” is not a Zero link: expected zero://HOST:PORT/SESSION-ID"), text);
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                   _("“%s” is not a Zero link: it must not contain a user name, “?” or “#”"),
                   text);
      return NULL;
    }

  port = g_uri_get_port (uri);
  if (port == 0)
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                   _("“%s” is not a Zero link: the port must be between 1 and 65535"), text);
      return NULL;
    }

  path = g_uri_get_path (uri);
  if (path[0] == '/')
    path++;
  session = g_strdup (path);
  if (g_str_has_suffix (session, "/"))
    session[strlen (session) - 1] = '\0';

  if (*session == '\0')
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                   _("“%s” has no session ID after the server"), text);
      return NULL;
    }
  if (!zero_uuid_is_valid (session))
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                   _("The link’s session ID “%s” is not valid"), session);
      return NULL;
    }

  link = g_new0 (ZeroSessionLink, 1);
  link->session = g_steal_pointer (&session);
  link->host = g_strdup (g_uri_get_host (uri));
  link->port = port > 0 ? (guint16) port : ZERO_DEFAULT_SIGNALING_PORT;
  return g_steal_pointer (&link);
}

/**
 * zero_session_link_parse:
 * @text: a session ID or a `zero://HOST[:PORT]/UUID` link
 *
 * Returns: (transfer full): the parsed link, or %NULL with @error naming the problem.
 */
ZeroSessionLink *
zero_session_link_parse (const char *text,
                         GError    **error)
{
  g_autofree char *norm = NULL;
  ZeroSessionLink *link;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL || *(norm = normalize (text)) == '\0')
    {
      g_set_error_literal (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                           _("Enter a session ID or a zero:// link"));
      return NULL;
    }

  if (has_link_scheme (norm))
    return parse_link (norm, error);

  if (strstr (norm, "://") != NULL)
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                   _("“%s” is not a Zero link: links start with zero://"), norm);
      return NULL;
    }

  if (!zero_uuid_is_valid (norm))
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                   _("“%s” is not a session ID: expected 36 characters such as "
                     "123e4567-e89b-12d3-a456-426614174000"), norm);
      return NULL;
    }

  link = g_new0 (ZeroSessionLink, 1);
  link->session = g_steal_pointer (&norm);
  return link;
}

ZeroSessionLink *
zero_session_link_copy (const ZeroSessionLink *self)
{
  ZeroSessionLink *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (ZeroSessionLink, 1);
  copy->session = g_strdup (self->session);
  copy->host = g_strdup (self->host);
  copy->port = self->port;
  return copy;
}

void
zero_session_link_free (ZeroSessionLink *self)
{
  if (self == NULL)
    return;
  g_free (self->session);
  g_free (self->host);
  g_free (self);
}

/**
 * zero_session_link_to_string:
 *
 * Returns: the link as `zero://HOST:PORT/UUID`, or the bare session ID.
 */
char *
zero_session_link_to_string (const ZeroSessionLink *self)
{
  g_autofree char *host_port = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->host == NULL)
    return g_strdup (self->session);
  host_port = format_host_port (self->host, self->port);
  return g_strconcat (ZERO_LINK_SCHEME, host_port, "/", self->session, NULL);
}

/**
 * zero_session_link_dup_server:
 * @configured_server: (nullable): `signaling.server_address` from the config
 *
 * The server to join through. A bare session ID uses the configured server;
 * so does a link naming the configured server's host and port (which keeps a
 * configured `wss://` URL); any other link names its own `HOST:PORT`.
 */
char *
zero_session_link_dup_server (const ZeroSessionLink *self,
                              const char            *configured_server)
{
  g_autofree char *host = NULL;
  guint16 port = 0;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->host == NULL)
    return g_strdup (configured_server);

  if (configured_server != NULL &&
      zero_server_address_split (configured_server, &host, &port, NULL) &&
      g_ascii_strcasecmp (host, self->host) == 0 && port == self->port)
    return g_strdup (configured_server);

  return format_host_port (self->host, self->port);
}

/**
 * zero_session_link_is_partial:
 *
 * Returns: %TRUE when @text is not valid yet but could become a session ID
 *   or a link by typing more, so that the UI need not flag it as an error.
 */
gboolean
zero_session_link_is_partial (const char *text)
{
  g_autofree char *norm = NULL;
  const char *rest;
  const char *slash;

  if (text == NULL)
    return TRUE;
  norm = normalize (text);
  if (*norm == '\0')
    return TRUE;

  if (strlen (norm) < strlen (ZERO_LINK_SCHEME))
    {
      if (g_str_has_prefix (ZERO_LINK_SCHEME, norm))
        return TRUE;
    }
  else if (has_link_scheme (norm))
    {
      rest = norm + strlen (ZERO_LINK_SCHEME);
      slash = strchr (rest, '/');
      if (slash == NULL)
        return strpbrk (rest, "?#@ ") == NULL; /* still typing HOST:PORT */
      return is_uuid_prefix (slash + 1);
    }

  return is_uuid_prefix (norm);
}

/**
 * zero_server_address_split:
 * @server_address: `host:port`, `host`, or a `ws://`/`wss://` URL
 *
 * Splits a `signaling.server_address` into host and port. A missing port is
 * 8080 for `host` and the scheme's port for URLs.
 */
gboolean
zero_server_address_split (const char *server_address,
                           char      **host,
                           guint16    *port,
                           GError    **error)
{
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  int uri_port;

  g_return_val_if_fail (server_address != NULL, FALSE);

  if (strstr (server_address, "://") != NULL)
    url = g_strdup (server_address);
  else
    url = g_strconcat ("zero://", server_address, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_NON_DNS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_SERVER,
                   _("“%s” is not a server address: expected HOST:PORT or a ws:// URL"),
                   server_address);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  uri_port = g_uri_get_port (uri);
  if (uri_port <= 0 || uri_port > G_MAXUINT16)
    {
      if (g_ascii_strcasecmp (scheme, "wss") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
        uri_port = 443;
      else if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "http") == 0)
        uri_port = 80;
      else
        uri_port = ZERO_DEFAULT_SIGNALING_PORT;
    }

  if (host != NULL)
    *host = g_strdup (g_uri_get_host (uri));
  if (port != NULL)
    *port = (guint16) uri_port;
  return TRUE;
}

/**
 * zero_session_link_build:
 * @server_address: the signaling server, as in `signaling.server_address`
 * @session: a valid session ID
 *
 * Returns: `zero://HOST:PORT/SESSION` for sharing, or %NULL with @error.
 */
char *
zero_session_link_build (const char *server_address,
                         const char *session,
                         GError    **error)
{
  ZeroSessionLink link = { 0 };
  g_autofree char *host = NULL;
  guint16 port = 0;

  g_return_val_if_fail (server_address != NULL, NULL);
  g_return_val_if_fail (session != NULL, NULL);

  if (!zero_uuid_is_valid (session))
    {
      g_set_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID,
                   _("“%s” is not a session ID"), session);
      return NULL;
    }
  if (!zero_server_address_split (server_address, &host, &port, error))
    return NULL;

  link.session = (char *) session;
  link.host = host;
  link.port = port;
  return zero_session_link_to_string (&link);
}

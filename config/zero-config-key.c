/* zero-config-key.c: the one table of config.yaml keys, and its validators.
 *
 * To add a setting, add one row to `keys` below (keep rows grouped by
 * section: new keys are written in this order when a file gains them), and
 * document it in data/config.yaml; the test /config/example/complete fails
 * until both agree. */
#include "config/zero-config-key.h"

#include <string.h>

#include "config/zero-config-private.h"

/* ---- validators ---------------------------------------------------------- */

static gboolean
is_host_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_';
}

/* Splits "host", "host:port" or "[v6]:port". @port is 0 when absent. */
gboolean
_zero_config_split_host_port (const char *text,
                              char      **host_out,
                              guint      *port_out,
                              char      **why)
{
  g_autofree char *host = NULL;
  const char *port_text = NULL;
  guint64 port = 0;

  if (text == NULL || *text == '\0')
    {
      *why = g_strdup ("the address is empty");
      return FALSE;
    }

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL)
        {
          *why = g_strdup ("missing ']' after the IPv6 address");
          return FALSE;
        }
      host = g_strndup (text + 1, close - text - 1);
      if (!g_hostname_is_ip_address (host) || strchr (host, ':') == NULL)
        {
          *why = g_strdup_printf ("\"%s\" is not an IPv6 address", host);
          return FALSE;
        }
      if (close[1] == ':')
        port_text = close + 2;
      else if (close[1] != '\0')
        {
          *why = g_strdup ("unexpected text after ']' (expected :port)");
          return FALSE;
        }
    }
  else
    {
      const char *colon = strchr (text, ':');

      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        {
          *why = g_strdup ("write IPv6 addresses in brackets: [::1]:8080");
          return FALSE;
        }
      host = colon ? g_strndup (text, colon - text) : g_strdup (text);
      if (colon != NULL)
        port_text = colon + 1;
      if (*host == '\0')
        {
          *why = g_strdup ("the host name is empty");
          return FALSE;
        }
      for (const char *p = host; *p; p++)
        if (!is_host_char (*p))
          {
            *why = g_strdup_printf ("invalid character '%c' in host name \"%s\"", *p, host);
            return FALSE;
          }
    }

  if (port_text != NULL)
    {
      if (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
        {
          *why = g_strdup_printf ("invalid port \"%s\" (expected 1..65535)", port_text);
          return FALSE;
        }
    }

  if (host_out)
    *host_out = g_steal_pointer (&host);
  if (port_out)
    *port_out = (guint) port;
  return TRUE;
}

static gboolean
check_ws_url (const char *value,
              char      **why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, &error);
  const char *scheme;

  if (uri == NULL)
    {
      *why = g_strdup_printf ("\"%s\" is not a valid URL (%s)", value, error->message);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0)
    {
      *why = g_strdup_printf ("unsupported URL scheme \"%s\" (expected ws:// or wss://)", scheme);
      return FALSE;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      *why = g_strdup_printf ("\"%s\" has no host", value);
      return FALSE;
    }
  if (g_uri_get_port (uri) == 0)
    {
      *why = g_strdup_printf ("\"%s\" has an invalid port", value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_ws_url_or_empty (const char *value,
                       char      **why)
{
  return *value == '\0' || check_ws_url (value, why);
}

static gboolean
check_server_address (const char *value,
                      char      **why)
{
  g_autofree char *inner = NULL;

  if (strstr (value, "://") != NULL)
    return check_ws_url (value, why);
  if (!_zero_config_split_host_port (value, NULL, NULL, &inner))
    {
      *why = g_strdup_printf ("%s; expected host:port or a ws:// or wss:// URL", inner);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_bind_host (const char *value,
                 char      **why)
{
  g_autofree char *inner = NULL;

  /* A bare IPv6 literal ("::") is a fine bind address. */
  if (g_hostname_is_ip_address (value))
    return TRUE;
  if (strchr (value, ':') != NULL)
    {
      *why = g_strdup ("expected a host name or IP address without a port");
      return FALSE;
    }
  if (!_zero_config_split_host_port (value, NULL, NULL, &inner))
    {
      *why = g_steal_pointer (&inner);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_resolution (const char *value,
                  char      **why)
{
  g_autoptr(GError) error = NULL;

  if (!zero_config_parse_resolution (value, NULL, NULL, &error))
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_display_name (const char *value,
                    char      **why)
{
  /* PROTOCOL.md: join names are 1..64 characters; empty means "ask the system". */
  if (g_utf8_strlen (value, -1) > 64)
    {
      *why = g_strdup ("names are limited to 64 characters");
      return FALSE;
    }
  for (const char *p = value; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        *why = g_strdup ("names may not contain control characters");
        return FALSE;
      }
  return TRUE;
}

/* ---- the table ----------------------------------------------------------- */

static const char *const video_sources[] = { "auto", "pipewire", "v4l2", "test", "none", NULL };
static const char *const audio_sources[] = { "auto", "pipewire", "test", "none", NULL };
static const char *const audio_outputs[] = { "auto", "pipewire", "none", NULL };
static const char *const video_codecs[] = { "vp8", "h264", NULL };
static const char *const tristate[] = { "auto", "true", "false", NULL };
static const gint64 sample_rates[] = { 8000, 12000, 16000, 24000, 48000 };

#define STRING(k, def, chk, d) \
  { .key = k, .type = ZERO_CONFIG_TYPE_STRING, .default_string = def, .check = chk, .doc = d }
#define INT(k, def, lo, hi, d) \
  { .key = k, .type = ZERO_CONFIG_TYPE_INT, .default_int = def, .min = lo, .max = hi, .doc = d }
#define INT_ONE_OF(k, def, list, d)                                                     \
  { .key = k, .type = ZERO_CONFIG_TYPE_INT, .default_int = def, .min = G_MININT64,     \
    .max = G_MAXINT64, .allowed = list, .n_allowed = G_N_ELEMENTS (list), .doc = d }
#define BOOL(k, def, d) \
  { .key = k, .type = ZERO_CONFIG_TYPE_BOOL, .default_int = def, .doc = d }
#define ENUM(k, def, list, d) \
  { .key = k, .type = ZERO_CONFIG_TYPE_ENUM, .default_string = def, .choices = list, .doc = d }

static const ZeroConfigKey keys[] = {
  STRING ("signaling.server_address", "localhost:8080", check_server_address,
          "Signaling server: host:port, or a ws:// or wss:// URL"),
  STRING ("signaling.token", "", NULL, "JWT for servers configured with a secret"),

  STRING ("server.host", "127.0.0.1", check_bind_host, "zero-signaling bind address"),
  INT ("server.port", 8080, 0, 65535, "zero-signaling port (0: pick a free one)"),
  INT ("server.max_peers", 16, 1, 1000, "Peers per session"),
  INT ("server.max_frame", 65536, 1024, 16777216, "Largest WebSocket frame accepted, in bytes"),
  INT ("server.rate_limit", 100, 1, 100000, "Messages per second per connection (burst: 2x)"),
  INT ("server.max_sessions", 10000, 1, 1000000, "Sessions the server holds at once"),
  INT ("server.ping_interval_s", 15, 1, 3600, "Seconds between keep-alive pings"),
  INT ("server.timeout_s", 45, 2, 7200, "Seconds of silence before a peer is dropped"),
  STRING ("server.secret", "", NULL, "HS256 secret for join tokens; empty: no tokens"),
  STRING ("server.tls_cert", "", NULL, "PEM certificate path; with tls_key, serve wss://"),
  STRING ("server.tls_key", "", NULL, "PEM private key path"),
  STRING ("server.sfu_url", "", check_ws_url_or_empty, "Janus WebSocket URL; empty: mesh only"),
  STRING ("server.sfu_secret", "", NULL, "Secret used to derive Janus room pins"),
  INT ("server.mesh_limit", 3, 2, 1000, "Members beyond which a session moves to the SFU"),

  { .key = "webrtc.ice_servers", .type = ZERO_CONFIG_TYPE_ICE_SERVERS,
    .doc = "STUN/TURN servers: [{urls, username, credential}]; empty: none" },
  ENUM ("webrtc.loopback_candidates", "auto", tristate,
        "Gather 127.0.0.1 candidates (auto: only when no other interface is up)"),
  BOOL ("webrtc.ice_tcp", FALSE,
        "Also gather TCP host candidates (ICE-TCP); TURN over TCP works without them"),
  INT ("webrtc.jitter_buffer_ms", 150, 0, 1000,
       "Receive jitter buffer, in milliseconds (how long a lost packet may be retransmitted)"),
  INT ("webrtc.ice_restart_attempts", 3, 0, 20, "ICE restarts tried before a peer fails"),
  INT ("webrtc.connect_timeout_s", 15, 1, 300, "Seconds allowed for a peer to connect"),

  ENUM ("media.video.source", "auto", video_sources, "Camera: auto|pipewire|v4l2|test|none"),
  STRING ("media.video.device", "", NULL, "Camera id: PipeWire serial or V4L2 path"),
  STRING ("media.video.resolution", "HD", check_resolution, "HD (1280x720), FullHD, or WxH"),
  INT ("media.video.fps", 30, 1, 120, "Frames per second"),
  ENUM ("media.video.codec", "vp8", video_codecs, "Video codec: vp8|h264"),
  INT ("media.video.min_bitrate_kbps", 150, 30, 50000, "Lowest video bitrate, kbit/s"),
  INT ("media.video.max_bitrate_kbps", 2500, 30, 50000, "Highest video bitrate, kbit/s"),
  INT ("media.video.start_bitrate_kbps", 1200, 30, 50000, "Initial video bitrate, kbit/s"),
  ENUM ("media.audio.source", "auto", audio_sources, "Microphone: auto|pipewire|test|none"),
  STRING ("media.audio.device", "", NULL, "Microphone id (PipeWire serial)"),
  ENUM ("media.audio.output", "auto", audio_outputs, "Playback: auto|pipewire|none"),
  STRING ("media.audio.output_device", "", NULL, "Speaker id (PipeWire serial)"),
  INT_ONE_OF ("media.audio.sample_rate", 48000, sample_rates,
              "Sample rate: 8000, 12000, 16000, 24000 or 48000"),
  BOOL ("media.audio.echo_cancel", TRUE, "Cancel echo of the remote audio"),
  INT ("media.audio.bitrate_kbps", 32, 6, 510, "Opus bitrate, kbit/s"),

  STRING ("user.name", "", check_display_name, "Display name; empty: the system's real name"),

  STRING ("screen.restore_token", "", NULL, "xdg-desktop-portal ScreenCast restore token"),

  BOOL ("sfu.enabled", FALSE, "Use a Janus SFU instead of the mesh"),
  STRING ("sfu.url", "", check_ws_url_or_empty, "Janus WebSocket URL (ws:// or wss://)"),
};

#undef STRING
#undef INT
#undef INT_ONE_OF
#undef BOOL
#undef ENUM

const ZeroConfigKey *
zero_config_get_keys (guint *n_keys)
{
  if (n_keys)
    *n_keys = G_N_ELEMENTS (keys);
  return keys;
}

/* Returns the row for @key, or NULL when @key is not in the table. */
const ZeroConfigKey *
zero_config_lookup_key (const char *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

guint
_zero_config_key_index (const ZeroConfigKey *key)
{
  g_assert (key >= keys && key < keys + G_N_ELEMENTS (keys));
  return (guint) (key - keys);
}

/* TRUE when @prefix names a section: some key starts with "@prefix.". */
gboolean
_zero_config_is_section (const char *prefix)
{
  gsize len = strlen (prefix);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strncmp (keys[i].key, prefix, len) == 0 && keys[i].key[len] == '.')
      return TRUE;
  return FALSE;
}

/* ---- public helpers ------------------------------------------------------ */

/**
 * zero_config_parse_resolution:
 * @text: "HD", "FullHD" (any case) or "WxH" such as "640x360"
 * @width: (out) (optional):
 * @height: (out) (optional):
 *
 * Widths are 16..7680 and heights 16..4320, both even (4:2:0 video).
 */
gboolean
zero_config_parse_resolution (const char *text,
                              int        *width,
                              int        *height,
                              GError    **error)
{
  guint64 w, h;

  g_return_val_if_fail (text != NULL, FALSE);

  if (g_ascii_strcasecmp (text, "HD") == 0 || g_ascii_strcasecmp (text, "720p") == 0)
    w = 1280, h = 720;
  else if (g_ascii_strcasecmp (text, "FullHD") == 0 || g_ascii_strcasecmp (text, "1080p") == 0)
    w = 1920, h = 1080;
  else
    {
      const char *x = strpbrk (text, "xX");
      g_autofree char *wtext = x ? g_strndup (text, x - text) : NULL;

      if (x == NULL || strpbrk (x + 1, "xX") != NULL
          || !g_ascii_string_to_unsigned (wtext, 10, 0, G_MAXUINT32, &w, NULL)
          || !g_ascii_string_to_unsigned (x + 1, 10, 0, G_MAXUINT32, &h, NULL))
        {
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                       "invalid resolution \"%s\" (expected HD, FullHD or WIDTHxHEIGHT such as "
                       "640x360)", text);
          return FALSE;
        }
      if (w < 16 || w > 7680 || h < 16 || h > 4320)
        {
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                       "resolution %s is out of range (16x16 to 7680x4320)", text);
          return FALSE;
        }
      if (w % 2 != 0 || h % 2 != 0)
        {
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                       "resolution %s: width and height must be even", text);
          return FALSE;
        }
    }

  if (width)
    *width = (int) w;
  if (height)
    *height = (int) h;
  return TRUE;
}

/**
 * zero_config_address_to_url:
 * @address: a signaling.server_address value: "host", "host:port",
 *   "[v6]:port", or a ws:// / wss:// URL
 *
 * Returns: (transfer full): the WebSocket URL to connect to, such as
 *   "ws://localhost:8080/ws" (PROTOCOL.md section 1: default port 8080,
 *   path /ws when the URL has none).
 */
char *
zero_config_address_to_url (const char *address,
                            GError    **error)
{
  g_autofree char *why = NULL;
  g_autofree char *host = NULL;
  guint port = 0;

  g_return_val_if_fail (address != NULL, NULL);

  if (strstr (address, "://") != NULL)
    {
      g_autoptr(GUri) uri = NULL;
      const char *path;

      if (!check_ws_url (address, &why))
        {
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE, "%s", why);
          return NULL;
        }
      uri = g_uri_parse (address, G_URI_FLAGS_NONE, NULL);
      path = g_uri_get_path (uri);
      if (*path == '\0' || strcmp (path, "/") == 0)
        {
          g_autofree char *scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
          g_autoptr(GUri) with_path = g_uri_build (G_URI_FLAGS_NONE, scheme,
                                                   g_uri_get_userinfo (uri), g_uri_get_host (uri),
                                                   g_uri_get_port (uri), "/ws",
                                                   g_uri_get_query (uri), NULL);
          return g_uri_to_string (with_path);
        }
      return g_strdup (address);
    }

  if (!_zero_config_split_host_port (address, &host, &port, &why))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                   "invalid server address \"%s\": %s", address, why);
      return NULL;
    }
  return g_strdup_printf (strchr (host, ':') ? "ws://[%s]:%u/ws" : "ws://%s:%u/ws", host,
                          port ? port : 8080);
}

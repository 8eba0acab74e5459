/* zero-signaling: the Zero signaling server daemon (CLI.md).
 *
 * Maps config.yaml (server.*, signaling.server_address, webrtc.ice_servers)
 * and the command line onto a ZeroSignalingServer. Once listening it prints
 * exactly one line to stdout, "listening on ws://HOST:PORT/ws"; everything
 * else goes to stderr. SIGTERM/SIGINT close every WebSocket with 1001 and
 * exit 0. Exit codes: 2 bad options or config, 1 cannot listen. */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config/zero-config.h"
#include "signaling/zero-signaling-client.h"
#include "signaling/zero-signaling-server.h"
#include "tools/zero-tool.h"
#include "zero-build-config.h"

#define EXIT_USAGE 2
#define EXIT_LISTEN 1
#define SHUTDOWN_GRACE_MS 2000

typedef struct
{
  char *config;
  char *host;
  char *port;
  char *tls_cert;
  char *tls_key;
  char *secret;
  char *max_peers;
  char *max_frame;
  char *max_sessions;
  char *rate_limit;
  char *ping_interval;
  char *timeout;
  char *sfu_url;
  char *sfu_client_url;
  char *sfu_secret;
  char *sfu_admin_key;
  char *mesh_limit;
  gboolean verbose;
  gboolean version;
} Options;

static void
options_clear (Options *opt)
{
  g_free (opt->config);
  g_free (opt->host);
  g_free (opt->port);
  g_free (opt->tls_cert);
  g_free (opt->tls_key);
  g_free (opt->secret);
  g_free (opt->max_peers);
  g_free (opt->max_frame);
  g_free (opt->max_sessions);
  g_free (opt->rate_limit);
  g_free (opt->ping_interval);
  g_free (opt->timeout);
  g_free (opt->sfu_url);
  g_free (opt->sfu_client_url);
  g_free (opt->sfu_secret);
  g_free (opt->sfu_admin_key);
  g_free (opt->mesh_limit);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static GMainLoop *loop;
static ZeroSignalingServer *server;
static gboolean stopping;

static gboolean
parse_uint (const char *option, const char *text, guint64 min, guint64 max, guint *out,
            GError **error)
{
  guint64 value;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s: expected a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                   ", got \"%s\"", option, min, max, text);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

/* host and port from signaling.server_address ("localhost:8080", ws://...). */
static void
address_from_config (ZeroConfig *config, char **host, guint *port)
{
  g_autofree char *url = NULL;
  g_autoptr (GUri) uri = NULL;

  if (!zero_config_is_set (config, "signaling.server_address"))
    return;
  url = zero_signaling_client_normalize_url (zero_config_get_string (config,
                                                                     "signaling.server_address"),
                                             NULL);
  if (url == NULL || (uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL)) == NULL)
    return;
  g_free (*host);
  *host = g_strdup (g_uri_get_host (uri));
  if (g_uri_get_port (uri) > 0)
    *port = (guint) g_uri_get_port (uri);
}

static void
raise_nofile_limit (void)
{
  struct rlimit rl;

  /* Each connection is a descriptor; 10,000 of them need more than 1024. */
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
        g_warning ("cannot raise the open-files limit: %s", g_strerror (errno));
    }
}

static gboolean
on_drain_check (gpointer user_data)
{
  gint64 deadline = GPOINTER_TO_SIZE (user_data);

  if (zero_signaling_server_get_n_connections (server) == 0 ||
      g_get_monotonic_time () >= deadline)
    {
      g_main_loop_quit (loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer user_data)
{
  gint64 deadline = g_get_monotonic_time () + SHUTDOWN_GRACE_MS * 1000;

  if (stopping)
    {
      g_main_loop_quit (loop); /* a second signal: don't wait */
      return G_SOURCE_CONTINUE;
    }
  stopping = TRUE;
  g_message ("%s: closing %u connections", (const char *) user_data,
             zero_signaling_server_get_n_connections (server));
  zero_signaling_server_shutdown (server);
  /* Give clients a moment to answer the close frames. */
  g_timeout_add (10, on_drain_check, GSIZE_TO_POINTER ((gsize) deadline));
  return G_SOURCE_CONTINUE;
}

static int
usage_error (GOptionContext *context, const char *message)
{
  fprintf (stderr, "zero-signaling: %s\nTry \"zero-signaling --help\".\n", message);
  return EXIT_USAGE;
}

int
main (int argc, char **argv)
{
  g_auto (Options) opt = { 0 };
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt.config, "Read settings from FILE", "FILE" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &opt.host, "Address to listen on (127.0.0.1)", "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &opt.port, "Port (8080; 0 picks a free one)", "N" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt.tls_cert, "PEM certificate: serve wss://",
      "PEM" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt.tls_key, "PEM private key", "PEM" },
    { "secret", 0, 0, G_OPTION_ARG_STRING, &opt.secret, "HS256 key: every join needs a token",
      "KEY" },
    { "max-peers", 0, 0, G_OPTION_ARG_STRING, &opt.max_peers, "Peers per session (16)", "N" },
    { "max-frame", 0, 0, G_OPTION_ARG_STRING, &opt.max_frame, "Largest message (65536)",
      "BYTES" },
    { "max-sessions", 0, 0, G_OPTION_ARG_STRING, &opt.max_sessions,
      "Sessions at once (10000; 0: no limit)", "N" },
    { "rate-limit", 0, 0, G_OPTION_ARG_STRING, &opt.rate_limit,
      "Messages per second per connection, burst twice that (100; 0: off)", "N" },
    { "ping-interval", 0, 0, G_OPTION_ARG_STRING, &opt.ping_interval,
      "Seconds of silence before a ping (15)", "S" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &opt.timeout,
      "Seconds of silence before a drop (45)", "S" },
    { "sfu-url", 0, 0, G_OPTION_ARG_STRING, &opt.sfu_url,
      "Janus WebSocket URL: sessions past the mesh limit move there", "URL" },
    { "sfu-client-url", 0, 0, G_OPTION_ARG_STRING, &opt.sfu_client_url,
      "Janus URL given to clients (default: --sfu-url)", "URL" },
    { "sfu-secret", 0, 0, G_OPTION_ARG_STRING, &opt.sfu_secret,
      "Key deriving Janus room ids, pins and secrets", "KEY" },
    { "sfu-admin-key", 0, 0, G_OPTION_ARG_STRING, &opt.sfu_admin_key,
      "Janus VideoRoom admin_key (default: --sfu-secret)", "KEY" },
    { "mesh-limit", 0, 0, G_OPTION_ARG_STRING, &opt.mesh_limit,
      "Members beyond which a session moves to the SFU (3; 0: always)", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt.verbose, "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt.version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroConfig) config = NULL;
  g_autofree char *host = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *sfu_url = NULL;
  g_autofree char *sfu_secret = NULL;
  g_autofree char *sfu_admin_key = NULL;
  guint mesh_limit;
  guint port, max_peers, max_frame, max_sessions, rate_limit, ping_s, timeout_s;
  GPtrArray *ice_servers;

  zero_tool_init ();

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, "The Zero signaling server (WebSocket, PROTOCOL.md).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc > 1)
    return usage_error (context, "unexpected arguments");
  if (opt.version)
    {
      printf ("zero-signaling %s\n", ZERO_VERSION);
      return 0;
    }
  if (opt.verbose)
    g_setenv ("G_MESSAGES_DEBUG", "zero-signaling", FALSE);

  /* Settings: built-in defaults < config file < command line. */
  config = zero_config_load (opt.config, &error);
  if (config == NULL)
    {
      fprintf (stderr, "zero-signaling: %s\n", error->message);
      return EXIT_USAGE;
    }
  for (guint i = 0; zero_config_get_warnings (config) && i < zero_config_get_warnings (config)->len;
       i++)
    g_warning ("%s", (const char *) g_ptr_array_index (zero_config_get_warnings (config), i));

  host = g_strdup ("127.0.0.1");
  port = 8080;
  address_from_config (config, &host, &port);
  if (zero_config_is_set (config, "server.host"))
    {
      g_free (host);
      host = g_strdup (zero_config_get_string (config, "server.host"));
    }
  if (zero_config_is_set (config, "server.port"))
    port = (guint) zero_config_get_int (config, "server.port");
  max_peers = (guint) zero_config_get_int (config, "server.max_peers");
  max_frame = (guint) zero_config_get_int (config, "server.max_frame");
  max_sessions = (guint) zero_config_get_int (config, "server.max_sessions");
  rate_limit = (guint) zero_config_get_int (config, "server.rate_limit");
  ping_s = (guint) zero_config_get_int (config, "server.ping_interval_s");
  timeout_s = (guint) zero_config_get_int (config, "server.timeout_s");
  secret = g_strdup (zero_config_get_string (config, "server.secret"));
  tls_cert = g_strdup (zero_config_get_string (config, "server.tls_cert"));
  tls_key = g_strdup (zero_config_get_string (config, "server.tls_key"));
  sfu_url = g_strdup (zero_config_get_string (config, "server.sfu_url"));
  sfu_secret = g_strdup (zero_config_get_string (config, "server.sfu_secret"));
  mesh_limit = (guint) zero_config_get_int (config, "server.mesh_limit");

  if (opt.host)
    {
      g_free (host);
      host = g_strdup (opt.host);
    }
  if (!parse_uint ("--port", opt.port, 0, 65535, &port, &error) ||
      !parse_uint ("--max-peers", opt.max_peers, 1, 65535, &max_peers, &error) ||
      !parse_uint ("--max-frame", opt.max_frame, 128, 64 * 1024 * 1024, &max_frame, &error) ||
      !parse_uint ("--max-sessions", opt.max_sessions, 0, G_MAXUINT, &max_sessions, &error) ||
      !parse_uint ("--rate-limit", opt.rate_limit, 0, G_MAXUINT, &rate_limit, &error) ||
      !parse_uint ("--ping-interval", opt.ping_interval, 1, 86400, &ping_s, &error) ||
      !parse_uint ("--timeout", opt.timeout, 1, 86400, &timeout_s, &error) ||
      !parse_uint ("--mesh-limit", opt.mesh_limit, 0, 65535, &mesh_limit, &error))
    return usage_error (context, error->message);
  if (opt.secret)
    {
      g_free (secret);
      secret = g_strdup (opt.secret);
    }
  if (opt.tls_cert || opt.tls_key)
    {
      g_free (tls_cert);
      g_free (tls_key);
      tls_cert = g_strdup (opt.tls_cert ? opt.tls_cert : "");
      tls_key = g_strdup (opt.tls_key ? opt.tls_key : "");
    }
  if ((*tls_cert == '\0') != (*tls_key == '\0'))
    return usage_error (context, "--tls-cert and --tls-key go together");
  if (opt.sfu_url)
    {
      g_free (sfu_url);
      sfu_url = g_strdup (opt.sfu_url);
    }
  if (opt.sfu_secret)
    {
      g_free (sfu_secret);
      sfu_secret = g_strdup (opt.sfu_secret);
    }
  /* The room-creation key defaults to the SFU secret: one secret for the operator to
   * share between zero-janus --admin-key and this server. */
  sfu_admin_key = g_strdup (opt.sfu_admin_key ? opt.sfu_admin_key : sfu_secret);
  for (guint i = 0; i < 2; i++)
    {
      const char *url = i == 0 ? sfu_url : opt.sfu_client_url;
      g_autoptr (GUri) uri = NULL;

      if (url == NULL || *url == '\0')
        continue;
      uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
      if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "ws") != 0 &&
                          g_strcmp0 (g_uri_get_scheme (uri), "wss") != 0))
        {
          g_autofree char *msg = g_strdup_printf ("%s: expected a ws:// or wss:// URL, got \"%s\"",
                                                  i == 0 ? "--sfu-url" : "--sfu-client-url", url);
          return usage_error (context, msg);
        }
    }

  server = zero_signaling_server_new ();
  g_object_set (server, "max-peers", max_peers, "max-frame", max_frame, "max-sessions",
                max_sessions, "rate-limit", rate_limit, "ping-interval", ping_s * 1000, "timeout",
                timeout_s * 1000, "secret", *secret ? secret : NULL, NULL);
  g_object_set (server, "sfu-url", sfu_url, "sfu-client-url", opt.sfu_client_url, "sfu-secret",
                sfu_secret, "sfu-admin-key", sfu_admin_key, "mesh-limit", mesh_limit, NULL);
  if (*sfu_url && *sfu_secret == '\0')
    g_warning ("--sfu-url without --sfu-secret: room pins are random for this run and rooms "
               "can be created by anyone Janus lets in");
  if (*tls_cert && !zero_signaling_server_set_tls_files (server, tls_cert, tls_key, &error))
    {
      fprintf (stderr, "zero-signaling: %s\n", error->message);
      g_clear_object (&server);
      return EXIT_USAGE;
    }
  ice_servers = zero_config_get_ice_servers (config);
  for (guint i = 0; ice_servers && i < ice_servers->len; i++)
    {
      ZeroIceServer *ice = g_ptr_array_index (ice_servers, i);
      zero_signaling_server_add_ice_server (server, (const char *const *) ice->urls,
                                            ice->username, ice->credential);
    }
  g_clear_pointer (&ice_servers, g_ptr_array_unref);

  raise_nofile_limit ();
  signal (SIGPIPE, SIG_IGN);
  /* Before the "listening on" line: a script may signal us right after it. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, (gpointer) "SIGTERM");
  g_unix_signal_add (SIGINT, on_signal, (gpointer) "SIGINT");

  if (!zero_signaling_server_listen (server, host, port, &error))
    {
      fprintf (stderr, "zero-signaling: %s\n", error->message);
      g_clear_object (&server);
      g_main_loop_unref (loop);
      return EXIT_LISTEN;
    }

  printf ("listening on %s\n", zero_signaling_server_get_url (server));
  fflush (stdout);

  g_main_loop_run (loop);

  g_clear_object (&server);
  g_main_loop_unref (loop);
  return 0;
}

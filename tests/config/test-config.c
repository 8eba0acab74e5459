/* test-config.c: ZeroConfig — loading, errors with positions, setters,
 * saving that keeps the user's text, and robustness against garbage. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config/zero-config.h"
#include "config/zero-config-private.h"
#include "zero-build-config.h"

/* ---- helpers ------------------------------------------------------------- */

#define assert_prefix(text, prefix)                                                  \
  G_STMT_START {                                                                     \
    if (!g_str_has_prefix (text, prefix))                                            \
      g_error ("%s:%d: \"%s\" does not start with \"%s\"", __FILE__, __LINE__, text, \
               prefix);                                                              \
  } G_STMT_END

static ZeroConfig *
load_text (const char *text,
           GError    **error)
{
  g_autoptr(ZeroConfig) config = zero_config_new ();

  if (!zero_config_load_data (config, text, -1, "test.yaml", error))
    return NULL;
  return g_steal_pointer (&config);
}

/* Loads @text expecting failure; returns the error message. */
static char *
load_error (const char *text,
            int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroConfig) config = load_text (text, &error);

  g_assert_null (config);
  g_assert_error (error, ZERO_CONFIG_ERROR, code);
  return g_strdup (error->message);
}

static char *
scratch_path (const char *name)
{
  /* G_TEST_OPTION_ISOLATE_DIRS gives every test its own cache dir. */
  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  return g_build_filename (g_get_user_cache_dir (), name, NULL);
}

static char *
write_scratch (const char *name,
               const char *text)
{
  char *path = scratch_path (name);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* Every key of @a and @b has the same effective value. */
static void
assert_same_values (ZeroConfig *a,
                    ZeroConfig *b)
{
  guint n_keys;
  const ZeroConfigKey *keys = zero_config_get_keys (&n_keys);

  for (guint i = 0; i < n_keys; i++)
    {
      const char *key = keys[i].key;

      switch (keys[i].type)
        {
        case ZERO_CONFIG_TYPE_STRING:
        case ZERO_CONFIG_TYPE_ENUM:
          g_assert_cmpstr (zero_config_get_string (a, key), ==, zero_config_get_string (b, key));
          break;
        case ZERO_CONFIG_TYPE_INT:
          g_assert_cmpint (zero_config_get_int (a, key), ==, zero_config_get_int (b, key));
          break;
        case ZERO_CONFIG_TYPE_BOOL:
          g_assert_cmpint (zero_config_get_bool (a, key), ==, zero_config_get_bool (b, key));
          break;
        case ZERO_CONFIG_TYPE_ICE_SERVERS:
          {
            g_autoptr(GPtrArray) x = zero_config_get_ice_servers (a);
            g_autoptr(GPtrArray) y = zero_config_get_ice_servers (b);

            g_assert_cmpuint (x->len, ==, y->len);
            for (guint j = 0; j < x->len; j++)
              g_assert_true (zero_ice_server_equal (x->pdata[j], y->pdata[j]));
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* Saves, then loads the file again and checks nothing was lost. */
static ZeroConfig *
save_and_reload (ZeroConfig *config)
{
  g_autoptr(GError) error = NULL;
  ZeroConfig *again;

  g_assert_true (zero_config_save (config, &error));
  g_assert_no_error (error);
  g_assert_false (zero_config_has_unsaved_changes (config));
  again = zero_config_load (zero_config_get_path (config), &error);
  g_assert_no_error (error);
  assert_same_values (config, again);
  return again;
}

/* ---- defaults ------------------------------------------------------------ */

static void
test_defaults (void)
{
  g_autoptr(ZeroConfig) config = zero_config_new ();
  g_autoptr(GPtrArray) ice = zero_config_get_ice_servers (config);
  g_autofree char *default_path = zero_config_dup_default_path ();
  g_autofree char *url = zero_config_dup_signaling_url (config);
  int w = 0, h = 0;

  g_assert_cmpstr (zero_config_get_string (config, "signaling.server_address"), ==,
                   "localhost:8080");
  g_assert_cmpstr (url, ==, "ws://localhost:8080/ws");
  g_assert_cmpstr (zero_config_get_string (config, "server.host"), ==, "127.0.0.1");
  g_assert_cmpint (zero_config_get_int (config, "server.port"), ==, 8080);
  g_assert_cmpint (zero_config_get_int (config, "server.max_peers"), ==, 16);
  g_assert_cmpint (zero_config_get_int (config, "server.max_frame"), ==, 65536);
  g_assert_cmpint (zero_config_get_int (config, "server.rate_limit"), ==, 100);
  g_assert_cmpint (zero_config_get_int (config, "server.max_sessions"), ==, 10000);
  g_assert_cmpint (zero_config_get_int (config, "server.ping_interval_s"), ==, 15);
  g_assert_cmpint (zero_config_get_int (config, "server.timeout_s"), ==, 45);
  g_assert_cmpint (zero_config_get_int (config, "server.mesh_limit"), ==, 3);
  g_assert_cmpstr (zero_config_get_string (config, "server.secret"), ==, "");
  g_assert_cmpstr (zero_config_get_string (config, "webrtc.loopback_candidates"), ==, "auto");
  g_assert_cmpint (zero_config_get_int (config, "webrtc.jitter_buffer_ms"), ==, 150);
  g_assert_cmpint (zero_config_get_int (config, "webrtc.ice_restart_attempts"), ==, 3);
  g_assert_cmpint (zero_config_get_int (config, "webrtc.connect_timeout_s"), ==, 15);
  g_assert_cmpstr (zero_config_get_string (config, "media.video.source"), ==, "auto");
  g_assert_cmpstr (zero_config_get_string (config, "media.video.resolution"), ==, "HD");
  g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 30);
  g_assert_cmpstr (zero_config_get_string (config, "media.video.codec"), ==, "vp8");
  g_assert_cmpint (zero_config_get_int (config, "media.video.min_bitrate_kbps"), ==, 150);
  g_assert_cmpint (zero_config_get_int (config, "media.video.max_bitrate_kbps"), ==, 2500);
  g_assert_cmpint (zero_config_get_int (config, "media.video.start_bitrate_kbps"), ==, 1200);
  g_assert_cmpstr (zero_config_get_string (config, "media.audio.source"), ==, "auto");
  g_assert_cmpstr (zero_config_get_string (config, "media.audio.output"), ==, "auto");
  g_assert_cmpint (zero_config_get_int (config, "media.audio.sample_rate"), ==, 48000);
  g_assert_true (zero_config_get_bool (config, "media.audio.echo_cancel"));
  g_assert_cmpint (zero_config_get_int (config, "media.audio.bitrate_kbps"), ==, 32);
  g_assert_cmpstr (zero_config_get_string (config, "user.name"), ==, "");
  g_assert_cmpstr (zero_config_get_string (config, "screen.restore_token"), ==, "");
  g_assert_false (zero_config_get_bool (config, "sfu.enabled"));
  g_assert_cmpstr (zero_config_get_string (config, "sfu.url"), ==, "");
  g_assert_cmpuint (ice->len, ==, 0);
  zero_config_get_resolution (config, &w, &h);
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);
  g_assert_false (zero_config_is_set (config, "media.video.fps"));
  g_assert_cmpstr (zero_config_get_path (config), ==, default_path);
  g_assert_true (g_str_has_suffix (default_path, "/zero/config.yaml"));
  assert_prefix (default_path, g_get_user_config_dir ());
  g_assert_cmpuint (zero_config_get_warnings (config)->len, ==, 0);

  /* Empty files and comment-only files are the defaults too. */
  {
    g_autoptr(GError) error = NULL;
    g_assert_true (zero_config_load_data (config, "", 0, "empty.yaml", &error));
    g_assert_true (zero_config_load_data (config, "# nothing\n---\n", -1, "c.yaml", &error));
    g_assert_no_error (error);
    g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 30);
  }
}

/* Every row of the table has a default its own validation accepts. */
static void
test_table_defaults_valid (void)
{
  guint n_keys;
  const ZeroConfigKey *keys = zero_config_get_keys (&n_keys);
  g_autoptr(ZeroConfig) config = zero_config_new ();

  g_assert_cmpuint (n_keys, >=, 40);
  for (guint i = 0; i < n_keys; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_nonnull (keys[i].doc);
      g_assert_true (zero_config_lookup_key (keys[i].key) == &keys[i]);
      switch (keys[i].type)
        {
        case ZERO_CONFIG_TYPE_STRING:
        case ZERO_CONFIG_TYPE_ENUM:
          zero_config_set_string (config, keys[i].key, keys[i].default_string, &error);
          break;
        case ZERO_CONFIG_TYPE_INT:
          zero_config_set_int (config, keys[i].key, keys[i].default_int, &error);
          break;
        case ZERO_CONFIG_TYPE_BOOL:
          zero_config_set_bool (config, keys[i].key, keys[i].default_int != 0, &error);
          break;
        case ZERO_CONFIG_TYPE_ICE_SERVERS:
          zero_config_set_ice_servers (config, NULL, &error);
          break;
        default:
          g_assert_not_reached ();
        }
      g_assert_no_error (error);
    }
  g_assert_null (zero_config_lookup_key ("media.video"));
  g_assert_null (zero_config_lookup_key ("nope"));
}

/* ---- errors -------------------------------------------------------------- */

static void
test_error_type (void)
{
  g_autofree char *msg = load_error ("# my settings\n"
                                     "media:\n"
                                     "  video:\n"
                                     "    fps: fast\n",
                                     ZERO_CONFIG_ERROR_TYPE);

  g_assert_cmpstr (msg, ==, "test.yaml:4:10: media.video.fps: expected an integer, got \"fast\"");

  g_free (msg);
  msg = load_error ("media:\n  video:\n    fps: \"30\"\n", ZERO_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (msg, ==, "test.yaml:3:10: media.video.fps: expected an integer, got \"30\" "
                            "(a quoted string: remove the quotes)");

  g_free (msg);
  msg = load_error ("media:\n  audio:\n    echo_cancel: maybe\n", ZERO_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (msg, ==, "test.yaml:3:18: media.audio.echo_cancel: expected true or false, "
                            "got \"maybe\"");

  g_free (msg);
  msg = load_error ("signaling:\n  server_address: [a, b]\n", ZERO_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (msg, ==, "test.yaml:2:19: signaling.server_address: expected a string, "
                            "got a list");

  g_free (msg);
  msg = load_error ("media: 5\n", ZERO_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (msg, ==, "test.yaml:1:8: media: expected a mapping of media.* keys, got \"5\"");

  g_free (msg);
  msg = load_error ("- a\n- b\n", ZERO_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (msg, ==, "test.yaml:1:1: (top level): expected a mapping of sections "
                            "(signaling:, media:, ...), got a list");

  g_free (msg);
  msg = load_error ("media:\n  video:\n    fps:\n", ZERO_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (msg, ==, "test.yaml:3:9: media.video.fps: expected an integer, "
                            "got nothing (null)");
}

static void
test_error_range (void)
{
  g_autofree char *msg = load_error ("media:\n  video:\n    fps: 500\n", ZERO_CONFIG_ERROR_RANGE);

  g_assert_cmpstr (msg, ==, "test.yaml:3:10: media.video.fps: 500 is out of range (1..120)");

  g_free (msg);
  msg = load_error ("media:\n  video: {codec: vp9}\n", ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (msg, ==, "test.yaml:2:18: media.video.codec: unknown value \"vp9\" "
                            "(expected one of: vp8, h264)");

  g_free (msg);
  msg = load_error ("media:\n  audio:\n    sample_rate: 44100\n", ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (msg, ==, "test.yaml:3:18: media.audio.sample_rate: 44100 is not allowed "
                            "(expected one of 8000, 12000, 16000, 24000, 48000)");

  g_free (msg);
  msg = load_error ("server:\n  port: -1\n", ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (msg, ==, "test.yaml:2:9: server.port: -1 is out of range (0..65535)");

  g_free (msg);
  msg = load_error ("server:\n  port: 99999999999999999999999\n", ZERO_CONFIG_ERROR_TYPE);
  assert_prefix (msg, "test.yaml:2:9: server.port: expected an integer");

  g_free (msg);
  msg = load_error ("signaling:\n  server_address: http://example.org\n",
                    ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (msg, ==, "test.yaml:2:19: signaling.server_address: unsupported URL scheme "
                            "\"http\" (expected ws:// or wss://)");

  g_free (msg);
  msg = load_error ("signaling:\n  server_address: \"host:port\"\n", ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (msg, ==, "test.yaml:2:19: signaling.server_address: invalid port \"port\" "
                            "(expected 1..65535); expected host:port or a ws:// or wss:// URL");

  g_free (msg);
  msg = load_error ("sfu:\n  url: janus.example.org\n", ZERO_CONFIG_ERROR_RANGE);
  assert_prefix (msg, "test.yaml:2:8: sfu.url: ");

  /* Cross-field: max below min is named at the max. */
  g_free (msg);
  msg = load_error ("media:\n  video:\n    min_bitrate_kbps: 500\n    max_bitrate_kbps: 400\n",
                    ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (msg, ==, "test.yaml:4:23: media.video.max_bitrate_kbps: 400 is below "
                            "media.video.min_bitrate_kbps (500)");
  g_free (msg);
  msg = load_error ("media:\n  video:\n    min_bitrate_kbps: 3000\n", ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (msg, ==, "test.yaml:3:23: media.video.min_bitrate_kbps: 3000 is above "
                            "media.video.max_bitrate_kbps (2500)");
}

static void
test_error_syntax (void)
{
  g_autofree char *msg = load_error ("media:\n"
                                     "  video:\n"
                                     "    fps: 30\n"
                                     "   codec: vp8\n",
                                     ZERO_CONFIG_ERROR_SYNTAX);

  /* libyaml's own words, with our file, position and key. */
  g_assert_cmpstr (msg, ==, "test.yaml:4:4: media: did not find expected key (while parsing a "
                            "block mapping at line 2, column 3)");

  g_free (msg);
  msg = load_error ("signaling:\n  server_address: \"localhost:8080\n", ZERO_CONFIG_ERROR_SYNTAX);
  assert_prefix (msg, "test.yaml:3:1: signaling.server_address: "
                                        "found unexpected end of stream");

  g_free (msg);
  msg = load_error ("media:\n  video:\n    fps: 30\n    fps: 25\n", ZERO_CONFIG_ERROR_SYNTAX);
  g_assert_cmpstr (msg, ==, "test.yaml:4:5: media.video.fps: duplicate key (first defined at "
                            "line 3, column 5)");

  g_free (msg);
  msg = load_error ("a: &x 1\nb: *x\n", ZERO_CONFIG_ERROR_SYNTAX);
  g_assert_cmpstr (msg, ==, "test.yaml:2:4: b: aliases (*x) are not supported in config.yaml");

  g_free (msg);
  msg = load_error ("user: {name: x}\n---\nuser: {name: y}\n", ZERO_CONFIG_ERROR_SYNTAX);
  g_assert_cmpstr (msg, ==, "test.yaml:2:1: (top level): only one YAML document is allowed "
                            "(found a second '---')");

  g_free (msg);
  msg = load_error ("user:\n  name: \"a\xff\"\n", ZERO_CONFIG_ERROR_SYNTAX);
  g_assert_cmpstr (msg, ==, "test.yaml:2:11: (file): the file is not valid UTF-8");

  g_free (msg);
  msg = load_error ("user:\n  name: \"\\0\"\n", ZERO_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (msg, ==, "test.yaml:2:9: user.name: strings may not contain NUL characters");

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ZeroConfig) config = zero_config_new ();

    g_assert_false (zero_config_load_data (config, "a: 1\n\0b: 2\n", 11, "nul.yaml", &error));
    g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_SYNTAX);
    g_assert_cmpstr (error->message, ==, "nul.yaml:2:1: (file): the file contains a NUL byte");
  }
}

/* One load reports every problem, each with its own position and key. */
static void
test_error_several (void)
{
  g_autofree char *msg = load_error ("signaling:\n"
                                     "  server_address: 42.0.0.1:99999\n"
                                     "media:\n"
                                     "  video:\n"
                                     "    fps: fast\n"
                                     "    resolution: 1281x720\n"
                                     "    codec: av1\n"
                                     "  audio:\n"
                                     "    echo_cancel: 3\n"
                                     "webrtc:\n"
                                     "  ice_servers:\n"
                                     "    - urls: http://stun.example.org\n"
                                     "sfu:\n"
                                     "  enabled: true\n"
                                     "  enabled: false\n",
                                     ZERO_CONFIG_ERROR_RANGE);
  g_auto (GStrv) lines = g_strsplit (msg, "\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 7);
  g_assert_cmpstr (lines[0], ==, "test.yaml:2:19: signaling.server_address: invalid port "
                                 "\"99999\" (expected 1..65535); expected host:port or a ws:// "
                                 "or wss:// URL");
  g_assert_cmpstr (lines[1], ==, "test.yaml:5:10: media.video.fps: expected an integer, "
                                 "got \"fast\"");
  g_assert_cmpstr (lines[2], ==, "test.yaml:6:17: media.video.resolution: resolution 1281x720: "
                                 "width and height must be even");
  g_assert_cmpstr (lines[3], ==, "test.yaml:7:12: media.video.codec: unknown value \"av1\" "
                                 "(expected one of: vp8, h264)");
  g_assert_cmpstr (lines[4], ==, "test.yaml:9:18: media.audio.echo_cancel: expected true or "
                                 "false, got \"3\"");
  g_assert_cmpstr (lines[5], ==, "test.yaml:12:7: webrtc.ice_servers[0]: unsupported ICE server "
                                 "scheme \"http\" in \"http://stun.example.org\" (expected stun:, "
                                 "stuns:, turn: or turns:)");
  g_assert_cmpstr (lines[6], ==, "test.yaml:15:3: sfu.enabled: duplicate key (first defined at "
                                 "line 14, column 3)");
}

/* A failed load changes nothing. */
static void
test_error_keeps_state (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroConfig) config = load_text ("media:\n  video:\n    fps: 12\n", &error);

  g_assert_no_error (error);
  g_assert_false (zero_config_load_data (config, "media:\n  video:\n    fps: 13\n    codec: x\n",
                                         -1, "bad.yaml", &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 12);
}

/* Line and column count characters, not bytes, after UTF-8 text. */
static void
test_error_unicode_position (void)
{
  g_autofree char *msg = load_error ("user: {name: \"Zoë 🙂\"}\nmedia: {video: {fps: ∞}}\n",
                                     ZERO_CONFIG_ERROR_TYPE);

  g_assert_cmpstr (msg, ==, "test.yaml:2:22: media.video.fps: expected an integer, got \"∞\"");
}

/* ---- warnings ------------------------------------------------------------ */

static void
test_unknown_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroConfig) config = load_text ("media:\n"
                                            "  video:\n"
                                            "    fsp: 25\n"
                                            "    fps: 24\n"
                                            "plugins:\n"
                                            "  foo: {bar: 1}\n"
                                            "webrtc:\n"
                                            "  ice_servers:\n"
                                            "    - urls: stun:a.example\n"
                                            "      priority: 3\n"
                                            "media.video.fps: 99\n",
                                            &error);
  const GPtrArray *warnings;

  g_assert_no_error (error);
  warnings = zero_config_get_warnings (config);
  g_assert_cmpuint (warnings->len, ==, 4);
  g_assert_cmpstr (warnings->pdata[0], ==, "test.yaml:3:5: media.video.fsp: unknown key, "
                                           "ignored (did you mean media.video.fps?)");
  g_assert_cmpstr (warnings->pdata[1], ==, "test.yaml:5:1: plugins: unknown key, ignored");
  g_assert_cmpstr (warnings->pdata[2], ==, "test.yaml:10:7: webrtc.ice_servers[0].priority: "
                                           "unknown key, ignored (expected urls, username or "
                                           "credential)");
  g_assert_cmpstr (warnings->pdata[3], ==, "test.yaml:11:1: media.video.fps: unknown key, "
                                           "ignored (write nested keys as nested mappings, not "
                                           "with dots)");
  g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 24);

  /* Odd combinations are warnings too, never silent. */
  g_clear_object (&config);
  config = load_text ("server:\n  tls_cert: /a.pem\n  timeout_s: 10\n", &error);
  g_assert_no_error (error);
  warnings = zero_config_get_warnings (config);
  g_assert_cmpuint (warnings->len, ==, 2);
  g_assert_cmpstr (warnings->pdata[0], ==, "test.yaml:2:13: server.tls_cert: server.tls_cert and "
                                           "server.tls_key go together; TLS stays off");
  g_assert_cmpstr (warnings->pdata[1], ==, "test.yaml:3:14: server.timeout_s: 10 s is not longer "
                                           "than server.ping_interval_s (15 s); live peers may "
                                           "be dropped");
}

/* ---- resolution ---------------------------------------------------------- */

static void
test_resolution (void)
{
  static const struct
  {
    const char *text;
    int w, h;
  } good[] = {
    { "HD", 1280, 720 },       { "hd", 1280, 720 },       { "FullHD", 1920, 1080 },
    { "fullhd", 1920, 1080 },  { "640x360", 640, 360 },   { "1920X1080", 1920, 1080 },
    { "16x16", 16, 16 },       { "7680x4320", 7680, 4320 },
  };
  static const char *const bad[] = {
    "", "4K", "640", "x360", "640x", "640x360x2", "641x360", "640x361", "14x14",
    "7682x4320", "7680x4322", "-640x360", "640 x 360", "0x0", "99999999999x2",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *yaml = g_strdup_printf ("media: {video: {resolution: \"%s\"}}",
                                               good[i].text);
      g_autoptr(ZeroConfig) config = load_text (yaml, &error);
      int w = 0, h = 0;

      g_assert_no_error (error);
      zero_config_get_resolution (config, &w, &h);
      g_assert_cmpint (w, ==, good[i].w);
      g_assert_cmpint (h, ==, good[i].h);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *yaml = g_strdup_printf ("media: {video: {resolution: \"%s\"}}", bad[i]);
      g_autofree char *msg = load_error (yaml, ZERO_CONFIG_ERROR_RANGE);

      assert_prefix (msg, "test.yaml:1:29: media.video.resolution: ");
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (zero_config_parse_resolution ("641x360", NULL, NULL, &error));
    g_assert_cmpstr (error->message, ==, "resolution 641x360: width and height must be even");
  }
}

/* ---- ICE servers --------------------------------------------------------- */

static void
test_ice_servers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroConfig) config = load_text (
    "webrtc:\n"
    "  ice_servers:\n"
    "    - urls: stun:stun.l.google.com:19302\n"
    "    - urls: [\"turn:turn.example.org?transport=tcp\", \"turns:[2001:db8::1]:5349\"]\n"
    "      username: alice\n"
    "      credential: \"p@ss:word\"\n"
    "    - stuns:stun.example.org\n",
    &error);
  g_autoptr(GPtrArray) servers = NULL;
  ZeroIceServer *s;
  g_autofree char *uri0 = NULL, *uri1 = NULL, *uri2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (zero_config_get_warnings (config)->len, ==, 0);
  servers = zero_config_get_ice_servers (config);
  g_assert_cmpuint (servers->len, ==, 3);

  s = servers->pdata[0];
  g_assert_cmpuint (g_strv_length (s->urls), ==, 1);
  g_assert_cmpstr (s->urls[0], ==, "stun:stun.l.google.com:19302");
  g_assert_null (s->username);
  uri0 = zero_ice_server_dup_gst_uri (s, 0);
  g_assert_cmpstr (uri0, ==, "stun://stun.l.google.com:19302");

  s = servers->pdata[1];
  g_assert_cmpuint (g_strv_length (s->urls), ==, 2);
  g_assert_cmpstr (s->urls[1], ==, "turns:[2001:db8::1]:5349");
  g_assert_cmpstr (s->username, ==, "alice");
  g_assert_cmpstr (s->credential, ==, "p@ss:word");
  uri1 = zero_ice_server_dup_gst_uri (s, 0);
  g_assert_cmpstr (uri1, ==, "turn://alice:p%40ss%3Aword@turn.example.org:3478?transport=tcp");
  uri2 = zero_ice_server_dup_gst_uri (s, 1);
  g_assert_cmpstr (uri2, ==, "turns://alice:p%40ss%3Aword@[2001:db8::1]:5349");

  s = servers->pdata[2];
  g_assert_cmpstr (s->urls[0], ==, "stuns:stun.example.org");

  /* Refusals, each located. */
  {
    static const struct
    {
      const char *yaml;
      int code;
      const char *message;
    } cases[] = {
      { "webrtc:\n  ice_servers:\n    - urls: http://x.org\n", ZERO_CONFIG_ERROR_RANGE,
        "test.yaml:3:7: webrtc.ice_servers[0]: unsupported ICE server scheme \"http\" in "
        "\"http://x.org\" (expected stun:, stuns:, turn: or turns:)" },
      { "webrtc:\n  ice_servers:\n    - urls: [stun:ok.org, \"stun:\"]\n",
        ZERO_CONFIG_ERROR_RANGE,
        "test.yaml:3:7: webrtc.ice_servers[0]: \"stun:\": the address is empty" },
      { "webrtc:\n  ice_servers:\n    - urls: stun:a.org:70000\n", ZERO_CONFIG_ERROR_RANGE,
        "test.yaml:3:7: webrtc.ice_servers[0]: \"stun:a.org:70000\": invalid port \"70000\" "
        "(expected 1..65535)" },
      { "webrtc:\n  ice_servers:\n    - urls: stun:a.org?transport=tcp\n",
        ZERO_CONFIG_ERROR_RANGE,
        "test.yaml:3:7: webrtc.ice_servers[0]: \"stun:a.org?transport=tcp\": STUN URLs take no "
        "query" },
      { "webrtc:\n  ice_servers:\n    - urls: turn:bob:pw@a.org\n", ZERO_CONFIG_ERROR_RANGE,
        "test.yaml:3:7: webrtc.ice_servers[0]: \"turn:bob:pw@a.org\": put credentials in "
        "username and credential, not in the URL" },
      { "webrtc:\n  ice_servers:\n    - username: bob\n", ZERO_CONFIG_ERROR_TYPE,
        "test.yaml:3:7: webrtc.ice_servers[0]: missing urls" },
      { "webrtc:\n  ice_servers:\n    - urls: []\n", ZERO_CONFIG_ERROR_TYPE,
        "test.yaml:3:13: webrtc.ice_servers[0].urls: expected a URL or a non-empty list of URLs, "
        "got an empty list" },
      { "webrtc:\n  ice_servers:\n    - urls: [[stun:a.org]]\n", ZERO_CONFIG_ERROR_TYPE,
        "test.yaml:3:14: webrtc.ice_servers[0].urls[0]: expected a URL string, got a list" },
      { "webrtc:\n  ice_servers: stun:a.org\n", ZERO_CONFIG_ERROR_TYPE,
        "test.yaml:2:16: webrtc.ice_servers: expected a list of ICE servers, got \"stun:a.org\"" },
      { "webrtc:\n  ice_servers:\n    - [stun:a.org]\n", ZERO_CONFIG_ERROR_TYPE,
        "test.yaml:3:7: webrtc.ice_servers[0]: expected a mapping with urls, username and "
        "credential, got a list" },
      { "webrtc:\n  ice_servers:\n    - urls: stun:a.org\n      username: [x]\n",
        ZERO_CONFIG_ERROR_TYPE,
        "test.yaml:4:17: webrtc.ice_servers[0].username: expected a string, got a list" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *msg = load_error (cases[i].yaml, cases[i].code);

        g_assert_cmpstr (msg, ==, cases[i].message);
      }
  }

  /* A TURN server without credentials loads, with a warning. */
  g_clear_object (&config);
  config = load_text ("webrtc: {ice_servers: [{urls: \"turn:t.org\"}]}\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (zero_config_get_warnings (config)->len, ==, 1);
  g_assert_cmpstr (zero_config_get_warnings (config)->pdata[0], ==,
                   "test.yaml:1:24: webrtc.ice_servers[0]: TURN server turn:t.org has no "
                   "username or credential; it will not work");

  /* null and [] are both "no servers". */
  g_clear_object (&config);
  config = load_text ("webrtc:\n  ice_servers:\n", &error);
  g_assert_no_error (error);
  g_clear_pointer (&servers, g_ptr_array_unref);
  servers = zero_config_get_ice_servers (config);
  g_assert_cmpuint (servers->len, ==, 0);
}

/* ---- look-up order ------------------------------------------------------- */

static void
test_lookup_order (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xdg = zero_config_dup_default_path ();
  g_autofree char *xdg_dir = g_path_get_dirname (xdg);
  g_autofree char *explicit = write_scratch ("explicit.yaml", "media: {video: {fps: 20}}\n");
  g_autofree char *missing = scratch_path ("missing.yaml");
  g_autoptr(ZeroConfig) config = NULL;

  /* No file anywhere: defaults, and the XDG path is where saving goes. */
  config = zero_config_load (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (zero_config_get_path (config), ==, xdg);
  g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 30);
  g_clear_object (&config);

  g_assert_cmpint (g_mkdir_with_parents (xdg_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (xdg, "media: {video: {fps: 10}}\n", -1, NULL));

  /* The XDG file is read when there is no --config. */
  config = zero_config_load (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 10);
  g_assert_true (zero_config_is_set (config, "media.video.fps"));
  g_clear_object (&config);

  /* An explicit file wins over the XDG one. */
  config = zero_config_load (explicit, &error);
  g_assert_no_error (error);
  g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 20);
  g_assert_cmpstr (zero_config_get_path (config), ==, explicit);
  g_clear_object (&config);

  /* A missing explicit file is an error, not the XDG file or defaults. */
  config = zero_config_load (missing, &error);
  g_assert_null (config);
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* Errors in files name the path. */
  g_assert_true (g_file_set_contents (xdg, "media: {video: {fps: 0}}\n", -1, NULL));
  config = zero_config_load (NULL, &error);
  g_assert_null (config);
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  {
    g_autofree char *expected = g_strdup_printf ("%s:1:22: media.video.fps: 0 is out of range "
                                                 "(1..120)", xdg);
    g_assert_cmpstr (error->message, ==, expected);
  }
  g_clear_error (&error);

  /* A directory is not a config file. */
  config = zero_config_load (xdg_dir, &error);
  g_assert_null (config);
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO);
}

/* ---- setters ------------------------------------------------------------- */

typedef struct
{
  GPtrArray *keys;
} ChangedLog;

static void
on_changed (ZeroConfig *config,
            const char *key,
            ChangedLog *log)
{
  g_ptr_array_add (log->keys, g_strdup (key));
}

static void
test_setters (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroConfig) config = zero_config_new ();
  ChangedLog all = { g_ptr_array_new_with_free_func (g_free) };
  ChangedLog fps = { g_ptr_array_new_with_free_func (g_free) };

  g_signal_connect (config, "changed", G_CALLBACK (on_changed), &all);
  g_signal_connect (config, "changed::media.video.fps", G_CALLBACK (on_changed), &fps);

  g_assert_true (zero_config_set_int (config, "media.video.fps", 60, &error));
  g_assert_no_error (error);
  g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 60);
  g_assert_true (zero_config_is_set (config, "media.video.fps"));
  g_assert_true (zero_config_has_unsaved_changes (config));
  g_assert_cmpuint (fps.keys->len, ==, 1);

  /* Same value again: no signal. */
  g_assert_true (zero_config_set_int (config, "media.video.fps", 60, &error));
  g_assert_cmpuint (all.keys->len, ==, 1);

  g_assert_true (zero_config_set_string (config, "media.video.codec", "H264", &error));
  g_assert_cmpstr (zero_config_get_string (config, "media.video.codec"), ==, "h264");
  g_assert_true (zero_config_set_bool (config, "sfu.enabled", TRUE, &error));
  g_assert_true (zero_config_set_string (config, "media.video.resolution", "640x360", &error));
  /* Text for int and bool keys is read like the file would be. */
  g_assert_true (zero_config_set_string (config, "server.port", "0", &error));
  g_assert_true (zero_config_set_string (config, "media.audio.echo_cancel", "no", &error));
  g_assert_no_error (error);
  g_assert_cmpint (zero_config_get_int (config, "server.port"), ==, 0);
  g_assert_false (zero_config_get_bool (config, "media.audio.echo_cancel"));
  g_assert_cmpuint (all.keys->len, ==, 6);
  g_assert_cmpstr (all.keys->pdata[1], ==, "media.video.codec");
  g_assert_cmpuint (fps.keys->len, ==, 1);

  /* Refusals leave the value alone and name the key. */
  g_assert_false (zero_config_set_int (config, "media.video.fps", 121, &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (error->message, ==, "media.video.fps: 121 is out of range (1..120)");
  g_clear_error (&error);
  g_assert_false (zero_config_set_string (config, "media.video.codec", "vp9", &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_false (zero_config_set_string (config, "media.video.fps", "fast", &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_TYPE);
  g_clear_error (&error);
  g_assert_false (zero_config_set_bool (config, "media.video.fps", TRUE, &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_TYPE);
  g_clear_error (&error);
  g_assert_false (zero_config_set_int (config, "media.video.fsp", 1, &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_UNKNOWN_KEY);
  g_clear_error (&error);
  g_assert_false (zero_config_set_string (config, "user.name", "a\x01", &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_false (zero_config_set_string (config, "user.name", "\xff", &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_TYPE);
  g_clear_error (&error);
  g_assert_false (zero_config_set_string (config, "signaling.server_address", "a b", &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_false (zero_config_set_string (config, "media.video.resolution", "5x5", &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  g_clear_error (&error);

  /* The cross-field rule holds for setters too. */
  g_assert_false (zero_config_set_int (config, "media.video.max_bitrate_kbps", 100, &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (error->message, ==, "media.video.max_bitrate_kbps: 100 is below "
                                       "media.video.min_bitrate_kbps (150)");
  g_clear_error (&error);
  g_assert_true (zero_config_set_int (config, "media.video.min_bitrate_kbps", 50, &error));
  g_assert_true (zero_config_set_int (config, "media.video.max_bitrate_kbps", 100, &error));
  g_assert_no_error (error);

  /* ICE servers are validated and copied. */
  {
    const char *bad_urls[] = { "stun:ok.org", "ftp:x.org", NULL };
    const char *good_urls[] = { "turn:t.org:3478", NULL };
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                zero_ice_server_free);
    g_autoptr(GPtrArray) got = NULL;

    g_ptr_array_add (list, zero_ice_server_new (bad_urls, NULL, NULL));
    g_assert_false (zero_config_set_ice_servers (config, list, &error));
    g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
    g_assert_nonnull (strstr (error->message, "\"ftp\""));
    g_clear_error (&error);

    g_ptr_array_set_size (list, 0);
    g_ptr_array_add (list, zero_ice_server_new (good_urls, "u", "p"));
    g_assert_true (zero_config_set_ice_servers (config, list, &error));
    g_ptr_array_set_size (list, 0);
    got = zero_config_get_ice_servers (config);
    g_assert_cmpuint (got->len, ==, 1);
    g_assert_cmpstr (((ZeroIceServer *) got->pdata[0])->credential, ==, "p");
    g_assert_cmpstr (all.keys->pdata[all.keys->len - 1], ==, "webrtc.ice_servers");
  }

  /* A load under overrides: the overrides still win; file-only keys change. */
  g_ptr_array_set_size (all.keys, 0);
  g_assert_true (zero_config_load_data (config, "media: {video: {fps: 5, device: cam}}", -1,
                                        NULL, &error));
  g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 60);
  g_assert_cmpstr (zero_config_get_string (config, "media.video.device"), ==, "cam");
  g_assert_cmpuint (all.keys->len, ==, 1);
  g_assert_cmpstr (all.keys->pdata[0], ==, "media.video.device");

  g_ptr_array_unref (all.keys);
  g_ptr_array_unref (fps.keys);
}

/* Asking for a key with the wrong getter is a bug: a critical, and no crash. */
static void
test_getter_misuse (void)
{
  g_autoptr(ZeroConfig) config = zero_config_new ();

  g_test_expect_message ("zero-config", G_LOG_LEVEL_CRITICAL, "*media.video.fps*");
  g_assert_null (zero_config_get_string (config, "media.video.fps"));
  g_test_assert_expected_messages ();

  g_test_expect_message ("zero-config", G_LOG_LEVEL_CRITICAL, "*unknown config key*");
  g_assert_cmpint (zero_config_get_int (config, "media.video.fsp"), ==, 0);
  g_test_assert_expected_messages ();

  g_test_expect_message ("zero-config", G_LOG_LEVEL_CRITICAL, "*sfu.url*");
  g_assert_false (zero_config_get_bool (config, "sfu.url"));
  g_test_assert_expected_messages ();
}

static void
test_address_to_url (void)
{
  static const struct
  {
    const char *in, *out;
  } cases[] = {
    { "localhost:8080", "ws://localhost:8080/ws" },
    { "example.org", "ws://example.org:8080/ws" },
    { "[::1]:9000", "ws://[::1]:9000/ws" },
    { "wss://example.org", "wss://example.org/ws" },
    { "WS://example.org:81/", "ws://example.org:81/ws" },
    { "ws://example.org:81/custom/ws", "ws://example.org:81/custom/ws" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = zero_config_address_to_url (cases[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, cases[i].out);
    }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (zero_config_address_to_url ("::1:80", &error));
    g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE);
  }
}

/* ---- saving -------------------------------------------------------------- */

static const char preserved_input[] =
  "# My Zero settings -- hand written.\n"
  "\n"
  "media:   # devices\n"
  "  audio:\n"
  "    source: test      # for the demo\n"
  "  video:\n"
  "    fps: 25           # smooth enough\n"
  "    # codec: h264     (commented out on purpose)\n"
  "    device: '/dev/video2'\n"
  "\n"
  "my_plugin:            # unknown to Zero, must survive\n"
  "  colour: blue\n"
  "  list: [1, 2, 3]\n"
  "\n"
  "signaling:\n"
  "  server_address: \"localhost:8080\"\n"
  "# trailing comment\n";

static const char preserved_expected[] =
  "# My Zero settings -- hand written.\n"
  "\n"
  "media:   # devices\n"
  "  audio:\n"
  "    source: test      # for the demo\n"
  "    echo_cancel: false\n"
  "  video:\n"
  "    fps: 60           # smooth enough\n"
  "    # codec: h264     (commented out on purpose)\n"
  "    device: '/dev/video0'\n"
  "    resolution: FullHD\n"
  "    codec: h264\n"
  "\n"
  "my_plugin:            # unknown to Zero, must survive\n"
  "  colour: blue\n"
  "  list: [1, 2, 3]\n"
  "\n"
  "signaling:\n"
  "  server_address: \"wss://zero.example.org\"\n"
  "  token: \"a \\\"quoted\\\" token: #1\"\n"
  "# trailing comment\n"
  "user:\n"
  "  name: \"Zoë\"\n"
  "sfu:\n"
  "  enabled: true\n"
  "  url: \"ws://127.0.0.1:8188\"\n";

static void
test_save_preserves (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_scratch ("config.yaml", preserved_input);
  g_autoptr(ZeroConfig) config = zero_config_load (path, &error);
  g_autoptr(ZeroConfig) again = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (zero_config_get_warnings (config)->len, ==, 1);

  g_assert_true (zero_config_set_int (config, "media.video.fps", 60, &error));
  g_assert_true (zero_config_set_string (config, "media.video.device", "/dev/video0", &error));
  g_assert_true (zero_config_set_string (config, "media.video.resolution", "FullHD", &error));
  g_assert_true (zero_config_set_string (config, "media.video.codec", "h264", &error));
  g_assert_true (zero_config_set_bool (config, "media.audio.echo_cancel", FALSE, &error));
  g_assert_true (zero_config_set_string (config, "signaling.server_address",
                                         "wss://zero.example.org", &error));
  g_assert_true (zero_config_set_string (config, "signaling.token", "a \"quoted\" token: #1",
                                         &error));
  g_assert_true (zero_config_set_string (config, "user.name", "Zoë", &error));
  g_assert_true (zero_config_set_bool (config, "sfu.enabled", TRUE, &error));
  g_assert_true (zero_config_set_string (config, "sfu.url", "ws://127.0.0.1:8188", &error));
  /* Unchanged from the file: not rewritten. */
  g_assert_true (zero_config_set_string (config, "media.audio.source", "test", &error));
  g_assert_no_error (error);

  again = save_and_reload (config);
  text = read_file (path);
  g_assert_cmpstr (text, ==, preserved_expected);
  g_assert_cmpuint (zero_config_get_warnings (again)->len, ==, 1);

  /* Saving again with nothing new changes nothing. */
  g_assert_true (zero_config_save (config, &error));
  g_free (text);
  text = read_file (path);
  g_assert_cmpstr (text, ==, preserved_expected);
}

/* Values written in unusual places and styles are still edited in place. */
static void
test_save_styles (void)
{
  static const struct
  {
    const char *input;
    const char *key;
    const char *value;
    const char *expected;
  } cases[] = {
    /* flow mappings: replace inside, insert before '}' */
    { "media: {video: {fps: 30}}\n", "media.video.fps", "24", "media: {video: {fps: 24}}\n" },
    { "media: {video: {fps: 30}}\n", "media.video.codec", "h264",
      "media: {video: {fps: 30, codec: \"h264\"}}\n" },
    { "media: {video: {}}\n", "media.video.codec", "h264", "media: {video: {codec: \"h264\"}}\n" },
    { "media: {}\n", "media.audio.source", "none", "media: {audio: {source: \"none\"}}\n" },
    /* empty and null values */
    { "user:\n  name:\n", "user.name", "bob", "user:\n  name: bob\n" },
    { "user:\n  name: ~   # nobody\n", "user.name", "bob", "user:\n  name: bob   # nobody\n" },
    { "user:\n", "user.name", "bob", "user:\n  name: bob\n" },
    { "user: # me\nsfu: {}\n", "user.name", "bob", "user: # me\n  name: bob\nsfu: {}\n" },
    { "user: ~\n", "user.name", "bob", "user: \n  name: bob\n" },
    { "media:\n  video:\n", "media.video.fps", "24", "media:\n  video:\n    fps: 24\n" },
    { "user: {name: }\n", "user.name", "bob", "user: {name: bob}\n" },
    { "user: {name: ~}\n", "user.name", "bob", "user: {name: bob}\n" },
    { "user: {name:\n}\n", "user.name", "bob", "user: {name: bob\n}\n" },
    { "user: {x:\n}\n", "user.name", "bob", "user: {x: , name: \"bob\"\n}\n" },
    { "server: {tls: {a: 1}#c\n}\n", "server.max_peers", "4",
      "server: {tls: {a: 1}, max_peers: 4 #c\n}\n" },
    /* quoting styles are kept */
    { "user:\n  name: 'x'\n", "user.name", "it's", "user:\n  name: 'it''s'\n" },
    { "user:\n  name: \"x\"\n", "user.name", "bob", "user:\n  name: \"bob\"\n" },
    { "user:\n  name: x\n", "user.name", "yes", "user:\n  name: \"yes\"\n" },
    { "signaling:\n  token: |\n    multi\n    line\n\nsfu: {}\n", "signaling.token", "bob",
      "signaling:\n  token: \"bob\"\n\nsfu: {}\n" },
    /* indentation of the file is followed */
    { "media:\n    audio:\n        source: test\n", "media.video.fps", "24",
      "media:\n    audio:\n        source: test\n    video:\n        fps: 24\n" },
    { "  media:\n    video: {fps: 30}\n", "media.audio.source", "none",
      "  media:\n    video: {fps: 30}\n    audio:\n      source: none\n" },
    /* a tag and an anchor of the mapping itself, on its key's line */
    { "media: !!map &m\n  video:\n    fps: 30\n", "media.audio.source", "none",
      "media: !!map &m\n  video:\n    fps: 30\n  audio:\n    source: none\n" },
    { "media: &m !!map\n  video: {fps: 30}\n", "media.audio.source", "none",
      "media: &m !!map\n  video: {fps: 30}\n  audio:\n    source: none\n" },
    /* no trailing newline, CRLF line ends, documents markers */
    { "user:\n  name: a", "sfu.enabled", "true", "user:\n  name: a\nsfu:\n  enabled: true\n" },
    { "user:\r\n  name: a\r\n", "user.name", "b", "user:\r\n  name: b\r\n" },
    { "user:\r\n  name: a\r\n", "sfu.enabled", "true",
      "user:\r\n  name: a\r\nsfu:\r\n  enabled: true\r\n" },
    { "---\nuser: {name: a}\n...\n", "sfu.enabled", "true",
      "---\nuser: {name: a}\nsfu:\n  enabled: true\n...\n" },
    { "# only a comment\n", "media.video.fps", "24",
      "# only a comment\nmedia:\n  video:\n    fps: 24\n" },
    { "", "media.video.fps", "24", "media:\n  video:\n    fps: 24\n" },
    { "\xEF\xBB\xBFuser:\n  name: a\n", "user.name", "é", "\xEF\xBB\xBFuser:\n  name: \"é\"\n" },
    /* block scalars at the end of a file or keeping their blank lines */
    { "signaling:\n  token: |\n    text", "sfu.enabled", "true",
      "signaling:\n  token: |-\n    text\nsfu:\n  enabled: true\n" },
    { "signaling:\n  token: >2+\n    text", "sfu.enabled", "true",
      "signaling:\n  token: >2-\n    text\nsfu:\n  enabled: true\n" },
    { "signaling:\n  token: |+\n    text\n\n\nuser: {name: a}\n", "signaling.server_address",
      "x:1", "signaling:\n  token: |+\n    text\n\n\n  server_address: \"x:1\"\n"
      "user: {name: a}\n" },
    /* a value on the line after its key */
    { "media:\n  video:\n    fps:\n      30\n", "media.video.fps", "24",
      "media:\n  video:\n    fps:\n      24\n" },
    /* strings that need quotes */
    { "user: {name: a}\n", "user.name", "x, y", "user: {name: \"x, y\"}\n" },
    { "signaling:\n  token: a\n", "signaling.token", "line1\nline2\t\x01",
      "signaling:\n  token: \"line1\\nline2\\t\\x01\"\n" },
    { "signaling:\n  token: a\n", "signaling.token", "", "signaling:\n  token: \"\"\n" },
    { "signaling:\n  token: a\n", "signaling.token", "- dash", "signaling:\n  token: \"- dash\"\n" },
    { "signaling:\n  token: a\n", "signaling.token", "123", "signaling:\n  token: \"123\"\n" },
    { "signaling:\n  token: a\n", "signaling.token", "a: b #c", "signaling:\n  token: \"a: b #c\"\n" },
    { "signaling:\n  token: a\n", "signaling.token", "\xE2\x80\xA8", "signaling:\n  token: \"\\u2028\"\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_scratch ("styles.yaml", cases[i].input);
      g_autoptr(ZeroConfig) config = zero_config_load (path, &error);
      g_autoptr(ZeroConfig) again = NULL;
      g_autofree char *text = NULL;

      g_test_message ("case %u: %s", i, cases[i].input);
      g_assert_no_error (error);
      g_assert_true (zero_config_set_string (config, cases[i].key, cases[i].value, &error));
      g_assert_no_error (error);
      again = save_and_reload (config);
      text = read_file (path);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static GPtrArray *
make_servers (const char *url,
              ...)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) zero_ice_server_free);
  va_list args;

  va_start (args, url);
  for (; url; url = va_arg (args, const char *))
    {
      const char *urls[] = { url, NULL };
      const char *user = va_arg (args, const char *);
      const char *pass = va_arg (args, const char *);

      g_ptr_array_add (list, zero_ice_server_new (urls, user, pass));
    }
  va_end (args);
  return list;
}

static void
test_save_ice_servers (void)
{
  static const struct
  {
    const char *input;
    int n; /* 0: empty list, 1: one STUN, 2: STUN + TURN */
    const char *expected;
  } cases[] = {
    { "webrtc:\n  ice_servers:\n    - urls: stun:old.org   # old\n    # between\n"
      "    - urls: stun:older.org\n  jitter_buffer_ms: 40\n",
      2,
      "webrtc:\n  ice_servers:\n    - urls: [\"stun:a.org\"]\n"
      "    - urls: [\"turn:t.org\"]\n      username: \"u\"\n      credential: \"p w\"\n"
      "  jitter_buffer_ms: 40\n" },
    { "webrtc:\n  ice_servers:   # mine\n  - urls: stun:old.org\n  jitter_buffer_ms: 40\n", 0,
      "webrtc:\n  ice_servers: []   # mine\n  jitter_buffer_ms: 40\n" },
    { "webrtc:\n  ice_servers: []  # none yet\n", 1,
      "webrtc:\n  ice_servers: [{urls: [\"stun:a.org\"]}]  # none yet\n" },
    { "webrtc:\n  ice_servers:\n  jitter_buffer_ms: 40\n", 1,
      "webrtc:\n  ice_servers:\n    - urls: [\"stun:a.org\"]\n  jitter_buffer_ms: 40\n" },
    { "webrtc:\n  jitter_buffer_ms: 40\n", 2,
      "webrtc:\n  jitter_buffer_ms: 40\n  ice_servers:\n    - urls: [\"stun:a.org\"]\n"
      "    - urls: [\"turn:t.org\"]\n      username: \"u\"\n      credential: \"p w\"\n" },
    { "webrtc: {ice_servers: [stun:old.org]}\n", 1,
      "webrtc: {ice_servers: [{urls: [\"stun:a.org\"]}]}\n" },
    { "user: {name: a}\n", 0, "user: {name: a}\nwebrtc:\n  ice_servers: []\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_scratch ("ice.yaml", cases[i].input);
      g_autoptr(ZeroConfig) config = zero_config_load (path, &error);
      g_autoptr(ZeroConfig) again = NULL;
      g_autoptr(GPtrArray) list = NULL;
      g_autofree char *text = NULL;

      g_test_message ("case %u", i);
      g_assert_no_error (error);
      if (cases[i].n == 0)
        list = make_servers (NULL);
      else if (cases[i].n == 1)
        list = make_servers ("stun:a.org", NULL, NULL, NULL);
      else
        list = make_servers ("stun:a.org", NULL, NULL, "turn:t.org", "u", "p w", NULL);
      g_assert_true (zero_config_set_ice_servers (config, list, &error));
      g_assert_no_error (error);
      again = save_and_reload (config);
      text = read_file (path);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

/* Saving where nothing exists yet creates the directory and a 0600 file,
 * atomically: no temporary file is left behind. */
static void
test_save_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroConfig) config = zero_config_load (NULL, &error);
  g_autoptr(ZeroConfig) again = NULL;
  g_autofree char *path = zero_config_dup_default_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GDir) listing = NULL;
  g_autofree char *text = NULL;
  struct stat st;

  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (zero_config_set_string (config, "signaling.token", "s3cret", &error));
  g_assert_true (zero_config_set_int (config, "server.port", 9000, &error));
  again = save_and_reload (config);

  text = read_file (path);
  g_assert_cmpstr (text, ==, "signaling:\n  token: s3cret\nserver:\n  port: 9000\n");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "config.yaml");
  g_assert_null (g_dir_read_name (listing));

  /* An existing file with looser permissions is tightened (it may hold secrets). */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_true (zero_config_set_int (config, "server.port", 9001, &error));
  g_assert_true (zero_config_save (config, &error));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

/* A file deleted since it was loaded is written again with everything. */
static void
test_save_deleted (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_scratch ("gone.yaml", "# keep me\nmedia: {video: {fps: 12}}\n");
  g_autoptr(ZeroConfig) config = zero_config_load (path, &error);
  g_autoptr(ZeroConfig) again = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_true (zero_config_set_bool (config, "sfu.enabled", FALSE, &error));
  again = save_and_reload (config);
  text = read_file (path);
  g_assert_cmpstr (text, ==, "# keep me\nmedia: {video: {fps: 12}}\nsfu:\n  enabled: false\n");
}

/* The file changed on disk since it was loaded: edits go into the new text,
 * and a new text that no longer loads is never overwritten. */
static void
test_save_conflict (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_scratch ("conflict.yaml", "media:\n  video:\n    fps: 25\n");
  g_autoptr(ZeroConfig) config = zero_config_load (path, &error);
  g_autoptr(ZeroConfig) again = NULL;
  g_autofree char *text = NULL;
  const char *broken = "media:\n  video:\n    fps: 25\n   oops: [\n";
  const char *invalid = "media:\n  video:\n    fps: 9000\n";
  ChangedLog log = { g_ptr_array_new_with_free_func (g_free) };

  g_assert_no_error (error);
  g_signal_connect (config, "changed", G_CALLBACK (on_changed), &log);

  /* Someone adds a key by hand; our edit joins it. */
  g_assert_true (g_file_set_contents (path, "media:\n  video:\n    fps: 25\n    codec: h264\n",
                                      -1, NULL));
  g_assert_true (zero_config_set_string (config, "media.video.resolution", "FullHD", &error));
  again = save_and_reload (config);
  text = read_file (path);
  g_assert_cmpstr (text, ==, "media:\n  video:\n    fps: 25\n    codec: h264\n"
                             "    resolution: FullHD\n");
  g_assert_cmpstr (zero_config_get_string (config, "media.video.codec"), ==, "h264");
  g_assert_cmpuint (log.keys->len, ==, 2);
  g_assert_cmpstr (log.keys->pdata[1], ==, "media.video.codec");

  /* Now it is broken on disk: refuse, and leave it byte for byte. */
  for (guint i = 0; i < 2; i++)
    {
      const char *on_disk = i == 0 ? broken : invalid;

      g_assert_true (g_file_set_contents (path, on_disk, -1, NULL));
      g_assert_true (zero_config_set_int (config, "media.video.fps", 50 + i, &error));
      g_assert_false (zero_config_save (config, &error));
      g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_CONFLICT);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, i == 0 ? ":4:4: " : ":3:10: media.video.fps"));
      g_clear_error (&error);
      g_free (text);
      text = read_file (path);
      g_assert_cmpstr (text, ==, on_disk);
      /* Nothing is lost in memory either. */
      g_assert_cmpint (zero_config_get_int (config, "media.video.fps"), ==, 50 + i);
      g_assert_true (zero_config_has_unsaved_changes (config));
    }
  g_ptr_array_unref (log.keys);
}

/* Saving goes through a symlink to its target (dotfile managers). */
/* A tab indenting a line of a "{...}" that spans lines: libyaml takes it after a ','
 * but not after a plain value, which an edit may write there. Saving is refused, naming
 * the line; the file is left as it was; with spaces it saves. */
static void
test_save_flow_tabs (void)
{
  static const char *tabbed = "user: {name: a}\nserver: {max_peers: 4,\n\t}\n";
  static const char *spaced = "user: {name: a}\nserver: {max_peers: 4,\n  }\n";
  g_autofree char *path = write_scratch ("flow-tabs.yaml", tabbed);
  g_autofree char *spaced_path = write_scratch ("flow-spaces.yaml", spaced);
  g_autoptr(ZeroConfig) config = NULL;
  g_autoptr(ZeroConfig) fine = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  config = zero_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (zero_config_get_int (config, "server.max_peers"), ==, 4);

  /* An edit elsewhere is fine. */
  g_assert_true (zero_config_set_string (config, "user.name", "b", &error));
  g_assert_true (zero_config_save (config, &error));
  g_assert_no_error (error);

  g_assert_true (zero_config_set_int (config, "server.mesh_limit", 2, &error));
  g_assert_false (zero_config_save (config, &error));
  g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "starting on line 2"));
  g_assert_nonnull (strstr (error->message, "a tab indents its line 3"));
  after = read_file (path);
  g_assert_cmpstr (after, ==, "user: {name: b}\nserver: {max_peers: 4,\n\t}\n");
  g_clear_error (&error);

  /* A blank line indented with a tab, swallowed by the plain value before it. */
  {
    g_autofree char *blank_path = write_scratch ("tab-blank.yaml", "user:\n  name: a\n   \t\n");
    g_autoptr(ZeroConfig) blank = zero_config_load (blank_path, &error);

    g_assert_no_error (error);
    g_assert_true (zero_config_set_string (blank, "user.name", "yes", &error));
    g_assert_false (zero_config_save (blank, &error));
    g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "a tab indents its blank or comment line 3"));
    g_clear_error (&error);
    g_unlink (blank_path);
  }

  fine = zero_config_load (spaced_path, &error);
  g_assert_no_error (error);
  g_assert_true (zero_config_set_int (fine, "server.mesh_limit", 2, &error));
  g_assert_true (zero_config_save (fine, &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, g_free);
  after = read_file (spaced_path);
  g_assert_cmpstr (after, ==, "user: {name: a}\nserver: {max_peers: 4, mesh_limit: 2,\n  }\n");
  g_unlink (path);
  g_unlink (spaced_path);
}

static void
test_save_symlink (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = write_scratch ("real.yaml", "user: {name: a}\n");
  g_autofree char *link = scratch_path ("link.yaml");
  g_autoptr(ZeroConfig) config = NULL;
  g_autoptr(ZeroConfig) again = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpint (symlink (target, link), ==, 0);
  config = zero_config_load (link, &error);
  g_assert_no_error (error);
  g_assert_true (zero_config_set_string (config, "user.name", "b", &error));
  again = save_and_reload (config);
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  text = read_file (target);
  g_assert_cmpstr (text, ==, "user: {name: b}\n");
}

/* Every key set to a non-default value, saved into several starting files,
 * reads back the same. */
static void
test_save_round_trip_all (void)
{
  const char *starts[] = {
    "",
    "# comment only\n",
    "media: {video: {fps: 24}}\n",
    "signaling:\n  server_address: x:1\nwebrtc:\n  ice_servers: []\nmedia:\n  audio: {}\n",
  };
  g_autofree char *example_path = g_build_filename (ZERO_SOURCE_DIR, "data", "config.yaml",
                                                    NULL);
  g_autofree char *example = read_file (example_path);
  guint n_keys;
  const ZeroConfigKey *keys = zero_config_get_keys (&n_keys);

  for (guint s = 0; s <= G_N_ELEMENTS (starts); s++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_scratch ("all.yaml", s < G_N_ELEMENTS (starts) ? starts[s]
                                                                                   : example);
      g_autoptr(ZeroConfig) config = zero_config_load (path, &error);
      g_autoptr(ZeroConfig) again = NULL;
      g_autoptr(GPtrArray) servers = make_servers ("stun:s.org:1", NULL, NULL, "turns:t.org",
                                                   "user name", "päss\"word", NULL);

      g_assert_no_error (error);
      for (guint i = 0; i < n_keys; i++)
        {
          const ZeroConfigKey *k = &keys[i];
          g_autofree char *text = NULL;

          switch (k->type)
            {
            case ZERO_CONFIG_TYPE_STRING:
              if (k->check == NULL)
                text = g_strdup_printf ("value: %u # 'x' \"y\" ü", i);
              else if (strstr (k->key, "url") || strstr (k->key, "address"))
                text = g_strdup ("wss://h.example:4443/p");
              else if (strstr (k->key, "resolution"))
                text = g_strdup ("320x240");
              else if (strstr (k->key, "host"))
                text = g_strdup ("::");
              else
                text = g_strdup ("Ünïcode name");
              g_assert_true (zero_config_set_string (config, k->key, text, &error));
              break;
            case ZERO_CONFIG_TYPE_ENUM:
              g_assert_true (zero_config_set_string (config, k->key, k->choices[1], &error));
              break;
            case ZERO_CONFIG_TYPE_INT:
              g_assert_true (zero_config_set_int (config, k->key,
                                                  k->allowed ? k->allowed[0]
                                                  : k->min == 30 ? 31 : k->min,
                                                  &error));
              break;
            case ZERO_CONFIG_TYPE_BOOL:
              g_assert_true (zero_config_set_bool (config, k->key, !k->default_int, &error));
              break;
            case ZERO_CONFIG_TYPE_ICE_SERVERS:
              g_assert_true (zero_config_set_ice_servers (config, servers, &error));
              break;
            default:
              g_assert_not_reached ();
            }
          g_assert_no_error (error);
        }
      again = save_and_reload (config);
      for (guint i = 0; i < n_keys; i++)
        g_assert_true (zero_config_is_set (again, keys[i].key));
    }
}

/* ---- robustness ---------------------------------------------------------- */

/* Loads @data and, when it loads, exercises every getter and a save
 * rendering (which checks its own round trip). Must never crash. */
static gboolean
exercise (const char *data,
          gsize       len)
{
  g_autoptr(ZeroConfig) config = zero_config_new ();
  g_autoptr(GError) error = NULL;
  guint n_keys;
  const ZeroConfigKey *keys = zero_config_get_keys (&n_keys);

  if (!zero_config_load_data (config, data, len, "fuzz.yaml", &error))
    {
      g_assert_nonnull (error);
      assert_prefix (error->message, "fuzz.yaml:");
      return FALSE;
    }
  for (guint i = 0; i < n_keys; i++)
    {
      if (keys[i].type == ZERO_CONFIG_TYPE_INT)
        zero_config_get_int (config, keys[i].key);
      else if (keys[i].type == ZERO_CONFIG_TYPE_BOOL)
        zero_config_get_bool (config, keys[i].key);
      else if (keys[i].type != ZERO_CONFIG_TYPE_ICE_SERVERS)
        g_assert_nonnull (zero_config_get_string (config, keys[i].key));
    }
  g_ptr_array_unref (zero_config_get_ice_servers (config));
  zero_config_get_resolution (config, NULL, NULL);
  g_free (zero_config_dup_signaling_url (config));

  /* A subset of the keys, chosen by the input, gets new values: every kind
   * of edit (replace, insert, new sections, lists) is tried. */
  {
    g_autoptr(GPtrArray) servers = make_servers ("stun:a.org", NULL, NULL, "turn:b.org", "u",
                                                 "p'\"", NULL);
    gsize out_len = 0;
    g_autofree char *out = NULL;
    guint32 pick = 2166136261u;

    for (gsize i = 0; i < len; i++)
      pick = (pick ^ (guchar) data[i]) * 16777619u;
    for (guint i = 0; i < n_keys; i++)
      {
        const ZeroConfigKey *k = &keys[i];

        if (((pick >> (i % 32)) & 1) == 0)
          continue;
        switch (k->type)
          {
          case ZERO_CONFIG_TYPE_STRING:
            zero_config_set_string (config, k->key,
                                    k->check == NULL ? "v: 'x' #y\n\"z\""
                                    : strstr (k->key, "resolution") ? "320x240"
                                    : strstr (k->key, "host") ? "::"
                                    : strstr (k->key, "user") ? "Zo\xc3\xab"
                                                              : "wss://h.example:4443/p",
                                    NULL);
            break;
          case ZERO_CONFIG_TYPE_ENUM:
            zero_config_set_string (config, k->key, k->choices[1], NULL);
            break;
          case ZERO_CONFIG_TYPE_INT:
            zero_config_set_int (config, k->key,
                                 k->allowed ? k->allowed[0] : k->min == 30 ? 31 : k->min, NULL);
            break;
          case ZERO_CONFIG_TYPE_BOOL:
            zero_config_set_bool (config, k->key, !k->default_int, NULL);
            break;
          case ZERO_CONFIG_TYPE_ICE_SERVERS:
            zero_config_set_ice_servers (config, pick & (1u << 31) ? servers : NULL, NULL);
            break;
          default:
            g_assert_not_reached ();
          }
      }
    if (g_getenv ("ZERO_TEST_DUMP"))
      g_file_set_contents (g_getenv ("ZERO_TEST_DUMP"), data, len, NULL);
    out = _zero_config_render_save (config, data, len, &out_len, &error);
    /* It may refuse ("cannot update ... automatically"), but never breaks the file:
     * a broken result is a critical, fatal in tests. */
    if (out == NULL)
      g_assert_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO);
  }
  return TRUE;
}

static void
test_garbage (void)
{
  g_autofree char *example_path = g_build_filename (ZERO_SOURCE_DIR, "data", "config.yaml",
                                                    NULL);
  g_autofree char *example = read_file (example_path);
  gsize example_len = strlen (example);
  static const char alphabet[] = "abc: -[]{},#&*!|>'\"%@`?\n\n  \t\\0123456789.~é\xff";
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  guint loaded = 0;

  for (guint round = 0; round < 3000; round++)
    {
      gsize len = g_rand_int_range (rand, 0, 200);
      g_autofree char *data = g_malloc (MAX (len, example_len) + 1);
      guint mode = round % 3;

      if (mode == 0)
        {
          /* Bytes drawn from YAML's punctuation. */
          for (gsize i = 0; i < len; i++)
            data[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
        }
      else if (mode == 1)
        {
          /* Random bytes. */
          for (gsize i = 0; i < len; i++)
            data[i] = (char) g_rand_int_range (rand, 0, 256);
        }
      else
        {
          /* The example with a few bytes changed. */
          memcpy (data, example, example_len);
          len = example_len;
          for (guint k = 0; k < 4; k++)
            data[g_rand_int_range (rand, 0, (gint32) len)] =
              alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
        }
      data[len] = '\0';
      loaded += exercise (data, len);
    }
  g_rand_free (rand);
  /* Enough inputs load for the save path to be exercised too. */
  g_test_message ("%u of 3000 inputs loaded", loaded);
  g_assert_cmpuint (loaded, >=, 300);

  /* Deep nesting is refused, not recursed into. */
  {
    GString *deep = g_string_new (NULL);
    g_autofree char *msg = NULL;

    for (guint i = 0; i < 100000; i++)
      g_string_append_c (deep, '[');
    msg = load_error (deep->str, ZERO_CONFIG_ERROR_SYNTAX);
    g_assert_nonnull (strstr (msg, "nesting deeper than"));
    g_string_free (deep, TRUE);
  }
}

/* Every input in tests/config/corpus/ (fuzzer seeds and the crashes it
 * found) goes through the same path as the fuzz target. */
static void
test_corpus (void)
{
  g_autofree char *dir_path = g_build_filename (ZERO_SOURCE_DIR, "tests", "config", "corpus",
                                                NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
  const char *name;
  guint count = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_test_message ("corpus: %s", name);
      exercise (data, len);
      count++;
    }
  g_assert_cmpuint (count, >=, 5);
}

/* ---- the documented example ---------------------------------------------- */

/* data/config.yaml sets every key in the table to its default, with no
 * warnings: adding a key to the table without documenting it fails here. */
static void
test_example_complete (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (ZERO_SOURCE_DIR, "data", "config.yaml", NULL);
  g_autoptr(ZeroConfig) config = zero_config_load (path, &error);
  g_autoptr(ZeroConfig) defaults = zero_config_new ();
  guint n_keys;
  const ZeroConfigKey *keys = zero_config_get_keys (&n_keys);
  g_autofree char *text = read_file (path);

  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  ZeroConfigProblem *problem = NULL;
  g_autoptr(ZeroYamlDoc) doc = _zero_yaml_doc_parse (text, strlen (text), &problem);

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  g_assert_cmpuint (zero_config_get_warnings (config)->len, ==, 0);
  for (guint i = 0; i < n_keys; i++)
    {
      g_auto (GStrv) segments = g_strsplit (keys[i].key, ".", -1);
      ZeroYamlNode *node = doc->root, *key_node = NULL;
      guint line;

      if (!zero_config_is_set (config, keys[i].key))
        g_error ("data/config.yaml lacks %s", keys[i].key);
      for (guint d = 0; segments[d]; d++)
        node = _zero_yaml_mapping_lookup (node, segments[d], &key_node);
      g_assert_nonnull (node);

      /* Each key has its comment right above it. */
      line = key_node->line - 1;
      if (line == 0 || lines[line - 1][strspn (lines[line - 1], " ")] != '#')
        g_error ("data/config.yaml: %s (line %u) has no comment above it", keys[i].key,
                 key_node->line);
    }
  assert_same_values (config, defaults);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/table/defaults-valid", test_table_defaults_valid);
  g_test_add_func ("/config/errors/type", test_error_type);
  g_test_add_func ("/config/errors/range", test_error_range);
  g_test_add_func ("/config/errors/syntax", test_error_syntax);
  g_test_add_func ("/config/errors/several", test_error_several);
  g_test_add_func ("/config/errors/keeps-state", test_error_keeps_state);
  g_test_add_func ("/config/errors/unicode-position", test_error_unicode_position);
  g_test_add_func ("/config/warnings/unknown-key", test_unknown_key);
  g_test_add_func ("/config/resolution", test_resolution);
  g_test_add_func ("/config/ice-servers", test_ice_servers);
  g_test_add_func ("/config/lookup-order", test_lookup_order);
  g_test_add_func ("/config/setters", test_setters);
  g_test_add_func ("/config/getters/misuse", test_getter_misuse);
  g_test_add_func ("/config/address-to-url", test_address_to_url);
  g_test_add_func ("/config/save/preserves-text", test_save_preserves);
  g_test_add_func ("/config/save/styles", test_save_styles);
  g_test_add_func ("/config/save/ice-servers", test_save_ice_servers);
  g_test_add_func ("/config/save/missing-file-and-dir", test_save_missing);
  g_test_add_func ("/config/save/deleted-file", test_save_deleted);
  g_test_add_func ("/config/save/conflict", test_save_conflict);
  g_test_add_func ("/config/save/symlink", test_save_symlink);
  g_test_add_func ("/config/save/flow-tabs", test_save_flow_tabs);
  g_test_add_func ("/config/save/round-trip-all-keys", test_save_round_trip_all);
  g_test_add_func ("/config/robustness/garbage", test_garbage);
  g_test_add_func ("/config/robustness/corpus", test_corpus);
  g_test_add_func ("/config/example/complete", test_example_complete);

  return g_test_run ();
}

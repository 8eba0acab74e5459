/* test-sfu-server.c: the signaling server's SFU mode (PROTOCOL.md section 9) against a real
 * Janus in the test's network namespace: the mesh limit moves a session, the room is made
 * with a secret and a pin that outsiders lack, later joiners find `welcome.sfu`, rooms go
 * when sessions end and come back after Janus restarts; `data` relay; the messages' field
 * tables and the room derivation.
 *
 * Members are raw WebSocket clients (tests/signaling's RawWs), so the test sees the exact
 * messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "sfu-test-util.h"
#include "signaling-test-util.h"
#include "signaling/zero-message.h"
#include "signaling/zero-sfu-policy.h"
#include "signaling/zero-signaling-server.h"
#include "signaling/zero-uuid.h"

#define ADMIN_KEY "server-admin-key"
#define SFU_SECRET "sfu-secret-for-tests"
#define WS_PORT 8288

static ZeroTestNetns netns;
static TestJanus *janus;

static ZeroSignalingServer *
server_new (const char *sfu_url, guint mesh_limit)
{
  ZeroSignalingServer *server = zero_signaling_server_new ();
  g_autoptr (GError) error = NULL;

  g_object_set (server, "sfu-url", sfu_url, "sfu-secret", SFU_SECRET, "sfu-admin-key",
                ADMIN_KEY, "mesh-limit", mesh_limit, "sfu-timeout", 3000, "rate-limit", 0,
                NULL);
  zero_signaling_server_listen (server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  return server;
}

static RawWs *
member_join (guint port, const char *session, gboolean create, JsonObject **out_welcome)
{
  RawWs *ws = raw_ws_connect (port);
  g_autoptr (JsonObject) welcome = NULL;

  raw_ws_send_printf (ws, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"m\",\"create\":%s}",
                      session, create ? "true" : "false");
  welcome = raw_ws_expect (ws, "welcome");
  if (out_welcome)
    *out_welcome = g_steal_pointer (&welcome);
  return ws;
}

/* Skips peer-joined/peer-left until a message of @type comes (or fails after @ms). */
static JsonObject *
expect_skipping (RawWs *ws, const char *type, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (JsonObject) m = raw_ws_recv_json (ws, 200);
      const char *t;

      if (m == NULL)
        continue;
      t = json_object_get_string_member (m, "type");
      if (g_str_equal (t, type))
        return g_steal_pointer (&m);
      if (!g_str_equal (t, "peer-joined") && !g_str_equal (t, "peer-left"))
        g_error ("expected %s, got %s", type, t);
    }
  g_error ("no %s within %u ms", type, ms);
  return NULL;
}

/* Asserts no message of @type arrives for @ms (others are skipped). */
static void
expect_no (RawWs *ws, const char *type, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (JsonObject) m = raw_ws_recv_json (ws, 100);

      if (m)
        g_assert_cmpstr (json_object_get_string_member (m, "type"), !=, type);
    }
}

static void
check_sfu_object (JsonObject *sfu, const char *session, const char *url)
{
  g_autofree char *pin = zero_sfu_room_pin (SFU_SECRET, session);

  g_assert_cmpstr (json_object_get_string_member (sfu, "kind"), ==, "janus");
  g_assert_cmpstr (json_object_get_string_member (sfu, "url"), ==, url);
  g_assert_cmpint (json_object_get_int_member (sfu, "room"), ==,
                   (gint64) zero_sfu_room_id (SFU_SECRET, session));
  g_assert_cmpstr (json_object_get_string_member (sfu, "pin"), ==, pin);
}

static JsonObject *
janus_request (const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return test_janus_request (janus->url,
                             json_node_get_object (json_parser_get_root (parser)), error);
}

static gboolean
room_exists (guint64 room)
{
  g_autofree char *json = g_strdup_printf ("{\"request\":\"exists\",\"room\":%" G_GUINT64_FORMAT
                                           "}", room);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = janus_request (json, &error);

  g_assert_no_error (error);
  return json_object_get_boolean_member (reply, "exists");
}

static gint64
metric_value (ZeroSignalingServer *server, const char *name)
{
  g_autofree char *metrics = zero_signaling_server_dup_metrics (server);
  g_autofree char *needle = g_strdup_printf ("\n%s ", name);
  const char *at = strstr (metrics, needle);

  g_assert_nonnull (at);
  return g_ascii_strtoll (at + strlen (needle), NULL, 10);
}

/* Past the mesh limit every member is told to move; the room exists, protected. */
static void
test_move (void)
{
  g_autoptr (ZeroSignalingServer) server = server_new (janus->url, 2);
  guint port = zero_signaling_server_get_port (server);
  g_autofree char *session = zero_uuid_generate ();
  guint64 room = zero_sfu_room_id (SFU_SECRET, session);
  g_autofree char *pin = zero_sfu_room_pin (SFU_SECRET, session);
  g_autoptr (JsonObject) welcome = NULL;
  g_autoptr (JsonObject) s1 = NULL;
  g_autoptr (JsonObject) s2 = NULL;
  g_autoptr (JsonObject) s3 = NULL;
  RawWs *m1, *m2, *m3, *m4, *m5;

  m1 = member_join (port, session, TRUE, &welcome);
  g_assert_false (json_object_has_member (welcome, "sfu"));
  g_clear_pointer (&welcome, json_object_unref);
  m2 = member_join (port, session, FALSE, &welcome);
  g_assert_false (json_object_has_member (welcome, "sfu"));
  g_clear_pointer (&welcome, json_object_unref);
  /* Two members: within the limit, nobody moves. */
  expect_no (m1, "sfu", 700);
  g_assert_false (room_exists (room));

  /* The third is past it: everyone gets `sfu`, the newcomer too (after its welcome). */
  m3 = member_join (port, session, FALSE, &welcome);
  g_assert_false (json_object_has_member (welcome, "sfu"));
  g_clear_pointer (&welcome, json_object_unref);
  s1 = expect_skipping (m1, "sfu", 10000);
  s2 = expect_skipping (m2, "sfu", 10000);
  s3 = expect_skipping (m3, "sfu", 10000);
  check_sfu_object (s1, session, janus->url);
  check_sfu_object (s2, session, janus->url);
  check_sfu_object (s3, session, janus->url);
  g_assert_true (room_exists (room));
  g_assert_cmpint (metric_value (server, "zero_signaling_sfu_moves_total"), ==, 1);

  /* A later joiner finds it in its welcome. */
  m4 = member_join (port, session, FALSE, &welcome);
  g_assert_true (json_object_has_member (welcome, "sfu"));
  check_sfu_object (json_object_get_object_member (welcome, "sfu"), session, janus->url);
  g_clear_pointer (&welcome, json_object_unref);
  expect_no (m4, "sfu", 300);

  /* Back below the limit, the session stays on the SFU. */
  raw_ws_free (m3);
  raw_ws_free (m4);
  test_run_for (300);
  m5 = member_join (port, session, FALSE, &welcome);
  g_assert_true (json_object_has_member (welcome, "sfu"));
  g_clear_pointer (&welcome, json_object_unref);
  g_assert_cmpint (metric_value (server, "zero_signaling_sfu_moves_total"), ==, 1);

  /* The room is private: not listed for someone without the admin key. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) list = janus_request ("{\"request\":\"list\"}", &error);
    JsonArray *rooms;

    g_assert_no_error (error);
    rooms = json_object_get_array_member (list, "list");
    for (guint i = 0; i < json_array_get_length (rooms); i++)
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (rooms, i),
                                                   "room"), !=, (gint64) room);
  }

  /* Everyone leaves: the room goes. */
  raw_ws_free (m1);
  raw_ws_free (m2);
  raw_ws_free (m5);
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_sessions (server) == 0, 5000);
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    gboolean exists = TRUE;

    while (exists && g_get_monotonic_time () < deadline)
      {
        test_run_for (200);
        exists = room_exists (room);
      }
    g_assert_false (exists);
  }
}

/* Outsiders: without the pin nobody joins the room; without the admin key nobody makes
 * rooms; without the secret nobody destroys or edits them. */
static void
test_room_protected (void)
{
  g_autoptr (ZeroSignalingServer) server = server_new (janus->url, 1);
  guint port = zero_signaling_server_get_port (server);
  g_autofree char *session = zero_uuid_generate ();
  guint64 room = zero_sfu_room_id (SFU_SECRET, session);
  g_autofree char *pin = zero_sfu_room_pin (SFU_SECRET, session);
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = NULL;
  g_autoptr (JsonObject) sfu = NULL;
  RawWs *m1, *m2;

  m1 = member_join (port, session, TRUE, NULL);
  m2 = member_join (port, session, FALSE, NULL);
  sfu = expect_skipping (m1, "sfu", 10000);
  check_sfu_object (sfu, session, janus->url);

  /* Join without a pin, with a wrong one, then with the members' one. */
  json = g_strdup_printf ("{\"request\":\"join\",\"ptype\":\"publisher\",\"room\":%"
                          G_GUINT64_FORMAT ",\"display\":\"outsider\"}", room);
  reply = janus_request (json, &error);
  g_assert_null (reply);
  g_assert_true (error->domain == ZERO_JANUS_ERROR && (error->code == 429 || error->code == 433));
  g_clear_error (&error);
  g_free (json);
  json = g_strdup_printf ("{\"request\":\"join\",\"ptype\":\"publisher\",\"room\":%"
                          G_GUINT64_FORMAT ",\"pin\":\"guess\",\"display\":\"outsider\"}", room);
  reply = janus_request (json, &error);
  g_assert_null (reply);
  g_assert_error (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_UNAUTHORIZED);
  g_clear_error (&error);
  g_free (json);
  json = g_strdup_printf ("{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":%"
                          G_GUINT64_FORMAT ",\"pin\":\"guess\",\"streams\":[{\"feed\":1}]}",
                          room);
  reply = janus_request (json, &error);
  g_assert_null (reply);
  g_assert_error (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_UNAUTHORIZED);
  g_clear_error (&error);
  g_free (json);
  json = g_strdup_printf ("{\"request\":\"join\",\"ptype\":\"publisher\",\"room\":%"
                          G_GUINT64_FORMAT ",\"pin\":\"%s\",\"display\":\"member\"}", room, pin);
  reply = janus_request (json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (reply, "videoroom"), ==, "joined");
  g_clear_pointer (&reply, json_object_unref);

  /* Creating rooms needs the admin key. */
  g_free (json);
  json = g_strdup ("{\"request\":\"create\",\"room\":4242}");
  reply = janus_request (json, &error);
  g_assert_null (reply);
  g_assert_true (error->domain == ZERO_JANUS_ERROR && (error->code == 429 || error->code == 433));
  g_clear_error (&error);
  g_free (json);
  json = g_strdup ("{\"request\":\"create\",\"room\":4242,\"admin_key\":\"guess\"}");
  reply = janus_request (json, &error);
  g_assert_null (reply);
  g_assert_error (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_UNAUTHORIZED);
  g_clear_error (&error);

  /* Destroying or editing it needs the room secret (which never leaves the server). */
  g_free (json);
  json = g_strdup_printf ("{\"request\":\"destroy\",\"room\":%" G_GUINT64_FORMAT
                          ",\"secret\":\"%s\"}", room, pin);
  reply = janus_request (json, &error);
  g_assert_null (reply);
  g_assert_error (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_UNAUTHORIZED);
  g_clear_error (&error);
  g_free (json);
  json = g_strdup_printf ("{\"request\":\"edit\",\"room\":%" G_GUINT64_FORMAT
                          ",\"new_pin\":\"mine\"}", room);
  reply = janus_request (json, &error);
  g_assert_null (reply);
  g_assert_true (error->domain == ZERO_JANUS_ERROR && (error->code == 429 || error->code == 433));
  g_clear_error (&error);
  g_assert_true (room_exists (room));

  raw_ws_free (m1);
  raw_ws_free (m2);
}

/* Janus unreachable: the session stays peer-to-peer (and works), the failure is counted. */
static void
test_janus_down (void)
{
  g_autofree char *url = g_strdup_printf ("ws://%s:9", netns.addr_a);
  g_autoptr (ZeroSignalingServer) server = server_new (url, 1);
  guint port = zero_signaling_server_get_port (server);
  g_autofree char *session = zero_uuid_generate ();
  g_autofree char *p2 = NULL;
  g_autoptr (JsonObject) welcome = NULL;
  g_autoptr (JsonObject) offer = NULL;
  RawWs *m1, *m2;

  /* An operator's problem: the server says so once per attempt. */
  g_test_expect_message ("zero-signaling", G_LOG_LEVEL_WARNING, "*stays peer-to-peer*");
  m1 = member_join (port, session, TRUE, NULL);
  m2 = member_join (port, session, FALSE, &welcome);
  p2 = g_strdup (json_object_get_string_member (welcome, "peer_id"));
  ZERO_ASSERT_WAIT (metric_value (server, "zero_signaling_sfu_failures_total") == 1, 10000);
  g_test_assert_expected_messages ();
  expect_no (m1, "sfu", 300);
  expect_no (m2, "sfu", 100);
  raw_ws_send_printf (m1, "{\"type\":\"offer\",\"to\":\"%s\",\"sdp\":\"v=0\"}", p2);
  offer = expect_skipping (m2, "offer", 5000);
  g_assert_cmpstr (json_object_get_string_member (offer, "sdp"), ==, "v=0");
  raw_ws_free (m1);
  raw_ws_free (m2);
}

/* Janus restarts: the rooms of sessions on the SFU are made again. */
static void
test_janus_restart (void)
{
  g_autoptr (ZeroSignalingServer) server = server_new (janus->url, 1);
  guint port = zero_signaling_server_get_port (server);
  g_autofree char *session = zero_uuid_generate ();
  guint64 room = zero_sfu_room_id (SFU_SECRET, session);
  g_autoptr (JsonObject) sfu = NULL;
  RawWs *m1, *m2;
  gint64 deadline;
  gboolean exists = FALSE;

  m1 = member_join (port, session, TRUE, NULL);
  m2 = member_join (port, session, FALSE, NULL);
  sfu = expect_skipping (m1, "sfu", 10000);
  g_assert_true (room_exists (room));

  test_janus_stop (janus, TRUE);
  test_janus_free (janus);
  test_run_for (500);
  janus = test_janus_start (netns.addr_a, WS_PORT, ADMIN_KEY, 60);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!exists && g_get_monotonic_time () < deadline)
    {
      test_run_for (300);
      exists = room_exists (room);
    }
  g_assert_true (exists);
  /* With the same pin: a member can join it. */
  {
    g_autofree char *pin = zero_sfu_room_pin (SFU_SECRET, session);
    g_autofree char *json = g_strdup_printf ("{\"request\":\"join\",\"ptype\":\"publisher\","
                                             "\"room\":%" G_GUINT64_FORMAT ",\"pin\":\"%s\"}",
                                             room, pin);
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) reply = janus_request (json, &error);

    g_assert_no_error (error);
  }
  raw_ws_free (m1);
  raw_ws_free (m2);
}

/* `data` goes to `to` only, or to every other member without it; from is the server's. */
static void
test_data_relay (void)
{
  g_autoptr (ZeroSignalingServer) server = server_new (NULL, 4);
  guint port = zero_signaling_server_get_port (server);
  g_autofree char *session = zero_uuid_generate ();
  g_autoptr (JsonObject) w1 = NULL;
  g_autoptr (JsonObject) w2 = NULL;
  g_autoptr (JsonObject) w3 = NULL;
  g_autoptr (JsonObject) d = NULL;
  const char *p1, *p2;
  RawWs *m1, *m2, *m3;

  m1 = member_join (port, session, TRUE, &w1);
  m2 = member_join (port, session, FALSE, &w2);
  m3 = member_join (port, session, FALSE, &w3);
  p1 = json_object_get_string_member (w1, "peer_id");
  p2 = json_object_get_string_member (w2, "peer_id");

  raw_ws_send_printf (m1, "{\"type\":\"data\",\"to\":\"%s\",\"from\":\"spoofed\","
                      "\"data\":{\"type\":\"chat\",\"text\":\"hi\"}}", p2);
  d = expect_skipping (m2, "data", 5000);
  g_assert_cmpstr (json_object_get_string_member (d, "from"), ==, p1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (d, "data"),
                                                  "text"), ==, "hi");
  g_clear_pointer (&d, json_object_unref);
  expect_no (m3, "data", 300);

  raw_ws_send_text (m1, "{\"type\":\"data\",\"data\":{\"type\":\"state\",\"audio\":true}}");
  d = expect_skipping (m2, "data", 5000);
  g_assert_cmpstr (json_object_get_string_member (d, "from"), ==, p1);
  g_clear_pointer (&d, json_object_unref);
  d = expect_skipping (m3, "data", 5000);
  g_assert_cmpstr (json_object_get_string_member (d, "from"), ==, p1);
  g_clear_pointer (&d, json_object_unref);
  expect_no (m1, "data", 200);

  raw_ws_send_text (m1, "{\"type\":\"data\",\"to\":\"nobody\",\"data\":{}}");
  raw_ws_expect_error (m1, "no-such-peer", "data");
  raw_ws_send_text (m1, "{\"type\":\"data\",\"data\":\"text\"}");
  raw_ws_expect_error (m1, "bad-message", "data");
  raw_ws_send_text (m1, "{\"type\":\"data\"}");
  raw_ws_expect_error (m1, "bad-message", "data");
  /* Clients may not announce an SFU. */
  raw_ws_send_text (m1, "{\"type\":\"sfu\",\"url\":\"ws://x\",\"room\":1,\"pin\":\"p\"}");
  raw_ws_expect_error (m1, "unknown-type", "sfu");
  raw_ws_free (m1);
  raw_ws_free (m2);
  raw_ws_free (m3);
}

/* The field tables of section 9's messages. */
static void
test_protocol_tables (void)
{
  static const struct { const char *json; ZeroMessageDirection dir; gboolean ok; } cases[] = {
    { "{\"type\":\"sfu\",\"kind\":\"janus\",\"url\":\"ws://a:1\",\"room\":1,\"pin\":\"p\"}",
      ZERO_MESSAGE_TO_CLIENT, TRUE },
    { "{\"type\":\"sfu\",\"url\":\"ws://a:1\",\"room\":9007199254740991,\"pin\":\"\"}",
      ZERO_MESSAGE_TO_CLIENT, TRUE },
    { "{\"type\":\"sfu\",\"url\":\"ws://a:1\",\"room\":0,\"pin\":\"p\"}", ZERO_MESSAGE_TO_CLIENT,
      FALSE },
    { "{\"type\":\"sfu\",\"url\":\"ws://a:1\",\"room\":9007199254740992,\"pin\":\"p\"}",
      ZERO_MESSAGE_TO_CLIENT, FALSE },
    { "{\"type\":\"sfu\",\"url\":\"ws://a:1\",\"room\":1.5,\"pin\":\"p\"}", ZERO_MESSAGE_TO_CLIENT,
      FALSE },
    { "{\"type\":\"sfu\",\"url\":\"\",\"room\":1,\"pin\":\"p\"}", ZERO_MESSAGE_TO_CLIENT, FALSE },
    { "{\"type\":\"sfu\",\"url\":\"ws://a:1\",\"room\":1}", ZERO_MESSAGE_TO_CLIENT, FALSE },
    { "{\"type\":\"sfu\",\"url\":\"ws://a:1\",\"room\":1,\"pin\":\"p\"}", ZERO_MESSAGE_TO_SERVER,
      FALSE },
    { "{\"type\":\"welcome\",\"session\":\"00000000-0000-4000-8000-000000000000\","
      "\"peer_id\":\"p\",\"peers\":[],\"ice_servers\":[],"
      "\"sfu\":{\"kind\":\"janus\",\"url\":\"ws://a:1\",\"room\":7,\"pin\":\"x\"}}",
      ZERO_MESSAGE_TO_CLIENT, TRUE },
    { "{\"type\":\"welcome\",\"session\":\"00000000-0000-4000-8000-000000000000\","
      "\"peer_id\":\"p\",\"peers\":[],\"ice_servers\":[],\"sfu\":{\"url\":\"ws://a:1\"}}",
      ZERO_MESSAGE_TO_CLIENT, FALSE },
    { "{\"type\":\"data\",\"data\":{}}", ZERO_MESSAGE_TO_SERVER, TRUE },
    { "{\"type\":\"data\",\"to\":\"p\",\"data\":{\"type\":\"chat\"}}", ZERO_MESSAGE_TO_SERVER,
      TRUE },
    { "{\"type\":\"data\",\"to\":\"\",\"data\":{}}", ZERO_MESSAGE_TO_SERVER, FALSE },
    { "{\"type\":\"data\",\"data\":[1]}", ZERO_MESSAGE_TO_SERVER, FALSE },
    { "{\"type\":\"data\",\"from\":\"p\",\"data\":{}}", ZERO_MESSAGE_TO_CLIENT, TRUE },
    { "{\"type\":\"data\",\"data\":{}}", ZERO_MESSAGE_TO_CLIENT, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) msg = zero_message_parse (cases[i].json, -1, cases[i].dir, NULL,
                                                       NULL, &error);

      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_nonnull (msg);
        }
      else
        {
          g_assert_null (msg);
          g_assert_nonnull (error);
        }
    }

  /* What the builders make reads back. */
  {
    ZeroMessageSfu sfu = { "ws://10.0.0.1:8188", 12345, "pin+/=" };
    g_autofree char *text = zero_message_build_sfu (&sfu);
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) msg = zero_message_parse (text, -1, ZERO_MESSAGE_TO_CLIENT, NULL, NULL,
                                                     &error);
    g_autoptr (JsonObject) data = json_object_new ();
    g_autofree char *dtext = NULL;
    g_autoptr (JsonObject) dmsg = NULL;
    g_autoptr (GString) welcome = g_string_new (NULL);
    g_autoptr (JsonObject) wmsg = NULL;
    ZeroMessagePeer peer = { "p1", "Ann", ZERO_ROLE_PARTICIPANT };

    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (msg, "pin"), ==, "pin+/=");
    g_assert_cmpint (json_object_get_int_member (msg, "room"), ==, 12345);
    json_object_set_string_member (data, "type", "chat");
    dtext = zero_message_build_data ("p2", data);
    dmsg = zero_message_parse (dtext, -1, ZERO_MESSAGE_TO_SERVER, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (dmsg, "to"), ==, "p2");
    zero_message_append_welcome_sfu (welcome, "00000000-0000-4000-8000-000000000000", "p0",
                                     &peer, 1, "[]", &sfu);
    wmsg = zero_message_parse (welcome->str, -1, ZERO_MESSAGE_TO_CLIENT, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (wmsg, "sfu"),
                                                 "room"), ==, 12345);
  }
}

/* Room id, pin and secret: stable for a secret and session, different otherwise. */
static void
test_derivation (void)
{
  const char *s1 = "3f1e0c1a-5b7e-4c5e-9d0a-1b2c3d4e5f60";
  const char *s2 = "3f1e0c1a-5b7e-4c5e-9d0a-1b2c3d4e5f61";
  g_autofree char *pin1 = zero_sfu_room_pin ("k", s1);
  g_autofree char *pin1b = zero_sfu_room_pin ("k", s1);
  g_autofree char *pin2 = zero_sfu_room_pin ("k", s2);
  g_autofree char *pin3 = zero_sfu_room_pin ("other", s1);
  g_autofree char *secret1 = zero_sfu_room_secret ("k", s1);

  g_assert_cmpuint (zero_sfu_room_id ("k", s1), ==, zero_sfu_room_id ("k", s1));
  g_assert_cmpuint (zero_sfu_room_id ("k", s1), !=, zero_sfu_room_id ("k", s2));
  g_assert_cmpuint (zero_sfu_room_id ("k", s1), !=, zero_sfu_room_id ("other", s1));
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *s = zero_uuid_generate ();
      guint64 id = zero_sfu_room_id ("k", s);

      g_assert_cmpuint (id, >=, 1);
      g_assert_cmpuint (id, <=, (guint64) ZERO_MESSAGE_MAX_ROOM);
    }
  g_assert_cmpstr (pin1, ==, pin1b);
  g_assert_cmpstr (pin1, !=, pin2);
  g_assert_cmpstr (pin1, !=, pin3);
  g_assert_cmpstr (pin1, !=, secret1);
  g_assert_cmpuint (strlen (pin1), ==, 24);
  g_assert_cmpuint (strspn (pin1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                    ==, 24);
}

int
main (int argc, char **argv)
{
  int status;

  sfu_test_enter_netns (&netns);
  g_test_init (&argc, &argv, NULL);

  janus = test_janus_start (netns.addr_a, WS_PORT, ADMIN_KEY, 60);

  g_test_add_func ("/sfu/protocol/tables", test_protocol_tables);
  g_test_add_func ("/sfu/protocol/derivation", test_derivation);
  g_test_add_func ("/sfu/server/data-relay", test_data_relay);
  g_test_add_func ("/sfu/server/move", test_move);
  g_test_add_func ("/sfu/server/room-protected", test_room_protected);
  g_test_add_func ("/sfu/server/janus-down", test_janus_down);
  g_test_add_func ("/sfu/server/janus-restart", test_janus_restart);
  status = g_test_run ();
  test_janus_free (janus);
  return status;
}

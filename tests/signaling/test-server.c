/* test-server.c: ZeroSignalingServer against real sockets on 127.0.0.1:0.
 *
 * Clients are raw WebSocket clients (signaling-test-util.c) so every byte is
 * chosen by the test; a libsoup client checks interoperability, idle
 * keep-alive and TLS. Every test ends by checking that no connection,
 * session or peer is left and that the server is finalized. */
#include <libsoup/soup.h>
#include <string.h>

#include "signaling-test-util.h"
#include "signaling/zero-auth.h"
#include "signaling/zero-json.h"
#include "signaling/zero-message.h"
#include "signaling/zero-signaling-server.h"
#include "signaling/zero-uuid.h"
#include "zero-test-util.h"

static ZeroSignalingServer *
start_server (const char *first_property, ...)
{
  ZeroSignalingServer *server = zero_signaling_server_new ();
  g_autoptr (GError) error = NULL;
  va_list args;

  /* Most tests send bursts; the rate-limit tests turn the limit back on. */
  g_object_set (server, "rate-limit", 0, "password-iterations", 1000, NULL);
  va_start (args, first_property);
  if (first_property)
    g_object_set_valist (G_OBJECT (server), first_property, args);
  va_end (args);
  g_assert_true (zero_signaling_server_listen (server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (zero_signaling_server_get_port (server), >, 0);
  return server;
}

static void
stop_server (ZeroSignalingServer *server)
{
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_connections (server) == 0, TEST_WAIT_MS);
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 0);
  g_assert_cmpuint (zero_signaling_server_get_n_peers (server), ==, 0);
  g_object_add_weak_pointer (G_OBJECT (server), (gpointer *) &server);
  g_object_unref (server);
  g_assert_null (server);
}

#define PORT(server) zero_signaling_server_get_port (server)

static const char *
str (JsonObject *o, const char *member)
{
  return json_object_get_string_member_with_default (o, member, NULL);
}

/* --- join, welcome, peer-joined ------------------------------------------ */

static void
test_join_welcome (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  const char *urls[] = { "stun:stun.example.org:3478", NULL };
  const char *turn[] = { "turn:turn.example.org?transport=tcp", NULL };
  RawWs *a, *b;
  g_autofree char *session = zero_uuid_generate ();
  g_autoptr (JsonObject) wa = NULL;
  g_autoptr (JsonObject) wb = NULL;
  g_autoptr (JsonObject) joined = NULL;
  JsonArray *peers, *ice;
  JsonObject *p0;

  zero_signaling_server_add_ice_server (server, urls, NULL, NULL);
  zero_signaling_server_add_ice_server (server, turn, "user", "pass\"word");

  a = raw_ws_connect (PORT (server));
  b = raw_ws_connect (PORT (server));
  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"Ana \\u00e9\","
                         "\"create\":true}", session);
  wa = raw_ws_expect (a, "welcome");
  g_assert_cmpstr (str (wa, "session"), ==, session);
  g_assert_nonnull (str (wa, "peer_id"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wa, "peers")), ==, 0);
  ice = json_object_get_array_member (wa, "ice_servers");
  g_assert_cmpuint (json_array_get_length (ice), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (json_array_get_object_element (ice, 0), "urls"),
                     0), ==, "stun:stun.example.org:3478");
  g_assert_cmpstr (str (json_array_get_object_element (ice, 1), "credential"), ==, "pass\"word");
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 1);

  raw_ws_send_printf (b, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"Bo\",\"role\":\"viewer\"}",
                      session);
  wb = raw_ws_expect (b, "welcome");
  g_assert_cmpstr (str (wb, "peer_id"), !=, str (wa, "peer_id"));
  peers = json_object_get_array_member (wb, "peers");
  g_assert_cmpuint (json_array_get_length (peers), ==, 1);
  p0 = json_array_get_object_element (peers, 0);
  g_assert_cmpstr (str (p0, "peer_id"), ==, str (wa, "peer_id"));
  g_assert_cmpstr (str (p0, "name"), ==, "Ana \xc3\xa9");
  g_assert_cmpstr (str (p0, "role"), ==, "participant");

  joined = raw_ws_expect (a, "peer-joined");
  g_assert_cmpstr (str (joined, "peer_id"), ==, str (wb, "peer_id"));
  g_assert_cmpstr (str (joined, "name"), ==, "Bo");
  g_assert_cmpstr (str (joined, "role"), ==, "viewer");
  raw_ws_expect_silence (b, 100);
  g_assert_cmpuint (zero_signaling_server_get_n_peers (server), ==, 2);

  raw_ws_free (a);
  raw_ws_free (b);
  stop_server (server);
}

/* Three peers in one session plus one outsider: every targeted type reaches
 * only its target, with `from` set by the server. */
static void
test_relay_targeted (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  RawWs *c = raw_ws_connect (PORT (server));
  RawWs *x = raw_ws_connect (PORT (server));
  g_autofree char *ida = NULL, *idb = NULL, *idc = NULL, *idx = NULL;
  g_autofree char *session = raw_ws_create (a, "A", &ida);
  g_autofree char *other = raw_ws_create (x, "X", &idx);
  JsonObject *m;
  JsonObject *cand;

  idb = raw_ws_join (b, session, "B");
  json_object_unref (raw_ws_expect (a, "peer-joined"));
  idc = raw_ws_join (c, session, "C");
  json_object_unref (raw_ws_expect (a, "peer-joined"));
  json_object_unref (raw_ws_expect (b, "peer-joined"));

  raw_ws_send_printf (a, "{\"type\":\"offer\",\"to\":\"%s\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 0.0.0.0\\r\\n\"}",
                      idb);
  m = raw_ws_expect (b, "offer");
  g_assert_cmpstr (str (m, "from"), ==, ida);
  g_assert_cmpstr (str (m, "sdp"), ==, "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n");
  json_object_unref (m);

  raw_ws_send_printf (b, "{\"type\":\"answer\",\"to\":\"%s\",\"sdp\":\"v=0\"}", ida);
  m = raw_ws_expect (a, "answer");
  g_assert_cmpstr (str (m, "from"), ==, idb);
  json_object_unref (m);

  raw_ws_send_printf (a, "{\"type\":\"ice\",\"to\":\"%s\",\"candidate\":{\"candidate\":"
                         "\"candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host\","
                         "\"sdpMLineIndex\":0,\"sdpMid\":\"0\"}}", idc);
  m = raw_ws_expect (c, "ice");
  g_assert_cmpstr (str (m, "from"), ==, ida);
  cand = json_object_get_object_member (m, "candidate");
  g_assert_cmpstr (str (cand, "sdpMid"), ==, "0");
  g_assert_cmpint (json_object_get_int_member (cand, "sdpMLineIndex"), ==, 0);
  json_object_unref (m);

  /* end of candidates, mid only */
  raw_ws_send_printf (a, "{\"type\":\"ice\",\"to\":\"%s\",\"candidate\":{\"candidate\":\"\","
                         "\"sdpMid\":\"1\"}}", idc);
  json_object_unref (raw_ws_expect (c, "ice"));

  raw_ws_send_printf (c, "{\"type\":\"request-offer\",\"to\":\"%s\"}", ida);
  m = raw_ws_expect (a, "request-offer");
  g_assert_cmpstr (str (m, "from"), ==, idc);
  json_object_unref (m);

  /* nobody else saw anything */
  raw_ws_expect_silence (a, 50);
  raw_ws_expect_silence (b, 50);
  raw_ws_expect_silence (c, 50);
  raw_ws_expect_silence (x, 50);

  raw_ws_free (a);
  raw_ws_free (b);
  raw_ws_free (c);
  raw_ws_free (x);
  stop_server (server);
}

/* Counts the top-level members named @key in @text (escaped names too). */
static guint
count_members (const char *text, const char *key)
{
  ZeroJsonDoc doc;
  guint n = 0;

  zero_json_doc_init (&doc);
  g_assert_true (zero_json_parse (&doc, text, strlen (text), NULL));
  for (const ZeroJsonNode *c = zero_json_first_child (&doc, zero_json_root (&doc)); c;
       c = zero_json_next (&doc, c))
    if (zero_json_key_equal (&doc, c, key))
      n++;
  zero_json_doc_clear (&doc);
  return n;
}

static void
test_relay_spoofed_from (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  g_autofree char *ida = NULL;
  g_autofree char *session = raw_ws_create (a, "A", &ida);
  g_autofree char *idb = raw_ws_join (b, session, "B");
  g_autofree char *text = NULL;
  g_autoptr (JsonObject) m = NULL;

  json_object_unref (raw_ws_expect (a, "peer-joined"));

  /* a plain spoof, an escaped duplicate, and a non-string one */
  raw_ws_send_printf (a, "{\"from\":\"%s\",\"type\":\"offer\",\"\\u0066rom\":\"evil\","
                         "\"to\":\"%s\",\"sdp\":\"x\",\"from\":42}", idb, idb);
  text = raw_ws_recv (b, TEST_WAIT_MS);
  g_assert_nonnull (text);
  g_assert_cmpuint (count_members (text, "from"), ==, 1);
  g_assert_null (strstr (text, "evil"));
  m = zero_message_parse (text, -1, ZERO_MESSAGE_TO_CLIENT, NULL, NULL, NULL);
  g_assert_nonnull (m);
  g_assert_cmpstr (str (m, "from"), ==, ida);

  raw_ws_free (a);
  raw_ws_free (b);
  stop_server (server);
}

static void
test_relay_unknown_fields_kept (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  g_autofree char *ida = NULL;
  g_autofree char *session = raw_ws_create (a, "A", &ida);
  g_autofree char *idb = raw_ws_join (b, session, "B");
  g_autofree char *text = NULL;
  const char *extra = "\"x_extra\":{\"nested\":[1,2.5e10,\"\\u00e9\\ud83d\\ude00\",null,true]}";
  const char *big = "\"big\":123456789012345678901234567890";
  const char *cand_extra = "\"usernameFragment\":\"abcd\"";
  g_autoptr (JsonObject) relayed = NULL;

  json_object_unref (raw_ws_expect (a, "peer-joined"));
  raw_ws_send_printf (a, "{\"type\":\"ice\",%s,\"to\":\"%s\",\"candidate\":{\"candidate\":\"c\","
                         "\"sdpMLineIndex\":1,%s},%s}", extra, idb, cand_extra, big);
  text = raw_ws_recv (b, TEST_WAIT_MS);
  g_assert_nonnull (text);
  /* byte for byte, so no precision or escape is lost on the way */
  g_assert_nonnull (strstr (text, extra));
  g_assert_nonnull (strstr (text, big));
  g_assert_nonnull (strstr (text, cand_extra));
  relayed = zero_message_parse (text, -1, ZERO_MESSAGE_TO_CLIENT, NULL, NULL, NULL);
  g_assert_nonnull (relayed);

  raw_ws_free (a);
  raw_ws_free (b);
  stop_server (server);
}

static void
test_broadcast (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  RawWs *c = raw_ws_connect (PORT (server));
  RawWs *x = raw_ws_connect (PORT (server));
  g_autofree char *ida = NULL, *idx = NULL;
  g_autofree char *session = raw_ws_create (a, "A", &ida);
  g_autofree char *other = raw_ws_create (x, "X", &idx);
  g_autofree char *idb = raw_ws_join (b, session, "B");
  g_autofree char *idc = NULL;
  JsonObject *m;

  json_object_unref (raw_ws_expect (a, "peer-joined"));
  idc = raw_ws_join (c, session, "C");
  json_object_unref (raw_ws_expect (a, "peer-joined"));
  json_object_unref (raw_ws_expect (b, "peer-joined"));

  raw_ws_send_text (a, "{\"type\":\"broadcast\",\"data\":{\"hand\":true,\"n\":[1,2]},\"from\":\"B\"}");
  for (RawWs *r = b; r; r = (r == b ? c : NULL))
    {
      m = raw_ws_expect (r, "broadcast");
      g_assert_cmpstr (str (m, "from"), ==, ida);
      g_assert_true (json_object_get_boolean_member (json_object_get_object_member (m, "data"),
                                                     "hand"));
      json_object_unref (m);
    }
  raw_ws_send_text (b, "{\"type\":\"broadcast\",\"data\":null}");
  json_object_unref (raw_ws_expect (a, "broadcast"));
  json_object_unref (raw_ws_expect (c, "broadcast"));
  raw_ws_expect_silence (a, 50);
  raw_ws_expect_silence (b, 50);
  raw_ws_expect_silence (x, 50);

  raw_ws_free (a);
  raw_ws_free (b);
  raw_ws_free (c);
  raw_ws_free (x);
  stop_server (server);
}

/* --- every error code ---------------------------------------------------- */

static void
test_no_such_peer (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *x = raw_ws_connect (PORT (server));
  g_autofree char *ida = NULL, *idx = NULL;
  g_autofree char *session = raw_ws_create (a, "A", &ida);
  g_autofree char *other = raw_ws_create (x, "X", &idx);

  raw_ws_send_printf (a, "{\"type\":\"offer\",\"to\":\"%s\",\"sdp\":\"v=0\"}", ida);
  raw_ws_expect_error (a, "no-such-peer", "offer");
  raw_ws_send_printf (a, "{\"type\":\"answer\",\"to\":\"%s\",\"sdp\":\"v=0\"}", idx);
  raw_ws_expect_error (a, "no-such-peer", "answer");
  raw_ws_send_text (a, "{\"type\":\"request-offer\",\"to\":\"nobody\"}");
  raw_ws_expect_error (a, "no-such-peer", "request-offer");
  raw_ws_send_printf (a, "{\"type\":\"ice\",\"to\":\"%s\",\"candidate\":{\"candidate\":\"c\","
                         "\"sdpMid\":\"0\"}}", idx);
  raw_ws_expect_error (a, "no-such-peer", "ice");
  raw_ws_expect_silence (x, 100); /* the other session's peer got nothing */

  raw_ws_free (a);
  raw_ws_free (x);
  stop_server (server);
}

static void
test_state_errors (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  g_autofree char *missing = zero_uuid_generate ();
  g_autofree char *session = NULL;

  raw_ws_send_text (a, "{\"type\":\"offer\",\"to\":\"p\",\"sdp\":\"v=0\"}");
  raw_ws_expect_error (a, "not-joined", "offer");
  raw_ws_send_text (a, "{\"type\":\"broadcast\",\"data\":1}");
  raw_ws_expect_error (a, "not-joined", "broadcast");
  raw_ws_send_text (a, "{\"type\":\"leave\"}");
  raw_ws_expect_error (a, "not-joined", "leave");

  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\"}", missing);
  raw_ws_expect_error (a, "no-such-session", "join");
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 0);

  session = raw_ws_create (a, "A", NULL);
  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\"}", session);
  raw_ws_expect_error (a, "already-joined", "join");

  raw_ws_send_text (a, "{\"type\":\"hello\",\"x\":1}");
  raw_ws_expect_error (a, "unknown-type", "hello");
  raw_ws_send_text (a, "{\"type\":\"welcome\"}"); /* a server-to-client type */
  raw_ws_expect_error (a, "unknown-type", "welcome");

  /* the connection is still fine */
  raw_ws_send_text (a, "{\"type\":\"ping\",\"id\":7}");
  json_object_unref (raw_ws_expect (a, "pong"));

  /* leave, then the session is gone; join again works (create) */
  raw_ws_send_text (a, "{\"type\":\"leave\"}");
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_sessions (server) == 0, 2000);
  g_free (raw_ws_create (a, "A", NULL));

  raw_ws_free (a);
  stop_server (server);
}

static void
test_bad_message (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  g_autofree char *session = zero_uuid_generate ();
  g_autofree char *upper = g_ascii_strup (session, -1);
  g_autofree char *long_name = g_strnfill (65, 'n');
  static const struct
  {
    const char *text;
    const char *ref;
  } cases[] = {
    { "not json", NULL },
    { "[1,2]", NULL },
    { "\"join\"", NULL },
    { "{}", NULL },
    { "{\"type\":7}", NULL },
    { "{\"type\":null}", NULL },
    { "{\"type\":\"ping\"} trailing", NULL },
    { "{\"type\":\"ping\" /* comment */}", NULL },
    { "{'type':'ping'}", NULL },
    { "{\"type\":\"ping\",\"id\":0x10}", NULL },
    { "{\"type\":\"ping\",\"id\":\"\\ud800\"}", NULL },
    { "{\"type\":\"offer\",\"to\":5,\"sdp\":\"v=0\"}", "offer" },
    { "{\"type\":\"offer\",\"to\":\"p\"}", "offer" },
    { "{\"type\":\"answer\",\"to\":\"\",\"sdp\":\"v=0\"}", "answer" },
    { "{\"type\":\"ice\",\"to\":\"p\",\"candidate\":\"c\"}", "ice" },
    { "{\"type\":\"ice\",\"to\":\"p\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"\"}}", "ice" },
    { "{\"type\":\"ice\",\"to\":\"p\",\"candidate\":{\"candidate\":\"c\"}}", "ice" },
    { "{\"type\":\"ice\",\"to\":\"p\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":-1}}",
      "ice" },
    { "{\"type\":\"ice\",\"to\":\"p\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":0.5}}",
      "ice" },
    { "{\"type\":\"request-offer\"}", "request-offer" },
    { "{\"type\":\"broadcast\"}", "broadcast" },
    { "{\"type\":\"join\",\"name\":\"A\"}", "join" },
    { "{\"type\":\"join\",\"session\":\"not-a-uuid\",\"name\":\"A\"}", "join" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      raw_ws_send_text (a, cases[i].text);
      raw_ws_expect_error (a, "bad-message", cases[i].ref);
    }

  /* session ids are lower-case only; names are 1..64 characters; roles are an enum */
  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\",\"create\":true}",
                      upper);
  raw_ws_expect_error (a, "bad-message", "join");
  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"%s\",\"create\":true}",
                      session, long_name);
  raw_ws_expect_error (a, "bad-message", "join");
  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"\",\"create\":true}",
                      session);
  raw_ws_expect_error (a, "bad-message", "join");
  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\",\"role\":\"admin\","
                         "\"create\":true}", session);
  raw_ws_expect_error (a, "bad-message", "join");
  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\",\"create\":\"yes\"}",
                      session);
  raw_ws_expect_error (a, "bad-message", "join");
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 0);

  /* 64 characters (not bytes) is fine */
  {
    GString *name = g_string_new (NULL);
    for (int i = 0; i < 64; i++)
      g_string_append (name, "\xc3\xa9");
    raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"%s\",\"create\":true}",
                        session, name->str);
    json_object_unref (raw_ws_expect (a, "welcome"));
    g_string_free (name, TRUE);
  }

  g_assert_false (a->got_close);
  raw_ws_free (a);
  stop_server (server);
}

static void
test_binary_frame (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));

  raw_ws_send_frame (a, 0x82, TRUE, "{\"type\":\"ping\"}", 15);
  raw_ws_expect_error (a, "bad-message", NULL);
  raw_ws_send_text (a, "{\"type\":\"ping\"}");
  json_object_unref (raw_ws_expect (a, "pong"));
  g_assert_false (a->got_close);

  raw_ws_free (a);
  stop_server (server);
}

static void
test_too_large (void)
{
  ZeroSignalingServer *server = start_server ("max-frame", 4096, NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  RawWs *c = raw_ws_connect (PORT (server));
  g_autofree char *session = raw_ws_create (a, "A", NULL);
  g_autofree char *idb = raw_ws_join (b, session, "B");
  g_autofree char *big = g_strnfill (4097, 'x');
  g_autofree char *fits = NULL;
  g_autoptr (JsonObject) left = NULL;

  json_object_unref (raw_ws_expect (a, "peer-joined"));

  /* exactly at the limit is fine */
  fits = g_strdup_printf ("{\"type\":\"broadcast\",\"data\":\"%*s\"}", 4096 - 30, "y");
  g_assert_cmpuint (strlen (fits), ==, 4096);
  raw_ws_send_text (b, fits);
  json_object_unref (raw_ws_expect (a, "broadcast"));

  /* one byte over: too-large, then close 1009 */
  raw_ws_send_text (b, big);
  raw_ws_expect_error (b, "too-large", NULL);
  g_assert_cmpint (raw_ws_wait_closed (b, TEST_WAIT_MS), ==, 1009);
  left = raw_ws_expect (a, "peer-left");
  g_assert_cmpstr (str (left, "peer_id"), ==, idb);
  g_assert_cmpstr (str (left, "reason"), ==, "disconnect");

  /* fragments that add up to more than the limit count as one message */
  raw_ws_send_frame (c, 0x01, TRUE, big, 3000);
  raw_ws_send_frame (c, 0x80, TRUE, big, 1500);
  raw_ws_expect_error (c, "too-large", NULL);
  g_assert_cmpint (raw_ws_wait_closed (c, TEST_WAIT_MS), ==, 1009);

  raw_ws_free (a);
  raw_ws_free (b);
  raw_ws_free (c);
  stop_server (server);
}

static void
test_fragmented_and_control (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  const char *msg = "{\"type\":\"ping\",\"id\":\"fragmented\"}";
  g_autoptr (JsonObject) pong = NULL;

  /* three fragments with a ping in the middle (RFC 6455 §5.4) */
  raw_ws_send_frame (a, 0x01, TRUE, msg, 10);
  raw_ws_send_frame (a, 0x89, TRUE, "hi", 2);
  raw_ws_send_frame (a, 0x00, TRUE, msg + 10, 10);
  raw_ws_send_frame (a, 0x80, TRUE, msg + 20, strlen (msg) - 20);
  pong = raw_ws_expect (a, "pong");
  g_assert_cmpstr (str (pong, "id"), ==, "fragmented");

  raw_ws_free (a);
  stop_server (server);
}

static void
test_protocol_violations (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  RawWs *c = raw_ws_connect (PORT (server));
  RawWs *d = raw_ws_connect (PORT (server));
  const char bad_utf8[] = "{\"type\":\"ping\",\"id\":\"\xc3\x28\"}";

  raw_ws_send_frame (a, 0x81, FALSE, "{\"type\":\"ping\"}", 15); /* unmasked */
  g_assert_cmpint (raw_ws_wait_closed (a, TEST_WAIT_MS), ==, 1002);
  raw_ws_send_frame (b, 0xC1, TRUE, "{\"type\":\"ping\"}", 15); /* RSV1 without extension */
  g_assert_cmpint (raw_ws_wait_closed (b, TEST_WAIT_MS), ==, 1002);
  raw_ws_send_frame (c, 0x80, TRUE, "x", 1); /* continuation without a start */
  g_assert_cmpint (raw_ws_wait_closed (c, TEST_WAIT_MS), ==, 1002);
  raw_ws_send_frame (d, 0x81, TRUE, bad_utf8, strlen (bad_utf8));
  raw_ws_expect_error (d, "bad-message", NULL);
  g_assert_cmpint (raw_ws_wait_closed (d, TEST_WAIT_MS), ==, 1007);

  raw_ws_free (a);
  raw_ws_free (b);
  raw_ws_free (c);
  raw_ws_free (d);
  stop_server (server);
}

/* --- limits -------------------------------------------------------------- */

static void
test_session_full (void)
{
  ZeroSignalingServer *server = start_server ("max-peers", 2, "max-sessions", 1, NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  RawWs *c = raw_ws_connect (PORT (server));
  g_autofree char *session = raw_ws_create (a, "A", NULL);
  g_autofree char *idb = raw_ws_join (b, session, "B");
  g_autofree char *other = zero_uuid_generate ();
  g_autofree char *idc = NULL;

  raw_ws_send_printf (c, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"C\"}", session);
  raw_ws_expect_error (c, "session-full", "join");
  /* max-sessions: a second session cannot be created */
  raw_ws_send_printf (c, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"C\",\"create\":true}",
                      other);
  raw_ws_expect_error (c, "session-full", "join");
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 1);

  /* a place frees up when someone leaves */
  raw_ws_send_text (b, "{\"type\":\"leave\"}");
  json_object_unref (raw_ws_expect (a, "peer-joined"));
  json_object_unref (raw_ws_expect (a, "peer-left"));
  idc = raw_ws_join (c, session, "C");

  raw_ws_free (a);
  raw_ws_free (b);
  raw_ws_free (c);
  stop_server (server);
}

static void
test_password (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  g_autofree char *session = zero_uuid_generate ();

  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\",\"create\":true,"
                         "\"password\":\"s3cret \\u00e9\"}", session);
  json_object_unref (raw_ws_expect (a, "welcome"));

  raw_ws_send_printf (b, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"B\"}", session);
  raw_ws_expect_error (b, "auth-failed", "join");
  raw_ws_send_printf (b, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"B\",\"password\":\"s3cret\"}",
                      session);
  raw_ws_expect_error (b, "auth-failed", "join");
  /* create: true does not bypass the password of an existing session */
  raw_ws_send_printf (b, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"B\",\"create\":true,"
                         "\"password\":\"other\"}", session);
  raw_ws_expect_error (b, "auth-failed", "join");
  raw_ws_send_printf (b, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"B\","
                         "\"password\":\"s3cret \xc3\xa9\"}", session);
  json_object_unref (raw_ws_expect (b, "welcome"));

  raw_ws_free (a);
  raw_ws_free (b);
  stop_server (server);
}

static void
test_token (void)
{
  const char *secret = "test-secret-key";
  ZeroSignalingServer *server = start_server ("secret", secret, NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  g_autofree char *session = zero_uuid_generate ();
  g_autofree char *other = zero_uuid_generate ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *claims = g_strdup_printf ("{\"sub\":\"Token Name\",\"session\":\"%s\",\"exp\":%"
                                             G_GINT64_FORMAT "}", session, now + 600);
  g_autofree char *claims_star = g_strdup_printf ("{\"sub\":\"Star\",\"session\":\"*\",\"exp\":%"
                                                  G_GINT64_FORMAT "}", now + 600);
  g_autofree char *claims_expired = g_strdup_printf ("{\"sub\":\"Old\",\"session\":\"%s\",\"exp\":%"
                                                     G_GINT64_FORMAT "}", session, now - 1);
  g_autofree char *claims_other = g_strdup_printf ("{\"sub\":\"O\",\"session\":\"%s\",\"exp\":%"
                                                   G_GINT64_FORMAT "}", other, now + 600);
  g_autofree char *valid = zero_jwt_sign (claims, secret);
  g_autofree char *star = zero_jwt_sign (claims_star, secret);
  g_autofree char *expired = zero_jwt_sign (claims_expired, secret);
  g_autofree char *wrong_session = zero_jwt_sign (claims_other, secret);
  g_autofree char *bad_signature = zero_jwt_sign (claims, "another-secret");
  g_autofree char *alg_none = zero_jwt_sign_with_header ("{\"alg\":\"none\"}", claims, secret);
  g_autofree char *alg_none_unsigned = NULL;
  g_autofree char *alg_hs512 = zero_jwt_sign_with_header ("{\"alg\":\"HS512\"}", claims, secret);
  const char *bad_tokens[7];
  g_autoptr (JsonObject) welcome = NULL;
  g_autoptr (JsonObject) welcome2 = NULL;
  RawWs *b;

  /* alg none with an empty signature, as an attacker would send it */
  alg_none_unsigned = g_strndup (alg_none, strrchr (alg_none, '.') - alg_none + 1);
  bad_tokens[0] = expired;
  bad_tokens[1] = wrong_session;
  bad_tokens[2] = bad_signature;
  bad_tokens[3] = alg_none;
  bad_tokens[4] = alg_none_unsigned;
  bad_tokens[5] = alg_hs512;
  bad_tokens[6] = "not.a.token";

  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\",\"create\":true}",
                      session);
  raw_ws_expect_error (a, "auth-failed", "join");
  for (guint i = 0; i < G_N_ELEMENTS (bad_tokens); i++)
    {
      raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\",\"create\":true,"
                             "\"token\":\"%s\"}", session, bad_tokens[i]);
      raw_ws_expect_error (a, "auth-failed", "join");
    }
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 0);

  raw_ws_send_printf (a, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"A\",\"create\":true,"
                         "\"token\":\"%s\"}", session, valid);
  json_object_unref (raw_ws_expect (a, "welcome"));

  /* a "*" token is good for any session; the name comes from the token */
  b = raw_ws_connect (PORT (server));
  raw_ws_send_printf (b, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"Liar\",\"token\":\"%s\"}",
                      session, star);
  welcome = raw_ws_expect (b, "welcome");
  g_assert_cmpstr (str (json_array_get_object_element (json_object_get_array_member (welcome,
                                                                                     "peers"), 0),
                        "name"), ==, "Token Name");
  welcome2 = raw_ws_expect (a, "peer-joined");
  g_assert_cmpstr (str (welcome2, "name"), ==, "Star");

  raw_ws_free (a);
  raw_ws_free (b);
  stop_server (server);
}

static void
test_rate_limit (void)
{
  ZeroSignalingServer *server = start_server ("rate-limit", 2, "rate-burst", 5, NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  guint pongs = 0, limited = 0;

  for (int i = 0; i < 10; i++)
    raw_ws_send_printf (a, "{\"type\":\"ping\",\"id\":%d}", i);
  for (int i = 0; i < 10; i++)
    {
      g_autoptr (JsonObject) m = raw_ws_recv_json (a, TEST_WAIT_MS);
      g_assert_nonnull (m);
      if (g_str_equal (str (m, "type"), "pong"))
        pongs++;
      else
        {
          g_assert_cmpstr (str (m, "code"), ==, "rate-limited");
          g_assert_cmpstr (str (m, "ref"), ==, "ping");
          limited++;
        }
    }
  /* the bucket holds 5; one more token would take 500 ms */
  g_assert_cmpuint (pongs, >=, 5);
  g_assert_cmpuint (pongs, <=, 6);
  g_assert_cmpuint (limited, ==, 10 - pongs);

  /* tokens come back at 2/s */
  test_run_for (600);
  raw_ws_send_text (a, "{\"type\":\"ping\"}");
  json_object_unref (raw_ws_expect (a, "pong"));
  g_assert_false (a->got_close);

  raw_ws_free (a);
  stop_server (server);
}

static void
test_flood (void)
{
  /* 1 token/s: even a slow (loaded) server sees 20 drops in a row */
  ZeroSignalingServer *server = start_server ("rate-limit", 1, "rate-burst", 10, NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  RawWs *c;
  g_autofree char *session = raw_ws_create (a, "A", NULL);
  g_autofree char *idb = raw_ws_join (b, session, "B");
  g_autoptr (JsonObject) left = NULL;
  guint relayed = 0;

  json_object_unref (raw_ws_expect (a, "peer-joined"));
  /* a sustained flood, garbage included: dropped, then the socket is closed */
  for (int i = 0; i < 200; i++)
    raw_ws_send_text (b, i % 2 ? "{\"type\":\"broadcast\",\"data\":1}" : "garbage");
  g_assert_cmpint (raw_ws_wait_closed (b, TEST_WAIT_MS), ==, 1008);
  /* what got through before (the burst, at most) are broadcasts, then peer-left */
  for (;;)
    {
      g_autoptr (JsonObject) m = raw_ws_recv_json (a, TEST_WAIT_MS);
      g_assert_nonnull (m);
      if (g_str_equal (str (m, "type"), "peer-left"))
        {
          left = json_object_ref (m);
          break;
        }
      g_assert_cmpstr (str (m, "type"), ==, "broadcast");
      g_assert_cmpuint (++relayed, <=, 10);
    }
  g_assert_cmpstr (str (left, "peer_id"), ==, idb);
  g_assert_cmpstr (str (left, "reason"), ==, "disconnect");
  /* the server still serves */
  c = raw_ws_connect (PORT (server));
  raw_ws_send_text (c, "{\"type\":\"ping\"}");
  json_object_unref (raw_ws_expect (c, "pong"));

  raw_ws_free (a);
  raw_ws_free (b);
  raw_ws_free (c);
  stop_server (server);
}

static void
test_slow_reader_dropped (void)
{
  ZeroSignalingServer *server = start_server ("max-queued-bytes", 256 * 1024, NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *slow = raw_ws_connect_full (PORT (server), NULL, 4096);
  g_autofree char *session = raw_ws_create (a, "A", NULL);
  g_autofree char *ids = NULL;
  g_autofree char *payload = g_strnfill (60000, 'z');
  g_autofree char *msg = g_strdup_printf ("{\"type\":\"broadcast\",\"data\":\"%s\"}", payload);
  g_autoptr (JsonObject) left = NULL;

  ids = raw_ws_join (slow, session, "Slow");
  json_object_unref (raw_ws_expect (a, "peer-joined"));
  /* `slow` never reads from here on; the kernel buffers fill, then ours */
  for (int i = 0; i < 200 && zero_signaling_server_get_n_peers (server) == 2; i++)
    {
      raw_ws_send_text (a, msg);
      test_run_for (2);
    }
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_peers (server) == 1, TEST_WAIT_MS);
  left = raw_ws_expect (a, "peer-left");
  g_assert_cmpstr (str (left, "peer_id"), ==, ids);

  raw_ws_free (a);
  raw_ws_free (slow);
  stop_server (server);
}

/* --- keep-alive and leaving ---------------------------------------------- */

static void
test_ping_pong (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  g_autoptr (JsonObject) p1 = NULL;
  g_autoptr (JsonObject) p2 = NULL;
  g_autoptr (JsonObject) p3 = NULL;

  raw_ws_send_text (a, "{\"type\":\"ping\",\"id\":42}");
  p1 = raw_ws_expect (a, "pong");
  g_assert_cmpint (json_object_get_int_member (p1, "id"), ==, 42);
  raw_ws_send_text (a, "{\"type\":\"ping\",\"id\":\"abc\"}");
  p2 = raw_ws_expect (a, "pong");
  g_assert_cmpstr (str (p2, "id"), ==, "abc");
  raw_ws_send_text (a, "{\"type\":\"ping\"}");
  p3 = raw_ws_expect (a, "pong");
  g_assert_false (json_object_has_member (p3, "id"));

  raw_ws_free (a);
  stop_server (server);
}

static void
test_peer_left_reasons (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  RawWs *c = raw_ws_connect (PORT (server));
  RawWs *d = raw_ws_connect (PORT (server));
  g_autofree char *session = raw_ws_create (a, "A", NULL);
  g_autofree char *idb = raw_ws_join (b, session, "B");
  g_autofree char *idc = raw_ws_join (c, session, "C");
  g_autofree char *idd = raw_ws_join (d, session, "D");
  JsonObject *m;

  for (int i = 0; i < 3; i++)
    json_object_unref (raw_ws_expect (a, "peer-joined"));

  raw_ws_send_text (b, "{\"type\":\"leave\"}");
  m = raw_ws_expect (a, "peer-left");
  g_assert_cmpstr (str (m, "peer_id"), ==, idb);
  g_assert_cmpstr (str (m, "reason"), ==, "leave");
  json_object_unref (m);
  g_assert_false (b->got_close); /* leave keeps the connection */

  raw_ws_send_close (c, 1000); /* a clean WebSocket close */
  g_assert_cmpint (raw_ws_wait_closed (c, TEST_WAIT_MS), ==, 1000);
  m = raw_ws_expect (a, "peer-left");
  g_assert_cmpstr (str (m, "peer_id"), ==, idc);
  g_assert_cmpstr (str (m, "reason"), ==, "disconnect");
  json_object_unref (m);

  raw_ws_drop (d); /* TCP gone without a close frame */
  m = raw_ws_expect (a, "peer-left");
  g_assert_cmpstr (str (m, "peer_id"), ==, idd);
  g_assert_cmpstr (str (m, "reason"), ==, "disconnect");
  json_object_unref (m);

  raw_ws_free (a);
  raw_ws_free (b);
  raw_ws_free (c);
  raw_ws_free (d);
  stop_server (server);
}

/* A socket that did the handshake and then went silent (never answers
 * pings) is dropped after `timeout` and reported with reason "timeout";
 * a live but idle one (answering pings) stays. */
static void
test_half_open_timeout (void)
{
  ZeroSignalingServer *server = start_server ("ping-interval", 100, "timeout", 400, NULL);
  RawWs *live = raw_ws_connect (PORT (server));
  RawWs *dead = raw_ws_connect (PORT (server));
  g_autofree char *session = raw_ws_create (live, "Live", NULL);
  g_autofree char *iddead = raw_ws_join (dead, session, "Dead");
  g_autoptr (JsonObject) left = NULL;
  g_autofree char *metrics = NULL;
  gint64 start;

  json_object_unref (raw_ws_expect (live, "peer-joined"));
  dead->auto_pong = FALSE;
  start = g_get_monotonic_time ();
  /* `live` must keep pumping to answer pings; `dead` is never read. */
  ZERO_ASSERT_WAIT ((raw_ws_pump (live), !g_queue_is_empty (&live->texts)), TEST_WAIT_MS);
  left = raw_ws_expect (live, "peer-left");
  g_assert_cmpstr (str (left, "peer_id"), ==, iddead);
  g_assert_cmpstr (str (left, "reason"), ==, "timeout");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 350 * 1000);

  /* the live one saw pings, answered them, and is still here well past the timeout */
  test_run_for (0);
  for (int i = 0; i < 10; i++)
    {
      test_run_for (100);
      raw_ws_pump (live);
    }
  g_assert_cmpuint (live->n_pings, >=, 3);
  g_assert_false (live->got_close || live->eof);
  g_assert_cmpuint (zero_signaling_server_get_n_peers (server), ==, 1);
  metrics = zero_signaling_server_dup_metrics (server);
  g_assert_nonnull (strstr (metrics, "zero_signaling_timeouts_total 1\n"));

  raw_ws_free (live);
  raw_ws_free (dead);
  stop_server (server);
}

static void
on_soup_ws_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SoupWebsocketConnection **ws = user_data;
  g_autoptr (GError) error = NULL;

  *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
on_soup_ws_message (SoupWebsocketConnection *ws, int type, GBytes *bytes, gpointer user_data)
{
  GPtrArray *messages = user_data;
  g_ptr_array_add (messages, g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)));
}

/* libsoup's client is an independent WebSocket implementation: it must
 * interoperate, and its automatic answers to our pings must keep an idle
 * connection alive. */
static void
test_libsoup_client_idle (void)
{
  ZeroSignalingServer *server = start_server ("ping-interval", 150, "timeout", 600, NULL);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = NULL;
  SoupWebsocketConnection *ws = NULL;
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *id = zero_uuid_generate ();
  g_autofree char *join = NULL;

  msg = soup_message_new ("GET", zero_signaling_server_get_url (server));
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_soup_ws_connected, &ws);
  ZERO_ASSERT_WAIT (ws != NULL, TEST_WAIT_MS);
  g_signal_connect (ws, "message", G_CALLBACK (on_soup_ws_message), messages);
  join = g_strdup_printf ("{\"type\":\"join\",\"session\":\"%s\",\"name\":\"soup\",\"create\":true}",
                          id);
  soup_websocket_connection_send_text (ws, join);
  ZERO_ASSERT_WAIT (messages->len == 1, TEST_WAIT_MS);
  g_assert_nonnull (strstr (messages->pdata[0], "\"welcome\""));

  /* idle for 4 × the timeout */
  test_run_for (2400);
  g_assert_cmpint (soup_websocket_connection_get_state (ws), ==, SOUP_WEBSOCKET_STATE_OPEN);
  g_assert_cmpuint (zero_signaling_server_get_n_peers (server), ==, 1);

  soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, "bye");
  ZERO_ASSERT_WAIT (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_CLOSED, TEST_WAIT_MS);
  g_assert_cmpint (soup_websocket_connection_get_close_code (ws), ==, 1000);
  g_object_unref (ws);
  stop_server (server);
}

/* --- HTTP endpoints, handshake, TLS, shutdown ----------------------------- */

static void
on_http_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static char *
http_get (SoupSession *session, const char *url, guint *status, char **content_type)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  GMainContext *ctx = g_main_context_default ();
  GAsyncResult *result = NULL;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL,
                                    (GAsyncReadyCallback) on_http_done, &result);
  while (result == NULL)
    g_main_context_iteration (ctx, TRUE);
  body = soup_session_send_and_read_finish (session, result, &error);
  g_object_unref (result);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (content_type)
    *content_type = g_strdup (soup_message_headers_get_content_type (
                                soup_message_get_response_headers (msg), NULL));
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static void
test_healthz_metrics (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  g_autoptr (SoupSession) http = soup_session_new ();
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", PORT (server));
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *type = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *health;
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  g_autofree char *session = raw_ws_create (a, "A", NULL);
  g_autofree char *idb = raw_ws_join (b, session, "B");
  guint status;

  json_object_unref (raw_ws_expect (a, "peer-joined"));
  raw_ws_send_text (a, "{\"type\":\"broadcast\",\"data\":1}");
  json_object_unref (raw_ws_expect (b, "broadcast"));
  raw_ws_send_text (a, "nope");
  raw_ws_expect_error (a, "bad-message", NULL);
  raw_ws_send_text (a, "{\"type\":\"offer\",\"to\":\"x\",\"sdp\":\"\"}");
  raw_ws_expect_error (a, "no-such-peer", "offer");

  url = g_strconcat (base, "/healthz", NULL);
  body = http_get (http, url, &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (type, ==, "application/json");
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  health = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (str (health, "status"), ==, "ok");
  g_assert_nonnull (str (health, "version"));
  g_assert_cmpint (json_object_get_int_member (health, "sessions"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (health, "peers"), ==, 2);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&type, g_free);
  g_clear_pointer (&url, g_free);

  url = g_strconcat (base, "/metrics", NULL);
  body = http_get (http, url, &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (type, ==, "text/plain");
  g_assert_nonnull (strstr (body, "# TYPE zero_signaling_connections gauge\n"));
  g_assert_nonnull (strstr (body, "\nzero_signaling_connections 2\n"));
  g_assert_nonnull (strstr (body, "\nzero_signaling_sessions 1\n"));
  g_assert_nonnull (strstr (body, "\nzero_signaling_peers 2\n"));
  g_assert_nonnull (strstr (body, "\nzero_signaling_messages_relayed_total 1\n"));
  g_assert_nonnull (strstr (body, "\nzero_signaling_errors_total{code=\"bad-message\"} 1\n"));
  g_assert_nonnull (strstr (body, "\nzero_signaling_errors_total{code=\"no-such-peer\"} 1\n"));
  g_assert_nonnull (strstr (body, "\nzero_signaling_errors_total{code=\"too-large\"} 0\n"));
  g_assert_nonnull (strstr (body, "zero_signaling_bytes_received_total "));
  g_assert_nonnull (strstr (body, "zero_signaling_bytes_sent_total "));
  g_assert_null (strstr (body, "zero_signaling_bytes_sent_total 0\n"));
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&url, g_free);

  url = g_strconcat (base, "/nothing", NULL);
  body = http_get (http, url, &status, NULL);
  g_assert_cmpuint (status, ==, 404);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&url, g_free);
  /* /ws without an upgrade is a bad request, not a crash */
  url = g_strconcat (base, "/ws", NULL);
  body = http_get (http, url, &status, NULL);
  g_assert_cmpuint (status, ==, 400);

  raw_ws_free (a);
  raw_ws_free (b);
  stop_server (server);
}

static void
test_handshake_options (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  /* browsers offer permessage-deflate and may ask for a subprotocol */
  RawWs *a = raw_ws_connect_full (PORT (server),
                                  "Sec-WebSocket-Extensions: permessage-deflate; "
                                  "client_max_window_bits\r\nSec-WebSocket-Protocol: chat\r\n"
                                  "Origin: https://example.org\r\n", 0);

  g_assert_null (g_strstr_len (a->handshake_response, -1, "Sec-WebSocket-Extensions"));
  g_assert_null (g_strstr_len (a->handshake_response, -1, "Sec-WebSocket-Protocol"));
  raw_ws_send_text (a, "{\"type\":\"ping\"}");
  json_object_unref (raw_ws_expect (a, "pong"));

  raw_ws_free (a);
  stop_server (server);
}

/* Connections that never become WebSockets (silent after connect, or stuck
 * mid-request) are closed after http-timeout; the server keeps serving. */
static void
test_http_timeout (void)
{
  ZeroSignalingServer *server = start_server ("http-timeout", 200, NULL);
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketConnection) silent = NULL;
  g_autoptr (GSocketConnection) partial = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", PORT (server));
  const char *half = "GET /ws HTTP/1.1\r\nHost: x\r\n";
  char buf[64];
  RawWs *a;

  silent = g_socket_client_connect_to_host (sc, host, 0, NULL, &error);
  g_assert_no_error (error);
  partial = g_socket_client_connect_to_host (sc, host, 0, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (partial)), half,
                             strlen (half), NULL, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (g_socket_connection_get_socket (silent), FALSE);
  g_socket_set_blocking (g_socket_connection_get_socket (partial), FALSE);

  /* a WebSocket opened meanwhile is not affected */
  a = raw_ws_connect (PORT (server));
  ZERO_ASSERT_WAIT (g_socket_receive (g_socket_connection_get_socket (silent), buf, sizeof buf,
                                      NULL, NULL) == 0 &&
                    g_socket_receive (g_socket_connection_get_socket (partial), buf, sizeof buf,
                                      NULL, NULL) == 0,
                    TEST_WAIT_MS);
  test_run_for (300);
  raw_ws_send_text (a, "{\"type\":\"ping\"}");
  json_object_unref (raw_ws_expect (a, "pong"));

  raw_ws_free (a);
  stop_server (server);
}

static void
test_tls (void)
{
  g_autofree char *cert = test_data_path ("data/cert.pem");
  g_autofree char *key = test_data_path ("data/key.pem");
  ZeroSignalingServer *server = zero_signaling_server_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsDatabase) db = NULL;
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = NULL;
  SoupWebsocketConnection *ws = NULL;
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *id = zero_uuid_generate ();
  g_autofree char *join = NULL;
  g_autofree char *big = g_strnfill (30000, 'q');
  g_autofree char *bcast = NULL;
  g_autofree char *health_url = NULL;
  g_autofree char *body = NULL;
  guint status;

  g_assert_false (zero_signaling_server_set_tls_files (server, cert, "/nonexistent.pem", &error));
  g_assert_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_TLS);
  g_clear_error (&error);
  g_assert_true (zero_signaling_server_set_tls_files (server, cert, key, &error));
  g_assert_no_error (error);
  g_assert_true (zero_signaling_server_listen (server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (zero_signaling_server_get_url (server), "wss://127.0.0.1:"));

  db = g_tls_file_database_new (cert, &error);
  g_assert_no_error (error);
  soup_session_set_tls_database (session, db);

  msg = soup_message_new ("GET", zero_signaling_server_get_url (server));
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_soup_ws_connected, &ws);
  ZERO_ASSERT_WAIT (ws != NULL, TEST_WAIT_MS);
  g_signal_connect (ws, "message", G_CALLBACK (on_soup_ws_message), messages);
  join = g_strdup_printf ("{\"type\":\"join\",\"session\":\"%s\",\"name\":\"tls\",\"create\":true}",
                          id);
  soup_websocket_connection_send_text (ws, join);
  ZERO_ASSERT_WAIT (messages->len == 1, TEST_WAIT_MS);
  g_assert_nonnull (strstr (messages->pdata[0], "\"welcome\""));
  /* big enough to span TLS records */
  bcast = g_strdup_printf ("{\"type\":\"ping\",\"id\":\"%s\"}", big);
  soup_websocket_connection_send_text (ws, bcast);
  ZERO_ASSERT_WAIT (messages->len == 2, TEST_WAIT_MS);
  g_assert_nonnull (strstr (messages->pdata[1], big));

  health_url = g_strdup_printf ("https://127.0.0.1:%u/healthz", zero_signaling_server_get_port (server));
  body = http_get (session, health_url, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (body, "\"peers\":1"));

  soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  ZERO_ASSERT_WAIT (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_CLOSED, TEST_WAIT_MS);
  g_object_unref (ws);
  stop_server (server);
}

static void
test_shutdown (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  g_autofree char *session = raw_ws_create (a, "A", NULL);
  g_autofree char *idb = raw_ws_join (b, session, "B");

  json_object_unref (raw_ws_expect (a, "peer-joined"));
  zero_signaling_server_shutdown (server);
  g_assert_cmpint (raw_ws_wait_closed (a, TEST_WAIT_MS), ==, 1001);
  g_assert_cmpint (raw_ws_wait_closed (b, TEST_WAIT_MS), ==, 1001);
  /* no peer-left noise before the close */
  g_assert_true (g_queue_is_empty (&a->texts));
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 0);
  raw_ws_free (a); /* the server finishes closing as the sockets go */
  raw_ws_free (b);
  stop_server (server);
}

/* Peer ids are never reused, and join/leave cycles leave nothing behind. */
static void
test_churn (void)
{
  ZeroSignalingServer *server = start_server (NULL);
  RawWs *a = raw_ws_connect (PORT (server));
  RawWs *b = raw_ws_connect (PORT (server));
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *anchor = raw_ws_create (a, "Anchor", NULL);

  for (int i = 0; i < 500; i++)
    {
      g_autofree char *id = NULL;
      if (i % 2)
        id = raw_ws_join (b, anchor, "B");
      else
        g_free (raw_ws_create (b, "B", &id));
      g_assert_false (g_hash_table_contains (ids, id));
      g_hash_table_add (ids, g_steal_pointer (&id));
      raw_ws_send_text (b, "{\"type\":\"leave\"}");
    }
  /* the anchor saw every joiner of its session come and go */
  for (int i = 0; i < 250; i++)
    {
      json_object_unref (raw_ws_expect (a, "peer-joined"));
      json_object_unref (raw_ws_expect (a, "peer-left"));
    }
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_sessions (server) == 1, 2000);
  g_assert_cmpuint (zero_signaling_server_get_n_peers (server), ==, 1);

  raw_ws_free (a);
  raw_ws_free (b);
  stop_server (server);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signaling/server/join-welcome", test_join_welcome);
  g_test_add_func ("/signaling/server/relay-targeted", test_relay_targeted);
  g_test_add_func ("/signaling/server/relay-spoofed-from", test_relay_spoofed_from);
  g_test_add_func ("/signaling/server/relay-unknown-fields-kept", test_relay_unknown_fields_kept);
  g_test_add_func ("/signaling/server/broadcast", test_broadcast);
  g_test_add_func ("/signaling/server/no-such-peer", test_no_such_peer);
  g_test_add_func ("/signaling/server/state-errors", test_state_errors);
  g_test_add_func ("/signaling/server/bad-message", test_bad_message);
  g_test_add_func ("/signaling/server/binary-frame", test_binary_frame);
  g_test_add_func ("/signaling/server/too-large", test_too_large);
  g_test_add_func ("/signaling/server/fragmented-and-control", test_fragmented_and_control);
  g_test_add_func ("/signaling/server/protocol-violations", test_protocol_violations);
  g_test_add_func ("/signaling/server/session-full", test_session_full);
  g_test_add_func ("/signaling/server/password", test_password);
  g_test_add_func ("/signaling/server/token", test_token);
  g_test_add_func ("/signaling/server/rate-limit", test_rate_limit);
  g_test_add_func ("/signaling/server/flood", test_flood);
  g_test_add_func ("/signaling/server/slow-reader-dropped", test_slow_reader_dropped);
  g_test_add_func ("/signaling/server/ping-pong", test_ping_pong);
  g_test_add_func ("/signaling/server/peer-left-reasons", test_peer_left_reasons);
  g_test_add_func ("/signaling/server/half-open-timeout", test_half_open_timeout);
  g_test_add_func ("/signaling/server/libsoup-client-idle", test_libsoup_client_idle);
  g_test_add_func ("/signaling/server/healthz-metrics", test_healthz_metrics);
  g_test_add_func ("/signaling/server/handshake-options", test_handshake_options);
  g_test_add_func ("/signaling/server/http-timeout", test_http_timeout);
  g_test_add_func ("/signaling/server/tls", test_tls);
  g_test_add_func ("/signaling/server/shutdown", test_shutdown);
  g_test_add_func ("/signaling/server/churn", test_churn);

  return g_test_run ();
}

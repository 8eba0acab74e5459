/* test-message.c: the strict JSON reader, the message field tables, the
 * builders, UUIDs, password hashes and JWT tokens, and a replay of the fuzz
 * corpus. */
#include <string.h>

#include "signaling-test-util.h"
#include "signaling/zero-auth.h"
#include "signaling/zero-json.h"
#include "signaling/zero-message.h"
#include "signaling/zero-uuid.h"

static gboolean
json_ok (const char *text)
{
  ZeroJsonDoc doc;
  gboolean ok;

  zero_json_doc_init (&doc);
  ok = zero_json_parse (&doc, text, strlen (text), NULL);
  zero_json_doc_clear (&doc);
  return ok;
}

/* RFC 8259 exactly, including what json-glib 1.6 wrongly accepts. */
static void
test_json_strict (void)
{
  static const char *const good[] = {
    "{}", "[]", "0", "-0", "1.5e-3", "-12E+4", "\"\"", "true", "false", "null", " \t\r\n{} \n",
    "{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
    "{\"a\":1,\"a\":2}", "123456789012345678901234567890", "{\"\\u0000\":\"\\u0000\"}",
    "\"\xc3\xa9\xf0\x9f\x98\x80\"",
  };
  static const char *const bad[] = {
    "", " ", "{", "}", "{\"a\":1 /* c */}", "{\"a\":1 // c\n}", "{'a':1}", "{a:1}",
    "{\"a\":1,}", "[1,]", "[,1]", "{\"a\":0x10}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":01}",
    "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}",
    "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\\x41\"}",
    "{\"a\":\"\\u12\"}", "{\"a\":\"x\ty\"}", "{\"a\":\"x\ny\"}", "{\"a\":1}{\"b\":2}", "{\"a\":1} x",
    "\xef\xbb\xbf{}", "{\"a\":\"\xc3\x28\"}", "{\"a\":\"\xed\xa0\x80\"}", "[1 2]", "{\"a\" 1}",
    "{\"a\":1 \"b\":2}", "\"unterminated", "nul", "[", "[[[[",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    if (!json_ok (good[i]))
      g_error ("refused valid JSON: %s", good[i]);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    if (json_ok (bad[i]))
      g_error ("accepted invalid JSON: %s", bad[i]);

  /* a NUL byte is never allowed raw */
  {
    ZeroJsonDoc doc;
    zero_json_doc_init (&doc);
    g_assert_false (zero_json_parse (&doc, "{\"a\":\"x\0y\"}", 11, NULL));
    zero_json_doc_clear (&doc);
  }
}

static void
test_json_depth (void)
{
  GString *deep = g_string_new (NULL);
  GString *ok = g_string_new (NULL);

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_assert_false (json_ok (deep->str)); /* no stack overflow: refused by depth */
  for (int i = 0; i < 60; i++)
    g_string_append_c (ok, '[');
  for (int i = 0; i < 60; i++)
    g_string_append_c (ok, ']');
  g_assert_true (json_ok (ok->str));
  g_string_free (deep, TRUE);
  g_string_free (ok, TRUE);
}

static void
test_json_access (void)
{
  const char *text = "{\"s\":\"a\\u00e9\\ud83d\\ude00\\n\",\"\\u006b\":1,\"k\":2,\"big\":9223372036854775808,"
                     "\"min\":-9223372036854775808,\"f\":1.5,\"z\":\"x\\u0000y\"}";
  ZeroJsonDoc doc;
  const ZeroJsonNode *root, *n;
  g_autofree char *s = NULL;
  gint64 v;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o;

  zero_json_doc_init (&doc);
  g_assert_true (zero_json_parse (&doc, text, strlen (text), NULL));
  root = zero_json_root (&doc);
  g_assert_cmpuint (root->kind, ==, ZERO_JSON_OBJECT);
  g_assert_cmpuint (root->n_children, ==, 7);

  s = zero_json_string_dup (&doc, zero_json_object_get (&doc, root, "s"));
  g_assert_cmpstr (s, ==, "a\xc3\xa9\xf0\x9f\x98\x80\n");
  g_assert_true (zero_json_string_equal (&doc, zero_json_object_get (&doc, root, "s"),
                                         "a\xc3\xa9\xf0\x9f\x98\x80\n"));
  /* duplicate keys: the last wins, escaped names compare decoded */
  n = zero_json_object_get (&doc, root, "k");
  g_assert_true (zero_json_get_int (&doc, n, &v));
  g_assert_cmpint (v, ==, 2);
  g_assert_false (zero_json_get_int (&doc, zero_json_object_get (&doc, root, "big"), &v));
  g_assert_true (zero_json_get_int (&doc, zero_json_object_get (&doc, root, "min"), &v));
  g_assert_cmpint (v, ==, G_MININT64);
  g_assert_false (zero_json_get_int (&doc, zero_json_object_get (&doc, root, "f"), &v));
  g_assert_null (zero_json_object_get (&doc, root, "missing"));

  node = zero_json_to_json_node (&doc, root);
  o = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (o, "k"), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (o, "big"), ==, 9223372036854775808.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "f"), ==, 1.5);
  g_assert_cmpstr (json_object_get_string_member (o, "z"), ==, "x\xef\xbf\xbdy");
  zero_json_doc_clear (&doc);
}

static void
test_json_append_string (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  ZeroJsonDoc doc;
  g_autofree char *back = NULL;
  const char *nasty = "q\"b\\s/\x01\x1f\n\r\t\b\f\xc3\xa9";

  zero_json_append_string (out, nasty, -1);
  zero_json_doc_init (&doc);
  g_assert_true (zero_json_parse (&doc, out->str, out->len, NULL));
  back = zero_json_string_dup (&doc, zero_json_root (&doc));
  g_assert_cmpstr (back, ==, nasty);
  zero_json_doc_clear (&doc);
}

static void
test_error_codes (void)
{
  static const char *const codes[] = {
    "bad-message", "unknown-type", "not-joined", "already-joined", "no-such-session",
    "no-such-peer", "session-full", "auth-failed", "rate-limited", "too-large",
  };

  g_assert_cmpuint (G_N_ELEMENTS (codes), ==, ZERO_PROTOCOL_ERROR_N_CODES);
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      ZeroProtocolError code = 99;
      g_assert_true (zero_protocol_error_from_string (codes[i], &code));
      g_assert_cmpint (code, ==, i);
      g_assert_cmpstr (zero_protocol_error_to_string (code), ==, codes[i]);
    }
  g_assert_false (zero_protocol_error_from_string ("nope", NULL));
  g_assert_false (zero_protocol_error_from_string (NULL, NULL));
}

typedef struct
{
  const char *text;
  ZeroMessageDirection dir;
  ZeroMessageType type; /* ZERO_MESSAGE_INVALID: refused */
  int code;             /* when refused */
  const char *ref;      /* expected ref, NULL for none */
} Case;

#define UUID "0b5c2a7e-3f1d-4c2b-9a8e-6d5f4e3c2b1a"
#define TS ZERO_MESSAGE_TO_SERVER
#define TC ZERO_MESSAGE_TO_CLIENT
#define BAD ZERO_PROTOCOL_ERROR_BAD_MESSAGE
#define UNKNOWN ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE

static const Case cases[] = {
  /* client -> server, valid */
  { "{\"type\":\"join\",\"session\":\"" UUID "\",\"name\":\"A\"}", TS, ZERO_MESSAGE_JOIN },
  { "{\"type\":\"join\",\"session\":\"" UUID "\",\"name\":\"A\",\"role\":\"viewer\",\"create\":true,"
    "\"password\":\"p\",\"token\":\"t\",\"extra\":[1]}", TS, ZERO_MESSAGE_JOIN },
  { "{\"type\":\"join\",\"session\":\"" UUID "\",\"name\":\"A\",\"role\":null,\"create\":null,"
    "\"password\":null,\"token\":null}", TS, ZERO_MESSAGE_JOIN },
  { "{\"type\":\"leave\"}", TS, ZERO_MESSAGE_LEAVE },
  { "{\"type\":\"offer\",\"to\":\"p1\",\"sdp\":\"v=0\"}", TS, ZERO_MESSAGE_OFFER },
  { "{\"type\":\"answer\",\"to\":\"p1\",\"sdp\":\"\"}", TS, ZERO_MESSAGE_ANSWER },
  { "{\"type\":\"ice\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":0}}", TS,
    ZERO_MESSAGE_ICE },
  { "{\"type\":\"ice\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"\",\"sdpMid\":\"audio\","
    "\"sdpMLineIndex\":null,\"usernameFragment\":\"u\"}}", TS, ZERO_MESSAGE_ICE },
  { "{\"type\":\"request-offer\",\"to\":\"p1\"}", TS, ZERO_MESSAGE_REQUEST_OFFER },
  { "{\"type\":\"broadcast\",\"data\":{\"any\":[true]}}", TS, ZERO_MESSAGE_BROADCAST },
  { "{\"type\":\"broadcast\",\"data\":null}", TS, ZERO_MESSAGE_BROADCAST },
  { "{\"type\":\"ping\"}", TS, ZERO_MESSAGE_PING },
  { "{\"type\":\"ping\",\"id\":{\"x\":1}}", TS, ZERO_MESSAGE_PING },
  /* client -> server, refused */
  { "{\"type\":\"welcome\"}", TS, 0, UNKNOWN, "welcome" },
  { "{\"type\":\"pong\"}", TS, 0, UNKNOWN, "pong" },
  { "{\"type\":\"Join\"}", TS, 0, UNKNOWN, "Join" },
  { "{\"type\":\"\"}", TS, 0, UNKNOWN, "" },
  { "{\"type\":1}", TS, 0, BAD, NULL },
  { "{\"typ\":\"join\"}", TS, 0, BAD, NULL },
  { "[{\"type\":\"leave\"}]", TS, 0, BAD, NULL },
  { "{\"type\":\"leave\"", TS, 0, BAD, NULL },
  { "{\"type\":\"join\",\"session\":\"" UUID "\"}", TS, 0, BAD, "join" },
  { "{\"type\":\"join\",\"session\":\"0B5C2A7E-3F1D-4C2B-9A8E-6D5F4E3C2B1A\",\"name\":\"A\"}", TS, 0,
    BAD, "join" },
  { "{\"type\":\"join\",\"session\":\"0b5c2a7e3f1d4c2b9a8e6d5f4e3c2b1a\",\"name\":\"A\"}", TS, 0, BAD,
    "join" },
  { "{\"type\":\"join\",\"session\":\"" UUID "\",\"name\":\"\"}", TS, 0, BAD, "join" },
  { "{\"type\":\"join\",\"session\":\"" UUID "\",\"name\":\"a\\u0000b\"}", TS, 0, BAD, "join" },
  { "{\"type\":\"join\",\"session\":\"" UUID "\",\"name\":\"A\",\"role\":\"host\"}", TS, 0, BAD,
    "join" },
  { "{\"type\":\"join\",\"session\":\"" UUID "\",\"name\":\"A\",\"create\":1}", TS, 0, BAD, "join" },
  { "{\"type\":\"join\",\"session\":\"" UUID "\",\"name\":\"A\",\"password\":5}", TS, 0, BAD,
    "join" },
  { "{\"type\":\"offer\",\"to\":\"p1\",\"sdp\":null}", TS, 0, BAD, "offer" },
  { "{\"type\":\"offer\",\"sdp\":\"v=0\"}", TS, 0, BAD, "offer" },
  { "{\"type\":\"ice\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"\"}}", TS, 0, BAD,
    "ice" },
  { "{\"type\":\"ice\",\"to\":\"p1\",\"candidate\":{\"sdpMid\":\"0\"}}", TS, 0, BAD, "ice" },
  { "{\"type\":\"ice\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":70000}}", TS,
    0, BAD, "ice" },
  { "{\"type\":\"ice\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":1e0}}", TS,
    0, BAD, "ice" },
  { "{\"type\":\"ice\",\"to\":\"p1\"}", TS, 0, BAD, "ice" },
  { "{\"type\":\"broadcast\"}", TS, 0, BAD, "broadcast" },
  /* server -> client, valid */
  { "{\"type\":\"welcome\",\"session\":\"" UUID "\",\"peer_id\":\"p1\",\"peers\":[{\"peer_id\":\"p0\","
    "\"name\":\"A\",\"role\":\"viewer\"}],\"ice_servers\":[{\"urls\":[\"stun:s\"]},{\"urls\":"
    "[\"turn:t\"],\"username\":\"u\",\"credential\":\"c\"}]}", TC, ZERO_MESSAGE_WELCOME },
  { "{\"type\":\"peer-joined\",\"peer_id\":\"p\",\"name\":\"N\",\"role\":\"participant\"}", TC,
    ZERO_MESSAGE_PEER_JOINED },
  { "{\"type\":\"peer-left\",\"peer_id\":\"p\",\"reason\":\"timeout\"}", TC, ZERO_MESSAGE_PEER_LEFT },
  { "{\"type\":\"offer\",\"from\":\"p\",\"sdp\":\"v=0\"}", TC, ZERO_MESSAGE_OFFER },
  { "{\"type\":\"answer\",\"from\":\"p\",\"to\":\"q\",\"sdp\":\"v=0\"}", TC, ZERO_MESSAGE_ANSWER },
  { "{\"type\":\"ice\",\"from\":\"p\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"0\"}}", TC,
    ZERO_MESSAGE_ICE },
  { "{\"type\":\"request-offer\",\"from\":\"p\"}", TC, ZERO_MESSAGE_REQUEST_OFFER },
  { "{\"type\":\"broadcast\",\"from\":\"p\",\"data\":7}", TC, ZERO_MESSAGE_BROADCAST },
  { "{\"type\":\"pong\",\"id\":3}", TC, ZERO_MESSAGE_PONG },
  { "{\"type\":\"error\",\"code\":\"no-such-peer\",\"message\":\"m\",\"ref\":\"offer\"}", TC,
    ZERO_MESSAGE_ERROR },
  { "{\"type\":\"error\",\"code\":\"future-code\",\"message\":\"m\"}", TC, ZERO_MESSAGE_ERROR },
  /* server -> client, refused */
  { "{\"type\":\"join\"}", TC, 0, UNKNOWN, "join" },
  { "{\"type\":\"welcome\",\"session\":\"" UUID "\",\"peer_id\":\"p1\",\"peers\":[{\"peer_id\":\"p0\"}],"
    "\"ice_servers\":[]}", TC, 0, BAD, "welcome" },
  { "{\"type\":\"welcome\",\"session\":\"" UUID "\",\"peer_id\":\"p1\",\"peers\":[],\"ice_servers\":"
    "[{\"urls\":[]}, {\"urls\":[\"\"]}]}", TC, 0, BAD, "welcome" },
  { "{\"type\":\"peer-left\",\"peer_id\":\"p\",\"reason\":\"bored\"}", TC, 0, BAD, "peer-left" },
  { "{\"type\":\"offer\",\"sdp\":\"v=0\"}", TC, 0, BAD, "offer" },
  { "{\"type\":\"error\",\"message\":\"m\"}", TC, 0, BAD, "error" },
};

static void
test_parse_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *ref = NULL;
      g_autoptr (JsonObject) msg = NULL;
      ZeroMessageType type = 42;

      msg = zero_message_parse (c->text, -1, c->dir, &type, &ref, &error);
      if (c->type != ZERO_MESSAGE_INVALID)
        {
          if (msg == NULL)
            g_error ("case %u refused: %s\n  %s", i, error->message, c->text);
          g_assert_cmpint (type, ==, c->type);
          g_assert_cmpstr (json_object_get_string_member (msg, "type"), ==,
                           zero_message_type_to_string (c->type));
        }
      else
        {
          if (msg != NULL)
            g_error ("case %u accepted: %s", i, c->text);
          g_assert_cmpint (type, ==, ZERO_MESSAGE_INVALID);
          g_assert_error (error, ZERO_PROTOCOL_ERROR, c->code);
          g_assert_cmpstr (ref, ==, c->ref);
          g_assert_cmpuint (strlen (error->message), >, 5);
        }
    }
}

static void
test_unknown_fields_kept (void)
{
  g_autoptr (JsonObject) msg = NULL;

  msg = zero_message_parse ("{\"type\":\"offer\",\"to\":\"p\",\"sdp\":\"s\",\"x\":{\"y\":[1,\"z\"]}}", -1,
                            TS, NULL, NULL, NULL);
  g_assert_nonnull (msg);
  g_assert_true (json_object_has_member (msg, "x"));
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (json_object_get_object_member (msg, "x"), "y"),
                     1), ==, "z");
}

static void
expect_parses (char *text, ZeroMessageDirection dir, ZeroMessageType type, JsonObject **out)
{
  g_autoptr (GError) error = NULL;
  ZeroMessageType got;
  JsonObject *msg = zero_message_parse (text, -1, dir, &got, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (got, ==, type);
  if (out)
    *out = msg;
  else
    json_object_unref (msg);
  g_free (text);
}

/* Every builder's output passes the validator of its direction. */
static void
test_builders (void)
{
  JsonObject *m = NULL;
  ZeroMessagePeer peers[] = { { "p0", "Zoë \"Q\"", ZERO_ROLE_VIEWER }, { "p1", "B", 0 } };
  g_autoptr (JsonNode) data = json_from_string ("{\"a\":[1,2]}", NULL);

  expect_parses (zero_message_build_join (UUID, "N", ZERO_ROLE_VIEWER, TRUE, "pw", "tok"), TS,
                 ZERO_MESSAGE_JOIN, &m);
  g_assert_cmpstr (json_object_get_string_member (m, "role"), ==, "viewer");
  g_assert_true (json_object_get_boolean_member (m, "create"));
  g_assert_cmpstr (json_object_get_string_member (m, "password"), ==, "pw");
  json_object_unref (m);
  expect_parses (zero_message_build_join (UUID, "N", 0, FALSE, NULL, NULL), TS, ZERO_MESSAGE_JOIN,
                 NULL);
  expect_parses (zero_message_build_leave (), TS, ZERO_MESSAGE_LEAVE, NULL);
  expect_parses (zero_message_build_offer ("p", "v=0\r\n"), TS, ZERO_MESSAGE_OFFER, &m);
  g_assert_cmpstr (json_object_get_string_member (m, "sdp"), ==, "v=0\r\n");
  json_object_unref (m);
  expect_parses (zero_message_build_answer ("p", "v=0"), TS, ZERO_MESSAGE_ANSWER, NULL);
  expect_parses (zero_message_build_ice ("p", "candidate:1", 0, "0"), TS, ZERO_MESSAGE_ICE, NULL);
  expect_parses (zero_message_build_ice ("p", "", -1, "video"), TS, ZERO_MESSAGE_ICE, &m);
  g_assert_false (json_object_has_member (json_object_get_object_member (m, "candidate"),
                                          "sdpMLineIndex"));
  json_object_unref (m);
  expect_parses (zero_message_build_request_offer ("p"), TS, ZERO_MESSAGE_REQUEST_OFFER, NULL);
  expect_parses (zero_message_build_broadcast (data), TS, ZERO_MESSAGE_BROADCAST, NULL);
  expect_parses (zero_message_build_broadcast (NULL), TS, ZERO_MESSAGE_BROADCAST, NULL);
  expect_parses (zero_message_build_ping (5), TS, ZERO_MESSAGE_PING, NULL);
  expect_parses (zero_message_build_ping (-1), TS, ZERO_MESSAGE_PING, NULL);

  expect_parses (zero_message_build_welcome (UUID, "p2", peers, 2,
                                             "[{\"urls\":[\"stun:x\"],\"username\":\"u\"}]"),
                 TC, ZERO_MESSAGE_WELCOME, &m);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (m, "peers"), 0),
                     "name"), ==, "Zoë \"Q\"");
  json_object_unref (m);
  expect_parses (zero_message_build_welcome (UUID, "p2", NULL, 0, NULL), TC, ZERO_MESSAGE_WELCOME,
                 NULL);
  expect_parses (zero_message_build_peer_joined ("p", "N", ZERO_ROLE_PARTICIPANT), TC,
                 ZERO_MESSAGE_PEER_JOINED, NULL);
  expect_parses (zero_message_build_peer_left ("p", ZERO_LEAVE_REASON_TIMEOUT), TC,
                 ZERO_MESSAGE_PEER_LEFT, &m);
  g_assert_cmpstr (json_object_get_string_member (m, "reason"), ==, "timeout");
  json_object_unref (m);
  expect_parses (zero_message_build_pong ("\"x\""), TC, ZERO_MESSAGE_PONG, NULL);
  expect_parses (zero_message_build_pong (NULL), TC, ZERO_MESSAGE_PONG, NULL);
  expect_parses (zero_message_build_error (ZERO_PROTOCOL_ERROR_SESSION_FULL, "full\n", "join"), TC,
                 ZERO_MESSAGE_ERROR, &m);
  g_assert_cmpstr (json_object_get_string_member (m, "code"), ==, "session-full");
  g_assert_cmpstr (json_object_get_string_member (m, "ref"), ==, "join");
  json_object_unref (m);
}

static void
test_relay_rewrite (void)
{
  const char *in = "{ \"from\" : \"spoof\", \"type\":\"offer\",\"\\u0066rom\":1,\"to\": \"b\" ,"
                   "\"sdp\":\"s\",\"fromage\":\"kept\",\"x\":[1e400]}";
  ZeroJsonDoc doc;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (JsonObject) msg = NULL;
  guint n_from = 0;

  zero_json_doc_init (&doc);
  g_assert_true (zero_json_parse (&doc, in, strlen (in), NULL));
  g_assert_cmpint (zero_message_validate (&doc, TS, NULL, NULL), ==, ZERO_MESSAGE_OFFER);
  zero_message_append_relay (out, &doc, "real\"id");
  g_assert_true (zero_json_parse (&doc, out->str, out->len, NULL));
  for (const ZeroJsonNode *c = zero_json_first_child (&doc, zero_json_root (&doc)); c;
       c = zero_json_next (&doc, c))
    if (zero_json_key_equal (&doc, c, "from"))
      n_from++;
  g_assert_cmpuint (n_from, ==, 1);
  g_assert_nonnull (strstr (out->str, "\"x\":[1e400]"));
  g_assert_nonnull (strstr (out->str, "\"fromage\":\"kept\""));
  zero_json_doc_clear (&doc);

  msg = zero_message_parse (out->str, (gssize) out->len, TC, NULL, NULL, NULL);
  g_assert_nonnull (msg);
  g_assert_cmpstr (json_object_get_string_member (msg, "from"), ==, "real\"id");
  g_assert_cmpstr (json_object_get_string_member (msg, "to"), ==, "b");
}

static void
test_uuid (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  static const char *const invalid[] = {
    "", "0b5c2a7e-3f1d-4c2b-9a8e-6d5f4e3c2b1", "0b5c2a7e-3f1d-4c2b-9a8e-6d5f4e3c2b1aa",
    "0B5C2A7E-3F1D-4C2B-9A8E-6D5F4E3C2B1A", "0b5c2a7e_3f1d-4c2b-9a8e-6d5f4e3c2b1a",
    "0b5c2a7e-3f1d-4c2b-9a8e-6d5f4e3c2b1g", "{0b5c2a7e-3f1d-4c2b-9a8e-6d5f4e3c2b1}",
  };

  for (int i = 0; i < 2000; i++)
    {
      char *u = zero_uuid_generate ();
      g_assert_true (zero_uuid_is_valid (u));
      g_assert_cmpint (u[14], ==, '4');
      g_assert_nonnull (strchr ("89ab", u[19]));
      g_assert_false (g_hash_table_contains (seen, u));
      g_hash_table_add (seen, u);
    }
  g_assert_true (zero_uuid_is_valid (UUID));
  g_assert_true (zero_uuid_is_valid ("00000000-0000-0000-0000-000000000000"));
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    g_assert_false (zero_uuid_is_valid (invalid[i]));
  g_assert_false (zero_uuid_is_valid (NULL));
}

static void
test_password_hash (void)
{
  g_autoptr (ZeroPasswordHash) a = zero_password_hash_new ("correct horse", 1000);
  g_autoptr (ZeroPasswordHash) b = zero_password_hash_new ("correct horse", 1000);

  g_assert_true (zero_password_hash_verify (a, "correct horse"));
  g_assert_false (zero_password_hash_verify (a, "correct hors"));
  g_assert_false (zero_password_hash_verify (a, "correct horse "));
  g_assert_false (zero_password_hash_verify (a, ""));
  g_assert_false (zero_password_hash_verify (a, NULL));
  /* salted: the same password never hashes the same way twice */
  g_assert_true (memcmp (a, b, sizeof (guint) + 16 + 32) != 0);
}

static gboolean
jwt_ok (const char *token, const char *secret, gint64 now, char **sub, char **session)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = zero_jwt_verify (token, secret, now, sub, session, &error);

  if (!ok)
    g_assert_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_AUTH_FAILED);
  return ok;
}

static void
test_jwt (void)
{
  const char *claims = "{\"sub\":\"Ann\",\"session\":\"*\",\"exp\":1000,\"nbf\":100}";
  g_autofree char *token = zero_jwt_sign (claims, "k");
  g_autofree char *sub = NULL;
  g_autofree char *session = NULL;
  g_autofree char *tampered = NULL;
  g_autofree char *none = zero_jwt_sign_with_header ("{\"alg\":\"none\"}", claims, "k");
  g_autofree char *rs = zero_jwt_sign_with_header ("{\"alg\":\"RS256\"}", claims, "k");
  g_autofree char *lower = zero_jwt_sign_with_header ("{\"alg\":\"hs256\"}", claims, "k");
  g_autofree char *crit = zero_jwt_sign_with_header ("{\"alg\":\"HS256\",\"crit\":[\"x\"]}", claims,
                                                     "k");
  g_autofree char *no_exp = zero_jwt_sign ("{\"sub\":\"A\",\"session\":\"*\"}", "k");
  g_autofree char *str_exp = zero_jwt_sign ("{\"sub\":\"A\",\"session\":\"*\",\"exp\":\"2000\"}", "k");
  g_autofree char *no_sub = zero_jwt_sign ("{\"session\":\"*\",\"exp\":2000}", "k");
  g_autofree char *float_exp = zero_jwt_sign ("{\"sub\":\"A\",\"session\":\"*\",\"exp\":1000.5}", "k");
  g_autofree char *padded = g_strconcat (token, "=", NULL);
  char *dot;

  g_assert_true (jwt_ok (token, "k", 500, &sub, &session));
  g_assert_cmpstr (sub, ==, "Ann");
  g_assert_cmpstr (session, ==, "*");
  g_assert_false (jwt_ok (token, "k", 1000, NULL, NULL)); /* exp is exclusive */
  g_assert_false (jwt_ok (token, "k", 99, NULL, NULL));   /* before nbf */
  g_assert_false (jwt_ok (token, "K", 500, NULL, NULL));
  g_assert_false (jwt_ok (none, "k", 500, NULL, NULL));
  g_assert_false (jwt_ok (rs, "k", 500, NULL, NULL));
  g_assert_false (jwt_ok (lower, "k", 500, NULL, NULL));
  g_assert_false (jwt_ok (crit, "k", 500, NULL, NULL));
  g_assert_false (jwt_ok (no_exp, "k", 500, NULL, NULL));
  g_assert_false (jwt_ok (str_exp, "k", 500, NULL, NULL));
  g_assert_false (jwt_ok (no_sub, "k", 500, NULL, NULL));
  g_assert_true (jwt_ok (float_exp, "k", 1000, NULL, NULL));
  g_assert_false (jwt_ok (padded, "k", 500, NULL, NULL));
  g_assert_false (jwt_ok ("", "k", 500, NULL, NULL));
  g_assert_false (jwt_ok (NULL, "k", 500, NULL, NULL));
  g_assert_false (jwt_ok ("a.b", "k", 500, NULL, NULL));
  g_assert_false (jwt_ok ("a.b.c.d", "k", 500, NULL, NULL));
  g_assert_false (jwt_ok ("+++.///.***", "k", 500, NULL, NULL));

  /* flip one character of the claims: the signature no longer matches */
  tampered = g_strdup (token);
  dot = strchr (tampered, '.');
  dot[3] = dot[3] == 'A' ? 'B' : 'A';
  g_assert_false (jwt_ok (tampered, "k", 500, NULL, NULL));
}

/* Every kept fuzz input (crashes found included) goes through both parsers. */
static void
test_corpus_replay (void)
{
  g_autofree char *dir_path = test_data_path ("corpus");
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *data = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      for (int dir_i = 0; dir_i < 2; dir_i++)
        {
          g_autoptr (JsonObject) msg = zero_message_parse (data, (gssize) len, dir_i, NULL, NULL,
                                                           NULL);
          /* valid-* files are real messages and must stay accepted */
          if (g_str_has_prefix (name, "valid-to-server") && dir_i == 0)
            g_assert_nonnull (msg);
          if (g_str_has_prefix (name, "valid-to-client") && dir_i == 1)
            g_assert_nonnull (msg);
        }
      n++;
    }
  g_assert_cmpuint (n, >=, 20);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signaling/json/strict", test_json_strict);
  g_test_add_func ("/signaling/json/depth", test_json_depth);
  g_test_add_func ("/signaling/json/access", test_json_access);
  g_test_add_func ("/signaling/json/append-string", test_json_append_string);
  g_test_add_func ("/signaling/message/error-codes", test_error_codes);
  g_test_add_func ("/signaling/message/parse-table", test_parse_table);
  g_test_add_func ("/signaling/message/unknown-fields-kept", test_unknown_fields_kept);
  g_test_add_func ("/signaling/message/builders", test_builders);
  g_test_add_func ("/signaling/message/relay-rewrite", test_relay_rewrite);
  g_test_add_func ("/signaling/message/corpus-replay", test_corpus_replay);
  g_test_add_func ("/signaling/uuid/generate-validate", test_uuid);
  g_test_add_func ("/signaling/auth/password-hash", test_password_hash);
  g_test_add_func ("/signaling/auth/jwt", test_jwt);

  return g_test_run ();
}

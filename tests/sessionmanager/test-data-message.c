/* test-data-message.c: the data-channel messages of PROTOCOL.md section 7
 * (webrtc/zero-data-message.c): every type, every refusal, the builders, and the fuzzing
 * corpus (crashes found once stay there as regression inputs).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "webrtc/zero-data-message.h"

#define UUID "8d5ad2f5-52b2-4a4b-9d2a-6c3c4f5d6e7f"

static void
test_chat (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroDataMessage) m = NULL;

  m = zero_data_message_parse ("{\"type\":\"chat\",\"id\":\"" UUID "\",\"text\":\"h\\u00e9llo\","
                               "\"ts\":1700000000123,\"unknown\":{\"x\":[1]}}", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->type, ==, ZERO_DATA_MESSAGE_CHAT);
  g_assert_cmpstr (m->chat_id, ==, UUID);
  g_assert_cmpstr (m->text, ==, "h\xc3\xa9llo");
  g_assert_cmpint (m->ts, ==, G_GINT64_CONSTANT (1700000000123));
}

static void
test_state (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroDataMessage) m = NULL;
  g_autoptr (ZeroDataMessage) h = NULL;

  m = zero_data_message_parse ("{\"type\":\"state\",\"audio\":true,\"video\":false,"
                               "\"screen\":true}", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->type, ==, ZERO_DATA_MESSAGE_STATE);
  g_assert_true (m->state.audio);
  g_assert_false (m->state.video);
  g_assert_true (m->state.screen);
  g_assert_false (m->state.has_hand);

  h = zero_data_message_parse ("{\"type\":\"state\",\"audio\":false,\"video\":false,"
                               "\"screen\":false,\"hand\":true}", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (h->state.has_hand);
  g_assert_true (h->state.hand);
}

static void
test_request_response (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroDataMessage) req = NULL;
  g_autoptr (ZeroDataMessage) plain = NULL;
  g_autoptr (ZeroDataMessage) resp = NULL;
  g_autoptr (ZeroDataMessage) bare = NULL;
  gint64 id = 0;

  req = zero_data_message_parse ("{\"type\":\"request\",\"id\":42,\"method\":\"POST\","
                                 "\"path\":\"/x\",\"body\":{\"a\":[1,null]}}", -1, &id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (req->type, ==, ZERO_DATA_MESSAGE_REQUEST);
  g_assert_cmpint (req->request_id, ==, 42);
  g_assert_cmpstr (req->method, ==, "POST");
  g_assert_cmpstr (req->path, ==, "/x");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (req->body));

  plain = zero_data_message_parse ("{\"type\":\"request\",\"id\":-3,\"method\":\"GET\","
                                   "\"path\":\"/info\"}", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (plain->body);
  g_assert_cmpint (plain->request_id, ==, -3);

  resp = zero_data_message_parse ("{\"type\":\"response\",\"id\":42,\"status\":200,"
                                  "\"body\":{\"status\":\"ok\"}}", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (resp->type, ==, ZERO_DATA_MESSAGE_RESPONSE);
  g_assert_cmpint (resp->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (resp->body), "status"),
                   ==, "ok");

  /* A browser may leave the body out: it reads as null. */
  bare = zero_data_message_parse ("{\"type\":\"response\",\"id\":1,\"status\":404}", -1, NULL,
                                  &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_NULL (bare->body));
}

static void
test_refusals (void)
{
  static const struct {
    const char *text;
    int code; /* ZeroProtocolError */
    const char *message_part;
    gint64 request_id; /* -1: none usable */
  } cases[] = {
    { "", ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "not JSON", -1 },
    { "{\"type\":\"chat\",}", ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "not JSON", -1 },
    { "{'type':'chat'}", ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "not JSON", -1 },
    { "{\"type\":\"state\"} x", ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "not JSON", -1 },
    { "[1]", ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "an array", -1 },
    { "{}", ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'type' is missing", -1 },
    { "{\"type\":1}", ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'type' must be a string", -1 },
    { "{\"type\":\"dance\"}", ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE, "dance", -1 },
    { "{\"type\":\"chat\",\"id\":\"" UUID "\",\"ts\":1}", ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
      "'text' is missing", -1 },
    { "{\"type\":\"chat\",\"id\":\"nope\",\"text\":\"x\",\"ts\":1}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'id' must be a lower-case UUID", -1 },
    { "{\"type\":\"chat\",\"id\":\"" UUID "\",\"text\":\"\",\"ts\":1}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'text' must be 1 to 4096", -1 },
    { "{\"type\":\"chat\",\"id\":\"" UUID "\",\"text\":\"a\\u0000b\",\"ts\":1}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "U+0000", -1 },
    { "{\"type\":\"chat\",\"id\":\"" UUID "\",\"text\":\"x\",\"ts\":-1}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'ts'", -1 },
    { "{\"type\":\"chat\",\"id\":\"" UUID "\",\"text\":\"x\",\"ts\":1.5}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'ts' must be an integer", -1 },
    { "{\"type\":\"chat\",\"id\":\"" UUID "\",\"text\":7,\"ts\":1}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'text' must be a string, not a number", -1 },
    { "{\"type\":\"state\",\"audio\":true,\"video\":true}", ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
      "'screen' is missing", -1 },
    { "{\"type\":\"state\",\"audio\":1,\"video\":true,\"screen\":false}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'audio' must be a boolean", -1 },
    { "{\"type\":\"state\",\"audio\":true,\"video\":true,\"screen\":false,\"hand\":\"yes\"}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'hand' must be a boolean", -1 },
    { "{\"type\":\"request\",\"id\":7,\"method\":\"GET\"}", ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
      "'path' is missing", 7 },
    { "{\"type\":\"request\",\"id\":8,\"method\":\"DELETE\",\"path\":\"/info\"}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'method' must be", 8 },
    { "{\"type\":\"request\",\"id\":9,\"method\":\"GET\",\"path\":\"info\"}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'path' must start with '/'", 9 },
    { "{\"type\":\"request\",\"id\":10,\"method\":\"GET\",\"path\":\"/a\\nb\"}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "control characters", 10 },
    { "{\"type\":\"request\",\"id\":\"1\",\"method\":\"GET\",\"path\":\"/info\"}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'id' must be an integer", -1 },
    { "{\"type\":\"request\",\"id\":9007199254740992,\"method\":\"GET\",\"path\":\"/info\"}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "53 bits", -1 },
    { "{\"type\":\"response\",\"id\":1,\"status\":99,\"body\":null}",
      ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "'status' must be an HTTP status", -1 },
    { "{\"type\":\"response\",\"status\":200,\"body\":null}", ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
      "'id' is missing", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ZeroDataMessage) m = NULL;
      gint64 id = 12345;

      m = zero_data_message_parse (cases[i].text, -1, &id, &error);
      if (m != NULL)
        g_error ("accepted: %s", cases[i].text);
      g_assert_error (error, ZERO_PROTOCOL_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message_part) == NULL)
        g_error ("%s: message \"%s\" lacks \"%s\"", cases[i].text, error->message,
                 cases[i].message_part);
      g_assert_cmpint (id, ==, cases[i].request_id);
    }

  /* Too large to look at. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *big = g_strnfill (ZERO_DATA_MAX_MESSAGE + 1, ' ');

    g_assert_null (zero_data_message_parse (big, -1, NULL, &error));
    g_assert_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE);
  }
}

static void
test_chat_length (void)
{
  /* 4096 characters (not bytes) is the limit. */
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < 4096; i++)
    g_string_append (text, "\xc3\xa9");
  {
    g_autofree char *json = zero_data_message_build_chat (UUID, text->str, 1);
    g_autoptr (ZeroDataMessage) m = zero_data_message_parse (json, -1, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_utf8_strlen (m->text, -1), ==, 4096);
  }
  g_assert_true (zero_data_check_chat_text (text->str, NULL));
  g_string_append (text, "x");
  g_assert_false (zero_data_check_chat_text (text->str, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (zero_data_check_chat_text ("", &error));
  g_clear_error (&error);
  g_assert_false (zero_data_check_chat_text ("\xff", &error));
}

static void
test_builders_round_trip (void)
{
  const char *tricky = "quote \" backslash \\ newline \n tab \t emoji \xf0\x9f\x98\x80";
  ZeroDataState state = { TRUE, FALSE, TRUE, TRUE, TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = json_from_string ("{\"k\":[1,2,{\"z\":null}]}", NULL);
  g_autofree char *chat = zero_data_message_build_chat (UUID, tricky, 99);
  g_autofree char *st = zero_data_message_build_state (&state);
  g_autofree char *req = zero_data_message_build_request (5, "GET", "/stats", NULL);
  g_autofree char *resp = zero_data_message_build_response (5, 200, body);
  g_autofree char *resp_null = zero_data_message_build_response (6, 404, NULL);
  g_autoptr (ZeroDataMessage) m1 = zero_data_message_parse (chat, -1, NULL, &error);
  g_autoptr (ZeroDataMessage) m2 = zero_data_message_parse (st, -1, NULL, &error);
  g_autoptr (ZeroDataMessage) m3 = zero_data_message_parse (req, -1, NULL, &error);
  g_autoptr (ZeroDataMessage) m4 = zero_data_message_parse (resp, -1, NULL, &error);
  g_autoptr (ZeroDataMessage) m5 = zero_data_message_parse (resp_null, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (m1->text, ==, tricky);
  g_assert_cmpint (m1->ts, ==, 99);
  g_assert_true (m2->state.audio && !m2->state.video && m2->state.screen && m2->state.hand);
  g_assert_cmpstr (m3->path, ==, "/stats");
  g_assert_null (m3->body);
  g_assert_true (json_node_equal (m4->body, body));
  g_assert_true (JSON_NODE_HOLDS_NULL (m5->body));
  g_assert_cmpint (m5->status, ==, 404);
}

/* Every input of the fuzzing corpus: parsed without crashing; "invalid-*" refused. */
static void
test_corpus_replay (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("ZERO_SOURCE_DIR"), "tests", "sessionmanager",
                                           "corpus-datachannel", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_autoptr (GError) error = NULL;
      g_autoptr (ZeroDataMessage) m = NULL;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      m = zero_data_message_parse (data, (gssize) len, NULL, &error);
      g_assert_true ((m == NULL) == (error != NULL));
      if (g_str_has_prefix (name, "invalid-") || g_str_has_prefix (name, "unknown-"))
        g_assert_null (m);
      else if (!g_str_has_prefix (name, "crash-"))
        {
          if (m == NULL)
            g_error ("%s refused: %s", name, error->message);
        }
      n++;
    }
  g_assert_cmpuint (n, >=, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/datachannel/message/chat", test_chat);
  g_test_add_func ("/datachannel/message/state", test_state);
  g_test_add_func ("/datachannel/message/request-response", test_request_response);
  g_test_add_func ("/datachannel/message/refusals", test_refusals);
  g_test_add_func ("/datachannel/message/chat-length", test_chat_length);
  g_test_add_func ("/datachannel/message/builders", test_builders_round_trip);
  g_test_add_func ("/datachannel/message/corpus-replay", test_corpus_replay);
  return g_test_run ();
}

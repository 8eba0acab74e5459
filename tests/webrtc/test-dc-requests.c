/* test-dc-requests.c: the requests of PROTOCOL.md section 7 as the mesh's data channels and
 * the SFU's relay both handle them (webrtc/zero-dc-requests.h), without a connection: our
 * answers (200, 404, 405, 500, 400), and a request table fed by a recording send function
 * (ids, matching responses by peer, timeouts, cancellation, failing one peer's requests,
 * a request passed on through another task).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "zero-test-util.h"
#include "webrtc/zero-dc-requests.h"
#include "zero-build-config.h"

/* --- answering ----------------------------------------------------------- */

static ZeroPeerStats *
stats_with_rtt (gpointer user_data)
{
  ZeroPeerStats *stats = zero_peer_stats_new ();

  stats->rtt_ms = *(double *) user_data;
  return stats;
}

static ZeroPeerStats *
no_stats (gpointer user_data)
{
  return NULL;
}

static JsonObject *
respond (const ZeroDcResponder *responder,
         const char            *method,
         const char            *path,
         int                    expected_status)
{
  g_autoptr (JsonNode) body = NULL;
  int status = 0;

  body = zero_dc_respond (responder, method, path, &status);
  g_assert_cmpint (status, ==, expected_status);
  g_assert_nonnull (body);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (body));
  return json_object_ref (json_node_get_object (body));
}

static void
test_respond (void)
{
  const char *const caps[] = { "sfu", "audio", NULL };
  double rtt = 42;
  ZeroDcResponder responder = { "Alice", caps, stats_with_rtt, &rtt };
  ZeroDcResponder anonymous = { NULL, NULL, no_stats, NULL };
  g_autoptr (JsonObject) info = NULL;
  g_autoptr (JsonObject) bare = NULL;
  g_autoptr (JsonObject) health = NULL;
  g_autoptr (JsonObject) stats = NULL;
  g_autoptr (JsonObject) missing = NULL;
  g_autoptr (JsonObject) post = NULL;
  g_autoptr (JsonObject) broken = NULL;
  JsonArray *list;
  const char *const want[] = { "chat", "state", "request", "sfu", "audio" };

  info = respond (&responder, "GET", "/info", 200);
  g_assert_cmpstr (json_object_get_string_member (info, "name"), ==, "Alice");
  g_assert_cmpstr (json_object_get_string_member (info, "app"), ==, "zero");
  g_assert_cmpstr (json_object_get_string_member (info, "version"), ==, ZERO_VERSION);
  g_assert_cmpint (json_object_get_int_member (info, "protocol"), ==, 1);
  list = json_object_get_array_member (info, "capabilities");
  g_assert_cmpuint (json_array_get_length (list), ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (json_array_get_string_element (list, i), ==, want[i]);

  bare = respond (&anonymous, "GET", "/info", 200);
  g_assert_cmpstr (json_object_get_string_member (bare, "name"), ==, "");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (bare, "capabilities")),
                    ==, 3);

  health = respond (&responder, "GET", "/health", 200);
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");

  stats = respond (&responder, "GET", "/stats", 200);
  g_assert_cmpfloat (json_object_get_double_member (stats, "rtt_ms"), ==, 42);
  for (guint i = 0; i < 4; i++)
    {
      const char *keys[] = { "send_kbps", "recv_kbps", "packets_lost", "fps_in" };

      g_assert_true (json_object_has_member (stats, keys[i]));
    }
  g_assert_nonnull (json_object_get_array_member (stats, "codecs"));

  missing = respond (&responder, "GET", "/nope", 404);
  g_assert_cmpstr (json_object_get_string_member (missing, "error"), ==, "no such path: /nope");
  post = respond (&responder, "POST", "/info", 405);
  g_assert_cmpstr (json_object_get_string_member (post, "error"), ==, "/info only answers GET");
  broken = respond (&anonymous, "GET", "/stats", 500);
  g_assert_cmpstr (json_object_get_string_member (broken, "error"), ==,
                   "statistics unavailable");
}

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroDataMessage) msg = NULL;
  g_autoptr (ZeroDataMessage) reply_msg = NULL;
  g_autofree char *reply = NULL;

  /* A valid one: no reply. */
  msg = zero_dc_parse ("{\"type\":\"request\",\"id\":5,\"method\":\"GET\",\"path\":\"/info\"}",
                       &reply, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);
  g_assert_null (reply);
  g_clear_pointer (&msg, zero_data_message_free);

  /* A request with an id but no path: refused, and a 400 naming the problem. */
  msg = zero_dc_parse ("{\"type\":\"request\",\"id\":77,\"method\":\"GET\"}", &reply, &error);
  g_assert_null (msg);
  g_assert_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE);
  g_assert_nonnull (reply);
  reply_msg = zero_dc_parse (reply, NULL, NULL);
  g_assert_nonnull (reply_msg);
  g_assert_cmpint (reply_msg->type, ==, ZERO_DATA_MESSAGE_RESPONSE);
  g_assert_cmpint (reply_msg->request_id, ==, 77);
  g_assert_cmpint (reply_msg->status, ==, 400);
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (reply_msg->body),
                                                           "error"),
                            "path"));
  g_clear_pointer (&reply, g_free);
  g_clear_error (&error);

  /* No usable id, or not a request at all: refused without a reply. */
  g_assert_null (zero_dc_parse ("{\"type\":\"request\",\"id\":\"x\",\"method\":\"GET\"}", &reply,
                                &error));
  g_assert_null (reply);
  g_clear_error (&error);
  g_assert_null (zero_dc_parse ("{\"type\":\"future\",\"id\":3}", &reply, &error));
  g_assert_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE);
  g_assert_null (reply);
}

/* --- asking -------------------------------------------------------------- */

typedef struct {
  GPtrArray *sent;    /* "peer text" of every message sent */
  gboolean refuse;    /* the send function fails */
} Wire;

static gboolean
record_send (const char *peer_id,
             const char *text,
             gpointer    user_data,
             GError    **error)
{
  Wire *wire = user_data;

  if (wire->refuse)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "not open to %s", peer_id);
      return FALSE;
    }
  g_ptr_array_add (wire->sent, g_strdup_printf ("%s %s", peer_id, text));
  return TRUE;
}

/* What one request ended with. */
typedef struct {
  gboolean done;
  JsonNode *body;
  int status;
  GError *error;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_pointer (&o->body, json_node_unref);
  g_clear_error (&o->error);
  o->done = FALSE;
  o->status = 0;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Outcome *o = user_data;

  g_assert_false (o->done);
  o->body = zero_dc_task_propagate_response (G_TASK (result), &o->status, &o->error);
  o->done = TRUE;
}

static GTask *
new_task (GCancellable *cancellable,
          Outcome      *o)
{
  return g_task_new (NULL, cancellable, on_done, o);
}

static ZeroDataMessage *
response (gint64      id,
          int         status,
          const char *body)
{
  g_autofree char *text =
    g_strdup_printf ("{\"type\":\"response\",\"id\":%" G_GINT64_FORMAT ",\"status\":%d,"
                     "\"body\":%s}", id, status, body);

  return zero_dc_parse (text, NULL, NULL);
}

static void
test_requests (void)
{
  Wire wire = { g_ptr_array_new_with_free_func (g_free), FALSE };
  g_autoptr (ZeroDcRequests) requests = zero_dc_requests_new (5000, record_send, &wire);
  g_autoptr (JsonNode) list = json_from_string ("[1]", NULL);
  g_autoptr (ZeroDataMessage) answer = NULL;
  g_autoptr (ZeroDataMessage) stray = NULL;
  g_autoptr (ZeroDataMessage) late = NULL;
  Outcome a = { 0 }, b = { 0 };
  gpointer data = NULL;

  /* Numbered from 1, to the peer asked, with the body. */
  zero_dc_requests_send (requests, "bob", "GET", "/info", NULL, 0, new_task (NULL, &a), NULL);
  zero_dc_requests_send (requests, "carol", "POST", "/x", list, 0, new_task (NULL, &b),
                         GINT_TO_POINTER (7));
  g_assert_cmpuint (wire.sent->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (wire.sent, 0), ==,
                   "bob {\"type\":\"request\",\"id\":1,\"method\":\"GET\",\"path\":\"/info\"}");
  g_assert_nonnull (strstr (g_ptr_array_index (wire.sent, 1), "carol "));
  g_assert_nonnull (strstr (g_ptr_array_index (wire.sent, 1), "\"id\":2"));
  g_assert_nonnull (strstr (g_ptr_array_index (wire.sent, 1), "\"body\":[1]"));

  /* Carol's id from Bob answers nothing; Carol's own completes hers with its status. */
  stray = response (2, 200, "{}");
  g_assert_false (zero_dc_requests_complete (requests, "bob", stray, NULL));
  answer = response (2, 201, "{\"ok\":true}");
  g_assert_true (zero_dc_requests_complete (requests, "carol", answer, &data));
  g_assert_true (data == GINT_TO_POINTER (7));
  ZERO_ASSERT_WAIT (b.done, 1000);
  g_assert_no_error (b.error);
  g_assert_cmpint (b.status, ==, 201);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (b.body), "ok"));
  /* Answered once only. */
  g_assert_false (zero_dc_requests_complete (requests, "carol", answer, NULL));
  g_assert_false (a.done);

  /* Bob's fails when his requests are failed; then his late answer is nothing. */
  {
    g_autoptr (GError) gone = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "gone");

    zero_dc_requests_fail (requests, "bob", gone);
  }
  ZERO_ASSERT_WAIT (a.done, 1000);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_null (a.body);
  g_assert_cmpint (a.status, ==, 0);
  late = response (1, 200, "{}");
  g_assert_false (zero_dc_requests_complete (requests, "bob", late, NULL));
  outcome_clear (&a);

  /* A send that fails fails the request at once, with the send's error. */
  wire.refuse = TRUE;
  zero_dc_requests_send (requests, "bob", "GET", "/health", NULL, 0, new_task (NULL, &a), NULL);
  ZERO_ASSERT_WAIT (a.done, 1000);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  outcome_clear (&a);

  outcome_clear (&b);
  g_ptr_array_unref (wire.sent);
}

static gpointer
cancel_in_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_timeout_and_cancel (void)
{
  Wire wire = { g_ptr_array_new_with_free_func (g_free), FALSE };
  g_autoptr (ZeroDcRequests) requests = zero_dc_requests_new (100, record_send, &wire);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GCancellable) early = g_cancellable_new ();
  g_autoptr (ZeroDataMessage) late = NULL;
  Outcome a = { 0 }, b = { 0 }, c = { 0 };
  gint64 start = g_get_monotonic_time ();

  /* The default timeout, and one of its own. */
  zero_dc_requests_send (requests, "bob", "GET", "/info", NULL, 0, new_task (NULL, &a), NULL);
  zero_dc_requests_send (requests, "bob", "GET", "/stats", NULL, 60000,
                         new_task (cancellable, &b), NULL);
  ZERO_ASSERT_WAIT (a.done, 5000);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (a.error->message, "bob"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);
  late = response (1, 200, "{}");
  g_assert_false (zero_dc_requests_complete (requests, "bob", late, NULL));
  g_assert_false (b.done);

  /* Cancelled from another thread: finishes on ours. */
  g_thread_join (g_thread_new ("cancel", cancel_in_thread, cancellable));
  ZERO_ASSERT_WAIT (b.done, 5000);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Cancelled before it went: never sent. */
  g_cancellable_cancel (early);
  zero_dc_requests_send (requests, "bob", "GET", "/info", NULL, 0, new_task (early, &c), NULL);
  ZERO_ASSERT_WAIT (c.done, 1000);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (wire.sent->len, ==, 2);

  /* Requests nobody waits for time out quietly. */
  zero_dc_requests_send (requests, "bob", "GET", "/info", NULL, 0, NULL, NULL);
  g_assert_cmpuint (wire.sent->len, ==, 3);
  ZERO_WAIT_UNTIL (FALSE, 300);

  outcome_clear (&a);
  outcome_clear (&b);
  outcome_clear (&c);
  g_ptr_array_unref (wire.sent);
}

/* An API that passes a request on: its own task completes with the inner outcome. */
static void
test_pass_on (void)
{
  Wire wire = { g_ptr_array_new_with_free_func (g_free), FALSE };
  g_autoptr (ZeroDcRequests) requests = zero_dc_requests_new (5000, record_send, &wire);
  g_autoptr (ZeroDataMessage) answer = NULL;
  Outcome outer = { 0 };
  GTask *inner;

  inner = g_task_new (NULL, NULL, zero_dc_task_pass_on, new_task (NULL, &outer));
  zero_dc_requests_send (requests, "bob", "GET", "/health", NULL, 0, inner, NULL);
  answer = response (1, 404, "{\"error\":\"no\"}");
  g_assert_true (zero_dc_requests_complete (requests, "bob", answer, NULL));
  ZERO_ASSERT_WAIT (outer.done, 1000);
  g_assert_no_error (outer.error);
  g_assert_cmpint (outer.status, ==, 404);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (outer.body), "error"),
                   ==, "no");
  outcome_clear (&outer);

  /* And its failures. */
  inner = g_task_new (NULL, NULL, zero_dc_task_pass_on, new_task (NULL, &outer));
  wire.refuse = TRUE;
  zero_dc_requests_send (requests, "bob", "GET", "/health", NULL, 0, inner, NULL);
  ZERO_ASSERT_WAIT (outer.done, 1000);
  g_assert_error (outer.error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpint (outer.status, ==, 0);
  outcome_clear (&outer);
  g_ptr_array_unref (wire.sent);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/webrtc/dc-requests/respond", test_respond);
  g_test_add_func ("/webrtc/dc-requests/parse", test_parse);
  g_test_add_func ("/webrtc/dc-requests/requests", test_requests);
  g_test_add_func ("/webrtc/dc-requests/timeout-and-cancel", test_timeout_and_cancel);
  g_test_add_func ("/webrtc/dc-requests/pass-on", test_pass_on);
  return g_test_run ();
}

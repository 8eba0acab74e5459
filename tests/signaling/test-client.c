/* test-client.c: ZeroSignalingClient against the real server on 127.0.0.1:0. */
#include <libsoup/soup.h>
#include <string.h>

#include "signaling-test-util.h"
#include "signaling/zero-signaling-client.h"
#include "signaling/zero-signaling-server.h"
#include "signaling/zero-uuid.h"
#include "zero-test-util.h"

/* Records every signal a client emits. */
typedef struct
{
  ZeroSignalingClient *client;
  GPtrArray *messages; /* JsonObject, every message signal in order */
  GArray *states;      /* ZeroSignalingClientState */
  guint n_welcome;
} Probe;

static void
on_message (ZeroSignalingClient *client, JsonObject *message, gpointer user_data)
{
  Probe *probe = user_data;

  g_ptr_array_add (probe->messages, json_object_ref (message));
  if (g_str_equal (json_object_get_string_member (message, "type"), "welcome"))
    probe->n_welcome++;
}

static void
on_state_changed (ZeroSignalingClient *client, ZeroSignalingClientState state, gpointer user_data)
{
  Probe *probe = user_data;
  g_array_append_val (probe->states, state);
}

static void
on_connect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  gboolean ok = zero_signaling_client_connect_finish (ZERO_SIGNALING_CLIENT (source), result,
                                                      error);
  g_assert_true (ok == (*error == NULL));
  if (ok)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "__ok__"); /* "done" marker */
}

static Probe *
probe_new (const char *url, gboolean connect)
{
  static const char *const types[] = { "welcome", "peer-joined", "peer-left", "offer", "answer",
                                       "ice", "request-offer", "broadcast", "error", "pong" };
  g_autoptr (GError) error = NULL;
  Probe *probe = g_new0 (Probe, 1);

  probe->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  probe->states = g_array_new (FALSE, FALSE, sizeof (ZeroSignalingClientState));
  probe->client = zero_signaling_client_new (url, &error);
  g_assert_no_error (error);
  g_object_set (probe->client, "reconnect-min-delay", 20, "reconnect-max-delay", 200, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    g_signal_connect (probe->client, types[i], G_CALLBACK (on_message), probe);
  g_signal_connect (probe->client, "state-changed", G_CALLBACK (on_state_changed), probe);

  if (connect)
    {
      GError *result = NULL;
      zero_signaling_client_connect_async (probe->client, NULL, on_connect_done, &result);
      ZERO_ASSERT_WAIT (result != NULL, TEST_WAIT_MS);
      g_assert_cmpstr (result->message, ==, "__ok__");
      g_error_free (result);
      g_assert_cmpint (zero_signaling_client_get_state (probe->client), ==,
                       ZERO_SIGNALING_CLIENT_CONNECTED);
    }
  return probe;
}

static void
probe_free (Probe *probe)
{
  g_object_add_weak_pointer (G_OBJECT (probe->client), (gpointer *) &probe->client);
  g_object_unref (probe->client);
  /* an attempt cancelled by disconnect() holds a reference until its callback */
  ZERO_ASSERT_WAIT (probe->client == NULL, 2000);
  g_ptr_array_unref (probe->messages);
  g_array_unref (probe->states);
  g_free (probe);
}

/* Waits for the next message of @type (skipping pongs) and returns it. */
static JsonObject *
probe_expect (Probe *probe, const char *type)
{
  JsonObject *found = NULL;

  ZERO_ASSERT_WAIT (({
                      for (guint i = 0; !found && i < probe->messages->len; i++)
                        {
                          JsonObject *m = probe->messages->pdata[i];
                          const char *t = json_object_get_string_member (m, "type");
                          if (g_str_equal (t, type))
                            {
                              found = json_object_ref (m);
                              g_ptr_array_remove_index (probe->messages, i);
                            }
                          else if (g_str_equal (t, "pong"))
                            g_ptr_array_remove_index (probe->messages, i--);
                          else
                            g_error ("expected %s, got %s", type, t);
                        }
                      found != NULL;
                    }),
                    TEST_WAIT_MS);
  return found;
}

static ZeroSignalingServer *
start_server (guint port)
{
  ZeroSignalingServer *server = zero_signaling_server_new ();
  g_autoptr (GError) error = NULL;

  g_object_set (server, "password-iterations", 1000, NULL);
  g_assert_true (zero_signaling_server_listen (server, "127.0.0.1", port, &error));
  g_assert_no_error (error);
  return server;
}

static void
stop_server (ZeroSignalingServer *server)
{
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_connections (server) == 0, TEST_WAIT_MS);
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 0);
  g_object_add_weak_pointer (G_OBJECT (server), (gpointer *) &server);
  g_object_unref (server);
  g_assert_null (server);
}

static void
test_normalize_url (void)
{
  static const struct
  {
    const char *in, *out;
  } good[] = {
    { "localhost:8080", "ws://localhost:8080/ws" },
    { "localhost", "ws://localhost:8080/ws" },
    { " 127.0.0.1:9 ", "ws://127.0.0.1:9/ws" },
    { "[::1]:8080", "ws://[::1]:8080/ws" },
    { "ws://example.org", "ws://example.org:80/ws" },
    { "ws://example.org:8080/", "ws://example.org:8080/ws" },
    { "wss://example.org/signal", "wss://example.org:443/signal" },
    { "WSS://example.org:9443/ws?x=1", "wss://example.org:9443/ws?x=1" },
    { "http://h:1", "ws://h:1/ws" },
  };
  static const char *const bad[] = { "", "   ", "ftp://h/ws", "ws://", "h:99999", "h:port",
                                     "localhost:8080/path", "://x" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *url = zero_signaling_client_normalize_url (good[i].in, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, good[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *url = zero_signaling_client_normalize_url (bad[i], &error);
      if (url)
        g_error ("accepted \"%s\" as %s", bad[i], url);
      g_assert_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID_URL);
    }
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (zero_signaling_client_new ("gopher://x", &error));
    g_assert_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID_URL);
  }
}

/* Every message type arrives through its own signal, with its fields. */
static void
test_signals (void)
{
  ZeroSignalingServer *server = start_server (0);
  const char *url = zero_signaling_server_get_url (server);
  Probe *a = probe_new (url, TRUE);
  Probe *b = probe_new (url, TRUE);
  g_autofree char *session = zero_uuid_generate ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) data = json_from_string ("{\"raise\":true}", NULL);
  g_autoptr (JsonObject) custom = json_object_new ();
  JsonObject *m;
  const char *ida, *idb;

  g_assert_true (zero_signaling_client_join (a->client, session, "Ann", ZERO_ROLE_PARTICIPANT,
                                             TRUE, NULL, NULL, &error));
  g_assert_no_error (error);
  m = probe_expect (a, "welcome");
  g_assert_cmpint (zero_signaling_client_get_state (a->client), ==, ZERO_SIGNALING_CLIENT_JOINED);
  ida = zero_signaling_client_get_peer_id (a->client);
  g_assert_cmpstr (json_object_get_string_member (m, "peer_id"), ==, ida);
  g_assert_cmpstr (zero_signaling_client_get_session (a->client), ==, session);
  json_object_unref (m);

  g_assert_true (zero_signaling_client_join (b->client, session, "Bob", ZERO_ROLE_VIEWER, FALSE,
                                             NULL, NULL, &error));
  json_object_unref (probe_expect (b, "welcome"));
  idb = zero_signaling_client_get_peer_id (b->client);
  m = probe_expect (a, "peer-joined");
  g_assert_cmpstr (json_object_get_string_member (m, "peer_id"), ==, idb);
  g_assert_cmpstr (json_object_get_string_member (m, "role"), ==, "viewer");
  json_object_unref (m);

  g_assert_true (zero_signaling_client_send_offer (a->client, idb, "v=0\r\n", &error));
  m = probe_expect (b, "offer");
  g_assert_cmpstr (json_object_get_string_member (m, "from"), ==, ida);
  g_assert_cmpstr (json_object_get_string_member (m, "sdp"), ==, "v=0\r\n");
  json_object_unref (m);
  g_assert_true (zero_signaling_client_send_answer (b->client, ida, "v=0", &error));
  json_object_unref (probe_expect (a, "answer"));
  g_assert_true (zero_signaling_client_send_ice (a->client, idb, "candidate:1 1 udp 1 1.2.3.4 5 typ host",
                                                 0, "0", &error));
  m = probe_expect (b, "ice");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (m, "candidate"),
                                                  "sdpMid"), ==, "0");
  json_object_unref (m);
  g_assert_true (zero_signaling_client_request_offer (b->client, ida, &error));
  json_object_unref (probe_expect (a, "request-offer"));
  g_assert_true (zero_signaling_client_broadcast (b->client, data, &error));
  m = probe_expect (a, "broadcast");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (m, "data"),
                                                 "raise"));
  json_object_unref (m);

  /* a generic send, with an unknown field kept */
  json_object_set_string_member (custom, "type", "offer");
  json_object_set_string_member (custom, "to", idb);
  json_object_set_string_member (custom, "sdp", "v=0");
  json_object_set_int_member (custom, "x_seq", 7);
  g_assert_true (zero_signaling_client_send (a->client, custom, &error));
  m = probe_expect (b, "offer");
  g_assert_cmpint (json_object_get_int_member (m, "x_seq"), ==, 7);
  json_object_unref (m);

  /* a refusal comes back as the error signal */
  g_assert_true (zero_signaling_client_send_offer (a->client, "nobody", "v=0", &error));
  m = probe_expect (a, "error");
  g_assert_cmpstr (json_object_get_string_member (m, "code"), ==, "no-such-peer");
  g_assert_cmpstr (json_object_get_string_member (m, "ref"), ==, "offer");
  json_object_unref (m);

  zero_signaling_client_disconnect (b->client);
  g_assert_cmpint (zero_signaling_client_get_state (b->client), ==,
                   ZERO_SIGNALING_CLIENT_DISCONNECTED);
  m = probe_expect (a, "peer-left");
  g_assert_cmpstr (json_object_get_string_member (m, "reason"), ==, "disconnect");
  json_object_unref (m);

  g_assert_true (zero_signaling_client_leave (a->client, &error));
  g_assert_cmpint (zero_signaling_client_get_state (a->client), ==,
                   ZERO_SIGNALING_CLIENT_CONNECTED);
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_sessions (server) == 0, 2000);

  probe_free (a);
  probe_free (b);
  stop_server (server);
}

static void
count_pongs (ZeroSignalingClient *client, JsonObject *message, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_keepalive_pong (void)
{
  ZeroSignalingServer *server = start_server (0);
  Probe *a = probe_new (zero_signaling_server_get_url (server), FALSE);
  guint pongs = 0;
  GError *result = NULL;

  g_object_set (a->client, "ping-interval", 30, "timeout", 500, NULL);
  g_signal_connect (a->client, "pong", G_CALLBACK (count_pongs), &pongs);
  zero_signaling_client_connect_async (a->client, NULL, on_connect_done, &result);
  ZERO_ASSERT_WAIT (result != NULL, TEST_WAIT_MS);
  g_clear_error (&result);
  ZERO_ASSERT_WAIT (pongs >= 5, TEST_WAIT_MS);
  /* a live server is never mistaken for a dead one */
  g_assert_cmpint (zero_signaling_client_get_state (a->client), ==,
                   ZERO_SIGNALING_CLIENT_CONNECTED);

  probe_free (a);
  stop_server (server);
}

static void
test_send_validation (void)
{
  ZeroSignalingServer *server = start_server (0);
  Probe *a = probe_new (zero_signaling_server_get_url (server), FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) bad = json_object_new ();
  g_autoptr (JsonObject) join = json_object_new ();
  GError *result = NULL;

  /* not connected yet */
  g_assert_false (zero_signaling_client_send_offer (a->client, "p", "v=0", &error));
  g_assert_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_CLOSED);
  g_clear_error (&error);

  zero_signaling_client_connect_async (a->client, NULL, on_connect_done, &result);
  ZERO_ASSERT_WAIT (result != NULL, TEST_WAIT_MS);
  g_clear_error (&result);

  g_assert_false (zero_signaling_client_send_ice (a->client, "p", "c", -1, "", &error));
  g_assert_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID);
  g_clear_error (&error);
  json_object_set_string_member (bad, "type", "offer");
  json_object_set_string_member (bad, "sdp", "v=0"); /* no "to" */
  g_assert_false (zero_signaling_client_send (a->client, bad, &error));
  g_assert_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'to'"));
  g_clear_error (&error);
  json_object_set_string_member (join, "type", "join");
  g_assert_false (zero_signaling_client_send (a->client, join, &error));
  g_assert_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (zero_signaling_client_join (a->client, "NOT-A-UUID", "A", 0, TRUE, NULL, NULL,
                                              &error));
  g_assert_error (error, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_INVALID);
  g_clear_error (&error);

  /* nothing invalid reached the server */
  test_run_for (50);
  g_assert_cmpuint (a->messages->len, ==, 0);

  probe_free (a);
  stop_server (server);
}

/* Stop the server, start a new one on the same port: the client reconnects
 * with backoff, joins the same session again with a fresh peer id and emits
 * welcome again; its partner sees it come back. */
static void
test_reconnect_rejoin (void)
{
  ZeroSignalingServer *server = start_server (0);
  guint port = zero_signaling_server_get_port (server);
  g_autofree char *url = g_strdup (zero_signaling_server_get_url (server));
  Probe *a = probe_new (url, TRUE);
  Probe *b = probe_new (url, TRUE);
  g_autofree char *session = zero_uuid_generate ();
  g_autofree char *old_a = NULL;
  g_autofree char *old_b = NULL;
  g_autoptr (GError) error = NULL;
  gboolean saw_reconnecting = FALSE;
  JsonObject *m;

  g_assert_true (zero_signaling_client_join (a->client, session, "A", 0, TRUE, "pw", NULL, &error));
  json_object_unref (probe_expect (a, "welcome"));
  g_assert_true (zero_signaling_client_join (b->client, session, "B", 0, FALSE, "pw", NULL, &error));
  json_object_unref (probe_expect (b, "welcome"));
  json_object_unref (probe_expect (a, "peer-joined"));
  old_a = g_strdup (zero_signaling_client_get_peer_id (a->client));
  old_b = g_strdup (zero_signaling_client_get_peer_id (b->client));

  zero_signaling_server_shutdown (server);
  ZERO_ASSERT_WAIT (zero_signaling_client_get_state (a->client) ==
                      ZERO_SIGNALING_CLIENT_RECONNECTING &&
                    zero_signaling_client_get_state (b->client) ==
                      ZERO_SIGNALING_CLIENT_RECONNECTING, TEST_WAIT_MS);
  g_assert_null (zero_signaling_client_get_peer_id (a->client));
  stop_server (server);
  test_run_for (300); /* a few failed attempts against a closed port */
  g_assert_cmpint (zero_signaling_client_get_state (a->client), ==,
                   ZERO_SIGNALING_CLIENT_RECONNECTING);

  server = start_server (port);
  ZERO_ASSERT_WAIT (zero_signaling_client_get_state (a->client) == ZERO_SIGNALING_CLIENT_JOINED &&
                    zero_signaling_client_get_state (b->client) == ZERO_SIGNALING_CLIENT_JOINED,
                    TEST_WAIT_MS);
  g_assert_cmpuint (a->n_welcome, ==, 2);
  g_assert_cmpuint (b->n_welcome, ==, 2);
  g_assert_cmpstr (zero_signaling_client_get_peer_id (a->client), !=, old_a);
  g_assert_cmpstr (zero_signaling_client_get_peer_id (b->client), !=, old_b);
  g_assert_cmpstr (zero_signaling_client_get_session (a->client), ==, session);
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 1);
  g_assert_cmpuint (zero_signaling_server_get_n_peers (server), ==, 2);
  for (guint i = 0; i < a->states->len; i++)
    if (g_array_index (a->states, ZeroSignalingClientState, i) ==
        ZERO_SIGNALING_CLIENT_RECONNECTING)
      saw_reconnecting = TRUE;
  g_assert_true (saw_reconnecting);

  /* whoever re-joined second saw the other in its welcome; the other got peer-joined */
  {
    JsonObject *wa = probe_expect (a, "welcome");
    JsonObject *wb = probe_expect (b, "welcome");
    gboolean a_first = json_array_get_length (json_object_get_array_member (wa, "peers")) == 0;
    JsonObject *pj = probe_expect (a_first ? a : b, "peer-joined");

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (a_first ? wb : wa,
                                                                           "peers")), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (pj, "peer_id"), ==,
                     zero_signaling_client_get_peer_id (a_first ? b->client : a->client));
    json_object_unref (wa);
    json_object_unref (wb);
    json_object_unref (pj);
  }

  /* they can talk again with their new ids */
  g_assert_true (zero_signaling_client_send_offer (b->client,
                                                   zero_signaling_client_get_peer_id (a->client),
                                                   "v=0", &error));
  m = probe_expect (a, "offer");
  g_assert_cmpstr (json_object_get_string_member (m, "from"), ==,
                   zero_signaling_client_get_peer_id (b->client));
  json_object_unref (m);

  probe_free (a);
  probe_free (b);
  stop_server (server);
}

static void
test_refused_join_not_retried (void)
{
  ZeroSignalingServer *server = start_server (0);
  guint port = zero_signaling_server_get_port (server);
  Probe *a = probe_new (zero_signaling_server_get_url (server), TRUE);
  g_autofree char *missing = zero_uuid_generate ();
  g_autoptr (GError) error = NULL;
  JsonObject *m;

  g_assert_true (zero_signaling_client_join (a->client, missing, "A", 0, FALSE, NULL, NULL,
                                             &error));
  m = probe_expect (a, "error");
  g_assert_cmpstr (json_object_get_string_member (m, "code"), ==, "no-such-session");
  json_object_unref (m);
  g_assert_cmpint (zero_signaling_client_get_state (a->client), ==,
                   ZERO_SIGNALING_CLIENT_CONNECTED);

  /* after a reconnect, the refused join is not sent again */
  zero_signaling_server_shutdown (server);
  ZERO_ASSERT_WAIT (zero_signaling_client_get_state (a->client) ==
                      ZERO_SIGNALING_CLIENT_RECONNECTING, TEST_WAIT_MS);
  stop_server (server);
  server = start_server (port);
  ZERO_ASSERT_WAIT (zero_signaling_client_get_state (a->client) ==
                      ZERO_SIGNALING_CLIENT_CONNECTED, TEST_WAIT_MS);
  test_run_for (200);
  g_assert_cmpuint (zero_signaling_server_get_n_sessions (server), ==, 0);
  g_assert_cmpuint (a->messages->len, ==, 0);

  probe_free (a);
  stop_server (server);
}

/* A server that accepts the WebSocket and then ignores everything: the
 * client's application ping goes unanswered, so it gives up on it and
 * reconnects (libsoup's automatic WebSocket pong would not reveal this).
 * Connections are accepted by a GSocketService and handed to SoupServer, as
 * the real server does, since libsoup 3.2.3's own listener leaks sockets. */
static void
on_mute_ws (SoupServer *server, SoupServerMessage *msg, const char *path,
            SoupWebsocketConnection *ws, gpointer user_data)
{
  GPtrArray *kept = user_data;
  g_ptr_array_add (kept, g_object_ref (ws));
}

static gboolean
on_mute_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
                  gpointer user_data)
{
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  if (local && remote)
    soup_server_accept_iostream (SOUP_SERVER (user_data), G_IO_STREAM (connection), local, remote,
                                 NULL);
  return TRUE;
}

static void
test_dead_server_detected (void)
{
  g_autoptr (SoupServer) mute = soup_server_new (NULL, NULL);
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  guint16 port;
  Probe *a;
  GError *result = NULL;

  soup_server_add_websocket_handler (mute, "/ws", NULL, NULL, on_mute_ws, kept, NULL);
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_mute_incoming), mute);
  url = g_strdup_printf ("ws://127.0.0.1:%u/ws", port);

  a = probe_new (url, FALSE);
  g_object_set (a->client, "ping-interval", 30, "timeout", 150, NULL);
  zero_signaling_client_connect_async (a->client, NULL, on_connect_done, &result);
  ZERO_ASSERT_WAIT (result != NULL, TEST_WAIT_MS);
  g_clear_error (&result);
  ZERO_ASSERT_WAIT (kept->len >= 3, TEST_WAIT_MS); /* gave up and came back, twice */
  for (guint i = 0; i < a->states->len; i++)
    if (g_array_index (a->states, ZeroSignalingClientState, i) ==
        ZERO_SIGNALING_CLIENT_RECONNECTING)
      goto ok;
  g_error ("never went to reconnecting");
ok:
  zero_signaling_client_disconnect (a->client);
  g_assert_cmpint (zero_signaling_client_get_state (a->client), ==,
                   ZERO_SIGNALING_CLIENT_DISCONNECTED);
  probe_free (a);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  for (guint i = 0; i < kept->len; i++)
    if (soup_websocket_connection_get_state (kept->pdata[i]) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (kept->pdata[i], SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  test_run_for (50);
  soup_server_disconnect (mute);
}

/* Backoff against a port where nothing answers the handshake: attempts keep
 * coming, and no gap exceeds reconnect-max-delay (plus scheduling slack). */
static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer user_data)
{
  GArray *times = user_data;
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (times, now);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
test_backoff_capped (void)
{
  ZeroSignalingServer *server = start_server (0);
  guint port = zero_signaling_server_get_port (server);
  Probe *a = probe_new (zero_signaling_server_get_url (server), TRUE);
  g_autoptr (GSocketService) service = NULL;
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;
  gint64 max_gap = 0;

  g_object_set (a->client, "reconnect-min-delay", 10, "reconnect-max-delay", 80, NULL);
  zero_signaling_server_shutdown (server);
  stop_server (server);

  service = g_socket_service_new ();
  g_assert_true (g_socket_listener_add_inet_port (G_SOCKET_LISTENER (service), (guint16) port,
                                                  NULL, &error));
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), times);
  ZERO_ASSERT_WAIT (times->len >= 12, TEST_WAIT_MS);
  for (guint i = 1; i < times->len; i++)
    max_gap = MAX (max_gap, g_array_index (times, gint64, i) - g_array_index (times, gint64, i - 1));
  g_assert_cmpint (max_gap, <, 80 * 1000 + 60 * 1000);
  g_assert_cmpint (zero_signaling_client_get_state (a->client), ==,
                   ZERO_SIGNALING_CLIENT_RECONNECTING);

  zero_signaling_client_disconnect (a->client);
  probe_free (a);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

static void
test_connect_failure (void)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GError) error = NULL;
  Probe *a;
  GError *result = NULL;

  /* a port nothing listens on: bind without listen */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, &error);
  {
    g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
    g_assert_true (g_socket_bind (socket, addr, FALSE, &error));
  }
  bound = g_socket_get_local_address (socket, &error);
  url = g_strdup_printf ("127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  a = probe_new (url, FALSE);
  zero_signaling_client_connect_async (a->client, NULL, on_connect_done, &result);
  ZERO_ASSERT_WAIT (result != NULL, TEST_WAIT_MS);
  g_assert_error (result, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_CONNECT);
  g_clear_error (&result);
  g_assert_cmpint (zero_signaling_client_get_state (a->client), ==,
                   ZERO_SIGNALING_CLIENT_DISCONNECTED);
  probe_free (a);
}

static void
test_tls (void)
{
  g_autofree char *cert = test_data_path ("data/cert.pem");
  g_autofree char *key = test_data_path ("data/key.pem");
  ZeroSignalingServer *server = zero_signaling_server_new ();
  g_autoptr (GTlsDatabase) db = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *session = zero_uuid_generate ();
  Probe *a, *untrusting;
  GError *result = NULL;

  g_assert_true (zero_signaling_server_set_tls_files (server, cert, key, &error));
  g_assert_true (zero_signaling_server_listen (server, "127.0.0.1", 0, &error));

  /* without our CA, the certificate is refused */
  untrusting = probe_new (zero_signaling_server_get_url (server), FALSE);
  zero_signaling_client_connect_async (untrusting->client, NULL, on_connect_done, &result);
  ZERO_ASSERT_WAIT (result != NULL, TEST_WAIT_MS);
  g_assert_error (result, ZERO_SIGNALING_ERROR, ZERO_SIGNALING_ERROR_CONNECT);
  g_clear_error (&result);
  probe_free (untrusting);

  db = g_tls_file_database_new (cert, &error);
  g_assert_no_error (error);
  a = probe_new (zero_signaling_server_get_url (server), FALSE);
  g_object_set (a->client, "tls-database", db, NULL);
  zero_signaling_client_connect_async (a->client, NULL, on_connect_done, &result);
  ZERO_ASSERT_WAIT (result != NULL, TEST_WAIT_MS);
  g_assert_cmpstr (result->message, ==, "__ok__");
  g_clear_error (&result);
  g_assert_true (zero_signaling_client_join (a->client, session, "A", 0, TRUE, NULL, NULL, &error));
  json_object_unref (probe_expect (a, "welcome"));

  probe_free (a);
  stop_server (server);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signaling/client/normalize-url", test_normalize_url);
  g_test_add_func ("/signaling/client/signals", test_signals);
  g_test_add_func ("/signaling/client/keepalive-pong", test_keepalive_pong);
  g_test_add_func ("/signaling/client/send-validation", test_send_validation);
  g_test_add_func ("/signaling/client/reconnect-rejoin", test_reconnect_rejoin);
  g_test_add_func ("/signaling/client/refused-join-not-retried", test_refused_join_not_retried);
  g_test_add_func ("/signaling/client/dead-server-detected", test_dead_server_detected);
  g_test_add_func ("/signaling/client/backoff-capped", test_backoff_capped);
  g_test_add_func ("/signaling/client/connect-failure", test_connect_failure);
  g_test_add_func ("/signaling/client/tls", test_tls);

  return g_test_run ();
}

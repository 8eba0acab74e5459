/* test-session-manager.c: ZeroSessionManager against a real in-process ZeroSignalingServer,
 * with real media (test sources at 160x120) and real WebRTC connections between managers in
 * this process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gst/gst.h>
#include <string.h>

#include "sessionmanager/zero-session-manager-private.h"
#include "signaling/zero-signaling-server.h"
#include "signaling/zero-uuid.h"
#include "zero-build-config.h"
#include "zero-test-proc.h" /* zero_test_wait_scale */
#include "zero-test-util.h"

#define T(ms) ((ms) * zero_test_wait_scale ())

typedef struct {
  ZeroSessionManager *sm;
  char *name;
  GPtrArray *added;    /* ZeroParticipant * */
  GPtrArray *removed;  /* "peer_id reason" */
  GPtrArray *chats;    /* "peer_id text" */
  GPtrArray *messages; /* char * */
  GArray *states;      /* ZeroSessionState */
} Client;

typedef struct {
  ZeroSignalingServer *server;
  guint port;
  char *url;
  GPtrArray *clients;
} Fixture;

/* --- helpers ------------------------------------------------------------- */

static ZeroConfig *
test_config (void)
{
  ZeroConfig *config = zero_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (zero_config_set_string (config, "media.video.source", "test", &error));
  g_assert_true (zero_config_set_string (config, "media.audio.source", "test", &error));
  g_assert_true (zero_config_set_string (config, "media.audio.output", "none", &error));
  g_assert_true (zero_config_set_string (config, "media.video.resolution", "160x120", &error));
  g_assert_true (zero_config_set_int (config, "media.video.fps", 15, &error));
  g_assert_true (zero_config_set_int (config, "media.video.start_bitrate_kbps", 200, &error));
  g_assert_no_error (error);
  return config;
}

static void
on_added (ZeroSessionManager *sm,
          ZeroParticipant    *p,
          Client             *c)
{
  g_ptr_array_add (c->added, g_object_ref (p));
}

static void
on_removed (ZeroSessionManager *sm,
            ZeroParticipant    *p,
            const char         *reason,
            Client             *c)
{
  g_ptr_array_add (c->removed,
                   g_strdup_printf ("%s %s", zero_participant_get_peer_id (p), reason));
}

static void
on_chat (ZeroSessionManager *sm,
         ZeroParticipant    *p,
         const char         *text,
         gint64              ts,
         const char         *id,
         Client             *c)
{
  g_assert_true (zero_uuid_is_valid (id));
  g_assert_cmpint (ts, >, 0);
  g_ptr_array_add (c->chats, g_strdup_printf ("%s %s", zero_participant_get_peer_id (p), text));
}

static void
on_message (ZeroSessionManager *sm,
            const char         *text,
            gboolean            is_error,
            Client             *c)
{
  g_test_message ("%s: message: %s", c->name, text);
  g_ptr_array_add (c->messages, g_strdup (text));
}

static void
on_state (ZeroSessionManager *sm,
          ZeroSessionState    state,
          Client             *c)
{
  g_array_append_val (c->states, state);
}

static Client *
client_new (Fixture    *f,
            const char *name)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr (ZeroConfig) config = test_config ();

  c->name = g_strdup (name);
  c->sm = zero_session_manager_new (config);
  c->added = g_ptr_array_new_with_free_func (g_object_unref);
  c->removed = g_ptr_array_new_with_free_func (g_free);
  c->chats = g_ptr_array_new_with_free_func (g_free);
  c->messages = g_ptr_array_new_with_free_func (g_free);
  c->states = g_array_new (FALSE, FALSE, sizeof (ZeroSessionState));
  g_signal_connect (c->sm, "participant-added", G_CALLBACK (on_added), c);
  g_signal_connect (c->sm, "participant-removed", G_CALLBACK (on_removed), c);
  g_signal_connect (c->sm, "chat-received", G_CALLBACK (on_chat), c);
  g_signal_connect (c->sm, "message", G_CALLBACK (on_message), c);
  g_signal_connect (c->sm, "state-changed", G_CALLBACK (on_state), c);
  g_ptr_array_add (f->clients, c);
  return c;
}

static void
client_free (gpointer data)
{
  Client *c = data;

  zero_session_manager_leave (c->sm);
  g_signal_handlers_disconnect_by_data (c->sm, c);
  g_object_add_weak_pointer (G_OBJECT (c->sm), (gpointer *) &c->sm);
  g_object_unref (c->sm);
  g_assert_null (c->sm); /* nothing else holds the manager */
  g_ptr_array_unref (c->added);
  g_ptr_array_unref (c->removed);
  g_ptr_array_unref (c->chats);
  g_ptr_array_unref (c->messages);
  g_array_unref (c->states);
  g_free (c->name);
  g_free (c);
}

static void
on_join_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;
  GError *local = NULL;

  if (!zero_session_manager_join_finish (ZERO_SESSION_MANAGER (source), result, &local))
    *error = local;
  else
    *error = (GError *) 0x1; /* done, no error */
}

/* Joins and waits for the answer; FALSE with @error on refusal. */
static gboolean
client_join_full (Client                *c,
                  const ZeroJoinOptions *opts,
                  GError               **error)
{
  GError *result = NULL;

  zero_session_manager_join_async (c->sm, opts, NULL, on_join_done, &result);
  ZERO_ASSERT_WAIT (result != NULL, T (20000));
  if (result == (GError *) 0x1)
    return TRUE;
  g_propagate_error (error, result);
  return FALSE;
}

static gboolean
client_join (Client     *c,
             Fixture    *f,
             const char *session,
             gboolean    create,
             const char *password,
             GError    **error)
{
  ZeroJoinOptions opts;

  zero_join_options_init (&opts);
  opts.session = session;
  opts.create = create;
  opts.name = c->name;
  opts.password = password;
  opts.server = f->url;
  return client_join_full (c, &opts, error);
}

static ZeroParticipant *
participant_of (Client *c,
                Client *other)
{
  return zero_session_manager_get_participant (c->sm, zero_session_manager_get_peer_id (other->sm));
}

static gboolean
pair_connected (Client *a,
                Client *b)
{
  ZeroParticipant *pa = participant_of (a, b);
  ZeroParticipant *pb = participant_of (b, a);

  return pa && pb &&
         zero_participant_get_connection_state (pa) == ZERO_PARTICIPANT_STATE_CONNECTED &&
         zero_participant_get_connection_state (pb) == ZERO_PARTICIPANT_STATE_CONNECTED &&
         zero_participant_is_data_open (pa) && zero_participant_is_data_open (pb);
}

static gboolean
decoding_from (Client *a,
               Client *b,
               guint64 video,
               guint64 audio)
{
  ZeroParticipant *p = participant_of (a, b);

  return p && zero_participant_get_video_frames (p) >= video &&
         zero_participant_get_audio_frames (p) >= audio;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  f->server = zero_signaling_server_new ();
  g_object_set (f->server, "password-iterations", 1000, NULL);
  if (data != NULL)
    g_object_set (f->server, "max-peers", GPOINTER_TO_UINT (data), NULL);
  g_assert_true (zero_signaling_server_listen (f->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->port = zero_signaling_server_get_port (f->server);
  f->url = g_strdup (zero_signaling_server_get_url (f->server));
  f->clients = g_ptr_array_new_with_free_func (client_free);
}

static void
stop_server (Fixture *f)
{
  if (f->server == NULL)
    return;
  zero_signaling_server_shutdown (f->server);
  ZERO_WAIT_UNTIL (zero_signaling_server_get_n_connections (f->server) == 0, T (5000));
  g_clear_object (&f->server);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_ptr_array_unref (f->clients);
  stop_server (f);
  g_free (f->url);
}

/* Two clients in one session, connected both ways. */
static void
two_in_a_call (Fixture *f,
               Client **out_a,
               Client **out_b)
{
  g_autoptr (GError) error = NULL;
  Client *a = client_new (f, "Alice");
  Client *b = client_new (f, "Bob");

  g_assert_true (client_join (a, f, NULL, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (client_join (b, f, zero_session_manager_get_session_id (a->sm), FALSE, NULL,
                              &error));
  g_assert_no_error (error);
  ZERO_ASSERT_WAIT (pair_connected (a, b), T (20000));
  *out_a = a;
  *out_b = b;
}

/* --- tests --------------------------------------------------------------- */

static void
test_reference (void)
{
  g_autofree char *uuid = NULL, *server = NULL, *link = NULL, *id = NULL, *id2 = NULL;
  g_autoptr (GError) error = NULL;
  const char *id_text = "123e4567-e89b-42d3-a456-426614174000";

  g_assert_true (zero_session_parse_reference (id_text, &uuid, &server, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (uuid, ==, id_text);
  g_assert_null (server);
  g_clear_pointer (&uuid, g_free);

  g_assert_true (zero_session_parse_reference ("  zero://meet.example.org:9443/"
                                               "123E4567-E89B-42D3-A456-426614174000/ ",
                                               &uuid, &server, &error));
  g_assert_cmpstr (uuid, ==, id_text);
  g_assert_cmpstr (server, ==, "meet.example.org:9443");

  g_assert_false (zero_session_parse_reference ("123e4567", NULL, NULL, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID);
  g_assert_nonnull (strstr (error->message, "123e4567"));
  g_clear_error (&error);
  g_assert_false (zero_session_parse_reference ("http://x/123e4567-e89b-42d3-a456-426614174000",
                                                NULL, NULL, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID);
  g_clear_error (&error);

  link = zero_session_make_link ("localhost:8080", id_text);
  g_assert_cmpstr (link, ==, "zero://localhost:8080/123e4567-e89b-42d3-a456-426614174000");
  g_assert_null (zero_session_make_link ("localhost:8080", "nope"));

  id = zero_session_new_id ();
  id2 = zero_session_new_id ();
  g_assert_true (zero_uuid_is_valid (id));
  g_assert_cmpstr (id, !=, id2);
}

static void
test_join_create (Fixture       *f,
                  gconstpointer  data)
{
  Client *a, *b;
  GListModel *list;
  g_autoptr (ZeroParticipant) first = NULL;
  ZeroParticipant *pb;

  two_in_a_call (f, &a, &b);

  /* The roster: self first, then the other, on both sides. */
  list = zero_session_manager_get_participants (a->sm);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 2);
  first = g_list_model_get_item (list, 0);
  g_assert_true (first == zero_session_manager_get_self (a->sm));
  g_assert_true (zero_participant_is_self (first));
  g_assert_cmpstr (zero_participant_get_name (first), ==, "Alice");
  g_assert_cmpuint (g_list_model_get_n_items (zero_session_manager_get_participants (b->sm)), ==,
                    2);
  g_assert_cmpint (zero_session_manager_get_state (a->sm), ==, ZERO_SESSION_STATE_JOINED);
  g_assert_true (zero_uuid_is_valid (zero_session_manager_get_session_id (a->sm)));
  g_assert_cmpstr (zero_session_manager_get_session_id (a->sm), ==,
                   zero_session_manager_get_session_id (b->sm));
  g_assert_cmpuint (a->added->len, ==, 1);
  pb = g_ptr_array_index (a->added, 0);
  g_assert_cmpstr (zero_participant_get_name (pb), ==, "Bob");
  g_assert_cmpstr (zero_participant_get_role (pb), ==, "participant");
  g_assert_false (zero_participant_is_self (pb));
  g_assert_cmpuint (zero_signaling_server_get_n_peers (f->server), ==, 2);

  /* Real media both ways: decoded frames, counted. */
  ZERO_ASSERT_WAIT (decoding_from (a, b, 20, 30) && decoding_from (b, a, 20, 30), T (20000));
  /* Each side knows the other's media state and GET /info. */
  ZERO_ASSERT_WAIT (zero_participant_get_info (pb) != NULL, T (10000));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (
                     zero_participant_get_info (pb)), "app"), ==, "zero");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (
                     zero_participant_get_info (pb)), "name"), ==, "Bob");
  ZERO_ASSERT_WAIT (zero_participant_has_state (pb), T (5000));
  g_assert_true (zero_participant_get_audio (pb));
  g_assert_true (zero_participant_get_video (pb));
  g_assert_false (zero_participant_get_screen (pb));
  /* Statistics reach the participant. */
  ZERO_ASSERT_WAIT (zero_participant_get_fps_in (pb) > 0 && zero_participant_get_kbps_in (pb) > 0,
                    T (10000));
  g_assert_cmpint (zero_participant_get_quality (pb), >=, 1);
  g_assert_nonnull (zero_participant_get_codecs (pb));
  /* The remote's audio is heard (a test tone): its level shows. */
  ZERO_ASSERT_WAIT (zero_participant_get_audio_level (pb) > 0.01, T (5000));
  g_assert_true (zero_participant_get_speaking (pb));
}

static void
test_join_errors (Fixture       *f,
                  gconstpointer  data)
{
  Client *a = client_new (f, "Alice");
  Client *b = client_new (f, "Bob");
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = zero_uuid_generate ();
  g_autofree char *long_name = g_strnfill (65, 'x');
  ZeroJoinOptions opts;

  /* Checked before anything goes on the wire. */
  g_assert_false (client_join (a, f, "not-a-session", FALSE, NULL, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID);
  g_clear_error (&error);
  g_assert_false (client_join (a, f, NULL, FALSE, NULL, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID);
  g_clear_error (&error);
  g_assert_cmpint (zero_session_manager_get_state (a->sm), ==, ZERO_SESSION_STATE_IDLE);

  zero_join_options_init (&opts);
  opts.create = TRUE;
  opts.server = f->url;
  for (guint i = 0; i < 3; i++)
    {
      const char *bad[] = { "", long_name, "tab\there" };

      opts.name = bad[i];
      g_assert_false (client_join_full (a, &opts, &error));
      g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_NAME);
      g_clear_error (&error);
    }
  opts.name = "Alice";
  opts.server = "ws://[::1";
  g_assert_false (client_join_full (a, &opts, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_SERVER);
  g_clear_error (&error);
  g_assert_cmpuint (zero_signaling_server_get_n_connections (f->server), ==, 0);

  /* Refused by the server. */
  g_assert_false (client_join (a, f, missing, FALSE, NULL, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_NO_SUCH_SESSION);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);
  g_assert_cmpint (zero_session_manager_get_state (a->sm), ==, ZERO_SESSION_STATE_IDLE);

  g_assert_true (client_join (a, f, missing, TRUE, "secret", &error));
  g_assert_no_error (error);
  g_assert_false (client_join (b, f, missing, FALSE, "wrong", &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_false (client_join (b, f, missing, FALSE, NULL, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_true (client_join (b, f, missing, FALSE, "secret", &error));
  g_assert_no_error (error);

  /* Joining twice. */
  g_assert_false (client_join (b, f, missing, FALSE, "secret", &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE);
  g_clear_error (&error);
}

static void
test_join_full (Fixture       *f,
                gconstpointer  data)
{
  Client *a = client_new (f, "Alice");
  Client *b = client_new (f, "Bob");
  g_autoptr (GError) error = NULL;

  g_assert_true (client_join (a, f, NULL, TRUE, NULL, &error));
  g_assert_false (client_join (b, f, zero_session_manager_get_session_id (a->sm), FALSE, NULL,
                               &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_SESSION_FULL);
}

static void
test_join_unreachable (void)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroConfig) config = test_config ();
  g_autoptr (ZeroSessionManager) sm = zero_session_manager_new (config);
  g_autofree char *url = NULL;
  GError *result = NULL;
  ZeroJoinOptions opts;

  /* A port that is bound but does not listen: connections are refused. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_clear_object (&address);
  address = g_socket_get_local_address (socket, &error);
  url = g_strdup_printf ("ws://127.0.0.1:%u/ws",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));

  zero_join_options_init (&opts);
  opts.create = TRUE;
  opts.name = "Alice";
  opts.server = url;
  zero_session_manager_join_async (sm, &opts, NULL, on_join_done, &result);
  g_assert_cmpint (zero_session_manager_get_state (sm), ==, ZERO_SESSION_STATE_CONNECTING);
  ZERO_ASSERT_WAIT (result != NULL, T (20000));
  g_assert_error (result, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (result->message, "127.0.0.1"));
  g_clear_error (&result);
  g_assert_cmpint (zero_session_manager_get_state (sm), ==, ZERO_SESSION_STATE_IDLE);
}

static void
test_join_cancel (Fixture       *f,
                  gconstpointer  data)
{
  Client *a = client_new (f, "Alice");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  GError *result = NULL;
  ZeroJoinOptions opts;

  zero_join_options_init (&opts);
  opts.create = TRUE;
  opts.name = "Alice";
  opts.server = f->url;
  zero_session_manager_join_async (a->sm, &opts, cancellable, on_join_done, &result);
  g_cancellable_cancel (cancellable);
  ZERO_ASSERT_WAIT (result != NULL, T (10000));
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&result);
  g_assert_cmpint (zero_session_manager_get_state (a->sm), ==, ZERO_SESSION_STATE_IDLE);
  ZERO_ASSERT_WAIT (zero_signaling_server_get_n_peers (f->server) == 0, T (5000));
}

static void
test_roster_leave (Fixture       *f,
                   gconstpointer  data)
{
  Client *a, *b, *c;
  g_autoptr (GError) error = NULL;
  g_autofree char *b_id = NULL;
  g_autofree char *expected = NULL;
  const char *session;

  two_in_a_call (f, &a, &b);
  session = zero_session_manager_get_session_id (a->sm);

  /* A third: everyone connects to everyone (the mesh). */
  c = client_new (f, "Carol");
  g_assert_true (client_join (c, f, session, FALSE, NULL, &error));
  g_assert_cmpuint (g_list_model_get_n_items (zero_session_manager_get_participants (c->sm)), ==,
                    3);
  ZERO_ASSERT_WAIT (pair_connected (a, c) && pair_connected (b, c), T (20000));
  ZERO_ASSERT_WAIT (decoding_from (c, a, 10, 10) && decoding_from (c, b, 10, 10) &&
                      decoding_from (a, c, 10, 10) && decoding_from (b, c, 10, 10),
                    T (20000));

  /* Bob leaves: gone from both rosters, with the reason. */
  b_id = g_strdup (zero_session_manager_get_peer_id (b->sm));
  zero_session_manager_leave (b->sm);
  g_assert_cmpint (zero_session_manager_get_state (b->sm), ==, ZERO_SESSION_STATE_LEFT);
  g_assert_cmpuint (g_list_model_get_n_items (zero_session_manager_get_participants (b->sm)), ==,
                    0);
  expected = g_strdup_printf ("%s leave", b_id);
  ZERO_ASSERT_WAIT (a->removed->len == 1 && c->removed->len == 1, T (10000));
  g_assert_cmpstr (g_ptr_array_index (a->removed, 0), ==, expected);
  g_assert_cmpstr (g_ptr_array_index (c->removed, 0), ==, expected);
  g_assert_cmpuint (g_list_model_get_n_items (zero_session_manager_get_participants (a->sm)), ==,
                    2);
  g_assert_null (zero_session_manager_get_participant (a->sm, b_id));
  /* Alice and Carol go on. */
  {
    ZeroParticipant *pc = participant_of (a, c);
    guint64 before = zero_participant_get_video_frames (pc);

    ZERO_ASSERT_WAIT (zero_participant_get_video_frames (pc) >= before + 10, T (10000));
  }

  /* Bob comes back (a new peer id) and connects again. */
  g_assert_true (client_join (b, f, session, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (zero_session_manager_get_peer_id (b->sm), !=, b_id);
  ZERO_ASSERT_WAIT (pair_connected (a, b) && pair_connected (c, b), T (20000));
  ZERO_ASSERT_WAIT (decoding_from (b, a, 10, 10) && decoding_from (a, b, 10, 10), T (20000));
}

static void
test_chat (Fixture       *f,
           gconstpointer  data)
{
  Client *a, *b;
  g_autoptr (GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *too_long = g_strnfill (4097, 'x');
  g_autofree char *longest = g_strnfill (4096, 'y');
  const char *unicode = "héllo \xf0\x9f\x91\x8b";

  two_in_a_call (f, &a, &b);
  g_assert_true (zero_session_manager_send_chat (a->sm, unicode, &error));
  g_assert_no_error (error);
  expected = g_strdup_printf ("%s %s", zero_session_manager_get_peer_id (a->sm), unicode);
  ZERO_ASSERT_WAIT (b->chats->len == 1, T (5000));
  g_assert_cmpstr (g_ptr_array_index (b->chats, 0), ==, expected);
  g_assert_cmpuint (zero_participant_get_chats (participant_of (b, a)), ==, 1);
  g_assert_cmpuint (a->chats->len, ==, 0);

  g_assert_true (zero_session_manager_send_chat_to (b->sm, participant_of (b, a), longest,
                                                    &error));
  ZERO_ASSERT_WAIT (a->chats->len == 1, T (5000));

  g_assert_false (zero_session_manager_send_chat (a->sm, "", &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (zero_session_manager_send_chat (a->sm, too_long, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* Nothing more arrived. */
  ZERO_WAIT_UNTIL (FALSE, 300);
  g_assert_cmpuint (b->chats->len, ==, 1);
}

static void
test_state (Fixture       *f,
            gconstpointer  data)
{
  Client *a, *b;
  ZeroParticipant *pa;

  two_in_a_call (f, &a, &b);
  pa = participant_of (b, a);
  ZERO_ASSERT_WAIT (zero_participant_has_state (pa), T (5000));
  g_assert_true (zero_participant_get_audio (pa));
  g_assert_true (zero_participant_get_video (pa));
  g_assert_false (zero_participant_get_hand (pa));

  zero_session_manager_set_audio_muted (a->sm, TRUE);
  ZERO_ASSERT_WAIT (!zero_participant_get_audio (pa), T (5000));
  g_assert_false (zero_participant_get_audio (zero_session_manager_get_self (a->sm)));
  /* Muted: silence is sent, and the level shows it. */
  ZERO_ASSERT_WAIT (!zero_participant_get_speaking (pa), T (5000));

  zero_session_manager_set_hand_raised (a->sm, TRUE);
  ZERO_ASSERT_WAIT (zero_participant_get_hand (pa), T (5000));
  zero_session_manager_set_video_enabled (a->sm, FALSE);
  ZERO_ASSERT_WAIT (!zero_participant_get_video (pa), T (5000));
  g_assert_true (zero_participant_get_hand (pa));

  /* Back on, and the frames (no renegotiation) keep coming. */
  zero_session_manager_set_audio_muted (a->sm, FALSE);
  zero_session_manager_set_video_enabled (a->sm, TRUE);
  zero_session_manager_set_hand_raised (a->sm, FALSE);
  ZERO_ASSERT_WAIT (zero_participant_get_audio (pa) && zero_participant_get_video (pa) &&
                      !zero_participant_get_hand (pa), T (5000));
  {
    guint64 before = zero_participant_get_video_frames (pa);

    ZERO_ASSERT_WAIT (zero_participant_get_video_frames (pa) >= before + 10, T (10000));
  }
}

typedef struct {
  gboolean done;
  int status;
  JsonNode *body;
  GError *error;
} Answer;

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Answer *a = user_data;

  a->body = zero_session_manager_request_finish (ZERO_SESSION_MANAGER (source), result,
                                                 &a->status, &a->error);
  a->done = TRUE;
}

static JsonObject *
request (Client     *from,
         Client     *to,
         const char *method,
         const char *path,
         int         expected_status)
{
  Answer a = { 0 };
  JsonObject *object;

  zero_session_manager_request_async (from->sm, participant_of (from, to), method, path, NULL,
                                      on_answer, &a);
  ZERO_ASSERT_WAIT (a.done, T (10000));
  g_assert_no_error (a.error);
  g_assert_cmpint (a.status, ==, expected_status);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (a.body));
  object = json_object_ref (json_node_get_object (a.body));
  json_node_unref (a.body);
  return object;
}

static void
test_requests (Fixture       *f,
               gconstpointer  data)
{
  Client *a, *b;
  g_autoptr (JsonObject) info = NULL;
  g_autoptr (JsonObject) health = NULL;
  g_autoptr (JsonObject) stats = NULL;
  g_autoptr (JsonObject) missing = NULL;
  g_autoptr (JsonObject) post = NULL;

  two_in_a_call (f, &a, &b);
  ZERO_ASSERT_WAIT (decoding_from (b, a, 30, 30), T (20000));
  /* Alice has measured what she receives. */
  ZERO_ASSERT_WAIT (zero_participant_get_kbps_in (participant_of (a, b)) > 0, T (10000));

  info = request (b, a, "GET", "/info", 200);
  g_assert_cmpstr (json_object_get_string_member (info, "name"), ==, "Alice");
  g_assert_cmpstr (json_object_get_string_member (info, "app"), ==, "zero");
  g_assert_cmpstr (json_object_get_string_member (info, "version"), ==, ZERO_VERSION);
  g_assert_nonnull (json_object_get_array_member (info, "capabilities"));

  health = request (b, a, "GET", "/health", 200);
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");

  /* Alice's view of the pair: she receives Bob's media. */
  stats = request (b, a, "GET", "/stats", 200);
  for (guint i = 0; i < 5; i++)
    {
      const char *keys[] = { "rtt_ms", "send_kbps", "recv_kbps", "packets_lost", "fps_in" };

      g_assert_true (json_object_has_member (stats, keys[i]));
    }
  g_assert_cmpfloat (json_object_get_double_member (stats, "recv_kbps"), >, 0);
  g_assert_nonnull (json_object_get_array_member (stats, "codecs"));

  missing = request (b, a, "GET", "/nope", 404);
  g_assert_true (json_object_has_member (missing, "error"));
  post = request (b, a, "POST", "/info", 405);
}

static void
test_reconnect (Fixture       *f,
                gconstpointer  data)
{
  Client *a, *b;
  g_autofree char *old_a = NULL, *old_b = NULL;
  g_autoptr (GError) error = NULL;
  gboolean saw_reconnecting = FALSE;

  two_in_a_call (f, &a, &b);
  ZERO_ASSERT_WAIT (decoding_from (b, a, 10, 10), T (20000));
  old_a = g_strdup (zero_session_manager_get_peer_id (a->sm));
  old_b = g_strdup (zero_session_manager_get_peer_id (b->sm));

  /* The server restarts (same port, sessions forgotten). */
  stop_server (f);
  ZERO_ASSERT_WAIT (zero_session_manager_get_state (a->sm) == ZERO_SESSION_STATE_RECONNECTING &&
                      zero_session_manager_get_state (b->sm) == ZERO_SESSION_STATE_RECONNECTING,
                    T (10000));
  f->server = zero_signaling_server_new ();
  g_assert_true (zero_signaling_server_listen (f->server, "127.0.0.1", f->port, &error));
  g_assert_no_error (error);

  /* Both re-join with new ids; the mesh is rebuilt with the new ids; media flows again. */
  ZERO_ASSERT_WAIT (zero_session_manager_get_state (a->sm) == ZERO_SESSION_STATE_JOINED &&
                      zero_session_manager_get_state (b->sm) == ZERO_SESSION_STATE_JOINED,
                    T (20000));
  g_assert_cmpstr (zero_session_manager_get_peer_id (a->sm), !=, old_a);
  g_assert_cmpstr (zero_session_manager_get_peer_id (b->sm), !=, old_b);
  ZERO_ASSERT_WAIT (participant_of (a, b) && participant_of (b, a), T (20000));
  g_assert_null (zero_session_manager_get_participant (a->sm, old_b));
  g_assert_cmpuint (g_list_model_get_n_items (zero_session_manager_get_participants (a->sm)), ==,
                    2);
  ZERO_ASSERT_WAIT (pair_connected (a, b), T (20000));
  ZERO_ASSERT_WAIT (decoding_from (b, a, 10, 10) && decoding_from (a, b, 10, 10), T (20000));
  for (guint i = 0; i < a->states->len; i++)
    saw_reconnecting = saw_reconnecting ||
                       g_array_index (a->states, ZeroSessionState, i) ==
                         ZERO_SESSION_STATE_RECONNECTING;
  g_assert_true (saw_reconnecting);
  /* The user was told, both ways. */
  g_assert_cmpuint (a->messages->len, >=, 2);
  /* The old peer is reported gone. */
  {
    g_autofree char *gone = g_strdup_printf ("%s reconnect", old_b);
    gboolean found = FALSE;

    for (guint i = 0; i < a->removed->len; i++)
      found = found || g_str_equal (g_ptr_array_index (a->removed, i), gone);
    g_assert_true (found);
  }
}

static void
test_viewer (Fixture       *f,
             gconstpointer  data)
{
  Client *a = client_new (f, "Alice");
  Client *v = client_new (f, "Viewer");
  g_autoptr (GError) error = NULL;
  ZeroJoinOptions opts;
  ZeroParticipant *pv;

  g_assert_true (client_join (a, f, NULL, TRUE, NULL, &error));
  zero_join_options_init (&opts);
  opts.session = zero_session_manager_get_session_id (a->sm);
  opts.name = "Viewer";
  opts.role = ZERO_ROLE_VIEWER;
  opts.server = f->url;
  g_assert_true (client_join_full (v, &opts, &error));
  g_assert_no_error (error);
  ZERO_ASSERT_WAIT (pair_connected (a, v), T (20000));
  /* The viewer sees and hears Alice, and sends nothing. */
  ZERO_ASSERT_WAIT (decoding_from (v, a, 20, 20), T (20000));
  pv = participant_of (a, v);
  g_assert_cmpstr (zero_participant_get_role (pv), ==, "viewer");
  ZERO_ASSERT_WAIT (zero_participant_has_state (pv), T (5000));
  g_assert_false (zero_participant_get_audio (pv));
  g_assert_false (zero_participant_get_video (pv));
  ZERO_WAIT_UNTIL (FALSE, 1000);
  g_assert_cmpuint (zero_participant_get_video_frames (pv), ==, 0);
  g_assert_cmpuint (zero_participant_get_audio_frames (pv), ==, 0);
}

static void
on_sample (ZeroParticipant *p,
           int              kind,
           GstSample       *sample,
           guint           *counts)
{
  g_assert_cmpint (kind, >=, 0);
  g_assert_cmpint (kind, <, ZERO_MEDIA_N_KINDS);
  counts[kind]++;
}

static void
test_screen_share (Fixture       *f,
                   gconstpointer  data)
{
  Client *a, *b;
  g_autoptr (GError) error = NULL;
  ZeroParticipant *pb;
  guint counts[ZERO_MEDIA_N_KINDS] = { 0 };

  two_in_a_call (f, &a, &b);
  pb = participant_of (a, b);
  g_signal_connect (pb, "video-sample", G_CALLBACK (on_sample), counts);
  /* Bob (the answerer) shares: he asks Alice for an offer with an extra m-line. */
  g_assert_true (zero_session_manager_start_screen_share_target (b->sm, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (zero_participant_get_screen (zero_session_manager_get_self (b->sm)));
  ZERO_ASSERT_WAIT (zero_participant_get_screen (pb), T (5000));
  ZERO_ASSERT_WAIT (counts[ZERO_MEDIA_KIND_SCREEN] >= 10, T (20000));
  g_assert_cmpuint (counts[ZERO_MEDIA_KIND_VIDEO], >, 0);
  g_assert_false (zero_session_manager_start_screen_share_target (b->sm, NULL, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_STATE);
  g_clear_error (&error);

  zero_session_manager_stop_screen_share (b->sm);
  ZERO_ASSERT_WAIT (!zero_participant_get_screen (pb), T (5000));
  /* The camera goes on. */
  {
    guint before = counts[ZERO_MEDIA_KIND_VIDEO];

    ZERO_ASSERT_WAIT (counts[ZERO_MEDIA_KIND_VIDEO] >= before + 10, T (10000));
  }
  g_signal_handlers_disconnect_by_data (pb, counts);
}

static void
on_raw_message (ZeroPeer   *peer,
                const char *text,
                GPtrArray  *texts)
{
  g_ptr_array_add (texts, g_strdup (text));
}

static gboolean
has_text (GPtrArray  *texts,
          const char *part)
{
  for (guint i = 0; i < texts->len; i++)
    if (strstr (g_ptr_array_index (texts, i), part))
      return TRUE;
  return FALSE;
}

/* Malformed data-channel messages: refused (400 when the request has an id), unknown types
 * ignored, and the channel goes on working. */
static void
test_datachannel_malformed (Fixture       *f,
                            gconstpointer  data)
{
  Client *a, *b;
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  const char *a_id, *b_id;
  ZeroPeerManager *am, *bm;
  ZeroPeer *b_to_a;
  ZeroDataChannel *a_from_b;
  const char *junk[] = {
    "not json at all",
    "{\"type\":\"chat\",\"id\":\"nope\",\"text\":\"x\",\"ts\":1}",
    "{\"type\":\"state\",\"audio\":\"yes\"}",
    "{\"type\":\"request\",\"id\":77,\"method\":\"GET\"}",
    "{\"type\":\"request\",\"id\":\"x\",\"method\":\"GET\",\"path\":\"/info\"}",
    "{\"type\":\"response\",\"id\":424242,\"status\":200,\"body\":{}}",
    "{\"type\":\"future-extension\",\"x\":1}",
    "[]",
  };

  two_in_a_call (f, &a, &b);
  a_id = zero_session_manager_get_peer_id (a->sm);
  b_id = zero_session_manager_get_peer_id (b->sm);
  am = _zero_session_manager_get_peer_manager (a->sm);
  bm = _zero_session_manager_get_peer_manager (b->sm);
  b_to_a = zero_peer_manager_get_peer (bm, a_id);
  a_from_b = zero_peer_manager_get_channel (am, b_id);
  g_assert_nonnull (b_to_a);
  g_assert_nonnull (a_from_b);
  g_signal_connect (b_to_a, "data-message", G_CALLBACK (on_raw_message), texts);

  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    g_assert_true (zero_peer_send_data (b_to_a, junk[i], &error));
  /* The malformed request with an id gets a 400 naming the problem. */
  ZERO_ASSERT_WAIT (has_text (texts, "\"id\":77,\"status\":400"), T (5000));
  g_assert_true (has_text (texts, "path"));
  /* A response to nothing, and an unknown type: ignored, nothing sent back. */
  ZERO_WAIT_UNTIL (FALSE, 300);
  g_assert_cmpuint (zero_data_channel_get_n_refused (a_from_b), ==, 6);
  g_assert_cmpuint (zero_data_channel_get_n_ignored (a_from_b), ==, 1);
  g_assert_false (has_text (texts, "424242"));
  g_assert_cmpuint (a->chats->len, ==, 0);

  /* Still a working channel. */
  g_assert_true (zero_session_manager_send_chat (b->sm, "still here", &error));
  ZERO_ASSERT_WAIT (a->chats->len == 1, T (5000));
  g_signal_handlers_disconnect_by_data (b_to_a, texts);
}

int
main (int   argc,
      char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  zero_test_tolerate_known_gst_bugs ();

  g_test_add_func ("/sessionmanager/reference", test_reference);
  g_test_add_func ("/sessionmanager/join/unreachable", test_join_unreachable);
#define ADD(path, func, data)                                                              \
  g_test_add ("/sessionmanager/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("join/create-and-join", test_join_create, NULL);
  ADD ("join/errors", test_join_errors, NULL);
  ADD ("join/session-full", test_join_full, GUINT_TO_POINTER (1));
  ADD ("join/cancel", test_join_cancel, NULL);
  ADD ("roster/leave-and-return", test_roster_leave, NULL);
  ADD ("chat", test_chat, NULL);
  ADD ("state", test_state, NULL);
  ADD ("requests", test_requests, NULL);
  ADD ("reconnect", test_reconnect, NULL);
  ADD ("viewer", test_viewer, NULL);
  ADD ("screen-share", test_screen_share, NULL);
  ADD ("datachannel/malformed", test_datachannel_malformed, NULL);
#undef ADD
  return g_test_run ();
}

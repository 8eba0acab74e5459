/* peer-interop.c: a minimal Zero client for interop tests of ZeroPeer against other
 * stacks (Chromium through tests/browser/run-browser-peer.mjs): signaling through
 * ZeroSignalingClient, test media like the other webrtc tests, one ZeroPeer per remote
 * peer, PROTOCOL.md section 5's roles. The real client is zero-cli (session manager);
 * this one keeps the test to ZeroPeer's own behaviour.
 *
 *   peer-interop --server URL (--create --session UUID | --join UUID) [--h264]
 *                [--seconds N] [--expect-frames N] [--screen-after MS]
 *
 * Prints JSON lines (event: joined, peer-state, data-open, first-frame, chat, result).
 * Exit 0 when every remote peer connected, sent N decoded video frames and audio and a
 * data-channel message; 1 otherwise; 2 usage; 3 signaling.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gst/gst.h>
#include <stdio.h>

#include "peer-fixture.h"
#include "signaling/zero-signaling-client.h"

typedef struct {
  ZeroPeer *peer;
  char *id;
  TestEvents *ev;
  gboolean got_chat;
} Remote;

static ZeroSignalingClient *client;
static TestParty *party;
static GHashTable *remotes; /* id -> Remote */
static GMainLoop *loop;
static guint expect_frames = 30;
static int exit_code = 1;

static void
emit (const char *fmt,
      ...) G_GNUC_PRINTF (1, 2);

static void
emit (const char *fmt,
      ...)
{
  va_list ap;

  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
}

static void
remote_free (gpointer data)
{
  Remote *r = data;

  zero_peer_close (r->peer);
  test_events_free (r->ev);
  g_object_unref (r->peer);
  g_free (r->id);
  g_free (r);
}

static void
on_signal_out (ZeroPeer   *peer,
               JsonObject *msg,
               Remote     *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) copy = json_object_new ();
  GList *members = json_object_get_members (msg);

  for (GList *l = members; l; l = l->next)
    json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (msg, l->data)));
  g_list_free (members);
  json_object_set_string_member (copy, "to", r->id);
  if (!zero_signaling_client_send (client, copy, &error))
    g_printerr ("send: %s\n", error->message);
}

static void
on_state (ZeroPeer *peer,
          int       state,
          Remote   *r)
{
  emit ("{\"event\":\"peer-state\",\"peer_id\":\"%s\",\"state\":\"%s\"}", r->id,
        zero_peer_state_to_string (state));
  if (state == ZERO_PEER_STATE_FAILED)
    g_printerr ("peer %s failed: %s\n", r->id, zero_peer_get_error (peer)->message);
}

static void
on_data_open (ZeroPeer *peer,
              Remote   *r)
{
  emit ("{\"event\":\"data-open\",\"peer_id\":\"%s\"}", r->id);
  zero_peer_send_data (peer, "{\"type\":\"state\",\"audio\":true,\"video\":true,\"screen\":false}",
                       NULL);
  zero_peer_send_data (peer, "{\"type\":\"chat\",\"id\":\"8d5ad2f5-52b2-4a4b-9d2a-6c3c4f5d6e7f\","
                             "\"text\":\"hello from ZeroPeer\",\"ts\":0}", NULL);
}

static void
on_data_message (ZeroPeer   *peer,
                 const char *text,
                 Remote     *r)
{
  g_autoptr (JsonNode) node = json_from_string (text, NULL);
  JsonObject *o = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *type = o ? json_object_get_string_member_with_default (o, "type", "") : "";

  if (g_str_equal (type, "chat"))
    {
      r->got_chat = TRUE;
      emit ("{\"event\":\"chat\",\"from\":\"%s\"}", r->id);
    }
  else if (g_str_equal (type, "request"))
    {
      /* Enough of PROTOCOL.md section 7 for a browser peer's GET /info. */
      g_autofree char *reply = g_strdup_printf (
        "{\"type\":\"response\",\"id\":%" G_GINT64_FORMAT ",\"status\":200,\"body\":"
        "{\"name\":\"peer-interop\",\"app\":\"zero-peer-interop\",\"version\":\"0\","
        "\"capabilities\":[]}}", json_object_get_int_member_with_default (o, "id", 0));

      zero_peer_send_data (peer, reply, NULL);
    }
}

static void
on_first_frame (ZeroPeer *peer,
                int       kind,
                gint64    us,
                Remote   *r)
{
  emit ("{\"event\":\"first-frame\",\"peer_id\":\"%s\",\"kind\":\"%s\",\"ms_since_peer\":%.1f}",
        r->id, zero_media_kind_to_string (kind), us / 1000.0);
}

static Remote *
add_remote (const char *id,
            gboolean    offerer)
{
  ZeroPeerOptions opts;
  g_autoptr (GError) error = NULL;
  Remote *r = g_new0 (Remote, 1);

  test_peer_options (&opts);
  opts.connect_timeout_s = 20;
  r->id = g_strdup (id);
  r->peer = zero_peer_new (GST_BIN (party->pipeline), id, offerer, &opts, &error);
  if (r->peer == NULL)
    g_error ("zero_peer_new: %s", error->message);
  r->ev = test_events_new (r->peer);
  g_signal_connect (r->peer, "signal-out", G_CALLBACK (on_signal_out), r);
  g_signal_connect (r->peer, "state-changed", G_CALLBACK (on_state), r);
  g_signal_connect (r->peer, "data-open", G_CALLBACK (on_data_open), r);
  g_signal_connect (r->peer, "data-message", G_CALLBACK (on_data_message), r);
  g_signal_connect (r->peer, "first-frame", G_CALLBACK (on_first_frame), r);
  test_party_attach (party, r->peer);
  g_hash_table_insert (remotes, r->id, r);
  zero_peer_start (r->peer);
  return r;
}

static void
on_welcome (ZeroSignalingClient *c,
            JsonObject          *msg,
            gpointer             data)
{
  JsonArray *peers = json_object_get_array_member (msg, "peers");

  emit ("{\"event\":\"joined\",\"peer_id\":\"%s\"}", zero_signaling_client_get_peer_id (c));
  /* Already there: they offer. */
  for (guint i = 0; peers && i < json_array_get_length (peers); i++)
    add_remote (json_object_get_string_member (json_array_get_object_element (peers, i),
                                               "peer_id"), FALSE);
}

static void
on_peer_joined (ZeroSignalingClient *c,
                JsonObject          *msg,
                gpointer             data)
{
  /* We were here first: we offer. */
  add_remote (json_object_get_string_member (msg, "peer_id"), TRUE);
}

static void
on_peer_left (ZeroSignalingClient *c,
              JsonObject          *msg,
              gpointer             data)
{
  g_hash_table_remove (remotes, json_object_get_string_member (msg, "peer_id"));
}

static void
on_relayed (ZeroSignalingClient *c,
            JsonObject          *msg,
            gpointer             data)
{
  const char *from = json_object_get_string_member_with_default (msg, "from", "");
  Remote *r = g_hash_table_lookup (remotes, from);
  g_autoptr (GError) error = NULL;

  if (r == NULL)
    return;
  if (!zero_peer_handle_signal (r->peer, msg, &error))
    g_printerr ("from %s: %s\n", from, error->message);
}

static void
on_error (ZeroSignalingClient *c,
          JsonObject          *msg,
          gpointer             data)
{
  g_printerr ("server error: %s\n", json_object_get_string_member_with_default (msg, "message",
                                                                               "?"));
}

static gboolean
check_done (gpointer data)
{
  GHashTableIter it;
  gpointer value;
  gboolean all = g_hash_table_size (remotes) > 0;

  g_hash_table_iter_init (&it, remotes);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      Remote *r = value;

      all = all && zero_peer_get_state (r->peer) == ZERO_PEER_STATE_CONNECTED &&
            zero_peer_get_frames_decoded (r->peer, ZERO_MEDIA_KIND_VIDEO) >= expect_frames &&
            zero_peer_get_frames_decoded (r->peer, ZERO_MEDIA_KIND_AUDIO) >= expect_frames &&
            r->got_chat;
    }
  if (all)
    {
      exit_code = 0;
      g_main_loop_quit (loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_deadline (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  const char **args = data;
  g_autoptr (GError) error = NULL;

  if (!zero_signaling_client_connect_finish (client, result, &error) ||
      !zero_signaling_client_join (client, args[0], "peer-interop", ZERO_ROLE_PARTICIPANT,
                                   GPOINTER_TO_INT (args[1]), NULL, NULL, &error))
    {
      g_printerr ("signaling: %s\n", error->message);
      exit_code = 3;
      g_main_loop_quit (loop);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *server = NULL;
  g_autofree char *session = NULL;
  g_autofree char *join = NULL;
  gboolean create = FALSE, h264 = FALSE;
  int seconds = 30;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, "Signaling server URL", "URL" },
    { "create", 0, 0, G_OPTION_ARG_NONE, &create, "Create the session", NULL },
    { "session", 0, 0, G_OPTION_ARG_STRING, &session, "Session to create", "UUID" },
    { "join", 0, 0, G_OPTION_ARG_STRING, &join, "Session to join", "UUID" },
    { "h264", 0, 0, G_OPTION_ARG_NONE, &h264, "Send H.264 instead of VP8", NULL },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Give up after N seconds", "N" },
    { "expect-frames", 0, 0, G_OPTION_ARG_INT, &expect_frames, "Frames per peer", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- ZeroPeer interop client");
  g_autoptr (GError) error = NULL;
  const char *args[2];

  gst_init (&argc, &argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || server == NULL ||
      (create ? session == NULL : join == NULL))
    {
      g_printerr ("%s\n", error ? error->message : g_option_context_get_help (ctx, TRUE, NULL));
      return 2;
    }
  zero_peer_prewarm ();
  party = test_party_new (h264, TRUE, TRUE);
  remotes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, remote_free);
  loop = g_main_loop_new (NULL, FALSE);
  client = zero_signaling_client_new (server, &error);
  if (client == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  g_signal_connect (client, "welcome", G_CALLBACK (on_welcome), NULL);
  g_signal_connect (client, "peer-joined", G_CALLBACK (on_peer_joined), NULL);
  g_signal_connect (client, "peer-left", G_CALLBACK (on_peer_left), NULL);
  g_signal_connect (client, "error", G_CALLBACK (on_error), NULL);
  for (const char *const *t = (const char *const[]) { "offer", "answer", "ice", "request-offer",
                                                       NULL }; *t; t++)
    g_signal_connect (client, *t, G_CALLBACK (on_relayed), NULL);
  args[0] = create ? session : join;
  args[1] = GINT_TO_POINTER (create);
  zero_signaling_client_connect_async (client, NULL, on_connected, args);
  g_timeout_add (200, check_done, NULL);
  g_timeout_add_seconds (seconds, on_deadline, NULL);
  g_main_loop_run (loop);

  {
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init (&it, remotes);
    while (g_hash_table_iter_next (&it, NULL, &value))
      {
        Remote *r = value;

        g_autoptr (ZeroPeerStats) stats = zero_peer_get_stats (r->peer);
        g_autofree char *json = zero_peer_stats_to_json (stats);

        emit ("{\"event\":\"result\",\"peer_id\":\"%s\",\"state\":\"%s\",\"video_frames\":%"
              G_GUINT64_FORMAT ",\"audio_frames\":%" G_GUINT64_FORMAT ",\"chat\":%s,\"stats\":%s}",
              r->id,
              zero_peer_state_to_string (zero_peer_get_state (r->peer)),
              zero_peer_get_frames_decoded (r->peer, ZERO_MEDIA_KIND_VIDEO),
              zero_peer_get_frames_decoded (r->peer, ZERO_MEDIA_KIND_AUDIO),
              r->got_chat ? "true" : "false", json);
      }
  }
  g_hash_table_unref (remotes);
  zero_signaling_client_disconnect (client);
  g_object_unref (client);
  test_party_free (party);
  return exit_code;
}

/* test-sfu-client.c: ZeroSfuClient against a real Janus (tools/zero-janus) in the test's
 * own network namespace with a veth pair (libnice, so Janus, cannot use 127.0.0.1).
 *
 * Media is real: test patterns encoded by ZeroMediaSource, published to Janus, relayed,
 * received by another client and decoded; the tests count decoded frames.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gst/gst.h>
#include <string.h>

#include "sfu-test-util.h"
#include "sfu/zero-sfu-client.h"

#define ADMIN_KEY "test-admin-key"
#define ROOM_SECRET "room-secret"
#define PIN "test-pin"
#define WS_PORT 8188
/* Short, so that the keep-alive test is quick: clients here send one every second. */
#define SESSION_TIMEOUT_S 4

static ZeroTestNetns netns;
static TestJanus *janus;
static guint64 next_room = 1000;

typedef struct
{
  ZeroMediaSource *media;
  ZeroSfuClient *client;
  char *name;
  GPtrArray *added;        /* peer ids (owned) */
  GPtrArray *removed;      /* "peer_id:reason" (owned) */
  GHashTable *video;       /* peer id -> frames (GUINT_TO_POINTER) */
  GHashTable *first;       /* "peer_id:kind" -> 1 */
  GPtrArray *states;       /* ZeroSfuClientState history (GINT_TO_POINTER) */
  ZeroPeerStats *pub_stats;
  GPtrArray *messages;
} Party;

static void
on_added (ZeroSfuClient *c, const char *peer_id, Party *p)
{
  g_ptr_array_add (p->added, g_strdup (peer_id));
}

static void
on_removed (ZeroSfuClient *c, const char *peer_id, const char *reason, Party *p)
{
  g_ptr_array_add (p->removed, g_strdup_printf ("%s:%s", peer_id, reason));
}

static void
on_video (ZeroSfuClient *c, const char *peer_id, int kind, GstSample *sample, Party *p)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (p->video, peer_id));

  g_assert_nonnull (gst_sample_get_buffer (sample));
  g_hash_table_insert (p->video, g_strdup (peer_id), GUINT_TO_POINTER (n + 1));
}

static void
on_first (ZeroSfuClient *c, const char *peer_id, int kind, gint64 us, Party *p)
{
  g_assert_cmpint (us, >, 0);
  g_hash_table_add (p->first, g_strdup_printf ("%s:%s", peer_id, zero_media_kind_to_string (kind)));
}

static void
on_state (ZeroSfuClient *c, int state, Party *p)
{
  g_ptr_array_add (p->states, GINT_TO_POINTER (state));
}

static void
on_stats (ZeroSfuClient *c, const char *peer_id, ZeroPeerStats *stats, Party *p)
{
  if (peer_id == NULL)
    {
      g_clear_pointer (&p->pub_stats, zero_peer_stats_free);
      p->pub_stats = zero_peer_stats_copy (stats);
    }
}

static void
on_message (ZeroSfuClient *c, const char *text, Party *p)
{
  g_ptr_array_add (p->messages, g_strdup (text));
}

static gboolean create_rooms; /* party_new(): create_room with the admin key */

static Party *
party_new (const char *name, guint64 room, const char *pin, gboolean video, guint keepalive_ms,
           GError **error)
{
  Party *p = g_new0 (Party, 1);
  ZeroSfuClientOptions opts;

  zero_sfu_client_options_init (&opts);
  opts.create_room = create_rooms;
  opts.admin_key = create_rooms ? ADMIN_KEY : NULL;
  opts.url = janus->url;
  opts.room = room;
  opts.pin = pin;
  opts.display = name;
  opts.keepalive_ms = keepalive_ms;
  opts.transaction_timeout_ms = 5000;
  opts.reconnect_min_ms = 200;
  opts.reconnect_max_ms = 1000;
  opts.peer.send_video = video;
  opts.peer.video_caps = "video/x-raw,format=I420";
  p->name = g_strdup (name);
  p->media = test_media_new (video, TRUE);
  p->client = zero_sfu_client_new (p->media, &opts, error);
  if (p->client == NULL)
    {
      g_object_unref (p->media);
      g_free (p->name);
      g_free (p);
      return NULL;
    }
  p->added = g_ptr_array_new_with_free_func (g_free);
  p->removed = g_ptr_array_new_with_free_func (g_free);
  p->states = g_ptr_array_new ();
  p->messages = g_ptr_array_new_with_free_func (g_free);
  p->video = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->first = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (p->client, "publisher-added", G_CALLBACK (on_added), p);
  g_signal_connect (p->client, "publisher-removed", G_CALLBACK (on_removed), p);
  g_signal_connect (p->client, "video-sample", G_CALLBACK (on_video), p);
  g_signal_connect (p->client, "first-frame", G_CALLBACK (on_first), p);
  g_signal_connect (p->client, "state-changed", G_CALLBACK (on_state), p);
  g_signal_connect (p->client, "stats", G_CALLBACK (on_stats), p);
  g_signal_connect (p->client, "message", G_CALLBACK (on_message), p);
  return p;
}

static void
party_free (Party *p)
{
  if (p == NULL)
    return;
  zero_sfu_client_stop (p->client);
  g_object_unref (p->client);
  zero_media_source_stop (p->media);
  g_object_unref (p->media);
  g_ptr_array_unref (p->added);
  g_ptr_array_unref (p->removed);
  g_ptr_array_unref (p->states);
  g_ptr_array_unref (p->messages);
  g_hash_table_unref (p->video);
  g_hash_table_unref (p->first);
  g_clear_pointer (&p->pub_stats, zero_peer_stats_free);
  g_free (p->name);
  g_free (p);
}

static guint
frames_from (Party *p, const char *peer_id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (p->video, peer_id));
}

static guint64
audio_from (Party *p, const char *peer_id)
{
  ZeroPeer *peer = zero_sfu_client_get_subscriber_peer (p->client, peer_id);

  return peer ? zero_peer_get_frames_decoded (peer, ZERO_MEDIA_KIND_AUDIO) : 0;
}

static gboolean
has_string (GPtrArray *a, const char *s)
{
  for (guint i = 0; i < a->len; i++)
    if (g_str_equal (a->pdata[i], s))
      return TRUE;
  return FALSE;
}

static guint64
new_room (void)
{
  g_autoptr (GError) error = NULL;
  guint64 room = next_room++;

  test_janus_create_room (janus, room, ROOM_SECRET, PIN, &error);
  g_assert_no_error (error);
  return room;
}

#define STATE(p) zero_sfu_client_get_state ((p)->client)

/* Two members publish; each subscribes to the other and decodes its video and audio. */
static void
test_publish_subscribe (void)
{
  guint64 room = new_room ();
  Party *a = party_new ("peer-a", room, PIN, TRUE, 1000, NULL);
  Party *b = party_new ("peer-b", room, PIN, TRUE, 1000, NULL);
  g_autoptr (GPtrArray) pubs = NULL;
  g_autoptr (ZeroPeerStats) sub_stats = NULL;

  zero_sfu_client_start (a->client);
  ZERO_ASSERT_WAIT (STATE (a) == ZERO_SFU_CLIENT_CONNECTED, 15000);
  g_assert_cmpuint (zero_sfu_client_get_feed_id (a->client), >, 0);
  zero_sfu_client_start (b->client);
  ZERO_ASSERT_WAIT (STATE (b) == ZERO_SFU_CLIENT_CONNECTED, 15000);

  /* Janus tells each about the other, by display = peer id. */
  ZERO_ASSERT_WAIT (has_string (a->added, "peer-b") && has_string (b->added, "peer-a"), 10000);
  pubs = zero_sfu_client_list_publishers (a->client);
  g_assert_cmpuint (pubs->len, ==, 1);
  g_assert_cmpstr (pubs->pdata[0], ==, "peer-b");

  /* Real frames through the SFU, both ways, video and audio. */
  ZERO_ASSERT_WAIT (frames_from (a, "peer-b") >= 15 && frames_from (b, "peer-a") >= 15, 20000);
  ZERO_ASSERT_WAIT (audio_from (a, "peer-b") >= 25 && audio_from (b, "peer-a") >= 25, 10000);
  g_assert_true (g_hash_table_contains (a->first, "peer-b:video"));
  g_assert_true (g_hash_table_contains (b->first, "peer-a:audio"));

  /* One outbound video stream each (the publisher), none on the subscriber connection. */
  ZERO_ASSERT_WAIT (a->pub_stats && a->pub_stats->video_streams_out == 1 &&
                      a->pub_stats->audio_streams_out == 1 && a->pub_stats->send_kbps > 20,
                    10000);
  sub_stats = zero_peer_get_stats (zero_sfu_client_get_subscriber_peer (a->client, "peer-b"));
  g_assert_cmpint (sub_stats->video_streams_out, ==, 0);
  g_assert_cmpint (sub_stats->audio_streams_out, ==, 0);
  g_assert_cmpuint (zero_sfu_client_get_n_reconnects (a->client), ==, 0);

  party_free (b);
  party_free (a);
}

/* A member that stops goes away from the others (unpublished/left), and its connection
 * is released; a new publisher mid-call is picked up. */
static void
test_unpublish_leave (void)
{
  guint64 room = new_room ();
  Party *a = party_new ("peer-a", room, PIN, TRUE, 1000, NULL);
  Party *b = party_new ("peer-b", room, PIN, TRUE, 1000, NULL);
  Party *c;
  g_autofree char *removed = NULL;

  zero_sfu_client_start (a->client);
  zero_sfu_client_start (b->client);
  ZERO_ASSERT_WAIT (frames_from (a, "peer-b") >= 5 && frames_from (b, "peer-a") >= 5, 25000);

  c = party_new ("peer-c", room, PIN, TRUE, 1000, NULL);
  zero_sfu_client_start (c->client);
  ZERO_ASSERT_WAIT (frames_from (a, "peer-c") >= 5 && frames_from (b, "peer-c") >= 5 &&
                      frames_from (c, "peer-a") >= 5 && frames_from (c, "peer-b") >= 5,
                    25000);

  party_free (b);
  ZERO_ASSERT_WAIT (!zero_sfu_client_has_publisher (a->client, "peer-b") &&
                      !zero_sfu_client_has_publisher (c->client, "peer-b"),
                    10000);
  g_assert_true (has_string (a->removed, "peer-b:unpublished") ||
                 has_string (a->removed, "peer-b:left"));
  g_assert_null (zero_sfu_client_get_subscriber_peer (a->client, "peer-b"));
  /* The others keep flowing. */
  {
    guint before = frames_from (a, "peer-c");
    ZERO_ASSERT_WAIT (frames_from (a, "peer-c") >= before + 10, 10000);
  }
  party_free (c);
  party_free (a);
}

/* Keep-alives keep the Janus session (timeout 4 s here) alive; without them Janus drops it
 * and the client notices and reconnects. */
static void
test_keepalive (void)
{
  guint64 room = new_room ();
  Party *a = party_new ("peer-a", room, PIN, FALSE, 1000, NULL);
  Party *silent = party_new ("peer-silent", room, PIN, FALSE, 0, NULL);
  gint64 until;

  zero_sfu_client_start (a->client);
  zero_sfu_client_start (silent->client);
  ZERO_ASSERT_WAIT (STATE (a) == ZERO_SFU_CLIENT_CONNECTED &&
                      STATE (silent) == ZERO_SFU_CLIENT_CONNECTED, 15000);
  until = g_get_monotonic_time () + (SESSION_TIMEOUT_S * 2 + 3) * G_USEC_PER_SEC;
  ZERO_WAIT_UNTIL (g_get_monotonic_time () >= until, (SESSION_TIMEOUT_S * 2 + 4) * 1000);
  /* Janus timed the silent one out at least once; the other never left CONNECTED. */
  g_assert_cmpuint (zero_sfu_client_get_n_reconnects (silent->client), >=, 1);
  g_assert_cmpuint (zero_sfu_client_get_n_reconnects (a->client), ==, 0);
  for (guint i = 0; i < a->states->len; i++)
    g_assert_cmpint (GPOINTER_TO_INT (a->states->pdata[i]), !=, ZERO_SFU_CLIENT_RECONNECTING);
  party_free (silent);
  party_free (a);
}

/* Janus's refusals arrive as ZERO_SFU_ERROR codes. */
static void
test_errors (void)
{
  guint64 room = new_room ();
  g_autoptr (GError) error = NULL;
  Party *p;
  ZeroSfuClientOptions opts;
  g_autoptr (ZeroMediaSource) media = NULL;

  /* Wrong pin: unauthorized, final. */
  p = party_new ("peer-x", room, "wrong-pin", FALSE, 1000, NULL);
  zero_sfu_client_start (p->client);
  ZERO_ASSERT_WAIT (STATE (p) == ZERO_SFU_CLIENT_FAILED, 10000);
  g_assert_error (zero_sfu_client_get_error (p->client), ZERO_SFU_ERROR,
                  ZERO_SFU_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (zero_sfu_client_get_error (p->client)->message, "433"));
  g_assert_cmpuint (p->messages->len, >=, 1);
  party_free (p);

  /* No pin at all: also unauthorized. */
  p = party_new ("peer-x", room, NULL, FALSE, 1000, NULL);
  zero_sfu_client_start (p->client);
  ZERO_ASSERT_WAIT (STATE (p) == ZERO_SFU_CLIENT_FAILED, 10000);
  g_assert_error (zero_sfu_client_get_error (p->client), ZERO_SFU_ERROR,
                  ZERO_SFU_ERROR_UNAUTHORIZED);
  party_free (p);

  /* No such room: retried (the server may be making it), reported as NO_SUCH_ROOM. */
  p = party_new ("peer-x", 999999, PIN, FALSE, 1000, NULL);
  zero_sfu_client_start (p->client);
  ZERO_ASSERT_WAIT (STATE (p) == ZERO_SFU_CLIENT_RECONNECTING, 10000);
  g_assert_error (zero_sfu_client_get_error (p->client), ZERO_SFU_ERROR,
                  ZERO_SFU_ERROR_NO_SUCH_ROOM);
  party_free (p);

  /* Nothing listening: a connect error, retried. */
  zero_sfu_client_options_init (&opts);
  media = test_media_new (FALSE, TRUE);
  opts.url = "ws://127.0.0.1:9/";
  opts.room = room;
  opts.display = "peer-y";
  opts.reconnect_min_ms = 100;
  {
    g_autoptr (ZeroSfuClient) c = zero_sfu_client_new (media, &opts, &error);

    g_assert_no_error (error);
    zero_sfu_client_start (c);
    ZERO_ASSERT_WAIT (zero_sfu_client_get_state (c) == ZERO_SFU_CLIENT_RECONNECTING, 10000);
    g_assert_error (zero_sfu_client_get_error (c), ZERO_SFU_ERROR, ZERO_SFU_ERROR_CONNECT);
    zero_sfu_client_stop (c);
    g_assert_cmpint (zero_sfu_client_get_state (c), ==, ZERO_SFU_CLIENT_STOPPED);
  }

  /* Bad options never make a client. */
  opts.url = "http://example.org/";
  g_assert_null (zero_sfu_client_new (media, &opts, &error));
  g_assert_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  opts.url = janus->url;
  opts.room = 0;
  g_assert_null (zero_sfu_client_new (media, &opts, &error));
  g_assert_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  opts.room = room;
  opts.display = "";
  g_assert_null (zero_sfu_client_new (media, &opts, &error));
  g_assert_error (error, ZERO_SFU_ERROR, ZERO_SFU_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  zero_media_source_stop (media);
}

/* The Janus code table: each code lands on its documented ZERO_SFU_ERROR. */
static void
test_error_mapping (void)
{
  static const struct { int janus; ZeroSfuError sfu; gboolean final; } cases[] = {
    { 433, ZERO_SFU_ERROR_UNAUTHORIZED, TRUE },
    { 403, ZERO_SFU_ERROR_UNAUTHORIZED, TRUE },
    { 426, ZERO_SFU_ERROR_NO_SUCH_ROOM, FALSE },
    { 432, ZERO_SFU_ERROR_ROOM_FULL, TRUE },
    { 428, ZERO_SFU_ERROR_NO_SUCH_FEED, FALSE },
    { 458, ZERO_SFU_ERROR_SESSION_LOST, FALSE },
    { 459, ZERO_SFU_ERROR_SESSION_LOST, FALSE },
    { 465, ZERO_SFU_ERROR_NEGOTIATION, FALSE },
    { 437, ZERO_SFU_ERROR_NEGOTIATION, FALSE },
    { 499, ZERO_SFU_ERROR_REFUSED, FALSE },
    { 430, ZERO_SFU_ERROR_REFUSED, TRUE },
    { 456, ZERO_SFU_ERROR_REFUSED, TRUE },
    { ZERO_JANUS_ERROR_TIMEOUT, ZERO_SFU_ERROR_TIMEOUT, FALSE },
    { ZERO_JANUS_ERROR_CLOSED, ZERO_SFU_ERROR_CLOSED, FALSE },
    { ZERO_JANUS_ERROR_CONNECT, ZERO_SFU_ERROR_CONNECT, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) janus_error = g_error_new (ZERO_JANUS_ERROR, cases[i].janus, "code %d",
                                                    cases[i].janus);
      g_autoptr (GError) mapped = zero_sfu_error_from_janus (janus_error);

      g_assert_error (mapped, ZERO_SFU_ERROR, (int) cases[i].sfu);
      g_assert_cmpstr (mapped->message, ==, janus_error->message);
      g_assert_cmpint (zero_sfu_error_is_final (janus_error), ==, cases[i].final);
    }
  {
    g_autoptr (GError) e = g_error_new (ZERO_JANUS_ERROR, 429, "Janus refused \"join\": "
                                         "Missing mandatory element (pin) (429)");
    g_autoptr (GError) mapped = zero_sfu_error_from_janus (e);

    g_assert_error (mapped, ZERO_SFU_ERROR, ZERO_SFU_ERROR_UNAUTHORIZED);
    g_assert_true (zero_sfu_error_is_final (e));
  }
}

/* Janus dies; both clients reconnect when it is back (and the room is made again, as the
 * signaling server does), publish again and the media flows again. */
static void
test_reconnect (void)
{
  guint64 room = new_room ();
  Party *a = party_new ("peer-a", room, PIN, TRUE, 1000, NULL);
  Party *b = party_new ("peer-b", room, PIN, TRUE, 1000, NULL);
  g_autoptr (GError) error = NULL;
  guint before;

  zero_sfu_client_start (a->client);
  zero_sfu_client_start (b->client);
  ZERO_ASSERT_WAIT (frames_from (a, "peer-b") >= 5 && frames_from (b, "peer-a") >= 5, 25000);

  test_janus_stop (janus, TRUE);
  ZERO_ASSERT_WAIT (STATE (a) == ZERO_SFU_CLIENT_RECONNECTING &&
                      STATE (b) == ZERO_SFU_CLIENT_RECONNECTING, 15000);
  g_assert_true (has_string (a->removed, "peer-b:reconnecting"));
  g_assert_null (zero_sfu_client_get_publisher_peer (a->client));

  test_janus_free (janus);
  janus = test_janus_start (netns.addr_a, WS_PORT, ADMIN_KEY, SESSION_TIMEOUT_S);
  test_janus_create_room (janus, room, ROOM_SECRET, PIN, &error);
  g_assert_no_error (error);

  ZERO_ASSERT_WAIT (STATE (a) == ZERO_SFU_CLIENT_CONNECTED &&
                      STATE (b) == ZERO_SFU_CLIENT_CONNECTED, 20000);
  g_assert_cmpuint (zero_sfu_client_get_n_reconnects (a->client), >=, 1);
  before = frames_from (a, "peer-b");
  ZERO_ASSERT_WAIT (frames_from (a, "peer-b") >= before + 10 &&
                      zero_sfu_client_has_publisher (b->client, "peer-a"),
                    25000);
  party_free (b);
  party_free (a);
}

/* stop() releases everything: no webrtcbin left in the pipeline, pads given back. */
static void
test_teardown (void)
{
  guint64 room = new_room ();
  Party *a = party_new ("peer-a", room, PIN, TRUE, 1000, NULL);
  Party *b = party_new ("peer-b", room, PIN, TRUE, 1000, NULL);
  ZeroMediaStats stats;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonObject) reply = NULL;

  zero_sfu_client_start (a->client);
  zero_sfu_client_start (b->client);
  ZERO_ASSERT_WAIT (frames_from (a, "peer-b") >= 5 && frames_from (b, "peer-a") >= 5, 25000);
  zero_media_source_get_stats (a->media, &stats);
  g_assert_cmpuint (stats.video_branches, ==, 1);
  g_assert_cmpuint (stats.audio_branches, ==, 1);

  zero_sfu_client_stop (a->client);
  g_assert_cmpint (STATE (a), ==, ZERO_SFU_CLIENT_STOPPED);
  g_assert_true (has_string (a->removed, "peer-b:stopped"));
  zero_media_source_get_stats (a->media, &stats);
  g_assert_cmpuint (stats.video_branches, ==, 0);
  g_assert_cmpuint (stats.audio_branches, ==, 0);
  g_assert_cmpuint (stats.playback_inputs, ==, 0);
  {
    GstPipeline *pipeline = zero_media_source_get_pipeline (a->media);
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
    GValue item = G_VALUE_INIT;
    guint webrtcbins = 0;

    while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
      {
        GstElement *e = g_value_get_object (&item);
        GstElementFactory *f = gst_element_get_factory (e);

        if (f && g_str_equal (GST_OBJECT_NAME (f), "webrtcbin"))
          webrtcbins++;
        g_value_reset (&item);
      }
    g_value_unset (&item);
    gst_iterator_free (it);
    g_assert_cmpuint (webrtcbins, ==, 0);
  }
  /* Janus saw us leave: only b is in the room. */
  ZERO_ASSERT_WAIT (!zero_sfu_client_has_publisher (b->client, "peer-a"), 10000);
  json_object_set_string_member (body, "request", "listparticipants");
  json_object_set_int_member (body, "room", (gint64) room);
  reply = test_janus_request (janus->url, body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (reply,
                                                                         "participants")),
                    ==, 1);

  /* And it can start again. */
  zero_sfu_client_start (a->client);
  ZERO_ASSERT_WAIT (zero_sfu_client_has_publisher (a->client, "peer-b") &&
                      frames_from (a, "peer-b") >= 10, 20000);
  party_free (b);
  party_free (a);
}

/* Config-forced SFU mode: no server makes the room; the members do (the first one wins,
 * the others find it), with the room and pin every member derives from the session. */
static void
test_forced_room (void)
{
  const char *session = "0b7a9c1e-2f3d-4e5a-8b6c-7d8e9f0a1b2c";
  g_autofree char *pin = NULL;
  guint64 room = 0;
  Party *a, *b;

  zero_sfu_forced_room (session, &room, &pin);
  g_assert_cmpuint (room, >, 0);
  g_assert_nonnull (pin);
  create_rooms = TRUE;
  a = party_new ("peer-a", room, pin, TRUE, 1000, NULL);
  b = party_new ("peer-b", room, pin, TRUE, 1000, NULL);
  create_rooms = FALSE;
  zero_sfu_client_start (a->client);
  zero_sfu_client_start (b->client);
  ZERO_ASSERT_WAIT (frames_from (a, "peer-b") >= 10 && frames_from (b, "peer-a") >= 10, 25000);
  party_free (b);
  party_free (a);
}

int
main (int argc, char **argv)
{
  int status;

  sfu_test_enter_netns (&netns);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  janus = test_janus_start (netns.addr_a, WS_PORT, ADMIN_KEY, SESSION_TIMEOUT_S);

  g_test_add_func ("/sfu/client/error-mapping", test_error_mapping);
  g_test_add_func ("/sfu/client/publish-subscribe", test_publish_subscribe);
  g_test_add_func ("/sfu/client/unpublish-leave", test_unpublish_leave);
  g_test_add_func ("/sfu/client/teardown", test_teardown);
  g_test_add_func ("/sfu/client/forced-room", test_forced_room);
  g_test_add_func ("/sfu/client/errors", test_errors);
  g_test_add_func ("/sfu/client/keepalive", test_keepalive);
  g_test_add_func ("/sfu/client/reconnect", test_reconnect);
  status = g_test_run ();
  test_janus_free (janus);
  return status;
}

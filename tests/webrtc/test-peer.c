/* test-peer.c: ZeroPeer between real webrtcbins in one process, through a relay that
 * serializes every message: connection, data channel, decoded media both ways,
 * renegotiation, fingerprint checks, codecs, viewer and echo modes, ICE restarts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gst/gst.h>
#include <string.h>

#include "peer-fixture.h"
#include "zero-test-util.h"

typedef struct {
  TestParty *pa, *pb;
  ZeroPeer *a, *b;           /* a offers */
  TestEvents *ea, *eb;
  TestLink *link;
} Call;

static Call *
call_new (gboolean         h264,
          ZeroPeerOptions *oa,
          ZeroPeerOptions *ob,
          TestTamper       tamper)
{
  Call *c = g_new0 (Call, 1);
  ZeroPeerOptions da, db;
  g_autoptr (GError) error = NULL;

  if (oa == NULL)
    {
      test_peer_options (&da);
      oa = &da;
    }
  if (ob == NULL)
    {
      test_peer_options (&db);
      ob = &db;
    }
  c->pa = test_party_new (h264, TRUE, TRUE);
  c->pb = test_party_new (h264, TRUE, TRUE);
  c->a = zero_peer_new (GST_BIN (c->pa->pipeline), "peer-b", TRUE, oa, &error);
  g_assert_no_error (error);
  c->b = zero_peer_new (GST_BIN (c->pb->pipeline), "peer-a", FALSE, ob, &error);
  g_assert_no_error (error);
  c->ea = test_events_new (c->a);
  c->eb = test_events_new (c->b);
  c->link = test_link_new (c->a, c->b);
  c->link->tamper = tamper;
  if (!oa->echo)
    test_party_attach (c->pa, c->a);
  else
    zero_peer_set_playback_func (c->a, NULL, NULL, NULL, NULL);
  if (!ob->echo)
    test_party_attach (c->pb, c->b);
  zero_peer_start (c->b);
  zero_peer_start (c->a);
  return c;
}

static void
call_free (Call *c)
{
  zero_peer_close (c->a);
  zero_peer_close (c->b);
  g_assert_cmpint (zero_peer_get_state (c->a), ==, ZERO_PEER_STATE_CLOSED);
  g_assert_cmpint (zero_peer_get_state (c->b), ==, ZERO_PEER_STATE_CLOSED);
  test_link_free (c->link);
  test_events_free (c->ea);
  test_events_free (c->eb);
  g_object_unref (c->a);
  g_object_unref (c->b);
  test_party_free (c->pa);
  test_party_free (c->pb);
  g_free (c);
}

#define CONNECTED(c) \
  (zero_peer_get_state ((c)->a) == ZERO_PEER_STATE_CONNECTED && \
   zero_peer_get_state ((c)->b) == ZERO_PEER_STATE_CONNECTED)

/* Sent the moment our side opens: may reach the other side before its data-open. */
static void
send_on_open (ZeroPeer *peer,
              gpointer  data)
{
  g_assert_true (zero_peer_send_data (peer, "{\"type\":\"state\",\"audio\":true}", NULL));
}

static void
test_connect (void)
{
  Call *c = call_new (FALSE, NULL, NULL, TEST_TAMPER_NONE);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroPeerStats) stats = NULL;
  gint64 t0 = g_get_monotonic_time ();

  g_signal_connect (c->a, "data-open", G_CALLBACK (send_on_open), NULL);
  g_signal_connect (c->b, "data-open", G_CALLBACK (send_on_open), NULL);
  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  g_test_message ("connected after %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);
  ZERO_ASSERT_WAIT (c->ea->data_open && c->eb->data_open, T (5000));
  /* The first message of each side, sent on its open, arrives (even if early). */
  ZERO_ASSERT_WAIT (c->ea->messages->len == 1 && c->eb->messages->len == 1, T (3000));
  g_ptr_array_set_size (c->ea->messages, 0);
  g_ptr_array_set_size (c->eb->messages, 0);

  /* Decoded frames and audio both ways. */
  ZERO_WAIT_UNTIL (zero_peer_get_frames_decoded (c->a, ZERO_MEDIA_KIND_VIDEO) >= 20 &&
                    zero_peer_get_frames_decoded (c->b, ZERO_MEDIA_KIND_VIDEO) >= 20 &&
                    zero_peer_get_frames_decoded (c->a, ZERO_MEDIA_KIND_AUDIO) >= 20 &&
                    zero_peer_get_frames_decoded (c->b, ZERO_MEDIA_KIND_AUDIO) >= 20, T (8000));
  g_test_message ("frames: a video %" G_GUINT64_FORMAT " audio %" G_GUINT64_FORMAT
                  ", b video %" G_GUINT64_FORMAT " audio %" G_GUINT64_FORMAT ", samples a %u b %u",
                  zero_peer_get_frames_decoded (c->a, ZERO_MEDIA_KIND_VIDEO),
                  zero_peer_get_frames_decoded (c->a, ZERO_MEDIA_KIND_AUDIO),
                  zero_peer_get_frames_decoded (c->b, ZERO_MEDIA_KIND_VIDEO),
                  zero_peer_get_frames_decoded (c->b, ZERO_MEDIA_KIND_AUDIO),
                  c->ea->samples[1], c->eb->samples[1]);
  ZERO_ASSERT_WAIT (zero_peer_get_frames_decoded (c->a, ZERO_MEDIA_KIND_VIDEO) >= 20 &&
                    zero_peer_get_frames_decoded (c->b, ZERO_MEDIA_KIND_VIDEO) >= 20 &&
                    zero_peer_get_frames_decoded (c->a, ZERO_MEDIA_KIND_AUDIO) >= 20 &&
                    zero_peer_get_frames_decoded (c->b, ZERO_MEDIA_KIND_AUDIO) >= 20, T (8000));
  g_assert_cmpuint (c->ea->samples[ZERO_MEDIA_KIND_VIDEO], >, 0);
  g_assert_cmpuint (c->eb->samples[ZERO_MEDIA_KIND_VIDEO], >, 0);
  g_assert_cmpint (c->ea->first_frame_us[ZERO_MEDIA_KIND_VIDEO], >, 0);
  g_assert_cmpint (c->eb->first_frame_us[ZERO_MEDIA_KIND_AUDIO], >, 0);
  g_test_message ("first video frame: offerer %.1f ms, answerer %.1f ms",
                  c->ea->first_frame_us[ZERO_MEDIA_KIND_VIDEO] / 1000.0,
                  c->eb->first_frame_us[ZERO_MEDIA_KIND_VIDEO] / 1000.0);

  /* Data both ways. */
  g_assert_true (zero_peer_send_data (c->a, "{\"type\":\"chat\",\"text\":\"hi b\"}", &error));
  g_assert_no_error (error);
  g_assert_true (zero_peer_send_data (c->b, "{\"type\":\"chat\",\"text\":\"hi a\"}", &error));
  g_assert_no_error (error);
  ZERO_ASSERT_WAIT (c->ea->messages->len == 1 && c->eb->messages->len == 1, T (3000));
  g_assert_cmpstr (c->eb->messages->pdata[0], ==, "{\"type\":\"chat\",\"text\":\"hi b\"}");
  g_assert_cmpstr (c->ea->messages->pdata[0], ==, "{\"type\":\"chat\",\"text\":\"hi a\"}");

  /* Candidates carried real mids. */
  g_assert_cmpuint (c->link->candidates, >, 0);
  g_assert_cmpuint (c->link->candidates_with_mid, ==, c->link->candidates);
  g_assert_cmpuint (c->link->errors->len, ==, 0);

  ZERO_ASSERT_WAIT (c->ea->stats >= 2, T (4000));
  stats = zero_peer_get_stats (c->a);
  {
    g_autofree char *json = zero_peer_stats_to_json (stats);

    g_test_message ("stats: %s", json);
  }
  g_assert_cmpfloat (stats->recv_kbps, >, 0);
  g_assert_cmpfloat (stats->send_kbps, >, 0);
  g_assert_nonnull (stats->codecs);
  call_free (c);
}

#define FRAMES(p, k) zero_peer_get_frames_decoded ((p), ZERO_MEDIA_KIND_##k)

/* Both directions decode @n video frames and audio buffers. */
static void
assert_media_both_ways (Call  *c,
                        guint  n)
{
  ZERO_ASSERT_WAIT (FRAMES (c->a, VIDEO) >= n && FRAMES (c->b, VIDEO) >= n &&
                    FRAMES (c->a, AUDIO) >= n && FRAMES (c->b, AUDIO) >= n, T (8000));
}

static void
test_candidates (gconstpointer data)
{
  TestTamper tamper = GPOINTER_TO_INT (data);
  Call *c = call_new (FALSE, NULL, NULL, tamper);

  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  assert_media_both_ways (c, 5);
  g_assert_cmpuint (c->link->candidates, >, 0);
  g_assert_cmpuint (c->link->errors->len, ==, 0);
  call_free (c);
}

static gboolean
peer_failed_with (TestEvents *ev,
                  ZeroPeer   *peer,
                  int         code)
{
  const GError *error = zero_peer_get_error (peer);
  gboolean saw_failed = FALSE;

  for (guint i = 0; i < ev->states->len; i++)
    if (g_array_index (ev->states, int, i) == ZERO_PEER_STATE_FAILED)
      saw_failed = TRUE;
  return saw_failed && error && g_error_matches (error, ZERO_WEBRTC_ERROR, code);
}

/* An SDP without a=fingerprint is refused before webrtcbin sees it. */
static void
test_fingerprint_missing (void)
{
  Call *c = call_new (FALSE, NULL, NULL, TEST_TAMPER_DROP_FINGERPRINT_OFFER);

  ZERO_ASSERT_WAIT (zero_peer_get_state (c->b) == ZERO_PEER_STATE_CLOSED, T (5000));
  g_assert_true (peer_failed_with (c->eb, c->b, ZERO_WEBRTC_ERROR_NO_FINGERPRINT));
  g_assert_nonnull (strstr (zero_peer_get_error (c->b)->message, "fingerprint"));
  g_assert_cmpuint (c->link->errors->len, >=, 1);
  /* Refused means refused: no answer ever went back. */
  ZERO_WAIT_UNTIL (FALSE, T (1000));
  g_assert_cmpint (zero_peer_get_state (c->a), ==, ZERO_PEER_STATE_CONNECTING);
  g_assert_cmpuint (FRAMES (c->a, VIDEO) + FRAMES (c->b, VIDEO), ==, 0);
  g_assert_false (c->ea->data_open || c->eb->data_open);
  call_free (c);
}

/* One hex digit of the offer's (or answer's) fingerprint changed in transit: the side
 * that checks it tears the connection down, and no frame or message reaches either
 * application. */
static void
test_fingerprint_forged (gconstpointer data)
{
  TestTamper tamper = GPOINTER_TO_INT (data);
  Call *c = call_new (FALSE, NULL, NULL, tamper);
  gboolean offer = tamper == TEST_TAMPER_FORGE_FINGERPRINT_OFFER;
  ZeroPeer *victim = offer ? c->b : c->a;
  TestEvents *ev = offer ? c->eb : c->ea;

  ZERO_ASSERT_WAIT (zero_peer_get_state (victim) == ZERO_PEER_STATE_CLOSED, T (8000));
  g_assert_true (peer_failed_with (ev, victim, ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH));
  g_assert_nonnull (strstr (zero_peer_get_error (victim)->message, "DTLS fingerprint mismatch"));
  /* Give media a chance to (wrongly) flow. */
  ZERO_WAIT_UNTIL (FALSE, T (1500));
  g_assert_cmpuint (FRAMES (victim, VIDEO), ==, 0);
  g_assert_cmpuint (FRAMES (victim, AUDIO), ==, 0);
  g_assert_cmpuint (ev->samples[ZERO_MEDIA_KIND_VIDEO], ==, 0);
  g_assert_false (ev->data_open);
  g_assert_cmpuint (ev->messages->len, ==, 0);
  /* The victim sent nothing either: the other side decoded nothing. */
  g_assert_cmpuint (FRAMES (offer ? c->a : c->b, VIDEO), ==, 0);
  call_free (c);
}

static gboolean
send_tick (gpointer data)
{
  Call *c = data;
  static guint n;
  g_autofree char *text = g_strdup_printf ("{\"type\":\"chat\",\"n\":%u}", n++);

  if (zero_peer_is_data_open (c->a))
    g_assert_true (zero_peer_send_data (c->a, text, NULL));
  return G_SOURCE_CONTINUE;
}

/* The answerer adds a screen share: request-offer, re-offer with a third m-line, and the
 * screen is decoded, while the data channel and the camera keep flowing. */
static void
test_renegotiate_screen (void)
{
  Call *c = call_new (FALSE, NULL, NULL, TEST_TAMPER_NONE);
  g_autoptr (GPtrArray) unused = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) pad = NULL;
  guint64 video_before;
  guint tick, msgs_before;

  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  ZERO_ASSERT_WAIT (c->eb->data_open, T (3000));
  assert_media_both_ways (c, 5);
  tick = g_timeout_add (20, send_tick, c);
  ZERO_ASSERT_WAIT (c->eb->messages->len >= 3, T (3000));
  msgs_before = c->eb->messages->len;
  video_before = FRAMES (c->a, VIDEO);

  test_party_add_screen (c->pb);
  pad = test_party_request (c->pb, ZERO_MEDIA_KIND_SCREEN);
  g_assert_true (zero_peer_add_send_stream (c->b, ZERO_MEDIA_KIND_SCREEN, pad, &error));
  g_assert_no_error (error);

  ZERO_ASSERT_WAIT (c->link->renegotiations >= 1, T (3000));
  ZERO_ASSERT_WAIT (c->ea->samples[ZERO_MEDIA_KIND_SCREEN] >= 10, T (8000));
  g_assert_cmpint (c->ea->first_frame_us[ZERO_MEDIA_KIND_SCREEN], >, 0);
  /* Nothing stopped meanwhile. */
  g_assert_cmpint (zero_peer_get_state (c->a), ==, ZERO_PEER_STATE_CONNECTED);
  g_assert_cmpint (zero_peer_get_state (c->b), ==, ZERO_PEER_STATE_CONNECTED);
  g_assert_cmpuint (FRAMES (c->a, VIDEO), >, video_before + 10);
  ZERO_ASSERT_WAIT (c->eb->messages->len >= msgs_before + 20, T (3000));
  g_source_remove (tick);
  /* Ordered and reliable: every message, in order. */
  for (guint i = 1; i < c->eb->messages->len; i++)
    {
      g_autoptr (JsonNode) p = json_from_string (c->eb->messages->pdata[i - 1], NULL);
      g_autoptr (JsonNode) q = json_from_string (c->eb->messages->pdata[i], NULL);

      g_assert_cmpint (json_object_get_int_member (json_node_get_object (q), "n"), ==,
                       json_object_get_int_member (json_node_get_object (p), "n") + 1);
    }
  g_assert_cmpuint (c->link->errors->len, ==, 0);
  call_free (c);
}

/* The offerer adds a screen share itself: it re-offers directly. */
static void
test_renegotiate_offerer_screen (void)
{
  Call *c = call_new (FALSE, NULL, NULL, TEST_TAMPER_NONE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) pad = NULL;

  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  assert_media_both_ways (c, 5);
  test_party_add_screen (c->pa);
  pad = test_party_request (c->pa, ZERO_MEDIA_KIND_SCREEN);
  g_assert_true (zero_peer_add_send_stream (c->a, ZERO_MEDIA_KIND_SCREEN, pad, &error));
  g_assert_no_error (error);
  ZERO_ASSERT_WAIT (c->eb->samples[ZERO_MEDIA_KIND_SCREEN] >= 10, T (8000));
  g_assert_cmpuint (c->link->renegotiations, ==, 1);
  g_assert_cmpuint (c->link->errors->len, ==, 0);
  call_free (c);
}

static void
test_h264 (void)
{
  Call *c = call_new (TRUE, NULL, NULL, TEST_TAMPER_NONE);
  g_autoptr (ZeroPeerStats) stats = NULL;
  gboolean h264 = FALSE;
  guint seen;

  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  assert_media_both_ways (c, 20);
  /* A sample taken with media flowing (the one taken on connecting may precede the codecs). */
  seen = c->ea->stats;
  ZERO_ASSERT_WAIT (c->ea->stats > seen, T (3000));
  stats = zero_peer_get_stats (c->a);
  for (guint i = 0; stats->codecs && stats->codecs[i]; i++)
    if (g_ascii_strcasecmp (stats->codecs[i], "video/H264") == 0)
      h264 = TRUE;
  g_assert_true (h264);
  call_free (c);
}

/* A viewer sends nothing but receives everything; two viewers share a data channel. */
static void
test_viewer (void)
{
  ZeroPeerOptions ov;
  Call *c;

  test_peer_options (&ov);
  ov.send_audio = ov.send_video = FALSE;
  /* What the GTK app asks for: converted after the decoder. */
  ov.video_caps = "video/x-raw,format=BGRA";
  c = call_new (FALSE, NULL, &ov, TEST_TAMPER_NONE);
  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  ZERO_ASSERT_WAIT (FRAMES (c->b, VIDEO) >= 20 && FRAMES (c->b, AUDIO) >= 20, T (8000));
  ZERO_ASSERT_WAIT (c->eb->samples[ZERO_MEDIA_KIND_VIDEO] > 0, T (2000));
  g_assert_cmpstr (c->eb->last_format, ==, "BGRA");
  ZERO_ASSERT_WAIT (c->ea->data_open && c->eb->data_open, T (3000));
  g_assert_cmpuint (FRAMES (c->a, VIDEO) + FRAMES (c->a, AUDIO), ==, 0);
  call_free (c);
}

static void
test_viewer_pair (void)
{
  ZeroPeerOptions oa, ob;
  Call *c;

  test_peer_options (&oa);
  test_peer_options (&ob);
  oa.send_audio = oa.send_video = ob.send_audio = ob.send_video = FALSE;
  c = call_new (FALSE, &oa, &ob, TEST_TAMPER_NONE);
  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  ZERO_ASSERT_WAIT (c->ea->data_open && c->eb->data_open, T (3000));
  g_assert_true (zero_peer_send_data (c->b, "{\"type\":\"state\"}", NULL));
  ZERO_ASSERT_WAIT (c->ea->messages->len == 1, T (3000));
  g_assert_cmpuint (FRAMES (c->a, VIDEO) + FRAMES (c->b, VIDEO), ==, 0);
  call_free (c);
}

/* The echo peer has no media of its own: what the sender decodes is its own stream. */
static void
test_echo (gconstpointer data)
{
  gboolean echo_offers = GPOINTER_TO_INT (data);
  ZeroPeerOptions oe;
  Call *c;
  ZeroPeer *sender;

  test_peer_options (&oe);
  oe.echo = TRUE;
  c = echo_offers ? call_new (FALSE, &oe, NULL, TEST_TAMPER_NONE)
                  : call_new (FALSE, NULL, &oe, TEST_TAMPER_NONE);
  sender = echo_offers ? c->b : c->a;
  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  ZERO_ASSERT_WAIT (FRAMES (sender, VIDEO) >= 20 && FRAMES (sender, AUDIO) >= 20, T (8000));
  call_free (c);
}

/* The first attempt's candidates are lost: the connection is not up within an attempt
 * period, the offerer restarts ICE with new credentials and resends its candidates, and
 * the call connects. */
static void
test_ice_restart (void)
{
  ZeroPeerOptions oa, ob;
  Call *c;

  test_peer_options (&oa);
  test_peer_options (&ob);
  oa.connect_timeout_s = ob.connect_timeout_s = 12; /* 3 s per attempt */
  c = call_new (FALSE, &oa, &ob, TEST_TAMPER_DROP_CANDIDATES);
  ZERO_ASSERT_WAIT (c->link->offers >= 2, T (6000));
  c->link->tamper = TEST_TAMPER_NONE;
  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  assert_media_both_ways (c, 10);
  ZERO_ASSERT_WAIT (c->ea->data_open && c->eb->data_open, T (3000));
  g_assert_cmpuint (c->link->errors->len, ==, 0);
  call_free (c);
}

/* Never reachable: FAILED (connection error), then CLOSED, within the bound. */
static void
test_give_up (void)
{
  ZeroPeerOptions oa, ob;
  Call *c;
  gint64 start = g_get_monotonic_time ();

  test_peer_options (&oa);
  test_peer_options (&ob);
  oa.connect_timeout_s = ob.connect_timeout_s = 4;
  oa.ice_restart_attempts = ob.ice_restart_attempts = 1;
  c = call_new (FALSE, &oa, &ob, TEST_TAMPER_DROP_CANDIDATES);
  ZERO_ASSERT_WAIT (zero_peer_get_state (c->a) == ZERO_PEER_STATE_CLOSED, T (8000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, T (6000) * (gint64) 1000);
  g_assert_true (peer_failed_with (c->ea, c->a, ZERO_WEBRTC_ERROR_CONNECTION));
  g_assert_cmpuint (c->link->offers, >=, 2);
  call_free (c);
}

/* Malformed or out-of-turn messages get an error naming the problem, never a crash, and
 * leave a working connection alone. */
static void
test_bad_messages (void)
{
  static const char *const bad[] = {
    "{}",
    "{\"type\":7}",
    "{\"type\":\"offer\"}",
    "{\"type\":\"offer\",\"sdp\":42}",
    "{\"type\":\"offer\",\"sdp\":\"hello\"}",
    "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}",
    "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\n\"}",
    "{\"type\":\"ice\"}",
    "{\"type\":\"ice\",\"candidate\":\"candidate:1\"}",
    "{\"type\":\"ice\",\"candidate\":{}}",
    "{\"type\":\"ice\",\"candidate\":{\"candidate\":5}}",
    "{\"type\":\"ice\",\"candidate\":{\"candidate\":\"nonsense\",\"sdpMid\":\"0\"}}",
    "{\"type\":\"ice\",\"candidate\":{\"candidate\":\"candidate:1 1 UDP 1 1.2.3.4 5 typ host\"}}",
    "{\"type\":\"ice\",\"candidate\":{\"candidate\":\"candidate:1 1 UDP 1 1.2.3.4 5 typ host\","
      "\"sdpMid\":\"\"}}",
    "{\"type\":\"ice\",\"candidate\":{\"candidate\":\"candidate:1 1 UDP 1 1.2.3.4 5 typ host\","
      "\"sdpMLineIndex\":-1}}",
    "{\"type\":\"ice\",\"candidate\":{\"candidate\":\"candidate:1 1 UDP 1 1.2.3.4 5 typ host\","
      "\"sdpMLineIndex\":\"0\"}}",
    "{\"type\":\"request-offer\"}",   /* to the answerer */
    "{\"type\":\"chat\",\"text\":\"hi\"}",
  };
  Call *c = call_new (FALSE, NULL, NULL, TEST_TAMPER_NONE);

  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonNode) node = json_from_string (bad[i], NULL);
      g_autoptr (GError) error = NULL;

      g_assert_nonnull (node);
      g_assert_false (zero_peer_handle_signal (c->b, json_node_get_object (node), &error));
      g_assert_nonnull (error);
      g_test_message ("%s -> %s", bad[i], error->message);
      g_assert_cmpint (zero_peer_get_state (c->b), ==, ZERO_PEER_STATE_CONNECTED);
    }
  {
    /* An unknown-but-valid candidate and end-of-candidates are accepted quietly. */
    g_autoptr (JsonNode) eoc = json_from_string ("{\"type\":\"ice\",\"candidate\":"
                                                 "{\"candidate\":\"\",\"sdpMid\":\"audio0\"}}",
                                                 NULL);

    g_assert_true (zero_peer_handle_signal (c->b, json_node_get_object (eoc), NULL));
  }
  assert_media_both_ways (c, 10);
  call_free (c);
}

/* Three parties, each connected to the two others: every peer decodes both directions. */
static void
test_three (void)
{
  TestParty *party[3];
  ZeroPeer *peer[3][3] = { { 0 } }; /* peer[i][j]: i's connection to j */
  TestLink *links[3];
  guint n = 0;

  for (int i = 0; i < 3; i++)
    party[i] = test_party_new (FALSE, TRUE, TRUE);
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      {
        ZeroPeerOptions opts;
        g_autofree char *ij = g_strdup_printf ("p%d", j);
        g_autofree char *ji = g_strdup_printf ("p%d", i);

        test_peer_options (&opts);
        /* The earlier member (i) offers. */
        peer[i][j] = zero_peer_new (GST_BIN (party[i]->pipeline), ij, TRUE, &opts, NULL);
        peer[j][i] = zero_peer_new (GST_BIN (party[j]->pipeline), ji, FALSE, &opts, NULL);
        g_assert_nonnull (peer[i][j]);
        g_assert_nonnull (peer[j][i]);
        links[n++] = test_link_new (peer[i][j], peer[j][i]);
        test_party_attach (party[i], peer[i][j]);
        test_party_attach (party[j], peer[j][i]);
        zero_peer_start (peer[j][i]);
        zero_peer_start (peer[i][j]);
      }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (i != j)
        ZERO_ASSERT_WAIT (zero_peer_get_frames_decoded (peer[i][j], ZERO_MEDIA_KIND_VIDEO) >= 10 &&
                          zero_peer_get_frames_decoded (peer[i][j], ZERO_MEDIA_KIND_AUDIO) >= 10,
                          T (10000));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (peer[i][j])
        zero_peer_close (peer[i][j]);
  for (guint k = 0; k < n; k++)
    test_link_free (links[k]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      g_clear_object (&peer[i][j]);
  for (int i = 0; i < 3; i++)
    test_party_free (party[i]);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/webrtc/peer/connect", test_connect);
  g_test_add_data_func ("/webrtc/peer/candidates/mid-only",
                        GINT_TO_POINTER (TEST_TAMPER_MID_ONLY), test_candidates);
  g_test_add_data_func ("/webrtc/peer/candidates/index-only",
                        GINT_TO_POINTER (TEST_TAMPER_INDEX_ONLY), test_candidates);
  g_test_add_func ("/webrtc/peer/fingerprint/missing", test_fingerprint_missing);
  g_test_add_data_func ("/webrtc/peer/fingerprint/forged-offer",
                        GINT_TO_POINTER (TEST_TAMPER_FORGE_FINGERPRINT_OFFER),
                        test_fingerprint_forged);
  g_test_add_data_func ("/webrtc/peer/fingerprint/forged-answer",
                        GINT_TO_POINTER (TEST_TAMPER_FORGE_FINGERPRINT_ANSWER),
                        test_fingerprint_forged);
  g_test_add_func ("/webrtc/peer/renegotiate/answerer-screen", test_renegotiate_screen);
  g_test_add_func ("/webrtc/peer/renegotiate/offerer-screen", test_renegotiate_offerer_screen);
  g_test_add_func ("/webrtc/peer/h264", test_h264);
  g_test_add_func ("/webrtc/peer/viewer", test_viewer);
  g_test_add_func ("/webrtc/peer/viewer-pair", test_viewer_pair);
  g_test_add_data_func ("/webrtc/peer/echo/answerer", GINT_TO_POINTER (FALSE), test_echo);
  g_test_add_data_func ("/webrtc/peer/echo/offerer", GINT_TO_POINTER (TRUE), test_echo);
  g_test_add_func ("/webrtc/peer/ice-restart", test_ice_restart);
  g_test_add_func ("/webrtc/peer/give-up", test_give_up);
  g_test_add_func ("/webrtc/peer/bad-messages", test_bad_messages);
  g_test_add_func ("/webrtc/peer/three", test_three);
  ret = g_test_run ();
  /* Run what peers left queued (posts hold refs), so leak checkers see a clean exit. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return ret;
}

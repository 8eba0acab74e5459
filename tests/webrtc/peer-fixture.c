/* peer-fixture.c: test media and a fake signaling relay for ZeroPeer tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "peer-fixture.h"
#include "zero-test-proc.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "zero-test-util.h"

static GstElement *
add (GstPipeline *pipeline,
     const char  *factory,
     const char  *first_prop,
     ...)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  va_list ap;

  g_assert_nonnull (e);
  va_start (ap, first_prop);
  if (first_prop)
    g_object_set_valist (G_OBJECT (e), first_prop, ap);
  va_end (ap);
  gst_bin_add (GST_BIN (pipeline), e);
  return e;
}

static GstElement *
add_caps (GstPipeline *pipeline,
          const char  *caps)
{
  g_autoptr (GstCaps) c = gst_caps_from_string (caps);

  return add (pipeline, "capsfilter", "caps", c, NULL);
}

static GstElement *
make_video_branch (TestParty  *party,
                   const char *pattern)
{
  GstPipeline *p = party->pipeline;
  GstElement *src, *caps, *enc, *tee, *post = NULL;

  src = add (p, "videotestsrc", "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "pattern", pattern);
  {
    /* ZERO_TEST_RESOLUTION=WxH for timing runs; tests use 320x240 (2 cores). */
    const char *res = g_getenv ("ZERO_TEST_RESOLUTION");
    int w = 320, h = 240;
    g_autofree char *desc = NULL;

    if (res && sscanf (res, "%dx%d", &w, &h) != 2)
      w = 320, h = 240;
    desc = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,framerate=30/1", w, h);
    caps = add_caps (p, desc);
  }
  if (party->h264)
    {
      enc = add (p, "x264enc", "key-int-max", 3000, "bitrate", 400, "threads", 1, NULL);
      gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
      gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
      post = add_caps (p, "video/x-h264,profile=constrained-baseline,"
                          "stream-format=byte-stream,alignment=au");
    }
  else
    {
      enc = add (p, "vp8enc", "deadline", (gint64) 1, "cpu-used", 8, "lag-in-frames", 0,
                 "keyframe-max-dist", 3000, "target-bitrate", 400000, "threads", 2, NULL);
      gst_util_set_object_arg (G_OBJECT (enc), "end-usage", "cbr");
    }
  tee = add (p, "tee", "allow-not-linked", TRUE, NULL);
  g_assert_true (gst_element_link_many (src, caps, enc, NULL));
  if (post)
    g_assert_true (gst_element_link_many (enc, post, tee, NULL));
  else
    g_assert_true (gst_element_link (enc, tee));
  return tee;
}

/* Like an application's bus watch, minus the main loop: messages hold refs to their
 * sources, so a bus nobody pops keeps every removed element alive. Errors fail the
 * test: a peer's errors must never reach the call's pipeline. */
static GstBusSyncReply
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      g_error ("pipeline error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
               error->message, debug ? debug : "");
    }
  /* DROP leaves the message to us. */
  gst_message_unref (message);
  return GST_BUS_DROP;
}

TestParty *
test_party_new (gboolean h264,
                gboolean audio,
                gboolean video)
{
  TestParty *party = g_new0 (TestParty, 1);
  GstPipeline *p;
  GstElement *sink;

  party->h264 = h264;
  /* GStreamer 1.22.0's rtpsession critical (tests/support/zero-test-proc.c) */
  zero_test_tolerate_known_gst_bugs ();
  party->pipeline = p = GST_PIPELINE (gst_object_ref_sink (gst_pipeline_new (NULL)));
  {
    g_autoptr (GstBus) bus = gst_pipeline_get_bus (p);

    gst_bus_set_sync_handler (bus, on_bus_message, NULL, NULL);
  }
  if (video)
    party->video_tee = make_video_branch (party, "ball");
  if (audio)
    {
      GstElement *src = add (p, "audiotestsrc", "is-live", TRUE, "samplesperbuffer", 960, NULL);
      GstElement *caps = add_caps (p, "audio/x-raw,rate=48000,channels=1");
      GstElement *enc = add (p, "opusenc", "frame-size", 20, NULL);

      party->audio_tee = add (p, "tee", "allow-not-linked", TRUE, NULL);
      g_assert_true (gst_element_link_many (src, caps, enc, party->audio_tee, NULL));
    }
  party->mixer = add (p, "audiomixer", NULL);
  sink = add (p, "fakesink", "sync", FALSE, "async", FALSE, NULL);
  g_assert_true (gst_element_link (party->mixer, sink));
  party->base_children = GST_BIN (p)->numchildren;
  g_assert_cmpint (gst_element_set_state (GST_ELEMENT (p), GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return party;
}

void
test_party_add_screen (TestParty *party)
{
  party->screen_tee = make_video_branch (party, "smpte");
  party->base_children = GST_BIN (party->pipeline)->numchildren;
  for (GList *l = GST_BIN (party->pipeline)->children; l; l = l->next)
    gst_element_sync_state_with_parent (l->data);
}

void
test_party_free (TestParty *party)
{
  if (party == NULL)
    return;
  gst_element_set_state (GST_ELEMENT (party->pipeline), GST_STATE_NULL);
  gst_object_unref (party->pipeline);
  g_free (party);
}

GstPad *
test_party_request (TestParty    *party,
                    ZeroMediaKind kind)
{
  GstElement *tee = kind == ZERO_MEDIA_KIND_AUDIO  ? party->audio_tee
                    : kind == ZERO_MEDIA_KIND_VIDEO ? party->video_tee
                                                    : party->screen_tee;

  g_assert_nonnull (tee);
  return gst_element_request_pad_simple (tee, "src_%u");
}

static void
on_send_pad_released (ZeroPeer *peer,
                      int       kind,
                      GstPad   *pad,
                      gpointer  user_data)
{
  GstElement *tee = gst_pad_get_parent_element (pad);

  if (tee)
    {
      gst_element_release_request_pad (tee, pad);
      gst_object_unref (tee);
    }
}

static GstPad *
playback_request (ZeroMediaKind kind,
                  gpointer      user_data)
{
  TestParty *party = user_data;

  return gst_element_request_pad_simple (party->mixer, "sink_%u");
}

static void
playback_release (GstPad  *pad,
                  gpointer user_data)
{
  TestParty *party = user_data;

  gst_element_release_request_pad (party->mixer, pad);
}

void
test_party_attach (TestParty *party,
                   ZeroPeer  *peer)
{
  static const ZeroMediaKind kinds[] = { ZERO_MEDIA_KIND_AUDIO, ZERO_MEDIA_KIND_VIDEO,
                                         ZERO_MEDIA_KIND_SCREEN };

  g_signal_connect (peer, "send-pad-released", G_CALLBACK (on_send_pad_released), NULL);
  zero_peer_set_playback_func (peer, playback_request, playback_release, party, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      GstElement *tee = kinds[i] == ZERO_MEDIA_KIND_AUDIO  ? party->audio_tee
                        : kinds[i] == ZERO_MEDIA_KIND_VIDEO ? party->video_tee
                                                            : party->screen_tee;
      g_autoptr (GError) error = NULL;
      g_autoptr (GstPad) pad = NULL;

      if (tee == NULL)
        continue;
      pad = test_party_request (party, kinds[i]);
      if (!zero_peer_add_send_stream (peer, kinds[i], pad, &error))
        {
          /* A viewer refuses: give the pad back. */
          gst_element_release_request_pad (tee, pad);
          g_test_message ("not sending %s: %s", zero_media_kind_to_string (kinds[i]),
                          error->message);
        }
    }
}

/* ---------------------------------------------------------------------------------- */
/* Relay                                                                               */

typedef struct {
  TestLink *link;
  ZeroPeer *to;
  char *json;
} Delivery;

static guint pending_deliveries;

static gboolean
deliver (gpointer data)
{
  Delivery *d = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string (d->json, &error);

  g_assert_no_error (error);
  if (zero_peer_get_state (d->to) != ZERO_PEER_STATE_CLOSED &&
      !zero_peer_handle_signal (d->to, json_node_get_object (node), &error))
    {
      g_test_message ("handle_signal: %s", error->message);
      g_ptr_array_add (d->link->errors, g_strdup (error->message));
    }
  g_object_unref (d->to);
  g_free (d->json);
  g_free (d);
  pending_deliveries--;
  return G_SOURCE_REMOVE;
}

static char *
tamper_sdp (const char *sdp,
            TestTamper  tamper,
            gboolean    is_offer)
{
  g_auto (GStrv) lines = g_strsplit (sdp, "\r\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i]; i++)
    {
      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      if (g_str_has_prefix (lines[i], "a=fingerprint:"))
        {
          if (is_offer && (tamper & TEST_TAMPER_DROP_FINGERPRINT_OFFER))
            continue;
          if ((is_offer && (tamper & TEST_TAMPER_FORGE_FINGERPRINT_OFFER)) ||
              (!is_offer && (tamper & TEST_TAMPER_FORGE_FINGERPRINT_ANSWER)))
            {
              char *hex = strchr (lines[i], ' ');

              /* One byte of the digest, in transit. */
              g_assert_nonnull (hex);
              hex[1] = hex[1] == 'A' ? 'B' : 'A';
            }
        }
      g_string_append_printf (out, "%s\r\n", lines[i]);
    }
  return g_string_free (out, FALSE);
}

static void
record_mids (TestLink   *link,
             ZeroPeer   *from,
             const char *sdp)
{
  g_auto (GStrv) lines = g_strsplit (sdp, "\r\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "a=mid:"))
      g_hash_table_add (link->local_mids,
                        g_strdup_printf ("%p/%s", (void *) from, lines[i] + 6));
}

static void
on_signal_out (ZeroPeer   *from,
               JsonObject *msg,
               TestLink   *link)
{
  ZeroPeer *to = from == link->a ? link->b : link->a;
  const char *type = json_object_get_string_member (msg, "type");
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  Delivery *d;

  json_node_set_object (node, msg);
  /* Copy through text: the receiver gets what the wire would carry. */
  {
    g_autofree char *text = json_to_string (node, FALSE);
    g_autoptr (JsonNode) copy = json_from_string (text, NULL);

    msg = json_node_get_object (copy);
    json_node_set_object (node, msg);
  }
  g_assert_null (json_object_get_member (msg, "to"));

  if (g_str_equal (type, "offer") || g_str_equal (type, "answer"))
    {
      gboolean offer = g_str_equal (type, "offer");
      g_autofree char *sdp = tamper_sdp (json_object_get_string_member (msg, "sdp"),
                                         link->tamper, offer);

      record_mids (link, from, sdp);
      json_object_set_string_member (msg, "sdp", sdp);
      if (offer && link->offers++ > 0)
        link->renegotiations++;
    }
  else if (g_str_equal (type, "ice"))
    {
      JsonObject *cand = json_object_get_object_member (msg, "candidate");
      const char *mid = json_object_get_string_member_with_default (cand, "sdpMid", NULL);
      const char *line = json_object_get_string_member_with_default (cand, "candidate", "");
      g_auto (GStrv) fields = g_strsplit (line, " ", 4);

      link->candidates++;
      /* candidate:<foundation> <component> <transport> ... */
      if (g_strv_length (fields) >= 3 && g_ascii_strcasecmp (fields[2], "tcp") == 0)
        link->tcp_candidates++;
      if (mid)
        {
          g_autofree char *key = g_strdup_printf ("%p/%s", (void *) from, mid);

          g_assert_cmpstr (mid, !=, "");
          if (g_hash_table_contains (link->local_mids, key))
            link->candidates_with_mid++;
        }
      if (link->tamper & TEST_TAMPER_DROP_CANDIDATES)
        return;
      if (link->tamper & TEST_TAMPER_MID_ONLY)
        json_object_remove_member (cand, "sdpMLineIndex");
      if (link->tamper & TEST_TAMPER_INDEX_ONLY)
        json_object_remove_member (cand, "sdpMid");
    }

  link->messages++;
  d = g_new0 (Delivery, 1);
  d->link = link;
  d->to = g_object_ref (to);
  d->json = json_to_string (node, FALSE);
  pending_deliveries++;
  g_idle_add (deliver, d);
}

TestLink *
test_link_new (ZeroPeer *a,
               ZeroPeer *b)
{
  TestLink *link = g_new0 (TestLink, 1);

  link->a = g_object_ref (a);
  link->b = g_object_ref (b);
  link->errors = g_ptr_array_new_with_free_func (g_free);
  link->local_mids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  link->ids[0] = g_signal_connect (a, "signal-out", G_CALLBACK (on_signal_out), link);
  link->ids[1] = g_signal_connect (b, "signal-out", G_CALLBACK (on_signal_out), link);
  return link;
}

void
test_link_free (TestLink *link)
{
  if (link == NULL)
    return;
  g_signal_handler_disconnect (link->a, link->ids[0]);
  g_signal_handler_disconnect (link->b, link->ids[1]);
  /* Deliveries in flight point at the link. */
  ZERO_WAIT_UNTIL (pending_deliveries == 0, T (5000));
  g_assert_cmpuint (pending_deliveries, ==, 0);
  g_object_unref (link->a);
  g_object_unref (link->b);
  g_ptr_array_unref (link->errors);
  g_hash_table_unref (link->local_mids);
  g_free (link);
}

/* ---------------------------------------------------------------------------------- */
/* Events                                                                              */

static void
on_state (ZeroPeer   *peer,
          int         state,
          TestEvents *ev)
{
  ev->state = state;
  g_array_append_val (ev->states, state);
}

static void
on_data_open (ZeroPeer   *peer,
              TestEvents *ev)
{
  ev->data_open = TRUE;
}

static void
on_data_message (ZeroPeer   *peer,
                 const char *text,
                 TestEvents *ev)
{
  g_ptr_array_add (ev->messages, g_strdup (text));
}

static void
on_video_sample (ZeroPeer   *peer,
                 GstSample  *sample,
                 TestEvents *ev)
{
  const GstStructure *info = gst_sample_get_info (sample);
  int kind = ZERO_MEDIA_KIND_VIDEO;

  g_assert_nonnull (gst_sample_get_buffer (sample));
  g_assert_nonnull (gst_sample_get_caps (sample));
  g_assert_true (gst_structure_get_int (info, "kind", &kind));
  ev->samples[kind]++;
  g_free (ev->last_format);
  ev->last_format = g_strdup (gst_structure_get_string (
    gst_caps_get_structure (gst_sample_get_caps (sample), 0), "format"));
}

static void
on_first_frame (ZeroPeer   *peer,
                int         kind,
                gint64      us,
                TestEvents *ev)
{
  g_assert_cmpint (kind, >=, 0);
  g_assert_cmpint (kind, <, ZERO_MEDIA_N_KINDS);
  g_assert_cmpint (ev->first_frame_us[kind], ==, 0);
  ev->first_frame_us[kind] = MAX (us, 1);
}

static void
on_negotiated (ZeroPeer   *peer,
               TestEvents *ev)
{
  ev->negotiated++;
}

static void
on_stats (ZeroPeer      *peer,
          ZeroPeerStats *stats,
          TestEvents    *ev)
{
  ev->stats++;
}

TestEvents *
test_events_new (ZeroPeer *peer)
{
  TestEvents *ev = g_new0 (TestEvents, 1);

  ev->peer = g_object_ref (peer);
  ev->states = g_array_new (FALSE, FALSE, sizeof (int));
  ev->messages = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (peer, "state-changed", G_CALLBACK (on_state), ev);
  g_signal_connect (peer, "data-open", G_CALLBACK (on_data_open), ev);
  g_signal_connect (peer, "data-message", G_CALLBACK (on_data_message), ev);
  g_signal_connect (peer, "video-sample", G_CALLBACK (on_video_sample), ev);
  g_signal_connect (peer, "first-frame", G_CALLBACK (on_first_frame), ev);
  g_signal_connect (peer, "negotiated", G_CALLBACK (on_negotiated), ev);
  g_signal_connect (peer, "stats", G_CALLBACK (on_stats), ev);
  return ev;
}

void
test_events_free (TestEvents *ev)
{
  if (ev == NULL)
    return;
  g_signal_handlers_disconnect_by_data (ev->peer, ev);
  g_object_unref (ev->peer);
  g_array_unref (ev->states);
  g_ptr_array_unref (ev->messages);
  g_free (ev->last_format);
  g_free (ev);
}

void
test_peer_options (ZeroPeerOptions *opts)
{
  const char *loopback = g_getenv ("ZERO_TEST_LOOPBACK");

  zero_peer_options_init (opts);
  opts->loopback_candidates = ZERO_PEER_LOOPBACK_YES;
  if (g_strcmp0 (loopback, "auto") == 0)
    opts->loopback_candidates = ZERO_PEER_LOOPBACK_AUTO;
  else if (g_strcmp0 (loopback, "no") == 0)
    opts->loopback_candidates = ZERO_PEER_LOOPBACK_NO;
  opts->connect_timeout_s = 10 * test_wait_scale ();
}

guint
test_wait_scale (void)
{
  static guint scale;

  if (scale == 0)
    {
      const char *env = g_getenv ("ZERO_TEST_WAIT_SCALE");

#if defined(__SANITIZE_ADDRESS__)
      /* ASan roughly triples the cost of encoding and decoding. */
      scale = 3;
#else
      scale = 1;
#endif
      if (env)
        scale = CLAMP (g_ascii_strtoull (env, NULL, 10), 1, 100);
    }
  return scale;
}

guint
test_count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  return n;
}

gint64
test_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  /* Give freed heap back first: what is left is what is in use, not what glibc's
   * per-thread arenas keep cached after hundreds of short-lived streaming threads. */
  malloc_trim (0);
  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  p = strstr (status, "VmRSS:");
  g_assert_nonnull (p);
  return g_ascii_strtoll (p + 6, NULL, 10);
}

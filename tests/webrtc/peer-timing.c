/* peer-timing.c: where a ZeroPeer call's setup time goes, and its glass-to-glass
 * latency, on loopback in one process. Not a test and not the benchmark (bench/call
 * does that against separate processes); a quick look for developers.
 *
 *   [ZERO_TEST_RESOLUTION=WxH] peer-timing [CYCLES]
 *
 * Each cycle creates an offerer/answerer pair in two long-lived pipelines (like a
 * session where the earlier member offers), connects it and closes it. Phases are µs
 * since the offerer's zero_peer_new(); the answerer's clock starts when it is created
 * (a few µs later here; in a real call when its join's peer-joined arrives). Frames are
 * stamped at capture (camera/zero-frame-stamp) and read back from the decoded sample:
 * capture-to-render.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdio.h>

#include "camera/zero-frame-stamp.h"
#include "peer-fixture.h"
#include "webrtc/zero-peer-private.h"
#include "zero-test-util.h"

static GArray *latencies_ms;

static GstPadProbeReturn
on_capture (GstPad          *pad,
            GstPadProbeInfo *info,
            gpointer         user_data)
{
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  GstVideoFrame frame;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (caps && gst_video_info_from_caps (&vinfo, caps) &&
      gst_video_frame_map (&frame, &vinfo, buffer, GST_MAP_WRITE))
    {
      zero_frame_stamp_write (&frame, zero_frame_stamp_now ());
      gst_video_frame_unmap (&frame);
    }
  return GST_PAD_PROBE_OK;
}

static void
stamp_party (TestParty *party)
{
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (party->pipeline));
  GValue v = G_VALUE_INIT;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&v);
      GstElementFactory *f = gst_element_get_factory (e);

      /* The capsfilter right after the camera's videotestsrc. */
      if (f && g_str_equal (GST_OBJECT_NAME (f), "videotestsrc"))
        {
          g_autoptr (GstPad) src = gst_element_get_static_pad (e, "src");
          g_autoptr (GstPad) peer = gst_pad_get_peer (src);
          GstElement *caps = gst_pad_get_parent_element (peer);
          g_autoptr (GstPad) out = gst_element_get_static_pad (caps, "src");

          gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, on_capture, NULL, NULL);
          gst_object_unref (caps);
        }
      g_value_reset (&v);
    }
  g_value_unset (&v);
  gst_iterator_free (it);
}

static void
on_sample (ZeroPeer  *peer,
           GstSample *sample,
           gpointer   user_data)
{
  GstVideoInfo vinfo;
  GstVideoFrame frame;

  if (gst_video_info_from_caps (&vinfo, gst_sample_get_caps (sample)) &&
      gst_video_frame_map (&frame, &vinfo, gst_sample_get_buffer (sample), GST_MAP_READ))
    {
      gint64 stamp = zero_frame_stamp_read (&frame);

      gst_video_frame_unmap (&frame);
      if (stamp != ZERO_FRAME_STAMP_NONE)
        {
          double ms = zero_frame_stamp_elapsed (stamp, zero_frame_stamp_now ()) / 1000.0;

          g_array_append_val (latencies_ms, ms);
        }
    }
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
report (const char *what,
        GArray     *values)
{
  if (values->len == 0)
    {
      printf ("  %-34s      -        -   (n=0)\n", what);
      return;
    }
  g_array_sort (values, cmp_double);
  printf ("  %-34s %7.1f  %7.1f   (n=%u)\n", what,
          g_array_index (values, double, values->len / 2),
          g_array_index (values, double, MIN (values->len - 1, values->len * 95 / 100)),
          values->len);
}

enum {
  P_OFFER, P_ANSWER, P_ICE, P_DTLS, P_CONNECTED, P_DATA, P_RTP, P_FRAME_A, P_FRAME_B, N_P
};

int
main (int   argc,
      char *argv[])
{
  static const char *const names[N_P] = {
    "offer created (offerer)", "answer created (answerer)", "ICE connected (offerer)",
    "DTLS connected (offerer)", "verified+connected (offerer)", "data channel open (offerer)",
    "first RTP out of jitterbuf (offerer)", "first video frame (offerer)",
    "first video frame (answerer)",
  };
  guint cycles = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 20;
  GArray *phase[N_P];
  TestParty *pa, *pb;

  gst_init (&argc, &argv);
  latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
  for (int i = 0; i < N_P; i++)
    phase[i] = g_array_new (FALSE, FALSE, sizeof (double));
  pa = test_party_new (FALSE, TRUE, TRUE);
  pb = test_party_new (FALSE, TRUE, TRUE);
  stamp_party (pa);
  stamp_party (pb);
  zero_peer_prewarm ();
  ZERO_WAIT_UNTIL (FALSE, 1000); /* like an app: prewarm at startup, join later */

  for (guint n = 0; n < cycles; n++)
    {
      ZeroPeerOptions opts;
      ZeroPeer *a, *b;
      TestEvents *ea, *eb;
      TestLink *link;

      test_peer_options (&opts);
      a = zero_peer_new (GST_BIN (pa->pipeline), "b", TRUE, &opts, NULL);
      b = zero_peer_new (GST_BIN (pb->pipeline), "a", FALSE, &opts, NULL);
      ea = test_events_new (a);
      eb = test_events_new (b);
      link = test_link_new (a, b);
      test_party_attach (pa, a);
      test_party_attach (pb, b);
      g_signal_connect (b, "video-sample", G_CALLBACK (on_sample), NULL);
      zero_peer_start (b);
      zero_peer_start (a);
      ZERO_ASSERT_WAIT (ea->first_frame_us[ZERO_MEDIA_KIND_VIDEO] &&
                        eb->first_frame_us[ZERO_MEDIA_KIND_VIDEO], 10000);
      /* Some frames for the latency figure. */
      ZERO_WAIT_UNTIL (FALSE, cycles > 1 ? 300 : 3000);
      {
        double v[N_P] = {
          a->t_offer, b->t_answer, a->t_ice_connected, a->t_dtls_connected, a->t_connected,
          a->t_data_open, (double) zero_atomic_get64 (&a->t_first_rtp),
          ea->first_frame_us[ZERO_MEDIA_KIND_VIDEO], eb->first_frame_us[ZERO_MEDIA_KIND_VIDEO],
        };

        for (int i = 0; i < N_P; i++)
          if (v[i] > 0)
            {
              double ms = v[i] / 1000.0;

              g_array_append_val (phase[i], ms);
            }
      }
      zero_peer_close (a);
      zero_peer_close (b);
      test_link_free (link);
      test_events_free (ea);
      test_events_free (eb);
      g_object_unref (a);
      g_object_unref (b);
    }

  printf ("ZeroPeer phases, %u calls, loopback, %s@30 VP8 (ms since the offerer's "
          "zero_peer_new):\n  %-34s %7s  %7s\n", cycles,
          g_getenv ("ZERO_TEST_RESOLUTION") ? g_getenv ("ZERO_TEST_RESOLUTION") : "320x240",
          "phase", "p50", "p95");
  for (int i = 0; i < N_P; i++)
    report (names[i], phase[i]);
  report ("capture-to-render (answerer)", latencies_ms);
  test_party_free (pa);
  test_party_free (pb);
  return 0;
}

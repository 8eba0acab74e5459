/* test-peer-leak.c: 200 join/leave cycles against a steady peer. Each cycle makes a
 * ZeroPeer pair in two long-lived pipelines, connects it (DTLS verified, data channel
 * open, video decoded both ways) and closes it. The process's open fds must stay flat
 * and its RSS grow by less than 5 MB.
 *
 * ZERO_LEAK_CYCLES overrides the number of cycles.
 *
 * RSS measures leaks only once the allocators stop caching: GLib 2.74's GSlice keeps
 * freed slices in per-thread magazines and glibc keeps an arena per streaming thread
 * (hundreds of short-lived threads here), which adds 2-4 MB of noise unrelated to
 * leaks. The test re-executes itself with G_SLICE=always-malloc and MALLOC_ARENA_MAX=2
 * unless they are set.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gst/gst.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "peer-fixture.h"
#include "zero-test-util.h"

static void
one_cycle (TestParty *steady,
           TestParty *visitor,
           guint      n)
{
  ZeroPeerOptions opts;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("visitor-%u", n);
  ZeroPeer *a, *b;
  TestEvents *ea, *eb;
  TestLink *link;

  test_peer_options (&opts);
  a = zero_peer_new (GST_BIN (steady->pipeline), name, TRUE, &opts, &error);
  g_assert_no_error (error);
  b = zero_peer_new (GST_BIN (visitor->pipeline), "steady", FALSE, &opts, &error);
  g_assert_no_error (error);
  ea = test_events_new (a);
  eb = test_events_new (b);
  link = test_link_new (a, b);
  test_party_attach (steady, a);
  test_party_attach (visitor, b);
  zero_peer_start (b);
  zero_peer_start (a);

  ZERO_ASSERT_WAIT (zero_peer_get_state (a) == ZERO_PEER_STATE_CONNECTED &&
                    zero_peer_get_state (b) == ZERO_PEER_STATE_CONNECTED &&
                    ea->data_open && eb->data_open &&
                    zero_peer_get_frames_decoded (a, ZERO_MEDIA_KIND_VIDEO) > 0 &&
                    zero_peer_get_frames_decoded (b, ZERO_MEDIA_KIND_VIDEO) > 0, T (10000));

  /* Data in flight at close time (1.22.0's SCTP teardown deadlocks on pending data). */
  for (guint i = 0; i < (n % 4) * 4; i++)
    g_assert_true (zero_peer_send_data (n % 2 ? a : b, "{\"type\":\"chat\",\"text\":\"bye\"}",
                                        NULL));

  /* Leave: the visitor first, as when its process goes; then the steady side. */
  zero_peer_close (b);
  zero_peer_close (a);
  test_link_free (link);
  test_events_free (ea);
  test_events_free (eb);
  /* Posts still queued on the main context hold refs; once they ran, both go. */
  g_object_add_weak_pointer (G_OBJECT (a), (gpointer *) &a);
  g_object_add_weak_pointer (G_OBJECT (b), (gpointer *) &b);
  g_object_unref (a);
  g_object_unref (b);
  ZERO_ASSERT_WAIT (a == NULL && b == NULL, T (3000));
  /* Everything of the peers left the pipelines. */
  g_assert_cmpint (GST_BIN (steady->pipeline)->numchildren, ==, steady->base_children);
  g_assert_cmpint (GST_BIN (visitor->pipeline)->numchildren, ==, visitor->base_children);
}

static void
test_cycles (void)
{
  guint cycles = 200;
  const char *env = g_getenv ("ZERO_LEAK_CYCLES");
  TestParty *steady = test_party_new (FALSE, TRUE, TRUE);
  TestParty *visitor = test_party_new (FALSE, TRUE, TRUE);
  guint warmup = 20;
  guint fds0 = 0, fds_max = 0;
  gint64 rss0 = 0, rss;
  gint64 start = g_get_monotonic_time ();

  if (env)
    cycles = MAX (warmup + 1, (guint) g_ascii_strtoull (env, NULL, 10));
  for (guint i = 0; i < cycles; i++)
    {
      one_cycle (steady, visitor, i);
      /* Let deferred frees (idle sources, thread pools) run. */
      ZERO_WAIT_UNTIL (FALSE, T (20));
      if (i + 1 == warmup)
        {
          fds0 = test_count_fds ();
          rss0 = test_rss_kib ();
        }
      if (i + 1 > warmup)
        fds_max = MAX (fds_max, test_count_fds ());
      if ((i + 1) % 50 == 0)
        g_test_message ("cycle %u: %u fds, RSS %" G_GINT64_FORMAT " KiB, %.1f s", i + 1,
                        test_count_fds (), test_rss_kib (),
                        (g_get_monotonic_time () - start) / 1e6);
    }
  rss = test_rss_kib ();
  g_test_message ("after %u cycles: fds %u -> %u (max %u), RSS %" G_GINT64_FORMAT " -> %"
                  G_GINT64_FORMAT " KiB (%+.1f MB), %.1f s per cycle", cycles, fds0,
                  test_count_fds (), fds_max, rss0, rss, (rss - rss0) / 1024.0,
                  (g_get_monotonic_time () - start) / 1e6 / cycles);
  /* Flat: a cycle's fds are all given back (a little slack for lazily made thread-pool
   * wakeups). */
  g_assert_cmpuint (test_count_fds (), <=, fds0 + 2);
#if defined(__SANITIZE_ADDRESS__)
  /* ASan's quarantine and shadow memory make RSS meaningless; LeakSanitizer checks the
   * heap at exit instead. */
  g_test_message ("RSS not checked under AddressSanitizer");
#else
  g_assert_cmpint (rss - rss0, <, 5 * 1024);
#endif
  test_party_free (steady);
  test_party_free (visitor);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (g_getenv ("G_SLICE") == NULL || g_getenv ("MALLOC_ARENA_MAX") == NULL)
    {
      setenv ("G_SLICE", "always-malloc", FALSE);
      setenv ("MALLOC_ARENA_MAX", "2", FALSE);
      execv ("/proc/self/exe", argv);
      g_printerr ("cannot re-execute: %s\n", g_strerror (errno));
      return 1;
    }
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/webrtc/peer/leak/200-cycles", test_cycles);
  ret = g_test_run ();
  /* Run what peers left queued (posts hold refs), so leak checkers see a clean exit. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return ret;
}

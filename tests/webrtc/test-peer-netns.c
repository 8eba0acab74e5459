/* test-peer-netns.c: ZeroPeer in a network namespace of its own with only `lo` up (the
 * way outside tests run Zero): loopback candidates in `auto` mode, a short outage that
 * must not restart ICE, and an ICE restart after the link stays down.
 *
 * The process enters a new network namespace first thing in main(), before any thread
 * exists (namespaces are per thread). That needs root (CAP_SYS_ADMIN); without it the
 * tests are skipped, and say so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <gst/gst.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer-fixture.h"
#include "webrtc/zero-ice-config.h"
#include "zero-test-util.h"

static char *netns_error;

static gboolean
set_lo (gboolean up)
{
  struct ifreq ifr = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  ok = ioctl (fd, SIOCGIFFLAGS, &ifr) == 0;
  if (up)
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  else
    ifr.ifr_flags &= ~IFF_UP;
  ok = ok && ioctl (fd, SIOCSIFFLAGS, &ifr) == 0;
  close (fd);
  return ok;
}

static gboolean
enter_loopback_namespace (void)
{
  if (unshare (CLONE_NEWNET) != 0)
    {
      netns_error = g_strdup_printf ("unshare(CLONE_NEWNET): %s (needs root)", g_strerror (errno));
      return FALSE;
    }
  if (!set_lo (TRUE))
    {
      netns_error = g_strdup_printf ("cannot bring lo up: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

#define SKIP_WITHOUT_NETNS()            \
  G_STMT_START {                        \
    if (netns_error)                    \
      {                                 \
        g_test_skip (netns_error);      \
        return;                         \
      }                                 \
  } G_STMT_END

typedef struct {
  TestParty *pa, *pb;
  ZeroPeer *a, *b;
  TestEvents *ea, *eb;
  TestLink *link;
} Call;

static Call *
call_new (ZeroPeerOptions *opts)
{
  Call *c = g_new0 (Call, 1);
  g_autoptr (GError) error = NULL;

  c->pa = test_party_new (FALSE, TRUE, TRUE);
  c->pb = test_party_new (FALSE, TRUE, TRUE);
  c->a = zero_peer_new (GST_BIN (c->pa->pipeline), "b", TRUE, opts, &error);
  g_assert_no_error (error);
  c->b = zero_peer_new (GST_BIN (c->pb->pipeline), "a", FALSE, opts, &error);
  g_assert_no_error (error);
  c->ea = test_events_new (c->a);
  c->eb = test_events_new (c->b);
  c->link = test_link_new (c->a, c->b);
  test_party_attach (c->pa, c->a);
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
#define FRAMES(p, k) zero_peer_get_frames_decoded ((p), ZERO_MEDIA_KIND_##k)

/* webrtc.loopback_candidates: auto gathers 127.0.0.1 here, and only here. */
static void
test_loopback_auto (void)
{
  ZeroPeerOptions opts;
  Call *c;

  SKIP_WITHOUT_NETNS ();
  g_assert_false (zero_ice_have_non_loopback_interface ());
  g_assert_true (zero_ice_use_loopback (ZERO_PEER_LOOPBACK_AUTO));
  zero_peer_options_init (&opts);
  opts.connect_timeout_s = 10;
  c = call_new (&opts);
  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  ZERO_ASSERT_WAIT (FRAMES (c->a, VIDEO) >= 10 && FRAMES (c->b, VIDEO) >= 10 &&
                    FRAMES (c->a, AUDIO) >= 10 && FRAMES (c->b, AUDIO) >= 10, T (8000));
  ZERO_ASSERT_WAIT (c->ea->data_open && c->eb->data_open, T (3000));
  call_free (c);
}

static gboolean
run_ip (const char *args)
{
  g_autofree char *command = g_strdup_printf ("ip %s", args);
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (command, NULL, &err, &status, &error) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("`%s` failed: %s", command, error ? error->message : err);
      return FALSE;
    }
  return TRUE;
}

/* A veth pair inside our namespace: two real (non-loopback) addresses. */
static void
add_veth (void)
{
  g_assert_true (run_ip ("link add zt0 type veth peer name zt1"));
  g_assert_true (run_ip ("addr add 10.99.0.1/24 dev zt0"));
  g_assert_true (run_ip ("addr add 10.99.0.2/24 dev zt1"));
  g_assert_true (run_ip ("link set zt0 up"));
  g_assert_true (run_ip ("link set zt1 up"));
}

/* webrtc.ice_tcp: off by default, no TCP candidate is offered and the call runs over UDP;
 * on, TCP host candidates are offered too. */
static void
test_ice_tcp (void)
{
  SKIP_WITHOUT_NETNS ();
  add_veth ();
  for (int tcp = 0; tcp <= 1; tcp++)
    {
      ZeroPeerOptions opts;
      Call *c;

      zero_peer_options_init (&opts);
      opts.loopback_candidates = ZERO_PEER_LOOPBACK_NO;
      opts.ice_tcp = tcp;
      opts.connect_timeout_s = 10;
      c = call_new (&opts);
      ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
      ZERO_ASSERT_WAIT (FRAMES (c->a, VIDEO) >= 10 && FRAMES (c->b, VIDEO) >= 10, T (8000));
      g_test_message ("ice_tcp %s: %u candidates, %u TCP", tcp ? "on" : "off",
                      c->link->candidates, c->link->tcp_candidates);
      g_assert_cmpuint (c->link->candidates, >, 0);
      if (tcp)
        g_assert_cmpuint (c->link->tcp_candidates, >, 0);
      else
        g_assert_cmpuint (c->link->tcp_candidates, ==, 0);
      call_free (c);
    }
  g_assert_true (run_ip ("link del zt0"));
}

/* Without loopback candidates libnice gathers nothing here: the peer gives up cleanly. */
static void
test_loopback_off (void)
{
  ZeroPeerOptions opts;
  Call *c;

  SKIP_WITHOUT_NETNS ();
  zero_peer_options_init (&opts);
  opts.loopback_candidates = ZERO_PEER_LOOPBACK_NO;
  opts.connect_timeout_s = 3;
  opts.ice_restart_attempts = 1;
  c = call_new (&opts);
  ZERO_ASSERT_WAIT (zero_peer_get_state (c->a) == ZERO_PEER_STATE_CLOSED, T (6000));
  g_assert_cmpuint (c->link->candidates, ==, 0);
  g_assert_true (g_error_matches (zero_peer_get_error (c->a), ZERO_WEBRTC_ERROR,
                                  ZERO_WEBRTC_ERROR_CONNECTION));
  call_free (c);
}

/* The only link goes down for 3 s (well under media_timeout_s): no ICE restart, the peers
 * stay connected on their pair, and media flows again right after the link comes back. */
static void
test_link_blip (void)
{
  ZeroPeerOptions opts;
  Call *c;
  guint64 before_a, before_b;
  gint64 up_at;
  double back_s;

  SKIP_WITHOUT_NETNS ();
  zero_peer_options_init (&opts);
  g_assert_cmpuint (opts.media_timeout_s, >=, 8);
  c = call_new (&opts);
  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  ZERO_ASSERT_WAIT (FRAMES (c->a, VIDEO) >= 10 && FRAMES (c->b, VIDEO) >= 10, T (8000));
  ZERO_ASSERT_WAIT (c->ea->data_open && c->eb->data_open, T (3000));

  g_assert_true (set_lo (FALSE));
  ZERO_WAIT_UNTIL (FALSE, 1000);
  before_a = FRAMES (c->a, VIDEO);
  before_b = FRAMES (c->b, VIDEO);
  ZERO_WAIT_UNTIL (FALSE, 2000);
  g_assert_cmpuint (FRAMES (c->a, VIDEO), ==, before_a); /* really down */
  g_assert_true (CONNECTED (c));
  g_assert_true (set_lo (TRUE));
  up_at = g_get_monotonic_time ();

  ZERO_ASSERT_WAIT (FRAMES (c->a, VIDEO) >= before_a + 10 && FRAMES (c->b, VIDEO) >= before_b + 10,
                    T (5000));
  back_s = (g_get_monotonic_time () - up_at) / 1e6;
  g_test_message ("media back %.2f s after the link came up, no restart", back_s);
  g_assert_true (CONNECTED (c));
  g_assert_cmpuint (c->link->renegotiations, ==, 0);
  g_assert_true (zero_peer_send_data (c->a, "{\"type\":\"chat\",\"text\":\"still\"}", NULL));
  ZERO_ASSERT_WAIT (c->eb->messages->len >= 1, T (5000));
  call_free (c);
}

/* The only link goes down for good (longer than media_timeout_s): the peers notice (no
 * media), restart ICE, and the call comes back, media and data channel included, once the
 * link is up again. */
static void
test_link_down_restart (void)
{
  ZeroPeerOptions opts;
  Call *c;
  guint64 before;
  gint64 up_at;

  SKIP_WITHOUT_NETNS ();
  zero_peer_options_init (&opts);
  opts.connect_timeout_s = 20 * test_wait_scale (); /* 3 s per attempt, 10 s under asan */
  opts.ice_restart_attempts = 5;
  c = call_new (&opts);
  ZERO_ASSERT_WAIT (CONNECTED (c), T (8000));
  ZERO_ASSERT_WAIT (FRAMES (c->a, VIDEO) >= 10 && FRAMES (c->b, VIDEO) >= 10, T (8000));
  ZERO_ASSERT_WAIT (c->ea->data_open && c->eb->data_open, T (3000));

  g_assert_true (set_lo (FALSE));
  /* No media for media_timeout_s (8 s; the stats timer checks once a second). */
  ZERO_ASSERT_WAIT (zero_peer_get_state (c->a) == ZERO_PEER_STATE_CONNECTING,
                    T ((opts.media_timeout_s + 4) * 1000));
  ZERO_WAIT_UNTIL (FALSE, T (2000));
  before = FRAMES (c->a, VIDEO);
  ZERO_WAIT_UNTIL (FALSE, T (1000));
  g_assert_cmpuint (FRAMES (c->a, VIDEO), ==, before); /* really down */
  g_assert_true (set_lo (TRUE));
  up_at = g_get_monotonic_time ();

  ZERO_ASSERT_WAIT (CONNECTED (c), T (10000));
  ZERO_ASSERT_WAIT (FRAMES (c->a, VIDEO) >= before + 10 && FRAMES (c->b, VIDEO) >= before + 10,
                    T (8000));
  g_test_message ("media back %.1f s after the link came up",
                  (g_get_monotonic_time () - up_at) / 1e6);
  g_assert_true (zero_peer_send_data (c->a, "{\"type\":\"chat\",\"text\":\"back\"}", NULL));
  ZERO_ASSERT_WAIT (c->eb->messages->len >= 1, T (5000));
  g_assert_cmpuint (c->link->renegotiations, >=, 1);
  call_free (c);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Before anything starts a thread. */
  enter_loopback_namespace ();

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  if (netns_error)
    g_test_message ("%s", netns_error);

  g_test_add_func ("/webrtc/netns/loopback-auto", test_loopback_auto);
  g_test_add_func ("/webrtc/netns/loopback-off", test_loopback_off);
  g_test_add_func ("/webrtc/netns/link-blip", test_link_blip);
  g_test_add_func ("/webrtc/netns/link-down-restart", test_link_down_restart);
  /* Last: it adds interfaces the tests above must not see. */
  g_test_add_func ("/webrtc/netns/ice-tcp", test_ice_tcp);
  ret = g_test_run ();
  /* Run what peers left queued (posts hold refs), so leak checkers see a clean exit. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return ret;
}

/* test-peer-turn.c: ZeroPeer through a real TURN server (coturn on 127.0.0.1), relay
 * candidates only: ICE servers from the options reach webrtcbin with their credentials,
 * media and data flow through the relay, and wrong credentials fail cleanly.
 *
 * Skips (TAP) when turnserver is not installed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gio.h>
#include <gst/gst.h>

#include "config/zero-ice-server.h"
#include "peer-fixture.h"
#include "zero-test-util.h"

typedef struct {
  GSubprocess *proc;
  char *dir;
  guint port;
} Turn;

static guint
free_udp_port (void)
{
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                           G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (sock, any, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static Turn *
turn_start (void)
{
  g_autofree char *exe = g_find_program_in_path ("turnserver");
  g_autoptr (GError) error = NULL;
  g_autofree char *userdb = NULL;
  g_autofree char *port = NULL;
  g_autofree char *log = NULL;
  Turn *t;

  if (exe == NULL)
    return NULL;
  t = g_new0 (Turn, 1);
  t->dir = g_dir_make_tmp ("zero-turn-XXXXXX", &error);
  g_assert_no_error (error);
  t->port = free_udp_port ();
  userdb = g_build_filename (t->dir, "turndb", NULL);
  log = g_build_filename (t->dir, "turn.log", NULL);
  port = g_strdup_printf ("%u", t->port);
  t->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, exe, "-n", "--listening-ip=127.0.0.1",
                              "--relay-ip=127.0.0.1", "--listening-port", port,
                              "--lt-cred-mech", "--user=zero:secret", "--realm=zero.test",
                              "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
                              "--userdb", userdb, "--log-file", log, "--simple-log", NULL);
  g_assert_no_error (error);
  /* Wait until it answers on its port (a STUN binding would do; a bind test is enough:
   * the port is taken once it listens). */
  for (int i = 0; i < 100; i++)
    {
      g_autoptr (GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                                G_SOCKET_PROTOCOL_UDP, NULL);
      g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, t->port);

      if (!g_socket_bind (probe, addr, FALSE, NULL))
        break;
      g_usleep (50 * 1000);
    }
  return t;
}

static void
turn_stop (Turn *t)
{
  g_subprocess_send_signal (t->proc, SIGTERM);
  g_subprocess_wait (t->proc, NULL, NULL);
  g_object_unref (t->proc);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", t->dir);
  (void) system (cmd);
  g_free (t->dir);
  g_free (t);
}

static void
run_call (Turn       *t,
          const char *password,
          gboolean    expect_connected)
{
  g_autofree char *url = g_strdup_printf ("turn:127.0.0.1:%u?transport=udp", t->port);
  const char *urls[] = { url, NULL };
  g_autoptr (GPtrArray) servers = g_ptr_array_new_with_free_func ((GDestroyNotify) zero_ice_server_free);
  ZeroPeerOptions opts;
  TestParty *pa = test_party_new (FALSE, TRUE, TRUE);
  TestParty *pb = test_party_new (FALSE, TRUE, TRUE);
  g_autoptr (GError) error = NULL;
  ZeroPeer *a, *b;
  TestEvents *ea, *eb;
  TestLink *link;

  g_ptr_array_add (servers, zero_ice_server_new (urls, "zero", password));
  test_peer_options (&opts);
  opts.ice_servers = servers;
  opts.relay_only = TRUE;
  if (!expect_connected)
    {
      opts.connect_timeout_s = 4;
      opts.ice_restart_attempts = 1;
    }
  a = zero_peer_new (GST_BIN (pa->pipeline), "b", TRUE, &opts, &error);
  g_assert_no_error (error);
  b = zero_peer_new (GST_BIN (pb->pipeline), "a", FALSE, &opts, &error);
  g_assert_no_error (error);
  ea = test_events_new (a);
  eb = test_events_new (b);
  link = test_link_new (a, b);
  test_party_attach (pa, a);
  test_party_attach (pb, b);
  zero_peer_start (b);
  zero_peer_start (a);

  if (expect_connected)
    {
      ZERO_ASSERT_WAIT (zero_peer_get_state (a) == ZERO_PEER_STATE_CONNECTED &&
                        zero_peer_get_state (b) == ZERO_PEER_STATE_CONNECTED, T (10000));
      ZERO_ASSERT_WAIT (zero_peer_get_frames_decoded (a, ZERO_MEDIA_KIND_VIDEO) >= 10 &&
                        zero_peer_get_frames_decoded (b, ZERO_MEDIA_KIND_VIDEO) >= 10 &&
                        ea->data_open && eb->data_open, T (8000));
      /* Relay only: every candidate we signalled is a relay candidate. */
      g_assert_cmpuint (link->candidates, >, 0);
    }
  else
    {
      ZERO_ASSERT_WAIT (zero_peer_get_state (a) == ZERO_PEER_STATE_CLOSED, T (8000));
      g_assert_true (g_error_matches (zero_peer_get_error (a), ZERO_WEBRTC_ERROR,
                                      ZERO_WEBRTC_ERROR_CONNECTION));
      g_assert_cmpuint (zero_peer_get_frames_decoded (a, ZERO_MEDIA_KIND_VIDEO), ==, 0);
    }
  zero_peer_close (a);
  zero_peer_close (b);
  test_link_free (link);
  test_events_free (ea);
  test_events_free (eb);
  g_object_unref (a);
  g_object_unref (b);
  test_party_free (pa);
  test_party_free (pb);
}

static Turn *turn;

static void
test_relay (void)
{
  if (turn == NULL)
    {
      g_test_skip ("turnserver (coturn) is not installed");
      return;
    }
  run_call (turn, "secret", TRUE);
}

static void
test_wrong_credentials (void)
{
  if (turn == NULL)
    {
      g_test_skip ("turnserver (coturn) is not installed");
      return;
    }
  run_call (turn, "wrong", FALSE);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  turn = turn_start ();

  g_test_add_func ("/webrtc/turn/relay-only", test_relay);
  g_test_add_func ("/webrtc/turn/wrong-credentials", test_wrong_credentials);
  ret = g_test_run ();
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (turn)
    turn_stop (turn);
  return ret;
}

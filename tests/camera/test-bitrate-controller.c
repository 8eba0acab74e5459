/* test-bitrate-controller.c: worst peer wins, bounds hold, losses cut, clean links recover,
 * REMB caps, forgotten peers stop counting. Time is passed in, so every step is exact. */
#include <math.h>

#include "camera/zero-bitrate-controller.h"

#define SEC G_USEC_PER_SEC

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  (*(int *) user_data)++;
}

static void
test_start_and_bounds (void)
{
  g_autoptr(ZeroBitrateController) c = zero_bitrate_controller_new (150, 2500, 1200);

  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 1200);
  g_assert_cmpuint (zero_bitrate_controller_get_n_peers (c), ==, 0);
  g_assert_cmpuint (zero_bitrate_controller_get_peer_estimate (c, "nobody"), ==, 0);

  /* The start rate is clamped into [min, max]. */
  {
    g_autoptr(ZeroBitrateController) low = zero_bitrate_controller_new (300, 1000, 50);
    g_autoptr(ZeroBitrateController) high = zero_bitrate_controller_new (300, 1000, 5000);
    g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (low), ==, 300);
    g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (high), ==, 1000);
  }
}

static void
test_loss_decreases_once_per_episode (void)
{
  g_autoptr(ZeroBitrateController) c = zero_bitrate_controller_new (150, 2500, 1000);
  int notified = 0;
  gint64 t = 10 * SEC;

  g_signal_connect (c, "notify::target-kbps", G_CALLBACK (on_notify), &notified);

  g_assert_false (zero_bitrate_controller_report (c, "a", 0.05, 50, 0, t));
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 1000); /* 2-10 %: hold */

  /* 20 % loss: x (1 - 0.1) = 900. */
  t += SEC;
  g_assert_true (zero_bitrate_controller_report (c, "a", 0.20, 50, 0, t));
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 900);
  g_assert_cmpint (notified, ==, 1);

  /* Another report 100 ms later is the same episode (hold-off 300 ms + RTT). */
  g_assert_false (zero_bitrate_controller_report (c, "a", 0.20, 50, 0, t + 100000));
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 900);

  /* After the hold-off it cuts again: 900 x 0.9 = 810. */
  g_assert_true (zero_bitrate_controller_report (c, "a", 0.20, 50, 0, t + 400000));
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 810);

  /* Heavy loss for a long time ends at the floor, never below. */
  for (int i = 0; i < 40; i++)
    {
      t += SEC;
      zero_bitrate_controller_report (c, "a", 0.6, 100, 0, t);
    }
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 150);
  g_assert_cmpuint (zero_bitrate_controller_get_peer_estimate (c, "a"), ==, 150);
}

static void
test_recovery_is_gradual (void)
{
  g_autoptr(ZeroBitrateController) c = zero_bitrate_controller_new (150, 2500, 500);
  gint64 t = 0;
  guint previous = 500;
  int seconds_to_max = 0;

  zero_bitrate_controller_report (c, "a", 0.0, 40, 0, t);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 500);

  /* 8 % per second: one second later 540, never a jump. */
  t += SEC;
  zero_bitrate_controller_report (c, "a", 0.0, 40, 0, t);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 540);

  /* A report after a long silence counts at most 2 s of growth. */
  t += 60 * SEC;
  zero_bitrate_controller_report (c, "a", 0.0, 40, 0, t);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 626);
  previous = 626;

  while (zero_bitrate_controller_get_target_kbps (c) < 2500 && seconds_to_max < 100)
    {
      guint now;
      t += SEC;
      seconds_to_max++;
      zero_bitrate_controller_report (c, "a", 0.01, 40, 0, t);
      now = zero_bitrate_controller_get_target_kbps (c);
      g_assert_cmpuint (now, >=, previous);
      g_assert_cmpuint (now, <=, (guint) ceil (previous * 1.081) + 1);
      previous = now;
    }
  /* 626 -> 2500 at 8 %/s takes ~18 s, then it stays at the ceiling. */
  g_assert_cmpint (seconds_to_max, >=, 15);
  g_assert_cmpint (seconds_to_max, <=, 20);
  t += SEC;
  zero_bitrate_controller_report (c, "a", 0.0, 40, 0, t);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 2500);
}

static void
test_worst_peer_wins (void)
{
  g_autoptr(ZeroBitrateController) c = zero_bitrate_controller_new (150, 2500, 1000);
  gint64 t = 0;

  for (int i = 0; i < 12; i++, t += SEC)
    {
      zero_bitrate_controller_report (c, "good", 0.0, 20, 0, t);
      zero_bitrate_controller_report (c, "bad", 0.3, 200, 0, t);
    }
  g_assert_cmpuint (zero_bitrate_controller_get_n_peers (c), ==, 2);
  g_assert_cmpuint (zero_bitrate_controller_get_peer_estimate (c, "good"), >, 2000);
  g_assert_cmpuint (zero_bitrate_controller_get_peer_estimate (c, "bad"), <, 300);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==,
                    zero_bitrate_controller_get_peer_estimate (c, "bad"));

  /* The bad peer leaves: the target follows the good one at once. */
  g_assert_true (zero_bitrate_controller_forget (c, "bad"));
  g_assert_false (zero_bitrate_controller_forget (c, "bad"));
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==,
                    zero_bitrate_controller_get_peer_estimate (c, "good"));

  /* Nobody left: back to the start rate. */
  g_assert_true (zero_bitrate_controller_forget (c, "good"));
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 1000);
}

static void
test_remb_caps (void)
{
  g_autoptr(ZeroBitrateController) c = zero_bitrate_controller_new (150, 2500, 1000);

  zero_bitrate_controller_report (c, "a", 0.0, 30, 400, 0);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 400);
  /* REMB below the floor: the floor wins. */
  zero_bitrate_controller_report (c, "a", 0.0, 30, 50, SEC);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 150);
  /* No REMB (0): loss-based growth from there. */
  zero_bitrate_controller_report (c, "a", 0.0, 30, 0, 2 * SEC);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 162);
}

static void
test_bad_input_refused (void)
{
  g_autoptr(ZeroBitrateController) c = zero_bitrate_controller_new (150, 2500, 1000);

  g_assert_false (zero_bitrate_controller_report (c, "a", NAN, 10, 0, 0));
  g_assert_false (zero_bitrate_controller_report (c, "a", -0.1, 10, 0, 0));
  g_assert_false (zero_bitrate_controller_report (c, "a", 1.5, 10, 0, 0));
  g_assert_false (zero_bitrate_controller_report (c, "a", 0.1, NAN, 0, 0));
  g_assert_cmpuint (zero_bitrate_controller_get_n_peers (c), ==, 0);
  g_assert_cmpuint (zero_bitrate_controller_get_target_kbps (c), ==, 1000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/camera/bitrate/start-and-bounds", test_start_and_bounds);
  g_test_add_func ("/camera/bitrate/loss-decreases-once-per-episode",
                   test_loss_decreases_once_per_episode);
  g_test_add_func ("/camera/bitrate/recovery-is-gradual", test_recovery_is_gradual);
  g_test_add_func ("/camera/bitrate/worst-peer-wins", test_worst_peer_wins);
  g_test_add_func ("/camera/bitrate/remb-caps", test_remb_caps);
  g_test_add_func ("/camera/bitrate/bad-input-refused", test_bad_input_refused);
  return g_test_run ();
}

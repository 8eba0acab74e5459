/* test-loss.c: a two-party call across a lossy link, then a total outage.
 *
 * Runs inside tests/support/netns/zero-netns (two network namespaces joined by a veth pair;
 * we are in A): zero-signaling listens on A's veth address, one zero-cli runs in A and one
 * in B (`ip netns exec`), test sources at 320x240@30, webrtc.loopback_candidates off, so
 * all media crosses the veth. Then, in both directions:
 *  1. with 10% random loss each way, over a 12 s window after a warm-up, the receiver
 *     decodes >= 20 fps and never waits 1 s or more for a decoded video frame;
 *  2. a 5 s total outage (100% loss) stops video (checked, so the outage is real);
 *  3. after the link is back (10% loss again), decoded video resumes within 2 s.
 * Frame arrival times come from zero-cli's own events (`frame-gap`, `stats` with
 * `max_frame_gap_ms` and `mono_ms`: CLOCK_MONOTONIC, shared by every process here).
 *
 * Loss is `tc qdisc ... netem loss N%` on each veth end's egress when the kernel has
 * sch_netem; kernels without it (CONFIG_NET_SCH_NETEM unset) get the same random drop from
 * nftables (`numgen random mod 100 < N drop` in a netdev ingress hook on each end). The
 * mechanism is printed. Needs root; never skips. $ZERO_LOSS_CONFIG: a config.yaml for both
 * clients (to compare settings such as webrtc.jitter_buffer_ms).
 *
 * What makes it pass (webrtc/zero-peer.c): the jitter buffer waits up to
 * webrtc.jitter_buffer_ms (150) for a retransmission; every RTP session gets a fixed RTCP
 * budget and no minimum interval, so AVPF lets NACKs and keyframe requests out within
 * ~35 ms; media silence restarts ICE only after media_timeout_s (8 s), so a 5 s outage
 * resumes on the same pair; and no TCP host candidates (webrtc.ice_tcp off): loss while
 * connecting once made libnice settle on a TCP pair, whose in-order retransmissions froze
 * video for 200 ms to 1.5 s at each lost packet. Registered as `integration-loss` (suite netns); by hand, as root:
 *   ZERO_BUILD_DIR=build tests/support/netns/zero-netns -- build/tests/integration/test-loss
 * On a machine loaded far beyond its cores the frame rates fall for lack of CPU, not loss:
 * the load average is printed first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "zero-test-proc.h"
#include "zero-test-util.h"

#define LOSS_PERCENT 10
#define WINDOW_MS 12000
#define WARMUP_MS 4000
#define OUTAGE_MS 5000
#define MIN_FPS 20.0
#define MAX_GAP_MS 1000
#define MAX_RECOVERY_MS 2000

typedef struct {
  const char *ns;
  const char *iface;
} Link;

typedef struct {
  const char *label;
  ZeroTestProc *proc;
  char *peer_id;        /* its own id */
  char *remote_id;      /* the other's id, as it sees it */
} Client;

static Link links[2];
static gboolean use_netem;

/* Runs @argv; FALSE (with its stderr in @error) unless it exits 0. */
static gboolean
run_command (const char *const *argv,
             GError           **error)
{
  g_autofree char *err_text = NULL;
  g_autofree char *cmdline = g_strjoinv (" ", (char **) argv);
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                     G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err_text, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "`%s` failed: %s", cmdline,
                   g_strstrip (err_text));
      return FALSE;
    }
  return TRUE;
}

/* @percent of the packets each end receives (netem: sends) are dropped. */
static gboolean
link_set_loss (const Link *link,
               int         percent,
               GError    **error)
{
  if (use_netem)
    {
      g_autofree char *spec = g_strdup_printf ("%d%%", percent);
      const char *argv[] = { "ip", "netns", "exec", link->ns, "tc", "qdisc", "replace", "dev",
                             link->iface, "root", "netem", "loss", spec, NULL };

      return run_command (argv, error);
    }
  else
    {
      g_autofree char *path = NULL;
      g_autofree char *rule = NULL;
      g_autofree char *script = NULL;
      gboolean ok;
      int fd = g_file_open_tmp ("zero-loss-XXXXXX.nft", &path, error);

      if (fd < 0)
        return FALSE;
      close (fd);
      rule = percent >= 100 ? g_strdup ("drop;")
                            : g_strdup_printf ("numgen random mod 100 < %d drop;", percent);
      /* Declaring the table first makes the delete succeed on the first call too. */
      script = g_strdup_printf ("table netdev zero_loss\n"
                                "delete table netdev zero_loss\n"
                                "table netdev zero_loss {\n"
                                "  chain ingress {\n"
                                "    type filter hook ingress device \"%s\" priority 0;\n"
                                "    %s\n"
                                "  }\n"
                                "}\n", link->iface, percent > 0 ? rule : "");
      if (!g_file_set_contents (path, script, -1, error))
        return FALSE;
      {
        const char *argv[] = { "ip", "netns", "exec", link->ns, "nft", "-f", path, NULL };

        ok = run_command (argv, error);
      }
      g_unlink (path);
      return ok;
    }
}

/* Sets the loss on both ends; @done_ms[i] (optional) gets the time (monotonic ms) when the
 * direction towards client i (0: in A, 1: in B) took the new setting: netem shapes the
 * sender's egress, nftables the receiver's ingress. */
static void
set_loss (int     percent,
          gint64 *done_ms)
{
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autoptr (GError) error = NULL;

      if (!link_set_loss (&links[i], percent, &error))
        g_error ("cannot set %d%% loss on %s: %s", percent, links[i].iface, error->message);
      if (done_ms)
        done_ms[use_netem ? 1 - i : i] = g_get_monotonic_time () / 1000;
    }
}

/* Which mechanism makes loss here: netem if the kernel has it, else nftables. */
static void
choose_loss_mechanism (void)
{
  g_autoptr (GError) netem_error = NULL;
  g_autoptr (GError) nft_error = NULL;

  use_netem = TRUE;
  if (link_set_loss (&links[0], LOSS_PERCENT, &netem_error))
    {
      g_test_message ("loss: tc netem");
      return;
    }
  use_netem = FALSE;
  if (link_set_loss (&links[0], LOSS_PERCENT, &nft_error))
    {
      g_test_message ("loss: nftables numgen (no tc netem here: %s)", netem_error->message);
      return;
    }
  g_error ("neither tc netem (%s) nor nftables (%s) can drop packets here; install iproute2 "
           "with a kernel that has sch_netem, or nftables", netem_error->message,
           nft_error->message);
}

/* Iterates the main context (reading the clients' output) for @ms. */
static void
spin_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* A monotonic time (ms) as wall-clock text, to match it with the clients' logs. */
static char *
wall_text (gint64 mono_ms)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) then = g_date_time_add (now, (mono_ms * 1000 - g_get_monotonic_time ()));

  return g_date_time_format (then, "%H:%M:%S.%f");
}

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

static ZeroTestProc *
spawn_cli (const char *label,
           const char *netns,
           const char *url,
           const char *session)
{
  g_autofree char *cli = zero_test_find_program ("zero-cli");
  /* ip netns exec runs in B; `ip` itself needs its full path (argv[0] is not searched). */
  g_autofree char *ip = g_find_program_in_path ("ip");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *common[] = { "--json", "--server", url, "--name", label,
                           "--video-source", "test", "--audio-source", "test",
                           "--audio-output", "none", "--resolution", "320x240", "--fps", "30",
                           "--loopback-candidates", "false", "--stats-interval", "500",
                           "--gap-events", "250" };
  ZeroTestProc *proc;

  if (netns)
    {
      if (ip == NULL)
        g_error ("the ip command (iproute2) is not installed");
      g_ptr_array_add (argv, ip);
      g_ptr_array_add (argv, (gpointer) "netns");
      g_ptr_array_add (argv, (gpointer) "exec");
      g_ptr_array_add (argv, (gpointer) netns);
    }
  g_ptr_array_add (argv, cli);
  for (guint i = 0; i < G_N_ELEMENTS (common); i++)
    g_ptr_array_add (argv, (gpointer) common[i]);
  /* A config.yaml for both clients (e.g. webrtc.jitter_buffer_ms), to compare settings. */
  if (g_getenv ("ZERO_LOSS_CONFIG") && *g_getenv ("ZERO_LOSS_CONFIG"))
    {
      g_ptr_array_add (argv, (gpointer) "--config");
      g_ptr_array_add (argv, (gpointer) g_getenv ("ZERO_LOSS_CONFIG"));
    }
  g_ptr_array_add (argv, (gpointer) (session ? "--join" : "--create"));
  if (session)
    g_ptr_array_add (argv, (gpointer) session);
  g_ptr_array_add (argv, NULL);
  proc = zero_test_proc_spawn (label, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

/* The last `stats` event for @peer printed at or before @t_ms (monotonic). */
static JsonObject *
stats_at (Client *c,
          gint64  t_ms)
{
  GPtrArray *events = zero_test_proc_get_events (c->proc);
  JsonObject *found = NULL;

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *e = g_ptr_array_index (events, i);

      if (g_strcmp0 (zero_test_json_string (e, "event"), "stats") != 0 ||
          g_strcmp0 (zero_test_json_string (e, "peer_id"), c->remote_id) != 0)
        continue;
      if (zero_test_json_int (e, "mono_ms") > t_ms)
        break;
      found = e;
    }
  return found;
}

/* The longest wait for a decoded video frame reported by `stats` lines in (t0, t1]; also
 * the number of such lines. Each line covers the time since the previous one, a gap still
 * running included. */
static gint64
max_gap_in (Client *c,
            gint64  t0,
            gint64  t1,
            guint  *n_lines)
{
  GPtrArray *events = zero_test_proc_get_events (c->proc);
  gint64 max = -1;

  *n_lines = 0;
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *e = g_ptr_array_index (events, i);
      gint64 t;

      if (g_strcmp0 (zero_test_json_string (e, "event"), "stats") != 0 ||
          g_strcmp0 (zero_test_json_string (e, "peer_id"), c->remote_id) != 0)
        continue;
      t = zero_test_json_int (e, "mono_ms");
      if (t <= t0 || t > t1)
        continue;
      (*n_lines)++;
      /* null (no frame yet) counts as a gap as long as the window */
      if (zero_test_json_int (e, "max_frame_gap_ms") < 0)
        max = MAX (max, t1 - t0);
      else
        max = MAX (max, zero_test_json_int (e, "max_frame_gap_ms"));
    }
  return max;
}

/* The first frame-gap event (a decoded video frame after a wait) that ended after @t_ms: with
 * @t_ms inside the outage, the frame that ended it (it may precede by a little the return of
 * our `ip netns exec` that lifted it). */
static JsonObject *
first_resume_after (Client *c,
                    gint64  t_ms)
{
  GPtrArray *events = zero_test_proc_get_events (c->proc);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *e = g_ptr_array_index (events, i);

      if (g_strcmp0 (zero_test_json_string (e, "event"), "frame-gap") == 0 &&
          g_strcmp0 (zero_test_json_string (e, "peer_id"), c->remote_id) == 0 &&
          zero_test_json_int (e, "mono_ms") > t_ms)
        return e;
    }
  return NULL;
}

static gint64
video_frames_at (Client *c,
                 gint64  t_ms)
{
  JsonObject *s = stats_at (c, t_ms);

  return s ? zero_test_json_int (s, "video_frames") : -1;
}

/* The event @name from @c, or the test fails with all that @c printed (an error line says
 * why it left). */
static JsonObject *
wait_event_or_die (Client     *c,
                   const char *name,
                   guint       timeout_ms)
{
  JsonObject *e = zero_test_proc_wait_event (c->proc, name, NULL, NULL, timeout_ms);
  GPtrArray *lines;

  if (e != NULL)
    return e;
  lines = zero_test_proc_get_lines (c->proc);
  for (guint i = 0; i < lines->len; i++)
    g_printerr ("[%s stdout] %s\n", c->label, (const char *) g_ptr_array_index (lines, i));
  g_error ("%s: no `%s` event in %u ms (%s, exit code %d)", c->label, name, timeout_ms,
           zero_test_proc_is_running (c->proc) ? "running" : "exited",
           zero_test_proc_get_exit_code (c->proc));
  return NULL;
}

static void
test_loss_and_outage (void)
{
  const char *ns_a = g_getenv ("ZERO_NETNS_A");
  const char *ns_b = g_getenv ("ZERO_NETNS_B");
  const char *addr_a = g_getenv ("ZERO_NETNS_ADDR_A");
  g_autofree char *url = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroTestProc) signaling = NULL;
  Client clients[2] = { { .label = "a" }, { .label = "b" } };
  const char *extra[] = { "--host", NULL, NULL };
  JsonObject *joined;
  gint64 t0, t1, outage_at, restored_at[2];
  guint scale = zero_test_wait_scale ();

  if (!ns_a || !ns_b || !addr_a || !g_getenv ("ZERO_NETNS_IFACE_A") ||
      !g_getenv ("ZERO_NETNS_IFACE_B"))
    g_error ("run me under tests/support/netns/zero-netns (ZERO_NETNS_* are not set)");
  links[0] = (Link) { ns_a, g_getenv ("ZERO_NETNS_IFACE_A") };
  links[1] = (Link) { ns_b, g_getenv ("ZERO_NETNS_IFACE_B") };
  {
    g_autofree char *load = NULL;

    if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
      g_test_message ("load average: %s", g_strstrip (load));
  }
  choose_loss_mechanism ();
  set_loss (LOSS_PERCENT, NULL);

  extra[1] = addr_a;
  signaling = zero_test_proc_spawn_signaling (&url, extra, &error);
  g_assert_no_error (error);
  g_assert_true (strstr (url, addr_a) != NULL);

  clients[0].proc = spawn_cli ("a", NULL, url, NULL);
  joined = wait_event_or_die (&clients[0], "joined", 20000);
  clients[0].peer_id = g_strdup (zero_test_json_string (joined, "peer_id"));
  clients[1].proc = spawn_cli ("b", ns_b, url, zero_test_json_string (joined, "session"));
  joined = wait_event_or_die (&clients[1], "joined", 20000);
  clients[1].peer_id = g_strdup (zero_test_json_string (joined, "peer_id"));
  clients[0].remote_id = g_strdup (clients[1].peer_id);
  clients[1].remote_id = g_strdup (clients[0].peer_id);

  /* Connected through the lossy link, video decoded both ways. */
  for (int i = 0; i < 2; i++)
    {
      JsonObject *e = zero_test_proc_wait_event (clients[i].proc, "first-frame", "kind", "video",
                                                 45000);

      if (e == NULL)
        g_error ("%s decoded no video within 45 s across the lossy link", clients[i].label);
      g_test_message ("%s: first video frame %" G_GINT64_FORMAT " ms after joining",
                      clients[i].label, zero_test_json_int (e, "ms_since_join"));
    }
  spin_ms (WARMUP_MS);

  /* 1. The lossy window. */
  t0 = now_ms ();
  spin_ms (WINDOW_MS);
  t1 = now_ms ();
  spin_ms (700); /* the stats line that closes the window */
  for (int i = 0; i < 2; i++)
    {
      Client *c = &clients[i];
      JsonObject *s0 = stats_at (c, t0), *s1 = stats_at (c, t1);
      guint n_lines = 0;
      gint64 gap = max_gap_in (c, t0, t1, &n_lines);
      double fps;

      if (s0 == NULL || s1 == NULL)
        g_error ("%s: no stats lines around the measurement window", c->label);
      fps = (zero_test_json_int (s1, "video_frames") - zero_test_json_int (s0, "video_frames")) *
            1000.0 / MAX (1, zero_test_json_int (s1, "mono_ms") -
                             zero_test_json_int (s0, "mono_ms"));
      g_test_message ("%s <- %s, %d%% loss: %.1f fps decoded over %" G_GINT64_FORMAT " ms, "
                      "longest wait for a frame %" G_GINT64_FORMAT " ms (%u stats lines)",
                      c->label, clients[1 - i].label, LOSS_PERCENT, fps,
                      zero_test_json_int (s1, "mono_ms") - zero_test_json_int (s0, "mono_ms"),
                      gap, n_lines);
      /* The waits behind it (frame-gap events are printed for waits >= 250 ms). */
      {
        GPtrArray *events = zero_test_proc_get_events (c->proc);
        g_autoptr (GString) gaps = g_string_new (NULL);

        for (guint k = 0; k < events->len; k++)
          {
            JsonObject *e = g_ptr_array_index (events, k);
            gint64 t = zero_test_json_int (e, "mono_ms");

            if (g_strcmp0 (zero_test_json_string (e, "event"), "frame-gap") == 0 &&
                t > t0 && t <= t1 + 1000)
              g_string_append_printf (gaps, " %" G_GINT64_FORMAT "@+%.1fs",
                                      zero_test_json_int (e, "gap_ms"), (t - t0) / 1000.0);
          }
        g_test_message ("%s: waits >= 250 ms in the window (ms@time):%s", c->label,
                        gaps->len ? gaps->str : " none");
      }
      g_assert_cmpuint (n_lines, >=, WINDOW_MS / 500 / 2);
      if (fps < MIN_FPS)
        g_error ("%s decoded %.1f fps from %s under %d%% loss (want >= %.0f)", c->label, fps,
                 clients[1 - i].label, LOSS_PERCENT, MIN_FPS);
      if (gap >= MAX_GAP_MS)
        g_error ("%s waited %" G_GINT64_FORMAT " ms for a video frame from %s under %d%% loss "
                 "(want < %d)", c->label, gap, clients[1 - i].label, LOSS_PERCENT, MAX_GAP_MS);
    }

  /* 2. A total outage. */
  set_loss (100, NULL);
  outage_at = now_ms ();
  {
    g_autofree char *at = wall_text (outage_at);

    g_test_message ("outage from %s", at);
  }
  spin_ms (OUTAGE_MS);
  for (int i = 0; i < 2; i++)
    {
      /* From 1 s into the outage to its end, nothing new was decoded. */
      gint64 f0 = video_frames_at (&clients[i], outage_at + 1000);
      gint64 f1 = video_frames_at (&clients[i], outage_at + OUTAGE_MS);

      g_test_message ("%s during the outage: %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT
                      " frames", clients[i].label, f0, f1);
      g_assert_cmpint (f0, >=, 0);
      g_assert_cmpint (f1, ==, f0);
    }

  /* 3. Back to 10% loss: video must come back within 2 s of its direction's return. */
  set_loss (LOSS_PERCENT, restored_at);
  for (int i = 0; i < 2; i++)
    {
      Client *c = &clients[i];
      JsonObject *resumed;

      if (!ZERO_WAIT_UNTIL ((resumed = first_resume_after (c, outage_at + 1000)) != NULL,
                            10000 * scale))
        g_error ("%s: video from %s did not come back within %u s of the link's return",
                 c->label, clients[1 - i].label, 10 * scale);
      {
        g_autofree char *back = wall_text (restored_at[i]);
        g_autofree char *seen = wall_text (zero_test_json_int (resumed, "mono_ms"));

        g_test_message ("%s <- %s: video resumed %" G_GINT64_FORMAT " ms after the link came "
                        "back (a %" G_GINT64_FORMAT " ms freeze; back at %s, resumed at %s)",
                        c->label, clients[1 - i].label,
                        zero_test_json_int (resumed, "mono_ms") - restored_at[i],
                        zero_test_json_int (resumed, "gap_ms"), back, seen);
      }
    }
  for (int i = 0; i < 2; i++)
    {
      JsonObject *resumed = first_resume_after (&clients[i], outage_at + 1000);
      gint64 recovery = zero_test_json_int (resumed, "mono_ms") - restored_at[i];

      if (recovery > MAX_RECOVERY_MS)
        g_error ("%s: video from %s resumed %" G_GINT64_FORMAT " ms after the outage ended "
                 "(want <= %d)", clients[i].label, clients[1 - i].label, recovery,
                 MAX_RECOVERY_MS);
    }
  /* ...and keeps coming. */
  spin_ms (3000);
  for (int i = 0; i < 2; i++)
    {
      gint64 after = video_frames_at (&clients[i], now_ms ());
      gint64 at = video_frames_at (&clients[i], restored_at[i]);

      g_test_message ("%s: %" G_GINT64_FORMAT " frames in the 3+ s after the outage",
                      clients[i].label, after - at);
      g_assert_cmpint (after - at, >=, 30);
    }

  /* Same call all along: no re-join, nobody left. */
  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpuint (zero_test_proc_count_events (clients[i].proc, "joined", NULL, NULL), ==,
                        1);
      g_assert_cmpuint (zero_test_proc_count_events (clients[i].proc, "peer-left", NULL, NULL),
                        ==, 0);
    }

  for (int i = 0; i < 2; i++)
    zero_test_proc_kill (clients[i].proc, SIGTERM);
  for (int i = 0; i < 2; i++)
    {
      JsonObject *summary, *peer;
      g_autofree char *path = NULL;

      g_assert_true (zero_test_proc_wait_exit (clients[i].proc, 15000));
      summary = zero_test_proc_last_event (clients[i].proc, "summary", NULL, NULL);
      g_assert_nonnull (summary);
      path = g_strdup_printf ("peers.%s", clients[i].remote_id);
      peer = zero_test_json_object (summary, path);
      g_assert_nonnull (peer);
      g_test_message ("%s summary: %" G_GINT64_FORMAT " video frames, %" G_GINT64_FORMAT
                      " freezes >= 1 s (the outage included), longest %" G_GINT64_FORMAT " ms",
                      clients[i].label, zero_test_json_int (peer, "video_frames"),
                      zero_test_json_int (peer, "freezes"),
                      zero_test_json_int (peer, "max_frame_gap_ms"));
      g_assert_cmpint (zero_test_json_int (summary, "exit_code"), ==, 0);
    }
  for (int i = 0; i < 2; i++)
    {
      g_clear_pointer (&clients[i].proc, zero_test_proc_free);
      g_free (clients[i].peer_id);
      g_free (clients[i].remote_id);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/integration/loss/lossy-link-and-outage", test_loss_and_outage);
  return g_test_run ();
}

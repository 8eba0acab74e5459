/* zero-bench-ui.c: the desktop app in a three-party call at 640×480.
 *
 * The app's real window runs in this process (the same ZeroWindow, call page,
 * tiles and paintables as `zero`), with its engine sending a 640×480 test
 * pattern; two zero-cli processes join with the same. Over the measured window
 * it reports, per tile, the frames the engine handed over and the frames GTK
 * drew (ZeroVideoPaintable's counters), the main thread's CPU (where GTK lays
 * out, uploads textures and renders; the engine's streaming threads are
 * excluded), the whole process's CPU, and its RSS. Targets (issue 4): full
 * frame rate on every tile, ≤ 15 % of one core for rendering, RSS ≤ 150 MB.
 * The renderer is the one the app picks (zero_renderer_choose: cairo when there is no
 * GPU); GSK_RENDERER=gl measures GTK's GL renderer instead.
 *
 * usage: zero-bench-ui [--seconds N] [--resolution WxH] [--fps N] [--quick] [--cli PATH]
 * Needs a display (xvfb-run -a -s "-screen 0 1280x800x24" zero-bench-ui).
 * Exit status: 0 measured, 1 the call did not come up, 2 usage or setup. */

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <locale.h>
#include <sys/resource.h>
#include <unistd.h>

#include "signaling/zero-signaling-server.h"
#include "signaling/zero-uuid.h"
#include "zero-application.h"
#include "zero-call-page.h"
#include "zero-renderer.h"
#include "zero-window.h"

#define RSS_TARGET_MB 150.0
#define CPU_TARGET 15.0

static int opt_seconds = 10;
static int opt_fps = 30;
static char *opt_resolution = NULL;
static gboolean opt_quick = FALSE;
static char *opt_cli = NULL;

typedef struct
{
  const char *label;
  ZeroVideoPaintable *paintable;
  ZeroParticipant *participant;
  guint64 received0, shown0, dropped0;
  guint64 received, shown, dropped;
} TileStat;

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static void
iterate_for (double seconds)
{
  double end = now_s () + seconds;

  while (now_s () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static gboolean
wait_for (gboolean (*cond) (gpointer), gpointer data, double seconds)
{
  double end = now_s () + seconds;

  while (!cond (data))
    {
      if (now_s () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return TRUE;
}

/* CPU seconds of the main thread (its tid is the pid) from /proc. */
static double
main_thread_cpu_s (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/stat", getpid ());
  g_autofree char *text = NULL;
  char *p;
  unsigned long utime = 0, stime = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strrchr (text, ')')) == NULL)
    return 0;
  /* After "pid (comm)": state is field 3; utime and stime are fields 14 and 15. */
  sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

/* CPU seconds of Mesa's software rasterizer threads (llvmpipe-N): with GTK's GL renderer
 * on a machine without a GPU (Xvfb), that is where the pixels are drawn. */
static double
render_threads_cpu_s (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  double total = 0;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *comm = NULL;
      g_autofree char *text = NULL;
      unsigned long utime = 0, stime = 0;
      char *p;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) ||
          !g_str_has_prefix (comm, "llvmpipe") ||
          !g_file_get_contents (stat_path, &text, NULL, NULL) ||
          (p = strrchr (text, ')')) == NULL)
        continue;
      sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
      total += (double) (utime + stime) / sysconf (_SC_CLK_TCK);
    }
  return total;
}

static double
process_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static double
status_mb (const char *key)
{
  g_autofree char *text = NULL;
  char *line;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL) ||
      (line = strstr (text, key)) == NULL)
    return -1;
  return g_ascii_strtod (line + strlen (key), NULL) / 1024.0;
}

/* The 1, 5 and 15 minute load averages. */
static char *
loadavg (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  fields = g_strsplit (text, " ", 4);
  if (g_strv_length (fields) < 3)
    return g_strdup ("?");
  return g_strdup_printf ("%s %s %s", fields[0], fields[1], fields[2]);
}

static gboolean
is_in_call (gpointer data)
{
  return zero_window_get_in_call (data);
}

static gboolean
has_three_tiles (gpointer data)
{
  ZeroCallPage *page = zero_window_get_call_page (data);

  return zero_call_grid_get_n_tiles (zero_call_page_get_grid (page)) >= 3;
}

static gboolean
remote_frames (gpointer data)
{
  ZeroWindow *window = data;
  ZeroCallPage *page = zero_window_get_call_page (window);
  GListModel *model = zero_session_manager_get_participants (zero_window_get_manager (window));
  guint ok = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ZeroParticipant) p = g_list_model_get_item (model, i);
      ZeroVideoPaintable *paintable = zero_call_page_get_paintable (page, p);

      if (paintable != NULL && zero_video_paintable_get_frames_shown (paintable) > 10)
        ok++;
    }
  return ok >= 2;
}

static GSubprocess *
spawn_cli (const char *url,
           const char *session,
           const char *name,
           const char *resolution,
           int         seconds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fps = g_strdup_printf ("%d", opt_fps);
  g_autofree char *secs = g_strdup_printf ("%d", seconds);
  GSubprocess *proc;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error, opt_cli, "--server", url, "--join", session, "--name", name,
                           "--video-source", "test", "--audio-source", "test",
                           "--audio-output", "none", "--resolution", resolution, "--fps", fps,
                           "--loopback-candidates", "true", "--seconds", secs, NULL);
  if (proc == NULL)
    g_printerr ("zero-bench-ui: cannot run %s: %s\n", opt_cli, error->message);
  return proc;
}

int
main (int   argc,
      char *argv[])
{
  static const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "Measured seconds (10)", "N" },
    { "resolution", 0, 0, G_OPTION_ARG_STRING, &opt_resolution, "Video size (640x480)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &opt_fps, "Frame rate of every sender (30)", "N" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &opt_quick, "3 measured seconds", NULL },
    { "cli", 0, 0, G_OPTION_ARG_FILENAME, &opt_cli, "zero-cli to run", "PATH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— the app in a 3-party call");
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroSignalingServer) server = NULL;
  g_autoptr(ZeroApplication) app = NULL;
  g_autoptr(GSubprocess) peer_a = NULL;
  g_autoptr(GSubprocess) peer_b = NULL;
  g_autofree char *home = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *session = NULL;
  g_autofree char *load_start = NULL;
  g_autofree char *load_end = NULL;
  g_autoptr(GPtrArray) stats = g_ptr_array_new_with_free_func (g_free);
  ZeroWindow *window;
  ZeroCallPage *page;
  GListModel *model;
  double t0, t1, main0, main1, proc0, proc1, rss, hwm, main_pct, proc_pct;
  double render0, render1, render_pct;
  int width = 640, height = 480, status = 0;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("zero-bench-ui: %s\n", error->message);
      return 2;
    }
  if (opt_quick)
    opt_seconds = 3;
  if (opt_resolution == NULL)
    opt_resolution = g_strdup ("640x480");
  if (sscanf (opt_resolution, "%dx%d", &width, &height) != 2 || width < 16 || height < 16 ||
      opt_seconds < 1 || opt_fps < 1 || opt_fps > 60)
    {
      g_printerr ("zero-bench-ui: bad --resolution, --seconds or --fps\n");
      return 2;
    }
  if (opt_cli == NULL)
    opt_cli = g_strdup (ZERO_BENCH_CLI);
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("zero-bench-ui: no display; run it under "
                  "xvfb-run -a -s \"-screen 0 1280x800x24\"\n");
      return 2;
    }

  /* Settings of our own: test media, no sound card, loopback ICE. */
  home = g_dir_make_tmp ("zero-bench-ui-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (home, "zero", NULL);
  g_mkdir_with_parents (config_dir, 0700);
  config_path = g_build_filename (config_dir, "config.yaml", NULL);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);

  /* As app/main.c does: the renderer the app would pick on this machine. */
  zero_renderer_choose ();
  gst_init (NULL, NULL);
  server = zero_signaling_server_new ();
  if (!zero_signaling_server_listen (server, "127.0.0.1", 0, &error))
    {
      g_printerr ("zero-bench-ui: %s\n", error->message);
      return 2;
    }
  yaml = g_strdup_printf ("signaling:\n  server_address: \"127.0.0.1:%u\"\n"
                          "user:\n  name: \"Bench\"\n"
                          "webrtc:\n  loopback_candidates: true\n"
                          "media:\n  video:\n    source: test\n    resolution: %dx%d\n"
                          "    fps: %d\n  audio:\n    source: test\n    output: none\n",
                          zero_signaling_server_get_port (server), width, height, opt_fps);
  g_file_set_contents (config_path, yaml, -1, &error);
  g_assert_no_error (error);

  load_start = loadavg ();
  app = zero_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE |
                           g_application_get_flags (G_APPLICATION (app)));
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("zero-bench-ui: %s\n", error->message);
      return 2;
    }
  g_application_activate (G_APPLICATION (app));
  window = zero_application_get_main_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 760);
  page = zero_window_get_call_page (window);

  session = zero_uuid_generate ();
  iterate_for (0.5);
  zero_window_join (window, session, NULL, TRUE);
  if (!wait_for (is_in_call, window, 15))
    {
      g_printerr ("zero-bench-ui: the app did not join\n");
      return 1;
    }
  peer_a = spawn_cli (zero_signaling_server_get_url (server), session, "Peer A", opt_resolution,
                      opt_seconds + 40);
  peer_b = spawn_cli (zero_signaling_server_get_url (server), session, "Peer B", opt_resolution,
                      opt_seconds + 40);
  if (peer_a == NULL || peer_b == NULL)
    return 2;
  if (!wait_for (has_three_tiles, window, 20) || !wait_for (remote_frames, window, 30))
    {
      g_printerr ("zero-bench-ui: the call did not come up (tiles or video missing)\n");
      status = 1;
      goto out;
    }
  iterate_for (3); /* warm-up: bitrates settle, toasts go */

  /* The tiles, self first. */
  model = zero_session_manager_get_participants (zero_window_get_manager (window));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ZeroParticipant) p = g_list_model_get_item (model, i);
      TileStat *s = g_new0 (TileStat, 1);

      s->participant = p;
      s->label = zero_participant_is_self (p) ? "self (preview)" : zero_participant_get_name (p);
      s->paintable = zero_participant_is_self (p) ? zero_window_get_self_paintable (window)
                                                  : zero_call_page_get_paintable (page, p);
      s->received0 = zero_video_paintable_get_frames_received (s->paintable);
      s->shown0 = zero_video_paintable_get_frames_shown (s->paintable);
      s->dropped0 = zero_video_paintable_get_frames_dropped (s->paintable);
      g_ptr_array_add (stats, s);
    }

  t0 = now_s ();
  main0 = main_thread_cpu_s ();
  render0 = render_threads_cpu_s ();
  proc0 = process_cpu_s ();
  iterate_for (opt_seconds);
  t1 = now_s ();
  main1 = main_thread_cpu_s ();
  render1 = render_threads_cpu_s ();
  proc1 = process_cpu_s ();
  rss = status_mb ("VmRSS:");
  hwm = status_mb ("VmHWM:");
  load_end = loadavg ();
  for (guint i = 0; i < stats->len; i++)
    {
      TileStat *s = g_ptr_array_index (stats, i);

      s->received = zero_video_paintable_get_frames_received (s->paintable) - s->received0;
      s->shown = zero_video_paintable_get_frames_shown (s->paintable) - s->shown0;
      s->dropped = zero_video_paintable_get_frames_dropped (s->paintable) - s->dropped0;
    }

  main_pct = 100.0 * (main1 - main0) / (t1 - t0);
  proc_pct = 100.0 * (proc1 - proc0) / (t1 - t0);
  render_pct = 100.0 * (render1 - render0) / (t1 - t0);

  g_print ("## zero-bench-ui: the app in a 3-party call, %s at %d fps, %d s measured\n\n",
           opt_resolution, opt_fps, opt_seconds);
  g_print ("renderer: %s; window %dx%d; load average at start %s, at end %s\n\n",
           G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))),
           gtk_widget_get_width (GTK_WIDGET (window)), gtk_widget_get_height (GTK_WIDGET (window)),
           load_start, load_end);
  g_print ("| tile | frames in (fps) | drawn (fps) | replaced before drawn | target | |\n");
  g_print ("|---|---|---|---|---|---|\n");
  for (guint i = 0; i < stats->len; i++)
    {
      TileStat *s = g_ptr_array_index (stats, i);
      double fps_in = s->received / (t1 - t0);
      double fps_drawn = s->shown / (t1 - t0);
      gboolean met = fps_drawn >= opt_fps * 0.9;

      g_print ("| %s | %.1f | %.1f | %" G_GUINT64_FORMAT " | ≥ %.0f fps (full rate) | %s |\n",
               s->label, fps_in, fps_drawn, s->dropped, opt_fps * 0.9,
               met ? "met" : "**miss**");
    }
  g_print ("\n| figure | value | target | |\n|---|---|---|---|\n");
  g_print ("| rendering CPU: main thread (GTK: layout, texture upload, cairo or GL calls) + "
           "llvmpipe threads | %.1f %% + %.1f %% = %.1f %% of one core | ≤ %.0f %% | %s |\n",
           main_pct, render_pct, main_pct + render_pct, CPU_TARGET,
           main_pct + render_pct <= CPU_TARGET ? "met" : "**miss**");
  g_print ("| whole process CPU (also capture, encode ×1, decode ×2, WebRTC) | %.1f %% of one "
           "core | (no target) | |\n", proc_pct);
  g_print ("| RSS at end / peak | %.1f MB / %.1f MB | ≤ %.0f MB | %s |\n", rss, hwm,
           RSS_TARGET_MB, hwm <= RSS_TARGET_MB ? "met" : "**miss**");
  {
    double l1 = g_ascii_strtod (load_end, NULL);

    if (l1 > 1.5)
      g_print ("\nwarning: load average %.2f > 1.5: the machine was busy, figures are noisy\n", l1);
  }

out:
  zero_window_leave (window);
  iterate_for (0.3);
  if (peer_a)
    g_subprocess_send_signal (peer_a, SIGTERM);
  if (peer_b)
    g_subprocess_send_signal (peer_b, SIGTERM);
  if (peer_a)
    g_subprocess_wait (peer_a, NULL, NULL);
  if (peer_b)
    g_subprocess_wait (peer_b, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_for (0.2);
  zero_signaling_server_shutdown (server);
  g_unlink (config_path);
  g_rmdir (config_dir);
  g_rmdir (home);
  return status;
}

/* zero-bench-call: Zero's calls against plain webrtcbin, measured in one run (issue 3).
 *
 * For each resolution (640x480@30 and 1280x720@30 by default) it runs:
 *  - Zero, 2 parties: zero-signaling on 127.0.0.1 and one zero-cli that creates a session
 *    (test sources, --stamp); --joins zero-cli processes join it in turn, each timed from its
 *    join to the first decoded frame of the host's video (`first-frame.ms_since_join`), and
 *    leave; the last one stays for the steady window: CPU of each process sampled from
 *    /proc/PID/stat every second, VmRSS at the end, the wire bitrate from `stats`, and the
 *    capture-to-render latency each side read back from the frame stamps (the summary's
 *    `latency_ms`).
 *  - Zero, 4 parties: a new session of four zero-cli processes (full mesh, joining one after
 *    the other), the same window:
 *    per-client CPU at 4 over per-client CPU at 2 shows whether the encoder runs once.
 *  - The baseline: zero-bench-call-baseline (baseline-webrtcbin.c), two webrtcbins with
 *    default settings in one process; --joins calls from create-offer to the first decoded
 *    frame, the last kept up for the same window; per-client CPU and RSS are the process's
 *    halves.
 * and prints one markdown table with the targets of issue 3, the load average at the start
 * and end of every phase, and the commands it ran. Progress goes to stderr, the report to
 * stdout. Figures are medians (see bench/README.md).
 *
 * Exit status: 0 measured (whatever the figures: a benchmark reports, it does not judge);
 * 1 something did not work (a client failed, no frame in time, no latency samples, a figure
 * that is not sane); 2 bad options or no way to set up (a program missing).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zero-build-config.h"

#define EXIT_BROKEN 1
#define EXIT_USAGE 2
#define LOAD_WARNING 1.5
#define SATURATED_PCT 90.0
#define KEPT_UP 0.9  /* of --fps: below, the clients could not keep up */
#define MAX_RES 4
#define MAX_JOINS 50
#define N_MESH 4
/* A client leaves in ~0.2 s; a sanitizer build's exit-time leak check can take seconds. */
#define STOP_TIMEOUT_MS 20000

/* Issue 3's targets. */
#define TARGET_JOIN_P50_MS 150.0
#define TARGET_LATENCY_P50_MS 60.0
#define TARGET_CPU_720P_PCT 30.0
#define TARGET_GROWTH 1.6

typedef struct {
  gboolean quick;
  int joins;
  int seconds;
  int warmup;
  int fps;
  int timeout;
  char *resolutions;
  char *cli;
  char *server;
  char *baseline;
  gboolean keep_logs;
} Options;

static Options opt = { .joins = -1, .seconds = -1, .warmup = -1, .fps = 30, .timeout = -1 };
static char *tmp_dir;
static char *config_path;
static char *server_url;
static guint n_spawned;
static gboolean interrupted;
static gboolean in_window;  /* stats lines count only while CPU is being measured */

/* --- child processes --------------------------------------------------------- */

typedef struct {
  char *label;
  char *command;            /* shell-quoted, for the report */
  char *log_path;
  FILE *transcript;         /* its stdout, beside the log */
  GSubprocess *proc;
  GDataInputStream *out;
  GCancellable *cancel;
  gboolean eof;
  gboolean exited;
  int exit_status;          /* as from waitpid */
  /* zero-signaling */
  char *listening;
  /* zero-cli */
  char *peer_id;
  GHashTable *first_video;  /* peer id -> double* ms_since_join */
  GHashTable *rated;        /* peer ids whose `stats` lines have carried a frame rate */
  GPtrArray *left;          /* peer ids that left */
  gint64 t_joined;          /* when we read these lines (monotonic µs): a breakdown */
  gint64 t_connected;
  gint64 t_first_video;
  JsonNode *summary;
  char *error;
  /* both: `stats` figures received during the measuring window */
  GArray *win_kbps_out;
  GArray *win_fps_in;
  /* baseline */
  GArray *join_ms;
  GArray *connected_ms;
  gboolean steady;
} Proc;

static void
proc_free (Proc *p)
{
  if (p->proc && !p->exited)
    {
      g_subprocess_force_exit (p->proc);
      g_subprocess_wait (p->proc, NULL, NULL);
    }
  if (p->cancel)
    g_cancellable_cancel (p->cancel);
  g_clear_object (&p->cancel);
  g_clear_object (&p->out);
  g_clear_object (&p->proc);
  g_clear_pointer (&p->transcript, fclose);
  g_free (p->label);
  g_free (p->command);
  g_free (p->log_path);
  g_free (p->listening);
  g_free (p->peer_id);
  g_clear_pointer (&p->first_video, g_hash_table_unref);
  g_clear_pointer (&p->rated, g_hash_table_unref);
  g_clear_pointer (&p->left, g_ptr_array_unref);
  g_clear_pointer (&p->summary, json_node_unref);
  g_free (p->error);
  g_clear_pointer (&p->join_ms, g_array_unref);
  g_clear_pointer (&p->connected_ms, g_array_unref);
  g_clear_pointer (&p->win_kbps_out, g_array_unref);
  g_clear_pointer (&p->win_fps_in, g_array_unref);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proc, proc_free)

static double *
dup_double (double v)
{
  double *d = g_new (double, 1);

  *d = v;
  return d;
}

static double
member_double (JsonObject *o,
               const char *name,
               double      fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE)
    return fallback;
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_DOUBLE:
      return json_node_get_double (n);
    case G_TYPE_INT64:
      return (double) json_node_get_int (n);
    default:
      return fallback;
    }
}

static JsonObject *
member_object (JsonObject *o,
               const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static void
handle_line (Proc       *p,
             const char *line)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *o;
  const char *event, *peer;

  if (p->transcript)
    fprintf (p->transcript, "%.3f %s\n", g_get_monotonic_time () / 1e6, line);
  if (p->listening == NULL && g_str_has_prefix (line, "listening on "))
    {
      p->listening = g_strdup (line + strlen ("listening on "));
      return;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, line, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_printerr ("%s: not a JSON line: %s\n", p->label, line);
      return;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  event = json_object_get_string_member_with_default (o, "event", "");
  peer = json_object_get_string_member_with_default (o, "peer_id", NULL);

  if (g_str_equal (event, "joined"))
    {
      if (p->t_joined == 0)
        p->t_joined = g_get_monotonic_time ();
      g_free (p->peer_id);
      p->peer_id = g_strdup (json_object_get_string_member_with_default (o, "peer_id", ""));
    }
  else if (g_str_equal (event, "first-frame") && peer &&
           g_strcmp0 (json_object_get_string_member_with_default (o, "kind", ""), "video") == 0)
    {
      if (p->t_first_video == 0)
        p->t_first_video = g_get_monotonic_time ();
      g_hash_table_insert (p->first_video, g_strdup (peer),
                           dup_double (member_double (o, "ms_since_join", NAN)));
    }
  else if (g_str_equal (event, "peer-state") && p->t_connected == 0 &&
           g_strcmp0 (json_object_get_string_member_with_default (o, "state", ""),
                      "connected") == 0)
    p->t_connected = g_get_monotonic_time ();
  else if (g_str_equal (event, "peer-left") && peer)
    g_ptr_array_add (p->left, g_strdup (peer));
  else if (g_str_equal (event, "stats"))
    {
      /* zero-cli: one line per peer; the baseline: one line, the mean of both ends. */
      double kbps = member_double (o, "kbps_out", NAN);
      double fps = member_double (o, "fps_in", NAN);

      if (peer && isfinite (fps))
        g_hash_table_add (p->rated, g_strdup (peer));
      if (in_window)
        {
          g_array_append_val (p->win_kbps_out, kbps);
          g_array_append_val (p->win_fps_in, fps);
        }
    }
  else if (g_str_equal (event, "join"))
    {
      double ms = member_double (o, "ms", NAN);
      double connected = member_double (o, "connected_ms", NAN);

      g_array_append_val (p->join_ms, ms);
      g_array_append_val (p->connected_ms, connected);
    }
  else if (g_str_equal (event, "steady"))
    p->steady = TRUE;
  else if (g_str_equal (event, "summary"))
    {
      g_clear_pointer (&p->summary, json_node_unref);
      p->summary = json_node_copy (json_parser_get_root (parser));
    }
  else if (g_str_equal (event, "error"))
    {
      g_free (p->error);
      p->error = g_strdup_printf ("%s: %s",
                                  json_object_get_string_member_with_default (o, "code", "?"),
                                  json_object_get_string_member_with_default (o, "message", ""));
      g_printerr ("%s: error %s\n", p->label, p->error);
    }
}

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Proc *p = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source),
                                                                result, NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      p->eof = TRUE;
      return;
    }
  handle_line (p, line);
  g_data_input_stream_read_line_async (p->out, G_PRIORITY_DEFAULT, p->cancel, on_line, p);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Proc *p = data;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    return; /* cancelled: p may be gone */
  p->exited = TRUE;
  p->exit_status = g_subprocess_get_status (G_SUBPROCESS (source));
}

static char *
quote_argv (const char *const *argv)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; argv[i]; i++)
    {
      gboolean plain = argv[i][0] != '\0';

      for (const char *c = argv[i]; *c && plain; c++)
        plain = g_ascii_isalnum (*c) || strchr ("-_./:=,@+%", *c);
      if (i > 0)
        g_string_append_c (s, ' ');
      if (plain)
        g_string_append (s, argv[i]);
      else
        {
          g_autofree char *q = g_shell_quote (argv[i]);

          g_string_append (s, q);
        }
    }
  return g_string_free (s, FALSE);
}

static Proc *
proc_spawn (const char        *label,
            const char *const *argv,
            GError           **error)
{
  g_autoptr (Proc) p = g_new0 (Proc, 1);
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *log_name = NULL;
  g_autofree char *out_path = NULL;

  p->label = g_strdup (label);
  p->command = quote_argv (argv);
  p->first_video = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  p->rated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->left = g_ptr_array_new_with_free_func (g_free);
  p->join_ms = g_array_new (FALSE, FALSE, sizeof (double));
  p->connected_ms = g_array_new (FALSE, FALSE, sizeof (double));
  p->win_kbps_out = g_array_new (FALSE, FALSE, sizeof (double));
  p->win_fps_in = g_array_new (FALSE, FALSE, sizeof (double));
  p->cancel = g_cancellable_new ();
  log_name = g_strdup_printf ("%02u-%s.log", ++n_spawned, label);
  g_strdelimit (log_name, " /", '-');
  p->log_path = g_build_filename (tmp_dir, log_name, NULL);
  out_path = g_strdup_printf ("%.*s.out", (int) strlen (p->log_path) - 4, p->log_path);
  p->transcript = fopen (out_path, "w");

  /* What the test environment sets to find bugs would change what we measure. */
  for (const char *const *v = (const char *const[]) { "G_MESSAGES_DEBUG", "MALLOC_CHECK_",
                                                       "MALLOC_PERTURB_", "G_DEBUG", "G_SLICE",
                                                       "GST_DEBUG", NULL };
       *v; v++)
    g_subprocess_launcher_unsetenv (launcher, *v);
  g_subprocess_launcher_set_stderr_file_path (launcher, p->log_path);
  p->proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (p->proc == NULL)
    return NULL;
  p->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p->proc));
  g_data_input_stream_read_line_async (p->out, G_PRIORITY_DEFAULT, p->cancel, on_line, p);
  g_subprocess_wait_async (p->proc, p->cancel, on_exited, p);
  return g_steal_pointer (&p);
}

static int
proc_pid (Proc *p)
{
  const char *id = g_subprocess_get_identifier (p->proc);

  return id ? atoi (id) : 0;
}

static gboolean
on_flag_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

/* Iterates the main context until @cond holds or @timeout_ms passed (or SIGINT). */
static gboolean
wait_until (Condition cond,
            gpointer  data,
            int       timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_flag_timeout, &timed_out);
  gboolean ok;

  while (!(ok = cond (data)) && !timed_out && !interrupted)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return ok;
}

static gboolean
cond_never (gpointer data)
{
  return FALSE;
}

static void
sleep_ms (int ms)
{
  wait_until (cond_never, NULL, ms);
}

static gboolean
cond_listening (gpointer data)
{
  Proc *p = data;

  return p->listening != NULL || p->exited;
}

static gboolean
cond_exited (gpointer data)
{
  Proc *p = data;

  return p->exited && p->eof;
}

/* SIGTERM, then the output up to EOF and the exit; SIGKILL after @timeout_ms. */
static gboolean
proc_stop (Proc *p,
           int   timeout_ms)
{
  if (!p->exited)
    g_subprocess_send_signal (p->proc, SIGTERM);
  if (wait_until (cond_exited, p, timeout_ms))
    return TRUE;
  g_printerr ("%s: %s %d ms after SIGTERM; killed (log: %s)\n", p->label,
              p->exited ? "exited, but its stdout stayed open" : "did not exit", timeout_ms,
              p->log_path);
  g_subprocess_force_exit (p->proc);
  wait_until (cond_exited, p, 5000);
  return FALSE;
}

static gboolean
proc_exited_ok (Proc *p)
{
  return p->exited && g_spawn_check_wait_status (p->exit_status, NULL);
}

/* --- /proc ----------------------------------------------------------------- */

static gboolean
read_cpu_ticks (int      pid,
                guint64 *ticks)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  char *p;
  guint64 utime, stime;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strrchr (text, ')')) == NULL)
    return FALSE;
  /* After "(comm)": state is field 3, utime 14, stime 15. */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT, &utime, &stime) != 2)
    return FALSE;
  *ticks = utime + stime;
  return TRUE;
}

static double
read_rss_kb (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (line = strstr (text, "\nVmRSS:")) == NULL)
    return NAN;
  return g_ascii_strtod (line + strlen ("\nVmRSS:"), NULL);
}

/* Busy and total jiffies of all CPUs together (/proc/stat). */
static gboolean
read_machine_ticks (guint64 *busy,
                    guint64 *total)
{
  g_autofree char *text = NULL;
  guint64 v[8] = { 0 };

  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL) ||
      sscanf (text, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %"
              G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &v[0], &v[1], &v[2], &v[3], &v[4],
              &v[5], &v[6], &v[7]) < 4)
    return FALSE;
  *total = 0;
  for (int i = 0; i < 8; i++)
    *total += v[i];
  *busy = *total - v[3] - v[4]; /* minus idle and iowait */
  return TRUE;
}

static double
load_average (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return NAN;
  return g_ascii_strtod (text, NULL);
}

/* --- statistics ------------------------------------------------------------- */

static gboolean measure_processes (Proc  **procs,
                                   guint   n,
                                   int     seconds,
                                   double *cpu_pct,
                                   double *cpu_mean_pct,
                                   double *rss_kb);

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of the finite values of @values. */
static double
percentile (const double *values,
            guint         n,
            double        p)
{
  g_autoptr (GArray) sorted = g_array_new (FALSE, FALSE, sizeof (double));
  guint rank;

  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]))
      g_array_append_val (sorted, values[i]);
  if (sorted->len == 0)
    return NAN;
  g_array_sort (sorted, compare_double);
  rank = (guint) ceil (p * sorted->len);
  return g_array_index (sorted, double, CLAMP (rank, 1, sorted->len) - 1);
}

static double
median (const double *values,
        guint         n)
{
  g_autoptr (GArray) sorted = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]))
      g_array_append_val (sorted, values[i]);
  if (sorted->len == 0)
    return NAN;
  g_array_sort (sorted, compare_double);
  if (sorted->len % 2)
    return g_array_index (sorted, double, sorted->len / 2);
  return (g_array_index (sorted, double, sorted->len / 2 - 1) +
          g_array_index (sorted, double, sorted->len / 2)) / 2;
}

/* The steady window: every process's CPU % of one core, sampled every second (the median of
 * the samples), its VmRSS at the end, and how busy all CPUs were (everyone's work, in % of
 * the machine). FALSE when a process died on the way. */
static gboolean
measure_window (Proc  **procs,
                guint   n,
                int     seconds,
                double *cpu_pct,
                double *cpu_mean_pct,
                double *rss_kb,
                double *machine_busy_pct)
{
  guint64 busy0 = 0, total0 = 0, busy1 = 0, total1 = 0;
  gboolean ok;

  read_machine_ticks (&busy0, &total0);
  in_window = TRUE;
  ok = measure_processes (procs, n, seconds, cpu_pct, cpu_mean_pct, rss_kb);
  in_window = FALSE;
  *machine_busy_pct = read_machine_ticks (&busy1, &total1) && total1 > total0
                        ? (busy1 - busy0) * 100.0 / (total1 - total0)
                        : NAN;
  return ok;
}

static gboolean
measure_processes (Proc  **procs,
                   guint   n,
                   int     seconds,
                   double *cpu_pct,
                   double *cpu_mean_pct,
                   double *rss_kb)
{
  long hz = sysconf (_SC_CLK_TCK);
  g_autofree guint64 *first = g_new0 (guint64, n);
  g_autofree guint64 *prev = g_new0 (guint64, n);
  gint64 t_first, t_prev;

  for (guint i = 0; i < n; i++)
    if (!read_cpu_ticks (proc_pid (procs[i]), &prev[i]))
      return FALSE;
  memcpy (first, prev, n * sizeof (guint64));
  t_first = t_prev = g_get_monotonic_time ();
  {
    g_autofree GArray **per = g_new0 (GArray *, n);

    for (guint i = 0; i < n; i++)
      per[i] = g_array_new (FALSE, FALSE, sizeof (double));
    for (int s = 0; s < seconds && !interrupted; s++)
      {
        gint64 now;

        sleep_ms (1000);
        now = g_get_monotonic_time ();
        for (guint i = 0; i < n; i++)
          {
            guint64 ticks;
            double pct;

            if (procs[i]->exited || !read_cpu_ticks (proc_pid (procs[i]), &ticks))
              {
                for (guint j = 0; j < n; j++)
                  g_array_unref (per[j]);
                return FALSE;
              }
            pct = (ticks - prev[i]) * 100.0 / hz / ((now - t_prev) / 1e6);
            g_array_append_val (per[i], pct);
            prev[i] = ticks;
          }
        t_prev = now;
      }
    for (guint i = 0; i < n; i++)
      {
        cpu_pct[i] = median ((double *) per[i]->data, per[i]->len);
        cpu_mean_pct[i] = (prev[i] - first[i]) * 100.0 / hz / ((t_prev - t_first) / 1e6);
        rss_kb[i] = read_rss_kb (proc_pid (procs[i]));
        g_array_unref (per[i]);
      }
  }
  return !interrupted;
}

/* --- results ----------------------------------------------------------------- */

typedef struct {
  double start;
  double end;
} Load;

typedef struct {
  int width;
  int height;

  /* Zero, 2 parties (joins, then the last joiner stays). */
  GArray *zero_join_ms;
  GArray *zero_welcome_ms;    /* breakdown of each join: to the welcome, */
  GArray *zero_connect_ms;    /* then to the connection, */
  GArray *zero_frame_ms;      /* then to the first frame */
  double zero_lat_p50[2], zero_lat_p95[2];
  gint64 zero_lat_n[2];
  double zero_cpu2[2], zero_cpu2_mean[2], zero_rss2[2], zero_kbps2[2], zero_fps2[2];
  double busy_zero2;
  Load load_zero2;
  char *cmd_server, *cmd_host, *cmd_joiner;

  /* Zero, 4 parties. */
  double zero_cpu4[N_MESH], zero_cpu4_mean[N_MESH], zero_rss4[N_MESH];
  double zero_lat4_p50[N_MESH], zero_lat4_p95[N_MESH];
  double zero_fps4[N_MESH];
  double encoded_per_captured[N_MESH];
  double busy_zero4;
  Load load_zero4;
  gboolean zero4_done;

  /* Baseline. */
  GArray *base_join_ms;
  GArray *base_connected_ms;
  double base_lat_p50, base_lat_p95;
  gint64 base_lat_n;
  double base_cpu, base_cpu_mean, base_rss, base_kbps, base_fps;
  double busy_base;
  Load load_base;
  char *cmd_base;
} ResResult;

static void
res_result_clear (ResResult *r)
{
  g_clear_pointer (&r->zero_join_ms, g_array_unref);
  g_clear_pointer (&r->base_join_ms, g_array_unref);
  g_clear_pointer (&r->base_connected_ms, g_array_unref);
  g_clear_pointer (&r->zero_welcome_ms, g_array_unref);
  g_clear_pointer (&r->zero_connect_ms, g_array_unref);
  g_clear_pointer (&r->zero_frame_ms, g_array_unref);
  g_free (r->cmd_server);
  g_free (r->cmd_host);
  g_free (r->cmd_joiner);
  g_free (r->cmd_base);
}

/* --- phases ------------------------------------------------------------------ */

typedef struct {
  Proc *p;
  const char *peer;
  guint n;
} Waiting;

static gboolean
cond_joined (gpointer data)
{
  Proc *p = data;

  return p->peer_id != NULL || p->exited;
}

static gboolean
cond_first_video_from (gpointer data)
{
  Waiting *w = data;

  return w->p->exited ||
         (w->peer ? g_hash_table_contains (w->p->first_video, w->peer)
                  : g_hash_table_size (w->p->first_video) >= w->n);
}

/* Rates take two statistics samples, so they come a second or two after the first frame:
 * the window must not open before them. */
static gboolean
cond_rated_from (gpointer data)
{
  Waiting *w = data;

  return w->p->exited ||
         (w->peer ? g_hash_table_contains (w->p->rated, w->peer)
                  : g_hash_table_size (w->p->rated) >= w->n);
}

static gboolean
cond_peer_left (gpointer data)
{
  Waiting *w = data;

  return w->p->exited || g_ptr_array_find_with_equal_func (w->p->left, w->peer, g_str_equal,
                                                           NULL);
}

static GPtrArray *
zero_cli_argv (ResResult  *r,
               const char *name,
               const char *session,
               gboolean    create)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (opt.cli));
  g_ptr_array_add (argv, g_strdup ("--config"));
  g_ptr_array_add (argv, g_strdup (config_path));
  g_ptr_array_add (argv, g_strdup ("--server"));
  g_ptr_array_add (argv, g_strdup (server_url));
  g_ptr_array_add (argv, g_strdup (create ? "--create" : "--join"));
  if (create)
    g_ptr_array_add (argv, g_strdup ("--session"));
  g_ptr_array_add (argv, g_strdup (session));
  g_ptr_array_add (argv, g_strdup ("--name"));
  g_ptr_array_add (argv, g_strdup (name));
  g_ptr_array_add (argv, g_strdup ("--video-source=test"));
  g_ptr_array_add (argv, g_strdup ("--audio-source=test"));
  g_ptr_array_add (argv, g_strdup_printf ("--resolution=%dx%d", r->width, r->height));
  g_ptr_array_add (argv, g_strdup_printf ("--fps=%d", opt.fps));
  g_ptr_array_add (argv, g_strdup ("--stamp"));
  g_ptr_array_add (argv, g_strdup ("--json"));
  g_ptr_array_add (argv, NULL);
  return argv;
}

static Proc *
spawn_zero (ResResult  *r,
            const char *label,
            const char *session,
            gboolean    create,
            char      **command_out)
{
  g_autoptr (GPtrArray) argv = zero_cli_argv (r, label, session, create);
  g_autoptr (GError) error = NULL;
  Proc *p = proc_spawn (label, (const char *const *) argv->pdata, &error);

  if (p == NULL)
    {
      g_printerr ("cannot start %s: %s\n", opt.cli, error->message);
      return NULL;
    }
  if (command_out && *command_out == NULL)
    *command_out = g_strdup (p->command);
  return p;
}

/* The summary's latency_ms for @peer as seen by @p. */
static gboolean
summary_latency (Proc       *p,
                 const char *peer,
                 double     *p50,
                 double     *p95,
                 gint64     *n)
{
  JsonObject *peers, *rec, *lat;

  if (p->summary == NULL || peer == NULL ||
      (peers = member_object (json_node_get_object (p->summary), "peers")) == NULL ||
      (rec = member_object (peers, peer)) == NULL || (lat = member_object (rec, "latency_ms")) ==
      NULL)
    return FALSE;
  *p50 = member_double (lat, "p50", NAN);
  *p95 = member_double (lat, "p95", NAN);
  *n = (gint64) member_double (lat, "n", 0);
  return *n > 0;
}

static gboolean
fail (const char *what,
      Proc       *p)
{
  g_printerr ("FAILED: %s", what);
  if (p)
    g_printerr (" (%s%s%s; its log: %s)", p->label, p->error ? ": " : "",
                p->error ? p->error : "", p->log_path);
  g_printerr ("\n");
  opt.keep_logs = TRUE;
  return FALSE;
}

static gboolean
phase_zero_two (ResResult *r)
{
  g_autofree char *session = g_uuid_string_random ();
  g_autoptr (Proc) host = NULL;
  g_autoptr (Proc) last = NULL;
  int timeout_ms = opt.timeout * 1000;

  r->load_zero2.start = load_average ();
  g_printerr ("[%dx%d] Zero: %d joins to a host, the last one kept for %d s (+%d s warm-up)\n",
              r->width, r->height, opt.joins, opt.seconds, opt.warmup);
  host = spawn_zero (r, "host", session, TRUE, &r->cmd_host);
  if (host == NULL)
    return FALSE;
  if (!wait_until (cond_joined, host, timeout_ms) || host->peer_id == NULL)
    return fail ("the host did not join", host);

  for (int i = 0; i < opt.joins && !interrupted; i++)
    {
      g_autofree char *label = g_strdup_printf ("joiner-%d", i + 1);
      g_autoptr (Proc) joiner = spawn_zero (r, label, session, FALSE, &r->cmd_joiner);
      Waiting w = { .p = NULL };
      double *ms;

      if (joiner == NULL)
        return FALSE;
      w.p = joiner;
      w.peer = host->peer_id;
      if (!wait_until (cond_first_video_from, &w, timeout_ms) ||
          (ms = g_hash_table_lookup (joiner->first_video, host->peer_id)) == NULL)
        return fail ("no video frame from the host in time", joiner);
      g_array_append_val (r->zero_join_ms, *ms);
      {
        /* When we read the lines: close enough to split the figure. */
        double to_frame = (joiner->t_first_video - joiner->t_joined) / 1000.0;
        double welcome = *ms - to_frame;
        double connect = joiner->t_connected ? (joiner->t_connected - joiner->t_joined) / 1000.0
                                             : NAN;
        double frame = joiner->t_connected
                         ? (joiner->t_first_video - joiner->t_connected) / 1000.0
                         : NAN;

        g_array_append_val (r->zero_welcome_ms, welcome);
        g_array_append_val (r->zero_connect_ms, connect);
        g_array_append_val (r->zero_frame_ms, frame);
      }
      g_printerr ("  join %d: first host frame %.0f ms after joining\n", i + 1, *ms);
      if (i == opt.joins - 1)
        {
          last = g_steal_pointer (&joiner);
          break;
        }
      if (!proc_stop (joiner, STOP_TIMEOUT_MS) || !proc_exited_ok (joiner))
        return fail ("a joiner did not leave cleanly", joiner);
      w.p = host;
      w.peer = joiner->peer_id;
      if (!wait_until (cond_peer_left, &w, timeout_ms))
        return fail ("the host did not see the joiner leave", host);
      sleep_ms (300);
    }
  if (interrupted)
    return FALSE;

  /* The steady 2-party call: the host's video must reach the joiner too. */
  {
    Waiting w = { .p = host, .peer = last->peer_id };
    Waiting rated = { .p = last, .peer = host->peer_id };
    Proc *both[2] = { host, last };

    if (!wait_until (cond_first_video_from, &w, timeout_ms))
      return fail ("no video frame from the joiner at the host in time", host);
    if (!wait_until (cond_rated_from, &w, timeout_ms))
      return fail ("no stats with a frame rate from the joiner at the host in time", host);
    if (!wait_until (cond_rated_from, &rated, timeout_ms))
      return fail ("no stats with a frame rate from the host at the joiner in time", last);
    sleep_ms (opt.warmup * 1000);
    g_printerr ("  measuring %d s\n", opt.seconds);
    if (!measure_window (both, 2, opt.seconds, r->zero_cpu2, r->zero_cpu2_mean, r->zero_rss2,
                         &r->busy_zero2))
      return fail ("a client died during the 2-party window", host->exited ? host : last);
    for (int i = 0; i < 2; i++)
      {
        r->zero_kbps2[i] = median ((double *) both[i]->win_kbps_out->data,
                                   both[i]->win_kbps_out->len);
        r->zero_fps2[i] = median ((double *) both[i]->win_fps_in->data,
                                  both[i]->win_fps_in->len);
      }
    proc_stop (last, STOP_TIMEOUT_MS);
    proc_stop (host, STOP_TIMEOUT_MS);
    if (!proc_exited_ok (host) || !proc_exited_ok (last))
      return fail ("a client failed", proc_exited_ok (host) ? last : host);
    if (!summary_latency (host, last->peer_id, &r->zero_lat_p50[0], &r->zero_lat_p95[0],
                          &r->zero_lat_n[0]) ||
        !summary_latency (last, host->peer_id, &r->zero_lat_p50[1], &r->zero_lat_p95[1],
                          &r->zero_lat_n[1]))
      return fail ("no capture-to-render latency samples (frame stamps) in the summaries", last);
  }
  r->load_zero2.end = load_average ();
  return TRUE;
}

static gboolean
phase_zero_mesh (ResResult *r)
{
  g_autofree char *session = g_uuid_string_random ();
  Proc *procs[N_MESH] = { NULL };
  int timeout_ms = opt.timeout * 1000;
  gboolean ok = FALSE;

  r->load_zero4.start = load_average ();
  g_printerr ("[%dx%d] Zero: %d-party mesh for %d s (+%d s warm-up)\n", r->width, r->height,
              N_MESH, opt.seconds, opt.warmup);
  procs[0] = spawn_zero (r, "mesh-1", session, TRUE, NULL);
  if (procs[0] == NULL)
    goto out;
  if (!wait_until (cond_joined, procs[0], timeout_ms) || procs[0]->peer_id == NULL)
    {
      fail ("the mesh host did not join", procs[0]);
      goto out;
    }
  /* One at a time, as people arrive: each new member sets up connections to all those
   * already there, and the next one comes once they all see each other's video. */
  for (int i = 1; i < N_MESH; i++)
    {
      g_autofree char *label = g_strdup_printf ("mesh-%d", i + 1);

      if ((procs[i] = spawn_zero (r, label, session, FALSE, NULL)) == NULL)
        goto out;
      for (int j = 0; j <= i; j++)
        {
          Waiting w = { .p = procs[j], .n = i };

          if (!wait_until (cond_first_video_from, &w, timeout_ms) || procs[j]->exited)
            {
              fail ("a mesh client did not get video from every other in time", procs[j]);
              goto out;
            }
        }
    }
  for (int i = 0; i < N_MESH; i++)
    {
      Waiting w = { .p = procs[i], .n = N_MESH - 1 };

      if (!wait_until (cond_rated_from, &w, timeout_ms) || procs[i]->exited)
        {
          fail ("a mesh client has no stats with a frame rate from every other in time",
                procs[i]);
          goto out;
        }
    }
  sleep_ms (opt.warmup * 1000);
  g_printerr ("  measuring %d s\n", opt.seconds);
  if (!measure_window (procs, N_MESH, opt.seconds, r->zero_cpu4, r->zero_cpu4_mean,
                       r->zero_rss4, &r->busy_zero4))
    {
      fail ("a client died during the 4-party window", NULL);
      goto out;
    }
  for (int i = 0; i < N_MESH; i++)
    proc_stop (procs[i], STOP_TIMEOUT_MS);
  for (int i = 0; i < N_MESH; i++)
    {
      double p50[N_MESH - 1], p95[N_MESH - 1];
      guint k = 0;

      if (!proc_exited_ok (procs[i]))
        {
          fail ("a mesh client failed", procs[i]);
          goto out;
        }
      for (int j = 0; j < N_MESH; j++)
        {
          gint64 n;

          if (j != i && summary_latency (procs[i], procs[j]->peer_id, &p50[k], &p95[k], &n))
            k++;
        }
      if (k != N_MESH - 1)
        {
          fail ("a mesh client has no latency samples from every other", procs[i]);
          goto out;
        }
      r->zero_lat4_p50[i] = median (p50, k);
      r->zero_lat4_p95[i] = median (p95, k);
      r->zero_fps4[i] = median ((double *) procs[i]->win_fps_in->data,
                                procs[i]->win_fps_in->len);
      {
        JsonObject *media = member_object (json_node_get_object (procs[i]->summary), "media");
        double captured = member_double (media, "captured_video_frames", NAN);

        r->encoded_per_captured[i] = member_double (media, "encoded_video_frames", NAN) /
                                     captured;
      }
    }
  r->zero4_done = TRUE;
  r->load_zero4.end = load_average ();
  ok = TRUE;
out:
  for (int i = 0; i < N_MESH; i++)
    if (procs[i])
      {
        if (!procs[i]->exited)
          proc_stop (procs[i], STOP_TIMEOUT_MS);
        proc_free (procs[i]);
      }
  return ok;
}

static gboolean
cond_baseline_steady (gpointer data)
{
  Proc *p = data;

  return p->steady || p->exited;
}

static gboolean
phase_baseline (ResResult *r)
{
  g_autofree char *res = g_strdup_printf ("--resolution=%dx%d", r->width, r->height);
  g_autofree char *fps = g_strdup_printf ("--fps=%d", opt.fps);
  g_autofree char *joins = g_strdup_printf ("--joins=%d", opt.joins);
  g_autofree char *timeout = g_strdup_printf ("--timeout=%d", opt.timeout);
  const char *argv[] = { opt.baseline, res, fps, joins, "--seconds=-1", timeout, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (Proc) p = NULL;
  double cpu, cpu_mean, rss;
  JsonObject *summary, *lat;
  Proc *one[1];

  r->load_base.start = load_average ();
  g_printerr ("[%dx%d] baseline: %d calls of two plain webrtcbins, the last kept for %d s\n",
              r->width, r->height, opt.joins, opt.seconds);
  p = proc_spawn ("baseline", argv, &error);
  if (p == NULL)
    {
      g_printerr ("cannot start %s: %s\n", opt.baseline, error->message);
      return FALSE;
    }
  r->cmd_base = g_strdup (p->command);
  if (!wait_until (cond_baseline_steady, p, opt.timeout * 1000 * (opt.joins + 1)) || !p->steady)
    return fail ("the baseline calls did not all show frames", p);
  for (guint i = 0; i < p->join_ms->len; i++)
    g_printerr ("  join %u: first frame %.0f ms after the offer\n", i + 1,
                g_array_index (p->join_ms, double, i));
  g_array_append_vals (r->base_join_ms, p->join_ms->data, p->join_ms->len);
  g_array_append_vals (r->base_connected_ms, p->connected_ms->data, p->connected_ms->len);
  sleep_ms (opt.warmup * 1000);
  g_printerr ("  measuring %d s\n", opt.seconds);
  one[0] = p;
  if (!measure_window (one, 1, opt.seconds, &cpu, &cpu_mean, &rss, &r->busy_base))
    return fail ("the baseline died during its window", p);
  /* One process, two clients. */
  r->base_cpu = cpu / 2;
  r->base_cpu_mean = cpu_mean / 2;
  r->base_rss = rss / 2;
  r->base_kbps = median ((double *) p->win_kbps_out->data, p->win_kbps_out->len);
  r->base_fps = median ((double *) p->win_fps_in->data, p->win_fps_in->len);
  proc_stop (p, STOP_TIMEOUT_MS);
  if (!proc_exited_ok (p) || p->summary == NULL)
    return fail ("the baseline failed", p);
  summary = json_node_get_object (p->summary);
  lat = member_object (summary, "latency_ms");
  r->base_lat_p50 = member_double (lat, "p50", NAN);
  r->base_lat_p95 = member_double (lat, "p95", NAN);
  r->base_lat_n = (gint64) member_double (lat, "n", 0);
  if (r->base_lat_n <= 0)
    return fail ("the baseline read no frame stamps", p);
  r->load_base.end = load_average ();
  return TRUE;
}

/* --- report -------------------------------------------------------------------- */

static const char *
verdict (gboolean applies,
         double   value,
         double   target)
{
  if (!applies)
    return "reported";
  if (!isfinite (value))
    return "—";
  return value <= target ? "pass" : "**miss**";
}

static char *
fmt_load (const Load *l,
          double      busy_pct)
{
  return g_strdup_printf ("%.2f → %.2f (%.0f %%)", l->start, l->end, busy_pct);
}

/* A CPU figure means little when every CPU was busy: the clients then got less than they
 * asked for, and ran slower; and nothing when they fell behind (fewer frames, less work). */
static char *
verdict_cpu (gboolean applies,
             double   value,
             double   target,
             double   busy_pct,
             double   fps_in)
{
  if (!(fps_in >= KEPT_UP * opt.fps))
    return g_strdup_printf ("no verdict: the clients fell behind (%.1f fps in)", fps_in);
  if (busy_pct >= SATURATED_PCT)
    return g_strdup_printf ("%s (CPUs saturated: not trustworthy)",
                            verdict (applies, value, target));
  return g_strdup (verdict (applies, value, target));
}

static gboolean
sane (double v,
      double lo,
      double hi)
{
  return isfinite (v) && v >= lo && v <= hi;
}

/* The --quick smoke test checks these: every figure measured and in a plausible range. */
static gboolean
check (gboolean    *ok,
       gboolean     good,
       const char  *what,
       double       value)
{
  if (!good)
    g_printerr ("  not sane: %s = %g\n", what, value);
  *ok = *ok && good;
  return good;
}

static gboolean
check_sane (const ResResult *r)
{
  gboolean ok = TRUE;
  double zj = percentile ((double *) r->zero_join_ms->data, r->zero_join_ms->len, 0.5);
  double bj = percentile ((double *) r->base_join_ms->data, r->base_join_ms->len, 0.5);

  check (&ok, r->zero_join_ms->len == (guint) opt.joins, "Zero joins measured",
         r->zero_join_ms->len);
  check (&ok, sane (zj, 1, 60000), "Zero join p50 (ms)", zj);
  check (&ok, r->base_join_ms->len == (guint) opt.joins, "baseline joins measured",
         r->base_join_ms->len);
  check (&ok, sane (bj, 1, 60000), "baseline join p50 (ms)", bj);
  for (int i = 0; i < 2; i++)
    {
      check (&ok, sane (r->zero_lat_p50[i], 0, 10000), "2-party latency p50", r->zero_lat_p50[i]);
      check (&ok, r->zero_lat_n[i] > 0, "2-party latency samples", r->zero_lat_n[i]);
      check (&ok, sane (r->zero_cpu2_mean[i], 0.1, 400), "2-party CPU %", r->zero_cpu2_mean[i]);
      check (&ok, sane (r->zero_rss2[i], 1024, 8 << 20), "2-party RSS", r->zero_rss2[i]);
      check (&ok, sane (r->zero_fps2[i], 0.1, 240), "2-party fps", r->zero_fps2[i]);
      check (&ok, sane (r->zero_kbps2[i], 1, 1e6), "2-party kbit/s", r->zero_kbps2[i]);
    }
  for (int i = 0; i < N_MESH; i++)
    {
      check (&ok, sane (r->zero_cpu4_mean[i], 0.1, 400), "4-party CPU %", r->zero_cpu4_mean[i]);
      check (&ok, sane (r->zero_rss4[i], 1024, 8 << 20), "4-party RSS", r->zero_rss4[i]);
      check (&ok, sane (r->zero_lat4_p50[i], 0, 10000), "4-party latency p50",
             r->zero_lat4_p50[i]);
      check (&ok, sane (r->encoded_per_captured[i], 0.05, 2), "encoded per captured frame",
             r->encoded_per_captured[i]);
    }
  check (&ok, sane (r->base_lat_p50, 0, 10000), "baseline latency p50", r->base_lat_p50);
  check (&ok, r->base_lat_n > 0, "baseline latency samples", r->base_lat_n);
  check (&ok, sane (r->base_cpu_mean, 0.1, 400), "baseline CPU %", r->base_cpu_mean);
  check (&ok, sane (r->base_rss, 1024, 8 << 20), "baseline RSS", r->base_rss);
  check (&ok, sane (r->base_kbps, 1, 1e6), "baseline kbit/s", r->base_kbps);
  if (!ok)
    g_printerr ("FAILED: a figure for %dx%d is missing or not sane\n", r->width, r->height);
  return ok;
}

static void
print_report (ResResult  *results,
              guint       n_res,
              const Load *total,
              const char *command,
              double      elapsed_s)
{
  g_autofree char *cpu_model = NULL;
  g_autofree char *cpuinfo = NULL;
  const char *line;
  gboolean busy = total->start > LOAD_WARNING || total->end > LOAD_WARNING;

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL) &&
      (line = strstr (cpuinfo, "model name")) && (line = strchr (line, ':')))
    cpu_model = g_strndup (line + 2, strcspn (line + 2, "\n"));

  printf ("## zero-bench-call: Zero against plain webrtcbin (issue 3)\n\n");
  printf ("Command: `%s` (%.0f s). Machine: %ld CPUs (%s). Load average (1 min): "
          "%.2f at the start, %.2f at the end.\n\n", command, elapsed_s,
          sysconf (_SC_NPROCESSORS_ONLN), cpu_model ? cpu_model : "?", total->start, total->end);
  if (busy)
    printf ("**Warning: the load average was above %.1f: other work shared the CPUs, so the "
            "times and CPU figures of this run are not trustworthy.**\n\n", LOAD_WARNING);
  printf ("Zero: one zero-cli process per client (test camera + tone, VP8 real-time encoder, "
          "Opus), zero-signaling on 127.0.0.1. Baseline: two webrtcbins with default settings "
          "in one process, video only, vp8enc defaults (CPU and RSS per client are half the "
          "process's). Medians: join times over %d joins; CPU of each client the median of "
          "its per-second samples over a %d s window (after %d s of warm-up), then the median "
          "over clients; latency each receiver's p50/p95 over every stamped frame it decoded, "
          "then the median over receivers.\n\n", opt.joins, opt.seconds, opt.warmup);

  printf ("| resolution | metric | Zero | baseline (plain webrtcbin) | target | Zero verdict "
          "| load start → end (CPUs busy in the window) | cmd |\n");
  printf ("|---|---|---|---|---|---|---|---|\n");
  for (guint k = 0; k < n_res; k++)
    {
      ResResult *r = &results[k];
      g_autofree char *res = g_strdup_printf ("%d×%d@%d", r->width, r->height, opt.fps);
      g_autofree char *l2 = fmt_load (&r->load_zero2, r->busy_zero2);
      g_autofree char *l4 = fmt_load (&r->load_zero4, r->busy_zero4);
      g_autofree char *lb = fmt_load (&r->load_base, r->busy_base);
      g_autofree char *loads = g_strdup_printf ("Z %s; B %s", l2, lb);
      gboolean is_720 = r->height >= 720;
      double zj50 = percentile ((double *) r->zero_join_ms->data, r->zero_join_ms->len, 0.5);
      double zj95 = percentile ((double *) r->zero_join_ms->data, r->zero_join_ms->len, 0.95);
      double bj50 = percentile ((double *) r->base_join_ms->data, r->base_join_ms->len, 0.5);
      double bj95 = percentile ((double *) r->base_join_ms->data, r->base_join_ms->len, 0.95);
      double zl50 = median (r->zero_lat_p50, 2), zl95 = median (r->zero_lat_p95, 2);
      double c2 = median (r->zero_cpu2, 2), c4 = median (r->zero_cpu4, N_MESH);
      double rss2 = median (r->zero_rss2, 2), rss4 = median (r->zero_rss4, N_MESH);
      double l4_50 = median (r->zero_lat4_p50, N_MESH), l4_95 = median (r->zero_lat4_p95, N_MESH);
      double growth = c4 / c2;
      double saturated = MAX (r->busy_zero2, r->busy_zero4);
      g_autofree char *cmds = g_strdup_printf ("Z%u, B%u", k + 1, k + 1);
      double fps2 = median (r->zero_fps2, 2), fps4 = median (r->zero_fps4, N_MESH);
      g_autofree char *v_cpu = verdict_cpu (is_720, c2, TARGET_CPU_720P_PCT, r->busy_zero2,
                                            fps2);
      g_autofree char *v_growth = verdict_cpu (TRUE, growth, TARGET_GROWTH, saturated,
                                               MIN (fps2, fps4));

      printf ("| %s | join → first remote frame, p50 / p95 (%d joins) | %.0f / %.0f ms | "
              "%.0f / %.0f ms (create-offer → first decoded frame) | p50 ≤ %.0f ms | %s | %s "
              "| %s |\n", res, opt.joins, zj50, zj95, bj50, bj95, TARGET_JOIN_P50_MS,
              verdict (TRUE, zj50, TARGET_JOIN_P50_MS), loads, cmds);
      printf ("| %s | capture → render latency, p50 / p95 (2 parties) | %.1f / %.1f ms "
              "(n = %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT ") | %.1f / %.1f ms (n = %"
              G_GINT64_FORMAT ") | p50 ≤ %.0f ms | %s | %s | %s |\n", res, zl50, zl95,
              r->zero_lat_n[0], r->zero_lat_n[1], r->base_lat_p50, r->base_lat_p95,
              r->base_lat_n, TARGET_LATENCY_P50_MS, verdict (TRUE, zl50, TARGET_LATENCY_P50_MS),
              loads, cmds);
      printf ("| %s | CPU %% of one core per client, 2 parties | %.0f %% (%.0f, %.0f) at %.0f "
              "kbps out, %.1f fps in | %.0f %% at %.0f kbps out, %.1f fps in | %s | %s | %s "
              "| %s |\n", res, c2, r->zero_cpu2[0], r->zero_cpu2[1], median (r->zero_kbps2, 2),
              fps2, r->base_cpu, r->base_kbps, r->base_fps,
              is_720 ? "≤ 30 % (720p30, ~2 Mbps)" : "— (720p only)", v_cpu, loads, cmds);
      printf ("| %s | CPU per client, 4 parties ÷ 2 parties | %.0f %% ÷ %.0f %% = %.2f×, "
              "%.1f fps in from each peer | — | ≤ %.1f× | %s | Z4 %s | Z%u |\n", res, c4, c2,
              growth, fps4, TARGET_GROWTH, v_growth, l4, k + 1);
      printf ("| %s | RSS per client, 2 / 4 parties | %.0f / %.0f MiB | %.0f MiB | — | "
              "reported | %s | %s |\n", res, rss2 / 1024, rss4 / 1024, r->base_rss / 1024,
              loads, cmds);
      printf ("| %s | capture → render latency, p50 / p95 (4 parties) | %.1f / %.1f ms | — "
              "| — | reported | Z4 %s | Z%u |\n", res, l4_50, l4_95, l4, k + 1);
    }

  printf ("\nPer-client detail (the mean CPU over the whole window, beside the median of the "
          "per-second samples in the table):\n\n");
  for (guint k = 0; k < n_res; k++)
    {
      ResResult *r = &results[k];
      double sum4 = 0;

      for (int i = 0; i < N_MESH; i++)
        sum4 += r->zero_cpu4_mean[i];
      printf ("- %d×%d: join, medians: Zero %.0f ms to the welcome, %.0f ms more to the "
              "peer's `connected` (offer, ICE, DTLS), %.0f ms more to the first frame; baseline "
              "connected %.0f ms after create-offer, first frame %.0f ms after it.\n",
              r->width, r->height,
              median ((double *) r->zero_welcome_ms->data, r->zero_welcome_ms->len),
              median ((double *) r->zero_connect_ms->data, r->zero_connect_ms->len),
              median ((double *) r->zero_frame_ms->data, r->zero_frame_ms->len),
              median ((double *) r->base_connected_ms->data, r->base_connected_ms->len),
              median ((double *) r->base_join_ms->data, r->base_join_ms->len));
      printf ("- %d×%d: Zero 2 parties: host %.0f %%, joiner %.0f %%; latency host←joiner "
              "%.1f / %.1f ms, joiner←host %.1f / %.1f ms; wire %.0f / %.0f kbps out. "
              "4 parties: %.0f, %.0f, %.0f, %.0f %% (together %.0f %% of %ld00 %%), each "
              "client's one encoder put out %.2f frames per captured frame (median; the media "
              "source's own counter) for its 3 peers. Baseline: %.0f %% per client.\n",
              r->width, r->height, r->zero_cpu2_mean[0], r->zero_cpu2_mean[1],
              r->zero_lat_p50[0], r->zero_lat_p95[0], r->zero_lat_p50[1], r->zero_lat_p95[1],
              r->zero_kbps2[0], r->zero_kbps2[1], r->zero_cpu4_mean[0], r->zero_cpu4_mean[1],
              r->zero_cpu4_mean[2], r->zero_cpu4_mean[3], sum4, sysconf (_SC_NPROCESSORS_ONLN),
              median (r->encoded_per_captured, N_MESH), r->base_cpu_mean);
    }

  printf ("\nCommands (the config file is empty, so that ~/.config/zero changes nothing; "
          "UUID and port differ per run; the environment has G_MESSAGES_DEBUG, G_DEBUG, "
          "G_SLICE, GST_DEBUG, MALLOC_CHECK_ and MALLOC_PERTURB_ removed):\n\n");
  for (guint k = 0; k < n_res; k++)
    {
      ResResult *r = &results[k];

      printf ("- Z%u: server `%s`; host `%s`; %d joiners in turn, each `%s` (SIGTERM to leave; "
              "the last one stays for the window); the 4-party mesh: the same host command "
              "and 3 joiners, a new session.\n", k + 1, r->cmd_server, r->cmd_host, opt.joins,
              r->cmd_joiner);
      printf ("- B%u: `%s` (SIGTERM after the window)\n", k + 1, r->cmd_base);
    }
  fflush (stdout);
}

/* --- main ---------------------------------------------------------------------- */

static gboolean
on_sigint (gpointer data)
{
  interrupted = TRUE;
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_resolutions (ResResult *results,
                   guint     *n_res)
{
  g_auto (GStrv) parts = g_strsplit (opt.resolutions, ",", -1);

  *n_res = 0;
  for (int i = 0; parts[i]; i++)
    {
      int w, h;
      char tail;

      if (*n_res >= MAX_RES || sscanf (parts[i], "%dx%d%c", &w, &h, &tail) != 2 || w < 64 ||
          h < 64 || w > 3840 || h > 2160)
        return FALSE;
      results[*n_res].width = w;
      results[*n_res].height = h;
      (*n_res)++;
    }
  return *n_res > 0;
}

static char *
default_path (const char *relative)
{
  return g_build_filename (ZERO_BUILD_DIR, relative, NULL);
}

static void
remove_tmp_dir (void)
{
  g_autoptr (GDir) dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (tmp_dir);
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "quick", 0, 0, G_OPTION_ARG_NONE, &opt.quick,
      "Smoke run: 320x240, 2 joins, 2 s windows (checks that it measures, not the targets)",
      NULL },
    { "resolutions", 0, 0, G_OPTION_ARG_STRING, &opt.resolutions,
      "Comma-separated WxH (640x480,1280x720)", "LIST" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &opt.fps, "Frames per second (30)", "N" },
    { "joins", 0, 0, G_OPTION_ARG_INT, &opt.joins, "Joins timed per resolution (7)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt.seconds, "Length of each CPU window (10)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &opt.warmup, "Seconds before each window (2)", "S" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opt.timeout,
      "Seconds a join may take to show frames (30; --quick: 60)", "S" },
    { "cli", 0, 0, G_OPTION_ARG_FILENAME, &opt.cli, "zero-cli to run", "PATH" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &opt.server, "zero-signaling to run", "PATH" },
    { "baseline", 0, 0, G_OPTION_ARG_FILENAME, &opt.baseline,
      "zero-bench-call-baseline to run", "PATH" },
    { "keep-logs", 0, 0, G_OPTION_ARG_NONE, &opt.keep_logs,
      "Keep the children's stderr logs (kept anyway on failure)", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- Zero's calls against plain "
                                                             "webrtcbin");
  g_autoptr (GError) error = NULL;
  g_autofree char *command = NULL;
  ResResult results[MAX_RES] = { 0 };
  guint n_res = 0;
  g_autoptr (Proc) server = NULL;
  Load total;
  gint64 t0 = g_get_monotonic_time ();
  int status = EXIT_SUCCESS;

  setlocale (LC_ALL, "");
  command = quote_argv ((const char *const *) argv);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_USAGE;
    }
  if (opt.joins == -1)
    opt.joins = opt.quick ? 2 : 7;
  if (opt.seconds == -1)
    opt.seconds = opt.quick ? 2 : 10;
  if (opt.warmup == -1)
    opt.warmup = opt.quick ? 1 : 2;
  if (opt.timeout == -1)
    opt.timeout = opt.quick ? 60 : 30;
  if (opt.resolutions == NULL)
    opt.resolutions = g_strdup (opt.quick ? "320x240" : "640x480,1280x720");
  if (argc > 1 || opt.joins < 1 || opt.joins > MAX_JOINS || opt.seconds < 1 || opt.warmup < 0 ||
      opt.fps < 1 || opt.fps > 60 || opt.timeout < 1 || !parse_resolutions (results, &n_res))
    {
      g_printerr ("bad options: --joins 1..%d, --seconds >= 1, --warmup >= 0, --fps 1..60, "
                  "--timeout >= 1, --resolutions WxH[,WxH...] (at most %d), no arguments\n",
                  MAX_JOINS, MAX_RES);
      return EXIT_USAGE;
    }
  if (opt.cli == NULL)
    opt.cli = default_path ("tools/zero-cli");
  if (opt.server == NULL)
    opt.server = default_path ("tools/zero-signaling");
  if (opt.baseline == NULL)
    opt.baseline = default_path ("bench/call/zero-bench-call-baseline");
  for (const char *const *p = (const char *const[]) { opt.cli, opt.server, opt.baseline, NULL };
       *p; p++)
    if (!g_file_test (*p, G_FILE_TEST_IS_EXECUTABLE))
      {
        g_printerr ("%s: not an executable (build it: ninja -C BUILD tools/zero-cli "
                    "tools/zero-signaling bench/call/zero-bench-call-baseline)\n", *p);
        return EXIT_USAGE;
      }

  tmp_dir = g_dir_make_tmp ("zero-bench-call-XXXXXX", &error);
  if (tmp_dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return EXIT_USAGE;
    }
  config_path = g_build_filename (tmp_dir, "empty.yaml", NULL);
  /* Measuring: Zero's defaults, untouched by ~/.config/zero. The smoke run checks that it
   * works, not how fast, possibly under sanitizers on a loaded machine: more connect time. */
  if (!g_file_set_contents (config_path,
                            opt.quick ? "# zero-bench-call --quick: a smoke run\n"
                                        "webrtc:\n  connect_timeout_s: 60\n"
                                      : "# zero-bench-call: defaults only\n",
                            -1, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_USAGE;
    }
  g_unix_signal_add (SIGINT, on_sigint, NULL);
  g_unix_signal_add (SIGTERM, on_sigint, NULL);
  total.start = load_average ();

  {
    const char *server_argv[] = { opt.server, "--config", config_path, "--port", "0",
                                  "--rate-limit", "0", NULL };

    server = proc_spawn ("zero-signaling", server_argv, &error);
    if (server == NULL)
      {
        g_printerr ("cannot start %s: %s\n", opt.server, error->message);
        return EXIT_USAGE;
      }
  }
  if (!wait_until (cond_listening, server, 10000) || server->listening == NULL)
    {
      fail ("zero-signaling did not start listening", server);
      status = EXIT_USAGE;
      goto out;
    }
  server_url = g_strdup (server->listening);

  for (guint k = 0; k < n_res && status == EXIT_SUCCESS; k++)
    {
      ResResult *r = &results[k];

      r->zero_join_ms = g_array_new (FALSE, FALSE, sizeof (double));
      r->base_join_ms = g_array_new (FALSE, FALSE, sizeof (double));
      r->base_connected_ms = g_array_new (FALSE, FALSE, sizeof (double));
      r->zero_welcome_ms = g_array_new (FALSE, FALSE, sizeof (double));
      r->zero_connect_ms = g_array_new (FALSE, FALSE, sizeof (double));
      r->zero_frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
      r->cmd_server = g_strdup (server->command);
      if (!phase_zero_two (r) || !phase_zero_mesh (r) || !phase_baseline (r) ||
          !check_sane (r))
        status = EXIT_BROKEN;
      if (server->exited)
        {
          fail ("zero-signaling died", server);
          status = EXIT_BROKEN;
        }
    }
  if (interrupted)
    status = EXIT_BROKEN;
  total.end = load_average ();
  if (status == EXIT_SUCCESS)
    print_report (results, n_res, &total, command, (g_get_monotonic_time () - t0) / 1e6);

out:
  if (server)
    proc_stop (server, 5000);
  for (guint k = 0; k < n_res; k++)
    res_result_clear (&results[k]);
  if (opt.keep_logs)
    g_printerr ("logs kept in %s\n", tmp_dir);
  else
    remove_tmp_dir ();
  g_free (tmp_dir);
  g_free (config_path);
  g_free (server_url);
  g_free (opt.resolutions);
  g_free (opt.cli);
  g_free (opt.server);
  g_free (opt.baseline);
  return status;
}

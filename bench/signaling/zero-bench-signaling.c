/* zero-bench-signaling: how much zero-signaling holds, relays and churns.
 *
 * Starts `zero-signaling --port 0 --rate-limit 0` pinned to one CPU, pins
 * itself to another, and measures in one run (repeated --runs times, each
 * against a fresh server): idle connections held and their RSS, relay
 * throughput, relay latency at a fixed offered load, and join/leave churn.
 * Prints one markdown table of the medians against issue 2's targets and its
 * Go baseline. Progress goes to stderr, the report to stdout.
 *
 * Exit status: 0 measured (whatever the figures: a benchmark reports, it does
 * not judge), 1 the server died, a message was lost, a peer or session leaked
 * or the server broke the protocol, 2 bad options or no way to set up. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench-phases.h"
#include "bench-server.h"
#include "bench-ws.h"
#include "zero-build-config.h"

#define EXIT_BROKEN 1
#define EXIT_USAGE 2
#define MAX_RUNS 25
#define LOAD_WARNING 1.5
#define NOFILE_MARGIN 64

/* Issue 2's targets, and its figures for a Go + gorilla/websocket server of
 * the seed design on this kind of machine. */
#define TARGET_CONNECTIONS 10000
#define TARGET_KIB_PER_CONN 16.0
#define TARGET_MSGS_PER_S 50000.0
#define TARGET_OPS_PER_S 5000.0
#define BASELINE_KIB_PER_CONN 36.0
#define BASELINE_MSGS_PER_S 21000.0
#define BASELINE_OPS_PER_S 2800.0
/* Churn RSS is "flat" when it grows less than this over the whole phase:
 * a leak of even a few bytes per operation shows far above it. */
#define FLAT_RSS_KIB 1024.0

typedef struct
{
  gboolean quick;
  int runs;
  int connections;
  double seconds;
  int rate;
  int server_cpu;
  int client_cpu;
  char *server;
} Options;

static void
options_clear (Options *opt)
{
  g_free (opt->server);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

typedef struct
{
  const char *cpu_model;
  int n_online;
  int n_allowed;
  double load_start[3];
  double load_end[3];
  rlim_t nofile;
  rlim_t nofile_before;
  char *server_cpus;  /* Cpus_allowed_list of the first server */
  char *client_cpus;
} Machine;

/* --- formatting ---------------------------------------------------------- */

/* 208123.4 -> "208,123": locale-independent digit grouping. */
static char *
group_digits (double value)
{
  g_autofree char *digits = g_strdup_printf ("%.0f", fabs (value));
  GString *out = g_string_new (value < 0 ? "-" : "");
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

typedef char *(*FormatFunc) (double value, gboolean unit);

static char *
fmt_count (double v, gboolean unit)
{
  return group_digits (v);
}

static char *
fmt_kib (double v, gboolean unit)
{
  return g_strdup_printf ("%.2f%s", v, unit ? " KiB" : "");
}

static char *
fmt_kib_delta (double v, gboolean unit)
{
  return g_strdup_printf ("%+.0f%s", v, unit ? " KiB" : "");
}

static char *
fmt_seconds (double v, gboolean unit)
{
  return g_strdup_printf ("%.2f%s", v, unit ? " s" : "");
}

static char *
fmt_ms (double v, gboolean unit)
{
  return g_strdup_printf (v < 1 ? "%.3f%s" : v < 10 ? "%.2f%s" : "%.1f%s", v, unit ? " ms" : "");
}

static char *
fmt_msgs (double v, gboolean unit)
{
  g_autofree char *n = group_digits (v);
  return g_strdup_printf ("%s%s", n, unit ? " msgs/s" : "");
}

static char *
fmt_ops (double v, gboolean unit)
{
  g_autofree char *n = group_digits (v);
  return g_strdup_printf ("%s%s", n, unit ? " ops/s" : "");
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (const double *values, guint n)
{
  double sorted[MAX_RUNS];

  memcpy (sorted, values, n * sizeof (double));
  qsort (sorted, n, sizeof (double), compare_double);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* @runs_text: how each run's figure is shown; NULL formats @values. */
static void
add_row_full (GString *table, const char *metric, const double *values, guint n,
              FormatFunc format, const char *runs_text, const char *target,
              const char *baseline, const char *verdict)
{
  g_autofree char *value = format (median (values, n), TRUE);
  g_autoptr (GString) runs = g_string_new (runs_text);

  for (guint i = 0; runs_text == NULL && i < n; i++)
    {
      g_autofree char *v = format (values[i], FALSE);
      g_string_append_printf (runs, "%s%s", i ? " · " : "", v);
    }
  g_string_append_printf (table, "| %s | %s | %s | %s | %s | %s |\n", metric, value, runs->str,
                          target, baseline, verdict);
}

static void
add_row (GString *table, const char *metric, const double *values, guint n, FormatFunc format,
         const char *target, const char *baseline, const char *verdict)
{
  add_row_full (table, metric, values, n, format, NULL, target, baseline, verdict);
}

/* --- machine ------------------------------------------------------------- */

static char *
read_cpu_model (void)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL) ||
      (line = strstr (text, "model name")) == NULL || (line = strchr (line, ':')) == NULL)
    return g_strdup ("unknown CPU");
  line++;
  return g_strstrip (g_strndup (line, strcspn (line, "\n")));
}

static char *
cpu_list (const cpu_set_t *set)
{
  GString *out = g_string_new (NULL);

  for (int i = 0; i < CPU_SETSIZE; i++)
    if (CPU_ISSET (i, set))
      g_string_append_printf (out, "%s%d", out->len ? "," : "", i);
  return g_string_free (out, FALSE);
}

/* The server gets the first CPU we may use and we take the second, unless
 * told otherwise. With one CPU both share it, and the report says so. */
static gboolean
choose_cpus (Options *opt, Machine *m, GError **error)
{
  cpu_set_t allowed;
  int first = -1, second = -1;

  if (sched_getaffinity (0, sizeof allowed, &allowed) != 0)
    CPU_ZERO (&allowed);
  m->n_allowed = CPU_COUNT (&allowed);
  for (int i = 0; i < CPU_SETSIZE && second < 0; i++)
    if (CPU_ISSET (i, &allowed))
      {
        if (first < 0)
          first = i;
        else
          second = i;
      }
  if (opt->server_cpu < 0)
    opt->server_cpu = first;
  if (opt->client_cpu < 0)
    opt->client_cpu = second >= 0 ? second : first;
  for (int i = 0; i < 2; i++)
    {
      int cpu = i == 0 ? opt->server_cpu : opt->client_cpu;
      if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET (cpu, &allowed))
        {
          g_autofree char *list = cpu_list (&allowed);
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP,
                       "CPU %d is not one this process may use (%s)", cpu, list);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
pin_self (int cpu, Machine *m, GError **error)
{
  cpu_set_t set;

  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP, "cannot pin to CPU %d: %s", cpu,
                   g_strerror (errno));
      return FALSE;
    }
  if (sched_getaffinity (0, sizeof set, &set) == 0)
    m->client_cpus = cpu_list (&set);
  return TRUE;
}

/* Every connection is a descriptor here and in the server (which raises its
 * own soft limit to the hard one it inherits from us). */
static gboolean
raise_nofile (rlim_t needed, Machine *m, GError **error)
{
  struct rlimit rl;
  rlim_t hard;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP, "getrlimit: %s", g_strerror (errno));
      return FALSE;
    }
  m->nofile_before = m->nofile = rl.rlim_cur;
  if (rl.rlim_cur >= needed)
    return TRUE;
  hard = rl.rlim_max;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < needed)
    rl.rlim_max = needed; /* allowed for root only */
  rl.rlim_cur = needed;
  if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP,
                   "the open-files limit is %lu (hard %lu) and this run needs %lu: raise it "
                   "(ulimit -Hn %lu; ulimit -n %lu) or ask for fewer --connections",
                   (unsigned long) m->nofile_before, (unsigned long) hard,
                   (unsigned long) needed, (unsigned long) needed, (unsigned long) needed);
      return FALSE;
    }
  m->nofile = needed;
  return TRUE;
}

/* --- runs ---------------------------------------------------------------- */

typedef gboolean (*PhaseFunc) (BenchServer *server, const BenchParams *params, BenchRun *run,
                               GError **error);

/* Each phase gets a fresh server: what one leaves in the heap would hide
 * (or pay for) what the next allocates. */
static gboolean
run_phase (const Options *opt, const BenchParams *params, Machine *m, const char *name,
           PhaseFunc phase, BenchRun *run, GError **error)
{
  g_autoptr (BenchServer) server = NULL;
  g_autoptr (GError) died = NULL;

  server = bench_server_start (opt->server, opt->server_cpu, error);
  if (server == NULL)
    return FALSE;
  if (m->server_cpus == NULL)
    m->server_cpus = bench_server_dup_cpus_allowed (server);
  g_printerr ("  %s: zero-signaling pid %d, port %u, CPUs %s\n", name,
              (int) bench_server_get_pid (server), bench_server_get_port (server),
              m->server_cpus);
  if (phase (server, params, run, error))
    return bench_server_stop (server, error);
  /* A phase that failed because the server died says so first. */
  if (!bench_server_check_alive_within (server, 500, &died))
    g_prefix_error (error, "%s; ", died->message);
  return FALSE;
}

static gboolean
run_once (const Options *opt, const BenchParams *params, Machine *m, guint number,
          BenchRun *run, GError **error)
{
  g_printerr ("run %u/%d\n", number, opt->runs);
  if (!run_phase (opt, params, m, "connections held", bench_phase_idle, run, error))
    return FALSE;
  g_printerr ("    %u joined in %.2f s; RSS %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT
              " KiB = %.2f KiB each\n", run->idle_connections, run->idle_open_s,
              run->idle_rss_base_kib, run->idle_rss_kib, run->idle_kib_per_conn);
  if (!run_phase (opt, params, m, "relay", bench_phase_relay, run, error))
    return FALSE;
  g_printerr ("    %.0f msgs/s (server CPU %.0f%%, load generator %.0f%%); at %.0f msgs/s: "
              "p50 %.3f ms, p99 %.3f ms, max %.2f ms\n", run->relay_msgs_per_s,
              run->relay_server_cpu * 100, run->relay_client_cpu * 100, run->latency_offered,
              run->latency_p50_ms, run->latency_p99_ms, run->latency_max_ms);
  if (!run_phase (opt, params, m, "churn", bench_phase_churn, run, error))
    return FALSE;
  g_printerr ("    %.0f ops/s (server CPU %.0f%%); RSS %" G_GINT64_FORMAT " -> %"
              G_GINT64_FORMAT " KiB\n", run->churn_ops_per_s, run->churn_server_cpu * 100,
              run->churn_rss_before_kib, run->churn_rss_after_kib);
  return TRUE;
}

/* --- report -------------------------------------------------------------- */

static const char *
verdict (gboolean pass)
{
  return pass ? "pass" : "**miss**";
}

/* What the table does not say: how each figure was made, and what backs it. */
static void
print_notes (const BenchParams *params, const char *rate, const BenchRun *runs, guint n)
{
  double server_cpu[MAX_RUNS], client_cpu[MAX_RUNS], achieved[MAX_RUNS], p999[MAX_RUNS],
    max[MAX_RUNS], before[MAX_RUNS], after[MAX_RUNS], ops[MAX_RUNS], churn_cpu[MAX_RUNS];
  double verified = 0, samples = 0, server, client;
  g_autofree char *verified_text = NULL;
  g_autofree char *samples_text = NULL;
  g_autofree char *achieved_text = NULL;
  g_autofree char *ops_text = NULL;

  for (guint i = 0; i < n; i++)
    {
      verified += runs[i].relay_verified;
      samples += runs[i].latency_samples;
      server_cpu[i] = runs[i].relay_server_cpu * 100;
      client_cpu[i] = runs[i].relay_client_cpu * 100;
      achieved[i] = runs[i].latency_achieved;
      p999[i] = runs[i].latency_p999_ms;
      max[i] = runs[i].latency_max_ms;
      before[i] = runs[i].churn_rss_before_kib;
      after[i] = runs[i].churn_rss_after_kib;
      ops[i] = runs[i].churn_ops;
      churn_cpu[i] = runs[i].churn_server_cpu * 100;
    }
  server = median (server_cpu, n);
  client = median (client_cpu, n);
  verified_text = group_digits (verified);
  samples_text = group_digits (samples);
  achieved_text = group_digits (median (achieved, n));
  ops_text = group_digits (median (ops, n));

  printf ("Notes:\n");
  printf ("- every phase ran against a fresh server; medians are over the runs.\n");
  printf ("- connections held: one session per connection, opened %u at a time; VmRSS counts "
          "the server's memory, not the kernel's socket buffers (nor does the baseline's "
          "figure).\n", params->open_window);
  printf ("- relay: %u pairs of peers, %u messages in flight each way (closed loop), %.1f s "
          "counted after %.1f s of warm-up; each `ice` is %zu bytes as sent and %zu as relayed "
          "(with `from`). %s relayed messages were delivered and checked over all runs "
          "(server-set `from`, per-pair sequence numbers): none lost, duplicated, reordered or "
          "misattributed.\n", params->relay_pairs, params->relay_window, params->relay_s,
          params->warmup_s, runs[0].relay_sent_bytes, runs[0].relay_received_bytes,
          verified_text);
  printf ("- during the counted relay window the server's core was %.0f%% busy and the load "
          "generator's %.0f%%: %s\n", server, client,
          server >= 90   ? "the server's core was the limit, as intended."
          : client >= 90 ? "the load generator was the limit, so the throughput is a lower "
                           "bound."
                         : "neither core was saturated; other processes took the rest (see "
                           "the load average), so the throughput understates the server.");
  printf ("- latency: open loop, %s msgs/s offered over the same %u pairs for %.1f s (after "
          "%.1f s not counted); %s msgs/s delivered, %s samples over all runs; p99.9 %.2f ms, "
          "max %.2f ms. Measured from queuing at the sender to parsing at the receiver, both "
          "in this process. Tail latencies are noisy on this VM: its scheduling adds stalls of "
          "several to tens of ms, more so when other work runs.\n", rate, params->relay_pairs,
          params->latency_s, params->warmup_s, achieved_text, samples_text, median (p999, n),
          median (max, n));
  printf ("- churn: %u clients in groups of 4, each joining (`create: true`) and leaving its "
          "group's sessions in turn for %.1f s, so sessions are created and dropped and members "
          "see each other come and go; %s ops per run, the server's core %.0f%% busy; RSS %.0f → "
          "%.0f KiB. At the end every "
          "client left and proved it by ping/pong; /healthz then reported 0 peers and 0 "
          "sessions, and again after the sockets closed.\n", params->churn_clients,
          params->churn_s, ops_text, median (churn_cpu, n), median (before, n),
          median (after, n));
}

static void
print_report (const Options *opt, const BenchParams *params, const Machine *m,
              const char *command, const char *server_command, const BenchRun *runs, guint n)
{
  double v[MAX_RUNS], w[MAX_RUNS];
  g_autoptr (GString) t = g_string_new (NULL);
  g_autofree char *held_target = group_digits (TARGET_CONNECTIONS);
  g_autofree char *n_conns = group_digits (params->idle_connections);
  g_autofree char *rate = group_digits (params->latency_rate);
  g_autofree char *metric = NULL;
  g_autofree char *runs_text = NULL;
  double med;

  printf ("# zero-signaling benchmark\n\n");
  printf ("- command: `%s`\n", command);
  printf ("- server: `%s` (fresh for each run; Cpus_allowed_list %s); load generator on CPU "
          "%s\n", server_command, m->server_cpus, m->client_cpus);
  printf ("- machine: %d CPUs online (%d usable), %s; load average at start %.2f %.2f %.2f, "
          "at end %.2f %.2f %.2f\n", m->n_online, m->n_allowed, m->cpu_model, m->load_start[0],
          m->load_start[1], m->load_start[2], m->load_end[0], m->load_end[1], m->load_end[2]);
  printf ("- open-files limit (RLIMIT_NOFILE): %lu%s\n", (unsigned long) m->nofile,
          m->nofile != m->nofile_before ? " (raised)" : "");
  if (m->n_allowed < 2)
    printf ("- **warning**: one usable CPU: server and load generator shared it\n");
  if (m->load_start[0] > LOAD_WARNING || m->load_end[0] > LOAD_WARNING)
    printf ("- **warning**: load average above %.1f: other processes competed for the cores, "
            "so these figures are not trustworthy\n", LOAD_WARNING);
  printf ("\n");

  runs_text = n == 1 ? g_strdup ("1 run") : g_strdup_printf ("median of %u", n);
  g_string_append_printf (t, "| metric | Zero (%s) | runs | target | baseline (Go + "
                          "gorilla/websocket) | verdict |\n", runs_text);
  g_string_append (t, "|---|---|---|---|---|---|\n");

  for (guint i = 0; i < n; i++)
    v[i] = runs[i].idle_connections;
  med = median (v, n);
  add_row (t, "idle WebSocket connections held, each joined", v, n, fmt_count, held_target, "—",
           params->idle_connections < TARGET_CONNECTIONS ? "— (fewer asked)"
                                                         : verdict (med >= TARGET_CONNECTIONS));

  for (guint i = 0; i < n; i++)
    v[i] = runs[i].idle_kib_per_conn;
  med = median (v, n);
  add_row (t, "server RSS per idle connection (VmRSS delta / N)", v, n, fmt_kib, "≤ 16 KiB",
           "36 KiB", verdict (med <= TARGET_KIB_PER_CONN));

  for (guint i = 0; i < n; i++)
    v[i] = runs[i].idle_open_s;
  metric = g_strdup_printf ("time to open %s (TCP + WebSocket handshake + join)", n_conns);
  add_row (t, metric, v, n, fmt_seconds, "—", "—", "—");

  for (guint i = 0; i < n; i++)
    v[i] = runs[i].relay_msgs_per_s;
  med = median (v, n);
  g_clear_pointer (&metric, g_free);
  metric = g_strdup_printf ("relay throughput, %zu-byte targeted `ice`, server on one core",
                            runs[0].relay_sent_bytes);
  add_row (t, metric, v, n, fmt_msgs, "≥ 50,000 msgs/s", "21,000 msgs/s",
           verdict (med >= TARGET_MSGS_PER_S));

  for (guint i = 0; i < n; i++)
    {
      v[i] = runs[i].latency_p50_ms;
      w[i] = runs[i].latency_p99_ms;
    }
  g_clear_pointer (&metric, g_free);
  metric = g_strdup_printf ("relay latency p50 at %s msgs/s offered", rate);
  add_row (t, metric, v, n, fmt_ms, "— (report)", "—", "reported");
  g_clear_pointer (&metric, g_free);
  metric = g_strdup_printf ("relay latency p99 at %s msgs/s offered (noisy here)", rate);
  add_row (t, metric, w, n, fmt_ms, "— (report)", "—", "reported");

  for (guint i = 0; i < n; i++)
    v[i] = runs[i].churn_ops_per_s;
  med = median (v, n);
  add_row (t, "join/leave churn (a join or a leave is one op)", v, n, fmt_ops, "≥ 5,000 ops/s",
           "2,800 ops/s", verdict (med >= TARGET_OPS_PER_S));

  {
    g_autoptr (GString) before_after = g_string_new (NULL);

    for (guint i = 0; i < n; i++)
      {
        v[i] = runs[i].churn_rss_after_kib - runs[i].churn_rss_before_kib;
        g_string_append_printf (before_after, "%s%" G_GINT64_FORMAT " → %" G_GINT64_FORMAT,
                                i ? " · " : "", runs[i].churn_rss_before_kib,
                                runs[i].churn_rss_after_kib);
      }
    med = median (v, n);
    add_row_full (t, "server RSS growth over the churn (runs: before → after, KiB)", v, n,
                  fmt_kib_delta, before_after->str, "flat (< +1,024 KiB)", "—",
                  verdict (med < FLAT_RSS_KIB));
  }

  for (guint i = 0; i < n; i++)
    v[i] = runs[i].churn_peers_left + runs[i].churn_sessions_left;
  add_row (t, "peers + sessions left after churn (/healthz)", v, n, fmt_count, "0", "—",
           verdict (median (v, n) == 0));
  printf ("%s\n", t->str);

  print_notes (params, rate, runs, n);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  g_auto (Options) opt = { .runs = -1, .connections = -1, .seconds = -1, .rate = 20000,
                           .server_cpu = -1, .client_cpu = -1 };
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt.quick,
      "Smoke run: 1,000 connections, 1 s phases, one run", NULL },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &opt.runs, "Repeat N times, report the median (3)",
      "N" },
    { "connections", 'n', 0, G_OPTION_ARG_INT, &opt.connections,
      "Idle connections to hold (10000)", "N" },
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &opt.seconds,
      "Counted length of the relay, latency and churn phases (5)", "S" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &opt.rate, "Offered load of the latency phase (20000)",
      "MSGS" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &opt.server,
      "The zero-signaling binary (the one built with this)", "PATH" },
    { "server-cpu", 0, 0, G_OPTION_ARG_INT, &opt.server_cpu,
      "CPU for the server (the first usable)", "N" },
    { "client-cpu", 0, 0, G_OPTION_ARG_INT, &opt.client_cpu,
      "CPU for the load generator (the second usable)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *server_command = NULL;
  g_autofree char *cpu_model = NULL;
  g_autofree BenchRun *runs = NULL;
  Machine machine = { 0 };
  BenchParams params;
  int exit_code = 0;

  setlocale (LC_ALL, "");
  command = g_strjoinv (" ", argv);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Benchmarks zero-signaling: connections held, relay throughput "
                                "and latency, join/leave churn (bench/README.md).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("zero-bench-signaling: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr ("zero-bench-signaling: unexpected argument \"%s\"\n", argv[1]);
      return EXIT_USAGE;
    }

  params = (BenchParams) {
    .idle_connections = opt.quick ? 1000 : TARGET_CONNECTIONS,
    .open_window = 128,
    .hold_s = opt.quick ? 0.2 : 1.0,
    .relay_pairs = 32,
    .relay_window = 16,
    .message_bytes = 300,
    .warmup_s = opt.quick ? 0.2 : 0.5,
    .relay_s = opt.quick ? 1.0 : 5.0,
    .latency_rate = opt.rate,
    .latency_s = opt.quick ? 1.0 : 5.0,
    .churn_clients = 64,
    .churn_s = opt.quick ? 1.0 : 5.0,
  };
  if (opt.runs < 0)
    opt.runs = opt.quick ? 1 : 3;
  if (opt.connections >= 0)
    params.idle_connections = opt.connections;
  if (opt.seconds >= 0)
    params.relay_s = params.latency_s = params.churn_s = opt.seconds;
  if (opt.runs < 1 || opt.runs > MAX_RUNS || params.idle_connections < 1 ||
      params.idle_connections > 1000000 || params.relay_s < 0.1 || params.relay_s > 600 ||
      opt.rate < 1 || opt.rate > 10000000)
    {
      g_printerr ("zero-bench-signaling: --runs must be 1..%d, --connections 1..1000000, "
                  "--seconds 0.1..600, --rate 1..10000000\n", MAX_RUNS);
      return EXIT_USAGE;
    }
  if (opt.server == NULL)
    opt.server = g_build_filename (ZERO_BUILD_DIR, "tools", "zero-signaling", NULL);
  if (!g_file_test (opt.server, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("zero-bench-signaling: no zero-signaling at %s (build it, or give --server)\n",
                  opt.server);
      return EXIT_USAGE;
    }

  signal (SIGPIPE, SIG_IGN);
  cpu_model = read_cpu_model ();
  machine.cpu_model = cpu_model;
  machine.n_online = (int) sysconf (_SC_NPROCESSORS_ONLN);
  if (getloadavg (machine.load_start, 3) < 0)
    memset (machine.load_start, 0, sizeof machine.load_start);
  if (!choose_cpus (&opt, &machine, &error) || !pin_self (opt.client_cpu, &machine, &error) ||
      !raise_nofile (MAX (params.idle_connections, params.relay_pairs * 2) + NOFILE_MARGIN,
                     &machine, &error))
    {
      g_printerr ("zero-bench-signaling: %s\n", error->message);
      g_free (machine.client_cpus);
      return EXIT_USAGE;
    }
  server_command = bench_server_describe (opt.server, opt.server_cpu);
  g_printerr ("zero-bench-signaling: %d CPUs, load average %.2f; server on CPU %d, load "
              "generator on CPU %d\n", machine.n_online, machine.load_start[0], opt.server_cpu,
              opt.client_cpu);
  if (machine.load_start[0] > LOAD_WARNING)
    g_printerr ("WARNING: load average %.2f > %.1f: other processes compete for the cores; "
                "the figures will not be trustworthy\n", machine.load_start[0], LOAD_WARNING);
  if (opt.server_cpu == opt.client_cpu)
    g_printerr ("WARNING: server and load generator share CPU %d\n", opt.server_cpu);

  runs = g_new0 (BenchRun, opt.runs);
  for (int i = 0; i < opt.runs; i++)
    if (!run_once (&opt, &params, &machine, i + 1, &runs[i], &error))
      {
        g_printerr ("zero-bench-signaling: run %d failed: %s\n", i + 1, error->message);
        exit_code = error->domain == BENCH_ERROR && error->code == BENCH_ERROR_SETUP
                      ? EXIT_USAGE
                      : EXIT_BROKEN;
        break;
      }

  if (exit_code == 0)
    {
      if (getloadavg (machine.load_end, 3) < 0)
        memset (machine.load_end, 0, sizeof machine.load_end);
      print_report (&opt, &params, &machine, command, server_command, runs, opt.runs);
    }
  g_free (machine.server_cpus);
  g_free (machine.client_cpus);
  return exit_code;
}

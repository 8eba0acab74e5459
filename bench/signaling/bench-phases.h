/* bench-phases.h: the four measurements of zero-bench-signaling.
 *
 * Each phase opens its own connections to a running server, measures, checks
 * that nothing was lost, closes them, and checks through /healthz that the
 * server holds no peer and no session afterwards. A phase returns FALSE with
 * a BENCH_ERROR when something is wrong (not when a figure is poor). */
#pragma once

#include <glib.h>

#include "bench-server.h"

G_BEGIN_DECLS

typedef struct
{
  /* connections held */
  guint idle_connections;
  guint open_window;     /* handshakes and joins in flight at once */
  double hold_s;         /* held this long before RSS is read */
  /* relay throughput and latency */
  guint relay_pairs;
  guint relay_window;    /* messages in flight per direction of a pair */
  gsize message_bytes;   /* size of the ice message as a client sends it */
  double warmup_s;       /* run, not counted, before each timed window */
  double relay_s;
  guint latency_rate;    /* offered load, messages per second */
  double latency_s;
  /* churn */
  guint churn_clients;   /* in groups of 4 sharing session ids */
  double churn_s;
} BenchParams;

typedef struct
{
  /* connections held */
  guint idle_connections;
  double idle_open_s;          /* first connect to last welcome */
  gint64 idle_rss_base_kib;
  gint64 idle_rss_kib;
  double idle_kib_per_conn;

  /* relay throughput */
  double relay_msgs_per_s;
  guint64 relay_verified;      /* all ice messages checked, warm-up and drain included */
  gsize relay_sent_bytes;
  gsize relay_received_bytes;  /* as relayed, with "from" */
  double relay_server_cpu;     /* share of one core during the timed window */
  double relay_client_cpu;

  /* latency */
  double latency_offered;
  double latency_achieved;     /* messages per second delivered in the timed window */
  guint64 latency_samples;
  double latency_p50_ms, latency_p99_ms, latency_p999_ms, latency_max_ms;

  /* churn */
  double churn_ops_per_s;
  guint64 churn_ops;
  gint64 churn_rss_before_kib;
  gint64 churn_rss_after_kib;
  double churn_server_cpu;     /* share of one core */
  guint churn_sessions_left;   /* /healthz after every client left */
  guint churn_peers_left;
} BenchRun;

gboolean bench_phase_idle  (BenchServer       *server,
                            const BenchParams *params,
                            BenchRun          *run,
                            GError           **error);
/* Throughput, then latency, over the same pairs of peers. */
gboolean bench_phase_relay (BenchServer       *server,
                            const BenchParams *params,
                            BenchRun          *run,
                            GError           **error);
gboolean bench_phase_churn (BenchServer       *server,
                            const BenchParams *params,
                            BenchRun          *run,
                            GError           **error);

G_END_DECLS

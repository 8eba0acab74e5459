/* bench-server.h: the zero-signaling process under test.
 *
 * Started pinned to one CPU with an empty config file (so a user's
 * config.yaml cannot change what is measured), then observed from outside:
 * RSS and CPU time from /proc, peer and session counts from /healthz. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BenchServer BenchServer;

/* Runs `@path --config EMPTY --port 0 --rate-limit 0 --max-sessions 0` on
 * CPU @cpu (-1: not pinned) and waits for its "listening on" line. */
BenchServer *bench_server_start       (const char   *path,
                                       int           cpu,
                                       GError      **error);
/* Kills the server if it still runs, and removes its config file. */
void         bench_server_free        (BenchServer  *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchServer, bench_server_free)

/* The command line as a shell would show it, taskset included. */
char        *bench_server_describe    (const char   *path,
                                       int           cpu);
guint16      bench_server_get_port    (BenchServer  *server);
GPid         bench_server_get_pid     (BenchServer  *server);

/* BENCH_ERROR_SERVER_DIED, saying how, once the process has exited. */
gboolean     bench_server_check_alive (BenchServer  *server,
                                       GError      **error);
/* The same, after waiting up to @timeout_ms for the process to exit: a
 * server that crashes closes its sockets a moment before it can be reaped. */
gboolean     bench_server_check_alive_within (BenchServer *server,
                                              guint        timeout_ms,
                                              GError     **error);
/* SIGTERM, then waits up to 5 s for exit status 0. */
gboolean     bench_server_stop        (BenchServer  *server,
                                       GError      **error);

/* VmRSS in KiB, or -1. */
gint64       bench_server_get_rss_kib (BenchServer  *server);
/* The kernel's Cpus_allowed_list for the process: proof of the pinning. */
char        *bench_server_dup_cpus_allowed (BenchServer *server);
/* User + system CPU time in seconds, or -1. */
double       bench_server_get_cpu_s   (BenchServer  *server);
/* GET /healthz: the "sessions" and "peers" counts. */
gboolean     bench_server_get_health  (BenchServer  *server,
                                       guint        *sessions,
                                       guint        *peers,
                                       GError      **error);

G_END_DECLS

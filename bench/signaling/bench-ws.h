/* bench-ws.h: a small WebSocket client for load generation.
 *
 * Thousands of client connections in one thread, driven by one epoll set:
 * GLib's poll()-based main loop costs O(connections) per wake-up, and libsoup
 * allocates per message, so the load generator would measure itself rather
 * than the server. Frames are masked as RFC 6455 requires; the handshake's
 * Sec-WebSocket-Accept is checked. Output queued during one iteration is
 * written with one send() per connection at its end. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BENCH_ERROR (bench_error_quark ())

typedef enum
{
  BENCH_ERROR_SETUP,       /* cannot start: options, limits, missing binary */
  BENCH_ERROR_SERVER_DIED, /* the server process exited or stopped answering */
  BENCH_ERROR_PROTOCOL,    /* an unexpected reply, close or error message */
  BENCH_ERROR_LOST,        /* a message lost, duplicated, reordered or misattributed */
  BENCH_ERROR_LEAK,        /* peers or sessions left on the server */
  BENCH_ERROR_STALLED,     /* no progress before a deadline */
} BenchError;

GQuark bench_error_quark (void);

typedef struct _BenchLoop BenchLoop;
typedef struct _BenchConn BenchConn;

typedef enum
{
  BENCH_CONN_CONNECTING,
  BENCH_CONN_HANDSHAKE,
  BENCH_CONN_OPEN,
  BENCH_CONN_CLOSED,
} BenchConnState;

/* What a measurement phase does with its connections. Every callback runs
 * inside bench_loop_iterate(). A callback may send on any connection and
 * close any connection; it reports a fatal problem with bench_loop_fail(). */
typedef struct
{
  void (*on_open) (BenchConn *conn, gpointer user_data);
  void (*on_text) (BenchConn *conn, const char *text, gsize len, gpointer user_data);
  /* The server closed the connection, or it broke; @why says how. The
   * connection is freed after the callback returns. */
  void (*on_closed) (BenchConn *conn, const char *why, gpointer user_data);
  /* The loop's timer fired (see bench_loop_set_timer()). */
  void (*on_tick) (gpointer user_data);
} BenchHandlers;

struct _BenchConn
{
  BenchLoop *loop;
  BenchConnState state;
  guint index;     /* the phase's number for this connection */
  gpointer data;   /* the phase's state for this connection */

  /* private */
  int fd;
  guint epoll_out : 1;
  guint dirty : 1;
  GByteArray *in;  /* bytes of an incomplete handshake reply or frame */
  GByteArray *out; /* unsent output */
  gsize out_off;
  char accept[29]; /* the Sec-WebSocket-Accept we expect */
  BenchConn *prev, *next; /* the loop's open connections */
  BenchConn *dirty_next;
  BenchConn *dead_next;
};

BenchLoop *bench_loop_new         (guint16              port);
void       bench_loop_free        (BenchLoop           *loop);
void       bench_loop_set_handlers (BenchLoop          *loop,
                                    const BenchHandlers *handlers,
                                    gpointer             user_data);
/* Calls on_tick every @interval_us microseconds; 0 stops it. */
void       bench_loop_set_timer   (BenchLoop           *loop,
                                   guint                interval_us);
/* One epoll_wait() of at most @timeout_ms, its callbacks, and the writes they
 * queued. FALSE once a callback called bench_loop_fail() (@error set). */
gboolean   bench_loop_iterate     (BenchLoop           *loop,
                                   int                  timeout_ms,
                                   GError             **error);
/* Records the first fatal problem; bench_loop_iterate() then returns FALSE. */
void       bench_loop_fail        (BenchLoop           *loop,
                                   BenchError           code,
                                   const char          *format,
                                   ...) G_GNUC_PRINTF (3, 4);
gboolean   bench_loop_failed      (BenchLoop           *loop);
guint      bench_loop_get_n_conns (BenchLoop           *loop);

/* Starts connecting to ws://127.0.0.1:PORT/ws; on_open follows the
 * handshake. NULL with @error when no socket can be had (descriptor limit,
 * no free local port). */
BenchConn *bench_conn_open        (BenchLoop           *loop,
                                   guint                index,
                                   gpointer             data,
                                   GError             **error);
/* Queues one masked text frame; written at the end of the iteration. */
void       bench_conn_send_text   (BenchConn           *conn,
                                   const char          *text,
                                   gsize                len);
/* Closes at once (no close handshake): with @reset, an RST, so neither side
 * keeps the port in TIME_WAIT. The connection is freed at the end of the
 * iteration (or by bench_loop_free()); on_closed is not called. */
void       bench_conn_close       (BenchConn           *conn,
                                   gboolean             reset);

/* Closes every connection of the loop, as bench_conn_close() does. */
void       bench_loop_close_all   (BenchLoop           *loop,
                                   gboolean             reset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchLoop, bench_loop_free)

G_END_DECLS

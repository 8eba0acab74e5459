/* bench-phases.c: connections held, relay throughput and latency, churn.
 *
 * Every message the server sends is parsed with the project's strict JSON
 * reader (signaling/zero-json.h, allocation-free) and checked: welcomes name
 * the session asked for, every relayed `ice` carries the sender's real peer
 * id in `from` and the next sequence number of its pair, so a message lost,
 * duplicated, reordered or misattributed stops the benchmark. */
#include "bench-phases.h"

#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-ws.h"
#include "signaling/zero-json.h"

#define STALL_TIMEOUT_US (20 * G_USEC_PER_SEC) /* no progress this long: stalled */
#define DRAIN_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define EMPTY_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define ALIVE_CHECK_US (100 * 1000)
#define LATENCY_TICK_US 200

/* seq and ts are written in place with a fixed number of digits, so the
 * message keeps its size; the offsets keep them free of leading zeros. */
#define SEQ_BASE G_GUINT64_CONSTANT (1000000000)  /* 10 digits */
#define SEQ_DIGITS 10
#define TS_BASE G_GUINT64_CONSTANT (1000000000000) /* 13 digits, microseconds */
#define TS_DIGITS 13

/* Session ids of each phase differ in their second group. */
enum
{
  TAG_IDLE = 0x1d1e,
  TAG_RELAY = 0x7e1a,
  TAG_CHURN = 0xc4a2,
};

/* --- shared helpers ------------------------------------------------------ */

typedef struct
{
  BenchServer *server;
  BenchLoop *loop;
  gint64 next_alive_check;
} Pump;

/* One loop iteration; also notices a dead server within 100 ms. */
static gboolean
pump (Pump *p, int timeout_ms, GError **error)
{
  gint64 now;

  if (!bench_loop_iterate (p->loop, timeout_ms, error))
    return FALSE;
  now = g_get_monotonic_time ();
  if (now < p->next_alive_check)
    return TRUE;
  p->next_alive_check = now + ALIVE_CHECK_US;
  return bench_server_check_alive (p->server, error);
}

static void
make_session_id (char out[37], guint tag, guint32 a, guint64 b)
{
  g_snprintf (out, 37, "%08x-%04x-4000-8000-%012" G_GINT64_MODIFIER "x", a, tag,
              b & G_GUINT64_CONSTANT (0xffffffffffff));
}

/* The root object of a server message, or NULL after failing the loop. */
static const ZeroJsonNode *
parse_message (BenchConn *conn, ZeroJsonDoc *doc, const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;
  const ZeroJsonNode *root;

  if (!zero_json_parse (doc, text, len, &error))
    {
      bench_loop_fail (conn->loop, BENCH_ERROR_PROTOCOL,
                       "connection %u: the server sent invalid JSON (%s): %.*s", conn->index,
                       error->message, (int) MIN (len, 300), text);
      return NULL;
    }
  root = zero_json_root (doc);
  if (root->kind != ZERO_JSON_OBJECT)
    {
      bench_loop_fail (conn->loop, BENCH_ERROR_PROTOCOL,
                       "connection %u: the server sent a non-object: %.*s", conn->index,
                       (int) MIN (len, 300), text);
      return NULL;
    }
  return root;
}

static gboolean
is_type (const ZeroJsonDoc *doc, const ZeroJsonNode *root, const char *type)
{
  return zero_json_string_equal (doc, zero_json_object_get (doc, root, "type"), type);
}

static gboolean
member_equals (const ZeroJsonDoc *doc, const ZeroJsonNode *object, const char *key,
               const char *value)
{
  return zero_json_string_equal (doc, zero_json_object_get (doc, object, key), value);
}

static char *
dup_member (const ZeroJsonDoc *doc, const ZeroJsonNode *object, const char *key)
{
  const ZeroJsonNode *node = zero_json_object_get (doc, object, key);

  return node && node->kind == ZERO_JSON_STRING ? zero_json_string_dup (doc, node) : NULL;
}

/* An `error` from the server, or anything the phase did not ask for. */
static void
fail_unexpected (BenchConn *conn, const char *text, gsize len)
{
  bench_loop_fail (conn->loop, BENCH_ERROR_PROTOCOL,
                   "connection %u: unexpected message from the server: %.*s", conn->index,
                   (int) MIN (len, 300), text);
}

static void
on_closed_fail (BenchConn *conn, const char *why, gpointer user_data)
{
  bench_loop_fail (conn->loop, BENCH_ERROR_PROTOCOL, "connection %u was closed: %s",
                   conn->index, why);
}

static gboolean
check_no_progress (gint64 last_progress_us, const char *what, guint done, guint total,
                   GError **error)
{
  if (g_get_monotonic_time () - last_progress_us <= STALL_TIMEOUT_US)
    return TRUE;
  g_set_error (error, BENCH_ERROR, BENCH_ERROR_STALLED, "%s: %u of %u, and none more in %d s",
               what, done, total, (int) (STALL_TIMEOUT_US / G_USEC_PER_SEC));
  return FALSE;
}

/* Polls /healthz until the server holds no session and no peer. */
static gboolean
wait_server_empty (BenchServer *server, const char *after, guint *sessions, guint *peers,
                   GError **error)
{
  gint64 deadline = g_get_monotonic_time () + EMPTY_TIMEOUT_US;

  for (;;)
    {
      if (!bench_server_check_alive (server, error) ||
          !bench_server_get_health (server, sessions, peers, error))
        return FALSE;
      if (*sessions == 0 && *peers == 0)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_LEAK,
                       "%s, /healthz still reports %u sessions and %u peers after %d s", after,
                       *sessions, *peers, (int) (EMPTY_TIMEOUT_US / G_USEC_PER_SEC));
          return FALSE;
        }
      g_usleep (20 * 1000);
    }
}

static double
own_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
put_digits (char *p, guint64 value, int width)
{
  for (int i = width - 1; i >= 0; i--)
    {
      p[i] = '0' + value % 10;
      value /= 10;
    }
}

/* --- connections held ---------------------------------------------------- */

typedef struct
{
  const BenchParams *params;
  BenchLoop *loop;
  ZeroJsonDoc doc;
  guint opened;
  guint joined;
  gint64 last_progress_us;
} Idle;

static void
idle_clear (Idle *idle)
{
  g_clear_pointer (&idle->loop, bench_loop_free);
  zero_json_doc_clear (&idle->doc);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Idle, idle_clear)

static void
idle_open_next (Idle *idle)
{
  g_autoptr (GError) error = NULL;

  if (idle->opened >= idle->params->idle_connections)
    return;
  if (bench_conn_open (idle->loop, idle->opened, NULL, &error) == NULL)
    {
      bench_loop_fail (idle->loop, error->code, "%s", error->message);
      return;
    }
  idle->opened++;
}

static void
idle_on_open (BenchConn *conn, gpointer user_data)
{
  char session[37];
  char join[192];
  int n;

  /* One session per connection: the most the server keeps per peer. */
  make_session_id (session, TAG_IDLE, conn->index, 0);
  n = g_snprintf (join, sizeof join,
                  "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"idle-%u\",\"create\":true}",
                  session, conn->index);
  bench_conn_send_text (conn, join, n);
}

static void
idle_on_text (BenchConn *conn, const char *text, gsize len, gpointer user_data)
{
  Idle *idle = user_data;
  const ZeroJsonNode *root = parse_message (conn, &idle->doc, text, len);
  char session[37];

  if (root == NULL)
    return;
  make_session_id (session, TAG_IDLE, conn->index, 0);
  if (conn->data != NULL || !is_type (&idle->doc, root, "welcome") ||
      !member_equals (&idle->doc, root, "session", session))
    {
      fail_unexpected (conn, text, len);
      return;
    }
  conn->data = GINT_TO_POINTER (TRUE); /* joined */
  idle->joined++;
  idle->last_progress_us = g_get_monotonic_time ();
  idle_open_next (idle);
}

gboolean
bench_phase_idle (BenchServer *server, const BenchParams *params, BenchRun *run, GError **error)
{
  static const BenchHandlers handlers = {
    .on_open = idle_on_open,
    .on_text = idle_on_text,
    .on_closed = on_closed_fail,
  };
  g_auto (Idle) idle = { .params = params };
  Pump p = { .server = server };
  guint sessions, peers;
  gint64 t0, hold_until;

  /* A first HTTP request, so that what it allocates is not counted as
   * connection memory. */
  if (!bench_server_get_health (server, &sessions, &peers, error))
    return FALSE;
  run->idle_rss_base_kib = bench_server_get_rss_kib (server);

  zero_json_doc_init (&idle.doc);
  idle.loop = p.loop = bench_loop_new (bench_server_get_port (server));
  bench_loop_set_handlers (idle.loop, &handlers, &idle);

  t0 = idle.last_progress_us = g_get_monotonic_time ();
  for (guint i = 0; i < params->open_window; i++)
    idle_open_next (&idle);
  while (idle.joined < params->idle_connections)
    if (!pump (&p, 100, error) ||
        !check_no_progress (idle.last_progress_us, "idle connections joined", idle.joined,
                            params->idle_connections, error))
      return FALSE;
  run->idle_open_s = (g_get_monotonic_time () - t0) / 1e6;
  run->idle_connections = idle.joined;

  /* Hold them (answering pings, should any come) before reading RSS. */
  hold_until = g_get_monotonic_time () + (gint64) (params->hold_s * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < hold_until)
    if (!pump (&p, 50, error))
      return FALSE;
  run->idle_rss_kib = bench_server_get_rss_kib (server);
  run->idle_kib_per_conn =
    (double) (run->idle_rss_kib - run->idle_rss_base_kib) / run->idle_connections;

  if (!bench_server_get_health (server, &sessions, &peers, error))
    return FALSE;
  if (sessions != idle.joined || peers != idle.joined)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_PROTOCOL,
                   "/healthz reports %u sessions and %u peers while %u connections are joined "
                   "to a session each", sessions, peers, idle.joined);
      return FALSE;
    }

  /* RST: 10,000 ports per run in TIME_WAIT would add up over the runs. */
  bench_loop_close_all (idle.loop, TRUE);
  return wait_server_empty (server, "after closing the idle connections", &sessions, &peers,
                            error);
}

/* --- relay throughput and latency ---------------------------------------- */

typedef enum
{
  RELAY_SETUP,
  RELAY_THROUGHPUT, /* closed loop: each delivered message is answered with one */
  RELAY_LATENCY,    /* open loop: messages sent at a fixed rate */
  RELAY_DRAIN,      /* nothing sent; waiting for what is in flight */
} RelayMode;

/* Peers 2k and 2k+1 form a pair in a session of their own. */
typedef struct
{
  BenchConn *conn;
  char *peer_id;
  char *partner_id; /* as the server announced it */
  GString *msg;     /* an ice message to the partner; seq and ts rewritten */
  gsize seq_off;
  gsize ts_off;
  guint64 sent;     /* to the partner */
  guint64 received; /* from the partner, all verified */
} RelayPeer;

typedef struct
{
  const BenchParams *params;
  BenchLoop *loop;
  ZeroJsonDoc doc;
  RelayPeer *peers;
  guint n_peers;
  guint n_ready;
  gint64 last_progress_us;
  RelayMode mode;
  gint64 epoch_us;
  guint64 verified;
  gsize received_bytes;
  /* latency */
  GArray *samples; /* guint32 microseconds */
  gint64 lat_start_us;
  gint64 lat_record_from_us;
  gint64 lat_stop_us;
  guint64 lat_sent;
  guint next_sender;
} Relay;

static void
relay_clear (Relay *r)
{
  g_clear_pointer (&r->loop, bench_loop_free);
  for (guint i = 0; i < r->n_peers; i++)
    {
      g_free (r->peers[i].peer_id);
      g_free (r->peers[i].partner_id);
      if (r->peers[i].msg)
        g_string_free (r->peers[i].msg, TRUE);
    }
  g_clear_pointer (&r->peers, g_free);
  g_clear_pointer (&r->samples, g_array_unref);
  zero_json_doc_clear (&r->doc);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Relay, relay_clear)

static void
relay_send_join (RelayPeer *p, guint index)
{
  char session[37];
  char join[192];
  int n;

  make_session_id (session, TAG_RELAY, index / 2, 0);
  n = g_snprintf (join, sizeof join,
                  "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"relay-%u\",\"create\":%s}",
                  session, index, index % 2 == 0 ? "true" : "false");
  bench_conn_send_text (p->conn, join, n);
}

/* A trickle-ICE message of exactly @size bytes (when the peer id allows). */
static void
relay_build_message (RelayPeer *p, gsize size)
{
  GString *m = g_string_sized_new (size + 64);
  gsize pad_at, pad;

  g_string_append (m, "{\"type\":\"ice\",\"to\":");
  zero_json_append_string (m, p->partner_id, -1);
  g_string_append (m, ",\"candidate\":{\"candidate\":\"candidate:842163049 1 udp 1677729535 "
                      "192.0.2.23 56143 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag ");
  pad_at = m->len;
  g_string_append (m, "\",\"sdpMLineIndex\":0,\"sdpMid\":\"0\"},\"seq\":");
  p->seq_off = m->len;
  g_string_append_printf (m, "%" G_GUINT64_FORMAT ",\"ts\":", SEQ_BASE);
  p->ts_off = m->len;
  g_string_append_printf (m, "%" G_GUINT64_FORMAT "}", TS_BASE);

  pad = size > m->len + 4 ? size - m->len : 4; /* the ufrag: 4 characters at least */
  for (gsize i = 0; i < pad; i++)
    g_string_insert_c (m, pad_at, "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]);
  p->seq_off += pad;
  p->ts_off += pad;
  p->msg = m;
}

static void
relay_send (Relay *r, RelayPeer *p, gint64 now_us)
{
  put_digits (p->msg->str + p->seq_off, SEQ_BASE + p->sent, SEQ_DIGITS);
  put_digits (p->msg->str + p->ts_off, TS_BASE + (guint64) (now_us - r->epoch_us), TS_DIGITS);
  bench_conn_send_text (p->conn, p->msg->str, p->msg->len);
  p->sent++;
}

static void
relay_on_open (BenchConn *conn, gpointer user_data)
{
  Relay *r = user_data;
  guint i = conn->index;

  /* The second of a pair joins once the first has created the session. */
  if (i % 2 == 0 || r->peers[i - 1].peer_id != NULL)
    relay_send_join (&r->peers[i], i);
}

/* Pairing: the first peer of a pair gets its welcome, then peer-joined for
 * the second; the second gets a welcome listing the first. */
static void
relay_on_setup_message (Relay *r, BenchConn *conn, const ZeroJsonNode *root, const char *text,
                        gsize len)
{
  const ZeroJsonDoc *doc = &r->doc;
  guint i = conn->index;
  RelayPeer *p = &r->peers[i];

  if (is_type (doc, root, "welcome") && p->peer_id == NULL)
    {
      p->peer_id = dup_member (doc, root, "peer_id");
      if (p->peer_id == NULL)
        {
          fail_unexpected (conn, text, len);
          return;
        }
      if (i % 2 == 0)
        {
          if (r->peers[i + 1].conn->state == BENCH_CONN_OPEN)
            relay_send_join (&r->peers[i + 1], i + 1);
        }
      else
        {
          const ZeroJsonNode *list = zero_json_object_get (doc, root, "peers");

          if (list && list->kind == ZERO_JSON_ARRAY && list->n_children == 1)
            p->partner_id = dup_member (doc, zero_json_first_child (doc, list), "peer_id");
          if (p->partner_id == NULL)
            {
              fail_unexpected (conn, text, len);
              return;
            }
          r->n_ready++;
        }
    }
  else if (is_type (doc, root, "peer-joined") && i % 2 == 0 && p->peer_id != NULL &&
           p->partner_id == NULL && (p->partner_id = dup_member (doc, root, "peer_id")) != NULL)
    r->n_ready++;
  else
    {
      fail_unexpected (conn, text, len);
      return;
    }
  r->last_progress_us = g_get_monotonic_time ();
}

static void
relay_on_ice (Relay *r, BenchConn *conn, const ZeroJsonNode *root, const char *text, gsize len)
{
  const ZeroJsonDoc *doc = &r->doc;
  RelayPeer *p = &r->peers[conn->index];
  const ZeroJsonNode *candidate = zero_json_object_get (doc, root, "candidate");
  gint64 seq, ts, now;

  if (!is_type (doc, root, "ice") || candidate == NULL || candidate->kind != ZERO_JSON_OBJECT ||
      !zero_json_get_int (doc, zero_json_object_get (doc, root, "seq"), &seq) ||
      !zero_json_get_int (doc, zero_json_object_get (doc, root, "ts"), &ts))
    {
      fail_unexpected (conn, text, len);
      return;
    }
  if (!member_equals (doc, root, "from", p->partner_id))
    {
      g_autofree char *from = dup_member (doc, root, "from");
      bench_loop_fail (r->loop, BENCH_ERROR_LOST,
                       "peer %s got an ice message with from \"%s\"; its only partner is %s",
                       p->peer_id, from ? from : "(none)", p->partner_id);
      return;
    }
  if ((guint64) seq - SEQ_BASE != p->received)
    {
      bench_loop_fail (r->loop, BENCH_ERROR_LOST,
                       "peer %s expected message #%" G_GUINT64_FORMAT " from %s and got #%"
                       G_GINT64_FORMAT ": lost, duplicated or reordered",
                       p->peer_id, p->received, p->partner_id, seq - (gint64) SEQ_BASE);
      return;
    }
  p->received++;
  r->verified++;
  r->received_bytes = len;

  now = g_get_monotonic_time ();
  if (r->mode == RELAY_THROUGHPUT)
    relay_send (r, p, now); /* answer to the partner: keeps the window full */
  else if (r->samples && r->epoch_us + (ts - (gint64) TS_BASE) >= r->lat_record_from_us)
    {
      guint32 us = (guint32) MIN (now - (r->epoch_us + (ts - (gint64) TS_BASE)), G_MAXUINT32);
      g_array_append_val (r->samples, us);
    }
}

static void
relay_on_text (BenchConn *conn, const char *text, gsize len, gpointer user_data)
{
  Relay *r = user_data;
  const ZeroJsonNode *root = parse_message (conn, &r->doc, text, len);

  if (root == NULL)
    return;
  if (r->mode == RELAY_SETUP)
    relay_on_setup_message (r, conn, root, text, len);
  else
    relay_on_ice (r, conn, root, text, len);
}

/* Latency: sends what the offered rate makes due since the start. */
static void
relay_on_tick (gpointer user_data)
{
  Relay *r = user_data;
  gint64 now = g_get_monotonic_time ();
  guint64 due;

  if (r->mode != RELAY_LATENCY)
    return;
  if (now >= r->lat_stop_us)
    {
      r->mode = RELAY_DRAIN;
      bench_loop_set_timer (r->loop, 0);
      return;
    }
  due = (guint64) ((now - r->lat_start_us) * (double) r->params->latency_rate / G_USEC_PER_SEC);
  while (r->lat_sent < due)
    {
      relay_send (r, &r->peers[r->next_sender], now);
      r->next_sender = (r->next_sender + 1) % r->n_peers;
      r->lat_sent++;
    }
}

static guint64
relay_missing (Relay *r, guint64 *sent)
{
  guint64 missing = 0;

  *sent = 0;
  for (guint i = 0; i < r->n_peers; i++)
    {
      *sent += r->peers[i].sent;
      missing += r->peers[i ^ 1].sent - r->peers[i].received;
    }
  return missing;
}

static gboolean
relay_drain (Relay *r, Pump *p, const char *what, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + DRAIN_TIMEOUT_US;
  guint64 sent, missing;

  r->mode = RELAY_DRAIN;
  while ((missing = relay_missing (r, &sent)) > 0)
    {
      if (!pump (p, 10, error))
        return FALSE;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_LOST,
                       "%s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " messages sent were "
                       "not delivered within %d s", what, missing, sent,
                       (int) (DRAIN_TIMEOUT_US / G_USEC_PER_SEC));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
relay_setup (Relay *r, Pump *p, GError **error)
{
  for (guint i = 0; i < r->n_peers; i++)
    {
      r->peers[i].conn = bench_conn_open (r->loop, i, NULL, error);
      if (r->peers[i].conn == NULL)
        return FALSE;
    }
  r->last_progress_us = g_get_monotonic_time ();
  while (r->n_ready < r->n_peers)
    if (!pump (p, 100, error) ||
        !check_no_progress (r->last_progress_us, "relay peers paired", r->n_ready, r->n_peers,
                            error))
      return FALSE;

  for (guint i = 0; i < r->n_peers; i++)
    {
      if (g_strcmp0 (r->peers[i].partner_id, r->peers[i ^ 1].peer_id) != 0)
        {
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_PROTOCOL,
                       "peer %s was told its partner is %s, but the partner was welcomed as %s",
                       r->peers[i].peer_id, r->peers[i].partner_id, r->peers[i ^ 1].peer_id);
          return FALSE;
        }
      relay_build_message (&r->peers[i], r->params->message_bytes);
    }
  return TRUE;
}

static gboolean
relay_throughput (Relay *r, Pump *p, BenchServer *server, BenchRun *run, GError **error)
{
  const BenchParams *params = r->params;
  gint64 now = g_get_monotonic_time ();
  gint64 warm_until = now + (gint64) (params->warmup_s * G_USEC_PER_SEC);
  gint64 end = warm_until + (gint64) (params->relay_s * G_USEC_PER_SEC);
  gint64 t0 = 0;
  guint64 verified0 = 0;
  double server_cpu0 = 0, own_cpu0 = 0, elapsed;

  r->mode = RELAY_THROUGHPUT;
  for (guint i = 0; i < r->n_peers; i++)
    for (guint w = 0; w < params->relay_window; w++)
      relay_send (r, &r->peers[i], now);

  while ((now = g_get_monotonic_time ()) < end)
    {
      if (t0 == 0 && now >= warm_until)
        {
          t0 = now;
          verified0 = r->verified;
          server_cpu0 = bench_server_get_cpu_s (server);
          own_cpu0 = own_cpu_s ();
        }
      if (!pump (p, 10, error))
        return FALSE;
    }
  elapsed = (now - t0) / 1e6;
  run->relay_msgs_per_s = (r->verified - verified0) / elapsed;
  run->relay_server_cpu = (bench_server_get_cpu_s (server) - server_cpu0) / elapsed;
  run->relay_client_cpu = (own_cpu_s () - own_cpu0) / elapsed;
  run->relay_sent_bytes = r->peers[0].msg->len;
  run->relay_received_bytes = r->received_bytes;

  return relay_drain (r, p, "relay throughput", error);
}

static int
compare_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile, in milliseconds. */
static double
percentile_ms (GArray *sorted, double q)
{
  gsize rank = (gsize) ceil (q * sorted->len);

  if (sorted->len == 0)
    return NAN;
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, guint32, rank - 1) / 1000.0;
}

static gboolean
relay_latency (Relay *r, Pump *p, BenchRun *run, GError **error)
{
  const BenchParams *params = r->params;
  gsize expected = (gsize) (params->latency_rate * params->latency_s) + 1024;

  r->samples = g_array_sized_new (FALSE, FALSE, sizeof (guint32), expected);
  r->lat_sent = 0;
  r->lat_start_us = g_get_monotonic_time ();
  r->lat_record_from_us = r->lat_start_us + (gint64) (params->warmup_s * G_USEC_PER_SEC);
  r->lat_stop_us = r->lat_record_from_us + (gint64) (params->latency_s * G_USEC_PER_SEC);
  r->mode = RELAY_LATENCY;
  bench_loop_set_timer (r->loop, LATENCY_TICK_US);
  while (r->mode == RELAY_LATENCY)
    if (!pump (p, 10, error))
      return FALSE;
  if (!relay_drain (r, p, "relay latency", error))
    return FALSE;

  qsort (r->samples->data, r->samples->len, sizeof (guint32), compare_u32);
  run->latency_offered = params->latency_rate;
  run->latency_samples = r->samples->len;
  run->latency_achieved = r->samples->len / params->latency_s;
  run->latency_p50_ms = percentile_ms (r->samples, 0.50);
  run->latency_p99_ms = percentile_ms (r->samples, 0.99);
  run->latency_p999_ms = percentile_ms (r->samples, 0.999);
  run->latency_max_ms = percentile_ms (r->samples, 1.0);
  return TRUE;
}

gboolean
bench_phase_relay (BenchServer *server, const BenchParams *params, BenchRun *run, GError **error)
{
  static const BenchHandlers handlers = {
    .on_open = relay_on_open,
    .on_text = relay_on_text,
    .on_closed = on_closed_fail,
    .on_tick = relay_on_tick,
  };
  g_auto (Relay) r = { .params = params };
  Pump p = { .server = server };
  guint sessions, peers;

  zero_json_doc_init (&r.doc);
  r.n_peers = params->relay_pairs * 2;
  r.peers = g_new0 (RelayPeer, r.n_peers);
  r.epoch_us = g_get_monotonic_time ();
  r.loop = p.loop = bench_loop_new (bench_server_get_port (server));
  bench_loop_set_handlers (r.loop, &handlers, &r);

  if (!relay_setup (&r, &p, error) || !relay_throughput (&r, &p, server, run, error) ||
      !relay_latency (&r, &p, run, error))
    return FALSE;
  run->relay_verified = r.verified;

  bench_loop_close_all (r.loop, TRUE);
  return wait_server_empty (server, "after closing the relay pairs", &sessions, &peers, error);
}

/* --- join/leave churn ---------------------------------------------------- */

/* Clients 4k..4k+3 join and leave the sessions of group k: session n of a
 * group is created by whoever joins it first and goes when the last leaves,
 * so sessions are made and dropped all the time, and members see each
 * other's peer-joined and peer-left. */
typedef struct
{
  BenchConn *conn;
  guint64 iteration; /* the number of the join in flight (or done) */
  gboolean stopping; /* the last leave and a ping are sent */
  gboolean synced;   /* the ping's pong came back: the leave was handled */
} ChurnClient;

typedef struct
{
  const BenchParams *params;
  BenchLoop *loop;
  ZeroJsonDoc doc;
  ChurnClient *clients;
  guint n_open;
  guint n_synced;
  gboolean running;
  guint64 ops;
  gint64 last_progress_us;
} Churn;

static void
churn_clear (Churn *c)
{
  g_clear_pointer (&c->loop, bench_loop_free);
  g_clear_pointer (&c->clients, g_free);
  zero_json_doc_clear (&c->doc);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Churn, churn_clear)

static void
churn_session (char out[37], guint index, guint64 iteration)
{
  make_session_id (out, TAG_CHURN, index / 4, iteration);
}

static void
churn_send_join (BenchConn *conn, ChurnClient *client)
{
  char session[37];
  char join[192];
  int n;

  churn_session (session, conn->index, client->iteration);
  n = g_snprintf (join, sizeof join,
                  "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"churn-%u\",\"create\":true}",
                  session, conn->index);
  bench_conn_send_text (conn, join, n);
}

static void
churn_on_open (BenchConn *conn, gpointer user_data)
{
  Churn *c = user_data;

  c->n_open++;
  c->last_progress_us = g_get_monotonic_time ();
}

static void
churn_on_text (BenchConn *conn, const char *text, gsize len, gpointer user_data)
{
  static const char leave[] = "{\"type\":\"leave\"}";
  static const char ping[] = "{\"type\":\"ping\",\"id\":\"sync\"}";
  Churn *c = user_data;
  ChurnClient *client = &c->clients[conn->index];
  const ZeroJsonNode *root = parse_message (conn, &c->doc, text, len);
  char session[37];

  if (root == NULL)
    return;
  if (is_type (&c->doc, root, "peer-joined") || is_type (&c->doc, root, "peer-left"))
    return; /* other members of the group coming and going */

  if (is_type (&c->doc, root, "welcome") && !client->stopping)
    {
      churn_session (session, conn->index, client->iteration);
      if (!member_equals (&c->doc, root, "session", session))
        {
          fail_unexpected (conn, text, len);
          return;
        }
      /* This welcome also proves the leave sent before the join was done. */
      if (c->running)
        c->ops += client->iteration > 0 ? 2 : 1;
      bench_conn_send_text (conn, leave, strlen (leave));
      if (c->running)
        {
          client->iteration++;
          churn_send_join (conn, client);
        }
      else
        {
          client->stopping = TRUE;
          bench_conn_send_text (conn, ping, strlen (ping));
        }
    }
  else if (is_type (&c->doc, root, "pong") && client->stopping && !client->synced)
    {
      client->synced = TRUE;
      c->n_synced++;
      c->last_progress_us = g_get_monotonic_time ();
    }
  else
    fail_unexpected (conn, text, len);
}

gboolean
bench_phase_churn (BenchServer *server, const BenchParams *params, BenchRun *run, GError **error)
{
  static const BenchHandlers handlers = {
    .on_open = churn_on_open,
    .on_text = churn_on_text,
    .on_closed = on_closed_fail,
  };
  g_auto (Churn) c = { .params = params };
  Pump p = { .server = server };
  guint n = params->churn_clients;
  guint sessions, peers;
  gint64 start, end, now;
  double server_cpu0;

  zero_json_doc_init (&c.doc);
  c.clients = g_new0 (ChurnClient, n);
  c.loop = p.loop = bench_loop_new (bench_server_get_port (server));
  bench_loop_set_handlers (c.loop, &handlers, &c);

  for (guint i = 0; i < n; i++)
    if ((c.clients[i].conn = bench_conn_open (c.loop, i, NULL, error)) == NULL)
      return FALSE;
  c.last_progress_us = g_get_monotonic_time ();
  while (c.n_open < n)
    if (!pump (&p, 100, error) ||
        !check_no_progress (c.last_progress_us, "churn clients connected", c.n_open, n, error))
      return FALSE;

  run->churn_rss_before_kib = bench_server_get_rss_kib (server);
  server_cpu0 = bench_server_get_cpu_s (server);
  c.running = TRUE;
  start = g_get_monotonic_time ();
  end = start + (gint64) (params->churn_s * G_USEC_PER_SEC);
  for (guint i = 0; i < n; i++)
    churn_send_join (c.clients[i].conn, &c.clients[i]);
  while ((now = g_get_monotonic_time ()) < end)
    if (!pump (&p, 10, error))
      return FALSE;
  c.running = FALSE;
  run->churn_ops = c.ops;
  run->churn_ops_per_s = c.ops / ((now - start) / 1e6);
  run->churn_server_cpu = (bench_server_get_cpu_s (server) - server_cpu0) / ((now - start) / 1e6);
  run->churn_rss_after_kib = bench_server_get_rss_kib (server);

  /* Each client has one join in flight; its welcome is answered with the
   * last leave and a ping, whose pong proves the leave was handled. */
  c.last_progress_us = g_get_monotonic_time ();
  while (c.n_synced < n)
    if (!pump (&p, 100, error) ||
        !check_no_progress (c.last_progress_us, "churn clients left", c.n_synced, n, error))
      return FALSE;
  if (!wait_server_empty (server, "after every churn client left its session", &sessions,
                          &peers, error))
    return FALSE;
  run->churn_sessions_left = sessions;
  run->churn_peers_left = peers;

  bench_loop_close_all (c.loop, TRUE);
  return wait_server_empty (server, "after closing the churn clients", &sessions, &peers, error);
}

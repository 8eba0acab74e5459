/* bench-ws.c: the load generator's WebSocket client (see bench-ws.h). */
#include "bench-ws.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define READ_CHUNK (256 * 1024)
#define MAX_EVENTS 256
#define MAX_HANDSHAKE_REPLY 8192
#define MAX_FRAME (16 * 1024 * 1024)
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum
{
  OP_TEXT = 0x1,
  OP_BINARY = 0x2,
  OP_CLOSE = 0x8,
  OP_PING = 0x9,
  OP_PONG = 0xA,
};

struct _BenchLoop
{
  int epfd;
  int timerfd;
  guint16 port;
  BenchHandlers handlers;
  gpointer user_data;
  guint8 *rbuf;
  guint64 rng;      /* xorshift64 state for masking keys */
  guint n_conns;
  BenchConn *conns; /* every connection not closed, through prev/next */
  BenchConn *dirty; /* connections with queued output */
  BenchConn *dead;  /* closed, freed at the end of the iteration */
  GError *error;
};

G_DEFINE_QUARK (bench-error-quark, bench_error)

static void conn_flush (BenchConn *conn);

static guint32
next_random (BenchLoop *loop)
{
  guint64 x = loop->rng;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  loop->rng = x;
  return (guint32) (x >> 16);
}

static void
set_epoll_out (BenchConn *conn, gboolean want)
{
  struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = conn };

  if (conn->epoll_out == !!want)
    return;
  conn->epoll_out = !!want;
  epoll_ctl (conn->loop->epfd, EPOLL_CTL_MOD, conn->fd, &ev);
}

static void
conn_release (BenchConn *conn)
{
  BenchLoop *loop = conn->loop;

  if (conn->state == BENCH_CONN_CLOSED)
    return;
  conn->state = BENCH_CONN_CLOSED;
  close (conn->fd); /* also leaves the epoll set */
  conn->fd = -1;

  if (conn->prev)
    conn->prev->next = conn->next;
  else
    loop->conns = conn->next;
  if (conn->next)
    conn->next->prev = conn->prev;
  loop->n_conns--;

  conn->dead_next = loop->dead;
  loop->dead = conn;
}

static void
conn_free (BenchConn *conn)
{
  g_clear_pointer (&conn->in, g_byte_array_unref);
  g_clear_pointer (&conn->out, g_byte_array_unref);
  g_free (conn);
}

/* The server closed the connection or the socket broke. */
static void
conn_lost (BenchConn *conn, const char *why)
{
  if (conn->state == BENCH_CONN_CLOSED)
    return;
  conn_release (conn);
  if (conn->loop->handlers.on_closed)
    conn->loop->handlers.on_closed (conn, why, conn->loop->user_data);
}

static void
queue_frame (BenchConn *conn, guint8 opcode, const guint8 *payload, gsize len)
{
  BenchLoop *loop = conn->loop;
  guint8 header[14];
  gsize hl, start;
  guint32 key = next_random (loop);
  guint8 mask[4];
  guint8 *dst;

  header[0] = 0x80 | opcode;
  if (len < 126)
    {
      header[1] = 0x80 | (guint8) len;
      hl = 2;
    }
  else if (len <= G_MAXUINT16)
    {
      header[1] = 0x80 | 126;
      header[2] = (guint8) (len >> 8);
      header[3] = (guint8) len;
      hl = 4;
    }
  else
    {
      header[1] = 0x80 | 127;
      for (int i = 0; i < 8; i++)
        header[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
      hl = 10;
    }
  memcpy (mask, &key, 4);
  memcpy (header + hl, mask, 4);
  hl += 4;

  if (conn->out == NULL)
    conn->out = g_byte_array_sized_new (512);
  start = conn->out->len;
  g_byte_array_set_size (conn->out, start + hl + len);
  dst = conn->out->data + start;
  memcpy (dst, header, hl);
  dst += hl;
  for (gsize i = 0; i < len; i++)
    dst[i] = payload[i] ^ mask[i & 3];

  if (!conn->dirty)
    {
      conn->dirty = TRUE;
      conn->dirty_next = loop->dirty;
      loop->dirty = conn;
    }
}

/* --- handshake ----------------------------------------------------------- */

static void
start_handshake (BenchConn *conn)
{
  BenchLoop *loop = conn->loop;
  guint8 nonce[16];
  g_autofree char *key = NULL;
  g_autofree char *request = NULL;
  g_autofree char *accept_src = NULL;
  g_autofree char *accept = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);

  for (guint i = 0; i < sizeof nonce; i += 4)
    {
      guint32 r = next_random (loop);
      memcpy (nonce + i, &r, 4);
    }
  key = g_base64_encode (nonce, sizeof nonce);
  accept_src = g_strconcat (key, WS_GUID, NULL);
  g_checksum_update (sha1, (const guchar *) accept_src, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  accept = g_base64_encode (digest, digest_len);
  g_strlcpy (conn->accept, accept, sizeof conn->accept);

  request = g_strdup_printf ("GET /ws HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: %s\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "\r\n",
                             loop->port, key);
  if (conn->out == NULL)
    conn->out = g_byte_array_sized_new (512);
  g_byte_array_append (conn->out, (const guint8 *) request, strlen (request));
  conn->state = BENCH_CONN_HANDSHAKE;
  conn_flush (conn);
}

static void
finish_connect (BenchConn *conn)
{
  int err = 0;
  socklen_t len = sizeof err;

  if (getsockopt (conn->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err != 0)
    {
      g_autofree char *why = g_strdup_printf ("connect to 127.0.0.1:%u failed: %s",
                                              conn->loop->port, g_strerror (err));
      conn_lost (conn, why);
      return;
    }
  start_handshake (conn);
}

/* Checks the reply in conn->in once it is complete; TRUE when open. */
static gboolean
check_handshake_reply (BenchConn *conn)
{
  GByteArray *in = conn->in;
  const char *text = (const char *) in->data;
  const char *end = g_strstr_len (text, in->len, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean accepted = FALSE;

  if (end == NULL)
    {
      if (in->len > MAX_HANDSHAKE_REPLY)
        bench_loop_fail (conn->loop, BENCH_ERROR_PROTOCOL,
                         "WebSocket handshake reply has no end after %u bytes", in->len);
      return FALSE;
    }
  head = g_strndup (text, end - text);
  lines = g_strsplit (head, "\r\n", -1);
  if (!g_str_has_prefix (lines[0], "HTTP/1.1 101"))
    {
      bench_loop_fail (conn->loop, BENCH_ERROR_PROTOCOL, "WebSocket handshake refused: \"%s\"",
                       lines[0]);
      return FALSE;
    }
  for (guint i = 1; lines[i]; i++)
    {
      const char *colon = strchr (lines[i], ':');

      if (colon && colon - lines[i] == strlen ("Sec-WebSocket-Accept") &&
          g_ascii_strncasecmp (lines[i], "Sec-WebSocket-Accept", colon - lines[i]) == 0)
        accepted = strcmp (g_strstrip ((char *) colon + 1), conn->accept) == 0;
    }
  if (!accepted)
    {
      bench_loop_fail (conn->loop, BENCH_ERROR_PROTOCOL,
                       "WebSocket handshake reply lacks the right Sec-WebSocket-Accept");
      return FALSE;
    }
  g_byte_array_remove_range (in, 0, (end + 4) - text);
  conn->state = BENCH_CONN_OPEN;
  return TRUE;
}

/* --- frames in ----------------------------------------------------------- */

/* Handles the complete frames at the start of @p; returns the bytes used. */
static gsize
process_frames (BenchConn *conn, const guint8 *p, gsize len)
{
  BenchLoop *loop = conn->loop;
  gsize off = 0;

  while (conn->state == BENCH_CONN_OPEN && loop->error == NULL && len - off >= 2)
    {
      const guint8 *h = p + off;
      guint8 opcode = h[0] & 0x0f;
      guint64 plen = h[1] & 0x7f;
      gsize hl = 2;

      if (plen == 126)
        {
          if (len - off < 4)
            break;
          plen = (guint64) h[2] << 8 | h[3];
          hl = 4;
        }
      else if (plen == 127)
        {
          if (len - off < 10)
            break;
          plen = 0;
          for (int i = 0; i < 8; i++)
            plen = plen << 8 | h[2 + i];
          hl = 10;
        }
      /* The server sends whole, unmasked frames without extensions. */
      if ((h[0] & 0xf0) != 0x80 || (h[1] & 0x80) || plen > MAX_FRAME)
        {
          bench_loop_fail (loop, BENCH_ERROR_PROTOCOL,
                           "unexpected frame header %02x %02x (fragmented, masked, reserved "
                           "bits or over 16 MiB)", h[0], h[1]);
          break;
        }
      if (len - off - hl < plen)
        break;

      switch (opcode)
        {
        case OP_TEXT:
          if (loop->handlers.on_text)
            loop->handlers.on_text (conn, (const char *) h + hl, plen, loop->user_data);
          break;
        case OP_PING:
          queue_frame (conn, OP_PONG, h + hl, plen);
          break;
        case OP_PONG:
          break;
        case OP_CLOSE:
          {
            guint code = plen >= 2 ? (guint) h[hl] << 8 | h[hl + 1] : 1005;
            g_autofree char *why = g_strdup_printf ("the server closed the WebSocket with %u "
                                                    "\"%.*s\"", code,
                                                    plen > 2 ? (int) plen - 2 : 0,
                                                    (const char *) h + hl + 2);
            conn_lost (conn, why);
          }
          break;
        case OP_BINARY:
        default:
          bench_loop_fail (loop, BENCH_ERROR_PROTOCOL, "unexpected frame opcode %u", opcode);
          break;
        }
      off += hl + plen;
    }
  return off;
}

static void
conn_read (BenchConn *conn)
{
  BenchLoop *loop = conn->loop;

  while (conn->state != BENCH_CONN_CLOSED && loop->error == NULL)
    {
      ssize_t n = recv (conn->fd, loop->rbuf, READ_CHUNK, 0);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK)
            {
              g_autofree char *why = g_strdup_printf ("receive failed: %s", g_strerror (errno));
              conn_lost (conn, why);
            }
          return;
        }
      if (n == 0)
        {
          conn_lost (conn, "the server closed the TCP connection");
          return;
        }

      if (conn->state == BENCH_CONN_HANDSHAKE || (conn->in && conn->in->len > 0))
        {
          gsize used;

          if (conn->in == NULL)
            conn->in = g_byte_array_sized_new (n);
          g_byte_array_append (conn->in, loop->rbuf, n);
          if (conn->state == BENCH_CONN_HANDSHAKE)
            {
              if (!check_handshake_reply (conn))
                return;
              if (loop->handlers.on_open)
                loop->handlers.on_open (conn, loop->user_data);
            }
          used = process_frames (conn, conn->in->data, conn->in->len);
          if (conn->state != BENCH_CONN_CLOSED)
            g_byte_array_remove_range (conn->in, 0, used);
        }
      else
        {
          gsize used = process_frames (conn, loop->rbuf, n);

          if (conn->state != BENCH_CONN_CLOSED && used < (gsize) n)
            {
              if (conn->in == NULL)
                conn->in = g_byte_array_sized_new (n - used);
              g_byte_array_append (conn->in, loop->rbuf + used, n - used);
            }
        }
      if (n < READ_CHUNK)
        return;
    }
}

/* --- frames out ---------------------------------------------------------- */

static void
conn_flush (BenchConn *conn)
{
  while (conn->state != BENCH_CONN_CLOSED && conn->out && conn->out_off < conn->out->len)
    {
      ssize_t n = send (conn->fd, conn->out->data + conn->out_off, conn->out->len - conn->out_off,
                        MSG_NOSIGNAL);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              set_epoll_out (conn, TRUE);
              return;
            }
          {
            g_autofree char *why = g_strdup_printf ("send failed: %s", g_strerror (errno));
            conn_lost (conn, why);
          }
          return;
        }
      conn->out_off += n;
    }
  if (conn->state == BENCH_CONN_CLOSED || conn->out == NULL)
    return;
  g_byte_array_set_size (conn->out, 0);
  conn->out_off = 0;
  set_epoll_out (conn, FALSE);
}

/* --- loop ---------------------------------------------------------------- */

BenchLoop *
bench_loop_new (guint16 port)
{
  BenchLoop *loop = g_new0 (BenchLoop, 1);

  loop->epfd = epoll_create1 (EPOLL_CLOEXEC);
  g_assert (loop->epfd >= 0);
  loop->timerfd = -1;
  loop->port = port;
  loop->rbuf = g_malloc (READ_CHUNK);
  loop->rng = ((guint64) g_random_int () << 32 | g_random_int ()) | 1;
  return loop;
}

static void
free_dead (BenchLoop *loop)
{
  while (loop->dead)
    {
      BenchConn *conn = loop->dead;

      loop->dead = conn->dead_next;
      conn_free (conn);
    }
}

void
bench_loop_free (BenchLoop *loop)
{
  if (loop == NULL)
    return;
  while (loop->conns)
    conn_release (loop->conns);
  loop->dirty = NULL;
  free_dead (loop);
  if (loop->timerfd >= 0)
    close (loop->timerfd);
  close (loop->epfd);
  g_free (loop->rbuf);
  g_clear_error (&loop->error);
  g_free (loop);
}

void
bench_loop_set_handlers (BenchLoop *loop, const BenchHandlers *handlers, gpointer user_data)
{
  loop->handlers = *handlers;
  loop->user_data = user_data;
}

void
bench_loop_set_timer (BenchLoop *loop, guint interval_us)
{
  struct itimerspec spec = { 0 };

  if (loop->timerfd < 0)
    {
      struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

      if (interval_us == 0)
        return;
      loop->timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
      g_assert (loop->timerfd >= 0);
      epoll_ctl (loop->epfd, EPOLL_CTL_ADD, loop->timerfd, &ev);
    }
  spec.it_interval.tv_sec = interval_us / G_USEC_PER_SEC;
  spec.it_interval.tv_nsec = (interval_us % G_USEC_PER_SEC) * 1000;
  spec.it_value = spec.it_interval;
  timerfd_settime (loop->timerfd, 0, &spec, NULL);
}

void
bench_loop_fail (BenchLoop *loop, BenchError code, const char *format, ...)
{
  va_list args;

  if (loop->error)
    return;
  va_start (args, format);
  loop->error = g_error_new_valist (BENCH_ERROR, code, format, args);
  va_end (args);
}

gboolean
bench_loop_failed (BenchLoop *loop)
{
  return loop->error != NULL;
}

guint
bench_loop_get_n_conns (BenchLoop *loop)
{
  return loop->n_conns;
}

gboolean
bench_loop_iterate (BenchLoop *loop, int timeout_ms, GError **error)
{
  struct epoll_event events[MAX_EVENTS];
  int n;

  if (loop->error == NULL)
    {
      n = epoll_wait (loop->epfd, events, MAX_EVENTS, timeout_ms);
      if (n < 0 && errno != EINTR)
        bench_loop_fail (loop, BENCH_ERROR_SETUP, "epoll_wait: %s", g_strerror (errno));

      for (int i = 0; i < n && loop->error == NULL; i++)
        {
          BenchConn *conn = events[i].data.ptr;
          guint32 ev = events[i].events;

          if (conn == NULL)
            {
              guint64 expirations;

              if (read (loop->timerfd, &expirations, sizeof expirations) > 0 &&
                  loop->handlers.on_tick)
                loop->handlers.on_tick (loop->user_data);
              continue;
            }
          if (conn->state == BENCH_CONN_CLOSED)
            continue;
          if (conn->state == BENCH_CONN_CONNECTING)
            {
              finish_connect (conn);
              continue;
            }
          if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
            conn_read (conn);
          if ((ev & EPOLLOUT) && conn->state != BENCH_CONN_CLOSED)
            conn_flush (conn);
        }

      /* One send() per connection for everything queued in this iteration. */
      while (loop->dirty)
        {
          BenchConn *conn = loop->dirty;

          loop->dirty = conn->dirty_next;
          conn->dirty = FALSE;
          conn_flush (conn);
        }
      free_dead (loop);
    }

  if (loop->error)
    {
      g_propagate_error (error, g_error_copy (loop->error));
      return FALSE;
    }
  return TRUE;
}

/* --- connections --------------------------------------------------------- */

BenchConn *
bench_conn_open (BenchLoop *loop, guint index, gpointer data, GError **error)
{
  struct sockaddr_in addr = {
    .sin_family = AF_INET,
    .sin_port = htons (loop->port),
    .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
  };
  struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };
  BenchConn *conn;
  int one = 1;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      int err = errno;
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP,
                   "cannot open connection %u: %s%s", loop->n_conns + 1, g_strerror (err),
                   err == EMFILE || err == ENFILE ? " (raise RLIMIT_NOFILE: ulimit -n)" : "");
      return NULL;
    }
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0 && errno != EINPROGRESS)
    {
      int err = errno;
      close (fd);
      g_set_error (error, BENCH_ERROR, err == ECONNREFUSED ? BENCH_ERROR_SERVER_DIED
                                                           : BENCH_ERROR_SETUP,
                   "cannot connect to 127.0.0.1:%u: %s", loop->port, g_strerror (err));
      return NULL;
    }

  conn = g_new0 (BenchConn, 1);
  conn->loop = loop;
  conn->fd = fd;
  conn->index = index;
  conn->data = data;
  conn->state = BENCH_CONN_CONNECTING;
  conn->epoll_out = TRUE;
  conn->next = loop->conns;
  if (loop->conns)
    loop->conns->prev = conn;
  loop->conns = conn;
  loop->n_conns++;

  ev.data.ptr = conn;
  epoll_ctl (loop->epfd, EPOLL_CTL_ADD, fd, &ev);
  return conn;
}

void
bench_conn_send_text (BenchConn *conn, const char *text, gsize len)
{
  g_return_if_fail (conn->state == BENCH_CONN_OPEN);
  queue_frame (conn, OP_TEXT, (const guint8 *) text, len);
}

void
bench_loop_close_all (BenchLoop *loop, gboolean reset)
{
  while (loop->conns)
    bench_conn_close (loop->conns, reset);
}

void
bench_conn_close (BenchConn *conn, gboolean reset)
{
  if (conn->state == BENCH_CONN_CLOSED)
    return;
  if (reset)
    {
      struct linger lg = { .l_onoff = 1, .l_linger = 0 };
      setsockopt (conn->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
  conn_release (conn);
}

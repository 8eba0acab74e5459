/* zero-signaling-server-ws.c: WebSocket framing and socket I/O of the server.
 *
 * Why not SoupWebsocketConnection: in libsoup 3.2 each connection re-creates
 * its GSource on every read, reads 1 KiB at a time, keeps a 1 KiB buffer and
 * a per-connection keep-alive timer, answers an oversized frame by dropping
 * the socket without the 1009 close PROTOCOL.md requires, and has no public
 * way to send a ping. GLib's poll()-based main loop also costs O(connections)
 * per iteration. So SoupServer does HTTP, TLS and the handshake, and the
 * upgraded sockets live here:
 * - one epoll set, polled by a single GSource on the server's context;
 * - one shared read buffer; a connection holds bytes only while a frame is
 *   incomplete or output is waiting, so an idle one costs ~250 bytes;
 * - output queued during one dispatch is written with one send() per
 *   connection at its end; server frames are unmasked, so one frame built
 *   for a broadcast is copied to every member;
 * - one periodic sweep sends pings and drops silent connections: no timer
 *   per connection. Any received byte, pong frames included, counts as life,
 *   so an idle browser (whose WebSocket answers pings) is never dropped and
 *   a half-open socket is. */
#include "signaling/zero-signaling-server-private.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)
#define MAX_EVENTS 128
#define CLOSE_GRACE_US (2 * G_USEC_PER_SEC)

enum
{
  OP_CONTINUATION = 0x0,
  OP_TEXT = 0x1,
  OP_BINARY = 0x2,
  OP_CLOSE = 0x8,
  OP_PING = 0x9,
  OP_PONG = 0xA,
};

typedef struct
{
  GSource base;
  ZeroSignalingServer *server;
} IoSource;

static void conn_destroy (ZeroConn *conn);
static void conn_flush (ZeroConn *conn);

/* --- frames out ---------------------------------------------------------- */

static gsize
write_header (guint8 *h, guint8 opcode, gsize len)
{
  h[0] = 0x80 | opcode;
  if (len < 126)
    {
      h[1] = (guint8) len;
      return 2;
    }
  if (len <= G_MAXUINT16)
    {
      h[1] = 126;
      h[2] = (guint8) (len >> 8);
      h[3] = (guint8) len;
      return 4;
    }
  h[1] = 127;
  for (int i = 0; i < 8; i++)
    h[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
  return 10;
}

void
_zero_frame_begin (GString *out)
{
  g_string_truncate (out, 0);
  g_string_set_size (out, ZERO_FRAME_HEADROOM);
}

const guint8 *
_zero_frame_finish (GString *out, gsize *len)
{
  guint8 h[ZERO_FRAME_HEADROOM];
  gsize payload = out->len - ZERO_FRAME_HEADROOM;
  gsize hl = write_header (h, OP_TEXT, payload);
  guint8 *start = (guint8 *) out->str + ZERO_FRAME_HEADROOM - hl;

  memcpy (start, h, hl);
  *len = hl + payload;
  return start;
}

static void
conn_append (ZeroConn *conn, const guint8 *a, gsize alen, const guint8 *b, gsize blen)
{
  ZeroSignalingServer *self = conn->server;

  if (conn->state != CONN_OPEN)
    return; /* nothing follows our close frame */

  if (conn->wbuf == NULL)
    conn->wbuf = g_byte_array_sized_new ((guint) MAX (alen + blen, 256));
  else if (conn->woff > 0 && conn->woff >= conn->wbuf->len / 2)
    {
      g_byte_array_remove_range (conn->wbuf, 0, (guint) conn->woff);
      conn->woff = 0;
    }
  g_byte_array_append (conn->wbuf, a, (guint) alen);
  if (blen)
    g_byte_array_append (conn->wbuf, b, (guint) blen);

  if (!conn->dirty)
    {
      conn->dirty = TRUE;
      conn->dirty_next = self->dirty;
      self->dirty = conn;
    }
}

void
_zero_conn_send_frame (ZeroConn *conn, const guint8 *frame, gsize len)
{
  conn_append (conn, frame, len, NULL, 0);
}

void
_zero_conn_send_text (ZeroConn *conn, const char *data, gsize len)
{
  guint8 h[ZERO_FRAME_HEADROOM];
  gsize hl = write_header (h, OP_TEXT, len);

  conn_append (conn, h, hl, (const guint8 *) data, len);
}

static void
send_control (ZeroConn *conn, guint8 opcode, const guint8 *payload, gsize len)
{
  guint8 frame[2 + 125];

  g_assert (len <= 125);
  frame[0] = 0x80 | opcode;
  frame[1] = (guint8) len;
  if (len)
    memcpy (frame + 2, payload, len);
  conn_append (conn, frame, 2 + len, NULL, 0);
}

/* --- closing ------------------------------------------------------------- */

void
_zero_conn_close (ZeroConn *conn, guint16 code, const char *reason)
{
  guint8 payload[125];
  gsize len = 0;

  if (conn->state != CONN_OPEN)
    {
      if (code == 0)
        conn_destroy (conn);
      return;
    }
  if (code == 0)
    {
      conn_destroy (conn);
      return;
    }

  payload[len++] = (guint8) (code >> 8);
  payload[len++] = (guint8) code;
  if (reason)
    {
      gsize n = MIN (strlen (reason), sizeof payload - 2);
      memcpy (payload + len, reason, n);
      len += n;
    }
  send_control (conn, OP_CLOSE, payload, len);
  conn->state = CONN_CLOSING;
  conn->closing_since_us = g_get_monotonic_time ();
  g_clear_pointer (&conn->frag, g_byte_array_unref);
}

static void
protocol_error (ZeroConn *conn, const char *why)
{
  g_debug ("closing connection %p: %s", conn, why);
  if (conn->session)
    _zero_server_leave_session (conn->server, conn, ZERO_LEAVE_REASON_DISCONNECT);
  _zero_conn_close (conn, 1002, why);
}

static void
too_large (ZeroConn *conn, guint64 size)
{
  ZeroSignalingServer *self = conn->server;
  g_autofree char *msg = g_strdup_printf ("message of %" G_GUINT64_FORMAT
                                          " bytes is over the limit of %u bytes",
                                          size, self->max_frame);

  _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_TOO_LARGE, msg, NULL);
  if (conn->session)
    _zero_server_leave_session (self, conn, ZERO_LEAVE_REASON_DISCONNECT);
  _zero_conn_close (conn, 1009, "message too large");
}

static void
on_tls_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_object_unref (source);
}

static void
conn_destroy (ZeroConn *conn)
{
  ZeroSignalingServer *self = conn->server;

  if (conn->state == CONN_DEAD)
    return;
  if (conn->session)
    _zero_server_leave_session (self, conn, ZERO_LEAVE_REASON_DISCONNECT);

  epoll_ctl (self->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  if (conn->tls_stream)
    g_io_stream_close_async (g_steal_pointer (&conn->tls_stream), G_PRIORITY_DEFAULT, NULL,
                             on_tls_closed, NULL);
  else
    close (conn->fd);
  conn->fd = -1;

  if (conn->prev)
    conn->prev->next = conn->next;
  else
    self->conns = conn->next;
  if (conn->next)
    conn->next->prev = conn->prev;
  conn->prev = conn->next = NULL;
  self->n_connections--;

  conn->state = CONN_DEAD;
  conn->dead_next = self->dead;
  self->dead = conn;
}

static void
conn_free (ZeroConn *conn)
{
  g_free (conn->rbuf);
  g_clear_pointer (&conn->frag, g_byte_array_unref);
  g_clear_pointer (&conn->wbuf, g_byte_array_unref);
  g_free (conn->peer_id);
  g_free (conn->name);
  g_free (conn);
}

/* --- frames in ----------------------------------------------------------- */

static void
unmask (guint8 *p, gsize len, const guint8 *key)
{
  guint64 k8;
  gsize i = 0;

  for (int j = 0; j < 8; j++)
    ((guint8 *) &k8)[j] = key[j & 3];
  for (; i + 8 <= len; i += 8)
    {
      guint64 v;
      memcpy (&v, p + i, 8);
      v ^= k8;
      memcpy (p + i, &v, 8);
    }
  for (; i < len; i++)
    p[i] ^= key[i & 3];
}

static void
deliver (ZeroConn *conn, guint8 opcode, guint8 *data, gsize len)
{
  ZeroSignalingServer *self = conn->server;

  if (opcode == OP_BINARY)
    {
      self->metrics.messages_received++;
      _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
                               "binary frames are not supported: send one JSON object per text "
                               "frame", NULL);
      return;
    }

  /* RFC 6455 §8.1: invalid UTF-8 in a text frame fails the connection (1007).
   * A NUL byte is valid UTF-8 but never valid JSON: that is a bad message. */
  if (!g_utf8_validate_len ((const char *) data, len, NULL) && memchr (data, 0, len) == NULL)
    {
      self->metrics.messages_received++;
      _zero_server_send_error (self, conn, ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
                               "text frame is not valid UTF-8", NULL);
      if (conn->session)
        _zero_server_leave_session (self, conn, ZERO_LEAVE_REASON_DISCONNECT);
      _zero_conn_close (conn, 1007, "invalid UTF-8");
      return;
    }
  _zero_server_handle_text (self, conn, (const char *) data, len);
}

static void
handle_close_frame (ZeroConn *conn, const guint8 *payload, gsize len)
{
  guint16 code = 1000;

  if (conn->state == CONN_CLOSING)
    {
      conn_destroy (conn); /* the answer to our close */
      return;
    }
  if (len == 1)
    {
      protocol_error (conn, "bad close frame");
      return;
    }
  if (len >= 2)
    {
      guint16 c = (guint16) (payload[0] << 8 | payload[1]);
      gboolean valid = (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) ||
                       (c >= 3000 && c <= 4999);
      if (!valid)
        {
          protocol_error (conn, "bad close code");
          return;
        }
      code = c;
    }

  /* The peer closes: answer, and close the socket once the answer is out. */
  if (conn->session)
    _zero_server_leave_session (conn->server, conn, ZERO_LEAVE_REASON_DISCONNECT);
  _zero_conn_close (conn, code, NULL);
  conn->destroy_after_flush = TRUE;
}

static void
handle_frame (ZeroConn *conn, gboolean fin, guint8 opcode, guint8 *payload, gsize len)
{
  ZeroSignalingServer *self = conn->server;

  switch (opcode)
    {
    case OP_CLOSE:
      handle_close_frame (conn, payload, len);
      return;
    case OP_PING:
      if (conn->state == CONN_OPEN)
        send_control (conn, OP_PONG, payload, len);
      return;
    case OP_PONG:
      return; /* any arrival already counts as life */
    default:
      break;
    }

  if (conn->state != CONN_OPEN)
    return; /* data after our close frame is discarded */

  if (opcode == OP_CONTINUATION)
    {
      if (conn->frag == NULL)
        {
          protocol_error (conn, "continuation frame without a first fragment");
          return;
        }
      if (conn->frag->len + len > self->max_frame)
        {
          too_large (conn, conn->frag->len + len);
          return;
        }
      g_byte_array_append (conn->frag, payload, (guint) len);
      if (fin)
        {
          g_autoptr (GByteArray) message = g_steal_pointer (&conn->frag);
          deliver (conn, conn->frag_opcode, message->data, message->len);
        }
      return;
    }

  if (conn->frag != NULL)
    {
      protocol_error (conn, "new message before the last fragment of the previous one");
      return;
    }
  if (!fin)
    {
      conn->frag = g_byte_array_sized_new ((guint) MAX (len, 256));
      conn->frag_opcode = opcode;
      g_byte_array_append (conn->frag, payload, (guint) len);
      return;
    }
  deliver (conn, opcode, payload, len);
}

/* Handles every complete frame in buf[0..len); returns the bytes used. */
static gsize
process_frames (ZeroConn *conn, guint8 *buf, gsize len)
{
  ZeroSignalingServer *self = conn->server;
  gsize pos = 0;

  while (conn->state != CONN_DEAD && !conn->destroy_after_flush)
    {
      guint8 *h = buf + pos;
      gsize avail = len - pos;
      gboolean fin;
      guint8 opcode;
      guint64 plen;
      gsize hl = 2;

      if (avail < 2)
        break;
      fin = (h[0] & 0x80) != 0;
      opcode = h[0] & 0x0F;
      plen = h[1] & 0x7F;

      if (h[0] & 0x70)
        {
          protocol_error (conn, "reserved bits set (no extension was negotiated)");
          return len;
        }
      if (!(h[1] & 0x80))
        {
          protocol_error (conn, "client frames must be masked");
          return len;
        }
      if (opcode & 0x8)
        {
          if (opcode != OP_CLOSE && opcode != OP_PING && opcode != OP_PONG)
            {
              protocol_error (conn, "unknown control opcode");
              return len;
            }
          if (!fin || plen > 125)
            {
              protocol_error (conn, "bad control frame");
              return len;
            }
        }
      else if (opcode > OP_BINARY)
        {
          protocol_error (conn, "unknown data opcode");
          return len;
        }

      if (plen == 126)
        {
          if (avail < 4)
            break;
          plen = (guint64) h[2] << 8 | h[3];
          hl = 4;
          if (plen < 126)
            {
              protocol_error (conn, "length not minimally encoded");
              return len;
            }
        }
      else if (plen == 127)
        {
          if (avail < 10)
            break;
          plen = 0;
          for (int i = 0; i < 8; i++)
            plen = plen << 8 | h[2 + i];
          hl = 10;
          if (plen <= G_MAXUINT16 || (plen >> 63))
            {
              protocol_error (conn, "bad 64-bit length");
              return len;
            }
        }

      /* Refuse an oversized message from its header, before buffering it. */
      if (!(opcode & 0x8) && plen > self->max_frame)
        {
          if (conn->state == CONN_OPEN)
            too_large (conn, plen);
          else
            conn_destroy (conn);
          return len;
        }

      if (avail - hl < 4 + plen)
        break;

      unmask (h + hl + 4, (gsize) plen, h + hl);
      pos += hl + 4 + (gsize) plen;
      handle_frame (conn, fin, opcode, h + hl + 4, (gsize) plen);
    }
  return pos;
}

/* Processes rx[0..len) for @conn and keeps what is left of an incomplete frame. */
static void
conn_consume (ZeroConn *conn, guint8 *data, gsize len)
{
  gsize used = process_frames (conn, data, len);

  g_clear_pointer (&conn->rbuf, g_free);
  conn->rlen = 0;
  if (conn->state != CONN_DEAD && used < len)
    {
      conn->rbuf = g_memdup2 (data + used, len - used);
      conn->rlen = (guint32) (len - used);
    }
}

static void
conn_lost (ZeroConn *conn, const char *why)
{
  g_debug ("connection %p lost: %s", conn, why);
  if (conn->session)
    _zero_server_leave_session (conn->server, conn, ZERO_LEAVE_REASON_DISCONNECT);
  conn_destroy (conn);
}

static void
conn_read (ZeroConn *conn)
{
  ZeroSignalingServer *self = conn->server;
  guint8 *rx = self->rx;

  /* A few reads at most, so one busy client cannot starve the others;
   * epoll is level-triggered and reports the rest. TLS must drain fully: its
   * decrypted bytes wait in GnuTLS where epoll cannot see them. */
  for (int round = 0; conn->tls_stream || round < 4; round++)
    {
      gsize have = conn->rlen;
      gsize want = self->rx_size - have;
      gssize n;

      if (conn->state == CONN_DEAD || conn->destroy_after_flush)
        return;
      if (have)
        memcpy (rx, conn->rbuf, have);

      if (conn->tls_stream)
        {
          g_autoptr (GError) error = NULL;
          GInputStream *in = g_io_stream_get_input_stream (conn->tls_stream);

          n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (in), rx + have,
                                                        want, NULL, &error);
          if (n < 0)
            {
              if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                return;
              conn_lost (conn, error->message);
              return;
            }
        }
      else
        {
          n = recv (conn->fd, rx + have, want, 0);
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
              conn_lost (conn, g_strerror (errno));
              return;
            }
        }

      if (n == 0)
        {
          if (conn->state == CONN_CLOSING)
            conn_destroy (conn);
          else
            conn_lost (conn, "end of stream");
          return;
        }

      self->metrics.bytes_received += (guint64) n;
      conn->last_rx_us = g_get_monotonic_time ();
      conn_consume (conn, rx, have + (gsize) n);

      if (!conn->tls_stream && (gsize) n < want)
        return; /* drained: don't pay for a recv() that says EAGAIN */
    }
}

static void
set_epoll_out (ZeroConn *conn, gboolean on)
{
  struct epoll_event ev = { 0 };

  if (conn->epoll_out == (guint) on)
    return;
  ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
  ev.data.ptr = conn;
  epoll_ctl (conn->server->epfd, EPOLL_CTL_MOD, conn->fd, &ev);
  conn->epoll_out = on;
}

static void
conn_flush (ZeroConn *conn)
{
  ZeroSignalingServer *self = conn->server;

  while (conn->wbuf && conn->woff < conn->wbuf->len)
    {
      const guint8 *data = conn->wbuf->data + conn->woff;
      gsize len = conn->wbuf->len - conn->woff;
      gssize n;

      if (conn->tls_stream)
        {
          g_autoptr (GError) error = NULL;
          GOutputStream *out = g_io_stream_get_output_stream (conn->tls_stream);

          n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out), data,
                                                          len, NULL, &error);
          if (n < 0)
            {
              if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                break;
              conn_lost (conn, error->message);
              return;
            }
        }
      else
        {
          n = send (conn->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
              conn_lost (conn, g_strerror (errno));
              return;
            }
        }
      conn->woff += (gsize) n;
      self->metrics.bytes_sent += (guint64) n;
    }

  if (conn->wbuf && conn->woff < conn->wbuf->len)
    {
      /* A reader that never reads must not make us buffer without bound. */
      if (conn->wbuf->len - conn->woff > self->max_queued)
        {
          conn_lost (conn, "too much unsent output (peer not reading)");
          return;
        }
      set_epoll_out (conn, TRUE);
      return;
    }

  g_clear_pointer (&conn->wbuf, g_byte_array_unref);
  conn->woff = 0;
  set_epoll_out (conn, FALSE);
  if (conn->destroy_after_flush)
    conn_destroy (conn);
}

/* --- dispatch ------------------------------------------------------------ */

void
_zero_server_enter (ZeroSignalingServer *self)
{
  self->dispatch_depth++;
}

void
_zero_server_leave (ZeroSignalingServer *self)
{
  g_assert (self->dispatch_depth > 0);
  if (--self->dispatch_depth > 0)
    return;

  /* Flushing may close connections, which may queue peer-left for others:
   * keep going until the list stays empty. */
  while (self->dirty)
    {
      ZeroConn *conn = self->dirty;
      self->dirty = conn->dirty_next;
      conn->dirty_next = NULL;
      conn->dirty = FALSE;
      if (conn->state != CONN_DEAD)
        conn_flush (conn);
    }
  while (self->dead)
    {
      ZeroConn *conn = self->dead;
      self->dead = conn->dead_next;
      conn_free (conn);
    }
}

/* --- accepting ----------------------------------------------------------- */

/* The GSocketConnection under a stream: SoupIOStream ("base-iostream") over
 * an optional GTlsConnection ("base-io-stream") over the one we accepted. It
 * stays owned by @stream. */
static GSocketConnection *
stream_connection (GIOStream *stream)
{
  GIOStream *base = stream;
  g_autoptr (GIOStream) held = NULL;

  for (int depth = 0; depth < 4 && base && !G_IS_SOCKET_CONNECTION (base); depth++)
    {
      GIOStream *next = NULL;
      const char *property = G_IS_TLS_CONNECTION (base) ? "base-io-stream" : "base-iostream";

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (base), property) == NULL)
        return NULL;
      g_object_get (base, property, &next, NULL);
      g_clear_object (&held);
      held = next;
      base = next;
    }
  if (base == NULL || !G_IS_SOCKET_CONNECTION (base))
    return NULL;
  return G_SOCKET_CONNECTION (base);
}

static GSocket *
stream_socket (GIOStream *stream)
{
  GSocketConnection *connection = stream_connection (stream);
  return connection ? g_socket_connection_get_socket (connection) : NULL;
}

/* Hands a new connection to SoupServer, which reads the HTTP request. */
static void
accept_stream (ZeroSignalingServer *self, GIOStream *stream)
{
  GSocket *socket = stream_socket (stream);
  g_autoptr (GSocketAddress) local = socket ? g_socket_get_local_address (socket, NULL) : NULL;
  g_autoptr (GSocketAddress) remote = socket ? g_socket_get_remote_address (socket, NULL) : NULL;
  g_autoptr (GError) error = NULL;

  /* The peer may already be gone (reset before accept): then no address. */
  if (local == NULL || remote == NULL)
    {
      g_io_stream_close (stream, NULL, NULL);
      return;
    }
  if (!soup_server_accept_iostream (self->soup, stream, local, remote, &error))
    g_debug ("SoupServer refused a connection: %s", error->message);
}


static void
on_tls_handshake (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  GIOStream *tls = G_IO_STREAM (source);

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result, &error))
    {
      /* Cancelled means the server is gone: don't touch it. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("TLS handshake failed: %s", error->message);
      g_object_unref (tls);
      return;
    }
  accept_stream (user_data, tls);
  g_object_unref (tls);
}

/* We accept connections ourselves and hand them to SoupServer for HTTP: the
 * SoupListener of libsoup 3.2.3 leaks every accepted GSocket (fixed upstream
 * in "soup-listener: Plug a leak"), and accepting here takes a whole batch
 * per wake-up instead of one per main-loop iteration. */
static void
accept_connections (ZeroSignalingServer *self)
{
  for (int i = 0; i < 64 && self->listener; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocket) client = g_socket_accept (self->listener, NULL, &error);
      g_autoptr (GSocketConnection) connection = NULL;

      if (client == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return;
          /* Out of descriptors (EMFILE): stop polling the listener, or it
           * would wake us forever; the sweep resumes it. */
          g_warning ("cannot accept a connection: %s", error->message);
          epoll_ctl (self->epfd, EPOLL_CTL_DEL, g_socket_get_fd (self->listener), NULL);
          self->accept_paused = TRUE;
          return;
        }
      g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      connection = g_socket_connection_factory_create_connection (client);
      /* Until it becomes a WebSocket, SoupServer has it, with no time limit. */
      g_hash_table_insert (self->pending, g_object_ref (connection),
                           GSIZE_TO_POINTER ((gsize) (g_get_monotonic_time () / 1000 +
                                                      self->http_timeout_ms)));

      if (self->tls_certificate)
        {
          GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (connection),
                                                        self->tls_certificate, &error);
          if (tls == NULL)
            {
              g_warning ("cannot start TLS: %s", error->message);
              continue;
            }
          g_object_set (tls, "require-close-notify", FALSE, NULL);
          g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                            self->cancellable, on_tls_handshake, self);
        }
      else
        accept_stream (self, G_IO_STREAM (connection));
    }
}

/* Closes connections still not upgraded after http-timeout: a client that
 * connects and never finishes its request (or a TLS handshake) would
 * otherwise hold a socket and SoupServer's state forever. */
static void
expire_pending (ZeroSignalingServer *self, gint64 now_us)
{
  GHashTableIter iter;
  gpointer key, value;
  gsize now_ms = (gsize) (now_us / 1000);

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_SIZE (value) <= now_ms)
      {
        g_debug ("closing a connection that did not upgrade to WebSocket in time");
        g_io_stream_close (G_IO_STREAM (key), NULL, NULL);
        g_hash_table_iter_remove (&iter);
      }
}

static void
resume_accepting (ZeroSignalingServer *self)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = self };

  if (self->listener && self->accept_paused &&
      epoll_ctl (self->epfd, EPOLL_CTL_ADD, g_socket_get_fd (self->listener), &ev) == 0)
    self->accept_paused = FALSE;
}

void
_zero_server_stop_listening (ZeroSignalingServer *self)
{
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  expire_pending (self, G_MAXINT64 / 2);
  if (self->listener == NULL)
    return;
  if (!self->accept_paused && self->epfd >= 0)
    epoll_ctl (self->epfd, EPOLL_CTL_DEL, g_socket_get_fd (self->listener), NULL);
  g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
}

static gboolean
io_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  ZeroSignalingServer *self = ((IoSource *) source)->server;
  struct epoll_event events[MAX_EVENTS];
  int n;

  n = epoll_wait (self->epfd, events, MAX_EVENTS, 0);
  if (n <= 0)
    return G_SOURCE_CONTINUE;

  _zero_server_enter (self);
  for (int i = 0; i < n; i++)
    {
      ZeroConn *conn = events[i].data.ptr;

      if (events[i].data.ptr == (gpointer) self)
        {
          accept_connections (self);
          continue;
        }
      /* A connection closed earlier in this batch is still allocated. */
      if (conn->state == CONN_DEAD)
        continue;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        conn_read (conn);
      if (conn->state != CONN_DEAD && (events[i].events & EPOLLOUT))
        conn_flush (conn);
    }
  _zero_server_leave (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs io_source_funcs = {
  NULL, NULL, io_dispatch, NULL, NULL, NULL,
};

static gboolean
on_sweep (gpointer user_data)
{
  ZeroSignalingServer *self = user_data;

  _zero_server_enter (self);
  _zero_server_sweep (self, g_get_monotonic_time ());
  _zero_server_leave (self);
  return G_SOURCE_CONTINUE;
}

void
_zero_server_sweep (ZeroSignalingServer *self, gint64 now)
{
  gint64 ping_us = (gint64) self->ping_interval_ms * 1000;
  gint64 timeout_us = (gint64) self->timeout_ms * 1000;
  ZeroConn *next;

  resume_accepting (self);
  expire_pending (self, now);

  for (ZeroConn *conn = self->conns; conn; conn = next)
    {
      gint64 idle = now - conn->last_rx_us;

      next = conn->next;
      if (conn->state == CONN_CLOSING)
        {
          if (now - conn->closing_since_us >= MIN (CLOSE_GRACE_US, MAX (timeout_us, 1)))
            conn_destroy (conn);
          continue;
        }
      if (conn->state != CONN_OPEN)
        continue;
      if (timeout_us > 0 && idle >= timeout_us)
        {
          g_debug ("connection %p silent for %" G_GINT64_FORMAT " ms: dropping", conn,
                   idle / 1000);
          self->metrics.timeouts++;
          if (conn->session)
            _zero_server_leave_session (self, conn, ZERO_LEAVE_REASON_TIMEOUT);
          /* Best effort: the peer is probably gone, so don't wait for it. */
          _zero_conn_close (conn, 1001, "timeout");
          conn->destroy_after_flush = TRUE;
          conn_flush (conn);
          conn_destroy (conn);
          continue;
        }
      if (ping_us > 0 && idle >= ping_us && now - conn->last_ping_us >= ping_us)
        {
          send_control (conn, OP_PING, (const guint8 *) "zero", 4);
          conn->last_ping_us = now;
        }
    }
}

static gboolean
start_listening (ZeroSignalingServer *self, GSocketAddress *address, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = self };

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_listen_backlog (socket, 1024);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  if (epoll_ctl (self->epfd, EPOLL_CTL_ADD, g_socket_get_fd (socket), &ev) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "epoll_ctl: %s",
                   g_strerror (errsv));
      return FALSE;
    }
  self->listener = g_steal_pointer (&socket);
  self->accept_paused = FALSE;
  return TRUE;
}

gboolean
_zero_server_io_start (ZeroSignalingServer *self, GSocketAddress *address, GError **error)
{
  guint period;

  self->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->epfd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "epoll_create1: %s",
                   g_strerror (errsv));
      return FALSE;
    }
  self->cancellable = g_cancellable_new ();
  if (!start_listening (self, address, error))
    {
      _zero_server_io_stop (self);
      return FALSE;
    }
  self->rx_size = (gsize) self->max_frame + 16 + READ_CHUNK;
  self->rx = g_malloc (self->rx_size);

  self->io_source = g_source_new (&io_source_funcs, sizeof (IoSource));
  ((IoSource *) self->io_source)->server = self;
  g_source_set_name (self->io_source, "zero-signaling-io");
  g_source_add_unix_fd (self->io_source, self->epfd, G_IO_IN);
  g_source_attach (self->io_source, self->context);

  /* Fine enough to ping on time and drop within a quarter of the timeout. */
  period = MIN (MIN (self->ping_interval_ms ? self->ping_interval_ms : G_MAXUINT,
                     self->timeout_ms ? self->timeout_ms : G_MAXUINT),
                self->http_timeout_ms) / 4;
  period = CLAMP (period, 10, 5000);
  self->sweep_source = g_timeout_source_new (period);
  g_source_set_name (self->sweep_source, "zero-signaling-sweep");
  g_source_set_callback (self->sweep_source, on_sweep, self, NULL);
  g_source_attach (self->sweep_source, self->context);
  return TRUE;
}

void
_zero_server_io_stop (ZeroSignalingServer *self)
{
  _zero_server_stop_listening (self);
  g_clear_object (&self->cancellable);
  _zero_server_enter (self);
  while (self->conns)
    conn_destroy (self->conns);
  self->dirty = NULL; /* dead connections need no flush */
  _zero_server_leave (self);

  if (self->io_source)
    {
      g_source_destroy (self->io_source);
      g_clear_pointer (&self->io_source, g_source_unref);
    }
  if (self->sweep_source)
    {
      g_source_destroy (self->sweep_source);
      g_clear_pointer (&self->sweep_source, g_source_unref);
    }
  if (self->epfd >= 0)
    close (self->epfd);
  self->epfd = -1;
  g_clear_pointer (&self->rx, g_free);
}

void
_zero_server_adopt (ZeroSignalingServer *self, GIOStream *stream)
{
  GSocketConnection *connection = stream_connection (stream);
  GSocket *socket = connection ? g_socket_connection_get_socket (connection) : NULL;
  struct epoll_event ev = { 0 };
  ZeroConn *conn;
  int fd;

  if (socket == NULL || self->epfd < 0 || self->shut_down)
    {
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  g_hash_table_remove (self->pending, connection);
  fd = g_socket_get_fd (socket);

  conn = g_new0 (ZeroConn, 1);
  conn->server = self;
  conn->state = CONN_OPEN;
  conn->last_rx_us = g_get_monotonic_time ();
  conn->last_ping_us = conn->last_rx_us;
  conn->tokens = self->rate_burst ? self->rate_burst : 2.0 * self->rate_limit;
  conn->tokens_us = conn->last_rx_us;

  if (self->tls_certificate)
    {
      conn->tls_stream = g_object_ref (stream);
      conn->fd = fd;
    }
  else
    {
      /* Keep only a duplicate of the descriptor: the GSocket, GSocketConnection
       * and SoupIOStream (about 2 KiB) go away with @stream. */
      conn->fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
      if (conn->fd < 0)
        {
          g_warning ("could not duplicate a socket: %s", g_strerror (errno));
          g_free (conn);
          g_io_stream_close (stream, NULL, NULL);
          return;
        }
    }

  ev.events = EPOLLIN;
  ev.data.ptr = conn;
  if (epoll_ctl (self->epfd, EPOLL_CTL_ADD, conn->fd, &ev) < 0)
    {
      g_warning ("epoll_ctl: %s", g_strerror (errno));
      if (!conn->tls_stream)
        close (conn->fd);
      g_clear_object (&conn->tls_stream);
      g_free (conn);
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  conn->next = self->conns;
  if (self->conns)
    self->conns->prev = conn;
  self->conns = conn;
  self->n_connections++;
  self->metrics.connections_total++;

  _zero_server_enter (self);
  if (conn->tls_stream)
    conn_read (conn);
  else
    {
      /* The HTTP reader may hold bytes that followed the handshake. */
      GInputStream *in = g_io_stream_get_input_stream (stream);
      for (;;)
        {
          gsize have = conn->rlen;
          gssize n;

          if (have)
            memcpy (self->rx, conn->rbuf, have);
          n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (in),
                                                        self->rx + have, self->rx_size - have,
                                                        NULL, NULL);
          if (n <= 0 || conn->state != CONN_OPEN)
            break;
          self->metrics.bytes_received += (guint64) n;
          conn_consume (conn, self->rx, have + (gsize) n);
        }
      /* Close the original descriptor now: whatever still holds the GSocket
       * must not keep the connection open after we close our duplicate. */
      g_socket_close (socket, NULL);
    }
  _zero_server_leave (self);
}

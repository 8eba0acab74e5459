/* signaling-test-util.c: raw WebSocket client for the tests. */
#include "signaling-test-util.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "signaling/zero-uuid.h"
#include "zero-test-util.h"

#if defined(__SANITIZE_ADDRESS__)
/* GCC 12's LeakSanitizer crashes ("Tracer caught signal 11") scanning the
 * dynamic TLS of dlopen()ed modules such as glib-networking's GnuTLS backend;
 * not intercepting __tls_get_addr avoids it. ASAN_OPTIONS still apply. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "intercept_tls_get_addr=0";
}
#endif

void
test_run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

char *
test_data_path (const char *name)
{
  const char *src = g_getenv ("ZERO_SOURCE_DIR");

  g_assert_nonnull (src);
  return g_build_filename (src, "tests", "signaling", name, NULL);
}

/* Writes everything, iterating the main context while the socket is full
 * (the server reads on the same thread). Stops quietly if the server closed. */
static void
write_all (RawWs *ws, const guint8 *data, gsize len)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (len > 0)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_send_with_blocking (ws->socket, (const char *) data, len, FALSE, NULL,
                                              &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_assert_cmpint (g_get_monotonic_time (), <, deadline);
              raw_ws_pump (ws);
              if (!g_main_context_iteration (NULL, FALSE))
                g_usleep (500);
              continue;
            }
          return; /* EPIPE / ECONNRESET: the server closed on us */
        }
      data += n;
      len -= (gsize) n;
    }
}

RawWs *
raw_ws_connect_full (guint port, const char *extra_headers, int rcvbuf)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, (guint16) port);
  g_autofree char *request = NULL;
  RawWs *ws = g_new0 (RawWs, 1);
  char *end;

  ws->in = g_byte_array_new ();
  ws->auto_pong = TRUE;
  g_queue_init (&ws->texts);
  ws->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                             &error);
  g_assert_no_error (error);
  if (rcvbuf > 0)
    g_socket_set_option (ws->socket, SOL_SOCKET, SO_RCVBUF, rcvbuf, NULL);
  /* as browsers do: no Nagle delay on small frames */
  g_socket_set_option (ws->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  g_socket_set_blocking (ws->socket, FALSE);
  /* Loopback connects complete in the kernel's backlog, before accept(). */
  if (!g_socket_connect (ws->socket, addr, NULL, &error))
    {
      g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING));
      g_clear_error (&error);
      ZERO_ASSERT_WAIT (g_socket_condition_check (ws->socket, G_IO_OUT) != 0, TEST_WAIT_MS);
      g_assert_true (g_socket_check_connect_result (ws->socket, &error));
    }

  request = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n%s\r\n",
                             port, extra_headers ? extra_headers : "");
  write_all (ws, (const guint8 *) request, strlen (request));

  /* Read the HTTP response (and keep whatever follows it). */
  ZERO_ASSERT_WAIT ((raw_ws_pump (ws), ws->handshake_response != NULL || ws->eof), TEST_WAIT_MS);
  g_assert_nonnull (ws->handshake_response);
  end = strstr (ws->handshake_response, "\r\n");
  g_assert_nonnull (end);
  if (!g_str_has_prefix (ws->handshake_response, "HTTP/1.1 101"))
    g_error ("handshake refused: %s", ws->handshake_response);
  /* RFC 6455 §1.3 sample key -> accept value */
  g_assert_nonnull (strstr (ws->handshake_response, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  return ws;
}

RawWs *
raw_ws_connect (guint port)
{
  return raw_ws_connect_full (port, NULL, 0);
}

void
raw_ws_drop (RawWs *ws)
{
  if (ws->socket)
    g_socket_close (ws->socket, NULL);
  g_clear_object (&ws->socket);
}

void
raw_ws_free (RawWs *ws)
{
  if (ws == NULL)
    return;
  raw_ws_drop (ws);
  g_byte_array_unref (ws->in);
  g_queue_clear_full (&ws->texts, g_free);
  g_free (ws->handshake_response);
  g_free (ws);
}

void
raw_ws_send_frame (RawWs *ws, guint8 first_byte, gboolean masked, const void *data, gsize len)
{
  g_autoptr (GByteArray) frame = g_byte_array_sized_new ((guint) len + 14);
  guint8 h[14];
  gsize hl = 2;
  guint8 key[4] = { 0x37, 0xfa, 0x21, 0x3d };

  h[0] = first_byte;
  if (len < 126)
    h[1] = (guint8) len;
  else if (len <= G_MAXUINT16)
    {
      h[1] = 126;
      h[2] = (guint8) (len >> 8);
      h[3] = (guint8) len;
      hl = 4;
    }
  else
    {
      h[1] = 127;
      for (int i = 0; i < 8; i++)
        h[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
      hl = 10;
    }
  if (masked)
    {
      h[1] |= 0x80;
      memcpy (h + hl, key, 4);
      hl += 4;
    }
  g_byte_array_append (frame, h, (guint) hl);
  g_byte_array_append (frame, data, (guint) len);
  if (masked)
    for (gsize i = 0; i < len; i++)
      frame->data[hl + i] ^= key[i & 3];
  if (ws->socket)
    write_all (ws, frame->data, frame->len);
}

void
raw_ws_send_text (RawWs *ws, const char *text)
{
  raw_ws_send_frame (ws, 0x81, TRUE, text, strlen (text));
}

void
raw_ws_send_printf (RawWs *ws, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  raw_ws_send_text (ws, text);
}

void
raw_ws_send_close (RawWs *ws, guint16 code)
{
  guint8 payload[2] = { (guint8) (code >> 8), (guint8) code };
  raw_ws_send_frame (ws, 0x88, TRUE, payload, 2);
}

static void
parse_frames (RawWs *ws)
{
  for (;;)
    {
      guint8 *h = ws->in->data;
      gsize avail = ws->in->len;
      guint64 len;
      gsize hl = 2;
      guint8 opcode;

      if (avail < 2)
        return;
      g_assert_false (h[1] & 0x80); /* servers never mask */
      opcode = h[0] & 0x0F;
      len = h[1] & 0x7F;
      if (len == 126)
        {
          if (avail < 4)
            return;
          len = (guint64) h[2] << 8 | h[3];
          hl = 4;
        }
      else if (len == 127)
        {
          if (avail < 10)
            return;
          len = 0;
          for (int i = 0; i < 8; i++)
            len = len << 8 | h[2 + i];
          hl = 10;
        }
      if (avail < hl + len)
        return;
      g_assert_true (h[0] & 0x80); /* the server never fragments */

      switch (opcode)
        {
        case 0x1:
          g_queue_push_tail (&ws->texts, g_strndup ((char *) h + hl, (gsize) len));
          break;
        case 0x2:
          ws->n_binary++;
          break;
        case 0x8:
          if (!ws->got_close && ws->socket && ws->auto_pong)
            {
              /* echo the close, as RFC 6455 §5.5.1 asks (a dead peer doesn't) */
              guint8 payload[2] = { len >= 2 ? h[hl] : 0x03, len >= 2 ? h[hl + 1] : 0xE8 };
              ws->got_close = TRUE;
              raw_ws_send_frame (ws, 0x88, TRUE, payload, 2);
            }
          ws->got_close = TRUE;
          ws->close_code = len >= 2 ? (guint16) (h[hl] << 8 | h[hl + 1]) : 1005;
          break;
        case 0x9:
          {
            g_autofree guint8 *payload = g_memdup2 (h + hl, (gsize) len);
            ws->n_pings++;
            g_byte_array_remove_range (ws->in, 0, (guint) (hl + len));
            if (ws->auto_pong && ws->socket)
              raw_ws_send_frame (ws, 0x8A, TRUE, payload, (gsize) len);
            continue;
          }
        case 0xA:
          break;
        default:
          g_error ("unexpected opcode %u from the server", opcode);
        }
      g_byte_array_remove_range (ws->in, 0, (guint) (hl + len));
    }
}

void
raw_ws_pump (RawWs *ws)
{
  char buf[16384];

  while (ws->socket && !ws->eof)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (ws->socket, buf, sizeof buf, FALSE, NULL,
                                                 &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            ws->eof = TRUE; /* ECONNRESET counts as the end */
          break;
        }
      if (n == 0)
        {
          ws->eof = TRUE;
          break;
        }
      g_byte_array_append (ws->in, (guint8 *) buf, (guint) n);
    }

  if (ws->handshake_response == NULL)
    {
      guint8 *end = ws->in->len >= 4 ? memmem (ws->in->data, ws->in->len, "\r\n\r\n", 4) : NULL;
      if (end == NULL)
        return;
      ws->handshake_response = g_strndup ((char *) ws->in->data, end + 4 - ws->in->data);
      g_byte_array_remove_range (ws->in, 0, (guint) (end + 4 - ws->in->data));
    }
  parse_frames (ws);
}

char *
raw_ws_recv (RawWs *ws, guint timeout_ms)
{
  ZERO_WAIT_UNTIL ((raw_ws_pump (ws), !g_queue_is_empty (&ws->texts) || ws->got_close || ws->eof),
                   timeout_ms);
  return g_queue_pop_head (&ws->texts);
}

JsonObject *
raw_ws_recv_json (RawWs *ws, guint timeout_ms)
{
  g_autofree char *text = raw_ws_recv (ws, timeout_ms);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  if (text == NULL)
    return NULL;
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

JsonObject *
raw_ws_expect (RawWs *ws, const char *type)
{
  JsonObject *msg = raw_ws_recv_json (ws, TEST_WAIT_MS);

  if (msg == NULL)
    g_error ("expected a '%s' message, got nothing (closed: %d, code %u)", type, ws->got_close,
             ws->close_code);
  if (g_strcmp0 (json_object_get_string_member_with_default (msg, "type", ""), type) != 0)
    {
      g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), msg);
      g_autofree char *text = json_to_string (node, FALSE);
      g_error ("expected a '%s' message, got %s", type, text);
    }
  return msg;
}

void
raw_ws_expect_error (RawWs *ws, const char *code, const char *ref)
{
  g_autoptr (JsonObject) msg = raw_ws_expect (ws, "error");

  g_assert_cmpstr (json_object_get_string_member (msg, "code"), ==, code);
  g_assert_true (strlen (json_object_get_string_member (msg, "message")) > 0);
  if (ref)
    g_assert_cmpstr (json_object_get_string_member_with_default (msg, "ref", NULL), ==, ref);
  else
    g_assert_false (json_object_has_member (msg, "ref"));
}

void
raw_ws_expect_silence (RawWs *ws, guint ms)
{
  g_autofree char *text = NULL;

  test_run_for (ms);
  raw_ws_pump (ws);
  text = g_queue_pop_head (&ws->texts);
  if (text)
    g_error ("expected no message, got %s", text);
}

int
raw_ws_wait_closed (RawWs *ws, guint timeout_ms)
{
  if (!ZERO_WAIT_UNTIL ((raw_ws_pump (ws), ws->got_close || ws->eof), timeout_ms))
    return -1;
  return ws->got_close ? ws->close_code : 0;
}

char *
raw_ws_create (RawWs *ws, const char *name, char **out_peer_id)
{
  g_autofree char *session = zero_uuid_generate ();
  g_autoptr (JsonObject) welcome = NULL;

  raw_ws_send_printf (ws, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"%s\",\"create\":true}",
                      session, name);
  welcome = raw_ws_expect (ws, "welcome");
  g_assert_cmpstr (json_object_get_string_member (welcome, "session"), ==, session);
  if (out_peer_id)
    *out_peer_id = g_strdup (json_object_get_string_member (welcome, "peer_id"));
  return g_steal_pointer (&session);
}

char *
raw_ws_join (RawWs *ws, const char *session, const char *name)
{
  g_autoptr (JsonObject) welcome = NULL;

  raw_ws_send_printf (ws, "{\"type\":\"join\",\"session\":\"%s\",\"name\":\"%s\"}", session, name);
  welcome = raw_ws_expect (ws, "welcome");
  return g_strdup (json_object_get_string_member (welcome, "peer_id"));
}

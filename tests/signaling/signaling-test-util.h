/* signaling-test-util.h: a raw WebSocket client for the signaling tests.
 *
 * It speaks RFC 6455 byte by byte over a non-blocking socket, so tests can
 * send exactly what they mean (spoofed fields, binary, oversized, unmasked or
 * fragmented frames), choose whether to answer pings (a half-open peer does
 * not), and see close codes. Waiting iterates the thread-default main
 * context, where the in-process server runs. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How long a test waits for something that should happen "now": generous,
 * since asan/valgrind runs share two cores with other tests. */
#define TEST_WAIT_MS 20000

typedef struct
{
  GSocket *socket;
  GByteArray *in;
  GQueue texts;          /* char *, in arrival order */
  guint n_binary;
  guint n_pings;
  gboolean auto_pong;    /* answer WebSocket pings (a live browser does) */
  gboolean got_close;
  guint16 close_code;
  gboolean eof;
  char *handshake_response;
} RawWs;

/* Connects to 127.0.0.1:@port and completes the WebSocket handshake (path
 * /ws) with @extra_headers (may be NULL) appended to the request. Fails the
 * test if the server does not answer 101. */
RawWs      *raw_ws_connect        (guint        port);
RawWs      *raw_ws_connect_full   (guint        port,
                                   const char  *extra_headers,
                                   int          rcvbuf);
void        raw_ws_free           (RawWs       *ws);
/* Closes the TCP socket without a close frame. */
void        raw_ws_drop           (RawWs       *ws);

void        raw_ws_send_frame     (RawWs       *ws,
                                   guint8       first_byte, /* FIN|RSV|opcode */
                                   gboolean     masked,
                                   const void  *data,
                                   gsize        len);
void        raw_ws_send_text      (RawWs       *ws,
                                   const char  *text);
void        raw_ws_send_printf    (RawWs       *ws,
                                   const char  *format,
                                   ...) G_GNUC_PRINTF (2, 3);
void        raw_ws_send_close     (RawWs       *ws,
                                   guint16      code);

/* Reads what has arrived (answering pings if auto_pong). */
void        raw_ws_pump           (RawWs       *ws);
/* Next text message, or NULL after @timeout_ms (or on close). */
char       *raw_ws_recv           (RawWs       *ws,
                                   guint        timeout_ms);
JsonObject *raw_ws_recv_json      (RawWs       *ws,
                                   guint        timeout_ms);
/* Receives the next message and asserts its type; returns it. */
JsonObject *raw_ws_expect         (RawWs       *ws,
                                   const char  *type);
/* Asserts the next message is an error with @code and (if non-NULL) @ref. */
void        raw_ws_expect_error   (RawWs       *ws,
                                   const char  *code,
                                   const char  *ref);
/* Asserts nothing arrives for @ms. */
void        raw_ws_expect_silence (RawWs       *ws,
                                   guint        ms);
/* Waits for the server's close frame or EOF; returns the close code (0 if
 * the socket ended without one), or -1 on timeout. */
int         raw_ws_wait_closed    (RawWs       *ws,
                                   guint        timeout_ms);

/* Creates a session (random UUID) and returns its id; @out_peer_id gets ours. */
char       *raw_ws_create         (RawWs       *ws,
                                   const char  *name,
                                   char       **out_peer_id);
/* Joins an existing session; returns our peer id. */
char       *raw_ws_join           (RawWs       *ws,
                                   const char  *session,
                                   const char  *name);

/* Iterates the main context for @ms. */
void        test_run_for          (guint        ms);

/* Path of a file in tests/signaling/ (source tree). */
char       *test_data_path        (const char  *name);

G_END_DECLS

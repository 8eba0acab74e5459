/* zero-dc-requests.h: the requests of PROTOCOL.md section 7, whatever carries them.
 *
 * The same `request`/`response` messages travel on a peer's `zero` data channel
 * (ZeroDataChannel, the mesh) and on the signaling server's `data` relay (ZeroSessionSfu).
 * What both do alike lives here, once:
 *
 * - Answering: zero_dc_respond() gives our answer to a request: GET /info, /health and /stats,
 *   404 for any other path, 405 for another method, 500 when the statistics cannot be
 *   written; zero_dc_parse() reads an incoming message and makes the 400 answer to a malformed
 *   request that has a usable id.
 * - Asking: a ZeroDcRequests numbers the requests it sends through a ZeroDcSendFunc, matches
 *   the responses to them, and fails them on timeout (G_IO_ERROR_TIMED_OUT), cancellation
 *   (G_IO_ERROR_CANCELLED) or when its owner says so (zero_dc_requests_fail()).
 * - Results: a request's GTask completes with the response body (a JsonNode) and its status
 *   (zero_dc_task_return_response(), zero_dc_task_propagate_response()); an API that passes a
 *   request on hands its own task to zero_dc_task_pass_on().
 *
 * Threading: a ZeroDcRequests runs on the GMainContext that was thread-default when it was
 * made; a cancellation from another thread takes effect there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "webrtc/zero-data-message.h"
#include "webrtc/zero-peer-stats.h"

G_BEGIN_DECLS

/* --- answering ----------------------------------------------------------- */

/* What we answer with. */
typedef struct {
  const char *name;                 /* our display name for GET /info (NULL: "") */
  const char *const *capabilities;  /* GET /info's after "chat", "state" and "request", in
                                     * order; NULL-terminated, or NULL for none */
  /* GET /stats: the connection to the asker as we see it (transfer full). */
  ZeroPeerStats *(*get_stats) (gpointer user_data);
  gpointer user_data;
} ZeroDcResponder;

/* The body of our answer to @method @path (transfer full) and its status in *@status. */
JsonNode        *zero_dc_respond    (const ZeroDcResponder *responder,
                                     const char            *method,
                                     const char            *path,
                                     int                   *status);
/* {"error": "<message>"}: the body of a refusal. */
JsonNode        *zero_dc_error_body (const char *format,
                                     ...) G_GNUC_PRINTF (1, 2);
/* Parses an incoming message (zero_data_message_parse()). On a refusal returns NULL with
 * @error set and, when the message was a request with a usable id, the 400 response naming
 * the problem in *@out_reply (else NULL) for the caller to send. */
ZeroDataMessage *zero_dc_parse      (const char *text,
                                     char      **out_reply,
                                     GError    **error);

/* --- asking -------------------------------------------------------------- */

/* Sends @text (one message) to @peer_id; FALSE with @error set when it cannot. */
typedef gboolean (*ZeroDcSendFunc) (const char *peer_id,
                                    const char *text,
                                    gpointer    user_data,
                                    GError    **error);

typedef struct _ZeroDcRequests ZeroDcRequests;

/* Requests sent through @send (@user_data is not owned) that wait @timeout_ms for their
 * response unless told otherwise. */
ZeroDcRequests  *zero_dc_requests_new      (guint          timeout_ms,
                                            ZeroDcSendFunc send,
                                            gpointer       user_data);
/* Drops the table; zero_dc_requests_fail() what is in flight first (a task left here is
 * never completed). */
void             zero_dc_requests_free     (ZeroDcRequests *self);
/* Sends a request to @peer_id. @task (taken; its cancellable cancels the request) completes
 * with the response (zero_dc_task_propagate_response()), or with the error of the sending, of
 * the timeout after @timeout_ms (0: the default) or of zero_dc_requests_fail(). @task may be
 * NULL when nobody waits (the response still reaches zero_dc_requests_complete()); @data is
 * given back there. */
void             zero_dc_requests_send     (ZeroDcRequests *self,
                                            const char     *peer_id,
                                            const char     *method,
                                            const char     *path,
                                            JsonNode       *body,
                                            guint           timeout_ms,
                                            GTask          *task,
                                            gpointer        data);
/* A response @msg from @from: completes the request it answers and returns TRUE with that
 * request's data in *@out_data (optional), or FALSE when it answers nothing we asked of
 * @from (then it is only logged). */
gboolean         zero_dc_requests_complete (ZeroDcRequests        *self,
                                            const char            *from,
                                            const ZeroDataMessage *msg,
                                            gpointer              *out_data);
/* Fails the requests in flight to @peer_id (NULL: all of them) with a copy of @error. */
void             zero_dc_requests_fail     (ZeroDcRequests *self,
                                            const char     *peer_id,
                                            const GError   *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroDcRequests, zero_dc_requests_free)

/* --- results ------------------------------------------------------------- */

/* Completes @task with @body (transfer full) and @status, or with @error (taken) when @body
 * is NULL. */
void             zero_dc_task_return_response    (GTask    *task,
                                                  JsonNode *body,
                                                  int       status,
                                                  GError   *error);
/* The response body a task completed with (transfer full; NULL with @error set on failure),
 * and its status in *@status (0 on failure). */
JsonNode        *zero_dc_task_propagate_response (GTask   *task,
                                                  int     *status,
                                                  GError **error);
/* A GAsyncReadyCallback for an API that passes a request on: completes @user_data (its own
 * GTask, taken) with the outcome of @result (a task completed by
 * zero_dc_task_return_response()). */
void             zero_dc_task_pass_on            (GObject      *source,
                                                  GAsyncResult *result,
                                                  gpointer      user_data);

G_END_DECLS

/* zero-data-message.h: the messages of the peer data channel (PROTOCOL.md section 7).
 *
 * Every incoming text is read by the strict JSON reader of signaling/zero-json.h and checked
 * against a declared field table for its type (zero-data-message.c) before anything uses it,
 * as the signaling messages are. Refusals are ZERO_PROTOCOL_ERROR codes: BAD_MESSAGE (not
 * JSON, a missing or ill-typed field) or UNKNOWN_TYPE (an extension this side does not know;
 * receivers ignore those). Builders make every message Zero sends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "signaling/zero-message.h" /* ZERO_PROTOCOL_ERROR */

G_BEGIN_DECLS

/* Limits of PROTOCOL.md section 7, and ours. */
#define ZERO_DATA_CHAT_MAX_CHARS 4096
#define ZERO_DATA_MAX_PATH 256            /* bytes of a request path */
#define ZERO_DATA_MAX_MESSAGE (256 * 1024) /* bytes of one message; larger ones are refused */
/* Request ids are JSON integers a JavaScript peer can hold exactly. */
#define ZERO_DATA_MAX_REQUEST_ID G_GINT64_CONSTANT (9007199254740991)

typedef enum {
  ZERO_DATA_MESSAGE_INVALID = 0,
  ZERO_DATA_MESSAGE_CHAT,
  ZERO_DATA_MESSAGE_STATE,
  ZERO_DATA_MESSAGE_REQUEST,
  ZERO_DATA_MESSAGE_RESPONSE,
} ZeroDataMessageType;

/* The sender's media state. */
typedef struct {
  gboolean audio;
  gboolean video;
  gboolean screen;
  gboolean hand;
  gboolean has_hand; /* `hand` was present */
} ZeroDataState;

/* One validated message; only the fields of its type are set. */
typedef struct {
  ZeroDataMessageType type;
  /* chat */
  char *chat_id;    /* canonical lower-case UUID */
  char *text;       /* 1..4096 characters of UTF-8, no NUL */
  gint64 ts;        /* ms since the epoch */
  /* state */
  ZeroDataState state;
  /* request and response */
  gint64 request_id;
  char *method;     /* "GET" or "POST" */
  char *path;       /* starts with '/' */
  int status;       /* 100..599 */
  JsonNode *body;   /* request body (NULL when absent), response body (JSON null when absent) */
} ZeroDataMessage;

const char         *zero_data_message_type_to_string (ZeroDataMessageType type);

/* Parses and validates @data (@length may be -1). Returns NULL with @error set
 * (ZERO_PROTOCOL_ERROR_BAD_MESSAGE or _UNKNOWN_TYPE) naming the problem. When the message
 * was a `request` whose `id` is a valid integer but something else is wrong,
 * *@out_request_id receives the id (so that a 400 response can be sent), else -1. */
ZeroDataMessage    *zero_data_message_parse          (const char *data,
                                                      gssize      length,
                                                      gint64     *out_request_id,
                                                      GError    **error);
void                zero_data_message_free           (ZeroDataMessage *msg);

/* Builders: each returns newly allocated JSON text (one message). */
char *zero_data_message_build_chat     (const char          *chat_id,
                                        const char          *text,
                                        gint64               ts);
char *zero_data_message_build_state    (const ZeroDataState *state);
/* @body may be NULL (no body). */
char *zero_data_message_build_request  (gint64               request_id,
                                        const char          *method,
                                        const char          *path,
                                        JsonNode            *body);
/* @body may be NULL (JSON null). */
char *zero_data_message_build_response (gint64               request_id,
                                        int                  status,
                                        JsonNode            *body);

/* TRUE when @text is a valid chat text (1..4096 characters of UTF-8 without NUL); else
 * FALSE with a G_IO_ERROR_INVALID_ARGUMENT error saying why. */
gboolean zero_data_check_chat_text (const char *text,
                                    GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroDataMessage, zero_data_message_free)

G_END_DECLS

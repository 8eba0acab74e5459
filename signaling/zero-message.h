/* zero-message.h: the signaling messages of PROTOCOL.md §3–4.
 *
 * Every message is checked against a declared field table for its type and
 * direction (see zero-message.c); each refusal maps to one protocol error
 * code, so the server can answer with exactly the `error` PROTOCOL.md names.
 * Builders produce every message the server and the clients send. */
#pragma once

#include <json-glib/json-glib.h>

#include "signaling/zero-json.h"

G_BEGIN_DECLS

/* The protocol's error codes (PROTOCOL.md §4), one GError code each. */
#define ZERO_PROTOCOL_ERROR (zero_protocol_error_quark ())

typedef enum
{
  ZERO_PROTOCOL_ERROR_BAD_MESSAGE,     /* "bad-message" */
  ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE,    /* "unknown-type" */
  ZERO_PROTOCOL_ERROR_NOT_JOINED,      /* "not-joined" */
  ZERO_PROTOCOL_ERROR_ALREADY_JOINED,  /* "already-joined" */
  ZERO_PROTOCOL_ERROR_NO_SUCH_SESSION, /* "no-such-session" */
  ZERO_PROTOCOL_ERROR_NO_SUCH_PEER,    /* "no-such-peer" */
  ZERO_PROTOCOL_ERROR_SESSION_FULL,    /* "session-full" */
  ZERO_PROTOCOL_ERROR_AUTH_FAILED,     /* "auth-failed" */
  ZERO_PROTOCOL_ERROR_RATE_LIMITED,    /* "rate-limited" */
  ZERO_PROTOCOL_ERROR_TOO_LARGE,       /* "too-large" */
} ZeroProtocolError;

#define ZERO_PROTOCOL_ERROR_N_CODES 10

GQuark       zero_protocol_error_quark       (void);
const char  *zero_protocol_error_to_string   (ZeroProtocolError  code);
/* FALSE (and *code untouched) for a string that is not a known code. */
gboolean     zero_protocol_error_from_string (const char        *str,
                                              ZeroProtocolError *code);

typedef enum
{
  ZERO_MESSAGE_INVALID = 0,
  /* client to server */
  ZERO_MESSAGE_JOIN,
  ZERO_MESSAGE_LEAVE,
  ZERO_MESSAGE_PING,
  /* both directions (relayed) */
  ZERO_MESSAGE_OFFER,
  ZERO_MESSAGE_ANSWER,
  ZERO_MESSAGE_ICE,
  ZERO_MESSAGE_REQUEST_OFFER,
  ZERO_MESSAGE_BROADCAST,
  /* server to client */
  ZERO_MESSAGE_WELCOME,
  ZERO_MESSAGE_PEER_JOINED,
  ZERO_MESSAGE_PEER_LEFT,
  ZERO_MESSAGE_PONG,
  ZERO_MESSAGE_ERROR,
  /* SFU extension (PROTOCOL.md section 9) */
  ZERO_MESSAGE_DATA,    /* both directions (relayed): data-channel messages via the server */
  ZERO_MESSAGE_SFU,     /* server to client: the session moved to an SFU */
} ZeroMessageType;

#define ZERO_MESSAGE_N_TYPES (ZERO_MESSAGE_SFU + 1)

/* Largest Janus room id: integers a JavaScript peer holds exactly. */
#define ZERO_MESSAGE_MAX_ROOM G_GINT64_CONSTANT (9007199254740991)

typedef enum
{
  ZERO_MESSAGE_TO_SERVER,
  ZERO_MESSAGE_TO_CLIENT,
} ZeroMessageDirection;

typedef enum
{
  ZERO_ROLE_PARTICIPANT,
  ZERO_ROLE_VIEWER,
} ZeroRole;

typedef enum
{
  ZERO_LEAVE_REASON_LEAVE,
  ZERO_LEAVE_REASON_DISCONNECT,
  ZERO_LEAVE_REASON_TIMEOUT,
} ZeroLeaveReason;

/* Longest peer id a message may carry, in bytes. */
#define ZERO_MESSAGE_MAX_PEER_ID 128
/* Display names: 1..64 Unicode characters. */
#define ZERO_MESSAGE_MAX_NAME_CHARS 64

const char      *zero_message_type_to_string      (ZeroMessageType type);
ZeroMessageType  zero_message_type_from_string    (const char     *str);
const char      *zero_role_to_string              (ZeroRole        role);
gboolean         zero_role_from_string            (const char     *str,
                                                   ZeroRole       *role);
const char      *zero_leave_reason_to_string      (ZeroLeaveReason reason);
gboolean         zero_leave_reason_from_string    (const char     *str,
                                                   ZeroLeaveReason *reason);

/* Parses and validates one message. On success returns the message (unknown
 * fields included) and its type. On failure returns NULL and sets @error in
 * ZERO_PROTOCOL_ERROR (BAD_MESSAGE or UNKNOWN_TYPE) with a message naming the
 * problem; *@out_ref receives the message's `type` whenever it had a string
 * one (for the `ref` of an `error` reply), else NULL. @length may be -1. */
JsonObject      *zero_message_parse               (const char          *data,
                                                   gssize               length,
                                                   ZeroMessageDirection direction,
                                                   ZeroMessageType     *out_type,
                                                   char               **out_ref,
                                                   GError             **error);

/* The same checks on an already indexed document (the server's fast path).
 * Returns ZERO_MESSAGE_INVALID and sets @error on refusal; @ref (nullable)
 * receives the `type` string when there was one. */
ZeroMessageType  zero_message_validate            (const ZeroJsonDoc   *doc,
                                                   ZeroMessageDirection direction,
                                                   GString             *ref,
                                                   GError             **error);

/* --- builders: each returns newly allocated JSON text (one message) ------ */

typedef struct
{
  const char *peer_id;
  const char *name;
  ZeroRole role;
} ZeroMessagePeer;

char *zero_message_build_join          (const char      *session,
                                        const char      *name,
                                        ZeroRole         role,
                                        gboolean         create,
                                        const char      *password,
                                        const char      *token);
char *zero_message_build_leave         (void);
char *zero_message_build_offer         (const char      *to,
                                        const char      *sdp);
char *zero_message_build_answer        (const char      *to,
                                        const char      *sdp);
/* @sdp_mline_index < 0 and @sdp_mid NULL leave the field out. */
char *zero_message_build_ice           (const char      *to,
                                        const char      *candidate,
                                        int              sdp_mline_index,
                                        const char      *sdp_mid);
char *zero_message_build_request_offer (const char      *to);
char *zero_message_build_broadcast     (JsonNode        *data);
/* PROTOCOL.md section 9: @to NULL sends to every other member; @data must be an object. */
char *zero_message_build_data          (const char      *to,
                                        JsonObject      *data);
/* @id < 0 leaves out the id. */
char *zero_message_build_ping          (gint64           id);

char *zero_message_build_welcome       (const char            *session,
                                        const char            *peer_id,
                                        const ZeroMessagePeer *peers,
                                        guint                  n_peers,
                                        const char            *ice_servers_json);
char *zero_message_build_peer_joined   (const char      *peer_id,
                                        const char      *name,
                                        ZeroRole         role);
char *zero_message_build_peer_left     (const char      *peer_id,
                                        ZeroLeaveReason  reason);
/* Where a session's media goes instead of the mesh (PROTOCOL.md section 9). */
typedef struct
{
  const char *url;   /* Janus WebSocket URL for clients */
  guint64 room;      /* VideoRoom id, 1..ZERO_MESSAGE_MAX_ROOM */
  const char *pin;   /* to join the room */
} ZeroMessageSfu;

char *zero_message_build_sfu           (const ZeroMessageSfu *sfu);
void  zero_message_append_sfu          (GString              *out,
                                        const ZeroMessageSfu *sfu);
/* welcome with an `sfu` member when @sfu is not NULL. */
void  zero_message_append_welcome_sfu  (GString               *out,
                                        const char            *session,
                                        const char            *peer_id,
                                        const ZeroMessagePeer *peers,
                                        guint                  n_peers,
                                        const char            *ice_servers_json,
                                        const ZeroMessageSfu  *sfu);
/* @id_json: the ping's `id` as JSON text, or NULL. */
char *zero_message_build_pong          (const char      *id_json);
/* @ref may be NULL. */
char *zero_message_build_error         (ZeroProtocolError code,
                                        const char      *message,
                                        const char      *ref);

/* Appending forms of the server's builders, for building in place. */
void  zero_message_append_welcome      (GString               *out,
                                        const char            *session,
                                        const char            *peer_id,
                                        const ZeroMessagePeer *peers,
                                        guint                  n_peers,
                                        const char            *ice_servers_json);
void  zero_message_append_peer_joined  (GString         *out,
                                        const char      *peer_id,
                                        const char      *name,
                                        ZeroRole         role);
void  zero_message_append_peer_left    (GString         *out,
                                        const char      *peer_id,
                                        ZeroLeaveReason  reason);
void  zero_message_append_pong         (GString         *out,
                                        const char      *id_json,
                                        gsize            id_len);
void  zero_message_append_error        (GString         *out,
                                        ZeroProtocolError code,
                                        const char      *message,
                                        const char      *ref);

/* Appends the relayed form of the validated message in @doc: every member
 * kept byte for byte, except that all top-level `from` members (however
 * escaped) are dropped and `"from": @from` is set. No re-serialization. */
void  zero_message_append_relay        (GString           *out,
                                        const ZeroJsonDoc *doc,
                                        const char        *from);

G_END_DECLS

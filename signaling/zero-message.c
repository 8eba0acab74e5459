/* zero-message.c: field tables, validation and builders for PROTOCOL.md §3–4. */
#include "signaling/zero-message.h"

#include <string.h>

#include "signaling/zero-uuid.h"

G_DEFINE_QUARK (zero-protocol-error-quark, zero_protocol_error)

static const char *const error_codes[ZERO_PROTOCOL_ERROR_N_CODES] = {
  [ZERO_PROTOCOL_ERROR_BAD_MESSAGE] = "bad-message",
  [ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE] = "unknown-type",
  [ZERO_PROTOCOL_ERROR_NOT_JOINED] = "not-joined",
  [ZERO_PROTOCOL_ERROR_ALREADY_JOINED] = "already-joined",
  [ZERO_PROTOCOL_ERROR_NO_SUCH_SESSION] = "no-such-session",
  [ZERO_PROTOCOL_ERROR_NO_SUCH_PEER] = "no-such-peer",
  [ZERO_PROTOCOL_ERROR_SESSION_FULL] = "session-full",
  [ZERO_PROTOCOL_ERROR_AUTH_FAILED] = "auth-failed",
  [ZERO_PROTOCOL_ERROR_RATE_LIMITED] = "rate-limited",
  [ZERO_PROTOCOL_ERROR_TOO_LARGE] = "too-large",
};

static const char *const type_names[ZERO_MESSAGE_N_TYPES] = {
  [ZERO_MESSAGE_INVALID] = NULL,
  [ZERO_MESSAGE_JOIN] = "join",
  [ZERO_MESSAGE_LEAVE] = "leave",
  [ZERO_MESSAGE_PING] = "ping",
  [ZERO_MESSAGE_OFFER] = "offer",
  [ZERO_MESSAGE_ANSWER] = "answer",
  [ZERO_MESSAGE_ICE] = "ice",
  [ZERO_MESSAGE_REQUEST_OFFER] = "request-offer",
  [ZERO_MESSAGE_BROADCAST] = "broadcast",
  [ZERO_MESSAGE_WELCOME] = "welcome",
  [ZERO_MESSAGE_PEER_JOINED] = "peer-joined",
  [ZERO_MESSAGE_PEER_LEFT] = "peer-left",
  [ZERO_MESSAGE_PONG] = "pong",
  [ZERO_MESSAGE_ERROR] = "error",
  [ZERO_MESSAGE_DATA] = "data",
  [ZERO_MESSAGE_SFU] = "sfu",
};

static const char *const role_names[] = { "participant", "viewer", NULL };
static const char *const reason_names[] = { "leave", "disconnect", "timeout", NULL };

const char *
zero_protocol_error_to_string (ZeroProtocolError code)
{
  g_return_val_if_fail ((guint) code < ZERO_PROTOCOL_ERROR_N_CODES, "bad-message");
  return error_codes[code];
}

gboolean
zero_protocol_error_from_string (const char *str, ZeroProtocolError *code)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < ZERO_PROTOCOL_ERROR_N_CODES; i++)
    if (strcmp (str, error_codes[i]) == 0)
      {
        if (code)
          *code = (ZeroProtocolError) i;
        return TRUE;
      }
  return FALSE;
}

const char *
zero_message_type_to_string (ZeroMessageType type)
{
  g_return_val_if_fail ((guint) type < ZERO_MESSAGE_N_TYPES, NULL);
  return type_names[type];
}

ZeroMessageType
zero_message_type_from_string (const char *str)
{
  if (str == NULL)
    return ZERO_MESSAGE_INVALID;
  for (guint i = 1; i < ZERO_MESSAGE_N_TYPES; i++)
    if (strcmp (str, type_names[i]) == 0)
      return (ZeroMessageType) i;
  return ZERO_MESSAGE_INVALID;
}

const char *
zero_role_to_string (ZeroRole role)
{
  g_return_val_if_fail (role <= ZERO_ROLE_VIEWER, "participant");
  return role_names[role];
}

gboolean
zero_role_from_string (const char *str, ZeroRole *role)
{
  for (guint i = 0; str && role_names[i]; i++)
    if (strcmp (str, role_names[i]) == 0)
      {
        if (role)
          *role = (ZeroRole) i;
        return TRUE;
      }
  return FALSE;
}

const char *
zero_leave_reason_to_string (ZeroLeaveReason reason)
{
  g_return_val_if_fail (reason <= ZERO_LEAVE_REASON_TIMEOUT, "disconnect");
  return reason_names[reason];
}

gboolean
zero_leave_reason_from_string (const char *str, ZeroLeaveReason *reason)
{
  for (guint i = 0; str && reason_names[i]; i++)
    if (strcmp (str, reason_names[i]) == 0)
      {
        if (reason)
          *reason = (ZeroLeaveReason) i;
        return TRUE;
      }
  return FALSE;
}

/* --- field tables -------------------------------------------------------- */

typedef enum
{
  FIELD_STRING,
  FIELD_BOOL,
  FIELD_INT,
  FIELD_OBJECT, /* members checked against .sub */
  FIELD_ARRAY,  /* elements checked against .elem (and .sub for objects) */
  FIELD_ANY,
} FieldType;

typedef enum
{
  CHECK_NONE,
  CHECK_UUID,      /* canonical lower-case UUID */
  CHECK_NAME,      /* 1..64 Unicode characters */
  CHECK_PEER_ID,   /* 1..ZERO_MESSAGE_MAX_PEER_ID bytes */
  CHECK_NONEMPTY,  /* a string that is not "" */
  CHECK_ROLE,      /* participant | viewer */
  CHECK_REASON,    /* leave | disconnect | timeout */
  CHECK_MLINE,     /* integer 0..65535 */
  CHECK_CANDIDATE, /* object: sdpMid or sdpMLineIndex must be given */
  CHECK_ROOM,      /* integer 1..ZERO_MESSAGE_MAX_ROOM */
} FieldCheck;

enum
{
  OPTIONAL = 0,
  REQUIRED = 1 << 0,
  NULLABLE = 1 << 1, /* null counts as absent */
};

typedef struct _Field Field;
struct _Field
{
  const char *name;
  FieldType type;
  guint flags;
  FieldCheck check;
  const Field *sub;  /* FIELD_OBJECT, or FIELD_ARRAY of objects */
  FieldType elem;    /* FIELD_ARRAY */
  FieldCheck elem_check;
};

#define END { NULL, 0, 0, 0, NULL, 0, 0 }

static const Field candidate_fields[] = {
  { "candidate", FIELD_STRING, REQUIRED, CHECK_NONE },
  { "sdpMLineIndex", FIELD_INT, NULLABLE, CHECK_MLINE },
  { "sdpMid", FIELD_STRING, NULLABLE, CHECK_NONEMPTY },
  END
};

static const Field peer_fields[] = {
  { "peer_id", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "name", FIELD_STRING, REQUIRED, CHECK_NAME },
  { "role", FIELD_STRING, REQUIRED, CHECK_ROLE },
  END
};

static const Field ice_server_fields[] = {
  { "urls", FIELD_ARRAY, REQUIRED, CHECK_NONE, NULL, FIELD_STRING, CHECK_NONEMPTY },
  { "username", FIELD_STRING, NULLABLE, CHECK_NONE },
  { "credential", FIELD_STRING, NULLABLE, CHECK_NONE },
  END
};

/* PROTOCOL.md section 9 */
static const Field sfu_fields[] = {
  { "url", FIELD_STRING, REQUIRED, CHECK_NONEMPTY },
  { "room", FIELD_INT, REQUIRED, CHECK_ROOM },
  { "pin", FIELD_STRING, REQUIRED, CHECK_NONE },
  END
};

/* client -> server */
static const Field join_fields[] = {
  { "session", FIELD_STRING, REQUIRED, CHECK_UUID },
  { "name", FIELD_STRING, REQUIRED, CHECK_NAME },
  { "role", FIELD_STRING, NULLABLE, CHECK_ROLE },
  { "create", FIELD_BOOL, NULLABLE, CHECK_NONE },
  { "password", FIELD_STRING, NULLABLE, CHECK_NONE },
  { "token", FIELD_STRING, NULLABLE, CHECK_NONE },
  END
};
static const Field no_fields[] = { END };
static const Field sdp_to_fields[] = {
  { "to", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "sdp", FIELD_STRING, REQUIRED, CHECK_NONE },
  END
};
static const Field ice_to_fields[] = {
  { "to", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "candidate", FIELD_OBJECT, REQUIRED, CHECK_CANDIDATE, candidate_fields },
  END
};
static const Field request_offer_to_fields[] = {
  { "to", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  END
};
static const Field broadcast_to_fields[] = {
  { "data", FIELD_ANY, REQUIRED | NULLABLE, CHECK_NONE },
  END
};
static const Field data_to_fields[] = {
  { "to", FIELD_STRING, OPTIONAL, CHECK_PEER_ID },
  { "data", FIELD_OBJECT, REQUIRED, CHECK_NONE },
  END
};
static const Field ping_fields[] = {
  { "id", FIELD_ANY, OPTIONAL, CHECK_NONE },
  END
};

/* server -> client */
static const Field welcome_fields[] = {
  { "session", FIELD_STRING, REQUIRED, CHECK_UUID },
  { "peer_id", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "peers", FIELD_ARRAY, REQUIRED, CHECK_NONE, peer_fields, FIELD_OBJECT },
  { "ice_servers", FIELD_ARRAY, REQUIRED, CHECK_NONE, ice_server_fields, FIELD_OBJECT },
  { "sfu", FIELD_OBJECT, NULLABLE, CHECK_NONE, sfu_fields },
  END
};
static const Field peer_joined_fields[] = {
  { "peer_id", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "name", FIELD_STRING, REQUIRED, CHECK_NAME },
  { "role", FIELD_STRING, REQUIRED, CHECK_ROLE },
  END
};
static const Field peer_left_fields[] = {
  { "peer_id", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "reason", FIELD_STRING, REQUIRED, CHECK_REASON },
  END
};
static const Field sdp_from_fields[] = {
  { "from", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "to", FIELD_STRING, OPTIONAL, CHECK_PEER_ID },
  { "sdp", FIELD_STRING, REQUIRED, CHECK_NONE },
  END
};
static const Field ice_from_fields[] = {
  { "from", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "to", FIELD_STRING, OPTIONAL, CHECK_PEER_ID },
  { "candidate", FIELD_OBJECT, REQUIRED, CHECK_CANDIDATE, candidate_fields },
  END
};
static const Field request_offer_from_fields[] = {
  { "from", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "to", FIELD_STRING, OPTIONAL, CHECK_PEER_ID },
  END
};
static const Field broadcast_from_fields[] = {
  { "from", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "data", FIELD_ANY, REQUIRED | NULLABLE, CHECK_NONE },
  END
};
static const Field data_from_fields[] = {
  { "from", FIELD_STRING, REQUIRED, CHECK_PEER_ID },
  { "to", FIELD_STRING, OPTIONAL, CHECK_PEER_ID },
  { "data", FIELD_OBJECT, REQUIRED, CHECK_NONE },
  END
};
static const Field pong_fields[] = {
  { "id", FIELD_ANY, OPTIONAL, CHECK_NONE },
  END
};
static const Field error_fields[] = {
  { "code", FIELD_STRING, REQUIRED, CHECK_NONEMPTY },
  { "message", FIELD_STRING, REQUIRED, CHECK_NONE },
  { "ref", FIELD_STRING, NULLABLE, CHECK_NONE },
  END
};

/* Per direction, per type: the fields, or NULL when the type is not valid in
 * that direction (which gets `unknown-type`). */
static const Field *const to_server[ZERO_MESSAGE_N_TYPES] = {
  [ZERO_MESSAGE_JOIN] = join_fields,
  [ZERO_MESSAGE_LEAVE] = no_fields,
  [ZERO_MESSAGE_PING] = ping_fields,
  [ZERO_MESSAGE_OFFER] = sdp_to_fields,
  [ZERO_MESSAGE_ANSWER] = sdp_to_fields,
  [ZERO_MESSAGE_ICE] = ice_to_fields,
  [ZERO_MESSAGE_REQUEST_OFFER] = request_offer_to_fields,
  [ZERO_MESSAGE_BROADCAST] = broadcast_to_fields,
  [ZERO_MESSAGE_DATA] = data_to_fields,
};

static const Field *const to_client[ZERO_MESSAGE_N_TYPES] = {
  [ZERO_MESSAGE_WELCOME] = welcome_fields,
  [ZERO_MESSAGE_PEER_JOINED] = peer_joined_fields,
  [ZERO_MESSAGE_PEER_LEFT] = peer_left_fields,
  [ZERO_MESSAGE_OFFER] = sdp_from_fields,
  [ZERO_MESSAGE_ANSWER] = sdp_from_fields,
  [ZERO_MESSAGE_ICE] = ice_from_fields,
  [ZERO_MESSAGE_REQUEST_OFFER] = request_offer_from_fields,
  [ZERO_MESSAGE_BROADCAST] = broadcast_from_fields,
  [ZERO_MESSAGE_PONG] = pong_fields,
  [ZERO_MESSAGE_ERROR] = error_fields,
  [ZERO_MESSAGE_DATA] = data_from_fields,
  [ZERO_MESSAGE_SFU] = sfu_fields,
};

/* --- validation ---------------------------------------------------------- */

static const char *
json_kind_name (guint8 kind)
{
  switch ((ZeroJsonKind) kind)
    {
    case ZERO_JSON_NULL: return "null";
    case ZERO_JSON_FALSE:
    case ZERO_JSON_TRUE: return "a boolean";
    case ZERO_JSON_NUMBER: return "a number";
    case ZERO_JSON_STRING: return "a string";
    case ZERO_JSON_ARRAY: return "an array";
    case ZERO_JSON_OBJECT: return "an object";
    default: return "?";
    }
}

static const char *
field_type_name (FieldType type)
{
  switch (type)
    {
    case FIELD_STRING: return "a string";
    case FIELD_BOOL: return "a boolean";
    case FIELD_INT: return "an integer";
    case FIELD_OBJECT: return "an object";
    case FIELD_ARRAY: return "an array";
    case FIELD_ANY:
    default: return "a value";
    }
}

static gboolean
type_matches (const ZeroJsonDoc *doc, const ZeroJsonNode *node, FieldType type)
{
  switch (type)
    {
    case FIELD_STRING: return node->kind == ZERO_JSON_STRING;
    case FIELD_BOOL: return node->kind == ZERO_JSON_TRUE || node->kind == ZERO_JSON_FALSE;
    case FIELD_INT: return zero_json_get_int (doc, node, NULL);
    case FIELD_OBJECT: return node->kind == ZERO_JSON_OBJECT;
    case FIELD_ARRAY: return node->kind == ZERO_JSON_ARRAY;
    case FIELD_ANY: return TRUE;
    default: return FALSE;
    }
}

static gboolean
bad (GError **error, const char *path, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
bad (GError **error, const char *path, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "field '%s' %s", path,
               what);
  return FALSE;
}

static gboolean check_fields (const ZeroJsonDoc *doc, const ZeroJsonNode *object,
                              const Field *fields, const char *prefix, GError **error);

/* Checks the constraint of one string value. */
static gboolean
check_string (const ZeroJsonDoc *doc, const ZeroJsonNode *node, FieldCheck check,
              const char *path, GError **error)
{
  char stack[160];
  g_autofree char *heap = NULL;
  const char *s;
  gsize len;

  if (check == CHECK_NONE)
    return TRUE;

  /* Decode into a small buffer; long values only matter for length checks. */
  if (node->end - node->start <= sizeof stack && !(node->flags & ZERO_JSON_FLAG_ESCAPED))
    {
      len = node->end - node->start - 2;
      memcpy (stack, doc->text + node->start + 1, len);
      stack[len] = '\0';
      s = stack;
    }
  else
    {
      GString *tmp = g_string_sized_new (node->end - node->start);
      zero_json_string_append (doc, node, tmp);
      len = tmp->len;
      s = heap = g_string_free (tmp, FALSE);
    }
  if (strlen (s) != len)
    return bad (error, path, "must not contain U+0000");

  switch (check)
    {
    case CHECK_UUID:
      if (!zero_uuid_is_valid (s))
        return bad (error, path, "must be a lower-case UUID (36 characters)");
      return TRUE;
    case CHECK_NAME:
      {
        glong chars = g_utf8_strlen (s, (gssize) len);
        if (chars < 1 || chars > ZERO_MESSAGE_MAX_NAME_CHARS)
          return bad (error, path, "must be 1 to %d characters long", ZERO_MESSAGE_MAX_NAME_CHARS);
        return TRUE;
      }
    case CHECK_PEER_ID:
      if (len < 1 || len > ZERO_MESSAGE_MAX_PEER_ID)
        return bad (error, path, "must be a peer id (1 to %d bytes)", ZERO_MESSAGE_MAX_PEER_ID);
      return TRUE;
    case CHECK_NONEMPTY:
      if (len == 0)
        return bad (error, path, "must not be empty");
      return TRUE;
    case CHECK_ROLE:
      if (!zero_role_from_string (s, NULL))
        return bad (error, path, "must be \"participant\" or \"viewer\"");
      return TRUE;
    case CHECK_REASON:
      if (!zero_leave_reason_from_string (s, NULL))
        return bad (error, path, "must be \"leave\", \"disconnect\" or \"timeout\"");
      return TRUE;
    default:
      return TRUE;
    }
}

static gboolean
check_value (const ZeroJsonDoc *doc, const ZeroJsonNode *node, FieldType type, FieldCheck check,
             const Field *sub, FieldType elem, FieldCheck elem_check, const char *path,
             GError **error)
{
  if (!type_matches (doc, node, type))
    return bad (error, path, "must be %s, not %s", field_type_name (type),
                node->kind == ZERO_JSON_NUMBER && type == FIELD_INT ? "a non-integer number"
                                                                    : json_kind_name (node->kind));

  switch (type)
    {
    case FIELD_STRING:
      return check_string (doc, node, check, path, error);

    case FIELD_INT:
      if (check == CHECK_MLINE)
        {
          gint64 v = -1;
          zero_json_get_int (doc, node, &v);
          if (v < 0 || v > G_MAXUINT16)
            return bad (error, path, "must be an integer from 0 to 65535");
        }
      else if (check == CHECK_ROOM)
        {
          gint64 v = -1;
          zero_json_get_int (doc, node, &v);
          if (v < 1 || v > ZERO_MESSAGE_MAX_ROOM)
            return bad (error, path, "must be an integer from 1 to 2^53-1");
        }
      return TRUE;

    case FIELD_OBJECT:
      if (sub && !check_fields (doc, node, sub, path, error))
        return FALSE;
      if (check == CHECK_CANDIDATE)
        {
          const ZeroJsonNode *mid = zero_json_object_get (doc, node, "sdpMid");
          const ZeroJsonNode *mline = zero_json_object_get (doc, node, "sdpMLineIndex");
          if ((!mid || mid->kind == ZERO_JSON_NULL) && (!mline || mline->kind == ZERO_JSON_NULL))
            return bad (error, path, "must have sdpMid or sdpMLineIndex");
        }
      return TRUE;

    case FIELD_ARRAY:
      {
        guint i = 0;
        for (const ZeroJsonNode *c = zero_json_first_child (doc, node); c;
             c = zero_json_next (doc, c), i++)
          {
            g_autofree char *elem_path = g_strdup_printf ("%s[%u]", path, i);
            if (!check_value (doc, c, elem, elem_check, sub, FIELD_ANY, CHECK_NONE, elem_path,
                              error))
              return FALSE;
          }
        return TRUE;
      }

    case FIELD_BOOL:
    case FIELD_ANY:
    default:
      return TRUE;
    }
}

static gboolean
check_fields (const ZeroJsonDoc *doc, const ZeroJsonNode *object, const Field *fields,
              const char *prefix, GError **error)
{
  for (const Field *f = fields; f->name; f++)
    {
      const ZeroJsonNode *node = zero_json_object_get (doc, object, f->name);
      char path_buf[96];
      const char *path = f->name;

      if (prefix)
        {
          g_snprintf (path_buf, sizeof path_buf, "%s.%s", prefix, f->name);
          path = path_buf;
        }

      if (node == NULL || (node->kind == ZERO_JSON_NULL && (f->flags & NULLABLE) &&
                           !(f->flags & REQUIRED)))
        {
          if (f->flags & REQUIRED)
            return bad (error, path, "is missing");
          continue;
        }
      if (node->kind == ZERO_JSON_NULL && (f->flags & NULLABLE))
        continue; /* required but may be null (broadcast data) */

      if (!check_value (doc, node, f->type, f->check, f->sub, f->elem, f->elem_check, path, error))
        return FALSE;
    }
  return TRUE;
}

ZeroMessageType
zero_message_validate (const ZeroJsonDoc *doc, ZeroMessageDirection direction, GString *ref,
                       GError **error)
{
  const ZeroJsonNode *root = zero_json_root (doc);
  const ZeroJsonNode *type_node;
  const Field *const *table = direction == ZERO_MESSAGE_TO_SERVER ? to_server : to_client;
  char type_buf[32];
  ZeroMessageType type = ZERO_MESSAGE_INVALID;

  g_return_val_if_fail (doc != NULL, ZERO_MESSAGE_INVALID);

  if (ref)
    g_string_truncate (ref, 0);

  if (root == NULL || root->kind != ZERO_JSON_OBJECT)
    {
      g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
                   "a message must be a JSON object, not %s",
                   root ? json_kind_name (root->kind) : "nothing");
      return ZERO_MESSAGE_INVALID;
    }

  type_node = zero_json_object_get (doc, root, "type");
  if (type_node == NULL || type_node->kind != ZERO_JSON_STRING)
    {
      g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
                   type_node ? "field 'type' must be a string" : "field 'type' is missing");
      return ZERO_MESSAGE_INVALID;
    }
  if (ref)
    zero_json_string_append (doc, type_node, ref);

  /* Type names are short ASCII; anything longer is unknown. */
  if (type_node->end - type_node->start - 2 < sizeof type_buf &&
      !(type_node->flags & ZERO_JSON_FLAG_ESCAPED))
    {
      gsize n = type_node->end - type_node->start - 2;
      memcpy (type_buf, doc->text + type_node->start + 1, n);
      type_buf[n] = '\0';
      type = zero_message_type_from_string (type_buf);
    }
  else
    {
      g_autofree char *s = zero_json_string_dup (doc, type_node);
      if (strlen (s) < sizeof type_buf)
        type = zero_message_type_from_string (s);
    }

  if (type == ZERO_MESSAGE_INVALID || table[type] == NULL)
    {
      g_autofree char *s = zero_json_string_dup (doc, type_node);
      if (strlen (s) > 64)
        strcpy (s + 61, "...");
      g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE,
                   "unknown message type \"%s\"", s);
      return ZERO_MESSAGE_INVALID;
    }

  if (!check_fields (doc, root, table[type], NULL, error))
    return ZERO_MESSAGE_INVALID;
  return type;
}

JsonObject *
zero_message_parse (const char *data, gssize length, ZeroMessageDirection direction,
                    ZeroMessageType *out_type, char **out_ref, GError **error)
{
  ZeroJsonDoc doc;
  g_autoptr (GString) ref = g_string_new (NULL);
  g_autoptr (GError) json_error = NULL;
  ZeroMessageType type;
  JsonNode *root;
  JsonObject *object;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (out_type)
    *out_type = ZERO_MESSAGE_INVALID;
  if (out_ref)
    *out_ref = NULL;
  if (length < 0)
    length = (gssize) strlen (data);

  zero_json_doc_init (&doc);
  if (!zero_json_parse (&doc, data, (gsize) length, &json_error))
    {
      g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "%s",
                   json_error->message);
      zero_json_doc_clear (&doc);
      return NULL;
    }

  type = zero_message_validate (&doc, direction, ref, error);
  if (out_ref && zero_json_root (&doc)->kind == ZERO_JSON_OBJECT &&
      zero_json_object_get (&doc, zero_json_root (&doc), "type") &&
      zero_json_object_get (&doc, zero_json_root (&doc), "type")->kind == ZERO_JSON_STRING)
    *out_ref = g_strdup (ref->str);
  if (type == ZERO_MESSAGE_INVALID)
    {
      zero_json_doc_clear (&doc);
      return NULL;
    }

  root = zero_json_to_json_node (&doc, zero_json_root (&doc));
  object = json_object_ref (json_node_get_object (root));
  json_node_unref (root);
  zero_json_doc_clear (&doc);

  if (out_type)
    *out_type = type;
  return object;
}

/* --- builders ------------------------------------------------------------ */

static inline void
append_key (GString *out, const char *key)
{
  /* Keys are ours and need no escaping. */
  g_string_append_c (out, ',');
  g_string_append_c (out, '"');
  g_string_append (out, key);
  g_string_append (out, "\":");
}

static inline void
append_type (GString *out, const char *type)
{
  g_string_append (out, "{\"type\":\"");
  g_string_append (out, type);
  g_string_append_c (out, '"');
}

static void
append_string_member (GString *out, const char *key, const char *value)
{
  append_key (out, key);
  zero_json_append_string (out, value, -1);
}

char *
zero_message_build_join (const char *session, const char *name, ZeroRole role, gboolean create,
                         const char *password, const char *token)
{
  GString *out = g_string_sized_new (128);

  g_return_val_if_fail (session != NULL && name != NULL, NULL);

  append_type (out, "join");
  append_string_member (out, "session", session);
  append_string_member (out, "name", name);
  append_string_member (out, "role", zero_role_to_string (role));
  append_key (out, "create");
  g_string_append (out, create ? "true" : "false");
  if (password)
    append_string_member (out, "password", password);
  if (token)
    append_string_member (out, "token", token);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
zero_message_build_leave (void)
{
  return g_strdup ("{\"type\":\"leave\"}");
}

static char *
build_sdp (const char *type, const char *to, const char *sdp)
{
  GString *out;

  g_return_val_if_fail (to != NULL && sdp != NULL, NULL);

  out = g_string_sized_new (strlen (sdp) + 64);
  append_type (out, type);
  append_string_member (out, "to", to);
  append_string_member (out, "sdp", sdp);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
zero_message_build_offer (const char *to, const char *sdp)
{
  return build_sdp ("offer", to, sdp);
}

char *
zero_message_build_answer (const char *to, const char *sdp)
{
  return build_sdp ("answer", to, sdp);
}

char *
zero_message_build_ice (const char *to, const char *candidate, int sdp_mline_index,
                        const char *sdp_mid)
{
  GString *out;

  g_return_val_if_fail (to != NULL && candidate != NULL, NULL);
  g_return_val_if_fail (sdp_mid == NULL || *sdp_mid != '\0', NULL);
  g_return_val_if_fail (sdp_mid != NULL || sdp_mline_index >= 0, NULL);

  out = g_string_sized_new (strlen (candidate) + 96);
  append_type (out, "ice");
  append_string_member (out, "to", to);
  append_key (out, "candidate");
  g_string_append (out, "{\"candidate\":");
  zero_json_append_string (out, candidate, -1);
  if (sdp_mline_index >= 0)
    g_string_append_printf (out, ",\"sdpMLineIndex\":%d", sdp_mline_index);
  if (sdp_mid)
    append_string_member (out, "sdpMid", sdp_mid);
  g_string_append (out, "}}");
  return g_string_free (out, FALSE);
}

char *
zero_message_build_request_offer (const char *to)
{
  GString *out = g_string_sized_new (64);

  g_return_val_if_fail (to != NULL, NULL);

  append_type (out, "request-offer");
  append_string_member (out, "to", to);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
zero_message_build_broadcast (JsonNode *data)
{
  GString *out = g_string_sized_new (128);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  append_type (out, "broadcast");
  append_key (out, "data");
  if (data)
    {
      json_generator_set_root (gen, data);
      text = json_generator_to_data (gen, NULL);
      g_string_append (out, text);
    }
  else
    g_string_append (out, "null");
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
zero_message_build_data (const char *to, JsonObject *data)
{
  GString *out = g_string_sized_new (128);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  append_type (out, "data");
  if (to)
    append_string_member (out, "to", to);
  append_key (out, "data");
  json_node_set_object (node, data);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  g_string_append (out, text);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* After at least one member (append_key adds the comma). */
static void
append_sfu_members (GString *out, const ZeroMessageSfu *sfu)
{
  append_string_member (out, "url", sfu->url);
  append_key (out, "room");
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, sfu->room);
  append_string_member (out, "pin", sfu->pin);
}

void
zero_message_append_sfu (GString *out, const ZeroMessageSfu *sfu)
{
  g_return_if_fail (sfu != NULL && sfu->url != NULL && sfu->pin != NULL);
  g_return_if_fail (sfu->room >= 1 && sfu->room <= (guint64) ZERO_MESSAGE_MAX_ROOM);

  append_type (out, "sfu");
  append_string_member (out, "kind", "janus");
  append_sfu_members (out, sfu);
  g_string_append_c (out, '}');
}

char *
zero_message_build_sfu (const ZeroMessageSfu *sfu)
{
  GString *out = g_string_sized_new (128);

  zero_message_append_sfu (out, sfu);
  return g_string_free (out, FALSE);
}

char *
zero_message_build_ping (gint64 id)
{
  if (id < 0)
    return g_strdup ("{\"type\":\"ping\"}");
  return g_strdup_printf ("{\"type\":\"ping\",\"id\":%" G_GINT64_FORMAT "}", id);
}

void
zero_message_append_welcome (GString *out, const char *session, const char *peer_id,
                             const ZeroMessagePeer *peers, guint n_peers,
                             const char *ice_servers_json)
{
  zero_message_append_welcome_sfu (out, session, peer_id, peers, n_peers, ice_servers_json, NULL);
}

void
zero_message_append_welcome_sfu (GString *out, const char *session, const char *peer_id,
                                 const ZeroMessagePeer *peers, guint n_peers,
                                 const char *ice_servers_json, const ZeroMessageSfu *sfu)
{
  append_type (out, "welcome");
  append_string_member (out, "session", session);
  append_string_member (out, "peer_id", peer_id);
  append_key (out, "peers");
  g_string_append_c (out, '[');
  for (guint i = 0; i < n_peers; i++)
    {
      if (i)
        g_string_append_c (out, ',');
      g_string_append (out, "{\"peer_id\":");
      zero_json_append_string (out, peers[i].peer_id, -1);
      append_string_member (out, "name", peers[i].name);
      append_string_member (out, "role", zero_role_to_string (peers[i].role));
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
  append_key (out, "ice_servers");
  g_string_append (out, ice_servers_json ? ice_servers_json : "[]");
  if (sfu)
    {
      append_key (out, "sfu");
      g_string_append (out, "{\"kind\":\"janus\"");
      append_sfu_members (out, sfu);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, '}');
}

char *
zero_message_build_welcome (const char *session, const char *peer_id,
                            const ZeroMessagePeer *peers, guint n_peers,
                            const char *ice_servers_json)
{
  GString *out = g_string_sized_new (256);

  g_return_val_if_fail (session != NULL && peer_id != NULL, NULL);
  g_return_val_if_fail (n_peers == 0 || peers != NULL, NULL);

  zero_message_append_welcome (out, session, peer_id, peers, n_peers, ice_servers_json);
  return g_string_free (out, FALSE);
}

void
zero_message_append_peer_joined (GString *out, const char *peer_id, const char *name,
                                 ZeroRole role)
{
  append_type (out, "peer-joined");
  append_string_member (out, "peer_id", peer_id);
  append_string_member (out, "name", name);
  append_string_member (out, "role", zero_role_to_string (role));
  g_string_append_c (out, '}');
}

char *
zero_message_build_peer_joined (const char *peer_id, const char *name, ZeroRole role)
{
  GString *out = g_string_sized_new (96);

  g_return_val_if_fail (peer_id != NULL && name != NULL, NULL);

  zero_message_append_peer_joined (out, peer_id, name, role);
  return g_string_free (out, FALSE);
}

void
zero_message_append_peer_left (GString *out, const char *peer_id, ZeroLeaveReason reason)
{
  append_type (out, "peer-left");
  append_string_member (out, "peer_id", peer_id);
  append_string_member (out, "reason", zero_leave_reason_to_string (reason));
  g_string_append_c (out, '}');
}

char *
zero_message_build_peer_left (const char *peer_id, ZeroLeaveReason reason)
{
  GString *out = g_string_sized_new (80);

  g_return_val_if_fail (peer_id != NULL, NULL);

  zero_message_append_peer_left (out, peer_id, reason);
  return g_string_free (out, FALSE);
}

void
zero_message_append_pong (GString *out, const char *id_json, gsize id_len)
{
  append_type (out, "pong");
  if (id_json)
    {
      append_key (out, "id");
      g_string_append_len (out, id_json, (gssize) id_len);
    }
  g_string_append_c (out, '}');
}

char *
zero_message_build_pong (const char *id_json)
{
  GString *out = g_string_sized_new (48);

  zero_message_append_pong (out, id_json, id_json ? strlen (id_json) : 0);
  return g_string_free (out, FALSE);
}

void
zero_message_append_error (GString *out, ZeroProtocolError code, const char *message,
                           const char *ref)
{
  append_type (out, "error");
  append_string_member (out, "code", zero_protocol_error_to_string (code));
  append_string_member (out, "message", message ? message : "");
  if (ref)
    append_string_member (out, "ref", ref);
  g_string_append_c (out, '}');
}

char *
zero_message_build_error (ZeroProtocolError code, const char *message, const char *ref)
{
  GString *out = g_string_sized_new (128);

  zero_message_append_error (out, code, message, ref);
  return g_string_free (out, FALSE);
}

void
zero_message_append_relay (GString *out, const ZeroJsonDoc *doc, const char *from)
{
  const ZeroJsonNode *root = zero_json_root (doc);

  g_return_if_fail (root != NULL && root->kind == ZERO_JSON_OBJECT);

  g_string_append (out, "{\"from\":");
  zero_json_append_string (out, from, -1);
  for (const ZeroJsonNode *c = zero_json_first_child (doc, root); c; c = zero_json_next (doc, c))
    {
      if (zero_json_key_equal (doc, c, "from"))
        continue;
      g_string_append_c (out, ',');
      g_string_append_len (out, doc->text + c->key_start, c->end - c->key_start);
    }
  g_string_append_c (out, '}');
}

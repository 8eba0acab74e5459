/* zero-data-message.c: field tables, validation and builders for the peer data channel
 * (PROTOCOL.md section 7).
 *
 * The tables follow signaling/zero-message.c's pattern (that one is private to the signaling
 * module); each row also says where the validated value goes in ZeroDataMessage, so that
 * reading a message is one loop over its table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-data-message.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "signaling/zero-json.h"
#include "signaling/zero-uuid.h"

typedef enum {
  FIELD_STRING, /* char * */
  FIELD_BOOL,   /* gboolean */
  FIELD_INT64,  /* gint64 */
  FIELD_INT,    /* int */
  FIELD_JSON,   /* JsonNode *: any JSON value */
} FieldType;

typedef enum {
  CHECK_NONE,
  CHECK_UUID,       /* canonical lower-case UUID */
  CHECK_CHAT_TEXT,  /* 1..4096 characters, no NUL */
  CHECK_TIMESTAMP,  /* 0..2^53-1 */
  CHECK_REQUEST_ID, /* -(2^53-1)..2^53-1 */
  CHECK_METHOD,     /* GET | POST */
  CHECK_PATH,       /* "/...", at most ZERO_DATA_MAX_PATH bytes, no control characters */
  CHECK_STATUS,     /* 100..599 */
} FieldCheck;

enum {
  OPTIONAL = 0,
  REQUIRED = 1 << 0,
  NULL_IS_ABSENT = 1 << 1, /* a JSON null counts as absent */
};

typedef struct {
  const char *name;
  FieldType type;
  guint flags;
  FieldCheck check;
  gssize offset;         /* where the value goes in ZeroDataMessage */
  gssize present_offset; /* a gboolean set when the field was present, or -1 */
} Field;

#define AT(member) ((gssize) offsetof (ZeroDataMessage, member))
#define END { NULL, 0, 0, 0, 0, -1 }

static const Field chat_fields[] = {
  { "id", FIELD_STRING, REQUIRED, CHECK_UUID, AT (chat_id), -1 },
  { "text", FIELD_STRING, REQUIRED, CHECK_CHAT_TEXT, AT (text), -1 },
  { "ts", FIELD_INT64, REQUIRED, CHECK_TIMESTAMP, AT (ts), -1 },
  END
};

static const Field state_fields[] = {
  { "audio", FIELD_BOOL, REQUIRED, CHECK_NONE, AT (state.audio), -1 },
  { "video", FIELD_BOOL, REQUIRED, CHECK_NONE, AT (state.video), -1 },
  { "screen", FIELD_BOOL, REQUIRED, CHECK_NONE, AT (state.screen), -1 },
  { "hand", FIELD_BOOL, OPTIONAL | NULL_IS_ABSENT, CHECK_NONE, AT (state.hand),
    AT (state.has_hand) },
  END
};

static const Field request_fields[] = {
  { "id", FIELD_INT64, REQUIRED, CHECK_REQUEST_ID, AT (request_id), -1 },
  { "method", FIELD_STRING, REQUIRED, CHECK_METHOD, AT (method), -1 },
  { "path", FIELD_STRING, REQUIRED, CHECK_PATH, AT (path), -1 },
  { "body", FIELD_JSON, OPTIONAL, CHECK_NONE, AT (body), -1 },
  END
};

/* A browser peer may leave `body` out; it then reads as null. */
static const Field response_fields[] = {
  { "id", FIELD_INT64, REQUIRED, CHECK_REQUEST_ID, AT (request_id), -1 },
  { "status", FIELD_INT, REQUIRED, CHECK_STATUS, AT (status), -1 },
  { "body", FIELD_JSON, OPTIONAL, CHECK_NONE, AT (body), -1 },
  END
};

static const struct {
  const char *name;
  const Field *fields;
} types[] = {
  [ZERO_DATA_MESSAGE_INVALID] = { NULL, NULL },
  [ZERO_DATA_MESSAGE_CHAT] = { "chat", chat_fields },
  [ZERO_DATA_MESSAGE_STATE] = { "state", state_fields },
  [ZERO_DATA_MESSAGE_REQUEST] = { "request", request_fields },
  [ZERO_DATA_MESSAGE_RESPONSE] = { "response", response_fields },
};

const char *
zero_data_message_type_to_string (ZeroDataMessageType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (types), NULL);
  return types[type].name;
}

/* --- validation ---------------------------------------------------------- */

static gboolean
bad (GError    **error,
     const char *field,
     const char *format,
     ...) G_GNUC_PRINTF (3, 4);

static gboolean
bad (GError    **error,
     const char *field,
     const char *format,
     ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "field '%s' %s",
               field, what);
  return FALSE;
}

static const char *
kind_name (guint8 kind)
{
  switch ((ZeroJsonKind) kind)
    {
    case ZERO_JSON_NULL:
      return "null";
    case ZERO_JSON_FALSE:
    case ZERO_JSON_TRUE:
      return "a boolean";
    case ZERO_JSON_NUMBER:
      return "a number";
    case ZERO_JSON_STRING:
      return "a string";
    case ZERO_JSON_ARRAY:
      return "an array";
    case ZERO_JSON_OBJECT:
      return "an object";
    default:
      return "?";
    }
}

gboolean
zero_data_check_chat_text (const char *text,
                           GError    **error)
{
  glong chars;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "a chat message must be UTF-8 text");
      return FALSE;
    }
  chars = g_utf8_strlen (text, -1);
  if (chars < 1 || chars > ZERO_DATA_CHAT_MAX_CHARS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "a chat message must be 1 to %d characters long (this one has %ld)",
                   ZERO_DATA_CHAT_MAX_CHARS, chars);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_string (const char *s,
              gsize       len,
              FieldCheck  check,
              const char *name,
              GError    **error)
{
  if (strlen (s) != len)
    return bad (error, name, "must not contain U+0000");

  switch (check)
    {
    case CHECK_UUID:
      if (!zero_uuid_is_valid (s))
        return bad (error, name, "must be a lower-case UUID (36 characters)");
      return TRUE;
    case CHECK_CHAT_TEXT:
      {
        glong chars = g_utf8_strlen (s, (gssize) len);

        if (chars < 1 || chars > ZERO_DATA_CHAT_MAX_CHARS)
          return bad (error, name, "must be 1 to %d characters long", ZERO_DATA_CHAT_MAX_CHARS);
        return TRUE;
      }
    case CHECK_METHOD:
      if (strcmp (s, "GET") != 0 && strcmp (s, "POST") != 0)
        return bad (error, name, "must be \"GET\" or \"POST\"");
      return TRUE;
    case CHECK_PATH:
      if (len < 1 || s[0] != '/')
        return bad (error, name, "must start with '/'");
      if (len > ZERO_DATA_MAX_PATH)
        return bad (error, name, "must be at most %d bytes long", ZERO_DATA_MAX_PATH);
      for (gsize i = 0; i < len; i++)
        if ((guchar) s[i] < 0x20 || s[i] == 0x7f)
          return bad (error, name, "must not contain control characters");
      return TRUE;
    default:
      return TRUE;
    }
}

static gboolean
check_int (gint64      v,
           FieldCheck  check,
           const char *name,
           GError    **error)
{
  switch (check)
    {
    case CHECK_TIMESTAMP:
      if (v < 0 || v > ZERO_DATA_MAX_REQUEST_ID)
        return bad (error, name, "must be milliseconds since the epoch (0 to 2^53-1)");
      return TRUE;
    case CHECK_REQUEST_ID:
      if (v < -ZERO_DATA_MAX_REQUEST_ID || v > ZERO_DATA_MAX_REQUEST_ID)
        return bad (error, name, "must be an integer of at most 53 bits");
      return TRUE;
    case CHECK_STATUS:
      if (v < 100 || v > 599)
        return bad (error, name, "must be an HTTP status code (100 to 599)");
      return TRUE;
    default:
      return TRUE;
    }
}

static void
clear_fields (ZeroDataMessage *msg,
              const Field     *fields)
{
  for (const Field *f = fields; f->name; f++)
    {
      gpointer slot = (guint8 *) msg + f->offset;

      if (f->type == FIELD_STRING)
        g_clear_pointer ((char **) slot, g_free);
      else if (f->type == FIELD_JSON)
        g_clear_pointer ((JsonNode **) slot, json_node_unref);
    }
}

static gboolean
json_value_is_finite (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_DOUBLE
             || isfinite (json_node_get_double (node));
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!json_value_is_finite (json_array_get_element (array, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          if (!json_value_is_finite (member))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/* Checks every field of @fields in @root and stores the values in @msg. */
static gboolean
read_fields (const ZeroJsonDoc  *doc,
             const ZeroJsonNode *root,
             const Field        *fields,
             ZeroDataMessage    *msg,
             GError            **error)
{
  for (const Field *f = fields; f->name; f++)
    {
      const ZeroJsonNode *node = zero_json_object_get (doc, root, f->name);
      gpointer slot = (guint8 *) msg + f->offset;

      if (node != NULL && node->kind == ZERO_JSON_NULL && (f->flags & NULL_IS_ABSENT))
        node = NULL;
      if (node == NULL)
        {
          if (f->flags & REQUIRED)
            return bad (error, f->name, "is missing");
          continue;
        }

      switch (f->type)
        {
        case FIELD_STRING:
          {
            g_autoptr (GString) s = NULL;

            if (node->kind != ZERO_JSON_STRING)
              return bad (error, f->name, "must be a string, not %s", kind_name (node->kind));
            s = g_string_sized_new (node->end - node->start);
            zero_json_string_append (doc, node, s);
            if (!check_string (s->str, s->len, f->check, f->name, error))
              return FALSE;
            *(char **) slot = g_string_free (g_steal_pointer (&s), FALSE);
            break;
          }
        case FIELD_BOOL:
          if (node->kind != ZERO_JSON_TRUE && node->kind != ZERO_JSON_FALSE)
            return bad (error, f->name, "must be a boolean, not %s", kind_name (node->kind));
          *(gboolean *) slot = node->kind == ZERO_JSON_TRUE;
          break;
        case FIELD_INT64:
        case FIELD_INT:
          {
            gint64 v = 0;

            if (!zero_json_get_int (doc, node, &v))
              return bad (error, f->name, "must be an integer, not %s",
                          node->kind == ZERO_JSON_NUMBER ? "a non-integer number"
                                                         : kind_name (node->kind));
            if (!check_int (v, f->check, f->name, error))
              return FALSE;
            if (f->type == FIELD_INT)
              *(int *) slot = (int) v; /* CHECK_STATUS keeps it small */
            else
              *(gint64 *) slot = v;
            break;
          }
        case FIELD_JSON:
          {
            g_autoptr (JsonNode) value = zero_json_to_json_node (doc, node);

            /* 1e999 is valid JSON text, but as a double it is "inf", which we could
             * neither answer nor forward as JSON. */
            if (!json_value_is_finite (value))
              return bad (error, f->name, "holds a number out of range");
            *(JsonNode **) slot = g_steal_pointer (&value);
            break;
          }
        default:
          g_assert_not_reached ();
        }
      if (f->present_offset >= 0)
        *(gboolean *) ((guint8 *) msg + f->present_offset) = TRUE;
    }
  return TRUE;
}

static ZeroDataMessageType
type_from_node (const ZeroJsonDoc  *doc,
                const ZeroJsonNode *node,
                char              **out_name)
{
  g_autofree char *name = zero_json_string_dup (doc, node);

  for (guint i = 1; i < G_N_ELEMENTS (types); i++)
    if (strcmp (name, types[i].name) == 0)
      return (ZeroDataMessageType) i;
  if (strlen (name) > 64)
    strcpy (name + 61, "...");
  *out_name = g_steal_pointer (&name);
  return ZERO_DATA_MESSAGE_INVALID;
}

ZeroDataMessage *
zero_data_message_parse (const char *data,
                         gssize      length,
                         gint64     *out_request_id,
                         GError    **error)
{
  ZeroJsonDoc doc;
  g_autoptr (GError) json_error = NULL;
  g_autoptr (ZeroDataMessage) msg = NULL;
  const ZeroJsonNode *root, *type_node;
  ZeroDataMessageType type;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_request_id)
    *out_request_id = -1;
  if (length < 0)
    length = (gssize) strlen (data);
  if (length > ZERO_DATA_MAX_MESSAGE)
    {
      g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
                   "a data-channel message may be at most %d bytes (this one has %"
                   G_GSSIZE_FORMAT ")", ZERO_DATA_MAX_MESSAGE, length);
      return NULL;
    }

  zero_json_doc_init (&doc);
  if (!zero_json_parse (&doc, data, (gsize) length, &json_error))
    {
      g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE, "not JSON: %s",
                   json_error->message);
      goto out;
    }
  root = zero_json_root (&doc);
  if (root == NULL || root->kind != ZERO_JSON_OBJECT)
    {
      g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
                   "a message must be a JSON object, not %s",
                   root ? kind_name (root->kind) : "nothing");
      goto out;
    }
  type_node = zero_json_object_get (&doc, root, "type");
  if (type_node == NULL || type_node->kind != ZERO_JSON_STRING)
    {
      g_set_error_literal (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_BAD_MESSAGE,
                           type_node ? "field 'type' must be a string"
                                     : "field 'type' is missing");
      goto out;
    }
  {
    g_autofree char *unknown = NULL;

    type = type_from_node (&doc, type_node, &unknown);
    if (type == ZERO_DATA_MESSAGE_INVALID)
      {
        g_set_error (error, ZERO_PROTOCOL_ERROR, ZERO_PROTOCOL_ERROR_UNKNOWN_TYPE,
                     "unknown data-channel message type \"%s\"", unknown);
        goto out;
      }
  }

  /* A request with a usable id gets a 400 answer even when the rest is wrong. */
  if (type == ZERO_DATA_MESSAGE_REQUEST && out_request_id)
    {
      gint64 id;

      if (zero_json_get_int (&doc, zero_json_object_get (&doc, root, "id"), &id) &&
          check_int (id, CHECK_REQUEST_ID, "id", NULL))
        *out_request_id = id;
    }

  msg = g_new0 (ZeroDataMessage, 1);
  msg->type = type;
  if (!read_fields (&doc, root, types[type].fields, msg, error))
    {
      g_clear_pointer (&msg, zero_data_message_free);
      goto out;
    }
  if (type == ZERO_DATA_MESSAGE_RESPONSE && msg->body == NULL)
    msg->body = json_node_new (JSON_NODE_NULL);

out:
  zero_json_doc_clear (&doc);
  return g_steal_pointer (&msg);
}

void
zero_data_message_free (ZeroDataMessage *msg)
{
  if (msg == NULL)
    return;
  for (guint i = 1; i < G_N_ELEMENTS (types); i++)
    clear_fields (msg, types[i].fields);
  g_free (msg);
}

/* --- builders ------------------------------------------------------------ */

static void
append_json (GString  *out,
             JsonNode *node)
{
  /* Our own writer: json-glib 1.6 writes a double such as 1e26 as "1e+26.0", not JSON. */
  if (node == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            zero_json_append_string (out, name, -1);
            g_string_append_c (out, ':');
            append_json (out, member);
          }
        g_string_append_c (out, '}');
        break;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_json (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
        break;
      }
    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_STRING)
          zero_json_append_string (out, json_node_get_string (node), -1);
        else if (type == G_TYPE_BOOLEAN)
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
        else if (type == G_TYPE_DOUBLE)
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            double v = json_node_get_double (node);

            /* the parser refuses non-finite numbers; stay valid if one slips in */
            g_string_append (out, isfinite (v) ? g_ascii_dtostr (buf, sizeof buf, v) : "null");
          }
        else
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
        break;
      }
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

char *
zero_data_message_build_chat (const char *chat_id,
                              const char *text,
                              gint64      ts)
{
  GString *out = g_string_new ("{\"type\":\"chat\",\"id\":");

  g_return_val_if_fail (chat_id != NULL && text != NULL, NULL);

  zero_json_append_string (out, chat_id, -1);
  g_string_append (out, ",\"text\":");
  zero_json_append_string (out, text, -1);
  g_string_append_printf (out, ",\"ts\":%" G_GINT64_FORMAT "}", ts);
  return g_string_free (out, FALSE);
}

char *
zero_data_message_build_state (const ZeroDataState *state)
{
  g_return_val_if_fail (state != NULL, NULL);

  return g_strdup_printf ("{\"type\":\"state\",\"audio\":%s,\"video\":%s,\"screen\":%s,"
                          "\"hand\":%s}",
                          state->audio ? "true" : "false", state->video ? "true" : "false",
                          state->screen ? "true" : "false", state->hand ? "true" : "false");
}

char *
zero_data_message_build_request (gint64      request_id,
                                 const char *method,
                                 const char *path,
                                 JsonNode   *body)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (method != NULL && path != NULL, NULL);

  g_string_append_printf (out, "{\"type\":\"request\",\"id\":%" G_GINT64_FORMAT ",\"method\":",
                          request_id);
  zero_json_append_string (out, method, -1);
  g_string_append (out, ",\"path\":");
  zero_json_append_string (out, path, -1);
  if (body != NULL)
    {
      g_string_append (out, ",\"body\":");
      append_json (out, body);
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
zero_data_message_build_response (gint64    request_id,
                                  int       status,
                                  JsonNode *body)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"type\":\"response\",\"id\":%" G_GINT64_FORMAT
                          ",\"status\":%d,\"body\":", request_id, status);
  append_json (out, body);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

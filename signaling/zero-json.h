/* zero-json.h: a strict RFC 8259 JSON reader that indexes text in place.
 *
 * json-glib 1.6 is lenient (comments, single quotes, hex numbers, trailing
 * garbage, "\u0000" truncation, integer overflow to -1), and the server relays
 * what clients send to browsers whose JSON.parse is strict. So every message is
 * checked by this reader: it accepts exactly RFC 8259 (UTF-8, no BOM, no lone
 * surrogate escapes), copies nothing, and records each value as a node with its
 * byte span. A ZeroJsonDoc is reused from message to message, so parsing does
 * not allocate once its node array has grown. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  ZERO_JSON_NULL,
  ZERO_JSON_FALSE,
  ZERO_JSON_TRUE,
  ZERO_JSON_NUMBER,
  ZERO_JSON_STRING,
  ZERO_JSON_ARRAY,
  ZERO_JSON_OBJECT,
} ZeroJsonKind;

enum
{
  ZERO_JSON_FLAG_ESCAPED = 1 << 0, /* string value contains backslash escapes */
  ZERO_JSON_FLAG_KEY_ESCAPED = 1 << 1, /* member key contains backslash escapes */
  ZERO_JSON_FLAG_INTEGER = 1 << 2, /* number without fraction or exponent */
};

/* Nodes live in one array; index 0 is the root. Offsets are byte offsets into
 * the text; string spans include their quotes. */
typedef struct
{
  guint8 kind;
  guint8 flags;
  guint16 reserved;
  guint32 start, end;         /* the value: text[start..end) */
  guint32 key_start, key_end; /* object members: the key with its quotes */
  guint32 first_child;        /* arrays and objects; 0 when empty */
  guint32 next;               /* next sibling; 0 when last */
  guint32 n_children;
} ZeroJsonNode;

typedef struct
{
  const char *text;
  gsize length;
  ZeroJsonNode *nodes;
  guint n_nodes;
  guint alloc_nodes;
  guint max_depth;
} ZeroJsonDoc;

#define ZERO_JSON_DEFAULT_MAX_DEPTH 64

void         zero_json_doc_init        (ZeroJsonDoc *doc);
void         zero_json_doc_clear       (ZeroJsonDoc *doc);

/* Indexes @text (which must stay alive while @doc is used). On error, sets
 * @error (G_IO_ERROR_INVALID_DATA) with a message naming the problem and its
 * byte offset. */
gboolean     zero_json_parse           (ZeroJsonDoc  *doc,
                                        const char   *text,
                                        gsize         length,
                                        GError      **error);

static inline const ZeroJsonNode *
zero_json_root (const ZeroJsonDoc *doc)
{
  return doc->n_nodes > 0 ? &doc->nodes[0] : NULL;
}

static inline const ZeroJsonNode *
zero_json_first_child (const ZeroJsonDoc *doc, const ZeroJsonNode *node)
{
  return node->first_child ? &doc->nodes[node->first_child] : NULL;
}

static inline const ZeroJsonNode *
zero_json_next (const ZeroJsonDoc *doc, const ZeroJsonNode *node)
{
  return node->next ? &doc->nodes[node->next] : NULL;
}

/* The last member of @object named @key (duplicate keys: last one wins, as in
 * JSON.parse), or NULL. Escaped keys are decoded before comparing. */
const ZeroJsonNode *zero_json_object_get (const ZeroJsonDoc  *doc,
                                          const ZeroJsonNode *object,
                                          const char         *key);

/* TRUE when the member @node's key equals @key. */
gboolean     zero_json_key_equal       (const ZeroJsonDoc  *doc,
                                        const ZeroJsonNode *node,
                                        const char         *key);

/* Appends the decoded string value (UTF-8; "\u0000" becomes a NUL byte). */
void         zero_json_string_append   (const ZeroJsonDoc  *doc,
                                        const ZeroJsonNode *node,
                                        GString            *out);
char        *zero_json_string_dup      (const ZeroJsonDoc  *doc,
                                        const ZeroJsonNode *node);
gboolean     zero_json_string_equal    (const ZeroJsonDoc  *doc,
                                        const ZeroJsonNode *node,
                                        const char         *str);

/* Integer numbers only (no fraction or exponent) that fit in a gint64. */
gboolean     zero_json_get_int         (const ZeroJsonDoc  *doc,
                                        const ZeroJsonNode *node,
                                        gint64             *out);

/* Builds a json-glib tree. Integers that do not fit a gint64 and numbers with
 * a fraction or exponent become doubles; a NUL in a string becomes U+FFFD. */
JsonNode    *zero_json_to_json_node    (const ZeroJsonDoc  *doc,
                                        const ZeroJsonNode *node);

/* Appends @str as a JSON string literal, with quotes. @len may be -1. */
void         zero_json_append_string   (GString            *out,
                                        const char         *str,
                                        gssize              len);

G_END_DECLS

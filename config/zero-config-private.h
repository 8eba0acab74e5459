/* zero-config-private.h: shared between the files of config/, not public.
 *
 * The pieces: a YAML tree that remembers where every node sits in the text
 * (zero-yaml-doc.c), a reader that checks that tree against the key table
 * and yields typed values and located problems (zero-config-reader.c), and a
 * writer that patches new values into the original text (zero-config-writer.c). */
#pragma once

#include <yaml.h>

#include "config/zero-config.h"

G_BEGIN_DECLS

/* Config files larger than this are refused: no real config comes close. */
#define ZERO_CONFIG_MAX_FILE_SIZE (1024 * 1024)
/* Deeper nesting is refused; it also bounds the recursion over the tree. */
#define ZERO_YAML_MAX_DEPTH 32

/* ---- the key table (zero-config-key.c) ----------------------------------- */

guint    _zero_config_key_index       (const ZeroConfigKey *key);
gboolean _zero_config_is_section      (const char *prefix);
gboolean _zero_config_split_host_port (const char *text,
                                       char      **host,
                                       guint      *port,
                                       char      **why);

/* ---- typed values (zero-config-reader.c) --------------------------------- */

typedef struct
{
  gboolean set;
  char *s;          /* STRING, ENUM (canonical spelling) */
  gint64 i;         /* INT, BOOL */
  GPtrArray *ice;   /* ICE_SERVERS: of ZeroIceServer, never NULL when set */
  guint line, column; /* where it was read; 0 when not from a file */
} ZeroConfigValue;

void     _zero_config_value_clear       (ZeroConfigValue *value);
void     _zero_config_value_copy        (ZeroConfigValue       *dest,
                                         const ZeroConfigValue *src);
void     _zero_config_value_set_default (const ZeroConfigKey *key,
                                         ZeroConfigValue     *value);
gboolean _zero_config_value_equal       (const ZeroConfigKey   *key,
                                         const ZeroConfigValue *a,
                                         const ZeroConfigValue *b);
gboolean _zero_config_value_from_text   (const ZeroConfigKey *key,
                                         const char          *text,
                                         gboolean             plain,
                                         ZeroConfigValue     *out,
                                         ZeroConfigError     *code,
                                         char               **why);
gboolean _zero_config_check_int         (const ZeroConfigKey *key,
                                         gint64               value,
                                         char               **why);
gboolean _zero_config_check_ice_servers (GPtrArray *servers,
                                         char     **why);
gboolean _zero_config_check_relations   (const ZeroConfigValue *effective,
                                         guint                  focus,
                                         guint                 *key_index,
                                         char                 **why);
char    *_zero_config_describe_text     (const char *text);

/* ---- the YAML tree (zero-yaml-doc.c) ------------------------------------- */

typedef enum
{
  ZERO_YAML_SCALAR,
  ZERO_YAML_MAPPING,
  ZERO_YAML_SEQUENCE,
} ZeroYamlKind;

typedef struct _ZeroYamlNode ZeroYamlNode;

struct _ZeroYamlNode
{
  ZeroYamlKind kind;
  gsize start;         /* byte offset of the node's first character */
  gsize end;           /* byte offset just past its content (trailing blank lines excluded) */
  gsize close;         /* flow collections: byte offset of the closing bracket */
  guint line, column;  /* of @start, 1-based, column in characters */
  gboolean flow;
  /* scalars */
  char *value;
  gsize value_len;
  yaml_scalar_style_t style;
  gboolean tag_str;    /* "!!str": never resolved to null/int/bool */
  /* mapping: key, value, key, value, …; sequence: items */
  GPtrArray *children;
  ZeroYamlNode *parent;
};

typedef struct
{
  char *text;          /* the whole input, NUL-terminated */
  gsize len;
  ZeroYamlNode *root;  /* NULL when the stream holds no document */
  gsize append_at;     /* where text for a missing root mapping goes */
} ZeroYamlDoc;

typedef struct
{
  ZeroConfigError code;
  guint line, column;
  char *key;
  char *message;
} ZeroConfigProblem;

void          _zero_config_problem_free (ZeroConfigProblem *problem);
ZeroYamlDoc  *_zero_yaml_doc_parse      (const char         *text,
                                         gsize               len,
                                         ZeroConfigProblem **problem);
void          _zero_yaml_doc_free       (ZeroYamlDoc *doc);
gboolean      _zero_yaml_node_is_null   (const ZeroYamlNode *node);
gboolean      _zero_yaml_node_is_plain  (const ZeroYamlNode *node);
ZeroYamlNode *_zero_yaml_mapping_lookup (const ZeroYamlNode *mapping,
                                         const char         *key,
                                         ZeroYamlNode      **key_node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroYamlDoc, _zero_yaml_doc_free)

/* ---- reading a whole text (zero-config-reader.c) ------------------------- */

typedef struct
{
  ZeroYamlDoc *doc;        /* NULL after a syntax error */
  ZeroConfigValue *values; /* one per key; set when present in the text */
  GPtrArray *errors;       /* of char *: "file:line:col: key: text" */
  ZeroConfigError first_code;
  GPtrArray *warnings;     /* of char *, same format */
} ZeroConfigParse;

ZeroConfigParse *_zero_config_parse      (const char *text,
                                          gsize       len,
                                          const char *display_name);
void             _zero_config_parse_free (ZeroConfigParse *parse);
GError          *_zero_config_parse_error (ZeroConfigParse *parse);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroConfigParse, _zero_config_parse_free)

/* ---- writing (zero-config-writer.c) -------------------------------------- */

char *_zero_config_patch_text (const ZeroYamlDoc     *doc,
                               const ZeroConfigValue *edits,
                               gsize                 *len,
                               GError               **error);
char *_zero_config_quote_string (const char          *value,
                                 yaml_scalar_style_t  preferred);

/* ---- the object (zero-config.c) ------------------------------------------ */

char *_zero_config_render_save (ZeroConfig *self,
                                const char *base_text,
                                gsize       base_len,
                                gsize      *len,
                                GError    **error);

G_END_DECLS

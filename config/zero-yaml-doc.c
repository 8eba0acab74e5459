/* zero-yaml-doc.c: a YAML tree that remembers where each node is.
 *
 * libyaml's document API drops the marks of mapping keys and the styles we
 * need to patch a file in place, so the tree is built from parser events.
 * libyaml marks count characters, not bytes: they are mapped back to byte
 * offsets so the writer can splice the original UTF-8 text. */
#include "config/zero-config-private.h"

#include <string.h>

void
_zero_config_problem_free (ZeroConfigProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->key);
  g_free (problem->message);
  g_free (problem);
}

static void
node_free (ZeroYamlNode *node)
{
  if (node == NULL)
    return;
  g_free (node->value);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node);
}

void
_zero_yaml_doc_free (ZeroYamlDoc *doc)
{
  if (doc == NULL)
    return;
  node_free (doc->root);
  g_free (doc->text);
  g_free (doc);
}

gboolean
_zero_yaml_node_is_plain (const ZeroYamlNode *node)
{
  return node->kind == ZERO_YAML_SCALAR && node->style == YAML_PLAIN_SCALAR_STYLE
         && !node->tag_str;
}

/* TRUE for an empty value, "~" or "null" written plain (YAML core schema). */
gboolean
_zero_yaml_node_is_null (const ZeroYamlNode *node)
{
  if (node == NULL || !_zero_yaml_node_is_plain (node))
    return FALSE;
  return node->value[0] == '\0' || strcmp (node->value, "~") == 0
         || strcmp (node->value, "null") == 0 || strcmp (node->value, "Null") == 0
         || strcmp (node->value, "NULL") == 0;
}

ZeroYamlNode *
_zero_yaml_mapping_lookup (const ZeroYamlNode *mapping,
                           const char         *key,
                           ZeroYamlNode      **key_node)
{
  if (mapping == NULL || mapping->kind != ZERO_YAML_MAPPING)
    return NULL;
  for (guint i = 0; i + 1 < mapping->children->len; i += 2)
    {
      ZeroYamlNode *k = g_ptr_array_index (mapping->children, i);

      if (k->kind == ZERO_YAML_SCALAR && strcmp (k->value, key) == 0)
        {
          if (key_node)
            *key_node = k;
          return g_ptr_array_index (mapping->children, i + 1);
        }
    }
  return NULL;
}

typedef struct
{
  const char *text;  /* after any BOM */
  gsize base;        /* bytes skipped before @text (a BOM) */
  gsize *offsets;    /* character index -> byte offset; NULL when the text is ASCII */
  gsize n_chars;
  ZeroYamlDoc *doc;
  GPtrArray *stack;  /* open collections, innermost last */
  int documents;
  ZeroConfigProblem *problem;
} Builder;

static gsize
byte_offset (Builder *b,
             size_t   char_index)
{
  if (b->offsets == NULL)
    return b->base + char_index;
  return b->base + b->offsets[MIN (char_index, b->n_chars)];
}

/* The dotted key path being parsed, for syntax errors: "media.video". */
static char *
context_path (Builder *b)
{
  GString *path = g_string_new (NULL);

  for (guint i = 0; i < b->stack->len; i++)
    {
      ZeroYamlNode *node = g_ptr_array_index (b->stack, i);
      gboolean innermost = i + 1 == b->stack->len;
      guint n = node->children->len;

      if (node->kind == ZERO_YAML_MAPPING)
        {
          ZeroYamlNode *key = NULL;

          if (innermost && n % 2 == 1)
            key = g_ptr_array_index (node->children, n - 1);
          else if (!innermost && n >= 2)
            key = g_ptr_array_index (node->children, n - 2);
          if (key == NULL)
            break;
          if (key->kind != ZERO_YAML_SCALAR)
            break;
          g_string_append_printf (path, "%s%s", path->len ? "." : "", key->value);
        }
      else
        g_string_append_printf (path, "[%u]", innermost ? n : n - 1);
    }
  if (path->len == 0)
    g_string_append (path, "(top level)");
  return g_string_free (path, FALSE);
}

static void
set_problem (Builder    *b,
             guint       line,
             guint       column,
             const char *format,
             ...) G_GNUC_PRINTF (4, 5);

static void
set_problem (Builder    *b,
             guint       line,
             guint       column,
             const char *format,
             ...)
{
  va_list args;

  if (b->problem != NULL)
    return;
  b->problem = g_new0 (ZeroConfigProblem, 1);
  b->problem->code = ZERO_CONFIG_ERROR_SYNTAX;
  b->problem->line = line;
  b->problem->column = column;
  b->problem->key = context_path (b);
  va_start (args, format);
  b->problem->message = g_strdup_vprintf (format, args);
  va_end (args);
}

/* Line and column (1-based) of byte @offset of @text, for errors without a mark. */
static void
locate_offset (const char *text,
               gsize       offset,
               guint      *line,
               guint      *column)
{
  guint l = 1, c = 1;

  for (gsize i = 0; i < offset && text[i]; i++)
    {
      if (text[i] == '\n' || (text[i] == '\r' && text[i + 1] != '\n'))
        l++, c = 1;
      else if (((guchar) text[i] & 0xC0) != 0x80)
        c++;
    }
  *line = l;
  *column = c;
}

static ZeroYamlNode *
node_new (Builder           *b,
          ZeroYamlKind       kind,
          const yaml_mark_t *mark)
{
  ZeroYamlNode *node = g_new0 (ZeroYamlNode, 1);

  node->kind = kind;
  node->start = byte_offset (b, mark->index);
  node->end = node->start;
  node->line = (guint) mark->line + 1;
  node->column = (guint) mark->column + 1;
  if (kind != ZERO_YAML_SCALAR)
    node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  return node;
}

static gboolean
has_break (const char *text,
           gsize       from,
           gsize       to)
{
  for (gsize i = from; i < to; i++)
    if (text[i] == '\n' || text[i] == '\r')
      return TRUE;
  return FALSE;
}

/* Attaches @node to the innermost open collection (or makes it the root). */
static void
attach (Builder      *b,
        ZeroYamlNode *node)
{
  ZeroYamlNode *parent;

  if (b->stack->len == 0)
    {
      g_assert (b->doc->root == NULL);
      b->doc->root = node;
      return;
    }
  parent = g_ptr_array_index (b->stack, b->stack->len - 1);
  node->parent = parent;

  /* libyaml places a missing value ("? key" without ':', or "{key:" at the
   * end of a line) at the next token, possibly lines below; pull it back so
   * it does not stretch the end of its collection over what follows. */
  if (node->kind == ZERO_YAML_SCALAR && node->start == node->end
      && parent->kind == ZERO_YAML_MAPPING && parent->children->len % 2 == 1)
    {
      ZeroYamlNode *prev = g_ptr_array_index (parent->children, parent->children->len - 1);

      if (node->start > prev->end && has_break (b->doc->text, prev->end, node->start))
        {
          gsize p = prev->end;

          /* Just after the key's ':' when it has one ("{key:\n}"). */
          while (p < node->start && (b->doc->text[p] == ' ' || b->doc->text[p] == '\t'))
            p++;
          node->start = node->end = b->doc->text[p] == ':' ? p + 1 : prev->end;
        }
    }
  g_ptr_array_add (parent->children, node);
}

static gboolean
handle_event (Builder      *b,
              yaml_event_t *event)
{
  ZeroYamlNode *node;
  guint line = (guint) event->start_mark.line + 1;
  guint column = (guint) event->start_mark.column + 1;

  switch (event->type)
    {
    case YAML_DOCUMENT_START_EVENT:
      if (++b->documents > 1)
        {
          set_problem (b, line, column, "only one YAML document is allowed (found a second '---')");
          return FALSE;
        }
      return TRUE;

    case YAML_DOCUMENT_END_EVENT:
      /* New top-level keys go before an explicit "...", else at the very end. */
      b->doc->append_at = event->data.document_end.implicit
                            ? b->doc->len
                            : byte_offset (b, event->start_mark.index);
      return TRUE;

    case YAML_ALIAS_EVENT:
      set_problem (b, line, column, "aliases (*%s) are not supported in config.yaml",
                   (const char *) event->data.alias.anchor);
      return FALSE;

    case YAML_SCALAR_EVENT:
      node = node_new (b, ZERO_YAML_SCALAR, &event->start_mark);
      node->value = g_strndup ((const char *) event->data.scalar.value,
                               event->data.scalar.length);
      node->value_len = event->data.scalar.length;
      node->style = event->data.scalar.style;
      /* "!!str" and the non-specific "!" both make a scalar a string. */
      node->tag_str = event->data.scalar.tag != NULL
                      && (strcmp ((const char *) event->data.scalar.tag, YAML_STR_TAG) == 0
                          || strcmp ((const char *) event->data.scalar.tag, "!") == 0);
      node->end = byte_offset (b, event->end_mark.index);
      if ((node->style == YAML_LITERAL_SCALAR_STYLE || node->style == YAML_FOLDED_SCALAR_STYLE)
          && !g_str_has_suffix (node->value, "\n\n"))
        {
          /* A block scalar's end mark lies after its trailing blank lines;
           * they are part of it only with "keep" chomping (|+), seen as a
           * value that ends with blank lines. */
          while (node->end > node->start + 1
                 && strchr (" \t\r\n", b->doc->text[node->end - 1]) != NULL)
            node->end--;
        }
      attach (b, node);
      return TRUE;

    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
      if (b->stack->len >= ZERO_YAML_MAX_DEPTH)
        {
          set_problem (b, line, column, "nesting deeper than %d levels", ZERO_YAML_MAX_DEPTH);
          return FALSE;
        }
      node = node_new (b,
                       event->type == YAML_MAPPING_START_EVENT ? ZERO_YAML_MAPPING
                                                               : ZERO_YAML_SEQUENCE,
                       &event->start_mark);
      node->flow = event->type == YAML_MAPPING_START_EVENT
                     ? event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                     : event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
      attach (b, node);
      g_ptr_array_add (b->stack, node);
      return TRUE;

    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      g_assert (b->stack->len > 0);
      node = g_ptr_array_steal_index (b->stack, b->stack->len - 1);
      if (node->flow)
        {
          node->close = byte_offset (b, event->start_mark.index);
          node->end = byte_offset (b, event->end_mark.index);
        }
      else if (node->children->len > 0)
        {
          ZeroYamlNode *last = g_ptr_array_index (node->children, node->children->len - 1);

          /* A block collection ends where its last child does, not at the next token. */
          node->end = last->end;
        }
      return TRUE;

    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    default:
      return TRUE;
    }
}

/* Parses @text (UTF-8, optionally with a BOM). On failure returns NULL and a
 * problem with line, column and the key being parsed. */
ZeroYamlDoc *
_zero_yaml_doc_parse (const char         *text,
                      gsize               len,
                      ZeroConfigProblem **problem)
{
  Builder b = { 0 };
  yaml_parser_t parser;
  const char *invalid = NULL;
  gboolean done = FALSE;
  g_autoptr(ZeroYamlDoc) doc = g_new0 (ZeroYamlDoc, 1);

  doc->text = g_strndup (text, len);
  doc->len = len;
  doc->append_at = len;
  b.doc = doc;
  b.text = doc->text;

  if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    {
      b.text += 3;
      b.base = 3;
    }

  /* libyaml would report bad bytes with a byte offset but no line; do it here. */
  if (!g_utf8_validate_len (b.text, len - b.base, &invalid))
    {
      guint line, column;
      ZeroConfigProblem *p = g_new0 (ZeroConfigProblem, 1);

      locate_offset (doc->text, invalid - doc->text, &line, &column);
      p->code = ZERO_CONFIG_ERROR_SYNTAX;
      p->line = line;
      p->column = column;
      p->key = g_strdup ("(file)");
      p->message = g_strdup (*invalid == '\0' ? "the file contains a NUL byte"
                                              : "the file is not valid UTF-8");
      *problem = p;
      return NULL;
    }

  /* Character index -> byte offset, only needed when the text is not ASCII. */
  for (gsize i = b.base; i < len; i++)
    if ((guchar) text[i] >= 0x80)
      {
        const char *p = b.text;
        gsize n = 0;

        b.n_chars = g_utf8_strlen (b.text, len - b.base);
        b.offsets = g_new (gsize, b.n_chars + 1);
        for (; n < b.n_chars; n++, p = g_utf8_next_char (p))
          b.offsets[n] = p - b.text;
        b.offsets[n] = p - b.text;
        break;
      }

  b.stack = g_ptr_array_new ();
  yaml_parser_initialize (&parser);
  yaml_parser_set_input_string (&parser, (const unsigned char *) b.text, len - b.base);
  yaml_parser_set_encoding (&parser, YAML_UTF8_ENCODING);

  while (!done)
    {
      yaml_event_t event;

      if (!yaml_parser_parse (&parser, &event))
        {
          guint line, column;

          if (parser.error == YAML_READER_ERROR || parser.error == YAML_MEMORY_ERROR)
            locate_offset (doc->text, b.base + parser.problem_offset, &line, &column);
          else
            {
              line = (guint) parser.problem_mark.line + 1;
              column = (guint) parser.problem_mark.column + 1;
            }
          if (parser.context != NULL && parser.error != YAML_READER_ERROR)
            set_problem (&b, line, column, "%s (%s at line %u, column %u)",
                         parser.problem ? parser.problem : "invalid YAML", parser.context,
                         (guint) parser.context_mark.line + 1,
                         (guint) parser.context_mark.column + 1);
          else
            set_problem (&b, line, column, "%s", parser.problem ? parser.problem : "invalid YAML");
          break;
        }
      done = event.type == YAML_STREAM_END_EVENT;
      if (!handle_event (&b, &event))
        done = TRUE;
      yaml_event_delete (&event);
    }

  yaml_parser_delete (&parser);
  g_ptr_array_unref (b.stack);
  g_free (b.offsets);

  if (b.problem != NULL)
    {
      *problem = b.problem;
      return NULL;
    }
  return g_steal_pointer (&doc);
}

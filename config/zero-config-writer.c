/* zero-config-writer.c: patches new values into the text of a config file.
 *
 * The user's file is edited, not regenerated: a value is replaced in place
 * (keeping its quoting style when it can), a missing key is inserted at the
 * end of its mapping with the mapping's indentation (creating missing parent
 * mappings), and a list such as webrtc.ice_servers is replaced as a block.
 * Everything else (comments, blank lines, key order, unknown keys) is left
 * byte for byte. The caller re-reads the result to prove it round-trips. */
#include "config/zero-config-private.h"

#include <string.h>

typedef struct
{
  gsize start, end; /* replaced byte range; start == end inserts */
  guint depth;      /* same offset: deeper mappings' text goes first */
  guint order;
  char *text;
} Edit;

typedef struct
{
  guint key_index;
  char **segments; /* of the key, all of them */
  const ZeroConfigValue *value;
} Entry;

/* Keys to insert below one place that lacks them. */
typedef struct
{
  const ZeroYamlNode *node;     /* mapping, null scalar, or NULL for a missing document */
  const ZeroYamlNode *key_node; /* for a null scalar: its key */
  guint depth;                  /* number of segments of the path leading to @node */
  GPtrArray *entries;           /* of Entry */
} Anchor;

typedef struct
{
  const ZeroYamlDoc *doc;
  const char *nl;
  guint unit;
  GArray *edits;
  GPtrArray *anchors;
  GError *error;
} Writer;

static void
entry_free (Entry *entry)
{
  g_strfreev (entry->segments);
  g_free (entry);
}

static void
anchor_free (Anchor *anchor)
{
  g_ptr_array_unref (anchor->entries);
  g_free (anchor);
}

static void
edit_clear (Edit *edit)
{
  g_free (edit->text);
}

static void
add_edit (Writer *w,
          gsize   start,
          gsize   end,
          guint   depth,
          char   *text)
{
  Edit edit = { start, end, depth, w->edits->len, text };

  g_array_append_val (w->edits, edit);
}

static void
fail (Writer     *w,
      const char *key,
      const char *why)
{
  if (w->error == NULL)
    w->error = g_error_new (ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO,
                            "cannot update %s in the file automatically: %s", key, why);
}

/* ---- quoting ------------------------------------------------------------- */

/* Characters libyaml accepts unescaped inside a double-quoted scalar. */
static gboolean
is_printable (gunichar c)
{
  /* U+2028/U+2029 are line breaks to YAML 1.1: they would fold away. */
  return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029)
         || (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
}

static gboolean
needs_quotes (const char *s)
{
  static const char *const typed[] = { "null", "true", "false", "yes", "no", "on", "off",
                                       "y", "n", "~", NULL };

  if (*s == '\0' || strchr ("-?:,[]{}#&*!|>'\"%@` \t.+0123456789", s[0]) != NULL)
    return TRUE;
  if (s[strlen (s) - 1] == ' ')
    return TRUE;
  for (const char *p = s; *p; p++)
    {
      guchar c = (guchar) *p;

      /* ASCII only in plain scalars: line separators hide in U+0085/U+2028.
       * ':' and '#' are fine in some places only; quoting is always safe. */
      if (c < 0x20 || c >= 0x7F || strchr (",[]{}\"'\\:#", c) != NULL)
        return TRUE;
    }
  for (guint i = 0; typed[i]; i++)
    if (g_ascii_strcasecmp (s, typed[i]) == 0)
      return TRUE;
  return FALSE;
}

/* @value as a YAML scalar: plain when that reads back as the same string,
 * else in @preferred quotes (single or double), falling back to double. */
char *
_zero_config_quote_string (const char          *value,
                           yaml_scalar_style_t  preferred)
{
  GString *out;

  if (preferred == YAML_PLAIN_SCALAR_STYLE && !needs_quotes (value))
    return g_strdup (value);

  if (preferred == YAML_SINGLE_QUOTED_SCALAR_STYLE)
    {
      gboolean simple = TRUE;

      for (const char *p = value; *p && simple; p = g_utf8_next_char (p))
        simple = is_printable (g_utf8_get_char (p));
      if (simple)
        {
          out = g_string_new ("'");
          for (const char *p = value; *p; p++)
            {
              if (*p == '\'')
                g_string_append_c (out, '\'');
              g_string_append_c (out, *p);
            }
          g_string_append_c (out, '\'');
          return g_string_free (out, FALSE);
        }
    }

  out = g_string_new ("\"");
  for (const char *p = value; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        default:
          if (is_printable (c))
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
          else if (c < 0x100)
            g_string_append_printf (out, "\\x%02X", c);
          else if (c < 0x10000)
            g_string_append_printf (out, "\\u%04X", c);
          else
            g_string_append_printf (out, "\\U%08X", c);
        }
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static char *
scalar_text (const ZeroConfigKey   *key,
             const ZeroConfigValue *value,
             yaml_scalar_style_t    style)
{
  switch (key->type)
    {
    case ZERO_CONFIG_TYPE_STRING:
      if (style != YAML_SINGLE_QUOTED_SCALAR_STYLE && style != YAML_PLAIN_SCALAR_STYLE)
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
      return _zero_config_quote_string (value->s, style);
    case ZERO_CONFIG_TYPE_ENUM:
      /* Choices are plain words; quote only if the user did. */
      if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        return _zero_config_quote_string (value->s, style);
      return g_strdup (value->s);
    case ZERO_CONFIG_TYPE_INT:
      return g_strdup_printf ("%" G_GINT64_FORMAT, value->i);
    case ZERO_CONFIG_TYPE_BOOL:
      return g_strdup (value->i ? "true" : "false");
    case ZERO_CONFIG_TYPE_ICE_SERVERS:
    default:
      g_assert_not_reached ();
    }
}

/* ---- rendering new text -------------------------------------------------- */

static void
append_indent (GString *out,
               guint    indent)
{
  for (guint i = 0; i < indent; i++)
    g_string_append_c (out, ' ');
}

static void
append_url_list (GString             *out,
                 const ZeroIceServer *server)
{
  g_string_append_c (out, '[');
  for (guint i = 0; server->urls[i]; i++)
    {
      g_autofree char *q = _zero_config_quote_string (server->urls[i],
                                                      YAML_DOUBLE_QUOTED_SCALAR_STYLE);

      g_string_append_printf (out, "%s%s", i ? ", " : "", q);
    }
  g_string_append_c (out, ']');
}

static void
append_ice_flow (GString   *out,
                 GPtrArray *servers)
{
  g_string_append_c (out, '[');
  for (guint i = 0; i < servers->len; i++)
    {
      const ZeroIceServer *server = g_ptr_array_index (servers, i);

      g_string_append (out, i ? ", {urls: " : "{urls: ");
      append_url_list (out, server);
      if (server->username && *server->username)
        {
          g_autofree char *q = _zero_config_quote_string (server->username,
                                                          YAML_DOUBLE_QUOTED_SCALAR_STYLE);
          g_string_append_printf (out, ", username: %s", q);
        }
      if (server->credential && *server->credential)
        {
          g_autofree char *q = _zero_config_quote_string (server->credential,
                                                          YAML_DOUBLE_QUOTED_SCALAR_STYLE);
          g_string_append_printf (out, ", credential: %s", q);
        }
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
}

/* "- urls: [...]\n  username: ...\n" per server, each line at @indent. */
static void
append_ice_block (Writer    *w,
                  GString   *out,
                  GPtrArray *servers,
                  guint      indent)
{
  for (guint i = 0; i < servers->len; i++)
    {
      const ZeroIceServer *server = g_ptr_array_index (servers, i);

      append_indent (out, indent);
      g_string_append (out, "- urls: ");
      append_url_list (out, server);
      g_string_append (out, w->nl);
      if (server->username && *server->username)
        {
          g_autofree char *q = _zero_config_quote_string (server->username,
                                                          YAML_DOUBLE_QUOTED_SCALAR_STYLE);
          append_indent (out, indent + 2);
          g_string_append_printf (out, "username: %s%s", q, w->nl);
        }
      if (server->credential && *server->credential)
        {
          g_autofree char *q = _zero_config_quote_string (server->credential,
                                                          YAML_DOUBLE_QUOTED_SCALAR_STYLE);
          append_indent (out, indent + 2);
          g_string_append_printf (out, "credential: %s%s", q, w->nl);
        }
    }
}

static const ZeroConfigKey *
entry_key (const Entry *entry)
{
  guint n_keys;

  return &zero_config_get_keys (&n_keys)[entry->key_index];
}

/* Entries [from, to) share segments [0, depth); render them as block lines. */
static void
render_block (Writer    *w,
              GString   *out,
              GPtrArray *entries,
              guint      from,
              guint      to,
              guint      depth,
              guint      indent)
{
  for (guint i = from; i < to;)
    {
      Entry *first = g_ptr_array_index (entries, i);
      const char *segment = first->segments[depth];
      guint j = i + 1;

      while (j < to
             && g_strcmp0 (((Entry *) g_ptr_array_index (entries, j))->segments[depth], segment)
                  == 0)
        j++;

      append_indent (out, indent);
      if (j == i + 1 && first->segments[depth + 1] == NULL)
        {
          const ZeroConfigKey *key = entry_key (first);

          if (key->type != ZERO_CONFIG_TYPE_ICE_SERVERS)
            {
              g_autofree char *text = scalar_text (key, first->value, YAML_PLAIN_SCALAR_STYLE);

              g_string_append_printf (out, "%s: %s%s", segment, text, w->nl);
            }
          else if (first->value->ice->len == 0)
            g_string_append_printf (out, "%s: []%s", segment, w->nl);
          else
            {
              g_string_append_printf (out, "%s:%s", segment, w->nl);
              append_ice_block (w, out, first->value->ice, indent + w->unit);
            }
        }
      else
        {
          g_string_append_printf (out, "%s:%s", segment, w->nl);
          render_block (w, out, entries, i, j, depth + 1, indent + w->unit);
        }
      i = j;
    }
}

static void
render_flow (Writer    *w,
             GString   *out,
             GPtrArray *entries,
             guint      from,
             guint      to,
             guint      depth)
{
  for (guint i = from; i < to;)
    {
      Entry *first = g_ptr_array_index (entries, i);
      const char *segment = first->segments[depth];
      guint j = i + 1;

      while (j < to
             && g_strcmp0 (((Entry *) g_ptr_array_index (entries, j))->segments[depth], segment)
                  == 0)
        j++;

      g_string_append_printf (out, "%s%s: ", i > from ? ", " : "", segment);
      if (j == i + 1 && first->segments[depth + 1] == NULL)
        {
          const ZeroConfigKey *key = entry_key (first);

          if (key->type == ZERO_CONFIG_TYPE_ICE_SERVERS)
            append_ice_flow (out, first->value->ice);
          else
            {
              g_autofree char *text = scalar_text (key, first->value,
                                                   YAML_DOUBLE_QUOTED_SCALAR_STYLE);
              g_string_append (out, text);
            }
        }
      else
        {
          g_string_append_c (out, '{');
          render_flow (w, out, entries, i, j, depth + 1);
          g_string_append_c (out, '}');
        }
      i = j;
    }
}

/* ---- positions in the text ----------------------------------------------- */

/* Length of the line break at @p (0 if none). YAML 1.1, as libyaml reads
 * it: CR LF, LF, a lone CR, NEL, LS and PS all end a line. */
static gsize
break_len (const ZeroYamlDoc *doc,
           gsize              p)
{
  const char *t = doc->text + p;
  gsize left = doc->len - p;

  if (left >= 2 && t[0] == '\r' && t[1] == '\n')
    return 2;
  if (left >= 1 && (t[0] == '\n' || t[0] == '\r'))
    return 1;
  if (left >= 2 && memcmp (t, "\xC2\x85", 2) == 0)
    return 2;
  if (left >= 3 && (memcmp (t, "\xE2\x80\xA8", 3) == 0 || memcmp (t, "\xE2\x80\xA9", 3) == 0))
    return 3;
  return 0;
}

static gboolean
at_line_start (const ZeroYamlDoc *doc,
               gsize              offset)
{
  if (offset == 0)
    return TRUE;
  for (gsize n = 1; n <= 3 && n <= offset; n++)
    if (break_len (doc, offset - n) == n)
      return TRUE;
  return FALSE;
}

/* Offset just past the end of the line holding @offset (past its break). */
static gsize
line_end_after (const ZeroYamlDoc *doc,
                gsize              offset)
{
  for (gsize p = offset; p < doc->len; p++)
    {
      gsize n = break_len (doc, p);

      if (n > 0)
        return p + n;
    }
  return doc->len;
}

/* Where lines that follow content ending at @end go: after that line, or
 * at @end itself when the content already ends with its line break (a
 * "|+" block scalar that keeps its trailing blank lines). */
static gsize
after_content (const ZeroYamlDoc *doc,
               gsize              end)
{
  return end > 0 && at_line_start (doc, end) ? end : line_end_after (doc, end);
}

static gsize
line_start (const ZeroYamlDoc *doc,
            gsize              offset)
{
  while (!at_line_start (doc, offset))
    offset--;
  return offset;
}

/* Offset just past the ':' that follows @key_node, or 0 when there is none. */
static gsize
colon_after (const ZeroYamlDoc  *doc,
             const ZeroYamlNode *key_node)
{
  gsize p = key_node->end;

  while (p < doc->len && (doc->text[p] == ' ' || doc->text[p] == '\t'))
    p++;
  return p < doc->len && doc->text[p] == ':' ? p + 1 : 0;
}

/* The end of a null value such as "~" with the blanks after it: text
 * that follows on the next line must not inherit a stray tab. */
static gsize
null_end (const ZeroYamlDoc  *doc,
          const ZeroYamlNode *node)
{
  gsize end = node->end;

  while (end < doc->len && (doc->text[end] == ' ' || doc->text[end] == '\t'))
    end++;
  return end;
}

/* TRUE when ':' precedes @offset, blanks aside: an empty value can be
 * written there. Explicit "? key" entries without ':' are not edited. */
static gboolean
colon_before (const ZeroYamlDoc *doc,
              gsize              offset)
{
  while (offset > 0 && (doc->text[offset - 1] == ' ' || doc->text[offset - 1] == '\t'))
    offset--;
  return offset > 0 && doc->text[offset - 1] == ':';
}

/* Text inserted at @offset must start on a line of its own. */
static const char *
newline_before (Writer *w,
                gsize   offset)
{
  return at_line_start (w->doc, offset) ? "" : w->nl;
}

/* Characters between the start of the line and @offset. */
static guint
column_of (const ZeroYamlDoc *doc,
           gsize              offset)
{
  gsize start = line_start (doc, offset);

  /* A byte order mark is not part of the first line. */
  if (start == 0 && offset >= 3 && memcmp (doc->text, "\xEF\xBB\xBF", 3) == 0)
    start = 3;
  return (guint) g_utf8_strlen (doc->text + start, offset - start);
}

/* The column of a block mapping: where its first key, or the '?' before
 * it, begins. The mapping's own mark may sit on a tag or anchor of the
 * mapping itself, lines above; those are skipped. Properties followed by
 * more on their line belong to the first key and mark the column. */
static guint
mapping_indent (const ZeroYamlDoc  *doc,
                const ZeroYamlNode *mapping)
{
  const char *t = doc->text;
  gsize p = mapping->start;

  for (;;)
    {
      gsize q;

      while (p < doc->len && strchr (" \t\r\n", t[p]) != NULL)
        p++;
      /* libyaml skips a byte order mark at the start of any line, counting it as a column
       * (column_of does too, but for the one that starts the stream). */
      if (doc->len - p >= 3 && memcmp (t + p, "\xEF\xBB\xBF", 3) == 0)
        {
          p += 3;
          continue;
        }
      if (p < doc->len && t[p] == '#')
        {
          while (p < doc->len && t[p] != '\n' && t[p] != '\r')
            p++;
          continue;
        }
      if (p >= doc->len || (t[p] != '!' && t[p] != '&'))
        break;
      /* A node has up to two properties, a tag and an anchor, in either order. Anchor
       * names are [A-Za-z0-9_-]; tags run to the next blank. */
      for (q = p; q < doc->len && (t[q] == '!' || t[q] == '&');)
        {
          gboolean anchor = t[q] == '&';

          for (q++; q < doc->len && (anchor ? g_ascii_isalnum (t[q]) || t[q] == '_' || t[q] == '-'
                                            : strchr (" \t\r\n", t[q]) == NULL);
               q++)
            ;
          while (q < doc->len && (t[q] == ' ' || t[q] == '\t'))
            q++;
        }
      if (q < doc->len && t[q] != '\n' && t[q] != '\r' && t[q] != '#')
        break;
      p = q;
    }
  return column_of (doc, MIN (p, doc->len));
}

static guint
detect_unit (const ZeroYamlDoc  *doc,
             const ZeroYamlNode *node)
{
  if (node == NULL || node->kind == ZERO_YAML_SCALAR)
    return 0;
  for (guint i = 0; i < node->children->len; i++)
    {
      const ZeroYamlNode *child = g_ptr_array_index (node->children, i);
      guint unit;

      if (node->kind == ZERO_YAML_MAPPING && i % 2 == 1 && child->kind == ZERO_YAML_MAPPING
          && !child->flow && !node->flow && child->children->len > 0)
        {
          const ZeroYamlNode *key = g_ptr_array_index (node->children, i - 1);

          if (mapping_indent (doc, child) > key->column - 1)
            return mapping_indent (doc, child) - (key->column - 1);
        }
      if ((unit = detect_unit (doc, child)) != 0)
        return unit;
    }
  return 0;
}

/* ---- planning the edits -------------------------------------------------- */

static void
add_entry (Writer             *w,
           const ZeroYamlNode *node,
           const ZeroYamlNode *key_node,
           guint               depth,
           guint               key_index,
           const ZeroConfigValue *value)
{
  Anchor *anchor = NULL;
  Entry *entry = g_new0 (Entry, 1);
  guint n_keys;

  for (guint i = 0; i < w->anchors->len && anchor == NULL; i++)
    if (((Anchor *) g_ptr_array_index (w->anchors, i))->node == node)
      anchor = g_ptr_array_index (w->anchors, i);
  if (anchor == NULL)
    {
      anchor = g_new0 (Anchor, 1);
      anchor->node = node;
      anchor->key_node = key_node;
      anchor->depth = depth;
      anchor->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
      g_ptr_array_add (w->anchors, anchor);
    }
  entry->key_index = key_index;
  entry->segments = g_strsplit (zero_config_get_keys (&n_keys)[key_index].key, ".", -1);
  entry->value = value;
  g_ptr_array_add (anchor->entries, entry);
}

static void
replace_scalar (Writer                *w,
                const ZeroConfigKey   *key,
                const ZeroYamlNode    *value_node,
                const ZeroConfigValue *value,
                guint                  depth)
{
  g_autofree char *text = NULL;

  if (value_node->kind != ZERO_YAML_SCALAR)
    {
      fail (w, key->key, "the file holds a mapping or list there");
      return;
    }
  text = scalar_text (key, value, value_node->style);
  if (value_node->start == value_node->end && !colon_before (w->doc, value_node->start))
    fail (w, key->key, "the key has no ':' after it");
  else if (value_node->start == value_node->end)
    {
      /* "key:" with nothing after it: the empty value sits right after ':'. */
      gboolean after_colon = value_node->start > 0
                             && w->doc->text[value_node->start - 1] == ':';

      add_edit (w, value_node->start, value_node->start, depth,
                g_strconcat (after_colon ? " " : "", text, NULL));
    }
  else
    add_edit (w, value_node->start, value_node->end, depth, g_steal_pointer (&text));
}

static void
replace_ice_servers (Writer                *w,
                     const ZeroConfigKey   *key,
                     const ZeroYamlNode    *key_node,
                     const ZeroYamlNode    *value_node,
                     const ZeroConfigValue *value,
                     guint                  depth)
{
  const ZeroYamlNode *parent = key_node->parent;
  GString *out = g_string_new (NULL);

  if (value_node->kind == ZERO_YAML_MAPPING)
    {
      fail (w, key->key, "the file holds a mapping there");
      g_string_free (out, TRUE);
      return;
    }

  if (value_node->kind == ZERO_YAML_SCALAR && value_node->start == value_node->end
      && !colon_before (w->doc, value_node->start))
    {
      fail (w, key->key, "the key has no ':' after it");
      g_string_free (out, TRUE);
      return;
    }

  if (value_node->flow || parent->flow
      || (value_node->kind == ZERO_YAML_SCALAR && value->ice->len == 0))
    {
      /* Keep a flow style the user chose; "[]" also replaces a null. */
      gboolean after_colon = value_node->start > 0 && w->doc->text[value_node->start - 1] == ':';

      if (after_colon)
        g_string_append_c (out, ' ');
      append_ice_flow (out, value->ice);
      add_edit (w, value_node->start, value_node->end, depth, g_string_free (out, FALSE));
      return;
    }

  if (value_node->kind == ZERO_YAML_SCALAR)
    {
      /* "ice_servers:" (null): the list goes on the following lines. */
      gsize at = line_end_after (w->doc, MAX (value_node->end, key_node->end));

      if (value_node->end > value_node->start)
        add_edit (w, value_node->start, null_end (w->doc, value_node), depth, g_strdup (""));
      g_string_append (out, newline_before (w, at));
      append_ice_block (w, out, value->ice, key_node->column - 1 + w->unit);
      add_edit (w, at, at, depth, g_string_free (out, FALSE));
      return;
    }

  if (value->ice->len == 0)
    {
      /* A block list becomes "key: []"; comments on the key's line stay. */
      gsize colon = colon_after (w->doc, key_node);

      if (colon == 0)
        {
          fail (w, key->key, "no ':' after the key");
          g_string_free (out, TRUE);
          return;
        }
      add_edit (w, colon, colon, depth, g_strdup (" []"));
      add_edit (w, line_start (w->doc, value_node->start),
                line_end_after (w->doc, value_node->end), depth, g_strdup (""));
      g_string_free (out, TRUE);
      return;
    }

  /* A block list is replaced by a block list at the same indentation. */
  append_ice_block (w, out, value->ice, value_node->column - 1);
  g_string_erase (out, 0, value_node->column - 1);
  g_string_truncate (out, out->len - strlen (w->nl));
  add_edit (w, value_node->start, value_node->end, depth, g_string_free (out, FALSE));
}

static void
plan_key (Writer                *w,
          guint                  key_index,
          const ZeroConfigValue *value)
{
  guint n_keys;
  const ZeroConfigKey *key = &zero_config_get_keys (&n_keys)[key_index];
  g_auto (GStrv) segments = g_strsplit (key->key, ".", -1);
  const ZeroYamlNode *node = w->doc->root;
  const ZeroYamlNode *key_node = NULL;

  for (guint d = 0; segments[d]; d++)
    {
      ZeroYamlNode *child_key = NULL;
      ZeroYamlNode *child;

      if (node == NULL || _zero_yaml_node_is_null (node))
        {
          add_entry (w, node, key_node, d, key_index, value);
          return;
        }
      if (node->kind != ZERO_YAML_MAPPING)
        {
          fail (w, key->key, "a parent is not a mapping");
          return;
        }
      child = _zero_yaml_mapping_lookup (node, segments[d], &child_key);
      if (child == NULL)
        {
          add_entry (w, node, key_node, d, key_index, value);
          return;
        }
      if (segments[d + 1] == NULL)
        {
          if (key->type == ZERO_CONFIG_TYPE_ICE_SERVERS)
            replace_ice_servers (w, key, child_key, child, value, d + 1);
          else
            replace_scalar (w, key, child, value, d + 1);
          return;
        }
      node = child;
      key_node = child_key;
    }
}

static void
render_anchor (Writer *w,
               Anchor *anchor)
{
  const ZeroYamlNode *node = anchor->node;
  GString *out = g_string_new (NULL);
  gsize at;

  if (node != NULL && node->kind == ZERO_YAML_MAPPING && node->flow)
    {
      /* "{a: 1}" gains ", b: 2" right after its last value, so that a
       * trailing comma or a comment before the '}' stays valid. */
      const ZeroYamlNode *last = node->children->len > 0
                                   ? g_ptr_array_index (node->children, node->children->len - 1)
                                   : NULL;

      /* "{a:" + ", b: 2" would read as the scalar "a:,"; keep a blank. */
      if (last != NULL && last->start == last->end && colon_before (w->doc, last->end)
          && w->doc->text[last->end - 1] == ':')
        g_string_append (out, " , ");
      else if (last != NULL)
        g_string_append (out, ", ");
      render_flow (w, out, anchor->entries, 0, anchor->entries->len, anchor->depth);
      at = last != NULL ? last->end : node->close;
      /* "{a: {b: 1}#c" + ", d: 2": a '#' right after a value of ours would be part of it. */
      if (w->doc->text[at] == '#')
        g_string_append_c (out, ' ');
      add_edit (w, at, at, anchor->depth, g_string_free (out, FALSE));
      return;
    }

  if (node != NULL && node->kind == ZERO_YAML_MAPPING)
    {
      const ZeroYamlNode *last = g_ptr_array_index (node->children, node->children->len - 1);

      /* After "? key" with no ':', libyaml would read new lines as that key. */
      if (last->kind == ZERO_YAML_SCALAR && last->start == last->end
          && !colon_before (w->doc, last->start))
        {
          fail (w, "a mapping", "it ends with a '?' key that has no value");
          g_string_free (out, TRUE);
          return;
        }

      /* New top-level sections go at the end, after any trailing comments. */
      at = node->parent == NULL ? w->doc->append_at : after_content (w->doc, node->end);
      g_string_append (out, newline_before (w, at));
      render_block (w, out, anchor->entries, 0, anchor->entries->len, anchor->depth,
                    mapping_indent (w->doc, node));
      add_edit (w, at, at, anchor->depth, g_string_free (out, FALSE));
      return;
    }

  if (node != NULL && anchor->key_node != NULL && node->start == node->end
      && !colon_before (w->doc, node->start))
    {
      fail (w, anchor->key_node->value, "the key has no ':' after it");
      g_string_free (out, TRUE);
      return;
    }

  /* A null value: the section's keys go below it, or in braces in flow context. */
  if (node != NULL && anchor->key_node != NULL && anchor->key_node->parent->flow)
    {
      gboolean after_colon = node->start > 0 && w->doc->text[node->start - 1] == ':';

      g_string_append (out, after_colon ? " {" : "{");
      render_flow (w, out, anchor->entries, 0, anchor->entries->len, anchor->depth);
      g_string_append_c (out, '}');
      add_edit (w, node->start, node->end, anchor->depth, g_string_free (out, FALSE));
      return;
    }

  if (node != NULL && node->end > node->start)
    add_edit (w, node->start, null_end (w->doc, node), anchor->depth, g_strdup (""));

  if (anchor->key_node != NULL)
    {
      at = line_end_after (w->doc, MAX (node->end, anchor->key_node->end));
      g_string_append (out, newline_before (w, at));
      render_block (w, out, anchor->entries, 0, anchor->entries->len, anchor->depth,
                    anchor->key_node->column - 1 + w->unit);
    }
  else
    {
      /* No document, or an empty one: append top-level sections. */
      at = w->doc->append_at;
      g_string_append (out, newline_before (w, at));
      render_block (w, out, anchor->entries, 0, anchor->entries->len, 0, 0);
    }
  add_edit (w, at, at, anchor->depth, g_string_free (out, FALSE));
}

/* The scalar that ends last in the text. */
static const ZeroYamlNode *
last_scalar (const ZeroYamlNode *node)
{
  const ZeroYamlNode *best = NULL;

  if (node == NULL || node->kind == ZERO_YAML_SCALAR)
    return node;
  for (guint i = 0; i < node->children->len; i++)
    {
      const ZeroYamlNode *found = last_scalar (g_ptr_array_index (node->children, i));

      if (found != NULL && (best == NULL || found->end >= best->end))
        best = found;
    }
  return best;
}

/* A block scalar ("|") that ends the file without a final line break reads
 * as its text without a trailing newline; lines appended after it would add
 * one. Its chomping indicator becomes "-" (strip), which reads back the same. */
static void
protect_final_block_scalar (Writer *w)
{
  const ZeroYamlNode *last = last_scalar (w->doc->root);
  gboolean appends = FALSE;
  gsize header, p;

  if (last == NULL || at_line_start (w->doc, w->doc->len)
      || (last->style != YAML_LITERAL_SCALAR_STYLE && last->style != YAML_FOLDED_SCALAR_STYLE))
    return;
  for (guint i = 0; i < w->edits->len; i++)
    {
      Edit *edit = &g_array_index (w->edits, Edit, i);

      if (edit->start <= last->start && edit->end >= last->end && edit->end > edit->start)
        return; /* that scalar is being replaced anyway */
      if (edit->start == w->doc->len)
        appends = TRUE;
    }
  if (!appends)
    return;

  /* The header: '|' or '>' (after any tag or anchor), digits, '+' or '-'. */
  header = last->start;
  while (header < last->end && w->doc->text[header] != '|' && w->doc->text[header] != '>')
    header++;
  for (p = header + 1; p < last->end && strchr ("0123456789+-", w->doc->text[p]) != NULL; p++)
    ;
  if (header == last->end)
    return;
  if (!g_str_has_suffix (last->value, "\n"))
    {
      GString *indicators = g_string_new (NULL);

      for (gsize i = header + 1; i < p; i++)
        if (g_ascii_isdigit (w->doc->text[i]))
          g_string_append_c (indicators, w->doc->text[i]);
      g_string_append_c (indicators, '-');
      add_edit (w, header + 1, p, G_MAXUINT, g_string_free (indicators, FALSE));
    }
  else if (memchr (w->doc->text + header + 1, '+', p - header - 1) != NULL)
    fail (w, "the last value", "a \"|+\" block at the end of the file without a final line "
                               "break");
  /* Clip chomping ("|") already ends with one newline: appending keeps it. */
}

static int
compare_edits (gconstpointer a,
               gconstpointer b)
{
  const Edit *x = a, *y = b;

  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  /* Insertions before replacements at one offset; deeper mappings first. */
  if ((x->start == x->end) != (y->start == y->end))
    return x->start == x->end ? -1 : 1;
  if (x->depth != y->depth)
    return x->depth > y->depth ? -1 : 1;
  return x->order < y->order ? -1 : (x->order > y->order);
}

/* A tab that indents a line inside a flow collection spanning lines ("{" ... "}"): libyaml
 * takes it after a ',' but not after a plain value ("found a tab character that violates
 * indentation"), and a value written there may be plain. Such a collection is refused for
 * editing rather than guessed at; the file keeps loading. */
static void
refuse_flow_tabs (Writer             *w,
                  const ZeroYamlNode *node)
{
  const char *t = w->doc->text;

  if (node == NULL || w->error != NULL)
    return;
  if (node->flow && node->close > node->start)
    {
      gboolean edited = FALSE;

      for (guint i = 0; i < w->edits->len && !edited; i++)
        {
          const Edit *edit = &g_array_index (w->edits, Edit, i);

          edited = edit->start >= node->start && edit->start <= node->close;
        }
      for (gsize p = node->start; edited && p < node->close; p++)
        {
          gsize q = p + 1;

          if (t[p] != '\n' && t[p] != '\r')
            continue;
          while (q < node->close && t[q] == ' ')
            q++;
          if (q < node->close && t[q] == '\t')
            {
              g_autofree char *where = NULL;
              g_autofree char *why = NULL;
              guint line = 1;

              for (gsize j = 0; j < q; j++)
                line += t[j] == '\n' || (t[j] == '\r' && t[j + 1] != '\n');
              where = g_strdup_printf ("the '%s' starting on line %u",
                                       node->kind == ZERO_YAML_MAPPING ? "{…}" : "[…]", node->line);
              why = g_strdup_printf ("a tab indents its line %u; indent with spaces", line);
              fail (w, where, why);
              return;
            }
        }
      return;
    }
  for (guint i = 0; node->children != NULL && i < node->children->len; i++)
    refuse_flow_tabs (w, g_ptr_array_index (node->children, i));
}

/* A blank or comment-only line indented with a tab: inside a plain value libyaml reads it
 * as part of that value, elsewhere as an error ("found character that cannot start any
 * token"). An edit that removes or quotes such a value exposes the tab, so a file like
 * that is refused for editing; it keeps loading. */
static void
refuse_tabbed_blank_lines (Writer *w)
{
  const char *t = w->doc->text;
  guint line = 1;

  for (gsize p = 0; p < w->doc->len && w->error == NULL; line++)
    {
      gboolean tab = FALSE;

      for (; p < w->doc->len && (t[p] == ' ' || t[p] == '\t'); p++)
        tab |= t[p] == '\t';
      if (tab && (p >= w->doc->len || t[p] == '\n' || t[p] == '\r' || t[p] == '#'))
        {
          g_autofree char *why = g_strdup_printf ("a tab indents its blank or comment line %u; "
                                                  "indent with spaces", line);
          fail (w, "the file", why);
        }
      while (p < w->doc->len && t[p] != '\n' && t[p] != '\r')
        p++;
      p += p < w->doc->len && t[p] == '\r' && p + 1 < w->doc->len && t[p + 1] == '\n' ? 2 : 1;
    }
}

/* Returns @doc's text with every key set in @edits (one slot per key in
 * the table) written in; NULL and an error when that cannot be done. */
char *
_zero_config_patch_text (const ZeroYamlDoc     *doc,
                         const ZeroConfigValue *edits,
                         gsize                 *len,
                         GError               **error)
{
  guint n_keys;
  Writer w = { 0 };
  GString *out;
  gsize pos = 0;

  zero_config_get_keys (&n_keys);
  w.doc = doc;
  w.nl = g_strstr_len (doc->text, doc->len, "\r\n") ? "\r\n" : "\n";
  w.unit = detect_unit (doc, doc->root);
  if (w.unit == 0 || w.unit > 8)
    w.unit = 2;
  w.edits = g_array_new (FALSE, FALSE, sizeof (Edit));
  g_array_set_clear_func (w.edits, (GDestroyNotify) edit_clear);
  w.anchors = g_ptr_array_new_with_free_func ((GDestroyNotify) anchor_free);

  for (guint i = 0; i < n_keys; i++)
    if (edits[i].set)
      plan_key (&w, i, &edits[i]);
  for (guint i = 0; i < w.anchors->len; i++)
    render_anchor (&w, g_ptr_array_index (w.anchors, i));
  protect_final_block_scalar (&w);
  refuse_flow_tabs (&w, doc->root);
  refuse_tabbed_blank_lines (&w);

  g_array_sort (w.edits, compare_edits);
  out = g_string_sized_new (doc->len + 256);
  for (guint i = 0; i < w.edits->len && w.error == NULL; i++)
    {
      Edit *edit = &g_array_index (w.edits, Edit, i);

      if (edit->start < pos)
        {
          fail (&w, "the file", "two edits overlap");
          break;
        }
      g_string_append_len (out, doc->text + pos, edit->start - pos);
      g_string_append (out, edit->text);
      pos = edit->end;
    }
  if (w.error == NULL)
    g_string_append_len (out, doc->text + pos, doc->len - pos);

  g_array_unref (w.edits);
  g_ptr_array_unref (w.anchors);

  if (w.error != NULL)
    {
      g_propagate_error (error, w.error);
      g_string_free (out, TRUE);
      return NULL;
    }
  if (len)
    *len = out->len;
  return g_string_free (out, FALSE);
}

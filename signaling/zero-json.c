/* zero-json.c: strict RFC 8259 JSON reader (see zero-json.h). */
#include "signaling/zero-json.h"

#include <string.h>

typedef struct
{
  ZeroJsonDoc *doc;
  const guchar *text;
  gsize pos;
  gsize length;
  GError **error;
} Parser;

void
zero_json_doc_init (ZeroJsonDoc *doc)
{
  memset (doc, 0, sizeof *doc);
  doc->max_depth = ZERO_JSON_DEFAULT_MAX_DEPTH;
}

void
zero_json_doc_clear (ZeroJsonDoc *doc)
{
  g_clear_pointer (&doc->nodes, g_free);
  doc->n_nodes = doc->alloc_nodes = 0;
  doc->text = NULL;
  doc->length = 0;
}

G_GNUC_PRINTF (2, 3) static gboolean
fail (Parser *p, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  if (p->error == NULL || *p->error != NULL)
    return FALSE;
  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (p->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "invalid JSON at byte %" G_GSIZE_FORMAT ": %s",
               p->pos, what);
  return FALSE;
}

static guint32
new_node (Parser *p, ZeroJsonKind kind)
{
  ZeroJsonDoc *doc = p->doc;
  ZeroJsonNode *node;

  if (doc->n_nodes == doc->alloc_nodes)
    {
      doc->alloc_nodes = MAX (32, doc->alloc_nodes * 2);
      doc->nodes = g_renew (ZeroJsonNode, doc->nodes, doc->alloc_nodes);
    }
  node = &doc->nodes[doc->n_nodes];
  memset (node, 0, sizeof *node);
  node->kind = kind;
  node->start = (guint32) p->pos;
  return doc->n_nodes++;
}

static inline void
skip_ws (Parser *p)
{
  while (p->pos < p->length)
    {
      guchar c = p->text[p->pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      p->pos++;
    }
}

static inline int
hex_value (guchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (const guchar *s, gsize avail, guint *out)
{
  guint v = 0;

  if (avail < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (s[i]);
      if (h < 0)
        return FALSE;
      v = (v << 4) | (guint) h;
    }
  *out = v;
  return TRUE;
}

/* Scans a string starting at its opening quote; leaves pos after the closing
 * quote. Sets *escaped when the string holds escapes. */
static gboolean
scan_string (Parser *p, gboolean *escaped)
{
  const guchar *t = p->text;

  *escaped = FALSE;
  p->pos++; /* opening quote */
  while (p->pos < p->length)
    {
      guchar c = t[p->pos];

      if (c == '"')
        {
          p->pos++;
          return TRUE;
        }
      if (c < 0x20)
        return fail (p, "unescaped control character in a string");
      if (c != '\\')
        {
          p->pos++;
          continue;
        }

      *escaped = TRUE;
      if (p->pos + 1 >= p->length)
        break;
      c = t[p->pos + 1];
      switch (c)
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p->pos += 2;
          break;
        case 'u':
          {
            guint u;

            if (!read_hex4 (t + p->pos + 2, p->length - p->pos - 2, &u))
              return fail (p, "bad \\u escape");
            if (u >= 0xDC00 && u <= 0xDFFF)
              return fail (p, "lone low surrogate escape");
            if (u >= 0xD800 && u <= 0xDBFF)
              {
                guint lo;
                gsize at = p->pos + 6;

                if (at + 6 > p->length || t[at] != '\\' || t[at + 1] != 'u' ||
                    !read_hex4 (t + at + 2, p->length - at - 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                  return fail (p, "lone high surrogate escape");
                p->pos += 12;
              }
            else
              p->pos += 6;
          }
          break;
        default:
          return fail (p, "bad escape '\\%c'", g_ascii_isprint (c) ? c : '?');
        }
    }
  return fail (p, "unterminated string");
}

static gboolean
scan_number (Parser *p, guint8 *flags)
{
  const guchar *t = p->text;
  gboolean integer = TRUE;

  if (t[p->pos] == '-')
    p->pos++;
  if (p->pos >= p->length || !g_ascii_isdigit (t[p->pos]))
    return fail (p, "bad number");
  if (t[p->pos] == '0')
    p->pos++;
  else
    while (p->pos < p->length && g_ascii_isdigit (t[p->pos]))
      p->pos++;

  if (p->pos < p->length && t[p->pos] == '.')
    {
      integer = FALSE;
      p->pos++;
      if (p->pos >= p->length || !g_ascii_isdigit (t[p->pos]))
        return fail (p, "bad number: digits must follow '.'");
      while (p->pos < p->length && g_ascii_isdigit (t[p->pos]))
        p->pos++;
    }
  if (p->pos < p->length && (t[p->pos] == 'e' || t[p->pos] == 'E'))
    {
      integer = FALSE;
      p->pos++;
      if (p->pos < p->length && (t[p->pos] == '+' || t[p->pos] == '-'))
        p->pos++;
      if (p->pos >= p->length || !g_ascii_isdigit (t[p->pos]))
        return fail (p, "bad number: digits must follow the exponent");
      while (p->pos < p->length && g_ascii_isdigit (t[p->pos]))
        p->pos++;
    }
  if (integer)
    *flags |= ZERO_JSON_FLAG_INTEGER;
  return TRUE;
}

static gboolean
scan_literal (Parser *p, const char *word)
{
  gsize n = strlen (word);

  if (p->length - p->pos < n || memcmp (p->text + p->pos, word, n) != 0)
    return fail (p, "unexpected character");
  p->pos += n;
  return TRUE;
}

static gboolean parse_value (Parser *p, guint depth, guint32 *out_index);

static gboolean
parse_container (Parser *p, guint depth, gboolean object, guint32 index)
{
  guint32 last = 0;
  guchar close = object ? '}' : ']';

  p->pos++; /* '{' or '[' */
  skip_ws (p);
  if (p->pos < p->length && p->text[p->pos] == close)
    {
      p->pos++;
      return TRUE;
    }

  for (;;)
    {
      guint32 child;
      guint32 key_start = 0, key_end = 0;
      gboolean key_escaped = FALSE;

      if (object)
        {
          if (p->pos >= p->length || p->text[p->pos] != '"')
            return fail (p, "expected a member name");
          key_start = (guint32) p->pos;
          if (!scan_string (p, &key_escaped))
            return FALSE;
          key_end = (guint32) p->pos;
          skip_ws (p);
          if (p->pos >= p->length || p->text[p->pos] != ':')
            return fail (p, "expected ':'");
          p->pos++;
        }

      if (!parse_value (p, depth + 1, &child))
        return FALSE;

      if (object)
        {
          ZeroJsonNode *c = &p->doc->nodes[child];
          c->key_start = key_start;
          c->key_end = key_end;
          if (key_escaped)
            c->flags |= ZERO_JSON_FLAG_KEY_ESCAPED;
        }
      if (last)
        p->doc->nodes[last].next = child;
      else
        p->doc->nodes[index].first_child = child;
      p->doc->nodes[index].n_children++;
      last = child;

      skip_ws (p);
      if (p->pos >= p->length)
        return fail (p, "unexpected end of text");
      if (p->text[p->pos] == ',')
        {
          p->pos++;
          skip_ws (p);
          continue;
        }
      if (p->text[p->pos] == close)
        {
          p->pos++;
          return TRUE;
        }
      return fail (p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static gboolean
parse_value (Parser *p, guint depth, guint32 *out_index)
{
  guint32 index;
  gboolean ok;

  skip_ws (p);
  if (p->pos >= p->length)
    return fail (p, "unexpected end of text");
  if (depth > p->doc->max_depth)
    return fail (p, "nested deeper than %u levels", p->doc->max_depth);

  switch (p->text[p->pos])
    {
    case '{':
      index = new_node (p, ZERO_JSON_OBJECT);
      ok = parse_container (p, depth, TRUE, index);
      break;
    case '[':
      index = new_node (p, ZERO_JSON_ARRAY);
      ok = parse_container (p, depth, FALSE, index);
      break;
    case '"':
      {
        gboolean escaped;
        index = new_node (p, ZERO_JSON_STRING);
        ok = scan_string (p, &escaped);
        if (escaped)
          p->doc->nodes[index].flags |= ZERO_JSON_FLAG_ESCAPED;
      }
      break;
    case 't':
      index = new_node (p, ZERO_JSON_TRUE);
      ok = scan_literal (p, "true");
      break;
    case 'f':
      index = new_node (p, ZERO_JSON_FALSE);
      ok = scan_literal (p, "false");
      break;
    case 'n':
      index = new_node (p, ZERO_JSON_NULL);
      ok = scan_literal (p, "null");
      break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      {
        guint8 flags = 0;
        index = new_node (p, ZERO_JSON_NUMBER);
        ok = scan_number (p, &flags);
        p->doc->nodes[index].flags |= flags;
      }
      break;
    default:
      return fail (p, "unexpected character");
    }

  if (!ok)
    return FALSE;
  p->doc->nodes[index].end = (guint32) p->pos;
  *out_index = index;
  return TRUE;
}

gboolean
zero_json_parse (ZeroJsonDoc *doc, const char *text, gsize length, GError **error)
{
  Parser p = { doc, (const guchar *) text, 0, length, error };
  guint32 root;

  g_return_val_if_fail (doc != NULL, FALSE);
  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  doc->text = text;
  doc->length = length;
  doc->n_nodes = 0;
  if (doc->max_depth == 0)
    doc->max_depth = ZERO_JSON_DEFAULT_MAX_DEPTH;

  if (length >= G_MAXUINT32)
    return fail (&p, "text too long");
  /* g_utf8_validate_len() also refuses NUL bytes, which JSON never allows raw. */
  if (!g_utf8_validate_len (text, length, NULL))
    return fail (&p, "not valid UTF-8");

  if (!parse_value (&p, 0, &root))
    {
      doc->n_nodes = 0;
      return FALSE;
    }
  skip_ws (&p);
  if (p.pos != length)
    {
      doc->n_nodes = 0;
      return fail (&p, "trailing characters after the value");
    }
  return TRUE;
}

/* Decodes the JSON string literal text[start..end) (with quotes) into @buf,
 * which has room for end - start bytes: no escape decodes to more bytes than
 * it takes in the text. Returns the decoded length. */
static gsize
decode_string_to (const char *text, guint32 start, guint32 end, char *buf)
{
  const guchar *s = (const guchar *) text + start + 1;
  const guchar *e = (const guchar *) text + end - 1;
  char *o = buf;

  while (s < e)
    {
      const guchar *run = s;
      while (s < e && *s != '\\')
        s++;
      if (s > run)
        {
          memcpy (o, run, s - run);
          o += s - run;
        }
      if (s >= e)
        break;

      /* The parser has checked every escape. */
      switch (s[1])
        {
        case 'b': *o++ = '\b'; s += 2; break;
        case 'f': *o++ = '\f'; s += 2; break;
        case 'n': *o++ = '\n'; s += 2; break;
        case 'r': *o++ = '\r'; s += 2; break;
        case 't': *o++ = '\t'; s += 2; break;
        case 'u':
          {
            guint u = 0, lo = 0;
            read_hex4 (s + 2, 4, &u);
            s += 6;
            if (u >= 0xD800 && u <= 0xDBFF)
              {
                read_hex4 (s + 2, 4, &lo);
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
              }
            if (u == 0)
              *o++ = '\0';
            else
              o += g_unichar_to_utf8 (u, o);
          }
          break;
        default: /* '"', '\\', '/' */
          *o++ = (char) s[1];
          s += 2;
          break;
        }
    }
  return o - buf;
}

static void
decode_string (const char *text, guint32 start, guint32 end, GString *out)
{
  gsize old = out->len;

  g_string_set_size (out, old + (end - start));
  g_string_truncate (out, old + decode_string_to (text, start, end, out->str + old));
}

static gboolean
span_equal (const char *text, guint32 start, guint32 end, gboolean escaped, const char *str)
{
  gsize n = strlen (str);

  if (!escaped)
    return (end - start - 2) == n && memcmp (text + start + 1, str, n) == 0;
  else
    {
      char small[128];
      g_autofree char *big = NULL;
      char *buf = small;
      gsize len;

      if (end - start > sizeof small)
        buf = big = g_malloc (end - start);
      len = decode_string_to (text, start, end, buf);
      return len == n && memcmp (buf, str, n) == 0;
    }
}

gboolean
zero_json_key_equal (const ZeroJsonDoc *doc, const ZeroJsonNode *node, const char *key)
{
  if (node->key_end == 0)
    return FALSE;
  return span_equal (doc->text, node->key_start, node->key_end,
                     (node->flags & ZERO_JSON_FLAG_KEY_ESCAPED) != 0, key);
}

const ZeroJsonNode *
zero_json_object_get (const ZeroJsonDoc *doc, const ZeroJsonNode *object, const char *key)
{
  const ZeroJsonNode *found = NULL;

  if (object == NULL || object->kind != ZERO_JSON_OBJECT)
    return NULL;
  for (const ZeroJsonNode *c = zero_json_first_child (doc, object); c; c = zero_json_next (doc, c))
    if (zero_json_key_equal (doc, c, key))
      found = c;
  return found;
}

void
zero_json_string_append (const ZeroJsonDoc *doc, const ZeroJsonNode *node, GString *out)
{
  g_return_if_fail (node->kind == ZERO_JSON_STRING);

  if (!(node->flags & ZERO_JSON_FLAG_ESCAPED))
    g_string_append_len (out, doc->text + node->start + 1, node->end - node->start - 2);
  else
    decode_string (doc->text, node->start, node->end, out);
}

char *
zero_json_string_dup (const ZeroJsonDoc *doc, const ZeroJsonNode *node)
{
  GString *s;

  g_return_val_if_fail (node->kind == ZERO_JSON_STRING, NULL);

  s = g_string_sized_new (node->end - node->start);
  zero_json_string_append (doc, node, s);
  return g_string_free (s, FALSE);
}

gboolean
zero_json_string_equal (const ZeroJsonDoc *doc, const ZeroJsonNode *node, const char *str)
{
  if (node == NULL || node->kind != ZERO_JSON_STRING)
    return FALSE;
  return span_equal (doc->text, node->start, node->end,
                     (node->flags & ZERO_JSON_FLAG_ESCAPED) != 0, str);
}

gboolean
zero_json_get_int (const ZeroJsonDoc *doc, const ZeroJsonNode *node, gint64 *out)
{
  const char *s, *e;
  gboolean negative = FALSE;
  guint64 v = 0;
  guint64 limit;

  if (node == NULL || node->kind != ZERO_JSON_NUMBER || !(node->flags & ZERO_JSON_FLAG_INTEGER))
    return FALSE;

  s = doc->text + node->start;
  e = doc->text + node->end;
  if (*s == '-')
    {
      negative = TRUE;
      s++;
    }
  limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  for (; s < e; s++)
    {
      guint d = (guint) (*s - '0');
      if (v > (limit - d) / 10)
        return FALSE;
      v = v * 10 + d;
    }
  if (out)
    *out = negative ? (gint64) (0 - v) : (gint64) v;
  return TRUE;
}

JsonNode *
zero_json_to_json_node (const ZeroJsonDoc *doc, const ZeroJsonNode *node)
{
  JsonNode *result;

  g_return_val_if_fail (node != NULL, NULL);

  switch ((ZeroJsonKind) node->kind)
    {
    case ZERO_JSON_NULL:
      return json_node_init_null (json_node_alloc ());
    case ZERO_JSON_FALSE:
    case ZERO_JSON_TRUE:
      return json_node_init_boolean (json_node_alloc (), node->kind == ZERO_JSON_TRUE);
    case ZERO_JSON_NUMBER:
      {
        gint64 i;
        if (zero_json_get_int (doc, node, &i))
          return json_node_init_int (json_node_alloc (), i);
        else
          {
            g_autofree char *num = g_strndup (doc->text + node->start, node->end - node->start);
            return json_node_init_double (json_node_alloc (), g_ascii_strtod (num, NULL));
          }
      }
    case ZERO_JSON_STRING:
      {
        g_autoptr (GString) s = g_string_sized_new (node->end - node->start);
        zero_json_string_append (doc, node, s);
        /* JsonNode strings are C strings: keep what follows a NUL visible. */
        if (strlen (s->str) != s->len)
          {
            g_autoptr (GString) fixed = g_string_sized_new (s->len + 8);
            for (gsize i = 0; i < s->len; i++)
              {
                if (s->str[i] == '\0')
                  g_string_append (fixed, "\xEF\xBF\xBD");
                else
                  g_string_append_c (fixed, s->str[i]);
              }
            return json_node_init_string (json_node_alloc (), fixed->str);
          }
        return json_node_init_string (json_node_alloc (), s->str);
      }
    case ZERO_JSON_ARRAY:
      {
        JsonArray *array = json_array_sized_new (node->n_children);
        for (const ZeroJsonNode *c = zero_json_first_child (doc, node); c; c = zero_json_next (doc, c))
          json_array_add_element (array, zero_json_to_json_node (doc, c));
        result = json_node_init_array (json_node_alloc (), array);
        json_array_unref (array);
        return result;
      }
    case ZERO_JSON_OBJECT:
      {
        JsonObject *object = json_object_new ();
        g_autoptr (GString) key = g_string_new (NULL);
        for (const ZeroJsonNode *c = zero_json_first_child (doc, node); c; c = zero_json_next (doc, c))
          {
            g_string_truncate (key, 0);
            decode_string (doc->text, c->key_start, c->key_end, key);
            json_object_set_member (object, key->str, zero_json_to_json_node (doc, c));
          }
        result = json_node_init_object (json_node_alloc (), object);
        json_object_unref (object);
        return result;
      }
    default:
      g_assert_not_reached ();
    }
}

void
zero_json_append_string (GString *out, const char *str, gssize len)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *s = (const guchar *) str;
  const guchar *e;

  if (len < 0)
    len = (gssize) strlen (str);
  e = s + len;

  g_string_append_c (out, '"');
  while (s < e)
    {
      const guchar *run = s;
      while (s < e && *s >= 0x20 && *s != '"' && *s != '\\')
        s++;
      if (s > run)
        g_string_append_len (out, (const char *) run, s - run);
      if (s >= e)
        break;
      switch (*s)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[*s >> 4]);
          g_string_append_c (out, hex[*s & 0xF]);
          break;
        }
      s++;
    }
  g_string_append_c (out, '"');
}

/* zero-config-reader.c: checks a YAML tree against the key table.
 *
 * Every problem found is collected (not just the first) with the file, line,
 * column and key it concerns. Errors fail the load; warnings (unknown keys,
 * odd combinations) are kept for the caller and the load goes on. */
#include "config/zero-config-private.h"

#include <string.h>

/* ---- values -------------------------------------------------------------- */

void
_zero_config_value_clear (ZeroConfigValue *value)
{
  g_clear_pointer (&value->s, g_free);
  g_clear_pointer (&value->ice, g_ptr_array_unref);
  memset (value, 0, sizeof *value);
}

static GPtrArray *
ice_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) zero_ice_server_free);
}

static GPtrArray *
ice_array_copy (GPtrArray *servers)
{
  GPtrArray *copy = ice_array_new ();

  for (guint i = 0; servers && i < servers->len; i++)
    g_ptr_array_add (copy, zero_ice_server_copy (g_ptr_array_index (servers, i)));
  return copy;
}

void
_zero_config_value_copy (ZeroConfigValue       *dest,
                         const ZeroConfigValue *src)
{
  _zero_config_value_clear (dest);
  *dest = *src;
  dest->s = g_strdup (src->s);
  dest->ice = src->ice ? ice_array_copy (src->ice) : NULL;
}

void
_zero_config_value_set_default (const ZeroConfigKey *key,
                                ZeroConfigValue     *value)
{
  _zero_config_value_clear (value);
  value->set = TRUE;
  switch (key->type)
    {
    case ZERO_CONFIG_TYPE_STRING:
    case ZERO_CONFIG_TYPE_ENUM:
      value->s = g_strdup (key->default_string);
      break;
    case ZERO_CONFIG_TYPE_INT:
    case ZERO_CONFIG_TYPE_BOOL:
      value->i = key->default_int;
      break;
    case ZERO_CONFIG_TYPE_ICE_SERVERS:
      value->ice = ice_array_new ();
      break;
    default:
      g_assert_not_reached ();
    }
}

gboolean
_zero_config_value_equal (const ZeroConfigKey   *key,
                          const ZeroConfigValue *a,
                          const ZeroConfigValue *b)
{
  switch (key->type)
    {
    case ZERO_CONFIG_TYPE_STRING:
    case ZERO_CONFIG_TYPE_ENUM:
      return g_strcmp0 (a->s, b->s) == 0;
    case ZERO_CONFIG_TYPE_INT:
    case ZERO_CONFIG_TYPE_BOOL:
      return a->i == b->i;
    case ZERO_CONFIG_TYPE_ICE_SERVERS:
      {
        guint na = a->ice ? a->ice->len : 0, nb = b->ice ? b->ice->len : 0;

        if (na != nb)
          return FALSE;
        for (guint i = 0; i < na; i++)
          if (!zero_ice_server_equal (g_ptr_array_index (a->ice, i),
                                      g_ptr_array_index (b->ice, i)))
            return FALSE;
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
}

/* "fast" -> "\"fast\"", escaped and shortened for messages. */
char *
_zero_config_describe_text (const char *text)
{
  GString *out = g_string_new ("\"");
  glong n_chars = g_utf8_strlen (text, -1);
  g_autofree char *head = g_utf8_substring (text, 0, MIN (n_chars, 40));

  /* Keep UTF-8 readable: only escape ASCII controls, quotes and backslashes. */
  for (const char *p = head; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append (out, n_chars > 40 ? "...\"" : "\"");
  return g_string_free (out, FALSE);
}

static gboolean
parse_int (const char *text,
           gint64     *out)
{
  gboolean negative = FALSE;
  guint base = 10;
  guint64 magnitude;
  const char *digits = text;

  if (*digits == '-' || *digits == '+')
    negative = *digits++ == '-';
  if (g_str_has_prefix (digits, "0x"))
    base = 16, digits += 2;
  else if (g_str_has_prefix (digits, "0o"))
    base = 8, digits += 2;
  if (*digits == '\0' || *digits == '-' || *digits == '+')
    return FALSE;
  if (!g_ascii_string_to_unsigned (digits, base, 0, (guint64) G_MAXINT64, &magnitude, NULL))
    return FALSE;
  *out = negative ? -(gint64) magnitude : (gint64) magnitude;
  return TRUE;
}

static gboolean
parse_bool (const char *text,
            gboolean   *out)
{
  /* YAML 1.1 spellings too, since libyaml and most users speak 1.1. */
  static const char *const yes[] = { "true", "yes", "on", NULL };
  static const char *const no[] = { "false", "no", "off", NULL };

  for (guint i = 0; yes[i]; i++)
    if (g_ascii_strcasecmp (text, yes[i]) == 0)
      return *out = TRUE, TRUE;
  for (guint i = 0; no[i]; i++)
    if (g_ascii_strcasecmp (text, no[i]) == 0)
      return *out = FALSE, TRUE;
  return FALSE;
}

gboolean
_zero_config_check_int (const ZeroConfigKey *key,
                        gint64               value,
                        char               **why)
{
  if (key->allowed != NULL)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; i < key->n_allowed; i++)
        if (key->allowed[i] == value)
          return TRUE;
      for (guint i = 0; i < key->n_allowed; i++)
        g_string_append_printf (list, "%s%" G_GINT64_FORMAT, i ? ", " : "", key->allowed[i]);
      *why = g_strdup_printf ("%" G_GINT64_FORMAT " is not allowed (expected one of %s)", value,
                              list->str);
      return FALSE;
    }
  if (value < key->min || value > key->max)
    {
      *why = g_strdup_printf ("%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                              "..%" G_GINT64_FORMAT ")", value, key->min, key->max);
      return FALSE;
    }
  return TRUE;
}

/* Converts one scalar to @key's type, with the loader's rules: @plain
 * scalars are typed (30, true, null), quoted ones are always strings. */
gboolean
_zero_config_value_from_text (const ZeroConfigKey *key,
                              const char          *text,
                              gboolean             plain,
                              ZeroConfigValue     *out,
                              ZeroConfigError     *code,
                              char               **why)
{
  g_autofree char *shown = _zero_config_describe_text (text);

  _zero_config_value_clear (out);
  switch (key->type)
    {
    case ZERO_CONFIG_TYPE_STRING:
      if (key->check != NULL && !key->check (text, why))
        return *code = ZERO_CONFIG_ERROR_RANGE, FALSE;
      out->s = g_strdup (text);
      break;

    case ZERO_CONFIG_TYPE_ENUM:
      for (guint i = 0; key->choices[i]; i++)
        if (g_ascii_strcasecmp (text, key->choices[i]) == 0)
          out->s = g_strdup (key->choices[i]);
      if (out->s == NULL)
        {
          g_autofree char *list = g_strjoinv (", ", (char **) key->choices);

          *why = g_strdup_printf ("unknown value %s (expected one of: %s)", shown, list);
          return *code = ZERO_CONFIG_ERROR_RANGE, FALSE;
        }
      break;

    case ZERO_CONFIG_TYPE_INT:
      if (!plain || !parse_int (text, &out->i))
        {
          *why = g_strdup_printf ("expected an integer, got %s%s", shown,
                                  plain ? "" : " (a quoted string: remove the quotes)");
          return *code = ZERO_CONFIG_ERROR_TYPE, FALSE;
        }
      if (!_zero_config_check_int (key, out->i, why))
        return *code = ZERO_CONFIG_ERROR_RANGE, FALSE;
      break;

    case ZERO_CONFIG_TYPE_BOOL:
      {
        gboolean b = FALSE;

        if (!plain || !parse_bool (text, &b))
          {
            *why = g_strdup_printf ("expected true or false, got %s%s", shown,
                                    plain ? "" : " (a quoted string: remove the quotes)");
            return *code = ZERO_CONFIG_ERROR_TYPE, FALSE;
          }
        out->i = b;
      }
      break;

    case ZERO_CONFIG_TYPE_ICE_SERVERS:
      *why = g_strdup_printf ("expected a list of ICE servers, got %s", shown);
      return *code = ZERO_CONFIG_ERROR_TYPE, FALSE;

    default:
      g_assert_not_reached ();
    }
  out->set = TRUE;
  return TRUE;
}

gboolean
_zero_config_check_ice_servers (GPtrArray *servers,
                                char     **why)
{
  for (guint i = 0; servers && i < servers->len; i++)
    {
      ZeroIceServer *server = g_ptr_array_index (servers, i);

      if (server == NULL || server->urls == NULL || server->urls[0] == NULL)
        {
          *why = g_strdup_printf ("ICE server %u has no urls", i);
          return FALSE;
        }
      for (guint j = 0; server->urls[j]; j++)
        {
          g_autoptr(GError) error = NULL;

          if (!g_utf8_validate (server->urls[j], -1, NULL)
              || !zero_ice_server_validate_url (server->urls[j], &error))
            {
              *why = g_strdup_printf ("ICE server %u: %s", i,
                                      error ? error->message : "URL is not valid UTF-8");
              return FALSE;
            }
        }
      if ((server->username && !g_utf8_validate (server->username, -1, NULL))
          || (server->credential && !g_utf8_validate (server->credential, -1, NULL)))
        {
          *why = g_strdup_printf ("ICE server %u: username or credential is not valid UTF-8", i);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- relations between keys ---------------------------------------------- */

static guint
idx (const char *key)
{
  return _zero_config_key_index (zero_config_lookup_key (key));
}

/* The one hard rule between keys; setters enforce it too. The problem is
 * described from the side of @focus (the key just set) when it is involved. */
gboolean
_zero_config_check_relations (const ZeroConfigValue *effective,
                              guint                  focus,
                              guint                 *key_index,
                              char                 **why)
{
  guint min = idx ("media.video.min_bitrate_kbps");
  guint max = idx ("media.video.max_bitrate_kbps");

  if (effective[max].i >= effective[min].i)
    return TRUE;
  if (focus == min)
    {
      *key_index = min;
      *why = g_strdup_printf ("%" G_GINT64_FORMAT " is above media.video.max_bitrate_kbps (%"
                              G_GINT64_FORMAT ")", effective[min].i, effective[max].i);
    }
  else
    {
      *key_index = max;
      *why = g_strdup_printf ("%" G_GINT64_FORMAT " is below media.video.min_bitrate_kbps (%"
                              G_GINT64_FORMAT ")", effective[max].i, effective[min].i);
    }
  return FALSE;
}

/* ---- walking the tree ---------------------------------------------------- */

typedef struct
{
  const char *display_name;
  ZeroConfigParse *out;
} Reader;

static void
add_problem (Reader             *r,
             gboolean            is_error,
             ZeroConfigError     code,
             guint               line,
             guint               column,
             const char         *key,
             const char         *format,
             ...) G_GNUC_PRINTF (7, 8);

static void
add_problem (Reader             *r,
             gboolean            is_error,
             ZeroConfigError     code,
             guint               line,
             guint               column,
             const char         *key,
             const char         *format,
             ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (is_error && r->out->errors->len == 0)
    r->out->first_code = code;
  g_ptr_array_add (is_error ? r->out->errors : r->out->warnings,
                   g_strdup_printf ("%s:%u:%u: %s: %s", r->display_name, line, column, key,
                                    message));
}

#define ERROR_AT(node, code, key, ...) \
  add_problem (r, TRUE, code, (node)->line, (node)->column, key, __VA_ARGS__)
#define WARN_AT(node, key, ...) \
  add_problem (r, FALSE, 0, (node)->line, (node)->column, key, __VA_ARGS__)

static const char *
kind_name (const ZeroYamlNode *node)
{
  switch (node->kind)
    {
    case ZERO_YAML_MAPPING:
      return "a mapping";
    case ZERO_YAML_SEQUENCE:
      return "a list";
    case ZERO_YAML_SCALAR:
    default:
      return "a value";
    }
}

/* Optimal string alignment distance: a swapped pair ("fsp") costs 1. */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *d = NULL;

  if (la > 64 || lb > 64)
    return G_MAXUINT;
  d = g_new (guint, (la + 1) * (lb + 1));
#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = (guint) i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = (guint) j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;

        D (i, j) = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          D (i, j) = MIN (D (i, j), D (i - 2, j - 2) + 1);
      }
  return D (la, lb);
#undef D
}

/* The known key or section nearest to the unknown @name under @prefix. */
static char *
suggest (const char *prefix,
         const char *name)
{
  guint n_keys, best = G_MAXUINT;
  const ZeroConfigKey *keys = zero_config_get_keys (&n_keys);
  gsize plen = prefix ? strlen (prefix) : 0;
  g_autofree char *found = NULL;

  for (guint i = 0; i < n_keys; i++)
    {
      const char *rest = keys[i].key;
      const char *dot;
      g_autofree char *segment = NULL;
      guint d;

      if (prefix != NULL)
        {
          if (strncmp (rest, prefix, plen) != 0 || rest[plen] != '.')
            continue;
          rest += plen + 1;
        }
      dot = strchr (rest, '.');
      segment = dot ? g_strndup (rest, dot - rest) : g_strdup (rest);
      d = edit_distance (name, segment);
      if (d < best && d <= MAX (1u, (guint) strlen (segment) / 3))
        {
          best = d;
          g_free (found);
          found = prefix ? g_strdup_printf ("%s.%s", prefix, segment) : g_strdup (segment);
        }
    }
  return g_steal_pointer (&found);
}

static void read_mapping (Reader             *r,
                          const ZeroYamlNode *mapping,
                          const char         *prefix);

/* A scalar as a plain C string: refuses embedded NULs ("\0" escapes). */
static gboolean
scalar_text_ok (Reader             *r,
                const ZeroYamlNode *node,
                const char         *key)
{
  if (strlen (node->value) != node->value_len)
    {
      ERROR_AT (node, ZERO_CONFIG_ERROR_TYPE, key, "strings may not contain NUL characters");
      return FALSE;
    }
  return TRUE;
}

static char *
read_string_field (Reader             *r,
                   const ZeroYamlNode *node,
                   const char         *key)
{
  if (_zero_yaml_node_is_null (node))
    return NULL;
  if (node->kind != ZERO_YAML_SCALAR)
    {
      ERROR_AT (node, ZERO_CONFIG_ERROR_TYPE, key, "expected a string, got %s", kind_name (node));
      return NULL;
    }
  if (!scalar_text_ok (r, node, key))
    return NULL;
  return g_strdup (node->value);
}

static ZeroIceServer *
read_ice_server (Reader             *r,
                 const ZeroYamlNode *item,
                 const char         *key)
{
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ZeroIceServer) server = NULL;
  g_autofree char *username = NULL;
  g_autofree char *credential = NULL;
  gboolean have_urls = FALSE, ok = TRUE;
  guint errors_before = r->out->errors->len;

  if (item->kind == ZERO_YAML_SCALAR && !_zero_yaml_node_is_null (item))
    {
      /* Shorthand: "- stun:stun.example.org" */
      if (!scalar_text_ok (r, item, key))
        return NULL;
      g_ptr_array_add (urls, g_strdup (item->value));
      have_urls = TRUE;
    }
  else if (item->kind != ZERO_YAML_MAPPING)
    {
      ERROR_AT (item, ZERO_CONFIG_ERROR_TYPE, key,
                "expected a mapping with urls, username and credential, got %s",
                _zero_yaml_node_is_null (item) ? "nothing" : kind_name (item));
      return NULL;
    }
  else
    {
      for (guint i = 0; i + 1 < item->children->len; i += 2)
        {
          ZeroYamlNode *k = g_ptr_array_index (item->children, i);
          ZeroYamlNode *v = g_ptr_array_index (item->children, i + 1);
          g_autofree char *field = NULL;

          if (k->kind != ZERO_YAML_SCALAR)
            {
              ERROR_AT (k, ZERO_CONFIG_ERROR_SYNTAX, key, "keys must be strings");
              continue;
            }
          field = g_strdup_printf ("%s.%s", key, k->value);
          for (guint j = 0; j < i; j += 2)
            {
              ZeroYamlNode *prev = g_ptr_array_index (item->children, j);

              if (prev->kind == ZERO_YAML_SCALAR && strcmp (prev->value, k->value) == 0)
                {
                  ERROR_AT (k, ZERO_CONFIG_ERROR_SYNTAX, field,
                            "duplicate key (first defined at line %u, column %u)", prev->line,
                            prev->column);
                  ok = FALSE;
                }
            }
          if (!ok)
            break;

          if (strcmp (k->value, "urls") == 0)
            {
              have_urls = TRUE;
              if (v->kind == ZERO_YAML_SCALAR && !_zero_yaml_node_is_null (v))
                {
                  if (scalar_text_ok (r, v, field))
                    g_ptr_array_add (urls, g_strdup (v->value));
                }
              else if (v->kind == ZERO_YAML_SEQUENCE && v->children->len > 0)
                {
                  for (guint j = 0; j < v->children->len; j++)
                    {
                      ZeroYamlNode *u = g_ptr_array_index (v->children, j);
                      g_autofree char *ukey = g_strdup_printf ("%s[%u]", field, j);

                      if (u->kind != ZERO_YAML_SCALAR || _zero_yaml_node_is_null (u))
                        ERROR_AT (u, ZERO_CONFIG_ERROR_TYPE, ukey, "expected a URL string, got %s",
                                  u->kind == ZERO_YAML_SCALAR ? "nothing" : kind_name (u));
                      else if (scalar_text_ok (r, u, ukey))
                        g_ptr_array_add (urls, g_strdup (u->value));
                    }
                }
              else
                ERROR_AT (v, ZERO_CONFIG_ERROR_TYPE, field,
                          "expected a URL or a non-empty list of URLs, got %s",
                          v->kind == ZERO_YAML_SEQUENCE ? "an empty list"
                          : v->kind == ZERO_YAML_SCALAR ? "nothing" : kind_name (v));
            }
          else if (strcmp (k->value, "username") == 0)
            {
              g_free (username);
              username = read_string_field (r, v, field);
            }
          else if (strcmp (k->value, "credential") == 0)
            {
              g_free (credential);
              credential = read_string_field (r, v, field);
            }
          else
            WARN_AT (k, field, "unknown key, ignored (expected urls, username or credential)");
        }
      if (!have_urls && ok)
        ERROR_AT (item, ZERO_CONFIG_ERROR_TYPE, key, "missing urls");
    }

  if (r->out->errors->len > errors_before || !have_urls)
    return NULL;

  g_ptr_array_add (urls, NULL);
  server = zero_ice_server_new ((const char *const *) urls->pdata, username, credential);

  for (guint i = 0; server->urls[i]; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!zero_ice_server_validate_url (server->urls[i], &error))
        {
          ERROR_AT (item, ZERO_CONFIG_ERROR_RANGE, key, "%s", error->message);
          return NULL;
        }
      if (g_ascii_strncasecmp (server->urls[i], "turn", 4) == 0
          && (server->username == NULL || server->credential == NULL))
        WARN_AT (item, key, "TURN server %s has no username or credential; it will not work",
                 server->urls[i]);
    }
  return g_steal_pointer (&server);
}

static void
read_value (Reader              *r,
            const ZeroConfigKey *key,
            const ZeroYamlNode  *node)
{
  ZeroConfigValue *value = &r->out->values[_zero_config_key_index (key)];
  ZeroConfigError code = 0;
  g_autofree char *why = NULL;

  if (key->type == ZERO_CONFIG_TYPE_ICE_SERVERS)
    {
      g_autoptr(GPtrArray) servers = ice_array_new ();
      gboolean ok = TRUE;

      if (node->kind == ZERO_YAML_SEQUENCE)
        {
          for (guint i = 0; i < node->children->len; i++)
            {
              g_autofree char *item_key = g_strdup_printf ("%s[%u]", key->key, i);
              ZeroIceServer *server = read_ice_server (r, g_ptr_array_index (node->children, i),
                                                       item_key);

              if (server)
                g_ptr_array_add (servers, server);
              else
                ok = FALSE;
            }
        }
      else if (!_zero_yaml_node_is_null (node))
        {
          g_autofree char *shown = node->kind == ZERO_YAML_SCALAR
                                     ? _zero_config_describe_text (node->value)
                                     : g_strdup (kind_name (node));

          ERROR_AT (node, ZERO_CONFIG_ERROR_TYPE, key->key,
                    "expected a list of ICE servers, got %s", shown);
          ok = FALSE;
        }
      if (ok)
        {
          _zero_config_value_clear (value);
          value->set = TRUE;
          value->ice = g_steal_pointer (&servers);
          value->line = node->line;
          value->column = node->column;
        }
      return;
    }

  if (node->kind != ZERO_YAML_SCALAR)
    {
      const char *expected = key->type == ZERO_CONFIG_TYPE_INT    ? "an integer"
                             : key->type == ZERO_CONFIG_TYPE_BOOL ? "true or false"
                                                                  : "a string";

      ERROR_AT (node, ZERO_CONFIG_ERROR_TYPE, key->key, "expected %s, got %s", expected,
                kind_name (node));
      return;
    }
  if (!scalar_text_ok (r, node, key->key))
    return;

  if (_zero_yaml_node_is_null (node) && key->type == ZERO_CONFIG_TYPE_STRING)
    {
      /* "token:" with nothing after it reads as the empty string. */
      if (!_zero_config_value_from_text (key, "", FALSE, value, &code, &why))
        ERROR_AT (node, code, key->key, "%s", why);
    }
  else if (_zero_yaml_node_is_null (node))
    {
      ERROR_AT (node, ZERO_CONFIG_ERROR_TYPE, key->key, "expected %s, got nothing (null)",
                key->type == ZERO_CONFIG_TYPE_INT    ? "an integer"
                : key->type == ZERO_CONFIG_TYPE_BOOL ? "true or false"
                                                     : "a value");
      return;
    }
  else if (!_zero_config_value_from_text (key, node->value, _zero_yaml_node_is_plain (node),
                                          value, &code, &why))
    {
      ERROR_AT (node, code, key->key, "%s", why);
      return;
    }
  value->line = node->line;
  value->column = node->column;
}

static void
read_mapping (Reader             *r,
              const ZeroYamlNode *mapping,
              const char         *prefix)
{
  for (guint i = 0; i + 1 < mapping->children->len; i += 2)
    {
      ZeroYamlNode *k = g_ptr_array_index (mapping->children, i);
      ZeroYamlNode *v = g_ptr_array_index (mapping->children, i + 1);
      g_autofree char *full = NULL;
      const ZeroConfigKey *key;
      gboolean duplicate = FALSE;

      if (k->kind != ZERO_YAML_SCALAR)
        {
          ERROR_AT (k, ZERO_CONFIG_ERROR_SYNTAX, prefix ? prefix : "(top level)",
                    "keys must be strings, got %s", kind_name (k));
          continue;
        }
      full = prefix ? g_strdup_printf ("%s.%s", prefix, k->value) : g_strdup (k->value);

      for (guint j = 0; j < i && !duplicate; j += 2)
        {
          ZeroYamlNode *prev = g_ptr_array_index (mapping->children, j);

          if (prev->kind == ZERO_YAML_SCALAR && strcmp (prev->value, k->value) == 0)
            {
              ERROR_AT (k, ZERO_CONFIG_ERROR_SYNTAX, full,
                        "duplicate key (first defined at line %u, column %u)", prev->line,
                        prev->column);
              duplicate = TRUE;
            }
        }
      if (duplicate)
        continue;

      /* A dotted key ("media.video.fps: 30") must not pass for a nested one. */
      key = strchr (k->value, '.') || strlen (k->value) != k->value_len
              ? NULL : zero_config_lookup_key (full);
      if (key != NULL)
        read_value (r, key, v);
      else if (strchr (k->value, '.') == NULL && _zero_config_is_section (full))
        {
          if (v->kind == ZERO_YAML_MAPPING)
            read_mapping (r, v, full);
          else if (!_zero_yaml_node_is_null (v))
            {
              g_autofree char *shown = v->kind == ZERO_YAML_SCALAR
                                         ? _zero_config_describe_text (v->value)
                                         : g_strdup (kind_name (v));

              ERROR_AT (v, ZERO_CONFIG_ERROR_TYPE, full,
                        "expected a mapping of %s.* keys, got %s", full, shown);
            }
        }
      else
        {
          g_autofree char *hint = strchr (k->value, '.') == NULL ? suggest (prefix, k->value)
                                                                 : NULL;

          if (hint)
            WARN_AT (k, full, "unknown key, ignored (did you mean %s?)", hint);
          else if (strchr (k->value, '.'))
            WARN_AT (k, full, "unknown key, ignored (write nested keys as nested mappings, "
                              "not with dots)");
          else
            WARN_AT (k, full, "unknown key, ignored");
        }
    }
}

#undef ERROR_AT
#undef WARN_AT

static void
check_relations (Reader *r)
{
  guint n_keys;
  const ZeroConfigKey *keys = zero_config_get_keys (&n_keys);
  g_autofree ZeroConfigValue *eff = g_new0 (ZeroConfigValue, n_keys);
  guint at = 0;
  g_autofree char *why = NULL;
  ZeroConfigValue *values = r->out->values;
  guint start = idx ("media.video.start_bitrate_kbps");
  guint cert = idx ("server.tls_cert"), tkey = idx ("server.tls_key");
  guint ping = idx ("server.ping_interval_s"), timeout = idx ("server.timeout_s");
  guint min = idx ("media.video.min_bitrate_kbps"), max = idx ("media.video.max_bitrate_kbps");
  guint sfu = idx ("sfu.enabled"), sfu_url = idx ("sfu.url");

  /* Shallow view: effective values without copying strings. */
  for (guint i = 0; i < n_keys; i++)
    {
      if (values[i].set)
        eff[i] = values[i];
      else
        {
          eff[i].i = keys[i].default_int;
          eff[i].s = (char *) keys[i].default_string;
        }
    }

#define WHERE(i) (values[i].set ? values[i].line : 1), (values[i].set ? values[i].column : 1)

  if (!_zero_config_check_relations (eff, values[max].set ? max : min, &at, &why))
    {
      add_problem (r, TRUE, ZERO_CONFIG_ERROR_RANGE, WHERE (at), keys[at].key, "%s", why);
    }
  else if ((values[start].set || values[min].set || values[max].set)
           && (eff[start].i < eff[min].i || eff[start].i > eff[max].i))
    add_problem (r, FALSE, 0, WHERE (values[start].set ? start : max), keys[start].key,
                 "%" G_GINT64_FORMAT " is outside %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
                 " (min_bitrate_kbps..max_bitrate_kbps); it will be clamped",
                 eff[start].i, eff[min].i, eff[max].i);

  if ((*eff[cert].s == '\0') != (*eff[tkey].s == '\0'))
    {
      guint set = *eff[cert].s ? cert : tkey;

      add_problem (r, FALSE, 0, WHERE (set), keys[set].key,
                   "server.tls_cert and server.tls_key go together; TLS stays off");
    }
  if ((values[ping].set || values[timeout].set) && eff[timeout].i <= eff[ping].i)
    add_problem (r, FALSE, 0, WHERE (values[timeout].set ? timeout : ping), keys[timeout].key,
                 "%" G_GINT64_FORMAT " s is not longer than server.ping_interval_s (%"
                 G_GINT64_FORMAT " s); live peers may be dropped", eff[timeout].i, eff[ping].i);
  if (eff[sfu].i && *eff[sfu_url].s == '\0')
    add_problem (r, FALSE, 0, WHERE (sfu), keys[sfu].key,
                 "true, but sfu.url is empty; calls stay peer-to-peer");

#undef WHERE
}

/* ---- entry points -------------------------------------------------------- */

void
_zero_config_parse_free (ZeroConfigParse *parse)
{
  guint n_keys;

  if (parse == NULL)
    return;
  zero_config_get_keys (&n_keys);
  for (guint i = 0; i < n_keys; i++)
    _zero_config_value_clear (&parse->values[i]);
  g_free (parse->values);
  g_clear_pointer (&parse->doc, _zero_yaml_doc_free);
  g_ptr_array_unref (parse->errors);
  g_ptr_array_unref (parse->warnings);
  g_free (parse);
}

/* Reads @text completely; check ->errors->len for failure. */
ZeroConfigParse *
_zero_config_parse (const char *text,
                    gsize       len,
                    const char *display_name)
{
  guint n_keys;
  ZeroConfigParse *out = g_new0 (ZeroConfigParse, 1);
  ZeroConfigProblem *problem = NULL;
  Reader r = { display_name, out };

  zero_config_get_keys (&n_keys);
  out->values = g_new0 (ZeroConfigValue, n_keys);
  out->errors = g_ptr_array_new_with_free_func (g_free);
  out->warnings = g_ptr_array_new_with_free_func (g_free);

  if (len > ZERO_CONFIG_MAX_FILE_SIZE)
    {
      add_problem (&r, TRUE, ZERO_CONFIG_ERROR_SYNTAX, 1, 1, "(file)",
                   "the file is larger than %d bytes", ZERO_CONFIG_MAX_FILE_SIZE);
      return out;
    }

  /* Characters YAML gives a layout meaning the writer cannot follow: a byte order mark
   * anywhere but at the start (libyaml counts it as indentation) and the line breaks
   * U+0085, U+2028, U+2029. Legal YAML, never typed on purpose: refuse, don't guess. */
  for (gsize i = 0; i + 2 <= len; i++)
    {
      const char *what = NULL;

      if (i > 0 && i + 3 <= len && memcmp (text + i, "\xEF\xBB\xBF", 3) == 0)
        what = "a byte order mark (U+FEFF) is only allowed at the start of the file";
      else if (memcmp (text + i, "\xC2\x85", 2) == 0
               || (i + 3 <= len && (memcmp (text + i, "\xE2\x80\xA8", 3) == 0
                                    || memcmp (text + i, "\xE2\x80\xA9", 3) == 0)))
        what = "a Unicode line break (U+0085, U+2028 or U+2029): use a plain newline";
      if (what != NULL)
        {
          guint line = 1, column = 1;

          for (gsize j = 0; j < i; j++)
            {
              if (text[j] == '\n')
                line++, column = 1;
              else if (((guchar) text[j] & 0xC0) != 0x80)
                column++;
            }
          add_problem (&r, TRUE, ZERO_CONFIG_ERROR_SYNTAX, line, column, "(file)", "%s", what);
          return out;
        }
    }

  out->doc = _zero_yaml_doc_parse (text, len, &problem);
  if (out->doc == NULL)
    {
      add_problem (&r, TRUE, problem->code, problem->line, problem->column, problem->key, "%s",
                   problem->message);
      _zero_config_problem_free (problem);
      return out;
    }

  if (out->doc->root != NULL && out->doc->root->kind == ZERO_YAML_MAPPING)
    read_mapping (&r, out->doc->root, NULL);
  else if (out->doc->root != NULL && !_zero_yaml_node_is_null (out->doc->root))
    add_problem (&r, TRUE, ZERO_CONFIG_ERROR_TYPE, out->doc->root->line,
                 out->doc->root->column, "(top level)",
                 "expected a mapping of sections (signaling:, media:, ...), got %s",
                 kind_name (out->doc->root));

  if (out->errors->len == 0)
    check_relations (&r);
  return out;
}

/* All errors of @parse in one GError, one "file:line:col: key: text" per line. */
GError *
_zero_config_parse_error (ZeroConfigParse *parse)
{
  g_autoptr(GString) message = g_string_new (NULL);

  g_return_val_if_fail (parse->errors->len > 0, NULL);

  for (guint i = 0; i < parse->errors->len; i++)
    g_string_append_printf (message, "%s%s", i ? "\n" : "",
                            (const char *) g_ptr_array_index (parse->errors, i));
  return g_error_new_literal (ZERO_CONFIG_ERROR, parse->first_code, message->str);
}

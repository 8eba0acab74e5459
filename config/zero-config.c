/* zero-config.c: ZeroConfig, config.yaml as one object.
 *
 * Values come from three layers, the first set wins: in-memory overrides
 * (setters), the file, the defaults of the key table. Saving patches the
 * overrides into the file's text (zero-config-writer.c) and proves, before
 * writing, that the result reads back with the same values. */
#include "config/zero-config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/zero-config-private.h"

struct _ZeroConfig
{
  GObject parent_instance;

  char *path;             /* where save() writes */
  char *display_name;     /* what messages call the loaded text */
  char *text;             /* the text last loaded or saved; NULL: none */
  gsize text_len;
  guint n_keys;
  ZeroConfigValue *file;      /* [n_keys] values read from @text */
  ZeroConfigValue *overrides; /* [n_keys] values set since */
  GPtrArray *warnings;
};

G_DEFINE_FINAL_TYPE (ZeroConfig, zero_config, G_TYPE_OBJECT)

G_DEFINE_QUARK (zero-config-error-quark, zero_config_error)

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
zero_config_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ZeroConfig *self = ZERO_CONFIG (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
clear_values (ZeroConfigValue *values,
              guint            n)
{
  for (guint i = 0; i < n; i++)
    _zero_config_value_clear (&values[i]);
}

static void
zero_config_finalize (GObject *object)
{
  ZeroConfig *self = ZERO_CONFIG (object);

  clear_values (self->file, self->n_keys);
  clear_values (self->overrides, self->n_keys);
  g_free (self->file);
  g_free (self->overrides);
  g_free (self->path);
  g_free (self->display_name);
  g_free (self->text);
  g_ptr_array_unref (self->warnings);

  G_OBJECT_CLASS (zero_config_parent_class)->finalize (object);
}

static void
zero_config_class_init (ZeroConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = zero_config_get_property;
  object_class->finalize = zero_config_finalize;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ZeroConfig::changed:
   * @key: the key whose effective value changed, also the signal's detail
   *
   * Emitted after a setter, a load or a save changed what a getter returns.
   * Connect to "changed::media.video.fps" for one key.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
zero_config_init (ZeroConfig *self)
{
  zero_config_get_keys (&self->n_keys);
  self->file = g_new0 (ZeroConfigValue, self->n_keys);
  self->overrides = g_new0 (ZeroConfigValue, self->n_keys);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  self->path = zero_config_dup_default_path ();
  self->display_name = g_strdup (self->path);
}

/* ---- internals ----------------------------------------------------------- */

static const ZeroConfigValue *
effective (ZeroConfig      *self,
           guint            i,
           ZeroConfigValue *scratch)
{
  if (self->overrides[i].set)
    return &self->overrides[i];
  if (self->file[i].set)
    return &self->file[i];
  _zero_config_value_set_default (&zero_config_get_keys (NULL)[i], scratch);
  return scratch;
}

/* A deep copy of every effective value, to notice what an operation changed. */
static ZeroConfigValue *
snapshot (ZeroConfig *self)
{
  ZeroConfigValue *snap = g_new0 (ZeroConfigValue, self->n_keys);

  for (guint i = 0; i < self->n_keys; i++)
    {
      ZeroConfigValue scratch = { 0 };

      _zero_config_value_copy (&snap[i], effective (self, i, &scratch));
      _zero_config_value_clear (&scratch);
    }
  return snap;
}

static void
emit_changes (ZeroConfig      *self,
              ZeroConfigValue *before)
{
  const ZeroConfigKey *keys = zero_config_get_keys (NULL);
  g_autoptr(GArray) changed = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < self->n_keys; i++)
    {
      ZeroConfigValue scratch = { 0 };

      if (!_zero_config_value_equal (&keys[i], &before[i], effective (self, i, &scratch)))
        g_array_append_val (changed, i);
      _zero_config_value_clear (&scratch);
    }
  clear_values (before, self->n_keys);
  g_free (before);

  /* Emit after the state is final: handlers may read any key. */
  for (guint j = 0; j < changed->len; j++)
    {
      const char *key = keys[g_array_index (changed, guint, j)].key;

      g_signal_emit (self, signals[CHANGED], g_quark_from_static_string (key), key);
    }
}

/* Makes @parse (error-free) the file layer. */
static void
adopt_parse (ZeroConfig      *self,
             ZeroConfigParse *parse,
             const char      *text,
             gsize            len,
             const char      *display_name,
             gboolean         log_warnings)
{
  clear_values (self->file, self->n_keys);
  for (guint i = 0; i < self->n_keys; i++)
    {
      self->file[i] = parse->values[i];
      memset (&parse->values[i], 0, sizeof parse->values[i]);
    }
  g_free (self->text);
  self->text = g_strndup (text, len);
  self->text_len = len;
  if (display_name != self->display_name)
    {
      g_free (self->display_name);
      self->display_name = g_strdup (display_name);
    }
  g_ptr_array_set_size (self->warnings, 0);
  for (guint i = 0; i < parse->warnings->len; i++)
    {
      const char *warning = g_ptr_array_index (parse->warnings, i);

      if (log_warnings)
        g_message ("%s", warning);
      g_ptr_array_add (self->warnings, g_strdup (warning));
    }
}

static gboolean
load_text (ZeroConfig *self,
           const char *text,
           gsize       len,
           const char *display_name,
           GError    **error)
{
  g_autoptr(ZeroConfigParse) parse = _zero_config_parse (text, len, display_name);
  ZeroConfigValue *before;

  if (parse->errors->len > 0)
    {
      g_propagate_error (error, _zero_config_parse_error (parse));
      return FALSE;
    }
  before = snapshot (self);
  adopt_parse (self, parse, text, len, display_name, TRUE);
  emit_changes (self, before);
  return TRUE;
}

/* Reads a regular file of at most ZERO_CONFIG_MAX_FILE_SIZE bytes. Sets
 * @missing (without an error) when it does not exist. */
static char *
read_config_file (const char *path,
                  gsize      *len,
                  gboolean   *missing,
                  GError    **error)
{
  int fd;
  struct stat st;
  g_autofree char *data = NULL;
  gsize got = 0;

  *missing = FALSE;
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        {
          *missing = TRUE;
          return NULL;
        }
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO, "%s: cannot open: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO, "%s: not a regular file",
                   path);
      close (fd);
      return NULL;
    }
  if (st.st_size > ZERO_CONFIG_MAX_FILE_SIZE)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO,
                   "%s: file is too large (%" G_GINT64_FORMAT " bytes; the limit is %d)", path,
                   (gint64) st.st_size, ZERO_CONFIG_MAX_FILE_SIZE);
      close (fd);
      return NULL;
    }

  data = g_malloc (ZERO_CONFIG_MAX_FILE_SIZE + 1);
  for (;;)
    {
      gssize n = read (fd, data + got, ZERO_CONFIG_MAX_FILE_SIZE + 1 - got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO, "%s: cannot read: %s",
                       path, g_strerror (saved));
          close (fd);
          return NULL;
        }
      if (n == 0 || (got += n) > ZERO_CONFIG_MAX_FILE_SIZE)
        break;
    }
  close (fd);
  if (got > ZERO_CONFIG_MAX_FILE_SIZE)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO, "%s: file is too large",
                   path);
      return NULL;
    }
  data = g_realloc (g_steal_pointer (&data), got + 1);
  data[got] = '\0';
  *len = got;
  return g_steal_pointer (&data);
}

/* ---- public API ---------------------------------------------------------- */

/**
 * zero_config_dup_default_path:
 *
 * Returns: (transfer full): $XDG_CONFIG_HOME/zero/config.yaml
 */
char *
zero_config_dup_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "zero", "config.yaml", NULL);
}

/**
 * zero_config_new:
 *
 * Returns: (transfer full): a config holding the defaults, whose path is the
 *   default one (saving creates it).
 */
ZeroConfig *
zero_config_new (void)
{
  return g_object_new (ZERO_TYPE_CONFIG, NULL);
}

/**
 * zero_config_load:
 * @explicit_path: (nullable): a --config FILE, which must exist
 *
 * Loads @explicit_path, else the default path if that file exists, else
 * the defaults. Warnings (unknown keys) are logged with g_message() and kept
 * in zero_config_get_warnings().
 *
 * Returns: (transfer full) (nullable): the config, or NULL with an error
 *   listing every problem, one "file:line:column: key: text" per line.
 */
ZeroConfig *
zero_config_load (const char *explicit_path,
                  GError    **error)
{
  g_autoptr(ZeroConfig) self = zero_config_new ();
  g_autofree char *data = NULL;
  gsize len = 0;
  gboolean missing = FALSE;

  if (explicit_path != NULL)
    {
      g_free (self->path);
      self->path = g_strdup (explicit_path);
      g_free (self->display_name);
      self->display_name = g_strdup (explicit_path);
    }

  data = read_config_file (self->path, &len, &missing, error);
  if (missing)
    {
      if (explicit_path != NULL)
        {
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_NOT_FOUND,
                       "%s: no such file", explicit_path);
          return NULL;
        }
      g_debug ("%s does not exist: using the defaults", self->path);
      return g_steal_pointer (&self);
    }
  if (data == NULL)
    return NULL;
  if (!load_text (self, data, len, self->display_name, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * zero_config_load_data:
 * @data: YAML text
 * @len: its length, or -1 when NUL-terminated
 * @display_name: (nullable): how messages name it; default: the path
 *
 * Replaces the file layer with @data (overrides stay). The path save()
 * writes to does not change. On failure nothing changes.
 */
gboolean
zero_config_load_data (ZeroConfig *self,
                       const char *data,
                       gssize      len,
                       const char *display_name,
                       GError    **error)
{
  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len < 0)
    len = strlen (data);
  return load_text (self, data ? data : "", len, display_name ? display_name : self->path,
                    error);
}

const char *
zero_config_get_path (ZeroConfig *self)
{
  g_return_val_if_fail (ZERO_IS_CONFIG (self), NULL);

  return self->path;
}

/**
 * zero_config_get_warnings:
 *
 * Returns: (transfer none) (element-type utf8): warnings of the last load,
 *   each "file:line:column: key: text".
 */
const GPtrArray *
zero_config_get_warnings (ZeroConfig *self)
{
  g_return_val_if_fail (ZERO_IS_CONFIG (self), NULL);

  return self->warnings;
}

static const ZeroConfigKey *
lookup_typed (const char    *key,
              ZeroConfigType type,
              ZeroConfigType other_type,
              const char    *getter)
{
  const ZeroConfigKey *k = zero_config_lookup_key (key);

  if (k == NULL)
    {
      g_critical ("%s: unknown config key \"%s\"", getter, key);
      return NULL;
    }
  if (k->type != type && k->type != other_type)
    {
      g_critical ("%s: config key \"%s\" is not of this type", getter, key);
      return NULL;
    }
  return k;
}

/**
 * zero_config_get_string:
 * @key: a string or enum key
 *
 * Returns: (transfer none): the value, valid until it changes. Asking a key
 *   of another type is a programming error (a critical, and NULL).
 */
const char *
zero_config_get_string (ZeroConfig *self,
                        const char *key)
{
  const ZeroConfigKey *k;
  guint i;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  k = lookup_typed (key, ZERO_CONFIG_TYPE_STRING, ZERO_CONFIG_TYPE_ENUM, G_STRFUNC);
  if (k == NULL)
    return NULL;
  i = _zero_config_key_index (k);
  if (self->overrides[i].set)
    return self->overrides[i].s;
  if (self->file[i].set)
    return self->file[i].s;
  return k->default_string;
}

gint64
zero_config_get_int (ZeroConfig *self,
                     const char *key)
{
  const ZeroConfigKey *k;
  guint i;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), 0);
  g_return_val_if_fail (key != NULL, 0);

  k = lookup_typed (key, ZERO_CONFIG_TYPE_INT, ZERO_CONFIG_TYPE_INT, G_STRFUNC);
  if (k == NULL)
    return 0;
  i = _zero_config_key_index (k);
  if (self->overrides[i].set)
    return self->overrides[i].i;
  if (self->file[i].set)
    return self->file[i].i;
  return k->default_int;
}

gboolean
zero_config_get_bool (ZeroConfig *self,
                      const char *key)
{
  const ZeroConfigKey *k;
  guint i;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  k = lookup_typed (key, ZERO_CONFIG_TYPE_BOOL, ZERO_CONFIG_TYPE_BOOL, G_STRFUNC);
  if (k == NULL)
    return FALSE;
  i = _zero_config_key_index (k);
  if (self->overrides[i].set)
    return self->overrides[i].i != 0;
  if (self->file[i].set)
    return self->file[i].i != 0;
  return k->default_int != 0;
}

/**
 * zero_config_is_set:
 *
 * Returns: TRUE when @key is present in the file or was set since.
 */
gboolean
zero_config_is_set (ZeroConfig *self,
                    const char *key)
{
  const ZeroConfigKey *k;
  guint i;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  k = zero_config_lookup_key (key);
  if (k == NULL)
    {
      g_critical ("%s: unknown config key \"%s\"", G_STRFUNC, key);
      return FALSE;
    }
  i = _zero_config_key_index (k);
  return self->overrides[i].set || self->file[i].set;
}

/**
 * zero_config_get_resolution:
 * @width: (out):
 * @height: (out):
 *
 * media.video.resolution in pixels (HD: 1280x720, FullHD: 1920x1080).
 */
void
zero_config_get_resolution (ZeroConfig *self,
                            int        *width,
                            int        *height)
{
  int w = 1280, h = 720;

  g_return_if_fail (ZERO_IS_CONFIG (self));

  /* Values are validated on the way in, so this cannot fail. */
  if (!zero_config_parse_resolution (zero_config_get_string (self, "media.video.resolution"), &w,
                                     &h, NULL))
    g_assert_not_reached ();
  if (width)
    *width = w;
  if (height)
    *height = h;
}

/**
 * zero_config_get_ice_servers:
 *
 * Returns: (transfer full) (element-type ZeroIceServer): a copy of
 *   webrtc.ice_servers, possibly empty.
 */
GPtrArray *
zero_config_get_ice_servers (ZeroConfig *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) zero_ice_server_free);
  guint i;
  GPtrArray *servers;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), copy);

  i = _zero_config_key_index (zero_config_lookup_key ("webrtc.ice_servers"));
  servers = self->overrides[i].set ? self->overrides[i].ice
            : self->file[i].set    ? self->file[i].ice
                                   : NULL;
  for (guint j = 0; servers && j < servers->len; j++)
    g_ptr_array_add (copy, zero_ice_server_copy (g_ptr_array_index (servers, j)));
  return copy;
}

/**
 * zero_config_dup_signaling_url:
 *
 * Returns: (transfer full): signaling.server_address as a WebSocket URL,
 *   such as "ws://localhost:8080/ws".
 */
char *
zero_config_dup_signaling_url (ZeroConfig *self)
{
  g_autoptr(GError) error = NULL;
  char *url;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), NULL);

  url = zero_config_address_to_url (zero_config_get_string (self, "signaling.server_address"),
                                    &error);
  /* The value was validated by the same rules when it was set. */
  g_assert_no_error (error);
  return url;
}

/* Stores @value (consumed) as @key's override after the cross-key check. */
static gboolean
set_value (ZeroConfig          *self,
           const ZeroConfigKey *key,
           ZeroConfigValue     *value,
           GError             **error)
{
  guint i = _zero_config_key_index (key);
  g_autofree ZeroConfigValue *eff = g_new0 (ZeroConfigValue, self->n_keys);
  g_autofree ZeroConfigValue *scratch = g_new0 (ZeroConfigValue, self->n_keys);
  g_autofree char *why = NULL;
  const ZeroConfigKey *keys = zero_config_get_keys (NULL);
  guint bad = 0;
  gboolean ok;
  ZeroConfigValue *before;

  for (guint j = 0; j < self->n_keys; j++)
    eff[j] = j == i ? *value : *effective (self, j, &scratch[j]);
  ok = _zero_config_check_relations (eff, i, &bad, &why);
  clear_values (scratch, self->n_keys);
  if (!ok)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE, "%s: %s", keys[bad].key,
                   why);
      _zero_config_value_clear (value);
      return FALSE;
    }

  before = snapshot (self);
  _zero_config_value_clear (&self->overrides[i]);
  self->overrides[i] = *value;
  self->overrides[i].set = TRUE;
  self->overrides[i].line = self->overrides[i].column = 0;
  memset (value, 0, sizeof *value);
  emit_changes (self, before);
  return TRUE;
}

static const ZeroConfigKey *
lookup_for_set (const char *key,
                GError    **error)
{
  const ZeroConfigKey *k = zero_config_lookup_key (key);

  if (k == NULL)
    g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_UNKNOWN_KEY,
                 "%s: unknown config key", key);
  return k;
}

/**
 * zero_config_set_string:
 * @key: a string or enum key; for int and bool keys, @value is read like a
 *   plain YAML scalar ("30", "true"), which suits command-line overrides
 * @value: the new value
 *
 * Validates like the loader and keeps the value in memory until
 * zero_config_save().
 */
gboolean
zero_config_set_string (ZeroConfig *self,
                        const char *key,
                        const char *value,
                        GError    **error)
{
  const ZeroConfigKey *k;
  ZeroConfigValue v = { 0 };
  ZeroConfigError code = 0;
  g_autofree char *why = NULL;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((k = lookup_for_set (key, error)) == NULL)
    return FALSE;
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_TYPE, "%s: not valid UTF-8", key);
      return FALSE;
    }
  if (k->type == ZERO_CONFIG_TYPE_ICE_SERVERS)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_TYPE,
                   "%s: a list, set it with zero_config_set_ice_servers()", key);
      return FALSE;
    }
  if (!_zero_config_value_from_text (k, value, TRUE, &v, &code, &why))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, code, "%s: %s", key, why);
      return FALSE;
    }
  return set_value (self, k, &v, error);
}

gboolean
zero_config_set_int (ZeroConfig *self,
                     const char *key,
                     gint64      value,
                     GError    **error)
{
  const ZeroConfigKey *k;
  ZeroConfigValue v = { 0 };
  g_autofree char *why = NULL;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((k = lookup_for_set (key, error)) == NULL)
    return FALSE;
  if (k->type != ZERO_CONFIG_TYPE_INT)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_TYPE, "%s: not an integer key",
                   key);
      return FALSE;
    }
  if (!_zero_config_check_int (k, value, &why))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE, "%s: %s", key, why);
      return FALSE;
    }
  v.i = value;
  return set_value (self, k, &v, error);
}

gboolean
zero_config_set_bool (ZeroConfig *self,
                      const char *key,
                      gboolean    value,
                      GError    **error)
{
  const ZeroConfigKey *k;
  ZeroConfigValue v = { 0 };

  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((k = lookup_for_set (key, error)) == NULL)
    return FALSE;
  if (k->type != ZERO_CONFIG_TYPE_BOOL)
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_TYPE, "%s: not a boolean key",
                   key);
      return FALSE;
    }
  v.i = value != FALSE;
  return set_value (self, k, &v, error);
}

/**
 * zero_config_set_ice_servers:
 * @servers: (nullable) (element-type ZeroIceServer): the new list; NULL or
 *   empty for none. Copied.
 */
gboolean
zero_config_set_ice_servers (ZeroConfig *self,
                             GPtrArray  *servers,
                             GError    **error)
{
  const ZeroConfigKey *k = zero_config_lookup_key ("webrtc.ice_servers");
  ZeroConfigValue v = { 0 };
  g_autofree char *why = NULL;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_zero_config_check_ice_servers (servers, &why))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE, "%s: %s", k->key, why);
      return FALSE;
    }
  v.ice = g_ptr_array_new_with_free_func ((GDestroyNotify) zero_ice_server_free);
  for (guint i = 0; servers && i < servers->len; i++)
    g_ptr_array_add (v.ice, zero_ice_server_copy (g_ptr_array_index (servers, i)));
  return set_value (self, k, &v, error);
}

/**
 * zero_config_has_unsaved_changes:
 *
 * Returns: TRUE when a setter changed a value the file does not hold yet.
 */
gboolean
zero_config_has_unsaved_changes (ZeroConfig *self)
{
  const ZeroConfigKey *keys = zero_config_get_keys (NULL);

  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);

  for (guint i = 0; i < self->n_keys; i++)
    if (self->overrides[i].set
        && (!self->file[i].set
            || !_zero_config_value_equal (&keys[i], &self->overrides[i], &self->file[i])))
      return TRUE;
  return FALSE;
}

/* The edits save() makes: overrides that differ from what @base holds. */
static ZeroConfigValue *
pending_edits (ZeroConfig      *self,
               ZeroConfigParse *base)
{
  const ZeroConfigKey *keys = zero_config_get_keys (NULL);
  ZeroConfigValue *edits = g_new0 (ZeroConfigValue, self->n_keys);

  for (guint i = 0; i < self->n_keys; i++)
    if (self->overrides[i].set
        && (!base->values[i].set
            || !_zero_config_value_equal (&keys[i], &self->overrides[i], &base->values[i])))
      edits[i] = self->overrides[i];
  return edits;
}

/* Patches the overrides into @base_text, then proves the result reads back
 * with the overrides and every other value of @base_text unchanged. */
char *
_zero_config_render_save (ZeroConfig *self,
                          const char *base_text,
                          gsize       base_len,
                          gsize      *len,
                          GError    **error)
{
  const ZeroConfigKey *keys = zero_config_get_keys (NULL);
  g_autoptr(ZeroConfigParse) base = _zero_config_parse (base_text, base_len, self->path);
  g_autoptr(ZeroConfigParse) check = NULL;
  g_autofree ZeroConfigValue *edits = NULL;
  g_autofree char *text = NULL;
  gsize text_len = 0;

  if (base->errors->len > 0)
    {
      g_autoptr(GError) why = _zero_config_parse_error (base);

      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_CONFLICT,
                   "%s changed on disk and no longer loads; not overwriting it:\n%s", self->path,
                   why->message);
      return NULL;
    }

  edits = pending_edits (self, base);
  text = _zero_config_patch_text (base->doc, edits, &text_len, error);
  if (text == NULL)
    return NULL;

  check = _zero_config_parse (text, text_len, self->path);
  if (check->errors->len > 0)
    {
      g_autoptr(GError) why = _zero_config_parse_error (check);

      /* A bug in the writer: better to refuse than to break the user's file. */
      g_debug ("patched text:\n%s", text);
      g_critical ("patched config does not load: %s", why->message);
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO,
                   "cannot save %s: the edited text would not load (%s)", self->path,
                   why->message);
      return NULL;
    }
  for (guint i = 0; i < self->n_keys; i++)
    {
      const ZeroConfigValue *want = edits[i].set ? &edits[i] : &base->values[i];
      ZeroConfigValue want_default = { 0 }, got_default = { 0 };
      const ZeroConfigValue *got = &check->values[i];
      gboolean same;

      if (!want->set)
        _zero_config_value_set_default (&keys[i], &want_default), want = &want_default;
      if (!got->set)
        _zero_config_value_set_default (&keys[i], &got_default), got = &got_default;
      same = _zero_config_value_equal (&keys[i], want, got);
      _zero_config_value_clear (&want_default);
      _zero_config_value_clear (&got_default);
      if (!same)
        {
          g_debug ("patched text:\n%s", text);
          g_critical ("patched config changes %s", keys[i].key);
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO,
                       "cannot save %s: the edited text would change %s", self->path,
                       keys[i].key);
          return NULL;
        }
    }

  *len = text_len;
  return g_steal_pointer (&text);
}

/* Where to write: the target of a symlink (dotfile managers), else @path. */
static char *
resolve_target (const char *path)
{
  char *real = realpath (path, NULL);
  char *result;

  if (real == NULL)
    return g_strdup (path);
  result = g_strdup (real);
  free (real);
  return result;
}

/**
 * zero_config_save:
 *
 * Writes the overrides into the file at zero_config_get_path(), keeping the
 * user's comments, formatting, key order and unknown keys. If the file
 * changed on disk since it was loaded, the edits apply to the new text; if
 * that text no longer loads, fails with %ZERO_CONFIG_ERROR_CONFLICT and
 * leaves the file alone. The write is atomic (temporary file + rename) with
 * mode 0600, creating the directory when needed.
 */
gboolean
zero_config_save (ZeroConfig *self,
                  GError    **error)
{
  g_autofree char *target = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *text = NULL;
  g_autoptr(ZeroConfigParse) parse = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *base;
  gsize disk_len = 0, base_len, len = 0;
  gboolean missing = FALSE;
  ZeroConfigValue *before;

  g_return_val_if_fail (ZERO_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  target = resolve_target (self->path);
  disk = read_config_file (target, &disk_len, &missing, &local_error);
  if (disk == NULL && !missing)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* The file as it is now wins over the copy we loaded; if it is gone,
   * what we loaded is kept so that no setting is lost. */
  if (disk != NULL)
    base = disk, base_len = disk_len;
  else
    base = self->text ? self->text : "", base_len = self->text ? self->text_len : 0;

  text = _zero_config_render_save (self, base, base_len, &len, error);
  if (text == NULL)
    return FALSE;

  if (disk == NULL || len != disk_len || memcmp (text, disk, len) != 0)
    {
      dir = g_path_get_dirname (target);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;

          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO, "%s: cannot create: %s",
                       dir, g_strerror (saved));
          return FALSE;
        }
      if (!g_file_set_contents_full (target, text, len,
                                     G_FILE_SET_CONTENTS_CONSISTENT
                                       | G_FILE_SET_CONTENTS_DURABLE,
                                     0600, &local_error))
        {
          g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO, "cannot save: %s",
                       local_error->message);
          return FALSE;
        }
    }

  /* The saved text becomes the file layer; overrides are now in it. */
  parse = _zero_config_parse (text, len, self->path);
  g_assert (parse->errors->len == 0);
  before = snapshot (self);
  clear_values (self->overrides, self->n_keys);
  adopt_parse (self, parse, text, len, self->path, FALSE);
  emit_changes (self, before);
  return TRUE;
}

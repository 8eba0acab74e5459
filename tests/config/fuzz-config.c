/* fuzz-config.c: libFuzzer target for config.yaml parsing and patching.
 *
 * Any input either loads or fails with a located GError; when it loads,
 * every getter works and a save rendering of some edits must read back with
 * the same values (_zero_config_render_save checks that and emits a critical
 * when it does not, which aborts here). Crashes found are kept in corpus/,
 * which the unit test /config/robustness/corpus replays. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/zero-config.h"
#include "config/zero-config-private.h"

static GLogWriterOutput
quiet_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  /* Unknown-key messages are expected; anything worse is a bug. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (level, fields, n_fields, user_data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized;
  g_autoptr(ZeroConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  guint n_keys;
  const ZeroConfigKey *keys = zero_config_get_keys (&n_keys);

  if (!initialized)
    {
      g_log_set_writer_func (quiet_writer, NULL, NULL);
      initialized = TRUE;
    }

  config = zero_config_new ();
  if (!zero_config_load_data (config, (const char *) data, size, "fuzz", &error))
    {
      if (error == NULL || !g_str_has_prefix (error->message, "fuzz:"))
        abort ();
      return 0;
    }

  for (guint i = 0; i < n_keys; i++)
    {
      if (keys[i].type == ZERO_CONFIG_TYPE_INT)
        (void) zero_config_get_int (config, keys[i].key);
      else if (keys[i].type == ZERO_CONFIG_TYPE_BOOL)
        (void) zero_config_get_bool (config, keys[i].key);
      else if (keys[i].type != ZERO_CONFIG_TYPE_ICE_SERVERS
               && zero_config_get_string (config, keys[i].key) == NULL)
        abort ();
    }
  g_ptr_array_unref (zero_config_get_ice_servers (config));
  zero_config_get_resolution (config, NULL, NULL);
  g_free (zero_config_dup_signaling_url (config));

  /* Edits of every kind (replace, insert, new sections, a list) on a
   * subset of the keys chosen by the input itself. */
  {
    const char *urls[] = { "stun:a.org", "turn:b.org?transport=tcp", NULL };
    g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                   zero_ice_server_free);
    g_autofree char *out = NULL;
    gsize out_len = 0;
    guint32 pick = 2166136261u;

    for (size_t i = 0; i < size; i++)
      pick = (pick ^ data[i]) * 16777619u;
    g_ptr_array_add (servers, zero_ice_server_new (urls, "u", "p'\""));

    for (guint i = 0; i < n_keys; i++)
      {
        const ZeroConfigKey *k = &keys[i];

        if (((pick >> (i % 32)) & 1) == 0)
          continue;
        switch (k->type)
          {
          case ZERO_CONFIG_TYPE_STRING:
            if (k->check == NULL)
              zero_config_set_string (config, k->key, "v: 'x' #y\n\"z\"", NULL);
            else if (strstr (k->key, "url") || strstr (k->key, "address"))
              zero_config_set_string (config, k->key, "wss://h.example:4443/p", NULL);
            else if (strstr (k->key, "resolution"))
              zero_config_set_string (config, k->key, "320x240", NULL);
            else if (strstr (k->key, "host"))
              zero_config_set_string (config, k->key, "::", NULL);
            else
              zero_config_set_string (config, k->key, "Zo\xc3\xab", NULL);
            break;
          case ZERO_CONFIG_TYPE_ENUM:
            zero_config_set_string (config, k->key, k->choices[1], NULL);
            break;
          case ZERO_CONFIG_TYPE_INT:
            zero_config_set_int (config, k->key,
                                 k->allowed ? k->allowed[0] : k->min == 30 ? 31 : k->min, NULL);
            break;
          case ZERO_CONFIG_TYPE_BOOL:
            zero_config_set_bool (config, k->key, !k->default_int, NULL);
            break;
          case ZERO_CONFIG_TYPE_ICE_SERVERS:
            zero_config_set_ice_servers (config, pick & (1u << 31) ? servers : NULL, NULL);
            break;
          default:
            abort ();
          }
      }
    out = _zero_config_render_save (config, (const char *) data, size, &out_len, &error);
    /* Refusing an exotic layout is allowed; a critical (bad output) is not. */
    if (out == NULL && !g_error_matches (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_IO))
      abort ();
  }
  return 0;
}

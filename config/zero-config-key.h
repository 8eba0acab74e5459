/* zero-config-key.h: the declared table of config.yaml keys.
 *
 * Every setting Zero reads lives in one array, in zero-config-key.c. A module
 * that needs a new setting adds one row there; the loader, the setters, the
 * saver and the preferences window all work from that row. */
#pragma once

#include <glib.h>

#include "config/zero-config-error.h"

G_BEGIN_DECLS

typedef enum
{
  ZERO_CONFIG_TYPE_STRING,
  ZERO_CONFIG_TYPE_INT,
  ZERO_CONFIG_TYPE_BOOL,
  ZERO_CONFIG_TYPE_ENUM,        /* one string of @choices; read with zero_config_get_string() */
  ZERO_CONFIG_TYPE_ICE_SERVERS, /* a list of ZeroIceServer */
} ZeroConfigType;

/* Checks a string value; on refusal returns FALSE and sets @why to a short
 * reason ("expected host:port or a ws:// or wss:// URL"). */
typedef gboolean (*ZeroConfigCheckFunc) (const char *value, char **why);

typedef struct
{
  const char *key;               /* dotted path: "media.video.fps" */
  ZeroConfigType type;
  const char *default_string;    /* STRING, ENUM */
  gint64 default_int;            /* INT; BOOL as 0/1 */
  gint64 min, max;               /* INT: inclusive range */
  const gint64 *allowed;         /* INT: if set, the only values allowed */
  guint n_allowed;
  const char *const *choices;    /* ENUM: NULL-terminated */
  ZeroConfigCheckFunc check;     /* STRING: optional validation */
  const char *doc;               /* one line, for humans */
} ZeroConfigKey;

const ZeroConfigKey *zero_config_get_keys (guint *n_keys);
const ZeroConfigKey *zero_config_lookup_key (const char *key);

gboolean zero_config_parse_resolution (const char *text,
                                       int        *width,
                                       int        *height,
                                       GError    **error);
char *zero_config_address_to_url (const char *address,
                                  GError    **error);

G_END_DECLS

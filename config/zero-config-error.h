/* zero-config-error.h: the config module's GError domain. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZERO_CONFIG_ERROR (zero_config_error_quark ())

typedef enum
{
  ZERO_CONFIG_ERROR_NOT_FOUND,   /* an explicit --config file does not exist */
  ZERO_CONFIG_ERROR_SYNTAX,      /* malformed YAML, duplicate key, alias, ... */
  ZERO_CONFIG_ERROR_TYPE,        /* a value of the wrong type */
  ZERO_CONFIG_ERROR_RANGE,       /* out of range, bad enum value, invalid URL/resolution */
  ZERO_CONFIG_ERROR_UNKNOWN_KEY, /* a setter was given a key not in the table */
  ZERO_CONFIG_ERROR_IO,          /* reading or writing the file failed */
  ZERO_CONFIG_ERROR_CONFLICT,    /* the file changed on disk and no longer loads */
} ZeroConfigError;

GQuark zero_config_error_quark (void);

G_END_DECLS

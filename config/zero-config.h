/* zero-config.h: config.yaml, the one object through which every module
 * reads its settings.
 *
 * Look-up: an explicit --config FILE (must exist), else
 * $XDG_CONFIG_HOME/zero/config.yaml (may be missing: defaults), else the
 * built-in defaults of the key table (zero-config-key.h). Values set with
 * the setters are in-memory overrides until zero_config_save() patches them
 * into the file, keeping the user's comments, order and unknown keys. */
#pragma once

#include <glib-object.h>

#include "config/zero-config-error.h"
#include "config/zero-config-key.h"
#include "config/zero-ice-server.h"

G_BEGIN_DECLS

#define ZERO_TYPE_CONFIG (zero_config_get_type ())

G_DECLARE_FINAL_TYPE (ZeroConfig, zero_config, ZERO, CONFIG, GObject)

char            *zero_config_dup_default_path (void);

ZeroConfig      *zero_config_new            (void);
ZeroConfig      *zero_config_load           (const char *explicit_path,
                                             GError    **error);
gboolean         zero_config_load_data      (ZeroConfig *self,
                                             const char *data,
                                             gssize      len,
                                             const char *display_name,
                                             GError    **error);

const char      *zero_config_get_path       (ZeroConfig *self);
const GPtrArray *zero_config_get_warnings   (ZeroConfig *self);

const char      *zero_config_get_string     (ZeroConfig *self,
                                             const char *key);
gint64           zero_config_get_int        (ZeroConfig *self,
                                             const char *key);
gboolean         zero_config_get_bool       (ZeroConfig *self,
                                             const char *key);
gboolean         zero_config_is_set         (ZeroConfig *self,
                                             const char *key);
void             zero_config_get_resolution (ZeroConfig *self,
                                             int        *width,
                                             int        *height);
GPtrArray       *zero_config_get_ice_servers (ZeroConfig *self);
char            *zero_config_dup_signaling_url (ZeroConfig *self);

gboolean         zero_config_set_string     (ZeroConfig *self,
                                             const char *key,
                                             const char *value,
                                             GError    **error);
gboolean         zero_config_set_int        (ZeroConfig *self,
                                             const char *key,
                                             gint64      value,
                                             GError    **error);
gboolean         zero_config_set_bool       (ZeroConfig *self,
                                             const char *key,
                                             gboolean    value,
                                             GError    **error);
gboolean         zero_config_set_ice_servers (ZeroConfig *self,
                                              GPtrArray  *servers,
                                              GError    **error);
gboolean         zero_config_has_unsaved_changes (ZeroConfig *self);

gboolean         zero_config_save           (ZeroConfig *self,
                                             GError    **error);

G_END_DECLS

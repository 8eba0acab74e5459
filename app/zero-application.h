/* zero-application.h: the Zero application (single instance, command line, config). */
#pragma once

#include <adwaita.h>

#include "config/zero-config.h"
#include "signaling/zero-signaling-server.h"
#include "zero-window.h"

G_BEGIN_DECLS

#define ZERO_TYPE_APPLICATION (zero_application_get_type ())

G_DECLARE_FINAL_TYPE (ZeroApplication, zero_application, ZERO, APPLICATION, AdwApplication)

ZeroApplication *zero_application_new                 (void);
ZeroConfig      *zero_application_get_config          (ZeroApplication *self);
gboolean         zero_application_get_config_writable (ZeroApplication *self);
const char      *zero_application_get_config_error    (ZeroApplication *self);
gboolean         zero_application_save_config         (ZeroApplication *self,
                                                       GError         **error);
ZeroWindow      *zero_application_get_main_window     (ZeroApplication *self);
gboolean         zero_application_ensure_local_server (ZeroApplication *self,
                                                       const char      *server_address);
ZeroSignalingServer *zero_application_get_local_server (ZeroApplication *self);

G_END_DECLS

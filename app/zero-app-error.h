/* zero-app-error.h: the app module's GError domain. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZERO_APP_ERROR (zero_app_error_quark ())

typedef enum
{
  ZERO_APP_ERROR_INVALID_SESSION, /* not a session ID nor a zero:// link */
  ZERO_APP_ERROR_INVALID_ARGUMENTS, /* command-line options that do not go together */
  ZERO_APP_ERROR_INVALID_SERVER,  /* a signaling server address that cannot be used */
  ZERO_APP_ERROR_UNSUPPORTED_FORMAT, /* a video sample the paintable cannot show */
} ZeroAppError;

GQuark zero_app_error_quark (void);

G_END_DECLS

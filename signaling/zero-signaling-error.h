/* zero-signaling-error.h: the signaling module's own GError domain.
 *
 * Protocol refusals have their own domain, ZERO_PROTOCOL_ERROR
 * (zero-message.h), whose codes are the wire's error codes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZERO_SIGNALING_ERROR (zero_signaling_error_quark ())

typedef enum
{
  ZERO_SIGNALING_ERROR_FAILED,      /* generic */
  ZERO_SIGNALING_ERROR_INVALID_URL, /* a server address that cannot be used */
  ZERO_SIGNALING_ERROR_LISTEN,      /* could not listen (see message) */
  ZERO_SIGNALING_ERROR_TLS,         /* certificate or key unusable */
  ZERO_SIGNALING_ERROR_CONNECT,     /* could not reach the server */
  ZERO_SIGNALING_ERROR_CLOSED,      /* not connected, or the connection closed */
  ZERO_SIGNALING_ERROR_INVALID,     /* an argument or message that cannot be sent */
} ZeroSignalingError;

GQuark zero_signaling_error_quark (void);

G_END_DECLS

/* zero-session-error.h: the sessionmanager module's GError domain.
 *
 * Join failures are values the UI can act on: ask for another ID or name, offer to retry
 * or to pick another server, ask for the password.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZERO_SESSION_ERROR (zero_session_error_quark ())
GQuark zero_session_error_quark (void);

typedef enum {
  ZERO_SESSION_ERROR_INVALID_ID,       /* not a session ID nor a zero:// link */
  ZERO_SESSION_ERROR_INVALID_NAME,     /* a display name that is empty, too long, or odd */
  ZERO_SESSION_ERROR_INVALID_SERVER,   /* a signaling server address that cannot be used */
  ZERO_SESSION_ERROR_UNREACHABLE,      /* the signaling server could not be reached, or did
                                          not answer the join */
  ZERO_SESSION_ERROR_NO_SUCH_SESSION,  /* refused: the session does not exist */
  ZERO_SESSION_ERROR_SESSION_FULL,     /* refused: the session (or server) is full */
  ZERO_SESSION_ERROR_AUTH,             /* refused: wrong password, or a bad token */
  ZERO_SESSION_ERROR_REFUSED,          /* refused for another reason */
  ZERO_SESSION_ERROR_MEDIA,            /* the camera/microphone pipeline could not start */
  ZERO_SESSION_ERROR_STATE,            /* not possible now (already joined, not joined) */
  ZERO_SESSION_ERROR_INVALID_ARGUMENT, /* e.g. a chat text that is empty or too long */
} ZeroSessionError;

G_END_DECLS

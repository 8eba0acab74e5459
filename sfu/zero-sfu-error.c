/* zero-sfu-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sfu/zero-sfu-error.h"

#include <gio/gio.h>
#include <string.h>

#include "signaling/zero-janus-session.h"

G_DEFINE_QUARK (zero-sfu-error-quark, zero_sfu_error)

static ZeroSfuError
map_janus_code (int code)
{
  switch (code)
    {
    case ZERO_JANUS_ERROR_CONNECT: return ZERO_SFU_ERROR_CONNECT;
    case ZERO_JANUS_ERROR_CLOSED: return ZERO_SFU_ERROR_CLOSED;
    case ZERO_JANUS_ERROR_TIMEOUT: return ZERO_SFU_ERROR_TIMEOUT;
    case ZERO_JANUS_ERROR_PROTOCOL: return ZERO_SFU_ERROR_PROTOCOL;
    case ZERO_JANUS_ERROR_INVALID: return ZERO_SFU_ERROR_INVALID_ARGUMENT;
    case 403: /* core: unauthorized (api secret / token) */
    case 405: /* core: plugin not authorized */
    case ZERO_JANUS_CODE_VIDEOROOM_UNAUTHORIZED:
      return ZERO_SFU_ERROR_UNAUTHORIZED;
    case ZERO_JANUS_CODE_VIDEOROOM_NO_SUCH_ROOM: return ZERO_SFU_ERROR_NO_SUCH_ROOM;
    case ZERO_JANUS_CODE_VIDEOROOM_PUBLISHERS_FULL: return ZERO_SFU_ERROR_ROOM_FULL;
    case ZERO_JANUS_CODE_VIDEOROOM_NO_SUCH_FEED: return ZERO_SFU_ERROR_NO_SUCH_FEED;
    case ZERO_JANUS_CODE_SESSION_NOT_FOUND:
    case ZERO_JANUS_CODE_HANDLE_NOT_FOUND:
      return ZERO_SFU_ERROR_SESSION_LOST;
    case 464: /* unknown JSEP type */
    case 465: /* invalid SDP */
    case 469: /* unexpected answer */
    case 471: /* WebRTC state */
    case 431: /* VideoRoom: invalid SDP type */
    case 437: /* VideoRoom: invalid SDP */
      return ZERO_SFU_ERROR_NEGOTIATION;
    default:
      return ZERO_SFU_ERROR_REFUSED;
    }
}

GError *
zero_sfu_error_from_janus (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == ZERO_SFU_ERROR || g_error_matches (error, G_IO_ERROR,
                                                          G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  /* A missing or malformed pin (VideoRoom 429/430 "(pin)") is no authorization either. */
  if (g_error_matches (error, ZERO_JANUS_ERROR, 429) || g_error_matches (error, ZERO_JANUS_ERROR,
                                                                         430))
    return g_error_new_literal (ZERO_SFU_ERROR,
                                strstr (error->message, "(pin)") ? ZERO_SFU_ERROR_UNAUTHORIZED
                                                                 : ZERO_SFU_ERROR_REFUSED,
                                error->message);
  if (error->domain == ZERO_JANUS_ERROR)
    return g_error_new_literal (ZERO_SFU_ERROR, map_janus_code (error->code), error->message);
  return g_error_new_literal (ZERO_SFU_ERROR, ZERO_SFU_ERROR_REFUSED, error->message);
}

gboolean
zero_sfu_error_is_final (const GError *error)
{
  g_autoptr (GError) mapped = NULL;

  if (error == NULL)
    return FALSE;
  /* Requests Janus found malformed come out the same way every time. */
  if (error->domain == ZERO_JANUS_ERROR &&
      (error->code == 422 || error->code == 423 || error->code == 429 || error->code == 430 ||
       (error->code >= 452 && error->code <= 457) || error->code == 467))
    return TRUE;
  mapped = zero_sfu_error_from_janus (error);
  return mapped->domain == ZERO_SFU_ERROR &&
         (mapped->code == ZERO_SFU_ERROR_UNAUTHORIZED || mapped->code == ZERO_SFU_ERROR_ROOM_FULL ||
          mapped->code == ZERO_SFU_ERROR_INVALID_ARGUMENT);
}

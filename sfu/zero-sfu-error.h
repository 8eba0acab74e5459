/* zero-sfu-error.h: the sfu module's GError domain, and Janus errors mapped onto it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZERO_SFU_ERROR (zero_sfu_error_quark ())
GQuark zero_sfu_error_quark (void);

typedef enum
{
  ZERO_SFU_ERROR_INVALID_ARGUMENT, /* a bad option (URL, room, display) */
  ZERO_SFU_ERROR_CONNECT,          /* Janus cannot be reached */
  ZERO_SFU_ERROR_CLOSED,           /* the connection or the Janus session went away */
  ZERO_SFU_ERROR_TIMEOUT,          /* Janus did not answer in time */
  ZERO_SFU_ERROR_NO_SUCH_ROOM,     /* VideoRoom 426 */
  ZERO_SFU_ERROR_UNAUTHORIZED,     /* VideoRoom 433 (wrong pin), core 403/405 (api secret) */
  ZERO_SFU_ERROR_ROOM_FULL,        /* VideoRoom 432: no more publishers */
  ZERO_SFU_ERROR_NO_SUCH_FEED,     /* VideoRoom 428: the publisher left */
  ZERO_SFU_ERROR_SESSION_LOST,     /* core 458/459: Janus forgot our session or handle */
  ZERO_SFU_ERROR_NEGOTIATION,      /* SDP refused (core 465, VideoRoom 431/437) or ours failed */
  ZERO_SFU_ERROR_REFUSED,          /* any other request Janus refused (see the message) */
  ZERO_SFU_ERROR_PROTOCOL,         /* Janus answered something we cannot read */
  ZERO_SFU_ERROR_MEDIA,            /* our side of a connection failed (webrtcbin, ICE, DTLS) */
  ZERO_SFU_ERROR_NOT_CONNECTED,    /* the operation needs a connection that is not there */
} ZeroSfuError;

/* A ZERO_SFU_ERROR for @error: ZERO_JANUS_ERROR codes (Janus's numbers) mapped as listed
 * above, the message kept ("Janus refused \"join\": Unauthorized (433)"). Errors of other
 * domains become ZERO_SFU_ERROR_REFUSED (G_IO_ERROR_CANCELLED stays as it is). */
GError *zero_sfu_error_from_janus (const GError *error);

/* TRUE for refusals that retrying cannot fix: unauthorized, room full, bad arguments, and
 * requests Janus found malformed (VideoRoom 422/423/429/430, core 452-457/467). A missing
 * or malformed pin (429/430 naming "pin") maps to ZERO_SFU_ERROR_UNAUTHORIZED. */
gboolean zero_sfu_error_is_final (const GError *error);

G_END_DECLS

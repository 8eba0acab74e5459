/* zero-webrtc-error.h: the webrtc module's GError domain.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZERO_WEBRTC_ERROR (zero_webrtc_error_quark ())
GQuark zero_webrtc_error_quark (void);

typedef enum {
  ZERO_WEBRTC_ERROR_MISSING_ELEMENT,      /* a GStreamer plugin is not installed */
  ZERO_WEBRTC_ERROR_INVALID_ARGUMENT,     /* bad options or API misuse */
  ZERO_WEBRTC_ERROR_BAD_MESSAGE,          /* a signaling message is malformed */
  ZERO_WEBRTC_ERROR_BAD_SDP,              /* an SDP does not parse or is unusable */
  ZERO_WEBRTC_ERROR_NO_FINGERPRINT,       /* a remote SDP carries no a=fingerprint */
  ZERO_WEBRTC_ERROR_FINGERPRINT_MISMATCH, /* the DTLS certificate is not the SDP's */
  ZERO_WEBRTC_ERROR_NEGOTIATION,          /* webrtcbin refused an offer or answer */
  ZERO_WEBRTC_ERROR_CONNECTION,           /* ICE/DTLS failed or timed out */
  ZERO_WEBRTC_ERROR_STATE,                /* the call is not valid in the current state */
  ZERO_WEBRTC_ERROR_PIPELINE,             /* an element of the peer failed */
  ZERO_WEBRTC_ERROR_CERTIFICATE,          /* the DTLS certificate could not be made */
} ZeroWebrtcError;

G_END_DECLS

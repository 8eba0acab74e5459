/* zero-peer-sdp.h: the SDP facts ZeroPeer needs that webrtcbin 1.22 does not give it:
 * DTLS fingerprints, ICE credentials (for restarts), m-line roles and payload types.
 *
 * All functions accept any parsed GstSDPMessage, including hostile ones.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "camera/zero-media-options.h"

G_BEGIN_DECLS

/* Parses @text; FALSE (with an error) when it is not an SDP with at least one m-line. */
GstSDPMessage *zero_sdp_parse               (const char *text,
                                             GError    **error);

/* Index of the m-line that carries the transport: the first one named by the BUNDLE
 * group, else the first one not rejected; -1 if none. */
int            zero_sdp_transport_mline     (const GstSDPMessage *sdp);

/* The fingerprints ("sha-256 AB:CD:...") that apply to the transport m-line (its own
 * a=fingerprint lines, else the session's). Fails with ZERO_WEBRTC_ERROR_NO_FINGERPRINT
 * when any m-line that is not rejected has none, or with ZERO_WEBRTC_ERROR_BAD_SDP when a
 * fingerprint is malformed. */
GStrv          zero_sdp_get_fingerprints    (const GstSDPMessage *sdp,
                                             GError             **error);

/* Replaces every a=fingerprint (session and media level) with @value ("sha-256 AB:.."). */
void           zero_sdp_set_fingerprint     (GstSDPMessage *sdp,
                                             const char    *value);

/* The transport m-line's ICE ufrag (media level, else session level), or NULL. */
const char    *zero_sdp_get_ice_ufrag       (const GstSDPMessage *sdp);

/* Replaces every a=ice-ufrag/a=ice-pwd (session and media level) with @ufrag/@pwd. */
void           zero_sdp_set_ice_credentials (GstSDPMessage *sdp,
                                             const char    *ufrag,
                                             const char    *pwd);

/* New random ICE credentials (RFC 8839: ufrag >= 4, pwd >= 22 ice-chars). */
void           zero_sdp_make_ice_credentials (char **ufrag,
                                              char **pwd);

const char    *zero_sdp_get_mid             (const GstSDPMessage *sdp,
                                             guint                mline);
int            zero_sdp_find_mid            (const GstSDPMessage *sdp,
                                             const char          *mid);

/* Port 0 without a=bundle-only (a max-bundle offer's bundled m-lines have port 0 too). */
gboolean       zero_sdp_media_is_rejected   (const GstSDPMedia *media);

/* What a media m-line is for us: audio; the first video m-line is the camera, later
 * ones are screen shares. FALSE for data channels, rejected or unknown media. */
gboolean       zero_sdp_media_kind          (const GstSDPMessage *sdp,
                                             guint                mline,
                                             ZeroMediaKind       *kind);

/* The direction the m-line's sender declares (sendrecv when absent). */
GstWebRTCRTPTransceiverDirection
               zero_sdp_media_direction     (const GstSDPMedia *media);

/* The first payload type of @encoding_name ("OPUS", "VP8", "H264") in @media we can use:
 * for H.264 only packetization-mode=1, constrained baseline preferred. Returns -1 if
 * none; on success *fmtp (if given) receives the format's parameters we must echo
 * (H.264: profile-level-id, packetization-mode, level-asymmetry-allowed as written, and
 * "profile" as GStreamer caps name it), or NULL. */
int            zero_sdp_pick_payload        (const GstSDPMedia *media,
                                             const char        *encoding_name,
                                             GstStructure     **fmtp);

G_END_DECLS

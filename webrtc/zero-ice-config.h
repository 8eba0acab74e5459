/* zero-ice-config.h: ICE servers and loopback candidates for a webrtcbin.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "webrtc/zero-peer.h"

G_BEGIN_DECLS

/* TRUE when an interface other than loopback is up and has an address (getifaddrs). */
gboolean zero_ice_have_non_loopback_interface (void);

/* Whether @mode means "gather 127.0.0.1" on this machine now. */
gboolean zero_ice_use_loopback (ZeroPeerLoopback mode);

/* Configures @webrtc (in state NULL) with @ice_servers (of ZeroIceServer*: the first
 * STUN URL becomes stun-server, every TURN URL is added with its credentials) and, when
 * @loopback, makes its NiceAgent gather only 127.0.0.1 over UDP; without @ice_tcp, no
 * TCP host candidates either. Invalid URLs are skipped with a debug message. Returns the
 * NiceAgent (transfer full). */
gpointer zero_ice_configure (GstElement *webrtc,
                             GPtrArray  *ice_servers,
                             gboolean    loopback,
                             gboolean    ice_tcp,
                             GError    **error);

G_END_DECLS

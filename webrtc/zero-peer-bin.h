/* zero-peer-bin.h: the GstBin holding one peer's elements (webrtcbin, payloaders,
 * decoders). It keeps an element error of one peer from stopping the whole call: errors
 * go to a callback instead of up to the pipeline.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Called on the posting (streaming) thread with the error message. */
typedef void (*ZeroPeerBinErrorFunc) (GstMessage *message,
                                      gpointer    user_data);

#define ZERO_TYPE_PEER_BIN (zero_peer_bin_get_type ())
G_DECLARE_FINAL_TYPE (ZeroPeerBin, zero_peer_bin, ZERO, PEER_BIN, GstBin)

GstElement *zero_peer_bin_new (const char          *name,
                               ZeroPeerBinErrorFunc func,
                               gpointer             user_data);

/* Stops forwarding errors to the callback (before the callback's data goes away); from
 * then on errors are dropped. */
void        zero_peer_bin_disconnect (ZeroPeerBin *self);

G_END_DECLS

/* zero-session-manager-private.h: for the module's tests and tools only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sessionmanager/zero-session-manager.h"
#include "webrtc/zero-peer-manager.h"

G_BEGIN_DECLS

/* The mesh of the current membership, or NULL when not in a session. */
ZeroPeerManager *_zero_session_manager_get_peer_manager (ZeroSessionManager *self);

G_END_DECLS

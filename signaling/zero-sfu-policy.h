/* zero-sfu-policy.h: how the signaling server moves a session to the SFU (PROTOCOL.md §9).
 *
 * With an SFU configured (ZeroSignalingServer's sfu-url), a session whose member count
 * exceeds mesh-limit moves: the server creates a Janus VideoRoom for it (zero-janus-admin.h)
 * and then sends every member `{type:"sfu", kind:"janus", url, room, pin}`; later joiners find
 * the same object as `welcome.sfu`. The session stays on the SFU until it empties (members
 * dropping back below the limit do not move it back: reconnecting everyone twice costs more
 * than an SFU with few members), then the room is destroyed.
 *
 * Room id, room secret and pin are derived from the server's sfu-secret and the session
 * UUID with HMAC-SHA-256, so they are stable across restarts of the server (a room that
 * survived one is found again and edited, see zero-janus-admin.h) and unguessable without
 * the secret: knowing a session's room id is not enough to join the room, the pin is needed,
 * and only members get it. The room secret (edit/destroy) never leaves the server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The VideoRoom id for @session: 1 .. 2^53-1 (a JavaScript-safe integer). */
guint64 zero_sfu_room_id     (const char *sfu_secret,
                              const char *session);
/* 24 URL-safe base64 characters (144 bits). */
char   *zero_sfu_room_pin    (const char *sfu_secret,
                              const char *session);
char   *zero_sfu_room_secret (const char *sfu_secret,
                              const char *session);

G_END_DECLS

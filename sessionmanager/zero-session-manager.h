/* zero-session-manager.h: the conductor of a call.
 *
 * One ZeroSessionManager owns one ZeroSignalingClient (the session's membership and the
 * relay), one ZeroMediaSource (capture, encode once, playback) and, while in a session, one
 * ZeroPeerManager (the mesh). It turns protocol events into a roster of ZeroParticipants and
 * GObject signals for the UI and for zero-cli.
 *
 * Threading rule: everything runs on the GMainContext that is thread-default when the
 * manager is made (the application's main context). Every public function must be called
 * there, and every signal and property notification is emitted there. GStreamer streaming
 * threads never touch the manager: ZeroPeer and ZeroMediaSource post to this context and hand
 * over immutable data (GstSample). The one exception is documented in zero-peer-manager.h
 * (playback pads, under a lock).
 *
 * Life of a call: [start_media ()] -> join_async () -> JOINED -> (the signaling connection
 * drops: RECONNECTING -> the client re-joins with a new peer id: the mesh is rebuilt) ->
 * leave () -> LEFT (join again at will). Participants (self first) are in a GListModel.
 *
 * Properties: config (construct-only), state, session-id, self, echo, video-caps,
 * decode-video, frame-stamp, stats-interval (ms). echo .. frame-stamp are read when media
 * starts or a session is joined.
 *
 * Signals:
 *   participant-added (ZeroParticipant *)
 *   participant-removed (ZeroParticipant *, const char *reason)  "leave", "disconnect",
 *                        "timeout" (the server's peer-left reasons), "failed" (the
 *                        connection gave up), "reconnect" (gone when we re-joined)
 *   state-changed (ZeroSessionState)
 *   chat-received (ZeroParticipant *, const char *text, gint64 ts_ms, const char *id)
 *   message (const char *text, gboolean is_error)   translated text for a toast
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "camera/zero-media-source.h"
#include "config/zero-config.h"
#include "sessionmanager/zero-participant.h"
#include "sessionmanager/zero-session-error.h"
#include "signaling/zero-message.h" /* ZeroRole */

G_BEGIN_DECLS

typedef enum {
  ZERO_SESSION_STATE_IDLE,         /* not in a session */
  ZERO_SESSION_STATE_CONNECTING,   /* join_async() under way */
  ZERO_SESSION_STATE_JOINED,
  ZERO_SESSION_STATE_RECONNECTING, /* the signaling connection dropped; re-joining */
  ZERO_SESSION_STATE_LEFT,         /* left (or was refused on a re-join); may join again */
} ZeroSessionState;

GType zero_session_state_get_type (void) G_GNUC_CONST;
#define ZERO_TYPE_SESSION_STATE (zero_session_state_get_type ())

typedef struct {
  const char *session;  /* a UUID or a zero:// link; NULL with create: a new session */
  gboolean create;      /* create the session if it does not exist */
  const char *name;     /* NULL: config user.name, else the system's real name */
  ZeroRole role;        /* participant (default) or viewer (sends no media) */
  const char *password; /* nullable */
  const char *token;    /* NULL: config signaling.token (when set) */
  const char *server;   /* NULL: the link's server, else config signaling.server_address */
} ZeroJoinOptions;

void zero_join_options_init (ZeroJoinOptions *opts);

#define ZERO_TYPE_SESSION_MANAGER (zero_session_manager_get_type ())
G_DECLARE_FINAL_TYPE (ZeroSessionManager, zero_session_manager, ZERO, SESSION_MANAGER, GObject)

/* A session reference: a UUID, or zero://HOST[:PORT]/UUID. *@uuid gets the canonical UUID,
 * *@server (optional) the link's HOST:PORT or NULL. Errors (ZERO_SESSION_ERROR_INVALID_ID)
 * name the problem. */
gboolean            zero_session_parse_reference (const char *text,
                                                  char      **uuid,
                                                  char      **server,
                                                  GError    **error);
/* zero://HOST:PORT/UUID for sharing, or NULL when @server_address or @uuid is unusable. */
char               *zero_session_make_link       (const char *server_address,
                                                  const char *uuid);
/* A new session ID from the kernel's cryptographic random source. */
char               *zero_session_new_id          (void);

ZeroSessionManager *zero_session_manager_new     (ZeroConfig *config);

/* Builds and starts the media pipeline now (for a preview before joining); join does it
 * otherwise. Safe to call again. */
gboolean            zero_session_manager_start_media      (ZeroSessionManager *self,
                                                           GError            **error);
/* NULL before start_media() or a join. */
ZeroMediaSource    *zero_session_manager_get_media_source (ZeroSessionManager *self);
/* Cameras from the PipeWire remote @fd (the Camera portal's; ownership passes, also on
 * failure; -1: the default remote), before or after the media start: see
 * zero_media_source_set_camera_remote(). Before, a remote that turns out unusable at the
 * start is reported by ::message and the media start without it. */
gboolean            zero_session_manager_set_camera_remote (ZeroSessionManager *self,
                                                            int                 fd,
                                                            GError            **error);

void                zero_session_manager_join_async  (ZeroSessionManager    *self,
                                                      const ZeroJoinOptions *opts,
                                                      GCancellable          *cancellable,
                                                      GAsyncReadyCallback    callback,
                                                      gpointer               user_data);
/* FALSE with a ZERO_SESSION_ERROR (or G_IO_ERROR_CANCELLED) the UI can act on. */
gboolean            zero_session_manager_join_finish (ZeroSessionManager *self,
                                                      GAsyncResult       *result,
                                                      GError            **error);
/* Leaves the session (or stops a join under way): peers closed, roster emptied. Media keeps
 * running (the preview stays). */
void                zero_session_manager_leave       (ZeroSessionManager *self);

const char         *zero_session_manager_get_session_id (ZeroSessionManager *self);
/* Our peer id in the session, or NULL. */
const char         *zero_session_manager_get_peer_id    (ZeroSessionManager *self);
/* The server we joined through (as given or configured), or NULL. */
const char         *zero_session_manager_get_server     (ZeroSessionManager *self);
ZeroSessionState    zero_session_manager_get_state      (ZeroSessionManager *self);
/* Of ZeroParticipant, self first; empty when not in a session. */
GListModel         *zero_session_manager_get_participants (ZeroSessionManager *self);
ZeroParticipant    *zero_session_manager_get_self        (ZeroSessionManager *self);
ZeroParticipant    *zero_session_manager_get_participant (ZeroSessionManager *self,
                                                          const char         *peer_id);
/* monotonic µs when the last join started (0 before). */
gint64              zero_session_manager_get_join_time   (ZeroSessionManager *self);

void                zero_session_manager_set_audio_muted   (ZeroSessionManager *self,
                                                            gboolean            muted);
void                zero_session_manager_set_video_enabled (ZeroSessionManager *self,
                                                            gboolean            enabled);
void                zero_session_manager_set_hand_raised   (ZeroSessionManager *self,
                                                            gboolean            raised);

/* Screen share as an extra video track (renegotiation). @pw_fd and @node_id come from the
 * ScreenCast portal (the fd is taken). */
gboolean            zero_session_manager_start_screen_share (ZeroSessionManager *self,
                                                             int                 pw_fd,
                                                             guint32             node_id,
                                                             GError            **error);
/* Same, from PipeWire node @target on the default remote, or a test pattern when NULL. */
gboolean            zero_session_manager_start_screen_share_target (ZeroSessionManager *self,
                                                                    const char         *target,
                                                                    GError            **error);
void                zero_session_manager_stop_screen_share  (ZeroSessionManager *self);

/* Sends a chat line to everyone connected. */
gboolean            zero_session_manager_send_chat    (ZeroSessionManager *self,
                                                       const char         *text,
                                                       GError            **error);
gboolean            zero_session_manager_send_chat_to (ZeroSessionManager *self,
                                                       ZeroParticipant    *participant,
                                                       const char         *text,
                                                       GError            **error);

/* A data-channel request (PROTOCOL.md section 7) to @participant. */
void                zero_session_manager_request_async  (ZeroSessionManager *self,
                                                         ZeroParticipant    *participant,
                                                         const char         *method,
                                                         const char         *path,
                                                         GCancellable       *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer            user_data);
/* The response body (transfer full) and its HTTP status. */
JsonNode           *zero_session_manager_request_finish (ZeroSessionManager *self,
                                                         GAsyncResult       *result,
                                                         int                *status,
                                                         GError            **error);

G_END_DECLS

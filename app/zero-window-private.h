/* zero-window-private.h: what zero-window.c shares with zero-window-actions.c. */
#pragma once

#include "zero-call-page.h"
#include "zero-screen-cast.h"
#include "zero-window.h"

G_BEGIN_DECLS

/* A join's parameters, kept to retry it (wrong password, server unreachable). */
typedef struct
{
  char *session;
  char *server;
  char *name;
  char *password;
  gboolean create;
} ZeroPendingJoin;

struct _ZeroWindow
{
  AdwApplicationWindow parent_instance;

  ZeroConfig *config;
  gboolean in_call;

  ZeroSessionManager *manager;     /* one per window, made from @config */
  ZeroVideoPaintable *self_paintable; /* the local preview: welcome page and self tile */
  GCancellable *join_cancellable;  /* while a join is under way */
  ZeroPendingJoin *pending;        /* the last join asked for */
  ZeroScreenCast *screen_cast;
  GCancellable *screen_cancellable;
  AdwMessageDialog *join_dialog;   /* asking about a failed join */
  gboolean leaving;                /* our own leave: no "you were disconnected" */
  GPtrArray *call_toasts;          /* AdwToast: the call's, dismissed when it ends */
  gboolean camera_portal_asked;    /* Flatpak: the Camera portal was asked */
  gboolean camera_portal_done;     /* ... and answered */

  /* Template children */
  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  ZeroWelcomePage *welcome_page;
  ZeroCallPage *call_page;
  AdwWindowTitle *window_title;
};

enum
{
  ZERO_WINDOW_SIGNAL_JOIN_REQUESTED,
  ZERO_WINDOW_N_SIGNALS
};

extern guint _zero_window_signals[ZERO_WINDOW_N_SIGNALS];

void _zero_window_actions_init   (ZeroWindow *self);
void _zero_window_actions_update (ZeroWindow *self);
void _zero_window_set_action_state (ZeroWindow *self,
                                    const char *name,
                                    gboolean    state);
gboolean _zero_window_get_action_state (ZeroWindow *self,
                                        const char *name);
/* Applies the mic/camera toggles to the engine. */
void _zero_window_apply_media    (ZeroWindow *self);
void _zero_window_start_screen_share (ZeroWindow *self);
void _zero_window_stop_screen_share  (ZeroWindow *self);

G_END_DECLS

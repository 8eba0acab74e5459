/* zero-window-private.h: what zero-window.c shares with zero-window-actions.c. */
#pragma once

#include "zero-window.h"

G_BEGIN_DECLS

struct _ZeroWindow
{
  AdwApplicationWindow parent_instance;

  ZeroConfig *config;
  gboolean in_call;

  /* Template children */
  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  ZeroWelcomePage *welcome_page;
};

enum
{
  ZERO_WINDOW_SIGNAL_JOIN_REQUESTED,
  ZERO_WINDOW_N_SIGNALS
};

extern guint _zero_window_signals[ZERO_WINDOW_N_SIGNALS];

void _zero_window_actions_init   (ZeroWindow *self);
void _zero_window_actions_update (ZeroWindow *self);

G_END_DECLS

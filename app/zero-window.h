/* zero-window.h: the main window: pages, toasts, and the call actions. */
#pragma once

#include <adwaita.h>

#include "config/zero-config.h"
#include "sessionmanager/zero-session-manager.h"
#include "zero-call-page.h"
#include "zero-welcome-page.h"

G_BEGIN_DECLS

#define ZERO_TYPE_WINDOW (zero_window_get_type ())

G_DECLARE_FINAL_TYPE (ZeroWindow, zero_window, ZERO, WINDOW, AdwApplicationWindow)

ZeroWindow      *zero_window_new              (GtkApplication *application,
                                               ZeroConfig     *config);
ZeroConfig      *zero_window_get_config       (ZeroWindow     *self);
void             zero_window_set_config       (ZeroWindow     *self,
                                               ZeroConfig     *config);
ZeroWelcomePage *zero_window_get_welcome_page (ZeroWindow     *self);
void             zero_window_add_toast        (ZeroWindow     *self,
                                               AdwToast       *toast);
void             zero_window_show_toast       (ZeroWindow     *self,
                                               const char     *message);
void             zero_window_show_error       (ZeroWindow     *self,
                                               const char     *message);
gboolean         zero_window_get_in_call      (ZeroWindow     *self);
void             zero_window_set_in_call      (ZeroWindow     *self,
                                               gboolean        in_call);
void             zero_window_join             (ZeroWindow     *self,
                                               const char     *session,
                                               const char     *server,
                                               gboolean        create);
ZeroSessionManager *zero_window_get_manager   (ZeroWindow     *self);
ZeroCallPage    *zero_window_get_call_page    (ZeroWindow     *self);
ZeroVideoPaintable *zero_window_get_self_paintable (ZeroWindow *self);
/* "welcome" or "call". */
const char      *zero_window_get_page         (ZeroWindow     *self);
/* Whether a join is under way. */
gboolean         zero_window_get_joining      (ZeroWindow     *self);
void             zero_window_leave            (ZeroWindow     *self);

G_END_DECLS

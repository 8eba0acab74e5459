/* zero-call-page.h: the call: video grid, controls, chat and participants. */
#pragma once

#include <gtk/gtk.h>

#include "sessionmanager/zero-session-manager.h"
#include "zero-call-grid.h"
#include "zero-video-paintable.h"
#include "zero-video-tile.h"

G_BEGIN_DECLS

#define ZERO_TYPE_CALL_PAGE (zero_call_page_get_type ())

G_DECLARE_FINAL_TYPE (ZeroCallPage, zero_call_page, ZERO, CALL_PAGE, GtkWidget)

GtkWidget          *zero_call_page_new                (void);
ZeroSessionManager *zero_call_page_get_manager        (ZeroCallPage       *self);
void                zero_call_page_set_manager        (ZeroCallPage       *self,
                                                       ZeroSessionManager *manager);
void                zero_call_page_set_self_paintable (ZeroCallPage       *self,
                                                       GdkPaintable       *paintable);
ZeroCallGrid       *zero_call_page_get_grid           (ZeroCallPage       *self);
ZeroVideoTile      *zero_call_page_get_tile           (ZeroCallPage       *self,
                                                       ZeroParticipant    *participant);
ZeroVideoPaintable *zero_call_page_get_paintable      (ZeroCallPage       *self,
                                                       ZeroParticipant    *participant);
/* NULL (hidden), "chat" or "participants". */
const char         *zero_call_page_get_sidebar        (ZeroCallPage       *self);
void                zero_call_page_set_sidebar        (ZeroCallPage       *self,
                                                       const char         *page);
void                zero_call_page_add_chat           (ZeroCallPage       *self,
                                                       const char         *sender,
                                                       const char         *text,
                                                       gint64              ts_ms,
                                                       gboolean            is_self);
guint               zero_call_page_get_n_chats        (ZeroCallPage       *self);
/* Forgets the call: tiles, chat, the participants list. */
void                zero_call_page_clear              (ZeroCallPage       *self);

G_END_DECLS

/* zero-welcome-page.h: where a user creates or joins a session. */
#pragma once

#include <gtk/gtk.h>

#include "config/zero-config.h"
#include "zero-video-tile.h"

G_BEGIN_DECLS

#define ZERO_TYPE_WELCOME_PAGE (zero_welcome_page_get_type ())

G_DECLARE_FINAL_TYPE (ZeroWelcomePage, zero_welcome_page, ZERO, WELCOME_PAGE, GtkWidget)

GtkWidget     *zero_welcome_page_new              (void);
ZeroConfig    *zero_welcome_page_get_config       (ZeroWelcomePage *self);
void           zero_welcome_page_set_config       (ZeroWelcomePage *self,
                                                   ZeroConfig      *config);
ZeroVideoTile *zero_welcome_page_get_preview      (ZeroWelcomePage *self);
const char    *zero_welcome_page_get_display_name (ZeroWelcomePage *self);
char          *zero_welcome_page_dup_server       (ZeroWelcomePage *self);
void           zero_welcome_page_set_join_text    (ZeroWelcomePage *self,
                                                   const char      *text);
const char    *zero_welcome_page_new_session      (ZeroWelcomePage *self);
const char    *zero_welcome_page_get_new_session  (ZeroWelcomePage *self);
char          *zero_welcome_page_dup_new_link     (ZeroWelcomePage *self);
void           zero_welcome_page_add_media_status (ZeroWelcomePage *self,
                                                   const char      *text);
const char    *zero_welcome_page_get_media_status (ZeroWelcomePage *self);

G_END_DECLS

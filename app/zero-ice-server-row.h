/* zero-ice-server-row.h: one editable STUN/TURN server in the preferences. */
#pragma once

#include <adwaita.h>

#include "config/zero-ice-server.h"

G_BEGIN_DECLS

#define ZERO_TYPE_ICE_SERVER_ROW (zero_ice_server_row_get_type ())

G_DECLARE_FINAL_TYPE (ZeroIceServerRow, zero_ice_server_row, ZERO, ICE_SERVER_ROW, AdwExpanderRow)

GtkWidget     *zero_ice_server_row_new        (const ZeroIceServer *server);
ZeroIceServer *zero_ice_server_row_dup_server (ZeroIceServerRow    *self,
                                               GError             **error);
gboolean       zero_ice_server_row_is_blank   (ZeroIceServerRow    *self);
void           zero_ice_server_row_set_urls   (ZeroIceServerRow    *self,
                                               const char          *urls);
void           zero_ice_server_row_set_login  (ZeroIceServerRow    *self,
                                               const char          *username,
                                               const char          *credential);

G_END_DECLS

/* zero-screen-cast.h: a screen (or window) to share, from the ScreenCast portal. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ZERO_TYPE_SCREEN_CAST (zero_screen_cast_get_type ())

G_DECLARE_FINAL_TYPE (ZeroScreenCast, zero_screen_cast, ZERO, SCREEN_CAST, GObject)

ZeroScreenCast *zero_screen_cast_new          (void);
/* Asks the portal for a screen or window (the portal's own dialog; none when
 * @restore_token is still valid). */
void            zero_screen_cast_start_async  (ZeroScreenCast      *self,
                                               GtkWindow           *parent,
                                               const char          *restore_token,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* *@fd (owned by the caller) and *@node_id: the PipeWire stream; *@restore_token
 * (nullable): what to pass next time to skip the dialog. G_IO_ERROR_NOT_SUPPORTED
 * when there is no portal, G_IO_ERROR_CANCELLED when the user said no. */
gboolean        zero_screen_cast_start_finish (ZeroScreenCast      *self,
                                               GAsyncResult        *result,
                                               int                 *fd,
                                               guint32             *node_id,
                                               char               **restore_token,
                                               GError             **error);
gboolean        zero_screen_cast_is_active    (ZeroScreenCast      *self);
/* Closes the portal session (the compositor stops its "sharing" indicator). */
void            zero_screen_cast_stop         (ZeroScreenCast      *self);

/* Whether we run inside Flatpak, where the camera needs the Camera portal. */
gboolean        zero_running_in_flatpak       (void);

/* The Camera portal: asks the user (once) to let Zero use the camera. On success
 * *@fd gets the PipeWire remote that shows the cameras (owned by the caller). */
void            zero_camera_portal_access_async  (GtkWindow           *parent,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean        zero_camera_portal_access_finish (GAsyncResult        *result,
                                                  int                 *fd,
                                                  GError             **error);

G_END_DECLS

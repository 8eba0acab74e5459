/* zero-preferences-window.h: the settings a user may change, saved to config.yaml. */
#pragma once

#include <adwaita.h>

#include "camera/zero-device-list.h"

G_BEGIN_DECLS

typedef struct _ZeroApplication ZeroApplication;

#define ZERO_TYPE_PREFERENCES_WINDOW (zero_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ZeroPreferencesWindow, zero_preferences_window, ZERO, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget      *zero_preferences_window_new             (ZeroApplication       *application);
ZeroDeviceList *zero_preferences_window_get_device_list (ZeroPreferencesWindow *self);

G_END_DECLS

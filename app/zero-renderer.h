/* zero-renderer.h: which GTK renderer draws the video, chosen before GTK starts. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean zero_renderer_have_gpu (const char *dri_dir);
gboolean zero_renderer_choose   (void);

G_END_DECLS

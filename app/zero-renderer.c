/* zero-renderer.c: which GTK renderer draws the video, chosen before GTK starts.
 *
 * Without a GPU, GTK 4.8's GL renderer runs on Mesa's llvmpipe: three 640x480 tiles
 * drawn at 19 fps for a whole core, and LLVM adds ~50 MB to the process. Its cairo
 * renderer, with ZeroVideoPaintable's cairo path, draws them at full rate for ~10 % of
 * a core (bench/ui). So when there is no GPU render node, Zero asks GTK for cairo and
 * keeps GL unloaded. A GSK_RENDERER set by the user always wins. */

#include "zero-renderer.h"

#include <string.h>

/* TRUE when @dri_dir (normally /dev/dri) holds a render node: a GPU that can run GL. */
gboolean
zero_renderer_have_gpu (const char *dri_dir)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_return_val_if_fail (dri_dir != NULL, FALSE);

  if ((dir = g_dir_open (dri_dir, 0, NULL)) == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "renderD"))
      return TRUE;
  return FALSE;
}

/**
 * zero_renderer_choose:
 *
 * Call before GTK opens its display. Returns: %TRUE when it chose the cairo renderer.
 */
gboolean
zero_renderer_choose (void)
{
  const char *debug = g_getenv ("GDK_DEBUG");
  g_autofree char *with_gl_off = NULL;

  if (g_getenv ("GSK_RENDERER") != NULL || zero_renderer_have_gpu ("/dev/dri"))
    return FALSE;

  g_debug ("No GPU render node in /dev/dri: drawing with cairo, GL not loaded");
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  /* GDK on X11 opens GL at start to pick a visual, which loads LLVM: not needed here. */
  if (debug == NULL || *debug == '\0')
    g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  else if (strstr (debug, "gl-disable") == NULL)
    {
      with_gl_off = g_strconcat (debug, ",gl-disable", NULL);
      g_setenv ("GDK_DEBUG", with_gl_off, TRUE);
    }
  return TRUE;
}

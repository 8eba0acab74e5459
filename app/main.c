/* main.c: the `zero` desktop app (CLI.md: zero [--config FILE] [--join UUID | zero://…] [--new]). */

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <locale.h>
#include <malloc.h>

#include "zero-application.h"
#include "zero-build-config.h"
#include "zero-renderer.h"
#include "webrtc/zero-peer.h"

/* Translations: $ZERO_LOCALEDIR (set by `meson devenv` and the tests), else
 * build/po when this binary runs from the build tree, else the install. */
static const char *
find_localedir (void)
{
  static char *dir;
  const char *env = g_getenv ("ZERO_LOCALEDIR");
  g_autofree char *exe = NULL;

  if (env != NULL && *env != '\0')
    return env;
  if (dir == NULL)
    {
      exe = g_file_read_link ("/proc/self/exe", NULL);
      if (exe != NULL && g_str_has_prefix (exe, ZERO_BUILD_DIR "/"))
        dir = g_build_filename (ZERO_BUILD_DIR, "po", NULL);
      else
        dir = g_strdup (LOCALEDIR);
    }
  return dir;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ZeroApplication) app = NULL;
  int status;

  /* As zero-cli: two malloc arenas, not 8 per core, so memory one streaming thread frees
   * serves the others (test-leak-cycles: RSS +2.6 MB over 200 peers instead of +5.4 MB). */
  mallopt (M_ARENA_MAX, 2);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, find_localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  zero_renderer_choose ();
  gst_init (NULL, NULL);

  app = zero_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);
  /* OpenSSL's exit handlers crash under a thread still making the DTLS key. */
  zero_peer_prewarm_wait ();
  return status;
}

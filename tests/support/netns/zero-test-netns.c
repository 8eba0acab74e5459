/* zero-test-netns.c: see zero-test-netns.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "zero-test-netns.h"

#include <errno.h>
#include <gio/gio.h>
#include <sched.h>
#include <string.h>

#include "zero-build-config.h"

gboolean
zero_test_netns_enter (ZeroTestNetns *out, GError **error)
{
  g_autofree char *script = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_auto (GStrv) lines = NULL;
  const char *argv[4];
  int status = 0;

  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (unshare (CLONE_NEWNET) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot make a network namespace: unshare(CLONE_NEWNET): %s (these tests "
                   "need root)", g_strerror (e));
      return FALSE;
    }
  script = g_build_filename (g_getenv ("ZERO_SOURCE_DIR") ? g_getenv ("ZERO_SOURCE_DIR")
                                                          : ZERO_SOURCE_DIR,
                             "tests", "support", "netns", "zero-netns", NULL);
  argv[0] = script;
  argv[1] = "--setup-here";
  argv[2] = NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &stdout_text,
                     &stderr_text, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s --setup-here failed: %s", script,
                   stderr_text ? stderr_text : "");
      return FALSE;
    }
  lines = g_strsplit (stdout_text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *eq = strchr (lines[i], '=');

      if (eq == NULL)
        continue;
      *eq = '\0';
      g_setenv (lines[i], eq + 1, TRUE);
      if (g_str_equal (lines[i], "ZERO_NETNS_IFACE_A"))
        g_strlcpy (out->iface_a, eq + 1, sizeof out->iface_a);
      else if (g_str_equal (lines[i], "ZERO_NETNS_IFACE_B"))
        g_strlcpy (out->iface_b, eq + 1, sizeof out->iface_b);
      else if (g_str_equal (lines[i], "ZERO_NETNS_ADDR_A"))
        g_strlcpy (out->addr_a, eq + 1, sizeof out->addr_a);
      else if (g_str_equal (lines[i], "ZERO_NETNS_ADDR_B"))
        g_strlcpy (out->addr_b, eq + 1, sizeof out->addr_b);
    }
  if (*out->addr_a == '\0' || *out->iface_a == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s --setup-here printed no address",
                   script);
      return FALSE;
    }
  return TRUE;
}

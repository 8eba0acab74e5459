/* zero-tool.c: what the command-line programs set up alike (see the header).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "tools/zero-tool.h"

#include <locale.h>
#include <stdio.h>

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds only: GCC 12's LeakSanitizer crashes scanning the dynamic TLS of
 * dlopen()ed GIO modules (glib-networking); see the tests. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "intercept_tls_get_addr=0";
}
#endif

/* Logs always go to stderr: stdout carries only the programs' output. */
static GLogWriterOutput
log_to_stderr (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  g_autofree char *line = NULL;
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  line = g_log_writer_format_fields (level, fields, n_fields, g_log_writer_supports_color (2));
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
zero_tool_init (void)
{
  setlocale (LC_ALL, "");
  g_log_set_writer_func (log_to_stderr, NULL, NULL);
}

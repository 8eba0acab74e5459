/* zero-test-util.h: helpers shared by the GTest programs.
 *
 * Network tests bind 127.0.0.1:0, read the chosen port back, and wait with
 * ZERO_WAIT_UNTIL, which iterates the thread-default main context until the
 * condition holds or the deadline passes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Evaluates to TRUE when @cond became true within @timeout_ms. */
#define ZERO_WAIT_UNTIL(cond, timeout_ms)                                   \
  ({                                                                        \
    gint64 _zero_deadline = g_get_monotonic_time () + (timeout_ms) * 1000;  \
    gboolean _zero_ok;                                                      \
    while (!(_zero_ok = !!(cond)) && g_get_monotonic_time () < _zero_deadline) \
      {                                                                     \
        if (!g_main_context_iteration (NULL, FALSE))                        \
          g_usleep (1000);                                                  \
      }                                                                     \
    _zero_ok;                                                               \
  })

/* Asserts that @cond becomes true within @timeout_ms, naming it on failure. */
#define ZERO_ASSERT_WAIT(cond, timeout_ms)                                  \
  G_STMT_START {                                                            \
    if (!ZERO_WAIT_UNTIL (cond, timeout_ms))                                \
      g_error ("%s:%d: timed out after %d ms waiting for: %s",              \
               __FILE__, __LINE__, (int) (timeout_ms), #cond);              \
  } G_STMT_END

G_END_DECLS

/* zero-tool.h: what the command-line programs (zero-cli, zero-signaling) set up alike.
 *
 * Their stdout is a contract (CLI.md: events, or the "listening on" line): every log line
 * goes to stderr instead. Sanitizer builds also get the LeakSanitizer options they need.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The locale from the environment, and logs to stderr. Call first thing in main(). */
void zero_tool_init (void);

G_END_DECLS

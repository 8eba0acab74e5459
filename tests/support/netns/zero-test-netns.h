/* zero-test-netns.h: put the calling test process in a network namespace of its own with a
 * veth pair (tests/support/netns/zero-netns --setup-here), for media tests that need a
 * non-loopback interface (libnice, and so Janus and webrtcbin, ignore 127.0.0.1).
 *
 * Call zero_test_netns_enter() first thing in main(), before any thread exists (namespaces
 * are per thread: threads made earlier stay outside). Everything the process starts later
 * (janus, zero-signaling, zero-cli) inherits the namespace; it vanishes, veth pair and
 * all, when the last of them exits. Needs root: without it the call fails with a message
 * (the caller should fail, not skip, so that a CI without the rights goes red).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char iface_a[16];   /* veth end holding addr_a */
  char iface_b[16];
  char addr_a[16];    /* e.g. "10.77.3.1" */
  char addr_b[16];
} ZeroTestNetns;

/* Enters a new network namespace and sets it up; fills @out. The ZERO_NETNS_* variables
 * are also exported (for child processes). */
gboolean zero_test_netns_enter (ZeroTestNetns *out,
                                GError       **error);

G_END_DECLS

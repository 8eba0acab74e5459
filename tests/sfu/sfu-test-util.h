/* sfu-test-util.h: real Janus (tools/zero-janus) in the test's network namespace, media
 * sources with test patterns, and small waits, for the sfu suite.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "camera/zero-media-source.h"
#include "signaling/zero-janus-admin.h"
#include "zero-test-netns.h"
#include "zero-test-util.h"

G_BEGIN_DECLS

typedef struct
{
  GSubprocess *proc;
  char *url;            /* ws://ADDR:PORT */
  char *address;
  guint ws_port;
  char *admin_key;
  char *log_path;       /* Janus's stderr, kept for failures */
} TestJanus;

/* Enters the namespace (first thing in main) or aborts the test program with a message. */
void       sfu_test_enter_netns   (ZeroTestNetns *netns);

/* Starts tools/zero-janus on @address:@ws_port (HTTP on ws_port+1, RTP 40000-40999) with
 * @admin_key and @session_timeout_s; waits for its "janus ws://" line (10 s). */
TestJanus *test_janus_start       (const char *address,
                                   guint       ws_port,
                                   const char *admin_key,
                                   guint       session_timeout_s);
/* Same, with @admin_key NULL (anyone may create rooms) and its own UDP range @rtp_ports. The
 * script gets SIGTERM (and stops Janus) if the test process dies. */
TestJanus *test_janus_start_full  (const char *address,
                                   guint       ws_port,
                                   const char *admin_key,
                                   guint       session_timeout_s,
                                   const char *rtp_ports);
/* SIGTERM and wait (or SIGKILL the whole process group with @crash). */
void       test_janus_stop        (TestJanus  *janus,
                                   gboolean    crash);
void       test_janus_free        (TestJanus  *janus);

/* Creates (or takes over) a room, iterating the default context until done. */
gboolean   test_janus_create_room (TestJanus  *janus,
                                   guint64     room,
                                   const char *secret,
                                   const char *pin,
                                   GError    **error);
/* A VideoRoom request on a fresh session/handle; returns the plugin data or NULL+error. */
JsonObject *test_janus_request    (const char *url,
                                   JsonObject *body,
                                   GError    **error);

/* A started media source: test pattern 320x240@15 VP8, test tone, no audio output. */
ZeroMediaSource *test_media_new   (gboolean video,
                                   gboolean audio);

G_END_DECLS

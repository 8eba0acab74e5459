/* zero-session-link.h: what a user types or clicks to reach a session.
 *
 * Either a bare session ID (a UUID, PROTOCOL.md §2) or a link
 * `zero://HOST[:PORT]/UUID` that also names the signaling server. Parsing is
 * forgiving about what people paste (surrounding blanks, upper-case hex, a
 * trailing slash) and strict about everything else. */
#pragma once

#include <glib-object.h>

#include "sessionmanager/zero-session-error.h"

G_BEGIN_DECLS

#define ZERO_TYPE_SESSION_LINK (zero_session_link_get_type ())

/* The signaling port a link or address without one means (PROTOCOL.md §1). */
#define ZERO_DEFAULT_SIGNALING_PORT 8080

typedef struct
{
  char *session; /* canonical lower-case UUID */
  char *host;    /* NULL when the text was a bare session ID; IPv6 without brackets */
  guint16 port;  /* 0 when the text was a bare session ID */
} ZeroSessionLink;

GType            zero_session_link_get_type   (void) G_GNUC_CONST;
ZeroSessionLink *zero_session_link_parse      (const char            *text,
                                               GError               **error);
ZeroSessionLink *zero_session_link_copy       (const ZeroSessionLink *self);
void             zero_session_link_free       (ZeroSessionLink       *self);
char            *zero_session_link_to_string  (const ZeroSessionLink *self);
char            *zero_session_link_dup_server (const ZeroSessionLink *self,
                                               const char            *configured_server);

gboolean         zero_session_link_is_partial (const char            *text);
char            *zero_session_link_build      (const char            *server_address,
                                               const char            *session,
                                               GError               **error);
gboolean         zero_server_address_split    (const char            *server_address,
                                               char                 **host,
                                               guint16               *port,
                                               GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroSessionLink, zero_session_link_free)

G_END_DECLS

/* zero-ice-server.h: one STUN/TURN server of webrtc.ice_servers (boxed). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ZERO_TYPE_ICE_SERVER (zero_ice_server_get_type ())

typedef struct
{
  char **urls;      /* NULL-terminated, at least one: "stun:host:port", "turn:host?transport=tcp" */
  char *username;   /* nullable */
  char *credential; /* nullable */
} ZeroIceServer;

GType          zero_ice_server_get_type     (void) G_GNUC_CONST;
ZeroIceServer *zero_ice_server_new          (const char *const *urls,
                                             const char        *username,
                                             const char        *credential);
ZeroIceServer *zero_ice_server_copy         (const ZeroIceServer *self);
void           zero_ice_server_free         (ZeroIceServer *self);
gboolean       zero_ice_server_equal        (const ZeroIceServer *a,
                                             const ZeroIceServer *b);
gboolean       zero_ice_server_validate_url (const char *url,
                                             GError    **error);
char          *zero_ice_server_dup_gst_uri  (const ZeroIceServer *self,
                                             guint                index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroIceServer, zero_ice_server_free)

G_END_DECLS

/* zero-ice-config.c: ICE servers and loopback candidates for a webrtcbin.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-ice-config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nice/agent.h>
#include <sys/socket.h>

gboolean
zero_ice_have_non_loopback_interface (void)
{
  struct ifaddrs *list = NULL;
  gboolean found = FALSE;

  if (getifaddrs (&list) != 0)
    return TRUE; /* cannot tell: assume a normal network */
  for (struct ifaddrs *ifa = list; ifa != NULL && !found; ifa = ifa->ifa_next)
    {
      if (ifa->ifa_addr == NULL || (ifa->ifa_flags & IFF_LOOPBACK) ||
          !(ifa->ifa_flags & IFF_UP) || !(ifa->ifa_flags & IFF_RUNNING))
        continue;
      if (ifa->ifa_addr->sa_family == AF_INET)
        found = TRUE;
      else if (ifa->ifa_addr->sa_family == AF_INET6)
        {
          const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ifa->ifa_addr;

          /* A link-local address alone does not make a usable network for ICE. */
          if (!IN6_IS_ADDR_LINKLOCAL (&sin6->sin6_addr))
            found = TRUE;
        }
    }
  freeifaddrs (list);
  return found;
}

gboolean
zero_ice_use_loopback (ZeroPeerLoopback mode)
{
  switch (mode)
    {
    case ZERO_PEER_LOOPBACK_YES:
      return TRUE;
    case ZERO_PEER_LOOPBACK_NO:
      return FALSE;
    case ZERO_PEER_LOOPBACK_AUTO:
    default:
      return !zero_ice_have_non_loopback_interface ();
    }
}

static void
add_server (GstElement          *webrtc,
            const ZeroIceServer *server,
            gboolean            *have_stun)
{
  for (guint i = 0; server->urls && server->urls[i]; i++)
    {
      g_autofree char *uri = zero_ice_server_dup_gst_uri (server, i);
      gboolean ok = FALSE;

      if (uri == NULL)
        {
          g_debug ("skipping invalid ICE server URL \"%s\"", server->urls[i]);
          continue;
        }
      if (g_str_has_prefix (uri, "stun://"))
        {
          /* webrtcbin takes one STUN server; the first wins. */
          if (!*have_stun)
            {
              g_object_set (webrtc, "stun-server", uri, NULL);
              *have_stun = TRUE;
            }
          continue;
        }
      if (g_str_has_prefix (uri, "turn://") || g_str_has_prefix (uri, "turns://"))
        {
          g_signal_emit_by_name (webrtc, "add-turn-server", uri, &ok);
          if (!ok)
            g_debug ("webrtcbin refused TURN server %s", server->urls[i]);
          continue;
        }
      g_debug ("skipping ICE server URL \"%s\" (unsupported scheme)", server->urls[i]);
    }
}

gpointer
zero_ice_configure (GstElement *webrtc,
                    GPtrArray  *ice_servers,
                    gboolean    loopback,
                    gboolean    ice_tcp,
                    GError    **error)
{
  g_autoptr (GObject) ice = NULL;
  NiceAgent *agent = NULL;
  gboolean have_stun = FALSE;

  for (guint i = 0; ice_servers && i < ice_servers->len; i++)
    add_server (webrtc, g_ptr_array_index (ice_servers, i), &have_stun);

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") == NULL)
    return NULL;
  g_object_get (ice, "agent", &agent, NULL);
  if (agent == NULL)
    return NULL;

  /* No UPnP IGD port mappings: they only cost threads and time (gupnp). Pace checks
   * every 5 ms instead of 20 (RFC 8445's minimum Ta): a call has a handful of
   * candidate pairs, and each round of checks is a round trip of setup time. */
  g_object_set (agent, "upnp", FALSE, "stun-pacing-timer", 5, NULL);
  /* libnice keeps the first pair it nominates: with TCP candidates, loss while connecting
   * can make it a TCP pair, and then every lost packet stalls media for a TCP
   * retransmission timeout (200 ms, 600 ms, 1.4 s measured at 10 % loss). */
  if (!ice_tcp && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp"))
    g_object_set (ice, "ice-tcp", FALSE, NULL);
  if (loopback)
    {
      NiceAddress addr;

      /* libnice skips 127.0.0.1 when it enumerates interfaces; once an address is added
       * explicitly it gathers on that address only. TCP candidates would only add
       * useless pairs on loopback. */
      g_object_set (ice, "ice-tcp", FALSE, NULL);
      nice_address_init (&addr);
      nice_address_set_from_string (&addr, "127.0.0.1");
      nice_agent_add_local_address (agent, &addr);
    }
  return agent;
}

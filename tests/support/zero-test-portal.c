/* zero-test-portal.c: this test process as an xdg-desktop-portal backend (see the header). */
#include "zero-test-portal.h"

#include <glib/gstdio.h>

struct _ZeroTestPortal {
  GDBusConnection *bus;
  GArray *registrations;    /* guint */
  GPtrArray *infos;         /* GDBusNodeInfo, kept alive while exported */
  GString *interfaces;      /* "a;b;" for the .portal file */
  guint owner;
  gboolean owned;
  gboolean lost;
  char *dir;
  char *portal_file;
};

ZeroTestPortal *
zero_test_portal_new (GError **error)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  ZeroTestPortal *portal;

  if (bus == NULL)
    return NULL;
  portal = g_new0 (ZeroTestPortal, 1);
  portal->bus = g_steal_pointer (&bus);
  portal->registrations = g_array_new (FALSE, FALSE, sizeof (guint));
  portal->infos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_dbus_node_info_unref);
  portal->interfaces = g_string_new (NULL);
  return portal;
}

GDBusConnection *
zero_test_portal_get_bus (ZeroTestPortal *portal)
{
  g_return_val_if_fail (portal != NULL, NULL);
  return portal->bus;
}

gboolean
zero_test_portal_add_interfaces (ZeroTestPortal             *portal,
                                 const char                 *xml,
                                 const GDBusInterfaceVTable *vtable,
                                 gpointer                    user_data,
                                 GError                    **error)
{
  GDBusNodeInfo *info;

  g_return_val_if_fail (portal != NULL, FALSE);
  g_return_val_if_fail (xml != NULL && vtable != NULL, FALSE);

  info = g_dbus_node_info_new_for_xml (xml, error);
  if (info == NULL)
    return FALSE;
  g_ptr_array_add (portal->infos, info);
  for (guint i = 0; info->interfaces != NULL && info->interfaces[i] != NULL; i++)
    {
      guint id = g_dbus_connection_register_object (portal->bus, ZERO_TEST_PORTAL_PATH,
                                                    info->interfaces[i], vtable, user_data,
                                                    NULL, error);
      if (id == 0)
        return FALSE;
      g_array_append_val (portal->registrations, id);
      g_string_append_printf (portal->interfaces, "%s;", info->interfaces[i]->name);
    }
  return TRUE;
}

static void
on_name_acquired (GDBusConnection *bus,
                  const char      *name,
                  gpointer         user_data)
{
  ZeroTestPortal *portal = user_data;

  portal->owned = TRUE;
}

static void
on_name_lost (GDBusConnection *bus,
              const char      *name,
              gpointer         user_data)
{
  ZeroTestPortal *portal = user_data;

  portal->lost = TRUE;
}

gboolean
zero_test_portal_publish (ZeroTestPortal *portal,
                          GError        **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *contents = NULL;
  GVariantBuilder env;
  gint64 deadline;

  g_return_val_if_fail (portal != NULL, FALSE);
  g_return_val_if_fail (portal->owner == 0, FALSE);

  if (portal->interfaces->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "no backend interface added before publishing");
      return FALSE;
    }

  /* Owned before the frontend starts, or it would not find the backend. */
  portal->owner = g_bus_own_name_on_connection (portal->bus, ZERO_TEST_PORTAL_NAME,
                                                G_BUS_NAME_OWNER_FLAGS_NONE, on_name_acquired,
                                                on_name_lost, portal, NULL);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!portal->owned && !portal->lost && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!portal->owned)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not own %s on the session bus",
                   ZERO_TEST_PORTAL_NAME);
      return FALSE;
    }

  portal->dir = g_dir_make_tmp ("zero-portals-XXXXXX", error);
  if (portal->dir == NULL)
    return FALSE;
  portal->portal_file = g_build_filename (portal->dir, "zerotest.portal", NULL);
  contents = g_strdup_printf ("[portal]\nDBusName=%s\nInterfaces=%s\nUseIn=zerotest\n",
                              ZERO_TEST_PORTAL_NAME, portal->interfaces->str);
  if (!g_file_set_contents (portal->portal_file, contents, -1, error))
    return FALSE;

  g_variant_builder_init (&env, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&env, "{ss}", "XDG_DESKTOP_PORTAL_DIR", portal->dir);
  g_variant_builder_add (&env, "{ss}", "XDG_CURRENT_DESKTOP", "zerotest");
  reply = g_dbus_connection_call_sync (portal->bus, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "UpdateActivationEnvironment",
                                       g_variant_new ("(a{ss})", &env), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  return reply != NULL;
}

void
zero_test_portal_free (ZeroTestPortal *portal)
{
  if (portal == NULL)
    return;
  if (portal->owner != 0)
    g_bus_unown_name (portal->owner);
  for (guint i = 0; i < portal->registrations->len; i++)
    g_dbus_connection_unregister_object (portal->bus,
                                         g_array_index (portal->registrations, guint, i));
  if (portal->portal_file != NULL)
    g_unlink (portal->portal_file);
  if (portal->dir != NULL)
    g_rmdir (portal->dir);
  g_free (portal->portal_file);
  g_free (portal->dir);
  g_string_free (portal->interfaces, TRUE);
  g_ptr_array_unref (portal->infos);
  g_array_unref (portal->registrations);
  g_object_unref (portal->bus);
  g_free (portal);
}

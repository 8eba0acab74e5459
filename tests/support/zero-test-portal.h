/* zero-test-portal.h: this test process as an xdg-desktop-portal backend.
 *
 * xdg-desktop-portal (the frontend) exports a portal only when a backend implements its
 * org.freedesktop.impl.portal.* interface. A ZeroTestPortal exports the test's own
 * implementations at /org/freedesktop/portal/desktop, owns ZERO_TEST_PORTAL_NAME, writes a
 * .portal file naming them in a temporary XDG_DESKTOP_PORTAL_DIR for
 * XDG_CURRENT_DESKTOP=zerotest, and puts both variables in the session bus's activation
 * environment, so the frontend D-Bus activated afterwards picks this process. Meant for
 * the private bus of tests/support/pipewire/run-with-pipewire.sh. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ZERO_TEST_PORTAL_NAME "org.freedesktop.impl.portal.desktop.zerotest"
#define ZERO_TEST_PORTAL_PATH "/org/freedesktop/portal/desktop"

typedef struct _ZeroTestPortal ZeroTestPortal;

/* Connects to the session bus; nothing is exported yet. */
ZeroTestPortal  *zero_test_portal_new           (GError                     **error);
GDBusConnection *zero_test_portal_get_bus       (ZeroTestPortal              *portal);
/* Exports every interface of @xml (one <node>) at ZERO_TEST_PORTAL_PATH with @vtable;
 * they are listed in the .portal file written by zero_test_portal_publish(). */
gboolean         zero_test_portal_add_interfaces (ZeroTestPortal             *portal,
                                                  const char                 *xml,
                                                  const GDBusInterfaceVTable *vtable,
                                                  gpointer                    user_data,
                                                  GError                    **error);
/* Owns the name (and waits until it is owned), writes the .portal file, updates the
 * activation environment. Call before anything activates xdg-desktop-portal. */
gboolean         zero_test_portal_publish       (ZeroTestPortal              *portal,
                                                 GError                     **error);
/* Unexports, releases the name, removes the temporary directory. */
void             zero_test_portal_free          (ZeroTestPortal              *portal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroTestPortal, zero_test_portal_free)

G_END_DECLS

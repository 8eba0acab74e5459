/* test-camera-portal.c: the real Camera portal (xdg-desktop-portal 1.16) end to end, inside
 * tests/support/pipewire/run-with-pipewire.sh --camera-role.
 *
 * xdg-desktop-portal exports org.freedesktop.portal.Camera only when an
 * org.freedesktop.impl.portal.Access backend is configured: this test is that backend
 * (tests/support/zero-test-portal.h; it answers AccessDialog with "granted"). The portal is then D-Bus activated by
 * zero_camera_portal_access_async() (app/zero-screen-cast.c, what the app's window calls in
 * Flatpak), and the fd it returns is handed to the engine: its cameras are listed and real
 * frames captured through it. The caller here is not sandboxed (app id ""), so WirePlumber
 * grants it every node; the media.role=Camera filtering only applies to Flatpak apps. */
#include "camera-test-util.h"

#include <gio/gio.h>

#include "app/zero-screen-cast.h"
#include "zero-test-portal.h"

static const char access_xml[] =
  "<node><interface name='org.freedesktop.impl.portal.Access'>"
  "<method name='AccessDialog'>"
  "<arg type='o' name='handle' direction='in'/><arg type='s' name='app_id' direction='in'/>"
  "<arg type='s' name='parent_window' direction='in'/><arg type='s' name='title' direction='in'/>"
  "<arg type='s' name='subtitle' direction='in'/><arg type='s' name='body' direction='in'/>"
  "<arg type='a{sv}' name='options' direction='in'/>"
  "<arg type='u' name='response' direction='out'/><arg type='a{sv}' name='results' direction='out'/>"
  "</method></interface></node>";

static guint dialogs;

static void
on_impl_call (GDBusConnection       *connection,
              const char            *sender,
              const char            *path,
              const char            *interface,
              const char            *method,
              GVariant              *parameters,
              GDBusMethodInvocation *invocation,
              gpointer               user_data)
{
  g_test_message ("portal backend: %s.%s", interface, method);
  dialogs++;
  /* 0: the user allowed it. */
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(u@a{sv})", 0,
                                                        g_variant_new_array (G_VARIANT_TYPE ("{sv}"),
                                                                             NULL, 0)));
}

static const GDBusInterfaceVTable impl_vtable = { on_impl_call, NULL, NULL, { 0 } };

typedef struct {
  gboolean done;
  int fd;
  GError *error;
} PortalResult;

static void
on_portal_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PortalResult *r = user_data;

  r->fd = -1;
  zero_camera_portal_access_finish (result, &r->fd, &r->error);
  r->done = TRUE;
}

static void
test_portal_camera (void)
{
  const char *camera = g_getenv ("ZERO_PW_CAMERA");
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroTestPortal) portal = NULL;
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autoptr(ZeroMediaDevice) found = NULL;
  g_auto (ZeroMediaOptions) opts;
  PortalResult r = { 0 };
  ZeroMediaStats stats;
  gint64 t0;
  GstPad *pad;
  Consumer *c;

  if (g_getenv ("ZERO_PW_HARNESS") == NULL || camera == NULL)
    g_error ("run this test through tests/support/pipewire/run-with-pipewire.sh "
             "--camera-role (meson test does)");
  if (!g_file_test ("/usr/libexec/xdg-desktop-portal", G_FILE_TEST_IS_EXECUTABLE))
    g_error ("xdg-desktop-portal is not installed (tools/install-deps --test installs it)");

  /* The Access backend: this process. */
  portal = zero_test_portal_new (&error);
  g_assert_no_error (error);
  g_assert_true (zero_test_portal_add_interfaces (portal, access_xml, &impl_vtable, NULL,
                                                  &error));
  g_assert_no_error (error);
  g_assert_true (zero_test_portal_publish (portal, &error));
  g_assert_no_error (error);

  /* What the app's window does in Flatpak: activates the portal, asks, opens the remote.
   * The main loop runs meanwhile: the portal calls back into the backend above. */
  t0 = g_get_monotonic_time ();
  zero_camera_portal_access_async (NULL, NULL, on_portal_done, &r);
  ZERO_ASSERT_WAIT (r.done, 60000);
  g_test_message ("portal answered in %.0f ms (%u access dialogs): %s",
                  (g_get_monotonic_time () - t0) / 1000.0, dialogs,
                  r.error ? r.error->message : "granted");
  g_assert_no_error (r.error);
  g_assert_cmpint (r.fd, >=, 0);

  /* The portal's remote, given to the engine: the virtual camera, real moving frames. */
  zero_media_options_init (&opts);
  opts.video_source = ZERO_VIDEO_SOURCE_AUTO;
  opts.audio_source = ZERO_AUDIO_SOURCE_NONE;
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts.width = 320;
  opts.height = 240;
  source = zero_media_source_new_with_camera_remote (&opts, r.fd, &error);
  g_assert_no_error (error);
  found = zero_device_list_find (zero_media_source_get_devices (source),
                                 ZERO_DEVICE_VIDEO_SOURCE, "pipewire", camera);
  g_assert_nonnull (found);
  g_assert_true (zero_media_source_start (source, &error));
  g_assert_no_error (error);
  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
  c = consumer_new (zero_media_source_get_pipeline (source), pad, CONSUMER_VIDEO);
  ZERO_ASSERT_WAIT ((zero_media_source_get_stats (source, &stats), stats.video_frames >= 10),
                    30000);
  run_for_ms (1000);
  g_test_message ("via the portal's remote: %" G_GUINT64_FORMAT " decoded, %" G_GUINT64_FORMAT
                  " changed, peak luma %.0f", CONSUMER_GET (c, buffers),
                  CONSUMER_GET (c, changed_frames), CONSUMER_GET (c, peak_luma));
  g_assert_cmpuint (CONSUMER_GET (c, buffers), >=, 10);
  g_assert_cmpuint (CONSUMER_GET (c, changed_frames), >=, CONSUMER_GET (c, buffers) / 3);
  g_assert_cmpfloat (CONSUMER_GET (c, peak_luma), >, 150);

  pad = consumer_free (c);
  zero_media_source_release_encoded_pad (source, pad);
  gst_object_unref (pad);
  g_clear_object (&source);
}

int
main (int argc, char **argv)
{
  /* As in a sandbox: the default PipeWire remote cannot be reached. */
  g_setenv ("PIPEWIRE_REMOTE", "zero-no-such-remote", TRUE);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/camera/portal/access-and-capture", test_portal_camera);
  return g_test_run ();
}

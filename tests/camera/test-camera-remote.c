/* test-camera-remote.c: cameras through a PipeWire remote fd (what the Camera portal gives
 * a sandboxed app), inside tests/support/pipewire/run-with-pipewire.sh.
 *
 * Like a sandbox, the default remote is unreachable here (PIPEWIRE_REMOTE names a socket
 * that does not exist): the only way to the virtual camera ($ZERO_PW_CAMERA) is the fd the
 * test connects itself to $XDG_RUNTIME_DIR/pipewire-0 and hands to the engine. Outside the
 * harness every test fails: never a skip. */
#include "camera-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "camera/zero-camera-remote.h"

static const char *
harness_env (const char *name)
{
  const char *value = g_getenv (name);

  if (g_getenv ("ZERO_PW_HARNESS") == NULL || value == NULL)
    g_error ("%s is not set: run this test through tests/support/pipewire/run-with-pipewire.sh "
             "(meson test does); the camera remote cannot be tested without it", name);
  return value;
}

/* What a portal remote is: a connection to the PipeWire socket. */
static int
connect_pipewire (void)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *dir = harness_env ("XDG_RUNTIME_DIR");
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_snprintf (addr.sun_path, sizeof addr.sun_path, "%s/pipewire-0", dir);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    g_error ("connect %s: %s", addr.sun_path, g_strerror (errno));
  return fd;
}

static gboolean
fd_is_open (int fd)
{
  return fcntl (fd, F_GETFD) >= 0;
}

static ino_t
fd_inode (int fd)
{
  struct stat st;

  g_assert_cmpint (fstat (fd, &st), ==, 0);
  return st.st_ino;
}

/* Whether @fd still is the socket @inode: closed, or its number reused by another file,
 * means it was closed. */
static gboolean
fd_is (int   fd,
       ino_t inode)
{
  struct stat st;

  return fstat (fd, &st) == 0 && st.st_ino == inode;
}

static void
on_message (ZeroMediaSource *source,
            const char      *text,
            GPtrArray       *messages)
{
  g_test_message ("message: %s", text);
  g_ptr_array_add (messages, g_strdup (text));
}

static void
on_count (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
on_device_count (ZeroDeviceList  *list,
                 ZeroMediaDevice *device,
                 guint           *count)
{
  g_test_message ("device signal: '%s' (%s)", device->name, device->id);
  (*count)++;
}

static ZeroMediaDevice *
list_find (ZeroDeviceList *list,
           const char     *node_name)
{
  return zero_device_list_find (list, ZERO_DEVICE_VIDEO_SOURCE, "pipewire", node_name);
}

static guint64
captured_frames (ZeroMediaSource *source)
{
  ZeroMediaStats stats;

  zero_media_source_get_stats (source, &stats);
  return stats.video_frames;
}

/* The fd of the one pipewiresrc capturing the camera, or -2 when there is none. */
static int
capture_fd (ZeroMediaSource *source)
{
  g_autoptr(GstIterator) it = gst_bin_iterate_recurse (GST_BIN (
      zero_media_source_get_pipeline (source)));
  GValue item = G_VALUE_INIT;
  int fd = -2;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);

      if (factory != NULL &&
          g_str_equal (GST_OBJECT_NAME (factory), "pipewiresrc"))
        g_object_get (element, "fd", &fd, NULL);
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return fd;
}

static ZeroMediaSource *
start_on_remote (const char *camera,
                 int         fd)
{
  g_auto (ZeroMediaOptions) opts;
  g_autoptr(GError) error = NULL;
  ZeroMediaSource *source;

  zero_media_options_init (&opts);
  opts.video_source = camera ? ZERO_VIDEO_SOURCE_PIPEWIRE : ZERO_VIDEO_SOURCE_AUTO;
  opts.video_device = g_strdup (camera);
  opts.audio_source = ZERO_AUDIO_SOURCE_NONE;
  opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
  opts.width = 320;
  opts.height = 240;
  source = zero_media_source_new_with_camera_remote (&opts, fd, &error);
  g_assert_no_error (error);
  g_assert_nonnull (source);
  g_assert_true (zero_media_source_start (source, &error));
  g_assert_no_error (error);
  return source;
}

/* Real camera frames reach the encoder and decode: the ball moves, and is bright. */
static void
assert_camera_frames (ZeroMediaSource *source,
                      Consumer        *c,
                      const char      *what)
{
  guint64 frames = CONSUMER_GET (c, buffers);
  guint64 changed = CONSUMER_GET (c, changed_frames);
  guint64 captured = captured_frames (source);

  ZERO_ASSERT_WAIT (captured_frames (source) >= captured + 10, 30000);
  run_for_ms (1000);
  frames = CONSUMER_GET (c, buffers) - frames;
  changed = CONSUMER_GET (c, changed_frames) - changed;
  g_test_message ("%s: %" G_GUINT64_FORMAT " decoded, %" G_GUINT64_FORMAT " changed, peak "
                  "luma %.0f, %" G_GUINT64_FORMAT " captured", what, frames, changed,
                  CONSUMER_GET (c, peak_luma), captured_frames (source) - captured);
  g_assert_cmpuint (frames, >=, 10);
  g_assert_cmpuint (changed, >=, frames / 3);
  g_assert_cmpfloat (CONSUMER_GET (c, peak_luma), >, 150);
}

/* Like a sandbox: the default remote lists no camera; the fd's does. */
static void
test_device_list (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroCameraRemote) remote = NULL;
  g_autoptr(ZeroDeviceList) list = NULL;
  g_autoptr(ZeroMediaDevice) found = NULL;
  g_autoptr(GPtrArray) cameras = NULL;
  g_autoptr(GPtrArray) defaults = NULL;
  gint64 t0;

  defaults = zero_device_list_get (zero_device_list_get_default (), ZERO_DEVICE_VIDEO_SOURCE);
  g_assert_cmpuint (defaults->len, ==, 0);

  t0 = g_get_monotonic_time ();
  remote = zero_camera_remote_new (connect_pipewire (), 3000, &error);
  g_assert_no_error (error);
  g_test_message ("remote checked and listed in %.1f ms",
                  (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_true (zero_camera_remote_is_connected (remote));
  list = zero_device_list_new_for_camera_remote (remote);
  cameras = zero_device_list_get (list, ZERO_DEVICE_VIDEO_SOURCE);
  for (guint i = 0; i < cameras->len; i++)
    {
      ZeroMediaDevice *d = g_ptr_array_index (cameras, i);
      g_test_message ("camera via fd: '%s' api=%s id=%s node=%s", d->name, d->api, d->id,
                      d->node_name);
    }
  /* The virtual camera, and only sources: not the harness's keep-alive consumer. */
  g_assert_cmpuint (cameras->len, ==, 1);
  found = list_find (list, camera);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->node_name, ==, camera);
  g_assert_cmpstr (found->name, ==, "Zero-Test-Camera");
  g_assert_cmpstr (found->api, ==, "pipewire");
  g_assert_true (g_ascii_isdigit (found->id[0]));
  /* The serial finds it too. */
  g_clear_pointer (&found, zero_media_device_free);
  found = list_find (list, g_ptr_array_index (cameras, 0) ?
                     ((ZeroMediaDevice *) g_ptr_array_index (cameras, 0))->id : NULL);
  g_assert_nonnull (found);

  /* Letting go of it (the connection is shut, see zero-camera-remote.c). */
  g_clear_object (&list);
  t0 = g_get_monotonic_time ();
  g_clear_object (&remote);
  g_test_message ("remote released in %.1f ms", (g_get_monotonic_time () - t0) / 1000.0);
}

/* A second virtual camera, published through its own connection (the default remote is
 * unreachable in this test). */
typedef struct {
  GstElement *pipeline;
  int fd;
} HotplugCamera;

static HotplugCamera *
hotplug_camera_start (const char *node_name)
{
  g_autoptr(GError) error = NULL;
  HotplugCamera *cam = g_new0 (HotplugCamera, 1);
  g_autofree char *desc = NULL;

  cam->fd = connect_pipewire ();
  desc = g_strdup_printf (
      "videotestsrc is-live=true pattern=smpte horizontal-speed=3 ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
      "pipewiresink mode=provide fd=%d stream-properties=\"props,media.class=Video/Source,"
      "node.name=%s,node.description=Hotplug\"", cam->fd, node_name);
  cam->pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (cam->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return cam;
}

static void
hotplug_camera_stop (HotplugCamera *cam)
{
  gst_element_set_state (cam->pipeline, GST_STATE_NULL);
  gst_object_unref (cam->pipeline);
  close (cam->fd);
  g_free (cam);
}

/* Capture through the fd: real moving frames encoded and decoded; pipewiresrc is given the
 * remote's own fd (one connection, one PipeWire core); the fd is closed with the source and
 * no fd is left behind. */
static void
test_capture (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  int fds_before = -1;

  for (int round = 0; round < 3; round++)
    {
      g_autoptr(ZeroMediaSource) source = NULL;
      g_autofree char *what = NULL;
      GstPad *pad;
      Consumer *c;
      int fd = connect_pipewire ();
      ino_t inode = fd_inode (fd);
      int src_fd;

      /* Round 0 warms up what stays for the process (GStreamer's registry, threads). */
      source = start_on_remote (round == 1 ? NULL : camera, fd);
      g_assert_cmpint (zero_media_source_get_camera_remote (source), ==, fd);
      what = zero_media_source_dup_video_capture (source);
      g_assert_cmpstr (what, ==, "pipewire:zero-test-camera");
      pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
      c = consumer_new (zero_media_source_get_pipeline (source), pad, CONSUMER_VIDEO);
      assert_camera_frames (source, c, round == 1 ? "auto via fd" : "by name via fd");
      g_assert_cmpint (CONSUMER_GET (c, width), ==, 320);

      /* The remote's fd itself: a dup would be a second client on the same connection. */
      src_fd = capture_fd (source);
      g_assert_cmpint (src_fd, ==, fd);
      g_assert_true (fd_is_open (src_fd));

      pad = consumer_free (c);
      zero_media_source_release_encoded_pad (source, pad);
      gst_object_unref (pad);
      g_clear_object (&source);
      g_assert_false (fd_is (fd, inode));
      /* Let PipeWire's side settle (the keep-alive consumer stays linked). */
      run_for_ms (300);
      if (round == 0)
        fds_before = count_open_fds ();
      else
        g_test_message ("round %d: %d fds open, %d after the warm-up", round,
                        count_open_fds (), fds_before);
    }
  g_assert_cmpint (count_open_fds (), ==, fds_before);
}

/* Hot-plug on the remote, camera switches, pause (camera released) and resume, stop and
 * start again: all through the fd. */
static void
test_switch_pause_restart (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  const char *node = "zero-remote-hotplug-camera";
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autoptr(ZeroMediaDevice) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  ZeroDeviceList *list;
  HotplugCamera *hotplug;
  guint changed = 0, added = 0, removed = 0;
  guint64 frames;
  GstPad *pad;
  Consumer *c;

  source = start_on_remote (camera, connect_pipewire ());
  g_signal_connect (source, "message", G_CALLBACK (on_message), messages);
  g_signal_connect (source, "devices-changed", G_CALLBACK (on_count), &changed);
  list = zero_media_source_get_devices (source);
  g_assert_true (list != zero_device_list_get_default ());
  g_signal_connect (list, "device-added", G_CALLBACK (on_device_count), &added);
  g_signal_connect (list, "device-removed", G_CALLBACK (on_device_count), &removed);
  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
  c = consumer_new (zero_media_source_get_pipeline (source), pad, CONSUMER_VIDEO);
  assert_camera_frames (source, c, "start");

  /* Plugged in on the remote: listed, signalled, and switched to. */
  hotplug = hotplug_camera_start (node);
  ZERO_ASSERT_WAIT ((found = list_find (list, node)) != NULL, 15000);
  ZERO_ASSERT_WAIT (added >= 1 && changed >= 1, 15000);
  g_assert_true (zero_media_source_set_video_device (source, ZERO_VIDEO_SOURCE_PIPEWIRE, node,
                                                     &error));
  g_assert_no_error (error);
  ZERO_ASSERT_WAIT (CONSUMER_GET (c, mean_luma) > 60, 15000);
  g_test_message ("on the hot-plugged camera: mean luma %.0f", CONSUMER_GET (c, mean_luma));
  g_assert_cmpint (capture_fd (source), >=, 0);

  /* Back to the harness camera (a ball on black). */
  g_assert_true (zero_media_source_set_video_device (source, ZERO_VIDEO_SOURCE_PIPEWIRE, camera,
                                                     &error));
  g_assert_no_error (error);
  ZERO_ASSERT_WAIT (CONSUMER_GET (c, mean_luma) < 40, 15000);
  assert_camera_frames (source, c, "switched back");

  /* Paused: the camera is released and black goes on; resumed: frames again. */
  zero_media_source_set_video_paused (source, TRUE);
  g_assert_cmpuint (count_factory (GST_BIN (zero_media_source_get_pipeline (source)),
                                   "pipewiresrc"), ==, 0);
  run_for_ms (500);
  frames = captured_frames (source);
  run_for_ms (500);
  g_assert_cmpuint (captured_frames (source), ==, frames);
  g_assert_cmpfloat (CONSUMER_GET (c, max_luma), <, 40);
  zero_media_source_set_video_paused (source, FALSE);
  assert_camera_frames (source, c, "resumed");

  /* Stopped and started again. */
  zero_media_source_stop (source);
  g_assert_true (zero_media_source_start (source, &error));
  g_assert_no_error (error);
  assert_camera_frames (source, c, "restarted");

  /* The hot-plugged camera, unplugged while capturing it: a message, black, goes on. */
  g_assert_true (zero_media_source_set_video_device (source, ZERO_VIDEO_SOURCE_PIPEWIRE, node,
                                                     &error));
  g_assert_no_error (error);
  ZERO_ASSERT_WAIT (CONSUMER_GET (c, mean_luma) > 60, 15000);
  hotplug_camera_stop (hotplug);
  ZERO_ASSERT_WAIT (removed >= 1, 15000);
  ZERO_ASSERT_WAIT (messages->len >= 1, 15000);
  g_assert_null (list_find (list, node));
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 0), "black"));
  what = zero_media_source_dup_video_capture (source);
  g_assert_cmpstr (what, ==, "none");
  run_for_ms (500);
  g_assert_cmpfloat (CONSUMER_GET (c, max_luma), <, 40);

  pad = consumer_free (c);
  zero_media_source_release_encoded_pad (source, pad);
  gst_object_unref (pad);
}

/* A new remote while capturing: the camera is reopened on it. Back to the default remote
 * (unreachable, as in a sandbox): the camera cannot be opened, black with a message. */
static void
test_replace_remote (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  int first = connect_pipewire ();
  int second = connect_pipewire ();
  ino_t first_inode = fd_inode (first);
  ino_t second_inode = fd_inode (second);
  guint changed = 0;
  GstPad *pad;
  Consumer *c;

  source = start_on_remote (camera, first);
  g_signal_connect (source, "message", G_CALLBACK (on_message), messages);
  g_signal_connect (source, "devices-changed", G_CALLBACK (on_count), &changed);
  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
  c = consumer_new (zero_media_source_get_pipeline (source), pad, CONSUMER_VIDEO);
  assert_camera_frames (source, c, "first remote");

  g_assert_true (zero_media_source_set_camera_remote (source, second, &error));
  g_assert_no_error (error);
  g_assert_false (fd_is (first, first_inode));
  g_assert_cmpuint (changed, >=, 1);
  g_assert_cmpint (zero_media_source_get_camera_remote (source), ==, second);
  assert_camera_frames (source, c, "second remote");
  g_assert_cmpuint (messages->len, ==, 0);

  g_assert_true (zero_media_source_set_camera_remote (source, -1, &error));
  g_assert_no_error (error);
  g_assert_false (fd_is (second, second_inode));
  ZERO_ASSERT_WAIT (messages->len >= 1, 15000);
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 0), "black"));
  what = zero_media_source_dup_video_capture (source);
  g_assert_cmpstr (what, ==, "none");

  pad = consumer_free (c);
  zero_media_source_release_encoded_pad (source, pad);
  gst_object_unref (pad);
}

typedef enum {
  BAD_CLOSED,
  BAD_FILE,
  BAD_PIPE,
  BAD_UNCONNECTED,
  BAD_PEER_GONE,
  BAD_SILENT,
} BadKind;

typedef struct {
  BadKind kind;
  const char *expected;   /* in the message, after "(fd N) " */
} BadCase;

static const BadCase bad_cases[] = {
  { BAD_CLOSED, "is not an open file descriptor" },
  { BAD_FILE, "is not a socket: it is a regular file" },
  { BAD_PIPE, "is not a socket: it is a pipe" },
  { BAD_UNCONNECTED, "is a socket connected to nothing" },
  { BAD_PEER_GONE, "is not usable" },
  { BAD_SILENT, "did not answer within 3000 ms" },
};

/* Every bad fd gives a ZERO_MEDIA_ERROR_REMOTE naming the fd and the problem, within the
 * remote's timeout, and leaves no fd behind (ownership passes also on failure). */
static void
test_bad_fd (void)
{
  int fds_before;

  /* Warm-up: libpipewire's first client loads its modules once. */
  {
    g_autoptr(ZeroCameraRemote) remote = zero_camera_remote_new (connect_pipewire (), 3000,
                                                                 NULL);
    g_assert_nonnull (remote);
  }
  fds_before = count_open_fds ();

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *bc = &bad_cases[i];
      g_auto (ZeroMediaOptions) opts;
      g_autoptr(GError) error = NULL;
      g_autoptr(ZeroMediaSource) source = NULL;
      g_autofree char *prefix = NULL;
      g_autofree char *path = NULL;
      int fd = -1, peer = -1, pair[2];
      gint64 t0;

      switch (bc->kind)
        {
        case BAD_CLOSED:
          fd = connect_pipewire ();
          close (fd);
          break;
        case BAD_FILE:
          fd = g_file_open_tmp ("zero-remote-XXXXXX", &path, NULL);
          unlink (path);
          break;
        case BAD_PIPE:
          g_assert_cmpint (pipe (pair), ==, 0);
          fd = pair[0];
          peer = pair[1];
          break;
        case BAD_UNCONNECTED:
          fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
          break;
        case BAD_PEER_GONE:
          g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
          fd = pair[0];
          close (pair[1]);
          break;
        case BAD_SILENT:
          g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
          fd = pair[0];
          peer = pair[1];
          break;
        }
      g_assert_cmpint (fd, >=, 0);

      zero_media_options_init (&opts);
      opts.video_source = ZERO_VIDEO_SOURCE_AUTO;
      opts.audio_source = ZERO_AUDIO_SOURCE_NONE;
      opts.audio_output = ZERO_AUDIO_OUTPUT_NONE;
      t0 = g_get_monotonic_time ();
      source = zero_media_source_new_with_camera_remote (&opts, fd, &error);
      g_test_message ("bad fd %d (case %u): %.0f ms: %s", fd, i,
                      (g_get_monotonic_time () - t0) / 1000.0,
                      error ? error->message : "(no error)");
      g_assert_null (source);
      g_assert_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE);
      prefix = g_strdup_printf ("(fd %d) %s", fd, bc->expected);
      g_assert_nonnull (strstr (error->message, prefix));
      g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_USEC_PER_SEC);
      if (peer >= 0)
        close (peer);
      /* Closed on failure too: no fd of the case is left. */
      g_assert_cmpint (count_open_fds (), ==, fds_before);
    }

  /* Same on a running source, which keeps its cameras. */
  {
    g_autoptr(ZeroMediaSource) source = start_on_remote (harness_env ("ZERO_PW_CAMERA"),
                                                         connect_pipewire ());
    g_autoptr(GError) error = NULL;
    g_autoptr(ZeroMediaDevice) kept = NULL;
    int pair[2];

    g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
    close (pair[1]);
    g_assert_false (zero_media_source_set_camera_remote (source, pair[0], &error));
    g_assert_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_REMOTE);
    ZERO_ASSERT_WAIT (captured_frames (source) >= 10, 30000);
    kept = list_find (zero_media_source_get_devices (source), harness_env ("ZERO_PW_CAMERA"));

    g_assert_nonnull (kept);
  }
}

/* The remote going away while capturing (the portal or the daemon closing it): the
 * cameras are removed and the call goes on in black, with a message; no hang. */
static void
test_remote_lost (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ZeroMediaSource) source = NULL;
  g_autofree char *what = NULL;
  ZeroDeviceList *list;
  int fd = connect_pipewire ();
  ino_t inode = fd_inode (fd);
  int cut = dup (fd);
  guint removed = 0;
  guint64 frames;
  GstPad *pad;
  Consumer *c;

  source = start_on_remote (camera, fd);
  g_signal_connect (source, "message", G_CALLBACK (on_message), messages);
  list = zero_media_source_get_devices (source);
  g_signal_connect (list, "device-removed", G_CALLBACK (on_device_count), &removed);
  pad = zero_media_source_request_encoded_pad (source, ZERO_MEDIA_KIND_VIDEO);
  c = consumer_new (zero_media_source_get_pipeline (source), pad, CONSUMER_VIDEO);
  assert_camera_frames (source, c, "before the cut");

  /* Both directions shut: what the daemon dying or the portal closing looks like. */
  g_assert_cmpint (shutdown (cut, SHUT_RDWR), ==, 0);
  ZERO_ASSERT_WAIT (removed >= 1, 15000);
  ZERO_ASSERT_WAIT (messages->len >= 1, 15000);
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 0), "black"));
  g_assert_null (list_find (list, camera));
  what = zero_media_source_dup_video_capture (source);
  g_assert_cmpstr (what, ==, "none");
  /* The call goes on, in black. */
  frames = CONSUMER_GET (c, buffers);
  run_for_ms (1000);
  g_assert_cmpuint (CONSUMER_GET (c, buffers), >=, frames + 10);
  g_assert_cmpfloat (CONSUMER_GET (c, max_luma), <, 40);

  pad = consumer_free (c);
  zero_media_source_release_encoded_pad (source, pad);
  gst_object_unref (pad);
  g_clear_object (&source);
  g_assert_false (fd_is (fd, inode));
  close (cut);
}

/* gstreamer1.0-pipewire 0.3.65 connects on a dup of the fd it is given and leaves that fd
 * open: the owner has to close it (camera/zero-media-source.c does, per element). */
static void
test_pipewiresrc_leaves_fd_open (void)
{
  const char *camera = harness_env ("ZERO_PW_CAMERA");
  g_autoptr(GError) error = NULL;
  g_autofree char *desc = NULL;
  GstElement *pipeline;
  int fd = connect_pipewire ();

  desc = g_strdup_printf ("pipewiresrc fd=%d target-object=%s ! video/x-raw ! fakesink "
                          "name=sink signal-handoffs=true", fd, camera);
  pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint (gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND), ==,
                   GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_assert_true (fd_is_open (fd));
  close (fd);
}

int
main (int argc, char **argv)
{
  /* As in a sandbox: the default PipeWire remote cannot be reached. */
  g_setenv ("PIPEWIRE_REMOTE", "zero-no-such-remote", TRUE);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/camera/remote/device-list", test_device_list);
  g_test_add_func ("/camera/remote/capture", test_capture);
  g_test_add_func ("/camera/remote/switch-pause-restart", test_switch_pause_restart);
  g_test_add_func ("/camera/remote/replace-remote", test_replace_remote);
  g_test_add_func ("/camera/remote/bad-fd", test_bad_fd);
  g_test_add_func ("/camera/remote/remote-lost", test_remote_lost);
  g_test_add_func ("/camera/remote/pipewiresrc-leaves-fd-open", test_pipewiresrc_leaves_fd_open);
  return g_test_run ();
}

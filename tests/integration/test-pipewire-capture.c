/* test-pipewire-capture.c: `zero-cli --video-source pipewire` sends the frames of a virtual
 * PipeWire camera (and microphone) to another zero-cli, which decodes them.
 *
 * Run inside tests/support/pipewire/run-with-pipewire.sh, which provides a private PipeWire +
 * WirePlumber with a virtual camera ($ZERO_PW_CAMERA, a moving ball on black) and microphone
 * ($ZERO_PW_MIC, a sine tone). Decoded frames are not enough (black frames decode too): the
 * sender must report frames captured from PipeWire, few black ones, and the receiver
 * frames that are pictures and that move.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <signal.h>
#include <string.h>

#include "zero-test-proc.h"

static ZeroTestProc *
spawn_cli (const char *label,
           const char *url,
           const char *const *extra)
{
  g_autofree char *cli = zero_test_find_program ("zero-cli");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *common[] = { "--json", "--server", url, "--name", label, "--audio-output", "none",
                           "--resolution", "320x240", "--fps", "15", "--stats-interval", "500" };
  ZeroTestProc *proc;

  g_ptr_array_add (argv, cli);
  for (guint i = 0; i < G_N_ELEMENTS (common); i++)
    g_ptr_array_add (argv, (gpointer) common[i]);
  for (guint i = 0; extra[i]; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);
  proc = zero_test_proc_spawn (label, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

static void
test_pipewire_camera (void)
{
  const char *camera = g_getenv ("ZERO_PW_CAMERA");
  const char *mic = g_getenv ("ZERO_PW_MIC");
  g_autofree char *url = NULL;
  g_autofree char *session = g_uuid_string_random ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroTestProc) signaling = NULL;
  g_autoptr (ZeroTestProc) sender = NULL;
  g_autoptr (ZeroTestProc) receiver = NULL;
  JsonObject *joined, *summary, *peer, *media;
  const char *sender_id;

  if (camera == NULL || mic == NULL)
    g_error ("no virtual camera: run inside tests/support/pipewire/run-with-pipewire.sh");

  signaling = zero_test_proc_spawn_signaling (&url, NULL, &error);
  g_assert_no_error (error);
  {
    const char *extra[] = { "--create", "--session", session, "--video-source", "pipewire",
                            "--video-device", camera, "--audio-source", "pipewire",
                            "--audio-device", mic, NULL };

    sender = spawn_cli ("camera", url, extra);
  }
  joined = zero_test_proc_wait_event (sender, "joined", NULL, NULL, 20000);
  g_assert_nonnull (joined);
  sender_id = zero_test_json_string (joined, "peer_id");
  {
    const char *extra[] = { "--join", session, "--video-source", "none", "--audio-source",
                            "none", "--expect-peers", "1", NULL };

    receiver = spawn_cli ("viewer", url, extra);
  }

  g_assert_nonnull (zero_test_proc_wait_event (receiver, "first-frame", "kind", "video", 30000));
  g_assert_nonnull (zero_test_proc_wait_event (receiver, "first-frame", "kind", "audio", 30000));
  /* About 3 s of video. */
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND * zero_test_wait_scale ();

    while (g_get_monotonic_time () < deadline)
      {
        JsonObject *stats = zero_test_proc_last_event (receiver, "stats", "peer_id", sender_id);

        if (stats && zero_test_json_int (stats, "video_frames") >= 45)
          break;
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (2000);
      }
  }

  zero_test_proc_kill (receiver, SIGTERM);
  zero_test_proc_kill (sender, SIGTERM);
  g_assert_true (zero_test_proc_wait_exit (receiver, 15000));
  g_assert_true (zero_test_proc_wait_exit (sender, 15000));
  g_assert_cmpint (zero_test_proc_get_exit_code (receiver), ==, 0); /* --expect-peers 1 met */
  g_assert_cmpint (zero_test_proc_get_exit_code (sender), ==, 0);

  /* The sender captured from the PipeWire camera (not the black fallback)... */
  summary = zero_test_proc_last_event (sender, "summary", NULL, NULL);
  g_assert_nonnull (summary);
  media = zero_test_json_object (summary, "media");
  g_assert_nonnull (media);
  g_test_message ("sender captured from %s / %s", zero_test_json_string (media, "video_capture"),
                  zero_test_json_string (media, "audio_capture"));
  g_assert_true (g_str_has_prefix (zero_test_json_string (media, "video_capture"), "pipewire"));
  g_assert_nonnull (strstr (zero_test_json_string (media, "video_capture"), camera));
  g_assert_true (g_str_has_prefix (zero_test_json_string (media, "audio_capture"), "pipewire"));
  g_assert_cmpint (zero_test_json_int (media, "captured_video_frames"), >=, 45);
  g_assert_cmpint (zero_test_json_int (media, "black_video_frames") * 5, <,
                   zero_test_json_int (media, "sent_video_frames"));

  /* ... and the receiver decoded those pictures: not black, and moving. */
  summary = zero_test_proc_last_event (receiver, "summary", NULL, NULL);
  g_assert_nonnull (summary);
  peer = zero_test_json_object (zero_test_json_object (summary, "peers"), sender_id);
  g_assert_nonnull (peer);
  g_assert_cmpint (zero_test_json_int (peer, "connected"), ==, 1);
  g_assert_cmpint (zero_test_json_int (peer, "video_frames"), >=, 45);
  /* Counted on the frames the main loop took (appsink drops some under load). */
  g_assert_cmpint (zero_test_json_int (peer, "nonblack_frames"), >=, 15);
  g_assert_cmpint (zero_test_json_int (peer, "moving_frames"), >=, 10);
  g_assert_cmpint (zero_test_json_int (peer, "audio_frames"), >=, 50);
  g_assert_cmpuint (zero_test_proc_get_n_bad_lines (receiver), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/integration/pipewire/camera-to-peer", test_pipewire_camera);
  return g_test_run ();
}

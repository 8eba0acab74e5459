/* test-call-mesh.c: zero-signaling and three zero-cli processes in one session.
 *
 * Every client must decode video and audio from both others (counted decoded frames, not
 * packets), get a chat from each, and have each other's GET /info answer; when one client is
 * killed (SIGKILL, no goodbye), the two others must report peer-left and keep their call:
 * their decoded frame counts from the remaining peer keep growing. Test media at 320x240@15.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <signal.h>
#include <string.h>

#include "zero-test-proc.h"

#define N_CLIENTS 3
#define JOIN_MS 20000
#define MEDIA_MS 30000

typedef struct {
  char *url;
  ZeroTestProc *signaling;
  ZeroTestProc *client[N_CLIENTS];
  char *peer_id[N_CLIENTS];
  char *session;
} Fixture;

static const char *const names[N_CLIENTS] = { "Alice", "Bob", "Carol" };

static ZeroTestProc *
spawn_client (Fixture    *f,
              int         i,
              const char *session,
              gboolean    create)
{
  g_autofree char *cli = zero_test_find_program ("zero-cli");
  g_autofree char *chat = g_strdup_printf ("hello from %s", names[i]);
  g_autofree char *label = g_ascii_strdown (names[i], -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *common[] = { "--json", "--server", f->url, "--name", names[i], "--chat", chat,
                           "--video-source", "test", "--audio-source", "test",
                           "--audio-output", "none", "--resolution", "320x240", "--fps", "15",
                           "--stats-interval", "500" };
  ZeroTestProc *proc;

  g_ptr_array_add (argv, cli);
  for (guint k = 0; k < G_N_ELEMENTS (common); k++)
    g_ptr_array_add (argv, (gpointer) common[k]);
  if (create)
    {
      g_ptr_array_add (argv, (gpointer) "--create");
      g_ptr_array_add (argv, (gpointer) "--session");
    }
  else
    g_ptr_array_add (argv, (gpointer) "--join");
  g_ptr_array_add (argv, (gpointer) session);
  g_ptr_array_add (argv, NULL);
  proc = zero_test_proc_spawn (label, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

/* The latest counters a client reported (stats events) for @peer_id. */
static gboolean
frames_from (ZeroTestProc *proc,
             const char   *peer_id,
             gint64       *video,
             gint64       *audio)
{
  JsonObject *stats = zero_test_proc_last_event (proc, "stats", "peer_id", peer_id);

  if (stats == NULL)
    return FALSE;
  *video = zero_test_json_int (stats, "video_frames");
  *audio = zero_test_json_int (stats, "audio_frames");
  return TRUE;
}

typedef struct {
  ZeroTestProc *proc;
  const char *peer_id;
  gint64 min_video;
  gint64 min_audio;
} FrameWait;

static gboolean
enough_frames (FrameWait *w)
{
  gint64 v = 0, a = 0;

  return frames_from (w->proc, w->peer_id, &v, &a) && v >= w->min_video && a >= w->min_audio;
}

static void
wait_frames (ZeroTestProc *proc,
             const char   *peer_id,
             gint64        min_video,
             gint64        min_audio,
             guint         timeout_ms)
{
  FrameWait w = { proc, peer_id, min_video, min_audio };
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) timeout_ms * zero_test_wait_scale () * G_TIME_SPAN_MILLISECOND;
  gint64 v = -1, a = -1;

  while (!enough_frames (&w) && g_get_monotonic_time () < deadline &&
         zero_test_proc_is_running (proc))
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  if (!enough_frames (&w))
    {
      frames_from (proc, peer_id, &v, &a);
      g_error ("%s decoded %" G_GINT64_FORMAT " video / %" G_GINT64_FORMAT " audio frames from "
               "%s, expected at least %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT,
               zero_test_proc_get_label (proc), v, a, peer_id, min_video, min_audio);
    }
}

static void
check_output_is_json_lines (ZeroTestProc *proc)
{
  GPtrArray *events = zero_test_proc_get_events (proc);

  g_assert_cmpuint (zero_test_proc_get_n_bad_lines (proc), ==, 0);
  g_assert_cmpuint (events->len, >, 0);
  for (guint i = 0; i < events->len; i++)
    g_assert_nonnull (json_object_get_string_member_with_default (g_ptr_array_index (events, i),
                                                                  "event", NULL));
  /* summary: always the last line. */
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (events, events->len - 1),
                                                  "event"), ==, "summary");
}

static void
test_call_mesh (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  gint64 at_kill_video[2], at_kill_audio[2];

  f.signaling = zero_test_proc_spawn_signaling (&f.url, NULL, &error);
  g_assert_no_error (error);
  f.session = g_uuid_string_random ();

  /* Alice creates; Bob and Carol join once the session exists. */
  f.client[0] = spawn_client (&f, 0, f.session, TRUE);
  {
    JsonObject *joined = zero_test_proc_wait_event (f.client[0], "joined", NULL, NULL, JOIN_MS);

    g_assert_nonnull (joined);
    g_assert_cmpstr (zero_test_json_string (joined, "session"), ==, f.session);
    f.peer_id[0] = g_strdup (zero_test_json_string (joined, "peer_id"));
  }
  for (int i = 1; i < N_CLIENTS; i++)
    {
      JsonObject *joined;

      f.client[i] = spawn_client (&f, i, f.session, FALSE);
      joined = zero_test_proc_wait_event (f.client[i], "joined", NULL, NULL, JOIN_MS);
      g_assert_nonnull (joined);
      f.peer_id[i] = g_strdup (zero_test_json_string (joined, "peer_id"));
      /* Those already there are listed. */
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (joined, "peers")),
                        ==, (guint) i);
    }

  /* Everyone sees and hears both others, and gets their chat. */
  for (int i = 0; i < N_CLIENTS; i++)
    for (int j = 0; j < N_CLIENTS; j++)
      {
        g_autofree char *text = g_strdup_printf ("hello from %s", names[j]);
        JsonObject *chat;

        if (i == j)
          continue;
        g_assert_nonnull (zero_test_proc_wait_event (f.client[i], "peer-state", "peer_id",
                                                     f.peer_id[j], MEDIA_MS));
        wait_frames (f.client[i], f.peer_id[j], 30, 50, MEDIA_MS);
        g_assert_nonnull (zero_test_proc_find_event (f.client[i], "data-open", "peer_id",
                                                     f.peer_id[j]));
        g_assert_nonnull (zero_test_proc_find_event (f.client[i], "first-frame", "peer_id",
                                                     f.peer_id[j]));
        chat = zero_test_proc_wait_event (f.client[i], "chat", "from", f.peer_id[j], MEDIA_MS);
        g_assert_nonnull (chat);
        g_assert_cmpstr (zero_test_json_string (chat, "text"), ==, text);
      }

  /* Carol vanishes without a word. */
  zero_test_proc_kill (f.client[2], SIGKILL);
  g_assert_true (zero_test_proc_wait_exit (f.client[2], 10000));
  g_assert_cmpint (zero_test_proc_get_exit_code (f.client[2]), ==, 128 + SIGKILL);
  for (int i = 0; i < 2; i++)
    {
      JsonObject *left = zero_test_proc_wait_event (f.client[i], "peer-left", "peer_id",
                                                    f.peer_id[2], JOIN_MS);

      g_assert_nonnull (left);
      g_test_message ("%s: Carol left (%s)", names[i], zero_test_json_string (left, "reason"));
      g_assert_true (frames_from (f.client[i], f.peer_id[1 - i], &at_kill_video[i],
                                  &at_kill_audio[i]));
    }
  /* ... and the call between Alice and Bob goes on. */
  for (int i = 0; i < 2; i++)
    wait_frames (f.client[i], f.peer_id[1 - i], at_kill_video[i] + 30, at_kill_audio[i] + 50,
                 MEDIA_MS);

  /* A clean end: SIGTERM leaves and prints the summary. */
  for (int i = 0; i < 2; i++)
    zero_test_proc_kill (f.client[i], SIGTERM);
  for (int i = 0; i < 2; i++)
    {
      JsonObject *summary;
      g_assert_true (zero_test_proc_wait_exit (f.client[i], 15000));
      g_assert_cmpint (zero_test_proc_get_exit_code (f.client[i]), ==, 0);
      check_output_is_json_lines (f.client[i]);
      summary = zero_test_proc_last_event (f.client[i], "summary", NULL, NULL);
      g_assert_nonnull (summary);
      g_assert_cmpint (zero_test_json_int (summary, "max_rss_kb"), >, 0);
      for (int j = 0; j < N_CLIENTS; j++)
        {
          JsonObject *peers = zero_test_json_object (summary, "peers");
          JsonObject *peer = peers ? zero_test_json_object (peers, f.peer_id[j]) : NULL;
          JsonObject *info;

          if (i == j)
            continue;
          g_assert_nonnull (peer);
          g_assert_cmpint (zero_test_json_int (peer, "connected"), ==, 1);
          g_assert_cmpint (zero_test_json_int (peer, "video_frames"), >=, 30);
          g_assert_cmpint (zero_test_json_int (peer, "audio_frames"), >=, 50);
          /* Real pictures: the test pattern, not black, and moving. (Counted on the frames
           * the main loop took; under load appsink drops some, so fewer than decoded.) */
          g_assert_cmpint (zero_test_json_int (peer, "nonblack_frames"), >=, 10);
          g_assert_cmpint (zero_test_json_int (peer, "moving_frames"), >=, 5);
          g_assert_cmpint (zero_test_json_int (peer, "chats"), ==, 1);
          info = zero_test_json_object (peer, "info");
          g_assert_nonnull (info);
          g_assert_cmpstr (zero_test_json_string (info, "app"), ==, "zero");
          g_assert_cmpstr (zero_test_json_string (info, "name"), ==, names[j]);
          g_assert_nonnull (zero_test_json_string (info, "version"));
          g_assert_true (json_object_has_member (info, "capabilities"));
        }
    }

  for (int i = 0; i < N_CLIENTS; i++)
    {
      zero_test_proc_free (f.client[i]);
      g_free (f.peer_id[i]);
    }
  zero_test_proc_kill (f.signaling, SIGTERM);
  g_assert_true (zero_test_proc_wait_exit (f.signaling, 10000));
  g_assert_cmpint (zero_test_proc_get_exit_code (f.signaling), ==, 0);
  zero_test_proc_free (f.signaling);
  g_free (f.url);
  g_free (f.session);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/integration/call-mesh/three-clients", test_call_mesh);
  return g_test_run ();
}

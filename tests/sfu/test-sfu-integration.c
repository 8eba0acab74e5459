/* test-sfu-integration.c: the whole SFU mode with real processes, in the test's own network
 * namespace: tools/zero-janus, zero-signaling --mesh-limit 4 --sfu-url ..., and zero-cli
 * clients (--json, test patterns 320x240@15 and a test tone) in one session.
 *
 *   1. Five clients join: the fifth crosses the mesh limit, the server creates the room and
 *      every client moves to the SFU (`mode` event "sfu").
 *   2. Every client decodes video and audio from the four others through the SFU (the
 *      counters of `stats` grow after the move by a set number of frames), and every chat
 *      line reaches everyone.
 *   3. Each client publishes exactly one video stream: its `upload` events (from the
 *      webrtcbin stats of all its connections) say video goes out on one connection, as
 *      one stream (+ its RTX), and one audio stream, in SFU mode (the mesh: one per peer).
 *   4. A client killed (SIGKILL) and one leaving cleanly disappear from the others
 *      (peer-left), and a client joining mid-call goes straight to the room (welcome.sfu):
 *      it is seen by all (peer-joined, its video and audio decoded), sees all, its chat
 *      reaches all and its GET /info is answered over the `data` relay (it never had a data
 *      channel with anyone).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sfu-test-util.h"
#include "signaling/zero-uuid.h"
#include "zero-build-config.h"
#include "zero-test-proc.h"

#define ADMIN_KEY "integration-admin-key"
#define SFU_SECRET "integration-sfu-secret"
#define WS_PORT 8388
#define N_FIRST 5
#define N_ALL 6
/* Frames decoded through the SFU before a pair counts (15 fps: about 2 s of video). */
#define MIN_VIDEO_FRAMES 20
#define MIN_AUDIO_FRAMES 50

static ZeroTestNetns netns;
static TestJanus *janus;

typedef struct
{
  ZeroTestProc *proc;
  char *name;
  char *peer_id;
  gboolean gone;
  /* Counters of each other peer when this client entered SFU mode (base for growth). */
  GHashTable *base_video;  /* peer id -> gint64 (as pointer) */
  GHashTable *base_audio;
} Client;

static Client clients[N_ALL];
static char *signaling_url;
static char *session;
static char *config_path;   /* generous connection timeouts: sanitizer builds on a busy CI */

static guint
scaled (guint ms)
{
  return ms * zero_test_wait_scale ();
}

static void
client_spawn (int i, gboolean create)
{
  Client *c = &clients[i];
  g_autofree char *cli = zero_test_find_program ("zero-cli");
  g_autofree char *chat = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *common[] = { "--json", "--config", config_path, "--server", signaling_url,
                           "--video-source", "test",
                           "--audio-source", "test", "--audio-output", "none", "--resolution",
                           "320x240", "--fps", "15", "--stats-interval", "500" };

  c->name = g_strdup_printf ("c%d", i + 1);
  chat = g_strdup_printf ("hello from %s", c->name);
  c->base_video = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c->base_audio = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_ptr_array_add (argv, cli);
  for (guint k = 0; k < G_N_ELEMENTS (common); k++)
    g_ptr_array_add (argv, (gpointer) common[k]);
  g_ptr_array_add (argv, (gpointer) "--name");
  g_ptr_array_add (argv, c->name);
  g_ptr_array_add (argv, (gpointer) "--chat");
  g_ptr_array_add (argv, chat);
  if (create)
    {
      g_ptr_array_add (argv, (gpointer) "--create");
      g_ptr_array_add (argv, (gpointer) "--session");
    }
  else
    g_ptr_array_add (argv, (gpointer) "--join");
  g_ptr_array_add (argv, session);
  g_ptr_array_add (argv, NULL);
  c->proc = zero_test_proc_spawn (c->name, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
}

static void
client_wait_joined (int i)
{
  Client *c = &clients[i];
  JsonObject *joined = zero_test_proc_wait_event (c->proc, "joined", NULL, NULL, scaled (20000));

  if (joined == NULL)
    g_error ("%s did not join", c->name);
  c->peer_id = g_strdup (zero_test_json_string (joined, "peer_id"));
  g_assert_nonnull (c->peer_id);
}

/* The latest counters @c reported for @peer_id (-1 when none yet). */
static void
frames_from (Client *c, const char *peer_id, gint64 *video, gint64 *audio)
{
  JsonObject *stats = zero_test_proc_last_event (c->proc, "stats", "peer_id", peer_id);

  *video = stats ? zero_test_json_int (stats, "video_frames") : -1;
  *audio = stats ? zero_test_json_int (stats, "audio_frames") : -1;
}

/* Index just past @c's first `mode` event "sfu", or 0 when it has none yet. */
static guint
sfu_mode_index (Client *c)
{
  GPtrArray *events = zero_test_proc_get_events (c->proc);

  for (guint k = 0; k < events->len; k++)
    {
      JsonObject *ev = g_ptr_array_index (events, k);

      if (g_strcmp0 (zero_test_json_string (ev, "event"), "mode") == 0 &&
          g_strcmp0 (zero_test_json_string (ev, "mode"), "sfu") == 0)
        return k + 1;
    }
  return 0;
}

/* Remembers what @c had decoded of every other live client when it moved. */
static void
record_base (Client *c)
{
  for (int j = 0; j < N_ALL; j++)
    {
      gint64 v, a;

      if (&clients[j] == c || clients[j].peer_id == NULL)
        continue;
      frames_from (c, clients[j].peer_id, &v, &a);
      g_hash_table_insert (c->base_video, g_strdup (clients[j].peer_id),
                           GINT_TO_POINTER ((int) MAX (v, 0)));
      g_hash_table_insert (c->base_audio, g_strdup (clients[j].peer_id),
                           GINT_TO_POINTER ((int) MAX (a, 0)));
    }
}

static gboolean
decodes_through_sfu (Client *c, Client *from)
{
  gint64 v, a;
  gint64 bv = GPOINTER_TO_INT (g_hash_table_lookup (c->base_video, from->peer_id));
  gint64 ba = GPOINTER_TO_INT (g_hash_table_lookup (c->base_audio, from->peer_id));

  frames_from (c, from->peer_id, &v, &a);
  return v >= bv + MIN_VIDEO_FRAMES && a >= ba + MIN_AUDIO_FRAMES;
}

static gboolean
has_chat_from (Client *c, Client *from)
{
  g_autofree char *text = g_strdup_printf ("hello from %s", from->name);
  GPtrArray *events = zero_test_proc_get_events (c->proc);

  for (guint k = 0; k < events->len; k++)
    {
      JsonObject *ev = g_ptr_array_index (events, k);

      if (g_strcmp0 (zero_test_json_string (ev, "event"), "chat") == 0 &&
          g_strcmp0 (zero_test_json_string (ev, "from"), from->peer_id) == 0 &&
          g_strcmp0 (zero_test_json_string (ev, "text"), text) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Every live client decodes every other live one through the SFU and has its chat. */
static void
assert_full_mesh_through_sfu (void)
{
  for (int i = 0; i < N_ALL; i++)
    for (int j = 0; j < N_ALL; j++)
      {
        Client *c = &clients[i], *from = &clients[j];

        if (i == j || c->proc == NULL || from->proc == NULL || c->gone || from->gone)
          continue;
        if (!ZERO_WAIT_UNTIL (decodes_through_sfu (c, from), scaled (30000)))
          {
            gint64 v, a;

            frames_from (c, from->peer_id, &v, &a);
            g_error ("%s decoded only %" G_GINT64_FORMAT " video / %" G_GINT64_FORMAT
                     " audio frames of %s through the SFU (before: %d / %d)", c->name, v, a,
                     from->name,
                     GPOINTER_TO_INT (g_hash_table_lookup (c->base_video, from->peer_id)),
                     GPOINTER_TO_INT (g_hash_table_lookup (c->base_audio, from->peer_id)));
          }
        if (!ZERO_WAIT_UNTIL (has_chat_from (c, from), scaled (10000)))
          g_error ("%s never got the chat of %s", c->name, from->name);
      }
}

/* @c's `upload` events after its move: its camera leaves on one connection only (mesh: one
 * per peer), as one video RTP stream (plus, once retransmissions happen, the RTX stream that
 * webrtcbin's stats list separately) and one audio stream; checked on every event, and
 * exactly so in the last three (of at least five since the publisher started: its first
 * rate needs two stats samples). */
static guint
count_sending_uploads (Client *c)
{
  GPtrArray *events = zero_test_proc_get_events (c->proc);
  guint n = 0;

  for (guint k = sfu_mode_index (c); k < events->len; k++)
    {
      JsonObject *ev = g_ptr_array_index (events, k);

      if (g_strcmp0 (zero_test_json_string (ev, "event"), "upload") == 0 &&
          g_strcmp0 (zero_test_json_string (ev, "mode"), "sfu") == 0 &&
          zero_test_json_int (ev, "video_connections_out") >= 1)
        n++;
    }
  return n;
}

static void
assert_one_upload (Client *c)
{
  guint start = sfu_mode_index (c);
  g_autoptr (GPtrArray) sfu_uploads = g_ptr_array_new ();
  GPtrArray *events;

  g_assert_cmpuint (start, >, 0);
  if (!ZERO_WAIT_UNTIL (count_sending_uploads (c) >= 5, scaled (15000)))
    g_error ("%s: no upload in SFU mode for 3 stats intervals", c->name);
  events = zero_test_proc_get_events (c->proc);
  for (guint k = start; k < events->len; k++)
    {
      JsonObject *ev = g_ptr_array_index (events, k);

      if (g_strcmp0 (zero_test_json_string (ev, "event"), "upload") != 0 ||
          g_strcmp0 (zero_test_json_string (ev, "mode"), "sfu") != 0)
        continue;
      g_ptr_array_add (sfu_uploads, ev);
      if (zero_test_json_int (ev, "video_connections_out") > 1 ||
          zero_test_json_int (ev, "video_streams_out") > 2 ||
          zero_test_json_int (ev, "audio_streams_out") > 1)
        g_error ("%s sends video on %" G_GINT64_FORMAT " connections (%" G_GINT64_FORMAT
                 " streams) and %" G_GINT64_FORMAT " audio streams in SFU mode", c->name,
                 zero_test_json_int (ev, "video_connections_out"),
                 zero_test_json_int (ev, "video_streams_out"),
                 zero_test_json_int (ev, "audio_streams_out"));
    }
  for (guint k = sfu_uploads->len - 3; k < sfu_uploads->len; k++)
    {
      JsonObject *ev = g_ptr_array_index (sfu_uploads, k);

      g_assert_cmpint (zero_test_json_int (ev, "video_connections_out"), ==, 1);
      g_assert_cmpint (zero_test_json_int (ev, "video_streams_out"), >=, 1);
      g_assert_cmpint (zero_test_json_int (ev, "audio_streams_out"), ==, 1);
      if (json_object_get_double_member (ev, "kbps_out") <= 20)
        g_error ("%s: only %.1f kbps out in SFU mode", c->name,
                 json_object_get_double_member (ev, "kbps_out"));
    }
}

static void
test_five_clients (void)
{
  g_autofree char *sfu_url = g_strdup_printf ("ws://%s:%u", netns.addr_a, WS_PORT);
  const char *extra[] = { "--host", netns.addr_a, "--sfu-url", sfu_url, "--sfu-secret",
                          SFU_SECRET, "--sfu-admin-key", ADMIN_KEY, "--mesh-limit", "4",
                          "--rate-limit", "0", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroTestProc) signaling = NULL;
  gint64 t0 = g_get_monotonic_time ();

  signaling = zero_test_proc_spawn_signaling (&signaling_url, extra, &error);
  g_assert_no_error (error);
  session = zero_uuid_generate ();
  config_path = g_strdup_printf ("%s/zero-sfu-integration-%d.yaml", g_get_tmp_dir (), getpid ());
  g_assert_true (g_file_set_contents (config_path, "webrtc:\n  connect_timeout_s: 60\n", -1,
                                      &error));

  /* 1. Four in the mesh, then the fifth moves everyone. */
  for (int i = 0; i < N_FIRST; i++)
    {
      client_spawn (i, i == 0);
      client_wait_joined (i);
      if (i == N_FIRST - 2)
        {
          /* Up to the limit the session is a mesh, and its chats (sent when each data channel
           * opens) are delivered before the move: a line in flight on a data channel when the
           * mesh is torn down would be lost, and zero-cli sends --chat only once per peer. */
          for (int j = 0; j <= i; j++)
            {
              g_assert_nonnull (zero_test_proc_wait_event (clients[j].proc, "mode", "mode",
                                                           "mesh", scaled (5000)));
              for (int k = 0; k <= i; k++)
                if (k != j && !ZERO_WAIT_UNTIL (has_chat_from (&clients[j], &clients[k]),
                                                scaled (30000)))
                  g_error ("%s never got the chat of %s in the mesh", clients[j].name,
                           clients[k].name);
              g_assert_null (zero_test_proc_find_event (clients[j].proc, "mode", "mode", "sfu"));
            }
        }
    }
  for (int i = 0; i < N_FIRST; i++)
    {
      if (zero_test_proc_wait_event (clients[i].proc, "mode", "mode", "sfu", scaled (20000)) ==
          NULL)
        g_error ("%s did not move to the SFU", clients[i].name);
      record_base (&clients[i]);
    }
  g_test_message ("5 clients joined and moved in %.1f s", (g_get_monotonic_time () - t0) / 1e6);

  /* 2. Media and chat through the SFU, between everyone. */
  assert_full_mesh_through_sfu ();
  g_test_message ("media and chat between 5 through the SFU after %.1f s",
                  (g_get_monotonic_time () - t0) / 1e6);

  /* 3. One upload each. */
  for (int i = 0; i < N_FIRST; i++)
    assert_one_upload (&clients[i]);

  /* 4a. c2 is killed, c3 leaves: both disappear from the others. */
  zero_test_proc_kill (clients[1].proc, SIGKILL);
  zero_test_proc_kill (clients[2].proc, SIGTERM);
  g_assert_true (zero_test_proc_wait_exit (clients[2].proc, scaled (15000)));
  g_assert_cmpint (zero_test_proc_get_exit_code (clients[2].proc), ==, 0);
  clients[1].gone = clients[2].gone = TRUE;
  for (int i = 0; i < N_FIRST; i++)
    {
      if (clients[i].gone)
        continue;
      for (int j = 1; j <= 2; j++)
        {
          JsonObject *left = zero_test_proc_wait_event (clients[i].proc, "peer-left", "peer_id",
                                                        clients[j].peer_id, scaled (20000));

          if (left == NULL)
            g_error ("%s still sees %s", clients[i].name, clients[j].name);
          g_assert_cmpstr (zero_test_json_string (left, "reason"), ==,
                           j == 2 ? "leave" : "disconnect");
        }
    }

  /* 4b. c6 joins mid-call, straight into the room. */
  {
    Client *c6 = &clients[N_ALL - 1];
    JsonObject *first_mode;

    client_spawn (N_ALL - 1, FALSE);
    client_wait_joined (N_ALL - 1);
    for (int i = 0; i < N_FIRST; i++)
      if (!clients[i].gone &&
          zero_test_proc_wait_event (clients[i].proc, "peer-joined", "peer_id", c6->peer_id,
                                     scaled (10000)) == NULL)
        g_error ("%s did not see c6 join", clients[i].name);
    first_mode = zero_test_proc_wait_event (c6->proc, "mode", NULL, NULL, scaled (10000));
    g_assert_nonnull (first_mode);
    g_assert_cmpstr (zero_test_json_string (first_mode, "mode"), ==, "sfu");
    /* It never saw the others peer to peer: no base. */
    assert_full_mesh_through_sfu ();
    assert_one_upload (c6);
    /* Seen by all with its name, and its GET /info answered over the relay. */
    for (int i = 0; i < N_FIRST; i++)
      if (!clients[i].gone)
        g_assert_nonnull (zero_test_proc_find_event (clients[i].proc, "first-frame", "peer_id",
                                                     c6->peer_id));
  }
  g_test_message ("kill, leave and a mid-call join done after %.1f s",
                  (g_get_monotonic_time () - t0) / 1e6);

  /* The end: everyone leaves cleanly; summaries say who was met, with /info over the relay. */
  for (int i = 0; i < N_ALL; i++)
    if (!clients[i].gone)
      zero_test_proc_kill (clients[i].proc, SIGTERM);
  for (int i = 0; i < N_ALL; i++)
    {
      JsonObject *summary, *peers;
      Client *c = &clients[i];

      if (c->gone)
        continue;
      g_assert_true (zero_test_proc_wait_exit (c->proc, scaled (15000)));
      g_assert_cmpint (zero_test_proc_get_exit_code (c->proc), ==, 0);
      summary = zero_test_proc_last_event (c->proc, "summary", NULL, NULL);
      g_assert_nonnull (summary);
      peers = zero_test_json_object (summary, "peers");
      g_assert_nonnull (peers);
      for (int j = 0; j < N_ALL; j++)
        {
          JsonObject *rec;

          if (i == j || clients[j].gone)
            continue;
          rec = json_object_get_object_member (peers, clients[j].peer_id);
          g_assert_nonnull (rec);
          g_assert_true (json_object_get_boolean_member (rec, "connected"));
          g_assert_cmpint (json_object_get_int_member (rec, "video_frames"), >=,
                           MIN_VIDEO_FRAMES);
          g_assert_cmpint (json_object_get_int_member (rec, "chats"), >=, 1);
          /* GET /info: with c6, only the relay could carry it. */
          g_assert_cmpstr (zero_test_json_string (rec, "info.name"), ==, clients[j].name);
        }
    }
  g_test_message ("done in %.1f s", (g_get_monotonic_time () - t0) / 1e6);

  for (int i = 0; i < N_ALL; i++)
    {
      g_clear_pointer (&clients[i].proc, zero_test_proc_free);
      g_clear_pointer (&clients[i].name, g_free);
      g_clear_pointer (&clients[i].peer_id, g_free);
      g_clear_pointer (&clients[i].base_video, g_hash_table_unref);
      g_clear_pointer (&clients[i].base_audio, g_hash_table_unref);
    }
  g_clear_pointer (&signaling_url, g_free);
  g_clear_pointer (&session, g_free);
  g_unlink (config_path);
  g_clear_pointer (&config_path, g_free);
}

/* Config forces SFU mode (sfu.enabled + sfu.url) with a server that has no SFU: the clients
 * derive the room from the session and the first one creates it (a Janus without an
 * admin_key, as README says for this case); both decode each other through it. */
static void
test_config_forced (void)
{
  const char *extra[] = { "--host", netns.addr_a, "--rate-limit", "0", NULL };
  TestJanus *open_janus = NULL;
  g_autoptr (ZeroTestProc) signaling = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *forced_path = g_strdup_printf ("%s/zero-sfu-forced-%d.yaml", g_get_tmp_dir (),
                                                  getpid ());
  g_autofree char *config = NULL;
  g_autofree char *cli = zero_test_find_program ("zero-cli");
  g_autofree char *sid = zero_uuid_generate ();
  ZeroTestProc *procs[2];
  char *ids[2];

  open_janus = test_janus_start_full (netns.addr_a, WS_PORT + 10, NULL, 60, "41000-41999");
  config = g_strdup_printf ("sfu:\n  enabled: true\n  url: \"%s\"\n", open_janus->url);
  g_assert_true (g_file_set_contents (forced_path, config, -1, &error));
  signaling = zero_test_proc_spawn_signaling (&signaling_url, extra, &error);
  g_assert_no_error (error);

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("forced%d", i + 1);
      g_autofree char *chat = g_strdup_printf ("forced hello %d", i + 1);
      const char *argv[] = { cli, "--json", "--config", forced_path, "--server", signaling_url,
                             "--name", label, "--chat", chat, "--video-source", "test",
                             "--audio-source", "test", "--audio-output", "none",
                             "--resolution", "320x240", "--fps", "15", "--stats-interval",
                             "500", i == 0 ? "--create" : "--join", i == 0 ? "--session" : sid,
                             i == 0 ? sid : NULL, NULL };
      JsonObject *joined;

      procs[i] = zero_test_proc_spawn (label, argv, &error);
      g_assert_no_error (error);
      joined = zero_test_proc_wait_event (procs[i], "joined", NULL, NULL, scaled (20000));
      g_assert_nonnull (joined);
      ids[i] = g_strdup (zero_test_json_string (joined, "peer_id"));
    }
  for (int i = 0; i < 2; i++)
    {
      JsonObject *mode = zero_test_proc_wait_event (procs[i], "mode", NULL, NULL, scaled (10000));
      JsonObject *chat;

      /* Straight to the room: never a mesh. */
      g_assert_nonnull (mode);
      g_assert_cmpstr (zero_test_json_string (mode, "mode"), ==, "sfu");
      g_assert_nonnull (zero_test_proc_wait_event (procs[i], "first-frame", "kind", "video",
                                                   scaled (30000)));
      g_assert_nonnull (zero_test_proc_wait_event (procs[i], "first-frame", "kind", "audio",
                                                   scaled (30000)));
      chat = zero_test_proc_wait_event (procs[i], "chat", "from", ids[1 - i], scaled (10000));
      g_assert_nonnull (chat);
      g_assert_null (zero_test_proc_find_event (procs[i], "mode", "mode", "mesh"));
    }
  for (int i = 0; i < 2; i++)
    {
      zero_test_proc_kill (procs[i], SIGTERM);
      g_assert_true (zero_test_proc_wait_exit (procs[i], scaled (15000)));
      g_assert_cmpint (zero_test_proc_get_exit_code (procs[i]), ==, 0);
      zero_test_proc_free (procs[i]);
      g_free (ids[i]);
    }
  g_unlink (forced_path);
  g_clear_pointer (&signaling_url, g_free);
  test_janus_free (open_janus);
}

int
main (int argc, char **argv)
{
  int status;

  sfu_test_enter_netns (&netns);
  g_test_init (&argc, &argv, NULL);

  janus = test_janus_start (netns.addr_a, WS_PORT, ADMIN_KEY, 60);
  g_test_add_func ("/sfu/integration/five-clients", test_five_clients);
  g_test_add_func ("/sfu/integration/config-forced", test_config_forced);
  status = g_test_run ();
  test_janus_stop (janus, FALSE);
  test_janus_free (janus);
  return status;
}

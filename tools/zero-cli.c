/* zero-cli: the headless Zero client (CLI.md), a thin main() over ZeroSessionManager.
 *
 * With --json, stdout carries one JSON object per line and nothing else: {"event": NAME, ...}
 * for joined, peer-joined, peer-left, peer-state, data-open, first-frame, chat, stats, error,
 * and summary, always the last line. Logs go to stderr. Options override config.yaml in
 * memory (never saved). Exit codes: 0 done; 1 --expect-peers not met; 2 usage, config or
 * media error; 3 the signaling server could not be reached or refused us.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "camera/zero-frame-stamp.h"
#include "config/zero-config.h"
#include "signaling/zero-json.h"
#include "webrtc/zero-peer.h"
#include "sessionmanager/zero-participant.h"
#include "sessionmanager/zero-session-manager.h"
#include "sessionmanager/zero-session-sfu.h"
#include "tools/zero-tool.h"
#include "zero-build-config.h"

#define EXIT_OK 0
#define EXIT_UNMET 1
#define EXIT_USAGE 2
#define EXIT_SIGNALING 3

/* After leaving, the `leave` and the WebSocket close need a moment to go out. */
#define LEAVE_GRACE_MS 150

typedef struct {
  char *config;
  char *server;
  gboolean create;
  char *session;
  char *join;
  char *name;
  char *password;
  char *token;
  char *role;
  char *video_source;
  char *video_device;
  char *audio_source;
  char *audio_device;
  char *audio_output;
  char *resolution;
  int fps;
  char *codec;
  char *loopback;
  gboolean echo;
  char **chats;
  int seconds;
  int expect_peers;
  gboolean json;
  int stats_interval;
  gboolean stamp;
  int gap_events;
  char *screen;
  gboolean muted;
  gboolean no_video;
  gboolean version;
} Options;

/* What we know of one remote peer, kept after it leaves (for the summary). */
typedef struct {
  char *id;
  char *name;
  ZeroParticipant *participant; /* while present */
  gboolean connected;
  ZeroParticipantState last_state;
  gboolean announced_state;
  gboolean data_open;
  guint64 video_frames;
  guint64 audio_frames;
  guint64 chats;
  JsonNode *info;
  gboolean got_first[3];
  gboolean sends_video;         /* its `state` said video: true at some point */
  gboolean has_state;
  guint64 nonblack_frames;      /* decoded frames that are not uniform (a real picture) */
  guint64 moving_frames;        /* ... that differ from the one before */
  guint32 last_signature;
  GArray *latencies_ms;         /* --stamp: capture-to-decode, per stamped frame */
  double last_kbps_in;
  /* Freezes, seen from the main loop's arrival of decoded video frames (µs, monotonic). */
  gint64 last_video_us;         /* 0: no frame yet */
  gint64 max_gap_us;            /* the whole run */
  gint64 window_gap_us;         /* since the previous stats line */
  guint64 freezes;              /* gaps of FREEZE_GAP_US or more */
} PeerRecord;

/* A gap between two decoded video frames this long is a freeze (for the summary's count). */
#define FREEZE_GAP_US (1000 * G_TIME_SPAN_MILLISECOND)

static Options opt = { .fps = -1, .seconds = -1, .expect_peers = -1, .stats_interval = 1000,
                       .gap_events = 0 };
static GMainLoop *loop;
static ZeroSessionManager *manager;
static GHashTable *records;       /* id -> PeerRecord */
static GPtrArray *record_order;   /* ids */
static int exit_code = EXIT_OK;
static gboolean finished;
static gboolean leaving;

/* --- output -------------------------------------------------------------- */

/* JSON text with short numbers (json-glib prints doubles with 17 digits). */
static void
append_json (GString  *out,
             JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (node);
        g_autoptr (GList) members = json_object_get_members (o);
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        for (GList *l = members; l; l = l->next, first = FALSE)
          {
            if (!first)
              g_string_append_c (out, ',');
            zero_json_append_string (out, l->data, -1);
            g_string_append_c (out, ':');
            append_json (out, json_object_get_member (o, l->data));
          }
        g_string_append_c (out, '}');
        break;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (a); i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_json (out, json_array_get_element (a, i));
          }
        g_string_append_c (out, ']');
        break;
      }
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          zero_json_append_string (out, json_node_get_string (node), -1);
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.12g",
                                                   json_node_get_double (node)));
            break;
          }
        default:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        }
      break;
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

/* Prints one event: JSON with --json, else a line for humans. Takes @b. */
static void
emit (JsonBuilder *b,
      const char  *human)
{
  g_autoptr (JsonBuilder) builder = b;

  json_builder_end_object (builder);
  if (opt.json)
    {
      g_autoptr (JsonNode) root = json_builder_get_root (builder);
      g_autoptr (GString) text = g_string_new (NULL);

      append_json (text, root);
      g_string_append_c (text, '\n');
      fputs (text->str, stdout);
    }
  else if (human)
    {
      fputs (human, stdout);
      fputc ('\n', stdout);
    }
  fflush (stdout);
}

static JsonBuilder *
event (const char *name)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, name);
  return b;
}

static void
add_string (JsonBuilder *b,
            const char  *key,
            const char  *value)
{
  json_builder_set_member_name (b, key);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* -1 (unknown) is null. */
static void
add_number (JsonBuilder *b,
            const char  *key,
            double       value,
            int          decimals)
{
  json_builder_set_member_name (b, key);
  if (value < 0 || !isfinite (value))
    json_builder_add_null_value (b);
  else
    {
      double scale = pow (10, decimals);

      json_builder_add_double_value (b, round (value * scale) / scale);
    }
}

static void
add_int (JsonBuilder *b,
         const char  *key,
         gint64       value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

static void
emit_error (const char *code,
            const char *message)
{
  JsonBuilder *b = event ("error");
  g_autofree char *human = g_strdup_printf ("error: %s", message);

  add_string (b, "code", code);
  add_string (b, "message", message);
  if (!opt.json)
    {
      /* Humans read errors on stderr. */
      g_printerr ("%s\n", human);
      g_object_unref (b);
      return;
    }
  emit (b, NULL);
}

/* --- peers --------------------------------------------------------------- */

static void untrack_participant (PeerRecord *r);

static void
record_free (gpointer data)
{
  PeerRecord *r = data;

  untrack_participant (r);
  g_free (r->id);
  g_free (r->name);
  g_clear_object (&r->participant);
  g_clear_pointer (&r->info, json_node_unref);
  g_array_unref (r->latencies_ms);
  g_free (r);
}

static PeerRecord *
record_for (ZeroParticipant *p)
{
  const char *id = zero_participant_get_peer_id (p);
  PeerRecord *r = g_hash_table_lookup (records, id);

  if (r == NULL)
    {
      r = g_new0 (PeerRecord, 1);
      r->id = g_strdup (id);
      r->name = g_strdup (zero_participant_get_name (p));
      r->latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
      r->last_state = ZERO_PARTICIPANT_STATE_NEW;
      g_hash_table_insert (records, r->id, r);
      g_ptr_array_add (record_order, r->id);
    }
  return r;
}

static void
sync_counters (PeerRecord *r)
{
  ZeroParticipant *p = r->participant;

  if (p == NULL)
    return;
  r->video_frames = MAX (r->video_frames, zero_participant_get_video_frames (p));
  r->audio_frames = MAX (r->audio_frames, zero_participant_get_audio_frames (p));
  r->chats = MAX (r->chats, zero_participant_get_chats (p));
  r->connected = r->connected || zero_participant_was_connected (p);
  if (zero_participant_get_info (p) && r->info == NULL)
    r->info = json_node_copy (zero_participant_get_info (p));
}

static void
on_connection_state (ZeroParticipant *p,
                     GParamSpec      *pspec,
                     PeerRecord      *r)
{
  ZeroParticipantState state = zero_participant_get_connection_state (p);
  JsonBuilder *b;
  g_autofree char *human = NULL;

  if (state == ZERO_PARTICIPANT_STATE_CONNECTED)
    r->connected = TRUE;
  if ((r->announced_state && state == r->last_state) || leaving)
    return;
  r->last_state = state;
  r->announced_state = TRUE;
  b = event ("peer-state");
  add_string (b, "peer_id", r->id);
  add_string (b, "state", zero_participant_state_to_string (state));
  human = g_strdup_printf ("peer %s (%s): %s", r->name, r->id,
                           zero_participant_state_to_string (state));
  emit (b, human);
}

static void
on_data_open (ZeroParticipant *p,
              GParamSpec      *pspec,
              PeerRecord      *r)
{
  JsonBuilder *b;
  g_autofree char *human = NULL;

  if (!zero_participant_is_data_open (p) || r->data_open)
    return;
  r->data_open = TRUE;
  b = event ("data-open");
  add_string (b, "peer_id", r->id);
  human = g_strdup_printf ("data channel to %s open", r->name);
  emit (b, human);

  /* --chat: to every peer once its channel opens, also those who come later. */
  for (guint i = 0; opt.chats && opt.chats[i]; i++)
    {
      g_autoptr (GError) error = NULL;

      if (!zero_session_manager_send_chat_to (manager, p, opt.chats[i], &error))
        emit_error ("chat", error->message);
    }
}

static void
on_info (ZeroParticipant *p,
         GParamSpec      *pspec,
         PeerRecord      *r)
{
  JsonNode *info = zero_participant_get_info (p);

  if (info)
    {
      g_clear_pointer (&r->info, json_node_unref);
      r->info = json_node_copy (info);
    }
}

static void
on_media_state (ZeroParticipant *p,
                GParamSpec      *pspec,
                PeerRecord      *r)
{
  r->has_state = r->has_state || zero_participant_has_state (p);
  r->sends_video = r->sends_video || zero_participant_get_video (p);
}

static void
on_first_frame (ZeroParticipant *p,
                int              kind,
                gint64           ms_since_pair,
                PeerRecord      *r)
{
  JsonBuilder *b;
  g_autofree char *human = NULL;
  double since_join = (g_get_monotonic_time () - zero_session_manager_get_join_time (manager)) /
                      1000.0;
  const char *kind_name = zero_media_kind_to_string (kind);

  if (kind < 0 || kind >= 3 || r->got_first[kind])
    return;
  r->got_first[kind] = TRUE;
  b = event ("first-frame");
  add_string (b, "peer_id", r->id);
  add_string (b, "kind", kind_name);
  add_number (b, "ms_since_join", since_join, 1);
  add_int (b, "ms_since_peer", ms_since_pair);
  human = g_strdup_printf ("first %s frame from %s, %.0f ms after joining", kind_name, r->name,
                           since_join);
  emit (b, human);
}

/* A decoded video frame arrived: measure the gap since the previous one (freezes), and with
 * --gap-events print the long ones, with the arrival time on the machine's monotonic clock so
 * that a test can compare it with its own events (a link restored...). */
static void
note_video_frame (PeerRecord *r)
{
  gint64 now = g_get_monotonic_time ();
  gint64 gap;

  if (r->last_video_us == 0)
    {
      r->last_video_us = now;
      return;
    }
  gap = now - r->last_video_us;
  r->last_video_us = now;
  r->max_gap_us = MAX (r->max_gap_us, gap);
  r->window_gap_us = MAX (r->window_gap_us, gap);
  if (gap >= FREEZE_GAP_US)
    r->freezes++;
  if (opt.gap_events > 0 && gap >= (gint64) opt.gap_events * G_TIME_SPAN_MILLISECOND)
    {
      JsonBuilder *b = event ("frame-gap");
      g_autofree char *human = g_strdup_printf ("video from %s froze for %.0f ms", r->name,
                                                gap / 1000.0);

      add_string (b, "peer_id", r->id);
      add_string (b, "kind", "video");
      add_number (b, "gap_ms", gap / 1000.0, 1);
      add_number (b, "ms_since_join",
                  (now - zero_session_manager_get_join_time (manager)) / 1000.0, 1);
      add_number (b, "mono_ms", now / 1000.0, 1);
      emit (b, human);
    }
}

/* Looks at a decoded frame: is it a picture (not uniform black), did it change, and (with
 * --stamp) how old is it. A sparse grid of luma samples is enough for both. */
static void
on_video_sample (ZeroParticipant *p,
                 int              kind,
                 GstSample       *sample,
                 PeerRecord      *r)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstCaps *caps = gst_sample_get_caps (sample);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  double sum = 0, sum2 = 0;
  guint32 signature = 2166136261u;
  guint n = 0;

  if (kind != ZERO_MEDIA_KIND_VIDEO || caps == NULL || buffer == NULL)
    return;
  note_video_frame (r);
  if (!gst_video_info_from_caps (&info, caps) || !GST_VIDEO_INFO_IS_YUV (&info))
    return;
  if (!gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return;
  {
    const guint8 *y = GST_VIDEO_FRAME_COMP_DATA (&frame, 0);
    int stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0);
    int pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0);
    int w = GST_VIDEO_FRAME_COMP_WIDTH (&frame, 0);
    int h = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, 0);
    int step_x = MAX (w / 40, 1), step_y = MAX (h / 30, 1);

    for (int row = step_y / 2; row < h; row += step_y)
      for (int col = step_x / 2; col < w; col += step_x)
        {
          guint8 v = y[row * stride + col * pstride];

          sum += v;
          sum2 += (double) v * v;
          n++;
          /* Coarse (v / 8): encoder noise does not count as motion. */
          signature = (signature ^ (v >> 3)) * 16777619u;
        }
  }
  if (opt.stamp)
    {
      gint64 stamp = zero_frame_stamp_read (&frame);

      if (stamp != ZERO_FRAME_STAMP_NONE)
        {
          double ms = zero_frame_stamp_elapsed (stamp, zero_frame_stamp_now ()) / 1000.0;

          g_array_append_val (r->latencies_ms, ms);
        }
    }
  gst_video_frame_unmap (&frame);
  if (n > 0)
    {
      double mean = sum / n;
      double sd = sqrt (MAX (sum2 / n - mean * mean, 0));

      if (sd > 3 || mean > 40)
        r->nonblack_frames++;
      if (signature != r->last_signature)
        r->moving_frames++;
      r->last_signature = signature;
    }
}

static void
on_stats_updated (ZeroParticipant *p,
                  PeerRecord      *r)
{
  JsonBuilder *b;
  g_autofree char *human = NULL;

  sync_counters (r);
  if (zero_participant_get_connection_state (p) != ZERO_PARTICIPANT_STATE_CONNECTED)
    return;
  b = event ("stats");
  add_string (b, "peer_id", r->id);
  add_number (b, "rtt_ms", zero_participant_get_rtt_ms (p), 1);
  add_number (b, "fps_in", zero_participant_get_fps_in (p), 1);
  add_number (b, "kbps_in", zero_participant_get_kbps_in (p), 1);
  add_number (b, "kbps_out", zero_participant_get_kbps_out (p), 1);
  add_number (b, "loss", zero_participant_get_loss (p), 4);
  /* Extensions: counters, so that scripts can watch them grow. */
  add_int (b, "video_frames", (gint64) r->video_frames);
  add_int (b, "audio_frames", (gint64) r->audio_frames);
  add_int (b, "quality", zero_participant_get_quality (p));
  /* The longest wait for a video frame since the previous line, the one still running
   * included (null before the first frame). */
  if (r->last_video_us != 0)
    {
      gint64 open_gap = g_get_monotonic_time () - r->last_video_us;

      add_number (b, "max_frame_gap_ms", MAX (r->window_gap_us, open_gap) / 1000.0, 1);
    }
  else
    add_number (b, "max_frame_gap_ms", -1, 1);
  add_number (b, "mono_ms", g_get_monotonic_time () / 1000.0, 1);
  r->window_gap_us = 0;
  if (opt.stamp && r->latencies_ms->len > 0)
    add_number (b, "latency_ms",
                g_array_index (r->latencies_ms, double, r->latencies_ms->len - 1), 1);
  human = g_strdup_printf ("stats %s: rtt %.0f ms, %.1f fps in, %.0f kbps in, %.0f kbps out",
                           r->name, zero_participant_get_rtt_ms (p),
                           zero_participant_get_fps_in (p), zero_participant_get_kbps_in (p),
                           zero_participant_get_kbps_out (p));
  emit (b, human);
}

static void
track_participant (ZeroParticipant *p)
{
  PeerRecord *r = record_for (p);

  g_set_object (&r->participant, p);
  g_signal_connect (p, "notify::connection-state", G_CALLBACK (on_connection_state), r);
  g_signal_connect (p, "notify::data-open", G_CALLBACK (on_data_open), r);
  g_signal_connect (p, "notify::info", G_CALLBACK (on_info), r);
  g_signal_connect (p, "notify::video", G_CALLBACK (on_media_state), r);
  g_signal_connect (p, "notify::audio", G_CALLBACK (on_media_state), r);
  g_signal_connect (p, "first-frame", G_CALLBACK (on_first_frame), r);
  g_signal_connect (p, "video-sample", G_CALLBACK (on_video_sample), r);
  g_signal_connect (p, "stats-updated", G_CALLBACK (on_stats_updated), r);
}

static void
untrack_participant (PeerRecord *r)
{
  if (r->participant == NULL)
    return;
  sync_counters (r);
  g_signal_handlers_disconnect_by_data (r->participant, r);
  g_clear_object (&r->participant);
}

static void
on_participant_added (ZeroSessionManager *sm,
                      ZeroParticipant    *p,
                      gpointer            data)
{
  JsonBuilder *b;
  g_autofree char *human = NULL;

  if (zero_participant_is_self (p))
    return;
  track_participant (p);
  if (zero_session_manager_get_state (sm) != ZERO_SESSION_STATE_JOINED)
    return; /* those in the welcome are listed by `joined` */
  b = event ("peer-joined");
  add_string (b, "peer_id", zero_participant_get_peer_id (p));
  add_string (b, "name", zero_participant_get_name (p));
  human = g_strdup_printf ("%s (%s) joined", zero_participant_get_name (p),
                           zero_participant_get_peer_id (p));
  emit (b, human);
}

static guint trim_id;

static gboolean
on_trim (gpointer data)
{
  trim_id = 0;
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

static void
on_participant_removed (ZeroSessionManager *sm,
                        ZeroParticipant    *p,
                        const char         *reason,
                        gpointer            data)
{
  PeerRecord *r = g_hash_table_lookup (records, zero_participant_get_peer_id (p));
  JsonBuilder *b;
  g_autofree char *human = NULL;

  if (r)
    untrack_participant (r);
  /* A connection's streaming threads each leave a malloc arena behind, mostly free: give
   * that memory back to the system once the peer is gone (a long-running client sees many
   * peers come and go). */
  if (trim_id == 0)
    trim_id = g_timeout_add (2000, on_trim, NULL);
  if (leaving || zero_participant_is_self (p))
    return;
  b = event ("peer-left");
  add_string (b, "peer_id", zero_participant_get_peer_id (p));
  add_string (b, "reason", reason);
  human = g_strdup_printf ("%s (%s) left: %s", zero_participant_get_name (p),
                           zero_participant_get_peer_id (p), reason);
  emit (b, human);
}

static void
on_chat_received (ZeroSessionManager *sm,
                  ZeroParticipant    *p,
                  const char         *text,
                  gint64              ts,
                  const char         *id,
                  gpointer            data)
{
  JsonBuilder *b = event ("chat");
  g_autofree char *human = g_strdup_printf ("<%s> %s", zero_participant_get_name (p), text);
  PeerRecord *r = g_hash_table_lookup (records, zero_participant_get_peer_id (p));

  if (r)
    r->chats = MAX (r->chats, zero_participant_get_chats (p));
  add_string (b, "from", zero_participant_get_peer_id (p));
  add_string (b, "text", text);
  add_string (b, "id", id);
  add_int (b, "ts", ts);
  emit (b, human);
}

static void
on_message (ZeroSessionManager *sm,
            const char         *text,
            gboolean            is_error,
            gpointer            data)
{
  g_printerr ("%s%s\n", is_error ? "warning: " : "", text);
}

/* --- summary and exit ---------------------------------------------------- */

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted,
            double  q)
{
  guint i;

  if (sorted->len == 0)
    return -1;
  i = (guint) MIN ((double) sorted->len - 1, floor (q * (sorted->len - 1) + 0.5));
  return g_array_index (sorted, double, i);
}

/* A peer counts when it connected and we decoded its video (or its audio, when one of us
 * sends no video). */
static gboolean
peer_met (PeerRecord *r)
{
  ZeroMediaSource *media = zero_session_manager_get_media_source (manager);
  gboolean local_video = media && zero_media_source_has_kind (media, ZERO_MEDIA_KIND_VIDEO) &&
                         !opt.echo;
  gboolean remote_video = !r->has_state || r->sends_video;

  if (!r->connected)
    return FALSE;
  if (r->video_frames > 0)
    return TRUE;
  return r->audio_frames > 0 && (!local_video || !remote_video);
}

static void
print_summary (void)
{
  JsonBuilder *b = event ("summary");
  struct rusage ru;
  guint met = 0;
  g_autoptr (GString) human = g_string_new ("summary:");

  json_builder_set_member_name (b, "peers");
  json_builder_begin_object (b);
  for (guint i = 0; record_order && i < record_order->len; i++)
    {
      PeerRecord *r = g_hash_table_lookup (records, g_ptr_array_index (record_order, i));

      sync_counters (r);
      if (peer_met (r))
        met++;
      json_builder_set_member_name (b, r->id);
      json_builder_begin_object (b);
      add_string (b, "name", r->name);
      json_builder_set_member_name (b, "connected");
      json_builder_add_boolean_value (b, r->connected);
      add_int (b, "video_frames", (gint64) r->video_frames);
      add_int (b, "audio_frames", (gint64) r->audio_frames);
      add_int (b, "chats", (gint64) r->chats);
      json_builder_set_member_name (b, "info");
      if (r->info)
        json_builder_add_value (b, json_node_copy (r->info));
      else
        json_builder_add_null_value (b);
      add_int (b, "nonblack_frames", (gint64) r->nonblack_frames);
      add_int (b, "moving_frames", (gint64) r->moving_frames);
      add_number (b, "max_frame_gap_ms", r->last_video_us ? r->max_gap_us / 1000.0 : -1, 1);
      add_int (b, "freezes", (gint64) r->freezes);
      if (opt.stamp)
        {
          g_autoptr (GArray) sorted = g_array_copy (r->latencies_ms);

          g_array_sort (sorted, compare_double);
          json_builder_set_member_name (b, "latency_ms");
          json_builder_begin_object (b);
          add_number (b, "p50", percentile (sorted, 0.5), 1);
          add_number (b, "p95", percentile (sorted, 0.95), 1);
          add_int (b, "n", sorted->len);
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
      g_string_append_printf (human, "\n  %s (%s): %s, %" G_GUINT64_FORMAT " video frames, %"
                              G_GUINT64_FORMAT " audio frames, %" G_GUINT64_FORMAT " chats",
                              r->name, r->id, r->connected ? "connected" : "never connected",
                              r->video_frames, r->audio_frames, r->chats);
    }
  json_builder_end_object (b);

  /* Extensions: what we sent (the camera actually captured, or black). */
  {
    ZeroMediaSource *media = manager ? zero_session_manager_get_media_source (manager) : NULL;

    json_builder_set_member_name (b, "media");
    if (media)
      {
        ZeroMediaStats ms;
        g_autofree char *video = zero_media_source_dup_video_capture (media);
        g_autofree char *audio = zero_media_source_dup_audio_capture (media);

        zero_media_source_get_stats (media, &ms);
        json_builder_begin_object (b);
        add_string (b, "video_capture", video);
        add_string (b, "audio_capture", audio);
        add_int (b, "captured_video_frames", (gint64) ms.video_frames);
        add_int (b, "sent_video_frames", (gint64) ms.sent_video_frames);
        add_int (b, "black_video_frames", (gint64) ms.black_video_frames);
        add_int (b, "encoded_video_frames", (gint64) ms.encoded_video_frames);
        add_int (b, "audio_buffers", (gint64) ms.audio_buffers);
        add_int (b, "video_bitrate_kbps", ms.video_bitrate_kbps);
        json_builder_end_object (b);
      }
    else
      json_builder_add_null_value (b);
  }

  getrusage (RUSAGE_SELF, &ru);
  add_number (b, "cpu_s",
              ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
                (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6, 3);
  add_int (b, "max_rss_kb", ru.ru_maxrss);
  add_int (b, "exit_code", exit_code);
  if (opt.expect_peers >= 0)
    {
      add_int (b, "expect_peers", opt.expect_peers);
      add_int (b, "peers_met", met);
    }
  emit (b, human->str);
}

static gboolean
on_grace_over (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Leaves (if joined), settles the exit code, prints the summary, and stops. */
static void
finish (int code)
{
  guint met = 0;

  if (finished)
    return;
  finished = TRUE;
  if (exit_code == EXIT_OK)
    exit_code = code;
  if (manager)
    {
      leaving = TRUE;
      zero_session_manager_leave (manager);
    }
  if (exit_code == EXIT_OK && opt.expect_peers >= 0)
    {
      for (guint i = 0; i < record_order->len; i++)
        if (peer_met (g_hash_table_lookup (records, g_ptr_array_index (record_order, i))))
          met++;
      if (met < (guint) opt.expect_peers)
        {
          g_autofree char *msg = g_strdup_printf ("expected %d peers connected with decoded "
                                                  "media, got %u", opt.expect_peers, met);

          exit_code = EXIT_UNMET;
          emit_error ("expectations", msg);
        }
    }
  print_summary ();
  g_timeout_add (LEAVE_GRACE_MS, on_grace_over, NULL);
}

static gboolean
on_signal (gpointer data)
{
  g_debug ("signal %d: leaving", GPOINTER_TO_INT (data));
  finish (EXIT_OK);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_seconds_over (gpointer data)
{
  finish (EXIT_OK);
  return G_SOURCE_REMOVE;
}

/* Extensions for SFU mode (issue 5): `mode` when the call's media path changes ("mesh",
 * "sfu" with its room), and `upload` every stats interval: what we send, summed over our
 * connections (kbps_out, outbound video/audio RTP streams), the same in both modes. */
static guint upload_timer_id;
static char *last_mode;

static gboolean
on_upload_tick (gpointer data)
{
  ZeroSessionUpload up;
  JsonBuilder *b;
  g_autofree char *human = NULL;

  if (finished || leaving || !zero_session_manager_get_upload (manager, &up))
    return G_SOURCE_CONTINUE;
  if (g_strcmp0 (last_mode, up.mode) != 0)
    {
      g_free (last_mode);
      last_mode = g_strdup (up.mode);
      b = event ("mode");
      add_string (b, "mode", up.mode);
      if (up.room)
        add_int (b, "room", (gint64) up.room);
      human = g_strdup_printf ("media path: %s", up.mode);
      emit (b, human);
      g_clear_pointer (&human, g_free);
    }
  b = event ("upload");
  add_string (b, "mode", up.mode);
  add_int (b, "connections", up.connections);
  add_number (b, "kbps_out", up.kbps_out, 1);
  add_int (b, "video_streams_out", up.video_streams_out);
  add_int (b, "audio_streams_out", up.audio_streams_out);
  add_int (b, "video_connections_out", up.video_connections_out);
  human = g_strdup_printf ("upload (%s): %.0f kbps, video on %d connections (%d streams), %d "
                           "audio streams", up.mode, up.kbps_out, up.video_connections_out,
                           up.video_streams_out, up.audio_streams_out);
  emit (b, human);
  return G_SOURCE_CONTINUE;
}

/* `joined`, on every welcome (a re-join after a lost connection brings a new peer id). */
static void
print_joined (void)
{
  GListModel *list;
  JsonBuilder *b;
  g_autofree char *human = NULL;

  b = event ("joined");
  add_string (b, "session", zero_session_manager_get_session_id (manager));
  add_string (b, "peer_id", zero_session_manager_get_peer_id (manager));
  json_builder_set_member_name (b, "peers");
  json_builder_begin_array (b);
  list = zero_session_manager_get_participants (manager);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (ZeroParticipant) p = g_list_model_get_item (list, i);

      if (!zero_participant_is_self (p))
        json_builder_add_string_value (b, zero_participant_get_peer_id (p));
    }
  json_builder_end_array (b);
  /* Extension: the link to share. */
  {
    g_autofree char *link = zero_session_make_link (zero_session_manager_get_server (manager),
                                                    zero_session_manager_get_session_id (manager));

    add_string (b, "link", link);
  }
  human = g_strdup_printf ("joined session %s as %s", zero_session_manager_get_session_id (manager),
                           zero_session_manager_get_peer_id (manager));
  emit (b, human);
  if (upload_timer_id == 0 && opt.stats_interval > 0)
    upload_timer_id = g_timeout_add (opt.stats_interval, on_upload_tick, NULL);

}

static void
on_state_changed (ZeroSessionManager *sm,
                  ZeroSessionState    state,
                  gpointer            data)
{
  if (state == ZERO_SESSION_STATE_JOINED && !finished)
    print_joined ();
  /* A re-join the server refused ends the call. */
  if (state == ZERO_SESSION_STATE_LEFT && !finished)
    {
      emit_error ("refused", "the signaling server refused to take us back");
      finish (EXIT_SIGNALING);
    }
}

static const char *
join_error_code (const GError *error)
{
  if (error->domain != ZERO_SESSION_ERROR)
    return "failed";
  switch ((ZeroSessionError) error->code)
    {
    case ZERO_SESSION_ERROR_INVALID_ID: return "invalid-session";
    case ZERO_SESSION_ERROR_INVALID_NAME: return "invalid-name";
    case ZERO_SESSION_ERROR_INVALID_SERVER: return "invalid-server";
    case ZERO_SESSION_ERROR_UNREACHABLE: return "unreachable";
    case ZERO_SESSION_ERROR_NO_SUCH_SESSION: return "no-such-session";
    case ZERO_SESSION_ERROR_SESSION_FULL: return "session-full";
    case ZERO_SESSION_ERROR_AUTH: return "auth-failed";
    case ZERO_SESSION_ERROR_REFUSED: return "refused";
    case ZERO_SESSION_ERROR_MEDIA: return "media";
    case ZERO_SESSION_ERROR_STATE:
    case ZERO_SESSION_ERROR_INVALID_ARGUMENT:
    default: return "failed";
    }
}

static int
join_error_exit (const GError *error)
{
  if (error->domain != ZERO_SESSION_ERROR)
    return EXIT_SIGNALING;
  switch ((ZeroSessionError) error->code)
    {
    case ZERO_SESSION_ERROR_UNREACHABLE:
    case ZERO_SESSION_ERROR_NO_SUCH_SESSION:
    case ZERO_SESSION_ERROR_SESSION_FULL:
    case ZERO_SESSION_ERROR_AUTH:
    case ZERO_SESSION_ERROR_REFUSED:
      return EXIT_SIGNALING;
    default:
      return EXIT_USAGE;
    }
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr (GError) error = NULL;

  if (!zero_session_manager_join_finish (manager, result, &error))
    {
      if (finished)
        return;
      emit_error (join_error_code (error), error->message);
      finish (join_error_exit (error));
      return;
    }

  if (opt.screen)
    {
      g_autoptr (GError) screen_error = NULL;

      if (!zero_session_manager_start_screen_share_target (
            manager, g_strcmp0 (opt.screen, "test") == 0 ? NULL : opt.screen, &screen_error))
        emit_error ("screen", screen_error->message);
    }
}

/* --- options ------------------------------------------------------------- */

static gboolean
set_config (ZeroConfig *config,
            const char *option,
            const char *key,
            const char *value,
            GError    **error)
{
  g_autoptr (GError) local = NULL;

  if (value == NULL)
    return TRUE;
  if (!zero_config_set_string (config, key, value, &local))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s", option,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_options (ZeroConfig *config,
               GError    **error)
{
  g_autoptr (GError) local = NULL;

  if (opt.create == (opt.join != NULL))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           "give either --create (optionally with --session UUID) or "
                           "--join UUID");
      return FALSE;
    }
  if (opt.session && !opt.create)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           "--session goes with --create (use --join UUID to join)");
      return FALSE;
    }
  if (opt.role && g_strcmp0 (opt.role, "participant") != 0 && g_strcmp0 (opt.role, "viewer") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--role: expected participant or viewer, got \"%s\"", opt.role);
      return FALSE;
    }
  if (opt.seconds < -1 || opt.expect_peers < -1 || opt.stats_interval < 0 || opt.gap_events < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--seconds, --expect-peers, --stats-interval and --gap-events take "
                           "numbers >= 0");
      return FALSE;
    }
  if (!set_config (config, "--server", "signaling.server_address", opt.server, error) ||
      !set_config (config, "--video-source", "media.video.source", opt.video_source, error) ||
      !set_config (config, "--video-device", "media.video.device", opt.video_device, error) ||
      !set_config (config, "--audio-source", "media.audio.source", opt.audio_source, error) ||
      !set_config (config, "--audio-device", "media.audio.device", opt.audio_device, error) ||
      !set_config (config, "--audio-output", "media.audio.output", opt.audio_output, error) ||
      !set_config (config, "--resolution", "media.video.resolution", opt.resolution, error) ||
      !set_config (config, "--codec", "media.video.codec", opt.codec, error) ||
      !set_config (config, "--loopback-candidates", "webrtc.loopback_candidates", opt.loopback,
                   error))
    return FALSE;
  if (opt.fps != -1 && !zero_config_set_int (config, "media.video.fps", opt.fps, &local))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--fps: %s", local->message);
      return FALSE;
    }
  /* A headless client plays nothing unless asked to (no sound card needed). */
  if (opt.audio_output == NULL && !zero_config_is_set (config, "media.audio.output"))
    zero_config_set_string (config, "media.audio.output", "none", NULL);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt.config, "Read this config.yaml", "FILE" },
    { "server", 0, 0, G_OPTION_ARG_STRING, &opt.server,
      "Signaling server: HOST:PORT or ws(s):// URL", "URL" },
    { "create", 0, 0, G_OPTION_ARG_NONE, &opt.create, "Create the session", NULL },
    { "session", 0, 0, G_OPTION_ARG_STRING, &opt.session,
      "With --create: the session to create (default: a new one)", "UUID" },
    { "join", 0, 0, G_OPTION_ARG_STRING, &opt.join, "Join this session (UUID or zero:// link)",
      "UUID" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt.name, "Display name", "NAME" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &opt.password, "Session password", "P" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &opt.token, "Join token (JWT)", "T" },
    { "role", 0, 0, G_OPTION_ARG_STRING, &opt.role, "participant (default) or viewer", "ROLE" },
    { "video-source", 0, 0, G_OPTION_ARG_STRING, &opt.video_source,
      "auto, pipewire, v4l2, test or none", "SRC" },
    { "video-device", 0, 0, G_OPTION_ARG_STRING, &opt.video_device,
      "Camera: PipeWire serial or node name, or V4L2 path", "ID" },
    { "audio-source", 0, 0, G_OPTION_ARG_STRING, &opt.audio_source,
      "auto, pipewire, test or none", "SRC" },
    { "audio-device", 0, 0, G_OPTION_ARG_STRING, &opt.audio_device,
      "Microphone: PipeWire serial or node name", "ID" },
    { "audio-output", 0, 0, G_OPTION_ARG_STRING, &opt.audio_output,
      "Playback: auto, pipewire or none (default: none, unless config.yaml sets it)", "OUT" },
    { "resolution", 0, 0, G_OPTION_ARG_STRING, &opt.resolution, "HD, FullHD or WxH", "RES" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &opt.fps, "Frames per second", "N" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &opt.codec, "vp8 or h264", "CODEC" },
    { "loopback-candidates", 0, 0, G_OPTION_ARG_STRING, &opt.loopback,
      "Gather 127.0.0.1: auto, true or false", "WHEN" },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &opt.echo,
      "Send each peer back the media it sends (test call)", NULL },
    { "chat", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.chats,
      "Send TEXT to every peer once its channel opens (repeatable)", "TEXT" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt.seconds, "Leave after N seconds", "N" },
    { "expect-peers", 0, 0, G_OPTION_ARG_INT, &opt.expect_peers,
      "Exit 1 unless N peers connected with decoded media", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt.json, "Print JSON lines on stdout", NULL },
    { "stats-interval", 0, 0, G_OPTION_ARG_INT, &opt.stats_interval,
      "Milliseconds between stats events (default 1000; 0: none)", "MS" },
    { "stamp", 0, 0, G_OPTION_ARG_NONE, &opt.stamp,
      "Stamp sent frames with the capture time, and measure received frames' latency", NULL },
    { "gap-events", 0, 0, G_OPTION_ARG_INT, &opt.gap_events,
      "Print a frame-gap event when decoded video resumes after MS or more (0: never)", "MS" },
    { "screen", 0, 0, G_OPTION_ARG_STRING, &opt.screen,
      "Share a screen once joined: a PipeWire node, or \"test\" for a pattern", "TARGET" },
    { "mute", 0, 0, G_OPTION_ARG_NONE, &opt.muted, "Start with the microphone muted", NULL },
    { "no-video", 0, 0, G_OPTION_ARG_NONE, &opt.no_video, "Start with the camera off", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt.version, "Print the version", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroConfig) config = NULL;
  ZeroJoinOptions join;

  /* Each GStreamer streaming thread would otherwise get its own malloc arena, whose freed
   * memory the others cannot reuse: over 200 peers joining and leaving, RSS grew 5.4 MB
   * with the default (8 arenas per core) and 2.6 MB with two (test-leak-cycles). */
  mallopt (M_ARENA_MAX, 2);
  zero_tool_init ();
  records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, record_free);
  record_order = g_ptr_array_new ();
  loop = g_main_loop_new (NULL, FALSE);

  context = g_option_context_new ("- the headless Zero client");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  g_option_context_set_description (context,
                                    "Events go to stdout (with --json: one JSON object per "
                                    "line); logs go to stderr.\nExit: 0 done, 1 --expect-peers "
                                    "not met, 2 usage/config/media error, 3 signaling "
                                    "unreachable or refused.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      /* --json may not have been seen: look for it, so that the contract holds. */
      for (int i = 1; i < argc; i++)
        opt.json = opt.json || g_strcmp0 (argv[i], "--json") == 0;
      emit_error ("usage", error->message);
      exit_code = EXIT_USAGE;
      if (opt.json)
        print_summary ();
      return EXIT_USAGE;
    }
  if (opt.version)
    {
      printf ("zero-cli %s\n", ZERO_VERSION);
      return EXIT_OK;
    }
  if (argc > 1)
    {
      g_autofree char *msg = g_strdup_printf ("unexpected argument \"%s\"", argv[1]);

      emit_error ("usage", msg);
      exit_code = EXIT_USAGE;
      if (opt.json)
        print_summary ();
      return EXIT_USAGE;
    }

  config = zero_config_load (opt.config, &error);
  if (config == NULL)
    {
      emit_error ("config", error->message);
      exit_code = EXIT_USAGE;
      if (opt.json)
        print_summary ();
      return EXIT_USAGE;
    }
  for (guint i = 0; i < zero_config_get_warnings (config)->len; i++)
    g_printerr ("warning: %s\n", (char *) g_ptr_array_index (zero_config_get_warnings (config), i));
  if (!apply_options (config, &error))
    {
      emit_error ("usage", error->message);
      exit_code = EXIT_USAGE;
      if (opt.json)
        print_summary ();
      return EXIT_USAGE;
    }

  gst_init (NULL, NULL);
  /* GStreamer makes an RSA key for its first DTLS element: start it now, while we connect
   * to the server, not when the first offer arrives (join-to-first-frame). */
  zero_peer_prewarm ();
  manager = g_object_new (ZERO_TYPE_SESSION_MANAGER, "config", config, "echo", opt.echo,
                          "frame-stamp", opt.stamp, "stats-interval", (guint) opt.stats_interval,
                          NULL);
  g_signal_connect (manager, "participant-added", G_CALLBACK (on_participant_added), NULL);
  g_signal_connect (manager, "participant-removed", G_CALLBACK (on_participant_removed), NULL);
  g_signal_connect (manager, "chat-received", G_CALLBACK (on_chat_received), NULL);
  g_signal_connect (manager, "message", G_CALLBACK (on_message), NULL);
  g_signal_connect (manager, "state-changed", G_CALLBACK (on_state_changed), NULL);
  zero_session_manager_set_audio_muted (manager, opt.muted);
  zero_session_manager_set_video_enabled (manager, !opt.no_video);

  g_unix_signal_add (SIGINT, on_signal, GINT_TO_POINTER (SIGINT));
  g_unix_signal_add (SIGTERM, on_signal, GINT_TO_POINTER (SIGTERM));
  if (opt.seconds >= 0)
    g_timeout_add (opt.seconds * 1000, on_seconds_over, NULL);

  zero_join_options_init (&join);
  join.session = opt.create ? opt.session : opt.join;
  join.create = opt.create;
  join.name = opt.name;
  join.role = g_strcmp0 (opt.role, "viewer") == 0 ? ZERO_ROLE_VIEWER : ZERO_ROLE_PARTICIPANT;
  join.password = opt.password;
  join.token = opt.token;
  join.server = opt.server;
  zero_session_manager_join_async (manager, &join, NULL, on_joined, NULL);

  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (manager, NULL);
  g_hash_table_remove_all (records);
  g_clear_object (&manager);
  g_clear_pointer (&records, g_hash_table_unref);
  g_clear_pointer (&record_order, g_ptr_array_unref);
  g_main_loop_unref (loop);
  g_free (opt.config);
  g_free (opt.server);
  g_free (opt.session);
  g_free (opt.join);
  g_free (opt.name);
  g_free (opt.password);
  g_free (opt.token);
  g_free (opt.role);
  g_free (opt.video_source);
  g_free (opt.video_device);
  g_free (opt.audio_source);
  g_free (opt.audio_device);
  g_free (opt.audio_output);
  g_free (opt.resolution);
  g_free (opt.codec);
  g_free (opt.loopback);
  g_free (opt.screen);
  g_strfreev (opt.chats);
  zero_peer_prewarm_wait ();
  return exit_code;
}

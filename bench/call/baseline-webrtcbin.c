/* baseline-webrtcbin: the plain-webrtcbin baseline of bench/call (issue 3).
 *
 * Two webrtcbins with default settings in one process and one pipeline, signalled in-process.
 * Each end sends `videotestsrc is-live=true` (the pattern Zero's test source uses) → vp8enc
 * (defaults) → rtpvp8pay → webrtcbin, and decodes what it receives: webrtcbin → rtpvp8depay →
 * vp8dec → fakesink (defaults: not synchronised, like Zero's appsink). Nothing is tuned: no
 * jitter-buffer latency, no real-time encoder settings, no certificate, the ICE candidates
 * libnice gathers by itself.
 *
 * Measured the way zero-cli measures Zero, so that the figures compare:
 *  - join: from create-offer to the first decoded frame of the offerer's video at the
 *    answerer (webrtcbin at PLAYING before the clock starts, as zero-cli starts its media
 *    before it joins), for --joins fresh calls in turn;
 *  - capture-to-render: every captured frame gets the capture time drawn into it
 *    (camera/zero-frame-stamp.h, the same stamp as `zero-cli --stamp`) before the encoder,
 *    read back from the decoded frame at the fakesink, both directions;
 *  - what was sent: encoded video bytes per second, frames decoded per second.
 * CPU and RSS are read by the caller from /proc (this is one process for two clients).
 *
 * Output: JSON lines on stdout, progress and errors on stderr.
 *   {"event":"join","index":I,"ms":M,"both_ms":B,"connected_ms":C}
 *   {"event":"steady"}                          the last call runs on, both ends decoding
 *   {"event":"stats","kbps_out":K,"fps_in":F}   every second while steady (per end, mean)
 *   {"event":"summary","latency_ms":{"p50":…,"p95":…,"n":…},"frames_in":N,"cpu_s":…,
 *    "max_rss_kb":…,"exit_code":E}                at the end (--seconds, SIGTERM or SIGINT)
 * Exit: 0 measured, 1 a call failed (no frame in time, pipeline error), 2 bad options.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

#include "camera/zero-frame-stamp.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

typedef struct _Call Call;

typedef struct {
  Call *call;
  const char *name;
  GstElement *webrtc;
  GstVideoInfo send_info;
  /* Under call->lock: */
  gint64 first_frame_us;
  gint64 connected_us;
  guint64 frames_in;
  guint64 bytes_out;
} Side;

struct _Call {
  GstElement *pipeline;
  guint bus_watch;
  Side sides[2];
  gint64 offer_us;
  GMutex lock;
  GArray *latencies_ms;  /* double, both directions, under lock */
  char *error;           /* under lock */
};

static struct {
  int width;
  int height;
  int fps;
  int joins;
  int seconds;
  int timeout;
} opt = { 640, 480, 30, 5, 0, 20 };

static gboolean stop_requested;
static Call *steady_call;
static guint64 last_frames_in, last_bytes_out;
static gint64 last_stats_us;

static void
call_fail (Call       *call,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
call_fail (Call       *call,
           const char *format,
           ...)
{
  va_list args;

  g_mutex_lock (&call->lock);
  if (call->error == NULL)
    {
      va_start (args, format);
      call->error = g_strdup_vprintf (format, args);
      va_end (args);
    }
  g_mutex_unlock (&call->lock);
  g_main_context_wakeup (NULL);
}

static Side *
other_side (Side *side)
{
  return side == &side->call->sides[0] ? &side->call->sides[1] : &side->call->sides[0];
}

/* --- media ----------------------------------------------------------------- */

/* The capture time goes into the raw frame before the encoder sees it. */
static GstPadProbeReturn
on_capture_probe (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         data)
{
  Side *side = data;
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstVideoFrame frame;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (gst_video_frame_map (&frame, &side->send_info, buffer, GST_MAP_WRITE))
    {
      zero_frame_stamp_write (&frame, zero_frame_stamp_now ());
      gst_video_frame_unmap (&frame);
    }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_encoded_probe (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         data)
{
  Side *side = data;

  g_mutex_lock (&side->call->lock);
  side->bytes_out += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  g_mutex_unlock (&side->call->lock);
  return GST_PAD_PROBE_OK;
}

static void
on_handoff (GstElement *sink,
            GstBuffer  *buffer,
            GstPad     *pad,
            gpointer    data)
{
  Side *side = data;
  Call *call = side->call;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstVideoInfo info;
  GstVideoFrame frame;
  gint64 stamp = ZERO_FRAME_STAMP_NONE;
  gint64 now = g_get_monotonic_time ();

  if (caps && gst_video_info_from_caps (&info, caps) &&
      gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    {
      stamp = zero_frame_stamp_read (&frame);
      gst_video_frame_unmap (&frame);
    }

  g_mutex_lock (&call->lock);
  if (side->first_frame_us == 0)
    side->first_frame_us = now;
  side->frames_in++;
  if (stamp != ZERO_FRAME_STAMP_NONE)
    {
      double ms = zero_frame_stamp_elapsed (stamp, zero_frame_stamp_now ()) / 1000.0;

      g_array_append_val (call->latencies_ms, ms);
    }
  g_mutex_unlock (&call->lock);
  g_main_context_wakeup (NULL);
}

/* Received media: depayload, decode, count. Runs on a streaming thread. */
static void
on_pad_added (GstElement *webrtc,
              GstPad     *pad,
              gpointer    data)
{
  Side *side = data;
  Call *call = side->call;
  GstElement *depay, *dec, *sink;
  g_autoptr (GstPad) sinkpad = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  depay = gst_element_factory_make ("rtpvp8depay", NULL);
  dec = gst_element_factory_make ("vp8dec", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  if (!depay || !dec || !sink)
    {
      call_fail (call, "missing rtpvp8depay, vp8dec or fakesink");
      return;
    }
  g_object_set (sink, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), side);
  gst_bin_add_many (GST_BIN (call->pipeline), depay, dec, sink, NULL);
  if (!gst_element_link_many (depay, dec, sink, NULL))
    {
      call_fail (call, "%s: cannot link the decoder", side->name);
      return;
    }
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (dec);
  gst_element_sync_state_with_parent (depay);
  sinkpad = gst_element_get_static_pad (depay, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    call_fail (call, "%s: cannot link %s to the depayloader", side->name, GST_PAD_NAME (pad));
}

static void
on_connection_state (GstElement *webrtc,
                     GParamSpec *pspec,
                     gpointer    data)
{
  Side *side = data;
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  g_mutex_lock (&side->call->lock);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && side->connected_us == 0)
    side->connected_us = g_get_monotonic_time ();
  g_mutex_unlock (&side->call->lock);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    call_fail (side->call, "%s: the connection failed", side->name);
}

/* --- in-process signalling --------------------------------------------------- */

static void
on_ice_candidate (GstElement *webrtc,
                  guint       mline,
                  char       *candidate,
                  gpointer    data)
{
  Side *side = data;

  g_signal_emit_by_name (other_side (side)->webrtc, "add-ice-candidate", mline, candidate);
}

static GstWebRTCSessionDescription *
take_description (Call       *call,
                  GstPromise *promise,
                  const char *field)
{
  const GstStructure *reply;
  GstWebRTCSessionDescription *desc = NULL;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED ||
      (reply = gst_promise_get_reply (promise)) == NULL ||
      !gst_structure_has_field_typed (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION))
    {
      call_fail (call, "create-%s gave no %s", field, field);
      return NULL;
    }
  gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  return desc;
}

static void
on_answer_created (GstPromise *promise,
                   gpointer    data)
{
  Call *call = data;
  GstWebRTCSessionDescription *answer = take_description (call, promise, "answer");

  gst_promise_unref (promise);
  if (answer == NULL)
    return;
  g_signal_emit_by_name (call->sides[1].webrtc, "set-local-description", answer, NULL);
  g_signal_emit_by_name (call->sides[0].webrtc, "set-remote-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
}

static void
on_offer_created (GstPromise *promise,
                  gpointer    data)
{
  Call *call = data;
  GstWebRTCSessionDescription *offer = take_description (call, promise, "offer");

  gst_promise_unref (promise);
  if (offer == NULL)
    return;
  g_signal_emit_by_name (call->sides[0].webrtc, "set-local-description", offer, NULL);
  g_signal_emit_by_name (call->sides[1].webrtc, "set-remote-description", offer, NULL);
  /* webrtcbin runs its operations in order: the answer comes after the remote offer. */
  g_signal_emit_by_name (call->sides[1].webrtc, "create-answer", NULL,
                         gst_promise_new_with_change_func (on_answer_created, call, NULL));
  gst_webrtc_session_description_free (offer);
}

/* --- a call ---------------------------------------------------------------- */

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    data)
{
  Call *call = data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      call_fail (call, "%s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
                 error->message, debug ? debug : "");
    }
  return G_SOURCE_CONTINUE;
}

static void
call_free (Call *call)
{
  if (call->pipeline)
    {
      gst_element_set_state (call->pipeline, GST_STATE_NULL);
      g_clear_handle_id (&call->bus_watch, g_source_remove);
      gst_clear_object (&call->pipeline);
    }
  g_clear_pointer (&call->latencies_ms, g_array_unref);
  g_mutex_clear (&call->lock);
  g_free (call->error);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static Call *
call_new (GError **error)
{
  g_autoptr (Call) call = g_new0 (Call, 1);
  g_autofree char *description = NULL;
  g_autoptr (GstBus) bus = NULL;

  g_mutex_init (&call->lock);
  call->latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
  /* Zero's test source pattern; format fixed to I420 so the stamp writer knows the layout. */
  description = g_strdup_printf (
    "webrtcbin name=a  webrtcbin name=b "
    "videotestsrc is-live=true pattern=smpte horizontal-speed=4 "
    "! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! vp8enc name=enc_a "
    "! rtpvp8pay ! application/x-rtp,media=video,encoding-name=VP8,payload=96 ! a. "
    "videotestsrc is-live=true pattern=smpte horizontal-speed=4 "
    "! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! vp8enc name=enc_b "
    "! rtpvp8pay ! application/x-rtp,media=video,encoding-name=VP8,payload=96 ! b.",
    opt.width, opt.height, opt.fps, opt.width, opt.height, opt.fps);
  call->pipeline = gst_parse_launch (description, error);
  if (call->pipeline == NULL)
    return NULL;
  gst_object_ref_sink (call->pipeline);

  for (int i = 0; i < 2; i++)
    {
      Side *side = &call->sides[i];
      g_autoptr (GstElement) enc = gst_bin_get_by_name (GST_BIN (call->pipeline),
                                                        i == 0 ? "enc_a" : "enc_b");
      g_autoptr (GstPad) enc_sink = gst_element_get_static_pad (enc, "sink");
      g_autoptr (GstPad) enc_src = gst_element_get_static_pad (enc, "src");

      side->call = call;
      side->name = i == 0 ? "offerer" : "answerer";
      side->webrtc = gst_bin_get_by_name (GST_BIN (call->pipeline), i == 0 ? "a" : "b");
      gst_object_unref (side->webrtc); /* the pipeline keeps it */
      gst_video_info_set_format (&side->send_info, GST_VIDEO_FORMAT_I420, opt.width, opt.height);
      gst_pad_add_probe (enc_sink, GST_PAD_PROBE_TYPE_BUFFER, on_capture_probe, side, NULL);
      gst_pad_add_probe (enc_src, GST_PAD_PROBE_TYPE_BUFFER, on_encoded_probe, side, NULL);
      g_signal_connect (side->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), side);
      g_signal_connect (side->webrtc, "pad-added", G_CALLBACK (on_pad_added), side);
      g_signal_connect (side->webrtc, "notify::connection-state",
                        G_CALLBACK (on_connection_state), side);
    }
  bus = gst_element_get_bus (call->pipeline);
  call->bus_watch = gst_bus_add_watch (bus, on_bus_message, call);
  return g_steal_pointer (&call);
}

/* --- main ------------------------------------------------------------------ */

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @call has a first frame at the answerer (and, with
 * @both, at the offerer too), an error, a stop request, or @timeout_ms. */
static gboolean
wait_for_frames (Call    *call,
                 gboolean both,
                 int      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timer = g_timeout_add (timeout_ms, on_timeout, &timed_out);
  gboolean done = FALSE;

  while (!timed_out && !stop_requested)
    {
      g_mutex_lock (&call->lock);
      done = call->sides[1].first_frame_us != 0 &&
             (!both || call->sides[0].first_frame_us != 0);
      done = done || call->error != NULL;
      g_mutex_unlock (&call->lock);
      if (done)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (timer);
  return done && call->error == NULL;
}

static gboolean
on_stop_signal (gpointer data)
{
  stop_requested = TRUE;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stats_tick (gpointer data)
{
  Call *call = steady_call;
  gint64 now = g_get_monotonic_time ();
  guint64 frames, bytes;
  double dt = (now - last_stats_us) / 1e6;

  g_mutex_lock (&call->lock);
  frames = call->sides[0].frames_in + call->sides[1].frames_in;
  bytes = call->sides[0].bytes_out + call->sides[1].bytes_out;
  g_mutex_unlock (&call->lock);
  if (dt > 0)
    printf ("{\"event\":\"stats\",\"kbps_out\":%.1f,\"fps_in\":%.1f}\n",
            (bytes - last_bytes_out) * 8 / 1000.0 / dt / 2, (frames - last_frames_in) / dt / 2);
  fflush (stdout);
  last_frames_in = frames;
  last_bytes_out = bytes;
  last_stats_us = now;
  return G_SOURCE_CONTINUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  p)
{
  if (sorted->len == 0)
    return 0;
  return g_array_index (sorted, double, (guint) MIN (sorted->len - 1, p * sorted->len));
}

static void
print_summary (Call *call,
               int   exit_code)
{
  g_autoptr (GArray) sorted = NULL;
  guint64 frames = 0;
  struct rusage ru;

  if (call)
    {
      g_mutex_lock (&call->lock);
      sorted = g_array_copy (call->latencies_ms);
      frames = call->sides[0].frames_in + call->sides[1].frames_in;
      g_mutex_unlock (&call->lock);
    }
  else
    sorted = g_array_new (FALSE, FALSE, sizeof (double));
  g_array_sort (sorted, compare_double);
  getrusage (RUSAGE_SELF, &ru);
  printf ("{\"event\":\"summary\",\"latency_ms\":{\"p50\":%.1f,\"p95\":%.1f,\"n\":%u},"
          "\"frames_in\":%" G_GUINT64_FORMAT ",\"cpu_s\":%.3f,\"max_rss_kb\":%ld,"
          "\"exit_code\":%d}\n",
          percentile (sorted, 0.5), percentile (sorted, 0.95), sorted->len, frames,
          ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
            (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
          ru.ru_maxrss, exit_code);
  fflush (stdout);
}

static gboolean
parse_resolution (const char *text)
{
  char *end = NULL;
  gint64 w, h;

  w = g_ascii_strtoll (text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return FALSE;
  text = end + 1;
  h = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || w < 64 || h < 64 || w > 4096 || h > 4096)
    return FALSE;
  opt.width = (int) w & ~1;
  opt.height = (int) h & ~1;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *resolution = NULL;
  GOptionEntry entries[] = {
    { "resolution", 0, 0, G_OPTION_ARG_STRING, &resolution, "WxH (640x480)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &opt.fps, "Frames per second (30)", "N" },
    { "joins", 0, 0, G_OPTION_ARG_INT, &opt.joins, "Calls set up in turn (5)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt.seconds,
      "Keep the last call up this long (0: no steady phase; -1: until SIGTERM)", "S" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opt.timeout,
      "Seconds a call may take to show its first frames (20)", "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- plain webrtcbin call baseline");
  g_autoptr (GError) error = NULL;
  Call *last = NULL;
  int exit_code = EXIT_OK;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_USAGE;
    }
  if ((resolution && !parse_resolution (resolution)) || opt.fps < 1 || opt.fps > 120 ||
      opt.joins < 1 || opt.seconds < -1 || opt.timeout < 1 || argc > 1)
    {
      g_printerr ("bad options: --resolution WxH, --fps 1..120, --joins >= 1, --seconds >= -1, "
                  "--timeout >= 1, no arguments\n");
      return EXIT_USAGE;
    }
  gst_init (NULL, NULL);
  g_unix_signal_add (SIGTERM, on_stop_signal, NULL);
  g_unix_signal_add (SIGINT, on_stop_signal, NULL);

  for (int i = 0; i < opt.joins && !stop_requested; i++)
    {
      g_autoptr (Call) call = call_new (&error);
      gint64 b_first, a_first, connected;

      if (call == NULL)
        {
          g_printerr ("cannot build the pipeline: %s\n", error->message);
          return EXIT_FAILED;
        }
      if (gst_element_set_state (call->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE ||
          gst_element_get_state (call->pipeline, NULL, NULL, 5 * GST_SECOND) ==
            GST_STATE_CHANGE_FAILURE)
        {
          g_printerr ("join %d: the pipeline does not play\n", i);
          exit_code = EXIT_FAILED;
          break;
        }
      call->offer_us = g_get_monotonic_time ();
      g_signal_emit_by_name (call->sides[0].webrtc, "create-offer", NULL,
                             gst_promise_new_with_change_func (on_offer_created, call, NULL));
      if (!wait_for_frames (call, TRUE, opt.timeout * 1000))
        {
          if (stop_requested)
            break;
          g_printerr ("join %d: %s\n", i,
                      call->error ? call->error : "no decoded frame in time");
          exit_code = EXIT_FAILED;
          break;
        }
      g_mutex_lock (&call->lock);
      b_first = call->sides[1].first_frame_us;
      a_first = call->sides[0].first_frame_us;
      connected = MAX (call->sides[0].connected_us, call->sides[1].connected_us);
      g_mutex_unlock (&call->lock);
      printf ("{\"event\":\"join\",\"index\":%d,\"ms\":%.1f,\"both_ms\":%.1f,"
              "\"connected_ms\":%.1f}\n",
              i, (b_first - call->offer_us) / 1000.0,
              (MAX (a_first, b_first) - call->offer_us) / 1000.0,
              connected ? (connected - call->offer_us) / 1000.0 : -1.0);
      fflush (stdout);
      if (i == opt.joins - 1 && opt.seconds != 0)
        last = g_steal_pointer (&call);
    }

  if (last && exit_code == EXIT_OK && !stop_requested)
    {
      gboolean over = FALSE;
      guint stats_id, over_id = 0;

      steady_call = last;
      g_mutex_lock (&last->lock);
      last_frames_in = last->sides[0].frames_in + last->sides[1].frames_in;
      last_bytes_out = last->sides[0].bytes_out + last->sides[1].bytes_out;
      g_mutex_unlock (&last->lock);
      last_stats_us = g_get_monotonic_time ();
      printf ("{\"event\":\"steady\"}\n");
      fflush (stdout);
      stats_id = g_timeout_add (1000, on_stats_tick, NULL);
      if (opt.seconds > 0)
        over_id = g_timeout_add_seconds (opt.seconds, on_timeout, &over);
      while (!over && !stop_requested && exit_code == EXIT_OK)
        {
          g_main_context_iteration (NULL, TRUE);
          g_mutex_lock (&last->lock);
          if (last->error)
            {
              g_printerr ("steady call: %s\n", last->error);
              exit_code = EXIT_FAILED;
            }
          g_mutex_unlock (&last->lock);
        }
      g_source_remove (stats_id);
      if (!over && over_id)
        g_source_remove (over_id);
    }
  print_summary (last, exit_code);
  g_clear_pointer (&last, call_free);
  return exit_code;
}

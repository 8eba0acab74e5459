/* zero-encoder.c: one encoder per kind, a tee, and one leaky queue per peer branch;
 * keyframe requests merged by a rate limiter; run-time bitrate changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-source-private.h"

#include <gst/video/video.h>

#define GST_CAT_DEFAULT zero_media_debug

/* An explicit request (a newly connected peer) waits at most this long. */
#define EXPLICIT_MIN_INTERVAL_US (100 * 1000)
/* A branch never holds more than this: a stalled peer loses data, the others go on. */
#define BRANCH_MAX_TIME (300 * GST_MSECOND)

static gboolean
factory_exists (const char *name)
{
  g_autoptr(GstElementFactory) f = gst_element_factory_find (name);
  return f != NULL;
}

static GstElement *
make_video_encoder (ZeroMediaKind           kind,
                    const ZeroMediaOptions *opts,
                    GstCaps               **caps,
                    guint                  *kbps,
                    GError                **error)
{
  GstElement *enc;
  gboolean screen = kind == ZERO_MEDIA_KIND_SCREEN;
  int fps = screen ? opts->screen_fps : opts->fps;
  int max_dist = MAX (1, opts->keyframe_max_interval_ms * fps / 1000);

  *kbps = screen ? (guint) opts->screen_bitrate_kbps : (guint) opts->start_bitrate_kbps;

  if (opts->video_codec == ZERO_VIDEO_CODEC_VP8)
    {
      gboolean large = (gint64) opts->width * opts->height >= 1280 * 720;

      if (!(enc = _zero_make_element ("vp8enc", NULL, error)))
        return NULL;
      /* Real time: the defaults (deadline=1 s, cpu-used=0) take far too long per frame.
       * - threads=1: libvpx's VP8 row threads wait for each other by spinning; with more
       *   runnable threads than cores (a 2-core machine in a call) one 320x240 frame took up
       *   to 380 ms instead of 2 ms and the leaky input queue dropped frames, and 720p cost
       *   ~150 % of a core instead of ~25 % (see tests/camera/bench-send-path.c).
       * - cpu-used < 0 is a fixed speed; >= 0 picks one from the measured encode time,
       *   which makes cost and quality depend on how busy the machine is. 12 (what
       *   libwebrtc uses on low-end devices) above 720p, 6 (its desktop default) below.
       * - Rate control close to libwebrtc's: CBR, 1 s buffer, overshoot 15 %, keyframes
       *   capped at 3x an average frame so a PLI does not burst. Not its max quantizer 56:
       *   without frame dropping that overshot a 2 Mbps target by 70 % on hard content. */
      g_object_set (enc,
                    "deadline", (gint64) 1,
                    "cpu-used", large ? -12 : -6,
                    "threads", 1,
                    "lag-in-frames", 0,
                    "noise-sensitivity", 0,
                    "target-bitrate", (int) *kbps * 1000,
                    "keyframe-max-dist", max_dist,
                    "buffer-size", 1000,
                    "buffer-initial-size", 500,
                    "buffer-optimal-size", 600,
                    "undershoot", 95,
                    "overshoot", 15,
                    "max-intra-bitrate", 300,
                    NULL);
      gst_util_set_object_arg (G_OBJECT (enc), "end-usage", "cbr");
      gst_util_set_object_arg (G_OBJECT (enc), "error-resilient", "default");
      gst_util_set_object_arg (G_OBJECT (enc), "keyframe-mode", "auto");
      /* One token partition (the default), on purpose: with several, libvpx's decoder
       * (vp8dec threads=0, the default) decodes on row threads that spin-wait like the
       * encoder's: 720p cost 305 % of a core instead of 5 % here. */
      if (screen)
        g_object_set (enc, "static-threshold", 100, NULL);
      *caps = gst_caps_new_empty_simple ("video/x-vp8");
      return enc;
    }

  *caps = gst_caps_from_string ("video/x-h264,stream-format=byte-stream,alignment=au,"
                                "profile=constrained-baseline");
  if (factory_exists ("x264enc"))
    {
      enc = _zero_make_element ("x264enc", NULL, error);
      /* ultrafast + zerolatency (no B-frames, no lookahead); one thread, as for VP8: the
       * same cost as two sliced threads here, and no frame waits on a descheduled one. */
      g_object_set (enc,
                    "bitrate", *kbps,
                    "key-int-max", max_dist,
                    "bframes", 0,
                    "threads", 1,
                    "vbv-buf-capacity", 500,
                    NULL);
      gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
      gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
      gst_util_set_object_arg (G_OBJECT (enc), "pass", "cbr");
      return enc;
    }
  if (factory_exists ("openh264enc"))
    {
      enc = _zero_make_element ("openh264enc", NULL, error);
      g_object_set (enc,
                    "bitrate", *kbps * 1000,
                    "gop-size", max_dist,
                    "multi-thread", 2,
                    NULL);
      gst_util_set_object_arg (G_OBJECT (enc), "complexity", "low");
      gst_util_set_object_arg (G_OBJECT (enc), "rate-control", "bitrate");
      return enc;
    }
  gst_clear_caps (caps);
  g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_MISSING_ELEMENT,
               "No H.264 encoder: install gstreamer1.0-plugins-ugly (x264enc) or "
               "gstreamer1.0-plugins-bad (openh264enc)");
  return NULL;
}

static GstElement *
make_audio_encoder (const ZeroMediaOptions *opts,
                    GstCaps               **caps,
                    guint                  *kbps,
                    GError                **error)
{
  GstElement *enc = _zero_make_element ("opusenc", NULL, error);
  g_autofree char *frame = g_strdup_printf ("%d", opts->opus_frame_ms);

  if (enc == NULL)
    return NULL;
  *kbps = (guint) opts->audio_bitrate_kbps;
  g_object_set (enc,
                "bitrate", opts->audio_bitrate_kbps * 1000,
                "inband-fec", TRUE,
                "packet-loss-percentage", 10,
                NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "frame-size", frame);
  gst_util_set_object_arg (G_OBJECT (enc), "audio-type", "voice");
  gst_util_set_object_arg (G_OBJECT (enc), "bitrate-type", "cbr");
  *caps = gst_caps_new_empty_simple ("audio/x-opus");
  return enc;
}

/* Runs in streaming threads: upstream GstForceKeyUnit from any branch. */
static GstPadProbeReturn
on_encoder_src_upstream_event (GstPad          *pad,
                               GstPadProbeInfo *info,
                               gpointer         user_data)
{
  ZeroEncodeChain *chain = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  gint64 now;
  gboolean pass;

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;

  now = g_get_monotonic_time ();
  g_mutex_lock (&chain->lock);
  pass = now - chain->last_forced_us >= chain->min_interval_us;
  if (pass)
    {
      chain->last_forced_us = now;
      chain->pending_at_us = G_MAXINT64;
      chain->requests_forwarded++;
    }
  else
    {
      /* Merged, not lost: one keyframe follows when the interval ends. */
      chain->pending_at_us = MIN (chain->pending_at_us,
                                  chain->last_forced_us + chain->min_interval_us);
      chain->requests_dropped++;
    }
  g_mutex_unlock (&chain->lock);

  GST_LOG ("%s keyframe request %s", zero_media_kind_to_string (chain->kind),
           pass ? "forwarded" : "merged");
  return pass ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* Runs in the encoder's streaming thread, before each raw frame. */
static GstPadProbeReturn
on_encoder_sink_buffer (GstPad          *pad,
                        GstPadProbeInfo *info,
                        gpointer         user_data)
{
  ZeroEncodeChain *chain = user_data;
  gint64 now = g_get_monotonic_time ();
  gboolean force = FALSE;

  g_mutex_lock (&chain->lock);
  if (now >= chain->pending_at_us)
    {
      force = TRUE;
      chain->pending_at_us = G_MAXINT64;
      chain->last_forced_us = now;
      chain->requests_forwarded++;
    }
  g_mutex_unlock (&chain->lock);

  /* The pad's stream lock is recursive, so the event lands before this frame. */
  if (force)
    gst_pad_send_event (pad, gst_video_event_new_downstream_force_key_unit (
                                 GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
                                 GST_CLOCK_TIME_NONE, TRUE, 0));
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_encoder_src_buffer (GstPad          *pad,
                       GstPadProbeInfo *info,
                       gpointer         user_data)
{
  ZeroEncodeChain *chain = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&chain->lock);
  chain->encoded_frames++;
  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    chain->keyframes++;
  g_mutex_unlock (&chain->lock);
  return GST_PAD_PROBE_OK;
}

ZeroEncodeChain *
_zero_encode_chain_new (GstBin                 *bin,
                        ZeroMediaKind           kind,
                        const ZeroMediaOptions *opts,
                        GError                **error)
{
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) enc_sink = NULL;
  g_autoptr(GstPad) enc_src = NULL;
  const char *kind_name = zero_media_kind_to_string (kind);
  g_autofree char *queue_name = g_strdup_printf ("zero-%s-encoder-queue", kind_name);
  g_autofree char *caps_name = g_strdup_printf ("zero-%s-encoded-caps", kind_name);
  g_autofree char *tee_name = g_strdup_printf ("zero-%s-tee", kind_name);
  g_autofree char *enc_name = g_strdup_printf ("zero-%s-encoder", kind_name);
  GstElement *queue, *enc, *capsfilter, *tee;
  ZeroEncodeChain *chain;
  guint kbps = 0;

  if (kind == ZERO_MEDIA_KIND_AUDIO)
    enc = make_audio_encoder (opts, &caps, &kbps, error);
  else
    enc = make_video_encoder (kind, opts, &caps, &kbps, error);
  if (enc == NULL)
    return NULL;
  gst_object_set_name (GST_OBJECT (enc), enc_name);

  queue = _zero_make_element ("queue", queue_name, error);
  capsfilter = _zero_make_element ("capsfilter", caps_name, error);
  tee = _zero_make_element ("tee", tee_name, error);
  if (queue == NULL || capsfilter == NULL || tee == NULL)
    {
      gst_object_unref (gst_object_ref_sink (enc));
      g_clear_pointer (&queue, gst_object_unref);
      g_clear_pointer (&capsfilter, gst_object_unref);
      g_clear_pointer (&tee, gst_object_unref);
      return NULL;
    }

  /* A late encoder skips frames instead of piling up latency. */
  g_object_set (queue, "max-size-buffers", 3, "max-size-bytes", 0, "max-size-time",
                (guint64) 0, "leaky", 2, "silent", TRUE, NULL);
  g_object_set (capsfilter, "caps", caps, NULL);
  g_object_set (tee, "allow-not-linked", TRUE, NULL);

  gst_bin_add_many (bin, queue, enc, capsfilter, tee, NULL);
  _zero_mark_ours (queue);
  _zero_mark_ours (enc);
  _zero_mark_ours (capsfilter);
  _zero_mark_ours (tee);
  if (!gst_element_link_many (queue, enc, capsfilter, tee, NULL))
    {
      g_set_error (error, ZERO_MEDIA_ERROR, ZERO_MEDIA_ERROR_PIPELINE,
                   "Could not link the %s encoder (%s)", kind_name,
                   GST_OBJECT_NAME (gst_element_get_factory (enc)));
      gst_element_set_state (tee, GST_STATE_NULL);
      gst_bin_remove_many (bin, queue, enc, capsfilter, tee, NULL);
      return NULL;
    }

  chain = g_new0 (ZeroEncodeChain, 1);
  chain->kind = kind;
  chain->bin = bin;
  chain->queue = queue;
  chain->encoder = enc;
  chain->capsfilter = capsfilter;
  chain->tee = tee;
  chain->caps = g_steal_pointer (&caps);
  chain->bitrate_kbps = kbps;
  chain->branches = g_hash_table_new_full (NULL, NULL, gst_object_unref, NULL);
  g_mutex_init (&chain->lock);
  chain->min_interval_us = (gint64) opts->keyframe_min_interval_ms * 1000;
  chain->last_forced_us = G_MININT64 / 2;
  chain->pending_at_us = G_MAXINT64;

  enc_sink = gst_element_get_static_pad (enc, "sink");
  enc_src = gst_element_get_static_pad (enc, "src");
  gst_pad_add_probe (enc_src, GST_PAD_PROBE_TYPE_BUFFER, on_encoder_src_buffer, chain, NULL);
  if (kind != ZERO_MEDIA_KIND_AUDIO)
    {
      gst_pad_add_probe (enc_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                         on_encoder_src_upstream_event, chain, NULL);
      gst_pad_add_probe (enc_sink, GST_PAD_PROBE_TYPE_BUFFER, on_encoder_sink_buffer, chain,
                         NULL);
    }
  GST_INFO ("%s encoder: %s, %u kbps", kind_name,
            GST_OBJECT_NAME (gst_element_get_factory (enc)), kbps);
  return chain;
}

/* Runs in a branch queue's thread for each buffer. The buffer is chained into the peer
 * here and the push always reports OK, so a peer that is unlinked, flushing or torn down
 * (webrtcbin set to NULL before its pad is released) can never pause the queue, whose
 * chain function would then hand that error to the tee and stop every other peer. */
static GstPadProbeReturn
on_branch_buffer (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstPad *peer = gst_pad_get_peer (pad);
  GstFlowReturn ret = GST_FLOW_NOT_LINKED;

  GST_PAD_PROBE_INFO_DATA (info) = NULL;
  if (peer != NULL)
    {
      ret = gst_pad_chain (peer, buffer);
      gst_object_unref (peer);
    }
  else
    gst_buffer_unref (buffer);
  if (ret != GST_FLOW_OK)
    GST_LOG_OBJECT (pad, "peer returned %s; dropped for this branch only",
                    gst_flow_get_name (ret));
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_OK;
  return GST_PAD_PROBE_HANDLED;
}

static void
remove_branch (ZeroEncodeChain *chain,
               GstPad          *src_pad,
               GstElement      *queue)
{
  g_autoptr(GstPad) sink = gst_element_get_static_pad (queue, "sink");
  g_autoptr(GstPad) tee_pad = gst_pad_get_peer (sink);
  g_autoptr(GstPad) downstream = gst_pad_get_peer (src_pad);

  /* The tee stops feeding the branch first; releasing its pad waits for a push in
   * progress. Then the queue's thread is stopped and the queue removed. */
  if (downstream != NULL)
    gst_pad_unlink (src_pad, downstream);
  if (tee_pad != NULL)
    {
      gst_pad_unlink (tee_pad, sink);
      gst_element_release_request_pad (chain->tee, tee_pad);
    }
  gst_element_set_state (queue, GST_STATE_NULL);
  gst_bin_remove (chain->bin, queue);
}

void
_zero_encode_chain_free (ZeroEncodeChain *chain)
{
  GHashTableIter iter;
  gpointer key, value;
  GstElement *elements[4];

  if (chain == NULL)
    return;

  g_hash_table_iter_init (&iter, chain->branches);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      remove_branch (chain, key, value);
      g_hash_table_iter_remove (&iter);
    }
  g_hash_table_unref (chain->branches);

  elements[0] = chain->queue;
  elements[1] = chain->encoder;
  elements[2] = chain->capsfilter;
  elements[3] = chain->tee;
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++)
    {
      gst_element_set_locked_state (elements[i], TRUE);
      gst_element_set_state (elements[i], GST_STATE_NULL);
      gst_bin_remove (chain->bin, elements[i]);
    }
  gst_caps_unref (chain->caps);
  g_mutex_clear (&chain->lock);
  g_free (chain);
}

GstPad *
_zero_encode_chain_request_pad (ZeroEncodeChain *chain)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("zero-%s-branch-%u",
                                           zero_media_kind_to_string (chain->kind),
                                           g_atomic_int_add (&counter, 1));
  g_autoptr(GstPad) tee_pad = NULL;
  g_autoptr(GstPad) sink = NULL;
  g_autoptr(GstPad) queue_src = NULL;
  g_autoptr(GstPad) queue_sink = NULL;
  GstElement *branch, *queue;
  GstPad *src;

  queue = _zero_make_element ("queue", NULL, NULL);
  g_return_val_if_fail (queue != NULL, NULL);
  g_object_set (queue,
                "max-size-buffers", 0,
                "max-size-bytes", 0,
                "max-size-time", (guint64) BRANCH_MAX_TIME,
                "leaky", 2, /* downstream: drop the oldest */
                "silent", TRUE,
                NULL);
  /* A bin, so the pad peers get is a plain ghost pad their own probes work on, while the
   * error firewall sits on the queue inside. */
  branch = gst_bin_new (name);
  gst_bin_add (GST_BIN (branch), queue);
  queue_src = gst_element_get_static_pad (queue, "src");
  queue_sink = gst_element_get_static_pad (queue, "sink");
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, on_branch_buffer, NULL, NULL);
  gst_element_add_pad (branch, gst_ghost_pad_new ("sink", queue_sink));
  src = gst_ghost_pad_new ("src", queue_src);
  gst_element_add_pad (branch, gst_object_ref (src));
  gst_bin_add (chain->bin, branch);
  _zero_mark_ours (branch);
  queue = branch;

  /* Running before it is linked: a tee push into a still-inactive queue would return
   * FLUSHING and stop the encoder for everyone. */
  gst_element_sync_state_with_parent (queue);
  tee_pad = gst_element_request_pad_simple (chain->tee, "src_%u");
  sink = gst_element_get_static_pad (queue, "sink");
  if (tee_pad == NULL || gst_pad_link (tee_pad, sink) != GST_PAD_LINK_OK)
    {
      g_critical ("cannot link a new %s branch", zero_media_kind_to_string (chain->kind));
      if (tee_pad != NULL)
        gst_element_release_request_pad (chain->tee, tee_pad);
      gst_object_unref (src);
      gst_element_set_state (queue, GST_STATE_NULL);
      gst_bin_remove (chain->bin, queue);
      return NULL;
    }

  g_hash_table_insert (chain->branches, gst_object_ref (src), queue);
  GST_DEBUG ("new %s branch %s (%u)", zero_media_kind_to_string (chain->kind), name,
             g_hash_table_size (chain->branches));
  return src;
}

gboolean
_zero_encode_chain_release_pad (ZeroEncodeChain *chain,
                                GstPad          *pad)
{
  GstElement *queue = g_hash_table_lookup (chain->branches, pad);

  if (queue == NULL)
    return FALSE;
  remove_branch (chain, pad, queue);
  g_hash_table_remove (chain->branches, pad);
  return TRUE;
}

void
_zero_encode_chain_request_keyframe (ZeroEncodeChain *chain)
{
  gint64 now = g_get_monotonic_time ();
  gint64 due;

  if (chain->kind == ZERO_MEDIA_KIND_AUDIO)
    return;
  g_mutex_lock (&chain->lock);
  due = MAX (now, chain->last_forced_us + MIN (EXPLICIT_MIN_INTERVAL_US, chain->min_interval_us));
  chain->pending_at_us = MIN (chain->pending_at_us, due);
  g_mutex_unlock (&chain->lock);
}

void
_zero_encode_chain_set_bitrate (ZeroEncodeChain *chain,
                                guint            kbps)
{
  const char *factory = GST_OBJECT_NAME (gst_element_get_factory (chain->encoder));

  if (kbps == chain->bitrate_kbps)
    return;
  /* All three encoders take a new rate while running, without a restart. */
  if (g_str_equal (factory, "vp8enc"))
    g_object_set (chain->encoder, "target-bitrate", (int) (kbps * 1000), NULL);
  else if (g_str_equal (factory, "x264enc"))
    g_object_set (chain->encoder, "bitrate", kbps, NULL);
  else if (g_str_equal (factory, "openh264enc"))
    g_object_set (chain->encoder, "bitrate", kbps * 1000, NULL);
  else if (g_str_equal (factory, "opusenc"))
    g_object_set (chain->encoder, "bitrate", (int) (kbps * 1000), NULL);
  GST_DEBUG ("%s encoder bitrate %u -> %u kbps", zero_media_kind_to_string (chain->kind),
             chain->bitrate_kbps, kbps);
  chain->bitrate_kbps = kbps;
}

GstPad *
_zero_encode_chain_get_sink (ZeroEncodeChain *chain)
{
  return gst_element_get_static_pad (chain->queue, "sink");
}

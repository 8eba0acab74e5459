/* zero-frame-pump.c: constant-rate live source fed by the camera; see the header.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-frame-pump.h"

#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (zero_frame_pump_debug);
#define GST_CAT_DEFAULT zero_frame_pump_debug

#define DEFAULT_STALE_MS 1000
/* How long a camera frame should wait for its slot once the grid follows the camera:
 * room for the camera's jitter. */
#define ALIGN_MARGIN (4 * GST_MSECOND)

struct _ZeroFramePump {
  GstPushSrc parent_instance;

  /* Construct-only. */
  int width;
  int height;
  int fps;
  GstCaps *caps;             /* what the src pad sends */
  GstCaps *sink_caps;        /* what the sink pad takes: the same at any rate */
  GstPad *sinkpad;           /* owned by the element */

  /* Streaming thread of the src pad only. */
  GstBuffer *black;
  gboolean have_origin;
  gint64 origin;             /* running time of slot 0 (moved by the phase lock) */
  guint64 slot;
  GstClockID clock_id;       /* the wait for the next slot; object lock */
  gboolean flushing;         /* object lock */
  GstBuffer *last_sent;      /* the camera frame sent last (to count repeats) */

  /* Camera's streaming thread only (and finalize). */
  GstVideoInfo cam_info;     /* of the camera's frames */
  gboolean have_cam_info;
  GstBufferPool *copy_pool;  /* for frames in device memory; see on_sink_chain() */

  /* Shared with the camera's streaming thread and the main thread. */
  GMutex lock;
  GstBuffer *latest;
  gint64 latest_at_us;       /* monotonic time it arrived */
  gboolean blank;
  guint stale_ms;
  ZeroFramePumpStats stats;
};

enum {
  PROP_0,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_FPS,
  PROP_STALE_MS,
  PROP_BLANK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("video/x-raw, format = (string) I420"));
static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("video/x-raw, format = (string) I420"));

G_DEFINE_FINAL_TYPE_WITH_CODE (ZeroFramePump, zero_frame_pump, GST_TYPE_PUSH_SRC,
                               GST_DEBUG_CATEGORY_INIT (zero_frame_pump_debug,
                                                        "zero-frame-pump", 0,
                                                        "Zero constant-rate frame pump"))

static GstClockTime
slot_duration (ZeroFramePump *self)
{
  return gst_util_uint64_scale_int (GST_SECOND, 1, self->fps);
}

static GstClockTime
slot_time (ZeroFramePump *self,
           guint64        slot)
{
  gint64 t = self->origin + (gint64) gst_util_uint64_scale_int (slot, GST_SECOND, self->fps);

  return (GstClockTime) MAX (t, 0);
}

/* Limited-range black, made once: Y 16, U and V 128. */
static GstBuffer *
make_black (ZeroFramePump *self)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buffer;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, self->width, self->height);
  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  if (gst_video_frame_map (&frame, &info, buffer, GST_MAP_WRITE))
    {
      for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++)
        {
          guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
          int stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);
          int rows = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, p);

          memset (data, p == 0 ? 16 : 128, (gsize) stride * rows);
        }
      gst_video_frame_unmap (&frame);
    }
  return buffer;
}

/* --- the camera side (sink pad, camera's streaming thread) ------------------------- */

static gboolean
caps_acceptable (ZeroFramePump *self,
                 GstCaps       *caps)
{
  int par_n = 1, par_d = 1;

  if (!gst_caps_is_subset (caps, self->sink_caps))
    return FALSE;
  if (gst_caps_is_fixed (caps) &&
      gst_structure_get_fraction (gst_caps_get_structure (caps, 0), "pixel-aspect-ratio",
                                  &par_n, &par_d) &&
      par_n != par_d)
    return FALSE;
  return TRUE;
}

static GQuark
device_memory_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("zero-frame-pump-device-memory"));
  return (GQuark) quark;
}

static gboolean
in_device_memory (GstBuffer *buffer)
{
  for (guint i = 0; i < gst_buffer_n_memory (buffer); i++)
    if (gst_mini_object_get_qdata (GST_MINI_OBJECT (gst_buffer_peek_memory (buffer, i)),
                                   device_memory_quark ()) != NULL)
      return TRUE;
  return FALSE;
}

static void
drop_copy_pool (ZeroFramePump *self)
{
  if (self->copy_pool != NULL)
    {
      gst_buffer_pool_set_active (self->copy_pool, FALSE);
      gst_clear_object (&self->copy_pool);
    }
}

/* A copy of @buffer in memory of our own, or NULL. */
static GstBuffer *
copy_frame (ZeroFramePump *self,
            GstBuffer     *buffer)
{
  GstBuffer *copy = NULL;
  GstVideoFrame in, out;

  if (!self->have_cam_info)
    return NULL;
  if (self->copy_pool == NULL)
    {
      g_autoptr(GstCaps) caps = gst_video_info_to_caps (&self->cam_info);
      GstBufferPool *pool = gst_video_buffer_pool_new ();
      GstStructure *config = gst_buffer_pool_get_config (pool);

      gst_buffer_pool_config_set_params (config, caps, GST_VIDEO_INFO_SIZE (&self->cam_info),
                                         2, 0);
      if (!gst_buffer_pool_set_config (pool, config) ||
          !gst_buffer_pool_set_active (pool, TRUE))
        {
          gst_object_unref (pool);
          return NULL;
        }
      self->copy_pool = pool;
    }
  if (gst_buffer_pool_acquire_buffer (self->copy_pool, &copy, NULL) != GST_FLOW_OK)
    return NULL;
  if (!gst_video_frame_map (&in, &self->cam_info, buffer, GST_MAP_READ))
    {
      gst_buffer_unref (copy);
      return NULL;
    }
  if (!gst_video_frame_map (&out, &self->cam_info, copy, GST_MAP_WRITE))
    {
      gst_video_frame_unmap (&in);
      gst_buffer_unref (copy);
      return NULL;
    }
  gst_video_frame_copy (&out, &in);
  gst_video_frame_unmap (&out);
  gst_video_frame_unmap (&in);
  return copy;
}

static GstFlowReturn
on_sink_chain (GstPad    *pad,
               GstObject *parent,
               GstBuffer *buffer)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (parent);

  /* Frames usually go on without a copy. Not those still in a device's memory (the
   * camera's format needed no conversion): that memory goes away with the device, when
   * the camera is closed (video paused, switched), while the encoder may still hold the
   * frame. PipeWire's can look like plain system memory, hence the explicit mark. */
  if (in_device_memory (buffer))
    {
      GstBuffer *copy = copy_frame (self, buffer);

      gst_buffer_unref (buffer);
      if (copy == NULL)
        {
          GST_WARNING_OBJECT (self, "could not copy a camera frame; dropped");
          return GST_FLOW_OK;
        }
      buffer = copy;
    }

  g_mutex_lock (&self->lock);
  gst_buffer_replace (&self->latest, buffer);
  self->latest_at_us = g_get_monotonic_time ();
  self->stats.frames_in++;
  g_mutex_unlock (&self->lock);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static gboolean
on_sink_event (GstPad    *pad,
               GstObject *parent,
               GstEvent  *event)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (parent);
  gboolean ret = TRUE;

  switch (GST_EVENT_TYPE (event))
    {
    case GST_EVENT_CAPS:
      {
        GstCaps *caps;

        gst_event_parse_caps (event, &caps);
        ret = caps_acceptable (self, caps) && gst_video_info_from_caps (&self->cam_info, caps);
        self->have_cam_info = ret;
        drop_copy_pool (self);
        if (!ret)
          GST_WARNING_OBJECT (self, "refusing camera caps %" GST_PTR_FORMAT, caps);
        break;
      }
    case GST_EVENT_EOS:
      /* The camera ended; the stream goes on, black. */
      GST_INFO_OBJECT (self, "camera EOS");
      zero_frame_pump_clear (self);
      break;
    default:
      /* Segments, flushes, stream-start, tags: the camera's, not the encoder's. */
      break;
    }
  gst_event_unref (event);
  return ret;
}

static gboolean
on_sink_query (GstPad    *pad,
               GstObject *parent,
               GstQuery  *query)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (parent);

  switch (GST_QUERY_TYPE (query))
    {
    case GST_QUERY_CAPS:
      {
        GstCaps *filter, *caps;

        gst_query_parse_caps (query, &filter);
        caps = filter ? gst_caps_intersect_full (filter, self->sink_caps,
                                                 GST_CAPS_INTERSECT_FIRST)
                      : gst_caps_ref (self->sink_caps);
        gst_query_set_caps_result (query, caps);
        gst_caps_unref (caps);
        return TRUE;
      }
    case GST_QUERY_ACCEPT_CAPS:
      {
        GstCaps *caps;

        gst_query_parse_accept_caps (query, &caps);
        gst_query_set_accept_caps_result (query, caps_acceptable (self, caps));
        return TRUE;
      }
    case GST_QUERY_ALLOCATION:
      /* Frames are only read downstream (encoder, preview), so any layout with a video
       * meta will do; the camera side keeps its own pool. */
      gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
      return TRUE;
    default:
      return FALSE;
    }
}

/* --- the encoder side (src pad, the pump's own streaming thread) ------------------- */

static GstCaps *
zero_frame_pump_get_caps (GstBaseSrc *src,
                          GstCaps    *filter)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (src);

  if (filter != NULL)
    return gst_caps_intersect_full (filter, self->caps, GST_CAPS_INTERSECT_FIRST);
  return gst_caps_ref (self->caps);
}

static gboolean
zero_frame_pump_start (GstBaseSrc *src)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (src);

  self->black = make_black (self);
  self->have_origin = FALSE;
  self->slot = 0;
  GST_OBJECT_LOCK (self);
  self->flushing = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
zero_frame_pump_stop (GstBaseSrc *src)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (src);

  gst_clear_buffer (&self->black);
  gst_clear_buffer (&self->last_sent);
  zero_frame_pump_clear (self);
  return TRUE;
}

static GstClockTime
running_time_now (ZeroFramePump *self)
{
  g_autoptr(GstClock) clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
  GstClockTime now;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  return now > base ? now - base : 0;
}

/* Sleeps until running time @when; FALSE when unlocked (flushing, state change). */
static gboolean
wait_until (ZeroFramePump *self,
            GstClockTime   when)
{
  g_autoptr(GstClock) clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockID id;
  GstClockReturn ret;

  if (clock == NULL)
    return FALSE;
  id = gst_clock_new_single_shot_id (clock, gst_element_get_base_time (GST_ELEMENT (self)) +
                                                when);
  GST_OBJECT_LOCK (self);
  if (self->flushing)
    {
      GST_OBJECT_UNLOCK (self);
      gst_clock_id_unref (id);
      return FALSE;
    }
  self->clock_id = id;
  GST_OBJECT_UNLOCK (self);

  ret = gst_clock_id_wait (id, NULL);

  GST_OBJECT_LOCK (self);
  self->clock_id = NULL;
  GST_OBJECT_UNLOCK (self);
  gst_clock_id_unref (id);
  return ret != GST_CLOCK_UNSCHEDULED;
}

static gboolean
zero_frame_pump_unlock (GstBaseSrc *src)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (src);

  GST_OBJECT_LOCK (self);
  self->flushing = TRUE;
  if (self->clock_id != NULL)
    gst_clock_id_unschedule (self->clock_id);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
zero_frame_pump_unlock_stop (GstBaseSrc *src)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (src);

  GST_OBJECT_LOCK (self);
  self->flushing = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* Phase lock: moves the grid so a camera frame of the same rate waits ~ALIGN_MARGIN for
 * its slot, instead of anything up to a whole frame. @waited is how long the frame just
 * sent had waited; the correction is spread over frames and kept small, so the stream
 * stays regular (each gap within 1/32 of a frame of 1/fps: 1 ms at 30 fps). */
static void
follow_camera_phase (ZeroFramePump *self,
                     GstClockTime   waited)
{
  gint64 period = (gint64) slot_duration (self);
  gint64 error = (gint64) waited - ALIGN_MARGIN;
  gint64 correction;

  /* Earlier by the extra wait, or later past the camera's next frame: the shorter way. */
  if (error > period / 2)
    error -= period;
  correction = CLAMP (error / 4, -period / 32, period / 32);
  self->origin -= correction;
}

static GstFlowReturn
zero_frame_pump_create (GstPushSrc *src,
                        GstBuffer **out)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (src);
  GstClockTime now = running_time_now (self);
  GstClockTime duration = slot_duration (self);
  GstClockTime when;
  GstBuffer *frame = NULL;
  GstBuffer *buffer;
  gint64 now_us, waited = -1;
  guint64 skipped = 0;

  if (!GST_CLOCK_TIME_IS_VALID (now))
    return GST_FLOW_FLUSHING;

  /* The next slot of the grid; if even its end has passed, jump to the slot we are in
   * rather than send frames that are already late. */
  if (!self->have_origin)
    {
      self->origin = (gint64) now;
      self->slot = 0;
      self->have_origin = TRUE;
    }
  else
    {
      self->slot++;
      if (slot_time (self, self->slot) + duration < now)
        {
          guint64 current = gst_util_uint64_scale ((guint64) ((gint64) now - self->origin),
                                                   self->fps, GST_SECOND);

          skipped = current > self->slot ? current - self->slot : 0;
          self->slot += skipped;
        }
    }
  when = slot_time (self, self->slot);

  /* Wait for the slot, then take the newest frame: one that arrived while waiting goes
   * out now, not a frame later. */
  if (when > now && !wait_until (self, when))
    return GST_FLOW_FLUSHING;
  now_us = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  if (!self->blank && self->latest != NULL &&
      now_us - self->latest_at_us <= (gint64) self->stale_ms * 1000)
    {
      frame = gst_buffer_ref (self->latest);
      if (frame != self->last_sent)
        waited = (now_us - self->latest_at_us) * 1000;
    }
  self->stats.frames_out++;
  self->stats.skipped_slots += skipped;
  if (frame == NULL)
    self->stats.black_frames++;
  else if (waited < 0)
    self->stats.repeated_frames++;
  else
    {
      self->stats.camera_frames++;
      /* Mean over the last ~16 camera frames. */
      self->stats.camera_wait_us += ((double) waited / 1000 - self->stats.camera_wait_us) / 16;
    }
  g_mutex_unlock (&self->lock);
  if (waited >= 0 && skipped == 0)
    follow_camera_phase (self, (GstClockTime) waited);

  /* A new buffer sharing the frame's memory, with our time on it. */
  buffer = gst_buffer_copy_region (frame ? frame : self->black,
                                   GST_BUFFER_COPY_MEMORY | GST_BUFFER_COPY_META, 0, -1);
  GST_BUFFER_PTS (buffer) = when;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = duration;
  GST_BUFFER_OFFSET (buffer) = self->slot;
  GST_BUFFER_OFFSET_END (buffer) = self->slot + 1;
  if (skipped > 0)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);

  gst_buffer_replace (&self->last_sent, frame);
  if (frame != NULL)
    gst_buffer_unref (frame);
  *out = buffer;
  return GST_FLOW_OK;
}

/* --- GObject ------------------------------------------------------------------------ */

static void
zero_frame_pump_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (object);

  switch (prop_id)
    {
    case PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;
    case PROP_FPS:
      g_value_set_int (value, self->fps);
      break;
    case PROP_STALE_MS:
      g_mutex_lock (&self->lock);
      g_value_set_uint (value, self->stale_ms);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_BLANK:
      g_mutex_lock (&self->lock);
      g_value_set_boolean (value, self->blank);
      g_mutex_unlock (&self->lock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_frame_pump_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (object);

  switch (prop_id)
    {
    case PROP_WIDTH:
      self->width = g_value_get_int (value);
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_int (value);
      break;
    case PROP_FPS:
      self->fps = g_value_get_int (value);
      break;
    case PROP_STALE_MS:
      g_mutex_lock (&self->lock);
      self->stale_ms = g_value_get_uint (value);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_BLANK:
      zero_frame_pump_set_blank (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_frame_pump_constructed (GObject *object)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (object);

  G_OBJECT_CLASS (zero_frame_pump_parent_class)->constructed (object);

  self->caps = gst_caps_new_simple ("video/x-raw",
                                    "format", G_TYPE_STRING, "I420",
                                    "width", G_TYPE_INT, self->width,
                                    "height", G_TYPE_INT, self->height,
                                    "framerate", GST_TYPE_FRACTION, self->fps, 1,
                                    "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
                                    NULL);
  /* Any rate; no pixel-aspect-ratio field means square pixels too. */
  self->sink_caps = gst_caps_copy (self->caps);
  gst_structure_remove_fields (gst_caps_get_structure (self->sink_caps, 0), "framerate",
                               "pixel-aspect-ratio", NULL);
}

static void
zero_frame_pump_finalize (GObject *object)
{
  ZeroFramePump *self = ZERO_FRAME_PUMP (object);

  gst_clear_buffer (&self->latest);
  gst_clear_buffer (&self->last_sent);
  gst_clear_buffer (&self->black);
  drop_copy_pool (self);
  gst_clear_caps (&self->caps);
  gst_clear_caps (&self->sink_caps);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (zero_frame_pump_parent_class)->finalize (object);
}

static void
zero_frame_pump_class_init (ZeroFramePumpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *base_src_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *push_src_class = GST_PUSH_SRC_CLASS (klass);

  object_class->get_property = zero_frame_pump_get_property;
  object_class->set_property = zero_frame_pump_set_property;
  object_class->constructed = zero_frame_pump_constructed;
  object_class->finalize = zero_frame_pump_finalize;

  properties[PROP_WIDTH] =
    g_param_spec_int ("width", NULL, NULL, 16, 7680, 320,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEIGHT] =
    g_param_spec_int ("height", NULL, NULL, 16, 4320, 240,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FPS] =
    g_param_spec_int ("fps", NULL, NULL, 1, 120, 30,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STALE_MS] =
    g_param_spec_uint ("stale-ms", NULL, NULL, 0, G_MAXUINT, DEFAULT_STALE_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BLANK] =
    g_param_spec_boolean ("blank", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_set_static_metadata (element_class, "Zero frame pump", "Source/Video",
                                         "Constant-rate live video from the latest camera "
                                         "frame, or black", "Zero");
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &sink_template);

  base_src_class->get_caps = zero_frame_pump_get_caps;
  base_src_class->start = zero_frame_pump_start;
  base_src_class->stop = zero_frame_pump_stop;
  base_src_class->unlock = zero_frame_pump_unlock;
  base_src_class->unlock_stop = zero_frame_pump_unlock_stop;
  push_src_class->create = zero_frame_pump_create;
}

static void
zero_frame_pump_init (ZeroFramePump *self)
{
  g_mutex_init (&self->lock);
  self->stale_ms = DEFAULT_STALE_MS;
  self->width = 320;
  self->height = 240;
  self->fps = 30;

  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);

  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, on_sink_chain);
  gst_pad_set_event_function (self->sinkpad, on_sink_event);
  gst_pad_set_query_function (self->sinkpad, on_sink_query);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
}

GstElement *
zero_frame_pump_new (const char *name,
                     int         width,
                     int         height,
                     int         fps)
{
  g_return_val_if_fail (width >= 16 && height >= 16 && fps >= 1, NULL);

  return g_object_new (ZERO_TYPE_FRAME_PUMP, "name", name, "width", width, "height", height,
                       "fps", fps, NULL);
}

void
zero_frame_pump_set_blank (ZeroFramePump *self,
                           gboolean       blank)
{
  g_return_if_fail (ZERO_IS_FRAME_PUMP (self));

  g_mutex_lock (&self->lock);
  self->blank = !!blank;
  g_mutex_unlock (&self->lock);
}

void
zero_frame_pump_clear (ZeroFramePump *self)
{
  g_return_if_fail (ZERO_IS_FRAME_PUMP (self));

  g_mutex_lock (&self->lock);
  gst_clear_buffer (&self->latest);
  g_mutex_unlock (&self->lock);
}

void
zero_frame_pump_get_stats (ZeroFramePump      *self,
                           ZeroFramePumpStats *stats)
{
  g_return_if_fail (ZERO_IS_FRAME_PUMP (self));
  g_return_if_fail (stats != NULL);

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

/* Called on each buffer a capture device produces, before any conversion. */
void
zero_frame_pump_mark_device_memory (GstBuffer *buffer)
{
  g_return_if_fail (GST_IS_BUFFER (buffer));

  for (guint i = 0; i < gst_buffer_n_memory (buffer); i++)
    gst_mini_object_set_qdata (GST_MINI_OBJECT (gst_buffer_peek_memory (buffer, i)),
                               device_memory_quark (), GINT_TO_POINTER (1), NULL);
}

/* zero-bitrate-controller.c: per-peer loss/REMB estimates, worst peer wins.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-bitrate-controller.h"

#include <math.h>

#define INCREASE_PER_SECOND 0.08
#define MAX_STEP_SECONDS 2.0
#define DECREASE_HOLDOFF_US 300000

typedef struct {
  double estimate_kbps;
  gint64 last_report_us;
  gint64 last_decrease_us;
} PeerState;

struct _ZeroBitrateController {
  GObject parent_instance;

  guint min_kbps;
  guint max_kbps;
  guint start_kbps;
  guint target_kbps;
  GHashTable *peers; /* char* peer id -> PeerState* */
};

G_DEFINE_FINAL_TYPE (ZeroBitrateController, zero_bitrate_controller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MIN_KBPS,
  PROP_MAX_KBPS,
  PROP_START_KBPS,
  PROP_TARGET_KBPS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
zero_bitrate_controller_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  ZeroBitrateController *self = ZERO_BITRATE_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_MIN_KBPS:
      g_value_set_uint (value, self->min_kbps);
      break;
    case PROP_MAX_KBPS:
      g_value_set_uint (value, self->max_kbps);
      break;
    case PROP_START_KBPS:
      g_value_set_uint (value, self->start_kbps);
      break;
    case PROP_TARGET_KBPS:
      g_value_set_uint (value, self->target_kbps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_bitrate_controller_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  ZeroBitrateController *self = ZERO_BITRATE_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_MIN_KBPS:
      self->min_kbps = g_value_get_uint (value);
      break;
    case PROP_MAX_KBPS:
      self->max_kbps = g_value_get_uint (value);
      break;
    case PROP_START_KBPS:
      self->start_kbps = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_bitrate_controller_finalize (GObject *object)
{
  ZeroBitrateController *self = ZERO_BITRATE_CONTROLLER (object);

  g_clear_pointer (&self->peers, g_hash_table_unref);

  G_OBJECT_CLASS (zero_bitrate_controller_parent_class)->finalize (object);
}

static void
zero_bitrate_controller_constructed (GObject *object)
{
  ZeroBitrateController *self = ZERO_BITRATE_CONTROLLER (object);

  G_OBJECT_CLASS (zero_bitrate_controller_parent_class)->constructed (object);

  if (self->max_kbps < self->min_kbps)
    self->max_kbps = self->min_kbps;
  self->start_kbps = CLAMP (self->start_kbps, self->min_kbps, self->max_kbps);
  self->target_kbps = self->start_kbps;
}

static void
zero_bitrate_controller_class_init (ZeroBitrateControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = zero_bitrate_controller_get_property;
  object_class->set_property = zero_bitrate_controller_set_property;
  object_class->constructed = zero_bitrate_controller_constructed;
  object_class->finalize = zero_bitrate_controller_finalize;

  properties[PROP_MIN_KBPS] =
    g_param_spec_uint ("min-kbps", NULL, NULL, 1, G_MAXUINT / 1000, 150,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_KBPS] =
    g_param_spec_uint ("max-kbps", NULL, NULL, 1, G_MAXUINT / 1000, 2500,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_START_KBPS] =
    g_param_spec_uint ("start-kbps", NULL, NULL, 1, G_MAXUINT / 1000, 1200,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TARGET_KBPS] =
    g_param_spec_uint ("target-kbps", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zero_bitrate_controller_init (ZeroBitrateController *self)
{
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static gboolean
update_target (ZeroBitrateController *self)
{
  GHashTableIter iter;
  gpointer value;
  double worst = G_MAXDOUBLE;
  guint target;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    worst = MIN (worst, ((PeerState *) value)->estimate_kbps);

  if (worst == G_MAXDOUBLE)
    target = self->start_kbps;
  else
    target = (guint) CLAMP (lround (worst), (long) self->min_kbps, (long) self->max_kbps);

  if (target == self->target_kbps)
    return FALSE;
  self->target_kbps = target;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_KBPS]);
  return TRUE;
}

ZeroBitrateController *
zero_bitrate_controller_new (guint min_kbps,
                             guint max_kbps,
                             guint start_kbps)
{
  g_return_val_if_fail (min_kbps > 0, NULL);

  return g_object_new (ZERO_TYPE_BITRATE_CONTROLLER,
                       "min-kbps", min_kbps,
                       "max-kbps", MAX (max_kbps, min_kbps),
                       "start-kbps", CLAMP (start_kbps, min_kbps, MAX (max_kbps, min_kbps)),
                       NULL);
}

gboolean
zero_bitrate_controller_report (ZeroBitrateController *self,
                                const char            *peer_id,
                                double                 fraction_lost,
                                double                 rtt_ms,
                                double                 remb_kbps,
                                gint64                 now_us)
{
  PeerState *peer;
  double elapsed_s;

  g_return_val_if_fail (ZERO_IS_BITRATE_CONTROLLER (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);

  if (isnan (fraction_lost) || fraction_lost < 0.0 || fraction_lost > 1.0 ||
      isnan (rtt_ms) || isnan (remb_kbps))
    return FALSE;

  peer = g_hash_table_lookup (self->peers, peer_id);
  if (peer == NULL)
    {
      /* A new peer starts where GCC starts: the configured start rate. */
      peer = g_new0 (PeerState, 1);
      peer->estimate_kbps = self->start_kbps;
      peer->last_report_us = now_us;
      peer->last_decrease_us = G_MININT64 / 2;
      g_hash_table_insert (self->peers, g_strdup (peer_id), peer);
      elapsed_s = 0.0;
    }
  else
    {
      elapsed_s = (double) (now_us - peer->last_report_us) / G_USEC_PER_SEC;
      elapsed_s = CLAMP (elapsed_s, 0.0, MAX_STEP_SECONDS);
      peer->last_report_us = now_us;
    }

  if (fraction_lost > ZERO_BITRATE_LOSS_HIGH)
    {
      gint64 holdoff = DECREASE_HOLDOFF_US + (rtt_ms > 0 ? (gint64) (rtt_ms * 1000) : 0);

      /* One cut per loss episode: feedback that predates the last cut says nothing new. */
      if (now_us - peer->last_decrease_us >= holdoff)
        {
          peer->estimate_kbps *= 1.0 - 0.5 * fraction_lost;
          peer->last_decrease_us = now_us;
        }
    }
  else if (fraction_lost < ZERO_BITRATE_LOSS_LOW)
    {
      peer->estimate_kbps *= 1.0 + INCREASE_PER_SECOND * elapsed_s;
    }

  if (remb_kbps > 0)
    peer->estimate_kbps = MIN (peer->estimate_kbps, remb_kbps);
  peer->estimate_kbps = CLAMP (peer->estimate_kbps, self->min_kbps, self->max_kbps);

  return update_target (self);
}

gboolean
zero_bitrate_controller_forget (ZeroBitrateController *self,
                                const char            *peer_id)
{
  g_return_val_if_fail (ZERO_IS_BITRATE_CONTROLLER (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);

  if (!g_hash_table_remove (self->peers, peer_id))
    return FALSE;
  return update_target (self);
}

guint
zero_bitrate_controller_get_target_kbps (ZeroBitrateController *self)
{
  g_return_val_if_fail (ZERO_IS_BITRATE_CONTROLLER (self), 0);
  return self->target_kbps;
}

guint
zero_bitrate_controller_get_peer_estimate (ZeroBitrateController *self,
                                           const char            *peer_id)
{
  PeerState *peer;

  g_return_val_if_fail (ZERO_IS_BITRATE_CONTROLLER (self), 0);
  g_return_val_if_fail (peer_id != NULL, 0);

  peer = g_hash_table_lookup (self->peers, peer_id);
  return peer ? (guint) lround (peer->estimate_kbps) : 0;
}

guint
zero_bitrate_controller_get_n_peers (ZeroBitrateController *self)
{
  g_return_val_if_fail (ZERO_IS_BITRATE_CONTROLLER (self), 0);
  return g_hash_table_size (self->peers);
}

guint
zero_bitrate_controller_get_min_kbps (ZeroBitrateController *self)
{
  g_return_val_if_fail (ZERO_IS_BITRATE_CONTROLLER (self), 0);
  return self->min_kbps;
}

guint
zero_bitrate_controller_get_max_kbps (ZeroBitrateController *self)
{
  g_return_val_if_fail (ZERO_IS_BITRATE_CONTROLLER (self), 0);
  return self->max_kbps;
}

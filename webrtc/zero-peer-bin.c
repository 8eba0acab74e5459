/* zero-peer-bin.c: a GstBin that diverts its children's errors to a callback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "webrtc/zero-peer-bin.h"

struct _ZeroPeerBin {
  GstBin parent_instance;

  GMutex lock;
  ZeroPeerBinErrorFunc func;
  gpointer user_data;
};

G_DEFINE_FINAL_TYPE (ZeroPeerBin, zero_peer_bin, GST_TYPE_BIN)

static void
zero_peer_bin_finalize (GObject *object)
{
  ZeroPeerBin *self = ZERO_PEER_BIN (object);

  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (zero_peer_bin_parent_class)->finalize (object);
}

static void
zero_peer_bin_handle_message (GstBin     *bin,
                              GstMessage *message)
{
  ZeroPeerBin *self = ZERO_PEER_BIN (bin);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      /* Never the pipeline's business: a peer that is closing has elements stopping
       * with not-linked and the like. */
      g_mutex_lock (&self->lock);
      if (self->func)
        self->func (message, self->user_data);
      else
        GST_DEBUG_OBJECT (self, "dropping error from closing peer: %" GST_PTR_FORMAT, message);
      g_mutex_unlock (&self->lock);
      gst_message_unref (message);
      return;
    }
  GST_BIN_CLASS (zero_peer_bin_parent_class)->handle_message (bin, message);
}

static void
zero_peer_bin_class_init (ZeroPeerBinClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = zero_peer_bin_finalize;
  GST_BIN_CLASS (klass)->handle_message = zero_peer_bin_handle_message;
}

static void
zero_peer_bin_init (ZeroPeerBin *self)
{
  g_mutex_init (&self->lock);
}

GstElement *
zero_peer_bin_new (const char          *name,
                   ZeroPeerBinErrorFunc func,
                   gpointer             user_data)
{
  ZeroPeerBin *self = g_object_new (ZERO_TYPE_PEER_BIN, "name", name, NULL);

  self->func = func;
  self->user_data = user_data;
  return GST_ELEMENT (self);
}

void
zero_peer_bin_disconnect (ZeroPeerBin *self)
{
  g_return_if_fail (ZERO_IS_PEER_BIN (self));

  g_mutex_lock (&self->lock);
  self->func = NULL;
  self->user_data = NULL;
  g_mutex_unlock (&self->lock);
}

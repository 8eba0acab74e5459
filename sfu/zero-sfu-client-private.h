/* zero-sfu-client-private.h: ZeroSfuClient's state, shared by zero-sfu-client.c
 * (Janus session, publisher, reconnects, data) and zero-sfu-subscriber.c (one subscription
 * per remote publisher).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sfu/zero-sfu-client.h"
#include "signaling/zero-janus-session.h"

G_BEGIN_DECLS

#define ZERO_VIDEOROOM_PLUGIN "janus.plugin.videoroom"

typedef struct _ZeroSfuSubscriber ZeroSfuSubscriber;

struct _ZeroSfuSubscriber
{
  ZeroSfuClient *client;      /* unowned */
  guint serial;               /* unique per client: callbacks check they are still current */
  guint64 feed;
  char *peer_id;              /* the publisher's display */
  guint64 handle;             /* Janus subscriber handle, 0 until attached */
  ZeroPeer *peer;             /* our answering connection, NULL until Janus offers */
  gboolean started;           /* `start` (with our answer) sent */
  gboolean restarting;        /* an ICE restart was asked of Janus */
  guint retries;              /* re-subscriptions after failures */
  GSource *retry_source;
};

struct _ZeroSfuClient
{
  GObject parent_instance;

  GMainContext *context;
  ZeroMediaSource *media;
  ZeroSignalingClient *signaling;
  gulong data_handler;

  /* options (deep copies) */
  char *url;
  guint64 room;
  char *pin;
  char *display;
  gboolean publish;
  ZeroPeerOptions peer_opts;  /* ice_servers ref'd, video_caps dup'd */
  char *api_secret;
  gboolean create_room;
  char *admin_key;
  guint keepalive_ms;
  guint transaction_timeout_ms;
  guint reconnect_min_ms;
  guint reconnect_max_ms;

  ZeroSfuClientState state;
  GError *error;
  guint epoch;                /* bumped at every (re)connection: stale callbacks see it */
  guint attempt;              /* reconnects since the last CONNECTED */
  guint n_reconnects;
  GSource *reconnect_source;
  GCancellable *cancellable;  /* this epoch's requests */

  ZeroJanusSession *janus;
  guint64 pub_handle;
  guint64 feed_id;
  guint64 private_id;
  ZeroPeer *publisher;
  gboolean published;         /* `publish` answered */
  GPtrArray *send_pads;       /* encoded pads handed to the publisher (refs) */

  GHashTable *subscribers;    /* feed id (guint64*) -> ZeroSfuSubscriber* */
  GPtrArray *order;           /* ZeroSfuSubscriber* in the order they were added */
  guint next_serial;

  GMutex playback_lock;       /* the media source's playback pads (streaming threads) */
};

/* zero-sfu-client.c */
void     _zero_sfu_client_lost           (ZeroSfuClient *self,
                                          GError        *error);
/* Data handed to a Janus callback: the client (ref) and the epoch it belongs to. */
typedef struct
{
  ZeroSfuClient *self;
  guint epoch;
  guint serial;               /* subscriber callbacks */
  guint64 feed;
} ZeroSfuCallData;

ZeroSfuCallData *_zero_sfu_call_data_new  (ZeroSfuClient *self,
                                           ZeroSfuSubscriber *sub);
void     _zero_sfu_call_data_free         (ZeroSfuCallData *data);
/* TRUE when @data's epoch is the current one and the client is running. */
gboolean _zero_sfu_call_data_current      (ZeroSfuCallData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZeroSfuCallData, _zero_sfu_call_data_free)
GstPad  *_zero_sfu_playback_request       (ZeroMediaKind kind,
                                           gpointer      user_data);
void     _zero_sfu_playback_release       (GstPad  *pad,
                                           gpointer user_data);

/* zero-sfu-subscriber.c */
/* Handles the `publishers` array of a joined/event message: subscribes to the new ones. */
void     _zero_sfu_subscribe_publishers   (ZeroSfuClient *self,
                                           JsonArray     *publishers);
void     _zero_sfu_subscriber_remove      (ZeroSfuClient *self,
                                           guint64        feed,
                                           const char    *reason);
void     _zero_sfu_subscriber_remove_all  (ZeroSfuClient *self,
                                           const char    *reason);
ZeroSfuSubscriber *_zero_sfu_subscriber_by_handle (ZeroSfuClient *self,
                                                   guint64        handle);
ZeroSfuSubscriber *_zero_sfu_subscriber_by_peer   (ZeroSfuClient *self,
                                                   const char    *peer_id);
/* A Janus event on a subscriber handle. */
void     _zero_sfu_subscriber_event       (ZeroSfuSubscriber *sub,
                                           JsonObject        *msg);

/* Signals shared by both files. */
enum
{
  ZERO_SFU_SIGNAL_STATE_CHANGED,
  ZERO_SFU_SIGNAL_PUBLISHER_ADDED,
  ZERO_SFU_SIGNAL_PUBLISHER_REMOVED,
  ZERO_SFU_SIGNAL_PEER_STATE,
  ZERO_SFU_SIGNAL_VIDEO_SAMPLE,
  ZERO_SFU_SIGNAL_FIRST_FRAME,
  ZERO_SFU_SIGNAL_STATS,
  ZERO_SFU_SIGNAL_MESSAGE,
  ZERO_SFU_SIGNAL_DATA_MESSAGE,
  ZERO_SFU_N_SIGNALS
};
extern guint _zero_sfu_signals[ZERO_SFU_N_SIGNALS];

G_END_DECLS

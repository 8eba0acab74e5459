/* peer-fixture.h: test media and a fake signaling relay for ZeroPeer tests.
 *
 * A TestParty is one "client": its own GstPipeline with live test sources encoded once
 * (videotestsrc -> vp8enc/x264enc -> tee, audiotestsrc -> opusenc -> tee), like
 * camera/ZeroMediaSource, and ZeroPeers inside that pipeline. test_connect() wires two
 * peers through a relay that JSON-serializes every message, as the wire would, and can
 * tamper with messages in transit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "webrtc/zero-peer.h"

G_BEGIN_DECLS

typedef struct {
  GstPipeline *pipeline;
  GstElement *video_tee;
  GstElement *screen_tee;
  GstElement *audio_tee;
  GstElement *mixer;            /* audiomixer -> fakesink: the playback sink */
  gboolean h264;
  int base_children;            /* elements of the pipeline itself (no peers) */
} TestParty;

TestParty *test_party_new       (gboolean h264,
                                 gboolean audio,
                                 gboolean video);
void       test_party_free      (TestParty *party);
/* Adds a screen source (a different pattern) to the party's pipeline. */
void       test_party_add_screen (TestParty *party);
/* A new tee src pad for a peer (transfer full); released on "send-pad-released". */
GstPad    *test_party_request   (TestParty    *party,
                                 ZeroMediaKind kind);
/* Attaches a peer's send pads for every source the party has, and playback. */
void       test_party_attach    (TestParty *party,
                                 ZeroPeer  *peer);

typedef enum {
  TEST_TAMPER_NONE = 0,
  TEST_TAMPER_DROP_FINGERPRINT_OFFER = 1 << 0,  /* strip a=fingerprint from offers */
  TEST_TAMPER_FORGE_FINGERPRINT_OFFER = 1 << 1, /* change one hex digit in offers */
  TEST_TAMPER_FORGE_FINGERPRINT_ANSWER = 1 << 2,
  TEST_TAMPER_MID_ONLY = 1 << 3,                /* candidates without sdpMLineIndex */
  TEST_TAMPER_INDEX_ONLY = 1 << 4,              /* candidates without sdpMid */
  TEST_TAMPER_DROP_CANDIDATES = 1 << 5,         /* drop every candidate while set */
} TestTamper;

typedef struct _TestLink TestLink;

/* One relayed pair: a (offerer) and b (answerer). */
struct _TestLink {
  ZeroPeer *a;
  ZeroPeer *b;
  TestTamper tamper;
  guint messages;               /* relayed so far */
  guint candidates;             /* ice messages relayed */
  guint candidates_with_mid;    /* ... whose sdpMid names an m-line of the sender's SDP */
  guint tcp_candidates;         /* ... of transport TCP (ICE-TCP) */
  guint renegotiations;         /* offers after the first */
  guint offers;
  GPtrArray *errors;            /* handle_signal errors (char *) */
  GHashTable *local_mids;       /* mids seen in SDPs (sender side) */
  gulong ids[2];
};

TestLink  *test_link_new        (ZeroPeer *a,
                                 ZeroPeer *b);
void       test_link_free       (TestLink *link);

/* Per-peer event recorder. */
typedef struct {
  ZeroPeer *peer;
  ZeroPeerState state;
  GArray *states;               /* every state in order (int) */
  gboolean data_open;
  GPtrArray *messages;          /* received data-channel texts */
  guint samples[ZERO_MEDIA_N_KINDS];
  char *last_format;            /* video format of the last sample */
  gint64 first_frame_us[ZERO_MEDIA_N_KINDS];
  guint negotiated;
  guint stats;
  guint released_pads;
} TestEvents;

TestEvents *test_events_new     (ZeroPeer *peer);
void        test_events_free    (TestEvents *ev);

/* Options for tests: loopback per ZERO_TEST_LOOPBACK (default yes, so that tests work
 * in any network namespace), short timeouts. */
void        test_peer_options   (ZeroPeerOptions *opts);

/* Test deadlines in ms, scaled by $ZERO_TEST_WAIT_SCALE (e.g. 10 under valgrind). */
guint       test_wait_scale     (void);
#define T(ms) ((ms) * test_wait_scale ())

/* Open fds of this process. */
guint       test_count_fds      (void);
/* VmRSS in KiB, after malloc_trim(). */
gint64      test_rss_kib        (void);

G_END_DECLS

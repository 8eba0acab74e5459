/* fuzz-datachannel.c: libFuzzer target over the data-channel message parser
 * (webrtc/zero-data-message.c, PROTOCOL.md section 7).
 *
 * Every input goes through zero_data_message_parse(); what it accepts must be consistent
 * (the fields of its type set and valid) and must survive a trip through the builders. The
 * seed corpus is tests/sessionmanager/corpus-datachannel/; crash inputs found later are kept
 * there too (as crash-*) and replayed by /datachannel/message/corpus-replay.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "signaling/zero-uuid.h"
#include "webrtc/zero-data-message.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZeroDataMessage) m = NULL;
  g_autofree char *again = NULL;
  gint64 id = 0;

  m = zero_data_message_parse ((const char *) data, (gssize) size, &id, &error);
  g_assert ((m == NULL) == (error != NULL));
  if (m == NULL)
    return 0;

  switch (m->type)
    {
    case ZERO_DATA_MESSAGE_CHAT:
      g_assert (zero_uuid_is_valid (m->chat_id));
      g_assert (zero_data_check_chat_text (m->text, NULL));
      again = zero_data_message_build_chat (m->chat_id, m->text, m->ts);
      break;
    case ZERO_DATA_MESSAGE_STATE:
      again = zero_data_message_build_state (&m->state);
      break;
    case ZERO_DATA_MESSAGE_REQUEST:
      g_assert (id == m->request_id);
      g_assert (m->path[0] == '/');
      again = zero_data_message_build_request (m->request_id, m->method, m->path, m->body);
      break;
    case ZERO_DATA_MESSAGE_RESPONSE:
      g_assert (m->status >= 100 && m->status <= 599 && m->body != NULL);
      again = zero_data_message_build_response (m->request_id, m->status, m->body);
      break;
    case ZERO_DATA_MESSAGE_INVALID:
    default:
      g_assert_not_reached ();
    }

  /* What we build from an accepted message is accepted, as the same message. */
  {
    g_autoptr (ZeroDataMessage) m2 = zero_data_message_parse (again, -1, NULL, NULL);

    g_assert (m2 != NULL && m2->type == m->type);
    if (m->type == ZERO_DATA_MESSAGE_CHAT)
      g_assert (strcmp (m2->text, m->text) == 0);
  }
  return 0;
}

/* fuzz-message.c: libFuzzer target over the signaling message parser.
 *
 * Each input goes through zero_message_parse() in both directions and, when
 * it is accepted as a client message, through the relay rewrite the server
 * applies; the rewritten text must itself parse as a server message. The
 * seed corpus is tests/signaling/corpus/ (crash inputs are kept there too and
 * replayed by /signaling/message/corpus-replay). */
#include <string.h>

#include "signaling/zero-json.h"
#include "signaling/zero-message.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static ZeroJsonDoc doc;
  static gboolean initialized;
  ZeroMessageType type;

  if (!initialized)
    {
      zero_json_doc_init (&doc);
      initialized = TRUE;
    }

  for (int dir = 0; dir < 2; dir++)
    {
      g_autofree char *ref = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) msg = zero_message_parse ((const char *) data, (gssize) size, dir,
                                                       &type, &ref, &error);
      g_assert ((msg == NULL) == (error != NULL));
    }

  if (zero_json_parse (&doc, (const char *) data, size, NULL) &&
      zero_message_validate (&doc, ZERO_MESSAGE_TO_SERVER, NULL, NULL) != ZERO_MESSAGE_INVALID)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      g_autoptr (JsonObject) relayed = NULL;

      type = zero_message_validate (&doc, ZERO_MESSAGE_TO_SERVER, NULL, NULL);
      zero_message_append_relay (out, &doc, "fuzz-peer");
      relayed = zero_message_parse (out->str, (gssize) out->len, ZERO_MESSAGE_TO_CLIENT, NULL, NULL,
                                    NULL);
      /* offer, answer, ice, request-offer and broadcast are relayed as is */
      if (type >= ZERO_MESSAGE_OFFER && type <= ZERO_MESSAGE_BROADCAST)
        g_assert (relayed != NULL);
    }
  return 0;
}

/* zero-signaling-error.c */
#include "signaling/zero-signaling-error.h"

G_DEFINE_QUARK (zero-signaling-error-quark, zero_signaling_error)

/* zero-dtls-cert.h: the process-wide EC P-256 DTLS certificate and SDP fingerprints.
 *
 * webrtcbin 1.22 would otherwise generate an RSA-2048 key (0.1-0.7 s of CPU) the first
 * time any DTLS element is created; we hand it a P-256 certificate (~1 ms) through the
 * DTLS decoder's `pem` property instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The certificate and its private key, PEM-encoded, made on first call (thread-safe).
 * Returns NULL (and sets @error) only if OpenSSL fails. Owned by the module. */
const char *zero_dtls_cert_get_pem (GError **error);

/* The certificate's SHA-256 fingerprint ("AB:CD:..."), or NULL if it cannot be made. */
const char *zero_dtls_cert_get_fingerprint (void);

/* Pays webrtcbin's once-per-process RSA key generation on a background thread, so that
 * the first call does not wait for it (the DTLS decoder makes that key when it is first
 * instantiated, whatever certificate it is given later). Idempotent; returns at once. */
void        zero_dtls_cert_prewarm (void);
/* Waits for the thread zero_dtls_cert_prewarm() started, if it runs. */
void        zero_dtls_cert_prewarm_wait (void);

/* Computes the fingerprint of the first certificate in @pem with @hash_name (an SDP hash
 * function name: "sha-1", "sha-224", "sha-256", "sha-384" or "sha-512", any case), as
 * upper-case colon-separated hex ("AB:CD:..."). */
char       *zero_dtls_fingerprint_from_pem (const char *pem,
                                            const char *hash_name,
                                            GError    **error);

/* Compares two colon-separated hex fingerprints, ignoring case and surrounding space. */
gboolean    zero_dtls_fingerprint_equal (const char *a,
                                         const char *b);

G_END_DECLS

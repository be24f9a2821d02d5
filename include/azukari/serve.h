/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file azukari/serve.h
 * azukari serve: the HTTPS control plane and its web UI (docs/serve.md).
 * Every rule (TLS settings, security headers, login with password + TOTP,
 * lockout, sessions, CSRF, the route table and its authorisation, the
 * ledger events) is in the library; a front end only fills the options,
 * starts the server, and stops it.
 */
#ifndef AZUKARI_SERVE_H
#define AZUKARI_SERVE_H

#include "azukari/home.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A running server (opaque). */
typedef struct azk_server azk_server;

/** Options of azk_serve_start; start from AZK_SERVE_OPTIONS_INIT, set fields by name. */
typedef struct {
    size_t struct_size; /**< set by AZK_SERVE_OPTIONS_INIT: the version of this struct */
    const char *bind;   /**< address to listen on; NULL = "127.0.0.1" */
    unsigned port;      /**< TCP port; 0 = 8443 */
    /** PEM certificate chain and key; NULL: the server's own CA under <home>/serve/ */
    const char *cert_file;
    const char *key_file;
    unsigned idle_timeout_s;      /**< session idle timeout; 0 = 900 */
    unsigned absolute_timeout_s;  /**< session lifetime; 0 = 28800 */
    unsigned user_max_failures;   /**< failed logins per user in 15 min before lockout; 0 = 5 */
    unsigned source_max_failures; /**< failed logins per source address in 15 min; 0 = 20 */
    unsigned enrol_valid_s;       /**< lifetime of the first administrator's link; 0 = 3600 */
    /** Host name written into the enrolment link and the certificate; NULL = "localhost" */
    const char *host_name;
    /** A plain-HTTP port that only redirects to HTTPS (308); 0 = none */
    unsigned redirect_port;
    unsigned connection_timeout_s; /**< a connection silent this long is closed (a body still
                                        coming after it: at least 1 KiB/s); 0 = 30 */
    unsigned drain_timeout_s;      /**< stop/reload: wait this long for requests running; 0 = 30 */
    unsigned rate_user_per_min;    /**< requests per minute of one user; 0 = 600 */
    unsigned rate_source_per_min;  /**< requests per minute of one source address; 0 = 1200 */
} azk_serve_options;

#define AZK_SERVE_OPTIONS_INIT                                                                     \
    {                                                                                              \
        .struct_size = sizeof(azk_serve_options)                                                   \
    }

/**
 * Start serving the home `h` over HTTPS (TLS 1.3, or 1.2 with AEAD suites
 * only). The server uses `h` from its own thread until azk_serve_stop;
 * the caller must not use `h` meanwhile.
 *
 * When no administrator exists yet, a one-time enrolment link for the
 * first administrator is made and written to `enrol_url` (capacity
 * `enrol_url_len`; "" otherwise): the caller shows it to the person who
 * starts the server. It is stored hashed, good once, and expires.
 *
 * @param[out] out the server; free with azk_serve_stop
 * @return AZK_OK, AZK_ERR_ARG (options), AZK_ERR_CRYPTO (certificate),
 *         AZK_ERR_IO (cannot listen), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_serve_start(azk_server **out, azk_home *h,
                                                    const azk_serve_options *opts, char *enrol_url,
                                                    size_t enrol_url_len);

/**
 * Reload, without closing the listening socket: the certificate and key
 * (the files given, or the home's own), and the "serve" section of
 * <home>/azukari.conf (timeouts and rate limits the options left at 0).
 * New connections get the new certificate; requests running finish on
 * the old one. Tells systemd RELOADING=1, then READY=1 (sd_notify).
 * Call from the thread that started the server.
 *
 * @return AZK_OK; on an error (AZK_ERR_CRYPTO, AZK_ERR_IO, AZK_ERR_FORMAT)
 *         the server goes on with what it had.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_serve_reload(azk_server *s);

/** The TCP port the server listens on. */
AZK_EXTERN unsigned azk_serve_port(const azk_server *s);

/**
 * Stop: no new connections; requests being handled finish (for at most
 * drain_timeout_s); then free. Tells systemd STOPPING=1.
 * NULL-safe. The home handle is the caller's again afterwards.
 */
AZK_EXTERN void azk_serve_stop(azk_server *s);

#ifdef __cplusplus
}
#endif

#endif

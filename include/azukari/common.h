/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/common.h -- status codes, error reporting and export macros shared
 * by every public azukari header. Public headers are C99.
 */
#ifndef AZUKARI_COMMON_H
#define AZUKARI_COMMON_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#if defined(AZK_BUILDING_LIBRARY) && defined(__GNUC__)
#define AZK_EXTERN __attribute__((visibility("default")))
#else
#define AZK_EXTERN
#endif

#if defined(__GNUC__)
#define AZK_NODISCARD __attribute__((warn_unused_result))
#else
#define AZK_NODISCARD
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Result of every fallible azukari function. */
typedef enum {
    AZK_OK = 0,
    AZK_ERR_NOMEM,       /**< allocation failed */
    AZK_ERR_ARG,         /**< invalid argument */
    AZK_ERR_IO,          /**< read/write/open failed */
    AZK_ERR_FORMAT,      /**< malformed input */
    AZK_ERR_LIMIT,       /**< a configured limit was reached */
    AZK_ERR_NOTFOUND,    /**< no such object */
    AZK_ERR_CRYPTO,      /**< cryptographic failure (bad key, forged data) */
    AZK_ERR_INTEGRITY,   /**< stored data fails its integrity check */
    AZK_ERR_DB,          /**< database error */
    AZK_ERR_UNSUPPORTED, /**< input or operation not supported */
    AZK_ERR_PERM,        /**< permission denied */
    AZK_ERR__COUNT
} azk_status;

/** The last error set on this thread. */
typedef struct {
    azk_status code;
    const char *message; /**< one line, never holds a personal value */
} azk_error;

/**
 * The last error set on the calling thread.
 * @return borrowed pointer, valid until the next azukari call on this thread;
 *         never NULL (code AZK_OK and an empty message when none).
 */
AZK_EXTERN const azk_error *azk_error_last(void);

/** Clear the calling thread's last error. */
AZK_EXTERN void azk_error_clear(void);

/** Stable machine name of a status, e.g. "format" for AZK_ERR_FORMAT. */
AZK_EXTERN const char *azk_status_name(azk_status st);

/** Library version string, e.g. "0.1.0". */
AZK_EXTERN const char *azk_version(void);

/**
 * Write the NUL-terminated string s to out as a JSON string (quotes
 * included), escaped as everything else the library writes in JSON
 * (RFC 8259: \" \\ \b \f \n \r \t, other control characters \u00XX;
 * UTF-8 is copied). For front ends that print JSON.
 * @return 0, or EOF on a write error
 */
AZK_EXTERN int azk_json_fputs(const char *s, FILE *out);

/** Severity of a log message delivered to the log callback. */
typedef enum { AZK_LOG_DEBUG, AZK_LOG_INFO, AZK_LOG_WARN, AZK_LOG_ERROR } azk_log_level;

/** Log callback; the library never prints on its own. */
typedef void (*azk_log_cb)(azk_log_level level, const char *msg, void *payload);

/** Install the process-wide log callback (NULL to silence). Not thread-safe. */
AZK_EXTERN void azk_log_set_callback(azk_log_cb cb, void *payload);

#ifdef __cplusplus
}
#endif

#endif /* AZUKARI_COMMON_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/redact.h -- a streaming filter that replaces every personal value
 * in text lines with a mask or a keyed pseudonym, so production logs can be
 * written without personal data in the first place.
 */
#ifndef AZUKARI_REDACT_H
#define AZUKARI_REDACT_H

#include "azukari/common.h"
#include "azukari/types.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct azk_redactor azk_redactor;

typedef enum {
    AZK_REDACT_MASK = 0,  /**< replace by the masked form ("090-****-5678"); what the
                               scanner would still report in it is blanked ("***") */
    AZK_REDACT_PSEUDONYM, /**< replace by a keyed token "[phone:3fa9c01b7e]" */
    AZK_REDACT_TYPE,      /**< replace by the type only "[phone]" */
    AZK_REDACT_PARTIAL    /**< the masked form as is ("氏名=秋元 **"): for display only,
                               the surname of a name stays readable */
} azk_redact_mode;

typedef struct {
    size_t struct_size; /**< set by AZK_REDACT_OPTIONS_INIT: the version of this struct */
    azk_redact_mode mode;
    const unsigned char *key; /**< 32-byte pseudonym key (PSEUDONYM mode) */
    uint32_t types;           /**< bit (1 << azk_pii_type); 0 = all */
    double min_confidence;    /**< default 0.5 */
    const char *encoding;     /**< input encoding ("cp932", ...); NULL = detected from the
                                   first non-ASCII line: UTF-8, CP932 or EUC-JP */
    const char *const *allow_values;
    size_t allow_value_count;
} azk_redact_options;

#define AZK_REDACT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        .struct_size = sizeof(azk_redact_options), .mode = AZK_REDACT_MASK, .min_confidence = 0.5  \
    }

/** Output callback: write len bytes; return 0 on success. */
typedef int (*azk_redact_write_cb)(const char *data, size_t len, void *payload);

/**
 * Create a redactor. The key is copied.
 * @return AZK_OK, AZK_ERR_ARG (no key in pseudonym mode, unknown encoding), AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_redactor_new(azk_redactor **out,
                                                     const azk_redact_options *opts);

/**
 * A new input (file) starts: without a given encoding it is detected again
 * from its first non-ASCII line, and a UTF-8 byte order mark is dropped.
 */
AZK_EXTERN void azk_redactor_begin(azk_redactor *r);

/**
 * Redact one line (without its newline, in the input encoding) and write
 * the result as UTF-8 followed by "\n". Not thread-safe per redactor.
 * @param[out] replaced number of values replaced in this line (may be NULL)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_redactor_line(azk_redactor *r, const char *line, size_t len,
                                                      azk_redact_write_cb write, void *payload,
                                                      size_t *replaced);

/**
 * Redact a stream: feed its bytes in chunks of any size (a character or a
 * line split between chunks is fine). Each complete line is written as
 * UTF-8 followed by "\n" ("\r\n" input becomes "\n"). A line longer than
 * 1 MiB is redacted in windows cut at character boundaries with an overlap
 * (a value crossing a cut moves the cut behind it), so no value is written
 * in clear and the line stays one line. Not thread-safe per redactor.
 * @return AZK_OK, AZK_ERR_FORMAT (conversion), AZK_ERR_IO (write failed), AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_redactor_write(azk_redactor *r, const char *data,
                                                       size_t len, azk_redact_write_cb write,
                                                       void *payload);

/** End of the stream: write its last line when the input did not end in a newline. */
AZK_EXTERN AZK_NODISCARD azk_status azk_redactor_finish(azk_redactor *r, azk_redact_write_cb write,
                                                        void *payload);

AZK_EXTERN void azk_redactor_free(azk_redactor *r);

/**
 * Load the pseudonym key of an azukari home (<home>/keys/redact.key),
 * creating it (32 random bytes, mode 0600) when absent.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_redact_key_load(unsigned char key[32], const char *home,
                                                        bool create);

#ifdef __cplusplus
}
#endif

#endif

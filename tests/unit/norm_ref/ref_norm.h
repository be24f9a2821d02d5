/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/norm_ref/ref_norm.h -- the test-only reference normalisers of
 * ref_norm.c (the library's code before session 16's fast paths).
 */
#ifndef AZK_TEST_REF_NORM_H
#define AZK_TEST_REF_NORM_H

#include "norm/norm.h"

uint32_t ref_norm_kanji_variant(uint32_t cp);
azk_status ref_norm_text(azk_buf *out, const char *in, size_t len, unsigned flags);
azk_status ref_norm_address(azk_address *out, const char *in, size_t len, unsigned flags);
azk_status ref_norm_address_key(azk_buf *out, const char *in, size_t len);

#endif

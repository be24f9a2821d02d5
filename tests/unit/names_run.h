/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/names_run.h -- what the person-name unit tests (tests/unit/names,
 * names_memo) share: a hit collector (struct hits: the first MAX_HITS
 * mentions and their count) and names_run(), the mentions of one field on
 * a context. Include after cmocka.h.
 */
#ifndef AZK_TEST_NAMES_RUN_H
#define AZK_TEST_NAMES_RUN_H

#include <string.h>

#include "detect/names.h"

#define MAX_HITS 32

struct hits {
    size_t count;
    azk_name_hit h[MAX_HITS];
};

static inline azk_status collect(const azk_name_hit *hit, void *payload)
{
    struct hits *hs = payload;
    if (hs->count < MAX_HITS)
        hs->h[hs->count] = *hit;
    hs->count++;
    return AZK_OK;
}

static inline struct hits names_run(azk_names_ctx *c, const char *text, azk_column_kind col)
{
    struct hits hs;
    memset(&hs, 0, sizeof(hs));
    assert_int_equal(azk_names__scan(c, text, strlen(text), col, collect, &hs), AZK_OK);
    return hs;
}

/* The same mentions, field by field. */
static inline void hits_equal(const struct hits *a, const struct hits *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t h = 0; h < a->count && h < MAX_HITS; h++) {
        assert_int_equal(a->h[h].start, b->h[h].start);
        assert_int_equal(a->h[h].len, b->h[h].len);
        assert_int_equal(a->h[h].family_len, b->h[h].family_len);
        assert_true(a->h[h].confidence == b->h[h].confidence);
        assert_true(a->h[h].kana == b->h[h].kana);
    }
}

#endif

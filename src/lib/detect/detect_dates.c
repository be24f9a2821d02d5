/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_dates.c -- birth dates: Gregorian and era dates (norm/datetime.h)
 * after a birth-date label or in a birth-date column, era dates alone with a
 * name in the row.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/names.h"
#include "norm/norm.h"
#include "detect/places.h"
#include "norm/digits.h"
#include "norm/datetime.h"

#include <hs/hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "detect/detect_scan.h"

/* ---- birth dates ----------------------------------------------------------------- */

static void date_cand(struct fld *f, size_t start, size_t used, const azk_date *d, double conf,
                      unsigned flags)
{
    struct cand *x = azk_detect__cand_add(f, AZK_PII_BIRTH_DATE, start, used, conf);
    if (x == NULL)
        return;
    x->flags = flags;
    azk_detect__mask_date(x->masked, sizeof(x->masked), d);
}

/* A date of birth by context: look for a date within `window` bytes after pos. */
void azk_detect__date_after(struct fld *f, size_t pos, size_t window, double conf, bool allow_time)
{
    size_t end = pos + window < f->len ? pos + window : f->len;
    while (pos < end) {
        azk_date d;
        uint32_t a;
        size_t l = azk_digits__next(f->s, f->len, pos, &a);
        size_t used;
        if (azk_digits__isdigit(a) || a == 'M' || a == 'T' || a == 'S' || a == 'H' || a == 'R' ||
            a == 'm' || a == 't' || a == 's' || a == 'h' || a == 'r' || l == 3) {
            if (azk_detect__left_ok(f, pos, true) || !azk_digits__isdigit(a)) {
                used = azk_date__parse(f->s + pos, f->len - pos, allow_time, &d);
                if (used > 0) {
                    if ((d.flags & AZK_DATE_TIME) && !allow_time)
                        return;
                    date_cand(f, pos, used, &d, conf, 0);
                    return;
                }
            }
        }
        if (azk_digits__isdigit(a)) {
            /* a number that is not a date: the label was about something else */
            return;
        }
        pos += l;
    }
}

/* Is the value at pos announced by a date label other than a birth one? */
static bool other_date_label(const struct fld *f, size_t pos)
{
    static const char *const ends[] = {"日", "時", "付", "限", "期"};
    size_t k, p = pos;
    int skipped = 0;
    while (p > 0 && skipped < 4) {
        uint32_t a;
        size_t q = azk_digits__prev(f->s, f->len, p, &a);
        if (!(a == ' ' || a == ':' || a == '=' || a == '(' || a == '[' ||
              (p - q == 3 && memcmp(f->s + q, "【", 3) == 0)))
            break;
        p = q;
        skipped++;
    }
    if (p < 3)
        return false;
    for (k = 0; k < sizeof(ends) / sizeof(ends[0]); k++) {
        if (memcmp(f->s + p - 3, ends[k], 3) == 0)
            return true;
    }
    return false;
}

/* An era date starting at `start` (era name or its letter). */
void azk_detect__era_at(struct fld *f, size_t start)
{
    size_t used;
    azk_date d;
    azk_column_kind label;
    double conf;
    used = azk_date__parse(f->s + start, f->len - start, false, &d);
    if (used == 0 || d.era == AZK_ERA_NONE)
        return;
    label = azk_detect__label_before(f, start, 48);
    if (label == AZK_COL_BIRTH_DATE || f->col == AZK_COL_BIRTH_DATE) {
        conf = azk_detect__with_context(0.5, label, f->col, AZK_COL_BIRTH_DATE, 0.9);
        date_cand(f, start, used, &d, conf, 0);
    } else if ((f->col == AZK_COL_NONE || f->col == AZK_COL_OTHER) && label != AZK_COL_OTHER &&
               !(f->tabular && (f->c->header_seen || f->col != AZK_COL_NONE))) {
        /* a strongly shaped era date counts in a row that names a person,
         * unless another kind of date label precedes it (処理日, 日付, 期限);
         * a cell under a header is a birth date only when its header says
         * so (登録日, 契約日 and unknown headers: no) */
        if ((d.flags & AZK_DATE_TIME) || other_date_label(f, start))
            return;
        conf = (d.flags & AZK_DATE_KANJI) ? 0.75 : 0.6;
        date_cand(f, start, used, &d, conf, CF_NEEDS_NAME);
    }
}
